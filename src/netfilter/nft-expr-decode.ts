// The kernel's expressions back to builder shapes: loads, masks and comparisons folded into
// `ip.saddr(...)`-style matches (the protocol match nft puts before a field folded into it),
// immediates into the NAT statements and verdicts that use them. A sequence nlkit does not
// recognize is kept, expression by expression, as `{ kind: 'raw', expr }`: nothing is dropped.
import type { ExprAttrsSet, SetelemAttrsSet } from '../ynl/families/nftables.js';
import type {
  NftConcat, NftDynset, NftElement, NftExpr, NftFib, NftFibFlag, NftFibResult, NftLogLevel, NftMatch, NftMatchKey, NftNat, NftPorts, NftQuota, NftRateUnit, NftScalar,
} from './nft-expr.js';
import { ADDR_TYPES, defaultBurst, defaultReject, OBJECT_TYPE_NAMES, RATE_UNITS } from './nft-expr-encode.js';
import { concatTypesOf, registerWord, tupleOf } from './nft-concat.js';
import { dependencyMatch, keysAt, L4_HEADER_KEYS, MATCH_KEYS, PROTOCOL_KEYS, type KeyInfo } from './nft-expr-keys.js';
import type { NftFamily } from './nft-names.js';
import { setTypeName } from './nft-names.js';
import { decodeElements } from './nft-set-elements.js';
import { bytesValue, readU32, SET_TYPE_KINDS, VALUE_KINDS, type ValueKind } from './nft-values.js';

/** An anonymous set's contents, for the rules that look it up. */
export interface AnonSetContents {
  keyType: number;
  /** Bytes of a key: tells a set of tuples' concatenated type from a plain one. */
  keyLen?: number;
  interval: boolean;
  elements: SetelemAttrsSet[];
}

export interface DecodeContext {
  family: NftFamily;
  /** Anonymous sets of the rule's table by name ('__set0'...). */
  sets?: ReadonlyMap<string, AnonSetContents>;
}

type Data = Record<string, unknown>;

/** A register number from the spec's enum name ('reg-1', 'reg32-00') or a number. */
function regNum(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v !== 'string') return undefined;
  if (v === 'reg-verdict') return 0;
  let m = /^reg-(\d)$/.exec(v);
  if (m) return Number(m[1]);
  m = /^reg32-(\d\d)$/.exec(v);
  return m ? 8 + Number(m[1]) : undefined;
}

const dataOf = (e: ExprAttrsSet | undefined): Data | undefined => (e && typeof e.data === 'object' && e.data !== null ? (e.data as Data) : undefined);
const valueOf = (d: unknown): Buffer | undefined => {
  const v = (d as { value?: unknown } | undefined)?.value;
  return Buffer.isBuffer(v) ? v : undefined;
};
const only = (d: Data, keys: string[]): boolean => Object.keys(d).every((k) => keys.includes(k) || (k === '$unknown' && !(d.$unknown as unknown[]).length));

/** One decoded item: a builder expression and the kernel expressions it stands for. */
interface Item {
  expr: NftExpr;
  raw: ExprAttrsSet[];
  /** A transport-header field whose protocol the preceding `meta l4proto` match says. */
  candidates?: NftMatchKey[];
  /** A concatenation's or dynset's fields: the candidates of each, told apart the same way. */
  fieldCandidates?: NftMatchKey[][];
}

/** What a load puts in its register: the key candidates, the bytes loaded. */
interface Loaded {
  keys: [NftMatchKey, KeyInfo][];
  len: number;
}

function loadAt(e: ExprAttrsSet, dreg = 1): Loaded | undefined {
  const d = dataOf(e);
  if (!d || regNum(d.dreg) !== dreg) return undefined;
  if (e.name === 'payload') {
    if (!only(d, ['dreg', 'base', 'offset', 'len'])) return undefined;
    const keys = keysAt(String(d.base), Number(d.offset)).filter(([, k]) => 'payload' in k.src && Number(d.len) <= k.src.payload.len && Number(d.len) > 0);
    return keys.length ? { keys, len: Number(d.len) } : undefined;
  }
  if (e.name === 'meta' && only(d, ['dreg', 'key'])) {
    const keys = (Object.entries(MATCH_KEYS) as [NftMatchKey, KeyInfo][]).filter(([, k]) => 'meta' in k.src && k.src.meta === d.key);
    return keys.length ? { keys, len: VALUE_KINDS[keys[0][1].kind].len } : undefined;
  }
  if (e.name === 'ct' && only(d, ['dreg', 'key'])) {
    const keys = (Object.entries(MATCH_KEYS) as [NftMatchKey, KeyInfo][]).filter(([, k]) => 'ct' in k.src && k.src.ct === d.key);
    return keys.length ? { keys, len: 4 } : undefined;
  }
  return undefined;
}

/** A bitwise `reg 1 = (reg 1 & mask) ^ 0`: the mask, else undefined. */
function maskOf(e: ExprAttrsSet | undefined): Buffer | undefined {
  const d = dataOf(e);
  if (e?.name !== 'bitwise' || !d || regNum(d.sreg) !== 1 || regNum(d.dreg) !== 1) return undefined;
  if (d.op !== undefined && d.op !== 'mask-xor' && d.op !== 0) return undefined;
  const mask = valueOf(d.mask), xor = valueOf(d.xor);
  if (!mask || !xor || xor.some((b) => b !== 0) || mask.length !== xor.length) return undefined;
  return mask;
}

function cmpOf(e: ExprAttrsSet | undefined): { op: string; value: Buffer } | undefined {
  const d = dataOf(e);
  if (e?.name !== 'cmp' || !d || regNum(d.sreg) !== 1 || !only(d, ['sreg', 'op', 'data'])) return undefined;
  const value = valueOf(d.data);
  return value && typeof d.op === 'string' ? { op: d.op, value } : undefined;
}

/** The prefix length of a contiguous mask (undefined if it has holes). */
function maskLen(mask: Buffer): number | undefined {
  let len = 0, ended = false;
  for (const byte of mask) {
    for (let bit = 7; bit >= 0; bit--) {
      const on = (byte >> bit) & 1;
      if (on && ended) return undefined;
      if (on) len++;
      else ended = true;
    }
  }
  return len;
}

function scalar(kind: ValueKind, b: Buffer): string | number | undefined {
  const v = bytesValue(kind, b);
  return Array.isArray(v) ? undefined : v;
}

/** A match from a load at i: [key candidates, value, op, how many expressions it took]. */
function matchAt(exprs: readonly ExprAttrsSet[], i: number, ctx: DecodeContext): Item | undefined {
  const loaded = loadAt(exprs[i]);
  if (!loaded) return undefined;
  const [firstKey, info] = loaded.keys[0];
  const kind = info.kind;
  const full = VALUE_KINDS[kind].len;
  const keys = loaded.keys.map(([k]) => k);
  const make = (value: NftMatch['value'], op: 'eq' | 'neq', n: number): Item => ({
    expr: { kind: 'match', key: firstKey, op, value }, raw: exprs.slice(i, i + n), ...(keys.length > 1 ? { candidates: keys } : {}),
  });
  let j = i + 1;
  const mask = maskOf(exprs[j]);
  if (mask) j++;
  const next = exprs[j];
  if (kind === 'ctstate') {
    const c = cmpOf(next);
    if (!mask || !c || c.value.length !== 4 || c.value.some((b) => b !== 0) || (c.op !== 'neq' && c.op !== 'eq')) return undefined;
    const states = bytesValue('ctstate', mask);
    return Array.isArray(states) ? make(states, c.op === 'neq' ? 'eq' : 'neq', j + 1 - i) : undefined;
  }
  if (next?.name === 'lookup') {
    const d = dataOf(next);
    if (mask || loaded.len !== full || !d || regNum(d.sreg) !== 1 || d.dreg !== undefined || typeof d.set !== 'string') return undefined;
    const flags = Array.isArray(d.flags) ? d.flags : [];
    const op = flags.includes('invert') ? 'neq' : 'eq';
    const anon = ctx.sets?.get(d.set);
    if (!anon) return d.set.startsWith('__set') ? undefined : make(`@${d.set}`, op, j + 1 - i);
    const type = setTypeName(anon.keyType);
    // a set of another type than the field (nft never makes one): not folded
    if (type === undefined || SET_TYPE_KINDS[type] !== kind) return undefined;
    const { values, bad } = decodeElements(kind, anon.elements, anon.interval);
    return bad.length ? undefined : make({ set: values as NftElement[] }, op, j + 1 - i);
  }
  if (next?.name === 'range') {
    const d = dataOf(next);
    const a = valueOf(d?.fromData), b = valueOf(d?.toData);
    if (mask || !d || regNum(d.sreg) !== 1 || !a || !b || (d.op !== 'eq' && d.op !== 'neq') || a.length !== full || b.length !== full) return undefined;
    const x = scalar(kind, a), y = scalar(kind, b);
    return x === undefined || y === undefined ? undefined : make({ range: [x, y] }, d.op, j + 1 - i);
  }
  const c = cmpOf(next);
  if (!c) return undefined;
  if (c.op === 'gte') {
    const c2 = cmpOf(exprs[j + 1]);
    if (mask || !c2 || c2.op !== 'lte' || c.value.length !== full || c2.value.length !== full || loaded.len !== full) return undefined;
    const x = scalar(kind, c.value), y = scalar(kind, c2.value);
    return x === undefined || y === undefined ? undefined : make({ range: [x, y] }, 'eq', j + 2 - i);
  }
  if (c.op !== 'eq' && c.op !== 'neq') return undefined;
  if (kind === 'ipv4' || kind === 'ipv6') {
    let len: number | undefined;
    if (mask) len = mask.length === full && loaded.len === full && c.value.length === full ? maskLen(mask) : undefined;
    else if (loaded.len === c.value.length) len = loaded.len * 8;
    if (len === undefined) return undefined;
    const addr = Buffer.alloc(full);
    c.value.copy(addr);
    const text = scalar(kind, addr) as string;
    return make(len === full * 8 ? text : `${text}/${len}`, c.op, j + 1 - i);
  }
  if (mask || loaded.len !== full) return undefined;
  if (kind === 'ifname' ? c.value.length > full : c.value.length !== full) return undefined;
  const v = scalar(kind, c.value);
  return v === undefined ? undefined : make(v, c.op, j + 1 - i);
}

/** Loads into consecutive registers from reg 1 (a concatenation's fields): each field's candidates, and where they end. */
function fieldsAt(exprs: readonly ExprAttrsSet[], i: number): { fields: Loaded[]; next: number } | undefined {
  const fields: Loaded[] = [];
  let word = 0, j = i;
  for (; j < exprs.length; j++) {
    const d = dataOf(exprs[j]);
    const reg = regNum(d?.dreg);
    if (reg === undefined || registerWord(reg) !== word) break;
    const l = loadAt(exprs[j], reg);
    if (!l || l.len !== VALUE_KINDS[l.keys[0][1].kind].len) break;
    fields.push(l);
    word += Math.ceil(l.len / 4);
  }
  return fields.length ? { fields, next: j } : undefined;
}

/** `ip saddr . tcp dport @set` (or a tuple set) and `add @set { ip saddr ... }`. */
function keyedAt(exprs: readonly ExprAttrsSet[], i: number, ctx: DecodeContext): Item | undefined {
  const at = fieldsAt(exprs, i);
  if (!at) return undefined;
  const e = exprs[at.next], d = dataOf(e);
  if (!d) return undefined;
  const fieldCandidates = at.fields.map((f) => f.keys.map(([k]) => k));
  const keys = fieldCandidates.map((c) => c[0]);
  const raw = exprs.slice(i, at.next + 1);
  if (e.name === 'dynset') {
    const ops = ['add', 'update', 'delete'];
    if (regNum(d.sregKey) !== 1 || !ops.includes(d.op as string) || typeof d.setName !== 'string' || !only(d, ['setName', 'setId', 'op', 'sregKey', 'timeout', 'flags'])) return undefined;
    if (Array.isArray(d.flags) && d.flags.length) return undefined;
    const timeout = typeof d.timeout === 'bigint' && d.timeout > 0n ? Number(d.timeout) : undefined;
    return { expr: { kind: 'dynset', op: d.op as NftDynset['op'], set: `@${d.setName}`, keys, ...(timeout !== undefined ? { timeout } : {}) }, raw, fieldCandidates };
  }
  if (e.name !== 'lookup' || at.fields.length < 2 || regNum(d.sreg) !== 1 || d.dreg !== undefined || typeof d.set !== 'string') return undefined;
  const op = Array.isArray(d.flags) && d.flags.includes('invert') ? 'neq' : 'eq';
  const anon = ctx.sets?.get(d.set);
  if (!anon) return d.set.startsWith('__set') ? undefined : { expr: { kind: 'concat', keys, op, value: `@${d.set}` }, raw, fieldCandidates };
  const types = concatTypesOf(anon.keyType, anon.keyLen);
  if (!types || types.length !== keys.length || anon.interval) return undefined;
  const tuples = anon.elements.map((el) => (Buffer.isBuffer(el.key?.value) ? tupleOf(types, el.key.value) : undefined));
  if (tuples.some((t) => t === undefined)) return undefined;
  return { expr: { kind: 'concat', keys, op, value: { set: tuples as NftScalar[][] } }, raw, fieldCandidates };
}

const FIB_RESULT_NAMES: Record<string, NftFibResult> = { oif: 'oif', oifname: 'oifname', addrtype: 'type' };
const ADDR_TYPE_NAMES = new Map([...ADDR_TYPES].map(([k, v]) => [v, k]));

/** `fib saddr . iif oif missing`: a fib lookup into reg 1 and its comparison. */
function fibAt(exprs: readonly ExprAttrsSet[], i: number): Item | undefined {
  const e = exprs[i], d = dataOf(e);
  if (e?.name !== 'fib' || !d || regNum(d.dreg) !== 1 || !only(d, ['dreg', 'result', 'flags'])) return undefined;
  const result = FIB_RESULT_NAMES[String(d.result)];
  const c = cmpOf(exprs[i + 1]);
  if (!result || !c || (c.op !== 'eq' && c.op !== 'neq')) return undefined;
  const all = Array.isArray(d.flags) ? d.flags : [];
  const flags = all.filter((f): f is NftFibFlag => f !== 'present');
  if (flags.some((f) => !['saddr', 'daddr', 'mark', 'iif', 'oif'].includes(f))) return undefined;
  let value: NftFib['value'] | undefined;
  if (all.includes('present')) {
    const n = c.value.length === 4 ? readU32(c.value) : undefined;
    value = n === 0 ? 'missing' : n === 1 ? 'exists' : undefined;
  } else if (result === 'type') value = c.value.length === 4 ? ADDR_TYPE_NAMES.get(readU32(c.value)) : undefined;
  else if (result === 'oifname') value = scalar('ifname', c.value);
  else value = c.value.length === 4 ? readU32(c.value) : undefined;
  if (value === undefined) return undefined;
  return { expr: { kind: 'fib', flags, result, op: c.op, value }, raw: exprs.slice(i, i + 2) };
}

function portsFrom(regs: Map<number, Buffer>, min: unknown, max: unknown): NftPorts | undefined | null {
  if (min === undefined) return max === undefined ? undefined : null;
  const a = regs.get(regNum(min) ?? -1), b = max === undefined ? undefined : regs.get(regNum(max) ?? -1);
  if (!a || a.length !== 2 || (max !== undefined && (!b || b.length !== 2))) return null;
  // the kernel reports max = min for a single port
  return b && !b.equals(a) ? [a.readUInt16BE(0), b.readUInt16BE(0)] : a.readUInt16BE(0);
}

/** random / fullyRandom / persistent from nf_nat_range flags; null when others are set. */
function natFlagsOf(flags: unknown): { random?: true; fullyRandom?: true; persistent?: true } | null {
  const out: { random?: true; fullyRandom?: true; persistent?: true } = {};
  for (const f of Array.isArray(flags) ? flags : []) {
    if (f === 'proto-random') out.random = true;
    else if (f === 'proto-random-fully') out.fullyRandom = true;
    else if (f === 'persistent') out.persistent = true;
    // implied by the registers given (the kernel adds them itself)
    else if (f !== 'proto-specified' && f !== 'map-ips') return null;
  }
  return out;
}

const LEVELS: NftLogLevel[] = ['emerg', 'alert', 'crit', 'err', 'warning', 'notice', 'info', 'debug', 'audit'];

/** A statement at i (with the immediates before it already in `regs`). */
function statementAt(e: ExprAttrsSet, regs: Map<number, Buffer>, ctx: DecodeContext): NftExpr | undefined {
  const d = dataOf(e) ?? {};
  switch (e.name) {
    case 'counter':
      return only(d, ['bytes', 'packets']) ? { kind: 'counter', packets: BigInt(d.packets as bigint ?? 0n), bytes: BigInt(d.bytes as bigint ?? 0n) } : undefined;
    case 'log': {
      if (!only(d, ['prefix', 'level', 'group', 'snaplen', 'qthreshold']) || (d.level !== undefined && !LEVELS.includes(d.level as NftLogLevel))) return undefined;
      const out: NftExpr = { kind: 'log' };
      if (d.prefix !== undefined) out.prefix = String(d.prefix);
      // the kernel reports its default level (warning) when none was given
      if (d.level !== undefined && d.level !== 'warning' && d.group === undefined) out.level = d.level as NftLogLevel;
      if (d.group !== undefined) out.group = Number(d.group);
      if (d.snaplen !== undefined) out.snaplen = Number(d.snaplen);
      return out;
    }
    case 'limit': {
      const per = Object.entries(RATE_UNITS).find(([, v]) => v === d.unit)?.[0] as NftRateUnit | undefined;
      const flags = Array.isArray(d.flags) ? d.flags : [];
      if (!per || typeof d.rate !== 'bigint' || d.rate > BigInt(Number.MAX_SAFE_INTEGER) || flags.some((f) => f !== 'inv')) return undefined;
      const bytes = d.type === 'pkt-bytes';
      const out: NftExpr = { kind: 'limit', rate: Number(d.rate), per };
      if (d.burst !== undefined && d.burst !== defaultBurst(bytes)) out.burst = Number(d.burst);
      if (bytes) out.bytes = true;
      if (flags.includes('inv')) out.over = true;
      return out;
    }
    case 'masq':
    case 'redir': {
      const ports = portsFrom(regs, d.regProtoMin, d.regProtoMax);
      const flags = natFlagsOf(d.flags);
      if (ports === null || flags === null || !only(d, ['regProtoMin', 'regProtoMax', 'flags'])) return undefined;
      return { kind: e.name === 'masq' ? 'masquerade' : 'redirect', ...(ports !== undefined ? { ports } : {}), ...flags };
    }
    case 'nat': {
      const fam = d.family === 2 ? 'ip' : d.family === 10 ? 'ip6' : undefined;
      const kind = d.type === 0 ? 'snat' : d.type === 1 ? 'dnat' : undefined;
      const flags = natFlagsOf(d.flags);
      const ports = portsFrom(regs, d.regProtoMin, d.regProtoMax);
      if (!fam || !kind || flags === null || ports === null) return undefined;
      const vk = fam === 'ip' ? 'ipv4' : 'ipv6';
      const addrOf = (r: unknown) => (r === undefined ? undefined : regs.get(regNum(r) ?? -1));
      const a = addrOf(d.regAddrMin), b = addrOf(d.regAddrMax);
      if ((d.regAddrMin !== undefined && !a) || (d.regAddrMax !== undefined && !b)) return undefined;
      const out: NftNat = { kind };
      if (a) {
        const x = scalar(vk, a), y = b ? scalar(vk, b) : undefined;
        if (x === undefined || (b && y === undefined)) return undefined;
        out.addr = b && !b.equals(a) ? [x as string, y as string] : (x as string);
      }
      // the family is said only where the address or the table does not say it
      const implied = a ? fam : ctx.family === 'ip' || ctx.family === 'ip6' ? ctx.family : undefined;
      if (implied !== fam) out.family = fam;
      if (ports !== undefined) out.ports = ports;
      return { ...out, ...flags };
    }
    case 'reject': {
      const code = Number(d.icmpCode ?? 0);
      if (d.type === 'tcp-rst') return { kind: 'reject', with: 'tcp-reset' };
      const def = defaultReject(ctx.family);
      if (d.type === def.type && code === def.icmpCode) return { kind: 'reject' };
      if (d.type === 'icmpx-unreach') return { kind: 'reject', with: { icmpx: code } };
      if (d.type === 'icmp-unreach') return { kind: 'reject', with: { icmp: code } };
      return undefined;
    }
    case 'objref': {
      const type = typeof d.immType === 'number' ? OBJECT_TYPE_NAMES.get(d.immType) : undefined;
      return type && typeof d.immName === 'string' && only(d, ['immType', 'immName']) ? { kind: 'objref', type, name: d.immName } : undefined;
    }
    case 'quota': {
      const flags = Array.isArray(d.flags) ? d.flags : [];
      if (typeof d.bytes !== 'bigint' || d.bytes > BigInt(Number.MAX_SAFE_INTEGER) || flags.some((f) => f !== 'invert' && f !== 'depleted')) return undefined;
      const out: NftQuota = { kind: 'quota', bytes: Number(d.bytes) };
      if (flags.includes('invert')) out.over = true;
      if (typeof d.consumed === 'bigint' && d.consumed > 0n) out.used = Number(d.consumed);
      return out;
    }
    case 'flow_offload':
      return typeof d.name === 'string' && only(d, ['name']) ? { kind: 'flow', flowtable: d.name } : undefined;
    case 'immediate': {
      const v = (d.data as { verdict?: { code?: unknown; chain?: unknown } } | undefined)?.verdict;
      if (regNum(d.dreg) !== 0 || !v) return undefined;
      const code = v.code;
      if (code === 'jump' || code === 'goto') return typeof v.chain === 'string' ? { kind: 'verdict', verdict: code, chain: v.chain } : undefined;
      if (code === 'accept' || code === 'drop' || code === 'continue' || code === 'return') return { kind: 'verdict', verdict: code };
      return undefined;
    }
  }
  return undefined;
}

/**
 * A concatenation's fields told apart by the protocols matched before (nft writes each
 * field's dependency first): those dependencies fold into it. A field that cannot be told
 * apart leaves the whole sequence raw.
 */
function withFields(it: Item, e: NftConcat | NftDynset, established: Map<string, unknown>, depOf: DepOf, absorb: Absorb): Item[] {
  const keys: NftMatchKey[] = [];
  for (const cands of it.fieldCandidates!) {
    const ok = cands.filter((k) => {
      const d = depOf(k);
      return !d || established.get(d.key) === d.value;
    });
    if (ok.length !== 1 && cands.length > 1) return it.raw.map((r) => ({ expr: { kind: 'raw', expr: r }, raw: [r] }));
    keys.push(ok[0] ?? cands[0]);
  }
  let raw = it.raw;
  for (const d of keys.map(depOf)) if (d) raw = absorb(d.key, raw);
  return [{ expr: { ...e, keys }, raw }];
}

type DepOf = (k: NftMatchKey) => { key: NftMatchKey; value: string } | undefined;
type Absorb = (depKey: string, raw: ExprAttrsSet[]) => ExprAttrsSet[];

/** Items after which nft still leaves a dependency out of its listing: matches; a statement ends its dependency context. */
const KEEPS_CONTEXT: readonly string[] = ['match', 'concat', 'fib'];

/**
 * Folds the protocol match a field depends on into the field (`meta l4proto tcp` + th dport
 * = tcp dport), as nft leaves it out of its listing: also when other matches come between,
 * not after a statement; `ip protocol tcp` / `ip6 nexthdr tcp` in ip and ip6 tables (nft
 * keeps them in the others).
 */
function foldDependencies(items: Item[], family: NftFamily): Item[] {
  const out: Item[] = [];
  // protocol matches seen so far: nft writes a field's dependency once per rule
  const established = new Map<string, unknown>();
  // the match that said each, while nft would leave it out of the listing
  const providers = new Map<string, Item>();
  const depOf: DepOf = (k) => {
    const dep = MATCH_KEYS[k].dep;
    return dep && dependencyMatch(dep, family);
  };
  const absorb: Absorb = (depKey, raw) => {
    const p = providers.get(depKey);
    providers.delete(depKey);
    const i = p ? out.lastIndexOf(p) : -1;
    if (i < 0) return raw;
    out.splice(i, 1);
    return [...p!.raw, ...raw];
  };
  const place = (x: Item): void => {
    out.push(x);
    if (!KEEPS_CONTEXT.includes(x.expr.kind)) return void providers.clear();
    if (x.expr.kind !== 'match') return;
    const { key, op, value } = x.expr;
    const says = op === 'eq' && typeof value === 'string';
    if (PROTOCOL_KEYS.includes(key)) {
      if (says) {
        established.set(key, value);
        providers.set(key, x);
      } else {
        established.delete(key);
        providers.delete(key);
      }
    }
    if (L4_HEADER_KEYS.includes(key) && says) {
      established.set('meta.l4proto', value);
      if (family === 'ip' || family === 'ip6') providers.set('meta.l4proto', x);
      else providers.delete('meta.l4proto');
    }
  };
  for (const it of items) {
    const prev = out[out.length - 1];
    if (it.expr.kind === 'reject' && it.expr.with === 'tcp-reset' && prev?.expr.kind === 'match' && prev.expr.key === 'meta.l4proto' && prev.expr.op === 'eq' && prev.expr.value === 'tcp' && prev.raw.length === 2) {
      out.pop();
      place({ expr: it.expr, raw: [...prev.raw, ...it.raw] });
      continue;
    }
    if (it.fieldCandidates && (it.expr.kind === 'concat' || it.expr.kind === 'dynset')) {
      for (const x of withFields(it, it.expr, established, depOf, absorb)) place(x);
      continue;
    }
    const m = it.expr.kind === 'match' ? it.expr : undefined;
    if (m) {
      const keys = it.candidates ?? [m.key];
      const chosen = keys.find((k) => {
        const d = depOf(k);
        return d && established.get(d.key) === d.value;
      });
      if (chosen) {
        place({ expr: { ...m, key: chosen }, raw: absorb(depOf(chosen)!.key, it.raw) });
        continue;
      }
      // a transport field with no protocol match before it cannot be told apart: kept as it is
      if (it.candidates) {
        for (const r of it.raw) place({ expr: { kind: 'raw', expr: r }, raw: [r] });
        continue;
      }
    }
    place(it);
  }
  return out;
}

/** A rule's expressions as builder expressions. */
export function decodeRule(exprs: readonly ExprAttrsSet[], ctx: DecodeContext): NftExpr[] {
  const items: Item[] = [];
  // immediates into data registers wait for the statement that reads them
  let pending: ExprAttrsSet[] = [];
  const regs = new Map<number, Buffer>();
  const flush = () => {
    for (const r of pending) items.push({ expr: { kind: 'raw', expr: r }, raw: [r] });
    pending = [];
    regs.clear();
  };
  for (let i = 0; i < exprs.length;) {
    const e = exprs[i];
    const d = dataOf(e);
    if (e?.name === 'immediate' && d && (regNum(d.dreg) ?? 0) > 0 && valueOf(d.data)) {
      pending.push(e);
      regs.set(regNum(d.dreg)!, valueOf(d.data)!);
      i++;
      continue;
    }
    const m = fibAt(exprs, i) ?? keyedAt(exprs, i, ctx) ?? matchAt(exprs, i, ctx);
    if (m) {
      flush();
      items.push(m);
      i += m.raw.length;
      continue;
    }
    const s = statementAt(e, regs, ctx);
    if (s && (pending.length === 0 || e.name === 'nat' || e.name === 'masq' || e.name === 'redir')) {
      items.push({ expr: s, raw: [...pending, e] });
      pending = [];
      regs.clear();
    } else {
      flush();
      items.push({ expr: s ?? { kind: 'raw', expr: e }, raw: [e] });
    }
    i++;
  }
  flush();
  return foldDependencies(items, ctx.family).map((it) => it.expr);
}
