// The request engine against the real kernel, in throwaway network namespaces.
import assert from 'node:assert/strict';
import { closeSync, openSync } from 'node:fs';
import { describe, test } from 'node:test';
import { Connection } from '../src/core/connection.js';
import { NETLINK_ROUTE, NLM_F_CREATE, NLM_F_EXCL } from '../src/core/constants.js';
import { NetlinkError, NetlinkTimeoutError } from '../src/core/errors.js';
import { addRoutes, inNetns, ip, ipError, ipJson, needRoot, run, withNetns } from './helpers/netns.js';
import {
  decodeLink, decodeRoute, IFLA_IFNAME, IFLA_INFO_KIND, IFLA_LINKINFO, ifinfomsg, ipv4, linkLayout, RTA_DST, RTA_GATEWAY,
  RTM_GETLINK, RTM_GETROUTE, RTM_NEWLINK, RTM_NEWROUTE, routeLayout, rtmsg, rtmsgDump, RTNLGRP_IPV4_ROUTE, type Route,
} from './helpers/rtnl.js';

const badGatewayRoute = rtmsgWith('10.9.0.0', '10.99.0.1');
function rtmsgWith(dst: string, gw: string) {
  return (w: import('../src/core/writer.js').Writer) => {
    rtmsg(24)(w);
    w.attrBytes(RTA_DST, ipv4(dst));
    w.attrBytes(RTA_GATEWAY, ipv4(gw));
  };
}
const routeKey = (r: Route) => `${r.table} ${r.dst}/${r.dstLen} ${r.oif}`;

describe('extended acknowledgements', () => {
  test('a rejected route carries the kernel text that ip prints, and the attribute path', async (t) => {
    if (!needRoot(t)) return;
    await withNetns(async (ns) => {
      const expected = ipError(ns, 'route', 'add', '10.9.0.0/24', 'via', '10.99.0.1');
      const c = new Connection(NETLINK_ROUTE, { netns: ns });
      try {
        const err = await c
          .request(RTM_NEWROUTE, badGatewayRoute, { flags: NLM_F_CREATE | NLM_F_EXCL, layout: routeLayout })
          .then(() => assert.fail('the kernel accepted a route via an unreachable gateway'), (e: unknown) => e);
        assert.ok(err instanceof NetlinkError, String(err));
        assert.equal(`Error: ${err.extackMessage}.`, expected);
        assert.equal(typeof err.errno, 'number');
        assert.ok(err.errno < 0);
        assert.equal(err.request?.type, RTM_NEWROUTE);
        if (err.offset !== undefined) assert.equal(err.attributePath, '.gateway');
        // the Sync twin reports the same
        assert.throws(() => c.requestSync(RTM_NEWROUTE, badGatewayRoute, { flags: NLM_F_CREATE | NLM_F_EXCL, layout: routeLayout }),
          (e: unknown) => e instanceof NetlinkError && e.extackMessage === err.extackMessage && e.code === err.code);
      } finally {
        c.close();
      }
    });
  });

  test('a policy violation names the offending attribute by path', async (t) => {
    await inNetns(t, async (c, ns) => {
      const longName = (w: import('../src/core/writer.js').Writer) => {
        ifinfomsg(w);
        w.attrString(IFLA_IFNAME, 'x'.repeat(20)); // IFNAMSIZ is 16
        const li = w.beginNest(IFLA_LINKINFO);
        w.attrString(IFLA_INFO_KIND, 'veth');
        w.endAttr(li);
      };
      await assert.rejects(c.request(RTM_NEWLINK, longName, { flags: NLM_F_CREATE | NLM_F_EXCL, layout: linkLayout }), (e: unknown) => {
        assert.ok(e instanceof NetlinkError);
        assert.equal(e.code, 'ERANGE'); // the policy's length limit
        assert.equal(e.offset, 16 + 16); // nlmsghdr + ifinfomsg: the first attribute
        assert.equal(e.attributePath, '.ifname');
        assert.match(e.message, /\(attribute \.ifname\)/);
        return true;
      });
    });
  });

  test('an unknown link kind is reported as ip reports it', async (t) => {
    if (!needRoot(t)) return;
    await withNetns(async (ns) => {
      const expected = ipError(ns, 'link', 'add', 'x', 'type', 'nosuchkind');
      const c = new Connection(NETLINK_ROUTE, { netns: ns });
      try {
        const payload = (w: import('../src/core/writer.js').Writer) => {
          ifinfomsg(w);
          w.attrString(IFLA_IFNAME, 'x');
          const li = w.beginNest(IFLA_LINKINFO);
          w.attrString(IFLA_INFO_KIND, 'nosuchkind');
          w.endAttr(li);
        };
        await assert.rejects(c.request(RTM_NEWLINK, payload, { flags: NLM_F_CREATE | NLM_F_EXCL, layout: linkLayout }), (e: unknown) => {
          assert.ok(e instanceof NetlinkError);
          assert.equal(`Error: ${e.extackMessage}.`, expected);
          assert.match(e.message, /^E[A-Z]+: Unknown device type/);
          return true;
        });
      } finally {
        c.close();
      }
    });
  });
});

describe('concurrency on one socket', () => {
  test('5 concurrent dumps all complete and match a single dump', async (t) => {
    if (!needRoot(t)) return;
    await withNetns(async (ns) => {
      addRoutes(ns, 3000); // several 32 KiB chunks per dump
      const c = new Connection(NETLINK_ROUTE, { netns: ns });
      try {
        const dumpRoutes = () => c.dump(RTM_GETROUTE, rtmsgDump, { decode: decodeRoute }).toArray();
        const single = (await dumpRoutes()).map(routeKey).sort();
        assert.ok(single.length >= 3000);
        const five = await Promise.all([dumpRoutes(), dumpRoutes(), dumpRoutes(), dumpRoutes(), dumpRoutes()]);
        for (const d of five) assert.deepEqual(d.map(routeKey).sort(), single);
        // ip agrees on the main table's count
        const viaIp = ipJson<unknown[]>(ns, 'route', 'show', 'table', 'main');
        assert.equal(single.filter((k) => k.startsWith('254 ')).length, viaIp.length);
        // and the Sync twin, interleaved with async dumps still running
        const pendingDump = dumpRoutes();
        const sync = c.dumpSync(RTM_GETROUTE, rtmsgDump, { decode: decodeRoute });
        assert.deepEqual(sync.map(routeKey).sort(), single);
        assert.deepEqual((await pendingDump).map(routeKey).sort(), single);
      } finally {
        c.close();
      }
    });
  });

  test('dumps stream with back-pressure and can be abandoned midway', async (t) => {
    if (!needRoot(t)) return;
    await withNetns(async (ns) => {
      addRoutes(ns, 2000);
      const c = new Connection(NETLINK_ROUTE, { netns: ns });
      try {
        let n = 0;
        for await (const r of c.dump(RTM_GETROUTE, rtmsgDump, { decode: decodeRoute, intr: 'throw', highWaterMark: 64 })) {
          assert.equal(typeof r.dst, 'string');
          if (++n === 100) break;
        }
        // the abandoned dump drains in the background; the next one still works
        const all = await c.dump(RTM_GETROUTE, rtmsgDump, { decode: decodeRoute }).toArray();
        assert.ok(all.length >= 2000);
        const links = await c.request(RTM_GETLINK, (w) => { ifinfomsg(w); w.attrString(IFLA_IFNAME, 'lo'); }, { decode: decodeLink, ack: false });
        assert.equal(links[0].ifname, 'lo');
      } finally {
        c.close();
      }
    });
  });

  test('iterating a dump streams by default: items arrive before the dump is complete, memory stays bounded', async (t) => {
    await inNetns(t, async (c, ns) => {
      addRoutes(ns, 10_000);
      let decoded = 0;
      const decode = (m: import('../src/core/message.js').RawMessage) => (decoded++, decodeRoute(m));
      let first = -1, n = 0;
      for await (const r of c.dump(RTM_GETROUTE, rtmsgDump, { decode, highWaterMark: 64 })) {
        if (first < 0) first = decoded;
        assert.equal(typeof r.dst, 'string');
        n++;
        // the engine holds at most highWaterMark items plus one receive batch (a few 32 KiB chunks)
        assert.ok(decoded - n <= 64 + 8192, `${decoded - n} items buffered`);
      }
      assert.ok(n >= 10_000);
      assert.ok(first < n, `the first item came after ${first} of ${n} were decoded: the dump was collected`);
    });
  });

  test('mixing requests and dumps, with AbortSignal and timeout', async (t) => {
    await inNetns(t, async (c, ns) => {
      const ac = new AbortController();
      ac.abort(new Error('stop'));
      await assert.rejects(c.dump(RTM_GETROUTE, rtmsgDump, { signal: ac.signal }).toArray(), /stop/);
      const getLo = () => c.request(RTM_GETLINK, (w) => { ifinfomsg(w); w.attrString(IFLA_IFNAME, 'lo'); }, { decode: decodeLink, ack: false });
      const results = await Promise.all([getLo(), c.dump(RTM_GETLINK, ifinfomsg, { decode: decodeLink }).toArray(), getLo()]);
      assert.equal(results[0][0].ifname, 'lo');
      assert.ok(results[1].some((l) => l.ifname === 'lo'));
      await assert.rejects(c.request(RTM_GETLINK, (w) => { ifinfomsg(w); w.attrString(IFLA_IFNAME, 'nope0'); }, { ack: false }),
        (e: unknown) => e instanceof NetlinkError && e.code === 'ENODEV');
      assert.ok(NetlinkTimeoutError);
    });
  });
});

describe('event streams', () => {
  test('a flood of route changes overruns a small monitor buffer: an overrun event, and the process lives on', async (t) => {
    await inNetns(t, async (mon, ns) => {
      const events = mon.events({ groups: [RTNLGRP_IPV4_ROUTE], decode: decodeRoute, highWaterMark: 1 << 20 });
      // the monitor is not read while ip floods it (execFileSync blocks the event loop)
      addRoutes(ns, 3000);
      let overruns = 0, messages = 0;
      const it = events[Symbol.asyncIterator]();
      const deadline = Date.now() + 10_000;
      while (overruns === 0 && Date.now() < deadline) {
        const r = await it.next();
        if (r.done) break;
        if (r.value.kind === 'overrun') overruns++;
        else if (r.value.kind === 'message') messages++;
      }
      assert.ok(overruns >= 1, 'expected an overrun event');
      assert.ok(mon.overruns >= 1);
      // the socket keeps working after the overrun: new events still arrive
      ip(ns, 'route', 'add', '10.250.0.0/24', 'dev', 'lo');
      let seen = false;
      while (!seen && Date.now() < deadline) {
        const r = await it.next();
        if (r.done) break;
        if (r.value.kind === 'message' && r.value.message.dst === '10.250.0.0') seen = true;
      }
      assert.ok(seen, 'events keep flowing after an overrun');
      events.close();
      assert.ok(messages >= 0);
    }, { rcvbuf: 4096 });
  });

  test('EventEmitter style: route notifications by listener', async (t) => {
    await inNetns(t, async (mon, ns) => {
      const events = mon.events({ groups: [RTNLGRP_IPV4_ROUTE], decode: decodeRoute });
      const got = new Promise<Route>((resolve) => events.on('message', (r: Route) => r.dst === '10.251.0.0' && resolve(r)));
      ip(ns, 'route', 'add', '10.251.0.0/24', 'dev', 'lo');
      const r = await got;
      assert.equal(r.type, RTM_NEWROUTE);
      assert.equal(r.dstLen, 24);
      events.close();
    });
  });
});

describe('multicast groups and namespaces ids', () => {
  test('groups above 32 are joined with NETLINK_ADD_MEMBERSHIP and reported by number', async (t) => {
    if (!needRoot(t)) return;
    await withNetns(async (ns) => {
      ip(ns, 'link', 'add', 'nlktm0', 'type', 'veth', 'peer', 'name', 'nlktm1');
      const c = new Connection(NETLINK_ROUTE, { netns: ns });
      try {
        const RTNLGRP_IPV4_MCADDR = 37, RTNLGRP_IPV6_MCADDR = 38, RTM_NEWMULTICAST = 56;
        let events;
        try {
          events = c.events({ groups: [RTNLGRP_IPV4_MCADDR, RTNLGRP_IPV6_MCADDR] });
        } catch (e) {
          return t.skip(`this kernel has no multicast-address groups: ${(e as Error).message}`);
        }
        // an interface coming up joins 224.0.0.1 / ff02::1: RTM_NEWMULTICAST on those groups
        ip(ns, 'link', 'set', 'nlktm0', 'up');
        const it = events[Symbol.asyncIterator]();
        const first = await Promise.race([it.next(), new Promise<undefined>((r) => setTimeout(r, 3000))]);
        if (!first) return t.skip('this kernel sends no RTM_NEWMULTICAST notifications');
        assert.ok(!first.done && first.value.kind === 'message');
        assert.ok([RTNLGRP_IPV4_MCADDR, RTNLGRP_IPV6_MCADDR].includes(first.value.group), `group ${first.value.group}`);
        assert.equal(first.value.message.type, RTM_NEWMULTICAST);
        events.close();
      } finally {
        c.close();
      }
    });
  });

  test('with NETLINK_LISTEN_ALL_NSID, notifications from another namespace carry its nsid', async (t) => {
    if (!needRoot(t)) return;
    await withNetns(async (ns) => {
      // the id lives in the root namespace and goes away with the test namespace
      run('ip', ['netns', 'set', ns, '4242']);
      const root = new Connection(NETLINK_ROUTE, { listenAllNsid: true });
      try {
        const events = root.events({ groups: [RTNLGRP_IPV4_ROUTE], decode: decodeRoute });
        ip(ns, 'route', 'add', '10.252.0.0/24', 'dev', 'lo');
        const deadline = Date.now() + 5000;
        let nsid: number | undefined;
        for await (const ev of events) {
          if (ev.kind === 'message' && ev.message.dst === '10.252.0.0') {
            nsid = ev.nsid;
            break;
          }
          if (Date.now() > deadline) break;
        }
        assert.equal(nsid, 4242);
      } finally {
        root.close();
      }
    });
  });
});

describe('network namespaces', () => {
  test('a socket opened in a namespace sees that namespace\'s links, not the root\'s', async (t) => {
    if (!needRoot(t)) return;
    await withNetns(async (ns) => {
      ip(ns, 'link', 'add', 'nlkta0', 'type', 'veth', 'peer', 'name', 'nlktb0');
      for (const ref of [ns, { path: `/run/netns/${ns}` }]) {
        const inside = new Connection(NETLINK_ROUTE, { netns: ref });
        try {
          const names = (await inside.dump(RTM_GETLINK, ifinfomsg, { decode: decodeLink }).toArray()).map((l) => l.ifname).sort();
          const viaIp = ipJson<{ ifname: string }[]>(ns, 'link', 'show').map((l) => l.ifname).sort();
          assert.deepEqual(names, viaIp);
          assert.deepEqual(names, ['lo', 'nlkta0', 'nlktb0']);
        } finally {
          inside.close();
        }
      }
      // and by an open namespace fd
      const fd = openSync(`/run/netns/${ns}`, 'r');
      try {
        const byFd = new Connection(NETLINK_ROUTE, { netns: fd });
        assert.ok(byFd.dumpSync(RTM_GETLINK, ifinfomsg, { decode: decodeLink }).some((l) => l.ifname === 'nlkta0'));
        byFd.close();
      } finally {
        closeSync(fd);
      }
      const root = new Connection(NETLINK_ROUTE);
      try {
        const names = root.dumpSync(RTM_GETLINK, ifinfomsg, { decode: decodeLink }).map((l) => l.ifname);
        assert.ok(!names.includes('nlkta0'));
        assert.ok(names.includes('lo'));
      } finally {
        root.close();
      }
    });
  });

  test('an unknown namespace is an ENOENT error, and the caller stays in its own namespace', (t) => {
    assert.throws(() => new Connection(NETLINK_ROUTE, { netns: 'nlkt-does-not-exist' }), (e: unknown) => (e as { code?: string }).code === 'ENOENT' && (e as { syscall?: string }).syscall === 'open');
    const c = new Connection(NETLINK_ROUTE);
    try {
      assert.ok(c.dumpSync(RTM_GETLINK, ifinfomsg, { decode: decodeLink }).some((l) => l.ifname === 'lo'));
    } finally {
      c.close();
    }
    void t;
  });
});
