// tc chains (`tc chain add|del|show dev X ingress chain N`): numbered lists of filters under
// a qdisc or block; a filter's `chain` puts it in one, an action's 'goto chain N' jumps there.
import { NetlinkArgumentError } from '../core/errors.js';
import { tcmsg, writeOps, type TcOps } from './tc-object.js';
import { opCall, opItem } from '../ynl/op-call.js';
import { description as tcFamily } from '../ynl/families/tc.js';
import { bindOps, type RouteContext, type Scope, type Step } from '../route/context.js';
import { checkSpec } from '../route/arg-check.js';
import { uint } from '../route/spec-values.js';
import { filterHeader, headerOf, placeView } from './filters.js';

export interface ChainSpec {
  /** The device (with parent), or a shared block's index instead (as for filters). */
  dev?: string | number;
  block?: number;
  /** 'ingress', 'egress', 'root' or 'maj:min', as for filters. */
  parent?: string | number;
  chain: number;
}

export interface Chain {
  dev: string;
  parent: string;
  chain: number;
  /** The shared filter block the chain is in: dev and parent are then the ones asked for (as Filter.block). */
  block?: number;
}

function chainRequest(scope: Scope, spec: unknown, needChain: boolean) {
  const s = checkSpec(spec, 'chain', ['dev', 'block', 'parent', 'chain']);
  const req: ReturnType<typeof tcmsg> & { chain?: number } = filterHeader(scope, s, 0);
  if (needChain && s.chain === undefined) throw new NetlinkArgumentError('chain', 'is needed (a chain number)');
  if (s.chain !== undefined) req.chain = uint(s.chain, 'chain', 0xffffffff);
  return req;
}

type ChainReply = { ifindex: number; parent: number; chain?: number };

function chainOf(scope: Scope, m: ChainReply, asked: ChainReply): Chain {
  const h = headerOf(m, asked);
  const { dev, parent } = placeView(scope, h);
  const c: Chain = { dev, parent, chain: m.chain ?? 0 };
  if (h.block !== undefined) c.block = h.block;
  return c;
}

const OPS = {
  /** Chains of a device's qdisc (`tc chain show dev X ingress`). */
  list: (scope: Scope, sel: { dev?: string | number; block?: number; parent?: string | number }): Step<Chain[]> => {
    const req = chainRequest(scope, sel, false);
    const { chain: _c, ...dump } = req;
    return opCall(tcFamily, 'getchain', 'dump', dump, { result: (replies) => replies.map((m) => chainOf(scope, m, dump)) });
  },
  /** One chain (chain 0 when none is named), asked of the kernel (`tc chain get`): ENOENT when there is none. */
  get: (scope: Scope, sel: Omit<ChainSpec, 'chain'> & { chain?: number }): Step<Chain> => {
    const req = chainRequest(scope, sel, false);
    return opCall(tcFamily, 'getchain', 'do', req, { result: (r) => chainOf(scope, r[0]!, req) });
  },
  // add (EEXIST when there), and delete: a chain and every filter in it
  ...writeOps(
    (sc, s: ChainSpec, flags) => opItem(tcFamily, 'newchain', chainRequest(sc, s, true), { flags }),
    (sc, s: ChainSpec) => opItem(tcFamily, 'delchain', chainRequest(sc, s, true)),
    ['add'],
  ),
};

export type Chains = TcOps<typeof OPS, ChainSpec, ChainSpec, 'add'>;

export function makeChains(ctx: RouteContext): Chains {
  return bindOps(ctx, OPS) as unknown as Chains;
}
