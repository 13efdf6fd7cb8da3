// The rule expression builder: what a rule says, in nft's words, as plain objects —
// `ip.saddr('10.0.0.0/24')`, `tcp.dport([22, 80])`, `meta.oifname('eth0')`, `counter()`,
// `masquerade()`, `accept()`. Rules listed back decode into the same shapes; expressions
// nlkit does not recognize stay as `{ kind: 'raw', expr }` (the generated typed expression).
import { NetlinkArgumentError } from '../core/errors.js';
import type { ExprAttrsSet } from '../ynl/families/nftables.js';
import { CT_STATES, type CtState } from './nft-names.js';
import { quote } from '../core/options.js';

/** What a match compares: a header field, packet metadata or conntrack state. */
export type NftMatchKey =
  | 'ip.saddr' | 'ip.daddr' | 'ip.protocol'
  | 'ip6.saddr' | 'ip6.daddr' | 'ip6.nexthdr'
  | 'tcp.sport' | 'tcp.dport' | 'udp.sport' | 'udp.dport'
  | 'meta.iifname' | 'meta.oifname' | 'meta.iif' | 'meta.oif' | 'meta.l4proto' | 'meta.mark' | 'meta.nfproto' | 'meta.protocol'
  | 'ct.state' | 'ct.mark';

/** An inclusive range: ports `{ range: [1000, 2000] }`, addresses `{ range: ['10.0.0.1', '10.0.0.9'] }`. */
export interface NftRange<V = string | number> {
  range: [V, V];
}

/** One value a match compares with, or one element of a set. */
export type NftScalar = string | number;
export type NftElement = NftScalar | NftRange;

/**
 * What a field is compared with: a value ('10.0.0.0/24' is a prefix, 'veth*' a name
 * prefix), a range, an anonymous set (`{ set: [...] }`), or a named set ('@blocklist').
 * `ct.state` takes a list of states (any of them matches).
 */
export type NftMatchValue = NftScalar | NftRange | { set: NftElement[] } | CtState[];

export interface NftMatch {
  kind: 'match';
  key: NftMatchKey;
  op: 'eq' | 'neq';
  value: NftMatchValue;
}

export interface NftCounter {
  kind: 'counter';
  /** Listed back: the counts so far. */
  packets?: bigint;
  bytes?: bigint;
}

export type NftLogLevel = 'emerg' | 'alert' | 'crit' | 'err' | 'warning' | 'notice' | 'info' | 'debug' | 'audit';

export interface NftLog {
  kind: 'log';
  prefix?: string;
  level?: NftLogLevel;
  /** nflog group: the packet goes to user space instead of the kernel log. */
  group?: number;
  snaplen?: number;
}

export type NftRateUnit = 'second' | 'minute' | 'hour' | 'day' | 'week';

export interface NftLimit {
  kind: 'limit';
  /** Packets (or bytes with `bytes: true`) per `per`. */
  rate: number;
  per: NftRateUnit;
  burst?: number;
  bytes?: boolean;
  /** `limit rate over`: matches what goes beyond the rate. */
  over?: boolean;
}

/** Port range a NAT statement maps to: one port or [min, max]. */
export type NftPorts = number | [number, number];

export interface NftNatFlags {
  random?: boolean;
  fullyRandom?: boolean;
  persistent?: boolean;
}

export interface NftMasquerade extends NftNatFlags {
  kind: 'masquerade';
  ports?: NftPorts;
}

export interface NftRedirect extends NftNatFlags {
  kind: 'redirect';
  ports?: NftPorts;
}

export interface NftNat extends NftNatFlags {
  kind: 'snat' | 'dnat';
  /** 'ip' or 'ip6': which address family (needed in inet tables; else taken from the address). */
  family?: 'ip' | 'ip6';
  /** An address or a range ['10.0.0.1', '10.0.0.9']. */
  addr?: string | [string, string];
  ports?: NftPorts;
}

export interface NftReject {
  kind: 'reject';
  /** Default: ICMP port unreachable (ip, ip6), ICMPX port unreachable (inet, bridge). */
  with?: 'tcp-reset' | { icmp: number } | { icmpx: number };
}

export type NftVerdictKind = 'accept' | 'drop' | 'continue' | 'return' | 'jump' | 'goto';

export interface NftVerdict {
  kind: 'verdict';
  verdict: NftVerdictKind;
  /** jump and goto: the chain. */
  chain?: string;
}

/** An expression nlkit does not recognize (or a sequence it cannot fold), as the kernel has it. */
export interface NftRaw {
  kind: 'raw';
  expr: ExprAttrsSet;
}

/** The named stateful objects a rule can use (`counter name "x"`). */
export type NftObjectType = 'counter' | 'quota' | 'limit';

/** A rule's use of a named object: its counts go to the object (objref). */
export interface NftObjref {
  kind: 'objref';
  type: NftObjectType;
  name: string;
}

/** `quota [over] N bytes`: matches until (with over: after) N bytes went through. */
export interface NftQuota {
  kind: 'quota';
  bytes: number;
  over?: boolean;
  /** Listed back: bytes counted so far. */
  used?: number;
}

export type NftFibFlag = 'saddr' | 'daddr' | 'mark' | 'iif' | 'oif';
/** oif: the route's output interface (index); oifname: its name; type: the address type (local, unicast...). */
export type NftFibResult = 'oif' | 'oifname' | 'type';

/**
 * A routing lookup compared with a value: `fib saddr . iif oif missing` is
 * `{ flags: ['saddr', 'iif'], result: 'oif', value: 'missing' }`. 'missing'/'exists' ask
 * only whether there is a route; else the value is an ifindex (oif), a name (oifname) or an
 * address type (type: 'local', 'unicast', ...).
 */
export interface NftFib {
  kind: 'fib';
  flags: NftFibFlag[];
  result: NftFibResult;
  op: 'eq' | 'neq';
  value: 'missing' | 'exists' | NftScalar;
}

/** Several fields looked up together in a set of tuples: `ip saddr . tcp dport @allowed`. */
export interface NftConcat {
  kind: 'concat';
  keys: NftMatchKey[];
  op: 'eq' | 'neq';
  /** '@name' (a set of those tuples) or an anonymous set of tuples. */
  value: string | { set: NftScalar[][] };
}

/** `add @set { ip saddr }` / `update @set { ip saddr timeout 30s }` / `delete @set {...}`: the packet's key into a set. */
export interface NftDynset {
  kind: 'dynset';
  op: 'add' | 'update' | 'delete';
  /** '@name'. */
  set: string;
  keys: NftMatchKey[];
  /** ms: the element's timeout (the set needs flags ['timeout']). */
  timeout?: number;
}

/** `flow add @ft`: the connection is offloaded to a flowtable. */
export interface NftFlow {
  kind: 'flow';
  flowtable: string;
}

export type NftExpr = NftMatch | NftCounter | NftLog | NftLimit | NftMasquerade | NftRedirect | NftNat | NftReject | NftVerdict | NftRaw
  | NftObjref | NftQuota | NftFib | NftConcat | NftDynset | NftFlow;

type Op = 'eq' | 'neq' | '==' | '!=';

function opOf(op: Op | undefined): 'eq' | 'neq' {
  if (op === undefined || op === 'eq' || op === '==') return 'eq';
  if (op === 'neq' || op === '!=') return 'neq';
  throw new NetlinkArgumentError('op', `must be 'eq'/'==' or 'neq'/'!=', got ${quote(op)}`);
}

/** Arrays are anonymous sets: `tcp.dport([22, 80])` is `tcp dport { 22, 80 }`. */
function match(key: NftMatchKey): (value: NftScalar | NftRange | NftElement[] | { set: NftElement[] }, op?: Op) => NftMatch {
  return (value, op) => ({ kind: 'match', key, op: opOf(op), value: Array.isArray(value) ? { set: value } : value });
}

export const ip = { saddr: match('ip.saddr'), daddr: match('ip.daddr'), protocol: match('ip.protocol') };
export const ip6 = { saddr: match('ip6.saddr'), daddr: match('ip6.daddr'), nexthdr: match('ip6.nexthdr') };
export const tcp = { sport: match('tcp.sport'), dport: match('tcp.dport') };
export const udp = { sport: match('udp.sport'), dport: match('udp.dport') };
export const meta = {
  iifname: match('meta.iifname'), oifname: match('meta.oifname'), iif: match('meta.iif'), oif: match('meta.oif'),
  l4proto: match('meta.l4proto'), mark: match('meta.mark'), nfproto: match('meta.nfproto'), protocol: match('meta.protocol'),
};

function ctState(states: CtState | CtState[], op?: Op): NftMatch {
  const list = Array.isArray(states) ? states : [states];
  for (const s of list) if (!Object.hasOwn(CT_STATES, s)) throw new NetlinkArgumentError('state', `must be one of ${Object.keys(CT_STATES).join(', ')}, got ${quote(s)}`);
  return { kind: 'match', key: 'ct.state', op: opOf(op), value: [...list] };
}

export const ct = { state: ctState, mark: match('ct.mark') };

/** `counter` (an anonymous counter) or, with a name, `counter name "x"` (a named counter object). */
export function counter(): NftCounter;
export function counter(name: string): NftObjref;
export function counter(name?: string): NftCounter | NftObjref {
  return name === undefined ? { kind: 'counter' } : { kind: 'objref', type: 'counter', name };
}

/** A named object's use by type: `objref('quota', 'q')` is `quota name "q"`. */
export function objref(type: NftObjectType, name: string): NftObjref {
  return { kind: 'objref', type, name };
}

/** `quota 100 mbytes` is `quota(100 * 2 ** 20)`; `{ over: true }` for `quota over`. */
export function quota(bytes: number, opts: { over?: boolean } = {}): NftQuota {
  return { kind: 'quota', bytes, ...(opts.over ? { over: true } : {}) };
}

/** `fib({ flags: ['saddr', 'iif'], result: 'oif' }, 'missing')`. */
export function fib(lookup: { flags: NftFibFlag[]; result: NftFibResult }, value: NftFib['value'], op?: Op): NftFib {
  return { kind: 'fib', flags: lookup.flags, result: lookup.result, op: opOf(op), value };
}

/** `concat(['ip.saddr', 'tcp.dport'], '@allowed')`, or with tuples: `concat([...], [['10.0.0.1', 22]])`. */
export function concat(keys: NftMatchKey[], value: string | NftScalar[][], op?: Op): NftConcat {
  return { kind: 'concat', keys, op: opOf(op), value: Array.isArray(value) ? { set: value } : value };
}

/** `dynset('add', '@seen', ['ip.saddr'])`: the packet's fields as an element of the set. */
export function dynset(op: NftDynset['op'], set: string, keys: NftMatchKey | NftMatchKey[], opts: { timeout?: number } = {}): NftDynset {
  return { kind: 'dynset', op, set, keys: Array.isArray(keys) ? keys : [keys], ...(opts.timeout !== undefined ? { timeout: opts.timeout } : {}) };
}

/** `flow add @ft`. */
export function flow(flowtable: string): NftFlow {
  return { kind: 'flow', flowtable: flowtable.startsWith('@') ? flowtable.slice(1) : flowtable };
}

export function log(opts: Omit<NftLog, 'kind'> = {}): NftLog {
  return { kind: 'log', ...opts };
}

export function limit(opts: Omit<NftLimit, 'kind'>): NftLimit {
  return { kind: 'limit', ...opts };
}

export function masquerade(opts: Omit<NftMasquerade, 'kind'> = {}): NftMasquerade {
  return { kind: 'masquerade', ...opts };
}

export function redirect(opts: Omit<NftRedirect, 'kind'> = {}): NftRedirect {
  return { kind: 'redirect', ...opts };
}

/** `snat('10.0.0.1')`, `snat('10.0.0.1', { ports: 1024 })`, `snat({ addr, ports, family })`. */
function nat(kind: 'snat' | 'dnat') {
  return (to: string | [string, string] | Omit<NftNat, 'kind'>, opts: Omit<NftNat, 'kind' | 'addr'> = {}): NftNat =>
    typeof to === 'string' || Array.isArray(to) ? { kind, addr: to, ...opts } : { kind, ...to };
}

export const snat = nat('snat');
export const dnat = nat('dnat');

export function reject(withWhat?: NftReject['with']): NftReject {
  return withWhat === undefined ? { kind: 'reject' } : { kind: 'reject', with: withWhat };
}

const verdict = (v: 'accept' | 'drop' | 'continue' | 'return') => (): NftVerdict => ({ kind: 'verdict', verdict: v });
export const accept = verdict('accept');
export const drop = verdict('drop');
export const continue_ = verdict('continue');
export const return_ = verdict('return');
export const jump = (chain: string): NftVerdict => ({ kind: 'verdict', verdict: 'jump', chain });
export const goto = (chain: string): NftVerdict => ({ kind: 'verdict', verdict: 'goto', chain });

/** An expression as the kernel has it (an escape hatch: anything the spec describes). */
export function raw(expr: ExprAttrsSet): NftRaw {
  return { kind: 'raw', expr };
}
