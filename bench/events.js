// Event latency: how long after a route is added does a listener in the same namespace
// see the kernel's RTM_NEWROUTE notification? A C listener (bench/c/rtnl_bench.c listen)
// against nlkit's event stream (bench/event-listener.js, as a 'message' listener and as a
// for-await loop). The sender is the C program (paced: one route every GAP_US), writing
// CLOCK_MONOTONIC before each send(); listeners write the same clock when they see each
// event, so latency = receive - send across processes. Sender and listener are pinned to
// one CPU (taskset -c 0): the listener wakes when the sender sleeps.
//
//   npm run bench:events      (builds dist/ first; needs root)
//
// Each run has a fresh `nlkt-<random>` namespace. Runs are interleaved ROUNDS times; the
// medians of the runs' p50 and p99 are reported.
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildBaseline } from './c-baseline.js';
import { rootOrSkip, runJson, withNetns } from './netns.js';
import { fmt, load, median, summaryRow, table, writeResults } from './report.js';

const here = dirname(fileURLToPath(import.meta.url));
const EVENTS = 1000;
/** Sent first and left out of the figures: the listener's code paths get compiled on them. */
const WARMUP = 200;
const GAP_US = 300;
const ROUNDS = 3;
const TARGET_P50 = 1.5;
const CPU = '0';

const LISTENERS = [
  { name: 'C, blocking recv()', argv: (bin, ns) => ['ip', 'netns', 'exec', ns, 'taskset', '-c', CPU, bin, 'listen', String(WARMUP + EVENTS)] },
  { name: 'nlkit, events() + on(\'message\')', argv: (_, ns) => ['taskset', '-c', CPU, process.execPath, join(here, 'event-listener.js'), 'emitter', String(WARMUP + EVENTS), ns] },
  { name: 'nlkit, for await (events())', argv: (_, ns) => ['taskset', '-c', CPU, process.execPath, join(here, 'event-listener.js'), 'iterator', String(WARMUP + EVENTS), ns] },
];

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))];

/** One run: start the listener, wait for "ready", run the paced sender; latencies in µs. */
async function runOnce(listener, bin) {
  return withNetns(async (ns) => {
    let ready;
    const isReady = new Promise((resolve) => (ready = resolve));
    const listening = runJson(listener.argv(bin, ns), { onLine: (line) => line === 'ready' && ready() });
    await Promise.race([isReady, listening]);
    const sender = await runJson(['ip', 'netns', 'exec', ns, 'taskset', '-c', CPU, bin, 'paced', String(WARMUP + EVENTS), String(GAP_US)]);
    const { json } = await listening;
    const lat = json.recv.slice(WARMUP).map((t, i) => (t - sender.json.sent[WARMUP + i]) / 1000).sort((a, b) => a - b);
    if (lat[0] <= 0) throw new Error(`${listener.name}: an event seen before it was sent (${lat[0]} µs): clocks differ`);
    return { p50: percentile(lat, 50), p99: percentile(lat, 99) };
  });
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
  const samples = LISTENERS.map(() => ({ p50: [], p99: [] }));
  for (let r = 1; r <= ROUNDS; r++) {
    process.stderr.write(`event latency: round ${r}/${ROUNDS}...\n`);
    for (const [i, l] of LISTENERS.entries()) {
      const { p50, p99 } = await runOnce(l, bin);
      samples[i].p50.push(p50);
      samples[i].p99.push(p99);
    }
  }
  const results = LISTENERS.map((l, i) => ({ case: l.name, p50: median(samples[i].p50), p99: median(samples[i].p99), samples: samples[i] }));
  const c = results[0];

  console.log(`\nevent latency: ${EVENTS} RTM_NEWROUTE notifications (after ${WARMUP} untimed), one every ${GAP_US} µs, sender and listener on CPU ${CPU}, median of ${ROUNDS} runs`);
  console.log(`${loadBefore} before, ${load()} after\n`);
  console.log(table(['listener', 'p50 µs', 'p99 µs', 'p50 / C', 'p99 / C'], 'lrrrr',
    results.map((r) => [r.case, fmt(r.p50, 1), fmt(r.p99, 1), `${fmt(r.p50 / c.p50, 2)}x`, `${fmt(r.p99 / c.p99, 2)}x`])));

  writeResults('events', {
    events: EVENTS, warmup: WARMUP, gap_us: GAP_US, rounds: ROUNDS, cpu: CPU, listeners: results,
    summary: results.slice(1).map((r) => summaryRow(`event latency p50: ${r.case} / C`, r.p50 / c.p50, TARGET_P50)),
  });
}

await main();
