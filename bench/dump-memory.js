// Peak memory while iterating a large route dump without keeping the items.
//
//   node bench/dump-memory.js [routes=1000000] [distDir=dist]   (root; after npm run build)
//
// The routes live in a throwaway namespace `nlkt-bench-<random>`, deleted at the end
// whatever happens. Each case runs in a fresh process (bench/dump-memory-child.js) that
// iterates conn.dump() with `for await` and reports its peak RSS (maxRSS) and time;
// `baseline` only loads the modules and opens the socket. distDir lets the same cases run
// against another build (e.g. an older one) for a before/after figure.
import { execFileSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { throwawayNetns } from './throwaway-netns.js';

const here = dirname(fileURLToPath(import.meta.url));
const ROUTES = Number(process.argv[2] ?? 1_000_000);
const DIST = resolve(process.argv[3] ?? join(here, '..', 'dist'));
const netns = throwawayNetns();
const lines = [];
for (let i = 0; i < ROUTES; i++) lines.push(`route add 10.${i >> 16}.${(i >> 8) & 255}.${i & 255}/32 dev lo`);
process.stderr.write(`adding ${ROUTES} routes in ${netns}...\n`);
execFileSync('ip', ['-n', netns, '-batch', '-'], { input: lines.join('\n') + '\n', maxBuffer: 1 << 20 });

const rows = [];
for (const mode of ['baseline', 'hand', 'generic']) {
  const out = execFileSync(process.execPath, [join(here, 'dump-memory-child.js'), DIST, netns, mode], { encoding: 'utf8' });
  rows.push(JSON.parse(out));
}
console.log(`iterating a ${ROUTES}-route dump without keeping items (${DIST}), node ${process.version}`);
for (const r of rows) console.log(`${r.mode.padEnd(9)} ${String(r.items).padStart(8)} items  peak RSS ${String(r.maxRssMB).padStart(5)} MB  ${r.ms} ms`);
