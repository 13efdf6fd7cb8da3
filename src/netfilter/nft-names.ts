// nftables' words and the kernel's numbers for them: address families, hooks, nft's named
// priorities, policies, ct states and set key types (nft's datatype ids and sizes).
import { NetlinkArgumentError } from '../core/errors.js';
import { quote } from '../core/options.js';

/** <linux/netfilter.h> NFPROTO_*: the families a table belongs to, by nft's names. */
export const NFT_FAMILIES = { inet: 1, ip: 2, arp: 3, netdev: 5, bridge: 7, ip6: 10 } as const;
export type NftFamily = keyof typeof NFT_FAMILIES;

const FAMILY_NAMES = new Map<number, NftFamily>(Object.entries(NFT_FAMILIES).map(([k, v]) => [v, k as NftFamily]));

export function familyValue(family: unknown, option = 'family'): number {
  if (typeof family === 'string' && Object.hasOwn(NFT_FAMILIES, family)) return NFT_FAMILIES[family as NftFamily];
  throw new NetlinkArgumentError(option, `must be one of ${Object.keys(NFT_FAMILIES).join(', ')}, got ${quote(family)}`);
}

/**
 * struct nfgenmsg of a request about a family's objects, alone or with the table (and the
 * object's name) the request names. Requests add their other fields to the object made
 * here: in node 20 `{ ...head, table }` costs ~2 us an object (measured, a literal ~20 ns),
 * most of a 2,000-rule batch's building.
 */
export const headFor = (family: number) => ({ nfgenFamily: family, version: 0, resId: 0 });
export const inTable = (family: number, table: string) => ({ nfgenFamily: family, version: 0, resId: 0, table });
export const objectKey = (family: number, table: string, name: string) => ({ nfgenFamily: family, version: 0, resId: 0, table, name });

export function familyName(value: number): NftFamily | `family-${number}` {
  return FAMILY_NAMES.get(value) ?? `family-${value}`;
}

export type NftHook = 'prerouting' | 'input' | 'forward' | 'output' | 'postrouting' | 'ingress' | 'egress';

/**
 * Hook numbers per family: NF_INET_* (ip, ip6, inet, bridge: NF_BR_* has the same numbers),
 * NF_ARP_* (arp: in, out, forward) and NF_NETDEV_* (netdev).
 */
const HOOKS: Record<'inet' | 'arp' | 'netdev', Partial<Record<NftHook, number>>> = {
  inet: { prerouting: 0, input: 1, forward: 2, output: 3, postrouting: 4, ingress: 5 },
  arp: { input: 0, output: 1, forward: 2 },
  netdev: { ingress: 0, egress: 1 },
};

function hookTable(family: NftFamily): Partial<Record<NftHook, number>> {
  return family === 'arp' ? HOOKS.arp : family === 'netdev' ? HOOKS.netdev : HOOKS.inet;
}

export function hookValue(family: NftFamily, hook: unknown): number {
  const table = hookTable(family);
  if (typeof hook === 'string' && Object.hasOwn(table, hook)) return table[hook as NftHook]!;
  throw new NetlinkArgumentError('hook', `must be one of ${Object.keys(table).join(', ')} in a ${family} table, got ${quote(hook)}`);
}

export function hookName(family: NftFamily, value: number): NftHook | `hook-${number}` {
  for (const [k, v] of Object.entries(hookTable(family))) if (v === value) return k as NftHook;
  return `hook-${value}`;
}

export type NftPriorityName = 'raw' | 'mangle' | 'dstnat' | 'filter' | 'security' | 'srcnat' | 'out';

/**
 * nft's named priorities (src/rule.c std_prios / bridge_std_prios): NF_IP_PRI_* for the
 * IP families, NF_BR_PRI_* for bridge; arp and netdev have only `filter`.
 */
const PRIORITIES: Record<'ip' | 'bridge' | 'other', Partial<Record<NftPriorityName, number>>> = {
  ip: { raw: -300, mangle: -150, dstnat: -100, filter: 0, security: 50, srcnat: 100 },
  bridge: { dstnat: -300, filter: -200, out: 100, srcnat: 300 },
  other: { filter: 0 },
};

function priorityTable(family: NftFamily): Partial<Record<NftPriorityName, number>> {
  return family === 'bridge' ? PRIORITIES.bridge : family === 'arp' || family === 'netdev' ? PRIORITIES.other : PRIORITIES.ip;
}

/**
 * nft's NAT priorities belong to one hook each (src/rule.c std_prio_family_hook_compat): nft
 * refuses `priority dstnat` on an input chain, and lists -100 there as a number.
 */
const HOOK_BOUND: Record<'ip' | 'bridge', Partial<Record<NftPriorityName, NftHook>>> = {
  ip: { dstnat: 'prerouting', srcnat: 'postrouting' },
  bridge: { dstnat: 'prerouting', srcnat: 'postrouting', out: 'output' },
};

/** Whether a standard name may stand for a priority on this hook (any hook when none is given). */
function nameFits(family: NftFamily, name: string, hook: NftHook | undefined): boolean {
  if (hook === undefined || family === 'arp' || family === 'netdev') return true;
  const bound = HOOK_BOUND[family === 'bridge' ? 'bridge' : 'ip'][name as NftPriorityName];
  return bound === undefined || bound === hook;
}

/** A priority: a number, a name, or nft's 'NAME + N' / 'NAME - N' (a NAT name only on its own hook, as nft). */
export function priorityValue(family: NftFamily, prio: unknown, hook?: NftHook, option = 'priority'): number {
  if (typeof prio === 'number' && Number.isInteger(prio) && prio >= -0x80000000 && prio <= 0x7fffffff) return prio;
  const table = priorityTable(family);
  const m = typeof prio === 'string' ? /^\s*([a-z]+)\s*(?:([+-])\s*(\d+))?\s*$/.exec(prio) : null;
  if (m === null && typeof prio === 'string' && /^-?\d+$/.test(prio.trim())) return priorityValue(family, Number(prio), hook, option);
  if (m && Object.hasOwn(table, m[1])) {
    if (!nameFits(family, m[1], hook)) {
      const bound = HOOK_BOUND[family === 'bridge' ? 'bridge' : 'ip'][m[1] as NftPriorityName];
      throw new NetlinkArgumentError(option, `'${m[1]}' is for ${bound} chains only, this chain hooks ${hook} (${family} table)`);
    }
    const base = table[m[1] as NftPriorityName]!;
    return m[2] === undefined ? base : m[2] === '+' ? base + Number(m[3]) : base - Number(m[3]);
  }
  throw new NetlinkArgumentError(option, `must be an integer or one of ${Object.keys(table).join(', ')} (optionally '+ N' / '- N') in a ${family} table, got ${quote(prio)}`);
}

/**
 * A priority as `nft list` prints it: a standard name, 'NAME + N' / 'NAME - N' within 10 of
 * one, else the number (also when the name near it belongs to another hook).
 */
export function priorityText(family: NftFamily, value: number, hook?: NftHook): string {
  for (const [k, v] of Object.entries(priorityTable(family))) {
    const d = value - v;
    if (Math.abs(d) > 10) continue;
    if (!nameFits(family, k, hook)) break;
    return d === 0 ? k : `${k} ${d > 0 ? '+' : '-'} ${Math.abs(d)}`;
  }
  return String(value);
}

/** The name of a standard priority, when the number is one (what `nft list` prints). */
export function priorityName(family: NftFamily, value: number): NftPriorityName | undefined {
  for (const [k, v] of Object.entries(priorityTable(family))) if (v === value) return k as NftPriorityName;
  return undefined;
}

export type NftChainType = 'filter' | 'nat' | 'route';
export const CHAIN_TYPES: readonly NftChainType[] = ['filter', 'nat', 'route'];

/** NF_DROP and NF_ACCEPT: a base chain's policy. */
export const POLICIES = { drop: 0, accept: 1 } as const;
export type NftPolicy = keyof typeof POLICIES;

/** <linux/netfilter/nf_conntrack_common.h> NF_CT_STATE_* bits (ct state). */
export const CT_STATES = { invalid: 1, established: 2, related: 4, new: 8, untracked: 64 } as const;
export type CtState = keyof typeof CT_STATES;

/** The verdicts a rule or a map element ends with (besides jump/goto, which name a chain). */
export type NftVerdictName = 'accept' | 'drop' | 'continue' | 'return';

/**
 * Set key types: nft's datatype ids (src/datatype.h enum datatypes, what NFTA_SET_KEY_TYPE
 * carries), sizes in bytes, and byte order (nft's enum byteorder: 1 host, 2 big-endian), which
 * nft keeps in the set's user data to print the elements.
 */
export const SET_TYPES = {
  nf_proto: { id: 2, len: 1, order: 1 },
  ether_type: { id: 10, len: 2, order: 2 },
  iface_index: { id: 20, len: 4, order: 1 },
  ipv4_addr: { id: 7, len: 4, order: 2 },
  ipv6_addr: { id: 8, len: 16, order: 2 },
  inet_proto: { id: 12, len: 1, order: 1 },
  inet_service: { id: 13, len: 2, order: 2 },
  mark: { id: 19, len: 4, order: 1 },
  ifname: { id: 41, len: 16, order: 1 },
} as const;
export type NftSetType = keyof typeof SET_TYPES;

/** NFT_DATA_VERDICT: what a verdict map's data type is (NFTA_SET_DATA_TYPE). */
export const NFT_DATA_VERDICT = 0xffffff00;

export function setTypeName(id: number): NftSetType | undefined {
  for (const [k, v] of Object.entries(SET_TYPES)) if (v.id === id) return k as NftSetType;
  return undefined;
}

export function setTypeOf(type: unknown, option = 'type'): NftSetType {
  if (typeof type === 'string' && Object.hasOwn(SET_TYPES, type)) return type as NftSetType;
  throw new NetlinkArgumentError(option, `must be one of ${Object.keys(SET_TYPES).join(', ')}, got ${quote(type)}`);
}

/** A name of a table, chain or set: 1..255 bytes, no NUL (NFT_NAME_MAXLEN 256 with the NUL). */
export function checkName(v: unknown, option: string): string {
  if (typeof v !== 'string') throw new NetlinkArgumentError(option, `must be a string, got ${v === null ? 'null' : typeof v}`, 'ERR_INVALID_ARG_TYPE');
  if (v.length === 0 || Buffer.byteLength(v) > 255 || v.includes('\0')) throw new NetlinkArgumentError(option, `must be 1..255 bytes without NUL, got ${quote(v)}`);
  return v;
}
