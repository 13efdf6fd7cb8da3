// Netlink as IPC between two user processes over NETLINK_USERSOCK, with the same engine.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Connection } from '../src/core/connection.js';
import { NETLINK_USERSOCK } from '../src/core/constants.js';
import { DumpInterruptedError, NetlinkError, NetlinkTimeoutError } from '../src/core/errors.js';
import type { RawMessage } from '../src/core/message.js';
import { isRoot } from './helpers/netns.js';
import { MSG_BIG, MSG_ECHO, MSG_FAIL, MSG_FLAKY_LIST, MSG_LIST, MSG_SET_FLAKY, MSG_SILENT } from './fixtures/usersock-protocol.js';

const serverScript = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'usersock-server.js');
const u32 = (v: number) => { const b = Buffer.alloc(4); b.writeUInt32LE(v); return b; };
const readU32 = (m: RawMessage) => m.buf.readUInt32LE(m.start);

let server: ChildProcess;
let peer = 0;
let client: Connection;

describe('NETLINK_USERSOCK between two processes', () => {
  before(async () => {
    server = spawn(process.execPath, [serverScript], { stdio: ['pipe', 'pipe', 'inherit'] });
    // a server that dies before it reports its port id fails the suite instead of hanging it
    const [line] = (await Promise.race([
      once(server.stdout!, 'data'),
      once(server, 'exit').then(([code]) => Promise.reject(new Error(`the test server exited with ${code}`))),
    ])) as [Buffer];
    peer = Number(line.toString().trim());
    assert.ok(peer > 0, 'the server reports its port id');
    client = new Connection(NETLINK_USERSOCK, { timeout: 5000 });
  });
  after(async () => {
    client?.close();
    server.stdin!.end();
    if (server.exitCode === null) await once(server, 'exit');
  });

  test('request and reply by port id', async () => {
    const [echo] = await client.request(MSG_ECHO, Buffer.from('hello\0\0\0'), { peer });
    assert.equal(echo.type, MSG_ECHO);
    assert.equal(echo.payload.toString('latin1'), 'hello\0\0\0');
    const sync = client.requestSync(MSG_ECHO, u32(42), { peer, decode: readU32 });
    assert.deepEqual(sync, [42]);
  });

  test('concurrent requests each get their own reply', async () => {
    const values = Array.from({ length: 200 }, (_, i) => i * 7);
    const got = await Promise.all(values.map((v) => client.request(MSG_ECHO, u32(v), { peer, decode: readU32 })));
    assert.deepEqual(got.map((r) => r[0]), values);
  });

  test('a dump ends with NLMSG_DONE, across several datagrams', async () => {
    const items = await client.dump(MSG_LIST, u32(5000), { peer, decode: readU32 }).toArray();
    assert.equal(items.length, 5000);
    assert.deepEqual(items.slice(0, 3), [0, 1, 2]);
    assert.equal(items[4999], 4999);
    const streamed: number[] = [];
    for await (const v of client.dump(MSG_LIST, u32(300), { peer, decode: readU32, intr: 'throw', highWaterMark: 16 })) streamed.push(v);
    assert.equal(streamed.length, 300);
    assert.equal(client.dumpSync(MSG_LIST, u32(7), { peer }).length, 7);
  });

  test('an error reply carries errno and text', async () => {
    await assert.rejects(client.request(MSG_FAIL, null, { peer }), (e: unknown) => {
      assert.ok(e instanceof NetlinkError);
      assert.equal(e.code, 'ENOENT');
      assert.equal(e.extackMessage, 'no such widget');
      assert.equal(e.message, 'ENOENT: no such widget');
      return true;
    });
    assert.throws(() => client.requestSync(0x7f, null, { peer }), (e: unknown) => e instanceof NetlinkError && e.code === 'EOPNOTSUPP' && e.errno === -95);
  });

  test('timeouts and AbortSignal end a request that gets no answer', async () => {
    await assert.rejects(client.request(MSG_SILENT, null, { peer, timeout: 50 }), NetlinkTimeoutError);
    assert.throws(() => client.requestSync(MSG_SILENT, null, { peer, timeout: 50 }), NetlinkTimeoutError);
    const ac = new AbortController();
    const p = client.request(MSG_SILENT, null, { peer, signal: ac.signal, timeout: 0 });
    setTimeout(() => ac.abort(new Error('gave up')), 20);
    await assert.rejects(p, /gave up/);
    // the socket still works afterwards
    assert.deepEqual(await client.request(MSG_ECHO, u32(9), { peer, decode: readU32 }), [9]);
  });

  test('NLM_F_DUMP_INTR: retry (bounded), partial and throw policies', async () => {
    const flaky = (n: number) => client.requestSync(MSG_SET_FLAKY, u32(n), { peer });
    flaky(2);
    const retried = await client.dump(MSG_FLAKY_LIST, null, { peer, decode: readU32 }).toArray();
    assert.equal(retried.length, 10);
    assert.equal(retried.interrupted, undefined);
    flaky(10);
    await assert.rejects(client.dump(MSG_FLAKY_LIST, null, { peer, decode: readU32, retries: 2 }).toArray(), (e: unknown) => {
      assert.ok(e instanceof DumpInterruptedError);
      assert.equal(e.attempts, 3);
      assert.equal(e.partial.length, 10);
      return true;
    });
    flaky(1);
    const partial = await client.dump(MSG_FLAKY_LIST, null, { peer, decode: readU32, intr: 'partial' }).toArray();
    assert.equal(partial.length, 10);
    assert.equal(partial.interrupted, true);
    flaky(1);
    assert.throws(() => client.dumpSync(MSG_FLAKY_LIST, null, { peer, intr: 'throw' }), DumpInterruptedError);
    // iteration streams: the items come as they are, the interruption is reported at the end
    flaky(1);
    const seen: number[] = [];
    await assert.rejects((async () => {
      for await (const v of client.dump(MSG_FLAKY_LIST, null, { peer, decode: readU32 })) seen.push(v);
    })(), DumpInterruptedError);
    assert.equal(seen.length, 10);
    flaky(1);
    const partialIt = client.dump(MSG_FLAKY_LIST, null, { peer, decode: readU32, intr: 'partial' });
    let count = 0;
    for await (const _ of partialIt) count++;
    assert.equal(count, 10);
    assert.equal(partialIt.interrupted, true);
    flaky(0);
  });

  test('a datagram larger than the receive batch is an EMSGSIZE error, never a silent cut; a retry fits', async (t) => {
    if (!isRoot) return t.skip('needs root (SO_RCVBUFFORCE) for a receive queue larger than rmem_max');
    const big = new Connection(NETLINK_USERSOCK, { rcvbuf: 4 << 20, forceBuffers: true, timeout: 5000 });
    try {
      const size = 600 * 1024; // more than the default 256 KiB batch
      await assert.rejects(big.request(MSG_BIG, u32(size), { peer }), (e: unknown) => {
        assert.equal((e as { code?: string }).code, 'EMSGSIZE');
        assert.ok((e as { size?: number }).size! > size);
        return true;
      });
      const [reply] = await big.request(MSG_BIG, u32(size), { peer, decode: (m) => m.end - m.start });
      assert.equal(reply, size);
      assert.equal(big.requestSync(MSG_BIG, u32(size), { peer, decode: (m) => m.end - m.start })[0], size);
    } finally {
      big.close();
    }
  });

  test('a transaction: each item answered by the server, a failure reported against its own item', async () => {
    const items = Array.from({ length: 6 }, (_, i) => ({ type: i === 3 ? MSG_FAIL : MSG_ECHO, payload: u32(i), decode: readU32 }));
    const r = await client.transaction(items, { peer });
    assert.deepEqual(r.failures.map((f) => [f.index, (f.error as NetlinkError).extackMessage]), [[3, 'no such widget']]);
    assert.deepEqual(r.items.map((o) => (o.ok ? o.replies : null)), [[0], [1], [2], null, [4], [5]]);
    // only the last asks for an ack: the echoes' replies and the error are the answers
    const s = client.transactionSync(items, { peer, ack: 'last' });
    assert.deepEqual(s.failures.map((f) => f.index), [3]);
    assert.deepEqual(s.items.map((o) => (o.ok ? o.replies : null)), [[0], [1], [2], null, [4], [5]]);
  });

  test('a transaction that times out or is aborted: the item in flight fails with that reason, the rest are not sent', async () => {
    const silent = Array.from({ length: 3 }, () => ({ type: MSG_SILENT }));
    const timedOut = await client.transaction(silent, { peer, maxPerSend: 1, timeout: 100 });
    assert.deepEqual(timedOut.failures.map((f) => f.error.name), ['NetlinkTimeoutError', 'NotSentError', 'NotSentError']);
    const sync = client.transactionSync(silent, { peer, maxPerSend: 1, timeout: 100 });
    assert.deepEqual(sync.failures.map((f) => f.error.name), ['NetlinkTimeoutError', 'NotSentError', 'NotSentError']);
    const ac = new AbortController();
    const pending = client.transaction(silent, { peer, maxPerSend: 2, timeout: 0, signal: ac.signal });
    setTimeout(() => ac.abort(new Error('enough')), 30);
    const aborted = await pending;
    assert.deepEqual(aborted.failures.map((f) => f.error.message), ['enough', 'enough', 'not sent: enough']);
    // the connection still works
    assert.deepEqual(await client.request(MSG_ECHO, u32(11), { peer, decode: readU32 }), [11]);
  });

  test('replies from anyone but the addressed peer are ignored', async () => {
    // a third process-local socket answering with a matching seq must not resolve the request
    const impostor = new Connection(NETLINK_USERSOCK);
    try {
      const p = client.request(MSG_SILENT, null, { peer, timeout: 100 });
      const w = Buffer.alloc(20);
      w.writeUInt32LE(20, 0);
      w.writeUInt16LE(2, 4); // NLMSG_ERROR
      // seq unknown to the impostor: spray a few plausible ones
      for (let s = 0; s < 3; s++) impostor.socket.send(w, 0, 20, client.portId);
      await assert.rejects(p, NetlinkTimeoutError);
    } finally {
      impostor.close();
    }
  });
});
