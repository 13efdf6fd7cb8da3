// nlkit ss vs iproute2's ss: listing 10,000 TCP sockets, whole process each (start-up, dump,
// formatting, output to /dev/null), and nlkit's listSocketsSync alone, in process.
//
//   npm run bench:diag     (builds dist/ first; or: node bench/diag.js after a build)
//
// Needs root: the sockets live in a throwaway namespace `nlkt-bench-<random>` held by a child
// node (5,000 connected pairs on 127.0.0.1 and a listener), deleted at the end whatever happens.
// Each timing is the median of ROUNDS runs, interleaved; both tools must print the same lines.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { listSocketsSync, openSocketDiag } from '../dist/src/diag/index.js';

const PAIRS = 5_000;
const ROUNDS = 7;
const CLI = fileURLToPath(new URL('../dist/src/cli/main.js', import.meta.url));
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
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 << 20 });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr}`);
  return { ms, lines: r.stdout.trim().split('\n').length };
}

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

  const ss = [], mine = [], api = [];
  const d = openSocketDiag({ netns });
  d.listSocketsSync({ family: 'inet' }); // warm-up
  for (let i = 0; i < ROUNDS; i++) {
    const a = timed('ss', ['-N', netns, '-tan']);
    const b = timed(process.execPath, [CLI, 'ss', '-N', netns, '-tan']);
    if (a.lines !== b.lines) throw new Error(`ss printed ${a.lines} lines, nlkit ss ${b.lines}`);
    ss.push(a.ms);
    mine.push(b.ms);
    const t0 = process.hrtime.bigint();
    const n = d.listSocketsSync({ family: 'inet' }).length;
    api.push(Number(process.hrtime.bigint() - t0) / 1e6);
    if (n !== sockets) throw new Error(`listed ${n}, expected ${sockets}`);
  }
  d.close();
  const nodeStart = median(Array.from({ length: 3 }, () => timed(process.execPath, ['-e', '0']).ms));
  const r = { sockets, ssMs: median(ss), nlkitSsMs: median(mine), listSocketsSyncMs: median(api), nodeStartMs: nodeStart };
  console.log(`ss -tan (whole process)          ${r.ssMs.toFixed(1)} ms`);
  console.log(`nlkit ss -tan (whole process)    ${r.nlkitSsMs.toFixed(1)} ms  (${(r.nlkitSsMs / r.ssMs).toFixed(2)}x ss; node -e 0 alone: ${nodeStart.toFixed(1)} ms)`);
  console.log(`listSocketsSync (in process)     ${r.listSocketsSyncMs.toFixed(1)} ms  (${(r.listSocketsSyncMs / r.ssMs).toFixed(2)}x ss's whole process)`);
  console.log(`load average after ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
}

main().then(() => { holder?.stdin.end(); cleanup(); }, (e) => { console.error(e); cleanup(); process.exitCode = 1; });
