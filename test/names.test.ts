// readName: readString through a cache of the names already made; it must read exactly
// what readString reads, whatever the cache holds (collisions, lengths, non-ASCII).
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { readString } from '../src/core/attributes.js';
import { readName } from '../src/core/names.js';
import { RUNS } from './helpers/arbitraries.js';

describe('readName', () => {
  test('reads what readString reads, repeated or not', () => {
    fc.assert(fc.property(fc.array(fc.uint8Array({ maxLength: 80 }), { minLength: 1, maxLength: 20 }), (payloads) => {
      // each payload twice, so the second read may come from the cache
      for (const p of [...payloads, ...payloads]) {
        const buf = Buffer.concat([Buffer.of(9, 9), Buffer.from(p), Buffer.of(7)]);
        assert.equal(readName(buf, 2, 2 + p.length), readString(buf, 2, 2 + p.length));
      }
    }), { numRuns: RUNS.normal });
  });

  test('names that differ in one byte, or only in length, stay apart', () => {
    const names = ['eth0', 'eth1', 'eth', 'eth00', '', 'nlctrl', 'nlctrm', 'a'.repeat(32), 'a'.repeat(33), 'wlan\u00e9'];
    for (let round = 0; round < 3; round++) {
      for (const n of names) {
        const buf = Buffer.from(`${n}\0junk`, 'utf8');
        assert.equal(readName(buf, 0, buf.length), n);
        assert.equal(readName(buf, 0, Buffer.byteLength(n)), n); // without its NUL
      }
    }
  });

  test('the same name comes back equal from a different buffer', () => {
    const a = Buffer.from('notify\0'), b = Buffer.from('xxnotify\0');
    assert.equal(readName(a, 0, 7), readName(b, 2, 9));
  });
});
