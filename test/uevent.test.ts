import { test } from 'node:test';
import { execFileSync } from 'node:child_process';
import assert from 'node:assert/strict';
import { NETLINK_KOBJECT_UEVENT, SO_PASSCRED, SOL_SOCKET } from '../src/core/constants.js';
import { NetlinkArgumentError, NetlinkDecodeError } from '../src/core/errors.js';
import { NetlinkSocket } from '../src/core/transport.js';
import {
  decodeKernelUevent, decodeUdevEvent, decodeUevent, encodeKernelUevent, encodeUdevEvent, uevents, UEVENT_GROUPS, type Uevent,
} from '../src/uevent/index.js';
import { ip, needRoot, withNetns } from './helpers/netns.js';

/** A uevent as a 6.18 kernel sent it for a veth created in a namespace. */
export const VETH_ADD = Buffer.from('add@/devices/virtual/net/vb\0ACTION=add\0DEVPATH=/devices/virtual/net/vb\0SUBSYSTEM=net\0INTERFACE=vb\0IFINDEX=2\0SEQNUM=41364\0');

test('uevent: a kernel uevent, typed and with every key', () => {
  const ev = decodeKernelUevent(VETH_ADD, 0, VETH_ADD.length);
  assert.deepEqual(ev, {
    type: 'uevent', source: 'kernel', action: 'add', devpath: '/devices/virtual/net/vb', subsystem: 'net', interface: 'vb', ifindex: 2, seqnum: 41364n,
    env: { ACTION: 'add', DEVPATH: '/devices/virtual/net/vb', SUBSYSTEM: 'net', INTERFACE: 'vb', IFINDEX: '2', SEQNUM: '41364' },
  });
  assert.deepEqual(decodeUevent(VETH_ADD), ev);
  assert.deepEqual(decodeUevent(encodeKernelUevent('add', '/devices/virtual/net/vb', ev.env)), ev);
});

test('uevent: a udev event behind its libudev header', () => {
  const env = { ACTION: 'change', DEVPATH: '/devices/virtual/block/loop0', SUBSYSTEM: 'block', DEVNAME: '/dev/loop0', DEVTYPE: 'disk', MAJOR: '7', MINOR: '0', SEQNUM: '9', USEC_INITIALIZED: '123' };
  const bytes = encodeUdevEvent(env);
  assert.equal(bytes.subarray(0, 8).toString('latin1'), 'libudev\0');
  assert.equal(bytes.readUInt32BE(8), 0xfeedcafe, 'magic in network order');
  assert.equal(bytes.readUInt32LE(12), 40, 'header size');
  assert.equal(bytes.readUInt32LE(16), 40, 'properties offset');
  const ev = decodeUdevEvent(bytes, 0, bytes.length);
  assert.deepEqual(ev, {
    type: 'uevent', source: 'udev', action: 'change', devpath: '/devices/virtual/block/loop0', subsystem: 'block', devname: '/dev/loop0',
    devtype: 'disk', major: 7, minor: 0, seqnum: 9n, env,
  });
  assert.deepEqual(decodeUevent(bytes), ev);
});

test('uevent: malformed datagrams are typed decode errors', () => {
  const bad = (s: string | Buffer) => () => decodeUevent(typeof s === 'string' ? Buffer.from(s) : s);
  assert.throws(bad('no-at-sign\0ACTION=add\0'), NetlinkDecodeError);
  assert.throws(bad('add@/x\0NOEQUALS\0'), /not KEY=VALUE/);
  assert.throws(bad('add@/x\0SEQNUM=12x\0'), /SEQNUM="12x" is not a number/);
  assert.throws(bad('add@/x\0IFINDEX=99999999999\0'), /exceeds u32/);
  assert.throws(bad('@/x\0'), NetlinkDecodeError);
  const udev = encodeUdevEvent({ ACTION: 'add', DEVPATH: '/x' });
  const magic = Buffer.from(udev); magic.writeUInt32BE(0xdeadbeef, 8);
  assert.throws(bad(magic), /magic 0xdeadbeef/);
  const off = Buffer.from(udev); off.writeUInt32LE(4000, 16);
  assert.throws(bad(off), /do not fit/);
  assert.throws(bad(udev.subarray(0, 30)), NetlinkDecodeError);
  assert.throws(() => decodeUdevEvent(encodeUdevEvent({ DEVPATH: '/x' }), 0, 52), /without an action/);
});

test('uevent: options are checked', () => {
  assert.throws(() => uevents({ source: 'systemd' as 'udev' }), (e: unknown) => e instanceof NetlinkArgumentError && e.argument === 'source');
  assert.throws(() => uevents({ highWaterMark: 0 }), NetlinkArgumentError);
  assert.throws(() => uevents({ group: 1 } as never), (e: unknown) => e instanceof NetlinkArgumentError && e.argument === 'group');
});

/** The uevents a stream yields until `until` says stop (or 5 s pass). */
async function collect(stream: ReturnType<typeof uevents>, until: (ev: Uevent) => boolean): Promise<Uevent[]> {
  const out: Uevent[] = [];
  const timer = setTimeout(() => stream.close(), 5000);
  for await (const item of stream) {
    if (item.type !== 'uevent') continue;
    out.push(item);
    if (until(item)) break;
  }
  clearTimeout(timer);
  return out;
}

test('uevent: a veth created in a namespace is announced on a socket in that namespace', async (t) => {
  if (!needRoot(t)) return;
  await withNetns(async (ns) => {
    const stream = uevents({ netns: ns });
    const got = collect(stream, (ev) => ev.action === 'add' && ev.interface === 'nlkt-b');
    ip(ns, 'link', 'add', 'nlkt-a', 'type', 'veth', 'peer', 'name', 'nlkt-b');
    const events = await got;
    const link = events.find((ev) => ev.subsystem === 'net' && ev.interface === 'nlkt-b');
    if (!link) return t.skip('no uevent for the veth arrived in its namespace: this kernel does not deliver uevents per network namespace');
    const [info] = JSON.parse(ip(ns, '-j', 'link', 'show', 'nlkt-b')) as { ifindex: number }[];
    assert.equal(link.action, 'add');
    assert.equal(link.devpath, '/devices/virtual/net/nlkt-b');
    assert.equal(link.ifindex, info.ifindex, 'the ifindex ip shows');
    assert.equal(typeof link.seqnum, 'bigint');
    assert.equal(link.env.INTERFACE, 'nlkt-b');
  });
});

test('uevent: udev events are taken from root senders on the udev group', async (t) => {
  if (!needRoot(t)) return;
  await withNetns(async (ns) => {
    const stream = uevents({ source: 'udev', netns: ns });
    const got = collect(stream, (ev) => ev.env.NLKIT === 'last');
    // a stand-in for udevd: root broadcasting on group 2 in the namespace
    const sender = new NetlinkSocket(NETLINK_KOBJECT_UEVENT, { netns: ns });
    try {
      sender.setOption(SOL_SOCKET, SO_PASSCRED, true);
      const kernelLike = encodeKernelUevent('add', '/devices/x', { ACTION: 'add', DEVPATH: '/devices/x', NLKIT: 'kernel-form' });
      sender.send(kernelLike, 0, kernelLike.length, 0, 1 << (UEVENT_GROUPS.udev - 1));
      const msg = encodeUdevEvent({ ACTION: 'bind', DEVPATH: '/devices/virtual/misc/nlkit', SUBSYSTEM: 'misc', SEQNUM: '5', NLKIT: 'last' });
      sender.send(msg, 0, msg.length, 0, 1 << (UEVENT_GROUPS.udev - 1));
    } finally {
      sender.close();
    }
    const items = await got;
    assert.deepEqual(items.map((e) => e.env.NLKIT), ['last'], 'a kernel-format message on the udev group is not a udev event');
    assert.equal(items[0].action, 'bind');
    assert.equal(items[0].source, 'udev');
    assert.equal(items[0].seqnum, 5n);
  });
});

test('uevent: a process other than the kernel cannot forge kernel uevents', async (t) => {
  if (!needRoot(t)) return;
  await withNetns(async (ns) => {
    const stream = uevents({ netns: ns });
    const got = collect(stream, (ev) => ev.subsystem === 'net');
    const sender = new NetlinkSocket(NETLINK_KOBJECT_UEVENT, { netns: ns });
    try {
      const forged = encodeKernelUevent('add', '/devices/forged', { ACTION: 'add', DEVPATH: '/devices/forged', SUBSYSTEM: 'forged' });
      sender.send(forged, 0, forged.length, 0, 1 << (UEVENT_GROUPS.kernel - 1));
    } finally {
      sender.close();
    }
    ip(ns, 'link', 'add', 'nlkt-a', 'type', 'veth', 'peer', 'name', 'nlkt-b');
    const events = await got;
    assert.ok(!events.some((ev) => ev.subsystem === 'forged'), 'the forged event was dropped');
  });
});

test('uevent: events the kernel dropped (a full receive queue) are an overrun item', async (t) => {
  if (!needRoot(t)) return;
  await withNetns(async (ns) => {
    // a small queue and a reader that pauses after one item: 30 veth pairs (~10 uevents each) overflow it
    const stream = uevents({ netns: ns, rcvbuf: 4096, highWaterMark: 1 });
    const batch = Array.from({ length: 30 }, (_, i) => `link add nlkt-a${i} type veth peer name nlkt-b${i}`).join('\n') + '\n';
    execFileSync('ip', ['-n', ns, '-batch', '-'], { input: batch });
    let overruns = 0, seen = 0;
    const timer = setTimeout(() => stream.close(), 5000);
    for await (const item of stream) {
      if (item.type === 'overrun') overruns++;
      else seen++;
      if (overruns) break;
    }
    clearTimeout(timer);
    stream.close();
    if (!overruns && seen === 0) return t.skip('no uevents in the namespace: this kernel does not deliver them per network namespace');
    assert.ok(overruns >= 1, `an overrun item after ${seen} events`);
  });
});
