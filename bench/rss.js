// Peak memory while streaming a dump of 1,000,000 IPv4 routes without keeping them: each
// decoder in a fresh process (bench/rss-workload.js), its process.resourceUsage().maxRSS.
// The target is <= 100 MB for the whole process; an empty nlkit process is shown
// as the floor.
//
//   npm run bench:rss      (builds dist/ first; needs root)
//
// The routes are added by bench/c/rtnl_bench.c (256 per send, ack last: ~2 s) in one
// `nlkt-<random>` namespace, deleted at the end whatever happens (errors, SIGINT). The
// kernel holds them in about 0.2 GB. Cases are interleaved ROUNDS times, medians kept.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildBaseline } from './c-baseline.js';
import { rootOrSkip, runJson, withNetns } from './netns.js';
import { fmt, load, median, summaryRow, table, writeResults } from './report.js';

const here = dirname(fileURLToPath(import.meta.url));
const ROUTES = 1_000_000;
const ROUNDS = 3;
const TARGET_MB = 100;

const CASES = [
  { name: 'no dump (node + nlkit loaded)', decoder: 'none' },
  { name: 'hand-written decoder, Connection.dump', decoder: 'hand', target: TARGET_MB },
  { name: 'generated rt-route, getrouteDump', decoder: 'generic', target: TARGET_MB },
];

const memAvailableMb = () => {
  const m = /MemAvailable:\s+(\d+) kB/.exec(readFileSync('/proc/meminfo', 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
};

async function main() {
  if (!rootOrSkip('rss')) return;
  const bin = await buildBaseline('rtnl_bench');
  // 1M routes take ~0.2 GB of kernel memory: refuse on a machine that cannot spare 1 GB
  if (memAvailableMb() < 1024) throw new Error(`only ${fmt(memAvailableMb())} MB available: 1,000,000 routes need about 0.2 GB of kernel memory`);
  await withNetns(async (ns) => {
    const before = memAvailableMb();
    process.stderr.write(`peak RSS: adding ${ROUTES} routes in ${ns}...\n`);
    const fill = await runJson(['ip', 'netns', 'exec', ns, bin, 'add-batch-last', String(ROUTES)]);
    const kernelMb = before - memAvailableMb();
    const loadBefore = load();
    const samples = new Map(CASES.map((c) => [c, []]));
    const ms = new Map(CASES.map((c) => [c, []]));
    for (let r = 1; r <= ROUNDS; r++) {
      process.stderr.write(`peak RSS: round ${r}/${ROUNDS}...\n`);
      for (const c of CASES) {
        const { json } = await runJson([process.execPath, join(here, 'rss-workload.js'), c.decoder, ns]);
        if (c.decoder !== 'none' && json.routes < ROUTES) throw new Error(`${c.name}: ${json.routes} routes, ${ROUTES} added`);
        samples.get(c).push(json.maxRSS_kb / 1024);
        ms.get(c).push(json.ms);
      }
    }
    const mb = new Map(CASES.map((c) => [c, median(samples.get(c))]));
    console.log(`\npeak RSS streaming a dump of ${ROUTES} IPv4 routes (routes not kept), median of ${ROUNDS} runs`);
    console.log(`${loadBefore} before, ${load()} after; the routes: ${fmt(fill.json.ns / 1e6)} ms to add, ~${fmt(kernelMb)} MB of kernel memory\n`);
    console.log(table(['case', 'maxRSS MB', 'target', 'dump ms'], 'lrrr', CASES.map((c) => [
      c.name, fmt(mb.get(c), 1), c.target ? `<= ${c.target}` : '-', c.decoder === 'none' ? '-' : fmt(median(ms.get(c))),
    ])));
    writeResults('rss', {
      routes: ROUTES, rounds: ROUNDS, kernel_mb: kernelMb,
      cases: CASES.map((c) => ({ case: c.name, maxRSS_mb: mb.get(c), samples_mb: samples.get(c), ms: ms.get(c) })),
      summary: CASES.filter((c) => c.target).map((c) => summaryRow(`peak RSS, 1M-route dump: ${c.name}`, mb.get(c), c.target, { unit: ' MB' })),
    });
  });
}

await main();
