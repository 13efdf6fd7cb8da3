// The ruleset in nft's own syntax, as `nft list ruleset` prints it (tabs, `type ... hook ...
// priority NAME; policy ...;`, one rule a line), readable back by `nft -f` for what nlkit
// recognizes; an unrecognized expression prints as a comment-like `<raw NAME>`.
import type { NftElement, NftExpr, NftMatch, NftMatchKey, NftNatFlags, NftPorts } from './nft-expr.js';
import { defaultBurst } from './nft-expr-encode.js';
import { priorityText, type NftFamily } from './nft-names.js';
import type { NftChain, NftElementExpiry, NftRule, NftRuleset, NftSet, NftSetElement, NftTable } from './nft-objects.js';
import type { NftFlowtable, NftObject } from './nft-stateful.js';

/** How nft names a field: `ip saddr`, `tcp dport`, `iifname` (meta's interface keys stand alone). */
const FIELD: Partial<Record<NftMatch['key'], string>> = {
  'meta.iifname': 'iifname', 'meta.oifname': 'oifname', 'meta.iif': 'iif', 'meta.oif': 'oif',
};

const hex32 = (n: number): string => `0x${n.toString(16).padStart(8, '0')}`;

function scalar(key: NftMatch['key'], v: unknown): string {
  if (typeof v === 'string' && (key === 'meta.iifname' || key === 'meta.oifname')) return JSON.stringify(v);
  if (typeof v === 'number' && (key === 'meta.mark' || key === 'ct.mark')) return hex32(v);
  return String(v);
}

function element(key: NftMatch['key'], v: NftElement): string {
  if (typeof v === 'object' && v !== null && 'range' in v) return `${scalar(key, v.range[0])}-${scalar(key, v.range[1])}`;
  return scalar(key, v);
}

function value(m: NftMatch): string {
  const v = m.value;
  if (Array.isArray(v)) return v.join(',');
  if (typeof v === 'object' && v !== null && 'set' in v) return `{ ${v.set.map((e) => element(m.key, e)).join(', ')} }`;
  return element(m.key, v as NftElement);
}

const field = (k: NftMatchKey): string => FIELD[k] ?? k.replace('.', ' ');
const fields = (keys: readonly NftMatchKey[]): string => keys.map(field).join(' . ');
const tuple = (keys: readonly NftMatchKey[], t: readonly unknown[]): string => t.map((v, i) => scalar(keys[i], v)).join(' . ');

/** nft's byte amounts: bytes, kbytes or mbytes, the largest that divides them (src/statement.c get_rate). */
export function byteUnits(n: number): [number, 'bytes' | 'kbytes' | 'mbytes'] {
  let unit = 0;
  while (unit < 2 && n > 0 && n % 1024 === 0) {
    n /= 1024;
    unit++;
  }
  return [n, (['bytes', 'kbytes', 'mbytes'] as const)[unit]];
}

/** nft's times: `1h30m`, `1m`, `500ms` (src/datatype.c time_print: days, hours, minutes, seconds, ms). */
export function timeText(ms: number): string {
  const parts: string[] = [];
  let rest = ms;
  for (const [unit, size] of [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1000], ['ms', 1]] as const) {
    const n = Math.floor(rest / size);
    if (n) parts.push(`${n}${unit}`);
    rest -= n * size;
  }
  return parts.join('') || '0s';
}

/** nft's order of set flags (src/rule.c set_print_declaration). */
const SET_FLAG_ORDER = ['constant', 'dynamic', 'interval', 'timeout'];

/** A limit's rate and burst as nft writes them: `10/second burst 3 packets`, `2 kbytes/second burst 1000 bytes`. */
export function limitText(l: { rate: number; per: string; burst?: number; bytes?: boolean; over?: boolean }): string {
  const burst = l.burst !== undefined && l.burst !== defaultBurst(l.bytes) ? ` burst ${l.bytes ? byteUnits(l.burst).join(' ') : `${l.burst} packets`}` : '';
  return `rate ${l.over ? 'over ' : ''}${l.bytes ? byteUnits(l.rate).join(' ') : l.rate}/${l.per}${burst}`;
}

const ports = (p: NftPorts): string => (Array.isArray(p) ? `${p[0]}-${p[1]}` : String(p));

function natFlags(e: NftNatFlags): string {
  const f = [...(e.random ? ['random'] : []), ...(e.fullyRandom ? ['fully-random'] : []), ...(e.persistent ? ['persistent'] : [])];
  return f.length ? ` ${f.join(',')}` : '';
}

/** One expression in nft's words. */
export function exprText(e: NftExpr, family: NftFamily): string {
  switch (e.kind) {
    case 'match':
      return `${FIELD[e.key] ?? e.key.replace('.', ' ')} ${e.op === 'neq' ? '!= ' : ''}${value(e)}`;
    case 'counter':
      return `counter packets ${e.packets ?? 0n} bytes ${e.bytes ?? 0n}`;
    case 'log':
      return ['log', e.prefix !== undefined ? `prefix ${JSON.stringify(e.prefix)}` : '', e.level ? `level ${e.level === 'warning' ? 'warn' : e.level}` : '',
        e.group !== undefined ? `group ${e.group}` : '', e.snaplen !== undefined ? `snaplen ${e.snaplen}` : ''].filter(Boolean).join(' ');
    case 'limit':
      return `limit ${limitText(e)}`;
    case 'masquerade':
    case 'redirect':
      return `${e.kind}${e.ports !== undefined ? ` to :${ports(e.ports)}` : ''}${natFlags(e)}`;
    case 'snat':
    case 'dnat': {
      const fam = family === 'inet' && e.family ? ` ${e.family}` : '';
      const addr = Array.isArray(e.addr) ? `${e.addr[0]}-${e.addr[1]}` : e.addr ?? '';
      const host = addr.includes(':') && e.ports !== undefined ? `[${addr}]` : addr;
      return `${e.kind}${fam} to ${host}${e.ports !== undefined ? `:${ports(e.ports)}` : ''}${natFlags(e)}`;
    }
    case 'reject': {
      const w = e.with;
      if (w === undefined) return 'reject';
      if (w === 'tcp-reset') return 'reject with tcp reset';
      return 'icmpx' in w ? `reject with icmpx ${w.icmpx}` : `reject with ${family === 'ip6' ? 'icmpv6' : 'icmp'} ${w.icmp}`;
    }
    case 'verdict':
      return e.chain !== undefined ? `${e.verdict} ${e.chain}` : e.verdict;
    case 'objref':
      return `${e.type} name ${JSON.stringify(e.name)}`;
    case 'quota':
      return `quota ${e.over ? 'over ' : ''}${byteUnits(e.bytes).join(' ')}${e.used ? ` used ${byteUnits(e.used).join(' ')}` : ''}`;
    case 'fib':
      return `fib ${e.flags.join(' . ')} ${e.result}${e.op === 'neq' ? ' !=' : ''} ${e.result === 'oifname' ? JSON.stringify(e.value) : String(e.value)}`;
    case 'concat': {
      const v = e.value;
      return `${fields(e.keys)} ${e.op === 'neq' ? '!= ' : ''}${typeof v === 'string' ? v : `{ ${v.set.map((t) => tuple(e.keys, t)).join(', ')} }`}`;
    }
    case 'dynset':
      return `${e.op} ${e.set} { ${fields(e.keys)}${e.timeout !== undefined ? ` timeout ${timeText(e.timeout)}` : ''} }`;
    case 'flow':
      return `flow add @${e.flowtable}`;
    case 'raw':
      return `<raw ${String(e.expr.name ?? '?')}>`;
  }
}

export function ruleText(r: NftRule, handles = false): string {
  const parts = r.expr.map((e) => exprText(e, r.family));
  if (r.comment !== undefined) parts.push(`comment ${JSON.stringify(r.comment)}`);
  return `${parts.join(' ')}${handles ? ` # handle ${r.handle}` : ''}`;
}

/** ` timeout 10s expires 9s616ms`, after an element's key as nft prints it. */
const expiryText = (x: NftElementExpiry | null | undefined): string =>
  (x?.timeout !== undefined ? ` timeout ${timeText(x.timeout)}` : '') + (x?.expires !== undefined ? ` expires ${timeText(x.expires)}` : '');

function setElementText(s: NftSet, e: NftSetElement, x?: NftElementExpiry | null): string {
  if (Array.isArray(e)) return e.join(' . ') + expiryText(x);
  // a match key whose values print as the type's do (quoted names, hex marks)
  const like = (type: unknown): NftMatch['key'] => (type === 'ifname' ? 'meta.iifname' : type === 'mark' ? 'meta.mark' : 'ip.saddr');
  const key = like(s.type);
  if (typeof e === 'object' && e !== null && 'key' in e) {
    const v = e.value;
    const data = typeof v === 'object' && v !== null && 'kind' in v ? exprText(v, s.family) : element(like(s.map), v as NftElement);
    return `${element(key, e.key)}${expiryText(x)} : ${data}`;
  }
  return element(key, e) + expiryText(x);
}

function setText(s: NftSet, handles: boolean): string[] {
  const kind = s.map !== undefined ? 'map' : 'set';
  const lines = [`\t${kind} ${s.name} {${handles ? ` # handle ${s.handle}` : ''}`, `\t\ttype ${Array.isArray(s.type) ? s.type.join(' . ') : s.type}${s.map !== undefined ? ` : ${s.map}` : ''}`];
  if (s.size !== undefined) lines.push(`\t\tsize ${s.size}`);
  const flags = SET_FLAG_ORDER.filter((f) => s.flags.includes(f as NftSet['flags'][number]));
  // nft leaves out a lone timeout flag when the set has a default timeout (it says as much)
  if (flags.length && !(s.timeout !== undefined && flags.length === 1 && flags[0] === 'timeout')) lines.push(`\t\tflags ${flags.join(',')}`);
  if (s.timeout !== undefined) lines.push(`\t\ttimeout ${timeText(s.timeout)}`);
  if (s.elements?.length) {
    // nft's calculate_delim: a line break after every 2 addresses, 16 numbers, each other value
    const per = s.type === 'ipv4_addr' ? 2 : ['inet_service', 'inet_proto', 'mark', 'nf_proto', 'iface_index'].includes(String(s.type)) ? 16 : 1;
    const text = s.elements.map((e, i) => (i === 0 ? '' : i % per === 0 ? ',\n\t\t\t     ' : ', ') + setElementText(s, e, s.expiry?.[i])).join('');
    lines.push(`\t\telements = { ${text} }`);
  }
  lines.push('\t}');
  return lines;
}

function objectText(o: NftObject, handles: boolean): string[] {
  const head = `\t${o.type} ${o.name} {${handles ? ` # handle ${o.handle}` : ''}`;
  let body: string;
  if (o.type === 'counter') body = `packets ${o.packets} bytes ${o.bytes}`;
  else if (o.type === 'quota') body = `${o.over ? 'over ' : ''}${byteUnits(o.bytes).join(' ')}${o.used ? ` used ${byteUnits(o.used).join(' ')}` : ''}`;
  else body = limitText(o);
  return [head, `\t\t${body}`, '\t}'];
}

function flowtableText(f: NftFlowtable, handles: boolean): string[] {
  return [`\tflowtable ${f.name} {${handles ? ` # handle ${f.handle}` : ''}`, `\t\thook ${f.hook} priority ${priorityText('netdev', f.priority)}`, `\t\tdevices = { ${f.devices.join(', ')} }`, '\t}'];
}

export function chainText(c: NftChain, rules: readonly NftRule[], handles = false): string[] {
  const lines = [`\tchain ${c.name} {${handles ? ` # handle ${c.handle}` : ''}`];
  if (c.hook !== undefined) {
    const prio = c.priority === undefined ? '' : ` priority ${priorityText(c.family, c.priority, c.hook)}`;
    const dev = c.device !== undefined ? ` device ${JSON.stringify(c.device)}` : '';
    lines.push(`\t\ttype ${c.type ?? 'filter'} hook ${c.hook}${dev}${prio}; policy ${c.policy ?? 'accept'};`);
  }
  for (const r of rules) lines.push(`\t\t${ruleText(r, handles)}`);
  lines.push('\t}');
  return lines;
}

/**
 * A table as nft lists it; `listing`: as `nft list chains|sets|counters...` and `list chain|set`
 * print one kind of object, close together, the table without its handle.
 */
export function tableText(t: NftTable, rs: NftRuleset, handles = false, listing = false): string {
  const mine = <T extends { family: string; table: string }>(x: T) => x.family === t.family && x.table === t.name;
  const blocks: string[][] = [];
  for (const o of rs.objects.filter(mine)) blocks.push(objectText(o, handles));
  for (const s of rs.sets.filter(mine)) if (!s.flags.includes('anonymous')) blocks.push(setText(s, handles));
  for (const f of rs.flowtables.filter(mine)) blocks.push(flowtableText(f, handles));
  for (const c of rs.chains.filter(mine)) blocks.push(chainText(c, rs.rules.filter((r) => mine(r) && r.chain === c.name), handles));
  const head = `table ${t.family} ${t.name} {${handles && !listing ? ` # handle ${t.handle}` : ''}`;
  const flags = t.flags.length ? [`\tflags ${t.flags.join(',')}`] : [];
  return [head, ...flags, blocks.map((b) => b.join('\n')).join(listing ? '\n' : '\n\n'), '}'].filter((l) => l !== '').join('\n') + '\n';
}

export function rulesetText(rs: NftRuleset, handles = false): string {
  return rs.tables.map((t) => tableText(t, rs, handles)).join('');
}
