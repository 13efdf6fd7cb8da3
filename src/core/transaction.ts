// Transactions: many requests in one send(), each with its own sequence number and its own
// answer, driven by either driver.
import { getSystemErrorName } from 'node:util';
import type { MessageLayout } from './attrset.js';
import * as C from './constants.js';
import { type FailedRequest, NetlinkArgumentError, NetlinkTimeoutError, NotSentError, TooManyRepliesError } from './errors.js';
import { makeNetlinkError, parseDoneMessage, parseErrorMessage } from './extack.js';
import { copyMessage, type CallOptions, type Decoder, isAck, type Message, type Payload, type RawMessage } from './message.js';
import { checkCallOptions, checkInt, checkPayload } from './options.js';
import { NO_REPLIES, type PendingTable, type SeqRange } from './pending.js';
import { Writer } from './writer.js';

/** One request of a transaction. */
export interface TransactionItem<T = Message> {
  type: number;
  payload?: Payload;
  /** Flags added to NLM_F_REQUEST (0..0xffff, not NLM_F_DUMP). */
  flags?: number;
  decode?: Decoder<T>;
  /** Names the item's attributes in its ext-ack error. */
  layout?: MessageLayout;
  /**
   * true: always ask for an acknowledgement; false: never (e.g. NFNL_MSG_BATCH_BEGIN/END on
   * kernels that do not ack them). Default: as the transaction's `ack` says.
   */
  ack?: boolean;
  /**
   * This item stands for `repeat.count` items in a row (consecutive indexes, each with its
   * own sequence number, answer and error): each is this one with the 32-bit big-endian
   * word at payload offset `repeat.at` set to repeat.words[k]. Bulk requests that differ
   * only in an IPv4 address (the routes of one shape) then cost no call per item. The
   * payload must be bytes, and the item come from a TransactionSource (whose size counts
   * each of the run's items).
   */
  repeat?: ItemRun;
}

/**
 * See TransactionItem.repeat. Like the item, it must stay as it is until the source is asked
 * for its next item (the run may be written over several sends).
 */
export interface ItemRun {
  /** How many items (1 or more): words[0, count). */
  count: number;
  /** Offset of the word in the payload. */
  at: number;
  words: Uint32Array;
}

/**
 * Items made one at a time while the transaction encodes them, for bulk loads: each item
 * (its object, its payload and what that holds) is garbage as soon as it is written,
 * where an array of 10,000 items keeps them all alive until the last is built (the young
 * generation's collector then copies them twice and promotes them: a fifth of a cold
 * 10,000-route add, measured).
 */
export interface TransactionSource<T = Message> {
  /** At most this many items (sequence numbers are reserved for that many). */
  readonly size: number;
  /** The next item; undefined when there are no more. Called in order, once each. */
  next(): TransactionItem<T> | undefined;
}

export interface TransactionOptions {
  /**
   * 'each' (default): every item asks for an acknowledgement. 'last': only the last item of
   * each send() does (bulk loads: fewer messages back). A failing item is answered with an
   * error either way, so failures are never lost; an item with no answer is known to have
   * succeeded once a later item's answer arrives (the peer handles them in order), or,
   * on a kernel protocol, once the send returned and nothing more is queued (a user-space
   * peer's silence proves nothing: there such an item waits for a later answer or the timeout).
   */
  ack?: 'each' | 'last';
  /** ms without progress before the outstanding items fail with ETIMEDOUT (0/Infinity: none). Default: the connection's. */
  timeout?: number;
  /** Async only: aborting fails the outstanding items with the signal's reason. */
  signal?: AbortSignal;
  /** Port id of the peer: 0 (the kernel) unless talking to a user process. */
  peer?: number;
  /** Replies kept for all items together before the item answered fails with TooManyRepliesError (CallOptions.maxReplies). */
  maxReplies?: number;
  /**
   * Most items per send(). Default: as many answers as the receive buffer holds, so
   * that acknowledgements never overflow it (replies are read between sends).
   */
  maxPerSend?: number;
  /**
   * false: everything travels in one send() (nftables batches must not be cut); the socket's
   * buffers are raised to take it (see growBuffers), else it is refused up front. Default
   * true: split by size (the kernel refuses a send larger than SO_SNDBUF - 32 bytes) and by
   * maxPerSend.
   */
  split?: boolean;
  /**
   * With `split: false`, once every item is encoded and before anything is sent: raise the
   * socket's buffers, when smaller, to the whole send (the kernel refuses more than
   * SO_SNDBUF - 32) and to the answers it may get (an error or echo per item; answers past
   * the receive buffer are lost), as nft does for its batches. Past net.core.wmem_max and
   * rmem_max where the process may (CAP_NET_ADMIN). Default true; false refuses a
   * transaction larger than the send buffer instead.
   */
  growBuffers?: boolean;
  /** After a failed item, send no further send() chunks: their items fail with NotSentError. */
  stopOnError?: boolean;
  /**
   * Async, on a kernel protocol: sends go from the libuv threadpool while the next are
   * encoded, so the kernel's work (done inside each send) overlaps the encoding. Default true;
   * false sends from this thread, one send after the other (as the Sync driver does).
   */
  overlap?: boolean;
}

export type ItemOutcome<T> =
  /** `replies`: what the item's answers decoded to, usually none (shared, read-only). */
  | { index: number; ok: true; replies: readonly T[] }
  | { index: number; ok: false; error: Error };

export interface TransactionResult<T> {
  /** Every item succeeded. */
  ok: boolean;
  /** One outcome per item, in item order. */
  items: ItemOutcome<T>[];
  /** The failed items only, in item order. */
  failures: Extract<ItemOutcome<T>, { ok: false }>[];
}

/** What a transaction needs from its connection. */
export interface TransactionHost {
  readonly table: PendingTable;
  readonly kernelPeer: boolean;
  closed(): boolean;
  /** Sends bytes, then dispatches what is already queued. Throws when the send fails. */
  sendAndRead(buf: Buffer, off: number, len: number, peer: number, sendTimeoutMs: number): void;
  /** Dispatches what is queued (waitMs 0) or what comes within waitMs (-1: forever); false when nothing came. */
  read(waitMs: number): boolean;
  /** Raises the socket's buffers (never lowers them) towards these sizes: the send buffer it has then. */
  growBuffers(sndbuf: number, rcvbuf: number): number;
  /**
   * Sends made in order from the libuv threadpool (see TransactionSender): a kernel peer does
   * its work inside the send, so JavaScript encodes the next sends meanwhile.
   */
  openSender?(peer: number, results: Int32Array, done: () => void): TransactionSender;
}

/**
 * A transaction's sends, in the order pushed, made from the threadpool or (steal) from this
 * thread, one at a time: send k's outcome appears in results[k] (1 sent, -errno failed)
 * once it returned; done() runs on this thread when a job of the pool ends. A send waits
 * until the receive queue has room for the worst case of its answers, so none is lost, and
 * only this thread reads the socket.
 */
export interface TransactionSender {
  /** Queues a send; true when it started a job (one more done() to come). The bytes stay untouched and referenced until their result is in. */
  push(buf: Buffer, off: number, len: number, worstAnswerBytes: number): boolean;
  /** Starts a job for the queued sends if none runs (one that found no room ends): true if it did. */
  kick(): boolean;
  /**
   * Makes the next queued send on this thread, if none is being made and its answers have
   * room: 0 (not made), 1 (made), 3 (made, and a job started for the rest: one more done()).
   */
  steal(): number;
  /** Drops the pushed sends not started yet (the last ones): how many. */
  cancel(): number;
  /** No more pushes. */
  release(): void;
}

/** A send from the threadpool that failed, as the Node thread's sends report it. */
function sendError(errno: number): Error {
  const code = getSystemErrorName(-errno);
  return Object.assign(new Error(`${code}: send failed, sendto`), { code, errno: -errno, syscall: 'sendto' });
}

/**
 * Receive buffer one acknowledgement or error takes (its skb's truesize): 832 bytes measured
 * on Linux 6.18 (256 acks fill the default 212992-byte buffer), plus room for ext-ack text.
 */
const ANSWER_COST = 1024;

// Per-item state bits (Transaction.state).
/** Asks for an acknowledgement (NLM_F_ACK). */
const ACK = 1;
/** Has its outcome; later messages with its sequence number are not its. */
const SETTLED = 2;
/** Answered with NLM_F_MULTI parts: NLMSG_DONE ends it. */
const MULTI = 4;
/** Was in flight when the receive queue overflowed: its answer may be gone. */
const LOST = 8;
/** Refuses an acknowledgement (item.ack === false). */
const NO_ACK = 16;

/**
 * Encodes the items up front into one buffer (consecutive sequence numbers), cuts it into
 * sends, and collects each item's outcome. The driver (async or Sync) calls pump(); the
 * pending table hands the answers over by sequence number (a SeqRange).
 *
 * Bulk loads are what transactions are for, so an item costs no object of its own: its
 * state is a byte in one table, its request a range of the one buffer (error messages
 * point into it, no copy), and decoded replies, errors and outcome objects are made only
 * for the items that have them, or when `result.items` is read.
 */
export class Transaction<T> implements SeqRange {
  /** Items encoded so far (all of them once `encoding` is false). */
  private n = 0;
  /** The buffer the requests are in (the writer's, which may grow while pipelining). */
  private buf: Buffer;
  /** Item i's request is buf[offs[i], offs[i + 1]). */
  private readonly offs: Uint32Array;
  private readonly state: Uint8Array;
  private readonly firstSeq: number;
  private readonly peer: number;
  /** Per-item decoders and layouts, only when some item has one. */
  private decoders: (Decoder<unknown> | undefined)[] | undefined;
  private layouts: (MessageLayout | undefined)[] | undefined;
  // what encode() works from
  private readonly array: readonly TransactionItem<T>[] | undefined;
  private readonly source: TransactionSource<T> | undefined;
  private readonly max: number;
  private readonly each: boolean;
  private readonly split: boolean;
  private maxBytes: number;
  private readonly rcvbuf: number;
  private readonly growBuffers: boolean;
  private readonly maxItems: number;
  /**
   * Never reset: were it set to undefined once encoding ends, V8 would widen the field's type
   * and throw away the optimized encode() compiled meanwhile (seen with --trace-generalization).
   */
  private readonly w: Writer;
  /** Items are still to be taken from the caller and encoded. */
  private encoding = true;
  /** A run being written (see TransactionItem.repeat): its item, its first item's index, its count and how many are written. */
  private run: TransactionItem<T> | undefined;
  private runStart = 0;
  private runDone = 0;
  private runCount = 0;
  /** The request each of the run's items copies, and their state bits. */
  private runMessage: Buffer | undefined;
  private runState = 0;
  /** First item of the send being encoded. */
  private chunkStart = 0;
  /** Sends go from the threadpool while the next ones are encoded (see TransactionSender). */
  private readonly behind: boolean;
  private sender: TransactionSender | undefined;
  /** The sender's results: slot k for its k-th send, which is chunk senderBase + k. */
  private results: Int32Array | undefined;
  private senderBase = 0;
  /** Sends pushed to the sender (less those cancelled), and how many of them returned. */
  private pushed = 0;
  private confirmed = 0;
  /** Jobs of the pool started and not yet done(). */
  private jobs = 0;
  /** The buffers pushed sends point into, referenced until the transaction ends. */
  private readonly held: Buffer[] = [];
  /** Pipelined: the item that could not be encoded (max: none, the source gave too many) and why; -1: none. */
  private badItem = -1;
  private badErr: unknown;
  /** Made on the first item with a reply (most items are answered by a bare ack). */
  private replies: (unknown[] | undefined)[] | undefined;
  /** Replies kept for all items together, and how many may be (CallOptions.maxReplies). */
  private replyCount = 0;
  private readonly maxReplies: number;
  /** Made on the first failure. */
  private errors: unknown[] | undefined;
  /** The overflow error the LOST items fail with. */
  private lostErr: unknown;
  /** Exclusive end (item index) of each send. */
  private readonly chunkEnds: number[] = [];
  private chunk = 0;
  /** Items [0, sentEnd) have been sent (or failed to be). */
  private sentEnd = 0;
  /** Items before it are settled. */
  private cursor = 0;
  private failed = 0;
  private pumping = false;
  private finished = false;
  /** Settled items: a wait times out only after a whole period without progress. */
  progress = 0;
  private stop: unknown;
  private registered = false;
  private readonly stopOnError: boolean;
  resolve: ((r: TransactionResult<T>) => void) | undefined;
  /** Async: wake the driver when a send's answers are all in. */
  onIdle: (() => void) | undefined;

  constructor(
    private readonly host: TransactionHost,
    list: readonly TransactionItem<T>[] | TransactionSource<T>,
    opts: TransactionOptions,
    readonly timeout: number,
    limits: { sndbuf: number; rcvbuf: number; maxReplies: number },
    /** Driven async: may send behind (see TransactionHost.sendBehind). */
    overlap = false,
  ) {
    const array = this.array = Array.isArray(list) ? list as readonly TransactionItem<T>[] : undefined;
    const source = this.source = array ? undefined : list as TransactionSource<T>;
    if (!array && (typeof list !== 'object' || list === null || typeof source!.next !== 'function' ||
      !Number.isInteger(source!.size) || source!.size < 0 || source!.size > 0xffffffff))
      throw new NetlinkArgumentError('items', 'must be an array of requests or a { size, next() } source of them', 'ERR_INVALID_ARG_TYPE');
    this.each = (opts.ack ?? 'each') === 'each';
    if (opts.ack !== undefined && opts.ack !== 'each' && opts.ack !== 'last')
      throw new NetlinkArgumentError('ack', `must be 'each' or 'last', got ${String(opts.ack)}`);
    this.peer = opts.peer ?? 0;
    this.stopOnError = opts.stopOnError === true;
    const max = this.max = array ? array.length : source!.size;
    this.offs = new Uint32Array(max + 1);
    this.state = new Uint8Array(max);
    // consecutive numbers: the table finds an item by arithmetic (a source that ends
    // early leaves the rest of its reservation unused)
    this.firstSeq = host.table.reserveSeqs(max);
    this.w = new Writer(Math.max(4096, max * 64));
    this.buf = this.w.buf;
    this.split = opts.split !== false;
    if (opts.overlap !== undefined && typeof opts.overlap !== 'boolean')
      throw new NetlinkArgumentError('overlap', `must be true or false, got ${typeof opts.overlap}`, 'ERR_INVALID_ARG_TYPE');
    this.behind = overlap && opts.overlap !== false && this.split && host.kernelPeer && this.peer === 0 && host.openSender !== undefined;
    // the kernel refuses a send larger than sk_sndbuf - 32 (EMSGSIZE)
    this.maxBytes = Math.max(C.NLMSG_HDRLEN, limits.sndbuf - 32);
    this.rcvbuf = limits.rcvbuf;
    this.maxReplies = limits.maxReplies;
    if (opts.growBuffers !== undefined && typeof opts.growBuffers !== 'boolean')
      throw new NetlinkArgumentError('growBuffers', `must be true or false, got ${typeof opts.growBuffers}`, 'ERR_INVALID_ARG_TYPE');
    this.growBuffers = opts.growBuffers !== false;
    // pipelined, half: a send may go while the answers of the one before it are still queued
    this.maxItems = opts.maxPerSend !== undefined ? checkInt(opts.maxPerSend, 'maxPerSend', 1, 1 << 20)
      : Math.max(8, Math.floor(limits.rcvbuf / ANSWER_COST / (this.behind ? 2 : 1)));
    // pipelined: the first send's worth now (a bad item there still refuses the whole
    // transaction before anything is sent), the rest while the sends before it run
    this.encode(!this.behind);
  }

  /**
   * Encodes items into the buffer (consecutive sequence numbers) and cuts them into sends:
   * all of them, or (`all` false) until one more send's worth is complete.
   */
  private encode(all: boolean): void {
    const { array, source, max, offs, state, firstSeq: first } = this;
    const w = this.w;
    // a run stopped at the end of a send goes on
    if (this.runDone < this.runCount && this.writeRun(all)) return;
    let i: number;
    // a source may give one frozen item again and again: nothing about it can change, so it
    // is checked once
    let checked: TransactionItem<T> | undefined, frozen = false, itemState = 0, msgFlags = 0;
    while ((i = this.n) < max) {
      const it = (array ? array[i] : source!.next()) as TransactionItem<T>;
      if ((it as unknown) === undefined && source) break;
      if (it !== checked || !frozen) {
        itemState = this.check(it, i);
        msgFlags = C.NLM_F_REQUEST | (it.flags ?? 0) | (itemState & ACK ? C.NLM_F_ACK : 0);
        frozen = Object.isFrozen(it);
        checked = it;
      }
      if (it.repeat !== undefined) {
        this.startRun(it, itemState, i);
        if (this.writeRun(all)) return;
        continue;
      }
      state[i] = itemState;
      const { decode, layout, payload } = it;
      if (decode !== undefined) (this.decoders ??= new Array(max))[i] = decode as Decoder<unknown>;
      if (layout !== undefined) (this.layouts ??= new Array(max))[i] = layout;
      const off = offs[i] = w.beginMessage(it.type, msgFlags, (first + i) >>> 0);
      if (typeof payload === 'function') payload(w);
      else if (payload) w.bytes(payload);
      w.endMessage(off);
      offs[i + 1] = w.pos;
      this.n = i + 1;
      // a send ends before the item that would take it past maxItems or maxBytes
      const start = this.chunkStart;
      if (this.split && i > start && (i - start >= this.maxItems || offs[i + 1] - offs[start] > this.maxBytes)) {
        this.closeChunk(i);
        if (!all) return;
      }
    }
    if (source && this.n === max && source.next() !== undefined)
      throw new NetlinkArgumentError('items', `source gave more items than its size (${max})`, 'ERR_OUT_OF_RANGE');
    const n = this.n;
    offs[n] = w.pos;
    this.buf = w.buf;
    this.encoding = false;
    if (!this.split) this.roomForWhole(w.pos, n);
    if (n > this.chunkStart) this.closeChunk(n);
  }

  /** Checks a run item (its other fields are checked as any item's) and makes it the run being written. */
  private startRun(it: TransactionItem<T>, itemState: number, i: number): void {
    const repeat: unknown = it.repeat;
    // an array's length is its number of items, and the items are found by index
    if (this.array) throw new NetlinkArgumentError('repeat', `item ${i}: a run is given by a source (its size counts the run's items), not in an array`);
    if (typeof repeat !== 'object' || repeat === null) throw new NetlinkArgumentError('repeat', `item ${i}: must be { count, at, words }, got ${repeat === null ? 'null' : typeof repeat}`, 'ERR_INVALID_ARG_TYPE');
    const { count, at, words } = repeat as ItemRun, payload = it.payload;
    checkInt(count, 'repeat.count', 1, this.max - i);
    // a run refused from here on still counts as its items (countRest)
    this.run = it;
    this.runStart = i;
    this.runDone = 0;
    this.runCount = count;
    if (!(payload instanceof Uint8Array)) throw new NetlinkArgumentError('payload', `item ${i}: a run (repeat) needs its payload as bytes`, 'ERR_INVALID_ARG_TYPE');
    checkInt(at, 'repeat.at', 0, payload.length - 4);
    if (!(words instanceof Uint32Array) || words.length < count)
      throw new NetlinkArgumentError('repeat.words', `item ${i}: must be a Uint32Array of at least ${count} words`, 'ERR_INVALID_ARG_TYPE');
    this.runState = itemState;
    // the request each of its items copies, as the usual path writes it (its word set per item)
    const w = new Writer(C.NLMSG_HDRLEN + payload.length + 4), off = w.beginMessage(it.type, C.NLM_F_REQUEST | (it.flags ?? 0) | (itemState & ACK ? C.NLM_F_ACK : 0));
    w.bytes(payload);
    w.endMessage(off);
    this.runMessage = w.buf.subarray(0, w.pos);
  }

  /**
   * Writes the run's items not written yet, each a copy of its request with its sequence
   * number and word set. True when it stopped at the end of a send (`all` false): encode()
   * goes on from there next time.
   */
  private writeRun(all: boolean): boolean {
    const { offs, state, firstSeq: first, w } = this, { decode, layout } = this.run!;
    const words = this.run!.repeat!.words, msg = this.runMessage!, len = msg.length, word = C.NLMSG_HDRLEN + this.run!.repeat!.at;
    const count = this.runCount, itemState = this.runState;
    for (let k = this.runDone; k < count; k++) {
      const i = this.n;
      if (w.pos + len > w.buf.length) w.ensure(len);
      const b = w.buf, p = offs[i] = w.pos, seq = (first + i) >>> 0, v = words[k];
      b.set(msg, p);
      b[p + 8] = seq; b[p + 9] = seq >>> 8; b[p + 10] = seq >>> 16; b[p + 11] = seq >>> 24;
      b[p + word] = v >>> 24; b[p + word + 1] = v >>> 16; b[p + word + 2] = v >>> 8; b[p + word + 3] = v;
      w.pos = p + len;
      state[i] = itemState;
      if (decode !== undefined) (this.decoders ??= new Array(this.max))[i] = decode as Decoder<unknown>;
      if (layout !== undefined) (this.layouts ??= new Array(this.max))[i] = layout;
      offs[i + 1] = w.pos;
      this.n = i + 1;
      // a send ends before the item that would take it past maxItems or maxBytes (as in encode)
      const start = this.chunkStart;
      if (this.split && i > start && (i - start >= this.maxItems || offs[i + 1] - offs[start] > this.maxBytes)) {
        this.closeChunk(i);
        if (!all) {
          this.runDone = k + 1;
          return true;
        }
      }
    }
    this.runDone = count;
    return false;
  }

  /**
   * Sent whole: the socket's buffers take its `bytes` in one send and the answers its `n`
   * items may get (an echo can be larger than its request: twice the bytes), raised unless
   * the caller said not to; a send still too large is refused up front.
   */
  private roomForWhole(bytes: number, n: number): void {
    const receive = 2 * bytes + n * ANSWER_COST;
    if (this.growBuffers && (bytes > this.maxBytes || receive > this.rcvbuf))
      this.maxBytes = Math.max(C.NLMSG_HDRLEN, this.host.growBuffers(bytes + 32, receive) - 32);
    if (bytes > this.maxBytes)
      throw new NetlinkArgumentError('items', `take ${bytes} bytes, more than one send() carries here (${this.maxBytes}: SO_SNDBUF - 32); raise sndbuf or allow split`, 'ERR_OUT_OF_RANGE');
  }

  /** Checks item i (throws a typed error for a bad one): its state bits. */
  private check(it: TransactionItem<T>, i: number): number {
    // the usual item is { type, payload, flags }: checked without a call, the rest only when there
    if (typeof it !== 'object' || it === null) checkCallOptions(it);
    const { type, flags, payload } = it;
    if (typeof type !== 'number' || type !== (type & 0xffff)) checkInt(type, 'type', 0, 0xffff);
    if (flags !== undefined && (typeof flags !== 'number' || flags !== (flags & 0xffff))) checkInt(flags, 'flags', 0, 0xffff);
    if (payload !== undefined && payload !== null && typeof payload !== 'function' && !(payload instanceof Uint8Array)) checkPayload(payload);
    const r = it as TransactionItem<T> & CallOptions & { dump?: unknown; intr?: unknown; retries?: unknown; highWaterMark?: unknown };
    const { ack: itemAck, decode, layout } = r;
    // the options a generated item carries (its decoder and layout, maybe ack) are checked
    // here by type; checkCallOptions runs when any other option is there, or one is wrong
    const plain = (decode === undefined || typeof decode === 'function') && (layout === undefined || (typeof layout === 'object' && layout !== null)) &&
      (itemAck === undefined || typeof itemAck === 'boolean');
    if (!plain || r.timeout !== undefined || r.signal !== undefined || r.peer !== undefined || r.dump !== undefined || r.intr !== undefined ||
      r.retries !== undefined || r.highWaterMark !== undefined) {
      checkCallOptions(it);
      if (r.dump) throw new NetlinkArgumentError('flags', `item ${i}: a dump cannot be part of a transaction`);
      // the transaction's own options on an item are refused rather than ignored
      if (r.timeout !== undefined || r.signal !== undefined || r.peer !== undefined) {
        const name = r.timeout !== undefined ? 'timeout' : r.signal !== undefined ? 'signal' : 'peer';
        throw new NetlinkArgumentError(name, `is set on the transaction, not on item ${i}`);
      }
    }
    if (flags !== undefined && (flags & C.NLM_F_DUMP) === C.NLM_F_DUMP)
      throw new NetlinkArgumentError('flags', `item ${i}: a dump cannot be part of a transaction`);
    const ack = itemAck ?? this.each;
    return (ack ? ACK : 0) | (itemAck === false ? NO_ACK : 0);
  }

  /** Items [chunkStart, end) make one send. */
  private closeChunk(end: number): void {
    this.buf = this.w.buf;
    const start = this.chunkStart;
    this.chunkEnds.push(end);
    this.chunkStart = end;
    if (!this.each) this.ackLastOf(start, end);
  }

  /**
   * Pipelined: the next send's worth, encoded while the kernel handles the send before it.
   * An item that cannot be encoded now fails by itself (with its error) after the items
   * before it have been sent, and the items after it are not sent (NotSentError).
   */
  private encodeAhead(): void {
    if (!this.encoding) return;
    try {
      this.encode(false);
    } catch (e) {
      // what the failed item wrote is dropped; the items before it still make their send
      const at = this.n;
      this.w.pos = this.offs[at];
      this.badItem = at;
      this.badErr = e;
      this.buf = this.w.buf;
      this.encoding = false;
      // a source that gave too many (at === max): its last send's worth goes unsent as well
      if (at < this.max && at > this.chunkStart) this.closeChunk(at);
    }
  }

  /** 'last': the last item of the send [start, end) that allows it asks for the acknowledgement. */
  private ackLastOf(start: number, end: number): void {
    for (let i = end - 1; i >= start; i--) {
      const s = this.state[i];
      if (s & ACK) return; // asked for one itself (ack: true)
      if (s & NO_ACK) continue;
      this.state[i] = s | ACK;
      const at = this.offs[i] + 6;
      this.buf.writeUInt16LE(this.buf.readUInt16LE(at) | C.NLM_F_ACK, at);
      return;
    }
  }

  get done(): boolean {
    return this.finished;
  }

  /** Items sent and not yet answered. */
  get outstanding(): boolean {
    return this.cursor < this.sentEnd;
  }

  /**
   * Runs the transaction as far as it can without waiting (async), or to its end, blocking
   * up to the timeout between answers (Sync).
   */
  pump(sync: boolean): void {
    if (this.pumping || this.finished) return;
    this.pumping = true;
    // Sync: when progress (an item settled, a send made) was last seen; a datagram that settles
    // nothing (a stranger's on a user protocol, a peer's endless multipart answer) must not
    // restart the wait, or the call would block for as long as one kept coming
    let settled = this.progress, sent = this.chunk, since = performance.now();
    const overdue = (): boolean => {
      if (this.progress === settled && this.chunk === sent) return performance.now() - since >= this.timeout;
      settled = this.progress;
      sent = this.chunk;
      since = performance.now();
      return false;
    };
    try {
      while (!this.finished) {
        if (this.sender !== undefined) this.collect();
        // sends on the threadpool whose result is not in yet (their bytes are in use)
        const running = this.pushed > this.confirmed;
        if (running && this.stop !== undefined) this.cancelQueued();
        if (!this.outstanding) {
          const allSent = this.chunk === this.chunkEnds.length;
          if (allSent && !this.encoding && this.badItem < 0) {
            if (running) return; // done() wakes the driver
            break;
          }
          if (this.host.closed()) this.stopWith(new NotSentError(new Error('the connection closed')));
          if (allSent && !this.encoding) this.stopWith(this.badErr); // pipelined: an item that could not be encoded
          if (this.stop !== undefined) {
            if (this.pushed > this.confirmed) return;
            this.failUnsent();
          } else if (allSent) this.encodeAhead();
          else this.sendChunk(sync);
          continue;
        }
        if (this.host.read(0)) {
          // Sync: a queue that never empties (a stranger's flood) is no progress either
          if (sync && this.timeout > 0 && overdue()) this.expire();
          continue;
        }
        if (running) {
          // the answers of sends still running come later, so nothing is inferred yet;
          // meanwhile the next sends are encoded and queued behind them
          if (this.stop !== undefined) return;
          if (this.chunk < this.chunkEnds.length) this.sendChunk(sync);
          else if (this.encoding) this.encodeAhead();
          else {
            // a job that found no room for the next send's answers ended: they are read now
            if (this.jobs === 0 && this.sender!.kick()) this.jobs++;
            return; // done() wakes the driver
          }
          continue;
        }
        if (this.failLost() || this.inferQuiet()) continue;
        if (!sync) return; // the poller delivers the rest; settle() wakes the driver
        if (this.timeout <= 0) this.host.read(-1);
        else if (overdue()) this.expire();
        else this.host.read(Math.ceil(since + this.timeout - performance.now()));
      }
      this.finish();
    } finally {
      this.pumping = false;
    }
  }

  private sendChunk(sync: boolean): void {
    const start = this.sentEnd, end = this.chunkEnds[this.chunk++];
    if (!this.registered) {
      this.registered = true;
      this.host.table.addRange(this);
    }
    this.sentEnd = end;
    const off = this.offs[start];
    // pipelined while more is to come, or behind the sends still queued (order); else from
    // here, without a trip to the threadpool
    if (this.behind && (this.encoding || this.chunk < this.chunkEnds.length || this.pushed > this.confirmed)) {
      try {
        if (this.sender === undefined) {
          this.results = new Int32Array(this.chunkEnds.length + (this.max - this.n) + 1);
          this.senderBase = this.chunk - 1;
          this.sender = this.host.openSender!(this.peer, this.results, () => {
            this.jobs--;
            if (!this.pumping) this.onIdle?.();
          });
        }
        if (this.held[this.held.length - 1] !== this.buf) this.held.push(this.buf);
        if (this.sender.push(this.buf, off, this.offs[end] - off, (end - start) * ANSWER_COST)) this.jobs++;
        this.pushed++;
      } catch (e) {
        // not queued: neither it nor anything after it is sent
        this.chunk--;
        this.sentEnd = start;
        this.stopWith(e);
        return;
      }
      // the pool behind (a send queued behind another: V8's compiler and collector may hold
      // the other CPU, or a pool thread waits to be scheduled): this thread makes the next
      // one itself, so the kernel's work keeps pace with the encoding instead of piling up
      this.collect();
      if (this.stop === undefined && this.pushed - this.confirmed >= 2 && this.sender.steal() === 3) this.jobs++;
      return;
    }
    try {
      this.host.sendAndRead(this.buf, off, this.offs[end] - off, this.peer, sync ? (this.timeout > 0 ? this.timeout : -1) : 0);
    } catch (e) {
      for (let i = start; i < end; i++) this.settle(i, e);
    }
  }

  /**
   * Pipelined: takes in the sends the pool has finished, in order. A failed one fails its
   * items, once the answers queued before (to the sends before it) are read.
   */
  private collect(): void {
    const results = this.results!;
    while (this.confirmed < this.pushed) {
      const r = Atomics.load(results, this.confirmed);
      if (r === 0) return;
      const chunk = this.senderBase + this.confirmed++;
      if (r > 0) continue;
      while (!this.host.closed() && this.host.read(0));
      const err = sendError(-r);
      for (let i = chunk ? this.chunkEnds[chunk - 1] : 0; i < this.chunkEnds[chunk]; i++) this.settle(i, err);
    }
  }

  /** Pipelined and stopping: the pushed sends not started yet are not sent. */
  private cancelQueued(): void {
    if (this.finished) return; // released
    const dropped = this.sender?.cancel() ?? 0;
    if (!dropped) return;
    this.pushed -= dropped;
    this.chunk -= dropped;
    this.sentEnd = this.chunk ? this.chunkEnds[this.chunk - 1] : 0;
  }

  /**
   * On a kernel protocol the answers to a send are queued before send() returns: with
   * nothing more queued and every acknowledged item answered, the items that asked for
   * no answer succeeded.
   */
  private inferQuiet(): boolean {
    for (let i = this.cursor; i < this.sentEnd; i++) if ((this.state[i] & (SETTLED | ACK)) === ACK) return false;
    // a user-space peer answers when it gets to it: only an answer (or the timeout) tells
    if (!this.host.kernelPeer) return false;
    for (let i = this.cursor; i < this.sentEnd; i++) this.settle(i);
    return true;
  }

  /** Item index of an answer: sent, unsettled and from the peer; else -1. */
  private indexOf(seq: number, sender: number): number {
    const i = (seq - this.firstSeq) >>> 0;
    return i < this.sentEnd && i >= this.cursor && sender === this.peer && !(this.state[i] & SETTLED) ? i : -1;
  }

  /** A message for one of the items (SeqRange): the item's answer, or a part of it. */
  receive(m: RawMessage): boolean {
    const i = this.indexOf(m.seq, m.sender);
    if (i < 0) return false;
    switch (m.type) {
      case C.NLMSG_NOOP:
      case C.NLMSG_OVERRUN:
        return true;
      case C.NLMSG_ERROR: {
        if (isAck(m)) {
          this.settle(i);
          return true;
        }
        const { errno, ext } = parseErrorMessage(m.buf, m.start, m.end, m.flags);
        this.settle(i, errno === 0 ? undefined : makeNetlinkError(errno, ext, this.info(i), this.layouts?.[i]));
        return true;
      }
      case C.NLMSG_DONE: {
        if (!(this.state[i] & MULTI)) break; // a DONE-typed reply of some protocol: treat as data
        const { errno, ext } = parseDoneMessage(m.buf, m.start, m.end, m.flags);
        if (errno < 0) this.settle(i, makeNetlinkError(errno, ext, this.info(i), this.layouts?.[i]));
        else if (!(this.state[i] & ACK)) this.settle(i); // else the ack follows
        return true;
      }
    }
    let v: unknown;
    try {
      const decode = this.decoders?.[i];
      v = decode ? decode(m) : copyMessage(m);
    } catch (e) {
      this.settle(i, e);
      return true;
    }
    // the decoder may have made other calls meanwhile: the item is still ours, not settled
    if (++this.replyCount > this.maxReplies) {
      this.settle(i, new TooManyRepliesError(this.maxReplies));
      return true;
    }
    const replies = (this.replies ??= new Array(this.n));
    (replies[i] ??= []).push(v);
    if (m.flags & C.NLM_F_MULTI) this.state[i] |= MULTI;
    else if (!(this.state[i] & ACK)) this.settle(i);
    return true;
  }

  /** An answer for an item that cannot be read (SeqRange): the item fails with `err`. */
  fail(seq: number, sender: number, err: unknown): boolean {
    const i = this.indexOf(seq, sender);
    if (i < 0) return false;
    this.settle(i, err);
    return true;
  }

  /** The request of item i, for its error: a view of the transaction's buffer, which is never reused. */
  private info(i: number): FailedRequest {
    const off = this.offs[i];
    return { type: this.buf.readUInt16LE(off + 4), flags: this.buf.readUInt16LE(off + 6), seq: (this.firstSeq + i) >>> 0,
      bytes: this.buf.subarray(off, this.offs[i + 1]) };
  }

  /**
   * A receive-queue overflow (SeqRange): the answers of the items in flight may be gone.
   * The kernel reports it before the answers still queued, so those items are only marked
   * here; once the queue is drained, the ones still unanswered fail (failLost).
   */
  overrun(err: unknown): void {
    let any = false;
    for (let i = this.cursor; i < this.sentEnd; i++) {
      if (this.state[i] & SETTLED) continue;
      this.state[i] |= LOST;
      any = true;
    }
    if (!any) return;
    this.lostErr = err;
    // the async driver drains the queue and fails what stayed unanswered
    if (!this.pumping) this.onIdle?.();
  }

  /** The socket failed or closed (SeqRange): the items in flight fail with `err`. */
  failAll(err: unknown): void {
    this.cancelQueued(); // those are not in flight: not sent
    for (let i = this.cursor; i < this.sentEnd; i++) this.settle(i, err);
  }

  /**
   * After a receive-queue overflow, with the queue drained: the items still unanswered lost
   * their answer (they may have taken effect; nobody can tell) and fail with ENOBUFS.
   */
  private failLost(): boolean {
    let any = false;
    for (let i = this.cursor; i < this.sentEnd; i++) {
      if ((this.state[i] & (SETTLED | LOST)) !== LOST) continue;
      this.settle(i, this.lostErr);
      any = true;
    }
    return any;
  }

  /**
   * Item i has its outcome: an error, or success (answered, or inferred from a later answer).
   * Items before `cursor` are settled whether or not their SETTLED bit is set: a bulk load
   * with only the last item of each send acknowledged settles the whole send here in one
   * pass that mostly only reads.
   */
  private settle(i: number, err?: unknown): void {
    const state = this.state;
    if (i < this.cursor || state[i] & SETTLED) return;
    state[i] |= SETTLED;
    this.progress++;
    if (err !== undefined) {
      (this.errors ??= new Array(this.n))[i] = err;
      this.failed++;
      if (this.stopOnError && this.stop === undefined) this.stop = err;
    }
    this.cursor = this.advance(i);
    if (!this.outstanding && !this.pumping) this.onIdle?.();
  }

  /**
   * The cursor after an answer to item i. An answer to i means the peer handled every item
   * before it: those without an answer succeeded; the cursor moves past every settled item,
   * up to one still awaiting its own answer. A function of its own: its loop (a whole
   * send's items, for a send acknowledged by its last) is what V8 compiles on the stack,
   * and compiling settle() around it cost more.
   */
  private advance(i: number): number {
    const state = this.state;
    let cursor = this.cursor, waiting = false;
    for (let j = cursor; j < i; j++) {
      const s = state[j];
      if (!(s & SETTLED)) {
        if (s & ACK) {
          waiting = true;
          continue;
        }
        this.progress++;
        if (waiting) state[j] = s | SETTLED;
      }
      if (!waiting) cursor = j + 1;
    }
    if (!waiting && cursor === i) {
      cursor = i + 1;
      while (cursor < this.sentEnd && state[cursor] & SETTLED) cursor++;
    }
    return cursor;
  }

  /** No progress for a whole timeout: the outstanding items fail, the rest is not sent. */
  expire(): void {
    const err = new NetlinkTimeoutError(this.timeout);
    this.stopWith(err);
    this.failAll(err);
  }

  /** Aborted: outstanding items fail with `err`, unsent ones (at the next pump) with NotSentError. */
  abort(err: unknown): void {
    this.stopWith(err);
    this.failAll(err);
  }

  private stopWith(err: unknown): void {
    if (this.stop === undefined) this.stop = err;
  }

  private failUnsent(): void {
    const err = this.stop instanceof NotSentError ? this.stop : new NotSentError(this.stop);
    const from = this.sentEnd;
    this.countRest();
    this.sentEnd = this.n;
    this.chunk = this.chunkEnds.length;
    for (let i = from; i < this.n; i++) this.settle(i, i === this.badItem ? this.badErr : err);
    this.badItem = -1;
  }

  /** Pipelined and stopped early: the items not taken from the caller yet still count (unsent). */
  private countRest(): void {
    if (!this.encoding && this.badItem < 0) return;
    // a run stopped part-way (or refused, or failing as it was written) counts as all its
    // items, and a later run as its count
    const runEnd = this.runDone < this.runCount ? this.runStart + this.runCount : 0;
    let n = Math.max(this.badItem >= 0 ? Math.min(this.badItem + 1, this.max) : this.n, runEnd);
    this.runDone = this.runCount;
    if (this.array) n = this.max;
    else {
      try {
        for (let it; n < this.max && (it = this.source!.next()) !== undefined;) {
          const c = typeof it === 'object' && it !== null ? it.repeat?.count : undefined;
          n += typeof c === 'number' && c >= 1 ? Math.floor(c) : 1;
        }
      } catch {
        // a source that throws as it is drained: what it gave so far is what was unsent
      }
    }
    this.n = Math.min(n, this.max);
    this.encoding = false;
  }

  /**
   * Ends the transaction where pump() itself threw (a defect, not a kernel answer): the async
   * driver rejects the caller's promise with it instead of the process dying of an exception
   * in a callback. Sends not started are dropped; a running one keeps its bytes (held) until
   * it returns.
   */
  crash(): void {
    if (this.finished) return;
    this.finished = true;
    this.sender?.cancel();
    this.sender?.release();
    if (this.registered) this.host.table.removeRange(this);
  }

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.sender?.release();
    this.held.length = 0;
    this.host.table.removeRange(this);
    this.resolve?.(this.result());
  }

  /** The result, once done (the Sync driver). */
  result(): TransactionResult<T> {
    const failures: Extract<ItemOutcome<T>, { ok: false }>[] = [];
    const errors = this.errors;
    if (errors !== undefined) for (let i = 0; i < this.n; i++) if (errors[i] !== undefined) failures.push({ index: i, ok: false, error: errors[i] as Error });
    const r = { ok: this.failed === 0, items: undefined as unknown as ItemOutcome<T>[], failures };
    // the per-item outcomes are made when first read: a bulk load often only looks at ok
    Object.defineProperty(r, 'items', {
      enumerable: true, configurable: true,
      get: () => {
        const items = this.outcomes(failures);
        Object.defineProperty(r, 'items', { value: items, enumerable: true, configurable: true, writable: true });
        return items;
      },
      set: (v: ItemOutcome<T>[]) => Object.defineProperty(r, 'items', { value: v, enumerable: true, configurable: true, writable: true }),
    });
    return r;
  }

  private outcomes(failures: Extract<ItemOutcome<T>, { ok: false }>[]): ItemOutcome<T>[] {
    const items = new Array<ItemOutcome<T>>(this.n);
    for (const f of failures) items[f.index] = f;
    const replies = this.replies;
    for (let i = 0; i < this.n; i++) {
      if (items[i] === undefined) items[i] = { index: i, ok: true, replies: (replies?.[i] ?? NO_REPLIES) as readonly T[] };
    }
    return items;
  }
}

/**
 * The async driver: pumps now and again whenever a send's answers are all in (answers
 * arrive through the poller), fails the outstanding items after `timeout` ms without
 * progress, and on abort. `poll` re-evaluates whether the socket must be read.
 */
export function driveTransaction<T>(t: Transaction<T>, signal: AbortSignal | undefined, poll: () => void): Promise<TransactionResult<T>> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    t.resolve = resolve;
    let timer: NodeJS.Timeout | undefined, seen = -1;
    const onAbort = () => {
      t.abort(signal!.reason);
      step();
    };
    const check = () => {
      if (t.done) return;
      if (t.progress !== seen) {
        seen = t.progress;
        timer = setTimeout(check, t.timeout);
        return;
      }
      t.expire();
      step();
    };
    const step = () => {
      try {
        t.pump(false);
      } catch (e) {
        // step runs from callbacks (a microtask, a timer, the pool's done()): thrown there, it
        // would end the process
        t.crash();
        if (timer) clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        poll();
        return reject(e);
      }
      if (t.done) {
        if (timer) clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      } else if (t.timeout > 0 && !timer) {
        seen = t.progress;
        timer = setTimeout(check, t.timeout);
      }
      poll();
    };
    t.onIdle = () => queueMicrotask(step);
    signal?.addEventListener('abort', onAbort, { once: true });
    step();
  });
}
