// Writer: message and attribute building, checked against the byte layout of
// <linux/netlink.h> (struct nlmsghdr, struct nlattr) and <linux/genetlink.h>.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fc from 'fast-check';
import {
  AttrIterator, NetlinkEncodeError, Writer, align4,
  NLA_F_NESTED, NLM_F_ACK, NLM_F_REQUEST, NLMSG_HDRLEN,
} from '../src/core/index.js';
import { CTRL_ATTR_FAMILY_NAME, CTRL_CMD_GETFAMILY, GENL_ID_CTRL, genlPayload } from '../src/genl/index.js';
import { RUNS, attrStringArb, tlv } from './helpers/arbitraries.js';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

/** A writer whose buffer is full of garbage, so padding that is not zeroed shows. */
function dirtyWriter(size = 4096): Writer {
  const w = new Writer(size);
  w.buf.fill(0xa5);
  return w;
}

describe('Writer: golden bytes', () => {
  test('CTRL_CMD_GETFAMILY request for "nlctrl"', () => {
    const w = dirtyWriter();
    const start = w.beginMessage(GENL_ID_CTRL, NLM_F_REQUEST | NLM_F_ACK);
    w.u8(CTRL_CMD_GETFAMILY); // genlmsghdr.cmd
    w.u8(2); // genlmsghdr.version
    w.u16(0); // genlmsghdr.reserved
    w.attrString(CTRL_ATTR_FAMILY_NAME, 'nlctrl');
    w.endMessage(start);
    // nlmsghdr: len 32, type 0x10 (GENL_ID_CTRL), flags REQUEST|ACK, seq 0, pid 0 (filled at send)
    // genlmsghdr: cmd 3, version 2, reserved 0
    // nlattr: len 4 + 7 ("nlctrl\0") = 11, type 2; 1 byte of padding
    assert.deepEqual(
      w.toBuffer(),
      hex(`20000000 1000 0500 00000000 00000000
           03 02 0000
           0b00 0200 6e6c6374726c00 00`),
    );
    assert.equal(start, 0);
    assert.equal(w.pos, 32);
  });

  test('the same request through genlPayload matches what the kernel accepted', () => {
    // bytes sent to a 6.18 kernel (seq 7), which answered with CTRL_CMD_NEWFAMILY
    const sent = hex('20000000100005000700000000000000030200000b0002006e6c6374726c0000');
    const w = dirtyWriter();
    const start = w.beginMessage(GENL_ID_CTRL, NLM_F_REQUEST | NLM_F_ACK);
    genlPayload(CTRL_CMD_GETFAMILY, 2, (x) => x.attrString(CTRL_ATTR_FAMILY_NAME, 'nlctrl'))(w);
    w.endMessage(start);
    const b = w.toBuffer();
    b.writeUInt32LE(7, 8);
    assert.deepEqual(b, sent);
  });

  test('genlPayload with raw bytes and with no payload', () => {
    const w = dirtyWriter();
    genlPayload(1, 1, Uint8Array.of(9, 8, 7))(w);
    genlPayload(4, 0, null)(w);
    assert.deepEqual(w.toBuffer(), hex('01010000 090807 04000000'));
  });

  test('fixed-size attributes: u8, u16, u32, flag', () => {
    const w = dirtyWriter();
    w.attrU8(1, 0xab);
    w.attrU16(2, 0xbeef);
    w.attrU32(3, 0xdeadbeef);
    w.attrFlag(4);
    assert.deepEqual(
      w.toBuffer(),
      hex(`0500 0100 ab 000000
           0600 0200 efbe 0000
           0800 0300 efbeadde
           0400 0400`),
    );
  });

  test('network-order integers are what Buffer writes big-endian, and out of range throws as it does', () => {
    fc.assert(fc.property(fc.nat(0xffff), fc.nat(0xffffffff), (a, b) => {
      const w = new Writer(1);
      w.u16be(a);
      w.u32be(b);
      const want = Buffer.alloc(6);
      want.writeUInt16BE(a, 0);
      want.writeUInt32BE(b, 2);
      assert.deepEqual(w.toBuffer(), want);
    }));
    const w = dirtyWriter();
    w.u16be(0x0102);
    w.u32be(0x03040506);
    assert.deepEqual(w.toBuffer(), hex('0102 03040506'));
    assert.throws(() => new Writer().u16be(0x10000), { code: 'ERR_OUT_OF_RANGE' });
    assert.throws(() => new Writer().u32be(-1), { code: 'ERR_OUT_OF_RANGE' });
  });

  test('string attributes: empty, aligned, multi-byte UTF-8', () => {
    const w = dirtyWriter();
    w.attrString(1, ''); // len 5: just the NUL
    w.attrString(2, 'abc'); // len 8: fits exactly
    w.attrString(3, 'é'); // 2 UTF-8 bytes + NUL: len 7
    assert.deepEqual(
      w.toBuffer(),
      hex(`0500 0100 00 000000
           0800 0200 61626300
           0700 0300 c3a900 00`),
    );
  });

  test('binary attributes of every length 0..9 are padded with zeros', () => {
    for (let n = 0; n < 10; n++) {
      const w = dirtyWriter();
      const data = Buffer.alloc(n, 0xee);
      w.attrBytes(0x123, data);
      const want = Buffer.alloc(4 + align4(n));
      want.writeUInt16LE(4 + n, 0);
      want.writeUInt16LE(0x123, 2);
      data.copy(want, 4);
      assert.deepEqual(w.toBuffer(), want, `length ${n}`);
    }
  });

  test('the type is truncated to 16 bits and keeps the header flag bits', () => {
    const w = dirtyWriter();
    w.attrU8(0x1_8005, 1);
    w.attrBytes(NLA_F_NESTED | 9, Buffer.alloc(0));
    assert.deepEqual(w.toBuffer(), hex('0500 0580 01000000 0400 0980'));
  });

  test('beginAttr/endAttr: header with length and type, payload padded', () => {
    const w = dirtyWriter();
    const a = w.beginAttr(2);
    w.bytes(Buffer.from('abc'));
    w.endAttr(a);
    assert.deepEqual(w.toBuffer(), hex('0700 0200 616263 00'));
  });

  test('beginNest sets NLA_F_NESTED and covers its children', () => {
    const w = dirtyWriter();
    const n = w.beginNest(6);
    w.attrU32(1, 3);
    const inner = w.beginNest(2);
    w.attrU8(7, 1);
    w.endAttr(inner);
    w.endAttr(n);
    assert.deepEqual(
      w.toBuffer(),
      hex(`1800 0680
             0800 0100 03000000
             0c00 0280
               0500 0700 01 000000`),
    );
  });

  test('an empty nest is a bare 4-byte header', () => {
    const w = dirtyWriter();
    w.endAttr(w.beginNest(0x3fff));
    assert.deepEqual(w.toBuffer(), hex('0400 ffbf'));
  });

  test('messages written back to back each carry their own aligned length', () => {
    const w = dirtyWriter();
    const m1 = w.beginMessage(0x20, NLM_F_REQUEST);
    w.u8(1); // 1 payload byte: the message is padded to 20
    w.endMessage(m1);
    const m2 = w.beginMessage(0x21, 0x305);
    w.attrU32(1, 42);
    w.endMessage(m2);
    assert.equal(m2, 20);
    assert.deepEqual(
      w.toBuffer(),
      hex(`14000000 2000 0100 00000000 00000000 01 000000
           18000000 2100 0503 00000000 00000000 0800 0100 2a000000`),
    );
  });

  test('an empty message is its 16-byte header', () => {
    const w = dirtyWriter();
    w.endMessage(w.beginMessage(3, 0));
    assert.deepEqual(w.toBuffer(), hex('10000000 0300 0000 00000000 00000000'));
    assert.equal(w.pos, NLMSG_HDRLEN);
  });

  test('reset() starts over and toBuffer() returns a copy', () => {
    const w = dirtyWriter();
    w.attrU32(1, 1);
    const first = w.toBuffer();
    w.reset();
    w.attrU8(2, 2);
    assert.deepEqual(w.toBuffer(), hex('0500 0200 02000000'));
    assert.deepEqual(first, hex('0800 0100 01000000'));
  });

  test('align4', () => {
    assert.deepEqual([0, 1, 2, 3, 4, 5, 8, 65535].map(align4), [0, 4, 4, 4, 4, 8, 8, 65536]);
  });
});

describe('Writer: limits and growth', () => {
  test('an attribute over 65535 bytes throws NetlinkEncodeError', () => {
    const w = new Writer();
    const a = w.beginAttr(1);
    w.zeros(65532); // 4 + 65532 = 65536
    assert.throws(() => w.endAttr(a), NetlinkEncodeError);
    const w2 = new Writer();
    const b = w2.beginAttr(1);
    w2.zeros(65531); // exactly 65535 is fine
    w2.endAttr(b);
    assert.equal(w2.buf.readUInt16LE(0), 65535);
    assert.equal(w2.pos, 65536);
  });

  test('growing from a tiny buffer keeps what was written', () => {
    const w = new Writer(1);
    const want: Buffer[] = [];
    for (let i = 0; i < 200; i++) {
      const data = Buffer.alloc(i % 23, i & 0xff);
      w.attrBytes(i, data);
      want.push(tlv(i, data));
    }
    assert.deepEqual(w.toBuffer(), Buffer.concat(want));
  });

  test('ensure() grows enough for one large write', () => {
    const w = new Writer(8);
    const big = Buffer.alloc(100_000, 7);
    w.bytes(big);
    assert.equal(w.pos, 100_000);
    assert.ok(w.buf.length >= 100_000);
    assert.deepEqual(w.toBuffer(), big);
  });

  test('new Writer(0) can still grow (no endless loop in ensure)', () => {
    // Run in a child process: a synchronous endless loop cannot be interrupted here.
    const url = new URL('../src/core/writer.js', import.meta.url).href;
    const r = spawnSync(
      process.execPath,
      ['--input-type=module', '-e', `import { Writer } from ${JSON.stringify(url)}; const w = new Writer(0); w.u32(1); console.log(w.pos);`],
      { timeout: 1000, encoding: 'utf8' },
    );
    assert.equal(r.signal, null, 'new Writer(0).u32(1) did not finish within 1 s');
    assert.equal(r.stdout.trim(), '4');
  });
});

// ------------------------------------------------------------------ properties

type Op =
  | { op: 'u8' | 'u16' | 'u32'; type: number; v: number }
  | { op: 'flag'; type: number }
  | { op: 'string'; type: number; s: string }
  | { op: 'bytes'; type: number; data: Buffer }
  | { op: 'nest'; type: number; children: Op[] };

const typeArb = fc.integer({ min: 0, max: 0x3fff });
const flatOpArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constant('u8' as const), type: typeArb, v: fc.integer({ min: 0, max: 0xff }) }),
  fc.record({ op: fc.constant('u16' as const), type: typeArb, v: fc.integer({ min: 0, max: 0xffff }) }),
  fc.record({ op: fc.constant('u32' as const), type: typeArb, v: fc.integer({ min: 0, max: 0xffffffff }) }),
  fc.record({ op: fc.constant('flag' as const), type: typeArb }),
  fc.record({ op: fc.constant('string' as const), type: typeArb, s: attrStringArb }), // never a NUL; 1- to 4-byte UTF-8
  fc.record({ op: fc.constant('bytes' as const), type: typeArb, data: fc.uint8Array({ maxLength: 13 }).map((u) => Buffer.from(u)) }),
);
const { tree: opTreeArb } = fc.letrec<{ tree: Op[]; op: Op }>((tie) => ({
  tree: fc.array(tie('op'), { maxLength: 5 }),
  op: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    flatOpArb,
    fc.record({ op: fc.constant('nest' as const), type: typeArb, children: tie('tree') }),
  ),
}));

function write(w: Writer, ops: Op[]): void {
  for (const o of ops) {
    switch (o.op) {
      case 'u8': w.attrU8(o.type, o.v); break;
      case 'u16': w.attrU16(o.type, o.v); break;
      case 'u32': w.attrU32(o.type, o.v); break;
      case 'flag': w.attrFlag(o.type); break;
      case 'string': w.attrString(o.type, o.s); break;
      case 'bytes': w.attrBytes(o.type, o.data); break;
      case 'nest': {
        const n = w.beginNest(o.type);
        write(w, o.children);
        w.endAttr(n);
        break;
      }
    }
  }
}

/** The expected bytes, from the reference encoder. */
function reference(ops: Op[]): Buffer {
  return Buffer.concat(
    ops.map((o) => {
      switch (o.op) {
        case 'u8': return tlv(o.type, Uint8Array.of(o.v));
        case 'u16': { const b = Buffer.alloc(2); b.writeUInt16LE(o.v); return tlv(o.type, b); }
        case 'u32': { const b = Buffer.alloc(4); b.writeUInt32LE(o.v); return tlv(o.type, b); }
        case 'flag': return tlv(o.type);
        case 'string': return tlv(o.type, Buffer.concat([Buffer.from(o.s), Buffer.of(0)]));
        case 'bytes': return tlv(o.type, o.data);
        case 'nest': return tlv(o.type | NLA_F_NESTED, reference(o.children));
      }
    }),
  );
}

/** Walks bytes back into ops with AttrIterator (nests recognised by NLA_F_NESTED). */
function walk(buf: Buffer, start: number, end: number): { type: number; nested: boolean; data?: Buffer; children?: unknown[] }[] {
  const out = [];
  const it = new AttrIterator(buf, start, end);
  while (it.next()) {
    if (it.nested) out.push({ type: it.type, nested: true, children: walk(buf, it.dataStart, it.dataEnd) });
    else out.push({ type: it.type, nested: false, data: Buffer.from(buf.subarray(it.dataStart, it.dataEnd)) });
  }
  return out;
}

describe('Writer: properties', () => {
  test('flat attributes match the reference encoding and walk back', () => {
    fc.assert(
      fc.property(fc.array(flatOpArb, { maxLength: 12 }), fc.integer({ min: 1, max: 64 }), (ops, size) => {
        const w = new Writer(size);
        w.buf.fill(0xa5);
        write(w, ops);
        const got = w.toBuffer();
        const want = reference(ops);
        assert.deepEqual(got, want);
        assert.equal(got.length % 4, 0);
        assert.equal(walk(got, 0, got.length).length, ops.length);
      }),
      { numRuns: RUNS.cheap },
    );
  });

  test('nested attributes (beginNest/endAttr) match the reference encoding', () => {
    fc.assert(
      fc.property(opTreeArb, (ops) => {
        const w = dirtyWriter(16);
        write(w, ops);
        const got = w.toBuffer();
        assert.deepEqual(got, reference(ops));
        assert.deepEqual(walk(got, 0, got.length), walk(reference(ops), 0, got.length));
      }),
      { numRuns: RUNS.normal },
    );
  });

  test('a message wrapping any attributes has nlmsg_len = its aligned size', () => {
    fc.assert(
      fc.property(
        fc.array(flatOpArb, { maxLength: 6 }),
        fc.integer({ min: 0, max: 0xffff }),
        fc.integer({ min: 0, max: 0xffff }),
        fc.constantFrom(0, 4, 8), // a fixed header such as genlmsghdr
        fc.integer({ min: 0, max: 3 }), // unaligned trailing bytes
        (ops, type, flags, fixed, tail) => {
          const w = dirtyWriter(32);
          const s = w.beginMessage(type, flags);
          w.zeros(fixed);
          write(w, ops);
          w.bytes(Buffer.alloc(tail, 0xff));
          w.endMessage(s);
          const header = Buffer.alloc(16);
          header.writeUInt16LE(type, 4);
          header.writeUInt16LE(flags, 6);
          const body = Buffer.concat([Buffer.alloc(fixed), reference(ops), Buffer.alloc(tail, 0xff)]);
          const want = Buffer.concat([header, body, Buffer.alloc(align4(body.length) - body.length)]);
          want.writeUInt32LE(want.length, 0);
          assert.deepEqual(w.toBuffer(), want);
        },
      ),
      { numRuns: RUNS.normal },
    );
  });
});
