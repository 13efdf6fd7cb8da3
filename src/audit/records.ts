// Audit records: message type (named by the audit spec's msg-type enum) and text body,
// "audit(SECONDS.MILLIS:SERIAL): key=value ...". Records are text, not structs or
// attributes: this module reads them, and groups the records of one event by serial.
import { Definitions } from '../core/definitions.js';
import { NetlinkDecodeError } from '../core/errors.js';
import type { RawMessage } from '../core/message.js';
import { description } from '../ynl/families/audit.js';

const msgTypes = new Definitions(description).enum('msg-type');

/** A record type's name ('syscall', 'path', 'user'...), or its number when the spec does not know it. */
export function recordTypeName(type: number): string | number {
  return msgTypes.name_(type);
}

/** A record type by name or number. */
export function recordTypeNumber(type: string | number): number | undefined {
  return typeof type === 'number' ? type : msgTypes.byName.get(type);
}

export interface AuditRecord {
  type: 'record';
  /** The record type (nlmsg_type) by name ('syscall', 'path', 'user'...), or its number when unknown; and its number. */
  recordType: string | number;
  recordTypeNumber: number;
  /** Seconds since the epoch, with milliseconds, from the record's stamp. */
  time: number;
  /** The event's serial number: records of one event share it (and the time). */
  serial: number;
  /** The text after the stamp. */
  text: string;
  /** key=value pairs of the text, values unquoted (hex-encoded values stay as they came). */
  fields: Record<string, string>;
}

const STAMP = /^audit\((\d+)\.(\d{3}):(\d+)\):\s?/;

/** key=value pairs: values bare, "double" or 'single' quoted (user messages nest theirs in msg='...'). */
export function parseFields(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const re = /([A-Za-z0-9_-]+)=("[^"]*"|'[^']*'|\S*)/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const v = m[2];
    out[m[1]] = v.length >= 2 && (v[0] === '"' || v[0] === "'") && v.at(-1) === v[0] ? v.slice(1, -1) : v;
  }
  return out;
}

/** One record's body (what follows nlmsghdr). */
export function decodeRecordBody(type: number, buf: Buffer, start: number, end: number): AuditRecord {
  // the kernel does not count a terminating NUL, but tolerate one
  while (end > start && buf[end - 1] === 0) end--;
  const raw = buf.toString('utf8', start, end);
  const m = STAMP.exec(raw);
  if (!m) throw new NetlinkDecodeError(`audit record ${type} without an audit(time:serial) stamp: ${JSON.stringify(raw.slice(0, 40))}`, start);
  const text = raw.slice(m[0].length);
  return {
    type: 'record', recordType: recordTypeName(type), recordTypeNumber: type, time: Number(m[1]) + Number(m[2]) / 1000, serial: Number(m[3]), text, fields: parseFields(text),
  };
}

export const decodeRecord = (m: RawMessage): AuditRecord => decodeRecordBody(m.type, m.buf, m.start, m.end);

/** The records of one event, in arrival order. */
export interface AuditEvent {
  type: 'event';
  serial: number;
  time: number;
  records: AuditRecord[];
}

const EOE = recordTypeNumber('eoe')!;
const bySerial = (a: AuditEvent, b: AuditEvent): number => a.time - b.time || a.serial - b.serial;

/**
 * Groups records into events by (time, serial). An event ends with its end-of-event
 * record (syscall events), or when nothing more came for it within `quietMs` (records
 * logged outside a syscall come alone, with no end marker). No timers here: the caller
 * asks what is due (see groupRecords).
 */
export class EventGrouper {
  private readonly open = new Map<string, { ev: AuditEvent; last: number }>();

  constructor(readonly quietMs = 100) {}

  /** Adds a record; returns the event it completes, if it does. */
  add(r: AuditRecord, now = Date.now()): AuditEvent | undefined {
    const key = `${r.time}:${r.serial}`;
    let slot = this.open.get(key);
    if (!slot) this.open.set(key, (slot = { ev: { type: 'event', serial: r.serial, time: r.time, records: [] }, last: now }));
    slot.last = now;
    if (r.recordTypeNumber !== EOE) {
      slot.ev.records.push(r);
      return undefined;
    }
    this.open.delete(key);
    return slot.ev;
  }

  /** Events quiet for quietMs, removed, in serial order (records of several CPUs arrive interleaved). */
  due(now = Date.now()): AuditEvent[] {
    const out: AuditEvent[] = [];
    for (const [key, slot] of this.open) {
      if (now - slot.last < this.quietMs) continue;
      this.open.delete(key);
      out.push(slot.ev);
    }
    return out.sort(bySerial);
  }

  /** ms until the next event falls due, or undefined when none is open. */
  nextDue(now = Date.now()): number | undefined {
    let min: number | undefined;
    for (const slot of this.open.values()) min = Math.min(min ?? Infinity, Math.max(0, slot.last + this.quietMs - now));
    return min;
  }

  /** Every open event, removed. */
  flush(): AuditEvent[] {
    const out = [...this.open.values()].map((s) => s.ev);
    this.open.clear();
    return out.sort(bySerial);
  }
}
