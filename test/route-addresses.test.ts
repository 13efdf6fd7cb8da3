// nlkit/route addresses against the kernel, in throwaway namespaces: what nlkit adds,
// `ip -j addr` shows with the same values, and what `ip` adds, nlkit lists the same; IPv4
// and IPv6, lifetimes, flags, labels, peers, flush, a bulk of 1,000 with bad items reported
// at their index, and errors with the kernel's text and the caller's option.
import assert from 'node:assert/strict';
import { describe, test, type TestContext } from 'node:test';
import { NetlinkArgumentError, NetlinkError } from '../src/core/errors.js';
import { openRoute, type Address, type RouteHandle } from '../src/route/index.js';
import { ip, ipJson } from './helpers/netns.js';
import { VETH_UP, withRoute } from './helpers/route-ns.js';

interface IpAddrInfo { family: string; local: string; prefixlen: number; valid_life_time: number; preferred_life_time: number; [k: string]: unknown }

/** `ip -j addr show ...`'s addr_info entries. */
function ipAddrs(ns: string, ...args: string[]): IpAddrInfo[] {
  return ipJson<{ addr_info: IpAddrInfo[] }[]>(ns, 'addr', 'show', ...args).flatMap((l) => l.addr_info ?? [])
    .filter((a) => a.family !== undefined); // ip -j prints {} for an address its filter leaves out
}

const FOREVER = 4294967295;

/** An nlkit Address in ip -j's addr_info words (what the CLI will print). */
function asIp(a: Address): IpAddrInfo {
  const o: IpAddrInfo = { family: a.family, local: a.local, prefixlen: a.prefixlen, valid_life_time: 0, preferred_life_time: 0 };
  if (a.peer !== undefined) o.address = a.peer;
  if (a.broadcast !== undefined) o.broadcast = a.broadcast;
  if (a.metric !== undefined) o.metric = a.metric;
  o.scope = a.scope;
  for (const f of a.flags) o[f] = true;
  if (a.label !== undefined) o.label = a.label;
  o.valid_life_time = a.validLft === 'forever' ? FOREVER : a.validLft;
  o.preferred_life_time = a.preferredLft === 'forever' ? FOREVER : a.preferredLft;
  return o;
}

/** Lifetimes count down between the two reads: equal within 2 s. */
function sameAddrs(got: IpAddrInfo[], want: IpAddrInfo[]): void {
  const key = (x: IpAddrInfo) => `${x.family} ${x.local}/${x.prefixlen}`;
  const norm = (xs: IpAddrInfo[]) => [...xs].sort((a, b) => key(a).localeCompare(key(b)));
  const g = norm(got), w = norm(want);
  assert.deepEqual(g.map(key), w.map(key));
  g.forEach((x, i) => {
    for (const k of ['valid_life_time', 'preferred_life_time'] as const)
      assert.ok(Math.abs(x[k] - w[i][k]) <= 2, `${key(x)} ${k}: ${x[k]} vs ${w[i][k]}`);
    assert.deepEqual({ ...x, valid_life_time: 0, preferred_life_time: 0 }, { ...w[i], valid_life_time: 0, preferred_life_time: 0 });
  });
}

/** A namespace with a veth pair v0/v1 (up) and a handle in it. */
const withVeth = (t: TestContext, fn: (rt: RouteHandle, ns: string) => unknown) => withRoute(t, VETH_UP, fn);

describe('addresses: nlkit adds, ip -j shows the same', () => {
  test('IPv4: broadcast +, label, lifetimes, metric, a peer, a loopback address (host scope)', (t) => withVeth(t, async (rt, ns) => {
    await rt.addresses.add({ address: '10.9.0.1/24', dev: 'v0', broadcast: '+', label: 'v0:web', validLft: 300, preferredLft: 100, metric: 55 });
    rt.addresses.addSync({ address: '10.1.0.1', peer: '10.1.0.2/32', dev: 'v0' });
    rt.addresses.addSync({ address: '192.168.7.1/30', dev: 'v0', broadcast: '-' });
    await rt.addresses.add({ address: '127.0.0.2/8', dev: 'lo' });
    const mine = rt.addresses.listSync({ dev: 'v0', family: 'inet' });
    sameAddrs(mine.map(asIp), ipAddrs(ns, 'dev', 'v0').filter((x) => x.family === 'inet'));
    const a = mine.find((x) => x.local === '10.9.0.1');
    assert.deepEqual(a && { ...a, validLft: 0, preferredLft: 0 }, {
      family: 'inet', ifindex: a?.ifindex, ifname: 'v0', local: '10.9.0.1', prefixlen: 24, address: '10.9.0.1/24', scope: 'global',
      flags: ['dynamic'], validLft: 0, preferredLft: 0, broadcast: '10.9.0.255', label: 'v0:web', metric: 55,
    });
    assert.ok(typeof a?.validLft === 'number' && a.validLft > 290 && a.validLft <= 300);
    assert.equal(mine.find((x) => x.local === '10.1.0.1')?.peer, '10.1.0.2');
    assert.equal(mine.find((x) => x.local === '192.168.7.1')?.broadcast, '192.168.7.0');
    const lo = rt.addresses.listSync({ dev: 'lo', to: '127.0.0.2' });
    assert.equal(lo.length, 1);
    assert.equal(lo[0].scope, 'host');
    sameAddrs(lo.map(asIp), ipAddrs(ns, 'dev', 'lo', 'to', '127.0.0.2'));
  }));

  test('IPv6: nodad, home, and flags above bit 7 (mngtmpaddr, noprefixroute) through IFA_FLAGS; lifetimes', (t) => withVeth(t, async (rt, ns) => {
    await rt.addresses.add({ address: '2001:db8::1/64', dev: 'v0', flags: ['nodad', 'noprefixroute', 'mngtmpaddr'] });
    await rt.addresses.add({ address: '2001:db8:1::1/64', dev: 'v0', flags: 'nodad', validLft: 600, preferredLft: 'forever' }).then(
      () => assert.fail('preferred forever > valid 600 must be refused'), (e) => assert.equal((e as NetlinkArgumentError).argument, 'preferredLft'));
    await rt.addresses.add({ address: '2001:db8:1::1/64', dev: 'v0', flags: ['nodad', 'home'], validLft: 600, preferredLft: 500 });
    const mine = rt.addresses.listSync({ dev: 'v0', family: 6, scope: 'global' });
    const ipSide = ipAddrs(ns, 'dev', 'v0', 'scope', 'global');
    sameAddrs(mine.map(asIp), ipSide);
    assert.deepEqual(mine.find((x) => x.local === '2001:db8::1')?.flags, ['nodad', 'mngtmpaddr', 'noprefixroute']);
    assert.deepEqual(mine.find((x) => x.local === '2001:db8:1::1')?.flags, ['nodad', 'home', 'dynamic']);
    // noprefixroute: no route for 2001:db8::/64 was made
    assert.equal(ipJson<unknown[]>(ns, '-6', 'route', 'show', '2001:db8::/64').length, 0);
  }));

  test('replace: changes an existing address (lifetime, metric); add without it is EEXIST with the kernel\'s text', (t) => withVeth(t, async (rt, ns) => {
    rt.addresses.addSync({ address: '10.2.0.1/24', dev: 'v0' });
    assert.throws(() => rt.addresses.addSync({ address: '10.2.0.1/24', dev: 'v0' }),
      (e: unknown) => e instanceof NetlinkError && e.code === 'EEXIST' && /Address already assigned/.test(e.message));
    await rt.addresses.replace({ address: '10.2.0.1/24', dev: 'v0', validLft: 1000, preferredLft: 900, metric: 7 });
    const [info] = ipAddrs(ns, 'dev', 'v0', 'to', '10.2.0.1');
    assert.ok(info.valid_life_time <= 1000 && info.valid_life_time > 990);
    assert.equal(info.metric, 7);
    rt.addresses.addSync({ address: '10.2.0.1/24', dev: 'v0', replace: true, validLft: 'forever' });
    assert.equal(ipAddrs(ns, 'dev', 'v0', 'to', '10.2.0.1')[0].valid_life_time, FOREVER);
  }));
});

describe('addresses: ip adds, nlkit lists the same', () => {
  test('IPv4 and IPv6 with every option ip has', (t) => withVeth(t, async (rt, ns) => {
    ip(ns, 'addr', 'add', '10.0.0.1/24', 'brd', '+', 'dev', 'v0', 'label', 'v0:x', 'valid_lft', '100', 'preferred_lft', '50');
    ip(ns, 'addr', 'add', '10.0.0.2/24', 'dev', 'v0'); // secondary
    ip(ns, 'addr', 'add', '10.3.0.1', 'peer', '10.3.0.0/24', 'dev', 'v0', 'scope', 'link', 'metric', '20');
    ip(ns, 'addr', 'add', '2001:db8::5/64', 'dev', 'v0', 'nodad', 'noprefixroute', 'valid_lft', '1000', 'preferred_lft', '0');
    ip(ns, 'addr', 'add', 'fd00::1/64', 'dev', 'v1', 'nodad', 'mngtmpaddr');
    sameAddrs((await rt.addresses.list()).map(asIp), ipAddrs(ns));
    const v0 = rt.addresses.listSync({ dev: 'v0', family: 4 });
    assert.deepEqual(v0.find((a) => a.local === '10.0.0.2')?.flags, ['secondary']);
    assert.deepEqual(rt.addresses.listSync({ flags: ['secondary'] }).map((a) => a.address), ['10.0.0.2/24']);
    assert.deepEqual(rt.addresses.listSync({ family: 4, flags: ['primary'], dev: 'v0' }).map((a) => a.address).sort(), ['10.0.0.1/24', '10.3.0.1/24']);
    assert.deepEqual(rt.addresses.listSync({ label: 'v0:*' }).map((a) => a.address), ['10.0.0.1/24']);
    assert.deepEqual(rt.addresses.listSync({ scope: 'link', family: 'inet' }).map((a) => [a.address, a.peer, a.metric]), [['10.3.0.1/24', '10.3.0.0', 20]]);
    const dep = rt.addresses.listSync({ to: '2001:db8::/32' });
    assert.deepEqual(dep.map((a) => [a.flags, a.preferredLft]), [[['nodad', 'deprecated', 'dynamic', 'noprefixroute'], 0]]);
  }));

  test('the {netns} option runs one call in another namespace', (t) => withVeth(t, async (rt, ns) => {
    ip(ns, 'addr', 'add', '10.4.0.1/24', 'dev', 'v0');
    const other = openRoute();
    try {
      const found = other.addresses.listSync({ to: '10.4.0.0/24' }, { netns: ns });
      assert.deepEqual(found.map((a) => [a.address, a.ifname]), [['10.4.0.1/24', 'v0']]);
    } finally {
      other.close();
    }
    void rt;
  }));
});

describe('addresses: delete and flush', () => {
  test('delete by address and length, without a length (IPv4: any), by label, IPv6; gone from ip -j', (t) => withVeth(t, async (rt, ns) => {
    for (const a of ['10.0.0.1/24', '10.0.1.1/16', '2001:db8::1/64']) ip(ns, 'addr', 'add', a, 'dev', 'v0', ...(a.includes(':') ? ['nodad'] : []));
    ip(ns, 'addr', 'add', '10.0.2.1/24', 'dev', 'v0', 'label', 'v0:2');
    await rt.addresses.delete({ address: '10.0.0.1/24', dev: 'v0' });
    rt.addresses.deleteSync({ address: '10.0.1.1', dev: 'v0' });
    await rt.addresses.delete({ address: '2001:db8::1/64', dev: 'v0' });
    assert.throws(() => rt.addresses.deleteSync({ address: '10.0.2.1/24', dev: 'v0', label: 'v0:9' }), (e: unknown) => e instanceof NetlinkError && e.code === 'EADDRNOTAVAIL');
    rt.addresses.deleteSync({ address: '10.0.2.1/24', dev: 'v0', label: 'v0:2' });
    assert.deepEqual(ipAddrs(ns, 'dev', 'v0', 'scope', 'global'), []);
  }));

  test('flush: secondaries with their primaries, by label, by family; ip shows what is left', (t) => withVeth(t, async (rt, ns) => {
    for (let i = 1; i <= 5; i++) ip(ns, 'addr', 'add', `10.0.0.${i}/24`, 'dev', 'v0');
    ip(ns, 'addr', 'add', '10.8.0.1/24', 'dev', 'v0', 'label', 'v0:keep');
    ip(ns, 'addr', 'add', '2001:db8::1/64', 'dev', 'v0', 'nodad');
    ip(ns, 'addr', 'add', '10.0.0.1/24', 'dev', 'v1');
    const r = await rt.addresses.flush({ dev: 'v0', family: 'inet', to: '10.0.0.0/16' });
    assert.deepEqual(r, { ok: true, done: 5, failures: [] });
    assert.deepEqual(ipAddrs(ns, 'dev', 'v0', 'scope', 'global').map((a) => a.local), ['10.8.0.1', '2001:db8::1']);
    assert.deepEqual(rt.addresses.flushSync({ label: 'v0:keep' }), { ok: true, done: 1, failures: [] });
    assert.deepEqual(rt.addresses.flushSync({ dev: 'v0', family: 6, scope: 'global' }).done, 1);
    assert.deepEqual(ipAddrs(ns, 'dev', 'v0', 'scope', 'global'), []);
    assert.deepEqual(ipAddrs(ns, 'dev', 'v1', 'scope', 'global').map((a) => a.local), ['10.0.0.1']);
    assert.deepEqual(rt.addresses.flushSync({ dev: 'v0', family: 4 }), { ok: true, done: 0, failures: [] });
    assert.throws(() => rt.addresses.flushSync(undefined as never), (e: unknown) => e instanceof NetlinkArgumentError && e.argument === 'filter');
  }));
});

describe('addresses: bulk', () => {
  test('1,000 addresses in one transaction; a duplicate, a bad lifetime and a bad value each at their index', (t) => withVeth(t, async (rt, ns) => {
    const specs = Array.from({ length: 1000 }, (_, i) => ({ address: `10.${50 + (i >> 8)}.${i & 255}.1/32`, dev: 'v0' as string | number, validLft: undefined as number | undefined }));
    specs[613] = { address: '10.50.0.1/32', dev: 'v0', validLft: undefined }; // the same as item 0
    specs[700] = { address: '10.99.0.1/32', dev: 'v0', validLft: 0 }; // the kernel refuses a zero lifetime
    specs[999] = { address: '10.99.9.1/33', dev: 'v0', validLft: undefined }; // refused before sending
    const r = await rt.addresses.add(specs);
    assert.equal(r.ok, false);
    assert.equal(r.done, 997);
    assert.deepEqual(r.failures.map((f) => f.index), [613, 700, 999]);
    const [dup, lft, bad] = r.failures.map((f) => f.error);
    assert.ok(dup instanceof NetlinkError && dup.code === 'EEXIST' && /Address already assigned/.test(dup.extackMessage ?? ''), dup.message);
    assert.ok(lft instanceof NetlinkError && lft.code === 'EINVAL' && /lifetime/.test(lft.extackMessage ?? ''), lft.message);
    assert.ok(bad instanceof NetlinkArgumentError && bad.argument === 'address', bad.message);
    assert.equal(ipAddrs(ns, 'dev', 'v0', 'scope', 'global').length, 997);
    // bulk delete: the same list, with one that is not there
    const keys = specs.slice(0, 10).map((s) => ({ address: s.address, dev: s.dev }));
    keys.push({ address: '10.77.0.1/32', dev: 'v0' });
    const d = rt.addresses.deleteSync(keys);
    assert.deepEqual([d.done, d.failures.map((f) => [f.index, (f.error as NetlinkError).code])], [10, [[10, 'EADDRNOTAVAIL']]]);
    assert.equal(ipAddrs(ns, 'dev', 'v0', 'scope', 'global').length, 987);
  }));
});

describe('addresses: errors', () => {
  test('bad values name the caller\'s option; an unknown link names dev; the kernel\'s text otherwise', (t) => withVeth(t, async (rt) => {
    const arg = (fn: () => unknown, option: string, re: RegExp) =>
      assert.throws(fn, (e: unknown) => e instanceof NetlinkArgumentError && e.argument === option && re.test(e.message), option);
    arg(() => rt.addresses.addSync({ address: '10.0.0.300/24', dev: 'v0' }), 'address', /IPv4 or IPv6/);
    arg(() => rt.addresses.addSync({ address: '10.0.0.1/24', dev: 'v0', flags: ['permanent' as never] }), 'flags', /nodad/);
    arg(() => rt.addresses.addSync({ address: '10.0.0.1/24', dev: 'v0', validLft: -1 }), 'validLft', /0\.\.4294967295/);
    arg(() => rt.addresses.addSync({ address: '10.0.0.1/24', dev: 'v0', scope: 'galaxy' }), 'scope', /global/);
    arg(() => rt.addresses.addSync({ address: '2001:db8::1/64', dev: 'v0', broadcast: '+' }), 'broadcast', /IPv4/);
    arg(() => rt.addresses.addSync({ address: '10.0.0.1/24', dev: 'v0', peer: '2001:db8::1' }), 'peer', /IPv4/);
    arg(() => rt.addresses.addSync({ address: '10.0.0.1/24', dev: 'v0', mtu: 1 } as never), 'mtu', /not an option/);
    arg(() => rt.addresses.addSync({ dev: 'v0' } as never), 'address', /required/);
    await assert.rejects(rt.addresses.add({ address: '10.0.0.1/24', dev: 'nosuch0' }), (e: unknown) => (e as NetlinkError).code === 'ENODEV' && /Cannot find device "nosuch0" \(dev\)/.test((e as Error).message));
    // the kernel's own checks come back with its ext-ack text
    assert.throws(() => rt.addresses.addSync({ address: '10.0.0.1/24', dev: 'v0', validLft: 0 }),
      (e: unknown) => e instanceof NetlinkError && e.code === 'EINVAL' && e.extackMessage === 'ipv4: address lifetime invalid', 'validLft 0');
    assert.throws(() => rt.addresses.addSync({ address: '2001:db8::7/48', dev: 'v0', flags: ['mngtmpaddr'] }),
      (e: unknown) => e instanceof NetlinkError && e.code === 'EINVAL' && /mngtmpaddr.*64/.test(e.extackMessage ?? ''), 'mngtmpaddr');
    await assert.rejects(rt.addresses.delete({ address: '10.0.0.99/24', dev: 'v0' }), (e: unknown) => (e as NetlinkError).code === 'EADDRNOTAVAIL');
  }));
});
