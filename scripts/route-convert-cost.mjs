// What nlkit/route's Route objects cost on top of the generated rt-route decoder: 100,000
// IPv4 routes in a throwaway namespace, decoded from the same captured messages by the
// generated decoder alone and by the decoder plus toRoute (best of N rounds each), and the
// whole dump both ways. Needs root and a build (`npm run build`). Not the benchmark (bench/).
//   node scripts/route-convert-cost.mjs [ROUTES] [ROUNDS]
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Connection } from '../dist/src/core/connection.js';
import { openRoute } from '../dist/src/route/index.js';
import { toRoute } from '../dist/src/route/route-object.js';
import { description } from '../dist/src/ynl/families/rt-route.js';
import { opCall } from '../dist/src/ynl/op-call.js';

const n = Number(process.argv[2] ?? 100_000);
const rounds = Number(process.argv[3] ?? 8);
const ns = `nlkt-${randomBytes(4).toString('hex')}`;
const ip = (args, input) => execFileSync('ip', args, { input, stdio: ['pipe', 'pipe', 'inherit'] });

ip(['netns', 'add', ns]);
try {
  ip(['-n', ns, 'link', 'set', 'lo', 'up']);
  const lines = [];
  for (let i = 0; i < n; i++) lines.push(`route add 10.${100 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}/32 dev lo`);
  ip(['-n', ns, '-batch', '-'], lines.join('\n') + '\n');

  const conn = new Connection(0, { netns: ns });
  const rt = openRoute({ netns: ns });
  const request = { rtmFamily: 2, rtmTable: 254 };
  const call = opCall(description, 'getroute', 'dump', request);
  // the dump's messages, copied out once, so both decoders read the same bytes
  const msgs = conn.runSync({ ...call, decode: (m) => ({ buf: Buffer.from(m.buf.subarray(m.start, m.end)), start: 0, end: m.end - m.start }) });
  const scope = rt.ctx.scope();
  scope.ifname(0);
  const cases = {
    'decode (generated)': () => msgs.map((m) => call.decode(m)),
    'decode + Route': () => msgs.map((m) => toRoute(call.decode(m), scope)),
    'dump + decode (generated)': () => conn.runSync(opCall(description, 'getroute', 'dump', request)),
    'dump + Route (routes.listSync)': () => rt.routes.listSync({ family: 4 }),
  };
  const best = {};
  for (let r = 0; r < rounds; r++) for (const [k, f] of Object.entries(cases)) {
    const t = process.hrtime.bigint();
    const out = f();
    const ms = Number(process.hrtime.bigint() - t) / 1e6;
    if (out.length !== n) throw new Error(`${k}: ${out.length} routes, not ${n}`);
    best[k] = Math.min(best[k] ?? Infinity, ms);
  }
  const t = process.hrtime.bigint();
  execFileSync('ip', ['-n', ns, '-j', 'route', 'show'], { stdio: ['ignore', 'ignore', 'inherit'], maxBuffer: 1 << 30 });
  best['ip -j route show'] = Number(process.hrtime.bigint() - t) / 1e6;
  for (const [k, v] of Object.entries(best)) console.log(`${k.padEnd(32)} ${v.toFixed(1).padStart(8)} ms  ${(v * 1e6 / n).toFixed(0).padStart(5)} ns/route`);
  console.log(`load ${execFileSync('cat', ['/proc/loadavg']).toString().trim()}`);
  conn.close();
  rt.close();
} finally {
  ip(['netns', 'del', ns]);
}
