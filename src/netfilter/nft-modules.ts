// The object modules of an nftables handle: tables, chains, rules, sets and elements, each
// listing what the kernel has and changing it through one-command transactions.
import { NetlinkArgumentError } from '../core/errors.js';
import { opCall } from '../ynl/op-call.js';
import { description as nft, type GetobjDumpReply, type GetchainDumpReply, type GetsetDumpReply, type GettableDumpReply, type SetelemAttrsSet } from '../ynl/families/nftables.js';
import { batchStep, type BatchOptions, type NftCommandResult, type NftTransactionResult } from './nft-batch.js';
import { setKey, setsToLookUp, type BatchState, type NftChainSpec, type NftCommand, type NftElementsSpec, type NftRuleSpec, type NftSetSpec, type NftTableSpec } from './nft-commands.js';
import { bindOps, type Scope, type Step } from '../route/context.js';
import type { NetfilterContext } from './ct-context.js';
import { mapStep, seq } from './nft-steps.js';
import type { NftFamily } from './nft-names.js';
import { checkName, familyValue } from './nft-names.js';
import {
  chainsCall, elementsCall, familyFilter, headFor, rulesStep, setsCall, tablesCall, toChain, toElements, toRule, toSet, toTable,
  type NftChain, type NftRule, type NftRuleset, type NftSet, type NftSetElement, type NftTable,
} from './nft-objects.js';
import type { SetTypeInfo } from './nft-set-info.js';
import type { NftObjectType } from './nft-expr.js';
import { flowtablesCall, objectsCall, toObject, type NftCounterSpec, type NftFlowtable, type NftFlowtableSpec, type NftLimitSpec, type NftObject, type NftQuotaSpec } from './nft-stateful.js';
import { setInfoOf } from './nft-set-info.js';

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

/** A set with its elements, when nlkit can read its key type. */
const withElements = (s: NftSet, elems: unknown): NftSet => (typeof s.type === 'number' ? s : { ...s, elements: toElements(s, elems as SetelemAttrsSet[]) });

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
    add: (_s: Scope, t: NftTableSpec) => one(batchStep([cmd('add', 'table', t)])),
    create: (_s: Scope, t: NftTableSpec) => one(batchStep([cmd('create', 'table', t)])),
    delete: (_s: Scope, t: { family: NftFamily; name: string }) => one(batchStep([cmd('delete', 'table', t)])),
    destroy: (_s: Scope, t: { family: NftFamily; name: string }) => one(batchStep([cmd('destroy', 'table', t)])),
    flush: (_s: Scope, t: { family: NftFamily; name: string }) => one(batchStep([cmd('flush', 'table', t)])),
  });
}

export function makeChains(ctx: NetfilterContext) {
  return bindOps(ctx, {
    list: (_s: Scope, f?: { family?: NftFamily; table?: string; name?: string }) => {
      const { family, table, name } = checkFilter(f);
      return { ...chainsCall(familyFilter(family)), result: (r: GetchainDumpReply[]) => r.map(toChain).filter((c) => (table === undefined || c.table === table) && (name === undefined || c.name === name)) } as Step<NftChain[]>;
    },
    add: (_s: Scope, c: NftChainSpec) => one(batchStep([cmd('add', 'chain', c)])),
    create: (_s: Scope, c: NftChainSpec) => one(batchStep([cmd('create', 'chain', c)])),
    delete: (_s: Scope, c: { family: NftFamily; table: string; name: string }) => one(batchStep([cmd('delete', 'chain', c)])),
    flush: (_s: Scope, c: { family: NftFamily; table: string; name: string }) => one(batchStep([cmd('flush', 'chain', c)])),
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
    delete: (_s: Scope, r: { family: NftFamily; table: string; chain: string; handle: number }) => one(batchStep([cmd('delete', 'rule', r)])),
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
    add: (_s: Scope, s: NftSetSpec) => one(batchStep([cmd('add', 'set', s)])),
    create: (_s: Scope, s: NftSetSpec) => one(batchStep([cmd('create', 'set', s)])),
    delete: (_s: Scope, s: { family: NftFamily; table: string; name: string }) => one(batchStep([cmd('delete', 'set', s)])),
    flush: (_s: Scope, s: { family: NftFamily; table: string; name: string }) => one(batchStep([cmd('flush', 'set', s)])),
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
    add: (_s: Scope, o: NftObjectSpec) => one(batchStep([cmd('add', objectKind(o), o)])),
    create: (_s: Scope, o: NftObjectSpec) => one(batchStep([cmd('create', objectKind(o), o)])),
    delete: (_s: Scope, o: { family: NftFamily; table: string; name: string; type: NftObjectType }) => one(batchStep([cmd('delete', objectKind(o), o)])),
    destroy: (_s: Scope, o: { family: NftFamily; table: string; name: string; type: NftObjectType }) => one(batchStep([cmd('destroy', objectKind(o), o)])),
  });
}

/** An object spec for the objects module: `{ type: 'quota', family, table, name, bytes }`. */
export type NftObjectSpec =
  | ({ type: 'counter' } & NftCounterSpec) | ({ type: 'quota' } & NftQuotaSpec) | ({ type: 'limit' } & NftLimitSpec);

function objectKind(o: unknown): NftObjectType {
  const t = (o as { type?: unknown } | null)?.type;
  if (t !== 'counter' && t !== 'quota' && t !== 'limit') throw new NetlinkArgumentError('type', `must be counter, quota or limit, got ${JSON.stringify(t)}`);
  return t;
}

export function makeFlowtables(ctx: NetfilterContext) {
  return bindOps(ctx, {
    list: (_s: Scope, f?: { family?: NftFamily; table?: string; name?: string }) => {
      const { family, table, name } = checkFilter(f);
      return mapStep(flowtablesCall(familyFilter(family)), (r: NftFlowtable[]) => r.filter((x) => (table === undefined || x.table === table) && (name === undefined || x.name === name)));
    },
    add: (_s: Scope, f: NftFlowtableSpec) => one(batchStep([cmd('add', 'flowtable', f)])),
    create: (_s: Scope, f: NftFlowtableSpec) => one(batchStep([cmd('create', 'flowtable', f)])),
    delete: (_s: Scope, f: { family: NftFamily; table: string; name: string }) => one(batchStep([cmd('delete', 'flowtable', f)])),
  });
}

/** Everything (or one family's): tables, chains, sets with their elements, rules. */
export function rulesetStep(f?: { family?: NftFamily }): Step<NftRuleset> {
  const fam = familyFilter(checkFilter(f).family);
  return seq([tablesCall(fam), chainsCall(fam), setsCall(fam), rulesStep(fam), objectsCall(fam, {}), flowtablesCall(fam)], ([t, c, s, rules, objects, flowtables]) => {
    const sets = (s as GetsetDumpReply[]).map(toSet);
    return seq(sets.map((x) => elementsCall(x.family, x.table, x.name)), (elems) => ({
      value: {
        tables: (t as Parameters<typeof toTable>[0][]).map(toTable),
        chains: (c as Parameters<typeof toChain>[0][]).map(toChain),
        sets: sets.map((x, i) => withElements(x, elems[i])),
        rules: rules as NftRule[],
        objects: objects as NftObject[],
        flowtables: flowtables as NftFlowtable[],
      },
    }));
  });
}

export type { SetTypeInfo, toRule };
