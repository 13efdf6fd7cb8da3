// What every object module of nlkit/route stands on: a namespace's rtnetlink connection, the
// names of its links resolved on demand, and one binder that turns each operation (a
// builder of calls, described once) into `name(arg, opts?)` and `nameSync(arg, opts?)`.
import type { Call } from '../core/call.js';
import { checkConnectionOptions, Connection, type ConnectionOptions } from '../core/connection.js';
import { NETLINK_ROUTE } from '../core/constants.js';
import { NetlinkArgumentError, NetlinkSystemError } from '../core/errors.js';
import type { TransactionItem, TransactionOptions, TransactionResult, TransactionSource } from '../core/transaction.js';
import type { NetnsRef } from '../core/transport.js';
import { checkIfindex, checkIfname } from './arg-check.js';
import { constants } from 'node:os';
import { linkNamesCall, type LinkName } from './link-names.js';

/** Options every nlkit/route call takes. */
export interface RouteOptions {
  /** Run in this namespace (on a socket opened for the call) instead of the handle's. */
  netns?: NetnsRef;
  /** ms; 0 or Infinity: none. Default: the handle's (30 s). */
  timeout?: number;
  /** Async calls only. */
  signal?: AbortSignal;
}

/** Many requests in one transaction (bulk add/delete), shaped into a result. */
export interface Bulk<R> {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- items of any reply type
  bulk: TransactionItem<any>[] | TransactionSource<any>;
  /** A transaction sent whole (`split: false`) has the socket's buffers raised to what it needs. */
  options?: TransactionOptions;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  result: (r: TransactionResult<any>) => R;
}

/** An operation that needs the outcome of another first (flush: dump, then delete). */
export interface Chain<R> {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  first: Step<any>;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  then: (value: any, scope: Scope) => Step<R> | { value: R };
}

/** What a builder returns: one call, a transaction, or a chain of them. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Step<R> = Call<any, R> | Bulk<R> | Chain<R>;

/** A source of link names kept fresh elsewhere (the monitor's LinkCache). */
export interface LinkNames {
  /** undefined: not known (the scope then asks the kernel). */
  ifindexOf(name: string): number | undefined;
  nameOf(index: number): string | undefined;
}

/**
 * What a builder sees: the namespace its call runs in, with link names resolved on demand.
 * A name not in an attached LinkNames costs one blocking RTM_GETLINK round trip (as `ip`
 * makes), remembered for the rest of the call, so a bulk call resolves each name once.
 */
export class Scope {
  private readonly byName = new Map<string, number>();
  private byIndex?: Map<number, string>;
  private cleanups?: (() => void)[];
  private rtnl?: Connection;

  /**
   * `links`: a scope over another protocol (netfilter) names links over rtnetlink: the
   * handle's own rtnetlink connection (a function giving it, opened on first use), or, for a
   * call in another namespace, a socket opened with these options on first use and closed by
   * finish().
   */
  constructor(readonly conn: Connection, readonly names?: LinkNames, private readonly linkSource?: ConnectionOptions | (() => Connection)) {}

  /** The connection link names are asked over. */
  private get links(): Connection {
    const source = this.linkSource;
    if (!source) return this.conn;
    if (typeof source === 'function') return source();
    if (!this.rtnl) {
      const rt = (this.rtnl = new Connection(NETLINK_ROUTE, source));
      this.defer(() => rt.close());
    }
    return this.rtnl;
  }

  /** Runs fn when the call is over, failed or not (e.g. closing a namespace fd a request carries). */
  defer(fn: () => void): void {
    (this.cleanups ??= []).push(fn);
  }

  /** The deferred cleanups, last first (bindOps calls this when the call is over). */
  finish(): void {
    for (const fn of this.cleanups?.splice(0).reverse() ?? []) fn();
  }

  /** A link's index from its name (or the index itself); ENODEV naming the device otherwise. */
  ifindex(dev: string | number, option = 'dev'): number {
    if (typeof dev === 'number') return checkIfindex(dev, option);
    // a name seen before needs no second check (bulk calls name the same device per item)
    let index = typeof dev === 'string' ? this.byName.get(dev) : undefined;
    if (index === undefined) {
      checkIfname(dev, option, ' or an ifindex');
      const known = this.names?.ifindexOf(dev);
      if (known !== undefined) return known;
      try {
        index = this.lookup(dev);
      } catch (e) {
        if ((e as { code?: string }).code !== 'ENODEV') throw e;
        // missing for the rest of the call too: a bulk call naming it per item asks once
        index = 0;
      }
      this.byName.set(dev, index);
    }
    if (index === 0) throw new NetlinkSystemError(constants.errno.ENODEV, 'getlink', `Cannot find device "${dev}" (${option})`);
    return index;
  }

  /** A name's index from the kernel (0: none), by a getlink request on the call's own socket. */
  private lookup(dev: string): number {
    return this.links.runSync({ ...linkNamesCall('do', { ifname: dev, extMask: ['skip-stats'] }), result: (r: readonly LinkName[]) => r[0]?.index ?? 0 });
  }

  /** A link's name by index (undefined if there is none): one link dump per scope at most. */
  ifname(index: number): string | undefined {
    const n = this.names?.nameOf(index);
    if (n !== undefined) return n;
    if (!this.byIndex) {
      this.byIndex = new Map();
      for (const l of this.links.runSync(linkNamesCall('dump', { extMask: ['skip-stats'] }))) if (l.name) this.byIndex.set(l.index, l.name);
    }
    return this.byIndex.get(index);
  }
}

/**
 * One namespace's connection (opened on first use) and the names attached to it. Object
 * modules take one; calls with their own `netns` option use a connection of their own, of the
 * same protocol (rtnetlink, or NETLINK_NETFILTER for conntrack and nftables). Link names
 * resolve over rtnetlink in the call's namespace.
 */
export class RouteContext {
  private connection?: Connection;
  /** Over another protocol: the rtnetlink connection link names are asked over, opened on first use. */
  private rtnl?: Connection;
  private readonly links = () => (this.rtnl ??= new Connection(NETLINK_ROUTE, this.options));
  names?: LinkNames;

  constructor(readonly options: ConnectionOptions = {}, readonly protocol: number = NETLINK_ROUTE) {
    // the socket opens on first use: a wrong option is refused here, where it was given
    checkConnectionOptions(options);
  }

  get conn(): Connection {
    return (this.connection ??= new Connection(this.protocol, this.options));
  }

  scope(): Scope {
    return new Scope(this.conn, this.names, this.protocol === NETLINK_ROUTE ? undefined : this.links);
  }

  /** Options of the rtnetlink socket a scope over another protocol names links with. */
  linkOptions(options: ConnectionOptions): ConnectionOptions | undefined {
    return this.protocol === NETLINK_ROUTE ? undefined : options;
  }

  close(): void {
    this.connection?.close();
    this.connection = undefined;
    this.rtnl?.close();
    this.rtnl = undefined;
  }
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- builders' own argument types vary
type Builder = (scope: Scope, arg: any) => Step<any>;
type ResultOf<S> = S extends Bulk<infer R> ? R : S extends Chain<infer R> ? R : S extends Call<infer _T, infer R> ? R : never;
type Args<A> = undefined extends A ? [arg?: A, opts?: RouteOptions] : [arg: A, opts?: RouteOptions];

/** `name(arg, opts?)` (a Promise) and `nameSync(arg, opts?)` for each builder. */
export type BoundOps<B extends Record<string, Builder>> = {
  [K in keyof B & string]: (...args: Args<Parameters<B[K]>[1]>) => Promise<ResultOf<ReturnType<B[K]>>>;
} & {
  [K in keyof B & string as `${K}Sync`]: (...args: Args<Parameters<B[K]>[1]>) => ResultOf<ReturnType<B[K]>>;
};

const OPTION_KEYS = new Set(['netns', 'timeout', 'signal']);

function checkOptions(opts: unknown): RouteOptions {
  if (opts === undefined) return {};
  if (opts === null || typeof opts !== 'object') throw new NetlinkArgumentError('options', `must be an object, got ${opts === null ? 'null' : typeof opts}`, 'ERR_INVALID_ARG_TYPE');
  for (const k of Object.keys(opts)) if (!OPTION_KEYS.has(k)) throw new NetlinkArgumentError('options', `has no option '${k}' (there are: netns, timeout, signal)`);
  return opts as RouteOptions;
}

/** The call options a step's calls get from the caller. */
function callOptions(opts: RouteOptions): Pick<Call, 'timeout' | 'signal'> {
  const o: Pick<Call, 'timeout' | 'signal'> = {};
  if (opts.timeout !== undefined) o.timeout = opts.timeout;
  if (opts.signal !== undefined) o.signal = opts.signal;
  return o;
}

/** A bulk step's transaction options: the step's and the caller's. */
function bulkOptions(step: Bulk<unknown>, opts: RouteOptions): TransactionOptions {
  return { ...step.options, ...callOptions(opts) };
}

function runSync<R>(scope: Scope, step: Step<R>, opts: RouteOptions): R {
  if ('bulk' in step) return step.result(scope.conn.transactionSync(step.bulk, bulkOptions(step, opts)));
  if ('first' in step) {
    const next = step.then(runSync(scope, step.first, opts), scope);
    return 'value' in next ? next.value : runSync(scope, next, opts);
  }
  return scope.conn.runSync({ ...step, ...callOptions(opts) });
}

async function runAsync<R>(scope: Scope, step: Step<R>, opts: RouteOptions): Promise<R> {
  if ('bulk' in step) return step.result(await scope.conn.transaction(step.bulk, bulkOptions(step, opts)));
  if ('first' in step) {
    const next = step.then(await runAsync(scope, step.first, opts), scope);
    return 'value' in next ? next.value : runAsync(scope, next, opts);
  }
  return scope.conn.run({ ...step, ...callOptions(opts) });
}

/** A scope for one call: the context's, or a namespace's own connection closed afterwards. */
function open(ctx: RouteContext, opts: RouteOptions): { scope: Scope; done: () => void } {
  if (opts.netns === undefined) return { scope: ctx.scope(), done: () => {} };
  const options = { ...ctx.options, netns: opts.netns };
  const conn = new Connection(ctx.protocol, options);
  return { scope: new Scope(conn, undefined, ctx.linkOptions(options)), done: () => conn.close() };
}

/**
 * Turns builders `(scope, arg) => Step` into methods `name(arg, opts?)` and
 * `nameSync(arg, opts?)`. A builder's errors (bad arguments, unknown names) reject the
 * Promise of the async method and throw from the Sync one.
 */
export function bindOps<B extends Record<string, Builder>>(ctx: RouteContext, builders: B): BoundOps<B> {
  const out: Record<string, unknown> = {};
  for (const [name, build] of Object.entries(builders)) {
    out[name] = async (arg: unknown, o?: RouteOptions) => {
      const opts = checkOptions(o);
      const { scope, done } = open(ctx, opts);
      try {
        return await runAsync(scope, build(scope, arg), opts);
      } finally {
        scope.finish();
        done();
      }
    };
    out[`${name}Sync`] = (arg: unknown, o?: RouteOptions) => {
      const opts = checkOptions(o);
      const { scope, done } = open(ctx, opts);
      try {
        return runSync(scope, build(scope, arg), opts);
      } finally {
        scope.finish();
        done();
      }
    };
  }
  return out as BoundOps<B>;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- steps of any result type
type AnyStep = Step<any>;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Then<R> = (values: any[]) => Step<R> | { value: R };

/**
 * Steps run one after the other; `then` sees their results in order and says what comes
 * next (a step, or the value). With no steps, `then([])` at once.
 */
export function seq<R>(all: [AnyStep, ...AnyStep[]], then: Then<R>): Chain<R>;
export function seq<R>(all: AnyStep[], then: Then<R>): Step<R> | { value: R };
export function seq<R>(all: AnyStep[], then: Then<R>): Step<R> | { value: R } {
  const from = (i: number, values: unknown[]): Step<R> | { value: R } =>
    i === all.length ? then(values) : { first: all[i], then: (v: unknown) => from(i + 1, [...values, v]) };
  return from(0, []);
}

/** A step whose result is passed through f. */
export function mapStep<A, B>(s: Step<A>, f: (a: A) => B): Step<B> {
  if ('bulk' in s) return { ...s, result: (r: Parameters<typeof s.result>[0]) => f(s.result(r)) };
  if ('first' in s) return { first: s.first, then: (v, scope) => { const n = s.then(v, scope); return 'value' in n ? { value: f(n.value) } : mapStep(n, f); } };
  const { result, ...call } = s;
  return { ...call, result: (r: unknown) => f(result ? result(r as never) : (r as A)) } as Step<B>;
}
