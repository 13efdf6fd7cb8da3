// One object's requests sent together (a link's alt names, kind options and attributes; a
// port's VLANs): nothing back, or the first failure thrown as a single call's error would be.
import type { TransactionItem, TransactionResult } from '../core/transaction.js';
import type { Bulk } from './context.js';

export function allOrThrow(items: TransactionItem<unknown>[]): Bulk<void> {
  return {
    bulk: items,
    result: (r: TransactionResult<unknown>) => {
      if (r.failures.length) throw r.failures[0]!.error;
    },
  };
}
