// The object modules of an nftables handle: tables, chains, rules, sets and elements, each
// listing what the kernel has and changing it through one-command transactions.
import { NetlinkArgumentError } from '../core/errors.js';
import { opCall } from '../ynl/op-call.js';
import { description as nft, type GetobjDumpReply, type GetruleDumpReply, type GetchainDumpReply, type GetsetDumpReply, type GettableDumpReply, type SetelemAttrsSet } from '../ynl/families/nftables.js';
import { batchStep, type BatchOptions, type NftCommandResult, type NftTransactionResult } from './nft-batch.js';
import { setKey, setsToLookUp, type BatchState, type NftVerb, type NftChainSpec, type NftCommand, type NftElementsSpec, type NftRuleSpec, type NftSetSpec, type NftTableSpec } from './nft-commands.js';
import { bindOps, type Scope, type Step } from '../route/context.js';
import type { NetfilterContext } from './ct-context.js';
import { mapStep, seq } from '../route/context.js';
import type { NftFamily } from './nft-names.js';
import { checkName, familyValue, headFor } from './nft-names.js';
import {
  chainsCall, elementsCall, elementsWithExpiry, familyFilter, rulesCall, rulesOf, rulesStep, setsCall, tablesCall, toChain, toElements, toRule, toSet, toTable,
  type NftChain, type NftRuleset, type NftSet, type NftSetElement, type NftTable,
} from './nft-objects.js';
import type { SetTypeInfo } from './nft-set-info.js';
import type { NftObjectType } from './nft-expr.js';
import { flowtablesCall, objectsCall, toObject, type NftCounterSpec, type NftFlowtable, type NftFlowtableSpec, type NftLimitSpec, type NftObject, type NftQuotaSpec } from './nft-stateful.js';
import { setInfoOf } from './nft-set-info.js';
import { OBJECT_KINDS } from './nft-expr-encode.js';
import { quote } from '../core/options.js';

/**
 * A transaction's step: element commands without a type first look their set up (one set
 * dump per table), then the batch. Interface names in rules resolve in the call's namespace.
 */
export function transactionStep(scope: Scope, cmds: readonly NftCommand[], opts: BatchOptions = {}): Step<NftTransactionResult> {
  if (!Array.isArray(cmds)) throw new NetlinkArgumentError('commands', 'must be an array of commands', 'ERR_INVALID_ARG_TYPE');
  const ifindex = (name: string, option: string) => scope.ifindex(name, option);
  const lookups = setsToLookUp(cmds);
  if (!lookups.length) return batchStep(cmds, opts, undefined, ifindex);
  const tables = [...new Map(lookups.map((l) => [`${l.family} ${l.table}`, l])).values()];
  return seq(tables.map((l) => setsCall(familyValue(l.family, 'family'), checkName(l.table, 'table'))) as [Step<unknown>], (dumps: unknown[]) => {
    const known: BatchState['known'] = new Map();
    for (const r of (dumps as GetsetDumpReply[][]).flat()) {
      const info = setInfoOf(toSet(r));
      if (info) known.set(setKey(toSet(r).family, r.table ?? '', r.name ?? ''), info);
    }
    return batchStep(cmds, opts, known, ifindex);
  });
}

/** One command from a module's method: `cmd('add', 'rule', spec)`. */
const cmd = (verb: string, object: string, spec: object): NftCommand => ({ [verb]: object, ...spec }) as unknown as NftCommand;

const one = (s: Step<NftTransactionResult>): Step<NftCommandResult> => mapStep(s, (r) => r.commands[r.commands.length - 1]);

type Change<A> = (scope: Scope, arg: A) => Step<NftCommandResult>;

/**
 * A module's changes, each one command in a batch of its own: the verbs `made` take the
 * object's spec S (add, create), the verbs `named` its key K (delete, destroy, flush). The
 * object kind may depend on the argument (named objects: their type). Rules and elements,
 * which may name interfaces or sets to look up, go through transactionStep instead.
 */
function changes<S extends object, K extends object, const M extends NftVerb, const N extends NftVerb>(
  object: string | ((arg: S | K) => string), made: readonly M[], named: readonly N[],
): { [V in M]: Change<S> } & { [V in N]: Change<K> } {
  const out: Record<string, Change<S | K>> = {};
  for (const verb of [...made, ...named]) out[verb] = (_s, a) => one(batchStep([cmd(verb, typeof object === 'string' ? object : object(a), a)]));
  return out as { [V in M]: Change<S> } & { [V in N]: Change<K> };
}

/** A set with its elements, when nlkit can read its key type. */
const withElements = (s: NftSet, elems: unknown): NftSet => (typeof s.type === 'number' ? s : { ...s, ...elementsWithExpiry(s, elems as SetelemAttrsSet[]) });

/** What names a chain, set, flowtable or object of a table. */
export interface Named {
  family: NftFamily;
  table: string;
  name: string;
}

interface Filter {
  family?: NftFamily;
  table?: string;
}

function checkFilter(f: unknown): Filter & { name?: string; chain?: string; elements?: boolean } {
  if (f === undefined) return {};
  if (typeof f !== 'object' || f === null) throw new NetlinkArgumentError('filter', 'must be an object ({ family, table, ... })', 'ERR_INVALID_ARG_TYPE');
  return f as Filter;
}

export function makeTables(ctx: NetfilterContext) {
  return bindOps(ctx, {
    list: (_s: Scope, f?: { family?: NftFamily; name?: string }) => {
      const { family, name } = checkFilter(f);
      return { ...tablesCall(familyFilter(family)), result: (r: GettableDumpReply[]) => r.map(toTable).filter((t) => name === undefined || t.name === name) } as Step<NftTable[]>;
    },
    ...changes<NftTableSpec, { family: NftFamily; name: string }, 'add' | 'create', 'delete' | 'destroy' | 'flush'>('table', ['add', 'create'], ['delete', 'destroy', 'flush']),
  });
}

export function makeChains(ctx: NetfilterContext) {
  return bindOps(ctx, {
    list: (_s: Scope, f?: { family?: NftFamily; table?: string; name?: string }) => {
      const { family, table, name } = checkFilter(f);
      return { ...chainsCall(familyFilter(family)), result: (r: GetchainDumpReply[]) => r.map(toChain).filter((c) => (table === undefined || c.table === table) && (name === undefined || c.name === name)) } as Step<NftChain[]>;
    },
    ...changes<NftChainSpec, Named, 'add' | 'create', 'delete' | 'flush'>('chain', ['add', 'create'], ['delete', 'flush']),
  });
}

export function makeRules(ctx: NetfilterContext) {
  return bindOps(ctx, {
    /** Rules with their expressions in builder shapes. */
    list: (_s: Scope, f?: { family?: NftFamily; table?: string; chain?: string }) => {
      const { family, table, chain } = checkFilter(f);
      if (chain !== undefined && table === undefined) throw new NetlinkArgumentError('chain', 'needs the table too');
      return rulesStep(familyFilter(family), table, chain);
    },
    add: (scope: Scope, r: NftRuleSpec) => one(transactionStep(scope, [cmd('add', 'rule', r)])),
    insert: (scope: Scope, r: NftRuleSpec) => one(transactionStep(scope, [cmd('insert', 'rule', r)])),
    replace: (scope: Scope, r: NftRuleSpec & { handle: number }) => one(transactionStep(scope, [cmd('replace', 'rule', r)])),
    ...changes<never, { family: NftFamily; table: string; chain: string; handle: number }, never, 'delete'>('rule', [], ['delete']),
  });
}

export function makeSets(ctx: NetfilterContext) {
  return bindOps(ctx, {
    /** Named and anonymous sets; `elements: true` also reads each set's elements. */
    list: (_s: Scope, f?: { family?: NftFamily; table?: string; name?: string; elements?: boolean }): Step<NftSet[]> => {
      const { family, table, name, elements } = checkFilter(f);
      return seq([setsCall(familyFilter(family), table)], ([r]) => {
        const sets = (r as GetsetDumpReply[]).map(toSet).filter((s) => name === undefined || s.name === name);
        if (!elements) return { value: sets };
        // a set of a key type nlkit cannot read is listed without elements
        return seq(sets.map((s) => elementsCall(s.family, s.table, s.name)), (elems) => ({ value: sets.map((s, i) => withElements(s, elems[i])) }));
      });
    },
    ...changes<NftSetSpec, Named, 'add' | 'create', 'delete' | 'flush'>('set', ['add', 'create'], ['delete', 'flush']),
  });
}

export function makeElements(ctx: NetfilterContext) {
  return bindOps(ctx, {
    /** A set's elements in builder shapes (`{ key, value }` in maps). */
    list: (_s: Scope, s: { family: NftFamily; table: string; set: string }): Step<NftSetElement[]> => {
      if (typeof s !== 'object' || s === null) throw new NetlinkArgumentError('set', 'must be { family, table, set }', 'ERR_INVALID_ARG_TYPE');
      const head = headFor(familyValue(s.family));
      return seq([opCall(nft, 'getset', 'do', { ...head, table: checkName(s.table, 'table'), name: checkName(s.set, 'set') }), elementsCall(s.family, s.table, s.set)],
        ([set, elems]) => ({ value: toElements(toSet((set as GetsetDumpReply[])[0]), elems as SetelemAttrsSet[]) }));
    },
    add: (scope: Scope, e: NftElementsSpec) => one(transactionStep(scope, [cmd('add', 'element', e)])),
    create: (scope: Scope, e: NftElementsSpec) => one(transactionStep(scope, [cmd('create', 'element', e)])),
    delete: (scope: Scope, e: NftElementsSpec) => one(transactionStep(scope, [cmd('delete', 'element', e)])),
  });
}

/** Which named objects: of a family, a table, a type, a name. */
export interface ObjectFilter {
  family?: NftFamily;
  table?: string;
  type?: NftObjectType;
  name?: string;
}

export function makeObjects(ctx: NetfilterContext) {
  return bindOps(ctx, {
    /** Named counters, quotas and limits with their state (of a table, a type, a name). */
    list: (_s: Scope, f?: ObjectFilter) => {
      const { family, table, type, name } = checkFilter(f) as ObjectFilter;
      return mapStep(objectsCall(familyFilter(family), { table, type }), (r: NftObject[]) => r.filter((o) => name === undefined || o.name === name));
    },
    /** Lists them as list() does and zeroes their counters (packets/bytes, a quota's used bytes) in the same step. */
    reset: (_s: Scope, f?: ObjectFilter) => {
      const { family, table, type, name } = checkFilter(f) as ObjectFilter;
      if (name !== undefined) {
        if (table === undefined || type === undefined || family === undefined) throw new NetlinkArgumentError('name', 'resetting one object needs its family, table and type');
        const head = headFor(familyValue(family));
        return opCall(nft, 'getobj-reset', 'do', { ...head, table: checkName(table, 'table'), name: checkName(name, 'name'), type }, {
          result: (r: GetobjDumpReply[]) => r.map(toObject).filter((o): o is NftObject => o !== undefined),
        });
      }
      return objectsCall(familyFilter(family), { table, type }, true);
    },
    ...changes<NftObjectSpec, Named & { type: NftObjectType }, 'add' | 'create', 'delete' | 'destroy'>(objectKind, ['add', 'create'], ['delete', 'destroy']),
  });
}

/** An object spec for the objects module: `{ type: 'quota', family, table, name, bytes }`. */
export type NftObjectSpec =
  | ({ type: 'counter' } & NftCounterSpec) | ({ type: 'quota' } & NftQuotaSpec) | ({ type: 'limit' } & NftLimitSpec);

function objectKind(o: unknown): NftObjectType {
  const t = (o as { type?: unknown } | null)?.type;
  if (!OBJECT_KINDS.includes(t as NftObjectType)) throw new NetlinkArgumentError('type', `must be one of ${OBJECT_KINDS.join(', ')}, got ${quote(t)}`);
  return t as NftObjectType;
}

export function makeFlowtables(ctx: NetfilterContext) {
  return bindOps(ctx, {
    list: (_s: Scope, f?: { family?: NftFamily; table?: string; name?: string }) => {
      const { family, table, name } = checkFilter(f);
      return mapStep(flowtablesCall(familyFilter(family)), (r: NftFlowtable[]) => r.filter((x) => (table === undefined || x.table === table) && (name === undefined || x.name === name)));
    },
    ...changes<NftFlowtableSpec, Named, 'add' | 'create', 'delete'>('flowtable', ['add', 'create'], ['delete']),
  });
}

/**
 * Everything (or one family's): tables, chains, sets with their elements, rules. One dump of
 * each kind, then each set's elements once: the anonymous sets' are also what rules read.
 */
export function rulesetStep(f?: { family?: NftFamily }): Step<NftRuleset> {
  const fam = familyFilter(checkFilter(f).family);
  return seq([tablesCall(fam), chainsCall(fam), setsCall(fam), rulesCall(fam), objectsCall(fam, {}), flowtablesCall(fam)], ([t, c, s, rules, objects, flowtables]) => {
    const sets = (s as GetsetDumpReply[]).map(toSet);
    return seq(sets.map((x) => elementsCall(x.family, x.table, x.name)), (elems) => ({
      value: {
        tables: (t as Parameters<typeof toTable>[0][]).map(toTable),
        chains: (c as Parameters<typeof toChain>[0][]).map(toChain),
        sets: sets.map((x, i) => withElements(x, elems[i])),
        rules: rulesOf(rules as GetruleDumpReply[], sets, elems),
        objects: objects as NftObject[],
        flowtables: flowtables as NftFlowtable[],
      },
    }));
  });
}

export type { SetTypeInfo, toRule };
