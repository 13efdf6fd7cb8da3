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
