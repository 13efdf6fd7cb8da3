// RouteCache under stress: tight loops of route churn, links going down and up and IPv4
// addresses deleted (the kernel removes routes through them without a notification), with
// a tiny receive buffer (overrun resyncs) and a busy child process competing for the CPUs.
// After each step settles, the cache must equal `ip -j route show table all` exactly.
//
// Bounded to ~20 s by default; NLKIT_STRESS_MS=<ms> runs the loops longer (e.g. 300000),
// NLKIT_STRESS_ROUTES / NLKIT_STRESS_ROUNDS size the flush test.
import { test } from 'node:test';
import { spawn } from 'node:child_process';
import type { TestContext } from 'node:test';
import { RouteCache } from '../src/route/cache.js';
import { openRoute } from '../src/route/handle.js';
import { ip, ipJson, needRoot, run, withNetns } from './helpers/netns.js';
import { ipLinkNames, ipRouteText, routeText, settleEqual, vethPair, type IpRoute } from './helpers/monitor.js';

const BUDGET_MS = Number(process.env.NLKIT_STRESS_MS ?? 12_000);

/** A child process spinning on a CPU until killed: the cache's process then gets preempted. */
function busyChild(): { stop(): void } {
  const child = spawn(process.execPath, ['-e', 'for (;;);'], { stdio: 'ignore' });
  return { stop: () => void child.kill('SIGKILL') };
}

/** Both sides of the comparison, as text lines: `ip -j -4 route show table all` and the cache. */
interface Sides {
  kernel: () => string[];
  cached: () => string[];
}

/**
 * A namespace with veth r0 (10.1.0.1/24) and r1, both up, IPv4 only (IPv6 link-local
 * addresses finishing DAD would add routes on their own time), and a ready IPv4 RouteCache
 * over it; all deleted afterwards. Routes compare with their `linkdown` flag.
 */
async function ipv4Cache(t: TestContext, opts: { rcvbuf?: number }, fn: (ns: string, cache: RouteCache, sides: Sides) => Promise<void>): Promise<void> {
  if (!needRoot(t)) return;
  await withNetns(async (ns) => {
    run('ip', ['netns', 'exec', ns, 'sysctl', '-qw', 'net.ipv6.conf.default.disable_ipv6=1', 'net.ipv6.conf.all.disable_ipv6=1']);
    vethPair(ip, ns, 'r0', 'r1', '10.1.0.1/24');
    const rt = openRoute({ netns: ns });
    const cache = new RouteCache(rt, { ...opts, family: 'inet' });
    try {
      await cache.ready();
      const dev = ipLinkNames(ns, ipJson);
      const linkdown = (flags: readonly string[] | undefined) => (flags?.includes('linkdown') ? ' linkdown' : '');
      await fn(ns, cache, {
        kernel: () => ipJson<(IpRoute & { flags?: string[] })[]>(ns, '-4', 'route', 'show', 'table', 'all').map((r) => ipRouteText(r) + linkdown(r.flags)).sort(),
        cached: () => cache.values().map((r) => routeText(r, dev) + linkdown(r.flags)).sort(),
      });
    } finally {
      cache.close();
      rt.close();
    }
  });
}

test('RouteCache equals the kernel after every step of link-down, address-delete and churn loops under load', (t) => ipv4Cache(t, { rcvbuf: 4096 }, async (ns, cache, { kernel, cached }) => {
  const hog = busyChild();
  let steps = 0;
  try {
    const settle = (what: string) => settleEqual(kernel, cached, `step ${steps} (${what})`, 5_000);
    const batch = (lines: string[]) => run('ip', ['-n', ns, '-batch', '-'], lines.join('\n') + '\n');
    const churn = () => {
      // routes through r0 (gone with it when it goes down) and through 10.2.0.2 on r1 (gone with the address)
      ip(ns, 'addr', 'add', '10.2.0.1/24', 'dev', 'r1');
      const lines: string[] = [];
      for (let i = 0; i < 150; i++) lines.push(`route add 10.50.${i}.0/24 via 10.1.0.2${i % 3 ? '' : ' table 7'}`);
      for (let i = 0; i < 60; i++) lines.push(`route add 10.70.${i}.0/24 via 10.2.0.2${i % 2 ? '' : ' metric 5'}`);
      for (let i = 0; i < 100; i++) lines.push(`route add 10.80.${i}.0/24 dev lo`);
      for (let i = 0; i < 100; i += 2) lines.push(`route del 10.80.${i}.0/24 dev lo`);
      batch(lines);
    };
    // one round: each step changes the kernel, then the cache must settle equal to it
    const round: [string, () => void][] = [
      ['churn', churn],
      ['address deleted', () => ip(ns, 'addr', 'del', '10.2.0.1/24', 'dev', 'r1')],
      // IPv4 routes through a nexthop object go with it, unannounced
      ['nexthop deleted', () => {
        ip(ns, 'nexthop', 'add', 'id', '9', 'via', '10.1.0.3', 'dev', 'r0');
        batch(Array.from({ length: 40 }, (_, i) => `route add 10.90.${i}.0/24 nhid 9`));
        ip(ns, 'nexthop', 'del', 'id', '9');
      }],
      // a carrier lost and regained flags and unflags routes through r0 'linkdown', unannounced
      ['carrier lost', () => ip(ns, 'link', 'set', 'r1', 'down')],
      ['carrier back', () => ip(ns, 'link', 'set', 'r1', 'up')],
      ['link down', () => ip(ns, 'link', 'set', 'r0', 'down')],
      ['link up', () => {
        ip(ns, 'link', 'set', 'r0', 'up');
        batch(Array.from({ length: 50 }, (_, i) => `route del 10.80.${2 * i + 1}.0/24 dev lo`));
      }],
    ];
    const deadline = Date.now() + BUDGET_MS;
    while (Date.now() < deadline) {
      for (const [what, act] of round) {
        act();
        steps++;
        await settle(what);
      }
    }
    t.diagnostic(`${steps} steps settled, ${cache.resyncs} resyncs`);
  } finally {
    hog.stop();
  }
}));

test('RouteCache: the re-dump after an address or a link goes shows none of the IPv4 routes the kernel is flushing', (t) => ipv4Cache(t, {}, async (ns, cache, { kernel, cached }) => {
  // the kernel announces the address deleted (the link down), then flushes the routes
  // through it under RTNL, for tens of milliseconds with this many, and a route dump takes
  // no lock: one sent on the announcement would run beside the flush
  const n = Number(process.env.NLKIT_STRESS_ROUTES ?? 30_000);
  const rounds = Number(process.env.NLKIT_STRESS_ROUNDS ?? 2);
  const lines = Array.from({ length: n }, (_, i) => `route add 10.${100 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}/32 via 10.1.0.2`).join('\n') + '\n';
  const via = () => cache.values().filter((r) => r.gateway === '10.1.0.2').length;
  for (let round = 0; round < rounds; round++) {
    run('ip', ['-n', ns, '-batch', '-'], lines);
    await settleEqual(() => [String(n)], () => [String(via())], `round ${round}: ${n} routes via r0 cached`, 30_000);
    // r0's only IPv4 address: its routes go with it (a link down also changes r1's carrier,
    // whose own re-dump comes after the flush and would hide a stale one)
    if (round % 2 === 0) ip(ns, 'addr', 'del', '10.1.0.1/24', 'dev', 'r0');
    else ip(ns, 'link', 'set', 'r0', 'down');
    await settleEqual(kernel, cached, `round ${round}: ${round % 2 ? 'link down' : 'address deleted'}`, 5_000);
    if (round % 2 === 0) ip(ns, 'addr', 'add', '10.1.0.1/24', 'dev', 'r0');
    else ip(ns, 'link', 'set', 'r0', 'up');
  }
}));
