// Child workload for bench/domain.js: nlkit/route's domain API on one namespace, printing one
// JSON line. Times cover the API call (building requests, sending, receiving, decoding into
// domain objects), not node's start-up or opening the socket, as the C programs time theirs.
//
//   node bench/domain-workload.js list <netns> <inner> [no-readahead]   routes.list() of the main table, <inner> times after one untimed
//   node bench/domain-workload.js once <netns>             one routes.list(), for the harness to time the whole process
//   node bench/domain-workload.js stream <netns>           routes.stream(): count, peak RSS
//   node bench/domain-workload.js add <netns> <n>          routes.add([...n routes]) in one call (bulk)
//   node bench/domain-workload.js veth <netns> <n>         links.add([...n veth pairs]) + addresses.add([...]) then links.delete([...])
import { ipBatchLine, routeDst } from './route-payload.js';

// the bundle, as `import 'nlkit/route'` loads it (package.json exports)
const { openRoute } = await import('../dist/bundle/route/index.js');

const ns = (t0) => Number(process.hrtime.bigint() - t0);

const MODES = {
  async list(netns, inner, readAhead = true) {
    const rt = openRoute({ netns, readAhead });
    try {
      let routes = (await rt.routes.list({ table: 'main' })).length; // untimed: JIT warm-up, socket
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < inner; i++) routes = (await rt.routes.list({ table: 'main' })).length;
      return { routes, ns_per_route: ns(t0) / inner / routes };
    } finally {
      rt.close();
    }
  },
  /** One routes.list() in a fresh process, as `ip -j route show` does one dump: the whole process is timed by the harness. */
  async once(netns) {
    const rt = openRoute({ netns });
    try {
      return { routes: (await rt.routes.list({ table: 'main' })).length };
    } finally {
      rt.close();
    }
  },
  async stream(netns) {
    const rt = openRoute({ netns });
    try {
      const t0 = process.hrtime.bigint();
      let routes = 0;
      for await (const r of rt.routes.stream({ table: 'all' })) if (r.dst) routes++;
      return { routes, ms: ns(t0) / 1e6, maxRSS_kb: process.resourceUsage().maxRSS };
    } finally {
      rt.close();
    }
  },
  async add(netns, n) {
    // the same routes as `ip -batch` gets (bench/route-payload.js ipBatchLine)
    if (!ipBatchLine(0).includes('dev lo proto static scope link table main')) throw new Error('route-payload.js changed: update this workload');
    const rt = openRoute({ netns });
    try {
      // the socket opens (and the addon loads) before the clock starts, as rtnl_bench.c
      // opens its socket first: the handle's is opened on first use otherwise
      void rt.ctx.conn;
      const t0 = process.hrtime.bigint();
      const specs = Array.from({ length: n }, (_, i) => ({ dst: `${routeDst(i)}/32`, dev: 'lo', protocol: 'static', scope: 'link', table: 'main' }));
      const r = await rt.routes.add(specs);
      const t = ns(t0);
      if (!r.ok) throw r.failures[0].error;
      return { routes: n, ns: t };
    } finally {
      rt.close();
    }
  },
  async veth(netns, n) {
    const rt = openRoute({ netns });
    try {
      const t0 = process.hrtime.bigint();
      const links = Array.from({ length: n }, (_, i) => ({ name: `va${i}`, kind: 'veth', peer: { name: `vb${i}` } }));
      const made = await rt.links.add(links);
      if (!made.ok) throw made.failures[0].error;
      const addrs = Array.from({ length: n }, (_, i) => ({ address: `10.${(i >> 8) & 255}.${i & 255}.1/24`, dev: `va${i}` }));
      const addressed = await rt.addresses.add(addrs);
      if (!addressed.ok) throw addressed.failures[0].error;
      const create = ns(t0);
      const t1 = process.hrtime.bigint();
      const gone = await rt.links.delete(links.map((l) => l.name));
      if (!gone.ok) throw gone.failures[0].error;
      return { pairs: n, create_ns: create, delete_ns: ns(t1) };
    } finally {
      rt.close();
    }
  },
};

const [mode, netns, arg, flag] = process.argv.slice(2);
if (!MODES[mode] || !netns) {
  console.error(`usage: domain-workload.js <${Object.keys(MODES).join('|')}> <netns> [n]`);
  process.exit(2);
}
// a fourth word `no-readahead`: the list without the connection's read-ahead (the same run's before)
console.log(JSON.stringify({ mode, ...(await MODES[mode](netns, Number(arg ?? 1), flag !== 'no-readahead')) }));
