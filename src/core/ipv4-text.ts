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
