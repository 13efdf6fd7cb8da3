// nftables over nlkit/route's one binder (bindOps on a NetfilterContext): a batch is a
// transaction sent whole, and an operation that needs several earlier answers is a chain of
// steps. This module only says how nftables' steps are made of route's.
import type { Chain, RouteOptions, Step } from '../route/context.js';

/** Options every nftables call takes: `{ netns, timeout, signal }`, as nlkit/route's. */
export type NftOptions = RouteOptions;

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
