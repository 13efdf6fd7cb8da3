// Fixed structs (message headers) are encoded by a writer compiled from their members
// (StructType.compileWriter): the bytes it writes, and the errors of the values it leaves to
// the general path, against rtmsg (u8 members, an enum given by name, a u32 of flags).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { NetlinkEncodeError } from '../src/core/errors.js';
import { Writer } from '../src/core/writer.js';
import { Family } from '../src/ynl/family.js';
import { description } from '../src/ynl/families/rt-route.js';

const rtmsg = Family.from(description).op('newroute').header!;

function encode(obj: Record<string, unknown>, text = false): Buffer {
  const w = new Writer(4);
  w.u8(0xee); // something before the struct: it is written at w.pos, not at 0
  rtmsg.encode(w, obj, '', true, text);
  return Buffer.from(w.buf.subarray(1, w.pos));
}

test('rtmsg: members in place, absent ones zero, the type by name or number', () => {
  assert.deepEqual(encode({ rtmFamily: 2, rtmDstLen: 24, rtmTable: 254, rtmProtocol: 4, rtmScope: 253, rtmType: 'unicast', rtmFlags: 0x01020304 }),
    Buffer.from([2, 24, 0, 0, 254, 4, 253, 1, 4, 3, 2, 1]));
  assert.deepEqual(encode({ rtmType: 6 }), Buffer.from([0, 0, 0, 0, 0, 0, 0, 6, 0, 0, 0, 0]));
  assert.deepEqual(encode({}), Buffer.alloc(12));
  // text input: digit strings for integers
  assert.deepEqual(encode({ rtmFamily: '10', rtmFlags: '0x100' }, true), Buffer.from([10, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0]));
});

test('rtmsg: any in-range values give the bytes Buffer writes', () => {
  fc.assert(fc.property(fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 8, maxLength: 8 }), fc.integer({ min: 0, max: 0xffffffff }), (u8s, flags) => {
    const [rtmFamily, rtmDstLen, rtmSrcLen, rtmTos, rtmTable, rtmProtocol, rtmScope, rtmType] = u8s;
    const want = Buffer.alloc(12);
    Buffer.from(u8s).copy(want);
    want.writeUInt32LE(flags, 8);
    assert.deepEqual(encode({ rtmFamily, rtmDstLen, rtmSrcLen, rtmTos, rtmTable, rtmProtocol, rtmScope, rtmType, rtmFlags: flags }), want);
  }));
});

test('rtmsg: wrong values are refused with the member named', () => {
  const refused = (obj: Record<string, unknown>, message: RegExp, path: string) =>
    assert.throws(() => encode(obj), (e: unknown) => e instanceof NetlinkEncodeError && message.test(e.message) && (e as NetlinkEncodeError & { path?: string }).path === path);
  refused({ rtmDstLen: 256 }, /256 is out of range for u8/, '.rtmDstLen');
  refused({ rtmFlags: -1 }, /-1 is out of range for u32/, '.rtmFlags');
  refused({ rtmFamily: 2.5 }, /u8 needs an integer/, '.rtmFamily');
  refused({ rtmFamily: '2' }, /u8 needs an integer, got string/, '.rtmFamily');
  refused({ rtmType: 'bogus' }, /bogus/, '.rtmType');
});
