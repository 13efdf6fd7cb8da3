// nlkit/route's context and binder (one builder -> `name(arg, opts)` and `nameSync(arg, opts)`)
// over a netfilter socket: a call with its own `netns` gets a netfilter socket there too.
import type { ConnectionOptions } from '../core/connection.js';
import { NETLINK_NETFILTER } from '../core/constants.js';
import { RouteContext } from '../route/context.js';

/** One namespace's NETLINK_NETFILTER connection, opened on first use. */
export class NetfilterContext extends RouteContext {
  constructor(options: ConnectionOptions = {}) {
    super(options, NETLINK_NETFILTER);
  }
}
