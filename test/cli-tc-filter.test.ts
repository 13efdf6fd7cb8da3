// `nlkit tc filter|actions|chain` against tc: the same words make the same objects (read with
// `tc -j`), and `-j`/`-s` output equals tc's for the same objects. Runs the rows as the
// `nlkit tc` dispatcher does (runIp with the row).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { spawnSync } from 'node:child_process';
import { runIp } from '../src/cli/ip-run.js';
import { parseIpOptions } from '../src/cli/ip-options.js';
import { findTcObject } from '../src/cli/tc-objects.js';
import { CLSACT_VETH, tc, withTc } from './helpers/tc-ns.js';

/** `nlkit tc [OPTIONS] OBJECT ARGS...` in a namespace: [status, stdout, stderr]. */
async function nlkitTc(ns: string, ...argv: string[]): Promise<[number, string, string]> {
  const { flags, rest } = parseIpOptions(['-n', ns, ...argv]);
  const [object, ...args] = rest;
  const row = findTcObject(object!)!;
  let out = '', err = '';
  const status = await runIp(row, args, flags, { out: (t) => (out += t), err: (t) => (err += t) });
  return [status, out, err];
}

/** What varies between two reads of the same object (times of use). */
const VOLATILE = /,"(installed|last_used|first_used|expires)":\d+/g;
const VOLATILE_TEXT = / (installed|used|firstused|expires) \d+ sec/g;
const steady = (text: string) => text.replace(VOLATILE, '').replace(VOLATILE_TEXT, ' $1 N sec');

async function sameAsTc(ns: string, ...argv: string[]): Promise<string> {
  const [status, ours, err] = await nlkitTc(ns, ...argv);
  assert.equal(status, 0, err);
  const theirs = tc(ns, ...argv);
  assert.equal(steady(ours), steady(theirs), `nlkit tc ${argv.join(' ')}`);
  return ours;
}

describe('nlkit tc filter', () => {
  // tc_filter.c prints the protocol with ll_proto_n2a: iproute2's names as they are spelt, `[N]` for others
  test('a filter\'s protocol prints as tc prints it: 802.1Q, LLDP, 802_2, [4660]', (t) => withTc(t, CLSACT_VETH, async (_h, ns) => {
    for (const [prio, proto] of [['1', '802.1q'], ['2', '0x1234'], ['3', 'lldp'], ['4', '0x0004'], ['5', 'ipv4'], ['6', 'all']]) {
      const [status, , err] = await nlkitTc(ns, 'filter', 'add', 'dev', 'v0', 'ingress', 'prio', prio, 'protocol', proto, 'u32', 'match', 'u32', '0', '0');
      assert.equal(status, 0, err);
    }
    const text = await sameAsTc(ns, 'filter', 'show', 'dev', 'v0', 'ingress');
    assert.match(text, /protocol 802\.1Q pref 1 .*protocol \[4660\] pref 2 .*protocol LLDP pref 3 .*protocol 802_2 pref 4 .*protocol ip pref 5 .*protocol all pref 6 /s);
    await sameAsTc(ns, '-j', 'filter', 'show', 'dev', 'v0', 'ingress');
  }));

  test('add in tc\'s words makes what tc makes; show -j/-s equals tc\'s', (t) => withTc(t, CLSACT_VETH, async (_h, ns) => {
    const lines = [
      ['filter', 'add', 'dev', 'v0', 'ingress', 'prio', '1', 'protocol', 'ip', 'u32', 'match', 'ip', 'dport', '22', '0xffff', 'action', 'mirred', 'egress', 'redirect', 'dev', 'v1'],
      ['filter', 'add', 'dev', 'v0', 'ingress', 'prio', '2', 'protocol', 'ip', 'u32', 'match', 'ip', 'src', '10.0.0.0/8', 'match', 'ip', 'tos', '0x10', '0xff', 'match', 'u16', '0x10', '0xffff', 'at', 'nexthdr+2', 'classid', '1:10'],
      ['filter', 'add', 'dev', 'v0', 'egress', 'prio', '3', 'bpf', 'bytecode', '1,6 0 0 0', 'classid', '1:1'],
      ['filter', 'add', 'dev', 'v0', 'ingress', 'prio', '7', 'handle', '5:', 'protocol', 'ip', 'u32', 'divisor', '16'],
      ['filter', 'add', 'dev', 'v0', 'ingress', 'prio', '7', 'protocol', 'ip', 'u32', 'ht', '800::', 'match', 'ip', 'src', '10.0.0.0/8', 'hashkey', 'mask', '0x0000000f', 'at', '12', 'link', '5:'],
      ['filter', 'add', 'dev', 'v0', 'ingress', 'prio', '7', 'protocol', 'ip', 'u32', 'ht', '5:3:', 'match', 'ip', 'src', '10.0.0.3/32', 'classid', '1:3'],
      ['filter', 'add', 'dev', 'v0', 'ingress', 'prio', '6', 'protocol', 'ipv6', 'u32', 'match', 'ip6', 'dst', '2001:db8::/33', 'match', 'ip6', 'dport', '443', '0xffff', 'classid', '1:6'],
      ['filter', 'add', 'dev', 'v0', 'egress', 'prio', '4', 'protocol', 'ip', 'u32', 'match', 'u32', '0', '0', 'action', 'mirred', 'ingress', 'mirror', 'dev', 'v1', 'pipe', 'action', 'mirred', 'egress', 'redirect', 'dev', 'v1'],
    ];
    for (const l of lines) {
      const [status, , err] = await nlkitTc(ns, ...l);
      assert.equal(status, 0, `${l.join(' ')}: ${err}`);
    }
    const ours = tc(ns, '-j', '-s', 'filter', 'show', 'dev', 'v0', 'ingress') + tc(ns, '-j', '-s', 'filter', 'show', 'dev', 'v0', 'egress');
    // the same lines run by tc in a second device give the same objects
    tc(ns, 'qdisc', 'add', 'dev', 'v1', 'clsact');
    for (const l of lines) tc(ns, ...l.map((w) => (w === 'v0' ? 'v1' : w === 'v1' ? 'v0' : w)));
    const theirs = tc(ns, '-j', '-s', 'filter', 'show', 'dev', 'v1', 'ingress') + tc(ns, '-j', '-s', 'filter', 'show', 'dev', 'v1', 'egress');
    // the action indexes differ (first come, first numbered) and devices are swapped
    const norm = (s: string) => steady(s).replace(/"index":\d+/g, '"index":N').replace(/"to_dev":"v[01]"/g, '"to_dev":"V"').replace(/80[0-9a-f]:/g, '8xx:').replace(/"key_ht":"80[0-9a-f]"/g, '"key_ht":"8xx"');
    assert.equal(norm(ours), norm(theirs));

    for (const parent of ['ingress', 'egress']) {
      await sameAsTc(ns, '-j', 'filter', 'show', 'dev', 'v0', parent);
      await sameAsTc(ns, '-j', '-s', 'filter', 'show', 'dev', 'v0', parent);
      // tc 6.1 itself aborts on -j -p here (json_writer depth assertion): -p is -j laid out
      const [, laid] = await nlkitTc(ns, '-j', '-p', 'filter', 'show', 'dev', 'v0', parent);
      const [, flat] = await nlkitTc(ns, '-j', 'filter', 'show', 'dev', 'v0', parent);
      assert.deepEqual(JSON.parse(laid), JSON.parse(flat));
      assert.ok(laid.includes('\n    '));
    }
    await sameAsTc(ns, '-j', 'filter', 'get', 'dev', 'v0', 'ingress', 'protocol', 'ip', 'pref', '2', 'handle', '800::800', 'u32');
    await sameAsTc(ns, 'filter', 'show', 'dev', 'v0', 'ingress');
    await sameAsTc(ns, '-s', 'filter', 'show', 'dev', 'v0', 'egress');
  }));

  test('u32 sample and offset: the same words make what tc makes; show equals tc\'s text', (t) => withTc(t, CLSACT_VETH, async (_h, ns) => {
    const lines = [
      ['filter', 'add', 'dev', 'v0', 'ingress', 'prio', '9', 'handle', '2:', 'protocol', 'ip', 'u32', 'divisor', '256'],
      ['filter', 'add', 'dev', 'v0', 'ingress', 'prio', '9', 'protocol', 'ip', 'u32', 'ht', '2:', 'sample', 'ip', 'dst', '10.0.0.5/32', 'match', 'ip', 'dst', '10.0.0.5/32', 'classid', '1:5'],
      ['filter', 'add', 'dev', 'v0', 'ingress', 'prio', '9', 'protocol', 'ip', 'u32', 'ht', '2:', 'sample', 'ip', 'dst', '192.168.77.200/32', 'match', 'ip', 'dst', '192.168.77.200/32', 'classid', '1:5'],
      ['filter', 'add', 'dev', 'v0', 'ingress', 'prio', '9', 'handle', '3:', 'protocol', 'ip', 'u32', 'divisor', '16'],
      ['filter', 'add', 'dev', 'v0', 'ingress', 'prio', '9', 'protocol', 'ip', 'u32', 'ht', '3:', 'sample', 'ip', 'src', '10.1.0.0/16', 'divisor', '16', 'match', 'ip', 'src', '10.1.0.0/16', 'classid', '1:6'],
      ['filter', 'add', 'dev', 'v0', 'ingress', 'prio', '9', 'protocol', 'ip', 'u32', 'ht', '800::', 'match', 'ip', 'protocol', '6', '0xff', 'offset', 'at', '0', 'mask', '0x0f00', 'shift', '6', 'eat', 'link', '2:'],
      ['filter', 'add', 'dev', 'v0', 'ingress', 'prio', '10', 'protocol', 'ip', 'u32', 'match', 'u16', '0x16', '0xffff', 'at', 'nexthdr+2', 'offset', 'mask', '0f00', 'shift', '6', 'plus', '4', 'classid', '1:7'],
    ];
    for (const l of lines) {
      const [status, , err] = await nlkitTc(ns, ...l);
      assert.equal(status, 0, `${l.join(' ')}: ${err}`);
    }
    tc(ns, 'qdisc', 'add', 'dev', 'v1', 'clsact');
    for (const l of lines) tc(ns, ...l.map((w) => (w === 'v0' ? 'v1' : w)));
    // the kernel holds the same filters (tc reads both), and nlkit prints them as tc does
    assert.equal(tc(ns, 'filter', 'show', 'dev', 'v0', 'ingress'), tc(ns, 'filter', 'show', 'dev', 'v1', 'ingress'));
    const text = await sameAsTc(ns, 'filter', 'show', 'dev', 'v0', 'ingress');
    assert.match(text, /key ht 2 bkt 5 \*flowid 1:5/);
    assert.match(text, /key ht 2 bkt c8 /);
    assert.match(text, /key ht 3 bkt 1 /);
    assert.match(text, /\n {4}offset 0f00>>6 at 0  eat \n/);
    // tc 6.1's -j for an offset is not JSON ("    offset " is a key with no value): nlkit's is
    const [, json] = await nlkitTc(ns, '-j', 'filter', 'show', 'dev', 'v0', 'ingress');
    const withOffset = (JSON.parse(json) as { options?: { offset_mask?: string } }[]).filter((x) => x.options?.offset_mask);
    assert.deepEqual(withOffset.map((x) => x.options), [
      { fh: '800::800', order: 2048, key_ht: '800', bkt: '0', link: '2:', not_in_hw: true, match: { value: '60000', mask: 'ff0000', offmask: '', off: 8 }, offset_mask: 'f00', offset_shift: 6, offset_off: 0, eat: true },
      { fh: '801::800', order: 2048, key_ht: '801', bkt: '0', flowid: '1:7', not_in_hw: true, match: { value: '16', mask: 'ffff', offmask: 'nexthdr+', off: 0 }, offset_mask: 'f00', offset_shift: 6, offset_off: 0, offset_plus: 4 },
    ]);
  }));

  // f_u32.c reads every mask in base 16: nlkit read them in base 10 (`10` was 0x0a, `f` refused)
  test('u32 masks are hex as tc reads them: bare masks make what tc makes; too wide is refused', (t) => withTc(t, CLSACT_VETH, async (_h, ns) => {
    const u32 = (prio: string, proto: string, ...m: string[]) => ['filter', 'add', 'dev', 'v0', 'ingress', 'prio', prio, 'protocol', proto, 'u32', ...m, 'classid', '1:1'];
    const lines = [
      u32('1', 'ip', 'match', 'ip', 'icmp_type', '8', '10'),
      u32('2', 'ip', 'match', 'ip', 'ihl', '5', 'f'),
      u32('3', 'ip', 'match', 'tcp', 'dst', '22', 'ff00'),
      u32('4', 'ip', 'match', 'ip', 'tos', '0x10', 'f0', 'match', 'ip', 'dport', '22', 'ff'),
      u32('5', 'ip', 'match', 'u32', '0xff00ff', 'ff00ff', 'at', '12', 'match', 'u8', '6', '0F', 'at', '9'),
      u32('6', 'ip', 'match', 'ip', 'protocol', '17', 'f', 'match', 'icmp', 'code', '3', '0x3'),
      u32('7', 'ipv6', 'match', 'ip6', 'dport', '443', 'fff', 'match', 'ip6', 'priority', '3', '10', 'match', 'ip6', 'flowlabel', '5', 'fffff'),
      u32('8', 'ip', 'match', 'ip', 'src', '10.0.0.0/8', 'offset', 'mask', 'f00', 'shift', '6'),
    ];
    for (const l of lines) {
      const [status, , err] = await nlkitTc(ns, ...l);
      assert.equal(status, 0, `${l.join(' ')}: ${err}`);
    }
    tc(ns, 'qdisc', 'add', 'dev', 'v1', 'clsact');
    for (const l of lines) tc(ns, ...l.map((w) => (w === 'v0' ? 'v1' : w)));
    const keys = (dev: string) => tc(ns, '-j', 'filter', 'show', 'dev', dev, 'ingress');
    assert.equal(keys('v0'), keys('v1'));
    assert.match(keys('v0'), /"match":\{"value":"0","mask":"10000000","offmask":"","off":20\}/);
    // tc refuses a mask wider than its field (0x255 > 0xff); so does nlkit, before the kernel
    for (const m of [['ip', 'tos', '16', '255'], ['tcp', 'dst', '22', '10000'], ['u8', '1', '100', 'at', '0'], ['ip', 'ihl', '5', 'g']]) {
      const argv = u32('9', 'ip', 'match', ...m);
      assert.notEqual(spawnSync('tc', ['-n', ns, ...argv.map((w) => (w === 'v0' ? 'v1' : w))]).status, 0, `tc ${m.join(' ')}`);
      const [status, , err] = await nlkitTc(ns, ...argv);
      assert.notEqual(status, 0, m.join(' '));
      assert.match(err, /Illegal "match .*mask"/);
    }
  }));

  test('under an ingress qdisc (ffff:), `show ... ingress` prints each filter\'s parent as tc does', (t) => withTc(t, CLSACT_VETH, async (_h, ns) => {
    // tc leaves a filter's parent out only when it equals the parent asked for: `ingress` asks
    // for clsact's ffff:fff2, and these filters are under the ingress qdisc's ffff:
    tc(ns, 'qdisc', 'add', 'dev', 'v1', 'ingress');
    tc(ns, 'filter', 'add', 'dev', 'v1', 'parent', 'ffff:', 'protocol', 'ip', 'prio', '1', 'u32', 'match', 'ip', 'dport', '22', '0xffff', 'action', 'mirred', 'egress', 'redirect', 'dev', 'v0');
    const ours = await sameAsTc(ns, '-j', 'filter', 'show', 'dev', 'v1', 'ingress');
    assert.match(ours, /"parent":"ffff:"/);
    await sameAsTc(ns, 'filter', 'show', 'dev', 'v1', 'ingress');
    // named as it is, the parent is left out (as tc does)
    assert.doesNotMatch(await sameAsTc(ns, '-j', 'filter', 'show', 'dev', 'v1', 'parent', 'ffff:'), /"parent"/);
  }));

  test('replace, delete; errors as tc words them', (t) => withTc(t, CLSACT_VETH, async (_h, ns) => {
    let r = await nlkitTc(ns, 'filter', 'add', 'dev', 'v0', 'ingress', 'prio', '5', 'protocol', 'ip', 'handle', '800::5', 'u32', 'match', 'ip', 'dport', '22', '0xffff', 'classid', '1:1');
    assert.equal(r[0], 0, r[2]);
    r = await nlkitTc(ns, 'filter', 'replace', 'dev', 'v0', 'ingress', 'prio', '5', 'protocol', 'ip', 'handle', '800::5', 'u32', 'match', 'ip', 'dport', '22', '0xffff', 'classid', '1:2');
    assert.equal(r[0], 0, r[2]);
    assert.match(tc(ns, '-j', 'filter', 'show', 'dev', 'v0', 'ingress'), /"flowid":"1:2"/);
    r = await nlkitTc(ns, 'filter', 'del', 'dev', 'v0', 'ingress', 'prio', '5');
    assert.equal(r[0], 0, r[2]);
    assert.equal(tc(ns, 'filter', 'show', 'dev', 'v0', 'ingress'), '');
    r = await nlkitTc(ns, 'filter', 'add', 'dev', 'v0', 'ingress', 'u32', 'match', 'ip', 'nosuch', '1', '2');
    assert.notEqual(r[0], 0);
    assert.match(r[2], /no "match ip nosuch"/);
    r = await nlkitTc(ns, 'filter', 'add', 'dev', 'v0', 'ingress', 'u32', 'action', 'mirred', 'egress', 'redirect', 'dev', 'nosuch0');
    assert.notEqual(r[0], 0);
    assert.match(r[2], /Cannot find device "nosuch0"/);
  }));
});

describe('nlkit tc actions and chain', () => {
  test('actions add/list/get/delete in tc\'s words; -j/-s equal tc\'s', (t) => withTc(t, CLSACT_VETH, async (_h, ns) => {
    let r = await nlkitTc(ns, 'actions', 'add', 'action', 'mirred', 'egress', 'redirect', 'dev', 'v1', 'index', '5');
    assert.equal(r[0], 0, r[2]);
    tc(ns, 'actions', 'add', 'action', 'mirred', 'ingress', 'mirror', 'dev', 'v0', 'pass', 'index', '6');
    await sameAsTc(ns, '-j', 'actions', 'list', 'action', 'mirred');
    await sameAsTc(ns, '-j', '-s', 'actions', 'list', 'action', 'mirred');
    await sameAsTc(ns, '-j', 'actions', 'get', 'action', 'mirred', 'index', '6');
    await sameAsTc(ns, 'actions', 'list', 'action', 'mirred');
    await sameAsTc(ns, '-s', 'actions', 'list', 'action', 'mirred');
    r = await nlkitTc(ns, 'actions', 'delete', 'action', 'mirred', 'index', '5');
    assert.equal(r[0], 0, r[2]);
    assert.doesNotMatch(tc(ns, '-j', 'actions', 'list', 'action', 'mirred'), /"index":5/);
    // police is encoded as tc's, whatever this kernel has: refused here without act_police
    r = await nlkitTc(ns, 'actions', 'add', 'action', 'police', 'rate', '1mbit', 'burst', '10k', 'index', '3');
    const probe = tc(ns, '-j', 'actions', 'list', 'action', 'police');
    if (r[0] !== 0) assert.match(r[2], /action module|not found|No such/i);
    else assert.match(probe, /"index":3/);
  }));

  test('chain add/show/del in tc\'s words; -j equals tc\'s', (t) => withTc(t, CLSACT_VETH, async (_h, ns) => {
    const r = await nlkitTc(ns, 'chain', 'add', 'dev', 'v0', 'ingress', 'chain', '4');
    assert.equal(r[0], 0, r[2]);
    tc(ns, 'chain', 'add', 'dev', 'v0', 'ingress', 'chain', '9');
    await sameAsTc(ns, '-j', 'chain', 'show', 'dev', 'v0', 'ingress');
    await sameAsTc(ns, 'chain', 'show', 'dev', 'v0', 'ingress');
    assert.equal((await nlkitTc(ns, 'chain', 'del', 'dev', 'v0', 'ingress', 'chain', '4'))[0], 0);
    assert.equal(tc(ns, '-j', 'chain', 'show', 'dev', 'v0', 'ingress'), '[{"parent":"ffff:","chain":9}]\n');
  }));
});

describe('nlkit tc printing of kinds this kernel lacks (from iproute2\'s print code)', () => {
  test('police, gact, skbedit, vlan, tunnel_key, pedit and flower as iproute2\'s print_* functions print them', async () => {
    const { actionJson, actionText } = await import('./helpers/tc-print.js');
    const police = { kind: 'police', index: 5, verdict: 'drop' as const, ref: 1, bind: 0, rate: 125000, burst: 10240, mtu: 2048, exceed: 'drop', conform: 'pipe' };
    assert.equal(actionJson(police, 1, false),
      '{"order":1,"kind":"police","index":5,"control_action":{"type":"drop"},"control_action":{"type":"pipe"},"overhead":0,"ref":1,"bind":0}\n');
    assert.equal(actionText(police, 1, false, false), '\taction order 1:  police 0x5 rate 1Mbit burst 10Kb mtu 2Kb action drop/pipe overhead 0b \n\tref 1 bind 0 \n\n');
    const gact = { kind: 'gact', index: 3, verdict: 'drop' as const, ref: 1, bind: 1 };
    assert.equal(actionJson(gact, 1, false, false),
      '{"order":1,"kind":"gact","control_action":{"type":"drop"},"prob":{"random_type":"none","control_action":{"type":"pass"},"val":0},"index":3,"ref":1,"bind":1}\n');
    assert.equal(actionText(gact, 1, false, false), '\taction order 1: gact action drop\n\t random type none pass val 0\n\t index 3 ref 1 bind 1\n\n');
    const vlan = { kind: 'vlan', index: 6, verdict: 'pipe' as const, ref: 1, bind: 0, action: 'push', id: 5, protocol: '802.1q', priority: 3 };
    assert.equal(actionJson(vlan, 0, false),
      '{"order":0,"kind":"vlan","vlan_action":"push","id":5,"protocol":"802.1Q","priority":3,"control_action":{"type":"pipe"},"index":6,"ref":1,"bind":0}\n');
    assert.equal(actionText(vlan, 0, false), '\n\taction order 0: vlan  push id 5 protocol 802.1Q priority 3 pipe\n\t index 6 ref 1 bind 0\n');
    const skb = { kind: 'skbedit', index: 4, verdict: 'pipe' as const, ref: 1, bind: 0, queueMapping: 3, priority: '1:10', mark: '0x5/0xff', ptype: 'host' };
    assert.equal(actionJson(skb, 0, false),
      '{"order":0,"kind":"skbedit","queue_mapping":3,"priority":"1:10","mark":5,"mask":"ff","ptype":"host","control_action":{"type":"pipe"},"index":4,"ref":1,"bind":0}\n');
    assert.equal(actionText(skb, 0, false), '\n\taction order 0: skbedit queue_mapping 3 priority 1:10 mark 5/0xff ptype host pipe\n\t index 4 ref 1 bind 0\n');
    const pe = { kind: 'pedit', index: 8, verdict: 'pass' as const, ref: 1, bind: 0, keys: [{ field: 'ip ttl', set: 3 }, { field: 'tcp dport', add: 1 }] };
    assert.equal(actionJson(pe, 0, false),
      '{"order":0,"kind":"pedit","control_action":{"type":"pass"},"nkeys":2,"index":8,"ref":1,"bind":0,"keys":[' +
      '{"htype":"ipv4","offset":8,"cmd":"set","val":"3000000","mask":"ffffff"},{"htype":"tcp","offset":0,"cmd":"add","val":"1","mask":"ffff0000"}]}\n');
    assert.equal(actionText(pe, 0, false),
      '\n\taction order 0:  pedit action pass keys 2\n \t index 8 ref 1 bind 0\n\t key #0  at ipv4+8: val 03000000 mask 00ffffff\n\t key #1  at tcp+0: add 00000001 mask ffff0000\n');
    const { filterJson } = await import('./helpers/tc-print.js');
    const flower = { dev: 'v0', ifindex: 3, parent: 'ingress', kind: 'flower', protocol: 'ip', pref: 5, chain: 0, handle: '0x1', ipProto: 'tcp', dstIp: '10.0.0.0/8', dstPort: 22, classid: '1:5', notInHw: true };
    assert.equal(filterJson(flower, { stats: false, parentNamed: true, devNamed: true }),
      '{"protocol":"ip","pref":5,"kind":"flower","chain":0,"options":{"handle":1,"classid":"1:5","keys":{"eth_type":"ipv4","ip_proto":"tcp","dst_ip":"10.0.0.0/8","dst_port":22},"not_in_hw":true}}\n');
    const tk = { kind: 'tunnel_key', index: 7, verdict: 'pipe' as const, ref: 1, bind: 0, action: 'set', src: '1.1.1.1', dst: '2.2.2.2', id: 5, dstPort: 4789, csum: true, tos: 0, ttl: 64 };
    assert.equal(actionJson(tk, 0, false),
      '{"order":0,"kind":"tunnel_key","mode":"set","src_ip":"1.1.1.1","dst_ip":"2.2.2.2","key_id":5,"dst_port":4789,"flag":"csum","ttl":64,"control_action":{"type":"pipe"},"index":7,"ref":1,"bind":0}\n');
  });
});
