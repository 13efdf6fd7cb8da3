// flower: match keys on parsed headers (f_flower.c's words, as typed keys): Ethernet, VLAN and
// the customer (inner) VLAN, IPv4/IPv6 addresses, ports, ICMP, TCP flags, TOS/TTL, ARP, one MPLS
// label stack entry, conntrack state/zone/mark/labels and the tunnel (enc_*) keys. Each key is a
// row of a table: the caller's name, the spec attributes it fills (value and mask), and how a
// value is read and shown; the keys of a header check that the filter's ethertype (or the one
// inside the VLAN tags) is the one they belong to.
import { NetlinkArgumentError } from '../core/errors.js';
import { AF_INET } from '../core/rtnetlink.js';
import { formatIPv4Number, formatMac, parseIPv4, parseMac } from '../core/display.js';
import type { FlowerAttrsSet } from '../ynl/families/tc.js';
import type { Scope } from '../route/context.js';
import { checkIfname } from '../route/arg-check.js';
import { uint, valueMask } from '../route/spec-values.js';
import { parsePrefix, prefixMaskBytes, prefixMaskText } from '../route/inet.js';
import { ipProtoValue } from '../route/ip-protocols.js';
import { ETH_P, ethertypeWord, parseProtocol } from './ethertypes.js';
import { quote } from '../core/options.js';

type A = FlowerAttrsSet & Record<string, unknown>;
type Out = Record<string, unknown>;

/** <linux/if_ether.h>. */
const IPPROTO = { icmp: 1, tcp: 6, udp: 17, icmpv6: 58, sctp: 132 } as const;

/** tc's ip_proto names (icmpv6 is ipv6-icmp in /etc/protocols), else a name from /etc/protocols or a number. */
const ipProtoOf = (v: unknown, option: string): number => (typeof v === 'string' && Object.hasOwn(IPPROTO, v) ? IPPROTO[v as keyof typeof IPPROTO] : ipProtoValue(v, option));

/** <linux/pkt_cls.h> TCA_FLOWER_KEY_CT_FLAGS_*, by tc's ct_state words (f_flower.c flower_ct_states). */
const CT_FLAGS = [['trk', 8], ['new', 1], ['est', 2], ['rel', 4], ['inv', 16], ['rpl', 32]] as const;

/** <linux/if_arp.h> ARPOP_REQUEST, ARPOP_REPLY: the arp_op words of f_flower.c. */
const ARP_OPS = { request: 1, reply: 2 } as const;

/** <linux/mpls.h> MPLS_LS_*_MASK >> MPLS_LS_*_SHIFT: the widest value of each label stack entry field. */
const MPLS_MAX = { label: 0xfffff, tc: 7, bos: 1, ttl: 0xff } as const;

/** <uapi/linux/pkt_cls.h> TCA_FLOWER_KEY_CT_LABELS: 128 bits. */
const CT_LABELS_LEN = 16;

/** What a key's encoder knows about the filter: its ethertype, the inner one (VLAN) and the IP protocol. */
interface Ctx {
  protocol: number;
  l3: number;
  ipProto?: number;
}

/** A VALUE or 'VALUE/MASK' key: the value attribute and its mask (all ones when not given). */
function masked(value: string, mask: string, max: number) {
  return {
    encode(v: unknown, option: string, out: A): void {
      const m = valueMask(v, option, max);
      out[value] = m.value;
      out[mask] = m.mask ?? max;
    },
    decode(o: A): unknown {
      const v = o[value] as number | undefined;
      if (v === undefined) return undefined;
      const m = (o[mask] as number | undefined) ?? max;
      return m === max ? v : `0x${v.toString(16)}/0x${m.toString(16)}`;
    },
  };
}

/** A MAC address, 'MAC/MASK' or 'MAC/BITS' (a prefix mask, as tc prints one). */
function mac(value: string, mask: string) {
  return {
    encode(v: unknown, option: string, out: A): void {
      const [a, m, extra] = typeof v === 'string' ? v.split('/') : [];
      const ab = a === undefined ? undefined : parseMac(a);
      const mb = m === undefined ? Buffer.alloc(6, 0xff) : /^\d{1,2}$/.test(m) ? (Number(m) <= 48 ? prefixMaskBytes(6, Number(m)) : undefined) : parseMac(m);
      if (!ab || ab.length !== 6 || !mb || mb.length !== 6 || extra !== undefined)
        throw new NetlinkArgumentError(option, `must be a MAC address 'aa:bb:cc:dd:ee:ff', 'MAC/MASK' or 'MAC/BITS' (0..48), got ${quote(v)}`, typeof v === 'string' ? 'ERR_INVALID_ARG_VALUE' : 'ERR_INVALID_ARG_TYPE');
      out[value] = formatMac(ab);
      out[mask] = formatMac(mb);
    },
    decode(o: A): unknown {
      const a = o[value] as string | undefined;
      if (a === undefined) return undefined;
      const m = (o[mask] as string | undefined) ?? 'ff:ff:ff:ff:ff:ff';
      return m === 'ff:ff:ff:ff:ff:ff' ? a : `${a}/${m}`;
    },
  };
}

const maskLength = (b: Buffer): number => [...b].reduce((n, x) => n + (x.toString(2).match(/1/g)?.length ?? 0), 0);
function maskOfText(m: string | Buffer | undefined, v4: boolean): number {
  if (m === undefined) return v4 ? 32 : 128;
  if (Buffer.isBuffer(m)) return maskLength(m);
  if (v4) return maskLength(Buffer.from(m.split('.').map(Number)));
  // a mask written by the codec: full groups, so expand '::' and count
  const [head, tail] = m.split('::');
  const groups = [...(head ? head.split(':') : []), ...Array(8 - (head ? head.split(':').length : 0) - (tail ? tail.split(':').length : 0)).fill('0'), ...(tail ? tail.split(':') : [])];
  return groups.reduce((n, g) => n + (parseInt(g, 16).toString(2).match(/1/g)?.length ?? 0), 0);
}

/** An IPv4 or IPv6 prefix over the key pair of its family ('v4' and 'v6' attribute names). */
function prefix(v4: [string, string], v6: [string, string], l3Checked: boolean) {
  return {
    encode(v: unknown, option: string, out: A, c: Ctx): void {
      const p = parsePrefix(v as string, option);
      if (l3Checked) {
        const want = p.family === AF_INET ? ETH_P.IP : ETH_P.IPV6;
        if (c.l3 !== want) throw new NetlinkArgumentError(option, `is an ${p.family === AF_INET ? 'IPv4' : 'IPv6'} address: the filter's protocol (or vlanEthType) must be '${p.family === AF_INET ? 'ip' : 'ipv6'}'`);
      }
      const [a, m] = p.family === AF_INET ? v4 : v6;
      out[a] = p.address;
      out[m] = prefixMaskText(p.len, p.family !== AF_INET);
    },
    decode(o: A): unknown {
      for (const [[a, m], isV4] of [[v4, true], [v6, false]] as const) {
        const addr = o[a] as string | Buffer | undefined;
        if (addr === undefined) continue;
        return `${Buffer.isBuffer(addr) ? addr.toString('hex') : addr}/${maskOfText(o[m] as string | Buffer | undefined, isV4)}`;
      }
      return undefined;
    },
  };
}

const PORT_ATTRS: Record<number, { src: string; dst: string }> = {
  [IPPROTO.tcp]: { src: 'keyTcpSrc', dst: 'keyTcpDst' },
  [IPPROTO.udp]: { src: 'keyUdpSrc', dst: 'keyUdpDst' },
  [IPPROTO.sctp]: { src: 'keySctpSrc', dst: 'keySctpDst' },
};

/** A port, or a range 'MIN-MAX' (TCA_FLOWER_KEY_PORT_*_MIN/MAX), of the filter's tcp/udp/sctp. */
function port(which: 'src' | 'dst') {
  const [min, max] = which === 'src' ? ['keyPortSrcMin', 'keyPortSrcMax'] : ['keyPortDstMin', 'keyPortDstMax'];
  return {
    encode(v: unknown, option: string, out: A, c: Ctx): void {
      const attrs = c.ipProto === undefined ? undefined : PORT_ATTRS[c.ipProto];
      if (!attrs) throw new NetlinkArgumentError(option, "needs ipProto 'tcp', 'udp' or 'sctp'");
      const range = typeof v === 'string' ? /^(\d+)-(\d+)$/.exec(v) : null;
      if (range) {
        const [lo, hi] = [uint(range[1], option, 0xffff), uint(range[2], option, 0xffff)];
        if (lo >= hi) throw new NetlinkArgumentError(option, `must be a range MIN-MAX with MIN < MAX, got ${quote(v)}`);
        out[min] = lo;
        out[max] = hi;
      } else out[attrs[which]] = uint(v, option, 0xffff);
    },
    decode(o: A): unknown {
      if (o[min] !== undefined && o[max] !== undefined) return `${o[min]}-${o[max]}`;
      for (const a of Object.values(PORT_ATTRS)) if (o[a[which]] !== undefined) return o[a[which]];
      return undefined;
    },
  };
}

/** ICMP type or code: the ICMPv4 or ICMPv6 attribute by the filter's IP protocol, always with a full mask (as tc). */
function icmp(field: 'Type' | 'Code') {
  const attr = (v6: boolean) => `keyIcmpv${v6 ? 6 : 4}${field}`;
  return {
    encode(v: unknown, option: string, out: A, c: Ctx): void {
      if (c.ipProto !== IPPROTO.icmp && c.ipProto !== IPPROTO.icmpv6) throw new NetlinkArgumentError(option, "needs ipProto 'icmp' or 'icmpv6'");
      const a = attr(c.ipProto === IPPROTO.icmpv6);
      out[a] = uint(v, option, 0xff);
      out[`${a}Mask`] = 0xff;
    },
    decode(o: A): unknown {
      return (o[attr(false)] ?? o[attr(true)]) as number | undefined;
    },
  };
}

/** ct_state as tc writes it: '+trk+est-new' (a flag set with + must be on, with - off). */
const ctState = {
  encode(v: unknown, option: string, out: A): void {
    const parts = typeof v === 'string' ? v.match(/[+-][a-z]+/g) : null;
    if (!parts || parts.join('') !== v) throw new NetlinkArgumentError(option, `must be tc's '+trk+est-new' (flags ${CT_FLAGS.map(([n]) => n).join(', ')}), got ${quote(v)}`);
    let value = 0, mask = 0;
    for (const p of parts) {
      const bit = CT_FLAGS.find(([n]) => n === p.slice(1))?.[1];
      if (bit === undefined) throw new NetlinkArgumentError(option, `has no flag "${p.slice(1)}" (there are: ${CT_FLAGS.map(([n]) => n).join(', ')})`);
      mask |= bit;
      if (p[0] === '+') value |= bit;
    }
    out.keyCtState = value;
    out.keyCtStateMask = mask;
  },
  decode(o: A): unknown {
    if (o.keyCtState === undefined) return undefined;
    const mask = o.keyCtStateMask ?? 0xffff;
    return CT_FLAGS.filter(([, b]) => mask & b).map(([n, b]) => `${o.keyCtState! & b ? '+' : '-'}${n}`).join('');
  },
};

const plain = (attr: string, max: number) => ({
  encode(v: unknown, option: string, out: A): void {
    out[attr] = uint(v, option, max);
  },
  decode: (o: A): unknown => o[attr],
});

/** An ethertype by name ('ip', 'ipv6'...) or number, shown by name. */
const ethType = (attr: string) => ({
  encode(v: unknown, option: string, out: A): void {
    out[attr] = parseProtocol(v, option);
  },
  decode: (o: A): unknown => (o[attr] === undefined ? undefined : ethertypeWord(o[attr] as number)),
});

/** An address of the tunnel (any family), matched in full or by prefix. */
const encAddr = (which: 'Src' | 'Dst') => prefix([`keyEncIpv4${which}`, `keyEncIpv4${which}Mask`], [`keyEncIpv6${which}`, `keyEncIpv6${which}Mask`], false);

const prefixMask = (len: number): number => (len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0);

/** An IPv4 prefix of an ARP header: the spec holds these u32s (big-endian) as numbers. */
function arpIp(value: string, mask: string) {
  return {
    encode(v: unknown, option: string, out: A): void {
      const p = parsePrefix(v as string, option, AF_INET);
      out[value] = parseIPv4(p.address)!.readUInt32BE(0);
      out[mask] = prefixMask(p.len);
    },
    decode(o: A): unknown {
      const a = o[value] as number | undefined;
      if (a === undefined) return undefined;
      const m = ((o[mask] as number | undefined) ?? 0xffffffff) >>> 0;
      const len = Math.clz32(~m);
      // a mask with holes (only a peer's) is shown as tc shows it, in full
      return prefixMask(len) === m ? `${formatIPv4Number(a)}/${len}` : `${formatIPv4Number(a)}/${formatIPv4Number(m)}`;
    },
  };
}

/** arp_op: 'request', 'reply', 0..2, or 'VALUE/MASK' (f_flower.c flow_arp_op_validate: no other opcodes). */
const arpOp = {
  encode(v: unknown, option: string, out: A): void {
    const [value, mask, extra] = typeof v === 'string' ? v.split('/') : [v];
    const op = typeof value === 'string' && Object.hasOwn(ARP_OPS, value) ? ARP_OPS[value as keyof typeof ARP_OPS] : uint(value, option, 2);
    if (extra !== undefined) throw new NetlinkArgumentError(option, `must be 'request', 'reply', 0..2 or 'OP/MASK', got ${quote(v)}`);
    out.keyArpOp = op;
    out.keyArpOpMask = mask === undefined ? 0xff : uint(mask, option, 0xff);
  },
  decode(o: A): unknown {
    if (o.keyArpOp === undefined) return undefined;
    const mask = o.keyArpOpMask ?? 0xff;
    const name = (Object.keys(ARP_OPS) as (keyof typeof ARP_OPS)[]).find((k) => ARP_OPS[k] === o.keyArpOp);
    if (mask !== 0xff) return `${o.keyArpOp}/${mask}`;
    return name ?? o.keyArpOp;
  },
};

/** ct_label as tc reads it: up to 32 hex digits (the label bits in memory order), '/MASK' optional (all ones). */
const ctLabels = {
  encode(v: unknown, option: string, out: A): void {
    const [value, mask, extra] = typeof v === 'string' ? v.split('/') : [];
    const hexBytes = (t: string | undefined) => (t !== undefined && /^([0-9a-f]{2}){1,16}$/i.test(t) ? Buffer.from(t, 'hex') : undefined);
    const vb = hexBytes(value);
    const mb = mask === undefined ? Buffer.alloc(CT_LABELS_LEN, 0xff) : hexBytes(mask);
    if (!vb || !mb || extra !== undefined)
      throw new NetlinkArgumentError(option, `must be up to 32 hex digits (128 label bits), optionally '/MASK', got ${quote(v)}`, typeof v === 'string' ? 'ERR_INVALID_ARG_VALUE' : 'ERR_INVALID_ARG_TYPE');
    out.keyCtLabels = vb;
    out.keyCtLabelsMask = mb;
  },
  decode(o: A): unknown {
    const v = o.keyCtLabels;
    if (v === undefined) return undefined;
    const m = o.keyCtLabelsMask ?? Buffer.alloc(CT_LABELS_LEN, 0xff);
    // f_flower.c flower_print_ct_label: the mask is shown unless the labels are 16 bytes masked all ones
    const full = v.length === CT_LABELS_LEN && m.length >= CT_LABELS_LEN && m.subarray(0, CT_LABELS_LEN).every((b) => b === 0xff);
    return full ? v.toString('hex') : `${v.toString('hex')}/${m.subarray(0, v.length).toString('hex')}`;
  },
};

interface KeyRow {
  encode(v: unknown, option: string, out: A, c: Ctx): void;
  decode(o: A): unknown;
  /** Keys of an IP header: the filter's (or VLAN's inner) ethertype must be IPv4 or IPv6. */
  l3?: true;
  /** Keys of VLAN tags: the filter's protocol must be 802.1q or 802.1ad. */
  vlan?: true;
  /** Keys of the inner (customer) VLAN tag: vlanEthType must be 802.1q or 802.1ad. */
  cvlan?: true;
  /** Keys of another header: the ethertype below the tags must be one of these (and what to say when not). */
  on?: { types: readonly number[]; words: string };
}

/** <linux/if_ether.h> ETH_P_ARP, ETH_P_RARP (f_flower.c flower_eth_type_arp). */
const ON_ARP = { types: [0x0806, 0x8035], words: "'arp' or 'rarp'" } as const;
/** <linux/if_ether.h> ETH_P_MPLS_UC, ETH_P_MPLS_MC. */
const ON_MPLS = { types: [0x8847, 0x8848], words: "'mpls_uc' or 'mpls_mc'" } as const;

/** The keys in tc's order (f_flower.c flower_parse_opt), ipProto first among the IP ones. */
const KEYS: Record<keyof FlowerKeys, KeyRow> = {
  srcMac: mac('keyEthSrc', 'keyEthSrcMask'),
  dstMac: mac('keyEthDst', 'keyEthDstMask'),
  vlanId: { ...plain('keyVlanId', 0xfff), vlan: true },
  vlanPrio: { ...plain('keyVlanPrio', 7), vlan: true },
  vlanEthType: { ...ethType('keyVlanEthType'), vlan: true },
  cvlanId: { ...plain('keyCvlanId', 0xfff), cvlan: true },
  cvlanPrio: { ...plain('keyCvlanPrio', 7), cvlan: true },
  cvlanEthType: { ...ethType('keyCvlanEthType'), cvlan: true },
  ipProto: {
    encode(v, option, out) {
      out.keyIpProto = ipProtoOf(v, option);
    },
    // tc's names (f_flower.c flower_print_ip_proto), numbers for the rest
    decode: (o) => (o.keyIpProto === undefined ? undefined : (Object.keys(IPPROTO) as (keyof typeof IPPROTO)[]).find((k) => IPPROTO[k] === o.keyIpProto) ?? o.keyIpProto),
    l3: true,
  },
  ipTos: { ...masked('keyIpTos', 'keyIpTosMask', 0xff), l3: true },
  ipTtl: { ...masked('keyIpTtl', 'keyIpTtlMask', 0xff), l3: true },
  mplsLabel: { ...plain('keyMplsLabel', MPLS_MAX.label), on: ON_MPLS },
  mplsTc: { ...plain('keyMplsTc', MPLS_MAX.tc), on: ON_MPLS },
  mplsBos: { ...plain('keyMplsBos', MPLS_MAX.bos), on: ON_MPLS },
  mplsTtl: { ...plain('keyMplsTtl', MPLS_MAX.ttl), on: ON_MPLS },
  srcIp: { ...prefix(['keyIpv4Src', 'keyIpv4SrcMask'], ['keyIpv6Src', 'keyIpv6SrcMask'], true), l3: true },
  dstIp: { ...prefix(['keyIpv4Dst', 'keyIpv4DstMask'], ['keyIpv6Dst', 'keyIpv6DstMask'], true), l3: true },
  srcPort: port('src'),
  dstPort: port('dst'),
  tcpFlags: {
    ...masked('keyTcpFlags', 'keyTcpFlagsMask', 0xfff),
    encode(v, option, out, c) {
      if (c.ipProto !== IPPROTO.tcp) throw new NetlinkArgumentError(option, "needs ipProto 'tcp'");
      masked('keyTcpFlags', 'keyTcpFlagsMask', 0xfff).encode(v, option, out);
    },
  },
  icmpType: icmp('Type'),
  icmpCode: icmp('Code'),
  arpSip: { ...arpIp('keyArpSip', 'keyArpSipMask'), on: ON_ARP },
  arpTip: { ...arpIp('keyArpTip', 'keyArpTipMask'), on: ON_ARP },
  arpOp: { ...arpOp, on: ON_ARP },
  arpSha: { ...mac('keyArpSha', 'keyArpShaMask'), on: ON_ARP },
  arpTha: { ...mac('keyArpTha', 'keyArpThaMask'), on: ON_ARP },
  ctState,
  ctZone: {
    encode(v, option, out) {
      out.keyCtZone = uint(v, option, 0xffff);
      out.keyCtZoneMask = 0xffff;
    },
    decode: (o) => o.keyCtZone,
  },
  ctMark: masked('keyCtMark', 'keyCtMarkMask', 0xffffffff),
  ctLabels,
  encSrcIp: encAddr('Src'),
  encDstIp: encAddr('Dst'),
  encTos: masked('keyEncIpTos', 'keyEncIpTosMask', 0xff),
  encTtl: masked('keyEncIpTtl', 'keyEncIpTtlMask', 0xff),
  encKeyId: plain('keyEncKeyId', 0xffffffff),
  encSrcPort: { ...masked('keyEncUdpSrcPort', 'keyEncUdpSrcPortMask', 0xffff), encode: (v, option, out) => void (out.keyEncUdpSrcPort = uint(v, option, 0xffff)) },
  encDstPort: { ...masked('keyEncUdpDstPort', 'keyEncUdpDstPortMask', 0xffff), encode: (v, option, out) => void (out.keyEncUdpDstPort = uint(v, option, 0xffff)) },
};

/** VALUE, or 'VALUE/MASK' text (numbers decimal or 0x hex). */
type Masked = number | string;
/**
 * flower's keys as a caller writes them (tc's words in camelCase); IP keys need protocol 'ip' or
 * 'ipv6' (or, under protocol '802.1q'/'802.1ad', vlanEthType), ports and ICMP keys an ipProto.
 */
export interface FlowerKeys {
  /** 'aa:bb:cc:dd:ee:ff', 'MAC/MASK' or 'MAC/BITS'. */
  srcMac?: string;
  dstMac?: string;
  vlanId?: number;
  vlanPrio?: number;
  /** The ethertype inside the VLAN tag: 'ip', 'ipv6', '802.1q' (a customer tag follows) or a number. */
  vlanEthType?: string | number;
  /** The customer (inner) VLAN tag, when vlanEthType is '802.1q' or '802.1ad'. */
  cvlanId?: number;
  cvlanPrio?: number;
  /** The ethertype inside the customer tag: 'ip', 'ipv6' or a number. */
  cvlanEthType?: string | number;
  /** 'tcp', 'udp', 'sctp', 'icmp', 'icmpv6', a name from /etc/protocols or a number. */
  ipProto?: string | number;
  ipTos?: Masked;
  ipTtl?: Masked;
  /** The first MPLS label stack entry (protocol 'mpls_uc' or 'mpls_mc'): label 0..0xfffff, tc 0..7, bos 0..1, ttl. */
  mplsLabel?: number;
  mplsTc?: number;
  mplsBos?: number;
  mplsTtl?: number;
  /** An IPv4 or IPv6 address or prefix ('10.0.0.0/8', '2001:db8::/32'). */
  srcIp?: string;
  dstIp?: string;
  /** A port, or a range 'MIN-MAX'. */
  srcPort?: number | string;
  dstPort?: number | string;
  /** TCP flags: a number or 'VALUE/MASK' ('0x02/0x12': SYN without ACK). */
  tcpFlags?: Masked;
  icmpType?: number;
  icmpCode?: number;
  /** ARP/RARP (protocol 'arp' or 'rarp'): sender and target IPv4 address or prefix. */
  arpSip?: string;
  arpTip?: string;
  /** 'request', 'reply', 0..2, or 'OP/MASK'. */
  arpOp?: string | number;
  /** Sender and target hardware addresses: 'MAC' or 'MAC/MASK'. */
  arpSha?: string;
  arpTha?: string;
  /** tc's '+trk+est-new' (flags trk, new, est, rel, inv, rpl). */
  ctState?: string;
  ctZone?: number;
  ctMark?: Masked;
  /** The connection's 128 label bits as tc writes them: up to 32 hex digits, optionally '/MASK'. */
  ctLabels?: string;
  /** The tunnel's outer addresses (any family), key id and UDP ports, as tunnel_key sets them. */
  encSrcIp?: string;
  encDstIp?: string;
  /** The outer header's TOS and TTL: a number or 'VALUE/MASK'. */
  encTos?: Masked;
  encTtl?: Masked;
  encKeyId?: number;
  encSrcPort?: number;
  encDstPort?: number;
}

/** The caller's flower keys (beside indev, classid, actions, skipHw/skipSw). */
export const FLOWER_KEYS = Object.keys(KEYS) as (keyof FlowerKeys)[];

/** <linux/pkt_cls.h> TCA_CLS_FLAGS_* as the spec's cls-flags names. */
const FLAG_NAMES = [['skipHw', 'skip-hw'], ['skipSw', 'skip-sw'], ['inHw', 'in-hw'], ['notInHw', 'not-in-hw']] as const;

/** A flower spec's keys to TCA_FLOWER_* attributes, `protocol` the filter's ethertype. */
export function flowerKeys(s: Record<string, unknown>, protocol: number): A {
  const out: A = {};
  const vlan = protocol === ETH_P['8021Q'] || protocol === ETH_P['8021AD'];
  // tc: below a VLAN tag, the IP keys belong to the tag's ethertype (the customer tag's, when there is one)
  const inner = vlan && s.vlanEthType !== undefined ? parseProtocol(s.vlanEthType, 'vlanEthType') : 0;
  const cvlan = inner === ETH_P['8021Q'] || inner === ETH_P['8021AD'];
  const c: Ctx = { protocol, l3: !vlan ? protocol : !cvlan ? inner : s.cvlanEthType === undefined ? 0 : parseProtocol(s.cvlanEthType, 'cvlanEthType') };
  if (s.ipProto !== undefined) c.ipProto = ipProtoOf(s.ipProto, 'ipProto');
  for (const [k, row] of Object.entries(KEYS)) {
    if (s[k] === undefined) continue;
    if (row.vlan && !vlan) throw new NetlinkArgumentError(k, "needs protocol '802.1q' or '802.1ad' (a VLAN key)");
    if (row.cvlan && !cvlan) throw new NetlinkArgumentError(k, "needs protocol '802.1ad' or '802.1q' and vlanEthType '802.1q' or '802.1ad' (an inner VLAN key)");
    if (row.on && !row.on.types.includes(c.l3))
      throw new NetlinkArgumentError(k, vlan ? `needs ${cvlan ? 'cvlanEthType' : 'vlanEthType'} ${row.on.words}` : `needs protocol ${row.on.words}`);
    if (row.l3 && c.l3 !== ETH_P.IP && c.l3 !== ETH_P.IPV6)
      throw new NetlinkArgumentError(k, vlan ? `needs ${cvlan ? 'cvlanEthType' : 'vlanEthType'} 'ip' or 'ipv6'` : "needs protocol 'ip' or 'ipv6' (an IP header key)");
    row.encode(s[k], k, out, c);
  }
  return out;
}

/** The flower kind's options both ways; common keys (classid, actions) are the caller's. */
export function flowerEncode(s: Record<string, unknown>, protocol: number, common: object, clsFlags: number): FlowerAttrsSet {
  const out = flowerKeys(s, protocol);
  if (s.indev !== undefined) out.indev = checkIfname(s.indev, 'indev');
  Object.assign(out, common);
  out.flags = FLAG_NAMES.filter((_, i) => clsFlags & (1 << i)).map(([, n]) => n);
  // as tc: no ethertype key for protocol all
  if (protocol && protocol !== ETH_P.ALL) out.keyEthType = protocol;
  return out;
}

export function flowerDecode(o: FlowerAttrsSet): Out {
  const out: Out = {};
  for (const [k, row] of Object.entries(KEYS)) {
    const v = row.decode(o as A);
    if (v !== undefined) out[k] = v;
  }
  if (o.indev !== undefined) out.indev = o.indev;
  const names = new Set(o.flags ?? []);
  for (const [k, n] of FLAG_NAMES) if (names.has(n)) out[k] = true;
  return out;
}
