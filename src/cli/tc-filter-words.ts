// tc's argument words for filters and actions, to nlkit/tc specs: `u32 match ip dport 22 0xffff
// classid 1:10 action mirred egress redirect dev v1`, `police rate 1mbit burst 10k conform-exceed
// drop/pipe index 3`. Table-driven: one parser row per filter kind and per action kind.
import type { ActionSpec } from '../tc/index.js';
import { VERDICT_NAMES } from '../tc/verdicts.js';
import { IpUsageError, invalidArgument, isPrefix, type Words } from './ip-command.js';
import { parseEmatch } from './tc-ematch-words.js';
import { blockIndexWord } from './tc-words.js';

type Spec = Record<string, unknown>;

/** Words of one action, up to the next `action` (tc's parse_action splits them the same way). */
function takeUntilAction(words: Words): string[] {
  const out: string[] = [];
  while (!words.done && words.peek() !== 'action' && words.peek() !== 'actions') out.push(words.shift()!);
  return out;
}

const isVerdict = (w: string) => VERDICT_NAMES.includes(w);

/** A verdict at w[i] ('goto chain N' and 'jump N' take more words): [verdict, words used]. */
function verdictAt(w: readonly string[], i: number): [string, number] | undefined {
  if (isVerdict(w[i]!)) return [w[i]!, 1];
  if (w[i] === 'goto' && w[i + 1] === 'chain' && w[i + 2] !== undefined) return [`goto chain ${w[i + 2]}`, 3];
  if (w[i] === 'jump' && w[i + 1] !== undefined) return [`jump ${w[i + 1]}`, 2];
  return undefined;
}

const num = (v: string, what: string): number => {
  if (!/^(0x[0-9a-f]+|\d+)$/i.test(v)) throw invalidArgument(`Illegal "${what}"`, v);
  return Number(v);
};

/**
 * A u32 mask: f_u32.c reads every mask in base 16 (get_u32(&mask, arg, 16)), so `ff00` and
 * `0xff00` are the same and `10` is 0x10; a mask wider than its field is refused as tc refuses it.
 */
function hexMask(v: string, max: number, what: string): number {
  const n = /^(0x)?[0-9a-f]+$/i.test(v) ? Number.parseInt(v.replace(/^0x/i, ''), 16) : NaN;
  if (!(n <= max)) throw invalidArgument(`Illegal "${what}"`, v);
  return n;
}
const WIDTH_MAX = { u8: 0xff, u16: 0xffff, u32: 0xffffffff } as const;

/** A flower port: a number or 'MIN-MAX'. */
const portWord = (v: string, what: string): number | string => (/^\d+-\d+$/.test(v) ? v : num(v, what));
/** f_flower.c reads a numeric ip_proto with get_u8(..., 16): '47' is 0x47. */
const ipProtoWord = (v: string): number | string => (/^(0x)?[0-9a-f]{1,2}$/i.test(v) ? parseInt(v.replace(/^0x/i, ''), 16) : v);

/** f_flower.c's words: the spec key, and how the value is read (absent: the text as it is, checked by nlkit/tc). */
const FLOWER_WORDS: Record<string, [key: string, read?: (v: string, what: string) => unknown]> = {
  indev: ['indev'], src_mac: ['srcMac'], dst_mac: ['dstMac'], vlan_id: ['vlanId', num], vlan_prio: ['vlanPrio', num], vlan_ethtype: ['vlanEthType'],
  ip_proto: ['ipProto', ipProtoWord], ip_tos: ['ipTos'], ip_ttl: ['ipTtl'], src_ip: ['srcIp'], dst_ip: ['dstIp'],
  src_port: ['srcPort', portWord], dst_port: ['dstPort', portWord], tcp_flags: ['tcpFlags'], type: ['icmpType', num], code: ['icmpCode', num],
  ct_state: ['ctState'], ct_zone: ['ctZone', num], ct_mark: ['ctMark'], ct_label: ['ctLabels'],
  cvlan_id: ['cvlanId', num], cvlan_prio: ['cvlanPrio', num], cvlan_ethtype: ['cvlanEthType'],
  mpls_label: ['mplsLabel', num], mpls_tc: ['mplsTc', num], mpls_bos: ['mplsBos', num], mpls_ttl: ['mplsTtl', num],
  arp_sip: ['arpSip'], arp_tip: ['arpTip'], arp_op: ['arpOp'], arp_sha: ['arpSha'], arp_tha: ['arpTha'],
  enc_src_ip: ['encSrcIp'], enc_dst_ip: ['encDstIp'], enc_tos: ['encTos'], enc_ttl: ['encTtl'], enc_key_id: ['encKeyId', num], enc_src_port: ['encSrcPort', num], enc_dst_port: ['encDstPort', num],
};

/** An action kind's words: each consumes what it knows from w[i..] and returns how many, or 0. */
type ActionWords = (w: readonly string[], i: number, s: Spec) => number;

const ACTION_WORDS: Record<string, ActionWords> = {
  mirred: (w, i, s) => {
    if (w[i] === 'egress' || w[i] === 'ingress') return (s.direction = w[i]), 1;
    if (w[i] === 'redirect' || w[i] === 'mirror') return (s.action = w[i]), 1;
    if (w[i] === 'dev') return (s.dev = w[i + 1]), 2;
    return 0;
  },
  police: (w, i, s) => {
    const v = w[i + 1];
    if (['rate', 'burst', 'mtu', 'peakrate', 'avrate', 'mpu', 'linklayer'].includes(w[i]!) || w[i] === 'buffer' || w[i] === 'maxburst' || w[i] === 'minburst') {
      const key = w[i] === 'buffer' || w[i] === 'maxburst' ? 'burst' : w[i] === 'minburst' ? 'mtu' : w[i]!;
      s[key] = v;
      return 2;
    }
    if (w[i] === 'overhead') return (s.overhead = num(v ?? '', 'overhead')), 2;
    // m_police.c's pkts_rate / pkts_burst (packets per second, packets)
    if (w[i] === 'pkts_rate' || w[i] === 'pkt_rate') return (s.pktRate = num(v ?? '', w[i]!)), 2;
    if (w[i] === 'pkts_burst' || w[i] === 'pkt_burst') return (s.pktBurst = num(v ?? '', w[i]!)), 2;
    if (w[i] === 'conform-exceed' && v) {
      const [exceed, conform] = v.split('/');
      s.exceed = exceed;
      if (conform) s.conform = conform;
      return 2;
    }
    return 0;
  },
  gact: (w, i, s) => {
    if (w[i] === 'random' && w[i + 1] && w[i + 2] && w[i + 3]) {
      s.random = { type: w[i + 1], verdict: w[i + 2], value: num(w[i + 3]!, 'random value') };
      return 4;
    }
    return 0;
  },
  skbedit: (w, i, s) => {
    const v = w[i + 1];
    if (w[i] === 'priority') return (s.priority = v), 2;
    if (w[i] === 'mark') return (s.mark = v && /^\d+$/.test(v) ? Number(v) : v), 2;
    if (w[i] === 'queue_mapping') return (s.queueMapping = num(v ?? '', 'queue_mapping')), 2;
    if (w[i] === 'ptype') return (s.ptype = v), 2;
    return 0;
  },
  vlan: (w, i, s) => {
    const v = w[i + 1];
    if (w[i] === 'pop' || w[i] === 'push' || w[i] === 'modify') return (s.action = w[i]), 1;
    if (w[i] === 'id') return (s.id = num(v ?? '', 'id')), 2;
    if (w[i] === 'protocol') return (s.protocol = v), 2;
    if (w[i] === 'priority') return (s.priority = num(v ?? '', 'priority')), 2;
    return 0;
  },
  tunnel_key: (w, i, s) => {
    const v = w[i + 1];
    if (w[i] === 'set' || w[i] === 'unset') return (s.action = w[i]), 1;
    const key = { src_ip: 'src', dst_ip: 'dst', id: 'id', dst_port: 'dstPort', tos: 'tos', ttl: 'ttl' }[w[i]!];
    if (key) return (s[key] = key === 'src' || key === 'dst' ? v : num(v ?? '', w[i]!)), 2;
    if (w[i] === 'csum' || w[i] === 'nocsum') return (s.csum = w[i] === 'csum'), 1;
    return 0;
  },
  pedit: (w, i, s) => {
    if (w[i] === 'ex') return 1;
    if (w[i] === 'munge' && w[i + 1] && w[i + 2] && (w[i + 3] === 'set' || w[i + 3] === 'add') && w[i + 4] !== undefined) {
      const v = w[i + 4]!;
      const field = `${w[i + 1]} ${w[i + 2]}`;
      (s.keys as unknown[]).push({ field, [w[i + 3]!]: /^(0x[0-9a-f]+|\d+)$/i.test(v) ? Number(v) : v });
      return 5;
    }
    return 0;
  },
};

/** One `action ...` group's words (after `action`) to an action spec. */
export function parseAction(w: readonly string[]): ActionSpec {
  if (w.length === 0) throw new IpUsageError('Error: action needs a kind ("action mirred ...", "action drop")');
  let kind = w[0]!;
  let i = 1;
  const s: Spec = {};
  // a bare verdict is gact's (`action drop`)
  const bare = verdictAt(w, 0);
  if (bare) {
    kind = 'gact';
    s.verdict = bare[0];
    i = bare[1];
  }
  const row = ACTION_WORDS[kind];
  if (!row) throw new IpUsageError(`Error: nlkit tc has no action "${kind}" (there are: ${Object.keys(ACTION_WORDS).join(', ')}, and verdicts for gact).`);
  s.kind = kind;
  if (kind === 'pedit') s.keys = [];
  while (i < w.length) {
    if (w[i] === 'index') {
      s.index = num(w[i + 1] ?? '', 'index');
      i += 2;
      continue;
    }
    const used = row(w, i, s);
    if (used) {
      i += used;
      continue;
    }
    const v = verdictAt(w, i);
    if (v) {
      // police's trailing verdict is the exceed action (tc's parse_action_control after the rates)
      s[kind === 'police' ? 'exceed' : 'verdict'] = v[0];
      i += v[1];
      continue;
    }
    throw new IpUsageError(`Error: ${kind}: unknown argument "${w[i]}".`);
  }
  if (kind === 'mirred' && s.action === undefined && s.index === undefined) throw new IpUsageError('Error: mirred needs redirect or mirror');
  return s as unknown as ActionSpec;
}

/** Every `action ...` group from here to the end. */
export function parseActions(words: Words): ActionSpec[] {
  const out: ActionSpec[] = [];
  while (!words.done) {
    const w = words.shift()!;
    if (w !== 'action' && w !== 'actions') throw new IpUsageError(`Error: expected "action", got "${w}".`);
    out.push(parseAction(takeUntilAction(words)));
  }
  return out;
}

/**
 * f_u32.c's selectors that are raw keys in nlkit/tc's terms: the width, the byte offset (from
 * the transport header for `nexthdr`), a flag's own value and mask (`fixed`: no words follow),
 * and `shift` for a field below its word's top (IPv6's traffic class). The keys are the ones tc
 * 6.1 sends; ip6 icmp_code is left out (tc puts it at nexthdr+40, not the header's byte 41).
 */
interface RawField { width: 'u8' | 'u16' | 'u32'; at: number; nexthdr?: true; fixed?: [value: number, mask: number]; shift?: number; max?: number }
const PORTS: Record<string, RawField> = { src: { width: 'u16', at: 0, nexthdr: true }, dst: { width: 'u16', at: 2, nexthdr: true } };
const RAW_FIELDS: Record<string, Record<string, RawField>> = {
  ip: {
    ihl: { width: 'u8', at: 0 }, precedence: { width: 'u8', at: 1 }, icmp_type: { width: 'u8', at: 20 }, icmp_code: { width: 'u8', at: 21 },
    nofrag: { width: 'u16', at: 6, fixed: [0, 0x3fff] }, firstfrag: { width: 'u16', at: 6, fixed: [0x2000, 0x3fff] },
    df: { width: 'u16', at: 6, fixed: [0x4000, 0x4000] }, mf: { width: 'u16', at: 6, fixed: [0x2000, 0x2000] },
  },
  ip6: { priority: { width: 'u32', at: 0, shift: 20, max: 0xff }, flowlabel: { width: 'u32', at: 0 }, icmp_type: { width: 'u8', at: 40 } },
  tcp: PORTS,
  udp: PORTS,
  icmp: { type: { width: 'u8', at: 0, nexthdr: true }, code: { width: 'u8', at: 1, nexthdr: true } },
};

function rawField(what: string, field: string, f: RawField, words: Words): Spec {
  const limit = f.max ?? WIDTH_MAX[f.width];
  const value0 = () => {
    const w = words.value();
    if (num(w, field) > limit) throw invalidArgument(`Illegal "match ${what} ${field}"`, w);
    return Number(w);
  };
  let [value, mask] = f.fixed ?? [value0(), hexMask(words.value(), limit, `match ${what} ${field} mask`)];
  value = ((value & mask) * 2 ** (f.shift ?? 0)) >>> 0;
  mask = (mask * 2 ** (f.shift ?? 0)) >>> 0;
  return { [f.width]: f.nexthdr ? { value, mask, at: f.at, nexthdr: true } : { value, mask, at: f.at } };
}

/** u32's `match` selectors: ip FIELD ..., tcp|udp|icmp FIELD ..., u32|u16|u8 VAL MASK at [nexthdr+]OFF. */
function u32Match(words: Words): Spec {
  const what = words.value();
  const raw = RAW_FIELDS[what];
  if (raw && Object.hasOwn(raw, words.peek() ?? '')) {
    const field = words.shift()!;
    return rawField(what, field, raw[field]!, words);
  }
  if (what === 'tcp' || what === 'udp' || what === 'icmp') {
    throw new IpUsageError(`Error: nlkit tc u32 has no "match ${what} ${words.peek() ?? ''}" (there are: ${Object.keys(raw!).join(', ')}).`);
  }
  if (what === 'ip') {
    const field = words.value();
    if (field === 'src' || field === 'dst') return { ip: { [field]: words.value() } };
    const name = field === 'protocol' ? 'protocol' : ['sport', 'dport', 'tos', 'dsfield', 'ttl'].includes(field) ? (field === 'dsfield' ? 'tos' : field) : undefined;
    if (!name) throw new IpUsageError(`Error: nlkit tc u32 has no "match ip ${field}" (there are: src, dst, sport, dport, protocol, tos, ttl, ${Object.keys(RAW_FIELDS.ip!).join(', ')}).`);
    const full = name === 'sport' || name === 'dport' ? 0xffff : 0xff;
    const value = num(words.value(), field);
    const mask = hexMask(words.value(), full, `match ip ${field} mask`);
    // nlkit/tc's `protocol` is the whole byte; a part of it is the raw byte (IPv4's 9th)
    if (name === 'protocol') return mask === 0xff ? { ip: { protocol: value } } : { u8: { value: value & mask, mask, at: 9 } };
    return { ip: { [name]: mask === full ? value : { value: value & mask, mask } } };
  }
  if (what === 'ip6') {
    const field = words.value();
    if (field === 'src' || field === 'dst') return { ip6: { [field]: words.value() } };
    if (!['sport', 'dport', 'protocol'].includes(field)) throw new IpUsageError(`Error: nlkit tc u32 has no "match ip6 ${field}" (there are: src, dst, sport, dport, protocol, ${Object.keys(RAW_FIELDS.ip6!).join(', ')}).`);
    const full = field === 'protocol' ? 0xff : 0xffff;
    const value = num(words.value(), field);
    const mask = hexMask(words.value(), full, `match ip6 ${field} mask`);
    if (field === 'protocol' && mask !== full) return { u8: { value: value & mask, mask, at: 6 } };
    return { ip6: { [field]: mask === full ? value : { value: value & mask, mask } } };
  }
  if (what === 'u32' || what === 'u16' || what === 'u8') {
    const value = num(words.value(), 'value');
    const mask = hexMask(words.value(), WIDTH_MAX[what], `match ${what} mask`);
    // `at OFFSET` may be left out: offset 0 (`match u32 0 0`)
    let off = '0';
    if (words.peek() === 'at') {
      words.shift();
      off = words.value();
    }
    const nexthdr = off.startsWith('nexthdr+');
    if (nexthdr) off = off.slice('nexthdr+'.length);
    const at = Number(off);
    if (!Number.isInteger(at)) throw invalidArgument('Illegal "at"', off);
    return { [what]: nexthdr ? { value: value & mask, mask, at, nexthdr: true } : { value: value & mask, mask, at } };
  }
  throw new IpUsageError(`Error: nlkit tc u32 has no "match ${what}" (there are: ip, ip6, tcp, udp, icmp, u32, u16, u8).`);
}

type KindWords = (word: string, words: Words, s: Spec) => boolean;

const classid: KindWords = (w, words, s) => {
  if (w !== 'classid' && w !== 'flowid') return false;
  s.classid = words.value();
  return true;
};
const hwFlags: KindWords = (w, _words, s) => {
  if (w === 'skip_hw') return (s.skipHw = true);
  if (w === 'skip_sw') return (s.skipSw = true);
  return false;
};

/** Each filter kind's words besides classid, skip_hw/skip_sw and `action ...` (the rest of the line). */
const FILTER_WORDS: Record<string, KindWords> = {
  u32: (w, words, s) => {
    if (w === 'match') return (((s.match ??= []) as Spec[]).push(u32Match(words)), true);
    if (w === 'indev') return (s.indev = words.value()), true;
    if (w === 'divisor') return (s.divisor = num(words.value(), 'divisor')), true;
    if (w === 'link' || w === 'ht') return (s[w] = words.value()), true;
    if (w === 'sample') {
      // sample SELECTOR [ divisor N ]: the divisor belongs to the sample when it follows it
      const sample: Spec = { match: u32Match(words) };
      if (words.peek() === 'divisor') {
        words.shift();
        sample.divisor = num(words.value(), 'divisor');
      }
      s.sample = sample;
      return true;
    }
    if (w === 'offset') {
      // offset [ at EVEN ] [ mask HEX ] [ shift N ] [ plus N ] [ eat ] (f_u32.c parse_offset)
      const o: Spec = {};
      for (let k = words.peek(); k === 'at' || k === 'mask' || k === 'shift' || k === 'plus' || k === 'eat'; k = words.peek()) {
        words.shift();
        if (k === 'eat') o.eat = true;
        else if (k === 'mask') o.mask = hexMask(words.value(), 0xffff, 'offset mask');
        else o[k] = num(words.value(), `offset ${k}`);
      }
      s.offset = o;
      return true;
    }
    if (w === 'hashkey') {
      // hashkey mask MASK at OFFSET (either part may come first)
      const h: Record<string, number> = {};
      for (let i = 0; i < 2 && (words.peek() === 'mask' || words.peek() === 'at'); i++) {
        const k = words.shift()!;
        h[k] = k === 'mask' ? hexMask(words.value(), 0xffffffff, 'hashkey mask') : num(words.value(), `hashkey ${k}`);
      }
      s.hashkey = h;
      return true;
    }
    return false;
  },
  bpf: (w, words, s) => {
    if (w === 'bytecode' || w === 'bc') return (s.bytecode = words.value()), true;
    if (w === 'object-pinned' || w === 'pinned') return (s.pinned = words.value()), true;
    if (w === 'fd') return (s.fd = num(words.value(), 'fd')), true;
    if (w === 'direct-action' || w === 'da') return (s.directAction = true);
    if (w === 'section' || w === 'sec') return (s.name = words.value()), true;
    return false;
  },
  matchall: () => false,
  fw: (w, words, s) => {
    if (w === 'indev') return (s.indev = words.value()), true;
    return false;
  },
  // f_basic.c: `match EXPR`, the expression's words up to the next filter keyword
  basic: (w, words, s) => {
    if (w !== 'match') return false;
    const expr: string[] = [];
    while (!words.done && !['classid', 'flowid', 'action', 'actions'].includes(words.peek()!)) expr.push(words.shift()!);
    s.match = parseEmatch(expr.join(' '));
    return true;
  },
  flower: (w, words, s) => {
    const rule = FLOWER_WORDS[w];
    if (!rule) return false;
    const v = words.value();
    s[rule[0]] = rule[1] ? rule[1](v, w) : v;
    return true;
  },
};

export const FILTER_KIND_NAMES = Object.keys(FILTER_WORDS);

/** A filter kind's words (after the kind) into the spec, up to and with its actions. */
export function parseKindWords(kind: string, words: Words, s: Spec): void {
  const row = FILTER_WORDS[kind];
  if (!row) throw new IpUsageError(`Error: nlkit tc has no filter kind "${kind}" (there are: ${FILTER_KIND_NAMES.join(', ')}).`);
  while (!words.done) {
    const w = words.peek()!;
    if (w === 'action' || w === 'actions') {
      s.actions = parseActions(words);
      break;
    }
    words.shift();
    if (w === 'help') throw new IpUsageError(`Usage: ... ${kind} [ match SELECTOR ] [ classid CLASSID ] [ action ACTION_SPEC ]`, 0);
    if (classid(w, words, s) || hwFlags(w, words, s) || row(w, words, s)) continue;
    throw new IpUsageError(`Error: ${kind}: unknown argument "${w}".`);
  }
  if (kind === 'fw' && s.handle !== undefined && typeof s.handle === 'string' && s.handle.includes('/')) {
    const [mark, mask] = s.handle.split('/');
    s.handle = mark;
    s.mask = Number(mask);
  }
}

/**
 * The words before the kind (tc_filter_modify / tc_filter_list): dev, parent (ingress, egress,
 * root, parent P), handle, prio/pref, protocol, chain; the first other word is the kind.
 */
export function parseFilterHead(words: Words, s: Spec): string | undefined {
  while (!words.done) {
    const w = words.shift()!;
    if (w === 'dev') s.dev = words.value();
    else if (w === 'root' || w === 'ingress' || w === 'egress') {
      if (s.parent !== undefined) throw new IpUsageError('Error: "parent" is given twice.', 255);
      s.parent = w;
    } else if (w === 'parent') {
      if (s.parent !== undefined) throw new IpUsageError('Error: "parent" is given twice.', 255);
      s.parent = words.value();
    } else if (w === 'handle') s.handle = words.value();
    else if (isPrefix(w, 'block')) {
      s.block = blockIndexWord(words);
    } else if (isPrefix(w, 'preference') || isPrefix(w, 'priority')) s.prio = num(words.value(), 'priority');
    else if (isPrefix(w, 'protocol')) {
      const v = words.value();
      s.protocol = /^(0x[0-9a-f]+|\d+)$/i.test(v) ? Number(v) : v;
    } else if (w === 'chain') s.chain = num(words.value(), 'chain index');
    else if (isPrefix(w, 'estimator')) {
      words.value();
      words.value();
    } else if (w === 'help') throw new IpUsageError(FILTER_USAGE, 0);
    else return w;
  }
  return undefined;
}

export const FILTER_USAGE = `Usage: nlkit tc filter [ add | del | change | replace | show ] [ dev STRING | block BLOCK_INDEX ]
       nlkit tc filter get dev STRING parent CLASSID protocol PROTO handle FILTERID pref PRIO FILTER_TYPE
       [ pref PRIO ] protocol PROTO [ chain CHAIN_INDEX ]
       [ root | ingress | egress | parent CLASSID ]
       [ handle FILTERID ] [ [ FILTER_TYPE ] [ help | OPTIONS ] ]
Where:
FILTER_TYPE := { u32 | bpf | matchall | fw | basic | flower }
OPTIONS := ... try tc filter add <desired FILTER_KIND> help`;
