import type { MessageLayout } from './attrset.js';
import type { Writer } from './writer.js';

/**
 * One received message, handed to a decoder. The object and its `buf` are reused for
 * the next message: a decoder reads what it needs and keeps no reference to either.
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

export function copyMessage(m: RawMessage): Message {
  return {
    type: m.type, flags: m.flags, seq: m.seq, portId: m.portId, group: m.group, nsid: m.nsid,
    payload: Buffer.from(m.buf.subarray(m.start, m.end)),
  };
}

export type IntrPolicy = 'retry' | 'partial' | 'throw';

export interface CallOptions {
  /** ms without a complete reply (dumps: without progress) before ETIMEDOUT. */
  timeout?: number;
  signal?: AbortSignal;
  /** Flags added to NLM_F_REQUEST (and NLM_F_DUMP for dumps). */
  flags?: number;
  /** Port id of the peer: 0 (the kernel) unless talking to a user process. */
  peer?: number;
  /** Describes the request so that ext-ack offsets become attribute paths. */
  layout?: MessageLayout;
}

export interface RequestOptions<T> extends CallOptions {
  decode?: Decoder<T>;
  /** Ask for an acknowledgement (NLM_F_ACK) and complete on it. Default true. */
  ack?: boolean;
}

export interface DumpOptions<T> extends CallOptions {
  decode?: Decoder<T>;
  /**
   * What to do when the dump's data changed while it ran (NLM_F_DUMP_INTR): 'retry'
   * (default) runs it again, up to `retries` more times, then throws; 'partial' returns
   * what came, with `interrupted: true`; 'throw' throws DumpInterruptedError.
   */
  intr?: IntrPolicy;
  retries?: number;
  /** Items buffered before reading pauses, when iterating. Default 4096. */
  highWaterMark?: number;
}

/** A dump's items; `interrupted` is set when the 'partial' policy returned changed data. */
export type DumpResult<T> = T[] & { interrupted?: boolean };
