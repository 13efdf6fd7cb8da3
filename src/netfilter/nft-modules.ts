// The object modules of an nftables handle: tables, chains, rules, sets and elements, each
// listing what the kernel has and changing it through one-command transactions.
import { NetlinkArgumentError } from '../core/errors.js';
import { opCall } from '../ynl/op-call.js';
import { description as nft, type GetchainDumpReply, type GetsetDumpReply, type GettableDumpReply, type SetelemAttrsSet } from '../ynl/families/nftables.js';
import { batchStep, type BatchOptions, type NftCommandResult, type NftTransactionResult } from './nft-batch.js';
import { setKey, setsToLookUp, type BatchState, type NftChainSpec, type NftCommand, type NftElementsSpec, type NftRuleSpec, type NftSetSpec, type NftTableSpec } from './nft-commands.js';
import { bindNft, type NftContext, type NftStep } from './nft-context.js';
import type { NftFamily } from './nft-names.js';
import { checkName, familyValue } from './nft-names.js';
import {
  chainsCall, elementsCall, familyFilter, headFor, rulesStep, setsCall, tablesCall, toChain, toElements, toRule, toSet, toTable,
  type NftChain, type NftRule, type NftRuleset, type NftSet, type NftSetElement, type NftTable,
} from './nft-objects.js';
import type { SetTypeInfo } from './nft-set-info.js';
import { setInfoOf } from './nft-set-info.js';

/**
 * A transaction's step: element commands without a type first look their set up (one set
 * dump per table), then the batch.
 */
export function transactionStep(cmds: readonly NftCommand[], opts: BatchOptions = {}): NftStep<NftTransactionResult> {
  if (!Array.isArray(cmds)) throw new NetlinkArgumentError('commands', 'must be an array of commands', 'ERR_INVALID_ARG_TYPE');
  const lookups = setsToLookUp(cmds);
  if (!lookups.length) return batchStep(cmds, opts);
  const tables = [...new Map(lookups.map((l) => [`${l.family} ${l.table}`, l])).values()];
  return {
    all: tables.map((l) => setsCall(familyValue(l.family, 'family'), checkName(l.table, 'table'))),
    then: (dumps: unknown[]) => {
      const known: BatchState['known'] = new Map();
      for (const r of (dumps as GetsetDumpReply[][]).flat()) {
        const info = setInfoOf(toSet(r));
        if (info) known.set(setKey(toSet(r).family, r.table ?? '', r.name ?? ''), info);
      }
      return batchStep(cmds, opts, known);
    },
  };
}

/** One command from a module's method: `cmd('add', 'rule', spec)`. */
const cmd = (verb: string, object: string, spec: object): NftCommand => ({ [verb]: object, ...spec }) as unknown as NftCommand;

const one = (s: NftStep<NftTransactionResult>): NftStep<NftCommandResult> => mapStep(s, (r) => r.commands[r.commands.length - 1]);

function mapStep<A, B>(s: NftStep<A>, f: (a: A) => B): NftStep<B> {
  if ('batch' in s) return { batch: s.batch, result: (r: Parameters<typeof s.result>[0]) => f(s.result(r)) };
  if ('all' in s) return { all: s.all, then: (v) => { const n = s.then(v); return 'value' in n ? { value: f(n.value) } : mapStep(n, f); } };
  const { result, ...call } = s;
  return { ...call, result: (r: unknown) => f(result ? result(r as never) : (r as A)) } as NftStep<B>;
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

export function makeTables(ctx: NftContext) {
  return bindNft(ctx, {
    list: (f?: { family?: NftFamily; name?: string }) => {
      const { family, name } = checkFilter(f);
      return { ...tablesCall(familyFilter(family)), result: (r: GettableDumpReply[]) => r.map(toTable).filter((t) => name === undefined || t.name === name) } as NftStep<NftTable[]>;
    },
    add: (t: NftTableSpec) => one(batchStep([cmd('add', 'table', t)])),
    create: (t: NftTableSpec) => one(batchStep([cmd('create', 'table', t)])),
    delete: (t: { family: NftFamily; name: string }) => one(batchStep([cmd('delete', 'table', t)])),
    destroy: (t: { family: NftFamily; name: string }) => one(batchStep([cmd('destroy', 'table', t)])),
    flush: (t: { family: NftFamily; name: string }) => one(batchStep([cmd('flush', 'table', t)])),
  });
}

export function makeChains(ctx: NftContext) {
  return bindNft(ctx, {
    list: (f?: { family?: NftFamily; table?: string; name?: string }) => {
      const { family, table, name } = checkFilter(f);
      return { ...chainsCall(familyFilter(family)), result: (r: GetchainDumpReply[]) => r.map(toChain).filter((c) => (table === undefined || c.table === table) && (name === undefined || c.name === name)) } as NftStep<NftChain[]>;
    },
    add: (c: NftChainSpec) => one(batchStep([cmd('add', 'chain', c)])),
    create: (c: NftChainSpec) => one(batchStep([cmd('create', 'chain', c)])),
    delete: (c: { family: NftFamily; table: string; name: string }) => one(batchStep([cmd('delete', 'chain', c)])),
    flush: (c: { family: NftFamily; table: string; name: string }) => one(batchStep([cmd('flush', 'chain', c)])),
  });
}

export function makeRules(ctx: NftContext) {
  return bindNft(ctx, {
    /** Rules with their expressions in builder shapes. */
    list: (f?: { family?: NftFamily; table?: string; chain?: string }) => {
      const { family, table, chain } = checkFilter(f);
      if (chain !== undefined && table === undefined) throw new NetlinkArgumentError('chain', 'needs the table too');
      return rulesStep(familyFilter(family), table, chain);
    },
    add: (r: NftRuleSpec) => one(batchStep([cmd('add', 'rule', r)])),
    insert: (r: NftRuleSpec) => one(batchStep([cmd('insert', 'rule', r)])),
    replace: (r: NftRuleSpec & { handle: number }) => one(batchStep([cmd('replace', 'rule', r)])),
    delete: (r: { family: NftFamily; table: string; chain: string; handle: number }) => one(batchStep([cmd('delete', 'rule', r)])),
  });
}

export function makeSets(ctx: NftContext) {
  return bindNft(ctx, {
    /** Named and anonymous sets; `elements: true` also reads each set's elements. */
    list: (f?: { family?: NftFamily; table?: string; name?: string; elements?: boolean }): NftStep<NftSet[]> => {
      const { family, table, name, elements } = checkFilter(f);
      return {
        all: [setsCall(familyFilter(family), table)],
        then: ([r]) => {
          const sets = (r as GetsetDumpReply[]).map(toSet).filter((s) => name === undefined || s.name === name);
          if (!elements) return { value: sets };
          return {
            all: sets.map((s) => elementsCall(s.family, s.table, s.name)),
            then: (elems) => ({ value: sets.map((s, i) => ({ ...s, elements: toElements(s, elems[i] as SetelemAttrsSet[]) })) }),
          };
        },
      };
    },
    add: (s: NftSetSpec) => one(batchStep([cmd('add', 'set', s)])),
    create: (s: NftSetSpec) => one(batchStep([cmd('create', 'set', s)])),
    delete: (s: { family: NftFamily; table: string; name: string }) => one(batchStep([cmd('delete', 'set', s)])),
    flush: (s: { family: NftFamily; table: string; name: string }) => one(batchStep([cmd('flush', 'set', s)])),
  });
}

export function makeElements(ctx: NftContext) {
  return bindNft(ctx, {
    /** A set's elements in builder shapes (`{ key, value }` in maps). */
    list: (s: { family: NftFamily; table: string; set: string }): NftStep<NftSetElement[]> => {
      if (typeof s !== 'object' || s === null) throw new NetlinkArgumentError('set', 'must be { family, table, set }', 'ERR_INVALID_ARG_TYPE');
      const head = headFor(familyValue(s.family));
      return {
        all: [opCall(nft, 'getset', 'do', { ...head, table: checkName(s.table, 'table'), name: checkName(s.set, 'set') }), elementsCall(s.family, s.table, s.set)],
        then: ([set, elems]) => ({ value: toElements(toSet((set as GetsetDumpReply[])[0]), elems as SetelemAttrsSet[]) }),
      };
    },
    add: (e: NftElementsSpec) => one(transactionStep([cmd('add', 'element', e)])),
    create: (e: NftElementsSpec) => one(transactionStep([cmd('create', 'element', e)])),
    delete: (e: NftElementsSpec) => one(transactionStep([cmd('delete', 'element', e)])),
  });
}

/** Everything (or one family's): tables, chains, sets with their elements, rules. */
export function rulesetStep(f?: { family?: NftFamily }): NftStep<NftRuleset> {
  const fam = familyFilter(checkFilter(f).family);
  return {
    all: [tablesCall(fam), chainsCall(fam), setsCall(fam), rulesStep(fam)],
    then: ([t, c, s, rules]) => {
      const sets = (s as GetsetDumpReply[]).map(toSet);
      return {
        all: sets.map((x) => elementsCall(x.family, x.table, x.name)),
        then: (elems) => ({
          value: {
            tables: (t as Parameters<typeof toTable>[0][]).map(toTable),
            chains: (c as Parameters<typeof toChain>[0][]).map(toChain),
            sets: sets.map((x, i) => (typeof x.type === 'number' ? x : { ...x, elements: toElements(x, elems[i] as SetelemAttrsSet[]) })),
            rules: rules as NftRule[],
          },
        }),
      };
    },
  };
}

export type { SetTypeInfo, toRule };
