// rt-route as nlkit describes it (overlays/rt-route.yaml, corrections/rt-route.yaml): golden
// vectors written from the uapi structs (<linux/rtnetlink.h> rtmsg, rtnexthop, rtvia;
// <linux/lwtunnel.h>, <linux/mpls_iptunnel.h>, <linux/seg6_iptunnel.h>, <linux/seg6.h>),
// the records layout's bounds checks, error paths into records, and fast-check round trips.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { attributePath, decodeAttrs, encodeAttrs, reusingDecoder } from '../src/core/codec.js';
import { Definitions } from '../src/core/definitions.js';
import { Writer } from '../src/core/writer.js';
import { NetlinkDecodeError, NetlinkEncodeError } from '../src/core/errors.js';
import { Family } from '../src/ynl/family.js';
import { description as rtRouteDesc } from '../src/ynl/families/rt-route.js';
import { parseSpec } from '../src/ynl/load.js';
import { SpecError } from '../src/ynl/normalize.js';
import { FamilyArbitraries } from './helpers/ynl-arbitraries.js';
import { assertDecodes, assertEncodes, bytes } from './helpers/ynl-golden.js';

const rt = Family.from(rtRouteDesc);

function roundTrip(op: string, value: Record<string, unknown>, body: Buffer): void {
  assertEncodes(rt, op, value, body);
  assertDecodes(rt, op, body, value);
}

// struct rtmsg: AF_INET, dst_len 24, src_len 0, tos 0, RT_TABLE_MAIN, RTPROT_BOOT, RT_SCOPE_UNIVERSE, RTN_UNICAST, flags 0
const RTMSG4 = '02 18 00 00 fe 03 00 01 00000000';
const rtmsg4 = { rtmFamily: 2, rtmDstLen: 24, rtmSrcLen: 0, rtmTos: 0, rtmTable: 254, rtmProtocol: 3, rtmScope: 0, rtmType: 'unicast', rtmFlags: 0 };
const RTMSG6 = '0a 40 00 00 fe 03 00 01 00000000';
const rtmsg6 = { ...rtmsg4, rtmFamily: 10, rtmDstLen: 64 };

describe('rt-route: golden vectors from the uapi structs', () => {
  test('RTA_MULTIPATH: struct rtnexthop records (rtnh_len covers the record and its attributes) with RTA_GATEWAY', () => {
    roundTrip('newroute', {
      ...rtmsg4, dst: '10.4.0.0',
      multipath: [
        { rtnhFlags: [], rtnhHops: 2, rtnhIfindex: 3, gateway: '10.1.0.2' },
        { rtnhFlags: ['onlink'], rtnhHops: 0, rtnhIfindex: 3, gateway: '10.1.0.3' },
      ],
    }, bytes(
      RTMSG4,
      '0800 0100 0a040000', //           RTA_DST (1)
      '2400 0900', //                    RTA_MULTIPATH (9), 36 bytes, not flagged nested (as iproute2 and the kernel write it)
      '1000 00 02 03000000', //            rtnexthop: len 16, flags 0, hops 2 (weight 3), ifindex 3
      '0800 0500 0a010002', //             RTA_GATEWAY (5)
      '1000 04 00 03000000', //            rtnexthop: len 16, RTNH_F_ONLINK (4), hops 0, ifindex 3
      '0800 0500 0a010003', //             RTA_GATEWAY (5)
    ));
  });

  test('RTA_MULTIPATH of IPv6 routes, as the kernel dumps them (16-byte gateways, records of 28 bytes)', () => {
    const body = bytes(
      RTMSG6,
      '1400 0100 20010db8000900000000000000000000',
      '3c00 0900',
      '1c00 00 01 03000000', '1400 0500 20010db8000100000000000000000002',
      '1c00 00 00 04000000', '1400 0500 20010db8000100000000000000000003',
    );
    assertDecodes(rt, 'newroute', body, {
      ...rtmsg6, dst: '2001:db8:9::',
      multipath: [
        { rtnhFlags: [], rtnhHops: 1, rtnhIfindex: 3, gateway: '2001:db8:1::2' },
        { rtnhFlags: [], rtnhHops: 0, rtnhIfindex: 4, gateway: '2001:db8:1::3' },
      ],
    });
  });

  test('a record with an encapsulation: the record\'s own RTA_ENCAP_TYPE picks its RTA_ENCAP format', () => {
    roundTrip('newroute', {
      ...rtmsg4, dst: '10.4.0.0',
      multipath: [{ rtnhFlags: [], rtnhHops: 0, rtnhIfindex: 3, gateway: '10.1.0.2', encapType: 'ip', encap: { dst: '10.9.9.9', ttl: 3 } }],
    }, bytes(
      RTMSG4,
      '0800 0100 0a040000',
      '3000 0900',
      '2c00 00 00 03000000',
      '0800 0500 0a010002',
      '0600 1500 0200 0000', //             RTA_ENCAP_TYPE (21) = LWTUNNEL_ENCAP_IP (2)
      '1400 1680', //                       RTA_ENCAP (22 | NLA_F_NESTED)
      '0800 0200 0a090909', //                LWTUNNEL_IP_DST (2)
      '0500 0400 03 000000', //               LWTUNNEL_IP_TTL (4)
    ));
  });

  test('RTA_VIA: struct rtvia { __kernel_sa_family_t rtvia_family; __u8 rtvia_addr[]; }', () => {
    roundTrip('newroute', {
      ...rtmsg4, dst: '10.5.0.0',
      via: { rtviaFamily: 10, rtviaAddr: [0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2] },
    }, bytes(RTMSG4, '0800 0100 0a050000', '1600 1200 0a00 20010db8000100000000000000000002 0000'));
  });

  test('encap mpls: MPLS_IPTUNNEL_DST label stack entries (be32, bottom of stack on the last), MPLS_IPTUNNEL_TTL', () => {
    roundTrip('newroute', { ...rtmsg4, dst: '10.2.0.0', encapType: 'mpls', encap: { dst: [100 << 12, (200 << 12) | 0x100], ttl: 9 } }, bytes(
      RTMSG4,
      '0800 0100 0a020000',
      '0600 1500 0100 0000', //          RTA_ENCAP_TYPE = LWTUNNEL_ENCAP_MPLS (1)
      '1800 1680', //                    RTA_ENCAP, nested
      '0c00 0100 00064000 000c8100', //    MPLS_IPTUNNEL_DST: 100, 200|BOS
      '0500 0200 09 000000', //            MPLS_IPTUNNEL_TTL (2)
    ));
  });

  test('encap ip: LWTUNNEL_IP_ID is a be64, DST/SRC in_addr, TTL/TOS u8', () => {
    roundTrip('newroute', { ...rtmsg4, dst: '10.3.0.0', encapType: 'ip', encap: { id: 5n, dst: '10.9.9.9', src: '0.0.0.0', ttl: 3, tos: 0 } }, bytes(
      RTMSG4,
      '0800 0100 0a030000',
      '0600 1500 0200 0000',
      '3000 1680',
      '0c00 0100 0000000000000005', //     LWTUNNEL_IP_ID (1)
      '0800 0200 0a090909', //             LWTUNNEL_IP_DST (2)
      '0800 0300 00000000', //             LWTUNNEL_IP_SRC (3)
      '0500 0400 03 000000', //            LWTUNNEL_IP_TTL (4)
      '0500 0500 00 000000', //            LWTUNNEL_IP_TOS (5)
    ));
  });

  test('encap ip6: LWTUNNEL_IP6_DST in6_addr, HOPLIMIT and TC u8', () => {
    roundTrip('newroute', { ...rtmsg6, dst: '2001:db8:6::', encapType: 'ip6', encap: { id: 5n, dst: '2001:db8::9', hoplimit: 3 } }, bytes(
      RTMSG6,
      '1400 0100 20010db8000600000000000000000000',
      '0600 1500 0400 0000', //          LWTUNNEL_ENCAP_IP6 (4)
      '2c00 1680',
      '0c00 0100 0000000000000005',
      '1400 0200 20010db8000000000000000000000009',
      '0500 0400 03 000000', //            LWTUNNEL_IP6_HOPLIMIT (4)
    ));
  });

  test('encap seg6: SEG6_IPTUNNEL_SRH is struct seg6_iptunnel_encap (int mode) + ipv6_sr_hdr + segments, as the kernel dumps it', () => {
    const srh = {
      mode: 'encap', nexthdr: 0, hdrlen: 4, type: 4, segmentsLeft: 1, firstSegment: 1, flags: 0, tag: 0,
      segments: [{ addr: '2001:db8::2' }, { addr: '2001:db8::1' }],
    };
    roundTrip('newroute', { ...rtmsg6, dst: '2001:db8:5::', encapType: 'seg6', encap: { srh } }, bytes(
      RTMSG6,
      '1400 0100 20010db8000500000000000000000000',
      '0600 1500 0500 0000', //          LWTUNNEL_ENCAP_SEG6 (5)
      '3400 1680',
      '3000 0100', //                      SEG6_IPTUNNEL_SRH (1), 48 bytes
      '01000000', //                         mode SEG6_IPTUN_MODE_ENCAP (1)
      '00 04 04 01 01 00 0000', //           nexthdr, hdrlen 4 (2 segments), type 4, segments_left 1, first_segment 1, flags, tag
      '20010db8000000000000000000000002', // segments[0]: the last hop
      '20010db8000000000000000000000001',
    ));
  });

  test('RTA_NEWDST: an array of be32 label stack entries', () => {
    roundTrip('newroute', { ...rtmsg4, rtmFamily: 28, rtmDstLen: 20, newdst: [(300 << 12) | 0x100] }, bytes(
      '1c 14 00 00 fe 03 00 01 00000000', '0800 1300 0012c100',
    ));
  });

  test('a dump request carries the kernel\'s filters: RTA_TABLE and RTA_OIF', () => {
    assertEncodes(rt, 'getroute', { rtmFamily: 2, table: 1000, oif: 3 }, bytes(
      '02 00 00 00 00 00 00 00 00000000', '0800 0f00 e8030000', '0800 0400 03000000',
    ));
  });
});

describe('rt-route: records are bounds-checked', () => {
  const body = (...records: string[]) => bytes(RTMSG4, '0800 0100 0a040000', `${(4 + records.join('').replace(/\s/g, '').length / 2).toString(16).padStart(2, '0')}00 0900`, ...records);

  test('rtnh_len shorter than struct rtnexthop is a NetlinkDecodeError', () => {
    assert.throws(() => rt.decode('newroute', body('0400 00 00 03000000')), (e: Error) =>
      e instanceof NetlinkDecodeError && /record length 4 is shorter than its struct \(8 bytes\)/.test(e.message));
  });

  test('rtnh_len running past RTA_MULTIPATH is a NetlinkDecodeError', () => {
    assert.throws(() => rt.decode('newroute', body('2800 00 00 03000000', '0800 0500 0a010002')), (e: Error) =>
      e instanceof NetlinkDecodeError && /record length 40 runs past its attribute \(16 bytes left\)/.test(e.message));
  });

  test('trailing bytes too short for a record are a NetlinkDecodeError', () => {
    assert.throws(() => rt.decode('newroute', body('1000 00 00 03000000', '0800 0500 0a010002', '0000 0000')), (e: Error) =>
      e instanceof NetlinkDecodeError && /4 trailing byte\(s\) are too short for a struct rtnexthop record/.test(e.message));
  });

  test('a record\'s attributes are checked as any set\'s: an attribute running past the record', () => {
    assert.throws(() => rt.decode('newroute', body('1000 00 00 03000000', '0c00 0500 0a010002')), NetlinkDecodeError);
  });

  test('a record of just its struct (no attributes) decodes', () => {
    assert.deepEqual(rt.decode('newroute', body('0800 00 00 07000000')).multipath, [{ rtnhFlags: [], rtnhHops: 0, rtnhIfindex: 7 }]);
  });

  test('a full RTA_MULTIPATH (64 KiB: 4,000 records of 16 bytes) decodes in one pass', () => {
    const recs = Array.from({ length: 4000 }, (_, i) => ({ rtnhFlags: [], rtnhHops: i & 255, rtnhIfindex: i + 1, gateway: '10.1.0.2' }));
    const buf = rt.encode('newroute', { ...rtmsg4, multipath: recs });
    const t0 = performance.now();
    const out = rt.decode('newroute', buf).multipath as unknown[];
    assert.equal(out.length, 4000);
    assert.ok(performance.now() - t0 < 500);
  });

  test('encoding: the length is computed (given, it is refused at its path), bad values named in their record', () => {
    assert.throws(() => rt.encode('newroute', { ...rtmsg4, multipath: [{ rtnhLen: 16 }] }), (e: Error) =>
      e instanceof NetlinkEncodeError && /\.multipath\[0\]\.rtnhLen/.test(e.message));
    assert.throws(() => rt.encode('newroute', { ...rtmsg4, multipath: [{}, { gateway: 5 }] }), (e: Error) =>
      e instanceof NetlinkEncodeError && /\.multipath\[1\]\.gateway/.test(e.message));
    assert.throws(() => rt.encode('newroute', { ...rtmsg4, multipath: {} }), (e: Error) =>
      e instanceof NetlinkEncodeError && /array of rtnexthop records/.test(e.message));
    // a record over 64 KiB does not fit rtnh_len (u16)
    assert.throws(() => rt.encode('newroute', { ...rtmsg4, multipath: [{ $unknown: [{ type: 99, data: Buffer.alloc(70_000) }] }] }), NetlinkEncodeError);
  });

  test('an extended ack offset inside a record names the record and attribute', () => {
    const buf = rt.encode('newroute', { ...rtmsg4, dst: '10.4.0.0', multipath: [{ rtnhIfindex: 3, gateway: '10.1.0.2' }, { rtnhIfindex: 3, gateway: '10.1.0.3' }] });
    const attrs = 12; // after rtmsg
    // RTA_DST (8) + RTA_MULTIPATH header (4) + record 0 (16) + rtnexthop (8): the second gateway
    const offset = attrs + 8 + 4 + 16 + 8;
    assert.equal(attributePath(rt.op('newroute').attrs, buf, attrs, buf.length, offset), '.multipath[1].gateway');
  });
});

describe('reusingDecoder: one object for every message', () => {
  test('each message reads as a fresh decode would: fields of the previous one are reset', () => {
    const op = rt.op('newroute');
    const dec = reusingDecoder(op.header, op.attrs);
    const a = rt.encode('newroute', { ...rtmsg4, dst: '10.4.0.0', gateway: '10.1.0.2', metrics: { mtu: 1400 }, $unknown: [{ type: 999, nested: false, netByteOrder: false, data: Buffer.from([1]) }] });
    const b = rt.encode('newroute', { ...rtmsg6, dst: '2001:db8::', multipath: [{ rtnhFlags: [], rtnhHops: 0, rtnhIfindex: 2 }] });
    const strip = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
    const first = dec(a, 0, a.length);
    assert.deepEqual(strip(first), rt.decode('newroute', a));
    const second = dec(b, 0, b.length);
    assert.equal(second, first); // the same object, overwritten
    assert.deepEqual(strip(second), rt.decode('newroute', b));
    assert.equal(second.gateway, undefined);
    assert.equal(second.$unknown, undefined);
    assert.throws(() => dec(a, 0, 5), NetlinkDecodeError);
  });
});

describe('rt-route: the records extension in specs', () => {
  const spec = (attr: string) => `
name: t
protocol: netlink-raw
protonum: 0
definitions:
  - { name: rec, type: struct, members: [ { name: len, type: u16 }, { name: id, type: u16 } ] }
attribute-sets:
  - name: a
    attributes:
      - ${attr}
      - { name: x, type: u32 }
operations: { list: [] }
`;

  test('records need a binary with a struct, and a length member that is an unsigned integer', () => {
    assert.throws(() => parseSpec(spec('{ name: r, type: nest, records: { length: len } }')), SpecError);
    assert.throws(() => parseSpec(spec('{ name: r, type: binary, records: { length: len } }')), SpecError);
    const d = parseSpec(spec('{ name: r, type: binary, struct: rec, records: { length: nope, attributes: a } }'));
    assert.throws(() => new Definitions(d).set('a').byName.get('r')!.recordsOf!(), /records' length 'nope' must be a u8, u16 or u32 member of struct rec/);
  });

  test('a spec\'s own records: length u16 at offset 0, attributes of the set after the struct', () => {
    const defs = new Definitions(parseSpec(spec('{ name: r, type: binary, struct: rec, records: { length: len, attributes: a } }')));
    const set = defs.set('a');
    const w = new Writer();
    encodeAttrs(set, { r: [{ id: 7, x: 1 }, { id: 8 }] }, w);
    const buf = w.buf.subarray(0, w.pos);
    assert.equal(buf.toString('hex'), '14000100' + '0c000700' + '08000200' + '01000000' + '04000800');
    assert.deepEqual(decodeAttrs(set, Buffer.from(buf), 0, buf.length), { r: [{ id: 7, x: 1 }, { id: 8 }] });
  });
});

describe('rt-route: fast-check round trips', () => {
  test('routes with multipath records, via and encapsulations decode to what was encoded', () => {
    const arbs = new FamilyArbitraries(rt, { maxDepth: 3, maxKeys: 6, maxItems: 3, unknown: true });
    const op = rt.op('newroute');
    const keyed = fc.record({
      multipath: fc.array(arbs.headed(op.attrs!.byKey.get('multipath')!.recordsOf!().header, op.attrs, 1), { maxLength: 4 }),
    }, { noNullPrototype: true });
    fc.assert(fc.property(arbs.message(op), keyed, (msg, extra) => {
      const value = { ...msg, ...extra };
      const buf = rt.encode('newroute', value);
      assert.deepEqual(rt.decode('newroute', buf), value);
    }), { numRuns: 300 });
  });
});
