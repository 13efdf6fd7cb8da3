// Caller options checked before anything is built or sent: a wrong type or range is a
// NetlinkArgumentError naming the option, never a silent truncation, a timer that fires at
// once or a crash in the poller.
import { NetlinkArgumentError } from './errors.js';

/** Node timers fire after ~1 ms for any delay above this. */
export const MAX_TIMEOUT = 0x7fffffff;

function show(v: unknown): string {
  if (typeof v === 'string') return `'${v.length > 40 ? v.slice(0, 40) + '...' : v}'`;
  if (typeof v === 'function') return 'a function';
  if (typeof v === 'bigint') return `${v}n`;
  if (v === null || typeof v !== 'object') return String(v);
  return Array.isArray(v) ? 'an array' : `an instance of ${v.constructor?.name ?? 'Object'}`;
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

type Check = (v: unknown, name: string) => void;

const isFunction: Check = (v, name) => {
  if (typeof v !== 'function') throw typeError(name, 'a function', v);
};
const isBoolean: Check = (v, name) => {
  if (typeof v !== 'boolean') throw typeError(name, 'a boolean', v);
};
const isObject: Check = (v, name) => {
  if (typeof v !== 'object' || v === null) throw typeError(name, 'an object', v);
};

/** Every option a call may carry, with its check; absent (undefined) options are not checked. */
const CALL_CHECKS: readonly (readonly [string, Check])[] = [
  ['timeout', (v, n) => void checkTimeout(v, n)],
  ['signal', (v, n) => {
    if (!(v instanceof AbortSignal)) throw typeError(n, 'an AbortSignal', v);
  }],
  ['flags', (v, n) => void checkInt(v, n, 0, 0xffff)],
  ['peer', (v, n) => void checkInt(v, n, 0, 0xffffffff)],
  ['layout', isObject],
  ['decode', isFunction],
  ['ack', isBoolean],
  ['intr', (v, n) => {
    if (v !== 'retry' && v !== 'partial' && v !== 'throw') throw new NetlinkArgumentError(n, `must be 'retry', 'partial' or 'throw', got ${show(v)}`);
  }],
  ['retries', (v, n) => void checkInt(v, n, 0, 1000)],
  ['highWaterMark', (v, n) => void checkInt(v, n, 1, 2 ** 30)],
];

/** Checks the options of one request, dump or transaction item. */
export function checkCallOptions(o: object): void {
  if (typeof o !== 'object' || o === null) throw typeError('options', 'an object', o);
  const r = o as Record<string, unknown>;
  for (const [name, check] of CALL_CHECKS) {
    const v = r[name];
    if (v !== undefined) check(v, name);
  }
}

/** A request body: a writer function, bytes, or nothing. */
export function checkPayload(v: unknown): void {
  if (v !== undefined && v !== null && typeof v !== 'function' && !(v instanceof Uint8Array))
    throw typeError('payload', 'a function (Writer) => void, a Uint8Array or null', v);
}

/** Options of an event stream. */
export function checkEventOptions(o: object): void {
  if (typeof o !== 'object' || o === null) throw typeError('options', 'an object', o);
  const r = o as Record<string, unknown>;
  if (r.groups !== undefined) {
    if (!Array.isArray(r.groups)) throw typeError('groups', 'an array of group numbers', r.groups);
    for (const g of r.groups) checkInt(g, 'groups', 1, 0xffffffff);
  }
  if (r.decode !== undefined) isFunction(r.decode, 'decode');
  if (r.ref !== undefined) isBoolean(r.ref, 'ref');
  if (r.highWaterMark !== undefined) checkInt(r.highWaterMark, 'highWaterMark', 1, 2 ** 30);
}
