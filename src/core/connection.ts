// The connection API: requests, dumps, transactions and event streams over one netlink
// socket, each run by the async driver (event loop) or the Sync driver (blocking).
import type { Call } from './call.js';
import * as C from './constants.js';
import { Dispatcher } from './dispatch.js';
import { DumpIterable, DumpStream } from './dump.js';
import { NetlinkArgumentError, NetlinkTimeoutError, SocketClosedError } from './errors.js';
import { EventStream, type EventStreamOptions } from './events.js';
import type { CallOptions, Decoder, DumpOptions, DumpResult, IntrPolicy, Message, Payload, RawMessage, RequestOptions } from './message.js';
import { checkCallOptions, checkEventOptions, checkInt, checkObject, checkPayload, checkTimeout } from './options.js';
import { Pending, PendingTable } from './pending.js';
import { checkReadAhead, ReadAhead } from './readahead.js';
import { checkServe, Server, type ServerHandler, type ServerOptions } from './server.js';
import {
  driveTransaction, Transaction, type TransactionHost, type TransactionItem, type TransactionOptions, type TransactionResult, type TransactionSource,
} from './transaction.js';
import {
  acquireBatch, type Batch, checkSocketOptions, currentSlotBytes, growBatches, NetlinkSocket, releaseBatch, type SocketOptions,
} from './transport.js';
import { Writer } from './writer.js';


/**
 * Messages a dump has answered through the poller before it reads ahead on the pool: the
 * read-ahead's two blocks (about 1 MiB of C memory per connection, freed when the garbage
 * collector lets go of them) pay only for long dumps; a sandbox's short per-namespace dumps
 * made them churn malloc (a thousand rounds grew its arenas 2.2 MB).
 */
const READ_AHEAD_AFTER = 512;
export interface ConnectionOptions extends SocketOptions {
  /** Default per-call timeout in ms. Default 30000; 0 or Infinity: none. */
  timeout?: number;
  /**
   * Async dumps receive on libuv's thread pool while the main thread decodes what came
   * before (see readahead.ts): the kernel's dump work and the decoding overlap. Default true.
   */
  readAhead?: boolean;
}

const DEFAULT_TIMEOUT = 30_000;
/** Replies a call collects from a user-space peer unless it says otherwise (CallOptions.maxReplies). */
const USER_PEER_MAX_REPLIES = 1_000_000;

/**
 * Checks a connection's options without opening anything: for handles that open their
 * socket on first use, so that a wrong option is refused where it was given.
 */
export function checkConnectionOptions(opts: ConnectionOptions): void {
  checkSocketOptions(opts);
  if (opts.timeout !== undefined) checkTimeout(opts.timeout);
  checkReadAhead(opts.readAhead);
}

/** The options of any call, as run() and the classic methods hand them over. */
type CallFields = CallOptions & { decode?: Decoder<unknown>; ack?: boolean; intr?: IntrPolicy; retries?: number; highWaterMark?: number };
const DUMP_SLOTS = 512;

/** One reusable writer for requests: they are encoded and sent synchronously. */
const scratch = new Writer(16 * 1024);
/**
 * The request whose bytes the scratch writer holds until it is answered or takes its own
 * copy: a request made meanwhile (from its payload writer, a decoder or a listener) gets a
 * fresh writer, so the bytes an error refers to stay the ones that were sent.
 */
let scratchUser: Pending | undefined;

/**
 * The request engine over one netlink socket: any number of concurrent requests and
 * dumps, each reply routed to its caller by sequence number; transactions; event streams.
 *
 * Every operation is a Call (see call.ts) run by one of two drivers: `run` (async, the
 * event loop reads when an answer is not there yet) or `runSync` (blocks this thread).
 * Replies are read right after the send: the kernel usually answers inside sendmsg.
 */
export class Connection {
  readonly timeout: number;
  private readonly sock: NetlinkSocket;
  private readonly kernelPeer: boolean;
  private readonly table: PendingTable;
  private readonly dispatcher: Dispatcher;
  /** Joined groups and how many users each has; made on first join. */
  private groupRefs: Map<number, number> | undefined;
  private pktinfo = false;
  private server: Server | undefined;
  private pauses = 0;
  private closed = false;
  /** Made on first use: most connections never run a transaction. */
  private txnHost: TransactionHost | undefined;
  /** Whether async dumps read ahead on the pool (the readAhead option); the read-ahead is made on first use. */
  private readonly readAheadOn: boolean;
  private ahead: ReadAhead | undefined;
  private readAheadFailed = false;
  private readonly onBatch = (batch: Batch, n: number) => {
    this.dispatcher.dispatch(batch, n);
    // a decoder that detached the poller's buffer: the addon must not write there again
    if (batch.buf.length === 0 && !this.closed) this.sock.renewPoller();
    // the read-ahead found the queue empty and the poller waited: the dump goes on, read ahead again
    if (this.ahead?.empty) {
      this.ahead.empty = false;
      this.updatePolling();
    } else if (this.ahead === undefined && this.readAheadOn && !this.readAheadFailed && (this.table.activeDump?.progress ?? 0) >= READ_AHEAD_AFTER) this.updatePolling();
  };

  constructor(protocol: number, opts: ConnectionOptions = {}) {
    checkObject(opts); // before reading it: the socket's own check comes after the timeout's
    const timeout = opts.timeout === undefined ? DEFAULT_TIMEOUT : checkTimeout(opts.timeout);
    this.readAheadOn = checkReadAhead(opts.readAhead);
    this.sock = new NetlinkSocket(protocol, opts);
    this.kernelPeer = !C.USER_PROTOCOLS.has(protocol);
    this.timeout = timeout;
    this.table = new PendingTable({
      kernelPeer: this.kernelPeer,
      sendDump: (p) => {
        this.sock.send(p.buf, p.off, p.len, p.peer, 0, p.sendWait);
        // its replies are read by whoever drives the socket: the read-ahead or the poller, or a Sync loop
        if (this.ahead) this.ahead.empty = false;
        if (p.sendWait === 0) this.updatePolling();
      },
      waitChanged: () => {
        // less to wait for: only a running poller may have to stop
        if (this.sock.isPolling) this.updatePolling();
      },
    });
    this.dispatcher = new Dispatcher(this.kernelPeer, this.table, {
      serve: (m) => this.server?.receive(m),
      grow: (size) => {
        growBatches(size);
        this.sock.renewPoller();
      },
      receiveBuffer: () => this.sock.getOption(C.SOL_SOCKET, C.SO_RCVBUF),
      closed: () => this.closed,
      fail: (err) => this.failAll(err),
      portId: () => this.sock.portId,
    });
  }

  static open(protocol: number, opts?: ConnectionOptions): Connection {
    return new Connection(protocol, opts);
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** The socket underneath. Throws SocketClosedError once closed (its fd may belong to another socket by then). */
  get socket(): NetlinkSocket {
    this.assertOpen();
    return this.sock;
  }

  /** Receive-queue overflows seen (ENOBUFS). */
  get overruns(): number {
    return this.dispatcher.overruns;
  }

  private assertOpen(): void {
    if (this.closed) throw new SocketClosedError();
  }

  // ------------------------------------------------------------------ calls

  /** Runs a call with the async driver: its replies (or dump items), shaped by `call.result`. */
  run<T = Message, R = DumpResult<T>>(call: Call<T, R>): Promise<R> {
    const done = this.start(call, call?.type, call?.payload, call?.dump === true);
    const shape = call?.result;
    return (shape ? done.then((r) => shape(r as DumpResult<T>)) : done) as Promise<R>;
  }

  /** Runs a call with the Sync driver: blocks this thread until the answer is there. */
  runSync<T = Message, R = DumpResult<T>>(call: Call<T, R>): R {
    const r = this.startSync(call, call?.type, call?.payload, call?.dump === true) as DumpResult<T>;
    return call.result ? call.result(r) : (r as R);
  }

  /**
   * A dump call's items as they arrive: an async iterable with back-pressure, or
   * `.toArray()`. Nothing is sent until iteration or toArray() starts. One socket runs one
   * dump at a time in the kernel, so concurrent dumps queue here.
   *
   * Iterating streams under every NLM_F_DUMP_INTR policy, in bounded memory (reading
   * pauses while `highWaterMark` items wait); an interrupted dump is reported at its end
   * (see IntrPolicy). toArray() collects, and under 'retry' re-runs an interrupted dump.
   */
  stream<T = Message>(call: Call<T, unknown>): DumpIterable<T> {
    return this.openDump(call, call?.type, call?.payload);
  }

  /**
   * Sends a request and resolves with its decoded replies (empty for a bare
   * acknowledgement). Rejects with NetlinkError when the peer answers with an error.
   */
  request<T = Message>(type: number, payload?: Payload, opts: RequestOptions<T> = {}): Promise<T[]> {
    return this.start(opts, type, payload, false) as Promise<T[]>;
  }

  /** request() for scripts: blocks until the answer is there. */
  requestSync<T = Message>(type: number, payload?: Payload, opts: RequestOptions<T> = {}): T[] {
    return this.startSync(opts, type, payload, false) as T[];
  }

  /** A dump: see stream(). */
  dump<T = Message>(type: number, payload?: Payload, opts: DumpOptions<T> = {}): DumpIterable<T> {
    return this.openDump(opts, type, payload);
  }

  /** dump() for scripts: blocks until the dump is complete. */
  dumpSync<T = Message>(type: number, payload?: Payload, opts: DumpOptions<T> = {}): DumpResult<T> {
    return this.startSync(opts, type, payload, true) as DumpResult<T>;
  }

  private start(opts: CallFields, type: number, payload: Payload, dump: boolean): Promise<unknown> {
    let p: Pending;
    try {
      p = this.newPending(opts, type, payload, dump, false);
    } catch (e) {
      return Promise.reject(e);
    }
    if (!dump) return this.startRequest(p);
    p.own(); // may wait in the dump queue
    return this.startDump(p);
  }

  private startSync(opts: CallFields, type: number, payload: Payload, dump: boolean): unknown[] {
    const p = this.newPending(opts, type, payload, dump, true);
    if (dump) {
      p.own();
      this.table.enqueueDump(p);
    } else {
      this.table.add(p);
      try {
        this.sendAndRead(p.buf, p.off, p.len, p.peer, p.sendWait);
      } catch (e) {
        this.table.finish(p, e);
      }
    }
    if (!p.settled) this.driveSync(p);
    if (p.error !== undefined) throw p.error;
    return p.replies();
  }

  private openDump<T>(opts: CallFields, type: number, payload: Payload): DumpIterable<T> {
    const p = this.newPending(opts, type, payload, true, false);
    p.own(); // sent later
    return new DumpIterable<T>(
      () => this.startDump(p) as Promise<DumpResult<T>>,
      (hwm) => {
        const s = new DumpStream<T>(hwm, () => this.pause(), () => this.resume(), () => this.cancel(p));
        p.stream = s as DumpStream<unknown>;
        this.startDump(p).catch(() => {}); // errors reach the stream
        return s;
      },
      opts.highWaterMark ?? 4096,
    );
  }

  /** Checks a call and encodes its request (into the shared scratch writer unless that is busy). */
  private newPending(opts: CallFields, type: number, payload: Payload, dump: boolean, sync: boolean): Pending {
    this.assertOpen();
    checkCallOptions(opts);
    checkInt(type, 'type', 0, 0xffff);
    checkPayload(payload);
    if (sync && opts.signal !== undefined) throw new NetlinkArgumentError('signal', 'does not apply to Sync calls; use timeout');
    const extra = opts.flags ?? 0;
    if (!dump && (extra & C.NLM_F_DUMP) === C.NLM_F_DUMP)
      throw new NetlinkArgumentError('flags', 'include NLM_F_DUMP: use dump() (or dump: true) for a dump');
    const ack = !dump && opts.ack !== false;
    const flags = C.NLM_F_REQUEST | extra | (dump ? C.NLM_F_DUMP : 0) | (ack ? C.NLM_F_ACK : 0);
    const timeout = opts.timeout === undefined ? this.timeout : checkTimeout(opts.timeout);
    const p = new Pending(type, flags, dump, ack, opts.decode, opts.layout, opts.peer ?? 0, timeout,
      opts.signal, opts.intr ?? 'retry', opts.retries ?? 3);
    // a Sync call may wait for a full user-space peer, as long as its timeout; async never blocks
    if (sync) p.sendWait = timeout > 0 ? timeout : -1;
    p.maxReplies = this.maxRepliesOf(opts);
    p.seq = this.table.nextSeq();
    const shared = scratchUser === undefined || scratchUser.owned || scratchUser.settled;
    const w = shared ? scratch : new Writer();
    // claimed before the payload runs: a request made by the payload writer gets its own
    if (shared) scratchUser = p;
    w.reset();
    const start = w.beginMessage(type, flags, p.seq);
    try {
      if (typeof payload === 'function') payload(w);
      else if (payload) w.bytes(payload);
    } catch (e) {
      if (scratchUser === p) scratchUser = undefined;
      throw e;
    }
    w.endMessage(start);
    // the scratch writer's until p settles or parks (park() copies it)
    p.buf = w.buf;
    p.len = w.pos;
    p.owned = !shared;
    return p;
  }

  // ------------------------------------------------------------------ async driver

  /**
   * The kernel usually answers inside sendmsg, so the request is sent and its answer read
   * before any promise machinery exists: a settled promise then, and an executor, resolvers
   * and a timer only for a request that has to wait.
   */
  private startRequest(p: Pending): Promise<unknown> {
    if (!this.checkAborted(p)) {
      this.table.add(p);
      try {
        this.sendAndRead(p.buf, p.off, p.len, p.peer, 0);
      } catch (e) {
        this.table.finish(p, e);
      }
      if (!p.settled) this.readNow(p);
    }
    if (p.settled) return p.error !== undefined ? Promise.reject(p.error) : Promise.resolve(p.replies());
    return new Promise((resolve, reject) => {
      p.resolve = resolve;
      p.reject = reject;
      this.park(p);
    });
  }

  private startDump(p: Pending): Promise<unknown> {
    return new Promise((resolve, reject) => {
      if (p.resolve || p.settled) return reject(new Error('a dump iterable runs once'));
      p.resolve = resolve;
      p.reject = reject;
      if (this.checkAborted(p)) return;
      if (this.closed) return this.table.finish(p, new SocketClosedError());
      this.table.enqueueDump(p);
      // with a read-ahead out (sendDump started one) the pool reads the first chunk too
      if (this.table.activeDump === p && !this.ahead?.busy) this.readNow(p);
      if (!p.settled) this.park(p);
      else this.updatePolling();
    });
  }

  private checkAborted(p: Pending): boolean {
    if (!p.signal?.aborted) return false;
    this.table.finish(p, p.signal.reason);
    return true;
  }

  /**
   * Sends a request and dispatches what is already queued, in one call into C: at most
   * `max` datagrams, so that a lone reply costs one read and no trailing EAGAIN.
   */
  private sendAndRead(buf: Buffer, off: number, len: number, peer: number, sendTimeoutMs: number, max = 1, wide = false): void {
    this.ahead?.join();
    const b = acquireBatch(wide);
    try {
      const n = this.sock.transact(buf, off, len, peer, sendTimeoutMs, b, 0, max);
      if (n > 0) this.dispatcher.dispatch(b, n);
    } finally {
      releaseBatch(b, wide);
    }
  }

  /**
   * Dispatches up to `max` datagrams queued, or arriving within waitMs (-1: forever). False
   * when nothing came. A request reads one at a time: no trailing EAGAIN after its reply.
   */
  private readInto(waitMs: number, max: number, wide = false, pollFirst = false): boolean {
    // what the pool read first: it may be what the caller waits for
    if (this.ahead?.join()) return true;
    const b = acquireBatch(wide);
    try {
      const n = this.sock.recv(b, waitMs, max, pollFirst);
      if (n > 0) this.dispatcher.dispatch(b, n);
      return n > 0;
    } finally {
      releaseBatch(b, wide);
    }
  }

  /** Reads what is already queued: most kernel answers are there when send returns. */
  private readNow(p: Pending): void {
    for (let i = 0; i < 8 && !p.settled && !this.closed; i++) {
      if (!this.readInto(0, p.dump ? DUMP_SLOTS : 1)) break;
      if (p.dump) break; // the rest of a dump comes through the event loop, one batch per wake-up
    }
  }

  /** Waits in the event loop: own copy of the request, timer, abort listener, polling. */
  private park(p: Pending): void {
    p.own();
    if (p.timeout > 0 && !p.timer) p.timer = setTimeout(() => this.onTimer(p), p.timeout);
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

  /**
   * Gives the caller an error now. A dump the kernel is running keeps draining until its end
   * (the kernel ends what it started, and runs one dump per socket). A user-space peer may
   * never end it: waiting for that kept the dump slot taken, so every later dump on the
   * connection, to any peer, timed out unsent; its late answers are dropped instead.
   */
  private abandon(p: Pending, err: unknown): void {
    if (!p.settled) this.table.finish(p, err, !this.kernelPeer);
  }

  private cancel(p: Pending): void {
    this.abandon(p, undefined);
  }

  // ------------------------------------------------------------------ Sync driver

  /** Runs the receive loop on this thread until p is answered. */
  private driveSync(p: Pending): void {
    let deadline = p.timeout > 0 ? performance.now() + p.timeout : 0;
    while (!p.settled) {
      if (this.closed) return this.table.finish(p, new SocketClosedError());
      let wait = -1;
      if (deadline) {
        wait = deadline - performance.now();
        if (wait <= 0) return this.abandonSync(p);
      }
      const seen = p.progress;
      const got = this.readInto(Math.ceil(wait), p.dump ? DUMP_SLOTS : 1);
      // a dump times out after a whole period without progress, as the async driver's does
      if (p.dump && p.progress !== seen) {
        if (deadline) deadline = performance.now() + p.timeout;
        continue;
      }
      if (!got) return this.abandonSync(p);
    }
  }

  private abandonSync(p: Pending): void {
    this.abandon(p, new NetlinkTimeoutError(p.timeout, p.info()));
    // a running dump must still end before the next can start: drain it here, a bounded while
    while (this.table.activeDump === p && !this.closed) {
      if (!this.readInto(1000, DUMP_SLOTS)) {
        this.table.finish(p, undefined, true);
        break;
      }
    }
  }

  // ------------------------------------------------------------------ transactions

  /**
   * Many requests in as few send() calls as fit, each with its own sequence number and
   * its own outcome: every item reports success (with its decoded replies) or its own
   * error (a NetlinkError with the ext-ack path from the item's layout). The promise
   * rejects only for invalid arguments; look at `result.ok` / `result.failures`. `items`
   * is an array, or a source making them one at a time (a bulk load's: none is kept).
   *
   * Answers are read between sends, and a send carries at most as many items as the
   * receive buffer holds answers, so acknowledgements cannot overflow it; should the queue
   * overflow anyway (ENOBUFS, e.g. events on the same socket), the items in flight fail
   * with that error instead of waiting forever.
   */
  transaction<T = Message>(items: readonly TransactionItem<T>[] | TransactionSource<T>, opts: TransactionOptions = {}): Promise<TransactionResult<T>> {
    let t: Transaction<T>;
    try {
      t = this.newTransaction(items, opts, false);
    } catch (e) {
      return Promise.reject(e);
    }
    return driveTransaction(t, opts.signal, () => this.updatePolling());
  }

  /** transaction() for scripts: blocks until every item has its outcome. */
  transactionSync<T = Message>(items: readonly TransactionItem<T>[] | TransactionSource<T>, opts: TransactionOptions = {}): TransactionResult<T> {
    const t = this.newTransaction(items, opts, true);
    t.pump(true);
    return t.result();
  }

  /** The replies a call may collect (CallOptions.maxReplies): from a user-space peer, bounded unless raised. */
  private maxRepliesOf(opts: { maxReplies?: number }): number {
    return opts.maxReplies ?? (this.kernelPeer ? Infinity : USER_PEER_MAX_REPLIES);
  }

  private newTransaction<T>(items: readonly TransactionItem<T>[] | TransactionSource<T>, opts: TransactionOptions, sync: boolean): Transaction<T> {
    this.assertOpen();
    if (typeof opts !== 'object' || opts === null) throw new NetlinkArgumentError('options', `must be an object, got ${String(opts)}`, 'ERR_INVALID_ARG_TYPE');
    checkCallOptions({ timeout: opts.timeout, signal: opts.signal, peer: opts.peer, maxReplies: opts.maxReplies });
    if (sync && opts.signal !== undefined) throw new NetlinkArgumentError('signal', 'does not apply to Sync calls; use timeout');
    const timeout = opts.timeout === undefined ? this.timeout : checkTimeout(opts.timeout);
    const limits = {
      sndbuf: this.sock.getOption(C.SOL_SOCKET, C.SO_SNDBUF),
      rcvbuf: this.sock.getOption(C.SOL_SOCKET, C.SO_RCVBUF),
      maxReplies: this.maxRepliesOf(opts),
    };
    this.txnHost ??= {
      table: this.table,
      kernelPeer: this.kernelPeer,
      closed: () => this.closed,
      // a whole send's answers are read at once, into a wide batch: up to one per item
      sendAndRead: (buf, off, len, peer, sendTimeoutMs) => this.sendAndRead(buf, off, len, peer, sendTimeoutMs, DUMP_SLOTS, true),
      read: (waitMs) => !this.closed && this.readInto(waitMs, DUMP_SLOTS, true),
      growBuffers: (sndbuf, rcvbuf) => this.sock.growBuffers(sndbuf, rcvbuf),
      openSender: (peer, results, done) => this.sock.openSender(peer, results, done),
    };
    return new Transaction<T>(this.txnHost, items, opts, timeout, limits, !sync);
  }

  // ------------------------------------------------------------------ polling and back-pressure

  private updatePolling(): void {
    if (this.closed) return;
    const streams = this.dispatcher.streams;
    let ref = this.table.busy || (this.server?.ref ?? false);
    for (const s of streams) if (s.ref) ref = true;
    const want = this.pauses === 0 && (this.table.busy || streams.length > 0 || this.server !== undefined);
    // a pool read in flight: nothing else reads until its completion decides again
    if ((want && this.readAhead()) || this.ahead?.busy) this.sock.stopPolling();
    else if (want) this.sock.startPolling(this.onBatch);
    else this.sock.stopPolling();
    this.sock.setRef(ref);
  }

  /**
   * Starts (or keeps) a pool read while an async dump runs; false when the poller should
   * read instead: no async dump, the option is off, the last read found the queue empty, or
   * both blocks are being decoded.
   */
  private readAhead(): boolean {
    const d = this.table.activeDump;
    if (!this.readAheadOn || this.readAheadFailed || d === undefined || d.sendWait !== 0 || this.ahead?.empty) return false;
    let a = this.ahead;
    if (a === undefined && d.progress < READ_AHEAD_AFTER) return false;
    if (a?.busy) return true;
    // made again after a decoder detached its memory, or when datagrams need more room or ancillary data
    try {
      if (a === undefined || a.broken || a.slotBytes !== currentSlotBytes() || a.cmsg !== this.sock.ancillary) {
        a?.close();
        this.ahead = undefined;
        a = this.ahead = new ReadAhead(this.sock.fd, currentSlotBytes(), this.sock.ancillary, {
          dispatch: (batch, n) => this.dispatcher.dispatch(batch, n),
          settle: () => this.updatePolling(),
        });
      }
      return a.start();
    } catch {
      // no descriptor or memory for it (EMFILE, ENOMEM): the poller reads, as without the option
      this.readAheadFailed = true;
      return false;
    }
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
   * `{ kind: 'overrun' }` item (and an 'overrun' event): resync with a fresh dump. A
   * datagram that cannot be parsed is one `{ kind: 'error' }` item; the stream goes on.
   * On kernel protocols only messages from the kernel are events. A script may read it
   * blocking instead: `stream.sync()`, `stream.nextSync()`.
   */
  events<T = Message>(opts: EventStreamOptions<T> = {}): EventStream<T> {
    this.assertOpen();
    checkEventOptions(opts);
    const groups = [...(opts.groups ?? [])];
    if (groups.length) this.sock.ensureBound();
    for (const g of groups) this.joinGroup(g);
    const s = new EventStream<T>(opts, () => this.pause(), () => this.resume(), () => {
      this.dispatcher.removeStream(s as EventStream<unknown>);
      if (!this.closed) for (const g of groups) this.leaveGroup(g);
      this.updatePolling();
    }, (waitMs) => {
      this.assertOpen();
      this.readInto(waitMs, DUMP_SLOTS, false, true);
    });
    s.on('ref-change', () => this.updatePolling());
    this.dispatcher.addStream(s as EventStream<unknown>);
    this.updatePolling();
    return s;
  }

  /** Joins a multicast group (reference-counted with events()). */
  joinGroup(group: number): void {
    this.assertOpen();
    checkInt(group, 'group', 1, 0xffffffff);
    const refs = (this.groupRefs ??= new Map());
    const n = refs.get(group) ?? 0;
    if (n === 0) {
      this.sock.ensureBound();
      // the sender address names groups 1..32 (as a mask); only higher ones need packet info,
      // which costs a recvmsg with ancillary data on every read
      if (group > 32 && !this.pktinfo) {
        this.sock.setOption(C.SOL_NETLINK, C.NETLINK_PKTINFO, 1);
        this.pktinfo = true;
      }
      this.sock.join(group);
    }
    refs.set(group, n + 1);
  }

  leaveGroup(group: number): void {
    this.assertOpen();
    checkInt(group, 'group', 1, 0xffffffff);
    const n = this.groupRefs?.get(group) ?? 0;
    if (n <= 1) {
      this.groupRefs?.delete(group);
      if (n === 1) this.sock.leave(group);
    } else this.groupRefs!.set(group, n - 1);
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
    this.assertOpen();
    if (this.kernelPeer) throw new TypeError('serve() is for user-space protocols such as NETLINK_USERSOCK');
    const checked = checkServe(handler, opts);
    this.sock.ensureBound();
    this.server = new Server(this.sock, handler, checked);
    this.updatePolling();
  }

  /** This socket's port id, binding it first if needed. */
  get portId(): number {
    this.assertOpen();
    this.sock.ensureBound();
    return this.sock.portId;
  }

  private failAll(err: unknown): void {
    this.table.failAll(err);
    this.dispatcher.failStreams(err);
  }

  close(): void {
    if (this.closed) return;
    // an Error (and its stack) only when someone is waiting to receive it
    if (this.table.busy || this.dispatcher.streams.length) this.failAll(new SocketClosedError());
    this.closed = true;
    for (const s of this.dispatcher.streams) s.close();
    this.server = undefined;
    this.ahead?.close();
    this.ahead = undefined;
    this.sock.close();
  }
}

export type { CallOptions, DumpOptions, RawMessage, RequestOptions };
