// flower beyond IPv4/TCP/UDP: what nlkit sends for a spec, and for the same `nlkit tc filter add`
// words, is what `tc` (iproute2-6.1.0) sent for that command (strace captures,
// test/fixtures/tc-captures-2.json; this kernel has no flower, tc sends the request first),
// decoded with the tc family both sides; the keys decoded back to the spec's shape; fast-check
// round trips of the key table; typed errors for keys that do not fit the filter's protocol.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { NetlinkArgumentError } from '../src/core/errors.js';
import type { GettfilterDoReply } from '../src/ynl/families/tc.js';
import { filterObject, filterRequest } from '../src/tc/filters.js';
import { filterJson, filterText } from './helpers/tc-print.js';
import { inTc } from './helpers/tc.js';
import { filterCaptures, keysOf, tcFamily } from './helpers/tc-captures.js';

const { caps, scope, body, check } = filterCaptures('tc-captures-2.json', { v1: 2, v0: 3 });
const fam = tcFamily;

const F = { dev: 'v0', parent: 'ingress', kind: 'flower' } as const;
/** Each capture's spec; decoding tc's bytes gives it back (but for the place and the echo of tc's own choices). */
const FLOWERS: Record<string, Record<string, unknown>> = {
  flower_ip6_udp: { ...F, protocol: 'ipv6', prio: 10, ipProto: 'udp', srcIp: '2001:db8::/32', dstIp: '2001:db8::1/128', dstPort: 53, skipHw: true, classid: '1:1' },
  flower_mac_vlan: { ...F, protocol: '802.1q', prio: 11, srcMac: '02:00:00:00:00:01', dstMac: '02:00:00:00:00:00/ff:ff:ff:00:00:00', vlanId: 100, vlanPrio: 3, vlanEthType: 'ip', ipProto: 'tcp', dstPort: 80, classid: '1:2' },
  flower_icmp: { ...F, protocol: 'ip', prio: 12, ipProto: 'icmp', icmpType: 8, icmpCode: 0, classid: '1:3' },
  flower_icmp6: { ...F, protocol: 'ipv6', prio: 13, ipProto: 'icmpv6', icmpType: 135, classid: '1:9' },
  flower_tcp_flags_tos: { ...F, protocol: 'ip', prio: 14, ipProto: 'tcp', tcpFlags: '0x2/0x12', ipTos: '0x10/0xfc', ipTtl: 64, skipSw: true, classid: '1:4' },
  flower_ct: { ...F, protocol: 'ip', prio: 15, ctState: '+trk-new+est', ctZone: 5, ctMark: '0x10/0xff', classid: '1:5' },
  flower_enc: { ...F, protocol: 'ip', prio: 16, encSrcIp: '10.0.0.1/32', encDstIp: '10.0.0.2/32', encKeyId: 42, encDstPort: 4789, classid: '1:6' },
  flower_enc_tos_ttl: { ...F, protocol: 'ip', prio: 19, encDstIp: '10.0.0.2/32', encTos: '0x10/0xfc', encTtl: 64, classid: '1:9' },
  flower_lldp: { ...F, protocol: 0x88cc, prio: 17, dstMac: '01:80:c2:00:00:0e', classid: '1:7' },
  // tc reads a numeric ip_proto as hex: `ip_proto 47` is protocol 0x47 (71), not GRE
  flower_gre: { ...F, protocol: 'ip', prio: 18, ipProto: 0x47, srcIp: '192.168.1.0/24', classid: '1:8' },
};


describe('flower golden vectors (tc 6.1 captures)', () => {
  for (const [name, spec] of Object.entries(FLOWERS)) {
    test(`${name}: ${caps[name]!.command}`, () => {
      // tc's bytes read back as the spec's keys
      assert.deepEqual(keysOf(check(name, spec) as never), keysOf(spec));
    });
  }

  // the text is the same as tc 6.1's `tc monitor file` of these messages (test/tc-flower-keys.test.ts)
  test('tc -j and text of the new keys (f_flower.c flower_print_opt names)', () => {
    const f = { ...filterObject(fam.decode('gettfilter', body('flower_mac_vlan')) as unknown as GettfilterDoReply, scope), handle: '0x1' };
    const o = { stats: false, parentNamed: true, devNamed: true };
    const j = JSON.parse(filterJson(f, o));
    assert.deepEqual(j.options.keys, { vlan_id: 100, vlan_prio: 3, vlan_ethtype: 'ip', dst_mac: '02:00:00:00:00:00/24', src_mac: '02:00:00:00:00:01', eth_type: '8100', ip_proto: 'tcp', dst_port: 80 });
    assert.match(filterText(f, o), /vlan_id 100\n {2}vlan_prio 3\n {2}vlan_ethtype ip\n {2}dst_mac 02:00:00:00:00:00\/24\n {2}src_mac 02:00:00:00:00:01\n {2}eth_type 8100\n {2}ip_proto tcp\n {2}dst_port 80\n/);
    const ct = { ...filterObject(fam.decode('gettfilter', body('flower_ct')) as unknown as GettfilterDoReply, scope), handle: '0x1' };
    assert.deepEqual(JSON.parse(filterJson(ct, o)).options.keys, { eth_type: 'ipv4', ct_state: '+trk-new+est', ct_zone: 5, ct_mark: 16, ct_mark_mask: 255 });
  });
});

describe('flower keys round trip (fast-check)', () => {
  const round = (spec: Record<string, unknown>) => keysOf(filterObject(fam.decode('gettfilter', fam.encode('newtfilter', filterRequest(scope, { ...F, prio: 1, ...spec }))) as unknown as GettfilterDoReply, scope) as never);
  const octet = fc.integer({ min: 0, max: 255 });
  const macText = fc.array(octet, { minLength: 6, maxLength: 6 }).map((b) => b.map((x) => x.toString(16).padStart(2, '0')).join(':'));
  test('IPv4/IPv6 prefixes, ports, MACs, TOS/TTL, ct, enc keys back as given', () => {
    fc.assert(fc.property(
      fc.boolean(), fc.ipV4(), fc.integer({ min: 0, max: 32 }), fc.ipV6(), fc.integer({ min: 0, max: 128 }), fc.integer({ min: 0, max: 0xffff }),
      macText, octet, fc.integer({ min: 1, max: 255 }), fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: 0, max: 0xffffffff }), fc.ipV4(),
      (v6, a4, l4, a6, l6, port, m, ttl, tosMask, zone, key, enc) => {
        const src = v6 ? `${a6}/${l6}` : `${a4}/${l4}`;
        const spec = { protocol: v6 ? 'ipv6' : 'ip', ipProto: 'udp', srcIp: src, dstPort: port, srcMac: m, ipTtl: ttl, ipTos: `0x${(ttl & tosMask).toString(16)}/0x${tosMask.toString(16)}`, ctZone: zone, encKeyId: key, encSrcIp: `${enc}/32` };
        const back = round(spec) as Record<string, unknown>;
        const [addr, len] = (back.srcIp as string).split('/');
        assert.equal(Number(len), v6 ? l6 : l4);
        assert.ok(addr);
        const { protocol: _p, srcIp: _s, ipTos, ...rest } = spec;
        const { srcIp: _b, ipTos: backTos, ...backRest } = back;
        assert.deepEqual(backRest, rest);
        assert.equal(backTos, tosMask === 0xff ? ttl & tosMask : ipTos);
      }));
  });
  test('ct_state: any +/- set of flags back (in tc\'s flag order)', () => {
    const flags = ['trk', 'new', 'est', 'rel', 'inv', 'rpl'];
    fc.assert(fc.property(fc.subarray(flags, { minLength: 1 }), fc.array(fc.boolean(), { minLength: 6, maxLength: 6 }), (set, on) => {
      const text = set.map((n, i) => `${on[i] ? '+' : '-'}${n}`).join('');
      assert.equal(round({ protocol: 'ip', ctState: text }).ctState, text);
    }));
  });
});

describe('flower keys that do not fit are typed errors', () => {
  const bad = (spec: object, option: string, text: RegExp) =>
    assert.throws(() => filterRequest(scope, { ...F, prio: 1, ...spec }), (e: unknown) => e instanceof NetlinkArgumentError && e.message.includes(`"${option}"`) && text.test(e.message));
  test('keys for the wrong protocol, bad values', () => {
    bad({ protocol: 'ip', srcIp: '2001:db8::1' }, 'srcIp', /'ipv6'/);
    bad({ protocol: 'all', ipProto: 'tcp' }, 'ipProto', /protocol 'ip' or 'ipv6'/);
    bad({ protocol: 'ip', vlanId: 5 }, 'vlanId', /802.1q/);
    bad({ protocol: '802.1q', vlanId: 5, ipProto: 'tcp' }, 'ipProto', /vlanEthType/);
    bad({ protocol: 'ip', ipProto: 'tcp', icmpType: 8 }, 'icmpType', /icmp/);
    bad({ protocol: 'ip', ipProto: 'icmp', dstPort: 8 }, 'dstPort', /tcp/);
    bad({ protocol: 'ip', ipProto: 'udp', tcpFlags: 2 }, 'tcpFlags', /tcp/);
    bad({ protocol: 'ip', ctState: '+trk+bogus' }, 'ctState', /bogus/);
    bad({ protocol: 'ip', ctState: 'trk' }, 'ctState', /\+trk\+est-new/);
    bad({ protocol: 'ip', srcMac: '02:00:00:00:00' }, 'srcMac', /MAC/);
    bad({ protocol: 'ip', ipProto: 'tcp', dstPort: '90-80' }, 'dstPort', /MIN < MAX/);
    bad({ protocol: 'ip', ipTtl: 300 }, 'ipTtl', /0..255/);
    bad({ protocol: 'ip', vlanPrio: 1 }, 'vlanPrio', /802.1q/);
  });
});

describe('flower against the kernel', () => {
  test('flower filters with the new keys made and listed back (skips where the kernel lacks flower)', async (t) => {
    await inTc(t, async (_ns, tc) => {
      await tc.qdiscs.add({ dev: 'v0', kind: 'clsact' });
      try {
        await tc.filters.add({ ...FLOWERS.flower_ip6_udp!, dev: 'v0' } as never);
      } catch (e) {
        t.skip(`this kernel has no flower: ${(e as Error).message}`);
        return;
      }
      for (const name of ['flower_mac_vlan', 'flower_icmp', 'flower_tcp_flags_tos', 'flower_ct', 'flower_enc']) await tc.filters.add({ ...FLOWERS[name]!, dev: 'v0' } as never);
      const got = await tc.filters.list({ dev: 'v0', parent: 'ingress' });
      assert.equal(got.filter((f) => f.kind === 'flower').length, 6);
    });
  });
});
