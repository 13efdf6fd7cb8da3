// tc handles as tc writes them: 'maj:min' in hex ('1:', '1:10', 'ffff:fff1'), plus the names
// tc accepts for the well-known parents. A handle is a u32: major in the top 16 bits.
import { NetlinkArgumentError } from '../core/errors.js';
import { quote } from '../core/options.js';

export const TC_H_ROOT = 0xffffffff;
export const TC_H_INGRESS = 0xfffffff1;
export const TC_H_UNSPEC = 0;
/** clsact's and ingress's filter attach points (minor of ffff:). */
export const TC_H_MIN_INGRESS = 0xfff2;
export const TC_H_MIN_EGRESS = 0xfff3;
export const TC_H_CLSACT = TC_H_INGRESS;

/** A handle as callers write it: 'root', 'ingress', 'clsact', 'none', 'maj:min', 'maj:' or a u32. */
export type TcHandle = string | number;

const NAMED: Record<string, number> = {
  root: TC_H_ROOT,
  ingress: TC_H_INGRESS,
  clsact: TC_H_CLSACT,
  none: TC_H_UNSPEC,
};

const HEX = /^[0-9a-f]{1,4}$/i;

/** 'maj:min' (hex, either side may be empty: '1:' = 1:0, ':10' = 0:10) or a name, to a u32. */
export function parseHandle(v: unknown, option = 'handle'): number {
  if (typeof v === 'number') {
    if (Number.isInteger(v) && v >= 0 && v <= 0xffffffff) return v;
    throw new NetlinkArgumentError(option, `must be a u32 or 'maj:min', got ${v}`, 'ERR_OUT_OF_RANGE');
  }
  if (typeof v !== 'string') throw new NetlinkArgumentError(option, `must be 'maj:min', a name or a number, got ${typeof v}`, 'ERR_INVALID_ARG_TYPE');
  const named = NAMED[v];
  if (named !== undefined) return named;
  const colon = v.indexOf(':');
  if (colon >= 0 && v.indexOf(':', colon + 1) < 0) {
    const maj = v.slice(0, colon);
    const min = v.slice(colon + 1);
    if ((maj === '' || HEX.test(maj)) && (min === '' || HEX.test(min)) && (maj !== '' || min !== ''))
      return (((maj === '' ? 0 : parseInt(maj, 16)) << 16) | (min === '' ? 0 : parseInt(min, 16))) >>> 0;
  }
  throw new NetlinkArgumentError(option, `must be 'maj:min' in hex (e.g. '1:', '1:10'), 'root', 'ingress', 'clsact' or 'none', got ${quote(v)}`);
}

/** A major-only handle ('1:' or '1') as `tc qdisc add ... handle 1:` takes it. */
export function parseMajor(v: unknown, option = 'handle'): number {
  if (typeof v === 'string' && HEX.test(v)) return (parseInt(v, 16) << 16) >>> 0;
  const h = parseHandle(v, option);
  if ((h & 0xffff) !== 0) throw new NetlinkArgumentError(option, `must be a major handle ('1:'), got ${quote(v)}`);
  return h;
}

/** As tc prints: 'root', '1:', '1:10', 'ffff:fff1'. */
export function formatHandle(h: number): string {
  if (h === TC_H_ROOT) return 'root';
  if (h === TC_H_UNSPEC) return 'none';
  const maj = h >>> 16;
  const min = h & 0xffff;
  return min === 0 ? `${maj.toString(16)}:` : `${maj.toString(16)}:${min.toString(16)}`;
}
