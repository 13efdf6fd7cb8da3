// The ruleset as `nft -j list ruleset` prints it: {"nftables": [{"metainfo": ...},
// {"table": ...}, {"chain": ...}, {"set"|"map": ...}, {"rule": {..., "expr": [...]}}]}, with
// nft's keys and shapes (libnftables' JSON schema) for what nlkit reads. Differences from
// nft: metainfo names nlkit; `meta iif/oif` stay ifindex numbers (nft resolves names);
// expressions nlkit does not recognize appear as {"nlkit_raw": ...}; netdev chains carry "dev".
import type { NftElement, NftExpr, NftMatch, NftPorts } from './nft-expr.js';
import { defaultBurst } from './nft-expr-encode.js';
import { byteUnits } from './nft-text.js';
import type { NftFamily } from './nft-names.js';
import type { NftChain, NftElementExpiry, NftRule, NftRuleset, NftSet, NftSetElement, NftTable } from './nft-objects.js';
import type { NftFlowtable, NftObject } from './nft-stateful.js';

type J = unknown;

const META_KEYS: Record<string, string> = { 'l4-proto': 'l4proto' };

function left(key: NftMatch['key']): J {
  const [proto, field] = key.split('.');
  if (proto === 'meta') return { meta: { key: META_KEYS[field] ?? field } };
  if (proto === 'ct') return { ct: { key: field } };
  return { payload: { protocol: proto, field: field === 'nexthdr' ? 'nexthdr' : field } };
}

function element(v: NftElement): J {
  if (typeof v === 'object' && v !== null && 'range' in v) return { range: [...v.range] };
  if (typeof v === 'string' && /^[0-9a-f.:]+\/\d+$/i.test(v)) {
    const [addr, len] = v.split('/');
    return { prefix: { addr, len: Number(len) } };
  }
  return v;
}

function right(m: NftMatch): J {
  const v = m.value;
  if (m.key === 'ct.state' && Array.isArray(v)) return v.length === 1 ? v[0] : [...v];
  if (typeof v === 'object' && v !== null && 'set' in v) return { set: v.set.map(element) };
  return element(v as NftElement);
}

function ports(p: NftPorts): J {
  return Array.isArray(p) ? { range: [...p] } : p;
}

function natFlags(e: { random?: boolean; fullyRandom?: boolean; persistent?: boolean }): J {
  const f = [...(e.random ? ['random'] : []), ...(e.fullyRandom ? ['fully-random'] : []), ...(e.persistent ? ['persistent'] : [])];
  return f.length === 0 ? undefined : f.length === 1 ? f[0] : f;
}

function compact(o: Record<string, J>): Record<string, J> {
  for (const k of Object.keys(o)) if (o[k] === undefined) delete o[k];
  return o;
}

/** A limit as nft -j writes it: a byte rate and its burst in nft's units (rate_unit, burst_unit). */
function limitJson(l: { rate: number; per: string; burst: number; bytes?: boolean; over?: boolean }): Record<string, J> {
  if (!l.bytes) return compact({ rate: l.rate, burst: l.burst, per: l.per, inv: l.over ? true : undefined });
  const [rate, rateUnit] = byteUnits(l.rate), [burst, burstUnit] = byteUnits(l.burst);
  return compact({ rate, burst, per: l.per, inv: l.over ? true : undefined, rate_unit: rateUnit, burst_unit: burstUnit });
}

const REJECT_TYPES: Record<string, string> = { ip: 'icmp', ip6: 'icmpv6' };

/** One expression as nft's JSON statement. */
export function exprJson(e: NftExpr, family: NftFamily): J {
  switch (e.kind) {
    case 'match':
      return { match: { op: e.key === 'ct.state' && e.op === 'eq' ? 'in' : e.op === 'eq' ? '==' : '!=', left: left(e.key), right: right(e) } };
    case 'counter':
      return { counter: { packets: Number(e.packets ?? 0n), bytes: Number(e.bytes ?? 0n) } };
    case 'log':
      return { log: compact({ prefix: e.prefix, group: e.group, snaplen: e.snaplen, level: e.level === 'warning' ? undefined : e.level === 'err' ? 'err' : e.level }) };
    case 'limit':
      return { limit: limitJson({ ...e, burst: e.burst ?? defaultBurst(e.bytes) }) };
    case 'masquerade':
    case 'redirect': {
      const body = compact({ port: e.ports === undefined ? undefined : ports(e.ports), flags: natFlags(e) });
      return { [e.kind]: Object.keys(body).length ? body : null };
    }
    case 'snat':
    case 'dnat':
      return { [e.kind]: compact({ family: family === 'inet' ? e.family ?? 'ip' : undefined, addr: Array.isArray(e.addr) ? { range: [...e.addr] } : e.addr, port: e.ports === undefined ? undefined : ports(e.ports), flags: natFlags(e) }) };
    case 'reject': {
      const w = e.with;
      if (w === 'tcp-reset') return { reject: { type: 'tcp reset' } };
      if (w === undefined) return { reject: { type: REJECT_TYPES[family] ?? 'icmpx', expr: 'port-unreachable' } };
      return { reject: 'icmpx' in w ? { type: 'icmpx', expr: w.icmpx } : { type: REJECT_TYPES[family] ?? 'icmp', expr: w.icmp } };
    }
    case 'verdict':
      return e.verdict === 'jump' || e.verdict === 'goto' ? { [e.verdict]: { target: e.chain } } : { [e.verdict]: null };
    case 'objref':
      return { [e.type]: e.name };
    case 'quota': {
      const [val, unit] = byteUnits(e.bytes);
      const used = e.used ? byteUnits(e.used) : undefined;
      return { quota: compact({ val, val_unit: unit, used: used?.[0], used_unit: used?.[1], inv: e.over ? true : undefined }) };
    }
    case 'fib': {
      const value = e.value === 'missing' ? false : e.value === 'exists' ? true : e.value;
      return { match: { op: e.op === 'eq' ? '==' : '!=', left: { fib: { result: e.result, flags: [...e.flags] } }, right: value } };
    }
    case 'concat': {
      const v = e.value;
      return { match: { op: e.op === 'eq' ? '==' : '!=', left: { concat: e.keys.map(left) }, right: typeof v === 'string' ? v : { set: v.set.map((t) => ({ concat: [...t] })) } } };
    }
    case 'dynset': {
      const key = e.keys.length === 1 ? left(e.keys[0]) : { concat: e.keys.map(left) };
      // nft's JSON schema: a timeout wraps the key as {"elem": {"val": ..., "timeout": s}}
      const elem = e.timeout === undefined ? key : { elem: { val: key, timeout: Math.round(e.timeout / 1000) } };
      return { set: { op: e.op, elem, set: e.set } };
    }
    case 'flow':
      return { flow: { op: 'add', flowtable: `@${e.flowtable}` } };
    case 'raw':
      return { nlkit_raw: e.expr };
  }
}

export function tableJson(t: NftTable): J {
  return { table: compact({ family: t.family, name: t.name, handle: t.handle, flags: t.flags.length ? (t.flags.length === 1 ? t.flags[0] : [...t.flags]) : undefined }) };
}

export function chainJson(c: NftChain): J {
  return { chain: compact({ family: c.family, table: c.table, name: c.name, handle: c.handle, type: c.type, hook: c.hook, prio: c.priority, policy: c.policy, dev: c.device }) };
}

/** A key with an expiry as nft's schema has it: {"elem": {"val": KEY, "timeout": s, "expires": s}}. */
function withExpiry(key: J, x: NftElementExpiry | null | undefined): J {
  if (!x) return key;
  const s = (ms: number | undefined) => (ms === undefined ? undefined : Math.floor(ms / 1000));
  return { elem: compact({ val: key, timeout: s(x.timeout), expires: s(x.expires) }) };
}

function setElementJson(e: NftSetElement, x?: NftElementExpiry | null): J {
  if (Array.isArray(e)) return withExpiry({ concat: [...e] }, x);
  if (typeof e === 'object' && e !== null && 'key' in e) {
    const v = e.value;
    const value = typeof v === 'object' && v !== null && 'kind' in v ? exprJson(v, 'ip') : element(v as NftElement);
    return [withExpiry(element(e.key), x), value];
  }
  return withExpiry(element(e), x);
}

export function setJson(s: NftSet): J {
  const kind = s.map !== undefined ? 'map' : 'set';
  // nft -j leaves 'dynamic' out
  const flags = s.flags.filter((f) => f !== 'map' && f !== 'dynamic');
  return {
    [kind]: compact({
      family: s.family, name: s.name, table: s.table, type: s.type, handle: s.handle, map: s.map, size: s.size,
      flags: flags.length ? [...flags] : undefined, timeout: s.timeout === undefined ? undefined : Math.round(s.timeout / 1000),
      elem: s.elements?.length ? s.elements.map((e, i) => setElementJson(e, s.expiry?.[i])) : undefined,
    }),
  };
}

/** A named object as nft lists it: {"counter": {...}}, {"quota": {...}}, {"limit": {...}}. */
export function objectJson(o: NftObject): J {
  const base = { family: o.family, name: o.name, table: o.table, handle: o.handle };
  switch (o.type) {
    case 'counter':
      return { counter: { ...base, packets: Number(o.packets), bytes: Number(o.bytes) } };
    case 'quota':
      return { quota: { ...base, bytes: o.bytes, used: o.used, inv: o.over } };
    case 'limit': {
      // a named limit's keys in nft's order for objects (rate, per, inv, rate_unit, burst, burst_unit)
      const l = limitJson(o);
      return { limit: compact({ ...base, rate: l.rate, per: l.per, inv: l.inv, rate_unit: l.rate_unit, burst: l.burst, burst_unit: l.burst_unit }) };
    }
  }
}

export function flowtableJson(f: NftFlowtable): J {
  return { flowtable: { family: f.family, name: f.name, table: f.table, handle: f.handle, hook: f.hook, prio: f.priority, dev: f.devices.length === 1 ? f.devices[0] : [...f.devices] } };
}

export function ruleJson(r: NftRule): J {
  return { rule: compact({ family: r.family, table: r.table, chain: r.chain, handle: r.handle, comment: r.comment, expr: r.expr.map((e) => exprJson(e, r.family)) }) };
}

/** The whole ruleset, in nft's order: each table, then its named objects, sets, flowtables, chains, and rules. */
export function rulesetJson(rs: NftRuleset): { nftables: J[] } {
  const out: J[] = [{ metainfo: { version: 'nlkit', json_schema_version: 1 } }];
  for (const t of rs.tables) {
    const mine = <T extends { family: string; table: string }>(x: T) => x.family === t.family && x.table === t.name;
    out.push(tableJson(t));
    for (const o of rs.objects.filter(mine)) out.push(objectJson(o));
    for (const s of rs.sets.filter(mine)) if (!s.flags.includes('anonymous')) out.push(setJson(s));
    for (const f of rs.flowtables.filter(mine)) out.push(flowtableJson(f));
    const chains = rs.chains.filter(mine);
    for (const c of chains) out.push(chainJson(c));
    for (const c of chains) for (const r of rs.rules.filter((x) => mine(x) && x.chain === c.name)) out.push(ruleJson(r));
  }
  return { nftables: out };
}

/** JSON text with bigints as numbers and Buffers as hex (raw expressions). */
export function stringifyJson(v: unknown, indent?: number): string {
  return JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? Number(x) : x && typeof x === 'object' && (x as { type?: string }).type === 'Buffer' && Array.isArray((x as { data?: unknown }).data) ? Buffer.from((x as { data: number[] }).data).toString('hex') : x), indent);
}
