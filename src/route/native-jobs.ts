// Operations the addon carries out itself rather than through netlink (named namespaces,
// tun/tap devices): each described once as a job and run by either driver, blocking or on
// the libuv threadpool, as bindOps does for netlink calls. Never write a `...Sync` by hand.
import { NetlinkArgumentError } from '../core/errors.js';
import { native } from '../core/native.js';
import { netnsFailure, netnsTarget, type NetnsRef, type NetnsTarget } from '../core/transport.js';

/** An addon failure as it comes out of C: Node's system-error shape. */
export interface NativeFailure extends Error {
  code: string;
  errno: number;
  syscall: string;
}

/** One native operation (see native/nsjobs.c for the ops and their arguments). */
export interface Job<R> {
  op: number;
  /** The namespace the job runs in; default: the caller's. */
  netns?: NetnsRef;
  s0?: string;
  s1?: string;
  ints?: readonly number[];
  /** Shapes the addon's raw result. */
  result: (raw: unknown) => R;
  /** The addon's failure said in the object's words (e.g. EEXIST: the namespace exists). */
  error?: (e: NativeFailure) => unknown;
}

/** What a job method takes besides its argument. */
export interface JobOptions {
  /** Run in this namespace (where the binder allows it). */
  netns?: NetnsRef;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- builders' own argument and result types vary
type JobBuilder = (arg: any, opts: JobOptions) => Job<any>;
type ResultOf<J> = J extends Job<infer R> ? R : never;
type Args<A> = undefined extends A ? [arg?: A, opts?: JobOptions] : [arg: A, opts?: JobOptions];

/** `name(arg, opts?)` (a Promise, run on the threadpool) and `nameSync(arg, opts?)` for each builder. */
export type BoundJobs<B extends Record<string, JobBuilder>> = {
  [K in keyof B & string]: (...args: Args<Parameters<B[K]>[0]>) => Promise<ResultOf<ReturnType<B[K]>>>;
} & {
  [K in keyof B & string as `${K}Sync`]: (...args: Args<Parameters<B[K]>[0]>) => ResultOf<ReturnType<B[K]>>;
};

function checkOptions(opts: unknown, netns: boolean): JobOptions {
  if (opts === undefined) return {};
  if (opts === null || typeof opts !== 'object') throw new NetlinkArgumentError('options', `must be an object, got ${opts === null ? 'null' : typeof opts}`, 'ERR_INVALID_ARG_TYPE');
  for (const k of Object.keys(opts))
    if (k !== 'netns' || !netns) throw new NetlinkArgumentError('options', `has no option '${k}' (there are: ${netns ? 'netns' : 'none'})`);
  return opts as JobOptions;
}

/** The syscalls of entering the job's namespace, which the engine already words for sockets. */
const NETNS_PHASE = new Set(['open', 'ioctl(NS_GET_NSTYPE)', 'setns']);

function failure(job: Job<unknown>, ns: NetnsTarget | undefined, e: unknown): unknown {
  const err = e as NativeFailure;
  if (typeof err?.errno !== 'number' || typeof err.syscall !== 'string') return e;
  if (ns && NETNS_PHASE.has(err.syscall)) return netnsFailure(e, ns);
  return job.error ? job.error(err) : e;
}

function start(job: Job<unknown>, async: boolean): { ns?: NetnsTarget; raw: unknown } {
  const ns = job.netns === undefined ? undefined : netnsTarget(job.netns);
  const [i0 = 0, i1 = 0, i2 = 0, i3 = 0] = job.ints ?? [];
  try {
    return { ns, raw: native.nsJob(job.op, async, ns?.target ?? null, job.s0 ?? '', job.s1 ?? '', i0, i1, i2, i3) };
  } catch (e) {
    throw failure(job, ns, e);
  }
}

/**
 * Turns job builders into `name(arg, opts?)` and `nameSync(arg, opts?)`; a builder's own
 * errors reject or throw. `netns`: whether the methods take a `{ netns }` option.
 */
export function bindJobs<B extends Record<string, JobBuilder>>(builders: B, netns = false): BoundJobs<B> {
  const out: Record<string, unknown> = {};
  for (const [name, build] of Object.entries(builders)) {
    out[name] = async (arg: unknown, opts?: unknown) => {
      const job = build(arg, checkOptions(opts, netns));
      const { ns, raw } = start(job, true);
      let value: unknown;
      try {
        value = await (raw as Promise<unknown>);
      } catch (e) {
        throw failure(job, ns, e);
      }
      return job.result(value);
    };
    out[`${name}Sync`] = (arg: unknown, opts?: unknown) => {
      const job = build(arg, checkOptions(opts, netns));
      return job.result(start(job, false).raw);
    };
  }
  return out as BoundJobs<B>;
}
