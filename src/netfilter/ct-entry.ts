// Conntrack entries as objects with names (what `conntrack -L` shows: family, protocol,
// state, both tuples, status flags...), from and to the generated conntrack family's types.
import { NetlinkArgumentError } from '../core/errors.js';
import { AF_INET, AF_INET6 } from '../core/rtnetlink.js';
import { familyOf } from '../route/inet.js';
import { ipProtoName, ipProtoValue } from '../route/ip-protocols.js';
import { checkSpec } from '../route/arg-check.js';
import { uint } from '../route/spec-values.js';
import {
  description as conntrack, type CounterAttrsSet, type GetDumpReply, type NfCtStatusEnum, type TupleAttrsSet,
} from '../ynl/families/conntrack.js';
import { Definitions } from '../core/definitions.js';
import { quote } from '../core/options.js';

export type CtFamily = 'ipv4' | 'ipv6';

/** One direction of a connection: addresses, and ports (or ICMP type, code and id). */
export interface CtTuple {
  src: string;
  dst: string;
  sport?: number;
  dport?: number;
  /** ICMP / ICMPv6 */
  type?: number;
  code?: number;
  id?: number;
  /** The direction's own zone (CTA_TUPLE_ZONE), when it has one. */
  zone?: number;
}

export interface CtCounters {
  packets: bigint;
  bytes: bigint;
}

/** A conntrack entry, in `conntrack -L`'s words. */
export interface CtEntry {
  family: CtFamily;
  /** 'tcp', 'udp', 'icmp', 'icmpv6', 'sctp'... (as conntrack names it), or the number as text. */
  protocol: string;
  protonum: number;
  /** TCP, SCTP or DCCP state ('ESTABLISHED', 'TIME_WAIT'...). */
  state?: string;
  /** Seconds left. */
  timeout?: number;
  orig: CtTuple;
  reply: CtTuple;
  /** IPS_* flags ('ASSURED', 'SEEN_REPLY', 'CONFIRMED'...). */
  status: string[];
  /** Absent when the kernel sent none: an event leaves out a zero mark unless the mark changed (a dump always has it). */
  mark?: number;
  zone?: number;
  use?: number;
  id?: number;
  /** With accounting on (net.netfilter.nf_conntrack_acct=1). */
  counters?: { orig: CtCounters; reply: CtCounters };
  /** Connection label bits set (CTA_LABELS). */
  labels?: number[];
  helper?: string;
  secctx?: string;
  /** The expectation's master connection (an expected connection's). */
  master?: CtTuple;
  /** ns since boot (with net.netfilter.nf_conntrack_timestamp=1). */
  timestamp?: { start: bigint; stop?: bigint };
}


/** The conntrack tool's word for a spec name ('seen-reply' -> 'SEEN_REPLY'). */
const upper = (s: string) => s.toUpperCase().replace(/-/g, '_');

/** IPS_* names as the kernel (and `conntrack -u`) spell them, from the spec's nf-ct-status. */
const STATUS_RENAME: Record<string, string> = { 'seq-adj': 'SEQ_ADJUST' };
const defs = new Definitions(conntrack);
const STATUS = [...defs.enum('nf-ct-status').byName].map(([spec, bit]) => ({ spec: spec as NfCtStatusEnum, name: STATUS_RENAME[spec] ?? upper(spec), bit }));
export const STATUS_NAMES: readonly string[] = STATUS.map((s) => s.name);

/** TCP / SCTP states as conntrack prints them, by number. */
const TCP_STATES = [...defs.enum('nf-ct-tcp-state').byName.keys()].map(upper);
const SCTP_STATES = [...defs.enum('nf-ct-sctp-state').byName.keys()].map(upper);
/** The TCP states an entry can be created in (the spec's max and after are not states). */
export const TCP_STATE_NAMES: readonly string[] = TCP_STATES.slice(0, TCP_STATES.indexOf('MAX'));

export const IPPROTO_ICMP = 1;
export const IPPROTO_TCP = 6;
export const IPPROTO_ICMPV6 = 58;
const IPPROTO_SCTP = 132;

/** How conntrack names the protocols it knows (58 is 'icmpv6', /etc/protocols' 'ipv6-icmp'). */
const CT_PROTOCOLS: Record<string, number> = { icmp: 1, tcp: 6, udp: 17, dccp: 33, gre: 47, icmpv6: 58, sctp: 132, udplite: 136 };
const CT_PROTOCOL_NAME = new Map(Object.entries(CT_PROTOCOLS).map(([k, v]) => [v, k]));

export function protocolName(n: number): string {
  return CT_PROTOCOL_NAME.get(n) ?? ipProtoName(n);
}

export function protocolValue(v: unknown, option = 'protocol'): number {
  if (typeof v === 'string' && v in CT_PROTOCOLS) return CT_PROTOCOLS[v];
  return ipProtoValue(v, option);
}

/** A command line's protocol word (a name or a number) as a number; undefined for one nobody knows. */
export function protocolWord(word: string): number | undefined {
  try {
    return protocolValue(word.toLowerCase()); // (ipProtoValue reads a string of digits as its number)
  } catch {
    return undefined;
  }
}

export const familyWord = (f: number): CtFamily => (f === AF_INET6 ? 'ipv6' : 'ipv4');

/** Display names by spec name: every flag of every dumped entry and event is looked up here. */
const STATUS_BY_SPEC = new Map<unknown, string>(STATUS.map((s) => [s.spec, s.name]));

export function statusNames(flags: readonly (string | number | bigint)[] | undefined): string[] {
  const out: string[] = [];
  for (const f of flags ?? []) out.push(STATUS_BY_SPEC.get(f) ?? `0x${Number(f).toString(16)}`);
  return out;
}

/** Status words (or a list of them) as the spec's flag names. */
export function statusFlags(v: unknown, option = 'status'): NfCtStatusEnum[] {
  const list = typeof v === 'string' ? v.split(',') : v;
  if (!Array.isArray(list)) throw new NetlinkArgumentError(option, `must be a list of status names (${STATUS_NAMES.join(', ')})`, 'ERR_INVALID_ARG_TYPE');
  return list.map((w) => {
    const s = STATUS.find((x) => x.name === (typeof w === 'string' ? w.toUpperCase() : w));
    if (!s) throw new NetlinkArgumentError(option, `has no ${quote(w)} (there are: ${STATUS_NAMES.join(', ')})`);
    return s.spec;
  });
}

export function tupleObject(t: TupleAttrsSet | undefined, isV6: boolean): CtTuple {
  const ip = t?.tupleIp;
  const p = t?.tupleProto;
  const addr = (a: string | Buffer | undefined) => (a === undefined ? '' : String(a));
  const out: CtTuple = isV6 ? { src: addr(ip?.ipV6Src), dst: addr(ip?.ipV6Dst) } : { src: ip?.ipV4Src ?? '', dst: ip?.ipV4Dst ?? '' };
  if (p?.protoSrcPort !== undefined) out.sport = p.protoSrcPort;
  if (p?.protoDstPort !== undefined) out.dport = p.protoDstPort;
  const type = p?.protoIcmpType ?? p?.protoIcmpv6Type;
  if (type !== undefined) {
    out.type = type;
    out.code = p?.protoIcmpCode ?? p?.protoIcmpv6Code ?? 0;
    out.id = p?.protoIcmpId ?? p?.protoIcmpv6Id ?? 0;
  }
  if (t?.tupleZone !== undefined) out.zone = t.tupleZone;
  return out;
}

const counters = (c: CounterAttrsSet | undefined): CtCounters => ({ packets: c?.packets ?? BigInt(c?.packetsOld ?? 0), bytes: c?.bytes ?? BigInt(c?.bytesOld ?? 0) });

function labelBits(b: Buffer): number[] {
  // CTA_LABELS is the kernel's unsigned long bitmap: bit n is bit (n % 8) of byte n / 8 on little-endian hosts
  const bits: number[] = [];
  for (let i = 0; i < b.length; i++) for (let j = 0; j < 8; j++) if (b[i] & (1 << j)) bits.push(i * 8 + j);
  return bits;
}

/** An entry from a dump reply, a get reply or an event. */
export function entryObject(m: GetDumpReply & { timestamp?: { start?: bigint; stop?: bigint } }): CtEntry {
  const isV6 = m.nfgenFamily === AF_INET6;
  const protonum = m.tupleOrig?.tupleProto?.protoNum ?? 0;
  const e: CtEntry = {
    family: familyWord(m.nfgenFamily),
    protocol: protocolName(protonum),
    protonum,
    orig: tupleObject(m.tupleOrig, isV6),
    reply: tupleObject(m.tupleReply, isV6),
    status: statusNames(m.status),
  };
  if (m.mark !== undefined) e.mark = m.mark;
  const info = m.protoinfo;
  const tcp = info?.protoinfoTcp?.tcpState, sctp = info?.protoinfoSctp?.sctpState;
  if (tcp !== undefined) e.state = typeof tcp === 'number' ? (TCP_STATES[tcp] ?? String(tcp)) : upper(tcp);
  else if (sctp !== undefined) e.state = typeof sctp === 'number' ? (SCTP_STATES[sctp] ?? String(sctp)) : upper(sctp);
  else if (info?.protoinfoDccp?.dccpState !== undefined) e.state = String(info.protoinfoDccp.dccpState);
  if (m.timeout !== undefined) e.timeout = m.timeout;
  if (m.zone !== undefined) e.zone = m.zone;
  if (m.use !== undefined) e.use = m.use;
  if (m.id !== undefined) e.id = m.id;
  if (m.countersOrig || m.countersReply) e.counters = { orig: counters(m.countersOrig), reply: counters(m.countersReply) };
  if (m.labels) {
    const bits = labelBits(m.labels);
    if (bits.length) e.labels = bits;
  }
  if (m.help?.helpName) e.helper = m.help.helpName;
  if (m.secctx?.secctxName) e.secctx = m.secctx.secctxName;
  if (m.tupleMaster) e.master = tupleObject(m.tupleMaster, isV6);
  if (m.timestamp?.start !== undefined) e.timestamp = m.timestamp.stop ? { start: m.timestamp.start, stop: m.timestamp.stop } : { start: m.timestamp.start };
  return e;
}

// ------------------------------------------------------------------ tuples a caller writes

const TUPLE_KEYS = ['src', 'dst', 'sport', 'dport', 'type', 'code', 'id', 'zone'] as const;

/** The ICMP types whose reply direction has another type (the kernel's invmap). */
const ICMP_INVERSE: Record<number, number> = { 8: 0, 0: 8, 13: 14, 14: 13, 15: 16, 16: 15, 17: 18, 18: 17 };
const ICMPV6_INVERSE: Record<number, number> = { 128: 129, 129: 128, 139: 140, 140: 139 };

const isIcmp = (proto: number) => proto === IPPROTO_ICMP || proto === IPPROTO_ICMPV6;

/** The protocol fields of a tuple: ports, or ICMP's type, code and id; their largest values. */
const PROTO_FIELDS = {
  sport: { max: 0xffff, icmp: false }, dport: { max: 0xffff, icmp: false },
  type: { max: 255, icmp: true }, code: { max: 255, icmp: true }, id: { max: 0xffff, icmp: true },
} as const;
type ProtoField = keyof typeof PROTO_FIELDS;
export const PROTO_KEYS = Object.keys(PROTO_FIELDS) as ProtoField[];
/** The protocols whose tuples carry ports (ctnetlink's *_nlattr_to_tuple; libnetfilter_conntrack prints their ports). */
const PORTED = new Set([6, 17, 33, 132, 136]);
export const hasPorts = (proto: number): boolean => PORTED.has(proto);

/** The fields a protocol's tuple needs to name one entry: ports, ICMP's type, code and id, or none. */
export function tupleFieldsOf(proto: number): readonly ProtoField[] {
  if (isIcmp(proto)) return PROTO_KEYS.filter((k) => PROTO_FIELDS[k].icmp);
  return hasPorts(proto) ? PROTO_KEYS.filter((k) => !PROTO_FIELDS[k].icmp) : [];
}

/**
 * The protocol fields a tuple (or a tuple filter) gives, checked against its protocol: ICMP
 * takes type, code and id, every other protocol ports. `prefix` goes before each option name.
 */
export function protoFields(t: Partial<Record<ProtoField, unknown>>, prefix: string, proto: number): Pick<CtTuple, ProtoField> {
  const icmp = isIcmp(proto);
  const out: Pick<CtTuple, ProtoField> = {};
  for (const k of PROTO_KEYS) {
    if (t[k] === undefined) continue;
    const f = PROTO_FIELDS[k];
    if (f.icmp !== icmp) throw new NetlinkArgumentError(`${prefix}${k}`, icmp ? 'is not for ICMP (give type, code and id)' : 'is for ICMP only');
    out[k] = uint(t[k], `${prefix}${k}`, f.max);
  }
  return out;
}

/** A caller's tuple, checked: the family its addresses are of, and its fields. */
export function checkTuple(v: unknown, option: string, proto: number, family?: number): { family: number; tuple: CtTuple } {
  const t = checkSpec(v, option, TUPLE_KEYS) as Partial<CtTuple>;
  if (t.src === undefined || t.dst === undefined) throw new NetlinkArgumentError(option, 'needs src and dst addresses');
  const fam = familyOf(t.src, `${option}.src`);
  if (familyOf(t.dst, `${option}.dst`) !== fam) throw new NetlinkArgumentError(`${option}.dst`, 'must be of the same family as src');
  if (family !== undefined && family !== fam) throw new NetlinkArgumentError(option, `must have ${family === AF_INET ? 'IPv4' : 'IPv6'} addresses (the entry's family)`);
  const out: CtTuple = { src: t.src, dst: t.dst, ...protoFields(t, `${option}.`, proto) };
  if (isIcmp(proto)) {
    if (out.type === undefined) throw new NetlinkArgumentError(`${option}.type`, 'is needed for ICMP (8: echo request)');
    out.code ??= 0;
    out.id ??= 0;
  }
  if (t.zone !== undefined) out.zone = uint(t.zone, `${option}.zone`, 0xffff);
  return { family: fam, tuple: out };
}

/** The other direction of a tuple, as the kernel computes it for a packet. */
export function inverseTuple(t: CtTuple, proto: number): CtTuple {
  const r: CtTuple = { src: t.dst, dst: t.src };
  if (t.sport !== undefined) r.dport = t.sport;
  if (t.dport !== undefined) r.sport = t.dport;
  if (t.type !== undefined) {
    const inv = proto === IPPROTO_ICMPV6 ? ICMPV6_INVERSE : ICMP_INVERSE;
    r.type = inv[t.type] ?? t.type;
    r.code = t.code;
    r.id = t.id;
  }
  return r;
}

/** A tuple as the kernel takes it (CTA_TUPLE_IP and CTA_TUPLE_PROTO). */
export function tupleAttrs(t: CtTuple, family: number, proto: number): TupleAttrsSet {
  const v6 = family === AF_INET6;
  const out: TupleAttrsSet = {
    tupleIp: v6 ? { ipV6Src: t.src, ipV6Dst: t.dst } : { ipV4Src: t.src, ipV4Dst: t.dst },
    tupleProto: { protoNum: proto },
  };
  const p = out.tupleProto!;
  if (t.sport !== undefined) p.protoSrcPort = t.sport;
  if (t.dport !== undefined) p.protoDstPort = t.dport;
  if (t.type !== undefined) {
    if (proto === IPPROTO_ICMPV6) Object.assign(p, { protoIcmpv6Type: t.type, protoIcmpv6Code: t.code ?? 0, protoIcmpv6Id: t.id ?? 0 });
    else Object.assign(p, { protoIcmpType: t.type, protoIcmpCode: t.code ?? 0, protoIcmpId: t.id ?? 0 });
  }
  if (t.zone !== undefined) out.tupleZone = t.zone;
  return out;
}

export { IPPROTO_SCTP };
