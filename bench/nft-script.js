// `nlkit nft -f` against `nft -f` on the same script: a table with a set of tuples, named
// counters and RULES rules (tuple lookups, fib, dynset, port matches, counters by name),
// applied from scratch (`flush ruleset` first) in a throwaway namespace; each a fresh process,
// interleaved, median of RUNS, wall and CPU time. Beside them the same commands through the
// API in this process (one transaction: the cost without process start-up). Both results are
// checked to list the same with `nft -j list ruleset` first.
//
//   npm run build && node bench/nft-script.js      (needs root and nft; RULES=2000 RUNS=7)
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { withNetns } from './netns.js';
import { fmt, interleavedRuns, load, median, table } from './report.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = join(root, JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).bin.nlkit);
const RULES = Number(process.env.RULES ?? 2000);
const RUNS = Number(process.env.RUNS ?? 7);
// another checkout (built) whose nlkit joins the same interleaved runs
const BEFORE = process.env.BEFORE;

function script(n) {
  const lines = ['flush ruleset', 'table inet bench {'];
  for (let i = 0; i < 16; i++) lines.push(`  counter c${i} { packets 0 bytes 0 }`);
  lines.push('  set pairs { type ipv4_addr . inet_service; elements = { 10.0.0.1 . 22, 10.0.0.2 . 443 } }');
  lines.push('  set seen { type ipv4_addr; flags dynamic, timeout; timeout 1m; }');
  lines.push('  chain in {', '    type filter hook input priority filter; policy accept;');
  for (let i = 0; i < n; i++) {
    const k = i % 4;
    if (k === 0) lines.push(`    ip saddr . tcp dport @pairs counter name "c${i % 16}" accept`);
    else if (k === 1) lines.push(`    tcp dport ${1024 + i} add @seen { ip saddr } drop`);
    else if (k === 2) lines.push(`    ip saddr 10.${(i >> 8) & 255}.${i & 255}.0/24 udp dport { 53, ${2000 + i} } counter accept`);
    else lines.push('    fib saddr . iif oif missing drop');
  }
  lines.push('  }', '}');
  return lines.join('\n') + '\n';
}

const nftJson = (ns) => execFileSync('ip', ['netns', 'exec', ns, 'nft', '-j', 'list', 'ruleset'], { encoding: 'utf8', maxBuffer: 1 << 28 });
const sansHandles = (text) => JSON.stringify(JSON.parse(text), (k, v) => (k === 'handle' ? undefined : v));

async function main() {
  if (process.getuid?.() !== 0) return void console.log('bench nft-script needs root (a network namespace); skipped');
  try {
    execFileSync('nft', ['--version'], { stdio: 'ignore' });
  } catch {
    return void console.log('bench nft-script needs nft; skipped');
  }
  const dir = mkdtempSync(join(tmpdir(), 'nlkt-nft-bench-'));
  try {
    const file = join(dir, 'bench.nft');
    writeFileSync(file, script(RULES));
    await withNetns(async (ns) => {
      execFileSync('ip', ['netns', 'exec', ns, 'nft', '-f', file]);
      const theirs = sansHandles(nftJson(ns));
      execFileSync(process.execPath, [bin, 'nft', '--netns', ns, '-f', file]);
      if (sansHandles(nftJson(ns)) !== theirs) throw new Error('nlkit nft -f and nft -f made different rulesets');

      const cases = [
        { name: `nft -f (${RULES} rules)`, argv: ['ip', 'netns', 'exec', ns, 'nft', '-f', file] },
        { name: `nlkit nft -f (${RULES} rules)`, argv: [process.execPath, bin, 'nft', '--netns', ns, '-f', file] },
      ];
      if (BEFORE) {
        const other = join(BEFORE, JSON.parse(readFileSync(join(BEFORE, 'package.json'), 'utf8')).bin.nlkit);
        cases.push({ name: `nlkit nft -f, ${BEFORE}`, argv: [process.execPath, other, 'nft', '--netns', ns, '-f', file] });
      }
      const r = interleavedRuns(cases, RUNS);

      // the same commands through the API, in this process: parse once, one transaction each run
      const { parseNftScript } = await import('../dist/src/cli/nft-script.js');
      const { openNft } = await import('../dist/src/netfilter/index.js');
      const cmds = parseNftScript(readFileSync(file, 'utf8'), file).map((c) => c.command);
      const h = openNft({ netns: ns });
      const api = [];
      try {
        for (let i = 0; i < RUNS + 1; i++) {
          const t0 = process.hrtime.bigint();
          await h.transaction(cmds, { echo: false });
          if (i > 0) api.push(Number(process.hrtime.bigint() - t0) / 1e6);
        }
      } finally {
        h.close();
      }
      const rows = cases.map((c, i) => [c.name, fmt(r.wall[i], 1), fmt(r.cpu[i], 1)]);
      rows.push([`openNft().transaction (${cmds.length} commands, in process)`, fmt(median(api), 1), '-']);
      console.log(table(['case', 'wall ms (median)', 'cpu ms (median)'], ['l', 'r', 'r'], rows));
      console.log(`nlkit/nft wall ${fmt(r.wall[1] / r.wall[0], 2)}x, cpu ${r.cpu[0] ? fmt(r.cpu[1] / r.cpu[0], 2) : '-'}x`);
      console.log(load());

    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
