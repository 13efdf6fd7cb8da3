// The registry the monitor and the caches are built over: for each kind of routing object,
// the multicast groups its notifications come to, its message types, how a notification
// decodes into the object module's domain object, how a fresh dump of them is made (for
// resync), and its identity. The monitor knows nothing else about objects.
import type { RawMessage } from '../core/message.js';
import {
  AF_INET, AF_INET6, AF_UNSPEC,
  RTM_DELADDR, RTM_DELLINK, RTM_DELNEIGH, RTM_DELNEXTHOP, RTM_DELNSID, RTM_DELROUTE, RTM_DELRULE,
  RTM_F_CLONED, RTM_NEWADDR, RTM_NEWLINK, RTM_NEWNEIGH, RTM_NEWNEXTHOP, RTM_NEWNSID, RTM_NEWROUTE, RTM_NEWRULE,
  RTNLGRP_IPV4_IFADDR, RTNLGRP_IPV4_ROUTE, RTNLGRP_IPV4_RULE, RTNLGRP_IPV6_IFADDR, RTNLGRP_IPV6_ROUTE, RTNLGRP_IPV6_RULE,
  RTNLGRP_LINK, RTNLGRP_NEIGH, RTNLGRP_NEXTHOP, RTNLGRP_NSID,
} from '../core/rtnetlink.js';
import { opCall, opDecoder } from '../ynl/op-call.js';
import { description as rtAddr } from '../ynl/families/rt-addr.js';
import { description as rtLink, type GetlinkDoReply } from '../ynl/families/rt-link.js';
import { description as rtNeigh } from '../ynl/families/rt-neigh.js';
import { description as rtRoute, type GetrouteDumpReply } from '../ynl/families/rt-route.js';
import { toAddress, type Address } from './addresses.js';
import type { Scope, Step } from './context.js';
import { lookupOf, toLink, type Link, type LinkLookup } from './link-view.js';
import { toNeighbour, type Neighbour } from './neighbours.js';
import { nexthopEvents, type Nexthop } from './nexthops.js';
import { nsidEvents, type NamespaceId } from './nsid.js';
import { nameLinks, toRoute, type Route } from './route-object.js';
import { ruleEvents, type Rule } from './rules.js';

/** What each kind of object is as the monitor delivers it: the object modules' domain types. */
export interface ObjectTypes {
  link: Link;
  address: Address;
  route: Route;
  neighbour: Neighbour;
  rule: Rule;
  nexthop: Nexthop;
  nsid: NamespaceId;
}

export type ObjectKind = keyof ObjectTypes;

export const OBJECT_KINDS: readonly ObjectKind[] = ['link', 'address', 'route', 'neighbour', 'rule', 'nexthop', 'nsid'];

export interface ObjectEntry<T> {
  /** Groups per address family; `any` serves every family (link, neigh, nexthop, nsid). */
  groups: { inet?: number[]; inet6?: number[]; any?: number[] };
  newType: number;
  delType: number;
  /** The message families that are this kind; others on its groups are skipped (AF_BRIDGE port state, the FDB). */
  families?: readonly number[];
  /** A notification (new or del) into a value; names resolve through the scope. */
  decode: (m: RawMessage, scope: Scope) => T;
  /** A fresh dump of all of them (of one address family when given): the resync. */
  dump: (scope: Scope, family?: number) => Step<T[]>;
  /** Identity, as the kernel tells two objects apart (for caches). */
  key?: (v: T) => string;
}

export type Registry = { [K in ObjectKind]: ObjectEntry<ObjectTypes[K]> };

/** A scope that also knows which links are up (the monitor's event scopes): ip's M-DOWN flag. */
export interface LinkStates {
  linkUp(index: number): boolean | undefined;
}

/** A link's master and lower link named through the scope (no request when it holds names). */
function scopeLookup(scope: Scope): LinkLookup {
  const states = (scope as Partial<LinkStates>).linkUp?.bind(scope);
  return (index) => {
    const ifname = scope.ifname(index);
    return ifname === undefined ? undefined : { ifname, up: states?.(index) ?? true };
  };
}

const INET = [AF_INET, AF_INET6];
const decodeLink = opDecoder(rtLink, 'getlink', 'dump');
const decodeAddress = opDecoder(rtAddr, 'getaddr', 'dump');
const decodeRoute = opDecoder(rtRoute, 'getroute', 'dump');
const decodeNeighbour = opDecoder(rtNeigh, 'getneigh', 'dump');

/** The routes the route groups carry: IPv4 and IPv6, not cached exceptions. */
const isRoute = (r: GetrouteDumpReply): boolean => INET.includes(r.rtmFamily) && (r.rtmFlags & RTM_F_CLONED) === 0;

export const OBJECTS: Registry = {
  link: {
    groups: { any: [RTNLGRP_LINK] }, newType: RTM_NEWLINK, delType: RTM_DELLINK, families: [AF_UNSPEC],
    // a deleted link's name is in its message; its master's and lower link's from the scope
    decode: (m, scope) => toLink(decodeLink(m), scopeLookup(scope)),
    dump: () => opCall(rtLink, 'getlink', 'dump', { ifiFamily: 0 }, {
      result: (all) => all.map((l) => toLink(l, lookupOf(all as GetlinkDoReply[]))),
    }),
    key: (l) => String(l.ifindex),
  },
  address: {
    groups: { inet: [RTNLGRP_IPV4_IFADDR], inet6: [RTNLGRP_IPV6_IFADDR] }, newType: RTM_NEWADDR, delType: RTM_DELADDR, families: INET,
    decode: (m, scope) => toAddress(decodeAddress(m), scope),
    dump: (scope, family = AF_UNSPEC) => opCall(rtAddr, 'getaddr', 'dump', { ifaFamily: family }, {
      result: (all) => all.map((a) => toAddress(a, scope)),
    }),
    key: (a) => `${a.family} ${a.ifindex} ${a.address}`,
  },
  route: {
    groups: { inet: [RTNLGRP_IPV4_ROUTE], inet6: [RTNLGRP_IPV6_ROUTE] }, newType: RTM_NEWROUTE, delType: RTM_DELROUTE, families: INET,
    decode: (m, scope) => toRoute(decodeRoute(m), scope),
    // every table; names after the dump (a link dump cannot run inside a route dump on one socket)
    dump: (scope, family = AF_UNSPEC) => opCall(rtRoute, 'getroute', 'dump', { rtmFamily: family }, {
      result: (all) => {
        const routes = all.filter(isRoute).map((r) => toRoute(r));
        nameLinks(routes, scope);
        return routes;
      },
    }),
    // what the kernel matches a route by: family, table, destination, source (IPv6), tos, priority
    key: (r) => `${r.family} ${r.tableId} ${r.dst} ${r.src ?? ''} ${r.tos ?? 0} ${r.metric ?? 0}`,
  },
  neighbour: {
    groups: { any: [RTNLGRP_NEIGH] }, newType: RTM_NEWNEIGH, delType: RTM_DELNEIGH, families: INET,
    decode: (m, scope) => toNeighbour(decodeNeighbour(m), scope),
    dump: (scope, family = AF_UNSPEC) => opCall(rtNeigh, 'getneigh', 'dump', { ndmFamily: family }, {
      result: (all) => all.filter((n) => INET.includes(n.ndmFamily)).map((n) => toNeighbour(n, scope)),
    }),
    key: (n) => `${n.family} ${n.ifindex} ${n.dst}${n.proxy ? ' proxy' : ''}`,
  },
  rule: {
    groups: { inet: [RTNLGRP_IPV4_RULE], inet6: [RTNLGRP_IPV6_RULE] }, newType: RTM_NEWRULE, delType: RTM_DELRULE,
    ...ruleEvents,
  },
  nexthop: {
    groups: { any: [RTNLGRP_NEXTHOP] }, newType: RTM_NEWNEXTHOP, delType: RTM_DELNEXTHOP,
    ...nexthopEvents,
  },
  nsid: {
    groups: { any: [RTNLGRP_NSID] }, newType: RTM_NEWNSID, delType: RTM_DELNSID,
    ...nsidEvents,
  },
};

/** What the caches need of a link: its index, name, whether it is up and has a carrier. */
export function linkFacts(l: Link): { index: number; name: string | undefined; up: boolean; carrier: boolean } {
  return { index: l.ifindex, name: l.ifname || undefined, up: l.flags.includes('UP'), carrier: l.flags.includes('LOWER_UP') };
}

/**
 * What tells apart routes of one key (see OBJECTS.route.key): their path. IPv4 keeps
 * appended routes of one key side by side, IPv6 routes through different devices.
 */
export function routePath(r: Route): { path: string; multipath: boolean; ipv6: boolean } {
  const multipath = r.nexthops !== undefined;
  return { path: multipath ? 'multipath' : `${r.ifindex ?? ''} ${r.gateway ?? r.via?.host ?? ''}`, multipath, ipv6: r.family === 'inet6' };
}

/** The address family an rtnetlink message is about: every rtnetlink header starts with it. */
export function messageFamily(m: RawMessage): number {
  return m.buf[m.start];
}
