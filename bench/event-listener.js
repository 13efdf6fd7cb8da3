// Child workload for bench/events.js: an nlkit listener on RTNLGRP_IPV4_ROUTE that records
// when each of routes 0..N-1 (bench/route-payload.js) is announced, on CLOCK_MONOTONIC
// (process.hrtime.bigint() reads it, as bench/c/rtnl_bench.c's sender does).
//
//   node bench/event-listener.js <emitter|iterator> <count> <netns>
//
// Prints "ready" once subscribed, then {"mode","recv":[ns...]} indexed by route. The time
// is taken where a user's code first sees the event: the 'message' listener, or the body
// of the for-await loop.
import { AttrIterator, Connection, NETLINK_ROUTE, RTM_NEWROUTE, RTNLGRP_IPV4_ROUTE } from '../dist/src/core/index.js';
import { RTA_DST, routeIndex } from './route-payload.js';

const RTMSG_LEN = 12;

/** The route index announced, -1 for anything else. */
function decode(m) {
  if (m.type !== RTM_NEWROUTE) return -1;
  const it = new AttrIterator(m.buf, m.start + RTMSG_LEN, m.end);
  while (it.next()) if (it.type === RTA_DST && it.dataEnd - it.dataStart === 4) return routeIndex(m.buf, it.dataStart);
  return -1;
}

async function main([mode, count, netns]) {
  const n = Number(count);
  if (!['emitter', 'iterator'].includes(mode) || !Number.isInteger(n) || n <= 0 || !netns) {
    console.error('usage: event-listener.js <emitter|iterator> <count> <netns>');
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
  const conn = new Connection(NETLINK_ROUTE, { netns });
  const events = conn.events({ groups: [RTNLGRP_IPV4_ROUTE], decode });
  if (mode === 'emitter') {
    const done = new Promise((resolve) => events.on('message', (i) => { record(i); if (seen === n) resolve(); }));
    console.log('ready');
    await done;
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

await main(process.argv.slice(2));
