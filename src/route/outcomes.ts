// What a domain call returns from a transaction: a bulk call's outcome (every failure against
// its item), or, for one object's requests sent together, nothing or the first failure.
import type { TransactionItem, TransactionResult } from '../core/transaction.js';
import type { Bulk } from './context.js';

/** A bulk call's outcome: every failure against the index of its item. */
export interface BulkResult {
  ok: boolean;
  failures: { index: number; error: Error }[];
}

/** Many items in one transaction (acknowledged at the end), shaped into a BulkResult. */
export function bulkStep(items: TransactionItem<unknown>[]): Bulk<BulkResult> {
  return {
    bulk: items, options: { ack: 'last' },
    result: (r: TransactionResult<unknown>) => ({ ok: r.ok, failures: r.failures.map((f) => ({ index: f.index, error: f.error })) }),
  };
}

/** One object's requests in one transaction: nothing back, or the first failure thrown. */
export function allOrThrow(items: TransactionItem<unknown>[]): Bulk<void> {
  return {
    bulk: items,
    result: (r: TransactionResult<unknown>) => {
      if (r.failures.length) throw r.failures[0]!.error;
    },
  };
}
