// nlkit/route neighbours against the kernel, in throwaway namespaces: ARP/NDP and proxy
// entries read back with `ip -j neigh`, entries made by `ip` read by nlkit, get / change /
// replace / delete / flush, a bulk with a bad item at its index, and errors with the
// kernel's text and the caller's option. The bridge FDB is in route-neighbours-fdb.test.ts.
import assert from 'node:assert/strict';
import { describe, test, type TestContext } from 'node:test';
import { NetlinkArgumentError, NetlinkError } from '../src/core/errors.js';
import type { Neighbour, RouteHandle } from '../src/route/index.js';
import { ip, ipJson } from './helpers/netns.js';
import { VETH_UP, withRoute } from './helpers/route-ns.js';

type IpNeigh = Record<string, unknown>;

/** An nlkit Neighbour in `ip -j neigh`'s words. */
function asIp(n: Neighbour): IpNeigh {
  const o: IpNeigh = { dst: n.dst, dev: n.ifname };
  if (n.lladdr !== undefined) o.lladdr = n.lladdr;
  if (n.router) o.router = null;
  if (n.proxy) o.proxy = null;
  for (const f of n.flags) o[f] = null;
  if (!n.proxy) o.state = n.state.map((s) => s.toUpperCase());
  if (n.protocol !== undefined) o.protocol = n.protocol;
  return o;
}

const byDst = (a: IpNeigh, b: IpNeigh) => `${String(a.dev)} ${String(a.dst)}`.localeCompare(`${String(b.dev)} ${String(b.dst)}`);
/** The kernel adds and drops multicast entries (MLD, IGMP) on its own: compare the unicast ones. */
const unicast = (x: IpNeigh) => !/^(ff|22[4-9]|23)/.test(String(x.dst));
const sameNeighs = (mine: Neighbour[], theirs: IpNeigh[]) =>
  assert.deepEqual(mine.map(asIp).filter(unicast).sort(byDst), theirs.filter(unicast).sort(byDst));

/** A namespace with a veth pair v0/v1 (up, v0 with an address) and a handle in it. */
const withVeth = (t: TestContext, fn: (rt: RouteHandle, ns: string) => unknown) =>
  withRoute(t, [...VETH_UP, ['addr', 'add', '10.0.0.1/24', 'dev', 'v0']], fn);

describe('neighbours: nlkit adds, ip -j neigh shows the same', () => {
  test('IPv4 and IPv6: permanent, reachable, stale router, noarp, extern_learn with a protocol, managed', (t) => withVeth(t, async (rt, ns) => {
    await rt.neighbours.add({ dst: '10.0.0.5', lladdr: '02:00:00:00:00:05', dev: 'v0' });
    rt.neighbours.addSync({ dst: '10.0.0.6', lladdr: '2:0:0:0:0:6', dev: 'v0', state: 'reachable' });
    rt.neighbours.addSync({ dst: '10.0.0.7', lladdr: '02:00:00:00:00:07', dev: 'v0', state: 'noarp' });
    rt.neighbours.addSync({ dst: '10.0.0.8', lladdr: '02:00:00:00:00:08', dev: 'v0', externLearn: true, protocol: 'zebra' });
    await rt.neighbours.add({ dst: '2001:db8::6', lladdr: '02:00:00:00:00:16', dev: 'v0', state: 'stale', router: true });
    await rt.neighbours.add({ dst: '2001:db8::7', dev: 'v0', managed: true, state: 'none' });
    sameNeighs(rt.neighbours.listSync({ state: 'all' }), ipJson<IpNeigh[]>(ns, 'neigh', 'show', 'nud', 'all'));
    const n = rt.neighbours.getSync({ dst: '10.0.0.6', dev: 'v0' });
    assert.deepEqual({ ...n, used: 0, confirmed: 0, updated: 0, refcnt: 0 }, {
      family: 'inet', dst: '10.0.0.6', ifindex: n.ifindex, ifname: 'v0', lladdr: '02:00:00:00:00:06', state: ['reachable'],
      router: false, proxy: false, flags: [], probes: 0, used: 0, confirmed: 0, updated: 0, refcnt: 0,
    });
    const six = await rt.neighbours.get({ dst: '2001:db8::6', dev: 'v0' });
    assert.deepEqual([six.family, six.router, six.state], ['inet6', true, ['stale']]);
    const el = rt.neighbours.listSync({ dev: 'v0', family: 4 }).find((x) => x.dst === '10.0.0.8');
    assert.deepEqual([el?.flags, el?.protocol, el?.state], [['extern_learn'], 'zebra', ['permanent']]);
    assert.deepEqual(rt.neighbours.listSync({ router: true }).map((x) => x.dst), ['2001:db8::6']);
    assert.deepEqual(rt.neighbours.listSync({ state: ['noarp', 'stale'], dev: 'v0', family: 'inet' }).map((x) => x.dst), ['10.0.0.7']);
  }));

  test('proxy entries: add, list, get, delete; ip -j neigh show proxy agrees', (t) => withVeth(t, async (rt, ns) => {
    await rt.neighbours.add({ dst: '10.0.0.50', dev: 'v0', proxy: true });
    rt.neighbours.addSync({ dst: '2001:db8::50', dev: 'v1', proxy: true });
    ip(ns, 'neigh', 'add', 'proxy', '10.0.0.51', 'dev', 'v1');
    const mine = rt.neighbours.listSync({ proxy: true });
    sameNeighs(mine, ipJson<IpNeigh[]>(ns, 'neigh', 'show', 'proxy'));
    assert.ok(mine.every((n) => n.proxy && n.state.length === 0));
    // proxy entries are not in the other list, nor the others in this one
    assert.ok(rt.neighbours.listSync({ state: 'all' }).every((n) => !n.proxy));
    assert.equal(rt.neighbours.getSync({ dst: '10.0.0.51', dev: 'v1', proxy: true }).proxy, true);
    await rt.neighbours.delete({ dst: '10.0.0.50', dev: 'v0', proxy: true });
    assert.deepEqual(ipJson<IpNeigh[]>(ns, 'neigh', 'show', 'proxy').map((x) => x.dst).sort(), ['10.0.0.51', '2001:db8::50']);
    assert.throws(() => rt.neighbours.addSync({ dst: '10.0.0.52', dev: 'v0', proxy: true, lladdr: '02:00:00:00:00:01' }),
      (e: unknown) => e instanceof NetlinkArgumentError && e.argument === 'lladdr');
  }));
});

describe('neighbours: ip adds, nlkit reads the same', () => {
  test('every state ip can set, routers, extern_learn', (t) => withVeth(t, async (rt, ns) => {
    ip(ns, 'neigh', 'add', '10.0.0.20', 'lladdr', '02:00:00:00:00:20', 'dev', 'v0');
    ip(ns, 'neigh', 'add', '10.0.0.21', 'lladdr', '02:00:00:00:00:21', 'dev', 'v0', 'nud', 'stale');
    ip(ns, 'neigh', 'add', '10.0.0.22', 'lladdr', '02:00:00:00:00:22', 'dev', 'v1', 'nud', 'noarp');
    ip(ns, 'neigh', 'add', '2001:db8::20', 'lladdr', '02:00:00:00:00:30', 'dev', 'v1', 'nud', 'reachable', 'router');
    ip(ns, 'neigh', 'add', '2001:db8::21', 'lladdr', '02:00:00:00:00:31', 'dev', 'v1', 'extern_learn');
    sameNeighs(await rt.neighbours.list({ state: 'all' }), ipJson<IpNeigh[]>(ns, 'neigh', 'show', 'nud', 'all'));
    sameNeighs(rt.neighbours.listSync({ dev: 'v1', family: 6, state: 'all' }),
      ipJson<IpNeigh[]>(ns, '-6', 'neigh', 'show', 'nud', 'all', 'dev', 'v1').map((x) => ({ ...x, dev: 'v1' })));
  }));
});

describe('neighbours: filters', () => {
  test('master: the entries on ports of a bridge (NDA_MASTER, filtered by the kernel)', (t) => withVeth(t, async (rt, ns) => {
    ip(ns, 'link', 'add', 'br0', 'type', 'bridge');
    ip(ns, 'link', 'set', 'v1', 'master', 'br0');
    ip(ns, 'neigh', 'add', '10.0.0.60', 'lladdr', '02:00:00:00:00:60', 'dev', 'v0');
    ip(ns, 'neigh', 'add', '10.0.0.61', 'lladdr', '02:00:00:00:00:61', 'dev', 'v1');
    assert.deepEqual(rt.neighbours.listSync({ master: 'br0', family: 4 }).map((n) => [n.dst, n.ifname]), [['10.0.0.61', 'v1']]);
    sameNeighs(rt.neighbours.listSync({ master: 'br0' }), ipJson<IpNeigh[]>(ns, 'neigh', 'show', 'master', 'br0'));
  }));
});

describe('neighbours: change, replace, delete, flush', () => {
  test('change needs an entry (ENOENT); replace creates or overwrites; delete; ip agrees', (t) => withVeth(t, async (rt, ns) => {
    await assert.rejects(rt.neighbours.change({ dst: '10.0.0.30', lladdr: '02:00:00:00:00:30', dev: 'v0' }), (e: unknown) => (e as NetlinkError).code === 'ENOENT');
    await rt.neighbours.replace({ dst: '10.0.0.30', lladdr: '02:00:00:00:00:30', dev: 'v0', state: 'stale' });
    rt.neighbours.changeSync({ dst: '10.0.0.30', lladdr: '02:00:00:00:00:31', dev: 'v0', state: 'permanent' });
    assert.deepEqual(ipJson<IpNeigh[]>(ns, 'neigh', 'show', 'to', '10.0.0.30'), [{ dst: '10.0.0.30', dev: 'v0', lladdr: '02:00:00:00:00:31', state: ['PERMANENT'] }]);
    assert.throws(() => rt.neighbours.addSync({ dst: '10.0.0.30', lladdr: '02:00:00:00:00:32', dev: 'v0' }), (e: unknown) => (e as NetlinkError).code === 'EEXIST');
    rt.neighbours.deleteSync({ dst: '10.0.0.30', dev: 'v0' });
    assert.deepEqual(ipJson<IpNeigh[]>(ns, 'neigh', 'show', 'to', '10.0.0.30'), []);
    await assert.rejects(rt.neighbours.get({ dst: '10.0.0.30', dev: 'v0' }), (e: unknown) => (e as NetlinkError).code === 'ENOENT');
  }));

  test('flush leaves permanent and noarp entries unless asked, as ip neigh flush does', (t) => withVeth(t, async (rt, ns) => {
    ip(ns, 'neigh', 'add', '10.0.0.40', 'lladdr', '02:00:00:00:00:40', 'dev', 'v0');
    ip(ns, 'neigh', 'add', '10.0.0.41', 'lladdr', '02:00:00:00:00:41', 'dev', 'v0', 'nud', 'noarp');
    for (let i = 42; i < 46; i++) ip(ns, 'neigh', 'add', `10.0.0.${i}`, 'lladdr', `02:00:00:00:00:${i}`, 'dev', 'v0', 'nud', 'stale');
    ip(ns, 'neigh', 'add', '10.0.0.46', 'lladdr', '02:00:00:00:00:46', 'dev', 'v1', 'nud', 'reachable');
    const r = await rt.neighbours.flush({ dev: 'v0', family: 4 });
    assert.deepEqual(r, { ok: true, done: 4, failures: [] });
    assert.deepEqual(ipJson<IpNeigh[]>(ns, '-4', 'neigh', 'show', 'nud', 'all', 'dev', 'v0').map((x) => x.dst).sort(), ['10.0.0.40', '10.0.0.41']);
    assert.equal(rt.neighbours.flushSync({ dev: 'v0', family: 4, state: ['permanent', 'noarp'] }).done, 2);
    assert.deepEqual(ipJson<IpNeigh[]>(ns, '-4', 'neigh', 'show', 'nud', 'all', 'dev', 'v0'), []);
    assert.deepEqual(ipJson<IpNeigh[]>(ns, '-4', 'neigh', 'show', 'dev', 'v1').map((x) => x.dst), ['10.0.0.46']);
  }));
});

describe('neighbours: bulk and errors', () => {
  test('500 entries in one transaction, a kernel refusal and a bad value at their index; bulk delete', (t) => withVeth(t, async (rt, ns) => {
    const specs = Array.from({ length: 500 }, (_, i) => ({ dst: `10.0.${1 + (i >> 8)}.${i & 255}`, lladdr: `02:00:00:00:${(i >> 8).toString(16)}:${(i & 255).toString(16)}`, dev: 'v0' }));
    specs[123] = { dst: '10.0.0.9', lladdr: '02:00', dev: 'v0' }; // too short for Ethernet: the kernel refuses
    specs[321] = { dst: '10.0.9.1', lladdr: 'zz:00', dev: 'v0' };
    const r = rt.neighbours.addSync(specs);
    assert.deepEqual(r.failures.map((f) => f.index), [123, 321]);
    assert.equal(r.done, 498);
    const kernel = r.failures[0].error;
    assert.ok(kernel instanceof NetlinkError && kernel.code === 'EINVAL' && kernel.extackMessage === 'Invalid link address', kernel.message);
    assert.equal((r.failures[1].error as NetlinkArgumentError).argument, 'lladdr');
    assert.equal(ipJson<IpNeigh[]>(ns, '-4', 'neigh', 'show', 'dev', 'v0').length, 498);
    const d = await rt.neighbours.delete(specs.filter((_, i) => i !== 123 && i !== 321).map(({ dst, dev }) => ({ dst, dev })));
    assert.deepEqual([d.ok, d.done], [true, 498]);
    assert.equal(ipJson<IpNeigh[]>(ns, '-4', 'neigh', 'show', 'dev', 'v0').length, 0);
  }));

  test('errors: the caller\'s option for bad values, the kernel\'s ext-ack text for its refusals', (t) => withVeth(t, async (rt) => {
    const arg = (fn: () => unknown, option: string) =>
      assert.throws(fn, (e: unknown) => e instanceof NetlinkArgumentError && e.argument === option, option);
    arg(() => rt.neighbours.addSync({ dst: '10.0.0.300', lladdr: '02:00:00:00:00:01', dev: 'v0' }), 'dst');
    arg(() => rt.neighbours.addSync({ dst: '10.0.0.3', lladdr: '02:00:00:00:00:01', dev: 'v0', state: 'sleepy' as never }), 'state');
    arg(() => rt.neighbours.addSync({ dst: '10.0.0.3', lladdr: '02:00:00:00:00:01', dev: 'v0', router: 'yes' as never }), 'router');
    arg(() => rt.neighbours.listSync({ colour: 'red' } as never), 'colour');
    arg(() => rt.neighbours.getSync({ dst: '10.0.0.3' } as never), 'dev');
    assert.throws(() => rt.neighbours.addSync({ dst: '10.0.0.3', lladdr: '02:00:00:00:00:01', dev: 'v9' }), /Cannot find device "v9" \(dev\)/);
    // a permanent entry needs a link-layer address: the kernel says so
    assert.throws(() => rt.neighbours.addSync({ dst: '10.0.0.3', dev: 'v0' }),
      (e: unknown) => e instanceof NetlinkError && e.code === 'EINVAL' && e.extackMessage === 'No link layer address given');
  }));
});
