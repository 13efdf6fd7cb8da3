// Nexthop objects and groups (`ip nexthop`): list, get, add, replace, delete, flush and the
// buckets of resilient groups, over nlkit's rt-nexthop spec (src/ynl/specs/rt-nexthop.yaml).
import { NLM_F_CREATE, NLM_F_ECHO, NLM_F_EXCL, NLM_F_REPLACE } from '../core/constants.js';
import { NetlinkArgumentError, NetlinkSystemError } from '../core/errors.js';
import type { TransactionResult } from '../core/transaction.js';
import { constants } from 'node:os';
import { AF_INET, AF_INET6, AF_UNSPEC } from '../core/rtnetlink.js';
import type { RawMessage } from '../core/message.js';
import { opCall, opDecoder, opItem } from '../ynl/op-call.js';
import {
  description as rtNexthop, type GetnexthopbucketDumpReply, type GetnexthopbucketDumpRequest, type GetnexthopDoReply, type GetnexthopDumpRequest, type NewnexthopDoRequest,
} from '../ynl/families/rt-nexthop.js';
import { bindOps, type BoundOps, type RouteContext, type RouteOptions, type Scope, type Step } from './context.js';
import { familyName, familyOf, parseFamily } from './inet.js';
import { routeProtocols, routeScopes } from './names.js';
import { checkBool, checkSpec } from './arg-check.js';
import { bulkOf, deleteAll, oneOrMany, type BulkResult, type OneOrMany, type OneOrManySync } from './bulk.js';
import { namingOptions, uint, word } from './spec-values.js';
import { decodeEncap, encodeEncap, type RouteEncap } from './route-encap.js';

/** A member of a group: a nexthop id and its weight (1 by default). */
export interface NexthopGroupMember {
  id: number;
  weight?: number;
}

/** A nexthop to add or replace, in `ip nexthop`'s words. */
export interface NexthopSpec {
  /** 1..2^32-1; the kernel picks one when absent (add resolves to the nexthop, with its id). */
  id?: number;
  /** Gateway address (IPv4 or IPv6; sets the family). */
  via?: string;
  /** Output device (name or index). */
  dev?: string | number;
  /** Drop packets (no gateway or device). */
  blackhole?: boolean;
  /** Treat the gateway as on-link even when no route says so. */
  onlink?: boolean;
  /** A nexthop of the bridge FDB (VXLAN): no device. */
  fdb?: boolean;
  /** 'inet' or 'inet6' when `via` does not say (blackhole, device-only). Default 'inet'. */
  family?: 'inet' | 'inet6' | 4 | 6;
  /** Who installed it: 'static', 'boot', a name from rt_protos or a number. */
  protocol?: string | number;
  /** Make a group of these nexthops ({id, weight} or bare ids). */
  group?: (NexthopGroupMember | number)[];
  /** Group type: 'mpath' (hash-threshold, default) or 'resilient'. */
  type?: 'mpath' | 'resilient';
  /** Resilient groups: number of buckets (default 128 in the kernel). */
  buckets?: number;
  /** Resilient groups: seconds a bucket must be idle before it may move (kernel default 120). */
  idleTimer?: number;
  /** Resilient groups: seconds a group may stay unbalanced before buckets move regardless (0: never). */
  unbalancedTimer?: number;
  /** Collect per-member packet counts in hardware too (NHA_HW_STATS_ENABLE, kernels from 6.7). */
  hwStats?: boolean;
  /** Lightweight-tunnel encapsulation, as a route's (`ip nexthop add ... encap mpls 100 via ...`). */
  encap?: RouteEncap;
}

/** A resilient group's parameters, as `ip -j nexthop` shows them (seconds). */
export interface ResilientArgs {
  buckets: number;
  idleTimer: number;
  unbalancedTimer: number;
  unbalancedTime: number;
}

/** A nexthop as `ip -j nexthop` shows it, in camelCase. */
export interface Nexthop {
  id: number;
  /** 'inet' or 'inet6' (absent for groups). */
  family?: string;
  gateway?: string;
  dev?: string;
  ifindex?: number;
  scope?: string;
  /** Who installed it ('unspec' when nobody said). */
  protocol: string;
  /** RTNH_F_* names: onlink, dead, linkdown, offload, trap... */
  flags: string[];
  blackhole?: true;
  fdb?: true;
  group?: { id: number; weight: number }[];
  type?: 'mpath' | 'resilient';
  resilientArgs?: ResilientArgs;
  /** Encapsulation, as a route's (`encap` in `ip -j nexthop`). */
  encap?: RouteEncap;
  hwStats?: boolean;
  /** Asked for with `stats`: packets each member of a group forwarded (in hardware too, where offloaded). */
  groupStats?: { id: number; packets: bigint; packetsHw?: bigint }[];
}

/** Which nexthops list() and flush() take (the kernel filters, as for `ip nexthop show`). */
export interface NexthopFilter {
  /** Only this one (an empty list when it does not exist). */
  id?: number;
  /** Only nexthops through this device. */
  dev?: string | number;
  /** Only nexthops through devices enslaved to this master (a VRF...). */
  master?: string | number;
  /** Only groups. */
  groups?: boolean;
  /** Only FDB nexthops. */
  fdb?: boolean;
  /** Groups with packet counts per member (`groupStats`; kernels from 6.7, `ip -s nexthop`). */
  stats?: boolean;
}

/** One bucket of a resilient group (`ip nexthop bucket`). */
export interface NexthopBucket {
  /** The group's id. */
  id: number;
  index: number;
  /** Seconds since the bucket last forwarded a packet. */
  idleTime: number;
  /** The nexthop the bucket points to. */
  nhid: number;
}

const SPEC_KEYS = [
  'id', 'via', 'dev', 'blackhole', 'onlink', 'fdb', 'family', 'protocol', 'group', 'type', 'buckets', 'idleTimer', 'unbalancedTimer', 'hwStats', 'encap',
] as const satisfies readonly (keyof NexthopSpec)[];
const FILTER_KEYS = ['id', 'dev', 'master', 'groups', 'fdb', 'stats'] as const satisfies readonly (keyof NexthopFilter)[];
/** Request attributes as the caller's options (for the kernel's errors). */
const NEXTHOP_FIELDS = {
  id: 'id', group: 'group', groupType: 'type', blackhole: 'blackhole', oif: 'dev', gateway: 'via', fdb: 'fdb', master: 'master', groups: 'groups',
  'resGroup.buckets': 'buckets', 'resGroup.idleTimer': 'idleTimer', 'resGroup.unbalancedTimer': 'unbalancedTimer', resGroup: 'type', hwStatsEnable: 'hwStats',
};
const GROUP_TYPES = { mpath: 'mpath', resilient: 'res' } as const;
const U32 = 0xffffffff;
/** Resilient timers travel as clock_t: USER_HZ (100) ticks a second. */
const USER_HZ = 100;

const nexthopId = (v: unknown, option = 'id') => uint(v, option, U32, 1);
const seconds = (v: unknown, option: string) => {
  if (typeof v !== 'number' || !(v >= 0) || v * USER_HZ > U32)
    throw new NetlinkArgumentError(option, `must be a number of seconds 0..${Math.floor(U32 / USER_HZ)}, got ${String(v)}`, typeof v === 'number' ? 'ERR_OUT_OF_RANGE' : 'ERR_INVALID_ARG_TYPE');
  return Math.round(v * USER_HZ);
};

function groupMembers(v: unknown): { entries: { id: number; weight: number; weightHigh: number }[] } {
  if (!Array.isArray(v) || v.length === 0) throw new NetlinkArgumentError('group', 'must be a non-empty list of {id, weight} or ids', 'ERR_INVALID_ARG_TYPE');
  return {
    entries: v.map((m, i) => {
      const option = `group[${i}]`;
      const { id, weight = 1 } = typeof m === 'number' ? { id: m } : checkSpec(m, option, ['id', 'weight']) as NexthopGroupMember;
      // the wire holds weight - 1: its low byte in `weight`, the high one in `weight-high` (6.12+)
      const w = uint(weight, `${option}.weight`, 65536, 1) - 1;
      return { id: nexthopId(id, `${option}.id`), weight: w & 0xff, weightHigh: w >> 8 };
    }),
  };
}

/** The request for a nexthop spec (ip's defaults: the family from the gateway, else IPv4). */
export function nexthopRequest(scope: Scope, spec: unknown): NewnexthopDoRequest {
  const s = checkSpec(spec, 'nexthop', SPEC_KEYS) as NexthopSpec;
  const req: NewnexthopDoRequest = { nhFlags: [] };
  if (s.id !== undefined) req.id = nexthopId(s.id);
  if (s.protocol !== undefined) req.nhProtocol = routeProtocols().value(s.protocol, 'protocol');
  if (s.hwStats !== undefined) req.hwStatsEnable = checkBool(s.hwStats, 'hwStats') ? 1 : 0;
  const isGroup = s.group !== undefined;
  if (isGroup) {
    for (const k of ['via', 'dev', 'blackhole', 'onlink', 'encap'] as const)
      if (s[k] !== undefined) throw new NetlinkArgumentError(k, 'does not go with group (a group has only members)');
    req.nhFamily = AF_UNSPEC;
    req.group = groupMembers(s.group);
    const type = s.type === undefined ? 'mpath' : word(s.type, 'type', Object.keys(GROUP_TYPES) as (keyof typeof GROUP_TYPES)[]);
    req.groupType = GROUP_TYPES[type];
    if (type === 'resilient') {
      req.resGroup = {};
      if (s.buckets !== undefined) req.resGroup.buckets = uint(s.buckets, 'buckets', 0xffff, 1);
      if (s.idleTimer !== undefined) req.resGroup.idleTimer = seconds(s.idleTimer, 'idleTimer');
      if (s.unbalancedTimer !== undefined) req.resGroup.unbalancedTimer = seconds(s.unbalancedTimer, 'unbalancedTimer');
    }
  } else {
    for (const k of ['type', 'buckets', 'idleTimer', 'unbalancedTimer'] as const)
      if (s[k] !== undefined) throw new NetlinkArgumentError(k, 'is for groups (give group)');
    const given = parseFamily(s.family);
    req.nhFamily = s.via !== undefined ? familyOf(s.via, 'via') : (given ?? AF_INET);
    if (given !== undefined && given !== req.nhFamily) throw new NetlinkArgumentError('via', `is not an ${given === AF_INET ? 'IPv4' : 'IPv6'} address`);
    if (checkBool(s.blackhole, 'blackhole')) {
      for (const k of ['via', 'dev', 'onlink', 'fdb', 'encap'] as const) if (s[k] !== undefined) throw new NetlinkArgumentError(k, 'does not go with blackhole');
      req.blackhole = true;
    } else if (s.via === undefined && s.dev === undefined) {
      throw new NetlinkArgumentError('via', 'or dev, blackhole or group is needed');
    }
    if (s.via !== undefined) req.gateway = s.via;
    if (s.dev !== undefined) req.oif = scope.ifindex(s.dev, 'dev');
    if (checkBool(s.onlink, 'onlink')) req.nhFlags = ['onlink'];
    // the same lwtunnel sub-message as a route's RTA_ENCAP (one encoder for both)
    if (s.encap !== undefined) Object.assign(req, encodeEncap(s.encap) as Pick<NewnexthopDoRequest, 'encapType' | 'encap'>);
  }
  if (checkBool(s.fdb, 'fdb')) {
    if (s.dev !== undefined) throw new NetlinkArgumentError('dev', 'does not go with fdb');
    req.fdb = true;
  }
  return req;
}

const decodeWeight = (m: { weight: number; weightHigh: number }) => ((m.weightHigh << 8) | m.weight) + 1;

/** A dumped nexthop as `ip -j nexthop` shows it. */
export function nexthopObject(m: GetnexthopDoReply, scope?: Scope): Nexthop {
  // keys in `ip -j nexthop`'s order
  const nh = { id: m.id ?? 0 } as Nexthop;
  if (m.nhFamily === AF_INET || m.nhFamily === AF_INET6) nh.family = familyName(m.nhFamily);
  if (m.group && !Buffer.isBuffer(m.group)) {
    nh.group = m.group.entries.map((e) => ({ id: e.id, weight: decodeWeight(e) }));
    nh.type = m.groupType === 'res' ? 'resilient' : 'mpath';
  }
  const res = m.resGroup;
  if (res) {
    nh.resilientArgs = {
      buckets: res.buckets ?? 0,
      idleTimer: (res.idleTimer ?? 0) / USER_HZ,
      unbalancedTimer: (res.unbalancedTimer ?? 0) / USER_HZ,
      unbalancedTime: Number(res.unbalancedTime ?? 0n) / USER_HZ,
    };
  }
  if (m.encapType !== undefined) nh.encap = decodeEncap(m as Parameters<typeof decodeEncap>[0]);
  if (m.blackhole) nh.blackhole = true;
  if (m.gateway !== undefined) nh.gateway = String(m.gateway);
  if (m.oif !== undefined) {
    const name = scope?.ifname(m.oif);
    if (name !== undefined) nh.dev = name;
    nh.ifindex = m.oif;
  }
  if (m.group === undefined && !m.blackhole) nh.scope = routeScopes().name(m.nhScope);
  nh.protocol = routeProtocols().name(m.nhProtocol);
  nh.flags = m.nhFlags.map(String);
  if (m.fdb) nh.fdb = true;
  if (m.hwStatsEnable !== undefined) nh.hwStats = m.hwStatsEnable !== 0;
  if (m.groupStats?.entry) {
    nh.groupStats = m.groupStats.entry.map((e) => {
      const one: { id: number; packets: bigint; packetsHw?: bigint } = { id: e.id ?? 0, packets: e.packets ?? 0n };
      if (e.packetsHw !== undefined) one.packetsHw = e.packetsHw;
      return one;
    });
  }
  return nh;
}

function dumpRequest(scope: Scope, f: unknown): GetnexthopDumpRequest {
  const filter = f === undefined ? {} : checkSpec(f, 'filter', FILTER_KEYS) as NexthopFilter;
  const req: GetnexthopDumpRequest = { nhFamily: AF_UNSPEC };
  if (filter.id !== undefined) req.id = nexthopId(filter.id);
  if (filter.dev !== undefined) req.oif = scope.ifindex(filter.dev, 'dev');
  if (filter.master !== undefined) req.master = scope.ifindex(filter.master, 'master');
  if (checkBool(filter.groups, 'groups')) req.groups = true;
  if (checkBool(filter.fdb, 'fdb')) req.fdb = true;
  if (checkBool(filter.stats, 'stats')) req.opFlags = ['dump-stats'];
  return req;
}

function listStep(scope: Scope, filter: unknown): Step<Nexthop[]> {
  const req = dumpRequest(scope, filter);
  // one id: a get (the kernel's dump has no id filter); a missing one is an empty list
  if (req.id !== undefined) {
    const { id, groups, fdb, oif, opFlags } = req;
    return {
      bulk: [opItem(rtNexthop, 'getnexthop', opFlags ? { id, opFlags } : { id })],
      result: (r: TransactionResult<unknown>) => {
        const item = r.items[0];
        if (!item.ok) {
          if ((item.error as { code?: string }).code === 'ENOENT') return [];
          throw item.error;
        }
        const m = item.replies[0] as GetnexthopDoReply | undefined;
        const keep = m && (!groups || m.group) && (!fdb || m.fdb) && (oif === undefined || m.oif === oif);
        return keep ? [nexthopObject(m, scope)] : [];
      },
    };
  }
  // the kernel filters too, but not every version honours NHA_FDB in a dump (6.18 does not)
  return opCall(rtNexthop, 'getnexthop', 'dump', req, {
    result: (replies) => replies.filter((m) => (!req.fdb || m.fdb) && (!req.groups || m.group)).map((m) => nexthopObject(m, scope)),
  });
}

const addFlags = NLM_F_CREATE | NLM_F_EXCL;
const isList = <S>(v: S | readonly S[]): v is readonly S[] => Array.isArray(v);
const echoed = (scope: Scope) => (replies: readonly (GetnexthopDoReply | undefined)[]): Nexthop => {
  // NLM_F_ECHO: the kernel sends the nexthop as made before its acknowledgement
  const m = replies.find((x) => x !== undefined);
  if (!m) throw new NetlinkSystemError(constants.errno.EPROTO, 'newnexthop', 'the kernel did not echo the new nexthop');
  return nexthopObject(m, scope);
};

const deleteItem = (_scope: Scope, id: number) => opItem(rtNexthop, 'delnexthop', { id: nexthopId(id) });

const OPS = {
    /** Nexthops (and groups), filtered by the kernel. */
    list: (scope: Scope, filter?: NexthopFilter): Step<Nexthop[]> => listStep(scope, filter),
    /** One nexthop by id (ENOENT when there is none). */
    get: (scope: Scope, id: number): Step<Nexthop> =>
      opCall(rtNexthop, 'getnexthop', 'do', { id: nexthopId(id) }, { result: (r) => nexthopObject(r[0], scope) }),
    /**
     * Adds a nexthop or group and resolves to it as the kernel made it (with the id it chose
     * when none was given); given an array, adds them in one transaction (a BulkResult).
     */
    add: (scope: Scope, spec: NexthopSpec | readonly NexthopSpec[]): Step<Nexthop> | Step<BulkResult> =>
      isList(spec)
        ? bulkOf(scope, spec, (sc, s) => opItem(rtNexthop, 'newnexthop', nexthopRequest(sc, s), { flags: addFlags }))
        : opCall(rtNexthop, 'newnexthop', 'do', nexthopRequest(scope, spec), { flags: addFlags | NLM_F_ECHO, result: echoed(scope) }),
    /** Replaces the nexthop of that id (or creates it), resolving to the result. */
    replace: (scope: Scope, spec: NexthopSpec): Step<Nexthop> => {
      const req = nexthopRequest(scope, spec);
      if (req.id === undefined) throw new NetlinkArgumentError('id', 'is needed to replace a nexthop');
      return opCall(rtNexthop, 'newnexthop', 'do', req, { flags: NLM_F_CREATE | NLM_F_REPLACE | NLM_F_ECHO, result: echoed(scope) });
    },
    /**
     * Deletes a nexthop by id (routes using it go too; a group losing its last member goes
     * too), or many in one transaction given an array.
     */
    delete: (scope: Scope, id: number | readonly number[]) => oneOrMany(scope, id, deleteItem),
    /** `ip nexthop flush`: deletes the nexthops the filter takes (all by default), groups before their members. */
    flush: (scope: Scope, filter?: NexthopFilter): Step<BulkResult> => deleteAll(
      { first: listStep(scope, filter), then: (list: Nexthop[]) => ({ value: [...list.filter((n) => n.group), ...list.filter((n) => !n.group)] }) },
      (n) => n.id,
      deleteItem,
    ),
    /** The buckets of resilient groups (`ip nexthop bucket show`), of one group with `id`. */
    buckets: (scope: Scope, filter?: { id?: number; dev?: string | number; nhid?: number }): Step<NexthopBucket[]> => {
      const f = filter === undefined ? {} : checkSpec(filter, 'filter', ['id', 'dev', 'nhid']) as { id?: number; dev?: string | number; nhid?: number };
      const req: GetnexthopbucketDumpRequest = { nhFamily: AF_UNSPEC };
      if (f.id !== undefined) req.id = nexthopId(f.id);
      if (f.dev !== undefined) req.oif = scope.ifindex(f.dev, 'dev');
      if (f.nhid !== undefined) req.resBucket = { nhId: nexthopId(f.nhid, 'nhid') };
      return opCall(rtNexthop, 'getnexthopbucket', 'dump', req, { result: (replies) => replies.map(bucketObject) });
    },
};

function bucketObject(m: GetnexthopbucketDumpReply): NexthopBucket {
  const b = m.resBucket ?? {};
  return { id: m.id ?? 0, index: b.index ?? 0, idleTime: Number(b.idleTime ?? 0n) / USER_HZ, nhid: b.nhId ?? 0 };
}

const decodeNexthop = opDecoder(rtNexthop, 'getnexthop', 'dump');

/**
 * For the monitor and caches: a nexthop notification (RTM_NEWNEXTHOP/DELNEXTHOP, group
 * RTNLGRP_NEXTHOP) as a Nexthop (device names through the scope), the dump that resyncs
 * them, and a nexthop's identity (its id).
 */
export const nexthopEvents = {
  decode: (m: RawMessage, scope?: Scope): Nexthop => nexthopObject(decodeNexthop(m), scope),
  dump: (scope: Scope): Step<Nexthop[]> => listStep(scope, undefined),
  key: (n: Nexthop): string => String(n.id),
};

/** Nexthops of a namespace: one spec or (bulk) an array. */
export type Nexthops = Omit<BoundOps<typeof OPS>, 'add' | 'addSync' | 'delete' | 'deleteSync'> & {
  add(spec: NexthopSpec, opts?: RouteOptions): Promise<Nexthop>;
  add(specs: readonly NexthopSpec[], opts?: RouteOptions): Promise<BulkResult>;
  addSync(spec: NexthopSpec, opts?: RouteOptions): Nexthop;
  addSync(specs: readonly NexthopSpec[], opts?: RouteOptions): BulkResult;
  delete: OneOrMany<number>;
  deleteSync: OneOrManySync<number>;
};

export function makeNexthops(ctx: RouteContext): Nexthops {
  return namingOptions(bindOps(ctx, OPS), NEXTHOP_FIELDS) as unknown as Nexthops;
}
