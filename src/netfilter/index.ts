// nlkit/netfilter: nftables (tables, chains, rules, sets and maps, applied as all-or-nothing
// batches) and conntrack (entries and their events), as typed objects.
export { openNft, NftHandle, type NftGeneration, type NftTransactionOptions } from './nft-handle.js';
export { NftTransactionError, type NftTransactionResult, type NftCommandResult } from './nft-batch.js';
export type { NftCommand, NftVerb, NftTableSpec, NftChainSpec, NftRuleSpec, NftSetSpec, NftElementsSpec, NftSetElementSpec, NftTableFlag, NftSetFlag } from './nft-commands.js';
export type { NftTable, NftChain, NftSet, NftSetElement, NftElementExpiry, NftRule, NftRuleset } from './nft-objects.js';
export type { NftOptions } from './nft-steps.js';
export {
  ip, ip6, tcp, udp, meta, ct, counter, log, limit, masquerade, redirect, snat, dnat, reject, accept, drop, continue_, return_, jump, goto, raw,
  type NftExpr, type NftMatch, type NftMatchKey, type NftMatchValue, type NftRange, type NftElement, type NftCounter, type NftLog, type NftLimit,
  type NftMasquerade, type NftRedirect, type NftNat, type NftReject, type NftVerdict, type NftRaw,
} from './nft-expr.js';
export {
  objref, quota, fib, concat, dynset, flow,
  type NftObjref, type NftObjectType, type NftQuota, type NftFib, type NftFibFlag, type NftFibResult, type NftConcat, type NftDynset, type NftFlow, type NftScalar,
} from './nft-expr.js';
export type { NftObject, NftFlowtable, NftCounterSpec, NftQuotaSpec, NftLimitSpec, NftFlowtableSpec } from './nft-stateful.js';
export type { NftObjectSpec } from './nft-modules.js';
export { priorityValue, priorityName, type NftFamily, type NftHook, type NftChainType, type NftPolicy, type NftSetType, type CtState } from './nft-names.js';
export { openConntrack, type Conntrack, type CtKey, type CtSpec, type CtStats } from './conntrack.js';
export { type CtEntry, type CtTuple, type CtCounters, type CtFamily } from './ct-entry.js';
export { type CtFilter, type CtTupleFilter } from './ct-filter.js';
export type { CtExpectation, CtExpectSpec, CtExpectKey } from './ct-expect.js';
export { decodeEvent as decodeConntrackEvent, type CtEvent, type CtEventType, type CtEventOptions, type CtEvents } from './ct-events.js';
export { NetfilterContext } from './ct-context.js';
