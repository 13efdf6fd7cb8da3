// Typed notifications of routing objects (`ip monitor`): from one namespace or from every
// namespace with an id here, each event saying new or deleted with its object. The events
// come on a socket of their own; the dumps a resync makes run on the handle's.
//
// Values. Each event carries its object module's domain object (Link, Address, Route,
// Neighbour, Rule, Nexthop, NamespaceId: see objects.ts). The link names in them (a route's
// `dev`, an address's `ifname`, a link's master) come from a map per namespace that one link
// dump fills when first needed and the link events keep current: no request per event. A
// deleted link's own name is in its message. Bridge FDB entries and bridge port state
// (AF_BRIDGE neighbour and link messages) are not delivered.
//
// Resync policy. The kernel drops notifications when the socket's receive queue is full
// (ENOBUFS) and what it dropped is unknown. The monitor then drops its socket with whatever
// it still holds (the kernel reports the loss before the older messages still queued, so
// those cannot be told from newer ones), subscribes on a new socket, and only then dumps
// every watched kind afresh (in the monitor's namespace and, with allNsid, in each named
// namespace with an id), delivering each dump as one `{ kind: 'resync', object, values }`
// item: the whole current state, to REPLACE whatever a consumer built. The events that
// follow came on the new socket, after its subscription and with nothing lost since, so
// applying them in order over the dump ends in the kernel's state (an event the dump
// already shows applies twice, to the same effect; a deletion of something the dump lacks
// is a no-op). Subscribing before the first dump (`initial: true`) gives the same guarantee
// from the start. A malformed datagram is an `{ kind: 'error' }` item; the stream goes on.
//
// Ordering guarantee. Items come in this order, and applying them in it converges on the
// kernel's state:
// - every event is delivered in the order the kernel queued it, and none from a socket
//   dropped after an overrun is delivered after that socket is dropped;
// - a resync's dump starts after the socket whose events follow it has subscribed, and
//   every event queued during the dump (older or newer than what the dump shows) is
//   delivered after the resync item, never before: a consumer replaces its state with the
//   dump, then replays them, each a statement of an object's state (new: it is so; del:
//   it is gone), so the last one about an object wins and the others keep the dump's;
// - a resync asked with resync() starts after the item being consumed, and after the
//   kernel request that queued it has finished (the monitor first sends a request the
//   kernel answers only under RTNL): one asked while applying an event dumps a state at
//   least as new as everything that request did, including what it did after queueing
//   the event (a link set down is announced before its IPv4 routes are flushed, and a
//   route dump, lock-free, would otherwise run beside the flush and show them);
// - the kernel's dumps themselves are not atomic (a route dump walks the table in parts
//   and can miss or repeat an entry changed meanwhile, without NLM_F_DUMP_INTR); whatever
//   changed during the dump has its event after the resync, which puts it right.
// What events never say: the kernel removes IPv4 routes through a link going down or
// deleted, an IPv4 address deleted or a nexthop object deleted, and flags routes
// `linkdown` on a carrier change, all without route notifications; a consumer that keeps
// routes watches those kinds and asks resync(['route']) on them (RouteCache does).
import { EventEmitter } from 'node:events';
import { Connection } from '../core/connection.js';
import { NETLINK_ROUTE, NLM_F_REPLACE } from '../core/constants.js';
import { NetlinkArgumentError, NetlinkStateError } from '../core/errors.js';
import { checkEventOptions, quote } from '../core/options.js';
import { syncTimeout, type EventStream, type NetlinkEvent, type SyncReadOptions } from '../core/events.js';
import type { RawMessage } from '../core/message.js';
import { RTNLGRP_LINK } from '../core/rtnetlink.js';
import { opCall } from '../ynl/op-call.js';
import { description as rtLink } from '../ynl/families/rt-link.js';
import { description as tc } from '../ynl/families/tc.js';
import { bindOps, Scope, type RouteContext, type Step } from './context.js';
import { parseFamily } from './inet.js';
import { NameMap } from './link-names.js';
import { idsOfNames } from './nsid.js';
import { linkFacts, messageFamily, OBJECTS, OBJECT_KINDS, type LinkStates, type ObjectKind, type ObjectTypes } from './objects.js';

export interface MonitorOptions {
  /** Events of every namespace with an id in this one (NETLINK_LISTEN_ALL_NSID), each with its nsid and name. */
  allNsid?: boolean;
  /** Only this address family's addresses, routes, neighbours and rules: 'inet' | 'inet6' | 4 | 6. */
  family?: string | number;
  /** After an overrun, dump afresh and deliver `resync` items (default true); false: an `overrun` item only. */
  resync?: boolean;
  /** Start with a `resync` item (`initial: true`) per kind, dumped after subscribing. Default false. */
  initial?: boolean;
  /** SO_RCVBUF of the event socket in bytes (forced past rmem_max as root). Default: the system's. */
  rcvbuf?: number;
  /** Events buffered for a slow consumer before reading pauses (then the kernel queue absorbs). */
  highWaterMark?: number;
  /** Whether the open monitor keeps the process alive. Default true. */
  ref?: boolean;
}

const OPTION_KEYS = new Set(['allNsid', 'family', 'resync', 'initial', 'rcvbuf', 'highWaterMark', 'ref']);

/** Where an item comes from, with allNsid: the peer namespace's id here and its /run/netns name. */
interface Origin {
  nsid?: number;
  netns?: string;
}

export type MonitorEvent<K extends ObjectKind = ObjectKind> = {
  /** replace: the object took the place of another of its key (NLM_F_REPLACE: `ip route replace`). */
  [P in K]: { kind: 'event'; object: P; action: 'new' | 'del'; value: ObjectTypes[P]; replace?: boolean } & Origin;
}[K];

export type MonitorResync<K extends ObjectKind = ObjectKind> = {
  [P in K]: { kind: 'resync'; object: P; values: ObjectTypes[P][]; initial?: boolean } & Origin;
}[K];

export type MonitorItem<K extends ObjectKind = ObjectKind> =
  | MonitorEvent<K>
  | MonitorResync<K>
  /** A datagram that could not be decoded: one item, the monitor goes on. */
  | { kind: 'error'; error: unknown }
  /** Only with `resync: false`: notifications were lost. */
  | { kind: 'overrun' };

const LOCAL = -1;
/** The kinds `family` narrows (as their dumps do); links, nexthops (groups have no family) and ids it leaves whole. */
const FAMILY_KINDS = new Set<ObjectKind>(['address', 'route', 'neighbour', 'rule']);
/**
 * A resync's dump is delivered even when the kernel flags it interrupted (NLM_F_DUMP_INTR):
 * what changed while it ran has its event after the resync item, which puts it right (see
 * the top), while retrying could fail for as long as the changes go on (a monitor under a
 * churn of links gave up after 4 attempts and ended).
 */
function wholeResync<T>(step: Step<T>): Step<T> {
  return 'bulk' in step || 'first' in step ? step : { ...step, intr: 'partial' };
}

const ITEM_EVENTS = new Set(['item', 'event', 'resync', 'overrun']);

/** TC_H_ROOT (linux/pkt_sched.h): the root qdisc of a device. */
const TC_H_ROOT = 0xffffffff;

/**
 * A request the kernel answers only once it holds RTNL: a qdisc lookup (tc requests still
 * run under RTNL, unlike the RCU route, rule and neighbour dumps). Its answer, whatever it
 * is, means every rtnetlink request that was holding RTNL has finished. lo is index 1 in
 * every namespace.
 */
const rtnlFence = () => opCall(tc, 'getqdisc', 'do', { ifindex: 1, parent: TC_H_ROOT }, { result: () => undefined });

/** A link of a namespace as the names need it: index, name, up. */
type LinkState = [index: number, name: string | undefined, up: boolean];

/**
 * Link names (and up flags, for ip's M-DOWN) of one namespace, filled by a dump when first
 * needed and kept by link events.
 */
class Names {
  readonly map = new NameMap();
  readonly up = new Map<number, boolean>();
  seeded = false;

  constructor(private readonly load: (() => LinkState[]) | undefined) {}

  seed(): void {
    if (this.seeded || !this.load) return;
    this.seeded = true;
    const links = this.load();
    this.map.replace(links.map(([i, n]) => [i, n]));
    this.up.clear();
    for (const [i, , up] of links) this.up.set(i, up);
  }

  set(index: number, name: string | undefined, up: boolean): void {
    this.map.set(index, name);
    this.up.set(index, up);
  }

  delete(index: number): void {
    this.map.delete(index);
    this.up.delete(index);
  }
}

/** The scope events decode in: names from the namespace's map, never a request per event. */
class EventScope extends Scope implements LinkStates {
  constructor(conn: Connection, private readonly ns: Names) {
    super(conn, ns.map);
  }

  override ifname(index: number): string | undefined {
    this.ns.seed();
    return this.ns.map.nameOf(index);
  }

  linkUp(index: number): boolean | undefined {
    this.ns.seed();
    return this.ns.up.get(index);
  }
}

function linkStates(conn: Connection): LinkState[] {
  return conn.runSync(opCall(rtLink, 'getlink', 'dump', { extMask: ['skip-stats'] })).map((l) => [l.ifiIndex, l.ifname, l.ifiFlags.includes('up')]);
}

function checkOptions(objects: unknown, opts: unknown): { kinds: ObjectKind[]; opts: MonitorOptions } {
  let kinds: ObjectKind[];
  if (objects === undefined || objects === 'all') kinds = [...OBJECT_KINDS];
  else if (Array.isArray(objects) && objects.length > 0) {
    for (const k of objects)
      if (!OBJECT_KINDS.includes(k)) throw new NetlinkArgumentError('objects', `must list kinds of ${OBJECT_KINDS.join(', ')}, got ${quote(k)}`);
    kinds = [...new Set(objects as ObjectKind[])];
  } else throw new NetlinkArgumentError('objects', `must be 'all' or a non-empty list of ${OBJECT_KINDS.join(', ')}`, 'ERR_INVALID_ARG_TYPE');
  if (opts === undefined) return { kinds, opts: {} };
  if (opts === null || typeof opts !== 'object') throw new NetlinkArgumentError('options', `must be an object, got ${opts === null ? 'null' : typeof opts}`, 'ERR_INVALID_ARG_TYPE');
  for (const k of Object.keys(opts)) if (!OPTION_KEYS.has(k)) throw new NetlinkArgumentError('options', `has no option '${k}' (there are: ${[...OPTION_KEYS].join(', ')})`);
  const o = opts as MonitorOptions;
  for (const k of ['allNsid', 'resync', 'initial'] as const)
    if (o[k] !== undefined && typeof o[k] !== 'boolean') throw new NetlinkArgumentError(k, `must be a boolean, got ${typeof o[k]}`, 'ERR_INVALID_ARG_TYPE');
  // the stream's own options, checked as Connection.events checks them, before any socket opens
  checkEventOptions({ ref: o.ref, highWaterMark: o.highWaterMark });
  return { kinds, opts: o };
}

/**
 * A running monitor: iterate it (`for await (const item of mon)`), or listen to 'item'
 * (and 'event', 'resync', 'overrun', 'error', 'close'), not both: a listener runs the same
 * single loop. Breaking out of the loop or `close()` closes its socket.
 */
export class RouteMonitor<K extends ObjectKind = ObjectKind> extends EventEmitter implements AsyncIterable<MonitorItem<K>> {
  readonly objects: readonly K[];
  private readonly family: number | undefined;
  private readonly groups: number[];
  private conn!: Connection;
  private stream!: EventStream<MonitorItem<K> | null>;
  private readonly types = new Map<number, { object: ObjectKind; action: 'new' | 'del' }>();
  private readonly names = new Map<number, Names>();
  private readonly scopes = new Map<number, EventScope>();
  private readonly dumps;
  private readonly netnsIds;
  private readonly fence;
  /** The next dumps were asked by resync(): they wait for RTNL first. */
  private fenced = false;
  private netnsById = new Map<number, string>();
  private lastIdLookup = 0;
  private readonly requested = new Set<K>();
  private wake: (() => void) | undefined;
  private iterator: AsyncGenerator<MonitorItem<K>> | undefined;
  private pumping = false;
  /** Read by sync(): no for-await or item listener may take its events. */
  private syncReading = false;
  private closed = false;

  constructor(private readonly ctx: RouteContext, objects?: readonly K[] | 'all', private readonly options: MonitorOptions = {}) {
    super();
    const checked = checkOptions(objects, options);
    this.objects = checked.kinds as K[];
    this.options = checked.opts;
    this.family = parseFamily(this.options.family);
    const groups = new Set<number>([RTNLGRP_LINK]); // link names for every decode
    for (const k of this.objects) {
      const e = OBJECTS[k];
      for (const g of e.groups.any ?? []) groups.add(g);
      for (const [fam, gs] of [[2, e.groups.inet], [10, e.groups.inet6]] as const)
        if (this.family === undefined || this.family === fam) for (const g of gs ?? []) groups.add(g);
      this.types.set(e.newType, { object: k, action: 'new' });
      this.types.set(e.delType, { object: k, action: 'del' });
    }
    this.dumps = bindOps(ctx, Object.fromEntries(this.objects.map((k) => [k, (scope: Scope) => wholeResync(OBJECTS[k].dump(scope, this.family))])));
    this.netnsIds = bindOps(ctx, { ids: () => idsOfNames() });
    this.fence = bindOps(ctx, { rtnl: rtnlFence });
    this.groups = [...groups];
    this.subscribe();
    // (ids of names: for the origin of other namespaces' events, and the names of ids deleted later)
    if (this.options.allNsid || this.objects.includes('nsid' as K)) this.lookUpIds();
    // listening to items (not merely to 'error' or 'close') starts the monitor's own loop
    this.on('newListener', (name: string) => {
      if (ITEM_EVENTS.has(name) && this.syncReading) throw new NetlinkStateError(`this monitor is read by sync(): a '${name}' listener would never hear an item`);
      if (ITEM_EVENTS.has(name) && !this.pumping) {
        this.pumping = true;
        queueMicrotask(() => void this.pump());
      }
    });
  }

  [Symbol.asyncIterator](): AsyncGenerator<MonitorItem<K>> {
    if (this.syncReading) throw new NetlinkStateError('this monitor is read by sync(): for-await would take its events');
    return (this.iterator ??= this.items());
  }

  /**
   * Dumps these kinds afresh (all watched kinds by default) and delivers them as resync
   * items next. The dumps start after the item being consumed, and after every kernel
   * request that was running when they are asked for: what a request does after its
   * notification (a link set down flushes its IPv4 routes after announcing the link) is in
   * them.
   */
  resync(objects: readonly K[] = this.objects): void {
    for (const k of objects) if (this.objects.includes(k)) this.requested.add(k);
    this.fenced = true;
    this.wake?.();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.stream.close();
    this.conn.close();
    this.wake?.();
    this.emit('close');
  }

  /** A socket of its own for the events, subscribed to the groups. */
  private subscribe(): void {
    const conn = new Connection(NETLINK_ROUTE, {
      netns: this.ctx.options.netns, listenAllNsid: this.options.allNsid ?? false,
      ...(this.options.rcvbuf !== undefined ? { rcvbuf: this.options.rcvbuf, forceBuffers: true } : {}),
    });
    try {
      this.stream = conn.events({ groups: this.groups, decode: (m) => this.decode(m), highWaterMark: this.options.highWaterMark, ref: this.options.ref ?? true });
    } catch (e) {
      conn.close();
      throw e;
    }
    this.conn = conn;
  }

  private lookUpIds(): void {
    this.lastIdLookup = Date.now();
    // (ids are never assigned here: a name without one is left out)
    this.netnsById = new Map(this.netnsIds.idsSync().flatMap((n) => (n.id === undefined ? [] : [[n.id, n.name] as const])));
  }

  /** An id of this namespace's table with its /run/netns name: looked up for a new id, remembered for its deletion. */
  private nameId(v: ObjectTypes['nsid'], action: 'new' | 'del'): void {
    if (action === 'new') this.lookUpIds();
    const name = this.netnsById.get(v.nsid);
    if (name !== undefined) v.name = name;
  }

  private origin(nsid: number): Origin {
    if (nsid < 0) return {};
    // a namespace named since the last look-up: look again, at most once a second
    if (!this.netnsById.has(nsid) && Date.now() - this.lastIdLookup > 1000) this.lookUpIds();
    const netns = this.netnsById.get(nsid);
    return netns === undefined ? { nsid } : { nsid, netns };
  }

  private namesOf(nsid: number): Names {
    let n = this.names.get(nsid);
    if (!n) {
      const netns = nsid === LOCAL ? undefined : this.netnsById.get(nsid);
      const load = nsid === LOCAL ? () => linkStates(this.ctx.conn)
        : netns === undefined ? undefined
        : () => {
          const c = new Connection(NETLINK_ROUTE, { netns });
          try {
            return linkStates(c);
          } finally {
            c.close();
          }
        };
      this.names.set(nsid, (n = new Names(load)));
    }
    return n;
  }

  private scopeOf(nsid: number): EventScope {
    let s = this.scopes.get(nsid);
    if (!s) this.scopes.set(nsid, (s = new EventScope(this.ctx.conn, this.namesOf(nsid))));
    return s;
  }

  /** A notification into an item (null: not for this monitor), keeping link names current. */
  private decode(m: RawMessage): MonitorItem<K> | null {
    const nsid = m.nsid >= 0 ? m.nsid : LOCAL;
    const t = this.types.get(m.type);
    const isLink = m.type === OBJECTS.link.newType || m.type === OBJECTS.link.delType;
    if (!t && !isLink) return null;
    // e.g. AF_BRIDGE link messages are bridge port state, not links coming or going
    const families = OBJECTS[t?.object ?? 'link'].families;
    if (families && !families.includes(messageFamily(m))) return null;
    if (t && this.family !== undefined && FAMILY_KINDS.has(t.object) && messageFamily(m) !== this.family) return null;
    const scope = this.scopeOf(nsid);
    if (isLink) {
      const link = OBJECTS.link.decode(m, scope);
      const f = linkFacts(link);
      const names = this.namesOf(nsid);
      if (m.type === OBJECTS.link.delType) names.delete(f.index);
      else names.set(f.index, f.name, f.up);
      if (!t) return null;
      return { kind: 'event', object: 'link', action: t.action, value: link, ...this.origin(nsid) } as MonitorItem<K>;
    }
    const value = OBJECTS[t!.object].decode(m, scope);
    if (t!.object === 'nsid' && nsid === LOCAL) this.nameId(value as ObjectTypes['nsid'], t!.action);
    const replace = t!.action === 'new' && (m.flags & NLM_F_REPLACE) !== 0 ? { replace: true } : {};
    return { kind: 'event', object: t!.object, action: t!.action, value, ...replace, ...this.origin(nsid) } as MonitorItem<K>;
  }

  /** Where fresh dumps are taken: here and, with allNsid, in each named namespace with an id. */
  private dumpOrigins(): Origin[] {
    const where: Origin[] = [{}];
    if (this.options.allNsid) {
      this.lookUpIds();
      for (const [nsid, netns] of this.netnsById) where.push({ nsid, netns });
    }
    return where;
  }

  /** A namespace deleted while its dump ran: nothing left there to resync. */
  private static gone(origin: Origin, error: unknown): boolean {
    return origin.netns !== undefined && (error as { code?: string }).code === 'ENOENT';
  }

  private resyncItem(k: K, origin: Origin, initial: boolean, values: unknown[]): MonitorItem<K> {
    return { kind: 'resync', object: k, values, ...(initial ? { initial: true } : {}), ...origin } as MonitorItem<K>;
  }

  private dumpOptions(origin: Origin): object {
    return origin.netns ? { netns: origin.netns } : {};
  }

  /** Fresh dumps of these kinds, as resync items. */
  private async *dumpAll(kinds: readonly K[], initial: boolean): AsyncGenerator<MonitorItem<K>> {
    for (const origin of this.dumpOrigins())
      for (const k of kinds) {
        if (this.closed) return;
        let values: unknown[];
        try {
          values = await (this.dumps[k] as (arg: undefined, o: object) => Promise<unknown[]>)(undefined, this.dumpOptions(origin));
        } catch (error) {
          if (RouteMonitor.gone(origin, error)) continue;
          throw error;
        }
        if (this.closed) return;
        yield this.resyncItem(k, origin, initial, values);
      }
  }

  private *dumpAllSync(kinds: readonly K[], initial: boolean): Generator<MonitorItem<K>> {
    for (const origin of this.dumpOrigins())
      for (const k of kinds) {
        if (this.closed) return;
        const dump = this.dumps[`${k}Sync` as keyof typeof this.dumps] as unknown as (arg: undefined, o: object) => unknown[];
        let values: unknown[];
        try {
          values = dump(undefined, this.dumpOptions(origin));
        } catch (error) {
          if (RouteMonitor.gone(origin, error)) continue;
          throw error;
        }
        yield this.resyncItem(k, origin, initial, values);
      }
  }

  /**
   * Waits until the kernel requests running now have finished. A route dump takes no lock
   * (RCU) and would run beside them: sent on the notification of `ip link set X down`, which
   * the kernel queues before it flushes the IPv4 routes through X, it shows routes that are
   * gone a moment later, unannounced (seen here: thousands of 300000 in the middle of their
   * flush). The kernel answers the fence only once it holds RTNL, which such a request keeps
   * from its notification to its end.
   */
  private async waitForRtnl(): Promise<void> {
    try {
      await this.fence.rtnl(undefined);
    } catch {
      // an error answer (no such qdisc, no tc in this kernel) came after RTNL just the same,
      // or there is nothing better to wait for
    }
  }

  private waitForRtnlSync(): void {
    try {
      this.fence.rtnlSync(undefined);
    } catch {
      // as in waitForRtnl
    }
  }

  private async *items(): AsyncGenerator<MonitorItem<K>> {
    try {
      if (this.options.initial) yield* this.dumpAll(this.objects, true);
      let pending: Promise<IteratorResult<NetlinkEvent<MonitorItem<K> | null>>> | undefined;
      while (!this.closed) {
        const kinds = this.takeRequested();
        if (kinds) {
          if (this.fenced) {
            this.fenced = false;
            await this.waitForRtnl();
          }
          yield* this.dumpAll(kinds, false);
          continue;
        }
        pending ??= this.stream.next();
        const woken = new Promise<undefined>((resolve) => (this.wake = () => resolve(undefined)));
        const r = await Promise.race([pending, woken]);
        this.wake = undefined;
        if (r === undefined) continue;
        pending = undefined;
        if (r.done) return;
        const item = this.itemOf(r.value);
        if (item) yield item;
      }
    } finally {
      this.close();
    }
  }

  /**
   * The items blocking this thread, for scripts: `for (const item of mon.sync())`. The same
   * items and resyncs as `for await`; a timeout bounds each wait for an event
   * (NetlinkTimeoutError). Leaving the loop closes the monitor.
   */
  sync(opts: SyncReadOptions = {}): Generator<MonitorItem<K>, void, undefined> {
    const timeout = syncTimeout(opts);
    if (this.iterator || this.pumping || this.syncReading) throw new NetlinkStateError('sync(): this monitor is already read (for-await, item listeners or sync())');
    this.syncReading = true;
    return this.itemsSync(timeout);
  }

  private *itemsSync(timeout: number): Generator<MonitorItem<K>, void, undefined> {
    try {
      if (this.options.initial) yield* this.dumpAllSync(this.objects, true);
      while (!this.closed) {
        const kinds = this.takeRequested();
        if (kinds) {
          if (this.fenced) {
            this.fenced = false;
            this.waitForRtnlSync();
          }
          yield* this.dumpAllSync(kinds, false);
          continue;
        }
        const r = this.stream.nextWithin(timeout);
        if (r.done) return;
        const item = this.itemOf(r.value);
        if (item) yield item;
      }
    } finally {
      this.close();
    }
  }

  /** The kinds resync() asked for, taken; undefined when none. */
  private takeRequested(): K[] | undefined {
    if (!this.requested.size) return undefined;
    const kinds = [...this.requested];
    this.requested.clear();
    return kinds;
  }

  /** One stream event as an item: undefined for a message not for this monitor, and for an overrun that starts a resync. */
  private itemOf(ev: NetlinkEvent<MonitorItem<K> | null>): MonitorItem<K> | undefined {
    if (ev.kind === 'message') return ev.message ?? undefined;
    if (ev.kind === 'error') return { kind: 'error', error: ev.error };
    if (this.options.resync === false) return { kind: 'overrun' };
    // what the old socket still holds is older than the loss: start over on a new one
    this.stream.close();
    this.conn.close();
    this.subscribe();
    // names may have changed unseen too: reload them when next needed
    for (const n of this.names.values()) n.seeded = false;
    for (const k of this.objects) this.requested.add(k);
    return undefined;
  }

  private async pump(): Promise<void> {
    try {
      for await (const item of this) {
        this.emit('item', item);
        if (item.kind !== 'error') this.emit(item.kind, item);
        else if (this.listenerCount('error') > 0) this.emit('error', item.error);
      }
    } catch (e) {
      if (this.listenerCount('error') > 0) this.emit('error', e);
    }
  }
}

/** What `rt.monitor` is: `rt.monitor(['route'], { allNsid: true })`. */
export type MonitorMethod = <K extends ObjectKind = ObjectKind>(objects?: readonly K[] | 'all', opts?: MonitorOptions) => RouteMonitor<K>;

export function makeMonitor(ctx: RouteContext): MonitorMethod {
  return (objects, opts) => new RouteMonitor(ctx, objects, opts);
}
