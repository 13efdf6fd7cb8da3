// A route as the kernel's rt-route description decodes it -> the Route object users see,
// with names where `ip -j route` prints names. Runs once per route of a dump (100,000-route
// tables): tables of names by number, no per-route closures, keys set in one order.
import type { GetrouteDumpReply, MetricsSet, RouteAttrsSet } from '../ynl/families/rt-route.js';
import { AF_INET, AF_INET6 } from '../core/rtnetlink.js';
import { formatHint } from '../core/display.js';
import { familyName, formatPrefix } from './inet.js';
import { routeProtocols, routeScopes, routeTables, type NameTable } from './names.js';
import { decodeEncap, type RouteEncap } from './route-encap.js';

/** A path of a multipath route (ip -j's `nexthops` entries). */
export interface RouteNexthop {
  gateway?: string;
  /** A gateway of the other family (RTA_VIA): `{ family: 'inet6', host }`. */
  via?: { family: string; host: string };
  dev?: string;
  ifindex: number;
  /** 1..256 (the kernel's hops + 1). */
  weight: number;
  flags: readonly string[];
  encap?: RouteEncap;
  realm?: number;
}

/** Route metrics (ip -j's `metrics`), camelCase; `congctl` the algorithm, `lock` lists the locked ones. */
export type RouteMetrics = Omit<MetricsSet, 'ccAlgo' | 'features' | 'lock' | '$unknown'> & {
  features?: string[];
  congctl?: string;
  lock?: string[];
};

/** A route, like an entry of `ip -j -d route show` (keys in camelCase). */
export interface Route {
  family: string;
  /** 'unicast', 'local', 'blackhole'... */
  type: string;
  /** 'default', a host ('10.0.0.1') or a prefix ('10.0.0.0/24'). */
  dst: string;
  /** Source prefix (ip's `from`), when the route has one. */
  src?: string;
  gateway?: string;
  via?: { family: string; host: string };
  dev?: string;
  ifindex?: number;
  /** Table name as iproute2 prints it ('main', 'local', a name from rt_tables, or the number). */
  table: string;
  tableId: number;
  protocol: string;
  scope: string;
  metric?: number;
  /** Preferred source address (ip's `src` keyword). */
  prefsrc?: string;
  tos?: number;
  /** Shared, frozen lists (one per value). */
  flags: readonly string[];
  /** IPv6 router preference: 'low', 'medium', 'high'. */
  pref?: string;
  /** Seconds left (IPv6 routes with a lifetime). */
  expires?: number;
  /** Nexthop object id (`ip route add ... nhid N`). */
  nhid?: number;
  nexthops?: RouteNexthop[];
  encap?: RouteEncap;
  metrics?: RouteMetrics;
  mark?: number;
  /** RTA_FLOW: the realm (low 16 bits) and the source realm (high 16), `ip route ... realms`. */
  realm?: number;
  iif?: string;
  uid?: number;
  /** MPLS routes: the labels pushed (RTA_NEWDST). */
  newdst?: number[];
}

/** rtnh_flags and rtm_flags as iproute2 names them (print_rt_flags). */
const FLAG_NAMES: [number, string][] = [
  [1, 'dead'], [2, 'pervasive'], [4, 'onlink'], [8, 'offload'], [16, 'linkdown'], [32, 'unresolved'], [64, 'trap'],
  [0x100, 'notify'], [0x4000, 'rt_offload'], [0x8000, 'rt_trap'], [0x20000000, 'rt_offload_failed'],
];

/**
 * The names of a flags value: one frozen list per value, shared (a dump's routes nearly all
 * carry the same few values: no array per route).
 */
const flagLists = new Map<number, readonly string[]>();
const NO_FLAGS: readonly string[] = Object.freeze([]);
export function flagNames(v: number): readonly string[] {
  if (v === 0) return NO_FLAGS;
  let out = flagLists.get(v);
  if (out) return out;
  const names: string[] = [];
  for (const [bit, name] of FLAG_NAMES) if (v & bit) names.push(name);
  out = Object.freeze(names);
  if (flagLists.size < 256) flagLists.set(v, out);
  return out;
}

const PREF: Record<number, string> = { 0: 'medium', 1: 'high', 3: 'low', 2: 'invalid' };

/** RTAX_* numbers by metric key (the lock bitmask counts bits by these). */
export const METRIC_BITS: Record<string, number> = {
  mtu: 2, window: 3, rtt: 4, rttvar: 5, ssthresh: 6, cwnd: 7, advmss: 8, reordering: 9, hoplimit: 10, initcwnd: 11,
  features: 12, rtoMin: 13, initrwnd: 14, quickack: 15, congctl: 16, fastopenNoCookie: 17,
};
/** RTAX_FEATURE_* names (linux/rtnetlink.h). */
export const METRIC_FEATURES: [number, string][] = [[1, 'ecn'], [2, 'sack'], [4, 'timestamp'], [8, 'allfrag'], [16, 'tcp_usec_ts']];

function metricsOf(m: NonNullable<RouteAttrsSet['metrics']>): RouteMetrics {
  const out: RouteMetrics = {};
  for (const [k, v] of Object.entries(m)) {
    if (k === '$unknown' || v === undefined) continue;
    if (k === 'lock') {
      const lock: string[] = [];
      for (const [name, bit] of Object.entries(METRIC_BITS)) if ((v as number) & (1 << bit)) lock.push(name);
      out.lock = lock;
    } else if (k === 'features') out.features = METRIC_FEATURES.filter(([b]) => (v as number) & b).map(([, n]) => n);
    else if (k === 'ccAlgo') out.congctl = v as string;
    else (out as Record<string, unknown>)[k] = v;
  }
  return out;
}

/** An RTA_VIA as ip -j prints it. */
export function viaOf(v: NonNullable<RouteAttrsSet['via']>): { family: string; host: string } | undefined {
  if (Buffer.isBuffer(v)) return undefined;
  const b = Buffer.from(v.rtviaAddr);
  const fits = (v.rtviaFamily === AF_INET && b.length === 4) || (v.rtviaFamily === AF_INET6 && b.length === 16);
  const host = fits ? formatHint('ipv4-or-v6', b, 0, b.length) : undefined;
  return { family: familyName(v.rtviaFamily), host: host ?? b.toString('hex') };
}

/**
 * u8 names (protocols, scopes) looked up once per value: a packed array of 256 (a sparse
 * one, written at 253, would be a dictionary, read for every route of a dump).
 */
class NameCache {
  private readonly byValue: (string | undefined)[] = new Array<string | undefined>(256).fill(undefined);
  constructor(private readonly table: () => NameTable) {}
  name(v: number): string {
    return this.byValue[v & 255] ??= this.table().name(v);
  }
}
const protocols = new NameCache(routeProtocols);
const scopes = new NameCache(routeScopes);
const TYPE_NAMES = ['unspec', 'unicast', 'local', 'broadcast', 'anycast', 'multicast', 'blackhole', 'unreachable', 'prohibit', 'throw', 'nat', 'xresolve'];

/** Table names: rt_tables may be reloaded, so only the last few ids are remembered. */
let lastTableId = -1, lastTableName = '';
function tableName(id: number): string {
  if (id !== lastTableId) { lastTableId = id; lastTableName = routeTables().name(id); }
  return lastTableName;
}

/** Link names by index (a Scope): where toRoute gets `dev` from. */
export interface LinkNameSource {
  ifname(index: number): string | undefined;
}

function nexthopsOf(list: NonNullable<RouteAttrsSet['multipath']>, names: LinkNameSource | undefined): RouteNexthop[] {
  return list.map((r) => {
    const ifindex = r.rtnhIfindex ?? 0;
    const nh: RouteNexthop = { ifindex, weight: (r.rtnhHops ?? 0) + 1, flags: flagNames(numberOf(r.rtnhFlags)) };
    if (typeof r.gateway === 'string') nh.gateway = r.gateway;
    if (r.via) { const v = viaOf(r.via); if (v) nh.via = v; }
    const dev = ifindex && names ? names.ifname(ifindex) : undefined;
    if (dev !== undefined) nh.dev = dev;
    if (r.encapType !== undefined) nh.encap = decodeEncap(r);
    if (r.flow !== undefined) nh.realm = r.flow;
    return nh;
  });
}

/** A decoded flags list (names or leftover numbers) back to its bits. */
function numberOf(f: unknown): number {
  if (typeof f === 'number') return f;
  if (!Array.isArray(f)) return 0;
  let v = 0;
  for (const x of f) {
    if (typeof x === 'number') v |= x;
    else for (const [bit, name] of FLAG_NAMES) if (name === x) v |= bit;
  }
  return v;
}

/** A Route's fields every route has, then the optional ones most routes have, in key order. */
const ROUTE_KEYS = ['family', 'type', 'dst', 'table', 'tableId', 'protocol', 'scope', 'flags'] as const;
const COMMON_KEYS = ['src', 'gateway', 'ifindex', 'dev', 'metric', 'prefsrc'] as const;
type MakeRoute = (...fields: unknown[]) => Route;
/** Route makers by which of COMMON_KEYS are present (a bit each), compiled on first use. */
const routeMakers: (MakeRoute | undefined)[] = new Array<MakeRoute | undefined>(1 << COMMON_KEYS.length).fill(undefined);

/**
 * A function returning a Route as one object literal of ROUTE_KEYS and the COMMON_KEYS in
 * `has`: every field in the object itself, no property store adding to it. Each maker is
 * an allocation site of its own, which V8 tracks: seeing a dump's routes all survive
 * (list() keeps them), it allocates them in the old generation at once instead of copying
 * each through the young one (measured: scavenges were half of a 100,000-route list, and
 * each optional field added to a literal grew a property array per route). Only the
 * constant keys above go into the source.
 */
function routeMaker(has: number): MakeRoute {
  const keys = [...ROUTE_KEYS, ...COMMON_KEYS.filter((_, i) => has & (1 << i))];
  return new Function(...ROUTE_KEYS, ...COMMON_KEYS, `return { ${keys.map((k) => `${k}: ${k}`).join(', ')} };`) as MakeRoute;
}

/**
 * The Route for a decoded RTM_NEWROUTE. Without `names`, devices are left as indexes
 * (`ifindex`, `iif` as its number) for nameLinks to fill in later.
 */
export function toRoute(r: GetrouteDumpReply, names?: LinkNameSource): Route {
  const family = r.rtmFamily;
  const tableId = r.table ?? r.rtmTable;
  const src = r.rtmSrcLen || r.src !== undefined ? formatPrefix(typeof r.src === 'string' ? r.src : undefined, r.rtmSrcLen, family) : undefined;
  const gateway = typeof r.gateway === 'string' ? r.gateway : undefined;
  const ifindex = r.oif;
  const dev = ifindex !== undefined && names ? names.ifname(ifindex) : undefined;
  const metric = r.priority;
  const prefsrc = typeof r.prefsrc === 'string' ? r.prefsrc : undefined;
  const has = (src !== undefined ? 1 : 0) | (gateway !== undefined ? 2 : 0) | (ifindex !== undefined ? 4 : 0) |
    (dev !== undefined ? 8 : 0) | (metric !== undefined ? 16 : 0) | (prefsrc !== undefined ? 32 : 0);
  const route = (routeMakers[has] ??= routeMaker(has))(
    familyName(family),
    typeof r.rtmType === 'string' ? r.rtmType : TYPE_NAMES[r.rtmType] ?? String(r.rtmType),
    formatPrefix(typeof r.dst === 'string' ? r.dst : undefined, r.rtmDstLen, family),
    tableName(tableId), tableId, protocols.name(r.rtmProtocol), scopes.name(r.rtmScope), flagNames(r.rtmFlags),
    src, gateway, ifindex, dev, metric, prefsrc);
  if (r.via) { const v = viaOf(r.via); if (v) route.via = v; }
  if (r.rtmTos) route.tos = r.rtmTos;
  if (r.pref !== undefined) route.pref = PREF[r.pref] ?? String(r.pref);
  if (r.expires !== undefined) route.expires = r.expires;
  else if (r.cacheinfo && !Buffer.isBuffer(r.cacheinfo) && r.cacheinfo.rtaExpires) route.expires = Math.floor(r.cacheinfo.rtaExpires / 100);
  if (r.nhId !== undefined) route.nhid = r.nhId;
  if (r.multipath) route.nexthops = nexthopsOf(r.multipath, names);
  if (r.encapType !== undefined) route.encap = decodeEncap(r);
  if (r.metrics) route.metrics = metricsOf(r.metrics);
  if (r.mark !== undefined) route.mark = r.mark;
  if (r.flow !== undefined) route.realm = r.flow;
  if (r.iif !== undefined) route.iif = names?.ifname(r.iif) ?? String(r.iif);
  if (r.uid !== undefined) route.uid = r.uid;
  if (r.newdst) route.newdst = r.newdst.map((e) => e >>> 12);
  return route;
}

/**
 * Fills in the device names of routes made without them: after a dump, when asking the
 * kernel for link names no longer waits on the route dump (one dump per socket at a time).
 */
export function nameLinks(routes: readonly Route[], names: LinkNameSource): void {
  for (const r of routes) {
    if (r.ifindex !== undefined && r.dev === undefined) {
      const dev = names.ifname(r.ifindex);
      if (dev !== undefined) r.dev = dev;
    }
    if (r.iif !== undefined && /^\d+$/.test(r.iif)) r.iif = names.ifname(Number(r.iif)) ?? r.iif;
    if (r.nexthops) for (const nh of r.nexthops) {
      if (nh.ifindex && nh.dev === undefined) {
        const dev = names.ifname(nh.ifindex);
        if (dev !== undefined) nh.dev = dev;
      }
    }
  }
}
