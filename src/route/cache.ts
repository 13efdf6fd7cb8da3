// State kept current by the monitor: LinkCache (links by index, names both ways) and
// RouteCache (routes by the kernel's identity of a route).
//
// Policy. A cache subscribes first, then dumps (the monitor's `initial` resync), then
// applies every event in order; a `resync` item REPLACES its whole state for that kind
// (see monitor.ts for why replaying the events after it is right). An undecodable
// datagram means one event went missing: the cache asks for a resync. The kernel removes
// some IPv4 routes without a notification (those through a link going down or deleted,
// through an IPv4 address removed, or through a nexthop object deleted: only the nexthop's
// own deletion is announced), so a RouteCache also watches links, addresses and nexthops
// and re-dumps its routes after such a change. The kernel announces the change BEFORE it
// removes the routes, in the same request under RTNL, and route dumps take no lock: the
// re-dump (monitor.resync) first waits for RTNL, so it shows none of them.
import { EventEmitter } from 'node:events';
import { AF_INET } from '../core/rtnetlink.js';
import type { LinkNames, RouteContext } from './context.js';
import { parseFamily } from './inet.js';
import { NameMap } from './link-names.js';
import { RouteMonitor, type MonitorEvent, type MonitorResync } from './monitor.js';
import { linkFacts, OBJECTS, routePath, type ObjectKind, type ObjectTypes } from './objects.js';

export interface CacheOptions {
  /** SO_RCVBUF of the cache's event socket (see MonitorOptions.rcvbuf). */
  rcvbuf?: number;
  /** Whether the cache keeps the process alive. Default false: it only follows what else runs. */
  ref?: boolean;
}

type Link = ObjectTypes['link'];
type Route = ObjectTypes['route'];

/** A handle (`openRoute(...)`) or its context. */
type Source = { ctx: RouteContext } | RouteContext;

/**
 * The loop every cache runs over its monitor: items applied in order, `ready()` once the
 * initial dump of every kind is in, 'update' after each item, 'error' if the monitor fails.
 */
abstract class MonitoredCache<K extends ObjectKind> extends EventEmitter {
  protected readonly monitor: RouteMonitor<K>;
  private readonly loaded: Promise<void>;
  /** Resync items applied, the initial dumps included. */
  resyncs = 0;
  /** Undecodable datagrams met (each followed by a resync). */
  errors = 0;
  /** Why the cache stopped following the kernel, if it did. */
  failure: unknown;

  constructor(src: Source, kinds: K[], opts: CacheOptions & { family?: string | number } = {}) {
    super();
    const ctx = 'ctx' in src ? src.ctx : src;
    this.monitor = new RouteMonitor<K>(ctx, kinds, { ...opts, ref: opts.ref ?? false, initial: true });
    this.loaded = this.follow(kinds.length);
    this.loaded.catch(() => {}); // reported through ready() and 'error'
  }

  /** Resolves once the initial dump is applied; rejects if it failed. */
  ready(): Promise<void> {
    return this.loaded;
  }

  close(): void {
    this.monitor.close();
  }

  protected abstract apply(item: MonitorEvent<K> | MonitorResync<K>): void;

  private async follow(initial: number): Promise<void> {
    let loaded!: () => void;
    const done = new Promise<void>((resolve) => (loaded = resolve));
    void (async () => {
      try {
        for await (const item of this.monitor) {
          if (item.kind === 'error') {
            this.errors++;
            this.monitor.resync();
            continue;
          }
          if (item.kind === 'overrun') continue; // not delivered with resync on
          this.apply(item);
          if (item.kind === 'resync') {
            this.resyncs++;
            if (item.initial && --initial === 0) loaded();
          }
          this.emit('update', item);
        }
      } catch (e) {
        this.failure = e;
        if (this.listenerCount('error') > 0) this.emit('error', e);
      }
      loaded();
    })();
    await done;
    if (initial > 0 && this.failure !== undefined) throw this.failure;
  }
}

/**
 * Links by index, and their names both ways, kept current by link events: a LinkNames
 * for `rt.useLinkNames(cache)`, so name lookups ask the kernel nothing.
 */
export class LinkCache extends MonitoredCache<'link'> implements LinkNames {
  private readonly names = new NameMap();
  private readonly links = new Map<number, Link>();

  constructor(src: Source, opts: CacheOptions = {}) {
    super(src, ['link'], opts);
  }

  ifindexOf(name: string): number | undefined {
    return this.names.ifindexOf(name);
  }

  nameOf(index: number): string | undefined {
    return this.names.nameOf(index);
  }

  /** The latest link object by index or name. */
  get(link: number | string): Link | undefined {
    const index = typeof link === 'number' ? link : this.names.ifindexOf(link);
    return index === undefined ? undefined : this.links.get(index);
  }

  values(): Link[] {
    return [...this.links.values()];
  }

  get size(): number {
    return this.links.size;
  }

  protected apply(item: MonitorEvent<'link'> | MonitorResync<'link'>): void {
    if (item.kind === 'resync') {
      this.links.clear();
      for (const l of item.values) this.links.set(linkFacts(l).index, l);
      this.names.replace([...this.links].map(([i, l]) => [i, linkFacts(l).name]));
      return;
    }
    const f = linkFacts(item.value);
    if (item.action === 'del') {
      this.links.delete(f.index);
      this.names.delete(f.index);
    } else {
      this.links.set(f.index, item.value);
      this.names.set(f.index, f.name);
    }
  }
}

/**
 * Routes of every table, by the kernel's key of a route (family, table, dst/len, src, tos,
 * metric) and, within a key, by path (IPv4 keeps appended routes of one key side by side,
 * IPv6 routes through different devices). Where a notification leaves the other routes of
 * its key unsaid (a replace among several, one nexthop deleted from an IPv6 multipath
 * route), the cache re-dumps instead of guessing.
 */
type Watched = 'route' | 'link' | 'address' | 'nexthop';

export class RouteCache extends MonitoredCache<Watched> {
  private readonly routes = new Map<string, Map<string, Route>>();
  /**
   * Which links are up and have a carrier: a link going down takes IPv4 routes with it, and
   * a carrier lost or regained sets or clears the `linkdown` flag of the routes through it
   * (both families), all unannounced.
   */
  private readonly links = new Map<number, { up: boolean; carrier: boolean }>();
  private readonly family: number | undefined;
  private count = 0;

  constructor(src: Source, opts: CacheOptions & { family?: string | number } = {}) {
    super(src, ['route', 'link', 'address', 'nexthop'], opts);
    this.family = parseFamily(opts.family);
  }

  static key(r: Route): string {
    return OBJECTS.route.key!(r);
  }

  /** The routes of a key (several when appended or through different devices). */
  get(key: string): Route[] {
    return [...(this.routes.get(key)?.values() ?? [])];
  }

  values(): Route[] {
    const out: Route[] = [];
    for (const paths of this.routes.values()) out.push(...paths.values());
    return out;
  }

  get size(): number {
    return this.count;
  }

  private set(r: Route): void {
    const key = RouteCache.key(r);
    let paths = this.routes.get(key);
    if (!paths) this.routes.set(key, (paths = new Map()));
    const { path } = routePath(r);
    if (!paths.has(path)) this.count++;
    paths.set(path, r);
  }

  /** Drops a route; false if the cache held none of that key and path. */
  private drop(key: string, path?: string): boolean {
    const paths = this.routes.get(key);
    if (!paths) return false;
    if (path === undefined) {
      this.count -= paths.size;
      this.routes.delete(key);
      return true;
    }
    if (!paths.delete(path)) return false;
    this.count--;
    if (paths.size === 0) this.routes.delete(key);
    return true;
  }

  private applyRoute(item: MonitorEvent<'route'> | MonitorResync<'route'>): void {
    if (item.kind === 'resync') {
      this.routes.clear();
      this.count = 0;
      for (const r of item.values) this.set(r);
      return;
    }
    const r = item.value;
    const key = RouteCache.key(r);
    const { path, multipath, ipv6 } = routePath(r);
    const held = this.routes.get(key)?.size ?? 0;
    if (item.action === 'del') {
      // one nexthop gone from an IPv6 multipath route: what is left of it goes unsaid
      if (!this.drop(key, path) && held > 0) this.monitor.resync(['route']);
      return;
    }
    if (item.replace && held > 1) return this.monitor.resync(['route']); // which one it replaced is unsaid
    // a replace, or IPv6 siblings merged into one multipath route, take the key's place
    if (item.replace || (ipv6 && multipath)) this.drop(key);
    this.set(r);
  }

  protected apply(item: MonitorEvent<Watched> | MonitorResync<Watched>): void {
    if (item.object === 'route') return this.applyRoute(item as MonitorEvent<'route'> | MonitorResync<'route'>);
    const ipv4 = this.family === undefined || this.family === AF_INET;
    if (item.object === 'link') {
      if (item.kind === 'resync') {
        this.links.clear();
        for (const l of item.values) {
          const { index, up, carrier } = linkFacts(l);
          this.links.set(index, { up, carrier });
        }
        return;
      }
      const { index, up, carrier } = linkFacts(item.value);
      const was = this.links.get(index);
      if (item.action === 'del') this.links.delete(index);
      else this.links.set(index, { up, carrier });
      if (!was?.up) return;
      const gone = item.action === 'del' || !up;
      if ((ipv4 && gone) || (!gone && carrier !== was.carrier)) this.monitor.resync(['route']);
      return;
    }
    // (any nexthop: a group has no family, and IPv4 routes may go through an IPv6 gateway)
    if (item.kind === 'event' && item.action === 'del' && ipv4 && (item.object === 'nexthop' || item.value.family === 'inet')) this.monitor.resync(['route']);
  }
}
