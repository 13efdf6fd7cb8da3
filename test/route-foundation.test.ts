// The ground nlkit/route's object modules stand on: iproute2's name tables, prefixes, name
// resolution in a namespace, and the binder that gives every operation its Sync twin.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { NetlinkArgumentError, NetlinkError, NetlinkSystemError } from '../src/core/errors.js';
import { RTM_GETLINK } from '../src/core/rtnetlink.js';
import { bindOps, RouteContext, type Step } from '../src/route/context.js';
import { BlockList, isIP } from 'node:net';
import fc from 'fast-check';
import { formatIPv6, parseIPv4, parseIPv6 } from '../src/core/display.js';
import { formatPrefix, parseFamily, parsePrefix, prefixTest } from '../src/route/inet.js';
import { NameTable, parseNameFile, routeProtocols, routeScopes, routeTables } from '../src/route/names.js';
import { description as rtLink } from '../src/ynl/families/rt-link.js';
import { opCall } from '../src/ynl/op-call.js';
import { ip, ipJson, needRoot, withNetns } from './helpers/netns.js';

describe('iproute2 names', () => {
  test('built-in names and numbers both ways', () => {
    assert.equal(routeTables().value('main'), 254);
    assert.equal(routeTables().value('1000'), 1000);
    assert.equal(routeTables().value(0x100), 256);
    assert.equal(routeTables().name(255), 'local');
    assert.equal(routeTables().name(1000), '1000');
    assert.equal(routeProtocols().name(4), 'static');
    assert.equal(routeProtocols().value('bird'), 12);
    assert.equal(routeScopes().name(253), 'link');
  });

  test('files: comments, hex, later lines win, junk skipped', () => {
    const t = new NameTable('rt_tables', parseNameFile('# c\n0x10 vpn # trailing\n\n200 a\nbad line\n200 b\n'));
    assert.equal(t.value('vpn'), 16);
    assert.equal(t.name(200), 'b');
    assert.equal(t.value('a'), 200);
  });

  test('bad values are typed errors naming the option', () => {
    assert.throws(() => routeTables().value('nosuch'), (e: unknown) => e instanceof NetlinkArgumentError && /"table" option.*names: .*main/.test(e.message));
    assert.throws(() => routeProtocols().value(256), (e: unknown) => e instanceof NetlinkArgumentError && e.code === 'ERR_OUT_OF_RANGE');
    assert.throws(() => routeScopes().value(-1, 'scope'), NetlinkArgumentError);
    assert.throws(() => routeTables().value(1.5), NetlinkArgumentError);
  });
});

describe('prefixes', () => {
  test('parse', () => {
    assert.deepEqual(parsePrefix('10.0.0.0/24'), { family: 2, address: '10.0.0.0', len: 24 });
    assert.deepEqual(parsePrefix('10.0.0.1'), { family: 2, address: '10.0.0.1', len: 32 });
    assert.deepEqual(parsePrefix('2001:db8::/32'), { family: 10, address: '2001:db8::', len: 32 });
    assert.deepEqual(parsePrefix('default', 'dst', 10), { family: 10, address: '', len: 0 });
    for (const bad of ['10.0.0.0/33', '10.0.0/8', 'x', '::/129', '10.0.0.0/', '10.0.0.0/-1', '10.0.0.0/1e1'])
      assert.throws(() => parsePrefix(bad), NetlinkArgumentError, bad);
    assert.throws(() => parsePrefix(5 as unknown as string), (e: unknown) => e instanceof NetlinkArgumentError && e.code === 'ERR_INVALID_ARG_TYPE');
    assert.throws(() => parsePrefix('::1', 'dst', 2), /IPv4 prefix/);
  });

  test('an address inside a prefix, as node:net\'s BlockList says (any prefix, near it or not, either family)', () => {
    const v4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((a) => a.join('.'));
    // zero groups often, so that '::' spellings come up
    const v6 = fc.array(fc.oneof(fc.constant(0), fc.nat(0xffff)), { minLength: 8, maxLength: 8 }).map((a) => a.map((x) => x.toString(16)).join(':'));
    const bytesOf = (a: string) => (a.includes(':') ? parseIPv6(a)! : parseIPv4(a)!);
    const textOf = (b: Buffer) => (b.length === 4 ? [...b].join('.') : formatIPv6(b));
    // an address, a prefix length for it, and what is tested: the address itself, the address
    // with one bit flipped near the prefix's end (inside or just outside), or another address
    const cases = fc.oneof(v4, v6).chain((a) => fc.record({
      a: fc.constant(a), len: fc.integer({ min: 0, max: a.includes(':') ? 128 : 32 }), flip: fc.integer({ min: -2, max: 2 }),
      other: fc.oneof(v4, v6), pick: fc.nat(2), compressed: fc.boolean(),
    }));
    fc.assert(fc.property(cases, ({ a, len, flip, other, pick, compressed }) => {
      const bits = bytesOf(a);
      const flipped = Buffer.from(bits), k = Math.min(bits.length * 8 - 1, Math.max(0, len + flip));
      flipped[k >> 3] ^= 0x80 >> (k & 7);
      // the tested address as decoders write it (canonical text); the prefix as a user may spell it
      const have = pick === 0 ? textOf(bits) : pick === 1 ? textOf(flipped) : textOf(bytesOf(other));
      const pre = `${compressed ? textOf(bits) : a}/${len}`;
      const p = parsePrefix(pre, 'to');
      const type = p.family === 2 ? 'ipv4' : 'ipv6';
      const block = new BlockList();
      block.addSubnet(p.address, p.len, type);
      const want = isIP(have) === (type === 'ipv4' ? 4 : 6) && block.check(have, type);
      assert.equal(prefixTest(p)(have), want, `${have} in ${pre}`);
    }), { numRuns: 3000 });
    // 'default' (address ''): every address of its family, none of the other
    assert.equal(prefixTest(parsePrefix('default'))('192.0.2.1'), true);
    assert.equal(prefixTest(parsePrefix('default'))('2001:db8::1'), false);
    assert.equal(prefixTest(parsePrefix('default', 'to', 10))('2001:db8::1'), true);
    // one IPv6 address: any spelling of it is the same address, compared as the decoders write it
    assert.equal(prefixTest(parsePrefix('2001:0db8:0:0::1'))('2001:db8::1'), true);
    // a zone is a socket address's, not a prefix: a typed error, as ip refuses it
    for (const zoned of ['fe80::1%eth0', 'fe80::%eth0/64'])
      assert.throws(() => parsePrefix(zoned, 'to'), (e: unknown) => e instanceof NetlinkArgumentError, zoned);
  });

  test('format as ip prints', () => {
    assert.equal(formatPrefix('10.0.0.0', 24, 2), '10.0.0.0/24');
    assert.equal(formatPrefix('10.0.0.1', 32, 2), '10.0.0.1');
    assert.equal(formatPrefix(undefined, 0, 2), 'default');
    assert.equal(formatPrefix('::', 0, 10), 'default');
    assert.equal(formatPrefix('fe80::', 64, 10), 'fe80::/64');
    assert.equal(parseFamily('inet6'), 10);
    assert.throws(() => parseFamily('ipx'), NetlinkArgumentError);
  });
});

describe('context and binder', () => {
  /** A tiny module: the ifindex of a link by name, and the names of all links. */
  const make = (ctx: RouteContext) => bindOps(ctx, {
    index: (scope, name: string) => opCall(rtLink, 'getlink', 'dump', {}, { result: () => scope.ifindex(name) }),
    names: (_scope, _arg: undefined) => opCall(rtLink, 'getlink', 'dump', {}, { result: (r) => r.map((l) => l.ifname) }),
    chained: (_scope, name: string): Step<string | undefined> => ({
      first: opCall(rtLink, 'getlink', 'do', { ifname: name }, { ack: false }),
      then: (r: { ifiIndex: number }[], scope) => ({ value: scope.ifname(r[0].ifiIndex) }),
    }),
  });

  test('names resolve in the call\'s namespace, Sync and async, with typed errors', async (t) => {
    if (!needRoot(t)) return;
    await withNetns(async (ns) => {
      ip(ns, 'link', 'add', 'nlk0', 'type', 'veth', 'peer', 'name', 'nlk1');
      const ctx = new RouteContext();               // the root namespace: nlk0 is not there
      const m = make(ctx);
      try {
        const idx = await m.index('nlk0', { netns: ns });
        assert.equal(m.indexSync('nlk0', { netns: ns }), idx);
        assert.deepEqual(m.namesSync(undefined, { netns: ns }).sort(), ['lo', 'nlk0', 'nlk1']);
        assert.equal(await m.chained('nlk1', { netns: ns }), 'nlk1');
        await assert.rejects(m.index('nlk9', { netns: ns }), (e: unknown) => (e as NetlinkError).code === 'ENODEV' && /Cannot find device "nlk9"/.test((e as Error).message));
        await assert.rejects(m.index('a/b', { netns: ns }), NetlinkArgumentError);
        await assert.rejects(m.index('lo', { netns: ns, bogus: 1 } as never), /no option 'bogus'/);
        assert.throws(() => m.indexSync('lo', 5 as never), NetlinkArgumentError);
        const kernelError = await m.chained('nlk9', { netns: ns }).catch((e: unknown) => e);
        assert.ok(kernelError instanceof NetlinkError && kernelError.code === 'ENODEV');
      } finally {
        ctx.close();
      }
    });
  });

  test('a name resolves with one getlink per call, alternative names too; a missing name is asked for once per call', async (t) => {
    if (!needRoot(t)) return;
    await withNetns(async (ns) => {
      ip(ns, 'link', 'add', 'nlk0', 'type', 'veth', 'peer', 'name', 'nlk1');
      ip(ns, 'link', 'property', 'add', 'dev', 'nlk0', 'altname', 'nlkalt');
      const want = ipJson<{ ifindex: number }[]>(ns, 'link', 'show', 'nlk0')[0].ifindex;
      const ctx = new RouteContext({ netns: ns });
      try {
        const scope = ctx.scope();
        let asked = 0;
        const runSync = ctx.conn.runSync.bind(ctx.conn);
        ctx.conn.runSync = ((call: never) => (asked++, runSync(call))) as typeof ctx.conn.runSync;
        assert.equal(scope.ifindex('nlk0'), want);
        assert.equal(scope.ifindex('nlkalt'), want);
        assert.equal(scope.ifindex('lo'), 1);
        assert.equal(scope.ifindex('nlk0'), want);
        assert.equal(asked, 3);
        // a bulk call naming a missing device per item asks the kernel once; each use fails with its option
        for (const option of ['dev', 'nexthops[1].dev'])
          assert.throws(() => scope.ifindex('nlk9', option), (e: unknown) => e instanceof NetlinkSystemError && e.code === 'ENODEV' && e.message.includes(`Cannot find device "nlk9" (${option})`));
        assert.equal(asked, 4);
        assert.throws(() => scope.ifindex('lo:1', 'oif'), (e: unknown) => e instanceof NetlinkSystemError && e.code === 'ENODEV' && /Cannot find device "lo:1" \(oif\)/.test(e.message));
      } finally {
        ctx.close();
      }
    });
  });

  test('calls run on the handle\'s namespace by default', async (t) => {
    if (!needRoot(t)) return;
    await withNetns(async (ns) => {
      const ctx = new RouteContext({ netns: ns });
      try {
        assert.deepEqual(await make(ctx).names(), ['lo']);
        assert.equal(ctx.conn, ctx.conn);
        assert.equal(RTM_GETLINK, 18);
      } finally {
        ctx.close();
      }
    });
  });
});
