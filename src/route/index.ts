// nlkit/route: links, addresses, routes, neighbours, rules, nexthops, namespaces, tun/tap and
// their events, as typed objects with names (what `ip` does, from TypeScript).
export { openRoute, RouteHandle } from './handle.js';
export { RouteContext, Scope, bindOps, type RouteOptions, type Step, type Bulk, type Chain, type LinkNames, type BoundOps } from './context.js';
export { names, reloadNames, parseNameFile, NameTable, routeTables, routeProtocols, routeScopes, routeRealms, linkGroups, type NameFile } from './names.js';
export { parsePrefix, formatPrefix, familyOf, familyName, parseFamily, type Prefix, type InetFamily } from './inet.js';
export { makeAddresses, ADDRESS_FLAGS, type Addresses, type Address, type AddressSpec, type AddressKey, type AddressFilter, type AddressFlag, type AddressFlagName, type Lifetime } from './addresses.js';
export { makeNeighbours, type Neighbours, type Neighbour, type NeighbourSpec, type NeighbourKey, type NeighbourFilter, type FdbEntry, type FdbSpec, type FdbKey, type FdbFilter, type FdbQuery, type Fdb } from './neighbours.js';
export type { BulkResult } from './bulk.js';
export { makeNetns, netnsOps, NETNS_RUN_DIR, type NamedNetns, type NetnsAttachSpec, type NetnsOps } from './netns.js';
export { makeTunTap, tunViaRtnetlinkError, type TunMode, type TunTapSpec, type TunTapCreated, type TunTap, type TunTapOpenSpec, type TunTapQueues, type TunTapOps } from './tuntap.js';
export { bindJobs, type Job, type JobOptions, type BoundJobs, type NativeFailure } from './native-jobs.js';
export { makeRules, ruleObject, ruleEvents, type Rules, type Rule, type RuleSpec, type RuleFilter, type RuleAction } from './rules.js';
export { makeNexthops, nexthopObject, nexthopEvents, type Nexthops, type Nexthop, type NexthopSpec, type NexthopFilter, type NexthopGroupMember, type NexthopBucket, type ResilientArgs } from './nexthops.js';
export { makeNsids, nsidOfFd, nsidEvents, type Nsids, type NamespaceId, type NsidTarget, type NsidAssignment } from './nsid.js';
export { makeRoutes, type Routes, type Route, type RouteNexthop, type RouteMetrics, type RouteSpec, type RouteNexthopSpec, type RouteType, type RouteMetricsSpec, type RouteEncap, type Seg6Mode, type RouteFilter, type RouteQuery } from './routes.js';
export { toRoute, nameLinks, type LinkNameSource } from './route-object.js';
export { RouteMonitor, type MonitorOptions, type MonitorItem, type MonitorEvent, type MonitorResync, type MonitorMethod } from './monitor.js';
export { LinkCache, RouteCache, type CacheOptions } from './cache.js';
export { OBJECTS, OBJECT_KINDS, type ObjectKind, type ObjectTypes, type ObjectEntry } from './objects.js';
export { makeLinks, newlinkRequest, changeItems, type Links, type Link, type LinkInfo, type LinkSpec, type LinkChange, type LinkFilter, type LinkKind, type VethPeer, type BridgePortOptions, type BondPortOptions, type NetnsTarget, type Dev, type BridgeVlanSpec, type BridgeVlan, type PortVlans } from './links.js';
export { makeIpv4Conf, type Ipv4Conf, type Ipv4ConfChange, type Ipv4ConfOps } from './ipv4conf.js';
