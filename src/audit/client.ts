// The audit API: status, rules, user messages and records, over one NETLINK_AUDIT
// connection, every request built from the audit spec (opCall) with its Sync twin bound
// by bindCalls.
import { bindCalls, type BoundCalls } from '../core/call.js';
import { Connection } from '../core/connection.js';
import { NETLINK_AUDIT, SO_RCVBUF, SOL_SOCKET } from '../core/constants.js';
import { NetlinkArgumentError } from '../core/errors.js';
import { EventItems, type EventItem } from '../core/event-items.js';
import type { NetnsRef } from '../core/transport.js';
import { opCall } from '../ynl/op-call.js';
import { description, type AuditStatusStruct, type FailureEnum, type StatusMaskEnum } from '../ynl/families/audit.js';
import { auditdRecords } from './auditd.js';
import { decodeRecord, EventGrouper, type AuditEvent, type AuditRecord } from './records.js';
import { decodeRule, encodeRule, parseRule, type AuditRule, type AuditWatch } from './rules.js';

/** AUDIT_NLGRP_READLOG: every record, best effort, for readers beside auditd (CAP_AUDIT_READ). */
export const AUDIT_NLGRP_READLOG = description.mcastGroups.find((g) => g.name === 'readlog')!.value!;
/** The longest user message text the kernel logs (AUDIT_MESSAGE_TEXT_MAX). */
export const AUDIT_MESSAGE_TEXT_MAX = 8560;

/** The kernel's audit status: struct audit_status as the spec decodes it, its feature bitmap as `features`. */
export type AuditStatus = Omit<AuditStatusStruct, 'mask' | 'featureBitmap'> & {
  /** The kernel's audit features. */
  features: AuditStatusStruct['featureBitmap'];
};

/** Fields to change; the others stay. */
export interface AuditStatusChange {
  enabled?: boolean | 'locked';
  failure?: FailureEnum;
  /** Register this pid as the audit daemon (0: unregister). The kernel accepts only the caller's own pid. */
  pid?: number;
  rateLimit?: number;
  backlogLimit?: number;
  backlogWaitTime?: number;
  /** Reset the lost counter (the kernel returns the old value in an AUDIT_SET record). */
  resetLost?: boolean;
  resetBacklogWaitTimeActual?: boolean;
}

const u32 = (name: string, v: unknown): number => {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new NetlinkArgumentError(name, `must be an integer 0..4294967295, got ${String(v)}`);
  return v;
};

/** Status fields as AUDIT_SET takes them: the mask names what changes. */
export function statusRequest(change: AuditStatusChange): Partial<AuditStatusStruct> {
  if (change === null || typeof change !== 'object') throw new NetlinkArgumentError('change', 'must be an object', 'ERR_INVALID_ARG_TYPE');
  const known = ['enabled', 'failure', 'pid', 'rateLimit', 'backlogLimit', 'backlogWaitTime', 'resetLost', 'resetBacklogWaitTimeActual'];
  for (const k of Object.keys(change)) if (!known.includes(k)) throw new NetlinkArgumentError(k, `is not an audit status field (${known.join(', ')})`);
  const mask: StatusMaskEnum[] = [];
  const out: Partial<AuditStatusStruct> = {};
  if (change.enabled !== undefined) {
    if (change.enabled !== true && change.enabled !== false && change.enabled !== 'locked') throw new NetlinkArgumentError('enabled', "must be true, false or 'locked'");
    mask.push('enabled');
    out.enabled = change.enabled === 'locked' ? 'locked' : change.enabled ? 'enabled' : 'disabled';
  }
  if (change.failure !== undefined) {
    if (!['silent', 'printk', 'panic'].includes(change.failure)) throw new NetlinkArgumentError('failure', "must be 'silent', 'printk' or 'panic'");
    mask.push('failure');
    out.failure = change.failure;
  }
  const ints: [keyof AuditStatusChange & keyof AuditStatusStruct, StatusMaskEnum][] = [
    ['pid', 'pid'], ['rateLimit', 'rate-limit'], ['backlogLimit', 'backlog-limit'], ['backlogWaitTime', 'backlog-wait-time'],
  ];
  for (const [k, bit] of ints) {
    if (change[k] === undefined) continue;
    (out as Record<string, number>)[k] = u32(k, change[k]);
    mask.push(bit);
  }
  if (change.resetLost) mask.push('lost');
  if (change.resetBacklogWaitTimeActual) mask.push('backlog-wait-time-actual');
  if (!mask.length) throw new NetlinkArgumentError('change', 'names no field to change');
  out.mask = mask;
  return out;
}

function toStatus(s: AuditStatusStruct | undefined): AuditStatus {
  if (!s) throw new NetlinkArgumentError('reply', 'the kernel sent no audit status');
  const { mask: _mask, featureBitmap, ...rest } = s;
  return { ...rest, features: featureBitmap };
}

const asRule = (rule: AuditRule | AuditWatch | string) => encodeRule(typeof rule === 'string' ? parseRule(rule) : rule);

function userText(text: string): number[] {
  if (typeof text !== 'string' || text === '') throw new NetlinkArgumentError('text', 'must be a non-empty string', 'ERR_INVALID_ARG_TYPE');
  if (text.includes('\0')) throw new NetlinkArgumentError('text', 'must not contain NUL (the kernel ends the message there)');
  // NUL-terminated: the kernel overwrites the last byte with one
  const b = Buffer.from(`${text}\0`);
  if (b.length > AUDIT_MESSAGE_TEXT_MAX) throw new NetlinkArgumentError('text', `is ${b.length - 1} bytes; the kernel logs at most ${AUDIT_MESSAGE_TEXT_MAX - 1}`, 'ERR_OUT_OF_RANGE');
  return [...b];
}

/** The audit calls, once as data: each becomes a method and its Sync twin. */
const builders = {
  // the kernel answers AUDIT_GET from a thread of its own, after the ack: the reply itself completes the call
  status: () => opCall(description, 'get', 'do', {}, { ack: false, result: (r) => toStatus(r[0]) }),
  setStatus: (change: AuditStatusChange) => opCall(description, 'set', 'do', statusRequest(change), { result: () => undefined }),
  listRules: () => opCall(description, 'list-rules', 'dump', {}, { result: (r) => r.map(decodeRule) }),
  /** A rule object, a watch ({watch, perms, key}) or auditctl text. */
  addRule: (rule: AuditRule | AuditWatch | string) => opCall(description, 'add-rule', 'do', asRule(rule), { result: () => undefined }),
  deleteRule: (rule: AuditRule | AuditWatch | string) => opCall(description, 'del-rule', 'do', asRule(rule), { result: () => undefined }),
  /** An AUDIT_USER message. The kernel drops it silently while audit is disabled. Needs CAP_AUDIT_WRITE. */
  user: (text: string) => opCall(description, 'user', 'do', { text: userText(text) }, { result: () => undefined }),
};

export type AuditCalls = BoundCalls<typeof builders>;

export interface AuditOptions {
  /** Audit answers in the initial namespaces only (other user or pid namespaces are refused). */
  netns?: NetnsRef;
  timeout?: number;
}

export interface AuditWatchOptions {
  /**
   * 'readlog' (default): the read-log multicast group, beside any auditd (nothing registered,
   * best effort). 'auditd': register this process as the audit daemon (EEXIST while another is)
   * and receive every record; close() unregisters.
   */
  mode?: 'readlog' | 'auditd';
  /** Group records into events by serial (default true); false: each record as it comes. */
  group?: boolean;
  /** An event without an end-of-event record is complete after this long without more of its records. Default 100 ms. */
  quietMs?: number;
  highWaterMark?: number;
  ref?: boolean;
  rcvbuf?: number;
}

/** Audit records or events, as an async iterable; close() stops. */
export class AuditWatchStream<T extends AuditRecord | AuditEvent> implements AsyncIterable<EventItem<T>> {
  constructor(private readonly records: EventItems<AuditRecord>, private readonly grouper: EventGrouper | undefined) {}

  [Symbol.asyncIterator](): AsyncIterator<EventItem<T>> {
    const it = this.records[Symbol.asyncIterator]();
    return (this.grouper ? groupRecords(it, this.grouper) : it) as AsyncIterator<EventItem<T>>;
  }

  close(): void {
    this.records.close();
  }

  setRef(ref: boolean): this {
    this.records.setRef(ref);
    return this;
  }
}

/** Records into events: complete ones as their end-of-event record comes, quiet ones when due, the rest at the end. */
async function* groupRecords(it: AsyncIterator<EventItem<AuditRecord>>, grouper: EventGrouper): AsyncGenerator<EventItem<AuditEvent>> {
  const QUIET = Symbol('quiet');
  let pending = it.next();
  try {
    for (;;) {
      const wait = grouper.nextDue();
      let timer: NodeJS.Timeout | undefined;
      const r = wait === undefined ? await pending
        : await Promise.race([pending, new Promise<typeof QUIET>((resolve) => (timer = setTimeout(() => resolve(QUIET), wait)))]);
      clearTimeout(timer);
      if (r === QUIET) {
        yield* grouper.due();
        continue;
      }
      if (r.done) break;
      pending = it.next();
      const item = r.value;
      if (item.type !== 'record') yield item;
      else {
        const done = grouper.add(item);
        if (done) yield done;
      }
    }
    yield* grouper.flush();
  } finally {
    await it.return?.();
  }
}

/**
 * The audit subsystem over one connection:
 *
 * ```ts
 * const audit = Audit.open();
 * await audit.status();                   // { enabled: 'disabled', failure: 'printk', backlogLimit: 64, ... }
 * await audit.addRule('-a always,exit -F arch=b64 -S openat -k opens');
 * await audit.listRules();                // [{ list: 'exit', action: 'always', syscalls: ['openat'], ... }]
 * for await (const ev of audit.watch()) console.log(ev);
 * ```
 */
export interface Audit extends AuditCalls {}
export class Audit {
  readonly conn: Connection;

  private constructor(opts: AuditOptions) {
    this.conn = new Connection(NETLINK_AUDIT, opts);
    // status(), statusSync(), setStatus(), ... from the builders
    Object.assign(this, bindCalls(this.conn, builders));
  }

  static open(opts: AuditOptions = {}): Audit {
    return new Audit(opts);
  }

  /**
   * Records as they are logged, grouped into events by default: from the read-log
   * multicast group beside any auditd (default), or as the registered audit daemon
   * (`mode: 'auditd'`, on a socket of its own; unregistered on close).
   */
  watch(opts?: AuditWatchOptions & { group?: true }): AuditWatchStream<AuditEvent>;
  watch(opts: AuditWatchOptions & { group: false }): AuditWatchStream<AuditRecord>;
  watch(opts: AuditWatchOptions = {}): AuditWatchStream<AuditEvent> | AuditWatchStream<AuditRecord> {
    if (opts.quietMs !== undefined && (!Number.isInteger(opts.quietMs) || opts.quietMs < 1 || opts.quietMs > 60_000))
      throw new NetlinkArgumentError('quietMs', 'must be an integer 1..60000', 'ERR_OUT_OF_RANGE');
    if (opts.mode !== undefined && opts.mode !== 'readlog' && opts.mode !== 'auditd') throw new NetlinkArgumentError('mode', "must be 'readlog' or 'auditd'");
    let records: EventItems<AuditRecord>;
    if (opts.mode === 'auditd') records = auditdRecords({ highWaterMark: opts.highWaterMark, ref: opts.ref, rcvbuf: opts.rcvbuf });
    else {
      if (opts.rcvbuf !== undefined) this.conn.socket.setOption(SOL_SOCKET, SO_RCVBUF, u32('rcvbuf', opts.rcvbuf));
      const stream = this.conn.events({ groups: [AUDIT_NLGRP_READLOG], decode: decodeRecord, highWaterMark: opts.highWaterMark, ref: opts.ref });
      records = EventItems.of<AuditRecord, AuditRecord>(stream, (r) => r, () => {});
    }
    if (opts.group === false) return new AuditWatchStream<AuditRecord>(records, undefined);
    return new AuditWatchStream<AuditEvent>(records, new EventGrouper(opts.quietMs ?? 100));
  }

  close(): void {
    this.conn.close();
  }
}

/** One call on a connection of its own: `auditStatus()`, `auditStatusSync()`... */
function oneShot<A extends unknown[], R>(name: keyof AuditCalls, sync: boolean) {
  return (...args: [...A, AuditOptions?]): R | Promise<R> => {
    const n = (builders as Record<string, (...a: unknown[]) => unknown>)[name as string].length;
    const opts = (args.length > n ? args[n] : undefined) as AuditOptions | undefined;
    const audit = Audit.open(opts);
    const call = (audit as unknown as Record<string, (...a: unknown[]) => R | Promise<R>>)[sync ? `${name}Sync` : name];
    try {
      const r = call(...args.slice(0, n));
      if (!(r instanceof Promise)) return r;
      return r.finally(() => audit.close());
    } finally {
      if (sync) audit.close();
    }
  };
}

export const auditStatus = oneShot<[], AuditStatus>('status', false) as (opts?: AuditOptions) => Promise<AuditStatus>;
export const auditStatusSync = oneShot<[], AuditStatus>('status', true) as (opts?: AuditOptions) => AuditStatus;
export const setAuditStatus = oneShot<[AuditStatusChange], void>('setStatus', false) as (change: AuditStatusChange, opts?: AuditOptions) => Promise<void>;
export const setAuditStatusSync = oneShot<[AuditStatusChange], void>('setStatus', true) as (change: AuditStatusChange, opts?: AuditOptions) => void;
export const auditRules = oneShot<[], AuditRule[]>('listRules', false) as (opts?: AuditOptions) => Promise<AuditRule[]>;
export const auditRulesSync = oneShot<[], AuditRule[]>('listRules', true) as (opts?: AuditOptions) => AuditRule[];
export const addAuditRule = oneShot<[AuditRule | AuditWatch | string], void>('addRule', false) as (rule: AuditRule | AuditWatch | string, opts?: AuditOptions) => Promise<void>;
export const addAuditRuleSync = oneShot<[AuditRule | AuditWatch | string], void>('addRule', true) as (rule: AuditRule | AuditWatch | string, opts?: AuditOptions) => void;
export const deleteAuditRule = oneShot<[AuditRule | AuditWatch | string], void>('deleteRule', false) as (rule: AuditRule | AuditWatch | string, opts?: AuditOptions) => Promise<void>;
export const deleteAuditRuleSync = oneShot<[AuditRule | AuditWatch | string], void>('deleteRule', true) as (rule: AuditRule | AuditWatch | string, opts?: AuditOptions) => void;
export const auditUser = oneShot<[string], void>('user', false) as (text: string, opts?: AuditOptions) => Promise<void>;
export const auditUserSync = oneShot<[string], void>('user', true) as (text: string, opts?: AuditOptions) => void;
