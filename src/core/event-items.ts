// A domain layer's event stream (process events, audit records, uevents): the engine's
// EventStream (back-pressure, overruns, undecodable messages) with each message mapped to
// a domain object, and a cleanup (unsubscribe, close the socket) run once at the end.
import type { EventStream, NetlinkEvent, SyncReadOptions } from './events.js';

/** The kernel dropped messages (a full receive queue): what was lost is unknown. */
export interface OverrunItem {
  type: 'overrun';
}

/** A message that could not be decoded; the stream goes on. */
export interface ErrorItem {
  type: 'error';
  error: unknown;
}

export type EventItem<T> = T | OverrunItem | ErrorItem;

/**
 * Items as they come: `for await (const item of stream)`, or blocking with `sync()`.
 * Leaving the loop, or close(), ends it and runs the cleanup once.
 */
export class EventItems<T> implements AsyncIterable<EventItem<T>> {
  private closed = false;

  private constructor(private readonly stream: EventStream<unknown>, private readonly map: (message: unknown) => EventItem<T> | undefined,
    private readonly cleanup: () => void) {
    stream.once('close', () => this.close());
  }

  /** `map` returns undefined for a message that is not an item (filtered out, or consumed). */
  static of<T, M>(stream: EventStream<M>, map: (message: M) => EventItem<T> | undefined, cleanup: () => void): EventItems<T> {
    return new EventItems<T>(stream as EventStream<unknown>, map as (message: unknown) => EventItem<T> | undefined, cleanup);
  }

  async *[Symbol.asyncIterator](): AsyncIterator<EventItem<T>> {
    try {
      for await (const ev of this.stream) {
        const item = this.itemOf(ev);
        if (item !== undefined) yield item;
      }
    } finally {
      this.close();
    }
  }

  /**
   * The items as a blocking iterable for scripts (`for (const item of items.sync())`): each
   * step waits on this thread, the event loop stopped meanwhile (EventStream.sync). A timeout
   * bounds each wait (NetlinkTimeoutError); leaving the loop in any way ends the stream.
   */
  sync(opts: SyncReadOptions = {}): Generator<EventItem<T>, void, undefined> {
    return this.itemsSync(this.stream.sync(opts)); // the options checked now, not at the first step
  }

  private *itemsSync(events: Iterable<NetlinkEvent<unknown>>): Generator<EventItem<T>, void, undefined> {
    try {
      for (const ev of events) {
        const item = this.itemOf(ev);
        if (item !== undefined) yield item;
      }
    } finally {
      this.close();
    }
  }

  private itemOf(ev: NetlinkEvent<unknown>): EventItem<T> | undefined {
    if (ev.kind === 'overrun') return { type: 'overrun' };
    if (ev.kind === 'error') return { type: 'error', error: ev.error };
    return this.map(ev.message);
  }

  /** Stops the stream and unsubscribes. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.stream.close();
    this.cleanup();
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Whether the stream keeps the process alive (default true). */
  setRef(ref: boolean): this {
    this.stream.setRef(ref);
    return this;
  }
}
