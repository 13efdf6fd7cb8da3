import type { DumpResult, IntrPolicy } from './message.js';

/**
 * The items of one dump, pulled by the consumer. Reading pauses while more than
 * highWaterMark items wait, so a slow consumer holds the kernel back instead of
 * growing memory.
 */
export class DumpStream<T> implements AsyncIterableIterator<T> {
  private queue: T[] = [];
  private head = 0;
  private paused = false;
  private done = false;
  private error: unknown;
  private waiter: { resolve: (r: IteratorResult<T>) => void; reject: (e: unknown) => void } | undefined;
  /** Set when the dump ended with NLM_F_DUMP_INTR under the 'partial' policy. */
  interrupted = false;

  constructor(
    private readonly highWaterMark: number,
    private readonly pause: () => void,
    private readonly resume: () => void,
    private readonly cancel: () => void,
  ) {}

  push(v: T): void {
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = undefined;
      return w.resolve({ value: v, done: false });
    }
    this.queue.push(v);
    if (!this.paused && this.queue.length - this.head >= this.highWaterMark) {
      this.paused = true;
      this.pause();
    }
  }

  end(err?: unknown): void {
    if (this.done) return;
    this.done = true;
    this.error = err;
    if (this.waiter && this.head >= this.queue.length) {
      const w = this.waiter;
      this.waiter = undefined;
      this.finish(w);
    }
  }

  markInterrupted(): void {
    this.interrupted = true;
  }

  private finish(w: { resolve: (r: IteratorResult<T>) => void; reject: (e: unknown) => void }): void {
    this.unpause();
    if (this.error !== undefined) {
      const e = this.error;
      this.error = undefined;
      w.reject(e);
    } else w.resolve({ value: undefined, done: true });
  }

  private unpause(): void {
    if (this.paused) {
      this.paused = false;
      this.resume();
    }
  }

  next(): Promise<IteratorResult<T>> {
    if (this.head < this.queue.length) {
      const value = this.queue[this.head++];
      if (this.head === this.queue.length) {
        this.queue = [];
        this.head = 0;
      }
      if (this.paused && this.queue.length - this.head <= this.highWaterMark >> 1) this.unpause();
      return Promise.resolve({ value, done: false });
    }
    return new Promise((resolve, reject) => {
      const w = { resolve, reject };
      if (this.done) this.finish(w);
      else this.waiter = w;
    });
  }

  return(): Promise<IteratorResult<T>> {
    if (!this.done) this.cancel();
    this.done = true;
    this.queue = [];
    this.head = 0;
    this.unpause();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}

/**
 * A dump not yet started: iterate it (`for await`) or take `toArray()`.
 *
 * Iteration streams: items are handed out as datagrams arrive and reading pauses while
 * highWaterMark items wait, so memory stays bounded however large the dump. Items already
 * handed out cannot be taken back, so a dump whose data changed meanwhile
 * (NLM_F_DUMP_INTR) is reported at its end: DumpInterruptedError after the last item
 * under 'retry' (the default) and 'throw'; under 'partial' the iteration ends normally
 * with `interrupted` set (here and on the iterator). toArray() collects everything and,
 * under 'retry', runs an interrupted dump again (bounded).
 */
export class DumpIterable<T> implements AsyncIterable<T> {
  private used = false;
  private stream: DumpStream<T> | undefined;

  constructor(
    private readonly runAll: () => Promise<DumpResult<T>>,
    private readonly openStream: (highWaterMark: number) => DumpStream<T>,
    private readonly highWaterMark: number,
  ) {}

  private claim(): void {
    if (this.used) throw new Error('a dump can be consumed once; call dump() again to repeat it');
    this.used = true;
  }

  /** After an iteration under the 'partial' policy: whether the dump's data changed while it ran. */
  get interrupted(): boolean {
    return this.stream?.interrupted ?? false;
  }

  /** All items; `interrupted` is set on the array under the 'partial' policy. */
  toArray(): Promise<DumpResult<T>> {
    try {
      this.claim();
    } catch (e) {
      return Promise.reject(e);
    }
    return this.runAll();
  }

  [Symbol.asyncIterator](): DumpStream<T> {
    this.claim();
    this.stream = this.openStream(this.highWaterMark);
    return this.stream;
  }
}
