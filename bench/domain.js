// nlkit/route's domain API against C and iproute2 (issue 8's figures):
//   - dump and decode 100,000 IPv4 routes into Route objects: vs C dump+parse
//     (bench/c/route_decode.c) and vs `ip -j route show` (whole process, output discarded);
//   - add 10,000 routes in one routes.add([...]) call vs `ip -batch`;
//   - peak RSS streaming 1,000,000 routes through routes.stream();
//   - create 1,000 veth pairs with an address each, then delete them, vs `ip -batch`.
//
//   npm run bench:domain      (builds dist/ first; needs root)
//   node bench/domain.js list add   only these cases (list, add, rss, veth), results.json untouched
//
// Each case runs in fresh `nlkt-<random>` namespaces, deleted afterwards whatever happens;
// cases are interleaved ROUNDS times (the add ADD_ROUNDS) and medians kept.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildBaseline } from './c-baseline.js';
import { ipn, rootOrSkip, runJson, withNetns } from './netns.js';
import { ipBatchLine } from './route-payload.js';
import { fmt, load, median, summaryRow, table, writeResults } from './report.js';

const here = dirname(fileURLToPath(import.meta.url));
const WORKLOAD = join(here, 'domain-workload.js');
const ROUNDS = 3;
/** A cold add varies most from run to run (V8 compiles on the other CPU while the kernel works there): more runs for its median. */
const ADD_ROUNDS = 5;
const LIST_ROUTES = 100_000;
const LIST_INNER = 3;
const ADD_ROUTES = 10_000;
const RSS_ROUTES = 1_000_000;
const PAIRS = 1000;

const node = (...args) => [process.execPath, WORKLOAD, ...args];
/**
 * The workloads' environment: this one without NODE_EXTRA_CA_CERTS, which makes node read
 * and parse a CA bundle at start-up (~60 ms measured here, where the machine sets it): a
 * whole-process time against `ip` is nlkit's, not the TLS set-up of a process that uses no TLS.
 */
const childEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'NODE_EXTRA_CA_CERTS'));
const runNode = (...args) => runJson(node(...args), { env: childEnv });

/** 100k /32 routes via a gateway with a source and metric, as bench/routes.js has them. */
function fillListRoutes(ns) {
  ipn(ns, 'link', 'add', 'veth0', 'type', 'veth', 'peer', 'name', 'veth1');
  ipn(ns, 'link', 'set', 'veth0', 'up');
  ipn(ns, 'link', 'set', 'veth1', 'up');
  ipn(ns, 'addr', 'add', '192.0.2.1/24', 'dev', 'veth0');
  const lines = [];
  for (let i = 0; i < LIST_ROUTES; i++)
    lines.push(`route add 10.${i >> 16}.${(i >> 8) & 255}.${i & 255}/32 via 192.0.2.2 dev veth0 src 192.0.2.1 metric ${100 + (i & 7)}`);
  return lines.join('\n') + '\n';
}

async function listCase(bin, tmp) {
  return withNetns(async (ns) => {
    const file = join(tmp, 'list.batch');
    writeFileSync(file, fillListRoutes(ns));
    await runJson(['ip', '-n', ns, '-batch', file]);
    const samples = { nlkit: [], nlkitNoReadAhead: [], nlkitProcess: [], c: [], ip: [] };
    for (let r = 1; r <= ROUNDS; r++) {
      process.stderr.write(`domain list: round ${r}/${ROUNDS}...\n`);
      const n = await runNode('list', ns, String(LIST_INNER));
      if (n.json.routes < LIST_ROUTES) throw new Error(`routes.list: ${n.json.routes} routes, ${LIST_ROUTES} added`);
      samples.nlkit.push(n.json.ns_per_route);
      samples.nlkitNoReadAhead.push((await runNode('list', ns, String(LIST_INNER), 'no-readahead')).json.ns_per_route);
      samples.nlkitProcess.push((await runNode('once', ns)).ms);
      samples.c.push((await runJson(['ip', 'netns', 'exec', ns, bin, 'dump', String(LIST_INNER)])).json.ns_per_route);
      samples.ip.push((await runJson(['sh', '-c', `ip -n ${ns} -j route show >/dev/null`])).ms);
    }
    return Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, median(v)]));
  });
}

async function addCase(tmp) {
  const file = join(tmp, 'add.batch');
  writeFileSync(file, Array.from({ length: ADD_ROUTES }, (_, i) => ipBatchLine(i)).join('\n') + '\n');
  const nlkit = [], ip = [];
  for (let r = 1; r <= ADD_ROUNDS; r++) {
    process.stderr.write(`domain bulk add: round ${r}/${ADD_ROUNDS}...\n`);
    await withNetns(async (ns) => nlkit.push((await runNode('add', ns, String(ADD_ROUTES))).json.ns / 1e6));
    await withNetns(async (ns) => ip.push((await runJson(['ip', '-n', ns, '-batch', file])).ms));
  }
  return { nlkit: median(nlkit), ip: median(ip) };
}

async function rssCase(rtnlBin) {
  return withNetns(async (ns) => {
    process.stderr.write(`domain RSS: adding ${RSS_ROUTES} routes...\n`);
    await runJson(['ip', 'netns', 'exec', ns, rtnlBin, 'add-batch-last', String(RSS_ROUTES)]);
    const mb = [];
    for (let r = 1; r <= ROUNDS; r++) {
      const { json } = await runNode('stream', ns);
      if (json.routes < RSS_ROUTES) throw new Error(`routes.stream: ${json.routes} routes, ${RSS_ROUTES} added`);
      mb.push(json.maxRSS_kb / 1024);
    }
    return median(mb);
  });
}

/** The links module ships on its own branch: until it is in dist/, the veth case says so. */
const hasLinks = () => existsSync(join(here, '..', 'dist', 'src', 'route', 'links.js'));

async function vethCase(tmp) {
  if (!hasLinks()) return { skipped: 'no links module' };
  const create = [], del = [];
  for (let i = 0; i < PAIRS; i++) create.push(`link add va${i} type veth peer name vb${i}`, `addr add 10.${(i >> 8) & 255}.${i & 255}.1/24 dev va${i}`);
  const createFile = join(tmp, 'veth.batch');
  const deleteFile = join(tmp, 'veth-del.batch');
  writeFileSync(createFile, create.join('\n') + '\n');
  writeFileSync(deleteFile, Array.from({ length: PAIRS }, (_, i) => `link del va${i}`).join('\n') + '\n');
  const nlkit = [], ip = [];
  for (let r = 1; r <= ROUNDS; r++) {
    process.stderr.write(`domain veth pairs: round ${r}/${ROUNDS}...\n`);
    await withNetns(async (ns) => {
      const { json } = await runNode('veth', ns, String(PAIRS));
      nlkit.push((json.create_ns + json.delete_ns) / 1e6);
    });
    await withNetns(async (ns) => {
      const a = (await runJson(['ip', '-n', ns, '-batch', createFile])).ms;
      const b = (await runJson(['ip', '-n', ns, '-batch', deleteFile])).ms;
      ip.push(a + b);
    });
  }
  return { nlkit: median(nlkit), ip: median(ip) };
}

const CASES = ['list', 'add', 'rss', 'veth'];

async function main() {
  if (!rootOrSkip('domain')) return;
  const only = process.argv.slice(2);
  for (const c of only) if (!CASES.includes(c)) throw new Error(`unknown case ${c} (there are: ${CASES.join(', ')})`);
  const runs = (c) => only.length === 0 || only.includes(c);
  const decodeBin = await buildBaseline('route_decode');
  const rtnlBin = await buildBaseline('rtnl_bench');
  const tmp = mkdtempSync(join(tmpdir(), 'nlkit-domain-'));
  const loadBefore = load();
  try {
    const list = runs('list') ? await listCase(decodeBin, tmp) : undefined;
    const add = runs('add') ? await addCase(tmp) : undefined;
    const rss = runs('rss') ? await rssCase(rtnlBin) : undefined;
    const veth = runs('veth') ? await vethCase(tmp) : undefined;
    const listMs = (nsPer) => (nsPer * LIST_ROUTES) / 1e6;
    const rows = [];
    if (list) rows.push(
      [`routes.list(): ${LIST_ROUTES} routes into Route objects vs C dump+parse`, `${fmt(listMs(list.nlkit), 1)} ms`, `${fmt(listMs(list.c), 1)} ms`, `${fmt(list.nlkit / list.c, 2)}x`],
      ['  the same without read-ahead (readAhead: false) vs C', `${fmt(listMs(list.nlkitNoReadAhead), 1)} ms`, `${fmt(listMs(list.c), 1)} ms`, `${fmt(list.nlkitNoReadAhead / list.c, 2)}x`],
      ['  one list, whole node process vs `ip -j route show` (output discarded)', `${fmt(list.nlkitProcess, 0)} ms`, `${fmt(list.ip, 0)} ms`, `${fmt(list.nlkitProcess / list.ip, 2)}x`]);
    if (add) rows.push([`routes.add([${ADD_ROUTES}]) vs ip -batch`, `${fmt(add.nlkit, 1)} ms`, `${fmt(add.ip, 1)} ms`, `${fmt(add.nlkit / add.ip, 2)}x`]);
    if (rss !== undefined) rows.push([`peak RSS, routes.stream() of ${RSS_ROUTES} routes`, `${fmt(rss, 1)} MB`, '-', '-']);
    if (veth) rows.push(veth.skipped
      ? [`${PAIRS} veth pairs + addresses, create and delete, vs ip -batch`, `skipped: ${veth.skipped}`, '-', '-']
      : [`${PAIRS} veth pairs + addresses, create and delete, vs ip -batch`, `${fmt(veth.nlkit, 0)} ms`, `${fmt(veth.ip, 0)} ms`, `${fmt(veth.nlkit / veth.ip, 2)}x`]);
    console.log(`\nnlkit/route domain API, median of ${ROUNDS} runs (the add of ${ADD_ROUNDS}); ${loadBefore} before, ${load()} after\n`);
    console.log(table(['case', 'nlkit', 'baseline', 'ratio'], 'lrrr', rows));
    if (only.length) return; // a partial run leaves the recorded figures alone
    writeResults('domain', {
      rounds: ROUNDS, add_rounds: ADD_ROUNDS, list, add, rss_mb: rss, veth,
      summary: [
        summaryRow('routes.list() 100k routes / C dump+parse', list.nlkit / list.c, 2),
        summaryRow('routes.list() 100k routes, whole process / ip -j route show', list.nlkitProcess / list.ip, 1),
        summaryRow('routes.add() 10k routes / ip -batch', add.nlkit / add.ip, 0.5),
        summaryRow('peak RSS, routes.stream() 1M routes', rss, 100, { unit: ' MB' }),
        veth.skipped
          ? summaryRow('1000 veth pairs + addresses / ip -batch', null, null, { note: `skipped: ${veth.skipped}` })
          : summaryRow('1000 veth pairs + addresses / ip -batch', veth.nlkit / veth.ip, null),
      ],
    });
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

await main();
