// The link kinds nlkit/route creates, each as a table from the option names a user of `ip link`
// knows to the attributes of the kind's IFLA_INFO_DATA in the generated rt-link family. Each
// entry is typed against the generated set, so tsc checks every mapping against the spec.
import { NetlinkArgumentError } from '../core/errors.js';
import { AF_INET, AF_INET6 } from '../core/rtnetlink.js';
import type {
  BondSlaveAttrsSet, LinkinfoBondAttrsSet, LinkinfoBridgeAttrsSet, LinkinfoBrportAttrsSet, LinkinfoGeneveAttrsSet, LinkinfoGre6AttrsSet,
  LinkinfoGreAttrsSet, LinkinfoIp6tnlAttrsSet, LinkinfoIptunAttrsSet, LinkinfoIpvlanAttrsSet, LinkinfoMacvlanAttrsSet,
  LinkinfoNetkitAttrsSet, LinkinfoVlanAttrsSet, LinkinfoVrfAttrsSet, LinkinfoVxlanAttrsSet, MacvlanModeEnum,
  NetkitModeEnum, NetkitPolicyEnum, NetkitScrubEnum,
} from '../ynl/families/rt-link.js';
import type { Scope } from './context.js';
import { familyOf } from './inet.js';
import { routeTables } from './names.js';
import { quote } from '../core/options.js';

/** Turns one caller value into what the generated attribute takes (throwing for bad values). */
type To<V, R> = (value: V, option: string, scope: Scope) => R;

/** One option: the attribute it sets (or, for addresses, the attribute chosen by family). */
export interface Field<D, V> {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- checked where the field is made (field())
  put: (data: D, value: V, option: string, scope: Scope) => void;
}

/** Fields of the generated set D: `f('stpState', onOff)` is checked against D['stpState']. */
function fields<D>() {
  return <K extends keyof D & string, V>(attr: K, to: To<V, D[K]>): Field<D, V> => ({
    put: (data, value, option, scope) => {
      const v = to(value, option, scope);
      if (v !== undefined) data[attr] = v;
    },
  });
}

/** An address option that sets the IPv4 or the IPv6 attribute by the address's family. */
function byFamily<D, K4 extends keyof D & string, K6 extends keyof D & string>(v4: K4, v6: K6, to4: To<string, D[K4]>, to6: To<string, D[K6]>): Field<D, string> {
  return {
    put: (data, value, option, scope) => {
      if (typeof value !== 'string') throw new NetlinkArgumentError(option, `must be an IPv4 or IPv6 address, got ${String(value)}`, 'ERR_INVALID_ARG_TYPE');
      if (familyOf(value, option) === AF_INET) data[v4] = to4(value, option, scope);
      else data[v6] = to6(value, option, scope);
    },
  };
}

// Value checks, named for what the option takes.
const int = (min: number, max: number): To<number, number> => (v, option) => {
  if (typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max) return v;
  throw new NetlinkArgumentError(option, `must be an integer ${min}..${max}, got ${String(v)}`, typeof v === 'number' ? 'ERR_OUT_OF_RANGE' : 'ERR_INVALID_ARG_TYPE');
};
const u8 = int(0, 0xff), u16 = int(0, 0xffff), u32 = int(0, 0xffffffff);
const onOff: To<boolean, number> = (v, option) => {
  if (typeof v === 'boolean') return v ? 1 : 0;
  throw new NetlinkArgumentError(option, `must be true or false, got ${String(v)}`, 'ERR_INVALID_ARG_TYPE');
};
/** A NLA_FLAG: present when true. */
const flag: To<boolean, true | undefined> = (v, option) => (onOff(v, option, undefined as never) ? true : undefined);
const dev: To<string | number, number> = (v, option, scope) => scope.ifindex(v, option);
const ip4: To<string, string> = (v, option) => {
  if (typeof v === 'string' && familyOf(v, option) === AF_INET) return v;
  throw new NetlinkArgumentError(option, `must be an IPv4 address, got ${String(v)}`);
};
const ip6: To<string, string> = (v, option) => {
  if (typeof v === 'string' && familyOf(v, option) === AF_INET6) return v;
  throw new NetlinkArgumentError(option, `must be an IPv6 address, got ${String(v)}`);
};
const anyIp: To<string, string> = (v, option) => {
  familyOf(v, option);
  return v;
};
/** One of a table's names (or its number, as ip also takes). */
function oneOf<N extends string, R>(names: Record<N, R>): To<N | number, R | number> {
  return (v, option) => {
    if (typeof v === 'string' && Object.hasOwn(names, v)) return names[v as N];
    if (typeof v === 'number' && Number.isInteger(v) && v >= 0) return v;
    throw new NetlinkArgumentError(option, `must be one of ${Object.keys(names).join(', ')}, got ${quote(v)}`);
  };
}
const same = <N extends string>(...names: N[]) => Object.fromEntries(names.map((n) => [n, n])) as Record<N, N>;
const vlanProto = oneOf({ '802.1Q': 0x8100, '802.1q': 0x8100, '802.1ad': 0x88a8 });
/** The tunnels' 16-bit GRE flags: GRE_KEY (0x2000, <linux/if_tunnel.h>) when a key is given. */
const GRE_KEY = 0x2000;

// ---- the tables ---------------------------------------------------------------------------

const br = fields<LinkinfoBridgeAttrsSet>();
/** `ip link add type bridge ...`: times in centiseconds, as ip takes them. */
export const BRIDGE = {
  stp: br('stpState', onOff),
  forwardDelay: br('forwardDelay', u32),
  helloTime: br('helloTime', u32),
  maxAge: br('maxAge', u32),
  ageingTime: br('ageingTime', u32),
  priority: br('priority', u16),
  vlanFiltering: br('vlanFiltering', onOff),
  vlanProtocol: br('vlanProtocol', vlanProto),
  vlanDefaultPvid: br('vlanDefaultPvid', u16),
  vlanStatsEnabled: br('vlanStatsEnabled', onOff),
  groupFwdMask: br('groupFwdMask', u16),
  mcastSnooping: br('mcastSnooping', onOff),
  mcastQuerier: br('mcastQuerier', onOff),
  nfCallIptables: br('nfCallIptables', onOff),
  nfCallIp6tables: br('nfCallIp6tables', onOff),
  nfCallArptables: br('nfCallArptables', onOff),
  fdbMaxLearned: br('fdbMaxLearned', u32),
};

const bp = fields<LinkinfoBrportAttrsSet>();
/** `ip link set dev X type bridge_slave ...` (a bridge port's options). */
export const BRIDGE_PORT = {
  state: bp('state', oneOf({ disabled: 0, listening: 1, learning: 2, forwarding: 3, blocking: 4 })),
  priority: bp('priority', u16),
  cost: bp('cost', u32),
  hairpin: bp('mode', onOff),
  guard: bp('guard', onOff),
  rootBlock: bp('protect', onOff),
  fastLeave: bp('fastLeave', onOff),
  learning: bp('learning', onOff),
  flood: bp('unicastFlood', onOff),
  mcastFlood: bp('mcastFlood', onOff),
  bcastFlood: bp('bcastFlood', onOff),
  mcastToUnicast: bp('mcastToUcast', onOff),
  proxyArp: bp('proxyarp', onOff),
  proxyArpWifi: bp('proxyarpWifi', onOff),
  neighSuppress: bp('neighSuppress', onOff),
  vlanTunnel: bp('vlanTunnel', onOff),
  isolated: bp('isolated', onOff),
  locked: bp('locked', onOff),
  mab: bp('mab', onOff),
  groupFwdMask: bp('groupFwdMask', u16),
};

const vx = fields<LinkinfoVxlanAttrsSet>();
const vxAddr = (v4: 'group' | 'local', v6: 'group6' | 'local6') => byFamily<LinkinfoVxlanAttrsSet, typeof v4, typeof v6>(v4, v6, ip4, ip6);
/** `ip link add type vxlan id N ...` */
export const VXLAN = {
  id: vx('id', int(0, 0xffffff)),
  group: vxAddr('group', 'group6'),
  /** Unicast remote: the same attribute as group (ip's `remote`). */
  remote: vxAddr('group', 'group6'),
  local: vxAddr('local', 'local6'),
  /** The UDP destination port (ip's `dstport`). */
  port: vx('port', u16),
  /** The underlay device (ip's `dev PHYS_DEV`). */
  physDev: vx('link', dev),
  ttl: vx('ttl', u8),
  ttlInherit: vx('ttlInherit', flag),
  tos: vx('tos', u8),
  df: vx('df', oneOf(same('unset', 'set', 'inherit'))),
  label: vx('label', int(0, 0xfffff)),
  learning: vx('learning', onOff),
  ageing: vx('ageing', u32),
  /** Most FDB entries (ip's `maxaddress`). */
  limit: vx('limit', u32),
  srcPortRange: vx('portRange', (v: { low: number; high: number }, option) => {
    if (typeof v !== 'object' || v === null) throw new NetlinkArgumentError(option, 'must be { low, high }', 'ERR_INVALID_ARG_TYPE');
    return { low: u16(v.low, `${option}.low`, undefined as never), high: u16(v.high, `${option}.high`, undefined as never) };
  }),
  proxy: vx('proxy', onOff),
  rsc: vx('rsc', onOff),
  l2miss: vx('l2miss', onOff),
  l3miss: vx('l3miss', onOff),
  udpCsum: vx('udpCsum', onOff),
  udp6ZeroCsumTx: vx('udpZeroCsum6Tx', onOff),
  udp6ZeroCsumRx: vx('udpZeroCsum6Rx', onOff),
  /** Metadata-based (ip's `external`). */
  external: vx('collectMetadata', onOff),
  gbp: vx('gbp', flag),
  gpe: vx('gpe', flag),
  vnifilter: vx('vnifilter', onOff),
  localBypass: vx('localbypass', onOff),
};

const MACVLAN_MODES: Record<MacvlanModeEnum, MacvlanModeEnum> = same('private', 'vepa', 'bridge', 'passthru', 'source');
const mv = fields<LinkinfoMacvlanAttrsSet>();
/** `ip link add link DEV type macvlan mode bridge` (macvtap alike). */
export const MACVLAN = {
  mode: mv('mode', (v: MacvlanModeEnum, option, scope) => [oneOf(MACVLAN_MODES)(v, option, scope)]),
  nopromisc: mv('flags', (v: boolean, option) => (onOff(v, option, undefined as never) ? ['nopromisc' as const] : [])),
  bcQueueLen: mv('bcQueueLen', u32),
  bcCutoff: mv('bcCutoff', int(-0x80000000, 0x7fffffff)),
};

const iv = fields<LinkinfoIpvlanAttrsSet>();
/** `ip link add link DEV type ipvlan mode l3 [private|vepa|bridge]` (ipvtap alike). */
export const IPVLAN = {
  mode: iv('mode', oneOf(same('l2', 'l3', 'l3s'))),
  /** ip's `bridge` (the default), `private` or `vepa`. */
  flags: iv('flags', (v: 'bridge' | 'private' | 'vepa', option, scope) => {
    const f = oneOf(same('bridge', 'private', 'vepa'))(v, option, scope);
    return f === 'bridge' ? [] : [f as 'private' | 'vepa' | number];
  }),
};

const vl = fields<LinkinfoVlanAttrsSet>();
const VLAN_FLAGS = { reorderHdr: 'reorder-hdr', gvrp: 'gvrp', looseBinding: 'loose-binding', mvrp: 'mvrp', bridgeBinding: 'bridge-binding' } as const;
/** `ip link add link DEV name X type vlan id N [protocol 802.1ad]` */
export const VLAN = {
  id: vl('id', int(0, 4094)),
  protocol: vl('protocol', oneOf({ '802.1Q': '8021q', '802.1q': '8021q', '802.1ad': '8021ad' } as const)),
  /** Flags to set or clear: `{ reorderHdr: false, mvrp: true }`. */
  flags: vl('flags', (v: Partial<Record<keyof typeof VLAN_FLAGS, boolean>>, option) => {
    if (typeof v !== 'object' || v === null) throw new NetlinkArgumentError(option, 'must be an object of flags', 'ERR_INVALID_ARG_TYPE');
    const set: (typeof VLAN_FLAGS)[keyof typeof VLAN_FLAGS][] = [];
    let mask = 0;
    for (const [k, on] of Object.entries(v)) {
      const i = Object.keys(VLAN_FLAGS).indexOf(k);
      if (i < 0) throw new NetlinkArgumentError(`${option}.${k}`, `is not a vlan flag (there are: ${Object.keys(VLAN_FLAGS).join(', ')})`);
      mask |= 1 << i;
      if (onOff(on, `${option}.${k}`, undefined as never)) set.push(VLAN_FLAGS[k as keyof typeof VLAN_FLAGS]);
    }
    return { flags: set, mask };
  }),
};

const bd = fields<LinkinfoBondAttrsSet>();
/** <linux/if_bonding.h> BOND_MODE_* and BOND_XMIT_POLICY_*, by the names ip takes. */
const BOND_MODES = { 'balance-rr': 0, 'active-backup': 1, 'balance-xor': 2, broadcast: 3, '802.3ad': 4, 'balance-tlb': 5, 'balance-alb': 6 };
const XMIT_HASH = { layer2: 0, 'layer3+4': 1, 'layer2+3': 2, 'encap2+3': 3, 'encap3+4': 4, 'vlan+srcmac': 5 };
/** `ip link add type bond mode 802.3ad miimon 100 ...` (ports join with `master`). */
export const BOND = {
  mode: bd('mode', oneOf(BOND_MODES)),
  miimon: bd('miimon', u32),
  updelay: bd('updelay', u32),
  downdelay: bd('downdelay', u32),
  useCarrier: bd('useCarrier', onOff),
  arpInterval: bd('arpInterval', u32),
  arpIpTarget: bd('arpIpTarget', (v: string[], option, scope) => {
    if (!Array.isArray(v)) throw new NetlinkArgumentError(option, 'must be a list of IPv4 addresses', 'ERR_INVALID_ARG_TYPE');
    return v.map((a, i) => ip4(a, `${option}[${i}]`, scope));
  }),
  primary: bd('primary', dev),
  minLinks: bd('minLinks', u32),
  xmitHashPolicy: bd('xmitHashPolicy', oneOf(XMIT_HASH)),
  lacpRate: bd('adLacpRate', oneOf({ slow: 0, fast: 1 })),
  adSelect: bd('adSelect', oneOf({ stable: 0, bandwidth: 1, count: 2 })),
  allSlavesActive: bd('allSlavesActive', onOff),
};

const bs = fields<BondSlaveAttrsSet>();
/** `ip link set dev X type bond_slave ...` (a bond port's options). */
export const BOND_PORT = {
  queueId: bs('queueId', u16),
  /** The port's priority for active-backup reselection (non-negative here; the spec's u32). */
  prio: bs('prio', int(0, 0x7fffffff)),
};

const vrf = fields<LinkinfoVrfAttrsSet>();
/** `ip link add type vrf table N` (a table name from rt_tables or a number). */
export const VRF = {
  table: vrf('table', (v: string | number, option) => routeTables().value(v, option)),
};

const gn = fields<LinkinfoGeneveAttrsSet>();
/** `ip link add type geneve id N remote ADDR ...` */
export const GENEVE = {
  id: gn('id', int(0, 0xffffff)),
  remote: byFamily<LinkinfoGeneveAttrsSet, 'remote', 'remote6'>('remote', 'remote6', ip4, ip6),
  ttl: gn('ttl', u8),
  ttlInherit: gn('ttlInherit', onOff),
  tos: gn('tos', u8),
  df: gn('df', oneOf({ unset: 0, set: 1, inherit: 2 })),
  label: gn('label', int(0, 0xfffff)),
  port: gn('port', u16),
  external: gn('collectMetadata', flag),
  udpCsum: gn('udpCsum', onOff),
  udp6ZeroCsumTx: gn('udpZeroCsum6Tx', onOff),
  udp6ZeroCsumRx: gn('udpZeroCsum6Rx', onOff),
};

/** Options every IP tunnel kind shares (ipip, sit, gre, gretap, ip6gre, ip6tnl). */
function tunnel<D extends { link?: number; local?: string | Buffer; remote?: string | Buffer; ttl?: number; collectMetadata?: true; fwmark?: number }>(addr: To<string, string>) {
  const t = fields<D>();
  return {
    local: t('local', addr as To<string, D['local']>),
    remote: t('remote', addr as To<string, D['remote']>),
    /** Hop limit for the IPv6 kinds. */
    ttl: t('ttl', u8 as To<number, D['ttl']>),
    /** The underlay device (ip's `dev PHYS_DEV`). */
    physDev: t('link', dev as To<string | number, D['link']>),
    /** Metadata-based (ip's `external`). */
    external: t('collectMetadata', flag as To<boolean, D['collectMetadata']>),
    fwmark: t('fwmark', u32 as To<number, D['fwmark']>),
  };
}

const gre = fields<LinkinfoGreAttrsSet>();
const key = (k: 'ikey' | 'okey', f: 'iflags' | 'oflags') => ({
  put: (data: LinkinfoGreAttrsSet, v: number, option: string, scope: Scope) => {
    data[k] = u32(v, option, scope);
    data[f] = (data[f] ?? 0) | GRE_KEY;
  },
}) satisfies Field<LinkinfoGreAttrsSet, number>;
/** `ip link add type gre|gretap|erspan remote A local B key K ...` */
export const GRE = {
  ...tunnel<LinkinfoGreAttrsSet>(anyIp),
  tos: gre('tos', u8),
  pmtudisc: gre('pmtudisc', onOff),
  ikey: key('ikey', 'iflags'),
  okey: key('okey', 'oflags'),
  /** Both keys (ip's `key`). */
  key: {
    put: (data: LinkinfoGreAttrsSet, v: number, option: string, scope: Scope) => {
      key('ikey', 'iflags').put(data, v, option, scope);
      key('okey', 'oflags').put(data, v, option, scope);
    },
  } satisfies Field<LinkinfoGreAttrsSet, number>,
  ignoreDf: gre('ignoreDf', onOff),
};

const g6 = fields<LinkinfoGre6AttrsSet>();
/** `ip link add type ip6gre|ip6gretap remote A local B ...` */
export const IP6GRE = {
  ...tunnel<LinkinfoGre6AttrsSet>(ip6),
  encapLimit: g6('encapLimit', u8),
  flowlabel: g6('flowinfo', u32),
};

const it = fields<LinkinfoIptunAttrsSet>();
/** `ip link add type ipip|sit remote A local B ...` */
export const IPTUN = {
  ...tunnel<LinkinfoIptunAttrsSet>(ip4),
  tos: it('tos', u8),
  pmtudisc: it('pmtudisc', onOff),
  /** sit's `mode`: ip6ip (41), ipip (4), mplsip (137), any (0); <linux/in.h> IPPROTO_*. */
  mode: it('proto', oneOf({ ip6ip: 41, ipip: 4, mplsip: 137, any: 0 })),
};

const i6 = fields<LinkinfoIp6tnlAttrsSet>();
/** `ip link add type ip6tnl mode ip6ip6 remote A local B ...` */
export const IP6TNL = {
  ...tunnel<LinkinfoIp6tnlAttrsSet>(ip6),
  encapLimit: i6('encapLimit', u8),
  flowlabel: i6('flowinfo', u32),
  mode: i6('proto', oneOf({ ip6ip6: 41, ipip6: 4, any: 0 })),
};

const nk = fields<LinkinfoNetkitAttrsSet>();
const NK_POLICY: Record<NetkitPolicyEnum, NetkitPolicyEnum> = same('forward', 'blackhole');
const NK_SCRUB: Record<NetkitScrubEnum, NetkitScrubEnum> = same('none', 'default');
/** `ip link add type netkit mode l3 ...` (the kernel names the peer). */
export const NETKIT = {
  mode: nk('mode', oneOf<NetkitModeEnum, NetkitModeEnum>(same('l2', 'l3'))),
  policy: nk('policy', oneOf(NK_POLICY)),
  peerPolicy: nk('peerPolicy', oneOf(NK_POLICY)),
  scrub: nk('scrub', oneOf(NK_SCRUB)),
  peerScrub: nk('peerScrub', oneOf(NK_SCRUB)),
  headroom: nk('headroom', u16),
  tailroom: nk('tailroom', u16),
};

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a table of any generated set
type Table = Record<string, Field<any, any>>;

/** Each kind: its options table (empty for kinds without options). */
export const KINDS = {
  veth: {}, ifb: {}, dummy: {}, wireguard: {}, nlmon: {},
  bridge: BRIDGE, vxlan: VXLAN, macvlan: MACVLAN, macvtap: MACVLAN, ipvlan: IPVLAN, ipvtap: IPVLAN, vlan: VLAN,
  bond: BOND, vrf: VRF, geneve: GENEVE, gre: GRE, gretap: GRE, erspan: GRE, ip6gre: IP6GRE, ip6gretap: IP6GRE,
  ipip: IPTUN, sit: IPTUN, ip6tnl: IP6TNL, netkit: NETKIT,
} satisfies Record<string, Table>;

export type LinkKind = keyof typeof KINDS;

/** The options a table takes, typed from its fields. */
export type OptionsOf<T> = { [K in keyof T]?: T[K] extends Field<infer _D, infer V> ? V : never };

/**
 * The data a table makes from the caller's options (the keys of `spec` it names), or
 * undefined when none was given.
 */
export function kindData(table: Table, spec: Record<string, unknown>, scope: Scope, prefix = ''): Record<string, unknown> | undefined {
  let data: Record<string, unknown> | undefined;
  for (const [k, v] of Object.entries(spec)) {
    const f = table[k];
    if (!f || v === undefined) continue;
    data ??= {};
    f.put(data, v, prefix + k, scope);
  }
  return data;
}
