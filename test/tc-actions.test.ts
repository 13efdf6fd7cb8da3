// nlkit/tc standalone actions against `tc actions`: actions nlkit adds read back with
// `tc -j actions list action KIND` with the same values, actions tc adds read by nlkit the
// same, shared by index from a filter, get/replace/delete/flush. Kinds the kernel lacks (probed)
// skip with the reason; their encoding is covered by tc-filter-golden.test.ts.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { NetlinkError } from '../src/core/errors.js';
import { CLSACT_VETH, tc, tcJson, tcProbe, withTc } from './helpers/tc-ns.js';

type TcActions = [{ 'total acts': number }, { actions: Record<string, unknown>[] }?];
const tcActions = (ns: string, kind: string) => (tcJson<TcActions>(ns, 'actions', 'list', 'action', kind)[1]?.actions ?? []);

describe('tc actions (standalone)', () => {
  test('mirred: nlkit adds, tc reads the same; tc adds, nlkit reads the same', (t) => withTc(t, CLSACT_VETH, async (h, ns) => {
    await h.actions.add({ kind: 'mirred', action: 'redirect', direction: 'egress', dev: 'v1', index: 5 });
    await h.actions.add({ kind: 'mirred', action: 'mirror', direction: 'ingress', dev: 'v0', index: 6, verdict: 'pass' });
    const theirs = tcActions(ns, 'mirred');
    assert.deepEqual(theirs.map((a) => [a.index, a.mirred_action, a.direction, a.to_dev, (a.control_action as { type: string }).type, a.ref, a.bind]),
      [[5, 'redirect', 'egress', 'v1', 'stolen', 1, 0], [6, 'mirror', 'ingress', 'v0', 'pass', 1, 0]]);

    tc(ns, 'actions', 'add', 'action', 'mirred', 'egress', 'mirror', 'dev', 'v1', 'pipe', 'index', '9');
    const ours = await h.actions.list({ kind: 'mirred' });
    assert.ok(ours.every((a) => a.age !== undefined && a.age.installed >= 0 && a.age.installed < 60_000));
    assert.deepEqual(ours.map(({ stats: _s, age: _a, ...a }) => a), [
      { kind: 'mirred', index: 5, verdict: 'stolen', ref: 1, bind: 0, action: 'redirect', direction: 'egress', dev: 'v1', inHwCount: 0, usedHwStats: ['disabled'] },
      { kind: 'mirred', index: 6, verdict: 'pass', ref: 1, bind: 0, action: 'mirror', direction: 'ingress', dev: 'v0', inHwCount: 0, usedHwStats: ['disabled'] },
      { kind: 'mirred', index: 9, verdict: 'pipe', ref: 1, bind: 0, action: 'mirror', direction: 'egress', dev: 'v1', inHwCount: 0, usedHwStats: ['disabled'] },
    ]);
    assert.equal(typeof ours[0]!.stats!.bytes, 'bigint');
    const nine = h.actions.getSync({ kind: 'mirred', index: 9 });
    assert.equal(nine.verdict, 'pipe');
  }));

  // the write verbs of actions and chains come from writeOps, with their Sync twins
  test('actions add/replace/delete and chains add/delete, each with its Sync twin; no change verb for either', (t) => withTc(t, CLSACT_VETH, async (h, ns) => {
    const verbs = (o: object) => ['add', 'change', 'replace', 'delete'].flatMap((v) => [v, `${v}Sync`]).filter((k) => typeof (o as Record<string, unknown>)[k] === 'function');
    assert.deepEqual(verbs(h.actions), ['add', 'addSync', 'replace', 'replaceSync', 'delete', 'deleteSync']);
    assert.deepEqual(verbs(h.chains), ['add', 'addSync', 'delete', 'deleteSync']);
    h.actions.addSync({ kind: 'mirred', action: 'mirror', dev: 'v1', index: 2 });
    h.actions.replaceSync({ kind: 'mirred', action: 'redirect', dev: 'v1', index: 2 });
    assert.deepEqual(tcActions(ns, 'mirred').map((a) => [a.index, a.mirred_action]), [[2, 'redirect']]);
    const r = h.actions.deleteSync([{ kind: 'mirred', index: 2 }, { kind: 'mirred', index: 77 }]);
    assert.deepEqual(r?.failures.map((f) => [f.index, (f.error as NetlinkError).code]), [[1, 'ENOENT']]);
    h.chains.addSync({ dev: 'v0', parent: 'ingress', chain: 7 });
    assert.deepEqual(tcJson<{ chain: number }[]>(ns, 'chain', 'show', 'dev', 'v0', 'ingress').map((c) => c.chain), [7]);
    await assert.rejects(h.chains.add({ dev: 'v0', parent: 'ingress', chain: 7 }), (e: NetlinkError) => e.code === 'EEXIST');
    h.chains.deleteSync({ dev: 'v0', parent: 'ingress', chain: 7 });
    assert.deepEqual(tcJson<unknown[]>(ns, 'chain', 'show', 'dev', 'v0', 'ingress'), []);
  }));

  test('shared by index from a filter; replace; delete refused while bound; flush', (t) => withTc(t, CLSACT_VETH, async (h, ns) => {
    await h.actions.add({ kind: 'mirred', action: 'mirror', dev: 'v1', index: 3 });
    await h.filters.add({ dev: 'v0', parent: 'ingress', prio: 1, kind: 'u32', match: [], actions: [{ kind: 'mirred', index: 3 }] });
    let [a] = tcActions(ns, 'mirred');
    assert.deepEqual([a!.index, a!.ref, a!.bind], [3, 2, 1]);
    await h.actions.replace({ kind: 'mirred', action: 'redirect', dev: 'v1', index: 3 });
    [a] = tcActions(ns, 'mirred');
    assert.deepEqual([a!.mirred_action, (a!.control_action as { type: string }).type], ['redirect', 'stolen']);
    await assert.rejects(h.actions.delete({ kind: 'mirred', index: 3 }), (e: NetlinkError) => e.code === 'EPERM');
    await h.filters.delete({ dev: 'v0', parent: 'ingress' });
    // the kernel unbinds a deleted filter's actions from a work queue (tcf_queue_work): wait for it
    for (let i = 0; i < 100 && tcActions(ns, 'mirred')[0]!.bind !== 0; i++) await new Promise((r) => setTimeout(r, 20));
    await h.actions.add([{ kind: 'mirred', action: 'mirror', dev: 'v1', index: 4 }, { kind: 'mirred', action: 'mirror', dev: 'v1', index: 5 }]);
    await h.actions.delete({ kind: 'mirred', index: 3 });
    assert.deepEqual(tcActions(ns, 'mirred').map((x) => x.index), [4, 5]);
    await h.actions.flush({ kind: 'mirred' });
    assert.deepEqual(tcActions(ns, 'mirred'), []);
    await assert.rejects(h.actions.get({ kind: 'mirred', index: 4 }), (e: NetlinkError) => e.code === 'ENOENT');
  }));

  for (const [kind, probe, spec, check] of [
    ['police', ['actions', 'add', 'action', 'police', 'rate', '1mbit', 'burst', '10k'], { rate: '1mbit', burst: '10k', exceed: 'drop' },
      (a: Record<string, unknown>) => assert.deepEqual([a.rate, a.burst, (a.control_action as { type: string }).type], ['1Mbit', '10Kb', 'drop'])],
    ['gact', ['actions', 'add', 'action', 'gact', 'drop'], { verdict: 'drop' }, (a: Record<string, unknown>) => assert.equal((a.control_action as { type: string }).type, 'drop')],
    ['skbedit', ['actions', 'add', 'action', 'skbedit', 'mark', '1'], { mark: 7 }, (a: Record<string, unknown>) => assert.equal(a.mark, 7)],
    ['vlan', ['actions', 'add', 'action', 'vlan', 'pop'], { action: 'push', id: 5 }, (a: Record<string, unknown>) => assert.deepEqual([a.vlan_action, a.id], ['push', 5])],
    ['tunnel_key', ['actions', 'add', 'action', 'tunnel_key', 'unset'], { action: 'set', src: '1.1.1.1', dst: '2.2.2.2', id: 5 },
      (a: Record<string, unknown>) => assert.deepEqual([a.src_ip, a.dst_ip, a.key_id], ['1.1.1.1', '2.2.2.2', 5])],
    ['pedit', ['actions', 'add', 'action', 'pedit', 'ex', 'munge', 'ip', 'ttl', 'set', '3'], { keys: [{ field: 'ip ttl', set: 3 }] },
      (a: Record<string, unknown>) => assert.ok(JSON.stringify(a).includes('ttl') || JSON.stringify(a).includes('ipv4'))],
  ] as const) {
    test(`${kind}: nlkit's action reads back with tc -j (skipped where the kernel lacks it)`, async (t) => {
      const why = await tcProbe(...probe);
      if (why) return t.skip(why);
      await withTc(t, CLSACT_VETH, async (h, ns) => {
        await h.actions.add({ kind, index: 11, ...spec } as never);
        const a = tcActions(ns, kind).find((x) => x.index === 11)!;
        check(a);
        const ours = await h.actions.get({ kind, index: 11 });
        for (const [k, v] of Object.entries(spec)) if (k !== 'rate' && k !== 'burst') assert.deepEqual(ours[k], v);
      });
    });
  }
});
