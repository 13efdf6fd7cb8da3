// Event latency: how long after a route is added does a listener in the same namespace
// see the kernel's RTM_NEWROUTE notification? A C listener (bench/c/rtnl_bench.c listen)
// against nlkit's event stream (bench/event-listener.js, as a 'message' listener and as a
// for-await loop). The sender is the C program (paced: one route every GAP_US), writing
// CLOCK_MONOTONIC before each send(); listeners write the same clock when they see each
// event, so latency = receive - send across processes. Two placements, each listener pinned
// to CPU 0 as the C listener is: the sender on the other CPU (the listener wakes on its own
// CPU at once), and the sender on the same CPU 0 (the listener runs when the scheduler
// preempts the sender or the sender sleeps; a blocking C recv() is preempted into at once,
// Node's event loop is not, so this placement measures the scheduler as much as the code).
//
//   npm run bench:events      (builds dist/ first; needs root)
//
// Each run has a fresh `nlkt-<random>` namespace. Runs are interleaved ROUNDS times; the
// medians of the runs' p50 and p99 are reported. Two windows of each run: events
// WARMUP..WARMUP+EVENTS (the target; nlkit's event path is still interpreted or baseline
// code there: V8 optimizes it after some 1500-4000 events) and the last EVENTS of the run
// (after WARMUP+LATE, optimized: what a long-running listener sees). The raw row is no
// nlkit API (bench/event-listener.js raw): Node's own floor for a listener. System calls per event come from
// `strace -f -c` on two runs of different length (the issue wants one per wake-up).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildBaseline } from './c-baseline.js';
import { rootOrSkip, runJson, withNetns } from './netns.js';
import { fmt, load, median, summaryRow, table, writeResults } from './report.js';
import { parseSummary } from './syscalls.js';

const here = dirname(fileURLToPath(import.meta.url));
const EVENTS = 1000;
/** Sent first and left out of the figures: the listener's code paths get compiled on them. */
const WARMUP = 200;
/** Further events before the steady window: enough for V8 to optimize the listener's path. */
const LATE = 3000;
const GAP_US = 300;
const ROUNDS = 5;
const TARGET_P50 = 1.5;
const CPU = '0';
/** Where the sender runs relative to the listeners (all listeners on CPU). */
const PLACEMENTS = [
  { name: 'sender on CPU 1', sender: '1' },
  { name: 'sender on the same CPU', sender: CPU },
];

const LISTENERS = [
  { name: 'C, blocking recv()', argv: (bin, ns, n) => ['ip', 'netns', 'exec', ns, 'taskset', '-c', CPU, bin, 'listen', String(n)] },
  { name: 'nlkit, events() + on(\'message\')', argv: (_, ns, n) => ['taskset', '-c', CPU, process.execPath, join(here, 'event-listener.js'), 'emitter', String(n), ns] },
  { name: 'nlkit, for await (events())', argv: (_, ns, n) => ['taskset', '-c', CPU, process.execPath, join(here, 'event-listener.js'), 'iterator', String(n), ns] },
  // the blocking read for scripts: waits in the kernel as the C listener does, no event loop
  { name: 'nlkit, for (events().sync())', argv: (_, ns, n) => ['taskset', '-c', CPU, process.execPath, join(here, 'event-listener.js'), 'sync', String(n), ns] },
  // a reference, no target: the addon's poller with one JS call per wake-up, no nlkit dispatch or stream
  { name: 'Node floor: raw poller, same decode', reference: true, argv: (_, ns, n) => ['taskset', '-c', CPU, process.execPath, join(here, 'event-listener.js'), 'raw', String(n), ns] },
];

function hasStrace() {
  try {
    execFileSync('strace', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const receiveCalls = (s) => Object.entries(s.bySyscall).filter(([k]) => /^recv/.test(k)).reduce((sum, [, v]) => sum + v, 0);

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))];

/**
 * One run of n events: start the listener (under `strace -c -o straceOut` if given), wait
 * for its "ready", run the paced sender; returns send and receive times by route.
 */
async function runOnce(listener, bin, n, straceOut, senderCpu = CPU) {
  return withNetns(async (ns) => {
    let ready;
    const isReady = new Promise((resolve) => (ready = resolve));
    const argv = listener.argv(bin, ns, n);
    const traced = straceOut ? ['strace', '-f', '-c', '-o', straceOut, '--', ...argv] : argv;
    // a listener that misses events would wait for ever: give up well after the sender is done
    const listening = runJson(traced, { onLine: (line) => line === 'ready' && ready(), timeoutMs: 30_000 + (n * GAP_US) / 1000 });
    await Promise.race([isReady, listening]);
    const sender = await runJson(['ip', 'netns', 'exec', ns, 'taskset', '-c', senderCpu, bin, 'paced', String(n), String(GAP_US)]);
    return { sent: sender.json.sent, recv: (await listening).json.recv };
  });
}

/** p50 and p99 in µs of events from..from+EVENTS. */
function windowOf(listener, sent, recv, from) {
  const lat = recv.slice(from, from + EVENTS).map((t, i) => (t - sent[from + i]) / 1000).sort((a, b) => a - b);
  if (lat[0] <= 0) throw new Error(`${listener.name}: an event seen before it was sent (${lat[0]} µs): clocks differ`);
  return { p50: percentile(lat, 50), p99: percentile(lat, 99) };
}

/** The two windows of one run: right after the warm-up, and the last EVENTS (steady). */
async function latency(listener, bin, senderCpu) {
  const { sent, recv } = await runOnce(listener, bin, WARMUP + EVENTS + LATE, undefined, senderCpu);
  return { first: windowOf(listener, sent, recv, WARMUP), steady: windowOf(listener, sent, recv, WARMUP + LATE) };
}

/** System calls per event: two traced runs of different length, so start-up cancels out. */
async function syscallsPerEvent(listener, bin, dir) {
  const counts = [];
  for (const n of [WARMUP, WARMUP + EVENTS]) {
    const file = join(dir, 'strace.txt');
    await runOnce(listener, bin, n, file);
    counts.push(parseSummary(readFileSync(file, 'utf8')));
  }
  const perEvent = (a, b) => Math.round(((b ?? 0) - (a ?? 0)) / EVENTS * 100) / 100;
  const names = new Set([...Object.keys(counts[0].bySyscall), ...Object.keys(counts[1].bySyscall)]);
  const bySyscall = Object.fromEntries([...names].map((k) => [k, perEvent(counts[0].bySyscall[k], counts[1].bySyscall[k])]).filter(([, v]) => Math.abs(v) >= 0.05));
  return { perEvent: perEvent(counts[0].total, counts[1].total), bySyscall };
}

async function main() {
  if (!rootOrSkip('events')) return;
  try {
    execFileSync('taskset', ['-c', CPU, 'true']);
  } catch {
    throw new Error('needs taskset (util-linux) to pin sender and listener to one CPU');
  }
  const bin = await buildBaseline('rtnl_bench');
  const loadBefore = load();
  const byPlacement = [];
  for (const placement of PLACEMENTS) {
    const samples = LISTENERS.map(() => ({ p50: [], p99: [], steadyP50: [], steadyP99: [] }));
    for (let r = 1; r <= ROUNDS; r++) {
      process.stderr.write(`event latency, ${placement.name}: round ${r}/${ROUNDS}...\n`);
      for (const [i, l] of LISTENERS.entries()) {
        const { first, steady } = await latency(l, bin, placement.sender);
        samples[i].p50.push(first.p50);
        samples[i].p99.push(first.p99);
        samples[i].steadyP50.push(steady.p50);
        samples[i].steadyP99.push(steady.p99);
      }
    }
    byPlacement.push(samples);
  }
  let syscalls = LISTENERS.map(() => null);
  if (hasStrace()) {
    process.stderr.write('event latency: counting system calls per event (strace)...\n');
    const dir = mkdtempSync(join(tmpdir(), 'nlkit-events-'));
    try {
      syscalls = [];
      for (const l of LISTENERS) syscalls.push(await syscallsPerEvent(l, bin, dir));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const loadAfter = load();
  const breakdown = (o) => Object.entries(o ?? {}).sort((x, y) => y[1] - x[1]).map(([k, v]) => `${k} ${v}`).join(', ');
  const placements = PLACEMENTS.map((placement, p) => {
    const samples = byPlacement[p];
    const results = LISTENERS.map((l, i) => ({
      case: l.name, reference: l.reference === true, p50: median(samples[i].p50), p99: median(samples[i].p99),
      steadyP50: median(samples[i].steadyP50), steadyP99: median(samples[i].steadyP99), samples: samples[i], syscalls: syscalls[i],
    }));
    const c = results[0];
    console.log(`\nevent latency, ${placement.name}: ${EVENTS} RTM_NEWROUTE notifications (after ${WARMUP} untimed), one every ${GAP_US} µs, listeners on CPU ${CPU}, sender on CPU ${placement.sender}, median of ${ROUNDS} runs`);
    console.log(`${loadBefore} before, ${loadAfter} after\n`);
    console.log(table(['listener', 'p50 µs', 'p99 µs', 'p50 / C', 'p99 / C', `steady p50`, 'steady / C', 'syscalls/event', 'breakdown'], 'lrrrrrrrl',
      results.map((r) => [r.case, fmt(r.p50, 1), fmt(r.p99, 1), `${fmt(r.p50 / c.p50, 2)}x`, `${fmt(r.p99 / c.p99, 2)}x`,
        fmt(r.steadyP50, 1), `${fmt(r.steadyP50 / c.steadyP50, 2)}x`,
        r.syscalls ? fmt(r.syscalls.perEvent, 2) : '-', breakdown(r.syscalls?.bySyscall)])));
    console.log(`(steady: the last ${EVENTS} of ${WARMUP + LATE + EVENTS} events per run; system calls counted with the sender on the same CPU)`);
    return { placement: placement.name, senderCpu: placement.sender, listeners: results };
  });
  if (!syscalls[0]) console.log('\n(no strace: system calls not counted)');

  writeResults('events', {
    events: EVENTS, warmup: WARMUP, late: LATE, gap_us: GAP_US, rounds: ROUNDS, cpu: CPU, placements,
    summary: [
      ...placements.flatMap(({ placement, listeners }) => {
        const c = listeners[0];
        return listeners.slice(1).map((r) => summaryRow(`event latency p50, ${placement}: ${r.case} / C`, r.p50 / c.p50, r.reference ? null : TARGET_P50));
      }),
      // one read per wake-up: no trailing read that only finds EAGAIN
      ...syscalls.slice(1).map((sc, i) => [LISTENERS[i + 1], sc]).filter(([l, sc]) => sc && !l.reference).map(([l, sc]) => summaryRow(`receive calls per event: ${l.name}`, receiveCalls(sc), 1, { unit: '' })),
    ],
  });
}

await main();
