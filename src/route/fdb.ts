// The bridge forwarding database (`bridge fdb`): MAC entries of bridge ports (`master`) and
// of devices' own tables (`self`: a vxlan's remotes, a port's unicast/multicast list).
import { NLM_F_APPEND, NLM_F_CREATE, NLM_F_EXCL, NLM_F_REPLACE } from '../core/constants.js';
import { NetlinkArgumentError } from '../core/errors.js';
import { AF_BRIDGE } from '../core/rtnetlink.js';
import { opCall, opItem, type OpReply, type OpRequest } from '../ynl/op-call.js';
import { description as rtNeigh, type NtfFlagsEnum, type NudStateEnum, type Types as RtNeigh } from '../ynl/families/rt-neigh.js';
import { checkBool, checkLladdr, checkNames, checkSpec, checkUint } from './arg-check.js';
import { deleteAll, oneOrMany, type BulkResult, type EntryTable, type OneOrMany, type OneOrManySync } from './bulk.js';
import { bindOps, type RouteContext, type RouteOptions, type Scope, type Step } from './context.js';
import { familyOf } from './inet.js';
import { flagWords, ticksToSeconds } from './neigh-words.js';

type FdbReply = OpReply<RtNeigh, 'getneigh', 'dump'>;
type NewFdb = OpRequest<RtNeigh, 'newneigh', 'do'>;
type DelFdb = OpRequest<RtNeigh, 'delneigh', 'do'>;

/** bridge's state words: 'permanent' (local), 'static', 'stale', 'dynamic' (bridge -j prints it as ''). */
export const FDB_STATES = ['permanent', 'static', 'dynamic', 'stale'] as const;
export type FdbState = (typeof FDB_STATES)[number];

/** The NUD bits `bridge fdb add` sends for each state word. */
const STATE_BITS: Record<Exclude<FdbState, 'stale'>, NudStateEnum[]> = {
  permanent: ['noarp', 'permanent'],
  static: ['noarp', 'reachable'],
  dynamic: ['reachable'],
};

/** An entry as `bridge -j -s fdb` shows it, with the indexes beside the names. */
export interface FdbEntry {
  lladdr: string;
  ifindex: number;
  ifname?: string;
  /** The bridge (or other master) the entry belongs to (`master` entries). */
  master?: string;
  masterIndex?: number;
  vlan?: number;
  /** A vxlan entry's remote, UDP port, VNI, source VNI and outgoing link. */
  dst?: string;
  port?: number;
  vni?: number;
  srcVni?: number;
  via?: string;
  /** As bridge prints them: 'self', 'master', 'router', 'extern_learn', 'offload', 'sticky', 'locked'... */
  flags: string[];
  state: FdbState | string;
  /** Seconds since last used / updated (`bridge -s fdb`). */
  used?: number;
  updated?: number;
}

/** What add(), append() and replace() take (`bridge fdb add LLADDR dev DEV ...`). */
export interface FdbSpec {
  lladdr: string;
  dev: string | number;
  /** In the master's (the bridge's) table (NTF_MASTER). */
  master?: boolean;
  /** In the device's own table (NTF_SELF): the default when neither is given, as bridge does. */
  self?: boolean;
  /**
   * Default 'permanent', as `bridge fdb add` assumes (on a bridge port that makes a local
   * entry: frames to it are delivered to the host; 'static' forwards them to the port).
   */
  state?: Exclude<FdbState, 'stale'>;
  vlan?: number;
  /** vxlan: the remote's IP address, UDP port, VNI and the link to reach it by. */
  dst?: string;
  port?: number;
  vni?: number;
  via?: string | number;
  sticky?: boolean;
  externLearn?: boolean;
}

/** What delete() takes (`bridge fdb del LLADDR dev DEV ...`). */
export interface FdbKey {
  lladdr: string;
  dev: string | number;
  master?: boolean;
  self?: boolean;
  vlan?: number;
  dst?: string;
  port?: number;
  vni?: number;
  via?: string | number;
}

/** What get() takes (`bridge fdb get LLADDR br BRIDGE | dev PORT [vlan VID]`). */
export interface FdbQuery {
  lladdr: string;
  /** The bridge to look in... */
  master?: string | number;
  /** ...or the port (or device, with `self`). */
  dev?: string | number;
  /** The device's own table instead of its master's. */
  self?: boolean;
  vlan?: number;
  vni?: number;
}

/** Selects entries: every given field must match. */
export interface FdbFilter {
  /** Entries of this port or device. */
  dev?: string | number;
  /** Entries of this bridge: its ports' (and, as `bridge fdb show br`, the bridge's and ports' own). */
  master?: string | number;
  vlan?: number;
  state?: FdbState | FdbState[];
}

const SPEC_KEYS = ['lladdr', 'dev', 'master', 'self', 'state', 'vlan', 'dst', 'port', 'vni', 'via', 'sticky', 'externLearn'] as const;
const KEY_KEYS = ['lladdr', 'dev', 'master', 'self', 'vlan', 'dst', 'port', 'vni', 'via'] as const;
const FILTER_KEYS = ['dev', 'master', 'vlan', 'state'] as const;
const QUERY_KEYS = ['lladdr', 'master', 'dev', 'self', 'vlan', 'vni'] as const;

function stateOf(bits: FdbReply['ndmState']): FdbState {
  if (bits.includes('permanent')) return 'permanent';
  if (bits.includes('noarp')) return 'static';
  if (bits.includes('stale')) return 'stale';
  return 'dynamic';
}

export function toFdbEntry(r: FdbReply, scope: Scope): FdbEntry {
  const e: FdbEntry = {
    lladdr: r.lladdr ?? '',
    ifindex: r.ndmIfindex,
    ifname: scope.ifname(r.ndmIfindex),
    flags: flagWords(r.ndmFlags, r.flagsExt),
    state: stateOf(r.ndmState),
  };
  if (r.master !== undefined) {
    e.masterIndex = r.master;
    e.master = scope.ifname(r.master);
  }
  if (r.vlan !== undefined) e.vlan = r.vlan;
  if (r.dst !== undefined) e.dst = r.dst as string;
  if (r.port !== undefined) e.port = r.port;
  if (r.vni !== undefined) e.vni = r.vni;
  if (r.srcVni !== undefined) e.srcVni = r.srcVni;
  if (r.ifindex !== undefined) e.via = scope.ifname(r.ifindex) ?? String(r.ifindex);
  const ci = r.cacheinfo;
  if (ci && !Buffer.isBuffer(ci)) {
    e.used = ticksToSeconds(ci.used);
    e.updated = ticksToSeconds(ci.updated);
  }
  return e;
}

/** The request fields an entry's key and spec share (flags, link, MAC, VLAN, vxlan remote). */
function keyFields(scope: Scope, s: Partial<Record<(typeof KEY_KEYS)[number], unknown>>): NewFdb & DelFdb {
  if (s.lladdr === undefined) throw new NetlinkArgumentError('lladdr', "is required (the MAC address, '02:00:00:00:00:01')", 'ERR_INVALID_ARG_TYPE');
  if (s.dev === undefined) throw new NetlinkArgumentError('dev', 'is required', 'ERR_INVALID_ARG_TYPE');
  const flags: NtfFlagsEnum[] = [];
  if (checkBool(s.master, 'master')) flags.push('master');
  if (checkBool(s.self, 'self') || flags.length === 0) flags.push('self');
  const req: NewFdb & DelFdb = { ndmFamily: AF_BRIDGE, ndmIfindex: scope.ifindex(s.dev as string | number), ndmFlags: flags, ndmType: 0, lladdr: checkLladdr(s.lladdr) };
  if (s.vlan !== undefined) req.vlan = checkUint(s.vlan, 'vlan', 4094);
  if (s.dst !== undefined) {
    familyOf(s.dst as string, 'dst');
    req.dst = s.dst as string;
  }
  if (s.port !== undefined) req.port = checkUint(s.port, 'port', 0xffff);
  if (s.vni !== undefined) req.vni = checkUint(s.vni, 'vni', 0xffffff);
  if (s.via !== undefined) req.ifindex = scope.ifindex(s.via as string | number, 'via');
  return req;
}

function newFdb(scope: Scope, spec: FdbSpec): NewFdb {
  const s = checkSpec(spec, 'fdb entry', SPEC_KEYS);
  const req: NewFdb = keyFields(scope, s);
  req.ndmState = STATE_BITS[s.state === undefined ? 'permanent' : checkNames(s.state, 'state', ['permanent', 'static', 'dynamic'] as const)[0]];
  if (checkBool(s.sticky, 'sticky')) req.ndmFlags = [...(req.ndmFlags ?? []), 'sticky'];
  if (checkBool(s.externLearn, 'externLearn')) req.ndmFlags = [...(req.ndmFlags ?? []), 'ext-learned'];
  return req;
}

const delFdb = (scope: Scope, key: FdbKey): DelFdb => keyFields(scope, checkSpec(key, 'fdb entry', KEY_KEYS));
const delItem = (scope: Scope, key: FdbKey) => opItem(rtNeigh, 'delneigh', delFdb(scope, key));

function listStep(scope: Scope, filter: FdbFilter | undefined, defaultStates?: readonly FdbState[]): Step<FdbEntry[]> {
  const f = filter === undefined ? {} : checkSpec(filter, 'filter', FILTER_KEYS);
  const req: OpRequest<RtNeigh, 'getneigh', 'dump'> = { ndmFamily: AF_BRIDGE };
  // the kernel filters by port (ndm_ifindex) and by bridge (NDA_MASTER) itself
  if (f.dev !== undefined) req.ndmIfindex = scope.ifindex(f.dev as string | number);
  if (f.master !== undefined) req.master = scope.ifindex(f.master as string | number, 'master');
  const vlan = f.vlan === undefined ? undefined : checkUint(f.vlan, 'vlan', 4094);
  const states = f.state === undefined ? defaultStates : checkNames(f.state, 'state', FDB_STATES);
  return {
    ...opCall(rtNeigh, 'getneigh', 'dump', req),
    result: (rs: readonly FdbReply[]) => {
      const out: FdbEntry[] = [];
      for (const r of rs) {
        if (r.ndmFamily !== AF_BRIDGE) continue;
        if (req.ndmIfindex !== undefined && r.ndmIfindex !== req.ndmIfindex) continue;
        if (vlan !== undefined && r.vlan !== vlan) continue;
        const e = toFdbEntry(r, scope);
        if (states && !states.includes(e.state as FdbState)) continue;
        out.push(e);
      }
      return out;
    },
  };
}

/** The key that deletes a listed entry. */
function keyOf(e: FdbEntry): FdbKey {
  const k: FdbKey = { lladdr: e.lladdr, dev: e.ifindex };
  if (e.masterIndex !== undefined && !e.flags.includes('self')) k.master = true;
  else k.self = true;
  if (e.vlan !== undefined) k.vlan = e.vlan;
  if (e.dst !== undefined) k.dst = e.dst;
  if (e.port !== undefined) k.port = e.port;
  if (e.vni !== undefined) k.vni = e.vni;
  return k;
}

function upsert(flags: number) {
  return (scope: Scope, spec: FdbSpec | readonly FdbSpec[]) => oneOrMany(scope, spec, (sc, s: FdbSpec) => opItem(rtNeigh, 'newneigh', newFdb(sc, s), { flags }));
}

function getFdb(scope: Scope, query: FdbQuery): OpRequest<RtNeigh, 'getneigh', 'do'> {
  const q = checkSpec(query, 'fdb query', QUERY_KEYS);
  if (q.master === undefined && q.dev === undefined) throw new NetlinkArgumentError('master', 'or dev is required (the bridge or the port to look in)', 'ERR_INVALID_ARG_TYPE');
  const req: OpRequest<RtNeigh, 'getneigh', 'do'> = {
    ndmFamily: AF_BRIDGE, ndmFlags: checkBool(q.self, 'self') ? ['self'] : [], lladdr: checkLladdr(q.lladdr),
    ndmIfindex: q.dev === undefined ? 0 : scope.ifindex(q.dev as string | number),
  };
  if (q.master !== undefined) req.master = scope.ifindex(q.master as string | number, 'master');
  if (q.vlan !== undefined) req.vlan = checkUint(q.vlan, 'vlan', 4094);
  if (q.vni !== undefined) req.vni = checkUint(q.vni, 'vni', 0xffffff);
  return req;
}

const builders = {
  list: (scope: Scope, filter?: FdbFilter) => listStep(scope, filter),
  /** One entry (ENOENT "Fdb entry not found" if there is none). */
  get: (scope: Scope, query: FdbQuery): Step<FdbEntry> => ({
    ...opCall(rtNeigh, 'getneigh', 'do', getFdb(scope, query)),
    result: (rs: readonly FdbReply[]) => toFdbEntry(rs[0], scope),
  }),
  add: upsert(NLM_F_CREATE | NLM_F_EXCL),
  /** Another remote for the same MAC (vxlan: `bridge fdb append 00:00:00:00:00:00 dev vx0 dst ...`). */
  append: upsert(NLM_F_CREATE | NLM_F_APPEND),
  replace: upsert(NLM_F_CREATE | NLM_F_REPLACE),
  delete: (scope: Scope, key: FdbKey | readonly FdbKey[]) => oneOrMany(scope, key, delItem),
  /** Deletes the entries a filter selects; without a `state`, all but 'permanent' ones (the links' own addresses). */
  flush: (scope: Scope, filter: FdbFilter): Step<BulkResult> => {
    if (filter === undefined) throw new NetlinkArgumentError('filter', 'is required ({} selects every entry)', 'ERR_INVALID_ARG_TYPE');
    return deleteAll(listStep(scope, filter, ['static', 'dynamic', 'stale']), keyOf, delItem);
  },
};

/** The methods of `rt.neighbours.fdb`. */
export interface Fdb extends EntryTable<FdbEntry, FdbSpec, FdbKey, FdbFilter> {
  get(query: FdbQuery, opts?: RouteOptions): Promise<FdbEntry>;
  getSync(query: FdbQuery, opts?: RouteOptions): FdbEntry;
  /** CREATE|APPEND: another remote for the same MAC (vxlan). */
  append: OneOrMany<FdbSpec>;
  appendSync: OneOrManySync<FdbSpec>;
}

export function makeFdb(ctx: RouteContext): Fdb {
  return bindOps(ctx, builders) as unknown as Fdb;
}
