// Qdisc kinds as data: for each, the caller's flat options (rates in bytes/s or tc's
// '10mbit', sizes, times in µs) to the generated option types of the tc family, and the
// kernel's dump back to a view with names. tsc checks each kind's mapping against the spec
// (Extract<AttrsSet, {kind}>). Defaults are tc's (q_tbf.c, q_htb.c, q_netem.c...), so a
// qdisc made here reads back as the same qdisc made by `tc`.
import { NetlinkArgumentError } from '../core/errors.js';
import { checkBool } from '../route/arg-check.js';
import { uint, word } from '../route/spec-values.js';
import type { AttrsSet } from '../ynl/families/tc.js';
import { TC_H_INGRESS } from './handle.js';
import { linklayerName, rateOf, ratespec, tick2time, time2tick, xmitSize, xmitTime } from './psched.js';
import { parseRate, parseSize, parseTime } from './units.js';
import { NO_RATESPEC, ratespecOptions } from './ratespec.js';
import { struct } from '../ynl/unread.js';
import { quote } from '../core/options.js';

type Kinded<K extends string> = Extract<AttrsSet, { kind: K }>;
/** What TCA_OPTIONS holds for a kind, per the spec. */
export type KindOptions<K extends string> = NonNullable<Kinded<K>['options']>;
type KindXstats<K extends string> = Kinded<K>['xstats'];

export type Opts = Record<string, unknown>;

/** A rate: bytes/s, or tc's text ('10mbit', '500kbps'). */
export type Rate = number | string;
/** A size: bytes, or tc's text ('32kb', '1500b'). */
export type Size = number | string;
/** A time: microseconds, or tc's text ('50ms', '1s'). */
export type Time = number | string;
/** A probability in percent: 1.5 or '1.5%'. */
export type Percent = number | string;

/** tbf: `rate` and `burst`, and one of `limit` (bytes queued) or `latency` (the longest wait). */
export interface TbfOptions {
  rate: Rate;
  burst: Size;
  latency?: Time;
  limit?: Size;
  /** A second bucket for short peaks; needs `mtu` (its size). */
  peakrate?: Rate;
  mtu?: Size;
  mpu?: Size;
  overhead?: number;
  linklayer?: 'ethernet' | 'atm' | 'adsl';
}
export interface HtbOptions {
  /** The class unclassified traffic goes to: tc's hex text ('10' is :10) or the minor as a number. */
  default?: string | number;
  r2q?: number;
  directQlen?: number;
  offload?: boolean;
}
/** pfifo: packets; bfifo: bytes. Absent: the device's queue length. */
export interface FifoOptions {
  limit?: number;
}
export interface PrioOptions {
  bands?: number;
  /** The band of each priority 0..15. */
  priomap?: number[];
}
export interface SfqOptions {
  quantum?: Size;
  /** Seconds between hash perturbations. */
  perturb?: number;
  limit?: number;
  divisor?: number;
  flows?: number;
  depth?: number;
  headdrop?: boolean;
}
export interface FqCodelOptions {
  limit?: number;
  flows?: number;
  target?: Time;
  interval?: Time;
  quantum?: Size;
  ecn?: boolean;
  ceThreshold?: Time;
  memoryLimit?: Size;
  dropBatch?: number;
}
export interface FqOptions {
  limit?: number;
  flowLimit?: number;
  quantum?: Size;
  initialQuantum?: Size;
  maxrate?: Rate;
  /** The number of hash buckets (a power of two). */
  buckets?: number;
  pacing?: boolean;
  refillDelay?: Time;
  orphanMask?: number;
  lowRateThreshold?: Rate;
  ceThreshold?: Time;
  timerSlack?: Time;
  horizon?: Time;
  horizonDrop?: boolean;
}
export interface NetemOptions {
  delay?: Time;
  jitter?: Time;
  loss?: Percent;
  duplicate?: Percent;
  limit?: number;
  gap?: number;
  reorder?: Percent;
  corrupt?: Percent;
  rate?: Rate;
  ecn?: boolean;
}
export interface HfscOptions {
  default?: string | number;
}
export interface CakeOptions {
  /** The shaped rate, or 'unlimited'. */
  bandwidth?: Rate | 'unlimited';
  rtt?: Time;
  target?: Time;
  diffserv?: 'diffserv3' | 'diffserv4' | 'diffserv8' | 'besteffort' | 'precedence';
  flowMode?: 'flowblind' | 'srchost' | 'dsthost' | 'hosts' | 'flows' | 'dual-srchost' | 'dual-dsthost' | 'triple-isolate';
  nat?: boolean;
  wash?: boolean;
  ingress?: boolean;
  ackFilter?: 'no-ack-filter' | 'ack-filter' | 'ack-filter-aggressive';
  splitGso?: boolean;
  overhead?: number;
  mpu?: number;
  memory?: Size;
  fwmark?: number;
  atm?: 'noatm' | 'atm' | 'ptm';
  raw?: boolean;
  autorate?: boolean;
}

/** Each kind's options, by tc's kind name (ingress and clsact have none). */
export interface QdiscOptionsByKind {
  htb: HtbOptions;
  tbf: TbfOptions;
  fq: FqOptions;
  fq_codel: FqCodelOptions;
  sfq: SfqOptions;
  prio: PrioOptions;
  pfifo: FifoOptions;
  bfifo: FifoOptions;
  netem: NetemOptions;
  ingress: Record<never, never>;
  clsact: Record<never, never>;
  hfsc: HfscOptions;
  cake: CakeOptions;
  /** drr and qfq: the qdisc has no options, its classes have (class-kinds.ts). */
  drr: Record<never, never>;
  qfq: Record<never, never>;
}

/** Every key of an options interface, and nothing else: tsc refuses a missing or unknown one. */
export const keysOf = <T>() => <const K extends readonly (keyof T & string)[]>(...k: K & ([Exclude<keyof T, K[number]>] extends [never] ? unknown : never)): K => k;

export interface KindDef<K extends string> {
  /** The caller's option keys. */
  keys: readonly string[];
  /** Where the qdisc goes when the caller does not say (ingress and clsact have fixed places). */
  place?: { handle: number; parent: number };
  /** Options to send; undefined: none (the kernel's defaults). Absent: the kind is read-only. */
  encode?(o: Opts): KindOptions<K> | undefined;
  /** The view of a dump's options (and xstats when the spec decodes them). */
  view(o: KindOptions<K> | undefined, x?: KindXstats<K>): Opts;
}

const u32 = (v: unknown, option: string) => uint(v, option, 0xffffffff);
const pct = (v: unknown, option: string): number => {
  const n = typeof v === 'string' && /^\d+(\.\d+)?%?$/.test(v) ? parseFloat(v) : v;
  if (typeof n !== 'number' || !(n >= 0 && n <= 100)) throw new NetlinkArgumentError(option, `must be a percentage 0..100 (a number or '1.5%'), got ${quote(v)}`);
  // tc's get_percent: the fraction of UINT32_MAX, rounded
  return Math.round((n / 100) * 0xffffffff);
};
const fromPct = (n: number): number => Math.round((n / 0xffffffff) * 100 * 1e6) / 1e6;
const flag = (v: unknown, option: string): number | undefined => (checkBool(v, option) === undefined ? undefined : v ? 1 : 0);
/** Only the keys with a value (the generated types take absent, not undefined, for attributes not sent). */
function defined<T extends object>(o: T): T {
  for (const k of Object.keys(o) as (keyof T)[]) if (o[k] === undefined) delete o[k];
  return o;
}

/** A default class as tc takes it: hex text ('10' is class :10), or the minor as a number. */
function minorOf(v: unknown, option: string): number {
  if (typeof v === 'string' && /^(0x)?[0-9a-f]{1,8}$/i.test(v)) return parseInt(v.replace(/^0x/i, ''), 16);
  return u32(v, option);
}

const PRIOMAP = [1, 2, 2, 2, 1, 2, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1];
function priomap(v: unknown, bands: number): Buffer {
  if (v === undefined) return Buffer.from(PRIOMAP);
  if (!Array.isArray(v) || v.length > 16) throw new NetlinkArgumentError('priomap', 'must be a list of up to 16 bands, one per priority 0..15');
  const b = Buffer.alloc(16);
  v.forEach((x, i) => (b[i] = uint(x, `priomap[${i}]`, bands - 1)));
  return b;
}
const prioView = (o: { bands: number; priomap: Buffer } | undefined): Opts => (o ? { bands: o.bands, priomap: [...o.priomap] } : {});

// ---- tbf (q_tbf.c): rate and burst required, and one of limit or latency
const TBF = {
  keys: keysOf<TbfOptions>()('rate', 'burst', 'latency', 'limit', 'peakrate', 'mtu', 'mpu', 'overhead', 'linklayer'),
  encode(o) {
    if (o.rate === undefined) throw new NetlinkArgumentError('rate', 'is required for tbf');
    if (o.burst === undefined) throw new NetlinkArgumentError('burst', 'is required for tbf (bytes the bucket holds, e.g. 32kb)');
    if ((o.limit === undefined) === (o.latency === undefined)) throw new NetlinkArgumentError('limit', 'tbf takes one of limit (bytes) or latency (time)');
    const rate = parseRate(o.rate, 'rate');
    if (rate === 0) throw new NetlinkArgumentError('rate', 'must not be 0');
    const burst = parseSize(o.burst, 'burst');
    const peak = o.peakrate === undefined ? 0 : parseRate(o.peakrate, 'peakrate');
    const mtu = o.mtu === undefined ? 0 : parseSize(o.mtu, 'mtu');
    if (peak && !mtu) throw new NetlinkArgumentError('mtu', 'is required with peakrate (the peak bucket size)');
    const rs = ratespecOptions(o, mtu);
    let limit: number;
    if (o.limit !== undefined) limit = parseSize(o.limit, 'limit');
    else {
      const latency = parseTime(o.latency, 'latency');
      let lim = (rate * latency) / 1e6 + burst;
      if (peak) lim = Math.min(lim, (peak * latency) / 1e6 + mtu);
      limit = Math.min(Math.trunc(lim), 0xffffffff);
    }
    const r = ratespec(rate, rs);
    const p = peak ? ratespec(peak, rs) : undefined;
    return defined({
      parms: { rate: r.spec, peakrate: p?.spec ?? NO_RATESPEC, limit, buffer: xmitTime(rate, burst), mtu: p ? xmitTime(peak, mtu) : 0 },
      burst, rate64: r.rate64, rtab: r.table,
      prate64: p?.rate64, pburst: p ? mtu : undefined, ptab: p?.table,
    });
  },
  view(o) {
    const p = struct(o?.parms);
    if (!p) return {};
    const rate = rateOf(p.rate, o?.rate64);
    const peak = rateOf(p.peakrate, o?.prate64);
    const v: Opts = { rate, burst: xmitSize(rate, p.buffer), limit: p.limit };
    // tc's print_tbf_qopt: the latency the limit allows after the burst
    let latency = 1e6 * (p.limit / rate) - tick2time(p.buffer);
    if (peak) {
      v.peakrate = peak;
      v.mtu = xmitSize(peak, p.mtu);
      latency = Math.max(latency, 1e6 * (p.limit / peak) - tick2time(p.mtu));
    }
    if (latency >= 0) v.latency = Math.trunc(latency);
    return { ...v, mpu: p.rate.mpu, overhead: p.rate.overhead, linklayer: linklayerName(p.rate.linklayer) };
  },
} satisfies KindDef<'tbf'>;

// ---- htb (q_htb.c htb_parse_opt): struct tc_htb_glob, version 3, r2q 10
const HTB = {
  keys: keysOf<HtbOptions>()('default', 'r2q', 'directQlen', 'offload'),
  encode(o) {
    return defined({
      init: { version: 3, rate2quantum: o.r2q === undefined ? 10 : u32(o.r2q, 'r2q'), defcls: o.default === undefined ? 0 : minorOf(o.default, 'default'), debug: 0, directPkts: 0 },
      directQlen: o.directQlen === undefined ? undefined : u32(o.directQlen, 'directQlen'),
      offload: checkBool(o.offload, 'offload') ? (true as const) : undefined,
    });
  },
  view(o) {
    const g = struct(o?.init);
    if (!g) return {};
    const v: Opts = { r2q: g.rate2quantum, default: g.defcls.toString(16), directPacketsStat: g.directPkts, version: `${g.version >>> 16}.${g.version & 0xffff}` };
    if (o?.directQlen !== undefined) v.directQlen = o.directQlen;
    if (o?.offload) v.offload = true;
    return v;
  },
} satisfies KindDef<'htb'>;

const fifo = {
  keys: keysOf<FifoOptions>()('limit'),
  encode: (o: Opts) => (o.limit === undefined ? undefined : { limit: u32(o.limit, 'limit') }),
  view: (o: { limit: number } | undefined): Opts => (o ? { limit: o.limit } : {}),
};

const PRIO = {
  keys: keysOf<PrioOptions>()('bands', 'priomap'),
  encode(o) {
    const bands = o.bands === undefined ? 3 : uint(o.bands, 'bands', 16, 2);
    return { bands, priomap: priomap(o.priomap, bands) };
  },
  view: prioView,
} satisfies KindDef<'prio'>;

// ---- sfq (q_sfq.c): struct tc_sfq_qopt_v1; zeros leave the kernel's defaults
const SFQ = {
  keys: keysOf<SfqOptions>()('quantum', 'perturb', 'limit', 'divisor', 'flows', 'depth', 'headdrop'),
  encode(o) {
    const n = (k: string) => (o[k] === undefined ? 0 : u32(o[k], k));
    return {
      v0: { quantum: o.quantum === undefined ? 0 : parseSize(o.quantum, 'quantum'), perturbPeriod: o.perturb === undefined ? 0 : uint(o.perturb, 'perturb', 0x7fffffff), limit: n('limit'), divisor: n('divisor'), flows: n('flows') },
      depth: n('depth'), headdrop: checkBool(o.headdrop, 'headdrop') ? 1 : 0, limit: 0, qthMin: 0, qthMax: 0, Wlog: 0, Plog: 0, ScellLog: 0, flags: 0, maxP: 0,
      stats: { probDrop: 0, forcedDrop: 0, probMark: 0, forcedMark: 0, probMarkHead: 0, forcedMarkHead: 0 },
    };
  },
  view(o, x) {
    if (!o) return {};
    const v: Opts = { limit: o.v0.limit, quantum: o.v0.quantum, depth: o.depth, divisor: o.v0.divisor, perturb: o.v0.perturbPeriod, flows: o.v0.flows };
    if (o.headdrop) v.headdrop = true;
    const xs = struct(x);
    if (xs) v.xstats = { allot: xs.allot };
    return v;
  },
} satisfies KindDef<'sfq'>;

// ---- fq_codel (q_fq_codel.c): attributes only for what is given
const FQ_CODEL = {
  keys: keysOf<FqCodelOptions>()('limit', 'flows', 'target', 'interval', 'quantum', 'ecn', 'ceThreshold', 'memoryLimit', 'dropBatch'),
  encode(o) {
    return defined({
      limit: o.limit === undefined ? undefined : u32(o.limit, 'limit'),
      flows: o.flows === undefined ? undefined : u32(o.flows, 'flows'),
      target: o.target === undefined ? undefined : parseTime(o.target, 'target'),
      interval: o.interval === undefined ? undefined : parseTime(o.interval, 'interval'),
      quantum: o.quantum === undefined ? undefined : parseSize(o.quantum, 'quantum'),
      ecn: flag(o.ecn, 'ecn'),
      ceThreshold: o.ceThreshold === undefined ? undefined : parseTime(o.ceThreshold, 'ceThreshold'),
      memoryLimit: o.memoryLimit === undefined ? undefined : parseSize(o.memoryLimit, 'memoryLimit'),
      dropBatchSize: o.dropBatch === undefined ? undefined : u32(o.dropBatch, 'dropBatch'),
    });
  },
  view(o, x) {
    if (!o) return {};
    const v: Opts = defined({
      limit: o.limit, flows: o.flows, quantum: o.quantum, target: o.target, interval: o.interval, memoryLimit: o.memoryLimit,
      ecn: o.ecn === undefined ? undefined : o.ecn !== 0, ceThreshold: o.ceThreshold, dropBatch: o.dropBatchSize,
    });
    const xs = struct(x);
    if (xs && xs.type === 0)
      v.xstats = { maxpacket: xs.maxpacket, dropOverlimit: xs.dropOverlimit, ecnMark: xs.ecnMark, newFlowCount: xs.newFlowCount, newFlowsLen: xs.newFlowsLen, oldFlowsLen: xs.oldFlowsLen, ceMark: xs.ceMark, memoryUsage: xs.memoryUsage, dropOvermemory: xs.dropOvermemory };
    return v;
  },
} satisfies KindDef<'fq_codel'>;

// ---- fq (q_fq.c)
const FQ = {
  keys: keysOf<FqOptions>()('limit', 'flowLimit', 'quantum', 'initialQuantum', 'maxrate', 'buckets', 'pacing', 'refillDelay', 'orphanMask', 'lowRateThreshold', 'ceThreshold', 'timerSlack', 'horizon', 'horizonDrop'),
  encode(o) {
    const n = (k: string) => (o[k] === undefined ? undefined : u32(o[k], k));
    let bucketsLog: number | undefined;
    if (o.buckets !== undefined) {
      const b = u32(o.buckets, 'buckets');
      // tc: the log2 of the count, rounded up
      bucketsLog = b <= 1 ? 0 : Math.ceil(Math.log2(b));
    }
    return defined({
      plimit: n('limit'), flowPlimit: n('flowLimit'),
      quantum: o.quantum === undefined ? undefined : parseSize(o.quantum, 'quantum'),
      initialQuantum: o.initialQuantum === undefined ? undefined : parseSize(o.initialQuantum, 'initialQuantum'),
      flowMaxRate: o.maxrate === undefined ? undefined : Math.min(parseRate(o.maxrate, 'maxrate'), 0xffffffff),
      bucketsLog, rateEnable: flag(o.pacing, 'pacing'),
      flowRefillDelay: o.refillDelay === undefined ? undefined : parseTime(o.refillDelay, 'refillDelay'),
      orphanMask: n('orphanMask'),
      lowRateThreshold: o.lowRateThreshold === undefined ? undefined : Math.min(parseRate(o.lowRateThreshold, 'lowRateThreshold'), 0xffffffff),
      ceThreshold: o.ceThreshold === undefined ? undefined : parseTime(o.ceThreshold, 'ceThreshold'),
      timerSlack: o.timerSlack === undefined ? undefined : parseTime(o.timerSlack, 'timerSlack') * 1000,
      horizon: o.horizon === undefined ? undefined : parseTime(o.horizon, 'horizon'),
      horizonDrop: flag(o.horizonDrop, 'horizonDrop'),
    });
  },
  view(o, x) {
    if (!o) return {};
    const v: Opts = defined({
      limit: o.plimit, flowLimit: o.flowPlimit, buckets: o.bucketsLog === undefined ? undefined : 2 ** o.bucketsLog, orphanMask: o.orphanMask,
      pacing: o.rateEnable === undefined ? undefined : o.rateEnable !== 0, quantum: o.quantum, initialQuantum: o.initialQuantum,
      maxrate: o.flowMaxRate, lowRateThreshold: o.lowRateThreshold, refillDelay: o.flowRefillDelay, ceThreshold: o.ceThreshold,
      timerSlack: o.timerSlack === undefined ? undefined : o.timerSlack / 1000, horizon: o.horizon,
      horizonDrop: o.horizonDrop === undefined ? undefined : o.horizonDrop !== 0,
    });
    const xs = struct(x);
    if (xs) v.xstats = { flows: xs.flows, inactiveFlows: xs.inactiveFlows, throttledFlows: xs.throttledFlows, gcFlows: xs.gcFlows, throttled: xs.throttled, flowsPlimit: xs.flowsPlimit, pktsTooLong: xs.pktsTooLong, allocationErrors: xs.allocationErrors, ceMark: xs.ceMark, horizonDrops: xs.horizonDrops, horizonCaps: xs.horizonCaps };
    return v;
  },
} satisfies KindDef<'fq'>;

// ---- netem (q_netem.c): struct tc_netem_qopt (times in ticks, probabilities as parts of
// 2^32-1) followed by attributes; 64-bit times in ns beside the ticks
const NETEM = {
  keys: keysOf<NetemOptions>()('delay', 'jitter', 'loss', 'duplicate', 'limit', 'gap', 'reorder', 'corrupt', 'rate', 'ecn'),
  encode(o) {
    const delay = o.delay === undefined ? 0 : parseTime(o.delay, 'delay');
    const jitter = o.jitter === undefined ? 0 : parseTime(o.jitter, 'jitter');
    if (jitter && !delay) throw new NetlinkArgumentError('jitter', 'needs delay');
    const reorder = o.reorder === undefined ? 0 : pct(o.reorder, 'reorder');
    if (reorder && !delay) throw new NetlinkArgumentError('reorder', 'needs delay (reordering sends some packets at once, the rest delayed)');
    const rate = o.rate === undefined ? 0 : parseRate(o.rate, 'rate');
    return defined({
      latency: time2tick(delay), limit: o.limit === undefined ? 1000 : u32(o.limit, 'limit'), qoptLoss: o.loss === undefined ? 0 : pct(o.loss, 'loss'),
      gap: o.gap === undefined ? (reorder ? 1 : 0) : u32(o.gap, 'gap'), duplicate: o.duplicate === undefined ? 0 : pct(o.duplicate, 'duplicate'), jitter: time2tick(jitter),
      latency64: delay ? BigInt(delay) * 1000n : undefined, jitter64: jitter ? BigInt(jitter) * 1000n : undefined,
      reorder: reorder ? { probability: reorder, correlation: 0 } : undefined,
      corrupt: o.corrupt === undefined ? undefined : { probability: pct(o.corrupt, 'corrupt'), correlation: 0 },
      rate: rate ? { rate: Math.min(rate, 0xffffffff), packetOverhead: 0, cellSize: 0, cellOverhead: 0 } : undefined,
      rate64: rate > 0xffffffff ? BigInt(rate) : undefined,
      ecn: flag(o.ecn, 'ecn'),
    });
  },
  view(o) {
    if (!o) return {};
    const v: Opts = { limit: o.limit };
    const delay = o.latency64 !== undefined ? Number(o.latency64 / 1000n) : tick2time(o.latency);
    const jitter = o.jitter64 !== undefined ? Number(o.jitter64 / 1000n) : tick2time(o.jitter);
    if (delay) v.delay = delay;
    if (jitter) v.jitter = jitter;
    if (o.qoptLoss) v.loss = fromPct(o.qoptLoss);
    if (o.duplicate) v.duplicate = fromPct(o.duplicate);
    const re = struct(o.reorder);
    if (re?.probability) v.reorder = fromPct(re.probability);
    if (o.gap) v.gap = o.gap;
    const co = struct(o.corrupt);
    if (co?.probability) v.corrupt = fromPct(co.probability);
    const r = struct(o.rate);
    if (r?.rate || o.rate64) v.rate = rateOf(r, o.rate64);
    if (o.ecn) v.ecn = true;
    return v;
  },
} satisfies KindDef<'netem'>;

const HFSC = {
  keys: keysOf<HfscOptions>()('default'),
  encode: (o) => ({ defcls: o.default === undefined ? 0 : uint(minorOf(o.default, 'default'), 'default', 0xffff) }),
  view: (o) => (o ? { default: o.defcls.toString(16) } : {}),
} satisfies KindDef<'hfsc'>;

// ---- cake (q_cake.c): names of <linux/pkt_sched.h>'s CAKE_* enums, in value order
const DIFFSERV = ['diffserv3', 'diffserv4', 'diffserv8', 'besteffort', 'precedence'] as const;
const FLOW_MODE = ['flowblind', 'srchost', 'dsthost', 'hosts', 'flows', 'dual-srchost', 'dual-dsthost', 'triple-isolate'] as const;
const ACK_FILTER = ['no-ack-filter', 'ack-filter', 'ack-filter-aggressive'] as const;
const ATM = ['noatm', 'atm', 'ptm'] as const;
const named = <W extends string>(words: readonly W[], v: number | undefined): W | undefined => (v === undefined ? undefined : words[v]);
const CAKE = {
  keys: keysOf<CakeOptions>()('bandwidth', 'rtt', 'target', 'diffserv', 'flowMode', 'nat', 'wash', 'ingress', 'ackFilter', 'splitGso', 'overhead', 'mpu', 'memory', 'fwmark', 'atm', 'raw', 'autorate'),
  encode(o) {
    const idx = <W extends string>(k: string, words: readonly W[]) => (o[k] === undefined ? undefined : words.indexOf(word(o[k], k, words)));
    return defined({
      baseRate64: o.bandwidth === undefined ? undefined : o.bandwidth === 'unlimited' ? 0n : BigInt(parseRate(o.bandwidth, 'bandwidth')),
      rtt: o.rtt === undefined ? undefined : parseTime(o.rtt, 'rtt'),
      target: o.target === undefined ? undefined : parseTime(o.target, 'target'),
      diffservMode: idx('diffserv', DIFFSERV), flowMode: idx('flowMode', FLOW_MODE), ackFilter: idx('ackFilter', ACK_FILTER), atm: idx('atm', ATM),
      nat: flag(o.nat, 'nat'), wash: flag(o.wash, 'wash'), ingress: flag(o.ingress, 'ingress'), splitGso: flag(o.splitGso, 'splitGso'), autorate: flag(o.autorate, 'autorate'),
      overhead: o.overhead === undefined ? undefined : uint(o.overhead, 'overhead', 256, -64) >>> 0,
      raw: checkBool(o.raw, 'raw') ? 1 : undefined,
      mpu: o.mpu === undefined ? undefined : uint(o.mpu, 'mpu', 256),
      memory: o.memory === undefined ? undefined : parseSize(o.memory, 'memory'),
      fwmark: o.fwmark === undefined ? undefined : u32(o.fwmark, 'fwmark'),
    });
  },
  view(o, x) {
    if (!o) return {};
    const b = (n: number | undefined) => (n === undefined ? undefined : n !== 0);
    const v: Opts = defined({
      bandwidth: o.baseRate64 === undefined ? undefined : o.baseRate64 === 0n ? 'unlimited' : Number(o.baseRate64),
      diffserv: named(DIFFSERV, o.diffservMode), flowMode: named(FLOW_MODE, o.flowMode), nat: b(o.nat), wash: b(o.wash), ingress: b(o.ingress),
      ackFilter: named(ACK_FILTER, o.ackFilter), splitGso: b(o.splitGso), rtt: o.rtt, target: o.target, raw: o.raw === undefined ? undefined : true,
      overhead: o.overhead === undefined ? undefined : o.overhead | 0, mpu: o.mpu, memory: o.memory, fwmark: o.fwmark, atm: named(ATM, o.atm), autorate: b(o.autorate),
    });
    if (x) v.xstats = defined({ capacityEstimate: x.capacityEstimate64, memoryLimit: x.memoryLimit, memoryUsed: x.memoryUsed, avgNetoff: x.avgNetoff, maxNetlen: x.maxNetlen, maxAdjlen: x.maxAdjlen, minNetlen: x.minNetlen, minAdjlen: x.minAdjlen });
    return v;
  },
} satisfies KindDef<'cake'>;

const INGRESS_PLACE = { handle: 0xffff0000, parent: TC_H_INGRESS };
const none = { keys: keysOf<Record<never, never>>()(), encode: () => undefined, view: () => ({}) };

/** Kinds nlkit makes, by tc's name. */
export const QDISC_KINDS = {
  htb: HTB,
  tbf: TBF,
  fq: FQ,
  fq_codel: FQ_CODEL,
  sfq: SFQ,
  prio: PRIO,
  pfifo: fifo,
  bfifo: fifo,
  netem: NETEM,
  ingress: { ...none, place: INGRESS_PLACE },
  clsact: { ...none, place: INGRESS_PLACE },
  hfsc: HFSC,
  cake: CAKE,
  drr: none,
  qfq: none,
} satisfies { [K in string]: KindDef<K> };

/** Kinds a link shows without being asked (made by the kernel): read back, not made. */
export const READ_ONLY_KINDS: Record<string, { view(o: unknown): Opts }> = {
  noqueue: { view: () => ({}) },
  mq: { view: () => ({}) },
  pfifo_fast: { view: (o) => prioView(o as KindOptions<'pfifo_fast'> | undefined) },
  pfifo_head_drop: { view: (o) => fifo.view(o as KindOptions<'pfifo'> | undefined) },
};

export type QdiscKind = keyof typeof QDISC_KINDS;
export const QDISC_KIND_NAMES = Object.keys(QDISC_KINDS) as QdiscKind[];

export function qdiscKind(v: unknown): QdiscKind {
  if (typeof v === 'string' && Object.hasOwn(QDISC_KINDS, v)) return v as QdiscKind;
  const ro = typeof v === 'string' && Object.hasOwn(READ_ONLY_KINDS, v);
  throw new NetlinkArgumentError('kind', `${ro ? `'${v}' is made by the kernel, not by nlkit; ` : ''}must be one of ${QDISC_KIND_NAMES.join(', ')}, got ${quote(v)}`, typeof v === 'string' ? 'ERR_INVALID_ARG_VALUE' : 'ERR_INVALID_ARG_TYPE');
}

/** A dumped qdisc's options as a view: its kind's, read-only kinds', or {} for kinds nlkit does not know. */
export function qdiscOptionsView(m: AttrsSet): Opts {
  const def = (QDISC_KINDS as Record<string, KindDef<string>>)[m.kind ?? ''];
  if (def) return def.view(m.options as never, m.xstats as never);
  return READ_ONLY_KINDS[m.kind ?? '']?.view(m.options) ?? {};
}
