// Where each match key's value comes from (a payload offset, a meta key, a ct key), what kind
// of value it is, and the protocol match nft puts before it: one table, read by both the
// encoder and the decoder, so a key written is a key recognized.
import type { CtKeysEnum, MetaKeysEnum, PayloadBaseEnum } from '../ynl/families/nftables.js';
import type { NftMatchKey } from './nft-expr.js';
import type { NftFamily } from './nft-names.js';
import type { ValueKind } from './nft-values.js';

export type KeySource =
  | { payload: { base: PayloadBaseEnum; offset: number; len: number } }
  | { meta: MetaKeysEnum }
  | { ct: CtKeysEnum };

/** The protocol a header field needs matched first: network (ipv4/ipv6) or transport (tcp/udp). */
export type Dependency = 'ipv4' | 'ipv6' | 'tcp' | 'udp';

export interface KeyInfo {
  src: KeySource;
  kind: ValueKind;
  dep?: Dependency;
  /** An interface index: a name is resolved in the call's namespace. */
  ifindex?: true;
}

const net = (offset: number, len: number): KeySource => ({ payload: { base: 'network-header', offset, len } });
const th = (offset: number): KeySource => ({ payload: { base: 'transport-header', offset, len: 2 } });

/** Offsets from struct iphdr, ipv6hdr, tcphdr and udphdr. */
export const MATCH_KEYS: Record<NftMatchKey, KeyInfo> = {
  'ip.saddr': { src: net(12, 4), kind: 'ipv4', dep: 'ipv4' },
  'ip.daddr': { src: net(16, 4), kind: 'ipv4', dep: 'ipv4' },
  'ip.protocol': { src: net(9, 1), kind: 'proto', dep: 'ipv4' },
  'ip6.saddr': { src: net(8, 16), kind: 'ipv6', dep: 'ipv6' },
  'ip6.daddr': { src: net(24, 16), kind: 'ipv6', dep: 'ipv6' },
  'ip6.nexthdr': { src: net(6, 1), kind: 'proto', dep: 'ipv6' },
  'tcp.sport': { src: th(0), kind: 'port', dep: 'tcp' },
  'tcp.dport': { src: th(2), kind: 'port', dep: 'tcp' },
  'udp.sport': { src: th(0), kind: 'port', dep: 'udp' },
  'udp.dport': { src: th(2), kind: 'port', dep: 'udp' },
  'meta.iifname': { src: { meta: 'iifname' }, kind: 'ifname' },
  'meta.oifname': { src: { meta: 'oifname' }, kind: 'ifname' },
  'meta.iif': { src: { meta: 'iif' }, kind: 'u32', ifindex: true },
  'meta.oif': { src: { meta: 'oif' }, kind: 'u32', ifindex: true },
  'meta.l4proto': { src: { meta: 'l4-proto' }, kind: 'proto' },
  'meta.mark': { src: { meta: 'mark' }, kind: 'u32' },
  'meta.nfproto': { src: { meta: 'nfproto' }, kind: 'nfproto' },
  'meta.protocol': { src: { meta: 'protocol' }, kind: 'ethertype' },
  'ct.state': { src: { ct: 'state' }, kind: 'ctstate' },
  'ct.mark': { src: { ct: 'mark' }, kind: 'u32' },
};

/** Keys whose matches are dependencies (dependencyMatch's): what the encoder and decoder track. */
export const PROTOCOL_KEYS: readonly string[] = ['meta.l4proto', 'meta.nfproto', 'meta.protocol'];
/** Header fields that say the transport protocol as meta l4proto does (nft writes no meta l4proto after them). */
export const L4_HEADER_KEYS: readonly string[] = ['ip.protocol', 'ip6.nexthdr'];

/**
 * The match nft puts before a field of a protocol the table's family does not imply:
 * `meta l4proto tcp` before a tcp field; `meta nfproto ipv4` before an ip field in an inet
 * table, `meta protocol ip` in a bridge or netdev table. undefined: none needed.
 */
export function dependencyMatch(dep: Dependency, family: NftFamily): { key: NftMatchKey; value: string } | undefined {
  switch (dep) {
    case 'tcp':
    case 'udp':
      return { key: 'meta.l4proto', value: dep };
    case 'ipv4':
    case 'ipv6':
      if (family === 'inet') return { key: 'meta.nfproto', value: dep };
      if (family === 'bridge' || family === 'netdev') return { key: 'meta.protocol', value: dep === 'ipv4' ? 'ip' : 'ip6' };
      return undefined;
  }
}

/** The keys a payload load (base, offset, len) can be, with the dependency telling them apart. */
export function keysAt(base: string, offset: number): [NftMatchKey, KeyInfo][] {
  return (Object.entries(MATCH_KEYS) as [NftMatchKey, KeyInfo][]).filter(([, k]) => 'payload' in k.src && k.src.payload.base === base && k.src.payload.offset === offset);
}
