// Pipelined transactions: an async transaction on a kernel protocol sends each send's worth
// from the libuv threadpool (native/sendbehind.c) while it encodes the next; the last send
// goes from the Node thread. Checked against the kernel (`ip -j route show` as the oracle):
// what lands, failures by index, close() and abort while a send runs.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Connection } from '../src/core/connection.js';
import { NLM_F_CREATE, NLM_F_EXCL } from '../src/core/constants.js';
import { NetlinkArgumentError, NetlinkError, NotSentError, SocketClosedError } from '../src/core/errors.js';
import type { TransactionItem, TransactionSource } from '../src/core/transaction.js';
import type { Writer } from '../src/core/writer.js';
import { openRoute } from '../src/route/index.js';
import { inNetns, ipJson, needRoot, withNetns } from './helpers/netns.js';
import { ipv4, RTA_DST, RTA_GATEWAY, RTA_OIF, RTM_DELROUTE, RTM_NEWROUTE, routeLayout, rtmsg } from './helpers/rtnl.js';

/** Route i of a table: 10.(100 + i / 256).(i % 256).0/24 dev lo. */
const dstOf = (i: number) => `10.${100 + (i >> 8)}.${i & 255}.0`;

/** Route i as a transaction item; `bad` ones have a gateway nobody can reach (ENETUNREACH). */
function route(i: number, table: number, bad = false): TransactionItem {
  return {
    type: RTM_NEWROUTE, flags: NLM_F_CREATE | NLM_F_EXCL, layout: routeLayout,
    payload: (w: Writer) => {
      rtmsg(24, table)(w);
      w.attrBytes(RTA_DST, ipv4(dstOf(i)));
      if (bad) w.attrBytes(RTA_GATEWAY, ipv4('10.99.0.1'));
      else w.attrU32(RTA_OIF, 1);
    },
  };
}

/** n routes made one at a time, as a bulk load gives them. */
function source(n: number, make: (i: number) => TransactionItem, size = n): TransactionSource {
  let i = 0;
  return { size, next: () => (i < n ? make(i++) : undefined) };
}

/** Counts the sends that went from the threadpool, and can act when one is queued. */
function spySends(c: Connection, onSend?: (count: number) => void): { count: number } {
  type Sender = { push: (...a: unknown[]) => boolean };
  const sock = (c as unknown as { sock: { openSender: (...a: unknown[]) => Sender } }).sock;
  const open = sock.openSender.bind(sock);
  const seen = { count: 0 };
  sock.openSender = (...a: unknown[]) => {
    const sender = open(...a);
    const push = sender.push.bind(sender);
    sender.push = (...b: unknown[]) => {
      const started = push(...b);
      seen.count++;
      onSend?.(seen.count);
      return started;
    };
    return sender;
  };
  return seen;
}

/** The destinations of a table's routes (none when nothing made the table). */
const tableDsts = (ns: string, table: number) => new Set(ipJson<{ dst: string; table?: string }[]>(ns, '-4', 'route', 'show', 'table', 'all')
  .filter((r) => r.table === String(table) || (table === 254 && (r.table === undefined || r.table === 'main'))).map((r) => r.dst));

describe('transactions sent behind (pipelined)', () => {
  test('10,000 routes through routes.add: every one in `ip -j route show`, sends from the threadpool', async (t) => {
    if (!needRoot(t)) return;
    await withNetns(async (ns) => {
      const rt = openRoute({ netns: ns });
      try {
        const sends = spySends(rt.ctx.conn);
        const N = 10_000;
        const specs = Array.from({ length: N }, (_, i) => ({ dst: `10.${i >> 16}.${(i >> 8) & 255}.${i & 255}/32`, dev: 'lo', protocol: 'static', scope: 'link' }));
        const r = await rt.routes.add(specs);
        assert.ok(r.ok, r.failures[0]?.error.message);
        assert.equal(r.done, N);
        assert.ok(sends.count > 10, `${sends.count} sends from the threadpool`);
        const shown = ipJson<{ dst: string; dev: string; protocol: string; scope: string }[]>(ns, '-4', 'route', 'show', 'table', 'main', 'proto', 'static');
        assert.equal(shown.length, N);
        const want = new Set(specs.map((s) => s.dst.replace('/32', '')));
        for (const s of shown) {
          assert.ok(want.delete(s.dst), `unexpected ${s.dst}`);
          assert.equal(s.dev, 'lo');
          assert.equal(s.scope, 'link');
        }
        assert.equal(want.size, 0);
        // the Sync twin sends from this thread, with the same outcome per index
        const again = rt.routes.addSync(specs.slice(0, 3));
        assert.deepEqual(again.failures.map((f) => [f.index, (f.error as NetlinkError).code]), [[0, 'EEXIST'], [1, 'EEXIST'], [2, 'EEXIST']]);
      } finally {
        rt.close();
      }
    });
  });

  test('a failing item in the third of five sends is reported by its index, the others land', async (t) => {
    await inNetns(t, async (c, ns) => {
      const N = 500, BAD = 250;
      const sends = spySends(c);
      for (const [table, items] of [[150, source(N, (i) => route(i, 150, i === BAD))], [151, Array.from({ length: N }, (_, i) => route(i, 151, i === BAD))]] as const) {
        const r = await c.transaction(items, { ack: 'last', maxPerSend: 100 });
        assert.equal(r.items.length, N);
        assert.deepEqual(r.failures.map((f) => f.index), [BAD]);
        const err = r.failures[0].error as NetlinkError;
        assert.equal(err.code, 'ENETUNREACH');
        assert.equal(err.request?.seq !== undefined, true);
        const dsts = tableDsts(ns, table);
        assert.equal(dsts.size, N - 1);
        assert.ok(!dsts.has(`${dstOf(BAD)}/24`));
      }
      // the sends went from the threadpool (the last too, when it queued behind others)
      assert.ok(sends.count >= 8, `${sends.count} sends from the threadpool`);
      // overlap: false sends from this thread, with the same outcome
      const before = sends.count;
      const serial = await c.transaction(source(N, (i) => route(i, 152, i === BAD)), { ack: 'last', maxPerSend: 100, overlap: false });
      assert.deepEqual(serial.failures.map((f) => [f.index, (f.error as NetlinkError).code]), [[BAD, 'ENETUNREACH']]);
      assert.equal(tableDsts(ns, 152).size, N - 1);
      assert.equal(sends.count, before);
      await assert.rejects(c.transaction([route(0, 153)], { overlap: 'yes' as never }), (e: Error) => e instanceof NetlinkArgumentError && /overlap/.test(e.message));
      // every item acknowledged, every failure still its own: all exist but the one that failed
      const each = await c.transaction(source(N, (i) => route(i, 150)), { maxPerSend: 100 });
      assert.equal(each.failures.length, N - 1);
      assert.ok(each.failures.every((f) => f.index !== BAD && (f.error as NetlinkError).code === 'EEXIST'));
      assert.ok(each.items[BAD].ok);
    });
  });

  test('sends go in order whichever thread makes them: the pool, or this one when the pool is behind (steal)', async (t) => {
    await inNetns(t, async (c, ns) => {
      // one route added, deleted, added... one item per send: any two sends out of order
      // fail (EEXIST or ESRCH), and this thread takes a queued send whenever it finds one
      const N = 600;
      type Sender = { steal: () => number };
      const sock = (c as unknown as { sock: { openSender: (...a: unknown[]) => Sender } }).sock;
      const open = sock.openSender.bind(sock);
      const steals = [0, 0];
      sock.openSender = (...a: unknown[]) => {
        const sender = open(...a);
        const steal = sender.steal.bind(sender);
        sender.steal = () => {
          const r = steal();
          steals[r & 1]++;
          return r;
        };
        return sender;
      };
      const flip = (i: number): TransactionItem => ({ ...route(0, 160), type: i % 2 ? RTM_DELROUTE : RTM_NEWROUTE, flags: i % 2 ? 0 : NLM_F_CREATE | NLM_F_EXCL });
      for (const ack of ['each', 'last'] as const) {
        const r = await c.transaction(source(N, flip), { ack, maxPerSend: 1 });
        assert.deepEqual(r.failures.map((f) => `${f.index}: ${f.error.message}`), [], ack);
        assert.equal(r.items.length, N);
        assert.equal(tableDsts(ns, 160).size, 0);
      }
      // asked at most once per send pushed; some made here, unless the pool always kept up
      assert.ok(steals[0] + steals[1] > 0 && steals[0] + steals[1] <= 2 * N, `steals ${steals}`);
      t.diagnostic(`sends made by this thread: ${steals[1]} of ${2 * N}`);
    });
  });

  test('an item that cannot be encoded in a later send fails by itself; the ones after it are not sent', async (t) => {
    await inNetns(t, async (c, ns) => {
      const N = 500, BAD = 260;
      const make = (i: number): TransactionItem => (i === BAD ? { type: RTM_NEWROUTE, payload: () => { throw new RangeError('no such route'); } } : route(i, 160));
      const r = await c.transaction(source(N, make), { ack: 'last', maxPerSend: 100 });
      assert.equal(r.items.length, N);
      const byIndex = new Map(r.failures.map((f) => [f.index, f.error]));
      assert.ok(byIndex.get(BAD) instanceof RangeError);
      for (let i = BAD + 1; i < N; i++) assert.ok(byIndex.get(i) instanceof NotSentError, `item ${i}`);
      assert.equal(r.failures.length, N - BAD);
      // the sends before it went whole, the item before it included
      assert.equal(tableDsts(ns, 160).size, BAD);
      // in the first send's worth nothing has gone yet: refused whole, as Sync refuses it
      await assert.rejects(c.transaction(source(N, (i) => (i === 5 ? make(BAD) : route(i, 161))), { maxPerSend: 100 }), RangeError);
      assert.equal(tableDsts(ns, 161).size, 0);
      // a source that gives more than its size: its last send is not sent
      const over = await c.transaction(source(N + 1, (i) => route(i, 162), N), { ack: 'last', maxPerSend: 100 });
      assert.ok(!over.ok);
      assert.ok(over.failures.every((f) => f.error instanceof NotSentError && (f.error.cause as Error) instanceof NetlinkArgumentError));
      assert.equal(tableDsts(ns, 162).size, N - over.failures.length);
    });
  });

  test('close() while a send runs: the promise settles, nothing crashes, the next connection works', async (t) => {
    await inNetns(t, async (c, ns) => {
      const N = 3000;
      spySends(c, (n) => {
        if (n === 3) c.close(); // the send just started is on the threadpool now
      });
      const r = await c.transaction(source(N, (i) => route(i, 170)), { ack: 'last', maxPerSend: 100 });
      assert.equal(r.items.length, N);
      assert.ok(!r.ok);
      for (const f of r.failures) assert.ok(f.error instanceof SocketClosedError || f.error instanceof NotSentError, String(f.error));
      // sent and settled first: in the table; what failed was at most the sends in flight
      const dsts = tableDsts(ns, 170);
      for (const o of r.items) if (o.ok) assert.ok(dsts.has(`${dstOf(o.index)}/24`), `item ${o.index}`);
      assert.ok(dsts.size <= 300, `${dsts.size} routes`);
      // the descriptor was the transaction's own for the send: a new socket (maybe the same number) is unharmed
      await withNetns(async (other) => {
        const rt = openRoute({ netns: other });
        try {
          const again = await rt.routes.add(Array.from({ length: 1000 }, (_, i) => ({ dst: `${dstOf(i)}/24`, dev: 'lo' })));
          assert.ok(again.ok, again.failures[0]?.error.message);
          assert.equal(tableDsts(other, 254).size, 1000);
        } finally {
          rt.close();
        }
      });
    });
  });

  test('an abort signal while a send runs: outstanding items fail with its reason, the rest are not sent', async (t) => {
    await inNetns(t, async (c, ns) => {
      const N = 3000;
      const ac = new AbortController();
      spySends(c, (n) => {
        if (n === 2) ac.abort(new Error('enough'));
      });
      const r = await c.transaction(source(N, (i) => route(i, 180)), { ack: 'last', maxPerSend: 100, signal: ac.signal });
      assert.equal(r.items.length, N);
      assert.ok(r.failures.length >= N - 300);
      for (const f of r.failures) assert.ok((f.error as Error).message === 'enough' || f.error instanceof NotSentError, String(f.error));
      const dsts = tableDsts(ns, 180);
      for (const o of r.items) if (o.ok) assert.ok(dsts.has(`${dstOf(o.index)}/24`), `item ${o.index}`);
      // the connection goes on
      assert.ok((await c.transaction(source(300, (i) => route(i, 181)), { maxPerSend: 100 })).ok);
      assert.equal(tableDsts(ns, 181).size, 300);
    });
  });
});
