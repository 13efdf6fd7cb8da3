import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  Audit, decodeRecordBody, decodeRule, encodeRule, EventGrouper, formatRule, parseRule, statusRequest, type AuditEvent, type AuditStatus,
} from '../src/audit/index.js';
import { NetlinkArgumentError, NetlinkError } from '../src/core/errors.js';
import { description } from '../src/ynl/families/audit.js';
import { Family } from '../src/ynl/family.js';
import { haveCompiler, runC } from './helpers/cprog.js';
import { isRoot } from './helpers/netns.js';

const audit = Family.from(description);
const HEADERS = ['linux/audit.h', 'asm/unistd.h'];

test('audit spec: struct audit_status and audit_rule_data are the uapi headers\'', (t) => {
  if (!haveCompiler()) return t.skip('no C compiler to read the uapi headers with');
  const statusMembers = ['mask', 'enabled', 'failure', 'pid', 'rate_limit', 'backlog_limit', 'lost', 'backlog', 'feature_bitmap', 'backlog_wait_time', 'backlog_wait_time_actual'];
  const ruleMembers = ['flags', 'action', 'field_count', 'mask', 'fields', 'values', 'fieldflags', 'buflen', 'buf'];
  const lines = runC(HEADERS, [
    '  printf("%zu %zu\\n", sizeof(struct audit_status), sizeof(struct audit_rule_data));',
    ...statusMembers.map((m) => `  printf("%zu\\n", offsetof(struct audit_status, ${m}));`),
    ...ruleMembers.map((m) => `  printf("%zu\\n", offsetof(struct audit_rule_data, ${m}));`),
    '  printf("%d %d %d %d\\n", AUDIT_GET, AUDIT_SET, AUDIT_USER, AUDIT_ADD_RULE);',
    '  printf("%d %d %d\\n", AUDIT_DEL_RULE, AUDIT_LIST_RULES, AUDIT_NLGRP_READLOG);',
  ].join('\n'));
  const [statusSize, ruleSize] = lines[0].split(' ').map(Number);
  const status = audit.struct('audit-status'), rule = audit.struct('audit-rule-data');
  assert.equal(status.size, statusSize);
  assert.equal(rule.size, ruleSize, 'the fixed part (buf is flexible)');
  const camel = (s: string) => s.replace(/_([a-z])/g, (_, x: string) => x.toUpperCase());
  statusMembers.forEach((m, i) => assert.equal(status.byKey.get(camel(m))!.offset, Number(lines[1 + i]), `audit_status.${m}`));
  ruleMembers.forEach((m, i) => assert.equal(rule.byKey.get(camel(m))!.offset, Number(lines[1 + statusMembers.length + i]), `audit_rule_data.${m}`));
  const [get, set, user, add] = lines.at(-2)!.split(' ').map(Number);
  const [del, list, readlog] = lines.at(-1)!.split(' ').map(Number);
  const ops = Object.fromEntries(description.operations.map((o) => [o.name, o.requestValue]));
  assert.deepEqual(ops, { get, set, user, 'add-rule': add, 'del-rule': del, 'list-rules': list });
  assert.equal(description.mcastGroups[0].value, readlog);
});

test('audit spec: record types are the uapi headers\'', (t) => {
  if (!haveCompiler()) return t.skip('no C compiler to read the uapi headers with');
  const types = audit.enum('msg-type');
  const names = [...types.byName.keys()];
  const lines = runC(HEADERS, names.map((n) => `  printf("%d\\n", AUDIT_${n.toUpperCase().replace(/-/g, '_')});`).join('\n'));
  names.forEach((n, i) => assert.equal(types.byName.get(n), Number(lines[i]), `AUDIT_${n}`));
});

test('audit: a status set request is audit_status as C fills it', (t) => {
  if (!haveCompiler()) return t.skip('no C compiler to read the uapi headers with');
  const [c] = runC(HEADERS, `
  struct audit_status s; memset(&s, 0, sizeof(s));
  s.mask = AUDIT_STATUS_ENABLED | AUDIT_STATUS_FAILURE | AUDIT_STATUS_RATE_LIMIT | AUDIT_STATUS_BACKLOG_LIMIT | AUDIT_STATUS_BACKLOG_WAIT_TIME;
  s.enabled = 1; s.failure = AUDIT_FAIL_PANIC; s.rate_limit = 100; s.backlog_limit = 8192; s.backlog_wait_time = 60000; hex(&s, sizeof(s));`);
  const body = audit.encode('set', statusRequest({ enabled: true, failure: 'panic', rateLimit: 100, backlogLimit: 8192, backlogWaitTime: 60000 }));
  assert.equal(body.toString('hex'), c);
});

test('audit: a syscall rule and a watch are audit_rule_data as auditctl fills it', (t) => {
  if (!haveCompiler()) return t.skip('no C compiler to read the uapi headers with');
  if (process.arch !== 'x64') return t.skip('the C side spells x86_64 syscall numbers');
  const [syscall, watch] = runC(HEADERS, `
  size_t n = sizeof(struct audit_rule_data) + 16;
  struct audit_rule_data *r = calloc(1, n);
  r->flags = AUDIT_FILTER_EXIT; r->action = AUDIT_ALWAYS; r->field_count = 2;
  r->mask[__NR_openat / 32] |= 1u << (__NR_openat % 32); r->mask[__NR_unlinkat / 32] |= 1u << (__NR_unlinkat % 32);
  r->fields[0] = AUDIT_ARCH; r->values[0] = AUDIT_ARCH_X86_64; r->fieldflags[0] = AUDIT_EQUAL;
  r->fields[1] = AUDIT_FILTERKEY; r->values[1] = 5; r->fieldflags[1] = AUDIT_EQUAL; memcpy(r->buf, "opens", 5); r->buflen = 5;
  hex(r, sizeof(*r) + r->buflen);
  memset(r, 0, n);
  r->flags = AUDIT_FILTER_EXIT; r->action = AUDIT_ALWAYS; r->field_count = 3;
  for (int i = 0; i < AUDIT_BITMASK_SIZE; i++) r->mask[i] = ~0u;
  r->fields[0] = AUDIT_WATCH; r->values[0] = 8; r->fieldflags[0] = AUDIT_EQUAL;
  r->fields[1] = AUDIT_PERM; r->values[1] = AUDIT_PERM_WRITE | AUDIT_PERM_ATTR; r->fieldflags[1] = AUDIT_EQUAL;
  r->fields[2] = AUDIT_FILTERKEY; r->values[2] = 3; r->fieldflags[2] = AUDIT_EQUAL; memcpy(r->buf, "/nowherepwd", 11); r->buflen = 11;
  hex(r, sizeof(*r) + r->buflen);`);
  const ours = (text: string) => audit.encode('add-rule', encodeRule(parseRule(text))).toString('hex');
  // the message pads the flexible buffer to 4 bytes; buflen says where the strings end
  const padded = (h: string) => h.padEnd(Math.ceil(h.length / 8) * 8, '0');
  assert.equal(ours('-a always,exit -F arch=b64 -S openat,unlinkat -k opens'), padded(syscall));
  assert.equal(ours('-w /nowhere -p wa -k pwd'), padded(watch));
  // and back: the kernel lists rules in the same struct
  const back = decodeRule(audit.decode('list-rules', Buffer.from(syscall, 'hex')) as never);
  assert.equal(formatRule(back), '-a always,exit -F arch=b64 -S openat,unlinkat -F key=opens');
});

test('audit: auditctl text round trips', () => {
  const lines = [
    '-a always,exit -F arch=b64 -S openat -F key=x',
    '-a always,exit -F arch=b64 -S openat,unlinkat,renameat -F auid>=1000 -F auid!=unset -F key=delete',
    '-a always,exit -F arch=b32 -S all -F exit=-13 -F key=access',
    '-a never,exclude -F msgtype=cwd',
    '-a always,user -F uid=0',
    '-a always,exit -S all -F path=/etc/shadow -F perm=r -F success=0',
    '-w /etc/passwd -p wa -k identity',
    '-w /etc/sudoers -p rwxa',
  ];
  for (const l of lines) assert.equal(formatRule(parseRule(l)), l, l);
  // auditctl's other spellings
  assert.equal(formatRule(parseRule('-a exit,always -F arch=b64 -S openat -k x')), lines[0]);
  assert.equal(formatRule(parseRule('-a always,exit -F arch=b64 -S openat -F loginuid!=unset -k a -k b')), '-a always,exit -F arch=b64 -S openat -F auid!=unset -F key=a\x01b');
  assert.deepEqual(parseRule('-A always,exit -F arch=b64 -S 257'), { action: 'always', list: 'exit', prepend: true, syscalls: [257], fields: [{ name: 'arch', op: '=', value: 'b64' }] });
});

test('audit: bad rules are argument errors naming the part', () => {
  const arg = (name: string) => (e: unknown) => e instanceof NetlinkArgumentError && e.argument === name;
  assert.throws(() => parseRule('-a always,exit -S nosuchcall'), arg('syscalls'));
  assert.throws(() => parseRule('-a always,nowhere'), arg('list'));
  assert.throws(() => parseRule('-a sometimes,exit'), arg('action'));
  assert.throws(() => parseRule('-a always,exit -F colour=blue'), arg('fields'));
  assert.throws(() => parseRule('-a always,exit -F uid~0'), arg('rule'));
  assert.throws(() => parseRule('-a always,exit -F arch=b128'), arg('fields'));
  assert.throws(() => parseRule('-w relative/path'), arg('watch'));
  assert.throws(() => parseRule('-w /x -p rwq'), arg('fields'));
  assert.throws(() => parseRule('-S openat'), arg('rule'));
  assert.throws(() => parseRule('-a always,exit -C uid!=euid'), arg('rule'));
  assert.throws(() => encodeRule({ list: 'exclude', action: 'never', syscalls: ['openat'] }), arg('syscalls'));
  assert.throws(() => encodeRule({ list: 'exit', action: 'always', syscalls: [4000] }), arg('syscalls'));
  assert.throws(() => statusRequest({}), arg('change'));
  assert.throws(() => statusRequest({ backlogLimit: -1 }), arg('backlogLimit'));
  assert.throws(() => statusRequest({ failure: 'loud' as 'panic' }), arg('failure'));
  assert.throws(() => statusRequest({ enabled: 1 as unknown as boolean }), arg('enabled'));
});

test('audit: records parse, and group into events by serial', () => {
  const rec = (type: number, text: string) => decodeRecordBody(type, Buffer.from(text), 0, Buffer.byteLength(text));
  const sc = rec(1300, 'audit(1700000000.123:42): arch=c000003e syscall=257 success=yes exit=3 comm="cat" exe="/usr/bin/cat" key="opens"');
  assert.equal(sc.recordType, 'syscall');
  assert.equal(sc.serial, 42);
  assert.equal(sc.time, 1700000000.123);
  assert.deepEqual(sc.fields, { arch: 'c000003e', syscall: '257', success: 'yes', exit: '3', comm: 'cat', exe: '/usr/bin/cat', key: 'opens' });
  const user = rec(1005, "audit(1700000000.200:43): pid=1 uid=0 msg='hello world'\0");
  assert.equal(user.fields.msg, 'hello world');
  assert.throws(() => rec(1300, 'no stamp here'), /without an audit\(time:serial\) stamp/);
  const g = new EventGrouper(100);
  assert.equal(g.add(sc, 0), undefined);
  assert.equal(g.add(rec(1302, 'audit(1700000000.123:42): item=0 name="/etc/passwd"'), 1), undefined);
  assert.equal(g.add(user, 2), undefined);
  const ev = g.add(rec(1320, 'audit(1700000000.123:42): '), 3);
  assert.deepEqual(ev?.records.map((r) => r.recordType), ['syscall', 'path'], 'complete at its end-of-event record');
  assert.equal(g.nextDue(50), 52);
  assert.deepEqual(g.due(50), []);
  assert.deepEqual(g.due(102).map((e) => e.serial), [43], 'a lone record is an event once quiet');
  assert.deepEqual(g.flush(), []);
});

// ----------------------------------------------------------------- the real kernel

/** The machine's audit state, to restore exactly: status fields and rules. */
interface AuditState {
  status: AuditStatus;
  rules: string[];
}

function snapshot(a: Audit): AuditState {
  return { status: a.statusSync(), rules: a.listRulesSync().map((r) => formatRule(r)) };
}

/** Puts the state back whatever the test left: rules it added removed, status fields as they were. */
function restore(a: Audit, before: AuditState): void {
  const keep = [...before.rules];
  for (const r of a.listRulesSync()) {
    const i = keep.indexOf(formatRule(r));
    if (i >= 0) keep.splice(i, 1);
    else a.deleteRuleSync(r);
  }
  const s = before.status;
  a.setStatusSync({
    enabled: s.enabled === 'enabled', failure: s.failure as 'printk', rateLimit: s.rateLimit, backlogLimit: s.backlogLimit,
    backlogWaitTime: s.backlogWaitTime,
  });
}

/** Runs fn with an Audit handle, the state restored afterwards and checked to be what it was. */
async function withAudit(t: TestContext, fn: (a: Audit, before: AuditState) => Promise<void>): Promise<void> {
  if (!isRoot) return t.skip('needs root (CAP_AUDIT_CONTROL)');
  const a = Audit.open();
  try {
    const before = snapshot(a);
    if (before.status.enabled === 'locked') return t.skip('audit is locked (enabled=2): its state cannot change until reboot');
    try {
      await fn(a, before);
    } finally {
      restore(a, before);
      const after = snapshot(a);
      const fields = ['enabled', 'failure', 'rateLimit', 'backlogLimit', 'backlogWaitTime', 'pid'] as const;
      for (const f of fields) assert.equal(after.status[f], before.status[f], `audit ${f} restored`);
      assert.deepEqual(after.rules, before.rules, 'audit rules restored');
    }
  } finally {
    a.close();
  }
}

function auditctlRules(): string[] | undefined {
  try {
    const out = execFileSync('auditctl', ['-l'], { encoding: 'utf8' });
    return out.trim() === 'No rules' ? [] : out.trim().split('\n');
  } catch {
    return undefined;
  }
}

test('audit: status round trip', async (t) => {
  await withAudit(t, async (a, before) => {
    const s = before.status;
    assert.ok(s.features.includes('backlog-limit'), `features ${s.features.join(' ')}`);
    await a.setStatus({ backlogLimit: s.backlogLimit + 1, rateLimit: s.rateLimit + 7, backlogWaitTime: s.backlogWaitTime + 1 });
    const now = await a.status();
    assert.equal(now.backlogLimit, s.backlogLimit + 1);
    assert.equal(now.rateLimit, s.rateLimit + 7);
    assert.equal(now.backlogWaitTime, s.backlogWaitTime + 1);
    assert.equal(now.enabled, s.enabled, 'fields outside the mask unchanged');
    assert.equal(now.failure, s.failure);
    assert.deepEqual(a.statusSync(), await a.status(), 'Sync twin');
  });
});

test('audit: a rule and a watch added, listed and removed', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'nlkt-audit-'));
  try {
    await withAudit(t, async (a, before) => {
      const syscall = process.arch === 'x64' || process.arch === 'arm64'
        ? '-a always,exit -F arch=b64 -S openat,unlinkat -F auid!=unset -F key=nlkit-test'
        : '-a always,exit -S all -F auid!=unset -F key=nlkit-test';
      const watch = `-w ${dir}/target -p wa -k nlkit-watch`;
      await a.addRule(syscall);
      a.addRuleSync(parseRule(watch));
      const listed = (await a.listRules()).map((r) => formatRule(r));
      assert.deepEqual(listed.slice(before.rules.length), [syscall, watch], 'listed as auditctl writes them');
      const ctl = auditctlRules();
      if (ctl) assert.deepEqual(ctl.slice(before.rules.length), [syscall, watch], 'auditctl -l agrees');
      else t.diagnostic('auditctl is not installed: the listing is compared with the expected auditctl text only');
      await assert.rejects(a.addRule(syscall), (e: unknown) => e instanceof NetlinkError && e.code === 'EEXIST');
      await a.deleteRule(syscall);
      await a.deleteRule({ watch: `${dir}/target`, perms: 'wa', key: 'nlkit-watch' });
      await assert.rejects(a.deleteRule(syscall), (e: unknown) => e instanceof NetlinkError && e.code === 'ENOENT');
      assert.deepEqual((await a.listRules()).map((r) => formatRule(r)), before.rules);
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('audit: a user message is received as a record, grouped as an event', async (t) => {
  await withAudit(t, async (a) => {
    // user messages are dropped while audit is disabled
    await a.setStatus({ enabled: true });
    const stream = a.watch();
    const text = `nlkit test ${process.pid} ${Date.now()}`;
    const timer = setTimeout(() => stream.close(), 5000);
    const got = (async () => {
      for await (const item of stream) {
        if (item.type !== 'event') continue;
        const user = item.records.find((r) => r.recordType === 'user' && r.fields.msg === text);
        if (user) return item;
      }
      return undefined;
    })();
    await a.user(text);
    const ev: AuditEvent | undefined = await got;
    clearTimeout(timer);
    stream.close();
    assert.ok(ev, 'the user message came back as a record');
    assert.equal(ev.records.length, 1);
    assert.equal(ev.records[0].fields.pid, String(process.pid));
    assert.equal(ev.records[0].serial, ev.serial);
    assert.throws(() => a.userSync(''), NetlinkArgumentError);
    assert.throws(() => a.userSync('x'.repeat(9000)), NetlinkArgumentError);
  });
});

test('audit: records as the registered audit daemon, unregistered on close', async (t) => {
  await withAudit(t, async (a, before) => {
    if (before.status.pid !== 0) return t.skip(`an audit daemon (pid ${before.status.pid}) is registered: nlkit may not replace it`);
    await a.setStatus({ enabled: true });
    const stream = a.watch({ mode: 'auditd', group: false });
    assert.equal((await a.status()).pid, process.pid, 'registered as the daemon when watch() returns');
    const text = `nlkit auditd ${process.pid} ${Date.now()}`;
    const timer = setTimeout(() => stream.close(), 5000);
    const got = (async () => {
      for await (const item of stream) if (item.type === 'record' && item.recordType === 'user' && item.fields.msg === text) return item;
      return undefined;
    })();
    // a second daemon is refused while this one lives, and changes nothing
    assert.throws(() => a.watch({ mode: 'auditd' }), (e: unknown) => e instanceof NetlinkError && e.code === 'EEXIST');
    assert.equal((await a.status()).pid, process.pid, 'the refused one did not unregister the first');
    await a.user(text);
    const rec = await got;
    clearTimeout(timer);
    stream.close();
    assert.ok(rec, 'the user record came to the daemon socket, whole (the kernel\'s unicast framing)');
    assert.equal(rec.text.endsWith(`msg='${text}'`), true, rec.text);
    assert.equal((await a.status()).pid, 0, 'unregistered on close');
  });
});
