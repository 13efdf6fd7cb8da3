import type { MessageLayout } from './attrset.js';
import * as C from './constants.js';
import { DumpIterable, DumpStream } from './dump.js';
import {
  DumpInterruptedError, errnoInfo, type FailedRequest, NetlinkDecodeError, NetlinkSystemError, NetlinkTimeoutError, ReplyTooLargeError,
  SocketClosedError,
} from './errors.js';
import { EventStream, type EventStreamOptions } from './events.js';
import { makeNetlinkError, parseDoneMessage, parseErrorMessage } from './extack.js';
import {
  type CallOptions, copyMessage, type Decoder, type DumpOptions, type DumpResult, type IntrPolicy, type Message, type Payload,
  type RawMessage, type RequestOptions,
} from './message.js';
import {
  META_FLAGS, META_GROUP, META_INTS, META_LENGTH, META_NSID, META_OFFSET, META_PID, META_REAL_LENGTH, MF_ERROR, MF_NSID, MF_TRUNC,
} from './native.js';
import { Server, type ServerHandler, type ServerOptions } from './server.js';
import { acquireBatch, type Batch, growBatches, NetlinkSocket, releaseBatch, type SocketOptions } from './transport.js';
import { align4, Writer } from './writer.js';

export interface ConnectionOptions extends SocketOptions {
  /** Default per-call timeout in ms. Default 30000; 0 disables. */
  timeout?: number;
}

const DEFAULT_TIMEOUT = 30_000;
const DUMP_SLOTS = 512;

/** What the engine tracks for one request or dump in flight. */
class Pending {
  seq = 0;
  results: unknown[] & { interrupted?: boolean } = [];
  /** The request as sent: buf[0, len). Until `owned`, buf is the shared scratch writer's. */
  buf!: Buffer;
  len = 0;
  owned = false;
  /** Still expecting messages from the peer (a failed dump drains until its end). */
  live = true;
  /** The caller has its answer; later messages for this seq are dropped. */
  settled = false;
  multi = false;
  interrupted = false;
  attempts = 1;
  progress = 0;
  seenProgress = 0;
  resolve: ((v: unknown) => void) | undefined;
  reject: ((e: unknown) => void) | undefined;
  error: unknown;
  timer: NodeJS.Timeout | undefined;
  onAbort: (() => void) | undefined;
  stream: DumpStream<unknown> | undefined;

  constructor(
    readonly type: number,
    readonly flags: number,
    readonly dump: boolean,
    readonly expectAck: boolean,
    readonly decode: Decoder<unknown> | undefined,
    readonly layout: MessageLayout | undefined,
    readonly peer: number,
    readonly timeout: number,
    readonly signal: AbortSignal | undefined,
    readonly intr: IntrPolicy,
    readonly retries: number,
  ) {}

  info(): FailedRequest {
    return { type: this.type, flags: this.flags, seq: this.seq, bytes: this.buf.subarray(0, this.len) };
  }

  /** Takes a private copy of the request, for a request that outlives the scratch writer. */
  own(): void {
    if (this.owned) return;
    this.buf = Buffer.from(this.buf.subarray(0, this.len));
    this.owned = true;
  }
}

/** One reusable writer for requests: they are encoded and sent synchronously. */
const scratch = new Writer(16 * 1024);
let scratchBusy = false;

/**
 * The request engine over one netlink socket: any number of concurrent requests and
 * dumps, each reply routed to its caller by sequence number; event streams; Sync twins.
 *
 * Replies are read right after the send (the kernel usually answers inside sendmsg), so
 * the event loop is involved only when an answer is not there yet.
 */
export class Connection {
  readonly socket: NetlinkSocket;
  readonly timeout: number;
  /** Receive-queue overflows seen (ENOBUFS). */
  overruns = 0;
  private readonly kernelPeer: boolean;
  private readonly pending = new Map<number, Pending>();
  private activeDump: Pending | undefined;
  private readonly dumpQueue: Pending[] = [];
  private readonly streams = new Set<EventStream<unknown>>();
  private readonly groupRefs = new Map<number, number>();
  private server: Server | undefined;
  private pauses = 0;
  private seq: number;
  private closed = false;
  private readonly msg: RawMessage = { type: 0, flags: 0, seq: 0, portId: 0, sender: 0, group: 0, nsid: -1, buf: Buffer.alloc(0), start: 0, end: 0 };
  private readonly onBatch = (batch: Batch, n: number) => this.dispatch(batch, n);

  constructor(protocol: number, opts: ConnectionOptions = {}) {
    this.socket = new NetlinkSocket(protocol, opts);
    this.kernelPeer = !C.USER_PROTOCOLS.has(protocol);
    this.timeout = opts.timeout ?? DEFAULT_TIMEOUT;
    // random start: replies to an earlier process that used the same port id never match
    this.seq = (Math.random() * 0x7fffffff) >>> 0;
  }

  static open(protocol: number, opts?: ConnectionOptions): Connection {
    return new Connection(protocol, opts);
  }

  get isClosed(): boolean {
    return this.closed;
  }

  private nextSeq(): number {
    this.seq = (this.seq + 1) >>> 0;
    if (this.seq === 0) this.seq = 1; // 0 marks notifications
    return this.seq;
  }

  // ------------------------------------------------------------------ requests

  /**
   * Sends a request and resolves with its decoded replies (empty for a bare
   * acknowledgement). Rejects with NetlinkError when the peer answers with an error.
   */
  request<T = Message>(type: number, payload?: Payload, opts: RequestOptions<T> = {}): Promise<T[]> {
    return new Promise<T[]>((resolve, reject) => {
      let p: Pending;
      try {
        p = this.newPending(type, payload, opts, false);
      } catch (e) {
        return reject(e);
      }
      p.resolve = resolve as (v: unknown) => void;
      p.reject = reject;
      if (this.checkAborted(p)) return;
      this.pending.set(p.seq, p);
      try {
        this.sendAndRead(p, false);
      } catch (e) {
        this.retire(p);
        return this.settle(p, e);
      }
      if (!p.settled) this.readNow(p);
      if (!p.settled) this.park(p);
    });
  }

  /** request() for scripts: blocks until the answer is there. */
  requestSync<T = Message>(type: number, payload?: Payload, opts: RequestOptions<T> = {}): T[] {
    if (opts.signal) throw new TypeError('AbortSignal does not apply to Sync calls; use timeout');
    const p = this.newPending(type, payload, opts, false);
    this.pending.set(p.seq, p);
    try {
      this.sendAndRead(p, true);
    } catch (e) {
      this.retire(p);
      throw e;
    }
    if (!p.settled) this.driveSync(p);
    if (p.error !== undefined) throw p.error;
    return p.results as T[];
  }

  /**
   * A dump: an async iterable of decoded items, or `.toArray()` for all of them. One
   * socket runs one dump at a time in the kernel, so concurrent dumps queue here.
   * Nothing is sent until iteration or toArray() starts.
   */
  dump<T = Message>(type: number, payload?: Payload, opts: DumpOptions<T> = {}): DumpIterable<T> {
    const p = this.newPending(type, payload, opts, true);
    p.own(); // sent later
    return new DumpIterable<T>(
      () => this.startDump(p) as Promise<DumpResult<T>>,
      (hwm) => {
        const s = new DumpStream<T>(hwm, () => this.pause(), () => this.resume(), () => this.cancelDump(p));
        p.stream = s as DumpStream<unknown>;
        this.startDump(p).catch(() => {}); // errors reach the stream
        return s;
      },
      opts.intr ?? 'retry',
      opts.highWaterMark ?? 4096,
    );
  }

  /** dump() for scripts: blocks until the dump is complete. */
  dumpSync<T = Message>(type: number, payload?: Payload, opts: DumpOptions<T> = {}): DumpResult<T> {
    if (opts.signal) throw new TypeError('AbortSignal does not apply to Sync calls; use timeout');
    const p = this.newPending(type, payload, opts, true);
    p.own();
    this.enqueueDump(p, true);
    this.driveSync(p);
    if (p.error !== undefined) throw p.error;
    return p.results as DumpResult<T>;
  }

  private newPending(type: number, payload: Payload, opts: RequestOptions<unknown> & DumpOptions<unknown>, dump: boolean): Pending {
    if (this.closed) throw new SocketClosedError();
    if (!Number.isInteger(type) || type < 0 || type > 0xffff) throw new TypeError(`message type must be 0..65535, got ${String(type)}`);
    const ack = !dump && opts.ack !== false;
    let flags = C.NLM_F_REQUEST | (opts.flags ?? 0) | (dump ? C.NLM_F_DUMP : 0) | (ack ? C.NLM_F_ACK : 0);
    flags &= 0xffff;
    const timeout = opts.timeout ?? this.timeout;
    const p = new Pending(type, flags, dump, ack, opts.decode, opts.layout, opts.peer ?? 0, timeout, opts.signal,
      opts.intr ?? 'retry', opts.retries ?? 3);
    p.seq = this.nextSeq();
    const w = scratchBusy ? new Writer() : scratch;
    scratchBusy = true;
    try {
      w.reset();
      const start = w.beginMessage(type, flags);
      if (typeof payload === 'function') payload(w);
      else if (payload) w.bytes(payload);
      else if (payload !== undefined && payload !== null) throw new TypeError('payload must be a function, bytes or null');
      w.endMessage(start);
      w.buf.writeUInt32LE(p.seq, 8);
      // valid until the next request is encoded; park() copies it
      p.buf = w.buf;
      p.len = w.pos;
      p.owned = w !== scratch;
    } finally {
      if (w === scratch) scratchBusy = false;
    }
    return p;
  }

  private checkAborted(p: Pending): boolean {
    if (!p.signal?.aborted) return false;
    this.settle(p, p.signal.reason);
    return true;
  }

  /** Sends p and reads its first answer in the same call into C, without waiting. */
  private sendAndRead(p: Pending, block: boolean): void {
    const b = acquireBatch();
    try {
      const n = this.socket.transact(p.buf, p.len, p.peer, block, b, 0, 1);
      if (n > 0) this.dispatch(b, n);
    } finally {
      releaseBatch(b);
    }
  }

  /** Reads what is already queued: most kernel answers are there when send returns. */
  private readNow(p: Pending): void {
    const b = acquireBatch();
    try {
      for (let i = 0; i < 8 && !p.settled && !this.closed; i++) {
        const n = this.socket.recv(b, 0, p.dump ? DUMP_SLOTS : 1);
        if (n === 0) break;
        this.dispatch(b, n);
        if (p.dump) break; // the rest of a dump comes through the event loop, one batch per wake-up
      }
    } finally {
      releaseBatch(b);
    }
  }

  /** Waits in the event loop: own copy of the request, timer, abort listener, polling. */
  private park(p: Pending): void {
    p.own();
    if (p.timeout > 0 && !p.timer) {
      p.timer = setTimeout(() => this.onTimer(p), p.timeout);
    }
    if (p.signal && !p.onAbort) {
      p.onAbort = () => this.abandon(p, p.signal!.reason);
      p.signal.addEventListener('abort', p.onAbort, { once: true });
    }
    this.updatePolling();
  }

  private onTimer(p: Pending): void {
    if (p.settled) return;
    // dumps time out only when nothing arrived for a whole period, and never while paused
    if (p.dump && (p.progress !== p.seenProgress || this.pauses > 0)) {
      p.seenProgress = p.progress;
      p.timer!.refresh();
      return;
    }
    this.abandon(p, new NetlinkTimeoutError(p.timeout, p.info()));
  }

  /** Gives the caller an error now; a dump already running keeps draining until its end. */
  private abandon(p: Pending, err: unknown): void {
    if (p.settled) return;
    const queued = this.dumpQueue.indexOf(p);
    if (queued >= 0) this.dumpQueue.splice(queued, 1);
    else if (!(p.dump && this.activeDump === p)) this.retire(p);
    this.settle(p, err);
  }

  private cancelDump(p: Pending): void {
    this.abandon(p, undefined);
  }

  private startDump(p: Pending): Promise<unknown> {
    return new Promise((resolve, reject) => {
      if (p.resolve || p.settled) return reject(new Error('a dump iterable runs once'));
      p.resolve = resolve;
      p.reject = reject;
      if (this.checkAborted(p)) return;
      if (this.closed) return this.settle(p, new SocketClosedError());
      this.enqueueDump(p, false);
      if (this.activeDump === p) this.readNow(p);
      if (!p.settled) this.park(p);
    });
  }

  private enqueueDump(p: Pending, sync: boolean): void {
    this.dumpQueue.push(p);
    if (!this.activeDump) this.sendNextDump(sync);
  }

  /** Sends the next queued dump if none is running; never reads (no recursion through dispatch). */
  private sendNextDump(block = false): void {
    let sent = false;
    while (!this.activeDump && this.dumpQueue.length) {
      const p = this.dumpQueue.shift()!;
      if (p.settled) continue;
      if (p.attempts > 1 || p.buf.readUInt32LE(8) !== p.seq) {
        p.seq = this.nextSeq();
        p.buf.writeUInt32LE(p.seq, 8);
      }
      this.activeDump = p;
      this.pending.set(p.seq, p);
      try {
        this.socket.send(p.buf, 0, p.len, p.peer, 0, block);
      } catch (e) {
        this.retire(p);
        this.settle(p, e);
        continue;
      }
      sent = true;
    }
    // its replies are read by whoever drives the socket: the poller or a Sync loop
    if (sent && !block) this.updatePolling();
  }

  /** Runs the receive loop on this thread until p is answered (the Sync API). */
  private driveSync(p: Pending): void {
    const b = acquireBatch();
    try {
      const deadline = p.timeout > 0 ? Date.now() + p.timeout : 0;
      while (!p.settled) {
        if (this.closed) return this.settle(p, new SocketClosedError());
        let wait = -1;
        if (deadline) {
          wait = deadline - Date.now();
          if (wait <= 0) return this.abandonSync(p);
        }
        const seen = p.progress;
        const n = this.socket.recv(b, wait, p.dump ? DUMP_SLOTS : 1);
        if (n === 0) {
          if (p.dump && p.progress !== seen) continue;
          return this.abandonSync(p);
        }
        this.dispatch(b, n);
      }
    } finally {
      releaseBatch(b);
    }
  }

  private abandonSync(p: Pending): void {
    this.abandon(p, new NetlinkTimeoutError(p.timeout, p.info()));
    // a running dump must still end before the next can start: drain it here
    if (this.activeDump === p) {
      const b = acquireBatch();
      try {
        while (this.activeDump === p && !this.closed) {
          const n = this.socket.recv(b, 1000, DUMP_SLOTS);
          if (n === 0) {
            this.retire(p);
            break;
          }
          this.dispatch(b, n);
        }
      } finally {
        releaseBatch(b);
      }
    }
  }

  /** No more messages are expected for p. */
  private retire(p: Pending): void {
    if (!p.live) return;
    p.live = false;
    if (this.pending.get(p.seq) === p) this.pending.delete(p.seq);
    if (this.activeDump === p) {
      this.activeDump = undefined;
      this.sendNextDump();
    }
    // less to wait for: only a running poller may have to stop
    if (this.socket.isPolling) this.updatePolling();
  }

  /** Gives the caller its answer (or error), once. */
  private settle(p: Pending, err?: unknown): void {
    if (p.settled) return;
    p.settled = true;
    if (p.timer) clearTimeout(p.timer);
    if (p.onAbort) p.signal!.removeEventListener('abort', p.onAbort);
    if (err !== undefined) p.error = err;
    if (p.stream) {
      p.stream.end(err);
      return;
    }
    if (err !== undefined) p.reject?.(err);
    else p.resolve?.(p.results);
  }

  // ------------------------------------------------------------------ receive

  private dispatch(batch: Batch, n: number): void {
    const { buf, meta } = batch;
    for (let i = 0; i < n; i++) {
      const base = i * META_INTS;
      const mflags = meta[base + META_FLAGS];
      if (mflags & MF_ERROR) {
        this.onReceiveError(meta[base + META_LENGTH]);
        continue;
      }
      const off = meta[base + META_OFFSET];
      const len = meta[base + META_LENGTH];
      if (mflags & MF_TRUNC) {
        this.onTruncated(buf, off, len, meta[base + META_REAL_LENGTH]);
        continue;
      }
      // port ids and groups are u32: the Int32Array hands the high ones over as negative
      const sender = meta[base + META_PID] >>> 0, group = meta[base + META_GROUP] >>> 0;
      this.dispatchDatagram(buf, off, off + len, sender, group, mflags & MF_NSID ? meta[base + META_NSID] : -1);
    }
  }

  private dispatchDatagram(buf: Buffer, pos: number, end: number, sender: number, group: number, nsid: number): void {
    const m = this.msg;
    m.buf = buf;
    m.sender = sender;
    m.group = group;
    m.nsid = nsid;
    while (end - pos >= C.NLMSG_HDRLEN) {
      const len = buf.readUInt32LE(pos);
      if (len < C.NLMSG_HDRLEN || len > end - pos) {
        this.onMalformed(new NetlinkDecodeError(`message length ${len} does not fit the ${end - pos} bytes left in the datagram`, pos), buf, pos, end);
        return;
      }
      m.type = buf.readUInt16LE(pos + 4);
      m.flags = buf.readUInt16LE(pos + 6);
      m.seq = buf.readUInt32LE(pos + 8);
      m.portId = buf.readUInt32LE(pos + 12);
      m.start = pos + C.NLMSG_HDRLEN;
      m.end = pos + len;
      this.route(m);
      pos += align4(len);
    }
  }

  private route(m: RawMessage): void {
    if (m.group !== 0) return this.onEvent(m);
    if (this.kernelPeer && m.sender !== 0) return; // on kernel protocols only the kernel answers
    if (m.flags & C.NLM_F_REQUEST && !this.kernelPeer) {
      if (this.server) this.server.receive(m);
      return;
    }
    const p = this.pending.get(m.seq);
    if (p !== undefined && m.sender === p.peer) return this.onReply(p, m);
    if (m.seq === 0) this.onEvent(m); // unicast notifications (e.g. audit) carry seq 0
  }

  private onReply(p: Pending, m: RawMessage): void {
    p.progress++;
    switch (m.type) {
      case C.NLMSG_NOOP:
      case C.NLMSG_OVERRUN:
        return;
      case C.NLMSG_ERROR: {
        const { errno, ext } = parseErrorMessage(m.buf, m.start, m.end, m.flags);
        this.retire(p);
        if (errno === 0) return this.complete(p);
        return this.settle(p, makeNetlinkError(errno, ext, p.info(), p.layout));
      }
      case C.NLMSG_DONE: {
        if (!p.dump && !p.multi) break; // a DONE-typed reply of some protocol: treat as data
        const { errno, ext } = parseDoneMessage(m.buf, m.start, m.end, m.flags);
        if (errno < 0) {
          this.retire(p);
          return this.settle(p, makeNetlinkError(errno, ext, p.info(), p.layout));
        }
        if (p.expectAck && !p.dump) return; // the ack follows
        this.retire(p);
        return this.complete(p);
      }
    }
    if (p.settled) return; // draining an abandoned dump
    if (m.flags & C.NLM_F_DUMP_INTR) p.interrupted = true;
    let v: unknown;
    try {
      v = p.decode ? p.decode(m) : copyMessage(m);
    } catch (e) {
      if (!p.dump) this.retire(p);
      return this.settle(p, e);
    }
    if (p.stream) p.stream.push(v);
    else p.results.push(v);
    if (m.flags & C.NLM_F_MULTI) p.multi = true;
    else if (!p.dump && !p.expectAck) {
      this.retire(p);
      this.complete(p);
    }
  }

  /** Successful end of a request or dump, applying the dump's NLM_F_DUMP_INTR policy. */
  private complete(p: Pending): void {
    if (p.settled) return;
    if (p.dump && p.interrupted) {
      const retry = p.intr === 'retry' && p.attempts <= p.retries && !p.stream;
      if (retry) {
        p.attempts++;
        p.interrupted = false;
        p.results = [];
        p.live = true;
        this.dumpQueue.unshift(p);
        this.sendNextDump();
        return;
      }
      if (p.intr !== 'partial') return this.settle(p, new DumpInterruptedError(p.attempts, p.results));
      p.results.interrupted = true;
      p.stream?.markInterrupted();
    }
    this.settle(p);
  }

  private onEvent(m: RawMessage): void {
    for (const s of this.streams) s.deliver(m);
  }

  private onReceiveError(errno: number): void {
    const [code] = errnoInfo(errno);
    if (code === 'ENOBUFS') {
      this.overruns++;
      for (const s of this.streams) s.overrun();
      return;
    }
    const err = new NetlinkSystemError(errno, 'recvmsg', 'receive failed');
    this.failAll(err);
  }

  private onTruncated(buf: Buffer, off: number, stored: number, real: number): void {
    growBatches(real);
    this.socket.renewPoller();
    const err = new ReplyTooLargeError(real, stored);
    if (stored >= C.NLMSG_HDRLEN) {
      const p = this.pending.get(buf.readUInt32LE(off + 8));
      if (p) {
        if (!p.dump) this.retire(p);
        return this.settle(p, err);
      }
    }
    for (const s of this.streams) s.overrun(); // a lost event is an overrun to a listener
  }

  private onMalformed(err: NetlinkDecodeError, buf: Buffer, pos: number, end: number): void {
    // the header's seq, if readable, names the request that gets the error
    if (end - pos >= 12) {
      const p = this.pending.get(buf.readUInt32LE(pos + 8));
      if (p) {
        this.retire(p);
        return this.settle(p, err);
      }
    }
    for (const s of this.streams) s.fail(err);
  }

  private failAll(err: unknown): void {
    for (const p of [...this.pending.values(), ...this.dumpQueue]) {
      this.retire(p);
      this.settle(p, err);
    }
    this.dumpQueue.length = 0;
    for (const s of [...this.streams]) s.fail(err);
  }

  // ------------------------------------------------------------------ polling and back-pressure

  private updatePolling(): void {
    if (this.closed) return;
    let ref = this.pending.size > 0 || this.dumpQueue.length > 0 || (this.server?.ref ?? false);
    for (const s of this.streams) if (s.ref) ref = true;
    const want = this.pauses === 0 && (this.pending.size > 0 || this.streams.size > 0 || this.server !== undefined);
    if (want) this.socket.startPolling(this.onBatch);
    else this.socket.stopPolling();
    this.socket.setRef(ref);
  }

  /** Stops reading the socket (a consumer is behind); the kernel queue absorbs, then overflows. */
  pause(): void {
    if (this.pauses++ === 0) this.updatePolling();
  }

  resume(): void {
    if (this.pauses > 0 && --this.pauses === 0) this.updatePolling();
  }

  // ------------------------------------------------------------------ events and groups

  /**
   * A stream of multicast (and unsolicited unicast) messages. The groups given are
   * joined now and left when the stream closes. A receive-queue overflow arrives as an
   * `{ kind: 'overrun' }` item (and an 'overrun' event): resync with a fresh dump.
   */
  events<T = Message>(opts: EventStreamOptions<T> = {}): EventStream<T> {
    if (this.closed) throw new SocketClosedError();
    const groups = opts.groups ?? [];
    if (groups.length) this.socket.ensureBound();
    for (const g of groups) this.joinGroup(g);
    const s = new EventStream<T>(opts, () => this.pause(), () => this.resume(), () => {
      this.streams.delete(s as EventStream<unknown>);
      for (const g of groups) this.leaveGroup(g);
      this.updatePolling();
    });
    s.on('ref-change', () => this.updatePolling());
    this.streams.add(s as EventStream<unknown>);
    this.updatePolling();
    return s;
  }

  /** Joins a multicast group (reference-counted with events()). */
  joinGroup(group: number): void {
    const n = this.groupRefs.get(group) ?? 0;
    if (n === 0) {
      this.socket.ensureBound();
      // the sender address only carries groups 1..32 (as a mask): packet info names any group
      if (this.groupRefs.size === 0) this.socket.setOption(C.SOL_NETLINK, C.NETLINK_PKTINFO, 1);
      this.socket.join(group);
    }
    this.groupRefs.set(group, n + 1);
  }

  leaveGroup(group: number): void {
    const n = this.groupRefs.get(group) ?? 0;
    if (n <= 1) {
      this.groupRefs.delete(group);
      if (n === 1 && !this.closed) this.socket.leave(group);
    } else this.groupRefs.set(group, n - 1);
  }

  /** Re-evaluates polling after a stream's ref() / unref(). */
  refresh(): void {
    this.updatePolling();
  }

  // ------------------------------------------------------------------ user-space peers

  /**
   * Answers requests from other processes (NETLINK_USERSOCK and other user protocols).
   * The handler's return value becomes the reply: see ServerHandler. `onError` hears of
   * replies that could not be sent (the peer went away, or its queue stayed full).
   */
  serve(handler: ServerHandler, opts: ServerOptions = {}): void {
    if (this.kernelPeer) throw new TypeError('serve() is for user-space protocols such as NETLINK_USERSOCK');
    this.socket.ensureBound();
    this.server = new Server(this.socket, handler, opts);
    this.updatePolling();
  }

  /** This socket's port id, binding it first if needed. */
  get portId(): number {
    this.socket.ensureBound();
    return this.socket.portId;
  }

  close(): void {
    if (this.closed) return;
    // an Error (and its stack) only when someone is waiting to receive it
    if (this.pending.size || this.dumpQueue.length || this.streams.size) this.failAll(new SocketClosedError());
    this.closed = true;
    for (const s of [...this.streams]) s.close();
    this.server = undefined;
    this.socket.close();
  }
}

export type { CallOptions, DumpOptions, RequestOptions };
