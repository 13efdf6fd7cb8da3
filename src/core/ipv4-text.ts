// IPv4 addresses as text for decoders, remembered by value. A dump's objects repeat a few
// addresses (gateways, preferred sources) thousands of times: each repeat is then the
// same string, not a new one to allocate and for the GC to copy (a 100,000-route list
// keeps every object it makes). A new address costs one join after its /24's "a.b.c."
// (remembered too) instead of three.
import { OCTET, OCTET_DOT } from './display.js';

/** Direct-mapped tables: a slot holds the last value that hashed there. */
const SLOTS = 1024;
const addrKeys = new Int32Array(SLOTS);
const addrText: string[] = new Array<string>(SLOTS).fill('');
const netKeys = new Int32Array(SLOTS);
const netText: string[] = new Array<string>(SLOTS).fill('');

const slotOf = (v: number): number => (v ^ (v >>> 10) ^ (v >>> 20)) & (SLOTS - 1);

/** The dotted quad of the 4 bytes at b[at] (the caller checked they are there). */
export function ipv4Text(b: Uint8Array, at: number): string {
  const v = (b[at] << 24) | (b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3];
  const slot = slotOf(v);
  const had = addrText[slot];
  if (addrKeys[slot] === v && had !== '') return had;
  const net = v >>> 8;
  const ns = slotOf(net);
  let prefix = netText[ns];
  if (netKeys[ns] !== net || prefix === '') {
    prefix = OCTET_DOT[b[at]] + OCTET_DOT[b[at + 1]] + OCTET_DOT[b[at + 2]];
    netKeys[ns] = net;
    netText[ns] = prefix;
  }
  const text = prefix + OCTET[b[at + 3]];
  addrKeys[slot] = v;
  addrText[slot] = text;
  return text;
}

/**
 * The other way: a dotted quad written at b[at], as parseIPv4 reads it (leading zeros
 * allowed) but with no match array, number array or Buffer per address (a bulk add encodes
 * one per route). False for anything else: the caller's general path then parses or
 * refuses it.
 */
export function writeIPv4(s: string, b: Uint8Array, at: number): boolean {
  const v = ipv4PrefixValue(s, -1, false);
  if (v < 0) return false;
  b[at] = v >>> 24; b[at + 1] = v >>> 16; b[at + 2] = v >>> 8; b[at + 3] = v;
  return true;
}

/**
 * Whether s is a dotted quad as node:net's isIPv4 accepts it (no leading zeros), without
 * its regular expression: a bulk call checks an address or two per item.
 */
export const isIPv4Text = (s: string): boolean => ipv4PrefixValue(s, -1) >= 0;

/**
 * The address of s as a number (a.b.c.d is a << 24 | ...) when s is 'a.b.c.d/len', or
 * 'a.b.c.d' and len is 32; len -1: s is the dotted quad alone. The quad is four decimal
 * numbers 0..255 of 1-3 digits (`strict` refuses leading zeros, as node:net's isIPv4 does),
 * the length 1-3 digits, as parsePrefix reads a prefix; -1 for anything else.
 * One scan, no substring and no call: a bulk add reads a destination per route, mostly
 * before the JIT has compiled this, and each function the per-route path calls becomes a
 * TurboFan job of its own on the CPU the threadpool's sends need (see routes-template.ts).
 */
export function ipv4PrefixValue(s: string, len: number, strict = true): number {
  const n = s.length;
  let part = 0, value = 0, digits = 0, address = 0, i = 0;
  for (; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c === 46) {
      if (digits === 0 || part === 3) return -1;
      address = address * 256 + value;
      part++;
      value = 0;
      digits = 0;
    } else if (c >= 48 && c <= 57) {
      if (strict && digits > 0 && value === 0) return -1;
      value = value * 10 + c - 48;
      if (++digits > 3 || value > 255) return -1;
    } else if (c === 47 && len >= 0) break;
    else return -1;
  }
  // the quad is s[0, i)
  if (i < 7 || i > 15 || digits === 0 || part !== 3) return -1;
  if (i === n) return len < 0 || len === 32 ? address * 256 + value : -1;
  if (n - i < 2 || n - i > 4) return -1;
  let l = 0;
  for (let j = i + 1; j < n; j++) {
    const c = s.charCodeAt(j) - 48;
    if (c < 0 || c > 9) return -1;
    l = l * 10 + c;
  }
  return l === len ? address * 256 + value : -1;
}
