// A handle on one network namespace's routing objects: `openRoute({ netns: 'blue' })`, then
// `rt.links`, `rt.routes`... Each object module is made on first use and shares the handle's
// connection; every call also takes `{ netns }` to run in another namespace once.
import { defineModules } from '../core/lazy-modules.js';
import type { ConnectionOptions } from '../core/connection.js';
import { makeAddresses } from './addresses.js';
import { RouteContext, type LinkNames } from './context.js';
import { makeNeighbours } from './neighbours.js';
import { makeNetns } from './netns.js';
import { makeTunTap } from './tuntap.js';
import { makeNexthops } from './nexthops.js';
import { makeNsids } from './nsid.js';
import { makeRules } from './rules.js';
import { makeRoutes } from './routes.js';
import { makeMonitor } from './monitor.js';
import { makeLinks } from './links.js';
import { makeIpv4Conf } from './ipv4conf.js';

/**
 * The object modules of a handle, by property name: each is made from the handle's context
 * on first use. (Object modules add themselves here.)
 */
const MODULES = {
  addresses: (ctx: RouteContext) => makeAddresses(ctx),
  neighbours: (ctx: RouteContext) => makeNeighbours(ctx),
  netns: (ctx: RouteContext) => makeNetns(ctx),
  tuntap: (ctx: RouteContext) => makeTunTap(ctx),
  rules: (ctx: RouteContext) => makeRules(ctx),
  nexthops: (ctx: RouteContext) => makeNexthops(ctx),
  nsids: (ctx: RouteContext) => makeNsids(ctx),
  routes: (ctx: RouteContext) => makeRoutes(ctx),
  monitor: (ctx: RouteContext) => makeMonitor(ctx),
  links: (ctx: RouteContext) => makeLinks(ctx),
  ipv4conf: (ctx: RouteContext) => makeIpv4Conf(ctx),
} satisfies Record<string, (ctx: RouteContext) => object>;

type Modules = { readonly [K in keyof typeof MODULES]: ReturnType<(typeof MODULES)[K]> };

export interface RouteHandle extends Modules {}

export class RouteHandle {
  readonly ctx: RouteContext;

  constructor(opts: ConnectionOptions = {}) {
    this.ctx = new RouteContext(opts);
  }

  /** Link names kept fresh elsewhere (a LinkCache): name lookups then ask the kernel nothing. */
  useLinkNames(names: LinkNames | undefined): void {
    this.ctx.names = names;
  }

  close(): void {
    this.ctx.close();
  }
}

defineModules<RouteContext>(RouteHandle.prototype, MODULES);

/** A handle in a namespace (`{ netns: 'blue' }`) or in the process's own. The socket opens on first use. */
export function openRoute(opts: ConnectionOptions = {}): RouteHandle {
  return new RouteHandle(opts);
}
