// A dump's receive on libuv's thread pool (native/readahead.c), double-buffered: while
// JavaScript decodes one block of datagrams, a pool thread is inside recvmmsg, where the
// kernel fills the dump's next chunks. Order is kept by having one read in flight at most and
// no other read meanwhile: the connection stops its poller while a read is out, and a read on
// the main thread (a request's reply, a Sync call) first joins the outstanding one.
import { NetlinkArgumentError } from './errors.js';
import { native } from './native.js';

/** What the connection gives a read-ahead. */
export interface ReadAheadHost {
  /** Datagrams read, in the batch layout of the addon's receive calls. */
  dispatch(batch: { buf: Buffer; meta: Int32Array }, count: number): void;
  /** A read ended (or was joined): decide what reads next (another read-ahead, the poller, nothing). */
  settle(): void;
}

/**
 * Datagrams per pool read. The kernel makes one chunk (up to 32 KiB, ~400 routes) per
 * datagram read, so a block is ~8 chunks: small enough that the first block's decoding
 * starts early and the two sides take similar turns, large enough that a read's cost on the
 * pool (a wake-up and a completion, tens of µs) stays small against the kernel's work.
 */
const DATAGRAMS_PER_READ = 8;

interface Block {
  buf: Buffer;
  meta: Int32Array;
  /** Being dispatched (a count: dispatching may nest through a join). */
  inUse: number;
}

export class ReadAhead {
  private readonly handle: object;
  private readonly blocks: Block[];
  /** The block of the read on the pool whose datagrams nobody has taken yet; -1 when none. */
  private filling = -1;
  private chasing = false;
  private closed = false;
  /** A decoder detached a block's memory: this read-ahead is done, the connection makes another. */
  broken = false;
  /** The last read found nothing queued: the poller waits for the next datagram instead. */
  empty = false;

  constructor(fd: number, readonly slotBytes: number, readonly cmsg: boolean, private readonly host: ReadAheadHost) {
    const [handle, b0, m0, b1, m1] = native.readaheadCreate(fd, DATAGRAMS_PER_READ, slotBytes, cmsg, (i: number, n: number) => this.done(i, n));
    this.handle = handle;
    this.blocks = [
      { buf: Buffer.from(b0), meta: new Int32Array(m0), inUse: 0 },
      { buf: Buffer.from(b1), meta: new Int32Array(m1), inUse: 0 },
    ];
  }

  /** A read is on the pool and nobody has taken its datagrams: nothing else may read the socket. */
  get busy(): boolean {
    return this.filling >= 0;
  }

  /** Starts a read into a free block; false when none is free (both are being dispatched). */
  start(): boolean {
    if (this.filling >= 0) return true;
    const i = this.blocks[0].inUse === 0 ? 0 : this.blocks[1].inUse === 0 ? 1 : -1;
    if (i < 0 || this.broken || this.closed) return false;
    native.readaheadStart(this.handle, i);
    this.filling = i;
    this.chase();
    return true;
  }

  /**
   * For a read on the main thread: takes the outstanding read first (the addon reads it here
   * if the pool has not begun it, else waits for it: it never blocks in the kernel) and
   * dispatches what it got, so nothing is delivered out of order. True when it dispatched
   * something (the caller's wait may be over).
   */
  join(): boolean {
    const i = this.filling;
    if (i < 0) return false;
    this.filling = -1;
    const n = native.readaheadJoin(this.handle);
    if (n > 0) this.deliver(i, n);
    return n > 0;
  }

  /** A read's completion: count -1 when it was taken already (by join or a chase). */
  private done(i: number, n: number): void {
    if (n < 0) {
      if (this.filling < 0) this.host.settle();
      return;
    }
    this.filling = -1;
    this.got(i, n);
  }

  /** A read's datagrams: the next read goes out before they are decoded (that is the overlap). */
  private got(i: number, n: number): void {
    this.empty = n === 0;
    if (n > 0) {
      this.blocks[i].inUse++;
      try {
        this.host.settle();
      } finally {
        this.blocks[i].inUse--;
      }
      this.deliver(i, n);
    }
    if (this.filling < 0) this.host.settle();
  }

  /**
   * A read's datagrams are wanted as soon as this thread has nothing else to do: on the
   * loop's next turn (after the block in hand is decoded, or at once for a dump's first read).
   * Its completion would come through the event loop once a pool thread has run it; on a
   * busy machine (or a pool busy with other work) that thread may wait for a CPU while this
   * one idles. So on that turn, if the read has not completed, this thread takes it: waits
   * for it when it is running, reads it itself when it has not begun. One turn, one block:
   * timers and other sockets get their turns between blocks as with the poller.
   */
  private chase(): void {
    if (this.chasing) return;
    this.chasing = true;
    setImmediate(() => {
      this.chasing = false;
      if (this.closed || this.filling < 0) return;
      const i = this.filling;
      this.filling = -1;
      this.got(i, native.readaheadJoin(this.handle));
    });
  }

  private deliver(i: number, n: number): void {
    const b = this.blocks[i];
    b.inUse++;
    try {
      this.host.dispatch(b, n);
    } finally {
      b.inUse--;
      if (b.buf.length === 0 || b.meta.length === 0) this.broken = true;
    }
  }

  /** No more callbacks; the addon frees the memory once the reads on the pool have ended. */
  close(): void {
    this.closed = true;
    native.readaheadClose(this.handle);
  }
}

/** The `readAhead` connection option: a boolean. */
export function checkReadAhead(v: unknown): boolean {
  if (v === undefined) return true;
  if (typeof v !== 'boolean') throw new NetlinkArgumentError('readAhead', `must be a boolean, got ${typeof v}`, 'ERR_INVALID_ARG_TYPE');
  return v;
}
