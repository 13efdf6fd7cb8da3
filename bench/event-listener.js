// Child workload for bench/events.js: an nlkit listener on RTNLGRP_IPV4_ROUTE that records
// when each of routes 0..N-1 (bench/route-payload.js) is announced, on CLOCK_MONOTONIC
// (process.hrtime.bigint() reads it, as bench/c/rtnl_bench.c's sender does).
//
//   node bench/event-listener.js <emitter|iterator|sync|raw> <count> <netns>
//
// sync is the blocking read (`for (const ev of events.sync())`): the thread waits in poll,
// then one recvmmsg, as the C listener waits in recv, without the event loop.
//
// raw is no nlkit API: the socket's poller hands each batch straight to the same decode,
// without Connection, dispatch or EventStream. It is the floor any Node listener pays
// (event loop wake-up, addon, one JS call), against which nlkit's own work shows.
//
// Prints "ready" once subscribed, then {"mode","recv":[ns...]} indexed by route. The time
// is taken where a user's code first sees the event: the 'message' listener, or the body
// of the for-await loop.
import {
  AttrIterator, Connection, NETLINK_ROUTE, NetlinkSocket, RTM_NEWROUTE, RTNLGRP_IPV4_ROUTE,
} from '../dist/src/core/index.js';
import { META_GROUP, META_INTS, META_LENGTH, META_OFFSET } from '../dist/src/core/native.js';
import { RTA_DST, routeIndex } from './route-payload.js';

const RTMSG_LEN = 12;

/** The route index announced, -1 for anything else. */
function decode(m) {
  if (m.type !== RTM_NEWROUTE) return -1;
  return routeOf(m.buf, m.start, m.end);
}

function routeOf(buf, start, end) {
  const it = new AttrIterator(buf, start + RTMSG_LEN, end);
  while (it.next()) if (it.type === RTA_DST && it.dataEnd - it.dataStart === 4) return routeIndex(buf, it.dataStart);
  return -1;
}

async function main([mode, count, netns]) {
  const n = Number(count);
  if (!['emitter', 'iterator', 'sync', 'raw'].includes(mode) || !Number.isInteger(n) || n <= 0 || !netns) {
    console.error('usage: event-listener.js <emitter|iterator|sync|raw> <count> <netns>');
    process.exit(2);
  }
  const recv = new Array(n).fill(0);
  let seen = 0;
  const record = (i) => {
    if (i >= 0 && i < n && recv[i] === 0) {
      recv[i] = Number(process.hrtime.bigint());
      seen++;
    }
  };
  if (mode === 'raw') {
    await rawListener(netns, record, () => seen === n);
    console.log(JSON.stringify({ mode, recv }));
    return;
  }
  const conn = new Connection(NETLINK_ROUTE, { netns });
  const events = conn.events({ groups: [RTNLGRP_IPV4_ROUTE], decode });
  if (mode === 'emitter') {
    const done = new Promise((resolve) => events.on('message', (i) => { record(i); if (seen === n) resolve(); }));
    console.log('ready');
    await done;
  } else if (mode === 'sync') {
    console.log('ready'); // (a write to a pipe is synchronous: it is out before the thread blocks)
    for (const ev of events.sync()) {
      if (ev.kind === 'message') record(ev.message);
      else if (ev.kind === 'overrun') throw new Error('event queue overrun: the sender is too fast for this listener');
      if (seen === n) break;
    }
  } else {
    console.log('ready');
    for await (const ev of events) {
      if (ev.kind === 'message') record(ev.message);
      else if (ev.kind === 'overrun') throw new Error('event queue overrun: the sender is too fast for this listener');
      if (seen === n) break;
    }
  }
  conn.close();
  console.log(JSON.stringify({ mode, recv }));
}

/** The floor: the addon's poller and one JS call per wake-up, each datagram's one message decoded in place. */
function rawListener(netns, record, done) {
  const sock = new NetlinkSocket(NETLINK_ROUTE, { netns, groups: [RTNLGRP_IPV4_ROUTE] });
  return new Promise((resolve) => {
    sock.startPolling(({ buf, meta }, count) => {
      for (let k = 0; k < count; k++) {
        const base = k * META_INTS;
        const off = meta[base + META_OFFSET];
        if (meta[base + META_GROUP] === RTNLGRP_IPV4_ROUTE && buf.readUInt16LE(off + 4) === RTM_NEWROUTE)
          record(routeOf(buf, off + 16, off + meta[base + META_LENGTH]));
      }
      if (done()) {
        sock.close();
        resolve();
      }
    });
    console.log('ready');
  });
}

await main(process.argv.slice(2));
