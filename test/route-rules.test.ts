// nlkit/route rules against `ip rule`: rules nlkit makes read back with `ip -j rule` with the
// same values, rules `ip` makes read by nlkit the same, delete/flush as ip, bulk, errors
// with the kernel's text and the caller's option, and golden vectors from <linux/fib_rules.h>.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { NetlinkArgumentError, NetlinkError } from '../src/core/errors.js';
import type { Rule, RuleSpec } from '../src/route/index.js';
import { Family } from '../src/ynl/family.js';
import { description as rtRuleDesc } from '../src/ynl/families/rt-rule.js';
import { assertDecodes, assertEncodes, bytes } from './helpers/ynl-golden.js';
import { ip, ipJson } from './helpers/netns.js';
import { Connection } from '../src/core/connection.js';
import { NETLINK_ROUTE } from '../src/core/constants.js';
import { ruleEvents, ruleRequest } from '../src/route/rules.js';
import { camelJson, firstEvent } from './helpers/ip-json.js';
import { withRoute } from './helpers/route-ns.js';

type IpRule = Record<string, unknown>;

/** What `ip -j rule` prints of a rule: nlkit's object without what ip leaves out. */
function asIpPrints(r: Rule): IpRule {
  const { family: _f, tableId: _t, flags: _fl, action, protocol, ...rest } = r;
  const out: IpRule = { ...rest };
  if (action !== 'lookup' && action !== 'goto') out.action = action;
  if (protocol !== 'unspec' && protocol !== 'kernel') out.protocol = protocol;
  return out;
}

function assertSameAsIp(ns: string, family: '-4' | '-6', ours: Rule[]): void {
  const theirs = ipJson<IpRule[]>(ns, family, 'rule').map(camelJson);
  assert.deepEqual(ours.map(asIpPrints), theirs);
}

// one of each selector and action `ip rule` has (iproute2 6.1 prints all of these)
const SPECS: RuleSpec[] = [
  { priority: 100, from: '10.0.0.0/8', to: '192.168.0.0/16', table: 1000 },
  { priority: 101, fwmark: '0x10/0xff', table: 200 },
  { priority: 102, not: true, iif: 'lo', oif: 'nlk-absent', table: 'main' },
  { priority: 103, ipproto: 'tcp', sport: '1000-2000', dport: 80, table: 5 },
  { priority: 104, uidrange: '100-200', action: 'blackhole' },
  { priority: 105, goto: 110 },
  { priority: 106, tos: '0x10', action: 'prohibit' },
  { priority: 107, l3mdev: true },
  { priority: 108, table: 'main', suppressPrefixlen: 0, suppressIfgroup: 5, protocol: 'static' },
  { priority: 109, realms: '3/4', table: 7 },
  { priority: 110, action: 'unreachable' },
  { priority: 111, from: '10.1.2.3', fwmark: 7, table: 100000 },
  { priority: 112, to: '10.2.0.0/16', ipproto: 17, dport: { start: 53, end: 54 }, uidrange: 1000, table: 300 },
];

const IP_ARGS = [
  'add priority 100 from 10.0.0.0/8 to 192.168.0.0/16 table 1000',
  'add priority 101 fwmark 0x10/0xff table 200',
  'add priority 102 not iif lo oif nlk-absent lookup main',
  'add priority 103 ipproto tcp sport 1000-2000 dport 80 table 5',
  'add priority 104 uidrange 100-200 blackhole',
  'add priority 105 goto 110',
  'add priority 106 tos 0x10 prohibit',
  'add priority 107 l3mdev',
  'add priority 108 table main suppress_prefixlength 0 suppress_ifgroup 5 protocol static',
  'add priority 109 realms 3/4 table 7',
  'add priority 110 unreachable',
  'add priority 111 from 10.1.2.3 fwmark 7 table 100000',
  'add priority 112 to 10.2.0.0/16 ipproto udp dport 53-54 uidrange 1000-1000 table 300',
];

describe('rules against the kernel and `ip rule`', () => {
  test('rules nlkit adds read back with `ip -j rule` with the same values', (t) => withRoute(t, [], async (rt, ns) => {
    for (const spec of SPECS) await rt.rules.add(spec);
    await rt.rules.add({ priority: 120, from: '2001:db8::/32', table: 1000 });
    await rt.rules.add({ priority: 121, family: 'inet6', fwmark: 1, action: 'prohibit' });
    const ours = await rt.rules.list();
    assertSameAsIp(ns, '-4', ours);
    assertSameAsIp(ns, '-6', rt.rules.listSync({ family: 'inet6' }));
    const byPrio = new Map(ours.map((r) => [r.priority, r]));
    assert.equal(byPrio.get(100)?.table, '1000');
    assert.equal(byPrio.get(100)?.tableId, 1000);
    assert.equal(byPrio.get(111)?.tableId, 100000);
    assert.deepEqual([byPrio.get(101)?.fwmark, byPrio.get(101)?.fwmask], ['0x10', '0xff']);
    assert.deepEqual(byPrio.get(102)?.flags, ['invert', 'oif-detached']);
    assert.equal(byPrio.get(102)?.oifDetached, true);
    assert.equal(byPrio.get(105)?.action, 'goto');
    assert.equal(byPrio.get(105)?.goto, 110);
    assert.deepEqual([byPrio.get(104)?.uidStart, byPrio.get(104)?.uidEnd], [100, 200]);
    assert.equal(byPrio.get(108)?.protocol, 'static');
    // both families at once
    const all = await rt.rules.list({ family: 'all' });
    assert.deepEqual(new Set(all.map((r) => r.family)), new Set(['inet', 'inet6']));
  }));

  test('rules `ip` adds are read by nlkit with the same values', (t) => withRoute(t, [...IP_ARGS.map((a) => ['rule', ...a.split(' ')]), ['-6', 'rule', 'add', 'priority', '130', 'from', '2001:db8:1::/48', 'iif', 'lo', 'table', '4000']], async (rt, ns) => {
    const ours = rt.rules.listSync();
    assertSameAsIp(ns, '-4', ours);
    assertSameAsIp(ns, '-6', rt.rules.listSync({ family: 'inet6' }));
    // and the two ways of making them agree
    const spec103 = ours.find((r) => r.priority === 103)!;
    assert.deepEqual([spec103.ipproto, spec103.sportStart, spec103.sportEnd, spec103.dport, spec103.table], ['tcp', 1000, 2000, 80, '5']);
    // filters
    assert.deepEqual(rt.rules.listSync({ table: 1000 }).map((r) => r.priority), [100]);
    assert.deepEqual(rt.rules.listSync({ from: '10.1.2.3' }).map((r) => r.priority), [111]);
    assert.deepEqual(rt.rules.listSync({ action: 'blackhole' }).map((r) => r.priority), [104]);
    assert.deepEqual(rt.rules.listSync({ iif: 'lo', family: 'inet6' }).map((r) => r.priority), [130]);
    assert.deepEqual(rt.rules.listSync({ protocol: 'static' }).map((r) => r.priority), [108]);
  }));

  test('delete by priority or by selectors; flush as `ip rule flush` (priority 0 stays)', (t) => withRoute(t, [], async (rt, ns) => {
    await rt.rules.add({ priority: 200, from: '10.0.0.0/8', table: 1000 });
    await rt.rules.add({ priority: 201, to: '10.9.0.0/16', table: 1001 });
    await rt.rules.add({ priority: 202, fwmark: 3, table: 1002 });
    await rt.rules.delete(200);
    rt.rules.deleteSync({ to: '10.9.0.0/16', table: 1001 });
    assert.deepEqual(ipJson<IpRule[]>(ns, 'rule').map((r) => r.priority), [0, 202, 32766, 32767]);
    // a filter spares what it does not take
    assert.deepEqual(await rt.rules.flush({ table: 1002 }), { ok: true, done: 1, failures: [] });
    assert.deepEqual(ipJson<IpRule[]>(ns, 'rule').map((r) => r.priority), [0, 32766, 32767]);
    assert.equal((await rt.rules.flush()).done, 2);
    assert.deepEqual(ipJson<IpRule[]>(ns, 'rule'), [{ priority: 0, src: 'all', table: 'local' }]);
    // what `ip rule flush` leaves is the same
    ip(ns, 'rule', 'add', 'priority', '32766', 'lookup', 'main');
    ip(ns, 'rule', 'flush');
    assert.deepEqual(rt.rules.listSync().map((r) => r.priority), [0]);
  }));

  test('bulk add and delete: one transaction, every failure at its own index', (t) => withRoute(t, [], async (rt, ns) => {
    const specs: RuleSpec[] = [];
    for (let i = 0; i < 50; i++) specs.push({ priority: 1000 + i, fwmark: i + 1, table: 2000 + i });
    specs[10] = { priority: 1010, goto: 5 }; // backward goto: the kernel refuses it
    specs[20] = { priority: 1020, uidrange: '9-1' }; // a bad value: not sent
    const r = await rt.rules.add(specs);
    assert.ok(!r.ok);
    assert.equal(r.done, 48);
    assert.deepEqual(r.failures.map((f) => f.index), [10, 20]);
    assert.ok(r.failures[0].error instanceof NetlinkError);
    assert.match(r.failures[0].error.message, /Backward goto not supported/);
    assert.ok(r.failures[1].error instanceof NetlinkArgumentError);
    assert.equal((r.failures[1].error as NetlinkArgumentError).argument, 'uidrange');
    assert.equal(ipJson<IpRule[]>(ns, 'rule').length, 3 + 48);
    const del = rt.rules.deleteSync([1000, 1001, 99999, 1002]);
    assert.deepEqual(del.failures.map((f) => [f.index, (f.error as NetlinkError).code]), [[2, 'ENOENT']]);
    assert.equal(ipJson<IpRule[]>(ns, 'rule').length, 3 + 45);
  }));

  test("errors: the kernel's ext-ack text, and bad values naming the caller's option", (t) => withRoute(t, [], async (rt) => {
    await assert.rejects(rt.rules.add({ priority: 300, goto: 200 }), (e: unknown) =>
      e instanceof NetlinkError && e.code === 'EINVAL' && e.extackMessage === 'Backward goto not supported');
    await assert.rejects(rt.rules.add({ priority: 301, l3mdev: true, table: 10 }), (e: unknown) =>
      e instanceof NetlinkError && e.code === 'EINVAL' && /l3mdev/i.test(e.extackMessage ?? ''));
    await rt.rules.add({ priority: 302, table: 10 });
    await assert.rejects(rt.rules.add({ priority: 302, table: 10 }), (e: unknown) => e instanceof NetlinkError && e.code === 'EEXIST');
    await assert.rejects(rt.rules.delete(303), (e: unknown) => e instanceof NetlinkError && e.code === 'ENOENT');
    const bad: [unknown, string][] = [
      [{ table: 'nosuch' }, 'table'],
      [{ fwmark: '0x10/0xff/1' }, 'fwmark'],
      [{ fwmark: 'x' }, 'fwmark'],
      [{ from: '10.0.0.0/33' }, 'from'],
      [{ from: '10.0.0.0/8', to: '2001:db8::/32' }, 'to'],
      [{ sport: '10-5' }, 'sport'],
      [{ dport: 70000 }, 'dport'],
      [{ ipproto: 'nosuchproto' }, 'ipproto'],
      [{ action: 'jump' }, 'action'],
      [{ action: 'goto' }, 'goto'],
      [{ action: 'blackhole', table: 5 }, 'table'],
      [{ iif: 'a/b' }, 'iif'],
      [{ tos: 256 }, 'tos'],
      [{ tos: 1, dsfield: 1 }, 'dsfield'],
      [{ flowlabel: 1 }, 'flowlabel'],
      [{ priority: -1 }, 'priority'],
      [{ colour: 'red' }, 'colour'],
    ];
    for (const [spec, option] of bad)
      assert.throws(() => rt.rules.addSync(spec as RuleSpec), (e: unknown) => e instanceof NetlinkArgumentError && e.argument === option, JSON.stringify(spec));
    await assert.rejects(rt.rules.list({ family: 'ipx' as 'inet' }), (e: unknown) => e instanceof NetlinkArgumentError && e.argument === 'family');
  }));

  test('notifications decode as list() shows the rule (ruleEvents, for the monitor)', (t) => withRoute(t, [], async (rt, ns) => {
    const RTNLGRP_IPV4_RULE = 8;
    const conn = new Connection(NETLINK_ROUTE, { netns: ns });
    try {
      const events = conn.events({ groups: [RTNLGRP_IPV4_RULE], decode: ruleEvents.decode });
      const added = firstEvent(events, (r) => r.priority === 500);
      ip(ns, 'rule', 'add', 'priority', '500', 'not', 'from', '10.5.0.0/16', 'ipproto', 'udp', 'dport', '53', 'table', '5000');
      const [listed] = await rt.rules.list({ priority: 500 });
      assert.deepEqual(await added, listed);
      const deleted = firstEvent(events, (r) => r.priority === 500);
      await rt.rules.delete(500);
      assert.equal(ruleEvents.key(await deleted), ruleEvents.key(listed));
      const dumped = await rt.rules.list({ family: 'all' });
      assert.deepEqual(rt.rules.listSync({ family: 'all' }).map(ruleEvents.key), dumped.map(ruleEvents.key));
      events.close();
    } finally {
      conn.close();
    }
  }));

  test('IPv6 flow label rules (kernels from 6.14; skipped where the kernel refuses FRA_FLOWLABEL)', (t) => withRoute(t, [], async (rt) => {
    try {
      await rt.rules.add({ priority: 400, family: 'inet6', flowlabel: '0x12345/0xfffff', table: 9 });
    } catch (e) {
      return t.skip(`this kernel has no IPv6 flow label rules: ${(e as Error).message}`);
    }
    const [r] = await rt.rules.list({ family: 'inet6', priority: 400 });
    assert.deepEqual([r.flowlabel, r.flowlabelMask, r.table], ['0x12345', '0xfffff', '9']);
  }));
});

describe('rules: golden vectors from <linux/fib_rules.h>', () => {
  const rule = Family.from(rtRuleDesc);

  test('a rule spec maps to fib_rule_hdr and FRA_* attributes (FRA_SRC/FRA_DST from the correction)', () => {
    const req = ruleRequest(undefined as never, {
      priority: 100, from: '10.0.0.0/8', to: '192.168.0.0/16', table: 1000, fwmark: '0x10/0xff', sport: '1000-2000', uidrange: '100-200', not: true,
    }, true);
    assertEncodes(rule, 'newrule', req, bytes(
      '02 10 08 00 fc 00 00 01 02000000', // fib_rule_hdr: AF_INET, dst_len 16, src_len 8, tos 0, table RT_TABLE_COMPAT, FR_ACT_TO_TBL, FIB_RULE_INVERT
      '0800 0200 0a000000', //              FRA_SRC (2) = 10.0.0.0
      '0800 0100 c0a80000', //              FRA_DST (1) = 192.168.0.0
      '0800 0600 64000000', //              FRA_PRIORITY (6) = 100
      '0800 0a00 10000000', //              FRA_FWMARK (10) = 0x10
      '0800 1000 ff000000', //              FRA_FWMASK (16) = 0xff
      '0800 1700 e803 d007', //             FRA_SPORT_RANGE (23): struct fib_rule_port_range {1000, 2000}
      '0c00 1400 64000000 c8000000', //     FRA_UID_RANGE (20): struct fib_rule_uid_range {100, 200}
      '0800 0f00 e8030000', //              FRA_TABLE (15) = 1000
    ));
  });

  test('a dumped IPv6 rule decodes with its addresses', () => {
    assertDecodes(rule, 'getrule', bytes(
      '0a 00 20 00 fe 00 00 01 00000000', //  AF_INET6, src_len 32, table main (254), FR_ACT_TO_TBL
      '1400 0200 20010db8000000000000000000000000', // FRA_SRC (2) = 2001:db8::
      '0800 0600 78000000', //                FRA_PRIORITY (6) = 120
      '0800 0f00 fe000000', //                FRA_TABLE (15) = 254
      '0500 1500 04000000', //                FRA_PROTOCOL (21) = 4 (static)
    ), { family: 10, dstLen: 0, srcLen: 32, tos: 0, hdrTable: 254, action: 'to-tbl', flags: 0, src: '2001:db8::', priority: 120, table: 254, protocol: 4 });
  });
});
