// Child workload for bench/rss.js: iterates an IPv4 route dump without keeping the routes,
// then prints {"decoder","routes","maxRSS_kb","ms"} (maxRSS: process.resourceUsage(), the
// peak of the whole process, in KiB).
//
//   node bench/rss-workload.js <hand|generic|none> <netns>
//
// hand: Connection.dump with the hand-written decoder (bench/route-decoder.js);
// generic: the generated rt-route family's getroute dump (openFamily('rt-route'));
// none: node and nlkit loaded, no dump (the floor).
import { AF_INET, Connection, NETLINK_ROUTE, RTM_GETROUTE } from '../dist/src/core/index.js';
import { openFamily } from '../dist/src/ynl/index.js';
import { decodeRoute } from './route-decoder.js';

/** rtmsg all zero but the family: every table. */
const DUMP_REQUEST = Buffer.alloc(12);
DUMP_REQUEST[0] = AF_INET;

const DUMPS = {
  async hand(netns) {
    const conn = new Connection(NETLINK_ROUTE, { netns });
    try {
      let n = 0;
      for await (const r of conn.dump(RTM_GETROUTE, DUMP_REQUEST, { decode: decodeRoute })) if (r.dst !== undefined) n++;
      return n;
    } finally {
      conn.close();
    }
  },
  async generic(netns) {
    const rt = await openFamily('rt-route', { netns });
    try {
      let n = 0;
      for await (const r of rt.getrouteDump({ rtmFamily: AF_INET })) if (r.rtmFamily !== undefined) n++;
      return n;
    } finally {
      rt.close();
    }
  },
  async none() {
    return 0;
  },
};

async function main([decoder, netns]) {
  const dump = DUMPS[decoder];
  if (!dump || !netns) {
    console.error(`usage: rss-workload.js <${Object.keys(DUMPS).join('|')}> <netns>`);
    process.exit(2);
  }
  const t0 = process.hrtime.bigint();
  const routes = await dump(netns);
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  console.log(JSON.stringify({ decoder, routes, maxRSS_kb: process.resourceUsage().maxRSS, ms: Math.round(ms) }));
}

await main(process.argv.slice(2));
