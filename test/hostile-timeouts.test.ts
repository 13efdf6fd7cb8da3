// Timeouts as documented, for the blocking driver too: a dump times out after `timeout` ms
// without progress, not `timeout` ms after it started (a long dump that keeps coming is not
// stuck). Against the kernel, in a throwaway namespace with many routes.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AF_INET, RTM_GETROUTE } from '../src/core/rtnetlink.js';
import { addRoutes, inNetns } from './helpers/netns.js';

const TABLES = ['main', '100', '101', '102', '103', '104'];
const PER_TABLE = 38_000; // addRoutes numbers them 10.100.0.0/24 upwards, to 10.248.111.0
const TIMEOUT = 50; // ms: far less than the whole dump takes, far more than one chunk
const rtmsg = Buffer.alloc(12);
rtmsg[0] = AF_INET;

test('dumpSync: a dump that keeps progressing outlives its timeout, as the async dump does', async (t) => {
  await inNetns(t, async (c, ns) => {
    for (const table of TABLES) addRoutes(ns, PER_TABLE, table);
    const count = (m: { buf: Buffer }) => m.buf.length; // no work per item: the kernel sets the pace
    let started = Date.now();
    const sync = c.dumpSync(RTM_GETROUTE, rtmsg, { timeout: TIMEOUT, decode: count });
    const syncMs = Date.now() - started;
    started = Date.now();
    const all = await c.dump(RTM_GETROUTE, rtmsg, { timeout: TIMEOUT, decode: count }).toArray();
    const asyncMs = Date.now() - started;
    t.diagnostic(`${sync.length} routes in ${syncMs} ms (Sync), ${all.length} in ${asyncMs} ms (async); timeout ${TIMEOUT} ms`);
    assert.equal(sync.length, all.length);
    assert.ok(sync.length >= TABLES.length * PER_TABLE);
    // a dump done within its timeout would pass whether or not progress renews the timer
    if (Math.min(syncMs, asyncMs) <= TIMEOUT) t.skip(`a dump took no longer than its ${TIMEOUT} ms timeout (${syncMs} ms Sync, ${asyncMs} ms async): outliving it is not shown on this machine`);
  });
});

test('maxReplies: a kernel dump collected past it fails with TooManyRepliesError and drains; the next dump runs whole', async (t) => {
  await inNetns(t, async (c, ns) => {
    addRoutes(ns, 500);
    const count = (m: { buf: Buffer }) => m.buf.length;
    await assert.rejects(c.dump(RTM_GETROUTE, rtmsg, { decode: count, maxReplies: 100 }).toArray(), { name: 'TooManyRepliesError', limit: 100 });
    assert.throws(() => c.dumpSync(RTM_GETROUTE, rtmsg, { decode: count, maxReplies: 100 }), { name: 'TooManyRepliesError' });
    // iterating holds only highWaterMark items: maxReplies does not apply
    let seen = 0;
    for await (const _ of c.dump(RTM_GETROUTE, rtmsg, { decode: count, maxReplies: 100 })) seen++;
    assert.ok(seen >= 500);
    assert.ok(c.dumpSync(RTM_GETROUTE, rtmsg, { decode: count }).length >= 500);
  });
});
