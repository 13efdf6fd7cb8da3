// nlkit/route links against the real kernel, in throwaway namespaces: what nlkit creates reads
// back with `ip -j -d link show` with the same values, what `ip` creates reads back through
// nlkit with the same values, changes touch only what they name, and errors carry the
// kernel's text with the caller's field. Kinds this kernel lacks are probed and skipped with
// the reason (their requests are covered by route-links-golden.test.ts).
import { test, describe, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { closeSync, openSync, readdirSync } from 'node:fs';
import { NetlinkArgumentError } from '../src/core/errors.js';
import type { Link, LinkSpec, RouteHandle } from '../src/route/index.js';
import { ip, ipJson, run, withNetns } from './helpers/netns.js';
import { withRoute } from './helpers/route-ns.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- ip's JSON
type IpLink = Record<string, any>;

/** `ip -j -d link show` key -> Link key, for every field both print. */
const IP_KEYS: [string, keyof Link][] = [
  ['ifindex', 'ifindex'], ['ifname', 'ifname'], ['flags', 'flags'], ['mtu', 'mtu'], ['qdisc', 'qdisc'], ['master', 'master'],
  ['operstate', 'operstate'], ['linkmode', 'linkmode'], ['group', 'group'], ['txqlen', 'txqlen'], ['link_type', 'linkType'],
  ['address', 'address'], ['broadcast', 'broadcast'], ['link', 'link'], ['link_index', 'linkIndex'], ['link_netnsid', 'linkNetnsid'],
  ['ifalias', 'ifalias'], ['altnames', 'altnames'], ['promiscuity', 'promiscuity'], ['allmulti', 'allmulti'], ['min_mtu', 'minMtu'],
  ['max_mtu', 'maxMtu'], ['num_tx_queues', 'numTxQueues'], ['num_rx_queues', 'numRxQueues'], ['gso_max_size', 'gsoMaxSize'],
  ['gso_max_segs', 'gsoMaxSegs'], ['tso_max_size', 'tsoMaxSize'], ['tso_max_segs', 'tsoMaxSegs'], ['gro_max_size', 'groMaxSize'],
  ['parentbus', 'parentBus'], ['parentdev', 'parentDev'],
];

/** Every field ip prints has the same value in nlkit's Link (and kind, slave kind). */
function assertSameAsIp(l: Link, j: IpLink): void {
  for (const [ik, nk] of IP_KEYS) if (j[ik] !== undefined && j[ik] !== null) assert.deepEqual(l[nk], j[ik], `${l.ifname}: ${nk} (ip's ${ik})`);
  assert.equal(l.info?.kind, j.linkinfo?.info_kind, `${l.ifname}: kind`);
  assert.equal(l.info?.slaveKind, j.linkinfo?.info_slave_kind, `${l.ifname}: slave kind`);
}

const ipLink = (ns: string, dev: string): IpLink => ipJson<IpLink[]>(ns, '-d', 'link', 'show', 'dev', dev)[0]!;

/** A handle in a throwaway namespace; both gone afterwards. */
const inNs = (t: TestContext, fn: (rt: RouteHandle, ns: string) => unknown) => withRoute(t, [], fn);

describe('links created by nlkit read back with ip -j -d', () => {
  test('veth: the echoed Link is what ip shows, peer options included', (t) => inNs(t, async (rt, ns) => {
    const l = await rt.links.add({
      name: 'va', kind: 'veth', mtu: 1400, address: '02:00:00:00:00:0a', txqlen: 500, up: true,
      peer: { name: 'vb', mtu: 1300, address: '02:00:00:00:00:0b' },
    });
    const j = ipLink(ns, 'va');
    assert.equal(l.ifindex, j.ifindex);
    assert.equal(l.ifname, 'va');
    assert.equal(j.linkinfo.info_kind, 'veth');
    assert.equal(j.link, 'vb');
    assert.equal(j.mtu, 1400);
    assert.equal(j.address, '02:00:00:00:00:0a');
    assert.equal(j.txqlen, 500);
    assert.ok(j.flags.includes('UP'));
    assertSameAsIp(await rt.links.get('va'), ipLink(ns, 'va'));
    const peer = ipLink(ns, 'vb');
    assert.equal(peer.mtu, 1300);
    assert.equal(peer.address, '02:00:00:00:00:0b');
    assertSameAsIp(rt.links.getSync('vb'), ipLink(ns, 'vb'));
  }));

  test('veth with its peer in another namespace, by name and by fd', (t) => inNs(t, async (rt, ns) => {
    await withNetns(async (other) => {
      await rt.links.add({ name: 'vx', kind: 'veth', peer: { name: 'px', netns: other } });
      const fd = openSync(`/run/netns/${other}`, 'r');
      try {
        await rt.links.add({ name: 'vy', kind: 'veth', peer: { name: 'py', netns: { fd } } });
      } finally {
        closeSync(fd);
      }
      for (const [mine, theirs] of [['vx', 'px'], ['vy', 'py']] as const) {
        const j = ipLink(ns, mine);
        const l = await rt.links.get(mine);
        assertSameAsIp(l, j);
        assert.equal(typeof l.linkNetnsid, 'number');
        assert.equal(l.link, undefined);
        assert.equal(l.linkIndex, ipLink(other, theirs).ifindex);
        assert.equal(ipLink(other, theirs).linkinfo.info_kind, 'veth');
      }
    });
  }));

  test('bridge options, then bridge port options on a port', (t) => inNs(t, async (rt, ns) => {
    await rt.links.add({ name: 'br0', kind: 'bridge', stp: true, forwardDelay: 400, helloTime: 300, maxAge: 1200, ageingTime: 6000, priority: 4096, mcastSnooping: false });
    const d = ipLink(ns, 'br0').linkinfo.info_data;
    assert.deepEqual(
      [d.forward_delay, d.hello_time, d.max_age, d.ageing_time, d.stp_state, d.priority, d.mcast_snooping],
      [400, 300, 1200, 6000, 1, 4096, 0],
    );
    await rt.links.add({ name: 'p0', kind: 'veth', peer: 'p0b', master: 'br0' });
    await rt.links.set({ dev: 'p0', port: { learning: false, flood: false, cost: 7, priority: 5, hairpin: true, bcastFlood: false } });
    const s = ipLink(ns, 'p0').linkinfo.info_slave_data;
    assert.deepEqual([s.learning, s.flood, s.cost, s.priority, s.hairpin, s.bcast_flood], [false, false, 7, 5, true, false]);
    const l = await rt.links.get('p0');
    assertSameAsIp(l, ipLink(ns, 'p0'));
    assert.equal(l.master, 'br0');
    assert.deepEqual(
      [l.info?.slaveData?.learning, l.info?.slaveData?.unicastFlood, l.info?.slaveData?.cost, l.info?.slaveData?.mode],
      [0, 0, 7, 1],
    );
    await rt.links.set({ dev: 'br0', kind: 'bridge', stp: false });
    assert.equal(ipLink(ns, 'br0').linkinfo.info_data.stp_state, 0);
  }));

  test('vxlan over IPv4 and IPv6', (t) => inNs(t, async (rt, ns) => {
    await rt.links.add({ name: 'u0', kind: 'veth', peer: 'u1' });
    await rt.links.add({ name: 'vx0', kind: 'vxlan', id: 42, remote: '10.1.1.1', local: '10.1.1.2', port: 4789, ttl: 10, learning: false, physDev: 'u0' });
    const d = ipLink(ns, 'vx0').linkinfo.info_data;
    assert.deepEqual([d.id, d.remote, d.local, d.port, d.ttl, d.learning, d.link], [42, '10.1.1.1', '10.1.1.2', 4789, 10, false, 'u0']);
    await rt.links.add({ name: 'vx6', kind: 'vxlan', id: 7, group: 'ff05::100', physDev: 'u0', port: 4790 });
    const d6 = ipLink(ns, 'vx6').linkinfo.info_data;
    assert.deepEqual([d6.id, d6.group6, d6.port], [7, 'ff05::100', 4790]);
    const l = await rt.links.get('vx0');
    assertSameAsIp(l, ipLink(ns, 'vx0'));
    assert.deepEqual([l.info?.data?.id, l.info?.data?.group, l.info?.data?.port], [42, '10.1.1.1', 4789]);
  }));

  test('macvlan and macvtap modes on a lower link', (t) => inNs(t, async (rt, ns) => {
    await rt.links.add({ name: 'low', kind: 'veth', peer: 'lowp' });
    await rt.links.add({ name: 'mv0', kind: 'macvlan', link: 'low', mode: 'bridge' });
    await rt.links.add({ name: 'mv1', kind: 'macvlan', link: 'low', mode: 'private' });
    await rt.links.add({ name: 'mt0', kind: 'macvtap', link: 'low', mode: 'vepa' });
    for (const [name, mode] of [['mv0', 'bridge'], ['mv1', 'private'], ['mt0', 'vepa']] as const) {
      const j = ipLink(ns, name);
      assert.equal(j.linkinfo.info_data.mode, mode, name);
      assert.equal(j.link, 'low');
      const l = await rt.links.get(name);
      assertSameAsIp(l, j);
      assert.deepEqual(l.info?.data?.mode, [mode]);
    }
  }));

  test('ifb', (t) => inNs(t, async (rt, ns) => {
    const l = await rt.links.add({ name: 'ifb0', kind: 'ifb', txqlen: 32 });
    const j = ipLink(ns, 'ifb0');
    assert.equal(j.linkinfo.info_kind, 'ifb');
    assert.equal(j.txqlen, 32);
    assert.equal(l.ifindex, j.ifindex);
  }));
});

describe('links created by ip read through nlkit', () => {
  test('bridge, veth port with altname and alias, vxlan, macvlan: list() equals ip -j -d', (t) => inNs(t, async (rt, ns) => {
    ip(ns, 'link', 'add', 'b1', 'type', 'bridge', 'stp_state', '1', 'forward_delay', '500');
    ip(ns, 'link', 'add', 'x0', 'mtu', '1300', 'type', 'veth', 'peer', 'name', 'x1');
    ip(ns, 'link', 'set', 'x0', 'master', 'b1', 'up', 'alias', 'hello');
    ip(ns, 'link', 'property', 'add', 'dev', 'x0', 'altname', 'xzero');
    ip(ns, 'link', 'add', 'vx1', 'type', 'vxlan', 'id', '9', 'dstport', '4789', 'remote', '10.9.9.9');
    ip(ns, 'link', 'add', 'mv1', 'link', 'x1', 'type', 'macvlan', 'mode', 'private');
    const mine = new Map((await rt.links.list()).map((l) => [l.ifname, l]));
    const theirs = ipJson<IpLink[]>(ns, '-d', 'link', 'show');
    assert.deepEqual([...mine.keys()].sort(), theirs.map((j) => j.ifname).sort());
    for (const j of theirs) assertSameAsIp(mine.get(j.ifname)!, j);
    const x0 = mine.get('x0')!;
    assert.deepEqual([x0.master, x0.altnames, x0.ifalias, x0.mtu, x0.link], ['b1', ['xzero'], 'hello', 1300, 'x1']);
    assert.deepEqual([mine.get('b1')!.info?.data?.forwardDelay, mine.get('b1')!.info?.data?.stpState], [500, 1]);
    assert.deepEqual([mine.get('vx1')!.info?.data?.id, mine.get('vx1')!.info?.data?.port, mine.get('vx1')!.info?.data?.group], [9, 4789, '10.9.9.9']);
    assert.deepEqual(mine.get('mv1')!.info?.data?.mode, ['private']);
    assert.equal(typeof x0.stats64?.rxBytes, 'bigint');
    assert.equal(x0.stats64?.txPackets, BigInt(ipJson<IpLink[]>(ns, '-s', 'link', 'show', 'x0')[0]!.stats64.tx.packets));
  }));

  test('list filters: kind, master, up, name', (t) => inNs(t, async (rt, ns) => {
    ip(ns, 'link', 'add', 'b2', 'type', 'bridge');
    ip(ns, 'link', 'add', 'y0', 'master', 'b2', 'type', 'veth', 'peer', 'name', 'y1');
    ip(ns, 'link', 'set', 'y1', 'up');
    const names = (ls: Link[]) => ls.map((l) => l.ifname).sort();
    assert.deepEqual(names(await rt.links.list({ kind: 'veth' })), ['y0', 'y1']);
    assert.deepEqual(names(await rt.links.list({ master: 'b2' })), ['y0']);
    assert.deepEqual(names(rt.links.listSync({ up: true })), ['lo', 'y1']);
    assert.deepEqual(names(rt.links.listSync({ name: /^y/ })), ['y0', 'y1']);
  }));
});

describe('changing links', () => {
  test('up and down change IFF_UP alone', (t) => inNs(t, async (rt, ns) => {
    ip(ns, 'link', 'add', 'f0', 'type', 'veth', 'peer', 'name', 'f1');
    ip(ns, 'link', 'set', 'f0', 'promisc', 'on', 'arp', 'off', 'multicast', 'off');
    const before = ipLink(ns, 'f0').flags as string[];
    await rt.links.set({ dev: 'f0', up: true });
    const up = ipLink(ns, 'f0').flags as string[];
    assert.deepEqual(up.filter((f) => f !== 'UP' && f !== 'NO-CARRIER' && f !== 'M-DOWN'), before.filter((f) => f !== 'M-DOWN'));
    assert.ok(up.includes('UP') && up.includes('PROMISC') && up.includes('NOARP') && !up.includes('MULTICAST'));
    rt.links.setSync({ dev: 'f0', up: false });
    assert.deepEqual(ipLink(ns, 'f0').flags, before);
    await rt.links.set({ dev: 'f0', promisc: false });
    assert.deepEqual(ipLink(ns, 'f0').flags, before.filter((f) => f !== 'PROMISC'));
  }));

  test('rename, mtu, address, alias, txqlen, group, master and nomaster', (t) => inNs(t, async (rt, ns) => {
    await rt.links.add({ name: 'br9', kind: 'bridge' });
    await rt.links.add({ name: 'g0', kind: 'veth', peer: 'g1' });
    await rt.links.set({ dev: 'g0', name: 'renamed', mtu: 1280, address: '02:11:22:33:44:55', alias: 'uplink', txqlen: 77, group: 5, master: 'br9' });
    const j = ipLink(ns, 'renamed');
    assert.deepEqual([j.mtu, j.address, j.ifalias, j.txqlen, j.group, j.master], [1280, '02:11:22:33:44:55', 'uplink', 77, '5', 'br9']);
    assertSameAsIp(await rt.links.get('renamed'), ipLink(ns, 'renamed'));
    await rt.links.set({ dev: 'renamed', master: null });
    assert.equal(ipLink(ns, 'renamed').master, undefined);
  }));

  test('alternative names: add and delete', (t) => inNs(t, async (rt, ns) => {
    await rt.links.add({ name: 'h0', kind: 'veth', peer: 'h1' });
    await rt.links.set({ dev: 'h0', altnames: { add: ['first-alternative-name', 'second'] } });
    assert.deepEqual(ipLink(ns, 'h0').altnames, ['first-alternative-name', 'second']);
    await rt.links.set({ dev: 'h0', altnames: { del: ['second'] } });
    assert.deepEqual(ipLink(ns, 'h0').altnames, ['first-alternative-name']);
    assert.deepEqual((await rt.links.get('h0')).altnames, ['first-alternative-name']);
    assert.equal((await rt.links.get('first-alternative-name')).ifname, 'h0');
  }));

  test('move to another namespace by name, by fd and by pid', (t) => inNs(t, async (rt, ns) => {
    await withNetns(async (other) => {
      await rt.links.add({ name: 'm0', kind: 'veth', peer: 'm1' });
      await rt.links.add({ name: 'n0', kind: 'veth', peer: 'n1' });
      await rt.links.add({ name: 'o0', kind: 'veth', peer: 'o1' });
      const fds = readdirSync('/proc/self/fd').length;
      await rt.links.set({ dev: 'm0', netns: other });
      assert.equal(readdirSync('/proc/self/fd').length, fds, 'the namespace fd opened for the move is closed');
      const fd = openSync(`/run/netns/${other}`, 'r');
      try {
        rt.links.setSync({ dev: 'n0', netns: { fd } });
      } finally {
        closeSync(fd);
      }
      const child = spawn('ip', ['netns', 'exec', other, 'sleep', '30'], { stdio: 'ignore' });
      try {
        await new Promise((r) => setTimeout(r, 200)); // ip netns exec has exec'd sleep inside the namespace by now
        await rt.links.set({ dev: 'o0', netns: { pid: child.pid! } });
      } finally {
        child.kill();
      }
      const there = ipJson<IpLink[]>(other, 'link', 'show').map((j) => j.ifname).sort();
      assert.deepEqual(there, ['lo', 'm0', 'n0', 'o0']);
      assert.deepEqual((await rt.links.list({ kind: 'veth' }, { netns: other })).map((l) => l.ifname).sort(), ['m0', 'n0', 'o0']);
    });
  }));
});

describe('bridge VLANs', () => {
  test('a port\'s VLANs read back with bridge -j vlan show (needs CONFIG_BRIDGE_VLAN_FILTERING: probed)', (t) => inNs(t, async (rt, ns) => {
    try {
      await rt.links.add({ name: 'brv', kind: 'bridge', vlanFiltering: true });
    } catch (e) {
      if ((e as { code?: string }).code === 'EOPNOTSUPP')
        return t.skip(`this kernel has no bridge VLAN filtering (${(e as Error).message}); the requests are checked by route-links-golden.test.ts`);
      throw e;
    }
    await rt.links.add({ name: 'pv0', kind: 'veth', peer: 'pv1', master: 'brv' });
    await rt.links.vlans.add([{ dev: 'pv0', vid: 10, pvid: true, untagged: true }, { dev: 'pv0', vid: [20, 22] }]);
    await rt.links.vlans.delete({ dev: 'pv0', vid: 1 });
    const mine = (await rt.links.vlans.list({ dev: 'pv0' }))[0]!;
    const theirs = JSON.parse(run('bridge', ['-n', ns, '-j', 'vlan', 'show', 'dev', 'pv0'])) as { ifname: string; vlans: { vlan: number; vlanEnd?: number; flags?: string[] }[] }[];
    const expanded = theirs[0]!.vlans.flatMap((v) => Array.from({ length: (v.vlanEnd ?? v.vlan) - v.vlan + 1 }, (_, i) => ({
      vid: v.vlan + i, pvid: !!v.flags?.includes('PVID'), untagged: !!v.flags?.includes('Egress Untagged'),
    })));
    assert.deepEqual(mine.vlans, expanded);
    assert.deepEqual(mine.vlans.map((v) => v.vid), [10, 20, 21, 22]);
  }));

  test('on a bridge without VLAN filtering the list is empty and ports are listed', (t) => inNs(t, async (rt) => {
    await rt.links.add({ name: 'brn', kind: 'bridge' });
    await rt.links.add({ name: 'pn0', kind: 'veth', peer: 'pn1', master: 'brn' });
    const ports = rt.links.vlans.listSync({ dev: 'pn0' });
    assert.deepEqual(ports.map((p) => p.ifname), ['pn0']);
  }));
});

describe('bulk calls', () => {
  test('add and delete arrays run as one transaction, every failure against its item', (t) => inNs(t, async (rt, ns) => {
    const specs: LinkSpec[] = [
      { name: 'k0', kind: 'veth', peer: 'k0p' },
      { name: 'k0', kind: 'bridge' },
      { name: 'k2', kind: 'bridge' },
    ];
    const r = await rt.links.add(specs);
    assert.equal(r.ok, false);
    assert.deepEqual(r.failures.map((f) => [f.index, (f.error as { code?: string }).code]), [[1, 'EEXIST']]);
    assert.match(r.failures[0]!.error.message, /ifname k0/);
    assert.deepEqual(ipJson<IpLink[]>(ns, 'link', 'show').map((j) => j.ifname).sort(), ['k0', 'k0p', 'k2', 'lo']);
    const d = rt.links.deleteSync(['k0', 'nope', 'k2']);
    assert.deepEqual(d.failures.map((f) => [f.index, (f.error as { code?: string }).code]), [[1, 'ENODEV']]);
    assert.equal(d.done, 2);
    // a spec that cannot be built fails at its index and is not sent; the others are
    const bad = await rt.links.add([{ name: 'k3', kind: 'bridge' }, { name: 'k4', kind: 'bridge', mtu: -1 }]);
    assert.deepEqual(bad.failures.map((f) => [f.index, (f.error as NetlinkArgumentError).argument]), [[1, 'mtu']]);
    await rt.links.delete('k3');
    assert.deepEqual(ipJson<IpLink[]>(ns, 'link', 'show').map((j) => j.ifname), ['lo']);
  }));
});

describe('errors: the kernel\'s text and the caller\'s field', () => {
  test('EEXIST names the ifname, ENODEV the device, a bad MTU the kernel\'s range and attribute', (t) => inNs(t, async (rt) => {
    await rt.links.add({ name: 'e0', kind: 'bridge' });
    await assert.rejects(rt.links.add({ name: 'e0', kind: 'bridge' }), (e: Error & { code?: string }) => e.code === 'EEXIST' && /newlink ifname e0/.test(e.message));
    await assert.rejects(rt.links.get('nothere'), (e: Error & { code?: string }) => e.code === 'ENODEV' && /nothere/.test(e.message));
    await assert.rejects(rt.links.delete('nothere'), (e: Error & { code?: string }) => e.code === 'ENODEV' && /nothere/.test(e.message));
    await assert.rejects(rt.links.add({ name: 'e1', kind: 'vxlan', id: 1, mtu: 99999 }),
      (e: Error & { code?: string; extackMessage?: string }) => e.code === 'EINVAL' && /MTU/.test(e.extackMessage ?? '') && /mtu/.test(e.message));
    await assert.rejects(rt.links.add({ name: 'e2', kind: 'veth', master: 'nomaster' }),
      (e: Error & { code?: string }) => e.code === 'ENODEV' && /Cannot find device "nomaster" \(master\)/.test(e.message));
    assert.throws(() => rt.links.addSync({ name: 'tap0', kind: 'tap' as 'ifb' }), (e: unknown) => e instanceof NetlinkArgumentError && /rt\.tuntap\.add/.test(e.message));
  }));
});

describe('kinds this kernel may lack: probed, checked with ip when present', () => {
  const specs: LinkSpec[] = [
    { name: 'd0', kind: 'dummy', mtu: 9000 },
    { name: 'vl0', kind: 'vlan', link: 'base', id: 100 },
    { name: 'bond0', kind: 'bond', mode: 'active-backup', miimon: 100 },
    { name: 'wg0', kind: 'wireguard' },
    { name: 'vrf0', kind: 'vrf', table: 10 },
    { name: 'gnv0', kind: 'geneve', id: 5, remote: '192.0.2.1' },
    { name: 'gre0x', kind: 'gre', remote: '192.0.2.1', local: '192.0.2.2' },
    { name: 'ipip0x', kind: 'ipip', remote: '192.0.2.1', local: '192.0.2.2' },
    { name: 'sit0x', kind: 'sit', remote: '192.0.2.1', local: '192.0.2.2' },
    { name: 'ip6t0', kind: 'ip6tnl', remote: '2001:db8::1', local: '2001:db8::2' },
    { name: 'ipv0', kind: 'ipvlan', link: 'base', mode: 'l3' },
    { name: 'nk0', kind: 'netkit', mode: 'l3' },
  ];
  for (const spec of specs) {
    test(spec.kind, (t) => inNs(t, async (rt, ns) => {
      await rt.links.add({ name: 'base', kind: 'veth', peer: 'basep' });
      let l: Link;
      try {
        l = await rt.links.add(spec);
      } catch (e) {
        const code = (e as { code?: string }).code;
        if (code === 'EOPNOTSUPP') return t.skip(`this kernel has no ${spec.kind} links (${(e as Error).message}); its request is checked by route-links-golden.test.ts`);
        throw e;
      }
      const j = ipLink(ns, spec.name);
      assert.equal(j.linkinfo.info_kind, spec.kind);
      assertSameAsIp(await rt.links.get(spec.name), j);
      assert.equal(l.ifindex, j.ifindex);
    }));
  }
});
