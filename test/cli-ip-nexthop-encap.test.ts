// `nlkit nexthop add ... encap TYPE ...`: nexthop objects with a lightweight-tunnel
// encapsulation (ip, ip6, seg6, mpls where the kernel has it), made by nlkit and listed by ip
// and the other way round, byte for byte (-j, -j -d, -j -p, text, -d); a route through one
// (nhid) prints its nh_info with the encapsulation, as ip does. An encapsulation the kernel
// lacks (mpls here, without mpls_iptunnel) gets the kernel's error from both.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { nlkit } from './helpers/cli-run.js';
import { inSetupNetns, ipRun, VETH_V0, quietNetns } from './helpers/cli-ip.js';
import { ip } from './helpers/netns.js';
import { makeNexthops } from '../src/route/nexthops.js';
import { RouteContext } from '../src/route/context.js';
import { Family } from '../src/ynl/family.js';
import { description as rtNexthop } from '../src/ynl/families/rt-nexthop.js';
import { assertDecodes, assertEncodes, bytes } from './helpers/ynl-golden.js';

const SETUP: string[][] = [
  ...VETH_V0,
];

const quiet = quietNetns;

function same(ns: string, args: string[]): void {
  const ours = nlkit('-n', ns, ...args);
  const theirs = ipRun('-n', ns, ...args);
  const label = args.join(' ');
  assert.equal(ours.stdout, theirs.stdout, `stdout of ${label}`);
  assert.equal(ours.stderr, theirs.stderr, `stderr of ${label}`);
  assert.equal(ours.status, theirs.status, `status of ${label}`);
}

const ADDS: string[][] = [
  ['nexthop', 'add', 'id', '2', 'encap', 'ip', 'id', '5', 'dst', '10.9.9.9', 'ttl', '3', 'via', '10.1.0.2', 'dev', 'v0'],
  ['-6', 'nexthop', 'add', 'id', '3', 'encap', 'seg6', 'mode', 'encap', 'segs', '2001:db8::1,2001:db8::2', 'dev', 'v0'],
  ['-6', 'nexthop', 'add', 'id', '4', 'encap', 'ip6', 'id', '7', 'dst', '2001:db8::9', 'hoplimit', '4', 'via', '2001:db8:1::2', 'dev', 'v0'],
];

describe('rt-nexthop NHA_ENCAP: golden vectors from <linux/nexthop.h> and <linux/lwtunnel.h>', () => {
  const nh = Family.from(rtNexthop);
  // struct nhmsg: AF_INET, scope 0, protocol 0, resvd, flags 0
  const NHMSG4 = '02 00 00 00 00000000';
  const nhmsg4 = { nhFamily: 2, nhScope: 0, nhProtocol: 0, nhFlags: [] };
  const roundTrip = (value: Record<string, unknown>, body: Buffer) => {
    assertEncodes(nh, 'newnexthop', value, body);
    assertDecodes(nh, 'newnexthop', body, value);
  };

  test('encap ip: NHA_ENCAP_TYPE = LWTUNNEL_ENCAP_IP, NHA_ENCAP nested with the ip tunnel attributes', () => {
    roundTrip({ ...nhmsg4, id: 2, oif: 3, gateway: '10.1.0.2', encapType: 'ip', encap: { id: 5n, dst: '10.9.9.9', ttl: 3 } }, bytes(
      NHMSG4,
      '0800 0100 02000000', //           NHA_ID (1)
      '0800 0500 03000000', //           NHA_OIF (5)
      '0800 0600 0a010002', //           NHA_GATEWAY (6)
      '0600 0700 0200 0000', //          NHA_ENCAP_TYPE (7) = LWTUNNEL_ENCAP_IP (2)
      '2000 0880', //                    NHA_ENCAP (8), NLA_F_NESTED
      '0c00 0100 0000000000000005', //     LWTUNNEL_IP_ID (1), be64
      '0800 0200 0a090909', //             LWTUNNEL_IP_DST (2)
      '0500 0400 03 000000', //            LWTUNNEL_IP_TTL (4)
    ));
  });

  test('encap mpls: label stack entries, bottom of stack on the last', () => {
    roundTrip({ ...nhmsg4, id: 9, oif: 3, encapType: 'mpls', encap: { dst: [100 << 12, (200 << 12) | 0x100] } }, bytes(
      NHMSG4,
      '0800 0100 09000000',
      '0800 0500 03000000',
      '0600 0700 0100 0000', //          LWTUNNEL_ENCAP_MPLS (1)
      '1000 0880',
      '0c00 0100 00064000 000c8100', //    MPLS_IPTUNNEL_DST: 100, 200|BOS
    ));
  });
});

describe('nlkit nexthop with encap', () => {
  for (const maker of ['nlkit', 'ip']) {
    test(`made by ${maker}, listed alike by both`, (t) => inSetupNetns(t, SETUP, (ns) => {
      for (const add of ADDS) {
        const r = maker === 'nlkit' ? nlkit('-n', ns, ...add) : ipRun('-n', ns, ...add);
        if (r.status !== 0 && /not supported/.test(r.stderr)) {
          t.diagnostic(`kernel lacks: ${add.join(' ')}: ${r.stderr.trim()}`);
          continue;
        }
        assert.equal(r.status, 0, `${maker} ${add.join(' ')}: ${r.stderr}`);
      }
      ip(ns, 'route', 'add', '10.60.0.0/24', 'nhid', '2');
      for (const opts of [['-j'], ['-j', '-d'], ['-j', '-p'], [], ['-d']]) {
        same(ns, [...opts, 'nexthop', 'show']);
        same(ns, [...opts, 'route', 'show', '10.60.0.0/24']);
      }
    }));
  }

  test('mpls: listed as ip lists it, or the kernel\'s refusal from both', (t) => inSetupNetns(t, SETUP, (ns) => {
    const add = ['nexthop', 'add', 'id', '9', 'encap', 'mpls', '100/200', 'ttl', '5', 'via', '10.1.0.2', 'dev', 'v0'];
    const theirs = ipRun('-n', ns, ...add);
    if (theirs.status === 0) {
      ip(ns, 'nexthop', 'del', 'id', '9');
      assert.equal(nlkit('-n', ns, ...add).status, 0);
      for (const opts of [['-j'], []]) same(ns, [...opts, 'nexthop', 'show']);
    } else same(ns, add);
  }));

  test('the domain: encap given and read back as a route\'s RouteEncap; refused with a group or blackhole', (t) => inSetupNetns(t, SETUP, async (ns) => {
    const ctx = new RouteContext({ netns: ns });
    try {
      const nexthops = makeNexthops(ctx);
      await nexthops.add({ id: 20, via: '10.1.0.2', dev: 'v0', encap: { type: 'ip', id: 9n, dst: '10.8.8.8', ttl: 2 } });
      const [nh] = await nexthops.list({ id: 20 });
      assert.deepEqual(nh.encap, { type: 'ip', id: 9n, dst: '10.8.8.8', src: '0.0.0.0', ttl: 2, tos: 0, flags: 0 });
      await assert.rejects(nexthops.add({ id: 21, blackhole: true, encap: { type: 'ip', dst: '10.8.8.8' } }), { code: 'ERR_INVALID_ARG_VALUE' });
      await assert.rejects(nexthops.add({ id: 22, group: [20], encap: { type: 'ip', dst: '10.8.8.8' } }), { code: 'ERR_INVALID_ARG_VALUE' });
      await assert.rejects(nexthops.add({ id: 23, via: '10.1.0.2', encap: { type: 'nope' } as never }), /encap\.type/);
    } finally {
      ctx.close();
    }
  }));
});
