// Class kinds as data, as qdisc-kinds.ts for qdiscs: htb's classes (q_htb.c
// htb_parse_class_opt: rate and ceil with their tables, bursts in ticks, mtu 1600), hfsc's
// service curves (q_hfsc.c), drr's quantum and qfq's weight made and read; the classes other
// qdiscs show (prio's bands, mq's queues...) read with no options. A class's options are the
// spec's class-attrs (a correction: not the qdisc's options of the same kind).
import { NetlinkArgumentError } from '../core/errors.js';
import { checkBool, checkSpec } from '../route/arg-check.js';
import { uint, word } from '../route/spec-values.js';
import type { ClassAttrsSet } from '../ynl/families/tc.js';
import { linklayerName, pschedClock, rateOf, ratespec, xmitSize, xmitTime } from './psched.js';
import { keysOf, type Opts, type Rate, type Size, type Time } from './qdisc-kinds.js';
import { parseRate, parseSize, parseTime } from './units.js';
import { ratespecOptions } from './ratespec.js';
import { struct } from '../ynl/unread.js';
import { quote } from '../core/options.js';


type Kinded<K extends string> = Extract<ClassAttrsSet, { kind: K }>;
/** A class kind: the caller's option keys, its options to send (tsc checks them against the spec's class-attrs), and the dump's view. */
export interface ClassKindDef<K extends string> {
  keys: readonly string[];
  encode(o: Opts): NonNullable<Kinded<K>['options']>;
  view(o: Kinded<K>['options'], x?: Kinded<K>['xstats']): Opts;
}

/** tc's default mtu for htb's tables and bursts: an Ethernet frame and then some. */
const HTB_MTU = 1600;

/** An htb class: its guaranteed `rate`, what it may borrow up to (`ceil`, default the rate)... */
export interface HtbClassOptions {
  rate: Rate;
  ceil?: Rate;
  /** Bytes it may send at once above its rate (default: rate / HZ + mtu, as tc). */
  burst?: Size;
  cburst?: Size;
  /** 0 (first) to 7: who gets spare bandwidth first. */
  prio?: number;
  quantum?: Size;
  mtu?: Size;
  mpu?: number;
  overhead?: number;
  linklayer?: 'ethernet' | 'atm' | 'adsl';
  offload?: boolean;
}

const HTB_CLASS = {
  keys: keysOf<HtbClassOptions>()('rate', 'ceil', 'burst', 'cburst', 'prio', 'quantum', 'mtu', 'mpu', 'overhead', 'linklayer', 'offload'),
  encode(o) {
    if (o.rate === undefined) throw new NetlinkArgumentError('rate', 'is required for an htb class');
    const rate = parseRate(o.rate, 'rate');
    const ceil = o.ceil === undefined ? rate : parseRate(o.ceil, 'ceil');
    if (rate === 0 || ceil === 0) throw new NetlinkArgumentError(rate === 0 ? 'rate' : 'ceil', 'must not be 0');
    const mtu = o.mtu === undefined ? HTB_MTU : parseSize(o.mtu, 'mtu');
    const rs = ratespecOptions(o, mtu);
    // the smallest burst that still sends a full packet each timer tick
    const hz = pschedClock().hz;
    const burst = o.burst === undefined ? Math.floor(rate / hz) + mtu : parseSize(o.burst, 'burst');
    const cburst = o.cburst === undefined ? Math.floor(ceil / hz) + mtu : parseSize(o.cburst, 'cburst');
    const r = ratespec(rate, rs);
    const c = ratespec(ceil, rs);
    const out: NonNullable<Kinded<'htb'>['options']> = {
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
} satisfies ClassKindDef<'htb'>;

/**
 * A service curve (hfsc): `m1` bytes/s for the first `d` µs of a backlog, then `m2`
 * (q_hfsc.c hfsc_get_sc1); or tc's other form (hfsc_get_sc2): `rate`, and that a packet of
 * `umax` bytes waits no more than `dmax`. A bare rate is `{ m2: rate }`.
 */
export type ServiceCurve = Rate | { m1?: Rate; d?: Time; m2: Rate } | { umax?: Size; dmax?: Time; rate: Rate };
/** An hfsc class: `sc` (real time and link share alike) or `rt` and/or `ls`, and `ul` (needs a link share). */
export interface HfscClassOptions {
  /** Both curves below at once (tc's `sc`). */
  sc?: ServiceCurve;
  /** Real time: what the class is guaranteed. */
  rt?: ServiceCurve;
  /** Link share: how spare bandwidth is shared among siblings. */
  ls?: ServiceCurve;
  /** Upper limit: the most the class gets from link sharing. */
  ul?: ServiceCurve;
}

const rate32 = (v: unknown, option: string): number => {
  const r = parseRate(v, option);
  // struct tc_service_curve holds u32 bytes/s
  if (r > 0xffffffff) throw new NetlinkArgumentError(option, `must be at most 4294967295 bytes/s (34.3gbit) for hfsc, got ${r}`, 'ERR_OUT_OF_RANGE');
  return r;
};
const time32 = (v: unknown, option: string): number => uint(parseTime(v, option), option, 0xffffffff);

function serviceCurve(v: unknown, option: string): { m1: number; d: number; m2: number } {
  let sc: { m1: number; d: number; m2: number };
  if (typeof v === 'number' || typeof v === 'string') sc = { m1: 0, d: 0, m2: rate32(v, option) };
  else if (v !== null && typeof v === 'object' && 'rate' in v) {
    const o = checkSpec(v, option, ['umax', 'dmax', 'rate']) as Opts;
    const rate = rate32(o.rate, `${option}.rate`);
    const umax = o.umax === undefined ? 0 : parseSize(o.umax, `${option}.umax`);
    const dmax = o.dmax === undefined ? 0 : time32(o.dmax, `${option}.dmax`);
    if (umax && !dmax) throw new NetlinkArgumentError(`${option}.dmax`, 'is required with umax (the delay a umax-sized packet may wait)');
    if (rate === 0) throw new NetlinkArgumentError(`${option}.rate`, 'must not be 0');
    // as tc: concave when umax in dmax is faster than the rate (a first, steeper slope up to
    // dmax), else convex (no service until dmax - umax/rate)
    const m1 = dmax ? Math.ceil((umax * 1e6) / dmax) : 0;
    if (m1 > 0xffffffff) throw new NetlinkArgumentError(`${option}.umax`, `in dmax is ${m1} bytes/s, above the 4294967295 a curve holds`, 'ERR_OUT_OF_RANGE');
    sc = dmax && m1 > rate ? { m1, d: dmax, m2: rate } : { m1: 0, d: Math.max(0, Math.ceil(dmax - (umax * 1e6) / rate)), m2: rate };
  } else {
    const o = checkSpec(v, option, ['m1', 'd', 'm2']) as Opts;
    if (o.m2 === undefined) throw new NetlinkArgumentError(`${option}.m2`, 'is required (the long-term rate)');
    sc = { m1: o.m1 === undefined ? 0 : rate32(o.m1, `${option}.m1`), d: o.d === undefined ? 0 : time32(o.d, `${option}.d`), m2: rate32(o.m2, `${option}.m2`) };
  }
  if (sc.m1 === 0 && sc.m2 === 0) throw new NetlinkArgumentError(option, 'has two zero slopes (m1 and m2 are 0)');
  return sc;
}

const HFSC_CLASS = {
  keys: keysOf<HfscClassOptions>()('sc', 'rt', 'ls', 'ul'),
  encode(o) {
    if (o.sc !== undefined && (o.rt !== undefined || o.ls !== undefined)) throw new NetlinkArgumentError('sc', 'is rt and ls at once: give sc, or rt and/or ls');
    const out: NonNullable<Kinded<'hfsc'>['options']> = {};
    if (o.sc !== undefined) {
      out.rsc = serviceCurve(o.sc, 'sc');
      out.fsc = out.rsc;
    }
    if (o.rt !== undefined) out.rsc = serviceCurve(o.rt, 'rt');
    if (o.ls !== undefined) out.fsc = serviceCurve(o.ls, 'ls');
    if (o.ul !== undefined) {
      if (out.fsc === undefined) throw new NetlinkArgumentError('ul', 'needs a link-share curve (ls or sc): the upper limit caps link sharing');
      out.usc = serviceCurve(o.ul, 'ul');
    }
    if (!out.rsc && !out.fsc) throw new NetlinkArgumentError('sc', 'an hfsc class needs sc, rt or ls');
    return out;
  },
  view(o, x) {
    const v: Opts = {};
    const rt = struct(o?.rsc), ls = struct(o?.fsc), ul = struct(o?.usc);
    // tc's print_class: one `sc` when both curves are the same
    if (rt && ls && rt.m1 === ls.m1 && rt.d === ls.d && rt.m2 === ls.m2) v.sc = { ...rt };
    else {
      if (rt) v.rt = { ...rt };
      if (ls) v.ls = { ...ls };
    }
    if (ul) v.ul = { ...ul };
    const xs = struct(x);
    if (xs) v.xstats = { period: xs.period, work: xs.work, rtwork: xs.rtwork, level: xs.level };
    return v;
  },
} satisfies ClassKindDef<'hfsc'>;

/** A drr class: bytes it may send per round (default: the device's MTU). */
export interface DrrClassOptions {
  quantum?: Size;
}
const DRR_CLASS = {
  keys: keysOf<DrrClassOptions>()('quantum'),
  encode: (o) => (o.quantum === undefined ? {} : { quantum: uint(parseSize(o.quantum, 'quantum'), 'quantum', 0xffffffff, 1) }),
  view(o, x) {
    const v: Opts = o?.quantum === undefined ? {} : { quantum: o.quantum };
    const xs = struct(x);
    if (xs) v.xstats = { deficit: xs.deficit };
    return v;
  },
} satisfies ClassKindDef<'drr'>;

/** A qfq class: its `weight` (1..1024) and the largest packet it sends (`maxpkt`, tc's word; bytes). */
export interface QfqClassOptions {
  weight?: number;
  maxpkt?: Size;
}
const QFQ_CLASS = {
  keys: keysOf<QfqClassOptions>()('weight', 'maxpkt'),
  encode(o) {
    const out: NonNullable<Kinded<'qfq'>['options']> = {};
    // net/sched/sch_qfq.c: QFQ_MAX_WEIGHT 1 << 10, lmax QFQ_MIN_LMAX 512 .. QFQ_MAX_LMAX 1 << 16
    if (o.weight !== undefined) out.weight = uint(o.weight, 'weight', 1024, 1);
    if (o.maxpkt !== undefined) out.lmax = uint(parseSize(o.maxpkt, 'maxpkt'), 'maxpkt', 65536, 512);
    return out;
  },
  view(o, x) {
    const v: Opts = {};
    if (o?.weight !== undefined) v.weight = o.weight;
    if (o?.lmax !== undefined) v.maxpkt = o.lmax;
    const xs = struct(x);
    if (xs) v.xstats = { weight: xs.weight, lmax: xs.lmax };
    return v;
  },
} satisfies ClassKindDef<'qfq'>;

/** Class kinds nlkit makes. */
export const CLASS_KINDS = { htb: HTB_CLASS, hfsc: HFSC_CLASS, drr: DRR_CLASS, qfq: QFQ_CLASS } satisfies { [K in string]: ClassKindDef<K> };
export type ClassKind = keyof typeof CLASS_KINDS;
/** Each class kind's options. */
export interface ClassOptionsByKind {
  htb: HtbClassOptions;
  hfsc: HfscClassOptions;
  drr: DrrClassOptions;
  qfq: QfqClassOptions;
}
export const CLASS_KIND_NAMES = Object.keys(CLASS_KINDS) as ClassKind[];

export function classKind(v: unknown): ClassKind {
  if (typeof v === 'string' && Object.hasOwn(CLASS_KINDS, v)) return v as ClassKind;
  throw new NetlinkArgumentError('kind', `must be a class kind nlkit makes: ${CLASS_KIND_NAMES.join(', ')} (got ${quote(v)}); other qdiscs' classes are listed, not made`,
    typeof v === 'string' ? 'ERR_INVALID_ARG_VALUE' : 'ERR_INVALID_ARG_TYPE');
}

/** A dumped class's options as a view ({} for kinds whose classes have none nlkit reads). */
export function classOptionsView(m: ClassAttrsSet): Opts {
  const def = (CLASS_KINDS as Record<string, ClassKindDef<string>>)[m.kind ?? ''];
  return def ? def.view(m.options as never, m.xstats as never) : {};
}
