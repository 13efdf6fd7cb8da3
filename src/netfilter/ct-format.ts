// An entry as one line of `conntrack -L` (libnetfilter_conntrack's default output): the
// CLI prints it and the tests compare it with the conntrack tool's.
import { hasPorts, type CtEntry, type CtTuple } from './ct-entry.js';
import type { CtExpectation } from './ct-expect.js';

export interface CtFormatOptions {
  /** `-o extended`: the layer-3 family and number first. */
  extended?: boolean;
  /** `-o id`: the entry's id last. */
  id?: boolean;
  /** `conntrack -E`: the event's type in brackets first ('NEW', 'UPDATE', 'DESTROY'). */
  event?: string;
  /** `conntrack -E`: the port of the request that caused the event, last. */
  portId?: number;
}

const L3_NUMBER = { ipv4: 2, ipv6: 10 } as const;
/** The protocols libnetfilter_conntrack names; others print as 'unknown'. */
const KNOWN = new Set(['tcp', 'udp', 'udplite', 'icmp', 'icmpv6', 'sctp', 'dccp', 'gre']);

function tuple(t: CtTuple): string[] {
  const w = [`src=${t.src}`, `dst=${t.dst}`];
  if (t.type !== undefined) w.push(`type=${t.type}`, `code=${t.code ?? 0}`, `id=${t.id ?? 0}`);
  else {
    if (t.sport !== undefined) w.push(`sport=${t.sport}`);
    if (t.dport !== undefined) w.push(`dport=${t.dport}`);
  }
  return w;
}

export function formatEntry(e: CtEntry, o: CtFormatOptions = {}): string {
  const w: string[] = [];
  if (o.event) w.push(`[${o.event}]`.padStart(9));
  if (o.extended) w.push(e.family.padEnd(8), String(L3_NUMBER[e.family]));
  w.push((KNOWN.has(e.protocol) ? e.protocol : 'unknown').padEnd(8), String(e.protonum));
  if (e.timeout !== undefined) w.push(String(e.timeout));
  if (e.state !== undefined) w.push(e.state);
  w.push(...tuple(e.orig));
  if (e.orig.zone !== undefined) w.push(`zone-orig=${e.orig.zone}`);
  if (e.counters) w.push(`packets=${e.counters.orig.packets}`, `bytes=${e.counters.orig.bytes}`);
  if (!e.status.includes('SEEN_REPLY')) w.push('[UNREPLIED]');
  w.push(...tuple(e.reply));
  if (e.reply.zone !== undefined) w.push(`zone-reply=${e.reply.zone}`);
  if (e.counters) w.push(`packets=${e.counters.reply.packets}`, `bytes=${e.counters.reply.bytes}`);
  if (e.status.includes('OFFLOAD')) w.push('[OFFLOAD]');
  if (e.status.includes('HW_OFFLOAD')) w.push('[HW_OFFLOAD]');
  if (e.status.includes('ASSURED')) w.push('[ASSURED]');
  // an event carries the mark only when it is set or changed (ctnetlink_dump_mark): the tool prints what came
  if (e.mark !== undefined) w.push(`mark=${e.mark}`);
  if (e.secctx !== undefined) w.push(`secctx=${e.secctx}`);
  if (e.zone !== undefined) w.push(`zone=${e.zone}`);
  if (e.use !== undefined) w.push(`use=${e.use}`);
  if (o.id && e.id !== undefined) w.push(`id=${e.id}`);
  if (e.helper !== undefined) w.push(`helper=${e.helper}`);
  if (o.portId !== undefined) w.push('[USERSPACE]', `portid=${o.portId}`);
  return w.join(' ');
}

/** JSON of an entry: 64-bit counters as decimal strings (JSON has no bigint). */
export function entryJson(e: unknown): string {
  return JSON.stringify(e, (_k, v) => (typeof v === 'bigint' ? String(v) : v));
}

/** An expectation as one line of `conntrack -L expect`. */
export function formatExpectation(e: CtExpectation): string {
  const w: string[] = [];
  if (e.timeout !== undefined) w.push(String(e.timeout));
  w.push(`proto=${e.protonum}`, ...tuple(e.tuple));
  const m = tuple(e.mask);
  w.push(`mask-${m[0]}`, `mask-${m[1]}`, ...m.slice(2));
  const t = tuple(e.master);
  w.push(`master-${t[0]}`, `master-${t[1]}`, ...t.slice(2));
  if (e.zone !== undefined) w.push(`zone=${e.zone}`);
  if (e.flags.length) w.push(e.flags.map((f) => f.toUpperCase()).join(','));
  if (e.class !== undefined) w.push(`class=${e.class}`);
  if (e.helper !== undefined) w.push(`helper=${e.helper}`);
  if (e.fn !== undefined) w.push(`fn=${e.fn}`);
  return w.join(' ');
}

// `-o xml`, as libnetfilter_conntrack's snprintf_xml writes an entry and an expectation (one
// <flow> a line, inside <conntrack> / <expect>).

const xmlEscape = (v: string): string => v.replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c]!);
const tag = (name: string, v: string | number | bigint): string => `<${name}>${xmlEscape(String(v))}</${name}>`;

function layer4Name(protocol: string): string {
  return KNOWN.has(protocol) ? protocol : 'unknown';
}

function tupleXml(e: CtEntry, dir: 'orig' | 'reply'): string {
  const t = e[dir];
  let x = `<meta direction="${dir === 'orig' ? 'original' : 'reply'}"><layer3 protonum="${L3_NUMBER[e.family]}" protoname="${e.family}">${tag('src', t.src)}${tag('dst', t.dst)}</layer3>`;
  x += `<layer4 protonum="${e.protonum}" protoname="${layer4Name(e.protocol)}">`;
  if (hasPorts(e.protonum)) x += `${t.sport !== undefined ? tag('sport', t.sport) : ''}${t.dport !== undefined ? tag('dport', t.dport) : ''}`;
  x += '</layer4>';
  if (t.zone !== undefined) x += tag('zone', t.zone);
  const c = e.counters?.[dir];
  if (c) x += `<counters>${tag('packets', c.packets)}${tag('bytes', c.bytes)}</counters>`;
  return `${x}</meta>`;
}

/** An entry as one <flow> of `conntrack -L -o xml` (event: the type attribute of `-E -o xml`). */
export function entryXml(e: CtEntry, event?: 'new' | 'update' | 'destroy'): string {
  let x = `${event ? `<flow type="${event}">` : '<flow>'}${tupleXml(e, 'orig')}${tupleXml(e, 'reply')}<meta direction="independent">`;
  if (e.state !== undefined) x += tag('state', e.state);
  if (e.timeout !== undefined) x += tag('timeout', e.timeout);
  // only a mark the kernel sent (see formatEntry), as the tool's XML
  if (e.mark !== undefined) x += tag('mark', e.mark);
  if (e.secctx !== undefined) x += tag('secctx', e.secctx);
  if (e.zone !== undefined) x += tag('zone', e.zone);
  if (e.use !== undefined) x += tag('use', e.use);
  if (e.id !== undefined) x += tag('id', e.id);
  if (e.status.includes('ASSURED')) x += '<assured/>';
  if (!e.status.includes('SEEN_REPLY')) x += '<unreplied/>';
  x += '</meta>';
  if (e.helper !== undefined) x += tag('helper', e.helper);
  return `${x}</flow>`;
}

function expectTupleXml(name: string, t: CtTuple, ports: boolean, layer: 3 | 4): string {
  if (layer === 3) return `<${name}>${tag('src', t.src)}${tag('dst', t.dst)}</${name}>`;
  return ports ? `<${name}>${t.sport !== undefined ? tag('sport', t.sport) : ''}${t.dport !== undefined ? tag('dport', t.dport) : ''}</${name}>` : `<${name}></${name}>`;
}

/** An expectation as one <flow> of `conntrack -L expect -o xml`. */
export function expectationXml(e: CtExpectation): string {
  const ports = hasPorts(e.protonum);
  const parts = [['expected', e.tuple], ['mask', e.mask], ['master', e.master]] as const;
  let x = `<flow><layer3 protonum="${L3_NUMBER[e.family]}" protoname="${e.family}">${parts.map(([n, t]) => expectTupleXml(n, t, ports, 3)).join('')}</layer3>`;
  x += `<layer4 protonum="${e.protonum}" protoname="${layer4Name(e.protocol)}">${parts.map(([n, t]) => expectTupleXml(n, t, ports, 4)).join('')}</layer4><meta>`;
  if (e.helper !== undefined) x += tag('helper-name', e.helper);
  if (e.timeout !== undefined) x += tag('timeout', e.timeout);
  if (e.zone !== undefined) x += tag('zone', e.zone);
  if (e.class !== undefined) x += tag('class', e.class);
  return `${x}</meta></flow>`;
}

/** What `-o xml` prints before the flows (one a line) and after them. */
export const xmlHead = (root: 'conntrack' | 'expect'): string => `<?xml version="1.0" encoding="utf-8"?>\n<${root}>\n`;
export const xmlTail = (root: 'conntrack' | 'expect'): string => `</${root}>\n`;
export const xmlDocument = (root: 'conntrack' | 'expect', flows: readonly string[]): string => `${xmlHead(root)}${flows.map((f) => `${f}\n`).join('')}${xmlTail(root)}`;
