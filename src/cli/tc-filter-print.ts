// How `tc` prints filters, actions and chains (tc/tc_filter.c print_filter, f_u32.c, f_bpf.c,
// m_action.c tc_print_one_action, m_mirred.c...): `-j` as Ordered members with tc's keys in tc's
// order, and tc's text lines. Counters print with -s only, as tc's.
import type { Action, Filter } from '../tc/index.js';
import { formatRate, formatSize } from '../tc/units.js';
import type { TcStats } from '../tc/stats.js';
import { Ordered, type Json } from './tc-json.js';
import { buildSel, type U32Match } from '../tc/u32.js';

/** u32's keys as the kernel holds them, from the decoded matches (decodeSel keeps their order). */
const u32Keys = (f: Filter) => (f.match === undefined ? [] : buildSel(f.match as U32Match[], false).keys);

const CLS_FLAG_KEYS = [['skipHw', 'skip_hw'], ['skipSw', 'skip_sw'], ['inHw', 'in_hw'], ['notInHw', 'not_in_hw']] as const;

function statsJson(s: TcStats): Ordered {
  return new Ordered().add('bytes', s.bytes).add('packets', s.packets).add('drops', s.drops).add('overlimits', s.overlimits)
    .add('requeues', s.requeues).add('backlog', s.backlog).add('qlen', s.qlen);
}

/** tc's control_action object: {type: 'pipe'}, {type: 'goto', chain: N}, {type: 'jump', jump: N}. */
function verdictJson(v: string): Ordered {
  const m = /^(goto chain|jump) (\d+)$/.exec(v);
  if (!m) return new Ordered().add('type', v);
  return m[1] === 'jump' ? new Ordered().add('type', 'jump').add('jump', Number(m[2])) : new Ordered().add('type', 'goto').add('chain', Number(m[2]));
}

/** Each kind's own members, after "kind" (tc's print_aopt). */
const ACTION_JSON: Record<string, (a: Action, o: Ordered) => void> = {
  mirred: (a, o) => o.add('mirred_action', a.action as string).add('direction', a.direction as string).add('to_dev', String(a.dev)).add('control_action', verdictJson(a.verdict)),
  gact: (a, o) => {
    o.add('control_action', verdictJson(a.verdict));
    const r = a.random as { type: string; value: number; verdict: string } | undefined;
    if (r) o.add('prob', new Ordered().add('random_type', r.type).add('control_action', verdictJson(r.verdict)).add('val', r.value));
  },
  police: (a, o) => {
    o.add('rate', formatRate(a.rate as number)).add('burst', formatSize(a.burst as number)).add('mtu', formatSize(a.mtu as number));
    if (a.peakrate) o.add('peakrate', formatRate(a.peakrate as number));
    o.add('control_action', verdictJson(String(a.exceed))).add('overhead', (a.overhead as number) ?? 0);
    o.add('conform_action', verdictJson(String(a.conform)));
  },
  skbedit: (a, o) => {
    if (a.queueMapping !== undefined) o.add('queue_mapping', a.queueMapping as number);
    if (a.priority !== undefined) o.add('priority', a.priority as string);
    if (a.mark !== undefined) o.add('mark', a.mark as number | string);
    if (a.ptype !== undefined) o.add('ptype', a.ptype as string);
    o.add('control_action', verdictJson(a.verdict));
  },
  vlan: (a, o) => {
    o.add('vlan_action', a.action as string);
    if (a.id !== undefined) o.add('id', a.id as number);
    if (a.protocol !== undefined) o.add('protocol', String(a.protocol));
    if (a.priority !== undefined) o.add('priority', a.priority as number);
    o.add('control_action', verdictJson(a.verdict));
  },
  tunnel_key: (a, o) => {
    o.add('mode', a.action as string);
    for (const [k, key] of [['src', 'src_ip'], ['dst', 'dst_ip'], ['id', 'key_id'], ['dstPort', 'dst_port'], ['tos', 'tos'], ['ttl', 'ttl']] as const)
      if (a[k] !== undefined) o.add(key, a[k] as string | number);
    if (a.csum !== undefined) o.add('nocsum', !(a.csum as boolean));
    o.add('control_action', verdictJson(a.verdict));
  },
  pedit: (a, o) => {
    o.add('control_action', verdictJson(a.verdict)).add('nkeys', (a.keys as unknown[]).length);
    o.add('keys', (a.keys as Record<string, unknown>[]).map((k) => {
      const e = new Ordered();
      for (const [key, v] of Object.entries(k)) e.add(key, v as Json);
      return e;
    }));
  },
};

/** One action as tc -j prints it (order: its place, 1-based in filters, 0-based in a list dump). */
export function actionJson(a: Action, order: number, stats: boolean, standalone = true): Ordered {
  const o = new Ordered().add('order', order).add('kind', a.kind);
  (ACTION_JSON[a.kind] ?? ((x, oo) => oo.add('control_action', verdictJson(x.verdict))))(a, o);
  o.add('index', a.index).add('ref', a.ref).add('bind', a.bind);
  if (stats && a.stats) o.add('stats', statsJson(a.stats));
  // tc shows offload state for standalone actions only (m_action.c print_action)
  if (!standalone) return o;
  if (a.inHwCount !== undefined) o.add(a.inHwCount ? 'in_hw' : 'not_in_hw', true);
  if (a.inHwCount) o.add('in_hw_count', a.inHwCount as number);
  if (a.usedHwStats !== undefined) o.add('used_hw_stats', a.usedHwStats as string[]);
  return o;
}

/** tc's text for one action. */
export function actionText(a: Action, order: number, stats: boolean, standalone = true): string {
  let head: string;
  if (a.kind === 'mirred') head = `mirred (${a.direction === 'ingress' ? 'Ingress' : 'Egress'} ${a.action === 'mirror' ? 'Mirror' : 'Redirect'} to device ${a.dev}) ${a.verdict}`;
  else if (a.kind === 'gact') head = `gact action ${a.verdict}`;
  else if (a.kind === 'police') head = `police 0x${a.index.toString(16)} rate ${formatRate(a.rate as number)} burst ${formatSize(a.burst as number)} mtu ${formatSize(a.mtu as number)} action ${a.exceed}/${a.conform}`;
  else head = `${a.kind} ${Object.entries(a).filter(([k]) => !['kind', 'index', 'verdict', 'ref', 'bind', 'stats', 'inHwCount', 'usedHwStats'].includes(k)).map(([k, v]) => `${k} ${typeof v === 'object' ? JSON.stringify(v) : v}`).join(' ')} ${a.verdict}`;
  // a list dump opens each action with a blank line; a filter's actions end with one
  let t = `${standalone ? '\n' : ''}\taction order ${order}: ${head}\n\tindex ${a.index} ref ${a.ref} bind ${a.bind}\n`;
  if (stats && a.stats) {
    const s = a.stats;
    t += `\tAction statistics:\n\tSent ${s.bytes} bytes ${s.packets} pkt (dropped ${s.drops}, overlimits ${s.overlimits} requeues ${s.requeues}) \n\tbacklog ${s.backlog}b ${s.qlen}p requeues ${s.requeues}\n`;
  }
  if (standalone && a.inHwCount === 0) t += '\tnot_in_hw\n';
  if (standalone && a.usedHwStats) t += `\tused_hw_stats ${(a.usedHwStats as string[]).join(' ')}\n`;
  return standalone ? t : `${t}\n`;
}

const hex = (n: number) => (n >>> 0).toString(16);

/** u32's members (f_u32.c u32_print_opt). */
function u32Json(f: Filter, o: Ordered): void {
  const h = f.handle ?? '';
  o.add('fh', h);
  const node = Number.parseInt(h.split(':')[2] ?? '0', 16) || 0;
  if (node) o.add('order', node);
  if (f.divisor !== undefined) o.add('ht_divisor', f.divisor as number);
  else if (f.hashTable !== undefined) o.add('key_ht', (f.hashTable as string).replace(/:$/, '')).add('bkt', hex(f.bucket as number));
  if (f.classid !== undefined) o.add('flowid', f.classid as string);
  flagsJson(f, o);
  for (const k of u32Keys(f))
    o.add('match', new Ordered().add('value', hex(k.val)).add('mask', hex(k.mask)).add('offmask', k.offmask ? 'nexthdr+' : '').add('off', k.off));
  if (f.indev !== undefined) o.add('input_dev', f.indev as string);
}

function flagsJson(f: Filter, o: Ordered): void {
  for (const [k, key] of CLS_FLAG_KEYS) if (f[k]) o.add(key, true);
}

const FILTER_JSON: Record<string, (f: Filter, o: Ordered) => void> = {
  u32: u32Json,
  bpf: (f, o) => {
    if (f.handle !== undefined) o.add('handle', f.handle);
    if (f.classid !== undefined) o.add('flowid', f.classid as string);
    if (f.name !== undefined) o.add('bpf_name', f.name as string);
    if (f.directAction) o.add('direct-action', true);
    flagsJson(f, o);
    const insns = f.bytecode as { code: number; jt: number; jf: number; k: number }[] | undefined;
    if (insns) o.add('bytecode', new Ordered().add('length', insns.length).add('insns', insns.map((i) => new Ordered().add('code', i.code).add('jt', i.jt).add('jf', i.jf).add('k', i.k))));
    if (f.id !== undefined) o.add('prog', new Ordered().add('id', f.id as number).add('tag', f.tag as string));
  },
};
function genericJson(f: Filter, o: Ordered): void {
  if (f.handle !== undefined) o.add('handle', f.handle);
  if (f.classid !== undefined) o.add('flowid', f.classid as string);
  flagsJson(f, o);
}

/** How a filter's parent reads in tc's output, when the show did not name it. */
function parentJson(f: Filter, o: Ordered): void {
  if (f.parent === 'root') o.add('root', true);
  else if (f.parent === 'ingress' || f.parent === 'egress') o.add(f.parent, true);
  else o.add('parent', f.parent);
}

/**
 * One filter as `tc -j filter show` prints it. `shownParent`: the parent the show named (tc
 * then leaves it out); `shownDev` likewise.
 */
export function filterJson(f: Filter, o: { stats: boolean; parentNamed: boolean; devNamed: boolean }): Ordered {
  const j = new Ordered();
  if (!o.devNamed) j.add('dev', f.dev);
  if (!o.parentNamed) parentJson(f, j);
  j.add('protocol', f.protocol).add('pref', f.pref).add('kind', f.kind).add('chain', f.chain);
  if (f.handle === undefined && f.match === undefined && f.divisor === undefined) return j;
  const opts = new Ordered();
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
    }
  } else if (f.handle !== undefined) {
    t += `handle ${f.handle} `;
    if (f.classid !== undefined) t += `flowid ${f.classid} `;
    if (f.directAction) t += 'direct-action ';
  }
  for (const [k, key] of CLS_FLAG_KEYS) if (f[k]) t += `${key} `;
  t += '\n';
  for (const k of f.kind === 'u32' ? u32Keys(f) : [])
    t += `  match ${hex(k.val).padStart(8, '0')}/${hex(k.mask).padStart(8, '0')} at ${k.offmask ? 'nexthdr+' : ''}${k.off}\n`;
  const insns = f.bytecode as { code: number; jt: number; jf: number; k: number }[] | undefined;
  if (insns) t += `  bytecode '${insns.length},${insns.map((i) => `${i.code} ${i.jt} ${i.jf} ${i.k}`).join(',')}'\n`;
  (f.actions as Action[] | undefined)?.forEach((a, i) => (t += actionText(a, i + 1, o.stats, false)));
  return t;
}
