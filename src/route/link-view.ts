// A link as nlkit/route shows it: the kernel's RTM_NEWLINK decoded by the generated rt-link
// family, turned into names the way `ip -j -d -s link show` prints them (in camelCase).
import type {
  GetlinkDoReply, IfinfoFlagsEnum, LinkinfoAttrsSet, RtnlLinkStats64Struct,
} from '../ynl/families/rt-link.js';
import { linkGroups } from './names.js';

/** A link's kind and its kind's details, as the kernel reports them (IFLA_LINKINFO). */
export interface LinkInfo {
  kind?: string;
  /** The kind's IFLA_INFO_DATA in the generated family's names (bridge: forwardDelay, stpState...). */
  data?: Record<string, unknown>;
  /** The master's kind for a port ('bridge', 'bond'). */
  slaveKind?: string;
  /** The port's options (bridge port: learning, unicastFlood, cost...). */
  slaveData?: Record<string, unknown>;
}

/** A network interface. */
export interface Link {
  ifindex: number;
  ifname: string;
  /** As ip prints them: ['BROADCAST', 'MULTICAST', 'UP', 'LOWER_UP'] (NO-CARRIER, M-DOWN too). */
  flags: string[];
  mtu?: number;
  qdisc?: string;
  /** The master's name (a bridge or bond this link is a port of) and index. */
  master?: string;
  masterIndex?: number;
  /** UNKNOWN, DOWN, UP, LOWERLAYERDOWN... */
  operstate: string;
  /** DEFAULT, DORMANT, TESTING. */
  linkmode?: string;
  /** The group's name from iproute2's group file ('default'), else its number as text. */
  group?: string;
  txqlen?: number;
  /** ether, loopback, none... (the ARPHRD type). */
  linkType: string;
  address?: string;
  broadcast?: string;
  permAddress?: string;
  /** The lower or peer link: its name when it is in this namespace, and its index. */
  link?: string;
  linkIndex?: number;
  /** The namespace id (as this namespace knows it) of the lower or peer link's namespace. */
  linkNetnsid?: number;
  ifalias?: string;
  altnames?: string[];
  promiscuity?: number;
  allmulti?: number;
  minMtu?: number;
  maxMtu?: number;
  numTxQueues?: number;
  numRxQueues?: number;
  gsoMaxSize?: number;
  gsoMaxSegs?: number;
  groMaxSize?: number;
  tsoMaxSize?: number;
  tsoMaxSegs?: number;
  carrier?: boolean;
  carrierChanges?: number;
  parentBus?: string;
  parentDev?: string;
  info?: LinkInfo;
  /** 64-bit counters: rxBytes, rxPackets, rxErrors, rxDropped, txBytes... */
  stats64?: RtnlLinkStats64Struct;
}

/** ip's flag names in the order it prints them (iproute2 ip/ipaddress.c print_link_flags). */
const FLAG_NAMES: [IfinfoFlagsEnum, string][] = [
  ['loopback', 'LOOPBACK'], ['broadcast', 'BROADCAST'], ['point-to-point', 'POINTOPOINT'], ['multicast', 'MULTICAST'],
  ['no-arp', 'NOARP'], ['all-multi', 'ALLMULTI'], ['promisc', 'PROMISC'], ['no-trailers', 'NOTRAILERS'],
  ['debug', 'DEBUG'], ['dynamic', 'DYNAMIC'], ['auto-media', 'AUTOMEDIA'], ['portsel', 'PORTSEL'], ['master', 'MASTER'],
  ['slave', 'SLAVE'], ['up', 'UP'], ['lower-up', 'LOWER_UP'], ['dormant', 'DORMANT'], ['echo', 'ECHO'],
];

/** <linux/if.h> IF_OPER_* and IF_LINK_MODE_*, as ip prints them. */
const OPERSTATES = ['UNKNOWN', 'NOTPRESENT', 'DOWN', 'LOWERLAYERDOWN', 'TESTING', 'DORMANT', 'UP'];
const LINKMODES = ['DEFAULT', 'DORMANT', 'TESTING'];

/** <linux/if_arp.h> ARPHRD_* by the names ip prints (iproute2 lib/ll_types.c). */
const LINK_TYPES = new Map<number, string>([
  [0, 'netrom'], [1, 'ether'], [24, 'ieee1394'], [32, 'infiniband'], [512, 'ppp'], [768, 'ipip'], [769, 'tunnel6'],
  [772, 'loopback'], [776, 'sit'], [778, 'gre'], [783, 'irda'], [801, 'ieee802.11'], [803, 'ieee802.11/radiotap'],
  [823, 'ip6gre'], [824, 'netlink'], [825, 'ip6tnl'], [65534, 'none'], [65535, 'void'],
]);

/** What a link's name and flags are, for the links a link names (its master, its lower link). */
export type LinkLookup = (index: number) => { ifname?: string; up: boolean } | undefined;

/** ip's flag list: NO-CARRIER when up without RUNNING, M-DOWN when the lower link is down. */
export function flagNames(flags: readonly (string | number | bigint)[], lowerDown = false): string[] {
  const set = new Set(flags);
  const out = set.has('up') && !set.has('running') ? ['NO-CARRIER'] : [];
  for (const [k, name] of FLAG_NAMES) if (set.has(k)) out.push(name);
  if (lowerDown) out.push('M-DOWN');
  return out;
}

function cleanInfo(li: LinkinfoAttrsSet): LinkInfo {
  const out: LinkInfo = {};
  const strip = (o: object): Record<string, unknown> => Object.fromEntries(Object.entries(o).filter(([k]) => k !== '$unknown'));
  if (li.kind !== undefined) out.kind = li.kind;
  if (li.data !== undefined) out.data = strip(li.data);
  if (li.slaveKind !== undefined) out.slaveKind = li.slaveKind;
  if (li.slaveData !== undefined) out.slaveData = strip(li.slaveData);
  return out;
}

/** The domain object of one RTM_NEWLINK. */
export function toLink(m: GetlinkDoReply, lookup: LinkLookup): Link {
  const lower = m.link !== undefined && m.linkNetnsid === undefined ? lookup(m.link) : undefined;
  const l: Link = {
    ifindex: m.ifiIndex,
    ifname: m.ifname ?? '',
    flags: flagNames(m.ifiFlags, lower !== undefined && !lower.up),
    operstate: OPERSTATES[m.operstate ?? 0] ?? String(m.operstate),
    linkType: LINK_TYPES.get(m.ifiType) ?? String(m.ifiType),
  };
  if (m.mtu !== undefined) l.mtu = m.mtu;
  if (m.qdisc !== undefined) l.qdisc = m.qdisc;
  if (m.master !== undefined && m.master > 0) {
    l.masterIndex = m.master;
    const name = lookup(m.master)?.ifname;
    if (name !== undefined) l.master = name;
  }
  if (m.linkmode !== undefined) l.linkmode = LINKMODES[m.linkmode] ?? String(m.linkmode);
  if (m.group !== undefined) l.group = linkGroups().name(m.group);
  if (m.txqlen !== undefined) l.txqlen = m.txqlen;
  if (m.address !== undefined) l.address = m.address;
  if (m.broadcast !== undefined) l.broadcast = m.broadcast;
  if (m.permAddress !== undefined) l.permAddress = m.permAddress;
  if (m.link !== undefined && m.link > 0) {
    l.linkIndex = m.link;
    if (lower?.ifname !== undefined) l.link = lower.ifname;
  }
  if (m.linkNetnsid !== undefined) l.linkNetnsid = m.linkNetnsid;
  if (m.ifalias !== undefined) l.ifalias = m.ifalias;
  if (m.propList?.altIfname?.length) l.altnames = m.propList.altIfname;
  if (m.promiscuity !== undefined) l.promiscuity = m.promiscuity;
  if (m.allmulti !== undefined) l.allmulti = m.allmulti;
  if (m.minMtu !== undefined) l.minMtu = m.minMtu;
  if (m.maxMtu !== undefined) l.maxMtu = m.maxMtu;
  if (m.numTxQueues !== undefined) l.numTxQueues = m.numTxQueues;
  if (m.numRxQueues !== undefined) l.numRxQueues = m.numRxQueues;
  if (m.gsoMaxSize !== undefined) l.gsoMaxSize = m.gsoMaxSize;
  if (m.gsoMaxSegs !== undefined) l.gsoMaxSegs = m.gsoMaxSegs;
  if (m.groMaxSize !== undefined) l.groMaxSize = m.groMaxSize;
  if (m.tsoMaxSize !== undefined) l.tsoMaxSize = m.tsoMaxSize;
  if (m.tsoMaxSegs !== undefined) l.tsoMaxSegs = m.tsoMaxSegs;
  if (m.carrier !== undefined) l.carrier = m.carrier !== 0;
  if (m.carrierChanges !== undefined) l.carrierChanges = m.carrierChanges;
  if (m.parentDevBusName !== undefined) l.parentBus = m.parentDevBusName;
  if (m.parentDevName !== undefined) l.parentDev = m.parentDevName;
  if (m.linkinfo !== undefined) l.info = cleanInfo(m.linkinfo);
  if (m.stats64 !== undefined && !Buffer.isBuffer(m.stats64)) l.stats64 = m.stats64;
  return l;
}

/** A lookup over a dump's links. */
export function lookupOf(links: readonly GetlinkDoReply[]): LinkLookup {
  const by = new Map(links.map((m) => [m.ifiIndex, m]));
  return (i) => {
    const m = by.get(i);
    return m && { ifname: m.ifname, up: m.ifiFlags.includes('up') };
  };
}
