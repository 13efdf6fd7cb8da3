// u32's selector (struct tc_u32_sel) from what a caller matches: `{ ip: { dport: 22 } }` gives
// the key `tc filter ... u32 match ip dport 22 0xffff` gives (iproute2 tc/f_u32.c: each field
// packed into the 32-bit word holding it, keys at the same offset merged). Decoding goes back to
// the same shape for keys made of known IPv4 header fields, raw {u32} keys otherwise.
import { NetlinkArgumentError } from '../core/errors.js';
import type { TcU32KeyStruct, TcU32SelStruct } from '../ynl/families/tc.js';
import { ipProtoName, ipProtoValue } from '../route/ip-protocols.js';
import { parsePrefix } from '../route/inet.js';
import { AF_INET, AF_INET6 } from '../core/rtnetlink.js';
import { formatIPv4Number, formatIPv6, parseIPv4, parseIPv6 } from '../core/display.js';
import { quote } from '../core/options.js';

/** A field value, or a value under a mask (as `match ip tos 0x10 0xf0`). */
export type Masked = number | { value: number; mask: number };

/** IPv4 header fields u32 can match (offsets from the network header, no options assumed for ports). */
export interface U32Ip {
  /** Prefix or host ('10.0.0.0/8', '10.0.0.1'). */
  src?: string;
  dst?: string;
  sport?: Masked;
  dport?: Masked;
  /** 'tcp', 'udp', a name from /etc/protocols, or a number. */
  protocol?: string | number;
  tos?: Masked;
  ttl?: Masked;
}

/** A raw 32/16/8-bit match `at` a byte offset (`nexthdr`: from the transport header, as `at nexthdr+N`). */
export interface U32Raw {
  value: number;
  mask: number;
  at: number;
  nexthdr?: boolean;
}

/** IPv6 header fields (`match ip6 ...`), ports assuming no extension headers as tc does. */
export interface U32Ip6 {
  /** Prefix or host ('2001:db8::/32'). */
  src?: string;
  dst?: string;
  sport?: Masked;
  dport?: Masked;
  /** The next header: 'tcp', 'udp', 'ipv6-icmp', a number. */
  protocol?: string | number;
}

export type U32Match = { ip: U32Ip } | { ip6: U32Ip6 } | { u32: U32Raw } | { u16: U32Raw } | { u8: U32Raw };

type FieldKind = 'int' | 'addr' | 'proto';
/** [name, byte offset in the IPv4 header, width in bits, kind] (f_u32.c parse_ip). */
const IP_FIELDS: readonly [keyof U32Ip, number, 8 | 16 | 32, FieldKind][] = [
  ['tos', 1, 8, 'int'],
  ['ttl', 8, 8, 'int'],
  ['protocol', 9, 8, 'proto'],
  ['src', 12, 32, 'addr'],
  ['dst', 16, 32, 'addr'],
  ['sport', 20, 16, 'int'],
  ['dport', 22, 16, 'int'],
];
/** The same for IPv6 (f_u32.c parse_ip6): addresses are four words from their offset. */
const IP6_FIELDS: readonly [keyof U32Ip6, number, 8 | 16 | 128, FieldKind][] = [
  ['protocol', 6, 8, 'proto'],
  ['src', 8, 128, 'addr'],
  ['dst', 24, 128, 'addr'],
  ['sport', 40, 16, 'int'],
  ['dport', 42, 16, 'int'],
];

const FULL = { 8: 0xff, 16: 0xffff, 32: 0xffffffff } as const;

/** A key's shift within its word: the field's byte position from the word's start. */
const shiftOf = (at: number, bits: number) => 32 - bits - (at & 3) * 8;

const MAX_KEYS = 128;

/** tc's pack_key: keys at one offset (and offmask) merge; a conflict is an error. */
function packKey(keys: TcU32KeyStruct[], val: number, mask: number, off: number, offmask: number, option: string): void {
  val = (val & mask) >>> 0;
  for (const k of keys) {
    if (k.off === off && k.offmask === offmask) {
      if (((val ^ k.val) & mask & k.mask) !== 0) throw new NetlinkArgumentError(option, `contradicts an earlier match at offset ${off}`);
      k.val = (k.val | val) >>> 0;
      k.mask = (k.mask | mask) >>> 0;
      return;
    }
  }
  if (keys.length >= MAX_KEYS) throw new NetlinkArgumentError(option, `has more than ${MAX_KEYS} keys`, 'ERR_OUT_OF_RANGE');
  keys.push({ val, mask: mask >>> 0, off, offmask });
}

function masked(v: unknown, bits: 8 | 16 | 32, option: string): { value: number; mask: number } {
  const max = FULL[bits];
  const check = (n: unknown, what: string): number => {
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > max)
      throw new NetlinkArgumentError(option, `${what} must be an integer 0..${max}, got ${quote(n)}`, typeof n === 'number' ? 'ERR_OUT_OF_RANGE' : 'ERR_INVALID_ARG_TYPE');
    return n;
  };
  if (typeof v === 'number') return { value: check(v, 'value'), mask: max };
  if (v && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).every((k) => k === 'value' || k === 'mask')) {
    const o = v as { value?: unknown; mask?: unknown };
    const r = { value: check(o.value, 'value'), mask: check(o.mask, 'mask') };
    if (r.value & ~r.mask) throw new NetlinkArgumentError(option, `value 0x${r.value.toString(16)} has bits outside mask 0x${r.mask.toString(16)}`);
    return r;
  }
  throw new NetlinkArgumentError(option, `must be a number or {value, mask}, got ${quote(v)}`, 'ERR_INVALID_ARG_TYPE');
}

function packField(keys: TcU32KeyStruct[], pos: number, bits: 8 | 16 | 32, value: number, mask: number, offmask: number, option: string): void {
  const shift = shiftOf(pos, bits);
  if (shift < 0) throw new NetlinkArgumentError(option, `a ${bits}-bit match at ${pos} must not cross a 32-bit word (offset must be a multiple of ${bits / 8})`);
  packKey(keys, (value * 2 ** shift) >>> 0, (mask * 2 ** shift) >>> 0, pos - (pos & 3), offmask, option);
}

/** An IPv4 prefix: one key of its mask at the address's offset (none for /0). */
function packIp4Addr(keys: TcU32KeyStruct[], pos: number, v: unknown, opt: string): void {
  const p = parsePrefix(v as string, opt, AF_INET);
  if (p.len === 0) return;
  const mask = (0xffffffff << (32 - p.len)) >>> 0;
  packKey(keys, (parseIPv4(p.address)!.readUInt32BE(0) & mask) >>> 0, mask, pos, 0, opt);
}

/** An IPv6 prefix as tc packs it (parse_ip6_addr): a key per word the prefix reaches. */
function packIp6Addr(keys: TcU32KeyStruct[], pos: number, v: unknown, opt: string): void {
  const p = parsePrefix(v as string, opt, AF_INET6);
  const b = parseIPv6(p.address);
  if (!b) throw new NetlinkArgumentError(opt, `must be an IPv6 prefix without a zone, got ${quote(v)}`);
  for (let i = 0, left = p.len; i < 4 && left > 0; i++, left -= 32) {
    const mask = left >= 32 ? 0xffffffff : (0xffffffff << (32 - left)) >>> 0;
    packKey(keys, (b.readUInt32BE(i * 4) & mask) >>> 0, mask, pos + i * 4, 0, opt);
  }
}

type FieldTable = readonly [string, number, number, FieldKind][];
/** Each header's fields and how its addresses pack. */
const HEADERS = {
  ip: { what: 'IPv4', table: IP_FIELDS as FieldTable, addr: packIp4Addr },
  ip6: { what: 'IPv6', table: IP6_FIELDS as FieldTable, addr: packIp6Addr },
} as const;

function packHeader(keys: TcU32KeyStruct[], header: keyof typeof HEADERS, fields: unknown, option: string): void {
  const { what, table, addr } = HEADERS[header];
  if (fields === null || typeof fields !== 'object' || Array.isArray(fields)) throw new NetlinkArgumentError(option, `must be an object of ${what} fields`, 'ERR_INVALID_ARG_TYPE');
  const o = fields as Record<string, unknown>;
  // in the caller's order, as tc packs its arguments (the kernel tries keys in that order)
  for (const name of Object.keys(o)) {
    const f = table.find((x) => x[0] === name);
    if (!f) throw new NetlinkArgumentError(`${option}.${name}`, `is not a field u32 matches (there are: ${table.map((x) => x[0]).join(', ')})`);
    const [, pos, bits, kind] = f;
    const v = o[name];
    if (v === undefined) continue;
    const opt = `${option}.${name}`;
    if (kind === 'addr') addr(keys, pos, v, opt);
    else if (kind === 'proto') packField(keys, pos, 8, ipProtoValue(v, opt), 0xff, 0, opt);
    else {
      const m = masked(v, bits as 8 | 16, opt);
      packField(keys, pos, bits as 8 | 16, m.value, m.mask, 0, opt);
    }
  }
}

const RAW_BITS = { u32: 32, u16: 16, u8: 8 } as const;

/**
 * The selector for a list of matches. No match at all is `match u32 0 0` (everything).
 * `terminal` (TC_U32_TERMINAL) is set by tc when the filter classifies or has actions.
 */
export function buildSel(match: unknown, terminal: boolean, option = 'match'): TcU32SelStruct {
  const list = match === undefined ? [] : match;
  if (!Array.isArray(list)) throw new NetlinkArgumentError(option, 'must be a list of matches ({ip: {...}} or {u32: {value, mask, at}})', 'ERR_INVALID_ARG_TYPE');
  const keys: TcU32KeyStruct[] = [];
  list.forEach((m: unknown, i) => {
    const opt = `${option}[${i}]`;
    if (m === null || typeof m !== 'object' || Array.isArray(m) || Object.keys(m).length !== 1)
      throw new NetlinkArgumentError(opt, 'must be one of {ip: {...}}, {ip6: {...}}, {u32|u16|u8: {value, mask, at}}', 'ERR_INVALID_ARG_TYPE');
    const [kind, v] = Object.entries(m)[0]!;
    if (kind === 'ip' || kind === 'ip6') return packHeader(keys, kind, v, `${opt}.${kind}`);
    const bits = RAW_BITS[kind as keyof typeof RAW_BITS];
    if (bits === undefined) throw new NetlinkArgumentError(opt, `has no match kind '${kind}' (there are: ip, ip6, u32, u16, u8)`);
    const raw = v as Partial<U32Raw>;
    if (raw === null || typeof raw !== 'object') throw new NetlinkArgumentError(`${opt}.${kind}`, 'must be {value, mask, at}', 'ERR_INVALID_ARG_TYPE');
    const at = raw.at ?? 0;
    if (typeof at !== 'number' || !Number.isInteger(at) || at < -0x80000000 || at > 0x7fffffff || at % (bits / 8) !== 0)
      throw new NetlinkArgumentError(`${opt}.${kind}.at`, `must be an integer offset, a multiple of ${bits / 8}, got ${quote(at)}`, 'ERR_OUT_OF_RANGE');
    const mv = masked({ value: raw.value, mask: raw.mask }, bits, `${opt}.${kind}`);
    // tc's `at nexthdr+N`: the offset is from where the hash/link step left (offmask all ones)
    packField(keys, at, bits, mv.value, mv.mask, raw.nexthdr ? -1 : 0, `${opt}.${kind}`);
  });
  if (keys.length === 0) keys.push({ val: 0, mask: 0, off: 0, offmask: 0 });
  return { flags: terminal ? TC_U32_TERMINAL : 0, offshift: 0, nkeys: keys.length, offmask: 0, off: 0, offoff: 0, hoff: 0, hmask: 0, keys };
}

export const TC_U32_TERMINAL = 1;
/** <linux/pkt_cls.h> TC_U32_OFFSET (a fixed `plus`), TC_U32_VAROFFSET (read from the packet), TC_U32_EAT. */
const TC_U32_OFFSET = 2, TC_U32_VAROFFSET = 4, TC_U32_EAT = 8;

/**
 * Where the next header starts, for `nexthdr` matches and links (f_u32.c parse_offset): the
 * 16-bit word `at` (even), masked by `mask` and shifted right by `shift` (an IPv4 header's
 * length: at 0, mask 0x0f00, shift 6), plus a fixed `plus`; `eat` moves the packet's start there
 * for the hash table the filter links to.
 */
export interface U32Offset {
  at?: number;
  mask?: number;
  shift?: number;
  plus?: number;
  eat?: boolean;
}

/** Sets a selector's offset fields from `offset`. */
export function applyOffset(sel: TcU32SelStruct, v: unknown, option = 'offset'): void {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new NetlinkArgumentError(option, 'must be {at, mask, shift, plus, eat}', 'ERR_INVALID_ARG_TYPE');
  const o = v as Record<string, unknown>;
  for (const k of Object.keys(o)) if (!['at', 'mask', 'shift', 'plus', 'eat'].includes(k)) throw new NetlinkArgumentError(`${option}.${k}`, 'is not an offset field (there are: at, mask, shift, plus, eat)');
  const int = (k: string, min: number, max: number) => {
    const n = o[k];
    if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max) throw new NetlinkArgumentError(`${option}.${k}`, `must be an integer ${min}..${max}, got ${quote(n)}`, 'ERR_OUT_OF_RANGE');
    return n;
  };
  if (o.at !== undefined || o.mask !== undefined || o.shift !== undefined) {
    sel.flags |= TC_U32_VAROFFSET;
    if (o.at !== undefined) {
      sel.offoff = int('at', -0x8000, 0x7fff);
      if (sel.offoff % 2) throw new NetlinkArgumentError(`${option}.at`, `must be even (a 16-bit word), got ${sel.offoff}`, 'ERR_OUT_OF_RANGE');
    }
    if (o.mask !== undefined) sel.offmask = int('mask', 0, 0xffff);
    if (o.shift !== undefined) sel.offshift = int('shift', 0, 255);
  }
  if (o.plus !== undefined) {
    sel.off = int('plus', 0, 0xffff);
    sel.flags |= TC_U32_OFFSET;
  }
  if (o.eat !== undefined && typeof o.eat !== 'boolean') throw new NetlinkArgumentError(`${option}.eat`, 'must be a boolean', 'ERR_INVALID_ARG_TYPE');
  if (o.eat) sel.flags |= TC_U32_EAT;
}

/** A selector's offset, as applyOffset takes it (undefined when it has none). */
export function offsetOf(sel: TcU32SelStruct): U32Offset | undefined {
  if (!(sel.flags & (TC_U32_OFFSET | TC_U32_VAROFFSET | TC_U32_EAT))) return undefined;
  const o: U32Offset = {};
  if (sel.flags & TC_U32_VAROFFSET) Object.assign(o, { at: sel.offoff, mask: sel.offmask, shift: sel.offshift });
  if (sel.flags & TC_U32_OFFSET) o.plus = sel.off;
  if (sel.flags & TC_U32_EAT) o.eat = true;
  return o;
}

/**
 * The bucket a packet matching `match` (one key) hashes to in a table of `divisor` buckets, as
 * tc's `sample` computes it: the key's masked value shifted down to the mask's lowest bit,
 * modulo the divisor (the kernel's u32_hash_fold for a hashkey with that mask).
 */
export function sampleBucket(match: unknown, divisor: number, option = 'sample'): number {
  const sel = buildSel([match], false, option);
  if (sel.nkeys !== 1 || sel.keys[0]!.mask === 0) throw new NetlinkArgumentError(option, 'must be one match making exactly one key with a mask (as `sample ip dst 10.0.0.5/32`)');
  const { val, mask } = sel.keys[0]!;
  const shift = 31 - Math.clz32(mask & -mask);
  return (((val & mask) >>> 0) >>> shift) % divisor;
}

/** Fields of a key as a flat list: name, value, name, value... (no pair array per field). */
type Fields = unknown[];

/** The keys each list decodeSel made was decoded from (printing a dump needs them back). */
const decodedKeys = new WeakMap<readonly U32Match[], readonly TcU32KeyStruct[]>();

/**
 * A match list's keys as the kernel holds them: for a list decodeSel made, the keys it was
 * decoded from (printing a dump of thousands of filters built them all again); otherwise
 * buildSel's. Decoded lists are views of what the kernel holds: edit a copy.
 */
export function selKeys(match: readonly U32Match[]): readonly TcU32KeyStruct[] {
  return decodedKeys.get(match) ?? buildSel(match, false).keys;
}

/** One key back to the fields of a table it is made of (undefined if it is not only those). */
function fieldsOf(k: TcU32KeyStruct, table: readonly [string, number, number, FieldKind][]): Fields | undefined {
  if (k.offmask !== 0 || k.mask === 0) return undefined;
  const out: Fields = [];
  let covered = 0;
  for (let t = 0; t < table.length; t++) {
    const [name, pos, bits, kind] = table[t]!;
    if (bits > 32 || pos - (pos & 3) !== k.off) continue;
    // shifts are 0..24 here: the word's bits by >>> and <<, all kept unsigned
    const shift = shiftOf(pos, bits);
    const full = FULL[bits as 8 | 16 | 32];
    const mask = ((k.mask >>> shift) & full) >>> 0;
    if (mask === 0) continue;
    const value = ((k.val >>> shift) & full) >>> 0;
    covered = (covered | (mask << shift)) >>> 0;
    if (kind === 'addr') {
      const len = prefixLen(mask);
      if (len === undefined) return undefined;
      out.push(name, `${formatIPv4Number(value)}/${len}`);
    } else if (kind === 'proto') {
      if (mask !== full) return undefined;
      out.push(name, ipProtoName(value));
    } else out.push(name, mask === full ? value : { value, mask });
  }
  return covered === k.mask >>> 0 ? out : undefined;
}

/** The length of a prefix mask (0xff000000: 8), undefined for other masks. */
function prefixLen(mask: number): number | undefined {
  const len = 32 - Math.log2(2 ** 32 - (mask >>> 0));
  return Number.isInteger(len) ? len : undefined;
}

/**
 * An IPv6 address match from keys[i] on: its words at base, base+4... (full masks, the last a
 * prefix mask), as parse_ip6_addr packs them; [field, prefix, keys used] or undefined.
 */
function ip6AddrAt(keys: readonly TcU32KeyStruct[], i: number): [string, string, number] | undefined {
  const field = IP6_FIELDS.find(([, pos, bits]) => bits === 128 && pos === keys[i]!.off);
  if (!field) return undefined;
  const b = Buffer.alloc(16);
  let n = 0, len = 0;
  for (; n < 4 && i + n < keys.length; n++) {
    const k = keys[i + n]!;
    const l = prefixLen(k.mask);
    if (k.offmask !== 0 || k.off !== field[1] + n * 4 || !l) break;
    b.writeUInt32BE(k.val >>> 0, n * 4);
    len += l;
    if (l < 32) {
      n++;
      break;
    }
  }
  return n ? [field[0], `${formatIPv6(b)}/${len}`, n] : undefined;
}

/**
 * A selector's keys as matches, in key order (building them again gives the same keys in the
 * same order): keys made of known header fields (IPv4's, or IPv6's for a filter of protocol
 * ipv6) grouped into one {ip}/{ip6} while they follow each other, other keys raw {u32}. The lone
 * all-zero key (`match u32 0 0`) is no match at all.
 */
/** Fields into the open group, or a new {ip}/{ip6} match when one is named twice; the group. */
function putFields(out: U32Match[], group: Record<string, unknown> | undefined, family: 'ip' | 'ip6', fields: Fields): Record<string, unknown> {
  let fresh = group === undefined;
  for (let j = 0; j < fields.length && !fresh; j += 2) if (group![fields[j] as string] !== undefined) fresh = true;
  if (fresh) {
    group = {};
    out.push(family === 'ip6' ? { ip6: group } : { ip: group });
  }
  for (let j = 0; j < fields.length; j += 2) group![fields[j] as string] = fields[j + 1];
  return group!;
}

export function decodeSel(sel: TcU32SelStruct, family: 'ip' | 'ip6' = 'ip'): U32Match[] {
  const out: U32Match[] = [];
  decodedKeys.set(out, sel.keys);
  let group: Record<string, unknown> | undefined;
  const table = family === 'ip6' ? IP6_FIELDS : IP_FIELDS;
  for (let i = 0; i < sel.keys.length; i++) {
    const k = sel.keys[i]!;
    const addr = family === 'ip6' ? ip6AddrAt(sel.keys, i) : undefined;
    if (addr) {
      group = putFields(out, group, family, [addr[0], addr[1]]);
      i += addr[2] - 1;
      continue;
    }
    const fields = fieldsOf(k, table);
    if (fields) {
      group = putFields(out, group, family, fields);
      continue;
    }
    group = undefined;
    if (k.mask === 0 && k.val === 0 && k.off === 0 && k.offmask === 0 && sel.keys.length === 1) continue;
    const r: U32Raw = { value: k.val >>> 0, mask: k.mask >>> 0, at: k.off };
    if (k.offmask !== 0) r.nexthdr = true;
    out.push({ u32: r });
  }
  return out;
}
