// nlkit/route's bridge FDB (rt.neighbours.fdb) against the kernel, in throwaway namespaces
// with a bridge, a port and a vxlan made by `ip`: entries nlkit adds read back with
// `bridge -j fdb`, entries `bridge` adds read by nlkit, vxlan remotes (dst, port, vni,
// append), delete, flush, bulk, errors. VLAN entries need a kernel with bridge VLAN
// filtering: probed, skipped with the reason otherwise.
import assert from 'node:assert/strict';
import { describe, test, type TestContext } from 'node:test';
import { NetlinkArgumentError, NetlinkError } from '../src/core/errors.js';
import { openRoute, type FdbEntry, type RouteHandle } from '../src/route/index.js';
import { ip, needRoot, run, withNetns } from './helpers/netns.js';
import { withRoute } from './helpers/route-ns.js';

type BridgeFdb = Record<string, unknown>;

const bridgeJson = (ns: string, ...args: string[]): BridgeFdb[] => JSON.parse(run('bridge', ['-j', '-n', ns, 'fdb', 'show', ...args]) || '[]') as BridgeFdb[];

/** An nlkit FdbEntry in `bridge -j fdb`'s words. */
function asBridge(e: FdbEntry): BridgeFdb {
  const o: BridgeFdb = { mac: e.lladdr, ifname: e.ifname };
  for (const k of ['vlan', 'dst', 'port', 'vni', 'master'] as const) if (e[k] !== undefined) o[k] = e[k];
  if (e.via !== undefined) o.viaIf = e.via;
  o.flags = e.flags;
  o.state = e.state === 'dynamic' ? '' : e.state;
  return o;
}

const key = (x: BridgeFdb) => `${String(x.ifname)} ${String(x.mac)} ${String(x.dst)} ${String(x.vlan)} ${String(x.master)}`;
const sameFdb = (mine: FdbEntry[], theirs: BridgeFdb[]) =>
  assert.deepEqual(mine.map(asBridge).sort((a, b) => key(a).localeCompare(key(b))), [...theirs].sort((a, b) => key(a).localeCompare(key(b))));

/** A namespace with br0 (port v0 of a veth pair v0/v1) and vx0 (vxlan 42 from 10.0.0.1), and a handle. */
const withBridge = (t: TestContext, fn: (rt: RouteHandle, ns: string) => unknown) => withRoute(t, [
  ['link', 'add', 'br0', 'type', 'bridge'],
  ['link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1'],
  ['link', 'set', 'v0', 'master', 'br0'],
  ['link', 'add', 'vx0', 'type', 'vxlan', 'id', '42', 'dstport', '4789', 'local', '10.0.0.1'],
], fn);

describe('fdb: nlkit adds, bridge -j fdb shows the same', () => {
  test('bridge port entries (master): static, permanent, sticky; the port\'s own (self, permanent)', (t) => withBridge(t, async (rt, ns) => {
    await rt.neighbours.fdb.add({ lladdr: '02:00:00:00:00:01', dev: 'v0', master: true, state: 'static' });
    rt.neighbours.fdb.addSync({ lladdr: '02:00:00:00:00:02', dev: 'v0', master: true }); // permanent, as bridge assumes
    rt.neighbours.fdb.addSync({ lladdr: '02:00:00:00:00:03', dev: 'v0', master: true, sticky: true, state: 'static' });
    rt.neighbours.fdb.addSync({ lladdr: '02:00:00:00:00:04', dev: 'v0', self: true, state: 'permanent' });
    sameFdb(rt.neighbours.fdb.listSync(), bridgeJson(ns));
    sameFdb(await rt.neighbours.fdb.list({ master: 'br0' }), bridgeJson(ns, 'br', 'br0'));
    sameFdb(rt.neighbours.fdb.listSync({ dev: 'v0' }), bridgeJson(ns, 'dev', 'v0').map((x) => ({ ...x, ifname: 'v0' })));
    const one = rt.neighbours.fdb.listSync({ dev: 'v0' }).find((e) => e.lladdr === '02:00:00:00:00:01');
    assert.deepEqual(one && { ...one, used: 0, updated: 0 }, {
      lladdr: '02:00:00:00:00:01', ifindex: one?.ifindex, ifname: 'v0', flags: [], state: 'static', masterIndex: one?.masterIndex, master: 'br0', used: 0, updated: 0,
    });
    assert.throws(() => rt.neighbours.fdb.addSync({ lladdr: '02:00:00:00:00:01', dev: 'v0', master: true, state: 'static' }), (e: unknown) => (e as NetlinkError).code === 'EEXIST');
    rt.neighbours.fdb.replaceSync({ lladdr: '02:00:00:00:00:01', dev: 'v0', master: true, state: 'permanent' });
    const got = await rt.neighbours.fdb.get({ lladdr: '02:00:00:00:00:01', master: 'br0' });
    assert.deepEqual(asBridge(got), JSON.parse(run('bridge', ['-j', '-n', ns, 'fdb', 'get', '02:00:00:00:00:01', 'br', 'br0']))[0]);
    assert.equal(rt.neighbours.fdb.getSync({ lladdr: '02:00:00:00:00:03', dev: 'v0' }).flags[0], 'sticky');
    await assert.rejects(rt.neighbours.fdb.get({ lladdr: '02:00:00:00:00:99', master: 'br0' }),
      (e: unknown) => e instanceof NetlinkError && e.code === 'ENOENT' && e.extackMessage === 'Fdb entry not found');
    assert.throws(() => rt.neighbours.fdb.getSync({ lladdr: '02:00:00:00:00:01' }), (e: unknown) => (e as NetlinkArgumentError).argument === 'master');
    assert.equal(bridgeJson(ns, 'br', 'br0').find((x) => x.mac === '02:00:00:00:00:01')?.state, 'permanent');
  }));

  test('vxlan entries: a remote with port and VNI, several remotes for 00:00:00:00:00:00 (append), delete one remote', (t) => withBridge(t, async (rt, ns) => {
    rt.neighbours.fdb.addSync({ lladdr: '02:00:00:00:00:07', dev: 'vx0', dst: '10.0.0.7', port: 4790, vni: 100, via: 'v1' });
    await rt.neighbours.fdb.append({ lladdr: '00:00:00:00:00:00', dev: 'vx0', dst: '10.0.0.2', state: 'permanent' });
    rt.neighbours.fdb.appendSync({ lladdr: '00:00:00:00:00:00', dev: 'vx0', dst: '10.0.0.3', state: 'permanent' });
    sameFdb(rt.neighbours.fdb.listSync({ dev: 'vx0' }), bridgeJson(ns, 'dev', 'vx0').map((x) => ({ ...x, ifname: 'vx0' })));
    const e = rt.neighbours.fdb.listSync({ dev: 'vx0' }).find((x) => x.lladdr === '02:00:00:00:00:07');
    assert.deepEqual([e?.dst, e?.port, e?.vni, e?.via, e?.flags], ['10.0.0.7', 4790, 100, 'v1', ['self']]);
    await rt.neighbours.fdb.delete({ lladdr: '00:00:00:00:00:00', dev: 'vx0', dst: '10.0.0.3' });
    assert.deepEqual(bridgeJson(ns, 'dev', 'vx0').filter((x) => x.mac === '00:00:00:00:00:00').map((x) => x.dst), ['10.0.0.2']);
  }));
});

describe('fdb: bridge adds, nlkit reads the same', () => {
  test('port, bridge and vxlan entries made with `bridge fdb`', (t) => withBridge(t, async (rt, ns) => {
    run('bridge', ['-n', ns, 'fdb', 'add', '02:00:00:00:00:11', 'dev', 'v0', 'master', 'static']);
    run('bridge', ['-n', ns, 'fdb', 'add', '02:00:00:00:00:12', 'dev', 'v0', 'master', 'permanent']);
    run('bridge', ['-n', ns, 'fdb', 'add', '02:00:00:00:00:13', 'dev', 'vx0', 'dst', '10.0.0.13', 'vni', '7', 'port', '8472']);
    run('bridge', ['-n', ns, 'fdb', 'append', '00:00:00:00:00:00', 'dev', 'vx0', 'dst', '10.0.0.14']);
    sameFdb(await rt.neighbours.fdb.list(), bridgeJson(ns));
    assert.deepEqual(rt.neighbours.fdb.listSync({ dev: 'vx0', state: 'permanent' }).map((x) => [x.lladdr, x.dst, x.vni, x.port]).sort(),
      [['00:00:00:00:00:00', '10.0.0.14', undefined, undefined], ['02:00:00:00:00:13', '10.0.0.13', 7, 8472]]);
  }));
});

describe('fdb: delete, flush, bulk, errors', () => {
  test('flush leaves permanent entries (the links\' own) unless asked; bulk add and delete', (t) => withBridge(t, async (rt, ns) => {
    const specs = Array.from({ length: 100 }, (_, i) => ({ lladdr: `02:00:00:00:01:${i.toString(16).padStart(2, '0')}`, dev: 'v0', master: true, state: 'static' as const }));
    specs[42] = { lladdr: '02:00:00:00:01:2a', dev: 'v1', master: true, state: 'static' }; // v1 is no bridge port
    const r = await rt.neighbours.fdb.add(specs);
    assert.deepEqual(r.failures.map((f) => [f.index, (f.error as NetlinkError).code]), [[42, 'EOPNOTSUPP']]);
    assert.equal(bridgeJson(ns, 'br', 'br0').filter((x) => String(x.mac).startsWith('02:00:00:00:01:')).length, 99);
    const d = rt.neighbours.fdb.deleteSync(specs.slice(0, 10).map(({ lladdr, dev }) => ({ lladdr, dev, master: true })));
    assert.deepEqual([d.done, d.failures.length], [10, 0]);
    const before = bridgeJson(ns, 'dev', 'v0').filter((x) => x.state === 'permanent').length;
    const f = rt.neighbours.fdb.flushSync({ dev: 'v0' });
    assert.deepEqual(f, { ok: true, done: 89, failures: [] });
    assert.equal(bridgeJson(ns, 'dev', 'v0').length, before);
    assert.ok(bridgeJson(ns, 'dev', 'v0').every((x) => x.state === 'permanent'));
  }));

  test('errors: the caller\'s option for bad values, the kernel\'s refusals', (t) => withBridge(t, async (rt) => {
    const arg = (fn: () => unknown, option: string) =>
      assert.throws(fn, (e: unknown) => e instanceof NetlinkArgumentError && e.argument === option, option);
    arg(() => rt.neighbours.fdb.addSync({ lladdr: '02:00:00:00:00', dev: 'v0', master: true, vlan: 4095 }), 'vlan');
    arg(() => rt.neighbours.fdb.addSync({ lladdr: 'not-a-mac', dev: 'v0' }), 'lladdr');
    arg(() => rt.neighbours.fdb.addSync({ lladdr: '02:00:00:00:00:01', dev: 'vx0', dst: '10.0.0.256' }), 'dst');
    arg(() => rt.neighbours.fdb.addSync({ lladdr: '02:00:00:00:00:01', dev: 'vx0', vni: 1 << 24 }), 'vni');
    arg(() => rt.neighbours.fdb.addSync({ lladdr: '02:00:00:00:00:01', dev: 'vx0', state: 'stale' as never }), 'state');
    // the kernel: a vxlan with an IPv4 local address takes no IPv6 remote; v1 is no bridge port
    assert.throws(() => rt.neighbours.fdb.addSync({ lladdr: '02:00:00:00:00:01', dev: 'vx0', dst: '2001:db8::1' }), (e: unknown) => (e as NetlinkError).code === 'EAFNOSUPPORT');
    await assert.rejects(rt.neighbours.fdb.add({ lladdr: '02:00:00:00:00:01', dev: 'v1', master: true }), (e: unknown) => (e as NetlinkError).code === 'EOPNOTSUPP');
    await assert.rejects(rt.neighbours.fdb.delete({ lladdr: '02:00:00:00:00:99', dev: 'v0', master: true }), (e: unknown) => (e as NetlinkError).code === 'ENOENT');
  }));
});

describe('fdb: VLAN entries (needs bridge VLAN filtering)', () => {
  test('an entry per VLAN on a VLAN-filtering bridge; list by vlan', async (t) => {
    if (!needRoot(t)) return;
    await withNetns(async (ns) => {
      try {
        ip(ns, 'link', 'add', 'br0', 'type', 'bridge', 'vlan_filtering', '1');
        ip(ns, 'link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1');
        ip(ns, 'link', 'set', 'v0', 'master', 'br0');
        run('bridge', ['-n', ns, 'vlan', 'add', 'vid', '10', 'dev', 'v0']);
      } catch (e) {
        t.skip(`this kernel has no bridge VLAN filtering: ${String((e as { stderr?: string }).stderr ?? e).trim()}`);
        return;
      }
      const rt = openRoute({ netns: ns });
      try {
        rt.neighbours.fdb.addSync({ lladdr: '02:00:00:00:00:10', dev: 'v0', master: true, vlan: 10 });
        sameFdb(rt.neighbours.fdb.listSync({ vlan: 10 }), bridgeJson(ns, 'vlan', '10'));
        rt.neighbours.fdb.deleteSync({ lladdr: '02:00:00:00:00:10', dev: 'v0', master: true, vlan: 10 });
        assert.deepEqual(bridgeJson(ns, 'vlan', '10').filter((x) => x.mac === '02:00:00:00:00:10'), []);
      } finally {
        rt.close();
      }
    });
  });
});
