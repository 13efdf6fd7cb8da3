// nlkit/tc classes against the kernel: htb classes made by nlkit on one veth and by tc (the
// same options in tc's words) on its peer read back the same, by nlkit and by `tc -d class
// show` (this tc, iproute2 6.1, prints classes as text even under -j: the text is the oracle).
// Kinds whose classes nlkit does not make (a tbf's leaf class) are read with no options.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { TcClass } from '../src/tc/classes.js';
import { run } from './helpers/netns.js';
import { inTc } from './helpers/tc.js';

const tcRun = (ns: string, ...args: string[]) => run('tc', ['-n', ns, ...args]);

/** nlkit's spec and tc's words for the same class. */
const CLASSES: { spec: Record<string, unknown>; tc: string[] }[] = [
  { spec: { classid: '1:1', rate: '100mbit' }, tc: ['classid', '1:1', 'htb', 'rate', '100mbit'] },
  { spec: { parent: '1:1', classid: '1:10', rate: '5mbit', ceil: '10mbit' }, tc: ['parent', '1:1', 'classid', '1:10', 'htb', 'rate', '5mbit', 'ceil', '10mbit'] },
  { spec: { parent: '1:1', classid: '1:20', rate: '1mbit', ceil: '100mbit', prio: 3, quantum: 1514, burst: '15k', cburst: '20k' }, tc: ['parent', '1:1', 'classid', '1:20', 'htb', 'rate', '1mbit', 'ceil', '100mbit', 'prio', '3', 'quantum', '1514', 'burst', '15k', 'cburst', '20k'] },
  // above 4 GB/s: TCA_HTB_RATE64 / CEIL64
  { spec: { classid: '1:30', rate: '50gbit', ceil: '80gbit' }, tc: ['classid', '1:30', 'htb', 'rate', '50gbit', 'ceil', '80gbit'] },
  { spec: { classid: '1:40', rate: 500000, mtu: 9000, mpu: 64, overhead: 24 }, tc: ['classid', '1:40', 'htb', 'rate', '4mbit', 'mtu', '9000', 'mpu', '64', 'overhead', '24'] },
];

const strip = (cs: TcClass[]) => cs.map(({ stats: _s, dev: _d, ifindex: _i, ...c }) => c);

describe('classes against the kernel', () => {
  test('htb classes made by nlkit and by tc read back the same, by nlkit and by tc', async (t) => {
    await inTc(t, async (ns, tc) => {
    await tc.qdiscs.add({ dev: 'v0', kind: 'htb', handle: '1:', default: '10' });
    for (const c of CLASSES) await tc.classes.add({ dev: 'v0', parent: '1:', kind: 'htb', ...c.spec } as never);
    tcRun(ns, 'qdisc', 'add', 'dev', 'v1', 'root', 'handle', '1:', 'htb', 'default', '10');
    for (const c of CLASSES) tcRun(ns, 'class', 'add', 'dev', 'v1', ...(c.tc[0] === 'parent' ? [] : ['parent', '1:']), ...c.tc);
    const mine = await tc.classes.list({ dev: 'v0' });
    const theirs = await tc.classes.list({ dev: 'v1' });
    assert.equal(mine.length, CLASSES.length);
    assert.deepEqual(strip(mine), strip(theirs));
    assert.deepEqual(tcRun(ns, '-d', 'class', 'show', 'dev', 'v0'), tcRun(ns, '-d', 'class', 'show', 'dev', 'v1'));
    const byId = Object.fromEntries(mine.map((c) => [c.classid, c]));
    assert.deepEqual([byId['1:10'].parent, byId['1:10'].options.rate, byId['1:10'].options.ceil], ['1:1', 625000, 1250000]);
    assert.deepEqual([byId['1:30'].options.rate, byId['1:30'].options.ceil], [6250000000, 10000000000]);
    assert.match(tcRun(ns, 'class', 'show', 'dev', 'v0', 'classid', '1:20'), /prio 3 rate 1Mbit ceil 100Mbit burst 15Kb cburst 20\d{3}b/);
    assert.equal(typeof byId['1:10'].stats?.bytes, 'bigint');
    assert.deepEqual((await tc.classes.list({ dev: 'v0', parent: '1:1' })).map((c) => c.classid).sort(), ['1:10', '1:20']);
    });
  });

  test('change, replace, delete; a leaf qdisc; classes of other kinds read without options', async (t) => {
    await inTc(t, async (ns, tc) => {
    await tc.qdiscs.add({ dev: 'v0', kind: 'htb', handle: '1:' });
    await tc.classes.add({ dev: 'v0', classid: '1:10', kind: 'htb', rate: '5mbit' });
    await tc.classes.change({ dev: 'v0', classid: '1:10', kind: 'htb', rate: '5mbit', ceil: '20mbit' });
    assert.match(tcRun(ns, 'class', 'show', 'dev', 'v0'), /rate 5Mbit ceil 20Mbit/);
    await tc.classes.replace({ dev: 'v0', classid: '1:10', kind: 'htb', rate: '7mbit' });
    await tc.classes.replace({ dev: 'v0', classid: '1:11', kind: 'htb', rate: '1mbit' });
    assert.deepEqual((await tc.classes.list({ dev: 'v0' })).map((c) => [c.classid, c.options.rate]).sort(), [['1:10', 875000], ['1:11', 125000]]);
    await tc.qdiscs.add({ dev: 'v0', parent: '1:10', handle: '2:', kind: 'tbf', rate: '1mbit', burst: '10kb', limit: 10000 });
    const all = await tc.classes.list({ dev: 'v0' });
    assert.equal(all.find((c) => c.classid === '1:10')?.leaf, '2:');
    assert.deepEqual(all.filter((c) => c.kind === 'tbf').map((c) => [c.classid, c.parent, c.options]), [['2:1', '2:', {}]]);
    await assert.rejects(tc.classes.add({ dev: 'v0', classid: '1:11', kind: 'htb', rate: '1mbit' }), (e: Error & { code?: string }) => e.code === 'EEXIST');
    const r = tc.classes.deleteSync([{ dev: 'v0', classid: '1:11' }, { dev: 'v0', classid: '1:99' }]);
    assert.deepEqual([r.done, r.failures.map((f) => f.index)], [1, [1]]);
    assert.doesNotMatch(tcRun(ns, 'class', 'show', 'dev', 'v0'), /1:11/);
    await assert.rejects(tc.classes.list({} as never), /"dev".*required/);
    await assert.rejects(tc.classes.add({ dev: 'v1', classid: '5:1', kind: 'htb', rate: '1mbit' }), (e: Error & { code?: string }) => e.code === 'ENOENT' || e.code === 'EINVAL');
    });
  });
});
