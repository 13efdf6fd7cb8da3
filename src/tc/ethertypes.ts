// Ethertypes (<linux/if_ether.h> ETH_P_*) with the names iproute2 gives them (lib/ll_proto.c
// llproto_names, in its order: a number's first name is the one printed, later ones are only
// read). One table for tc's filter protocols, flower's and vlan's ethertypes and ss's packet
// sockets. Names are read case-insensitively, as ll_proto_a2n reads them.
import { NetlinkArgumentError } from '../core/errors.js';
import { uint } from '../route/spec-values.js';
import { quote } from '../core/options.js';

/** The ethertypes code tests for. */
export const ETH_P = { ALL: 0x0003, IP: 0x0800, IPV6: 0x86dd, '8021Q': 0x8100, '8021AD': 0x88a8 } as const;

const LL_PROTO: readonly (readonly [number, string])[] = [
  [0x0060, 'loop'], [0x0200, 'pup'], [0x0201, 'pupat'], [ETH_P.IP, 'ip'], [0x0805, 'x25'], [0x0806, 'arp'], [0x08ff, 'bpq'],
  [0x0a00, 'ieeepup'], [0x0a01, 'ieeepupat'], [0x6000, 'dec'], [0x6001, 'dna_dl'], [0x6002, 'dna_rc'], [0x6003, 'dna_rt'],
  [0x6004, 'lat'], [0x6005, 'diag'], [0x6006, 'cust'], [0x6007, 'sca'], [0x8035, 'rarp'], [0x809b, 'atalk'], [0x80f3, 'aarp'],
  [0x8137, 'ipx'], [ETH_P.IPV6, 'ipv6'], [0x8863, 'ppp_disc'], [0x8864, 'ppp_ses'], [0x884c, 'atmmpoa'], [0x8884, 'atmfate'],
  [0x0001, '802_3'], [0x0002, 'ax25'], [ETH_P.ALL, 'all'], [0x0004, '802_2'], [0x0005, 'snap'], [0x0006, 'ddcmp'],
  [0x0007, 'wan_ppp'], [0x0008, 'ppp_mp'], [0x0009, 'localtalk'], [0x000c, 'can'], [0x0010, 'ppptalk'], [0x0011, 'tr_802_2'],
  [0x0015, 'mobitex'], [0x0016, 'control'], [0x0017, 'irda'], [0x0018, 'econet'], [0x88ca, 'tipc'], [0x8892, 'profinet'],
  [0x88a2, 'aoe'], [0x88a4, 'ethercat'], [ETH_P['8021Q'], '802.1Q'], [ETH_P['8021AD'], '802.1ad'], [0x8847, 'mpls_uc'],
  [0x8848, 'mpls_mc'], [0x6558, 'teb'], [0x8902, 'cfm'], [0x88cc, 'LLDP'], [ETH_P.IP, 'ipv4'],
];

const NAME_OF = new Map<number, string>();
const VALUE_OF = new Map<string, number>();
/** Made once: a dump turns each filter's ethertype into a word, and a printer that word into text. */
const WORD_OF = new Map<number, string>();
const TEXT_OF_WORD = new Map<string, string>();
for (const [v, name] of LL_PROTO) {
  const word = name.toLowerCase();
  if (!NAME_OF.has(v)) {
    NAME_OF.set(v, name);
    WORD_OF.set(v, word);
    TEXT_OF_WORD.set(word, name);
  }
  if (!VALUE_OF.has(word)) VALUE_OF.set(word, v);
}

/** An ethertype by one of iproute2's names, any case ('ip', '802.1q', 'LLDP'); undefined for others. */
export const ethertypeValue = (name: string): number | undefined => VALUE_OF.get(name.toLowerCase());

/** iproute2's name of an ethertype ('802.1Q', 'LLDP'), undefined when it has none. */
export const ethertypeName = (n: number): string | undefined => NAME_OF.get(n);

/** As iproute2's ll_proto_n2a prints an ethertype: its name, else `[N]` in decimal. */
export const llProtoText = (n: number): string => NAME_OF.get(n) ?? `[${n}]`;

/** The word nlkit's views give an ethertype: iproute2's name in lower case ('802.1q'), else '0x%04x'; specs take it back. */
export const ethertypeWord = (n: number): string => WORD_OF.get(n) ?? `0x${n.toString(16).padStart(4, '0')}`;

/** ll_proto_n2a's text of a view's ethertype (a word of ethertypeWord, or a number). */
export function llProtoOfWord(w: string | number): string {
  if (typeof w === 'number') return llProtoText(w);
  const text = TEXT_OF_WORD.get(w);
  if (text !== undefined) return text;
  const n = VALUE_OF.get(w) ?? Number(w); // a later name of a number ('ipv4'), or '0x%04x'
  return Number.isInteger(n) ? llProtoText(n) : w;
}

/** An ethertype as tc reads one: iproute2's name (any case: 'ip', '802.1q', 'lldp') or a number. */
export function parseProtocol(v: unknown, option = 'protocol'): number {
  const named = typeof v === 'string' ? ethertypeValue(v) : undefined;
  if (named !== undefined) return named;
  if (typeof v === 'number' || (typeof v === 'string' && /^(0x[0-9a-f]+|\d+)$/i.test(v))) return uint(v, option, 0xffff);
  throw new NetlinkArgumentError(option, `must be an ethertype name of iproute2's ('all', 'ip', 'ipv6', 'arp', '802.1q', '802.1ad', 'mpls_uc', 'lldp'...) or number, got ${quote(v)}`,
    typeof v === 'string' ? 'ERR_INVALID_ARG_VALUE' : 'ERR_INVALID_ARG_TYPE');
}
