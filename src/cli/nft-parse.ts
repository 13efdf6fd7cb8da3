// nft's command words to nlkit's commands: `add rule ip t c ip saddr 10.0.0.0/24 oifname
// "eth0" counter masquerade`, `add chain ip t c { type nat hook postrouting priority srcnat;
// policy accept; }`, `delete rule ip t c handle 4`, `list ruleset`... The rule grammar covers
// what the expression builder has.
import { UsageError } from './args.js';
import {
  accept, counter, ct, dnat, drop, goto, ip, ip6, jump, limit, log, masquerade, meta, redirect, reject, snat, tcp, udp,
  type NftCommand, type NftElement, type NftExpr, type NftFamily, type NftRange,
} from '../netfilter/index.js';
import { concat, dynset, fib, flow, objref, quota, type NftFibFlag, type NftFibResult, type NftMatchKey, type NftScalar } from '../netfilter/index.js';
import type { NftLogLevel, NftNatFlags, NftPorts, NftRateUnit } from '../netfilter/nft-expr.js';
import type { NftSetElementSpec, NftSetFlag, NftTableFlag } from '../netfilter/nft-commands.js';
import type { NftSetType } from '../netfilter/nft-names.js';

const FAMILIES = ['ip', 'ip6', 'inet', 'arp', 'bridge', 'netdev'];

/** nft's tokens: words, "quoted strings" (unquoted), and { } ; , : as their own tokens. */
export function tokenize(argv: readonly string[], quoted?: Set<number>): string[] {
  const text = argv.join(' ');
  const out: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|([{};,])|([^\s{};,"]+)/g;
  // a quoted string's \" and \\ are the quote and the backslash (as the printer writes them)
  for (let m = re.exec(text); m; m = re.exec(text)) {
    // `quoted`: the indexes of quoted words that start with '$' (a script's "$x" is no variable)
    if (quoted && m[1] !== undefined && m[1][0] === '$') quoted.add(out.length);
    out.push(m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : m[2] ?? m[3]);
  }
  return out;
}

class Tokens {
  i = 0;
  constructor(readonly t: string[]) {}
  get done(): boolean {
    return this.i >= this.t.length;
  }
  peek(k = 0): string | undefined {
    return this.t[this.i + k];
  }
  next(what: string): string {
    if (this.done) throw new UsageError(`missing ${what}`);
    return this.t[this.i++];
  }
  accept(w: string): boolean {
    if (this.t[this.i] !== w) return false;
    this.i++;
    return true;
  }
  expect(w: string): void {
    if (!this.accept(w)) throw new UsageError(`expected "${w}"${this.done ? '' : `, got "${this.peek()}"`}`);
  }
  end(): void {
    if (!this.done) throw new UsageError(`unexpected "${this.peek()}"`);
  }
}

/** An optional family word (nft's default is ip). */
function family(t: Tokens): NftFamily {
  const w = t.peek();
  if (w !== undefined && FAMILIES.includes(w)) {
    t.i++;
    return w as NftFamily;
  }
  return 'ip';
}

const num = (w: string, what: string): number => {
  if (!/^(0x[0-9a-f]+|-?\d+)$/i.test(w)) throw new UsageError(`${what} must be a number, got "${w}"`);
  return Number(w);
};

/** A value of a match: a number where the field is numeric, else the word. */
function scalar(w: string, numeric: boolean): string | number {
  return numeric && /^(0x[0-9a-f]+|\d+)$/i.test(w) ? Number(w) : w;
}

/** `a-b` as a range (ports, addresses; not prefixes or names with dashes). */
function elementOf(w: string, numeric: boolean, addr: boolean): NftElement {
  const m = /^([^-]+)-([^-]+)$/.exec(w);
  if (m && (numeric || addr) && !w.includes('/')) return { range: [scalar(m[1], numeric), scalar(m[2], numeric)] } as NftRange;
  return scalar(w, numeric);
}

type MatchFn = (v: never, op?: '==' | '!=') => NftExpr;

const FIELDS: Record<string, Record<string, [MatchFn, 'num' | 'addr' | 'word']>> = {
  ip: { saddr: [ip.saddr, 'addr'], daddr: [ip.daddr, 'addr'], protocol: [ip.protocol, 'word'] },
  ip6: { saddr: [ip6.saddr, 'addr'], daddr: [ip6.daddr, 'addr'], nexthdr: [ip6.nexthdr, 'word'] },
  tcp: { sport: [tcp.sport, 'num'], dport: [tcp.dport, 'num'] },
  udp: { sport: [udp.sport, 'num'], dport: [udp.dport, 'num'] },
  meta: {
    iifname: [meta.iifname, 'word'], oifname: [meta.oifname, 'word'], iif: [meta.iif, 'num'], oif: [meta.oif, 'num'], l4proto: [meta.l4proto, 'word'],
    mark: [meta.mark, 'num'], nfproto: [meta.nfproto, 'word'], protocol: [meta.protocol, 'word'],
  },
  ct: { mark: [ct.mark, 'num'] },
};

/** Meta keys nft takes without `meta`. */
const BARE_META = ['iifname', 'oifname', 'iif', 'oif', 'mark', 'l4proto'];

function matchValue(t: Tokens, kind: 'num' | 'addr' | 'word'): unknown {
  const numeric = kind === 'num';
  if (t.accept('{')) {
    const set: NftElement[] = [];
    while (!t.accept('}')) {
      set.push(elementOf(t.next('a set element'), numeric, kind === 'addr'));
      t.accept(',');
    }
    return set;
  }
  return elementOf(t.next('a value'), numeric, kind === 'addr');
}

function ports(w: string): NftPorts {
  const m = /^(\d+)(?:-(\d+))?$/.exec(w);
  if (!m) throw new UsageError(`expected a port or PORT-PORT, got "${w}"`);
  return m[2] === undefined ? Number(m[1]) : [Number(m[1]), Number(m[2])];
}

const NAT_FLAGS: Record<string, keyof NftNatFlags> = { random: 'random', 'fully-random': 'fullyRandom', persistent: 'persistent' };

/** `random,fully-random,persistent` (the tokenizer splits at the commas). */
function natFlags(t: Tokens): NftNatFlags {
  const f: NftNatFlags = {};
  for (;;) {
    const w = t.peek();
    if (w === undefined || !Object.hasOwn(NAT_FLAGS, w)) return f;
    t.i++;
    f[NAT_FLAGS[w]] = true;
    if (t.peek() === ',' && Object.hasOwn(NAT_FLAGS, t.peek(1) ?? '')) t.i++;
  }
}

/** `to ADDR[:PORTS]`, `to [ADDR6]:PORTS`, `to :PORTS`. */
function natTarget(t: Tokens): { addr?: string | [string, string]; ports?: NftPorts } {
  if (!t.accept('to')) return {};
  const w = t.next('a NAT target');
  let addr: string, portText: string | undefined;
  const v6 = /^\[([^\]]+)\](?::(.+))?$/.exec(w);
  if (v6) [addr, portText] = [v6[1], v6[2]];
  else if (w.split(':').length === 2) [addr, portText] = w.split(':') as [string, string];
  else addr = w;
  const out: { addr?: string | [string, string]; ports?: NftPorts } = {};
  if (addr) {
    const r = /^([^-]+)-([^-]+)$/.exec(addr);
    out.addr = r ? [r[1], r[2]] : addr;
  }
  if (portText !== undefined) out.ports = ports(portText);
  return out;
}

const LEVELS: Record<string, NftLogLevel> = { emerg: 'emerg', alert: 'alert', crit: 'crit', err: 'err', warn: 'warning', warning: 'warning', notice: 'notice', info: 'info', debug: 'debug', audit: 'audit' };

/** One expression (or a rule comment, returned as such) from the tokens. */
function expression(t: Tokens): NftExpr | { comment: string } {
  const w = t.next('an expression');
  const op = () => (t.accept('!=') ? '!=' : (t.accept('=='), '=='));
  const field = (proto: string, name: string): NftExpr => {
    const f = FIELDS[proto]?.[name];
    if (!f) throw new UsageError(`unknown field "${proto} ${name}"`);
    // not values to match: say so rather than take the word for one
    const next = t.peek();
    if (next === 'set' || next === 'vmap' || next === 'map') throw new UsageError(`"${proto} ${name} ${next}" is not supported (nlkit nft matches fields; it has no ${next} statement)`);
    if (next === '.') return concatMatch(t, [keyOf(proto, name)], op);
    const o = op();
    return f[0](matchValue(t, f[1]) as never, o);
  };
  if (w in FIELDS && w !== 'ct') return field(w, t.next(`a ${w} field`));
  if (BARE_META.includes(w)) return field('meta', w);
  switch (w) {
    case 'ct': {
      const key = t.next('a ct key');
      if (key === 'state') {
        const o = op();
        const states = [t.next('ct states')];
        while (t.accept(',')) states.push(t.next('a ct state'));
        return ct.state(states as never, o);
      }
      return field('ct', key);
    }
    case 'counter':
      if (t.accept('name')) return counter(t.next('a counter name'));
      // `counter packets N bytes N` as nft lists it: the counts are the kernel's to keep
      if (t.accept('packets')) t.next('packets');
      if (t.accept('bytes')) t.next('bytes');
      return counter();
    case 'log': {
      const o: { prefix?: string; level?: NftLogLevel; group?: number; snaplen?: number } = {};
      for (;;) {
        if (t.accept('prefix')) o.prefix = t.next('a log prefix');
        else if (t.accept('level')) {
          const l = t.next('a log level');
          if (!LEVELS[l]) throw new UsageError(`unknown log level "${l}"`);
          o.level = LEVELS[l];
        } else if (t.accept('group')) o.group = num(t.next('a group'), 'group');
        else if (t.accept('snaplen')) o.snaplen = num(t.next('a snaplen'), 'snaplen');
        else return log(o);
      }
    }
    case 'quota': {
      if (t.accept('name')) return objref('quota', t.next('a quota name'));
      const over = t.accept('over');
      const bytes = byteAmount(t);
      // `used N UNIT`, as nft lists it: the kernel's to keep
      if (t.accept('used')) byteAmount(t);
      return quota(bytes, { over });
    }
    case 'fib': {
      const flags = [t.next('fib flags')];
      while (t.accept('.')) flags.push(t.next('a fib flag'));
      const result = t.next('a fib result (oif, oifname, type)');
      const o = op();
      const v = t.next('a fib value');
      return fib({ flags: flags as NftFibFlag[], result: result as NftFibResult }, /^\d+$/.test(v) ? Number(v) : v, o);
    }
    case 'add':
    case 'update':
    case 'delete': {
      const set = t.next('a set (@name)');
      t.expect('{');
      const keys = [fieldKey(t)];
      while (t.accept('.')) keys.push(fieldKey(t));
      const timeout = t.accept('timeout') ? duration(t.next('a timeout')) : undefined;
      t.expect('}');
      return dynset(w, set, keys, timeout === undefined ? {} : { timeout });
    }
    case 'flow':
      t.accept('add');
      return flow(t.next('a flowtable (@name)'));
    case 'limit': {
      if (t.accept('name')) return objref('limit', t.next('a limit name'));
      t.expect('rate');
      const over = t.accept('over');
      // N/UNIT (packets) or N bytes|kbytes|mbytes/UNIT
      const w = t.next('RATE/UNIT');
      const m = /^(\d+)\/(second|minute|hour|day|week)$/.exec(w);
      const o: { rate: number; per: NftRateUnit; over?: boolean; burst?: number; bytes?: boolean } = { rate: 0, per: 'second' };
      if (m) [o.rate, o.per] = [Number(m[1]), m[2] as NftRateUnit];
      else {
        const unit = /^(bytes|kbytes|mbytes)\/(second|minute|hour|day|week)$/.exec(t.next('UNIT/PERIOD'));
        if (!/^\d+$/.test(w) || !unit) throw new UsageError('limit rate takes N/second|minute|hour|day|week or N bytes|kbytes|mbytes/second...');
        [o.rate, o.per, o.bytes] = [Number(w) * BYTE_UNITS[unit[1]], unit[2] as NftRateUnit, true];
      }
      if (over) o.over = true;
      if (t.accept('burst')) {
        const n = num(t.next('a burst'), 'burst');
        const u = t.peek();
        if (u !== undefined && Object.hasOwn(BYTE_UNITS, u)) {
          t.i++;
          o.burst = n * BYTE_UNITS[u];
        } else {
          t.accept('packets');
          o.burst = n;
        }
      }
      return limit(o);
    }
    case 'masquerade':
    case 'redirect': {
      const to = natTarget(t);
      if (to.addr !== undefined) throw new UsageError(`${w} maps ports only: "to :PORT[-PORT]"`);
      const o = { ...(to.ports !== undefined ? { ports: to.ports } : {}), ...natFlags(t) };
      return w === 'masquerade' ? masquerade(o) : redirect(o);
    }
    case 'snat':
    case 'dnat': {
      const fam = t.peek() === 'ip' || t.peek() === 'ip6' ? (t.next('family') as 'ip' | 'ip6') : undefined;
      const to = natTarget(t);
      const o = { ...to, ...(fam ? { family: fam } : {}), ...natFlags(t) };
      return w === 'snat' ? snat(o) : dnat(o);
    }
    case 'reject':
      if (!t.accept('with')) return reject();
      if (t.accept('tcp')) {
        t.expect('reset');
        return reject('tcp-reset');
      }
      if (t.accept('icmpx')) return reject({ icmpx: num(t.next('a code'), 'code') });
      if (t.accept('icmp') || t.accept('icmpv6')) {
        t.accept('type');
        return reject({ icmp: num(t.next('a code'), 'code') });
      }
      throw new UsageError('reject with: tcp reset, icmp CODE or icmpx CODE');
    case 'accept': return accept();
    case 'drop': return drop();
    case 'continue': return { kind: 'verdict', verdict: 'continue' };
    case 'return': return { kind: 'verdict', verdict: 'return' };
    case 'jump': return jump(t.next('a chain'));
    case 'goto': return goto(t.next('a chain'));
    case 'comment': return { comment: t.next('a comment') };
  }
  throw new UsageError(`unknown expression "${w}"`);
}

/** A field's match key from nft's words: `ip saddr`, `tcp dport`, `iifname`, `meta mark`. */
function keyOf(proto: string, name: string): NftMatchKey {
  if (!FIELDS[proto]?.[name]) throw new UsageError(`unknown field "${proto} ${name}"`);
  return `${proto}.${name}` as NftMatchKey;
}

function fieldKey(t: Tokens): NftMatchKey {
  const w = t.next('a field');
  if (BARE_META.includes(w)) return keyOf('meta', w);
  return keyOf(w, t.next(`a ${w} field`));
}

/** The rest of `ip saddr . tcp dport [!=] @set` or `... { 10.0.0.1 . 22, ... }`. */
function concatMatch(t: Tokens, keys: NftMatchKey[], op: () => '==' | '!='): NftExpr {
  while (t.accept('.')) keys.push(fieldKey(t));
  const o = op();
  if (!t.accept('{')) return concat(keys, t.next('a set (@name) or { tuples }'), o);
  const tuples: NftScalar[][] = [];
  while (!t.accept('}')) {
    if (t.accept(',')) continue;
    tuples.push(tupleOf(t));
  }
  return concat(keys, tuples, o);
}

/** `a . b . c` as a tuple (numbers where they are digits). */
function tupleOf(t: Tokens): NftScalar[] {
  const out = [scalar(t.next('a value'), true)];
  while (t.accept('.')) out.push(scalar(t.next('a value'), true));
  return out;
}

const BYTE_UNITS: Record<string, number> = { bytes: 1, kbytes: 1024, mbytes: 1024 ** 2, gbytes: 1024 ** 3 };

/** `N bytes|kbytes|mbytes|gbytes`. */
function byteAmount(t: Tokens): number {
  const n = num(t.next('an amount'), 'amount');
  const u = t.next('a unit (bytes, kbytes, mbytes, gbytes)');
  if (!Object.hasOwn(BYTE_UNITS, u)) throw new UsageError(`unknown unit "${u}" (bytes, kbytes, mbytes, gbytes)`);
  return n * BYTE_UNITS[u];
}

/** `30s`, `500ms`, `2m`, `1h`, `1d` (a bare number: seconds) as ms. */
function duration(w: string): number {
  const m = /^(\d+)(ms|s|m|h|d)?$/.exec(w);
  if (!m) throw new UsageError('a time takes N[ms|s|m|h|d]');
  return Number(m[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[(m[2] ?? 's') as 'ms'];
}

function ruleBody(t: Tokens): { expr: NftExpr[]; comment?: string } {
  const expr: NftExpr[] = [];
  let comment: string | undefined;
  while (!t.done) {
    const e = expression(t);
    if ('comment' in e) comment = e.comment;
    else expr.push(e);
  }
  return comment === undefined ? { expr } : { expr, comment };
}

/** `{ type filter hook input priority 0; policy accept; }` (or { flags dormant; } ...) as key/values. */
function block(t: Tokens): string[][] {
  const out: string[][] = [];
  if (!t.accept('{')) return out;
  let cur: string[] = [];
  let depth = 0;
  for (;;) {
    const w = t.next('"}"');
    if (w === '}' && depth === 0) break;
    if (w === '{') depth++;
    if (w === '}') depth--;
    if (w === ';' && depth === 0) {
      if (cur.length) out.push(cur);
      cur = [];
    } else cur.push(w);
  }
  if (cur.length) out.push(cur);
  return out;
}

function chainSpec(t: Tokens, fam: NftFamily, table: string, name: string): Record<string, unknown> {
  const spec: Record<string, unknown> = { family: fam, table, name };
  for (const stmt of block(t)) {
    const s = new Tokens(stmt);
    while (!s.done) {
      const k = s.next('a chain property');
      if (k === 'type') spec.type = s.next('a chain type');
      else if (k === 'hook') spec.hook = s.next('a hook');
      else if (k === 'device') spec.device = s.next('a device');
      else if (k === 'priority') spec.priority = priorityWords(s);
      else if (k === 'policy') spec.policy = s.next('a policy');
      else throw new UsageError(`unknown chain property "${k}"`);
    }
  }
  return spec;
}

function setSpec(t: Tokens, fam: NftFamily, table: string, name: string): Record<string, unknown> {
  const spec: Record<string, unknown> = { family: fam, table, name };
  for (const stmt of block(t)) {
    const s = new Tokens(stmt);
    const k = s.next('a set property');
    if (k === 'type') {
      const types = [s.next('a key type') as NftSetType];
      while (s.accept('.')) types.push(s.next('a key type') as NftSetType);
      spec.type = types.length === 1 ? types[0] : types;
      if (s.accept(':')) spec.map = s.next('a data type');
    } else if (k === 'flags') spec.flags = s.t.slice(1).filter((x) => x !== ',') as NftSetFlag[];
    else if (k === 'timeout') spec.timeout = duration(s.next('a timeout'));
    else if (k === 'size') spec.size = num(s.next('a size'), 'size');
    else if (k === 'elements') {
      s.expect('=');
      spec.elements = elements(new Tokens(s.t.slice(s.i)));
    } else throw new UsageError(`unknown set property "${k}"`);
  }
  return spec;
}

/**
 * `{ packets N bytes N }` (counter), `{ [over] N UNIT [used N UNIT] }` (quota), `{ rate
 * [over] N/UNIT [burst N packets] }` (limit), `{ hook ingress priority P; devices = { a, b }; }` (flowtable).
 */
function statefulSpec(kind: 'counter' | 'quota' | 'limit' | 'flowtable', t: Tokens, fam: NftFamily, table: string, name: string): Record<string, unknown> {
  const spec: Record<string, unknown> = { family: fam, table, name };
  const stmts = block(t);
  if (kind === 'flowtable') {
    for (const stmt of stmts) {
      const s = new Tokens(stmt);
      const k = s.next('a flowtable property');
      if (k === 'hook') {
        spec.hook = s.next('a hook');
        if (s.accept('priority')) spec.priority = priorityWords(s);
      } else if (k === 'devices') {
        s.expect('=');
        s.expect('{');
        const devices: string[] = [];
        while (!s.accept('}')) if (!s.accept(',')) devices.push(s.next('a device'));
        spec.devices = devices;
      } else throw new UsageError(`unknown flowtable property "${k}"`);
      s.end();
    }
    return spec;
  }
  const s = new Tokens(stmts.flat());
  if (kind === 'counter') {
    if (s.accept('packets')) spec.packets = num(s.next('packets'), 'packets');
    if (s.accept('bytes')) spec.bytes = num(s.next('bytes'), 'bytes');
  } else if (kind === 'quota') {
    if (s.accept('over')) spec.over = true;
    spec.bytes = byteAmount(s);
    if (s.accept('used')) spec.used = byteAmount(s);
  } else {
    const e = expression(new Tokens(['limit', ...s.t.slice(s.i)]));
    s.i = s.t.length;
    if ('comment' in e || e.kind !== 'limit') throw new UsageError('a limit takes rate [over] N/UNIT [burst N packets]');
    const { kind: _k, ...rest } = e;
    Object.assign(spec, rest);
  }
  s.end();
  return spec;
}

/** `filter`, `-10`, `filter + 5` as a priority. */
function priorityWords(s: Tokens): number | string {
  const p = [s.next('a priority')];
  while (s.peek() === '+' || s.peek() === '-') p.push(s.next('sign'), s.next('a number'));
  const text = p.join(' ');
  return /^-?\d+$/.test(text) ? Number(text) : text;
}

/** `{ a, b-c, 10.0.0.0/8, 22 : accept }` as elements. */
function elements(t: Tokens): NftSetElementSpec[] {
  const out: NftSetElementSpec[] = [];
  t.expect('{');
  while (!t.accept('}')) {
    const w = t.next('an element');
    if (w === ',') continue;
    let key: NftElement | NftScalar[];
    if (t.peek() === '.') {
      t.i--;
      key = tupleOf(t);
    } else key = elementOf(w, /^\d+(-\d+)?$/.test(w), true);
    // `KEY timeout 30s`: the element's own timeout, as nft writes it before a map's value
    const timeout = t.accept('timeout') ? duration(t.next('a timeout')) : undefined;
    if (t.peek() === 'expires') throw new UsageError('an element\'s "expires" is not supported (its timeout is)');
    if (t.accept(':')) {
      const v = t.next('a value');
      const value = ['accept', 'drop', 'continue', 'return'].includes(v) ? ({ kind: 'verdict', verdict: v } as NftExpr)
        : v === 'jump' || v === 'goto' ? (v === 'jump' ? jump(t.next('a chain')) : goto(t.next('a chain'))) : elementOf(v, /^\d+$/.test(v), true);
      out.push({ key, value, ...(timeout === undefined ? {} : { timeout }) } as NftSetElementSpec);
    } else out.push(timeout === undefined ? key : ({ key, timeout } as NftSetElementSpec));
  }
  return out;
}

/** What a list command asks for. */
export interface NftListRequest {
  list: 'ruleset' | 'tables' | 'table' | 'chains' | 'chain' | 'sets' | 'set' | 'maps' | 'map' | NftObjectList;
  family?: NftFamily;
  table?: string;
  name?: string;
  /** `reset counters|quotas ...`: listed, and zeroed by the kernel. */
  reset?: boolean;
}

/** Named objects by kind: all of a kind (`counters`), or one (`counter FAMILY TABLE NAME`). */
export type NftObjectList = 'counters' | 'counter' | 'quotas' | 'quota' | 'limits' | 'limit' | 'flowtables' | 'flowtable';
const OBJECT_LISTS: readonly string[] = ['counters', 'counter', 'quotas', 'quota', 'limits', 'limit', 'flowtables', 'flowtable'];

/** `list|reset counters [FAMILY | table FAMILY NAME]`, `list|reset counter [FAMILY] TABLE NAME`. */
function objectList(t: Tokens, what: NftObjectList, reset: boolean): NftListRequest {
  if (reset && !['counters', 'counter', 'quotas', 'quota'].includes(what)) throw new UsageError(`cannot reset "${what}" (counters and quotas can be)`);
  const out: NftListRequest = { list: what, ...(reset ? { reset: true } : {}) };
  if (what.endsWith('s')) {
    if (t.accept('table')) {
      out.family = family(t);
      out.table = t.next('a table');
    } else if (FAMILIES.includes(t.peek() ?? '')) out.family = t.next('family') as NftFamily;
  } else {
    out.family = family(t);
    out.table = t.next('a table');
    out.name = t.next(`a ${what}`);
  }
  t.end();
  return out;
}

/** One nft command line: a change (commands for one transaction) or a listing. */
export function parseNftCommand(argv: readonly string[]): { commands: NftCommand[] } | NftListRequest {
  return parseNftTokens(tokenize(argv));
}

/** One command from nft's tokens (a command line, or one statement of a script). */
export function parseNftTokens(tokens: string[]): { commands: NftCommand[] } | NftListRequest {
  const t = new Tokens(tokens);
  const verb = t.next('a command (list, add, create, insert, replace, delete, destroy, flush)');
  const famOpt = () => (t.peek() !== undefined && FAMILIES.includes(t.peek()!) ? (t.next('family') as NftFamily) : undefined);
  if (verb === 'reset') {
    const what = t.next('what to reset (counters, quotas, counter, quota)');
    if (!OBJECT_LISTS.includes(what)) throw new UsageError(`cannot reset "${what}" (counters and quotas can be)`);
    return objectList(t, what as NftObjectList, true);
  }
  if (verb === 'list') {
    const what = t.next('what to list (ruleset, tables, table, chains, chain, sets, set, counters, quotas, limits, flowtables...)');
    if (OBJECT_LISTS.includes(what)) return objectList(t, what as NftObjectList, false);
    const out: NftListRequest = { list: what as NftListRequest['list'] };
    const f = famOpt();
    if (f) out.family = f;
    if (what === 'table') out.name = t.next('a table');
    else if (what === 'chain' || what === 'set' || what === 'map') {
      out.family ??= 'ip';
      out.table = t.next('a table');
      out.name = t.next(`a ${what}`);
    } else if (!['ruleset', 'tables', 'chains', 'sets', 'maps'].includes(what)) throw new UsageError(`cannot list "${what}"`);
    if (what === 'table') out.family ??= 'ip';
    t.end();
    return out;
  }
  if (!['add', 'create', 'insert', 'replace', 'delete', 'destroy', 'flush'].includes(verb)) throw new UsageError(`unknown command "${verb}"`);
  const object = t.next('an object (table, chain, rule, set, map, element, ruleset, counter, quota, limit, flowtable)');
  // the verb's key first, then the spec's (assigned, not spread in: once per line of a script)
  const c = (spec: Record<string, unknown>): { commands: NftCommand[] } => ({ commands: [Object.assign({ [verb]: object === 'map' ? 'set' : object }, spec) as unknown as NftCommand] });
  if (object === 'ruleset') {
    const f = famOpt();
    t.end();
    return c(f ? { family: f } : {});
  }
  const fam = family(t);
  switch (object) {
    case 'table': {
      const name = t.next('a table name');
      const spec: Record<string, unknown> = { family: fam, name };
      for (const stmt of block(t)) if (stmt[0] === 'flags') spec.flags = stmt.slice(1).filter((x) => x !== ',') as NftTableFlag[];
      t.end();
      return c(spec);
    }
    case 'chain': {
      const table = t.next('a table'), name = t.next('a chain name');
      const spec = verb === 'add' || verb === 'create' ? chainSpec(t, fam, table, name) : { family: fam, table, name };
      t.end();
      return c(spec);
    }
    case 'set':
    case 'map': {
      const table = t.next('a table'), name = t.next(`a ${object} name`);
      const spec = verb === 'add' || verb === 'create' ? setSpec(t, fam, table, name) : { family: fam, table, name };
      t.end();
      return c(spec);
    }
    case 'element': {
      const table = t.next('a table'), set = t.next('a set');
      const spec = { family: fam, table, set, elements: elements(t) };
      t.end();
      return c(spec);
    }
    case 'counter':
    case 'quota':
    case 'limit':
    case 'flowtable': {
      const table = t.next('a table'), name = t.next(`a ${object} name`);
      const spec = verb === 'add' || verb === 'create' ? statefulSpec(object, t, fam, table, name) : { family: fam, table, name };
      t.end();
      return c(spec);
    }
    case 'rule': {
      const table = t.next('a table'), chain = t.next('a chain');
      const spec: Record<string, unknown> = { family: fam, table, chain };
      if (t.accept('handle') || t.accept('position')) spec.handle = num(t.next('a handle'), 'handle');
      if (verb === 'delete' || verb === 'destroy') {
        if (spec.handle === undefined) throw new UsageError(`${verb} rule needs "handle N"`);
        t.end();
        return c(spec);
      }
      Object.assign(spec, ruleBody(t));
      return c(spec);
    }
  }
  throw new UsageError(`unknown object "${object}"`);
}
