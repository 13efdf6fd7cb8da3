// Wrong caller values on nlkit/route that were not refused with a typed error naming the
// field: each case failed before its fix (a bare RangeError, the kernel's EINVAL without
// context, a filter that silently matched nothing, or a delete that removed the local rule).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { NetlinkArgumentError } from '../src/core/errors.js';
import { openRoute } from '../src/route/index.js';
import { ipJson, needRoot, withNetns } from './helpers/netns.js';

/** The call fails with a NetlinkArgumentError about `argument`. */
async function refused(call: () => unknown, argument: string): Promise<void> {
  await assert.rejects(async () => call(), (e: unknown) => {
    assert.ok(e instanceof NetlinkArgumentError, `${String(e)}`);
    assert.equal((e as NetlinkArgumentError & { argument: string }).argument, argument);
    return true;
  });
}

describe('nlkit/route refuses wrong values with a typed error naming the field', () => {
  test('rules: a fractional tunId; a delete with nothing to match (ip refuses it, the kernel would delete the local rule)', (t) => {
    if (!needRoot(t)) return;
    return withNetns(async (ns) => {
      const rt = openRoute({ netns: ns });
      try {
        await refused(() => rt.rules.add({ priority: 5, table: 100, tunId: 1.5 }), 'tunId');
        await refused(() => rt.rules.add({ priority: 5, table: 100, tunId: Number.NaN }), 'tunId');
        await refused(() => rt.rules.delete({}), 'spec');
        await refused(() => rt.rules.delete({ family: 'inet6' }), 'spec');
        // fields given that select nothing: the request would be as empty
        await refused(() => rt.rules.delete({ not: false }), 'spec');
        await refused(() => rt.rules.delete({ l3mdev: false, from: '0.0.0.0/0' }), 'spec');
        assert.throws(() => rt.rules.deleteSync({}), NetlinkArgumentError);
        const bulk = await rt.rules.delete([{}]);
        assert.equal(bulk.failures[0]?.error instanceof NetlinkArgumentError, true);
        for (const fam of ['-4', '-6']) assert.ok(ipJson<{ priority: number; table: string }[]>(ns, fam, 'rule', 'show').some((r) => r.priority === 0 && r.table === 'local'), fam);
        // a rule named by priority alone is still deleted
        await rt.rules.add({ priority: 7, table: 100 });
        await rt.rules.delete(7);
        await rt.rules.add({ priority: 8, table: 100 });
        await rt.rules.delete({ priority: 8 });
        assert.ok(!ipJson<{ priority: number }[]>(ns, 'rule', 'show').some((r) => r.priority === 7 || r.priority === 8));
      } finally {
        rt.close();
      }
    });
  });

  test('links: ifindex 0 to delete; list filters of the wrong type', (t) => {
    if (!needRoot(t)) return;
    return withNetns(async (ns) => {
      const rt = openRoute({ netns: ns });
      try {
        await refused(() => rt.links.delete(0), 'dev');
        await refused(() => rt.links.delete(-1), 'dev');
        await refused(() => rt.links.list({ kind: 5 as never }), 'filter.kind');
        await refused(() => rt.links.list({ up: 'yes' as never }), 'filter.up');
        await refused(() => rt.links.list({ name: 1 as never }), 'filter.name');
        assert.deepEqual((await rt.links.list({ name: /^l/, up: true })).map((l) => l.ifname), ['lo']);
      } finally {
        rt.close();
      }
    });
  });
});
