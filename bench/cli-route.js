// Issue 9's listing benchmark: the whole process of `nlkit -j -n NS route show` against
// `ip -j -n NS route show` on a namespace with 100,000 routes (output to /dev/null), each a
// fresh process, interleaved, median of RUNS; beside them `node -e 0` and the same nlkit
// command on a table of 5 routes (its start-up). Wall time and CPU time (user + system,
// through /usr/bin/time): on a loaded machine the wall time swings with the scheduler, the
// CPU time much less. Both outputs are checked to be the same bytes first.
//
//   npm run bench:cli-route      (builds dist/ first; needs root for the namespace)
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fmt, interleavedRuns, load, summaryRow, table, writeResults } from './report.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = join(root, JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).bin.nlkit);
const ROUTES = Number(process.env.ROUTES ?? 100_000);
const RUNS = Number(process.env.RUNS ?? 9);

const ip = (...args) => execFileSync('ip', args, { stdio: ['pipe', 'ignore', 'inherit'], input: '' });

const digest = (argv) => createHash('sha1').update(execFileSync(argv[0], argv.slice(1), { maxBuffer: 1 << 30 })).digest('hex');

function main() {
  if (process.getuid?.() !== 0) {
    console.log('bench:cli-route needs root (a network namespace); skipped');
    return;
  }
  const ns = `nlkt-${randomBytes(4).toString('hex')}`;
  ip('netns', 'add', ns);
  try {
    ip('-n', ns, 'link', 'set', 'lo', 'up');
    const lines = [];
    for (let i = 0; i < ROUTES; i++) lines.push(`route add 10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}/32 dev lo`);
    for (let i = 0; i < 5; i++) lines.push(`route add 192.168.${i}.0/24 dev lo table 100`);
    execFileSync('ip', ['-n', ns, '-batch', '-'], { input: `${lines.join('\n')}\n`, stdio: ['pipe', 'ignore', 'inherit'] });
    const cases = [
      { name: 'node -e 0', argv: [process.execPath, '-e', '0'] },
      { name: 'nlkit -j route show table 100 (5 routes: start-up)', argv: [process.execPath, bin, '-j', '-n', ns, 'route', 'show', 'table', '100'] },
      { name: `ip -j route show (${ROUTES} routes)`, argv: ['ip', '-j', '-n', ns, 'route', 'show'] },
      { name: `nlkit -j route show (${ROUTES} routes)`, argv: [process.execPath, bin, '-j', '-n', ns, 'route', 'show'] },
    ];
    const same = digest(cases[2].argv) === digest(cases[3].argv);
    if (!same) throw new Error('nlkit -j route show and ip -j route show print different bytes');
    const loadBefore = load();
    const { samples, wall, cpu } = interleavedRuns(cases, RUNS);
    console.log(`\nnlkit route show vs ip route show: whole process, median of ${RUNS} interleaved runs (node ${process.version}); outputs byte-identical`);
    console.log(`${loadBefore} before, ${load()} after\n`);
    console.log(table(['case', 'wall ms', 'cpu ms'], 'lrr', cases.map((c, i) => [c.name, fmt(wall[i], 1), cpu[i] === undefined ? '-' : fmt(cpu[i], 0)])));
    const ratioWall = wall[3] / wall[2];
    const ratioCpu = cpu[3] === undefined ? undefined : cpu[3] / cpu[2];
    console.log(`\nnlkit / ip: wall ${fmt(ratioWall, 2)}x, cpu ${ratioCpu === undefined ? '-' : `${fmt(ratioCpu, 2)}x`} (target: below 1)`);
    writeResults('cliRoute', {
      routes: ROUTES,
      runs: RUNS,
      cases: cases.map((c, i) => ({ case: c.name, wall_ms: wall[i], cpu_ms: cpu[i], samples: samples[i] })),
      summary: [summaryRow(`nlkit -j route show (${ROUTES} routes), wall time x ip's`, ratioWall, 1)],
    });
  } finally {
    ip('netns', 'del', ns);
  }
}

main();
