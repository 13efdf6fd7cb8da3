// u32's selector (struct tc_u32_sel) from what a caller matches: `{ ip: { dport: 22 } }` gives
// the key `tc filter ... u32 match ip dport 22 0xffff` gives (iproute2 tc/f_u32.c: each field
// packed into the 32-bit word holding it, keys at the same offset merged). Decoding goes back to
// the same shape for keys made of known IPv4 header fields, raw {u32} keys otherwise.
import { NetlinkArgumentError } from '../core/errors.js';
import type { TcU32KeyStruct, TcU32SelStruct } from '../ynl/families/tc.js';
import { ipProtoName, ipProtoValue } from '../route/ip-protocols.js';
import { parsePrefix } from '../route/inet.js';
import { AF_INET } from '../core/rtnetlink.js';

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

export type U32Match = { ip: U32Ip } | { u32: U32Raw } | { u16: U32Raw } | { u8: U32Raw };

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
const IP_KEYS = IP_FIELDS.map((f) => f[0]);
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
      throw new NetlinkArgumentError(option, `${what} must be an integer 0..${max}, got ${JSON.stringify(n)}`, typeof n === 'number' ? 'ERR_OUT_OF_RANGE' : 'ERR_INVALID_ARG_TYPE');
    return n;
  };
  if (typeof v === 'number') return { value: check(v, 'value'), mask: max };
  if (v && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).every((k) => k === 'value' || k === 'mask')) {
    const o = v as { value?: unknown; mask?: unknown };
    const r = { value: check(o.value, 'value'), mask: check(o.mask, 'mask') };
    if (r.value & ~r.mask) throw new NetlinkArgumentError(option, `value 0x${r.value.toString(16)} has bits outside mask 0x${r.mask.toString(16)}`);
    return r;
  }
  throw new NetlinkArgumentError(option, `must be a number or {value, mask}, got ${JSON.stringify(v)}`, 'ERR_INVALID_ARG_TYPE');
}

function ipv4Number(a: string): number {
  return a.split('.').reduce((n, b) => n * 256 + Number(b), 0) >>> 0;
}
const ipv4Text = (n: number) => [24, 16, 8, 0].map((s) => (n >>> s) & 0xff).join('.');

function packField(keys: TcU32KeyStruct[], pos: number, bits: 8 | 16 | 32, value: number, mask: number, offmask: number, option: string): void {
  const shift = shiftOf(pos, bits);
  if (shift < 0) throw new NetlinkArgumentError(option, `a ${bits}-bit match at ${pos} must not cross a 32-bit word (offset must be a multiple of ${bits / 8})`);
  packKey(keys, (value * 2 ** shift) >>> 0, (mask * 2 ** shift) >>> 0, pos - (pos & 3), offmask, option);
}

function packIp(keys: TcU32KeyStruct[], ip: unknown, option: string): void {
  if (ip === null || typeof ip !== 'object' || Array.isArray(ip)) throw new NetlinkArgumentError(option, 'must be an object of IPv4 fields', 'ERR_INVALID_ARG_TYPE');
  for (const k of Object.keys(ip)) if (!(IP_KEYS as string[]).includes(k)) throw new NetlinkArgumentError(`${option}.${k}`, `is not a field u32 matches (there are: ${IP_KEYS.join(', ')})`);
  const o = ip as Record<string, unknown>;
  // in the caller's order, as tc packs its arguments (the kernel tries keys in that order)
  for (const key of Object.keys(o)) {
    const [name, pos, bits, kind] = IP_FIELDS.find((f) => f[0] === key)!;
    const v = o[name];
    if (v === undefined) continue;
    const opt = `${option}.${name}`;
    if (kind === 'addr') {
      const p = parsePrefix(v as string, opt, AF_INET);
      if (p.len === 0) continue;
      const mask = (0xffffffff << (32 - p.len)) >>> 0;
      packField(keys, pos, 32, (ipv4Number(p.address) & mask) >>> 0, mask, 0, opt);
    } else if (kind === 'proto') {
      packField(keys, pos, bits, ipProtoValue(v, opt), 0xff, 0, opt);
    } else {
      const m = masked(v, bits, opt);
      packField(keys, pos, bits, m.value, m.mask, 0, opt);
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
      throw new NetlinkArgumentError(opt, 'must be one of {ip: {...}}, {u32|u16|u8: {value, mask, at}}', 'ERR_INVALID_ARG_TYPE');
    const [kind, v] = Object.entries(m)[0]!;
    if (kind === 'ip') return packIp(keys, v, `${opt}.ip`);
    const bits = RAW_BITS[kind as keyof typeof RAW_BITS];
    if (bits === undefined) throw new NetlinkArgumentError(opt, `has no match kind '${kind}' (there are: ip, u32, u16, u8)`);
    const raw = v as Partial<U32Raw>;
    if (raw === null || typeof raw !== 'object') throw new NetlinkArgumentError(`${opt}.${kind}`, 'must be {value, mask, at}', 'ERR_INVALID_ARG_TYPE');
    const at = raw.at ?? 0;
    if (typeof at !== 'number' || !Number.isInteger(at) || at < -0x80000000 || at > 0x7fffffff || at % (bits / 8) !== 0)
      throw new NetlinkArgumentError(`${opt}.${kind}.at`, `must be an integer offset, a multiple of ${bits / 8}, got ${JSON.stringify(at)}`, 'ERR_OUT_OF_RANGE');
    const mv = masked({ value: raw.value, mask: raw.mask }, bits, `${opt}.${kind}`);
    // tc's `at nexthdr+N`: the offset is from where the hash/link step left (offmask all ones)
    packField(keys, at, bits, mv.value, mv.mask, raw.nexthdr ? -1 : 0, `${opt}.${kind}`);
  });
  if (keys.length === 0) keys.push({ val: 0, mask: 0, off: 0, offmask: 0 });
  return { flags: terminal ? TC_U32_TERMINAL : 0, offshift: 0, nkeys: keys.length, offmask: 0, off: 0, offoff: 0, hoff: 0, hmask: 0, keys };
}

export const TC_U32_TERMINAL = 1;

/** One key back to matches: the IPv4 fields it is made of, or undefined if it is not only those. */
function ipFieldsOf(k: TcU32KeyStruct): [keyof U32Ip, unknown][] | undefined {
  if (k.offmask !== 0 || k.mask === 0) return undefined;
  const out: [keyof U32Ip, unknown][] = [];
  let covered = 0;
  for (const [name, pos, bits, kind] of IP_FIELDS) {
    if (pos - (pos & 3) !== k.off) continue;
    const shift = shiftOf(pos, bits);
    const full = FULL[bits];
    const mask = (Math.floor((k.mask >>> 0) / 2 ** shift) & full) >>> 0;
    if (mask === 0) continue;
    const value = (Math.floor((k.val >>> 0) / 2 ** shift) & full) >>> 0;
    covered = (covered | (mask * 2 ** shift)) >>> 0;
    if (kind === 'addr') {
      const len = 32 - Math.log2(2 ** 32 - mask);
      if (!Number.isInteger(len) && mask !== 0xffffffff) return undefined;
      out.push([name, `${ipv4Text(value >>> 0)}/${mask === 0xffffffff ? 32 : len}`]);
    } else if (kind === 'proto') {
      if (mask !== full) return undefined;
      out.push([name, ipProtoName(value)]);
    } else out.push([name, mask === full ? value : { value, mask }]);
  }
  return covered === k.mask >>> 0 ? out : undefined;
}

/**
 * A selector's keys as matches, in key order (building them again gives the same keys in the
 * same order): keys made of known IPv4 fields grouped into one {ip} while they follow each
 * other, other keys raw {u32}. The lone all-zero key (`match u32 0 0`) is no match at all.
 */
export function decodeSel(sel: TcU32SelStruct): U32Match[] {
  const out: U32Match[] = [];
  let ip: U32Ip | undefined;
  for (const k of sel.keys) {
    const fields = ipFieldsOf(k);
    if (fields) {
      if (!ip || fields.some(([n]) => ip![n] !== undefined)) out.push({ ip: (ip = {}) });
      for (const [n, v] of fields) (ip as Record<string, unknown>)[n] = v;
      continue;
    }
    ip = undefined;
    if (k.mask === 0 && k.val === 0 && k.off === 0 && k.offmask === 0 && sel.keys.length === 1) continue;
    const r: U32Raw = { value: k.val >>> 0, mask: k.mask >>> 0, at: k.off };
    if (k.offmask !== 0) r.nexthdr = true;
    out.push({ u32: r });
  }
  return out;
}
