import { constants } from 'node:os';
import * as C from './constants.js';
import { NetlinkArgumentError } from './errors.js';
import { checkBoolean, checkFunction, checkInt, checkObject, checkPayload } from './options.js';
import type { Payload, RawMessage } from './message.js';
import type { NetlinkSocket } from './transport.js';
import { Writer } from './writer.js';

/** Who sent a request, as the kernel vouches for it (SCM_CREDENTIALS). */
export interface Credentials {
  /** Process id (thread-group id) of the sender, as seen from the server's pid namespace. */
  pid: number;
  uid: number;
  gid: number;
}

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
  /**
   * The sending process's credentials, filled in by the kernel (the server socket has
   * SO_PASSCRED on), so they cannot be forged by the sender. Decide on these, not on
   * portId: any process can bind any free port id.
   */
  credentials: Credentials | undefined;
}

export interface ServerOptions {
  /** Whether serving keeps the process alive. Default true. */
  ref?: boolean;
  /** Hears of replies that could not be sent (the peer went away, its queue stayed full) and of refusals. */
  onError?: (err: unknown, req: IncomingRequest) => void;
  /** Handlers running at once. Default 64. */
  concurrency?: number;
  /**
   * Requests held while `concurrency` handlers run. Beyond that a request is refused at
   * once with an EBUSY error reply ("server busy"). Default 1024.
   */
  backlog?: number;
}

const DEFAULT_CONCURRENCY = 64;
const DEFAULT_BACKLOG = 1024;

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

function count(name: string, v: number | undefined, dflt: number): number {
  return v === undefined ? dflt : checkInt(v, name, name === 'backlog' ? 0 : 1, 0x7fffffff);
}

/**
 * serve()'s arguments, checked before anything changes: a handler that is not a function
 * would otherwise fail each peer's request with EINVAL, and an onError that is not one
 * throw inside the reply path.
 */
export function checkServe(handler: unknown, opts: ServerOptions): CheckedServerOptions {
  checkFunction(handler, 'handler');
  checkObject(opts);
  if (opts.ref !== undefined) checkBoolean(opts.ref, 'ref');
  if (opts.onError !== undefined) checkFunction(opts.onError, 'onError');
  return {
    ...opts, concurrency: count('concurrency', opts.concurrency, DEFAULT_CONCURRENCY), backlog: count('backlog', opts.backlog, DEFAULT_BACKLOG),
  };
}

/** ServerOptions as checkServe returns them: the bounds filled in. */
export type CheckedServerOptions = ServerOptions & { concurrency: number; backlog: number };

/**
 * One reply as the handler gave it. Unchecked, a type of 'x' or a reply of 42 went out as
 * type 0, a payload of 42 as a message of NaN length, 'abc' as three zero bytes.
 */
function checkReply(r: unknown): asserts r is ReplyMessage {
  checkObject(r, 'reply');
  const { type, flags, payload } = r as ReplyMessage;
  checkInt(type, 'reply.type', 0, 0xffff);
  if (flags !== undefined) checkInt(flags, 'reply.flags', 0, 0xffff);
  checkPayload(payload);
}

/** What the dispatch may carry for a datagram: the sender's credentials, -1 when absent. */
type CredentialFields = { credPid?: number; credUid?: number; credGid?: number };

function credentialsOf(m: RawMessage & CredentialFields): Credentials | undefined {
  if (m.credPid === undefined || m.credPid < 0) return undefined;
  return { pid: m.credPid, uid: (m.credUid ?? -1) >>> 0, gid: (m.credGid ?? -1) >>> 0 };
}

/**
 * Answers requests that arrive on a user-space protocol socket.
 *
 * At most `concurrency` handlers run at once; up to `backlog` further requests wait in
 * arrival order, and any beyond those are refused at once with EBUSY, so a flood from
 * another process costs bounded memory. A refusal is one non-blocking send: to a peer
 * whose receive queue is full it is dropped (and reported to onError), since waiting for
 * such a peer is what the bound is there to avoid.
 */
export class Server {
  readonly ref: boolean;
  private readonly onError: ((err: unknown, req: IncomingRequest) => void) | undefined;
  private readonly concurrency: number;
  private readonly backlog: number;
  private running = 0;
  private readonly waiting: IncomingRequest[] = [];

  /** `opts` as checkServe returned them: not checked again here. */
  constructor(private readonly socket: NetlinkSocket, private readonly handler: ServerHandler, opts: CheckedServerOptions) {
    this.ref = opts.ref ?? true;
    this.onError = opts.onError;
    this.concurrency = opts.concurrency;
    this.backlog = opts.backlog;
    // the kernel attaches each sender's pid, uid and gid to what it delivers here
    socket.setOption(C.SOL_SOCKET, C.SO_PASSCRED, 1);
  }

  receive(m: RawMessage): void {
    const req: IncomingRequest = {
      type: m.type, flags: m.flags, seq: m.seq, portId: m.sender,
      payload: Buffer.from(m.buf.subarray(m.start, m.end)),
      dump: (m.flags & C.NLM_F_DUMP) === C.NLM_F_DUMP, ack: (m.flags & C.NLM_F_ACK) !== 0,
      credentials: credentialsOf(m),
    };
    if (this.running < this.concurrency) this.run(req);
    else if (this.waiting.length < this.backlog) this.waiting.push(req);
    else this.refuse(req);
  }

  private run(req: IncomingRequest): void {
    this.running++;
    Promise.resolve()
      .then(() => this.handler(req))
      .then((res) => this.reply(req, res))
      .catch((err) => this.replyError(req, err)) // the handler's error goes to the peer
      .catch((err) => this.onError?.(err, req)) // a reply that could not be sent (e.g. the peer went away)
      .finally(() => {
        this.running--;
        const next = this.waiting.shift();
        if (next) this.run(next);
      });
  }

  private refuse(req: IncomingRequest): void {
    const w = new Writer(256);
    this.writeError(w, req, constants.errno.EBUSY,
      `server busy: ${this.running} requests running and ${this.waiting.length} waiting`);
    try {
      this.socket.send(w.buf, 0, w.pos, req.portId, 0, 0);
    } catch (err) {
      this.onError?.(err, req);
    }
  }

  private async reply(req: IncomingRequest, res: ServerResult): Promise<void> {
    const w = new Writer();
    const many = req.dump || isIterable(res) || isAsyncIterable(res);
    const write = async (r: ReplyMessage) => {
      try {
        checkReply(r);
      } catch (err) {
        // the server's own mistake: its owner hears of it; the peer gets it as an error reply
        this.onError?.(err, req);
        throw err;
      }
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
