// Receive dispatch: a batch of datagrams from the addon becomes messages, each routed to
// the request it answers, to the event streams, or to the user-space server.
import * as C from './constants.js';
import { errnoInfo, NetlinkArgumentError, NetlinkDecodeError, NetlinkSystemError } from './errors.js';
import type { EventStream } from './events.js';
import type { RawMessage } from './message.js';
import * as N from './native.js';
import type { PendingTable } from './pending.js';
import { truncation, type Batch } from './transport.js';
import { align4 } from './writer.js';

/** What dispatch hands over to its connection. */
export interface DispatchHost {
  /** A request from a user-space peer (NLM_F_REQUEST on a user protocol). */
  serve(m: RawMessage): void;
  /** A datagram larger than the receive space: later batches must be larger. */
  grow(size: number): void;
  /** The socket's receive buffer (SO_RCVBUF as the kernel reports it). */
  receiveBuffer(): number;
  /** Whether the connection was closed (by a listener or decoder, mid-batch). */
  closed(): boolean;
  /** The socket failed for good (a receive error other than ENOBUFS). */
  fail(err: unknown): void;
  /** The socket's own port id. */
  portId(): number;
}

/** A little-endian u32 at pos, which the caller knows to be in bounds. */
function u32(b: Buffer, pos: number): number {
  return (b[pos] | (b[pos + 1] << 8) | (b[pos + 2] << 16) | (b[pos + 3] << 24)) >>> 0;
}

/** A placeholder until the first datagram: every dispatch sets `buf` before handing the message out. */
const NO_BYTES = Buffer.alloc(0);

function newRaw(): RawMessage {
  return { type: 0, flags: 0, seq: 0, portId: 0, sender: 0, group: 0, nsid: -1, credPid: -1, credUid: -1, credGid: -1,
    buf: NO_BYTES, start: 0, end: 0 };
}

/**
 * Routes received datagrams. On kernel protocols only the kernel (port id 0) is heard:
 * a datagram from any other sender, unicast or multicast, is dropped unseen, so no
 * process can forge replies or events. On user protocols a reply counts only from the
 * request's peer. A malformed datagram costs the one request or the streams it was
 * addressed to an error item; it never ends other requests or streams.
 */
export class Dispatcher {
  /**
   * The event streams: a new array on every add and remove, never changed in place, so a
   * delivery goes over the streams there were when it began (a listener may close one).
   */
  streams: readonly EventStream<unknown>[] = [];
  /** Receive-queue overflows seen (ENOBUFS). */
  overruns = 0;
  /** One RawMessage per nesting level: a request made by a decoder or listener dispatches into its own. */
  private readonly msgs: RawMessage[] = [];
  private depth = 0;

  constructor(private readonly kernelPeer: boolean, private readonly table: PendingTable, private readonly host: DispatchHost) {}

  dispatch(batch: Pick<Batch, 'buf' | 'meta'>, n: number): void {
    const { buf, meta } = batch;
    const m = this.depth < this.msgs.length ? this.msgs[this.depth] : (this.msgs[this.depth] = newRaw());
    this.depth++;
    try {
      for (let i = 0; i < n; i++) {
        const base = i * N.META_INTS;
        const mflags = meta[base + N.META_FLAGS];
        if (mflags & N.MF_ERROR) {
          this.receiveError(meta[base + N.META_LENGTH]);
          continue;
        }
        // port ids and groups are u32: the Int32Array hands the high ones over as negative
        const sender = meta[base + N.META_PID] >>> 0;
        if (this.kernelPeer && sender !== 0) continue; // not the kernel: forged, never seen
        const off = meta[base + N.META_OFFSET];
        const len = meta[base + N.META_LENGTH];
        if (mflags & N.MF_TRUNC) {
          this.truncated(buf, off, len, meta[base + N.META_REAL_LENGTH], sender, meta[base + N.META_GROUP] >>> 0);
          continue;
        }
        m.buf = buf;
        m.sender = sender;
        m.group = meta[base + N.META_GROUP] >>> 0;
        m.nsid = mflags & N.MF_NSID ? meta[base + N.META_NSID] : -1;
        if (mflags & N.MF_CREDS) {
          m.credPid = meta[base + N.META_CRED_PID];
          m.credUid = meta[base + N.META_CRED_UID] >>> 0;
          m.credGid = meta[base + N.META_CRED_GID] >>> 0;
        } else m.credPid = m.credUid = m.credGid = -1;
        this.datagram(m, off, off + len);
        // a decoder that detached or transferred the buffer leaves nothing to read; a listener
        // that closed the connection leaves no one to read for (its descriptor may be reused)
        if (buf.length === 0 || this.host.closed()) break;
      }
    } finally {
      this.depth--;
    }
  }

  private datagram(m: RawMessage, pos: number, end: number): void {
    const buf = m.buf;
    while (end - pos >= C.NLMSG_HDRLEN) {
      // plain byte loads: Buffer's read methods are calls TurboFan does not inline here, and the
      // header is known to lie inside the datagram (end - pos >= NLMSG_HDRLEN, end within buf)
      const len = u32(buf, pos);
      if (len < C.NLMSG_HDRLEN || len > end - pos)
        return this.malformed(m, new NetlinkDecodeError(`message length ${len} does not fit the ${end - pos} bytes left in the datagram`, pos), pos, end);
      m.type = buf[pos + 4] | (buf[pos + 5] << 8);
      m.flags = buf[pos + 6] | (buf[pos + 7] << 8);
      m.seq = u32(buf, pos + 8);
      m.portId = u32(buf, pos + 12);
      m.start = pos + C.NLMSG_HDRLEN;
      m.end = pos + len;
      this.route(m);
      if (buf.length === 0) return this.detached(m);
      pos += align4(len);
    }
  }

  private route(m: RawMessage): void {
    if (m.group !== 0) return this.isEcho(m) ? undefined : this.event(m);
    if (m.flags & C.NLM_F_REQUEST && !this.kernelPeer) return this.host.serve(m);
    if (this.table.route(m)) return;
    if (m.seq === 0) this.event(m); // unicast notifications (e.g. audit) carry seq 0
  }

  /**
   * A decoder detached or transferred the receive buffer: the rest of that read is gone. The
   * request it was decoding fails (a dump stops being tracked: its end may be among what
   * was lost) rather than wait for answers that will never be read.
   */
  private detached(m: RawMessage): void {
    if (m.group === 0)
      this.table.failAnswer(m.seq, m.sender, new NetlinkArgumentError('decode', 'detached or transferred the receive buffer (m.buf.buffer): the rest of that read is lost'), false);
  }

  /**
   * NLM_F_ECHO: the kernel unicasts the requester the notification it multicasts
   * (nlmsg_notify), the group still set on it. It answers a request in flight, or a
   * transaction's item (an nftables batch with NLM_F_ECHO), when it comes from that peer with
   * its seq and this socket's port id in the header; true when one took it.
   */
  private isEcho(m: RawMessage): boolean {
    return m.seq !== 0 && m.portId === this.host.portId() && this.table.route(m);
  }

  private event(m: RawMessage): void {
    const streams = this.streams;
    // indexed: an event's path runs interpreted for its first thousand or so, where for-of is an iterator
    for (let i = 0; i < streams.length; i++) streams[i].deliver(m);
  }

  addStream(s: EventStream<unknown>): void {
    this.streams = [...this.streams, s];
  }

  removeStream(s: EventStream<unknown>): void {
    this.streams = this.streams.filter((x) => x !== s);
  }

  /**
   * A datagram whose messages do not parse. Addressed to a request (its seq, from that
   * request's peer): that request fails. Addressed to a group (or seq 0): an error item on
   * the streams that listen there. Anything else is dropped.
   */
  private malformed(m: RawMessage, err: NetlinkDecodeError, pos: number, end: number): void {
    if (m.group === 0 && end - pos >= 12) {
      const seq = m.buf.readUInt32LE(pos + 8);
      if (this.table.failAnswer(seq, m.sender, err, this.kernelPeer) || seq !== 0) return;
    }
    for (const s of this.streams) s.deliverError(err, m.group);
  }

  private receiveError(errno: number): void {
    const [code] = errnoInfo(errno);
    if (code !== 'ENOBUFS') return this.host.fail(new NetlinkSystemError(errno, 'recvmsg', 'receive failed'));
    this.overruns++;
    for (const s of this.streams) s.overrun();
    this.table.overrun(new NetlinkSystemError(errno, 'recvmsg',
      'the receive queue overflowed: answers to requests in flight may be lost (the requests may have taken effect)'));
  }

  /** A datagram that did not fit: the kernel's get room in later batches, others within the receive buffer (see truncation). */
  private truncated(buf: Buffer, off: number, stored: number, real: number, sender: number, group: number): void {
    const err = truncation(real, stored, this.kernelPeer ? undefined : this.host.receiveBuffer(), (size) => this.host.grow(size));
    if (group === 0 && stored >= C.NLMSG_HDRLEN && this.table.failAnswer(buf.readUInt32LE(off + 8), sender, err, this.kernelPeer)) return;
    for (const s of this.streams) if (s.accepts(group)) s.overrun(); // a lost event is an overrun to a listener
  }

  failStreams(err: unknown): void {
    for (const s of this.streams) s.fail(err);
  }
}
