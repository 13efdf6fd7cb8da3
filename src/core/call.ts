// A netlink operation described once, run by either driver (async or Sync).
import type { CallOptions, Decoder, DumpResult, IntrPolicy, Message, Payload } from './message.js';

/**
 * One request or dump, as data. The connection runs it with either driver:
 *
 * - `conn.run(call)`: a Promise of the result;
 * - `conn.runSync(call)`: the result, blocking;
 * - `conn.stream(call)` (dumps): the items as they arrive, with back-pressure.
 *
 * The result is the decoded replies (a dump's items, or a request's replies: empty for a
 * bare acknowledgement), passed through `result` when given (e.g. `firstReply`). Layers
 * above the engine (route, tc, genl...) write descriptor builders and get both methods
 * from bindCalls(), never a hand-written `...Sync` twin.
 *
 * Per-call options (timeout, signal, flags, peer, layout) sit on the descriptor itself;
 * `signal` is refused by runSync (use timeout).
 */
export interface Call<T = Message, R = DumpResult<T>> extends CallOptions {
  /** nlmsg_type. */
  type: number;
  payload?: Payload;
  /** NLM_F_DUMP: many replies ending in NLMSG_DONE. */
  dump?: boolean;
  decode?: Decoder<T>;
  /** Requests: ask for an acknowledgement (NLM_F_ACK) and complete on it. Default true. */
  ack?: boolean;
  /** Dumps: NLM_F_DUMP_INTR policy (see IntrPolicy), retries, items buffered while iterating. */
  intr?: IntrPolicy;
  retries?: number;
  highWaterMark?: number;
  /** Shapes the replies into the call's result. */
  result?: (replies: DumpResult<T>) => R;
}

/** What runs calls: a Connection, or anything wrapping one. */
export interface CallRunner {
  run<T = Message, R = DumpResult<T>>(call: Call<T, R>): Promise<R>;
  runSync<T = Message, R = DumpResult<T>>(call: Call<T, R>): R;
}

/** The first reply (undefined for a bare acknowledgement): a `result` for do-operations. */
export function firstReply<T>(replies: readonly T[]): T | undefined {
  return replies[0];
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- builders' own parameter and reply types vary
type AnyCall = Call<any, any>;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Builders = Record<string, (...args: any[]) => AnyCall>;
type ResultOf<C> = C extends Call<infer _T, infer R> ? R : never;

/** `name(...)` returning a Promise and `nameSync(...)` returning the value, for each builder. */
export type BoundCalls<B extends Builders> = {
  [K in keyof B & string]: (...args: Parameters<B[K]>) => Promise<ResultOf<ReturnType<B[K]>>>;
} & {
  [K in keyof B & string as `${K}Sync`]: (...args: Parameters<B[K]>) => ResultOf<ReturnType<B[K]>>;
};

/**
 * Turns descriptor builders into async and Sync methods:
 *
 * ```ts
 * const links = bindCalls(conn, {
 *   getLink: (name: string) => ({ type: RTM_GETLINK, payload: byName(name), decode: decodeLink, ack: false, result: firstReply }),
 *   listLinks: () => ({ type: RTM_GETLINK, payload: ifinfomsg, dump: true, decode: decodeLink }),
 * });
 * await links.getLink('lo');  links.getLinkSync('lo');  links.listLinksSync();
 * ```
 *
 * `runner` may be a function, for objects whose connection is opened later.
 */
export function bindCalls<B extends Builders>(runner: CallRunner | (() => CallRunner), builders: B): BoundCalls<B> {
  const get = typeof runner === 'function' ? runner : () => runner;
  const out: Record<string, unknown> = {};
  for (const [name, build] of Object.entries(builders)) {
    out[name] = (...args: unknown[]) => get().run(build(...args));
    out[`${name}Sync`] = (...args: unknown[]) => get().runSync(build(...args));
  }
  return out as BoundCalls<B>;
}
