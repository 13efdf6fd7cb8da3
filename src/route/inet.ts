// Addresses and prefixes as users write them ('10.0.0.0/24', '2001:db8::1', 'default') and as
// iproute2 prints them.
import { isIP } from 'node:net';
import { AF_BRIDGE, AF_INET, AF_INET6, AF_MPLS } from '../core/rtnetlink.js';
import { NetlinkArgumentError } from '../core/errors.js';
import { formatIPv6, parseIPv4, parseIPv6 } from '../core/display.js';
import { ipv4PrefixValue, isIPv4Text } from '../core/ipv4-text.js';
import { quote } from '../core/options.js';

export type InetFamily = typeof AF_INET | typeof AF_INET6;

export interface Prefix {
  family: InetFamily;
  /** The address as text ('' for 'default'). */
  address: string;
  /** Prefix length: 32/128 when the text has none, 0 for 'default'. */
  len: number;
}

/** AF_INET or AF_INET6 for an address's text; a typed error for anything else. */
export function familyOf(address: string, option = 'address'): InetFamily {
  if (typeof address === 'string' && isIPv4Text(address)) return AF_INET; // the common case, without isIP's regexes
  // a zone (fe80::1%eth0) is a socket address's, not an address netlink carries
  const v = typeof address === 'string' && !address.includes('%') ? isIP(address) : 0;
  if (v === 4) return AF_INET;
  if (v === 6) return AF_INET6;
  throw new NetlinkArgumentError(option, `must be an IPv4 or IPv6 address, got ${quote(address)}`,
    typeof address === 'string' ? 'ERR_INVALID_ARG_VALUE' : 'ERR_INVALID_ARG_TYPE');
}

/**
 * 'a.b.c.d/n', 'a.b.c.d' (a host), IPv6 likewise, or 'default' (any family: `family` says
 * which, IPv4 when absent).
 */
export function parsePrefix(text: string, option = 'dst', family?: InetFamily): Prefix {
  if (typeof text !== 'string')
    throw new NetlinkArgumentError(option, `must be a prefix such as '10.0.0.0/24' or 'default', got ${typeof text}`, 'ERR_INVALID_ARG_TYPE');
  if (text === 'default' || text === 'any' || text === 'all') return { family: family ?? AF_INET, address: '', len: 0 };
  const slash = text.indexOf('/');
  const address = slash < 0 ? text : text.slice(0, slash);
  const fam = familyOf(address, option);
  if (family !== undefined && family !== fam)
    throw new NetlinkArgumentError(option, `must be an ${family === AF_INET ? 'IPv4' : 'IPv6'} prefix here, got ${quote(text)}`);
  const max = fam === AF_INET ? 32 : 128;
  const len = slash < 0 ? max : prefixLength(text, slash + 1);
  if (!(len >= 0 && len <= max))
    throw new NetlinkArgumentError(option, `must have a prefix length 0..${max}, got ${quote(text)}`, 'ERR_OUT_OF_RANGE');
  return { family: fam, address, len };
}

/**
 * The 1-3 decimal digits from text[from] to its end; NaN otherwise. By hand, not a regular
 * expression and a slice: a bulk add parses one per route.
 */
export function prefixLength(text: string, from: number): number {
  const n = text.length - from;
  if (n < 1 || n > 3) return NaN;
  let v = 0;
  for (let i = from; i < text.length; i++) {
    const c = text.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return NaN;
    v = v * 10 + c;
  }
  return v;
}

/**
 * Whether an address's text is inside a prefix (a length 0 takes its whole family, address ''
 * included): what `to PREFIX` filters and conntrack filters apply to every entry of a dump or
 * event stream. An IPv4 address is compared as a number and one IPv6 address as its canonical
 * text (entries' addresses are the decoders' canonical text), so no Buffer is made per entry.
 */
export function prefixTest(p: { family: number; address: string; len: number }): (have: string) => boolean {
  const v4 = p.family === AF_INET;
  const wanted = !v4 ? -1 : p.address === '' ? 0 : ipv4PrefixValue(p.address, 32);
  if (wanted >= 0) {
    const m = p.len === 0 ? 0 : (0xffffffff << (32 - p.len)) >>> 0;
    const w = (wanted & m) >>> 0;
    return (have) => {
      const v = ipv4PrefixValue(have, 32);
      return v >= 0 && ((v & m) >>> 0) === w;
    };
  }
  if (!v4 && p.len === 128) {
    const canonical = formatIPv6(parseIPv6(p.address)!);
    return (have) => have === canonical;
  }
  const bytes = (a: string) => (v4 ? parseIPv4(a) : a.includes(':') ? parseIPv6(a) : undefined);
  const mask = prefixMaskBytes(v4 ? 4 : 16, p.len);
  const want = p.address === '' ? Buffer.alloc(mask.length) : bytes(p.address)!;
  return (have) => {
    const b = bytes(have);
    return b !== undefined && b.length === want.length && mask.every((m, i) => (b[i] & m) === (want[i] & m));
  };
}

/** The mask of a prefix length as `bytes` bytes (the first `len` bits set): /24 of 4 is ff ff ff 00. */
export function prefixMaskBytes(bytes: number, len: number): Buffer {
  const b = Buffer.alloc(bytes);
  for (let i = 0; i < bytes; i++) b[i] = (0xff00 >> Math.max(0, Math.min(8, len - i * 8))) & 0xff;
  return b;
}

/** A prefix length's mask as text, as tc and conntrack print masks: '255.255.255.0', 'ffff:ffff:0:0:0:0:0:0'. */
export function prefixMaskText(len: number, v6: boolean): string {
  const b = prefixMaskBytes(v6 ? 16 : 4, len);
  if (!v6) return b.join('.');
  let t = b.readUInt16BE(0).toString(16);
  for (let i = 2; i < 16; i += 2) t += `:${b.readUInt16BE(i).toString(16)}`;
  return t;
}

/** How iproute2 prints a destination: 'default', a host without '/32', else 'a.b.c.d/n'. */
export function formatPrefix(address: string | undefined, len: number, family: number): string {
  if (!address || (len === 0 && (address === '0.0.0.0' || address === '::'))) return len === 0 ? 'default' : `${address ?? ''}/${len}`;
  return len === (family === AF_INET6 ? 128 : 32) ? address : `${address}/${len}`;
}

/** 'inet' / 'inet6' (ip -j's `family`), or the number for others. */
export function familyName(family: number): string {
  return family === AF_INET ? 'inet' : family === AF_INET6 ? 'inet6' : family === AF_BRIDGE ? 'bridge' : family === AF_MPLS ? 'mpls' : String(family);
}

/** A user's family option: 4, 6, 'inet', 'inet6', 'ipv4', 'ipv6', or AF_* numbers. */
export function parseFamily(v: unknown, option = 'family'): InetFamily | undefined {
  if (v === undefined) return undefined;
  if (v === 4 || v === 'inet' || v === 'ipv4' || v === AF_INET) return AF_INET;
  if (v === 6 || v === 'inet6' || v === 'ipv6' || v === AF_INET6) return AF_INET6;
  throw new NetlinkArgumentError(option, `must be 4, 6, 'inet', 'inet6', 'ipv4' or 'ipv6', got ${quote(v)}`);
}
