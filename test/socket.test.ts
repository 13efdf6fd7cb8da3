// The socket layer: namespace references, option checks, closed sockets, batched receive,
// credentials and receive batches whose memory a decoder took away.
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';
import { Connection } from '../src/core/connection.js';
import {
  NETLINK_GENERIC, NETLINK_ROUTE, NETLINK_USERSOCK, NLM_F_REQUEST, SO_PASSCRED, SO_RCVBUF, SO_RCVBUFFORCE, SOL_NETLINK, SOL_SOCKET,
} from '../src/core/constants.js';
import { NetlinkArgumentError, NetnsError, SocketClosedError } from '../src/core/errors.js';
import {
  META_CRED_GID, META_CRED_PID, META_CRED_UID, META_FLAGS, META_INTS, META_LENGTH, META_OFFSET, META_REAL_LENGTH, MF_CREDS, MF_ERROR,
  MF_TRUNC, native,
} from '../src/core/native.js';
import type { RawMessage } from '../src/core/message.js';
import { Batch, currentBatchBytes, growBatches, MAX_SOCKET_BUFFER, NetlinkSocket } from '../src/core/transport.js';
import { MSG_ECHO } from './fixtures/usersock-protocol.js';
import { isRoot, needRoot, withNetns } from './helpers/netns.js';

const serverScript = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'usersock-server.js');

/** A netlink message of `size` bytes (header included) with the given seq. */
function message(size: number, seq = 0, type = 0x30): Buffer {
  const b = Buffer.alloc(size);
  b.writeUInt32LE(size, 0);
  b.writeUInt16LE(type, 4);
  b.writeUInt16LE(NLM_F_REQUEST, 6);
  b.writeUInt32LE(seq, 8);
  return b;
}

/** Two user-space sockets, the receiver bound; closed after fn. */
function pair(fn: (rx: NetlinkSocket, tx: NetlinkSocket) => void, rxOpts = {}): void {
  const rx = new NetlinkSocket(NETLINK_USERSOCK, rxOpts);
  const tx = new NetlinkSocket(NETLINK_USERSOCK);
  try {
    rx.bind();
    fn(rx, tx);
  } finally {
    rx.close();
    tx.close();
  }
}

describe('network namespace references', () => {
  test('a name is a name in /run/netns: separators, NUL, "." and ".." are argument errors', () => {
    for (const bad of ['', '.', '..', 'a/b', '../../proc/1/ns/net', '/run/netns/x', 'a\0b']) {
      assert.throws(() => new NetlinkSocket(NETLINK_ROUTE, { netns: bad }), (e: unknown) =>
        e instanceof NetlinkArgumentError && e.argument === 'netns', JSON.stringify(bad));
      assert.throws(() => new NetlinkSocket(NETLINK_ROUTE, { netns: { name: bad } }), NetlinkArgumentError);
    }
    for (const bad of [{ path: '' }, { path: 'a\0' }, { fd: -1 }, { fd: 1.5 }, { path: '/x', fd: 3 }, {}, null, true, -3, 2 ** 40])
      assert.throws(() => new NetlinkSocket(NETLINK_ROUTE, { netns: bad as never }), NetlinkArgumentError, JSON.stringify(bad));
  });

  test('a missing namespace says which name and path', () => {
    const name = 'nlkt-missing-0000';
    assert.throws(() => new NetlinkSocket(NETLINK_ROUTE, { netns: name }), (e: unknown) => {
      assert.ok(e instanceof NetnsError);
      assert.equal(e.code, 'ENOENT');
      assert.equal(e.message, `ENOENT: network namespace '${name}' not found (/run/netns/${name})`);
      assert.equal(e.netns, name);
      assert.equal(e.path, `/run/netns/${name}`);
      return true;
    });
    assert.throws(() => new NetlinkSocket(NETLINK_ROUTE, { netns: { path: '/nonexistent/ns' } }),
      { name: 'NetnsError', code: 'ENOENT', message: "ENOENT: network namespace '/nonexistent/ns' not found" });
  });

  test('files that are not network namespaces are typed errors: a FIFO does not hang open()', () => {
    const dir = mkdtempSync(join(tmpdir(), 'nlkt-ns-'));
    try {
      const file = join(dir, 'plain');
      writeFileSync(file, 'x');
      const notNet = (ref: unknown) => assert.throws(() => new NetlinkSocket(NETLINK_ROUTE, { netns: ref as never }), (e: unknown) =>
        e instanceof NetnsError && e.code === 'EINVAL' && /is not a network namespace/.test(e.message), JSON.stringify(ref));
      notNet({ path: file });
      notNet({ path: dir });
      notNet({ path: '/proc/self/ns/uts' }); // a namespace, of another kind
      const fd = openSync(file, 'r');
      try {
        notNet(fd);
        notNet({ fd });
      } finally {
        closeSync(fd);
      }
      // in a child: before the fix open() blocked forever waiting for a writer
      const fifo = join(dir, 'fifo');
      execFileSync('mkfifo', [fifo]);
      const script = `
        import('${new URL('../src/core/transport.js', import.meta.url).href}').then(({ NetlinkSocket }) => {
          try { new NetlinkSocket(0, { netns: { path: ${JSON.stringify(fifo)} } }); console.log('opened'); }
          catch (e) { console.log(e.name, e.code); }
        });`;
      const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { timeout: 10_000, encoding: 'utf8' });
      assert.equal(r.signal, null, 'the child hung in open()');
      assert.equal(r.stdout.trim(), 'NetnsError EINVAL');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('{ path } and { name } open the namespace they name', async (t) => {
    if (!needRoot(t)) return;
    await withNetns((ns) => {
      for (const ref of [{ path: `/run/netns/${ns}` }, { name: ns }]) {
        const inside = new NetlinkSocket(NETLINK_ROUTE, { netns: ref });
        inside.close();
      }
    });
  });
});

describe('socket options and closed sockets', () => {
  test('rcvbuf and sndbuf must be integers in range: no silent clamp, no native TypeError', () => {
    for (const name of ['rcvbuf', 'sndbuf'] as const) {
      for (const bad of [0, -1, 1.5, NaN, Infinity, MAX_SOCKET_BUFFER + 1, 2 ** 31, 2 ** 40, '4096', null]) {
        assert.throws(() => new NetlinkSocket(NETLINK_GENERIC, { [name]: bad as number }), (e: unknown) =>
          e instanceof NetlinkArgumentError && e.argument === name, `${name}: ${String(bad)}`);
      }
    }
    const s = new NetlinkSocket(NETLINK_GENERIC, { rcvbuf: 1 << 16, sndbuf: 1 << 16 });
    s.close();
  });

  test('every method of a closed socket throws SocketClosedError, even when its fd number is reused', () => {
    const old = new NetlinkSocket(NETLINK_USERSOCK);
    const fd = old.fd;
    old.close();
    const reuse = new NetlinkSocket(NETLINK_USERSOCK);
    try {
      assert.equal(reuse.fd, fd, 'the kernel hands out the lowest free fd');
      const b = new Batch(4096, 4);
      const calls: [string, () => unknown][] = [
        ['fd', () => old.fd],
        ['portId', () => old.portId],
        ['bind', () => old.bind()],
        ['ensureBound', () => old.ensureBound()],
        ['join', () => old.join(1)],
        ['leave', () => old.leave(1)],
        ['setOption', () => old.setOption(SOL_SOCKET, SO_PASSCRED, 1)],
        ['getOption', () => old.getOption(SOL_SOCKET, SO_RCVBUF)],
        ['send', () => old.send(message(16), 0, 16, 0)],
        ['recv', () => old.recv(b, 0, 1)],
        ['transact', () => old.transact(message(16), 0, 16, 0, 0, b, 0, 1)],
      ];
      for (const [name, call] of calls) assert.throws(call, SocketClosedError, name);
      old.startPolling(() => assert.fail('a closed socket polls'));
      old.close();
      // none of it reached the socket that now has the number
      assert.equal(reuse.portId, 0);
      assert.equal(reuse.getOption(SOL_SOCKET, SO_PASSCRED), 0);
      assert.equal(native.getsockopt(fd, SOL_NETLINK, 11), 1); // still the new socket's own EXT_ACK
    } finally {
      reuse.close();
    }
  });

  test('a closed connection\'s socket-level calls throw SocketClosedError', () => {
    const c = new Connection(NETLINK_USERSOCK);
    c.close();
    assert.throws(() => c.portId, SocketClosedError);
    assert.throws(() => c.socket.fd, SocketClosedError);
  });
});

describe('batched receive', () => {
  test('one call returns every queued datagram that fits, each with its real length', () => {
    pair((rx, tx) => {
      const b = new Batch(1 << 20, 64);
      // nothing queued: 0 entries, no error
      assert.equal(rx.recv(b, 0, 64), 0);
      for (let i = 0; i < 9; i++) tx.send(message(100 + i * 8, i), 0, 100 + i * 8, rx.portId);
      const n = rx.recv(b, 0, 64);
      assert.equal(n, 9);
      for (let i = 0; i < n; i++) {
        const m = b.meta.subarray(i * META_INTS);
        assert.equal(m[META_FLAGS] & (MF_TRUNC | MF_ERROR), 0);
        assert.equal(m[META_LENGTH], 100 + i * 8);
        assert.equal(m[META_REAL_LENGTH], 100 + i * 8);
        assert.equal(b.buf.readUInt32LE(m[META_OFFSET] + 8), i, 'datagram order and placement');
      }
      assert.equal(rx.recv(b, 0, 64), 0);
    }, { rcvbuf: 4 << 20 });
  });

  test('a datagram that does not fit is reported truncated with its real size, never cut silently', () => {
    pair((rx, tx) => {
      const b = new Batch(256 * 1024, 8);
      tx.send(message(64), 0, 64, rx.portId);
      tx.send(message(100_000, 7), 0, 100_000, rx.portId); // second: gets a 64 KiB region
      tx.send(message(64, 8), 0, 64, rx.portId);
      const n = rx.recv(b, 0, 8);
      assert.equal(n, 3);
      const second = b.meta.subarray(META_INTS);
      assert.equal(second[META_FLAGS] & MF_TRUNC, MF_TRUNC);
      assert.equal(second[META_REAL_LENGTH], 100_000);
      assert.ok(second[META_LENGTH] < 100_000);
      assert.equal(b.buf.readUInt32LE(b.meta[2 * META_INTS + META_OFFSET] + 8), 8, 'the next datagram is intact');
      // first in a batch it gets half the buffer or more, and fits
      tx.send(message(100_000, 9), 0, 100_000, rx.portId);
      assert.equal(rx.recv(b, 0, 8), 1);
      assert.equal(b.meta[META_FLAGS] & MF_TRUNC, 0);
      assert.equal(b.meta[META_LENGTH], 100_000);
    }, { rcvbuf: 4 << 20 });
  });

  test('a receive-queue overflow is an ENOBUFS entry and the socket keeps working', (t) => {
    if (!isRoot) return t.skip('needs root (SO_RCVBUFFORCE) to force a small receive buffer');
    pair((rx, tx) => {
      rx.join(5);
      const b = new Batch(1 << 20, 512);
      // multicast never blocks the sender: what does not fit is dropped and the receiver told
      const multicast = (m: Buffer) => {
        try {
          tx.send(m, 0, m.length, 0, 1 << 4);
        } catch (e) {
          // delivered to the group; the copy for port 0 finds no kernel socket on USERSOCK
          if ((e as { code?: string }).code !== 'ECONNREFUSED') throw e;
        }
      };
      for (let i = 0; i < 2000; i++) multicast(message(256, i));
      let overflows = 0, datagrams = 0;
      for (let n; (n = rx.recv(b, 0, 512)) > 0;) {
        for (let i = 0; i < n; i++) {
          const m = b.meta.subarray(i * META_INTS);
          if (m[META_FLAGS] & MF_ERROR) {
            assert.equal(m[META_LENGTH], 105); // ENOBUFS
            overflows++;
          } else datagrams++;
        }
      }
      assert.ok(overflows >= 1, 'the overflow is reported');
      assert.ok(datagrams > 0 && datagrams < 2000);
      multicast(message(64, 4242));
      assert.equal(rx.recv(b, 1000, 512), 1);
      assert.equal(b.buf.readUInt32LE(b.meta[META_OFFSET] + 8), 4242);
    }, { rcvbuf: 4096, forceBuffers: true });
  });

  test('with SO_PASSCRED each datagram carries the sender\'s pid, uid and gid; without it, none', () => {
    pair((rx, tx) => {
      const b = new Batch(1 << 20, 8);
      tx.send(message(32), 0, 32, rx.portId);
      assert.equal(rx.recv(b, 1000, 8), 1);
      assert.equal(b.meta[META_FLAGS] & MF_CREDS, 0);
      assert.equal(b.meta[META_CRED_PID], -1);
      rx.setOption(SOL_SOCKET, SO_PASSCRED, 1);
      for (let i = 0; i < 3; i++) tx.send(message(32), 0, 32, rx.portId);
      assert.equal(rx.recv(b, 1000, 8), 3);
      for (let i = 0; i < 3; i++) {
        const m = b.meta.subarray(i * META_INTS);
        assert.equal(m[META_FLAGS] & MF_CREDS, MF_CREDS);
        assert.equal(m[META_CRED_PID], process.pid);
        assert.equal(m[META_CRED_UID], process.getuid!());
        assert.equal(m[META_CRED_GID], process.getgid!());
      }
    });
  });

  test('SO_RCVBUFFORCE beyond the limit is refused up front', () => {
    assert.throws(() => new NetlinkSocket(NETLINK_GENERIC, { rcvbuf: 2 ** 31, forceBuffers: true }), NetlinkArgumentError);
    void SO_RCVBUFFORCE;
  });
});

describe('receive batches whose memory a decoder took away', () => {
  const transfer = (buf: Buffer) => structuredClone(buf.buffer, { transfer: [buf.buffer] });

  test('a decoder that transfers m.buf.buffer: later datagrams land in fresh memory, never the freed one', async () => {
    const server = new Connection(NETLINK_USERSOCK);
    const client = new Connection(NETLINK_USERSOCK, { timeout: 5000 });
    try {
      // replies come late, so they arrive through the event loop's poller batch
      server.serve(async (req) => {
        await new Promise((r) => setTimeout(r, 5));
        return { type: req.type, payload: req.payload };
      }, { ref: false });
      const peer = server.portId;
      const ask = (v: number, decode: (m: RawMessage) => number) => {
        const p = Buffer.alloc(4);
        p.writeUInt32LE(v);
        return client.request(0x40, p, { peer, ack: false, decode });
      };
      const plain = (m: RawMessage) => m.buf.readUInt32LE(m.start);
      for (let round = 0; round < 3; round++) {
        const [taken] = await ask(100 + round, (m) => {
          const v = m.buf.readUInt32LE(m.start);
          transfer(m.buf); // m.buf is now detached; its memory belongs to the clone, soon garbage
          assert.equal(m.buf.length, 0);
          return v;
        });
        assert.equal(taken, 100 + round);
        assert.deepEqual(await Promise.all([1, 2, 3].map((v) => ask(v, plain))), [[1], [2], [3]]);
      }
    } finally {
      client.close();
      server.close();
    }
  });

  test('Sync reads: a transferred pooled batch is never reused', async () => {
    // a Sync call blocks this thread, so the server is another process
    const child = spawn(process.execPath, [serverScript], { stdio: ['pipe', 'pipe', 'inherit'] });
    const client = new Connection(NETLINK_USERSOCK, { timeout: 5000 });
    try {
      const [line] = (await once(child.stdout!, 'data')) as [Buffer];
      const peer = Number(line.toString().trim());
      const echo = (v: number, decode: (m: RawMessage) => number) => {
        const p = Buffer.alloc(4);
        p.writeUInt32LE(v);
        return client.requestSync(MSG_ECHO, p, { peer, ack: false, decode });
      };
      const plain = (m: RawMessage) => m.buf.readUInt32LE(m.start);
      for (let i = 0; i < 3; i++) {
        assert.deepEqual(echo(7, (m) => { const v = m.buf.readUInt32LE(m.start); transfer(m.buf); return v; }), [7]);
        assert.deepEqual(echo(8, plain), [8]);
      }
    } finally {
      client.close();
      child.stdin!.end();
      if (child.exitCode === null) await once(child, 'exit');
    }
  });

  test('the addon never writes into a detached poller batch', () => {
    const rx = new NetlinkSocket(NETLINK_USERSOCK);
    const tx = new NetlinkSocket(NETLINK_USERSOCK);
    try {
      rx.bind();
      const b = new Batch(1 << 16, 4);
      const calls: number[] = [];
      const poller = native.pollerCreate(rx.fd, b.buf, b.meta, (n: number) => calls.push(n), false);
      transfer(b.buf);
      native.pollerStart(poller);
      tx.send(message(32), 0, 32, rx.portId);
      // run the event loop once for the poller to wake up
      return new Promise<void>((resolve) => setTimeout(() => {
        native.pollerClose(poller);
        assert.deepEqual(calls, [-1], 'POLLER_DETACHED, and nothing read');
        assert.equal(rx.recv(new Batch(4096, 4), 0, 4), 1, 'the datagram is still queued');
        resolve();
      }, 50));
    } finally {
      setTimeout(() => { rx.close(); tx.close(); }, 100);
    }
  });
});

// Last in this file: it raises the process-wide slot size.
describe('after a large datagram', () => {
  test('every datagram of that size fits, also after the first of a batch', () => {
    pair((rx, tx) => {
      const size = 100_000;
      growBatches(size); // what the engine does when a datagram came truncated
      const b = new Batch(currentBatchBytes(), 8);
      for (let i = 0; i < 3; i++) tx.send(message(size, i), 0, size, rx.portId);
      let seen = 0;
      for (let n; (n = rx.recv(b, 0, 8)) > 0;) {
        for (let i = 0; i < n; i++, seen++) {
          const m = b.meta.subarray(i * META_INTS);
          assert.equal(m[META_FLAGS] & MF_TRUNC, 0, `datagram ${seen} is whole`);
          assert.equal(m[META_LENGTH], size);
          assert.equal(b.buf.readUInt32LE(m[META_OFFSET] + 8), seen);
        }
      }
      assert.equal(seen, 3);
    }, { rcvbuf: 4 << 20 });
  });
});
