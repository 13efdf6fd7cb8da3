// How `tc` prints filters, actions and chains (tc/tc_filter.c print_filter, f_u32.c, f_bpf.c,
// m_action.c tc_print_one_action, m_mirred.c...): `-j` as tc-print.ts's fields with tc's keys in
// tc's order, and tc's text lines. Counters print with -s only, as tc's, from tc-print.ts's one
// stats block.
import type { Action, Filter } from '../tc/index.js';
import { parseProtocol } from '../tc/filters.js';
import { formatRate, formatSize } from '../tc/units.js';
import type { TcStats } from '../tc/stats.js';
import { FieldList, statsFields, toText, type Json } from './tc-print.js';
import { buildSel, type U32Match } from '../tc/u32.js';
import { peditWords } from '../tc/action-kinds.js';

/** u32's keys as the kernel holds them, from the decoded matches (decodeSel keeps their order). */
const u32Keys = (f: Filter) => (f.match === undefined ? [] : buildSel(f.match as U32Match[], false).keys);

const CLS_FLAG_KEYS = [['skipHw', 'skip_hw'], ['skipSw', 'skip_sw'], ['inHw', 'in_hw'], ['notInHw', 'not_in_hw']] as const;

/** An action's counters: the stats block's members under "stats", its lines after a tab. */
const actionStats = (s: TcStats): FieldList => Object.assign(new FieldList(), { fields: statsFields(s, '\t') });

/** tc's control_action object: {type: 'pipe'}, {type: 'goto', chain: N}, {type: 'jump', jump: N}. */
function verdictJson(v: string): FieldList {
  const m = /^(goto chain|jump) (\d+)$/.exec(v);
  if (!m) return new FieldList().add('type', v);
  return m[1] === 'jump' ? new FieldList().add('type', 'jump').add('jump', Number(m[2])) : new FieldList().add('type', 'goto').add('chain', Number(m[2]));
}

/** Each kind's own members, after "kind" (tc's print_aopt). */
const ACTION_JSON: Record<string, (a: Action, o: FieldList) => void> = {
  mirred: (a, o) => o.add('mirred_action', a.action as string).add('direction', a.direction as string).add('to_dev', String(a.dev)).add('control_action', verdictJson(a.verdict)),
  // m_gact.c print_gact: the prob object always (PGACT_NONE when there is none)
  gact: (a, o) => {
    o.add('control_action', verdictJson(a.verdict));
    const r = (a.random as { type: string; value: number; verdict: string } | undefined) ?? { type: 'none', value: 0, verdict: 'pass' };
    o.add('prob', new FieldList().add('random_type', r.type).add('control_action', verdictJson(r.verdict)).add('val', r.value));
  },
  // m_skbedit.c print_skbedit
  skbedit: (a, o) => {
    if (a.queueMapping !== undefined) o.add('queue_mapping', a.queueMapping as number);
    if (a.priority !== undefined) o.add('priority', a.priority as string);
    const m = skbMark(a);
    if (m) {
      o.add('mark', m.mark);
      if (m.mask !== undefined) o.add('mask', hex(m.mask));
    }
    if (a.ptype !== undefined) o.add('ptype', a.ptype as string | number);
    o.add('control_action', verdictJson(a.verdict));
  },
  // m_vlan.c print_vlan: the protocol by ll_proto_n2a's name ('802.1Q')
  vlan: (a, o) => {
    o.add('vlan_action', a.action as string);
    if (a.id !== undefined) o.add('id', a.id as number);
    if (a.protocol !== undefined) o.add('protocol', vlanProtoName(a.protocol));
    if (a.priority !== undefined) o.add('priority', a.priority as number);
    o.add('control_action', verdictJson(a.verdict));
  },
  // m_tunnel_key.c print_tunnel_key: csum as a "flag" member, tos/ttl only when not 0
  tunnel_key: (a, o) => {
    o.add('mode', a.action as string);
    for (const [k, key] of [['src', 'src_ip'], ['dst', 'dst_ip'], ['id', 'key_id'], ['dstPort', 'dst_port']] as const)
      if (a[k] !== undefined) o.add(key, a[k] as string | number);
    if (a.csum !== undefined) o.add('flag', a.csum ? 'csum' : 'nocsum');
    if (a.tos) o.add('tos', a.tos as number);
    if (a.ttl) o.add('ttl', a.ttl as number);
    o.add('control_action', verdictJson(a.verdict));
  },
  // m_pedit.c print_pedit: each key's header, offset, command and network-order words
  pedit: (a, o) => {
    const words = peditWords((a.keys as Record<string, unknown>[] | undefined) ?? []);
    o.add('control_action', verdictJson(a.verdict)).add('nkeys', words.length);
    o.add('index', a.index).add('ref', a.ref).add('bind', a.bind);
    o.add('keys', words.map((w) => new FieldList().add('htype', PEDIT_HEADER[w.htype] || 'network').add('offset', w.off).add('cmd', w.cmd)
      .add('val', hex(w.val)).add('mask', hex(w.mask))));
  },
};

/** One action as tc -j prints it (order: its place, 1-based in filters, 0-based in a list dump). */
export function actionJson(a: Action, order: number, stats: boolean, standalone = true): FieldList {
  const o = new FieldList().add('order', order).add('kind', a.kind);
  if (a.kind === 'police') policeJson(a, o);
  else if (a.kind === 'pedit') ACTION_JSON.pedit!(a, o);
  else {
    (ACTION_JSON[a.kind] ?? ((x, oo) => oo.add('control_action', verdictJson(x.verdict))))(a, o);
    o.add('index', a.index).add('ref', a.ref).add('bind', a.bind);
  }
  if (stats) for (const [key, , v] of ageWords(a)) o.add(key, v);
  if (stats && a.stats) o.add('stats', actionStats(a.stats));
  // tc shows offload state for standalone actions only (m_action.c print_action)
  if (!standalone) return o;
  if (a.inHwCount !== undefined) o.add(a.inHwCount ? 'in_hw' : 'not_in_hw', true);
  if (a.inHwCount) o.add('in_hw_count', a.inHwCount as number);
  if (a.usedHwStats !== undefined) o.add('used_hw_stats', a.usedHwStats as string[]);
  return o;
}

/** skbedit's mark and mask (the view gives 'MARK/MASK' text when a mask came). */
function skbMark(a: Action): { mark: number; mask?: number } | undefined {
  if (a.mark === undefined) return undefined;
  if (typeof a.mark === 'number') return { mark: a.mark };
  const [mark, mask] = String(a.mark).split('/').map(Number);
  return { mark: mark!, mask };
}

/** m_pedit.c pedit_header_names (the network header has none). */
const PEDIT_HEADER: Record<string, string> = { network: '', eth: 'eth', ip: 'ipv4', ip6: 'ipv6', tcp: 'tcp', udp: 'udp' };

/** iproute2's ll_proto_n2a names of the VLAN protocols. */
const vlanProtoName = (p: unknown): string => (p === '802.1q' ? '802.1Q' : String(p));

/** The text of the kinds whose own lines tc prints as `KIND WORDS VERDICT` then `\t index N ref N bind N`. */
const ACTION_TEXT: Record<string, (a: Action) => string> = {
  skbedit: (a) => {
    let t = 'skbedit ';
    if (a.queueMapping !== undefined) t += `queue_mapping ${a.queueMapping}`;
    if (a.priority !== undefined) t += ` priority ${a.priority}`;
    const m = skbMark(a);
    if (m) t += ` mark ${m.mark}${m.mask !== undefined ? `/0x${hex(m.mask)}` : ''}`;
    if (a.ptype !== undefined) t += ` ptype ${a.ptype}`;
    return `${t} ${a.verdict}`;
  },
  vlan: (a) => `vlan  ${a.action}${a.id !== undefined ? ` id ${a.id}` : ''}${a.protocol !== undefined ? ` protocol ${vlanProtoName(a.protocol)}` : ''}${a.priority !== undefined ? ` priority ${a.priority}` : ''} ${a.verdict}`,
  tunnel_key: (a) => {
    let t = `tunnel_key  ${a.action}`;
    for (const [k, word] of [['src', 'src_ip'], ['dst', 'dst_ip'], ['id', 'key_id'], ['dstPort', 'dst_port']] as const) if (a[k] !== undefined) t += `\n\t${word} ${a[k]}`;
    if (a.csum !== undefined) t += `\n\t${a.csum ? 'csum' : 'nocsum'}`;
    if (a.tos) t += `\n\ttos 0x${(a.tos as number).toString(16)}`;
    if (a.ttl) t += `\n\tttl ${a.ttl}`;
    return `${t} ${a.verdict}`;
  },
};

/**
 * m_police.c print_police: rates and sizes are text only; JSON has the index, the exceed and
 * (when the kernel sent one) conform verdicts, the overhead, ref and bind.
 */
function policeJson(a: Action, o: FieldList): void {
  o.add('index', a.index).add('control_action', verdictJson(String(a.exceed)));
  if (a.conform !== undefined) o.add('control_action', verdictJson(String(a.conform)));
  o.add('overhead', (a.overhead as number | undefined) ?? 0);
  if (a.pktRate !== undefined) o.add('pkts_rate', a.pktRate as number).add('pkts_burst', a.pktBurst as number);
  if (a.linklayer !== undefined && a.linklayer !== 'ethernet') o.add('linklayer', a.linklayer as string);
  o.add('ref', a.ref).add('bind', a.bind);
}

/**
 * tc's print_tm: each time the kernel gave (not 0) in whole seconds of its clock_t ticks
 * (USER_HZ 100): [json key, text word, seconds].
 */
function ageWords(a: Action): [string, string, number][] {
  if (!a.age) return [];
  const out: [string, string, number][] = [];
  for (const [k, key, word] of [['installed', 'installed', 'installed'], ['lastUsed', 'last_used', 'used'], ['firstUsed', 'first_used', 'firstused'], ['expires', 'expires', 'expires']] as const) {
    const ms = a.age[k];
    if (ms) out.push([key, word, Math.floor(ms / 1000)]);
  }
  return out;
}

/** tc's text for one action. */
export function actionText(a: Action, order: number, stats: boolean, standalone = true): string {
  let head: string;
  if (a.kind === 'mirred') head = `mirred (${a.direction === 'ingress' ? 'Ingress' : 'Egress'} ${a.action === 'mirror' ? 'Mirror' : 'Redirect'} to device ${a.dev}) ${a.verdict}`;
  else if (a.kind === 'gact') {
    const r = (a.random as { type: string; value: number; verdict: string } | undefined) ?? { type: 'none', value: 0, verdict: 'pass' };
    return withTimes(`${standalone ? '\n' : ''}\taction order ${order}: gact action ${a.verdict}\n\t random type ${r.type} ${r.verdict} val ${r.value}\n\t index ${a.index} ref ${a.ref} bind ${a.bind}`, a, stats, standalone);
  } else if (a.kind === 'pedit') {
    const words = peditWords((a.keys as Record<string, unknown>[] | undefined) ?? []);
    const times = stats ? ageWords(a).map(([, word, sec]) => ` ${word} ${sec} sec`).join('') : '';
    let t = `${standalone ? '\n' : ''}\taction order ${order}:  pedit action ${a.verdict} keys ${words.length}\n \t index ${a.index} ref ${a.ref} bind ${a.bind}${times}`;
    words.forEach((w, i) => {
      const at = w.htype === 'network' ? `${w.off}` : `${PEDIT_HEADER[w.htype]}${w.off >= 0 ? '+' : ''}${w.off}`;
      t += `\n\t key #${i}  at ${at}: ${w.cmd === 'add' ? 'add' : 'val'} ${hex(w.val).padStart(8, '0')} mask ${hex(w.mask).padStart(8, '0')}`;
    });
    return withTimes(t, { ...a, age: undefined }, stats, standalone);
  } else if (a.kind === 'police') {
    let h = ` police 0x${a.index.toString(16)} rate ${formatRate((a.rate as number | undefined) ?? 0)} burst ${formatSize((a.burst as number | undefined) ?? 0)} mtu ${formatSize(a.mtu as number)} `;
    if (a.pktRate !== undefined) h += `pkts_rate ${a.pktRate} pkts_burst ${a.pktBurst} `;
    if (a.peakrate) h += `peakrate ${formatRate(a.peakrate as number)} `;
    if (a.avrate) h += `avrate ${formatRate(a.avrate as number)} `;
    h += `action ${a.exceed}${a.conform !== undefined ? `/${a.conform} ` : ' '}overhead ${formatSize((a.overhead as number | undefined) ?? 0)} `;
    if (a.linklayer !== undefined && a.linklayer !== 'ethernet') h += `linklayer ${a.linklayer} `;
    return withTimes(`${standalone ? '\n' : ''}\taction order ${order}: ${h}\n\tref ${a.ref} bind ${a.bind} `, a, stats, standalone);
  }
  else if (ACTION_TEXT[a.kind]) {
    return withTimes(`${standalone ? '\n' : ''}\taction order ${order}: ${ACTION_TEXT[a.kind]!(a)}\n\t index ${a.index} ref ${a.ref} bind ${a.bind}`, a, stats, standalone);
  } else head = `${a.kind} ${Object.entries(a).filter(([k]) => !['kind', 'index', 'verdict', 'ref', 'bind', 'stats', 'age', 'inHwCount', 'usedHwStats'].includes(k)).map(([k, v]) => `${k} ${typeof v === 'object' ? JSON.stringify(v) : v}`).join(' ')} ${a.verdict}`;
  // a list dump opens each action with a blank line; a filter's actions end with one
  return withTimes(`${standalone ? '\n' : ''}\taction order ${order}: ${head}\n\tindex ${a.index} ref ${a.ref} bind ${a.bind}`, a, stats, standalone);
}

/** The rest of an action's text after its index line: times and counters with -s, offload state. */
function withTimes(head: string, a: Action, stats: boolean, standalone: boolean): string {
  const times = stats ? ageWords(a).map(([, word, sec]) => ` ${word} ${sec} sec`).join('') : '';
  let t = `${head}${times}\n`;
  if (stats && a.stats) {
    const s = a.stats;
    t += `\tAction statistics:\n${toText(statsFields(s, '\t'))}`;
  }
  if (standalone && a.inHwCount === 0) t += '\tnot_in_hw\n';
  if (standalone && a.usedHwStats) t += `\tused_hw_stats ${(a.usedHwStats as string[]).join(' ')}\n`;
  return standalone ? t : `${t}\n`;
}

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
