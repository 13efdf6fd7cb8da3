// What a spec says about a rate's packets, as tc reads the same words for htb classes, tbf and
// police (tc_util.c get_linklayer; q_tbf.c, q_htb.c, m_police.c): mpu, overhead and link layer,
// for psched.ts's ratespec(); and the struct tc_ratespec of no rate.
import { uint, word } from '../route/spec-values.js';
import { LINKLAYER_ATM, LINKLAYER_ETHERNET, type RatespecOptions } from './psched.js';
import { parseSize } from './units.js';

/** A struct tc_ratespec that says no rate (tbf's and police's peak rate when none is given). */
export const NO_RATESPEC = Object.freeze({ cellLog: 0, linklayer: 0, overhead: 0, cellAlign: 0, mpu: 0, rate: 0 });

/** tc's get_linklayer: 'ethernet', or 'atm' and its alias 'adsl'. */
export const linklayerOf = (v: unknown): number =>
  v === undefined || word(v, 'linklayer', ['ethernet', 'atm', 'adsl'] as const) === 'ethernet' ? LINKLAYER_ETHERNET : LINKLAYER_ATM;

/** The ratespec options of a spec's `mpu` (a size, at most 65535), `overhead` and `linklayer`, with the kind's mtu. */
export function ratespecOptions(o: { mpu?: unknown; overhead?: unknown; linklayer?: unknown }, mtu: number): Required<RatespecOptions> {
  return {
    mtu,
    mpu: o.mpu === undefined ? 0 : uint(parseSize(o.mpu, 'mpu'), 'mpu', 0xffff),
    overhead: o.overhead === undefined ? 0 : uint(o.overhead, 'overhead', 0xffff),
    linklayer: linklayerOf(o.linklayer),
  };
}
