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
 * One scan of the dotted quad s[0, end) (four decimal numbers 0..255 of 1-3 digits): its
 * number (a.b.c.d is a << 24 | ...), or -1. `strict` refuses leading zeros, as node:net's
 * isIPv4 does.
 */
function quadValue(s: string, strict: boolean, end: number): number {
  if (end < 7 || end > 15) return -1;
  let part = 0, value = 0, digits = 0, address = 0;
  for (let i = 0; i < end; i++) {
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
    } else return -1;
  }
  if (digits === 0 || part !== 3) return -1;
  return address * 256 + value;
}

/**
 * The other way: a dotted quad written at b[at], as parseIPv4 reads it (leading zeros
 * allowed) but with no match array, number array or Buffer per address (a bulk add encodes
 * one per route). False for anything else: the caller's general path then parses or
 * refuses it.
 */
export function writeIPv4(s: string, b: Uint8Array, at: number): boolean {
  const v = quadValue(s, false, s.length);
  if (v < 0) return false;
  b[at] = v >>> 24; b[at + 1] = v >>> 16; b[at + 2] = v >>> 8; b[at + 3] = v;
  return true;
}

/**
 * Whether s is a dotted quad as node:net's isIPv4 accepts it (no leading zeros), without
 * its regular expression: a bulk call checks an address or two per item.
 */
export const isIPv4Text = (s: string): boolean => quadValue(s, true, s.length) >= 0;

/**
 * The address of s as a number when s is 'a.b.c.d/len', or 'a.b.c.d' and len is 32: the
 * quad as isIPv4Text accepts it, the length as 1-3 digits, as parsePrefix reads a prefix;
 * -1 for anything else. No substring: a bulk add reads a destination per route, mostly
 * before the JIT has compiled this.
 */
export function ipv4PrefixValue(s: string, len: number): number {
  const slash = s.indexOf('/');
  if (slash < 0) return len === 32 ? quadValue(s, true, s.length) : -1;
  const n = s.length;
  if (n - slash < 2 || n - slash > 4) return -1;
  let l = 0;
  for (let i = slash + 1; i < n; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    l = l * 10 + c;
  }
  return l === len ? quadValue(s, true, slash) : -1;
}
