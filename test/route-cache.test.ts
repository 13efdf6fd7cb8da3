// LinkCache and RouteCache against the real kernel: they follow renames, deletions, churn
// and overruns, and end equal to what `ip -j` shows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LinkCache, RouteCache } from '../src/route/cache.js';
import { openRoute } from '../src/route/handle.js';
import { addRoutes, ip, ipJson, needRoot, run, withNetns } from './helpers/netns.js';
import { countGetlinks, ipLinkNames, ipRouteText, routeText, settleEqual, vethPair, type IpRoute } from './helpers/monitor.js';
import type { TestContext } from 'node:test';
import type { RouteHandle } from '../src/route/handle.js';

/** A throwaway namespace (set up by `setup`) and a ready cache over a handle in it; all closed afterwards. */
async function cached<C extends LinkCache | RouteCache>(
  t: TestContext, make: (rt: RouteHandle) => C, fn: (ns: string, cache: C, rt: RouteHandle) => Promise<void>, setup?: (ns: string) => void,
): Promise<void> {
  if (!needRoot(t)) return;
  await withNetns(async (ns) => {
    setup?.(ns);
    const rt = openRoute({ netns: ns });
    const cache = make(rt);
    try {
      await cache.ready();
      await fn(ns, cache, rt);
    } finally {
      cache.close();
      rt.close();
    }
  });
}

interface IpLink { ifindex: number; ifname: string }

async function until(pred: () => boolean, what: () => string, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting: ${what()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('LinkCache follows creation, renames and deletions', (t) => cached(t, (rt) => new LinkCache(rt), async (ns, cache, rt) => {
  assert.equal(cache.ifindexOf('lo'), 1);
  ip(ns, 'link', 'add', 'c0', 'type', 'veth', 'peer', 'name', 'c1');
  const [c0] = ipJson<IpLink[]>(ns, 'link', 'show', 'c0');
  await until(() => cache.ifindexOf('c0') === c0.ifindex, () => `c0 is ${cache.ifindexOf('c0')}`);
  assert.deepEqual([cache.get('c0')?.ifindex, cache.get('c0')?.ifname], [c0.ifindex, 'c0']);

  ip(ns, 'link', 'set', 'c0', 'name', 'c9');
  await until(() => cache.nameOf(c0.ifindex) === 'c9', () => `index ${c0.ifindex} is ${cache.nameOf(c0.ifindex)}`);
  assert.equal(cache.ifindexOf('c0'), undefined, 'the old name is gone');
  assert.equal(cache.ifindexOf('c9'), c0.ifindex);

  ip(ns, 'link', 'del', 'c9');
  await until(() => cache.get(c0.ifindex) === undefined && cache.ifindexOf('c1') === undefined, () => `${cache.size} links`);
  assert.equal(cache.ifindexOf('c9'), undefined);
  assert.equal(cache.nameOf(c0.ifindex), undefined);
}));

test('useLinkNames(cache): name lookups send no RTM_GETLINK', (t) => cached(t, (rt) => new LinkCache(rt), async (ns, cache, rt) => {
  const [u0] = ipJson<IpLink[]>(ns, 'link', 'show', 'u0');
  const getlinks = countGetlinks(rt.ctx.conn);
  const lookUp = () => {
    const scope = rt.ctx.scope();
    return [scope.ifindex('u0'), scope.ifname(u0.ifindex)];
  };
  assert.deepEqual(lookUp(), [u0.ifindex, 'u0']);
  assert.equal(getlinks.count, 2, 'without the cache: one getlink and one link dump');
  rt.useLinkNames(cache);
  getlinks.count = 0;
  for (let i = 0; i < 3; i++) assert.deepEqual(lookUp(), [u0.ifindex, 'u0']);
  assert.equal(getlinks.count, 0);
}, (ns) => ip(ns, 'link', 'add', 'u0', 'type', 'veth', 'peer', 'name', 'u1')));

test('routes.stream() with a LinkCache attached names devices from it, a link it lacks from a dump elsewhere', (t) => cached(t, (rt) => new LinkCache(rt), async (ns, cache, rt) => {
  await until(() => cache.ifindexOf('s0') !== undefined, () => 's0 not cached yet');
  ip(ns, 'route', 'add', '10.40.0.0/24', 'dev', 's0');
  ip(ns, 'route', 'add', '10.41.0.0/24', 'dev', 's1');
  const getlinks = countGetlinks(rt.ctx.conn);
  const devs = async () => {
    const out: string[] = [];
    for await (const r of rt.routes.stream({ table: 'main' })) if (r.dst.startsWith('10.4')) out.push(`${r.dst} ${r.dev}`);
    return out.sort();
  };
  const want = ['10.40.0.0/24 s0', '10.41.0.0/24 s1'];
  rt.useLinkNames(cache);
  assert.deepEqual(await devs(), want);
  assert.equal(getlinks.count, 0, 'no link request on the handle\'s connection');
  // names it does not know (as for a link created a moment ago): one link dump on a socket of its own
  rt.useLinkNames({ ifindexOf: () => undefined, nameOf: () => undefined });
  assert.deepEqual(await devs(), want);
  assert.equal(getlinks.count, 0);
}, (ns) => vethPair(ip, ns, 's0', 's1')));

test('LinkCache after an overrun equals ip -j link show', (t) => cached(t, (rt) => new LinkCache(rt, { rcvbuf: 4096 }), async (ns, cache, rt) => {
  const lines: string[] = [];
  for (let i = 0; i < 100; i++) lines.push(`link add v${i} type veth peer name w${i}`);
  for (let i = 0; i < 100; i += 2) lines.push(`link set v${i} name r${i}`);
  for (let i = 1; i < 100; i += 4) lines.push(`link del v${i}`);
  run('ip', ['-n', ns, '-batch', '-'], lines.join('\n') + '\n');
  const want = () => ipJson<IpLink[]>(ns, 'link', 'show').map((l) => `${l.ifindex} ${l.ifname}`).sort();
  const have = () => cache.values().map((l) => `${l.ifindex} ${cache.nameOf(l.ifindex)}`).sort();
  const expected = want();
  await until(() => JSON.stringify(have()) === JSON.stringify(expected), () => `${cache.size} links cached, ${expected.length} in the kernel`);
  assert.ok(cache.resyncs >= 2, `an overrun resync happened (resyncs: ${cache.resyncs})`);
}));

test('RouteCache equals ip -j route show after churn, an overrun and a link going down', (t) => cached(t, (rt) => new RouteCache(rt, { rcvbuf: 8192 }), async (ns, cache, rt) => {
  const dev = ipLinkNames(ns, ipJson);
  const want = () => ipJson<IpRoute[]>(ns, 'route', 'show', 'table', 'all').map(ipRouteText).sort();
  const have = () => cache.values().map((r) => routeText(r, dev)).sort();
  // (the kernel read afresh while waiting: r0's and r1's link-local addresses finish DAD
  // a second or two after setup and add their local routes whenever that falls)
  const settle = () => settleEqual(want, have, 'RouteCache vs ip -j route show table all');
  await settle();
  // routes of one key: IPv4 append/replace/del, IPv6 siblings merged, one deleted, replaced
  for (const cmd of [
    'route add 10.9.0.0/24 via 10.1.0.2', 'route append 10.9.0.0/24 via 10.1.0.3', 'route replace 10.9.0.0/24 via 10.1.0.4',
    'route del 10.9.0.0/24', '-6 route add 2001:db8:9::/64 via 2001:db8:1::2', '-6 route append 2001:db8:9::/64 via 2001:db8:1::3',
    '-6 route del 2001:db8:9::/64 via 2001:db8:1::2', '-6 route append 2001:db8:9::/64 via 2001:db8:1::5',
    '-6 route replace 2001:db8:9::/64 via 2001:db8:1::4', 'route change 10.9.0.0/24 via 10.1.0.5',
  ]) {
    ip(ns, ...cmd.split(' '));
    await settle();
  }

  // churn past the receive buffer: adds, deletes, routes via r0 in another table
  addRoutes(ns, 3000);
  const lines: string[] = [];
  for (let i = 0; i < 3000; i += 3) lines.push(`route del 10.${100 + (i >> 8)}.${i & 255}.0/24`);
  for (let i = 0; i < 200; i++) lines.push(`route add 10.50.${i}.0/24 via 10.1.0.2 table 7`);
  for (let i = 0; i < 200; i += 5) lines.push(`route add 10.50.${i}.0/24 via 10.1.0.2 metric 9`);
  run('ip', ['-n', ns, '-batch', '-'], lines.join('\n') + '\n');
  await settle();
  assert.ok(cache.resyncs > 3, `an overrun resync happened (resyncs: ${cache.resyncs})`);

  // routes through an IPv4 address vanish unannounced when it is deleted: the cache re-dumps
  ip(ns, 'addr', 'add', '10.2.0.1/24', 'dev', 'r1');
  for (let i = 0; i < 20; i++) ip(ns, 'route', 'add', `10.70.${i}.0/24`, 'via', '10.2.0.2');
  await settle();
  ip(ns, 'addr', 'del', '10.2.0.1/24', 'dev', 'r1');
  await settle();
  assert.ok(!cache.values().some((r) => r.gateway === '10.2.0.2'));

  // IPv4 routes through r0 vanish unannounced when it goes down: likewise
  const before = cache.size;
  ip(ns, 'link', 'set', 'r0', 'down');
  await settle();
  assert.ok(cache.size < before - 200, `routes via r0 are gone (${before} -> ${cache.size})`);

  // and after all that, plain events still apply one by one
  ip(ns, 'route', 'add', '10.60.0.0/24', 'dev', 'lo', 'metric', '3');
  ip(ns, '-6', 'route', 'add', '2001:db8:60::/64', 'dev', 'lo');
  await settle();
  ip(ns, 'route', 'del', '10.60.0.0/24', 'metric', '3');
  await settle();
}, (ns) => {
  vethPair(ip, ns, 'r0', 'r1', '10.1.0.1/24');
  ip(ns, '-6', 'addr', 'add', '2001:db8:1::1/64', 'dev', 'r0', 'nodad');
}));

test('RouteCache drops the IPv4 routes of a deleted nexthop object, which the kernel removes without a notification', (t) => cached(t, (rt) => new RouteCache(rt), async (ns, cache) => {
  const dev = ipLinkNames(ns, ipJson);
  const want = () => ipJson<IpRoute[]>(ns, 'route', 'show', 'table', 'all').map(ipRouteText).sort();
  const have = () => cache.values().map((r) => routeText(r, dev)).sort();
  ip(ns, 'nexthop', 'add', 'id', '5', 'via', '10.1.0.2', 'dev', 'n0');
  ip(ns, 'nexthop', 'add', 'id', '6', 'via', '2001:db8:1::2', 'dev', 'n0');
  for (let i = 0; i < 5; i++) ip(ns, 'route', 'add', `10.61.${i}.0/24`, 'nhid', '5');
  ip(ns, '-6', 'route', 'add', '2001:db8:61::/64', 'nhid', '6');
  await settleEqual(want, have, 'routes through nexthops added');
  assert.equal(cache.values().filter((r) => r.dst.startsWith('10.61.')).length, 5);
  ip(ns, 'nexthop', 'del', 'id', '5');
  ip(ns, 'nexthop', 'del', 'id', '6');
  await settleEqual(want, have, 'nexthops deleted');
  assert.ok(!cache.values().some((r) => r.dst.startsWith('10.61.') || r.dst.startsWith('2001:db8:61:')));
}, (ns) => {
  vethPair(ip, ns, 'n0', 'n1', '10.1.0.1/24');
  ip(ns, '-6', 'addr', 'add', '2001:db8:1::1/64', 'dev', 'n0', 'nodad');
}));

test('RouteCache follows the linkdown flag a carrier lost or regained sets on routes unannounced', (t) => cached(t, (rt) => new RouteCache(rt), async (ns, cache) => {
  const dev = ipLinkNames(ns, ipJson);
  const text = (flags: readonly string[] | undefined, r: string) => `${r} ${(flags ?? []).filter((f) => f === 'linkdown').join(',')}`;
  const want = () => ipJson<(IpRoute & { flags?: string[] })[]>(ns, 'route', 'show', 'table', 'all').map((r) => text(r.flags, ipRouteText(r))).sort();
  const have = () => cache.values().map((r) => text(r.flags, routeText(r, dev))).sort();
  ip(ns, 'route', 'add', '10.62.0.0/24', 'via', '10.1.0.2');
  ip(ns, '-6', 'route', 'add', '2001:db8:62::/64', 'via', '2001:db8:1::2');
  await settleEqual(want, have, 'routes via k0 added');
  ip(ns, 'link', 'set', 'k1', 'down'); // k0 loses its carrier
  await settleEqual(want, have, 'carrier lost');
  assert.deepEqual(cache.values().filter((r) => r.dst.includes('62')).map((r) => r.flags.includes('linkdown')), [true, true]);
  ip(ns, 'link', 'set', 'k1', 'up');
  await settleEqual(want, have, 'carrier back');
  assert.ok(!cache.values().some((r) => r.flags.includes('linkdown')));
}, (ns) => {
  vethPair(ip, ns, 'k0', 'k1', '10.1.0.1/24');
  ip(ns, '-6', 'addr', 'add', '2001:db8:1::1/64', 'dev', 'k0', 'nodad');
}));
