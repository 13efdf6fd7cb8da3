import { EventEmitter } from 'node:events';
import { copyMessage, type Decoder, type Message, type RawMessage } from './message.js';

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

/**
 * Notifications from one socket. Either iterate it (`for await (const ev of stream)`),
 * with back-pressure, or listen: 'message' (message, event), 'overrun', 'error', 'close'.
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

  next(): Promise<IteratorResult<NetlinkEvent<T>>> {
    if (this.head < this.queue.length) {
      const value = this.queue[this.head++];
      if (this.head === this.queue.length) {
        this.queue = [];
        this.head = 0;
      }
      if (this.paused && this.queue.length - this.head <= this.highWaterMark >> 1) {
        this.paused = false;
        this.resumeReading();
      }
      return Promise.resolve({ value, done: false });
    }
    if (this.closed) {
      const f = this.failure;
      this.failure = undefined;
      return f !== undefined ? Promise.reject(f) : Promise.resolve({ value: undefined, done: true });
    }
    return new Promise((resolve, reject) => (this.waiter = { resolve, reject }));
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
