// The encoder's compiled key tables (codec.ts keyTable / fastWriter): plain attributes go
// through a writer chosen per attribute, and every value it does not take plainly must
// come out of the general path exactly as before: the same bytes, or the same error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AttrSet, NetlinkEncodeError, Writer, encodeAttrs, markTextInput } from '../src/core/index.js';
import { encodeHeaded } from '../src/core/codec.js';
import { StructType } from '../src/core/struct.js';

const set = new AttrSet('t', [
  { name: 'name', type: 'string', value: 1 },
  { name: 'on', type: 'flag', value: 2 },
  { name: 'small', type: 'u8', value: 3 },
  { name: 'mid', type: 'u16', value: 4 },
  { name: 'index', type: 'u32', value: 5 },
  { name: 'addr', type: 'binary', value: 6, display: 'ipv4-or-v6' },
  { name: 'capped', type: 'u32', value: 7, checks: { max: 10 } },
]);

function bytes(obj: object, header?: StructType): string {
  const w = new Writer(16);
  w.buf.fill(0xa5);
  if (header) encodeHeaded(w, header, set, obj);
  else encodeAttrs(set, obj, w);
  return w.toBuffer().toString('hex');
}
function error(obj: object): NetlinkEncodeError {
  try {
    bytes(obj);
  } catch (e) {
    assert.ok(e instanceof NetlinkEncodeError, String(e));
    return e;
  }
  assert.fail('no error');
}

test('plain values are written by the per-attribute writers', () => {
  assert.equal(bytes({ name: 'lo', on: true, small: 7, mid: 0x102, index: 0x01020304, addr: '10.0.0.1' }),
    '07000100' + '6c6f0000' + '04000200' + '05000300' + '07000000' + '06000400' + '02010000' + '08000500' + '04030201' + '08000600' + '0a000001');
});

test('values the writers do not take go the general way: text input, other forms, checks', () => {
  // an IPv6 address and bytes in an ipv4-or-v6 attribute
  assert.equal(bytes({ addr: '2001:db8::1' }), '14000600' + '20010db8000000000000000000000001');
  assert.equal(bytes({ addr: Buffer.from([1, 2, 3, 4]) }), '08000600' + '01020304');
  // digits as text, only in a request marked as read from JSON
  assert.equal(bytes(markTextInput({ index: '7', small: '0x10' })), '08000500' + '07000000' + '05000300' + '10000000');
  assert.match(error({ index: '7' }).message, /index/);
  // bounds are the general path's
  assert.equal(bytes({ capped: 10 }), '08000700' + '0a000000');
  assert.match(error({ capped: 11 }).message, /above the maximum 10/);
  // refused values keep their messages and paths
  assert.equal(error({ small: 256 }).path, '.small');
  assert.equal(error({ mid: -1 }).path, '.mid');
  assert.equal(error({ index: 1.5 }).path, '.index');
  assert.match(error({ on: false }).message, /flag needs true/);
  assert.match(error({ name: 5 }).message, /string needed/);
  assert.match(error({ addr: '10.0.0.256' }).message, /./);
  assert.equal(error({ addr: '10.0.0.256' }).path, '.addr');
  assert.match(error({ nope: 1 }).message, /no attribute 'nope' in set t/);
});

test('a fixed header\'s keys are skipped only where the set follows that header', () => {
  const header = new StructType('h', [{ name: 'family', type: 'u8' }, { name: 'pad', type: 'pad', len: 3 }]);
  assert.equal(bytes({ family: 2, index: 1 }, header), '02000000' + '08000500' + '01000000');
  // the same set alone has no such attribute
  assert.match(error({ family: 2, index: 1 }).message, /no attribute 'family' in set t/);
  // and with the header again, still skipped (each header has its own table)
  assert.equal(bytes({ family: 10 }, header), '0a000000');
});

test('only own keys are encoded, in their order: inherited enumerable keys are not attributes', () => {
  // the encoder walks keys with for-in (no key array per object): what it sees beyond
  // Object.keys (a prototype's enumerable keys) must still be left out, not refused
  const proto = { nope: 1, index: 9 };
  const obj = Object.assign(Object.create(proto) as object, { small: 7, name: 'lo' });
  assert.equal(bytes(obj), '05000300' + '07000000' + '07000100' + '6c6f0000');
  // an own key of the same name wins, in its own place
  const own = Object.assign(Object.create(proto) as object, { index: 1 });
  assert.equal(bytes(own), '08000500' + '01000000');
  // and an unknown own key is still refused
  assert.match(error(Object.assign(Object.create(proto) as object, { bad: 1 })).message, /no attribute 'bad' in set t/);
});
