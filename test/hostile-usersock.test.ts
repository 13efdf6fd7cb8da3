// Forged and malformed datagrams on NETLINK_USERSOCK, where any process may send to any
// port id: a real second (and third) socket in this process plays the peer and the stranger.
// Each costs the one request it answers at most, in bounded time and memory.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { after, before, describe, test } from 'node:test';
import { Connection } from '../src/core/connection.js';
import * as C from '../src/core/constants.js';
import { NetlinkArgumentError, NetlinkDecodeError, NetlinkError, NetlinkTimeoutError, ReplyTooLargeError, TooManyRepliesError } from '../src/core/errors.js';
import type { IncomingRequest } from '../src/core/server.js';
import { currentBatchBytes, currentSlotBytes } from '../src/core/transport.js';
import { NetlinkSocket } from '../src/core/transport.js';
import { uevents, UEVENT_GROUPS } from '../src/uevent/index.js';
import { ip, isRoot, needRoot, withNetns } from './helpers/netns.js';

const MSG = 0x20;

/** One netlink message: header (length, type, flags, seq, port id) and payload; `len` overrides nlmsg_len. */
function message(type: number, flags: number, seq: number, port: number, payload: Buffer = Buffer.alloc(0), len?: number): Buffer {
  const b = Buffer.alloc(16 + ((payload.length + 3) & ~3));
  b.writeUInt32LE(len ?? 16 + payload.length, 0);
  b.writeUInt16LE(type, 4);
  b.writeUInt16LE(flags, 6);
  b.writeUInt32LE(seq, 8);
  b.writeUInt32LE(port, 12);
  payload.copy(b, 16);
  return b;
}

/** An NLMSG_ERROR payload: errno, then an echoed header claiming `echoedLen` bytes, then TLV bytes. */
function errorPayload(errno: number, echoedLen: number, tlvs: Buffer = Buffer.alloc(0)): Buffer {
  const b = Buffer.alloc(4 + 16);
  b.writeInt32LE(errno, 0);
  b.writeUInt32LE(echoedLen, 4);
  return Buffer.concat([b, tlvs]);
}

describe('NETLINK_USERSOCK: a hostile peer or stranger', () => {
  let client: Connection, peer: Connection, stranger: Connection;
  /** What the peer answers the next request with: raw datagrams, sent as they are. */
  let answer: (req: IncomingRequest) => Buffer[] = () => [];
  let flooding = false;

  before(() => {
    client = new Connection(C.NETLINK_USERSOCK, { timeout: 3000 });
    // as root, both may send datagrams larger than wmem_max (SO_SNDBUFFORCE)
    const sends = isRoot ? { sndbuf: 64 << 20, forceBuffers: true } : {};
    peer = new Connection(C.NETLINK_USERSOCK, sends);
    stranger = new Connection(C.NETLINK_USERSOCK, sends);
    peer.serve((req) => {
      for (const d of answer(req)) peer.socket.send(d, 0, d.length, req.portId, 0, 0);
      // a dump's end (NLMSG_DONE) is the server's to send: a peer that never ends it never returns
      // (nor does it end a request it floods: no acknowledgement)
      if (req.dump || flooding) return new Promise<void>(() => {});
    });
  });
  after(() => {
    client.close();
    peer.close();
    stranger.close();
  });

  /** A request to the peer without NLM_F_ACK, so that the peer's raw answer is all it gets. */
  const ask = (opts: { timeout?: number } = {}) => client.request(MSG, null, { peer: peer.portId, ack: false, ...opts });

  test('error replies with bogus lengths: a NetlinkError with the errno, never a crash', async () => {
    const tlvFlags = C.NLM_F_ACK_TLVS;
    const cases: [string, (seq: number, port: number) => Buffer, string][] = [
      ['too short to hold an errno', (s, p) => message(C.NLMSG_ERROR, 0, s, p, Buffer.from([1, 2])), 'EBADMSG'],
      ['echoed length past the end', (s, p) => message(C.NLMSG_ERROR, tlvFlags, s, p, errorPayload(-22, 0xfffffff0)), 'EINVAL'],
      ['echoed length of 2^31 (a negative offset when aligned)', (s, p) => message(C.NLMSG_ERROR, tlvFlags, s, p, errorPayload(-22, 0x80000000)), 'EINVAL'],
      ['TLVs that run past their container', (s, p) => message(C.NLMSG_ERROR, tlvFlags | C.NLM_F_CAPPED, s, p, errorPayload(-2, 16, Buffer.from([0xff, 0, 1, 0, 0x41]))), 'ENOENT'],
      ['a positive errno', (s, p) => message(C.NLMSG_ERROR, 0, s, p, errorPayload(5, 16)), 'EIO'],
      ['an errno no system knows', (s, p) => message(C.NLMSG_ERROR, 0, s, p, errorPayload(-0x7fffffff, 16)), 'E2147483647'],
    ];
    for (const [what, make, code] of cases) {
      answer = (req) => [make(req.seq, peer.portId)];
      await assert.rejects(ask(), (e: unknown) => e instanceof NetlinkError && e.code === code, what);
    }
  });

  test('a message length that does not fit its datagram fails the request it answers with a NetlinkDecodeError', async () => {
    for (const len of [0, 15, 21, 0xffffffff]) { // the datagram holds 20 bytes
      answer = (req) => [message(MSG, 0, req.seq, peer.portId, Buffer.alloc(4), len)];
      await assert.rejects(ask(), NetlinkDecodeError, `nlmsg_len ${len}`);
    }
  });

  test('NLMSG_DONE without a dump, and a stranger\'s forged reply with the right seq: the request takes its real answer', async () => {
    answer = (req) => {
      // the stranger knows (or guesses) the seq and sends first: not the peer, ignored
      const forged = message(MSG, 0, req.seq, stranger.portId, Buffer.from('evil'));
      stranger.socket.send(forged, 0, forged.length, req.portId, 0, 0);
      return [message(C.NLMSG_DONE, 0, req.seq, peer.portId, Buffer.from('good'))];
    };
    const [reply] = await ask();
    assert.equal(reply.type, C.NLMSG_DONE);
    assert.equal(reply.payload.toString(), 'good');
  });

  /**
   * The peer answers the next request with multipart items, 16 a millisecond, and never ends:
   * each item is progress, so no timeout "without progress" fires. stop() ends the flood.
   */
  function floodAnswers(): { sent: () => number; stop: () => void } {
    let seq = 0, sent = 0;
    flooding = true;
    answer = (req) => {
      seq = req.seq;
      return [];
    };
    const flood = setInterval(() => {
      if (!seq) return;
      const d = Buffer.concat(Array.from({ length: 16 }, () => message(MSG, C.NLM_F_MULTI, seq, peer.portId, Buffer.alloc(8))));
      try {
        peer.socket.send(d, 0, d.length, client.portId, 0, 0);
        sent += 16;
      } catch {
        // the client's queue is full: it is behind, which is the point
      }
    }, 1);
    return {
      sent: () => sent,
      stop: () => {
        clearInterval(flood);
        flooding = false;
      },
    };
  }

  test('a request answered by an endless multipart stream ends at its timeout', async () => {
    const flood = floodAnswers();
    const started = Date.now();
    try {
      await assert.rejects(ask({ timeout: 300 }), NetlinkTimeoutError);
    } finally {
      flood.stop();
    }
    assert.ok(Date.now() - started < 2000, `ended after ${Date.now() - started} ms`);
    assert.ok(flood.sent() > 16, 'the peer kept sending');
  });

  test('a dump the peer never ends costs that dump: later dumps, to it or another peer, still run', async () => {
    const good = new Connection(C.NETLINK_USERSOCK);
    try {
      good.serve(() => [{ type: 0x31, payload: Buffer.from('a') }, { type: 0x31, payload: Buffer.from('b') }]);
      // the peer answers a dump with one item and then nothing: no NLMSG_DONE, ever
      answer = (req) => [message(MSG, C.NLM_F_MULTI, req.seq, peer.portId, Buffer.alloc(4))];
      await assert.rejects(client.dump(MSG, null, { peer: peer.portId, timeout: 200 }).toArray(), NetlinkTimeoutError);
      // (the in-process peer cannot even answer while this blocks: the same to the client)
      assert.throws(() => client.dumpSync(MSG, null, { peer: peer.portId, timeout: 200 }), NetlinkTimeoutError);
      // a stream left early, too
      for await (const _ of client.dump(MSG, null, { peer: peer.portId })) break;
      // (async: a Sync call would block the in-process server it waits for)
      assert.equal((await client.dump(0x31, null, { peer: good.portId, timeout: 1000 }).toArray()).length, 2);
    } finally {
      good.close();
    }
  });

  test('a dump the peer streams for ever, progress each time: collecting it stops at maxReplies, and later dumps still run', async () => {
    const good = new Connection(C.NETLINK_USERSOCK);
    const flood = floodAnswers();
    try {
      good.serve(() => [{ type: 0x31, payload: Buffer.from('a') }]);
      const err = await client.dump(MSG, null, { peer: peer.portId, timeout: 1000, maxReplies: 200 }).toArray().then(() => undefined, (e: unknown) => e);
      assert.ok(err instanceof TooManyRepliesError, String(err));
      assert.equal(err.code, 'ERR_NETLINK_TOO_MANY_REPLIES');
      assert.equal(err.limit, 200);
      assert.ok(flood.sent() >= 200);
      flood.stop();
      // the dump was let go at once: the connection's next dump is not queued behind it
      assert.equal((await client.dump(0x31, null, { peer: good.portId, timeout: 1000 }).toArray()).length, 1);
    } finally {
      flood.stop();
      good.close();
    }
    // from a user-space peer the limit is there unless the caller raises it; a wrong one is refused
    assert.throws(() => client.dump(MSG, null, { maxReplies: 0 }), { code: 'ERR_OUT_OF_RANGE' });
    assert.throws(() => client.dump(MSG, null, { maxReplies: 1.5 }), NetlinkArgumentError);
  });

  test('a transaction item the peer answers with an endless multipart stream fails at maxReplies', async () => {
    const flood = floodAnswers();
    try {
      const r = await client.transaction([{ type: MSG }], { peer: peer.portId, maxReplies: 100, timeout: 2000 });
      assert.ok(r.failures[0]?.error instanceof TooManyRepliesError, String(r.failures[0]?.error));
    } finally {
      flood.stop();
    }
    await assert.rejects(client.transaction([{ type: MSG }], { maxReplies: -1 }), { code: 'ERR_OUT_OF_RANGE' });
  });

  test('a Sync transaction to a silent peer ends at its timeout, whatever a stranger sends meanwhile', async () => {
    const silent = new Connection(C.NETLINK_USERSOCK); // bound, never reads, never answers
    const target = new Connection(C.NETLINK_USERSOCK, { timeout: 300 });
    // another process (this thread blocks in the Sync call) keeps the receive queue full for
    // 8 s: 60 KiB datagrams of 3,840 junk messages each (seq 0), refilled as soon as there is room
    const transport = new URL('../src/core/transport.js', import.meta.url).href;
    const junk = message(MSG, 0, 0, 0).toString('hex');
    const child = spawn(process.execPath, ['--input-type=module', '-e', `
      const { NetlinkSocket } = await import(${JSON.stringify(transport)});
      const s = new NetlinkSocket(${C.NETLINK_USERSOCK});
      const b = Buffer.from('${junk}'.repeat(3840), 'hex');
      process.stdout.write('ready\\n');
      const end = Date.now() + 8000;
      const fill = () => {
        for (;;) try { s.send(b, 0, b.length, ${target.portId}, 0, 0); } catch { break; }
        if (Date.now() < end) setImmediate(fill); else s.close();
      };
      fill();
    `], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      // a child that fails to start ends the wait too
      await Promise.race([once(child.stdout!, 'data'), once(child, 'exit').then(([code]) => assert.fail(`the flooding child exited (${code})`))]);
      const started = Date.now();
      const r = target.transactionSync([{ type: MSG }], { peer: silent.portId });
      const ms = Date.now() - started;
      assert.ok(r.failures[0]?.error instanceof NetlinkTimeoutError, String(r.failures[0]?.error));
      assert.ok(ms < 2000, `ended after ${ms} ms (timeout 300)`);
    } finally {
      child.kill();
      silent.close();
      target.close();
    }
  });

  test('a Sync transaction whose peer floods its item with multipart replies ends at its timeout, its replies bounded', async () => {
    const target = new Connection(C.NETLINK_USERSOCK, { timeout: 300 });
    // the peer is another process (this thread blocks in the Sync call): it answers the request
    // with 60 KiB datagrams of 3,840 NLM_F_MULTI replies each, refilled as soon as there is room,
    // for 8 s, and never ends the answer
    const core = new URL('../src/core/connection.js', import.meta.url).href;
    const child = spawn(process.execPath, ['--input-type=module', '-e', `
      const { Connection } = await import(${JSON.stringify(core)});
      const c = new Connection(${C.NETLINK_USERSOCK});
      const end = Date.now() + 8000;
      c.serve((req) => {
        const one = Buffer.alloc(24);
        one.writeUInt32LE(24, 0); one.writeUInt16LE(${MSG}, 4); one.writeUInt16LE(${C.NLM_F_MULTI}, 6);
        one.writeUInt32LE(req.seq, 8); one.writeUInt32LE(c.portId, 12);
        const b = Buffer.concat(Array(2560).fill(one));
        const fill = () => {
          for (;;) try { c.socket.send(b, 0, b.length, req.portId, 0, 0); } catch { break; }
          if (Date.now() < end) setImmediate(fill); else c.close();
        };
        fill();
        return new Promise(() => {});
      });
      process.stdout.write(c.portId + '\\n');
    `], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      const [line] = await Promise.race([once(child.stdout!, 'data'), once(child, 'exit').then(([code]) => assert.fail(`the peer exited (${code})`))]);
      const started = Date.now();
      const r = target.transactionSync([{ type: MSG }], { peer: Number(String(line).trim()), maxReplies: 200_000 });
      const ms = Date.now() - started;
      const err = r.failures[0]?.error;
      assert.ok(err instanceof NetlinkTimeoutError || err instanceof TooManyRepliesError, String(err));
      assert.ok(ms < 2000, `ended after ${ms} ms (timeout 300)`);
    } finally {
      child.kill();
      target.close();
    }
  });

  test('a stranger\'s datagram larger than the receive buffer does not grow the process\'s receive batches', async (t) => {
    if (!isRoot) return t.skip('needs root (SO_SNDBUFFORCE) to send a datagram larger than wmem_max');
    const batch = currentBatchBytes(), slot = currentSlotBytes();
    const rcvbuf = client.socket.getOption(C.SOL_SOCKET, C.SO_RCVBUF);
    // the kernel queues one datagram of any size when the queue is empty
    const junk = message(MSG, 0, 0, stranger.portId, Buffer.alloc(32 << 20));
    assert.ok(junk.length > rcvbuf);
    // a failed send from a timer would be an uncaught exception: it is kept, and the request's
    // timeout ends the test with it instead
    let sendError: unknown;
    answer = (req) => {
      stranger.socket.send(junk, 0, junk.length, req.portId, 0, 0);
      // once the client has read the junk: until then its queue takes nothing more
      const real = message(MSG, 0, req.seq, peer.portId, Buffer.from('real'));
      const send = (tries: number): void => {
        try {
          peer.socket.send(real, 0, real.length, req.portId, 0, 0);
        } catch (e) {
          if ((e as { code?: string }).code !== 'EAGAIN' || tries === 0) sendError = e;
          else setTimeout(() => send(tries - 1), 50);
        }
      };
      setTimeout(() => send(100), 100);
      return [];
    };
    const [reply] = await ask().catch((e: unknown) => {
      throw sendError ?? e;
    });
    assert.equal(reply.payload.toString(), 'real');
    assert.equal(currentBatchBytes(), batch, 'receive batches stay as they were');
    assert.equal(currentSlotBytes(), slot);
    // the peer's own reply beyond the receive buffer: EMSGSIZE saying to raise rcvbuf, nothing grown
    // (more than the 1 MiB poller batch too, whose first datagram has half of it)
    answer = (req) => [message(MSG, 0, req.seq, peer.portId, Buffer.alloc(Math.max(rcvbuf, 1 << 20) + 4096))];
    await assert.rejects(ask(), (e: unknown) => e instanceof ReplyTooLargeError && /raise rcvbuf/.test(e.message));
    assert.equal(currentBatchBytes(), batch);
  });
});

describe('raw datagram protocols (NETLINK_KOBJECT_UEVENT): a process\'s oversized datagram', () => {
  test('grows no receive batch; the kernel\'s events still arrive', async (t) => {
    if (!needRoot(t)) return;
    await withNetns(async (ns) => {
      const batch = currentBatchBytes(), slot = currentSlotBytes();
      const stream = uevents({ netns: ns });
      const sender = new NetlinkSocket(C.NETLINK_KOBJECT_UEVENT, { netns: ns, sndbuf: 64 << 20, forceBuffers: true });
      try {
        // (a multicast skb is one allocation: a few MiB at most)
        const junk = Buffer.alloc(3 << 20, 0x41);
        sender.send(junk, 0, junk.length, 0, 1 << (UEVENT_GROUPS.kernel - 1));
        const it = stream[Symbol.asyncIterator]();
        // read (and lost: an overrun item) before the kernel sends, which a full queue would drop
        assert.deepEqual((await it.next()).value, { type: 'overrun' });
        ip(ns, 'link', 'add', 'nlkt-a', 'type', 'veth', 'peer', 'name', 'nlkt-b');
        for (let r = await it.next(); !r.done; r = await it.next()) if ('subsystem' in r.value && r.value.subsystem === 'net') break;
      } finally {
        sender.close();
        stream.close();
      }
      assert.equal(currentBatchBytes(), batch);
      assert.equal(currentSlotBytes(), slot);
    });
  });
});

describe('NETLINK_USERSOCK: a listener that closes the connection mid-batch', () => {
  test('a later datagram of that batch too large for its slot costs nothing (no uncaught SocketClosedError)', async (t) => {
    if (!isRoot) return t.skip('needs root (SO_RCVBUFFORCE) for a receive buffer that holds both datagrams');
    const listener = new Connection(C.NETLINK_USERSOCK, { rcvbuf: 4 << 20, forceBuffers: true });
    const sender = new Connection(C.NETLINK_USERSOCK, { sndbuf: 4 << 20, forceBuffers: true });
    const uncaught: unknown[] = [];
    const onUncaught = (e: unknown) => uncaught.push(e);
    process.on('uncaughtException', onUncaught);
    try {
      let n = 0;
      listener.events().on('message', () => {
        n++;
        listener.close();
      });
      // one receive batch: the first in its large first slot, the second (300 KiB) past its 64 KiB slot
      const small = message(0x40, 0, 0, 0), big = message(0x40, 0, 0, 0, Buffer.alloc(300 << 10));
      sender.socket.send(small, 0, small.length, listener.portId, 0, 0);
      sender.socket.send(big, 0, big.length, listener.portId, 0, 0);
      await new Promise((r) => setTimeout(r, 200));
      assert.equal(n, 1);
      assert.deepEqual(uncaught, []);
    } finally {
      process.off('uncaughtException', onUncaught);
      listener.close();
      sender.close();
    }
  });
});
