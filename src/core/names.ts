// Short ASCII string attributes read through a small cache of the strings already made.
import { readString } from './attributes.js';

/** Slots of the cache (a power of two): bounded memory, at most SLOTS strings of <= MAX_CACHED characters. */
const SLOTS = 1024;
const MAX_CACHED = 32;
const cache: string[] = new Array<string>(SLOTS).fill('');

/**
 * readString, but a name seen before comes back as the same string instead of a new one.
 * Replies repeat the same few names (families, groups, interfaces, kinds) thousands of
 * times, and building each one a character at a time was most of a small reply's
 * allocations (the nlctrl reply's decode: 10 of its 18 objects). Strings are values, so
 * sharing one changes nothing a caller can see. A different name hashing to the same slot
 * replaces it; non-ASCII and longer strings go to readString as before.
 */
export function readName(buf: Buffer, start: number, end: number): string {
  let h = 0;
  let i = start;
  for (; i < end; i++) {
    const c = buf[i];
    if (c === 0) break;
    if (c > 0x7f || i - start >= MAX_CACHED) return readString(buf, start, end);
    h = (Math.imul(h, 31) + c) | 0;
  }
  const len = i - start;
  const slot = (h ^ (h >>> 10)) & (SLOTS - 1);
  const had = cache[slot];
  if (had.length === len) {
    let j = 0;
    while (j < len && had.charCodeAt(j) === buf[start + j]) j++;
    if (j === len) return had;
  }
  const s = readString(buf, start, i);
  cache[slot] = s;
  return s;
}
