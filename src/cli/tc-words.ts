// tc's words for each kind's options (q_tbf.c, q_htb.c, q_netem.c... parse_opt), to the keys
// of nlkit/tc's specs. Values stay tc's text ('10mbit', '32kb', '50ms'): the domain layer
// reads tc's units, so a bad value is refused there with the option's name.
import { getUint, invalidArgument, IpUsageError, type Words } from './ip-command.js';

/** A word: the spec key its value goes to, [key, constant] for a word that is a flag, or a key and a reader of several words. */
type WordRule = string | [key: string, value: unknown] | { key: string; read(words: Words): unknown };
type KindWords = Record<string, WordRule>;

const TBF: KindWords = {
  limit: 'limit', latency: 'latency', burst: 'burst', buffer: 'burst', maxburst: 'burst', mtu: 'mtu', minburst: 'mtu',
  mpu: 'mpu', rate: 'rate', peakrate: 'peakrate', overhead: 'overhead', linklayer: 'linklayer',
};
const FIFO: KindWords = { limit: 'limit' };

export const QDISC_WORDS: Record<string, KindWords> = {
  tbf: TBF,
  htb: { default: 'default', r2q: 'r2q', direct_qlen: 'directQlen', offload: ['offload', true] },
  pfifo: FIFO,
  bfifo: FIFO,
  prio: { bands: 'bands', priomap: 'priomap' },
  sfq: { quantum: 'quantum', perturb: 'perturb', limit: 'limit', divisor: 'divisor', flows: 'flows', depth: 'depth', headdrop: ['headdrop', true] },
  fq_codel: {
    limit: 'limit', flows: 'flows', target: 'target', interval: 'interval', quantum: 'quantum', ecn: ['ecn', true], noecn: ['ecn', false],
    ce_threshold: 'ceThreshold', memory_limit: 'memoryLimit', drop_batch: 'dropBatch',
  },
  fq: {
    limit: 'limit', flow_limit: 'flowLimit', quantum: 'quantum', initial_quantum: 'initialQuantum', maxrate: 'maxrate', buckets: 'buckets',
    pacing: ['pacing', true], nopacing: ['pacing', false], refill_delay: 'refillDelay', orphan_mask: 'orphanMask', low_rate_threshold: 'lowRateThreshold',
    ce_threshold: 'ceThreshold', timer_slack: 'timerSlack', horizon: 'horizon', horizon_drop: ['horizonDrop', true], horizon_cap: ['horizonDrop', false],
  },
  netem: { limit: 'limit', delay: 'delay', latency: 'delay', loss: 'loss', drop: 'loss', duplicate: 'duplicate', reorder: 'reorder', corrupt: 'corrupt', gap: 'gap', rate: 'rate', ecn: ['ecn', true] },
  ingress: {},
  clsact: {},
  hfsc: { default: 'default' },
  drr: {},
  qfq: {},
  cake: {
    bandwidth: 'bandwidth', unlimited: ['bandwidth', 'unlimited'], rtt: 'rtt', target: 'target', overhead: 'overhead', mpu: 'mpu', memlimit: 'memory', fwmark: 'fwmark',
    nat: ['nat', true], nonat: ['nat', false], wash: ['wash', true], nowash: ['wash', false], ingress: ['ingress', true], egress: ['ingress', false],
    'split-gso': ['splitGso', true], 'no-split-gso': ['splitGso', false], raw: ['raw', true], autorate_ingress: ['autorate', true],
    ...Object.fromEntries(['diffserv3', 'diffserv4', 'diffserv8', 'besteffort', 'precedence'].map((w) => [w, ['diffserv', w]])),
    ...Object.fromEntries(['flowblind', 'srchost', 'dsthost', 'hosts', 'flows', 'dual-srchost', 'dual-dsthost', 'triple-isolate'].map((w) => [w, ['flowMode', w]])),
    ...Object.fromEntries(['no-ack-filter', 'ack-filter', 'ack-filter-aggressive'].map((w) => [w, ['ackFilter', w]])),
    ...Object.fromEntries(['noatm', 'atm', 'ptm'].map((w) => [w, ['atm', w]])),
  },
};

/** An hfsc service curve in tc's words (q_hfsc.c hfsc_get_sc): `[m1 RATE] [d TIME] m2 RATE` or `[umax SIZE] [dmax TIME] rate RATE`. */
function serviceCurveWords(words: Words): Record<string, string> {
  const forms = [['m1', 'd', 'm2'], ['umax', 'dmax', 'rate']] as const;
  const form = forms.find((f) => f.includes(words.peek() as never));
  if (!form) throw new IpUsageError(`HFSC: a service curve is "[ m1 RATE ] [ d TIME ] m2 RATE" or "[ umax SIZE ] [ dmax TIME ] rate RATE", got "${words.peek() ?? ''}".`, 1);
  const sc: Record<string, string> = {};
  for (const w of form) if (words.peek() === w) sc[words.shift()!] = words.value();
  if (sc[form[2]] === undefined) throw new IpUsageError(`HFSC: the curve needs "${form[2]} RATE".`, 1);
  return sc;
}
const curve = (key: string) => ({ key, read: serviceCurveWords });

export const CLASS_WORDS: Record<string, KindWords> = {
  hfsc: { sc: curve('sc'), rt: curve('rt'), ls: curve('ls'), ul: curve('ul') },
  drr: { quantum: 'quantum' },
  qfq: { weight: 'weight', maxpkt: 'maxpkt' },
  htb: {
    rate: 'rate', ceil: 'ceil', burst: 'burst', buffer: 'burst', maxburst: 'burst', cburst: 'cburst', cbuffer: 'cburst', cmaxburst: 'cburst',
    prio: 'prio', quantum: 'quantum', mtu: 'mtu', mpu: 'mpu', overhead: 'overhead', linklayer: 'linklayer', offload: ['offload', true],
  },
};

/** Numbers tc reads with get_u32 stay numbers in the spec (the domain takes both). */
const NUMERIC = new Set(['weight', 'r2q', 'directQlen', 'bands', 'perturb', 'divisor', 'flows', 'depth', 'dropBatch', 'gap', 'prio', 'overhead', 'orphanMask', 'fwmark']);

/** `estimator INTERVAL TIME_CONSTANT` (after the word estimator). */
export function estimatorWords(words: Words): { interval: string; timeConstant: string } {
  return { interval: words.value(), timeConstant: words.value() };
}

/** The rest of a command line as a kind's options; an unknown word is tc's "What is ...?". */
export function kindOptions(kind: string, words: Words, table: Record<string, KindWords>, what: 'qdisc' | 'class'): Record<string, unknown> {
  const rules = table[kind];
  if (!rules) throw new IpUsageError(`Error: unknown ${what} kind "${kind}" (nlkit makes: ${Object.keys(table).join(', ')}).`, 1);
  const out: Record<string, unknown> = {};
  while (!words.done) {
    const w = words.shift()!;
    if (w === 'help') throw new IpUsageError(`Usage: ... ${kind} ${Object.keys(rules).join(' | ')}`, 255);
    const rule = rules[w];
    if (rule === undefined) throw new IpUsageError(`What is "${w}"?`, 1);
    if (Array.isArray(rule)) {
      out[rule[0]] = rule[1];
      continue;
    }
    if (typeof rule === 'object') {
      out[rule.key] = rule.read(words);
      continue;
    }
    if (kind === 'prio' && rule === 'priomap') {
      // sixteen bands, one per priority, as many as are given
      const map: number[] = [];
      while (!words.done && /^\d+$/.test(words.peek()!) && map.length < 16) map.push(Number(words.shift()));
      out.priomap = map;
      continue;
    }
    let v = words.value();
    if (kind === 'netem' && rule === 'loss' && v === 'random') v = words.value();
    // SIZE/CELL: the cell is tc's choice of table resolution; nlkit's tables take the default
    if (rule === 'burst' || rule === 'cburst' || rule === 'mtu') v = v.split('/')[0];
    out[rule] = NUMERIC.has(rule) && /^\d+$/.test(v) ? Number(v) : v;
    if (kind === 'netem' && rule === 'delay' && !words.done && /^\d+(\.\d+)?(s|ms|us|usec|msec|sec)?$/.test(words.peek()!)) out.jitter = words.shift();
  }
  return out;
}

/** A shared block's index (tc's get_u32, 0 being no block); `what` as tc's error names it. */
export function blockIndexWord(words: Words, what = 'block'): number {
  const v = words.value();
  const n = getUint(v);
  if (!n) throw invalidArgument(`invalid ${what} index value`, v);
  return n;
}

/** A filter or chain line's place: a device or a shared block, one of them, as tc requires. */
export function checkDevOrBlock(s: { dev?: unknown; block?: unknown }): void {
  if (s.dev === undefined && s.block === undefined) throw new IpUsageError('Error: "dev" or "block" is needed.', 1);
  if (s.dev !== undefined && s.block !== undefined) throw new IpUsageError('Error: "dev" and "block" are mutually exclusive');
}
