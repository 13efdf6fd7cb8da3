// `nlkit link` against `ip link` on the same throwaway namespace: -j, -j -d, -j -s and -j -s -s
// output deep-equal for veth, bridge (with a port), vxlan, macvlan, macvtap and ifb links; plain,
// -s, -s -s, -d, -o and -br text equal; what nlkit adds, sets and deletes read back with `ip -j -d`.
//
// Documented exceptions:
// - ip prints bridge timers as 0.00 in JSON; JSON.parse reads 0.00 and nlkit's 0 alike.
// - ip 6.1 prints an empty object {} for each link a filter (up, master, type, group) skips:
//   dropped from ip's side.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { nlkit, ok } from './helpers/cli-run.js';
import { inSetupNetns, ipRun, json, quietIpv6 } from './helpers/cli-ip.js';
import { ip, ipJson, needRoot, withNetns } from './helpers/netns.js';

type LinkJson = Record<string, unknown> & { ifname: string; linkinfo?: { info_kind?: string; info_data?: Record<string, unknown>; info_slave_kind?: string } };

/** Links of every kind the parity covers; all down but v0 (no traffic: counters hold still). */
const SETUP: string[][] = [
  ['link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1'],
  ['link', 'set', 'v0', 'up'],
  ['link', 'set', 'v0', 'alias', 'the first'],
  ['link', 'property', 'add', 'dev', 'v0', 'altname', 'vethzero'],
  ['link', 'add', 'br0', 'type', 'bridge'],
  ['link', 'set', 'v1', 'master', 'br0'],
  ['link', 'add', 'vx0', 'type', 'vxlan', 'id', '42', 'remote', '10.0.0.2', 'local', '10.0.0.1', 'dstport', '4789'],
  ['link', 'add', 'vx1', 'type', 'vxlan', 'id', '43', 'group', '239.1.1.1', 'dev', 'v0', 'dstport', '0', 'nolearning', 'ttl', '5', 'proxy', 'l2miss', 'noudpcsum'],
  ['link', 'add', 'mv0', 'link', 'v0', 'type', 'macvlan', 'mode', 'bridge'],
  ['link', 'add', 'mvt0', 'link', 'v0', 'type', 'macvtap', 'mode', 'vepa'],
  ['link', 'add', 'ifb0', 'type', 'ifb'],
];

const OPTION_SETS = [[], ['-d'], ['-s'], ['-s', '-s'], ['-d', '-s'], ['-br']];

describe('nlkit link show against ip link show', () => {
  test('-j (and -d, -s, -s -s): the same keys and values for every link', (t) =>
    inSetupNetns(t, SETUP, (ns) => {
      for (const opts of OPTION_SETS) {
        const ours = json<LinkJson[]>(nlkit('-j', ...opts, '-n', ns, 'link', 'show'));
        const theirs = json<LinkJson[]>(ipRun('-j', ...opts, '-n', ns, 'link', 'show'));
        assert.deepEqual(ours, theirs, `-j ${opts.join(' ')}`);
      }
      // what the -d parity covers, so that a missing table would not pass unseen
      const d = json<LinkJson[]>(nlkit('-j', '-d', '-n', ns, 'link', 'show'));
      const kinds = new Set(d.map((l) => l.linkinfo?.info_kind));
      for (const k of ['veth', 'bridge', 'vxlan', 'macvlan', 'macvtap', 'ifb']) assert.ok(kinds.has(k), k);
      assert.equal(d.find((l) => l.ifname === 'v1')?.linkinfo?.info_slave_kind, 'bridge');
      assert.equal(d.find((l) => l.ifname === 'vx1')?.linkinfo?.info_data?.group, '239.1.1.1');
    }, quietIpv6));

  test('plain, -d, -s, -s -s, -o and -br text: the same lines', (t) =>
    inSetupNetns(t, SETUP, (ns) => {
      for (const opts of [[], ['-d'], ['-s'], ['-s', '-s'], ['-d', '-s'], ['-o'], ['-o', '-s'], ['-br']]) {
        const ours = ok(nlkit(...opts, '-n', ns, 'link', 'show'));
        assert.equal(ours, ipRun(...opts, '-n', ns, 'link', 'show').stdout, opts.join(' '));
      }
    }, quietIpv6));

  test('filters: a device, up, master, type (kind and port kind), group', (t) =>
    inSetupNetns(t, [...SETUP, ['link', 'set', 'ifb0', 'group', '7']], (ns) => {
      for (const filter of [['v0'], ['dev', 'mv0'], ['vethzero'], ['up'], ['master', 'br0'], ['type', 'veth'], ['type', 'bridge_slave'], ['group', '7']]) {
        const ours = json<LinkJson[]>(nlkit('-j', '-d', '-n', ns, 'link', 'show', ...filter));
        const theirs = json<LinkJson[]>(ipRun('-j', '-d', '-n', ns, 'link', 'show', ...filter)).filter((l) => Object.keys(l).length > 0);
        assert.deepEqual(ours, theirs, filter.join(' '));
        assert.equal(ok(nlkit('-n', ns, 'link', 'show', ...filter)), ipRun('-n', ns, 'link', 'show', ...filter).stdout, filter.join(' '));
      }
      const [a, b] = [nlkit('-n', ns, 'link', 'show', 'nope'), ipRun('-n', ns, 'link', 'show', 'nope')];
      assert.deepEqual([a.status, a.stderr], [b.status, b.stderr]);
    }, quietIpv6));
});

const byName = (ns: string) => new Map(ipJson<LinkJson[]>(ns, '-d', 'link', 'show').map((l) => [l.ifname, l]));

describe('nlkit link add, set, delete, property: read back with ip -j -d', () => {
  test('add veth, bridge, vxlan, macvlan, ifb with their kinds\' words', (t) =>
    inSetupNetns(t, [], (ns) => {
      const add = (...words: string[]) => ok(nlkit('-n', ns, 'link', 'add', ...words));
      add('w0', 'mtu', '1400', 'type', 'veth', 'peer', 'name', 'w1', 'mtu', '1300');
      add('br1', 'type', 'bridge', 'stp_state', '1', 'forward_delay', '400', 'ageing_time', '1000');
      add('vx1', 'type', 'vxlan', 'id', '7', 'remote', '10.1.1.1', 'local', '10.1.1.2', 'dstport', '4790', 'nolearning', 'ttl', '9', 'srcport', '5000', '6000');
      add('link', 'w0', 'mv1', 'type', 'macvlan', 'mode', 'private');
      add('ifb1', 'txqueuelen', '64', 'up', 'type', 'ifb');
      const l = byName(ns);
      assert.deepEqual([l.get('w0')?.mtu, l.get('w1')?.mtu, l.get('w0')?.link], [1400, 1300, 'w1']);
      const br = l.get('br1')!.linkinfo!.info_data!;
      assert.deepEqual([br.stp_state, br.forward_delay, br.ageing_time], [1, 400, 1000]);
      const vx = l.get('vx1')!.linkinfo!.info_data!;
      assert.deepEqual([vx.id, vx.remote, vx.local, vx.port, vx.learning, vx.ttl, vx.port_range], [7, '10.1.1.1', '10.1.1.2', 4790, false, 9, { low: 5000, high: 6000 }]);
      assert.deepEqual([l.get('mv1')?.link, l.get('mv1')?.linkinfo?.info_data?.mode], ['w0', 'private']);
      assert.deepEqual([l.get('ifb1')?.txqlen, (l.get('ifb1')?.flags as string[]).includes('UP')], [64, true]);
    }, quietIpv6));

  test('set: up, mtu, address, alias, txqueuelen, master, nomaster, name, group, netns; property add|del altname', (t) =>
    inSetupNetns(t, [['link', 'add', 'w0', 'type', 'veth', 'peer', 'name', 'w1'], ['link', 'add', 'br1', 'type', 'bridge']], async (ns) => {
      const set = (...words: string[]) => ok(nlkit('-n', ns, 'link', 'set', ...words));
      set('dev', 'w0', 'up', 'mtu', '1450', 'address', '02:00:00:00:00:01', 'alias', 'hello there', 'txqueuelen', '500', 'master', 'br1', 'group', '5');
      let w0 = byName(ns).get('w0')!;
      assert.deepEqual([w0.mtu, w0.address, w0.ifalias, w0.txqlen, w0.master, w0.group, (w0.flags as string[]).includes('UP')], [1450, '02:00:00:00:00:01', 'hello there', 500, 'br1', '5', true]);
      set('dev', 'w0', 'type', 'bridge_slave', 'cost', '7', 'learning', 'off', 'isolated', 'on');
      const port = byName(ns).get('w0')!.linkinfo as { info_slave_data: Record<string, unknown> };
      assert.deepEqual([port.info_slave_data.cost, port.info_slave_data.learning, port.info_slave_data.isolated], [7, false, true]);
      set('w0', 'down', 'nomaster');
      set('w1', 'name', 'w1x', 'arp', 'off', 'multicast', 'off');
      ok(nlkit('-n', ns, 'link', 'property', 'add', 'dev', 'w0', 'altname', 'wzero', 'altname', 'wnull'));
      ok(nlkit('-n', ns, 'link', 'property', 'del', 'dev', 'w0', 'altname', 'wnull'));
      const l = byName(ns);
      w0 = l.get('w0')!;
      assert.deepEqual([w0.master, (w0.flags as string[]).includes('UP'), w0.altnames], [undefined, false, ['wzero']]);
      assert.deepEqual(l.get('w1x')?.flags, ['BROADCAST', 'NOARP', 'M-DOWN']);
      await withNetns((other) => {
        set('w1x', 'netns', other);
        assert.equal(byName(ns).has('w1x'), false);
        assert.equal(byName(other).has('w1x'), true);
      });
    }, quietIpv6));

  test('delete a device, a group; errors as ip words them', (t) =>
    inSetupNetns(t, [['link', 'add', 'a0', 'type', 'ifb'], ['link', 'add', 'a1', 'group', '9', 'type', 'ifb'], ['link', 'add', 'a2', 'group', '9', 'type', 'bridge']], (ns) => {
      ok(nlkit('-n', ns, 'link', 'delete', 'a0'));
      ok(nlkit('-n', ns, 'link', 'del', 'group', '9'));
      assert.deepEqual([...byName(ns).keys()], ['lo']);
      ip(ns, 'link', 'add', 'br0', 'type', 'bridge');
      for (const words of [['del', 'nope'], ['add', 'br0', 'type', 'bridge'], ['set', 'dev', 'br0', 'mtu', '99999'], ['set', 'nope', 'up'], ['add', 'x']]) {
        const [a, b] = [nlkit('-n', ns, 'link', ...words), ipRun('-n', ns, 'link', ...words)];
        assert.deepEqual([a.status, a.stderr], [b.status, b.stderr], words.join(' '));
      }
    }));

  test('-batch: link lines, -force runs the adds together and reports the failed line', (t) => {
    if (!needRoot(t)) return;
    const dir = mkdtempSync(join(tmpdir(), 'nlkit-link-'));
    return withNetns((ns) => {
      const file = join(dir, 'links');
      writeFileSync(file, 'link add b0 type ifb\nlink add b0 type ifb\nlink add b1 type bridge\nlink set b1 up\nlink delete b0\n');
      const r = nlkit('-n', ns, '-force', '-batch', file);
      assert.equal(r.status, 1);
      assert.equal(r.stderr, `RTNETLINK answers: File exists\nCommand failed ${file}:2\n`);
      const l = byName(ns);
      assert.deepEqual([l.has('b0'), (l.get('b1')?.flags as string[]).includes('UP')], [false, true]);
    }).finally(() => rmSync(dir, { recursive: true, force: true }));
  });
});
