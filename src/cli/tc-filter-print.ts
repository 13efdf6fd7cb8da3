// How `tc` prints filters, actions and chains (tc/tc_filter.c print_filter, f_u32.c, f_bpf.c,
// m_action.c tc_print_one_action, m_mirred.c...): `-j` as tc-print.ts's fields with tc's keys in
// tc's order, and tc's text lines. Counters print with -s only, as tc's, from tc-print.ts's one
// stats block.
import type { Action, Filter } from '../tc/index.js';
import { parseProtocol } from '../tc/filters.js';
import { FieldList } from './tc-print.js';
import { actionJson, actionText } from './tc-action-print.js';

export { actionJson, actionText };
import { buildSel, type U32Match } from '../tc/u32.js';

/** u32's keys as the kernel holds them, from the decoded matches (decodeSel keeps their order). */
const u32Keys = (f: Filter) => (f.match === undefined ? [] : buildSel(f.match as U32Match[], false).keys);

const CLS_FLAG_KEYS = [['skipHw', 'skip_hw'], ['skipSw', 'skip_sw'], ['inHw', 'in_hw'], ['notInHw', 'not_in_hw']] as const;

const hex = (n: number) => (n >>> 0).toString(16);

/** u32's members (f_u32.c u32_print_opt). */
function u32Json(f: Filter, o: FieldList): void {
  const h = f.handle ?? '';
  o.add('fh', h);
  const node = Number.parseInt(h.split(':')[2] ?? '0', 16) || 0;
  if (node) o.add('order', node);
  if (f.divisor !== undefined) o.add('ht_divisor', f.divisor as number);
  else if (f.hashTable !== undefined) o.add('key_ht', (f.hashTable as string).replace(/:$/, '')).add('bkt', hex(f.bucket as number));
  if (f.classid !== undefined) o.add('flowid', f.classid as string);
  if (f.link !== undefined) o.add('link', f.link as string);
  flagsJson(f, o);
  for (const k of u32Keys(f))
    o.add('match', new FieldList().add('value', hex(k.val)).add('mask', hex(k.mask)).add('offmask', k.offmask ? 'nexthdr+' : '').add('off', k.off));
  const hk = f.hashkey as { mask: number; at: number } | undefined;
  if (hk) o.add('hash_mask', hex(hk.mask)).add('hash_off', hk.at);
  if (f.indev !== undefined) o.add('input_dev', f.indev as string);
}

function flagsJson(f: Filter, o: FieldList): void {
  for (const [k, key] of CLS_FLAG_KEYS) if (f[k]) o.add(key, true);
}

/** f_flower.c flower_print_eth_type's names. */
const FLOWER_ETH: Record<string, string> = { ip: 'ipv4', ipv6: 'ipv6', arp: 'arp', rarp: 'rarp' };

/** f_flower.c flower_print_eth_type: ipv4/ipv6/arp/rarp by name, others as 4 hex digits. */
const ethName = (p: string) => FLOWER_ETH[p] ?? parseProtocol(p).toString(16).padStart(4, '0');
const noHostLen = (p: unknown) => String(p).replace(/\/(32|128)$/, '');

/**
 * flower's keys in f_flower.c flower_print_opt's order, each [tc's key, value]: the JSON
 * members of "keys" and the text's `\n  key value` lines alike (iproute2 6.x's names; this
 * kernel has no flower to compare with).
 */
function flowerKeyRows(f: Filter): [string, string | number][] {
  const rows: [string, unknown][] = [
    ['vlan_id', f.vlanId], ['vlan_prio', f.vlanPrio], ['vlan_ethtype', f.vlanEthType === undefined ? undefined : ethName(f.vlanEthType as string)],
    ['dst_mac', f.dstMac], ['src_mac', f.srcMac], ['eth_type', f.protocol === 'all' ? undefined : ethName(f.protocol)],
    ['ip_proto', typeof f.ipProto === 'number' ? f.ipProto.toString(16).padStart(2, '0') : f.ipProto], ['ip_tos', f.ipTos], ['ip_ttl', f.ipTtl],
    ['dst_ip', f.dstIp === undefined ? undefined : noHostLen(f.dstIp)], ['src_ip', f.srcIp === undefined ? undefined : noHostLen(f.srcIp)],
    ['dst_port', f.dstPort], ['src_port', f.srcPort], ['tcp_flags', f.tcpFlags], ['icmp_type', f.icmpType], ['icmp_code', f.icmpCode],
    ['enc_dst_ip', f.encDstIp === undefined ? undefined : noHostLen(f.encDstIp)], ['enc_src_ip', f.encSrcIp === undefined ? undefined : noHostLen(f.encSrcIp)],
    ['enc_key_id', f.encKeyId], ['enc_dst_port', f.encDstPort], ['enc_src_port', f.encSrcPort],
    ['ct_state', f.ctState], ['ct_zone', f.ctZone], ['ct_mark', f.ctMark],
  ];
  return rows.filter((r): r is [string, string | number] => r[1] !== undefined);
}

const FILTER_JSON: Record<string, (f: Filter, o: FieldList) => void> = {
  u32: u32Json,
  // f_flower.c flower_print_opt: handle as a number, classid, indev, then the keys object
  flower: (f, o) => {
    if (f.handle !== undefined) o.add('handle', Number(f.handle));
    if (f.classid !== undefined) o.add('classid', f.classid);
    if (f.indev !== undefined) o.add('indev', f.indev as string);
    const keys = new FieldList();
    for (const [key, v] of flowerKeyRows(f)) keys.add(key, v);
    o.add('keys', keys);
    flagsJson(f, o);
  },
  bpf: (f, o) => {
    if (f.handle !== undefined) o.add('handle', f.handle);
    if (f.classid !== undefined) o.add('flowid', f.classid as string);
    if (f.name !== undefined) o.add('bpf_name', f.name as string);
    if (f.directAction) o.add('direct-action', true);
    flagsJson(f, o);
    const insns = f.bytecode as { code: number; jt: number; jf: number; k: number }[] | undefined;
    if (insns) o.add('bytecode', new FieldList().add('length', insns.length).add('insns', insns.map((i) => new FieldList().add('code', i.code).add('jt', i.jt).add('jf', i.jf).add('k', i.k))));
    if (f.id !== undefined) o.add('prog', new FieldList().add('id', f.id as number).add('tag', f.tag as string));
  },
};
function genericJson(f: Filter, o: FieldList): void {
  if (f.handle !== undefined) o.add('handle', f.handle);
  if (f.classid !== undefined) o.add('flowid', f.classid as string);
  flagsJson(f, o);
}

/** How a filter's parent reads in tc's output, when the show did not name it. */
function parentJson(f: Filter, o: FieldList): void {
  if (f.parent === 'root') o.add('root', true);
  else if (f.parent === 'ingress' || f.parent === 'egress') o.add(f.parent, true);
  else o.add('parent', f.parent);
}

/**
 * One filter as `tc -j filter show` prints it. `shownParent`: the parent the show named (tc
 * then leaves it out); `shownDev` likewise.
 */
export function filterJson(f: Filter, o: { stats: boolean; parentNamed: boolean; devNamed: boolean }): FieldList {
  const j = new FieldList();
  if (!o.devNamed) j.add('dev', f.dev);
  if (!o.parentNamed) parentJson(f, j);
  j.add('protocol', f.protocol).add('pref', f.pref).add('kind', f.kind).add('chain', f.chain);
  if (f.handle === undefined && f.match === undefined && f.divisor === undefined) return j;
  const opts = new FieldList();
  (FILTER_JSON[f.kind] ?? genericJson)(f, opts);
  const acts = f.actions as Action[] | undefined;
  if (acts?.length) opts.add('actions', acts.map((a, i) => actionJson(a, i + 1, o.stats, false)));
  return j.add('options', opts);
}

/** tc's text line(s) for a filter. */
export function filterText(f: Filter, o: { stats: boolean; parentNamed: boolean; devNamed: boolean }): string {
  let t = 'filter ';
  if (!o.devNamed) t += `dev ${f.dev} `;
  if (!o.parentNamed) t += f.parent === 'root' || f.parent === 'ingress' || f.parent === 'egress' ? `${f.parent} ` : `parent ${f.parent} `;
  t += `protocol ${f.protocol} pref ${f.pref} ${f.kind} chain ${f.chain} `;
  if (f.kind === 'u32' && f.handle !== undefined) {
    t += `fh ${f.handle} `;
    if (f.divisor !== undefined) t += `ht divisor ${f.divisor} `;
    else {
      const node = Number.parseInt(f.handle.split(':')[2] ?? '0', 16) || 0;
      if (node) t += `order ${node} `;
      if (f.hashTable !== undefined) t += `key ht ${(f.hashTable as string).replace(/:$/, '')} bkt ${hex(f.bucket as number)} `;
      if (f.classid !== undefined) t += `${f.terminal ? '*' : ''}flowid ${f.classid} `;
      else if (f.terminal) t += 'terminal flowid ';
      if (f.link !== undefined) t += `link ${f.link} `;
    }
  } else if (f.handle !== undefined) {
    t += `handle ${f.handle} `;
    if (f.classid !== undefined) t += `flowid ${f.classid} `;
    if (f.directAction) t += 'direct-action ';
    if (f.kind === 'flower') for (const [key, v] of flowerKeyRows(f)) t += `\n  ${key} ${v}`;
    if (f.kind === 'flower') t += '\n ';
  }
  for (const [k, key] of CLS_FLAG_KEYS) if (f[k]) t += `${key} `;
  // bpf's bytecode ends the line (f_bpf.c bpf_print_ops)
  const insns = f.bytecode as { code: number; jt: number; jf: number; k: number }[] | undefined;
  if (insns) t += `bytecode '${insns.length},${insns.map((i) => `${i.code} ${i.jt} ${i.jf} ${i.k}`).join(',')}'`;
  t += '\n';
  for (const k of f.kind === 'u32' ? u32Keys(f) : [])
    t += `  match ${hex(k.val).padStart(8, '0')}/${hex(k.mask).padStart(8, '0')} at ${k.offmask ? 'nexthdr+' : ''}${k.off}\n`;
  const hk = f.hashkey as { mask: number; at: number } | undefined;
  if (hk) t += `    hash mask ${hex(hk.mask).padStart(8, '0')} at ${hk.at} \n`;
  (f.actions as Action[] | undefined)?.forEach((a, i) => (t += actionText(a, i + 1, o.stats, false)));
  return t;
}
