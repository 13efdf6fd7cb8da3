// Builder expressions to the kernel's expressions, as nft writes them (the same loads,
// registers and comparisons `nft --debug=netlink` shows), plus the anonymous sets a rule's
// `{ set: [...] }` values need (added in the same batch, before the rule).
import { NetlinkArgumentError } from '../core/errors.js';
import type { DataAttrsSet, ExprAttrsSet, NatRangeFlagsEnum, SetelemAttrsSet } from '../ynl/families/nftables.js';
import type { NftExpr, NftMatch, NftNatFlags, NftPorts, NftRange } from './nft-expr.js';
import { dependencyMatch, MATCH_KEYS, type Dependency, type KeyInfo } from './nft-expr-keys.js';
import type { NftFamily, NftSetType } from './nft-names.js';
import { encodeElements, needsInterval } from './nft-set-elements.js';
import { ctStateBits, parseAddrPrefix, valueBytes, VALUE_KINDS } from './nft-values.js';

/** An anonymous set a rule needs: created in the rule's batch, named by the kernel ('__set%d'). */
export interface AnonSet {
  id: number;
  keyType: NftSetType;
  interval: boolean;
  elements: SetelemAttrsSet[];
}

export interface EncodeContext {
  family: NftFamily;
  /** A fresh id for an anonymous set (NFTA_SET_ID, unique in the batch). */
  newSetId(): number;
}

export interface EncodedRule {
  exprs: ExprAttrsSet[];
  sets: AnonSet[];
}

/** While a rule is encoded: the protocol matches already in it ('meta.l4proto=tcp'). */
interface Encoding extends EncodedRule {
  established: Set<string>;
}

/** The protocol a match establishes for the fields after it (nft then leaves out their own). */
function establishes(m: NftMatch): string | undefined {
  if (m.op !== 'eq' || typeof m.value !== 'string') return undefined;
  return m.key === 'meta.l4proto' || m.key === 'meta.nfproto' || m.key === 'meta.protocol' ? `${m.key}=${m.value}` : undefined;
}

/** The protocol match a field needs, unless the rule already has it (as nft writes rules). */
function dependency(dep: Dependency, ctx: EncodeContext, out: Encoding, path: string): void {
  const d = dependencyMatch(dep, ctx.family);
  if (d && !out.established.has(`${d.key}=${d.value}`)) encodeMatch({ kind: 'match', key: d.key, op: 'eq', value: d.value }, ctx, out, path);
}

export const ANON_SET_NAME = '__set%d';

const REG = 1;
const VERDICT_REG = 0;

const data = (value: Buffer): DataAttrsSet => ({ value });
const cmp = (op: 'eq' | 'neq' | 'gte' | 'lte', value: Buffer): ExprAttrsSet => ({ name: 'cmp', data: { sreg: REG, op, data: data(value) } });

function load(info: KeyInfo, len?: number): ExprAttrsSet {
  const s = info.src;
  if ('payload' in s) return { name: 'payload', data: { dreg: REG, base: s.payload.base, offset: s.payload.offset, len: len ?? s.payload.len } };
  if ('meta' in s) return { name: 'meta', data: { dreg: REG, key: s.meta } };
  return { name: 'ct', data: { dreg: REG, key: s.ct } };
}

const isRange = (v: unknown): v is NftRange => typeof v === 'object' && v !== null && !Array.isArray(v) && 'range' in v;
const isSet = (v: unknown): v is { set: unknown[] } => typeof v === 'object' && v !== null && !Array.isArray(v) && 'set' in v;

function encodeMatch(m: NftMatch, ctx: EncodeContext, out: Encoding, path: string): void {
  const info = MATCH_KEYS[m.key];
  if (!info) throw new NetlinkArgumentError(`${path}.key`, `must be a match key (${Object.keys(MATCH_KEYS).join(', ')}), got ${JSON.stringify(m.key)}`);
  if (m.op !== 'eq' && m.op !== 'neq') throw new NetlinkArgumentError(`${path}.op`, `must be 'eq' or 'neq', got ${JSON.stringify(m.op)}`);
  if (info.dep) dependency(info.dep, ctx, out, path);
  const est = establishes(m);
  if (est) out.established.add(est);
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
    x.push(load(info), { name: 'lookup', data: { set: v.slice(1), sreg: REG, ...(m.op === 'neq' ? { flags: ['invert'] } : {}) } });
    return;
  }
  if (isSet(v)) {
    if (!Array.isArray(v.set) || v.set.length === 0) throw new NetlinkArgumentError(`${path}.value.set`, 'must be a non-empty array');
    const setType = VALUE_KINDS[kind].setType;
    if (!setType) throw new NetlinkArgumentError(`${path}.value`, `${m.key} cannot be matched against a set`);
    const interval = needsInterval(kind, v.set);
    const id = ctx.newSetId();
    out.sets.push({ id, keyType: setType, interval, elements: encodeElements(kind, v.set, interval, `${path}.value.set`) });
    x.push(load(info), { name: 'lookup', data: { set: ANON_SET_NAME, setId: id, sreg: REG, ...(m.op === 'neq' ? { flags: ['invert'] } : {}) } });
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
      const mask = Buffer.alloc(addr.length);
      for (let i = 0; i < mask.length; i++) mask[i] = (0xff << (8 - Math.max(0, Math.min(8, len - i * 8)))) & 0xff;
      x.push(load(info), { name: 'bitwise', data: { sreg: REG, dreg: REG, len: addr.length, mask: data(mask), xor: data(Buffer.alloc(addr.length)) } });
      x.push(cmp(m.op, addr));
    }
    return;
  }
  if (kind === 'ifname' && typeof v === 'string' && v.endsWith('*')) {
    const prefix = Buffer.from(v.slice(0, -1));
    if (prefix.length === 0 || prefix.length > 15 || prefix.includes(0)) throw new NetlinkArgumentError(`${path}.value`, `must be an interface name or 'prefix*', got ${JSON.stringify(v)}`);
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
      if (unit === undefined) throw new NetlinkArgumentError(`${path}.per`, `must be one of ${Object.keys(RATE_UNITS).join(', ')}, got ${JSON.stringify(e.per)}`);
      if (!Number.isSafeInteger(e.rate) || e.rate <= 0) throw new NetlinkArgumentError(`${path}.rate`, `must be a positive integer, got ${JSON.stringify(e.rate)}`);
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
      if (!['accept', 'drop', 'continue', 'return', 'jump', 'goto'].includes(code)) throw new NetlinkArgumentError(`${path}.verdict`, `must be accept, drop, continue, return, jump or goto, got ${JSON.stringify(code)}`);
      const jumps = code === 'jump' || code === 'goto';
      if (jumps && (typeof e.chain !== 'string' || e.chain === '')) throw new NetlinkArgumentError(`${path}.chain`, `${code} needs the chain's name`);
      x.push({ name: 'immediate', data: { dreg: VERDICT_REG, data: { verdict: jumps ? { code, chain: e.chain } : { code } } } });
      return;
    }
    case 'raw':
      if (typeof e.expr !== 'object' || e.expr === null) throw new NetlinkArgumentError(`${path}.expr`, 'must be an expression object ({ name, data })');
      x.push(e.expr);
      return;
    default:
      throw new NetlinkArgumentError(`${path}.kind`, `must be an expression kind (match, counter, log, limit, masquerade, redirect, snat, dnat, reject, verdict, raw), got ${JSON.stringify((e as { kind?: unknown }).kind)}`);
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
  const out: Encoding = { exprs: [], sets: [], established: new Set() };
  exprs.forEach((e, i) => encodeOne(e, ctx, out, `${option}[${i}]`));
  return { exprs: out.exprs, sets: out.sets };
}
