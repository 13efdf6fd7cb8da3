// Wrong caller values at the public entries: each a NetlinkArgumentError naming the option,
// thrown where it was given and before anything is opened or sent; never a TypeError from
// inside (reading a property of null, serializing a bigint), a switch read as truthy, a list
// that is not one skipped, or a value accepted and misused later.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { needRoot, withNetns } from './helpers/netns.js';
import { Audit } from '../src/audit/index.js';
import { Connection } from '../src/core/connection.js';
import { NETLINK_GENERIC, NETLINK_ROUTE, NETLINK_USERSOCK } from '../src/core/constants.js';
import { NetlinkArgumentError, NetlinkError } from '../src/core/errors.js';
import { NetlinkSocket } from '../src/core/transport.js';
import { compileFilter, destroySocketSync, listSocketsSync, openSocketDiag, parseStates } from '../src/diag/index.js';
import { procEvents } from '../src/connector/index.js';
import { uevents } from '../src/uevent/index.js';
import { GenericNetlink } from '../src/genl/index.js';
import { openConntrack, openNft } from '../src/netfilter/index.js';
import { openRoute } from '../src/route/index.js';
import { openTc } from '../src/tc/index.js';

/** fn must throw NetlinkArgumentError naming `argument`. */
function refuses(fn: () => unknown, argument: string, what: string): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof NetlinkArgumentError, `${what}: ${String(e)}`);
    assert.equal(e.argument, argument, `${what}: ${e.message}`);
    return true;
  });
}

const NOT_OBJECTS: unknown[] = [null, 42, 'blue', [], true, 1n, Symbol('x')];
const label = (v: unknown) => (typeof v === 'symbol' || typeof v === 'bigint' ? String(v) : JSON.stringify(v));

describe('socket and connection options', () => {
  test('options that are not an object', () => {
    for (const v of NOT_OBJECTS) {
      refuses(() => new Connection(NETLINK_ROUTE, v as never), 'options', `Connection ${label(v)}`);
      refuses(() => new NetlinkSocket(NETLINK_ROUTE, v as never), 'options', `NetlinkSocket ${label(v)}`);
    }
  });

  test('a protocol that is not an integer 0..255', () => {
    for (const v of ['x', -1, 256, 1.5, null, { toString: null }]) refuses(() => new Connection(v as never), 'protocol', `protocol ${String(JSON.stringify(v))}`);
  });

  test('switches are booleans: "no" or 1 is refused, not read as on', () => {
    for (const name of ['extAck', 'strictCheck', 'capAck', 'noEnobufs', 'listenAllNsid', 'forceBuffers'])
      for (const v of ['no', 1, 0, null]) refuses(() => new Connection(NETLINK_ROUTE, { [name]: v }), name, `${name}: ${JSON.stringify(v)}`);
  });

  test('bind is a port id and groups a list of group numbers, named in the error', () => {
    for (const v of ['x', -1, 1.5, 2 ** 32, null, {}]) refuses(() => new Connection(NETLINK_ROUTE, { bind: v as never }), 'bind', `bind ${JSON.stringify(v)}`);
    for (const v of ['abc', 7, {}, [0], [1.5], [2 ** 33], ['1']]) refuses(() => new Connection(NETLINK_ROUTE, { groups: v as never }), 'groups', `groups ${JSON.stringify(v)}`);
  });

  test('groups that are not a list: the value shown, as for every other option', () => {
    // one check (checkGroups) for socket options and event options
    assert.throws(() => new Connection(NETLINK_ROUTE, { groups: 'abc' as never }), { message: /^The "groups" option must be an array of group numbers, got 'abc'$/, code: 'ERR_INVALID_ARG_TYPE' });
  });

  test('call and event options that are arrays are refused like other non-objects', () => {
    const c = new Connection(NETLINK_ROUTE);
    try {
      refuses(() => c.requestSync(18, Buffer.alloc(16), [] as never), 'options', 'requestSync []');
      refuses(() => c.events([] as never), 'options', 'events []');
    } finally {
      c.close();
    }
  });
});

describe('serve()', () => {
  test('the handler is a function, the options an object with a boolean ref and a function onError', () => {
    const c = new Connection(NETLINK_USERSOCK);
    try {
      for (const v of [null, 42, 'x', {}]) refuses(() => c.serve(v as never), 'handler', `handler ${JSON.stringify(v)}`);
      for (const v of NOT_OBJECTS) refuses(() => c.serve(() => {}, v as never), 'options', `options ${label(v)}`);
      for (const v of [42, 'log', {}]) refuses(() => c.serve(() => {}, { onError: v as never }), 'onError', `onError ${JSON.stringify(v)}`);
      for (const v of ['yes', 1, null]) refuses(() => c.serve(() => {}, { ref: v as never }), 'ref', `ref ${JSON.stringify(v)}`);
      refuses(() => c.serve(() => {}, { concurrency: 0 }), 'concurrency', 'concurrency 0');
    } finally {
      c.close();
    }
  });

  test('a refused serve() leaves the connection serving nothing, and a good one then works', async () => {
    const server = new Connection(NETLINK_USERSOCK);
    const client = new Connection(NETLINK_USERSOCK, { timeout: 2000 });
    try {
      refuses(() => server.serve(() => {}, { ref: 'yes' as never }), 'ref', 'ref');
      server.serve(() => ({ type: 0x21 }));
      const [reply] = await client.request(0x21, null, { peer: server.portId });
      assert.equal(reply.type, 0x21);
    } finally {
      client.close();
      server.close();
    }
  });
});

describe('what a serve() handler returns', () => {
  test('a reply of the wrong shape is an error reply to the peer and a NetlinkArgumentError to onError, never garbage sent', async () => {
    const server = new Connection(NETLINK_USERSOCK);
    const client = new Connection(NETLINK_USERSOCK, { timeout: 2000 });
    let reply: unknown;
    const heard: unknown[] = [];
    server.serve(() => reply as never, { onError: (e) => heard.push(e) });
    try {
      const bad: [unknown, string][] = [
        [{ type: 'x' }, 'reply.type'], [{ type: 70000 }, 'reply.type'], [{ type: -1 }, 'reply.type'], [42, 'reply'],
        [{ type: 0x21, flags: 1e6 }, 'reply.flags'], [{ type: 0x21, payload: 42 }, 'payload'], [{ type: 0x21, payload: 'abc' }, 'payload'],
        [[{ type: 0x21 }, null], 'reply'],
      ];
      for (const [r, argument] of bad) {
        reply = r;
        heard.length = 0;
        await assert.rejects(client.request(0x21, null, { peer: server.portId }), (e: unknown) => {
          assert.ok(e instanceof NetlinkError && e.code === 'EINVAL', `${JSON.stringify(r)}: ${String(e)}`);
          assert.match(e.extackMessage ?? '', new RegExp(`"${argument.replace('.', '\\.')}"`));
          return true;
        });
        assert.equal(heard.length, 1, JSON.stringify(r));
        assert.ok(heard[0] instanceof NetlinkArgumentError && heard[0].argument === argument, `${JSON.stringify(r)}: ${String(heard[0])}`);
      }
      reply = { type: 0x21, flags: 0, payload: Buffer.from('ok') };
      const [good] = await client.request(0x21, null, { peer: server.portId });
      assert.equal(good.payload.subarray(0, 2).toString(), 'ok');
    } finally {
      client.close();
      server.close();
    }
  });
});

describe('generic netlink', () => {
  test('open() with options that are not an object', () => {
    for (const v of NOT_OBJECTS) refuses(() => GenericNetlink.open(v as never), 'options', `GenericNetlink.open ${label(v)}`);
  });

  test('a family name that is a bigint or a symbol: the typed error, not a failure to print it', () => {
    const g = GenericNetlink.open();
    try {
      for (const v of [1n, Symbol('nlctrl'), { toString: null }]) refuses(() => g.getFamilySync(v as never), 'family', `family ${String(typeof v)}`);
    } finally {
      g.close();
    }
  });

  test('multicast groups are named by strings in a list', async () => {
    const g = GenericNetlink.open();
    try {
      for (const v of ['notify', 7, null]) await assert.rejects(g.subscribe('nlctrl', v as never), (e: unknown) => e instanceof NetlinkArgumentError && e.argument === 'groups', `groups ${JSON.stringify(v)}`);
      for (const v of [Symbol('notify'), 7, '']) {
        await assert.rejects(g.subscribe('nlctrl', [v] as never), (e: unknown) => e instanceof NetlinkArgumentError && e.argument === 'groups', `group ${String(typeof v)}`);
        await assert.rejects(g.joinGroup('nlctrl', v as never), (e: unknown) => e instanceof NetlinkArgumentError && e.argument === 'groups', `joinGroup ${String(typeof v)}`);
      }
    } finally {
      g.close();
    }
  });

  test('a request payload is a writer, bytes or nothing: 42 is refused, not written as a NaN-long message', async () => {
    const g = GenericNetlink.open();
    try {
      for (const v of [42, 'abc', true, {}]) {
        refuses(() => g.requestSync('nlctrl', 3, v as never), 'payload', `payload ${JSON.stringify(v)}`);
        await assert.rejects(g.request('nlctrl', 3, v as never), NetlinkArgumentError);
      }
    } finally {
      g.close();
    }
  });
});

describe('handles that open their socket on first use refuse wrong options when opened', () => {
  test('openRoute, openTc, openNft, openConntrack, openSocketDiag, Audit.open', () => {
    const opens: [string, (o: unknown) => unknown][] = [
      ['openRoute', (o) => openRoute(o as never)],
      ['openTc', (o) => openTc(o as never)],
      ['openNft', (o) => openNft(o as never)],
      ['openConntrack', (o) => openConntrack(o as never)],
      ['openSocketDiag', (o) => openSocketDiag(o as never)],
      ['Audit.open', (o) => Audit.open(o as never)],
    ];
    for (const [name, open] of opens) {
      for (const v of NOT_OBJECTS) refuses(() => open(v), 'options', `${name}(${label(v)})`);
      refuses(() => open({ extAck: 'no' }), 'extAck', `${name} extAck`);
      refuses(() => open({ timeout: -5 }), 'timeout', `${name} timeout`);
      refuses(() => open({ netns: 'a/b' }), 'netns', `${name} netns`);
    }
  });

  test('a generic netlink socket opened with good options still works', () => {
    const g = new Connection(NETLINK_GENERIC, { extAck: true, capAck: false, bind: 0, groups: [] });
    g.close();
  });
});

describe('a bigint where a string or number belongs', () => {
  test('is named in the typed error, not a TypeError from printing it (JSON.stringify cannot)', () => {
    const cases: [string, () => unknown, string][] = [
      ['uevents source', () => uevents({ source: 1n as never }), 'source'],
      ['procEvents events', () => procEvents({ events: [1n as never] }), 'events'],
      ['compileFilter', () => compileFilter(1n as never), 'filter'],
      ['compileFilter dport', () => compileFilter({ dport: 1n as never }), 'filter.dport'],
      ['compileFilter dport.ge', () => compileFilter({ dport: { ge: 1n as never } }), 'filter.dport.ge'],
      ['compileFilter mark', () => compileFilter({ mark: 1n as never }), 'filter.mark'],
      ['parseStates', () => parseStates(1n as never), 'states'],
      ['parseStates [1n]', () => parseStates([1n] as never), 'states'],
      ['listSockets family', () => listSocketsSync({ family: 1n as never }), 'family'],
      ['listSockets netlinkProtocol', () => listSocketsSync({ family: 'netlink', netlinkProtocol: 1n as never }), 'netlinkProtocol'],
      ['destroySocket family', () => destroySocketSync({ family: 1n } as never), 'socket.family'],
    ];
    for (const [what, fn, argument] of cases) {
      refuses(fn, argument, what);
      try {
        fn();
      } catch (e) {
        assert.match((e as Error).message, /\b1n\b/, what);
      }
    }
  });
});

describe('a bigint in the options of routing, tc and conntrack calls', () => {
  test('is a NetlinkArgumentError naming it, refused before anything is sent', async (t) => {
    if (!needRoot(t)) return;
    await withNetns((netns) => {
      const rt = openRoute({ netns }), tc = openTc({ netns }), ct = openConntrack({ netns });
      try {
        const cases: [string, () => unknown, string][] = [
          ['routes.list family', () => rt.routes.listSync({ family: 1n as never }), 'family'],
          ['addresses.list family', () => rt.addresses.listSync({ family: 1n as never }), 'family'],
          ['links.get', () => rt.links.getSync(1n as never), 'dev'],
          ['qdiscs.list dev', () => tc.qdiscs.listSync({ dev: 1n as never }), 'dev'],
          ['filters.add kind', () => tc.filters.addSync({ dev: 'lo', kind: 1n } as never), 'kind'],
          ['conntrack list family', () => ct.listSync({ family: 1n as never }), 'family'],
        ];
        for (const [what, fn, argument] of cases) refuses(fn, argument, what);
      } finally {
        rt.close();
        tc.close();
        ct.ctx.close();
      }
    });
  });
});
