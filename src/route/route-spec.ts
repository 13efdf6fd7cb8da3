// A user's route (`{ dst: '10.0.0.0/24', via: '10.0.0.1', dev: 'eth0' }`) -> rt-route's
// newroute/delroute request, with iproute2's defaults (main table, boot protocol, scope from
// type) and every value checked against the option that carried it.
import { isIP } from 'node:net';
import { checkUint, checkBool } from './arg-check.js';
import { NetlinkArgumentError, NetlinkError } from '../core/errors.js';
import { parseHint } from '../core/display.js';
import { forInIsOwn } from '../core/codec.js';
import { AF_INET, AF_INET6, RT_SCOPE_HOST, RT_SCOPE_LINK, RT_SCOPE_NOWHERE, RT_SCOPE_UNIVERSE } from '../core/rtnetlink.js';
import type { NewrouteDoRequest, RouteAttrsSet, RtmTypeEnum } from '../ynl/families/rt-route.js';
import type { Scope } from './context.js';
import { familyOf, parseFamily, parsePrefix, type InetFamily, type Prefix } from './inet.js';
import { routeProtocols, routeScopes, routeTables } from './names.js';
import { METRIC_BITS, METRIC_FEATURES, type RouteMetrics } from './route-object.js';
import { encodeEncap, type RouteEncap } from './route-encap.js';
import { quote } from '../core/options.js';

export type RouteType = Exclude<RtmTypeEnum, 'unspec'>;
const TYPES: readonly string[] = ['unicast', 'local', 'broadcast', 'anycast', 'multicast', 'blackhole', 'unreachable', 'prohibit', 'throw', 'nat', 'xresolve'];

/** One path of a multipath route. */
export interface RouteNexthopSpec {
  via?: string;
  dev?: string | number;
  /** 1..256, default 1. */
  weight?: number;
  onlink?: boolean;
  encap?: RouteEncap;
}

/** Metrics a route can carry (ip route's mtu, advmss, ... keywords). */
export type RouteMetricsSpec = Omit<RouteMetrics, 'features' | 'lock'> & {
  features?: string[];
  /** Metrics the kernel must not change (ip route's `lock`). */
  lock?: (keyof typeof METRIC_BITS)[];
};

/** A route to add or delete, in `ip route` words. */
export interface RouteSpec extends RouteMetricsSpec {
  /** '10.0.0.0/24', '2001:db8::/64', a host, or 'default'. */
  dst: string;
  /** 4, 6, 'inet', 'inet6': only needed for 'default' without a gateway. */
  family?: number | string;
  /** Source prefix (ip's `from`). */
  src?: string;
  /** Gateway; an IPv6 one on an IPv4 route goes as RTA_VIA. */
  via?: string;
  dev?: string | number;
  /** 'main' (default), 'local', a name from rt_tables, or a number (>= 256 too). */
  table?: string | number;
  type?: RouteType;
  /** Default 'boot', as ip. */
  protocol?: string | number;
  /** Default from the type, as ip: host for local, link for a unicast route with no gateway. */
  scope?: string | number;
  metric?: number;
  /** Preferred source address (ip's `src`). */
  prefsrc?: string;
  tos?: number;
  nexthops?: RouteNexthopSpec[];
  /** A nexthop object's id. */
  nhid?: number;
  encap?: RouteEncap;
  onlink?: boolean;
  /** IPv6 router preference. */
  pref?: 'low' | 'medium' | 'high';
  /** Seconds (IPv6). */
  expires?: number;
  /** RTA_FLOW: the route's realm, the source realm in the high 16 bits (`ip route add ... realms FROM/TO`). */
  realm?: number;
  /** Replace a route with the same key if there is one (ip route replace). */
  replace?: boolean;
  /** Add another route with the same key (ip route append). */
  append?: boolean;
}

const METRIC_KEYS = Object.keys(METRIC_BITS).filter((k) => k !== 'features' && k !== 'congctl');
const SPEC_KEYS = new Set([
  'dst', 'family', 'src', 'via', 'dev', 'table', 'type', 'protocol', 'scope', 'metric', 'prefsrc', 'tos', 'nexthops', 'nhid',
  'encap', 'onlink', 'pref', 'expires', 'replace', 'append', 'features', 'congctl', 'lock', 'realm', ...METRIC_KEYS,
]);
const METRIC_OPTIONS = new Set([...METRIC_KEYS, 'features', 'congctl', 'lock']);
/**
 * The options a bulk add's routes usually have: a spec with only these skips every other
 * option's check (one branch, not a dozen property loads per route before the JIT has
 * compiled them, and a smaller routeRequest for it to compile).
 */
const COMMON_OPTIONS = new Set(['dst', 'dev', 'table', 'protocol', 'scope', 'type', 'family', 'replace', 'append']);
/** What checkKeys found (bits). */
const HAS_METRICS = 1;
const HAS_OTHERS = 2;
const NEXTHOP_KEYS = new Set(['via', 'dev', 'weight', 'onlink', 'encap']);
const PREFS: Record<string, number> = { low: 3, medium: 0, high: 1 };
const RTNH_F_ONLINK = 4;



/**
 * Refuses keys that are not options; with `marks`, says which kinds of option were given
 * (HAS_METRICS, HAS_OTHERS than COMMON_OPTIONS): a route without any, the usual one, skips
 * looking for each by name.
 */
function checkKeys(o: object, allowed: Set<string>, where: string, marks = false): number {
  // for-in: no key array per object and field loads (see the codec's encodeSet)
  let found = 0;
  const own = forInIsOwn(o);
  for (const k in o) {
    if (!own && !Object.hasOwn(o, k)) continue;
    if ((o as Record<string, unknown>)[k] === undefined) continue;
    if (!allowed.has(k)) throw new NetlinkArgumentError(`${where}${k}`, `is not a route option (there are: ${[...allowed].join(', ')})`);
    if (marks && !COMMON_OPTIONS.has(k)) found |= METRIC_OPTIONS.has(k) ? HAS_METRICS | HAS_OTHERS : HAS_OTHERS;
  }
  return found;
}

/** A table option: its id, and how the request carries it (rtm_table below 256, RTA_TABLE above). */
export function tableId(v: unknown, option = 'table'): number {
  if (typeof v !== 'string' && typeof v !== 'number') throw new NetlinkArgumentError(option, `must be a table name or number, got ${typeof v}`, 'ERR_INVALID_ARG_TYPE');
  return routeTables().value(v, option);
}

export function tableFields(id: number): { rtmTable: number; table?: number } {
  return id < 256 ? { rtmTable: id } : { rtmTable: 0, table: id };
}

/** An RTA_VIA for a gateway of the other family. */
function viaOf(address: string): NonNullable<RouteAttrsSet['via']> {
  const fam = familyOf(address, 'via');
  return { rtviaFamily: fam, rtviaAddr: [...parseHint(fam === AF_INET ? 'ipv4' : 'ipv6', address)!] };
}

/** The gateway of a route or nexthop: RTA_GATEWAY in the route's family, RTA_VIA otherwise. */
function gatewayAttrs(via: unknown, family: InetFamily, option: string): Pick<RouteAttrsSet, 'gateway' | 'via'> {
  if (typeof via !== 'string' || !isIP(via)) throw new NetlinkArgumentError(option, `must be an IPv4 or IPv6 address, got ${quote(via)}`);
  const fam = familyOf(via, option);
  if (fam === family) return { gateway: via };
  if (family === AF_INET6) throw new NetlinkArgumentError(option, `must be an IPv6 address on an IPv6 route, got ${quote(via)}`);
  return { via: viaOf(via) };
}

function metricsOf(spec: RouteSpec): RouteAttrsSet['metrics'] {
  const m: NonNullable<RouteAttrsSet['metrics']> = {};
  let any = false;
  for (let i = 0; i < METRIC_KEYS.length; i++) { // not for-of: see checkKeys
    const k = METRIC_KEYS[i];
    const v = (spec as unknown as Record<string, unknown>)[k];
    if (v === undefined) continue;
    (m as Record<string, number>)[k] = checkUint(v, k, 0xffffffff);
    any = true;
  }
  if (spec.congctl !== undefined) {
    if (typeof spec.congctl !== 'string' || !spec.congctl) throw new NetlinkArgumentError('congctl', `must be a congestion control name, got ${String(spec.congctl)}`);
    m.ccAlgo = spec.congctl;
    any = true;
  }
  if (spec.features !== undefined) {
    if (!Array.isArray(spec.features)) throw new NetlinkArgumentError('features', 'must be a list such as [\'ecn\']', 'ERR_INVALID_ARG_TYPE');
    m.features = spec.features.reduce((acc: number, f, i) => {
      const bit = METRIC_FEATURES.find(([, n]) => n === f)?.[0];
      if (bit === undefined) throw new NetlinkArgumentError(`features[${i}]`, `must be one of ${METRIC_FEATURES.map(([, n]) => n).join(', ')}, got ${quote(f)}`);
      return acc | bit;
    }, 0);
    any = true;
  }
  if (spec.lock !== undefined) {
    if (!Array.isArray(spec.lock)) throw new NetlinkArgumentError('lock', 'must be a list of metric names such as [\'mtu\']', 'ERR_INVALID_ARG_TYPE');
    m.lock = spec.lock.reduce((acc: number, k, i) => {
      const bit = METRIC_BITS[k];
      if (bit === undefined) throw new NetlinkArgumentError(`lock[${i}]`, `must be a metric name (${Object.keys(METRIC_BITS).join(', ')}), got ${quote(k)}`);
      return (acc | (1 << bit)) >>> 0;
    }, 0);
    any = true;
  }
  return any ? m : undefined;
}

function nexthopsOf(list: unknown, family: InetFamily, scope: Scope): NonNullable<RouteAttrsSet['multipath']> {
  if (!Array.isArray(list) || list.length === 0) throw new NetlinkArgumentError('nexthops', 'must be a non-empty array of { via, dev, weight }', 'ERR_INVALID_ARG_TYPE');
  return list.map((nh: RouteNexthopSpec, i) => {
    const o = `nexthops[${i}]`;
    if (nh === null || typeof nh !== 'object') throw new NetlinkArgumentError(o, 'must be an object { via, dev, weight }', 'ERR_INVALID_ARG_TYPE');
    checkKeys(nh, NEXTHOP_KEYS, `${o}.`);
    const weight = nh.weight === undefined ? 1 : checkUint(nh.weight, `${o}.weight`, 256);
    if (weight < 1) throw new NetlinkArgumentError(`${o}.weight`, 'must be 1..256', 'ERR_OUT_OF_RANGE');
    const rec: NonNullable<RouteAttrsSet['multipath']>[number] = {
      rtnhFlags: checkBool(nh.onlink, `${o}.onlink`) === true ? ['onlink'] : [],
      rtnhHops: weight - 1,
      rtnhIfindex: nh.dev === undefined ? 0 : scope.ifindex(nh.dev, `${o}.dev`),
    };
    if (nh.via !== undefined) Object.assign(rec, gatewayAttrs(nh.via, family, `${o}.via`));
    if (nh.encap !== undefined) Object.assign(rec, encodeEncap(nh.encap, `${o}.encap`));
    return rec;
  });
}

/** The family of a spec: from dst, else the gateways, else the option, else IPv4. */
function familyOfSpec(spec: RouteSpec): InetFamily | Prefix {
  const given = parseFamily(spec.family);
  // the parsed dst itself, which routeRequest then need not parse again
  if (spec.dst !== 'default' && typeof spec.dst === 'string' && spec.dst !== 'any' && spec.dst !== 'all') return parsePrefix(spec.dst, 'dst', given);
  if (given) return given;
  const hint = spec.prefsrc ?? spec.via ?? spec.nexthops?.find((n) => n?.via)?.via;
  return typeof hint === 'string' && isIP(hint) === 6 && spec.via === undefined ? AF_INET6 : typeof spec.via === 'string' && isIP(spec.via) === 6 ? AF_INET6 : AF_INET;
}

/**
 * The request for one route. `del`: a delroute key (only what the caller gave narrows the
 * match, as `ip route del` sends it).
 */
export function routeRequest(spec: RouteSpec, scope: Scope, del = false): NewrouteDoRequest {
  if (spec === null || typeof spec !== 'object') throw new NetlinkArgumentError('route', 'must be an object such as { dst: \'10.0.0.0/24\', via: \'10.0.0.1\' }', 'ERR_INVALID_ARG_TYPE');
  const found = checkKeys(spec, SPEC_KEYS, '', true);
  if (spec.dst === undefined) throw new NetlinkArgumentError('dst', 'is required (a prefix, a host or \'default\')', 'ERR_INVALID_ARG_TYPE');
  const known = familyOfSpec(spec);
  const family = typeof known === 'number' ? known : known.family;
  const dst = typeof known === 'number' ? parsePrefix(spec.dst, 'dst', family) : known;
  let type = 'unicast';
  if (spec.type !== undefined) {
    if (!TYPES.includes(spec.type)) throw new NetlinkArgumentError('type', `must be one of ${TYPES.join(', ')}, got ${quote(spec.type)}`);
    type = spec.type;
  }
  // tableFields written out, not spread into the literal: a spread costs microseconds (bulk adds)
  const table = spec.table === undefined ? 254 : tableId(spec.table);
  const req: NewrouteDoRequest = {
    rtmFamily: family, rtmDstLen: dst.len, rtmSrcLen: 0, rtmTos: 0, rtmTable: table < 256 ? table : 0,
    rtmProtocol: spec.protocol !== undefined ? routeProtocols().value(spec.protocol, 'protocol') : del ? 0 : 3,
    rtmScope: RT_SCOPE_UNIVERSE,
    rtmType: del && spec.type === undefined ? 'unspec' : (type as RtmTypeEnum),
    rtmFlags: 0,
  };
  if (table >= 256) req.table = table;
  if (dst.len) req.dst = dst.address;
  // the attributes in the order they always had (oif after a gateway)
  if (found & HAS_OTHERS) otherOptions(spec, req, family, scope, (found & HAS_METRICS) !== 0);
  else if (spec.dev !== undefined) req.oif = scope.ifindex(spec.dev, 'dev');
  if (spec.scope !== undefined) req.rtmScope = routeScopes().value(spec.scope, 'scope');
  else if (del) req.rtmScope = RT_SCOPE_NOWHERE;
  else if (type === 'local' || type === 'nat') req.rtmScope = RT_SCOPE_HOST;
  else if (type === 'broadcast' || type === 'multicast' || type === 'anycast') req.rtmScope = RT_SCOPE_LINK;
  else if (type === 'unicast' && spec.via === undefined && spec.nexthops === undefined && spec.nhid === undefined) req.rtmScope = RT_SCOPE_LINK;
  return req;
}

/** The options beyond COMMON_OPTIONS, into the request (routeRequest). */
function otherOptions(spec: RouteSpec, req: NewrouteDoRequest, family: InetFamily, scope: Scope, hasMetrics: boolean): void {
  if (spec.src !== undefined) {
    const src = parsePrefix(spec.src, 'src', family);
    req.rtmSrcLen = src.len;
    if (src.len) req.src = src.address;
  }
  if (spec.tos !== undefined) req.rtmTos = checkUint(spec.tos, 'tos', 255);
  if (spec.via !== undefined) Object.assign(req, gatewayAttrs(spec.via, family, 'via'));
  if (spec.dev !== undefined) req.oif = scope.ifindex(spec.dev, 'dev');
  if (spec.metric !== undefined) req.priority = checkUint(spec.metric, 'metric', 0xffffffff);
  if (spec.realm !== undefined) req.flow = checkUint(spec.realm, 'realm', 0xffffffff);
  if (spec.prefsrc !== undefined) {
    if (typeof spec.prefsrc !== 'string' || familyOf(spec.prefsrc, 'prefsrc') !== family)
      throw new NetlinkArgumentError('prefsrc', `must be an ${family === AF_INET ? 'IPv4' : 'IPv6'} address, got ${quote(spec.prefsrc)}`);
    req.prefsrc = spec.prefsrc;
  }
  if (spec.nexthops !== undefined) req.multipath = nexthopsOf(spec.nexthops, family, scope);
  if (spec.nhid !== undefined) req.nhId = checkUint(spec.nhid, 'nhid', 0xffffffff);
  if (spec.encap !== undefined) Object.assign(req, encodeEncap(spec.encap));
  if (checkBool(spec.onlink, 'onlink') === true) req.rtmFlags = RTNH_F_ONLINK;
  if (spec.pref !== undefined) {
    const p = PREFS[spec.pref as string];
    if (p === undefined) throw new NetlinkArgumentError('pref', `must be 'low', 'medium' or 'high', got ${quote(spec.pref)}`);
    req.pref = p;
  }
  if (spec.expires !== undefined) req.expires = checkUint(spec.expires, 'expires', 0xffffffff);
  if (hasMetrics) {
    const metrics = metricsOf(spec);
    if (metrics) req.metrics = metrics;
  }
}

/** Where an attribute of a route request came from in the caller's spec. */
const FIELDS: [RegExp, string][] = [
  [/^\.multipath\[(\d+)\]\.(gateway|via)/, 'nexthops[$1].via'],
  [/^\.multipath\[(\d+)\]\.encap/, 'nexthops[$1].encap'],
  [/^\.multipath\[(\d+)\]/, 'nexthops[$1]'],
  [/^\.multipath/, 'nexthops'],
  [/^\.(gateway|via)/, 'via'],
  [/^\.oif/, 'dev'],
  [/^\.priority/, 'metric'],
  [/^\.metrics\.ccAlgo/, 'congctl'],
  [/^\.metrics\.(\w+)/, '$1'],
  [/^\.encapType/, 'encap.type'],
  [/^\.encap/, 'encap'],
  [/^\.nhId/, 'nhid'],
  [/^\.(dst|src|prefsrc|table|pref|expires|metrics)/, '$1'],
];

/**
 * The kernel's messages that name no attribute (fib_check_nh, fib_create_info...), by the
 * option they are about.
 */
const MESSAGES: [RegExp, string][] = [
  [/gateway|nexthop has invalid|via/i, 'via'],
  [/device|interface|dev\b/i, 'dev'],
  [/prefsrc|preferred source/i, 'prefsrc'],
  [/table/i, 'table'],
  [/metric/i, 'metric'],
  [/encap|lwt|tunnel/i, 'encap'],
  [/nexthop id|nexthop object/i, 'nhid'],
  [/multipath|nexthops?\b/i, 'nexthops'],
  [/scope/i, 'scope'],
  [/type/i, 'type'],
];

/**
 * The caller's option a kernel error is about (`e.field`, e.g. 'via' for `.gateway`): from
 * the attribute the kernel points at, else from its message. Added to the error (and its
 * message: `... (option via)`), so a failure reads in the words the caller used.
 */
export function withField<E>(e: E): E {
  if (!(e instanceof NetlinkError) || 'field' in e) return e;
  let field: string | undefined;
  const path = e.attributePath;
  if (path) for (const [re, f] of FIELDS) {
    const m = re.exec(path);
    if (m) { field = m[0].replace(re, f); break; }
  }
  if (!field && e.extackMessage) field = MESSAGES.find(([re]) => re.test(e.extackMessage!))?.[1];
  if (field) {
    Object.defineProperty(e, 'field', { value: field, enumerable: true });
    e.message += ` (option ${field})`;
  }
  return e;
}
