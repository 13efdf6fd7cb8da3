// `nlkit neigh` against `ip neigh` on the same throwaway namespace: -j (and -j -s) output
// deep-equal after the documented exceptions, plain text equal, proxy entries, filters, and
// what nlkit adds, changes, replaces and deletes read back by `ip -j`.
import assert from 'node:assert/strict';
import { describe, test, type TestContext } from 'node:test';
import { nlkit } from './helpers/cli-run.js';
import { inSetupNetns, json, quietIpv6 } from './helpers/cli-ip.js';
import { ip, ipJson } from './helpers/netns.js';

type Entry = Record<string, unknown>;

const SETUP = [
  ['link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1'],
  ['link', 'set', 'v0', 'up'],
  ['link', 'set', 'v1', 'up'],
  ['neigh', 'add', '10.0.0.2', 'dev', 'v0', 'lladdr', '02:00:00:00:00:01'],
  ['neigh', 'add', '10.0.0.3', 'dev', 'v0', 'lladdr', '02:00:00:00:00:02', 'nud', 'stale'],
  ['neigh', 'add', '10.0.0.4', 'dev', 'v0', 'lladdr', '02:00:00:00:00:04', 'nud', 'noarp'],
  ['neigh', 'add', '10.0.0.7', 'dev', 'v0', 'lladdr', '02:00:00:00:00:07', 'extern_learn', 'protocol', 'static'],
  ['neigh', 'add', '2001:db8::5', 'dev', 'v0', 'lladdr', '02:00:00:00:00:03', 'router', 'nud', 'reachable'],
  ['neigh', 'add', '10.0.1.2', 'dev', 'v1', 'lladdr', '02:00:00:00:01:02', 'nud', 'permanent'],
  ['neigh', 'add', 'proxy', '10.0.0.9', 'dev', 'v0'],
  ['neigh', 'add', 'proxy', '2001:db8::9', 'dev', 'v1'],
];

/**
 * Exception: with -s, the seconds since an entry was used/confirmed/updated tick between the
 * two reads (equal within 1 s), and a reachable entry's timers may expire meanwhile.
 */
function sameStats(ours: Entry[], theirs: Entry[]): void {
  ours.forEach((o, i) => {
    for (const k of ['used', 'confirmed', 'updated']) {
      const t = theirs[i]?.[k];
      if (typeof o[k] === 'number' && typeof t === 'number') {
        assert.ok(Math.abs(o[k] - t) <= 1, `${k} ${o[k]} vs ${t}`);
        o[k] = t;
      }
    }
  });
}

/** The setup in a namespace whose links make no neighbour entries of their own (see quietIpv6). */
const withEntries = (t: TestContext, fn: (ns: string) => unknown) => inSetupNetns(t, SETUP, fn, quietIpv6);

function compare(ns: string, ...args: string[]): Entry[] {
  const ours = json<Entry[]>(nlkit('-j', '-n', ns, ...args));
  const theirs = ipJson<Entry[]>(ns, ...args);
  if (args.includes('-s')) sameStats(ours, theirs);
  assert.deepEqual(ours, theirs, args.join(' '));
  return ours;
}

describe('nlkit neigh show', () => {
  test('-j deep-equals ip -j: states, router, extern_learn, protocol, proxy, filters', (t) =>
    withEntries(t, (ns) => {
      const all = compare(ns, 'neigh', 'show');
      assert.ok(all.some((e) => e.router === null));
      assert.ok(all.some((e) => e.extern_learn === null && e.protocol === 'static'));
      assert.ok(!all.some((e) => e.dst === '10.0.0.4'), 'noarp entries are not shown by default');
      for (const filter of [
        ['nud', 'all'], ['nud', 'stale'], ['nud', 'noarp'], ['nud', 'none'], ['nud', 'stale', 'nud', 'permanent'], ['dev', 'v0'], ['dev', 'v1'],
        ['proxy'], ['proxy', 'dev', 'v1'], ['to', '10.0.0.0/24'], ['10.0.0.3'], ['2001:db8::/64'], ['protocol', 'static'], ['unused'],
      ])
        compare(ns, 'neigh', 'show', ...filter);
      for (const fam of ['-4', '-6']) {
        assert.deepEqual(json(nlkit(fam, '-j', '-n', ns, 'neigh')), ipJson(ns, fam, 'neigh'), fam);
        assert.deepEqual(json(nlkit(fam, '-j', '-n', ns, 'neigh', 'show', 'proxy')), ipJson(ns, fam, 'neigh', 'show', 'proxy'), `${fam} proxy`);
      }
      const ours = json<Entry[]>(nlkit('-j', '-s', '-n', ns, 'neigh'));
      const theirs = ipJson<Entry[]>(ns, '-s', 'neigh');
      sameStats(ours, theirs);
      assert.deepEqual(ours, theirs, '-s');
    }));

  test('plain text as ip prints it (with -s: the counters as ip lays them out)', (t) =>
    withEntries(t, (ns) => {
      for (const args of [['neigh'], ['neigh', 'show', 'nud', 'all'], ['neigh', 'show', 'proxy'], ['neigh', 'show', 'dev', 'v0'], ['-6', 'neigh']]) {
        const r = nlkit('-n', ns, ...args);
        assert.equal(r.status, 0);
        assert.equal(r.stdout, ip(ns, ...args), args.join(' '));
      }
      assert.equal(nlkit('-j', '-p', '-n', ns, 'neigh').stdout, ip(ns, '-j', '-p', 'neigh'), '-j -p');
      const digits = (s: string) => s.replace(/used \d+\/\d+\/\d+/g, 'used N/N/N');
      assert.equal(digits(nlkit('-s', '-n', ns, 'neigh').stdout), digits(ip(ns, '-s', 'neigh')));
    }));

  test('get: one entry, as ip neigh get prints it', (t) =>
    withEntries(t, (ns) => {
      // exception: ip 6.1's neigh get prints text under -j; nlkit prints the entry as ip -j neigh show does
      const entry = ipJson<Entry[]>(ns, 'neigh', 'show').find((e) => e.dst === '10.0.0.2');
      assert.deepEqual(json(nlkit('-j', '-n', ns, 'neigh', 'get', '10.0.0.2', 'dev', 'v0')), [entry]);
      assert.equal(nlkit('-n', ns, 'neigh', 'get', '10.0.0.3', 'dev', 'v0').stdout, ip(ns, 'neigh', 'get', '10.0.0.3', 'dev', 'v0'));
    }));
});

describe('nlkit neigh add/change/replace/del/flush', () => {
  const VETH = [['link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1'], ['link', 'set', 'v0', 'up'], ['link', 'set', 'v1', 'up']];
  const find = (ns: string, dst: string, ...extra: string[]) => ipJson<Entry[]>(ns, 'neigh', 'show', 'nud', 'all', ...extra).find((e) => e.dst === dst);
  const ok = (ns: string, ...args: string[]) => {
    const r = nlkit('-n', ns, ...args);
    assert.equal(r.stderr, '', args.join(' '));
    assert.equal(r.status, 0, args.join(' '));
  };

  test('what nlkit writes, ip -j reads back with the same values', (t) =>
    inSetupNetns(t, VETH, (ns) => {
      ok(ns, 'neigh', 'add', '10.0.0.2', 'lladdr', '02:00:00:00:00:01', 'dev', 'v0');
      assert.deepEqual(find(ns, '10.0.0.2'), { dst: '10.0.0.2', dev: 'v0', lladdr: '02:00:00:00:00:01', state: ['PERMANENT'] });
      ok(ns, 'n', 'add', '2001:db8::7', 'dev', 'v0', 'lladdr', '2:0:0:0:0:7', 'nud', 'reachable', 'router', 'extern_learn', 'protocol', 'static');
      assert.deepEqual(find(ns, '2001:db8::7'),
        { dst: '2001:db8::7', dev: 'v0', lladdr: '02:00:00:00:00:07', router: null, extern_learn: null, state: ['REACHABLE'], protocol: 'static' });
      ok(ns, 'neigh', 'add', 'proxy', '10.0.0.9', 'dev', 'v0');
      assert.deepEqual(find(ns, '10.0.0.9', 'proxy'), { dst: '10.0.0.9', dev: 'v0', proxy: null });

      ok(ns, 'neigh', 'change', '10.0.0.2', 'lladdr', '02:00:00:00:00:0a', 'nud', 'stale', 'dev', 'v0');
      assert.deepEqual(find(ns, '10.0.0.2'), { dst: '10.0.0.2', dev: 'v0', lladdr: '02:00:00:00:00:0a', state: ['STALE'] });
      ok(ns, 'neigh', 'replace', '10.0.0.5', 'lladdr', '02:00:00:00:00:05', 'nud', 'noarp', 'dev', 'v0');
      assert.deepEqual(find(ns, '10.0.0.5')?.state, ['NOARP']);

      ok(ns, 'neigh', 'del', '10.0.0.5', 'dev', 'v0');
      assert.equal(find(ns, '10.0.0.5'), undefined);
      ok(ns, 'neigh', 'del', 'proxy', '10.0.0.9', 'dev', 'v0');
      assert.equal(find(ns, '10.0.0.9', 'proxy'), undefined);
    }));

  test('flush leaves permanent and noarp entries, as ip does; nud all takes permanent ones too', (t) =>
    inSetupNetns(t, VETH, (ns) => {
      ip(ns, 'neigh', 'add', '10.0.0.2', 'dev', 'v0', 'lladdr', '02:00:00:00:00:01', 'nud', 'stale');
      ip(ns, 'neigh', 'add', '10.0.0.3', 'dev', 'v0', 'lladdr', '02:00:00:00:00:02', 'nud', 'permanent');
      ip(ns, 'neigh', 'add', '10.0.0.4', 'dev', 'v0', 'lladdr', '02:00:00:00:00:03', 'nud', 'noarp');
      ok(ns, 'neigh', 'flush', 'dev', 'v0');
      assert.deepEqual(ipJson<Entry[]>(ns, 'neigh', 'show', 'nud', 'all', 'dev', 'v0').map((e) => e.dst).filter((d) => String(d).startsWith('10.')).sort(), ['10.0.0.3', '10.0.0.4']);
      ok(ns, 'neigh', 'flush', 'dev', 'v0', 'nud', 'all');
      assert.deepEqual(ipJson<Entry[]>(ns, 'neigh', 'show', 'nud', 'all', 'dev', 'v0').map((e) => e.dst).filter((d) => String(d).startsWith('10.')), ['10.0.0.4']);
    }));
});
