// Class kinds as data, as qdisc-kinds.ts for qdiscs: htb's classes (q_htb.c
// htb_parse_class_opt: rate and ceil with their tables, bursts in ticks, mtu 1600) made and
// read; the classes other qdiscs show (prio's bands, mq's queues...) read with no options.
import { NetlinkArgumentError } from '../core/errors.js';
import { checkBool } from '../route/arg-check.js';
import { uint, word } from '../route/spec-values.js';
import type { AttrsSet } from '../ynl/families/tc.js';
import { LINKLAYER_ATM, LINKLAYER_ETHERNET, linklayerName, pschedClock, rateOf, ratespec, xmitSize, xmitTime } from './psched.js';
import type { KindDef, Opts } from './qdisc-kinds.js';
import { parseRate, parseSize } from './units.js';

const struct = <T extends object>(v: T | Buffer | undefined): T | undefined => (v === undefined || Buffer.isBuffer(v) ? undefined : v);

/** tc's default mtu for htb's tables and bursts: an Ethernet frame and then some. */
const HTB_MTU = 1600;

const HTB_CLASS = {
  keys: ['rate', 'ceil', 'burst', 'cburst', 'prio', 'quantum', 'mtu', 'mpu', 'overhead', 'linklayer', 'offload'],
  encode(o) {
    if (o.rate === undefined) throw new NetlinkArgumentError('rate', 'is required for an htb class');
    const rate = parseRate(o.rate, 'rate');
    const ceil = o.ceil === undefined ? rate : parseRate(o.ceil, 'ceil');
    if (rate === 0 || ceil === 0) throw new NetlinkArgumentError(rate === 0 ? 'rate' : 'ceil', 'must not be 0');
    const mtu = o.mtu === undefined ? HTB_MTU : parseSize(o.mtu, 'mtu');
    const rs = {
      mtu, mpu: o.mpu === undefined ? 0 : uint(o.mpu, 'mpu', 0xffff), overhead: o.overhead === undefined ? 0 : uint(o.overhead, 'overhead', 0xffff),
      linklayer: o.linklayer === undefined || word(o.linklayer, 'linklayer', ['ethernet', 'atm', 'adsl'] as const) === 'ethernet' ? LINKLAYER_ETHERNET : LINKLAYER_ATM,
    };
    // the smallest burst that still sends a full packet each timer tick
    const hz = pschedClock().hz;
    const burst = o.burst === undefined ? Math.floor(rate / hz) + mtu : parseSize(o.burst, 'burst');
    const cburst = o.cburst === undefined ? Math.floor(ceil / hz) + mtu : parseSize(o.cburst, 'cburst');
    const r = ratespec(rate, rs);
    const c = ratespec(ceil, rs);
    const out: NonNullable<Extract<AttrsSet, { kind: 'htb' }>['options']> = {
      parms: {
        rate: r.spec, ceil: c.spec, buffer: xmitTime(rate, burst), cbuffer: xmitTime(ceil, cburst),
        quantum: o.quantum === undefined ? 0 : parseSize(o.quantum, 'quantum'), level: 0, prio: o.prio === undefined ? 0 : uint(o.prio, 'prio', 7),
      },
      rtab: r.table, ctab: c.table,
    };
    if (r.rate64 !== undefined) out.rate64 = r.rate64;
    if (c.rate64 !== undefined) out.ceil64 = c.rate64;
    if (checkBool(o.offload, 'offload')) out.offload = true;
    return out;
  },
  view(o, x) {
    const p = struct(o?.parms);
    if (!p) return {};
    const rate = rateOf(p.rate, o?.rate64);
    const ceil = rateOf(p.ceil, o?.ceil64);
    const v: Opts = {
      rate, ceil, burst: xmitSize(rate, p.buffer), cburst: xmitSize(ceil, p.cbuffer), prio: p.prio, quantum: p.quantum, level: p.level,
      mpu: p.rate.mpu, overhead: p.rate.overhead, linklayer: linklayerName(p.rate.linklayer),
    };
    // what the class lent and borrowed, and its buckets' tokens (ticks), from its statistics
    const xs = struct(x);
    if (xs) v.xstats = { lends: xs.lends, borrows: xs.borrows, giants: xs.giants, tokens: xs.tokens, ctokens: xs.ctokens };
    return v;
  },
} satisfies KindDef<'htb'>;

/** Class kinds nlkit makes. */
export const CLASS_KINDS = { htb: HTB_CLASS } satisfies { [K in string]: KindDef<K> };
export type ClassKind = keyof typeof CLASS_KINDS;
export const CLASS_KIND_NAMES = Object.keys(CLASS_KINDS) as ClassKind[];

export function classKind(v: unknown): ClassKind {
  if (typeof v === 'string' && Object.hasOwn(CLASS_KINDS, v)) return v as ClassKind;
  throw new NetlinkArgumentError('kind', `must be a class kind nlkit makes: ${CLASS_KIND_NAMES.join(', ')} (got ${JSON.stringify(v)}); other qdiscs' classes are listed, not made`,
    typeof v === 'string' ? 'ERR_INVALID_ARG_VALUE' : 'ERR_INVALID_ARG_TYPE');
}

/** A dumped class's options as a view ({} for kinds whose classes have none nlkit reads). */
export function classOptionsView(m: AttrsSet): Opts {
  const def = (CLASS_KINDS as Record<string, KindDef<string>>)[m.kind ?? ''];
  return def ? def.view(m.options as never, m.xstats as never) : {};
}
