// nlkit/route's binder (one builder -> `name(arg, opts)` and `nameSync(arg, opts)`, steps run
// as calls, transactions or chains) over a netfilter socket instead of an rtnetlink one.
import { Connection, type ConnectionOptions } from '../core/connection.js';
import { NETLINK_NETFILTER } from '../core/constants.js';
import { bindOps, RouteContext, type BoundOps, type RouteOptions, type Scope, type Step } from '../route/context.js';

/** One namespace's NETLINK_NETFILTER connection, opened on first use. */
export class NetfilterContext extends RouteContext {
  private nf?: Connection;

  constructor(options: ConnectionOptions = {}) {
    super(options);
  }

  override get conn(): Connection {
    return (this.nf ??= new Connection(NETLINK_NETFILTER, this.options));
  }

  override close(): void {
    this.nf?.close();
    this.nf = undefined;
  }
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- builders' own argument types vary
type Builder = (scope: Scope, arg: any) => Step<any>;

const hasNetns = (o: unknown): o is RouteOptions => typeof o === 'object' && o !== null && (o as RouteOptions).netns !== undefined;

/**
 * bindOps for a netfilter context. bindOps opens an rtnetlink socket for a call's own
 * `netns`; here such a call gets a netfilter context of its own, closed when it is over.
 */
export function bindNetfilter<B extends Record<string, Builder>>(ctx: NetfilterContext, builders: B): BoundOps<B> {
  const bound = bindOps(ctx, builders) as Record<string, (arg: unknown, o?: unknown) => unknown>;
  const out: Record<string, unknown> = {};
  for (const name of Object.keys(bound)) {
    const sync = name.endsWith('Sync');
    const base = sync ? name.slice(0, -4) : name;
    out[name] = (arg: unknown, o?: unknown) => {
      if (!hasNetns(o)) return bound[name](arg, o);
      const { netns, ...rest } = o;
      const own = new NetfilterContext({ ...ctx.options, netns });
      const op = (bindOps(own, { [base]: builders[base] }) as Record<string, (arg: unknown, o?: unknown) => unknown>)[name];
      if (sync) {
        try {
          return op(arg, rest);
        } finally {
          own.close();
        }
      }
      return (op(arg, rest) as Promise<unknown>).finally(() => own.close());
    };
  }
  return out as BoundOps<B>;
}
