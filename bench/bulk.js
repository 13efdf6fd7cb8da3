// Bulk route add: 10,000 IPv4 routes into an empty namespace, by `ip -batch`, by C
// (bench/c/rtnl_bench.c: one request per send, 256 per send each acked, 256 per send only
// the last acked) and by nlkit (bench/bulk-workload.js).
//
//   npm run bench:bulk      (builds dist/ first; needs root)
//
// Every run gets a fresh `nlkt-<random>` namespace, deleted afterwards whatever happens,
// and the harness checks that all the routes landed. Cases are interleaved, ROUNDS times,
// and the median kept. Times: C and nlkit time their own send/ack loop (not process
// start-up or socket set-up); `ip -batch` is the wall time of the process reading a file of
// `route add` lines, which is how it is used. The nlkit cases run cold (a fresh process,
// as a bulk load does), except the `warm` one, which first adds another 10,000 routes
// untimed: the difference is the JIT's warm-up.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildBaseline } from './c-baseline.js';
import { rootOrSkip, ipn, runJson, withNetns } from './netns.js';
import { ipBatchLine } from './route-payload.js';
import { fmt, load, median, summaryRow, table, writeResults } from './report.js';

const here = dirname(fileURLToPath(import.meta.url));
const ROUTES = 10_000;
const ROUNDS = 3;

/** C mode each nlkit case is held against, and the targets. */
const CASES = [
  { name: 'ip -batch', kind: 'ip' },
  { name: 'C, one request per send', kind: 'c', mode: 'add-one' },
  { name: 'C, 256 per send, ack each', kind: 'c', mode: 'add-batch' },
  { name: 'C, 256 per send, ack last', kind: 'c', mode: 'add-batch-last' },
  { name: 'nlkit, requestSync loop', kind: 'nlkit', mode: 'sync', c: 'add-one' },
  { name: 'nlkit, concurrent request()', kind: 'nlkit', mode: 'concurrent', c: 'add-one' },
  { name: 'nlkit, transaction ack each', kind: 'nlkit', mode: 'transaction-each', c: 'add-batch', target: true },
  { name: 'nlkit, transaction ack last', kind: 'nlkit', mode: 'transaction-last', c: 'add-batch-last', target: true },
  { name: 'nlkit, transaction ack last, from a source', kind: 'nlkit', mode: 'transaction-source-last', c: 'add-batch-last' },
  { name: 'nlkit, transactionSync ack last', kind: 'nlkit', mode: 'transaction-sync-last', c: 'add-batch-last' },
  { name: 'nlkit, transaction ack last, warm', kind: 'nlkit', mode: 'transaction-last', c: 'add-batch-last', warm: true },
];
/** nlkit / C 256-per-send, and nlkit / ip -batch (>= 2x as fast). */
const TARGET_VS_C = 1.5;
const TARGET_VS_IP = 0.5;

function countRoutes(ns) {
  return ipn(ns, '-4', 'route', 'show', 'table', 'main').split('\n').filter((l) => l.startsWith('10.')).length;
}

async function runCase(c, bin, batchFile) {
  return withNetns(async (ns) => {
    let ms;
    let api;
    if (c.kind === 'ip') {
      ms = (await runJson(['ip', '-n', ns, '-batch', batchFile])).ms;
    } else if (c.kind === 'c') {
      ms = (await runJson(['ip', 'netns', 'exec', ns, bin, c.mode, String(ROUTES)])).json.ns / 1e6;
    } else {
      const { json } = await runJson([process.execPath, join(here, 'bulk-workload.js'), c.mode, String(ROUTES), ns, ...(c.warm ? ['--warm'] : [])]);
      ms = json.ns / 1e6;
      api = json.api;
    }
    const n = countRoutes(ns);
    const want = c.warm ? 2 * ROUTES : ROUTES; // warm: the warm-up's routes are there too
    if (n !== want) throw new Error(`${c.name}: ${n} of ${want} routes in the table`);
    return { ms, api };
  });
}

async function main() {
  if (!rootOrSkip('bulk')) return;
  const bin = await buildBaseline('rtnl_bench');
  const tmp = mkdtempSync(join(tmpdir(), 'nlkit-bulk-'));
  try {
    const batchFile = join(tmp, 'routes.batch');
    writeFileSync(batchFile, Array.from({ length: ROUTES }, (_, i) => ipBatchLine(i)).join('\n') + '\n');
    const loadBefore = load();
    const samples = new Map(CASES.map((c) => [c, []]));
    const apis = new Map();
    for (let r = 1; r <= ROUNDS; r++) {
      process.stderr.write(`bulk add: round ${r}/${ROUNDS}...\n`);
      for (const c of CASES) {
        const { ms, api } = await runCase(c, bin, batchFile);
        samples.get(c).push(ms);
        if (api) apis.set(c, api);
      }
    }
    const ms = new Map(CASES.map((c) => [c, median(samples.get(c))]));
    const byMode = (mode) => ms.get(CASES.find((c) => c.mode === mode));
    const ipMs = ms.get(CASES[0]);

    console.log(`\nbulk add: ${ROUTES} IPv4 routes into an empty namespace, median of ${ROUNDS} runs`);
    console.log(`${loadBefore} before, ${load()} after\n`);
    console.log(table(['case', 'ms', 'routes/s', 'vs C', 'vs ip -batch', 'ran as'], 'lrrrrl', CASES.map((c) => {
      const t = ms.get(c);
      return [c.name, fmt(t, 1), fmt(ROUTES / t * 1000), c.c ? `${fmt(t / byMode(c.c), 2)}x (${c.c})` : '-', `${fmt(t / ipMs, 2)}x`, apis.get(c) ?? ''];
    })));
    const fallback = CASES.filter((c) => c.target && !/transaction/.test(apis.get(c) ?? '')).length > 0;
    if (fallback) console.log('\nno Connection.transaction in this build: the transaction cases ran as concurrent request() calls');

    const summary = [];
    for (const c of CASES.filter((x) => x.target)) {
      const note = apis.get(c);
      summary.push(summaryRow(`bulk add 10k: ${c.name} / C ${c.c}`, ms.get(c) / byMode(c.c), TARGET_VS_C, { note }));
      summary.push(summaryRow(`bulk add 10k: ${c.name} / ip -batch`, ms.get(c) / ipMs, TARGET_VS_IP, { note }));
    }
    writeResults('bulk', {
      routes: ROUTES, rounds: ROUNDS,
      cases: CASES.map((c) => ({ case: c.name, api: apis.get(c), ms: ms.get(c), samples: samples.get(c) })),
      summary,
    });
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

await main();
