// Prints each route added or deleted, as `ip monitor route` would: prefix, gateway, device.
//
//   node dist/examples/route-monitor.js [netns]
//
// (In your own code, import from 'nlkit/route'.)
import { openRoute } from '../src/route/index.js';

const netns = process.argv[2];
const rt = openRoute(netns ? { netns } : {});
// each event is a Route; its device names come from link names the monitor keeps current
// (no lookup per route)
const monitor = rt.monitor(['route']);
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => monitor.close());
console.log('listening');

for await (const item of monitor) {
  if (item.kind === 'resync') console.log(`(events were lost: ${item.values.length} routes now)`);
  if (item.kind !== 'event') continue;
  const r = item.value;
  if (r.table === 'local') continue; // the kernel's local table: addresses, not routes one adds
  const words = [item.action === 'new' ? 'added' : 'deleted', r.dst];
  if (r.gateway) words.push('via', r.gateway);
  if (r.dev ?? r.ifindex) words.push('dev', r.dev ?? String(r.ifindex));
  if (r.table !== 'main') words.push('table', r.table);
  console.log(words.join(' '));
}
rt.close();
