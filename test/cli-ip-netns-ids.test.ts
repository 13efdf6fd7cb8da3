// `nlkit netns set / list-id / identify / pids / monitor` against `ip netns` on throwaway
// namespaces: ids set by one are listed alike by both (text, -j, -j -p), errors with ip's
// text and status, and the monitor's lines as `ip netns monitor` prints them.
// Documented exceptions:
// - `ip netns list-id nsid -1` names its argument "(null)" (it prints argv[1] after moving
//   past it); nlkit names the argument given.
// - other processes add and delete namespaces while these tests run: monitor lines are
//   compared for this test's names only, and ip's "Peer netns reference is invalid" lines
//   from asking the id of a namespace file being deleted meanwhile are dropped.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { CLI, nlkit } from './helpers/cli-run.js';
import { ipRun } from './helpers/cli-ip.js';
import { needRoot, run, withNetns } from './helpers/netns.js';

const PEER = 'Error: Peer netns reference is invalid.\n';

/**
 * ip's stderr without the lines its own name lookup adds: it asks the id of every /run/netns
 * file, and one that another process is deleting meanwhile answers with PEER.
 */
function withoutNoise(ip: string, ours: string): string {
  let extra = ip.split(PEER).length - ours.split(PEER).length;
  let out = ip;
  while (extra-- > 0) out = out.replace(PEER, '');
  return out;
}

/** Both print the same and exit the same. */
function same(args: string[]): void {
  const ours = nlkit(...args);
  const theirs = ipRun(...args);
  const label = args.join(' ');
  assert.equal(ours.stdout, theirs.stdout, `stdout of ${label}`);
  assert.equal(ours.stderr.replaceAll('nlkit', 'ip'), withoutNoise(theirs.stderr, ours.stderr).replace('"(null)"', `"${args.at(-1)}"`), `stderr of ${label}`);
  assert.equal(ours.status, theirs.status, `status of ${label}`);
}

describe('nlkit netns ids', () => {
  test('set and list-id: text, -j and -j -p as ip, with target-nsid and nsid', (t) => {
    if (!needRoot(t)) return;
    return withNetns((ns) => withNetns((a) => withNetns((b) => {
      // set by nlkit (a number, auto), read by ip and by nlkit alike
      assert.equal(nlkit('-n', ns, 'netns', 'set', a, '5').status, 0);
      assert.equal(nlkit('-n', ns, 'netns', 'set', b, 'auto').status, 0);
      // and by ip, in another namespace: ns as a's peer 9
      assert.equal(ipRun('-n', a, 'netns', 'set', ns, '9').status, 0);
      for (const opts of [[], ['-j'], ['-j', '-p']]) {
        for (const sel of [[], ['nsid', '5'], ['nsid', '0'], ['target-nsid', '5'], ['target-nsid', '5', 'nsid', '9'], ['target-nsid', '0'], ['nsid', '4'], ['target-nsid', '77']])
          same(['-n', ns, ...opts, 'netns', 'list-id', ...sel]);
      }
      const ids = JSON.parse(nlkit('-j', '-n', ns, 'netns', 'list-id').stdout) as { nsid: number; name?: string }[];
      assert.deepEqual(ids, [{ nsid: 0, name: b }, { nsid: 5, name: a }]);
      // the id taken, a second id, no such name, bad values, usage
      for (const args of [['set', b, '5'], ['set', a, '6'], ['set', 'nlkt-none', '6'], ['set', a, 'x'], ['set', a, '-1'], ['set', a], ['set'],
        ['list-id', 'nsid', 'x'], ['list-id', 'nsid', '-1'], ['list-id', 'nsid', '5', 'nsid', '5'], ['list-id', 'target-nsid']])
        same(['-n', ns, 'netns', ...args]);
      // an unknown word: the usage (nlkit's lists no -all forms, which it does not have), status 255
      const usage = [nlkit('-n', ns, 'netns', 'list-id', 'foo'), ipRun('-n', ns, 'netns', 'list-id', 'foo')];
      assert.deepEqual(usage.map((r) => [r.status, r.stdout, r.stderr.split('\n').length]), usage.map(() => [255, '', 12]));
    })));
  });

  test('identify (of a pid, of -n NS) and pids, with ip mistakes', (t) => {
    if (!needRoot(t)) return;
    return withNetns((ns) => {
      same(['-n', ns, 'netns', 'identify']);
      const child = run('ip', ['netns', 'exec', ns, 'sh', '-c', 'sleep 30 >/dev/null 2>&1 & echo $!']).trim();
      try {
        same(['netns', 'identify', child]);
        assert.ok(nlkit('netns', 'pids', ns).stdout.split('\n').includes(child));
      } finally {
        process.kill(Number(child));
      }
      for (const args of [['identify', 'x'], ['identify', '1', '2'], ['identify', '999999999'], ['pids'], ['pids', 'nlkt-none'], ['pids', ns, 'x'], ['attach'], ['attach', 'x'], ['attach', 'x', 'y'], ['exec'], ['exec', ns], ['add'], ['del']])
        same(['netns', ...args]);
    });
  });

  test('monitor prints add and delete lines as ip netns monitor does', async (t) => {
    if (!needRoot(t)) return;
    if (spawnSync('stdbuf', ['--version']).status !== 0) return t.skip('needs stdbuf (ip buffers its monitor lines otherwise)');
    const names = [0, 1].map(() => `nlkt-${randomBytes(4).toString('hex')}`);
    const ours = spawn(process.execPath, [CLI, 'netns', 'monitor']);
    const theirs = spawn('stdbuf', ['-oL', 'ip', 'netns', 'monitor']);
    const out = [ours, theirs].map((p) => {
      const lines: string[] = [];
      p.stdout.setEncoding('utf8').on('data', (d: string) => lines.push(...d.split('\n').filter(Boolean)));
      return lines;
    });
    try {
      await sleep(700);
      ipRun('netns', 'add', names[0]);
      nlkit('netns', 'add', names[1]);
      ipRun('netns', 'del', names[0]);
      nlkit('netns', 'del', names[1]);
      await sleep(500);
    } finally {
      ours.kill();
      theirs.kill();
      for (const n of names) ipRun('netns', 'del', n);
    }
    const mine = (lines: string[]) => lines.filter((l) => names.includes(l.split(' ')[1]));
    assert.deepEqual(mine(out[0]), [`add ${names[0]}`, `add ${names[1]}`, `delete ${names[0]}`, `delete ${names[1]}`]);
    assert.deepEqual(mine(out[0]), mine(out[1]));
  });
});
