// The generic netlink controller against the kernel, with `genl ctrl list` as the oracle.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { NetlinkArgumentError, NetlinkError } from '../src/core/errors.js';
import { GENL_ID_CTRL, GenericNetlink } from '../src/genl/index.js';
import { ip, needRoot, run, withNetns } from './helpers/netns.js';

function genlOracle(): Map<string, { id: number; version: number; maxattr: number; groups: string[] }> | undefined {
  let text: string;
  try {
    text = run('genl', ['ctrl', 'list']);
  } catch {
    return undefined;
  }
  const out = new Map<string, { id: number; version: number; maxattr: number; groups: string[] }>();
  for (const block of text.split(/\n(?=Name: )/)) {
    const name = /Name: (\S+)/.exec(block)?.[1];
    const m = /ID: (0x[0-9a-f]+)\s+Version: (0x[0-9a-f]+)\s+header size: \d+\s+max attribs: (\d+)/.exec(block);
    if (!name || !m) continue;
    const groups = [...block.matchAll(/name: (\S+)/g)].map((g) => g[1]);
    out.set(name, { id: Number(m[1]), version: Number(m[2]), maxattr: Number(m[3]), groups });
  }
  return out;
}

describe('generic netlink controller', () => {
  test('an unknown family is a NetlinkError with code ENOENT, async and Sync', async () => {
    const g = GenericNetlink.open();
    try {
      await assert.rejects(g.getFamily('nlkt-nosuch'), (e: unknown) => e instanceof NetlinkError && e.code === 'ENOENT' && e.errno === -2);
      assert.throws(() => g.getFamilySync('nlkt-nosuch'), (e: unknown) => e instanceof NetlinkError && e.code === 'ENOENT');
      await assert.rejects(g.resolve('nlkt-nosuch'), NetlinkError);
      assert.throws(() => g.getFamilySync('x'.repeat(40)), TypeError);
    } finally {
      g.close();
    }
  });

  test('families, versions, sizes and groups match genl ctrl list', async (t) => {
    const oracle = genlOracle();
    if (!oracle) return t.skip('the genl tool is not installed');
    const g = GenericNetlink.open();
    try {
      const families = await g.listFamilies();
      assert.deepEqual(families.map((f) => f.name).sort(), [...oracle.keys()].sort());
      for (const f of families) {
        const o: { id: number; version: number; maxattr: number; groups: string[] } = oracle.get(f.name)!;
        assert.equal(f.id, o.id, f.name);
        assert.equal(f.version, o.version, f.name);
        assert.equal(f.maxattr, o.maxattr, f.name);
        assert.deepEqual(f.mcastGroups.map((x) => x.name), o.groups, f.name);
      }
      assert.deepEqual(g.listFamiliesSync().map((f) => f.name), families.map((f) => f.name));
      for (const f of families) assert.deepEqual(await g.getFamilyById(f.id), f);
      assert.deepEqual(g.getFamilyByIdSync(GENL_ID_CTRL), g.getFamilySync('nlctrl'));
      await assert.rejects(g.getFamilyById(0xfff0), (e: unknown) => e instanceof NetlinkError && e.code === 'ENOENT');
      const nlctrl = g.getFamilySync('nlctrl');
      assert.equal(nlctrl.id, GENL_ID_CTRL);
      assert.ok(nlctrl.ops.some((op) => op.id === 3)); // CTRL_CMD_GETFAMILY
    } finally {
      g.close();
    }
  });

  test('1,000 concurrent requests on one socket all resolve', async () => {
    const g = GenericNetlink.open();
    try {
      const names = (await g.listFamilies()).map((f) => f.name);
      const results = await Promise.all(Array.from({ length: 1000 }, (_, i) => g.getFamily(names[i % names.length])));
      results.forEach((f, i) => assert.equal(f.name, names[i % names.length]));
    } finally {
      g.close();
    }
  });

  test('5 concurrent dumps on one socket all complete and match a single dump', async () => {
    const g = GenericNetlink.open();
    try {
      const single = JSON.stringify(await g.listFamilies());
      const five = await Promise.all(Array.from({ length: 5 }, () => g.listFamilies()));
      for (const d of five) assert.equal(JSON.stringify(d), single);
    } finally {
      g.close();
    }
  });

  test('resolve caches; groups by name; unknown group names list the real ones', async () => {
    const g = GenericNetlink.open();
    try {
      const a = await g.resolve('nlctrl');
      assert.equal(await g.resolve('nlctrl'), a); // the same object: cached
      assert.equal(g.resolveSync('nlctrl'), a);
      assert.equal(await g.groupId('nlctrl', 'notify'), GENL_ID_CTRL);
      await assert.rejects(g.groupId('nlctrl', 'nope'), /has no multicast group 'nope' \(it has: notify\)/);
      g.forget('nlctrl');
      assert.notEqual(await g.resolve('nlctrl'), a);
      // a family request through the generic helpers
      const [reply] = await g.request('nlctrl', 3, (w) => w.attrString(2, 'nlctrl'), { ack: false });
      assert.equal(reply.type, GENL_ID_CTRL);
    } finally {
      g.close();
    }
  });

  test('joining a family\'s multicast group by name: netdev announces a new device', async (t) => {
    if (!needRoot(t)) return;
    await withNetns(async (ns) => {
      const g = GenericNetlink.open({ netns: ns });
      try {
        let netdev;
        try {
          netdev = await g.resolve('netdev');
        } catch {
          return t.skip('this kernel has no netdev family');
        }
        if (!netdev.mcastGroups.some((x) => x.name === 'mgmt')) return t.skip('netdev has no mgmt group here');
        const events = await g.subscribe('netdev', ['mgmt']);
        ip(ns, 'link', 'add', 'nlktn0', 'type', 'veth', 'peer', 'name', 'nlktn1');
        const it = events[Symbol.asyncIterator]();
        const first = await Promise.race([it.next(), new Promise<undefined>((r) => setTimeout(r, 5000))]);
        assert.ok(first && !first.done && first.value.kind === 'message', 'a netdev notification arrives');
        assert.equal(first.value.message.type, netdev.id);
        assert.equal(first.value.group, await g.groupId('netdev', 'mgmt'));
        events.close();
      } finally {
        g.close();
      }
    });
  });

  test('bad cmd, version or family name: NetlinkArgumentError before anything is looked up or sent', async () => {
    const g = GenericNetlink.open();
    try {
      const bad = (argument: string, code: string) => (e: unknown) =>
        e instanceof NetlinkArgumentError && e.argument === argument && e.code === code;
      for (const cmd of [256, -1, 1.5, Number.NaN]) {
        await assert.rejects(g.request('nlctrl', cmd), bad('cmd', 'ERR_OUT_OF_RANGE'), String(cmd));
        assert.throws(() => g.requestSync('nlctrl', cmd), bad('cmd', 'ERR_OUT_OF_RANGE'), String(cmd));
        await assert.rejects(g.dump('nlctrl', cmd), bad('cmd', 'ERR_OUT_OF_RANGE'), String(cmd));
        assert.throws(() => g.dumpSync('nlctrl', cmd), bad('cmd', 'ERR_OUT_OF_RANGE'), String(cmd));
      }
      for (const cmd of ['3', 3n, null, undefined])
        assert.throws(() => g.requestSync('nlctrl', cmd as never), bad('cmd', 'ERR_INVALID_ARG_TYPE'), String(cmd));
      await assert.rejects(g.request('nlctrl', 3, null, { version: 256 }), bad('version', 'ERR_OUT_OF_RANGE'));
      assert.throws(() => g.requestSync('nlctrl', 3, null, { version: 'x' as never }), bad('version', 'ERR_INVALID_ARG_TYPE'));
      await assert.rejects(g.request('', 3), bad('family', 'ERR_INVALID_ARG_VALUE'));
      assert.throws(() => g.getFamilyByIdSync(0x10000), bad('id', 'ERR_OUT_OF_RANGE'));
      // nothing was sent: not even the family lookup the requests start with
      assert.equal((g as unknown as { cache: Map<string, unknown> }).cache.size, 0);
    } finally {
      g.close();
    }
  });

  test('watching the controller does not keep the process alive', async () => {
    const g = GenericNetlink.open();
    await g.resolve('nlctrl'); // starts the unref'd watcher
    g.close();
  });
});
