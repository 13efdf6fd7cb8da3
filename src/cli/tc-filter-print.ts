// How `tc` prints a filter (tc/tc_filter.c print_filter, f_u32.c, f_bpf.c, f_flower.c) through
// the Printer: each call a `-j` member in tc's order and its piece of tc's text; its actions
// print through tc-action-print.ts under "actions".
import type { Action, Filter } from '../tc/index.js';
import { llProtoOfWord, parseProtocol } from '../tc/ethertypes.js';
import { selKeys, type U32Match, type U32Offset } from '../tc/u32.js';
import type { Printer } from './ip-printer.js';
import { printAction } from './tc-action-print.js';
import { jsonOnly, val } from './tc-print.js';


/** u32's keys as the kernel holds them (decodeSel keeps their order). */
const u32Keys = (f: Filter) => (f.match === undefined ? [] : selKeys(f.match as U32Match[]));

/** The cls flags tc prints: [view key, member, word]. */
const CLS_FLAGS = [['skipHw', 'skip_hw', 'skip_hw '], ['skipSw', 'skip_sw', 'skip_sw '], ['inHw', 'in_hw', 'in_hw '], ['notInHw', 'not_in_hw', 'not_in_hw ']] as const;

const hex = (n: number) => (n >>> 0).toString(16);

/** The cls flags tc prints (skip_hw, in_hw...): members in JSON, words in the text. */
function printFlags(p: Printer, f: Filter): void {
  for (const [k, key, word] of CLS_FLAGS) if (f[k]) p.bool(key, word, true);
}

/** A u32 member: `pre v` in the text when `shown`, else in the JSON only. */
function u32Member(p: Printer, shown: boolean, key: string, pre: string, v: string | number): void {
  if (shown) val(p, key, pre, v);
  else jsonOnly(p, key, v);
}

/** u32's members (f_u32.c u32_print_opt): the header line's words, then a line per key. */
function printU32(p: Printer, f: Filter): void {
  const shown = f.handle !== undefined;
  const h = f.handle ?? '';
  // the node: the handle's third part ('800::800'), read without a split (once per filter of a dump)
  const third = h.indexOf(':', h.indexOf(':') + 1);
  const node = third < 0 ? 0 : Number.parseInt(h.slice(third + 1), 16) || 0;
  u32Member(p, shown, 'fh', 'fh ', h);
  const table = f.divisor === undefined && shown;
  if (node) u32Member(p, table, 'order', 'order ', node);
  if (f.divisor !== undefined) u32Member(p, shown, 'ht_divisor', 'ht divisor ', f.divisor as number);
  else if (f.hashTable !== undefined) {
    const t = f.hashTable as string;
    u32Member(p, table, 'key_ht', 'key ht ', t.endsWith(':') ? t.slice(0, -1) : t);
    u32Member(p, table, 'bkt', 'bkt ', hex(f.bucket as number));
  }
  if (f.classid !== undefined) u32Member(p, table, 'flowid', f.terminal ? '*flowid ' : 'flowid ', f.classid);
  else if (f.terminal && table) p.text('terminal flowid ');
  if (f.link !== undefined) u32Member(p, table, 'link', 'link ', f.link as string);
  printFlags(p, f);
  p.text('\n');
  for (const k of u32Keys(f)) {
    const value = hex(k.val), mask = hex(k.mask), nexthdr = k.offmask ? 'nexthdr+' : '';
    if (!p.json) {
      p.text(`  match ${value.padStart(8, '0')}/${mask.padStart(8, '0')} at ${nexthdr}${k.off}\n`);
      continue;
    }
    p.open('match');
    p.s('value', '', value);
    p.s('mask', '', mask);
    p.s('offmask', '', nexthdr);
    p.u('off', '', k.off);
    p.close();
  }
  const off = f.offset as U32Offset | undefined;
  if (off) u32Offset(p, off);
  const hk = f.hashkey as { mask: number; at: number } | undefined;
  if (hk) {
    if (p.json) {
      p.s('hash_mask', '', hex(hk.mask));
      p.u('hash_off', '', hk.at);
    } else p.text(`    hash mask ${hex(hk.mask).padStart(8, '0')} at ${hk.at} \n`);
  }
  jsonOnly(p, 'input_dev', f.indev);
}

/** f_u32.c: '\n    offset MASK>>SHIFT at AT plus N  eat ' (tc 6.1's -j here is not valid JSON: these are its values under names). */
function u32Offset(p: Printer, off: U32Offset): void {
  if (!p.json) {
    let t = off.at !== undefined || off.plus !== undefined ? '    offset ' : '';
    if (off.at !== undefined) t += `${hex(off.mask ?? 0).padStart(4, '0')}>>${off.shift ?? 0} at ${off.at} `;
    if (off.plus) t += `plus ${off.plus} `;
    if (off.eat) t += ' eat ';
    return p.text(`${t}\n`);
  }
  if (off.at !== undefined) {
    p.s('offset_mask', '', hex(off.mask ?? 0));
    p.u('offset_shift', '', off.shift ?? 0);
    p.u('offset_off', '', off.at);
  }
  if (off.plus) p.u('offset_plus', '', off.plus);
  if (off.eat) p.bool('eat', '', true);
}

/** f_flower.c flower_print_eth_addr: 'MAC/MASK' with a prefix mask as 'MAC/BITS' (none for all 48), others in full. */
function macText(v: unknown): string | undefined {
  if (typeof v !== 'string') return undefined;
  const [mac, mask] = v.split('/');
  if (mask === undefined) return v;
  const bits = mask.split(':').map((b) => parseInt(b, 16).toString(2).padStart(8, '0')).join('');
  const len = bits.indexOf('0') < 0 ? 48 : bits.indexOf('0');
  if (bits.slice(len).includes('1') || len === 0) return v;
  return len === 48 ? mac! : `${mac}/${len}`;
}

/** f_flower.c flower_print_eth_type's names. */
const FLOWER_ETH: Record<string, string> = { ip: 'ipv4', ipv6: 'ipv6', arp: 'arp', rarp: 'rarp' };

/** f_flower.c flower_print_eth_type: ipv4/ipv6/arp/rarp by name, others as 4 hex digits. */
const ethName = (p: string) => FLOWER_ETH[p] ?? parseProtocol(p).toString(16).padStart(4, '0');
/** f_flower.c flower_print_ip_addr: no length for a host (/32 of IPv4, /128 of IPv6). */
const noHostLen = (p: unknown) => (p === undefined ? undefined : String(p).replace(String(p).includes(':') ? /\/128$/ : /\/32$/, ''));

/** A key tc prints with print_masked_u8/u16/u32 (tc_util.c): 'V/0xM' text, "key" and "key_mask" numbers in -j. */
class MaskedNumber {
  constructor(readonly value: number, readonly mask?: number) {}
}
/** A view's VALUE or 'VALUE/MASK' (nlkit shows a full mask as the bare value). */
function masked(v: unknown): MaskedNumber | undefined {
  if (typeof v === 'number') return new MaskedNumber(v);
  if (typeof v !== 'string') return undefined;
  const [value, mask] = v.split('/');
  return new MaskedNumber(Number(value), mask === undefined ? undefined : Number(mask));
}
/** f_flower.c flower_print_tcp_flags: '0x%x/%x' (the kernel always returns the mask; nlkit's view leaves out a full one). */
function tcpFlagsText(v: unknown): string | undefined {
  const m = masked(v);
  return m && `0x${m.value.toString(16)}/${(m.mask ?? 0xfff).toString(16)}`;
}
/** f_flower.c flower_print_masked_u8: a u8 key as text ('5', 'request', '2/255'), a string in -j too. */
const u8Text = (v: unknown) => (v === undefined ? undefined : String(v));

/**
 * flower's keys in f_flower.c flower_print_opt's order, each a member of "keys" and a
 * `\n  key value` line (iproute2 6.x's names; the text checked against tc 6.1's `tc monitor file`).
 */
const FLOWER_KEYS: readonly [string, (f: Filter) => unknown][] = [
  ['vlan_id', (f) => f.vlanId], ['vlan_prio', (f) => f.vlanPrio], ['vlan_ethtype', (f) => (f.vlanEthType === undefined ? undefined : llProtoOfWord(f.vlanEthType as string))],
  // f_flower.c prints the tags' ethertypes with ll_proto_n2a ('ip', '802.1Q')
  ['cvlan_id', (f) => f.cvlanId], ['cvlan_prio', (f) => f.cvlanPrio], ['cvlan_ethtype', (f) => (f.cvlanEthType === undefined ? undefined : llProtoOfWord(f.cvlanEthType as string))],
  ['dst_mac', (f) => macText(f.dstMac)], ['src_mac', (f) => macText(f.srcMac)], ['eth_type', (f) => (f.protocol === 'all' ? undefined : ethName(f.protocol))],
  ['ip_proto', (f) => (typeof f.ipProto === 'number' ? f.ipProto.toString(16).padStart(2, '0') : f.ipProto)], ['ip_tos', (f) => masked(f.ipTos)], ['ip_ttl', (f) => masked(f.ipTtl)],
  ['mpls_label', (f) => f.mplsLabel], ['mpls_tc', (f) => u8Text(f.mplsTc)], ['mpls_bos', (f) => u8Text(f.mplsBos)], ['mpls_ttl', (f) => u8Text(f.mplsTtl)],
  ['dst_ip', (f) => noHostLen(f.dstIp)], ['src_ip', (f) => noHostLen(f.srcIp)],
  ['dst_port', (f) => f.dstPort], ['src_port', (f) => f.srcPort], ['tcp_flags', (f) => tcpFlagsText(f.tcpFlags)], ['icmp_type', (f) => u8Text(f.icmpType)], ['icmp_code', (f) => u8Text(f.icmpCode)],
  ['arp_sip', (f) => noHostLen(f.arpSip)], ['arp_tip', (f) => noHostLen(f.arpTip)],
  ['arp_op', (f) => u8Text(f.arpOp)], ['arp_sha', (f) => macText(f.arpSha)], ['arp_tha', (f) => macText(f.arpTha)],
  ['enc_dst_ip', (f) => noHostLen(f.encDstIp)], ['enc_src_ip', (f) => noHostLen(f.encSrcIp)],
  ['enc_key_id', (f) => f.encKeyId], ['enc_tos', (f) => masked(f.encTos)], ['enc_ttl', (f) => masked(f.encTtl)], ['enc_dst_port', (f) => f.encDstPort], ['enc_src_port', (f) => f.encSrcPort],
  ['ct_state', (f) => f.ctState], ['ct_zone', (f) => masked(f.ctZone)], ['ct_mark', (f) => masked(f.ctMark)], ['ct_label', (f) => f.ctLabels],
];
const FLOWER_PRE = new Map(FLOWER_KEYS.map(([key]) => [key, `\n  ${key} `]));

function printFlowerKeys(p: Printer, f: Filter): void {
  for (const [key, get] of FLOWER_KEYS) {
    const v = get(f);
    if (v === undefined) continue;
    if (!(v instanceof MaskedNumber)) val(p, key, FLOWER_PRE.get(key)!, v, '');
    else if (!p.json) p.text(`${FLOWER_PRE.get(key)}${v.value}${v.mask === undefined ? '' : `/0x${v.mask.toString(16)}`}`);
    else {
      p.u(key, '', v.value);
      if (v.mask !== undefined) p.u(`${key}_mask`, '', v.mask);
    }
  }
}

/** `handle H flowid C `: the header words of the kinds other than u32 (`classid`: flower's JSON name for the flowid). */
function printHandle(p: Printer, f: Filter, classidKey = 'flowid'): void {
  val(p, 'handle', 'handle ', f.handle);
  if (f.classid !== undefined) p.s(classidKey, 'flowid ', f.classid);
}

/** Each kind's members under "options" and its words, up to and with the end of the header line. */
const FILTER_PRINT: Record<string, (p: Printer, f: Filter) => void> = {
  u32: printU32,
  basic: printBasic,
  // f_flower.c flower_print_opt: handle as a number, classid, indev, the keys object, then the
  // flags, each on a line of its own (text checked against tc 6.1's `tc monitor file`)
  flower: (p, f) => {
    if (p.json) p.u('handle', '', Number(f.handle));
    else p.text(`handle ${f.handle} `);
    if (f.classid !== undefined) p.s('classid', 'classid ', f.classid);
    if (f.indev !== undefined) p.s('indev', '\n  indev ', f.indev as string, '');
    p.open('keys');
    printFlowerKeys(p, f);
    p.close();
    for (const [k, key] of CLS_FLAGS) if (f[k]) p.bool(key, `\n  ${key}`, true);
    p.text('\n');
  },
  // f_bpf.c bpf_print_opt: the bytecode ends the line
  bpf: (p, f) => {
    printHandle(p, f);
    jsonOnly(p, 'bpf_name', f.name);
    if (f.directAction) p.bool('direct-action', 'direct-action ', true);
    printFlags(p, f);
    const insns = f.bytecode as { code: number; jt: number; jf: number; k: number }[] | undefined;
    if (insns && p.json) {
      p.open('bytecode');
      p.u('length', '', insns.length);
      p.openList('insns');
      for (const i of insns) {
        p.open();
        p.u('code', '', i.code);
        p.u('jt', '', i.jt);
        p.u('jf', '', i.jf);
        p.u('k', '', i.k);
        p.close();
      }
      p.closeList();
      p.close();
    } else if (insns) p.text(`bytecode '${insns.length},${insns.map((i) => `${i.code} ${i.jt} ${i.jf} ${i.k}`).join(',')}'`);
    if (f.id !== undefined && p.json) {
      p.open('prog');
      val(p, 'id', '', f.id);
      jsonOnly(p, 'tag', f.tag);
      p.close();
    }
    p.text('\n');
  },
};

function printGeneric(p: Printer, f: Filter): void {
  printHandle(p, f);
  printFlags(p, f);
  p.text('\n');
}

/** em_cmp.c / em_u32.c print_eopt: one match's arguments (em_cmp.c names no size for u32: its test repeats u16). */
const EMATCH_TEXT: Record<string, (m: Record<string, number | string | boolean>) => string> = {
  cmp: (m) => `${m.size === 'u32' ? '' : `${m.size} `}at ${m.at} layer ${['link', 'network', 'transport'].indexOf(String(m.layer ?? 'link'))} ${m.mask ? `mask 0x${hex(Number(m.mask))} ` : ''}${m.trans ? 'trans ' : ''}${m.op} ${m.value}`,
  u32: (m) => `${hex(Number(m.value)).padStart(8, '0')}/${hex(Number(m.mask)).padStart(8, '0')} at ${m.at}`,
};

/** m_ematch.c print_ematch_seq: `\n  KIND(ARGS)\n  AND KIND(ARGS)\n`, NOT before an inverted one. */
function ematchText(list: Record<string, unknown>[]): string {
  let t = '\n  ';
  list.forEach((m, i) => {
    const kind = Object.keys(EMATCH_TEXT).find((k) => m[k] !== undefined);
    if (m.not) t += 'NOT ';
    t += kind ? `${kind}(${EMATCH_TEXT[kind]!(m[kind] as Record<string, number | string | boolean>)})\n` : `[unknown ematch ${m.kind}]\n`;
    if (i < list.length - 1) t += `  ${m.next === 'or' ? 'OR' : 'AND'} `;
  });
  return t;
}

/**
 * f_basic.c basic_print_opt: handle, flowid, then the ematches as text (tc prints them with
 * fprintf even under -j, which breaks its JSON; nlkit's -j has that text as "ematch").
 */
function printBasic(p: Printer, f: Filter): void {
  printHandle(p, f);
  const m = f.match as Record<string, unknown>[] | undefined;
  if (m?.length) {
    const t = ematchText(m);
    if (p.json) p.s('ematch', '', t.trim().replace(/\n\s*/g, ' '));
    else p.text(t);
  }
  printFlags(p, f);
  p.text('\n');
}

/** How a filter's parent reads in tc's output, when the show did not name it. */
const PARENT_WORDS: Record<string, string> = { root: 'root ', ingress: 'ingress ', egress: 'egress ' };

export interface FilterShown {
  stats: boolean;
  /** The show named them: tc then leaves them out. */
  parentNamed: boolean;
  devNamed: boolean;
  /** The show named them too (every filter listed has them then): left out as well. */
  protocolNamed?: boolean;
  prefNamed?: boolean;
  chainNamed?: boolean;
  blockNamed?: boolean;
}

/** One filter as `tc filter show` prints it: -j's members and the text's words in one pass. */
export function printFilter(p: Printer, f: Filter, o: FilterShown): void {
  p.open();
  p.text('filter ');
  // a shared block's filter: tc names the block where it would name the device and parent
  if (f.block !== undefined) {
    if (!o.blockNamed) p.u('block', 'block ', f.block);
  }
  else if (!o.devNamed) p.s('dev', 'dev ', f.dev);
  if (f.block === undefined && !o.parentNamed) {
    const word = PARENT_WORDS[f.parent];
    if (word) p.bool(f.parent, word, true);
    else p.s('parent', 'parent ', f.parent);
  }
  // tc_filter.c print_filter: ll_proto_n2a's name ('802.1Q', 'LLDP', '[4660]')
  if (!o.protocolNamed) p.s('protocol', 'protocol ', llProtoOfWord(f.protocol));
  if (!o.prefNamed) p.u('pref', 'pref ', f.pref);
  p.s('kind', '', f.kind);
  if (!o.chainNamed) p.u('chain', 'chain ', f.chain);
  const acts = (f.actions as Action[] | undefined) ?? [];
  // a filter with no handle (nor u32's keys or table) has no options in tc's JSON, and only its flags in its text
  if (f.handle === undefined && f.match === undefined && f.divisor === undefined) {
    if (!p.json) {
      printFlags(p, f);
      p.text('\n');
      acts.forEach((a, i) => printAction(p, a, i + 1, o.stats, false));
    }
    return p.close();
  }
  p.open('options');
  (FILTER_PRINT[f.kind] ?? printGeneric)(p, f);
  if (acts.length) {
    p.openList('actions');
    acts.forEach((a, i) => {
      p.open();
      printAction(p, a, i + 1, o.stats, false);
      p.close();
    });
    p.closeList();
  }
  p.close();
  p.close();
}


