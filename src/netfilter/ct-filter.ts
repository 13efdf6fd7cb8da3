// Which conntrack entries a list, delete or event stream takes. The kernel filters a dump by
// family (nfgenmsg), mark/mask (CTA_MARK, CTA_MARK_MASK), zone (CTA_ZONE), status
// (CTA_STATUS/_MASK, 5.19+) and tuple fields (CTA_FILTER, 5.8+); every filter is also
// applied here to what comes back, so an older kernel that ignores an attribute gives the
// same answer (only more bytes), and events (which the kernel does not filter) use the same test.
import { NetlinkArgumentError } from '../core/errors.js';
import { AF_INET } from '../core/rtnetlink.js';
import { checkSpec } from '../route/arg-check.js';
import { parseFamily, parsePrefix, prefixTest } from '../route/inet.js';
import { uint, valueMask } from '../route/spec-values.js';
import type { GetDumpRequest, NfCtStatusEnum, TupleAttrsSet } from '../ynl/families/conntrack.js';
import {
  familyWord, IPPROTO_ICMPV6, PROTO_KEYS, protocolValue, protoFields, statusFlags, statusNames, tupleAttrs, TCP_STATE_NAMES,
  type CtEntry, type CtTuple,
} from './ct-entry.js';
import { quote } from '../core/options.js';

/** Fields of one direction a filter can name: addresses (or ADDR/LEN, as conntrack -s takes) and exact values. */
export interface CtTupleFilter {
  src?: string;
  dst?: string;
  sport?: number;
  dport?: number;
  /** ICMP / ICMPv6 */
  type?: number;
  code?: number;
  id?: number;
}

/** Entries to take: every given field must match. */
export interface CtFilter extends CtTupleFilter {
  family?: 'ipv4' | 'ipv6';
  /** 'tcp', 'udp', 'icmp', 'icmpv6', a name from /etc/protocols or a number. */
  protocol?: string | number;
  /** The entry's zone (CTA_ZONE). */
  zone?: number;
  /** The mark, or 'MARK/MASK' ('0x10/0xff'), or {value, mask}: (mark & mask) === value. */
  mark?: number | string | { value: number; mask?: number };
  /** Status flags that must all be set ('ASSURED', ['SEEN_REPLY', 'ASSURED']); 'UNREPLIED': SEEN_REPLY not set, as conntrack -u. */
  status?: string | string[];
  /** TCP state ('ESTABLISHED'...). */
  state?: string;
  /** Fields of the reply direction (src, dst, sport, dport...). Top-level ones are the original direction's. */
  reply?: CtTupleFilter;
}

const TUPLE_KEYS = ['src', 'dst', 'sport', 'dport', 'type', 'code', 'id'] as const;
const FILTER_KEYS = ['family', 'protocol', 'zone', 'mark', 'status', 'state', 'reply', ...TUPLE_KEYS] as const;

/**
 * CTA_FILTER's flag bits (net/netfilter/nf_conntrack_netlink.c CTA_FILTER_F_*: not in the
 * uapi headers, but fixed since they came in 5.8): which fields of CTA_TUPLE_ORIG /
 * CTA_TUPLE_REPLY the dump compares.
 */
const FILTER_FLAG = {
  src: 1 << 0, dst: 1 << 1, zone: 1 << 2, proto: 1 << 3, sport: 1 << 4, dport: 1 << 5,
  icmpType: 1 << 6, icmpCode: 1 << 7, icmpId: 1 << 8, icmpv6Type: 1 << 9, icmpv6Code: 1 << 10, icmpv6Id: 1 << 11,
} as const;

/** A checked filter: what the kernel is asked, and the test applied to every entry. */
export interface CompiledFilter {
  family: number;
  request: GetDumpRequest;
  match: (e: CtEntry) => boolean;
}

/** An entry's address inside a filter's address or ADDR/LEN. */
function addressTest(text: unknown, option: string): { family: number; address: string; len: number; test: (have: string) => boolean } {
  if (typeof text !== 'string') throw new NetlinkArgumentError(option, `must be an address or ADDR/LEN, got ${quote(text)}`, 'ERR_INVALID_ARG_TYPE');
  const p = parsePrefix(text, option);
  if (p.address === '') throw new NetlinkArgumentError(option, `must be an address or ADDR/LEN, got ${quote(text)}`);
  return { ...p, test: prefixTest(p) };
}

interface TupleTest {
  /** What CTA_FILTER can compare: exact IPv4 addresses, ports, ICMP fields. */
  t: CtTupleFilter;
  /** The whole filter, applied to each entry; undefined when it names no field. */
  test?: (have: CtTuple) => boolean;
  family?: number;
}

function tupleFilter(v: unknown, option: string, proto: number | undefined): TupleTest {
  const t = checkSpec(v, option, TUPLE_KEYS) as CtTupleFilter;
  const out: CtTupleFilter = {};
  // the original direction's fields are the filter's own: named without a prefix
  const prefix = option === 'filter' ? '' : `${option}.`;
  let family: number | undefined;
  const addr: [keyof CtTuple & ('src' | 'dst'), (have: string) => boolean][] = [];
  for (const k of ['src', 'dst'] as const) {
    if (t[k] === undefined) continue;
    const a = addressTest(t[k], `${prefix}${k}`);
    if (family !== undefined && a.family !== family) throw new NetlinkArgumentError(`${prefix}${k}`, 'must be of the same family as src');
    family = a.family;
    addr.push([k, a.test]);
    // the kernel compares whole addresses only, and IPv6 ones inverted (ctnetlink_filter_match_tuple
    // skips the entries whose address is the one asked for, 6.18): those are compared here only
    if (a.family === AF_INET && a.len === 32) out[k] = a.address;
  }
  let fields: CtTupleFilter = {};
  if (proto === undefined) {
    const k = PROTO_KEYS.find((f) => t[f] !== undefined);
    if (k !== undefined) throw new NetlinkArgumentError(`${prefix}${k}`, "needs a protocol ('tcp', 'udp', 'icmp'...)");
  } else fields = protoFields(t, prefix, proto);
  const ports = PORT_KEYS.filter((k) => fields[k] !== undefined);
  const test = addr.length || ports.length
    ? (have: CtTuple) => addr.every(([k, f]) => f(have[k])) && ports.every((k) => fields[k] === have[k]) : undefined;
  return { t: Object.assign(out, fields), test, family };
}

const PORT_KEYS = TUPLE_KEYS.filter((k) => k !== 'src' && k !== 'dst');

/** CTA_FILTER flags for the fields a tuple filter names. */
function filterFlags(t: CtTupleFilter, proto: number | undefined): number {
  let f = 0;
  if (t.src !== undefined) f |= FILTER_FLAG.src;
  if (t.dst !== undefined) f |= FILTER_FLAG.dst;
  if (proto !== undefined) f |= FILTER_FLAG.proto;
  if (t.sport !== undefined) f |= FILTER_FLAG.sport;
  if (t.dport !== undefined) f |= FILTER_FLAG.dport;
  const v6 = proto === IPPROTO_ICMPV6;
  if (t.type !== undefined) f |= v6 ? FILTER_FLAG.icmpv6Type : FILTER_FLAG.icmpType;
  if (t.code !== undefined) f |= v6 ? FILTER_FLAG.icmpv6Code : FILTER_FLAG.icmpCode;
  if (t.id !== undefined) f |= v6 ? FILTER_FLAG.icmpv6Id : FILTER_FLAG.icmpId;
  return f;
}

/** A tuple for CTA_FILTER: only the fields the flags name are read by the kernel. */
function filterTuple(t: CtTupleFilter, family: number, proto: number | undefined): TupleAttrsSet {
  const zero = family === AF_INET ? '0.0.0.0' : '::';
  const attrs = tupleAttrs({ src: t.src ?? zero, dst: t.dst ?? zero, sport: t.sport, dport: t.dport, type: t.type, code: t.code, id: t.id }, family, proto ?? 0);
  if (t.src === undefined && t.dst === undefined) delete attrs.tupleIp;
  if (proto === undefined) delete attrs.tupleProto;
  return attrs;
}

export function compileFilter(f: unknown): CompiledFilter {
  const spec = (f === undefined ? {} : checkSpec(f, 'filter', FILTER_KEYS)) as CtFilter;
  const tests: ((e: CtEntry) => boolean)[] = [];
  let family: number = parseFamily(spec.family) ?? 0;
  const request: GetDumpRequest = {};
  const proto = spec.protocol === undefined ? undefined : protocolValue(spec.protocol);
  if (proto !== undefined) tests.push((e) => e.protonum === proto);

  const orig = tupleFilter(Object.fromEntries(TUPLE_KEYS.filter((k) => spec[k] !== undefined).map((k) => [k, spec[k]])), 'filter', proto);
  const reply: TupleTest = spec.reply === undefined ? { t: {} } : tupleFilter(spec.reply, 'reply', proto);
  for (const fam of [orig.family, reply.family]) {
    if (fam === undefined) continue;
    if (family !== 0 && fam !== family) throw new NetlinkArgumentError('family', `is '${familyWord(family)}' but an address is ${familyWord(fam)}`);
    family = fam;
  }
  if (family !== 0) {
    const word = familyWord(family);
    tests.push((e) => e.family === word);
  }
  const { test: origTest } = orig, { test: replyTest } = reply;
  if (origTest) tests.push((e) => origTest(e.orig));
  if (replyTest) tests.push((e) => replyTest(e.reply));
  const origFlags = filterFlags(orig.t, proto);
  const replyFlags = reply.family !== undefined || Object.keys(reply.t).length ? filterFlags(reply.t, proto) : 0;
  // the kernel refuses CTA_FILTER without a family (EOPNOTSUPP): without one, only client-side
  if (family !== 0 && (origFlags || replyFlags)) {
    request.tupleOrig = filterTuple(orig.t, family, proto);
    if (replyFlags) request.tupleReply = filterTuple(reply.t, family, proto);
    request.filter = { origFlags, replyFlags };
  }

  if (spec.zone !== undefined) {
    const zone = uint(spec.zone, 'zone', 0xffff);
    request.zone = zone;
    tests.push((e) => (e.zone ?? 0) === zone);
  }
  if (spec.mark !== undefined) {
    const m = typeof spec.mark === 'object' && spec.mark !== null
      ? { value: uint(spec.mark.value, 'mark', 0xffffffff), mask: spec.mark.mask === undefined ? undefined : uint(spec.mark.mask, 'mark', 0xffffffff) }
      : valueMask(spec.mark, 'mark', 0xffffffff);
    const mask = m.mask ?? 0xffffffff;
    const value = (m.value & mask) >>> 0;
    request.mark = value;
    request.markMask = mask;
    tests.push((e) => (((e.mark ?? 0) & mask) >>> 0) === value);
  }
  if (spec.status !== undefined) {
    // UNREPLIED, as conntrack -u takes it (and prints it): SEEN_REPLY not set
    const words = typeof spec.status === 'string' ? spec.status.split(',') : spec.status;
    const unreplied = Array.isArray(words) && words.some((w) => typeof w === 'string' && w.toUpperCase() === 'UNREPLIED');
    const flags: NfCtStatusEnum[] = statusFlags(unreplied ? words.filter((w) => typeof w !== 'string' || w.toUpperCase() !== 'UNREPLIED') : spec.status);
    const names = statusNames(flags);
    request.status = flags;
    request.statusMask = unreplied ? [...flags, 'seen-reply'] : flags;
    tests.push((e) => names.every((n) => e.status.includes(n)) && !(unreplied && e.status.includes('SEEN_REPLY')));
  }
  if (spec.state !== undefined) {
    const state = typeof spec.state === 'string' ? spec.state.toUpperCase() : spec.state;
    if (!TCP_STATE_NAMES.includes(state as string)) throw new NetlinkArgumentError('state', `must be a TCP state (${TCP_STATE_NAMES.join(', ')}), got ${quote(spec.state)}`);
    tests.push((e) => e.state === state);
  }
  request.nfgenFamily = family;
  return { family, request, match: (e) => tests.every((t) => t(e)) };
}
