// flower's ARP, MPLS (one label stack entry), customer VLAN and ct_label keys. Golden vectors:
// what `tc` (iproute2-6.1.0) sent for each command (strace captures,
// test/fixtures/tc-captures-flower.json) is what nlkit sends for the spec and for the same words,
// and reads back as the spec; a few attributes checked byte by byte against <linux/pkt_cls.h>.
// tc's text printer is the oracle for nlkit's: `tc monitor file` prints the captured message
// without a kernel that has flower. fast-check round trips; typed errors. Against the kernel:
// add with nlkit / read with `tc -j`, add with tc / read with nlkit (skips when the kernel has no
// flower or refuses a key).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test, type TestContext } from 'node:test';
import fc from 'fast-check';
import { NetlinkArgumentError } from '../src/core/errors.js';
import type { GettfilterDoReply } from '../src/ynl/families/tc.js';
import { filterObject, filterRequest } from '../src/tc/filters.js';
import { filterSpecOf } from '../src/cli/tc-filter.js';
import { Words } from '../src/cli/ip-command.js';
import { runIp } from '../src/cli/ip-run.js';
import { parseIpOptions } from '../src/cli/ip-options.js';
import { findTcObject } from '../src/cli/tc-objects.js';
import { filterJson, filterText } from './helpers/tc-print.js';
import { needRoot, run, withNetns } from './helpers/netns.js';
import { inTc } from './helpers/tc.js';
import { filterCaptures, keysOf, tcFamily } from './helpers/tc-captures.js';

const { caps, scope, body, check } = filterCaptures('tc-captures-flower.json', { v0: 2, v1: 3 });
const fam = tcFamily;
const hasTc = spawnSync('tc', ['-V']).status === 0;

const F = { dev: 'v0', parent: 'ingress', kind: 'flower' } as const;
/** Each capture's spec (what nlkit reads back from tc's bytes, too). */
const FLOWERS: Record<string, Record<string, unknown>> = {
  flower_arp: { ...F, protocol: 'arp', prio: 20, arpSip: '10.0.0.0/24', arpTip: '10.0.0.1/32', arpOp: 'request', arpSha: '02:00:00:00:00:01', arpTha: '02:00:00:00:00:00/ff:ff:ff:00:00:00', classid: '1:10' },
  flower_rarp_op: { ...F, protocol: 'rarp', prio: 21, arpOp: 'reply', arpSip: '192.168.1.7/32', classid: '1:11' },
  flower_mpls: { ...F, protocol: 'mpls_uc', prio: 22, mplsLabel: 1000, mplsTc: 5, mplsBos: 1, mplsTtl: 64, classid: '1:12' },
  flower_cvlan: { ...F, protocol: '802.1ad', prio: 23, vlanId: 100, vlanPrio: 2, vlanEthType: '802.1q', cvlanId: 200, cvlanPrio: 5, cvlanEthType: 'ip', ipProto: 'udp', dstPort: 53, classid: '1:13' },
  flower_ct_label: { ...F, protocol: 'ip', prio: 24, ctState: '+trk+est', ctLabels: '0102030405060708090a0b0c0d0e0f10/ffffffffffffffff0000000000000000', classid: '1:14' },
  flower_ct_label_full: { ...F, protocol: 'ip', prio: 25, ctLabels: '00000000000000000000000000000001', classid: '1:15' },
};
// `arp_op 2/255` is tc's spelling of a full mask: nlkit reads it back as 'reply'
const SPEC_OF_CAPTURE: Record<string, Record<string, unknown>> = { ...FLOWERS };

const decoded = (name: string) => filterObject(fam.decode('gettfilter', body(name)) as unknown as GettfilterDoReply, scope);

describe('flower ARP/MPLS/CVLAN/ct_label golden vectors (tc 6.1 captures)', () => {
  for (const [name, spec] of Object.entries(SPEC_OF_CAPTURE)) {
    test(`${name}: ${caps[name]!.command}`, () => {
      assert.deepEqual(keysOf(check(name, spec) as never), keysOf(spec));
    });
  }

  test('a MAC prefix mask as tc prints it (MAC/BITS) is read back: `arp_tha 02:00:00:00:00:00/24`', () => {
    const spec = { ...FLOWERS.flower_arp!, arpTha: '02:00:00:00:00:00/24' };
    assert.deepEqual(fam.decode('newtfilter', fam.encode('newtfilter', filterRequest(scope, spec))), fam.decode('newtfilter', body('flower_arp')));
    const words = caps.flower_arp!.command.replace('ff:ff:ff:00:00:00', '24').split(' ').slice(3);
    assert.deepEqual(fam.decode('newtfilter', fam.encode('newtfilter', filterRequest(scope, filterSpecOf(new Words(words))))), fam.decode('newtfilter', body('flower_arp')));
  });

  // <linux/pkt_cls.h>: TCA_FLOWER_KEY_ARP_SIP 57 (be32), _ARP_OP 61 (u8), _MPLS_LABEL 70 (u32 in
  // host order: cls_flower.c nla_get_u32), _CVLAN_ID 77 (u16 host order), _CVLAN_ETH_TYPE 79
  // (be16), _CT_LABELS 97 (128 bits); each attribute a 4-byte header (len, type) padded to 4
  test('attribute bytes as <linux/pkt_cls.h> lays them out', () => {
    const has = (name: string, spec: object, hex: string) => {
      const b = fam.encode('newtfilter', filterRequest(scope, { ...F, prio: 1, ...spec }));
      assert.ok(b.toString('hex').includes(hex), `${name}: ${hex} in ${b.toString('hex')}`);
    };
    has('arp_sip', { protocol: 'arp', arpSip: '10.1.2.3' }, '080039000a010203' + '08003a00ffffffff');
    has('arp_op', { protocol: 'arp', arpOp: 'reply' }, '05003d0002000000' + '05003e00ff000000');
    has('mpls_label', { protocol: 'mpls_uc', mplsLabel: 0x12345 }, '0800460045230100');
    has('cvlan', { protocol: '802.1ad', vlanEthType: '802.1q', cvlanId: 0x123, cvlanEthType: 'ipv6' }, '06004d0023010000' + '06004f0086dd0000');
    has('ct_labels', { protocol: 'ip', ctLabels: 'ff' }, '05006100ff000000' + '1400620' + '0' + 'ff'.repeat(16));
  });
});

/** A captured request as the kernel would dump it: a handle, chain 0, flags not_in_hw, on v0 (ifindex 2). */
function asDumped(msgBody: Buffer): Buffer {
  const m = fam.decode('gettfilter', msgBody) as unknown as GettfilterDoReply & { options: { flags?: string[] } };
  return fam.encode('newtfilter', { ...m, ifindex: 2, handle: 1, chain: 0, options: { ...m.options, flags: [...(m.options.flags ?? []), 'not-in-hw'] } } as never);
}

/** `tc monitor file F` prints a saved RTM_NEWTFILTER (no flower needed in the kernel). */
function tcMonitorText(ns: string, msgBody: Buffer): string {
  const hdr = Buffer.alloc(16);
  hdr.writeUInt32LE(16 + msgBody.length, 0);
  hdr.writeUInt16LE(44, 4); // RTM_NEWTFILTER
  const file = join(tmpdir(), `nlkt-flower-${process.pid}-${Math.random().toString(36).slice(2)}.bin`);
  writeFileSync(file, Buffer.concat([hdr, msgBody]));
  try {
    return run('ip', ['netns', 'exec', ns, 'tc', 'monitor', 'file', file]);
  } finally {
    rmSync(file, { force: true });
  }
}

const oldCaps = JSON.parse(readFileSync(new URL('../../test/fixtures/tc-captures-2.json', import.meta.url), 'utf8')).captures as Record<string, { command: string; body: string }>;
/** Every flower capture, these and tc-flower-golden's. */
const ALL_FLOWER_BODIES: [string, Buffer][] = [
  ...Object.keys(FLOWERS).map((k) => [k, body(k)] as [string, Buffer]),
  ...Object.entries(oldCaps).filter(([k]) => k.startsWith('flower_')).map(([k, c]) => [k, Buffer.from(c.body, 'hex')] as [string, Buffer]),
];

describe('flower keys printed as tc prints them', () => {
  const o = { stats: false, parentNamed: false, devNamed: false };
  test('text: nlkit\'s equals `tc monitor file` of the same message (every flower capture)', async (t: TestContext) => {
    if (!needRoot(t)) return;
    if (!hasTc) return t.skip('needs tc (iproute2) as an oracle');
    await withNetns(async (ns) => {
      run('ip', ['-n', ns, 'link', 'add', 'v1', 'type', 'veth', 'peer', 'name', 'v0']);
      const idx = JSON.parse(run('ip', ['-n', ns, '-j', 'link', 'show', 'v0']))[0].ifindex;
      if (idx !== 2) return t.skip(`v0 is ifindex ${idx} here, the messages name ifindex 2`);
      const wrong: string[] = [];
      for (const [name, b] of ALL_FLOWER_BODIES) {
        const msg = asDumped(b);
        const f = filterObject(fam.decode('gettfilter', msg) as unknown as GettfilterDoReply, scope);
        const ours = filterText(f, o), theirs = tcMonitorText(ns, msg);
        if (ours !== theirs) wrong.push(`${name}:\n${ours}---\n${theirs}`);
      }
      assert.deepEqual(wrong, []);
    });
  });

  test('-j: f_flower.c\'s member names and types (print_uint numbers, print_string texts)', () => {
    const j = (name: string) => JSON.parse(filterJson({ ...decoded(name), handle: '0x1' }, { stats: false, parentNamed: true, devNamed: true })).options.keys;
    assert.deepEqual(j('flower_arp'), { eth_type: 'arp', arp_sip: '10.0.0.0/24', arp_tip: '10.0.0.1', arp_op: 'request', arp_sha: '02:00:00:00:00:01', arp_tha: '02:00:00:00:00:00/24' });
    assert.deepEqual(j('flower_mpls'), { eth_type: '8847', mpls_label: 1000, mpls_tc: '5', mpls_bos: '1', mpls_ttl: '64' });
    assert.deepEqual(j('flower_cvlan'), { vlan_id: 100, vlan_prio: 2, vlan_ethtype: '802.1Q', cvlan_id: 200, cvlan_prio: 5, cvlan_ethtype: 'ip', eth_type: '88a8', ip_proto: 'udp', dst_port: 53 });
    assert.deepEqual(j('flower_ct_label'), { eth_type: 'ipv4', ct_state: '+trk+est', ct_label: '0102030405060708090a0b0c0d0e0f10/ffffffffffffffff0000000000000000' });
    assert.deepEqual(j('flower_ct_label_full'), { eth_type: 'ipv4', ct_label: '00000000000000000000000000000001' });
  });
});

describe('flower ARP/MPLS/CVLAN/ct_label round trips (fast-check)', () => {
  const round = (spec: Record<string, unknown>) => keysOf(filterObject(fam.decode('gettfilter', fam.encode('newtfilter', filterRequest(scope, { ...F, prio: 1, ...spec }))) as unknown as GettfilterDoReply, scope) as never);
  const octet = fc.integer({ min: 0, max: 255 });
  const macText = fc.array(octet, { minLength: 6, maxLength: 6 }).map((b) => b.map((x) => x.toString(16).padStart(2, '0')).join(':'));
  test('ARP: prefixes, opcodes, hardware addresses back as given', () => {
    fc.assert(fc.property(fc.ipV4(), fc.integer({ min: 0, max: 32 }), fc.ipV4(), fc.constantFrom('request', 'reply', 0), macText, macText, fc.boolean(),
      (sip, len, tip, op, sha, tha, rarp) => {
        const spec = { arpSip: `${sip}/${len}`, arpTip: `${tip}/32`, arpOp: op, arpSha: sha, arpTha: tha };
        assert.deepEqual(round({ protocol: rarp ? 'rarp' : 'arp', ...spec }), spec);
      }));
  });
  test('MPLS: any label, tc, bos, ttl', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 0xfffff }), fc.integer({ min: 0, max: 7 }), fc.integer({ min: 0, max: 1 }), octet, fc.boolean(), (label, tc, bos, ttl, mc) => {
      const spec = { mplsLabel: label, mplsTc: tc, mplsBos: bos, mplsTtl: ttl };
      assert.deepEqual(round({ protocol: mc ? 'mpls_mc' : 'mpls_uc', ...spec }), spec);
    }));
  });
  test('CVLAN under 802.1ad/802.1q, with IP keys of the inner ethertype', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 0xfff }), fc.integer({ min: 0, max: 7 }), fc.integer({ min: 0, max: 0xfff }), fc.integer({ min: 0, max: 7 }), fc.constantFrom('802.1q', '802.1ad'), fc.constantFrom('802.1q', '802.1ad'), fc.ipV4(),
      (vid, prio, cvid, cprio, outer, inner, dst) => {
        const spec = { vlanId: vid, vlanPrio: prio, vlanEthType: inner, cvlanId: cvid, cvlanPrio: cprio, cvlanEthType: 'ip', ipProto: 'tcp', dstIp: `${dst}/32` };
        assert.deepEqual(round({ protocol: outer, ...spec }), spec);
      }));
  });
  test('ct_label: 1..16 bytes with any mask; a full 16-byte all-ones mask is not shown', () => {
    fc.assert(fc.property(fc.uint8Array({ minLength: 1, maxLength: 16 }), fc.option(fc.uint8Array({ minLength: 16, maxLength: 16 })), (v, m) => {
      const value = Buffer.from(v).toString('hex');
      const mask = m ? Buffer.from(m).toString('hex') : undefined;
      const text = mask ? `${value}/${mask}` : value;
      const allOnes = (mask ?? 'f'.repeat(32)) === 'f'.repeat(32);
      const want = v.length === 16 && allOnes ? value : `${value}/${(mask ?? 'f'.repeat(32)).slice(0, v.length * 2)}`;
      assert.equal(round({ protocol: 'ip', ctLabels: text }).ctLabels, want);
    }));
  });
});

describe('flower ARP/MPLS/CVLAN/ct_label keys that do not fit are typed errors', () => {
  const bad = (spec: object, option: string, text: RegExp) =>
    assert.throws(() => filterRequest(scope, { ...F, prio: 1, ...spec }), (e: unknown) => e instanceof NetlinkArgumentError && e.message.includes(`"${option}"`) && text.test(e.message));
  test('wrong protocol, out of range, malformed', () => {
    bad({ protocol: 'ip', arpSip: '10.0.0.1' }, 'arpSip', /'arp' or 'rarp'/);
    bad({ protocol: 'arp', arpSip: '2001:db8::1' }, 'arpSip', /IPv4/);
    bad({ protocol: 'arp', arpOp: 3 }, 'arpOp', /0..2/);
    bad({ protocol: 'arp', arpOp: 'query' }, 'arpOp', /integer/);
    bad({ protocol: 'arp', arpSha: '02:00' }, 'arpSha', /MAC/);
    bad({ protocol: 'arp', arpSha: '02:00:00:00:00:00/49' }, 'arpSha', /0..48/);
    bad({ protocol: 'ip', mplsLabel: 5 }, 'mplsLabel', /'mpls_uc' or 'mpls_mc'/);
    bad({ protocol: 'mpls_uc', mplsLabel: 0x100000 }, 'mplsLabel', /0..1048575/);
    bad({ protocol: 'mpls_uc', mplsTc: 8 }, 'mplsTc', /0..7/);
    bad({ protocol: 'mpls_uc', mplsBos: 2 }, 'mplsBos', /0..1/);
    bad({ protocol: '802.1q', vlanEthType: 'ip', cvlanId: 5 }, 'cvlanId', /inner VLAN/);
    bad({ protocol: 'ip', cvlanPrio: 1 }, 'cvlanPrio', /inner VLAN/);
    bad({ protocol: '802.1ad', vlanEthType: '802.1q', cvlanId: 0x1000 }, 'cvlanId', /0..4095/);
    bad({ protocol: '802.1ad', vlanEthType: '802.1q', cvlanId: 5, ipProto: 'tcp' }, 'ipProto', /cvlanEthType 'ip' or 'ipv6'/);
    bad({ protocol: 'ip', ctLabels: 'xyz' }, 'ctLabels', /hex/);
    bad({ protocol: 'ip', ctLabels: '00'.repeat(17) }, 'ctLabels', /32 hex digits/);
    bad({ protocol: 'ip', ctLabels: 7 }, 'ctLabels', /hex/);
  });
});

/** `nlkit tc ARGS...` in a namespace, as the `nlkit tc` dispatcher runs it: [status, stdout, stderr]. */
async function nlkitTc(ns: string, ...argv: string[]): Promise<[number, string, string]> {
  const { flags, rest } = parseIpOptions(['-n', ns, ...argv]);
  const [object, ...args] = rest;
  let out = '', err = '';
  const status = await runIp(findTcObject(object!)!, args, flags, { out: (t) => (out += t), err: (t) => (err += t) });
  return [status, out, err];
}

describe('flower ARP/MPLS/CVLAN/ct_label keys against the kernel', () => {
  /** The filter's JSON as `tc -j filter show` prints it, by pref. */
  const tcShow = (ns: string, pref: number) => (JSON.parse(run('ip', ['netns', 'exec', ns, 'tc', '-j', 'filter', 'show', 'dev', 'v0', 'ingress'])) as { pref: number; options?: { keys?: object } }[])
    .find((f) => f.pref === pref && f.options);
  test('added with nlkit, read with tc -j; added with tc, read with nlkit (skips where the kernel lacks flower or a key)', async (t) => {
    if (!hasTc) return t.skip('needs tc (iproute2) as an oracle');
    await inTc(t, async (ns, tcH) => {
      await tcH.qdiscs.add({ dev: 'v0', kind: 'clsact' });
      try {
        await tcH.filters.add({ ...F, dev: 'v0', protocol: 'ip', prio: 1, ipProto: 'tcp' } as never);
      } catch (e) {
        return t.skip(`this kernel has no flower: ${(e as Error).message}`);
      }
      const refused: string[] = [];
      for (const [name, spec] of Object.entries(FLOWERS)) {
        try {
          await tcH.filters.add({ ...spec, dev: 'v0' } as never);
        } catch (e) {
          refused.push(`${name}: ${(e as Error).message}`);
          continue;
        }
        const want = JSON.parse(filterJson({ ...decoded(name), handle: '0x1' }, { stats: false, parentNamed: true, devNamed: true })).options.keys;
        assert.deepEqual(tcShow(ns, spec.prio as number)?.options?.keys, want, name);
        await tcH.filters.delete({ dev: 'v0', parent: 'ingress', prio: spec.prio, protocol: spec.protocol } as never);
        // the same filter added by tc, listed by nlkit
        run('ip', ['netns', 'exec', ns, ...caps[name]!.command.split(' ')]);
        const got = (await tcH.filters.list({ dev: 'v0', parent: 'ingress' })).find((f) => f.pref === spec.prio && f.handle !== undefined);
        // the kernel adds the offload state (not_in_hw on a veth)
        const { inHw: _in, notInHw: _not, ...gotKeys } = keysOf(got as never);
        assert.deepEqual(gotKeys, keysOf(spec), name);
        // and by nlkit's CLI: text and -j as tc's
        for (const args of [['filter', 'show', 'dev', 'v0', 'ingress'], ['-j', 'filter', 'show', 'dev', 'v0', 'ingress']]) {
          const [status, ours, err] = await nlkitTc(ns, ...args);
          assert.equal(status, 0, err);
          assert.equal(ours, run('ip', ['netns', 'exec', ns, 'tc', ...args]), `${name}: tc ${args.join(' ')}`);
        }
      }
      if (refused.length) t.diagnostic(`the kernel refused: ${refused.join('; ')}`);
    });
  });
});
