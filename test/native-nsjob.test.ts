// The addon's namespace and tun/tap jobs: bad arguments are TypeErrors before anything runs,
// failures carry code/errno/syscall (thrown, or a rejected Promise), nothing aborts.
import assert from 'node:assert/strict';
import { closeSync, existsSync, openSync, readlinkSync } from 'node:fs';
import { describe, test } from 'node:test';
import {
  native, NS_OP_NETNS_ADD, NS_OP_NETNS_CHECK, NS_OP_NETNS_DELETE, NS_OP_TUN_ADD, NS_OP_TUN_OPEN,
} from '../src/core/native.js';
import { ipJson, needRoot, withNetns } from './helpers/netns.js';

const garbage: unknown[] = [undefined, null, -1, 1.5, 2 ** 40, NaN, 'x', 'relative/path', {}, [], () => 0, 10n, Symbol('s')];

describe('native nsJob', () => {
  test('garbage in any argument is a TypeError or a system error, never a crash, and relative paths are never touched', () => {
    for (let pos = 0; pos < 9; pos++) {
      for (const g of garbage) {
        for (const op of [NS_OP_NETNS_ADD, NS_OP_NETNS_DELETE, NS_OP_NETNS_CHECK, NS_OP_TUN_ADD, NS_OP_TUN_OPEN]) {
          // calls that can do nothing, whichever argument the garbage replaces: procfs refuses
          // the run directory, and flags without a mode make TUNSETIFF fail (EINVAL)
          const args: unknown[] = op <= NS_OP_NETNS_CHECK
            ? [op, false, null, '/proc/nlkit-none', '/proc/nlkit-none/x', 0, 0, 0, 0]
            : [op, false, '/nonexistent-nlkit', 'nlkt0', '', 0x1000, 1, 0, 0];
          args[pos] = g;
          try {
            const r = (native.nsJob as (...a: unknown[]) => unknown)(...args);
            if (r instanceof Promise) r.catch(() => {});
          } catch (e) {
            const err = e as { code?: string; errno?: number; syscall?: string };
            assert.ok(e instanceof TypeError || (typeof err.code === 'string' && typeof err.errno === 'number' && typeof err.syscall === 'string'),
              `op ${op}, argument ${pos} = ${String(g)}: ${String(e)}`);
          }
        }
      }
    }
    assert.equal(existsSync('relative/path'), false);
    assert.equal(existsSync('x'), false);
  });

  test('system errors carry code, errno and syscall, thrown or as a rejection', async () => {
    assert.throws(() => native.nsJob(NS_OP_NETNS_DELETE, false, null, '', '/nonexistent-nlkit/x', 0, 0, 0, 0), { code: 'ENOENT', errno: -2, syscall: 'unlink' });
    await assert.rejects(native.nsJob(NS_OP_NETNS_DELETE, true, null, '', '/nonexistent-nlkit/x', 0, 0, 0, 0) as Promise<unknown>,
      { code: 'ENOENT', errno: -2, syscall: 'unlink' });
    // a file that is no namespace: the job refuses to enter it
    await assert.rejects(native.nsJob(NS_OP_TUN_ADD, true, '/proc/self/status', 'nlkt0', '', 0x1002, -1, -1, 0) as Promise<unknown>,
      { code: 'EINVAL', syscall: 'ioctl(NS_GET_NSTYPE)' });
    assert.equal(native.nsJob(NS_OP_NETNS_CHECK, false, null, '', '/proc/self/status', 0, 0, 0, 0), false);
    assert.equal(native.nsJob(NS_OP_NETNS_CHECK, false, null, '', '/proc/self/ns/net', 0, 0, 0, 0), true);
    assert.throws(() => native.nsJob(NS_OP_TUN_OPEN, false, null, 'x', '', 2, 0, 0, 0), { name: 'TypeError', message: /queues/ });
    assert.throws(() => native.nsJob(NS_OP_TUN_ADD, false, null, 'sixteen-bytes-xx', '', 2, -1, -1, 0), { name: 'TypeError', message: /15 bytes/ });
  });

  test('a tun job in a namespace given as an open fd; the calling thread stays where it was', async (t) => {
    if (!needRoot(t)) return;
    const before = readlinkSync(`/proc/self/task/${process.pid}/ns/net`);
    await withNetns(async (ns) => {
      const fd = openSync(`/run/netns/${ns}`, 'r');
      try {
        const [name, ifindex] = native.nsJob(NS_OP_TUN_ADD, false, fd, 'fdtap0', '', 0x1002, -1, -1, 0) as [string, number];
        assert.equal(name, 'fdtap0');
        assert.equal(ipJson<{ ifindex: number }[]>(ns, 'link', 'show', 'dev', 'fdtap0')[0].ifindex, ifindex);
        const [, , ...fds] = await (native.nsJob(NS_OP_TUN_OPEN, true, fd, 'fdtun%d', '', 0x1001 | 0x100, 3, 1, 0) as Promise<[string, number, ...number[]]>);
        assert.equal(fds.length, 3);
        for (const q of fds) native.close(q);
      } finally {
        closeSync(fd);
      }
    });
    assert.equal(readlinkSync(`/proc/self/task/${process.pid}/ns/net`), before);
  });
});
