// One filter or action printed as `tc` / `tc -j` print it, for golden tests of the printers.
import { printed } from '../../src/cli/ip-printer.js';
import { printAction } from '../../src/cli/tc-action-print.js';
import { printFilter, type FilterShown } from '../../src/cli/tc-filter-print.js';
import type { Action, Filter } from '../../src/tc/index.js';

/** One filter as `tc -j filter show` prints it (its object and a newline). */
export const filterJson = (f: Filter, o: FilterShown): string => printed(true, (p) => printFilter(p, f, o));

/** tc's text line(s) for a filter. */
export const filterText = (f: Filter, o: FilterShown): string => printed(false, (p) => printFilter(p, f, o));

/** One action as tc -j prints it (its object and a newline). */
export const actionJson = (a: Action, order: number, stats: boolean, standalone = true): string => printed(true, (p) => {
  p.open();
  printAction(p, a, order, stats, standalone);
  p.close();
});

/** tc's text for one action. */
export const actionText = (a: Action, order: number, stats: boolean, standalone = true): string =>
  printed(false, (p) => printAction(p, a, order, stats, standalone));
