// How `tc` prints, through the Printer the ip commands print with (ip-printer.ts): each call is
// a JSON member (tc -j, in tc's order, duplicate keys and all) and its piece of tc's text line,
// so -j builds no text and the text builds no JSON. Qdiscs, classes, filters, actions and chains
// all print through it; the counters are one block (printStats) wherever tc shows them. Values
// come from nlkit/tc's views; units are printed with tc's rules (tc_util.c, tc/units.ts).
import type { Opts } from '../tc/qdisc-kinds.js';
import type { TcStats } from '../tc/stats.js';
import { formatRate, formatSize, formatTime } from '../tc/units.js';
import { listPrinter, type Printer } from './ip-printer.js';

type Env = { json: boolean; pretty: boolean; out(t: string): void };

/** A member tc writes in its JSON only (its text shows the value elsewhere, or not at all); none when undefined. */
export function jsonOnly(p: Printer, key: string, v: unknown): void {
  if (p.json && v !== undefined) anyValue(p, key, v);
}

/** A view's value of any type: `pre v post` in text, its JSON type in JSON. */
export function val(p: Printer, key: string, pre: string, v: unknown, post = ' '): void {
  if (typeof v === 'number' || typeof v === 'bigint') p.u(key, pre, v, post);
  else if (typeof v === 'string') p.s(key, pre, v, post);
  else if (p.json) anyValue(p, key, v);
  else p.text(`${pre}${String(v)}${post}`);
}

/** JSON: a value as its type (arrays of them too; anything else null). */
function anyValue(p: Printer, key: string | undefined, v: unknown): void {
  if (key === undefined) {
    if (typeof v === 'number' || typeof v === 'bigint') p.itemU(v);
    else p.item(String(v));
  } else if (typeof v === 'number' || typeof v === 'bigint') p.u(key, '', v);
  else if (typeof v === 'string') p.s(key, '', v);
  else if (typeof v === 'boolean') p.bool(key, '', v);
  else if (Array.isArray(v)) {
    p.openList(key);
    for (const x of v) anyValue(p, undefined, x);
    p.closeList();
  } else p.flag(key, '');
}

/** A size: bytes in JSON, tc's print_size in text. */
export function size(p: Printer, key: string, pre: string, n: number, post = ' '): void {
  if (p.json) p.u(key, '', n);
  else p.text(pre + formatSize(n) + post);
}

/** A rate: bytes/s in JSON, tc's print_rate in text. */
export function rate(p: Printer, key: string, pre: string, n: number | bigint, post = ' '): void {
  if (p.json) p.u(key, '', n);
  else p.text(pre + formatRate(n) + post);
}

/** A time: microseconds in JSON, tc's print_time in text. */
function time(p: Printer, key: string, pre: string, usec: number): void {
  if (p.json) p.u(key, '', usec);
  else p.text(`${pre}${formatTime(usec)} `);
}

/** -d's `SIZE/CELL` (both faces): the kernel's dumps carry cell_log 0, so the cell is 1. */
const cellSize = (p: Printer, key: string, pre: string, n: number) => p.s(key, pre, `${formatSize(n)}/1`);
const num = (o: Opts, k: string): number => o[k] as number;
const snake = (k: string) => k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** Options of kinds tc prints in ways nlkit does not copy: every view field as `key value`. */
function generic(p: Printer, o: Opts): void {
  for (const [k, v] of Object.entries(o)) {
    if (k === 'xstats') continue;
    const key = snake(k);
    if (p.json) anyValue(p, key, v);
    else if (typeof v === 'boolean') p.text(v ? `${key} ` : '');
    else p.text(`${key} ${Array.isArray(v) ? v.join(' ') : String(v)} `);
  }
}

/** tc shows a link layer without -d only past ethernet (atm): not ethernet, not 0 (unspec). */
const aboveEthernet = (l: unknown): boolean => l !== undefined && l !== 'ethernet' && l !== 'unspec';

function tbf(p: Printer, o: Opts, details: boolean): void {
  if (o.rate === undefined) return;
  rate(p, 'rate', 'rate ', num(o, 'rate'));
  if (details) {
    cellSize(p, 'burst', 'burst ', num(o, 'burst'));
    size(p, 'mpu', 'mpu ', num(o, 'mpu'));
  } else size(p, 'burst', 'burst ', num(o, 'burst'));
  if (o.peakrate !== undefined) {
    // tc prints the peak rate in its text only (no JSON member)
    if (!p.json) p.text(`peakrate ${formatRate(num(o, 'peakrate'))} `);
    if (details) {
      cellSize(p, 'mtu', 'mtu ', num(o, 'mtu'));
      size(p, 'mpu', 'mpu ', num(o, 'mpu'));
    } else size(p, 'minburst', 'minburst ', num(o, 'mtu'));
  }
  if (o.latency !== undefined) time(p, 'lat', 'lat ', num(o, 'latency'));
  else size(p, 'limit', 'limit ', num(o, 'limit'));
  if (o.overhead) val(p, 'overhead', 'overhead ', o.overhead);
  if (details || aboveEthernet(o.linklayer)) val(p, 'linklayer', 'linklayer ', o.linklayer);
}

function htb(p: Printer, o: Opts, details: boolean): void {
  if (o.r2q === undefined) return;
  // tc prints it with %#x, which writes zero as '0'
  const def = o.default === '0' ? '0' : `0x${o.default}`;
  val(p, 'r2q', 'r2q ', o.r2q);
  p.s('default', 'default ', def);
  val(p, 'direct_packets_stat', 'direct_packets_stat ', o.directPacketsStat);
  if (details) val(p, 'ver', 'ver ', o.version);
  if (o.directQlen !== undefined) val(p, 'direct_qlen', 'direct_qlen ', o.directQlen, '');
  if (o.offload) p.bool('offload', ' offload', true);
}

function prio(p: Printer, o: Opts): void {
  if (o.bands === undefined) return;
  val(p, 'bands', 'bands ', o.bands);
  const map = o.priomap as number[];
  if (p.json) anyValue(p, 'priomap', map);
  else p.text(`priomap ${map.join(' ')}`);
  p.bool('multiqueue', '', false);
}

/**
 * fq_codel, the default qdisc of most distributions, as iproute2 6.x's q_fq_codel.c prints it
 * (written from its source: this kernel has no fq_codel to compare with).
 */
function fqCodel(p: Printer, o: Opts): void {
  if (o.limit !== undefined) val(p, 'limit', 'limit ', o.limit, 'p ');
  if (o.flows !== undefined) val(p, 'flows', 'flows ', o.flows);
  if (o.quantum !== undefined) val(p, 'quantum', 'quantum ', o.quantum);
  for (const [k, key] of [['target', 'target'], ['ceThreshold', 'ce_threshold'], ['interval', 'interval']] as const)
    if (o[k] !== undefined) time(p, key, `${key} `, num(o, k));
  if (o.memoryLimit !== undefined) size(p, 'memory_limit', 'memory_limit ', num(o, 'memoryLimit'));
  if (o.ecn) p.bool('ecn', 'ecn ', true);
  if (o.dropBatch !== undefined) val(p, 'drop_batch', 'drop_batch ', o.dropBatch);
}

type KindPrint = (p: Printer, o: Opts, details: boolean) => void;
const packets: KindPrint = (p, o) => o.limit !== undefined && val(p, 'limit', 'limit ', o.limit, 'p');
const none: KindPrint = () => {};

/** tc's print_qopt of each kind nlkit prints as tc does; others print generically. */
const QDISC_OPTIONS: Record<string, KindPrint> = {
  tbf, htb, prio, pfifo_fast: prio, fq_codel: fqCodel, pfifo: packets, pfifo_head_drop: packets,
  bfifo: (p, o) => o.limit !== undefined && size(p, 'limit', 'limit ', num(o, 'limit'), ''),
  // q_hfsc.c hfsc_print_opt: the default class only when there is one, as text (fprintf, no JSON member)
  hfsc: (p, o) => o.default !== undefined && o.default !== '0' && p.text(`default ${o.default} `),
  ingress: (p) => p.text('---------------- '),
  clsact: none, noqueue: none, mq: none,
};


type Xstats = (p: Printer, x: Record<string, number>) => void;

/** -s: a qdisc kind's own statistics after the counters (print_xstats; fq_codel's from iproute2 6.x's source). */
const QDISC_XSTATS: Record<string, Xstats> = {
  fq_codel: (p, x) => {
    p.u('maxpacket', '  maxpacket ', x.maxpacket!, '');
    p.u('drop_overlimit', ' drop_overlimit ', x.dropOverlimit!, '');
    p.u('new_flow_count', ' new_flow_count ', x.newFlowCount!, '');
    p.u('ecn_mark', ' ecn_mark ', x.ecnMark!, '');
    if (x.ceMark) p.u('ce_mark', ' ce_mark ', x.ceMark, '');
    p.u('new_flows_len', '\n  new_flows_len ', x.newFlowsLen!, '');
    p.u('old_flows_len', ' old_flows_len ', x.oldFlowsLen!, '');
    if (x.memoryUsage) {
      p.u('memory_used', ' memory_used ', x.memoryUsage, '');
      p.u('drop_overmemory', ' drop_overmemory ', x.dropOvermemory!, '');
    }
    p.text('\n');
  },
};

function printXstats(p: Printer, table: Record<string, Xstats>, kind: string, o: Opts): void {
  const x = o.xstats as Record<string, number> | undefined;
  if (x) table[kind]?.(p, x);
}


function htbClass(p: Printer, o: Opts, details: boolean): void {
  if (o.rate === undefined) return;
  // an inner class (level > 0) lends rather than queues: tc leaves out its prio and quantum
  if (!o.level) {
    val(p, 'prio', 'prio ', o.prio);
    if (details) val(p, 'quantum', 'quantum ', o.quantum);
  }
  rate(p, 'rate', 'rate ', num(o, 'rate'));
  // tc writes the overhead between the rate and the ceil it belongs with
  if (o.overhead) val(p, 'overhead', 'overhead ', o.overhead);
  rate(p, 'ceil', 'ceil ', num(o, 'ceil'));
  if (details || aboveEthernet(o.linklayer)) val(p, 'linklayer', 'linklayer ', o.linklayer);
  if (details) {
    cellSize(p, 'burst', 'burst ', num(o, 'burst'));
    size(p, 'mpu', 'mpu ', num(o, 'mpu'));
    cellSize(p, 'cburst', 'cburst ', num(o, 'cburst'));
    size(p, 'mpu', 'mpu ', num(o, 'mpu'));
    val(p, 'level', 'level ', o.level);
  } else {
    size(p, 'burst', 'burst ', num(o, 'burst'));
    size(p, 'cburst', 'cburst ', num(o, 'cburst'));
  }
}

/** hfsc's curves as q_hfsc.c's hfsc_print_sc writes them ('sc m1 0bit d 0us m2 10Mbit'); tc 6.1 has no JSON for them, so a curve is an object. */
function hfscClass(p: Printer, o: Opts): void {
  for (const k of ['sc', 'rt', 'ls', 'ul'] as const) {
    const c = o[k] as { m1: number; d: number; m2: number } | undefined;
    if (c === undefined) continue;
    p.text(`${k} `);
    p.open(k);
    rate(p, 'm1', 'm1 ', c.m1);
    time(p, 'd', 'd ', c.d);
    rate(p, 'm2', 'm2 ', c.m2);
    p.close();
  }
}

const CLASS_OPTIONS: Record<string, KindPrint> = {
  htb: htbClass,
  hfsc: hfscClass,
  drr: (p, o) => o.quantum !== undefined && size(p, 'quantum', 'quantum ', num(o, 'quantum')),
  qfq: (p, o) => {
    if (o.weight !== undefined) val(p, 'weight', 'weight ', o.weight);
    if (o.maxpkt !== undefined) val(p, 'maxpkt', 'maxpkt ', o.maxpkt);
  },
};

/** -s: a class kind's own statistics after the counters (tc's print_xstats). */
const CLASS_XSTATS: Record<string, Xstats> = {
  htb: (p, x) => {
    p.u('lended', ' lended: ', x.lends!);
    p.u('borrowed', 'borrowed: ', x.borrows!);
    p.u('giants', 'giants: ', x.giants!, '\n');
    p.u('tokens', ' tokens: ', x.tokens!);
    p.u('ctokens', 'ctokens: ', x.ctokens!, '\n');
  },
  // q_hfsc.c hfsc_print_xstats: work and rtwork only when not 0
  hfsc: (p, x) => {
    p.u('period', ' period ', x.period!);
    if (x.work) p.u('work', 'work ', x.work, ' bytes ');
    if (x.rtwork) p.u('rtwork', 'rtwork ', x.rtwork, ' bytes ');
    p.u('level', 'level ', x.level!, ' \n');
  },
  drr: (p, x) => size(p, 'deficit', ' deficit ', x.deficit!, ' \n'),
};

/**
 * The rest of a qdisc's or class's record after its header words: the kind's options (an
 * object), the end of the line, and with -s the counters and the kind's own statistics.
 */
export function printKindRest(p: Printer, table: 'qdisc' | 'class', x: { kind: string; options: Opts; stats?: TcStats }, env: { details: number; stats: number }): void {
  p.open('options');
  ((table === 'qdisc' ? QDISC_OPTIONS : CLASS_OPTIONS)[x.kind] ?? generic)(p, x.options, env.details > 0);
  p.close();
  p.text('\n');
  if (!env.stats) return;
  printStats(p, x.stats);
  printXstats(p, table === 'qdisc' ? QDISC_XSTATS : CLASS_XSTATS, x.kind, x.options);
}

/**
 * `-s`: the basic and queue counters (tc_util.c print_tcstats_attr), as members and tc's two
 * lines, each line after `prefix` (' ' under a qdisc or class, '\t' under an action).
 */
export function printStats(p: Printer, s: TcStats | undefined, prefix = ' '): void {
  if (!s) return;
  p.u('bytes', `${prefix}Sent `, s.bytes, ' bytes ');
  p.u('packets', '', s.packets, ' pkt ');
  p.u('drops', '(dropped ', s.drops, ', ');
  p.u('overlimits', 'overlimits ', s.overlimits);
  p.u('requeues', 'requeues ', s.requeues, ') \n');
  // with an estimator (the kernel sends its rates then), as tc: ' rate 0bit 0pps backlog ...'
  if (s.rate) {
    rate(p, 'rate', `${prefix}rate `, s.rate.bps);
    p.u('pps', '', s.rate.pps, 'pps');
  }
  size(p, 'backlog', `${prefix}backlog `, s.backlog);
  if (p.json) p.u('qlen', '', s.qlen);
  else p.text(`${s.qlen}p requeues ${s.requeues}\n`);
}

/** How one item prints: its members and words, in tc's order. */
export type TcPrint<T> = (p: Printer, item: T) => void;

/** Records as `tc -j` (a JSON array) or tc's text. */
export function printList<T>(env: Env, items: Iterable<T>, print: TcPrint<T>): void {
  const p = listPrinter(env);
  for (const r of items) {
    print(p, r);
    p.end();
  }
  p.finish();
}

/** printList for items that arrive one by one (a dump streamed): each written as it comes. */
export async function printEach<T>(env: Env, items: AsyncIterable<T>, print: TcPrint<T>): Promise<void> {
  const p = listPrinter(env);
  for await (const r of items) {
    print(p, r);
    p.end();
  }
  p.finish();
}
