// What nlkit/route's Route objects cost on top of the generated rt-route decoder: 100,000
// IPv4 routes in a throwaway namespace, decoded from the same captured messages by the
// generated decoder alone and by the decoder plus toRoute (best of N rounds each), and the
// whole dump both ways. Needs root and a build (`npm run build`). Not the benchmark (bench/).
//   node scripts/route-convert-cost.mjs [ROUTES] [ROUNDS]
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { reusingDecoder } from '../dist/src/core/codec.js';
import { Connection } from '../dist/src/core/connection.js';
import { Family } from '../dist/src/ynl/family.js';
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
  const op = Family.from(description).op('getroute');
  const reuse = reusingDecoder(op.header, op.attrs);
  const scope = rt.ctx.scope();
  scope.ifname(0);
  const cases = {
    'decode (generated)': () => msgs.map((m) => call.decode(m)),
    // what routes.list() does per message: decode into one reused object, copy out a Route
    'decode + Route': () => msgs.map((m) => toRoute(reuse(m.buf, m.start, m.end), scope)),
    'dump + decode (generated)': () => conn.runSync(opCall(description, 'getroute', 'dump', request)),
    'dump + Route (routes.listSync)': () => rt.routes.listSync({ family: 4 }),
  };
  // wall time, and this process's CPU time (user + system: less moved by other processes on
  // a shared machine), best of the rounds each
  const best = {};
  const cpuMs = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
  for (let r = 0; r < rounds; r++) for (const [k, f] of Object.entries(cases)) {
    const t = process.hrtime.bigint(), c = cpuMs();
    const out = f();
    const wall = Number(process.hrtime.bigint() - t) / 1e6, cpu = cpuMs() - c;
    if (out.length !== n) throw new Error(`${k}: ${out.length} routes, not ${n}`);
    best[k] = { wall: Math.min(best[k]?.wall ?? Infinity, wall), cpu: Math.min(best[k]?.cpu ?? Infinity, cpu) };
  }
  for (let r = 0; r < 3; r++) {
    const t = process.hrtime.bigint();
    // ip's own CPU time is not ours to read: wall time only
    execFileSync('ip', ['-n', ns, '-j', 'route', 'show'], { stdio: ['ignore', 'ignore', 'inherit'], maxBuffer: 1 << 30 });
    const wall = Number(process.hrtime.bigint() - t) / 1e6;
    best['ip -j route show (wall)'] = { wall: Math.min(best['ip -j route show (wall)']?.wall ?? Infinity, wall), cpu: NaN };
  }
  console.log(`${'case'.padEnd(32)} ${'wall ms'.padStart(8)} ${'cpu ms'.padStart(8)}  ns/route (wall)`);
  for (const [k, v] of Object.entries(best))
    console.log(`${k.padEnd(32)} ${v.wall.toFixed(1).padStart(8)} ${Number.isNaN(v.cpu) ? '       -' : v.cpu.toFixed(1).padStart(8)}  ${(v.wall * 1e6 / n).toFixed(0).padStart(5)}`);
  console.log(`load ${execFileSync('cat', ['/proc/loadavg']).toString().trim()}`);
  conn.close();
  rt.close();
} finally {
  ip(['netns', 'del', ns]);
}
