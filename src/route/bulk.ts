// Bulk add/delete: many requests in one transaction, acknowledged once ('last'), each
// failure reported against the index of the caller's item that caused it.
import { NetlinkArgumentError } from '../core/errors.js';
import type { TransactionItem, TransactionResult, TransactionSource } from '../core/transaction.js';
import { mapStep, type Bulk, type RouteOptions, type Scope, type Step } from './context.js';

/** What a bulk call resolves to. */
export interface BulkResult {
  /** Every item succeeded. */
  ok: boolean;
  /** How many items succeeded. */
  done: number;
  /**
   * The failed items in order: the caller's index and the error, either the kernel's
   * (a NetlinkError with its ext-ack text) or the item's own bad value (a
   * NetlinkArgumentError, an unknown device), which is then not sent.
   */
  failures: { index: number; error: Error }[];
}

/**
 * A Bulk step from the caller's specs. Each spec is checked and built as the transaction
 * encodes it (a source: no item outlives its encoding); one that cannot be built is a
 * failure at its index and is not sent, the others still are. `run`, asked first at each
 * spec, may give one run item for it and the specs after it (see routes-template.ts).
 */
export function bulkOf<S>(scope: Scope, specs: readonly S[], item: (scope: Scope, spec: S) => TransactionItem<unknown>,
  run?: (specs: readonly S[], from: number) => TransactionItem<unknown> | undefined): Step<BulkResult> {
  if (specs.length === 0) throw new NetlinkArgumentError('specs', 'must list at least one entry', 'ERR_OUT_OF_RANGE');
  // the caller's index of each sent item, made only once a spec fails (most bulk calls have none)
  let indexOf: number[] | undefined;
  const early: { index: number; error: Error }[] = [];
  let next = 0;
  const source: TransactionSource<unknown> = {
    size: specs.length,
    next() {
      while (next < specs.length) {
        // a run item (TransactionItem.repeat) stands for the specs from `next` on that it
        // counts; a spec that throws as it is read (a getter) is no run's: item() reports it
        let r: TransactionItem<unknown> | undefined;
        try {
          r = run?.(specs, next);
        } catch {
          r = undefined;
        }
        if (r !== undefined) {
          const from = next;
          next += r.repeat!.count;
          if (indexOf) for (let j = from; j < next; j++) indexOf.push(j);
          return r;
        }
        const i = next++;
        try {
          const it = item(scope, specs[i]);
          indexOf?.push(i);
          return it;
        } catch (e) {
          if (!indexOf) {
            indexOf = new Array<number>(i - early.length);
            for (let j = 0; j < indexOf.length; j++) indexOf[j] = j;
          }
          early.push({ index: i, error: e as Error });
        }
      }
      return undefined;
    },
  };
  const result = (r?: TransactionResult<unknown>): BulkResult => {
    const failures = [...early, ...(r?.failures ?? []).map((f) => ({ index: indexOf ? indexOf[f.index] : f.index, error: f.error }))].sort((a, b) => a.index - b.index);
    return { ok: failures.length === 0, done: specs.length - failures.length, failures };
  };
  return { bulk: source, options: { ack: 'last' }, result } satisfies Bulk<BulkResult>;
}

/**
 * add/delete taking one spec (a call: its error is thrown) or an array of them (a bulk:
 * errors reported per index). The item doubles as the single call: same fields.
 */
export function oneOrMany<S>(scope: Scope, arg: S | readonly S[], item: (scope: Scope, spec: S) => TransactionItem<unknown>): Step<BulkResult | undefined> {
  if (Array.isArray(arg)) return bulkOf(scope, arg as readonly S[], item);
  return { ...item(scope, arg as S), result: () => undefined };
}

/**
 * flush: list what a filter selects, then delete it all in one transaction. `done` makes the
 * result from the bulk's and what was found (default: the bulk's).
 */
export function deleteAll<T, K, R = BulkResult>(list: Step<T[]>, keyOf: (t: T) => K, item: (scope: Scope, key: K) => TransactionItem<unknown>,
  done: (r: BulkResult, found: readonly T[]) => R = (r) => r as R): Step<R> {
  return {
    first: list,
    then: (found: T[], scope: Scope) => (found.length === 0 ? { value: done({ ok: true, done: 0, failures: [] }, found) }
      : mapStep(bulkOf(scope, found.map(keyOf), item), (r) => done(r, found))),
  };
}

/** A method taking one spec (resolving to nothing) or an array of them (a BulkResult). */
export interface OneOrMany<S> {
  (spec: S, opts?: RouteOptions): Promise<void>;
  (specs: readonly S[], opts?: RouteOptions): Promise<BulkResult>;
}
export interface OneOrManySync<S> {
  (spec: S, opts?: RouteOptions): void;
  (specs: readonly S[], opts?: RouteOptions): BulkResult;
}

/** The methods every table of entries has (addresses, neighbours, FDB entries). */
export interface EntryTable<Entry, Spec, Key, Filter> {
  list(filter?: Filter, opts?: RouteOptions): Promise<Entry[]>;
  listSync(filter?: Filter, opts?: RouteOptions): Entry[];
  /** CREATE|EXCL (EEXIST if present); an array: many in one transaction, each failure against its index. */
  add: OneOrMany<Spec>;
  addSync: OneOrManySync<Spec>;
  /** CREATE|REPLACE: creates or overwrites. */
  replace: OneOrMany<Spec>;
  replaceSync: OneOrManySync<Spec>;
  delete: OneOrMany<Key>;
  deleteSync: OneOrManySync<Key>;
  /** Deletes what the filter selects in one transaction ({} selects everything). */
  flush(filter: Filter, opts?: RouteOptions): Promise<BulkResult>;
  flushSync(filter: Filter, opts?: RouteOptions): BulkResult;
}
