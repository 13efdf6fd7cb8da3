// `nlkit route show` selectors beyond table/dev/proto: tos/dsfield, realms, mark, from
// (root/match/exact), vrf, and the route cache (`cache`, `cached`, `table cache`), each
// compared with `ip` byte for byte (-j, plain) on the same throwaway namespace.
// Documented exceptions:
// - a cached route's `expires` counts down between the two reads: compared with it removed.
// - `vrf NAME` is compared on its refusals (a device that is no VRF, none at all); a VRF
//   device's table is compared only where the kernel makes VRF devices.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, test } from 'node:test';
import { nlkit } from './helpers/cli-run.js';
import { inSetupNetns, ipRun, VETH_V0, quietNetns } from './helpers/cli-ip.js';
import { ip, needRoot, withNetns } from './helpers/netns.js';

const SETUP: string[][] = [
  ...VETH_V0,
  ['route', 'add', '10.70.0.0/24', 'dev', 'v0', 'realms', '5'],
  ['route', 'add', '10.71.0.0/24', 'dev', 'v0', 'realms', '3/4'],
  ['route', 'add', '10.72.0.0/24', 'dev', 'v0', 'tos', '0x10'],
  ['route', 'add', '10.73.0.0/24', 'via', '10.1.0.2', 'realms', '7/0'],
];

const quiet = quietNetns;

/** Both print the same bytes and exit the same; `clean` drops what legitimately differs. */
function same(ns: string, args: string[], clean = (s: string) => s): void {
  const ours = nlkit('-n', ns, ...args);
  const theirs = ipRun('-n', ns, ...args);
  const label = args.join(' ');
  assert.equal(clean(ours.stdout), clean(theirs.stdout), `stdout of ${label}`);
  assert.equal(ours.stderr, theirs.stderr, `stderr of ${label}`);
  assert.equal(ours.status, theirs.status, `status of ${label}`);
}

describe('nlkit route show: more selectors', () => {
  test('tos/dsfield, realms, mark, vrf refusals: as ip', (t) => inSetupNetns(t, SETUP, (ns) => {
    const sels = [
      [], ['tos', '0x10'], ['tos', '10'], ['dsfield', '16'], ['ds', '0x10'], ['realms', '5'], ['realms', '3/4'], ['realms', '3/'], ['realms', '7/0'], ['realm', '4'],
      ['mark', '0'], ['mark', '5'], ['table', 'all', 'realms', '5'],
      ['tos', 'x'], ['realms', 'x'], ['realms', '/4'], ['vrf', 'lo'], ['vrf', 'nope'],
    ];
    for (const sel of sels) for (const opts of [[], ['-j'], ['-d']]) same(ns, [...opts, 'route', 'show', ...sel]);
  }));

  test('a prefix word under -0/-4/-6, none, table all: read (and refused) as ip reads it', (t) => inSetupNetns(t, SETUP, (ns) => {
    // ip's get_prefix takes only -4/-6/-0's family: no -4 is "any valid" even where IPv4 is
    // listed, and any/all with no family select every route (default still the default one)
    for (const opts of [[], ['-0'], ['-4'], ['-6'], ['-j']]) {
      for (const sel of [['router'], ['to', 'router'], ['root', 'router'], ['10.70.0.0/24'], ['match', '10.70.0.0/16'], ['fd00::/8'], ['default'], ['any'], ['all'], ['root', 'any'], ['match', 'all'], ['root', 'default'], ['table', 'all', 'router'], ['table', 'all', '10.70.0.0/24'],
        // a source prefix of 'default': every route without a source is inside it, both families
        ['from', 'match', 'default'], ['from', 'match', '0.0.0.0/0'], ['from', 'exact', 'default'], ['from', 'default']]) {
        same(ns, [...opts, 'route', 'show', ...sel]);
      }
    }
  }));

  test('route add ... realms: what nlkit adds, ip lists alike; a bad value as ip says it', (t) => inSetupNetns(t, SETUP, (ns) => {
    for (const [dst, realms] of [['10.80.0.0/24', '5'], ['10.81.0.0/24', '3/4'], ['10.82.0.0/24', '0/9']]) {
      const r = nlkit('-n', ns, 'route', 'add', dst, 'dev', 'v0', 'realms', realms);
      assert.equal(r.status, 0, r.stderr);
    }
    for (const opts of [[], ['-j']]) same(ns, [...opts, 'route', 'show', 'root', '10.80.0.0/14']);
    same(ns, ['route', 'add', '10.83.0.0/24', 'dev', 'v0', 'realms', 'x']);
  }));

  test('flush by the selectors the kernel does not filter (via, metric, tos, realms): the same routes go as with ip', (t) => inSetupNetns(t, SETUP, (ns) => {
    const extra = [['10.90.0.0/24', 'via', '10.1.0.2', 'metric', '3'], ['10.91.0.0/24', 'via', '10.1.0.3', 'metric', '3'], ['10.92.0.0/24', 'via', '10.1.0.2']];
    for (const sel of [['via', '10.1.0.2'], ['metric', '3'], ['tos', '0x10'], ['realms', '5'], ['realms', '7/'], ['table', 'main', 'via', '10.1.0.3']]) {
      // the same table flushed by each tool in turn: what is left must be the same
      const left: string[] = [];
      for (const tool of ['ip', 'nlkit']) {
        for (const r of extra) ipRun('-n', ns, 'route', 'replace', ...r);
        for (const [dst, ...rest] of SETUP.filter((w) => w[0] === 'route').map((w) => w.slice(2))) ipRun('-n', ns, 'route', 'replace', dst, ...rest);
        const r = tool === 'ip' ? ipRun('-n', ns, 'route', 'flush', ...sel) : nlkit('-n', ns, 'route', 'flush', ...sel);
        assert.equal(r.status, 0, `${tool} flush ${sel.join(' ')}: ${r.stderr}`);
        left.push(ip(ns, '-j', 'route', 'show'));
      }
      assert.equal(left[1], left[0], `flush ${sel.join(' ')}`);
    }
  }));

  test('from [root|match|exact]: source-specific IPv6 routes, where the kernel has them', (t) => inSetupNetns(t, SETUP, (ns) => {
    const r = ipRun('-n', ns, '-6', 'route', 'add', '2001:db8:9::/64', 'from', '2001:db8:1::/64', 'dev', 'v0');
    if (r.status !== 0) return t.skip(`no source-specific IPv6 routes in this kernel (IPV6_SUBTREES): ${r.stderr.trim()}`);
    ip(ns, '-6', 'route', 'add', '2001:db8:9::/64', 'from', '2001:db8:2::/48', 'dev', 'v0');
    ip(ns, '-6', 'route', 'add', '2001:db8:10::/64', 'from', '2001:db8:1:0:1::/80', 'dev', 'v0');
    const sels = [['from', '2001:db8:1::/64'], ['from', 'root', '2001:db8::/32'], ['from', 'match', '2001:db8:1::5'], ['from', 'exact', '2001:db8:2::/48'],
      ['from', '2001:db8:1::/60'], ['from', 'match', '2001:db8:1::/64'], ['from', 'root', '2001:db8:1::/64'], ['from', '10.0.0.0/8']];
    for (const sel of sels) for (const opts of [['-6'], ['-6', '-j']]) same(ns, [...opts, 'route', 'show', ...sel]);
  }));

  test('the route cache: a PMTU exception listed by cache, cached, table cache', async (t) => {
    if (!needRoot(t)) return;
    if (spawnSync('ping', ['-V']).status !== 0) return t.skip('needs ping (to make a PMTU exception)');
    // a -- b (forwards, mtu 1300 onwards) -- c: a's oversized DF ping makes b answer "fragmentation needed"
    await withNetns((a) => withNetns((b) => withNetns((c) => {
      ip(a, 'link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1', 'netns', b);
      ip(b, 'link', 'add', 'w0', 'type', 'veth', 'peer', 'name', 'w1', 'netns', c);
      for (const [ns, dev, addr, mtu] of [[a, 'v0', '10.1.0.1/24', '1500'], [b, 'v1', '10.1.0.2/24', '1500'], [b, 'w0', '10.2.0.1/24', '1300'], [c, 'w1', '10.2.0.2/24', '1300']]) {
        ip(ns, 'addr', 'add', addr, 'dev', dev);
        ip(ns, 'link', 'set', dev, 'up', 'mtu', mtu);
      }
      ip(a, 'route', 'add', 'default', 'via', '10.1.0.2');
      ip(c, 'route', 'add', 'default', 'via', '10.2.0.1');
      spawnSync('ip', ['netns', 'exec', b, 'sysctl', '-qw', 'net.ipv4.ip_forward=1']);
      for (let i = 0; i < 2; i++) spawnSync('ip', ['netns', 'exec', a, 'ping', '-c1', '-W1', '-M', 'do', '-s', '1400', '10.2.0.2']);
      const listed = ipRun('-n', a, '-j', 'route', 'show', 'cache');
      if (listed.stdout.trim() === '[]') return t.skip('no PMTU exception was made');
      const noExpiry = (s: string) => s.replace(/"expires":\d+/g, '"expires":N').replace(/expires \d+sec/g, 'expires Nsec');
      for (const sel of [['cache'], ['cached'], ['table', 'cache'], ['cloned', '10.2.0.2']])
        for (const opts of [[], ['-j'], ['-d'], ['-j', '-d']]) same(a, [...opts, 'route', 'show', ...sel], noExpiry);
      // the table itself lists no cache entry
      same(a, ['-j', 'route', 'show']);
      // flush cache empties it as ip's does (-s: ip's line), in the namespace -n names
      const flushed = nlkit('-s', '-n', a, 'route', 'flush', 'cache');
      assert.deepEqual([flushed.status, flushed.stdout, flushed.stderr], [0, '*** IPv4 routing cache is flushed.\n', '']);
      assert.equal(ipRun('-n', a, '-j', 'route', 'show', 'cache').stdout.trim(), '[]');
    })));
  });
});
