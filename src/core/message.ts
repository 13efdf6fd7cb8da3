import type { MessageLayout } from './attrset.js';
import { NLMSG_ERROR } from './constants.js';
import type { Writer } from './writer.js';

/**
 * One received message, handed to a decoder. The object and its `buf` are reused for
 * the next message: a decoder reads what it needs and keeps no reference to either.
 * A decoder (or listener) may make other requests meanwhile: they are dispatched with
 * their own RawMessage and receive buffer, never this one.
 */
export interface RawMessage {
  type: number;
  flags: number;
  seq: number;
  /** nlmsg_pid from the header. */
  portId: number;
  /** Sender's port id from the socket address: 0 is the kernel. */
  sender: number;
  /** Multicast group the message came to, 0 for unicast. */
  group: number;
  /** Peer namespace id with NETLINK_LISTEN_ALL_NSID, else -1. */
  nsid: number;
  /**
   * The sender's credentials (SCM_CREDENTIALS, with SO_PASSCRED on): set by the engine on
   * every received message, -1 when none came. Optional only so that messages built by
   * hand (tests, benchmarks) stay valid.
   */
  credPid?: number;
  credUid?: number;
  credGid?: number;
  buf: Buffer;
  /** Payload (after the 16-byte header): buf[start, end). */
  start: number;
  end: number;
}

export type Decoder<T> = (m: RawMessage) => T;

/** A request body: written into the message after its header, or given as bytes. */
export type Payload = ((w: Writer) => void) | Uint8Array | null | undefined;

/** A message with its payload copied out, what requests return when given no decoder. */
export interface Message {
  type: number;
  flags: number;
  seq: number;
  portId: number;
  group: number;
  nsid: number;
  payload: Buffer;
}

/**
 * Whether a message is an acknowledgement: NLMSG_ERROR with errno 0. Most answers are, so
 * the engine asks this first, reading the bytes directly, before any parse.
 */
export function isAck(m: RawMessage): boolean {
  const b = m.buf, s = m.start;
  return m.type === NLMSG_ERROR && m.end - s >= 4 && (b[s] | b[s + 1] | b[s + 2] | b[s + 3]) === 0;
}

export function copyMessage(m: RawMessage): Message {
  return {
    type: m.type, flags: m.flags, seq: m.seq, portId: m.portId, group: m.group, nsid: m.nsid,
    payload: Buffer.from(m.buf.subarray(m.start, m.end)),
  };
}

/**
 * What a dump does when its data changed while it ran (NLM_F_DUMP_INTR on a message):
 * - 'retry' (default): toArray()/dumpSync() run it again, up to `retries` more times,
 *   then throw DumpInterruptedError. Iterating streams items as they come and cannot take
 *   back items already handed out, so an interrupted iteration throws
 *   DumpInterruptedError after its last item (re-run the dump to resync).
 * - 'partial': the items as they came; `interrupted: true` on the array (toArray) or on
 *   the iterator / DumpIterable (iteration).
 * - 'throw': DumpInterruptedError (at the end of an iteration, after the last item).
 */
export type IntrPolicy = 'retry' | 'partial' | 'throw';

export interface CallOptions {
  /**
   * ms without a complete reply (dumps: without progress) before ETIMEDOUT; also bounds a
   * Sync call's send to a user-space peer whose queue is full. 0 or Infinity: no timeout.
   * At most 2^31-1 (Node's timer limit). Default: the connection's.
   */
  timeout?: number;
  signal?: AbortSignal;
  /** Flags added to NLM_F_REQUEST (and NLM_F_DUMP for dumps): an integer 0..0xffff. */
  flags?: number;
  /** Port id of the peer: 0 (the kernel) unless talking to a user process. */
  peer?: number;
  /** Describes the request so that ext-ack offsets become attribute paths. */
  layout?: MessageLayout;
  /**
   * Replies a call may collect (a multipart answer, a dump's toArray() or dumpSync; an
   * iterated dump holds only `highWaterMark`) before it fails with TooManyRepliesError.
   * Default: no limit from the kernel, 1,000,000 from a user-space peer, which could
   * otherwise keep a dump going (and growing) for as long as it likes.
   */
  maxReplies?: number;
}

export interface RequestOptions<T> extends CallOptions {
  decode?: Decoder<T>;
  /** Ask for an acknowledgement (NLM_F_ACK) and complete on it. Default true. */
  ack?: boolean;
}

export interface DumpOptions<T> extends CallOptions {
  decode?: Decoder<T>;
  /** NLM_F_DUMP_INTR policy: see IntrPolicy. Default 'retry'. */
  intr?: IntrPolicy;
  /** More runs allowed under 'retry' (toArray, dumpSync). Default 3. */
  retries?: number;
  /** Items buffered before reading pauses, when iterating. Default 4096. */
  highWaterMark?: number;
}

/** A dump's items; `interrupted` is set when the 'partial' policy returned changed data. */
export type DumpResult<T> = T[] & { interrupted?: boolean };
