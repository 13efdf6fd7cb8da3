// Neighbour entries (`ip neigh`): ARP and NDP entries and proxy entries, list, get, add,
// replace, change, delete and flush, one or many in a transaction. The bridge FDB
// (`bridge fdb`) is `neighbours.fdb` (see fdb.ts).
import { NLM_F_CREATE, NLM_F_EXCL, NLM_F_REPLACE } from '../core/constants.js';
import { NetlinkArgumentError } from '../core/errors.js';
import { AF_INET, AF_INET6 } from '../core/rtnetlink.js';
import { opCall, opItem, type OpReply, type OpRequest } from '../ynl/op-call.js';
import { description as rtNeigh, type NtfFlagsEnum, type NudStateEnum, type Types as RtNeigh } from '../ynl/families/rt-neigh.js';
import { checkBool, checkLladdr, checkNames, checkSpec } from './arg-check.js';
import { deleteAll, oneOrMany, type BulkResult, type EntryTable, type OneOrMany, type OneOrManySync } from './bulk.js';
import { bindOps, type RouteContext, type RouteOptions, type Scope, type Step } from './context.js';
import { makeFdb, type Fdb } from './fdb.js';
import { familyName, familyOf, parseFamily } from './inet.js';
import { routeProtocols } from './names.js';
import { flagWords, NUD_STATES, stateWords, ticksToSeconds, type NudState } from './neigh-words.js';

type NeighReply = OpReply<RtNeigh, 'getneigh', 'dump'>;
type NewNeigh = OpRequest<RtNeigh, 'newneigh', 'do'>;
type DelNeigh = OpRequest<RtNeigh, 'delneigh', 'do'>;

/** An entry as `ip -j -s neigh` shows it, with the link's index and name. */
export interface Neighbour {
  family: 'inet' | 'inet6';
  dst: string;
  ifindex: number;
  ifname?: string;
  lladdr?: string;
  /** ip's state words, lowercase ('reachable', 'stale', 'permanent'...; 'none' for no state). [] for proxy entries. */
  state: NudState[];
  /** An IPv6 router (NTF_ROUTER). */
  router: boolean;
  /** A proxy entry (`ip neigh add proxy ...`). */
  proxy: boolean;
  /** Other flags as ip prints them: 'extern_learn', 'offload', 'managed', 'use'... */
  flags: string[];
  probes?: number;
  /** Seconds since the entry was last used, confirmed, updated (`ip -s neigh`). */
  used?: number;
  confirmed?: number;
  updated?: number;
  refcnt?: number;
  /** Who added it (iproute2's rt_protos name), when set. */
  protocol?: string;
}

/** What add(), replace() and change() take. */
export interface NeighbourSpec {
  /** The neighbour's IPv4 or IPv6 address. */
  dst: string;
  dev: string | number;
  /** Its link-layer address ('02:00:00:00:00:01'); not for proxy entries. */
  lladdr?: string;
  /** Default 'permanent' (as `ip neigh add`). */
  state?: NudState | NudState[];
  /** A proxy entry: answer for dst on dev (`ip neigh add proxy`). */
  proxy?: boolean;
  /** The neighbour is an IPv6 router. */
  router?: boolean;
  /** Learned by a control plane (NTF_EXT_LEARNED, `extern_learn`). */
  externLearn?: boolean;
  /** Kept resolved by the kernel (NTF_EXT_MANAGED, `managed`). */
  managed?: boolean;
  /** Who added it: an rt_protos name or number. */
  protocol?: string | number;
}

/** What get() and delete() take. */
export interface NeighbourKey {
  dst: string;
  dev: string | number;
  proxy?: boolean;
}

/** Selects entries: every given field must match. */
export interface NeighbourFilter {
  dev?: string | number;
  family?: 4 | 6 | 'inet' | 'inet6';
  /** Entries in any of these states ('all': any). */
  state?: NudState | NudState[] | 'all';
  /** Proxy entries instead of the others. */
  proxy?: boolean;
  /** Entries on ports of this master (a bridge, a VRF). */
  master?: string | number;
  router?: boolean;
}

const SPEC_KEYS = ['dst', 'dev', 'lladdr', 'state', 'proxy', 'router', 'externLearn', 'managed', 'protocol'] as const;
const KEY_KEYS = ['dst', 'dev', 'proxy'] as const;
const FILTER_KEYS = ['dev', 'family', 'state', 'proxy', 'master', 'router'] as const;

/** A caller's state words as the kernel's NUD bits ('none' is no bit). */
export function nudBits(v: unknown, option = 'state'): NudStateEnum[] {
  return checkNames(v, option, NUD_STATES).filter((s): s is Exclude<NudState, 'none'> => s !== 'none');
}

/** A dumped entry as a domain object. */
export function toNeighbour(r: NeighReply, scope: Scope): Neighbour {
  const flags = r.ndmFlags ?? [];
  const proxy = flags.includes('proxy');
  const n: Neighbour = {
    family: familyName(r.ndmFamily) as Neighbour['family'],
    dst: r.dst as string,
    ifindex: r.ndmIfindex,
    ifname: scope.ifname(r.ndmIfindex),
    state: proxy ? [] : stateWords(r.ndmState),
    router: flags.includes('router'),
    proxy,
    flags: flagWords(flags, r.flagsExt, ['router', 'proxy']),
  };
  if (r.lladdr !== undefined) n.lladdr = r.lladdr;
  if (r.probes !== undefined) n.probes = r.probes;
  const ci = r.cacheinfo;
  if (ci && !Buffer.isBuffer(ci)) {
    n.used = ticksToSeconds(ci.used);
    n.confirmed = ticksToSeconds(ci.confirmed);
    n.updated = ticksToSeconds(ci.updated);
    n.refcnt = ci.refcnt;
  }
  if (r.protocol !== undefined) n.protocol = routeProtocols().name(r.protocol);
  return n;
}

function newNeigh(scope: Scope, spec: NeighbourSpec): NewNeigh {
  const s = checkSpec(spec, 'neighbour', SPEC_KEYS);
  if (s.dst === undefined) throw new NetlinkArgumentError('dst', "is required (the neighbour's address)", 'ERR_INVALID_ARG_TYPE');
  if (s.dev === undefined) throw new NetlinkArgumentError('dev', 'is required', 'ERR_INVALID_ARG_TYPE');
  const family = familyOf(s.dst as string, 'dst');
  const flags: NtfFlagsEnum[] = [];
  if (checkBool(s.proxy, 'proxy')) flags.push('proxy');
  if (checkBool(s.router, 'router')) flags.push('router');
  if (checkBool(s.externLearn, 'externLearn')) flags.push('ext-learned');
  const req: NewNeigh = {
    ndmFamily: family, ndmIfindex: scope.ifindex(s.dev as string | number), ndmFlags: flags, ndmType: 0,
    ndmState: s.state === undefined ? ['permanent'] : nudBits(s.state), dst: s.dst as string,
  };
  if (s.lladdr !== undefined) {
    if (flags.includes('proxy')) throw new NetlinkArgumentError('lladdr', 'is not for proxy entries');
    req.lladdr = checkLladdr(s.lladdr);
  }
  if (checkBool(s.managed, 'managed')) req.flagsExt = ['managed'];
  if (s.protocol !== undefined) req.protocol = routeProtocols().value(s.protocol as string | number, 'protocol');
  return req;
}

function delNeigh(scope: Scope, key: NeighbourKey): DelNeigh {
  const s = checkSpec(key, 'neighbour', KEY_KEYS);
  if (s.dst === undefined) throw new NetlinkArgumentError('dst', 'is required', 'ERR_INVALID_ARG_TYPE');
  if (s.dev === undefined) throw new NetlinkArgumentError('dev', 'is required', 'ERR_INVALID_ARG_TYPE');
  return {
    ndmFamily: familyOf(s.dst as string, 'dst'), ndmIfindex: scope.ifindex(s.dev as string | number),
    ndmFlags: checkBool(s.proxy, 'proxy') ? ['proxy'] : [], dst: s.dst as string,
  };
}

/**
 * The dump of a filter's entries. `defaultStates`: the states selected when the filter
 * names none (flush leaves permanent and noarp entries alone, as `ip neigh flush` does).
 */
function listStep(scope: Scope, filter: NeighbourFilter | undefined, defaultStates?: readonly NudState[]): Step<Neighbour[]> {
  const f = filter === undefined ? {} : checkSpec(filter, 'filter', FILTER_KEYS);
  const family = parseFamily(f.family) ?? 0;
  const proxy = checkBool(f.proxy, 'proxy') ?? false;
  const router = checkBool(f.router, 'router');
  const req: OpRequest<RtNeigh, 'getneigh', 'dump'> = { ndmFamily: family, ndmFlags: proxy ? ['proxy'] : [] };
  if (f.dev !== undefined) req.ifindex = scope.ifindex(f.dev as string | number);
  if (f.master !== undefined) req.master = scope.ifindex(f.master as string | number, 'master');
  const states = f.state === undefined || f.state === 'all' ? (f.state === 'all' ? undefined : defaultStates)
    : checkNames(f.state, 'state', NUD_STATES);
  return {
    ...opCall(rtNeigh, 'getneigh', 'dump', req),
    result: (rs: readonly NeighReply[]) => {
      const out: Neighbour[] = [];
      for (const r of rs) {
        // an unfiltered dump also walks the bridge FDB (AF_BRIDGE): that is neighbours.fdb
        if (r.ndmFamily !== AF_INET && r.ndmFamily !== AF_INET6) continue;
        if (req.ifindex !== undefined && r.ndmIfindex !== req.ifindex) continue;
        const n = toNeighbour(r, scope);
        if (n.proxy !== proxy) continue;
        if (router !== undefined && n.router !== router) continue;
        if (states && !proxy && !n.state.some((s) => states.includes(s))) continue;
        out.push(n);
      }
      return out;
    },
  };
}

const delItem = (scope: Scope, key: NeighbourKey) => opItem(rtNeigh, 'delneigh', delNeigh(scope, key));

/** add/replace/change: the same request with different NLM_F flags. */
function upsert(flags: number) {
  return (scope: Scope, spec: NeighbourSpec | readonly NeighbourSpec[]) =>
    oneOrMany(scope, spec, (sc, s: NeighbourSpec) => opItem(rtNeigh, 'newneigh', newNeigh(sc, s), { flags }));
}

const builders = {
  list: (scope: Scope, filter?: NeighbourFilter) => listStep(scope, filter),

  get: (scope: Scope, key: NeighbourKey): Step<Neighbour> => {
    const req = delNeigh(scope, key);
    return {
      ...opCall(rtNeigh, 'getneigh', 'do', { ndmFamily: req.ndmFamily, ndmIfindex: req.ndmIfindex, ndmFlags: req.ndmFlags, dst: req.dst }),
      result: (rs: readonly NeighReply[]) => toNeighbour(rs[0], scope),
    };
  },

  add: upsert(NLM_F_CREATE | NLM_F_EXCL),
  /** Creates or overwrites (`ip neigh replace`). */
  replace: upsert(NLM_F_CREATE | NLM_F_REPLACE),
  /** Overwrites an existing entry (`ip neigh change`): ENOENT if there is none. */
  change: upsert(NLM_F_REPLACE),

  delete: (scope: Scope, key: NeighbourKey | readonly NeighbourKey[]) => oneOrMany(scope, key, delItem),

  /**
   * Deletes the entries a filter selects, in one transaction. Without a `state` it leaves
   * permanent and noarp entries alone, as `ip neigh flush` does (`state: 'all'` takes them too).
   */
  flush: (scope: Scope, filter: NeighbourFilter): Step<BulkResult> => {
    if (filter === undefined) throw new NetlinkArgumentError('filter', 'is required (as `ip neigh flush` requires a selector; {} selects every entry)', 'ERR_INVALID_ARG_TYPE');
    const list = listStep(scope, filter, NUD_STATES.filter((s) => s !== 'permanent' && s !== 'noarp'));
    return deleteAll(list, (n): NeighbourKey => ({ dst: n.dst, dev: n.ifindex, proxy: n.proxy }), delItem);
  },
};

/** The methods of `rt.neighbours`, and the bridge FDB. */
export interface Neighbours extends EntryTable<Neighbour, NeighbourSpec, NeighbourKey, NeighbourFilter> {
  get(key: NeighbourKey, opts?: RouteOptions): Promise<Neighbour>;
  getSync(key: NeighbourKey, opts?: RouteOptions): Neighbour;
  /** REPLACE of an existing entry (`ip neigh change`): ENOENT if there is none. */
  change: OneOrMany<NeighbourSpec>;
  changeSync: OneOrManySync<NeighbourSpec>;
  /** The bridge forwarding database (`bridge fdb`). */
  readonly fdb: Fdb;
}

export function makeNeighbours(ctx: RouteContext): Neighbours {
  return Object.assign(bindOps(ctx, builders), { fdb: makeFdb(ctx) }) as unknown as Neighbours;
}

export type { FdbEntry, FdbSpec, FdbKey, FdbFilter, FdbQuery, Fdb } from './fdb.js';
