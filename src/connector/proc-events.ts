// Process events from the proc connector: subscribe (PROC_CN_MCAST_LISTEN with the
// kernel's event filter), typed events as an async iterable, unsubscribe (IGNORE) on close.
import { readFileSync } from 'node:fs';
import { constants, release } from 'node:os';
import { Connection } from '../core/connection.js';
import { NETLINK_CONNECTOR, NLMSG_DONE } from '../core/constants.js';
import { NetlinkArgumentError, NetlinkSystemError } from '../core/errors.js';
import { EventItems, type EventItem } from '../core/event-items.js';
import type { EventStream } from '../core/events.js';
import { checkEventOptions, quote } from '../core/options.js';
import type { NetnsRef } from '../core/transport.js';
import { Writer } from '../core/writer.js';
import { Family } from '../ynl/family.js';
import { description, type ProcCnEventSetEnum, type ProcControlDoRequest, type ProcControlLegacyDoRequest } from '../ynl/families/connector.js';
import { CN_IDX_PROC, CN_VAL_PROC, decodeProcEvent, type ProcAck, type ProcEvent, type ProcEventType } from './decode.js';

/** What can be asked for: every event type, and 'nonzero-exit' (exits with a non-zero status only). */
export type ProcEventFilter = ProcEventType | 'nonzero-exit';
export const PROC_EVENT_TYPES: readonly ProcEventFilter[] = ['fork', 'exec', 'uid', 'gid', 'sid', 'ptrace', 'comm', 'coredump', 'exit', 'nonzero-exit'];

export interface ProcEventsOptions {
  /** Event types to receive (default: all). The kernel filters (Linux >= 6.6); nlkit filters again. */
  events?: readonly ProcEventFilter[];
  /** The proc connector lives in the initial network namespace only; another is refused by the kernel (ECONNREFUSED). */
  netns?: NetnsRef;
  /** Read /proc/PID/cmdline for exec events (when the process is still there). Default false. */
  cmdline?: boolean;
  /** SO_RCVBUF for bursts (fork storms); with forceBuffers beyond rmem_max (root). */
  rcvbuf?: number;
  forceBuffers?: boolean;
  /** Events buffered for a slow consumer before reading pauses (then the kernel queue overflows: an overrun item). */
  highWaterMark?: number;
  /** Whether the stream keeps the process alive. Default true. */
  ref?: boolean;
}

export type ProcItem = EventItem<ProcEvent>;

const connector = Family.from(description);
const OPTION_KEYS = new Set(['events', 'netns', 'cmdline', 'rcvbuf', 'forceBuffers', 'highWaterMark', 'ref']);

/** proc_input arrived in Linux 6.6; earlier kernels take the bare operation and ignore anything else. */
export function kernelHasProcInput(rel = release()): boolean {
  const m = /^(\d+)\.(\d+)/.exec(rel);
  return !m || Number(m[1]) > 6 || (Number(m[1]) === 6 && Number(m[2]) >= 6);
}

function checkOptions(opts: ProcEventsOptions): ProcEventFilter[] | undefined {
  if (opts === null || typeof opts !== 'object') throw new NetlinkArgumentError('options', 'must be an object', 'ERR_INVALID_ARG_TYPE');
  for (const k of Object.keys(opts)) if (!OPTION_KEYS.has(k)) throw new NetlinkArgumentError(k, `is not an option of procEvents (${[...OPTION_KEYS].join(', ')})`);
  if (opts.cmdline !== undefined && typeof opts.cmdline !== 'boolean') throw new NetlinkArgumentError('cmdline', 'must be a boolean', 'ERR_INVALID_ARG_TYPE');
  // the stream's own options, checked as Connection.events checks them, before any socket opens
  checkEventOptions({ ref: opts.ref, highWaterMark: opts.highWaterMark });
  if (opts.events === undefined) return undefined;
  if (!Array.isArray(opts.events) || opts.events.length === 0)
    throw new NetlinkArgumentError('events', `must be a non-empty array of ${PROC_EVENT_TYPES.join(', ')}`, 'ERR_INVALID_ARG_TYPE');
  for (const e of opts.events)
    if (!PROC_EVENT_TYPES.includes(e)) throw new NetlinkArgumentError('events', `has ${quote(e)}: must be one of ${PROC_EVENT_TYPES.join(', ')}`);
  return [...new Set(opts.events)];
}

/** Whether the user-space filter lets an event through (the kernel's rule: nonzero-exit passes exits with a status). */
function wanted(filter: ReadonlySet<ProcEventFilter> | undefined, ev: ProcEvent): boolean {
  if (!filter || filter.has(ev.type)) return true;
  return ev.type === 'exit' && filter.has('nonzero-exit') && ev.exitCode !== 0;
}

function readCmdline(pid: number): string[] | undefined {
  try {
    const raw = readFileSync(`/proc/${pid}/cmdline`);
    if (raw.length === 0) return undefined; // exiting already (a zombie has none), or a kernel thread
    const parts = raw.toString('utf8').split('\0');
    if (parts.at(-1) === '') parts.pop();
    return parts;
  } catch {
    return undefined; // already gone, or not ours to read
  }
}

/**
 * Process events as an async iterable: fork, exec, uid, gid, sid, ptrace, comm, coredump,
 * exit, each typed, and `{type: 'overrun'}` when the kernel dropped some (a fork storm
 * faster than the reader), `{type: 'error'}` for a message that did not decode.
 * Needs CAP_NET_ADMIN (root); a refusal by the kernel is an error item with its errno.
 * close() (or leaving the loop) sends IGNORE and closes the socket.
 */
export function procEvents(opts: ProcEventsOptions = {}): EventItems<ProcEvent> {
  const filter = checkOptions(opts);
  const conn = new Connection(NETLINK_CONNECTOR, {
    netns: opts.netns, ...(opts.rcvbuf !== undefined ? { rcvbuf: opts.rcvbuf, forceBuffers: opts.forceBuffers } : {}),
  });
  let seq = 0;
  const legacy = !kernelHasProcInput();
  const control = (op: 'listen' | 'ignore'): void => {
    const msg = { id: { idx: CN_IDX_PROC, val: CN_VAL_PROC }, seq: ++seq, ack: 0, len: legacy ? 4 : 8, flags: 0 };
    const body = legacy
      ? connector.encode('proc-control-legacy', { msg, mcastOp: op } satisfies ProcControlLegacyDoRequest)
      : connector.encode('proc-control', { msg, input: { mcastOp: op, eventType: (filter ?? []) as ProcCnEventSetEnum[] } } satisfies ProcControlDoRequest);
    const w = new Writer(64);
    // the connector answers on its group (an ack event), never with a netlink ack
    w.endMessage(((start) => (w.bytes(body), start))(w.beginMessage(NLMSG_DONE, 0, seq)));
    conn.socket.send(w.buf, 0, w.pos);
  };
  let stream: EventStream<ProcEvent | ProcAck>;
  try {
    stream = conn.events({ groups: [CN_IDX_PROC], decode: decodeProcEvent, highWaterMark: opts.highWaterMark, ref: opts.ref });
    control('listen');
  } catch (e) {
    conn.close();
    // the connector's kernel socket exists in the initial network namespace only
    if ((e as { code?: string }).code === 'ECONNREFUSED')
      throw new NetlinkSystemError(constants.errno.ECONNREFUSED, 'sendto', 'no process connector in this network namespace (the kernel has it in the initial one only)');
    throw e;
  }
  const only = filter ? new Set(filter) : undefined;
  const cmdline = opts.cmdline === true;
  return EventItems.of<ProcEvent, ProcEvent | ProcAck>(stream, (ev) => {
    if (ev.type === 'ack')
      return ev.err === 0 ? undefined : { type: 'error', error: new NetlinkSystemError(ev.err, 'connector', 'the kernel refused to subscribe to process events') };
    if (!wanted(only, ev)) return undefined;
    if (cmdline && ev.type === 'exec') ev.cmdline = readCmdline(ev.tgid);
    return ev;
  }, () => {
    try {
      if (!conn.isClosed) control('ignore');
    } catch {
      // the socket is going away anyway: the kernel drops its filter with it
    } finally {
      conn.close();
    }
  });
}
