// The codec's IPv4 text helpers (src/core/ipv4-text.ts) against the slower forms they stand
// in for: node:net's isIPv4, display.ts's parseIPv4 and formatIPv4.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isIPv4 } from 'node:net';
import fc from 'fast-check';
import { formatIPv4, parseIPv4 } from '../src/core/display.js';
import { ipv4Text, isIPv4Text, writeIPv4 } from '../src/core/ipv4-text.js';

/** Dotted text near the valid forms: 3-5 parts, leading zeros, values past 255, odd separators. */
const nearIPv4 = fc.tuple(
  fc.array(fc.oneof(fc.integer({ min: 0, max: 300 }).map(String), fc.integer({ min: 0, max: 99 }).map((n) => `0${n}`), fc.constantFrom('', 'a', '-1', ' 1')), { minLength: 3, maxLength: 5 }),
  fc.constantFrom('.', '.', '.', ',', '..'),
).map(([parts, sep]) => parts.join(sep));

test('isIPv4Text agrees with node:net isIPv4', () => {
  for (const s of ['1.2.3.4', '0.0.0.0', '255.255.255.255', '256.1.1.1', '01.2.3.4', '1.2.3', '1.2.3.4.5', '1..2.3', ' 1.2.3.4', '10.0.0.010'])
    assert.equal(isIPv4Text(s), isIPv4(s), s);
  fc.assert(fc.property(nearIPv4, (s) => isIPv4Text(s) === isIPv4(s)), { numRuns: 20000 });
});

test('a prefix is not an address: isIPv4Text and writeIPv4 refuse a/len forms as isIPv4 and parseIPv4 do', () => {
  const b = Buffer.alloc(4);
  for (const s of ['1.2.3.4/32', '1.2.3.4/8', '10.0.0.0/', '1.2.3.4//32', '1.2.3/4', '/32']) {
    assert.equal(isIPv4Text(s), isIPv4(s), s);
    assert.equal(writeIPv4(s, b, 0), parseIPv4(s) !== undefined, s);
  }
  fc.assert(fc.property(nearIPv4, fc.integer({ min: 0, max: 40 }), (s, len) => !isIPv4Text(`${s}/${len}`) && !writeIPv4(`${s}/${len}`, b, 0)));
});

test('writeIPv4 writes what parseIPv4 parses, and refuses what it refuses', () => {
  fc.assert(fc.property(nearIPv4, (s) => {
    const b = Buffer.alloc(4);
    const want = parseIPv4(s);
    assert.equal(writeIPv4(s, b, 0), want !== undefined, s);
    if (want) assert.deepEqual(b, want, s);
  }), { numRuns: 20000 });
});

test('ipv4Text formats as formatIPv4, repeats and neighbours of one /24 included', () => {
  fc.assert(fc.property(fc.array(fc.uint8Array({ minLength: 4, maxLength: 4 }), { minLength: 1, maxLength: 50 }), (addrs) => {
    for (const a of [...addrs, ...addrs]) assert.equal(ipv4Text(a, 0), formatIPv4(a, 0));
  }));
  // 0.0.0.0 is the tables' empty key: it must not read as an empty slot's text
  assert.equal(ipv4Text(Buffer.from([0, 0, 0, 0]), 0), '0.0.0.0');
  assert.equal(ipv4Text(Buffer.from([9, 0, 0, 0, 0]), 1), '0.0.0.0');
});
