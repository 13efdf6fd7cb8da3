// nlkit/netfilter: nftables (tables, chains, rules, sets and maps, applied as all-or-nothing
// batches) and conntrack (entries and their events), as typed objects.
export { openConntrack, type Conntrack, type CtKey, type CtSpec, type CtStats } from './conntrack.js';
export { type CtEntry, type CtTuple, type CtCounters, type CtFamily } from './ct-entry.js';
export { type CtFilter, type CtTupleFilter } from './ct-filter.js';
export { decodeEvent as decodeConntrackEvent, type CtEvent, type CtEventType, type CtEventOptions, type CtEvents } from './ct-events.js';
export { NetfilterContext } from './ct-context.js';
