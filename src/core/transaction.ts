// Transactions: many requests in one send(), each with its own sequence number and its own
// answer, driven by either driver.
import type { MessageLayout } from './attrset.js';
import * as C from './constants.js';
import { NetlinkArgumentError, NetlinkTimeoutError, NotSentError } from './errors.js';
import type { CallOptions, Decoder, Message, Payload } from './message.js';
import { checkCallOptions, checkInt, checkPayload } from './options.js';
import { Pending, type PendingTable, type SeqRange } from './pending.js';
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
  /**
   * Most items per send(). Default: as many answers as the receive buffer holds, so
   * that acknowledgements never overflow it (replies are read between sends).
   */
  maxPerSend?: number;
  /**
   * false: everything travels in one send(), or the transaction is refused up front
   * (nftables batches must not be cut). Default true: split by size (the kernel refuses a
   * send larger than SO_SNDBUF - 32 bytes) and by maxPerSend.
   */
  split?: boolean;
  /** After a failed item, send no further send() chunks: their items fail with NotSentError. */
  stopOnError?: boolean;
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
  nextSeq(): number;
  /** Sends bytes, then dispatches what is already queued. Throws when the send fails. */
  sendAndRead(buf: Buffer, off: number, len: number, peer: number, sendTimeoutMs: number): void;
  /** Dispatches what is queued (waitMs 0) or what comes within waitMs (-1: forever); false when nothing came. */
  read(waitMs: number): boolean;
}

/**
 * Receive buffer one acknowledgement or error takes (its skb's truesize): 832 bytes measured
 * on Linux 6.18 (256 acks fill the default 212992-byte buffer), plus room for ext-ack text.
 */
const ANSWER_COST = 1024;

/**
 * Encodes the items up front into one buffer (one sequence number each), cuts it into
 * sends, and collects each item's outcome. The driver (async or Sync) calls pump();
 * answers reach the items through the pending table like any reply.
 */
export class Transaction<T> implements SeqRange {
  readonly items: Pending[] = [];
  private readonly outcomes: ItemOutcome<T>[];
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
  private readonly buf: Buffer;
  private firstSeq = 0;
  private consecutive = true;
  private registered = false;
  private readonly stopOnError: boolean;
  resolve: ((r: TransactionResult<T>) => void) | undefined;
  /** Async: wake the driver when a send's answers are all in. */
  onIdle: (() => void) | undefined;

  constructor(
    private readonly host: TransactionHost,
    list: readonly TransactionItem<T>[],
    opts: TransactionOptions,
    readonly timeout: number,
    limits: { sndbuf: number; rcvbuf: number },
  ) {
    if (!Array.isArray(list)) throw new NetlinkArgumentError('items', 'must be an array of requests', 'ERR_INVALID_ARG_TYPE');
    const each = (opts.ack ?? 'each') === 'each';
    if (opts.ack !== undefined && opts.ack !== 'each' && opts.ack !== 'last')
      throw new NetlinkArgumentError('ack', `must be 'each' or 'last', got ${String(opts.ack)}`);
    const peer = opts.peer ?? 0;
    this.stopOnError = opts.stopOnError === true;
    const w = new Writer(Math.max(4096, list.length * 64));
    const onSettle = (q: Pending) => this.settled(q);
    // the async driver drains the queue and fails what stayed unanswered
    const onLost = () => {
      if (!this.pumping) this.onIdle?.();
    };
    for (let i = 0; i < list.length; i++) {
      const it = list[i];
      checkCallOptions(it);
      checkInt(it.type, 'type', 0, 0xffff);
      checkPayload(it.payload);
      if ((it as { dump?: unknown }).dump || ((it.flags ?? 0) & C.NLM_F_DUMP) === C.NLM_F_DUMP)
        throw new NetlinkArgumentError('flags', `item ${i}: a dump cannot be part of a transaction`);
      // the transaction's own options on an item are refused rather than ignored
      const whole = it as CallOptions;
      if (whole.timeout !== undefined || whole.signal !== undefined || whole.peer !== undefined) {
        const name = whole.timeout !== undefined ? 'timeout' : whole.signal !== undefined ? 'signal' : 'peer';
        throw new NetlinkArgumentError(name, `is set on the transaction, not on item ${i}`);
      }
      const ack = it.ack ?? each;
      const flags = C.NLM_F_REQUEST | (it.flags ?? 0) | (ack ? C.NLM_F_ACK : 0);
      const p = new Pending(it.type, flags, false, ack, it.decode as Decoder<unknown> | undefined, it.layout, peer, 0, undefined, 'retry', 0);
      p.index = i;
      p.fragile = true;
      p.seq = host.nextSeq();
      p.off = w.beginMessage(it.type, flags);
      if (typeof it.payload === 'function') it.payload(w);
      else if (it.payload) w.bytes(it.payload);
      w.endMessage(p.off);
      w.buf.writeUInt32LE(p.seq, p.off + 8);
      p.len = w.pos - p.off;
      p.owned = true;
      p.onSettle = onSettle;
      p.onLost = onLost;
      this.items.push(p);
    }
    this.buf = w.buf;
    for (const p of this.items) p.buf = this.buf;
    this.firstSeq = this.items.length ? this.items[0].seq : 0;
    // consecutive numbers (no wrap past 0 in between) let the table find items by arithmetic
    this.consecutive = this.items.length === 0 || ((this.items[this.items.length - 1].seq - this.firstSeq) >>> 0) === this.items.length - 1;
    this.outcomes = new Array(this.items.length);

    // the kernel refuses a send larger than sk_sndbuf - 32 (EMSGSIZE)
    const maxBytes = Math.max(C.NLMSG_HDRLEN, limits.sndbuf - 32);
    const maxItems = opts.maxPerSend !== undefined ? checkInt(opts.maxPerSend, 'maxPerSend', 1, 1 << 20)
      : Math.max(8, Math.floor(limits.rcvbuf / ANSWER_COST));
    if (opts.split === false) {
      if (w.pos > maxBytes)
        throw new NetlinkArgumentError('items', `take ${w.pos} bytes, more than one send() carries here (${maxBytes}: SO_SNDBUF - 32); raise sndbuf or allow split`, 'ERR_OUT_OF_RANGE');
      if (this.items.length) this.chunkEnds.push(this.items.length);
    } else {
      let start = 0;
      for (let i = 0; i < this.items.length; i++) {
        const p = this.items[i];
        const bytes = p.off + p.len - this.items[start].off;
        if (i > start && (i - start >= maxItems || bytes > maxBytes)) {
          this.chunkEnds.push(i);
          start = i;
        }
      }
      if (this.items.length) this.chunkEnds.push(this.items.length);
    }
    if (!each) {
      let start = 0;
      for (const end of this.chunkEnds) {
        this.ackLastOf(start, end, list);
        start = end;
      }
    }
  }

  /** 'last': the last item of the send [start, end) that allows it asks for the acknowledgement. */
  private ackLastOf(start: number, end: number, list: readonly TransactionItem<T>[]): void {
    for (let i = end - 1; i >= start; i--) {
      if (this.items[i].expectAck) return; // asked for one itself (ack: true)
      if (list[i].ack === false) continue;
      const p = this.items[i];
      p.expectAck = true;
      p.flags |= C.NLM_F_ACK;
      this.buf.writeUInt16LE(p.flags, p.off + 6);
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
    try {
      while (!this.finished) {
        if (!this.outstanding) {
          if (this.chunk === this.chunkEnds.length) break;
          if (this.host.closed()) this.stopWith(new NotSentError(new Error('the connection closed')));
          if (this.stop !== undefined) this.failUnsent();
          else this.sendChunk(sync);
          continue;
        }
        if (this.host.read(0)) continue;
        if (this.failLost() || this.inferQuiet()) continue;
        if (!sync) return; // the poller delivers the rest; settled() wakes the driver
        const seen = this.progress;
        if (!this.host.read(this.timeout > 0 ? this.timeout : -1) && this.progress === seen) this.expire();
      }
      this.finish();
    } finally {
      this.pumping = false;
    }
  }

  private sendChunk(sync: boolean): void {
    const start = this.sentEnd, end = this.chunkEnds[this.chunk++];
    const first = this.items[start], last = this.items[end - 1];
    if (!this.consecutive) for (let i = start; i < end; i++) this.host.table.add(this.items[i]);
    else if (!this.registered) {
      this.registered = true;
      this.host.table.addRange(this);
    }
    this.sentEnd = end;
    try {
      this.host.sendAndRead(this.buf, first.off, last.off + last.len - first.off, first.peer, sync ? (this.timeout > 0 ? this.timeout : -1) : 0);
    } catch (e) {
      for (let i = start; i < end; i++) this.host.table.finish(this.items[i], e);
    }
  }

  /**
   * On a kernel protocol the answers to a send are queued before send() returns: with
   * nothing more queued and every acknowledged item answered, the items that asked for
   * no answer succeeded.
   */
  private inferQuiet(): boolean {
    for (let i = this.cursor; i < this.sentEnd; i++) if (!this.items[i].settled && this.items[i].expectAck) return false;
    // a user-space peer answers when it gets to it: only an answer (or the timeout) tells
    if (!this.host.kernelPeer) return false;
    for (let i = this.cursor; i < this.sentEnd; i++) if (!this.items[i].settled) this.host.table.finish(this.items[i]);
    return true;
  }

  lookup(seq: number): Pending | undefined {
    const i = (seq - this.firstSeq) >>> 0;
    if (i >= this.sentEnd) return undefined;
    const p = this.items[i];
    return p.live ? p : undefined;
  }

  *waiting(): IterableIterator<Pending> {
    for (let i = this.cursor; i < this.sentEnd; i++) if (this.items[i].live) yield this.items[i];
  }

  /**
   * After a receive-queue overflow, with the queue drained: the items still unanswered lost
   * their answer (they may have taken effect; nobody can tell) and fail with ENOBUFS.
   */
  private failLost(): boolean {
    let any = false;
    for (let i = this.cursor; i < this.sentEnd; i++) {
      const p = this.items[i];
      if (!p.settled && p.lost !== undefined) {
        this.host.table.finish(p, p.lost);
        any = true;
      }
    }
    return any;
  }

  /** Called as each item settles (answered, failed, or inferred). */
  private settled(p: Pending): void {
    this.progress++;
    if (p.error !== undefined) {
      this.failed++;
      this.outcomes[p.index] = { index: p.index, ok: false, error: p.error as Error };
      if (this.stopOnError && this.stop === undefined) this.stop = p.error;
    } else this.outcomes[p.index] = { index: p.index, ok: true, replies: p.results as readonly unknown[] as readonly T[] };
    // an answer to p means the peer handled every item before it: those without an answer succeeded
    for (let i = this.cursor; i < p.index; i++) {
      const q = this.items[i];
      if (!q.settled && !q.expectAck) this.host.table.finish(q);
    }
    while (this.cursor < this.sentEnd && this.items[this.cursor].settled) this.cursor++;
    if (!this.outstanding && !this.pumping) this.onIdle?.();
  }

  /** No progress for a whole timeout: the outstanding items fail, the rest is not sent. */
  expire(): void {
    const err = new NetlinkTimeoutError(this.timeout);
    this.stopWith(err);
    for (let i = this.cursor; i < this.sentEnd; i++) this.host.table.finish(this.items[i], err);
  }

  /** Aborted: outstanding items fail with `err`, unsent ones (at the next pump) with NotSentError. */
  abort(err: unknown): void {
    this.stopWith(err);
    for (let i = this.cursor; i < this.sentEnd; i++) this.host.table.finish(this.items[i], err);
  }

  private stopWith(err: unknown): void {
    if (this.stop === undefined) this.stop = err;
  }

  private failUnsent(): void {
    const err = this.stop instanceof NotSentError ? this.stop : new NotSentError(this.stop);
    for (let i = this.sentEnd; i < this.items.length; i++) {
      const p = this.items[i];
      p.live = false;
      p.settled = true;
      p.error = err;
      this.settled(p);
    }
    this.sentEnd = this.items.length;
    this.cursor = this.items.length;
    this.chunk = this.chunkEnds.length;
  }

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.host.table.removeRange(this);
    this.resolve?.(this.result());
  }

  /** The result, once done (the Sync driver). */
  result(): TransactionResult<T> {
    const failures = this.outcomes.filter((o): o is Extract<ItemOutcome<T>, { ok: false }> => !o.ok);
    return { ok: this.failed === 0, items: this.outcomes, failures };
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
      t.pump(false);
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
