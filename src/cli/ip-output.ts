// What the iproute2-style commands print besides their objects: JSON as `ip -j` writes it,
// and errors as ip words them (the kernel's extended-ack text first), with ip's exit status.
import { UsageError } from './args.js';
import type { IpEnv } from './ip-command.js';
import { IpUsageError } from './ip-command.js';

const BIG = '\u0000big:';

/** `ip -j` (one line) or `ip -j -p` (laid out as ip lays it out): 64-bit counters as exact numbers. */
export function printJson(env: Pick<IpEnv, 'pretty' | 'out'>, value: unknown): void {
  const text = env.pretty ? pretty(value, 0) : JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? BIG + v.toString() : v));
  // JSON.stringify writes the marker's NUL as the six characters \u0000
  env.out(text.replace(/"\\u0000big:(\d+)"/g, '$1') + '\n');
}

/**
 * iproute2's json_writer layout under -p: members on lines of their own, four spaces a level
 * (arrays count as levels), scalars in arrays on one line (`[ "UP","LOWER_UP" ]`), objects
 * in arrays joined `},{`, empty arrays `[ ]`.
 */
function pretty(v: unknown, depth: number): string {
  if (typeof v === 'bigint') return v.toString();
  if (v === null || typeof v !== 'object') return JSON.stringify(v) ?? 'null';
  const pad = (d: number) => '    '.repeat(d);
  if (Array.isArray(v)) return v.length ? `[ ${v.map((x) => pretty(x, depth + 1)).join(',')} ]` : '[ ]';
  const entries = Object.entries(v).filter(([, x]) => x !== undefined);
  if (!entries.length) return '{}';
  return `{${entries.map(([k, x]) => `\n${pad(depth + 1)}${JSON.stringify(k)}: ${pretty(x, depth + 1)}`).join(',')}\n${pad(depth)}}`;
}

/** glibc's strerror texts (what ip prints after "RTNETLINK answers:"), for the errors rtnetlink returns. */
const STRERROR: Record<string, string> = {
  EPERM: 'Operation not permitted', ENOENT: 'No such file or directory', ESRCH: 'No such process', EIO: 'Input/output error',
  ENXIO: 'No such device or address', E2BIG: 'Argument list too long', EBADF: 'Bad file descriptor', EAGAIN: 'Resource temporarily unavailable',
  ENOMEM: 'Cannot allocate memory', EACCES: 'Permission denied', EBUSY: 'Device or resource busy', EEXIST: 'File exists',
  EXDEV: 'Invalid cross-device link', ENODEV: 'No such device', ENOTDIR: 'Not a directory', EINVAL: 'Invalid argument',
  ENFILE: 'Too many open files in system', EMFILE: 'Too many open files', ENOSPC: 'No space left on device', ERANGE: 'Numerical result out of range',
  EMSGSIZE: 'Message too long', EPROTONOSUPPORT: 'Protocol not supported', EOPNOTSUPP: 'Operation not supported', ENOTSUP: 'Operation not supported',
  EAFNOSUPPORT: 'Address family not supported by protocol', EADDRINUSE: 'Address already in use', EADDRNOTAVAIL: 'Cannot assign requested address',
  ENETDOWN: 'Network is down', ENETUNREACH: 'Network is unreachable', ENOBUFS: 'No buffer space available', ETIMEDOUT: 'Connection timed out',
  EHOSTUNREACH: 'No route to host', ENOTEMPTY: 'Directory not empty', ELOOP: 'Too many levels of symbolic links', ENOTSOCK: 'Socket operation on non-socket',
  EPROTO: 'Protocol error', EOVERFLOW: 'Value too large for defined data type', ENOTCONN: 'Transport endpoint is not connected',
  EPFNOSUPPORT: 'Protocol family not supported', ENOLINK: 'Link has been severed', EDOM: 'Numerical argument out of domain',
};

/** strerror(errno) by code ('EEXIST' -> 'File exists'); the code itself when unknown. */
export function strerror(code: string | undefined, fallback = ''): string {
  return (code && STRERROR[code]) || fallback || code || 'Unknown error';
}

interface ErrorLike {
  name?: string;
  code?: string;
  message: string;
  extackMessage?: string;
  argument?: string;
}

/**
 * An error as ip reports it, and the exit status ip gives it: usage errors as their own words
 * (1, or 255 where ip exits -1), the kernel's refusals as "Error: EXT-ACK." or "RTNETLINK
 * answers: STRERROR" (2), a missing device as "Cannot find device" (1).
 */
export function ipErrorText(e: unknown): { text: string; status: number } {
  if (e instanceof IpUsageError) return { text: e.message, status: e.status };
  if (e instanceof UsageError) return { text: e.message, status: 1 };
  if (!(e instanceof Error)) return { text: `nlkit: ${String(e)}`, status: 2 };
  const err = e as ErrorLike;
  if (err.name === 'NetlinkError') {
    const msg = err.extackMessage;
    if (msg) return { text: `Error: ${msg}${msg.endsWith('.') ? '' : '.'}`, status: 2 };
    return { text: `RTNETLINK answers: ${strerror(err.code)}`, status: 2 };
  }
  const device = /Cannot find device "([^"]*)"/.exec(err.message);
  if (err.code === 'ENODEV' && device) return { text: `Cannot find device "${device[1]}"`, status: 1 };
  // a value the domain API refused: said in its words, as an invalid argument (ip: exit -1)
  if (err.code?.startsWith('ERR_INVALID') || err.code === 'ERR_OUT_OF_RANGE')
    return { text: `Error: ${err.message.replace(/^The "([^"]+)" option /, (_m, o: string) => `"${o}" `)}.`, status: 255 };
  // a system call's failure (namespaces, tun/tap): its detail, with strerror
  if (err.code && /^E[A-Z0-9]+$/.test(err.code)) {
    const detail = err.message.replace(/^E[A-Z0-9]+: /, '');
    return { text: `${detail}: ${strerror(err.code)}`, status: 1 };
  }
  return { text: `nlkit: ${err.message}`, status: 2 };
}

/**
 * A kernel refusal as the tools report it: the kernel's words, then the tool's own line
 * (ip's `Dump terminated`, tc's `We have an error talking to the kernel`...) and its status.
 * Anything but a NetlinkError comes back as it is.
 */
export function kernelRefusal(e: unknown, line: string, status: number): unknown {
  if (!(e instanceof Error) || e.name !== 'NetlinkError') return e;
  return new IpUsageError(`${ipErrorText(e).text}\n${line}`, status);
}

/** A dump the kernel refused: ip says the kernel's words, then `Dump terminated` (status 2). */
export const dumpTerminated = (e: unknown, status = 2): unknown => kernelRefusal(e, 'Dump terminated', status);
