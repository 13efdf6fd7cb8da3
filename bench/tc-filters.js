// `nlkit tc [-j] filter show` against `tc [-j] filter show` on the same device: FILTERS u32
// filters (each matching a destination port, with a mirred redirect action) on one ingress
// qdisc of a veth in a throwaway namespace; each a fresh process, interleaved, median of RUNS,
// wall and CPU time, JSON and text. Beside them the same list through the API in this process
// (warm: the cost without process start-up). The outputs are checked to be tc's first.
//
//   npm run build && node bench/tc-filters.js      (needs root; FILTERS=2000 RUNS=7)
//
// BEFORE=/path/to/another/checkout (built) adds its nlkit to the same interleaved runs.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { withNetns } from './netns.js';
import { fmt, interleavedRuns, load, median, table } from './report.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = join(root, JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).bin.nlkit);
const FILTERS = Number(process.env.FILTERS ?? 2000);
const RUNS = Number(process.env.RUNS ?? 7);
const BEFORE = process.env.BEFORE;
const binOf = (dir) => join(dir, JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).bin.nlkit);

function batch(n) {
  const lines = ['qdisc add dev bench0 ingress'];
  for (let i = 0; i < n; i++) {
    lines.push(`filter add dev bench0 parent ffff: protocol ip prio ${1 + (i % 8)} u32 match ip dport ${1024 + i} 0xffff action mirred egress redirect dev bench1`);
  }
  return lines.join('\n') + '\n';
}

async function main() {
  if (process.getuid?.() !== 0) return void console.log('bench tc-filters needs root (a network namespace); skipped');
  const dir = mkdtempSync(join(tmpdir(), 'nlkt-tc-bench-'));
  try {
    const file = join(dir, 'filters.tc');
    writeFileSync(file, batch(FILTERS));
    await withNetns(async (ns) => {
      execFileSync('ip', ['-n', ns, 'link', 'add', 'bench0', 'type', 'veth', 'peer', 'name', 'bench1']);
      execFileSync('ip', ['-n', ns, 'link', 'set', 'bench0', 'up']);
      execFileSync('ip', ['-n', ns, 'link', 'set', 'bench1', 'up']);
      execFileSync('tc', ['-n', ns, '-batch', file]);
      const show = ['filter', 'show', 'dev', 'bench0', 'ingress'];
      const theirs = execFileSync('tc', ['-n', ns, '-j', ...show], { encoding: 'utf8', maxBuffer: 1 << 28 });
      const ours = execFileSync(process.execPath, [bin, 'tc', '-n', ns, '-j', ...show], { encoding: 'utf8', maxBuffer: 1 << 28 });
      if (ours.trim() !== theirs.trim()) throw new Error('nlkit tc -j filter show and tc -j filter show differ');
      const theirText = execFileSync('tc', ['-n', ns, ...show], { encoding: 'utf8', maxBuffer: 1 << 28 });
      const ourText = execFileSync(process.execPath, [bin, 'tc', '-n', ns, ...show], { encoding: 'utf8', maxBuffer: 1 << 28 });
      if (ourText !== theirText) throw new Error('nlkit tc filter show and tc filter show differ');

      const cases = [];
      for (const [form, opt] of [['-j ', ['-j']], ['', []]]) {
        cases.push({ name: `tc ${form}filter show (${FILTERS} u32+mirred)`, argv: ['tc', '-n', ns, ...opt, ...show] });
        cases.push({ name: `nlkit tc ${form}filter show`, argv: [process.execPath, bin, 'tc', '-n', ns, ...opt, ...show] });
        if (BEFORE) cases.push({ name: `nlkit tc ${form}filter show, ${BEFORE}`, argv: [process.execPath, binOf(BEFORE), 'tc', '-n', ns, ...opt, ...show] });
      }
      const r = interleavedRuns(cases, RUNS);

      // the same list through the API in this process: the decode cost alone, warm
      const { openTc } = await import('../dist/src/tc/index.js');
      const tc = openTc({ netns: ns });
      const api = [];
      let count = 0;
      try {
        for (let i = 0; i < RUNS + 2; i++) {
          const t0 = process.hrtime.bigint();
          const list = await tc.filters.list({ dev: 'bench0', parent: 'ingress' });
          if (i > 1) api.push(Number(process.hrtime.bigint() - t0) / 1e6);
          count = list.length;
        }
      } finally {
        tc.close();
      }
      const rows = cases.map((c, i) => [c.name, fmt(r.wall[i], 1), fmt(r.cpu[i], 1)]);
      rows.push([`tc.filters.list (${count} items, in process, warm)`, fmt(median(api), 1), '-']);
      // printing alone, warm: the same list through each build's tc printer, into a sink that
      // reads the text as a write to stdout would (a build from before the Printer has field lists)
      const list = await (async () => {
        const h = openTc({ netns: ns });
        try {
          return await h.filters.list({ dev: 'bench0', parent: 'ingress' });
        } finally {
          h.close();
        }
      })();
      const shown = { stats: false, parentNamed: true, devNamed: true };
      for (const [label, dir] of [['', root], ...(BEFORE ? [[`, ${BEFORE}`, BEFORE]] : [])]) {
        const print = await import(join(dir, 'dist/src/cli/tc-print.js'));
        const filter = await import(join(dir, 'dist/src/cli/tc-filter-print.js'));
        const printAll = print.printList
          ? (env) => print.printList(env, list, (p, f) => filter.printFilter(p, f, shown))
          : (env) => print.printRecords(env, list, (f) => filter.filterFields(f, shown));
        for (const json of [true, false]) {
          const ms = [];
          for (let i = 0; i < 50; i++) {
            const t0 = process.hrtime.bigint();
            printAll({ json, pretty: false, out: (t) => void Buffer.byteLength(t) });
            if (i >= 10) ms.push(Number(process.hrtime.bigint() - t0) / 1e6);
          }
          rows.push([`printing ${list.length} filters${json ? ' -j' : ''} (median of 40, warm)${label}`, fmt(median(ms), 2), '-']);
        }
      }
      // the whole command in this process, warm: list and printing, without start-up
      for (const [label, dir] of [['', root], ...(BEFORE ? [[`, ${BEFORE}`, BEFORE]] : [])]) {
        const { runTc } = await import(join(dir, 'dist/src/cli/tc.js'));
        for (const json of [true, false]) {
          const flags = { netns: ns, json, pretty: false, details: 0, stats: 0, oneline: false, brief: false, force: false };
          const ms = [];
          for (let i = 0; i < RUNS + 2; i++) {
            let bytes = 0;
            const t0 = process.hrtime.bigint();
            await runTc(show, flags, { out: (t) => void (bytes += t.length), err: (t) => process.stderr.write(t) });
            if (i > 1) ms.push(Number(process.hrtime.bigint() - t0) / 1e6);
          }
          rows.push([`runTc ${json ? '-j ' : ''}filter show (in process, warm)${label}`, fmt(median(ms), 1), '-']);
        }
      }
      console.log(table(['case', 'wall ms (median)', 'cpu ms (median)'], ['l', 'r', 'r'], rows));
      // tc's CPU time is below /usr/bin/time's 10 ms resolution: no CPU ratio then
      const per = BEFORE ? 3 : 2;
      for (const [form, at] of [['-j', 0], ['text', per]]) {
        console.log(`${form}: nlkit/tc wall ${fmt(r.wall[at + 1] / r.wall[at], 1)}x, cpu ${r.cpu[at] ? fmt(r.cpu[at + 1] / r.cpu[at], 1) : '-'}x`);
      }
      console.log(load());
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
