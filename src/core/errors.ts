import { constants } from 'node:os';
import { getSystemErrorMap } from 'node:util';

/** Where Linux gives one number two names, the one the kernel's netlink code uses. */
const PREFERRED = new Set(['EOPNOTSUPP', 'EAGAIN', 'EDEADLK']);
const systemErrors = getSystemErrorMap();
const names = new Map<number, string>();
for (const [name, n] of Object.entries(constants.errno)) if (!names.has(n) || PREFERRED.has(name)) names.set(n, name);

/** errno (positive or negative) -> [name, description], e.g. 2 -> ['ENOENT', 'no such file or directory']. */
export function errnoInfo(errno: number): [code: string, description: string] {
  const n = Math.abs(errno);
  const e = systemErrors.get(-n);
  return [names.get(n) ?? e?.[0] ?? `E${n}`, e?.[1] ?? (names.has(n) ? `error ${n}` : `unknown error ${n}`)];
}

/** The request a kernel error refers to. */
export interface FailedRequest {
  type: number;
  flags: number;
  seq: number;
  /** The whole request message, header included, as it was sent. */
  bytes?: Uint8Array;
}

export interface ExtAck {
  /** NLMSGERR_ATTR_MSG: the kernel's human-readable reason. */
  message?: string;
  /** NLMSGERR_ATTR_OFFS: byte offset of the offending attribute in the request. */
  offset?: number;
  /** NLMSGERR_ATTR_MISS_TYPE: the attribute type that was required but missing. */
  missingType?: number;
  /** NLMSGERR_ATTR_MISS_NEST: offset of the nest that lacks missingType. */
  missingNest?: number;
  /** NLMSGERR_ATTR_POLICY: the policy the offending attribute violated, raw. */
  policy?: Uint8Array;
  /** NLMSGERR_ATTR_COOKIE */
  cookie?: Uint8Array;
}

/**
 * An error reported by the peer (the kernel, or a user-space netlink server)
 * in an NLMSG_ERROR or failed NLMSG_DONE message.
 */
export class NetlinkError extends Error {
  /** errno name, e.g. 'ENOENT'. */
  readonly code: string;
  /** Negative errno, as Node reports system errors (and as the kernel sends it). */
  readonly errno: number;
  readonly syscall = 'netlink';
  /** Extended-ack text from the kernel, if any. */
  readonly extackMessage?: string;
  /** Offset of the offending attribute in the request. */
  readonly offset?: number;
  /** The offending attribute as a path of names, e.g. `.linkinfo.data(vxlan).port`. */
  readonly attributePath?: string;
  /** The request's operation and the object it named, e.g. `newlink ifname veth0`. */
  readonly subject?: string;
  /** A required attribute that was missing: its type and, where known, its name and enclosing nest. */
  readonly missing?: { type: number; name?: string; nestOffset?: number; nestPath?: string };
  readonly policy?: Uint8Array;
  readonly cookie?: Uint8Array;
  readonly request?: FailedRequest;

  constructor(
    errno: number,
    ext: ExtAck = {},
    request?: FailedRequest,
    paths: { attributePath?: string; missingName?: string; nestPath?: string; subject?: string } = {},
  ) {
    const [code, description] = errnoInfo(errno);
    let text = `${code}: ${ext.message ?? description}`;
    if (paths.subject) text += ` (${paths.subject})`;
    if (paths.attributePath) text += ` (attribute ${paths.attributePath})`;
    if (ext.missingType !== undefined)
      text += ` (missing attribute ${paths.missingName ?? ext.missingType}${paths.nestPath ? ` in ${paths.nestPath}` : ''})`;
    super(text);
    this.name = 'NetlinkError';
    this.code = code;
    this.errno = -Math.abs(errno);
    if (ext.message !== undefined) this.extackMessage = ext.message;
    if (ext.offset !== undefined) this.offset = ext.offset;
    if (paths.attributePath !== undefined) this.attributePath = paths.attributePath;
    if (paths.subject !== undefined) this.subject = paths.subject;
    if (ext.missingType !== undefined)
      this.missing = { type: ext.missingType, name: paths.missingName, nestOffset: ext.missingNest, nestPath: paths.nestPath };
    if (ext.policy) this.policy = ext.policy;
    if (ext.cookie) this.cookie = ext.cookie;
    if (request) this.request = request;
  }
}

/** Bytes that do not form a valid netlink message or attribute. */
export class NetlinkDecodeError extends Error {
  readonly code = 'ERR_NETLINK_MALFORMED';
  /** Byte offset in the input where decoding failed. */
  readonly offset: number;
  constructor(message: string, offset: number) {
    super(`${message} (at byte ${offset})`);
    this.name = 'NetlinkDecodeError';
    this.offset = offset;
  }
}

/** A value given by the caller that cannot be encoded as described. */
export class NetlinkEncodeError extends TypeError {
  readonly code = 'ERR_NETLINK_ENCODE';
  /** Attribute path of the value that failed, e.g. `.ops[0].id`. */
  readonly path: string;
  constructor(message: string, path: string) {
    super(path ? `${path}: ${message}` : message);
    this.name = 'NetlinkEncodeError';
    this.path = path;
  }
}

/** A failure with an errno outside a netlink error reply (a receive error, a lookup), shaped like Node's system errors. */
export class NetlinkSystemError extends Error {
  readonly code: string;
  readonly errno: number;
  constructor(errno: number, readonly syscall: string, detail: string) {
    const [code] = errnoInfo(errno);
    super(`${code}: ${detail}`);
    this.name = 'NetlinkSystemError';
    this.code = code;
    this.errno = -Math.abs(errno);
  }
}

/** A datagram larger than the receive space: reported with its size, never cut silently. Buffers grow; retry. */
export class ReplyTooLargeError extends NetlinkSystemError {
  /** `limit`: the buffers were not grown, the datagram being larger than the socket's receive buffer (SO_RCVBUF) of this many bytes. */
  constructor(readonly size: number, space: number, limit?: number) {
    super(constants.errno.EMSGSIZE, 'recvmsg', `a ${size}-byte datagram exceeded the ${space}-byte receive space; ` +
      (limit === undefined ? 'buffers are now larger, retry' : `it is larger than the ${limit}-byte receive buffer: raise rcvbuf to receive it`));
    this.name = 'ReplyTooLargeError';
  }
}

/** A call collected more replies than its `maxReplies`. */
export class TooManyRepliesError extends Error {
  readonly code = 'ERR_NETLINK_TOO_MANY_REPLIES';
  constructor(readonly limit: number) {
    super(`more than ${limit} replies (maxReplies): iterate a large dump instead of collecting it, or raise maxReplies`);
    this.name = 'TooManyRepliesError';
  }
}

/** A request that got no complete answer in time. */
export class NetlinkTimeoutError extends Error {
  readonly code = 'ETIMEDOUT';
  readonly errno = -110;
  constructor(readonly timeout: number, readonly request?: FailedRequest, awaited = 'complete reply') {
    super(`ETIMEDOUT: no ${awaited} within ${timeout} ms`);
    this.name = 'NetlinkTimeoutError';
  }
}

/** A dump whose data changed while it ran (NLM_F_DUMP_INTR), under the 'throw' policy or after the retries ran out. */
export class DumpInterruptedError extends Error {
  readonly code = 'ERR_NETLINK_DUMP_INTR';
  constructor(readonly attempts: number, readonly partial: unknown[]) {
    super(`dump interrupted by concurrent changes (NLM_F_DUMP_INTR) after ${attempts} attempt(s)`);
    this.name = 'DumpInterruptedError';
  }
}

/** A call that the object's current use rules out (Node's ERR_INVALID_STATE), e.g. a Sync read of an event stream that has 'message' listeners. */
export class NetlinkStateError extends Error {
  readonly code = 'ERR_INVALID_STATE';
  constructor(message: string) {
    super(message);
    this.name = 'NetlinkStateError';
  }
}

/** The connection (or socket) is closed: thrown by every method of a closed Connection, and given to requests that were waiting. */
export class SocketClosedError extends Error {
  readonly code = 'ERR_NETLINK_CLOSED';
  constructor() {
    super('netlink socket closed');
    this.name = 'SocketClosedError';
  }
}

/**
 * A transaction item that was never sent: an earlier send failed for good, the transaction
 * timed out or was aborted, or `stopOnError` stopped it. `cause` says why.
 */
export class NotSentError extends Error {
  readonly code = 'ERR_NETLINK_NOT_SENT';
  constructor(override readonly cause: unknown) {
    super(`not sent: ${(cause as Error)?.message ?? String(cause)}`);
    this.name = 'NotSentError';
  }
}

/**
 * A caller-supplied option or argument that is of the wrong type or out of range, found
 * before anything is sent. Shaped like Node's ERR_INVALID_ARG_TYPE / ERR_OUT_OF_RANGE:
 * `code` says which, `argument` names the option (e.g. 'timeout', 'flags', 'netns').
 */
export class NetlinkArgumentError extends TypeError {
  readonly code: 'ERR_INVALID_ARG_TYPE' | 'ERR_OUT_OF_RANGE' | 'ERR_INVALID_ARG_VALUE';
  constructor(readonly argument: string, message: string, code: NetlinkArgumentError['code'] = 'ERR_INVALID_ARG_VALUE') {
    super(`The "${argument}" option ${message}`);
    this.name = 'NetlinkArgumentError';
    this.code = code;
  }
}

/**
 * A network namespace that could not be used: missing (ENOENT), not a network namespace
 * (EINVAL: a FIFO, a regular file, another kind of namespace), or not permitted. `netns`
 * is the reference as given, `path` the file opened for it.
 */
export class NetnsError extends NetlinkSystemError {
  constructor(errno: number, syscall: string, detail: string, readonly netns: string | number, readonly path?: string) {
    super(errno, syscall, detail);
    this.name = 'NetnsError';
  }
}
