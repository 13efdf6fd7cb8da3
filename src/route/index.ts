// nlkit/route: links, addresses, routes, neighbours, rules, nexthops, namespaces, tun/tap and
// their events, as typed objects with names (what `ip` does, from TypeScript).
export { openRoute, RouteHandle } from './handle.js';
export { RouteContext, Scope, bindOps, type RouteOptions, type Step, type Bulk, type Chain, type LinkNames, type BoundOps } from './context.js';
export { names, reloadNames, parseNameFile, NameTable, routeTables, routeProtocols, routeScopes, routeRealms, linkGroups, type NameFile } from './names.js';
export { parsePrefix, formatPrefix, familyOf, familyName, parseFamily, type Prefix, type InetFamily } from './inet.js';
export { makeRoutes, type Routes, type Route, type RouteNexthop, type RouteMetrics, type RouteSpec, type NexthopSpec, type RouteType, type RouteMetricsSpec, type RouteEncap, type Seg6Mode, type RouteFilter, type RouteQuery } from './routes.js';
export { toRoute, nameLinks, type LinkNameSource } from './route-object.js';
export type { BulkResult } from './bulk.js';
