// nftables expressions without the kernel: golden vectors (the bytes nft sends, read off
// `nft --debug=netlink` and written with the numbers of <linux/netfilter/nf_tables.h>),
// build -> encode -> decode round trips (fast-check), the spec corrections' golden vectors,
// and hostile input (malformed messages and expressions become typed errors or raw items).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { NetlinkArgumentError, NetlinkDecodeError } from '../src/core/errors.js';
import { Family } from '../src/ynl/family.js';
import { description as nftDesc, type ExprAttrsSet } from '../src/ynl/families/nftables.js';
import {
  accept, counter, ct, dnat, drop, ip, ip6, jump, limit, log, masquerade, meta, redirect, reject, snat, tcp, udp,
  type NftExpr,
} from '../src/netfilter/nft-expr.js';
import { encodeRule } from '../src/netfilter/nft-expr-encode.js';
import { decodeRule } from '../src/netfilter/nft-expr-decode.js';
import { roundTrip } from './helpers/nft-roundtrip.js';
import { toRule } from '../src/netfilter/nft-objects.js';
import { buildBatch, NftTransactionError } from '../src/netfilter/nft-batch.js';
import type { NftCommand } from '../src/netfilter/nft-commands.js';
import { RUNS } from './helpers/arbitraries.js';
import { matchArb, stmtArb } from './helpers/nft-arbitraries.js';
import { assertEncodes, bytes } from './helpers/ynl-golden.js';

const fam = Family.from(nftDesc);
const HEAD = { nfgenFamily: 2, version: 0, resId: 0 };

/** Listed counters carry their counts: compared without them. */
const noCounts = (e: NftExpr[]): NftExpr[] => e.map((x) => (x.kind === 'counter' ? { kind: 'counter' } : x));

describe('nftables expressions: golden vectors (as nft sends them)', () => {
  test('ip saddr 10.0.0.0/24 counter accept: a /24 loads 3 bytes, no mask (nft --debug=netlink)', () => {
    const { exprs } = encodeRule([ip.saddr('10.0.0.0/24'), counter(), accept()], { family: 'ip', newSetId: () => 1 });
    assertEncodes(fam, 'newrule', { ...HEAD, table: 't', chain: 'c', expressions: { elem: exprs } }, bytes(
      '02 00 0000', //                              struct nfgenmsg: NFPROTO_IPV4
      '0600 0100 7400 0000', //                     NFTA_RULE_TABLE = "t"
      '0600 0200 6300 0000', //                     NFTA_RULE_CHAIN = "c"
      'c000 0480', //                               NFTA_RULE_EXPRESSIONS
      '3400 0180', //                                 NFTA_LIST_ELEM
      '0c00 0100 7061796c6f616400', //                  NFTA_EXPR_NAME "payload"
      '2400 0280', //                                   NFTA_EXPR_DATA
      '0800 0100 00000001', //                            NFTA_PAYLOAD_DREG = NFT_REG_1
      '0800 0200 00000001', //                            NFTA_PAYLOAD_BASE = NFT_PAYLOAD_NETWORK_HEADER
      '0800 0300 0000000c', //                            NFTA_PAYLOAD_OFFSET = 12 (iphdr.saddr)
      '0800 0400 00000003', //                            NFTA_PAYLOAD_LEN = 3
      '2c00 0180', //                                 NFTA_LIST_ELEM
      '0800 0100 636d7000', //                          NFTA_EXPR_NAME "cmp"
      '2000 0280', //                                   NFTA_EXPR_DATA
      '0800 0100 00000001', //                            NFTA_CMP_SREG = NFT_REG_1
      '0800 0200 00000000', //                            NFTA_CMP_OP = NFT_CMP_EQ
      '0c00 0380', //                                     NFTA_CMP_DATA
      '0700 0100 0a0000 00', //                             NFTA_DATA_VALUE = 10.0.0
      '2c00 0180', //                                 NFTA_LIST_ELEM
      '0c00 0100 636f756e74657200', //                  NFTA_EXPR_NAME "counter"
      '1c00 0280', //                                   NFTA_EXPR_DATA
      '0c00 0100 0000000000000000', //                    NFTA_COUNTER_BYTES = 0
      '0c00 0200 0000000000000000', //                    NFTA_COUNTER_PACKETS = 0
      '3000 0180', //                                 NFTA_LIST_ELEM
      '0e00 0100 696d6d65646961746500 0000', //         NFTA_EXPR_NAME "immediate"
      '1c00 0280', //                                   NFTA_EXPR_DATA
      '0800 0100 00000000', //                            NFTA_IMMEDIATE_DREG = NFT_REG_VERDICT
      '1000 0280', //                                     NFTA_IMMEDIATE_DATA
      '0c00 0280', //                                       NFTA_DATA_VERDICT
      '0800 0100 00000001', //                                NFTA_VERDICT_CODE = NF_ACCEPT
    ));
  });

  test('tcp dport 22: meta l4proto first; ct state established,related: mask and cmp neq 0', () => {
    const { exprs } = encodeRule([tcp.dport(22), ct.state(['established', 'related'])], { family: 'ip', newSetId: () => 1 });
    // [ meta load l4proto => reg 1 ] [ cmp eq reg 1 0x06 ] [ payload load 2b @ transport header + 2 => reg 1 ]
    // [ cmp eq reg 1 0x1600 ] [ ct load state => reg 1 ] [ bitwise reg 1 = (reg 1 & 0x06) ^ 0 ] [ cmp neq reg 1 0 ]
    assert.deepEqual(exprs, [
      { name: 'meta', data: { dreg: 1, key: 'l4-proto' } },
      { name: 'cmp', data: { sreg: 1, op: 'eq', data: { value: Buffer.from([6]) } } },
      { name: 'payload', data: { dreg: 1, base: 'transport-header', offset: 2, len: 2 } },
      { name: 'cmp', data: { sreg: 1, op: 'eq', data: { value: Buffer.from([0, 22]) } } },
      { name: 'ct', data: { dreg: 1, key: 'state' } },
      { name: 'bitwise', data: { sreg: 1, dreg: 1, len: 4, mask: { value: Buffer.from([6, 0, 0, 0]) }, xor: { value: Buffer.alloc(4) } } },
      { name: 'cmp', data: { sreg: 1, op: 'neq', data: { value: Buffer.alloc(4) } } },
    ]);
  });

  test('masquerade to :1000-2000 random and dnat to 10.0.0.2:8080: immediates into regs 1, 2 and flags as nft sends', () => {
    const { exprs } = encodeRule([masquerade({ ports: [1000, 2000], random: true })], { family: 'ip', newSetId: () => 1 });
    // [ immediate reg 1 0x0000e803 ] [ immediate reg 2 0x0000d007 ] [ masq proto_min reg 1 proto_max reg 2 flags 0x6 ]
    assert.deepEqual(exprs, [
      { name: 'immediate', data: { dreg: 1, data: { value: Buffer.from('03e8', 'hex') } } },
      { name: 'immediate', data: { dreg: 2, data: { value: Buffer.from('07d0', 'hex') } } },
      { name: 'masq', data: { regProtoMin: 1, regProtoMax: 2, flags: ['proto-specified', 'proto-random'] } },
    ]);
    const body = fam.encode('newrule', { ...HEAD, expressions: { elem: [exprs[2]] } });
    assert.ok(body.toString('hex').includes('0800010000000006'), 'NFTA_MASQ_FLAGS = 0x6 (NF_NAT_RANGE_PROTO_SPECIFIED | _PROTO_RANDOM)');
    const d = encodeRule([dnat('10.0.0.2', { ports: 8080 })], { family: 'ip', newSetId: () => 1 }).exprs;
    // [ immediate reg 1 0x0200000a ] [ immediate reg 2 0x0000901f ] [ nat dnat ip addr_min reg 1 proto_min reg 2 flags 0x2 ]
    assert.deepEqual(d[2], { name: 'nat', data: { type: 1, family: 2, regAddrMin: 1, regProtoMin: 2, flags: ['proto-specified'] } });
    assert.deepEqual(d[0].data, { dreg: 1, data: { value: Buffer.from([10, 0, 0, 2]) } });
  });

  test('tcp dport { 22, 80 }: an anonymous constant set added before the rule, looked up by id', () => {
    const { items } = buildBatch([{ add: 'rule', family: 'ip', table: 't', chain: 'c', expr: [tcp.dport([22, 80]), accept()] }], { echo: false });
    // BEGIN, NEWSET, NEWSETELEM, NEWRULE, END (nft --debug=netlink: "__set%d t 3 size 2")
    assert.deepEqual(items.map((i) => i.type), [0x10, 0xa09, 0xa0c, 0xa06, 0x11]);
    const newset = fam.decode('newset', Buffer.from(encodePayload(items[1])));
    assert.deepEqual(newset, { ...HEAD, table: 't', name: '__set%d', keyLen: 2, id: 1, keyType: 13, flags: ['anonymous', 'constant'], desc: { size: 2 }, userdata: Buffer.from('000402000000', 'hex') }); // NFTNL_UDATA_SET_KEYBYTEORDER = BYTEORDER_BIG_ENDIAN, as nft
    const elems = fam.decode('newsetelem', Buffer.from(encodePayload(items[2])));
    assert.deepEqual(elems, { ...HEAD, table: 't', set: '__set%d', setId: 1, elements: { elem: [{ key: { value: Buffer.from('0016', 'hex') } }, { key: { value: Buffer.from('0050', 'hex') } }] } });
    // NFTA_SET_ID (10) and NFTA_SET_ELEM_LIST_SET_ID (4) are big-endian, as NFTA_LOOKUP_SET_ID (4) is
    assert.ok(Buffer.from(encodePayload(items[1])).toString('hex').includes('08000a0000000001'));
    assert.ok(Buffer.from(encodePayload(items[2])).toString('hex').includes('0800040000000001'));
    const rule = Buffer.from(encodePayload(items[3])).toString('hex');
    assert.ok(rule.includes('0800040000000001'), 'NFTA_LOOKUP_SET_ID (4) = 1, big-endian');
    assert.ok(rule.includes('0800020000000001'), 'NFTA_LOOKUP_SREG (2) = NFT_REG_1');
  });

  test('a batch\'s items share one echo decoder per request type: none keeps its item (and request) alive after encoding', () => {
    const rule = (port: number): NftCommand => ({ add: 'rule', family: 'ip', table: 't', chain: 'c', expr: [tcp.dport(port), accept()] });
    const { items } = buildBatch([rule(1), rule(2), rule(3), { add: 'table', family: 'ip', name: 'u' }], {});
    const rules = items.filter((i) => i.type === 0xa06);
    assert.equal(rules.length, 3);
    assert.equal(typeof rules[0].decode, 'function');
    assert.ok(rules.every((i) => i.decode === rules[0].decode), 'NEWRULE items: one decoder');
    assert.notEqual(items.find((i) => i.type === 0xa00)!.decode, rules[0].decode, 'NEWTABLE: its own');
  });

  test('interval sets: a leading end at zero, each range a start and an end one past it (nft: element 00000000 : 1 [end] ...)', () => {
    let id = 1;
    const enc = encodeRule([ip.saddr(['10.0.0.1', '10.2.0.0/16'])], { family: 'ip', newSetId: () => id++ });
    const keys = enc.sets[0].elements.map((e) => `${e.key!.value!.toString('hex')}${e.flags ? ' end' : ''}`);
    assert.deepEqual(keys, ['00000000 end', '0a000001', '0a000002 end', '0a020000', '0a030000 end']);
    assert.equal(enc.sets[0].interval, true);
  });
});

/** A transaction item's payload bytes (what follows the nlmsghdr). */
function encodePayload(it: { payload?: unknown }): Buffer {
  const { Writer } = writerMod;
  const w = new Writer(256);
  const off = w.beginMessage(0, 0, 0);
  (it.payload as (w: unknown) => void)(w);
  w.endMessage(off);
  return Buffer.from(w.buf.subarray(off + 16, w.pos));
}
import * as writerMod from '../src/core/writer.js';

describe('nftables spec corrections (golden vectors from <linux/netfilter/nf_tables.h>)', () => {
  test('NFTA_CHAIN_FLAGS is 10 and NFTA_CHAIN_ID 11 (after NFTA_CHAIN_PAD 9)', () => {
    assertEncodes(fam, 'newchain', { ...HEAD, table: 't', flags: ['base'] }, bytes('02 00 0000', '0600 0100 7400 0000', '0800 0a00 00000001'));
  });
  test('NFTA_RULE_ID is 9, POSITION_ID 10, CHAIN_ID 11, all big-endian (after NFTA_RULE_PAD 8)', () => {
    assertEncodes(fam, 'newrule', { ...HEAD, chainId: 7, positionId: 2 }, bytes('02 00 0000', '0800 0b00 00000007', '0800 0a00 00000002'));
  });
  test('NFTA_SET_ELEM_OBJREF is 9, KEY_END 10 (after NFTA_SET_ELEM_PAD 8); NFTA_SET_ELEM_FLAGS a be32', () => {
    const body = fam.encode('newsetelem', { ...HEAD, elements: { elem: [{ flags: ['interval-end'], keyEnd: { value: Buffer.from([1]) } }] } });
    assert.equal(body.subarray(4).toString('hex'), [
      '1c00 0380', '1800 0180', //      NFTA_SET_ELEM_LIST_ELEMENTS, NFTA_LIST_ELEM
      '0800 0300 00000001', //          NFTA_SET_ELEM_FLAGS = NFT_SET_ELEM_INTERVAL_END
      '0c00 0a80', '0500 0100 01000000', // NFTA_SET_ELEM_KEY_END { NFTA_DATA_VALUE }
    ].join('').replace(/ /g, ''));
  });
  test('enum nft_lookup_attributes: SET 1, SREG 2, DREG 3, SET_ID 4, FLAGS 5', () => {
    const body = fam.encode('newrule', { ...HEAD, expressions: { elem: [{ name: 'lookup', data: { set: 's', sreg: 1, dreg: 0, setId: 9, flags: ['invert'] } }] } });
    const hex = body.toString('hex');
    for (const a of ['0600 0100 7300 0000', '0800 0200 00000001', '0800 0300 00000000', '0800 0400 00000009', '0800 0500 00000001'])
      assert.ok(hex.includes(a.replace(/ /g, '')), a);
  });
  test('NFTA_SET_TIMEOUT (11, be64 ms) and NFTA_SET_GC_INTERVAL (12, be32)', () => {
    assertEncodes(fam, 'newset', { ...HEAD, timeout: 30000n, gcInterval: 1000 }, bytes('02 00 0000', '0c00 0b00 0000000000007530', '0800 0c00 000003e8'));
  });
  test('the redir expression (enum nft_redir_attributes: REG_PROTO_MIN 1, REG_PROTO_MAX 2, FLAGS 3)', () => {
    const { exprs } = encodeRule([redirect({ ports: 8080 })], { family: 'ip', newSetId: () => 1 });
    const body = fam.encode('newrule', { ...HEAD, expressions: { elem: [exprs[1]] } });
    assert.ok(body.toString('hex').endsWith('0800010000000001' + '0800030000000002'));
  });
});

// ---------------------------------------------------------------- round trips

describe('nftables expressions: build -> encode -> decode gives the same builder shapes', () => {
  test('fast-check: random rules (matches then statements) in an ip table', () => {
    fc.assert(fc.property(fc.array(matchArb, { maxLength: 5 }), fc.array(stmtArb, { maxLength: 3 }), (m, s) => {
      const rule = [...m, ...s];
      assert.deepEqual(noCounts(roundTrip(rule)), rule);
    }), { numRuns: RUNS.normal });
  });

  test('inet, bridge and netdev tables: the family dependency (meta nfproto / meta protocol) folds back', () => {
    for (const family of ['inet', 'bridge', 'netdev'] as const) {
      const rule = [ip.saddr('10.0.0.0/8'), ip6.daddr('fe80::1'), tcp.dport(22), tcp.sport(1), udp.dport([53, 5353]), ip.daddr('1.1.1.1'), drop()];
      assert.deepEqual(roundTrip(rule, family), rule, family);
    }
    const inet = roundTrip([snat({ family: 'ip', addr: '10.0.0.1' }), dnat({ family: 'ip6' })], 'inet');
    assert.deepEqual(inet, [{ kind: 'snat', addr: '10.0.0.1' }, { kind: 'dnat', family: 'ip6' }]);
  });

  test('a protocol match is written once per rule, as nft does, and reads back as the fields it serves', () => {
    let id = 1;
    const enc = encodeRule([tcp.dport(22), tcp.sport(1), reject('tcp-reset')], { family: 'ip', newSetId: () => id++ });
    assert.deepEqual(enc.exprs.map((e) => e.name), ['meta', 'cmp', 'payload', 'cmp', 'payload', 'cmp', 'reject']);
    assert.deepEqual(roundTrip([tcp.dport(22), tcp.sport(1), reject('tcp-reset')]), [tcp.dport(22), tcp.sport(1), reject('tcp-reset')]);
    // nft lists `meta l4proto tcp tcp dport 22` as `tcp dport 22`: the match is the field's dependency
    assert.deepEqual(roundTrip([meta.l4proto('tcp'), tcp.dport(22)]), [tcp.dport(22)]);
    assert.deepEqual(roundTrip([meta.l4proto('tcp'), reject('tcp-reset')]), [reject('tcp-reset')]);
    assert.deepEqual(roundTrip([meta.l4proto('tcp'), counter(), tcp.dport(22)]).map((e) => e.kind), ['match', 'counter', 'match']);
  });

  test('unrecognized expressions stay, typed and in order (never dropped)', () => {
    const odd: ExprAttrsSet[] = [
      { name: 'payload', data: { dreg: 1, base: 'transport-header', offset: 2, len: 2 } }, // no l4proto before it
      { name: 'cmp', data: { sreg: 1, op: 'eq', data: { value: Buffer.from([0, 22]) } } },
      { name: 'numgen', data: { dreg: 1, modulus: 2, type: 'incremental' } },
      { name: 'immediate', data: { dreg: 0, data: { verdict: { code: 'accept' } } } },
    ];
    const out = decodeRule(odd, { family: 'ip' });
    assert.deepEqual(out, [{ kind: 'raw', expr: odd[0] }, { kind: 'raw', expr: odd[1] }, { kind: 'raw', expr: odd[2] }, { kind: 'verdict', verdict: 'accept' }]);
  });
});

describe('nftables: hostile input and wrong arguments', () => {
  test('random bytes as a rule message: decoded or NetlinkDecodeError, and what decodes lists without throwing', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (b) => {
      let msg: unknown;
      try {
        msg = fam.decode('getrule', Buffer.concat([Buffer.from([2, 0, 0, 0]), Buffer.from(b)]));
      } catch (e) {
        assert.ok(e instanceof NetlinkDecodeError, String(e));
        return;
      }
      toRule(msg as Parameters<typeof toRule>[0]);
    }), { numRuns: RUNS.cheap });
  });

  test('random expression objects: decodeRule never throws and keeps every expression', () => {
    const exprArb = fc.record({
      name: fc.constantFrom('payload', 'cmp', 'meta', 'ct', 'bitwise', 'lookup', 'immediate', 'nat', 'masq', 'counter', 'log', 'limit', 'range', 'reject', 'x'),
      data: fc.dictionary(fc.constantFrom('dreg', 'sreg', 'base', 'offset', 'len', 'key', 'op', 'data', 'mask', 'xor', 'set', 'flags', 'rate', 'unit', 'type', 'family', 'regAddrMin'),
        fc.oneof(fc.integer({ min: -2, max: 20 }), fc.constantFrom('eq', 'neq', 'gte', 'network-header', 'transport-header', 'iifname', 'state', 'reg-1', '__set0'),
          fc.record({ value: fc.uint8Array({ maxLength: 17 }).map((x) => Buffer.from(x)) }), fc.constant(null), fc.array(fc.constantFrom('invert', 'inv', 'proto-random')))),
    }) as fc.Arbitrary<ExprAttrsSet>;
    fc.assert(fc.property(fc.array(exprArb, { maxLength: 8 }), (exprs) => {
      const out = decodeRule(exprs, { family: 'ip', sets: new Map([['__set0', { keyType: 13, interval: false, elements: [{ key: { value: Buffer.from([1]) } }] }]]) });
      assert.ok(Array.isArray(out));
      // every raw expression in the output is one of the input's, in order
      const raws = out.filter((e) => e.kind === 'raw').map((e) => (e as { expr: ExprAttrsSet }).expr);
      let at = 0;
      for (const r of raws) {
        at = exprs.indexOf(r, at);
        assert.ok(at >= 0);
        at++;
      }
    }), { numRuns: RUNS.cheap });
  });

  test('wrong builder input: NetlinkArgumentError naming the option', () => {
    const bad: [() => unknown, RegExp][] = [
      [() => encodeRule([ip.saddr('10.0.0.300')], { family: 'ip', newSetId: () => 1 }), /expr\[0\]\.value/],
      [() => encodeRule([tcp.dport(70000)], { family: 'ip', newSetId: () => 1 }), /expr\[0\]\.value/],
      [() => encodeRule([meta.oifname('a-name-longer-than-15')], { family: 'ip', newSetId: () => 1 }), /IFNAMSIZ|1\.\.15/],
      [() => encodeRule([{ kind: 'nope' } as unknown as NftExpr], { family: 'ip', newSetId: () => 1 }), /expr\[0\]\.kind/],
      [() => encodeRule('x' as unknown as NftExpr[], { family: 'ip', newSetId: () => 1 }), /array/],
      [() => encodeRule([jump('')], { family: 'ip', newSetId: () => 1 }), /chain/],
      [() => encodeRule([snat({})], { family: 'inet', newSetId: () => 1 }), /family/],
      [() => ct.state(['bogus' as 'new']), /state/],
      [() => buildBatch([{ add: 'table', family: 'ipx', name: 't' } as never], {}), /family/],
      [() => buildBatch([{ add: 'table', delete: 'table' } as never], {}), /exactly one/],
      [() => buildBatch([{ insert: 'table', family: 'ip', name: 't' } as never], {}), /cannot insert a table/],
      [() => buildBatch([{ add: 'chain', family: 'ip', table: 't', name: 'c', hook: 'input', priority: 'nonsense' }], {}), /priority/],
      [() => buildBatch([{ add: 'chain', family: 'ip', table: 't', name: 'c', hook: 'ingressx' as 'input' }], {}), /hook/],
      [() => buildBatch([], { genid: -1 }), /genid/],
    ];
    for (const [fn, re] of bad) assert.throws(fn, (e: Error) => e instanceof NetlinkArgumentError && re.test(e.message), String(fn));
    assert.ok(NftTransactionError);
  });
});
