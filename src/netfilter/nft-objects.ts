// Tables, chains, sets, elements and rules as the kernel lists them, turned into objects with
// names (families, hooks, policies, set types, rule expressions in builder shapes).
import type { DumpResult } from '../core/message.js';
import { NetlinkArgumentError } from '../core/errors.js';
import { opCall } from '../ynl/op-call.js';
import {
  description as nft, type GetchainDumpReply, type GetruleDumpReply, type GetsetDumpReply, type GetsetelemDumpReply, type GetsetelemDumpRequest, type GettableDumpReply, type SetelemAttrsSet,
} from '../ynl/families/nftables.js';
import type { NftElement, NftExpr, NftScalar, NftVerdict } from './nft-expr.js';
import type { NftFlowtable, NftObject } from './nft-stateful.js';
import { concatTypesOf, keyTypeOf, tupleBytes, tupleOf } from './nft-concat.js';
import { decodeRule, type AnonSetContents } from './nft-expr-decode.js';
import type { NftSetFlag, NftTableFlag } from './nft-commands.js';
import {
  familyName, familyValue, headFor, hookName, inTable, NFT_DATA_VERDICT, setTypeName, type NftChainType, type NftFamily, type NftHook, type NftPolicy, type NftSetType,
} from './nft-names.js';
import { compareHostNumbers, compareKeys, decodeElements } from './nft-set-elements.js';
import { decodeComment } from './nft-userdata.js';
import { bytesValue, SET_TYPE_KINDS } from './nft-values.js';
import type { Step } from '../route/context.js';
import { seq } from '../route/context.js';

export interface NftTable {
  family: NftFamily;
  name: string;
  handle: number;
  flags: NftTableFlag[];
  /** Chains, sets... that the table holds. */
  use: number;
}

export interface NftChain {
  family: NftFamily;
  table: string;
  name: string;
  handle: number;
  use: number;
  /** Base chains only. */
  type?: NftChainType;
  hook?: NftHook;
  priority?: number;
  policy?: NftPolicy;
  device?: string;
}

export interface NftSet {
  family: NftFamily;
  table: string;
  name: string;
  handle: number;
  /** Key type (a list for a set of tuples; a number when nlkit has no name for it). */
  type: NftSetType | NftSetType[] | number;
  /** Maps: the data type ('verdict' for verdict maps). */
  map?: NftSetType | 'verdict' | number;
  flags: (NftSetFlag | 'anonymous' | 'map' | 'object' | 'concat' | 'expr')[];
  /** ms. */
  timeout?: number;
  /** The most elements the set holds, when it was given one (nft gives dynamic sets 65535). */
  size?: number;
  /** With `elements: true`: the elements (values, or `{ key, value }` in maps). */
  elements?: NftSetElement[];
  /**
   * With `elements: true`, when an element expires: for each element (the same index), its
   * own timeout when it is not the set's, and the time it has left, in ms (null: neither).
   */
  expiry?: (NftElementExpiry | null)[];
}

export interface NftElementExpiry {
  timeout?: number;
  expires?: number;
}

/** A value, a tuple (sets of tuples), or `{ key, value }` (maps). */
export type NftSetElement = NftElement | NftScalar[] | { key: NftElement; value: NftElement | NftVerdict };

export interface NftRule {
  family: NftFamily;
  table: string;
  chain: string;
  handle: number;
  expr: NftExpr[];
  comment?: string;
}

export interface NftRuleset {
  tables: NftTable[];
  chains: NftChain[];
  sets: NftSet[];
  rules: NftRule[];
  /** Named counters, quotas and limits. */
  objects: NftObject[];
  flowtables: NftFlowtable[];
}

const num = (v: unknown): number => (typeof v === 'bigint' ? Number(v) : typeof v === 'number' ? v : 0);
const names = <T extends string>(v: unknown): T[] => (Array.isArray(v) ? v.filter((x): x is T => typeof x === 'string') : []);

function fam(v: number): NftFamily {
  const f = familyName(v);
  return f.startsWith('family-') ? ('unknown' as NftFamily) : (f as NftFamily);
}

export function toTable(r: GettableDumpReply): NftTable {
  return { family: fam(r.nfgenFamily), name: r.name ?? '', handle: num(r.handle), flags: names<NftTableFlag>(r.flags), use: num(r.use) };
}

export function toChain(r: GetchainDumpReply): NftChain {
  const family = fam(r.nfgenFamily);
  const c: NftChain = { family, table: r.table ?? '', name: r.name ?? '', handle: num(r.handle), use: num(r.use) };
  if (r.hook) {
    if (r.type !== undefined) c.type = r.type as NftChainType;
    if (r.hook.num !== undefined) c.hook = hookName(family, r.hook.num) as NftHook;
    if (r.hook.priority !== undefined) c.priority = r.hook.priority;
    if (r.policy !== undefined) c.policy = r.policy === 1 ? 'accept' : 'drop';
    if (r.hook.dev !== undefined) c.device = r.hook.dev;
  }
  return c;
}

function setType(id: number | undefined, len?: number): NftSetType | NftSetType[] | number {
  return setTypeName(id ?? 0) ?? concatTypesOf(id ?? 0, len) ?? id ?? 0;
}

export function toSet(r: GetsetDumpReply): NftSet {
  // the kernel's NFT_SET_EVAL is what nft calls 'dynamic'
  const flags = names<NftSet['flags'][number] | 'eval'>(r.flags).map((f) => (f === 'eval' ? 'dynamic' : f));
  const s: NftSet = { family: fam(r.nfgenFamily), table: r.table ?? '', name: r.name ?? '', handle: num(r.handle), type: setType(r.keyType, r.keyLen), flags };
  if (flags.includes('map') && r.dataType !== undefined) {
    const data = r.dataType === NFT_DATA_VERDICT ? 'verdict' : setType(r.dataType);
    if (!Array.isArray(data)) s.map = data;
  }
  if (r.timeout !== undefined) s.timeout = num(r.timeout);
  if (r.desc?.size) s.size = r.desc.size;
  return s;
}

const isVerdict = (v: unknown): v is { code?: unknown; chain?: unknown } => typeof v === 'object' && v !== null;

/** An element's own timeout and time left (NFTA_SET_ELEM_TIMEOUT, _EXPIRATION), if it has either. */
function expiryOf(e: SetelemAttrsSet): NftElementExpiry | null {
  const x: NftElementExpiry = {};
  if (e.timeout !== undefined) x.timeout = num(e.timeout);
  if (e.expiration !== undefined) x.expires = num(e.expiration);
  return x.timeout === undefined && x.expires === undefined ? null : x;
}

/** A set's elements in builder shapes (map data by the map's type; a verdict as accept()/jump(...)). */
export function toElements(set: NftSet, elems: readonly SetelemAttrsSet[]): NftSetElement[] {
  return elementsWithExpiry(set, elems).elements;
}

/** The elements, and their expiry (undefined when none expires). */
export function elementsWithExpiry(set: NftSet, elems: readonly SetelemAttrsSet[]): { elements: NftSetElement[]; expiry?: (NftElementExpiry | null)[] } {
  if (typeof set.type === 'number') throw new NetlinkArgumentError('set', `${set.table} ${set.name} has key type ${set.type}, which nlkit cannot read`);
  const pairs: [NftSetElement, SetelemAttrsSet][] = [];
  if (Array.isArray(set.type)) {
    const types = set.type;
    for (const e of elems) {
      const t = Buffer.isBuffer(e.key?.value) ? tupleOf(types, e.key.value) : undefined;
      if (t !== undefined) pairs.push([t, e]);
    }
    // in nft's listing order: the whole concatenated key as one host-order number (so on a
    // little-endian host the last field weighs most), whatever the fields' own byte orders
    pairs.sort((a, b) => compareHostNumbers(a[1].key!.value as Buffer, b[1].key!.value as Buffer));
  } else if (set.map === undefined) {
    const d = decodeElements(SET_TYPE_KINDS[set.type], elems, set.flags.includes('interval'));
    return withExpiry(d.values, d.sources);
  } else {
    const kind = SET_TYPE_KINDS[set.type];
    // in key order, as nft prints them (the kernel's hash order is arbitrary)
    const sorted = [...elems].sort((a, b) => compareKeys(kind, a.key?.value ?? Buffer.alloc(0), b.key?.value ?? Buffer.alloc(0)));
    for (const e of sorted) {
      const [key] = decodeElements(kind, [e], false).values;
      if (key === undefined) continue;
      const v = e.data?.verdict;
      if (set.map === 'verdict' && isVerdict(v)) {
        const code = v.code as NftVerdict['verdict'];
        pairs.push([{ key, value: typeof v.chain === 'string' ? { kind: 'verdict', verdict: code, chain: v.chain } : { kind: 'verdict', verdict: code } }, e]);
      } else if (typeof set.map === 'string' && set.map !== 'verdict' && Buffer.isBuffer(e.data?.value)) {
        const value = bytesValue(SET_TYPE_KINDS[set.map], e.data.value);
        if (value !== undefined && !Array.isArray(value)) pairs.push([{ key, value }, e]);
      }
    }
  }
  return withExpiry(pairs.map(([v]) => v), pairs.map(([, e]) => e));
}

/** Elements and the attributes each came from: their expiry beside them when any expires. */
function withExpiry(elements: NftSetElement[], sources: readonly SetelemAttrsSet[]): { elements: NftSetElement[]; expiry?: (NftElementExpiry | null)[] } {
  const expiry = sources.map(expiryOf);
  return { elements, ...(expiry.some((x) => x !== null) ? { expiry } : {}) };
}

export function toRule(r: GetruleDumpReply, sets?: ReadonlyMap<string, AnonSetContents>): NftRule {
  const family = fam(r.nfgenFamily);
  const rule: NftRule = { family, table: r.table ?? '', chain: r.chain ?? '', handle: num(r.handle), expr: decodeRule(r.expressions?.elem ?? [], { family, sets }) };
  const comment = decodeComment(r.userdata);
  if (comment !== undefined) rule.comment = comment;
  return rule;
}

/** A filter's family as nfgenmsg's (0: every family). */
export function familyFilter(family: unknown): number {
  return family === undefined ? 0 : familyValue(family);
}

export function tablesCall(family: number) {
  return opCall(nft, 'gettable', 'dump', headFor(family));
}

export function chainsCall(family: number) {
  return opCall(nft, 'getchain', 'dump', headFor(family));
}

/**
 * Sets (of one table: the kernel looks a set dump's table up in the request's family, so a
 * table without a family is filtered here).
 */
export function setsCall(family: number, table?: string) {
  if (table === undefined || family === 0)
    return opCall(nft, 'getset', 'dump', headFor(family), { result: (r: GetsetDumpReply[]) => (table === undefined ? r : r.filter((s) => s.table === table)) });
  return opCall(nft, 'getset', 'dump', inTable(family, table));
}

export function rulesCall(family: number, table?: string, chain?: string) {
  const req: Record<string, unknown> = headFor(family);
  if (table !== undefined) req.table = table;
  if (chain !== undefined) req.chain = chain;
  return opCall(nft, 'getrule', 'dump', req);
}

export function elementsCall(family: NftFamily, table: string, set: string) {
  const req: GetsetelemDumpRequest = inTable(familyValue(family), table);
  req.set = set;
  return opCall(nft, 'getsetelem', 'dump', req, {
    result: (r: DumpResult<GetsetelemDumpReply>) => r.flatMap((m) => m.elements?.elem ?? []),
  });
}

/**
 * Rules decoded with their tables' anonymous sets (what their `{ set: [...] }` values hold):
 * `sets` as listed, `elems[i]` the elements of `sets[i]`.
 */
export function rulesOf(rules: readonly GetruleDumpReply[], sets: readonly NftSet[], elems: readonly unknown[]): NftRule[] {
  const byTable = new Map<string, Map<string, AnonSetContents>>();
  sets.forEach((s, i) => {
    if (!s.flags.includes('anonymous')) return;
    const k = `${s.family} ${s.table}`;
    if (!byTable.has(k)) byTable.set(k, new Map());
    const key = typeof s.type === 'number' ? { id: s.type, len: undefined } : keyTypeOf(s.type);
    byTable.get(k)!.set(s.name, { keyType: key.id, keyLen: key.len, interval: s.flags.includes('interval'), elements: elems[i] as SetelemAttrsSet[] });
  });
  return rules.map((r) => toRule(r, byTable.get(`${fam(r.nfgenFamily)} ${r.table}`)));
}

/**
 * Rules (and, for their `{ set: [...] }` values, the anonymous sets of their tables): the
 * rule dump and the set dump, then the elements of each anonymous set a rule's table has.
 */
export function rulesStep(family: number, table?: string, chain?: string): Step<NftRule[]> {
  return seq([rulesCall(family, table, chain), setsCall(family, table)], (v: unknown[]) => {
    const [rules, sets] = v as [GetruleDumpReply[], GetsetDumpReply[]];
    const used = new Set(rules.map((r) => `${fam(r.nfgenFamily)} ${r.table}`));
    const wanted = sets.map(toSet).filter((s) => s.flags.includes('anonymous') && used.has(`${s.family} ${s.table}`));
    return seq(wanted.map((s) => elementsCall(s.family, s.table, s.name)), (elems: unknown[]) => ({ value: rulesOf(rules, wanted, elems) }));
  });
}
