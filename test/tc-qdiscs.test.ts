// nlkit/tc qdiscs against the kernel, with `tc -j -s qdisc show` as the oracle: in throwaway
// nlkt-* namespaces with veth pairs, every kind this kernel has is made by nlkit and read back
// by tc with the same values, and made by tc (the same options in tc's words) and read back by
// nlkit as the same view. Kinds the kernel lacks (probed by making one) skip with the kernel's
// words; test/tc-golden.test.ts covers their bytes.
import assert from 'node:assert/strict';
import { describe, test, type TestContext } from 'node:test';
import { openTc } from '../src/tc/index.js';
import type { Qdisc } from '../src/tc/qdiscs.js';
import { ip, needRoot, run, withNetns } from './helpers/netns.js';
import { inTc, quietVeths } from './helpers/tc.js';

interface TcQdisc {
  kind: string;
  handle: string;
  dev?: string;
  root?: boolean;
  parent?: string;
  refcnt?: number;
  options: Record<string, unknown>;
  bytes?: number;
  packets?: number;
  drops?: number;
  overlimits?: number;
  requeues?: number;
  backlog?: number;
  qlen?: number;
}

const tcJson = (ns: string, ...args: string[]): TcQdisc[] => JSON.parse(run('tc', ['-n', ns, '-j', ...args]) || '[]') as TcQdisc[];
const tcRun = (ns: string, ...args: string[]) => run('tc', ['-n', ns, ...args]);

/**
 * One example of each kind: nlkit's spec, the same in tc's words (after `root`), and what
 * `tc -j qdisc show` must print in "options" for it (undefined: not compared, tc prints what
 * nlkit does not copy).
 */
const EXAMPLES: { name: string; spec: Record<string, unknown>; tc: string[]; tcOptions?: Record<string, unknown> }[] = [
  { name: 'tbf', spec: { kind: 'tbf', rate: '10mbit', burst: '32kb', latency: '50ms' }, tc: ['tbf', 'rate', '10mbit', 'burst', '32kb', 'latency', '50ms'], tcOptions: { rate: 1250000, burst: 32767, lat: 50000 } },
  {
    name: 'tbf 64-bit rate, peakrate, overhead', spec: { kind: 'tbf', rate: '50gbit', burst: '8mb', limit: 20000000, peakrate: '60gbit', mtu: 9000, overhead: 4 },
    tc: ['tbf', 'rate', '50gbit', 'burst', '8mb', 'limit', '20000000', 'peakrate', '60gbit', 'mtu', '9000', 'overhead', '4'],
  },
  { name: 'htb', spec: { kind: 'htb', handle: '1:', default: '10' }, tc: ['handle', '1:', 'htb', 'default', '10'], tcOptions: { r2q: 10, default: '0x10', direct_packets_stat: 0, direct_qlen: 1000 } },
  { name: 'htb r2q direct_qlen', spec: { kind: 'htb', handle: '2:', r2q: 5, directQlen: 50 }, tc: ['handle', '2:', 'htb', 'r2q', '5', 'direct_qlen', '50'], tcOptions: { r2q: 5, default: '0', direct_packets_stat: 0, direct_qlen: 50 } },
  { name: 'pfifo', spec: { kind: 'pfifo', limit: 50 }, tc: ['pfifo', 'limit', '50'], tcOptions: { limit: 50 } },
  { name: 'bfifo', spec: { kind: 'bfifo', limit: 10000 }, tc: ['bfifo', 'limit', '10000'], tcOptions: { limit: 10000 } },
  { name: 'prio', spec: { kind: 'prio', bands: 4 }, tc: ['prio', 'bands', '4'] },
  { name: 'sfq', spec: { kind: 'sfq', perturb: 10 }, tc: ['sfq', 'perturb', '10'] },
  { name: 'fq_codel', spec: { kind: 'fq_codel', limit: 1000, target: '5ms', ecn: true }, tc: ['fq_codel', 'limit', '1000', 'target', '5ms', 'ecn'] },
  { name: 'fq', spec: { kind: 'fq', limit: 10000, flowLimit: 100 }, tc: ['fq', 'limit', '10000', 'flow_limit', '100'] },
  { name: 'netem', spec: { kind: 'netem', delay: '10ms', limit: 500 }, tc: ['netem', 'delay', '10ms', 'limit', '500'] },
  { name: 'hfsc', spec: { kind: 'hfsc', handle: '3:', default: '10' }, tc: ['handle', '3:', 'hfsc', 'default', '10'] },
  { name: 'cake', spec: { kind: 'cake', bandwidth: '100mbit', diffserv: 'besteffort' }, tc: ['cake', 'bandwidth', '100mbit', 'besteffort'] },
];

/** A kind this kernel lacks: the kernel's refusal, as the skip reason. */
function lacks(t: TestContext, kind: string, e: unknown): boolean {
  const msg = String((e as Error).message);
  if (!/unknown|not supported|EOPNOTSUPP|ENOENT/i.test(msg)) return false;
  t.skip(`this kernel lacks the ${kind} qdisc: ${msg}`);
  return true;
}

const withoutStats = (q: Qdisc) => {
  const { stats: _s, ...rest } = q;
  return rest;
};

describe('qdiscs against the kernel', () => {
  for (const ex of EXAMPLES) {
    test(`${ex.name}: made by nlkit, read by tc; made by tc, read by nlkit`, async (t) => {
      await inTc(t, async (ns, tc) => {
        try {
          await tc.qdiscs.add({ dev: 'v0', ...ex.spec } as never);
        } catch (e) {
          if (lacks(t, String(ex.spec.kind), e)) return;
          throw e;
        }
        const [mine] = await tc.qdiscs.list({ dev: 'v0', parent: 'root' });
        assert.equal(mine.kind, ex.spec.kind);
        const [shown] = tcJson(ns, '-s', 'qdisc', 'show', 'dev', 'v0', 'root');
        assert.equal(shown.kind, ex.spec.kind);
        assert.equal(shown.handle, mine.handle);
        assert.equal(shown.refcnt, mine.refcnt);
        if (ex.tcOptions) assert.deepEqual(shown.options, ex.tcOptions);
        // what a veth sent while it came up is counted: not the qdisc's setting
        delete mine.options.directPacketsStat;
        assert.equal(typeof mine.stats?.bytes, 'bigint');
        assert.equal(BigInt(shown.bytes ?? -1), mine.stats?.bytes);

        // the same qdisc made by tc reads back as the same view
        await tc.qdiscs.delete({ dev: 'v0' });
        tcRun(ns, 'qdisc', 'add', 'dev', 'v0', 'root', ...ex.tc);
        const [theirs] = await tc.qdiscs.list({ dev: 'v0', parent: 'root' });
        delete theirs.options.directPacketsStat;
        assert.deepEqual(withoutStats(theirs), { ...withoutStats(mine), handle: theirs.handle });
      });
    });
  }

  test('ingress and clsact: handle ffff:, parent ffff:fff1, deleted by kind', async (t) => {
    await inTc(t, async (ns, tc) => {
      await tc.qdiscs.add({ dev: 'v0', kind: 'ingress' });
      await tc.qdiscs.add({ dev: 'v1', kind: 'clsact' });
      const shown = tcJson(ns, 'qdisc', 'show');
      for (const [dev, kind] of [['v0', 'ingress'], ['v1', 'clsact']]) {
        assert.deepEqual(shown.find((q) => q.dev === dev && q.kind === kind), { kind, handle: 'ffff:', dev, parent: 'ffff:fff1', options: {} });
        const [q] = await tc.qdiscs.list({ dev, kind });
        assert.deepEqual(withoutStats(q), { dev, ifindex: q.ifindex, handle: 'ffff:', parent: 'ingress', kind, refcnt: 1, options: {} });
      }
      // made by tc, read by nlkit: the same
      await tc.qdiscs.delete({ dev: 'v0', kind: 'ingress' });
      await tc.qdiscs.delete({ dev: 'v1', kind: 'clsact' });
      assert.deepEqual(tcJson(ns, 'qdisc', 'show').filter((q) => q.parent === 'ffff:fff1'), []);
      tcRun(ns, 'qdisc', 'add', 'dev', 'v0', 'ingress');
      tcRun(ns, 'qdisc', 'add', 'dev', 'v1', 'clsact');
      assert.deepEqual((await tc.qdiscs.list({ parent: 'ingress' })).map((q) => [q.dev, q.kind, q.handle]).sort(), [['v0', 'ingress', 'ffff:'], ['v1', 'clsact', 'ffff:']]);
      await assert.rejects(tc.qdiscs.add({ dev: 'v0', kind: 'ingress' }), /EEXIST|exists|Exclusivity/);
    });
  });

  test('what a fresh link shows (noqueue) and pfifo_fast are read, not made', async (t) => {
    await inTc(t, async (ns, tc) => {
      const [fresh] = await tc.qdiscs.list({ dev: 'v0' });
      const [shown] = tcJson(ns, 'qdisc', 'show', 'dev', 'v0');
      assert.deepEqual([fresh.kind, fresh.handle, fresh.parent, fresh.options], [shown.kind, shown.handle, 'root', {}]);
      tcRun(ns, 'qdisc', 'add', 'dev', 'v0', 'root', 'pfifo_fast');
      const [pf] = await tc.qdiscs.list({ dev: 'v0' });
      const [tcPf] = tcJson(ns, 'qdisc', 'show', 'dev', 'v0');
      assert.deepEqual(pf.options, { bands: tcPf.options.bands, priomap: tcPf.options.priomap });
      await assert.rejects(tc.qdiscs.add({ dev: 'v1', kind: 'pfifo_fast' } as never), /made by the kernel/);
    });
  });

  test('get by parent or by handle under any parent: the qdisc list shows there, on that device only', async (t) => {
    await inTc(t, async (ns, tc) => {
      await tc.qdiscs.add({ dev: 'v0', kind: 'htb', handle: '1:' });
      await tc.classes.add({ dev: 'v0', parent: '1:', classid: '1:10', kind: 'htb', rate: '10mbit' });
      await tc.qdiscs.add({ dev: 'v0', kind: 'pfifo', parent: '1:10', handle: '10:', limit: 50 });
      await tc.qdiscs.add({ dev: 'v0', kind: 'ingress' });
      await tc.qdiscs.add({ dev: 'v1', kind: 'pfifo', handle: '10:', limit: 7 });
      const listed = await tc.qdiscs.list({ dev: 'v0' });
      const at = (handle: string) => listed.find((q) => q.handle === handle);
      assert.deepEqual(await tc.qdiscs.get({ dev: 'v0', handle: '10:' }), at('10:'));
      assert.deepEqual(tc.qdiscs.getSync({ dev: 'v0', parent: '1:10' }), at('10:'));
      assert.deepEqual(await tc.qdiscs.get({ dev: 'v0' }), at('1:'));
      assert.deepEqual(await tc.qdiscs.get({ dev: 'v0', parent: 'ingress' }), at('ffff:'));
      assert.equal((await tc.qdiscs.get({ dev: 'v1', handle: '10:' })).options.limit, 7);
      assert.deepEqual(tcJson(ns, 'qdisc', 'show', 'dev', 'v0', 'handle', '10:').map((q) => q.options.limit), [50]);
      await assert.rejects(tc.qdiscs.get({ dev: 'v0', handle: '20:' }), (e: Error & { code?: string }) => e.code === 'ENOENT' && /no qdisc on v0 at 20:/.test(e.message));
      await assert.rejects(tc.qdiscs.get({ dev: 'v0', parent: '1:20' }), (e: Error & { code?: string }) => e.code === 'ENOENT');
    });
  });

  test('change, replace, get, delete by handle; the kernel\'s errors with its words', async (t) => {
    await inTc(t, async (ns, tc) => {
      await tc.qdiscs.add({ dev: 'v0', kind: 'tbf', handle: '5:', rate: '10mbit', burst: '32kb', latency: '50ms' });
      await tc.qdiscs.change({ dev: 'v0', kind: 'tbf', handle: '5:', rate: '20mbit', burst: '64kb', limit: 100000 });
      const changed = await tc.qdiscs.get({ dev: 'v0', parent: 'root' });
      assert.deepEqual(tcJson(ns, 'qdisc', 'show', 'dev', 'v0')[0].options, { rate: 2500000, burst: changed.options.burst, lat: changed.options.latency });
      assert.deepEqual([changed.options.rate, changed.options.limit], [2500000, 100000]);
      await assert.rejects(tc.qdiscs.add({ dev: 'v0', kind: 'htb', handle: '1:' }), (e: Error & { code?: string }) => e.code === 'EEXIST' && /NLM_F_REPLACE needed|Exclusivity flag on/.test(e.message));
      await tc.qdiscs.replace({ dev: 'v0', kind: 'htb', handle: '1:', default: '20' });
      assert.deepEqual(tcJson(ns, 'qdisc', 'show', 'dev', 'v0').map((q) => [q.kind, q.handle, q.options.default]), [['htb', '1:', '0x20']]);
      await tc.qdiscs.delete({ dev: 'v0', handle: '1:' });
      assert.equal(tcJson(ns, 'qdisc', 'show', 'dev', 'v0')[0].kind, 'noqueue');
      await assert.rejects(tc.qdiscs.delete({ dev: 'v0' }), (e: Error & { code?: string }) => e.code === 'ENOENT' || e.code === 'EINVAL');
      await assert.rejects(tc.qdiscs.add({ dev: 'nosuch0', kind: 'pfifo' }), (e: Error & { code?: string }) => e.code === 'ENODEV' && /nosuch0/.test(e.message));
    });
  });

  test('Sync twins, a namespace per call, bulk with failures by index', async (t) => {
    if (!needRoot(t)) return;
    await withNetns(async (ns) => {
      quietVeths(ns);
      const tc = openTc();
      try {
        tc.qdiscs.addSync({ dev: 'v0', kind: 'htb', handle: '1:' }, { netns: ns });
        assert.deepEqual(tc.qdiscs.listSync({ dev: 'v0' }, { netns: ns }).map((q) => q.kind), ['htb']);
        const r = await tc.qdiscs.add([
          { dev: 'v1', kind: 'pfifo', limit: 10 },
          { dev: 'v0', kind: 'htb', handle: '1:' }, // exists
          { dev: 'v1', kind: 'clsact' },
          { dev: 'v1', kind: 'tbf', rate: 'lots', burst: 1, limit: 1 }, // refused before sending
        ], { netns: ns });
        assert.equal(r.ok, false);
        assert.equal(r.done, 2);
        assert.deepEqual(r.failures.map((f) => f.index), [1, 3]);
        assert.match(r.failures[1].error.message, /rate/);
        assert.deepEqual(tcJson(ns, 'qdisc', 'show', 'dev', 'v1').map((q) => q.kind).sort(), ['clsact', 'pfifo']);
        const d = tc.qdiscs.deleteSync([{ dev: 'v0' }, { dev: 'v1' }, { dev: 'v1', kind: 'clsact' }], { netns: ns });
        assert.deepEqual([d.ok, d.done], [true, 3]);
        // nothing was made in this process's own namespace
        assert.equal(tc.qdiscs.listSync().some((q) => q.dev === 'v0' && q.kind === 'htb'), false);
      } finally {
        tc.close();
      }
    });
  });

  test('statistics (and an estimator\'s rates) are bigint and agree with tc -s after traffic', async (t) => {
    await inTc(t, async (ns, tc) => {
        ip(ns, 'addr', 'add', '10.9.0.1/24', 'dev', 'v0');
        // a neighbour that needs no ARP: the datagrams leave through v0's qdisc at once
        ip(ns, 'neigh', 'add', '10.9.0.3', 'lladdr', '02:00:00:00:00:03', 'dev', 'v0');
      await tc.qdiscs.add({ dev: 'v0', kind: 'pfifo', limit: 100, estimator: { interval: '250ms', timeConstant: '1s' } });
      // UDP through v0 from inside the namespace (node is there wherever the tests run)
      run('ip', ['netns', 'exec', ns, process.execPath, '-e',
        "const s=require('dgram').createSocket('udp4');let n=0;const go=()=>s.send(Buffer.alloc(100),9,'10.9.0.3',()=>{if(++n<10)go();else s.close()});go()"]);
      const [shown] = tcJson(ns, '-s', 'qdisc', 'show', 'dev', 'v0');
      const [mine] = await tc.qdiscs.list({ dev: 'v0' });
      assert.ok(mine.stats!.packets >= 10n, `packets ${mine.stats!.packets}`);
      // the estimator's rates (they move with time: only their presence and type are compared)
      assert.deepEqual([typeof mine.stats!.rate?.bps, typeof mine.stats!.rate?.pps, 'rate' in shown, 'pps' in shown], ['bigint', 'bigint', true, true]);
      assert.deepEqual(
        { bytes: mine.stats!.bytes, packets: mine.stats!.packets, drops: mine.stats!.drops, overlimits: mine.stats!.overlimits, requeues: mine.stats!.requeues, backlog: mine.stats!.backlog, qlen: mine.stats!.qlen },
        { bytes: BigInt(shown.bytes!), packets: BigInt(shown.packets!), drops: shown.drops, overlimits: shown.overlimits, requeues: shown.requeues, backlog: shown.backlog, qlen: shown.qlen },
      );
    });
  });
});
