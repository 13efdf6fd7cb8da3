// tc's handles and units: the values iproute2's tables give (tc/tc_util.c get_rate, get_size,
// get_time, print_rate, print_size, print_time) and round trips of handle text.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { NetlinkArgumentError } from '../src/core/errors.js';
import { formatHandle, parseHandle, parseMajor, TC_H_INGRESS, TC_H_ROOT } from '../src/tc/handle.js';
import { formatRate, formatSize, formatTime, parseRate, parseSize, parseTime } from '../src/tc/units.js';

describe('tc handles', () => {
  test('text as tc writes it', () => {
    assert.equal(parseHandle('1:'), 0x10000);
    assert.equal(parseHandle('1:10'), 0x10010);
    assert.equal(parseHandle(':10'), 0x10);
    assert.equal(parseHandle('ffff:fff1'), TC_H_INGRESS);
    assert.equal(parseHandle('root'), TC_H_ROOT);
    assert.equal(parseHandle('ingress'), TC_H_INGRESS);
    assert.equal(parseHandle('none'), 0);
    assert.equal(parseMajor('1'), 0x10000);
    assert.equal(parseMajor('a:'), 0xa0000);
    assert.equal(formatHandle(0x10010), '1:10');
    assert.equal(formatHandle(0xffff0000), 'ffff:');
    assert.equal(formatHandle(TC_H_ROOT), 'root');
  });

  test('bad handles are typed errors', () => {
    for (const bad of ['', ':', '1:2:3', '10000:', 'x:1', '1:g', 'roots', -1, 2 ** 32, 1.5, null, {}])
      assert.throws(() => parseHandle(bad), NetlinkArgumentError, String(bad));
    assert.throws(() => parseMajor('1:10'), /major handle/);
  });

  test('format then parse is the identity for every non-root handle', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 0xfffffffe }), (h) => parseHandle(formatHandle(h)) === h));
  });
});

describe('tc units', () => {
  test('rates: bytes/s from tc strings (bare = bit/s, bps = bytes/s, case-insensitive)', () => {
    assert.equal(parseRate('10mbit'), 1_250_000);
    assert.equal(parseRate('10Mbit'), 1_250_000);
    assert.equal(parseRate('1gbit'), 125_000_000);
    assert.equal(parseRate('500kbps'), 500_000);
    assert.equal(parseRate('1mibit'), 131_072);
    assert.equal(parseRate('8000'), 1000);
    assert.equal(parseRate(1000), 1000);
    assert.equal(parseRate('1.5mbit'), 187_500);
    for (const bad of ['', 'fast', '10 furlongs', '-1mbit', NaN, -5, Infinity, true])
      assert.throws(() => parseRate(bad), NetlinkArgumentError, String(bad));
  });

  test('sizes and times', () => {
    assert.equal(parseSize('32kb'), 32768);
    assert.equal(parseSize('1mb'), 1 << 20);
    assert.equal(parseSize('1500'), 1500);
    assert.equal(parseSize('1500b'), 1500);
    assert.equal(parseSize('8kbit'), 1024);
    assert.equal(parseTime('10ms'), 10_000);
    assert.equal(parseTime('1s'), 1_000_000);
    assert.equal(parseTime('500us'), 500);
    assert.equal(parseTime('50'), 50);
    assert.throws(() => parseSize('5 parsecs'), NetlinkArgumentError);
    assert.throws(() => parseTime('10 fortnights'), NetlinkArgumentError);
  });

  test('printed as tc prints them', () => {
    assert.equal(formatRate(1_250_000), '10Mbit');
    assert.equal(formatRate(125_000_000), '1Gbit');
    assert.equal(formatRate(187_500), '1500Kbit');
    assert.equal(formatRate(125), '1Kbit');
    assert.equal(formatRate(100), '800bit');
    assert.equal(formatSize(32768), '32Kb');
    assert.equal(formatSize(1 << 20), '1Mb');
    assert.equal(formatSize(1500), '1500b');
  });

  // tc 6.1's own output for tbf latencies of 50ms, 1860us, 12345us, 1500ms and 1234s (tc_util.c
  // print_time: %.3g of seconds or milliseconds), and its whole microseconds below a millisecond
  test('a time is printed as tc prints it: %.3g seconds or milliseconds, whole microseconds', () => {
    const times: [number, string][] = [
      [50_000, '50ms'], [1_860, '1.86ms'], [12_345, '12.3ms'], [1_500_000, '1.5s'], [1_234_000_000, '1.23e+03s'], [10_000, '10ms'],
      [1_000_000, '1s'], [999, '999us'], [500.7, '500us'], [0, '0us'], [99_950, '100ms'], [999_999, '1e+03ms'],
    ];
    assert.deepEqual(times.map(([usec]) => formatTime(usec)), times.map(([, text]) => text));
  });

  test('a printed time parses back to within the rounding of three digits', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 0xffffffff }), (t) => Math.abs(parseTime(formatTime(t)) - t) <= t * 0.005 + 1));
  });

  // tc drops remainders once a rate is past 1000 units (print_rate): the text is within 0.1%.
  test('a printed rate parses back to within 0.1% of the bytes/s, exactly when it is a round figure', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 2 ** 40 }), (r) => Math.abs(parseRate(formatRate(r)) - r) <= r / 1000));
    fc.assert(fc.property(fc.integer({ min: 1, max: 999 }), fc.integer({ min: 0, max: 4 }), (n, e) => parseRate(formatRate(n * 1000 ** e)) === n * 1000 ** e));
  });
});
