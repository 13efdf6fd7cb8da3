// `nlkit tc qdisc|class` against `tc` on the same throwaway namespace: -j output byte for
// byte (so deep-equal too), with -s, -d and both, plain text equal, what nlkit writes read
// back by tc, tc's options after `tc` and nlkit's before it, errors with tc's words and exit
// statuses. Documented exceptions:
// - classes: this tc (iproute2 6.1) prints classes as text even under -j, so class output is
//   compared as text; nlkit's `tc -j class show` prints JSON in qdisc show's shape
//   (class/handle/parent/leaf, "options", the -s counters);
// - a qdisc kind nlkit does not make: tc sends it and prints the kernel's refusal, nlkit
//   refuses it itself naming the kinds it makes.
// - fq_codel (no such qdisc in this kernel) is checked against the output iproute2 6.x prints
//   for a default fq_codel, from a view.
// The links stay down (no traffic): counters cannot move between the two reads.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { nlkit } from './helpers/cli-run.js';
import { printList } from '../src/cli/tc-print.js';
import { printQdisc } from '../src/cli/tc-qdisc.js';
import { qdiscRequest, type Qdisc } from '../src/tc/qdiscs.js';
import { classRequest } from '../src/tc/classes.js';
import { openTc } from '../src/tc/index.js';
import { opCall } from '../src/ynl/op-call.js';
import { NLM_F_CREATE, NLM_F_EXCL } from '../src/core/constants.js';
import { description as tcDesc } from '../src/ynl/families/tc.js';
import { ip, needRoot, run, withNetns } from './helpers/netns.js';

function tc(ns: string | undefined, ...args: string[]) {
  const r = spawnSync('tc', ns === undefined ? args : ['-n', ns, ...args], { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function setup(ns: string): void {
  for (let i = 0; i < 8; i += 2) ip(ns, 'link', 'add', `v${i}`, 'type', 'veth', 'peer', 'name', `v${i + 1}`);
  // two tx queues: room for mq, and the pfifo_fast the kernel puts under each of its classes
  ip(ns, 'link', 'add', 'v8', 'numtxqueues', '2', 'type', 'veth', 'peer', 'name', 'v9');
  const cmds = [
    ['qdisc', 'add', 'dev', 'v0', 'root', 'tbf', 'rate', '10mbit', 'burst', '32kb', 'latency', '50ms'],
    ['qdisc', 'add', 'dev', 'v0', 'ingress'],
    ['qdisc', 'add', 'dev', 'v1', 'root', 'handle', '1:', 'htb', 'default', '10'],
    ['class', 'add', 'dev', 'v1', 'parent', '1:', 'classid', '1:10', 'htb', 'rate', '5mbit', 'ceil', '10mbit'],
    ['class', 'add', 'dev', 'v1', 'parent', '1:', 'classid', '1:20', 'htb', 'rate', '50gbit', 'prio', '2'],
    ['qdisc', 'add', 'dev', 'v1', 'parent', '1:10', 'handle', '10:', 'pfifo', 'limit', '30'],
    ['qdisc', 'add', 'dev', 'v1', 'clsact'],
    ['qdisc', 'add', 'dev', 'v2', 'root', 'bfifo', 'limit', '10000'],
    ['qdisc', 'add', 'dev', 'v3', 'root', 'pfifo_fast'],
    ['qdisc', 'add', 'dev', 'v4', 'root', 'handle', '5:', 'tbf', 'rate', '5gbit', 'burst', '1mb', 'limit', '3000000', 'peakrate', '6gbit', 'mtu', '2000', 'overhead', '4'],
    ['qdisc', 'add', 'dev', 'v5', 'root', 'handle', '1:', 'estimator', '1sec', '8sec', 'htb', 'r2q', '5', 'direct_qlen', '20'],
    ['class', 'add', 'dev', 'v5', 'parent', '1:', 'classid', '1:5', 'estimator', '250ms', '2sec', 'htb', 'rate', '1mbit'],
    ['qdisc', 'add', 'dev', 'v6', 'root', 'tbf', 'rate', '50gbit', 'burst', '8mb', 'limit', '20000000'],
    ['qdisc', 'add', 'dev', 'v8', 'root', 'handle', '2:', 'mq'],
  ];
  for (const c of cmds) run('tc', ['-n', ns, ...c]);
}

describe('kinds this kernel lacks, printed from a view', () => {
  test('fq_codel (the usual default qdisc) as iproute2 6.x prints it, with its -s xstats', () => {
    // what a 6.x kernel dumps for a default fq_codel (target/interval back in us: 4999, 99999)
    const q: Qdisc = {
      dev: 'eth0', ifindex: 2, handle: '0:', parent: 'root', kind: 'fq_codel', refcnt: 2,
      options: {
        limit: 10240, flows: 1024, quantum: 1514, target: 4999, interval: 99999, memoryLimit: 33554432, ecn: true, dropBatch: 64,
        xstats: { maxpacket: 1514, dropOverlimit: 0, ecnMark: 0, newFlowCount: 3, newFlowsLen: 0, oldFlowsLen: 1, ceMark: 0, memoryUsage: 0, dropOvermemory: 0 },
      },
      stats: { bytes: 1234n, packets: 5n, drops: 0, overlimits: 0, requeues: 0, backlog: 0, qlen: 0 },
    };
    let out = '';
    const env = { json: false, pretty: false, out: (t: string) => void (out += t), details: 0, stats: 1 };
    printList(env, [q], (p, x) => printQdisc(p, x, env, false));
    assert.equal(out, 'qdisc fq_codel 0: dev eth0 root refcnt 2 limit 10240p flows 1024 quantum 1514 target 5ms interval 100ms memory_limit 32Mb ecn drop_batch 64 \n'
      + ' Sent 1234 bytes 5 pkt (dropped 0, overlimits 0 requeues 0) \n backlog 0b 0p requeues 0\n'
      + '  maxpacket 1514 drop_overlimit 0 new_flow_count 3 ecn_mark 0\n  new_flows_len 0 old_flows_len 1\n');
    out = '';
    printList({ ...env, json: true }, [q], (p, x) => printQdisc(p, x, { ...env, stats: 0 }, false));
    assert.deepEqual(JSON.parse(out), [{
      kind: 'fq_codel', handle: '0:', dev: 'eth0', root: true, refcnt: 2,
      options: { limit: 10240, flows: 1024, quantum: 1514, target: 4999, interval: 99999, memory_limit: 33554432, ecn: true, drop_batch: 64 },
    }]);
  });
});

describe('nlkit tc qdisc and class as tc', () => {
  test('-j (with -s, -d, -p) byte for byte as tc -j, and the text', async (t) => {
    if (!needRoot(t)) return;
    await withNetns((ns) => {
      setup(ns);
      const VIEWS = [[], ['-s'], ['-d'], ['-s', '-d']];
      for (const opts of VIEWS) {
        for (const where of [[], ['dev', 'v0'], ['dev', 'v1'], ['dev', 'v4'], ['dev', 'v5'], ['dev', 'v7'], ['dev', 'v8']]) {
          const want = tc(ns, '-j', ...opts, 'qdisc', 'show', ...where);
          assert.equal(want.status, 0, want.stderr);
          const got = nlkit('-j', 'tc', '-n', ns, ...opts, 'qdisc', 'show', ...where);
          assert.equal(got.stderr, '');
          assert.deepEqual(JSON.parse(got.stdout), JSON.parse(want.stdout), `tc -j ${opts.join(' ')} qdisc show ${where.join(' ')}`);
          assert.equal(got.stdout, want.stdout);
          // text: the same lines
          assert.equal(nlkit('tc', '-n', ns, ...opts, 'qdisc', 'show', ...where).stdout, tc(ns, ...opts, 'qdisc', 'show', ...where).stdout);
        }
      }
      assert.equal(nlkit('tc', '-n', ns, '-j', '-p', 'qdisc', 'show').stdout, tc(ns, '-j', '-p', 'qdisc', 'show').stdout);
      // nlkit's options before `tc`, tc's after it, prefixes as tc resolves them
      assert.equal(nlkit('-n', ns, '-j', 'tc', 'q', 's').stdout, tc(ns, '-j', 'qdisc', 'show').stdout);
      assert.equal(nlkit('-n', ns, 'tc', '-d', 'c', 'show', 'dev', 'v1').stdout, tc(ns, '-d', 'class', 'show', 'dev', 'v1').stdout);
      for (const dev of ['v1', 'v8']) assert.equal(nlkit('tc', '-n', ns, 'class', 'show', 'dev', dev).stdout, tc(ns, 'class', 'show', 'dev', dev).stdout);
      // an estimator's rate line
      assert.equal(nlkit('tc', '-n', ns, '-s', 'class', 'show', 'dev', 'v5').stdout, tc(ns, '-s', 'class', 'show', 'dev', 'v5').stdout);
      // -s: the counters and htb's xstats (lended, borrowed, giants, tokens, ctokens: nlkit's tc overlay)
      assert.equal(nlkit('tc', '-n', ns, '-s', '-d', 'class', 'show', 'dev', 'v1').stdout, tc(ns, '-s', '-d', 'class', 'show', 'dev', 'v1').stdout);
      const classes = JSON.parse(nlkit('tc', '-n', ns, '-j', 'class', 'show', 'dev', 'v1').stdout) as Record<string, unknown>[];
      assert.deepEqual(classes.map((c) => [c.class, c.handle, c.leaf]), [['htb', '1:10', '10:'], ['htb', '1:20', undefined]]);
    });
  });

  test('what nlkit tc writes, tc reads', async (t) => {
    if (!needRoot(t)) return;
    await withNetns((ns) => {
      ip(ns, 'link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1');
      const lines = [
        ['qdisc', 'add', 'dev', 'v0', 'root', 'handle', '1:', 'estimator', '1s', '8s', 'htb', 'default', '10'],
        ['class', 'add', 'dev', 'v0', 'parent', '1:', 'classid', '1:10', 'estimator', '500ms', '4s', 'htb', 'rate', '5mbit', 'ceil', '10mbit'],
        ['class', 'add', 'dev', 'v0', 'parent', '1:', 'classid', '1:20', 'htb', 'rate', '1mbit', 'burst', '15k', 'prio', '1'],
        ['qdisc', 'add', 'dev', 'v0', 'ingress'],
        ['qdisc', 'add', 'dev', 'v1', 'root', 'tbf', 'rate', '10mbit', 'burst', '32kb/8', 'latency', '50ms'],
        ['qdisc', 'add', 'dev', 'v1', 'clsact'],
      ];
      for (const l of lines) {
        const r = nlkit('tc', '-n', ns, ...l);
        assert.deepEqual([r.status, r.stderr], [0, ''], l.join(' '));
      }
      // made again by tc on fresh links: the same as tc shows them
      ip(ns, 'link', 'add', 'w0', 'type', 'veth', 'peer', 'name', 'w1');
      for (const l of lines) run('tc', ['-n', ns, ...l.map((w) => (w === 'v0' ? 'w0' : w === 'v1' ? 'w1' : w))]);
      const norm = (s: string) => s.replace(/\bw([01])\b/g, 'v$1').replace(/\b[0-9a-f]{4}:/g, 'AUTO:');
      for (const dev of ['0', '1']) {
        assert.equal(norm(tc(ns, '-j', '-s', '-d', 'qdisc', 'show', 'dev', `w${dev}`).stdout), norm(tc(ns, '-j', '-s', '-d', 'qdisc', 'show', 'dev', `v${dev}`).stdout));
        assert.equal(norm(tc(ns, '-s', '-d', 'class', 'show', 'dev', `w${dev}`).stdout), norm(tc(ns, '-s', '-d', 'class', 'show', 'dev', `v${dev}`).stdout));
      }
      for (const l of [['class', 'change', 'dev', 'v0', 'classid', '1:10', 'htb', 'rate', '5mbit', 'ceil', '20mbit'], ['class', 'del', 'dev', 'v0', 'classid', '1:20'], ['qdisc', 'del', 'dev', 'v0', 'ingress'], ['qdisc', 'replace', 'dev', 'v1', 'root', 'pfifo', 'limit', '10']]) {
        const r = nlkit('tc', '-n', ns, ...l);
        assert.deepEqual([r.status, r.stderr], [0, ''], l.join(' '));
      }
      assert.match(tc(ns, 'class', 'show', 'dev', 'v0').stdout, /^class htb 1:10 root prio 0 rate 5Mbit ceil 20Mbit burst 1600b cburst 1600b \n$/);
      assert.deepEqual(JSON.parse(tc(ns, '-j', 'qdisc', 'show', 'dev', 'v1').stdout).map((q: { kind: string }) => q.kind), ['pfifo', 'clsact']);
      assert.deepEqual(JSON.parse(tc(ns, '-j', 'qdisc', 'show', 'dev', 'v0').stdout).map((q: { kind: string }) => q.kind), ['htb']);
    });
  });

  test('-batch FILE (and -force) as tc -batch: lines in order, the failed line named, status 1', async (t) => {
    if (!needRoot(t)) return;
    await withNetns((ns) => {
      ip(ns, 'link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1');
      const file = join(tmpdir(), `nlkit-tc-batch-${process.pid}.txt`);
      writeFileSync(file, 'qdisc add dev v0 root handle 1: htb default 10\nclass add dev v0 parent 1: classid 1:10 htb rate 5mbit\n\n# a comment\nqdisc add dev nope root htb\nclass add dev v0 parent 1: classid 1:20 htb rate 1mbit\n');
      try {
        for (const force of [[], ['-force']]) {
          const want = tc(ns, ...force, '-batch', file);
          const wantClasses = tc(ns, 'class', 'show', 'dev', 'v0').stdout;
          run('tc', ['-n', ns, 'qdisc', 'del', 'dev', 'v0', 'root']);
          const got = nlkit('tc', '-n', ns, ...force, '-batch', file);
          assert.deepEqual([got.status, got.stderr, got.stdout], [want.status, want.stderr, want.stdout], `-batch ${force.join(' ')}`);
          assert.equal(tc(ns, 'class', 'show', 'dev', 'v0').stdout, wantClasses);
          run('tc', ['-n', ns, 'qdisc', 'del', 'dev', 'v0', 'root']);
        }
      } finally {
        rmSync(file, { force: true });
      }
    });
  });

  test('errors and exit statuses as tc\'s; `nlkit tc` is tc, `nlkit tcp` is tcpmetrics', async (t) => {
    if (!needRoot(t)) return;
    await withNetns((ns) => {
      ip(ns, 'link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1');
      run('tc', ['-n', ns, 'qdisc', 'add', 'dev', 'v0', 'root', 'htb']);
      for (const args of [
        ['qdisc', 'add', 'dev', 'nope', 'root', 'htb'],
        ['qdisc', 'add', 'dev', 'v0', 'root', 'htb'],
        ['qdisc', 'del', 'dev', 'v1', 'root'],
        ['class', 'add', 'dev', 'v1', 'parent', '1:', 'classid', '1:1', 'htb', 'rate', '1mbit'],
        ['qdisc', 'show', 'dev', 'nope'],
      ]) {
        const want = tc(ns, ...args);
        const got = nlkit('tc', '-n', ns, ...args);
        assert.deepEqual([got.status, got.stderr], [want.status, want.stderr], args.join(' '));
      }
      const unknown = nlkit('tc', 'foo');
      const tcUnknown = tc(undefined, 'foo');
      assert.deepEqual([unknown.status, unknown.stderr], [tcUnknown.status, tcUnknown.stderr]);
      assert.match(nlkit('tc', 'help').stdout, /OBJECT := \{ qdisc \| class/);
      assert.match(nlkit('help', 'tc').stdout, /Usage: nlkit tc \[ OPTIONS \] OBJECT/);
      assert.match(nlkit('tcp').stderr, /Object "tcpmetrics" is not implemented/);
      const bad = nlkit('tc', '-n', ns, 'qdisc', 'add', 'dev', 'v1', 'root', 'tbf', 'rate', 'fast', 'burst', '1k', 'latency', '1ms');
      assert.deepEqual([bad.status, /"rate"/.test(bad.stderr)], [255, true]);
      const what = nlkit('tc', '-n', ns, 'qdisc', 'add', 'dev', 'v1', 'root', 'tbf', 'speed', '1');
      assert.deepEqual([what.status, what.stderr], [1, 'What is "speed"?\n']);
    });
  });
  // tc prints a link layer only above ethernet (or with -d): nlkit printed `linklayer unspec` for
  // 0, what the kernel keeps for an htb class or tbf given no rate table to detect it from
  test('htb/tbf with link layer 0 (unspec): printed as tc prints it, with and without -d', async (t) => {
    if (!needRoot(t)) return;
    await withNetns((ns) => {
      ip(ns, 'link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1');
      tc(ns, 'qdisc', 'add', 'dev', 'v0', 'root', 'handle', '1:', 'htb');
      const h = openTc({ netns: ns });
      try {
        const scope = h.ctx.scope();
        const cls = classRequest(scope, { dev: 'v0', classid: '1:10', kind: 'htb', rate: '5mbit' }) as unknown as { options: { parms: { rate: { linklayer: number }; ceil: { linklayer: number } }; rtab?: Buffer; ctab?: Buffer } };
        cls.options.parms.rate.linklayer = cls.options.parms.ceil.linklayer = 0;
        delete cls.options.rtab;
        delete cls.options.ctab;
        h.ctx.conn.runSync(opCall(tcDesc, 'newtclass', 'do', cls as never, { flags: NLM_F_CREATE | NLM_F_EXCL }));
        const q = qdiscRequest(scope, { dev: 'v1', parent: 'root', kind: 'tbf', rate: '10mbit', burst: '32kb', latency: '50ms' }) as unknown as { options: { parms: { rate: { linklayer: number } }; rtab?: Buffer } };
        q.options.parms.rate.linklayer = 0;
        delete q.options.rtab;
        h.ctx.conn.runSync(opCall(tcDesc, 'newqdisc', 'do', q as never, { flags: NLM_F_CREATE | NLM_F_EXCL }));
      } finally {
        h.close();
      }
      assert.match(tc(ns, '-d', 'class', 'show', 'dev', 'v0').stdout, /linklayer unspec/);
      for (const args of [['class', 'show', 'dev', 'v0'], ['-d', 'class', 'show', 'dev', 'v0'], ['qdisc', 'show', 'dev', 'v1'], ['-d', 'qdisc', 'show', 'dev', 'v1'], ['-j', 'qdisc', 'show', 'dev', 'v1']]) {
        const ours = nlkit('tc', '-n', ns, ...args);
        assert.equal(ours.stdout, tc(ns, ...args).stdout, args.join(' '));
      }
    });
  });
});
