// Namespace ids (`ip netns set NAME ID`, `ip netns list-id`): the number by which a namespace
// knows another, carried by events from all namespaces (a monitor's "which namespace").
// Over nlkit's rt-nsid spec (src/ynl/specs/rt-nsid.yaml).
import { closeSync, constants as fs, openSync, readdirSync } from 'node:fs';
import { NetlinkArgumentError, NetnsError } from '../core/errors.js';
import { AF_UNSPEC } from '../core/rtnetlink.js';
import type { TransactionItem, TransactionResult } from '../core/transaction.js';
import { netnsTarget, type NetnsRef } from '../core/transport.js';
import type { RawMessage } from '../core/message.js';
import { opCall, opDecoder, opItem } from '../ynl/op-call.js';
import { description as rtNsid, type GetnsidDoReply } from '../ynl/families/rt-nsid.js';
import { bindOps, type BoundOps, type Bulk, type RouteContext, type Scope, type Step } from './context.js';
import { checkSpec } from './arg-check.js';
import { namingOptions, uint } from './spec-values.js';
import { quote } from '../core/options.js';

/** A namespace as the handle's namespace numbers it (`ip -j netns list-id`). */
export interface NamespaceId {
  nsid: number;
  /** The /run/netns name of that namespace, when it has one (and, with `target`, an id here). */
  name?: string;
  /** With `target`: the id the handle's namespace gives the target. */
  currentNsid?: number;
}

/** A namespace: as a connection takes it (name, {name}, {path}, {fd}, fd) or a process's ({pid}). */
export type NsidTarget = NetnsRef | { pid: number };

/** What set() takes: the namespace, and the id (omitted, -1 or 'auto': the kernel picks). */
export interface NsidAssignment {
  netns: NsidTarget;
  nsid?: number | 'auto';
}

const NETNS_DIR = '/run/netns';
const NOT_ASSIGNED = -1;
const rtgenmsg = { family: AF_UNSPEC };

/** The request's way of naming a namespace: its pid, or a file opened for the request. */
type Named = { pid: number; fd?: undefined; close: () => void } | { fd: number; pid?: undefined; close: () => void };

function name(target: unknown, option = 'netns'): Named {
  if (target !== null && typeof target === 'object' && 'pid' in target) {
    const { pid } = checkSpec(target, option, ['pid']) as { pid: number };
    return { pid: uint(pid, `${option}.pid`, 0x7fffffff, 1), close: () => {} };
  }
  const { target: t, shown } = netnsTarget(target as NetnsRef);
  if (typeof t === 'number') return { fd: t, close: () => {} };
  let fd: number;
  try {
    // O_NONBLOCK: a FIFO in /run/netns must not hang the call
    fd = openSync(t, fs.O_RDONLY | fs.O_NONBLOCK);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new NetnsError(-(err.errno ?? 0), 'open', `network namespace ${quote(shown)}: ${err.message}`, shown, t);
  }
  return { fd, close: () => closeSync(fd) };
}

const idOf = (m: GetnsidDoReply | undefined): number | undefined => (m?.nsid === undefined || m.nsid < 0 ? undefined : m.nsid);

/** A request for the id the namespace open as `fd` has in the namespace the request is sent in. */
export function nsidOfFd(fd: number): TransactionItem<GetnsidDoReply> {
  return opItem(rtNsid, 'getnsid', { ...rtgenmsg, fd });
}

/** Files stay open until the answers are in; a transaction that throws leaves them to this. */
const unclosed = new FinalizationRegistry<() => void>((close) => close());

/** A transaction over requests naming namespaces by file, closing the files when done. */
function withFiles<R>(named: Named[], items: TransactionItem<unknown>[], result: (r: TransactionResult<unknown>) => R): Bulk<R> {
  const closeAll = () => named.splice(0).forEach((n) => n.close());
  const step: Bulk<R> = {
    bulk: items,
    result: (r) => {
      unclosed.unregister(step);
      closeAll();
      return result(r);
    },
  };
  unclosed.register(step, closeAll, step);
  return step;
}

/**
 * Every /run/netns name, with the id its namespace has where the step runs (as `ip netns
 * list` shows them): one transaction. A name that cannot be opened (gone meanwhile, not a
 * namespace file) is listed without an id.
 */
export function idsOfNames(): Step<{ name: string; id?: number }[]> {
  let found: string[] = [];
  try {
    found = readdirSync(NETNS_DIR).filter((n) => !n.startsWith('.')).sort();
  } catch {
    // no /run/netns: no names
  }
  const opened: { at: number; named: Named }[] = [];
  found.forEach((n, at) => {
    try {
      opened.push({ at, named: name(n) });
    } catch {
      // listed without an id
    }
  });
  const ids = new Map<number, number>();
  const value = () => found.map((n, i) => (ids.has(i) ? { name: n, id: ids.get(i)! } : { name: n }));
  if (opened.length === 0) return { first: { bulk: [], result: () => undefined }, then: () => ({ value: value() }) };
  return withFiles(opened.map((o) => o.named), opened.map((o) => nsidOfFd(o.named.fd!)), (r) => {
    r.items.forEach((it, k) => {
      const id = it.ok ? idOf(it.replies[0] as GetnsidDoReply) : undefined;
      if (id !== undefined) ids.set(opened[k].at, id);
    });
    return value();
  });
}

/** The /run/netns names by the id their namespaces have where the step runs (the first name per id). */
function namesById(): Step<Map<number, string>> {
  return {
    first: idsOfNames(),
    then: (named: { name: string; id?: number }[]) => {
      const out = new Map<number, string>();
      for (const n of named) if (n.id !== undefined && !out.has(n.id)) out.set(n.id, n.name);
      return { value: out };
    },
  };
}

/** The get request for a namespace named by pid or file. */
function getRequest(n: Named) {
  return n.pid !== undefined ? { ...rtgenmsg, pid: n.pid } : { ...rtgenmsg, fd: n.fd };
}

/** Namespace ids of a namespace: `rt.nsids.list()`, `rt.nsids.set({ netns: 'blue', nsid: 5 })`... */
const OPS = {
    /**
     * Every namespace this one has an id for (`ip netns list-id`), with its /run/netns name
     * where it has one; `{ target }`: the ids another namespace (by its id here) has assigned;
     * `{ nsid }`: only the namespace with that id.
     */
    list: (_scope: Scope, filter?: { target?: number; nsid?: number }): Step<NamespaceId[]> => {
      const f = filter === undefined ? {} : checkSpec(filter, 'filter', ['target', 'nsid']) as { target?: number; nsid?: number };
      const target = f.target === undefined ? undefined : uint(f.target, 'target', 0x7fffffff);
      const req = target === undefined ? rtgenmsg : { ...rtgenmsg, targetNsid: target };
      return {
        // `nsid`: that one entry (`ip netns list-id nsid N`), asked for, not filtered from a dump
        first: f.nsid === undefined ? opCall(rtNsid, 'getnsid', 'dump', req) : opCall(rtNsid, 'getnsid', 'do', { ...req, nsid: uint(f.nsid, 'nsid', 0x7fffffff) }),
        then: (replies: GetnsidDoReply[]) => {
          const ids: NamespaceId[] = replies.filter((m) => m.nsid !== undefined).map((m) => {
            const e: NamespaceId = { nsid: m.nsid! };
            if (m.currentNsid !== undefined && m.currentNsid >= 0) e.currentNsid = m.currentNsid;
            return e;
          });
          // a name is known by the id this namespace has for the entry's namespace (as ip names them)
          const here = (e: NamespaceId) => (target === undefined ? e.nsid : e.currentNsid);
          if (!ids.some((e) => here(e) !== undefined)) return { value: ids };
          return {
            first: namesById(),
            then: (byId: Map<number, string>) => ({
              value: ids.map((e) => {
                const n = here(e) === undefined ? undefined : byId.get(here(e)!);
                return n === undefined ? e : { ...e, name: n };
              }),
            }),
          };
        },
      };
    },
    /** The id this namespace has for another (undefined when none is assigned). */
    get: (_scope: Scope, netns: NsidTarget): Step<number | undefined> => {
      const n = name(netns);
      return withFiles([n], [opItem(rtNsid, 'getnsid', getRequest(n))], (r) => {
        const it = r.items[0];
        if (!it.ok) throw it.error;
        return idOf(it.replies[0] as GetnsidDoReply);
      });
    },
    /**
     * Assigns an id to another namespace (`ip netns set NAME ID`; no id, -1 or 'auto': the
     * kernel picks the lowest free one), resolving to the id it has then. EEXIST when it has
     * one already, or when the id is taken.
     */
    set: (_scope: Scope, arg: NsidTarget | NsidAssignment): Step<number> => {
      const a: NsidAssignment = arg !== null && typeof arg === 'object' && 'netns' in arg ? checkSpec(arg, 'set', ['netns', 'nsid']) as NsidAssignment : { netns: arg as NsidTarget };
      const nsid = a.nsid === undefined || a.nsid === 'auto' || a.nsid === NOT_ASSIGNED ? NOT_ASSIGNED : uint(a.nsid, 'nsid', 0x7fffffff);
      const n = name(a.netns);
      const set = n.pid !== undefined ? { ...rtgenmsg, nsid, pid: n.pid } : { ...rtgenmsg, nsid, fd: n.fd };
      // assigned and read back in one transaction, while the file is open
      return withFiles([n], [opItem(rtNsid, 'newnsid', set), opItem(rtNsid, 'getnsid', getRequest(n))], (r) => {
        if (!r.ok) throw r.failures[0].error;
        const got = r.items[1];
        const id = got.ok ? idOf(got.replies[0] as GetnsidDoReply) : undefined;
        if (id === undefined) throw new NetlinkArgumentError('netns', 'has no id after it was assigned one (deleted meanwhile?)');
        return id;
      });
    },
};

const decodeNsid = opDecoder(rtNsid, 'getnsid', 'dump');

/**
 * For the monitor and caches: an id notification (RTM_NEWNSID/DELNSID, group RTNLGRP_NSID)
 * as a NamespaceId (without a name: a deleted namespace has none left to find), the dump that
 * resyncs them (with names), and an id's identity.
 */
export const nsidEvents = {
  decode: (m: RawMessage): NamespaceId => {
    const v = decodeNsid(m);
    const e: NamespaceId = { nsid: v.nsid ?? NOT_ASSIGNED };
    if (v.currentNsid !== undefined && v.currentNsid >= 0) e.currentNsid = v.currentNsid;
    return e;
  },
  dump: (scope: Scope): Step<NamespaceId[]> => OPS.list(scope, undefined),
  key: (e: NamespaceId): string => String(e.nsid),
};

/** Namespace ids of a namespace. */
export type Nsids = BoundOps<typeof OPS>;

export function makeNsids(ctx: RouteContext): Nsids {
  return namingOptions(bindOps(ctx, OPS), { fd: 'netns', pid: 'netns', nsid: 'nsid', targetNsid: 'target' });
}
