// Counts system calls with `strace -f -c` for the benchmark's "syscalls per op" figures.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Runs argv under `strace -f -c` and returns { total, bySyscall: { name: calls } }
 * parsed from strace's summary table (the `calls` column and the "total" row).
 * Throws if the command (or strace) exits non-zero.
 */
export function countSyscalls(argv, { env } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'nlkit-strace-'));
  const out = join(dir, 'summary.txt');
  try {
    execFileSync('strace', ['-f', '-c', '-o', out, '--', ...argv], {
      env: env ?? process.env,
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    return parseSummary(readFileSync(out, 'utf8'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// The table looks like:
//   % time     seconds  usecs/call     calls    errors syscall
//   ------ ----------- ----------- --------- --------- ----------------
//    45.12    0.001234           1      1000           sendto
//   ...
//   ------ ----------- ----------- --------- --------- ----------------
//   100.00    0.002735           1      4013        12 total
// The errors column is blank when there are none, so columns are taken from
// the left (calls is the 4th field) and the name from the right (last field).
export function parseSummary(text) {
  const bySyscall = {};
  let total;
  for (const line of text.split('\n')) {
    const fields = line.trim().split(/\s+/);
    if (fields.length < 5 || !/^\d+\.\d+$/.test(fields[0])) continue;
    const calls = Number(fields[3]);
    const name = fields[fields.length - 1];
    if (name === 'total') total = calls;
    else bySyscall[name] = (bySyscall[name] ?? 0) + calls;
  }
  if (total === undefined) throw new Error(`no "total" row in strace summary:\n${text}`);
  return { total, bySyscall };
}

const round2 = (x) => Math.round(x * 100) / 100;

/**
 * Runs makeArgv(n1) and makeArgv(n2) under countSyscalls and returns the
 * difference per extra iteration, so process start-up and fixed warm-up cancel:
 * { perOp, bySyscall: { name: callsPerOp } } (non-zero entries only, 2 decimals).
 */
export function syscallsPerOp(makeArgv, n1, n2, { env } = {}) {
  const a = countSyscalls(makeArgv(n1), { env });
  const b = countSyscalls(makeArgv(n2), { env });
  const dn = n2 - n1;
  const bySyscall = {};
  for (const name of new Set([...Object.keys(a.bySyscall), ...Object.keys(b.bySyscall)])) {
    const perOp = round2(((b.bySyscall[name] ?? 0) - (a.bySyscall[name] ?? 0)) / dn);
    if (perOp !== 0) bySyscall[name] = perOp;
  }
  return { perOp: round2((b.total - a.total) / dn), bySyscall };
}
