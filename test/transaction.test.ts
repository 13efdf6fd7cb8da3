// Transactions against the real kernel: many requests per send(), one outcome each.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Connection } from '../src/core/connection.js';
import { NETLINK_ROUTE, NLM_F_CREATE, NLM_F_DUMP, NLM_F_EXCL, SO_RCVBUF, SO_RCVBUFFORCE, SO_SNDBUF, SO_SNDBUFFORCE, SOL_SOCKET } from '../src/core/constants.js';
import { NetlinkArgumentError, NetlinkError, NotSentError } from '../src/core/errors.js';
import type { TransactionItem, TransactionResult } from '../src/core/transaction.js';
import { Writer } from '../src/core/writer.js';
import { inNetns, ipJson } from './helpers/netns.js';
import { ipv4, RTA_DST, RTA_GATEWAY, RTA_OIF, RTM_NEWROUTE, routeLayout, rtmsg } from './helpers/rtnl.js';

const BAD = 1000;

/** n routes 10.a.b.0/24 via lo in `table`; item BAD (if asked) has a gateway nobody can reach. */
function routes(n: number, table: number, withBad: boolean): TransactionItem[] {
  return Array.from({ length: n }, (_, i) => ({
    type: RTM_NEWROUTE,
    flags: NLM_F_CREATE | NLM_F_EXCL,
    layout: routeLayout,
    payload: (w: Writer) => {
      rtmsg(24, table)(w);
      w.attrBytes(RTA_DST, ipv4(`10.${100 + (i >> 8)}.${i & 255}.0`));
      if (withBad && i === BAD) w.attrBytes(RTA_GATEWAY, ipv4('10.99.0.1'));
      else w.attrU32(RTA_OIF, 1);
    },
  }));
}

function checkOneBad(r: TransactionResult<unknown>, n: number): void {
  assert.equal(r.ok, false);
  assert.equal(r.items.length, n);
  assert.equal(r.failures.length, 1, r.failures.map((f) => `${f.index}: ${f.error.message}`).slice(0, 3).join('; '));
  const [f] = r.failures;
  assert.equal(f.index, BAD);
  assert.ok(f.error instanceof NetlinkError, String(f.error));
  assert.equal(f.error.code, 'ENETUNREACH');
  assert.equal(f.error.extackMessage, 'Nexthop has invalid gateway');
  if (f.error.offset !== undefined) assert.equal(f.error.attributePath, '.gateway');
  assert.equal(f.error.request?.type, RTM_NEWROUTE);
  for (const o of r.items) if (o.index !== BAD) assert.ok(o.ok, `item ${o.index}`);
}

const tableSize = (ns: string, table: number) => ipJson<unknown[]>(ns, 'route', 'show', 'table', String(table)).length;

describe('transactions', () => {
  test('2,000 routes with a bad one in the middle: its error and index, the others present (async and Sync, both ack modes)', async (t) => {
    await inNetns(t, async (c, ns) => {
      const N = 2000;
      const runs: [number, () => Promise<TransactionResult<unknown>> | TransactionResult<unknown>][] = [
        [100, () => c.transaction(routes(N, 100, true))],
        [101, () => c.transaction(routes(N, 101, true), { ack: 'last' })],
        [102, () => c.transactionSync(routes(N, 102, true))],
        [103, () => c.transactionSync(routes(N, 103, true), { ack: 'last' })],
      ];
      for (const [table, run] of runs) {
        checkOneBad(await run(), N);
        assert.equal(tableSize(ns, table), N - 1, `table ${table}`);
      }
      // every item fails when all exist already: each failure against its own item
      const again = await c.transaction(routes(300, 100, false), { ack: 'last' });
      assert.equal(again.failures.length, 300);
      assert.deepEqual(again.failures.map((f) => f.index), Array.from({ length: 300 }, (_, i) => i));
      for (const f of again.failures) assert.equal((f.error as NetlinkError).code, 'EEXIST');
    });
  });

  test('items that never ask for an ack (as nftables BEGIN/END may): success inferred, failures still reported', async (t) => {
    await inNetns(t, async (c, ns) => {
      const items = routes(5, 130, false);
      items[0].ack = false;
      items[4].ack = false;
      for (const ack of ['each', 'last'] as const) {
        const r = ack === 'each' ? await c.transaction(items) : c.transactionSync(routes(5, 131, false).map((it, i) => ({ ...it, ack: i === 4 ? false : undefined })), { ack });
        assert.ok(r.ok, r.failures[0]?.error.message);
        assert.equal(r.items.length, 5);
      }
      assert.equal(tableSize(ns, 130), 5);
      assert.equal(tableSize(ns, 131), 5);
      // a failing item without an ack is still answered, with its error
      const again = c.transactionSync(routes(5, 130, false).map((it) => ({ ...it, ack: false })));
      assert.deepEqual(again.failures.map((f) => f.index), [0, 1, 2, 3, 4]);
    });
  });

  test('small sends, one send, and a send too large to go in one piece', async (t) => {
    await inNetns(t, async (c, ns) => {
      const r = await c.transaction(routes(500, 110, false), { maxPerSend: 7 });
      assert.ok(r.ok);
      assert.equal(tableSize(ns, 110), 500);
      const one = c.transactionSync(routes(50, 111, false), { split: false, ack: 'last' });
      assert.ok(one.ok);
      assert.equal(tableSize(ns, 111), 50);
      assert.throws(() => c.transactionSync(routes(20_000, 112, false), { split: false, growBuffers: false }), NetlinkArgumentError);
      // a buffer smaller than the batch: split by bytes (the kernel refuses sends over SO_SNDBUF - 32)
      const small = new Connection(NETLINK_ROUTE, { netns: ns, sndbuf: 4096 });
      try {
        const s = await small.transaction(routes(3000, 113, false), { ack: 'last' });
        assert.ok(s.ok, s.failures[0]?.error.message);
        assert.equal(tableSize(ns, 113), 3000);
      } finally {
        small.close();
      }
    });
  });

  test('sent whole (split: false): the socket buffers are raised once the items are encoded, before the one send', async (t) => {
    await inNetns(t, async (c, ns) => {
      const sock = c.socket;
      const before = sock.getOption(SOL_SOCKET, SO_SNDBUF);
      // fits as it is: nothing raised
      assert.ok(c.transactionSync(routes(50, 114, false), { split: false, ack: 'last' }).ok);
      assert.equal(sock.getOption(SOL_SOCKET, SO_SNDBUF), before);
      // far past the default SO_SNDBUF (212992): refused when told not to grow, one send else
      assert.throws(() => c.transactionSync(routes(6000, 115, false), { split: false, growBuffers: false }),
        (e: Error) => e instanceof NetlinkArgumentError && /more than one send\(\) carries/.test(e.message));
      assert.equal(sock.getOption(SOL_SOCKET, SO_SNDBUF), before);
      const r = await c.transaction(routes(6000, 115, false), { split: false, ack: 'last' });
      assert.ok(r.ok, r.failures[0]?.error.message);
      assert.ok(sock.getOption(SOL_SOCKET, SO_SNDBUF) > before);
      assert.ok(sock.getOption(SOL_SOCKET, SO_RCVBUF) >= 6000 * 1024, 'room for an answer per item');
      assert.equal(tableSize(ns, 115), 6000);
      assert.throws(() => c.transactionSync(routes(1, 116, false), { split: false, growBuffers: 5 as never }), NetlinkArgumentError);
      assert.throws(() => tableSize(ns, 116), /does not exist/, 'nothing was sent');
    });
  });

  test('acknowledgements that overflow a tiny receive queue fail their items (ENOBUFS) instead of hanging', async (t) => {
    await inNetns(t, async (c, ns) => {
      const r = await c.transaction(routes(2000, 120, false), { maxPerSend: 2000, timeout: 5000 });
      const lost = r.failures.filter((f) => (f.error as { code?: string }).code === 'ENOBUFS');
      assert.ok(lost.length > 0, 'the queue overflowed');
      assert.equal(r.failures.length, lost.length);
      // what was lost is unknown to the caller, but the kernel added every route
      assert.equal(tableSize(ns, 120), 2000);
      const s = c.transactionSync(routes(2000, 121, false), { maxPerSend: 2000, timeout: 5000 });
      assert.ok(s.failures.length > 0);
    }, { rcvbuf: 1 });
  });
  test('a source of items (made one at a time, none kept): failures by index, fewer than its size, bad sources refused', async (t) => {
    await inNetns(t, async (c, ns) => {
      const source = (list: TransactionItem[], size = list.length) => {
        let i = 0;
        return { size, next: () => list[i++] };
      };
      checkOneBad(await c.transaction(source(routes(2000, 140, true)), { ack: 'last' }), 2000);
      assert.equal(tableSize(ns, 140), 1999);
      checkOneBad(c.transactionSync(source(routes(2000, 141, true))), 2000);
      assert.equal(tableSize(ns, 141), 1999);
      // a source may end before its size: only what it gave is sent and reported
      const short = await c.transaction(source(routes(10, 142, false), 50), { ack: 'last' });
      assert.ok(short.ok);
      assert.equal(short.items.length, 10);
      assert.equal(tableSize(ns, 142), 10);
      const none = c.transactionSync(source([], 5));
      assert.ok(none.ok);
      assert.equal(none.items.length, 0);
      // one that gives more than its size is refused before anything is sent
      assert.throws(() => c.transactionSync(source(routes(6, 143, false), 5)), (e: Error) => e instanceof NetlinkArgumentError && /more items than its size/.test(e.message));
      assert.equal(ipJson<{ table?: string }[]>(ns, 'route', 'show', 'table', 'all').filter((r) => r.table === '143').length, 0);
      for (const bad of [{ size: 1 }, { size: -1, next: () => undefined }, { size: 1.5, next: () => undefined }, null, 5])
        assert.throws(() => c.transactionSync(bad as never), (e: Error) => e instanceof NetlinkArgumentError && e.code === 'ERR_INVALID_ARG_TYPE');
      // the connection goes on
      assert.ok((await c.transaction(source(routes(3, 144, false)))).ok);
      // one object given again and again, its payload changed each time (a source may reuse
      // its item): every route lands; a change to what was checked is checked again
      const reusing = (n: number, table: number, spoil?: (it: TransactionItem, i: number) => void) => {
        const list = routes(n, table, false);
        const one: TransactionItem = { ...list[0] };
        let i = 0;
        return { size: n, next: () => {
          if (i >= n) return undefined;
          one.payload = list[i].payload;
          spoil?.(one, i);
          i++;
          return one;
        } };
      };
      const reused = await c.transaction(reusing(300, 145), { ack: 'last' });
      assert.ok(reused.ok);
      assert.equal(tableSize(ns, 145), 300);
      // a frozen one (checked once): every copy is sent with its own sequence number
      const [frozen] = routes(1, 147, false);
      Object.freeze(frozen);
      let k = 0;
      const frozenRun = c.transactionSync({ size: 50, next: () => (k++ < 50 ? frozen : undefined) }, { ack: 'each' });
      assert.equal(frozenRun.items.length, 50);
      assert.equal(frozenRun.failures.length, 49); // the same route: EEXIST but for the first
      assert.ok(frozenRun.failures.every((f) => (f.error as { code?: string }).code === 'EEXIST'));
      for (const [name, spoil] of [
        ['type', (it: TransactionItem, i: number) => i === 200 && (it.type = 'x' as unknown as number)],
        ['flags', (it: TransactionItem, i: number) => i === 200 && (it.flags = 1.5)],
        ['flags', (it: TransactionItem, i: number) => i === 200 && (it.flags = NLM_F_DUMP)],
        ['payload', (it: TransactionItem, i: number) => i === 200 && (it.payload = 'x' as never)],
        ['timeout', (it: TransactionItem, i: number) => i === 200 && ((it as { timeout?: number }).timeout = 5)],
      ] as const)
        assert.throws(() => c.transactionSync(reusing(300, 146, spoil)), (e: Error) => e instanceof NetlinkArgumentError && e.message.includes(name), name);
      assert.equal(ipJson<{ table?: string }[]>(ns, 'route', 'show', 'table', 'all').filter((r) => r.table === '146').length, 0);
    });
  });
  test('runs (repeat): one item for many routes differing in their destination; split across sends, failures by index, bad runs refused', async (t) => {
    await inNetns(t, async (c, ns) => {
      // rtmsg + RTA_DST (its 4 bytes at payload offset 16) + RTA_OIF lo
      const body = (table: number) => {
        const w = new Writer(64);
        rtmsg(24, table)(w);
        w.attrBytes(RTA_DST, ipv4('0.0.0.0'));
        w.attrU32(RTA_OIF, 1);
        return Buffer.from(w.buf.subarray(0, w.pos));
      };
      const word = (i: number) => (10 << 24) | ((120 + (i >> 8)) << 16) | ((i & 255) << 8);
      const run = (table: number, words: Uint32Array, count = words.length): TransactionItem => ({
        type: RTM_NEWROUTE, flags: NLM_F_CREATE | NLM_F_EXCL, layout: routeLayout, payload: body(table), repeat: { count, at: 16, words },
      });
      // runs come from a source, whose size counts every item of a run
      const from = (items: TransactionItem[]) => {
        let i = 0;
        return { size: items.reduce((n, it) => n + (it.repeat?.count ?? 1), 0), next: () => items[i++] };
      };
      const dsts = (table: number) => ipJson<{ dst: string }[]>(ns, 'route', 'show', 'table', String(table)).map((r) => r.dst).sort();
      const want = (n: number, dup = -1) => Array.from({ length: n }, (_, i) => `10.${120 + ((i === dup ? 0 : i) >> 8)}.${(i === dup ? 0 : i) & 255}.0/24`)
        .filter((d, i) => i !== dup).sort();
      // 1,000 words, word 500 the same as word 0 (EEXIST by its own index), between two plain items;
      // 7 items per send: the run is cut into sends mid-way, pipelined or not
      const N = 1000, DUP = 500;
      const words = Uint32Array.from({ length: N }, (_, i) => word(i === DUP ? 0 : i));
      const cases: [number, () => Promise<TransactionResult<unknown>> | TransactionResult<unknown>][] = [
        [150, () => c.transaction(from([...routes(1, 150, false), run(150, words), ...routes(1, 150, false)]), { ack: 'last', maxPerSend: 7 })],
        [151, () => c.transaction(from([run(151, words)]), { ack: 'each' })],
        [152, () => c.transactionSync(from([run(152, words)]), { ack: 'last', maxPerSend: 7 })],
        [153, () => c.transaction(from([run(153, words)]), { ack: 'last', maxPerSend: 7, overlap: false })],
      ];
      for (const [table, go] of cases) {
        const r = await go();
        const first = table === 150 ? 1 : 0, size = N + 2 * first;
        assert.equal(r.items.length, size, `table ${table}`);
        // the plain item after the run is the route of the plain item before it again
        const failed = r.failures.map((f) => [f.index, (f.error as NetlinkError).code]);
        assert.deepEqual(failed, table === 150 ? [[first + DUP, 'EEXIST'], [size - 1, 'EEXIST']] : [[DUP, 'EEXIST']], `table ${table}`);
        const got = dsts(table);
        assert.deepEqual(got.filter((d) => d.startsWith('10.12')), want(N, DUP), `table ${table}`);
      }
      // the words the run's count leaves out are not sent
      assert.ok((await c.transaction(from([run(154, words, 10)]))).ok);
      assert.deepEqual(dsts(154), want(10));
      // stopped part-way (stopOnError, the duplicate in the first send): the rest of the run is not sent, and counted
      const stopped = c.transactionSync(from([run(155, Uint32Array.from([word(0), word(0), word(2), word(3), word(4)])), ...routes(1, 155, false)]), { stopOnError: true, maxPerSend: 2, ack: 'each' });
      assert.equal(stopped.items.length, 6);
      assert.equal((stopped.failures[0].error as NetlinkError).code, 'EEXIST');
      assert.ok(stopped.failures.slice(1).every((f) => f.error instanceof NotSentError), stopped.failures.map((f) => f.error.name).join());
      assert.deepEqual(dsts(155), want(1));
      // stopped while the run is still being encoded (pipelined, stopOnError: the duplicate in
      // the first send): every item of the run is counted, the unsent ones NotSentError
      const dup = Uint32Array.from({ length: N }, (_, i) => word(i === 1 ? 0 : i));
      const early = await c.transaction(from([run(157, dup), ...routes(1, 157, false)]), { stopOnError: true, maxPerSend: 7, ack: 'last' });
      assert.equal(early.items.length, N + 1);
      assert.deepEqual(early.failures.slice(0, 1).map((f) => [f.index, (f.error as NetlinkError).code]), [[1, 'EEXIST']]);
      assert.ok(early.failures.slice(1).every((f) => f.error instanceof NotSentError), early.failures.map((f) => f.error.name).slice(0, 5).join());
      assert.equal(early.failures.length + dsts(157).length, N + 1);
      // a run refused in a later send counts as all its items (and the ones after it as theirs)
      const later = await c.transaction(from([...routes(20, 158, false), { ...run(158, words, 30), repeat: { count: 30, at: 999, words } }, ...routes(5, 158, false)]),
        { maxPerSend: 7, ack: 'last' });
      assert.equal(later.items.length, 20 + 30 + 5);
      assert.ok(later.failures[0].error instanceof NetlinkArgumentError && /repeat\.at/.test(later.failures[0].error.message), later.failures[0]?.error.message);
      assert.deepEqual(later.failures.map((f) => f.index), Array.from({ length: 35 }, (_, k) => 20 + k));
      // null items after a stop are counted as items, not read as runs
      const list = routes(300, 159, false);
      let k = 0;
      const nulls = await c.transaction({ size: 300, next: () => {
        const i = k++;
        return i >= 300 ? undefined : i === 150 || i === 200 ? (null as never) : list[i];
      } }, { maxPerSend: 10, ack: 'last' });
      assert.equal(nulls.items.length, 300);
      assert.equal(nulls.failures[0].index, 150);
      assert.ok(nulls.failures[0].error instanceof NetlinkArgumentError);
      assert.equal(nulls.failures.length, 150);
      // a source that throws while the rest of it is counted after a stop: the result still
      // comes (it threw out of a callback before, and the process died)
      const list2 = routes(300, 161, false);
      let m = 0;
      const throwing = await c.transaction({ size: 300, next: () => {
        const i = m++;
        if (i === 100) return null as never;
        if (i === 250) throw new Error('source broke');
        return i < 300 ? list2[i] : undefined;
      } }, { maxPerSend: 10, ack: 'last' });
      assert.equal(throwing.failures[0].index, 100);
      assert.ok(throwing.items.length >= 101 && throwing.items.length <= 300, String(throwing.items.length));
      // bad runs: refused with a typed error before anything is sent
      const bad: [string, Partial<TransactionItem>][] = [
        ['payload', { payload: (w: Writer) => w.u32(0) }],
        ['repeat.count', { repeat: { count: 0, at: 16, words } }],
        ['repeat.count', { repeat: { count: 1.5, at: 16, words } }],
        ['repeat.count', { repeat: { count: N + 1, at: 16, words: new Uint32Array(N + 1) } }], // past the source's size
        ['repeat.at', { repeat: { count: 1, at: 25, words } }],
        ['repeat.at', { repeat: { count: 1, at: -1, words } }],
        ['repeat.words', { repeat: { count: 3, at: 16, words: new Uint32Array(2) } }],
        ['repeat.words', { repeat: { count: 1, at: 16, words: [1] as unknown as Uint32Array } }],
        ['repeat', { repeat: null as never }],
      ];
      for (const [name, change] of bad) {
        const one = () => ({ size: N, next: (() => { let given = false; return () => (given ? undefined : ((given = true), { ...run(156, words), ...change })); })() });
        assert.throws(() => c.transactionSync(one()), (e: Error) => e instanceof NetlinkArgumentError && e.message.includes(name), name);
        await assert.rejects(async () => c.transaction(one()), (e: Error) => e instanceof NetlinkArgumentError && e.message.includes(name), name);
      }
      // in an array (found by index, its length the number of items): refused
      assert.throws(() => c.transactionSync([run(156, words, 2)]), (e: Error) => e instanceof NetlinkArgumentError && /a run is given by a source/.test(e.message));
      assert.equal(ipJson<{ table?: string }[]>(ns, 'route', 'show', 'table', 'all').filter((r) => r.table === '156').length, 0);
    });
  });
});
