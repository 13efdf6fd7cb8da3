import { constants } from 'node:os';
import * as C from './constants.js';
import { NetlinkArgumentError, NetnsError, ReplyTooLargeError, SocketClosedError } from './errors.js';
import { checkBoolean, checkGroups, checkInt, checkObject, quote } from './options.js';
import {
  IO_FLAGS, IO_CMSG, IO_FD, IO_INTS, IO_LENGTH, IO_MAX, IO_OFFSET, IO_PID, IO_POLL_FIRST, IO_RECV_TIMEOUT, IO_SEND_TIMEOUT, IO_SLOT, META_INTS, native, POLLER_DETACHED,
} from './native.js';

/**
 * A network namespace: a name under /run/netns (as `ip netns` makes them), an explicit
 * path (`{ path: '/proc/1234/ns/net' }`), or an open namespace fd (`{ fd }` or the number).
 */
export type NetnsRef = string | number | { name: string } | { path: string } | { fd: number };

export interface SocketOptions {
  /**
   * Network namespace for the socket: a name under /run/netns (as `ip netns` makes them),
   * `{ path }` for any namespace file (e.g. /proc/1234/ns/net), or an open namespace fd
   * (`{ fd }` or the number). Anything but a network namespace is a NetnsError.
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
  /**
   * SO_RCVBUF in bytes (the kernel doubles it; without forceBuffers it caps it at
   * net.core.rmem_max); with forceBuffers, SO_RCVBUFFORCE (root may exceed rmem_max).
   * An integer 1..MAX_SOCKET_BUFFER, else NetlinkArgumentError. sndbuf likewise.
   */
  rcvbuf?: number;
  sndbuf?: number;
  forceBuffers?: boolean;
}

/** What the native layer opens for a namespace reference: a path, or an fd it only checks. */
export interface NetnsTarget {
  target: string | number;
  /** The reference as the caller gave it, for messages. */
  shown: string | number;
}

export function netnsName(name: string): string {
  // a name stays inside /run/netns: no separators, no way up, nothing the C string would cut
  if (name === '' || name === '.' || name === '..' || name.includes('/') || name.includes('\0'))
    throw new NetlinkArgumentError('netns', `must be a name from /run/netns (no '/', NUL, '.' or '..'), got ${quote(name)}; ` +
      'give a path as { path }', 'ERR_INVALID_ARG_VALUE');
  return `/run/netns/${name}`;
}

function netnsFd(fd: unknown): number {
  if (typeof fd !== 'number' || !Number.isInteger(fd) || fd < 0 || fd > 0x7fffffff)
    throw new NetlinkArgumentError('netns', `fd must be a non-negative integer, got ${String(fd)}`, 'ERR_OUT_OF_RANGE');
  return fd;
}

/** Checks a namespace reference and resolves it to what the native layer takes. */
export function netnsTarget(ns: NetnsRef): NetnsTarget {
  if (typeof ns === 'string') return { target: netnsName(ns), shown: ns };
  if (typeof ns === 'number') return { target: netnsFd(ns), shown: ns };
  if (ns !== null && typeof ns === 'object') {
    const keys = Object.keys(ns);
    if (keys.length === 1 && keys[0] === 'name' && typeof (ns as { name: unknown }).name === 'string')
      return { target: netnsName((ns as { name: string }).name), shown: (ns as { name: string }).name };
    if (keys.length === 1 && keys[0] === 'fd') return { target: netnsFd((ns as { fd: unknown }).fd), shown: (ns as { fd: number }).fd };
    if (keys.length === 1 && keys[0] === 'path') {
      const path = (ns as { path: unknown }).path;
      if (typeof path !== 'string' || path === '' || path.includes('\0'))
        throw new NetlinkArgumentError('netns', 'path must be a non-empty string without NUL', 'ERR_INVALID_ARG_VALUE');
      return { target: path, shown: path };
    }
  }
  throw new NetlinkArgumentError('netns', 'must be a name, { name }, { path }, { fd } or an fd number', 'ERR_INVALID_ARG_TYPE');
}

/** A native failure to open or enter a namespace, said with the namespace's name. */
export function netnsFailure(e: unknown, ns: NetnsTarget): unknown {
  const err = e as { errno?: number; syscall?: string };
  if (typeof err?.errno !== 'number' || err.syscall === 'socket') return e;
  const what = typeof ns.shown === 'number' ? `fd ${ns.shown}` : `'${ns.shown}'`;
  const where = typeof ns.target === 'string' && ns.target !== ns.shown ? ` (${ns.target})` : '';
  const n = -err.errno;
  const detail = n === constants.errno.ENOENT ? `network namespace ${what} not found${where}`
    : n === constants.errno.EINVAL && err.syscall?.startsWith('ioctl') ? `${what}${where} is not a network namespace`
    : `cannot enter network namespace ${what}${where}`;
  return new NetnsError(n, err.syscall ?? 'open', detail, ns.shown, typeof ns.target === 'string' ? ns.target : undefined);
}

/** The largest SO_RCVBUF / SO_SNDBUF value: the kernel doubles it into an int. */
export const MAX_SOCKET_BUFFER = 0x3fffffff;

function bufferSize(name: 'rcvbuf' | 'sndbuf', v: unknown): number {
  if (typeof v !== 'number') throw new NetlinkArgumentError(name, `must be a number of bytes, got ${typeof v}`, 'ERR_INVALID_ARG_TYPE');
  if (!Number.isInteger(v) || v < 1 || v > MAX_SOCKET_BUFFER)
    throw new NetlinkArgumentError(name, `must be an integer 1..${MAX_SOCKET_BUFFER}, got ${v}`, 'ERR_OUT_OF_RANGE');
  return v;
}

/** The switches of SocketOptions: booleans, since `'no'` or 1 would silently turn them on. */
const SWITCHES = ['extAck', 'strictCheck', 'capAck', 'noEnobufs', 'listenAllNsid', 'forceBuffers'] as const;

/**
 * Checks socket options before anything is opened: each a NetlinkArgumentError naming the
 * option, rather than a switch read as truthy, groups that are not a list skipped, or the
 * addon's unnamed TypeError. The namespace comes back resolved.
 */
export function checkSocketOptions(opts: SocketOptions): NetnsTarget | undefined {
  checkObject(opts);
  for (const name of SWITCHES) if (opts[name] !== undefined) checkBoolean(opts[name], name);
  if (opts.bind !== undefined) checkInt(opts.bind, 'bind', 0, 0xffffffff);
  if (opts.groups !== undefined) checkGroups(opts.groups);
  if (opts.rcvbuf !== undefined) bufferSize('rcvbuf', opts.rcvbuf);
  if (opts.sndbuf !== undefined) bufferSize('sndbuf', opts.sndbuf);
  return opts.netns === undefined ? undefined : netnsTarget(opts.netns);
}

/** Default receive batch capacity; grows when a datagram is reported truncated. */
const BATCH_BYTES = 256 * 1024;
const BATCH_SLOTS = 512;
/**
 * A poller's batch: one wake-up reads as many datagrams as fit in one recvmmsg, the
 * first in half the buffer and each further one in a 64 KiB region. Pages no datagram
 * reaches are never touched, so this costs address space rather than memory.
 */
const POLLER_BATCH_BYTES = 1024 * 1024;
/**
 * Poller batches of closed sockets, for the next socket that polls. A batch made per socket
 * and freed at its close is malloc churn glibc keeps: once a freed mmapped chunk has raised
 * its mmap threshold, the next batches come from the heap, whose touched pages stay (opening,
 * dumping through and closing 12,000 sockets grew the main arena by 9 MB; a plain loop
 * allocating and dropping a 1 MiB Buffer a round does the same). A few are enough: a
 * caller holds few sockets that poll at a time.
 */
const freePollerBatches: Batch[] = [];
const FREE_POLLER_BATCHES = 4;
function acquirePollerBatch(): Batch {
  const bytes = Math.max(currentBatchBytes(), POLLER_BATCH_BYTES);
  for (let b = freePollerBatches.pop(); b; b = freePollerBatches.pop()) if (b.intact && b.buf.length >= bytes) return b;
  return new Batch(bytes);
}

/** One of growBuffers' options raised to `want` bytes (as getsockopt reports them): what it is then. */
function raiseBuffer(fd: number, name: number, force: number, want: number): number {
  const has = native.getsockopt(fd, C.SOL_SOCKET, name);
  if (has >= want) return has;
  const v = Math.min(Math.ceil(want / 2), 0x7fffffff);
  try {
    native.setsockopt(fd, C.SOL_SOCKET, force, v);
  } catch (e) {
    if ((e as { code?: string }).code !== 'EPERM') throw e;
    native.setsockopt(fd, C.SOL_SOCKET, name, v); // capped by the sysctl limit
  }
  return native.getsockopt(fd, C.SOL_SOCKET, name);
}

/** A receive buffer plus its per-datagram metadata. */
export class Batch {
  buf: Buffer;
  meta: Int32Array;
  /**
   * Their ArrayBuffers, which they span whole (unpooled), kept here: reading `.buffer`
   * costs a call into V8's runtime, and an ArrayBuffer crosses into C cheaper than a view.
   */
  bufAb: ArrayBuffer;
  metaAb: ArrayBuffer;
  constructor(bytes = BATCH_BYTES, slots = BATCH_SLOTS) {
    this.buf = Buffer.allocUnsafeSlow(bytes);
    this.meta = new Int32Array(slots * META_INTS);
    this.bufAb = this.buf.buffer as ArrayBuffer;
    this.metaAb = this.meta.buffer as ArrayBuffer;
  }

  /** Still usable: code that saw `buf` may have detached or transferred its memory (length 0 then). */
  get intact(): boolean {
    return this.buf.length > 0 && this.meta.length > 0;
  }

  /** Fresh memory in place of detached arrays. */
  renew(): void {
    if (this.buf.length === 0) this.bufAb = (this.buf = Buffer.allocUnsafeSlow(batchBytes)).buffer as ArrayBuffer;
    if (this.meta.length === 0) this.metaAb = (this.meta = new Int32Array(BATCH_SLOTS * META_INTS)).buffer as ArrayBuffer;
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
/**
 * Room for each datagram after the first in one receive call (the first gets half the
 * batch or more). 64 KiB holds any kernel dump chunk; a larger datagram seen once makes
 * room for its size from then on, since its peer may send more of them back to back.
 */
const MIN_SLOT_BYTES = 64 * 1024;
let slotBytes = MIN_SLOT_BYTES;
/**
 * A batch wide enough for a whole send's acknowledgements in one receive call: the addon
 * reads up to 64 datagrams per recvmmsg, the first in half the batch and each further one
 * in its own slot, so 64 need ~126 slots of room. Transactions read with it (a send of 200
 * items acked each is 4 receive calls rather than 70). Mostly address space: an ack
 * touches one page of its slot, and the pages a read never reaches are never committed.
 */
const WIDE_BATCH_BYTES = 8 * 1024 * 1024;
const freeWide: Batch[] = [];
export function acquireBatch(wide = false): Batch {
  if (wide) return freeWide.pop() ?? new Batch(Math.max(WIDE_BATCH_BYTES, batchBytes));
  return freeBatches.pop() ?? new Batch(batchBytes);
}
export function releaseBatch(b: Batch, wide = false): void {
  if (!b.intact || b.buf.length < batchBytes) return;
  if (wide) {
    if (freeWide.length === 0) freeWide.push(b);
  } else if (freeBatches.length < 4) freeBatches.push(b);
}
/**
 * A datagram of `real` bytes that did not fit (`stored` kept): `grow` makes later reads room
 * for it, unless it is larger than `limit`. On a user protocol anyone may send, and the kernel
 * queues one datagram of any size when the queue is empty: growing for a stranger's would let
 * it make every later receive batch of the process as large as it likes, so the callers pass
 * the socket's receive buffer (what the caller chose to hold) as the limit there.
 */
export function truncation(real: number, stored: number, limit: number | undefined, grow: (size: number) => void): ReplyTooLargeError {
  if (limit !== undefined && real > limit) return new ReplyTooLargeError(real, stored, limit);
  grow(real);
  return new ReplyTooLargeError(real, stored);
}

/** Called when a datagram did not fit: later batches are made big enough for it. */
export function growBatches(atLeast: number): void {
  slotBytes = Math.max(slotBytes, (atLeast + 7) & ~7);
  let n = batchBytes;
  while (n < atLeast * 2) n *= 2;
  if (n !== batchBytes) {
    batchBytes = n;
    freeBatches.length = 0;
  }
}
/** The room for each datagram after a batch's first (grows after a truncated datagram). */
export function currentSlotBytes(): number {
  return slotBytes;
}
export function currentBatchBytes(): number {
  return batchBytes;
}

/**
 * The io block of the transact and recvIo calls. One per process is enough: it is filled
 * and read within one synchronous call into C, and never leaves this module (no caller
 * can detach it; the addon checks its length on every call anyway).
 */
const io = new Int32Array(IO_INTS);
const ioAb = io.buffer as ArrayBuffer;

/**
 * One AF_NETLINK socket: options, membership, send and receive. No protocol logic;
 * Connection builds requests, dumps and events on top.
 */
export class NetlinkSocket {
  readonly protocol: number;
  private readonly sock: number;
  private closed = false;
  /** The port id once the kernel has assigned one (0: not yet). */
  private port = 0;
  private poller: object | undefined;
  private pollerBatch: Batch | undefined;
  private polling = false;
  private pollRef = true;
  private onBatch: ((batch: Batch, count: number) => void) | undefined;
  /** Ancillary data is on (nsid, packet info or credentials): receive with recvmsg rather than recvfrom. */
  private cmsg = false;

  constructor(protocol: number, opts: SocketOptions = {}) {
    this.protocol = checkInt(protocol, 'protocol', 0, 255);
    // checked before the socket exists: a bad option leaves nothing to clean up
    const ns = checkSocketOptions(opts);
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
    try {
      this.sock = native.socket(protocol, ns?.target ?? null, want >>> 0, need >>> 0);
    } catch (e) {
      throw ns ? netnsFailure(e, ns) : e;
    }
    if (opts.rcvbuf === undefined && opts.sndbuf === undefined && opts.bind === undefined && !opts.groups?.length) return;
    try {
      this.configure(opts);
    } catch (e) {
      native.close(this.sock);
      this.closed = true;
      throw e;
    }
  }

  private configure(opts: SocketOptions): void {
    const fd = this.sock;
    if (opts.rcvbuf !== undefined)
      native.setsockopt(fd, C.SOL_SOCKET, opts.forceBuffers ? C.SO_RCVBUFFORCE : C.SO_RCVBUF, opts.rcvbuf);
    if (opts.sndbuf !== undefined)
      native.setsockopt(fd, C.SOL_SOCKET, opts.forceBuffers ? C.SO_SNDBUFFORCE : C.SO_SNDBUF, opts.sndbuf);
    if (opts.bind !== undefined || opts.groups?.length) native.bind(fd, opts.bind ?? 0, 0);
    for (const g of opts.groups ?? []) this.join(g);
  }

  /**
   * The descriptor. After close() every use throws SocketClosedError: the number may
   * already belong to another socket.
   */
  get fd(): number {
    if (this.closed) throw new SocketClosedError();
    return this.sock;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** bind(2) with a port id (0: the kernel chooses) and a legacy group mask. */
  bind(pid = 0, groups = 0): void {
    native.bind(this.fd, pid, groups);
  }

  /**
   * This socket's port id (0 until bound or until the first send). Once assigned it never
   * changes, so it is read from the kernel only until then: the receive path compares every
   * echo candidate against it (a getsockname per event otherwise).
   */
  get portId(): number {
    const fd = this.fd;
    if (this.port === 0) this.port = native.getsockname(fd)[0];
    return this.port;
  }

  /** Binds with a kernel-chosen port id unless bound already (a listener must be bound to receive). */
  ensureBound(): void {
    const fd = this.fd;
    if (native.getsockname(fd)[0] === 0) native.bind(fd, 0, 0);
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
    if (value && !this.cmsg && carriesAncillaryData(level, name)) {
      this.cmsg = true;
      this.renewPoller(); // the poller reads with recvmsg from now on
    }
  }

  getOption(level: number, name: number): number {
    return native.getsockopt(this.fd, level, name);
  }

  /**
   * Raises SO_SNDBUF and SO_RCVBUF (never lowers them) to at least these sizes as getsockopt
   * reports them (twice what is set): past net.core.wmem_max and rmem_max where the process
   * may (the FORCE options need CAP_NET_ADMIN), else as far as those allow. The send buffer
   * it has then.
   */
  growBuffers(sndbuf: number, rcvbuf: number): number {
    const fd = this.fd;
    raiseBuffer(fd, C.SO_RCVBUF, C.SO_RCVBUFFORCE, rcvbuf);
    return raiseBuffer(fd, C.SO_SNDBUF, C.SO_SNDBUFFORCE, sndbuf);
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
   * Sends made in order from the libuv threadpool, so that this thread goes on (encoding
   * the next) while the kernel handles them, as it does inside sendmsg. See Sender.
   */
  openSender(pid: number, results: Int32Array, done: () => void): Sender {
    return new Sender(native.senderCreate(this.fd, checkU32('pid', pid) >>> 0, results, done));
  }

  /**
   * Receives up to `max` datagrams into a batch. timeoutMs 0: only what is queued;
   * > 0: wait that long for the first; < 0: wait forever. Returns the entry count.
   * `pollFirst`: the caller expects to wait (a blocking event read), so the read that would
   * only find the queue empty is left out: one receive call per wake-up, as a C listener's.
   */
  recv(batch: Batch, timeoutMs: number, max: number, pollFirst = false): number {
    if (!batch.intact) batch.renew();
    io[IO_FD] = this.fd;
    ioRecv(timeoutMs, max, this.cmsg, pollFirst);
    return native.recvIo(ioAb, batch.bufAb, batch.metaAb);
  }

  /**
   * send() then recv() in one call into C; the reply is usually there when send returns.
   * sendTimeoutMs bounds the send as in send(), recvTimeoutMs the wait as in recv().
   */
  transact(buf: Uint8Array, offset: number, length: number, pid: number, sendTimeoutMs: number, batch: Batch, recvTimeoutMs: number,
    max: number): number {
    if (!batch.intact) batch.renew();
    io[IO_FD] = this.fd;
    // the view's ArrayBuffer crosses cheaper than the view (see Batch): the bounds are the view's, checked here
    checkU32('offset', offset);
    checkU32('length', length);
    if (offset + length > buf.length) throw new TypeError('transact: offset + length exceeds the buffer');
    const ab = buf.buffer;
    const whole = ab instanceof ArrayBuffer && buf.byteOffset + offset + length <= 0xffffffff; // not shared memory, u32 offsets
    io[IO_OFFSET] = whole ? buf.byteOffset + offset : offset;
    io[IO_LENGTH] = length;
    io[IO_PID] = checkU32('pid', pid);
    io[IO_SEND_TIMEOUT] = ioTimeout(sendTimeoutMs);
    ioRecv(recvTimeoutMs, max, this.cmsg);
    return native.transact(ioAb, whole ? ab : buf, batch.bufAb, batch.metaAb);
  }

  /**
   * Starts delivering receive batches to onBatch from the event loop: one call per
   * wake-up with every datagram that was queued.
   */
  startPolling(onBatch: (batch: Batch, count: number) => void): void {
    if (this.closed || this.polling) return;
    this.onBatch = onBatch;
    if (!this.poller) {
      const batch = (this.pollerBatch = acquirePollerBatch());
      this.poller = native.pollerCreate(this.sock, batch.buf, batch.meta, (n: number) => {
        // the addon found the batch detached (a decoder transferred m.buf.buffer) and read nothing
        if (n === POLLER_DETACHED) this.renewPoller();
        else onBatch(batch, n);
      }, this.cmsg, slotBytes);
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

  /** After pollerClose (the closed poller no longer reads into it): its batch serves the next poller. */
  private releasePollerBatch(): void {
    if (this.pollerBatch && freePollerBatches.length < FREE_POLLER_BATCHES) freePollerBatches.push(this.pollerBatch);
    this.pollerBatch = undefined;
  }

  /** Recreates the poller: with a buffer of the current batch size (after a datagram did not fit), or to read ancillary data. */
  renewPoller(): void {
    if (!this.poller || !this.onBatch) return;
    native.pollerClose(this.poller);
    this.poller = undefined;
    this.releasePollerBatch();
    const wasPolling = this.polling;
    this.polling = false;
    if (wasPolling) this.startPolling(this.onBatch);
  }

  /** Whether datagrams come with ancillary data (a receive must use recvmsg). */
  get ancillary(): boolean {
    return this.cmsg;
  }

  get isPolling(): boolean {
    return this.polling;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.poller) native.pollerClose(this.poller);
    this.poller = undefined;
    this.releasePollerBatch();
    this.polling = false;
    native.close(this.sock);
  }
}

/**
 * One transaction's sends from the threadpool (native/sendbehind.c), on a duplicate of the
 * socket's descriptor (a close() meanwhile is safe). Send k's outcome appears in
 * results[k]: 1 sent, -errno failed. A send waits until the receive queue has room for
 * the worst case of its answers, so none is lost; the pool never reads the socket. The
 * bytes pushed must stay unchanged and referenced until their result is set.
 */
export class Sender {
  constructor(private readonly handle: object) {}

  /** Queues a send (worst: bytes its answers may take); true when it started a job (one more done()). */
  push(buf: Uint8Array, offset: number, length: number, worst: number): boolean {
    checkU32('offset', offset);
    checkU32('length', length);
    return native.senderPush(this.handle, buf, offset, length, Math.min(worst, 0xffffffff)) === 1;
  }

  /** Starts a job for the queued sends if none runs (one that found no room ends): true if it did. */
  kick(): boolean {
    return native.senderKick(this.handle) === 1;
  }

  /**
   * Makes the next queued send on this thread, if none is being made and there is room for
   * its answers: 0 (not made), 1 (made), 3 (made, and a job started for the rest).
   */
  steal(): number {
    return native.senderSteal(this.handle);
  }

  /** Drops the queued sends not started yet (the last pushed): how many. */
  cancel(): number {
    return native.senderCancel(this.handle);
  }

  /** No more pushes: the descriptor closes once the pool is done with it. */
  release(): void {
    native.senderRelease(this.handle);
  }
}

/** An int32 slot would wrap what the addon took as a number before: out-of-range values are the same TypeError. */
function checkU32(name: string, v: number): number {
  if (!(v >= 0 && v <= 0xffffffff) || v !== Math.floor(v)) throw new TypeError(`${name} must be an integer 0..0xffffffff, got ${v}`);
  return v | 0;
}

/** A timeout in ms (< 0 forever, 0 none) as an int32: what int32 cannot hold is beyond any wait anyway (24 days). */
function ioTimeout(ms: number): number {
  if (ms !== Math.floor(ms)) throw new TypeError(`timeoutMs must be an integer, got ${ms}`);
  return ms < 0 ? -1 : ms > 0x7fffffff ? 0x7fffffff : ms;
}

function ioRecv(timeoutMs: number, max: number, cmsg: boolean, pollFirst = false): void {
  if (!(max >= 1)) throw new TypeError(`max must be >= 1, got ${max}`);
  io[IO_RECV_TIMEOUT] = ioTimeout(timeoutMs);
  io[IO_MAX] = max > 0x7fffffff ? 0x7fffffff : max;
  io[IO_FLAGS] = (cmsg ? IO_CMSG : 0) | (pollFirst ? IO_POLL_FIRST : 0);
  io[IO_SLOT] = slotBytes;
}

/** Options after which datagrams come with control messages the batch reports. */
function carriesAncillaryData(level: number, name: number): boolean {
  return level === C.SOL_NETLINK ? name === C.NETLINK_LISTEN_ALL_NSID || name === C.NETLINK_PKTINFO
    : level === C.SOL_SOCKET && name === C.SO_PASSCRED;
}
