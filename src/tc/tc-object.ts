// The part every tc object (qdisc, class, filter) shares: the tcmsg header. Callers name the
// device (a name resolved through the scope, or an ifindex) and handles as tc writes them;
// views give them back the same way.
import { NLM_F_CREATE, NLM_F_EXCL, NLM_F_REPLACE } from '../core/constants.js';
import { NetlinkArgumentError } from '../core/errors.js';
import type { TransactionItem } from '../core/transaction.js';
import { oneOrMany, type OneOrMany, type OneOrManySync } from '../route/bulk.js';
import { checkSpec } from '../route/arg-check.js';
import type { BoundOps, Scope, Step } from '../route/context.js';
import type { TcmsgStruct } from '../ynl/families/tc.js';
import { formatHandle, TC_H_INGRESS } from './handle.js';
import { parseTime } from './units.js';
import { quote } from '../core/options.js';

/** The header of a request: family AF_UNSPEC, the device's index, handle and parent. */
/**
 * A request's struct tcmsg fields, in a fresh object the caller adds its attributes to (with
 * stores or Object.assign: in node 20 `{ ...tcmsg(), kind }` cost ~5 us an object).
 */
export function tcmsg(scope: Scope, s: { dev?: unknown }, handle: number, parent: number): Required<Pick<TcmsgStruct, 'family' | 'ifindex' | 'handle' | 'parent' | 'info'>> {
  if (s.dev === undefined) throw new NetlinkArgumentError('dev', 'is required: the device the object is on');
  if (typeof s.dev !== 'string' && typeof s.dev !== 'number') throw new NetlinkArgumentError('dev', `must be a link name or ifindex, got ${typeof s.dev}`, 'ERR_INVALID_ARG_TYPE');
  return { family: 0, ifindex: scope.ifindex(s.dev, 'dev'), handle, parent, info: 0 };
}

/** A rate estimator (`tc ... estimator 1sec 8sec`): how often it samples, over how long it averages. */
export interface Estimator {
  interval: number | string;
  timeConstant: number | string;
}

/**
 * struct gnet_estimator as tc_setup_estimator fills it: interval as log2(interval / 250 ms)
 * (-2..3: 250 ms to 8 s), ewma_log the weight whose time constant first exceeds the one asked.
 */
export function estimatorOf(v: unknown): { interval: number; ewmaLog: number } {
  const e = checkSpec(v, 'estimator', ['interval', 'timeConstant']);
  const a = parseTime(e.interval, 'estimator.interval');
  const w = parseTime(e.timeConstant, 'estimator.timeConstant');
  let interval = 0;
  while (interval <= 5 && a > (1 << interval) * 250000) interval++;
  if (interval > 5) throw new NetlinkArgumentError('estimator.interval', `must be at most 8s, got ${quote(e.interval)}`, 'ERR_OUT_OF_RANGE');
  let ewmaLog = 1;
  for (; ewmaLog < 32; ewmaLog++) if (a / -Math.log(1 - 1 / 2 ** ewmaLog) > w) break;
  ewmaLog--;
  if (ewmaLog === 0 || ewmaLog >= 31) throw new NetlinkArgumentError('estimator.timeConstant', `must be longer than the interval and at most 2^31 intervals, got ${quote(e.timeConstant)}`, 'ERR_OUT_OF_RANGE');
  return { interval: interval - 2, ewmaLog };
}

/** What a view shows of the header: the device by name, handles as tc prints them. */
export interface TcHeaderView {
  dev: string;
  ifindex: number;
  handle: string;
  /** 'root', 'ingress' (the ingress/clsact attach point ffff:fff1) or 'maj:min'. */
  parent: string;
}

export function parentName(p: number): string {
  return p === TC_H_INGRESS ? 'ingress' : formatHandle(p);
}

export function headerView(scope: Scope, m: TcmsgStruct): TcHeaderView {
  return { dev: scope.ifname(m.ifindex) ?? String(m.ifindex), ifindex: m.ifindex, handle: formatHandle(m.handle), parent: parentName(m.parent) };
}

/** The write verbs and their flags: add (CREATE|EXCL: EEXIST if one is there), change (the one there, same kind), replace (CREATE|REPLACE). */
const WRITE_FLAGS = { add: NLM_F_CREATE | NLM_F_EXCL, change: 0, replace: NLM_F_CREATE | NLM_F_REPLACE } as const;
export type WriteVerb = keyof typeof WRITE_FLAGS;
const ALL_VERBS: readonly WriteVerb[] = ['add', 'change', 'replace'];

/**
 * The write verbs of a tc object table (all three unless `verbs` names fewer: actions have no
 * change, chains only add) and delete, each taking one spec or an array (one transaction,
 * failures by index). bindOps makes each a Promise method and its Sync twin.
 */
export function writeOps<S, R, V extends WriteVerb = WriteVerb>(
  write: (scope: Scope, spec: S, flags: number) => TransactionItem<unknown>,
  remove: (scope: Scope, ref: R) => TransactionItem<unknown>,
  verbs: readonly V[] = ALL_VERBS as readonly V[],
) {
  const ops = {} as Record<V, (scope: Scope, spec: S | readonly S[]) => ReturnType<typeof oneOrMany>>;
  for (const v of verbs) ops[v] = (scope, spec) => oneOrMany(scope, spec, (sc, s: S) => write(sc, s, WRITE_FLAGS[v]));
  return Object.assign(ops, { delete: (scope: Scope, ref: R | readonly R[]) => oneOrMany(scope, ref, remove) });
}

/** The methods writeOps' builders become: one spec (void) or an array (a BulkResult), and their Sync twins. */
export type WriteOps<S, R, V extends WriteVerb = WriteVerb> =
  { [K in V]: OneOrMany<S> } & { [K in V as `${K}Sync`]: OneOrManySync<S> } & { delete: OneOrMany<R>; deleteSync: OneOrManySync<R> };

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- bindOps' own constraint
type Builder = (scope: Scope, arg: any) => Step<any>;

/** A tc object table's bound methods: the builders' own, with writeOps' typed by spec and ref. */
export type TcOps<B extends Record<string, Builder>, S, R, V extends WriteVerb = WriteVerb> = Omit<BoundOps<B>, keyof WriteOps<S, R, V>> & WriteOps<S, R, V>;
