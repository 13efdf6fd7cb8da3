// How `tc` prints, with one record for both faces: each field is a JSON member (tc -j, in tc's
// order, duplicate keys and all) and its piece of tc's text line. Qdiscs, classes, filters,
// actions and chains all print through this vocabulary and its one JSON writer; the counters
// are one block (statsFields) wherever tc shows them. Values come from nlkit/tc's views; units
// are printed with tc's rules (tc_util.c).
import type { Opts } from '../tc/qdisc-kinds.js';
import type { TcStats } from '../tc/stats.js';
import { formatRate, formatSize } from '../tc/units.js';
import { JsonWriter } from './json-writer.js';

/** A JSON member (key and value; no key: text only) and its text. Nested: an object member; list: an array of objects. */
export type Field = { key?: string; json?: unknown; text: string; nested?: Field[]; list?: Field[][] };

export const f = (key: string | undefined, json: unknown, text: string): Field => ({ key, json, text });
export const text = (t: string): Field => ({ text: t });

/** tc's sprint_time as this tc prints it: three significant digits, %g style ('50ms', '1.86ms', '1.5s', '500us'). */
export function tcTime(usec: number): string {
  const g = (x: number) => String(Number(x.toPrecision(3)));
  if (usec >= 1e6) return `${g(usec / 1e6)}s`;
  if (usec >= 1e3) return `${g(usec / 1e3)}ms`;
  return `${Math.trunc(usec)}us`;
}

const snake = (k: string) => k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** Options of kinds tc prints in ways nlkit does not copy: every view field as `key value`. */
function generic(o: Opts): Field[] {
  return Object.entries(o).filter(([k]) => k !== 'xstats').map(([k, v]) =>
    typeof v === 'boolean' ? f(snake(k), v, v ? `${snake(k)} ` : '') : f(snake(k), v, `${snake(k)} ${Array.isArray(v) ? v.join(' ') : String(v)} `));
}

const size = (key: string, word: string, n: number): Field => f(key, n, `${word} ${formatSize(n)} `);
const rate = (key: string, n: number): Field => f(key, n, `${key} ${formatRate(n)} `);
/** -d's `SIZE/CELL`: the kernel's dumps carry cell_log 0, so the cell is 1. */
const cellSize = (key: string, n: number): Field => f(key, `${formatSize(n)}/1`, `${key} ${formatSize(n)}/1 `);
const num = (o: Opts, k: string): number => o[k] as number;

function tbf(o: Opts, details: boolean): Field[] {
  if (o.rate === undefined) return [];
  const out = [rate('rate', num(o, 'rate'))];
  if (details) out.push(cellSize('burst', num(o, 'burst')), size('mpu', 'mpu', num(o, 'mpu')));
  else out.push(size('burst', 'burst', num(o, 'burst')));
  if (o.peakrate !== undefined) {
    // tc prints the peak rate in its text only (no JSON member)
    out.push(text(`peakrate ${formatRate(num(o, 'peakrate'))} `));
    if (details) out.push(cellSize('mtu', num(o, 'mtu')), size('mpu', 'mpu', num(o, 'mpu')));
    else out.push(size('minburst', 'minburst', num(o, 'mtu')));
  }
  if (o.latency !== undefined) out.push(f('lat', o.latency, `lat ${tcTime(num(o, 'latency'))} `));
  else out.push(size('limit', 'limit', num(o, 'limit')));
  if (o.overhead) out.push(f('overhead', o.overhead, `overhead ${o.overhead} `));
  if (details || o.linklayer !== 'ethernet') out.push(f('linklayer', o.linklayer, `linklayer ${o.linklayer} `));
  return out;
}

function htb(o: Opts, details: boolean): Field[] {
  if (o.r2q === undefined) return [];
  // tc prints it with %#x, which writes zero as '0'
  const def = o.default === '0' ? '0' : `0x${o.default}`;
  const out = [f('r2q', o.r2q, `r2q ${o.r2q} `), f('default', def, `default ${def} `), f('direct_packets_stat', o.directPacketsStat, `direct_packets_stat ${o.directPacketsStat} `)];
  if (details) out.push(f('ver', o.version, `ver ${o.version} `));
  if (o.directQlen !== undefined) out.push(f('direct_qlen', o.directQlen, `direct_qlen ${o.directQlen}`));
  if (o.offload) out.push(f('offload', true, ' offload'));
  return out;
}

function prio(o: Opts): Field[] {
  if (o.bands === undefined) return [];
  return [f('bands', o.bands, `bands ${o.bands} `), f('priomap', o.priomap, `priomap ${(o.priomap as number[]).join(' ')}`), f('multiqueue', false, '')];
}

/**
 * fq_codel, the default qdisc of most distributions, as iproute2 6.x's q_fq_codel.c prints it
 * (written from its source: this kernel has no fq_codel to compare with).
 */
function fqCodel(o: Opts): Field[] {
  const out: Field[] = [];
  const time = (key: string, word: string, v: unknown) => v !== undefined && out.push(f(key, v, `${word} ${tcTime(v as number)} `));
  if (o.limit !== undefined) out.push(f('limit', o.limit, `limit ${o.limit}p `));
  if (o.flows !== undefined) out.push(f('flows', o.flows, `flows ${o.flows} `));
  if (o.quantum !== undefined) out.push(f('quantum', o.quantum, `quantum ${o.quantum} `));
  time('target', 'target', o.target);
  time('ce_threshold', 'ce_threshold', o.ceThreshold);
  time('interval', 'interval', o.interval);
  if (o.memoryLimit !== undefined) out.push(size('memory_limit', 'memory_limit', num(o, 'memoryLimit')));
  if (o.ecn) out.push(f('ecn', true, 'ecn '));
  if (o.dropBatch !== undefined) out.push(f('drop_batch', o.dropBatch, `drop_batch ${o.dropBatch} `));
  return out;
}

/** tc's print_qopt of each kind nlkit prints as tc does; others print generically. */
const QDISC_OPTIONS: Record<string, (o: Opts, details: boolean) => Field[]> = {
  tbf, htb, prio, pfifo_fast: prio, fq_codel: fqCodel,
  pfifo: (o) => (o.limit === undefined ? [] : [f('limit', o.limit, `limit ${o.limit}p`)]),
  bfifo: (o) => (o.limit === undefined ? [] : [f('limit', o.limit, `limit ${formatSize(num(o, 'limit'))}`)]),
  pfifo_head_drop: (o) => (o.limit === undefined ? [] : [f('limit', o.limit, `limit ${o.limit}p`)]),
  // q_hfsc.c hfsc_print_opt: the default class only when there is one, as text (fprintf, no JSON member)
  hfsc: (o) => (o.default === undefined || o.default === '0' ? [] : [text(`default ${o.default} `)]),
  ingress: () => [text('---------------- ')],
  clsact: () => [],
  noqueue: () => [],
  mq: () => [],
};

export function qdiscOptionFields(kind: string, o: Opts, details: boolean): Field[] {
  return (QDISC_OPTIONS[kind] ?? generic)(o, details);
}

/** -s: a qdisc kind's own statistics after the counters (print_xstats; fq_codel's from iproute2 6.x's source). */
const QDISC_XSTATS: Record<string, (x: Record<string, number>) => Field[]> = {
  fq_codel: (x) => [
    f('maxpacket', x.maxpacket, `  maxpacket ${x.maxpacket}`), f('drop_overlimit', x.dropOverlimit, ` drop_overlimit ${x.dropOverlimit}`),
    f('new_flow_count', x.newFlowCount, ` new_flow_count ${x.newFlowCount}`), f('ecn_mark', x.ecnMark, ` ecn_mark ${x.ecnMark}`),
    ...(x.ceMark ? [f('ce_mark', x.ceMark, ` ce_mark ${x.ceMark}`)] : []),
    f('new_flows_len', x.newFlowsLen, `\n  new_flows_len ${x.newFlowsLen}`), f('old_flows_len', x.oldFlowsLen, ` old_flows_len ${x.oldFlowsLen}`),
    ...(x.memoryUsage ? [f('memory_used', x.memoryUsage, ` memory_used ${x.memoryUsage}`), f('drop_overmemory', x.dropOvermemory, ` drop_overmemory ${x.dropOvermemory}`)] : []),
    text('\n'),
  ],
};

export function qdiscXstatsFields(kind: string, o: Opts): Field[] {
  const x = o.xstats as Record<string, number> | undefined;
  return x && QDISC_XSTATS[kind] ? QDISC_XSTATS[kind](x) : [];
}

function htbClass(o: Opts, details: boolean): Field[] {
  if (o.rate === undefined) return [];
  const out = [f('prio', o.prio, `prio ${o.prio} `)];
  if (details) out.push(f('quantum', o.quantum, `quantum ${o.quantum} `));
  out.push(rate('rate', num(o, 'rate')), rate('ceil', num(o, 'ceil')));
  if (details) {
    out.push(f('linklayer', o.linklayer, `linklayer ${o.linklayer} `));
    out.push(cellSize('burst', num(o, 'burst')), size('mpu', 'mpu', num(o, 'mpu')), cellSize('cburst', num(o, 'cburst')), size('mpu', 'mpu', num(o, 'mpu')), f('level', o.level, `level ${o.level} `));
  } else out.push(size('burst', 'burst', num(o, 'burst')), size('cburst', 'cburst', num(o, 'cburst')));
  if (o.overhead) out.push(f('overhead', o.overhead, `overhead ${o.overhead} `));
  return out;
}

/** hfsc's curves as q_hfsc.c's hfsc_print_sc writes them ('sc m1 0bit d 0us m2 10Mbit'); tc 6.1 has no JSON for them, so a curve is an object. */
function hfscClass(o: Opts): Field[] {
  return (['sc', 'rt', 'ls', 'ul'] as const).filter((k) => o[k] !== undefined).map((k) => {
    const c = o[k] as { m1: number; d: number; m2: number };
    return { key: k, text: `${k} `, nested: [rate('m1', c.m1), f('d', c.d, `d ${tcTime(c.d)} `), rate('m2', c.m2)] };
  });
}

const CLASS_OPTIONS: Record<string, (o: Opts, details: boolean) => Field[]> = {
  htb: htbClass,
  hfsc: hfscClass,
  drr: (o) => (o.quantum === undefined ? [] : [size('quantum', 'quantum', num(o, 'quantum'))]),
  qfq: (o) => [...(o.weight === undefined ? [] : [f('weight', o.weight, `weight ${o.weight} `)]), ...(o.maxpkt === undefined ? [] : [f('maxpkt', o.maxpkt, `maxpkt ${o.maxpkt} `)])],
};

/** -s: a class kind's own statistics after the counters (tc's print_xstats). */
const CLASS_XSTATS: Record<string, (x: Record<string, number>) => Field[]> = {
  htb: (x) => [
    f('lended', x.lends, ` lended: ${x.lends} `), f('borrowed', x.borrows, `borrowed: ${x.borrows} `), f('giants', x.giants, `giants: ${x.giants}\n`),
    f('tokens', x.tokens, ` tokens: ${x.tokens} `), f('ctokens', x.ctokens, `ctokens: ${x.ctokens}\n`),
  ],
  // q_hfsc.c hfsc_print_xstats: work and rtwork only when not 0
  hfsc: (x) => [
    f('period', x.period, ` period ${x.period} `), ...(x.work ? [f('work', x.work, `work ${x.work} bytes `)] : []),
    ...(x.rtwork ? [f('rtwork', x.rtwork, `rtwork ${x.rtwork} bytes `)] : []), f('level', x.level, `level ${x.level} \n`),
  ],
  drr: (x) => [f('deficit', x.deficit, ` deficit ${formatSize(x.deficit!)} \n`)],
};

export function classXstatsFields(kind: string, o: Opts): Field[] {
  const x = o.xstats as Record<string, number> | undefined;
  return x && CLASS_XSTATS[kind] ? CLASS_XSTATS[kind](x) : [];
}

export function classOptionFields(kind: string, o: Opts, details: boolean): Field[] {
  return (CLASS_OPTIONS[kind] ?? generic)(o, details);
}

/**
 * `-s`: the basic and queue counters (tc_util.c print_tcstats_attr), as members and tc's two
 * lines, each line after `prefix` (' ' under a qdisc or class, '\t' under an action).
 */
export function statsFields(s: TcStats | undefined, prefix = ' '): Field[] {
  if (!s) return [];
  const out = [
    f('bytes', s.bytes, `${prefix}Sent ${s.bytes} bytes `), f('packets', s.packets, `${s.packets} pkt `),
    f('drops', s.drops, `(dropped ${s.drops}, `), f('overlimits', s.overlimits, `overlimits ${s.overlimits} `), f('requeues', s.requeues, `requeues ${s.requeues}) \n`),
  ];
  // with an estimator (the kernel sends its rates then), as tc: ' rate 0bit 0pps backlog ...'
  if (s.rate) out.push(f('rate', s.rate.bps, `${prefix}rate ${formatRate(s.rate.bps)} `), f('pps', s.rate.pps, `${s.rate.pps}pps`));
  out.push(f('backlog', s.backlog, `${prefix}backlog ${formatSize(s.backlog)} `), f('qlen', s.qlen, `${s.qlen}p requeues ${s.requeues}\n`));
  return out;
}

/** Members in order, a key twice when tc writes it twice (tbf's -d `mpu`). */
function writeFields(w: JsonWriter, fields: Field[]): void {
  w.object();
  for (const x of fields) {
    if (x.key === undefined) continue;
    // the common members in one concatenation each (a dump of thousands of filters)
    if (typeof x.json === 'string') {
      w.str(x.key, x.json);
      continue;
    }
    if (typeof x.json === 'number' || typeof x.json === 'bigint') {
      w.num(x.key, x.json);
      continue;
    }
    w.key(x.key);
    if (x.nested) writeFields(w, x.nested);
    else if (x.list) {
      w.array();
      for (const item of x.list) writeFields(w, item);
      w.endArray();
    } else writeValue(w, x.json);
  }
  w.endObject();
}

function writeValue(w: JsonWriter, v: unknown): void {
  if (typeof v === 'number' || typeof v === 'bigint') w.number(v);
  else if (typeof v === 'boolean') w.bool(v);
  else if (typeof v === 'string') w.string(v);
  else if (Array.isArray(v)) {
    w.array();
    for (const x of v) writeValue(w, x);
    w.endArray();
  } else w.null();
}

/** The text face of fields: each one's text, then its object's or list's. */
export function toText(fields: Field[]): string {
  let t = '';
  for (const x of fields) {
    t += x.text;
    if (x.nested) t += toText(x.nested);
    if (x.list) for (const item of x.list) t += toText(item);
  }
  return t;
}

/** `tc -j` text of one record (its JSON object and a newline), as printRecords writes each. */
export function jsonText(record: Field[], pretty: boolean): string {
  let out = '';
  const w = new JsonWriter(pretty, (t) => void (out += t));
  writeFields(w, record);
  w.raw('\n').flush();
  return out;
}

/**
 * Records as `tc -j` (a JSON array) or tc's text. `fieldsOf` makes each item's fields as it is
 * written: a dump of thousands of filters then never holds every record's fields at once (they
 * die young instead of being copied by every scavenge).
 */
export function printRecords<T = Field[]>(env: { json: boolean; pretty: boolean; out(t: string): void }, items: readonly T[], fieldsOf: (item: T) => Field[] = asFields): void {
  if (!env.json) {
    let t = '';
    for (const r of items) t += toText(fieldsOf(r));
    env.out(t);
    return;
  }
  const w = new JsonWriter(env.pretty, env.out);
  w.array();
  for (const r of items) {
    writeFields(w, fieldsOf(r));
    w.maybeFlush();
  }
  w.endArray().raw('\n');
  w.flush();
}

const asFields = <T>(r: T): Field[] => r as unknown as Field[];

/** printRecords for items that arrive one by one (a dump streamed): each written as it comes. */
export async function printEach<T>(env: { json: boolean; pretty: boolean; out(t: string): void }, items: AsyncIterable<T>, fieldsOf: (item: T) => Field[]): Promise<void> {
  if (!env.json) {
    let t = '';
    for await (const r of items) {
      t += toText(fieldsOf(r));
      if (t.length >= TEXT_CHUNK) {
        env.out(t);
        t = '';
      }
    }
    env.out(t);
    return;
  }
  const w = new JsonWriter(env.pretty, env.out);
  w.array();
  for await (const r of items) {
    writeFields(w, fieldsOf(r));
    w.maybeFlush();
  }
  w.endArray().raw('\n');
  w.flush();
}
const TEXT_CHUNK = 1 << 16;
