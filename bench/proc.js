// Process events under fork storms: how many events per second nlkit's procEvents()
// delivers, and whether any were lost (counted against the storm's own process tree, and
// reported by the kernel as overruns). Two storms:
//   - a shell loop running /bin/true N times (fork + exec + exit each: 3N known events);
//   - `perf bench sched messaging -p` (process mode: groups of senders and receivers), when
//     perf is installed: its forks and exits, matched per process.
// Each with the default receive buffer and with an 8 MiB one (SO_RCVBUFFORCE). The rate a
// storm reaches is the storm's own (fork/exec cost on this machine); what nlkit can take is
// its CPU per event (user + system time of this process over the run, spawning included).
//
//   npm run bench:proc        (builds dist/ first; needs root)
import { spawn, execFileSync } from 'node:child_process';
import { loadavg, cpus } from 'node:os';
import { procEvents } from '../dist/src/connector/index.js';

const N = Number(process.env.NLKIT_PROC_N ?? 3000);

if (process.getuid?.() !== 0) {
  console.log('bench:proc needs root (CAP_NET_ADMIN) to subscribe to process events: skipped');
  process.exit(0);
}

function havePerf() {
  try {
    execFileSync('perf', ['bench', 'sched', 'messaging', '-p', '-g', '1', '-l', '1'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Runs a storm while counting the events of its process tree. */
async function run(name, argv, rcvbuf) {
  const stream = procEvents({ events: ['fork', 'exec', 'exit'], ...(rcvbuf ? { rcvbuf, forceBuffers: true } : {}) });
  const tree = new Set();
  const c = { fork: 0, exec: 0, exit: 0, all: 0, overruns: 0, exitedTree: 0 };
  let first = 0, last = 0;
  const consume = (async () => {
    for await (const ev of stream) {
      if (ev.type === 'overrun') { c.overruns++; continue; }
      if (ev.type === 'error') continue;
      c.all++;
      last = performance.now();
      if (!first) first = last;
      if (ev.type === 'fork' && tree.has(ev.parentTgid) && ev.pid === ev.tgid) { tree.add(ev.tgid); c.fork++; }
      else if (ev.type === 'exec' && tree.has(ev.tgid)) c.exec++;
      else if (ev.type === 'exit' && tree.has(ev.tgid) && ev.pid === ev.tgid) c.exit++;
    }
  })();
  const started = performance.now();
  const cpu0 = process.cpuUsage();
  const child = spawn(argv[0], argv.slice(1), { stdio: 'ignore' });
  tree.add(child.pid);
  await new Promise((resolve) => child.on('exit', resolve));
  const storm = performance.now() - started;
  // what is queued still arrives; then stop
  await new Promise((r) => setTimeout(r, 300));
  stream.close();
  await consume;
  const cpu = process.cpuUsage(cpu0);
  return { cpuUs: cpu.user + cpu.system, name, rcvbuf: rcvbuf ? `${rcvbuf >> 20} MiB` : 'default', stormMs: storm, spanMs: last - first, ...c };
}

const rows = [];
const loop = ['/bin/sh', '-c', `i=0; while [ $i -lt ${N} ]; do /bin/true; i=$((i+1)); done`];
const perf = ['perf', 'bench', 'sched', 'messaging', '-p', '-g', '20', '-l', '20'];
for (const rcvbuf of [0, 8 << 20]) {
  const r = await run(`shell loop, ${N} x /bin/true`, loop, rcvbuf);
  // the shell is in the tree: its own exec and exit, and N children forked, exec'd and exited
  r.expected = `fork ${N}, exec ${N + 1}, exit ${N + 1}`;
  r.lost = (N - r.fork) + (N + 1 - r.exec) + (N + 1 - r.exit);
  rows.push(r);
  if (havePerf()) {
    const p = await run('perf bench sched messaging -p -g 20 -l 20', perf, rcvbuf);
    // every forked process of perf's tree exits, as does perf
    p.expected = 'exits = forks + 1';
    p.lost = Math.abs(p.fork + 1 - p.exit);
    rows.push(p);
  }
}
console.log(`machine: ${cpus().length} CPUs, load average ${loadavg().map((x) => x.toFixed(2)).join(' ')} (shared)`);
for (const r of rows) {
  const tree = r.fork + r.exec + r.exit;
  console.log([
    `${r.name} [rcvbuf ${r.rcvbuf}]`,
    `  storm ${r.stormMs.toFixed(0)} ms; tree events fork ${r.fork} exec ${r.exec} exit ${r.exit} (expected ${r.expected}); lost ${r.lost}; overrun items ${r.overruns}`,
    `  all events seen ${r.all} in ${r.spanMs.toFixed(0)} ms: ${Math.round(r.all / (r.spanMs / 1000))} events/s; tree: ${Math.round(tree / (r.stormMs / 1000))} events/s`,
    `  this process's CPU: ${(r.cpuUs / r.all).toFixed(1)} us per event (spawning the storm included): ~${Math.round(1e6 / (r.cpuUs / r.all))} events/s per core`,
  ].join('\n'));
}
