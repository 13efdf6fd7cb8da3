// nlkit/route: links, addresses, routes, neighbours, rules, nexthops, namespaces, tun/tap and
// their events, as typed objects with names (what `ip` does, from TypeScript).
export { openRoute, RouteHandle } from './handle.js';
export { RouteContext, Scope, bindOps, type RouteOptions, type Step, type Bulk, type Chain, type LinkNames, type BoundOps } from './context.js';
export { names, reloadNames, parseNameFile, NameTable, routeTables, routeProtocols, routeScopes, routeRealms, linkGroups, type NameFile } from './names.js';
export { parsePrefix, formatPrefix, familyOf, familyName, parseFamily, type Prefix, type InetFamily } from './inet.js';
export { makeAddresses, ADDRESS_FLAGS, type Addresses, type Address, type AddressSpec, type AddressKey, type AddressFilter, type AddressFlag, type AddressFlagName, type Lifetime } from './addresses.js';
export { makeNeighbours, type Neighbours, type Neighbour, type NeighbourSpec, type NeighbourKey, type NeighbourFilter, type FdbEntry, type FdbSpec, type FdbKey, type FdbFilter, type FdbQuery, type Fdb } from './neighbours.js';
export type { BulkResult } from './bulk.js';
