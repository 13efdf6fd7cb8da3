// Numbers of the socket world by name: address families, IP protocols, netlink protocols,
// socket states and the groups of them `ss` knows.
import { NetlinkArgumentError } from '../core/errors.js';
import type { TcpStateEnum } from '../ynl/families/sock_diag_inet.js';
import { quote } from '../core/options.js';

export const AF = { unix: 1, inet: 2, inet6: 10, netlink: 16, packet: 17 } as const;
export type SocketFamily = keyof typeof AF;

/** IPPROTO_* of the protocols inet_diag serves. */
export const IPPROTO = { tcp: 6, udp: 17, raw: 255, mptcp: 262, udplite: 136 } as const;
export type InetProtocol = keyof typeof IPPROTO;

/** Socket states (TCP_* of the kernel, as the spec names them; UDP and unix reuse them). */
export type SocketState = TcpStateEnum;
export const STATES: readonly SocketState[] = [
  'established', 'syn-sent', 'syn-recv', 'fin-wait1', 'fin-wait2', 'time-wait', 'close', 'close-wait',
  'last-ack', 'listen', 'closing', 'new-syn-recv', 'bound-inactive',
];

/** ss's groups of states (ss(8) STATE-FILTER). */
const BUCKET: SocketState[] = ['syn-recv', 'time-wait'];
export const STATE_GROUPS: Record<string, readonly SocketState[]> = {
  all: STATES,
  connected: STATES.filter((s) => s !== 'listen' && s !== 'close'),
  synchronized: STATES.filter((s) => s !== 'listen' && s !== 'close' && s !== 'syn-sent'),
  bucket: BUCKET,
  big: STATES.filter((s) => !BUCKET.includes(s)),
};

/** The states ss shows without -a or -l: connected ones, minisockets (bucket) aside. */
export const DEFAULT_SS_STATES: readonly SocketState[] = STATE_GROUPS.connected.filter((s) => !BUCKET.includes(s));

/** ss's filter words that are not the spec's names, and its State column's words that are not them upper-cased. */
const SS_FILTER_WORDS: Partial<Record<SocketState, string>> = { 'fin-wait1': 'fin-wait-1', 'fin-wait2': 'fin-wait-2', 'close': 'closed', 'listen': 'listening' };
const SS_COLUMN_WORDS: Partial<Record<SocketState, string>> = { 'established': 'ESTAB', 'close': 'UNCONN', 'listen': 'LISTEN' };

/** ss's spellings of the states, in filters and in its State column. */
export const SS_STATE_NAMES = Object.fromEntries(STATES.map((s) => {
  const filter = SS_FILTER_WORDS[s] ?? s;
  return [s, { filter, column: SS_COLUMN_WORDS[s] ?? filter.toUpperCase() }];
})) as Record<SocketState, { filter: string; column: string }>;

/**
 * A states option: a list of names, a group name ('all', 'connected', 'synchronized',
 * 'bucket', 'big'), or a list mixing them; ss's spellings ('fin-wait-1', 'listening',
 * 'closed') are accepted too.
 */
export function parseStates(v: unknown, option = 'states'): SocketState[] {
  const items = typeof v === 'string' ? [v] : v;
  if (!Array.isArray(items) || items.length === 0)
    throw new NetlinkArgumentError(option, `must be a state, a group ('all', 'connected'...) or a list of them, got ${quote(v)}`, 'ERR_INVALID_ARG_TYPE');
  const out = new Set<SocketState>();
  for (const s of items) {
    const group = typeof s === 'string' ? STATE_GROUPS[s] : undefined;
    if (group) { group.forEach((x) => out.add(x)); continue; }
    const name = typeof s === 'string' ? (STATES.find((x) => x === s || SS_STATE_NAMES[x].filter === s)) : undefined;
    if (!name) throw new NetlinkArgumentError(option, `has no state ${quote(s)} (there are: ${STATES.join(', ')}, ${Object.keys(STATE_GROUPS).join(', ')})`);
    out.add(name);
  }
  return STATES.filter((s) => out.has(s));
}

/** NETLINK_* protocol names as ss prints them. */
export const NETLINK_PROTOCOLS: readonly (string | undefined)[] = [
  'rtnl', 'unused', 'usersock', 'fw', 'tcpdiag', 'nflog', 'xfrm', 'selinux', 'iscsi', 'audit', 'fiblookup',
  'connector', 'nft', 'ip6fw', 'dec-rt', 'uevent', 'genl', undefined, 'scsitrans', 'ecryptfs', 'rdma', 'crypto', 'smc',
];

/** SK_MEMINFO_* (linux/sock_diag.h) by position. */
export const SK_MEMINFO = ['rmemAlloc', 'rcvbuf', 'wmemAlloc', 'sndbuf', 'fwdAlloc', 'wmemQueued', 'optmem', 'backlog', 'drops'] as const;
export type SkMeminfo = { [K in (typeof SK_MEMINFO)[number]]?: number };

/** u32s in SK_MEMINFO order as named fields (a newer kernel's extra ones are left out). */
export function skMeminfo(v: readonly (number | bigint)[] | undefined): SkMeminfo | undefined {
  if (!v) return undefined;
  const out: SkMeminfo = {};
  SK_MEMINFO.forEach((k, i) => { if (i < v.length) out[k] = Number(v[i]); });
  return out;
}
