// `npm run bench`: every benchmark group in turn, each in its own process, then one
// summary table. A group that fails is reported and the others still run.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { load } from './report.js';
import { GROUPS, printSummary } from './summary.js';

const here = dirname(fileURLToPath(import.meta.url));
/** group -> script (the group names are the keys of bench/results.json). */
const SCRIPTS = { genl: 'run.js', routes: 'routes.js', bulk: 'bulk.js', events: 'events.js', rss: 'rss.js', import: 'import.js', domain: 'domain.js', cli: 'cli-startup.js', cliRoute: 'cli-route.js', diag: 'diag.js' };

const started = Date.now();
console.log(`nlkit benchmarks, ${new Date(started).toISOString()}, ${load()}`);
const failed = new Map();
for (const g of GROUPS) {
  const r = spawnSync(process.execPath, [join(here, SCRIPTS[g])], { stdio: 'inherit' });
  if (r.status !== 0) failed.set(g, `exit ${r.status ?? r.signal}`);
}
printSummary(started, failed);
console.log(`\n(${((Date.now() - started) / 1000).toFixed(0)} s, ${load()})`);
process.exitCode = failed.size ? 1 : 0;
