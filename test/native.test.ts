// The kernel boundary: bad arguments and dead sockets give typed errors, never a crash.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, test } from 'node:test';
import { Connection } from '../src/core/connection.js';
import { NETLINK_GENERIC, NETLINK_ROUTE, SOL_NETLINK, SO_RCVBUF, SOL_SOCKET } from '../src/core/constants.js';
import { SocketClosedError } from '../src/core/errors.js';
import { META_INTS, native } from '../src/core/native.js';
import { Batch, NetlinkSocket } from '../src/core/transport.js';

const garbage: unknown[] = [undefined, null, -1, 1.5, 2 ** 40, NaN, 'x', {}, [], () => 0, 10n, Symbol('s'), new Int8Array(4)];

describe('native layer', () => {
  test('every function rejects wrong argument types with a TypeError, never a crash', () => {
    const fns = ['socket', 'close', 'bind', 'getsockname', 'setsockopt', 'getsockopt', 'send', 'recv', 'transact',
      'pollerCreate', 'pollerStart', 'pollerStop', 'pollerRef', 'pollerClose', 'senderKick', 'senderSteal', 'senderCancel'] as const;
    for (const name of fns) {
      const fn = (native as unknown as Record<string, (...a: unknown[]) => unknown>)[name];
      for (const g of garbage) {
        const args = Array.from({ length: 11 }, () => g);
        try {
          fn(...args);
        } catch (e) {
          // a TypeError for bad types, or a system error with code/errno/syscall
          const err = e as { code?: string; errno?: number; syscall?: string };
          assert.ok(e instanceof TypeError || (typeof err.code === 'string' && typeof err.errno === 'number' && typeof err.syscall === 'string'),
            `${name}(${String(g)}): ${String(e)}`);
        }
      }
    }
  });

  test('system errors carry Node\'s code, errno and syscall', () => {
    assert.throws(() => native.socket(NETLINK_ROUTE, '/nonexistent/netns'), { code: 'ENOENT', errno: -2, syscall: 'open' });
    assert.throws(() => native.socket(250), (e: unknown) => (e as { syscall?: string }).syscall === 'socket');
    assert.throws(() => native.bind(987654, 0, 0), { code: 'EBADF', errno: -9, syscall: 'bind' });
    assert.throws(() => native.getsockopt(987654, SOL_NETLINK, 1), { code: 'EBADF', syscall: 'getsockopt' });
    const b = new Batch(4096, 4);
    assert.equal(b.meta.length, 4 * META_INTS);
    // recv on a bad fd is an error entry, not an exception: the batch reports it
    assert.equal(native.recv(987654, b.buf, b.meta, 0, 4, false), 1);
    assert.equal(b.meta[6] & 2, 2);
    assert.equal(b.meta[1], 9); // EBADF
  });

  test('socket options round-trip through getsockopt', () => {
    const s = new NetlinkSocket(NETLINK_GENERIC, { rcvbuf: 1 << 16 });
    try {
      assert.ok(s.getOption(SOL_SOCKET, SO_RCVBUF) >= 1 << 16); // the kernel doubles it
      assert.equal(s.getOption(SOL_NETLINK, 11), 1); // NETLINK_EXT_ACK
      assert.equal(s.getOption(SOL_NETLINK, 10), 1); // NETLINK_CAP_ACK
      assert.equal(s.portId, 0); // not bound until needed
      s.bind();
      assert.ok(s.portId !== 0);
    } finally {
      s.close();
    }
  });

  test('a closed connection rejects calls with a typed error', async () => {
    const c = new Connection(NETLINK_GENERIC);
    const pending = c.request(0x10, null, { timeout: 0, ack: false, flags: 0 }).catch((e: unknown) => e);
    c.close();
    c.close(); // twice is fine
    await assert.rejects(c.request(0x10, null), SocketClosedError);
    assert.throws(() => c.requestSync(0x10, null), SocketClosedError);
    assert.ok((await pending) !== undefined);
  });

  test('an unref\'d event stream does not keep the process alive; a ref\'d one does until closed', () => {
    const script = (ref: boolean) => `
      import('${new URL('../src/core/connection.js', import.meta.url).href}').then(({ Connection }) => {
        const c = new Connection(0);
        c.events({ groups: [1], ref: ${ref} });
        ${ref ? 'setTimeout(() => c.close(), 200);' : ''}
      });`;
    for (const ref of [false, true]) {
      const r = spawnSync(process.execPath, ['--input-type=module', '-e', script(ref)], { timeout: 5000 });
      assert.equal(r.status, 0, `ref=${ref}: ${r.stderr}`);
    }
  });
});
