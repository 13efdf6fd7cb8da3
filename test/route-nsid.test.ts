// nlkit/route namespace ids against `ip netns set` / `ip netns list-id`: ids nlkit assigns
// read back by ip, ids ip assigns read by nlkit, auto ids, by pid, errors with the kernel's
// text, and golden vectors for nlkit's rt-nsid spec from <linux/net_namespace.h>.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, test } from 'node:test';
import { NetlinkArgumentError, NetlinkError, NetnsError } from '../src/core/errors.js';
import { Connection } from '../src/core/connection.js';
import { NETLINK_ROUTE } from '../src/core/constants.js';
import { openRoute } from '../src/route/index.js';
import { nsidEvents } from '../src/route/nsid.js';
import { firstEvent } from './helpers/ip-json.js';
import { Family } from '../src/ynl/family.js';
import { description as rtNsidDesc } from '../src/ynl/families/rt-nsid.js';
import { assertDecodes, assertEncodes, bytes } from './helpers/ynl-golden.js';
import { ip, ipJson, needRoot, withNetns } from './helpers/netns.js';

describe('namespace ids against the kernel and `ip netns`', () => {
  test('ids nlkit sets are what `ip netns list-id` shows, and the other way round', async (t) => {
    if (!needRoot(t)) return;
    await withNetns((viewer) => withNetns((b) => withNetns(async (c) => {
      const rt = openRoute({ netns: viewer });
      try {
        assert.deepEqual(await rt.nsids.list(), []);
        assert.equal(await rt.nsids.get(b), undefined);
        assert.equal(await rt.nsids.set({ netns: b, nsid: 5 }), 5);
        ip(viewer, 'netns', 'set', c, 'auto');
        const theirs = ipJson<{ nsid: number; name?: string }[]>(viewer, 'netns', 'list-id');
        const ours = await rt.nsids.list();
        assert.deepEqual(ours, theirs);
        assert.deepEqual(ours.find((e) => e.name === b), { nsid: 5, name: b });
        const cId = ours.find((e) => e.name === c)?.nsid;
        assert.equal(typeof cId, 'number');
        assert.equal(rt.nsids.getSync({ name: c }), cId);
        assert.equal(rt.nsids.getSync({ path: `/run/netns/${b}` }), 5);
        // the same namespace seen from elsewhere: its own id space
        assert.equal(await rt.nsids.get(b, { netns: c }), undefined);
      } finally {
        rt.close();
      }
    })));
  });

  test('auto ids, by pid, and the ids another namespace assigned (target)', async (t) => {
    if (!needRoot(t)) return;
    await withNetns((viewer) => withNetns((b) => withNetns(async (c) => {
      const sleeper = spawn('ip', ['netns', 'exec', b, 'sleep', '30'], { stdio: 'ignore' });
      try {
        const rt = openRoute({ netns: viewer });
        try {
          // the process's namespace by pid, once `ip netns exec` has entered it
          let pid = 0;
          for (let i = 0; i < 100 && !pid; i++) {
            await new Promise((r) => setTimeout(r, 20));
            try {
              if (ip(b, 'netns', 'identify', String(sleeper.pid)).trim() === b) pid = sleeper.pid!;
            } catch {
              // not entered yet
            }
          }
          assert.ok(pid, 'the sleeper entered the namespace');
          assert.equal(await rt.nsids.set({ pid }), 0); // auto: the lowest free id
          assert.equal(await rt.nsids.get(b), 0);
          assert.equal(rt.nsids.getSync({ pid }), 0);
          assert.equal(rt.nsids.setSync({ netns: { pid: process.pid }, nsid: 'auto' }), 1);
          assert.equal(rt.nsids.setSync(c), 2);
          assert.deepEqual(rt.nsids.listSync(), ipJson(viewer, 'netns', 'list-id'));
          // what b numbers: the viewer gets an id there when b is asked about it
          ip(b, 'netns', 'set', viewer, '7');
          ip(b, 'netns', 'set', c, '8');
          const seen = await rt.nsids.list({ target: 0 });
          const theirs = ipJson<Record<string, unknown>[]>(viewer, 'netns', 'list-id', 'target-nsid', '0')
            .map(({ 'current-nsid': cur, ...e }) => (cur === undefined ? e : { ...e, currentNsid: cur }));
          assert.deepEqual(seen, theirs);
          assert.deepEqual(seen.find((e) => e.nsid === 8), { nsid: 8, currentNsid: 2, name: c });
        } finally {
          rt.close();
        }
      } finally {
        sleeper.kill();
      }
    })));
  });

  test('notifications decode as ids (nsidEvents, for the monitor); the resync dump has the names', async (t) => {
    if (!needRoot(t)) return;
    await withNetns((viewer) => withNetns(async (b) => {
      const RTNLGRP_NSID = 28;
      const conn = new Connection(NETLINK_ROUTE, { netns: viewer });
      const rt = openRoute({ netns: viewer });
      try {
        const events = conn.events({ groups: [RTNLGRP_NSID], decode: nsidEvents.decode });
        const added = firstEvent(events, (e) => e.nsid === 9);
        ip(viewer, 'netns', 'set', b, '9');
        assert.deepEqual(await added, { nsid: 9 });
        assert.deepEqual(await rt.nsids.list(), [{ nsid: 9, name: b }]);
        events.close();
      } finally {
        rt.close();
        conn.close();
      }
    }));
  });

  test("errors: the kernel's ext-ack text, namespaces that are not there, bad values", async (t) => {
    if (!needRoot(t)) return;
    await withNetns((viewer) => withNetns((b) => withNetns(async (c) => {
      const rt = openRoute({ netns: viewer });
      try {
        await rt.nsids.set({ netns: b, nsid: 3 });
        // the kernel points at NETNSA_FD and NETNSA_NSID: the error names the caller's option
        await assert.rejects(rt.nsids.set({ netns: b, nsid: 4 }), (e: unknown) =>
          e instanceof NetlinkError && e.code === 'EEXIST' && /already has a nsid/.test(e.extackMessage ?? '') &&
          (e as { option?: string }).option === 'netns' && / \(option netns\)$/.test(e.message));
        assert.throws(() => rt.nsids.setSync({ netns: c, nsid: 3 }), (e: unknown) =>
          e instanceof NetlinkError && e.code === 'EEXIST' && /nsid is already used/.test(e.extackMessage ?? '') &&
          e.attributePath === '.nsid' && (e as { option?: string }).option === 'nsid');
        assert.throws(() => rt.nsids.getSync('nlkt-none-such'), (e: unknown) => e instanceof NetnsError && e.code === 'ENOENT' && e.netns === 'nlkt-none-such');
        assert.throws(() => rt.nsids.getSync({ path: '/etc/hostname' }), (e: unknown) => e instanceof NetlinkError && e.code === 'EINVAL');
        assert.throws(() => rt.nsids.setSync({ netns: c, nsid: -2 }), (e: unknown) => e instanceof NetlinkArgumentError && e.argument === 'nsid');
        assert.throws(() => rt.nsids.setSync({ netns: c, id: 2 } as never), (e: unknown) => e instanceof NetlinkArgumentError && e.argument === 'id');
        assert.throws(() => rt.nsids.getSync('../x'), (e: unknown) => e instanceof NetlinkArgumentError && e.argument === 'netns');
        assert.throws(() => rt.nsids.getSync({ pid: 0 }), (e: unknown) => e instanceof NetlinkArgumentError && e.argument === 'netns.pid');
        assert.throws(() => rt.nsids.listSync({ target: -1 }), (e: unknown) => e instanceof NetlinkArgumentError && e.argument === 'target');
      } finally {
        rt.close();
      }
    })));
  });
});

describe('namespace ids: golden vectors from <linux/net_namespace.h> (nlkit spec rt-nsid)', () => {
  const nsid = Family.from(rtNsidDesc);

  test('RTM_NEWNSID: struct rtgenmsg (padded to 4), NETNSA_NSID (s32), NETNSA_FD; -1 asks for any id', () => {
    assertEncodes(nsid, 'newnsid', { family: 0, nsid: 5, fd: 7 }, bytes(
      '00 000000', //           rtgenmsg: AF_UNSPEC, padding
      '0800 0100 05000000', //  NETNSA_NSID (1) = 5
      '0800 0300 07000000', //  NETNSA_FD (3) = 7
    ));
    assertEncodes(nsid, 'newnsid', { family: 0, nsid: -1, pid: 1234 }, bytes('00 000000', '0800 0100 ffffffff', '0800 0200 d2040000'));
  });

  test('RTM_GETNSID: the request by fd or target, the reply with NETNSA_NSID and NETNSA_CURRENT_NSID', () => {
    assertEncodes(nsid, 'getnsid', { family: 0, targetNsid: 2 }, bytes('00 000000', '0800 0400 02000000'));
    assertDecodes(nsid, 'getnsid', bytes('00 000000', '0800 0100 ffffffff'), { family: 0, nsid: -1 });
    assertDecodes(nsid, 'getnsid', bytes('00 000000', '0800 0100 07000000', '0800 0500 00000000'), { family: 0, nsid: 7, currentNsid: 0 });
  });
});
