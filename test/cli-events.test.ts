import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { splitRules } from '../src/cli/audit.js';
import { procLine } from '../src/cli/proc.js';
import { ueventText } from '../src/cli/uevent.js';
import { CLI, nlkit, ok } from './helpers/cli-run.js';
import { ip, needRoot, withNetns } from './helpers/netns.js';

test('nlkit proc, uevent, audit: usage errors before anything is opened', () => {
  for (const args of [['proc', '-e', 'forks'], ['proc', '--count', '0'], ['uevent', 'extra'], ['audit', 'frobnicate'], ['audit', 'set', 'enabled', '3'],
    ['audit', 'set', 'colour', '1'], ['audit', 'rules', 'add'], ['audit', 'user'], ['audit', 'watch', '--duration', 'x']]) {
    const r = nlkit(...args);
    assert.equal(r.status, 1, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, /^nlkit: (proc|uevent|audit): /);
  }
  assert.match(ok(nlkit('proc', 'help')), /Usage: nlkit proc/);
  assert.match(ok(nlkit('audit', '--help')), /nlkit audit rules add RULE/);
});

test('nlkit proc and uevent: one line per event', () => {
  assert.equal(procLine({ type: 'exit', cpu: 0, timestampNs: 1n, pid: 5, tgid: 5, exitCode: 256, status: { code: 1 }, exitSignal: 17, parentPid: 1, parentTgid: 1 }),
    'exit     pid 5/5 code 1 parent 1/1\n');
  assert.equal(procLine({ type: 'fork', cpu: 0, timestampNs: 1n, pid: 7, tgid: 6, parentPid: 6, parentTgid: 6 }), 'fork     parent 6/6 child 6/7 (thread)\n');
  assert.equal(ueventText({ type: 'uevent', source: 'kernel', action: 'add', devpath: '/devices/x', subsystem: 'net', seqnum: 9n, env: { A: 'b' } }, true),
    'KERNEL[9] add      /devices/x (net)\n  A=b\n\n');
  assert.deepEqual(splitRules(['-a', 'always,exit', '-S', 'openat', '-k', 'x', '-w /etc/passwd -p wa']), ['-a always,exit -S openat -k x', '-w /etc/passwd -p wa']);
});

test('nlkit audit status and rules, as auditctl prints them', (t) => {
  if (!needRoot(t)) return;
  const status = ok(nlkit('audit', 'status'));
  assert.match(status, /^enabled [012]\nfailure [012]\npid \d+\nrate_limit \d+\nbacklog_limit \d+\nlost \d+\nbacklog \d+\nbacklog_wait_time \d+\nbacklog_wait_time_actual \d+\n$/);
  const json = JSON.parse(ok(nlkit('audit', 'status', '-j')));
  assert.equal(typeof json.backlogLimit, 'number');
  const rules = ok(nlkit('audit', 'rules'));
  const listed = JSON.parse(ok(nlkit('audit', 'rules', '--json'))) as unknown[];
  assert.equal(rules === 'No rules\n' ? 0 : rules.trim().split('\n').length, listed.length);
});

test('nlkit audit rules add and delete', async (t) => {
  if (!needRoot(t)) return;
  const rule = '-a always,exit -F arch=b64 -S renameat2 -F key=nlkit-cli';
  try {
    ok(nlkit('audit', 'rules', 'add', ...rule.split(' ')));
    const after = ok(nlkit('audit', 'rules'));
    assert.ok(after.split('\n').includes(rule), after);
    ok(nlkit('audit', 'rules', 'delete', rule));
  } finally {
    nlkit('audit', 'rules', 'delete', rule); // gone already unless the test failed half way
  }
  // only this rule is compared: audit rules are the machine's, and others may change them meanwhile
  assert.ok(!ok(nlkit('audit', 'rules')).split('\n').includes(rule));
});

test('nlkit uevent --netns prints a veth created there', async (t) => {
  if (!needRoot(t)) return;
  await withNetns(async (ns) => {
    const child = spawn(process.execPath, [CLI, 'uevent', '--netns', ns, '--duration', '10', '-j'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise((resolve) => child.on('exit', resolve));
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    const events = () => out.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { action: string; subsystem: string; seqnum: number });
    // no ready signal: a loaded machine may open the socket late, so a veth is made again
    // (a new name each time) until one is announced
    for (let i = 0; i < 8 && !events().some((e) => e.action === 'add'); i++) {
      await new Promise((r) => setTimeout(r, 500));
      ip(ns, 'link', 'add', `nlkt-a${i}`, 'type', 'veth', 'peer', 'name', `nlkt-b${i}`);
      await new Promise((r) => setTimeout(r, 250));
    }
    child.kill('SIGINT');
    assert.equal(await exited, 0);
    if (!out.trim()) return t.skip('no uevent arrived in the namespace: this kernel does not deliver uevents per network namespace');
    const add = events().find((e) => e.action === 'add');
    assert.ok(add, out);
    assert.equal(add.subsystem, 'net');
    assert.equal(typeof add.seqnum, 'number');
  });
});

test('nlkit proc prints a command this test runs', async (t) => {
  if (!needRoot(t)) return;
  const child = spawn(process.execPath, [CLI, 'proc', '-e', 'exec', '--cmdline', '--duration', '10'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise((resolve) => child.on('exit', resolve));
  let out = '';
  const marker = `nlkit-proc-test-${process.pid}`;
  let signalled = false;
  child.stdout.on('data', (d) => {
    out += d;
    if (out.includes(marker) && !signalled) {
      signalled = true; // once: a second SIGINT after the stream ended would kill it
      child.kill('SIGINT');
    }
  });
  await new Promise((r) => setTimeout(r, 700));
  // the shell outlives its sleep: its command line is still there to read
  const sh = spawn('/bin/sh', ['-c', `sleep 0.3; true # ${marker}`]);
  await new Promise((r) => sh.on('exit', r));
  const code = await exited;
  assert.equal(code, 0, 'SIGINT ends it cleanly');
  assert.match(out, new RegExp(`^exec +pid ${sh.pid}/${sh.pid} /bin/sh -c sleep 0.3; true # ${marker}$`, 'm'));
});
