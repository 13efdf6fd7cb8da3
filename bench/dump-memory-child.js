// One case of bench/dump-memory.js: node dump-memory-child.js <distDir> <netns> <baseline|hand|generic>
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { decodeRoute } from './route-decoder.js';

const [dist, netns, mode] = process.argv.slice(2);
const load = (p) => import(pathToFileURL(join(dist, p)).href);
const { Connection } = await load('src/core/connection.js');
const RTM_GETROUTE = 26;
const request = Buffer.alloc(12);
request[0] = 2; // AF_INET

let decode = decodeRoute;
if (mode === 'generic') {
  const { Family } = await load('src/ynl/family.js');
  const { description } = await load('src/ynl/families/rt-route.js');
  const family = Family.from(description);
  decode = family.replyDecoder(family.op('getroute'));
}
const conn = new Connection(0, { netns });
const t0 = Date.now();
let items = 0;
if (mode !== 'baseline') for await (const r of conn.dump(RTM_GETROUTE, request, { decode })) if (r) items++;
const ms = Date.now() - t0;
conn.close();
console.log(JSON.stringify({ mode, items, maxRssMB: Math.round(process.resourceUsage().maxRSS / 1024), ms }));
