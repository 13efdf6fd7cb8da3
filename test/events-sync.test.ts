// Blocking reads of event streams (EventStream.nextSync / sync(), EventItems.sync()): the
// thread waits in the kernel as a C listener's recv() does, against real notifications.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, test } from 'node:test';
import { Connection } from '../src/core/connection.js';
import { NETLINK_ROUTE } from '../src/core/constants.js';
import { NetlinkArgumentError, NetlinkStateError, NetlinkTimeoutError, SocketClosedError } from '../src/core/errors.js';
import type { NetlinkEvent } from '../src/core/events.js';
import { uevents } from '../src/uevent/index.js';
import { ip, needRoot, withNetns } from './helpers/netns.js';
import { decodeRoute, RTM_NEWROUTE, RTNLGRP_IPV4_ROUTE, type Route } from './helpers/rtnl.js';

/** A connection in a fresh namespace (lo up), closed and deleted afterwards. */
async function inNs(fn: (c: Connection, ns: string) => void | Promise<void>): Promise<void> {
  await withNetns(async (ns) => {
    ip(ns, 'link', 'set', 'lo', 'up');
    const c = new Connection(NETLINK_ROUTE, { netns: ns });
    try {
      await fn(c, ns);
    } finally {
      c.close();
    }
  });
}

const dstOf = (ev: NetlinkEvent<Route> | undefined) => (ev?.kind === 'message' ? ev.message.dst : undefined);

describe('event streams read blocking', () => {
  test('nextSync returns a queued notification, then waits for one another process makes', async (t) => {
    if (!needRoot(t)) return;
    await inNs((c, ns) => {
      const events = c.events({ groups: [RTNLGRP_IPV4_ROUTE], decode: decodeRoute });
      ip(ns, 'route', 'add', '10.71.0.0/24', 'dev', 'lo');
      const first = events.nextSync({ timeout: 5000 });
      assert.equal(first.done, false);
      assert.equal(dstOf(first.value), '10.71.0.0');
      assert.equal(first.value?.kind === 'message' && first.value.message.type, RTM_NEWROUTE);
      // the route comes while this thread is blocked: only the kernel's wake-up can end the wait
      const child = spawn('sh', ['-c', `sleep 0.2; ip -n ${ns} route add 10.72.0.0/24 dev lo`], { stdio: 'ignore' });
      const t0 = Date.now();
      const second = events.nextSync({ timeout: 10_000 });
      const waited = Date.now() - t0;
      assert.equal(dstOf(second.value), '10.72.0.0');
      assert.ok(waited >= 100, `waited ${waited} ms for the route added 200 ms later`);
      child.unref();
      events.close();
      assert.deepEqual(events.nextSync(), { value: undefined, done: true }, 'a closed stream is done');
    });
  });

  test('a timeout with nothing to read is a NetlinkTimeoutError that says what it waited for', async (t) => {
    if (!needRoot(t)) return;
    await inNs((c, ns) => {
      const events = c.events({ groups: [RTNLGRP_IPV4_ROUTE], decode: decodeRoute });
      const t0 = Date.now();
      assert.throws(() => events.nextSync({ timeout: 150 }), (e: unknown) => {
        assert.ok(e instanceof NetlinkTimeoutError);
        assert.equal(e.code, 'ETIMEDOUT');
        assert.match(e.message, /no event within 150 ms/);
        return true;
      });
      assert.ok(Date.now() - t0 >= 140, 'the whole timeout was waited');
      // the stream is still usable
      ip(ns, 'route', 'add', '10.73.0.0/24', 'dev', 'lo');
      assert.equal(dstOf(events.nextSync({ timeout: 5000 }).value), '10.73.0.0');
    });
  });

  test('a timeout inside sync() ends the loop and closes the stream; nextSync\'s leaves it open', async (t) => {
    if (!needRoot(t)) return;
    await inNs((c, ns) => {
      const kept = c.events({ groups: [RTNLGRP_IPV4_ROUTE], decode: decodeRoute });
      assert.throws(() => kept.nextSync({ timeout: 50 }), NetlinkTimeoutError);
      const looped = c.events({ groups: [RTNLGRP_IPV4_ROUTE], decode: decodeRoute });
      assert.throws(() => {
        for (const ev of looped.sync({ timeout: 50 })) void ev;
      }, NetlinkTimeoutError);
      assert.equal(looped.nextSync().done, true, 'closed by the timeout');
      ip(ns, 'route', 'add', '10.75.0.0/24', 'dev', 'lo');
      assert.equal(dstOf(kept.nextSync({ timeout: 5000 }).value), '10.75.0.0', 'the other stream goes on');
    });
  });

  test('sync() iterates; leaving the loop closes the stream; other streams still get theirs', async (t) => {
    if (!needRoot(t)) return;
    await inNs((c, ns) => {
      const events = c.events({ groups: [RTNLGRP_IPV4_ROUTE], decode: decodeRoute });
      const other = c.events({ groups: [RTNLGRP_IPV4_ROUTE], decode: decodeRoute });
      for (const n of [1, 2, 3]) ip(ns, 'route', 'add', `10.74.${n}.0/24`, 'dev', 'lo');
      const seen: (string | undefined)[] = [];
      for (const ev of events.sync({ timeout: 5000 })) {
        seen.push(dstOf(ev));
        if (seen.length === 3) break;
      }
      assert.deepEqual(seen, ['10.74.1.0', '10.74.2.0', '10.74.3.0']);
      assert.equal(events.nextSync().done, true, 'break closed it');
      // what the blocking reads dispatched to the other stream waits in its queue
      const others = [1, 2, 3].map(() => dstOf(other.nextSync({ timeout: 5000 }).value));
      assert.deepEqual(others, ['10.74.1.0', '10.74.2.0', '10.74.3.0']);
    });
  });

  test('misuse and bad options are typed errors, before any wait', async (t) => {
    if (!needRoot(t)) return;
    await inNs(async (c) => {
      const events = c.events({ groups: [RTNLGRP_IPV4_ROUTE], decode: decodeRoute });
      for (const timeout of ['1', -1, NaN, 2 ** 40])
        assert.throws(() => events.nextSync({ timeout: timeout as number }), NetlinkArgumentError, `timeout ${String(timeout)}`);
      assert.throws(() => events.sync({ timeout: -5 }), NetlinkArgumentError, 'sync() checks its options up front');
      assert.throws(() => events.nextSync(null as never), NetlinkArgumentError);
      // a pending for-await step would take the event nextSync waits for
      const pending = events.next();
      assert.throws(() => events.nextSync({ timeout: 50 }), (e: unknown) => e instanceof NetlinkStateError && e.code === 'ERR_INVALID_STATE');
      events.close();
      assert.equal((await pending).done, true);
      const listened = c.events({ groups: [RTNLGRP_IPV4_ROUTE], decode: decodeRoute });
      listened.on('message', () => {});
      assert.throws(() => listened.nextSync({ timeout: 50 }), NetlinkStateError);
      listened.close();
    });
  });

  test('a closed connection ends a blocking read, as it ends a for-await loop: its error once, then done', async (t) => {
    if (!needRoot(t)) return;
    await inNs((c) => {
      const events = c.events({ groups: [RTNLGRP_IPV4_ROUTE], decode: decodeRoute });
      c.close();
      assert.throws(() => events.nextSync({ timeout: 1000 }), SocketClosedError);
      assert.deepEqual(events.nextSync({ timeout: 1000 }), { value: undefined, done: true });
      assert.deepEqual([...events.sync()], []);
    });
  });

  test('uevents: EventItems.sync() gives the domain items blocking', async (t) => {
    if (!needRoot(t)) return;
    await withNetns((ns) => {
      const stream = uevents({ netns: ns });
      ip(ns, 'link', 'add', 'nlkt-sa', 'type', 'veth', 'peer', 'name', 'nlkt-sb');
      let found, closedByLoop = false;
      try {
        for (const ev of stream.sync({ timeout: 2000 })) {
          if (ev.type === 'uevent' && ev.interface === 'nlkt-sb') {
            found = ev;
            break;
          }
        }
        closedByLoop = stream.isClosed;
      } catch (e) {
        if (!(e instanceof NetlinkTimeoutError)) throw e;
        return t.skip('no uevent for the veth arrived in its namespace: this kernel does not deliver uevents per network namespace');
      } finally {
        stream.close();
      }
      assert.equal(found?.action, 'add');
      assert.equal(closedByLoop, true, 'leaving the loop ended the stream');
    });
  });
});
