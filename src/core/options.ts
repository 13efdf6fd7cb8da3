// Caller options checked before anything is built or sent: a wrong type or range is a
// NetlinkArgumentError naming the option, never a silent truncation, a timer that fires at
// once or a crash in the poller.
import { NetlinkArgumentError } from './errors.js';

/** Node timers fire after ~1 ms for any delay above this. */
export const MAX_TIMEOUT = 0x7fffffff;

/** A caller's value as an error message shows it: never throws (bigints, symbols, objects without toString). */
export function show(v: unknown): string {
  if (typeof v === 'string') return `'${v.length > 40 ? v.slice(0, 40) + '...' : v}'`;
  if (typeof v === 'function') return 'a function';
  if (typeof v === 'bigint') return `${v}n`;
  if (v === null || typeof v !== 'object') return String(v);
  return Array.isArray(v) ? 'an array' : `an instance of ${v.constructor?.name ?? 'Object'}`;
}

/**
 * JSON.stringify for an error message: the same text where it has one, and never a throw
 * (a bigint, a cycle) or undefined (a symbol, a function) in its place.
 */
export function quote(v: unknown): string {
  try {
    const s = JSON.stringify(v);
    if (s !== undefined) return s;
  } catch {
    // a bigint or a cycle: said the plain way
  }
  return show(v);
}

function typeError(name: string, what: string, v: unknown): NetlinkArgumentError {
  return new NetlinkArgumentError(name, `must be ${what}, got ${show(v)}`, 'ERR_INVALID_ARG_TYPE');
}

function rangeError(name: string, what: string, v: unknown): NetlinkArgumentError {
  return new NetlinkArgumentError(name, `must be ${what}, got ${show(v)}`, 'ERR_OUT_OF_RANGE');
}

/** An integer in [min, max]. */
export function checkInt(v: unknown, name: string, min: number, max: number): number {
  if (typeof v !== 'number') throw typeError(name, `an integer ${min}..${max}`, v);
  if (!Number.isInteger(v) || v < min || v > max) throw rangeError(name, `an integer ${min}..${max}`, v);
  return v;
}

/**
 * A timeout in ms, as the engine keeps it: 0 means none. Infinity is accepted as "none";
 * fractions are fine; NaN, negatives and values Node's timers cannot hold are refused.
 */
export function checkTimeout(v: unknown, name = 'timeout'): number {
  if (typeof v !== 'number') throw typeError(name, `a number of milliseconds (0 or Infinity: none)`, v);
  if (v === Infinity) return 0;
  if (!(v >= 0 && v <= MAX_TIMEOUT)) throw rangeError(name, `0..${MAX_TIMEOUT} ms or Infinity`, v);
  return v;
}

export function checkFunction(v: unknown, name: string): void {
  if (typeof v !== 'function') throw typeError(name, 'a function', v);
}

export function checkBoolean(v: unknown, name: string): void {
  if (typeof v !== 'boolean') throw typeError(name, 'a boolean', v);
}

/** An options argument: a plain object (not null, an array or a primitive, which would be read as no options). */
export function checkObject(v: unknown, name = 'options'): void {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw typeError(name, 'an object', v);
}

const INTR = ['retry', 'partial', 'throw'];

/**
 * Checks the options of one request, dump or transaction item; absent (undefined) ones
 * are not looked at. Written out field by field: it runs on every request, and named
 * loads are what V8 makes fast.
 */
export function checkCallOptions(o: object): void {
  checkObject(o);
  const r = o as Record<string, unknown>;
  if (r.timeout !== undefined) checkTimeout(r.timeout);
  if (r.signal !== undefined && !(r.signal instanceof AbortSignal)) throw typeError('signal', 'an AbortSignal', r.signal);
  if (r.flags !== undefined) checkInt(r.flags, 'flags', 0, 0xffff);
  if (r.peer !== undefined) checkInt(r.peer, 'peer', 0, 0xffffffff);
  if (r.layout !== undefined && (typeof r.layout !== 'object' || r.layout === null)) throw typeError('layout', 'an object', r.layout);
  if (r.decode !== undefined) checkFunction(r.decode, 'decode');
  if (r.ack !== undefined) checkBoolean(r.ack, 'ack');
  if (r.intr !== undefined && !INTR.includes(r.intr as string))
    throw new NetlinkArgumentError('intr', `must be 'retry', 'partial' or 'throw', got ${show(r.intr)}`);
  if (r.retries !== undefined) checkInt(r.retries, 'retries', 0, 1000);
  if (r.highWaterMark !== undefined) checkInt(r.highWaterMark, 'highWaterMark', 1, 2 ** 30);
  if (r.maxReplies !== undefined && r.maxReplies !== Infinity) checkInt(r.maxReplies, 'maxReplies', 1, Number.MAX_SAFE_INTEGER);
}

/** A request body: a writer function, bytes, or nothing. */
export function checkPayload(v: unknown): void {
  if (v !== undefined && v !== null && typeof v !== 'function' && !(v instanceof Uint8Array))
    throw typeError('payload', 'a function (Writer) => void, a Uint8Array or null', v);
}

/** Multicast group numbers to join, for a socket or an event stream. */
export function checkGroups(v: unknown): void {
  if (!Array.isArray(v)) throw typeError('groups', 'an array of group numbers', v);
  for (const g of v) checkInt(g, 'groups', 1, 0xffffffff);
}

/** Options of an event stream. */
export function checkEventOptions(o: object): void {
  checkObject(o);
  const r = o as Record<string, unknown>;
  if (r.groups !== undefined) checkGroups(r.groups);
  if (r.decode !== undefined) checkFunction(r.decode, 'decode');
  if (r.ref !== undefined) checkBoolean(r.ref, 'ref');
  if (r.highWaterMark !== undefined) checkInt(r.highWaterMark, 'highWaterMark', 1, 2 ** 30);
}
