// The monitor against the real kernel: typed events of each object kind, new and del, with
// the values `ip -j` shows; all namespaces at once with their ids and names; an overrun
// answered by a resync that matches the kernel's state afterwards.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openRoute } from '../src/route/handle.js';
import { RouteMonitor } from '../src/route/monitor.js';
import { RouteCache } from '../src/route/cache.js';
import { OBJECTS } from '../src/route/objects.js';
import { addRoutes, ip, ipJson, needRoot, withNetns } from './helpers/netns.js';
import { collect, countGetlinks, ipLinkNames, ipRouteText, routeText, vethPair, type Collector, type IpRoute } from './helpers/monitor.js';
import type { MonitorOptions } from '../src/route/monitor.js';
import type { ObjectKind } from '../src/route/objects.js';
import type { TestContext } from 'node:test';

/** A throwaway namespace with a monitor of these kinds in it, collected; all closed afterwards. */
async function watching<K extends ObjectKind>(t: TestContext, kinds: K[], opts: MonitorOptions, fn: (ns: string, c: Collector<K>) => Promise<void>): Promise<void> {
  if (!needRoot(t)) return;
  await withNetns(async (ns) => {
    const rt = openRoute({ netns: ns });
    const c = collect(rt.monitor(kinds, opts));
    try {
      await fn(ns, c);
    } finally {
      await c.close();
      rt.close();
    }
  });
}

interface IpLink { ifindex: number; ifname: string; mtu: number; address: string }

test('events: link, address, route, neighbour and rule, new then del, with the values ip -j shows', (t) => watching(t, ['link', 'address', 'route', 'neighbour', 'rule'], {}, async (ns, c) => {
  vethPair(ip, ns, 'm0', 'm1', '10.1.0.1/24');
  ip(ns, 'route', 'add', '10.2.0.0/24', 'via', '10.1.0.2', 'metric', '7');
  ip(ns, 'neigh', 'add', '10.1.0.5', 'lladdr', '02:00:00:00:00:05', 'dev', 'm0', 'nud', 'permanent');
  ip(ns, 'rule', 'add', 'from', '10.9.0.0/16', 'table', '100', 'pref', '100');
  const [link] = ipJson<IpLink[]>(ns, 'link', 'show', 'm0');
  const [route] = ipJson<IpRoute[]>(ns, 'route', 'show', '10.2.0.0/24');
  const event = <O extends string>(object: O, action: 'new' | 'del', pred: (v: Record<string, unknown>) => boolean) =>
    c.waitFor(() => c.items.find((i) => i.kind === 'event' && i.object === object && i.action === action && pred(i.value as never)));

  const l = await event('link', 'new', (v) => v.ifname === 'm0');
  assert.ok(l.kind === 'event' && l.object === 'link');
  assert.equal(l.value.ifindex, link.ifindex);
  assert.equal(l.value.mtu, link.mtu);
  assert.equal(String(l.value.address), link.address);
  assert.equal(l.nsid, undefined, 'an event of the monitor\'s own namespace has no nsid');

  const a = await event('address', 'new', (v) => v.local === '10.1.0.1');
  assert.ok(a.kind === 'event' && a.object === 'address');
  assert.deepEqual([a.value.ifindex, a.value.ifname, a.value.prefixlen, a.value.family], [link.ifindex, 'm0', 24, 'inet']);

  const r = await event('route', 'new', (v) => v.dst === '10.2.0.0/24');
  assert.ok(r.kind === 'event' && r.object === 'route');
  assert.deepEqual([r.value.dst, r.value.gateway, r.value.metric, r.value.ifindex, r.value.dev], [route.dst, route.gateway, route.metric, link.ifindex, 'm0']);

  const n = await event('neighbour', 'new', (v) => v.dst === '10.1.0.5');
  assert.ok(n.kind === 'event' && n.object === 'neighbour');
  assert.deepEqual([n.value.ifindex, n.value.ifname], [link.ifindex, 'm0']);
  assert.equal(n.value.lladdr, '02:00:00:00:00:05');
  assert.ok(n.value.state.includes('permanent'));

  const u = await event('rule', 'new', (v) => v.priority === 100);
  assert.ok(u.kind === 'event' && u.object === 'rule');
  assert.deepEqual([u.value.tableId, u.value.src, u.value.srclen], [100, '10.9.0.0', 16]);

  ip(ns, 'rule', 'del', 'pref', '100');
  ip(ns, 'neigh', 'del', '10.1.0.5', 'dev', 'm0');
  ip(ns, 'route', 'del', '10.2.0.0/24');
  ip(ns, 'addr', 'del', '10.1.0.1/24', 'dev', 'm0');
  ip(ns, 'link', 'del', 'm0');
  await event('rule', 'del', (v) => v.priority === 100);
  await event('neighbour', 'del', (v) => v.dst === '10.1.0.5');
  await event('route', 'del', (v) => v.dst === '10.2.0.0/24');
  await event('address', 'del', (v) => v.local === '10.1.0.1');
  await event('link', 'del', (v) => v.ifname === 'm0');
  await event('link', 'del', (v) => v.ifname === 'm1');
}));

test('link events: flags and the peer as ip -j shows them, M-DOWN from the peer state the monitor keeps', (t) => watching(t, ['link'], {}, async (ns, c) => {
  ip(ns, 'link', 'add', 'p0', 'type', 'veth', 'peer', 'name', 'p1');
  ip(ns, 'link', 'set', 'p0', 'up'); // p1 stays down: ip shows p0 as M-DOWN
  ip(ns, 'link', 'set', 'p0', 'mtu', '1400');
  const [want] = ipJson<(IpLink & { flags: string[]; link: string })[]>(ns, 'link', 'show', 'p0');
  assert.ok(want.flags.includes('M-DOWN'), `ip shows ${want.flags.join(',')}`);
  const e = await c.waitFor(() => c.items.find((i) => i.kind === 'event' && i.object === 'link' && i.value.ifname === 'p0' && i.value.mtu === 1400));
  assert.ok(e.kind === 'event' && e.object === 'link');
  assert.deepEqual([e.value.flags, e.value.link, e.value.mtu], [want.flags, want.link, want.mtu]);
}));

test('nexthop and nsid events, and their dumps', async (t) => {
  if (!needRoot(t)) return;
  await withNetns((other) => watching(t, ['nexthop', 'nsid'], { initial: true }, async (ns, c) => {
    ip(ns, 'nexthop', 'add', 'id', '7', 'blackhole');
    ip(ns, 'netns', 'set', other, '5');
    const nh = await c.waitFor(() => c.items.find((i) => i.kind === 'event' && i.object === 'nexthop'));
    assert.ok(nh.kind === 'event' && nh.object === 'nexthop' && nh.action === 'new');
    assert.deepEqual([nh.value.id, nh.value.blackhole], [7, true]);
    const id = await c.waitFor(() => c.items.find((i) => i.kind === 'event' && i.object === 'nsid'));
    assert.ok(id.kind === 'event' && id.object === 'nsid' && id.action === 'new');
    assert.deepEqual([id.value.nsid, id.value.name], [5, other], 'a new id with its /run/netns name');
    ip(ns, 'nexthop', 'del', 'id', '7');
    await c.waitFor(() => c.items.find((i) => i.kind === 'event' && i.object === 'nexthop' && i.action === 'del'));
    // an id goes when its namespace does: the event still names it, as it was named
    const gone = await withNetns(async (g) => {
      ip(ns, 'netns', 'set', g, '6');
      await c.waitFor(() => c.items.find((i) => i.kind === 'event' && i.object === 'nsid' && i.value.nsid === 6));
      return g;
    });
    const del = await c.waitFor(() => c.items.find((i) => i.kind === 'event' && i.object === 'nsid' && i.action === 'del'));
    assert.ok(del.kind === 'event' && del.object === 'nsid');
    assert.deepEqual([del.value.nsid, del.value.name], [6, gone]);
    // the same kinds dumped, as a resync does
    ip(ns, 'nexthop', 'add', 'id', '8', 'blackhole');
    const rt = openRoute({ netns: ns });
    const d = collect(rt.monitor(['nexthop', 'nsid'], { initial: true }));
    try {
      await d.waitFor(() => d.items.length >= 2);
      assert.deepEqual(d.items.map((i) => i.kind === 'resync' && [i.object, i.values.map((v) => ('id' in v ? [v.id, v.blackhole] : v.nsid))]), [['nexthop', [[8, true]]], ['nsid', [5]]]);
    } finally {
      await d.close();
      rt.close();
    }
  }));
});

test('family: an inet6 monitor sees IPv6 routes only', (t) => watching(t, ['route'], { family: 'inet6' }, async (ns, c) => {
  ip(ns, 'route', 'add', '10.7.0.0/24', 'dev', 'lo');
  ip(ns, '-6', 'route', 'add', '2001:db8:7::/64', 'dev', 'lo');
  await c.waitFor(() => c.items.find((i) => i.kind === 'event' && i.value.dst === '2001:db8:7::/64'));
  assert.ok(c.items.every((i) => i.kind === 'event' && i.value.family === 'inet6'), 'no IPv4 route among the items');
}));

test('allNsid: events of two other namespaces carry their nsids and names', async (t) => {
  if (!needRoot(t)) return;
  await withNetns((home) => withNetns((b) => withNetns(async (c3) => {
    // ids for b and c3 in home's table (ip netns set), so home hears them
    ip(home, 'netns', 'set', b, '11');
    ip(home, 'netns', 'set', c3, '12');
    const rt = openRoute({ netns: home });
    const c = collect(rt.monitor(['route'], { allNsid: true }));
    try {
      ip(b, 'route', 'add', '10.11.0.0/24', 'dev', 'lo');
      ip(c3, 'route', 'add', '10.12.0.0/24', 'dev', 'lo');
      ip(home, 'route', 'add', '10.10.0.0/24', 'dev', 'lo');
      const find = (dst: string) => c.waitFor(() => c.items.find((i) => i.kind === 'event' && i.value.dst === dst));
      const [eb, ec, eh] = [await find('10.11.0.0/24'), await find('10.12.0.0/24'), await find('10.10.0.0/24')];
      assert.deepEqual([eb.kind === 'event' && eb.nsid, eb.kind === 'event' && eb.netns], [11, b]);
      assert.deepEqual([ec.kind === 'event' && ec.nsid, ec.kind === 'event' && ec.netns], [12, c3]);
      assert.ok(eh.kind === 'event' && eh.nsid === undefined && eh.netns === undefined);
    } finally {
      await c.close();
      rt.close();
    }
  })));
});

test('overrun: a burst past a tiny receive buffer yields a resync equal to ip -j route show', (t) => watching(t, ['route'], { rcvbuf: 4096 }, async (ns, c) => {
  addRoutes(ns, 5000); // the event loop is blocked meanwhile: the socket's queue overflows
  const r = await c.waitFor(() => c.items.find((i) => i.kind === 'resync'), 30_000);
  assert.ok(r.kind === 'resync' && r.object === 'route' && !r.initial);
  const events = c.items.filter((i) => i.kind === 'event').length;
  assert.ok(events < 5000, `some events were lost (${events} arrived)`);
  const want = ipJson<IpRoute[]>(ns, 'route', 'show', 'table', 'all').map(ipRouteText).sort();
  const dev = ipLinkNames(ns, ipJson);
  assert.deepEqual(r.values.map((v) => routeText(v, dev)).sort(), want);
  assert.ok(r.values.every((v) => v.dev === (v.ifindex ? dev(v.ifindex) : undefined)), 'the resync names devices as ip does');
}));

test('overrun with resync: false is one overrun item', (t) => watching(t, ['route'], { rcvbuf: 4096, resync: false }, async (ns, c) => {
  addRoutes(ns, 2000);
  await c.waitFor(() => c.items.find((i) => i.kind === 'overrun'), 30_000);
  assert.ok(!c.items.some((i) => i.kind === 'resync'));
}));

test('initial: a resync per kind first, dumped after subscribing', async (t) => {
  if (!needRoot(t)) return;
  await withNetns(async (ns) => {
    ip(ns, 'route', 'add', '10.8.0.0/24', 'dev', 'lo');
    const rt = openRoute({ netns: ns });
    const c = collect(rt.monitor(['route', 'link'], { initial: true }));
    try {
      await c.waitFor(() => c.items.length >= 2);
      const [first, second] = c.items;
      assert.ok(first.kind === 'resync' && first.initial && first.object === 'route');
      assert.ok(first.values.some((r) => r.dst === '10.8.0.0/24'));
      assert.ok(second.kind === 'resync' && second.initial && second.object === 'link');
      assert.deepEqual(second.values.map((l) => l.ifname), ['lo']);
    } finally {
      await c.close();
      rt.close();
    }
  });
});

test('EventEmitter style, close(), and breaking out of the loop all close the monitor', async (t) => {
  if (!needRoot(t)) return;
  await withNetns(async (ns) => {
    const rt = openRoute({ netns: ns });
    const closed = (mon: RouteMonitor<'route'>) => new Promise((resolve) => mon.once('close', resolve));
    try {
      const heard = rt.monitor(['route']);
      const got = new Promise<string>((resolve) => heard.on('event', (e) => { if (e.value.dst === '10.4.0.0/24') resolve(e.action); }));
      ip(ns, 'route', 'add', '10.4.0.0/24', 'dev', 'lo');
      assert.equal(await got, 'new');
      const heardClosed = closed(heard);
      heard.close();
      await heardClosed;

      const iterated = rt.monitor(['route']);
      const iteratedClosed = closed(iterated);
      setTimeout(() => ip(ns, 'route', 'add', '10.3.0.0/24', 'dev', 'lo'), 20);
      for await (const item of iterated) if (item.kind === 'event') break;
      await iteratedClosed;
    } finally {
      rt.close();
    }
  });
});

test('bad arguments are typed errors naming the option', () => {
  const rt = openRoute();
  try {
    assert.throws(() => rt.monitor(['routes' as 'route']), { name: 'NetlinkArgumentError', message: /objects.*"routes"/ });
    assert.throws(() => rt.monitor([]), { code: 'ERR_INVALID_ARG_TYPE' });
    assert.throws(() => rt.monitor('all', { alNsid: true } as object), { message: /no option 'alNsid'/ });
    assert.throws(() => rt.monitor('all', { family: 'ipx' }), { name: 'NetlinkArgumentError' });
    assert.throws(() => rt.monitor('all', { resync: 1 as unknown as boolean }), { message: /resync/ });
    assert.throws(() => rt.monitor('all', { rcvbuf: -1 }), { name: 'NetlinkArgumentError' });
    // the stream's options are refused before a socket opens, as Connection.events refuses them
    for (const bad of [{ highWaterMark: 0 }, { highWaterMark: 1.5 }, { highWaterMark: 2 ** 31 }, { ref: 1 as unknown as boolean }])
      assert.throws(() => rt.monitor('all', bad), { name: 'NetlinkArgumentError', message: new RegExp(Object.keys(bad)[0]) });
    assert.ok(RouteMonitor);
  } finally {
    rt.close();
  }
});

test('route events name their devices from the monitor\'s name maps, here and in other namespaces, after renames too', async (t) => {
  if (!needRoot(t)) return;
  await withNetns((home) => withNetns(async (other) => {
    ip(home, 'netns', 'set', other, '21');
    ip(other, 'link', 'add', 'o0', 'type', 'veth', 'peer', 'name', 'o1');
    ip(other, 'link', 'set', 'o0', 'up');
    ip(home, 'link', 'add', 'h0', 'type', 'veth', 'peer', 'name', 'h1');
    ip(home, 'link', 'set', 'h0', 'up');
    const rt = openRoute({ netns: home });
    // link requests on the handle's connection: one link dump loads the names, no request per event
    const getlinks = countGetlinks(rt.ctx.conn);
    const c = collect(rt.monitor(['route'], { allNsid: true }));
    const devOf = async (dst: string) => {
      const e = await c.waitFor(() => c.items.find((i) => i.kind === 'event' && i.action === 'new' && i.value.dst === dst));
      return e.kind === 'event' ? e.value.dev : undefined;
    };
    try {
      ip(other, 'route', 'add', '10.31.0.0/24', 'dev', 'o0');
      ip(home, 'route', 'add', '10.32.0.0/24', 'dev', 'h0');
      assert.equal(await devOf('10.31.0.0/24'), 'o0', 'a name in the other namespace');
      assert.equal(await devOf('10.32.0.0/24'), 'h0');
      // renamed after the names were loaded: the link events keep them current
      ip(home, 'link', 'set', 'h0', 'down');
      ip(home, 'link', 'set', 'h0', 'name', 'h9');
      ip(home, 'link', 'set', 'h9', 'up');
      ip(home, 'route', 'add', '10.33.0.0/24', 'dev', 'h9');
      ip(other, 'link', 'set', 'o0', 'down');
      ip(other, 'link', 'set', 'o0', 'name', 'o9');
      ip(other, 'link', 'set', 'o9', 'up');
      ip(other, 'route', 'add', '10.34.0.0/24', 'dev', 'o9');
      assert.equal(await devOf('10.33.0.0/24'), 'h9');
      assert.equal(await devOf('10.34.0.0/24'), 'o9');
      assert.equal(getlinks.count, 1, 'one link dump for the home namespace\'s names');
    } finally {
      await c.close();
      rt.close();
    }
  }));
});

test('an event that cannot be decoded is one error item; the monitor goes on, and a cache re-dumps', async (t) => {
  if (!needRoot(t)) return;
  const original = OBJECTS.route.decode;
  OBJECTS.route.decode = (m, scope) => {
    const r = original(m, scope);
    if (r.dst === '10.66.0.0/24') throw new Error('undecodable');
    return r;
  };
  try {
    await withNetns(async (ns) => {
      const rt = openRoute({ netns: ns });
      const c = collect(rt.monitor(['route']));
      const cache = new RouteCache(rt);
      try {
        await cache.ready();
        ip(ns, 'route', 'add', '10.66.0.0/24', 'dev', 'lo');
        ip(ns, 'route', 'add', '10.67.0.0/24', 'dev', 'lo');
        await c.waitFor(() => c.items.find((i) => i.kind === 'event' && i.value.dst === '10.67.0.0/24'));
        const errors = c.items.filter((i) => i.kind === 'error');
        assert.equal(errors.length, 1);
        assert.match(String((errors[0] as { error: Error }).error.message), /undecodable/);
        OBJECTS.route.decode = original; // the re-dump decodes it
        await c.waitFor(() => cache.errors === 1 && cache.values().some((r) => r.dst === '10.66.0.0/24') && cache.values().some((r) => r.dst === '10.67.0.0/24'));
      } finally {
        cache.close();
        await c.close();
        rt.close();
      }
    });
  } finally {
    OBJECTS.route.decode = original;
  }
});

test('sync(): the same items blocking this thread: initial dumps, events, and an overrun\'s resync', async (t) => {
  if (!needRoot(t)) return;
  await withNetns((ns) => {
    ip(ns, 'link', 'set', 'lo', 'up');
    ip(ns, 'route', 'add', '10.9.0.0/24', 'dev', 'lo');
    const rt = openRoute({ netns: ns });
    const monitors: RouteMonitor<'route'>[] = [];
    const monitor = () => {
      const m = rt.monitor(['route'], { rcvbuf: 4096 });
      monitors.push(m);
      return m;
    };
    try {
      const mon = rt.monitor(['route'], { initial: true, rcvbuf: 4096 });
      monitors.push(mon);
      const items = mon.sync({ timeout: 10_000 });
      // one reader only: for-await and item listeners would take its events
      assert.throws(() => mon[Symbol.asyncIterator](), (e: unknown) => (e as { code?: string }).code === 'ERR_INVALID_STATE');
      assert.throws(() => mon.on('item', () => {}), (e: unknown) => (e as { code?: string }).code === 'ERR_INVALID_STATE');
      const first = items.next().value;
      assert.ok(first?.kind === 'resync' && first.initial && first.values.some((r) => r.dst === '10.9.0.0/24'));
      ip(ns, 'route', 'add', '10.10.0.0/24', 'dev', 'lo');
      const ev = items.next().value;
      assert.ok(ev?.kind === 'event' && ev.action === 'new' && ev.value.dst === '10.10.0.0/24' && ev.value.dev === 'lo', JSON.stringify(ev));
      addRoutes(ns, 3000); // more than the 4 KiB queue holds: the kernel drops some
      let resync;
      for (const item of items) if (item.kind === 'resync') {
        resync = item;
        break;
      }
      assert.ok(resync && !resync.initial);
      const want = ipJson<IpRoute[]>(ns, 'route', 'show', 'table', 'all').map(ipRouteText).sort();
      const dev = ipLinkNames(ns, ipJson);
      assert.deepEqual(resync.values.map((v) => routeText(v, dev)).sort(), want);
      assert.equal(items.next().done, true, 'breaking out closed the monitor');

      const iterated = monitor();
      void iterated[Symbol.asyncIterator]();
      assert.throws(() => iterated.sync(), (e: unknown) => (e as { code?: string }).code === 'ERR_INVALID_STATE');
      assert.throws(() => monitor().sync({ timeout: 'soon' as never }), (e: unknown) => (e as { code?: string }).code === 'ERR_INVALID_ARG_TYPE');
    } finally {
      for (const m of monitors) m.close();
      rt.close();
    }
  });
});
