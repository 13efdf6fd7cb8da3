// Set elements to and from the kernel's form: values of a set's key kind; interval sets hold
// ranges as a start element and an end element (the first value past the range, flagged
// interval-end), with a leading end at zero as nft writes them.
import { NetlinkArgumentError } from '../core/errors.js';
import type { SetelemAttrsSet } from '../ynl/families/nftables.js';
import type { NftElement, NftRange } from './nft-expr.js';
import { bytesValue, decrement, HOST_LE, increment, parseAddrPrefix, prefixEnd, prefixOf, valueBytes, VALUE_KINDS, type ValueKind } from './nft-values.js';
import { quote } from '../core/options.js';

/**
 * An interval set's key bytes from a value's bytes, and back: nft writes a host-order number
 * (mark, iface_index) big-endian in an interval set, since the kernel orders its ranges by
 * comparing bytes; so a range's order, merging, ends and pairing are those of the numbers.
 */
function intervalKey(kind: ValueKind, b: Buffer): Buffer {
  return HOST_LE && kind === 'u32' ? Buffer.from(b).reverse() : b;
}

const isRange = (v: unknown): v is NftRange => typeof v === 'object' && v !== null && Array.isArray((v as NftRange).range) && (v as NftRange).range.length === 2;

/** An element as [first, last] interval keys (a host is [a, a], a prefix its first and last address). */
export function elementBounds(kind: ValueKind, v: unknown, option: string): [Buffer, Buffer] {
  if (isRange(v)) {
    const a = intervalKey(kind, valueBytes(kind, v.range[0], option)), b = intervalKey(kind, valueBytes(kind, v.range[1], option));
    if (Buffer.compare(a, b) > 0) throw new NetlinkArgumentError(option, `range ${quote(v.range)} ends before it starts`);
    return [a, b];
  }
  if ((kind === 'ipv4' || kind === 'ipv6') && typeof v === 'string' && v.includes('/')) {
    const { addr, len } = parseAddrPrefix(kind, v, option);
    return [addr, prefixEnd(addr, len)];
  }
  const b = intervalKey(kind, valueBytes(kind, v, option));
  return [b, b];
}

/** Whether elements of this list need an interval set (a range or a prefix). */
export function needsInterval(kind: ValueKind, values: readonly unknown[]): boolean {
  return values.some((v) => isRange(v) || ((kind === 'ipv4' || kind === 'ipv6') && typeof v === 'string' && v.includes('/')));
}

/** The kernel's elements for values; `data` (maps) goes with each element's start. */
export function encodeElements(kind: ValueKind, values: readonly unknown[], interval: boolean, option = 'elements'): SetelemAttrsSet[] {
  if (!Array.isArray(values)) throw new NetlinkArgumentError(option, 'must be an array of elements', 'ERR_INVALID_ARG_TYPE');
  if (!interval) {
    if (needsInterval(kind, values)) throw new NetlinkArgumentError(option, 'has ranges or prefixes: the set needs the interval flag');
    return values.map((v, i) => ({ key: { value: valueBytes(kind, v, `${option}[${i}]`) } }));
  }
  const bounds = values.map((v, i) => elementBounds(kind, v, `${option}[${i}]`)).sort((x, y) => Buffer.compare(x[0], y[0]));
  // ranges that overlap or touch become one, as nft merges them (the kernel refuses overlaps)
  const merged: [Buffer, Buffer][] = [];
  for (const [a, b] of bounds) {
    const last = merged[merged.length - 1];
    const next = last && increment(last[1]);
    if (last && (next === undefined || Buffer.compare(a, next) <= 0)) {
      if (Buffer.compare(b, last[1]) > 0) last[1] = b;
    } else merged.push([a, b]);
  }
  const out: SetelemAttrsSet[] = [];
  if (merged.length && merged[0][0].some((x) => x !== 0)) out.push({ key: { value: Buffer.alloc(VALUE_KINDS[kind].len) }, flags: ['interval-end'] });
  for (const [a, b] of merged) {
    out.push({ key: { value: a } });
    const end = increment(b);
    if (end) out.push({ key: { value: end }, flags: ['interval-end'] });
  }
  return out;
}

function isEnd(e: SetelemAttrsSet): boolean {
  const f = e.flags;
  return Array.isArray(f) && f.some((x) => x === 'interval-end' || x === 1 || x === 1n);
}

/** One value from [first, last] (interval keys): a scalar, a prefix, or a range. */
function boundsValue(kind: ValueKind, first: Buffer, last: Buffer): NftElement | undefined {
  const a = intervalKey(kind, first), b = intervalKey(kind, last);
  if (a.equals(b)) return bytesValue(kind, a) as NftElement | undefined;
  if (kind === 'ipv4' || kind === 'ipv6') {
    const len = prefixOf(a, b);
    if (len !== undefined) return `${bytesValue(kind, a) as string}/${len}`;
  }
  const x = bytesValue(kind, a), y = bytesValue(kind, b);
  if (x === undefined || y === undefined || Array.isArray(x) || Array.isArray(y)) return undefined;
  return { range: [x, y] };
}

/** Kinds nft keeps in host byte order (marks, interface indexes, names): it orders them as host integers. */
const HOST_ORDER: readonly ValueKind[] = ['u32', 'ifname'];

/** Two keys in the order nft lists elements: as numbers of the kind's byte order. */
export function compareKeys(kind: ValueKind, a: Buffer, b: Buffer): number {
  return HOST_ORDER.includes(kind) ? compareHostNumbers(a, b) : Buffer.compare(a, b);
}

/** Two byte strings as host-order numbers (on a little-endian host the last byte weighs most). */
export function compareHostNumbers(a: Buffer, b: Buffer): number {
  if (!HOST_LE) return Buffer.compare(a, b);
  for (let i = Math.max(a.length, b.length) - 1; i >= 0; i--) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d) return d;
  }
  return 0;
}

/**
 * Values back from the kernel's elements (any order). Elements that are not values of the
 * kind (wrong length) are returned in `bad`, never dropped silently.
 */
export function decodeElements(kind: ValueKind, elems: readonly SetelemAttrsSet[], interval: boolean): { values: NftElement[]; bad: SetelemAttrsSet[]; sources: SetelemAttrsSet[] } {
  const bad: SetelemAttrsSet[] = [];
  const keyed: { key: Buffer; end: boolean; e: SetelemAttrsSet }[] = [];
  for (const e of elems) {
    const key = e.key?.value;
    if (!Buffer.isBuffer(key) || key.length !== VALUE_KINDS[kind].len && kind !== 'ifname') bad.push(e);
    else keyed.push({ key, end: isEnd(e), e });
  }
  // an interval set's keys are big-endian (intervalKey): its ends pair up in that order
  keyed.sort((x, y) => (interval ? Buffer.compare(x.key, y.key) : compareKeys(kind, x.key, y.key)) || Number(x.end) - Number(y.end));
  // sources[i]: the kernel's element values[i] came from (a range's start), for its timeout and expiry
  const values: NftElement[] = [], sources: SetelemAttrsSet[] = [];
  if (!interval) {
    for (const k of keyed) {
      const v = bytesValue(kind, k.key);
      if (v === undefined || Array.isArray(v)) bad.push(k.e);
      else {
        values.push(v);
        sources.push(k.e);
      }
    }
    return { values, bad, sources };
  }
  for (let i = 0; i < keyed.length; i++) {
    const k = keyed[i];
    if (k.end) continue;
    const next = keyed[i + 1];
    const last = next?.end ? decrement(next.key) : Buffer.alloc(k.key.length, 0xff);
    const v = boundsValue(kind, k.key, last);
    if (v === undefined) bad.push(k.e);
    else {
      values.push(v);
      sources.push(k.e);
    }
  }
  return { values, bad, sources };
}
