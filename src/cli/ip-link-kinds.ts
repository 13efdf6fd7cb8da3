// The words `ip link add ... type KIND ARGS` takes after the kind, per kind, as tables from
// ip's word to the option of nlkit/route's LinkSpec (link-kinds.ts) and how its value is read.
import { getUint, invalidArgument, IpUsageError, type Words } from './ip-command.js';

/** How a word's value is read: a number, text, 0/1, on/off, a fixed value (flags), two numbers. */
type Read = 'int' | 'text' | '01' | 'onoff' | 'pair' | { is: unknown };

/** One word of a kind: its spellings, the option it sets, how. */
type Arg = [words: string | readonly string[], option: string, read: Read];

const on = { is: true }, off = { is: false };
/** `word` sets the option, `noword` clears it (vxlan's learning/nolearning...). */
const yesNo = (word: string, option: string): Arg[] => [[word, option, on], [`no${word}`, option, off]];

const BRIDGE: Arg[] = [
  ['forward_delay', 'forwardDelay', 'int'], ['hello_time', 'helloTime', 'int'], ['max_age', 'maxAge', 'int'], ['ageing_time', 'ageingTime', 'int'],
  ['stp_state', 'stp', '01'], ['priority', 'priority', 'int'], ['vlan_filtering', 'vlanFiltering', '01'], ['vlan_protocol', 'vlanProtocol', 'text'],
  ['vlan_default_pvid', 'vlanDefaultPvid', 'int'], ['vlan_stats_enabled', 'vlanStatsEnabled', '01'], ['group_fwd_mask', 'groupFwdMask', 'int'],
  ['mcast_snooping', 'mcastSnooping', '01'], ['mcast_querier', 'mcastQuerier', '01'], ['nf_call_iptables', 'nfCallIptables', '01'],
  ['nf_call_ip6tables', 'nfCallIp6tables', '01'], ['nf_call_arptables', 'nfCallArptables', '01'], ['fdb_max_learned', 'fdbMaxLearned', 'int'],
];

const VXLAN: Arg[] = [
  [['id', 'vni'], 'id', 'int'], ['remote', 'remote', 'text'], ['group', 'group', 'text'], ['local', 'local', 'text'], ['dev', 'physDev', 'text'],
  ['dstport', 'port', 'int'], ['srcport', 'srcPortRange', 'pair'], [['ttl', 'hoplimit'], 'ttl', 'int'], ['tos', 'tos', 'int'], ['df', 'df', 'text'],
  ['flowlabel', 'label', 'int'], ['ageing', 'ageing', 'int'], ['maxaddress', 'limit', 'int'],
  ...yesNo('learning', 'learning'), ...yesNo('proxy', 'proxy'), ...yesNo('rsc', 'rsc'), ...yesNo('l2miss', 'l2miss'), ...yesNo('l3miss', 'l3miss'),
  ...yesNo('udpcsum', 'udpCsum'), ...yesNo('udp6zerocsumtx', 'udp6ZeroCsumTx'), ...yesNo('udp6zerocsumrx', 'udp6ZeroCsumRx'),
  ...yesNo('external', 'external'), ['gbp', 'gbp', on], ['gpe', 'gpe', on], ['vnifilter', 'vnifilter', on], ...yesNo('localbypass', 'localBypass'),
];

const MACVLAN: Arg[] = [['mode', 'mode', 'text'], ['nopromisc', 'nopromisc', on], ['bcqueuelen', 'bcQueueLen', 'int']];
const IPVLAN: Arg[] = [['mode', 'mode', 'text'], ['bridge', 'flags', { is: 'bridge' }], ['private', 'flags', { is: 'private' }], ['vepa', 'flags', { is: 'vepa' }]];
const VLAN: Arg[] = [['id', 'id', 'int'], ['protocol', 'protocol', 'text']];
const BOND: Arg[] = [
  ['mode', 'mode', 'text'], ['miimon', 'miimon', 'int'], ['updelay', 'updelay', 'int'], ['downdelay', 'downdelay', 'int'], ['use_carrier', 'useCarrier', '01'],
  ['arp_interval', 'arpInterval', 'int'], ['primary', 'primary', 'text'], ['min_links', 'minLinks', 'int'], ['xmit_hash_policy', 'xmitHashPolicy', 'text'],
  ['lacp_rate', 'lacpRate', 'text'], ['ad_select', 'adSelect', 'text'], ['all_slaves_active', 'allSlavesActive', '01'],
];
const TUNNEL: Arg[] = [
  ['remote', 'remote', 'text'], ['local', 'local', 'text'], [['ttl', 'hoplimit'], 'ttl', 'int'], ['dev', 'physDev', 'text'], ['external', 'external', on], ['fwmark', 'fwmark', 'int'],
];
const GRE: Arg[] = [...TUNNEL, ['tos', 'tos', 'int'], ['key', 'key', 'int'], ['ikey', 'ikey', 'int'], ['okey', 'okey', 'int'], ['pmtudisc', 'pmtudisc', on], ['nopmtudisc', 'pmtudisc', off], ['ignore-df', 'ignoreDf', on]];
const IPTUN: Arg[] = [...TUNNEL, ['tos', 'tos', 'int'], ['mode', 'mode', 'text'], ['pmtudisc', 'pmtudisc', on], ['nopmtudisc', 'pmtudisc', off]];
const IP6: Arg[] = [...TUNNEL, ['encaplimit', 'encapLimit', 'int'], ['flowlabel', 'flowlabel', 'int']];
const GENEVE: Arg[] = [
  [['id', 'vni'], 'id', 'int'], ['remote', 'remote', 'text'], ['ttl', 'ttl', 'int'], ['tos', 'tos', 'int'], ['df', 'df', 'text'], ['flowlabel', 'label', 'int'],
  ['dstport', 'port', 'int'], ['external', 'external', on], ...yesNo('udpcsum', 'udpCsum'),
];

/** `ip link set dev X type bridge_slave ...`: a bridge port's words (nlkit/route's `port` options). */
const BRIDGE_PORT: Arg[] = [
  ['state', 'state', 'int'], ['priority', 'priority', 'int'], ['cost', 'cost', 'int'], ['hairpin', 'hairpin', 'onoff'], ['guard', 'guard', 'onoff'],
  ['root_block', 'rootBlock', 'onoff'], ['fastleave', 'fastLeave', 'onoff'], ['learning', 'learning', 'onoff'], ['flood', 'flood', 'onoff'],
  ['mcast_flood', 'mcastFlood', 'onoff'], ['bcast_flood', 'bcastFlood', 'onoff'], ['mcast_to_unicast', 'mcastToUnicast', 'onoff'],
  ['proxy_arp', 'proxyArp', 'onoff'], ['proxy_arp_wifi', 'proxyArpWifi', 'onoff'], ['neigh_suppress', 'neighSuppress', 'onoff'],
  ['vlan_tunnel', 'vlanTunnel', 'onoff'], ['isolated', 'isolated', 'onoff'], ['locked', 'locked', 'onoff'], ['mab', 'mab', 'onoff'],
  ['group_fwd_mask', 'groupFwdMask', 'int'],
];

/** The port kinds `link set ... type X_slave` takes: the change option their words go to. */
export const PORT_KINDS: Record<string, { option: 'port' | 'bondPort'; args: readonly Arg[] }> = {
  bridge_slave: { option: 'port', args: BRIDGE_PORT },
  bond_slave: { option: 'bondPort', args: [['queue_id', 'queueId', 'int'], ['prio', 'prio', 'int']] },
};

/** Each kind ip's link add knows and nlkit/route makes: its words (veth's peer is read apart). */
export const KIND_ARGS: Record<string, readonly Arg[]> = {
  veth: [], ifb: [], dummy: [], nlmon: [], wireguard: [],
  bridge: BRIDGE, vxlan: VXLAN, macvlan: MACVLAN, macvtap: MACVLAN, ipvlan: IPVLAN, ipvtap: IPVLAN, vlan: VLAN, bond: BOND,
  vrf: [['table', 'table', 'text']], geneve: GENEVE, gre: GRE, gretap: GRE, erspan: GRE, ip6gre: IP6, ip6gretap: IP6, ipip: IPTUN, sit: IPTUN,
  ip6tnl: [...IP6, ['mode', 'mode', 'text']], netkit: [['mode', 'mode', 'text']],
};

/** An unsigned number as ip's get_u32 reads it: decimal or 0x hex. */
export function uint(text: string, what: string): number {
  const v = getUint(text);
  if (v === undefined) throw invalidArgument(`invalid ${what}`, text);
  return v;
}

function read(r: Read, words: Words, what: string): unknown {
  if (typeof r === 'object') return r.is;
  if (r === 'pair') return { low: uint(words.value(), what), high: uint(words.value(), what) };
  const v = words.value();
  switch (r) {
    case 'int': return uint(v, what);
    case '01': return uint(v, what) !== 0;
    case 'onoff':
      if (v !== 'on' && v !== 'off') throw invalidArgument(`"${what}" must be "on" or "off"`, v);
      return v === 'on';
    default: return v;
  }
}

/** The options of a kind's words (all the words left): `{ id: 42, remote: '10.0.0.2', port: 4789 }`. */
export function kindOptions(kind: string, words: Words): Record<string, unknown> {
  const table = KIND_ARGS[kind] ?? PORT_KINDS[kind]?.args;
  if (!table) {
    // tun/tap have no rtnetlink kind: ip's own answer would be the kernel's "Unknown device type"
    const tuntap = kind === 'tun' || kind === 'tap' ? ` (${kind} devices: nlkit tuntap add mode ${kind})` : '';
    throw new IpUsageError(`Error: nlkit link does not make "${kind}" links${tuntap}; it makes: ${Object.keys(KIND_ARGS).join(', ')}.`, 1);
  }
  const out: Record<string, unknown> = {};
  while (!words.done) {
    const w = words.shift()!;
    const arg = table.find(([names]) => (typeof names === 'string' ? [names] : names).includes(w));
    if (!arg) throw new IpUsageError(`${kind}: unknown command "${w}"?`, 255);
    const [, option, how] = arg;
    out[option] = read(how, words, w);
  }
  return out;
}

/** Every word of every kind (for completion). */
export function kindWords(): string[] {
  const tables = [...Object.values(KIND_ARGS), ...Object.values(PORT_KINDS).map((p) => p.args)];
  return [...new Set(tables.flatMap((t) => t.flatMap(([w]) => (typeof w === 'string' ? [w] : [...w]))))];
}
