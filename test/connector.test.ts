import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { procEvents, decodeProcMessage, exitStatus, kernelHasProcInput, type ProcEvent } from '../src/connector/index.js';
import { Definitions } from '../src/core/definitions.js';
import { NetlinkArgumentError, NetlinkDecodeError, NetlinkSystemError } from '../src/core/errors.js';
import { description } from '../src/ynl/families/connector.js';
import { Family } from '../src/ynl/family.js';
import { resolveConst } from '../src/ynl/normalize.js';
import { haveCompiler, runC } from './helpers/cprog.js';
import { isRoot, withNetns } from './helpers/netns.js';

const defs = new Definitions(description, resolveConst);
const HEADERS = ['linux/connector.h', 'linux/cn_proc.h'];

test('connector spec: struct sizes and offsets are the uapi headers\'', (t) => {
  if (!haveCompiler()) return t.skip('no C compiler to read the uapi headers with');
  const checks: [string, string, string][] = [
    // [spec struct, C type, member list "spec-name:c-member"]
    ['cn-msg', 'struct cn_msg', 'id:id,seq:seq,ack:ack,len:len,flags:flags'],
    ['cb-id', 'struct cb_id', 'idx:idx,val:val'],
    ['proc-event-head', 'struct proc_event', 'what:what,cpu:cpu,timestamp-ns:timestamp_ns'],
    ['fork-proc-event', 'struct fork_proc_event', 'parent-pid:parent_pid,parent-tgid:parent_tgid,child-pid:child_pid,child-tgid:child_tgid'],
    ['exec-proc-event', 'struct exec_proc_event', 'process-pid:process_pid,process-tgid:process_tgid'],
    ['id-proc-event', 'struct id_proc_event', 'process-pid:process_pid,process-tgid:process_tgid,r:r,e:e'],
    ['sid-proc-event', 'struct sid_proc_event', 'process-pid:process_pid,process-tgid:process_tgid'],
    ['ptrace-proc-event', 'struct ptrace_proc_event', 'process-pid:process_pid,process-tgid:process_tgid,tracer-pid:tracer_pid,tracer-tgid:tracer_tgid'],
    ['comm-proc-event', 'struct comm_proc_event', 'process-pid:process_pid,process-tgid:process_tgid,comm:comm'],
    ['coredump-proc-event', 'struct coredump_proc_event', 'process-pid:process_pid,process-tgid:process_tgid,parent-pid:parent_pid,parent-tgid:parent_tgid'],
    ['exit-proc-event', 'struct exit_proc_event', 'process-pid:process_pid,process-tgid:process_tgid,exit-code:exit_code,exit-signal:exit_signal,parent-pid:parent_pid,parent-tgid:parent_tgid'],
  ];
  const lines = runC(HEADERS, checks.map(([, c, members]) => [
    `  printf("%zu\\n", sizeof(${c}));`,
    ...members.split(',').map((m) => `  printf("%zu\\n", offsetof(${c}, ${m.split(':')[1]}));`),
  ].join('\n')).join('\n') + '\n  printf("%zu %zu\\n", offsetof(struct proc_event, event_data), sizeof(((struct proc_event *)0)->event_data));');
  let i = 0;
  for (const [name, c, members] of checks) {
    const s = defs.struct(name);
    const size = Number(lines[i++]);
    // proc_event's head is its part before the union
    if (name !== 'proc-event-head') assert.equal(s.size, size, `${name} is sizeof(${c})`);
    for (const m of members.split(',')) {
      const key = m.split(':')[0].replace(/-([a-z])/g, (_, x: string) => x.toUpperCase());
      assert.equal(s.byKey.get(key)!.offset, Number(lines[i++]), `${name}.${m}`);
    }
  }
  const [unionAt, unionSize] = lines[i].split(' ').map(Number);
  const ev = defs.struct('cn-proc-event');
  assert.equal(ev.byKey.get('eventData')!.offset - defs.struct('cn-msg').size, unionAt, 'the union follows the head');
  assert.equal(ev.byKey.get('eventData')!.size, unionSize, 'the union is as large as its largest arm');
});

test('connector spec: enum values are the uapi headers\'', (t) => {
  if (!haveCompiler()) return t.skip('no C compiler to read the uapi headers with');
  const names = ['FORK', 'EXEC', 'UID', 'GID', 'SID', 'PTRACE', 'COMM', 'COREDUMP', 'EXIT'];
  const lines = runC(HEADERS, [
    ...names.map((n) => `  printf("%u\\n", (unsigned)PROC_EVENT_${n});`),
    '  printf("%u %u %u %u\\n", (unsigned)PROC_CN_MCAST_LISTEN, (unsigned)PROC_CN_MCAST_IGNORE, (unsigned)CN_IDX_PROC, (unsigned)CN_VAL_PROC);',
  ].join('\n'));
  const what = defs.enum('proc-cn-event');
  const set = defs.enum('proc-cn-event-set');
  names.forEach((n, i) => {
    assert.equal(what.byName.get(n.toLowerCase()), Number(lines[i]), `PROC_EVENT_${n}`);
    assert.equal(set.byName.get(n.toLowerCase()), Number(lines[i]), `PROC_EVENT_${n} as a filter bit`);
  });
  const [listen, ignore, idx, val] = lines[names.length].split(' ').map(Number);
  assert.equal(defs.enum('proc-cn-mcast-op').byName.get('listen'), listen);
  assert.equal(defs.enum('proc-cn-mcast-op').byName.get('ignore'), ignore);
  assert.equal(defs.consts.get('cn-idx-proc'), idx);
  assert.equal(defs.consts.get('cn-val-proc'), val);
  // proc_input and PROC_EVENT_NONZERO_EXIT (Linux 6.6) are newer than some installed headers: their
  // values are the kernel's (0x20000000, struct { u32 mcast_op; u32 event_type; })
  assert.equal(set.byName.get('nonzero-exit'), 0x20000000);
  assert.equal(defs.struct('proc-input').size, 8);
});

test('connector: proc events filled by C decode to the same values', (t) => {
  if (!haveCompiler()) return t.skip('no C compiler to read the uapi headers with');
  const lines = runC(HEADERS, `
  unsigned char buf[sizeof(struct cn_msg) + sizeof(struct proc_event)];
  struct cn_msg *m = (struct cn_msg *)buf; struct proc_event *ev = (struct proc_event *)m->data;
  memset(buf, 0, sizeof(buf)); m->id.idx = CN_IDX_PROC; m->id.val = CN_VAL_PROC; m->seq = 7; m->len = sizeof(*ev);
  ev->cpu = 1; ev->timestamp_ns = 123456789012345ULL;
  ev->what = PROC_EVENT_FORK; ev->event_data.fork.parent_pid = 10; ev->event_data.fork.parent_tgid = 11;
  ev->event_data.fork.child_pid = 12; ev->event_data.fork.child_tgid = 13; hex(buf, sizeof(buf));
  memset(&ev->event_data, 0, sizeof(ev->event_data));
  ev->what = PROC_EVENT_EXIT; ev->event_data.exit.process_pid = 20; ev->event_data.exit.process_tgid = 21;
  ev->event_data.exit.exit_code = 9; ev->event_data.exit.exit_signal = 17; ev->event_data.exit.parent_pid = 22;
  ev->event_data.exit.parent_tgid = 23; hex(buf, sizeof(buf));
  memset(&ev->event_data, 0, sizeof(ev->event_data));
  ev->what = PROC_EVENT_COMM; ev->event_data.comm.process_pid = 30; ev->event_data.comm.process_tgid = 31;
  strcpy(ev->event_data.comm.comm, "kworker/0:1"); hex(buf, sizeof(buf));
  memset(&ev->event_data, 0, sizeof(ev->event_data));
  ev->what = PROC_EVENT_UID; ev->event_data.id.process_pid = 40; ev->event_data.id.process_tgid = 41;
  ev->event_data.id.r.ruid = 1000; ev->event_data.id.e.euid = 0; hex(buf, sizeof(buf));
  memset(&ev->event_data, 0, sizeof(ev->event_data));
  ev->what = PROC_EVENT_NONE; ev->event_data.ack.err = 1; hex(buf, sizeof(buf));`);
  const [fork, exit, comm, uid, ack] = lines.map((l) => Buffer.from(l, 'hex'));
  const common = { cpu: 1, timestampNs: 123456789012345n };
  assert.deepEqual(decodeProcMessage(fork, 0, fork.length), { type: 'fork', ...common, pid: 12, tgid: 13, parentPid: 10, parentTgid: 11 });
  assert.deepEqual(decodeProcMessage(exit, 0, exit.length), {
    type: 'exit', ...common, pid: 20, tgid: 21, exitCode: 9, status: { signal: 9, coreDumped: false }, exitSignal: 17, parentPid: 22, parentTgid: 23,
  });
  assert.deepEqual(decodeProcMessage(comm, 0, comm.length), { type: 'comm', ...common, pid: 30, tgid: 31, comm: 'kworker/0:1' });
  assert.deepEqual(decodeProcMessage(uid, 0, uid.length), { type: 'uid', ...common, pid: 40, tgid: 41, ruid: 1000, euid: 0 });
  assert.deepEqual(decodeProcMessage(ack, 0, ack.length), { type: 'ack', err: 1 });
});

test('connector: the listen request is cn_msg + proc_input as C lays them out', (t) => {
  if (!haveCompiler()) return t.skip('no C compiler to read the uapi headers with');
  // proc_input spelled out: the installed header may predate it
  const [c] = runC(HEADERS, `
  struct { struct cn_msg m; unsigned op; unsigned events; } __attribute__((packed)) r;
  memset(&r, 0, sizeof(r)); r.m.id.idx = CN_IDX_PROC; r.m.id.val = CN_VAL_PROC; r.m.seq = 3; r.m.len = 8;
  r.op = PROC_CN_MCAST_LISTEN; r.events = PROC_EVENT_EXEC | PROC_EVENT_EXIT; hex(&r, sizeof(r));`);
  const body = Family.from(description).encode('proc-control', {
    msg: { id: { idx: 1, val: 1 }, seq: 3, ack: 0, len: 8, flags: 0 }, input: { mcastOp: 'listen', eventType: ['exec', 'exit'] },
  });
  assert.equal(body.toString('hex'), c);
});

test('connector: exit status from the wait status', () => {
  assert.deepEqual(exitStatus(3 << 8), { code: 3 });
  assert.deepEqual(exitStatus(9), { signal: 9, coreDumped: false });
  assert.deepEqual(exitStatus(0x80 | 11), { signal: 11, coreDumped: true });
  assert.equal(kernelHasProcInput('6.6.0'), true);
  assert.equal(kernelHasProcInput('6.5.9-foo'), false);
  assert.equal(kernelHasProcInput('7.0'), true);
});

test('connector: bad messages are typed decode errors', () => {
  const ok = Buffer.alloc(60);
  ok.writeUInt32LE(1, 0); ok.writeUInt32LE(1, 4); ok.writeUInt16LE(40, 16); ok.writeUInt32LE(1, 20);
  assert.equal(decodeProcMessage(ok, 0, 60).type, 'fork');
  assert.throws(() => decodeProcMessage(ok, 0, 59), NetlinkDecodeError);
  const other = Buffer.from(ok); other.writeUInt32LE(9, 0);
  assert.throws(() => decodeProcMessage(other, 0, 60), /not the process events connector/);
  const unknown = Buffer.from(ok); unknown.writeUInt32LE(0x400, 20);
  assert.throws(() => decodeProcMessage(unknown, 0, 60), /unknown process event 0x400/);
  const long = Buffer.from(ok); long.writeUInt16LE(41, 16);
  assert.throws(() => decodeProcMessage(long, 0, 60), /cn_msg.len 41/);
});

test('connector: options are checked before any socket exists', () => {
  assert.throws(() => procEvents({ events: ['forks' as 'fork'] }), (e: unknown) => e instanceof NetlinkArgumentError && e.argument === 'events');
  for (const [k, v] of [['highWaterMark', 0], ['highWaterMark', 0.5], ['ref', 'yes']] as const)
    assert.throws(() => procEvents({ [k]: v }), (e: unknown) => e instanceof NetlinkArgumentError && e.argument === k, k);
  assert.throws(() => procEvents({ events: [] }), NetlinkArgumentError);
  assert.throws(() => procEvents({ cmdline: 1 as unknown as boolean }), (e: unknown) => e instanceof NetlinkArgumentError && e.argument === 'cmdline');
  assert.throws(() => procEvents({ colour: true } as never), (e: unknown) => e instanceof NetlinkArgumentError && e.argument === 'colour');
});

test('connector: a child\'s fork, exec and exit, with its pids', async (t) => {
  if (!isRoot) return t.skip('needs root (CAP_NET_ADMIN) to subscribe to process events');
  const events = procEvents({ events: ['fork', 'exec', 'exit'], cmdline: true });
  const seen: ProcEvent[] = [];
  let childPid = 0;
  const done = (async () => {
    for await (const ev of events) {
      if (ev.type === 'overrun' || ev.type === 'error') continue;
      if (ev.tgid === childPid || (ev.type === 'fork' && ev.pid === childPid)) seen.push(ev);
      if (ev.type === 'exit' && ev.tgid === childPid && ev.pid === childPid) break;
    }
  })();
  // subscribed before the child starts: the LISTEN request went out synchronously
  const child = spawn('/bin/sh', ['-c', 'exec sleep 0.2'], { stdio: 'ignore' });
  childPid = child.pid!;
  const exited = new Promise((resolve) => child.on('exit', resolve));
  const timer = setTimeout(() => events.close(), 10_000);
  await done;
  clearTimeout(timer);
  await exited;
  events.close();
  const fork = seen.find((e) => e.type === 'fork');
  const exec = seen.find((e) => e.type === 'exec');
  const exit = seen.find((e) => e.type === 'exit');
  assert.ok(fork && fork.type === 'fork', 'fork seen');
  assert.equal(fork.pid, childPid);
  assert.equal(fork.tgid, childPid);
  assert.equal(fork.parentTgid, process.pid, 'forked by this process');
  assert.ok(exec && exec.type === 'exec', 'exec seen');
  assert.equal(exec.pid, childPid);
  assert.ok(exit && exit.type === 'exit', 'exit seen');
  assert.equal(exit.pid, childPid);
  assert.deepEqual(exit.status, { code: 0 });
  assert.equal(exit.parentTgid, process.pid);
  // the order the kernel saw them in
  assert.ok(fork.timestampNs < exec.timestampNs && exec.timestampNs < exit.timestampNs);
  if (exec.cmdline) assert.ok(['/bin/sh', 'sleep'].includes(exec.cmdline[0]), `cmdline ${exec.cmdline.join(' ')}`);
});

test('connector: another network namespace has no process connector: a typed error', async (t) => {
  if (!isRoot) return t.skip('needs root to make a namespace');
  await withNetns((ns) => {
    assert.throws(() => procEvents({ netns: ns }), (e: unknown) => e instanceof NetlinkSystemError && e.code === 'ECONNREFUSED' && /initial one/.test(e.message));
  });
});

test('connector: events the kernel dropped (a full receive queue) are an overrun item', async (t) => {
  if (!isRoot) return t.skip('needs root (CAP_NET_ADMIN) to subscribe to process events');
  // a small queue and a consumer that reads nothing yet: reading pauses after one item, the socket fills
  const events = procEvents({ events: ['fork', 'exec', 'exit'], rcvbuf: 4096, highWaterMark: 1 });
  const storm = spawn('/bin/sh', ['-c', 'i=0; while [ $i -lt 200 ]; do /bin/true; i=$((i+1)); done'], { stdio: 'ignore' });
  await new Promise((resolve) => storm.on('exit', resolve));
  let overruns = 0, seen = 0;
  const timer = setTimeout(() => events.close(), 5000);
  for await (const ev of events) {
    if (ev.type === 'overrun') overruns++;
    else seen++;
    if (overruns) break;
  }
  clearTimeout(timer);
  events.close();
  assert.ok(overruns >= 1, `an overrun item after ${seen} events`);
});
