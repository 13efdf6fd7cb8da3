// tun/tap devices made by nlkit read back with `ip -j -d link` and `ip -j tuntap list`, and
// those made by `ip tuntap add` read by nlkit with the same values; all in throwaway namespaces.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readlinkSync, readSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, test, type TestContext } from 'node:test';
import { NetlinkArgumentError, NetlinkSystemError, NetnsError } from '../src/core/errors.js';
import { NLM_F_CREATE, NLM_F_EXCL } from '../src/core/constants.js';
import { openRoute, tunViaRtnetlinkError, type RouteHandle, type TunTap } from '../src/route/index.js';
import { description as rtLink } from '../src/ynl/families/rt-link.js';
import { opCall } from '../src/ynl/op-call.js';
import { ip, ipJson, needRoot, withNetns } from './helpers/netns.js';

interface IpTunInfo { type: string; pi: boolean; vnet_hdr: boolean; multi_queue: boolean; persist: boolean; numqueues: number; numdisabled: number; user?: number; group?: number }
interface IpTuntapEntry { ifname: string; flags: string[]; user?: number; group?: number }

function ipTunInfo(ns: string, dev: string): IpTunInfo {
  return ipJson<{ linkinfo: { info_kind: string; info_data: IpTunInfo } }[]>(ns, '-d', 'link', 'show', 'dev', dev)[0].linkinfo.info_data;
}

/** What `ip -d link` and `ip tuntap list` say of a device, against nlkit's view of it. */
function assertSameAsIp(ns: string, d: TunTap): void {
  const info = ipTunInfo(ns, d.ifname);
  const mine: Record<string, unknown> = {
    type: d.mode, pi: d.pi, vnet_hdr: d.vnetHdr, multi_queue: d.multiQueue, persist: d.persist, numqueues: d.numQueues,
    numdisabled: d.numDisabledQueues, user: d.owner, group: d.group,
  };
  // ip prints the queue counts of multi-queue devices only
  if (!d.multiQueue) assert.deepEqual([d.numQueues, d.numDisabledQueues, 'numqueues' in info], [d.numQueues, 0, false]);
  const shown = new Set([...Object.keys(info), 'user', 'group']);
  assert.deepEqual(Object.fromEntries(Object.entries(mine).filter(([k]) => shown.has(k))), { ...info, user: info.user, group: info.group });
  const listed = ipJson<IpTuntapEntry[]>(ns, 'tuntap', 'list').find((e) => e.ifname === d.ifname);
  assert.deepEqual(listed, { ifname: d.ifname, flags: d.flags, ...(d.owner === undefined ? {} : { user: d.owner }), ...(d.group === undefined ? {} : { group: d.group }) });
  assert.equal(d.ifindex, ipJson<{ ifindex: number }[]>(ns, 'link', 'show', 'dev', d.ifname)[0].ifindex);
}

/** needRoot, a throwaway namespace and a handle in it, both gone afterwards. */
async function withHandle(t: TestContext, fn: (rt: RouteHandle, ns: string) => unknown): Promise<void> {
  if (!needRoot(t)) return;
  await withNetns(async (ns) => {
    const rt = openRoute({ netns: ns });
    try {
      await fn(rt, ns);
    } finally {
      rt.close();
    }
  });
}

describe('tuntap', () => {
  test('a tap made by nlkit (owner, group, multi-queue, vnet_hdr) reads back the same with ip', async (t) => {
    const before = readlinkSync(`/proc/self/task/${process.pid}/ns/net`);
    await withHandle(t, async (rt, ns) => {
      const made = await rt.tuntap.add({ name: 'vmtap0', mode: 'tap', owner: 4242, group: 4243, multiQueue: true, vnetHdr: true });
      assert.equal(made.ifname, 'vmtap0');
      assert.equal(made.mode, 'tap');
      const [d] = rt.tuntap.listSync();
      assert.deepEqual(d, {
        ifname: 'vmtap0', ifindex: made.ifindex, mode: 'tap', flags: ['tap', 'multi_queue', 'vnet_hdr', 'persist'],
        pi: false, vnetHdr: true, multiQueue: true, persist: true, numQueues: 0, numDisabledQueues: 0, owner: 4242, group: 4243,
      });
      assertSameAsIp(ns, d);
      // the kernel names it when no name is given; a tun with packet info this time
      const tun = rt.tuntap.addSync({ mode: 'tun', pi: true });
      assert.match(tun.ifname, /^tun\d+$/);
      assertSameAsIp(ns, await rt.tuntap.get(tun.ifname));
      assert.deepEqual((await rt.tuntap.get(tun.ifname)).flags, ['tun', 'pi', 'persist', 'filter']);
      await rt.tuntap.delete('vmtap0');
      rt.tuntap.deleteSync(tun.ifname);
      assert.deepEqual(ipJson(ns, 'tuntap', 'list'), []);
    });
    assert.equal(readlinkSync(`/proc/self/task/${process.pid}/ns/net`), before);
  });

  test('devices made by `ip tuntap add` are listed by nlkit with the same values, and deleted', async (t) => {
    if (!needRoot(t)) return;
    await withNetns(async (ns) => {
      ip(ns, 'tuntap', 'add', 'dev', 'ipt0', 'mode', 'tap', 'user', '1234', 'multi_queue');
      ip(ns, 'tuntap', 'add', 'dev', 'ipt1', 'mode', 'tun', 'group', '99', 'vnet_hdr');
      ip(ns, 'link', 'add', 'notatap', 'type', 'veth', 'peer', 'name', 'notatap1');
      // per-call netns, no handle of that namespace
      const rt = openRoute();
      try {
        const list = rt.tuntap.listSync(undefined, { netns: ns });
        assert.deepEqual(list.map((d) => d.ifname).sort(), ['ipt0', 'ipt1']);
        for (const d of list) assertSameAsIp(ns, d);
        assert.equal(list.find((d) => d.ifname === 'ipt0')?.owner, 1234);
        assert.equal(list.find((d) => d.ifname === 'ipt1')?.group, 99);
        await rt.tuntap.delete('ipt0', { netns: ns });
        rt.tuntap.deleteSync('ipt1', { netns: ns });
        assert.deepEqual(ipJson(ns, 'tuntap', 'list'), []);
        // not a tun/tap device, or none at all
        assert.throws(() => rt.tuntap.deleteSync('notatap', { netns: ns }), (e: unknown) => e instanceof NetlinkArgumentError &&
          e.argument === 'name' && /"notatap" is a veth device/.test(e.message));
        await assert.rejects(rt.tuntap.delete('nosuch0', { netns: ns }), (e: unknown) => e instanceof NetlinkSystemError &&
          e.code === 'ENODEV' && e.message === 'ENODEV: Cannot find device "nosuch0"');
        await assert.rejects(rt.tuntap.get('nosuch0', { netns: ns }), { code: 'ENODEV' });
      } finally {
        rt.close();
      }
    });
  });

  test('rtnetlink cannot make a tun device (the kernel says so); the links layer points to this API', async (t) => {
    await withHandle(t, async (rt) => {
      await assert.rejects(rt.ctx.conn.run(opCall(rtLink, 'newlink', 'do', { ifname: 'rtun0', linkinfo: { kind: 'tun' } }, { flags: NLM_F_CREATE | NLM_F_EXCL })),
        { code: 'EOPNOTSUPP', message: /tun\/tap creation via rtnetlink is not supported/ });
      const e = tunViaRtnetlinkError('tap');
      assert.ok(e instanceof NetlinkArgumentError);
      assert.equal(e.argument, 'kind');
      assert.match(e.message, /rt\.tuntap\.add\(\{ name, mode: 'tap' \}\)/);
    });
  });

  test('errors are typed: a taken name, bad specs, a missing namespace', async (t) => {
    await withHandle(t, async (rt) => {
      rt.tuntap.addSync({ name: 'tk0', mode: 'tun' });
      // a taken name (also by a link of another kind) is EEXIST, as for any link; the device is untouched
      assert.throws(() => rt.tuntap.addSync({ name: 'tk0', mode: 'tun' }), { code: 'EEXIST', errno: -17, syscall: 'ioctl(TUNSETIFF)', message: 'EEXIST: device "tk0" exists (tuntap add)' });
      await assert.rejects(rt.tuntap.add({ name: 'lo', mode: 'tap' }), { code: 'EEXIST' });
      assert.equal(rt.tuntap.getSync('tk0').persist, true);
      const bad: [unknown, string][] = [
        [{ mode: 'tan' }, 'mode'], [{}, 'mode'], [{ mode: 'tap', owner: -1 }, 'owner'], [{ mode: 'tap', group: 2 ** 32 }, 'group'],
        [{ mode: 'tap', persist: false }, 'persist'], [{ mode: 'tap', name: 'a/b' }, 'name'], [{ mode: 'tap', name: 'x'.repeat(16) }, 'name'],
        [{ mode: 'tap', vnetHdr: 1 }, 'vnetHdr'], [{ mode: 'tap', queues: 2 }, 'spec'], [null, 'spec'],
      ];
      for (const [spec, argument] of bad) {
        assert.throws(() => rt.tuntap.addSync(spec as never), (e: unknown) => e instanceof NetlinkArgumentError && e.argument === argument, JSON.stringify(spec));
        await assert.rejects(rt.tuntap.add(spec as never), { argument }, JSON.stringify(spec));
      }
      for (const queues of [0, 257, 1.5, '2'])
        assert.throws(() => rt.tuntap.openSync({ mode: 'tap', queues: queues as number }), { argument: 'queues' });
      assert.throws(() => rt.tuntap.addSync({ mode: 'tap' }, { netns: 'nlkt-surely-not-there' }), (e: unknown) => e instanceof NetnsError &&
        e.code === 'ENOENT' && /network namespace 'nlkt-surely-not-there' not found/.test(e.message));
      assert.throws(() => rt.tuntap.addSync({ mode: 'tap' }, { timeout: 5 } as never), { argument: 'options' });
    });
  });

  test('open() holds queues: the device lives while they are open, and they receive what the kernel sends on it', async (t) => {
    await withHandle(t, async (rt, ns) => {
      const q = await rt.tuntap.open({ name: 'vm0', mode: 'tun', queues: 2, nonblock: true });
      try {
        assert.equal(q.fds.length, 2);
        const d = rt.tuntap.getSync('vm0');
        assert.deepEqual([d.persist, d.multiQueue, d.numQueues], [false, true, 2]);
        assertSameAsIp(ns, d);
        ip(ns, 'addr', 'add', '10.77.0.1/24', 'dev', 'vm0');
        ip(ns, 'link', 'set', 'vm0', 'up');
        // a UDP datagram to the device's subnet leaves through it, into one of the queues
        const sender = spawn('ip', ['netns', 'exec', ns, '/usr/bin/python3', '-c',
          'import socket; socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"nlkit-hello", ("10.77.0.2", 9))'], { stdio: 'ignore' });
        const got = await readPacket(q.fds, (p) => p[0] >> 4 === 4 && p[9] === 17);
        sender.kill();
        assert.ok(got, 'a queue received the datagram');
        assert.equal(got.subarray(28).toString(), 'nlkit-hello');
        assert.deepEqual([...got.subarray(16, 20)], [10, 77, 0, 2]);
      } finally {
        q.close();
        q.close(); // idempotent
      }
      // not persistent: gone with its last queue
      assert.deepEqual(ipJson(ns, 'tuntap', 'list'), []);
      // a persistent multi-queue tap, as a VMM finds it: open attaches to it and keeps its settings
      ip(ns, 'tuntap', 'add', 'dev', 'fc0', 'mode', 'tap', 'multi_queue', 'vnet_hdr');
      const q2 = rt.tuntap.openSync({ name: 'fc0', mode: 'tap', multiQueue: true, vnetHdr: true });
      try {
        assert.deepEqual(rt.tuntap.getSync('fc0').numQueues, 1);
      } finally {
        q2.close();
      }
      assert.equal(ipJson<IpTuntapEntry[]>(ns, 'tuntap', 'list')[0]?.ifname, 'fc0');
    });
  });
});

/** The first packet on any of the non-blocking fds that `want` accepts, within 5 s. */
async function readPacket(fds: number[], want: (p: Buffer) => boolean): Promise<Buffer | undefined> {
  const buf = Buffer.alloc(65536);
  for (let i = 0; i < 500; i++) {
    for (const fd of fds) {
      for (;;) {
        let n: number;
        try {
          n = readSync(fd, buf, 0, buf.length, null);
        } catch (e) {
          if ((e as { code?: string }).code === 'EAGAIN') break;
          throw e;
        }
        const p = Buffer.from(buf.subarray(0, n));
        if (want(p)) return p;
      }
    }
    await sleep(10);
  }
  return undefined;
}
