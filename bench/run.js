// nlkit vs a raw-socket C baseline: CTRL_CMD_GETFAMILY("nlctrl") round trips.
//
//   npm run bench        (builds dist/ first; or: node bench/run.js after a build)
//
// Every timing runs in a fresh process (bench/workloads.js for nlkit, the C program for
// the baseline), ROUNDS times, interleaved, and the median is kept. System calls per op
// come from `strace -f -c` on two runs of different length, so start-up cancels out.
// Results are printed and written to bench/results.json.
import { execFileSync } from 'node:child_process';
import { release } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildBaseline, runBaseline } from './c-baseline.js';
import { syscallsPerOp } from './syscalls.js';
import { fmt, load, median, summaryRow, table, writeResults } from './report.js';

const here = dirname(fileURLToPath(import.meta.url));
const WORKLOADS = join(here, 'workloads.js');

const ITERATIONS = 100_000;
const ROUNDS = 3;
/** strace runs: counts of n2 - n1 extra iterations give the per-op figure. */
const STRACE_N1 = 1_000;
const STRACE_N2 = 6_000;

/**
 * The cases: nlkit workload, the C mode it is compared with, the target ratio, and
 * iterations per run when not ITERATIONS (the slow cycles: a run stays near a second).
 * Raw engine within 1.5x of C, generated-family clients within 2x (issue 7).
 */
const CASES = [
  { name: 'engine: full cycle, Sync', workload: 'engine-cycle-sync', c: 'cycle', target: 1.5 },
  { name: 'engine: full cycle, async', workload: 'engine-cycle-async', c: 'cycle', target: 1.5 },
  { name: 'engine: full cycle, Sync (C with the same 2 setsockopts)', workload: 'engine-cycle-sync', c: 'cycle-extack', target: null },
  { name: 'engine: full cycle, async (C with the same 2 setsockopts)', workload: 'engine-cycle-async', c: 'cycle-extack', target: null },
  { name: 'engine: steady, Sync', workload: 'engine-steady-sync', c: 'steady', target: 1.5 },
  { name: 'engine: steady, async', workload: 'engine-steady-async', c: 'steady', target: 1.5 },
  { name: 'getFamily (whole family decoded): full cycle, Sync', workload: 'cycle-sync', c: 'cycle', target: null },
  { name: 'getFamily (whole family decoded): full cycle, async', workload: 'cycle-async', c: 'cycle', target: null },
  { name: 'getFamily (whole family decoded): steady, Sync', workload: 'steady-sync', c: 'steady', target: null },
  { name: 'getFamily (whole family decoded): steady, async', workload: 'steady-async', c: 'steady', target: null },
  { name: 'steady, async, 64 in flight', workload: 'steady-async-64', c: 'steady', target: null },
  { name: 'generated nlctrl: full cycle, Sync', workload: 'family-cycle-sync', c: 'cycle', target: 2, iterations: 30_000 },
  { name: 'generated nlctrl: full cycle, async', workload: 'family-cycle-async', c: 'cycle', target: 2, iterations: 30_000 },
  { name: 'generated nlctrl: steady, Sync', workload: 'family-steady-sync', c: 'steady', target: 2 },
  { name: 'generated nlctrl: steady, async', workload: 'family-steady-async', c: 'steady', target: 2 },
];
const C_MODES = [...new Set(CASES.map((c) => c.c))];

const nodeArgv = (workload, n) => [process.execPath, WORKLOADS, workload, String(n)];

function runWorkload(workload, n) {
  const [cmd, ...args] = nodeArgv(workload, n);
  const out = execFileSync(cmd, args, {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return JSON.parse(out).ns_per_op;
}


async function main() {
  const started = Date.now();
  const bin = await buildBaseline();
  const loadBefore = load();

  // ---- timings: ROUNDS interleaved rounds, median per case
  const cSamples = Object.fromEntries(C_MODES.map((m) => [m, []]));
  const nlSamples = Object.fromEntries(CASES.map((c) => [c.workload, []]));
  for (let r = 1; r <= ROUNDS; r++) {
    process.stderr.write(`timing round ${r}/${ROUNDS}...\n`);
    for (const m of C_MODES) cSamples[m].push(runBaseline(bin, m, ITERATIONS).ns_per_op);
    for (const c of CASES) nlSamples[c.workload].push(runWorkload(c.workload, c.iterations ?? ITERATIONS));
  }
  const timings = CASES.map((c) => {
    const nlkit = median(nlSamples[c.workload]);
    const base = median(cSamples[c.c]);
    const ratio = nlkit / base;
    return {
      case: c.name, workload: c.workload, c_mode: c.c, nlkit_ns: nlkit, c_ns: base, ratio: Math.round(ratio * 100) / 100,
      target: c.target, pass: c.target === null ? null : ratio <= c.target,
      samples: { nlkit: nlSamples[c.workload], c: cSamples[c.c] },
    };
  });

  // ---- system calls per op
  process.stderr.write('counting system calls (strace)...\n');
  const cSys = Object.fromEntries(C_MODES.map((m) => [m, syscallsPerOp((n) => [bin, m, String(n)], STRACE_N1, STRACE_N2)]));
  const syscalls = CASES.map((c) => {
    const s = syscallsPerOp((n) => nodeArgv(c.workload, n), STRACE_N1, STRACE_N2);
    return { case: c.name, workload: c.workload, nlkit: s.perOp, c: cSys[c.c].perOp, extra: Math.round((s.perOp - cSys[c.c].perOp) * 100) / 100,
      nlkit_by_syscall: s.bySyscall, c_by_syscall: cSys[c.c].bySyscall };
  });

  // ---- report
  // |x| < 0.05 per op is background noise (GC and compiler threads' futex, mmap): kept in the JSON only
  const breakdown = (o) => Object.entries(o).filter(([, v]) => Math.abs(v) >= 0.05).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .map(([k, v]) => `${k} ${v}`).join(', ');
  console.log(`\nnlkit vs C: CTRL_CMD_GETFAMILY("nlctrl"), ${ITERATIONS} ops per run (generated-client cycles fewer), median of ${ROUNDS} runs`);
  console.log(`node ${process.version}, Linux ${release()}; ${loadBefore} before, ${load()} after\n`);
  console.log(table(
    ['case', 'nlkit ns/op', 'C ns/op', 'ratio', 'target', 'result'], 'lrrrrl',
    timings.map((t) => [t.case, fmt(t.nlkit_ns), fmt(t.c_ns), `${fmt(t.ratio, 2)}x`, t.target === null ? '-' : `<= ${t.target}x`,
      t.pass === null ? 'info' : t.pass ? 'PASS' : 'FAIL']),
  ));
  console.log(`\nsystem calls per op (strace -f -c, runs of ${STRACE_N2} minus ${STRACE_N1} ops)\n`);
  console.log(table(
    ['case', 'nlkit', 'C', 'extra', 'nlkit breakdown', 'C breakdown'], 'lrrrll',
    syscalls.map((s) => [s.case, fmt(s.nlkit, 2), fmt(s.c, 2), fmt(s.extra, 2), breakdown(s.nlkit_by_syscall), breakdown(s.c_by_syscall)]),
  ));

  const elapsed = (Date.now() - started) / 1000;
  console.log(`\n(${elapsed.toFixed(0)} s; results in bench/results.json under "genl")`);
  writeResults('genl', {
    iterations: ITERATIONS, rounds: ROUNDS, strace: { n1: STRACE_N1, n2: STRACE_N2 }, timings, syscalls,
    summary: timings.filter((t) => t.target !== null).map((t) => summaryRow(`nlctrl getfamily: ${t.case} / C ${t.c_mode}`, t.ratio, t.target)),
  });
}

await main();
