// The read-ahead (native/readahead.c, src/core/readahead.ts): an async dump receives on
// libuv's thread pool while the main thread decodes. Against the real kernel, in throwaway
// namespaces: the dump's items are the kernel's, in its order (ip -j as the oracle); events,
// requests and Sync calls made while a pool read is out are answered and keep their order;
// close() with a read in flight neither crashes nor leaks into the next socket.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, test } from 'node:test';
import { Connection } from '../src/core/connection.js';
import { NETLINK_ROUTE } from '../src/core/constants.js';
import { NetlinkArgumentError, SocketClosedError } from '../src/core/errors.js';
import type { RawMessage } from '../src/core/message.js';
import { native } from '../src/core/native.js';
import type { Writer } from '../src/core/writer.js';
import { openRoute } from '../src/route/handle.js';
import { inNetns, needRoot, run, withNetns } from './helpers/netns.js';
import { decodeLink, decodeRoute, ifinfomsg, RTM_GETLINK, RTM_GETROUTE, RTNLGRP_IPV4_ROUTE, rtmsgDump } from './helpers/rtnl.js';

const ROUTES = 20_000;

/** ROUTES /32 routes 10.a.b.c via lo in one ip -batch. */
function fill(ns: string, n = ROUTES, first = 0): void {
  const lines: string[] = [];
  for (let i = first; i < first + n; i++) lines.push(`route add 10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}/32 dev lo metric ${i & 7}`);
  run('ip', ['-n', ns, '-batch', '-'], lines.join('\n') + '\n');
}

/** Whether the connection made a read-ahead (its private field: the addon's exports are read-only, nothing to count with). */
const readAheadMade = (conn: Connection) => (conn as unknown as { ahead?: object }).ahead !== undefined;
/** Whether a pool read is out, its datagrams untaken. */
const readAheadBusy = (conn: Connection) => (conn as unknown as { ahead?: { busy: boolean } }).ahead?.busy === true;

const mainRoutes = (m: RawMessage) => {
  const r = decodeRoute(m);
  return r.table === 254 ? `${r.dst}/${r.dstLen}` : undefined;
};

describe('read-ahead: dumps on the thread pool', () => {
  test(`routes.list() of ${ROUTES} routes equals ip -j route show, in the kernel's order, read on the pool`, async (t) => {
    if (!needRoot(t)) return;
    await withNetns(async (ns) => {
      fill(ns);
      const rt = openRoute({ netns: ns });
      try {
        const routes = await rt.routes.list();
        assert.ok(readAheadMade(rt.ctx.conn));
        const oracle = JSON.parse(execFileSync('ip', ['-j', '-n', ns, 'route', 'show'], { encoding: 'utf8', maxBuffer: 1 << 28 })) as
          { dst: string; dev: string; metric?: number }[];
        assert.equal(routes.length, oracle.length);
        assert.deepEqual(
          routes.map((r) => [r.dst.replace(/\/32$/, ''), r.dev, r.metric ?? 0]),
          oracle.map((o) => [o.dst, o.dev, o.metric ?? 0]));
        // the same table without the read-ahead
        const off = openRoute({ netns: ns, readAhead: false });
        try {
          const again = await off.routes.list();
          assert.ok(!readAheadMade(off.ctx.conn));
          assert.deepEqual(again, routes);
        } finally {
          off.close();
        }
      } finally {
        rt.close();
      }
    });
  });

  test('a streamed dump (for await) pauses and resumes with a read out, and gets every route once', async (t) => {
    await inNetns(t, async (conn, ns) => {
      fill(ns);
      const seen = new Set<string>();
      let items = 0;
      for await (const dst of conn.dump(RTM_GETROUTE, rtmsgDump, { decode: mainRoutes, highWaterMark: 64 })) {
        if (dst === undefined) continue;
        items++;
        seen.add(dst);
        // a slow consumer: the stream pauses the connection while a pool read may be out
        if (items % 5000 === 0) await new Promise((r) => setTimeout(r, 5));
      }
      assert.equal(items, ROUTES);
      assert.equal(seen.size, ROUTES);
    });
  });

  test('events arriving during a read-ahead dump are all delivered, none taken for the dump', async (t) => {
    await inNetns(t, async (conn, ns) => {
      fill(ns);
      const events = conn.events<string>({ groups: [RTNLGRP_IPV4_ROUTE], decode: (m) => decodeRoute(m).dst });
      const added: string[] = [];
      let items = 0;
      for await (const dst of conn.dump(RTM_GETROUTE, rtmsgDump, { decode: mainRoutes })) {
        if (dst !== undefined) items++;
        // another process changes the table while the dump is read: its events queue
        // behind and among the dump's chunks
        if (items === 2000 || items === 12000) {
          const base = items === 2000 ? 0 : 50;
          const lines = Array.from({ length: 50 }, (_, i) => `route add 172.16.${base + i}.0/24 dev lo`);
          run('ip', ['-n', ns, '-batch', '-'], lines.join('\n') + '\n');
          added.push(...lines.map((l) => l.split(' ')[2].replace('/24', '')));
        }
      }
      assert.ok(items >= ROUTES, `dump items: ${items}`);
      const got = new Set<string>();
      const deadline = Date.now() + 5000;
      const it = events[Symbol.asyncIterator]();
      while (got.size < added.length && Date.now() < deadline) {
        const r = await Promise.race([it.next(), new Promise<undefined>((res) => setTimeout(res, 5000))]);
        if (!r || r.done) break;
        const ev = r.value as { kind?: string; message?: string };
        if (typeof ev.message === 'string' && added.includes(ev.message)) got.add(ev.message);
      }
      events.close();
      assert.equal(got.size, added.length);
    });
  });

  test('requests, Sync calls and a second dump made while a dump reads ahead: each answered, the dump whole', async (t) => {
    await inNetns(t, async (conn, ns) => {
      fill(ns);
      const value = await (async () => {
        const byIndex = (w: Writer) => {
          w.u8(0); w.u8(0); w.u16(0); w.s32(1); w.u32(0); w.u32(0);
        };
        const dump = conn.dump(RTM_GETROUTE, rtmsgDump, { decode: mainRoutes }).toArray();
        // made while the dump's first pool read is out: each joins it before reading
        const lo = conn.request(RTM_GETLINK, byIndex, { decode: decodeLink, ack: false });
        const syncLo = conn.requestSync(RTM_GETLINK, byIndex, { decode: decodeLink, ack: false });
        const second = conn.dump(RTM_GETROUTE, rtmsgDump, { decode: mainRoutes }).toArray();
        // one made later, in the middle of the dump
        await new Promise((r) => setImmediate(r));
        const links = await conn.request(RTM_GETLINK, byIndex, { decode: decodeLink, ack: false });
        const syncLinks = conn.dumpSync(RTM_GETLINK, ifinfomsg, { decode: decodeLink });
        return { first: await dump, second: await second, lo: await lo, syncLo, links, syncLinks };
      })();
      const count = (a: (string | undefined)[]) => a.filter((x) => x !== undefined).length;
      assert.equal(count(value.first), ROUTES);
      assert.deepEqual(value.second, value.first);
      assert.deepEqual(value.syncLinks.map((l) => l.ifname), ['lo']);
      for (const r of [value.lo, value.syncLo, value.links]) assert.deepEqual(r.map((l) => l.ifname), ['lo']);
      assert.ok(readAheadMade(conn));
    });
  });

  test('close() with a pool read in flight: the caller gets SocketClosedError, the next sockets are clean', async (t) => {
    if (!needRoot(t)) return;
    await withNetns(async (ns) => {
      fill(ns, 5000);
      for (let i = 0; i < 50; i++) {
        const conn = new Connection(NETLINK_ROUTE, { netns: ns });
        if (i % 2 === 0) {
          // the dump's first pool read starts when it is sent: close at once
          const p = conn.dump(RTM_GETROUTE, rtmsgDump, { decode: mainRoutes }).toArray();
          assert.ok(readAheadBusy(conn));
          conn.close();
          await assert.rejects(p, SocketClosedError);
        } else {
          // at the first route the next block's read is out (it goes before a block is decoded)
          await assert.rejects(async () => {
            for await (const _ of conn.dump(RTM_GETROUTE, rtmsgDump, { decode: mainRoutes })) {
              if (!conn.isClosed) {
                assert.ok(readAheadBusy(conn));
                conn.close();
              }
            }
          }, SocketClosedError);
        }
        // a new socket likely gets the closed one's fd number: the read in flight read a dup
        const next = new Connection(NETLINK_ROUTE, { netns: ns });
        try {
          const links = await next.dump(RTM_GETLINK, ifinfomsg, { decode: decodeLink }).toArray();
          assert.deepEqual(links.map((l) => l.ifname), ['lo']);
        } finally {
          next.close();
        }
      }
      // the pool's reads end with their sockets: a full dump still works afterwards
      const conn = new Connection(NETLINK_ROUTE, { netns: ns });
      try {
        const all = await conn.dump(RTM_GETROUTE, rtmsgDump, { decode: mainRoutes }).toArray();
        assert.equal(all.filter((x) => x !== undefined).length, 5000);
      } finally {
        conn.close();
      }
    });
  });

  test('a socket that reads ancillary data (listenAllNsid) reads ahead with it: the same dump', async (t) => {
    if (!needRoot(t)) return;
    await withNetns(async (ns) => {
      fill(ns);
      const plain = new Connection(NETLINK_ROUTE, { netns: ns });
      const cmsg = new Connection(NETLINK_ROUTE, { netns: ns, listenAllNsid: true });
      try {
        const a = await plain.dump(RTM_GETROUTE, rtmsgDump, { decode: mainRoutes }).toArray();
        const b = await cmsg.dump(RTM_GETROUTE, rtmsgDump, { decode: mainRoutes }).toArray();
        assert.ok(readAheadMade(cmsg));
        assert.equal(a.filter((x) => x !== undefined).length, ROUTES);
        assert.deepEqual(b, a);
      } finally {
        plain.close();
        cmsg.close();
      }
    });
  });

  test('the readAhead option is checked', () => {
    assert.throws(() => new Connection(NETLINK_ROUTE, { readAhead: 'yes' as unknown as boolean }), NetlinkArgumentError);
  });

  test('the addon refuses bad read-ahead arguments with a TypeError, and a closed handle with EBADF', () => {
    const n = native as unknown as Record<string, (...a: unknown[]) => unknown>;
    assert.throws(() => n.readaheadCreate(-1, 8, 65536, false, () => {}), TypeError);
    assert.throws(() => n.readaheadCreate(0, 0, 65536, false, () => {}), TypeError);
    assert.throws(() => n.readaheadCreate(0, 8, 1000, false, () => {}), TypeError);
    assert.throws(() => n.readaheadCreate(0, 8, 65536, false, 'cb'), TypeError);
    const conn = new Connection(NETLINK_ROUTE);
    try {
      const [h] = n.readaheadCreate(conn.socket.fd, 8, 65536, false, () => {}) as [object];
      assert.throws(() => n.readaheadStart(h, 2), TypeError);
      assert.equal(n.readaheadJoin(h), -1);
      n.readaheadClose(h);
      assert.throws(() => n.readaheadStart(h, 0), /EBADF/);
      assert.throws(() => n.readaheadStart({}, 0), /EBADF/);
    } finally {
      conn.close();
    }
  });

  test('a handle of one kind is refused where another kind is expected, never read as the wrong struct', () => {
    const n = native as unknown as Record<string, (...a: unknown[]) => unknown>;
    const conn = new Connection(NETLINK_ROUTE);
    try {
      const [ahead] = n.readaheadCreate(conn.socket.fd, 8, 65536, false, () => {}) as [object];
      const sender = n.senderCreate(conn.socket.fd, 0, new Int32Array(4), () => {});
      const b = { buf: Buffer.alloc(65536), meta: new Int32Array(8 * (native.META_INTS as number)) };
      const poller = n.pollerCreate(conn.socket.fd, b.buf, b.meta, () => {}, false);
      // each kind's functions take only their own kind: the others are "no such handle"
      assert.throws(() => n.readaheadStart(sender, 0), /EBADF/);
      assert.throws(() => n.readaheadStart(poller, 0), /EBADF/);
      assert.equal(n.readaheadJoin(poller), -1);
      assert.throws(() => n.senderKick(ahead), TypeError);
      assert.throws(() => n.senderKick(poller), TypeError);
      assert.throws(() => n.senderSteal(ahead), TypeError);
      assert.equal(n.senderSteal(sender), 0); // nothing queued: nothing made
      assert.throws(() => n.pollerStart(ahead), /EBADF/);
      assert.throws(() => n.pollerStart(sender), /EBADF/);
      n.pollerClose(poller);
      n.senderRelease(sender);
      n.readaheadClose(ahead);
    } finally {
      conn.close();
    }
  });
});
