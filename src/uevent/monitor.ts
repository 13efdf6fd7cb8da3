// Uevents as an async iterable, from a NETLINK_KOBJECT_UEVENT socket in the caller's (or
// a given) network namespace: the kernel's group or udev's.
import { NETLINK_KOBJECT_UEVENT, SO_PASSCRED, SOL_SOCKET } from '../core/constants.js';
import { datagramReaderSync, pollDatagrams, type DatagramHandler } from '../core/datagrams.js';
import { NetlinkArgumentError } from '../core/errors.js';
import { checkEventOptions, quote } from '../core/options.js';
import { EventItems } from '../core/event-items.js';
import { EventStream } from '../core/events.js';
import type { RawMessage } from '../core/message.js';
import { NetlinkSocket, type NetnsRef } from '../core/transport.js';
import { decodeKernelUevent, decodeUdevEvent, type Uevent, type UeventSource } from './decode.js';

/** The groups of NETLINK_KOBJECT_UEVENT. */
export const UEVENT_GROUPS: Record<UeventSource, number> = { kernel: 1, udev: 2 };

export interface UeventsOptions {
  /** 'kernel' (default): events as the kernel sends them; 'udev': as udevd re-broadcasts them after its rules ran. */
  source?: UeventSource;
  /** The namespace whose events to hear: network devices' events go to their own namespace. */
  netns?: NetnsRef;
  rcvbuf?: number;
  forceBuffers?: boolean;
  highWaterMark?: number;
  ref?: boolean;
}

const OPTION_KEYS = new Set(['source', 'netns', 'rcvbuf', 'forceBuffers', 'highWaterMark', 'ref']);

function checkOptions(opts: UeventsOptions): UeventSource {
  if (opts === null || typeof opts !== 'object') throw new NetlinkArgumentError('options', 'must be an object', 'ERR_INVALID_ARG_TYPE');
  for (const k of Object.keys(opts)) if (!OPTION_KEYS.has(k)) throw new NetlinkArgumentError(k, `is not an option of uevents (${[...OPTION_KEYS].join(', ')})`);
  const source = opts.source ?? 'kernel';
  if (source !== 'kernel' && source !== 'udev') throw new NetlinkArgumentError('source', `must be 'kernel' or 'udev', got ${quote(source)}`);
  // the stream's own options, checked as Connection.events checks them, before any socket opens
  checkEventOptions({ ref: opts.ref, highWaterMark: opts.highWaterMark });
  return source;
}

/**
 * Whom to believe, as libudev does: kernel events only from the kernel (port 0), udev
 * events only from a process running as root (its credentials, vouched for by the kernel).
 */
function trusted(source: UeventSource, m: RawMessage): boolean {
  return source === 'kernel' ? m.sender === 0 : m.credUid === 0;
}

/**
 * Device events: `{action, devpath, subsystem, seqnum, env, ...}` per event,
 * `{type: 'overrun'}` when the kernel dropped some, `{type: 'error'}` for a datagram that
 * did not parse. Events that come from anyone but the trusted sender are dropped unread.
 */
export function uevents(opts: UeventsOptions = {}): EventItems<Uevent> {
  const source = checkOptions(opts);
  const group = UEVENT_GROUPS[source];
  const sock = new NetlinkSocket(NETLINK_KOBJECT_UEVENT, {
    netns: opts.netns, groups: [group], extAck: false, capAck: false,
    ...(opts.rcvbuf !== undefined ? { rcvbuf: opts.rcvbuf, forceBuffers: opts.forceBuffers } : {}),
  });
  try {
    if (source === 'udev') sock.setOption(SOL_SOCKET, SO_PASSCRED, true);
  } catch (e) {
    sock.close();
    throw e;
  }
  const decode = source === 'kernel' ? decodeKernelUevent : decodeUdevEvent;
  let polling: { pause(): void; resume(): void } | undefined;
  const handler: DatagramHandler = {
    datagram: (m) => {
      if (m.group === group && trusted(source, m)) stream.deliver(m);
    },
    overrun: () => stream.overrun(),
    fail: (err) => stream.fail(err),
  };
  const stream = new EventStream<Uevent>(
    { decode: (m) => decode(m.buf, m.start, m.end), highWaterMark: opts.highWaterMark, ref: opts.ref },
    () => polling?.pause(), () => polling?.resume(), () => sock.close(), datagramReaderSync(sock, handler),
  );
  polling = pollDatagrams(sock, handler);
  sock.setRef(opts.ref ?? true);
  stream.on('ref-change', () => sock.setRef(stream.ref));
  return EventItems.of<Uevent, Uevent>(stream, (ev) => ev, () => sock.close());
}
