// `nlkit rule` as `ip rule`: list/show, add, del and flush over nlkit/route's rules module,
// printed as iproute2's print_rule prints them.
import { makeRules, type Rule, type RuleFilter, type RuleSpec } from '../route/rules.js';
import { type IpCommand, type IpEnv, type IpObject, type Plan, IpUsageError, flushDone, invalidArgument, isPrefix, type Words } from './ip-command.js';
import { listPrinter, type Printer } from './ip-printer.js';

export function printRule(p: Printer, r: Rule, details: boolean): void {
  p.open();
  p.u('priority', '', r.priority, ':\t');
  if (r.not) p.flag('not', 'not');
  for (const [key, lenKey, word] of [['src', 'srclen', 'from'], ['dst', 'dstlen', 'to']] as const) {
    const v = r[key];
    if (v === undefined) continue;
    const len = r[lenKey];
    p.s(key, `${word} `, v, len === undefined ? ' ' : '');
    if (len !== undefined) p.u(lenKey, '/', len);
  }
  if (r.tos !== undefined) p.s('tos', 'tos ', r.tos);
  if (r.dscp !== undefined) p.u('dscp', 'dscp ', r.dscp);
  if (r.fwmark !== undefined) {
    p.s('fwmark', 'fwmark ', r.fwmark, r.fwmask === undefined ? ' ' : '');
    if (r.fwmask !== undefined) p.s('fwmask', '/', r.fwmask);
  }
  for (const [key, detached] of [['iif', 'iifDetached'], ['oif', 'oifDetached']] as const) {
    const v = r[key];
    if (v === undefined) continue;
    p.s(key, `${key} `, v);
    if (r[detached]) p.flag(`${key}_detached`, '[detached]');
  }
  if (r.l3mdev) p.flag('l3mdev', 'lookup [l3mdev-table]');
  if (r.uidStart !== undefined) {
    p.u('uid_start', 'uidrange ', r.uidStart, '-');
    p.u('uid_end', '', r.uidEnd ?? r.uidStart);
  }
  if (r.ipproto !== undefined) p.s('ipproto', 'ipproto ', r.ipproto);
  for (const port of ['sport', 'dport'] as const) {
    const one = r[port];
    const start = r[`${port}Start`];
    if (one !== undefined) p.u(port, `${port} `, one);
    else if (start !== undefined) {
      p.u(`${port}_start`, `${port} `, start, '-');
      p.u(`${port}_end`, '', r[`${port}End`] ?? start);
    }
  }
  if (r.tunId !== undefined) p.u('tun_id', 'tun_id ', r.tunId);
  if (r.table !== undefined) {
    p.s('table', 'lookup ', r.table);
    if (r.suppressPrefixlen !== undefined) p.u('suppress_prefixlen', 'suppress_prefixlength ', r.suppressPrefixlen);
    if (r.suppressIfgroup !== undefined) p.s('suppress_ifgroup', 'suppress_ifgroup ', r.suppressIfgroup);
  }
  if (r.flowFrom !== undefined) p.s('flow_from', 'realms ', r.flowFrom, '/');
  if (r.flowTo !== undefined) p.s('flow_to', r.flowFrom === undefined ? 'realms ' : '', r.flowTo);
  if (r.action === 'goto') {
    if (r.goto !== undefined) p.u('goto', 'goto ', r.goto);
    else p.s('goto', 'goto ', 'none');
    if (r.flags.includes('unresolved')) p.flag('unresolved', '[unresolved]');
  } else if (r.action === 'nop') p.flag('nop', 'nop');
  else if (r.action !== 'lookup') p.s('action', '', r.action);
  if ((r.protocol !== 'unspec' && r.protocol !== 'kernel') || details) p.s('protocol', 'proto ', r.protocol);
  p.trimmedLine();
  p.close();
  p.end();
}

/** ip rule's words (iprule_modify, iprule_list_flush_or_save) -> the spec's keys. */
function parse(words: Words, forList: boolean): RuleSpec {
  const s: Record<string, unknown> = {};
  while (!words.done) {
    const w = words.shift()!;
    if (w === 'not') s.not = true;
    else if (isPrefix(w, 'preference') || isPrefix(w, 'order') || isPrefix(w, 'priority')) {
      const v = words.value();
      if (!/^\d+$/.test(v) || Number(v) > 0xffffffff) throw invalidArgument('Invalid "pref" value', v);
      s.priority = Number(v);
    } else if (w === 'tos' || isPrefix(w, 'dsfield')) s.tos = words.value();
    else if (w === 'dscp') s.dscp = Number(words.value());
    else if (w === 'fwmark') s.fwmark = words.value();
    else if (isPrefix(w, 'realms')) s.realms = words.value();
    else if (isPrefix(w, 'protocol')) { const v = words.value(); s.protocol = /^\d+$/.test(v) ? Number(v) : v; }
    else if (isPrefix(w, 'table') || isPrefix(w, 'lookup')) { const v = words.value(); s.table = /^\d+$/.test(v) ? Number(v) : v; }
    else if (isPrefix(w, 'suppress_prefixlength')) s.suppressPrefixlen = Number(words.value());
    else if (isPrefix(w, 'suppress_ifgroup') || isPrefix(w, 'sup_group')) s.suppressIfgroup = words.value();
    else if (w === 'dev' || isPrefix(w, 'iif')) s.iif = words.value();
    else if (w === 'oif') s.oif = words.value();
    else if (w === 'l3mdev') s.l3mdev = true;
    else if (w === 'uidrange') s.uidrange = words.value();
    else if (w === 'ipproto') s.ipproto = words.value();
    else if (w === 'sport' || w === 'dport') s[w] = words.value();
    else if (w === 'tun_id') s.tunId = BigInt(words.value());
    else if (w === 'flowlabel') s.flowlabel = words.value();
    else if (isPrefix(w, 'from')) s.from = words.value();
    else if (isPrefix(w, 'to')) s.to = words.value();
    else if (w === 'help') throw new IpUsageError(USAGE);
    else if (isPrefix(w, 'nat') || isPrefix(w, 'map-to')) throw new IpUsageError('Error: nlkit rule does not take "nat" (removed from the kernel).', 1);
    else if (forList) throw new IpUsageError(`Error: unknown selector "${w}".`, 1);
    else {
      const v = isPrefix(w, 'type') ? words.value() : w;
      if (isPrefix(v, 'goto')) {
        const n = words.value();
        if (!/^\d+$/.test(n)) throw invalidArgument('invalid target', n);
        s.action = 'goto';
        s.goto = Number(n);
      } else if (isPrefix(v, 'nop')) s.action = 'nop';
      else if (['blackhole', 'unreachable', 'prohibit'].includes(v)) s.action = v;
      else throw invalidArgument('Failed to parse rule type', v);
    }
  }
  return s as RuleSpec;
}

/** The selectors the module filters by; anything else in a listing is refused with its name. */
const FILTERED = ['priority', 'table', 'iif', 'oif', 'from', 'to', 'protocol', 'action'];

function filterOf(words: Words, env: IpEnv): RuleFilter {
  const s = parse(words, true) as Record<string, unknown>;
  for (const k of Object.keys(s)) if (!FILTERED.includes(k)) throw new IpUsageError(`Error: nlkit rule show does not select by "${k}".`, 1);
  return { ...(s as RuleFilter), family: env.family === 'inet6' ? 'inet6' : 'inet' };
}

async function show(words: Words, env: IpEnv): Promise<void> {
  const list = await makeRules(env.route).list(filterOf(words, env));
  const p = listPrinter(env);
  for (const r of list) printRule(p, r, env.details > 0);
  p.finish();
}

async function flush(words: Words, env: IpEnv): Promise<void> {
  flushDone(env, await makeRules(env.route).flush(filterOf(words, env)), 'rules');
}

function writer(name: 'add' | 'delete', synopsis: string): IpCommand {
  const parseSpec = (words: Words, env: IpEnv): RuleSpec => {
    const spec = parse(words, false);
    if (env.family === 'inet6') spec.family = 'inet6';
    return spec;
  };
  const call = (env: IpEnv, arg: RuleSpec | RuleSpec[]) => (makeRules(env.route)[name] as (a: RuleSpec | RuleSpec[]) => Promise<unknown>)(arg);
  return {
    name, synopsis,
    run: async (words, env) => void (await call(env, parseSpec(words, env))),
    plan: (words, env): Plan => ({
      key: `rule ${name}`,
      spec: parseSpec(words, env),
      runMany: async (e, specs) => (await call(e, specs as RuleSpec[])) as { failures: { index: number; error: Error }[] },
    }),
  };
}

const USAGE = 'Usage: nlkit rule [ list [ SELECTOR ]]\n       nlkit rule { add | del } SELECTOR ACTION\n       nlkit rule { flush | list } [ SELECTOR ]';

export const rule: IpObject = {
  name: 'rule',
  default: 'list',
  commands: [
    // ip's order (do_iprule): list before add, delete, flush
    { name: 'list', aliases: ['lst', 'show'], synopsis: 'list [ SELECTOR ]', keywords: ['from', 'to', 'iif', 'oif', 'pref', 'table', 'protocol'], run: show },
    writer('add', 'add SELECTOR ACTION'),
    writer('delete', 'del SELECTOR ACTION'),
    { name: 'flush', synopsis: 'flush [ SELECTOR ]', run: flush },
  ],
  where: `SELECTOR := [ not ] [ from PREFIX ] [ to PREFIX ] [ tos TOS ] [ fwmark FWMARK[/MASK] ] [ iif STRING ] [ oif STRING ]
            [ pref NUMBER ] [ l3mdev ] [ uidrange NUMBER-NUMBER ] [ ipproto PROTOCOL ] [ sport [ NUMBER | NUMBER-NUMBER ] ]
            [ dport [ NUMBER | NUMBER-NUMBER ] ] [ tun_id TUN_ID ] [ protocol PROTO ]
ACTION := [ table TABLE_ID ] [ protocol PROTO ] [ realms [SRCREALM/]DSTREALM ] [ goto NUMBER ] [ suppress_prefixlength NUMBER ]
          [ suppress_ifgroup DEVGROUP ] | [ blackhole | unreachable | prohibit | nop ]
TABLE_ID := [ local | main | default | NUMBER ]
`,
};
