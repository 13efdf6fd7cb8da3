// One description of a call, run by either driver; builders turned into async and Sync methods.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { bindCalls, type Call, firstReply } from '../src/core/call.js';
import { Connection } from '../src/core/connection.js';
import { NETLINK_ROUTE } from '../src/core/constants.js';
import { NetlinkArgumentError, NetlinkError } from '../src/core/errors.js';
import { decodeLink, IFLA_IFNAME, ifinfomsg, type Link, RTM_GETLINK } from './helpers/rtnl.js';

const getLink = (name: string): Call<Link, Link | undefined> => ({
  type: RTM_GETLINK,
  payload: (w) => {
    ifinfomsg(w);
    w.attrString(IFLA_IFNAME, name);
  },
  decode: decodeLink,
  ack: false,
  result: firstReply,
});
const listLinks = (): Call<Link> => ({ type: RTM_GETLINK, payload: ifinfomsg, dump: true, decode: decodeLink });

describe('call descriptors', () => {
  test('run, runSync and stream take the same descriptor', async () => {
    const c = new Connection(NETLINK_ROUTE);
    try {
      assert.equal((await c.run(getLink('lo')))?.ifname, 'lo');
      assert.equal(c.runSync(getLink('lo'))?.ifname, 'lo');
      const all = await c.run(listLinks());
      assert.ok(all.some((l) => l.ifname === 'lo'));
      assert.deepEqual(c.runSync(listLinks()).map((l) => l.ifname), all.map((l) => l.ifname));
      const streamed: string[] = [];
      for await (const l of c.stream(listLinks())) streamed.push(l.ifname);
      assert.deepEqual(streamed, all.map((l) => l.ifname));
      await assert.rejects(c.run(getLink('nlk-none0')), (e: unknown) => e instanceof NetlinkError && e.code === 'ENODEV');
      assert.throws(() => c.runSync({ ...getLink('lo'), signal: new AbortController().signal }), NetlinkArgumentError);
    } finally {
      c.close();
    }
  });

  test('bindCalls gives each builder an async and a Sync method', async () => {
    const c = new Connection(NETLINK_ROUTE);
    try {
      const links = bindCalls(c, { getLink, listLinks });
      assert.equal((await links.getLink('lo'))?.index, 1);
      assert.equal(links.getLinkSync('lo')?.index, 1);
      assert.deepEqual((await links.listLinks()).map((l) => l.ifname), links.listLinksSync().map((l) => l.ifname));
      // a runner opened later
      let late: Connection | undefined;
      const lazy = bindCalls(() => late!, { getLink });
      late = c;
      assert.equal(lazy.getLinkSync('lo')?.ifname, 'lo');
    } finally {
      c.close();
    }
  });
});
