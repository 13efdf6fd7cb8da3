// The table that ends `npm run bench`: every group's cases with their ratio (or figure),
// target, and whether it was met, from bench/results.json. Standalone, it prints the
// latest figures of every group: `node bench/summary.js`.
import { pathToFileURL } from 'node:url';
import { fmt, readResults, summaryRow, table } from './report.js';

/** bench/routes.js records timings, not targets: the target is generic <= 1.3x hand-written. */
function routesSummary(routes) {
  const ns = Object.fromEntries((routes.timings ?? []).map((t) => [t.workload, t.nlkit_ns]));
  return [['decode', 'decode-only'], ['dump', 'dump+decode']].map(([k, label]) => {
    const g = ns[`generic-${k}`];
    const h = ns[`hand-${k}`];
    return summaryRow(`100k-route dump, ${label}: generic codec / hand-written`, g && h ? g / h : null, 1.3);
  });
}

/** Groups in the order `npm run bench` runs them. */
export const GROUPS = ['genl', 'routes', 'bulk', 'events', 'rss', 'import', 'domain', 'cli', 'cliRoute', 'diag'];

/** Prints the summary of the groups recorded at or after `since` (ms since the epoch). */
export function printSummary(since = 0, failed = new Map()) {
  const all = readResults();
  const rows = [];
  for (const g of GROUPS) {
    const r = all[g];
    if (failed.has(g)) {
      rows.push([g, 'FAILED', '-', '-', failed.get(g)]);
      continue;
    }
    if (!r || Date.parse(r.date) < since) {
      rows.push([g, 'not run', '-', '-', '']);
      continue;
    }
    const load = Array.isArray(r.load) ? `load ${r.load.map((x) => x.toFixed(2)).join(' ')}` : '';
    if (typeof r.skipped === 'string') rows.push([g, 'skipped', '-', '-', r.skipped]);
    for (const s of g === 'routes' ? routesSummary(r) : r.summary ?? []) {
      const met = s.met === null ? 'n/a' : s.met ? 'met' : 'NOT met';
      rows.push([s.case, s.value === null ? '-' : `${fmt(s.value, 2)}${s.unit}`, s.target === null ? '-' : `<= ${s.target}${s.unit}`, met, [s.note, load].filter(Boolean).join('; ')]);
    }
  }
  console.log('\nsummary (ratios against the C baseline measured in the same run unless a unit says otherwise)\n');
  console.log(table(['case', 'value', 'target', 'result', 'note'], 'lrrll', rows));
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) printSummary();
