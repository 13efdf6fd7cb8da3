// Hostile input and misuse of the request engine: forged datagrams, malformed datagrams,
// bad options, re-entrant requests, closed connections, peers that never read.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, test } from 'node:test';
import { Connection } from '../src/core/connection.js';
import { NETLINK_PKTINFO, NETLINK_ROUTE, NETLINK_USERSOCK, NLM_F_DUMP, NLMSG_ERROR, SOL_NETLINK } from '../src/core/constants.js';
import { NetlinkArgumentError, NetlinkDecodeError, SocketClosedError } from '../src/core/errors.js';
import type { NetlinkEvent } from '../src/core/events.js';
import type { RawMessage } from '../src/core/message.js';
import { META_FLAGS, META_PID } from '../src/core/native.js';
import { Batch, NetlinkSocket } from '../src/core/transport.js';
import { addRoutes, inNetns, ip, ipJson } from './helpers/netns.js';
import { decodeLink, decodeRoute, IFLA_IFNAME, ifinfomsg, RTM_GETLINK, RTM_GETROUTE, rtmsgDump, RTNLGRP_LINK } from './helpers/rtnl.js';

const RTM_NEWLINK = 16;
const FORGED_INDEX = 0x7abc0de;

/** An RTM_NEWLINK whose ifinfomsg names an interface index no kernel would send. */
function forgedLink(seq = 0): Buffer {
  const b = Buffer.alloc(32);
  b.writeUInt32LE(32, 0);
  b.writeUInt16LE(RTM_NEWLINK, 4);
  b.writeUInt32LE(seq, 8);
  b.writeInt32LE(FORGED_INDEX, 16 + 4);
  return b;
}

/** A datagram whose header claims more bytes than it has. */
function malformed(seq: number, type = NLMSG_ERROR): Buffer {
  const b = Buffer.alloc(20);
  b.writeUInt32LE(4000, 0);
  b.writeUInt16LE(type, 4);
  b.writeUInt32LE(seq, 8);
  return b;
}

const getLo = (w: import('../src/core/writer.js').Writer) => {
  ifinfomsg(w);
  w.attrString(IFLA_IFNAME, 'lo');
};

/** Collects a stream's items for a while. */
async function collect<T>(it: AsyncIterator<NetlinkEvent<T>>, until: (ev: NetlinkEvent<T>) => boolean, ms = 3000): Promise<NetlinkEvent<T>[]> {
  const got: NetlinkEvent<T>[] = [];
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const r = await Promise.race([it.next(), new Promise<undefined>((res) => setTimeout(res, deadline - Date.now()))]);
    if (!r || r.done) break;
    got.push(r.value);
    if (until(r.value)) break;
  }
  return got;
}

describe('only the kernel speaks on kernel protocols', () => {
  test('a forged multicast (and seq-0 unicast) datagram from a root socket never reaches a listener', async (t) => {
    await inNetns(t, async (mon, ns) => {
      const events = mon.events({ groups: [RTNLGRP_LINK], decode: decodeLink });
      const it = events[Symbol.asyncIterator]();
      const forger = new NetlinkSocket(NETLINK_ROUTE, { netns: ns, bind: 0 });
      const witness = new NetlinkSocket(NETLINK_ROUTE, { netns: ns, groups: [RTNLGRP_LINK] });
      try {
        // root may send to rtnetlink groups (CAP_NET_ADMIN): the forgery does go out
        forger.send(forgedLink(), 0, 32, 0, 1 << (RTNLGRP_LINK - 1));
        forger.send(forgedLink(), 0, 32, mon.portId, 0);
        const b = new Batch(65536, 8);
        assert.equal(witness.recv(b, 2000, 1), 1, 'the forged datagram reached a raw socket');
        assert.equal(b.meta[META_FLAGS] & 2, 0);
        assert.notEqual(b.meta[META_PID], 0, 'sent by a user socket, not the kernel');
        // then a real change: the first event the listener sees is the kernel's
        ip(ns, 'link', 'add', 'nlkf0', 'type', 'veth', 'peer', 'name', 'nlkf1');
        const got = await collect(it, (ev) => ev.kind === 'message' && ev.message.ifname === 'nlkf1');
        assert.ok(got.length > 0, 'the real event arrived');
        for (const ev of got) {
          assert.equal(ev.kind, 'message');
          if (ev.kind === 'message') assert.notEqual(ev.message.index, FORGED_INDEX, 'a forged event was delivered');
        }
      } finally {
        forger.close();
        witness.close();
        events.close();
      }
    });
  });

  test('a malformed datagram forged with a pending dump\'s sequence number neither fails nor strands the dump', async (t) => {
    await inNetns(t, async (c, ns) => {
      addRoutes(ns, 3000);
      const forger = new NetlinkSocket(NETLINK_ROUTE, { netns: ns, bind: 0 });
      try {
        let seq = 0;
        await c.request(RTM_GETLINK, getLo, { ack: false, decode: (m) => (seq = m.seq) });
        // the next call takes the next sequence number: forge its answer before it is sent
        const d = c.dump(RTM_GETROUTE, rtmsgDump, { decode: decodeRoute });
        forger.send(malformed(seq + 1), 0, 20, c.portId, 0);
        forger.send(malformed(seq + 1, 3), 0, 20, c.portId, 0);
        const routes = await d.toArray();
        assert.ok(routes.length >= 3000, `${routes.length} routes`);
        // the kernel's dump was drained: the next one is not EBUSY
        const again = await c.dump(RTM_GETROUTE, rtmsgDump, { decode: decodeRoute }).toArray();
        assert.equal(again.length, routes.length);
      } finally {
        forger.close();
      }
    });
  });
});

describe('a bad datagram costs one item', () => {
  test('a malformed multicast datagram is an error item on the streams of its group; every stream goes on', async () => {
    const listener = new Connection(NETLINK_USERSOCK);
    const sender = new NetlinkSocket(NETLINK_USERSOCK, { bind: 0 });
    try {
      const five = listener.events({ groups: [5] });
      const six = listener.events({ groups: [6] });
      const good = (n: number) => {
        const b = Buffer.alloc(20);
        b.writeUInt32LE(20, 0);
        b.writeUInt16LE(0x40, 4);
        b.writeUInt32LE(n, 16);
        return b;
      };
      // NETLINK_USERSOCK has no kernel socket: the multicast goes out, the unicast copy to port 0 is refused
      const multicast = (b: Buffer, group: number) => {
        try {
          sender.send(b, 0, b.length, 0, 1 << (group - 1));
        } catch (e) {
          if ((e as { code?: string }).code !== 'ECONNREFUSED') throw e;
        }
      };
      multicast(malformed(0, 0x40), 5);
      multicast(good(1), 5);
      multicast(good(2), 6);
      const a = await collect(five[Symbol.asyncIterator](), (ev) => ev.kind === 'message');
      assert.deepEqual(a.map((e) => e.kind), ['error', 'message']);
      assert.ok(a[0].kind === 'error' && a[0].error instanceof NetlinkDecodeError);
      assert.ok(a[1].kind === 'message' && a[1].message.payload.readUInt32LE(0) === 1 && a[1].group === 5);
      const b = await collect(six[Symbol.asyncIterator](), (ev) => ev.kind === 'message');
      assert.deepEqual(b.map((e) => e.kind), ['message']);
      // both still open: later messages arrive
      multicast(good(3), 5);
      const more = await collect(five[Symbol.asyncIterator](), (ev) => ev.kind === 'message');
      assert.ok(more.at(-1)?.kind === 'message');
      five.close();
      six.close();
    } finally {
      sender.close();
      listener.close();
    }
  });

  test('on NETLINK_USERSOCK a malformed datagram from anyone but the peer does not touch a pending dump', async () => {
    const server = new Connection(NETLINK_USERSOCK);
    const client = new Connection(NETLINK_USERSOCK, { timeout: 5000 });
    const impostor = new NetlinkSocket(NETLINK_USERSOCK, { bind: 0 });
    try {
      server.serve((req) => (req.dump ? Array.from({ length: 2000 }, (_, i) => ({ type: 0x41, payload: Buffer.alloc(4, i) })) : { type: 0x42 }));
      const peer = server.portId;
      let seq = 0;
      await client.request(0x42, null, { peer, decode: (m) => (seq = m.seq) });
      assert.ok(seq > 0);
      const d = client.dump(0x41, null, { peer });
      impostor.send(malformed(seq + 1), 0, 20, client.portId, 0);
      assert.equal((await d.toArray()).length, 2000);
      assert.equal((await client.dump(0x41, null, { peer }).toArray()).length, 2000);
    } finally {
      impostor.close();
      client.close();
      server.close();
    }
  });
});

describe('a bad datagram from a user-space peer', () => {
  test('garbage from the dump\'s own peer fails that dump and frees the dump slot for the next', async () => {
    const peer = new NetlinkSocket(NETLINK_USERSOCK, { bind: 0 });
    const client = new Connection(NETLINK_USERSOCK, { timeout: 3000 });
    try {
      const b = new Batch(65536, 8);
      const nextRequestSeq = () => {
        assert.equal(peer.recv(b, 2000, 1), 1, 'the request reached the peer');
        return b.buf.readUInt32LE(b.meta[0] + 8);
      };
      const first = client.dump(0x41, null, { peer: peer.portId }).toArray();
      peer.send(malformed(nextRequestSeq()), 0, 20, client.portId);
      await assert.rejects(first, NetlinkDecodeError);
      const second = client.dump(0x41, null, { peer: peer.portId }).toArray();
      const done = Buffer.alloc(20);
      done.writeUInt32LE(20, 0);
      done.writeUInt16LE(3, 4); // NLMSG_DONE
      done.writeUInt16LE(2, 6); // NLM_F_MULTI
      done.writeUInt32LE(nextRequestSeq(), 8);
      peer.send(done, 0, 20, client.portId);
      assert.deepEqual(await second, []);
    } finally {
      client.close();
      peer.close();
    }
  });
});

describe('options are checked before anything is sent', () => {
  const bad: [string, object][] = [
    ['signal', { signal: {} }],
    ['signal', { signal: 'x' }],
    ['timeout', { timeout: 2 ** 31 }],
    ['timeout', { timeout: -1 }],
    ['timeout', { timeout: NaN }],
    ['timeout', { timeout: '5' }],
    ['flags', { flags: 1.5 }],
    ['flags', { flags: NaN }],
    ['flags', { flags: 'x' }],
    ['flags', { flags: 2 ** 20 }],
    ['flags', { flags: -1 }],
    ['decode', { decode: 'x' }],
    ['peer', { peer: -1 }],
    ['intr', { intr: 'sometimes' }],
    ['retries', { retries: 1.5 }],
    ['highWaterMark', { highWaterMark: 0 }],
    ['ack', { ack: 1 }],
  ];
  test('request, requestSync, dump, dumpSync, run and transaction refuse each bad option by name', async () => {
    const c = new Connection(NETLINK_ROUTE);
    try {
      for (const [name, opts] of bad) {
        const is = (e: unknown) => e instanceof NetlinkArgumentError && e.argument === name && /^ERR_/.test(e.code);
        await assert.rejects(c.request(RTM_GETLINK, getLo, opts as never), is, `request ${JSON.stringify(opts)}`);
        assert.throws(() => c.requestSync(RTM_GETLINK, getLo, opts as never), (e: unknown) => is(e) || (name === 'signal' && e instanceof NetlinkArgumentError));
        assert.throws(() => c.dump(RTM_GETLINK, ifinfomsg, opts as never), is, `dump ${JSON.stringify(opts)}`);
        assert.throws(() => c.dumpSync(RTM_GETLINK, ifinfomsg, opts as never), (e: unknown) => e instanceof NetlinkArgumentError);
        await assert.rejects(c.run({ type: RTM_GETLINK, payload: getLo, ...opts }), is);
        if (name !== 'intr' && name !== 'retries' && name !== 'highWaterMark')
          await assert.rejects(c.transaction([{ type: RTM_GETLINK, payload: getLo, ...opts }]), (e: unknown) => e instanceof NetlinkArgumentError);
      }
      await assert.rejects(c.request(RTM_GETLINK, getLo, { flags: NLM_F_DUMP }), (e: unknown) => e instanceof NetlinkArgumentError && e.argument === 'flags');
      await assert.rejects(c.request(RTM_GETLINK, 42 as never), (e: unknown) => e instanceof NetlinkArgumentError && e.argument === 'payload');
      await assert.rejects(c.request(2 ** 16, null), (e: unknown) => e instanceof NetlinkArgumentError && e.argument === 'type');
      assert.throws(() => c.events({ groups: [1.5] }), NetlinkArgumentError);
      assert.throws(() => c.events({ decode: 5 as never }), NetlinkArgumentError);
      assert.throws(() => c.joinGroup(-3), NetlinkArgumentError);
      await assert.rejects(c.transaction([{ type: RTM_GETLINK }], { ack: 'some' as never }), NetlinkArgumentError);
      assert.throws(() => c.transactionSync([{ type: RTM_GETLINK }], { maxPerSend: 0 }), NetlinkArgumentError);
      assert.throws(() => c.transactionSync([{ type: RTM_GETLINK, peer: 5 } as never]), (e: unknown) => e instanceof NetlinkArgumentError && e.argument === 'peer');
      assert.throws(() => c.transactionSync([{ type: RTM_GETLINK, dump: true } as never]), NetlinkArgumentError);
    } finally {
      c.close();
    }
    for (const timeout of [2 ** 31, -5, NaN, 'x'])
      assert.throws(() => new Connection(NETLINK_ROUTE, { timeout: timeout as never }), (e: unknown) => e instanceof NetlinkArgumentError && e.argument === 'timeout');
  });

  test('timeout Infinity means no timeout, async and Sync; the largest timer value does not fire early', async () => {
    const c = new Connection(NETLINK_ROUTE, { timeout: Infinity });
    const server = new Connection(NETLINK_USERSOCK);
    const client = new Connection(NETLINK_USERSOCK);
    try {
      assert.equal(c.timeout, 0);
      assert.equal(c.requestSync(RTM_GETLINK, getLo, { ack: false, decode: decodeLink, timeout: Infinity })[0].ifname, 'lo');
      assert.equal((await c.request(RTM_GETLINK, getLo, { ack: false, decode: decodeLink, timeout: Infinity }))[0].ifname, 'lo');
      server.serve(() => new Promise(() => {})); // never answers
      const peer = server.portId;
      for (const timeout of [Infinity, 2 ** 31 - 1]) {
        const ac = new AbortController();
        const p = client.request(0x50, null, { peer, timeout, signal: ac.signal });
        const early = await Promise.race([p.then(() => 'settled', () => 'settled'), new Promise((r) => setTimeout(() => r('pending'), 100))]);
        assert.equal(early, 'pending', `timeout ${timeout} fired early`);
        ac.abort(new Error('done'));
        await assert.rejects(p, /done/);
      }
    } finally {
      client.close();
      server.close();
      c.close();
    }
  });
});

describe('re-entrancy', () => {
  test('a request made from inside a decoder does not re-point the message being decoded', async (t) => {
    await inNetns(t, async (c, ns) => {
      ip(ns, 'link', 'add', 'nlkr0', 'type', 'veth', 'peer', 'name', 'nlkr1');
      ip(ns, 'link', 'add', 'nlkr2', 'type', 'veth', 'peer', 'name', 'nlkr3');
      const expected = ipJson<{ ifname: string }[]>(ns, 'link', 'show').map((l) => l.ifname).sort();
      let calls = 0;
      const nested = (m: RawMessage) => {
        // the second item triggers Sync and async requests before it is decoded
        if (++calls === 2) {
          assert.equal(c.requestSync(RTM_GETLINK, getLo, { ack: false, decode: decodeLink })[0].ifname, 'lo');
          void c.request(RTM_GETLINK, getLo, { ack: false, decode: decodeLink });
        }
        return decodeLink(m);
      };
      const viaDump = (await c.dump(RTM_GETLINK, ifinfomsg, { decode: nested }).toArray()).map((l) => l.ifname).sort();
      assert.deepEqual(viaDump, expected);
      calls = 0;
      assert.deepEqual(c.dumpSync(RTM_GETLINK, ifinfomsg, { decode: nested }).map((l) => l.ifname).sort(), expected);
    });
  });
});

describe('the bytes an error refers to', () => {
  test('stay the request that was sent, whatever is sent afterwards or meanwhile', async () => {
    const c = new Connection(NETLINK_ROUTE);
    try {
      const byName = (name: string) => (w: import('../src/core/writer.js').Writer) => {
        ifinfomsg(w);
        w.attrString(IFLA_IFNAME, name);
      };
      let err: { request?: { bytes?: Uint8Array } } = {};
      try {
        c.requestSync(RTM_GETLINK, byName('nlk-none0'), { ack: false });
      } catch (e) {
        err = e as typeof err;
      }
      const sent = Buffer.from(err.request!.bytes!);
      assert.ok(sent.includes('nlk-none0'));
      c.requestSync(RTM_GETLINK, byName('lo'), { ack: false });
      assert.deepEqual(Buffer.from(err.request!.bytes!), sent);
      // a request made while another's bytes are still in the shared writer (from its payload writer)
      let inner: Promise<unknown> | undefined;
      const outer = c.request(RTM_GETLINK, (w) => {
        inner = c.request(RTM_GETLINK, byName('lo'), { ack: false });
        byName('nlk-none1')(w);
      }, { ack: false }).catch((e: { request?: { bytes?: Uint8Array } }) => Buffer.from(e.request!.bytes!));
      await inner;
      assert.ok(((await outer) as Buffer).includes('nlk-none1'));
    } finally {
      c.close();
    }
  });
});

describe('a decoder that detaches the receive buffer', () => {
  test('transferring m.buf.buffer costs that datagram only: later events and requests still work', async (t) => {
    await inNetns(t, async (c, ns) => {
      let transferred = 0;
      const events = c.events({
        groups: [RTNLGRP_LINK],
        decode: (m) => {
          const name = decodeLink(m).ifname;
          if (transferred++ === 0) structuredClone(m.buf.buffer, { transfer: [m.buf.buffer] });
          return name;
        },
      });
      const it = events[Symbol.asyncIterator]();
      ip(ns, 'link', 'add', 'nlkd0', 'type', 'veth', 'peer', 'name', 'nlkd1');
      await collect(it, () => true);
      ip(ns, 'link', 'add', 'nlkd2', 'type', 'veth', 'peer', 'name', 'nlkd3');
      const later = await collect(it, (ev) => ev.kind === 'message' && ev.message === 'nlkd3');
      assert.ok(later.some((ev) => ev.kind === 'message' && ev.message === 'nlkd3'), JSON.stringify(later));
      // the Sync path's shared batches too: the dump that did it fails, the connection goes on
      const detach = (m: RawMessage) => structuredClone(m.buf.buffer, { transfer: [m.buf.buffer] });
      assert.throws(() => c.dumpSync(RTM_GETLINK, ifinfomsg, { decode: detach }), (e: unknown) => e instanceof NetlinkArgumentError && e.argument === 'decode');
      // a request answered by the message being decoded has its answer
      assert.equal((await c.request(RTM_GETLINK, getLo, { ack: false, decode: detach })).length, 1);
      assert.equal(c.requestSync(RTM_GETLINK, getLo, { ack: false, decode: decodeLink })[0].ifname, 'lo');
      events.close();
    });
  });
});

describe('a closed connection', () => {
  test('every method throws SocketClosedError', async () => {
    const c = new Connection(NETLINK_USERSOCK);
    c.close();
    const sync: [string, () => unknown][] = [
      ['socket', () => c.socket],
      ['portId', () => c.portId],
      ['joinGroup', () => c.joinGroup(1)],
      ['leaveGroup', () => c.leaveGroup(1)],
      ['events', () => c.events({ groups: [1] })],
      ['serve', () => c.serve(() => undefined)],
      ['requestSync', () => c.requestSync(1, null)],
      ['dump', () => c.dump(1, null)],
      ['dumpSync', () => c.dumpSync(1, null)],
      ['runSync', () => c.runSync({ type: 1 })],
      ['stream', () => c.stream({ type: 1, dump: true })],
      ['transactionSync', () => c.transactionSync([{ type: 1 }])],
    ];
    for (const [name, fn] of sync) assert.throws(fn, SocketClosedError, name);
    await assert.rejects(c.request(1, null), SocketClosedError);
    await assert.rejects(c.run({ type: 1 }), SocketClosedError);
    await assert.rejects(c.transaction([{ type: 1 }]), SocketClosedError);
  });
});

describe('sending to a user-space peer that never reads', () => {
  test('requestSync gives up after its timeout instead of blocking forever', () => {
    // in a child process: before the fix the send blocked for good
    const script = `
      const { Connection } = await import('${new URL('../src/core/connection.js', import.meta.url).href}');
      const { NetlinkSocket } = await import('${new URL('../src/core/transport.js', import.meta.url).href}');
      const sink = new NetlinkSocket(2, { bind: 0, rcvbuf: 1 });
      const c = new Connection(2);
      const msg = Buffer.alloc(1024);
      msg.writeUInt32LE(1024, 0);
      msg.writeUInt16LE(0x60, 4);
      try { for (;;) c.socket.send(msg, 0, 1024, sink.portId, 0, 0); } catch (e) { if (e.code !== 'EAGAIN') throw e; }
      const t0 = Date.now();
      let code;
      try { c.requestSync(0x60, null, { peer: sink.portId, timeout: 300 }); } catch (e) { code = e.code; }
      console.log(JSON.stringify({ code, ms: Date.now() - t0 }));
      c.close(); sink.close();`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { timeout: 10_000, encoding: 'utf8' });
    assert.equal(r.status, 0, `the child was stuck or failed: ${r.stderr}`);
    const out = JSON.parse(r.stdout) as { code: string; ms: number };
    assert.equal(out.code, 'ETIMEDOUT');
    assert.ok(out.ms >= 250 && out.ms < 3000, `${out.ms} ms`);
  });
});

describe('ancillary data only when needed', () => {
  test('groups up to 32 do not turn NETLINK_PKTINFO on; a higher group does, and both are reported by number', async (t) => {
    await inNetns(t, async (c, ns) => {
      const events = c.events({ groups: [RTNLGRP_LINK], decode: (m: RawMessage): [number, number] => [m.group, m.credPid ?? -2] });
      assert.equal(c.socket.getOption(SOL_NETLINK, NETLINK_PKTINFO), 0);
      ip(ns, 'link', 'add', 'nlkp0', 'type', 'veth', 'peer', 'name', 'nlkp1');
      const got = await collect(events[Symbol.asyncIterator](), (ev) => ev.kind === 'message');
      assert.deepEqual(got.at(-1), { kind: 'message', message: [RTNLGRP_LINK, -1], group: RTNLGRP_LINK, nsid: -1 });
      c.joinGroup(37); // RTNLGRP_IPV4_MCADDR
      assert.equal(c.socket.getOption(SOL_NETLINK, NETLINK_PKTINFO), 1);
      c.leaveGroup(37);
      events.close();
    });
  });
});
