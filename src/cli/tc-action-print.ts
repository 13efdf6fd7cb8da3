// How `tc` prints an action (m_action.c tc_print_one_action, m_mirred.c, m_gact.c, m_police.c,
// m_pedit.c, m_skbedit.c, m_vlan.c, m_tunnel_key.c): one list of fields per action, each a
// `-j` member in tc's order and its piece of tc's text, where tc's text puts it (a member tc
// prints elsewhere in its text, or not at all, has no text; a word with no member has no key).
import type { Action } from '../tc/index.js';
import { formatRate, formatSize } from '../tc/units.js';
import { peditWords } from '../tc/action-kinds.js';
import { f, statsFields, text, toText, type Field } from './tc-print.js';

const hex = (n: number) => (n >>> 0).toString(16);

/** tc's control_action object ({type: 'pipe'}, {type: 'goto', chain: N}, {type: 'jump', jump: N}) with the verdict's text. */
function control(v: string, t: string): Field {
  const m = v.startsWith('goto chain ') || v.startsWith('jump ') ? /^(goto chain|jump) (\d+)$/.exec(v) : null;
  let nested: Field[];
  if (!m) nested = [f('type', v, '')];
  else if (m[1] === 'jump') nested = [f('type', 'jump', ''), f('jump', Number(m[2]), '')];
  else nested = [f('type', 'goto', ''), f('chain', Number(m[2]), '')];
  return { key: 'control_action', text: t, nested };
}

/** index, ref and bind, after tc's lead for that kind's index line. */
const indexLine = (a: Action, lead: string): Field[] => [f('index', a.index, `${lead}index ${a.index} `), f('ref', a.ref, `ref ${a.ref} `), f('bind', a.bind, `bind ${a.bind}`)];

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
const timesText = (a: Action) => ageWords(a).map(([, word, sec]) => ` ${word} ${sec} sec`).join('');

/** Each kind's fields after "kind", its index line included (`stats`: pedit prints the times inside). */
const ACTION_FIELDS: Record<string, (a: Action, stats: boolean) => Field[]> = {
  mirred: (a) => [
    f('mirred_action', a.action, ''), f('direction', a.direction, `mirred (${a.direction === 'ingress' ? 'Ingress' : 'Egress'} ${a.action === 'mirror' ? 'Mirror' : 'Redirect'} to device `),
    f('to_dev', String(a.dev), `${a.dev}) `), control(a.verdict, a.verdict), ...indexLine(a, '\n\t'),
  ],
  // m_gact.c print_gact: the prob object always (PGACT_NONE when there is none)
  gact: (a) => {
    const r = (a.random as { type: string; value: number; verdict: string } | undefined) ?? { type: 'none', value: 0, verdict: 'pass' };
    const prob = [f('random_type', r.type, ''), control(r.verdict, ''), f('val', r.value, '')];
    return [control(a.verdict, `gact action ${a.verdict}`), { key: 'prob', text: `\n\t random type ${r.type} ${r.verdict} val ${r.value}`, nested: prob }, ...indexLine(a, '\n\t ')];
  },
  // m_skbedit.c print_skbedit
  skbedit: (a) => {
    const out: Field[] = [text('skbedit ')];
    if (a.queueMapping !== undefined) out.push(f('queue_mapping', a.queueMapping, `queue_mapping ${a.queueMapping}`));
    if (a.priority !== undefined) out.push(f('priority', a.priority, ` priority ${a.priority}`));
    const m = skbMark(a);
    if (m) out.push(f('mark', m.mark, ` mark ${m.mark}`), ...(m.mask === undefined ? [] : [f('mask', hex(m.mask), `/0x${hex(m.mask)}`)]));
    if (a.ptype !== undefined) out.push(f('ptype', a.ptype, ` ptype ${a.ptype}`));
    return [...out, control(a.verdict, ` ${a.verdict}`), ...indexLine(a, '\n\t ')];
  },
  // m_vlan.c print_vlan: the protocol by ll_proto_n2a's name ('802.1Q')
  vlan: (a) => [
    f('vlan_action', a.action, `vlan  ${a.action}`), ...(a.id === undefined ? [] : [f('id', a.id, ` id ${a.id}`)]),
    ...(a.protocol === undefined ? [] : [f('protocol', vlanProtoName(a.protocol), ` protocol ${vlanProtoName(a.protocol)}`)]),
    ...(a.priority === undefined ? [] : [f('priority', a.priority, ` priority ${a.priority}`)]), control(a.verdict, ` ${a.verdict}`), ...indexLine(a, '\n\t '),
  ],
  // m_tunnel_key.c print_tunnel_key: csum as a "flag" member, tos/ttl only when not 0
  tunnel_key: (a) => {
    const out: Field[] = [f('mode', a.action, `tunnel_key  ${a.action}`)];
    for (const [k, key] of [['src', 'src_ip'], ['dst', 'dst_ip'], ['id', 'key_id'], ['dstPort', 'dst_port']] as const) if (a[k] !== undefined) out.push(f(key, a[k], `\n\t${key} ${a[k]}`));
    if (a.csum !== undefined) out.push(f('flag', a.csum ? 'csum' : 'nocsum', `\n\t${a.csum ? 'csum' : 'nocsum'}`));
    if (a.tos) out.push(f('tos', a.tos, `\n\ttos 0x${(a.tos as number).toString(16)}`));
    if (a.ttl) out.push(f('ttl', a.ttl, `\n\tttl ${a.ttl}`));
    return [...out, control(a.verdict, ` ${a.verdict}`), ...indexLine(a, '\n\t ')];
  },
  // m_pedit.c print_pedit: each key's header, offset, command and network-order words; the times before the keys
  pedit: (a, stats) => {
    const words = peditWords((a.keys as Record<string, unknown>[] | undefined) ?? []);
    const keys = words.map((w) => [f('htype', PEDIT_HEADER[w.htype] || 'network', ''), f('offset', w.off, ''), f('cmd', w.cmd, ''), f('val', hex(w.val), ''), f('mask', hex(w.mask), '')]);
    const lines = words.map((w, i) => {
      const at = w.htype === 'network' ? `${w.off}` : `${PEDIT_HEADER[w.htype]}${w.off >= 0 ? '+' : ''}${w.off}`;
      return `\n\t key #${i}  at ${at}: ${w.cmd === 'add' ? 'add' : 'val'} ${hex(w.val).padStart(8, '0')} mask ${hex(w.mask).padStart(8, '0')}`;
    }).join('');
    return [control(a.verdict, ` pedit action ${a.verdict}`), f('nkeys', words.length, ` keys ${words.length}`), ...indexLine(a, '\n \t '), text(stats ? timesText(a) : ''), { key: 'keys', text: lines, list: keys }];
  },
  // m_police.c print_police: rates and sizes are text only; JSON has the index, the exceed and
  // (when the kernel sent one) conform verdicts, the overhead, ref and bind
  police: (a) => {
    let head = ` police 0x${a.index.toString(16)} rate ${formatRate((a.rate as number | undefined) ?? 0)} burst ${formatSize((a.burst as number | undefined) ?? 0)} mtu ${formatSize(a.mtu as number)} `;
    if (a.pktRate !== undefined) head += `pkts_rate ${a.pktRate} pkts_burst ${a.pktBurst} `;
    if (a.peakrate) head += `peakrate ${formatRate(a.peakrate as number)} `;
    if (a.avrate) head += `avrate ${formatRate(a.avrate as number)} `;
    const out: Field[] = [f('index', a.index, head), control(String(a.exceed), `action ${a.exceed}`)];
    out.push(a.conform === undefined ? text(' ') : control(String(a.conform), `/${a.conform} `));
    out.push(f('overhead', (a.overhead as number | undefined) ?? 0, `overhead ${formatSize((a.overhead as number | undefined) ?? 0)} `));
    if (a.pktRate !== undefined) out.push(f('pkts_rate', a.pktRate, ''), f('pkts_burst', a.pktBurst, ''));
    if (a.linklayer !== undefined && a.linklayer !== 'ethernet') out.push(f('linklayer', a.linklayer, `linklayer ${a.linklayer} `));
    return [...out, f('ref', a.ref, `\n\tref ${a.ref} `), f('bind', a.bind, `bind ${a.bind} `)];
  },
};

/** Kinds nlkit does not print as tc does: every view field in the text, the verdict in JSON. */
function genericFields(a: Action): Field[] {
  const words = Object.entries(a).filter(([k]) => !['kind', 'index', 'verdict', 'ref', 'bind', 'stats', 'age', 'inHwCount', 'usedHwStats'].includes(k))
    .map(([k, v]) => `${k} ${typeof v === 'object' ? JSON.stringify(v) : v}`);
  return [text(`${a.kind} ${words.join(' ')} `), control(a.verdict, a.verdict), ...indexLine(a, '\n\t')];
}

/**
 * One action's fields: order and kind, the kind's own, -s's times and counters, and for a
 * standalone action (a list dump, not a filter's) its offload state. `order`: its place, 1-based
 * in filters, 0-based in a list dump; a list dump opens each action with a blank line, a
 * filter's actions end with one.
 */
export function actionFields(a: Action, order: number, stats: boolean, standalone = true): Field[] {
  const out: Field[] = [f('order', order, `${standalone ? '\n' : ''}\taction order ${order}: `), f('kind', a.kind, '')];
  out.push(...(ACTION_FIELDS[a.kind]?.(a, stats) ?? genericFields(a)));
  if (stats) for (const [key, word, sec] of ageWords(a)) out.push(f(key, sec, a.kind === 'pedit' ? '' : ` ${word} ${sec} sec`));
  out.push(text('\n'));
  if (stats && a.stats) out.push({ key: 'stats', text: '\tAction statistics:\n', nested: statsFields(a.stats, '\t') });
  if (standalone) {
    // tc shows offload state for standalone actions only (m_action.c print_action)
    if (a.inHwCount !== undefined) out.push(f(a.inHwCount ? 'in_hw' : 'not_in_hw', true, a.inHwCount ? '' : '\tnot_in_hw\n'));
    if (a.inHwCount) out.push(f('in_hw_count', a.inHwCount, ''));
    if (a.usedHwStats !== undefined) out.push(f('used_hw_stats', a.usedHwStats, `\tused_hw_stats ${(a.usedHwStats as string[]).join(' ')}\n`));
  } else out.push(text('\n'));
  return out;
}

/** One action as tc -j prints it. */
export const actionJson = actionFields;

/** tc's text for one action. */
export const actionText = (a: Action, order: number, stats: boolean, standalone = true): string => toText(actionFields(a, order, stats, standalone));
