// The requests in flight on one connection, by sequence number: what each expects, how
// its replies are turned into results, and the one way a request ends (finish).
import type { MessageLayout } from './attrset.js';
import * as C from './constants.js';
import type { DumpStream } from './dump.js';
import { DumpInterruptedError, TooManyRepliesError, type FailedRequest } from './errors.js';
import { makeNetlinkError, parseDoneMessage, parseErrorMessage } from './extack.js';
import { copyMessage, type Decoder, type IntrPolicy, isAck, type RawMessage } from './message.js';

type Results = unknown[] & { interrupted?: boolean };

/** No replies yet: shared and frozen, so that a request answered by a bare ack allocates no array until asked. */
export const NO_REPLIES: readonly unknown[] = Object.freeze([]);

/** What the engine tracks for one request, dump or transaction item in flight. */
export class Pending {
  seq = 0;
  /** Decoded replies; NO_REPLIES until the first (see replies()). */
  results = NO_REPLIES as Results;
  /** The request as sent: buf[off, off + len). Until `owned`, buf is a shared scratch writer's. */
  buf!: Buffer;
  off = 0;
  len = 0;
  owned = false;
  /** Still expecting messages from the peer (a failed dump drains until its end). */
  live = true;
  /** The caller has its answer; later messages for this seq are dropped. */
  settled = false;
  multi = false;
  interrupted = false;
  attempts = 1;
  /** Messages received: a dump times out only after a whole period without progress. */
  progress = 0;
  seenProgress = 0;
  resolve: ((v: unknown) => void) | undefined;
  reject: ((e: unknown) => void) | undefined;
  error: unknown;
  timer: NodeJS.Timeout | undefined;
  onAbort: (() => void) | undefined;
  stream: DumpStream<unknown> | undefined;
  /** How long sending may wait for a full user-space peer (ms; 0 never, -1 forever): Sync calls wait up to their timeout. */
  sendWait = 0;
  /** Replies it may collect (CallOptions.maxReplies). */
  maxReplies = Infinity;

  constructor(
    readonly type: number,
    public flags: number,
    readonly dump: boolean,
    public expectAck: boolean,
    readonly decode: Decoder<unknown> | undefined,
    readonly layout: MessageLayout | undefined,
    readonly peer: number,
    /** ms, 0: none. */
    readonly timeout: number,
    readonly signal: AbortSignal | undefined,
    readonly intr: IntrPolicy,
    readonly retries: number,
  ) {}

  /** The replies as a fresh array the caller may keep and change. */
  replies(): Results {
    return this.results === NO_REPLIES ? [] : this.results;
  }

  /** The request for an error: its bytes copied unless they are this request's own (the scratch writer is reused). */
  info(): FailedRequest {
    const bytes = this.buf.subarray(this.off, this.off + this.len);
    return { type: this.type, flags: this.flags, seq: this.seq, bytes: this.owned ? bytes : Buffer.from(bytes) };
  }

  /** Takes a private copy of the request, for a request that outlives the scratch writer. */
  own(): void {
    if (this.owned) return;
    this.buf = Buffer.from(this.buf.subarray(this.off, this.off + this.len));
    this.off = 0;
    this.owned = true;
  }
}

/** No transaction in flight: shared, never written (addRange makes a table its own list). */
const NO_RANGES: SeqRange[] = [];

/** What the table needs from its connection. */
export interface PendingHost {
  /** Sends a dump's request now (the table decided it may run); throws when it cannot. */
  sendDump(p: Pending): void;
  /** Less (or more) to wait for: re-evaluate polling. */
  waitChanged(): void;
  /**
   * Whether the peer is the kernel, which ends every dump it starts: a dump that failed on
   * this side drains until its end. A user-space peer may never end one, so it is let go.
   */
  readonly kernelPeer: boolean;
}

/**
 * Requests with consecutive sequence numbers registered as one (a transaction's items):
 * the range keeps their state and takes their answers itself.
 */
export interface SeqRange {
  /** A message from `m.sender` with m.seq: false when it answers none of the range's requests in flight. */
  receive(m: RawMessage): boolean;
  /** An answer to seq from sender that cannot be read: its request fails with err. False when not the range's. */
  fail(seq: number, sender: number, err: unknown): boolean;
  /** A receive-queue overflow: answers to requests in flight may be gone. */
  overrun(err: unknown): void;
  /** The socket failed or closed: everything in flight fails with err. */
  failAll(err: unknown): void;
}

/**
 * Requests by sequence number, plus the dump queue: the kernel runs one dump per socket
 * at a time, so dumps wait here for their turn instead of failing with EBUSY.
 */
export class PendingTable {
  /** Made when a second request is in flight: a connection opened for one request never needs it. */
  private bySeq: Map<number, Pending> | undefined;
  /**
   * The usual case, one request in flight, without the map: a request added while no other
   * is tracked sits here; the map takes over when a second one comes.
   */
  private sole: Pending | undefined;
  /** Transactions register their items as a range instead of one map entry each. */
  private ranges: SeqRange[] = NO_RANGES;
  private active: Pending | undefined;
  private readonly queue: Pending[] = [];
  private sending = false;
  // random start: replies to an earlier process that used the same port id never match
  private seq = (Math.random() * 0x7fffffff) >>> 0;

  constructor(private readonly host: PendingHost) {}

  /** The next sequence number; 0 is skipped, it marks notifications. */
  nextSeq(): number {
    this.seq = (this.seq + 1) >>> 0;
    if (this.seq === 0) this.seq = 1;
    return this.seq;
  }

  /** n consecutive sequence numbers (none of them 0), for a transaction; returns the first. */
  reserveSeqs(n: number): number {
    let first = (this.seq + 1) >>> 0;
    if (first === 0 || first + n - 1 > 0xffffffff) first = 1;
    if (n > 0) this.seq = (first + n - 1) >>> 0;
    return first;
  }

  /** Whether anything is in flight or queued. */
  get busy(): boolean {
    return this.sole !== undefined || (this.bySeq !== undefined && this.bySeq.size > 0) || this.queue.length > 0 || this.ranges.length > 0;
  }

  get activeDump(): Pending | undefined {
    return this.active;
  }

  /** The request (not a transaction item) with this sequence number. */
  get(seq: number): Pending | undefined {
    const sole = this.sole;
    if (sole !== undefined && sole.seq === seq) return sole;
    return this.bySeq !== undefined && this.bySeq.size > 0 ? this.bySeq.get(seq) : undefined;
  }

  /** Hands a reply to its request or transaction; false when it answers nothing in flight here. */
  route(m: RawMessage): boolean {
    const p = this.get(m.seq);
    if (p !== undefined && m.sender === p.peer) {
      this.reply(p, m);
      return true;
    }
    return this.routeToRange(m);
  }

  /** Hands a message to the transaction whose item has its seq; false when none takes it. */
  routeToRange(m: RawMessage): boolean {
    for (let i = 0; i < this.ranges.length; i++) if (this.ranges[i].receive(m)) return true;
    return false;
  }

  /**
   * An answer to seq from sender that cannot be read (malformed, too large, lost with a
   * detached buffer): its request fails with err. A dump fails but keeps draining when
   * `drain` (the kernel ends what it started). False when it answers nothing here.
   */
  failAnswer(seq: number, sender: number, err: unknown, drain: boolean): boolean {
    const p = this.get(seq);
    if (p !== undefined && sender === p.peer) {
      this.finish(p, err, !(p.dump && drain));
      return true;
    }
    for (let i = 0; i < this.ranges.length; i++) if (this.ranges[i].fail(seq, sender, err)) return true;
    return false;
  }

  add(p: Pending): void {
    if (this.sole === undefined && (this.bySeq === undefined || this.bySeq.size === 0)) {
      this.sole = p;
      return;
    }
    const bySeq = (this.bySeq ??= new Map());
    if (this.sole !== undefined) {
      bySeq.set(this.sole.seq, this.sole);
      this.sole = undefined;
    }
    bySeq.set(p.seq, p);
  }

  addRange(r: SeqRange): void {
    if (this.ranges === NO_RANGES) this.ranges = [];
    this.ranges.push(r);
  }

  removeRange(r: SeqRange): void {
    const i = this.ranges.indexOf(r);
    if (i < 0) return;
    this.ranges.splice(i, 1);
    this.host.waitChanged();
  }

  private waiting(): Pending[] {
    const out = this.sole !== undefined ? [this.sole] : [];
    if (this.bySeq !== undefined) for (const p of this.bySeq.values()) out.push(p);
    return out;
  }

  /**
   * The one way a request ends: the caller gets its answer (or `err`) once, and the
   * request stops being tracked, except a running dump the peer has not ended yet
   * (`peerDone` false): it keeps draining, so that the next dump does not meet EBUSY.
   */
  finish(p: Pending, err?: unknown, peerDone = true): void {
    if (p.dump && !p.settled) {
      const queued = this.queue.indexOf(p);
      if (queued >= 0) this.queue.splice(queued, 1);
    }
    if (peerDone || !(p.dump && this.active === p)) this.retire(p);
    this.settle(p, err);
  }

  /** No more messages are expected for p. */
  private retire(p: Pending): void {
    if (!p.live) return;
    p.live = false;
    if (this.sole === p) this.sole = undefined;
    else if (this.bySeq?.get(p.seq) === p) this.bySeq.delete(p.seq);
    if (this.active === p) {
      this.active = undefined;
      this.sendNextDump();
    }
    this.host.waitChanged();
  }

  private settle(p: Pending, err?: unknown): void {
    if (p.settled) return;
    p.settled = true;
    if (p.timer) clearTimeout(p.timer);
    if (p.onAbort) p.signal!.removeEventListener('abort', p.onAbort);
    if (err !== undefined) p.error = err;
    if (p.stream) p.stream.end(err);
    else if (err !== undefined) p.reject?.(err);
    else p.resolve?.(p.replies());
  }

  // ---------------------------------------------------------------- dumps

  enqueueDump(p: Pending): void {
    this.queue.push(p);
    if (!this.active) this.sendNextDump();
  }

  /** Sends the next queued dump if none is running; never reads (no recursion through dispatch). */
  private sendNextDump(): void {
    if (this.sending) return;
    this.sending = true;
    try {
      while (!this.active && this.queue.length) {
        const p = this.queue.shift()!;
        if (p.settled) continue;
        if (p.attempts > 1) p.seq = this.nextSeq();
        p.buf.writeUInt32LE(p.seq, p.off + 8);
        this.active = p;
        p.live = true;
        this.add(p);
        try {
          this.host.sendDump(p);
        } catch (e) {
          this.finish(p, e);
        }
      }
    } finally {
      this.sending = false;
    }
  }

  // ---------------------------------------------------------------- replies

  /** A message from p's peer with p's sequence number. */
  reply(p: Pending, m: RawMessage): void {
    p.progress++;
    switch (m.type) {
      case C.NLMSG_NOOP:
      case C.NLMSG_OVERRUN:
        return;
      case C.NLMSG_ERROR: {
        if (isAck(m)) return this.complete(p);
        const { errno, ext } = parseErrorMessage(m.buf, m.start, m.end, m.flags);
        if (errno === 0) return this.complete(p);
        return this.finish(p, makeNetlinkError(errno, ext, p.info(), p.layout));
      }
      case C.NLMSG_DONE: {
        if (!p.dump && !p.multi) break; // a DONE-typed reply of some protocol: treat as data
        const { errno, ext } = parseDoneMessage(m.buf, m.start, m.end, m.flags);
        if (errno < 0) return this.finish(p, makeNetlinkError(errno, ext, p.info(), p.layout));
        if (p.expectAck && !p.dump) return; // the ack follows
        return this.complete(p);
      }
    }
    if (p.settled) return; // draining an abandoned dump
    if (m.flags & C.NLM_F_DUMP_INTR) p.interrupted = true;
    let v: unknown;
    try {
      v = p.decode ? p.decode(m) : copyMessage(m);
    } catch (e) {
      return this.finish(p, e, !(p.dump && this.host.kernelPeer));
    }
    if (p.stream) p.stream.push(v);
    else if (p.results === NO_REPLIES) p.results = [v];
    else if (p.results.length >= p.maxReplies) return this.finish(p, new TooManyRepliesError(p.maxReplies), !(p.dump && this.host.kernelPeer));
    else p.results.push(v);
    if (m.flags & C.NLM_F_MULTI) p.multi = true;
    else if (!p.dump && !p.expectAck) this.complete(p);
  }

  /** Successful end of a request or dump, applying the dump's NLM_F_DUMP_INTR policy (see IntrPolicy). */
  private complete(p: Pending): void {
    if (p.settled) return this.retire(p);
    if (p.dump && p.interrupted) {
      if (p.intr === 'retry' && p.attempts <= p.retries && !p.stream) {
        p.attempts++;
        p.interrupted = false;
        p.results = NO_REPLIES as Results;
        // this run ended: free the dump slot with p first in line, so it runs again next
        this.queue.unshift(p);
        return this.retire(p);
      }
      if (p.intr !== 'partial') return this.finish(p, new DumpInterruptedError(p.attempts, p.stream ? [] : p.replies()));
      p.results = p.replies();
      p.results.interrupted = true;
      p.stream?.markInterrupted();
    }
    this.finish(p);
  }

  // ---------------------------------------------------------------- failures

  /**
   * A receive-queue overflow: answers to requests in flight may be gone. A single request
   * or dump waits for its timeout like any lost answer; transactions, whose many items are
   * answered in bulk, are told so that they fail the items left unanswered.
   */
  overrun(err: unknown): void {
    for (const r of [...this.ranges]) r.overrun(err);
  }

  /** Fails everything in flight or queued (the socket failed or closed). */
  failAll(err: unknown): void {
    for (const p of [...this.waiting(), ...this.queue]) this.finish(p, err);
    this.queue.length = 0;
    for (const r of [...this.ranges]) r.failAll(err);
  }
}
