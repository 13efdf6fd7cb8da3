// nlkit/tc filters and chains against `tc`: filters nlkit makes read back with `tc -j -s filter
// show` with the same values, filters tc makes read by nlkit the same, get/replace/delete as tc,
// chains, and a behaviour test: a u32 + mirred redirect that moves the packets it matches
// (and only those) to another link. Kinds the kernel lacks (probed) skip with the reason.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { NetlinkArgumentError, NetlinkError } from '../src/core/errors.js';
import type { Filter } from '../src/tc/index.js';
import { ip } from './helpers/netns.js';
import { CLSACT_VETH, rxPackets, sendUdp, tc, tcJson, tcProbe, withTc } from './helpers/tc-ns.js';
import { haveCompiler, runC } from './helpers/cprog.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { bpfObjGet } from '../src/tc/bpf-obj.js';

type TcFilter = { protocol: string; pref: number; kind: string; chain: number; options?: Record<string, unknown> };

/** Every `"match":{...}` of tc -j's text (tc repeats the key, JSON.parse keeps only the last). */
function tcMatches(text: string): Record<string, unknown>[] {
  return [...text.matchAll(/"match":(\{[^}]*\})/g)].map((m) => JSON.parse(m[1]!));
}
const hx = (n: number) => n.toString(16);

describe('tc filters', () => {
  test('a u32 filter nlkit adds reads back with tc -j the same (keys, flowid, mirred action)', (t) => withTc(t, CLSACT_VETH, async (h, ns) => {
    await h.filters.add({ dev: 'v0', parent: 'ingress', protocol: 'ip', prio: 10, kind: 'u32',
      match: [{ ip: { src: '10.1.0.0/16', protocol: 'udp', dport: 53 } }], classid: '1:10',
      actions: [{ kind: 'mirred', action: 'mirror', direction: 'egress', dev: 'v1' }] });
    const text = tc(ns, '-j', '-s', 'filter', 'show', 'dev', 'v0', 'ingress');
    const theirs = (JSON.parse(text) as TcFilter[]).filter((f) => f.options?.fh === '800::800');
    assert.equal(theirs.length, 1);
    const f = theirs[0]!;
    assert.deepEqual([f.protocol, f.pref, f.kind, f.chain], ['ip', 10, 'u32', 0]);
    assert.equal(f.options!.flowid, '1:10');
    // keys in our order: src at 12, protocol at 8, dport at 20
    assert.deepEqual(tcMatches(text), [
      { value: hx(0x0a010000), mask: hx(0xffff0000), offmask: '', off: 12 },
      { value: hx(0x00110000), mask: hx(0x00ff0000), offmask: '', off: 8 },
      { value: hx(53), mask: 'ffff', offmask: '', off: 20 },
    ]);
    const [a] = f.options!.actions as Record<string, unknown>[];
    assert.deepEqual([a!.kind, a!.mirred_action, a!.direction, a!.to_dev, (a!.control_action as { type: string }).type], ['mirred', 'mirror', 'egress', 'v1', 'pipe']);

    const ours = (await h.filters.list({ dev: 'v0', parent: 'ingress' })).find((x) => x.handle === '800::800')!;
    assert.deepEqual(ours.match, [{ ip: { src: '10.1.0.0/16', protocol: 'udp', dport: 53 } }]);
    assert.equal(ours.classid, '1:10');
    const act = (ours.actions as Record<string, unknown>[])[0]!;
    assert.deepEqual({ kind: act.kind, action: act.action, direction: act.direction, dev: act.dev, verdict: act.verdict, index: act.index },
      { kind: 'mirred', action: 'mirror', direction: 'egress', dev: 'v1', verdict: 'pipe', index: a!.index });
    assert.equal(typeof (act.stats as { packets: unknown }).packets, 'bigint');
  }));

  test('filters tc makes read the same in nlkit (u32 with ip fields and a raw key, bpf bytecode)', (t) => withTc(t, CLSACT_VETH, async (h, ns) => {
    tc(ns, 'filter', 'add', 'dev', 'v0', 'egress', 'protocol', 'ip', 'prio', '3', 'u32', 'match', 'ip', 'dst', '192.168.1.0/24',
      'match', 'ip', 'sport', '80', '0xffff', 'match', 'u32', '0x12340000', '0xffff0000', 'at', '4', 'classid', '1:3');
    tc(ns, 'filter', 'add', 'dev', 'v0', 'egress', 'protocol', 'all', 'prio', '4', 'bpf', 'bytecode', '2,40 0 0 12,6 0 0 262144', 'classid', '2:1');
    const fs = await h.filters.list({ dev: 'v0', parent: 'egress' });
    const u = fs.find((f) => f.kind === 'u32' && f.handle === '800::800')!;
    assert.deepEqual({ ...u, ifindex: 0 }, {
      dev: 'v0', ifindex: 0, parent: 'egress', kind: 'u32', protocol: 'ip', pref: 3, chain: 0, handle: '800::800',
      match: [{ ip: { dst: '192.168.1.0/24', sport: 80 } }, { u32: { value: 0x12340000, mask: 0xffff0000, at: 4 } }],
      terminal: true, hashTable: '800:', bucket: 0, classid: '1:3', notInHw: true,
    });
    const b = fs.find((f) => f.kind === 'bpf' && f.handle !== undefined)!;
    assert.deepEqual(b.bytecode, [{ code: 40, jt: 0, jf: 0, k: 12 }, { code: 6, jt: 0, jf: 0, k: 262144 }]);
    assert.equal(b.classid, '2:1');
    assert.equal(b.protocol, 'all');
    // the per-priority entries tc shows first are there too, without a handle
    assert.ok(fs.some((f) => f.kind === 'bpf' && f.handle === undefined && f.pref === 4));
  }));

  test('u32 IPv6 matches: nlkit\'s read back by tc -j, tc\'s read by nlkit as ip6 fields', (t) => withTc(t, CLSACT_VETH, async (h, ns) => {
    await h.filters.add({ dev: 'v0', parent: 'ingress', protocol: 'ipv6', prio: 1, kind: 'u32', classid: '1:6',
      match: [{ ip6: { dst: '2001:db8:a0::/44', protocol: 'tcp', dport: 443 } }] });
    const text = tc(ns, '-j', 'filter', 'show', 'dev', 'v0', 'ingress');
    assert.deepEqual(tcMatches(text), [
      { value: '20010db8', mask: 'ffffffff', offmask: '', off: 24 },
      { value: 'a00000', mask: 'fff00000', offmask: '', off: 28 },
      { value: '600', mask: 'ff00', offmask: '', off: 4 },
      { value: '1bb', mask: 'ffff', offmask: '', off: 40 },
    ]);
    tc(ns, 'filter', 'add', 'dev', 'v0', 'ingress', 'protocol', 'ipv6', 'prio', '2', 'u32', 'match', 'ip6', 'src', 'fe80::/10', 'match', 'ip6', 'sport', '53', '0xffff', 'classid', '1:7');
    const fs = (await h.filters.list({ dev: 'v0', parent: 'ingress' })).filter((f) => f.classid);
    assert.deepEqual(fs.map((f) => [f.protocol, f.match]), [
      ['ipv6', [{ ip6: { dst: '2001:db8:a0::/44', protocol: 'tcp', dport: 443 } }]],
      ['ipv6', [{ ip6: { src: 'fe80::/10', sport: 53 } }]],
    ]);
  }));

  test('u32 hash tables: a table, a filter hashing into it (link, hashkey), a filter in a bucket (ht)', (t) => withTc(t, CLSACT_VETH, async (h, ns) => {
    await h.filters.add({ dev: 'v0', parent: 'ingress', prio: 1, protocol: 'ip', kind: 'u32', handle: '2:', divisor: 256 });
    await h.filters.add({ dev: 'v0', parent: 'ingress', prio: 1, protocol: 'ip', kind: 'u32', ht: '800::', match: [{ ip: { dst: '10.0.0.0/8' } }], hashkey: { mask: 0xff, at: 16 }, link: '2:' });
    await h.filters.add({ dev: 'v0', parent: 'ingress', prio: 1, protocol: 'ip', kind: 'u32', ht: '2:5:', match: [{ ip: { dst: '10.0.0.5' } }], classid: '1:5' });
    const theirs = tcJson<TcFilter[]>(ns, 'filter', 'show', 'dev', 'v0', 'ingress').filter((f) => f.options).map((f) => f.options);
    assert.deepEqual(theirs.map((o) => [o!.fh, o!.ht_divisor, o!.link, o!.hash_mask, o!.hash_off, o!.flowid]), [
      ['2:', 256, undefined, undefined, undefined, undefined],
      ['2:5:800', undefined, undefined, undefined, undefined, '1:5'],
      ['800:', 1, undefined, undefined, undefined, undefined],
      ['800::800', undefined, '2:', 'ff', 16, undefined],
    ]);
    const ours = (await h.filters.list({ dev: 'v0', parent: 'ingress' })).filter((f) => f.handle !== undefined);
    assert.deepEqual(ours.map((f) => [f.handle, f.divisor, f.link, f.hashkey, f.hashTable, f.bucket, f.classid]), [
      ['2:', 256, undefined, undefined, undefined, undefined, undefined],
      ['2:5:800', undefined, undefined, undefined, '2:', 5, '1:5'],
      ['800:', 1, undefined, undefined, undefined, undefined, undefined],
      ['800::800', undefined, '2:', { mask: 0xff, at: 16 }, '800:', 0, undefined],
    ]);
  }));

  test('bpf classic bytecode nlkit adds reads back with tc -j', (t) => withTc(t, CLSACT_VETH, async (h, ns) => {
    await h.filters.add({ dev: 'v0', parent: 'ingress', kind: 'bpf', prio: 7, bytecode: [[6, 0, 0, 0xffff]], classid: '1:7' });
    const f = tcJson<TcFilter[]>(ns, 'filter', 'show', 'dev', 'v0', 'ingress').find((x) => x.options)!;
    assert.deepEqual(f.options!.bytecode, { length: 1, insns: [{ code: 6, jt: 0, jf: 0, k: 0xffff }] });
    assert.equal(f.options!.flowid, '1:7');
    assert.equal(f.protocol, 'all');
  }));

  test('get, replace, change and delete as tc filter get/replace/del', (t) => withTc(t, CLSACT_VETH, async (h, ns) => {
    await h.filters.add({ dev: 'v0', parent: 'ingress', protocol: 'ip', prio: 5, kind: 'u32', handle: '800::5', match: [{ ip: { dport: 22 } }], classid: '1:1' });
    const got = await h.filters.get({ dev: 'v0', parent: 'ingress', protocol: 'ip', prio: 5, kind: 'u32', handle: '800::5' });
    assert.equal(got.classid, '1:1');
    assert.deepEqual(got.match, [{ ip: { dport: 22 } }]);
    await h.filters.replace({ dev: 'v0', parent: 'ingress', protocol: 'ip', prio: 5, kind: 'u32', handle: '800::5', match: [{ ip: { dport: 23 } }], classid: '1:2' });
    const f = tcJson<TcFilter[]>(ns, 'filter', 'show', 'dev', 'v0', 'ingress').find((x) => x.options?.fh === '800::5')!;
    assert.equal(f.options!.flowid, '1:2');
    // u32 keeps a node's keys on replace (cls_u32.c u32_init_knode copies the old selector), as with tc
    assert.deepEqual(f.options!.match, { value: '16', mask: 'ffff', offmask: '', off: 20 });
    // adding the same handle again is EEXIST (NLM_F_EXCL)
    await assert.rejects(h.filters.add({ dev: 'v0', parent: 'ingress', protocol: 'ip', prio: 5, kind: 'u32', handle: '800::5', match: [] }), (e: NetlinkError) => e.code === 'EEXIST');
    h.filters.changeSync({ dev: 'v0', parent: 'ingress', protocol: 'ip', prio: 5, kind: 'u32', handle: '800::5', match: [{ ip: { dport: 22 } }], classid: '1:3' });
    assert.equal(h.filters.getSync({ dev: 'v0', parent: 'ingress', protocol: 'ip', prio: 5, kind: 'u32', handle: '800::5' }).classid, '1:3');
    await h.filters.delete({ dev: 'v0', parent: 'ingress', protocol: 'ip', prio: 5, kind: 'u32', handle: '800::5' });
    assert.equal(tcJson<TcFilter[]>(ns, 'filter', 'show', 'dev', 'v0', 'ingress').filter((x) => x.options?.fh === '800::5').length, 0);
    // by prio: the whole priority goes
    await h.filters.add([{ dev: 'v0', parent: 'ingress', prio: 8, kind: 'bpf', bytecode: '1,6 0 0 0' }, { dev: 'v0', parent: 'ingress', prio: 9, kind: 'bpf', bytecode: '1,6 0 0 0' }]);
    await h.filters.delete({ dev: 'v0', parent: 'ingress', prio: 8 });
    assert.deepEqual([...new Set(tcJson<TcFilter[]>(ns, 'filter', 'show', 'dev', 'v0', 'ingress').map((x) => x.pref))], [9]);
    await h.filters.delete({ dev: 'v0', parent: 'ingress' });
    assert.deepEqual(tcJson(ns, 'filter', 'show', 'dev', 'v0', 'ingress'), []);
  }));

  test('errors: the kernel\'s text, typed argument errors, unknown devices', (t) => withTc(t, CLSACT_VETH, async (h) => {
    await assert.rejects(h.filters.add({ dev: 'nosuch0', parent: 'ingress', kind: 'u32' }), (e: Error & { code?: string }) => e.code === 'ENODEV');
    await assert.rejects(h.filters.add({ dev: 'v0', parent: 'ingress', kind: 'u32', match: 'all' as never }), NetlinkArgumentError);
    await assert.rejects(h.filters.get({ dev: 'v0', parent: 'ingress', prio: 1 }), NetlinkArgumentError);
    await assert.rejects(h.filters.delete({ dev: 'v0', parent: 'ingress', prio: 1, kind: 'u32', handle: '800::999' }), NetlinkError);
  }));

  for (const [kind, probe, spec, check] of [
    ['matchall', ['filter', 'add', 'dev', 'v0', 'ingress', 'matchall', 'classid', '1:1'], { classid: '1:5' }, (o: Record<string, unknown>) => assert.equal(o.flowid, '1:5')],
    ['flower', ['filter', 'add', 'dev', 'v0', 'ingress', 'protocol', 'ip', 'flower', 'ip_proto', 'tcp'], { protocol: 'ip', ipProto: 'tcp', dstPort: 22, dstIp: '10.0.0.0/8', classid: '1:5' },
      (o: Record<string, unknown>) => assert.deepEqual([(o.keys as Record<string, unknown>).ip_proto, (o.keys as Record<string, unknown>).dst_port, (o.keys as Record<string, unknown>).dst_ip], ['tcp', 22, '10.0.0.0/8'])],
    ['fw', ['filter', 'add', 'dev', 'v0', 'ingress', 'handle', '1', 'fw', 'classid', '1:1'], { handle: 5, classid: '1:5' }, (o: Record<string, unknown>) => assert.equal(o.flowid, '1:5')],
    ['basic', ['filter', 'add', 'dev', 'v0', 'ingress', 'basic', 'classid', '1:1'], { classid: '1:5' }, (o: Record<string, unknown>) => assert.equal(o.flowid, '1:5')],
  ] as const) {
    test(`${kind}: nlkit's filter reads back with tc -j (skipped where the kernel lacks it)`, async (t) => {
      const why = await tcProbe(...probe);
      if (why) return t.skip(why);
      await withTc(t, CLSACT_VETH, async (h, ns) => {
        await h.filters.add({ dev: 'v0', parent: 'ingress', prio: 2, kind, ...spec } as never);
        const f = tcJson<TcFilter[]>(ns, 'filter', 'show', 'dev', 'v0', 'ingress').find((x) => x.options)!;
        assert.equal(f.kind, kind);
        check(f.options!);
        const ours = (await h.filters.list({ dev: 'v0', parent: 'ingress', kind })).find((x) => x.handle !== undefined)!;
        assert.equal(ours.classid, '1:5');
      });
    });
  }
});

/** Loads `r0 = 0 (TC_ACT_OK); exit` as a sched_cls program and pins it at path (bpf(2), from C). */
function pinTrivialProgram(path: string): void {
  const out = runC(['unistd.h', 'sys/syscall.h', 'linux/bpf.h'], `
  struct bpf_insn insns[2] = { { .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 0, .imm = 0 }, { .code = BPF_JMP | BPF_EXIT } };
  union bpf_attr a; memset(&a, 0, sizeof a);
  a.prog_type = BPF_PROG_TYPE_SCHED_CLS; a.insns = (unsigned long)insns; a.insn_cnt = 2; a.license = (unsigned long)"GPL";
  int fd = syscall(__NR_bpf, BPF_PROG_LOAD, &a, sizeof a);
  if (fd < 0) { perror("BPF_PROG_LOAD"); return 1; }
  memset(&a, 0, sizeof a); a.pathname = (unsigned long)${JSON.stringify(path)}; a.bpf_fd = fd;
  if (syscall(__NR_bpf, BPF_OBJ_PIN, &a, sizeof a) < 0) { perror("BPF_OBJ_PIN"); return 1; }
  printf("pinned\\n");`);
  assert.deepEqual(out, ['pinned']);
}

describe('tc bpf filters with eBPF programs', () => {
  test('a pinned program attaches by path (direct-action), as tc\'s object-pinned; a missing pin is ENOENT', async (t) => {
    if (!haveCompiler()) return t.skip('needs a C compiler (cc) to load a BPF program');
    await withTc(t, CLSACT_VETH, async (h, ns) => {
      const dir = mkdtempSync(join(tmpdir(), 'nlkt-bpffs-'));
      // a bpffs of the test's own, unmounted afterwards
      if (spawnSync('mount', ['-t', 'bpf', 'bpf', dir]).status !== 0) {
        rmSync(dir, { recursive: true, force: true });
        return t.skip('cannot mount a bpf filesystem');
      }
      try {
        pinTrivialProgram(join(dir, 'ok'));
        await h.filters.add({ dev: 'v0', parent: 'ingress', prio: 1, kind: 'bpf', pinned: join(dir, 'ok'), directAction: true });
        const f = tcJson<{ options?: Record<string, unknown> }[]>(ns, 'filter', 'show', 'dev', 'v0', 'ingress').find((x) => x.options)!;
        assert.equal(f.options!.bpf_name, 'ok');
        assert.equal(f.options!['direct-action'], true);
        const ours = (await h.filters.list({ dev: 'v0', parent: 'ingress' })).find((x) => x.handle !== undefined)!;
        assert.equal(ours.name, 'ok');
        assert.equal(ours.directAction, true);
        assert.equal(ours.id, (f.options!.prog as { id: number }).id);
        assert.match(ours.tag as string, /^[0-9a-f]{16}$/);
        await assert.rejects(h.filters.add({ dev: 'v0', parent: 'ingress', prio: 2, kind: 'bpf', pinned: join(dir, 'absent') }),
          (e: Error & { code?: string; syscall?: string }) => e.code === 'ENOENT' && e.syscall === 'bpf(BPF_OBJ_GET)');
        await h.filters.delete({ dev: 'v0', parent: 'ingress' });
      } finally {
        spawnSync('umount', [dir]);
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
});

describe('bpfObjGet (native/bpf.c)', () => {
  test('bad paths are Node-style errors or typed argument errors, never an abort', () => {
    const sys = (path: unknown, code: string) => assert.throws(() => bpfObjGet(path), (e: Error & { code?: string; syscall?: string }) =>
      e.code === code && (e instanceof NetlinkArgumentError || e.syscall === 'bpf(BPF_OBJ_GET)'), `${String(path).slice(0, 20)}: ${code}`);
    sys('/nonexistent/nlkit-prog', 'ENOENT');
    sys('x'.repeat(5000), 'ENAMETOOLONG');
    sys('', 'ERR_INVALID_ARG_TYPE');
    sys(42, 'ERR_INVALID_ARG_TYPE');
    sys('a\0b', 'ERR_INVALID_ARG_TYPE');
    // a file that is no bpf object (not on a bpffs): the kernel says EINVAL or EPERM
    assert.throws(() => bpfObjGet('/proc/self/status'), (e: Error & { syscall?: string }) => e.syscall === 'bpf(BPF_OBJ_GET)');
  });
});

describe('tc chains', () => {
  test('chains nlkit adds show in tc chain show; filters in a chain; goto chain verdicts; delete', (t) => withTc(t, CLSACT_VETH, async (h, ns) => {
    await h.chains.add({ dev: 'v0', parent: 'ingress', chain: 3 });
    assert.deepEqual(tcJson(ns, 'chain', 'show', 'dev', 'v0', 'ingress'), [{ parent: 'ffff:', chain: 3 }]);
    tc(ns, 'chain', 'add', 'dev', 'v0', 'ingress', 'chain', '7');
    assert.deepEqual((await h.chains.list({ dev: 'v0', parent: 'ingress' })).map((c) => c.chain), [3, 7]);
    await h.filters.add({ dev: 'v0', parent: 'ingress', chain: 3, prio: 1, protocol: 'ip', kind: 'u32', match: [{ ip: { dport: 80 } }], classid: '1:80' });
    // chain 0 mirrors to v1 and continues in chain 3
    await h.filters.add({ dev: 'v0', parent: 'ingress', prio: 1, protocol: 'ip', kind: 'u32', match: [],
      actions: [{ kind: 'mirred', action: 'mirror', dev: 'v1', verdict: 'goto chain 3' }] });
    const fs = tcJson<TcFilter[]>(ns, 'filter', 'show', 'dev', 'v0', 'ingress');
    assert.ok(fs.some((f) => f.chain === 3 && f.options?.flowid === '1:80'));
    const withAct = fs.find((f) => f.chain === 0 && f.options?.actions)!;
    assert.deepEqual((withAct.options!.actions as { control_action: unknown }[])[0]!.control_action, { type: 'goto', chain: 3 });
    const ours = (await h.filters.list({ dev: 'v0', parent: 'ingress', chain: 0 })).find((f) => f.actions) as Filter;
    assert.equal((ours.actions as { verdict: string }[])[0]!.verdict, 'goto chain 3');
    assert.ok((await h.filters.list({ dev: 'v0', parent: 'ingress', chain: 3 })).every((f) => f.chain === 3));
    await h.filters.delete({ dev: 'v0', parent: 'ingress', prio: 1, protocol: 'ip', chain: 0 });
    await h.chains.delete({ dev: 'v0', parent: 'ingress', chain: 3 });
    const left = tcJson<{ chain: number }[]>(ns, 'chain', 'show', 'dev', 'v0', 'ingress').map((c) => c.chain);
    assert.ok(!left.includes(3) && left.includes(7), `chains left: ${left}`);
  }));
});

describe('tc filter behaviour', () => {
  test('a u32 filter under htb (parent 1:) sends exactly the matching datagrams to its class', (t) => withTc(t, [
    ['link', 'add', 'a0', 'type', 'veth', 'peer', 'name', 'a1'], ['link', 'set', 'a0', 'up'], ['link', 'set', 'a1', 'up'],
    ['addr', 'add', '10.8.0.1/24', 'dev', 'a0'],
  ], async (h, ns) => {
    const mac = (JSON.parse(ip(ns, '-j', 'link', 'show', 'a1')) as { address: string }[])[0]!.address;
    ip(ns, 'neigh', 'add', '10.8.0.2', 'lladdr', mac, 'dev', 'a0', 'nud', 'permanent');
    await h.qdiscs.add({ dev: 'a0', kind: 'htb', handle: '1:', default: '20' });
    await h.classes.add([
      { dev: 'a0', parent: '1:', classid: '1:10', kind: 'htb', rate: '100mbit' },
      { dev: 'a0', parent: '1:', classid: '1:20', kind: 'htb', rate: '100mbit' },
    ]);
    await h.filters.add({ dev: 'a0', parent: '1:', protocol: 'ip', prio: 1, kind: 'u32', match: [{ ip: { protocol: 'udp', dport: 9999 } }], classid: '1:10' });
    const f = (await h.filters.list({ dev: 'a0', parent: '1:' })).find((x) => x.handle === '800::800')!;
    assert.deepEqual([f.parent, f.classid], ['1:', '1:10']);
    const packets = async (id: string) => (await h.classes.list({ dev: 'a0' })).find((c) => c.classid === id)!.stats!.packets;
    const [ten, twenty] = [await packets('1:10'), await packets('1:20')];
    sendUdp(ns, '10.8.0.2', 9999, 12);
    sendUdp(ns, '10.8.0.2', 8888, 7);
    assert.equal(await packets('1:10') - ten, 12n);
    assert.ok(await packets('1:20') - twenty >= 7n);
  }, false));

  test('u32 dport 9999 + mirred redirect moves exactly the matching datagrams to another link', (t) => withTc(t, [
    // a0 -> a1 (the filter's ingress), redirected out of b0 to b1 where they are counted
    ['link', 'add', 'a0', 'type', 'veth', 'peer', 'name', 'a1'], ['link', 'add', 'b0', 'type', 'veth', 'peer', 'name', 'b1'],
    ...['a0', 'a1', 'b0', 'b1'].map((d) => ['link', 'set', d, 'up']),
    ['addr', 'add', '10.9.0.1/24', 'dev', 'a0'],
  ], async (h, ns) => {
    tc(ns, 'qdisc', 'add', 'dev', 'a1', 'clsact');
    const mac = (JSON.parse(ip(ns, '-j', 'link', 'show', 'a1')) as { address: string }[])[0]!.address;
    ip(ns, 'neigh', 'add', '10.9.0.2', 'lladdr', mac, 'dev', 'a0', 'nud', 'permanent');
    await h.filters.add({ dev: 'a1', parent: 'ingress', protocol: 'ip', prio: 1, kind: 'u32',
      match: [{ ip: { protocol: 'udp', dport: 9999 } }], actions: [{ kind: 'mirred', action: 'redirect', direction: 'egress', dev: 'b0' }] });
    const before = rxPackets(ns, 'b1');
    sendUdp(ns, '10.9.0.2', 8888, 20);
    const afterOther = rxPackets(ns, 'b1');
    sendUdp(ns, '10.9.0.2', 9999, 20);
    const afterMatch = rxPackets(ns, 'b1');
    // b0's own IPv6 chatter (DAD, router and MLD solicitations) may arrive meanwhile: 20 redirected datagrams would not hide in it
    assert.ok(afterOther - before < 10, `non-matching datagrams reached b1: ${afterOther - before}`);
    assert.ok(afterMatch - afterOther >= 20, `matching datagrams did not reach b1: ${afterMatch - afterOther}`);
    const f = (await h.filters.list({ dev: 'a1', parent: 'ingress' })).find((x) => x.actions)!;
    const stats = (f.actions as { stats: { packets: bigint } }[])[0]!.stats;
    assert.equal(stats.packets, 20n);
  }, false));
});
