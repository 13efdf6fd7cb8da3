// Where a routes.list() of many routes goes, against the C baseline in the same run: N
// IPv4 routes as bench/domain.js adds them (via a gateway, with a preferred source and a
// metric) in a throwaway namespace; C dump+parse (bench/c/route_decode.c) and
// routes.list() alternated ROUNDS times (min and median of each, and their ratio); the
// collector's pauses over 3 lists; the bytes allocated per route by list(), by function
// (V8's sampling heap profiler, the objects the young generation collects included).
// Needs root and a build (`npm run build`). Not the benchmark (bench/domain.js).
//   node scripts/route-list-cost.mjs [ROUTES] [ROUNDS]
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Session } from 'node:inspector/promises';
import { loadavg } from 'node:os';
import { PerformanceObserver } from 'node:perf_hooks';
import { buildBaseline } from '../bench/c-baseline.js';
import { openRoute } from '../dist/src/route/index.js';

const n = Number(process.argv[2] ?? 100_000);
const rounds = Number(process.argv[3] ?? 6);
const ns = `nlkt-${randomBytes(4).toString('hex')}`;
const ip = (args, input) => execFileSync('ip', args, { input, stdio: ['pipe', 'pipe', 'inherit'], maxBuffer: 1 << 30 });
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

ip(['netns', 'add', ns]);
try {
  ip(['-n', ns, 'link', 'set', 'lo', 'up']);
  ip(['-n', ns, 'link', 'add', 'veth0', 'type', 'veth', 'peer', 'name', 'veth1']);
  ip(['-n', ns, 'link', 'set', 'veth0', 'up']);
  ip(['-n', ns, 'link', 'set', 'veth1', 'up']);
  ip(['-n', ns, 'addr', 'add', '192.0.2.1/24', 'dev', 'veth0']);
  const lines = [];
  for (let i = 0; i < n; i++) lines.push(`route add 10.${i >> 16}.${(i >> 8) & 255}.${i & 255}/32 via 192.0.2.2 dev veth0 src 192.0.2.1 metric ${100 + (i & 7)}`);
  ip(['-n', ns, '-batch', '-'], lines.join('\n') + '\n');

  const bin = await buildBaseline('route_decode');
  const rt = openRoute({ netns: ns });
  let routes = await rt.routes.list(); // untimed: JIT warm-up, socket
  const js = [], c = [];
  for (let r = 0; r < rounds; r++) {
    c.push(JSON.parse(ip(['netns', 'exec', ns, bin, 'dump', '3']).toString()).ns_per_route);
    const t = process.hrtime.bigint();
    for (let i = 0; i < 3; i++) routes = await rt.routes.list();
    js.push(Number(process.hrtime.bigint() - t) / 3 / routes.length);
  }
  console.log(`${routes.length} routes, ns/route (wall), ${rounds} rounds alternated`);
  console.log(`  C dump+parse    min ${Math.min(...c).toFixed(0)}  median ${median(c).toFixed(0)}`);
  console.log(`  routes.list()   min ${Math.min(...js).toFixed(0)}  median ${median(js).toFixed(0)}`);
  console.log(`  ratio           min ${(Math.min(...js) / Math.min(...c)).toFixed(2)}  median ${(median(js) / median(c)).toFixed(2)}`);

  // the collector's share: pause time by kind over 3 lists
  const pauses = { minor: 0, major: 0 };
  const obs = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) pauses[e.detail.kind === 1 ? 'minor' : 'major'] += e.duration; // 1: NODE_PERFORMANCE_GC_MINOR
  });
  obs.observe({ entryTypes: ['gc'] });
  await new Promise((r) => setTimeout(r, 50));
  const t = process.hrtime.bigint();
  for (let i = 0; i < 3; i++) routes = await rt.routes.list();
  const ms = Number(process.hrtime.bigint() - t) / 1e6;
  await new Promise((r) => setTimeout(r, 200)); // gc entries are delivered after the fact
  obs.disconnect();
  console.log(`3 lists: ${ms.toFixed(0)} ms, of which scavenges ${pauses.minor.toFixed(0)} ms, mark-compacts ${pauses.major.toFixed(0)} ms`);
  // allocation by function, garbage included
  const session = new Session();
  session.connect();
  await session.post('HeapProfiler.startSampling', { samplingInterval: 4096, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
  for (let i = 0; i < 3; i++) routes = await rt.routes.list();
  const { profile } = await session.post('HeapProfiler.stopSampling');
  const bytes = new Map();
  const walk = (node) => {
    const f = node.callFrame;
    const k = `${f.functionName || '(anonymous)'} ${f.url.split('/').pop()}:${f.lineNumber + 1}`;
    bytes.set(k, (bytes.get(k) ?? 0) + node.selfSize);
    node.children.forEach(walk);
  };
  walk(profile.head);
  const per = (b) => (b / 3 / routes.length).toFixed(1).padStart(7);
  console.log('bytes allocated per route, by function:');
  for (const [k, b] of [...bytes].sort((x, y) => y[1] - x[1]).slice(0, 8)) console.log(`  ${per(b)}  ${k}`);
  console.log(`  ${per([...bytes.values()].reduce((a, b) => a + b, 0))}  total`);

  session.disconnect();
  console.log(`load ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  rt.close();
} finally {
  ip(['netns', 'del', ns]);
}
