// Queueing disciplines (`tc qdisc`): list, get, add, change, replace and delete, as typed
// objects over the generated tc family. A spec is flat: where it goes (dev, handle, parent),
// its kind, and the kind's options (qdisc-kinds.ts); an array is one transaction.
import { constants } from 'node:os';
import { NetlinkArgumentError, NetlinkSystemError } from '../core/errors.js';
import { checkSpec } from '../route/arg-check.js';
import { bindOps, type RouteContext, type Scope, type Step } from '../route/context.js';
import { opCall, opItem } from '../ynl/op-call.js';
import { description as tc, type AttrsSet, type GetqdiscDumpReply, type NewqdiscDoRequest, type TcmsgStruct } from '../ynl/families/tc.js';
import { formatHandle, parseHandle, parseMajor, TC_H_ROOT } from './handle.js';
import { QDISC_KINDS, qdiscKind, qdiscOptionsView, type KindDef, type Opts, type QdiscKind, type QdiscOptionsByKind } from './qdisc-kinds.js';
import { toStats, type TcStats } from './stats.js';
import { estimatorOf, headerView, tcmsg, writeOps, type Estimator, type TcHeaderView, type TcOps } from './tc-object.js';
import { uint } from '../route/spec-values.js';

/** Where a qdisc goes. */
export interface QdiscPlace {
  dev: string | number;
  /** A major handle ('1:'); the kernel picks one when absent (ingress and clsact: 'ffff:'). */
  handle?: string | number;
  /** 'root' (default), 'ingress' for ingress/clsact, or a class ('1:10'). */
  parent?: string | number;
  /** A rate estimator: `stats.rate` then holds its bytes/s and packets/s. */
  estimator?: Estimator;
  /** clsact/ingress: the shared filter blocks (1..2^32-1) its ingress and egress hooks use, made on first use. */
  ingressBlock?: number;
  egressBlock?: number;
}

/** A qdisc to make: where, its kind, and that kind's options (QdiscOptionsByKind). */
export type QdiscSpec = { [K in QdiscKind]: QdiscPlace & { kind: K } & QdiscOptionsByKind[K] }[QdiscKind];

/** Which qdisc to delete or get: the one at `parent` (default root; get: any, given a handle), checked against `handle`. */
export interface QdiscRef {
  dev: string | number;
  parent?: string | number;
  handle?: string | number;
  /** Checked by the kernel: the qdisc there must be of this kind. */
  kind?: string;
}

export interface QdiscFilter {
  dev?: string | number;
  kind?: string;
  handle?: string | number;
  parent?: string | number;
}

/** A qdisc as the kernel shows it. */
export interface Qdisc extends TcHeaderView {
  kind: string;
  /** References to it (tcm_info): tc prints it when it is not 1. */
  refcnt: number;
  /** The kind's options with names (QDISC_KINDS[kind].view); {} for kinds nlkit does not know. */
  options: Opts;
  stats?: TcStats;
  ingressBlock?: number;
  egressBlock?: number;
}

const PLACE_KEYS = ['dev', 'kind', 'handle', 'parent'] as const;
const SPEC_KEYS = [...PLACE_KEYS, 'estimator', 'ingressBlock', 'egressBlock'] as const;

function kindDef(kind: string): KindDef<string> {
  return (QDISC_KINDS as Record<string, KindDef<string>>)[kind];
}

/** The request for a spec (add/change/replace). */
export function qdiscRequest(scope: Scope, spec: unknown): NewqdiscDoRequest {
  if (spec === null || typeof spec !== 'object' || Array.isArray(spec)) checkSpec(spec, 'qdisc', PLACE_KEYS);
  const kind = qdiscKind((spec as Opts).kind);
  const def = kindDef(kind);
  const s = checkSpec(spec, 'qdisc', [...SPEC_KEYS, ...def.keys]) as Opts;
  const parent = s.parent === undefined ? def.place?.parent ?? TC_H_ROOT : parseHandle(s.parent, 'parent');
  const handle = s.handle === undefined ? def.place?.handle ?? 0 : parseMajor(s.handle, 'handle');
  if (def.place && (parent !== def.place.parent || handle !== def.place.handle))
    throw new NetlinkArgumentError('parent', `${kind} goes at parent 'ingress' with handle 'ffff:' (the device's ingress hook)`);
  const options = def.encode!(s);
  const req = Object.assign(tcmsg(scope, s, handle, parent), { kind }) as NewqdiscDoRequest & { options?: unknown };
  if (options !== undefined) req.options = options;
  if (s.estimator !== undefined) req.rate = estimatorOf(s.estimator);
  if (s.ingressBlock !== undefined) req.ingressBlock = uint(s.ingressBlock, 'ingressBlock', 0xffffffff, 1);
  if (s.egressBlock !== undefined) req.egressBlock = uint(s.egressBlock, 'egressBlock', 0xffffffff, 1);
  return req;
}

/** The request naming one qdisc (delete/get): kind checked when given. */
function refRequest(scope: Scope, ref: unknown, anyParent = false): TcmsgStruct & { kind?: string } {
  const r = checkSpec(ref, 'qdisc', PLACE_KEYS) as Opts;
  const kind = r.kind === undefined ? undefined : qdiscKind(r.kind);
  const place = kind ? kindDef(kind).place : undefined;
  const handle = r.handle === undefined ? place?.handle ?? 0 : parseMajor(r.handle, 'handle');
  // get finds a handle under any parent; delete needs one (the kernel: "Classid cannot be
  // zero"), root unless said, and checks the handle of the qdisc there
  const parent = r.parent === undefined ? (anyParent && r.handle !== undefined ? 0 : place?.parent ?? TC_H_ROOT) : parseHandle(r.parent, 'parent');
  const req: TcmsgStruct & { kind?: string } = tcmsg(scope, r, handle, parent);
  if (kind) req.kind = kind;
  return req;
}

export function qdiscView(scope: Scope, m: GetqdiscDumpReply): Qdisc {
  const q: Qdisc = Object.assign(headerView(scope, m), { kind: m.kind ?? '', refcnt: m.info, options: qdiscOptionsView(m as AttrsSet) });
  if (m.handle === 0) q.handle = '0:';
  const stats = toStats(m.stats2, m.stats);
  if (stats) q.stats = stats;
  if (m.ingressBlock !== undefined) q.ingressBlock = m.ingressBlock;
  if (m.egressBlock !== undefined) q.egressBlock = m.egressBlock;
  return q;
}

/** Which dumped messages a list keeps, tested on the message's numbers: views are made only of those. */
type Keep = (m: GetqdiscDumpReply) => boolean;

function filterOf(scope: Scope, f: unknown): { ifindex: number; keep: Keep } {
  const filter = f === undefined ? {} : (checkSpec(f, 'filter', PLACE_KEYS) as QdiscFilter);
  const ifindex = filter.dev === undefined ? 0 : scope.ifindex(filter.dev, 'dev');
  const handle = filter.handle === undefined ? undefined : parseMajor(filter.handle, 'handle');
  const parent = filter.parent === undefined ? undefined : parseHandle(filter.parent, 'parent');
  const kind = filter.kind;
  if (kind !== undefined && typeof kind !== 'string') throw new NetlinkArgumentError('kind', `must be a string, got ${typeof kind}`, 'ERR_INVALID_ARG_TYPE');
  return {
    ifindex,
    keep: (m) => (!ifindex || m.ifindex === ifindex) && (handle === undefined || m.handle === handle) && (parent === undefined || m.parent === parent) && (kind === undefined || (m.kind ?? '') === kind),
  };
}

/** The qdiscs of a dump (of one device when ifindex is not 0) that `keep` keeps, as views. */
function listQdiscs(scope: Scope, ifindex: number, keep: Keep): Step<Qdisc[]> {
  return opCall(tc, 'getqdisc', 'dump', { family: 0, ifindex, handle: 0, parent: 0, info: 0 }, {
    result: (replies) => {
      const out: Qdisc[] = [];
      for (const m of replies) if (keep(m)) out.push(qdiscView(scope, m));
      return out;
    },
  });
}

const OPS = {
  /** Every qdisc (of a device, kind, handle or parent when the filter says), ingress and clsact included. */
  list: (scope: Scope, filter?: QdiscFilter): Step<Qdisc[]> => {
    const { ifindex, keep } = filterOf(scope, filter);
    return listQdiscs(scope, ifindex, keep);
  },
  /**
   * The qdisc at a parent (default root) or with a handle; ENOENT when there is none. (A dump,
   * filtered: RTM_GETQDISC's do answers only through RTNLGRP_TC unless NLM_F_ECHO is set.)
   */
  get: (scope: Scope, ref: QdiscRef): Step<Qdisc> => {
    const req = refRequest(scope, ref, true);
    // list's path, keeping the message at the place asked (parent or handle 0: any)
    const keep: Keep = (m) => m.ifindex === req.ifindex && (!req.parent || m.parent === req.parent) && (!req.handle || m.handle === req.handle);
    return {
      first: listQdiscs(scope, req.ifindex, keep),
      then: (found: Qdisc[], sc: Scope) => {
        if (!found[0]) throw new NetlinkSystemError(constants.errno.ENOENT, 'getqdisc', `no qdisc on ${sc.ifname(req.ifindex) ?? req.ifindex} at ${formatHandle(req.parent || req.handle)}`);
        return { value: found[0] };
      },
    };
  },
  ...writeOps((sc, spec: QdiscSpec, flags) => opItem(tc, 'newqdisc', qdiscRequest(sc, spec), { flags }), (sc, r: QdiscRef) => opItem(tc, 'delqdisc', refRequest(sc, r))),
};

/** A namespace's qdiscs: list/get, and add/change/replace/delete of one spec or (bulk) an array. */
export type Qdiscs = TcOps<typeof OPS, QdiscSpec, QdiscRef>;

export function makeQdiscs(ctx: RouteContext): Qdiscs {
  return bindOps(ctx, OPS) as unknown as Qdiscs;
}

