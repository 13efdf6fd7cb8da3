// Datagrams as they come, for protocols whose datagrams are not netlink messages
// (NETLINK_KOBJECT_UEVENT carries text): each one whole, with its sender, group and
// credentials, from a socket's poller. The request engine (dispatch.ts) is not involved:
// there are no requests, and the protocol's layer decides whom it trusts.
import * as C from './constants.js';
import { errnoInfo, NetlinkSystemError, SocketClosedError } from './errors.js';
import type { RawMessage } from './message.js';
import * as N from './native.js';
import { acquireBatch, growBatches, releaseBatch, truncation, type Batch, type NetlinkSocket } from './transport.js';

export interface DatagramHandler {
  /** One datagram: buf[start, end), with sender, group and credentials; type, flags and seq are 0. */
  datagram(m: RawMessage): void;
  /** The receive queue overflowed (ENOBUFS), or a datagram was larger than the buffer (lost). */
  overrun(err: NetlinkSystemError): void;
  /** The socket failed for good. */
  fail(err: unknown): void;
}

/** Reading paused while a consumer is behind, and resumed. */
export interface DatagramPolling {
  pause(): void;
  resume(): void;
}

/** What reads a batch of datagrams into the handler. */
function batchReader(sock: NetlinkSocket, handler: DatagramHandler): (batch: Batch, n: number) => void {
  const m: RawMessage = { type: 0, flags: 0, seq: 0, portId: 0, sender: 0, group: 0, nsid: -1, buf: Buffer.alloc(0), start: 0, end: 0 };
  return (batch: Batch, n: number): void => {
    const { buf, meta } = batch;
    for (let i = 0; i < n; i++) {
      // closed by a listener (of an overrun or a datagram): nothing more is read, nothing grows
      // for it, and its descriptor may already be another socket's
      if (sock.isClosed) return;
      const base = i * N.META_INTS;
      const flags = meta[base + N.META_FLAGS];
      if (flags & N.MF_ERROR) {
        const errno = meta[base + N.META_LENGTH];
        const [code] = errnoInfo(errno);
        if (code === 'ENOBUFS') handler.overrun(new NetlinkSystemError(errno, 'recvmsg', 'the receive queue overflowed'));
        else return handler.fail(new NetlinkSystemError(errno, 'recvmsg', 'receive failed'));
        continue;
      }
      if (flags & N.MF_TRUNC) {
        // lost: later reads get room for its size, unless a process (not the kernel) sent
        // more than the receive buffer holds
        const limit = meta[base + N.META_PID] === 0 ? undefined : sock.getOption(C.SOL_SOCKET, C.SO_RCVBUF);
        handler.overrun(truncation(meta[base + N.META_REAL_LENGTH], meta[base + N.META_LENGTH], limit, (size) => {
          growBatches(size);
          sock.renewPoller();
        }));
        continue;
      }
      m.buf = buf;
      m.sender = meta[base + N.META_PID] >>> 0;
      m.group = meta[base + N.META_GROUP] >>> 0;
      m.nsid = flags & N.MF_NSID ? meta[base + N.META_NSID] : -1;
      const creds = (flags & N.MF_CREDS) !== 0;
      m.credPid = creds ? meta[base + N.META_CRED_PID] : -1;
      m.credUid = creds ? meta[base + N.META_CRED_UID] >>> 0 : -1;
      m.credGid = creds ? meta[base + N.META_CRED_GID] >>> 0 : -1;
      m.start = meta[base + N.META_OFFSET];
      m.end = m.start + meta[base + N.META_LENGTH];
      handler.datagram(m);
      if (buf.length === 0) return; // detached by a decoder
    }
  };
}

/**
 * Reads what arrives within timeoutMs (blocking this thread) into the handler, until
 * `done()` says enough or the time is up; false when it timed out.
 */
export function readDatagramsSync(sock: NetlinkSocket, handler: DatagramHandler, done: () => boolean, timeoutMs: number): boolean {
  // an answer to what was just sent is usually queued already: read before polling
  const readOnce = datagramReaderSync(sock, handler, false);
  const deadline = performance.now() + timeoutMs;
  while (!done()) {
    const left = deadline - performance.now();
    if (left <= 0) return false;
    readOnce(Math.ceil(left));
  }
  return true;
}

/**
 * One blocking read for a Sync caller: what arrives within waitMs (-1: however long it
 * takes) goes to the handler. `pollFirst` (EventStream.nextSync's reads) waits before the
 * first read, which would mostly find the queue empty.
 */
export function datagramReaderSync(sock: NetlinkSocket, handler: DatagramHandler, pollFirst = true): (waitMs: number) => void {
  const read = batchReader(sock, handler);
  return (waitMs) => {
    // (a stream left open over a closed socket would otherwise ask again at once, for ever)
    if (sock.isClosed) throw new SocketClosedError();
    const b = acquireBatch();
    try {
      const n = sock.recv(b, waitMs, 64, pollFirst);
      if (n > 0) read(b, n);
    } finally {
      releaseBatch(b);
    }
  };
}

/** Starts polling `sock`, handing every datagram to `handler`, until the socket closes. */
export function pollDatagrams(sock: NetlinkSocket, handler: DatagramHandler): DatagramPolling {
  const onBatch = batchReader(sock, handler);
  sock.startPolling(onBatch);
  return {
    pause: () => sock.stopPolling(),
    resume: () => {
      if (!sock.isClosed) sock.startPolling(onBatch);
    },
  };
}
