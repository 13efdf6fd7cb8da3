// tc actions by kind: what a caller writes for each (tc's words, rates as bytes/s or tc
// strings, devices by name) to the kind's options in the generated tc family, and back.
// One table row per kind; actions.ts wraps them with index, verdict, stats.
import { NetlinkArgumentError } from '../core/errors.js';
import type {
  ActGactAttrsSet, ActMirredAttrsSet, ActPeditAttrsSet, ActSkbeditAttrsSet, ActTunnelKeyAttrsSet, ActVlanAttrsSet, PoliceAttrsSet, TcGenStruct,
  TcPeditKeyStruct,
} from '../ynl/families/tc.js';
import type { Scope } from '../route/context.js';
import { checkBool, checkSpec } from '../route/arg-check.js';
import { uint, word, valueMask, hex } from '../route/spec-values.js';
import { parsePrefix } from '../route/inet.js';
import { AF_INET } from '../core/rtnetlink.js';
import { formatIPv4Number, formatIPv6, parseIPv4, parseIPv6 } from '../core/display.js';
import { endianness } from 'node:os';
import { parseRate, parseSize } from './units.js';
import { LINKLAYER_ETHERNET, linklayerName, pschedClock, ratespec, xmitSize, xmitTime } from './psched.js';
import { NO_RATESPEC, ratespecOptions } from './ratespec.js';
import { struct } from '../ynl/unread.js';
import { parseVerdict, verdictName, type Verdict } from './verdicts.js';
import { formatHandle, parseHandle } from './handle.js';
import { ethertypeWord, parseProtocol } from './ethertypes.js';
import { quote } from '../core/options.js';

/** What every action spec may say besides its kind's own fields. */
export const COMMON_KEYS = ['kind', 'index', 'verdict'] as const;

/** An action kind: its spec's keys, the options it sends, and what it shows back. */
export interface ActionKind {
  keys: readonly string[];
  /** COMMON_KEYS and keys (made on first use). */
  allKeys?: readonly string[];
  /** The options (the kind's attribute set) for a checked spec; `gen` is the tc_gen header to use. */
  encode(s: Record<string, unknown>, gen: TcGenStruct, scope: Scope): object;
  /** The caller's fields from the options the kernel sent (plus `verdict`), and tc_gen. */
  decode(o: any, scope: Scope): { gen?: TcGenStruct; fields: Record<string, unknown> }; // eslint-disable-line @typescript-eslint/no-explicit-any
  /** The control action tc uses when the caller names none. */
  defaultVerdict: (s: Record<string, unknown>) => Verdict;
  /**
   * The options naming an existing action by index (`action mirred index 3` in a filter):
   * the kernel finds and binds it before it looks at the rest, but wants the parms there.
   */
  ref(gen: TcGenStruct): object;
}


/** <linux/tc_act/tc_mirred.h> TCA_{EGRESS,INGRESS}_{REDIR,MIRROR}. */
const MIRRED_EACTIONS = { 'egress redirect': 1, 'egress mirror': 2, 'ingress redirect': 3, 'ingress mirror': 4 } as const;
const MIRRED_OF = new Map<number, ['egress' | 'ingress', 'redirect' | 'mirror']>(Object.entries(MIRRED_EACTIONS).map(([k, v]) => [v, k.split(' ') as ['egress' | 'ingress', 'redirect' | 'mirror']]));

const mirred: ActionKind = {
  keys: ['action', 'direction', 'dev'],
  defaultVerdict: (s) => (s.action === 'mirror' ? 'pipe' : 'stolen'),
  ref: (gen): ActMirredAttrsSet => ({ parms: { ...gen, eaction: 0, ifindex: 0 } }),
  encode(s, gen, scope): ActMirredAttrsSet {
    const action = word(s.action, 'action', ['redirect', 'mirror'] as const);
    const direction = s.direction === undefined ? 'egress' : word(s.direction, 'direction', ['egress', 'ingress'] as const);
    if (s.dev === undefined) throw new NetlinkArgumentError('dev', 'is needed: the device to redirect or mirror to');
    const ifindex = scope.ifindex(s.dev as string | number, 'dev');
    return { parms: Object.assign(gen, { eaction: MIRRED_EACTIONS[`${direction} ${action}`], ifindex }) };
  },
  decode(o: ActMirredAttrsSet, scope) {
    const p = struct(o.parms);
    if (!p) return { fields: {} };
    const [direction, action] = MIRRED_OF.get(p.eaction) ?? ['egress', String(p.eaction)];
    return { gen: p, fields: { action, direction, dev: scope.ifname(p.ifindex) ?? p.ifindex } };
  },
};

const U32 = 0xffffffff;

const police: ActionKind = {
  keys: ['rate', 'burst', 'mtu', 'peakrate', 'avrate', 'pktRate', 'pktBurst', 'overhead', 'mpu', 'linklayer', 'conform', 'exceed'],
  // the exceed verdict, TC_POLICE_RECLASSIFY unless told (tc/m_police.c)
  defaultVerdict: () => 'reclassify',
  ref: (gen): PoliceAttrsSet => {
    return { tbf: { index: gen.index, action: 0, limit: 0, burst: 0, mtu: 0, rate: NO_RATESPEC, peakrate: NO_RATESPEC, refcnt: 0, bindcnt: 0, capab: 0 } };
  },
  encode(s, gen): PoliceAttrsSet {
    if (s.rate === undefined && s.avrate === undefined && s.pktRate === undefined) throw new NetlinkArgumentError('rate', 'is needed (or pktRate, or avrate)');
    // m_police.c: a policer counts bytes or packets, not both
    if (s.rate !== undefined && s.pktRate !== undefined) throw new NetlinkArgumentError('pktRate', 'goes without rate: a policer counts packets or bytes');
    if ((s.pktRate === undefined) !== (s.pktBurst === undefined)) throw new NetlinkArgumentError('pktBurst', s.pktRate === undefined ? 'needs pktRate' : 'is needed with pktRate (packets)');
    const rate = s.rate === undefined ? 0 : parseRate(s.rate, 'rate');
    if (rate && s.burst === undefined) throw new NetlinkArgumentError('burst', 'is needed with rate');
    const mtu = s.mtu === undefined ? 0 : parseSize(s.mtu, 'mtu');
    const peak = s.peakrate === undefined ? 0 : parseRate(s.peakrate, 'peakrate');
    if (peak && !mtu) throw new NetlinkArgumentError('mtu', 'is needed with peakrate');
    const opts = ratespecOptions(s, mtu);
    const exceed = s.exceed === undefined ? gen.action : parseVerdict(s.exceed, 'exceed');
    const out: PoliceAttrsSet = {};
    const rt = rate ? ratespec(rate, opts) : undefined;
    const pt = peak ? ratespec(peak, opts) : undefined;
    const burst = rate ? xmitTime(rate, parseSize(s.burst, 'burst')) : 0;
    if (burst === 0xffffffff) throw new NetlinkArgumentError('burst', 'takes longer to send at this rate than police can count (2^32 ticks of 64 ns)', 'ERR_OUT_OF_RANGE');
    out.tbf = {
      index: gen.index, action: exceed, limit: 0, burst, mtu, rate: rt?.spec ?? NO_RATESPEC, peakrate: pt?.spec ?? NO_RATESPEC,
      refcnt: 0, bindcnt: 0, capab: 0,
    };
    if (rt) out.rate = rt.table;
    if (pt) out.peakrate = pt.table;
    if (rate > U32) out.rate64 = BigInt(rate);
    if (peak > U32) out.peakrate64 = BigInt(peak);
    if (s.avrate !== undefined) out.avrate = Math.min(parseRate(s.avrate, 'avrate'), U32);
    if (s.pktRate !== undefined) {
      // packets/s, and the bucket as the time those packets take at that rate, in ticks (64-bit, tc_calc_xmittime uncapped)
      const pps = uint(s.pktRate, 'pktRate', Number.MAX_SAFE_INTEGER, 1);
      const pkts = uint(s.pktBurst, 'pktBurst', U32, 1);
      out.pktrate64 = BigInt(pps);
      out.pktburst64 = BigInt(Math.trunc(((1e6 * pkts) / pps) * pschedClock().tickInUsec));
    }
    // TCA_POLICE_RESULT is an int carried as u32 ('continue' is -1)
    // (m_police.c sends it only when not 0, TC_ACT_OK: the kernel's default)
    const conform = s.conform === undefined ? 0 : parseVerdict(s.conform, 'conform');
    if (conform) out.result = conform >>> 0;
    return out;
  },
  decode(o: PoliceAttrsSet) {
    const p = struct(o.tbf);
    if (!p) return { fields: {} };
    const rate = o.rate64 !== undefined ? Number(o.rate64) : p.rate.rate;
    const fields: Record<string, unknown> = o.pktrate64 && !rate ? { mtu: p.mtu } : { rate, burst: xmitSize(rate, p.burst), mtu: p.mtu };
    if (o.pktrate64) {
      const pps = Number(o.pktrate64);
      fields.pktRate = pps;
      fields.pktBurst = Math.round((Number(o.pktburst64 ?? 0n) / pschedClock().tickInUsec / 1e6) * pps);
    }
    const peak = o.peakrate64 !== undefined ? Number(o.peakrate64) : p.peakrate.rate;
    if (peak) fields.peakrate = peak;
    if (o.avrate) fields.avrate = o.avrate;
    if (p.rate.overhead) fields.overhead = p.rate.overhead;
    const ll = p.rate.linklayer & 0x0f;
    if (ll > LINKLAYER_ETHERNET) fields.linklayer = linklayerName(ll);
    fields.exceed = verdictName(p.action);
    // TCA_POLICE_RESULT comes only when a conform action was given (tc prints it then)
    if (o.result !== undefined) fields.conform = verdictName(o.result);
    // police has no tc_gen: its verdict is the exceed action
    return { gen: { index: p.index, capab: p.capab, action: p.action, refcnt: p.refcnt, bindcnt: p.bindcnt }, fields };
  },
};

/** <linux/tc_act/tc_gact.h> PGACT_NETRAND, PGACT_DETERM. */
const GACT_RANDOM = { netrand: 1, determ: 2 } as const;

const gact: ActionKind = {
  keys: ['random'],
  defaultVerdict: () => 'pass',
  ref: (gen): ActGactAttrsSet => ({ parms: gen }),
  encode(s, gen): ActGactAttrsSet {
    const out: ActGactAttrsSet = { parms: gen };
    if (s.random !== undefined) {
      const r = checkSpec(s.random, 'random', ['type', 'value', 'verdict']);
      out.prob = {
        ptype: GACT_RANDOM[word(r.type ?? 'netrand', 'random.type', ['netrand', 'determ'] as const)],
        pval: uint(r.value, 'random.value', 10000, 1),
        paction: parseVerdict(r.verdict, 'random.verdict'),
      };
    }
    return out;
  },
  decode(o: ActGactAttrsSet) {
    const p = struct(o.parms);
    const prob = struct(o.prob);
    const fields: Record<string, unknown> = {};
    if (prob && prob.ptype) fields.random = { type: prob.ptype === 2 ? 'determ' : 'netrand', value: prob.pval, verdict: verdictName(prob.paction) };
    return { gen: p, fields };
  },
};

/** <linux/if_packet.h> PACKET_HOST, PACKET_BROADCAST, PACKET_MULTICAST, PACKET_OTHERHOST. */
const PTYPES = { host: 0, broadcast: 1, multicast: 2, otherhost: 3 } as const;
const PTYPE_OF = new Map<number, string>(Object.entries(PTYPES).map(([k, v]) => [v, k]));

const skbedit: ActionKind = {
  keys: ['priority', 'mark', 'queueMapping', 'ptype'],
  defaultVerdict: () => 'pipe',
  ref: (gen): ActSkbeditAttrsSet => ({ parms: gen }),
  encode(s, gen): ActSkbeditAttrsSet {
    const out: ActSkbeditAttrsSet = { parms: gen };
    if (s.priority !== undefined) out.priority = parseHandle(s.priority, 'priority');
    if (s.mark !== undefined) {
      const m = valueMask(s.mark, 'mark', U32);
      out.mark = m.value;
      if (m.mask !== undefined) out.mask = m.mask;
    }
    if (s.queueMapping !== undefined) out.queueMapping = uint(s.queueMapping, 'queueMapping', 0xffff);
    if (s.ptype !== undefined) out.ptype = PTYPES[word(s.ptype, 'ptype', Object.keys(PTYPES) as (keyof typeof PTYPES)[])];
    if (Object.keys(out).length === 1) throw new NetlinkArgumentError('skbedit', 'needs one of priority, mark, queueMapping, ptype');
    return out;
  },
  decode(o: ActSkbeditAttrsSet) {
    const fields: Record<string, unknown> = {};
    if (o.priority !== undefined) fields.priority = formatHandle(o.priority);
    if (o.mark !== undefined) fields.mark = o.mask !== undefined ? `${hex(o.mark)}/${hex(o.mask)}` : o.mark;
    if (o.queueMapping !== undefined) fields.queueMapping = o.queueMapping;
    if (o.ptype !== undefined) fields.ptype = PTYPE_OF.get(o.ptype) ?? o.ptype;
    return { gen: struct(o.parms), fields };
  },
};

/** <linux/tc_act/tc_vlan.h> TCA_VLAN_ACT_*. */
const VLAN_ACTIONS = { pop: 1, push: 2, modify: 3 } as const;
const VLAN_OF = new Map<number, string>(Object.entries(VLAN_ACTIONS).map(([k, v]) => [v, k]));

const vlan: ActionKind = {
  keys: ['action', 'id', 'protocol', 'priority'],
  defaultVerdict: () => 'pipe',
  ref: (gen): ActVlanAttrsSet => ({ parms: { ...gen, vAction: 0 } }),
  encode(s, gen): ActVlanAttrsSet {
    const action = word(s.action, 'action', Object.keys(VLAN_ACTIONS) as (keyof typeof VLAN_ACTIONS)[]);
    const out: ActVlanAttrsSet = { parms: { ...gen, vAction: VLAN_ACTIONS[action] } };
    if (action === 'pop') {
      for (const k of ['id', 'protocol', 'priority']) if (s[k] !== undefined) throw new NetlinkArgumentError(k, "goes with action 'push' or 'modify', not 'pop'");
      return out;
    }
    if (s.id === undefined) throw new NetlinkArgumentError('id', `is needed for action '${action}'`);
    out.pushVlanId = uint(s.id, 'id', 4095);
    if (s.protocol !== undefined)
      out.pushVlanProtocol = parseProtocol(s.protocol, 'protocol');
    if (s.priority !== undefined) out.pushVlanPriority = uint(s.priority, 'priority', 7);
    return out;
  },
  decode(o: ActVlanAttrsSet) {
    const p = struct(o.parms);
    const fields: Record<string, unknown> = { action: (p && VLAN_OF.get(p.vAction)) ?? p?.vAction };
    if (o.pushVlanId !== undefined) fields.id = o.pushVlanId;
    if (o.pushVlanProtocol !== undefined) fields.protocol = ethertypeWord(o.pushVlanProtocol);
    if (o.pushVlanPriority !== undefined) fields.priority = o.pushVlanPriority;
    return { gen: p, fields };
  },
};

/** <linux/tc_act/tc_tunnel_key.h> TCA_TUNNEL_KEY_ACT_SET, TCA_TUNNEL_KEY_ACT_RELEASE. */
const TUNNEL_SET = 1, TUNNEL_RELEASE = 2;
/** A dotted IPv4 address (checked by parsePrefix) as the number a big-endian u32 attribute holds. */
const ipv4Num = (a: string) => parseIPv4(a)!.readUInt32BE(0);

function tunnelAddr(out: ActTunnelKeyAttrsSet, v: unknown, option: 'src' | 'dst'): void {
  const p = parsePrefix(v as string, option);
  if (p.len !== (p.family === AF_INET ? 32 : 128)) throw new NetlinkArgumentError(option, `must be an address, not a prefix: ${quote(v)}`);
  if (p.family === AF_INET) out[option === 'src' ? 'encIpv4Src' : 'encIpv4Dst'] = ipv4Num(p.address);
  else {
    const b = parseIPv6(p.address);
    if (!b) throw new NetlinkArgumentError(option, `must be an address without a zone, got ${quote(v)}`);
    out[option === 'src' ? 'encIpv6Src' : 'encIpv6Dst'] = b;
  }
}


const tunnelKey: ActionKind = {
  keys: ['action', 'src', 'dst', 'id', 'dstPort', 'tos', 'ttl', 'csum'],
  defaultVerdict: () => 'pipe',
  ref: (gen): ActTunnelKeyAttrsSet => ({ parms: { ...gen, tAction: 0 } }),
  encode(s, gen): ActTunnelKeyAttrsSet {
    const action = word(s.action, 'action', ['set', 'unset'] as const);
    // parms last, as tc sends them
    const out: ActTunnelKeyAttrsSet = {};
    const parms = { ...gen, tAction: action === 'set' ? TUNNEL_SET : TUNNEL_RELEASE };
    if (action === 'unset') {
      for (const k of ['src', 'dst', 'id', 'dstPort', 'tos', 'ttl', 'csum']) if (s[k] !== undefined) throw new NetlinkArgumentError(k, "goes with action 'set', not 'unset'");
      out.noCsum = 0;
      out.parms = parms;
      return out;
    }
    if (s.src !== undefined) tunnelAddr(out, s.src, 'src');
    if (s.dst !== undefined) tunnelAddr(out, s.dst, 'dst');
    if (s.id !== undefined) out.encKeyId = uint(s.id, 'id', U32);
    if (s.dstPort !== undefined) out.encDstPort = uint(s.dstPort, 'dstPort', 0xffff);
    if (s.tos !== undefined) out.encTos = uint(s.tos, 'tos', 255);
    if (s.ttl !== undefined) out.encTtl = uint(s.ttl, 'ttl', 255);
    // tc always says whether to checksum (csum by default)
    out.noCsum = checkBool(s.csum, 'csum') === false ? 1 : 0;
    out.parms = parms;
    return out;
  },
  decode(o: ActTunnelKeyAttrsSet) {
    const p = struct(o.parms);
    const fields: Record<string, unknown> = { action: p?.tAction === TUNNEL_RELEASE ? 'unset' : 'set' };
    if (o.encIpv4Src !== undefined) fields.src = formatIPv4Number(o.encIpv4Src);
    if (o.encIpv6Src !== undefined) fields.src = formatIPv6(o.encIpv6Src);
    if (o.encIpv4Dst !== undefined) fields.dst = formatIPv4Number(o.encIpv4Dst);
    if (o.encIpv6Dst !== undefined) fields.dst = formatIPv6(o.encIpv6Dst);
    if (o.encKeyId !== undefined) fields.id = o.encKeyId;
    if (o.encDstPort !== undefined) fields.dstPort = o.encDstPort;
    if (o.encTos !== undefined) fields.tos = o.encTos;
    if (o.encTtl !== undefined) fields.ttl = o.encTtl;
    if (o.noCsum !== undefined) fields.csum = o.noCsum === 0;
    return { gen: p, fields };
  },
};

/** <linux/tc_act/tc_pedit.h> enum pedit_header_type, enum pedit_cmd. */
const HTYPES = { network: 0, eth: 1, ip: 2, ip6: 3, tcp: 4, udp: 5 } as const;
const CMDS = { set: 0, add: 1 } as const;
/** Header fields pedit edits, as `tc ... pedit ex munge HDR FIELD set|add VAL`: [header, byte offset, bits, address?]. */
const PEDIT_FIELDS: Record<string, [keyof typeof HTYPES, number, 8 | 16 | 32, boolean]> = {
  'ip tos': ['ip', 1, 8, false],
  'ip dsfield': ['ip', 1, 8, false],
  'ip ttl': ['ip', 8, 8, false],
  'ip protocol': ['ip', 9, 8, false],
  'ip src': ['ip', 12, 32, true],
  'ip dst': ['ip', 16, 32, true],
  'tcp sport': ['tcp', 0, 16, false],
  'tcp dport': ['tcp', 2, 16, false],
  'udp sport': ['udp', 0, 16, false],
  'udp dport': ['udp', 2, 16, false],
};
const FIELD_MAX = { 8: 0xff, 16: 0xffff, 32: U32 } as const;

/**
 * pedit keys are host-order u32s laid over the packet's bytes (act_pedit.c: *ptr & mask ^ val),
 * so a big-endian word's value is byte-swapped on a little-endian host (tc's htonl); the same
 * swap reads one back.
 */
const hostOrder = (n: number): number => (LITTLE ? (((n & 0xff) << 24) | ((n & 0xff00) << 8) | ((n >>> 8) & 0xff00) | (n >>> 24)) >>> 0 : n >>> 0);
const LITTLE = endianness() === 'LE';

/** One edit: `{ field: 'ip ttl', set: 64 }`, `{ field: 'ip ttl', add: 255 }` (add wraps: -1), `{ field: 'ip dst', set: '10.0.0.1' }`. */
export interface PeditKey {
  field: keyof typeof PEDIT_FIELDS | string;
  set?: number | string;
  add?: number;
}

/** One pedit key in network order: the header, the word's offset, the command, new bits and kept bits. */
export interface PeditWord {
  htype: keyof typeof HTYPES;
  off: number;
  cmd: 'set' | 'add';
  val: number;
  mask: number;
}

/** An edit (`{ field: 'ip ttl', set: 64 }`) as its key: the field within its 32-bit word. */
function peditWord(k: unknown, opt: string): PeditWord {
  const e = checkSpec(k, opt, ['field', 'set', 'add']);
  const f = PEDIT_FIELDS[e.field as string];
  if (!f) throw new NetlinkArgumentError(`${opt}.field`, `must be one of ${Object.keys(PEDIT_FIELDS).map((n) => `'${n}'`).join(', ')}, got ${quote(e.field)}`);
  if ((e.set === undefined) === (e.add === undefined)) throw new NetlinkArgumentError(opt, 'needs one of set, add');
  const [htype, pos, bits, isAddr] = f;
  const cmd = e.set !== undefined ? 'set' : 'add';
  const raw = e.set ?? e.add;
  let value: number;
  if (isAddr && typeof raw === 'string') value = ipv4Num(parsePrefix(raw, `${opt}.${cmd}`, AF_INET).address);
  else value = uint(raw, `${opt}.${cmd}`, FIELD_MAX[bits]);
  const shift = 32 - bits - (pos & 3) * 8;
  const fieldMask = (FIELD_MAX[bits] * 2 ** shift) >>> 0;
  return { htype, off: pos - (pos & 3), cmd, val: (value * 2 ** shift) >>> 0, mask: ~fieldMask >>> 0 };
}

/** The keys of a pedit Action (named fields or raw words) as network-order words, for printing. */
export function peditWords(keys: readonly Record<string, unknown>[]): PeditWord[] {
  return keys.map((k, i) => {
    if (k.field !== undefined) return peditWord(k, `keys[${i}]`);
    const cmd = k.add !== undefined ? 'add' : 'set';
    return { htype: k.htype as PeditWord['htype'], off: k.off as number, cmd, val: (k[cmd] as number) >>> 0, mask: (k.mask as number) >>> 0 };
  });
}

const pedit: ActionKind = {
  keys: ['keys'],
  defaultVerdict: () => 'pass',
  // act_pedit.c wants keys before it looks the index up: no reference by index alone
  ref: () => {
    throw new NetlinkArgumentError('index', 'cannot name an existing pedit action alone (the kernel wants its keys again)');
  },
  encode(s, gen): ActPeditAttrsSet {
    if (!Array.isArray(s.keys) || s.keys.length === 0) throw new NetlinkArgumentError('keys', "must be a non-empty list of edits ({ field: 'ip ttl', set: 64 })", 'ERR_INVALID_ARG_TYPE');
    if (s.keys.length > 128) throw new NetlinkArgumentError('keys', 'has more than 128 edits', 'ERR_OUT_OF_RANGE');
    const keys: TcPeditKeyStruct[] = [];
    const ex: { htype: number; cmd: number }[] = [];
    s.keys.forEach((k: unknown, i: number) => {
      const w = peditWord(k, `keys[${i}]`);
      keys.push({ mask: hostOrder(w.mask), val: hostOrder(w.val), off: w.off, at: 0, offmask: 0, shift: 0 });
      ex.push({ htype: HTYPES[w.htype], cmd: CMDS[w.cmd] });
    });
    const sel = { ...gen, nkeys: keys.length, flags: 0, keys };
    return { parmsEx: sel, keysEx: { keyEx: ex } };
  },
  decode(o: ActPeditAttrsSet) {
    const sel = struct(o.parmsEx) ?? struct(o.parms);
    if (!sel) return { fields: {} };
    const ex = o.keysEx?.keyEx ?? [];
    const keys = sel.keys.map((k, i) => {
      const x = ex[i];
      const htype = Object.entries(HTYPES).find(([, v]) => v === x?.htype)?.[0];
      const cmd = x?.cmd === CMDS.add ? 'add' : 'set';
      for (const [name, [h, pos, bits, isAddr]] of Object.entries(PEDIT_FIELDS)) {
        const shift = 32 - bits - (pos & 3) * 8;
        const fieldMask = (FIELD_MAX[bits] * 2 ** shift) >>> 0;
        if (h !== htype || pos - (pos & 3) !== k.off || (~hostOrder(k.mask) >>> 0) !== fieldMask || name === 'ip dsfield') continue;
        const value = Math.floor(hostOrder(k.val) / 2 ** shift) & FIELD_MAX[bits];
        return { field: name, [cmd]: isAddr && cmd === 'set' ? formatIPv4Number(value >>> 0) : value >>> 0 };
      }
      return { htype: htype ?? 'network', off: k.off, [cmd]: hostOrder(k.val), mask: hostOrder(k.mask) };
    });
    return { gen: sel, fields: { keys } };
  },
};

/** Action kinds nlkit builds, by tc's name. */
export const ACTION_KINDS: Record<string, ActionKind> = {
  mirred, police, gact, skbedit, vlan, tunnel_key: tunnelKey, pedit,
};
