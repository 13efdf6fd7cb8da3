// How nlkit/diag runs its requests: a plan of sock_diag calls (one dump per family and
// protocol asked for) run in turn on one NETLINK_SOCK_DIAG socket, then shaped into domain
// objects; bound once into `name(arg)` and `nameSync(arg)`.
import type { Call } from '../core/call.js';
import { checkConnectionOptions, Connection, type ConnectionOptions } from '../core/connection.js';
import { NETLINK_ROUTE, NETLINK_SOCK_DIAG } from '../core/constants.js';
import { NetlinkArgumentError } from '../core/errors.js';
import type { NetnsRef } from '../core/transport.js';
import { Scope } from '../route/context.js';

/** Options every nlkit/diag call takes beside its own. */
export interface DiagCallOptions {
  /** Look in this network namespace (on a socket opened for the call). */
  netns?: NetnsRef;
  /** ms; 0 or Infinity: none. Default 30 s. */
  timeout?: number;
  /** Async calls only. */
  signal?: AbortSignal;
}

/** Interface names of the namespace a plan ran in, looked up only when a socket names one. */
export interface Names {
  ifname(index: number): string | undefined;
}

/** Calls run one after another; `result` gets each call's result in order. */
export interface Plan<R> {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- calls of several reply types
  calls: Call<any, any>[];
  result(results: unknown[], names: Names): R;
}

/** The namespace's sock_diag socket (opened on first use) and, when asked, its rtnetlink one. */
export class DiagContext {
  private diag?: Connection;

  constructor(readonly options: ConnectionOptions = {}) {
    // the socket opens on first use: a wrong option is refused here, where it was given
    checkConnectionOptions(options);
  }

  get conn(): Connection {
    return (this.diag ??= new Connection(NETLINK_SOCK_DIAG, this.options));
  }

  close(): void {
    this.diag?.close();
    this.diag = undefined;
  }
}

/** Interface names through a short-lived rtnetlink socket in the same namespace. */
class LinkNames implements Names {
  private scope?: Scope;
  constructor(private readonly options: ConnectionOptions) {}
  ifname(index: number): string | undefined {
    this.scope ??= new Scope(new Connection(NETLINK_ROUTE, this.options));
    return this.scope.ifname(index);
  }
  close(): void {
    this.scope?.conn.close();
  }
}

const OPTION_KEYS = ['netns', 'timeout', 'signal'];

/** Splits the call options off a query object (they may be given in it or beside it). */
export function splitOptions<Q extends object>(q: Q | undefined, opts: DiagCallOptions | undefined, option: string): [Omit<Q, keyof DiagCallOptions>, DiagCallOptions] {
  if (opts !== undefined && (opts === null || typeof opts !== 'object'))
    throw new NetlinkArgumentError('options', `must be an object, got ${opts === null ? 'null' : typeof opts}`, 'ERR_INVALID_ARG_TYPE');
  for (const k of Object.keys(opts ?? {})) if (!OPTION_KEYS.includes(k)) throw new NetlinkArgumentError('options', `has no option '${k}' (there are: ${OPTION_KEYS.join(', ')})`);
  if (q !== undefined && (q === null || typeof q !== 'object' || Array.isArray(q)))
    throw new NetlinkArgumentError(option, `must be an object, got ${q === null ? 'null' : Array.isArray(q) ? 'an array' : typeof q}`, 'ERR_INVALID_ARG_TYPE');
  const rest: Record<string, unknown> = {};
  const call: Record<string, unknown> = { ...opts };
  for (const [k, v] of Object.entries(q ?? {})) (OPTION_KEYS.includes(k) ? call : rest)[k] = v;
  return [rest as Omit<Q, keyof DiagCallOptions>, call as DiagCallOptions];
}

function callFields(o: DiagCallOptions): Pick<Call, 'timeout' | 'signal'> {
  const out: Pick<Call, 'timeout' | 'signal'> = {};
  if (o.timeout !== undefined) out.timeout = o.timeout;
  if (o.signal !== undefined) out.signal = o.signal;
  return out;
}

interface Opened { conn: Connection; names: LinkNames; done(): void }

function open(ctx: DiagContext, o: DiagCallOptions): Opened {
  const options = o.netns === undefined ? ctx.options : { ...ctx.options, netns: o.netns };
  const names = new LinkNames(options);
  if (o.netns === undefined) return { conn: ctx.conn, names, done: () => names.close() };
  const conn = new Connection(NETLINK_SOCK_DIAG, options);
  return { conn, names, done: () => { conn.close(); names.close(); } };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- builders' own argument types vary
type Builder = (arg: any) => [Plan<any>, DiagCallOptions];
type ResultOf<B extends Builder> = ReturnType<B>[0] extends Plan<infer R> ? R : never;

/** `name(arg)` (a Promise) and `nameSync(arg)` for each builder. */
export type BoundPlans<B extends Record<string, Builder>> = {
  [K in keyof B & string]: (...args: Parameters<B[K]>) => Promise<ResultOf<B[K]>>;
} & {
  [K in keyof B & string as `${K}Sync`]: (...args: Parameters<B[K]>) => ResultOf<B[K]>;
};

/**
 * Builders `(arg) => [plan, callOptions]` as async and Sync methods. A builder's errors (bad
 * arguments) reject the Promise and throw from the Sync method; nothing is sent then.
 */
export function bindPlans<B extends Record<string, Builder>>(ctx: DiagContext, builders: B): BoundPlans<B> {
  const out: Record<string, unknown> = {};
  for (const [name, build] of Object.entries(builders)) {
    out[name] = async (...args: unknown[]) => {
      const [plan, o] = (build as (...a: unknown[]) => ReturnType<Builder>)(...args);
      const { conn, names, done } = open(ctx, o);
      try {
        const results: unknown[] = [];
        for (const c of plan.calls) results.push(await conn.run({ ...c, ...callFields(o) }));
        return plan.result(results, names);
      } finally {
        done();
      }
    };
    out[`${name}Sync`] = (...args: unknown[]) => {
      const [plan, o] = (build as (...a: unknown[]) => ReturnType<Builder>)(...args);
      const { conn, names, done } = open(ctx, o);
      try {
        return plan.result(plan.calls.map((c) => conn.runSync({ ...c, ...callFields(o) })), names);
      } finally {
        done();
      }
    };
  }
  return out as BoundPlans<B>;
}
