// Soak: "launch sandboxes all day and watch RAM". One process creates and destroys microVM
// sandboxes (examples/sandbox-net: namespace, veth, tap, bridge, addresses, route, and the
// NAT and rate-limit steps where built) one after another, and samples its RSS and open fds
// every 100. The targets: RSS slope <= 1 MB per 1,000 sandboxes after a warm-up,
// fds back to baseline, nothing left (namespaces, links, qdiscs, nft tables, conntrack
// entries). Then the same steps done by `ip`/`tc`/`nft` commands, per-sandbox rates compared.
//
//   npm run bench:soak [-- --count N] [--shell N] [--warmup N]     (needs root)
//   node --expose-gc bench/soak.js --count 500                      (after npm run build)
//
// Defaults: 2,000 sandboxes, 100 with commands, a warm-up of 200. Everything happens in a host
// namespace nlkt-soak-<random> made here (the sandboxes' namespaces are nlkt-soak-<random>-<i>),
// deleted at the end whatever happens (errors, SIGINT): the root namespace is not touched.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { createNetns, ipn, rootOrSkip } from './netns.js';
import { fmt, load, summaryRow, table, writeResults } from './report.js';

const { values } = parseArgs({
  options: { count: { type: 'string', default: '2000' }, shell: { type: 'string', default: '100' }, warmup: { type: 'string', default: '200' } },
});
const COUNT = Number(values.count);
const SHELL = Number(values.shell);
const WARMUP = Number(values.warmup);
const SAMPLE_EVERY = 100;
const TARGET_SLOPE_MB = 1;
for (const [k, v] of [['count', COUNT], ['shell', SHELL], ['warmup', WARMUP]])
  if (!Number.isInteger(v) || v < 0 || v > 1_000_000) throw new Error(`--${k} must be an integer 0..1000000, got ${values[k]}`);
if (COUNT < WARMUP + 2 * SAMPLE_EVERY) throw new Error(`--count must be at least --warmup + ${2 * SAMPLE_EVERY} for a slope, got ${COUNT}`);

const SUBNET = '10.123.0.0/29';
const [GATEWAY, SANDBOX_ADDR] = ['10.123.0.1/29', '10.123.0.2/29'];
const RATE = '100mbit';
const UID = 1000;

// a sandbox a crash of this process leaves: its namespace goes on exit (its host end goes with the host namespace)
const current = new Set();
process.on('exit', () => {
  for (const name of current) spawnSync('ip', ['netns', 'del', name], { stdio: 'ignore' });
});

const has = (tool) => spawnSync(tool, ['--version'], { stdio: 'ignore' }).status === 0;
const fds = () => readdirSync('/proc/self/fd').length;
// With --expose-gc (npm run bench:soak passes it) a full collection runs before each sample,
// so the slope measures what the process keeps, not when V8 happens to collect.
const collect = globalThis.gc ?? (() => {});
const memory = () => {
  collect();
  const m = process.memoryUsage();
  return { rss: m.rss / 2 ** 20, heap: m.heapUsed / 2 ** 20, external: m.external / 2 ** 20 };
};

/** Least-squares slope of ys over xs. */
function slope(xs, ys) {
  const n = xs.length;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let sxy = 0, sxx = 0;
  for (let i = 0; i < n; i++) {
    sxy += (xs[i] - mx) * (ys[i] - my);
    sxx += (xs[i] - mx) ** 2;
  }
  return sxy / sxx;
}

/** What is left in the host namespace and /run/netns after the loops: each entry a string naming it. */
function leftovers(host, prefix) {
  const left = [];
  for (const f of readdirSync('/run/netns')) if (f.startsWith(prefix)) left.push(`namespace ${f}`);
  for (const l of JSON.parse(ipn(host, '-j', 'link') || '[]')) if (l.ifname !== 'lo') left.push(`link ${l.ifname}`);
  const qdiscs = JSON.parse(execFileSync('tc', ['-n', host, '-j', 'qdisc', 'show'], { encoding: 'utf8' }) || '[]');
  for (const q of qdiscs) if (q.dev !== 'lo') left.push(`qdisc ${q.kind} on ${q.dev}`);
  if (has('nft')) {
    const out = JSON.parse(execFileSync('ip', ['netns', 'exec', host, 'nft', '-j', 'list', 'tables'], { encoding: 'utf8' }) || '{"nftables":[]}');
    for (const o of out.nftables) if (o.table) left.push(`nft table ${o.table.family} ${o.table.name}`);
  } else left.push('(nft tables not checked: no nft)');
  if (has('conntrack')) {
    const r = spawnSync('ip', ['netns', 'exec', host, 'conntrack', '-L'], { encoding: 'utf8' });
    const n = r.stdout.split('\n').filter(Boolean).length;
    if (n) left.push(`${n} conntrack entries`);
  } else left.push('(conntrack entries not checked: no conntrack)');
  return left;
}

/** The same steps as commands, by the step names of examples/sandbox-net (a step without commands here fails the run). */
function shellSteps(host, name, hostIf, tap, withNat) {
  const sb = (...a) => ['ip', '-n', name, ...a];
  const h = (...a) => ['ip', '-n', host, ...a];
  return {
    netns: [['ip', 'netns', 'add', name], sb('link', 'set', 'lo', 'up')],
    veth: [h('link', 'add', hostIf, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', name), h('link', 'set', hostIf, 'alias', `sandbox:${name}`)],
    tap: [sb('tuntap', 'add', tap, 'mode', 'tap', 'vnet_hdr', 'user', String(UID))],
    bridge: [sb('link', 'add', 'br0', 'up', 'type', 'bridge', 'stp_state', '0'), sb('link', 'set', tap, 'master', 'br0', 'up'), sb('link', 'set', 'eth0', 'master', 'br0', 'up')],
    addresses: [
      h('addr', 'add', GATEWAY, 'dev', hostIf), h('link', 'set', hostIf, 'up'),
      ['ip', 'netns', 'exec', host, 'sysctl', '-qw', `net.ipv4.conf.${hostIf}.forwarding=1`],
      sb('addr', 'add', SANDBOX_ADDR, 'dev', 'br0'),
    ],
    route: [sb('route', 'add', 'default', 'via', GATEWAY.split('/')[0], 'dev', 'br0')],
    nat: [['ip', 'netns', 'exec', host, 'nft', '-f', '-', `add table ip sandbox-${name}
add chain ip sandbox-${name} post { type nat hook postrouting priority srcnat; policy accept; }
add rule ip sandbox-${name} post ip saddr ${SUBNET} oifname != "${hostIf}" counter masquerade
`]],
    // tbf on the tap for what the VM receives; what it sends redirected to an ifb and shaped there
    'rate-limit': [
      ['tc', '-n', name, 'qdisc', 'add', 'dev', tap, 'root', 'tbf', 'rate', RATE, 'burst', '125000', 'latency', '50ms'],
      sb('link', 'add', 'ifb0', 'up', 'type', 'ifb'),
      ['tc', '-n', name, 'qdisc', 'add', 'dev', 'ifb0', 'root', 'tbf', 'rate', RATE, 'burst', '125000', 'latency', '50ms'],
      ['tc', '-n', name, 'qdisc', 'add', 'dev', tap, 'ingress'],
      ['tc', '-n', name, 'filter', 'add', 'dev', tap, 'parent', 'ffff:', 'protocol', 'all', 'prio', '1', 'u32', 'match', 'u32', '0', '0', 'action', 'mirred', 'egress', 'redirect', 'dev', 'ifb0'],
    ],
    destroy: [
      ...(withNat ? [['ip', 'netns', 'exec', host, 'nft', 'delete', 'table', 'ip', `sandbox-${name}`]] : []),
      h('link', 'del', hostIf), ['ip', 'netns', 'del', name],
    ],
  };
}

/** Runs argv; the last element is stdin when it has a newline (nft -f -). */
function cmd(argv) {
  const input = argv.at(-1).includes('\n') ? argv.at(-1) : undefined;
  const args = input === undefined ? argv : argv.slice(0, -1);
  execFileSync(args[0], args.slice(1), { input, stdio: ['pipe', 'ignore', 'pipe'] });
}

async function main() {
  if (!rootOrSkip('soak')) return;
  const { createSandbox, sandboxNames, STEPS } = await import('../dist/examples/sandbox-net/index.js');
  const { ns: host, remove } = createNetns('nlkt-soak');
  const prefix = `${host}-`;
  const stepNames = STEPS.map((s) => s.name);
  try {
    const loadBefore = load();
    console.log(`soak: ${COUNT} sandboxes (steps: ${stepNames.join(', ')}) in host namespace ${host}; ${loadBefore}`);

    // nlkit, one process
    const samples = [];
    // the baseline is taken after the first sandbox: what opens once on first use (the
    // standalone namespace context's socket) is not a leak
    const fdStart = fds();
    let fd0 = fdStart;
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < COUNT; i++) {
      const name = `${prefix}${i}`;
      current.add(name);
      const sb = await createSandbox({ name, tapName: 'tap0', subnet: SUBNET, rateLimit: RATE, uid: UID, hostNetns: host });
      await sb.destroy();
      current.delete(name);
      if (i === 0) fd0 = fds();
      if ((i + 1) % SAMPLE_EVERY === 0) {
        const s = { n: i + 1, ...memory(), fds: fds(), s: Number(process.hrtime.bigint() - t0) / 1e9 };
        samples.push(s);
        if ((i + 1) % 500 === 0) process.stderr.write(`  ${i + 1} sandboxes, RSS ${fmt(s.rss, 1)} MB, ${s.fds} fds\n`);
      }
    }
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const fd1 = fds();
    const after = samples.filter((s) => s.n > WARMUP);
    const mbPer1000 = slope(after.map((s) => s.n), after.map((s) => s.rss)) * 1000;
    const heapPer1000 = slope(after.map((s) => s.n), after.map((s) => s.heap)) * 1000;
    const perSecond = COUNT / seconds;
    const left = leftovers(host, prefix);
    const loadMid = load();

    // the same steps with ip/tc/nft, one process per command
    const shellNames = [];
    let shellPerSecond = null;
    let commands = 0;
    const canShell = SHELL > 0 && (!stepNames.includes('nat') || has('nft'));
    if (canShell) {
      const ts = process.hrtime.bigint();
      for (let i = 0; i < SHELL; i++) {
        const name = `${prefix}sh${i}`;
        current.add(name);
        const steps = shellSteps(host, name, sandboxNames(name).hostIf, 'tap0', stepNames.includes('nat'));
        for (const step of [...stepNames, 'destroy']) {
          if (!steps[step]) throw new Error(`no commands for step ${step}`);
          for (const argv of steps[step]) {
            cmd(argv);
            commands++;
          }
        }
        current.delete(name);
        shellNames.push(name);
      }
      shellPerSecond = SHELL / (Number(process.hrtime.bigint() - ts) / 1e9);
    }
    const shellLeft = canShell ? leftovers(host, prefix) : [];

    console.log(`\n${loadBefore} before, ${loadMid} after the nlkit loop, ${load()} at the end\n`);
    console.log(table(['sandboxes', 'seconds', 'RSS MB', 'heap MB', 'external MB', 'fds'], 'rrrrrr', samples.filter((s) => s.n % 500 === 0 || s.n === SAMPLE_EVERY || s.n === COUNT)
      .map((s) => [s.n, fmt(s.s, 1), fmt(s.rss, 1), fmt(s.heap, 2), fmt(s.external, 2), s.fds])));
    console.log();
    const ratio = shellPerSecond === null ? null : perSecond / shellPerSecond;
    console.log(table(['measure', 'value', 'target'], 'lrl', [
      [`RSS slope after ${WARMUP} (least squares, ${after.length} samples${globalThis.gc ? ', gc() before each' : ''})`, `${fmt(mbPer1000, 2)} MB / 1000 sandboxes`, `<= ${TARGET_SLOPE_MB}`],
      ['heap-used slope', `${fmt(heapPer1000, 3)} MB / 1000 sandboxes`, '-'],
      ['open fds: at start, after the first sandbox, at the end', `${fdStart}, ${fd0}, ${fd1}`, 'last two equal'],
      ['left behind (nlkit loop)', left.length ? left.join('; ') : 'nothing', 'nothing'],
      ['nlkit: sandboxes per second (create + destroy)', fmt(perSecond, 1), '-'],
      [`ip/tc/nft commands: sandboxes per second (${SHELL}, ${SHELL ? commands / SHELL : 0} commands each)`, shellPerSecond === null ? 'skipped' : fmt(shellPerSecond, 1), '-'],
      ['nlkit / commands, per-sandbox rate', ratio === null ? '-' : `${fmt(ratio, 1)}x`, '-'],
      ['left behind (command loop)', canShell ? (shellLeft.length ? shellLeft.join('; ') : 'nothing') : '-', 'nothing'],
    ]));
    const clean = !left.some((l) => !l.startsWith('('));
    writeResults('soak', {
      count: COUNT, warmup: WARMUP, steps: stepNames, seconds, perSecond, mbPer1000, heapPer1000, gcBeforeSamples: !!globalThis.gc, fdsAtStart: fdStart, fdsBefore: fd0, fdsAfter: fd1, left, samples,
      shell: { count: SHELL, commandsEach: SHELL ? commands / SHELL : 0, perSecond: shellPerSecond, left: shellLeft }, ratio,
      summary: [
        summaryRow(`soak: RSS slope, MB per 1,000 sandboxes (${COUNT})`, mbPer1000, TARGET_SLOPE_MB, { unit: 'MB' }),
        summaryRow('soak: fds after - before', fd1 - fd0, 0, { unit: 'fds' }),
        summaryRow('soak: things left behind', clean ? 0 : left.length, 0, { unit: '', note: left.join('; ') || undefined }),
      ],
    });
    if (fd1 !== fd0 || !clean || mbPer1000 > TARGET_SLOPE_MB) process.exitCode = 1;
  } finally {
    for (const name of current) spawnSync('ip', ['netns', 'del', name], { stdio: 'ignore' });
    remove();
    if (existsSync(`/run/netns/${host}`)) console.error(`${host} is left: ip netns del ${host}`);
  }
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
