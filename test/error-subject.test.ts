// Errors name their object: a NetlinkError on a family request says the operation and,
// where the request has one, the interface name or index it acted on.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { NLMSG_HDRLEN, NLM_F_CREATE, NLM_F_EXCL } from '../src/core/constants.js';
import { NetlinkError } from '../src/core/errors.js';
import { makeNetlinkError } from '../src/core/extack.js';
import { Writer } from '../src/core/writer.js';
import { FamilyClient } from '../src/ynl/client.js';
import { Family } from '../src/ynl/family.js';
import { description as ethtoolDesc } from '../src/ynl/families/ethtool.js';
import { description as rtLinkDesc } from '../src/ynl/families/rt-link.js';
import { description as rtNeighDesc } from '../src/ynl/families/rt-neigh.js';
import { needRoot, withNetns } from './helpers/netns.js';

const EEXIST = 17, ENODEV = 19;

/** The request message a family would send for op, and the error the kernel's errno would make of it. */
function errorFor(family: Family, opName: string, value: object, errno: number): NetlinkError {
  const op = family.op(opName);
  const w = new Writer(256);
  const start = w.beginMessage(op.requestValue ?? 0, 0);
  family.writeBody(w, op, value, 1);
  w.endMessage(start);
  const bytes = w.toBuffer();
  return makeNetlinkError(-errno, {}, { type: op.requestValue ?? 0, flags: 0, seq: 1, bytes }, op.layout);
}

describe('errors name their object (from the request bytes)', () => {
  const rtLink = Family.from(rtLinkDesc);

  test('rt-link: an ifname attribute, an ifinfomsg index, both, neither', () => {
    assert.match(errorFor(rtLink, 'newlink', { ifname: 'veth0' }, EEXIST).message, /^EEXIST: .+ \(newlink ifname veth0\)$/);
    assert.match(errorFor(rtLink, 'getlink', { ifiIndex: 42 }, ENODEV).message, /^ENODEV: .+ \(getlink ifindex 42\)$/);
    assert.match(errorFor(rtLink, 'setlink', { ifiIndex: 7, ifname: 'x1' }, ENODEV).message, /\(setlink ifname x1 ifindex 7\)$/);
    // an index of 0 means "none given"
    const e = errorFor(rtLink, 'getlink', { ifiIndex: 0 }, ENODEV);
    assert.match(e.message, /^ENODEV: [^(]+ \(getlink\)$/);
    assert.equal(e.subject, 'getlink');
  });

  test('other fixed headers and nested names: rt-neigh ndm-ifindex, ethtool header.devName', () => {
    assert.match(errorFor(Family.from(rtNeighDesc), 'delneigh', { ndmIfindex: 3 }, ENODEV).message, /\(delneigh ifindex 3\)$/);
    const ethtool = Family.from(ethtoolDesc);
    assert.match(errorFor(ethtool, 'linkinfo-get', { header: { devName: 'eth9' } }, ENODEV).message, /\(linkinfo-get dev eth9\)$/);
    assert.match(errorFor(ethtool, 'linkinfo-get', { header: { devIndex: 5 } }, ENODEV).message, /\(linkinfo-get ifindex 5\)$/);
  });

  test('the attribute path still follows; requests without a layout operation are as before', () => {
    const op = rtLink.op('newlink');
    const w = new Writer(64);
    const start = w.beginMessage(16, 0);
    rtLink.writeBody(w, op, { ifname: 'vx0', mtu: 1 }, 1);
    w.endMessage(start);
    const bytes = w.toBuffer();
    const mtuAt = NLMSG_HDRLEN + 16 + 8; // after ifinfomsg and the ifname attribute ('vx0\0')
    const e = makeNetlinkError(-22, { offset: mtuAt }, { type: 16, flags: 0, seq: 1, bytes }, op.layout);
    assert.match(e.message, /^EINVAL: .+ \(newlink ifname vx0\) \(attribute \.mtu\)$/);
    const plain = makeNetlinkError(-22, {}, { type: 16, flags: 0, seq: 1, bytes }, { headerSize: 16, attrs: op.attrs });
    assert.equal(plain.subject, undefined);
    assert.doesNotMatch(plain.message, /\(/);
  });
});

describe('missing attributes are named through sub-messages too', () => {
  test('a vxlan without its id: missing id in .linkinfo.data (the set of its kind)', () => {
    const rtLink = Family.from(rtLinkDesc);
    const op = rtLink.op('newlink');
    const w = new Writer(64);
    const start = w.beginMessage(16, 0);
    rtLink.writeBody(w, op, { ifname: 'vx0', linkinfo: { kind: 'vxlan', data: { port: 4789 } } }, 1);
    w.endMessage(start);
    const bytes = w.toBuffer();
    // the data attribute: after nlmsghdr, ifinfomsg, ifname ('vx0\0'), the linkinfo header and kind ('vxlan\0')
    const dataAt = NLMSG_HDRLEN + 16 + 8 + 4 + 12;
    assert.equal(bytes.readUInt16LE(dataAt + 2) & 0x3fff, rtLink.set('linkinfo-attrs').byName.get('data')!.value);
    const id = rtLink.set('linkinfo-vxlan-attrs').byName.get('id')!.value;
    const e = makeNetlinkError(-22, { missingType: id, missingNest: dataAt }, { type: 16, flags: 0, seq: 1, bytes }, op.layout);
    assert.deepEqual(e.missing, { type: id, name: 'id', nestOffset: dataAt, nestPath: '.linkinfo.data' });
  });
});

describe('errors name their object (against the kernel)', () => {
  test('a veth created twice: EEXIST names newlink and the ifname; a missing index: ENODEV names getlink and it', async (t) => {
    if (!needRoot(t)) return;
    await withNetns(async (ns) => {
      const c = await FamilyClient.open(rtLinkDesc, { netns: ns });
      try {
        // not veth0: the kernel names the peer veth%d first
        const veth = { ifname: 'nlkt-a0', linkinfo: { kind: 'veth' } };
        await c.do('newlink', veth, { flags: NLM_F_CREATE | NLM_F_EXCL });
        const e = await c.do('newlink', veth, { flags: NLM_F_CREATE | NLM_F_EXCL }).then(() => assert.fail('created twice'), (x: unknown) => x);
        assert.ok(e instanceof NetlinkError, String(e));
        assert.equal(e.code, 'EEXIST');
        assert.match(e.message, /^EEXIST: .+ \(newlink ifname nlkt-a0\)$/);
        assert.equal(e.subject, 'newlink ifname nlkt-a0');

        const g = await c.do('getlink', { ifiIndex: 4242 }).then(() => assert.fail('found ifindex 4242'), (x: unknown) => x);
        assert.ok(g instanceof NetlinkError, String(g));
        assert.equal(g.code, 'ENODEV');
        assert.match(g.message, /^ENODEV: .+ \(getlink ifindex 4242\)$/);
        t.diagnostic(`${e.message} / ${g.message}`);
      } finally {
        c.close();
      }
    });
  });
});
