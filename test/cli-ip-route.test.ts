// `nlkit route`, `nlkit rule` and `nlkit nexthop` against `ip` on the same throwaway
// namespace: -j output byte for byte (so deep-equal too, duplicate keys and order included),
// -j -p and plain text equal, what nlkit writes read back with `ip -j`, errors with ip's text
// and exit status. Documented exceptions (each applied where it matters, with its reason):
// - `ip route get` of a local/broadcast address prints the clone's RTCF_* bits under `cache`;
//   the domain's Route has no such bits, so nlkit prints `local` for a local route only and
//   the test asks for unicast and local lookups.
// - `ip nexthop bucket`: `idle_time` counts up between the two reads (dropped on both sides);
//   a bucket's `flags` are always [] in nlkit (the domain bucket has none; ip prints the
//   kernel's, [] unless offloaded).
// - routes with `expires` count down between two reads: none are listed in these tests.
// - `ip route change` is NLM_F_REPLACE alone; nlkit's change goes through the domain's
//   replace (CREATE|REPLACE), so it also creates a missing route: not compared.
import assert from 'node:assert/strict';
import { writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test, type TestContext } from 'node:test';
import { nlkit } from './helpers/cli-run.js';
import { inSetupNetns, ipRun, VETH_V0, quietNetns } from './helpers/cli-ip.js';
import { ip, ipJson } from './helpers/netns.js';
import { openRoute } from '../src/route/index.js';

const SETUP: string[][] = [
  ...VETH_V0,
  ['route', 'add', '10.40.0.0/24', 'via', '10.1.0.2', 'metric', '5', 'mtu', 'lock', '1400', 'advmss', '1300', 'initcwnd', '10', 'table', '1000', 'src', '10.1.0.1'],
  ['route', 'add', '10.41.0.0/24', 'nexthop', 'via', '10.1.0.2', 'weight', '2', 'nexthop', 'via', '10.1.0.3', 'dev', 'v0'],
  ['route', 'add', 'blackhole', '10.42.0.0/24', 'table', '200'],
  ['route', 'add', 'unreachable', '10.43.0.0/24'],
  ['route', 'add', 'prohibit', '10.47.0.0/24', 'proto', 'static'],
  ['route', 'add', '10.44.0.0/24', 'via', 'inet6', '2001:db8:1::2', 'dev', 'v0'],
  ['nexthop', 'add', 'id', '10', 'via', '10.1.0.2', 'dev', 'v0'],
  ['nexthop', 'add', 'id', '11', 'via', '10.1.0.3', 'dev', 'v0', 'onlink'],
  ['nexthop', 'add', 'id', '12', 'blackhole'],
  ['nexthop', 'add', 'id', '13', 'via', '2001:db8:1::2', 'dev', 'v0'],
  ['nexthop', 'add', 'id', '14', 'dev', 'v0', 'proto', 'static'],
  ['nexthop', 'add', 'id', '20', 'group', '10/11,3'],
  ['nexthop', 'add', 'id', '21', 'group', '10/11', 'type', 'resilient', 'buckets', '8', 'idle_timer', '60'],
  ['route', 'add', '10.45.0.0/24', 'nhid', '10'],
  ['route', 'add', '10.48.0.0/24', 'nhid', '20'],
  ['route', 'add', '10.46.0.0/24', 'encap', 'ip', 'id', '5', 'dst', '10.9.9.9', 'ttl', '3', 'dev', 'v0'],
  ['route', 'add', '10.49.0.0/24', 'dev', 'v0', 'metric', '7', 'window', '1000', 'hoplimit', '9', 'features', 'ecn', 'rto_min', '50ms', 'quickack', '1', 'congctl', 'cubic'],
  ['route', 'add', '2001:db8:5::/64', 'via', '2001:db8:1::2', 'pref', 'high'],
  ['route', 'add', '2001:db8:7::/64', 'dev', 'v0', 'metric', '10', 'table', 'local'],
  ['route', 'add', '2001:db8:8::/64', 'nexthop', 'via', '2001:db8:1::2', 'dev', 'v0', 'nexthop', 'via', '2001:db8:1::3', 'dev', 'v0'],
  ['rule', 'add', 'from', '10.0.0.0/8', 'to', '10.9.0.1', 'table', '1000', 'pref', '100'],
  ['rule', 'add', 'not', 'fwmark', '0x10/0xff', 'iif', 'v0', 'lookup', '200', 'pref', '101'],
  ['rule', 'add', 'ipproto', 'tcp', 'dport', '80-90', 'sport', '22', 'uidrange', '100-200', 'goto', '100', 'pref', '50', 'proto', 'static'],
  ['rule', 'add', 'oif', 'v1', 'blackhole', 'pref', '102'],
  ['rule', 'add', 'table', 'main', 'suppress_prefixlength', '0', 'pref', '103'],
  ['rule', 'add', 'fwmark', '5', 'prohibit'],
  ['rule', 'add', 'l3mdev', 'pref', '104'],
  ['rule', 'add', 'nop', 'pref', '105', 'tos', '0x10'],
  ['-6', 'rule', 'add', 'from', '2001:db8::/32', 'lookup', '300', 'pref', '10'],
];

const quiet = quietNetns;

/** Both print the same bytes and exit the same for these words. */
function sameOutput(ns: string, args: string[], label = args.join(' ')): void {
  const ours = nlkit('-n', ns, ...args);
  const theirs = ipRun('-n', ns, ...args);
  assert.equal(ours.stderr, theirs.stderr.replace(/\bip\b/g, 'nlkit'), `stderr of ${label}`);
  assert.equal(ours.stdout, theirs.stdout, `stdout of ${label}`);
  assert.equal(ours.status, theirs.status, `status of ${label}`);
}

const withSetup = (t: TestContext, fn: (ns: string) => void) => inSetupNetns(t, SETUP, fn, quiet);

describe('nlkit route show: ip -j parity (bytes)', () => {
  test('main, all tables, -d, -6, tables by name and number, selectors; JSON, -p and plain text', (t) => withSetup(t, (ns) => {
    const lists = [
      ['route', 'show'], ['route', 'show', 'table', 'all'], ['route', 'list', 'table', '1000'], ['route', 'show', 'table', 'local'],
      ['-6', 'route', 'show'], ['-6', 'route', 'show', 'table', 'local'], ['route', 'show', 'table', '200'],
      ['route', 'show', 'dev', 'v0'], ['route', 'show', 'proto', 'kernel'], ['route', 'show', 'scope', 'link'], ['route', 'show', 'type', 'unreachable'],
      ['route', 'show', '10.41.0.0/24'], ['route', 'show', 'root', '10.0.0.0/8'], ['route', 'show', 'match', '10.45.0.7'], ['route', 'show', 'exact', '10.45.0.0/24'],
      ['route', 'show', 'table', 'all', 'type', 'blackhole'], ['route', 'show', 'metric', '7'], ['route', 'show', 'via', '10.1.0.2', 'table', '1000'],
      ['-6', 'route', 'show', '2001:db8:8::/64'], ['r'], ['ro', 'sh', 'ta', 'all'],
    ];
    for (const args of lists) {
      for (const opts of [['-j'], ['-j', '-d'], ['-j', '-p'], [], ['-d'], ['-o', '-d']]) sameOutput(ns, [...opts, ...args]);
    }
  }));

  test('seg6 encapsulation, where the kernel has it', (t) => withSetup(t, (ns) => {
    const r = ipRun('-n', ns, '-6', 'route', 'add', '2001:db8:6::/64', 'encap', 'seg6', 'mode', 'encap', 'segs', '2001:db8::1,2001:db8::2', 'dev', 'v0');
    if (r.status !== 0) return t.skip(`no seg6 encapsulation in this kernel: ${r.stderr.trim()}`);
    for (const opts of [['-j'], ['-j', '-d'], []]) sameOutput(ns, [...opts, '-6', 'route', 'show', '2001:db8:6::/64']);
  }));

  test('a fresh namespace: an empty list, as ip', (t) => inSetupNetns(t, [], (ns) => {
    sameOutput(ns, ['-j', 'route', 'show']);
    sameOutput(ns, ['route', 'show']);
  }));
});

describe('nlkit route get: ip parity', () => {
  test('unicast, multipath, local, fibmatch, IPv6, from/iif/oif/mark', (t) => withSetup(t, (ns) => {
    const gets = [
      ['10.41.0.7'], ['10.45.0.9'], ['10.1.0.1'], ['fibmatch', '10.41.0.7'], ['fibmatch', '10.49.0.1'], ['10.49.0.1', 'mark', '5'],
      ['10.1.0.9', 'from', '10.1.0.1'], ['10.1.0.9', 'oif', 'v0'], ['2001:db8:5::1'], ['fibmatch', '2001:db8:5::1'],
    ];
    for (const g of gets) for (const opts of [['-j'], []]) sameOutput(ns, [...opts, 'route', 'get', ...g]);
    // the domain's get names the table the lookup matched in (RTM_F_LOOKUP_TABLE), as ip shows it
    const rt = openRoute({ netns: ns });
    try {
      assert.equal(rt.routes.getSync('10.1.0.1').table, 'local');
      assert.equal(rt.routes.getSync('10.41.0.7').table, 'main');
    } finally {
      rt.close();
    }
    // a refused lookup: the kernel's words, ip's status
    sameOutput(ns, ['route', 'get', '10.40.0.7']);
  }));
});

describe('nlkit rule and nlkit nexthop show: ip parity', () => {
  test('rules: IPv4 and IPv6, -d, selectors; nexthops: -d, id, groups, -6, buckets', (t) => withSetup(t, (ns) => {
    const lists = [
      ['rule'], ['rule', 'show'], ['-6', 'rule', 'list'], ['rule', 'show', 'pref', '100'], ['rule', 'show', 'table', 'main'], ['rule', 'show', 'iif', 'v0'],
      ['nexthop'], ['nexthop', 'show', 'id', '21'], ['nexthop', 'show', 'groups'], ['-6', 'nexthop', 'show'], ['nexthop', 'show', 'dev', 'v0'], ['nexthop', 'get', 'id', '11'],
    ];
    for (const args of lists) for (const opts of [['-j'], ['-j', '-d'], ['-j', '-p'], [], ['-d']]) sameOutput(ns, [...opts, ...args]);
    // buckets: idle_time counts up between the reads (see the header)
    type Bucket = { id: number; bucket: Record<string, unknown>; flags: unknown[] };
    const strip = (list: Bucket[]) => list.map((b) => ({ ...b, bucket: { ...b.bucket, idle_time: 0 } }));
    const ours = JSON.parse(nlkit('-j', '-n', ns, 'nexthop', 'bucket', 'show', 'id', '21').stdout) as Bucket[];
    assert.equal(ours.length, 8);
    assert.deepEqual(strip(ours), strip(ipJson<Bucket[]>(ns, 'nexthop', 'bucket', 'show', 'id', '21')));
  }));
});

describe('nlkit writes, read back with ip -j', () => {
  test('route add/append/replace/del: gateways, types, tables, metrics, multipath, nhid, encap, pref', (t) => withSetup(t, (ns) => {
    const add = (...w: string[]) => assert.equal(nlkit('-n', ns, 'route', ...w).status, 0, w.join(' '));
    add('add', '10.60.0.0/24', 'via', '10.1.0.2', 'metric', '30', 'table', '500', 'proto', 'static', 'mtu', 'lock', '1300', 'advmss', '1200', 'initcwnd', '4', 'src', '10.1.0.1');
    add('add', 'blackhole', '10.61.0.0/24');
    add('add', 'to', 'unreachable', '10.62.0.0/24', 'table', 'local');
    add('add', '10.63.0.0/24', 'nexthop', 'via', '10.1.0.2', 'weight', '3', 'nexthop', 'via', '10.1.0.3', 'dev', 'v0');
    add('add', '10.64.0.0/24', 'nhid', '20');
    add('add', '10.65.0.0/24', 'via', '10.99.0.1', 'dev', 'v0', 'onlink');
    add('add', '10.66.0.0/24', 'encap', 'ip', 'id', '7', 'dst', '10.9.9.8', 'dev', 'v0');
    add('add', '10.67.0.0/24', 'via', 'inet6', '2001:db8:1::2', 'dev', 'v0');
    add('add', '2001:db8:60::/64', 'via', '2001:db8:1::2', 'pref', 'low', 'metric', '20');
    add('append', '10.68.0.0/24', 'via', '10.1.0.2', 'table', '501');
    add('append', '10.68.0.0/24', 'via', '10.1.0.3', 'table', '501');
    add('replace', '10.61.0.0/24', 'dev', 'v0', 'scope', 'link');
    const show = (...w: string[]) => ipJson<Record<string, unknown>[]>(ns, 'route', 'show', ...w);
    assert.deepEqual(show('table', '500'), [{ dst: '10.60.0.0/24', gateway: '10.1.0.2', dev: 'v0', protocol: 'static', prefsrc: '10.1.0.1', metric: 30, flags: [], metrics: [{ mtu: 1300, advmss: 1200, initcwnd: 4 }] }]);
    assert.deepEqual(show('10.61.0.0/24'), [{ dst: '10.61.0.0/24', dev: 'v0', scope: 'link', flags: [] }]);
    assert.deepEqual(show('table', 'local', '10.62.0.0/24'), [{ type: 'unreachable', dst: '10.62.0.0/24', flags: [] }]);
    assert.deepEqual(show('10.63.0.0/24'), [{ dst: '10.63.0.0/24', flags: [], nexthops: [{ gateway: '10.1.0.2', dev: 'v0', weight: 3, flags: [] }, { gateway: '10.1.0.3', dev: 'v0', weight: 1, flags: [] }] }]);
    assert.equal(show('10.64.0.0/24')[0].nhid, 20);
    assert.deepEqual(show('10.65.0.0/24'), [{ dst: '10.65.0.0/24', gateway: '10.99.0.1', dev: 'v0', flags: ['onlink'] }]);
    assert.deepEqual(show('10.66.0.0/24')[0], { dst: '10.9.9.8', encap: 'ip', id: 7, src: '0.0.0.0', ttl: 0, tos: 0, dev: 'v0', scope: 'link', flags: [] });
    assert.deepEqual(show('10.67.0.0/24')[0].via, { family: 'inet6', host: '2001:db8:1::2' });
    assert.deepEqual(ipJson(ns, '-6', 'route', 'show', '2001:db8:60::/64'), [{ dst: '2001:db8:60::/64', gateway: '2001:db8:1::2', dev: 'v0', metric: 20, flags: [], pref: 'low' }]);
    assert.deepEqual(show('table', '501').map((r) => r.gateway), ['10.1.0.2', '10.1.0.3']);
    // del: only what is given narrows the match
    assert.equal(nlkit('-n', ns, 'route', 'del', '10.63.0.0/24').status, 0);
    assert.equal(nlkit('-n', ns, 'route', 'd', '10.68.0.0/24', 'via', '10.1.0.3', 'table', '501').status, 0);
    assert.deepEqual(show('10.63.0.0/24'), []);
    assert.deepEqual(show('table', '501').map((r) => r.gateway), ['10.1.0.2']);
    // flush: a table's routes
    assert.equal(nlkit('-n', ns, 'route', 'flush', 'table', '501').status, 0);
    assert.deepEqual(show('table', '501'), []);
  }));

  test('rule add/del/flush and nexthop add/replace/del/flush', (t) => withSetup(t, (ns) => {
    const run = (...w: string[]) => assert.equal(nlkit('-n', ns, ...w).status, 0, w.join(' '));
    run('rule', 'add', 'from', '192.168.0.0/16', 'iif', 'v1', 'fwmark', '0x20/0xf0', 'lookup', '600', 'pref', '700', 'proto', 'static');
    run('rule', 'add', 'to', '172.16.0.0/12', 'ipproto', 'udp', 'dport', '53', 'unreachable', 'pref', '701');
    run('-6', 'rule', 'add', 'from', '2001:db8:9::/48', 'table', '601', 'pref', '702');
    const rule = (pref: string, six = false) => ipJson<Record<string, unknown>[]>(ns, ...(six ? ['-6'] : []), 'rule', 'show', 'pref', pref);
    assert.deepEqual(rule('700'), [{ priority: 700, src: '192.168.0.0', srclen: 16, fwmark: '0x20', fwmask: '0xf0', iif: 'v1', table: '600', protocol: 'static' }]);
    assert.deepEqual(rule('701'), [{ priority: 701, src: 'all', dst: '172.16.0.0', dstlen: 12, ipproto: 'udp', dport: 53, action: 'unreachable' }]);
    assert.deepEqual(rule('702', true), [{ priority: 702, src: '2001:db8:9::', srclen: 48, table: '601' }]);
    run('rule', 'del', 'pref', '701');
    assert.deepEqual(rule('701'), []);
    run('rule', 'flush', 'table', '600');
    assert.deepEqual(rule('700'), []);

    run('nexthop', 'add', 'id', '30', 'via', '10.1.0.5', 'dev', 'v0', 'proto', 'static');
    run('nexthop', 'add', 'id', '31', 'dev', 'v0');
    run('nexthop', 'add', 'id', '32', 'group', '30,5/31');
    run('nexthop', 'replace', 'id', '31', 'via', '10.1.0.6', 'dev', 'v0');
    const nh = (id: string) => ipJson<Record<string, unknown>[]>(ns, 'nexthop', 'show', 'id', id);
    assert.deepEqual(nh('30'), [{ id: 30, gateway: '10.1.0.5', dev: 'v0', scope: 'link', protocol: 'static', flags: [] }]);
    assert.deepEqual(nh('31'), [{ id: 31, gateway: '10.1.0.6', dev: 'v0', scope: 'link', flags: [] }]);
    assert.deepEqual(nh('32'), [{ id: 32, group: [{ id: 30, weight: 5 }, { id: 31 }], flags: [] }]);
    run('nexthop', 'del', 'id', '32');
    assert.equal(ipRun('-n', ns, 'nexthop', 'show', 'id', '32').status, 2);
    const flushed = nlkit('-n', ns, 'nexthop', 'flush', 'dev', 'v0');
    assert.equal(flushed.status, 0);
    assert.match(flushed.stdout, /^Flushed \d+ nexthops\n$/);
    assert.deepEqual(ipJson(ns, 'nexthop', 'show', 'dev', 'v0'), []);
  }));
});

describe('errors as ip reports them', () => {
  test('text and exit status of refused and malformed commands', (t) => withSetup(t, (ns) => {
    const cases = [
      ['route', 'add', '10.40.0.0/24', 'via', '10.1.0.2', 'table', '1000', 'metric', '5'], // File exists (2)
      ['route', 'add', '10.50.0.0/24', 'via', '10.99.0.2'], // the kernel's ext-ack (2)
      ['route', 'add', 'foo'], // not a prefix (1)
      ['route', 'add', '10.50.0.0/24', 'dev', 'nope'], // no such device (1)
      ['route', 'del', '10.51.0.0/24'], // No such process (2)
      ['route', 'add', '10.50.0.0/24', 'mtu', 'x', 'dev', 'v0'], // invalid argument (255)
      ['route', 'show', 'table', 'foo'], // invalid table (255)
      ['route', 'show', 'table', '4000'], // no such table: the kernel's words (2)
      ['route', 'get', '10.40.0.7'], // unreachable (2)
      ['nexthop', 'add', 'id', '10', 'via', '10.1.0.2', 'dev', 'v0'], // File exists (2)
      ['nexthop', 'del', 'id', '99'], // No such file (2)
      ['rule', 'del', 'pref', '4242'], // No such file (2)
    ];
    for (const c of cases) {
      const ours = nlkit('-n', ns, ...c);
      const theirs = ipRun('-n', ns, ...c);
      // a refused dump: the kernel's text, then "Dump terminated", from both
      assert.equal(ours.stderr, theirs.stderr, c.join(' '));
      assert.equal(ours.status, theirs.status, c.join(' '));
    }
    // no stack traces, a usage error for an unknown command
    const bad = nlkit('-n', ns, 'route', 'frobnicate');
    assert.equal(bad.status, 255);
    assert.match(bad.stderr, /^Command "frobnicate" is unknown, try "nlkit route help"\.\n$/);
  }));
});

describe('nlkit -batch with routes', () => {
  test('consecutive route adds as one transaction under -force, failures by line number', (t) => withSetup(t, (ns) => {
    const file = join(tmpdir(), `nlkit-route-batch-${process.pid}`);
    const lines = [
      'route add 10.70.0.0/24 via 10.1.0.2',
      'route add 10.71.0.0/24 via 10.99.9.9',
      'route add 10.72.0.0/24 dev v0',
      'route add 10.70.0.0/24 via 10.1.0.2',
      'rule add from 10.70.0.0/24 lookup 900 pref 900',
      'route del 10.72.0.0/24',
      'nexthop add id 40 via 10.1.0.2 dev v0',
    ];
    writeFileSync(file, `${lines.join('\n')}\n`);
    try {
      const r = nlkit('-force', '-n', ns, '-batch', file);
      assert.equal(r.status, 1);
      assert.equal(r.stderr, `Error: Nexthop has invalid gateway.\nCommand failed ${file}:2\nRTNETLINK answers: File exists\nCommand failed ${file}:4\n`);
      assert.deepEqual(ipJson<{ dst: string }[]>(ns, 'route', 'show', 'root', '10.70.0.0/15').map((x) => x.dst), ['10.70.0.0/24']);
      assert.equal(ipJson<unknown[]>(ns, 'rule', 'show', 'pref', '900').length, 1);
      assert.equal(ipJson<unknown[]>(ns, 'nexthop', 'show', 'id', '40').length, 1);
      // without -force the batch stops at the first failure
      const stop = nlkit('-n', ns, '-batch', file);
      assert.equal(stop.status, 1);
      assert.equal(stop.stderr, `RTNETLINK answers: File exists\nCommand failed ${file}:1\n`);
    } finally {
      rmSync(file, { force: true });
    }
  }));
});
