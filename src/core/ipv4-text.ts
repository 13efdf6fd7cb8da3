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
 * One scan of a dotted quad (four decimal numbers 0..255 of 1-3 digits), its bytes written
 * at b[at] when b is given. `strict` refuses leading zeros, as node:net's isIPv4 does.
 */
function scanIPv4(s: string, strict: boolean, b: Uint8Array | undefined, at: number, n = s.length): boolean {
  if (n < 7 || n > 15) return false;
  let part = 0, value = 0, digits = 0;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c === 46) {
      if (digits === 0 || part === 3) return false;
      if (b) b[at + part] = value;
      part++;
      value = 0;
      digits = 0;
    } else if (c >= 48 && c <= 57) {
      if (strict && digits > 0 && value === 0) return false;
      value = value * 10 + c - 48;
      if (++digits > 3 || value > 255) return false;
    } else return false;
  }
  if (digits === 0 || part !== 3) return false;
  if (b) b[at + 3] = value;
  return true;
}

/**
 * The other way: a dotted quad written at b[at], as parseIPv4 reads it (leading zeros
 * allowed) but with no match array, number array or Buffer per address (a bulk add encodes
 * one per route). False for anything else: the caller's general path then parses or
 * refuses it.
 */
export const writeIPv4 = (s: string, b: Uint8Array, at: number): boolean => scanIPv4(s, false, b, at);

/**
 * Whether s is a dotted quad as node:net's isIPv4 accepts it (no leading zeros), without
 * its regular expression: a bulk call checks an address or two per item.
 */
export const isIPv4Text = (s: string): boolean => scanIPv4(s, true, undefined, 0);

const scratch = new Uint8Array(4);
/**
 * s[0, end) as isIPv4Text accepts it, as the address's number (a.b.c.d is a << 24 | ...),
 * or -1: a bulk add checks and keeps a prefix's address with no substring.
 */
export function ipv4Value(s: string, end: number): number {
  if (!(end <= s.length) || !scanIPv4(s, true, scratch, 0, end)) return -1;
  return ((scratch[0] << 24) | (scratch[1] << 16) | (scratch[2] << 8) | scratch[3]) >>> 0;
}
