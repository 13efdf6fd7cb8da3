// Throwaway network namespaces and child processes for the benchmarks that need root.
//
// Every namespace is `nlkt-<random>` and is deleted whatever happens: at the end of its
// use, on an error, on SIGINT/SIGTERM/SIGHUP and on exit. Children started with runJson()
// are killed on the same occasions, so an interrupted run leaves nothing behind.
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { constants } from 'node:os';
import { writeResults } from './report.js';

const live = new Set();
const children = new Set();

function deleteNetns(ns) {
  if (!live.delete(ns)) return;
  try {
    execFileSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
  } catch {
    process.stderr.write(`could not delete network namespace ${ns}: ip netns del ${ns}\n`);
  }
}

function cleanupAll() {
  for (const c of children) c.kill('SIGKILL');
  for (const ns of [...live]) deleteNetns(ns);
}
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => {
    cleanupAll();
    process.exit(128 + constants.signals[sig]);
  });
}
process.on('exit', cleanupAll);

export const isRoot = process.getuid?.() === 0;

/** True as root; otherwise says why the group is skipped and records it in bench/results.json. */
export function rootOrSkip(group) {
  if (isRoot) return true;
  console.log(`bench:${group} skipped: needs root (network namespaces, routes)`);
  writeResults(group, { skipped: 'needs root', summary: [] });
  return false;
}

/** `ip -n ns ...`, stdout as text. */
export const ipn = (ns, ...args) => execFileSync('ip', ['-n', ns, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

/** A fresh namespace (PREFIX-<random>) with lo up; delete it with the function returned (also done on exit). */
export function createNetns(prefix = 'nlkt') {
  const ns = `${prefix}-${randomBytes(4).toString('hex')}`;
  execFileSync('ip', ['netns', 'add', ns], { stdio: ['ignore', 'ignore', 'pipe'] });
  live.add(ns);
  ipn(ns, 'link', 'set', 'lo', 'up');
  return { ns, remove: () => deleteNetns(ns) };
}

/** Runs fn(ns) in a fresh namespace, deleted afterwards whatever happens. */
export async function withNetns(fn) {
  const { ns, remove } = createNetns();
  try {
    return await fn(ns);
  } finally {
    remove();
  }
}

/**
 * Starts argv; resolves with { json, ms } where json is its last stdout line parsed (null
 * if not JSON) and ms the wall time of the process. `onLine(line)` sees every stdout line as
 * it comes (e.g. a listener's "ready"). Rejects on a non-zero exit, with its stderr, and
 * kills the child and rejects after timeoutMs: a benchmark never hangs.
 */
export function runJson(argv, { input, onLine, env, timeoutMs = 120_000 } = {}) {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const c = spawn(argv[0], argv.slice(1), { stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'], env });
    children.add(c);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      c.kill('SIGKILL');
    }, timeoutMs);
    let out = '';
    let err = '';
    let pending = '';
    c.stdout.setEncoding('utf8').on('data', (d) => {
      out += d;
      if (!onLine) return;
      pending += d;
      let nl;
      while ((nl = pending.indexOf('\n')) >= 0) {
        onLine(pending.slice(0, nl), c);
        pending = pending.slice(nl + 1);
      }
    });
    c.stderr.setEncoding('utf8').on('data', (d) => (err += d));
    if (input !== undefined) c.stdin.end(input);
    c.on('error', reject);
    c.on('close', (code, signal) => {
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      children.delete(c);
      clearTimeout(timer);
      if (timedOut) return reject(new Error(`${argv.join(' ').slice(0, 200)}: killed after ${timeoutMs} ms\n${err.trim()}`));
      if (code !== 0) return reject(new Error(`${argv.join(' ').slice(0, 200)}: ${signal ?? `exit code ${code}`}\n${err.trim()}`));
      const last = out.trim().split('\n').pop() ?? '';
      let json = null;
      try {
        json = JSON.parse(last);
      } catch { /* not JSON: the caller wanted the wall time */ }
      resolve({ json, ms, stderr: err });
    });
  });
}
