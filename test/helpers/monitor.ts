// Consuming a monitor in tests: items collected in the background, waits with a deadline
// that says what did arrive when what was awaited did not.
import type { Call } from '../../src/core/call.js';
import type { Connection } from '../../src/core/connection.js';
import { RTM_GETLINK } from '../../src/core/rtnetlink.js';
import type { MonitorItem, RouteMonitor } from '../../src/route/monitor.js';
import type { ObjectKind } from '../../src/route/objects.js';
import type { ObjectTypes } from '../../src/route/objects.js';

export interface Collector<K extends ObjectKind> {
  items: MonitorItem<K>[];
  /** Resolves with pred's first truthy value, polling until `ms` have passed. */
  waitFor<T>(pred: () => T | undefined | false | null, ms?: number): Promise<T>;
  /** Closes the monitor and waits for the iteration to end. */
  close(): Promise<void>;
  failure(): unknown;
}

export function collect<K extends ObjectKind>(mon: RouteMonitor<K>): Collector<K> {
  const items: MonitorItem<K>[] = [];
  let failure: unknown;
  const done = (async () => {
    try {
      for await (const it of mon) items.push(it);
    } catch (e) {
      failure = e;
    }
  })();
  return {
    items,
    failure: () => failure,
    async waitFor(pred, ms = 10_000) {
      const deadline = Date.now() + ms;
      for (;;) {
        const v = pred();
        if (v) return v;
        if (failure !== undefined) throw failure;
        if (Date.now() > deadline) {
          const seen = items.map((i) => (i.kind === 'event' ? `${i.object}:${i.action}` : i.kind)).join(' ');
          throw new Error(`timed out after ${ms} ms; items so far: ${seen.slice(-2000)}`);
        }
        await new Promise((r) => setTimeout(r, 10));
      }
    },
    async close() {
      mon.close();
      await done;
    },
  };
}

/** A route as `ip -j route show table all` shows it: family, table, dst, metric, gateway, device. */
export function routeText(r: ObjectTypes['route'], devName: (index: number) => string | undefined): string {
  return `${r.family === 'inet6' ? 6 : 4} ${r.table} ${r.dst} ${r.metric ?? 0} ${r.gateway ?? '-'} ${r.ifindex ? devName(r.ifindex) : '-'}`;
}

export interface IpRoute { dst: string; table?: string; metric?: number; gateway?: string; dev?: string }

export function ipRouteText(r: IpRoute): string {
  return `${r.dst.includes(':') ? 6 : 4} ${r.table ?? 'main'} ${r.dst} ${r.metric ?? 0} ${r.gateway ?? '-'} ${r.dev ?? '-'}`;
}

/** Link names by index as `ip -j link show` gives them. */
export function ipLinkNames(ns: string, ipJson: <T>(ns: string, ...args: string[]) => T): (index: number) => string | undefined {
  const m = new Map(ipJson<{ ifindex: number; ifname: string }[]>(ns, 'link', 'show').map((l) => [l.ifindex, l.ifname]));
  return (i) => m.get(i);
}

/** A veth pair a/b, both up, with `address` on a when given. */
export function vethPair(ip: (ns: string, ...args: string[]) => string, ns: string, a: string, b: string, address?: string): void {
  ip(ns, 'link', 'add', a, 'type', 'veth', 'peer', 'name', b);
  ip(ns, 'link', 'set', a, 'up');
  ip(ns, 'link', 'set', b, 'up');
  if (address) ip(ns, 'addr', 'add', address, 'dev', a);
}

/** Counts the RTM_GETLINK requests (gets and dumps) a connection runs through runSync from now on. */
export function countGetlinks(conn: Connection): { count: number } {
  const counter = { count: 0 };
  const runSync = conn.runSync.bind(conn);
  conn.runSync = ((call: Call<unknown, unknown>) => {
    if (call.type === RTM_GETLINK) counter.count++;
    return runSync(call);
  }) as typeof conn.runSync;
  return counter;
}

/**
 * Waits until `have()` equals `want()`, reading `want` (the kernel, through `ip -j`) afresh
 * every `reread` ms: the kernel may still change on its own after a first read (IPv6
 * link-local addresses finishing DAD add their local routes a second or two after a link
 * comes up), and a cache that follows it must not be held to an older snapshot. Times out
 * with both sides' differences.
 */
export async function settleEqual(want: () => string[], have: () => string[], what: string, ms = 20_000, reread = 250): Promise<void> {
  const deadline = Date.now() + ms;
  let expected = want();
  let readAt = Date.now();
  for (;;) {
    const h = have();
    if (h.length === expected.length && h.every((x, i) => x === expected[i])) return;
    if (Date.now() > deadline) {
      expected = want();
      const hs = new Set(h);
      const es = new Set(expected);
      throw new Error(`${what}: cache ${h.length}, kernel ${expected.length}; `
        + `only in the cache: ${h.filter((x) => !es.has(x)).slice(0, 5).join(', ') || 'none'}; `
        + `only in the kernel: ${expected.filter((x) => !hs.has(x)).slice(0, 5).join(', ') || 'none'}`);
    }
    await new Promise((r) => setTimeout(r, 20));
    if (Date.now() - readAt >= reread) {
      expected = want();
      readAt = Date.now();
    }
  }
}
