// How `tc` prints an action (m_action.c tc_print_one_action, m_mirred.c, m_gact.c, m_police.c,
// m_pedit.c, m_skbedit.c, m_vlan.c, m_tunnel_key.c): one list of fields per action, each a
// `-j` member in tc's order and its piece of tc's text, where tc's text puts it (a member tc
// prints elsewhere in its text, or not at all, has no text; a word with no member has no key).
import type { Action } from '../tc/index.js';
import { formatRate, formatSize } from '../tc/units.js';
import { peditWords } from '../tc/action-kinds.js';
import { llProtoOfWord } from '../tc/ethertypes.js';
import type { Printer } from './ip-printer.js';
import { jsonOnly, printStats, size, val } from './tc-print.js';

const hex = (n: number) => (n >>> 0).toString(16);

/**
 * tc's control_action object ({type: 'pipe'}, {type: 'goto', chain: N}, {type: 'jump', jump: N})
 * and, when `pre` is given, the verdict's words `pre VERDICT post`.
 */
function control(p: Printer, v: string, pre?: string, post = ''): void {
  if (!p.json) {
    if (pre !== undefined) p.text(pre + v + post);
    return;
  }
  p.open('control_action');
  const m = v.startsWith('goto chain ') || v.startsWith('jump ') ? /^(goto chain|jump) (\d+)$/.exec(v) : null;
  if (!m) p.s('type', '', v);
  else if (m[1] === 'jump') {
    p.s('type', '', 'jump');
    p.u('jump', '', Number(m[2]));
  } else {
    p.s('type', '', 'goto');
    p.u('chain', '', Number(m[2]));
  }
  p.close();
}

/** index, ref and bind, after tc's lead for that kind's index line (`pre` ends in 'index '). */
function indexLine(p: Printer, a: Action, pre: string): void {
  p.u('index', pre, a.index);
  p.u('ref', 'ref ', a.ref);
  p.u('bind', 'bind ', a.bind, '');
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

/** tc's print_tm words: [view key, json key, text before the seconds]. */
const AGE_WORDS = [['installed', 'installed', ' installed '], ['lastUsed', 'last_used', ' used '], ['firstUsed', 'first_used', ' firstused '], ['expires', 'expires', ' expires ']] as const;

/**
 * tc's print_tm: each time the kernel gave (not 0) in whole seconds of its clock_t ticks
 * (USER_HZ 100). pedit prints the words inside its own lines ('text') and the members after
 * ('json'); every other kind both at once.
 */
function printTimes(p: Printer, a: Action, part: 'text' | 'json' | 'both'): void {
  if (!a.age || (part === 'text' && p.json) || (part === 'json' && !p.json)) return;
  for (const [k, key, pre] of AGE_WORDS) {
    const ms = a.age[k];
    if (ms) p.u(key, pre, Math.floor(ms / 1000), ' sec');
  }
}

/** tunnel_key's addresses and ports: [view key, json key, text before]. */
const TUNNEL_WORDS = [['src', 'src_ip', '\n\tsrc_ip '], ['dst', 'dst_ip', '\n\tdst_ip '], ['id', 'key_id', '\n\tkey_id '], ['dstPort', 'dst_port', '\n\tdst_port ']] as const;

/** Each kind's members and words after "kind", its index line included (`stats`: pedit prints the times inside). */
const ACTION_PRINT: Record<string, (p: Printer, a: Action, stats: boolean) => void> = {
  mirred: (p, a) => {
    jsonOnly(p, 'mirred_action', a.action);
    jsonOnly(p, 'direction', a.direction);
    if (!p.json) p.text(`mirred (${a.direction === 'ingress' ? 'Ingress' : 'Egress'} ${a.action === 'mirror' ? 'Mirror' : 'Redirect'} to device `);
    p.s('to_dev', '', String(a.dev), ') ');
    control(p, a.verdict, '');
    indexLine(p, a, '\n\tindex ');
  },
  // m_gact.c print_gact: the prob object always (PGACT_NONE when there is none)
  gact: (p, a) => {
    const r = (a.random as { type: string; value: number; verdict: string } | undefined) ?? { type: 'none', value: 0, verdict: 'pass' };
    control(p, a.verdict, 'gact action ');
    if (p.json) {
      p.open('prob');
      p.s('random_type', '', r.type);
      control(p, r.verdict);
      p.u('val', '', r.value);
      p.close();
    } else p.text(`\n\t random type ${r.type} ${r.verdict} val ${r.value}`);
    indexLine(p, a, '\n\t index ');
  },
  // m_skbedit.c print_skbedit
  skbedit: (p, a) => {
    p.text('skbedit ');
    if (a.queueMapping !== undefined) val(p, 'queue_mapping', 'queue_mapping ', a.queueMapping, '');
    if (a.priority !== undefined) val(p, 'priority', ' priority ', a.priority, '');
    const m = skbMark(a);
    if (m) {
      p.u('mark', ' mark ', m.mark, '');
      if (m.mask !== undefined) p.s('mask', '/0x', hex(m.mask), '');
    }
    if (a.ptype !== undefined) val(p, 'ptype', ' ptype ', a.ptype, '');
    control(p, a.verdict, ' ');
    indexLine(p, a, '\n\t index ');
  },
  // m_vlan.c print_vlan: the protocol by ll_proto_n2a's name ('802.1Q')
  vlan: (p, a) => {
    val(p, 'vlan_action', 'vlan  ', a.action, '');
    if (a.id !== undefined) val(p, 'id', ' id ', a.id, '');
    if (a.protocol !== undefined) p.s('protocol', ' protocol ', llProtoOfWord(a.protocol as string), '');
    if (a.priority !== undefined) val(p, 'priority', ' priority ', a.priority, '');
    control(p, a.verdict, ' ');
    indexLine(p, a, '\n\t index ');
  },
  // m_tunnel_key.c print_tunnel_key: csum as a "flag" member, tos/ttl only when not 0
  tunnel_key: (p, a) => {
    val(p, 'mode', 'tunnel_key  ', a.action, '');
    for (const [k, key, pre] of TUNNEL_WORDS) if (a[k] !== undefined) val(p, key, pre, a[k], '');
    if (a.csum !== undefined) p.s('flag', '\n\t', a.csum ? 'csum' : 'nocsum', '');
    if (a.tos) {
      if (p.json) val(p, 'tos', '', a.tos);
      else p.text(`\n\ttos 0x${(a.tos as number).toString(16)}`);
    }
    if (a.ttl) val(p, 'ttl', '\n\tttl ', a.ttl, '');
    control(p, a.verdict, ' ');
    indexLine(p, a, '\n\t index ');
  },
  // m_pedit.c print_pedit: each key's header, offset, command and network-order words; the times before the keys
  pedit: (p, a, stats) => {
    const words = peditWords((a.keys as Record<string, unknown>[] | undefined) ?? []);
    control(p, a.verdict, ' pedit action ');
    p.u('nkeys', ' keys ', words.length, '');
    indexLine(p, a, '\n \t index ');
    if (stats) printTimes(p, a, 'text');
    if (p.json) {
      p.openList('keys');
      for (const w of words) {
        p.open();
        p.s('htype', '', PEDIT_HEADER[w.htype] || 'network');
        p.u('offset', '', w.off);
        p.s('cmd', '', w.cmd);
        p.s('val', '', hex(w.val));
        p.s('mask', '', hex(w.mask));
        p.close();
      }
      p.closeList();
      return;
    }
    words.forEach((w, i) => {
      const at = w.htype === 'network' ? `${w.off}` : `${PEDIT_HEADER[w.htype]}${w.off >= 0 ? '+' : ''}${w.off}`;
      p.text(`\n\t key #${i}  at ${at}: ${w.cmd === 'add' ? 'add' : 'val'} ${hex(w.val).padStart(8, '0')} mask ${hex(w.mask).padStart(8, '0')}`);
    });
  },
  // m_police.c print_police: rates and sizes are text only; JSON has the index, the exceed and
  // (when the kernel sent one) conform verdicts, the overhead, ref and bind
  police: (p, a) => {
    if (p.json) p.u('index', '', a.index);
    else {
      let head = ` police 0x${a.index.toString(16)} rate ${formatRate((a.rate as number | undefined) ?? 0)} burst ${formatSize((a.burst as number | undefined) ?? 0)} mtu ${formatSize(a.mtu as number)} `;
      if (a.pktRate !== undefined) head += `pkts_rate ${a.pktRate} pkts_burst ${a.pktBurst} `;
      if (a.peakrate) head += `peakrate ${formatRate(a.peakrate as number)} `;
      if (a.avrate) head += `avrate ${formatRate(a.avrate as number)} `;
      p.text(head);
    }
    control(p, String(a.exceed), 'action ');
    if (a.conform === undefined) p.text(' ');
    else control(p, String(a.conform), '/', ' ');
    size(p, 'overhead', 'overhead ', (a.overhead as number | undefined) ?? 0);
    if (a.pktRate !== undefined) {
      jsonOnly(p, 'pkts_rate', a.pktRate);
      jsonOnly(p, 'pkts_burst', a.pktBurst);
    }
    if (a.linklayer !== undefined && a.linklayer !== 'ethernet') val(p, 'linklayer', 'linklayer ', a.linklayer);
    p.u('ref', '\n\tref ', a.ref);
    p.u('bind', 'bind ', a.bind);
  },
};

const GENERIC_SKIP = new Set(['kind', 'index', 'verdict', 'ref', 'bind', 'stats', 'age', 'inHwCount', 'usedHwStats', 'noPercpu', 'skipHw', 'skipSw']);

/** Kinds nlkit does not print as tc does: every view field in the text, the verdict in JSON. */
function printGeneric(p: Printer, a: Action): void {
  if (!p.json) {
    const words = Object.entries(a).filter(([k]) => !GENERIC_SKIP.has(k)).map(([k, v]) => `${k} ${typeof v === 'object' ? JSON.stringify(v) : v}`);
    p.text(`${a.kind} ${words.join(' ')} `);
  }
  control(p, a.verdict, '');
  indexLine(p, a, '\n\tindex ');
}

/**
 * One action's members (the caller opens its object): order and kind, the kind's own, -s's
 * times and counters, and for a standalone action (a list dump, not a filter's) its offload
 * state. `order`: its place, 1-based in filters, 0-based in a list dump; a list dump opens each
 * action with a blank line, a filter's actions end with one.
 */
export function printAction(p: Printer, a: Action, order: number, stats: boolean, standalone = true): void {
  p.u('order', standalone ? '\n\taction order ' : '\taction order ', order, ': ');
  jsonOnly(p, 'kind', a.kind);
  (ACTION_PRINT[a.kind] ?? printGeneric)(p, a, stats);
  if (stats) printTimes(p, a, a.kind === 'pedit' ? 'json' : 'both');
  p.text('\n');
  if (stats && a.stats) {
    p.text('\tAction statistics:\n');
    p.open('stats');
    printStats(p, a.stats, '\t');
    p.close();
  }
  printFlagsLine(p, a, standalone);
  printUsedHwStats(p, a);
  if (!standalone) p.text('\n');
}

/**
 * m_action.c's line of action flags: no_percpu for every action; skip_hw, skip_sw and the
 * offload state (in_hw, or not_in_hw; none when kept out of hardware) for standalone ones only.
 */
function printFlagsLine(p: Printer, a: Action, standalone: boolean): void {
  let any = false;
  const flag = (key: string, v: boolean | undefined) => {
    if (v === undefined) return;
    p.bool(key, `\t${key}`, v);
    any = true;
  };
  flag('no_percpu', a.noPercpu);
  if (standalone) {
    flag('skip_hw', a.skipHw);
    flag('skip_sw', a.skipSw);
    if (a.inHwCount !== undefined && !a.skipHw) {
      flag(a.inHwCount ? 'in_hw' : 'not_in_hw', true);
      if (a.inHwCount) p.u('in_hw_count', ' in_hw_count ', a.inHwCount, '');
    }
  }
  if (any) p.text('\n');
}

function printUsedHwStats(p: Printer, a: Action): void {
  if (a.usedHwStats === undefined) return;
  const used = a.usedHwStats as string[];
  if (p.json) {
    p.openList('used_hw_stats');
    for (const u of used) p.item(u);
    p.closeList();
  } else p.text(`\tused_hw_stats ${used.join(' ')}\n`);
}
