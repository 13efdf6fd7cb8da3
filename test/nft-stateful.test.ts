// Named objects (counter/quota/limit), objref, quota, fib, concatenated set keys, dynset and
// flowtables: made by nlkit and read back by `nft -j list ruleset` with the same values, made
// by `nft -f` and read by nlkit as nft prints them, reset, refused with typed errors; the
// expression codecs round-trip (fast-check), and flowtables (which this kernel may lack) are
// covered by golden bytes from <linux/netfilter/nf_tables.h>.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { NetlinkArgumentError } from '../src/core/errors.js';
import type { TransactionSource } from '../src/core/transaction.js';
import { Writer } from '../src/core/writer.js';
import { Family } from '../src/ynl/family.js';
import { description as nftDesc, type ExprAttrsSet } from '../src/ynl/families/nftables.js';
import { decodeRule } from '../src/netfilter/nft-expr-decode.js';
import {
  accept, concat, counter, drop, dynset, fib, flow, ip, meta, objref, openNft, quota, tcp,
  type NftCommand, type NftExpr, type NftFibFlag,
} from '../src/netfilter/index.js';
import { encodeRule } from '../src/netfilter/nft-expr-encode.js';
import { concatTypesOf, keyTypeOf, tupleBytes, tupleOf } from '../src/netfilter/nft-concat.js';
import { batchStep, buildBatch } from '../src/netfilter/nft-batch.js';
import { rulesetJson, stringifyJson } from '../src/netfilter/nft-json.js';
import { run, withNetns } from './helpers/netns.js';
import { needNft } from './helpers/nft-oracle.js';
import { RUNS } from './helpers/arbitraries.js';
import { roundTrip as wireRoundTrip } from './helpers/nft-roundtrip.js';

type J = Record<string, unknown>;
const nftIn = (ns: string, ...args: string[]): string => run('ip', ['netns', 'exec', ns, 'nft', ...args]);
const nftFile = (ns: string, text: string): string => run('ip', ['netns', 'exec', ns, 'nft', '-f', '-'], text);
const nftJson = (ns: string): J[] => (JSON.parse(nftIn(ns, '-j', 'list', 'ruleset')) as { nftables: J[] }).nftables.filter((x) => !('metainfo' in x));
const ours = (ns: string): J[] => {
  const h = openNft({ netns: ns });
  try {
    return (JSON.parse(stringifyJson(rulesetJson(h.rulesetSync()))) as { nftables: J[] }).nftables.filter((x) => !('metainfo' in x));
  } finally {
    h.close();
  }
};

const fam = Family.from(nftDesc);
const HEAD = { nfgenFamily: 1, version: 0, resId: 0 };

const roundTrip = (exprs: NftExpr[]) => wireRoundTrip(exprs, 'inet');

/** The statements of this feature, in the forms `nft -j` prints them. */
const RULES: { expr: NftExpr[]; json: J[] }[] = [
  { expr: [fib({ flags: ['saddr', 'iif'], result: 'oif' }, 'missing'), drop()], json: [{ match: { op: '==', left: { fib: { result: 'oif', flags: ['saddr', 'iif'] } }, right: false } }, { drop: null }] },
  { expr: [fib({ flags: ['daddr'], result: 'oif' }, 'exists'), accept()], json: [{ match: { op: '==', left: { fib: { result: 'oif', flags: ['daddr'] } }, right: true } }, { accept: null }] },
  { expr: [fib({ flags: ['daddr'], result: 'type' }, 'local'), accept()], json: [{ match: { op: '==', left: { fib: { result: 'type', flags: ['daddr'] } }, right: 'local' } }, { accept: null }] },
  { expr: [counter('c1')], json: [{ counter: 'c1' }] },
  { expr: [objref('quota', 'q1'), drop()], json: [{ quota: 'q1' }, { drop: null }] },
  { expr: [quota(100 * 2 ** 20, { over: true }), drop()], json: [{ quota: { val: 100, val_unit: 'mbytes', inv: true } }, { drop: null }] },
  { expr: [concat(['ip.saddr', 'tcp.dport'], '@pairs'), accept()], json: [{ match: { op: '==', left: { concat: [{ payload: { protocol: 'ip', field: 'saddr' } }, { payload: { protocol: 'tcp', field: 'dport' } }] }, right: '@pairs' } }, { accept: null }] },
  { expr: [dynset('add', '@seen', 'ip.saddr')], json: [{ set: { op: 'add', elem: { payload: { protocol: 'ip', field: 'saddr' } }, set: '@seen' } }] },
  { expr: [dynset('update', '@seen', ['ip.saddr'], { timeout: 30_000 })], json: [{ set: { op: 'update', elem: { elem: { val: { payload: { protocol: 'ip', field: 'saddr' } }, timeout: 30 } }, set: '@seen' } }] },
];

function batch(): NftCommand[] {
  return [
    { add: 'table', family: 'inet', name: 'st' },
    { add: 'counter', family: 'inet', table: 'st', name: 'c1' },
    { add: 'quota', family: 'inet', table: 'st', name: 'q1', bytes: 1000, over: true },
    { add: 'limit', family: 'inet', table: 'st', name: 'l1', rate: 10, per: 'second' },
    { add: 'set', family: 'inet', table: 'st', name: 'pairs', type: ['ipv4_addr', 'inet_service'], elements: [['10.0.0.2', 80], ['10.0.0.1', 22]] },
    { add: 'set', family: 'inet', table: 'st', name: 'seen', type: 'ipv4_addr', flags: ['dynamic', 'timeout'], timeout: 60_000 },
    { add: 'chain', family: 'inet', table: 'st', name: 'pre', type: 'filter', hook: 'prerouting', priority: 0 },
    ...RULES.map((r) => ({ add: 'rule' as const, family: 'inet' as const, table: 'st', chain: 'pre', expr: r.expr })),
  ];
}

describe('nftables named objects, fib, concatenations, dynset (nft as the oracle)', () => {
  test('what nlkit makes, `nft -j list ruleset` reads with the same values, and nlkit reads it as nft does', async (t) => {
    if (!needNft(t)) return;
    await withNetns(async (ns) => {
      const h = openNft({ netns: ns });
      try {
        await h.transaction(batch());
      } finally {
        h.close();
      }
      const theirs = nftJson(ns);
      const find = (kind: string, name: string) => theirs.map((x) => x[kind] as J).find((o) => o && o.name === name);
      assert.deepEqual(find('counter', 'c1'), { family: 'inet', name: 'c1', table: 'st', handle: find('counter', 'c1')!.handle, packets: 0, bytes: 0 });
      assert.deepEqual([find('quota', 'q1')!.bytes, find('quota', 'q1')!.inv], [1000, true]);
      assert.deepEqual([find('limit', 'l1')!.rate, find('limit', 'l1')!.per, find('limit', 'l1')!.burst], [10, 'second', 5]);
      const pairs = find('set', 'pairs')!;
      assert.deepEqual([pairs.type, pairs.elem], [['ipv4_addr', 'inet_service'], [{ concat: ['10.0.0.1', 22] }, { concat: ['10.0.0.2', 80] }]]);
      const rules = theirs.map((x) => x.rule as J).filter(Boolean);
      assert.deepEqual(rules.map((r) => r.expr), RULES.map((r) => r.json));
      assert.deepEqual(ours(ns), theirs);
    });
  });

  test('a ruleset made with `nft -f` reads back in builder shapes', async (t) => {
    if (!needNft(t)) return;
    await withNetns(async (ns) => {
      nftFile(ns, `table inet f {
        counter hits { packets 3 bytes 300 }
        quota q { 5000 bytes }
        set pairs { type ipv4_addr . inet_service; elements = { 10.1.1.1 . 443 } }
        set dyn { type ipv4_addr; flags dynamic; }
        chain c {
          fib saddr . iif oif missing drop
          counter name "hits"
          udp sport . ip daddr { 53 . 10.0.0.53 } accept
          add @dyn { ip saddr }
          quota 10 kbytes
        }
      }`);
      const h = openNft({ netns: ns });
      try {
        const rs = await h.ruleset({ family: 'inet' });
        assert.deepEqual(rs.objects.map((o) => [o.type, o.name]), [['counter', 'hits'], ['quota', 'q']]);
        const hits = rs.objects.find((o) => o.name === 'hits');
        assert.ok(hits?.type === 'counter' && hits.packets === 3n && hits.bytes === 300n);
        assert.deepEqual(rs.sets.find((s) => s.name === 'pairs')!.elements, [['10.1.1.1', 443]]);
        assert.deepEqual(rs.rules.map((r) => r.expr), [
          [fib({ flags: ['saddr', 'iif'], result: 'oif' }, 'missing'), drop()],
          [counter('hits')],
          [concat(['udp.sport', 'ip.daddr'], [[53, '10.0.0.53']]), accept()],
          [dynset('add', '@dyn', 'ip.saddr')],
          [quota(10240)],
        ]);
        // reset: the counts before, and zero after
        const before = await h.objects.reset({ family: 'inet', table: 'f', type: 'counter' });
        assert.ok(before[0].type === 'counter' && before[0].packets === 3n);
        const after = h.objects.listSync({ family: 'inet', table: 'f', name: 'hits' });
        assert.ok(after[0].type === 'counter' && after[0].packets === 0n && after[0].bytes === 0n);
        const one = await h.objects.reset({ family: 'inet', table: 'f', type: 'quota', name: 'q' });
        assert.deepEqual(one.map((o) => o.name), ['q']);
        // objects made and deleted through the module, with nft reading the change
        await h.objects.add({ type: 'limit', family: 'inet', table: 'f', name: 'slow', rate: 1, per: 'minute', burst: 2 });
        assert.equal((nftJson(ns).find((x) => 'limit' in x)!.limit as J).burst, 2);
        await h.objects.delete({ type: 'limit', family: 'inet', table: 'f', name: 'slow' });
        assert.equal(nftJson(ns).find((x) => 'limit' in x), undefined);
        // and in the same form nft -j prints, whole
        assert.deepEqual(ours(ns), nftJson(ns));
      } finally {
        h.close();
      }
    });
  });

  test('interface names resolve in the namespace the call runs in (handle or per-call netns), over rtnetlink there', async (t) => {
    if (!needNft(t)) return;
    await withNetns(async (ns) => {
      run('ip', ['-n', ns, 'link', 'add', 'nlk0', 'type', 'veth', 'peer', 'name', 'nlk1']);
      const index = (JSON.parse(run('ip', ['-n', ns, '-j', 'link', 'show', 'nlk1'])) as { ifindex: number }[])[0].ifindex;
      const cmds: NftCommand[] = [
        { add: 'table', family: 'inet', name: 'n' },
        { add: 'chain', family: 'inet', table: 'n', name: 'c' },
        { add: 'rule', family: 'inet', table: 'n', chain: 'c', expr: [meta.oif('nlk1'), fib({ flags: ['daddr'], result: 'oif' }, 'nlk1'), accept()] },
      ];
      const root = openNft();
      try {
        // the handle is in this process's namespace, where nlk1 is not: the call's netns wins
        await root.transaction(cmds, { netns: ns });
        await assert.rejects(root.rules.add({ family: 'inet', table: 'n', chain: 'c', expr: [meta.oif('nlk1')] }), { code: 'ENODEV' });
      } finally {
        root.close();
      }
      const h = openNft({ netns: ns });
      try {
        await h.rules.add({ family: 'inet', table: 'n', chain: 'c', expr: [meta.iif('nlk1')] });
        const rules = await h.rules.list({ family: 'inet', table: 'n', chain: 'c' });
        assert.deepEqual(rules.map((r) => r.expr), [[meta.oif(index), fib({ flags: ['daddr'], result: 'oif' }, index), accept()], [meta.iif(index)]]);
      } finally {
        h.close();
      }
    });
  });

  test('a rule naming an object or set that is not there fails the transaction with nothing applied', async (t) => {
    if (!needNft(t)) return;
    await withNetns(async (ns) => {
      const h = openNft({ netns: ns });
      try {
        await assert.rejects(h.transaction([
          { add: 'table', family: 'inet', name: 'x' },
          { add: 'chain', family: 'inet', table: 'x', name: 'c' },
          { add: 'rule', family: 'inet', table: 'x', chain: 'c', expr: [counter('nope')] },
        ]), (e: Error & { index?: number; code?: string }) => e.name === 'NftTransactionError' && e.index === 2 && e.code === 'ENOENT');
        assert.deepEqual(nftJson(ns), []);
      } finally {
        h.close();
      }
    });
  });

  test('flowtables: made and listed when the kernel has them, else skipped (golden bytes below cover them)', async (t) => {
    if (!needNft(t)) return;
    await withNetns(async (ns) => {
      run('ip', ['-n', ns, 'link', 'add', 'fa', 'type', 'veth', 'peer', 'name', 'fb']);
      const h = openNft({ netns: ns });
      try {
        await h.transaction([{ add: 'table', family: 'inet', name: 'ft' }]);
        try {
          await h.flowtables.add({ family: 'inet', table: 'ft', name: 'f', devices: ['fa', 'fb'] });
        } catch (e) {
          if ((e as { code?: string }).code === 'ENOENT' || (e as { code?: string }).code === 'EOPNOTSUPP') return void t.skip('this kernel has no flowtables (nf_flow_table)');
          throw e;
        }
        await h.transaction([
          { add: 'chain', family: 'inet', table: 'ft', name: 'fw', type: 'filter', hook: 'forward', priority: 0 },
          { add: 'rule', family: 'inet', table: 'ft', chain: 'fw', expr: [meta.l4proto('tcp'), flow('@f')] },
        ]);
        const listed = await h.flowtables.list({ family: 'inet' });
        assert.deepEqual(listed.map((f) => [f.name, f.devices.sort()]), [['f', ['fa', 'fb']]]);
        assert.deepEqual(ours(ns), nftJson(ns));
      } finally {
        h.close();
      }
    });
  });
});

describe('nftables named objects and new expressions without a kernel', () => {
  test('golden bytes: a flowtable, a quota object and a counter deletion (numbers from nf_tables.h)', () => {
    // the requests as the transaction takes them: made one at a time by the step's source
    const source = batchStep([
      { add: 'flowtable', family: 'inet', table: 't', name: 'f', devices: ['eth0'] },
      { add: 'quota', family: 'inet', table: 't', name: 'q', bytes: 1000, over: true },
      { delete: 'counter', family: 'inet', table: 't', name: 'c' },
    ], { echo: false }).bulk as TransactionSource<unknown>;
    const items: { type: number; payload: Buffer }[] = [];
    for (let it = source.next(); it !== undefined; it = source.next()) {
      const w = new Writer(256);
      const off = w.beginMessage(it.type, 0, 0);
      (it.payload as (w: Writer) => void)(w);
      w.endMessage(off);
      items.push({ type: it.type, payload: Buffer.from(w.buf.subarray(off + 16, w.pos)) });
    }
    assert.equal(items.length, 5, 'BEGIN, three commands, END');
    assert.ok(items.length <= source.size, 'no more than the source said');
    const body = (i: number) => items[i].payload.toString('hex');
    // NFT_MSG_NEWFLOWTABLE 22 | NFNL_SUBSYS_NFTABLES << 8
    assert.equal(items[1].type, 0xa16);
    assert.equal(body(1), [
      '01000000', // nfgenmsg: NFPROTO_INET, version 0, res_id 0
      '0600' + '0100' + '74000000', // NFTA_FLOWTABLE_TABLE "t"
      '0600' + '0200' + '66000000', // NFTA_FLOWTABLE_NAME "f"
      '2400' + '0380', // NFTA_FLOWTABLE_HOOK (nested, 36 bytes)
      '0800' + '0100' + '00000000', //   NFTA_FLOWTABLE_HOOK_NUM NF_NETDEV_INGRESS
      '0800' + '0200' + '00000000', //   NFTA_FLOWTABLE_HOOK_PRIORITY 0 (filter)
      '1000' + '0380' + '0900' + '0100' + '6574683000000000', //   NFTA_FLOWTABLE_HOOK_DEVS { NFTA_DEVICE_NAME "eth0" (NUL, padded) }
    ].join(''));
    // NFT_MSG_NEWOBJ 18: table, name, NFTA_OBJ_TYPE NFT_OBJECT_QUOTA (2), NFTA_OBJ_DATA { NFTA_QUOTA_BYTES be64 1000, NFTA_QUOTA_FLAGS NFT_QUOTA_F_INV }
    assert.equal(items[2].type, 0xa12);
    assert.equal(body(2), '01000000' + '060001007400000006000200710000000800030000000002' + '180004800c00010000000000000003e8' + '0800020000000001');
    // NFT_MSG_DELOBJ 20: table, name, type NFT_OBJECT_COUNTER (1)
    assert.equal(items[3].type, 0xa14);
    assert.equal(body(3), '01000000' + '0600010074000000' + '0600020063000000' + '0800030000000001');
  });

  test('golden bytes: objref and fib as nft --debug=netlink shows them', () => {
    const enc = encodeRule([counter('c1'), fib({ flags: ['saddr', 'iif'], result: 'oif' }, 'missing')], { family: 'inet', newSetId: () => 1 });
    assert.deepEqual(enc.exprs, [
      { name: 'objref', data: { immType: 1, immName: 'c1' } }, // [ objref type 1 name c1 ]
      { name: 'fib', data: { dreg: 1, result: 'oif', flags: ['saddr', 'iif', 'present'] } }, // [ fib saddr . iif oif present => reg 1 ]
      { name: 'cmp', data: { sreg: 1, op: 'eq', data: { value: Buffer.alloc(4) } } }, // [ cmp eq reg 1 0x00000000 ]
    ]);
    // NFTA_FIB_RESULT is NFT_FIB_RESULT_OIF (1): the spec's enum starts at UNSPEC
    const bytes = fam.encode('newrule', { ...HEAD, table: 't', chain: 'c', expressions: { elem: [enc.exprs[1]] } }).toString('hex');
    assert.ok(bytes.includes('0800020000000001'), bytes);
    assert.ok(bytes.includes('0800030000000029'), 'flags saddr|iif|present = 0x29');
  });

  test('objref types are the spec object-type enum values (NFT_OBJECT_COUNTER 1, _QUOTA 2, _LIMIT 4) and read back by name', () => {
    const enc = encodeRule([objref('counter', 'c'), objref('quota', 'q'), objref('limit', 'l')], { family: 'inet', newSetId: () => 1 });
    assert.deepEqual(enc.exprs.map((e) => (e.data as { immType: number }).immType), [1, 2, 4]);
    assert.deepEqual(decodeRule(enc.exprs, { family: 'inet' }), [objref('counter', 'c'), objref('quota', 'q'), objref('limit', 'l')]);
    // NFT_OBJECT_CT_HELPER (3): not a kind nlkit reads, so the rule is not read as builders
    const helper = decodeRule([{ name: 'objref', data: { immType: 3, immName: 'h' } }], { family: 'inet' });
    assert.ok(!helper.some((e) => (e as { kind: string }).kind === 'objref'), JSON.stringify(helper));
  });

  test('concatenations load each field into its 32-bit register, as nft does', () => {
    const enc = encodeRule([concat(['ip.saddr', 'tcp.dport'], '@s2')], { family: 'ip', newSetId: () => 1 });
    // [ payload load 4b @ network header + 12 => reg 1 ] [ payload load 2b @ transport header + 2 => reg 9 ] [ lookup reg 1 set s2 ]
    const loads = enc.exprs.filter((e) => e.name === 'payload').map((e) => (e.data as { dreg: number }).dreg);
    assert.deepEqual(loads, [1, 9]);
    assert.deepEqual(enc.exprs.at(-1), { name: 'lookup', data: { set: 's2', sreg: 1 } });
    // nft's set key: (ipv4_addr 7 << 6) | inet_service 13, 8 bytes
    assert.deepEqual(keyTypeOf(['ipv4_addr', 'inet_service']), { id: 461, len: 8, order: 0 });
  });

  test('bad arguments are typed errors naming the option', () => {
    const bad: [NftExpr, RegExp][] = [
      [fib({ flags: ['nope' as NftFibFlag], result: 'oif' }, 'missing'), /expr\[0\]\.flags/],
      [fib({ flags: ['daddr'], result: 'type' }, 'missing'), /expr\[0\]\.value/],
      [fib({ flags: ['daddr'], result: 'type' }, 'nowhere'), /address type/],
      [quota(0), /expr\[0\]\.bytes/],
      [objref('synproxy' as 'counter', 'x'), /expr\[0\]\.type/],
      [concat(['ip.saddr', 'nope' as 'ip.daddr'], '@s'), /expr\[0\]\.keys\[1\]/],
      [concat(['ip.saddr', 'tcp.dport'], 'nonset'), /'@name'/],
      [concat(['ip.saddr', 'tcp.dport'], [['10.0.0.1']]), /tuple of 2/],
      [dynset('add', 'seen', 'ip.saddr'), /expr\[0\]\.set/],
      [dynset('add', '@s', 'ip.saddr', { timeout: -1 }), /timeout/],
    ];
    for (const [e, re] of bad) assert.throws(() => encodeRule([e], { family: 'inet', newSetId: () => 1 }), (err: Error) => err instanceof NetlinkArgumentError && re.test(err.message), JSON.stringify(e));
    assert.throws(() => buildBatch([{ add: 'quota', family: 'inet', table: 't', name: 'q', bytes: -5 }], {}), NetlinkArgumentError);
    assert.throws(() => buildBatch([{ add: 'flowtable', family: 'inet', table: 't', name: 'f', devices: [] }], {}), /devices/);
    assert.throws(() => buildBatch([{ add: 'set', family: 'inet', table: 't', name: 's', type: ['ipv4_addr'] as never }], {}), /concatenation/);
  });

  test('property: fib, quota, objref, concat and dynset round-trip through the wire form', () => {
    const fibFlags = fc.subarray(['saddr', 'daddr', 'mark', 'iif', 'oif'] as NftFibFlag[], { minLength: 1 });
    const fibArb = fc.oneof(
      fc.record({ flags: fibFlags, v: fc.constantFrom('missing', 'exists') as fc.Arbitrary<'missing' | 'exists'>, neq: fc.boolean() }).map(({ flags, v, neq }) => fib({ flags, result: 'oif' }, v, neq ? '!=' : '==')),
      fc.record({ flags: fibFlags, v: fc.constantFrom('local', 'unicast', 'broadcast', 'multicast', 'blackhole') }).map(({ flags, v }) => fib({ flags, result: 'type' }, v)),
      fc.record({ flags: fibFlags, v: fc.integer({ min: 1, max: 0xffff }) }).map(({ flags, v }) => fib({ flags, result: 'oif' }, v)),
    );
    const quotaArb = fc.record({ bytes: fc.integer({ min: 1, max: 2 ** 40 }), over: fc.boolean() }).map(({ bytes, over }) => quota(bytes, { over }));
    const objArb = fc.record({ t: fc.constantFrom('counter', 'quota', 'limit') as fc.Arbitrary<'counter'>, n: fc.stringMatching(/^[a-z][a-z0-9_]{0,15}$/) }).map(({ t, n }) => objref(t, n));
    const v4 = fc.ipV4();
    const port = fc.integer({ min: 0, max: 65535 });
    const concatArb = fc.oneof(
      fc.stringMatching(/^@[a-z][a-z0-9]{0,10}$/).map((s) => concat(['ip.saddr', 'tcp.dport'], s)),
      fc.uniqueArray(fc.tuple(port, v4), { minLength: 1, maxLength: 5, selector: (x) => x.join() }).map((set) => concat(['udp.dport', 'ip.daddr'], set)),
    );
    const dynArb = fc.record({ op: fc.constantFrom('add', 'update', 'delete') as fc.Arbitrary<'add'>, s: fc.stringMatching(/^[a-z][a-z0-9]{0,10}$/), t: fc.option(fc.integer({ min: 1, max: 10 ** 9 }), { nil: undefined }) })
      .map(({ op, s, t }) => dynset(op, `@${s}`, ['ip.saddr'], t === undefined ? {} : { timeout: t }));
    fc.assert(fc.property(fc.array(fc.oneof(fibArb, quotaArb, objArb, concatArb, dynArb), { minLength: 1, maxLength: 4 }), (exprs) => {
      assert.deepEqual(roundTrip(exprs), exprs);
    }), { numRuns: RUNS.normal });
  });

  test('property: tuple keys and concatenated key types round-trip', () => {
    const types = ['ipv4_addr', 'ipv6_addr', 'inet_service', 'inet_proto', 'mark', 'ifname', 'ether_type'] as const;
    const value: Record<(typeof types)[number], fc.Arbitrary<string | number>> = {
      ipv4_addr: fc.ipV4(), ipv6_addr: fc.constantFrom('fd00::1', '2001:db8::2', '::1'), inet_service: fc.integer({ min: 0, max: 65535 }),
      inet_proto: fc.constantFrom('tcp', 'udp', 'icmp'), mark: fc.integer({ min: 0, max: 0xffffffff }), ifname: fc.stringMatching(/^[a-z][a-z0-9]{0,14}$/), ether_type: fc.constantFrom('ip', 'ip6', 'arp'),
    };
    const tupleArb = fc.array(fc.constantFrom(...types), { minLength: 2, maxLength: 4 }).chain((ts) => fc.tuple(fc.constant(ts), fc.tuple(...ts.map((t) => value[t]))));
    fc.assert(fc.property(tupleArb, ([ts, tuple]) => {
      const key = keyTypeOf([...ts]);
      assert.deepEqual(concatTypesOf(key.id, key.len), ts);
      const bytes = tupleBytes(ts, tuple, 'tuple');
      assert.equal(bytes.length, key.len);
      assert.deepEqual(tupleOf(ts, bytes), tuple);
      // a key of another length is not taken for this concatenation
      assert.equal(concatTypesOf(key.id, key.len + 4), undefined);
    }), { numRuns: RUNS.normal });
  });

  test('an anonymous tuple set keeps its tuples; two separate matches are not taken for a concatenation', () => {
    const tuples = concat(['udp.dport', 'ip.daddr'], [[80, '10.0.0.2'], [53, '10.0.0.1']]);
    assert.deepEqual(roundTrip([tuples]), [tuples]);
    assert.deepEqual(roundTrip([tcp.dport(22), ip.saddr('10.0.0.1')]), [tcp.dport(22), ip.saddr('10.0.0.1')]);
    // a lookup of two loads whose set is unknown to the decoder stays raw, never a wrong concatenation
    const enc = encodeRule([concat(['ip.saddr', 'tcp.dport'], [['10.0.0.1', 22]])], { family: 'ip', newSetId: () => 1 });
    const listed = decodeRule(enc.exprs.map((x) => (x.name === 'lookup' ? { ...x, data: { ...x.data, set: '__set0' } } : x)) as ExprAttrsSet[], { family: 'ip' });
    assert.ok(listed.every((x) => x.kind === 'raw' || x.kind === 'match'), JSON.stringify(listed));
  });
});
