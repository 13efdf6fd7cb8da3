// nlkit/route nexthops against `ip nexthop`: objects and groups (mpath, resilient with
// buckets) nlkit makes read back with `ip -j nexthop`, ones `ip` makes read by nlkit the same,
// what deleting a nexthop does to routes and groups, flush, bulk, errors with the kernel's
// text, and golden vectors for nlkit's rt-nexthop spec from <linux/nexthop.h>.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { NetlinkArgumentError, NetlinkError } from '../src/core/errors.js';
import type { Nexthop, NexthopSpec } from '../src/route/index.js';
import { nexthopEvents, nexthopRequest } from '../src/route/nexthops.js';
import { Family } from '../src/ynl/family.js';
import { description as rtNexthopDesc } from '../src/ynl/families/rt-nexthop.js';
import { assertDecodes, assertEncodes, bytes } from './helpers/ynl-golden.js';
import { ip, ipJson, run } from './helpers/netns.js';
import { Connection } from '../src/core/connection.js';
import { NETLINK_ROUTE } from '../src/core/constants.js';
import { camelJson, firstEvent } from './helpers/ip-json.js';
import { withRoute } from './helpers/route-ns.js';

type IpObject = Record<string, unknown>;

/** What `ip -j nexthop` prints of a nexthop: nlkit's object without what ip leaves out. */
function asIpPrints(n: Nexthop): IpObject {
  const { family: _f, ifindex: _i, hwStats: _h, protocol, type, group, ...rest } = n;
  const out: IpObject = { ...rest };
  if (protocol !== 'unspec') out.protocol = protocol;
  if (group) out.group = group.map((g) => (g.weight === 1 ? { id: g.id } : g));
  if (type === 'resilient') out.type = type;
  return out;
}

function assertSameAsIp(ns: string, ours: Nexthop[]): void {
  assert.deepEqual(ours.map(asIpPrints), camelJson(ipJson(ns, 'nexthop')));
}

/** Two veth pairs with addresses (IPv4 on both, IPv6 on the second), carriers up. */
const LINKS = [
  'link add v0 type veth peer name v1', 'link add v2 type veth peer name v3',
  'link set v0 up', 'link set v1 up', 'link set v2 up', 'link set v3 up',
  'addr add 10.1.0.1/24 dev v0', 'addr add 10.2.0.1/24 dev v2', 'addr add 2001:db8::1/64 dev v2 nodad',
].map((c) => c.split(' '));

const SPECS: NexthopSpec[] = [
  { id: 1, via: '10.1.0.2', dev: 'v0' },
  { id: 2, via: '10.2.0.2', dev: 'v2', onlink: true },
  { id: 3, blackhole: true },
  { id: 4, dev: 'v0' },
  { id: 5, via: '2001:db8::2', dev: 'v2' },
  { id: 6, via: '10.1.0.4', dev: 'v0', protocol: 'static' },
  { id: 10, group: [1, { id: 2, weight: 5 }] },
  { id: 11, group: [{ id: 1 }, { id: 2, weight: 7 }], type: 'resilient', buckets: 8, idleTimer: 60, unbalancedTimer: 120 },
  { id: 12, via: '10.1.0.9', fdb: true },
  { id: 13, group: [12], fdb: true },
];

const IP_ARGS = [
  'add id 1 via 10.1.0.2 dev v0',
  'add id 2 via 10.2.0.2 dev v2 onlink',
  'add id 3 blackhole',
  'add id 4 dev v0',
  'add id 5 via 2001:db8::2 dev v2',
  'add id 6 via 10.1.0.4 dev v0 protocol static',
  'add id 10 group 1/2,5',
  'add id 11 group 1/2,7 type resilient buckets 8 idle_timer 60 unbalanced_timer 120',
  'add id 12 via 10.1.0.9 fdb',
  'add id 13 group 12 fdb',
];

describe('nexthops against the kernel and `ip nexthop`', () => {
  test('nexthops and groups nlkit adds read back with `ip -j nexthop` with the same values', (t) => withRoute(t, LINKS, async (rt, ns) => {
    for (const spec of SPECS) await rt.nexthops.add(spec);
    const ours = await rt.nexthops.list();
    assertSameAsIp(ns, ours);
    const byId = new Map(ours.map((n) => [n.id, n]));
    assert.deepEqual(byId.get(10)?.group, [{ id: 1, weight: 1 }, { id: 2, weight: 5 }]);
    assert.equal(byId.get(10)?.type, 'mpath');
    assert.deepEqual(byId.get(11)?.resilientArgs, { buckets: 8, idleTimer: 60, unbalancedTimer: 120, unbalancedTime: 0 });
    assert.deepEqual(byId.get(2)?.flags, ['onlink']);
    assert.equal(byId.get(5)?.family, 'inet6');
    assert.equal(byId.get(1)?.dev, 'v0');
    assert.equal(byId.get(6)?.protocol, 'static');
  }));

  test('nexthops `ip` adds are read by nlkit with the same values; filters as `ip nexthop show`', (t) => withRoute(t, [...LINKS, ...IP_ARGS.map((a) => ['nexthop', ...a.split(' ')])], async (rt, ns) => {
    assertSameAsIp(ns, rt.nexthops.listSync());
    const ids = (f: Parameters<typeof rt.nexthops.listSync>[0]) => rt.nexthops.listSync(f).map((n) => n.id);
    assert.deepEqual(ids({ dev: 'v0' }), ip(ns, 'nexthop', 'show', 'dev', 'v0').trim().split('\n').map((l) => Number(l.split(' ')[1])));
    assert.deepEqual(ids({ groups: true }), [10, 11, 13]);
    assert.deepEqual(ids({ fdb: true }), [12, 13]);
    assert.deepEqual(ids({ id: 4 }), [4]);
    assert.deepEqual(ids({ id: 99 }), []);
    assert.deepEqual(ids({ id: 4, groups: true }), []);
    assert.deepEqual(asIpPrints(rt.nexthops.getSync(11)), camelJson(ipJson<IpObject[]>(ns, 'nexthop', 'show', 'id', '11')[0]));
  }));

  test('resilient group buckets as `ip -j nexthop bucket show`', (t) => withRoute(t, LINKS, async (rt, ns) => {
    await rt.nexthops.add([{ id: 1, via: '10.1.0.2', dev: 'v0' }, { id: 2, via: '10.2.0.2', dev: 'v2' }]);
    await rt.nexthops.add({ id: 20, group: [{ id: 1, weight: 1 }, { id: 2, weight: 3 }], type: 'resilient', buckets: 16, idleTimer: 1, unbalancedTimer: 0 });
    const buckets = await rt.nexthops.buckets({ id: 20 });
    const theirs = ipJson<{ id: number; bucket: { index: number; nhid: number; idle_time: number } }[]>(ns, 'nexthop', 'bucket', 'show', 'id', '20');
    assert.deepEqual(buckets.map((b) => [b.id, b.index, b.nhid]), theirs.map((b) => [b.id, b.bucket.index, b.bucket.nhid]));
    assert.equal(buckets.length, 16);
    // weights 1:3 over 16 buckets
    assert.equal(buckets.filter((b) => b.nhid === 2).length, 12);
    assert.ok(buckets.every((b) => b.idleTime >= 0));
    assert.deepEqual(rt.nexthops.bucketsSync({ id: 20, nhid: 1 }).map((b) => b.nhid), [1, 1, 1, 1]);
  }));

  test('add picks an id when none is given; replace; deleting a nexthop takes its routes and group membership', (t) => withRoute(t, LINKS, async (rt, ns) => {
    // one spec resolves to the nexthop (typed so), an array to a BulkResult
    const auto: Nexthop = await rt.nexthops.add({ via: '10.1.0.2', dev: 'v0' });
    assert.ok(auto.id > 0);
    assert.equal(auto.gateway, '10.1.0.2');
    assert.deepEqual(asIpPrints(auto), camelJson(ipJson<IpObject[]>(ns, 'nexthop', 'show', 'id', String(auto.id))[0]));
    const two: Nexthop = rt.nexthops.addSync({ id: 2, via: '10.2.0.2', dev: 'v2' });
    assert.equal(two.id, 2);
    const replaced = await rt.nexthops.replace({ id: 2, via: '10.2.0.3', dev: 'v2' });
    assert.equal(replaced.gateway, '10.2.0.3');
    assert.equal(ipJson<IpObject[]>(ns, 'nexthop', 'show', 'id', '2')[0].gateway, '10.2.0.3');
    await rt.nexthops.add({ id: 30, group: [auto.id, 2] });
    ip(ns, 'route', 'add', '10.50.0.0/16', 'nhid', String(auto.id));
    ip(ns, 'route', 'add', '10.51.0.0/16', 'nhid', '30');
    await rt.nexthops.delete(auto.id);
    const routes = ipJson<{ dst: string; nhid?: number }[]>(ns, 'route', 'show');
    assert.ok(!routes.some((r) => r.dst === '10.50.0.0/16'), 'the route through the deleted nexthop goes too');
    assert.deepEqual(routes.find((r) => r.dst === '10.51.0.0/16')?.nhid, 30);
    assert.deepEqual((await rt.nexthops.get(30)).group, [{ id: 2, weight: 1 }]);
    rt.nexthops.deleteSync(2);
    // a group losing its last member goes, and its routes with it
    assert.deepEqual(await rt.nexthops.list(), []);
    assert.ok(!ipJson<{ dst: string }[]>(ns, 'route', 'show').some((r) => r.dst === '10.51.0.0/16'));
  }));

  test('flush (groups first, filtered) and bulk add/delete with failures at their indexes', (t) => withRoute(t, LINKS, async (rt, ns) => {
    const r = await rt.nexthops.add([
      { id: 1, via: '10.1.0.2', dev: 'v0' }, { id: 2, via: '10.2.0.2', dev: 'v2' }, { id: 3, via: '10.9.9.9', dev: 'v0' },
      { id: 4, group: [1, 2] }, { id: 5, group: [{ id: 1, weight: 0 }] }, { id: 6, group: [1], type: 'resilient', buckets: 4 },
    ]);
    assert.equal(r.done, 4);
    assert.deepEqual(r.failures.map((f) => f.index), [2, 4]);
    assert.match(r.failures[0].error.message, /Nexthop has invalid gateway/);
    assert.equal((r.failures[1].error as NetlinkArgumentError).argument, 'group[0].weight');
    assert.equal((await rt.nexthops.flush({ dev: 'v2' })).done, 1);
    assert.deepEqual(ipJson<IpObject[]>(ns, 'nexthop').map((n) => n.id), [1, 4, 6]);
    // groups go before their members: none is gone by the time its delete comes
    assert.deepEqual(await rt.nexthops.flush(), { ok: true, done: 3, failures: [] });
    assert.deepEqual(ipJson(ns, 'nexthop'), []);
    rt.nexthops.addSync([{ id: 7, dev: 'v0' }, { id: 8, dev: 'v2' }]);
    const del = rt.nexthops.deleteSync([7, 9, 8]);
    assert.deepEqual(del.failures.map((f) => [f.index, (f.error as NetlinkError).code]), [[1, 'ENOENT']]);
  }));

  test('group stats: packets per member (`stats`), counted as the group forwards', (t) => withRoute(t, LINKS, async (rt, ns) => {
    await rt.nexthops.add([{ id: 1, via: '10.1.0.2', dev: 'v0' }, { id: 2, via: '10.2.0.2', dev: 'v2' }, { id: 10, group: [1, 2] }]);
    const [before] = await rt.nexthops.list({ id: 10, stats: true });
    if (!before.groupStats) return t.skip('this kernel sends no NHA_GROUP_STATS (before 6.7)');
    assert.deepEqual(before.groupStats, [{ id: 1, packets: 0n }, { id: 2, packets: 0n }]);
    ip(ns, 'route', 'add', '10.70.0.0/16', 'nhid', '10');
    // eight UDP datagrams through the group (bash's /dev/udp: no tool needed)
    run('ip', ['netns', 'exec', ns, 'bash', '-c', 'for i in 1 2 3 4 5 6 7 8; do echo x > /dev/udp/10.70.$i.1/9; done']);
    const after = rt.nexthops.listSync({ stats: true, groups: true })[0].groupStats!;
    assert.ok(after.reduce((n, e) => n + e.packets, 0n) >= 8n, JSON.stringify(after, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v)));
    assert.equal(rt.nexthops.listSync({ id: 10 })[0].groupStats, undefined, 'only when asked for');
  }));

  test('notifications decode as list() shows the nexthop (nexthopEvents, for the monitor)', (t) => withRoute(t, LINKS, async (rt, ns) => {
    const RTNLGRP_NEXTHOP = 32;
    const conn = new Connection(NETLINK_ROUTE, { netns: ns });
    try {
      const scope = rt.ctx.scope();
      const events = conn.events({ groups: [RTNLGRP_NEXTHOP], decode: (m) => nexthopEvents.decode(m, scope) });
      const added = firstEvent(events, (n) => n.id === 41);
      ip(ns, 'nexthop', 'add', 'id', '40', 'via', '10.1.0.2', 'dev', 'v0');
      ip(ns, 'nexthop', 'add', 'id', '41', 'group', '40,3', 'type', 'resilient', 'buckets', '4');
      assert.deepEqual(await added, await rt.nexthops.get(41));
      const deleted = firstEvent(events, (n) => n.id === 40);
      await rt.nexthops.delete(40);
      assert.equal(nexthopEvents.key(await deleted), '40');
      events.close();
    } finally {
      conn.close();
    }
  }));

  test("errors: the kernel's ext-ack text, and bad values naming the caller's option", (t) => withRoute(t, LINKS, async (rt) => {
    const kernel: [NexthopSpec, string, RegExp][] = [
      [{ id: 31, group: [999] }, 'EINVAL', /^Invalid nexthop id$/],
      [{ id: 32, via: '10.99.0.1', dev: 'v0' }, 'ENETUNREACH', /^Nexthop has invalid gateway$/],
      [{ id: 33, via: '10.1.0.2' }, 'EINVAL', /Device attribute required/],
    ];
    for (const [spec, code, text] of kernel)
      await assert.rejects(rt.nexthops.add(spec), (e: unknown) => e instanceof NetlinkError && e.code === code && text.test(e.extackMessage ?? ''), JSON.stringify(spec));
    await assert.rejects(rt.nexthops.get(77), (e: unknown) => e instanceof NetlinkError && e.code === 'ENOENT');
    await assert.rejects(rt.nexthops.add({ id: 34, via: '10.1.0.2', dev: 'nosuch0' }), (e: unknown) => e instanceof Error && /Cannot find device "nosuch0" \(dev\)/.test(e.message));
    const bad: [unknown, string][] = [
      [{ id: 0, dev: 'v0' }, 'id'],
      [{ via: 'x', dev: 'v0' }, 'via'],
      [{ family: 'inet6', via: '10.1.0.1', dev: 'v0' }, 'via'],
      [{ blackhole: true, dev: 'v0' }, 'dev'],
      [{ group: [] }, 'group'],
      [{ group: [1], via: '10.0.0.1' }, 'via'],
      [{ group: [{ id: 1, weight: 65537 }] }, 'group[0].weight'],
      [{ group: [{ id: 1, wt: 2 }] }, 'wt'],
      [{ group: [1], type: 'ecmp' }, 'type'],
      [{ group: [1], type: 'resilient', idleTimer: -1 }, 'idleTimer'],
      [{ dev: 'v0', buckets: 4 }, 'buckets'],
      [{}, 'via'],
      [{ fdb: true, dev: 'v0', via: '10.1.0.2' }, 'dev'],
      [{ gateway: '10.1.0.2' }, 'gateway'],
    ];
    for (const [spec, option] of bad)
      assert.throws(() => rt.nexthops.addSync(spec as NexthopSpec), (e: unknown) => e instanceof NetlinkArgumentError && e.argument === option, JSON.stringify(spec));
    assert.throws(() => rt.nexthops.replaceSync({ dev: 'v0' }), (e: unknown) => e instanceof NetlinkArgumentError && e.argument === 'id');
  }));
});

describe('nexthops: golden vectors from <linux/nexthop.h> (nlkit spec rt-nexthop)', () => {
  const nh = Family.from(rtNexthopDesc);

  test('a gateway nexthop: struct nhmsg, NHA_ID, NHA_GATEWAY, NHA_OIF; onlink in nh_flags', () => {
    const scope = { ifindex: () => 3 } as never;
    assertEncodes(nh, 'newnexthop', nexthopRequest(scope, { id: 7, via: '10.1.0.2', dev: 'v0', onlink: true, protocol: 'static' }), bytes(
      '02 00 04 00 04000000', // nhmsg: AF_INET, scope 0, RTPROT_STATIC, resvd, RTNH_F_ONLINK (4)
      '0800 0100 07000000', //   NHA_ID (1) = 7
      '0800 0600 0a010002', //   NHA_GATEWAY (6) = 10.1.0.2
      '0800 0500 03000000', //   NHA_OIF (5) = 3
    ));
  });

  test('a group: NHA_GROUP as an array of struct nexthop_grp (weight - 1, high byte in weight_high), NHA_GROUP_TYPE', () => {
    const req = nexthopRequest(undefined as never, { id: 10, group: [1, { id: 2, weight: 5 }, { id: 3, weight: 300 }] });
    assertEncodes(nh, 'newnexthop', req, bytes(
      '00 00 00 00 00000000', //        nhmsg: AF_UNSPEC
      '0800 0100 0a000000', //          NHA_ID (1) = 10
      '1c00 0200', //                   NHA_GROUP (2): three struct nexthop_grp
      '01000000 00 00 0000', //           id 1, weight 1 - 1
      '02000000 04 00 0000', //           id 2, weight 5 - 1
      '03000000 2b 01 0000', //           id 3, weight 300 - 1 = 0x012b: low byte, weight_high
      '0600 0300 0000 0000', //         NHA_GROUP_TYPE (3) = NEXTHOP_GRP_TYPE_MPATH (u16, padded)
    ));
  });

  test('a resilient group: NHA_RES_GROUP nest with buckets and clock_t timers', () => {
    const req = nexthopRequest(undefined as never, { id: 11, group: [1], type: 'resilient', buckets: 8, idleTimer: 60, unbalancedTimer: 1.5 });
    assertEncodes(nh, 'newnexthop', req, bytes(
      '00 00 00 00 00000000',
      '0800 0100 0b000000', //          NHA_ID (1) = 11
      '0c00 0200 01000000 00000000', // NHA_GROUP (2): id 1, weight 1
      '0600 0300 0100 0000', //         NHA_GROUP_TYPE (3) = NEXTHOP_GRP_TYPE_RES
      '1c00 0c80', //                   NHA_RES_GROUP (12) | NLA_F_NESTED
      '0600 0100 0800 0000', //           NHA_RES_GROUP_BUCKETS (1) = 8
      '0800 0200 70170000', //            NHA_RES_GROUP_IDLE_TIMER (2) = 6000 (60 s at USER_HZ 100)
      '0800 0300 96000000', //            NHA_RES_GROUP_UNBALANCED_TIMER (3) = 150
    ));
  });

  test('a bucket of a resilient group decodes (NHA_RES_BUCKET nest, u64 idle time)', () => {
    assertDecodes(nh, 'getnexthopbucket', bytes(
      '00 00 00 00 00000000',
      '0800 0100 14000000', //          NHA_ID (1) = 20
      '0800 0500 03000000', //          NHA_OIF (5) = 3
      '2000 0d80', //                   NHA_RES_BUCKET (13) | NLA_F_NESTED
      '0600 0100 0500 0000', //           NHA_RES_BUCKET_INDEX (1) = 5
      '0c00 0200 e803000000000000', //    NHA_RES_BUCKET_IDLE_TIME (2) = 1000 (u64)
      '0800 0300 02000000', //            NHA_RES_BUCKET_NH_ID (3) = 2
    ), { nhFamily: 0, nhScope: 0, nhProtocol: 0, nhFlags: [], id: 20, oif: 3, resBucket: { index: 5, idleTime: 1000n, nhId: 2 } });
  });
});
