// Golden byte vectors of nlkit/route's link requests, for the kinds this kernel lacks (dummy,
// vlan, bond, wireguard, vrf, geneve, gre, ipip, sit, ip6tnl, ipvlan, bridge VLAN filtering)
// and for the changes set() sends. Each vector is written by hand, one attribute a line,
// from <linux/if_link.h>, <linux/if_tunnel.h> and <linux/rtnetlink.h> (IFLA_IFNAME 3,
// IFLA_MTU 4, IFLA_LINK 5, IFLA_MASTER 10, IFLA_LINKINFO 18 with IFLA_INFO_KIND 1,
// IFLA_INFO_DATA 2, IFLA_INFO_SLAVE_KIND 4, IFLA_INFO_SLAVE_DATA 5; IFLA_PROP_LIST 52,
// IFLA_ALT_IFNAME 53; nests carry NLA_F_NESTED, 0x8000), not from the spec: a mapping or
// numbering mistake on either side shows up here. No kernel needed.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { NetlinkArgumentError } from '../src/core/errors.js';
import { Writer } from '../src/core/writer.js';
import type { Scope } from '../src/route/context.js';
import { changeItems, newlinkRequest, type LinkChange, type LinkSpec } from '../src/route/links.js';
import { toPortVlans, vlanBuilders, type BridgeVlanSpec } from '../src/route/bridge-vlans.js';
import { Family } from '../src/ynl/family.js';
import { description as rtLink } from '../src/ynl/families/rt-link.js';
import { assertEncodes, bytes } from './helpers/ynl-golden.js';

const family = Family.from(rtLink);
/** A scope that knows eth0 (2) and br0 (3) and never asks a kernel. */
const scope = {
  ifindex: (d: string | number, option = 'dev') => {
    if (typeof d === 'number') return d;
    const i = ({ eth0: 2, br0: 3 } as Record<string, number>)[d];
    if (i === undefined) throw new Error(`unknown ${option} ${d}`);
    return i;
  },
  defer: () => {},
} as unknown as Scope;

/** ifinfomsg: family 0, type 0, index, flags, change. */
const ifinfo = (index = 0, flags = 0, change = 0) => {
  const b = Buffer.alloc(16);
  b.writeInt32LE(index, 4);
  b.writeUInt32LE(flags, 8);
  b.writeUInt32LE(change, 12);
  return b.toString('hex');
};

const newlink = (spec: LinkSpec, ...want: string[]) => assertEncodes(family, 'newlink', newlinkRequest(spec, scope), bytes(...want));

describe('links: RTM_NEWLINK of kinds this kernel lacks (golden)', () => {
  test('dummy with mtu', () => newlink({ name: 'd0', kind: 'dummy', mtu: 9000 },
    ifinfo(),
    '07000300 64300000', // IFLA_IFNAME "d0"
    '08000400 28230000', // IFLA_MTU 9000
    '10001280 0a000100 64756d6d 79000000', // IFLA_LINKINFO { KIND "dummy" }
  ));

  test('vlan 100, 802.1ad, on eth0', () => newlink({ name: 'e.100', kind: 'vlan', link: 'eth0', id: 100, protocol: '802.1ad' },
    ifinfo(),
    '0a000300 652e3130 30000000', // "e.100"
    '08000500 02000000', // IFLA_LINK 2
    '24001280 09000100 766c616e 00000000', // LINKINFO, KIND "vlan"
    '14000280 06000100 64000000', // DATA: IFLA_VLAN_ID 100 (u16)
    '06000500 88a80000', // IFLA_VLAN_PROTOCOL ETH_P_8021AD (be16)
  ));

  test('bond 802.3ad', () => newlink({ name: 'bond0', kind: 'bond', mode: '802.3ad', miimon: 100, xmitHashPolicy: 'layer3+4', lacpRate: 'fast', minLinks: 1 },
    ifinfo(),
    '0a000300 626f6e64 30000000',
    '3c001280 09000100 626f6e64 00000000',
    '2c000280 05000100 04000000', // IFLA_BOND_MODE BOND_MODE_8023AD (u8)
    '08000300 64000000', // IFLA_BOND_MIIMON 100
    '05000e00 01000000', // IFLA_BOND_XMIT_HASH_POLICY BOND_XMIT_POLICY_LAYER34
    '05001500 01000000', // IFLA_BOND_AD_LACP_RATE fast
    '08001200 01000000', // IFLA_BOND_MIN_LINKS 1
  ));

  test('wireguard (the kind alone; keys and peers go through the wireguard genl family)', () => newlink({ name: 'wg0', kind: 'wireguard', up: true },
    ifinfo(0, 1, 1), // IFF_UP set, only IFF_UP changed
    '08000300 77673000',
    '14001280 0e000100 77697265 67756172 64000000',
  ));

  test('vrf table 10', () => newlink({ name: 'vrf-blue', kind: 'vrf', table: 10 },
    ifinfo(),
    '0d000300 7672662d 626c7565 00000000',
    '18001280 08000100 76726600',
    '0c000280 08000100 0a000000', // IFLA_VRF_TABLE 10
  ));

  test('geneve', () => newlink({ name: 'gnv0', kind: 'geneve', id: 1000, remote: '192.0.2.1', ttl: 64, port: 6081 },
    ifinfo(),
    '09000300 676e7630 00000000',
    '34001280 0b000100 67656e65 76650000',
    '24000280 08000100 e8030000', // IFLA_GENEVE_ID 1000
    '08000200 c0000201', // IFLA_GENEVE_REMOTE 192.0.2.1
    '05000300 40000000', // IFLA_GENEVE_TTL 64
    '06000500 17c10000', // IFLA_GENEVE_PORT 6081 (be16)
  ));

  test('gre with a key sets GRE_KEY in both flag words', () => newlink({ name: 'gre1', kind: 'gre', remote: '198.51.100.1', local: '198.51.100.2', ttl: 64, key: 42 },
    ifinfo(),
    '09000300 67726531 00000000',
    '48001280 08000100 67726500',
    '3c000280 08000700 c6336401', // IFLA_GRE_REMOTE
    '08000600 c6336402', // IFLA_GRE_LOCAL
    '05000800 40000000', // IFLA_GRE_TTL
    '08000400 0000002a', // IFLA_GRE_IKEY 42 (be32)
    '06000200 20000000', // IFLA_GRE_IFLAGS GRE_KEY (be16 0x2000)
    '08000500 0000002a', // IFLA_GRE_OKEY
    '06000300 20000000', // IFLA_GRE_OFLAGS GRE_KEY
  ));

  test('ipip', () => newlink({ name: 'ipip1', kind: 'ipip', remote: '203.0.113.1', local: '203.0.113.2', ttl: 32 },
    ifinfo(),
    '0a000300 69706970 31000000',
    '2c001280 09000100 69706970 00000000',
    '1c000280 08000300 cb007101', // IFLA_IPTUN_REMOTE
    '08000200 cb007102', // IFLA_IPTUN_LOCAL
    '05000400 20000000', // IFLA_IPTUN_TTL 32
  ));

  test('sit mode ip6ip', () => newlink({ name: 'sit1', kind: 'sit', remote: '203.0.113.1', mode: 'ip6ip' },
    ifinfo(),
    '09000300 73697431 00000000',
    '20001280 08000100 73697400',
    '14000280 08000300 cb007101',
    '05000900 29000000', // IFLA_IPTUN_PROTO IPPROTO_IPV6 (41)
  ));

  test('ip6tnl mode ip6ip6', () => newlink({ name: 't6', kind: 'ip6tnl', mode: 'ip6ip6', remote: '2001:db8::1', local: '2001:db8::2', encapLimit: 4 },
    ifinfo(),
    '07000300 74360000',
    '4c001280 0b000100 69703674 6e6c0000',
    '3c000280 05000900 29000000', // IFLA_IPTUN_PROTO 41
    '14000300 20010db8 00000000 00000000 00000001', // IFLA_IPTUN_REMOTE
    '14000200 20010db8 00000000 00000000 00000002', // IFLA_IPTUN_LOCAL
    '05000600 04000000', // IFLA_IPTUN_ENCAP_LIMIT 4
  ));

  test('ipvlan l3 private on eth0 (the overlay\'s IFLA_IPVLAN_MODE/FLAGS)', () => newlink({ name: 'ipv0', kind: 'ipvlan', link: 'eth0', mode: 'l3', flags: 'private' },
    ifinfo(),
    '09000300 69707630 00000000',
    '08000500 02000000',
    '24001280 0b000100 6970766c 616e0000',
    '14000280 06000100 01000000', // IFLA_IPVLAN_MODE IPVLAN_MODE_L3 (u16)
    '06000200 01000000', // IFLA_IPVLAN_FLAGS IPVLAN_F_PRIVATE
  ));

  test('bridge with VLAN filtering (CONFIG_BRIDGE_VLAN_FILTERING is off here): the protocol in network order', () =>
    newlink({ name: 'br0', kind: 'bridge', vlanFiltering: true, vlanProtocol: '802.1ad', vlanDefaultPvid: 10 },
      ifinfo(),
      '08000300 62723000',
      '2c001280 0b000100 62726964 67650000',
      '1c000280 05000700 01000000', // IFLA_BR_VLAN_FILTERING 1
      '06000800 88a80000', // IFLA_BR_VLAN_PROTOCOL ETH_P_8021AD (be16: the correction)
      '06002700 0a000000', // IFLA_BR_VLAN_DEFAULT_PVID 10
    ));

  test('a new port of br0 (IFLA_MASTER at creation)', () => newlink({ name: 'v0', kind: 'veth', master: 'br0' },
    ifinfo(),
    '07000300 76300000',
    '08000a00 03000000', // IFLA_MASTER 3
    '10001280 09000100 76657468 00000000', // LINKINFO { KIND "veth" }
  ));
});

/** The bytes of each request a change sends, with its message type. */
function change(c: LinkChange): [number, string][] {
  return changeItems(c, scope).map((item) => {
    const w = new Writer(128);
    (item.payload as (w: Writer) => void)(w);
    return [item.type, w.toBuffer().toString('hex')];
  });
}

describe('links: the requests set() sends (golden)', () => {
  test('bond port options are IFLA_INFO_SLAVE_KIND "bond" with IFLA_BOND_SLAVE_* data', () => {
    const [[type, hex]] = change({ dev: 6, bondPort: { queueId: 3, prio: 10 } }) as [[number, string]];
    assert.equal(type, 16);
    assert.equal(hex, bytes(ifinfo(6),
      '24001280 09000400 626f6e64 00000000', // LINKINFO (4 + 12 + 20), SLAVE_KIND "bond"
      '14000580 06000500 03000000', // IFLA_BOND_SLAVE_QUEUE_ID 3 (u16)
      '08000900 0a000000', // IFLA_BOND_SLAVE_PRIO 10
    ).toString('hex'));
  });

  test('up changes IFF_UP alone (ifi_change = IFF_UP)', () => {
    assert.deepEqual(change({ dev: 5, up: true }), [[19, ifinfo(5, 1, 1)]]); // RTM_SETLINK
    assert.deepEqual(change({ dev: 5, up: false }), [[19, ifinfo(5, 0, 1)]]);
  });

  test('arp off sets IFF_NOARP; promisc on sets IFF_PROMISC; nothing else changes', () => {
    assert.deepEqual(change({ dev: 5, arp: false, promisc: true }), [[19, ifinfo(5, 0x80 | 0x100, 0x80 | 0x100)]]);
  });

  test('nomaster is IFLA_MASTER 0', () => {
    assert.deepEqual(change({ dev: 5, master: null }), [[19, ifinfo(5) + '08000a00 00000000'.replace(/ /g, '')]]);
  });

  test('netns by pid is IFLA_NET_NS_PID', () => {
    assert.deepEqual(change({ dev: 5, netns: { pid: 1234 } }), [[19, ifinfo(5) + '08001300d2040000']]);
  });

  test('alt names are RTM_NEWLINKPROP / RTM_DELLINKPROP with IFLA_PROP_LIST', () => {
    assert.deepEqual(change({ dev: 5, altnames: { add: ['alt0'], del: ['old1'] } }), [
      [108, ifinfo(5) + '10003480' + '09003500 616c7430 00000000'.replace(/ /g, '')],
      [109, ifinfo(5) + '10003480' + '09003500 6f6c6431 00000000'.replace(/ /g, '')],
    ]);
  });

  test('bridge port options are IFLA_INFO_SLAVE_DATA in an RTM_NEWLINK without NLM_F_CREATE', () => {
    const [[type, hex]] = change({ dev: 5, port: { learning: false, cost: 7 } }) as [[number, string]];
    assert.equal(type, 16);
    assert.equal(hex, bytes(ifinfo(5),
      '24001280 0b000400 62726964 67650000', // IFLA_INFO_SLAVE_KIND "bridge"
      '14000580 05000800 00000000', // IFLA_BRPORT_LEARNING 0
      '08000300 07000000', // IFLA_BRPORT_COST 7
    ).toString('hex'));
  });
});

/** The requests of rt.links.vlans.add/delete, as [type, hex]. */
function vlanRequests(op: 'add' | 'delete', spec: BridgeVlanSpec | BridgeVlanSpec[]): [number, string][] {
  const step = vlanBuilders[op](scope, spec) as { bulk: { type: number; payload?: unknown }[] };
  return step.bulk.map((item) => {
    const w = new Writer(128);
    (item.payload as (w: Writer) => void)(w);
    return [item.type, w.toBuffer().toString('hex')];
  });
}

/** ifinfomsg of an AF_BRIDGE (7) message. */
const brinfo = (index: number) => '07000000' + ifinfo(index).slice(8);

describe('links: bridge VLANs (golden; CONFIG_BRIDGE_VLAN_FILTERING is off here) from <linux/if_bridge.h>', () => {
  test('a port\'s PVID, untagged: RTM_SETLINK AF_BRIDGE, IFLA_AF_SPEC { IFLA_BRIDGE_VLAN_INFO }', () => {
    assert.deepEqual(vlanRequests('add', { dev: 5, vid: 10, pvid: true, untagged: true }), [[19, bytes(brinfo(5),
      '0c001a80 08000200 06000a00', // IFLA_AF_SPEC { VLAN_INFO { flags PVID|UNTAGGED, vid 10 } }
    ).toString('hex')]]);
  });

  test('a range on the bridge itself: IFLA_BRIDGE_FLAGS SELF, RANGE_BEGIN and RANGE_END entries', () => {
    assert.deepEqual(vlanRequests('add', { dev: 3, vid: [100, 200], untagged: true, self: true }), [[19, bytes(brinfo(3),
      '1c001a80 06000000 02000000', // IFLA_BRIDGE_FLAGS BRIDGE_FLAGS_SELF (u16)
      '08000200 0c006400', // VLAN_INFO { UNTAGGED|RANGE_BEGIN, 100 }
      '08000200 1400c800', // VLAN_INFO { UNTAGGED|RANGE_END, 200 }
    ).toString('hex')]]);
  });

  test('delete is RTM_DELLINK AF_BRIDGE; many are one transaction', () => {
    assert.deepEqual(vlanRequests('delete', [{ dev: 5, vid: 10 }, { dev: 'br0', vid: 20 }]), [
      [17, bytes(brinfo(5), '0c001a80 08000200 00000a00').toString('hex')],
      [17, bytes(brinfo(3), '0c001a80 08000200 00001400').toString('hex')],
    ]);
  });

  test('a dump reply (bridge -j vlan show) decodes with ranges opened up', () => {
    const body = bytes(
      '07000100 04000000 03100100 00000000', // AF_BRIDGE, ARPHRD_ETHER, index 4, flags UP|BROADCAST|MULTICAST|LOWER_UP
      '07000300 70300000', // IFLA_IFNAME "p0"
      '08000a00 02000000', // IFLA_MASTER 2
      '1c001a00 08000200 06000100', // IFLA_AF_SPEC (as br_fill_ifinfo writes it, no NLA_F_NESTED) { PVID|UNTAGGED 1 }
      '08000200 08001400', // { RANGE_BEGIN 20 }
      '08000200 10001600', // { RANGE_END 22 }
    );
    const m = family.decode('getlink-bridge', body) as unknown as Parameters<typeof toPortVlans>[0];
    assert.deepEqual(toPortVlans(m), {
      ifindex: 4, ifname: 'p0',
      vlans: [{ vid: 1, pvid: true, untagged: true }, { vid: 20, pvid: false, untagged: false }, { vid: 21, pvid: false, untagged: false }, { vid: 22, pvid: false, untagged: false }],
    });
  });

  test('bad VLAN input names the option', () => {
    assert.throws(() => vlanRequests('add', { dev: 5, vid: 4095 }), (e: unknown) => e instanceof NetlinkArgumentError && e.argument === 'vid');
    assert.throws(() => vlanRequests('add', [{ dev: 5, vid: [10, 5] }]), (e: unknown) => e instanceof NetlinkArgumentError && e.argument === '[0].vid');
    assert.throws(() => vlanRequests('add', { dev: 5, vid: [10, 20], pvid: true }), (e: unknown) => e instanceof NetlinkArgumentError && e.argument === 'pvid');
  });
});

describe('links: caller errors name the option', () => {
  const bad = (fn: () => unknown, option: string, re?: RegExp) => {
    assert.throws(fn, (e: unknown) => e instanceof NetlinkArgumentError && e.argument === option && (!re || re.test(e.message)));
  };
  test('tun/tap point to the tuntap API', () => bad(() => newlinkRequest({ name: 't0', kind: 'tap' as 'dummy' }, scope), 'kind', /rt\.tuntap\.add\(\{ name, mode: 'tap' \}\)/));
  test('unknown kind, unknown option, bad values', () => {
    bad(() => newlinkRequest({ name: 'x', kind: 'nope' as 'dummy' }, scope), 'kind', /must be one of/);
    bad(() => newlinkRequest({ name: 'x', kind: 'dummy', stp: true } as unknown as LinkSpec, scope), 'stp', /is not an option here/);
    bad(() => newlinkRequest({ name: 'x', kind: 'vxlan', id: 1 << 24 }, scope), 'id', /0\.\.16777215/);
    bad(() => newlinkRequest({ name: 'x', kind: 'vxlan', id: 1, group: 'banana' }, scope), 'group');
    bad(() => newlinkRequest({ name: 'x', kind: 'macvlan', mode: 'bogus' as 'bridge' }, scope), 'mode', /private, vepa, bridge/);
    bad(() => newlinkRequest({ name: 'this-name-is-too-long', kind: 'dummy' }, scope), 'name');
    bad(() => newlinkRequest({ name: 'x', kind: 'dummy', address: 'zz' }, scope), 'address');
    bad(() => newlinkRequest({ name: 'x', kind: 'veth', peer: { name: 'y', bogus: 1 } as never }, scope), 'peer.bogus');
    bad(() => newlinkRequest({ name: 'x', kind: 'veth', peer: { name: 'y', netns: 'no/such' } }, scope), 'peer.netns');
    bad(() => newlinkRequest({ name: 'x', kind: 'bridge', peer: 'y' } as unknown as LinkSpec, scope), 'peer');
    bad(() => changeItems({ dev: 5 }, scope), 'change', /changes nothing/);
    bad(() => changeItems({ dev: 5, up: 'yes' as unknown as boolean }, scope), 'up');
    bad(() => changeItems({ dev: 5, port: { cost: -1 } }, scope), 'port.cost');
    bad(() => changeItems({ dev: 5, port: { bogus: 1 } as never }, scope), 'port.bogus');
    bad(() => changeItems({ dev: 5, port: { cost: 1 }, bondPort: { prio: 1 } }, scope), 'bondPort');
    bad(() => changeItems({ dev: 5, altnames: { add: [] } }, scope), 'altnames.add');
    bad(() => changeItems({ dev: 5, netns: { fd: 1, pid: 2 } as never }, scope), 'netns');
  });
});
