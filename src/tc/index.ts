// nlkit/tc: qdiscs, classes, filters and actions as typed objects with names (what `tc` does,
// from TypeScript). Rates are bytes/s (tc's '10mbit' strings accepted), handles 'maj:min'.
export { openTc, TcHandle } from './tc-handle.js';
export { parseHandle, parseMajor, formatHandle, TC_H_ROOT, TC_H_INGRESS, TC_H_CLSACT, TC_H_UNSPEC, TC_H_MIN_INGRESS, TC_H_MIN_EGRESS, type TcHandle as TcHandleRef } from './handle.js';
export { parseRate, parseSize, parseTime, formatRate, formatSize, formatTime } from './units.js';
export { toStats, type TcStats } from './stats.js';
export { makeQdiscs, qdiscView, type Qdisc, type QdiscSpec, type QdiscPlace, type QdiscRef, type QdiscFilter, type Qdiscs } from './qdiscs.js';
export { QDISC_KINDS, QDISC_KIND_NAMES, type QdiscKind, type QdiscOptionsByKind, type Rate, type Size, type Time, type Percent, type TbfOptions, type HtbOptions, type FifoOptions, type PrioOptions, type SfqOptions, type FqCodelOptions, type FqOptions, type NetemOptions, type HfscOptions, type CakeOptions } from './qdisc-kinds.js';
export { pschedClock, rateTable, xmitTime, xmitSize } from './psched.js';
export { makeClasses, classView, type TcClass, type ClassSpec, type ClassPlace, type ClassRef, type ClassFilter, type Classes } from './classes.js';
export { CLASS_KINDS, CLASS_KIND_NAMES, type ClassKind, type ClassOptionsByKind, type HtbClassOptions } from './class-kinds.js';
export { estimatorOf, type Estimator } from './tc-object.js';
export { type FilterSpec, type Filter, type FilterSelector, type Filters } from './filters.js';
/** protocolName: a view's ethertype word (iproute2's name in lower case, else '0x%04x'). */
export { parseProtocol, ethertypeWord as protocolName } from './ethertypes.js';
export { type ActionSpec, type Action, type ActionRef, type Actions } from './actions.js';
export { type ChainSpec, type Chain, type Chains } from './chains.js';
export { type U32Match, type U32Ip, type U32Ip6, type U32Raw, buildSel, decodeSel } from './u32.js';
export { type Verdict, parseVerdict, verdictName } from './verdicts.js';
export { type BpfInsn } from './filter-kinds.js';
export { type PeditKey } from './action-kinds.js';
export { rateLimit, removeRateLimit, hasRateLimit, redirect, removeRedirect, dropPorts, allowPorts, removePorts, type RateLimitSpec, type RateLimitRef, type RedirectSpec, type PortsSpec } from './recipes.js';
export { type HfscClassOptions, type DrrClassOptions, type QfqClassOptions, type ServiceCurve } from './class-kinds.js';
export { type FlowerKeys } from './flower.js';
export { type Ematch, type EmatchCmp, type EmatchU32 } from './ematch.js';
export { type U32Offset } from './u32.js';
