// Adding routes in bulk: nlkit transactions vs `ip -batch` vs C (bench/c/route_batch.c).
//
//   node bench/transaction.js [routes=10000] [rounds=3]    (root; after npm run build)
//
// Every case adds the same routes (10.a.b.0/24 dev lo) into a fresh table of a throwaway
// namespace `nlkt-bench-<random>`, deleted at the end whatever happens; the median of the
// rounds is kept. `ip -batch` is timed as a whole process (wall, start-up included), since
// that is what a script pays; C and nlkit report the time of the adds themselves (wall),
// nlkit twice: the first large transaction of a fresh process (after a 1000-route warm-up,
// JIT still cold) and a later one (warm).
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { throwawayNetns } from './throwaway-netns.js';
import { buildBaseline } from './c-baseline.js';
import { fmt, median, table } from './report.js';

const here = dirname(fileURLToPath(import.meta.url));
const N = Number(process.argv[2] ?? 10_000);
const ROUNDS = Number(process.argv[3] ?? 3);
const bin = await buildBaseline('route_batch');
const netns = throwawayNetns();

let nextTable = 10;
const count = (t) => execFileSync('ip', ['-n', netns, 'route', 'show', 'table', String(t)], { encoding: 'utf8' }).split('\n').filter(Boolean).length;
const ipBatch = (t) => {
  const lines = [];
  for (let i = 0; i < N; i++) lines.push(`route add 10.${100 + (i >> 8)}.${i & 255}.0/24 dev lo table ${t}`);
  const input = lines.join('\n') + '\n';
  const t0 = process.hrtime.bigint();
  execFileSync('ip', ['-n', netns, '-batch', '-'], { input });
  return Number(process.hrtime.bigint() - t0) / 1e6;
};
const c = (ack) => (t) => JSON.parse(execFileSync('ip', ['netns', 'exec', netns, bin, String(N), '256', ack, String(t)], { encoding: 'utf8' })).ms;
const child = (mode, t) => JSON.parse(execFileSync(process.execPath, [join(here, 'transaction-child.js'), netns, mode, String(t), String(N)], { encoding: 'utf8' }));
const warmOf = new Map();
const js = (mode) => (t) => {
  const r = child(mode, t);
  warmOf.set(`${mode} ${t}`, r.warm);
  return r.ms;
};

const warm = (mode) => (t) => warmOf.get(`${mode} ${t - 1}`);
const CASES = [
  ['ip -batch (wall, whole process)', ipBatch],
  ['C, 256 per send, ack each', c('each')],
  ['C, 256 per send, ack last', c('last')],
  ['nlkit transaction, ack each (cold)', js('each')],
  ['  same, warm', warm('each')],
  ['nlkit transaction, ack last (cold)', js('last')],
  ['  same, warm', warm('last')],
  ['nlkit transactionSync, ack last (cold)', js('sync-last')],
  ['  same, warm', warm('sync-last')],
];
const samples = CASES.map(() => []);
for (let r = 0; r < ROUNDS; r++) {
  CASES.forEach(([name, fn], i) => {
    // a warm figure comes from the cold case's process, which used the 3 tables after its own
    const t = name.startsWith(' ') ? nextTable - 4 + 1 : nextTable;
    samples[i].push(fn(t));
    if (name.startsWith(' ')) return;
    const n = count(t);
    if (n !== N) throw new Error(`${name}: ${n} routes in table ${t}, expected ${N}`);
    nextTable += 4;
  });
}
const ipMs = median(samples[0]);
console.log(`adding ${N} routes, median of ${ROUNDS}, node ${process.version}`);
console.log(table(['case', 'ms', 'routes/s', 'vs ip -batch'], 'lrrr', CASES.map(([name], i) => {
  const ms = median(samples[i]);
  return [name, fmt(ms, 1), fmt(Math.round(N / ms * 1000)), `${fmt(ipMs / ms, 2)}x`];
})));
