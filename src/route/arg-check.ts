// Checks of a caller's objects, each failing with a NetlinkArgumentError that names the
// option (`addresses.add: validLft ...`), so a mistake is reported before anything is sent.
import { NetlinkArgumentError } from '../core/errors.js';
import { quote } from '../core/options.js';

/** A plain object whose keys are all known; the error lists the known ones. */
export function checkSpec<K extends string>(v: unknown, option: string, keys: readonly K[]): Partial<Record<K, unknown>> {
  if (v === null || typeof v !== 'object' || Array.isArray(v))
    throw new NetlinkArgumentError(option, `must be an object, got ${v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v}`, 'ERR_INVALID_ARG_TYPE');
  for (const k of Object.keys(v))
    if (!(keys as readonly string[]).includes(k)) throw new NetlinkArgumentError(k, `is not an option here (there are: ${keys.join(', ')})`);
  return v as Partial<Record<K, unknown>>;
}

/**
 * A link name as the kernel takes it (dev_valid_name): 1-15 bytes (IFNAMSIZ - 1), no '/',
 * whitespace or NUL, not '.' or '..'. `what` says what else the option may be.
 */
export function checkIfname(v: unknown, option: string, what = ''): string {
  if (typeof v === 'string' && v.length > 0 && Buffer.byteLength(v) <= 15 && !/[\s/\0]/.test(v) && v !== '.' && v !== '..') return v;
  throw new NetlinkArgumentError(option, `must be a link name (1-15 bytes, no '/' or spaces)${what}, got ${quote(v)}`,
    typeof v === 'string' ? 'ERR_INVALID_ARG_VALUE' : 'ERR_INVALID_ARG_TYPE');
}

/** An integer 0..max. */
export function checkUint(v: unknown, option: string, max: number): number {
  if (typeof v !== 'number') throw new NetlinkArgumentError(option, `must be an integer, got ${typeof v}`, 'ERR_INVALID_ARG_TYPE');
  if (!Number.isInteger(v) || v < 0 || v > max) throw new NetlinkArgumentError(option, `must be an integer 0..${max}, got ${v}`, 'ERR_OUT_OF_RANGE');
  return v;
}

/** An ifindex given as a number: 1..2^31-1 (0 is no link; the kernel would answer a bare EINVAL). */
export function checkIfindex(v: number, option: string): number {
  if (Number.isInteger(v) && v > 0 && v <= 0x7fffffff) return v;
  throw new NetlinkArgumentError(option, `must be a link name or a positive ifindex, got ${v}`, 'ERR_OUT_OF_RANGE');
}

export function checkBool(v: unknown, option: string): boolean | undefined {
  if (v === undefined || typeof v === 'boolean') return v;
  throw new NetlinkArgumentError(option, `must be true or false, got ${typeof v}`, 'ERR_INVALID_ARG_TYPE');
}

export function checkString(v: unknown, option: string, max = Infinity): string {
  if (typeof v !== 'string') throw new NetlinkArgumentError(option, `must be a string, got ${typeof v}`, 'ERR_INVALID_ARG_TYPE');
  if (v.length === 0 || v.length > max) throw new NetlinkArgumentError(option, `must be 1..${max} characters, got ${quote(v)}`, 'ERR_OUT_OF_RANGE');
  return v;
}

/** One name of a table of names, or a list of them (the error lists the names). */
export function checkNames<N extends string>(v: unknown, option: string, known: readonly N[]): N[] {
  const list = typeof v === 'string' ? [v] : v;
  if (!Array.isArray(list)) throw new NetlinkArgumentError(option, `must be a name or a list of names (${known.join(', ')})`, 'ERR_INVALID_ARG_TYPE');
  for (const n of list)
    if (!(known as readonly unknown[]).includes(n)) throw new NetlinkArgumentError(option, `has no ${quote(n)} (there are: ${known.join(', ')})`);
  return list as N[];
}

/** A link-layer address as `ip` writes it: hex bytes joined by ':' ('02:00:00:00:00:01'). */
export function checkLladdr(v: unknown, option = 'lladdr'): string {
  if (typeof v !== 'string' || !/^[0-9a-f]{1,2}(:[0-9a-f]{1,2}){0,31}$/i.test(v))
    throw new NetlinkArgumentError(option, `must be a link-layer address such as '02:00:00:00:00:01', got ${quote(v)}`,
      typeof v === 'string' ? 'ERR_INVALID_ARG_VALUE' : 'ERR_INVALID_ARG_TYPE');
  return v.split(':').map((b) => b.padStart(2, '0').toLowerCase()).join(':');
}
