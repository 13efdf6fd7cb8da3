// tc filters (classifiers): list, get, add, change, replace and delete, as `tc filter` does,
// with the kinds of filter-kinds.ts and actions inside them. Parents in tc's words: 'ingress'
// and 'egress' are clsact's (and ingress's) attach points ffff:fff2 / ffff:fff3, as
// `tc filter add dev X ingress` sends; 'root' or 'maj:min' for a classful qdisc.
import type { Call } from '../core/call.js';
import { NetlinkArgumentError } from '../core/errors.js';
import { NLM_F_CREATE } from '../core/constants.js';
import { opCall, opCallEach, opItem } from '../ynl/op-call.js';
import { description as tcFamily, type GettfilterDumpReply, type NewtfilterDoRequest } from '../ynl/families/tc.js';
import { bindOps, type RouteContext, type Scope, type Step } from '../route/context.js';
import { checkSpec } from '../route/arg-check.js';
import { ETH_P, ethertypeWord, parseProtocol } from './ethertypes.js';
import { tcmsg, writeOps, type TcOps } from './tc-object.js';
import { uint } from '../route/spec-values.js';
import { formatHandle, parseHandle, TC_H_CLSACT, TC_H_MIN_EGRESS, TC_H_MIN_INGRESS } from './handle.js';
import { FILTER_KINDS } from './filter-kinds.js';
import type { U32Match, U32Offset } from './u32.js';
import type { Action, ActionSpec } from './actions.js';
import type { BpfInsn } from './filter-kinds.js';
import type { FlowerKeys } from './flower.js';
import type { Ematch } from './ematch.js';
import { endianness } from 'node:os';
import { quote } from '../core/options.js';

/** Where a filter is and what it is, whatever its kind. */
interface FilterPlace {
  /** The device (with parent), or for a shared block's filters `block` instead. */
  dev?: string | number;
  /** A shared filter block's index (clsact/ingress made with ingressBlock/egressBlock): no dev or parent then. */
  block?: number;
  /** 'ingress', 'egress' (clsact/ingress), 'root', or 'maj:min'. Default: the root qdisc. */
  parent?: string | number;
  /** 'all', 'ip', 'ipv6', 'arp', '802.1q', '802.1ad', or an ethertype number. Absent: 'all' for add and replace; change sends 0 (the kernel's any: the filter there keeps its own). */
  protocol?: string | number;
  /** Priority (tc's pref/prio): lower first. The kernel picks one when absent (add). */
  prio?: number;
  pref?: number;
  /** The kind's handle: u32 'HT:HASH:NODE' ('800::800'), fw's mark, a number for others. */
  handle?: string | number;
  chain?: number;
  /** The class matching packets go to ('1:10'). */
  classid?: string | number;
  actions?: ActionSpec[];
}

/** Classifiers that can stay out of hardware or software. */
interface HwFlags {
  skipHw?: boolean;
  skipSw?: boolean;
}

/** A filter as a caller writes it: where, the kind, and the kind's fields. */
export type FilterSpec = FilterPlace & (
  | (HwFlags & {
    kind: 'u32'; match?: U32Match[]; indev?: string;
    /** Makes a hash table of this many buckets (a power of 2 up to 256), handle 'HT:'. */
    divisor?: number;
    /** Continue in this hash table ('2:'), in the bucket `hashkey` picks. */
    link?: string | number; hashkey?: { mask: number; at?: number };
    /** The table and bucket the filter goes in ('2:5:'). */
    ht?: string | number;
    /** The bucket of `ht` that packets matching `match` hash to (tc's `sample`); divisor: the table's (256). */
    sample?: { match: U32Match; divisor?: number };
    /** Where the next header starts (tc's `offset`), for nexthdr matches and what `link` sees. */
    offset?: U32Offset;
  })
  | (HwFlags & { kind: 'bpf'; bytecode?: string | BpfInsn[] | [number, number, number, number][]; fd?: number; pinned?: string; name?: string; directAction?: boolean })
  | (HwFlags & { kind: 'matchall' })
  | { kind: 'fw'; indev?: string; mask?: number }
  | { kind: 'basic'; match?: Ematch[] }
  | (HwFlags & FlowerKeys & { kind: 'flower'; indev?: string })
);

/** A filter as the kernel shows it, with the kind's fields decoded. */
export interface Filter {
  dev: string;
  ifindex: number;
  parent: string;
  kind: string;
  protocol: string;
  pref: number;
  chain: number;
  /** Absent on the entry tc shows for a priority's classifier itself (before its filters). */
  handle?: string;
  /** The class it sends packets to ('1:10'). */
  classid?: string;
  /**
   * The shared filter block the filter is in (a clsact/ingress qdisc made with ingress_block or
   * egress_block). The kernel then names the block instead of a device and parent: dev, ifindex
   * and parent are the ones the list or get asked for.
   */
  block?: number;
  /** u32's matches, in the shape a spec gives them. */
  match?: U32Match[];
  actions?: Action[];
  [field: string]: unknown;
}

/** Which filters list() shows and delete() removes. */
export type FilterSelector = Pick<FilterPlace, 'dev' | 'block' | 'parent' | 'protocol' | 'prio' | 'pref' | 'handle' | 'chain'> & { kind?: string };


const INGRESS_POINT = (TC_H_CLSACT & 0xffff0000) | TC_H_MIN_INGRESS;
const EGRESS_POINT = (TC_H_CLSACT & 0xffff0000) | TC_H_MIN_EGRESS;

/** A filter's parent: 'ingress'/'egress' are the attach points (not the ingress qdisc's handle). */
export function parseFilterParent(v: unknown, option = 'parent'): number {
  if (v === 'ingress') return INGRESS_POINT >>> 0;
  if (v === 'egress') return EGRESS_POINT >>> 0;
  return parseHandle(v, option);
}
export function formatFilterParent(p: number): string {
  if (p === INGRESS_POINT >>> 0) return 'ingress';
  if (p === EGRESS_POINT >>> 0) return 'egress';
  return formatHandle(p);
}

/** tcm_info is (prio << 16) | protocol, the protocol's 16 bits in network order inside a host u32. */
const LE = endianness() === 'LE';
const swap16 = (p: number) => (LE ? ((p & 0xff) << 8) | (p >>> 8) : p);
const infoOf = (prio: number, protocol: number) => ((prio << 16) | swap16(protocol)) >>> 0;

function prioOf(s: { prio?: unknown; pref?: unknown }): number {
  if (s.prio !== undefined && s.pref !== undefined) throw new NetlinkArgumentError('pref', 'is the same as prio: give one');
  const v = s.prio ?? s.pref;
  return v === undefined ? 0 : uint(v, s.prio !== undefined ? 'prio' : 'pref', 0xffff);
}

const BASE_KEYS = ['dev', 'block', 'parent', 'kind', 'protocol', 'prio', 'pref', 'handle', 'chain'] as const;
/** The keys any kind takes (checked first, so a wrong kind is named as such), and each kind's. */
const ANY_KEYS = [...new Set([...BASE_KEYS, ...Object.values(FILTER_KINDS).flatMap((k) => k.keys)])];
const KEYS_OF = new Map(Object.values(FILTER_KINDS).map((k) => [k, [...BASE_KEYS, ...k.keys]]));
const MAX_CHAIN = 0xffffffff;

function kindRow(kind: unknown) {
  const k = typeof kind === 'string' ? FILTER_KINDS[kind] : undefined;
  if (!k) throw new NetlinkArgumentError('kind', `must be one of ${Object.keys(FILTER_KINDS).join(', ')}, got ${quote(kind)}`);
  return k;
}

/**
 * The request for a filter spec (add/change/replace). Without a protocol, one that may create
 * (add, replace) is for every protocol, as tc's; a change is for the one the filter there has
 * (0, the kernel's any: ETH_P_ALL would not be that filter's unless it was made so).
 */
export function filterRequest(scope: Scope, spec: unknown, create = true): NewtfilterDoRequest {
  const pre = checkSpec(spec, 'filter', ANY_KEYS);
  const k = kindRow(pre.kind);
  const s = checkSpec(spec, 'filter', KEYS_OF.get(k)!) as Record<string, unknown>;
  const protocol = s.protocol !== undefined ? parseProtocol(s.protocol) : create ? ETH_P.ALL : 0;
  // tcmsg's object given its fields, not spread into another (see tc-object.ts tcmsg)
  const req = filterHeader(scope, s, s.handle === undefined ? 0 : k.parseHandle(s.handle)) as NewtfilterDoRequest;
  req.info = infoOf(prioOf(s), protocol);
  req.kind = s.kind as string;
  req.options = k.encode(s, scope, protocol) as NewtfilterDoRequest['options'];
  if (s.chain !== undefined) req.chain = uint(s.chain, 'chain', MAX_CHAIN);
  return req;
}

/** <linux/rtnetlink.h> TCM_IFINDEX_MAGIC_BLOCK: the ifindex that says the parent field holds a block index. */
const TCM_IFINDEX_MAGIC_BLOCK = 0xffffffff;

/**
 * The tcmsg of a filter or chain request: its device and parent, or a shared block's index
 * (ifindex TCM_IFINDEX_MAGIC_BLOCK, the index where the parent goes).
 */
export function filterHeader(scope: Scope, s: { dev?: unknown; parent?: unknown; block?: unknown }, handle: number): ReturnType<typeof tcmsg> {
  if (s.block === undefined) return tcmsg(scope, s, handle, s.parent === undefined ? 0 : parseFilterParent(s.parent));
  if (s.dev !== undefined || s.parent !== undefined) throw new NetlinkArgumentError('block', 'places the filters by itself: give no dev or parent with it');
  // tcm_ifindex is an int: the magic all-ones index is -1 there
  return { family: 0, ifindex: TCM_IFINDEX_MAGIC_BLOCK | 0, handle, parent: uint(s.block, 'block', 0xffffffff, 1), info: 0 };
}

/** The header (and kind, chain) that names filters to get or delete. */
function selectorRequest(scope: Scope, sel: unknown, forDump: boolean) {
  const s = checkSpec(sel, 'filter', BASE_KEYS) as FilterSelector;
  const k = s.kind === undefined ? undefined : kindRow(s.kind);
  if (s.handle !== undefined && !k) throw new NetlinkArgumentError('kind', 'is needed with handle (handles are per kind)');
  const prio = prioOf(s);
  // no protocol: 0, any (as tc sends for del/get without one)
  const protocol = s.protocol === undefined ? 0 : parseProtocol(s.protocol);
  const req: ReturnType<typeof tcmsg> & { kind?: string; chain?: number } = filterHeader(scope, s, s.handle === undefined || !k ? 0 : k.parseHandle(s.handle));
  req.info = forDump ? 0 : infoOf(prio, protocol);
  if (s.kind !== undefined && !forDump) req.kind = s.kind;
  if (s.chain !== undefined) req.chain = uint(s.chain, 'chain', MAX_CHAIN);
  return { req, prio, protocol: s.protocol === undefined ? undefined : protocol, kind: s.kind, handle: req.handle };
}

type Header = { ifindex: number; parent: number };

/**
 * Where a filter or chain reply is: its own device and parent, or for one in a shared block
 * (whose reply names the block in place of both) the block and the device and parent `asked`.
 */
export function headerOf(m: Header, asked?: Header): Header & { block?: number } {
  if (m.ifindex >>> 0 !== TCM_IFINDEX_MAGIC_BLOCK) return m;
  // asked by block: no device or parent to show (ifindex 0, parent 0)
  const byBlock = !asked || asked.ifindex >>> 0 === TCM_IFINDEX_MAGIC_BLOCK;
  return { ifindex: byBlock ? 0 : asked.ifindex, parent: byBlock ? 0 : asked.parent, block: m.parent >>> 0 };
}

/** A reply's device and parent as a view shows them: none ('') for a block's asked by block. */
export function placeView(scope: Scope, h: Header & { block?: number }): { dev: string; ifindex: number; parent: string } {
  if (h.block !== undefined && h.ifindex === 0) return { dev: '', ifindex: 0, parent: '' };
  return { dev: scope.ifname(h.ifindex) ?? String(h.ifindex), ifindex: h.ifindex, parent: formatFilterParent(h.parent) };
}

/** A dumped filter message as a Filter; `asked`: the request's header, what a block's filter shows as its own. */
export function filterObject(m: GettfilterDumpReply, scope: Scope, asked?: Header): Filter {
  const prio = m.info >>> 16;
  const protocol = swap16(m.info & 0xffff);
  const h = headerOf(m, asked);
  // the place's fields given, not spread: one object per filter of a dump
  const { dev, ifindex, parent } = placeView(scope, h);
  const f: Filter = { dev, ifindex, parent, kind: m.kind ?? '', protocol: ethertypeWord(protocol), pref: prio, chain: m.chain ?? 0 };
  if (h.block !== undefined) f.block = h.block;
  const k = m.kind ? FILTER_KINDS[m.kind] : undefined;
  if (m.handle) f.handle = k ? k.formatHandle(m.handle) : `0x${m.handle.toString(16)}`;
  if (m.options !== undefined) Object.assign(f, k ? k.decode(m.options, scope, protocol) : { options: m.options });
  return f;
}


/**
 * The dump of `list`: each reply tested as it arrives (its prio, protocol, kind and handle are
 * numbers in the message) and only a kept one made a Filter; undefined for the others.
 */
function listCall(scope: Scope, sel: FilterSelector): Call<Filter | undefined> {
  const { req, prio, protocol, kind, handle } = selectorRequest(scope, sel, true);
  const { kind: _k, ...dump } = req;
  // every link's name now: filters are made as their messages arrive, and a name looked up
  // then would be a link dump in the middle of this one (index 0 is no link's: the table)
  scope.ifname(0);
  const keep = (m: GettfilterDumpReply) => (!prio || m.info >>> 16 === prio) && (protocol === undefined || swap16(m.info & 0xffff) === protocol)
    && (kind === undefined || m.kind === kind) && (!handle || m.handle === handle);
  return opCallEach(tcFamily, 'gettfilter', 'dump', dump, (m) => (keep(m) ? filterObject(m, scope, req) : undefined));
}

const kept = (f: Filter | undefined): f is Filter => f !== undefined;

/**
 * The filters `list` gives, each as its message arrives (`tc filter show` of thousands prints
 * them without holding them all): over the context's connection, in its namespace.
 */
export async function* streamFilters(ctx: RouteContext, sel: FilterSelector): AsyncGenerator<Filter> {
  const scope = ctx.scope();
  try {
    for await (const f of scope.conn.stream(listCall(scope, sel))) if (f) yield f;
  } finally {
    scope.finish();
  }
}

const OPS = {
  /** Filters of a device under a parent (`tc filter show dev X ingress`), narrowed by prio, protocol, kind, handle, chain. */
  list: (scope: Scope, sel: FilterSelector): Step<Filter[]> => {
    return { ...listCall(scope, sel), result: (filters: (Filter | undefined)[]) => filters.filter(kept) };
  },
  /** One filter by dev, parent, prio, protocol, kind and handle (`tc filter get`). */
  get: (scope: Scope, sel: FilterSelector): Step<Filter> => {
    const { req, prio } = selectorRequest(scope, sel, false);
    if (!prio || !req.kind || !req.handle) throw new NetlinkArgumentError('filter', 'get needs prio, kind and handle (as tc filter get)');
    return opCall(tcFamily, 'gettfilter', 'do', req, { result: (r) => filterObject(r[0]!, scope, req) });
  },
  /**
   * add (EEXIST if the handle is taken), change (the filter there), replace; and delete: with
   * prio, protocol, kind and handle one filter; with prio alone every filter of that priority;
   * with none, every filter under the parent (`tc filter del dev X ingress`). Each takes one
   * spec or an array (one transaction, failures by index).
   */
  ...writeOps<FilterSpec, FilterSelector>(
    (scope, spec, flags) => opItem(tcFamily, 'newtfilter', filterRequest(scope, spec, (flags & NLM_F_CREATE) !== 0), { flags }),
    (scope, sel) => opItem(tcFamily, 'deltfilter', selectorRequest(scope, sel, false).req),
  ),
};

export type Filters = TcOps<typeof OPS, FilterSpec, FilterSelector>;

export function makeFilters(ctx: RouteContext): Filters {
  return bindOps(ctx, OPS) as unknown as Filters;
}

