// `nlkit netns` and `nlkit tuntap` against `ip netns` and `ip tuntap`.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { nlkit } from './helpers/cli-run.js';
import { inSetupNetns, ipRun, json } from './helpers/cli-ip.js';
import { ip, ipJson, needRoot, run, withNetns } from './helpers/netns.js';

type Named = { name: string; id?: number };

describe('nlkit netns', () => {
  test('list: -j and text as ip prints them, ids as seen from -n NS', (t) =>
    inSetupNetns(t, [], (ns) =>
      withNetns((a) =>
        withNetns((b) => {
          ip(ns, 'netns', 'set', a, '7');
          // Exception: other tests create and delete namespaces meanwhile, and ip lists them in
          // readdir order where nlkit sorts; compared on this test's namespaces, as sets.
          const mine = new Set([ns, a, b]);
          const pick = (list: Named[]) => list.filter((n) => mine.has(n.name)).sort((x, y) => x.name.localeCompare(y.name));
          assert.deepEqual(pick(json<Named[]>(nlkit('-j', '-n', ns, 'netns', 'list'))), pick(ipJson<Named[]>(ns, 'netns', 'list')));
          assert.deepEqual(pick(json<Named[]>(nlkit('-j', 'netns'))), pick(JSON.parse(run('ip', ['-j', 'netns', 'list']))));
          const lines = (s: string) => s.split('\n').filter((l) => mine.has(l.split(' ')[0])).sort();
          assert.deepEqual(lines(nlkit('-n', ns, 'netns', 'list').stdout), lines(ip(ns, 'netns', 'list')));
          assert.ok(lines(nlkit('-n', ns, 'netns', 'show').stdout).includes(`${a} (id: 7)`));
        }))));

  test('add, identify, pids, exec, attach and del as ip netns does them', (t) => {
    if (!needRoot(t)) return;
    const name = `nlkt-${randomBytes(4).toString('hex')}`;
    const twin = `${name}b`;
    try {
      assert.equal(nlkit('netns', 'add', name).status, 0);
      assert.ok(run('ip', ['netns', 'list']).split('\n').some((l) => l.split(' ')[0] === name));
      // exec: the command runs in the namespace (ip sees the same namespace from inside), with its status
      const inside = nlkit('netns', 'exec', name, 'ip', 'netns', 'identify');
      assert.equal(inside.status, 0);
      assert.equal(inside.stdout, `${name}\n`);
      assert.equal(nlkit('netns', 'exec', name, 'sh', '-c', 'exit 3').status, 3);
      // identify / pids against a process that sits in the namespace
      const child = run('ip', ['netns', 'exec', name, 'sh', '-c', 'sleep 30 >/dev/null 2>&1 & echo $!']).trim();
      try {
        assert.equal(nlkit('netns', 'identify', child).stdout, `${name}\n`);
        assert.equal(nlkit('netns', 'identify', child).stdout, run('ip', ['netns', 'identify', child]));
        assert.ok(nlkit('netns', 'pids', name).stdout.split('\n').includes(child));
        // attach names the child's namespace a second time
        assert.equal(nlkit('netns', 'attach', twin, child).status, 0);
        // with two names for one namespace, both print one of them: the last readdir returns
        assert.equal(nlkit('netns', 'identify', child).stdout, run('ip', ['netns', 'identify', child]));
        assert.ok([name, twin].includes(nlkit('netns', 'identify', child).stdout.trim()));
      } finally {
        process.kill(Number(child));
      }
      assert.equal(nlkit('netns', 'del', twin).status, 0);
      assert.equal(nlkit('netns', 'delete', name).status, 0);
      assert.ok(!run('ip', ['netns', 'list']).split('\n').some((l) => l.split(' ')[0] === name));
    } finally {
      for (const n of [name, twin]) ipRun('netns', 'del', n);
    }
  });

  test('mistakes: the text and status ip gives', (t) => {
    if (!needRoot(t)) return;
    const gone = `nlkt-${randomBytes(4).toString('hex')}`;
    for (const args of [['netns', 'del', gone], ['netns', 'add', 'a/b'], ['netns', 'exec', gone, 'true'], ['netns', 'frob']]) {
      const ours = nlkit(...args);
      const theirs = ipRun(...args);
      assert.equal(ours.status, theirs.status, args.join(' '));
      assert.equal(ours.stderr, theirs.stderr.replace('"ip ', '"nlkit '), args.join(' '));
    }
    return withNetns((ns) => {
      const ours = nlkit('netns', 'add', ns);
      const theirs = ipRun('netns', 'add', ns);
      assert.deepEqual([ours.status, ours.stderr], [theirs.status, theirs.stderr]);
    });
  });
});

describe('nlkit tuntap', () => {
  test('list: -j and text as ip prints them (mode, pi, vnet_hdr, multi_queue, user, group)', (t) =>
    inSetupNetns(t, [
      ['tuntap', 'add', 'mode', 'tap', 'name', 'tap0', 'user', '0', 'vnet_hdr'],
      ['tuntap', 'add', 'mode', 'tun', 'name', 'tun0', 'multi_queue', 'pi', 'group', '10'],
      ['tuntap', 'add', 'mode', 'tun'],
      ['link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1'],
    ], (ns) => {
      assert.deepEqual(json(nlkit('-j', '-n', ns, 'tuntap', 'list')), ipJson(ns, 'tuntap', 'list'));
      assert.equal(nlkit('-n', ns, 'tuntap').stdout, ip(ns, 'tuntap', 'show'));
      assert.equal(nlkit('-n', ns, 'tunt', 'lst').stdout, ip(ns, 'tuntap', 'lst'));
    }));

  test('what nlkit adds, ip lists; del removes it; a taken name fails as in ip', (t) =>
    inSetupNetns(t, [], (ns) => {
      const r = nlkit('-n', ns, 'tuntap', 'add', 'mode', 'tap', 'name', 'vm0', 'user', 'root', 'group', '0', 'multi_queue', 'vnet_hdr');
      assert.equal(r.stderr, '');
      assert.equal(r.status, 0);
      assert.deepEqual(ipJson(ns, 'tuntap', 'list'), [{ ifname: 'vm0', flags: ['tap', 'multi_queue', 'vnet_hdr', 'persist'], user: 0, group: 0 }]);
      for (const args of [['tuntap', 'add', 'mode', 'tap', 'name', 'vm0'], ['tuntap', 'add', 'name', 'x'], ['tuntap', 'add', 'mode', 'bogus']]) {
        const ours = nlkit('-n', ns, ...args);
        const theirs = ipRun('-n', ns, ...args);
        assert.deepEqual([ours.status, ours.stderr], [theirs.status, theirs.stderr], args.join(' '));
      }
      assert.equal(nlkit('-n', ns, 'tuntap', 'del', 'mode', 'tap', 'name', 'vm0').status, 0);
      assert.deepEqual(ipJson(ns, 'tuntap', 'list'), []);
    }));
});
