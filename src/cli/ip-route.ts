// `nlkit route` as `ip route`: show/list (streamed: a 100,000-route table is printed as it is
// dumped), get, add, append, change, replace, del and flush, over nlkit/route's routes module.
import { isIP } from 'node:net';
import { formatIPv6, parseIPv6 } from '../core/display.js';
import { netnsName } from '../core/transport.js';
import type { Nexthop } from '../route/nexthops.js';
import { deleteSpec, makeRoutes, type Route, type RouteEncap, type RouteFilter, type RouteQuery, type RouteSpec } from '../route/routes.js';
import { parsePrefix, prefixTest } from '../route/inet.js';
import { dumpLinkNames } from '../route/link-names.js';
import { names, routeTables } from '../route/names.js';
import { type IpCommand, type IpEnv, type IpObject, type Plan, IpUsageError, duplicateOrGarbage, flushDone, getUint, invalidArgument, isPrefix, prefixArg, refuseUnderLink, uintValue, type Words } from './ip-command.js';
import { parseEncap } from './ip-encap.js';
import { dumpTerminated, strerror } from './ip-output.js';
import { listPrinter } from './ip-printer.js';
import { printRoute, type RouteView } from './ip-route-print.js';

const TYPES = ['unicast', 'local', 'broadcast', 'multicast', 'throw', 'unreachable', 'prohibit', 'blackhole', 'nat', 'anycast', 'xresolve'];

/** A table word as ip reads it: a name from rt_tables or a number (`all` where a listing allows it). */
function tableValue(text: string): number {
  try {
    return routeTables().value(/^\d+$/.test(text) ? Number(text) : text, 'table');
  } catch {
    throw invalidArgument('table id value is invalid\n', text);
  }
}

// ---------------------------------------------------------------------------------------
// show, flush: ip's iproute_list_flush_or_save selector

interface Selection {
  filter: RouteFilter;
  /** `vrf NAME`: the table is that VRF device's (looked up when the dump starts). */
  vrf?: string;
  /** Fields a selector fixes: not printed (ip's *mask = -1). */
  hide: Set<string>;
  /** Selectors the kernel's dump does not apply. */
  keep: ((r: Route) => boolean)[];
  /** `table all`: ip prints each route's table. */
  tables: boolean;
  /** A prefix of the other family than the listing's: nothing matches. */
  none: boolean;
}

function parseSelection(words: Words, env: IpEnv): Selection {
  const filter: RouteFilter = {};
  const sel: Selection = { filter, hide: new Set(), keep: [], tables: false, none: false };
  let table: string | number | undefined;
  let prefix: { kind: 'dst' | 'root' | 'match'; text: string } | undefined;
  while (!words.done) {
    const w = words.shift()!;
    if (isPrefix(w, 'table')) {
      const v = words.value();
      if (v === 'cache') filter.cached = true;
      else table = v === 'all' ? 'all' : tableValue(v);
    } else if (isPrefix(w, 'protocol')) {
      const v = words.value();
      if (v !== 'all') { filter.protocol = /^\d+$/.test(v) ? Number(v) : v; sel.hide.add('protocol'); }
    } else if (isPrefix(w, 'scope')) {
      const v = words.value();
      if (v !== 'all') { filter.scope = /^\d+$/.test(v) ? Number(v) : v; sel.hide.add('scope'); }
    } else if (isPrefix(w, 'type')) {
      const v = words.value();
      if (!TYPES.includes(v)) throw invalidArgument('node type value is invalid\n', v);
      filter.type = v;
    } else if (w === 'dev' || isPrefix(w, 'oif')) {
      const v = words.value();
      filter.dev = v;
      // the kernel's filter also takes a multipath route through the device; ip's takes only
      // a route whose own output device it is
      sel.keep.push((r) => r.dev === v);
      sel.hide.add('dev');
    } else if (isPrefix(w, 'iif')) {
      const v = words.value();
      sel.keep.push((r) => r.iif === v);
      sel.hide.add('iif');
    } else if (isPrefix(w, 'metric') || isPrefix(w, 'priority') || w === 'preference') {
      const m = uintValue(words.value(), 'metric');
      sel.keep.push((r) => r.metric === m);
      sel.hide.add('metric');
    } else if (isPrefix(w, 'via')) {
      let v = words.value();
      if (v === 'inet' || v === 'inet6') v = words.value();
      if (!isIP(v)) throw invalidArgument('invalid "via"\n', v);
      sel.keep.push((r) => r.gateway === v || r.via?.host === v);
      sel.hide.add('gateway');
    } else if (isPrefix(w, 'src')) {
      const v = words.value();
      if (!isIP(v)) throw invalidArgument('invalid "src"\n', v);
      sel.keep.push((r) => r.prefsrc === v);
      sel.hide.add('prefsrc');
    } else if (isPrefix(w, 'vrf')) {
      // the VRF's table, its local and broadcast routes left out (ip's typemask)
      sel.vrf = words.value();
      sel.keep.push((r) => r.type !== 'local' && r.type !== 'broadcast');
    } else if (isPrefix(w, 'cached') || isPrefix(w, 'cloned')) {
      filter.cached = true;
    } else if (w === 'tos' || isPrefix(w, 'dsfield')) {
      const v = dsfield(words.value());
      sel.keep.push((r) => (r.tos ?? 0) === v);
      sel.hide.add('tos');
    } else if (w === 'mark') {
      const v = words.value();
      const m = getUint(v);
      if (m === undefined) throw invalidArgument('invalid mark value', v);
      // dumped routes carry no mark: `mark 0` keeps them all, any other none (as ip)
      sel.keep.push((r) => (r.mark ?? 0) === m);
    } else if (isPrefix(w, 'realms')) {
      const { realm, mask } = realmsValue(words.value());
      sel.keep.push((r) => (((r.realm ?? 0) ^ realm) & mask) === 0);
      // both realms given: ip leaves them out of what it prints
      if (mask === 0xffffffff) sel.hide.add('realm');
    } else if (isPrefix(w, 'from')) {
      let v = words.value();
      let kind: 'root' | 'match' | 'exact' = 'exact';
      if (isPrefix(v, 'root')) { kind = 'root'; v = words.value(); } else if (isPrefix(v, 'match')) { kind = 'match'; v = words.value(); } else if (isPrefix(v, 'exact')) v = words.value();
      sel.keep.push(sourceTest(kind, v, env));
    } else if (w === 'help') {
      throw new IpUsageError(USAGE);
    } else {
      let v = w;
      if (isPrefix(v, 'to')) v = words.value();
      let kind: 'dst' | 'root' | 'match' = 'dst';
      if (isPrefix(v, 'root')) { kind = 'root'; v = words.value(); } else if (isPrefix(v, 'match')) { kind = 'match'; v = words.value(); } else if (isPrefix(v, 'exact')) v = words.value();
      if (prefix) throw duplicateOrGarbage('to', v);
      prefix = { kind, text: v };
    }
  }
  if (table !== undefined) filter.table = table === 'all' ? 'all' : table;
  sel.tables = table === 'all';
  // as ip: one table (main by default) lists IPv4 unless -6 says otherwise; `table all` both
  const family = env.family === 'inet' || env.family === 'inet6' ? env.family : sel.tables ? undefined : 'inet';
  if (family) filter.family = family;
  if (prefix) {
    // ip reads the prefix as get_prefix does, with the family of -4/-6/-0 alone (not the IPv4
    // one listed by default). With none, any/all are its AF_UNSPEC address: no selector at all
    const pre = prefixArg(prefix.text, env.family);
    if (family && pre && pre.family !== (family === 'inet' ? 2 : 10)) sel.none = true;
    else if (pre || prefix.text === 'default') filter[prefix.kind] = prefix.text;
  }
  return sel;
}

/** ip's rtnl_dsfield_a2n: a TOS byte, always read as hex ("16" is 0x16). */
function dsfield(text: string): number {
  const v = /^(0x)?[0-9a-f]{1,2}$/i.test(text) ? parseInt(text, 16) : NaN;
  if (Number.isNaN(v)) throw invalidArgument('TOS value is invalid\n', text);
  return v;
}

/** ip's `realms [FROM/]TO` selector: the value and which halves it fixes ("3/" the source only). */
function realmsValue(text: string, invalid = 'invalid realms\n'): { realm: number; mask: number } {
  const realms = names('rt_realms');
  const slash = text.indexOf('/');
  const one = (t: string) => {
    const v = /^\d+$/.test(t) ? Number(t) : (() => { try { return realms.value(t, 'realms'); } catch { return NaN; } })();
    if (!(v >= 0 && v <= 0xffff)) throw invalidArgument(invalid, text);
    return v;
  };
  // iproute2's get_rt_realms_or_raw: "FROM/TO", "TO"; an empty half is refused, a trailing "/" is not
  const from = slash < 0 ? 0 : one(text.slice(0, slash));
  const toText = slash < 0 ? text : text.slice(slash + 1);
  const to = toText === '' && slash > 0 ? 0 : one(toText);
  const realm = ((from << 16) | to) >>> 0;
  let mask = 0xffffffff;
  if (to === 0 && text.endsWith('/')) mask &= ~0xffff;
  if (from === 0 && (slash < 0 || slash === 0)) mask &= 0xffff;
  return { realm, mask: mask >>> 0 };
}

/** `from [root|match|exact] PREFIX`: the routes whose source prefix is inside, covers or is PREFIX. */
function sourceTest(kind: 'root' | 'match' | 'exact', text: string, env: IpEnv): (r: Route) => boolean {
  refuseUnderLink(text, env.family);
  let p;
  try {
    p = parsePrefix(text, 'from', env.family === 'inet' ? 2 : env.family === 'inet6' ? 10 : undefined);
  } catch {
    throw new IpUsageError(`Error: ${env.family ?? 'any valid'} prefix is expected rather than "${text}".`, 1);
  }
  const v6 = p.family === 10;
  // root and exact test every route's source against the one prefix given; match tests the
  // given address (as decoders write addresses) against each route's source prefix
  const given = prefixTest(p);
  const mine = p.address === '' ? (v6 ? '::' : '0.0.0.0') : v6 ? formatIPv6(parseIPv6(p.address)!) : p.address;
  const full = v6 ? 128 : 32;
  return (r) => {
    const slash = r.src?.lastIndexOf('/') ?? -1;
    const addr = r.src === undefined ? (r.family === 'inet6' ? '::' : '0.0.0.0') : slash < 0 ? r.src : r.src.slice(0, slash);
    const len = r.src === undefined ? 0 : slash < 0 ? full : Number(r.src.slice(slash + 1));
    if (r.family !== (p.family === 10 ? 'inet6' : 'inet')) return false;
    if (kind !== 'match' && len < p.len) return false;
    if (kind !== 'root' && len > p.len) return false;
    return kind === 'match' ? prefixTest({ family: p.family, address: addr, len })(mine) : given(addr);
  };
}

const keptBy = (sel: Selection) => (r: Route) => sel.keep.every((k) => k(r));

/** The nexthop objects by id, for -d's `nh_info` (none when the kernel has no nexthop objects). */
async function nexthopsById(env: IpEnv): Promise<Map<number, Nexthop>> {
  try {
    // loaded for -d only: start-up is most of what a short listing costs
    const { makeNexthops } = await import('../route/nexthops.js');
    return new Map((await makeNexthops(env.route).list()).map((n) => [n.id, n]));
  } catch {
    return new Map();
  }
}

/** `vrf NAME`: the table of that VRF device, as ip's ipvrf_get_table finds it. */
async function vrfTable(sel: Selection, env: IpEnv): Promise<void> {
  if (sel.vrf === undefined) return;
  let table: unknown;
  try {
    const link = await (await import('../route/links.js')).makeLinks(env.route).get(sel.vrf);
    if (link.info?.kind === 'vrf') table = link.info.data?.table;
  } catch {
    // no such device: not a VRF either
  }
  if (typeof table !== 'number' || table === 0) throw invalidArgument('Invalid VRF\n', sel.vrf);
  sel.filter.table = table;
}

async function show(words: Words, env: IpEnv): Promise<void> {
  const sel = parseSelection(words, env);
  await vrfTable(sel, env);
  const p = listPrinter(env);
  const view: RouteView = { details: env.details > 0, tables: sel.tables, hide: sel.hide, sl: env.oneline ? '\\' : '\n' };
  // the cache's entries print as ip prints a clone (`cache` and its lifetime)
  if (sel.filter.cached) view.cloned = true;
  if (env.details) view.nexthops = await nexthopsById(env);
  // the devices' names from a dump of names only (a full link dump decodes every attribute)
  env.route.names ??= dumpLinkNames(env.route.conn);
  if (!sel.none) {
    const keep = sel.keep.length ? keptBy(sel) : undefined;
    try {
      // Sync: the read-ahead (forEach) measured no faster for a whole `nlkit route show` process
      // (REPORT.md of the dump branch), and a blocking loop has no event-loop turns to pay
      const { interrupted } = makeRoutes(env.route).forEachSync(sel.filter, keep ? (r) => keep(r) && printRoute(p, r, view) : (r) => printRoute(p, r, view));
      if (interrupted) env.err('Dump was interrupted and may be inconsistent.\n');
    } catch (e) {
      // a namespace whose main table was never made: the kernel's filtered dump refuses it,
      // ip (filtering in user space) lists nothing
      if (!(sel.filter.table === undefined && (e as { code?: string }).code === 'ENOENT')) throw dumpTerminated(e);
    }
  }
  p.finish();
}

/** ip route save: the selected routes in ip's binary format (ip-route-dump.ts). */
async function save(words: Words, env: IpEnv): Promise<void> {
  const { saveRoutes, startSave } = await import('./ip-route-dump.js');
  // as ip: the magic goes out before the selector is read
  startSave();
  const sel = parseSelection(words, env);
  await vrfTable(sel, env);
  saveRoutes(env, sel.filter, sel.none ? () => false : sel.keep.length ? keptBy(sel) : undefined);
}

/**
 * `ip route flush cache`: IPv4's cache (its PMTU and redirect exceptions) is emptied as ip
 * empties it, by writing -1 to the namespace's /proc/sys/net/ipv4/route/flush (no rtnetlink
 * request deletes an IPv4 exception); in another namespace (-n) through nsenter, as
 * `nlkit netns exec` runs commands there. IPv6's cached routes ip deletes one by one with
 * RTM_F_CLONED, which the domain's delete has no field for: refused.
 */
async function flushCache(env: IpEnv): Promise<void> {
  if (env.family === 'inet6') throw new IpUsageError('Error: nlkit route flush cache empties the IPv4 cache only (IPv6 cached routes: not yet).', 1);
  const file = '/proc/sys/net/ipv4/route/flush';
  // loaded here: a listing, what most runs are, needs neither
  const [{ spawnSync }, { writeFileSync }] = await Promise.all([import('node:child_process'), import('node:fs')]);
  try {
    if (env.netns === undefined) writeFileSync(file, '-1');
    else {
      const r = spawnSync('nsenter', [`--net=${netnsName(env.netns)}`, '--', 'sh', '-c', `echo -1 > ${file}`], { stdio: ['ignore', 'ignore', 'pipe'] });
      if (r.error || r.status !== 0) throw Object.assign(new Error(r.error?.message ?? String(r.stderr).trim()), { code: (r.error as NodeJS.ErrnoException | undefined)?.code ?? 'EIO' });
    }
  } catch (e) {
    throw new IpUsageError(`Cannot open "${file}": ${strerror((e as NodeJS.ErrnoException).code)}`, 255);
  }
  if (env.stats && !env.json) env.out('*** IPv4 routing cache is flushed.\n');
}

async function flush(words: Words, env: IpEnv): Promise<void> {
  if (words.done) throw new IpUsageError('"nlkit route flush" requires arguments.', 1);
  const sel = parseSelection(words, env);
  await vrfTable(sel, env);
  if (sel.none) return;
  if (sel.filter.cached) return flushCache(env);
  const routes = makeRoutes(env.route);
  if (!sel.keep.length) return flushDone(env, await routes.flush(sel.filter), 'routes');
  // selectors the kernel's dump does not apply (via, src, metric, tos, realms...): the listed
  // routes kept here, then deleted by the same keys the domain's flush sends
  const doomed = (await routes.list(sel.filter)).filter(keptBy(sel));
  flushDone(env, doomed.length ? await routes.delete(doomed.map(deleteSpec)) : { done: 0, failures: [] }, 'routes');
}

// ---------------------------------------------------------------------------------------
// get

/** ip route get's words the domain's lookup has no field for. */
const GET_UNSUPPORTED = ['connected', 'tos', 'dsfield', 'vrf', 'ipproto', 'sport', 'dport', 'as', 'flowlabel'];

async function get(words: Words, env: IpEnv): Promise<void> {
  const q: Partial<RouteQuery> = {};
  while (!words.done) {
    const w = words.shift()!;
    if (w === 'fibmatch') q.fibmatch = true;
    else if (w === 'from') q.src = words.value();
    else if (isPrefix(w, 'iif')) q.iif = words.value();
    else if (isPrefix(w, 'oif') || w === 'dev') q.dev = words.value();
    else if (isPrefix(w, 'mark')) q.mark = uintValue(words.value(), 'mark');
    else if (w === 'uid') q.uid = uintValue(words.value(), 'uid');
    else if (GET_UNSUPPORTED.includes(w))
      throw new IpUsageError(`Error: nlkit route get does not take "${w}".`, 1);
    else if (w === 'help') throw new IpUsageError(USAGE);
    else {
      const v = isPrefix(w, 'to') ? words.value() : w;
      if (q.dst !== undefined) throw duplicateOrGarbage('to', v);
      q.dst = v;
    }
  }
  if (q.dst === undefined) throw new IpUsageError('need at least a destination address', 1);
  const dst = q.dst.replace(/\/(32|128)$/, '');
  const fam = isIP(dst);
  if (!fam || (env.family === 'inet' && fam !== 4) || (env.family === 'inet6' && fam !== 6))
    throw new IpUsageError(`Error: ${env.family ?? 'any valid'} prefix is expected rather than "${q.dst}".`, 1);
  const r = await makeRoutes(env.route).get({ ...q, dst } as RouteQuery);
  const p = listPrinter(env);
  printRoute(p, r, { details: env.details > 0, tables: true, hide: new Set(), cloned: fam === 4 && !q.fibmatch, sl: env.oneline ? '\\' : '\n' });
  p.finish();
}

// ---------------------------------------------------------------------------------------
// add, append, change, replace, del: ip's iproute_modify grammar

/** `rtt 10ms`, `rto_min 1s`: ip's get_time_rtt; a bare number is the kernel's raw value. */
function timeValue(text: string, what: string, scale: number): number {
  const m = /^(\d+)(s|sec|ms|msec)?$/.exec(text);
  if (!m) throw invalidArgument(`"${what}" value is invalid\n`, text);
  const n = Number(m[1]);
  if (!m[2]) return n;
  return (m[2].startsWith('m') ? n : n * 1000) * scale;
}

/** Metric keywords: ip's word, the spec's key, how the value reads. */
const METRIC_WORDS: [word: string, key: string, read: (v: string, w: string) => number | string][] = [
  ...['mtu', 'hoplimit', 'advmss', 'reordering', 'window', 'cwnd', 'initcwnd', 'initrwnd', 'ssthresh'].map((w) => [w, w, (v: string) => uintValue(v, w)] as [string, string, (v: string) => number]),
  ['quickack', 'quickack', (v) => uintValue(v, 'quickack', 1)],
  ['fastopen_no_cookie', 'fastopenNoCookie', (v) => uintValue(v, 'fastopen_no_cookie', 1)],
  ['rtt', 'rtt', (v) => timeValue(v, 'rtt', 8)],
  ['rttvar', 'rttvar', (v) => timeValue(v, 'rttvar', 4)],
  ['rto_min', 'rtoMin', (v) => timeValue(v, 'rto_min', 1)],
  ['congctl', 'congctl', (v) => v],
];

function parseVia(words: Words): string {
  let v = words.value();
  if (v === 'inet' || v === 'inet6') v = words.value();
  if (!isIP(v)) throw new IpUsageError(`Error: any valid address is expected rather than "${v}".`, 1);
  return v;
}

/** `nexthop via X dev Y weight W onlink encap ...`, up to the next `nexthop`. */
function parseNexthop(words: Words): NonNullable<RouteSpec['nexthops']>[number] {
  const nh: NonNullable<RouteSpec['nexthops']>[number] = {};
  for (let w = words.peek(); w !== undefined && w !== 'nexthop'; w = words.peek()) {
    words.shift();
    if (w === 'via') nh.via = parseVia(words);
    else if (w === 'dev') nh.dev = words.value();
    else if (isPrefix(w, 'weight')) nh.weight = uintValue(words.value(), 'weight', 256);
    else if (w === 'onlink') nh.onlink = true;
    else if (w === 'encap') nh.encap = parseEncap(words);
    else throw new IpUsageError(`Error: unknown nexthop argument "${w}".`, 1);
  }
  return nh;
}

/** A command line's route. */
function specOf(words: Words, env: IpEnv): RouteSpec {
  const s: Record<string, unknown> = {};
  const lock: string[] = [];
  let dst: string | undefined;
  while (!words.done) {
    const w = words.shift()!;
    const metric = METRIC_WORDS.find(([word]) => word === w);
    if (metric) {
      let v = words.value();
      if (v === 'lock') { lock.push(metric[1]); v = words.value(); }
      s[metric[1]] = metric[2](v, w);
    } else if (w === 'src') s.prefsrc = words.value();
    else if (w === 'via') s.via = parseVia(words);
    else if (w === 'from') s.src = words.value();
    else if (w === 'tos' || isPrefix(w, 'dsfield')) s.tos = uintValue(words.value(), 'TOS', 255);
    else if (w === 'expires') s.expires = uintValue(words.value(), 'expires');
    else if (isPrefix(w, 'metric') || isPrefix(w, 'priority') || w === 'preference') s.metric = uintValue(words.value(), 'metric');
    else if (w === 'scope') { const v = words.value(); s.scope = /^\d+$/.test(v) ? Number(v) : v; }
    else if (w === 'features') { const v = words.value(); if (v !== 'ecn') throw invalidArgument('"features" value not valid\n', v); s.features = ['ecn']; }
    else if (w === 'onlink') s.onlink = true;
    else if (w === 'nexthop') {
      const list = [parseNexthop(words)];
      while (words.peek() === 'nexthop') {
        words.shift();
        list.push(parseNexthop(words));
      }
      s.nexthops = list;
    } else if (w === 'nhid') s.nhid = uintValue(words.value(), 'nhid');
    else if (isPrefix(w, 'protocol')) { const v = words.value(); s.protocol = /^\d+$/.test(v) ? Number(v) : v; }
    else if (isPrefix(w, 'table')) s.table = tableValue(words.value());
    else if (w === 'dev' || w === 'oif') s.dev = words.value();
    else if (w === 'pref') {
      const v = words.value();
      if (!['low', 'medium', 'high'].includes(v)) throw invalidArgument('"pref" value is invalid\n', v);
      s.pref = v;
    } else if (w === 'encap') s.encap = parseEncap(words);
    else if (isPrefix(w, 'realms')) {
      const v = words.value();
      // ip's get_rt_realms_or_raw: FROM/TO or TO
      const { realm } = realmsValue(v, '"realm" value is invalid\n');
      s.realm = realm;
    } else if (w === 'as' || isPrefix(w, 'vrf') || w === 'ttl-propagate') throw new IpUsageError(`Error: nlkit route does not take "${w}".`, 1);
    else if (w === 'help') throw new IpUsageError(USAGE);
    else {
      let v = w === 'to' ? words.value() : w;
      if (!/^[0-9]/.test(v) && TYPES.includes(v)) { s.type = v; v = words.value(); }
      if (dst !== undefined) throw duplicateOrGarbage('to', v);
      prefixArg(v, env.family, 'dst');
      dst = v;
    }
  }
  if (dst === undefined) throw new IpUsageError(USAGE);
  if (lock.length) s.lock = lock;
  if (env.family === 'inet' || env.family === 'inet6') s.family = env.family;
  return { dst, ...s } as RouteSpec;
}

type Method = 'add' | 'replace' | 'delete';

/** A write command: run alone, or in -batch -force with its neighbours as one transaction. */
function writer(name: string, method: Method, extra: Partial<RouteSpec>, synopsis: string, aliases?: string[]): IpCommand {
  const call = (env: IpEnv, arg: RouteSpec | RouteSpec[]) => (makeRoutes(env.route)[method] as (a: RouteSpec | RouteSpec[]) => Promise<unknown>)(arg);
  const parse = (words: Words, env: IpEnv): RouteSpec => ({ ...specOf(words, env), ...extra });
  return {
    name, aliases, synopsis,
    run: async (words, env) => void (await call(env, parse(words, env))),
    plan: (words, env): Plan => ({
      key: `route ${name}`,
      spec: parse(words, env),
      runMany: async (e, specs) => (await call(e, specs as RouteSpec[])) as { failures: { index: number; error: Error }[] },
    }),
  };
}

const USAGE = `Usage: nlkit route { list | flush } SELECTOR
       nlkit route save SELECTOR
       nlkit route restore
       nlkit route showdump
       nlkit route get [ fibmatch ] ADDRESS [ from ADDRESS iif STRING ] [ oif STRING ] [ mark NUMBER ] [ uid NUMBER ]
       nlkit route { add | del | change | append | replace } ROUTE`;

export const route: IpObject = {
  name: 'route',
  default: 'list',
  commands: [
    writer('add', 'add', {}, 'add ROUTE'),
    // ip's change is NLM_F_REPLACE alone; the domain's replace also creates a missing route
    writer('change', 'replace', {}, 'change ROUTE', ['chg']),
    writer('replace', 'replace', {}, 'replace ROUTE'),
    writer('append', 'add', { append: true }, 'append ROUTE'),
    writer('delete', 'delete', {}, 'del ROUTE'),
    { name: 'list', aliases: ['show', 'lst'], synopsis: 'show SELECTOR', keywords: ['table', 'proto', 'scope', 'type', 'dev', 'iif', 'metric', 'via', 'src', 'root', 'match', 'exact'], run: show },
    { name: 'get', synopsis: 'get [ fibmatch ] ADDRESS [ from ADDRESS iif STRING ] [ oif STRING ] [ mark NUMBER ] [ uid NUMBER ]', keywords: ['fibmatch', 'from', 'iif', 'oif', 'mark', 'uid'], run: get },
    { name: 'flush', synopsis: 'flush SELECTOR', run: flush },
    { name: 'save', synopsis: 'save SELECTOR', run: save },
    { name: 'restore', synopsis: 'restore', run: async (_w, env) => (await import('./ip-route-dump.js')).restoreRoutes(env) },
    { name: 'showdump', synopsis: 'showdump', run: async (_w, env) => (await import('./ip-route-dump.js')).showDump(env) },
  ],
  where: `SELECTOR := [ root PREFIX ] [ match PREFIX ] [ exact PREFIX ] [ table TABLE_ID ] [ proto RTPROTO ]
            [ type TYPE ] [ scope SCOPE ] [ dev DEV ] [ metric METRIC ] [ via ADDRESS ] [ src ADDRESS ]
ROUTE := [ TYPE ] PREFIX [ table TABLE_ID ] [ proto RTPROTO ] [ scope SCOPE ] [ metric METRIC ]
         { NH | nhid ID } [ src ADDRESS ] [ mtu [ lock ] N ] [ advmss N ] [ initcwnd N ] ... [ pref PREF ] [ expires N ]
         [ nexthop NH ]...
NH := [ encap ENCAPTYPE ENCAPHDR ] [ via [ FAMILY ] ADDRESS ] [ dev STRING ] [ weight NUMBER ] [ onlink ]
TYPE := { unicast | local | broadcast | multicast | throw | unreachable | prohibit | blackhole | nat }
TABLE_ID := [ local | main | default | all | NUMBER ]
ENCAPTYPE := [ mpls LABEL[/LABEL...] | ip ... | ip6 ... | seg6 mode MODE segs ADDR1,ADDR2 ]
PREF := [ low | medium | high ]
`,
};
