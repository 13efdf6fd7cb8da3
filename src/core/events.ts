import { EventEmitter } from 'node:events';
import { NetlinkStateError, NetlinkTimeoutError } from './errors.js';
import { copyMessage, type Decoder, type Message, type RawMessage } from './message.js';
import { checkObject, checkTimeout } from './options.js';

export interface EventStreamOptions<T> {
  /** Multicast groups to join for this stream; messages from other groups are skipped. */
  groups?: readonly number[];
  decode?: Decoder<T>;
  /** Whether this stream keeps the process alive. Default true. */
  ref?: boolean;
  /** Events buffered for an iterating consumer before reading pauses. Default 8192. */
  highWaterMark?: number;
}

export type NetlinkEvent<T> =
  | { kind: 'message'; message: T; group: number; nsid: number }
  /** The kernel dropped messages (ENOBUFS): what was lost is unknown, so resync with a dump. */
  | { kind: 'overrun' }
  /** A message that could not be parsed or decoded; the stream goes on. */
  | { kind: 'error'; error: unknown };

export interface SyncReadOptions {
  /**
   * Milliseconds to wait for an event before a NetlinkTimeoutError; 0 or Infinity (the
   * default): wait as long as it takes.
   */
  timeout?: number;
}

/** A Sync read's options checked: its timeout in ms, 0 for none. */
export function syncTimeout(opts: SyncReadOptions): number {
  checkObject(opts);
  return opts.timeout === undefined ? 0 : checkTimeout(opts.timeout);
}

/**
 * Reads the socket on this thread: dispatches what arrives within waitMs (-1: however long
 * it takes) to its streams.
 */
export type ReadSync = (waitMs: number) => void;

/**
 * Notifications from one socket. Either iterate it (`for await (const ev of stream)`),
 * with back-pressure, or listen: 'message' (message, event), 'overrun', 'error', 'close';
 * a script may instead block this thread for each event (`for (const ev of stream.sync())`,
 * `nextSync()`), as a blocking recv() would.
 */
export class EventStream<T = Message> extends EventEmitter implements AsyncIterable<NetlinkEvent<T>> {
  ref: boolean;
  private readonly groups: ReadonlySet<number> | undefined;
  private readonly decode: Decoder<T>;
  private readonly highWaterMark: number;
  private queue: NetlinkEvent<T>[] = [];
  private head = 0;
  private paused = false;
  private closed = false;
  private failure: unknown;
  private waiter: { resolve: (r: IteratorResult<NetlinkEvent<T>>) => void; reject: (e: unknown) => void } | undefined;

  constructor(
    opts: EventStreamOptions<T>,
    private readonly pauseReading: () => void,
    private readonly resumeReading: () => void,
    private readonly detach: () => void,
    private readonly readSync: ReadSync,
  ) {
    super();
    this.ref = opts.ref ?? true;
    this.groups = opts.groups?.length ? new Set(opts.groups) : undefined;
    this.decode = opts.decode ?? (copyMessage as unknown as Decoder<T>);
    this.highWaterMark = opts.highWaterMark ?? 8192;
  }

  /** Whether messages to this group (0: unicast) are for this stream. */
  accepts(group: number): boolean {
    return !this.closed && (this.groups === undefined || group === 0 || this.groups.has(group));
  }

  /** Called by the connection for each notification. */
  deliver(m: RawMessage): void {
    if (!this.accepts(m.group)) return;
    let message: T;
    try {
      message = this.decode(m);
    } catch (error) {
      return this.enqueue({ kind: 'error', error });
    }
    const ev: NetlinkEvent<T> = { kind: 'message', message, group: m.group, nsid: m.nsid };
    // the common case straight to its listener: enqueue's checks are for the other kinds
    if (this.listenerCount('message') > 0) this.emit('message', message, ev);
    else this.enqueue(ev);
  }

  /** A datagram addressed to this stream's group that could not be parsed: one error item; the stream goes on. */
  deliverError(error: unknown, group: number): void {
    if (this.accepts(group)) this.enqueue({ kind: 'error', error });
  }

  overrun(): void {
    if (!this.closed) this.enqueue({ kind: 'overrun' });
  }

  /** Ends the stream with an error (the socket failed). */
  fail(err: unknown): void {
    if (this.closed) return;
    this.failure = err;
    if (this.listenerCount('error') > 0) this.emit('error', err);
    this.close();
  }

  private enqueue(ev: NetlinkEvent<T>): void {
    if (ev.kind === 'overrun') this.emit('overrun');
    if (this.listenerCount('message') > 0) {
      if (ev.kind === 'message') this.emit('message', ev.message, ev);
      else if (ev.kind === 'error' && this.listenerCount('error') > 0) this.emit('error', ev.error);
      return;
    }
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = undefined;
      return w.resolve({ value: ev, done: false });
    }
    this.queue.push(ev);
    if (!this.paused && this.queue.length - this.head >= this.highWaterMark) {
      this.paused = true;
      this.pauseReading();
    }
  }

  /** The next queued event, resuming reading once the queue is down to half its mark. */
  private take(): NetlinkEvent<T> | undefined {
    if (this.head >= this.queue.length) return undefined;
    const value = this.queue[this.head++];
    if (this.head === this.queue.length) {
      this.queue = [];
      this.head = 0;
    }
    if (this.paused && this.queue.length - this.head <= this.highWaterMark >> 1) {
      this.paused = false;
      this.resumeReading();
    }
    return value;
  }

  /** The end of a closed stream: done, or the socket's failure once. */
  private end(): IteratorResult<NetlinkEvent<T>> {
    const f = this.failure;
    this.failure = undefined;
    if (f !== undefined) throw f;
    return { value: undefined, done: true };
  }

  next(): Promise<IteratorResult<NetlinkEvent<T>>> {
    const value = this.take();
    if (value !== undefined) return Promise.resolve({ value, done: false });
    if (this.closed) {
      try {
        return Promise.resolve(this.end());
      } catch (f) {
        return Promise.reject(f);
      }
    }
    return new Promise((resolve, reject) => (this.waiter = { resolve, reject }));
  }

  /**
   * The next event, blocking this thread until one comes (the event loop does not run
   * meanwhile: for scripts and worker threads); `done` once the stream is closed, the
   * socket's failure thrown. Other streams and requests on the connection get what arrives
   * for them meanwhile. A stream read this way has no 'message' listener and no pending
   * `for await`: those would take the events it waits for.
   */
  nextSync(opts: SyncReadOptions = {}): IteratorResult<NetlinkEvent<T>> {
    return this.nextWithin(syncTimeout(opts));
  }

  /** nextSync with its timeout checked already (0: none): a sync() loop checks its options once. */
  nextWithin(timeout: number): IteratorResult<NetlinkEvent<T>> {
    if (this.listenerCount('message') > 0) throw new NetlinkStateError('nextSync(): this stream has \'message\' listeners, which take its events');
    if (this.waiter) throw new NetlinkStateError('nextSync(): a for-await loop (next()) is waiting on this stream');
    // the monotonic clock, as the addon's waits: a step of the wall clock neither cuts nor stretches it
    const deadline = timeout > 0 ? performance.now() + timeout : 0;
    for (;;) {
      const value = this.take();
      if (value !== undefined) return { value, done: false };
      if (this.closed) return this.end();
      let wait = -1;
      if (deadline) {
        wait = deadline - performance.now();
        if (wait <= 0) throw new NetlinkTimeoutError(timeout, undefined, 'event');
      }
      // nothing in time is checked above, with the clock: a read may also return early
      this.readSync(deadline ? Math.ceil(wait) : -1);
    }
  }

  /**
   * The events as a blocking iterable: `for (const ev of stream.sync())`. Leaving the loop
   * in any way (break, a timeout, an error) closes the stream, as with `for await`; to wait a
   * while and carry on, call nextSync({ timeout }) instead. A wait without a timeout ends only
   * with an event or the stream's end: a signal handler, which needs the event loop, does not
   * run meanwhile.
   */
  sync(opts: SyncReadOptions = {}): Generator<NetlinkEvent<T>, void, undefined> {
    return this.eventsSync(syncTimeout(opts));
  }

  private *eventsSync(timeout: number): Generator<NetlinkEvent<T>, void, undefined> {
    try {
      for (;;) {
        const r = this.nextWithin(timeout);
        if (r.done) return;
        yield r.value;
      }
    } finally {
      this.close();
    }
  }

  [Symbol.asyncIterator](): AsyncIterator<NetlinkEvent<T>> {
    return { next: () => this.next(), return: async () => (this.close(), { value: undefined, done: true }) };
  }

  /** Keep / stop keeping the process alive while this stream is open. */
  setRef(ref: boolean): this {
    this.ref = ref;
    this.emit('ref-change');
    return this;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.paused) {
      this.paused = false;
      this.resumeReading();
    }
    this.detach();
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = undefined;
      const f = this.failure;
      this.failure = undefined;
      if (f !== undefined) w.reject(f);
      else w.resolve({ value: undefined, done: true });
    }
    this.emit('close');
  }
}
