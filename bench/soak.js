// Soak: "launch sandboxes all day and watch RAM". One process creates and destroys microVM
// sandboxes (examples/sandbox-net: namespace, veth, tap, bridge, addresses, route, and the
// NAT and rate-limit steps where built) one after another, and samples its RSS and open fds
// every 100. The targets: RSS slope <= 1 MB per 1,000 sandboxes after a warm-up,
// fds back to baseline, nothing left (namespaces, links, qdiscs, nft tables, conntrack
// entries). Then the same steps done by `ip`/`tc`/`nft` commands, per-sandbox rates compared.
//
// Each sample splits the memory (test/helpers/process-memory.ts): V8's heap, malloc's main arena and
// its other arenas, the rest of the anonymous memory (V8's pages, stacks), file mappings; each
// gets a slope with its standard error. Each sandbox also gets a flow in the host's conntrack
// table (a NATed TCP connection of its VM, inserted through nlkit/netfilter), which its
// removal must delete: the host's table is checked empty after every sandbox.
//
//   npm run bench:soak [-- --count N] [--shell N] [--warmup N]     (needs root)
//   node --expose-gc bench/soak.js --count 500 --warmup 200         (after npm run build)
//
// Defaults: 4,000 sandboxes, 100 with commands, a warm-up of 1,000. The first ~1,000 are
// V8 settling (heap used rising 0.4 MB per 1,000 and slowing, RSS reaching its plateau; a
// 2,000 run measured 1.4 +- 0.3 MB per 1,000 over 200..2,000 and -0.01 +- 0.15 over
// 2,000..5,000): a short run after a short warm-up measures the warm-up, not a leak.
// Everything happens in a host namespace nlkt-soak-<random> made here (the sandboxes'
// namespaces are nlkt-soak-<random>-<i>), deleted at the end whatever happens (errors,
// SIGINT): the root namespace is not touched.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { createNetns, ipn, rootOrSkip } from './netns.js';
import { fmt, load, summaryRow, table, writeResults } from './report.js';

const { values } = parseArgs({
  options: { count: { type: 'string', default: '4000' }, shell: { type: 'string', default: '100' }, warmup: { type: 'string', default: '1000' } },
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
// the VM's connection out, as the host's masquerade leaves it in the conntrack table
const FLOW = { vm: '10.123.0.3', peer: '198.51.100.7', sport: 40000, dport: 443, natted: '192.0.2.1' };
const RATE = '100mbit';
const UID = 1000;

// a sandbox a crash of this process leaves: its namespace goes on exit (its host end goes with the host namespace)
const current = new Set();
process.on('exit', () => {
  for (const name of current) spawnSync('ip', ['netns', 'del', name], { stdio: 'ignore' });
});

const has = (tool) => spawnSync(tool, ['--version'], { stdio: 'ignore' }).status === 0;
const fds = () => readdirSync('/proc/self/fd').length;
// With --expose-gc (npm run bench:soak passes it) a full collection runs before each sample
// (memorySample), so the slope measures what the process keeps, not when V8 happens to collect.

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
    if (n) left.push(`${n} conntrack entries (conntrack -L)`);
  } else left.push('(conntrack -L not run: no conntrack tool; nlkit counted the entries)');
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
    // the VM's flow, as its traffic would leave it
    flow: [['ip', 'netns', 'exec', host, 'conntrack', '-I', '-p', 'tcp', '-s', FLOW.vm, '-d', FLOW.peer, '--sport', String(FLOW.sport), '--dport', String(FLOW.dport),
      '-r', FLOW.peer, '-q', FLOW.natted, '--reply-port-src', String(FLOW.dport), '--reply-port-dst', String(FLOW.sport), '--state', 'ESTABLISHED', '-t', '600', '-u', 'ASSURED,SEEN_REPLY,SRC_NAT']],
    destroy: [
      ...(withNat ? [['ip', 'netns', 'exec', host, 'nft', 'delete', 'table', 'ip', `sandbox-${name}`]] : []),
      h('link', 'del', hostIf), ['ip', 'netns', 'del', name],
      // conntrack -D exits 1 when it deletes nothing
      ...['-s', '-d'].map((dir) => ['ip', 'netns', 'exec', host, 'conntrack', '-D', '-f', 'ipv4', dir, SUBNET, { ok: [0, 1] }]),
    ],
  };
}

/** Runs argv; the last element is stdin when it has a newline (nft -f -), or { ok: [exit codes] }. */
function cmd(argv) {
  const last = argv.at(-1);
  if (typeof last === 'object') {
    const r = spawnSync(argv[0], argv.slice(1, -1), { stdio: ['ignore', 'ignore', 'pipe'] });
    if (!last.ok.includes(r.status)) throw new Error(`${argv.slice(0, -1).join(' ')}: exit ${r.status}: ${r.stderr}`);
    return;
  }
  const input = last.includes('\n') ? last : undefined;
  const args = input === undefined ? argv : argv.slice(0, -1);
  execFileSync(args[0], args.slice(1), { input, stdio: ['pipe', 'ignore', 'pipe'] });
}

const mb = (v, d = 1) => fmt(v, d);
const perK = (f) => (Number.isFinite(f.slope) ? `${fmt(f.slope * 1000, 2)} +- ${fmt(f.se * 1000, 2)}` : '- (too few samples)');

async function main() {
  if (!rootOrSkip('soak')) return;
  const { createSandbox, sandboxNames, STEPS } = await import('../dist/examples/sandbox-net/index.js');
  const { openConntrack } = await import('../dist/src/netfilter/index.js');
  const { fitSlope, MEMORY_FIELDS, memorySample } = await import('../dist/test/helpers/process-memory.js');
  const { ns: host, remove } = createNetns('nlkt-soak');
  const prefix = `${host}-`;
  const stepNames = STEPS.map((s) => s.name);
  const ct = openConntrack({ netns: host });
  const flow = {
    protocol: 'tcp', orig: { src: FLOW.vm, dst: FLOW.peer, sport: FLOW.sport, dport: FLOW.dport },
    reply: { src: FLOW.peer, dst: FLOW.natted, sport: FLOW.dport, dport: FLOW.sport }, timeout: 600, state: 'ESTABLISHED', status: ['ASSURED', 'SEEN_REPLY', 'SRC_NAT'],
  };
  try {
    const loadBefore = load();
    console.log(`soak: ${COUNT} sandboxes (steps: ${stepNames.join(', ')}) in host namespace ${host}; ${loadBefore}`);

    // nlkit, one process
    const samples = [];
    // the baseline is taken after the first sandbox: what opens once on first use (the
    // standalone namespace context's socket, the conntrack handle's) is not a leak
    const fdStart = fds();
    let fd0 = fdStart;
    // sandboxes after whose removal the host's conntrack table was not empty
    let flowsLeft = 0;
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < COUNT; i++) {
      const name = `${prefix}${i}`;
      current.add(name);
      const sb = await createSandbox({ name, tapName: 'tap0', subnet: SUBNET, rateLimit: RATE, uid: UID, hostNetns: host });
      await ct.create(flow);
      await sb.destroy();
      if ((await ct.count()) !== 0) flowsLeft++;
      current.delete(name);
      if (i === 0) fd0 = fds();
      if ((i + 1) % SAMPLE_EVERY === 0) {
        const s = { n: i + 1, ...memorySample(), fds: fds(), s: Number(process.hrtime.bigint() - t0) / 1e9 };
        samples.push(s);
        if ((i + 1) % 500 === 0) process.stderr.write(`  ${i + 1} sandboxes, RSS ${fmt(s.rss, 1)} MB (anon ${fmt(s.rssAnon, 1)}, heap used ${fmt(s.heapUsed, 1)}), ${s.fds} fds\n`);
      }
    }
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const fd1 = fds();
    ct.close();
    const after = samples.filter((s) => s.n > WARMUP);
    const xs = after.map((s) => s.n);
    const fits = Object.fromEntries(MEMORY_FIELDS.map((k) => [k, fitSlope(xs, after.map((s) => s[k]))]));
    // the same over the later half of what follows the warm-up: a slope that is warm-up still shows as a drop
    const late = after.slice(Math.floor(after.length / 2));
    const lateRss = fitSlope(late.map((s) => s.n), late.map((s) => s.rss));
    const mbPer1000 = fits.rss.slope * 1000;
    const heapPer1000 = fits.heapUsed.slope * 1000;
    const perSecond = COUNT / seconds;
    const left = leftovers(host, prefix);
    if (flowsLeft) left.push(`conntrack entries after ${flowsLeft} of ${COUNT} removals`);
    const loadMid = load();

    // the same steps with ip/tc/nft, one process per command
    const shellNames = [];
    let shellPerSecond = null;
    let commands = 0;
    const canShell = SHELL > 0 && (!stepNames.includes('nat') || has('nft')) && has('conntrack');
    if (canShell) {
      const ts = process.hrtime.bigint();
      for (let i = 0; i < SHELL; i++) {
        const name = `${prefix}sh${i}`;
        current.add(name);
        const steps = shellSteps(host, name, sandboxNames(name).hostIf, 'tap0', stepNames.includes('nat'));
        for (const step of [...stepNames, 'flow', 'destroy']) {
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
    // MB; V8: heap total/used, external (of it array buffers); kernel: RSS anon/file; of the
    // anonymous memory: malloc's main arena (brk), its other arenas, the rest (V8's pages, stacks)
    console.log(table(['sandboxes', 'seconds', 'RSS', 'anon', 'file', 'heap total', 'heap used', 'external', 'buffers', 'brk', 'arenas', 'other anon', 'fds'], 'rrrrrrrrrrrrr',
      samples.filter((s) => s.n % 500 === 0 || s.n === SAMPLE_EVERY || s.n === COUNT)
        .map((s) => [s.n, fmt(s.s, 1), ...MEMORY_FIELDS.map((k) => mb(s[k], k === 'heapUsed' ? 2 : 1)), s.fds])));
    console.log();
    console.log(table(['slope after the warm-up, MB per 1,000 sandboxes (+- standard error)', 'value'], 'lr', MEMORY_FIELDS.map((k) => [k, perK(fits[k])])));
    console.log();
    const ratio = shellPerSecond === null ? null : perSecond / shellPerSecond;
    console.log(table(['measure', 'value', 'target'], 'lrl', [
      [`RSS slope after ${WARMUP} (least squares, ${after.length} samples${globalThis.gc ? ', gc() before each' : ''})`, `${perK(fits.rss)} MB / 1000 sandboxes`, `<= ${TARGET_SLOPE_MB}`],
      [`RSS slope over the later half (from ${late[0]?.n})`, `${perK(lateRss)} MB / 1000 sandboxes`, '-'],
      ['heap-used slope', `${perK(fits.heapUsed)} MB / 1000 sandboxes`, '-'],
      ['malloc slope (main arena + other arenas)', `${fmt((fits.brk.slope + fits.arenas.slope) * 1000, 2)} MB / 1000 sandboxes`, '-'],
      ['open fds: at start, after the first sandbox, at the end', `${fdStart}, ${fd0}, ${fd1}`, 'last two equal'],
      ['left behind (nlkit loop)', left.length ? left.join('; ') : 'nothing', 'nothing'],
      ['nlkit: sandboxes per second (create + destroy)', fmt(perSecond, 1), '-'],
      [`ip/tc/nft/conntrack commands: sandboxes per second (${SHELL}, ${SHELL ? commands / SHELL : 0} commands each)`, shellPerSecond === null ? 'skipped' : fmt(shellPerSecond, 1), '-'],
      ['nlkit / commands, per-sandbox rate', ratio === null ? '-' : `${fmt(ratio, 1)}x`, '-'],
      ['left behind (command loop)', canShell ? (shellLeft.length ? shellLeft.join('; ') : 'nothing') : '-', 'nothing'],
    ]));
    const clean = !left.some((l) => !l.startsWith('('));
    writeResults('soak', {
      count: COUNT, warmup: WARMUP, steps: stepNames, seconds, perSecond, mbPer1000, heapPer1000, gcBeforeSamples: !!globalThis.gc, fdsAtStart: fdStart, fdsBefore: fd0, fdsAfter: fd1, left, samples,
      slopesPer1000: Object.fromEntries(MEMORY_FIELDS.map((k) => [k, { slope: fits[k].slope * 1000, se: fits[k].se * 1000 }])), lateRssPer1000: { from: late[0]?.n, slope: lateRss.slope * 1000, se: lateRss.se * 1000 }, flowsLeft,
      shell: { count: SHELL, commandsEach: SHELL ? commands / SHELL : 0, perSecond: shellPerSecond, left: shellLeft }, ratio,
      summary: [
        summaryRow(`soak: RSS slope, MB per 1,000 sandboxes (${COUNT})`, mbPer1000, TARGET_SLOPE_MB, { unit: 'MB' }),
        summaryRow('soak: fds after - before', fd1 - fd0, 0, { unit: 'fds' }),
        summaryRow('soak: things left behind', clean ? 0 : left.length, 0, { unit: '', note: left.join('; ') || undefined }),
      ],
    });
    if (fd1 !== fd0 || !clean || mbPer1000 > TARGET_SLOPE_MB) process.exitCode = 1;
  } finally {
    ct.close();
    for (const name of current) spawnSync('ip', ['netns', 'del', name], { stdio: 'ignore' });
    remove();
    if (existsSync(`/run/netns/${host}`)) console.error(`${host} is left: ip netns del ${host}`);
  }
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
