// Start-up of the nlkit command: the whole process of `nlkit -j -n NS address show` (the
// package's bin, bundled) in a namespace with 10 links, against `node -e 0` and against
// `ip -j -n NS address show`; each a fresh process, interleaved, median of RUNS. Also the
// CPU time (user + system) of each, through /usr/bin/time where it is installed: on a loaded
// machine the wall time swings with the scheduler, the CPU time much less.
//
//   npm run bench:cli      (builds dist/ first; needs root for the namespace)
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fmt, interleavedRuns, load, summaryRow, table, writeResults } from './report.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = join(root, JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).bin.nlkit);
const RUNS = 21;
const TARGET = 2;

function ip(...args) {
  execFileSync('ip', args, { stdio: 'ignore' });
}

function main() {
  if (process.getuid?.() !== 0) {
    console.log('bench:cli needs root (a network namespace); skipped');
    return;
  }
  const ns = `nlkt-${randomBytes(4).toString('hex')}`;
  ip('netns', 'add', ns);
  try {
    ip('-n', ns, 'link', 'set', 'lo', 'up');
    // lo + 4 veth pairs + a tun device: 10 links, each end with an address
    for (let i = 0; i < 4; i++) {
      ip('-n', ns, 'link', 'add', `a${i}`, 'type', 'veth', 'peer', 'name', `b${i}`);
      ip('-n', ns, 'addr', 'add', `10.${i}.0.1/24`, 'dev', `a${i}`);
      ip('-n', ns, 'addr', 'add', `10.${i}.0.2/24`, 'dev', `b${i}`);
    }
    ip('-n', ns, 'tuntap', 'add', 'mode', 'tun', 'name', 'tun0');
    const cases = [
      { name: 'node -e 0', argv: [process.execPath, '-e', '0'] },
      { name: `nlkit -j -n NS address show`, argv: [process.execPath, bin, '-j', '-n', ns, 'address', 'show'] },
      { name: `ip -j -n NS address show`, argv: ['ip', '-j', '-n', ns, 'address', 'show'] },
    ];
    const loadBefore = load();
    const { samples, wall, cpu } = interleavedRuns(cases, RUNS);
    console.log(`\nnlkit start-up: whole process, median of ${RUNS} interleaved runs (node ${process.version}), 10 links`);
    console.log(`${loadBefore} before, ${load()} after\n`);
    console.log(table(['case', 'wall ms', 'x node', 'cpu ms', 'x node'], 'lrrrr', cases.map((c, i) => [
      c.name, fmt(wall[i], 1), fmt(wall[i] / wall[0], 2), cpu[i] === undefined ? '-' : fmt(cpu[i], 0), cpu[i] === undefined ? '-' : fmt(cpu[i] / cpu[0], 2),
    ])));
    writeResults('cli', {
      runs: RUNS,
      cases: cases.map((c, i) => ({ case: c.name, wall_ms: wall[i], cpu_ms: cpu[i], samples: samples[i] })),
      summary: [summaryRow('nlkit -j address show (10 links), wall time x node -e 0', wall[1] / wall[0], TARGET)],
    });
  } finally {
    ip('netns', 'del', ns);
  }
}

main();
