// Values of rules, nexthops and namespace ids as `ip` writes them (ranges, VALUE/MASK, hex),
// each mistake a NetlinkArgumentError naming the option; and kernel errors said with the
// caller's option. (Plain objects and booleans: arg-check.ts; bulk calls: bulk.ts.)
import { NetlinkArgumentError, NetlinkError } from '../core/errors.js';
import { quote } from '../core/options.js';

const kindOf = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v);

/** An integer min..max, given as a number or as decimal/hex text ('0x10'). */
export function uint(v: unknown, option: string, max: number, min = 0): number {
  const n = typeof v === 'string' && /^(0x[0-9a-f]+|\d+)$/i.test(v) ? Number(v) : v;
  if (typeof n !== 'number') throw new NetlinkArgumentError(option, `must be an integer, got ${kindOf(v)}${typeof v === 'string' ? ` ${quote(v)}` : ''}`, typeof v === 'string' ? 'ERR_INVALID_ARG_VALUE' : 'ERR_INVALID_ARG_TYPE');
  if (!Number.isInteger(n) || n < min || n > max) throw new NetlinkArgumentError(option, `must be an integer ${min}..${max}, got ${String(v)}`, 'ERR_OUT_OF_RANGE');
  return n;
}

/** One of a list of words. */
export function word<W extends string>(v: unknown, option: string, words: readonly W[]): W {
  if (typeof v !== 'string' || !(words as readonly string[]).includes(v))
    throw new NetlinkArgumentError(option, `must be one of ${words.map((w) => `'${w}'`).join(', ')}, got ${quote(v)}`, typeof v === 'string' ? 'ERR_INVALID_ARG_VALUE' : 'ERR_INVALID_ARG_TYPE');
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
  if (extra !== undefined) throw new NetlinkArgumentError(option, `must be 'VALUE/MASK', got ${quote(v)}`);
  return mask === undefined ? { value: uint(value, option, max) } : { value: uint(value, option, max), mask: uint(mask, option, max) };
}

export const hex = (n: number): string => `0x${n.toString(16)}`;

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

