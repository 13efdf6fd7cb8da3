// nlkit ss vs iproute2's ss: listing 10,000 TCP sockets, whole process each (start-up, dump,
// formatting, output to /dev/null), and nlkit's listSocketsSync alone, in process.
//
//   npm run bench:diag     (builds dist/ first; or: node bench/diag.js after a build)
//
// Needs root: the sockets live in a throwaway namespace `nlkt-bench-<random>` held by a child
// node (5,000 connected pairs on 127.0.0.1 and a listener), deleted at the end whatever happens.
// Each timing is the median of ROUNDS runs, interleaved; both tools must print the same lines.
// Besides wall time, the CPU time (user + sys, from /usr/bin/time when there is one) of each
// process: on a shared machine the wall time moves with the load, the CPU time much less.
// `nlkit ss` runs twice: from tsc's modules, and bundled by esbuild as scripts/bundle.mjs
// bundles the package's entry points (dist/bench-cli, made here), which is how a bundled bin
// loads it.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { loadavg } from 'node:os';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { listSocketsSync, openSocketDiag } from '../dist/src/diag/index.js';
import { summaryRow, writeResults } from './report.js';

const PAIRS = 5_000;
const ROUNDS = 7;
const CLI = fileURLToPath(new URL('../dist/src/cli/main.js', import.meta.url));
const BUNDLED = fileURLToPath(new URL('../dist/bench-cli/main.js', import.meta.url));
// another build's CLI to compare with (e.g. main's): NLKIT_BENCH_BASELINE=/path/dist/src/cli/main.js
const BASELINE = process.env.NLKIT_BENCH_BASELINE;
const TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;
const netns = `nlkt-bench-${randomBytes(4).toString('hex')}`;
let holder;

function cleanup() {
  try { holder?.kill('SIGKILL'); } catch { /* gone */ }
  try { execFileSync('ip', ['netns', 'del', netns], { stdio: 'ignore' }); } catch { /* not made */ }
}
process.on('exit', cleanup);
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => process.exit(130));

const HOLDER = `
const net = require('net');
const keep = [];
const server = net.createServer((c) => keep.push(c));
server.listen({ host: '127.0.0.1', port: 9000, backlog: 65535 }, async () => {
  for (let i = 0; i < ${PAIRS}; i += 250) {
    await Promise.all(Array.from({ length: Math.min(250, ${PAIRS} - i) }, () => new Promise((ok, fail) => {
      const c = net.connect({ host: '127.0.0.1', port: 9000 }, () => ok());
      c.on('error', fail);
      keep.push(c);
    })));
  }
  const wait = () => (keep.length >= ${2 * PAIRS} ? process.stdout.write('ready\\n') : setTimeout(wait, 20));
  wait();
});
process.stdin.resume();
process.stdin.on('end', () => process.exit(0));
`;

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function timed(cmd, args) {
  const [c, a] = TIME ? [TIME, ['-f', 'cpu %U %S', cmd, ...args]] : [cmd, args];
  const t0 = process.hrtime.bigint();
  const r = spawnSync(c, a, { encoding: 'utf8', maxBuffer: 64 << 20 });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr}`);
  const cpu = /cpu ([\d.]+) ([\d.]+)\s*$/.exec(r.stderr);
  return { ms, cpuMs: cpu ? (Number(cpu[1]) + Number(cpu[2])) * 1000 : NaN, lines: r.stdout.trim().split('\n').length };
}

/** The CLI bundled as scripts/bundle.mjs bundles entry points; undefined without esbuild. */
async function bundleCli() {
  try {
    const { build } = await import('esbuild');
    await build({
      entryPoints: [CLI], outdir: dirname(BUNDLED), bundle: true, splitting: true, format: 'esm', platform: 'node', target: 'node20',
      external: ['node-gyp-build', 'yaml'], chunkNames: 'chunks/[name]-[hash]', logLevel: 'warning',
    });
    return BUNDLED;
  } catch (e) {
    console.log(`no bundled CLI (${e.message.split('\n')[0]})`);
    return undefined;
  }
}

const fmt = (xs, key) => `${median(xs.map((x) => x[key])).toFixed(1)} ms`;

async function main() {
  if (process.getuid?.() !== 0) {
    console.log('bench:diag needs root (a network namespace); skipped');
    return;
  }
  execFileSync('ip', ['netns', 'add', netns]);
  execFileSync('ip', ['-n', netns, 'link', 'set', 'lo', 'up']);
  // 10,001 sockets need that many descriptors: the soft limit is raised as far as the hard one allows
  holder = spawn('ip', ['netns', 'exec', netns, 'sh', '-c', `ulimit -n $(ulimit -Hn); exec "${process.execPath}" -e "$0"`, HOLDER], { stdio: ['pipe', 'pipe', 'inherit'] });
  await new Promise((ok, fail) => {
    holder.stdout.on('data', (d) => String(d).includes('ready') && ok());
    holder.on('exit', (code) => fail(new Error(`holder exited (${code})`)));
  });
  const sockets = listSocketsSync({ netns, protocol: 'tcp', family: 'inet' }).length;
  console.log(`${sockets} TCP sockets in ${netns}; load average ${loadavg().map((x) => x.toFixed(2)).join(' ')} (${(await import('node:os')).cpus().length} CPUs)`);

  const bundled = await bundleCli();
  const ss = [], mine = [], mineBundled = [], baseline = [], nodeStart = [], api = [];
  const d = openSocketDiag({ netns });
  d.listSocketsSync({ family: 'inet' }); // warm-up
  for (let i = 0; i < ROUNDS; i++) {
    const a = timed('ss', ['-N', netns, '-tan']);
    const b = timed(process.execPath, [CLI, 'ss', '-N', netns, '-tan']);
    if (a.lines !== b.lines) throw new Error(`ss printed ${a.lines} lines, nlkit ss ${b.lines}`);
    ss.push(a);
    mine.push(b);
    if (bundled) {
      const c = timed(process.execPath, [bundled, 'ss', '-N', netns, '-tan']);
      if (c.lines !== a.lines) throw new Error(`ss printed ${a.lines} lines, bundled nlkit ss ${c.lines}`);
      mineBundled.push(c);
    }
    if (BASELINE) baseline.push(timed(process.execPath, [BASELINE, 'ss', '-N', netns, '-tan']));
    nodeStart.push(timed(process.execPath, ['-e', '0']));
    const t0 = process.hrtime.bigint();
    const n = d.listSocketsSync({ family: 'inet' }).length;
    api.push(Number(process.hrtime.bigint() - t0) / 1e6);
    if (n !== sockets) throw new Error(`listed ${n}, expected ${sockets}`);
  }
  d.close();
  const ratio = (xs, key) => (median(xs.map((x) => x[key])) / median(ss.map((x) => x[key]))).toFixed(2);
  const row = (label, xs) => console.log(`${label.padEnd(34)} wall ${fmt(xs, 'ms').padStart(9)} (${ratio(xs, 'ms')}x ss)   cpu ${fmt(xs, 'cpuMs').padStart(9)} (${ratio(xs, 'cpuMs')}x ss)`);
  row('ss -tan', ss);
  row('nlkit ss -tan (tsc modules)', mine);
  if (bundled) row('nlkit ss -tan (bundled)', mineBundled);
  if (BASELINE) row('baseline nlkit ss -tan', baseline);
  row('node -e 0', nodeStart);
  console.log(`listSocketsSync (in process)       wall ${median(api).toFixed(1)} ms (${(median(api) / median(ss.map((x) => x.ms))).toFixed(2)}x ss's whole process)`);
  console.log(`load average after ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  const shipped = bundled ? mineBundled : mine;
  const ssMs = median(ss.map((x) => x.ms));
  writeResults('diag', {
    sockets, rounds: ROUNDS,
    summary: [
      summaryRow(`nlkit ss -tan, ${sockets} TCP sockets, whole process / ss -tan`, median(shipped.map((x) => x.ms)) / ssMs, null),
      summaryRow(`listSocketsSync, ${sockets} TCP sockets, in process / ss -tan whole process`, median(api) / ssMs, null),
    ],
  });
}

main().then(() => { holder?.stdin.end(); cleanup(); }, (e) => { console.error(e); cleanup(); process.exitCode = 1; });
