// A handle on one network namespace's nftables: `openNft({ netns: 'blue' })`, then
// `nft.transaction([...])` (all or nothing), `nft.tables`, `nft.chains`, `nft.rules`,
// `nft.sets`, `nft.elements`, `nft.ruleset()`. Modules are made on first use and share the
// handle's NETLINK_NETFILTER socket; every call also takes `{ netns, timeout, signal }`.
import { defineModules } from '../core/lazy-modules.js';
import type { ConnectionOptions } from '../core/connection.js';
import { NetlinkArgumentError } from '../core/errors.js';
import { opCall } from '../ynl/op-call.js';
import { description as nft } from '../ynl/families/nftables.js';
import type { BatchOptions, NftTransactionResult } from './nft-batch.js';
import type { NftCommand } from './nft-commands.js';
import { bindOps, type Scope } from '../route/context.js';
import { NetfilterContext } from './ct-context.js';
import type { NftOptions } from './nft-steps.js';
import { makeChains, makeElements, makeFlowtables, makeObjects, makeRules, makeSets, makeTables, rulesetStep, transactionStep } from './nft-modules.js';
import type { NftFamily } from './nft-names.js';
import type { NftRuleset } from './nft-objects.js';

/** The object modules of a handle, by property name, each made on first use. */
const MODULES = {
  tables: (ctx: NetfilterContext) => makeTables(ctx),
  chains: (ctx: NetfilterContext) => makeChains(ctx),
  rules: (ctx: NetfilterContext) => makeRules(ctx),
  sets: (ctx: NetfilterContext) => makeSets(ctx),
  elements: (ctx: NetfilterContext) => makeElements(ctx),
  objects: (ctx: NetfilterContext) => makeObjects(ctx),
  flowtables: (ctx: NetfilterContext) => makeFlowtables(ctx),
} satisfies Record<string, (ctx: NetfilterContext) => object>;

type Modules = { readonly [K in keyof typeof MODULES]: ReturnType<(typeof MODULES)[K]> };

/** The ruleset generation (NFT_MSG_GETGEN): it changes with every committed transaction. */
export interface NftGeneration {
  id: number;
  /** Who committed it, when the kernel says. */
  pid?: number;
  name?: string;
}

export type NftTransactionOptions = NftOptions & BatchOptions;

const BATCH_KEYS = ['genid', 'echo', 'check'];

function splitOptions(o: unknown): { batch: BatchOptions; call: NftOptions } {
  if (o === undefined) return { batch: {}, call: {} };
  if (typeof o !== 'object' || o === null) throw new NetlinkArgumentError('options', 'must be an object', 'ERR_INVALID_ARG_TYPE');
  const batch: Record<string, unknown> = {}, call: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) (BATCH_KEYS.includes(k) ? batch : call)[k] = v;
  return { batch: batch as BatchOptions, call: call as NftOptions };
}

export interface NftHandle extends Modules {}

export class NftHandle {
  readonly ctx: NetfilterContext;
  private readonly ops;

  constructor(opts: ConnectionOptions = {}) {
    this.ctx = new NetfilterContext(opts);
    this.ops = bindOps(this.ctx, {
      transaction: (scope: Scope, a: { cmds: NftCommand[]; batch: BatchOptions }) => transactionStep(scope, a.cmds, a.batch),
      ruleset: (_s: Scope, f?: { family?: NftFamily }) => rulesetStep(f),
      generation: (_s: Scope, _a?: undefined) => ({
        ...opCall(nft, 'getgen', 'do', { nfgenFamily: 0, version: 0, resId: 0 }),
        result: (r: { id?: number; procPid?: number; procName?: string }[]): NftGeneration => {
          const g: NftGeneration = { id: r[0]?.id ?? 0 };
          if (r[0]?.procPid !== undefined) g.pid = r[0].procPid;
          if (r[0]?.procName !== undefined) g.name = r[0].procName;
          return g;
        },
      }),
    });
  }

  /**
   * Applies the commands as one nfnetlink batch: all of them, or (throwing an
   * NftTransactionError naming the failed command) none. Options: `genid` (fail if the
   * ruleset changed since), `echo` (default true: handles of what was made in the result),
   * `check` (only validate, as `nft -c`: nothing is applied).
   */
  transaction(cmds: readonly NftCommand[], opts?: NftTransactionOptions): Promise<NftTransactionResult> {
    try {
      const { batch, call } = splitOptions(opts);
      return this.ops.transaction({ cmds: cmds as NftCommand[], batch }, call);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  transactionSync(cmds: readonly NftCommand[], opts?: NftTransactionOptions): NftTransactionResult {
    const { batch, call } = splitOptions(opts);
    return this.ops.transactionSync({ cmds: cmds as NftCommand[], batch }, call);
  }

  /** Every table, chain, set (with elements) and rule, of one family or all. */
  ruleset(f?: { family?: NftFamily }, opts?: NftOptions): Promise<NftRuleset> {
    return this.ops.ruleset(f, opts);
  }

  rulesetSync(f?: { family?: NftFamily }, opts?: NftOptions): NftRuleset {
    return this.ops.rulesetSync(f, opts);
  }

  generation(opts?: NftOptions): Promise<NftGeneration> {
    return this.ops.generation(undefined, opts);
  }

  generationSync(opts?: NftOptions): NftGeneration {
    return this.ops.generationSync(undefined, opts);
  }

  close(): void {
    this.ctx.close();
  }
}

defineModules<NetfilterContext>(NftHandle.prototype, MODULES);

/** A handle in a namespace (`{ netns: 'blue' }`) or in the process's own. The socket opens on first use. */
export function openNft(opts: ConnectionOptions = {}): NftHandle {
  return new NftHandle(opts);
}
