// The caller's values for rules, nexthops and namespace ids, checked one option at a time:
// every mistake is a NetlinkArgumentError naming the option, raised before anything is sent.
import { NetlinkArgumentError, NetlinkError } from '../core/errors.js';
import type { TransactionItem, TransactionResult } from '../core/transaction.js';
import type { Bulk, Chain, RouteOptions, Scope, Step } from './context.js';

const kindOf = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v);

/** A plain object with only known keys (the error lists them). */
export function checkKeys<T extends object>(v: unknown, option: string, keys: readonly string[]): T {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new NetlinkArgumentError(option, `must be an object, got ${kindOf(v)}`, 'ERR_INVALID_ARG_TYPE');
  for (const k of Object.keys(v))
    if (!keys.includes(k) && (v as Record<string, unknown>)[k] !== undefined)
      throw new NetlinkArgumentError(k, `is not an option of ${option} (there are: ${keys.join(', ')})`);
  return v as T;
}

/** An integer min..max, given as a number or as decimal/hex text ('0x10'). */
export function uint(v: unknown, option: string, max: number, min = 0): number {
  const n = typeof v === 'string' && /^(0x[0-9a-f]+|\d+)$/i.test(v) ? Number(v) : v;
  if (typeof n !== 'number') throw new NetlinkArgumentError(option, `must be an integer, got ${kindOf(v)}${typeof v === 'string' ? ` ${JSON.stringify(v)}` : ''}`, typeof v === 'string' ? 'ERR_INVALID_ARG_VALUE' : 'ERR_INVALID_ARG_TYPE');
  if (!Number.isInteger(n) || n < min || n > max) throw new NetlinkArgumentError(option, `must be an integer ${min}..${max}, got ${String(v)}`, 'ERR_OUT_OF_RANGE');
  return n;
}

export function bool(v: unknown, option: string): boolean {
  if (v === undefined) return false;
  if (typeof v !== 'boolean') throw new NetlinkArgumentError(option, `must be true or false, got ${kindOf(v)}`, 'ERR_INVALID_ARG_TYPE');
  return v;
}

/** One of a list of words. */
export function word<W extends string>(v: unknown, option: string, words: readonly W[]): W {
  if (typeof v !== 'string' || !(words as readonly string[]).includes(v))
    throw new NetlinkArgumentError(option, `must be one of ${words.map((w) => `'${w}'`).join(', ')}, got ${JSON.stringify(v)}`, typeof v === 'string' ? 'ERR_INVALID_ARG_VALUE' : 'ERR_INVALID_ARG_TYPE');
  return v as W;
}

/** A range as `ip` writes it ('1000-2000', or one value), or {start, end}, or [start, end]. */
export function range(v: unknown, option: string, max: number): { start: number; end: number } {
  let start: unknown, end: unknown;
  if (typeof v === 'number') start = end = v;
  else if (typeof v === 'string') [start, end = start] = v.split('-');
  else if (Array.isArray(v) && v.length === 2) [start, end] = v;
  else if (v && typeof v === 'object' && 'start' in v) ({ start, end = start } = v as { start: unknown; end?: unknown });
  else throw new NetlinkArgumentError(option, `must be a number, 'START-END', {start, end} or [start, end], got ${kindOf(v)}`, 'ERR_INVALID_ARG_TYPE');
  const r = { start: uint(start, option, max), end: uint(end, option, max) };
  if (r.end < r.start) throw new NetlinkArgumentError(option, `must not end (${r.end}) before it starts (${r.start})`, 'ERR_OUT_OF_RANGE');
  return r;
}

/** 'VALUE/MASK' (or a value alone: mask absent), numbers decimal or hex. */
export function valueMask(v: unknown, option: string, max: number): { value: number; mask?: number } {
  if (typeof v === 'number') return { value: uint(v, option, max) };
  if (typeof v !== 'string') throw new NetlinkArgumentError(option, `must be a number or 'VALUE/MASK' text, got ${kindOf(v)}`, 'ERR_INVALID_ARG_TYPE');
  const [value, mask, extra] = v.split('/');
  if (extra !== undefined) throw new NetlinkArgumentError(option, `must be 'VALUE/MASK', got ${JSON.stringify(v)}`);
  return mask === undefined ? { value: uint(value, option, max) } : { value: uint(value, option, max), mask: uint(mask, option, max) };
}

export const hex = (n: number): string => `0x${n.toString(16)}`;

/** What a bulk add or delete resolves to. */
export interface BulkResult {
  /** Every item succeeded. */
  ok: boolean;
  /** Items that succeeded. */
  done: number;
  /** Failed items, in order: the caller's index and the error (the kernel's, or a bad value not sent). */
  failures: { index: number; error: Error }[];
}

/**
 * Many specs as one transaction (acknowledged once). A spec that cannot be built is a failure
 * at its index and is not sent; the others still are.
 */
export function bulkStep<S>(scope: Scope, specs: readonly S[], option: string, item: (scope: Scope, spec: S) => TransactionItem<unknown>): Step<BulkResult> {
  if (specs.length === 0) throw new NetlinkArgumentError(option, 'must list at least one entry', 'ERR_OUT_OF_RANGE');
  const items: TransactionItem<unknown>[] = [];
  const sentIndex: number[] = [];
  const early: BulkResult['failures'] = [];
  specs.forEach((s, i) => {
    try {
      items.push(item(scope, s));
      sentIndex.push(i);
    } catch (e) {
      early.push({ index: i, error: e as Error });
    }
  });
  const result = (r?: TransactionResult<unknown>): BulkResult => {
    const failures = [...early, ...(r?.failures ?? []).map((f) => ({ index: sentIndex[f.index], error: f.error }))].sort((a, b) => a.index - b.index);
    return { ok: failures.length === 0, done: specs.length - failures.length, failures };
  };
  if (items.length === 0) return { first: { bulk: [], result: () => undefined }, then: () => ({ value: result() }) } satisfies Chain<BulkResult>;
  return { bulk: items, options: { ack: 'last' }, result } satisfies Bulk<BulkResult>;
}

/** A kernel error's offending attribute, said as the caller's option (`oif` is `dev`, `fd` is `netns`). */
function callerOption(e: unknown, fields: Readonly<Record<string, string>>): unknown {
  if (!(e instanceof NetlinkError) || !e.attributePath) return e;
  const path = e.attributePath.replace(/^\./, '');
  const option = fields[path] ?? fields[path.split(/[.(]/)[0]];
  if (option === undefined) return e;
  Object.defineProperty(e, 'option', { value: option, enumerable: true });
  e.message += ` (option ${option})`;
  return e;
}

/**
 * The bound operations with kernel errors naming the caller's option: `option` on the
 * NetlinkError, and `(option dev)` in its message, where the kernel pointed at an attribute.
 */
export function namingOptions<T extends object>(ops: T, fields: Readonly<Record<string, string>>): T {
  const out: Record<string, unknown> = {};
  for (const [name, f] of Object.entries(ops) as [string, (...a: unknown[]) => unknown][]) {
    out[name] = name.endsWith('Sync')
      ? (...a: unknown[]) => {
        try {
          return f(...a);
        } catch (e) {
          throw callerOption(e, fields);
        }
      }
      : (...a: unknown[]) => (f(...a) as Promise<unknown>).catch((e: unknown) => { throw callerOption(e, fields); });
  }
  return out as T;
}

/**
 * The type of a bound method (and its Sync twin) taking one spec, or an array of them as one
 * transaction: `add(spec)` resolves to R, `add([...])` to a BulkResult.
 */
export type OneOrMany<Name extends string, One, R> = {
  [K in Name]: { (arg: One, opts?: RouteOptions): Promise<R>; (arg: One[], opts?: RouteOptions): Promise<BulkResult> };
} & {
  [K in `${Name}Sync`]: { (arg: One, opts?: RouteOptions): R; (arg: One[], opts?: RouteOptions): BulkResult };
};
