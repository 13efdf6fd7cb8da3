// The descriptor-driven codec (decodeAttrs / encodeAttrs) and the hand-written nlctrl
// decoder, against golden bytes, a reference encoder, and malformed input.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import fc from 'fast-check';
import {
  AttrIterator, AttrSet, NetlinkDecodeError, NetlinkEncodeError, Writer,
  decodeAttrs, encodeAttrs, type Decoded, type RawMessage, type UnknownAttr,
} from '../src/core/index.js';
import { MAX_NEST_DEPTH } from '../src/core/codec.js';
import { ctrlAttrs, decodeFamily } from '../src/genl/index.js';
import {
  NLA_F_NESTED, NLA_F_NET_BYTEORDER, RUNS, WRONG,
  attrStringArb, buildSet, deepClone, expectedDecode, nest, refEncode, schemaAndValueArb, setSchemaArb, slots, tlv,
} from './helpers/arbitraries.js';
import { hex, NLCTRL_NEWFAMILY } from './helpers/golden.js';
import { setRefs } from './helpers/refs.js';


function encode(set: AttrSet, obj: unknown, path?: string): Buffer {
  const w = new Writer(64);
  w.buf.fill(0xa5); // padding must be written, not inherited
  encodeAttrs(set, obj, w, path);
  return w.toBuffer();
}

const decode = (set: AttrSet, buf: Buffer): Decoded => decodeAttrs(set, buf, 0, buf.length);

function encodeError(set: AttrSet, obj: unknown, path?: string): NetlinkEncodeError {
  try {
    encode(set, obj, path);
  } catch (e) {
    assert.ok(e instanceof NetlinkEncodeError, `expected NetlinkEncodeError, got ${String(e)}`);
    assert.ok(e instanceof TypeError);
    assert.equal(e.code, 'ERR_NETLINK_ENCODE');
    return e;
  }
  assert.fail(`expected NetlinkEncodeError for ${String(obj)}`);
}

/** Runs fn; it must return, or throw NetlinkDecodeError with an offset inside [lo, hi]. */
function decodesOrRefuses(fn: () => unknown, lo: number, hi: number): void {
  try {
    fn();
  } catch (e) {
    if (!(e instanceof NetlinkDecodeError)) throw new assert.AssertionError({ message: `expected NetlinkDecodeError, got ${String(e)}` });
    assert.ok(Number.isInteger(e.offset), 'offset is an integer');
    assert.ok(e.offset >= lo && e.offset <= hi, `offset ${e.offset} outside [${lo}, ${hi}]`);
  }
}

// A set with one attribute of every kind (types 1..), the golden-vector subject.
const inner = new AttrSet('inner', [
  { name: 'a', value: 1, type: 'u32' },
  { name: 'b', value: 2, type: 'string' },
]);
const allKinds = new AttrSet('all-kinds', [
  { name: 'u8', value: 1, type: 'u8' },
  { name: 'u16', value: 2, type: 'u16' },
  { name: 'u32', value: 3, type: 'u32' },
  { name: 'u64', value: 4, type: 'u64' },
  { name: 's8', value: 5, type: 's8' },
  { name: 's16', value: 6, type: 's16' },
  { name: 's32', value: 7, type: 's32' },
  { name: 's64', value: 8, type: 's64' },
  { name: 'uint', value: 9, type: 'uint' },
  { name: 'sint', value: 10, type: 'sint' },
  { name: 'flag', value: 11, type: 'flag' },
  { name: 'str', value: 12, type: 'string' },
  { name: 'bin', value: 13, type: 'binary' },
  { name: 'be-u16', value: 14, type: 'u16', byteOrder: 'big-endian' },
  { name: 'be-u32', value: 15, type: 'u32', byteOrder: 'big-endian', display: 'ipv4' },
  { name: 'be-u64', value: 16, type: 'u64', byteOrder: 'big-endian' },
  { name: 'be-s16', value: 17, type: 's16', byteOrder: 'big-endian' },
  { name: 'be-s32', value: 18, type: 's32', byteOrder: 'big-endian' },
  { name: 'be-u8', value: 19, type: 'u8', byteOrder: 'big-endian' },
  { name: 'nest', value: 20, type: 'nest', nestedAttributes: 'inner' },
  { name: 'nests', value: 21, type: 'indexed-array', subType: 'nest', nestedAttributes: 'inner' },
  { name: 'ports', value: 22, type: 'indexed-array', subType: 'u16' },
  { name: 'names', value: 23, type: 'string', multiAttr: true },
  { name: 'labels', value: 24, type: 'indexed-array', subType: 'string' },
  { name: 'be-uint', value: 25, type: 'uint', byteOrder: 'big-endian' },
  { name: 'pad', value: 26, type: 'pad' },
  { name: 'unused', value: 27, type: 'unused' },
], setRefs({ inner: () => inner }));

/** [value, wire bytes, decoded value (when not the same)] per key */
const GOLDEN: [key: string, value: unknown, wire: string, decoded?: unknown][] = [
  ['u8', 0xab, '0500 0100 ab 000000'],
  ['u16', 0x1234, '0600 0200 3412 0000'],
  ['u32', 0xdeadbeef, '0800 0300 efbeadde'],
  ['u64', 0x0102030405060708n, '0c00 0400 0807060504030201'],
  ['s8', -2, '0500 0500 fe 000000'],
  ['s16', -2, '0600 0600 feff 0000'],
  ['s32', -2, '0800 0700 feffffff'],
  ['s64', -2n, '0c00 0800 feffffffffffffff'],
  // uint/sint are variable-width, as nla_put_uint/nla_put_sint write them: 4 bytes when the
  // value fits in u32 (sint: s32), else 8
  ['uint', 7, '0800 0900 07000000'],
  ['uint', 0, '0800 0900 00000000'],
  ['uint', 0xffffffff, '0800 0900 ffffffff'],
  ['uint', 0x100000000, '0c00 0900 0000000001000000'],
  ['uint', 7n, '0800 0900 07000000', 7],
  ['uint', 2n ** 64n - 1n, '0c00 0900 ffffffffffffffff'],
  ['sint', -7, '0800 0a00 f9ffffff'],
  ['sint', 0x7fffffff, '0800 0a00 ffffff7f'],
  ['sint', -0x80000000, '0800 0a00 00000080'],
  ['sint', 0x80000000, '0c00 0a00 0000008000000000'],
  ['sint', -0x80000001, '0c00 0a00 ffffff7fffffffff'],
  ['sint', -7n, '0800 0a00 f9ffffff', -7],
  ['sint', -(2n ** 63n), '0c00 0a00 0000000000000080'],
  ['flag', true, '0400 0b00'],
  ['str', 'hi', '0700 0c00 686900 00'],
  ['bin', Buffer.of(1, 2, 3, 4, 5), '0900 0d00 0102030405 000000'],
  ['beU16', 0x1234, '0600 0e00 1234 0000'],
  ['beU32', 0x0a000001, '0800 0f00 0a000001', '10.0.0.1'],
  ['beU64', 1n, '0c00 1000 0000000000000001'],
  ['beS16', -2, '0600 1100 fffe 0000'],
  ['beS32', -2, '0800 1200 fffffffe'],
  ['beU8', 0x7f, '0500 1300 7f 000000'],
  ['nest', { a: 1, b: 'x' }, '1400 1480 0800 0100 01000000 0600 0200 7800 0000'],
  ['nest', {}, '0400 1480'],
  ['nests', [{ a: 1 }, { a: 2 }], '1c00 1580 0c00 0180 0800 0100 01000000 0c00 0280 0800 0100 02000000'],
  ['nests', [], '0400 1580'],
  ['ports', [1, 0x0203], '1400 1680 0600 0100 0100 0000 0600 0200 0302 0000'],
  ['names', ['a', 'bc'], '0600 1700 6100 0000 0700 1700 626300 00'],
  ['labels', ['x', ''], '1400 1880 0600 0100 7800 0000 0500 0200 00 000000'],
  ['beUint', 0x0102030405n, '0c00 1900 0000000102030405', 0x0102030405],
  ['beUint', 0x01020304, '0800 1900 01020304'],
];

describe('codec: golden encodings', () => {
  for (const [key, value, wire] of GOLDEN) {
    test(`encode ${key} = ${inspect(value, { breakLength: Infinity })}`, () => {
      assert.deepEqual(encode(allKinds, { [key]: value }).toString('hex'), hex(wire).toString('hex'));
    });
  }

  test('attributes are written in key order', () => {
    const got = encode(allKinds, { s8: -1, u8: 1 });
    assert.deepEqual(got, hex('0500 0500 ff000000 0500 0100 01000000'));
  });

  test('undefined values are skipped', () => {
    assert.deepEqual(encode(allKinds, { u8: undefined, u16: 1 }), hex('0600 0200 0100 0000'));
  });

  test('the path argument prefixes error paths', () => {
    assert.equal(encodeError(allKinds, { u8: 300 }, '.linkinfo').path, '.linkinfo.u8');
  });

  test('nlctrl family description: the kernel reply re-encoded, with NLA_F_NESTED on the nests', () => {
    const value = {
      familyName: 'nlctrl', familyId: 0x10, version: 2, hdrsize: 0, maxattr: 0,
      ops: [{ id: 3, flags: 0x0e }, { id: 10, flags: 0x0c }],
      mcastGroups: [{ id: 0x10, name: 'notify' }],
    };
    assert.deepEqual(
      encode(ctrlAttrs, value).toString('hex'),
      hex(
        `0b000200 6e6c6374726c00 00
         06000100 1000 0000
         08000300 02000000
         08000400 00000000
         08000500 00000000
         2c000680 14000180 08000100 03000000 08000200 0e000000
                  14000280 08000100 0a000000 08000200 0c000000
         1c000780 18000180 08000200 10000000 0b000100 6e6f74696679 00 00`,
      ).toString('hex'),
    );
  });
});

// --------------------------------------------------------------- golden decode

/** A CTRL_CMD_NEWFAMILY reply for nlctrl captured from a 6.18 kernel (nlmsghdr included). */
const NEWFAMILY = NLCTRL_NEWFAMILY;

function rawMessage(buf: Buffer, start = 16, end = buf.length): RawMessage {
  return { type: buf.readUInt16LE(4), flags: buf.readUInt16LE(6), seq: buf.readUInt32LE(8), portId: buf.readUInt32LE(12), sender: 0, group: 0, nsid: -1, buf, start, end };
}

describe('codec: golden decodes', () => {
  test('the captured NEWFAMILY header', () => {
    assert.equal(NEWFAMILY.readUInt32LE(0), NEWFAMILY.length);
    assert.equal(NEWFAMILY.readUInt16LE(4), 0x10); // GENL_ID_CTRL
    assert.equal(NEWFAMILY[16], 1); // CTRL_CMD_NEWFAMILY
    assert.equal(NEWFAMILY[17], 2); // version
  });

  test('decodeAttrs with ctrlAttrs', () => {
    assert.deepEqual(decodeAttrs(ctrlAttrs, NEWFAMILY, 20, NEWFAMILY.length), {
      familyName: 'nlctrl', familyId: 0x10, version: 2, hdrsize: 0, maxattr: 0,
      ops: [{ id: 3, flags: 0x0e }, { id: 10, flags: 0x0c }],
      mcastGroups: [{ id: 0x10, name: 'notify' }],
    });
  });

  test('decodeFamily of a message shorter than the genl header is a NetlinkDecodeError', () => {
    for (let n = 0; n < 4; n++) {
      const m = rawMessage(NEWFAMILY, 16, 16 + n);
      assert.throws(() => decodeFamily(m), (e: unknown) => {
        assert.ok(e instanceof NetlinkDecodeError, String(e));
        assert.match(e.message, /shorter than its 4-byte header/);
        assert.equal(e.offset, 16);
        return true;
      }, `${n} bytes`);
    }
    // exactly the header: a family with no attributes
    assert.equal(decodeFamily(rawMessage(NEWFAMILY, 16, 20)).name, '');
  });

  test('decodeFamily', () => {
    assert.deepEqual(decodeFamily(rawMessage(NEWFAMILY)), {
      id: 0x10, name: 'nlctrl', version: 2, hdrsize: 0, maxattr: 0,
      ops: [{ id: 3, flags: 0x0e }, { id: 10, flags: 0x0c }],
      mcastGroups: [{ name: 'notify', id: 0x10 }],
    });
  });

  test('every golden encoding decodes back', () => {
    for (const [key, value, wire, decoded] of GOLDEN) {
      const wide = ['u64', 's64', 'beU64', 'uint', 'sint', 'beUint'].includes(key);
      const want = wide ? BigInt((decoded ?? value) as bigint) : decoded !== undefined ? decoded : value;
      assert.deepEqual(decode(allKinds, hex(wire)), { [key]: want }, key);
    }
  });

  test('u64/s64/uint/sint decode as bigint', () => {
    const b = Buffer.concat([
      tlv(4, hex('0100000000000000')),
      tlv(9, hex('ffffffff')), // 4-byte uint
      tlv(10, hex('feffffff')), // 4-byte sint
    ]);
    assert.deepEqual(decode(allKinds, b), { u64: 1n, uint: 0xffffffffn, sint: -2n });
    const edge = (kind: string, bytes: string) => decode(allKinds, tlv(kind === 'uint' ? 9 : 10, hex(bytes)))[kind];
    assert.equal(edge('uint', 'ffffffffffff1f00'), 2n ** 53n - 1n);
    assert.equal(edge('uint', '0000000000002000'), 2n ** 53n);
    assert.equal(edge('uint', 'ffffffffffffffff'), 2n ** 64n - 1n);
    assert.equal(edge('sint', '010000000000e0ff'), -(2n ** 53n) + 1n);
    assert.equal(edge('sint', '000000000000e0ff'), -(2n ** 53n));
    assert.equal(edge('sint', '0000000000000080'), -(2n ** 63n));
    // 8 bytes are accepted for values that would fit in 4 (nla_get_uint takes either)
    assert.equal(edge('uint', '0700000000000000'), 7n);
    assert.equal(edge('sint', 'f9ffffffffffffff'), -7n);
  });

  test('NLA_F_NET_BYTEORDER makes any scalar big-endian', () => {
    const b = Buffer.concat([tlv(NLA_F_NET_BYTEORDER | 2, hex('1234')), tlv(NLA_F_NET_BYTEORDER | 8, hex('fffffffffffffffe'))]);
    assert.deepEqual(decode(allKinds, b), { u16: 0x1234, s64: -2n });
  });

  test('a nest decodes with or without NLA_F_NESTED', () => {
    const a = tlv(20, tlv(1, hex('05000000')));
    const b = tlv(20 | NLA_F_NESTED, tlv(1, hex('05000000')));
    assert.deepEqual(decode(allKinds, a), { nest: { a: 5 } });
    assert.deepEqual(decode(allKinds, b), { nest: { a: 5 } });
  });

  test('indexed arrays keep wire order and ignore the index numbers', () => {
    const b = tlv(22, Buffer.concat([tlv(7, hex('0900')), tlv(1, hex('0800')), tlv(7, hex('0700'))]));
    assert.deepEqual(decode(allKinds, b), { ports: [9, 8, 7] });
  });

  test('strings: unterminated, embedded NUL, empty payload', () => {
    const b = Buffer.concat([tlv(12, Buffer.from('abc'))]);
    assert.deepEqual(decode(allKinds, b), { str: 'abc' });
    assert.deepEqual(decode(allKinds, tlv(12, Buffer.from('ab\0cd\0'))), { str: 'ab' });
    assert.deepEqual(decode(allKinds, tlv(12)), { str: '' });
  });

  test('a flag is true whatever its payload; binary is a copy', () => {
    const b = Buffer.concat([tlv(11, hex('01')), tlv(13, hex('aabb'))]);
    const d = decode(allKinds, b);
    assert.equal(d.flag, true);
    assert.deepEqual(d.bin, hex('aabb'));
    b.fill(0);
    assert.deepEqual(d.bin, hex('aabb'));
  });

  test('a repeated single attribute keeps the last; multi collects all', () => {
    const b = Buffer.concat([tlv(1, hex('01')), tlv(23, Buffer.from('x\0')), tlv(1, hex('02')), tlv(23, Buffer.from('y\0'))]);
    assert.deepEqual(decode(allKinds, b), { u8: 2, names: ['x', 'y'] });
  });

  test('pad and unused attributes are dropped', () => {
    assert.deepEqual(decode(allKinds, Buffer.concat([tlv(26, hex('00000000')), tlv(27), tlv(1, hex('01'))])), { u8: 1 });
  });

  test('unknown attributes go to $unknown with their nested and byte-order flags', () => {
    const b = Buffer.concat([
      tlv(99, hex('010203')), tlv(1, hex('01')), tlv(NLA_F_NESTED | 0x3fff, tlv(1)),
      tlv(NLA_F_NET_BYTEORDER | 98, hex('0a000001')), tlv(NLA_F_NESTED | NLA_F_NET_BYTEORDER | 97),
    ]);
    assert.deepEqual(decode(allKinds, b), {
      $unknown: [
        { type: 99, nested: false, netByteOrder: false, data: hex('010203') },
        { type: 0x3fff, nested: true, netByteOrder: false, data: tlv(1) },
        { type: 98, nested: false, netByteOrder: true, data: hex('0a000001') },
        { type: 97, nested: true, netByteOrder: true, data: Buffer.alloc(0) },
      ],
      u8: 1,
    });
  });

  test('too-short scalars and odd-sized uint/sint are NetlinkDecodeErrors at the attribute data', () => {
    const cases: [number, string][] = [[1, ''], [2, '01'], [3, '010203'], [4, '01020304050607'], [5, ''], [6, '01'], [7, '010203'], [8, '01'], [9, '010203'], [9, '0102030405'], [10, '01020304050607080900']];
    for (const [type, data] of cases) {
      const b = Buffer.concat([tlv(11), tlv(type, hex(data))]);
      assert.throws(() => decode(allKinds, b), (e: unknown) => e instanceof NetlinkDecodeError && e.offset === 8, `type ${type} data ${data}`);
    }
  });
});

// ------------------------------------------------------------------ round trips

describe('codec: round trips (property)', () => {
  test('decodeAttrs(reference encoding of x) deep-equals x', () => {
    fc.assert(
      fc.property(schemaAndValueArb(), ({ schema, value }) => {
        const wire = refEncode(schema, value);
        assert.deepEqual(decode(buildSet(schema), wire), expectedDecode(schema, value));
      }),
      { numRuns: RUNS.normal },
    );
  });

  test('encodeAttrs(x) is byte-for-byte the reference encoding', () => {
    fc.assert(
      fc.property(schemaAndValueArb(), ({ schema, value }) => {
        assert.deepEqual(encode(buildSet(schema), value).toString('hex'), refEncode(schema, value).toString('hex'));
      }),
      { numRuns: RUNS.normal },
    );
  });

  test('decodeAttrs(encodeAttrs(x)) deep-equals x', () => {
    fc.assert(
      fc.property(schemaAndValueArb(), ({ schema, value }) => {
        const set = buildSet(schema);
        assert.deepEqual(decode(set, encode(set, value)), expectedDecode(schema, value));
      }),
      { numRuns: RUNS.normal },
    );
  });

  const unknownsArb = (taken: Set<number>) =>
    fc.array(
      fc.record({
        type: fc.integer({ min: 0, max: 0x3fff }).filter((t) => !taken.has(t)),
        nested: fc.boolean(),
        netByteOrder: fc.boolean(),
        data: fc.uint8Array({ maxLength: 13 }).map((u) => Buffer.from(u)),
      }, { noNullPrototype: true }),
      { minLength: 1, maxLength: 4 },
    );
  /** An unknown attribute as it sits on the wire, both header flags included. */
  const unknownTlv = (u: UnknownAttr) => tlv(u.type | (u.nested ? NLA_F_NESTED : 0) | (u.netByteOrder ? NLA_F_NET_BYTEORDER : 0), u.data);

  test('unknown attributes survive decode -> encode byte for byte', () => {
    fc.assert(
      fc.property(
        schemaAndValueArb(1).chain(({ schema, value }) => unknownsArb(new Set(schema.fields.map((f) => f.type))).map((unknown) => ({ schema, value, unknown }))),
        ({ schema, value, unknown }) => {
          const set = buildSet(schema);
          const wire = Buffer.concat([refEncode(schema, value), ...unknown.map(unknownTlv)]);
          const d = decode(set, wire);
          assert.deepEqual(d.$unknown, unknown);
          assert.deepEqual(encode(set, d).toString('hex'), wire.toString('hex'));
        },
      ),
      { numRuns: RUNS.normal },
    );
  });

  test('unknown-only input (no known attribute) re-encodes unchanged', () => {
    fc.assert(
      fc.property(unknownsArb(new Set(allKinds.byType.flatMap((d) => (d ? [d.value] : [])))), (unknown) => {
        const wire = Buffer.concat(unknown.map(unknownTlv));
        assert.deepEqual(encode(allKinds, decode(allKinds, wire)), wire);
      }),
      { numRuns: RUNS.cheap },
    );
  });

  test('an unknown attribute keeps NLA_F_NET_BYTEORDER through decode -> encode', () => {
    const wire = tlv(NLA_F_NET_BYTEORDER | 99, hex('0a000001'));
    const d = decode(allKinds, wire);
    assert.deepEqual(d.$unknown, [{ type: 99, nested: false, netByteOrder: true, data: hex('0a000001') }]);
    assert.deepEqual(encode(allKinds, d).toString('hex'), wire.toString('hex'));
    const both = tlv(NLA_F_NESTED | NLA_F_NET_BYTEORDER | 98, tlv(1));
    assert.deepEqual(encode(allKinds, decode(allKinds, both)).toString('hex'), both.toString('hex'));
  });

  test('decode -> encode -> decode is stable with known and unknown attributes interleaved', () => {
    fc.assert(
      fc.property(
        schemaAndValueArb(1).chain(({ schema, value }) =>
          fc.tuple(unknownsArb(new Set(schema.fields.map((f) => f.type))), fc.nat()).map(([unknown, seed]) => ({ schema, value, unknown, seed })),
        ),
        ({ schema, value, unknown, seed }) => {
          const set = buildSet(schema);
          const pieces: Buffer[] = [];
          const known = refEncode(schema, value);
          const it = new AttrIterator(known, 0, known.length);
          while (it.next()) pieces.push(Buffer.from(known.subarray(it.start, it.start + ((it.dataEnd - it.start + 3) & ~3))));
          unknown.forEach((u, i) => pieces.splice((seed + i * 7) % (pieces.length + 1), 0, unknownTlv(u)));
          const first = decode(set, Buffer.concat(pieces));
          assert.deepEqual(decode(set, encode(set, first)), first);
        },
      ),
      { numRuns: RUNS.normal },
    );
  });
});

// ------------------------------------------------------------- malformed input

describe('codec: malformed input (property)', () => {
  test('random bytes against random descriptors', () => {
    fc.assert(
      fc.property(setSchemaArb(2, 8), fc.uint8Array({ maxLength: 128 }), (schema, bytes) => {
        const buf = Buffer.from(bytes);
        decodesOrRefuses(() => decode(buildSet(schema), buf), 0, buf.length);
      }),
      { numRuns: RUNS.cheap },
    );
  });

  test('random bytes against ctrlAttrs and decodeFamily', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 160 }), (bytes) => {
        const buf = Buffer.from(bytes);
        decodesOrRefuses(() => decode(ctrlAttrs, buf), 0, buf.length);
        // a payload shorter than genlmsghdr is refused at where the attributes would start
        decodesOrRefuses(() => decodeFamily({ ...rawMessage(Buffer.alloc(16)), buf, start: 0, end: buf.length }), 0, Math.max(buf.length, 4));
      }),
      { numRuns: RUNS.cheap },
    );
  });

  test('the captured NEWFAMILY reply cut at every length', () => {
    for (let end = 16; end <= NEWFAMILY.length; end++) {
      decodesOrRefuses(() => decodeAttrs(ctrlAttrs, NEWFAMILY, 20, Math.max(20, end)), 20, end);
      decodesOrRefuses(() => decodeFamily(rawMessage(NEWFAMILY, 16, end)), 16, Math.max(end, 20));
      const copy = Buffer.from(NEWFAMILY.subarray(0, end)); // and with nothing past the cut
      decodesOrRefuses(() => decodeFamily(rawMessage(copy, 16, end)), 16, Math.max(end, 20));
    }
  });

  test('the captured NEWFAMILY reply with any byte changed', () => {
    fc.assert(
      fc.property(fc.integer({ min: 20, max: NEWFAMILY.length - 1 }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 }), (at, v1, v2) => {
        const buf = Buffer.from(NEWFAMILY);
        buf[at] = v1;
        if (at + 1 < buf.length) buf[at + 1] = v2;
        decodesOrRefuses(() => decodeAttrs(ctrlAttrs, buf, 20, buf.length), 20, buf.length);
        decodesOrRefuses(() => decodeFamily(rawMessage(buf)), 16, buf.length);
      }),
      { numRuns: RUNS.cheap },
    );
  });

  test('valid encodings truncated at every length', () => {
    fc.assert(
      fc.property(schemaAndValueArb(), ({ schema, value }) => {
        const set = buildSet(schema);
        const wire = refEncode(schema, value);
        for (let n = 0; n < wire.length; n++) decodesOrRefuses(() => decodeAttrs(set, wire, 0, n), 0, n);
      }),
      { numRuns: RUNS.heavy },
    );
  });

  test('valid encodings with one length field corrupted', () => {
    /** Header offsets of every attribute, recursing into NLA_F_NESTED ones. */
    const headers = (buf: Buffer, s: number, e: number, out: number[] = []): number[] => {
      const it = new AttrIterator(buf, s, e);
      while (it.next()) {
        out.push(it.start);
        if (it.nested) headers(buf, it.dataStart, it.dataEnd, out);
      }
      return out;
    };
    fc.assert(
      fc.property(
        schemaAndValueArb(),
        fc.nat(),
        fc.oneof(fc.integer({ min: 0, max: 0xffff }), fc.constantFrom(0, 1, 3, 4, 5, 0xffff)),
        fc.integer({ min: -5, max: 5 }),
        ({ schema, value }, pick, len, delta) => {
          const wire = refEncode(schema, value);
          const hs = headers(wire, 0, wire.length);
          fc.pre(hs.length > 0);
          const at = hs[pick % hs.length];
          const buf = Buffer.from(wire);
          // either a random length or the real one nudged by a few bytes
          buf.writeUInt16LE(pick % 2 ? len : Math.max(0, Math.min(0xffff, wire.readUInt16LE(at) + delta)), at);
          decodesOrRefuses(() => decode(buildSet(schema), buf), 0, buf.length);
        },
      ),
      { numRuns: RUNS.normal },
    );
  });

  test('random byte flips in valid encodings', () => {
    fc.assert(
      fc.property(schemaAndValueArb(), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }), ({ schema, value }, flips) => {
        const buf = refEncode(schema, value);
        fc.pre(buf.length > 0);
        for (const [at, v] of flips) buf[at % buf.length] = v;
        decodesOrRefuses(() => decode(buildSet(schema), buf), 0, buf.length);
      }),
      { numRuns: RUNS.normal },
    );
  });

  const rec: AttrSet = new AttrSet('rec', [{ name: 'child', value: 1, type: 'nest', nestedAttributes: 'rec' }], setRefs({ rec: () => rec }));
  // the same recursion through an indexed array: items[i] is again a rec-arr
  const recArr: AttrSet = new AttrSet('rec-arr', [{ name: 'items', value: 1, type: 'indexed-array', subType: 'nest', nestedAttributes: 'recArr' }], setRefs({ recArr: () => recArr }));

  /** `levels` attributes of type 1, each the whole payload of the one before; the innermost is empty. */
  function chain(levels: number): Buffer {
    const buf = Buffer.alloc(levels * 4);
    for (let i = 0; i < levels; i++) {
      buf.writeUInt16LE((levels - i) * 4, i * 4);
      buf.writeUInt16LE(1, i * 4 + 2);
    }
    return buf;
  }

  /** fn must throw NetlinkDecodeError (a RangeError from a blown stack fails) at an offset inside buf. */
  function refusesDeep(fn: () => unknown, buf: Buffer, what: string): void {
    assert.throws(fn, (e: unknown) => {
      assert.ok(e instanceof NetlinkDecodeError, `${what}: expected NetlinkDecodeError, got ${String(e)}`);
      assert.ok(Number.isInteger(e.offset) && e.offset >= 0 && e.offset <= buf.length, `${what}: offset ${e.offset}`);
      return true;
    });
  }

  test('the nesting limit is 64 levels', () => {
    assert.equal(MAX_NEST_DEPTH, 64);
  });

  test('a message nested MAX_NEST_DEPTH (64) levels decodes', () => {
    const b = chain(MAX_NEST_DEPTH);
    assert.deepEqual(b, (() => { let x: Buffer = tlv(1); for (let i = 1; i < MAX_NEST_DEPTH; i++) x = nest(1, x); return x; })());
    let d = decode(rec, b) as { child?: unknown };
    let levels = 0;
    while (d.child) {
      d = d.child as { child?: unknown };
      levels++;
    }
    assert.equal(levels, MAX_NEST_DEPTH);
    // 64 levels of indexed array / element alternating decode as well
    type Arr = { items?: Arr[] };
    let a = decode(recArr, b) as Arr;
    let arrayLevels = 0;
    while (a.items) {
      arrayLevels += a.items.length ? 2 : 1; // the array attribute, and its one element
      a = a.items[0] ?? {};
    }
    assert.equal(arrayLevels, MAX_NEST_DEPTH);
  });

  test('65 or more levels are a NetlinkDecodeError, never a RangeError', () => {
    for (const levels of [MAX_NEST_DEPTH + 1, MAX_NEST_DEPTH + 2, 100, 500, 5000]) {
      const b = chain(levels);
      refusesDeep(() => decode(rec, b), b, `${levels} levels`);
      // and the same as the value of a known attribute further in
      const framed = Buffer.concat([tlv(2, hex('01')), b]);
      refusesDeep(() => decode(rec, framed), framed, `${levels} levels after another attribute`);
    }
  });

  test('a deeply nested message (64 KiB, 16000 levels) is refused, through nests and through indexed arrays', () => {
    const b = chain(16000);
    refusesDeep(() => decode(rec, b), b, 'nests');
    refusesDeep(() => decode(recArr, b), b, 'indexed arrays');
    refusesDeep(() => decode(recArr, chain(500)), chain(500), 'indexed arrays, 500 levels');
  });
});

// ---------------------------------------------------------------- encode errors

describe('codec: wrong values refused with NetlinkEncodeError and a path', () => {
  const u64Set = new AttrSet('u64s', [
    { name: 'big', value: 1, type: 'u64' },
    { name: 'signed', value: 2, type: 's64' },
    { name: 'flag', value: 3, type: 'flag' },
    { name: 'opts', value: 4, type: 'nest', nestedAttributes: 'inner' },
    { name: 'tags', value: 5, type: 'string', multiAttr: true },
    { name: 'pad', value: 6, type: 'pad' },
  ], setRefs({ inner: () => inner }));

  const cases: [name: string, set: AttrSet, obj: unknown, path: string][] = [
    ['string for u16', ctrlAttrs, { familyId: '16' }, '.familyId'],
    ['negative for unsigned', ctrlAttrs, { version: -1 }, '.version'],
    ['NaN', ctrlAttrs, { maxattr: NaN }, '.maxattr'],
    ['fraction', ctrlAttrs, { hdrsize: 0.5 }, '.hdrsize'],
    ['out of range u16', ctrlAttrs, { familyId: 0x10000 }, '.familyId'],
    ['out of range u32 in an indexed-array element', ctrlAttrs, { ops: [{ id: 1 }, { id: 2 ** 32 }] }, '.ops[1].id'],
    ['string for u32 in the first element', ctrlAttrs, { ops: [{ id: '1' }] }, '.ops[0].id'],
    ['number for a string in an element', ctrlAttrs, { mcastGroups: [{ id: 1, name: 5 }] }, '.mcastGroups[0].name'],
    ['non-array for indexed-array', ctrlAttrs, { ops: { id: 1 } }, '.ops'],
    ['non-object element', ctrlAttrs, { ops: [{ id: 1 }, 5] }, '.ops[1]'],
    ['null element', ctrlAttrs, { ops: [null] }, '.ops[0]'],
    ['string for binary', ctrlAttrs, { policy: 'abc' }, '.policy'],
    ['bigint too large for u64', u64Set, { big: 1n << 64n }, '.big'],
    ['negative bigint for u64', u64Set, { big: -1n }, '.big'],
    ['unsafe number for u64', u64Set, { big: 2 ** 53 }, '.big'],
    ['bigint too small for s64', u64Set, { signed: -(1n << 63n) - 1n }, '.signed'],
    ['false for a flag', u64Set, { flag: false }, '.flag'],
    ['number for a nest', u64Set, { opts: 5 }, '.opts'],
    ['array for a nest', u64Set, { opts: [] }, '.opts'],
    ['wrong value inside a nest', u64Set, { opts: { a: -5 } }, '.opts.a'],
    ['non-array for multi', u64Set, { tags: 'x' }, '.tags'],
    ['wrong item of multi', u64Set, { tags: ['x', 7] }, '.tags[1]'],
    ['a value for a pad attribute', u64Set, { pad: 0 }, '.pad'],
    ['non-object top level', ctrlAttrs, 5, ''],
    ['array top level', ctrlAttrs, [], ''],
    ['null top level', ctrlAttrs, null, ''],
  ];
  for (const [name, set, obj, path] of cases) {
    test(`${name} -> path '${path}'`, () => {
      assert.equal(encodeError(set, obj).path, path);
    });
  }

  test('bigint for a 32-bit kind is refused', () => {
    assert.equal(encodeError(ctrlAttrs, { version: 2n }).path, '.version');
  });

  test('an unknown key is refused with a path naming it', () => {
    const top = encodeError(ctrlAttrs, { bogus: 1 });
    assert.match(top.message, /bogus/);
    assert.equal(top.path, '.bogus');
    const deep = encodeError(ctrlAttrs, { ops: [{ id: 1, bogus: 2 }] });
    assert.match(deep.message, /bogus/);
    assert.equal(deep.path, '.ops[0].bogus');
  });

  test('an attribute over 65535 bytes is refused with its path', () => {
    const e = encodeError(ctrlAttrs, { policy: Buffer.alloc(70_000) });
    assert.equal(e.path, '.policy');
    const nested = encodeError(ctrlAttrs, { mcastGroups: [{ name: 'x'.repeat(70_000) }] });
    assert.equal(nested.path, '.mcastGroups[0].name');
  });

  test('a malformed $unknown entry is a NetlinkEncodeError, not a bare TypeError', () => {
    assert.equal(encodeError(ctrlAttrs, { $unknown: 5 }).path, '.$unknown');
    assert.equal(encodeError(ctrlAttrs, { $unknown: { type: 1, data: Buffer.alloc(0) } }).path, '.$unknown');
    assert.equal(encodeError(ctrlAttrs, { $unknown: [{ type: 1 }] }).path, '.$unknown[0]');
    const ok = { type: 99, nested: false, netByteOrder: false, data: Buffer.alloc(0) };
    for (const bad of [null, 5, { data: Buffer.alloc(0) }, { type: -1, data: Buffer.alloc(0) }, { type: 0x4000, data: Buffer.alloc(0) }, { type: 1.5, data: Buffer.alloc(0) }, { type: 1, data: 'ab' }]) {
      assert.equal(encodeError(ctrlAttrs, { $unknown: [ok, bad] }).path, '.$unknown[1]', inspect(bad));
    }
    // inside a nest and an indexed-array element the path is prefixed
    assert.equal(encodeError(ctrlAttrs, { ops: [{ id: 1 }, { $unknown: [{ type: 9 }] }] }).path, '.ops[1].$unknown[0]');
    // an oversized unknown attribute is refused with its own path
    assert.equal(encodeError(ctrlAttrs, { $unknown: [ok, { ...ok, data: Buffer.alloc(70_000) }] }).path, '.$unknown[1]');
  });

  test('a string containing NUL is refused with the path of its attribute', () => {
    for (const str of ['a\0b', '\0', 'nlctrl\0', '\0x']) {
      const e = encodeError(ctrlAttrs, { familyName: str });
      assert.equal(e.path, '.familyName', inspect(str));
      assert.match(e.message, /NUL/);
    }
    assert.equal(encodeError(ctrlAttrs, { mcastGroups: [{ name: 'ok' }, { id: 1, name: 'bad\0' }] }).path, '.mcastGroups[1].name');
    assert.equal(encodeError(allKinds, { names: ['a', 'b\0'] }).path, '.names[1]');
    assert.equal(encodeError(allKinds, { labels: ['x', 'y', '\0'] }).path, '.labels[2]');
    assert.equal(encodeError(allKinds, { nest: { b: 'x\0y' } }, '.outer').path, '.outer.nest.b');
    // NUL-free strings, binaries holding a NUL and the empty string are still fine
    assert.deepEqual(encode(allKinds, { str: '', bin: Buffer.of(0) }), hex('0500 0c00 00 000000 0500 0d00 00 000000'));
  });

  test('the property arbitraries never put a NUL in a string', () => {
    for (const str of fc.sample(attrStringArb, 2000)) assert.ok(!str.includes('\0'), inspect(str));
    fc.assert(
      fc.property(schemaAndValueArb(), ({ value }) => {
        const noNul = (v: unknown): void => {
          if (typeof v === 'string') assert.ok(!v.includes('\0'), inspect(v));
          else if (Array.isArray(v)) v.forEach(noNul);
          else if (v !== null && typeof v === 'object' && !(v instanceof Uint8Array)) Object.values(v).forEach(noNul);
        };
        noNul(value);
      }),
      { numRuns: RUNS.normal },
    );
  });

  test('any one wrong value anywhere in a valid value (property)', () => {
    fc.assert(
      fc.property(
        schemaAndValueArb().chain(({ schema, value }) => {
          const probe = slots(schema, deepClone(value));
          if (probe.length === 0) return fc.constant(null);
          return fc.tuple(fc.nat(probe.length - 1), fc.nat()).map(([i, j]) => ({ schema, value, i, j }));
        }),
        (c) => {
          fc.pre(c !== null);
          const { schema, value, i, j } = c!;
          const clone = deepClone(value);
          const slot = slots(schema, clone)[i];
          const wrong = WRONG[slot.kind];
          slot.set(wrong[j % wrong.length]);
          const e = encodeError(buildSet(schema), clone);
          assert.equal(e.path, slot.path, `${String(wrong[j % wrong.length])} at ${slot.path}: ${e.message}`);
        },
      ),
      { numRuns: RUNS.normal },
    );
  });

  test('values of the right kind are never refused (property)', () => {
    fc.assert(
      fc.property(schemaAndValueArb(), ({ schema, value }) => {
        encode(buildSet(schema), value);
      }),
      { numRuns: RUNS.normal },
    );
  });
});
