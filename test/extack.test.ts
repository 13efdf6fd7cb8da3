// Extended acknowledgements: NLMSG_ERROR / NLMSG_DONE payloads (struct nlmsgerr and the
// NLMSGERR_ATTR_* TLVs of <linux/netlink.h>) and the NetlinkError built from them.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  AttrSet, NetlinkDecodeError, NetlinkEncodeError, NetlinkError, Writer, encodeAttrs, type ExtAck, type FailedRequest, type MessageLayout,
  NLM_F_ACK, NLM_F_ACK_TLVS, NLM_F_CAPPED, NLM_F_REQUEST, NLMSG_ERROR,
  NLMSGERR_ATTR_COOKIE, NLMSGERR_ATTR_MISS_NEST, NLMSGERR_ATTR_MISS_TYPE, NLMSGERR_ATTR_MSG, NLMSGERR_ATTR_OFFS, NLMSGERR_ATTR_POLICY,
  parseDoneMessage, parseErrorMessage, parseExtAck,
} from '../src/core/index.js';
import { makeNetlinkError } from '../src/core/extack.js';
import { setRefs } from './helpers/refs.js';
import { ctrlAttrs, ctrlLayout } from '../src/genl/index.js';
import {
  NLA_F_NESTED, RUNS, buildSet, refEncode, refValue, schemaAndValueArb, tlv,
  type Obj, type SetSchema,
} from './helpers/arbitraries.js';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const u32 = (v: number) => { const b = Buffer.alloc(4); b.writeUInt32LE(v >>> 0); return b; };
const cstr = (s: string) => Buffer.from(`${s}\0`);
const align4 = (n: number) => (n + 3) & ~3;

/** A request message: nlmsghdr, genlmsghdr (cmd 3 GETFAMILY, version 2), then attributes. */
function request(attrs: Buffer, seq = 7): Buffer {
  const b = Buffer.concat([Buffer.alloc(16), hex('03020000'), attrs]);
  b.writeUInt32LE(b.length, 0);
  b.writeUInt16LE(0x10, 4);
  b.writeUInt16LE(NLM_F_REQUEST | NLM_F_ACK, 6);
  b.writeUInt32LE(seq, 8);
  return b;
}

const failed = (bytes: Uint8Array): FailedRequest => ({ type: 0x10, flags: NLM_F_REQUEST | NLM_F_ACK, seq: 7, bytes });

/** An NLMSG_ERROR message answering req: errno, the echoed request (all of it unless capped), TLVs. */
function errorMessage(errno: number, req: Buffer, opts: { capped?: boolean; tlvs?: Buffer[] } = {}): { buf: Buffer; flags: number } {
  const echo = opts.capped ? req.subarray(0, 16) : req;
  const tlvs = opts.tlvs ?? [];
  const body = Buffer.concat([u32(errno), echo, Buffer.alloc(align4(echo.length) - echo.length), ...tlvs]);
  const flags = (opts.capped ? NLM_F_CAPPED : 0) | (tlvs.length ? NLM_F_ACK_TLVS : 0);
  const hdr = Buffer.alloc(16);
  hdr.writeUInt32LE(16 + body.length, 0);
  hdr.writeUInt16LE(NLMSG_ERROR, 4);
  hdr.writeUInt16LE(flags, 6);
  hdr.writeUInt32LE(req.readUInt32LE(8), 8);
  return { buf: Buffer.concat([hdr, body]), flags };
}

const parse = (m: { buf: Buffer; flags: number }) => parseErrorMessage(m.buf, 16, m.buf.length, m.flags);

// ------------------------------------------------------------- captured bytes

// CTRL_CMD_GETFAMILY with a 30-character family name (the policy allows 15), sent to a
// 6.18 kernel with NETLINK_EXT_ACK and NETLINK_CAP_ACK on, and the kernel's answer.
const TOO_LONG_REQUEST = hex(
  `38000000 1000 0500 07000000 00000000
   03020000
   2300 0200 ${'78'.repeat(30)} 00 00`,
);
const TOO_LONG_ERROR = hex(
  `68000000 0200 0003 07000000 4e110000
   eaffffff
   38000000 1000 0500 07000000 00000000
   2700 0100 ${Buffer.from('Attribute failed policy validation').toString('hex')} 00 00
   0800 0200 14000000
   1400 0480 0800 0700 0f000000 0800 0100 0c000000`,
);
// and its positive ACK for a valid request (flags: NLM_F_CAPPED only)
const ACK = hex('24000000 0200 0001 07000000 4e110000 00000000 20000000 1000 0500 07000000 00000000');

describe('extack: captured kernel answers', () => {
  test('the NLMSG_ERROR header', () => {
    assert.equal(TOO_LONG_ERROR.readUInt32LE(0), TOO_LONG_ERROR.length);
    assert.equal(TOO_LONG_ERROR.readUInt16LE(4), NLMSG_ERROR);
    assert.equal(TOO_LONG_ERROR.readUInt16LE(6), NLM_F_CAPPED | NLM_F_ACK_TLVS);
    // the echoed header is the request's
    assert.deepEqual(TOO_LONG_ERROR.subarray(20, 36), TOO_LONG_REQUEST.subarray(0, 16));
  });

  test('parseErrorMessage: errno, message, offset, policy', () => {
    const { errno, ext } = parseErrorMessage(TOO_LONG_ERROR, 16, TOO_LONG_ERROR.length, TOO_LONG_ERROR.readUInt16LE(6));
    assert.equal(errno, -22);
    assert.deepEqual(ext, {
      message: 'Attribute failed policy validation',
      offset: 20,
      // NL_POLICY_TYPE_ATTR_MAX_LENGTH 15, NL_POLICY_TYPE_ATTR_TYPE NLA_NUL_STRING
      policy: hex('0800 0700 0f000000 0800 0100 0c000000'),
    });
  });

  test('makeNetlinkError names the attribute through ctrlLayout', () => {
    const { errno, ext } = parseErrorMessage(TOO_LONG_ERROR, 16, TOO_LONG_ERROR.length, NLM_F_CAPPED | NLM_F_ACK_TLVS);
    const req = failed(TOO_LONG_REQUEST);
    const e = makeNetlinkError(errno, ext, req, ctrlLayout);
    assert.ok(e instanceof NetlinkError && e instanceof Error);
    assert.equal(e.name, 'NetlinkError');
    assert.equal(e.code, 'EINVAL');
    assert.equal(e.errno, -22);
    assert.equal(e.syscall, 'netlink');
    assert.equal(e.extackMessage, 'Attribute failed policy validation');
    assert.equal(e.offset, 20);
    assert.equal(e.attributePath, '.familyName');
    assert.equal(e.message, 'EINVAL: Attribute failed policy validation (attribute .familyName)');
    assert.equal(e.missing, undefined);
    assert.deepEqual(e.policy, hex('0800 0700 0f000000 0800 0100 0c000000'));
    assert.equal(e.request, req);
  });

  test('a positive ACK: errno 0, no TLVs', () => {
    assert.deepEqual(parseErrorMessage(ACK, 16, ACK.length, ACK.readUInt16LE(6)), { errno: 0, ext: {} });
  });
});

// ---------------------------------------------------------------- hand-built

describe('extack: parseErrorMessage / parseDoneMessage', () => {
  const req = request(tlv(2, cstr('nlctrl')));

  test('capped: TLVs right after the echoed header', () => {
    const m = errorMessage(-2, req, {
      capped: true,
      tlvs: [tlv(NLMSGERR_ATTR_MSG, cstr('no such family')), tlv(NLMSGERR_ATTR_OFFS, u32(20)), tlv(NLMSGERR_ATTR_COOKIE, hex('c0ffee'))],
    });
    assert.deepEqual(parse(m), { errno: -2, ext: { message: 'no such family', offset: 20, cookie: hex('c0ffee') } });
  });

  test('not capped: TLVs after the whole echoed request', () => {
    const m = errorMessage(-22, req, { tlvs: [tlv(NLMSGERR_ATTR_OFFS, u32(20)), tlv(NLMSGERR_ATTR_MISS_TYPE, u32(1)), tlv(NLMSGERR_ATTR_MISS_NEST, u32(36))] });
    assert.deepEqual(parse(m), { errno: -22, ext: { offset: 20, missingType: 1, missingNest: 36 } });
  });

  test('not capped, with an echoed request of unaligned length', () => {
    const odd = Buffer.concat([req, hex('0500 0900 01')]);
    odd.writeUInt32LE(odd.length, 0); // 37: the TLVs start at 40
    const m = errorMessage(-95, odd, { tlvs: [tlv(NLMSGERR_ATTR_MSG, cstr('x'))] });
    assert.deepEqual(parse(m), { errno: -95, ext: { message: 'x' } });
  });

  test('TLVs are ignored without NLM_F_ACK_TLVS', () => {
    const m = errorMessage(-22, req, { capped: true, tlvs: [tlv(NLMSGERR_ATTR_MSG, cstr('hidden'))] });
    assert.deepEqual(parseErrorMessage(m.buf, 16, m.buf.length, NLM_F_CAPPED), { errno: -22, ext: {} });
  });

  test('unknown TLVs and too-short numeric TLVs are skipped; the last of a repeated TLV wins', () => {
    const m = errorMessage(-1, req, {
      capped: true,
      tlvs: [tlv(99, hex('01')), tlv(NLMSGERR_ATTR_OFFS, hex('1400')), tlv(NLMSGERR_ATTR_MISS_TYPE, hex('02')), tlv(NLMSGERR_ATTR_MSG, cstr('a')), tlv(NLMSGERR_ATTR_MSG, Buffer.from('b'))],
    });
    assert.deepEqual(parse(m), { errno: -1, ext: { message: 'b' } });
  });

  test('a malformed TLV block keeps the errno', () => {
    const m = errorMessage(-22, req, { capped: true, tlvs: [tlv(NLMSGERR_ATTR_MSG, cstr('ok')), hex('ff00 0200')] });
    assert.deepEqual(parse(m), { errno: -22, ext: {} });
  });

  test('an echoed length running past the message leaves no TLVs', () => {
    const m = errorMessage(-22, req, { tlvs: [tlv(NLMSGERR_ATTR_MSG, cstr('x'))] });
    m.buf.writeUInt32LE(0x1000, 20); // the echoed nlmsg_len
    assert.deepEqual(parse(m), { errno: -22, ext: {} });
  });

  test('a payload shorter than the errno still reports an error: EBADMSG', () => {
    for (let n = 0; n < 4; n++) {
      for (const flags of [0, NLM_F_CAPPED | NLM_F_ACK_TLVS]) {
        const r = parseErrorMessage(Buffer.alloc(n, 0xff), 0, n, flags);
        assert.deepEqual(r, { errno: -74, ext: {} }, `a ${n}-byte NLMSG_ERROR payload is not success`);
      }
    }
  });

  test('parseDoneMessage: errno then TLVs', () => {
    const done = Buffer.concat([u32(-105), tlv(NLMSGERR_ATTR_MSG, cstr('dump failed')), tlv(NLMSGERR_ATTR_OFFS, u32(24))]);
    assert.deepEqual(parseDoneMessage(done, 0, done.length, NLM_F_ACK_TLVS), { errno: -105, ext: { message: 'dump failed', offset: 24 } });
    assert.deepEqual(parseDoneMessage(done, 0, done.length, 0), { errno: -105, ext: {} });
    assert.deepEqual(parseDoneMessage(u32(0), 0, 4, 0), { errno: 0, ext: {} });
    assert.deepEqual(parseDoneMessage(Buffer.alloc(2), 0, 2, NLM_F_ACK_TLVS), { errno: 0, ext: {} });
    const bad = Buffer.concat([u32(-1), hex('0100')]);
    assert.deepEqual(parseDoneMessage(bad, 0, bad.length, NLM_F_ACK_TLVS), { errno: -1, ext: {} });
  });

  test('parseExtAck reads every known TLV', () => {
    const b = Buffer.concat([
      tlv(NLMSGERR_ATTR_MSG, cstr('m')), tlv(NLMSGERR_ATTR_OFFS, u32(0xffffffff)), tlv(NLMSGERR_ATTR_COOKIE, hex('01')),
      tlv(NLMSGERR_ATTR_POLICY | NLA_F_NESTED, tlv(1, u32(3))), tlv(NLMSGERR_ATTR_MISS_TYPE, u32(5)), tlv(NLMSGERR_ATTR_MISS_NEST, u32(44)),
    ]);
    assert.deepEqual(parseExtAck(b, 0, b.length), {
      message: 'm', offset: 0xffffffff, cookie: hex('01'), policy: tlv(1, u32(3)), missingType: 5, missingNest: 44,
    });
  });
});

// --------------------------------------------------------- attribute paths

// A GETFAMILY-shaped request exercising every path form (offsets from the nlmsghdr).
// Indexed-array elements are numbered by position from 0, as decoded arrays and
// NetlinkEncodeError paths number them (the wire index numbers, 1 and 2 here, do not show);
// inside an unknown nested attribute, attributes are named by type number.
//   20  family-name "nlctrl"                        [20, 32)
//   32  ops                                         [32, 76)
//   36    [0] (wire index 1): 40 id 3, 48 flags 14  [36, 56)
//   56    [1] (wire index 2): 60 id 10, 68 flags 12 [56, 76)
//   76  mcast-groups                                [76, 104)
//   80    [0] (wire index 1): 84 id 16, 92 name     [80, 104)
//  104  type 99, nested, unknown: 108 type 3: 112 type 5
//  120  type 77, unknown
//  128  policy (binary, 5 bytes)
const PATH_REQUEST = request(
  Buffer.concat([
    tlv(2, cstr('nlctrl')),
    tlv(6 | NLA_F_NESTED, Buffer.concat([
      tlv(1 | NLA_F_NESTED, Buffer.concat([tlv(1, u32(3)), tlv(2, u32(14))])),
      tlv(2 | NLA_F_NESTED, Buffer.concat([tlv(1, u32(10)), tlv(2, u32(12))])),
    ])),
    tlv(7 | NLA_F_NESTED, tlv(1 | NLA_F_NESTED, Buffer.concat([tlv(2, u32(16)), tlv(1, cstr('notify'))]))),
    tlv(99 | NLA_F_NESTED, tlv(3 | NLA_F_NESTED, tlv(5, u32(1)))),
    tlv(77, u32(0)),
    tlv(8, hex('0102030405')),
  ]),
);

const pathAt = (offset: number, layout: MessageLayout | undefined = ctrlLayout, bytes: Uint8Array = PATH_REQUEST) =>
  makeNetlinkError(-22, { offset }, failed(bytes), layout).attributePath;

describe('extack: attribute paths through ctrlLayout', () => {
  test('the request is laid out as described', () => {
    assert.equal(PATH_REQUEST.length, 140);
    assert.equal(PATH_REQUEST.readUInt16LE(36 + 2), 1 | NLA_F_NESTED);
    assert.equal(PATH_REQUEST.readUInt32LE(72), 12);
    assert.equal(PATH_REQUEST.toString('latin1', 96, 102), 'notify');
    assert.equal(PATH_REQUEST.readUInt16LE(112 + 2), 5);
  });

  const cases: [number, string | undefined][] = [
    [0, '(header)'], [15, '(header)'], [16, '(fixed header)'], [19, '(fixed header)'],
    [20, '.familyName'], [25, '.familyName'],
    [32, '.ops'], [36, '.ops[0]'], [40, '.ops[0].id'], [44, '.ops[0].id'], [48, '.ops[0].flags'],
    [56, '.ops[1]'], [60, '.ops[1].id'], [68, '.ops[1].flags'], [71, '.ops[1].flags'],
    [76, '.mcastGroups'], [80, '.mcastGroups[0]'], [84, '.mcastGroups[0].id'], [92, '.mcastGroups[0].name'],
    [104, '.99'], [108, '.99.3'], [112, '.99.3.5'],
    [120, '.77'], [124, '.77'],
    [128, '.policy'], [136, '.policy'],
    [140, undefined], [0x10000, undefined],
  ];
  for (const [offset, path] of cases) {
    test(`offset ${offset} -> ${String(path)}`, () => {
      assert.equal(pathAt(offset), path);
    });
  }

  test('the path appears in the message', () => {
    const e = makeNetlinkError(-22, { offset: 60, message: 'bad op' }, failed(PATH_REQUEST), ctrlLayout);
    assert.equal(e.message, 'EINVAL: bad op (attribute .ops[1].id)');
    assert.equal(e.offset, 60);
  });

  test('without a layout or request bytes there is an offset but no path', () => {
    const a = makeNetlinkError(-22, { offset: 20 }, failed(PATH_REQUEST), undefined);
    const b = makeNetlinkError(-22, { offset: 20 }, { type: 0x10, flags: 5, seq: 7 }, ctrlLayout);
    const c = makeNetlinkError(-22, { offset: 20 }, undefined, ctrlLayout);
    for (const e of [a, b, c]) {
      assert.equal(e.offset, 20);
      assert.equal(e.attributePath, undefined);
      assert.equal(e.message, 'EINVAL: invalid argument');
    }
  });

  test('a layout without attributes names attributes by number', () => {
    // with no descriptor, a nested attribute's children are named by type, like any other attribute
    assert.equal(pathAt(40, { headerSize: 4 }), '.6.1.1');
    assert.equal(pathAt(36, { headerSize: 4 }), '.6.1');
    assert.equal(pathAt(60, { headerSize: 4 }), '.6.2.1');
    assert.equal(pathAt(20, { headerSize: 4 }), '.2');
  });

  test('ext-ack paths number array elements as NetlinkEncodeError paths do', () => {
    const w = new Writer();
    encodeAttrs(ctrlAttrs, { familyName: 'x', ops: [{ id: 1, flags: 2 }, { id: 3, flags: 4 }] }, w);
    // 20 family-name [20, 28); 28 ops: 32 first op (32 id), 52 second op (56 id, 64 flags)
    const req = request(w.toBuffer());
    assert.equal(req.readUInt32LE(56 + 4), 3);
    const paths = [pathAt(32, ctrlLayout, req), pathAt(56, ctrlLayout, req), pathAt(64, ctrlLayout, req)];
    const encodePath = (obj: unknown) => {
      try {
        encodeAttrs(ctrlAttrs, obj, new Writer());
      } catch (e) {
        assert.ok(e instanceof NetlinkEncodeError);
        return e.path;
      }
      assert.fail('expected NetlinkEncodeError');
    };
    assert.deepEqual(paths, [
      encodePath({ ops: [5] }),
      encodePath({ ops: [{ id: 1 }, { id: '3' }] }),
      encodePath({ ops: [{ id: 1 }, { id: 3, flags: -4 }] }),
    ]);
    assert.deepEqual(paths, ['.ops[0]', '.ops[1].id', '.ops[1].flags']);
  });

  test('the request length field bounds the search', () => {
    const short = Buffer.from(PATH_REQUEST);
    short.writeUInt32LE(32, 0); // only family-name counts
    assert.equal(pathAt(20, ctrlLayout, short), '.familyName');
    assert.equal(pathAt(40, ctrlLayout, short), undefined);
  });
});

describe('extack: missing attributes', () => {
  test('a missing top-level attribute is named', () => {
    const e = makeNetlinkError(-22, { missingType: 2 }, failed(PATH_REQUEST), ctrlLayout);
    assert.deepEqual(e.missing, { type: 2, name: 'familyName', nestOffset: undefined, nestPath: undefined });
    assert.equal(e.message, 'EINVAL: invalid argument (missing attribute familyName)');
  });

  test('an unknown missing type is named by number', () => {
    const e = makeNetlinkError(-22, { missingType: 50 }, failed(PATH_REQUEST), ctrlLayout);
    assert.deepEqual(e.missing, { type: 50, name: undefined, nestOffset: undefined, nestPath: undefined });
    assert.equal(e.message, 'EINVAL: invalid argument (missing attribute 50)');
  });

  test('without a layout the missing type is still reported', () => {
    const e = makeNetlinkError(-22, { missingType: 2, missingNest: 36 }, failed(PATH_REQUEST), undefined);
    assert.deepEqual(e.missing, { type: 2, name: undefined, nestOffset: 36, nestPath: undefined });
  });

  // rtnetlink-shaped: link { ifindex, ifname, info { kind, data } }
  const infoAttrs = new AttrSet('info', [{ name: 'kind', value: 1, type: 'string' }, { name: 'data', value: 2, type: 'binary' }]);
  const linkAttrs = new AttrSet('link', [
    { name: 'ifindex', value: 1, type: 'u32' },
    { name: 'ifname', value: 2, type: 'string' },
    { name: 'info', value: 3, type: 'nest', nestedAttributes: 'infoAttrs' },
  ], setRefs({ infoAttrs: () => infoAttrs }));
  const topAttrs = new AttrSet('top', [{ name: 'link', value: 1, type: 'nest', nestedAttributes: 'linkAttrs' }], setRefs({ linkAttrs: () => linkAttrs }));
  const layout: MessageLayout = { headerSize: 4, attrs: topAttrs };
  // 20 link [ 24 ifindex, 32 info [ 36 kind "vxlan" ] ]
  const nestedReq = request(tlv(1 | NLA_F_NESTED, Buffer.concat([tlv(1, u32(2)), tlv(3 | NLA_F_NESTED, tlv(1, cstr('vxlan')))])));

  test('MISS_NEST names the nest and looks the type up in its set', () => {
    const inLink = makeNetlinkError(-22, { missingType: 2, missingNest: 20 }, failed(nestedReq), layout);
    assert.deepEqual(inLink.missing, { type: 2, name: 'ifname', nestOffset: 20, nestPath: '.link' });
    assert.equal(inLink.message, 'EINVAL: invalid argument (missing attribute ifname in .link)');
    const inInfo = makeNetlinkError(-22, { missingType: 2, missingNest: 32 }, failed(nestedReq), layout);
    assert.deepEqual(inInfo.missing, { type: 2, name: 'data', nestOffset: 32, nestPath: '.link.info' });
    // offset and missing together
    const both = makeNetlinkError(-22, { offset: 36, missingType: 2, missingNest: 32 }, failed(nestedReq), layout);
    assert.equal(both.attributePath, '.link.info.kind');
    assert.equal(both.missing?.name, 'data');
  });

  test('MISS_NEST pointing at a non-nest or at nothing names no set', () => {
    const leaf = makeNetlinkError(-22, { missingType: 2, missingNest: 24 }, failed(nestedReq), layout);
    assert.equal(leaf.missing?.name, undefined);
    assert.equal(leaf.missing?.nestPath, '.link.ifindex');
    const nowhere = makeNetlinkError(-22, { missingType: 2, missingNest: 4000 }, failed(nestedReq), layout);
    assert.equal(nowhere.missing?.name, undefined);
    assert.equal(nowhere.missing?.nestPath, undefined);
  });

  test('MISS_NEST pointing at an indexed-array element uses the element set', () => {
    // the second op (offset 56, wire index 2) lacks CTRL_ATTR_OP_ID
    const e = makeNetlinkError(-22, { missingType: 1, missingNest: 56 }, failed(PATH_REQUEST), ctrlLayout);
    assert.equal(e.missing?.nestPath, '.ops[1]');
    assert.equal(e.missing?.name, 'id');
    assert.equal(e.message, 'EINVAL: invalid argument (missing attribute id in .ops[1])');
  });

  test('malformed request bytes with MISS_NEST still give a NetlinkError', () => {
    // the attribute area of the (user-supplied) request is garbage: a 2-byte "attribute"
    const bytes = request(hex('0200 ffff 0000 0000'));
    const e = makeNetlinkError(-22, { missingType: 1, missingNest: 20 }, failed(bytes), ctrlLayout);
    assert.ok(e instanceof NetlinkError);
    assert.equal(e.missing?.type, 1);
  });
});

describe('extack: NetlinkError', () => {
  test('errno sign and names', () => {
    assert.equal(new NetlinkError(2).errno, -2);
    assert.equal(new NetlinkError(-2).code, 'ENOENT');
    assert.equal(new NetlinkError(-17).message, 'EEXIST: file already exists');
    const unknown = new NetlinkError(-4000);
    assert.equal(unknown.code, 'E4000');
    assert.equal(unknown.message, 'E4000: unknown error 4000');
  });

  test('cookie and policy are carried', () => {
    const e = makeNetlinkError(-1, { cookie: hex('aa'), policy: hex('bb') }, undefined, undefined);
    assert.deepEqual([e.cookie, e.policy], [hex('aa'), hex('bb')]);
    assert.equal(e.code, 'EPERM');
  });
});

// ------------------------------------------------------------------ properties

function isDecodeErrorIn(e: unknown, lo: number, hi: number): boolean {
  return e instanceof NetlinkDecodeError && Number.isInteger(e.offset) && e.offset >= lo && e.offset <= hi;
}

const extArb: fc.Arbitrary<ExtAck> = fc.record(
  {
    offset: fc.oneof(fc.nat(200), fc.nat(0xffffffff)),
    missingType: fc.oneof(fc.nat(12), fc.nat(0xffffffff)),
    missingNest: fc.oneof(fc.nat(200), fc.nat(0xffffffff)),
    message: fc.string({ maxLength: 8 }),
  },
  { requiredKeys: [], noNullPrototype: true },
);

describe('extack: properties', () => {
  test('parseExtAck on random bytes: an ExtAck or a NetlinkDecodeError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 96 }), (u) => {
        const b = Buffer.from(u);
        try {
          const ext = parseExtAck(b, 0, b.length);
          if (ext.offset !== undefined) assert.ok(Number.isInteger(ext.offset) && ext.offset >= 0);
        } catch (e) {
          assert.ok(isDecodeErrorIn(e, 0, b.length), String(e));
        }
      }),
      { numRuns: RUNS.cheap },
    );
  });

  test('parseExtAck on valid TLVs cut at every length', () => {
    const full = Buffer.concat([tlv(NLMSGERR_ATTR_MSG, cstr('some text')), tlv(NLMSGERR_ATTR_OFFS, u32(44)), tlv(NLMSGERR_ATTR_POLICY | NLA_F_NESTED, tlv(1, u32(3))), tlv(NLMSGERR_ATTR_MISS_TYPE, u32(2))]);
    for (let n = 0; n <= full.length; n++) {
      try {
        parseExtAck(full, 0, n);
      } catch (e) {
        assert.ok(isDecodeErrorIn(e, 0, n), String(e));
      }
    }
  });

  test('parseErrorMessage / parseDoneMessage never throw, whatever the bytes and flags', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), fc.integer({ min: 0, max: 0xffff }), fc.nat(), (u, flags, s) => {
        const b = Buffer.from(u);
        const start = s % (b.length + 1);
        const r = parseErrorMessage(b, start, b.length, flags);
        const d = parseDoneMessage(b, start, b.length, flags);
        if (b.length - start >= 4) {
          assert.equal(r.errno, b.readInt32LE(start));
          assert.equal(d.errno, b.readInt32LE(start));
        } else {
          assert.equal(r.errno, -74); // EBADMSG: too short to say which error
        }
      }),
      { numRuns: RUNS.cheap },
    );
  });

  test('parseErrorMessage with hostile echoed lengths (capped and not)', () => {
    fc.assert(
      fc.property(fc.nat(0xffffffff), fc.boolean(), fc.uint8Array({ maxLength: 40 }), (echoLen, capped, tail) => {
        const m = errorMessage(-22, request(tlv(2, cstr('x'))), { capped, tlvs: [Buffer.from(tail)] });
        m.buf.writeUInt32LE(echoLen, 20);
        const r = parseErrorMessage(m.buf, 16, m.buf.length, m.flags | NLM_F_ACK_TLVS);
        assert.equal(r.errno, -22);
      }),
      { numRuns: RUNS.cheap },
    );
  });

  test('makeNetlinkError never throws for any ext-ack about a well-formed request', () => {
    fc.assert(
      fc.property(extArb, fc.integer({ min: -200, max: 200 }), (ext, errno) => {
        const e = makeNetlinkError(errno, ext, failed(PATH_REQUEST), ctrlLayout);
        assert.ok(e instanceof NetlinkError);
        assert.equal(e.errno, -Math.abs(errno));
      }),
      { numRuns: RUNS.cheap },
    );
  });

  test('makeNetlinkError never throws for any ext-ack about a malformed request', () => {
    fc.assert(
      fc.property(extArb, fc.uint8Array({ maxLength: 48 }), (ext, attrs) => {
        const e = makeNetlinkError(-22, ext, failed(request(Buffer.from(attrs))), ctrlLayout);
        assert.ok(e instanceof NetlinkError);
      }),
      { numRuns: RUNS.cheap },
    );
  });

  /** [offset in the attribute area, expected path] of every attribute header the reference encoder writes. */
  function marks(s: SetSchema, obj: Obj, base: number, prefix: string, out: [number, string][] = []): [number, string][] {
    let off = base;
    for (const key of Object.keys(obj)) {
      const f = s.fields.find((x) => x.key === key)!;
      const items = f.multi ? (obj[key] as unknown[]) : [obj[key]];
      for (const [n, item] of items.entries()) {
        // repeated attributes are numbered among their namesakes, as encode errors number them
        const path = `${prefix}.${f.key}${f.multi ? `[${n}]` : ''}`;
        const bytes = refValue(f, f.kind, f.type, item);
        out.push([off, path]);
        if (bytes.readUInt16LE(0) > 4 && f.kind !== 'nest' && f.kind !== 'indexed-array') out.push([off + 4, path]);
        if (f.kind === 'nest') marks(f.set!, item as Obj, off + 4, path, out);
        if (f.kind === 'indexed-array') {
          let o = off + 4;
          (item as unknown[]).forEach((el, i) => {
            const ip = `${path}[${i}]`; // by position from 0, whatever the wire index
            out.push([o, ip]);
            if (f.subKind === 'nest') marks(f.set!, el as Obj, o + 4, ip, out);
            o += refValue(f, f.subKind!, i + 1, el).length;
          });
        }
        off += bytes.length;
      }
    }
    return out;
  }

  test('every attribute of a random request is named by its offset', () => {
    fc.assert(
      fc.property(schemaAndValueArb(), ({ schema, value }) => {
        const req = request(refEncode(schema, value));
        const layout: MessageLayout = { headerSize: 4, attrs: buildSet(schema) };
        for (const [off, path] of marks(schema, value, 20, '')) {
          assert.equal(pathAt(off, layout, req), path, `offset ${off}`);
        }
      }),
      { numRuns: RUNS.normal },
    );
  });
});
