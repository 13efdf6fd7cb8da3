// The conntrack table of a namespace (what the `conntrack` tool does, from TypeScript): list
// with filters, get by tuple, create and update, delete by tuple or by filter, flush,
// counts and statistics, and events, over the generated conntrack family.
import type { ConnectionOptions } from '../core/connection.js';
import { checkObject, quote } from '../core/options.js';
import { NLM_F_CREATE, NLM_F_EXCL } from '../core/constants.js';
import { NetlinkArgumentError } from '../core/errors.js';
import { checkSpec } from '../route/arg-check.js';
import { deleteAll, oneOrMany, type BulkResult, type OneOrMany, type OneOrManySync } from '../route/bulk.js';
import { bindOps, mapStep, type BoundOps, type RouteOptions, type Scope, type Step } from '../route/context.js';
import { parseFamily } from '../route/inet.js';
import { uint } from '../route/spec-values.js';
import { opCall, opItem } from '../ynl/op-call.js';
import { description as conntrack, type DeleteDoRequest, type NewDoRequest, type NfCtTcpStateEnum } from '../ynl/families/conntrack.js';
import {
  checkTuple, entryObject, inverseTuple, protocolValue, statusFlags, TCP_STATE_NAMES, tupleAttrs, IPPROTO_TCP,
  type CtEntry, type CtTuple,
} from './ct-entry.js';
import { NetfilterContext } from './ct-context.js';
import { compileFilter, type CtFilter } from './ct-filter.js';
import { conntrackEvents, type CtEventOptions, type CtEvents } from './ct-events.js';
import { EXPECT_OPS } from './ct-expect.js';

/** Which entry: its protocol and original tuple (or reply tuple), and zone. A listed CtEntry will do. */
export interface CtKey {
  /** Taken from the addresses when absent. */
  family?: 'ipv4' | 'ipv6';
  protocol: string | number;
  orig?: CtTuple;
  reply?: CtTuple;
  zone?: number;
  /** Delete only if the entry still has this id (a listed entry's: not a newer one of the same tuple). */
  id?: number;
}

/** An entry to create (`conntrack -I`) or fields to change (`conntrack -U`). */
export interface CtSpec extends CtKey {
  /** Seconds (needed to create). */
  timeout?: number;
  /** Default on create: the inverse of `orig` (ICMP echo request -> reply). */
  reply?: CtTuple;
  /** IPS_* names to set ('ASSURED', 'SEEN_REPLY'...). */
  status?: string | string[];
  /** TCP state ('ESTABLISHED'...). */
  state?: string;
  mark?: number;
  /** Only these bits of `mark` are changed (update). */
  markMask?: number;
  /** Label bit numbers to set (0..127). */
  labels?: number[];
  /** A helper to attach on create ('ftp', 'sip'...): the connection can then have expectations. */
  helper?: string;
}

/** Table size, limit and the per-CPU counters (`conntrack -S`). */
export interface CtStats {
  /** Entries in the table (`conntrack -C`). */
  entries: number;
  /** nf_conntrack_max. */
  maxEntries: number;
  cpus: { cpu: number; found: number; invalid: number; insert: number; insertFailed: number; drop: number; earlyDrop: number; error: number; searchRestart: number; clashResolve: number; chainToolong: number }[];
}

const SPEC_KEYS = ['family', 'protocol', 'orig', 'reply', 'zone', 'id', 'timeout', 'status', 'state', 'mark', 'markMask', 'labels', 'helper'] as const;
// a listed entry is a key too: its other fields are read-only and ignored
const ENTRY_KEYS = [...SPEC_KEYS, 'protonum', 'use', 'counters', 'secctx', 'master', 'timestamp'] as const;
const U32 = 0xffffffff;

interface Resolved {
  family: number;
  proto: number;
  orig?: CtTuple;
  reply?: CtTuple;
}

function resolveKey(s: CtKey): Resolved {
  if (s.protocol === undefined) throw new NetlinkArgumentError('protocol', "is needed ('tcp', 'udp', 'icmp'... or a number)");
  const proto = protocolValue(s.protocol);
  let family: number | undefined = parseFamily(s.family);
  const out: Partial<Resolved> = { proto };
  for (const dir of ['orig', 'reply'] as const) {
    if (s[dir] === undefined) continue;
    const t = checkTuple(s[dir], dir, proto, family);
    family = t.family;
    out[dir] = t.tuple;
  }
  if (!out.orig && !out.reply) throw new NetlinkArgumentError('orig', 'is needed: the original tuple ({ src, dst, sport, dport }) (or reply)');
  return { ...out, family: family! } as Resolved;
}

function keyRequest(s: CtKey): DeleteDoRequest {
  const k = resolveKey(s);
  const req: DeleteDoRequest = { nfgenFamily: k.family };
  // one tuple finds the entry: the original one when both are known
  if (k.orig) req.tupleOrig = tupleAttrs(k.orig, k.family, k.proto);
  else req.tupleReply = tupleAttrs(k.reply!, k.family, k.proto);
  if (s.zone !== undefined) req.zone = uint(s.zone, 'zone', 0xffff);
  if (s.id !== undefined) req.id = uint(s.id, 'id', U32);
  return req;
}

function labelBytes(bits: unknown): Buffer {
  if (!Array.isArray(bits)) throw new NetlinkArgumentError('labels', 'must be a list of label bit numbers (0..127)', 'ERR_INVALID_ARG_TYPE');
  const b = Buffer.alloc(16);
  for (const n of bits) {
    const i = uint(n, 'labels', 127);
    b[i >> 3] |= 1 << (i & 7);
  }
  return b;
}

function specRequest(spec: unknown, create: boolean): NewDoRequest {
  const s = checkSpec(spec, create ? 'entry' : 'update', ENTRY_KEYS) as CtSpec;
  const k = resolveKey(s);
  const req: NewDoRequest = { nfgenFamily: k.family };
  if (create) {
    if (!k.orig) throw new NetlinkArgumentError('orig', 'is needed to create an entry');
    if (s.timeout === undefined) throw new NetlinkArgumentError('timeout', 'is needed to create an entry (seconds)');
    req.tupleOrig = tupleAttrs(k.orig, k.family, k.proto);
    req.tupleReply = tupleAttrs(k.reply ?? inverseTuple(k.orig, k.proto), k.family, k.proto);
  } else if (k.orig) req.tupleOrig = tupleAttrs(k.orig, k.family, k.proto);
  else req.tupleReply = tupleAttrs(k.reply!, k.family, k.proto);
  if (s.zone !== undefined) req.zone = uint(s.zone, 'zone', 0xffff);
  if (s.timeout !== undefined) req.timeout = uint(s.timeout, 'timeout', U32);
  if (s.mark !== undefined) req.mark = uint(s.mark, 'mark', U32);
  if (s.markMask !== undefined) {
    if (s.mark === undefined) throw new NetlinkArgumentError('markMask', 'needs mark');
    req.markMask = uint(s.markMask, 'markMask', U32);
  }
  // every entry the kernel holds is CONFIRMED, and ctnetlink refuses to change that bit
  // (EBUSY): a status sent without it would ask to clear it (libnetfilter_conntrack adds it too)
  if (s.status !== undefined) req.status = [...new Set([...statusFlags(s.status), 'confirmed' as const])];
  if (s.state !== undefined) {
    if (k.proto !== IPPROTO_TCP) throw new NetlinkArgumentError('state', 'is for TCP entries');
    const st = typeof s.state === 'string' ? s.state.toUpperCase() : '';
    if (!TCP_STATE_NAMES.includes(st)) throw new NetlinkArgumentError('state', `must be a TCP state (${TCP_STATE_NAMES.join(', ')}), got ${quote(s.state)}`);
    req.protoinfo = { protoinfoTcp: { tcpState: st.toLowerCase().replace(/_/g, '-') as NfCtTcpStateEnum } };
  }
  if (s.helper !== undefined && create) {
    if (typeof s.helper !== 'string' || !s.helper || s.helper.length > 15) throw new NetlinkArgumentError('helper', `must be a helper name ('ftp'...), got ${quote(s.helper)}`);
    req.help = { helpName: s.helper };
  }
  if (s.labels !== undefined) {
    req.labels = labelBytes(s.labels);
    if (!create) req.labelsMask = Buffer.alloc(16, 0xff);
  }
  return req;
}

const createItem = (_scope: Scope, spec: CtSpec) => opItem(conntrack, 'new', specRequest(spec, true), { flags: NLM_F_CREATE | NLM_F_EXCL });
const updateItem = (_scope: Scope, spec: CtSpec) => opItem(conntrack, 'new', specRequest(spec, false));
const deleteItem = (_scope: Scope, key: CtKey) => {
  if (key === null || typeof key !== 'object') throw new NetlinkArgumentError('key', `must be an object (a CtKey or a listed entry), got ${key === null ? 'null' : typeof key}`, 'ERR_INVALID_ARG_TYPE');
  checkSpec(key, 'key', ENTRY_KEYS);
  return opItem(conntrack, 'delete', keyRequest(key));
};

function listStep(filter: unknown, zero = false): Step<CtEntry[]> {
  const f = compileFilter(filter);
  return opCall(conntrack, zero ? 'get-ctrzero' : 'get', 'dump', f.request, {
    result: (replies) => {
      const out: CtEntry[] = [];
      for (const m of replies) {
        const e = entryObject(m);
        if (f.match(e)) out.push(e);
      }
      return out;
    },
  });
}

const FLUSH_KEYS = ['family'] as const;

const OPS = {
  /** Entries (`conntrack -L`), filtered (see CtFilter: the kernel filters what it can). */
  list: (_scope: Scope, filter?: CtFilter): Step<CtEntry[]> => listStep(filter),
  /**
   * Every entry (or one family's) with its counters, zeroed by the kernel as it dumps them
   * (`conntrack -L -z`): the counts returned are those until now. No other filter, as the
   * conntrack tool takes none: the kernel would zero entries a filter then leaves out.
   */
  listAndZero: (_scope: Scope, filter?: { family?: 'ipv4' | 'ipv6' }): Step<CtEntry[]> =>
    listStep(filter === undefined ? undefined : checkSpec(filter, 'filter', ['family'] as const), true),
  /** One entry by its tuple (`conntrack -G`); a NetlinkError ENOENT when there is none. */
  get: (_scope: Scope, key: CtKey): Step<CtEntry> => {
    checkSpec(key, 'key', ENTRY_KEYS);
    const { id: _id, ...req } = keyRequest(key);
    return opCall(conntrack, 'get', 'do', req, { result: (r) => entryObject(r[0]) });
  },
  /** Creates an entry (`conntrack -I`; EEXIST if its tuple is taken), or many in one transaction. */
  create: (scope: Scope, spec: CtSpec | readonly CtSpec[]) => oneOrMany(scope, spec, createItem),
  /** Changes an entry's mark, timeout, status, state or labels (`conntrack -U`; ENOENT if none). */
  update: (scope: Scope, spec: CtSpec | readonly CtSpec[]) => oneOrMany(scope, spec, updateItem),
  /** Deletes an entry by its tuple (or a listed entry), or many in one transaction (`conntrack -D`). */
  delete: (scope: Scope, key: CtKey | readonly CtKey[]) => oneOrMany(scope, key, deleteItem),
  /**
   * Deletes what a filter selects: a dump, then one transaction deleting each entry by
   * its tuple and id; an entry gone meanwhile is a failure (ENOENT) at its own index.
   */
  deleteWhere: (_scope: Scope, filter: CtFilter): Step<BulkResult & { deleted: CtEntry[] }> => {
    if (filter === undefined) throw new NetlinkArgumentError('filter', 'is needed ({} deletes everything: flush() does that in one message)');
    // route's flush (list, then delete each in one transaction), saying what went
    return deleteAll(listStep(filter), (e) => e, deleteItem, (r, found) => {
      const failed = new Set(r.failures.map((f) => f.index));
      return { ...r, deleted: found.filter((_e, i) => !failed.has(i)) };
    });
  },
  /**
   * Empties the table (`conntrack -F`: one message, the kernel deletes), or one family's
   * entries. The kernel's flush ignores the family it is given (6.18 empties every family,
   * as `conntrack -F -f ipv6` shows), so a family's flush is a dump of that family and a
   * transaction deleting each entry; one that expired meanwhile (ENOENT) is not an error.
   */
  flush: (scope: Scope, opts?: { family?: 'ipv4' | 'ipv6' }): Step<void> => {
    const o = opts === undefined ? {} : checkSpec(opts, 'flush', FLUSH_KEYS);
    if (o.family === undefined) return opCall(conntrack, 'delete', 'do', { nfgenFamily: 0 }, { result: () => undefined });
    parseFamily(o.family);
    return {
      first: OPS.deleteWhere(scope, { family: o.family as 'ipv4' }),
      then: (r: BulkResult) => {
        const failure = r.failures.find((f) => (f.error as { code?: string }).code !== 'ENOENT');
        if (failure) throw failure.error;
        return { value: undefined };
      },
    };
  },
  /** How many entries the table holds (`conntrack -C`). */
  count: (_scope: Scope, _arg?: undefined): Step<number> =>
    opCall(conntrack, 'get-stats-global', 'do', {}, { result: (r) => r[0]?.entries ?? 0 }),
  /** Table size and limit, and the per-CPU counters (`conntrack -S`). */
  stats: (_scope: Scope, _arg?: undefined): Step<CtStats> => ({
    first: opCall(conntrack, 'get-stats-global', 'do', {}),
    then: (g: { entries?: number; maxEntries?: number }[]) => ({
      ...opCall(conntrack, 'get-stats', 'dump', {}, {
        result: (cpus) => ({
          entries: g[0]?.entries ?? 0,
          maxEntries: g[0]?.maxEntries ?? 0,
          cpus: cpus.map((c) => ({
            cpu: c.resId, found: c.found ?? 0, invalid: c.invalid ?? 0, insert: c.insert ?? 0, insertFailed: c.insertFailed ?? 0,
            drop: c.drop ?? 0, earlyDrop: c.earlyDrop ?? 0, error: c.error ?? 0, searchRestart: c.searchRestart ?? 0,
            clashResolve: c.clashResolve ?? 0, chainToolong: c.chainToolong ?? 0,
          })),
        }),
      }),
    }),
  }),
};

type Ops = BoundOps<typeof OPS>;

/** The conntrack table of a namespace; create/update/delete take one spec or (bulk) an array. */
export type Conntrack = Omit<Ops, 'create' | 'createSync' | 'update' | 'updateSync' | 'delete' | 'deleteSync'> & {
  create: OneOrMany<CtSpec>;
  createSync: OneOrManySync<CtSpec>;
  update: OneOrMany<CtSpec>;
  updateSync: OneOrManySync<CtSpec>;
  delete: OneOrMany<CtKey>;
  deleteSync: OneOrManySync<CtKey>;
  /**
   * Entries as they are created, updated and destroyed (NFNLGRP_CONNTRACK_*), as an async
   * iterable of { type: 'new' | 'update' | 'destroy', entry }; an overrun (the kernel dropped
   * events) is an { type: 'overrun' } item, an undecodable message an { type: 'error' } item.
   */
  events(opts?: CtEventOptions & Pick<RouteOptions, 'netns'>): CtEvents;
  /**
   * The entries one at a time as the dump arrives, in bounded memory (reading pauses while
   * the consumer is busy): for tables too large to list at once. Same filters as list().
   */
  entries(filter?: CtFilter, opts?: Pick<RouteOptions, 'netns'>): AsyncIterable<CtEntry>;
  /** The expectation table (`conntrack -L expect`...). */
  readonly expectations: BoundOps<typeof EXPECT_OPS>;
  /** Closes the handle's socket (event streams have their own). */
  close(): void;
  readonly ctx: NetfilterContext;
};

function entries(ctx: NetfilterContext, filter: unknown, opts: unknown): AsyncIterable<CtEntry> {
  // mistakes are thrown now, not at the first step of the iteration
  const f = compileFilter(filter);
  const o = opts === undefined ? {} : (checkSpec(opts, 'options', ['netns'] as const) as Pick<RouteOptions, 'netns'>);
  return {
    async *[Symbol.asyncIterator]() {
      const own = o.netns === undefined ? undefined : new NetfilterContext({ ...ctx.options, netns: o.netns });
      try {
        for await (const m of (own ?? ctx).conn.stream(opCall(conntrack, 'get', 'dump', f.request))) {
          const e = entryObject(m);
          if (f.match(e)) yield e;
        }
      } finally {
        own?.close();
      }
    },
  };
}

/** The conntrack table of a namespace (`{ netns: 'blue' }`) or of the process's own. */
export function openConntrack(opts: ConnectionOptions & { ctx?: NetfilterContext } = {}): Conntrack {
  checkObject(opts);
  const { ctx: given, ...rest } = opts;
  const ctx = given ?? new NetfilterContext(rest);
  const ops = bindOps(ctx, OPS) as unknown as Conntrack;
  return Object.assign(ops, {
    ctx,
    expectations: bindOps(ctx, EXPECT_OPS),
    events: (o?: CtEventOptions & Pick<RouteOptions, 'netns'>) => conntrackEvents({ ...ctx.options, ...(o?.netns !== undefined ? { netns: o.netns } : {}) }, o),
    entries: (filter?: CtFilter, o?: Pick<RouteOptions, 'netns'>) => entries(ctx, filter, o),
    close: () => ctx.close(),
  });
}
