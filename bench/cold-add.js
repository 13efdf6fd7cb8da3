// One cold routes.add([...n routes]) in a fresh process, for measuring what a bulk call costs
// before the JIT has compiled it: prints {"wall", "user", "sys"} (ms, CPU of all threads) of
// the call, and from /proc's schedstat the Node thread's own CPU ("main"), the time it was
// ready but waited for a CPU ("main_waiting": on a loaded machine often more than it ran)
// and the CPU of the process's other threads ("others": V8's compiler and collector, the
// threadpool's sends); the handle's socket is opened before the clock starts.
//
//   node bench/cold-add.js <netns> <n> [serial]          (the namespace needs lo up)
//
// serial: the transaction's sends go from the Node thread one after the other
// ({ overlap: false }), not from the threadpool while the next are encoded.
//
// Repeatable instruction counts (wall times on a shared machine move by tens of percent):
//   valgrind --tool=callgrind --smc-check=all-non-file --callgrind-out-file=/dev/null \
//     node --single-threaded bench/cold-add.js <netns> 10000
// --single-threaded puts V8's compiler and collector on the main thread, so two runs agree to
// about 0.6%; subtract a 1-route run for the call's own share. DIST=/path/to/dist measures
// another build.
import { readdirSync, readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { routeDst } from './route-payload.js';

const { openRoute } = await import(process.env.DIST ? pathToFileURL(`${process.env.DIST}/bundle/route/index.js`).href : '../dist/bundle/route/index.js');

const [netns, count, mode] = process.argv.slice(2);
const n = Number(count);
if (!netns || !Number.isInteger(n) || n <= 0) {
  console.error('usage: cold-add.js <netns> <n>');
  process.exit(2);
}
/** ms each thread of this process ran and waited runnable, by thread id (Linux schedstat). */
function threadTimes() {
  const out = new Map();
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      const [run, wait] = readFileSync(`/proc/self/task/${tid}/schedstat`, 'utf8').split(' ').map(Number);
      out.set(tid, [run / 1e6, wait / 1e6]);
    } catch {
      // the thread ended meanwhile, or no schedstat here
    }
  }
  return out;
}

const rt = openRoute({ netns });
try {
  void rt.ctx.conn;
  if (mode === 'serial') {
    const conn = rt.ctx.conn, transaction = conn.transaction.bind(conn);
    conn.transaction = (items, opts) => transaction(items, { ...opts, overlap: false });
  }
  const s0 = threadTimes();
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const specs = Array.from({ length: n }, (_, i) => ({ dst: `${routeDst(i)}/32`, dev: 'lo', protocol: 'static', scope: 'link', table: 'main' }));
  const r = await rt.routes.add(specs);
  const wall = Number(process.hrtime.bigint() - t0) / 1e6;
  const cpu = process.cpuUsage(c0);
  const s1 = threadTimes();
  if (!r.ok) throw r.failures[0].error;
  let main = 0, waiting = 0, others = 0;
  for (const [tid, [run, wait]] of s1) {
    const [run0, wait0] = s0.get(tid) ?? [0, 0];
    if (tid === String(process.pid)) {
      main = run - run0;
      waiting = wait - wait0;
    } else others += run - run0;
  }
  const ms = (x) => +x.toFixed(1);
  console.log(JSON.stringify({ routes: n, wall: ms(wall), user: ms(cpu.user / 1000), sys: ms(cpu.system / 1000), main: ms(main), main_waiting: ms(waiting), others: ms(others) }));
} finally {
  rt.close();
}
