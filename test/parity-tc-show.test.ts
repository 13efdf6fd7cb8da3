// `nlkit tc` against tc on trees tc builds in a throwaway namespace, aimed at what the other tc
// tests leave out: an htb hierarchy (inner classes, overhead), a class kind without statistics
// (tbf's), clsact qdiscs sharing filter blocks, shows narrowed by protocol/pref/chain, chain
// get, a change without a protocol, and the statuses and words of errors. Each command line is
// run by both; stdout, stderr and the status must be equal (times of use aside).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, test, type TestContext } from 'node:test';
import { runIp } from '../src/cli/ip-run.js';
import { parseIpOptions } from '../src/cli/ip-options.js';
import { findTcObject } from '../src/cli/tc-objects.js';
import { openTc } from '../src/tc/index.js';
import { ip, needRoot, run, withNetns } from './helpers/netns.js';

interface Ran { status: number | null; out: string; err: string }

function tcRun(ns: string, argv: string[]): Ran {
  const r = spawnSync('tc', ['-n', ns, ...argv], { encoding: 'utf8' });
  return { status: r.status, out: r.stdout, err: r.stderr };
}

/** `nlkit tc -n NS ARGV` as the dispatcher runs it, in this process. */
async function nlkitRun(ns: string, argv: string[]): Promise<Ran> {
  const { flags, rest } = parseIpOptions(['-n', ns, ...argv]);
  const [object, ...args] = rest;
  let out = '', err = '';
  const status = await runIp(findTcObject(object!)!, args, flags, { out: (t) => (out += t), err: (t) => (err += t) });
  return { status, out, err };
}

const VOLATILE = /"(installed|last_used|first_used|expires)":\d+/g;
const VOLATILE_TEXT = / (installed|used|firstused|expires) \d+ sec/g;
const steady = (r: Ran): Ran => ({ ...r, out: r.out.replace(VOLATILE, '"$1":0').replace(VOLATILE_TEXT, ' $1 N sec') });

async function sameAsTc(ns: string, line: string): Promise<Ran> {
  const argv = line.split(' ');
  const theirs = steady(tcRun(ns, argv));
  const ours = steady(await nlkitRun(ns, argv));
  assert.deepEqual(ours, theirs, `tc ${line}`);
  return ours;
}

/** Runs every line under each of the option sets. */
async function allSame(ns: string, lines: string[], optionSets: string[] = ['', '-j', '-s', '-d', '-s -d']): Promise<void> {
  for (const opts of optionSets) for (const l of lines) await sameAsTc(ns, opts ? `${opts} ${l}` : l);
}

function build(ns: string, lines: string[]): void {
  for (const l of lines) run('tc', ['-n', ns, ...l.split(' ')]);
}

async function inNs(t: TestContext, fn: (ns: string) => Promise<void>): Promise<void> {
  if (!needRoot(t)) return;
  await withNetns(async (ns) => {
    ip(ns, 'link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1');
    ip(ns, 'link', 'add', 'w0', 'type', 'veth', 'peer', 'name', 'w1');
    ip(ns, 'link', 'add', 'ifb0', 'type', 'ifb');
    await fn(ns);
  });
}

describe('nlkit tc shows as tc', () => {
  test('an htb hierarchy: inner classes without prio/quantum, overhead after the rate, atm without -d; tbf\'s class without counters', (t) => inNs(t, async (ns) => {
    build(ns, [
      'qdisc add dev v1 root handle 1: htb default 20 r2q 7',
      'class add dev v1 parent 1: classid 1:1 htb rate 100mbit ceil 100mbit burst 15k cburst 15k',
      'class add dev v1 parent 1:1 classid 1:10 htb rate 30mbit ceil 80mbit prio 1 quantum 3000',
      'class add dev v1 parent 1:1 classid 1:20 htb rate 10mbit ceil 100mbit prio 5 burst 2k cburst 3k mtu 9000 mpu 64 overhead 10',
      'qdisc add dev v1 parent 1:10 handle 10: tbf rate 5mbit burst 10kb latency 70ms peakrate 6mbit mtu 1600',
      'qdisc add dev v1 parent 1:20 handle 20: bfifo limit 50000',
      'class add dev v1 parent 1:1 classid 1:30 htb rate 1mbit ceil 2mbit linklayer atm overhead 4',
    ]);
    // this tc prints classes as text under -j too (nlkit prints JSON): text only
    await allSame(ns, ['class show dev v1', 'class show dev v1 classid 1:1', 'qdisc show dev v1'], ['', '-s', '-d', '-s -d']);
    // parent names a qdisc by its major (the kernel's dump filter): all of 1:'s classes, none at root
    await allSame(ns, ['class show dev v1 parent 1:1', 'class show dev v1 parent 1:', 'class show dev v1 root', 'class show dev v1 parent 10:'], ['']);
    await allSame(ns, ['qdisc show dev v1'], ['-j', '-j -s -d']);
    const h = openTc({ netns: ns });
    try {
      const tbfClass = (await h.classes.list({ dev: 'v1' })).find((c) => c.kind === 'tbf')!;
      // the kernel sends tbf's class an empty statistics nest: nothing counted, no stats
      assert.equal(tbfClass.stats, undefined);
      const leaf = (await h.classes.list({ dev: 'v1' })).find((c) => c.handle === '1:10')!;
      assert.equal(typeof leaf.stats?.bytes, 'bigint');
    } finally {
      h.close();
    }
  }));

  test('clsact qdiscs sharing blocks: ingress_block/egress_block, filters and chains named by their block', (t) => inNs(t, async (ns) => {
    build(ns, [
      'qdisc add dev v0 ingress_block 22 egress_block 23 clsact',
      'qdisc add dev w0 ingress_block 22 clsact',
      'qdisc add dev v1 clsact',
      'filter add block 22 protocol ip prio 1 u32 match ip dst 1.1.1.1 action mirred egress redirect dev ifb0',
      'filter add block 23 protocol ip prio 2 chain 3 u32 match ip src 2.2.2.2 flowid 1:1',
      'filter add dev v1 ingress protocol ip prio 4 u32 match ip dst 3.3.3.3 action mirred egress mirror dev ifb0',
    ]);
    await allSame(ns, [
      'qdisc show', 'qdisc show dev v0', 'filter show dev v0 ingress', 'filter show dev v0 egress', 'filter show dev w0 ingress',
      'filter show dev v1 ingress', 'chain show dev v0 egress', 'chain show dev v0 ingress', 'chain show dev v1 ingress',
    ]);
    const h = openTc({ netns: ns });
    try {
      const [f] = await h.filters.list({ dev: 'v0', parent: 'egress' });
      // the kernel names the block in place of the device and parent; the view keeps the ones asked
      assert.deepEqual([f!.block, f!.dev, f!.parent, f!.chain], [23, 'v0', 'egress', 3]);
      const [own] = await h.filters.list({ dev: 'v1', parent: 'ingress' });
      assert.deepEqual([own!.block, own!.dev, own!.parent], [undefined, 'v1', 'ingress']);
      assert.deepEqual(await h.chains.list({ dev: 'v0', parent: 'egress' }), [{ dev: 'v0', parent: 'egress', chain: 3, block: 23 }]);
    } finally {
      h.close();
    }
  }));

  test('a filter\'s actions show the hardware counters they used once the kernel reports them', (t) => inNs(t, async (ns) => {
    build(ns, [
      'qdisc add dev v1 clsact',
      'filter add dev v1 ingress protocol ip prio 1 u32 match ip protocol 17 0xff action mirred egress redirect dev ifb0',
      'filter add dev v1 ingress protocol ip prio 2 u32 match ip protocol 1 0xff action mirred egress mirror dev ifb0 continue',
    ]);
    // a dump of the action table with its counters makes the kernel report them from then on
    tcRun(ns, ['-s', 'actions', 'list', 'action', 'mirred']);
    assert.match(tcRun(ns, ['filter', 'show', 'dev', 'v1', 'ingress']).out, /\tused_hw_stats disabled\n/);
    await allSame(ns, ['filter show dev v1 ingress', 'filter get dev v1 ingress protocol ip pref 1 handle 800::800 u32'], ['', '-j', '-s', '-j -s -d']);
  }));

  test('action flags: no_percpu on every action, skip_hw (and then no offload state) on standalone ones', (t) => inNs(t, async (ns) => {
    build(ns, [
      'qdisc add dev v1 clsact',
      'actions add action mirred egress mirror dev ifb0 index 60 no_percpu',
      'actions add action mirred egress mirror dev ifb0 index 62 skip_hw',
      'actions add action mirred egress mirror dev ifb0 index 63',
      'filter add dev v1 ingress protocol ip prio 9 u32 match ip protocol 6 0xff action mirred egress mirror dev ifb0 no_percpu',
      'filter add dev v1 ingress protocol ip prio 8 u32 match ip protocol 17 0xff skip_hw action mirred egress redirect dev ifb0',
    ]);
    await allSame(ns, ['actions list action mirred', 'actions get action mirred index 62', 'filter show dev v1 ingress'], ['', '-j', '-s', '-j -s']);
    const h = openTc({ netns: ns });
    try {
      const acts = await h.actions.list({ kind: 'mirred' });
      const flagsOf = (i: number) => { const a = acts.find((x) => x.index === i)!; return [a.noPercpu, a.skipHw, a.skipSw]; };
      assert.deepEqual([flagsOf(60), flagsOf(62), flagsOf(63)], [[true, undefined, undefined], [undefined, true, undefined], [undefined, undefined, undefined]]);
    } finally {
      h.close();
    }
  }));

  test('a show narrowed by protocol, pref or chain leaves them out; chain get asks the kernel', (t) => inNs(t, async (ns) => {
    build(ns, [
      'qdisc add dev v0 clsact',
      'filter add dev v0 ingress protocol ip prio 1 u32 match ip dport 9999 0xffff action mirred egress redirect dev ifb0',
      'filter add dev v0 ingress protocol all prio 2 u32 match u32 0 0 action mirred egress mirror dev ifb0',
      'filter add dev v0 ingress protocol ipv6 prio 3 chain 5 u32 match ip6 dst 2001:db8::/32 flowid 1:1',
      'chain add dev v0 ingress chain 9',
      'qdisc add dev v1 root handle 1: htb',
      'chain add dev v1 parent 1: chain 4',
    ]);
    await allSame(ns, [
      'filter show dev v0 ingress protocol ip', 'filter show dev v0 ingress protocol all', 'filter show dev v0 ingress pref 2',
      'filter show dev v0 ingress chain 5', 'filter show dev v0 ingress chain 0', 'filter show dev v0 ingress protocol 0x86dd pref 3 chain 5',
      'chain show dev v0 ingress chain 9', 'chain show dev v1 parent 1:', 'chain show dev v1',
      'chain get dev v0 ingress chain 9', 'chain get dev v0 ingress', 'chain get dev v1 parent 1: chain 4',
    ], ['', '-j', '-s']);
  }));
});

describe('nlkit tc writes and refusals as tc', () => {
  test('shared blocks: qdiscs with ingress_block/egress_block, filters and chains by block, made by each and read by tc the same', async (t) => {
    if (!needRoot(t)) return;
    const lines = [
      'qdisc add dev v0 ingress_block 22 egress_block 23 clsact', 'qdisc add dev w0 ingress_block 22 clsact', 'qdisc add dev v1 ingress_block 24 ingress',
      'filter add block 22 protocol ip prio 1 u32 match ip dst 1.1.1.1 action mirred egress redirect dev ifb0',
      'filter add block 22 protocol ip prio 2 chain 4 u32 match ip src 2.2.2.2 flowid 1:1',
      'filter add block 23 protocol ipv6 prio 3 u32 match ip6 dst 2001:db8::/32 classid 1:2',
      'filter add block 24 protocol all prio 5 u32 match u32 0 0 action mirred egress mirror dev ifb0',
      'chain add block 23 chain 7', 'filter add block 22 protocol ip prio 9 handle 5: u32 divisor 4',
      'filter replace block 22 protocol ip prio 1 handle 800::800 u32 match ip dst 1.1.1.9 action mirred egress redirect dev ifb0',
      'filter del block 22 prio 9',
    ];
    const reads = ['qdisc show', 'filter show block 22', 'filter show block 23', 'filter show block 24', 'chain show block 23', 'filter show dev w0 ingress', 'chain show dev v0 egress'];
    const seen: string[][] = [];
    for (const byNlkit of [false, true]) {
      await inNs(t, async (ns) => {
        for (const l of lines) {
          if (!byNlkit) run('tc', ['-n', ns, ...l.split(' ')]);
          else assert.deepEqual(await nlkitRun(ns, l.split(' ')), { status: 0, out: '', err: '' }, l);
        }
        seen.push(reads.map((r) => run('tc', ['-n', ns, '-j', ...r.split(' ')])));
        if (byNlkit) {
          await allSame(ns, reads, ['', '-j', '-s']);
          const h = openTc({ netns: ns });
          try {
            const [f] = (await h.filters.list({ block: 23 })).filter((x) => x.handle === '800::800');
            assert.deepEqual([f!.block, f!.dev, f!.parent, f!.classid], [23, '', '', '1:2']);
            await h.filters.delete({ block: 23, prio: 3 });
            assert.deepEqual(await h.filters.list({ block: 23 }), []);
            await assert.rejects(h.filters.list({ block: 23, dev: 'v0' } as never), /give no dev or parent/);
          } finally {
            h.close();
          }
        }
      });
    }
    assert.deepEqual(seen[1], seen[0]);
    await inNs(t, async (ns) => {
      for (const l of ['filter add block 0 u32 match ip dst 1.1.1.1', 'filter add block 5 dev v0 u32', 'chain add block 5 dev v0 chain 3', 'qdisc add dev w1 ingress_block 0 clsact']) await sameAsTc(ns, l);
    });
  });

  test('u32\'s other match forms (ip flags and icmp fields, ip6 class and flow label, tcp/udp/icmp) make tc\'s keys', (t) => inNs(t, async (ns) => {
    build(ns, ['qdisc add dev v0 clsact', 'qdisc add dev v1 clsact']);
    const forms = [
      'ip ihl 5 0x0f match ip tos 0x10 0xff', 'ip nofrag', 'ip firstfrag', 'ip df match ip mf', 'ip icmp_type 8 0xff match ip icmp_code 3 0xff',
      'ip precedence 0x20 0xe0', 'ip6 priority 0x20 0xff match ip6 flowlabel 0x12345 0xfffff', 'ip6 icmp_type 128 0xff',
      'tcp src 80 0xffff match tcp dst 443 0xffff', 'udp dst 5353 0xffff', 'icmp type 8 0xff match icmp code 0 0xff',
      'ip protocol 6 0xff match tcp dst 22 0xff00',
    ];
    for (const [i, m] of forms.entries()) {
      const line = (dev: string) => `filter add dev ${dev} ingress protocol ${m.startsWith('ip6') ? 'ipv6' : 'ip'} pref ${i + 1} u32 match ${m} flowid 1:${i + 1}`;
      run('tc', ['-n', ns, ...line('v0').split(' ')]);
      const r = await nlkitRun(ns, line('v1').split(' '));
      assert.deepEqual([r.status, r.err], [0, ''], m);
    }
    assert.equal(run('tc', ['-n', ns, '-j', 'filter', 'show', 'dev', 'v1', 'ingress']), run('tc', ['-n', ns, '-j', 'filter', 'show', 'dev', 'v0', 'ingress']));
    // flags that contradict (nofrag's zero offset against firstfrag's) are refused as tc refuses them
    const both = await nlkitRun(ns, 'filter add dev v1 ingress pref 99 u32 match ip nofrag match ip firstfrag'.split(' '));
    assert.deepEqual([both.status, /contradicts an earlier match at offset 4/.test(both.err)], [255, true]);
    const wide = await nlkitRun(ns, 'filter add dev v1 ingress pref 99 u32 match ip6 priority 0x100 0xff'.split(' '));
    assert.deepEqual([wide.status, wide.err], [255, 'Error: argument "0x100" is wrong: Illegal "match ip6 priority"\n']);
  }));

  test('change without a protocol changes the filter there (tc sends protocol 0, not all)', (t) => inNs(t, async (ns) => {
    build(ns, ['qdisc add dev v1 root handle 1: htb', 'filter add dev v1 parent 1: protocol ip prio 11 handle 800::800 u32 match ip dst 1.1.1.1 flowid 1:20']);
    await sameAsTc(ns, 'filter change dev v1 parent 1: pref 11 handle 800::800 u32 match ip dst 1.1.1.1 flowid 1:10');
    const h = openTc({ netns: ns });
    try {
      await h.filters.change({ dev: 'v1', parent: '1:', prio: 11, kind: 'u32', handle: '800::800', classid: '1:30' });
      const f = (await h.filters.list({ dev: 'v1', parent: '1:' })).find((x) => x.handle === '800::800')!;
      assert.deepEqual([f.classid, f.protocol], ['1:30', 'ip']);
    } finally {
      h.close();
    }
  }));

  test('the kernel\'s refusals of filter and chain requests, with tc\'s own line after them; show\'s unknown words', (t) => inNs(t, async (ns) => {
    build(ns, [
      'qdisc add dev v0 clsact', 'qdisc add dev w0 ingress_block 7 clsact',
      'filter add dev v0 ingress protocol ip prio 1 u32 match ip dst 1.1.1.1 flowid 1:1', 'chain add dev v0 ingress chain 9',
    ]);
    for (const l of [
      'filter del dev v0 ingress pref 99', 'filter del dev v0 ingress pref 1 handle 800::999 u32',
      'filter change dev v0 ingress pref 1 handle 800::999 u32 match ip dst 1.1.1.1',
      'filter add dev v0 ingress protocol ip pref 1 handle 800::800 u32 match ip dst 1.1.1.2',
      'filter get dev v0 ingress protocol ip pref 99 handle 800::800 u32', 'filter add dev nope ingress u32 match ip dst 1.1.1.1',
      'chain add dev v0 ingress chain 9', 'chain del dev v0 ingress chain 99', 'chain get dev v0 ingress chain 77',
      'chain get dev w0 ingress chain 0', 'qdisc show dev v0 egress', 'class show dev v0 foo',
    ]) await sameAsTc(ns, l);
    // actions: tc's line and status 255; a flush of bound actions, its own line and status 1
    run('tc', ['-n', ns, 'filter', 'add', 'dev', 'v0', 'ingress', 'pref', '7', 'u32', 'match', 'u32', '0', '0', 'action', 'mirred', 'egress', 'mirror', 'dev', 'ifb0', 'index', '52']);
    for (const l of ['actions add action mirred egress mirror dev ifb0 index 52', 'actions flush action mirred']) await sameAsTc(ns, l);
    // tc's get/delete go on to parse their own words again after the kernel's refusal: its last line is not nlkit's
    const miss = await nlkitRun(ns, 'actions get action mirred index 999'.split(' '));
    assert.deepEqual(miss, { status: 255, out: '', err: 'Error: TC action with specified index not found.\nWe have an error talking to the kernel\n' });
  }));
});
