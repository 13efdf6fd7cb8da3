// What every nftables module stands on: one namespace's NETLINK_NETFILTER connection (opened
// on first use) and one binder turning each operation, described once as data (a call, a
// batch, or steps that need earlier answers), into `name(arg, opts?)` and `nameSync(arg, opts?)`.
import type { Call } from '../core/call.js';
import { Connection, type ConnectionOptions } from '../core/connection.js';
import { NETLINK_NETFILTER } from '../core/constants.js';
import { NetlinkArgumentError } from '../core/errors.js';
import type { TransactionItem, TransactionResult } from '../core/transaction.js';
import type { NetnsRef } from '../core/transport.js';

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

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type NftStep<R> = Call<any, R> | BatchStep<R> | SeqStep<R>;

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

function stepSync<R>(conn: Connection, step: NftStep<R>, opts: NftOptions): R {
  if ('batch' in step) return step.result(conn.transactionSync(step.batch, withOptions(BATCH, opts)));
  if ('all' in step) {
    const next = step.then(step.all.map((s) => stepSync(conn, s, opts)));
    return 'value' in next ? next.value : stepSync(conn, next, opts);
  }
  return conn.runSync(withOptions(step, opts));
}

async function stepAsync<R>(conn: Connection, step: NftStep<R>, opts: NftOptions): Promise<R> {
  if ('batch' in step) return step.result(await conn.transaction(step.batch, withOptions(BATCH, opts)));
  if ('all' in step) {
    const values: unknown[] = [];
    for (const s of step.all) values.push(await stepAsync(conn, s, opts));
    const next = step.then(values);
    return 'value' in next ? next.value : stepAsync(conn, next, opts);
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
function connFor(ctx: NftContext, opts: NftOptions): { conn: Connection; done: () => void } {
  if (opts.netns === undefined) return { conn: ctx.conn, done: () => {} };
  const conn = new Connection(NETLINK_NETFILTER, { ...ctx.options, netns: opts.netns });
  return { conn, done: () => conn.close() };
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
      const { conn, done } = connFor(ctx, opts);
      try {
        return await stepAsync(conn, step, opts);
      } finally {
        done();
      }
    };
    out[`${name}Sync`] = (arg: unknown, o?: NftOptions) => {
      const opts = checkOptions(o);
      const step = build(arg);
      const { conn, done } = connFor(ctx, opts);
      try {
        return stepSync(conn, step, opts);
      } finally {
        done();
      }
    };
  }
  return out as BoundNft<B>;
}
