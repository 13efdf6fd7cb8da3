// How `tc` prints a filter (tc/tc_filter.c print_filter, f_u32.c, f_bpf.c, f_flower.c): one list
// of fields per filter (tc-print.ts's vocabulary), each a `-j` member in tc's order and its piece
// of tc's text; its actions are tc-action-print.ts's field lists under "actions".
import type { Action, Filter } from '../tc/index.js';
import { parseProtocol } from '../tc/filters.js';
import { f as fl, text, toText, type Field } from './tc-print.js';
import { actionFields, actionJson, actionText } from './tc-action-print.js';

export { actionJson, actionText };
import { selKeys, type U32Match, type U32Offset } from '../tc/u32.js';

/** u32's keys as the kernel holds them (decodeSel keeps their order). */
const u32Keys = (f: Filter) => (f.match === undefined ? [] : selKeys(f.match as U32Match[]));

const CLS_FLAG_KEYS = [['skipHw', 'skip_hw'], ['skipSw', 'skip_sw'], ['inHw', 'in_hw'], ['notInHw', 'not_in_hw']] as const;

const hex = (n: number) => (n >>> 0).toString(16);

/** The cls flags tc prints (skip_hw, in_hw...) as members and words, added to `out`. */
function flagFields(f: Filter, out: Field[] = []): Field[] {
  for (const [k, key] of CLS_FLAG_KEYS) if (f[k]) out.push(fl(key, true, `${key} `));
  return out;
}

/** u32's members (f_u32.c u32_print_opt): the header line's words, then a line per key. */
function u32Fields(f: Filter): Field[] {
  const shown = f.handle !== undefined;
  const h = f.handle ?? '';
  // the node: the handle's third part ('800::800'), read without a split (once per filter of a dump)
  const third = h.indexOf(':', h.indexOf(':') + 1);
  const node = third < 0 ? 0 : Number.parseInt(h.slice(third + 1), 16) || 0;
  const out: Field[] = [fl('fh', h, shown ? `fh ${h} ` : '')];
  const table = f.divisor === undefined && shown;
  if (node) out.push(fl('order', node, table ? `order ${node} ` : ''));
  if (f.divisor !== undefined) out.push(fl('ht_divisor', f.divisor, shown ? `ht divisor ${f.divisor} ` : ''));
  else if (f.hashTable !== undefined) {
    const t = f.hashTable as string;
    const ht = t.endsWith(':') ? t.slice(0, -1) : t;
    out.push(fl('key_ht', ht, table ? `key ht ${ht} ` : ''), fl('bkt', hex(f.bucket as number), table ? `bkt ${hex(f.bucket as number)} ` : ''));
  }
  if (f.classid !== undefined) out.push(fl('flowid', f.classid, table ? `${f.terminal ? '*' : ''}flowid ${f.classid} ` : ''));
  else if (f.terminal && table) out.push(text('terminal flowid '));
  if (f.link !== undefined) out.push(fl('link', f.link, table ? `link ${f.link} ` : ''));
  flagFields(f, out).push(text('\n'));
  for (const k of u32Keys(f)) {
    const val = hex(k.val), mask = hex(k.mask), nexthdr = k.offmask ? 'nexthdr+' : '';
    const m = [fl('value', val, ''), fl('mask', mask, ''), fl('offmask', nexthdr, ''), fl('off', k.off, '')];
    out.push({ key: 'match', text: `  match ${val.padStart(8, '0')}/${mask.padStart(8, '0')} at ${nexthdr}${k.off}\n`, nested: m });
  }
  const off = f.offset as U32Offset | undefined;
  if (off) {
    // f_u32.c: '\n    offset MASK>>SHIFT at AT plus N  eat ' (tc 6.1's -j here is not valid JSON: these are its values under names)
    const line: Field[] = [];
    if (off.at !== undefined) line.push(fl('offset_mask', hex(off.mask ?? 0), `${hex(off.mask ?? 0).padStart(4, '0')}>>${off.shift ?? 0} at ${off.at} `), fl('offset_shift', off.shift ?? 0, ''), fl('offset_off', off.at, ''));
    if (off.plus) line.push(fl('offset_plus', off.plus, `plus ${off.plus} `));
    if (off.eat) line.push(fl('eat', true, ' eat '));
    out.push(text(off.at !== undefined || off.plus !== undefined ? '    offset ' : ''), ...line, text('\n'));
  }
  const hk = f.hashkey as { mask: number; at: number } | undefined;
  if (hk) out.push(fl('hash_mask', hex(hk.mask), `    hash mask ${hex(hk.mask).padStart(8, '0')} at ${hk.at} \n`), fl('hash_off', hk.at, ''));
  if (f.indev !== undefined) out.push(fl('input_dev', f.indev, ''));
  return out;
}

/** f_flower.c flower_print_eth_type's names. */
const FLOWER_ETH: Record<string, string> = { ip: 'ipv4', ipv6: 'ipv6', arp: 'arp', rarp: 'rarp' };

/** f_flower.c flower_print_eth_type: ipv4/ipv6/arp/rarp by name, others as 4 hex digits. */
const ethName = (p: string) => FLOWER_ETH[p] ?? parseProtocol(p).toString(16).padStart(4, '0');
const noHostLen = (p: unknown) => String(p).replace(/\/(32|128)$/, '');

/**
 * flower's keys in f_flower.c flower_print_opt's order, each a member of "keys" and a
 * `\n  key value` line (iproute2 6.x's names; this kernel has no flower to compare with).
 */
function flowerKeyFields(f: Filter): Field[] {
  const rows: [string, unknown][] = [
    ['vlan_id', f.vlanId], ['vlan_prio', f.vlanPrio], ['vlan_ethtype', f.vlanEthType === undefined ? undefined : ethName(f.vlanEthType as string)],
    ['dst_mac', f.dstMac], ['src_mac', f.srcMac], ['eth_type', f.protocol === 'all' ? undefined : ethName(f.protocol)],
    ['ip_proto', typeof f.ipProto === 'number' ? f.ipProto.toString(16).padStart(2, '0') : f.ipProto], ['ip_tos', f.ipTos], ['ip_ttl', f.ipTtl],
    ['dst_ip', f.dstIp === undefined ? undefined : noHostLen(f.dstIp)], ['src_ip', f.srcIp === undefined ? undefined : noHostLen(f.srcIp)],
    ['dst_port', f.dstPort], ['src_port', f.srcPort], ['tcp_flags', f.tcpFlags], ['icmp_type', f.icmpType], ['icmp_code', f.icmpCode],
    ['enc_dst_ip', f.encDstIp === undefined ? undefined : noHostLen(f.encDstIp)], ['enc_src_ip', f.encSrcIp === undefined ? undefined : noHostLen(f.encSrcIp)],
    ['enc_key_id', f.encKeyId], ['enc_tos', f.encTos], ['enc_ttl', f.encTtl], ['enc_dst_port', f.encDstPort], ['enc_src_port', f.encSrcPort],
    ['ct_state', f.ctState], ['ct_zone', f.ctZone], ['ct_mark', f.ctMark],
  ];
  return rows.filter(([, v]) => v !== undefined).map(([key, v]) => fl(key, v, `\n  ${key} ${v}`));
}

/** `handle H flowid C `: the header words of the kinds other than u32 (`classid`: flower's JSON name for the flowid). */
const handleFields = (f: Filter, handleJson: unknown, classidKey = 'flowid'): Field[] =>
  [fl('handle', handleJson, `handle ${f.handle} `), ...(f.classid === undefined ? [] : [fl(classidKey, f.classid, `flowid ${f.classid} `)])];

/** Each kind's members under "options" and its words, up to and with the end of the header line. */
const FILTER_FIELDS: Record<string, (f: Filter) => Field[]> = {
  u32: u32Fields,
  basic: basicFields,
  // f_flower.c flower_print_opt: handle as a number, classid, indev, then the keys object
  flower: (f) => [
    ...handleFields(f, Number(f.handle), 'classid'), ...(f.indev === undefined ? [] : [fl('indev', f.indev, '')]),
    { key: 'keys', text: '', nested: flowerKeyFields(f) }, text('\n '), ...flagFields(f), text('\n'),
  ],
  // f_bpf.c bpf_print_opt: the bytecode ends the line
  bpf: (f) => {
    const out = [...handleFields(f, f.handle), ...(f.name === undefined ? [] : [fl('bpf_name', f.name, '')])];
    if (f.directAction) out.push(fl('direct-action', true, 'direct-action '));
    out.push(...flagFields(f));
    const insns = f.bytecode as { code: number; jt: number; jf: number; k: number }[] | undefined;
    if (insns) {
      const list = insns.map((i) => [fl('code', i.code, ''), fl('jt', i.jt, ''), fl('jf', i.jf, ''), fl('k', i.k, '')]);
      out.push({ key: 'bytecode', text: `bytecode '${insns.length},${insns.map((i) => `${i.code} ${i.jt} ${i.jf} ${i.k}`).join(',')}'`, nested: [fl('length', insns.length, ''), { key: 'insns', text: '', list }] });
    }
    if (f.id !== undefined) out.push({ key: 'prog', text: '', nested: [fl('id', f.id, ''), fl('tag', f.tag, '')] });
    return [...out, text('\n')];
  },
};
const genericFields = (f: Filter): Field[] => [...handleFields(f, f.handle), ...flagFields(f), text('\n')];

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
function basicFields(f: Filter): Field[] {
  const out = handleFields(f, f.handle);
  const m = f.match as Record<string, unknown>[] | undefined;
  if (m?.length) {
    const t = ematchText(m);
    out.push(fl('ematch', t.trim().replace(/\n\s*/g, ' '), t));
  }
  return [...out, ...flagFields(f), text('\n')];
}

/** How a filter's parent reads in tc's output, when the show did not name it. */
function parentField(f: Filter): Field {
  if (f.parent === 'root' || f.parent === 'ingress' || f.parent === 'egress') return fl(f.parent === 'root' ? 'root' : f.parent, true, `${f.parent} `);
  return fl('parent', f.parent, `parent ${f.parent} `);
}

/**
 * One filter as `tc filter show` prints it, -j's members and the text's words in one list:
 * `parentNamed`/`devNamed`: the show named them (tc then leaves them out).
 */
export function filterFields(f: Filter, o: { stats: boolean; parentNamed: boolean; devNamed: boolean }): Field[] {
  const out: Field[] = [text('filter ')];
  if (!o.devNamed) out.push(fl('dev', f.dev, `dev ${f.dev} `));
  if (!o.parentNamed) out.push(parentField(f));
  out.push(fl('protocol', f.protocol, `protocol ${f.protocol} `), fl('pref', f.pref, `pref ${f.pref} `), fl('kind', f.kind, `${f.kind} `), fl('chain', f.chain, `chain ${f.chain} `));
  const acts = ((f.actions as Action[] | undefined) ?? []).map((a, i) => actionFields(a, i + 1, o.stats, false));
  // a filter with no handle (nor u32's keys or table) has no options in tc's JSON, and only its flags in its text
  if (f.handle === undefined && f.match === undefined && f.divisor === undefined) {
    out.push(...flagFields(f).map((x) => text(x.text)), text('\n'), ...acts.map((a) => text(toText(a))));
    return out;
  }
  const opts = (FILTER_FIELDS[f.kind] ?? genericFields)(f);
  if (acts.length) opts.push({ key: 'actions', text: '', list: acts });
  out.push({ key: 'options', text: '', nested: opts });
  return out;
}

/** One filter as `tc -j filter show` prints it. */
export const filterJson = filterFields;

/** tc's text line(s) for a filter. */
export const filterText = (f: Filter, o: { stats: boolean; parentNamed: boolean; devNamed: boolean }): string => toText(filterFields(f, o));
