// nlkit's corrections to the kernel's YNL specs (src/ynl/corrections): one golden vector per
// correction, written from the uapi header's layout (numbers and offsets as
// <linux/pkt_cls.h>, <linux/fib_rules.h>, <linux/netlink.h>, ... define them), decoded and
// encoded through the generated family; the corrections mechanism itself; and, where this
// kernel has the feature, the corrected operation against the kernel.
import assert from 'node:assert/strict';
import { describe, test, type TestContext } from 'node:test';
import { NLM_F_CREATE, NLM_F_EXCL } from '../src/core/constants.js';
import type { RawMessage } from '../src/core/message.js';
import { FamilyClient } from '../src/ynl/client.js';
import { applyCorrections } from '../src/ynl/correction.js';
import { Family } from '../src/ynl/family.js';
import { description as devlinkDesc } from '../src/ynl/families/devlink.js';
import { description as ethtoolDesc } from '../src/ynl/families/ethtool.js';
import { description as nftDesc } from '../src/ynl/families/nftables.js';
import { description as nlctrlDesc } from '../src/ynl/families/nlctrl.js';
import { description as ovsFlowDesc } from '../src/ynl/families/ovs_flow.js';
import { description as ovsVportDesc } from '../src/ynl/families/ovs_vport.js';
import { description as rtLinkDesc } from '../src/ynl/families/rt-link.js';
import { description as rtRuleDesc } from '../src/ynl/families/rt-rule.js';
import { description as tcDesc } from '../src/ynl/families/tc.js';
import { description as teamDesc } from '../src/ynl/families/team.js';
import { parseSpec } from '../src/ynl/load.js';
import { SpecError } from '../src/ynl/normalize.js';
import { assertDecodes, assertEncodes, bytes } from './helpers/ynl-golden.js';
import { ip, ipJson, needRoot, run, withNetns } from './helpers/netns.js';

/**
 * Runs tools in the namespace (`ip netns exec NS ...`), the last command fed `input`; when
 * one fails (a kernel feature or tool this machine lacks), skips the test with its words.
 */
function prepare(t: TestContext, ns: string, what: string, commands: string[][], input?: string): boolean {
  try {
    commands.forEach((c, i) => run('ip', ['netns', 'exec', ns, ...c], i === commands.length - 1 ? input : undefined));
    return true;
  } catch (e) {
    t.skip(`${what}: ${String((e as { stderr?: string }).stderr ?? e).trim()}`);
    return false;
  }
}

/** Both directions: the object encodes to exactly these bytes and they decode back to it. */
function roundTrip(f: Family, op: string, value: Record<string, unknown>, body: Buffer): void {
  assertEncodes(f, op, value, body);
  assertDecodes(f, op, body, value);
}

// struct tcmsg (20 bytes): family, pad[3], ifindex 1, handle 0, parent 0xffff0000, info 0
const TCMSG = '00 000000 01000000 00000000 0000ffff 00000000';
const tcmsg = { family: 0, ifindex: 1, handle: 0, parent: 0xffff0000, info: 0 };

describe('corrections: golden vectors from the uapi headers', () => {
  test('nlctrl: NL_POLICY_TYPE_ATTR_PAD is 11 and NL_POLICY_TYPE_ATTR_MASK 12 (the spec swaps them)', () => {
    const ctrl = Family.from(nlctrlDesc);
    const reply = bytes(
      '0a 02 0000',
      '2c00 0880', //                     CTRL_ATTR_POLICY (8), 44 bytes
      '2800 0080', //                       policy 0
      '2400 0180', //                         attribute 1
      '0800 0100 04000000', //                  NL_POLICY_TYPE_ATTR_TYPE (1) = NL_ATTR_TYPE_U32 (4)
      '0400 0b00', //                           NL_POLICY_TYPE_ATTR_PAD (11)
      '0c00 0c00 ff00000000000000', //          NL_POLICY_TYPE_ATTR_MASK (12) u64 = 0xff
      '0400 0b00', //                           NL_POLICY_TYPE_ATTR_PAD (11)
      '0400 0b00', //                           NL_POLICY_TYPE_ATTR_PAD (11)
    );
    assertDecodes(ctrl, 'getpolicy', reply, { policy: [{ policyId: 0, attrId: 1, type: 'u32', mask: 0xffn }] });
  });

  test('rt-rule: FRA_TABLE (15, u32) is `table`; the 8-bit fib_rule_hdr.table is `hdrTable`', () => {
    const rule = Family.from(rtRuleDesc);
    roundTrip(rule, 'newrule', { family: 2, dstLen: 0, srcLen: 0, tos: 0, hdrTable: 252, action: 'to-tbl', flags: 0, table: 1000 }, bytes(
      '02 00 00 00 fc 00 00 01 00000000', // struct fib_rule_hdr: AF_INET, table RT_TABLE_COMPAT (252), FR_ACT_TO_TBL (1)
      '0800 0f00 e8030000', //            FRA_TABLE (15) = 1000
    ));
  });

  test('tc: getchain is answered with RTM_GETCHAIN (102), not RTM_NEWCHAIN', () => {
    const tc = Family.from(tcDesc);
    const reply = { type: 102, buf: bytes(TCMSG, '0800 0b00 07000000'), start: 0, end: 28 } as unknown as RawMessage;
    assert.equal(tc.opOf(reply)?.name, 'getchain');
    assert.deepEqual(tc.decodeEvent(reply), { op: 'getchain', msg: { ...tcmsg, chain: 7 } });
  });

  test('tc: struct tc_u32_sel has a pad byte after nkeys (offmask at offset 4, hmask at 12) and keys[] at 16', () => {
    const tc = Family.from(tcDesc);
    const key = (val: number, off: number) => ({ mask: 0xffffffff, val, off, offmask: 0 });
    const sel = { flags: 1, offshift: 0, nkeys: 2, offmask: 0, off: 0, offoff: 0, hoff: 0, hmask: 0xff00, keys: [key(0x0a000001, 12), key(0x0a000002, 16)] };
    roundTrip(tc, 'newtfilter', { ...tcmsg, kind: 'u32', options: { sel } }, bytes(
      TCMSG,
      '0800 0100 75333200', //            TCA_KIND (1) = "u32"
      '3800 0280', //                     TCA_OPTIONS (2) | NLA_F_NESTED, 56 bytes
      '3400 0500', //                       TCA_U32_SEL (5): struct tc_u32_sel + two tc_u32_key
      '01 00 02 00', //                       flags 1, offshift 0, nkeys 2, pad
      '0000 0000 0000 0000', //               offmask (be16), off, offoff, hoff
      '0000ff00', //                          hmask (be32) 0xff00
      'ffffffff 0a000001 0c000000 00000000', // keys[0]: mask, val (be32), off 12, offmask 0
      'ffffffff 0a000002 10000000 00000000', // keys[1]: off 16
    ));
    // no keys: the 16-byte fixed part alone
    assertDecodes(tc, 'newtfilter', bytes(TCMSG, '0800 0100 75333200', '1800 0280', '1400 0500', '00 00 00 00 0000 0000 0000 0000 00000000'),
      { ...tcmsg, kind: 'u32', options: { sel: { flags: 0, offshift: 0, nkeys: 0, offmask: 0, off: 0, offoff: 0, hoff: 0, hmask: 0, keys: [] } } });
  });

  test('tc: struct tc_u32_pcnt ends with kcnts[], a u64 per key', () => {
    const tc = Family.from(tcDesc);
    assertDecodes(tc, 'gettfilter', bytes(
      TCMSG,
      '0800 0100 75333200', //            TCA_KIND (1) = "u32"
      '2800 0200', //                     TCA_OPTIONS (2)
      '2400 0900', //                       TCA_U32_PCNT (9): struct tc_u32_pcnt, two keys
      '0a00000000000000 0300000000000000', // rcnt 10, rhit 3
      '0200000000000000 0100000000000000', // kcnts[0] 2, kcnts[1] 1
    ), { ...tcmsg, kind: 'u32', options: { pcnt: { rcnt: 10n, rhit: 3n, kcnts: [2n, 1n] } } });
  });

  test('tc flower: TCA_CLS_FLAGS_NOT_IN_HW (1 << 3) is not-in-hw; the VLAN ids are host order', () => {
    const tc = Family.from(tcDesc);
    roundTrip(tc, 'newtfilter', { ...tcmsg, kind: 'flower', options: { flags: ['not-in-hw'], keyVlanId: 100, keyCvlanId: 0x123 } }, bytes(
      TCMSG,
      '0b00 0100 666c6f77657200 00', //   TCA_KIND (1) = "flower"
      '1c00 0280', //                     TCA_OPTIONS (2) | NLA_F_NESTED
      '0800 1600 08000000', //              TCA_FLOWER_FLAGS (22) = TCA_CLS_FLAGS_NOT_IN_HW
      '0600 1700 6400 0000', //             TCA_FLOWER_KEY_VLAN_ID (23) u16 = 100, host order
      '0600 4d00 2301 0000', //             TCA_FLOWER_KEY_CVLAN_ID (77) u16 = 0x123, host order
    ));
  });

  test('tc flower: TCA_FLOWER_KEY_MPLS_OPTS holds TCA_FLOWER_KEY_MPLS_OPTS_LSE nests of LSE attributes', () => {
    const tc = Family.from(tcDesc);
    const lse = (depth: number, label: number) => ({ lseDepth: depth, lseLabel: label });
    roundTrip(tc, 'newtfilter', { ...tcmsg, kind: 'flower', options: { keyMplsOpts: { lse: [lse(1, 100), lse(2, 200)] } } }, bytes(
      TCMSG,
      '0b00 0100 666c6f77657200 00', //   TCA_KIND (1) = "flower"
      '3000 0280', //                     TCA_OPTIONS (2) | NLA_F_NESTED
      '2c00 6380', //                       TCA_FLOWER_KEY_MPLS_OPTS (99) | NLA_F_NESTED
      '1400 0180', //                         TCA_FLOWER_KEY_MPLS_OPTS_LSE (1)
      '0500 0100 01 000000', //                 TCA_FLOWER_KEY_MPLS_OPT_LSE_DEPTH (1) u8 = 1
      '0800 0500 64000000', //                  TCA_FLOWER_KEY_MPLS_OPT_LSE_LABEL (5) u32 = 100
      '1400 0180', //                         TCA_FLOWER_KEY_MPLS_OPTS_LSE (1)
      '0500 0100 02 000000', //                 depth 2
      '0800 0500 c8000000', //                  label 200
    ));
  });

  test('tc netem: struct tc_netem_qopt.loss is `qoptLoss`, apart from TCA_NETEM_LOSS', () => {
    const tc = Family.from(tcDesc);
    const qopt = { latency: 0, limit: 1000, qoptLoss: 0xffffffff, gap: 0, duplicate: 0, jitter: 0 };
    roundTrip(tc, 'newqdisc', { ...tcmsg, kind: 'netem', options: qopt }, bytes(
      TCMSG,
      '0a00 0100 6e6574656d00 0000', //   TCA_KIND (1) = "netem"
      '1c00 0200', //                     TCA_OPTIONS (2): struct tc_netem_qopt (24 bytes)
      '00000000 e8030000 ffffffff 00000000 00000000 00000000', // latency, limit 1000, loss (offset 8) ~0, gap, duplicate, jitter
    ));
  });

  test('rt-link: ifla_bridge_id.prio is big-endian; ip6tnl IFLA_IPTUN_FLAGS is a host-order u32', () => {
    const rt = Family.from(rtLinkDesc);
    const ifinfo = '00 00 0000 00000000 00000000 00000000';
    const head = { ifiFamily: 0, ifiType: 0, ifiIndex: 0, ifiFlags: [], ifiChange: 0 };
    assertDecodes(rt, 'getlink', bytes(
      ifinfo,
      '2000 1200', //                     IFLA_LINKINFO (18)
      '0b00 0100 6272696467650000', //      IFLA_INFO_KIND (1) = "bridge"
      '1000 0200', //                       IFLA_INFO_DATA (2)
      '0c00 0b00 8000 020000000001', //       IFLA_BR_BRIDGE_ID (11): prio 0x8000, 02:00:00:00:00:01
    ), { ...head, linkinfo: { kind: 'bridge', data: { bridgeId: { prio: 0x8000, addr: '02:00:00:00:00:01' } } } });
    roundTrip(rt, 'newlink', { ...head, linkinfo: { kind: 'ip6tnl', data: { flags: 0x10000 } } }, bytes(
      ifinfo,
      '1c00 1280', //                     IFLA_LINKINFO (18) | NLA_F_NESTED
      '0b00 0100 6970367 46e6c00 00'.replace(/ /g, ''), // IFLA_INFO_KIND (1) = "ip6tnl"
      '0c00 0280', //                       IFLA_INFO_DATA (2) | NLA_F_NESTED
      '0800 0800 00000100', //                IFLA_IPTUN_FLAGS (8) u32 = IP6_TNL_F_USE_ORIG_FWMARK (0x10000), host order
    ));
  });

  test('nftables: NFTA_SET_ELEM_TIMEOUT and _EXPIRATION are big-endian milliseconds', () => {
    const nft = Family.from(nftDesc);
    roundTrip(nft, 'newsetelem', { nfgenFamily: 2, version: 0, resId: 0, table: 't', set: 's', elements: { elem: [{ timeout: 30000n, expiration: 1500n }] } }, bytes(
      '02 00 0000', //                    struct nfgenmsg: NFPROTO_IPV4
      '0600 0100 7400 0000', //           NFTA_SET_ELEM_LIST_TABLE (1) = "t"
      '0600 0200 7300 0000', //           NFTA_SET_ELEM_LIST_SET (2) = "s"
      '2000 0380', //                     NFTA_SET_ELEM_LIST_ELEMENTS (3)
      '1c00 0180', //                       NFTA_LIST_ELEM (1)
      '0c00 0400 0000000000007530', //        NFTA_SET_ELEM_TIMEOUT (4) be64 = 30000
      '0c00 0500 00000000000005dc', //        NFTA_SET_ELEM_EXPIRATION (5) be64 = 1500
    ));
  });

  test('nftables: the limit and masq expressions have formats (enum nft_limit_attributes, nft_masq_attributes)', () => {
    const nft = Family.from(nftDesc);
    const limit = { name: 'limit', data: { rate: 10n, unit: 60n, burst: 5, type: 'pkt-bytes', flags: ['inv'] } };
    const masq = { name: 'masq', data: { flags: ['proto-random'], regProtoMin: 'reg-1' } };
    roundTrip(nft, 'newrule', { nfgenFamily: 2, version: 0, resId: 0, table: 't', chain: 'c', expressions: { elem: [limit, masq] } }, bytes(
      '02 00 0000', //                    struct nfgenmsg
      '0600 0100 7400 0000', //           NFTA_RULE_TABLE (1) = "t"
      '0600 0200 6300 0000', //           NFTA_RULE_CHAIN (2) = "c"
      '6c00 0480', //                     NFTA_RULE_EXPRESSIONS (4)
      '4400 0180', //                       NFTA_LIST_ELEM (1)
      '0a00 0100 6c696d6974000000', //        NFTA_EXPR_NAME (1) = "limit"
      '3400 0280', //                         NFTA_EXPR_DATA (2)
      '0c00 0100 000000000000000a', //          NFTA_LIMIT_RATE (1) be64 = 10
      '0c00 0200 000000000000003c', //          NFTA_LIMIT_UNIT (2) be64 = 60
      '0800 0300 00000005', //                  NFTA_LIMIT_BURST (3) be32 = 5
      '0800 0400 00000001', //                  NFTA_LIMIT_TYPE (4) = NFT_LIMIT_PKT_BYTES
      '0800 0500 00000001', //                  NFTA_LIMIT_FLAGS (5) = NFT_LIMIT_F_INV
      '2400 0180', //                       NFTA_LIST_ELEM (1)
      '0900 0100 6d61737100 000000', //       NFTA_EXPR_NAME (1) = "masq"
      '1400 0280', //                         NFTA_EXPR_DATA (2)
      '0800 0100 00000004', //                  NFTA_MASQ_FLAGS (1) = NF_NAT_RANGE_PROTO_RANDOM (1 << 2)
      '0800 0200 00000001', //                  NFTA_MASQ_REG_PROTO_MIN (2) = NFT_REG_1
    ));
  });

  test('ovs_vport: OVS_TUNNEL_ATTR_DST_PORT is a u16 ("16-bit UDP port"; the spec says u32)', () => {
    const vp = Family.from(ovsVportDesc);
    const reply = bytes(
      '03 01 0000', '07000000',
      '0800 0200 04000000', //            OVS_VPORT_ATTR_TYPE (2) = OVS_VPORT_TYPE_VXLAN (4)
      '0c00 0400', //                     OVS_VPORT_ATTR_OPTIONS (4)
      '0600 0100 b512 0000', //             OVS_TUNNEL_ATTR_DST_PORT (1) u16 = 4789
    );
    assertDecodes(vp, 'get', reply, { dpIfindex: 7, type: 'vxlan', options: { dstPort: 4789 } });
  });

  test('ovs_flow: struct ovs_key_arp is 24 bytes (the spec packs it in 22)', () => {
    const fl = Family.from(ovsFlowDesc);
    const body = fl.encode('new', { key: { arp: { arpSip: 0, arpTip: 0, arpOp: 1 } } });
    // OVS_KEY_ATTR_ARP: 4-byte header + sizeof(struct ovs_key_arp)
    assert.equal(body.readUInt16LE(8 + 4), 4 + 24);
  });

  test('ovs_flow: ovs_action_push_mpls.mpls_ethertype is a __be16 (the spec says u32)', () => {
    const fl = Family.from(ovsFlowDesc);
    const body = fl.encode('new', { actions: { pushMpls: { mplsLse: 0, mplsEthertype: 0x8847 } } });
    // OVS_ACTION_ATTR_PUSH_MPLS (9): {__be32 mpls_lse; __be16 mpls_ethertype;} + 2 bytes of struct padding
    assert.equal(body.subarray(8).toString('hex'), bytes('1000 0280', '0c00 0900 00000000 8847 0000').toString('hex'));
  });

  test('team: the kernel repeats TEAM_ATTR_ITEM_OPTION in one list (the spec has no multi-attr)', () => {
    const tm = Family.from(teamDesc);
    const reply = bytes(
      '02 01 0000',
      '2800 0200', //                     TEAM_ATTR_LIST_OPTION (2)
      '1000 0100', //                       TEAM_ATTR_ITEM_OPTION (1)
      '0900 0100 6d6f646500 000000', //       NAME = "mode"
      '1400 0100', //                       TEAM_ATTR_ITEM_OPTION (1) again
      '1000 0100 6163746976655f706f727400', // NAME = "active_port"
    );
    const d = tm.decode('options-get', reply) as { listOption: { option: unknown } };
    assert.deepEqual(d.listOption.option, [{ name: 'mode' }, { name: 'active_port' }]);
  });

  test('team: TEAM_CMD_OPTIONS_SET has no reply (the driver answers with a multicast event)', () => {
    const tm = Family.from(teamDesc);
    assert.equal(tm.op('options-set').desc.do?.reply, undefined);
  });

  test('ethtool: the replies of features-set and tsconfig-set are optional (ETHTOOL_FLAG_OMIT_REPLY)', () => {
    const et = Family.from(ethtoolDesc);
    for (const op of ['features-set', 'tsconfig-set']) assert.equal(et.op(op).desc.do?.reply?.optional, true, op);
    assert.equal(et.op('rss-create-act').desc.do?.reply?.optional, undefined, 'rss-create-act always replies');
  });

  test('devlink: reload and region-new reply only in some cases (their replies are optional)', () => {
    const dl = Family.from(devlinkDesc);
    for (const op of ['reload', 'region-new']) assert.equal(dl.op(op).desc.do?.reply?.optional, true, op);
    assert.equal(dl.op('port-new').desc.do?.reply?.optional, undefined, 'port-new always replies');
  });

  test('devlink: DEVLINK_ATTR_RELOAD_LIMITS is a bitfield32 of enum devlink_reload_limit', () => {
    const dl = Family.from(devlinkDesc);
    const nsim = { busName: 'netdevsim', devName: 'netdevsim1' };
    roundTrip(dl, 'reload', { ...nsim, reloadLimits: { value: ['no-reset'], selector: ['no-reset'] } }, bytes(
      '25 01 0000', //                    DEVLINK_CMD_RELOAD (37)
      '0e00 0100 6e657464657673696d00 0000', // DEVLINK_ATTR_BUS_NAME (1) = "netdevsim"
      '0f00 0200 6e657464657673696d3100 00', // DEVLINK_ATTR_DEV_NAME (2) = "netdevsim1"
      '0c00 9b00 02000000 02000000', //   DEVLINK_ATTR_RELOAD_LIMITS (155) = BIT(DEVLINK_RELOAD_LIMIT_NO_RESET 1)
    ));
  });
});

describe('corrections: the mechanism', () => {
  const spec = `
name: demo
protocol: genetlink
attribute-sets:
  - name: main
    attributes:
      - { name: a, type: u32 }
      - { name: b, type: u16 }
operations:
  list:
    - name: get
      attribute-set: main
      do: { request: { attributes: [a] } }
`;
  const fix = (yaml: string) => parseSpec(spec, 'demo.yaml', { corrections: yaml, correctionsSource: 'demo-fix.yaml' });

  test('set, replace, append and insert-after change the spec before it is described', () => {
    const d = fix(`
- proof: demo.h says b is a be16 numbered 7
  at: attribute-sets/main/attributes/b
  set: { value: 7, byte-order: big-endian }
- proof: demo.h has c right after a
  at: attribute-sets/main/attributes
  insert-after: a
  item: { name: c, type: u8 }
- proof: demo.h ends the set with d
  at: attribute-sets/main/attributes
  append: { name: d, type: flag }
- proof: demo.h calls the request's attribute c
  at: operations/list/get/do/request/attributes/a
  replace: c
`);
    assert.deepEqual(d.attributeSets[0].attributes.map((a) => [a.name, a.value, a.type, a.byteOrder]), [
      ['a', 1, 'u32', undefined], ['c', 2, 'u8', undefined], ['b', 7, 'u16', 'big-endian'], ['d', 8, 'flag', undefined],
    ]);
    assert.deepEqual(d.operations[0].do?.request?.attributes, ['c']);
  });

  test('a correction needs a proof, a place that exists, one change, and must change something', () => {
    const cases: [string, RegExp][] = [
      ['- { at: attribute-sets/main/attributes/a, set: { type: u8 } }', /needs a proof/],
      ['- { proof: demo.h line 12, at: attribute-sets/main/attributes/zz, set: { type: u8 } }', /attribute-sets\/main\/attributes\/zz is not in the spec/],
      ['- { proof: demo.h line 12, at: attribute-sets/main/attributes/a, set: { type: u32 } }', /already says this: remove the correction/],
      ['- { proof: demo.h line 12, at: attribute-sets/main/attributes/a, set: { type: u8 }, replace: x }', /one change/],
      ['- { proof: demo.h line 12, at: attribute-sets/main/attributes, append: { name: b, type: u8 } }', /already has 'b'/],
      ['- { proof: demo.h line 12, at: attribute-sets/main/attributes/a, sett: { type: u8 } }', /unknown key 'sett'/],
      ['proof: not a list', /a list of corrections/],
    ];
    for (const [yaml, message] of cases) assert.throws(() => fix(yaml), (e: unknown) => e instanceof SpecError && message.test(e.message), yaml);
  });

  test('the spec object given is not changed', () => {
    const doc = { name: 'x', list: [{ name: 'a', type: 'u8' }] };
    const out = applyCorrections(doc, [{ proof: 'x.h says a is a u16', at: 'list/a', set: { type: 'u16' } }]);
    assert.deepEqual(doc.list[0], { name: 'a', type: 'u8' });
    assert.deepEqual((out.list as { type: string }[])[0].type, 'u16');
  });
});

describe('corrections against the kernel', () => {
  test('rt-rule: a rule for table 1000 (FRA_TABLE) is created and `ip -j rule` shows it', async (t) => {
    if (!needRoot(t)) return;
    await withNetns(async (ns) => {
      const rule = FamilyClient.openSync(rtRuleDesc, { netns: ns });
      try {
        await rule.newrule({ family: 2, action: 'to-tbl', table: 1000, priority: 1234 }, { flags: NLM_F_CREATE | NLM_F_EXCL });
        const ours = ipJson<{ priority: number; table: string }[]>(ns, 'rule').find((r) => r.priority === 1234);
        assert.equal(ours?.table, '1000');
        const dumped = (await rule.getruleDump({ family: 2 }).toArray()).find((r) => r.priority === 1234);
        assert.equal(dumped?.table, 1000);
        assert.equal(dumped?.hdrTable, 252); // RT_TABLE_COMPAT: the id does not fit the header's byte
      } finally {
        rule.close();
      }
    });
  });

  test('tc: getchain reads back a chain made by `tc chain add`', async (t) => {
    if (!needRoot(t)) return;
    await withNetns(async (ns) => {
      const clsact = ['tc', 'qdisc', 'add', 'dev', 'lo', 'clsact'];
      if (!prepare(t, ns, 'no clsact qdisc or tc chains here', [clsact, ['tc', 'chain', 'add', 'dev', 'lo', 'ingress', 'chain', '7']])) return;
      const tc = FamilyClient.openSync(tcDesc, { netns: ns });
      try {
        // parent TC_H_MAKE(TC_H_CLSACT, TC_H_MIN_INGRESS)
        const got = await tc.getchain({ family: 0, ifindex: 1, handle: 0, parent: 0xfffffff2, info: 0, chain: 7 });
        assert.equal(got.chain, 7);
        assert.equal(got.ifindex, 1);
      } finally {
        tc.close();
      }
    });
  });

  test('rt-link: a bridge\'s IFLA_BR_BRIDGE_ID priority reads as `ip -d link` shows it (big-endian)', async (t) => {
    if (!needRoot(t)) return;
    await withNetns(async (ns) => {
      if (!prepare(t, ns, 'no bridge link kind here', [['ip', 'link', 'add', 'nlktbr0', 'type', 'bridge', 'priority', '4096']])) return;
      const shown = ipJson<{ linkinfo: { info_data: { priority: number; bridge_id: string } } }[]>(ns, '-d', 'link', 'show', 'nlktbr0')[0];
      const rt = FamilyClient.openSync(rtLinkDesc, { netns: ns });
      try {
        const link = await rt.getlink({ ifname: 'nlktbr0' });
        const data = (link.linkinfo as { kind?: string; data?: { bridgeId?: { prio: number } } }).data;
        assert.equal(shown.linkinfo.info_data.priority, 4096);
        assert.equal(data?.bridgeId?.prio, 4096);
        assert.match(shown.linkinfo.info_data.bridge_id, /^1000\./); // ip prints the priority in hex first
      } finally {
        rt.close();
      }
    });
  });

  test('nftables: set-element timeout/expiration and the limit and masq expressions read as `nft` wrote them', async (t) => {
    if (!needRoot(t)) return;
    await withNetns(async (ns) => {
      const ruleset = `table ip t {
        set s { type ipv4_addr; flags timeout; elements = { 10.0.0.1 timeout 30s } }
        chain c { limit rate over 10/minute burst 7 packets; }
        chain post { type nat hook postrouting priority 100; masquerade random; }
      }`;
      if (!prepare(t, ns, 'no nft tool or nf_tables here', [['nft', '-f', '-']], ruleset)) return;
      const nft = FamilyClient.openSync(nftDesc, { netns: ns });
      try {
        const head = { nfgenFamily: 2, version: 0, resId: 0 };
        const [withElems] = nft.getsetelemDumpSync({ ...head, table: 't', set: 's' });
        const [elem] = (withElems.elements as { elem: { timeout: bigint; expiration: bigint }[] }).elem;
        assert.equal(elem.timeout, 30000n); // milliseconds, big-endian on the wire
        assert.ok(elem.expiration > 20000n && elem.expiration <= 30000n, String(elem.expiration));
        const exprs = nft.getruleDumpSync({ ...head, table: 't' }).map((r) => (r.expressions as { elem: unknown[] }).elem[0]);
        assert.deepEqual(exprs, [
          { name: 'limit', data: { rate: 10n, unit: 60n, burst: 7, type: 'pkts', flags: ['inv'] } },
          { name: 'masq', data: { flags: ['proto-random'] } },
        ]);
      } finally {
        nft.close();
      }
    });
  });

  test('tc: a u32 filter\'s selector and both its keys read as `tc filter show` prints them (tc_u32_sel padding, keys[])', async (t) => {
    if (!needRoot(t)) return;
    await withNetns(async (ns) => {
      const filter = ['tc', 'filter', 'add', 'dev', 'lo', 'ingress', 'protocol', 'ip', 'prio', '1', 'u32',
        'match', 'ip', 'src', '10.0.0.2/32', 'match', 'ip', 'dst', '10.0.0.1/32', 'flowid', '1:1'];
      if (!prepare(t, ns, 'no clsact qdisc or u32 classifier here', [['tc', 'qdisc', 'add', 'dev', 'lo', 'clsact'], filter])) return;
      const shown = run('ip', ['netns', 'exec', ns, 'tc', 'filter', 'show', 'dev', 'lo', 'ingress']);
      assert.match(shown, /match 0a000002\/ffffffff at 12\s+match 0a000001\/ffffffff at 16/);
      const tc = FamilyClient.openSync(tcDesc, { netns: ns });
      try {
        const filters = tc.gettfilterDumpSync({ family: 0, ifindex: 1, handle: 0, parent: 0xfffffff2, info: 0 });
        const sel = filters.map((f) => (f.options as { sel?: unknown } | undefined)?.sel).find((x) => x !== undefined);
        assert.deepEqual(sel, {
          flags: 1, offshift: 0, nkeys: 2, offmask: 0, off: 0, offoff: 0, hoff: 0, hmask: 0,
          keys: [{ mask: 0xffffffff, val: 0x0a000002, off: 12, offmask: 0 }, { mask: 0xffffffff, val: 0x0a000001, off: 16, offmask: 0 }],
        });
      } finally {
        tc.close();
      }
    });
  });

  test('ethtool: features-set with ETHTOOL_FLAG_OMIT_REPLY completes on the ack (no reply comes)', async (t) => {
    if (!needRoot(t)) return;
    await withNetns(async (ns) => {
      ip(ns, 'link', 'add', 'nlktv0', 'type', 'veth', 'peer', 'name', 'nlktv1');
      let et;
      try {
        et = await FamilyClient.open(ethtoolDesc, { netns: ns });
      } catch (e) {
        return t.skip(`no ethtool family here: ${String(e)}`);
      }
      try {
        const wanted = { bits: { bit: [{ name: 'tx-checksum-ip-generic', value: true as const }] } };
        // a timeout well under the default: without the ack this would wait for a reply that never comes
        assert.equal(await et.featuresSet({ header: { devName: 'nlktv0', flags: ['omit-reply'] }, wanted }, { timeout: 3000 }), undefined);
        assert.equal(et.featuresSetSync({ header: { devName: 'nlktv0', flags: ['omit-reply'] }, wanted }, { timeout: 3000 }), undefined);
        const reply = await et.featuresSet({ header: { devName: 'nlktv0' }, wanted }, { timeout: 3000 });
        assert.equal(reply?.header?.devName, 'nlktv0');
      } finally {
        et.close();
      }
    });
  });
});
