import { constants } from 'node:os';
import * as C from './constants.js';
import type { Payload, RawMessage } from './message.js';
import type { NetlinkSocket } from './transport.js';
import { Writer } from './writer.js';

/** A request from another process, as a server sees it. */
export interface IncomingRequest {
  type: number;
  flags: number;
  seq: number;
  /** The sender's port id: replies go there. */
  portId: number;
  /** The request's payload (a copy). */
  payload: Buffer;
  /** NLM_F_DUMP was set: the replies form a dump ending in NLMSG_DONE. */
  dump: boolean;
  /** NLM_F_ACK was set: an acknowledgement follows the replies. */
  ack: boolean;
}

export interface ReplyMessage {
  type: number;
  flags?: number;
  payload?: Payload;
}

export type ServerResult = void | ReplyMessage | Iterable<ReplyMessage> | AsyncIterable<ReplyMessage>;

/**
 * Handles one request. Return the reply (or replies, or none: an ack is sent if asked
 * for); throw to answer with NLMSG_ERROR: the error's `errno` (number) or `code`
 * ('ENOENT') picks the errno (default EINVAL), its message becomes the ext-ack text.
 */
export type ServerHandler = (req: IncomingRequest) => ServerResult | Promise<ServerResult>;

/** Replies are cut into datagrams of about this size, as the kernel cuts dumps. */
const CHUNK = 32 * 1024;

function isIterable(x: unknown): x is Iterable<ReplyMessage> {
  return typeof (x as Iterable<unknown>)?.[Symbol.iterator] === 'function';
}
function isAsyncIterable(x: unknown): x is AsyncIterable<ReplyMessage> {
  return typeof (x as AsyncIterable<unknown>)?.[Symbol.asyncIterator] === 'function';
}

function errnoOf(err: unknown): number {
  const e = err as { errno?: unknown; code?: unknown };
  if (typeof e?.errno === 'number' && e.errno !== 0) return Math.abs(e.errno);
  if (typeof e?.code === 'string' && e.code in constants.errno) return constants.errno[e.code as keyof typeof constants.errno];
  return constants.errno.EINVAL;
}

/** Answers requests that arrive on a user-space protocol socket. */
export class Server {
  constructor(
    private readonly socket: NetlinkSocket,
    private readonly handler: ServerHandler,
    readonly ref: boolean,
    private readonly onError?: (err: unknown, req: IncomingRequest) => void,
  ) {}

  receive(m: RawMessage): void {
    const req: IncomingRequest = {
      type: m.type, flags: m.flags, seq: m.seq, portId: m.sender,
      payload: Buffer.from(m.buf.subarray(m.start, m.end)),
      dump: (m.flags & C.NLM_F_DUMP) === C.NLM_F_DUMP, ack: (m.flags & C.NLM_F_ACK) !== 0,
    };
    Promise.resolve()
      .then(() => this.handler(req))
      .then((res) => this.reply(req, res))
      .catch((err) => this.replyError(req, err)) // the handler's error goes to the peer
      .catch((err) => this.onError?.(err, req)); // a reply that could not be sent (e.g. the peer went away)
  }

  private async reply(req: IncomingRequest, res: ServerResult): Promise<void> {
    const w = new Writer();
    const many = req.dump || isIterable(res) || isAsyncIterable(res);
    const write = async (r: ReplyMessage) => {
      const start = w.beginMessage(r.type, (r.flags ?? 0) | (many ? C.NLM_F_MULTI : 0));
      if (typeof r.payload === 'function') r.payload(w);
      else if (r.payload) w.bytes(r.payload);
      w.endMessage(start);
      w.buf.writeUInt32LE(req.seq, start + 8);
      w.buf.writeUInt32LE(this.socket.portId, start + 12);
      if (w.pos >= CHUNK) await this.flush(w, req.portId);
    };
    if (isAsyncIterable(res)) for await (const r of res) await write(r);
    else if (isIterable(res)) for (const r of res) await write(r);
    else if (res) await write(res);
    if (many) {
      const start = w.beginMessage(C.NLMSG_DONE, C.NLM_F_MULTI);
      w.s32(0);
      w.endMessage(start);
      w.buf.writeUInt32LE(req.seq, start + 8);
    }
    if (req.ack && !req.dump) this.writeError(w, req, 0, undefined);
    await this.flush(w, req.portId);
  }

  private async replyError(req: IncomingRequest, err: unknown): Promise<void> {
    const w = new Writer();
    const msg = (err as { extackMessage?: string; message?: string })?.extackMessage ?? (err as Error)?.message;
    this.writeError(w, req, errnoOf(err), msg);
    await this.flush(w, req.portId);
  }

  /** NLMSG_ERROR: errno, the request's header echoed (capped), the text as an ext-ack TLV. */
  private writeError(w: Writer, req: IncomingRequest, errno: number, text: string | undefined): void {
    const start = w.beginMessage(C.NLMSG_ERROR, C.NLM_F_CAPPED | (text ? C.NLM_F_ACK_TLVS : 0));
    w.s32(-errno);
    w.u32(C.NLMSG_HDRLEN + req.payload.length);
    w.buf.writeUInt16LE(req.type, w.pos);
    w.buf.writeUInt16LE(req.flags, w.pos + 2);
    w.pos += 4;
    w.u32(req.seq);
    w.u32(req.portId);
    if (text) w.attrString(C.NLMSGERR_ATTR_MSG, text);
    w.endMessage(start);
    w.buf.writeUInt32LE(req.seq, start + 8);
  }

  private async flush(w: Writer, peer: number): Promise<void> {
    if (w.pos === 0) return;
    for (let tries = 0; ; tries++) {
      try {
        this.socket.send(w.buf, 0, w.pos, peer, 0, 0);
        break;
      } catch (e) {
        // a peer whose queue is full pushes back; give it a moment, a bounded number of times
        if ((e as { code?: string }).code !== 'EAGAIN' || tries >= 200) throw e;
        await new Promise((r) => setTimeout(r, 5));
      }
    }
    w.reset();
  }
}
