// The commands of a transaction (`{ add: 'table', family: 'ip', name: 't' }`...) as the
// kernel's requests, each a typed item of the generated nftables description.
import { NLM_F_APPEND, NLM_F_CREATE, NLM_F_ECHO, NLM_F_EXCL, NLM_F_REPLACE } from '../core/constants.js';
import { NetlinkArgumentError } from '../core/errors.js';
import type { TransactionItem } from '../core/transaction.js';
import { opItem } from '../ynl/op-call.js';
import {
  description as nft, type NewchainDoRequest, type NewruleDoRequest, type NewsetDoRequest, type NewsetelemDoRequest, type NewtableDoRequest, type SetelemAttrsSet,
  type SetFlagsEnum, type TableFlagsEnum,
} from '../ynl/families/nftables.js';
import type { NftElement, NftExpr, NftScalar, NftVerdict } from './nft-expr.js';
import { ANON_SET_NAME, encodeRule, type AnonSet } from './nft-expr-encode.js';
import {
  CHAIN_TYPES, checkName, familyValue, headFor, hookValue, inTable, objectKey, NFT_DATA_VERDICT, POLICIES, priorityValue, SET_TYPES, setTypeOf,
  type NftChainType, type NftFamily, type NftHook, type NftPolicy, type NftSetType,
} from './nft-names.js';
import { encodeElements } from './nft-set-elements.js';
import { SET_TYPE_KINDS, timeoutMs, valueBytes } from './nft-values.js';
import { keyTypeOf, setTypesOf, tupleBytes } from './nft-concat.js';
import type { SetTypeInfo } from './nft-set-info.js';
import { STATEFUL_KINDS, statefulItems, type NftCounterSpec, type NftFlowtableSpec, type NftLimitSpec, type NftQuotaSpec, type NftStatefulKind } from './nft-stateful.js';
import { encodeComment, setUserdata } from './nft-userdata.js';
import { quote } from '../core/options.js';

/** What a command does: add (create if missing), create (fail if it exists), insert/replace (rules), delete, destroy (delete if there), flush. */
export type NftVerb = 'add' | 'create' | 'insert' | 'replace' | 'delete' | 'destroy' | 'flush';

export type NftTableFlag = 'dormant' | 'owner' | 'persist';

interface InFamily {
  family: NftFamily;
}

export interface NftTableSpec extends InFamily {
  name: string;
  flags?: NftTableFlag[];
}

export interface NftChainSpec extends InFamily {
  table: string;
  name: string;
  /** Base chains: type, hook and priority (a number or nft's 'filter', 'srcnat', 'dstnat'... with '+ N'). */
  type?: NftChainType;
  hook?: NftHook;
  priority?: number | string;
  policy?: NftPolicy;
  /** netdev (and inet ingress) chains: the device. */
  device?: string;
}

export interface NftRuleSpec extends InFamily {
  table: string;
  chain: string;
  expr: NftExpr[];
  /** add: after this rule's handle; insert: before it. replace/delete: the rule. */
  handle?: number;
  comment?: string;
}

/** dynamic: rules may add elements (`add @set { ... }`, the kernel's NFT_SET_EVAL). */
export type NftSetFlag = 'constant' | 'interval' | 'timeout' | 'dynamic';

export interface NftSetSpec extends InFamily {
  table: string;
  name: string;
  /** Key type: ipv4_addr, ipv6_addr, inet_service, ifname, mark... or a list (a set of tuples: `ipv4_addr . inet_service`). */
  type: NftSetType | NftSetType[];
  /** Maps: the data type, or 'verdict' (a verdict map). */
  map?: NftSetType | 'verdict';
  flags?: NftSetFlag[];
  /** ms: elements expire after this (nft's `timeout 30s`; the timeout flag is set with it). */
  timeout?: number;
  /** The most elements the set may hold (nft's `size N`). */
  size?: number;
  /** Elements added with the set. */
  elements?: NftSetElementSpec[];
}

/**
 * A set element: a value (prefix, range), a tuple in a set of tuples, or, in a map, `{ key,
 * value }`; `{ key, timeout }` (ms) is a value or tuple that expires after its own timeout
 * (not in interval sets).
 */
export type NftSetElementSpec = NftElement | NftScalar[] | { key: NftElement; value: NftElement | NftVerdict; timeout?: number } | { key: NftElement | NftScalar[]; timeout: number };

export interface NftElementsSpec extends InFamily {
  table: string;
  set: string;
  elements: NftSetElementSpec[];
  /** The set's key type (and map data type) when the set is not made in the same transaction: else looked up. */
  type?: NftSetType | NftSetType[];
  map?: NftSetType | 'verdict';
  interval?: boolean;
}

export type NftCommand =
  | ({ [V in 'add' | 'create' | 'delete' | 'destroy']: { [K in V]: 'table' } & NftTableSpec }[ 'add' | 'create' | 'delete' | 'destroy'])
  | ({ flush: 'table' } & InFamily & { name: string })
  | ({ [V in 'add' | 'create']: { [K in V]: 'chain' } & NftChainSpec }['add' | 'create'])
  | ({ [V in 'delete' | 'destroy' | 'flush']: { [K in V]: 'chain' } & InFamily & { table: string; name: string } }['delete' | 'destroy' | 'flush'])
  | ({ [V in 'add' | 'insert' | 'replace']: { [K in V]: 'rule' } & NftRuleSpec }['add' | 'insert' | 'replace'])
  | ({ [V in 'delete' | 'destroy']: { [K in V]: 'rule' } & InFamily & { table: string; chain: string; handle: number } }['delete' | 'destroy'])
  | ({ [V in 'add' | 'create']: { [K in V]: 'set' } & NftSetSpec }['add' | 'create'])
  | ({ [V in 'delete' | 'destroy' | 'flush']: { [K in V]: 'set' } & InFamily & { table: string; name: string } }['delete' | 'destroy' | 'flush'])
  | ({ [V in 'add' | 'create' | 'delete' | 'destroy']: { [K in V]: 'element' } & NftElementsSpec }['add' | 'create' | 'delete' | 'destroy'])
  | ({ flush: 'ruleset' } & Partial<InFamily>)
  | ({ [V in 'add' | 'create']: { [K in V]: 'counter' } & NftCounterSpec }['add' | 'create'])
  | ({ [V in 'add' | 'create']: { [K in V]: 'quota' } & NftQuotaSpec }['add' | 'create'])
  | ({ [V in 'add' | 'create']: { [K in V]: 'limit' } & NftLimitSpec }['add' | 'create'])
  | ({ [V in 'add' | 'create']: { [K in V]: 'flowtable' } & NftFlowtableSpec }['add' | 'create'])
  | ({ [V in 'delete' | 'destroy']: { [K in V]: NftStatefulKind } & InFamily & { table: string; name: string } }['delete' | 'destroy']);

export const VERBS: readonly NftVerb[] = ['add', 'create', 'insert', 'replace', 'delete', 'destroy', 'flush'];
const OBJECTS = ['table', 'chain', 'rule', 'set', 'element', 'ruleset', ...STATEFUL_KINDS] as const;
export type NftObjectKind = (typeof OBJECTS)[number];

/** The objects each verb takes. */
const VERB_OBJECTS: Record<NftVerb, readonly string[]> = {
  add: ['table', 'chain', 'rule', 'set', 'element', ...STATEFUL_KINDS], create: ['table', 'chain', 'set', 'element', ...STATEFUL_KINDS], insert: ['rule'], replace: ['rule'],
  delete: ['table', 'chain', 'rule', 'set', 'element', ...STATEFUL_KINDS], destroy: ['table', 'chain', 'rule', 'set', 'element', ...STATEFUL_KINDS],
  flush: ['table', 'chain', 'set', 'ruleset'],
};

/** The command's verb and object ('add', 'rule'), checked. */
export function verbOf(cmd: unknown, where: string): { verb: NftVerb; object: NftObjectKind } {
  if (typeof cmd !== 'object' || cmd === null) throw new NetlinkArgumentError(where, `must be a command object ({ add: 'table', ... }), got ${cmd === null ? 'null' : typeof cmd}`, 'ERR_INVALID_ARG_TYPE');
  const verbs = VERBS.filter((v) => Object.hasOwn(cmd, v));
  if (verbs.length !== 1) throw new NetlinkArgumentError(where, `must have exactly one of ${VERBS.join(', ')} (naming the object), got ${verbs.length ? verbs.join(', ') : 'none'}`);
  const verb = verbs[0];
  const object = (cmd as Record<string, unknown>)[verb];
  if (!OBJECTS.includes(object as NftObjectKind)) throw new NetlinkArgumentError(`${where}.${verb}`, `must be one of ${OBJECTS.join(', ')}, got ${quote(object)}`);
  const ok = VERB_OBJECTS;
  if (!ok[verb].includes(object as string)) throw new NetlinkArgumentError(where, `cannot ${verb} a ${String(object)} (${verb} takes: ${ok[verb].join(', ')})`);
  return { verb, object: object as NftObjectKind };
}

/** What a batch knows while it is built: set ids, and the sets made in it (their types). */
export interface BatchState {
  nextId: number;
  /** Sets created earlier in this batch: 'family table name' -> spec. */
  sets: Map<string, SetTypeInfo>;
  /** Sets known from the kernel (looked up before the batch). */
  known?: Map<string, SetTypeInfo>;
  /** Interface indexes by name, in the namespace the batch goes to. */
  ifindex?: (name: string, option: string) => number;
}

export const setKey = (family: NftFamily, table: string, name: string): string => `${family} ${table} ${name}`;

type Item = TransactionItem<unknown>;

/** A rule request's head: its table and chain (a literal: see headFor). */
const ruleOf = (family: number, table: string, chain: string) => ({ nfgenFamily: family, version: 0, resId: 0, table, chain });

/**
 * A set's elements request (NFT_MSG_*SETELEM; a flush without elements). Attributes go out
 * in the order they are set here, nft's: an anonymous set's id before its elements.
 */
function elementsOf(family: number, table: string, set: string, elements?: SetelemAttrsSet[], setId?: number): NewsetelemDoRequest {
  const req: NewsetelemDoRequest = inTable(family, table);
  req.set = set;
  if (setId !== undefined) req.setId = setId;
  if (elements) req.elements = { elem: elements };
  return req;
}

function handleOf(v: unknown, option: string): bigint {
  if ((typeof v === 'number' && Number.isSafeInteger(v) && v > 0) || (typeof v === 'bigint' && v > 0n)) return BigInt(v);
  throw new NetlinkArgumentError(option, `must be a positive rule handle, got ${quote(typeof v === 'bigint' ? String(v) : v)}`);
}

const TABLE_FLAGS: readonly NftTableFlag[] = ['dormant', 'owner', 'persist'];
const SET_FLAGS: readonly NftSetFlag[] = ['constant', 'interval', 'timeout', 'dynamic'];
/** The kernel's names of nlkit's set flags (nft's 'dynamic' is NFT_SET_EVAL). */
const SET_FLAG_NAMES: Record<NftSetFlag, SetFlagsEnum> = { constant: 'constant', interval: 'interval', timeout: 'timeout', dynamic: 'eval' };

function flagList<F extends string>(v: unknown, allowed: readonly F[], option: string): F[] {
  if (v === undefined) return [];
  if (!Array.isArray(v) || v.some((f) => !allowed.includes(f))) throw new NetlinkArgumentError(option, `must be a list of ${allowed.join(', ')}, got ${quote(v)}`);
  return v as F[];
}

function tableItems(verb: NftVerb, c: NftTableSpec, where: string, echo: boolean): Item[] {
  const fam = familyValue(c.family);
  const name = checkName(c.name, `${where}.name`);
  // flush table: every rule of every chain
  if (verb === 'flush') return [opItem(nft, 'delrule', inTable(fam, name))];
  const req: NewtableDoRequest = headFor(fam);
  req.name = name;
  if (verb === 'delete') return [opItem(nft, 'deltable', req)];
  if (verb === 'destroy') return [opItem(nft, 'destroytable', req)];
  req.flags = flagList(c.flags, TABLE_FLAGS, `${where}.flags`) as TableFlagsEnum[];
  return [opItem(nft, 'newtable', req, { flags: NLM_F_CREATE | (verb === 'create' ? NLM_F_EXCL : 0) | (echo ? NLM_F_ECHO : 0) })];
}

function chainItems(verb: NftVerb, c: NftChainSpec, where: string, echo: boolean): Item[] {
  const fam = familyValue(c.family);
  const table = checkName(c.table, `${where}.table`), name = checkName(c.name, `${where}.name`);
  if (verb === 'flush') return [opItem(nft, 'delrule', ruleOf(fam, table, name))];
  const req: NewchainDoRequest = objectKey(fam, table, name);
  if (verb === 'delete') return [opItem(nft, 'delchain', req)];
  if (verb === 'destroy') return [opItem(nft, 'destroychain', req)];
  const base = c.hook !== undefined || c.type !== undefined || c.priority !== undefined;
  if (base) {
    if (c.hook === undefined) throw new NetlinkArgumentError(`${where}.hook`, 'a base chain (type/priority given) needs a hook');
    const type = c.type ?? 'filter';
    if (!CHAIN_TYPES.includes(type)) throw new NetlinkArgumentError(`${where}.type`, `must be one of ${CHAIN_TYPES.join(', ')}, got ${quote(type)}`);
    req.type = type;
    req.hook = { num: hookValue(c.family, c.hook), priority: priorityValue(c.family, c.priority ?? 'filter', c.hook, `${where}.priority`) };
    if (c.device !== undefined) req.hook.dev = checkName(c.device, `${where}.device`);
    if (c.policy !== undefined) {
      if (!Object.hasOwn(POLICIES, c.policy)) throw new NetlinkArgumentError(`${where}.policy`, `must be 'accept' or 'drop', got ${quote(c.policy)}`);
      req.policy = POLICIES[c.policy];
    }
  } else if (c.policy !== undefined || c.device !== undefined) {
    throw new NetlinkArgumentError(`${where}.policy`, 'only a base chain (with type, hook and priority) has a policy or a device');
  }
  return [opItem(nft, 'newchain', req, { flags: NLM_F_CREATE | (verb === 'create' ? NLM_F_EXCL : 0) | (echo ? NLM_F_ECHO : 0) })];
}

function anonSetItems(family: NftFamily, table: string, s: AnonSet): Item[] {
  const fam = familyValue(family);
  const t = keyTypeOf(s.keyType);
  const set: NewsetDoRequest = objectKey(fam, table, ANON_SET_NAME);
  set.flags = s.interval ? ['anonymous', 'constant', 'interval'] : ['anonymous', 'constant'];
  set.keyType = t.id;
  set.keyLen = t.len;
  set.id = s.id;
  set.desc = { size: s.elements.length };
  set.userdata = setUserdata(t.order);
  return [opItem(nft, 'newset', set, { flags: NLM_F_CREATE }), opItem(nft, 'newsetelem', elementsOf(fam, table, ANON_SET_NAME, s.elements, s.id), { flags: NLM_F_CREATE })];
}

function ruleItems(verb: NftVerb, c: NftRuleSpec, where: string, state: BatchState, echo: boolean): Item[] {
  const fam = familyValue(c.family);
  const table = checkName(c.table, `${where}.table`), chain = checkName(c.chain, `${where}.chain`);
  const req: NewruleDoRequest = ruleOf(fam, table, chain);
  if (verb === 'delete' || verb === 'destroy') {
    req.handle = handleOf(c.handle, `${where}.handle`);
    return [opItem(nft, verb === 'delete' ? 'delrule' : 'destroyrule', req)];
  }
  const enc = encodeRule(c.expr, { family: c.family, newSetId: () => state.nextId++, ifindex: state.ifindex }, `${where}.expr`);
  // mostCommandItems' bound: an expression brings at most one anonymous set
  if (enc.sets.length > c.expr.length) throw new Error(`${where}: ${enc.sets.length} anonymous sets for ${c.expr.length} expressions (mostCommandItems is out of date)`);
  const items = enc.sets.flatMap((s) => anonSetItems(c.family, table, s));
  req.expressions = { elem: enc.exprs };
  if (c.comment !== undefined) req.userdata = encodeComment(c.comment, `${where}.comment`);
  let flags = echo ? NLM_F_ECHO : 0;
  if (verb === 'replace') {
    req.handle = handleOf(c.handle, `${where}.handle`);
    flags |= NLM_F_REPLACE;
  } else {
    if (c.handle !== undefined) req.position = handleOf(c.handle, `${where}.handle`);
    flags |= NLM_F_CREATE | (verb === 'add' ? NLM_F_APPEND : 0);
  }
  items.push(opItem(nft, 'newrule', req, { flags }));
  return items;
}

function setItems(verb: NftVerb, c: NftSetSpec, where: string, state: BatchState, echo: boolean): Item[] {
  const fam = familyValue(c.family);
  const table = checkName(c.table, `${where}.table`), name = checkName(c.name, `${where}.name`);
  if (verb === 'flush') return [opItem(nft, 'delsetelem', elementsOf(fam, table, name))];
  const req: NewsetDoRequest = objectKey(fam, table, name);
  if (verb === 'delete') return [opItem(nft, 'delset', req)];
  if (verb === 'destroy') return [opItem(nft, 'destroyset', req)];
  const types = setTypesOf(c.type, `${where}.type`);
  const type = types.length === 1 ? types[0] : types;
  const given = flagList(c.flags, SET_FLAGS, `${where}.flags`);
  if (types.length > 1 && given.includes('interval')) throw new NetlinkArgumentError(`${where}.flags`, 'nlkit writes sets of tuples without intervals');
  const flags = given.map((f) => SET_FLAG_NAMES[f]);
  const key = keyTypeOf(type);
  req.keyType = key.id;
  req.keyLen = key.len;
  req.id = state.nextId++;
  if (c.map !== undefined) {
    flags.push('map');
    if (c.map === 'verdict') Object.assign(req, { dataType: NFT_DATA_VERDICT, dataLen: 0 });
    else {
      const d = setTypeOf(c.map, `${where}.map`);
      Object.assign(req, { dataType: SET_TYPES[d].id, dataLen: SET_TYPES[d].len });
    }
  }
  req.flags = flags;
  if (types.length > 1 && c.map !== undefined) throw new NetlinkArgumentError(`${where}.map`, 'nlkit writes sets of tuples, not maps with tuple keys');
  req.userdata = setUserdata(key.order, c.map === undefined || c.map === 'verdict' ? undefined : SET_TYPES[c.map].order);
  if (c.timeout !== undefined) {
    req.timeout = timeoutMs(c.timeout, `${where}.timeout`);
    // a default timeout makes a set of expiring elements: nft sets the flag for it (the kernel refuses one without)
    if (!flags.includes('timeout')) flags.push('timeout');
  }
  if (c.size !== undefined) {
    if (!Number.isSafeInteger(c.size) || c.size <= 0 || c.size > 0xffffffff) throw new NetlinkArgumentError(`${where}.size`, `must be a positive number of elements (u32), got ${quote(c.size)}`);
    req.desc = { size: c.size };
  }
  const info = { type, map: c.map, interval: flags.includes('interval') };
  state.sets.set(setKey(c.family, table, name), info);
  const items: Item[] = [opItem(nft, 'newset', req, { flags: NLM_F_CREATE | (verb === 'create' ? NLM_F_EXCL : 0) | (echo ? NLM_F_ECHO : 0) })];
  if (c.elements !== undefined && c.elements.length) items.push(...elementItems('add', { family: c.family, table, set: name, elements: c.elements }, where, state));
  return items;
}

const isMapElement = (e: unknown): e is { key: NftElement; value: NftElement | NftVerdict; timeout?: number } =>
  typeof e === 'object' && e !== null && !Array.isArray(e) && 'key' in e && 'value' in e;
/** `{ key, timeout }`: a set's value with its own timeout. */
const isTimedElement = (e: unknown): e is { key: NftElement | NftScalar[]; timeout: number } =>
  typeof e === 'object' && e !== null && !Array.isArray(e) && 'key' in e && 'timeout' in e && !('value' in e);

/** The elements, each encoded alone, with the timeout a `{ key, timeout }` element has. */
function timedElements(elements: readonly unknown[], where: string, encode: (key: unknown, option: string) => SetelemAttrsSet): SetelemAttrsSet[] {
  return elements.map((e, i) => {
    const timed = isTimedElement(e);
    const el = encode(timed ? e.key : e, `${where}.elements[${i}]${timed ? '.key' : ''}`);
    if (timed) el.timeout = timeoutMs(e.timeout, `${where}.elements[${i}].timeout`);
    return el;
  });
}

/** Elements of a set, as the kernel's: keys (and intervals) by the set's key type, map data by its data type. */
function encodeSetElements(c: NftElementsSpec, info: SetTypeInfo, where: string, keysOnly = false): SetelemAttrsSet[] {
  if (!Array.isArray(c.elements)) throw new NetlinkArgumentError(`${where}.elements`, 'must be an array', 'ERR_INVALID_ARG_TYPE');
  if (Array.isArray(info.type)) {
    const types = info.type;
    return timedElements(c.elements, where, (t, at) => ({ key: { value: tupleBytes(types, t, at) } }));
  }
  const kind = SET_TYPE_KINDS[info.type];
  if (!info.map) {
    if (c.elements.some(isMapElement)) throw new NetlinkArgumentError(`${where}.elements`, 'has { key, value } elements but the set is not a map');
    if (!c.elements.some(isTimedElement)) return encodeElements(kind, c.elements, info.interval, `${where}.elements`);
    // an interval set's ranges are merged and split into starts and ends: nlkit gives them no timeouts
    if (info.interval) throw new NetlinkArgumentError(`${where}.elements`, 'has elements with their own timeout: nlkit writes those in sets without the interval flag only');
    return timedElements(c.elements, where, (key, at) => ({ key: { value: valueBytes(kind, key, at) } }));
  }
  // deleting from a map names the keys alone (as nft does: `delete element ip t m { 22 }`)
  if (keysOnly) return c.elements.map((e, i) => (isMapElement(e) ? { key: { value: valueBytes(kind, e.key, `${where}.elements[${i}].key`) } } : { key: { value: valueBytes(kind, e, `${where}.elements[${i}]`) } }));
  return c.elements.map((e, i) => {
    if (!isMapElement(e)) throw new NetlinkArgumentError(`${where}.elements[${i}]`, 'must be { key, value } in a map');
    const [el] = encodeElements(kind, [e.key], false, `${where}.elements[${i}].key`);
    if (info.map === 'verdict') {
      const v = e.value as NftVerdict;
      if (typeof v !== 'object' || v === null || (v as { kind?: string }).kind !== 'verdict') throw new NetlinkArgumentError(`${where}.elements[${i}].value`, 'must be a verdict (accept(), drop(), jump(chain)...) in a verdict map');
      el.data = { verdict: v.chain !== undefined ? { code: v.verdict, chain: v.chain } : { code: v.verdict } };
    } else {
      el.data = { value: encodeElements(SET_TYPE_KINDS[info.map!], [e.value as NftElement], false, `${where}.elements[${i}].value`)[0].key!.value };
    }
    if (e.timeout !== undefined) el.timeout = timeoutMs(e.timeout, `${where}.elements[${i}].timeout`);
    return el;
  });
}

function elementItems(verb: NftVerb, c: NftElementsSpec, where: string, state: BatchState): Item[] {
  const fam = familyValue(c.family);
  const table = checkName(c.table, `${where}.table`), set = checkName(c.set, `${where}.set`);
  const key = setKey(c.family, table, set);
  const types = c.type === undefined ? undefined : setTypesOf(c.type, `${where}.type`);
  const info: SetTypeInfo | undefined = types ? { type: types.length === 1 ? types[0] : types, map: c.map, interval: c.interval === true }
    : state.sets.get(key) ?? state.known?.get(key);
  if (!info) throw new NetlinkArgumentError(`${where}.type`, `set ${table} ${set} is not made in this transaction and was not found: give its type`);
  const removing = verb === 'delete' || verb === 'destroy';
  const req = elementsOf(fam, table, set, encodeSetElements(c, info, where, removing));
  if (removing) return [opItem(nft, verb === 'delete' ? 'delsetelem' : 'destroysetelem', req)];
  return [opItem(nft, 'newsetelem', req, { flags: NLM_F_CREATE | (verb === 'create' ? NLM_F_EXCL : 0) })];
}

/** Element commands whose set's type must be asked of the kernel first. */
export function setsToLookUp(cmds: readonly NftCommand[]): { family: NftFamily; table: string; set: string }[] {
  const made = new Set<string>();
  const out: { family: NftFamily; table: string; set: string }[] = [];
  for (const c of cmds) {
    const r = c as Record<string, unknown>;
    if ((r.add === 'set' || r.create === 'set') && typeof r.name === 'string') made.add(setKey(r.family as NftFamily, r.table as string, r.name));
    const isElem = VERBS.some((v) => r[v] === 'element');
    if (isElem && r.type === undefined && typeof r.set === 'string' && !made.has(setKey(r.family as NftFamily, r.table as string, r.set)))
      out.push({ family: r.family as NftFamily, table: r.table as string, set: r.set });
  }
  return out;
}

/**
 * The most requests commandItems makes of a command (the transaction reserves a sequence number for each):
 * a rule its own and, per expression, at most one anonymous set (its NEWSET and NEWSETELEM:
 * a match's or a concatenation's `{ set }` value); a set its own and its elements'.
 */
export function mostCommandItems(c: NftCommand, object: string): number {
  if (object === 'rule') {
    const expr = (c as { expr?: unknown }).expr;
    return 1 + 2 * (Array.isArray(expr) ? expr.length : 0);
  }
  return object === 'set' ? 2 : 1;
}

/** One command's requests (a rule may bring its anonymous sets first). */
export function commandItems(cmd: NftCommand, i: number, state: BatchState, echo: boolean): Item[] {
  const where = `commands[${i}]`;
  const { verb, object } = verbOf(cmd, where);
  const c = cmd as unknown as Record<string, unknown>;
  if (object === 'ruleset') {
    const fam = c.family === undefined ? 0 : familyValue(c.family, `${where}.family`);
    return [opItem(nft, 'deltable', headFor(fam))];
  }
  familyValue(c.family, `${where}.family`);
  switch (object) {
    case 'table': return tableItems(verb, c as unknown as NftTableSpec, where, echo);
    case 'chain': return chainItems(verb, c as unknown as NftChainSpec, where, echo);
    case 'rule': return ruleItems(verb, c as unknown as NftRuleSpec, where, state, echo);
    case 'set': return setItems(verb, c as unknown as NftSetSpec, where, state, echo);
    case 'element': return elementItems(verb, c as unknown as NftElementsSpec, where, state);
    default: return statefulItems(verb, object, c, where, echo);
  }
}
