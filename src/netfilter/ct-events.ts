// Conntrack events (`conntrack -E`): the kernel's NFNLGRP_CONNTRACK_NEW / _UPDATE / _DESTROY
// messages as { type, entry } items on a socket of their own, through the engine's event
// stream (back-pressure; an overrun or an undecodable message is one item, never the end).
import { Connection, type ConnectionOptions } from '../core/connection.js';
import { NETLINK_NETFILTER, NLM_F_CREATE, NLM_F_EXCL } from '../core/constants.js';
import { NetlinkArgumentError, NetlinkDecodeError } from '../core/errors.js';
import { EventItems } from '../core/event-items.js';
import type { RawMessage } from '../core/message.js';
import { checkBool, checkSpec } from '../route/arg-check.js';
import { opDecoder } from '../ynl/op-call.js';
import { description as conntrack } from '../ynl/families/conntrack.js';
import { entryObject, type CtEntry } from './ct-entry.js';
import { compileFilter, type CtFilter } from './ct-filter.js';

export type CtEventType = 'new' | 'update' | 'destroy';

export interface CtEvent {
  type: CtEventType;
  entry: CtEntry;
  /**
   * The netlink port of the request that caused the event (`conntrack -E`'s
   * `[USERSPACE] portid=N`); absent for the kernel's own (traffic, timeouts).
   */
  portId?: number;
}

export type CtEvents = EventItems<CtEvent>;

/**
 * With net.netfilter.nf_conntrack_events=2 (the kernel's default) an entry carries events only
 * if a listener existed when it was made: subscribe before the entries of interest appear.
 */
export interface CtEventOptions {
  /** Which events (all three when none is named). */
  new?: boolean;
  update?: boolean;
  destroy?: boolean;
  /** Only entries this filter takes (tested here: the kernel sends every event). */
  filter?: CtFilter;
  /** Whether the stream keeps the process alive (default true). */
  ref?: boolean;
  /** Events buffered for a slow consumer before reading pauses (default 8192). */
  highWaterMark?: number;
}

/**
 * The groups (enum nfnetlink_groups, <linux/netfilter/nfnetlink.h>): NFNLGRP_CONNTRACK_NEW 1,
 * _UPDATE 2, _DESTROY 3. (The kernel's conntrack spec names no multicast groups.)
 */
const GROUPS: Record<CtEventType, number> = { new: 1, update: 2, destroy: 3 };

/** The message types of events: IPCTNL_MSG_CT_NEW and _DELETE in the ctnetlink subsystem (1 << 8). */
const NEW_TYPE = conntrack.operations.find((o) => o.name === 'new')!.requestValue!;
const DELETE_TYPE = conntrack.operations.find((o) => o.name === 'delete')!.requestValue!;

const decodeBody = opDecoder(conntrack, 'get', 'dump');

/**
 * An event message as { type, entry }. A new entry's message carries NLM_F_CREATE|NLM_F_EXCL
 * (ctnetlink_conntrack_event), an update's does not.
 */
export function decodeEvent(m: RawMessage): CtEvent {
  let type: CtEventType;
  if (m.type === NEW_TYPE) type = (m.flags & (NLM_F_CREATE | NLM_F_EXCL)) !== 0 ? 'new' : 'update';
  else if (m.type === DELETE_TYPE) type = 'destroy';
  else throw new NetlinkDecodeError(`conntrack event of unknown message type ${m.type}`, m.start);
  const ev: CtEvent = { type, entry: entryObject(decodeBody(m)) };
  if (m.portId !== 0) ev.portId = m.portId;
  return ev;
}

const OPTION_KEYS = ['new', 'update', 'destroy', 'filter', 'ref', 'highWaterMark', 'netns'] as const;

export function conntrackEvents(conn: ConnectionOptions, opts: (CtEventOptions & { netns?: unknown }) | undefined): CtEvents {
  const o = (opts === undefined ? {} : checkSpec(opts, 'events', OPTION_KEYS)) as CtEventOptions;
  const named = (['new', 'update', 'destroy'] as const).filter((k) => checkBool(o[k], k));
  const types = named.length ? named : (['new', 'update', 'destroy'] as const);
  const f = o.filter === undefined ? undefined : compileFilter(o.filter);
  if (o.ref !== undefined) checkBool(o.ref, 'ref');
  if (o.highWaterMark !== undefined && !(Number.isInteger(o.highWaterMark) && o.highWaterMark > 0))
    throw new NetlinkArgumentError('highWaterMark', `must be a positive integer, got ${String(o.highWaterMark)}`, 'ERR_OUT_OF_RANGE');
  const sock = new Connection(NETLINK_NETFILTER, conn);
  try {
    const stream = sock.events<CtEvent>({
      groups: types.map((t) => GROUPS[t]), decode: decodeEvent, ref: o.ref, highWaterMark: o.highWaterMark,
    });
    return EventItems.of<CtEvent, CtEvent>(stream, (ev) => (f && !f.match(ev.entry) ? undefined : ev), () => sock.close());
  } catch (e) {
    sock.close();
    throw e;
  }
}
