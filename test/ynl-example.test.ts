// The example custom family (examples/echo-family): its spec loads at run time, encodes and
// decodes by hand-checked bytes, and without its kernel module opening it says so.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { Family, FamilyClient, loadSpec, openFamily } from '../src/ynl/index.js';
import { NetlinkError } from '../src/core/errors.js';
import { hex } from './helpers/golden.js';

const SPEC = fileURLToPath(new URL('../../examples/echo-family/nlkit-echo.yaml', import.meta.url));

test('the example spec loads: ops, values, sets', () => {
  const d = loadSpec(SPEC);
  assert.equal(d.name, 'nlkit-echo');
  assert.equal(d.protocol, 'genetlink');
  assert.deepEqual(d.operations.map((o) => [o.name, o.requestValue, o.replyValue]), [
    ['echo', 1, 1], ['list', 2, 2], ['fail', 3, 3], ['get-stats', 4, 4], ['echo-ntf', 5, 5],
  ]);
  assert.deepEqual(d.mcastGroups, [{ name: 'events' }]);
});

test('echo request: enums and flags by name, ipv4 by text, multi-attr', () => {
  const f = Family.from(loadSpec(SPEC));
  const body = f.encode('echo', { message: 'hi', mode: 'upper', flags: ['loud', 'twice'], peer: '10.0.0.1', tags: ['a'] });
  assert.equal(body.toString('hex'), hex(
    '01 01 0000' + //           genlmsghdr: cmd 1 (echo), version 1
    '0700 0200 686900 00' + //  message "hi"
    '0500 0300 01 000000' + //  mode upper (1)
    '0800 0400 03000000' + //   flags loud|twice
    '0800 0700 0a000001' + //   peer 10.0.0.1, big-endian
    '0600 0800 6100 0000', //   tags[0] "a"
  ).toString('hex'));
  // numbers are accepted where names are
  assert.deepEqual(f.encode('echo', { mode: 1, flags: 3 }), f.encode('echo', { mode: 'upper', flags: ['loud', 'twice'] }));
});

test('echo reply decodes to names, bigint and text', () => {
  const f = Family.from(loadSpec(SPEC));
  const reply = hex('01010000' + '08000100 07000000' + '07000200 48490000' + '05000300 01000000' + '0c000500 0700000000000000' + '08000700 0a000001');
  assert.deepEqual(f.decode('echo', reply), { id: 7, message: 'HI', mode: 'upper', count: 7n, peer: '10.0.0.1' });
});

test('a message longer than the spec allows is refused before sending', () => {
  const f = Family.from(loadSpec(SPEC));
  assert.throws(() => f.encode('echo', { message: 'x'.repeat(256) }), { name: 'NetlinkEncodeError', path: '.message' });
});

test('without the kernel module, opening the family is ENOENT with a clear message', async (t) => {
  const d = loadSpec(SPEC);
  try {
    const c = await openFamily(d);
    c.close();
    t.skip('the nlkit-echo module is loaded here');
    return;
  } catch (e) {
    assert.ok(e instanceof NetlinkError);
    assert.equal(e.code, 'ENOENT');
    assert.match(e.message, /no generic netlink family 'nlkit-echo'/);
  }
  assert.throws(() => FamilyClient.openSync(d), { code: 'ENOENT' });
});
