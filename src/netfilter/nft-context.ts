// What every nftables module stands on: one namespace's NETLINK_NETFILTER connection (opened
// on first use) and one binder turning each operation, described once as data (a call, a
// batch, or steps that need earlier answers), into `name(arg, opts?)` and `nameSync(arg, opts?)`.
import type { Call } from '../core/call.js';
import { Connection, type ConnectionOptions } from '../core/connection.js';
import * as C from '../core/constants.js';
import { NETLINK_NETFILTER, NETLINK_ROUTE } from '../core/constants.js';
import { NetlinkArgumentError } from '../core/errors.js';
import type { TransactionItem, TransactionResult } from '../core/transaction.js';
import type { NetnsRef } from '../core/transport.js';
import { Scope } from '../route/context.js';

/** Options every nftables call takes. */
export interface NftOptions {
  /** Run in this namespace (on a socket opened for the call) instead of the handle's. */
  netns?: NetnsRef;
  /** ms; 0 or Infinity: none. Default: the handle's (30 s). */
  timeout?: number;
  /** Async calls only. */
  signal?: AbortSignal;
}

/** One nfnetlink batch: its items travel in one send() and the kernel applies all or none. */
export interface BatchStep<R> {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- items of any reply type
  batch: TransactionItem<any>[];
  /** Socket buffer room the batch needs: its bytes in one send, what the kernel may echo back. */
  room?: { send: number; receive: number };
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  result: (r: TransactionResult<any>) => R;
}

/** Steps run one after the other; `then` sees their results and says what comes next. */
export interface SeqStep<R> {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  all: NftStep<any>[];
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  then: (values: any[]) => NftStep<R> | { value: R };
}

/** A step that needs interface indexes by name (`meta oif 'eth0'`): resolved in the call's namespace. */
export interface LinksStep<R> {
  links: (ifindex: (name: string, option: string) => number) => NftStep<R>;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type NftStep<R> = Call<any, R> | BatchStep<R> | SeqStep<R> | LinksStep<R>;

export class NftContext {
  private connection?: Connection;

  constructor(readonly options: ConnectionOptions = {}) {}

  get conn(): Connection {
    return (this.connection ??= new Connection(NETLINK_NETFILTER, this.options));
  }

  close(): void {
    this.connection?.close();
    this.connection = undefined;
  }
}

const OPTION_KEYS = ['netns', 'timeout', 'signal'];

function checkOptions(opts: unknown): NftOptions {
  if (opts === undefined) return {};
  if (opts === null || typeof opts !== 'object') throw new NetlinkArgumentError('options', `must be an object, got ${opts === null ? 'null' : typeof opts}`, 'ERR_INVALID_ARG_TYPE');
  for (const k of Object.keys(opts)) if (!OPTION_KEYS.includes(k)) throw new NetlinkArgumentError('options', `has no option '${k}' (there are: ${OPTION_KEYS.join(', ')})`);
  return opts as NftOptions;
}

function withOptions<O extends object>(o: O, opts: NftOptions): O {
  const out: O & { timeout?: number; signal?: AbortSignal } = { ...o };
  if (opts.timeout !== undefined) out.timeout = opts.timeout;
  if (opts.signal !== undefined) out.signal = opts.signal;
  return out;
}

/** A batch is never cut: one send(), so that the kernel sees BEGIN..END as one transaction. */
const BATCH = { split: false } as const;

/**
 * Makes a batch fit: the kernel takes a send of at most SO_SNDBUF - 32 bytes, and echoes
 * that do not fit the receive buffer are lost. Raised (never lowered) past the limits of
 * unprivileged sockets, as nft does: changing nftables needs CAP_NET_ADMIN anyway.
 */
function fit(conn: Connection, room: BatchStep<unknown>['room']): void {
  if (!room) return;
  const sock = conn.socket;
  // getsockopt reports the doubled value the kernel keeps; setsockopt takes half of it
  if (sock.getOption(C.SOL_SOCKET, C.SO_SNDBUF) < room.send + 32) sock.setOption(C.SOL_SOCKET, C.SO_SNDBUFFORCE, room.send + 4096);
  if (sock.getOption(C.SOL_SOCKET, C.SO_RCVBUF) < room.receive) sock.setOption(C.SOL_SOCKET, C.SO_RCVBUFFORCE, room.receive);
}

/** The next step once the names are resolved, over an rtnetlink socket opened for it in the same namespace. */
function withLinks<R>(step: LinksStep<R>, routeOptions: ConnectionOptions): NftStep<R> {
  const rt = new Connection(NETLINK_ROUTE, routeOptions);
  try {
    const scope = new Scope(rt);
    return step.links((name, option) => scope.ifindex(name, option));
  } finally {
    rt.close();
  }
}

function stepSync<R>(conn: Connection, step: NftStep<R>, opts: NftOptions, routeOptions: ConnectionOptions): R {
  if ('links' in step) return stepSync(conn, withLinks(step, routeOptions), opts, routeOptions);
  if ('batch' in step) {
    fit(conn, step.room);
    return step.result(conn.transactionSync(step.batch, withOptions(BATCH, opts)));
  }
  if ('all' in step) {
    const next = step.then(step.all.map((s) => stepSync(conn, s, opts, routeOptions)));
    return 'value' in next ? next.value : stepSync(conn, next, opts, routeOptions);
  }
  return conn.runSync(withOptions(step, opts));
}

async function stepAsync<R>(conn: Connection, step: NftStep<R>, opts: NftOptions, routeOptions: ConnectionOptions): Promise<R> {
  if ('links' in step) return stepAsync(conn, withLinks(step, routeOptions), opts, routeOptions);
  if ('batch' in step) {
    fit(conn, step.room);
    return step.result(await conn.transaction(step.batch, withOptions(BATCH, opts)));
  }
  if ('all' in step) {
    const values: unknown[] = [];
    for (const s of step.all) values.push(await stepAsync(conn, s, opts, routeOptions));
    const next = step.then(values);
    return 'value' in next ? next.value : stepAsync(conn, next, opts, routeOptions);
  }
  return conn.run(withOptions(step, opts));
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- builders' own argument types vary
type Builder = (arg: any) => NftStep<any>;
type ResultOf<S> = S extends NftStep<infer R> ? R : never;
type Args<A> = undefined extends A ? [arg?: A, opts?: NftOptions] : [arg: A, opts?: NftOptions];

export type BoundNft<B extends Record<string, Builder>> = {
  [K in keyof B & string]: (...args: Args<Parameters<B[K]>[0]>) => Promise<ResultOf<ReturnType<B[K]>>>;
} & {
  [K in keyof B & string as `${K}Sync`]: (...args: Args<Parameters<B[K]>[0]>) => ResultOf<ReturnType<B[K]>>;
};

/** The connection a call runs on: the context's, or one of its own in `opts.netns`, closed afterwards. */
function connFor(ctx: NftContext, opts: NftOptions): { conn: Connection; done: () => void; routeOptions: ConnectionOptions } {
  if (opts.netns === undefined) return { conn: ctx.conn, done: () => {}, routeOptions: ctx.options };
  const routeOptions = { ...ctx.options, netns: opts.netns };
  const conn = new Connection(NETLINK_NETFILTER, routeOptions);
  return { conn, done: () => conn.close(), routeOptions };
}

/**
 * Builders `(arg) => NftStep` as methods `name(arg, opts?)` and `nameSync(arg, opts?)`. A
 * builder's argument errors reject the Promise (async) or throw (Sync).
 */
export function bindNft<B extends Record<string, Builder>>(ctx: NftContext, builders: B): BoundNft<B> {
  const out: Record<string, unknown> = {};
  for (const [name, build] of Object.entries(builders)) {
    out[name] = async (arg: unknown, o?: NftOptions) => {
      const opts = checkOptions(o);
      const step = build(arg);
      const { conn, done, routeOptions } = connFor(ctx, opts);
      try {
        return await stepAsync(conn, step, opts, routeOptions);
      } finally {
        done();
      }
    };
    out[`${name}Sync`] = (arg: unknown, o?: NftOptions) => {
      const opts = checkOptions(o);
      const step = build(arg);
      const { conn, done, routeOptions } = connFor(ctx, opts);
      try {
        return stepSync(conn, step, opts, routeOptions);
      } finally {
        done();
      }
    };
  }
  return out as BoundNft<B>;
}
