// AttrIterator, readString and attrTable: walking struct nlattr TLVs (<linux/netlink.h>).
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { AttrIterator, NetlinkDecodeError, attrTable, readString } from '../src/core/index.js';
import { RUNS, NLA_F_NESTED, NLA_F_NET_BYTEORDER, nest, tlv } from './helpers/arbitraries.js';
import { hex, NLCTRL_FAMILY_ATTRS } from './helpers/golden.js';


interface Seen { start: number; type: number; nested: boolean; netByteOrder: boolean; dataStart: number; dataEnd: number; length: number }

function collect(buf: Uint8Array, start: number, end: number): Seen[] {
  const out: Seen[] = [];
  const it = new AttrIterator(buf, start, end);
  while (it.next()) {
    out.push({ start: it.start, type: it.type, nested: it.nested, netByteOrder: it.netByteOrder, dataStart: it.dataStart, dataEnd: it.dataEnd, length: it.length });
  }
  return out;
}

/** Asserts fn throws a NetlinkDecodeError and returns it. */
function decodeError(fn: () => unknown): NetlinkDecodeError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof NetlinkDecodeError, `expected NetlinkDecodeError, got ${String(e)}`);
    assert.equal(e.code, 'ERR_NETLINK_MALFORMED');
    assert.equal(typeof e.offset, 'number');
    return e;
  }
  assert.fail('expected a NetlinkDecodeError');
}

const NLCTRL_ATTRS = NLCTRL_FAMILY_ATTRS;

describe('AttrIterator: well-formed input', () => {
  test('walks a captured nlctrl family description', () => {
    const seen = collect(NLCTRL_ATTRS, 0, NLCTRL_ATTRS.length);
    assert.deepEqual(
      seen.map((a) => [a.start, a.type, a.dataStart, a.dataEnd]),
      [[0, 2, 4, 11], [12, 1, 16, 18], [20, 3, 24, 28], [28, 4, 32, 36], [36, 5, 40, 44], [44, 6, 48, 88], [88, 7, 92, 116]],
    );
    assert.equal(readString(NLCTRL_ATTRS, 4, 11), 'nlctrl');
    // the kernel's controller nests without NLA_F_NESTED
    assert.ok(seen.every((a) => !a.nested && !a.netByteOrder));
    const ops = collect(NLCTRL_ATTRS, 48, 88);
    assert.deepEqual(ops.map((a) => [a.type, a.length]), [[1, 16], [2, 16]]);
    const op2 = collect(NLCTRL_ATTRS, ops[1].dataStart, ops[1].dataEnd);
    assert.deepEqual(op2.map((a) => [a.type, NLCTRL_ATTRS.readUInt32LE(a.dataStart)]), [[1, 10], [2, 0x0c]]);
  });

  test('splits NLA_F_NESTED and NLA_F_NET_BYTEORDER from the type', () => {
    const buf = Buffer.concat([
      tlv(NLA_F_NESTED | 0x3fff),
      tlv(NLA_F_NET_BYTEORDER | 5, Buffer.of(1, 2)),
      tlv(NLA_F_NESTED | NLA_F_NET_BYTEORDER),
      tlv(7),
    ]);
    assert.deepEqual(
      collect(buf, 0, buf.length).map((a) => [a.type, a.nested, a.netByteOrder, a.length]),
      [[0x3fff, true, false, 0], [5, false, true, 2], [0, true, true, 0], [7, false, false, 0]],
    );
  });

  test('zero-length attributes advance by 4 bytes', () => {
    const buf = Buffer.concat([tlv(1), tlv(2), tlv(3)]);
    assert.deepEqual(collect(buf, 0, 12).map((a) => a.start), [0, 4, 8]);
  });

  test('the last attribute may lack its padding', () => {
    const buf = hex('0500 0100 aa 000000 0500 0200 bb');
    assert.deepEqual(collect(buf, 0, buf.length).map((a) => [a.type, a.dataStart, a.dataEnd]), [[1, 4, 5], [2, 12, 13]]);
  });

  test('an empty range yields nothing', () => {
    assert.deepEqual(collect(Buffer.alloc(8), 3, 3), []);
    assert.deepEqual(collect(Buffer.alloc(0), 0, 0), []);
  });

  test('honours a sub-range of a larger buffer', () => {
    const inner = Buffer.concat([tlv(9, Buffer.of(1, 2, 3, 4)), tlv(10)]);
    const buf = Buffer.concat([Buffer.alloc(5, 0xff), inner, Buffer.alloc(7, 0xff)]);
    assert.deepEqual(collect(buf, 5, 5 + inner.length).map((a) => [a.type, a.start, a.length]), [[9, 5, 4], [10, 13, 0]]);
  });

  test('works on a plain Uint8Array', () => {
    const u = new Uint8Array(tlv(3, Buffer.of(7)));
    assert.deepEqual(collect(u, 0, u.length).map((a) => [a.type, a.length]), [[3, 1]]);
  });
});

describe('AttrIterator: malformed input', () => {
  test('a length shorter than the header', () => {
    for (const len of [0, 1, 2, 3]) {
      const buf = Buffer.concat([tlv(1, Buffer.of(1)), hex('0000 0200 00000000')]);
      buf.writeUInt16LE(len, 8);
      const e = decodeError(() => collect(buf, 0, buf.length));
      assert.equal(e.offset, 8);
    }
  });

  test('a length running past the container', () => {
    const buf = Buffer.concat([tlv(1), hex('0900 0200 01020304')]);
    assert.equal(decodeError(() => collect(buf, 0, buf.length)).offset, 4);
    // the same attribute is fine when the container is larger...
    assert.equal(collect(Buffer.concat([buf, Buffer.alloc(4)]), 0, 16).length, 2);
    // ...and nested containers are checked against their own end
    const outer = nest(1, tlv(2, Buffer.of(1, 2, 3, 4)));
    outer.writeUInt16LE(9, 4); // inner claims 9 of the 8 bytes its parent holds
    assert.equal(collect(outer, 0, outer.length).length, 1);
    assert.equal(decodeError(() => collect(outer, 4, 12)).offset, 4);
  });

  test('1..3 trailing bytes are too short for a header', () => {
    for (const n of [1, 2, 3]) {
      const buf = Buffer.concat([tlv(1, Buffer.of(9, 9, 9, 9)), Buffer.alloc(n, 4)]);
      const e = decodeError(() => collect(buf, 0, buf.length));
      assert.equal(e.offset, 8);
    }
  });

  test('a range outside the buffer is refused up front', () => {
    const buf = Buffer.alloc(8);
    assert.equal(decodeError(() => new AttrIterator(buf, -1, 4)).offset, -1);
    assert.equal(decodeError(() => new AttrIterator(buf, 0, 9)).offset, 0);
    assert.equal(decodeError(() => new AttrIterator(buf, 6, 5)).offset, 6);
  });

  test('random bytes: bounded walk, attributes inside the range, or a NetlinkDecodeError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 96 }), fc.nat(), fc.nat(), (bytes, a, b) => {
        const buf = Buffer.from(bytes);
        const start = bytes.length ? a % (bytes.length + 1) : 0;
        const end = start + (bytes.length - start ? b % (bytes.length - start + 1) : 0);
        const it = new AttrIterator(buf, start, end);
        let steps = 0;
        let last = start - 4;
        try {
          while (it.next()) {
            steps++;
            assert.ok(steps <= (end - start) / 4, 'more attributes than 4-byte slots');
            assert.ok(it.start >= last + 4, 'did not advance');
            assert.ok(it.start >= start && it.dataStart === it.start + 4 && it.dataStart <= it.dataEnd && it.dataEnd <= end);
            assert.equal(it.length, it.dataEnd - it.dataStart);
            assert.equal(it.start % 4, start % 4, 'attributes stay 4-byte aligned relative to the start');
            last = it.start;
          }
        } catch (e) {
          assert.ok(e instanceof NetlinkDecodeError, `unexpected ${String(e)}`);
          assert.ok(Number.isInteger(e.offset) && e.offset >= start && e.offset < end, `offset ${e.offset} outside [${start}, ${end})`);
        }
      }),
      { numRuns: RUNS.cheap },
    );
  });

  test('bytes outside [start, end) never change the result', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), fc.uint8Array({ maxLength: 8 }), fc.uint8Array({ maxLength: 8 }), (mid, pre, post) => {
        const run = (buf: Buffer, s: number) => {
          try {
            return collect(buf, s, s + mid.length).map((a) => ({ ...a, start: a.start - s, dataStart: a.dataStart - s, dataEnd: a.dataEnd - s }));
          } catch (e) {
            return (e as NetlinkDecodeError).offset - s;
          }
        };
        const plain = run(Buffer.from(mid), 0);
        const framed = run(Buffer.concat([pre, mid, post]), pre.length);
        assert.deepEqual(framed, plain);
      }),
      { numRuns: RUNS.cheap },
    );
  });

  test('a length field corrupted to any value: a NetlinkDecodeError or a shorter walk', () => {
    const attrs = Buffer.concat([tlv(1, Buffer.of(1, 2, 3)), tlv(2, Buffer.alloc(8)), tlv(3), tlv(4, Buffer.from('abcdefgh\0'))]);
    const headers = collect(attrs, 0, attrs.length).map((a) => a.start);
    fc.assert(
      fc.property(fc.constantFrom(...headers), fc.integer({ min: 0, max: 0xffff }), (at, len) => {
        const buf = Buffer.from(attrs);
        buf.writeUInt16LE(len, at);
        try {
          for (const a of collect(buf, 0, buf.length)) assert.ok(a.dataEnd <= buf.length);
        } catch (e) {
          assert.ok(e instanceof NetlinkDecodeError);
          assert.ok(e.offset >= at && e.offset < buf.length);
        }
      }),
      { numRuns: RUNS.cheap },
    );
  });
});

describe('readString', () => {
  const buf = Buffer.from('abc\0def\0\0xyz');

  test('stops at the first NUL', () => {
    assert.equal(readString(buf, 0, 8), 'abc');
    assert.equal(readString(buf, 4, 8), 'def');
    assert.equal(readString(buf, 7, 9), '');
  });

  test('an unterminated string ends at the range end', () => {
    assert.equal(readString(buf, 9, 12), 'xyz');
    assert.equal(readString(buf, 0, 2), 'ab'); // the NUL at 3 lies past the end
    assert.equal(readString(buf, 4, 6), 'de');
    assert.equal(readString(buf, 5, 5), '');
  });

  test('multi-byte UTF-8 and invalid bytes', () => {
    const u = Buffer.from('héllo\0', 'utf8');
    assert.equal(readString(u, 0, u.length), 'héllo');
    assert.equal(readString(Buffer.of(0xff, 0x41, 0), 0, 3), '\ufffdA');
  });

  test('never throws and never reads outside its range (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), fc.nat(), fc.nat(), (bytes, a, b) => {
        const buf = Buffer.from(bytes);
        const start = a % (bytes.length + 1);
        const end = start + b % (bytes.length - start + 1);
        const s = readString(buf, start, end);
        const slice = buf.subarray(start, end);
        const nul = slice.indexOf(0);
        assert.equal(s, slice.toString('utf8', 0, nul < 0 ? slice.length : nul));
      }),
      { numRuns: RUNS.cheap },
    );
  });
});

describe('attrTable', () => {
  test('maps types to payload views; a repeated type keeps the last', () => {
    const buf = Buffer.concat([tlv(1, Buffer.of(1)), tlv(NLA_F_NESTED | 2, tlv(1)), tlv(1, Buffer.of(2, 3))]);
    const m = attrTable(buf, 0, buf.length);
    assert.deepEqual([...m.keys()], [1, 2]);
    assert.deepEqual(m.get(1), Buffer.of(2, 3));
    assert.deepEqual(m.get(2), tlv(1));
    // views, not copies
    assert.equal(m.get(1)!.buffer, buf.buffer);
  });

  test('malformed input throws NetlinkDecodeError', () => {
    decodeError(() => attrTable(hex('0800 0100 0000'), 0, 6));
  });
});
