// The values rules compare and sets hold, to and from the bytes nft puts in registers:
// addresses and prefixes, ports (big-endian), interface names (IFNAMSIZ, NUL-padded, or a
// 'prefix*' wildcard), protocol numbers, host-order marks and indexes, ct state bits.
import { endianness } from 'node:os';
import { formatIPv4, formatIPv6, parseIPv4, parseIPv6 } from '../core/display.js';
import { NetlinkArgumentError } from '../core/errors.js';
import { ipProtoName, ipProtoValue } from '../route/ip-protocols.js';
import { CT_STATES, type CtState, type NftSetType } from './nft-names.js';
import { quote } from '../core/options.js';

export type ValueKind = 'ipv4' | 'ipv6' | 'port' | 'ifname' | 'proto' | 'u32' | 'nfproto' | 'ethertype' | 'ctstate';

/** Whether this host is little-endian: nft's host-order types (marks, indexes) are written so. */
export const HOST_LE = endianness() === 'LE';
const IFNAMSIZ = 16;

/** Bytes a value of each kind takes in a register, and the set type holding it. */
export const VALUE_KINDS: Record<ValueKind, { len: number; setType?: NftSetType }> = {
  ipv4: { len: 4, setType: 'ipv4_addr' },
  ipv6: { len: 16, setType: 'ipv6_addr' },
  port: { len: 2, setType: 'inet_service' },
  ifname: { len: IFNAMSIZ, setType: 'ifname' },
  proto: { len: 1, setType: 'inet_proto' },
  u32: { len: 4, setType: 'mark' },
  nfproto: { len: 1, setType: 'nf_proto' },
  ethertype: { len: 2, setType: 'ether_type' },
  ctstate: { len: 4 },
};

/** The value kind of a set type (what its elements are written as). */
export const SET_TYPE_KINDS: Record<NftSetType, ValueKind> = {
  nf_proto: 'nfproto', ether_type: 'ethertype', iface_index: 'u32', ipv4_addr: 'ipv4', ipv6_addr: 'ipv6',
  inet_proto: 'proto', inet_service: 'port', mark: 'u32', ifname: 'ifname',
};

const NFPROTOS: Record<string, number> = { ipv4: 2, ipv6: 10 };
const ETHERTYPES: Record<string, number> = { ip: 0x0800, arp: 0x0806, vlan: 0x8100, ip6: 0x86dd };

function u32Bytes(n: number): Buffer {
  const b = Buffer.alloc(4);
  if (HOST_LE) b.writeUInt32LE(n >>> 0);
  else b.writeUInt32BE(n >>> 0);
  return b;
}

function uint(v: unknown, max: number, option: string): number {
  const n = typeof v === 'string' && /^(0x[0-9a-f]+|\d+)$/i.test(v) ? Number(v) : v;
  if (typeof n === 'number' && Number.isInteger(n) && n >= 0 && n <= max) return n;
  throw new NetlinkArgumentError(option, `must be an integer 0..${max}, got ${quote(v)}`, 'ERR_OUT_OF_RANGE');
}

function named(table: Record<string, number>, v: unknown, max: number, option: string): number {
  if (typeof v === 'string' && Object.hasOwn(table, v)) return table[v];
  if (typeof v === 'string' && !/^(0x)?[0-9a-f]+$/i.test(v))
    throw new NetlinkArgumentError(option, `must be one of ${Object.keys(table).join(', ')} or a number, got ${quote(v)}`);
  return uint(v, max, option);
}

function nameOf(table: Record<string, number>, n: number): string | number {
  for (const [k, v] of Object.entries(table)) if (v === n) return k;
  return n;
}

/** An address (no prefix) of a kind, as bytes. */
function addrBytes(kind: 'ipv4' | 'ipv6', s: unknown, option: string): Buffer {
  const b = typeof s === 'string' ? (kind === 'ipv4' ? parseIPv4(s) : parseIPv6(s)) : undefined;
  if (!b) throw new NetlinkArgumentError(option, `must be an ${kind === 'ipv4' ? 'IPv4' : 'IPv6'} address, got ${quote(s)}`);
  return b;
}

/** 'ADDR' or 'ADDR/LEN' as the address bytes and the prefix length (full length for a host). */
export function parseAddrPrefix(kind: 'ipv4' | 'ipv6', v: unknown, option: string): { addr: Buffer; len: number } {
  const bits = kind === 'ipv4' ? 32 : 128;
  if (typeof v !== 'string') throw new NetlinkArgumentError(option, `must be an address or prefix string, got ${typeof v}`, 'ERR_INVALID_ARG_TYPE');
  const slash = v.indexOf('/');
  const addr = addrBytes(kind, slash < 0 ? v : v.slice(0, slash), option);
  const len = slash < 0 ? bits : uint(v.slice(slash + 1), bits, option);
  // the host bits of a prefix are cleared, as nft does
  for (let i = 0; i < addr.length; i++) {
    const keep = Math.max(0, Math.min(8, len - i * 8));
    addr[i] &= (0xff << (8 - keep)) & 0xff;
  }
  return { addr, len };
}

/** A scalar value as register bytes (the exact value: no prefix, no wildcard). */
export function valueBytes(kind: ValueKind, v: unknown, option: string): Buffer {
  switch (kind) {
    case 'ipv4':
    case 'ipv6':
      return addrBytes(kind, v, option);
    case 'port': {
      const b = Buffer.alloc(2);
      b.writeUInt16BE(uint(v, 0xffff, option));
      return b;
    }
    case 'ifname': {
      if (typeof v !== 'string' || v.length === 0 || Buffer.byteLength(v) >= IFNAMSIZ || v.includes('\0'))
        throw new NetlinkArgumentError(option, `must be an interface name of 1..15 bytes, got ${quote(v)}`);
      const b = Buffer.alloc(IFNAMSIZ);
      b.write(v);
      return b;
    }
    case 'proto':
      return Buffer.from([ipProtoValue(v, option)]);
    case 'nfproto':
      return Buffer.from([named(NFPROTOS, v, 255, option)]);
    case 'ethertype': {
      const b = Buffer.alloc(2);
      b.writeUInt16BE(named(ETHERTYPES, v, 0xffff, option));
      return b;
    }
    case 'u32':
      return u32Bytes(uint(v, 0xffffffff, option));
    case 'ctstate':
      return u32Bytes(ctStateBits(v, option));
  }
}

export function ctStateBits(v: unknown, option = 'state'): number {
  const list = Array.isArray(v) ? v : [v];
  let bits = 0;
  for (const s of list) {
    if (typeof s !== 'string' || !Object.hasOwn(CT_STATES, s)) throw new NetlinkArgumentError(option, `must list ct states (${Object.keys(CT_STATES).join(', ')}), got ${quote(s)}`);
    bits |= CT_STATES[s as CtState];
  }
  return bits;
}

export function readU32(b: Uint8Array, at = 0): number {
  const v = Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  return HOST_LE ? v.readUInt32LE(at) : v.readUInt32BE(at);
}

/** Register bytes back to the value (undefined when they cannot be one of the kind). */
export function bytesValue(kind: ValueKind, b: Buffer): string | number | CtState[] | undefined {
  if (kind !== 'ifname' && b.length !== VALUE_KINDS[kind].len) return undefined;
  switch (kind) {
    case 'ipv4':
      return formatIPv4(b);
    case 'ipv6':
      return formatIPv6(b);
    case 'port':
      return b.readUInt16BE(0);
    case 'ifname': {
      if (b.length > IFNAMSIZ || b.length === 0) return undefined;
      const nul = b.indexOf(0);
      // nft compares a 'veth*' wildcard as the bare prefix, no NUL
      return nul < 0 ? `${b.toString()}*` : b.subarray(0, nul).toString();
    }
    case 'proto': {
      const name = ipProtoName(b[0]);
      return name.startsWith('ipproto-') ? b[0] : name;
    }
    case 'nfproto':
      return nameOf(NFPROTOS, b[0]);
    case 'ethertype':
      return nameOf(ETHERTYPES, b.readUInt16BE(0));
    case 'u32':
      return readU32(b);
    case 'ctstate': {
      const bits = readU32(b);
      const out = Object.entries(CT_STATES).filter(([, v]) => bits & v).map(([k]) => k as CtState);
      return out.length ? out : undefined;
    }
  }
}

/** Adds one to a big-endian number (the end of an interval); undefined past the maximum. */
export function increment(b: Buffer): Buffer | undefined {
  const out = Buffer.from(b);
  for (let i = out.length - 1; i >= 0; i--) {
    if (out[i] !== 0xff) {
      out[i]++;
      return out;
    }
    out[i] = 0;
  }
  return undefined;
}

/** Subtracts one (the last value of an interval from its end element). */
export function decrement(b: Buffer): Buffer {
  const out = Buffer.from(b);
  for (let i = out.length - 1; i >= 0; i--) {
    if (out[i] !== 0) {
      out[i]--;
      return out;
    }
    out[i] = 0xff;
  }
  return out;
}

/** The prefix length of [from, to] when it is exactly one aligned prefix, else undefined. */
export function prefixOf(from: Buffer, to: Buffer): number | undefined {
  const bits = from.length * 8;
  let len = bits;
  // count trailing bits where from is 0 and to is 1
  for (let i = bits - 1; i >= 0; i--) {
    const byte = i >> 3, bit = 7 - (i & 7);
    const f = (from[byte] >> bit) & 1, t = (to[byte] >> bit) & 1;
    if (f === 0 && t === 1) len = i;
    else break;
  }
  for (let i = 0; i < len; i++) {
    const byte = i >> 3, bit = 7 - (i & 7);
    if (((from[byte] >> bit) & 1) !== ((to[byte] >> bit) & 1)) return undefined;
  }
  return len;
}

/** The last address of a prefix. */
export function prefixEnd(addr: Buffer, len: number): Buffer {
  const out = Buffer.from(addr);
  for (let i = 0; i < out.length; i++) {
    const keep = Math.max(0, Math.min(8, len - i * 8));
    out[i] |= 0xff >> keep;
  }
  return out;
}

/** A timeout in ms (a set's default, an element's own, a dynset's), as the kernel's u64. */
export function timeoutMs(v: unknown, option: string): bigint {
  if (!Number.isSafeInteger(v) || (v as number) <= 0) throw new NetlinkArgumentError(option, `must be a positive number of ms, got ${quote(v)}`);
  return BigInt(v as number);
}
