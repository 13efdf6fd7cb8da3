// Named stateful objects (counters, quotas, limits a rule uses by name: `counter name "x"`)
// and flowtables (the fast path `flow add @ft` offloads connections to): their commands as
// the kernel's requests, and what the kernel lists back as objects with names.
import { NLM_F_CREATE, NLM_F_ECHO, NLM_F_EXCL } from '../core/constants.js';
import { NetlinkArgumentError } from '../core/errors.js';
import type { TransactionItem } from '../core/transaction.js';
import { opCall, opItem } from '../ynl/op-call.js';
import {
  description as nft, type DelobjDoRequest, type GetflowtableDumpReply, type GetobjDumpReply, type GetobjDumpRequest, type NewflowtableDoRequest, type NewobjDoRequest,
} from '../ynl/families/nftables.js';
import type { NftObjectType, NftRateUnit } from './nft-expr.js';
import { defaultBurst, OBJECT_TYPES, RATE_UNITS } from './nft-expr-encode.js';
import { checkName, familyName, familyValue, headFor, hookValue, objectKey, priorityValue, type NftFamily } from './nft-names.js';
import { quote } from '../core/options.js';

interface Named {
  family: NftFamily;
  table: string;
  name: string;
}

export interface NftCounterSpec extends Named {
  packets?: number | bigint;
  bytes?: number | bigint;
}

export interface NftQuotaSpec extends Named {
  /** The quota in bytes. */
  bytes: number;
  /** `quota over`: the object matches once the quota is used up. */
  over?: boolean;
  /** Bytes already used. */
  used?: number;
}

export interface NftLimitSpec extends Named {
  rate: number;
  per: NftRateUnit;
  burst?: number;
  /** A rate in bytes rather than packets. */
  bytes?: boolean;
  over?: boolean;
}

export interface NftFlowtableSpec extends Named {
  /** Only 'ingress' (the kernel's one flowtable hook). */
  hook?: 'ingress';
  /** A number or nft's names ('filter' ...). Default 'filter'. */
  priority?: number | string;
  devices: string[];
}

/** A named object as listed: its kind and state. */
export type NftObject = Named & { handle: number; use: number } & (
  | { type: 'counter'; packets: bigint; bytes: bigint }
  | { type: 'quota'; bytes: number; used: number; over: boolean }
  | { type: 'limit'; rate: number; per: NftRateUnit; burst: number; bytes: boolean; over: boolean }
);

export interface NftFlowtable extends Named {
  handle: number;
  use: number;
  hook: 'ingress';
  priority: number;
  devices: string[];
}

/** The object kinds of commands (`{ add: 'quota', ... }`). */
export const STATEFUL_KINDS = ['counter', 'quota', 'limit', 'flowtable'] as const;
export type NftStatefulKind = (typeof STATEFUL_KINDS)[number];

type Item = TransactionItem<unknown>;

function count(v: unknown, option: string): bigint {
  if ((typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) || (typeof v === 'bigint' && v >= 0n)) return BigInt(v);
  throw new NetlinkArgumentError(option, `must be a non-negative integer, got ${quote(typeof v === 'bigint' ? String(v) : v)}`);
}

function positive(v: unknown, option: string): number {
  if (typeof v === 'number' && Number.isSafeInteger(v) && v > 0) return v;
  throw new NetlinkArgumentError(option, `must be a positive integer, got ${quote(v)}`);
}

/** An object's NFTA_OBJ_TYPE and NFTA_OBJ_DATA from its spec. */
function objData(kind: NftObjectType, c: Record<string, unknown>, where: string): NewobjDoRequest {
  switch (kind) {
    case 'counter':
      return { type: 'counter', data: { packets: count(c.packets ?? 0, `${where}.packets`), bytes: count(c.bytes ?? 0, `${where}.bytes`) } };
    case 'quota':
      return {
        type: 'quota',
        data: { bytes: BigInt(positive(c.bytes, `${where}.bytes`)), flags: c.over ? ['invert'] : [], ...(c.used !== undefined ? { consumed: count(c.used, `${where}.used`) } : {}) },
      };
    case 'limit': {
      const unit = RATE_UNITS[c.per as string];
      if (unit === undefined) throw new NetlinkArgumentError(`${where}.per`, `must be one of ${Object.keys(RATE_UNITS).join(', ')}, got ${quote(c.per)}`);
      const burst = c.burst === undefined ? defaultBurst(c.bytes === true) : count(c.burst, `${where}.burst`);
      return {
        type: 'limit',
        data: { rate: BigInt(positive(c.rate, `${where}.rate`)), unit, burst: Number(burst), type: c.bytes ? 'pkt-bytes' : 'pkts', flags: c.over ? ['inv'] : [] },
      };
    }
  }
}

/** A flowtable's hook: ingress (NF_NETDEV_INGRESS, whatever the table's family), a priority and devices. */
function flowtableHook(c: NftFlowtableSpec, where: string): NewflowtableDoRequest['hook'] {
  if (c.hook !== undefined && c.hook !== 'ingress') throw new NetlinkArgumentError(`${where}.hook`, `a flowtable's hook is 'ingress', got ${quote(c.hook)}`);
  if (!Array.isArray(c.devices) || !c.devices.length) throw new NetlinkArgumentError(`${where}.devices`, 'must list the devices whose traffic the flowtable takes');
  return {
    num: hookValue('netdev', 'ingress'),
    // nft names a flowtable's priority as a netdev chain's (only filter), whatever the table's family
    priority: priorityValue('netdev', c.priority ?? 'filter', undefined, `${where}.priority`),
    devs: { name: c.devices.map((d, i) => checkName(d, `${where}.devices[${i}]`)) },
  };
}

/** The requests of `{ add|create|delete|destroy: 'counter'|'quota'|'limit'|'flowtable', ... }`. */
export function statefulItems(verb: string, kind: NftStatefulKind, spec: unknown, where: string, echo: boolean): Item[] {
  const c = spec as Record<string, unknown> & Named;
  const key = objectKey(familyValue(c.family), checkName(c.table, `${where}.table`), checkName(c.name, `${where}.name`));
  const create = { flags: NLM_F_CREATE | (verb === 'create' ? NLM_F_EXCL : 0) | (echo ? NLM_F_ECHO : 0) };
  if (kind === 'flowtable') {
    if (verb === 'delete') return [opItem(nft, 'delflowtable', key)];
    if (verb === 'destroy') return [opItem(nft, 'destroyflowtable', key)];
    const req: NewflowtableDoRequest = key;
    req.hook = flowtableHook(c as unknown as NftFlowtableSpec, where);
    return [opItem(nft, 'newflowtable', req, create)];
  }
  if (verb === 'delete' || verb === 'destroy') {
    const req: DelobjDoRequest = key;
    req.type = kind;
    return [opItem(nft, verb === 'delete' ? 'delobj' : 'destroyobj', req)];
  }
  return [opItem(nft, 'newobj', Object.assign(key, objData(kind, c, where)), create)];
}

const num = (v: unknown): number => (typeof v === 'bigint' ? Number(v) : typeof v === 'number' ? v : 0);

/** A listed object, or undefined for kinds nlkit does not read (ct helpers, synproxy...). */
export function toObject(r: GetobjDumpReply): NftObject | undefined {
  const base = { family: familyName(r.nfgenFamily) as NftFamily, table: r.table ?? '', name: r.name ?? '', handle: num(r.handle), use: num(r.use) };
  if (r.type === 'counter') return { ...base, type: 'counter', packets: BigInt(r.data?.packets ?? 0n), bytes: BigInt(r.data?.bytes ?? 0n) };
  if (r.type === 'quota') {
    const flags = r.data?.flags ?? [];
    return { ...base, type: 'quota', bytes: num(r.data?.bytes), used: num(r.data?.consumed), over: flags.includes('invert') };
  }
  if (r.type === 'limit') {
    const d = r.data ?? {};
    const per = Object.entries(RATE_UNITS).find(([, v]) => v === d.unit)?.[0] as NftRateUnit | undefined;
    if (!per) return undefined;
    return { ...base, type: 'limit', rate: num(d.rate), per, burst: num(d.burst), bytes: d.type === 'pkt-bytes', over: (d.flags ?? []).includes('inv') };
  }
  return undefined;
}

export function toFlowtable(r: GetflowtableDumpReply): NftFlowtable {
  return {
    family: familyName(r.nfgenFamily) as NftFamily, table: r.table ?? '', name: r.name ?? '', handle: num(r.handle), use: num(r.use),
    hook: 'ingress', priority: r.hook?.priority ?? 0, devices: r.hook?.devs?.name ?? [],
  };
}

/** A dump of named objects (of one table and kind, when given: the kernel filters by both). */
export function objectsCall(family: number, filter: { table?: string; type?: NftObjectType }, reset = false) {
  const req: GetobjDumpRequest = headFor(family);
  if (filter.table !== undefined) req.table = checkName(filter.table, 'table');
  if (filter.type !== undefined) {
    if (!Object.hasOwn(OBJECT_TYPES, filter.type)) throw new NetlinkArgumentError('type', `must be one of ${Object.keys(OBJECT_TYPES).join(', ')}, got ${quote(filter.type)}`);
    req.type = filter.type;
  }
  const result = (r: GetobjDumpReply[]) => r.map(toObject).filter((o): o is NftObject => o !== undefined);
  return reset ? opCall(nft, 'getobj-reset', 'dump', req, { result }) : opCall(nft, 'getobj', 'dump', req, { result });
}

export function flowtablesCall(family: number) {
  return opCall(nft, 'getflowtable', 'dump', headFor(family), { result: (r: GetflowtableDumpReply[]) => r.map(toFlowtable) });
}
