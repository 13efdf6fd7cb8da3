// One cold routes.add([...n routes]) in a fresh process, for measuring what a bulk call costs
// before the JIT has compiled it: prints {"wall", "user", "sys"} (ms, CPU of all threads) of
// the call; the handle's socket is opened before the clock starts.
//
//   node bench/cold-add.js <netns> <n>                   (the namespace needs lo up)
//
// Repeatable instruction counts (wall times on a shared machine move by tens of percent):
//   valgrind --tool=callgrind --smc-check=all-non-file --callgrind-out-file=/dev/null \
//     node --single-threaded bench/cold-add.js <netns> 10000
// --single-threaded puts V8's compiler and collector on the main thread, so two runs agree to
// about 0.6%; subtract a 1-route run for the call's own share. DIST=/path/to/dist measures
// another build.
import { pathToFileURL } from 'node:url';
import { routeDst } from './route-payload.js';

const { openRoute } = await import(process.env.DIST ? pathToFileURL(`${process.env.DIST}/bundle/route/index.js`).href : '../dist/bundle/route/index.js');

const [netns, count] = process.argv.slice(2);
const n = Number(count);
if (!netns || !Number.isInteger(n) || n <= 0) {
  console.error('usage: cold-add.js <netns> <n>');
  process.exit(2);
}
const rt = openRoute({ netns });
try {
  void rt.ctx.conn;
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const specs = Array.from({ length: n }, (_, i) => ({ dst: `${routeDst(i)}/32`, dev: 'lo', protocol: 'static', scope: 'link', table: 'main' }));
  const r = await rt.routes.add(specs);
  const wall = Number(process.hrtime.bigint() - t0) / 1e6;
  const cpu = process.cpuUsage(c0);
  if (!r.ok) throw r.failures[0].error;
  console.log(JSON.stringify({ routes: n, wall: +wall.toFixed(1), user: +(cpu.user / 1000).toFixed(1), sys: +(cpu.system / 1000).toFixed(1) }));
} finally {
  rt.close();
}
