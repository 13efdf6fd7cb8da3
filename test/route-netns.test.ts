// Named namespaces made by nlkit and by `ip netns` are interchangeable: each side lists,
// opens and deletes what the other made, and no thread of Node's changes namespace.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readlinkSync, statSync } from 'node:fs';
import { describe, test, type TestContext } from 'node:test';
import { NetlinkArgumentError, NetnsError } from '../src/core/errors.js';
import { netnsOps, openRoute, NETNS_RUN_DIR } from '../src/route/index.js';
import { ip, ipJson, needRoot, run, withNetns } from './helpers/netns.js';

const ns = netnsOps();

/** A fresh nlkt-<random> name, deleted afterwards whoever made it (and whether or not the test passed). */
async function withName(t: TestContext, fn: (name: string) => unknown): Promise<void> {
  if (!needRoot(t)) return;
  const name = `nlkt-${randomBytes(4).toString('hex')}`;
  try {
    await fn(name);
  } finally {
    if (existsSync(`${NETNS_RUN_DIR}/${name}`)) run('ip', ['netns', 'del', name]);
  }
}

/**
 * The namespace of the process, of Node's main thread (tid = pid) and of every other thread
 * (libuv's pool ran the async jobs), none of which may ever change.
 */
function mainThreadNetns(): string[] {
  const all = new Set(readdirSync('/proc/self/task').map((tid) => readlinkSync(`/proc/self/task/${tid}/ns/net`)));
  return [readlinkSync('/proc/self/ns/net'), readlinkSync(`/proc/self/task/${process.pid}/ns/net`), ...all];
}

const ipNames = () => (JSON.parse(run('ip', ['-j', 'netns', 'list']) || '[]') as { name: string }[]).map((n) => n.name);

describe('netns', () => {
  test('created by nlkit (Sync and async): ip lists it, `ip -n` works in it, Node never changes namespace', async (t) => {
    const before = mainThreadNetns();
    await withName(t, async (a) => {
      await withName(t, async (b) => {
        ns.addSync(a);
        await ns.add(b);
        assert.deepEqual(mainThreadNetns(), before);
        for (const n of [a, b]) {
          assert.ok(ipNames().includes(n), `ip netns list shows ${n}`);
          assert.match(ip(n, 'link', 'show', 'lo'), /^1: lo: <LOOPBACK>/);
          assert.equal(ns.existsSync(n), true);
          // a fresh namespace of its own, not the process's
          assert.notEqual(statSync(`${NETNS_RUN_DIR}/${n}`).ino, statSync('/proc/self/ns/net').ino);
        }
        assert.notEqual(statSync(`${NETNS_RUN_DIR}/${a}`).ino, statSync(`${NETNS_RUN_DIR}/${b}`).ino);
        // /run/netns is a shared mount point, as ip leaves it
        const mount = run('findmnt', ['-n', '-o', 'PROPAGATION', '--target', NETNS_RUN_DIR]).trim();
        assert.match(mount, /shared/);
        // ip deletes what nlkit made, nlkit what it made itself
        run('ip', ['netns', 'del', a]);
        await ns.delete(b);
        assert.ok(!ipNames().includes(a) && !ipNames().includes(b));
        assert.equal(await ns.exists(b), false);
      });
    });
    assert.deepEqual(mainThreadNetns(), before);
  });

  test('concurrent async adds and deletes (the threadpool runs them) each make their own namespace', async (t) => {
    if (!needRoot(t)) return;
    const before = mainThreadNetns();
    const names = Array.from({ length: 8 }, () => `nlkt-${randomBytes(4).toString('hex')}`);
    try {
      await Promise.all(names.map((n) => ns.add(n)));
      const inodes = new Set(names.map((n) => statSync(`${NETNS_RUN_DIR}/${n}`).ino));
      assert.equal(inodes.size, names.length);
      assert.ok(!inodes.has(statSync('/proc/self/ns/net').ino));
      assert.deepEqual(mainThreadNetns(), before);
      await Promise.all(names.map((n) => ns.delete(n)));
      assert.deepEqual(names.filter((n) => existsSync(`${NETNS_RUN_DIR}/${n}`)), []);
    } finally {
      for (const n of names) if (existsSync(`${NETNS_RUN_DIR}/${n}`)) run('ip', ['netns', 'del', n]);
    }
  });

  test('created by `ip netns add`: nlkit lists it, opens a handle in it, deletes it', async (t) => {
    await withName(t, async (name) => {
      run('ip', ['netns', 'add', name]);
      ip(name, 'link', 'set', 'lo', 'up');
      assert.ok(ns.listSync().some((n) => n.name === name));
      assert.equal(ns.existsSync(name), true);
      const rt = openRoute({ netns: name });
      try {
        // the handle's socket lives in that namespace: it sees tun devices made there by ip
        ip(name, 'tuntap', 'add', 'dev', 'probe0', 'mode', 'tun');
        assert.deepEqual(rt.tuntap.listSync().map((d) => d.ifname), ['probe0']);
      } finally {
        rt.close();
      }
      ns.deleteSync(name);
      assert.ok(!ipNames().includes(name));
    });
  });

  test('list gives the id each namespace has in the handle\'s namespace, as `ip -n X netns list` does', async (t) => {
    if (!needRoot(t)) return;
    await withNetns(async (home) => {
      await withName(t, async (other) => {
        await ns.add(other);
        ip(home, 'netns', 'set', other, '42');
        const rt = openRoute({ netns: home });
        try {
          const mine = (await rt.netns.list()).find((n) => n.name === other);
          assert.deepEqual(mine, { name: other, id: 42 });
          const theirs = ipJson<{ name: string; id?: number }[]>(home, 'netns', 'list').find((n) => n.name === other);
          assert.deepEqual(theirs, { name: other, id: 42 });
          // no id assigned in a namespace: none listed
          assert.deepEqual(ns.listSync().find((n) => n.name === other), { name: other });
        } finally {
          rt.close();
        }
      });
    });
  });

  test('attach names the namespace a process is in (ip netns attach NAME PID)', async (t) => {
    await withName(t, async (name) => {
      ns.attachSync({ name, pid: process.pid });
      assert.equal(statSync(`${NETNS_RUN_DIR}/${name}`).ino, statSync('/proc/self/ns/net').ino);
      assert.ok(ipNames().includes(name));
      ns.deleteSync(name);
      // a process that does not exist: the mount fails and the file is removed again
      await assert.rejects(ns.attach({ name, pid: 0x7ffffffe }), { name: 'NetnsError', code: 'ENOENT', syscall: 'mount' });
      assert.equal(existsSync(`${NETNS_RUN_DIR}/${name}`), false);
    });
  });

  test('errors are typed: EEXIST, ENOENT, bad names and arguments', async (t) => {
    await withName(t, async (name) => {
      ns.addSync(name);
      assert.throws(() => ns.addSync(name), (e: unknown) => e instanceof NetnsError && e.code === 'EEXIST' && e.errno === -17 &&
        e.netns === name && e.message === `EEXIST: network namespace '${name}' exists (${NETNS_RUN_DIR}/${name})`);
      await assert.rejects(ns.add(name), { code: 'EEXIST', syscall: 'open' });
      // a failed add leaves the existing namespace alone
      assert.match(ip(name, 'link', 'show', 'lo'), /lo:/);
      await ns.delete(name);
      await assert.rejects(ns.delete(name), (e: unknown) => e instanceof NetnsError && e.code === 'ENOENT' && e.syscall === 'unlink' &&
        e.message === `ENOENT: network namespace '${name}' not found (${NETNS_RUN_DIR}/${name})`);
    });
    for (const bad of ['', '.', '..', 'a/b', 'x\0y', 'n'.repeat(256)])
      for (const call of [() => ns.addSync(bad), () => ns.deleteSync(bad), () => ns.existsSync(bad)])
        assert.throws(call, (e: unknown) => e instanceof NetlinkArgumentError && e.argument === 'name', JSON.stringify(bad));
    await assert.rejects(ns.add(42 as unknown as string), { name: 'NetlinkArgumentError', code: 'ERR_INVALID_ARG_TYPE' });
    assert.throws(() => ns.attachSync({ name: 'nlkt-x', pid: -1 }), { argument: 'pid', code: 'ERR_OUT_OF_RANGE' });
    assert.throws(() => ns.addSync('nlkt-x', { netns: 'blue' } as never), { argument: 'options' });
    assert.equal(ns.existsSync('nlkt-surely-not-there'), false);
  });
});
