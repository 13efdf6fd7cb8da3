// A handle on one network namespace's traffic control: `openTc({ netns: 'blue' })`, then
// `tc.qdiscs`, `tc.classes`, `tc.filters`... Each object module is made on first use and
// shares the handle's connection (the rtnetlink context nlkit/route uses: link names resolve
// through the same Scope); every call also takes `{ netns }` to run elsewhere once.
import { defineModules } from '../core/lazy-modules.js';
import type { ConnectionOptions } from '../core/connection.js';
import { checkObject } from '../core/options.js';
import { RouteContext, type LinkNames } from '../route/context.js';
import { makeQdiscs } from './qdiscs.js';
import { makeClasses } from './classes.js';
import { makeFilters } from './filters.js';
import { makeActions } from './actions.js';
import { makeChains } from './chains.js';

/**
 * The object modules of a handle, by property name: each is made from the handle's context
 * on first use. (Object modules add themselves here.)
 */
const MODULES = {
  qdiscs: (ctx: RouteContext) => makeQdiscs(ctx),
  classes: (ctx: RouteContext) => makeClasses(ctx),
  filters: (ctx: RouteContext) => makeFilters(ctx),
  actions: (ctx: RouteContext) => makeActions(ctx),
  chains: (ctx: RouteContext) => makeChains(ctx),
} satisfies Record<string, (ctx: RouteContext) => object>;

type Modules = { readonly [K in keyof typeof MODULES]: ReturnType<(typeof MODULES)[K]> };

export interface TcHandle extends Modules {}

export class TcHandle {
  readonly ctx: RouteContext;

  /** `ctx`: share a route handle's context (`openTc({ ctx: rt.ctx })`) so both use one socket. */
  constructor(opts: ConnectionOptions & { ctx?: RouteContext } = {}) {
    checkObject(opts);
    const { ctx, ...rest } = opts;
    this.ctx = ctx ?? new RouteContext(rest);
  }

  useLinkNames(names: LinkNames | undefined): void {
    this.ctx.names = names;
  }

  close(): void {
    this.ctx.close();
  }
}

defineModules<RouteContext>(TcHandle.prototype, MODULES);

/** A handle in a namespace (`{ netns: 'blue' }`) or in the process's own. The socket opens on first use. */
export function openTc(opts: ConnectionOptions & { ctx?: RouteContext } = {}): TcHandle {
  return new TcHandle(opts);
}
