// What `ip -d link show` adds to a link: promiscuity, MTU bounds, queues, segment sizes, and
// the kind's details (IFLA_LINKINFO) under ip's own keys. nlkit/route reports a kind's data
// in the generated family's camelCase names; a table per kind maps them back to the keys
// (and value forms) iproute2 6.x prints, in its order (ip/iplink_KIND.c print_opt). Kinds
// without a table print their `info_kind` alone.
import type { GetlinkDoReply, IflaBridgeIdStruct } from '../ynl/families/rt-link.js';
import type { Link } from '../route/link-view.js';
import { accountName } from './accounts.js';

/** One printed key: ip's JSON key, nlkit's name, the value as ip writes it (undefined: not printed). */
type Entry = [ipKey: string, name: string, form?: (v: unknown, data: Record<string, unknown>, nameOf: NameOf) => unknown];

/** A link's name by its index (in the namespace shown). */
export type NameOf = (index: number) => string | undefined;

const num = (v: unknown) => Number(v);
const bool = (v: unknown) => Number(v) !== 0;
/** print_0xhex: "%#llx" (0 is "0"). */
const hex = (v: unknown) => (Number(v) === 0 ? '0' : `0x${Number(v).toString(16)}`);
/** Set only: ip prints the flag when it is on. */
const onlyOn = (v: unknown) => (Number(v) || v === true ? true : undefined);
const nonZero = (v: unknown) => (Number(v) ? Number(v) : undefined);
/** Bridge timers: clock ticks of 1/100 s, printed as seconds. */
const timer = (v: unknown) => Number(v) / 100;
/** ip's bridge id (br_dump_bridge_id): priority as 4 hex digits, a dot, the address's bytes in %x (unpadded). */
const bridgeId = (v: unknown) => {
  const id = v as IflaBridgeIdStruct;
  if (typeof id !== 'object' || !id || !('prio' in id)) return undefined;
  return `${id.prio.toString(16).padStart(4, '0')}.${id.addr.split(':').map((b) => parseInt(b, 16).toString(16)).join(':')}`;
};
/** <linux/if_bridge.h> BR_STATE_*. */
const PORT_STATES = ['disabled', 'listening', 'learning', 'forwarding', 'blocking'];
/** <linux/if_bridge.h> BR_BOOLOPT_*: the bits ip 6.1 prints. */
const boolopt = (bit: number) => (v: unknown) => {
  const m = v as { optval: number; optmask: number };
  return typeof m === 'object' && m && m.optmask & (1 << bit) ? (m.optval & (1 << bit) ? 1 : 0) : undefined;
};
const ethProto = (v: unknown) => (Number(v) === 0x8100 ? '802.1Q' : Number(v) === 0x88a8 ? '802.1ad' : hex(v));

const BRIDGE: Entry[] = [
  ['forward_delay', 'forwardDelay', num], ['hello_time', 'helloTime', num], ['max_age', 'maxAge', num], ['ageing_time', 'ageingTime', num],
  ['stp_state', 'stpState', num], ['priority', 'priority', num], ['vlan_filtering', 'vlanFiltering', num], ['vlan_protocol', 'vlanProtocol', ethProto],
  ['bridge_id', 'bridgeId', bridgeId], ['root_id', 'rootId', bridgeId], ['root_port', 'rootPort', num], ['root_path_cost', 'rootPathCost', num],
  ['topology_change', 'topologyChange', num], ['topology_change_detected', 'topologyChangeDetected', num],
  ['hello_timer', 'helloTimer', timer], ['tcn_timer', 'tcnTimer', timer], ['topology_change_timer', 'topologyChangeTimer', timer], ['gc_timer', 'gcTimer', timer],
  ['vlan_default_pvid', 'vlanDefaultPvid', num], ['vlan_stats_enabled', 'vlanStatsEnabled', num], ['vlan_stats_per_port', 'vlanStatsPerPort', num],
  ['group_fwd_mask', 'groupFwdMask', hex], ['group_addr', 'groupAddr'],
  ['mcast_snooping', 'mcastSnooping', num], ['no_linklocal_learn', 'multiBoolopt', boolopt(0)], ['mcast_vlan_snooping', 'multiBoolopt', boolopt(1)],
  ['mcast_router', 'mcastRouter', num], ['mcast_query_use_ifaddr', 'mcastQueryUseIfaddr', num], ['mcast_querier', 'mcastQuerier', num],
  ['mcast_hash_elasticity', 'mcastHashElasticity', num], ['mcast_hash_max', 'mcastHashMax', num],
  ['mcast_last_member_cnt', 'mcastLastMemberCnt', num], ['mcast_startup_query_cnt', 'mcastStartupQueryCnt', num],
  ['mcast_last_member_intvl', 'mcastLastMemberIntvl', num], ['mcast_membership_intvl', 'mcastMembershipIntvl', num],
  ['mcast_querier_intvl', 'mcastQuerierIntvl', num], ['mcast_query_intvl', 'mcastQueryIntvl', num],
  ['mcast_query_response_intvl', 'mcastQueryResponseIntvl', num], ['mcast_startup_query_intvl', 'mcastStartupQueryIntvl', num],
  ['mcast_stats_enabled', 'mcastStatsEnabled', num], ['mcast_igmp_version', 'mcastIgmpVersion', num], ['mcast_mld_version', 'mcastMldVersion', num],
  ['nf_call_iptables', 'nfCallIptables', num], ['nf_call_ip6tables', 'nfCallIp6tables', num], ['nf_call_arptables', 'nfCallArptables', num],
];

const BRIDGE_PORT: Entry[] = [
  ['state', 'state', (v) => PORT_STATES[Number(v)] ?? num(v)], ['priority', 'priority', num], ['cost', 'cost', num],
  ['hairpin', 'mode', bool], ['guard', 'guard', bool], ['root_block', 'protect', bool], ['fastleave', 'fastLeave', bool],
  ['learning', 'learning', bool], ['flood', 'unicastFlood', bool], ['id', 'id', hex], ['no', 'no', hex],
  ['designated_port', 'designatedPort', num], ['designated_cost', 'designatedCost', num], ['bridge_id', 'bridgeId', bridgeId], ['root_id', 'rootId', bridgeId],
  ['hold_timer', 'holdTimer', timer], ['message_age_timer', 'messageAgeTimer', timer], ['forward_delay_timer', 'forwardDelayTimer', timer],
  ['topology_change_ack', 'topologyChangeAck', num], ['config_pending', 'configPending', num],
  ['proxy_arp', 'proxyarp', bool], ['proxy_arp_wifi', 'proxyarpWifi', bool], ['multicast_router', 'multicastRouter', num],
  ['mcast_flood', 'mcastFlood', bool], ['bcast_flood', 'bcastFlood', bool], ['mcast_to_unicast', 'mcastToUcast', bool],
  ['neigh_suppress', 'neighSuppress', bool], ['group_fwd_mask', 'groupFwdMask', hex], ['group_fwd_mask_str', 'groupFwdMask', (v) => `0x${Number(v).toString(16)}`],
  ['vlan_tunnel', 'vlanTunnel', bool], ['isolated', 'isolated', bool], ['locked', 'locked', bool],
];

const portRange = (v: unknown) => {
  const r = v as { low?: number; high?: number };
  return typeof r === 'object' && r && r.low !== undefined ? { low: r.low, high: r.high } : undefined;
};
/** vxlan's group/remote: a multicast address is a group, another a unicast remote (each family its key). */
const vxlanPeer = (key: 'group' | 'remote', six: boolean) => (_v: unknown, d: Record<string, unknown>) => {
  const a = d[six ? 'group6' : 'group'];
  if (typeof a !== 'string' || a === '0.0.0.0' || a === '::') return undefined;
  const multicast = six ? a.toLowerCase().startsWith('ff') : Number(a.split('.')[0]) >= 224 && Number(a.split('.')[0]) <= 239;
  return multicast === (key === 'group') ? a : undefined;
};
const unspecified = (v: unknown) => (v === '0.0.0.0' || v === '::' ? undefined : v);

const VXLAN: Entry[] = [
  ['external', 'collectMetadata', onlyOn], ['vnifilter', 'vnifilter', onlyOn], ['id', 'id', num],
  ['group', 'group', vxlanPeer('group', false)], ['remote', 'group', vxlanPeer('remote', false)],
  ['group6', 'group6', vxlanPeer('group', true)], ['remote6', 'group6', vxlanPeer('remote', true)],
  ['local', 'local', unspecified], ['local6', 'local6', unspecified], ['link', 'link', (v, _d, nameOf) => (Number(v) ? (nameOf(Number(v)) ?? `if${String(v)}`) : undefined)],
  ['port_range', 'portRange', portRange], ['port', 'port', num], ['learning', 'learning', bool],
  ['proxy', 'proxy', onlyOn], ['rsc', 'rsc', onlyOn], ['l2miss', 'l2miss', onlyOn], ['l3miss', 'l3miss', onlyOn],
  ['tos', 'tos', (v) => (Number(v) ? hex(v) : undefined)], ['ttl', 'ttl', num], ['df', 'df'], ['label', 'label', (v) => (Number(v) ? hex(v) : undefined)],
  ['ageing', 'ageing', num], ['limit', 'limit', nonZero],
  ['udp_csum', 'udpCsum', bool], ['udp_zero_csum6_tx', 'udpZeroCsum6Tx', bool], ['udp_zero_csum6_rx', 'udpZeroCsum6Rx', bool],
  ['remcsum_tx', 'remcsumTx', onlyOn], ['remcsum_rx', 'remcsumRx', onlyOn], ['gbp', 'gbp', onlyOn], ['gpe', 'gpe', onlyOn],
];

const first = (v: unknown) => (Array.isArray(v) ? v[0] : v);
const hasFlag = (f: string) => (_v: unknown, d: Record<string, unknown>) => (Array.isArray(d.flags) && d.flags.includes(f) ? true : undefined);
/** ip prints a macvlan's source addresses in source mode only. */
const inSourceMode = (form: (v: unknown) => unknown) => (v: unknown, d: Record<string, unknown>) => (first(d.mode) === 'source' ? form(v) : undefined);
const MACVLAN: Entry[] = [
  ['mode', 'mode', first], ['nopromisc', 'flags', hasFlag('nopromisc')], ['nodst', 'flags', hasFlag('nodst')],
  ['bcqueuelen', 'bcQueueLen', num], ['usedbcqueuelen', 'bcQueueLenUsed', num],
  ['macaddr_count', 'macaddrCount', inSourceMode(num)],
  ['macaddr_data', 'macaddrData', inSourceMode((v) => (v as { macaddr?: string[] }).macaddr ?? [])],
];
/** <linux/if_tun.h> IFF_TUN, IFF_TAP as ip prints a tun device's type. */
const TUN_TYPES: Record<number, string> = { 1: 'tun', 2: 'tap' };
const TUN: Entry[] = [
  ['type', 'type', (v) => TUN_TYPES[Number(v)] ?? 'unknown'], ['pi', 'pi', bool], ['vnet_hdr', 'vnetHdr', bool], ['multi_queue', 'multiQueue', bool],
  ['numqueues', 'numQueues', num], ['numdisabled', 'numDisabledQueues', num], ['persist', 'persist', bool],
  ['user', 'owner', (v) => accountName(Number(v), '/etc/passwd')], ['group', 'group', (v) => accountName(Number(v), '/etc/group')],
];
const IPVLAN: Entry[] = [['mode', 'mode'], ['flags', 'flags', (v) => (Array.isArray(v) && v.length ? v[0] : 'bridge')]];
/** ip's vlan flags (print_vlan_flags): the set ones of the mask, upper case with underscores. */
const vlanFlags = (v: unknown) => {
  const f = v as { flags?: unknown[] };
  return typeof f === 'object' && f && Array.isArray(f.flags) ? f.flags.map((x) => String(x).toUpperCase().replace(/-/g, '_')) : undefined;
};
const VLAN: Entry[] = [['protocol', 'protocol', (v) => (v === '8021ad' ? '802.1ad' : '802.1Q')], ['id', 'id', num], ['flags', 'flags', vlanFlags]];
const VRF: Entry[] = [['table', 'table', num]];

/** The kinds' tables: IFLA_INFO_DATA by info_kind, IFLA_INFO_SLAVE_DATA by info_slave_kind. */
const DATA: Record<string, Entry[]> = { tun: TUN, bridge: BRIDGE, vxlan: VXLAN, macvlan: MACVLAN, macvtap: MACVLAN, ipvlan: IPVLAN, ipvtap: IPVLAN, vlan: VLAN, vrf: VRF };
const SLAVE_DATA: Record<string, Entry[]> = { bridge: BRIDGE_PORT };

function mapped(table: Entry[], data: Record<string, unknown>, nameOf: NameOf): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, name, form] of table) {
    if (data[name] === undefined) continue;
    const v = form ? form(data[name], data, nameOf) : data[name];
    if (v !== undefined) out[key] = v;
  }
  return out;
}

/** ip -j -d's `linkinfo`. */
export function linkinfoJson(info: NonNullable<Link['info']>, nameOf: NameOf): Record<string, unknown> {
  const j: Record<string, unknown> = {};
  if (info.kind !== undefined) {
    j.info_kind = info.kind;
    const t = DATA[info.kind];
    if (t && info.data) j.info_data = mapped(t, info.data, nameOf);
  }
  if (info.slaveKind !== undefined) {
    j.info_slave_kind = info.slaveKind;
    const t = SLAVE_DATA[info.slaveKind];
    if (t && info.slaveData) j.info_slave_data = mapped(t, info.slaveData, nameOf);
  }
  return j;
}

/** <linux/if_link.h> IN6_ADDR_GEN_MODE_* as ip names them. */
const ADDR_GEN_MODES = ['eui64', 'none', 'stable_secret', 'random'];

/**
 * The -d keys, in ip's order, after the header's (ip's print_linkinfo under show_details).
 * `addrGenMode`: ip link prints it, ip address does not (print_af_spec is ip link's alone).
 */
export function detailsJson(link: Link, reply: GetlinkDoReply, nameOf: NameOf, addrGenMode = true): Record<string, unknown> {
  const j: Record<string, unknown> = {};
  const put = (k: string, v: unknown) => v !== undefined && (j[k] = v);
  put('promiscuity', link.promiscuity);
  put('allmulti', link.allmulti);
  put('min_mtu', link.minMtu);
  put('max_mtu', link.maxMtu);
  if (link.info) put('linkinfo', linkinfoJson(link.info, nameOf));
  const mode = reply.afSpec?.inet6?.addrGenMode;
  if (mode !== undefined && addrGenMode) put('inet6_addr_gen_mode', ADDR_GEN_MODES[mode] ?? String(mode));
  put('num_tx_queues', link.numTxQueues);
  put('num_rx_queues', link.numRxQueues);
  put('gso_max_size', link.gsoMaxSize);
  put('gso_max_segs', link.gsoMaxSegs);
  put('tso_max_size', link.tsoMaxSize);
  put('tso_max_segs', link.tsoMaxSegs);
  put('gro_max_size', link.groMaxSize);
  put('parentbus', link.parentBus);
  put('parentdev', link.parentDev);
  return j;
}

/** ip's plain words for a JSON value: on/off for booleans, seconds with two decimals for timers. */
function word(v: unknown, timerKey: boolean): string {
  if (typeof v === 'boolean') return v ? 'on' : 'off';
  if (timerKey && typeof v === 'number') return v.toFixed(2).padStart(7);
  if (typeof v === 'object' && v) return Object.values(v).join(' ');
  return String(v);
}

/** Where ip's text word differs from its JSON key: a kind's, a port's. */
const TEXT_WORDS: Record<string, Record<string, string>> = {
  bridge: {
    root_id: 'designated_root', group_addr: 'group_address',
    ...Object.fromEntries(['last_member', 'startup_query'].map((k) => [`mcast_${k}_cnt`, `mcast_${k}_count`])),
    ...Object.fromEntries(['last_member', 'membership', 'querier', 'query', 'query_response', 'startup_query'].map((k) => [`mcast_${k}_intvl`, `mcast_${k}_interval`])),
  },
  bridge_slave: { id: 'port_id', no: 'port_no', bridge_id: 'designated_bridge', root_id: 'designated_root', multicast_router: 'mcast_router' },
  vxlan: { port_range: 'srcport', port: 'dstport' },
};

/** A flag word, or its `no` form (vxlan's udpcsum / noudpcsum). */
const yesNo = (w: string) => (v: unknown) => `${v ? '' : 'no'}${w} `;
/** A word printed only when set (vxlan's proxy, rsc...). */
const ifSet = (w: string) => (v: unknown) => (v ? `${w} ` : '');

const MACVLAN_TEXT = { macaddr_count: (v: unknown) => `remotes (${String(v)}) `, macaddr_data: (v: unknown) => (v as string[]).map((m) => `${m} `).join('') };

/** Where ip's text is not `key value` at all (iplink_vxlan.c, iplink_bridge_slave.c). */
const TEXT_FORMS: Record<string, Record<string, (v: unknown, data: Record<string, unknown>) => string>> = {
  vxlan: {
    external: ifSet('external'), vnifilter: ifSet('vnifilter'), link: (v) => `dev ${String(v)} `,
    // the IPv6 keys are JSON's alone: the text says group, remote, local for both families
    group6: (v) => `group ${String(v)} `, remote6: (v) => `remote ${String(v)} `, local6: (v) => `local ${String(v)} `,
    tos: (v) => `tos ${v === '0x1' ? 'inherit' : String(v)} `,
    port_range: (v) => `srcport ${Object.values(v as object).join(' ')} `, learning: (v) => (v ? '' : 'nolearning '),
    proxy: ifSet('proxy'), rsc: ifSet('rsc'), l2miss: ifSet('l2miss'), l3miss: ifSet('l3miss'),
    ttl: (v) => `ttl ${v ? String(v) : 'auto'} `, df: (v) => (v === 'unset' ? '' : `df ${String(v)} `), label: (v) => `flowlabel ${String(v)} `,
    ageing: (v) => `ageing ${v ? String(v) : 'none'} `, limit: (v) => `maxaddr ${String(v)} `,
    udp_csum: yesNo('udpcsum'), udp_zero_csum6_tx: yesNo('udp6zerocsumtx'), udp_zero_csum6_rx: yesNo('udp6zerocsumrx'),
    remcsum_tx: ifSet('remcsumtx'), remcsum_rx: ifSet('remcsumrx'), gbp: ifSet('gbp'), gpe: ifSet('gpe'),
  },
  macvlan: MACVLAN_TEXT,
  macvtap: MACVLAN_TEXT,
  // text: the word alone, and only when on (JSON: true or false)
  tun: { multi_queue: (v) => (v ? 'multi_queue ' : '') },
  // ip's text repeats fastleave as mcast_fast_leave after the multicast router
  bridge_slave: { multicast_router: (v, d) => `mcast_router ${String(v)} mcast_fast_leave ${d.fastleave ? 'on' : 'off'} ` },
};

/**
 * The -d plain text: what follows `link/ether ...` on its line, then the kind's line. The
 * words are the JSON keys (ip's text spells some differently: `stp_state` alike, but
 * `port_range` is `srcport`); parity is tested on the JSON.
 */
export function detailsText(d: Record<string, unknown>): { line2: string; kind: string } {
  // each only when the kernel sent it (an AF_INET6 link dump, ip -6 address, sends none)
  const line2 = ([['promiscuity', ' promiscuity '], ['allmulti', ' allmulti '], ['min_mtu', 'minmtu '], ['max_mtu', 'maxmtu ']] as const)
    .filter(([k]) => d[k] !== undefined).map(([k, w]) => `${w}${String(d[k])} `).join('');
  const words = (o: unknown, kind: string) => {
    const data = (o ?? {}) as Record<string, unknown>;
    return Object.entries(data).map(([k, v]) => {
      const form = TEXT_FORMS[kind]?.[k];
      return form ? form(v, data) : `${TEXT_WORDS[kind]?.[k] ?? k} ${word(v, k.endsWith('_timer'))} `;
    }).join('');
  };
  const li = d.linkinfo as Record<string, unknown> | undefined;
  let kind = '';
  if (li?.info_kind !== undefined) kind += `${String(li.info_kind)} ${words(li.info_data, String(li.info_kind))}`;
  if (li?.info_slave_kind !== undefined) kind += `\n    ${String(li.info_slave_kind)}_slave ${words(li.info_slave_data, `${String(li.info_slave_kind)}_slave`)}`;
  const rest: [string, string][] = [['inet6_addr_gen_mode', 'addrgenmode'], ['num_tx_queues', 'numtxqueues'], ['num_rx_queues', 'numrxqueues'],
    ['gso_max_size', 'gso_max_size'], ['gso_max_segs', 'gso_max_segs'], ['tso_max_size', 'tso_max_size'], ['tso_max_segs', 'tso_max_segs'],
    ['gro_max_size', 'gro_max_size'], ['parentbus', 'parentbus'], ['parentdev', 'parentdev']];
  const tail = rest.filter(([k]) => d[k] !== undefined).map(([k, w]) => `${w} ${String(d[k])} `).join('');
  return li ? { line2, kind: `\n    ${kind}${tail}` } : { line2: `${line2}${tail}`, kind: '' };
}
