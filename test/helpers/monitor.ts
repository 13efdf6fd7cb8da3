// Consuming a monitor in tests: items collected in the background, waits with a deadline
// that says what did arrive when what was awaited did not.
import type { MonitorItem, RouteMonitor } from '../../src/route/monitor.js';
import type { ObjectKind } from '../../src/route/objects.js';
import { formatPrefix } from '../../src/route/inet.js';
import { routeTables } from '../../src/route/names.js';
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

/** A route's identity as `ip -j route show table all` prints it: family, table, dst, metric. */
export function routeText(r: ObjectTypes['route']): string {
  const table = r.table ?? r.rtmTable;
  const dst = formatPrefix(r.dst === undefined ? undefined : String(r.dst), r.rtmDstLen, r.rtmFamily);
  return `${r.rtmFamily === 10 ? 6 : 4} ${routeTables().name(table)} ${dst} ${r.priority ?? 0}`;
}

export function ipRouteText(r: { dst: string; table?: string; metric?: number }): string {
  return `${r.dst.includes(':') ? 6 : 4} ${r.table ?? 'main'} ${r.dst} ${r.metric ?? 0}`;
}
