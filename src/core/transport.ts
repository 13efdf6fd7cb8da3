import * as C from './constants.js';
import { META_INTS, native } from './native.js';

export type NetnsRef = string | number;

export interface SocketOptions {
  /**
   * Network namespace for the socket: a name under /run/netns (as `ip netns` makes them),
   * a path (anything with a '/', e.g. /proc/1234/ns/net), or an open namespace fd.
   */
  netns?: NetnsRef;
  /** Port id to bind; 0 lets the kernel choose. Default: no bind (the kernel binds on first send), or 0 when groups are given. */
  bind?: number;
  /** Multicast groups to join at open. */
  groups?: readonly number[];
  /** NETLINK_EXT_ACK: errors carry the kernel's text and the bad attribute. Default true. */
  extAck?: boolean;
  /**
   * NETLINK_GET_STRICT_CHK: the kernel checks dump headers and filters dumps by them.
   * Only rtnetlink consults it, so the default is true on NETLINK_ROUTE and false elsewhere.
   */
  strictCheck?: boolean;
  /** NETLINK_CAP_ACK: errors do not echo the request back. Default true. */
  capAck?: boolean;
  /** NETLINK_NO_ENOBUFS: hide receive-queue overflows. Default false: overflows are reported. */
  noEnobufs?: boolean;
  /** NETLINK_LISTEN_ALL_NSID: receive notifications from every namespace with an id here. */
  listenAllNsid?: boolean;
  /** SO_RCVBUF in bytes (the kernel doubles it); with forceBuffers, SO_RCVBUFFORCE (root may exceed rmem_max). */
  rcvbuf?: number;
  sndbuf?: number;
  forceBuffers?: boolean;
}

/** Resolves a namespace reference to what the native layer takes. */
export function netnsTarget(ns: NetnsRef): string | number {
  if (typeof ns === 'number') return ns;
  if (typeof ns !== 'string' || ns.length === 0) throw new TypeError('netns must be a name, a path or an fd');
  return ns.includes('/') ? ns : `/run/netns/${ns}`;
}

/** Default receive batch capacity; grows when a datagram is reported truncated. */
const BATCH_BYTES = 256 * 1024;
const BATCH_SLOTS = 512;

/** A receive buffer plus its per-datagram metadata. */
export class Batch {
  buf: Buffer;
  meta: Int32Array;
  constructor(bytes = BATCH_BYTES, slots = BATCH_SLOTS) {
    this.buf = Buffer.allocUnsafeSlow(bytes);
    this.meta = new Int32Array(slots * META_INTS);
  }
}

/**
 * Receive batches for the Sync API and immediate reads, shared by every socket in the
 * process: their contents are consumed before the call that filled them returns. A
 * nested read (a listener making a Sync call while a batch is being dispatched) takes a
 * fresh one.
 */
const freeBatches: Batch[] = [];
let batchBytes = BATCH_BYTES;
export function acquireBatch(): Batch {
  return freeBatches.pop() ?? new Batch(batchBytes);
}
export function releaseBatch(b: Batch): void {
  if (b.buf.length >= batchBytes && freeBatches.length < 4) freeBatches.push(b);
}
/** Called when a datagram did not fit: later batches are made big enough for it. */
export function growBatches(atLeast: number): void {
  let n = batchBytes;
  while (n < atLeast * 2) n *= 2;
  if (n !== batchBytes) {
    batchBytes = n;
    freeBatches.length = 0;
  }
}
export function currentBatchBytes(): number {
  return batchBytes;
}

/**
 * One AF_NETLINK socket: options, membership, send and receive. No protocol logic;
 * Connection builds requests, dumps and events on top.
 */
export class NetlinkSocket {
  readonly fd: number;
  readonly protocol: number;
  private closed = false;
  private poller: object | undefined;
  private polling = false;
  private pollRef = true;
  private onBatch: ((batch: Batch, count: number) => void) | undefined;
  /** Ancillary data is on (nsid or packet info): receive with recvmsg rather than recvfrom. */
  private cmsg = false;

  constructor(protocol: number, opts: SocketOptions = {}) {
    if (!Number.isInteger(protocol) || protocol < 0 || protocol > 255)
      throw new TypeError(`protocol must be an integer 0..255, got ${String(protocol)}`);
    this.protocol = protocol;
    // boolean options go with the socket() call: one crossing into C
    let want = 0, need = 0;
    const flag = (opt: number, on: boolean | undefined, dflt: boolean) => {
      if (on ?? dflt) want |= 1 << opt;
      if (on === true) need |= 1 << opt;
    };
    flag(C.NETLINK_EXT_ACK, opts.extAck, true);
    flag(C.NETLINK_GET_STRICT_CHK, opts.strictCheck, protocol === C.NETLINK_ROUTE);
    flag(C.NETLINK_CAP_ACK, opts.capAck, true);
    flag(C.NETLINK_NO_ENOBUFS, opts.noEnobufs, false);
    flag(C.NETLINK_LISTEN_ALL_NSID, opts.listenAllNsid, false);
    this.cmsg = opts.listenAllNsid === true;
    this.fd = native.socket(protocol, opts.netns === undefined ? null : netnsTarget(opts.netns), want >>> 0, need >>> 0);
    if (opts.rcvbuf === undefined && opts.sndbuf === undefined && opts.bind === undefined && !opts.groups?.length) return;
    try {
      this.configure(opts);
    } catch (e) {
      native.close(this.fd);
      this.closed = true;
      throw e;
    }
  }

  private configure(opts: SocketOptions): void {
    const fd = this.fd;
    if (opts.rcvbuf !== undefined)
      native.setsockopt(fd, C.SOL_SOCKET, opts.forceBuffers ? C.SO_RCVBUFFORCE : C.SO_RCVBUF, opts.rcvbuf);
    if (opts.sndbuf !== undefined)
      native.setsockopt(fd, C.SOL_SOCKET, opts.forceBuffers ? C.SO_SNDBUFFORCE : C.SO_SNDBUF, opts.sndbuf);
    if (opts.bind !== undefined || opts.groups?.length) native.bind(fd, opts.bind ?? 0, 0);
    for (const g of opts.groups ?? []) this.join(g);
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** bind(2) with a port id (0: the kernel chooses) and a legacy group mask. */
  bind(pid = 0, groups = 0): void {
    native.bind(this.fd, pid, groups);
  }

  /** This socket's port id (0 until bound or until the first send). */
  get portId(): number {
    return native.getsockname(this.fd)[0];
  }

  /** Binds with a kernel-chosen port id unless bound already (a listener must be bound to receive). */
  ensureBound(): void {
    if (native.getsockname(this.fd)[0] === 0) native.bind(this.fd, 0, 0);
  }

  /** Joins a multicast group by number; any number, also above 32. */
  join(group: number): void {
    native.setsockopt(this.fd, C.SOL_NETLINK, C.NETLINK_ADD_MEMBERSHIP, group);
  }

  leave(group: number): void {
    native.setsockopt(this.fd, C.SOL_NETLINK, C.NETLINK_DROP_MEMBERSHIP, group);
  }

  setOption(level: number, name: number, value: number | boolean): void {
    native.setsockopt(this.fd, level, name, typeof value === 'boolean' ? Number(value) : value);
    if (level === C.SOL_NETLINK && (name === C.NETLINK_LISTEN_ALL_NSID || name === C.NETLINK_PKTINFO) && value) {
      this.cmsg = true;
      this.renewPoller(); // the poller reads with recvmsg from now on
    }
  }

  getOption(level: number, name: number): number {
    return native.getsockopt(this.fd, level, name);
  }

  /**
   * Sends bytes as one datagram to a port id (0: the kernel) and/or multicast group mask.
   * sendTimeoutMs: 0 never waits (a full user-space peer is EAGAIN), > 0 waits up to that
   * long for the peer's queue (then ETIMEDOUT), < 0 waits as long as it takes.
   */
  send(buf: Uint8Array, offset: number, length: number, pid = 0, groups = 0, sendTimeoutMs = 0): number {
    return native.send(this.fd, buf, offset, length, pid, groups, sendTimeoutMs);
  }

  /**
   * Receives up to `max` datagrams into a batch. timeoutMs 0: only what is queued;
   * > 0: wait that long for the first; < 0: wait forever. Returns the entry count.
   */
  recv(batch: Batch, timeoutMs: number, max: number): number {
    return native.recv(this.fd, batch.buf, batch.meta, timeoutMs, max, this.cmsg);
  }

  /**
   * send() then recv() in one call into C; the reply is usually there when send returns.
   * sendTimeoutMs bounds the send as in send(), recvTimeoutMs the wait as in recv().
   */
  transact(buf: Uint8Array, offset: number, length: number, pid: number, sendTimeoutMs: number, batch: Batch, recvTimeoutMs: number,
    max: number): number {
    return native.transact(this.fd, buf, offset, length, pid, sendTimeoutMs, batch.buf, batch.meta, recvTimeoutMs, max, this.cmsg);
  }

  /**
   * Starts delivering receive batches to onBatch from the event loop: one call per
   * wake-up with every datagram that was queued.
   */
  startPolling(onBatch: (batch: Batch, count: number) => void): void {
    if (this.closed || this.polling) return;
    this.onBatch = onBatch;
    if (!this.poller) {
      const batch = new Batch(currentBatchBytes());
      this.poller = native.pollerCreate(this.fd, batch.buf, batch.meta, (n: number) => onBatch(batch, n), this.cmsg);
      if (!this.pollRef) native.pollerRef(this.poller, false);
    }
    native.pollerStart(this.poller);
    this.polling = true;
  }

  stopPolling(): void {
    if (this.poller && this.polling) native.pollerStop(this.poller);
    this.polling = false;
  }

  /** Whether active polling keeps the process alive. */
  setRef(ref: boolean): void {
    if (ref === this.pollRef) return;
    this.pollRef = ref;
    if (this.poller) native.pollerRef(this.poller, ref);
  }

  /** Recreates the poller: with a buffer of the current batch size (after a datagram did not fit), or to read ancillary data. */
  renewPoller(): void {
    if (!this.poller || !this.onBatch) return;
    native.pollerClose(this.poller);
    this.poller = undefined;
    const wasPolling = this.polling;
    this.polling = false;
    if (wasPolling) this.startPolling(this.onBatch);
  }

  get isPolling(): boolean {
    return this.polling;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.poller) native.pollerClose(this.poller);
    this.poller = undefined;
    this.polling = false;
    native.close(this.fd);
  }
}
