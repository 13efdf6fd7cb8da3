// Shared by the benchmarks: medians, plain-text tables, the machine's load, bench/results.json.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const RESULTS = join(dirname(fileURLToPath(import.meta.url)), 'results.json');

export const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
export const fmt = (x, d = 0) => (x === null || x === undefined ? '-' : x.toFixed(d));

/** align: one 'l' or 'r' per column. */
export function table(header, align, rows) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (r) => r.map((v, i) => (align[i] === 'l' ? String(v).padEnd(widths[i]) : String(v).padStart(widths[i]))).join('  ').trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** The machine's load, printed with every group of figures: the ratios only mean something beside it. */
export function load() {
  const [a, b, c] = loadavg();
  return `load average ${a.toFixed(2)}, ${b.toFixed(2)}, ${c.toFixed(2)} (${cpus().length} CPUs)`;
}

/**
 * Read-modify-write of one key of bench/results.json: every benchmark keeps its figures
 * under its own key. `summary` rows ({ case, ratio, target, unit?, met, note? }) are what
 * bench/summary.js prints at the end of `npm run bench`.
 */
export function writeResults(key, value) {
  let all = {};
  try {
    all = JSON.parse(readFileSync(RESULTS, 'utf8'));
  } catch (e) {
    if (e.code !== 'ENOENT') throw new Error(`${RESULTS} is unreadable, not overwriting it: ${e.message}`);
  }
  all[key] = { date: new Date().toISOString(), node: process.version, kernel: release(), load: loadavg(), ...value };
  writeFileSync(RESULTS, JSON.stringify(all, null, 2) + '\n');
}

export function readResults() {
  try {
    return JSON.parse(readFileSync(RESULTS, 'utf8'));
  } catch {
    return {};
  }
}

/** A summary row: met is null when there is nothing to compare (a case skipped, a target unset). */
export function summaryRow(name, value, target, { unit = 'x', note } = {}) {
  const met = value === null || target === null ? null : value <= target;
  return { case: name, value: value === null ? null : Math.round(value * 100) / 100, target, unit, met, ...(note ? { note } : {}) };
}

const TIME = '/usr/bin/time';

/**
 * One run of a whole process (output discarded): wall ms, and user+system ms through
 * /usr/bin/time where it is installed (on a loaded machine the CPU time swings much less).
 */
export function measureProcess(argv) {
  const out = join(tmpdir(), `nlkit-bench-time-${process.pid}`);
  const withTime = existsSync(TIME);
  const cmd = withTime ? [TIME, '-f', '%U %S', '-o', out, ...argv] : argv;
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd[0], cmd.slice(1), { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  const wall = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${argv.join(' ')}: exit ${r.status ?? r.signal}\n${r.stderr}`);
  let cpu;
  if (withTime) {
    const [u, sys] = readFileSync(out, 'utf8').trim().split(/\s+/).map(Number);
    cpu = (u + sys) * 1000;
    rmSync(out, { force: true });
  }
  return { wall, cpu };
}

/**
 * Each case's process run `runs` times, the cases interleaved (after one run each for the page
 * cache): the samples, and the median wall and CPU ms of each case.
 */
export function interleavedRuns(cases, runs) {
  for (const c of cases) measureProcess(c.argv);
  const samples = cases.map(() => ({ wall: [], cpu: [] }));
  for (let r = 0; r < runs; r++)
    cases.forEach((c, i) => {
      const m = measureProcess(c.argv);
      samples[i].wall.push(m.wall);
      if (m.cpu !== undefined) samples[i].cpu.push(m.cpu);
    });
  return { samples, wall: samples.map((s) => median(s.wall)), cpu: samples.map((s) => (s.cpu.length ? median(s.cpu) : undefined)) };
}
