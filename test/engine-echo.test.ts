// NLM_F_ECHO: the kernel sends the requester its own notification (nlmsg_notify), with the
// multicast group still set on it. Such a message answers the request (its seq, this socket's
// port id) and is a reply, not an event; the group's listeners elsewhere still get theirs.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Connection } from '../src/core/connection.js';
import { NETLINK_ROUTE, NLM_F_CREATE, NLM_F_ECHO, NLM_F_EXCL } from '../src/core/constants.js';
import type { NetlinkEvent } from '../src/core/events.js';
import { description as rtRoute } from '../src/ynl/families/rt-route.js';
import { opCall, opDecoder } from '../src/ynl/op-call.js';
import { needRoot, withNetns } from './helpers/netns.js';

const RTNLGRP_IPV4_ROUTE = 7;
const route = (dst: string) => ({
  rtmFamily: 2, rtmDstLen: 24, rtmSrcLen: 0, rtmTos: 0, rtmTable: 254, rtmProtocol: 4, rtmScope: 253, rtmType: 'unicast' as const, rtmFlags: 0, dst, oif: 1,
});

test('an echoed notification is the reply of its request, also on a socket listening to its group', async (t) => {
  if (!needRoot(t)) return;
  await withNetns(async (ns) => {
    const conn = new Connection(NETLINK_ROUTE, { netns: ns });
    const other = new Connection(NETLINK_ROUTE, { netns: ns });
    try {
      const decode = opDecoder(rtRoute, 'getroute', 'dump');
      const mine: unknown[] = [];
      const own = conn.events({ groups: [RTNLGRP_IPV4_ROUTE], decode });
      own.on('message', (m: unknown) => mine.push(m));
      const theirs = other.events({ groups: [RTNLGRP_IPV4_ROUTE], decode });
      const seen = new Promise<NetlinkEvent<ReturnType<typeof decode>>>((resolve) => {
        void (async () => { for await (const it of theirs) if (it.kind === 'message') return resolve(it); })();
      });
      const flags = NLM_F_CREATE | NLM_F_EXCL | NLM_F_ECHO;
      const echoed = conn.runSync(opCall(rtRoute, 'newroute', 'do', route('10.61.0.0'), { flags }));
      assert.equal(echoed.length, 1, 'runSync gets the echo as its reply');
      assert.equal((echoed[0] as unknown as { dst?: string }).dst, '10.61.0.0');
      const again = await conn.run(opCall(rtRoute, 'newroute', 'do', route('10.62.0.0'), { flags }));
      assert.equal((again[0] as unknown as { dst?: string }).dst, '10.62.0.0');
      const ev = await seen;
      assert.equal(ev.kind === 'message' && (ev.message as { dst?: string }).dst, '10.61.0.0', 'the other socket hears the multicast');
      // the requester's own listener gets no copy of its echo (the kernel excludes it from the multicast)
      await new Promise((r) => setTimeout(r, 50));
      assert.deepEqual(mine, []);
      own.close();
      theirs.close();
    } finally {
      conn.close();
      other.close();
    }
  });
});
