// A domain layer's event stream (process events, audit records, uevents): the engine's
// EventStream (back-pressure, overruns, undecodable messages) with each message mapped to
// a domain object, and a cleanup (unsubscribe, close the socket) run once at the end.
import type { EventStream } from './events.js';

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
 * Items as they come: `for await (const item of stream)`. Leaving the loop, or close(),
 * ends it and runs the cleanup once.
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
        if (ev.kind === 'overrun') yield { type: 'overrun' };
        else if (ev.kind === 'error') yield { type: 'error', error: ev.error };
        else {
          const item = this.map(ev.message);
          if (item !== undefined) yield item;
        }
      }
    } finally {
      this.close();
    }
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
