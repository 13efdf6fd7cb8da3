// nlkit/route routes against the kernel, in throwaway namespaces: what nlkit adds, `ip -j -d
// route` shows with the same values; what `ip` adds, nlkit lists with the same values; errors
// carry the kernel's text and the caller's option.
import assert from 'node:assert/strict';
import { describe, test, type TestContext } from 'node:test';
import { NetlinkArgumentError, NetlinkError } from '../src/core/errors.js';
import { openRoute, type Route, type RouteHandle } from '../src/route/index.js';
import { ip, ipError, ipJson, needRoot, run, withNetns } from './helpers/netns.js';

type IpRoute = Record<string, unknown>;

/** A namespace with a veth pair: v0 (10.1.0.1/24, 2001:db8:1::1/64) and v1, both up. */
async function withLinks(t: TestContext, fn: (ns: string, rt: RouteHandle) => Promise<void> | void): Promise<void> {
  if (!needRoot(t)) return;
  await withNetns(async (ns) => {
    ip(ns, 'link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1');
    ip(ns, 'link', 'set', 'v0', 'up');
    ip(ns, 'link', 'set', 'v1', 'up');
    ip(ns, 'addr', 'add', '10.1.0.1/24', 'dev', 'v0');
    ip(ns, '-6', 'addr', 'add', '2001:db8:1::1/64', 'dev', 'v0', 'nodad');
    const rt = openRoute({ netns: ns });
    try {
      await fn(ns, rt);
    } finally {
      rt.close();
    }
  });
}

/** A Route in the shape `ip -j -d route` prints (the keys it has for such a route). */
function asIp(r: Route): IpRoute {
  const out: IpRoute = { type: r.type, dst: r.dst };
  if (r.gateway) out.gateway = r.gateway;
  if (r.via) out.via = r.via;
  if (r.dev) out.dev = r.dev;
  out.protocol = r.protocol;
  out.scope = r.scope;
  if (r.prefsrc) out.prefsrc = r.prefsrc;
  if (r.metric !== undefined) out.metric = r.metric;
  out.flags = [...r.flags];
  if (r.pref) out.pref = r.pref;
  if (r.nexthops) out.nexthops = r.nexthops.map((n) => ({ ...(n.gateway ? { gateway: n.gateway } : {}), ...(n.dev ? { dev: n.dev } : {}), weight: n.weight, flags: [...n.flags] }));
  if (r.metrics) {
    const { congctl, lock: _lock, features: _f, ...m } = r.metrics;
    out.metrics = [{ ...m, ...(congctl ? { congestion: congctl } : {}) }];
  }
  return out;
}

/** ip's keys we compare (encapsulations print flat in ip -j, with a second `dst`: compared apart). */
function ipComparable(e: IpRoute): IpRoute {
  const out: IpRoute = {};
  for (const k of ['type', 'dst', 'gateway', 'via', 'dev', 'protocol', 'scope', 'prefsrc', 'metric', 'flags', 'pref', 'nexthops', 'metrics']) if (e[k] !== undefined) out[k] = e[k];
  if (out.nexthops) out.nexthops = (out.nexthops as IpRoute[]).map((n) => { const { gateway, dev, weight, flags } = n; return { ...(gateway ? { gateway } : {}), ...(dev ? { dev } : {}), weight, flags }; });
  return out;
}

function assertSameAsIp(routes: Route[], ipRoutes: IpRoute[]): void {
  const key = (e: IpRoute) => `${String(e.type)} ${String(e.dst)} ${String(e.dev ?? '')} ${String(e.metric ?? '')}`;
  const ours = routes.map(asIp).sort((a, b) => key(a).localeCompare(key(b)));
  const theirs = ipRoutes.map(ipComparable).sort((a, b) => key(a).localeCompare(key(b)));
  assert.deepEqual(ours, theirs);
}

describe('routes: nlkit creates, ip reads back', () => {
  test('IPv4 and IPv6 routes in a table >= 256: gateway, dev, metric, prefsrc, types, metrics, onlink, pref', (t) => withLinks(t, async (ns, rt) => {
    await rt.routes.add({ dst: '10.40.0.0/24', via: '10.1.0.2', table: 1000, metric: 5, prefsrc: '10.1.0.1', mtu: 1400, advmss: 1300, initcwnd: 10, congctl: 'cubic' });
    await rt.routes.add({ dst: '10.41.0.0/24', type: 'blackhole', table: 1000 });
    rt.routes.addSync({ dst: '10.42.0.0/24', type: 'unreachable', table: 1000 });
    rt.routes.addSync({ dst: '10.45.0.0/24', type: 'prohibit', table: 1000 });
    rt.routes.addSync({ dst: '10.46.0.0/24', type: 'throw', table: 1000 });
    await rt.routes.add({ dst: '10.42.0.1', type: 'local', dev: 'v0', table: 1000 });
    await rt.routes.add({ dst: '10.44.0.0/24', via: '10.99.0.1', dev: 'v0', onlink: true, table: 1000 });
    await rt.routes.add({ dst: '10.47.0.0/24', dev: 'v0', table: 1000, protocol: 'static' });
    await rt.routes.add({ dst: '2001:db8:40::/64', via: '2001:db8:1::2', dev: 'v0', table: 1000, pref: 'high' });
    assertSameAsIp(await rt.routes.list({ table: 1000, family: 4 }), ipJson(ns, '-d', 'route', 'show', 'table', '1000'));
    assertSameAsIp(rt.routes.listSync({ table: 1000, family: 'inet6' }), ipJson(ns, '-d', '-6', 'route', 'show', 'table', '1000'));
    // scope from the type, as ip: host for local, link for a gateway-less unicast route
    const byDst = new Map((await rt.routes.list({ table: 1000 })).map((r) => [r.dst, r]));
    assert.equal(byDst.get('10.42.0.1')?.scope, 'host');
    assert.equal(byDst.get('10.47.0.0/24')?.scope, 'link');
    assert.equal(byDst.get('10.40.0.0/24')?.table, '1000');
    assert.equal(byDst.get('10.40.0.0/24')?.tableId, 1000);
  }));

  test('a route through a nexthop object (nhid); metrics features, rto_min, quickack, hoplimit, window', (t) => withLinks(t, async (ns, rt) => {
    try {
      ip(ns, 'nexthop', 'add', 'id', '10', 'via', '10.1.0.2', 'dev', 'v0');
    } catch (e) {
      return t.skip(`no nexthop objects: ${String((e as { stderr?: string }).stderr ?? e).trim()}`);
    }
    await rt.routes.add({ dst: '10.77.0.0/24', nhid: 10 });
    const shown = ipJson<IpRoute[]>(ns, 'route', 'show', '10.77.0.0/24')[0];
    assert.equal(shown.nhid, 10);
    const listed = (await rt.routes.list({ dst: '10.77.0.0/24' }))[0];
    assert.deepEqual([listed.nhid, listed.gateway, listed.dev], [10, '10.1.0.2', 'v0']);
    await rt.routes.add({ dst: '10.78.0.0/24', via: '10.1.0.2', features: ['ecn'], quickack: 1, rtoMin: 50, hoplimit: 9, window: 1000, lock: ['window'] });
    assert.deepEqual(ipJson<IpRoute[]>(ns, 'route', 'show', '10.78.0.0/24')[0].metrics, [{ window: 1000, hoplimit: 9, ecn: null, rto_min: 50, quickack: 1 }]);
    assert.match(ip(ns, 'route', 'show', '10.78.0.0/24'), /window lock 1000/);
    assert.deepEqual((await rt.routes.list({ dst: '10.78.0.0/24' }))[0].metrics, { lock: ['window'], window: 1000, hoplimit: 9, features: ['ecn'], rtoMin: 50, quickack: 1 });
  }));

  test('tables by name: main by default, default (253)', (t) => withLinks(t, async (ns, rt) => {
    await rt.routes.add({ dst: '10.50.0.0/24', via: '10.1.0.2' });
    await rt.routes.add({ dst: '10.51.0.0/24', via: '10.1.0.2', table: 'default' });
    assert.deepEqual(ipJson<IpRoute[]>(ns, 'route', 'show', '10.50.0.0/24').map((r) => r.gateway), ['10.1.0.2']);
    assert.deepEqual(ipJson<IpRoute[]>(ns, 'route', 'show', 'table', 'default').map((r) => r.dst), ['10.51.0.0/24']);
    const main = await rt.routes.list({ family: 4 });
    assert.ok(main.every((r) => r.table === 'main'));
    const all = await rt.routes.list({ table: 'all', family: 4 });
    assert.equal(all.find((r) => r.dst === '10.51.0.0/24')?.table, 'default');
    assert.ok(all.some((r) => r.table === 'local'));
    // a table with no routes does not exist: empty for both families, the kernel's ENOENT for one (as ip)
    assert.deepEqual(await rt.routes.list({ table: 4242 }), []);
    await assert.rejects(rt.routes.list({ table: 4242, family: 4 }), (e: NetlinkError) => e.code === 'ENOENT' && e.extackMessage === 'ipv4: FIB table does not exist');
  }));

  test('multipath with weights, IPv4 and IPv6; an IPv6 gateway on an IPv4 route (RTA_VIA)', (t) => withLinks(t, async (ns, rt) => {
    await rt.routes.add({ dst: '10.60.0.0/24', nexthops: [{ via: '10.1.0.2', dev: 'v0', weight: 3 }, { via: '10.1.0.3', dev: 'v0' }] });
    await rt.routes.add({ dst: '2001:db8:60::/64', nexthops: [{ via: '2001:db8:1::2', dev: 'v0', weight: 2 }, { via: '2001:db8:1::3', dev: 'v0', weight: 7 }] });
    await rt.routes.add({ dst: '10.61.0.0/24', via: '2001:db8:1::2', dev: 'v0' });
    const v4 = ipJson<IpRoute[]>(ns, '-d', 'route', 'show', '10.60.0.0/24');
    assertSameAsIp(await rt.routes.list({ dst: '10.60.0.0/24' }), v4);
    assert.deepEqual((v4[0].nexthops as IpRoute[]).map((n) => n.weight), [3, 1]);
    assertSameAsIp(await rt.routes.list({ dst: '2001:db8:60::/64' }), ipJson(ns, '-d', '-6', 'route', 'show', '2001:db8:60::/64'));
    const via = ipJson<IpRoute[]>(ns, 'route', 'show', '10.61.0.0/24')[0];
    assert.deepEqual(via.via, { family: 'inet6', host: '2001:db8:1::2' });
    assert.deepEqual((await rt.routes.list({ dst: '10.61.0.0/24' }))[0].via, via.via);
  }));

  test('encap seg6 and ip/ip6 (probed), read back by ip', (t) => withLinks(t, async (ns, rt) => {
    try {
      await rt.routes.add({ dst: '2001:db8:70::/64', dev: 'v0', encap: { type: 'seg6', mode: 'encap', segs: ['2001:db8::1', '2001:db8::2', '2001:db8::3'] } });
    } catch (e) {
      if ((e as NetlinkError).code === 'EOPNOTSUPP') return t.skip(`seg6 encap: ${(e as Error).message}`);
      throw e;
    }
    const seg = ipJson<IpRoute[]>(ns, '-6', 'route', 'show', '2001:db8:70::/64')[0];
    assert.equal(seg.encap, 'seg6');
    assert.equal(seg.mode, 'encap');
    assert.deepEqual(seg.segs, ['2001:db8::1', '2001:db8::2', '2001:db8::3']);
    assert.deepEqual((await rt.routes.list({ dst: '2001:db8:70::/64' }))[0].encap, { type: 'seg6', mode: 'encap', segs: ['2001:db8::1', '2001:db8::2', '2001:db8::3'] });
    await rt.routes.add({ dst: '10.70.0.0/24', dev: 'v0', encap: { type: 'ip', id: 7, dst: '10.9.9.9', ttl: 4 } });
    const ipe = ipJson<IpRoute[]>(ns, 'route', 'show', '10.70.0.0/24')[0];
    assert.equal(ipe.encap, 'ip');
    assert.equal(ipe.id, 7);
    assert.equal(ipe.ttl, 4);
    await rt.routes.add({ dst: '2001:db8:71::/64', dev: 'v0', encap: { type: 'ip6', id: 9n, dst: '2001:db8::9', hoplimit: 3 } });
    const ip6e = ipJson<IpRoute[]>(ns, '-6', 'route', 'show', '2001:db8:71::/64')[0];
    assert.deepEqual([ip6e.encap, ip6e.id, ip6e.hoplimit], ['ip6', 9, 3]);
    const listed = (await rt.routes.list({ dst: '10.70.0.0/24' }))[0].encap;
    assert.deepEqual(listed, { type: 'ip', id: 7n, dst: '10.9.9.9', src: '0.0.0.0', ttl: 4, tos: 0, flags: 0 });
  }));

  test('encap mpls (needs the mpls_iptunnel module: probed)', (t) => withLinks(t, async (ns, rt) => {
    try {
      await rt.routes.add({ dst: '10.80.0.0/24', via: '10.1.0.2', encap: { type: 'mpls', labels: [100, 200], ttl: 9 } });
    } catch (e) {
      if ((e as NetlinkError).code === 'EOPNOTSUPP') return t.skip(`kernel without MPLS lwtunnel: ${(e as NetlinkError).extackMessage ?? (e as Error).message}`);
      throw e;
    }
    assert.match(ip(ns, 'route', 'show', '10.80.0.0/24'), /encap mpls {2}100\/200 ttl 9/);
    assert.deepEqual((await rt.routes.list({ dst: '10.80.0.0/24' }))[0].encap, { type: 'mpls', labels: [100, 200], ttl: 9 });
  }));
});

describe('routes: ip creates, nlkit reads', () => {
  test('the main and a numbered table, both families, with every kind ip made', (t) => withLinks(t, async (ns, rt) => {
    for (const args of [
      ['route', 'add', '10.90.0.0/24', 'via', '10.1.0.2', 'metric', '7', 'src', '10.1.0.1'],
      ['route', 'add', 'blackhole', '10.91.0.0/24'],
      ['route', 'add', 'prohibit', '10.92.0.0/24', 'table', '300'],
      ['route', 'add', '10.93.0.0/24', 'nexthop', 'via', '10.1.0.2', 'dev', 'v0', 'weight', '4', 'nexthop', 'via', '10.1.0.3', 'dev', 'v0'],
      ['route', 'add', '10.94.0.0/24', 'via', '10.1.0.2', 'mtu', '1300', 'initcwnd', '12', 'congctl', 'reno', 'proto', 'bird'],
      ['route', 'add', 'default', 'via', '10.1.0.254'],
      ['-6', 'route', 'add', '2001:db8:90::/48', 'via', '2001:db8:1::2', 'metric', '33', 'pref', 'low'],
      ['-6', 'route', 'add', 'unreachable', '2001:db8:91::/48'],
    ]) ip(ns, ...args);
    assertSameAsIp(await rt.routes.list({ family: 4 }), ipJson(ns, '-d', 'route', 'show'));
    assertSameAsIp(await rt.routes.list({ family: 6 }), ipJson(ns, '-d', '-6', 'route', 'show'));
    assertSameAsIp(await rt.routes.list({ table: 300 }), ipJson(ns, '-d', 'route', 'show', 'table', '300'));
    const def = (await rt.routes.list({ dst: 'default', family: 4 }))[0];
    assert.equal(def.dst, 'default');
    assert.equal(def.gateway, '10.1.0.254');
    // filters the kernel applies (device, protocol, type) and those nlkit does (scope)
    assert.deepEqual((await rt.routes.list({ protocol: 'bird' })).map((r) => r.dst), ['10.94.0.0/24']);
    assert.deepEqual((await rt.routes.list({ type: 'blackhole' })).map((r) => r.dst), ['10.91.0.0/24']);
    assert.deepEqual((await rt.routes.list({ family: 4, scope: 'link' })).map((r) => r.dst).sort(), ipJson<IpRoute[]>(ns, 'route', 'show', 'scope', 'link').map((r) => r.dst).sort());
    // prefix selectors as ip's: exact (dst), root (inside), match (covering)
    for (const [sel, value] of [['root', '10.90.0.0/15'], ['match', '10.93.0.5'], ['root', '10.0.0.0/8'], ['match', '10.1.0.77/32']] as const)
      assert.deepEqual((await rt.routes.list({ family: 4, [sel]: value })).map((r) => r.dst).sort(), ipJson<IpRoute[]>(ns, 'route', 'show', sel, value).map((r) => r.dst).sort(), `${sel} ${value}`);
    assert.deepEqual((await rt.routes.list({ family: 6, match: '2001:db8:90::1' })).map((r) => r.dst), ipJson<IpRoute[]>(ns, '-6', 'route', 'show', 'match', '2001:db8:90::1').map((r) => r.dst));
    assert.ok((await rt.routes.list({ dev: 'v0', family: 4 })).every((r) => r.dev === 'v0' || r.nexthops?.every((n) => n.dev === 'v0')));
  }));

  test('stream() yields a large table in order with bounded buffering; list() of the same agrees', (t) => withLinks(t, async (ns, rt) => {
    const lines = Array.from({ length: 3000 }, (_, i) => `route add 10.${200 + (i >> 8)}.${i & 255}.0/24 dev v0 table 500`).join('\n');
    run('ip', ['-n', ns, '-batch', '-'], lines + '\n');
    let n = 0;
    for await (const r of rt.routes.stream({ table: 500 })) {
      assert.equal(r.dev, 'v0');
      n++;
    }
    assert.equal(n, 3000);
    assert.equal((await rt.routes.list({ table: 500 })).length, 3000);
    // another namespace's stream, by option
    let other = 0;
    const root = openRoute();
    for await (const _ of root.routes.stream({ table: 500 }, { netns: ns })) other++;
    assert.equal(root.routes.listSync({ table: 500 }, { netns: ns }).length, 3000);
    root.close();
    assert.equal(other, 3000);
  }));
});

describe('routes: get, replace, append, flush, bulk, errors', () => {
  test('get as ip route get, with fibmatch', (t) => withLinks(t, async (ns, rt) => {
    await rt.routes.add({ dst: '10.100.0.0/16', via: '10.1.0.2' });
    const got = await rt.routes.get('10.100.3.4');
    const ipGot = ipJson<IpRoute[]>(ns, 'route', 'get', '10.100.3.4')[0];
    assert.deepEqual([got.dst, got.gateway, got.dev, got.prefsrc], [ipGot.dst, ipGot.gateway, ipGot.dev, ipGot.prefsrc]);
    const fib = rt.routes.getSync({ dst: '10.100.3.4', fibmatch: true });
    const ipFib = ipJson<IpRoute[]>(ns, 'route', 'get', 'fibmatch', '10.100.3.4')[0];
    assert.deepEqual([fib.dst, fib.gateway, fib.dev, fib.protocol], [ipFib.dst, ipFib.gateway, ipFib.dev, 'boot']);
    assert.equal(fib.dst, '10.100.0.0/16');
    const six = await rt.routes.get({ dst: '2001:db8:1::9', dev: 'v0' });
    assert.equal(six.dev, 'v0');
    await assert.rejects(rt.routes.get('192.0.2.1'), (e: NetlinkError) => e.code === 'ENETUNREACH');
  }));

  test('replace changes a route in place; append adds a second IPv6 route; add twice is EEXIST', (t) => withLinks(t, async (ns, rt) => {
    await rt.routes.add({ dst: '10.110.0.0/24', via: '10.1.0.2' });
    await assert.rejects(rt.routes.add({ dst: '10.110.0.0/24', via: '10.1.0.3' }), (e: NetlinkError) => e.code === 'EEXIST');
    await rt.routes.add({ dst: '10.110.0.0/24', via: '10.1.0.3', replace: true });
    assert.deepEqual(ipJson<IpRoute[]>(ns, 'route', 'show', '10.110.0.0/24').map((r) => r.gateway), ['10.1.0.3']);
    await rt.routes.add({ dst: '10.111.0.0/24', via: '10.1.0.3', replace: true }); // replace creates too
    await rt.routes.replace({ dst: '10.111.0.0/24', via: '10.1.0.2' }); // as a method, too
    assert.deepEqual(ipJson<IpRoute[]>(ns, 'route', 'show', '10.111.0.0/24').map((r) => r.gateway), ['10.1.0.2']);
    await rt.routes.add({ dst: '2001:db8:110::/64', via: '2001:db8:1::2', dev: 'v0' });
    await rt.routes.add({ dst: '2001:db8:110::/64', via: '2001:db8:1::3', dev: 'v0', append: true });
    const six = ipJson<IpRoute[]>(ns, '-6', 'route', 'show', '2001:db8:110::/64')[0];
    assert.deepEqual((six.nexthops as IpRoute[]).map((n) => n.gateway), ['2001:db8:1::2', '2001:db8:1::3']);
    await rt.routes.delete({ dst: '10.110.0.0/24' });
    assert.deepEqual(ipJson(ns, 'route', 'show', '10.110.0.0/24'), []);
    await assert.rejects(rt.routes.delete({ dst: '10.110.0.0/24' }), (e: NetlinkError) => e.code === 'ESRCH');
  }));

  test('flush deletes what the filter lists, in one transaction', (t) => withLinks(t, async (ns, rt) => {
    const made = await rt.routes.add(Array.from({ length: 50 }, (_, i) => ({ dst: `10.120.${i}.0/24`, via: '10.1.0.2', table: 700 })));
    assert.equal(made.ok, true);
    await rt.routes.add({ dst: '10.121.0.0/24', via: '10.1.0.2', table: 700, protocol: 'static' });
    const res = await rt.routes.flush({ table: 700, protocol: 'boot' });
    assert.deepEqual(res, { ok: true, done: 50, failures: [] });
    assert.deepEqual(ipJson<IpRoute[]>(ns, 'route', 'show', 'table', '700').map((r) => r.dst), ['10.121.0.0/24']);
    assert.deepEqual(rt.routes.flushSync({ table: 700 }), { ok: true, done: 1, failures: [] });
    assert.deepEqual(rt.routes.flushSync({ table: 700 }), { ok: true, done: 0, failures: [] });
  }));

  test('bulk: 2,000 routes in one transaction, the one bad route reported at its index with the kernel\'s text', (t) => withLinks(t, async (ns, rt) => {
    const specs = Array.from({ length: 2000 }, (_, i) => ({ dst: `10.${130 + (i >> 8)}.${i & 255}.0/24`, via: '10.1.0.2' }));
    specs[1234] = { dst: '10.250.0.0/24', via: '192.0.2.77' };
    const res = await rt.routes.add(specs);
    assert.equal(res.ok, false);
    assert.equal(res.done, 1999);
    assert.equal(res.failures.length, 1);
    assert.equal(res.failures[0].index, 1234);
    const err = res.failures[0].error as NetlinkError & { field?: string };
    assert.equal(err.code, 'ENETUNREACH');
    assert.equal(err.extackMessage, ipError(ns, 'route', 'add', '10.250.0.0/24', 'via', '192.0.2.77').replace(/^Error: /, '').replace(/\.$/, ''));
    assert.equal(err.field, 'via');
    assert.equal(ipJson<IpRoute[]>(ns, 'route', 'show').filter((r) => r.gateway === '10.1.0.2').length, 1999);
    const del = rt.routes.deleteSync(specs.filter((_, i) => i !== 1234));
    assert.deepEqual(del, { ok: true, done: 1999, failures: [] });
    // a spec that cannot be built is a failure at its index, not sent; the others are
    const mixed = await rt.routes.add([{ dst: '10.251.0.0/24', via: '10.1.0.2' }, { dst: '10.252.0.0/24', via: 'nope' }, { dst: '10.253.0.0/24', via: '10.1.0.2' }]);
    assert.deepEqual([mixed.ok, mixed.done, mixed.failures.map((f) => f.index)], [false, 2, [1]]);
    assert.ok(mixed.failures[0].error instanceof NetlinkArgumentError);
  }));

  test('errors: the kernel\'s ext-ack text and the caller\'s option; bad values are typed errors before anything is sent', (t) => withLinks(t, async (ns, rt) => {
    await assert.rejects(rt.routes.add({ dst: '10.140.0.0/24', via: '192.0.2.1' }), (e: NetlinkError & { field?: string }) =>
      e.extackMessage === 'Nexthop has invalid gateway' && e.field === 'via' && /\(option via\)/.test(e.message));
    await assert.rejects(rt.routes.add({ dst: '10.141.0.0/24', nexthops: [{ via: '10.1.0.2', dev: 'v0' }, { via: '192.0.2.1' }] }), (e: NetlinkError & { field?: string }) =>
      e instanceof NetlinkError && typeof e.field === 'string' && /via|nexthops/.test(e.field));
    const cases: [unknown, string][] = [
      [{ dst: '10.0.0.0/33' }, 'dst'],
      [{ dst: '10.0.0.0/24', via: 'nope' }, 'via'],
      [{ dst: '2001:db8::/64', via: '10.0.0.1' }, 'via'],
      [{ dst: '10.0.0.0/24', table: 'no-such-table' }, 'table'],
      [{ dst: '10.0.0.0/24', type: 'bogus' }, 'type'],
      [{ dst: '10.0.0.0/24', metric: -1 }, 'metric'],
      [{ dst: '10.0.0.0/24', mtu: 1.5 }, 'mtu'],
      [{ dst: '10.0.0.0/24', nexthops: [{ via: '10.1.0.2', weight: 0 }] }, 'nexthops[0].weight'],
      [{ dst: '10.0.0.0/24', encap: { type: 'mpls', labels: [1 << 20] } }, 'encap.labels[0]'],
      [{ dst: '10.0.0.0/24', encap: { type: 'seg6', segs: ['10.0.0.1'] } }, 'encap.segs[0]'],
      [{ dst: '10.0.0.0/24', gateway: '10.0.0.1' }, 'gateway'],
      [{ dst: '10.0.0.0/24', lock: ['bogus'] }, 'lock[0]'],
    ];
    for (const [spec, option] of cases)
      await assert.rejects(rt.routes.add(spec as never), (e: NetlinkArgumentError) => e instanceof NetlinkArgumentError && e.argument === option, `${JSON.stringify(spec)} -> ${option}`);
    assert.throws(() => rt.routes.addSync({ dst: '10.0.0.0/24', dev: 'nosuchdev' }), /Cannot find device "nosuchdev" \(dev\)/);
    // in bulk, each route naming a missing device fails at its index; the others are added
    const bulk = await rt.routes.add([{ dst: '10.9.0.1/32', dev: 'nosuchdev' }, { dst: '10.9.0.2/32', dev: 'lo' }, { dst: '10.9.0.3/32', dev: 'nosuchdev' }]);
    assert.deepEqual(bulk.failures.map((f) => [f.index, (f.error as { code?: string }).code, /Cannot find device "nosuchdev" \(dev\)/.test(f.error.message)]), [[0, 'ENODEV', true], [2, 'ENODEV', true]]);
    assert.equal(bulk.done, 1);
    assert.throws(() => rt.routes.listSync({ bogus: 1 } as never), NetlinkArgumentError);
    assert.throws(() => rt.routes.getSync({ dst: '10.0.0.1', src: '2001:db8::1' }), NetlinkArgumentError);
  }));
});
