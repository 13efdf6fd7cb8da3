// Routes and nexthop objects as `ip route` / `ip nexthop` print them (iproute2's print_route,
// print_rta_multipath, lwt_print_encap, print_nexthop): one pass over the domain object per
// output, JSON or text through a Printer, keys in ip's order.
import type { Nexthop } from '../route/nexthops.js';
import type { Route, RouteEncap, RouteMetrics } from '../route/routes.js';
import { names } from '../route/names.js';
import type { Printer } from './ip-printer.js';

/** What a listing prints beside the route itself: ip's `filter` decides some of it. */
export interface RouteView {
  details: boolean;
  /** `table all` (ip's filter.tb == 0): the table of a route outside main is printed. */
  tables: boolean;
  /** Fields a selector fixed (dev, protocol, scope, metric, gateway, prefsrc): ip leaves them out. */
  hide: ReadonlySet<string>;
  /** `ip route get` of an IPv4 address: the answer is a cache clone (no protocol/scope, `cache` flags). */
  cloned?: boolean;
  /** -d: the nexthop objects by id, for `nh_info`. */
  nexthops?: ReadonlyMap<number, Nexthop>;
  /** ip's _SL_: '\\' under -o, a newline otherwise. */
  sl: string;
}

/** rtm_flags / rtnh_flags in print_rt_flags' order. */
const FLAG_ORDER = ['dead', 'onlink', 'pervasive', 'offload', 'trap', 'notify', 'linkdown', 'unresolved', 'rt_offload', 'rt_trap', 'rt_offload_failed'];

export function printFlags(p: Printer, flags: readonly string[]): void {
  if (flags.length === 0) return p.emptyList('flags');
  p.openList('flags');
  const list = flags.length > 1 ? [...flags].sort((a, b) => FLAG_ORDER.indexOf(a) - FLAG_ORDER.indexOf(b)) : flags;
  for (const f of list) p.item(f);
  p.closeList();
}

/** ip's names of the RTAX_* metrics (mx_names), in RTAX order; the domain's camelCase keys. */
const METRICS: [key: keyof RouteMetrics | 'features', name: string][] = [
  ['mtu', 'mtu'], ['window', 'window'], ['rtt', 'rtt'], ['rttvar', 'rttvar'], ['ssthresh', 'ssthresh'], ['cwnd', 'cwnd'], ['advmss', 'advmss'],
  ['reordering', 'reordering'], ['hoplimit', 'hoplimit'], ['initcwnd', 'initcwnd'], ['features', 'features'], ['rtoMin', 'rto_min'],
  ['initrwnd', 'initrwnd'], ['quickack', 'quickack'], ['congctl', 'congctl'], ['fastopenNoCookie', 'fastopen_no_cookie'],
];

/** RTT-like metrics: stored scaled (rtt x8, rttvar x4), printed in ms (text: `1.5s` from 1000 on). */
const TIME_SCALE: Record<string, number> = { rtt: 8, rttvar: 4, rtoMin: 1 };

function printMetrics(p: Printer, m: RouteMetrics): void {
  p.openList('metrics');
  p.open();
  const lock = m.lock ?? [];
  for (const [key, name] of METRICS) {
    const v = (m as Record<string, unknown>)[key];
    const locked = lock.includes(key);
    if (v === undefined && !locked) continue;
    if (key === 'hoplimit' && v === 0xffffffff) continue;
    p.text(`${name} ${locked ? 'lock ' : ''}`);
    if (key === 'features') {
      const list = (v as string[] | undefined) ?? [];
      for (const f of list) if (f === 'ecn') p.flag('ecn', 'ecn');
      // bits other than ecn: ip prints the whole value in hex, which the names cannot give back
    } else if (key === 'congctl') p.s('congestion', '', String(v));
    else if (key in TIME_SCALE) {
      const ms = Math.floor(Number(v ?? 0) / TIME_SCALE[key]);
      if (p.json) p.u(name, '', ms);
      else p.text(ms >= 1000 ? `${ms / 1000}s ` : `${ms}ms `);
    } else p.u(name, '', Number(v ?? 0));
  }
  p.close();
  p.closeList();
}

/** lwt_print_encap: ` encap TYPE ...` (JSON: `encap` and the type's members, flat). */
export function printEncap(p: Printer, e: RouteEncap): void {
  const name = e.type === 'other' ? e.name : e.type;
  p.s('encap', ' encap ', name);
  switch (e.type) {
    case 'mpls':
      p.s('dst', '', e.labels.join('/'));
      if (e.ttl !== undefined) p.u('ttl', 'ttl ', e.ttl);
      break;
    case 'ip':
    case 'ip6': {
      const t = e as Record<string, unknown>;
      if (t.id !== undefined) p.u('id', 'id ', t.id as bigint);
      if (t.src !== undefined) p.s('src', 'src ', String(t.src));
      if (t.dst !== undefined) p.s('dst', 'dst ', String(t.dst));
      const [ttl, tos] = e.type === 'ip' ? ['ttl', 'tos'] : ['hoplimit', 'tc'];
      if (t[ttl] !== undefined) p.u(ttl, `${ttl} `, t[ttl] as number);
      if (t[tos] !== undefined) p.u(tos, `${tos} `, t[tos] as number);
      const flags = Number(t.flags ?? 0);
      // TUNNEL_CSUM, TUNNEL_KEY, TUNNEL_SEQ as ip prints them (print_bool: `true` in JSON)
      for (const [bit, word] of [[0x04, 'key'], [0x01, 'csum'], [0x08, 'seq']] as const) if (flags & bit) p.bool(word, `${word} `, true);
      break;
    }
    case 'seg6':
      p.s('mode', 'mode ', e.mode);
      p.text(`segs ${e.segs.length} [ `);
      p.openList('segs');
      for (const s of e.segs) p.item(s);
      p.closeList();
      p.text('] ');
      break;
    default:
      break;
  }
}

/** print_nexthop: one nexthop object (`ip nexthop show`, a route's `nh_info`). */
export function printNexthop(p: Printer, nh: Nexthop, details: boolean): void {
  p.u('id', 'id ', nh.id);
  if (nh.group) {
    if (!p.json) p.text(`group ${nh.group.map((g) => (g.weight === 1 ? String(g.id) : `${g.id},${g.weight}`)).join('/')} `);
    else p.openList('group');
    if (p.json) {
      for (const g of nh.group) {
        p.open();
        p.u('id', '', g.id);
        if (g.weight !== 1) p.u('weight', '', g.weight);
        p.close();
      }
      p.closeList();
    }
  }
  if (nh.type === 'resilient') {
    p.s('type', 'type ', 'resilient');
    const r = nh.resilientArgs;
    if (r) {
      p.open('resilient_args');
      p.u('buckets', 'buckets ', r.buckets);
      p.u('idle_timer', 'idle_timer ', r.idleTimer);
      p.u('unbalanced_timer', 'unbalanced_timer ', r.unbalancedTimer);
      p.u('unbalanced_time', 'unbalanced_time ', r.unbalancedTime);
      p.close();
    }
  }
  if (nh.encap) printEncap(p, nh.encap);
  if (nh.gateway !== undefined) p.s('gateway', 'via ', nh.gateway);
  if (nh.ifindex !== undefined) p.s('dev', 'dev ', nh.dev ?? `if${nh.ifindex}`);
  const scope = nh.scope ?? 'global';
  if (scope !== 'global' || details) p.s('scope', 'scope ', scope);
  if (nh.blackhole) p.flag('blackhole', 'blackhole');
  if (nh.protocol !== 'unspec' || details) p.s('protocol', 'proto ', nh.protocol);
  printFlags(p, nh.flags);
  // ip ends the line with "fdb" and no blank after it
  if (nh.fdb) {
    if (p.json) p.flag('fdb', 'fdb');
    else p.text('fdb');
  }
}

/** print_rta_via: a gateway of the other family. */
function printVia(p: Printer, via: { family: string; host: string }): void {
  if (!p.json) return p.text(`via ${via.family} ${via.host} `);
  p.open('via');
  p.s('family', '', via.family);
  p.s('host', '', via.host);
  p.close();
}

/** print_rta_flow: `realm TO` / `realms FROM/TO` (JSON `flow`), realms by their rt_realms names. */
function printRealms(p: Printer, flow: number): void {
  const realms = names('rt_realms');
  const from = flow >>> 16, to = flow & 0xffff;
  if (!p.json) return p.text(from ? `realms ${realms.name(from)}/${realms.name(to)} ` : `realm ${realms.name(to)} `);
  p.open('flow');
  if (from) p.s('from', '', realms.name(from));
  p.s('to', '', realms.name(to));
  p.close();
}

/** Names checked once each for characters JSON must escape (a dump repeats the same few). */
const plain = new Map<string, boolean>();
const NEEDS_ESCAPE = /["\\\u0000-\u001f\u007f-\uffff]/;
let lastPlain: string | undefined;
function isPlain(s: string): boolean {
  if (s === lastPlain) return true;
  let ok = plain.get(s);
  if (ok === undefined) {
    ok = !NEEDS_ESCAPE.test(s);
    if (plain.size < 4096) plain.set(s, ok);
  }
  if (ok) lastPlain = s;
  return ok;
}

/**
 * printRoute's compact JSON for the routes most of a large table is made of (a destination,
 * a gateway, a device, a source, a metric; no flags, metrics, encapsulation or multipath),
 * as one template: the same keys in the same order, with no call per member. undefined for
 * any other route, which printRoute writes member by member.
 */
function commonRouteJson(r: Route, v: RouteView): string | undefined {
  if (v.details || v.cloned || v.hide.size || r.flags.length || r.src !== undefined || r.nhid !== undefined || r.newdst || r.encap || r.tos || r.via ||
    r.mark !== undefined || r.realm !== undefined || r.uid !== undefined || r.expires || r.metrics || r.iif !== undefined || r.nexthops) return undefined;
  const dev = r.ifindex === undefined ? undefined : r.dev ?? `if${r.ifindex}`;
  // the names printed (a device's, the tables' words) checked for JSON escapes; addresses
  // (dst, gateway, prefsrc) are nlkit's own text, with nothing to escape
  const type = r.type !== 'unicast', table = v.tables && r.tableId !== 254, protocol = r.protocol !== 'boot', scope = r.scope !== 'global';
  if ((dev !== undefined && !isPlain(dev)) || (type && !isPlain(r.type)) || (table && !isPlain(r.table)) || (protocol && !isPlain(r.protocol)) ||
    (scope && !isPlain(r.scope)) || (r.pref !== undefined && !isPlain(r.pref))) return undefined;
  return `{${type ? `"type":"${r.type}",` : ''}"dst":"${r.dst}"${r.gateway !== undefined ? `,"gateway":"${r.gateway}"` : ''}${
    dev !== undefined ? `,"dev":"${dev}"` : ''}${table ? `,"table":"${r.table}"` : ''}${protocol ? `,"protocol":"${r.protocol}"` : ''}${
    scope ? `,"scope":"${r.scope}"` : ''}${r.prefsrc !== undefined ? `,"prefsrc":"${r.prefsrc}"` : ''}${
    r.metric !== undefined ? `,"metric":${r.metric}` : ''},"flags":[]${r.pref !== undefined ? `,"pref":"${r.pref}"` : ''}}`;
}

/** iproute2's print_route: one route, as `ip route show` prints it. */
export function printRoute(p: Printer, r: Route, v: RouteView): void {
  if (p.element) {
    const json = commonRouteJson(r, v);
    if (json !== undefined) {
      p.element(json);
      return p.end();
    }
  }
  p.open();
  if (r.type !== 'unicast' || v.details) p.s('type', '', r.type);
  p.s('dst', '', r.dst);
  if (r.src !== undefined) p.s('from', 'from ', r.src);
  if (r.nhid !== undefined) p.u('nhid', 'nhid ', r.nhid);
  if (r.newdst) p.s('as', 'as to ', r.newdst.join('/'));
  if (r.encap) printEncap(p, r.encap);
  if (r.tos && !v.hide.has('tos')) p.s('tos', 'tos ', `0x${r.tos.toString(16).padStart(2, '0')}`);
  if (r.gateway !== undefined && !v.hide.has('gateway')) p.s('gateway', 'via ', r.gateway);
  if (r.via) printVia(p, r.via);
  if (r.ifindex !== undefined && !v.hide.has('dev')) p.s('dev', 'dev ', r.dev ?? `if${r.ifindex}`);
  if (v.tables && (r.tableId !== 254 || v.details)) p.s('table', 'table ', r.table);
  if (!v.cloned) {
    if ((r.protocol !== 'boot' || v.details) && !v.hide.has('protocol')) p.s('protocol', 'proto ', r.protocol);
    if ((r.scope !== 'global' || v.details) && !v.hide.has('scope')) p.s('scope', 'scope ', r.scope);
  }
  if (r.prefsrc !== undefined && !v.hide.has('prefsrc')) p.s('prefsrc', 'src ', r.prefsrc);
  if (r.metric !== undefined && !v.hide.has('metric')) p.u('metric', 'metric ', r.metric);
  printFlags(p, r.flags);
  if (r.mark !== undefined) p.s('mark', 'mark ', `0x${r.mark.toString(16)}`);
  if (r.realm !== undefined && !v.hide.has('realm')) printRealms(p, r.realm);
  if (r.uid !== undefined) p.u('uid', 'uid ', r.uid);
  if (v.cloned) {
    // the RTCF_* bits of a clone are not in the domain object: its type stands for them
    p.text(`${v.sl}    cache `);
    p.openList('cache');
    if (r.type === 'local') {
      p.text('<');
      p.item('local', '> ');
    }
    p.closeList();
  }
  if (r.expires) p.u('expires', 'expires ', r.expires, 'sec ');
  if (r.metrics) printMetrics(p, r.metrics);
  if (r.iif !== undefined && !v.hide.has('iif')) p.s('iif', 'iif ', r.iif);
  if (r.pref !== undefined) p.s('pref', 'pref ', r.pref, '');
  const info = r.nhid !== undefined && v.details ? v.nexthops?.get(r.nhid) : undefined;
  if (info) {
    // a newline even under -o: ip prints nh_info's break as a newline, not its _SL_
    p.text('\n\tnh_info ');
    p.open('nh_info');
    printNexthop(p, info, true);
    p.close();
  }
  if (r.nexthops) {
    p.openList('nexthops');
    for (const nh of r.nexthops) {
      p.open();
      p.text(`${v.sl}\tnexthop `);
      if (nh.encap) printEncap(p, nh.encap);
      if (nh.gateway !== undefined) p.s('gateway', 'via ', nh.gateway);
      if (nh.via) printVia(p, nh.via);
      if (nh.ifindex) p.s('dev', 'dev ', nh.dev ?? `if${nh.ifindex}`);
      p.u('weight', 'weight ', nh.weight);
      printFlags(p, nh.flags);
      p.close();
    }
    p.closeList();
  }
  p.text('\n');
  p.close();
  p.end();
}
