// Import cost: the wall time of `node -e "await import('nlkit/ynl')"` (and nlkit/core, the
// package root) minus that of a node process importing nothing, each a fresh process,
// interleaved, median of RUNS. The specifiers resolve through the package's "exports"
// (self-reference from the repository root) to the built dist/.
//
//   npm run bench:import      (builds dist/ first)
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fmt, load, median, summaryRow, table, writeResults } from './report.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const RUNS = 15;
const TARGET_MS = 25;

/** The baseline runs the same ESM entry with nothing to import. */
const CASES = [
  { name: 'node, nothing imported', code: 'await 0' },
  { name: "import('nlkit/core')", code: "await import('nlkit/core')", target: TARGET_MS },
  { name: "import('nlkit/ynl')", code: "await import('nlkit/ynl')", target: TARGET_MS },
  { name: "import('nlkit/genl')", code: "await import('nlkit/genl')" },
  { name: "import('nlkit')", code: "await import('nlkit')" },
];

function wallMs(code) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], { cwd: root, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`node -e "${code}": exit ${r.status ?? r.signal}\n${r.stderr}`);
  return ms;
}

function main() {
  const loadBefore = load();
  const samples = CASES.map(() => []);
  for (const c of CASES) wallMs(c.code); // the first run of each fills the page cache
  for (let r = 0; r < RUNS; r++) CASES.forEach((c, i) => samples[i].push(wallMs(c.code)));
  const ms = samples.map(median);
  const extra = ms.map((m) => m - ms[0]);
  console.log(`\nimport cost: wall time of a node process, median of ${RUNS} interleaved runs (node ${process.version})`);
  console.log(`${loadBefore} before, ${load()} after\n`);
  console.log(table(['case', 'ms', 'on top of node', 'target'], 'lrrr',
    CASES.map((c, i) => [c.name, fmt(ms[i], 1), i === 0 ? '-' : fmt(extra[i], 1), c.target ? `<= ${c.target}` : '-'])));
  writeResults('import', {
    runs: RUNS, cases: CASES.map((c, i) => ({ case: c.name, ms: ms[i], extra_ms: extra[i], samples: samples[i] })),
    summary: CASES.flatMap((c, i) => (c.target ? [summaryRow(`import cost: ${c.name}, ms on top of node`, extra[i], c.target, { unit: ' ms' })] : [])),
  });
}

main();
