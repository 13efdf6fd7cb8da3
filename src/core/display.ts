import { NetlinkEncodeError } from './errors.js';

// Text forms of addresses and identifiers, per the specs' display hints. Formatting is
// hand-rolled: dumps format an address per object, and generic helpers cost several
// times more.

/** What a display hint turns bytes into; undefined for hints that only affect printing ('hex'). */
export type TextHint = 'mac' | 'fddi' | 'ipv4' | 'ipv6' | 'ipv4-or-v6' | 'uuid';

const HEX: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

export const OCTET: string[] = Array.from({ length: 256 }, (_, i) => String(i));
// each octet with its dot: three joins per address instead of six
export const OCTET_DOT: string[] = OCTET.map((o) => `${o}.`);

export function formatIPv4(b: Uint8Array, at = 0): string {
  return OCTET_DOT[b[at]] + OCTET_DOT[b[at + 1]] + OCTET_DOT[b[at + 2]] + OCTET[b[at + 3]];
}

/** An IPv4 address held in a host-order number (the u32 read big-endian). */
export function formatIPv4Number(v: number): string {
  return OCTET_DOT[v >>> 24] + OCTET_DOT[(v >>> 16) & 255] + OCTET_DOT[(v >>> 8) & 255] + OCTET[v & 255];
}

/** RFC 5952: lower case, the longest run (>= 2) of zero groups as '::', IPv4-mapped tail. */
export function formatIPv6(b: Uint8Array, at = 0): string {
  const g: number[] = [];
  for (let i = 0; i < 8; i++) g.push((b[at + 2 * i] << 8) | b[at + 2 * i + 1]);
  let best = -1, bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) { best = i; bestLen = j - i; }
    i = j;
  }
  // ::ffff:a.b.c.d keeps the dotted tail, as inet_ntop writes it
  if (best === 0 && bestLen === 5 && g[5] === 0xffff) return `::ffff:${formatIPv4(b, at + 12)}`;
  const part = (from: number, to: number) => g.slice(from, to).map((x) => x.toString(16)).join(':');
  return best < 0 ? part(0, 8) : `${part(0, best)}::${part(best + bestLen, 8)}`;
}

export function formatMac(b: Uint8Array, start = 0, end = b.length): string {
  let s = '';
  for (let i = start; i < end; i++) s += (i === start ? '' : ':') + HEX[b[i]];
  return s;
}

export function formatUuid(b: Uint8Array, at = 0): string {
  let s = '';
  for (let i = 0; i < 16; i++) s += (i === 4 || i === 6 || i === 8 || i === 10 ? '-' : '') + HEX[b[at + i]];
  return s;
}

export function formatHint(hint: TextHint, b: Uint8Array, start: number, end: number): string | undefined {
  const n = end - start;
  switch (hint) {
    case 'mac':
    case 'fddi':
      // no bytes stays a Buffer: '' would not parse back
      return n > 0 ? formatMac(b, start, end) : undefined;
    case 'ipv4':
      return n === 4 ? formatIPv4(b, start) : undefined;
    case 'ipv6':
      return n === 16 ? formatIPv6(b, start) : undefined;
    case 'ipv4-or-v6':
      return n === 4 ? formatIPv4(b, start) : n === 16 ? formatIPv6(b, start) : undefined;
    case 'uuid':
      return n === 16 ? formatUuid(b, start) : undefined;
  }
}

export function parseIPv4(s: string): Buffer | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  if (!m) return undefined;
  const parts = m.slice(1).map(Number);
  return parts.every((p) => p <= 255) ? Buffer.from(parts) : undefined;
}

export function parseIPv6(s: string): Buffer | undefined {
  let text = s;
  const tail: number[] = [];
  const v4 = /^(.*:)(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    const b = parseIPv4(v4[2]);
    if (!b) return undefined;
    tail.push((b[0] << 8) | b[1], (b[2] << 8) | b[3]);
    text = v4[1].endsWith('::') ? v4[1] : v4[1].slice(0, -1);
  }
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const groups = (h: string) => (h === '' ? [] : h.split(':'));
  const head = groups(halves[0]), rest = halves.length === 2 ? groups(halves[1]) : [];
  if (![...head, ...rest].every((g) => /^[0-9a-fA-F]{1,4}$/.test(g))) return undefined;
  const fill = 8 - head.length - rest.length - tail.length;
  if (halves.length === 2 ? fill < 1 : fill !== 0) return undefined;
  const all = [...head.map((g) => parseInt(g, 16)), ...new Array<number>(halves.length === 2 ? fill : 0).fill(0), ...rest.map((g) => parseInt(g, 16)), ...tail];
  const out = Buffer.alloc(16);
  all.forEach((g, i) => out.writeUInt16BE(g, 2 * i));
  return out;
}

export function parseMac(s: string): Buffer | undefined {
  if (!/^[0-9a-fA-F]{2}([:-][0-9a-fA-F]{2})*$/.test(s)) return undefined;
  return Buffer.from(s.replace(/[:-]/g, ''), 'hex');
}

export function parseUuid(s: string): Buffer | undefined {
  if (!/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/.test(s)) return undefined;
  return Buffer.from(s.replace(/-/g, ''), 'hex');
}

/** The bytes a hinted string stands for, or undefined when it is not of that form. */
export function parseHint(hint: TextHint, s: string): Buffer | undefined {
  switch (hint) {
    case 'mac':
    case 'fddi':
      return parseMac(s);
    case 'ipv4':
      return parseIPv4(s);
    case 'ipv6':
      return parseIPv6(s);
    case 'ipv4-or-v6':
      return parseIPv4(s) ?? parseIPv6(s);
    case 'uuid':
      return parseUuid(s);
  }
}

/** Hex text ('0a0b0c', '0a:0b:0c', '0x0a0b0c') as bytes, or undefined. */
export function parseHex(s: string): Buffer | undefined {
  const h = s.replace(/:/g, '').replace(/^0x/i, '');
  return h.length % 2 || !/^[0-9a-f]*$/i.test(h) ? undefined : Buffer.from(h, 'hex');
}

/** Text input (see markTextInput): bytes given as hex; other values are left for the caller to refuse. */
export function bytesInput(v: unknown, text: boolean | undefined, path: string): unknown {
  if (!text || typeof v !== 'string') return v;
  const b = parseHex(v);
  if (!b) throw new NetlinkEncodeError(`"${v}" is not a hex string`, path);
  return b;
}

/**
 * A binary value as given: bytes, or text in the field's display form (an address, a MAC...).
 * Text input also takes hex, which is how bytes that did not fit the display form print
 * (an empty MAC, a 3-byte "IPv4"). Anything else is left for the caller to refuse.
 */
export function hintedBytes(display: string | undefined, v: unknown, text: boolean | undefined, path: string): unknown {
  if (typeof v !== 'string' || !isTextHint(display)) return bytesInput(v, text, path);
  const b = parseHint(display, v) ?? (text ? parseHex(v) : undefined);
  if (!b) throw new NetlinkEncodeError(`'${v}' is not a ${display}`, path);
  return b;
}

export const isTextHint = (h: string | undefined): h is TextHint => h !== undefined && h !== 'hex';
