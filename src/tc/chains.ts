// tc chains (`tc chain add|del|show dev X ingress chain N`): numbered lists of filters under
// a qdisc or block; a filter's `chain` puts it in one, an action's 'goto chain N' jumps there.
import { NLM_F_CREATE, NLM_F_EXCL } from '../core/constants.js';
import { NetlinkArgumentError } from '../core/errors.js';
import { tcmsg } from './tc-object.js';
import { opCall, opItem } from '../ynl/op-call.js';
import { description as tcFamily } from '../ynl/families/tc.js';
import { bindOps, type BoundOps, type RouteContext, type Scope, type Step } from '../route/context.js';
import { checkSpec } from '../route/arg-check.js';
import { oneOrMany, type OneOrMany, type OneOrManySync } from '../route/bulk.js';
import { uint } from '../route/spec-values.js';
import { formatFilterParent, parseFilterParent } from './filters.js';

export interface ChainSpec {
  dev: string | number;
  /** 'ingress', 'egress', 'root' or 'maj:min', as for filters. */
  parent?: string | number;
  chain: number;
}

export interface Chain {
  dev: string;
  parent: string;
  chain: number;
}

function chainRequest(scope: Scope, spec: unknown, needChain: boolean) {
  const s = checkSpec(spec, 'chain', ['dev', 'parent', 'chain']);
  const req: ReturnType<typeof tcmsg> & { chain?: number } = tcmsg(scope, s, 0, s.parent === undefined ? 0 : parseFilterParent(s.parent));
  if (needChain && s.chain === undefined) throw new NetlinkArgumentError('chain', 'is needed (a chain number)');
  if (s.chain !== undefined) req.chain = uint(s.chain, 'chain', 0xffffffff);
  return req;
}

const OPS = {
  /** Chains of a device's qdisc (`tc chain show dev X ingress`). */
  list: (scope: Scope, sel: { dev: string | number; parent?: string | number }): Step<Chain[]> => {
    const req = chainRequest(scope, sel, false);
    const { chain: _c, ...dump } = req;
    return opCall(tcFamily, 'getchain', 'dump', dump, {
      result: (replies) => replies.map((m) => ({ dev: scope.ifname(m.ifindex) ?? String(m.ifindex), parent: formatFilterParent(m.parent), chain: m.chain ?? 0 })),
    });
  },
  add: (scope: Scope, spec: ChainSpec | readonly ChainSpec[]) =>
    oneOrMany(scope, spec, (sc, s) => opItem(tcFamily, 'newchain', chainRequest(sc, s, true), { flags: NLM_F_CREATE | NLM_F_EXCL })),
  /** Deletes a chain and every filter in it. */
  delete: (scope: Scope, spec: ChainSpec | readonly ChainSpec[]) =>
    oneOrMany(scope, spec, (sc, s) => opItem(tcFamily, 'delchain', chainRequest(sc, s, true))),
};

export type Chains = Omit<BoundOps<typeof OPS>, 'add' | 'addSync' | 'delete' | 'deleteSync'> & {
  add: OneOrMany<ChainSpec>;
  addSync: OneOrManySync<ChainSpec>;
  delete: OneOrMany<ChainSpec>;
  deleteSync: OneOrManySync<ChainSpec>;
};

export function makeChains(ctx: RouteContext): Chains {
  return bindOps(ctx, OPS) as unknown as Chains;
}
