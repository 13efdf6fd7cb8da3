// Classes of classful qdiscs (`tc class`): list, add, change, replace and delete, over the
// generated tc family; kinds and their options in class-kinds.ts.
import { NetlinkArgumentError } from '../core/errors.js';
import { checkSpec } from '../route/arg-check.js';
import { bindOps, type RouteContext, type Scope, type Step } from '../route/context.js';
import { opCall, opItem } from '../ynl/op-call.js';
import { description as tc, type ClassAttrsSet, type GettclassDoReply, type NewtclassDoRequest } from '../ynl/families/tc.js';
import { CLASS_KINDS, classKind, classOptionsView, type ClassKind, type ClassKindDef, type ClassOptionsByKind } from './class-kinds.js';
import { formatHandle, parseHandle } from './handle.js';
import type { Opts } from './qdisc-kinds.js';
import { toStats, type TcStats } from './stats.js';
import { estimatorOf, headerView, tcmsg, writeOps, type Estimator, type TcHeaderView, type TcOps } from './tc-object.js';
import { quote } from '../core/options.js';

/** Where a class goes. */
export interface ClassPlace {
  dev: string | number;
  /** 'maj:min': the major is the qdisc's. */
  classid: string | number;
  /** The parent class or the qdisc ('1:'); default the classid's qdisc. */
  parent?: string | number;
  /** A rate estimator: `stats.rate` then holds its bytes/s and packets/s. */
  estimator?: Estimator;
}

/** A class to make: where, its kind, and that kind's options (ClassOptionsByKind). */
export type ClassSpec = { [K in ClassKind]: ClassPlace & { kind: K } & ClassOptionsByKind[K] }[ClassKind];

export interface ClassRef {
  dev: string | number;
  classid: string | number;
  parent?: string | number;
}

export interface ClassFilter {
  /** Required: the kernel lists the classes of one device's qdiscs. */
  dev: string | number;
  parent?: string | number;
  classid?: string | number;
  kind?: string;
}

export interface TcClass extends TcHeaderView {
  kind: string;
  /** Same as handle, under tc's name for it. */
  classid: string;
  /** The qdisc attached below it (tcm_info), if any. */
  leaf?: string;
  options: Opts;
  stats?: TcStats;
}

const PLACE_KEYS = ['dev', 'kind', 'classid', 'parent'] as const;

function classid(v: unknown): number {
  if (v === undefined) throw new NetlinkArgumentError('classid', "is required ('1:10')");
  const id = parseHandle(v, 'classid');
  if ((id & 0xffff) === 0) throw new NetlinkArgumentError('classid', `must have a minor ('1:10'), got ${quote(v)}`);
  return id;
}

export function classRequest(scope: Scope, spec: unknown): NewtclassDoRequest {
  if (spec === null || typeof spec !== 'object' || Array.isArray(spec)) checkSpec(spec, 'class', PLACE_KEYS);
  const kind = classKind((spec as Opts).kind);
  const def = (CLASS_KINDS as Record<string, ClassKindDef<string>>)[kind];
  const s = checkSpec(spec, 'class', [...PLACE_KEYS, 'estimator', ...def.keys]) as Opts;
  const id = classid(s.classid);
  const parent = s.parent === undefined ? (id & 0xffff0000) >>> 0 : parseHandle(s.parent, 'parent');
  const req = Object.assign(tcmsg(scope, s, id, parent), { kind, options: def.encode(s) }) as NewtclassDoRequest;
  if (s.estimator !== undefined) req.rate = estimatorOf(s.estimator);
  return req;
}

function refRequest(scope: Scope, ref: unknown) {
  const r = checkSpec(ref, 'class', ['dev', 'classid', 'parent']) as Opts;
  return tcmsg(scope, r, classid(r.classid), r.parent === undefined ? 0 : parseHandle(r.parent, 'parent'));
}

export function classView(scope: Scope, m: GettclassDoReply): TcClass {
  const h = headerView(scope, m);
  const c: TcClass = Object.assign(h, { kind: m.kind ?? '', classid: h.handle, options: classOptionsView(m as ClassAttrsSet) });
  if (m.info) c.leaf = formatHandle(m.info);
  const stats = toStats(m.stats2, m.stats);
  if (stats) c.stats = stats;
  return c;
}

const OPS = {
  /** The classes of a device's qdiscs (of one parent, classid or kind when the filter says). */
  list: (scope: Scope, filter: ClassFilter): Step<TcClass[]> => {
    const f = checkSpec(filter, 'filter', PLACE_KEYS) as Opts;
    if (f.dev === undefined) throw new NetlinkArgumentError('dev', 'is required: classes are listed per device');
    const ifindex = scope.ifindex(f.dev as string | number, 'dev');
    const parent = f.parent === undefined ? undefined : parseHandle(f.parent, 'parent');
    const id = f.classid === undefined ? undefined : parseHandle(f.classid, 'classid');
    return opCall(tc, 'gettclass', 'dump', { family: 0, ifindex, handle: 0, parent: 0, info: 0 }, {
      result: (replies) => replies.filter((m) => (parent === undefined || m.parent === parent) && (id === undefined || m.handle === id) && (f.kind === undefined || m.kind === f.kind))
        .map((m) => classView(scope, m)),
    });
  },
  ...writeOps((sc, spec: ClassSpec, flags) => opItem(tc, 'newtclass', classRequest(sc, spec), { flags }), (sc, r: ClassRef) => opItem(tc, 'deltclass', refRequest(sc, r))),
};

/** A device's classes: list, and add/change/replace/delete of one spec or (bulk) an array. */
export type Classes = TcOps<typeof OPS, ClassSpec, ClassRef>;

export function makeClasses(ctx: RouteContext): Classes {
  return bindOps(ctx, OPS) as unknown as Classes;
}
