// The registry the monitor and the caches are built over: for each kind of routing object,
// the multicast groups its notifications come to, its message types, how a notification
// decodes into a value, how a fresh dump of them is made (for resync), and its identity.
// The monitor knows nothing else about objects: a module plugs its domain conversion here.
import type { Call } from '../core/call.js';
import { attrTable } from '../core/attributes.js';
import type { RawMessage } from '../core/message.js';
import {
  AF_INET6,
  RTM_DELADDR, RTM_DELLINK, RTM_DELNEIGH, RTM_DELNEXTHOP, RTM_DELNSID, RTM_DELROUTE, RTM_DELRULE, RTM_GETNEXTHOP, RTM_GETNSID,
  RTM_NEWADDR, RTM_NEWLINK, RTM_NEWNEIGH, RTM_NEWNEXTHOP, RTM_NEWNSID, RTM_NEWROUTE, RTM_NEWRULE,
  RTNLGRP_IPV4_IFADDR, RTNLGRP_IPV4_ROUTE, RTNLGRP_IPV4_RULE, RTNLGRP_IPV6_IFADDR, RTNLGRP_IPV6_ROUTE, RTNLGRP_IPV6_RULE,
  RTNLGRP_LINK, RTNLGRP_NEIGH, RTNLGRP_NEXTHOP, RTNLGRP_NSID,
} from '../core/rtnetlink.js';
import { opCall, opDecoder } from '../ynl/op-call.js';
import { description as rtAddr, type GetaddrDumpReply } from '../ynl/families/rt-addr.js';
import { description as rtLink, type GetlinkDumpReply } from '../ynl/families/rt-link.js';
import { description as rtNeigh, type GetneighDumpReply } from '../ynl/families/rt-neigh.js';
import { description as rtRoute, type GetrouteDumpReply } from '../ynl/families/rt-route.js';
import { description as rtRule, type GetruleDumpReply } from '../ynl/families/rt-rule.js';
import type { Scope, Step } from './context.js';

/** A nexthop object as its notification carries it (until the nexthops module's own type). */
export interface NexthopValue {
  id: number;
  family: number;
  protocol: number;
  oif?: number;
  gateway?: Buffer;
  blackhole?: boolean;
  group?: Buffer;
}

/** A namespace id of this namespace's table (until the nsid module's own type). */
export interface NsidValue {
  nsid: number;
}

/**
 * What each kind of object is as the monitor delivers it. The lead swaps each for the
 * object module's domain type (Link, Address, Route, Neighbour, Rule, Nexthop, Nsid).
 */
export interface ObjectTypes {
  link: GetlinkDumpReply;
  address: GetaddrDumpReply;
  route: GetrouteDumpReply;
  neighbour: GetneighDumpReply;
  rule: GetruleDumpReply;
  nexthop: NexthopValue;
  nsid: NsidValue;
}

export type ObjectKind = keyof ObjectTypes;

export const OBJECT_KINDS: readonly ObjectKind[] = ['link', 'address', 'route', 'neighbour', 'rule', 'nexthop', 'nsid'];

export interface ObjectEntry<T> {
  /** Groups per address family; `any` serves every family (link, neigh, nexthop, nsid). */
  groups: { inet?: number[]; inet6?: number[]; any?: number[] };
  newType: number;
  delType: number;
  /** A notification (new or del) into a value; names resolve through the scope. */
  decode: (m: RawMessage, scope: Scope) => T;
  /** A fresh dump of all of them (of one address family when given): the resync. */
  dump: (scope: Scope, family?: number) => Step<T[]>;
  /** Identity, as the kernel tells two objects apart (for caches). */
  key?: (v: T) => string;
}

export type Registry = { [K in ObjectKind]: ObjectEntry<ObjectTypes[K]> };

/** The decoded replies of a generated family's dump, shaped by `decode` (the domain conversion). */
function generated<T>(decode: (m: RawMessage) => T, dump: (family?: number) => Call<T>): Pick<ObjectEntry<T>, 'decode' | 'dump'> {
  return { decode: (m) => decode(m), dump: (_scope, family) => dump(family) as Call<T, T[]> };
}

const NHA_ID = 1, NHA_GROUP = 2, NHA_BLACKHOLE = 4, NHA_OIF = 5, NHA_GATEWAY = 6;
const NHMSG_LEN = 8, RTGENMSG_LEN = 4;
const NETNSA_NSID = 1;

/** struct nhmsg and the attributes a nexthop's identity and path need. */
function decodeNexthop(m: RawMessage): NexthopValue {
  const a = attrTable(m.buf, m.start + NHMSG_LEN, m.end);
  const v: NexthopValue = { id: a.get(NHA_ID)?.readUInt32LE(0) ?? 0, family: m.buf[m.start], protocol: m.buf[m.start + 2] };
  const oif = a.get(NHA_OIF);
  if (oif) v.oif = oif.readUInt32LE(0);
  const gw = a.get(NHA_GATEWAY);
  if (gw) v.gateway = Buffer.from(gw);
  if (a.has(NHA_BLACKHOLE)) v.blackhole = true;
  const group = a.get(NHA_GROUP);
  if (group) v.group = Buffer.from(group);
  return v;
}

function decodeNsid(m: RawMessage): NsidValue {
  return { nsid: attrTable(m.buf, m.start + RTGENMSG_LEN, m.end).get(NETNSA_NSID)?.readInt32LE(0) ?? -1 };
}

/**
 * One entry per kind. Today's values are the generated families' decoded messages; each
 * object module's domain conversion replaces `decode`/`dump`/`key` of its entry.
 */
export const OBJECTS: Registry = {
  link: {
    groups: { any: [RTNLGRP_LINK] }, newType: RTM_NEWLINK, delType: RTM_DELLINK,
    ...generated(opDecoder(rtLink, 'getlink', 'dump'), () => opCall(rtLink, 'getlink', 'dump', { extMask: ['skip-stats'] })),
    key: (l) => String(l.ifiIndex),
  },
  address: {
    groups: { inet: [RTNLGRP_IPV4_IFADDR], inet6: [RTNLGRP_IPV6_IFADDR] }, newType: RTM_NEWADDR, delType: RTM_DELADDR,
    ...generated(opDecoder(rtAddr, 'getaddr', 'dump'), (family = 0) => opCall(rtAddr, 'getaddr', 'dump', { ifaFamily: family })),
    key: (a) => `${a.ifaFamily} ${a.ifaIndex} ${a.local ?? a.address}/${a.ifaPrefixlen}`,
  },
  route: {
    groups: { inet: [RTNLGRP_IPV4_ROUTE], inet6: [RTNLGRP_IPV6_ROUTE] }, newType: RTM_NEWROUTE, delType: RTM_DELROUTE,
    ...generated(opDecoder(rtRoute, 'getroute', 'dump'), (family = 0) => opCall(rtRoute, 'getroute', 'dump', { rtmFamily: family })),
    // what the kernel matches a route by: family, table, destination, source (IPv6), tos, priority
    key: (r) => `${r.rtmFamily} ${r.table ?? r.rtmTable} ${r.dst ?? ''}/${r.rtmDstLen} ${r.src ?? ''}/${r.rtmSrcLen} ${r.rtmTos} ${r.priority ?? 0}`,
  },
  neighbour: {
    groups: { any: [RTNLGRP_NEIGH] }, newType: RTM_NEWNEIGH, delType: RTM_DELNEIGH,
    ...generated(opDecoder(rtNeigh, 'getneigh', 'dump'), (family = 0) => opCall(rtNeigh, 'getneigh', 'dump', { ndmFamily: family })),
    key: (n) => `${n.ndmFamily} ${n.ndmIfindex} ${String(n.dst ?? '')} ${n.vlan ?? ''}`,
  },
  rule: {
    groups: { inet: [RTNLGRP_IPV4_RULE], inet6: [RTNLGRP_IPV6_RULE] }, newType: RTM_NEWRULE, delType: RTM_DELRULE,
    ...generated(opDecoder(rtRule, 'getrule', 'dump'), (family = 0) => opCall(rtRule, 'getrule', 'dump', { family })),
  },
  nexthop: {
    groups: { any: [RTNLGRP_NEXTHOP] }, newType: RTM_NEWNEXTHOP, delType: RTM_DELNEXTHOP,
    decode: decodeNexthop,
    dump: (_scope, family = 0) => ({
      type: RTM_GETNEXTHOP, dump: true, decode: decodeNexthop,
      payload: (w) => { w.u8(family); w.zeros(NHMSG_LEN - 1); },
    }),
    key: (n) => String(n.id),
  },
  nsid: {
    groups: { any: [RTNLGRP_NSID] }, newType: RTM_NEWNSID, delType: RTM_DELNSID,
    decode: decodeNsid,
    dump: () => ({ type: RTM_GETNSID, dump: true, decode: decodeNsid, payload: (w) => w.zeros(RTGENMSG_LEN) }),
    key: (n) => String(n.nsid),
  },
};

/** What the caches need of a link: its index, name and whether it is up. */
export function linkFacts(l: ObjectTypes['link']): { index: number; name: string | undefined; up: boolean } {
  return { index: l.ifiIndex, name: l.ifname, up: l.ifiFlags.includes('up') };
}

/**
 * What tells apart routes of one key (see OBJECTS.route.key): their path. IPv4 keeps
 * appended routes of one key side by side, IPv6 routes through different devices.
 */
export function routePath(r: ObjectTypes['route']): { path: string; multipath: boolean; ipv6: boolean } {
  const multipath = r.multipath !== undefined;
  return { path: multipath ? 'multipath' : `${r.oif ?? ''} ${String(r.gateway ?? '')}`, multipath, ipv6: r.rtmFamily === AF_INET6 };
}

/** The address family an rtnetlink message is about: every rtnetlink header starts with it. */
export function messageFamily(m: RawMessage): number {
  return m.buf[m.start];
}

