// nlkit/route: links, addresses, routes, neighbours, rules, nexthops, namespaces, tun/tap and
// their events, as typed objects with names (what `ip` does, from TypeScript).
export { openRoute, RouteHandle } from './handle.js';
export { RouteContext, Scope, bindOps, type RouteOptions, type Step, type Bulk, type Chain, type LinkNames, type BoundOps } from './context.js';
export { names, reloadNames, parseNameFile, NameTable, routeTables, routeProtocols, routeScopes, routeRealms, linkGroups, type NameFile } from './names.js';
export { parsePrefix, formatPrefix, familyOf, familyName, parseFamily, type Prefix, type InetFamily } from './inet.js';
export { makeLinks, newlinkRequest, changeItems, type Links, type Link, type LinkInfo, type LinkSpec, type LinkChange, type LinkFilter, type LinkKind, type VethPeer, type BridgePortOptions, type BondPortOptions, type NetnsTarget, type Dev, type BridgeVlanSpec, type BridgeVlan, type PortVlans } from './links.js';
export type { BulkResult } from './bulk.js';
