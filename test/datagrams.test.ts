// The raw-datagram reader (uevent, auditd): what it does when a handler closes the socket
// in the middle of a batch.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readDatagramsSync } from '../src/core/datagrams.js';
import { NETLINK_USERSOCK } from '../src/core/constants.js';
import { NetlinkSocket } from '../src/core/transport.js';

test('an overrun listener that closes the socket ends the batch: no socket option read on the closed socket', () => {
  const rx = new NetlinkSocket(NETLINK_USERSOCK, { bind: 0, rcvbuf: 4 << 20 });
  const tx = new NetlinkSocket(NETLINK_USERSOCK, { bind: 0, sndbuf: 4 << 20 });
  try {
    // one batch: the first datagram gets half of it, each further one 64 KiB, so the two
    // large ones after a small one arrive truncated, each with the size a user-space peer
    // is checked against (the receive buffer)
    const big = Buffer.alloc(100 * 1024, 1);
    for (const d of [Buffer.alloc(64, 1), big, big]) tx.send(d, 0, d.length, rx.portId);
    const overruns: unknown[] = [];
    let datagrams = 0;
    readDatagramsSync(rx, {
      datagram: () => { datagrams++; },
      overrun: (err) => { overruns.push(err); rx.close(); },
      fail: (err) => { throw err; },
    }, () => rx.isClosed, 2000);
    assert.equal(datagrams, 1);
    assert.equal(overruns.length, 1);
  } finally {
    rx.close();
    tx.close();
  }
});
