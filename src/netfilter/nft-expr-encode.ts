// Builder expressions to the kernel's expressions, as nft writes them (the same loads,
// registers and comparisons `nft --debug=netlink` shows), plus the anonymous sets a rule's
// `{ set: [...] }` values need (added in the same batch, before the rule).
import { NetlinkArgumentError } from '../core/errors.js';
import { description as nft, type DataAttrsSet, type ExprAttrsSet, type FibFlagsEnum, type FibResultEnum, type NatRangeFlagsEnum, type ObjectTypeEnum, type SetelemAttrsSet } from '../ynl/families/nftables.js';
import { description as rtRoute } from '../ynl/families/rt-route.js';
import { prefixMaskBytes } from '../route/inet.js';
import type { NftConcat, NftDynset, NftExpr, NftFib, NftFibFlag, NftFibResult, NftMatch, NftMatchKey, NftNatFlags, NftObjectType, NftPorts, NftRange } from './nft-expr.js';
import { checkConcatKeys, concatRegisters, concatTypes, tupleBytes } from './nft-concat.js';
import { dependencyMatch, L4_HEADER_KEYS, MATCH_KEYS, PROTOCOL_KEYS, type Dependency, type KeyInfo } from './nft-expr-keys.js';
import { checkName, type NftFamily, type NftSetType } from './nft-names.js';
import { encodeElements, needsInterval } from './nft-set-elements.js';
import { bytesValue, ctStateBits, parseAddrPrefix, timeoutMs, valueBytes, VALUE_KINDS } from './nft-values.js';
import { Definitions } from '../core/definitions.js';
import { quote } from '../core/options.js';

/** An anonymous set a rule needs: created in the rule's batch, named by the kernel ('__set%d'). */
export interface AnonSet {
  id: number;
  /** A list: a set of tuples (a concatenation). */
  keyType: NftSetType | NftSetType[];
  interval: boolean;
  elements: SetelemAttrsSet[];
}

export interface EncodeContext {
  family: NftFamily;
  /** A fresh id for an anonymous set (NFTA_SET_ID, unique in the batch). */
  newSetId(): number;
  /** An interface's index by name (`meta oif 'eth0'`); without it only indexes are taken. */
  ifindex?: (name: string, option: string) => number;
}

/** Whether a value names an interface instead of giving its index. */
export const isIfName = (v: unknown): v is string => typeof v === 'string' && !/^(0x[0-9a-f]+|\d+)$/i.test(v) && !v.startsWith('@');

/** An interface match's names as indexes (nft resolves them when the rule is added, too). */
function resolveNames(m: NftMatch, ctx: EncodeContext, path: string): NftMatch {
  const one = (v: unknown, at: string): unknown => {
    if (!isIfName(v)) return v;
    if (!ctx.ifindex) throw new NetlinkArgumentError(at, `an interface name needs its namespace to be resolved in: give the index, got ${quote(v)}`);
    return ctx.ifindex(v, at);
  };
  const v = m.value;
  if (typeof v === 'object' && v !== null && !Array.isArray(v) && 'set' in v) return { ...m, value: { set: v.set.map((x, i) => one(x, `${path}.value.set[${i}]`) as number) } };
  return { ...m, value: one(v, `${path}.value`) as number };
}

export interface EncodedRule {
  exprs: ExprAttrsSet[];
  sets: AnonSet[];
}

/** While a rule is encoded: the last protocol matched by each protocol key ('meta.l4proto' -> 'tcp'). */
interface Encoding extends EncodedRule {
  established: Map<string, string>;
}


/** The protocol match a field needs, unless the rule already has it (as nft writes rules). */
function dependency(dep: Dependency, ctx: EncodeContext, out: Encoding, path: string): void {
  const d = dependencyMatch(dep, ctx.family);
  if (d && out.established.get(d.key) !== d.value) encodeMatch({ kind: 'match', key: d.key, op: 'eq', value: d.value }, ctx, out, path);
}

export const ANON_SET_NAME = '__set%d';

const REG = 1;
const VERDICT_REG = 0;

const data = (value: Buffer): DataAttrsSet => ({ value });
const cmp = (op: 'eq' | 'neq' | 'gte' | 'lte', value: Buffer): ExprAttrsSet => ({ name: 'cmp', data: { sreg: REG, op, data: data(value) } });

function load(info: KeyInfo, len?: number, dreg = REG): ExprAttrsSet {
  const s = info.src;
  if ('payload' in s) return { name: 'payload', data: { dreg, base: s.payload.base, offset: s.payload.offset, len: len ?? s.payload.len } };
  if ('meta' in s) return { name: 'meta', data: { dreg, key: s.meta } };
  return { name: 'ct', data: { dreg, key: s.ct } };
}

/** Loads of a concatenation's fields into consecutive registers (after their protocol matches). */
function loadConcat(keys: readonly NftMatchKey[], ctx: EncodeContext, out: Encoding, path: string): void {
  for (const k of keys) {
    const dep = MATCH_KEYS[k].dep;
    if (dep) dependency(dep, ctx, out, path);
  }
  const regs = concatRegisters(keys.map((k) => VALUE_KINDS[MATCH_KEYS[k].kind].len));
  keys.forEach((k, i) => out.exprs.push(load(MATCH_KEYS[k], undefined, regs[i])));
}

type LookupData = NonNullable<Extract<ExprAttrsSet, { name: 'lookup' }>['data']>;

/** A lookup in a set, inverted for `!=` (a flag stored, not spread in: see nft-commands.ts head). */
function lookup(d: LookupData, invert: boolean): ExprAttrsSet {
  if (invert) d.flags = ['invert'];
  return { name: 'lookup', data: d };
}

/** '@name' -> 'name'. */
function setRef(v: unknown, option: string): string {
  if (typeof v !== 'string' || !v.startsWith('@') || v.length < 2) throw new NetlinkArgumentError(option, `must name a set as '@name', got ${quote(v)}`);
  return v.slice(1);
}

function encodeConcat(e: NftConcat, ctx: EncodeContext, out: Encoding, path: string): void {
  const keys = checkConcatKeys(e.keys, `${path}.keys`);
  if (e.op !== 'eq' && e.op !== 'neq') throw new NetlinkArgumentError(`${path}.op`, `must be 'eq' or 'neq', got ${quote(e.op)}`);
  if (typeof e.value === 'object' && e.value !== null && Array.isArray(e.value.set)) {
    const types = concatTypes(keys);
    if (!e.value.set.length) throw new NetlinkArgumentError(`${path}.value.set`, 'must be a non-empty array of tuples');
    const id = ctx.newSetId();
    out.sets.push({ id, keyType: types, interval: false, elements: e.value.set.map((t, i) => ({ key: { value: tupleBytes(types, t, `${path}.value.set[${i}]`) } })) });
    loadConcat(keys, ctx, out, path);
    out.exprs.push(lookup({ set: ANON_SET_NAME, setId: id, sreg: REG }, e.op === 'neq'));
    return;
  }
  const set = setRef(e.value, `${path}.value`);
  loadConcat(keys, ctx, out, path);
  out.exprs.push(lookup({ set, sreg: REG }, e.op === 'neq'));
}

/** RTN_* address types by name (rt-route's rtm-type), for `fib ... type local`. */
const ADDR_TYPES = new Definitions(rtRoute).enum('rtm-type').byName;
export { ADDR_TYPES };
const FIB_FLAGS: readonly NftFibFlag[] = ['saddr', 'daddr', 'mark', 'iif', 'oif'];
const FIB_RESULTS: Record<NftFibResult, FibResultEnum> = { oif: 'oif', oifname: 'oifname', type: 'addrtype' };

function encodeFib(e: NftFib, ctx: EncodeContext, out: Encoding, path: string): void {
  if (!Array.isArray(e.flags) || !e.flags.length || e.flags.some((f) => !FIB_FLAGS.includes(f)))
    throw new NetlinkArgumentError(`${path}.flags`, `must list some of ${FIB_FLAGS.join(', ')}, got ${quote(e.flags)}`);
  if (!Object.hasOwn(FIB_RESULTS, e.result)) throw new NetlinkArgumentError(`${path}.result`, `must be one of ${Object.keys(FIB_RESULTS).join(', ')}, got ${quote(e.result)}`);
  if (e.op !== 'eq' && e.op !== 'neq') throw new NetlinkArgumentError(`${path}.op`, `must be 'eq' or 'neq', got ${quote(e.op)}`);
  const v = e.value;
  const present = v === 'missing' || v === 'exists';
  if (present && e.result === 'type') throw new NetlinkArgumentError(`${path}.value`, `'${v}' asks for an interface: the result must be oif or oifname`);
  let value: Buffer;
  // with NFTA_FIB_F_PRESENT the kernel stores 1 or 0 (nft compares a host-order u32)
  if (present) value = valueBytes('u32', v === 'exists' ? 1 : 0, `${path}.value`);
  else if (e.result === 'type') {
    const t = typeof v === 'string' ? ADDR_TYPES.get(v) : undefined;
    if (t === undefined) throw new NetlinkArgumentError(`${path}.value`, `must be an address type (${[...ADDR_TYPES.keys()].join(', ')}), got ${quote(v)}`);
    value = valueBytes('u32', t, `${path}.value`);
  } else if (e.result === 'oifname') value = valueBytes('ifname', v, `${path}.value`);
  else {
    const index = isIfName(v) ? (ctx.ifindex ? ctx.ifindex(v, `${path}.value`) : undefined) : v;
    if (index === undefined) throw new NetlinkArgumentError(`${path}.value`, `an interface name needs its namespace to be resolved in: give the index, got ${quote(v)}`);
    value = valueBytes('u32', index, `${path}.value`);
  }
  const flags: FibFlagsEnum[] = FIB_FLAGS.filter((f) => e.flags.includes(f));
  if (present) flags.push('present');
  out.exprs.push({ name: 'fib', data: { dreg: REG, result: FIB_RESULTS[e.result], flags } }, cmp(e.op, value));
}

const DYNSET_OPS: readonly NftDynset['op'][] = ['add', 'update', 'delete'];

function encodeDynset(e: NftDynset, ctx: EncodeContext, out: Encoding, path: string): void {
  if (!DYNSET_OPS.includes(e.op)) throw new NetlinkArgumentError(`${path}.op`, `must be one of ${DYNSET_OPS.join(', ')}, got ${quote(e.op)}`);
  const set = setRef(e.set, `${path}.set`);
  const keys = checkConcatKeys(e.keys, `${path}.keys`);
  const timeout = e.timeout === undefined ? undefined : timeoutMs(e.timeout, `${path}.timeout`);
  loadConcat(keys, ctx, out, path);
  const d: NonNullable<Extract<ExprAttrsSet, { name: 'dynset' }>['data']> = { setName: set, op: e.op, sregKey: REG };
  if (timeout !== undefined) d.timeout = timeout;
  out.exprs.push({ name: 'dynset', data: d });
}

/** The named objects nlkit writes and reads (the spec's object-type enum has more: ct helpers, synproxy...). */
export const OBJECT_KINDS = ['counter', 'quota', 'limit'] as const satisfies readonly (NftObjectType & ObjectTypeEnum)[];
const OBJECT_TYPE_VALUES = new Definitions(nft).enum('object-type').byName;
/** NFT_OBJECT_* of those kinds, from the spec's object-type enum. */
export const OBJECT_TYPES = Object.fromEntries(OBJECT_KINDS.map((k) => [k, OBJECT_TYPE_VALUES.get(k)!])) as Record<NftObjectType, number>;
/** The kind of an NFT_OBJECT_* value nlkit reads; undefined for the others. */
export const OBJECT_TYPE_NAMES = new Map<number, NftObjectType>(OBJECT_KINDS.map((k) => [OBJECT_TYPES[k], k]));

const isRange = (v: unknown): v is NftRange => typeof v === 'object' && v !== null && !Array.isArray(v) && 'range' in v;
const isSet = (v: unknown): v is { set: unknown[] } => typeof v === 'object' && v !== null && !Array.isArray(v) && 'set' in v;

function encodeMatch(m: NftMatch, ctx: EncodeContext, out: Encoding, path: string): void {
  const info = MATCH_KEYS[m.key];
  if (!info) throw new NetlinkArgumentError(`${path}.key`, `must be a match key (${Object.keys(MATCH_KEYS).join(', ')}), got ${quote(m.key)}`);
  if (info.ifindex) m = resolveNames(m, ctx, path);
  if (m.op !== 'eq' && m.op !== 'neq') throw new NetlinkArgumentError(`${path}.op`, `must be 'eq' or 'neq', got ${quote(m.op)}`);
  if (info.dep) dependency(info.dep, ctx, out, path);
  // the protocol a match establishes for the fields after it (nft then leaves out their own)
  if (PROTOCOL_KEYS.includes(m.key)) {
    if (m.op === 'eq' && typeof m.value === 'string') out.established.set(m.key, m.value);
    else out.established.delete(m.key);
  }
  // `ip protocol tcp` / `ip6 nexthdr tcp` say the transport protocol too: nft adds no meta l4proto after them
  if (L4_HEADER_KEYS.includes(m.key) && m.op === 'eq' && (typeof m.value === 'number' || (typeof m.value === 'string' && !m.value.startsWith('@')))) {
    // by name, as the dependency names it (`ip protocol 6` is tcp)
    const name = bytesValue('proto', valueBytes('proto', m.value, `${path}.value`));
    if (typeof name === 'string') out.established.set('meta.l4proto', name);
  }
  const { kind } = info;
  const v = m.value;
  const x = out.exprs;
  if (kind === 'ctstate') {
    const mask = valueBytes('ctstate', v, `${path}.value`);
    if (ctStateBits(v) === 0) throw new NetlinkArgumentError(`${path}.value`, 'must name at least one ct state');
    x.push(load(info), { name: 'bitwise', data: { sreg: REG, dreg: REG, len: 4, mask: data(mask), xor: data(Buffer.alloc(4)) } });
    x.push(cmp(m.op === 'eq' ? 'neq' : 'eq', Buffer.alloc(4)));
    return;
  }
  if (typeof v === 'string' && v.startsWith('@')) {
    x.push(load(info), lookup({ set: v.slice(1), sreg: REG }, m.op === 'neq'));
    return;
  }
  if (isSet(v)) {
    if (!Array.isArray(v.set) || v.set.length === 0) throw new NetlinkArgumentError(`${path}.value.set`, 'must be a non-empty array');
    const setType = VALUE_KINDS[kind].setType;
    if (!setType) throw new NetlinkArgumentError(`${path}.value`, `${m.key} cannot be matched against a set`);
    const interval = needsInterval(kind, v.set);
    const id = ctx.newSetId();
    out.sets.push({ id, keyType: setType, interval, elements: encodeElements(kind, v.set, interval, `${path}.value.set`) });
    x.push(load(info), lookup({ set: ANON_SET_NAME, setId: id, sreg: REG }, m.op === 'neq'));
    return;
  }
  if (isRange(v)) {
    if (!Array.isArray(v.range) || v.range.length !== 2) throw new NetlinkArgumentError(`${path}.value.range`, 'must be [first, last]');
    const a = valueBytes(kind, v.range[0], `${path}.value.range[0]`), b = valueBytes(kind, v.range[1], `${path}.value.range[1]`);
    x.push(load(info));
    // nft: `1000-2000` is two comparisons, `!= 1000-2000` one range expression
    if (m.op === 'eq') x.push(cmp('gte', a), cmp('lte', b));
    else x.push({ name: 'range', data: { sreg: REG, op: 'neq', fromData: data(a), toData: data(b) } });
    return;
  }
  if ((kind === 'ipv4' || kind === 'ipv6') && typeof v === 'string' && v.includes('/')) {
    const { addr, len } = parseAddrPrefix(kind, v, `${path}.value`);
    const full = addr.length * 8;
    if (len === full) x.push(load(info), cmp(m.op, addr));
    else if (len % 8 === 0 && len > 0) x.push(load(info, len / 8), cmp(m.op, addr.subarray(0, len / 8)));
    else {
      const mask = prefixMaskBytes(addr.length, len);
      x.push(load(info), { name: 'bitwise', data: { sreg: REG, dreg: REG, len: addr.length, mask: data(mask), xor: data(Buffer.alloc(addr.length)) } });
      x.push(cmp(m.op, addr));
    }
    return;
  }
  if (kind === 'ifname' && typeof v === 'string' && v.endsWith('*')) {
    const prefix = Buffer.from(v.slice(0, -1));
    if (prefix.length === 0 || prefix.length > 15 || prefix.includes(0)) throw new NetlinkArgumentError(`${path}.value`, `must be an interface name or 'prefix*', got ${quote(v)}`);
    x.push(load(info), cmp(m.op, prefix));
    return;
  }
  x.push(load(info), cmp(m.op, valueBytes(kind, v, `${path}.value`)));
}

/** nf_nat_range flags of a statement (proto-specified when it maps ports, as nft sends). */
function natFlags(s: NftNatFlags & { ports?: NftPorts }): NatRangeFlagsEnum[] {
  const f: NatRangeFlagsEnum[] = [];
  if (s.ports !== undefined) f.push('proto-specified');
  if (s.random) f.push('proto-random');
  if (s.persistent) f.push('persistent');
  if (s.fullyRandom) f.push('proto-random-fully');
  return f;
}

/** Loads values into registers from `first` on: the register numbers of min and max. */
function immediates(out: ExprAttrsSet[], first: number, values: Buffer[]): number[] {
  return values.map((v, i) => {
    out.push({ name: 'immediate', data: { dreg: first + i, data: data(v) } });
    return first + i;
  });
}

function portBytes(p: NftPorts, path: string): Buffer[] {
  const list = Array.isArray(p) ? p : [p];
  if (list.length < 1 || list.length > 2) throw new NetlinkArgumentError(path, 'must be a port or [min, max]');
  return list.map((x, i) => valueBytes('port', x, `${path}[${i}]`));
}

const LOG_LEVELS = ['emerg', 'alert', 'crit', 'err', 'warning', 'notice', 'info', 'debug', 'audit'];
const RATE_UNITS: Record<string, bigint> = { second: 1n, minute: 60n, hour: 3600n, day: 86400n, week: 604800n };
export { RATE_UNITS };

/** nft's default burst: 5 packets, or none for a byte rate. */
export const defaultBurst = (bytes: boolean | undefined): number => (bytes ? 0 : 5);

function encodeOne(e: NftExpr, ctx: EncodeContext, out: Encoding, path: string): void {
  if (typeof e !== 'object' || e === null) throw new NetlinkArgumentError(path, `must be an expression object (ip.saddr(...), counter()...), got ${e === null ? 'null' : typeof e}`, 'ERR_INVALID_ARG_TYPE');
  const x = out.exprs;
  switch (e.kind) {
    case 'match':
      return encodeMatch(e, ctx, out, path);
    case 'counter':
      x.push({ name: 'counter', data: { bytes: 0n, packets: 0n } });
      return;
    case 'log': {
      if (e.level !== undefined && !LOG_LEVELS.includes(e.level)) throw new NetlinkArgumentError(`${path}.level`, `must be one of ${LOG_LEVELS.join(', ')}`);
      const d: Record<string, unknown> = {};
      if (e.prefix !== undefined) d.prefix = e.prefix;
      if (e.group !== undefined) d.group = e.group;
      if (e.snaplen !== undefined) d.snaplen = e.snaplen;
      if (e.level !== undefined) d.level = e.level;
      x.push({ name: 'log', data: d });
      return;
    }
    case 'limit': {
      const unit = RATE_UNITS[e.per];
      if (unit === undefined) throw new NetlinkArgumentError(`${path}.per`, `must be one of ${Object.keys(RATE_UNITS).join(', ')}, got ${quote(e.per)}`);
      if (!Number.isSafeInteger(e.rate) || e.rate <= 0) throw new NetlinkArgumentError(`${path}.rate`, `must be a positive integer, got ${quote(e.rate)}`);
      x.push({ name: 'limit', data: { rate: BigInt(e.rate), unit, burst: e.burst ?? defaultBurst(e.bytes), type: e.bytes ? 'pkt-bytes' : 'pkts', flags: e.over ? ['inv'] : [] } });
      return;
    }
    case 'masquerade':
    case 'redirect': {
      const regs = e.ports === undefined ? [] : immediates(x, REG, portBytes(e.ports, `${path}.ports`));
      const flags = natFlags(e);
      const d: Record<string, unknown> = {};
      if (regs.length) d.regProtoMin = regs[0];
      if (regs.length > 1) d.regProtoMax = regs[1];
      if (flags.length) d.flags = flags;
      x.push(e.kind === 'masquerade' ? { name: 'masq', data: d } : { name: 'redir', data: d });
      return;
    }
    case 'snat':
    case 'dnat': {
      const addrs = e.addr === undefined ? [] : Array.isArray(e.addr) ? e.addr : [e.addr];
      const fam = e.family ?? (typeof addrs[0] === 'string' && addrs[0].includes(':') ? 'ip6' : addrs.length ? 'ip' : ctx.family);
      if (fam !== 'ip' && fam !== 'ip6') throw new NetlinkArgumentError(`${path}.family`, `must be 'ip' or 'ip6' for ${e.kind} in a ${ctx.family} table`);
      const kind = fam === 'ip' ? 'ipv4' : 'ipv6';
      const addrRegs = immediates(x, REG, addrs.map((a, i) => valueBytes(kind, a, `${path}.addr[${i}]`)));
      const portRegs = e.ports === undefined ? [] : immediates(x, REG + addrRegs.length, portBytes(e.ports, `${path}.ports`));
      const d: Record<string, unknown> = { type: e.kind === 'snat' ? 0 : 1, family: fam === 'ip' ? 2 : 10 };
      if (addrRegs.length) d.regAddrMin = addrRegs[0];
      if (addrRegs.length > 1) d.regAddrMax = addrRegs[1];
      if (portRegs.length) d.regProtoMin = portRegs[0];
      if (portRegs.length > 1) d.regProtoMax = portRegs[1];
      const flags = natFlags(e);
      if (flags.length) d.flags = flags;
      x.push({ name: 'nat', data: d });
      return;
    }
    case 'reject': {
      const w = e.with;
      // nft matches tcp first: a reset answers tcp only
      if (w === 'tcp-reset') {
        dependency('tcp', ctx, out, path);
        x.push({ name: 'reject', data: { type: 'tcp-rst', icmpCode: 0 } });
      }
      else if (w !== undefined && typeof w === 'object' && 'icmpx' in w) x.push({ name: 'reject', data: { type: 'icmpx-unreach', icmpCode: w.icmpx } });
      else if (w !== undefined && typeof w === 'object' && 'icmp' in w) x.push({ name: 'reject', data: { type: 'icmp-unreach', icmpCode: w.icmp } });
      else if (w !== undefined) throw new NetlinkArgumentError(`${path}.with`, "must be 'tcp-reset', { icmp: CODE } or { icmpx: CODE }");
      else x.push({ name: 'reject', data: defaultReject(ctx.family) });
      return;
    }
    case 'verdict': {
      const code = e.verdict;
      if (!['accept', 'drop', 'continue', 'return', 'jump', 'goto'].includes(code)) throw new NetlinkArgumentError(`${path}.verdict`, `must be accept, drop, continue, return, jump or goto, got ${quote(code)}`);
      const jumps = code === 'jump' || code === 'goto';
      if (jumps && (typeof e.chain !== 'string' || e.chain === '')) throw new NetlinkArgumentError(`${path}.chain`, `${code} needs the chain's name`);
      x.push({ name: 'immediate', data: { dreg: VERDICT_REG, data: { verdict: jumps ? { code, chain: e.chain } : { code } } } });
      return;
    }
    case 'objref':
      if (!Object.hasOwn(OBJECT_TYPES, e.type)) throw new NetlinkArgumentError(`${path}.type`, `must be one of ${Object.keys(OBJECT_TYPES).join(', ')}, got ${quote(e.type)}`);
      x.push({ name: 'objref', data: { immType: OBJECT_TYPES[e.type], immName: checkName(e.name, `${path}.name`) } });
      return;
    case 'quota':
      if (!Number.isSafeInteger(e.bytes) || e.bytes <= 0) throw new NetlinkArgumentError(`${path}.bytes`, `must be a positive number of bytes, got ${quote(e.bytes)}`);
      x.push({ name: 'quota', data: { bytes: BigInt(e.bytes), flags: e.over ? ['invert'] : [] } });
      return;
    case 'fib':
      return encodeFib(e, ctx, out, path);
    case 'concat':
      return encodeConcat(e, ctx, out, path);
    case 'dynset':
      return encodeDynset(e, ctx, out, path);
    case 'flow':
      x.push({ name: 'flow_offload', data: { name: checkName(e.flowtable, `${path}.flowtable`) } });
      return;
    case 'raw':
      if (typeof e.expr !== 'object' || e.expr === null) throw new NetlinkArgumentError(`${path}.expr`, 'must be an expression object ({ name, data })');
      x.push(e.expr);
      return;
    default:
      throw new NetlinkArgumentError(`${path}.kind`, `must be an expression kind (match, counter, log, limit, masquerade, redirect, snat, dnat, reject, verdict, objref, quota, fib, concat, dynset, flow, raw), got ${quote((e as { kind?: unknown }).kind)}`);
  }
}

/** What `reject` with no argument sends in a family (nft's defaults: port unreachable). */
export function defaultReject(family: NftFamily): { type: 'icmp-unreach' | 'icmpx-unreach'; icmpCode: number } {
  if (family === 'ip') return { type: 'icmp-unreach', icmpCode: 3 }; // ICMP_PORT_UNREACH
  if (family === 'ip6') return { type: 'icmp-unreach', icmpCode: 4 }; // ICMPV6_PORT_UNREACH
  return { type: 'icmpx-unreach', icmpCode: 1 }; // NFT_REJECT_ICMPX_PORT_UNREACH
}

/** A rule's expressions for the kernel. */
export function encodeRule(exprs: readonly NftExpr[], ctx: EncodeContext, option = 'expr'): EncodedRule {
  if (!Array.isArray(exprs)) throw new NetlinkArgumentError(option, 'must be an array of expressions', 'ERR_INVALID_ARG_TYPE');
  const out: Encoding = { exprs: [], sets: [], established: new Map() };
  exprs.forEach((e, i) => encodeOne(e, ctx, out, `${option}[${i}]`));
  return { exprs: out.exprs, sets: out.sets };
}
