// Prints each route added or deleted, as `ip monitor route` would: prefix, gateway, device.
//
//   node dist/examples/route-monitor.js [netns]
//
// (In your own code, import from 'nlkit/route'.)
import { formatPrefix, LinkCache, openRoute, routeTables } from '../src/route/index.js';

const netns = process.argv[2];
const rt = openRoute(netns ? { netns } : {});
// device names from a cache the link events keep current: no lookup per route
const links = new LinkCache(rt);
await links.ready();
const monitor = rt.monitor(['route']);
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => monitor.close());
console.log('listening');

for await (const item of monitor) {
  if (item.kind === 'resync') console.log(`(events were lost: ${item.values.length} routes now)`);
  if (item.kind !== 'event') continue;
  const r = item.value;
  const table = r.table ?? r.rtmTable;
  if (table === 255) continue; // the kernel's local table: addresses, not routes one adds
  const words = [item.action === 'new' ? 'added' : 'deleted', formatPrefix(r.dst === undefined ? undefined : String(r.dst), r.rtmDstLen, r.rtmFamily)];
  if (r.gateway) words.push('via', String(r.gateway));
  if (r.oif) words.push('dev', links.nameOf(r.oif) ?? String(r.oif));
  if (table !== 254) words.push('table', routeTables().name(table));
  console.log(words.join(' '));
}
links.close();
rt.close();
