// Bulk add/delete: many requests in one transaction, acknowledged once ('last'), each
// failure reported against the index of the caller's item that caused it.
import { NetlinkArgumentError } from '../core/errors.js';
import type { TransactionItem, TransactionResult } from '../core/transaction.js';
import type { Bulk, Scope, Step } from './context.js';

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
 * A Bulk step from the caller's specs. Each spec is checked and built first; one that
 * cannot be built is a failure at its index and is not sent, the others still are.
 */
export function bulkOf<S>(scope: Scope, specs: readonly S[], item: (scope: Scope, spec: S) => TransactionItem<unknown>): Step<BulkResult> {
  if (specs.length === 0) throw new NetlinkArgumentError('specs', 'must list at least one entry', 'ERR_OUT_OF_RANGE');
  const sent: TransactionItem<unknown>[] = [];
  const indexOf: number[] = [];
  const early: { index: number; error: Error }[] = [];
  specs.forEach((s, i) => {
    try {
      sent.push(item(scope, s));
      indexOf.push(i);
    } catch (e) {
      early.push({ index: i, error: e as Error });
    }
  });
  const result = (r?: TransactionResult<unknown>): BulkResult => {
    const failures = [...early, ...(r?.failures ?? []).map((f) => ({ index: indexOf[f.index], error: f.error }))].sort((a, b) => a.index - b.index);
    return { ok: failures.length === 0, done: specs.length - failures.length, failures };
  };
  if (sent.length === 0) return { first: { bulk: [], result: () => undefined }, then: () => ({ value: result() }) };
  return { bulk: sent, options: { ack: 'last' }, result } satisfies Bulk<BulkResult>;
}
