// nlkit vs a raw-socket C baseline: decoding an IPv4 route dump of 100,000 routes.
//
//   npm run bench:routes     (builds dist/ first; or: node bench/routes.js after a build)
//
// Needs root: the routes live in a throwaway namespace `nlkt-bench-<random>`, deleted at
// the end whatever happens (error, SIGINT, SIGTERM). The dump is captured once with
// nlkit's Connection into a file, for the decode-only cases.
//
// Cases, each compared with the C mode doing the same work (bench/c/route_decode.c):
//   decode-only   the captured messages decoded from memory  vs  C decode
//   dump+decode   RTM_GETROUTE dump, decoded as it arrives   vs  C dump (+ parse)
// for a hand-written JS decoder (bench/route-decoder.js) and nlkit's generic codec (the
// plug-in point, genericDecoder() in bench/route-workloads.js; skipped until wired).
//
// Every timing runs in a fresh process, ROUNDS times, interleaved, and the median is
// kept. Every run reports a digest of what it decoded, and all of them must agree.
// Results are printed and written to bench/results.json under "routes"; the other keys
// of that file are kept.
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { constants, release, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildBaseline } from './c-baseline.js';
import { decodeRoute, digest } from './route-decoder.js';
import { captureRouteDump, genericDecoder, RTM_NEWROUTE } from './route-workloads.js';
import { fmt, median, table } from './report.js';

const here = dirname(fileURLToPath(import.meta.url));
const WORKLOADS = join(here, 'route-workloads.js');
const RESULTS = join(here, 'results.json');

const ROUTES = 100_000;
const ROUNDS = 3;
/** Repetitions inside each process, after one untimed round: a few hundred ms per run. */
const INNER = { dump: 5, decode: 10 };
/** Every route: 10.a.b.c/32 via GATEWAY dev veth0 src LOCAL metric 100..107, table main. */
const LOCAL = '192.0.2.1';
const GATEWAY = '192.0.2.2';
const DEV = 'veth0';
const RT_TABLE_MAIN = 254;

const CASES = [
  { name: 'hand-written JS, decode-only', workload: 'hand-decode', c: 'decode' },
  { name: 'hand-written JS, dump+decode', workload: 'hand-dump', c: 'dump' },
  { name: 'generic codec, decode-only', workload: 'generic-decode', c: 'decode', generic: true },
  { name: 'generic codec, dump+decode', workload: 'generic-dump', c: 'dump', generic: true },
];
const C_MODES = ['dump', 'decode'];


// ------------------------------------------------------------------ cleanup

const netns = `nlkt-bench-${randomBytes(4).toString('hex')}`;
let netnsCreated = false;
let tmp;
let child;

/** Idempotent: runs from finally, from the signal handlers and on exit. */
function cleanup() {
  child?.kill('SIGKILL');
  if (netnsCreated) {
    netnsCreated = false;
    try {
      execFileSync('ip', ['netns', 'del', netns], { stdio: 'ignore' });
    } catch {
      process.stderr.write(`could not delete network namespace ${netns}: ip netns del ${netns}\n`);
    }
  }
  if (tmp) {
    rmSync(tmp, { recursive: true, force: true });
    tmp = undefined;
  }
}
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => {
    cleanup();
    process.exit(128 + constants.signals[sig]);
  });
}
process.on('exit', cleanup);

// ------------------------------------------------------------------ helpers

const ipn = (...args) => execFileSync('ip', ['-n', netns, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

/** Route i's destination and metric; the setup and the check both use it. */
const routeDst = (i) => `10.${i >> 16}.${(i >> 8) & 255}.${i & 255}`;
const routeMetric = (i) => 100 + (i & 7);

function setUpRoutes() {
  execFileSync('ip', ['netns', 'add', netns], { stdio: ['ignore', 'ignore', 'pipe'] });
  netnsCreated = true;
  ipn('link', 'set', 'lo', 'up');
  // a veth pair with both ends up has carrier: routes via a gateway on it are accepted
  ipn('link', 'add', DEV, 'type', 'veth', 'peer', 'name', 'veth1');
  ipn('link', 'set', DEV, 'up');
  ipn('link', 'set', 'veth1', 'up');
  ipn('addr', 'add', `${LOCAL}/24`, 'dev', DEV);
  const lines = [];
  for (let i = 0; i < ROUTES; i++) {
    lines.push(`route add ${routeDst(i)}/32 via ${GATEWAY} dev ${DEV} src ${LOCAL} metric ${routeMetric(i)}`);
  }
  execFileSync('ip', ['-n', netns, '-batch', '-'], { input: lines.join('\n') + '\n', stdio: ['pipe', 'ignore', 'pipe'] });
  return JSON.parse(ipn('-j', 'link', 'show', DEV))[0].ifindex;
}

/** Decodes the capture with the hand-written decoder and checks it against the setup. */
function checkCapture(capture, oif) {
  const routes = [];
  const m = { type: 0, flags: 0, seq: 0, portId: 0, sender: 0, group: 0, nsid: -1, buf: capture, start: 0, end: 0 };
  for (let pos = 0; pos < capture.length; pos += (capture.readUInt32LE(pos) + 3) & ~3) {
    m.type = capture.readUInt16LE(pos + 4);
    m.start = pos + 16;
    m.end = pos + capture.readUInt32LE(pos);
    if (m.type !== RTM_NEWROUTE) throw new Error(`capture: message type ${m.type}`);
    routes.push(decodeRoute(m));
  }
  const expected = new Map();
  for (let i = 0; i < ROUTES; i++) expected.set(routeDst(i), routeMetric(i));
  let found = 0;
  for (const r of routes) {
    if (r.tableId !== RT_TABLE_MAIN || r.dstLen !== 32 || !expected.has(r.dst)) continue;
    if (r.gateway !== GATEWAY || r.prefsrc !== LOCAL || r.oif !== oif || r.priority !== expected.get(r.dst)) {
      throw new Error(`decoded route differs from the one added: ${JSON.stringify(r)}`);
    }
    found++;
  }
  if (found !== ROUTES) throw new Error(`${found} of the ${ROUTES} routes added are in the dump`);
  return { routes: routes.length, digest: digest(routes) };
}

/** Runs argv in a child; resolves with its JSON line. Async, so a signal is handled at once. */
function runJson(argv) {
  return new Promise((resolve, reject) => {
    const c = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'inherit'] });
    child = c;
    let out = '';
    c.stdout.setEncoding('utf8').on('data', (d) => (out += d));
    c.on('error', reject);
    c.on('close', (code, signal) => {
      child = undefined;
      if (code !== 0) return reject(new Error(`${argv.join(' ')}: ${signal ?? `exit code ${code}`}`));
      try {
        resolve(JSON.parse(out));
      } catch {
        reject(new Error(`${argv.join(' ')}: not JSON: ${out}`));
      }
    });
  });
}

/** One timing; checks it decoded what the capture holds. */
async function measure(argv, want) {
  const r = await runJson(argv);
  if (r.routes !== want.routes) throw new Error(`${argv.join(' ')}: ${r.routes} routes, the capture has ${want.routes}`);
  if (r.digest !== null && r.digest !== want.digest) {
    throw new Error(`${argv.join(' ')}: digest ${r.digest}, the capture's is ${want.digest}: it decoded something else`);
  }
  return r;
}

// ------------------------------------------------------------------ main

async function main() {
  const started = Date.now();
  if (process.getuid?.() !== 0) throw new Error('needs root (network namespaces, routes)');
  const bin = await buildBaseline('route_decode');

  process.stderr.write(`adding ${ROUTES} routes in network namespace ${netns}...\n`);
  const oif = setUpRoutes();
  tmp = mkdtempSync(join(tmpdir(), 'nlkit-routes-'));
  const captureFile = join(tmp, 'route-dump.bin');
  const capture = captureRouteDump(netns);
  writeFileSync(captureFile, capture);
  const want = checkCapture(capture, oif);

  let genericNote = null;
  try {
    const decode = await genericDecoder();
    if (typeof decode !== 'function') throw new Error('genericDecoder() must return (rawMessage) => object');
  } catch (e) {
    genericNote = e instanceof Error ? e.message : String(e);
  }
  const cases = CASES.filter((c) => !c.generic || genericNote === null);

  const cArgv = {
    dump: ['ip', 'netns', 'exec', netns, bin, 'dump', String(INNER.dump)],
    decode: [bin, 'decode', captureFile, String(INNER.decode)],
  };
  const jsArgv = (c) => {
    const inner = INNER[c.c];
    return [process.execPath, WORKLOADS, c.workload, String(inner), c.c === 'dump' ? netns : captureFile];
  };

  // ---- timings: ROUNDS interleaved rounds, median per case
  const cSamples = { dump: [], decode: [] };
  const jsSamples = Object.fromEntries(cases.map((c) => [c.workload, []]));
  let datagrams = 0;
  for (let r = 1; r <= ROUNDS; r++) {
    process.stderr.write(`timing round ${r}/${ROUNDS}...\n`);
    for (const m of C_MODES) {
      const res = await measure(cArgv[m], want);
      cSamples[m].push(res.ns_per_route);
      if (m === 'dump') datagrams = res.datagrams;
    }
    for (const c of cases) jsSamples[c.workload].push((await measure(jsArgv(c), want)).ns_per_route);
  }
  const cNs = { dump: median(cSamples.dump), decode: median(cSamples.decode) };
  const timings = cases.map((c) => {
    const nlkit = median(jsSamples[c.workload]);
    return {
      case: c.name, workload: c.workload, c_mode: c.c, nlkit_ns: nlkit, c_ns: cNs[c.c],
      ratio: Math.round((nlkit / cNs[c.c]) * 100) / 100, samples: { nlkit: jsSamples[c.workload], c: cSamples[c.c] },
    };
  });

  // ---- report
  const dumpMs = (ns) => (ns * want.routes) / 1e6;
  console.log(`\nnlkit vs C: decoding an IPv4 route dump of ${want.routes} routes (${datagrams} datagrams), median of ${ROUNDS} runs`);
  console.log(`each run: ${INNER.dump} dumps or ${INNER.decode} decodes of the whole dump after one untimed; node ${process.version}, Linux ${release()}\n`);
  console.log(`C baseline: dump+parse ${fmt(cNs.dump, 1)} ns/route (${fmt(dumpMs(cNs.dump), 1)} ms per dump), ` +
    `decode-only ${fmt(cNs.decode, 1)} ns/route\n`);
  const rows = timings.map((t) => [t.case, fmt(t.nlkit_ns, 1), fmt(t.c_ns, 1), `${fmt(t.ratio, 2)}x`, fmt(dumpMs(t.nlkit_ns), 1)]);
  for (const c of CASES) if (!cases.includes(c)) rows.push([c.name, 'skipped', fmt(cNs[c.c], 1), '-', '-']);
  console.log(table(['case', 'ns/route', 'C ns/route', 'ratio vs C', 'ms/dump'], 'lrrrr', rows));
  if (genericNote !== null) console.log(`\ngeneric codec skipped: ${genericNote} (wire genericDecoder() in bench/route-workloads.js)`);

  const elapsed = (Date.now() - started) / 1000;
  console.log(`\n(${elapsed.toFixed(0)} s; results in ${RESULTS} under "routes")`);
  writeResults({
    date: new Date().toISOString(), node: process.version, kernel: release(), routes: want.routes, datagrams,
    rounds: ROUNDS, inner_rounds: INNER, c: { dump: { ns: cNs.dump, samples: cSamples.dump }, decode: { ns: cNs.decode, samples: cSamples.decode } },
    timings, skipped: genericNote === null ? [] : CASES.filter((c) => c.generic).map((c) => ({ case: c.name, reason: genericNote })),
  });
}

/** Read-modify-write: bench/run.js owns the other keys of the file. */
function writeResults(routes) {
  let all = {};
  try {
    all = JSON.parse(readFileSync(RESULTS, 'utf8'));
  } catch (e) {
    if (e.code !== 'ENOENT') throw new Error(`${RESULTS} is unreadable, not overwriting it: ${e.message}`);
  }
  all.routes = routes;
  writeFileSync(RESULTS, JSON.stringify(all, null, 2) + '\n');
}

try {
  await main();
} finally {
  cleanup();
}
