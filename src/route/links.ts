// Links (`ip link`): list, get, add, set and delete network interfaces, each with a Sync twin.
// Requests are the generated rt-link family's types; kinds are the tables of link-kinds.ts.
import { openSync, closeSync, constants as fsConstants } from 'node:fs';
import { NLM_F_CREATE, NLM_F_ECHO, NLM_F_EXCL } from '../core/constants.js';
import { NetlinkArgumentError } from '../core/errors.js';
import type { TransactionItem, TransactionResult } from '../core/transaction.js';
import {
  description as rtLink, type GetlinkDoReply, type IfinfoFlagsEnum, type LinkAttrsSet, type LinkinfoAttrsSet,
  type NewlinkDoRequest, type SetlinkDoRequest,
} from '../ynl/families/rt-link.js';
import { opCall, opDecoder, opItem } from '../ynl/op-call.js';
import { bindOps, type BoundOps, type Chain, type RouteContext, type RouteOptions, type Scope, type Step } from './context.js';
import { vlanBuilders } from './bridge-vlans.js';
import { BOND_PORT, BRIDGE_PORT, KINDS, kindData, type LinkKind, type OptionsOf } from './link-kinds.js';
import { checkBool, checkIfindex, checkIfname, checkLladdr, checkString, checkUint } from './arg-check.js';
import { bulkOf, oneOrMany, type BulkResult } from './bulk.js';
import { allOrThrow } from './outcomes.js';
import { lookupOf, toLink, type Link, type LinkLookup } from './link-view.js';
import { linkGroups } from './names.js';
import { quote } from '../core/options.js';

export type { Link, LinkInfo } from './link-view.js';
export type { LinkKind } from './link-kinds.js';
export type { BulkResult } from './bulk.js';
export type { BridgeVlanSpec, BridgeVlan, PortVlans } from './bridge-vlans.js';

type Kinds = typeof KINDS;
/** A device: its name or ifindex. */
export type Dev = string | number;
/** A namespace to move a link (or create a veth peer) into: a name from /run/netns, an open fd, or a process's. */
export type NetnsTarget = string | { fd: number } | { pid: number };

/** Options of a new veth's peer. */
export interface VethPeer {
  name?: string;
  address?: string;
  mtu?: number;
  txqlen?: number;
  numTxQueues?: number;
  numRxQueues?: number;
  /** Create the peer in this namespace. */
  netns?: NetnsTarget;
}

/** What every kind takes (`ip link add NAME [link DEV] [mtu N] [address A] ... type KIND`). */
export interface LinkBaseSpec {
  name: string;
  mtu?: number;
  address?: string;
  broadcast?: string;
  txqlen?: number;
  /** Bring it up once created. */
  up?: boolean;
  /** Make it a port of this bridge or bond. */
  master?: Dev;
  /** The lower device (macvlan, ipvlan, vlan: ip's `link DEV`). */
  link?: Dev;
  /** A group name from iproute2's group file, or a number. */
  group?: string | number;
  numTxQueues?: number;
  numRxQueues?: number;
}

/**
 * A new link: the base options and its kind's (`{ name: 'br0', kind: 'bridge', stp: true }`).
 * Where a kind's option has a base option's name, the kind's wins (vxlan's `group` is its
 * multicast group: set the link group with set()).
 */
export type LinkSpec = {
  [K in LinkKind]: Omit<LinkBaseSpec, keyof Kinds[K]> & { kind: K } & OptionsOf<Kinds[K]> & (K extends 'veth' ? { peer?: string | VethPeer } : unknown);
}[LinkKind];

/** A bridge port's options (`ip link set dev X type bridge_slave ...`). */
export type BridgePortOptions = OptionsOf<typeof BRIDGE_PORT>;
/** A bond port's options (`ip link set dev X type bond_slave ...`). */
export type BondPortOptions = OptionsOf<typeof BOND_PORT>;

/** Changes to a link (`ip link set dev X ...`): only what is given changes. */
export type LinkChange = {
  dev: Dev;
  up?: boolean;
  /** The other ifi_flags ip sets: `promisc`, `arp` (false: NOARP), `multicast`, `allmulti`. */
  promisc?: boolean;
  arp?: boolean;
  multicast?: boolean;
  allmulti?: boolean;
  mtu?: number;
  address?: string;
  broadcast?: string;
  /** Rename. */
  name?: string;
  alias?: string;
  txqlen?: number;
  /** Port of this bridge or bond; null: no master (ip's `nomaster`). */
  master?: Dev | null;
  /** Move to another namespace. */
  netns?: NetnsTarget;
  group?: string | number;
  altnames?: { add?: string[]; del?: string[] };
  /** Bridge port options (the link must be a bridge port). */
  port?: BridgePortOptions;
  /** Bond port options (the link must be a bond port). */
  bondPort?: BondPortOptions;
} & ({ kind?: undefined } | { [K in LinkKind]: { kind: K } & Omit<OptionsOf<Kinds[K]>, 'dev'> }[LinkKind]);

/** What list() keeps. */
export interface LinkFilter {
  kind?: string;
  /** Ports of this master. */
  master?: Dev;
  up?: boolean;
  group?: string | number;
  name?: string | RegExp;
}

/** <linux/if.h> net_device_flags that `ip link set` changes, by option. */
const FLAG_OPTIONS: Record<'up' | 'promisc' | 'arp' | 'multicast' | 'allmulti', { flag: IfinfoFlagsEnum; bit: number; inverted?: boolean }> = {
  up: { flag: 'up', bit: 0x1 },
  promisc: { flag: 'promisc', bit: 0x100 },
  arp: { flag: 'no-arp', bit: 0x80, inverted: true },
  multicast: { flag: 'multicast', bit: 0x1000 },
  allmulti: { flag: 'all-multi', bit: 0x200 },
};

const BASE_KEYS = new Set(['name', 'kind', 'mtu', 'address', 'broadcast', 'txqlen', 'up', 'master', 'link', 'group', 'numTxQueues', 'numRxQueues', 'peer']);
const CHANGE_KEYS = new Set(['dev', 'kind', 'mtu', 'address', 'broadcast', 'name', 'alias', 'txqlen', 'master', 'netns', 'group', 'altnames', 'port', 'bondPort', ...Object.keys(FLAG_OPTIONS)]);
const PEER_KEYS = new Set(['name', 'address', 'mtu', 'txqlen', 'numTxQueues', 'numRxQueues', 'netns']);

const TUNTAP = new Set(['tun', 'tap']);

function object(v: unknown, option: string): Record<string, unknown> {
  if (typeof v === 'object' && v !== null && !Array.isArray(v)) return v as Record<string, unknown>;
  throw new NetlinkArgumentError(option, `must be an object, got ${Array.isArray(v) ? 'an array' : v === null ? 'null' : typeof v}`, 'ERR_INVALID_ARG_TYPE');
}

function checkKeys(o: Record<string, unknown>, allowed: Set<string>, table: object, option: string): void {
  for (const k of Object.keys(o))
    if (!allowed.has(k) && !Object.hasOwn(table, k))
      throw new NetlinkArgumentError(`${option}${k}`, `is not an option here (there are: ${[...allowed, ...Object.keys(table)].join(', ')})`);
}

function kindOf(kind: unknown): LinkKind {
  if (typeof kind === 'string' && TUNTAP.has(kind))
    throw new NetlinkArgumentError('kind', `'${kind}' devices are made with ioctls, not rtnetlink: use rt.tuntap.add({ name, mode: '${kind}' })`);
  if (typeof kind === 'string' && Object.hasOwn(KINDS, kind)) return kind as LinkKind;
  throw new NetlinkArgumentError('kind', `must be one of ${Object.keys(KINDS).join(', ')}, got ${quote(kind)}`);
}

const ifname = (v: unknown, option: string): string => checkIfname(v, option);

/** The attributes a new link and a changed link share (ip's mtu, address, txqlen...). */
function common(input: Record<string, unknown>, prefix = '', claimed: object = {}): Pick<LinkAttrsSet, 'mtu' | 'address' | 'broadcast' | 'txqlen' | 'group' | 'numTxQueues' | 'numRxQueues'> {
  const spec = Object.fromEntries(Object.entries(input).filter(([k]) => !Object.hasOwn(claimed, k)));
  const a: ReturnType<typeof common> = {};
  if (spec.mtu !== undefined) a.mtu = checkUint(spec.mtu, `${prefix}mtu`, 0xffffffff);
  if (spec.address !== undefined) a.address = checkLladdr(spec.address, `${prefix}address`);
  if (spec.broadcast !== undefined) a.broadcast = checkLladdr(spec.broadcast, `${prefix}broadcast`);
  if (spec.txqlen !== undefined) a.txqlen = checkUint(spec.txqlen, `${prefix}txqlen`, 0xffffffff);
  if (spec.group !== undefined) a.group = linkGroups().value(spec.group as string | number, `${prefix}group`);
  if (spec.numTxQueues !== undefined) a.numTxQueues = checkUint(spec.numTxQueues, `${prefix}numTxQueues`, 4096);
  if (spec.numRxQueues !== undefined) a.numRxQueues = checkUint(spec.numRxQueues, `${prefix}numRxQueues`, 4096);
  return a;
}

/** IFLA_NET_NS_FD / IFLA_NET_NS_PID for a namespace; a name's fd is closed when the call is over. */
function netnsAttr(v: unknown, option: string, scope: Scope): Pick<LinkAttrsSet, 'netNsFd' | 'netNsPid'> {
  if (typeof v === 'string') {
    if (v === '' || v.includes('/') || v === '.' || v === '..') throw new NetlinkArgumentError(option, `must be a name from /run/netns, got ${quote(v)}`);
    let fd: number;
    try {
      fd = openSync(`/run/netns/${v}`, fsConstants.O_RDONLY);
    } catch (e) {
      throw new NetlinkArgumentError(option, `names no namespace: /run/netns/${v} (${(e as Error).message})`);
    }
    scope.defer(() => closeSync(fd));
    return { netNsFd: fd };
  }
  const o = object(v, option);
  if ('fd' in o && Object.keys(o).length === 1) return { netNsFd: checkUint(o.fd, `${option}.fd`, 0x7fffffff) };
  if ('pid' in o && Object.keys(o).length === 1) return { netNsPid: checkUint(o.pid, `${option}.pid`, 0x7fffffff) };
  throw new NetlinkArgumentError(option, 'must be a namespace name, { fd } or { pid }', 'ERR_INVALID_ARG_TYPE');
}

/** ifi_flags and ifi_change for the flag options given (only those change). */
function flagChange(spec: Record<string, unknown>): { ifiFlags: IfinfoFlagsEnum[]; ifiChange: number } {
  const out = { ifiFlags: [] as IfinfoFlagsEnum[], ifiChange: 0 };
  for (const [k, f] of Object.entries(FLAG_OPTIONS)) {
    const v = spec[k];
    if (checkBool(v, k) === undefined) continue;
    out.ifiChange |= f.bit;
    if (v !== !!f.inverted) out.ifiFlags.push(f.flag);
  }
  return out;
}

function vethPeer(v: unknown, scope: Scope): NonNullable<NewlinkDoRequest['linkinfo']> {
  const p = typeof v === 'string' ? { name: v } : object(v, 'peer');
  checkKeys(p, PEER_KEYS, {}, 'peer.');
  const peer: LinkAttrsSet & { ifiFamily: number } = { ifiFamily: 0 };
  if (p.name !== undefined) peer.ifname = ifname(p.name, 'peer.name');
  Object.assign(peer, common(p, 'peer.'));
  if (p.netns !== undefined) Object.assign(peer, netnsAttr(p.netns, 'peer.netns', scope));
  return { kind: 'veth', data: { peer } };
}

/** RTM_NEWLINK's request for a new link. */
export function newlinkRequest(input: LinkSpec, scope: Scope): NewlinkDoRequest {
  const spec = object(input, 'spec');
  const kind = kindOf(spec.kind);
  const table = KINDS[kind];
  checkKeys(spec, BASE_KEYS, table, '');
  if (spec.peer !== undefined && kind !== 'veth') throw new NetlinkArgumentError('peer', `is for veth links, not ${kind}`);
  const req: NewlinkDoRequest = { ifiFamily: 0, ...flagChange(spec), ifname: ifname(spec.name, 'name'), ...common(spec, '', table) };
  if (spec.link !== undefined) req.link = scope.ifindex(spec.link as Dev, 'link');
  if (spec.master !== undefined) req.master = scope.ifindex(spec.master as Dev, 'master');
  const data = kindData(table, spec, scope);
  req.linkinfo = kind === 'veth' && spec.peer !== undefined ? vethPeer(spec.peer, scope)
    : ({ kind, ...(data && { data }) } as LinkinfoAttrsSet);
  return req;
}

/** Port options as IFLA_INFO_SLAVE_KIND and IFLA_INFO_SLAVE_DATA, by the master's kind. */
function portData(spec: Record<string, unknown>, scope: Scope): { slaveKind: 'bridge' | 'bond'; slaveData: Record<string, unknown> } | undefined {
  for (const [option, slaveKind, table] of [['port', 'bridge', BRIDGE_PORT], ['bondPort', 'bond', BOND_PORT]] as const) {
    if (spec[option] === undefined) continue;
    const o = object(spec[option], option);
    checkKeys(o, new Set(), table, `${option}.`);
    const slaveData = kindData(table, o, scope, `${option}.`);
    return slaveData && { slaveKind, slaveData };
  }
  return undefined;
}

/** The requests of one change: alt names, kind or port options (RTM_NEWLINK), then the rest (RTM_SETLINK). */
export function changeItems(input: LinkChange, scope: Scope): TransactionItem<unknown>[] {
  const spec = object(input, 'change');
  const kind = spec.kind === undefined ? undefined : kindOf(spec.kind);
  checkKeys(spec, CHANGE_KEYS, kind ? KINDS[kind] : {}, '');
  const ifiIndex = scope.ifindex(spec.dev as Dev, 'dev');
  const items: TransactionItem<unknown>[] = [];
  if (spec.altnames !== undefined) {
    const alt = object(spec.altnames, 'altnames');
    checkKeys(alt, new Set(['add', 'del']), {}, 'altnames.');
    for (const op of ['add', 'del'] as const) {
      const names = alt[op];
      if (names === undefined) continue;
      if (!Array.isArray(names) || names.length === 0) throw new NetlinkArgumentError(`altnames.${op}`, 'must be a non-empty list of names', 'ERR_INVALID_ARG_TYPE');
      // IFLA_ALT_IFNAME allows 127 bytes (ALTIFNAMSIZ - 1)
      const altIfname = names.map((n, i) => {
        if (typeof n === 'string' && n.length > 0 && n.length < 128 && !n.includes('/') && !/\s/.test(n)) return n;
        throw new NetlinkArgumentError(`altnames.${op}[${i}]`, `must be a name of 1-127 characters without '/' or spaces, got ${quote(n)}`);
      });
      items.push(opItem(rtLink, op === 'add' ? 'newlinkprop' : 'dellinkprop', { ifiFamily: 0, ifiIndex, propList: { altIfname } }));
    }
  }
  const data = kind ? kindData(KINDS[kind], spec, scope) : undefined;
  if (spec.port !== undefined && spec.bondPort !== undefined) throw new NetlinkArgumentError('bondPort', 'and port cannot both be given: a link is a port of one master');
  const slave = portData(spec, scope);
  if (kind || slave) {
    const linkinfo = { ...(kind && { kind, ...(data && { data }) }), ...slave } as LinkinfoAttrsSet;
    items.push(opItem(rtLink, 'newlink', { ifiFamily: 0, ifiIndex, linkinfo }));
  }
  const base = { ifiFamily: 0, ifiIndex, ...flagChange(spec) };
  const req: SetlinkDoRequest = { ...base, ...common(spec, '', kind ? KINDS[kind] : {}) };
  if (spec.name !== undefined) req.ifname = ifname(spec.name, 'name');
  if (spec.alias !== undefined) {
    if (typeof spec.alias !== 'string' || Buffer.byteLength(spec.alias) > 255) throw new NetlinkArgumentError('alias', 'must be a string of at most 255 bytes', 'ERR_INVALID_ARG_TYPE');
    req.ifalias = spec.alias;
  }
  if (spec.master !== undefined) req.master = spec.master === null ? 0 : scope.ifindex(spec.master as Dev, 'master');
  if (spec.netns !== undefined) Object.assign(req, netnsAttr(spec.netns, 'netns', scope));
  if (Object.keys(req).length > Object.keys(base).length || base.ifiChange) items.push(opItem(rtLink, 'setlink', req));
  if (items.length === 0) throw new NetlinkArgumentError('change', 'changes nothing: give up, mtu, name, master... besides dev');
  return items;
}

/** RTM_DELLINK for a name (the kernel finds it) or an index. */
function dellink(dev: unknown, option: string): TransactionItem<unknown> {
  if (typeof dev === 'number') return opItem(rtLink, 'dellink', { ifiFamily: 0, ifiIndex: checkIfindex(dev, option) });
  return opItem(rtLink, 'dellink', { ifiFamily: 0, ifname: ifname(dev, option) });
}

const decodeLink = opDecoder(rtLink, 'getlink', 'do');

/**
 * A link with its master's and lower link's names and flags: one transaction of a get for
 * each (a link gone meanwhile is shown by index only), not a dump of every link.
 */
function shape(m: GetlinkDoReply): Step<Link> | { value: Link } {
  const others = [...new Set([m.master, m.linkNetnsid === undefined ? m.link : undefined])].filter((i): i is number => i !== undefined && i > 0);
  if (others.length === 0) return { value: toLink(m, () => undefined) };
  return {
    bulk: others.map((ifiIndex) => opItem(rtLink, 'getlink', { ifiFamily: 0, ifiIndex, extMask: ['skip-stats'] })),
    result: (r: TransactionResult<GetlinkDoReply>) => toLink(m, lookupOf(r.items.flatMap((i) => (i.ok ? i.replies : [])))),
  };
}

function matches(l: GetlinkDoReply, f: Record<string, unknown>, masterIndex: number | undefined): boolean {
  if (f.kind !== undefined && l.linkinfo?.kind !== f.kind) return false;
  if (masterIndex !== undefined && l.master !== masterIndex) return false;
  if (f.up !== undefined && l.ifiFlags.includes('up') !== f.up) return false;
  if (f.group !== undefined && l.group !== linkGroups().value(f.group as string | number, 'group')) return false;
  if (typeof f.name === 'string' && l.ifname !== f.name) return false;
  if (f.name instanceof RegExp && !f.name.test(l.ifname ?? '')) return false;
  return true;
}

const FILTER_KEYS = new Set(['kind', 'master', 'up', 'group', 'name']);

const builders = {
  list: (scope: Scope, filter?: LinkFilter): Step<Link[]> => {
    const f = filter === undefined ? {} : object(filter, 'filter');
    checkKeys(f, FILTER_KEYS, {}, 'filter.');
    // a value of another type would match nothing, silently
    if (f.kind !== undefined) checkString(f.kind, 'filter.kind');
    checkBool(f.up, 'filter.up');
    if (f.name !== undefined && !(f.name instanceof RegExp)) checkString(f.name, 'filter.name');
    const masterIndex = f.master === undefined ? undefined : scope.ifindex(f.master as Dev, 'filter.master');
    return {
      ...opCall(rtLink, 'getlink', 'dump', { ifiFamily: 0, ...(masterIndex !== undefined && { master: masterIndex }) }),
      result: (all: GetlinkDoReply[]) => {
        const lookup: LinkLookup = lookupOf(all);
        return all.filter((l) => matches(l, f, masterIndex)).map((l) => toLink(l, lookup));
      },
    };
  },

  get: (scope: Scope, dev: Dev): Step<Link> => {
    // a name longer than IFNAMSIZ can only be an alternative name (IFLA_ALT_IFNAME, up to 127 bytes)
    const req = typeof dev === 'number' ? { ifiIndex: scope.ifindex(dev, 'dev') }
      : typeof dev === 'string' && dev.length > 15 && dev.length < 128 && !/[\s/]/.test(dev) ? { altIfname: dev } : { ifname: ifname(dev, 'dev') };
    return { first: opCall(rtLink, 'getlink', 'do', { ifiFamily: 0, ...req }), then: (r: GetlinkDoReply[]) => shape(r[0]!) } satisfies Chain<Link>;
  },

  add: (scope: Scope, spec: LinkSpec | LinkSpec[]): Step<Link | BulkResult> => {
    if (Array.isArray(spec)) return bulkOf(scope, spec, (s, one) => opItem(rtLink, 'newlink', newlinkRequest(one, s), { flags: NLM_F_CREATE | NLM_F_EXCL }));
    const req = newlinkRequest(spec, scope);
    // NLM_F_ECHO: the kernel (6.3+, rtnl_newlink_create) sends the new link back; older ones do not, then a get follows
    const call = { ...opCall(rtLink, 'newlink', 'do', req, { flags: NLM_F_CREATE | NLM_F_EXCL | NLM_F_ECHO }), decode: decodeLink };
    return {
      first: { ...call, result: (r: GetlinkDoReply[]) => r.filter((m) => m.ifname === req.ifname).at(-1) },
      then: (m: GetlinkDoReply | undefined, s: Scope) => (m ? shape(m) : builders.get(s, req.ifname!)),
    } satisfies Chain<Link>;
  },

  set: (scope: Scope, change: LinkChange): Step<void> => allOrThrow(changeItems(change, scope)),

  delete: (scope: Scope, dev: Dev | Dev[]): Step<BulkResult | undefined> => oneOrMany(scope, dev, (_s, d) => dellink(d, 'dev')),
};

/**
 * The links of a namespace: `ip link` as methods, each with a Sync twin. add and delete take
 * one link (a Link back from add) or an array (one transaction, a BulkResult back).
 */
export type Links = Omit<BoundOps<typeof builders>, 'add' | 'addSync' | 'delete' | 'deleteSync'> & {
  add: { (spec: LinkSpec, opts?: RouteOptions): Promise<Link>; (specs: LinkSpec[], opts?: RouteOptions): Promise<BulkResult> };
  addSync: { (spec: LinkSpec, opts?: RouteOptions): Link; (specs: LinkSpec[], opts?: RouteOptions): BulkResult };
  delete: { (dev: Dev, opts?: RouteOptions): Promise<void>; (devs: Dev[], opts?: RouteOptions): Promise<BulkResult> };
  deleteSync: { (dev: Dev, opts?: RouteOptions): void; (devs: Dev[], opts?: RouteOptions): BulkResult };
  /** Bridge VLANs (`bridge vlan`): add, delete and list, each with a Sync twin. */
  readonly vlans: BoundOps<typeof vlanBuilders>;
};

export function makeLinks(ctx: RouteContext): Links {
  return Object.assign(bindOps(ctx, builders), { vlans: bindOps(ctx, vlanBuilders) }) as unknown as Links;
}
