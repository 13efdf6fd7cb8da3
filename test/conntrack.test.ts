// nlkit/netfilter conntrack against the kernel, each test in its own nlkt-* namespace (the
// conntrack table is per namespace): entries nlkit creates read the same in
// `conntrack -L -o extended,id` and `-o xml` (the oracle, when the tool is installed), entries
// the tool or real traffic creates read the same in nlkit, get/update/delete/flush change what
// the tool shows, kernel-side filters, bulk failures per index, and events.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, test, type TestContext } from 'node:test';
import { NetlinkError } from '../src/core/errors.js';
import { openConntrack, type Conntrack, type CtEntry, type CtEvent, type CtFilter, type CtSpec } from '../src/netfilter/index.js';
import { compileFilter } from '../src/netfilter/ct-filter.js';
import { formatEntry } from '../src/netfilter/ct-format.js';
import { opCall } from '../src/ynl/op-call.js';
import { description as ctDesc } from '../src/ynl/families/conntrack.js';
import { entryObject } from '../src/netfilter/ct-entry.js';
import { run } from './helpers/netns.js';
import { inCtNetns as inNs } from './helpers/ct-netns.js';

const hasTool = (tool: string) => spawnSync(tool, ['--version'], { stdio: 'ignore' }).status === 0;
const HAS_CONNTRACK = hasTool('conntrack');
const HAS_NFT = hasTool('nft');

/** `conntrack ARGS` in the namespace: its stdout lines (it says how many on stderr). */
function tool(ns: string, ...args: string[]): string[] {
  return run('ip', ['netns', 'exec', ns, 'conntrack', ...args]).split('\n').filter((l) => l.trim() !== '');
}

/** Lines with the timeout (which may tick between two reads) replaced, sorted. */
function masked(lines: string[]): string[] {
  return lines.map((l) => l.trimEnd().replace(/^(ipv[46]\s+\d+\s+\S+\s+\d+) \d+ /, '$1 T ')).sort();
}

/** A namespace and a conntrack handle in it (see helpers/ct-netns.ts). */
const inCtNetns = (t: TestContext, fn: (ct: Conntrack, ns: string) => unknown, opts: { tool?: boolean } = {}) => inNs(t, fn, { ...opts, hasTool: HAS_CONNTRACK });

const TCP: CtSpec = { protocol: 'tcp', orig: { src: '10.0.0.1', dst: '10.0.0.2', sport: 1000, dport: 80 }, timeout: 300, state: 'ESTABLISHED', status: ['ASSURED', 'SEEN_REPLY'], mark: 5 };
const UDP6: CtSpec = { protocol: 'udp', orig: { src: '2001:db8::1', dst: '2001:db8::2', sport: 5353, dport: 53 }, timeout: 300, zone: 3 };
const ICMP: CtSpec = { protocol: 'icmp', orig: { src: '10.0.0.1', dst: '10.0.0.3', type: 8, code: 0, id: 77 }, timeout: 300, mark: 0x11 };
const UDP: CtSpec = { protocol: 'udp', orig: { src: '10.0.0.5', dst: '10.0.0.6', sport: 4000, dport: 4001 }, timeout: 300, mark: 0x21 };

/** Collects `n` items of a stream (or fails after `ms`). */
async function take<T>(stream: AsyncIterable<T> & { close(): void }, n: number, ms = 5000): Promise<T[]> {
  const got: T[] = [];
  const timer = setTimeout(() => stream.close(), ms);
  try {
    for await (const item of stream) {
      got.push(item);
      if (got.length >= n) break;
    }
  } finally {
    clearTimeout(timer);
    stream.close();
  }
  return got;
}

describe('conntrack: entries against the conntrack tool', () => {
  test('entries nlkit creates read the same in `conntrack -L -o extended,id` and `-o xml`', async (t) => {
    await inCtNetns(t, async (ct, ns) => {
      const r = await ct.create([TCP, UDP6, ICMP, UDP]);
      assert.deepEqual(r, { ok: true, done: 4, failures: [] });
      const entries = await ct.list();
      assert.equal(entries.length, 4);
      const tcp = entries.find((e) => e.protocol === 'tcp')!;
      assert.deepEqual({ ...tcp, timeout: 0, id: 0 }, {
        family: 'ipv4', protocol: 'tcp', protonum: 6, state: 'ESTABLISHED', timeout: 0, id: 0, use: 1, mark: 5,
        orig: { src: '10.0.0.1', dst: '10.0.0.2', sport: 1000, dport: 80 }, reply: { src: '10.0.0.2', dst: '10.0.0.1', sport: 80, dport: 1000 },
        status: ['SEEN_REPLY', 'ASSURED', 'CONFIRMED'],
      });
      const icmp = entries.find((e) => e.protocol === 'icmp')!;
      assert.deepEqual(icmp.reply, { src: '10.0.0.3', dst: '10.0.0.1', type: 0, code: 0, id: 77 });
      assert.equal(entries.find((e) => e.family === 'ipv6')?.zone, 3);

      assert.deepEqual(masked(entries.map((e) => formatEntry(e, { extended: true, id: true }))), masked(tool(ns, '-L', '-o', 'extended,id')));
      // the XML oracle: each flow's id with its mark, zone and protocol
      const xml = tool(ns, '-L', '-o', 'xml').join('');
      const flows = [...xml.matchAll(/<flow>(.*?)<\/flow>/g)].map(([, f]) => ({
        id: Number(/<id>(\d+)<\/id>/.exec(f)![1]), mark: Number(/<mark>(\d+)<\/mark>/.exec(f)![1]),
        zone: /<zone>(\d+)<\/zone>/.exec(f)?.[1], proto: /layer4 protonum="(\d+)"/.exec(f)![1],
        state: /<state>(\w+)<\/state>/.exec(f)?.[1], assured: f.includes('<assured/>'), unreplied: f.includes('<unreplied/>'),
      })).sort((a, b) => a.id - b.id);
      assert.deepEqual(flows, entries.map((e) => ({
        id: e.id!, mark: e.mark, zone: e.zone === undefined ? undefined : String(e.zone), proto: String(e.protonum), state: e.state,
        assured: e.status.includes('ASSURED'), unreplied: !e.status.includes('SEEN_REPLY'),
      })).sort((a, b) => a.id - b.id));
    }, { tool: true });
  });

  test('entries the conntrack tool creates read the same in nlkit (list, get)', async (t) => {
    await inCtNetns(t, async (ct, ns) => {
      tool(ns, '-I', '-p', 'tcp', '-s', '192.0.2.1', '-d', '192.0.2.2', '--sport', '40000', '--dport', '443', '--state', 'SYN_SENT', '-t', '50', '-m', '7');
      tool(ns, '-I', '-p', 'icmpv6', '-s', '2001:db8::a', '-d', '2001:db8::b', '--icmpv6-type', '128', '--icmpv6-code', '0', '--icmpv6-id', '9', '-t', '50');
      tool(ns, '-I', '-p', 'udp', '-s', '192.0.2.1', '-d', '192.0.2.9', '--sport', '1', '--dport', '2', '-t', '50', '-w', '12', '-u', 'SEEN_REPLY');
      const entries = ct.listSync();
      assert.deepEqual(masked(entries.map((e) => formatEntry(e, { extended: true, id: true }))), masked(tool(ns, '-L', '-o', 'extended,id')));
      const got = await ct.get({ protocol: 'tcp', orig: { src: '192.0.2.1', dst: '192.0.2.2', sport: 40000, dport: 443 } });
      assert.equal(got.state, 'SYN_SENT');
      assert.equal(got.mark, 7);
      const v6 = entries.find((e) => e.protocol === 'icmpv6')!;
      assert.deepEqual(v6.orig, { src: '2001:db8::a', dst: '2001:db8::b', type: 128, code: 0, id: 9 });
      assert.deepEqual(v6.reply.type, 129);
      const udp = ct.getSync({ protocol: 'udp', orig: { src: '192.0.2.1', dst: '192.0.2.9', sport: 1, dport: 2 }, zone: 12 });
      assert.equal(udp.zone, 12);
      assert.ok(udp.status.includes('SEEN_REPLY'));
      await assert.rejects(ct.get({ protocol: 'tcp', orig: { src: '192.0.2.1', dst: '192.0.2.2', sport: 1, dport: 2 } }), (e: unknown) => e instanceof NetlinkError && e.code === 'ENOENT');
    }, { tool: true });
  });

  test('update, delete, deleteWhere and flush change what `conntrack -L` shows', async (t) => {
    await inCtNetns(t, async (ct, ns) => {
      await ct.create([TCP, UDP6, ICMP, UDP]);
      await ct.update({ protocol: 'tcp', orig: TCP.orig, mark: 0x99, timeout: 1000 });
      const line = tool(ns, '-L', '-p', 'tcp').join('\n');
      assert.match(line, /mark=153/);
      assert.match(line, /tcp\s+6 (99\d|1000) ESTABLISHED/);
      await assert.rejects(ct.update({ protocol: 'tcp', orig: { ...TCP.orig!, sport: 1 }, mark: 1 }), (e: unknown) => e instanceof NetlinkError && e.code === 'ENOENT');

      // delete by tuple, and by a listed entry (its id: only that entry)
      await ct.delete({ protocol: 'icmp', orig: ICMP.orig });
      assert.equal(tool(ns, '-L', '-p', 'icmp').length, 0);
      const [udp6] = await ct.list({ family: 'ipv6' });
      ct.deleteSync(udp6);
      assert.equal(tool(ns, '-L', '-f', 'ipv6').length, 0);

      // by filter: a dump, then a transaction
      await ct.create([{ ...UDP, orig: { ...UDP.orig!, sport: 4002 } }, { ...UDP, orig: { ...UDP.orig!, sport: 4003 }, mark: 1 }]);
      const r = await ct.deleteWhere({ protocol: 'udp', mark: 0x21 });
      assert.equal(r.ok, true);
      assert.equal(r.done, 2);
      assert.deepEqual(r.deleted.map((e) => e.orig.sport).sort(), [4000, 4002]);
      assert.deepEqual(tool(ns, '-L', '-p', 'udp').map((l) => /sport=(\d+)/.exec(l)![1]), ['4003']);

      await ct.create(UDP6);
      await ct.flush({ family: 'ipv6' });
      assert.equal(tool(ns, '-L', '-f', 'ipv6').length, 0);
      assert.equal(tool(ns, '-L').length, 2);
      ct.flushSync();
      assert.equal(tool(ns, '-L').length, 0);
      assert.equal(await ct.count(), 0);
    }, { tool: true });
  });

  test('count and stats agree with `conntrack -C` and `-S`', async (t) => {
    await inCtNetns(t, async (ct, ns) => {
      await ct.create([TCP, UDP, ICMP]);
      assert.equal(await ct.count(), 3);
      assert.equal(tool(ns, '-C')[0], '3');
      const s = ct.statsSync();
      assert.equal(s.entries, 3);
      assert.ok(s.maxEntries > 0);
      const cpus = tool(ns, '-S');
      assert.equal(s.cpus.length, cpus.length);
      const inserted = cpus.reduce((n, l) => n + Number(/insert=(\d+)/.exec(l)![1]), 0);
      assert.equal(s.cpus.reduce((n, c) => n + c.insert, 0), inserted);
    }, { tool: true });
  });
});

describe('conntrack: filters', () => {
  test('the kernel filters a dump (mark/mask, zone, CTA_FILTER tuple fields, status) and list gives what conntrack -L gives', async (t) => {
    await inCtNetns(t, async (ct, ns) => {
      await ct.create([TCP, UDP6, ICMP, UDP, { ...UDP, orig: { ...UDP.orig!, sport: 4100, dport: 80 }, mark: 0x31, zone: 3 }]);
      const raw = (f: CtFilter) =>
        ct.ctx.conn.runSync(opCall(ctDesc, 'get', 'dump', compileFilter(f).request)).map((m) => entryObject(m));
      const cases: [CtFilter, string[] | undefined, (e: CtEntry) => boolean][] = [
        [{ mark: '0x01/0x0f' }, ['-m', '0x01/0x0f'], (e) => ((e.mark ?? 0) & 0xf) === 1],
        [{ zone: 3 }, ['-w', '3'], (e) => e.zone === 3],
        [{ family: 'ipv6' }, ['-f', 'ipv6'], (e) => e.family === 'ipv6'],
        [{ protocol: 'udp', src: '10.0.0.5' }, ['-p', 'udp', '-s', '10.0.0.5'], (e) => e.orig.src === '10.0.0.5'],
        [{ family: 'ipv4', protocol: 'udp', dport: 80 }, ['-f', 'ipv4', '-p', 'udp', '--dport', '80'], (e) => e.orig.dport === 80 && e.protocol === 'udp'],
        [{ protocol: 'tcp', reply: { src: '10.0.0.2' } }, ['-p', 'tcp', '-r', '10.0.0.2'], (e) => e.protocol === 'tcp'],
        [{ family: 'ipv4', protocol: 'icmp', type: 8 }, undefined, (e) => e.protocol === 'icmp'],
        [{ status: 'ASSURED' }, ['-u', 'ASSURED'], (e) => e.status.includes('ASSURED')],
        [{ state: 'ESTABLISHED' }, ['-p', 'tcp', '--state', 'ESTABLISHED'], (e) => e.state === 'ESTABLISHED'],
      ];
      const all = await ct.list();
      for (const [filter, args, want] of cases) {
        const expected = all.filter(want).map((e) => e.id).sort();
        assert.ok(expected.length > 0 && expected.length < all.length, JSON.stringify(filter));
        assert.deepEqual((await ct.list(filter)).map((e) => e.id).sort(), expected, JSON.stringify(filter));
        // what the kernel sends for the filter alone (TCP state is tested here only)
        if (filter.state === undefined) assert.deepEqual(raw(filter).map((e) => e.id).sort(), expected, `kernel-side ${JSON.stringify(filter)}`);
        if (args && HAS_CONNTRACK) assert.equal(tool(ns, '-L', ...args).length, expected.length, `conntrack -L ${args.join(' ')}`);
      }
    });
  });
});

describe('conntrack: bulk and per-call namespaces', () => {
  test('bulk create and delete report each failure against its own index; the Sync twins and { netns } work', async (t) => {
    await inCtNetns(t, async (ct, ns) => {
      const r = await ct.create([TCP, TCP, UDP, { protocol: 'tcp', orig: { src: '10.0.0.1', dst: 'nope' }, timeout: 1 }]);
      assert.equal(r.ok, false);
      assert.equal(r.done, 2);
      assert.deepEqual(r.failures.map((f) => [f.index, (f.error as NetlinkError).code]), [[1, 'EEXIST'], [3, 'ERR_INVALID_ARG_VALUE']]);
      const d = ct.deleteSync([{ protocol: 'udp', orig: UDP.orig }, { protocol: 'udp', orig: UDP.orig }, { protocol: 'tcp', orig: TCP.orig }]);
      assert.deepEqual([d.done, d.failures.map((f) => [f.index, (f.error as NetlinkError).code])], [2, [[1, 'ENOENT']]]);

      // streamed: the same entries as list(), one at a time
      await ct.create([ICMP, UDP6]);
      const streamed: CtEntry[] = [];
      for await (const e of ct.entries()) streamed.push(e);
      assert.deepEqual(streamed.map((e) => e.id).sort(), ct.listSync().map((e) => e.id).sort());
      const v6: CtEntry[] = [];
      for await (const e of ct.entries({ family: 'ipv6' })) v6.push(e);
      assert.deepEqual(v6.map((e) => e.protocol), ['udp']);
      assert.throws(() => ct.entries({ dport: 1 }), /dport/);
      // listed entries as keys (UDP6 is in zone 3: a key without it would not find it)
      assert.deepEqual(ct.deleteSync(ct.listSync()), { ok: true, done: 2, failures: [] });

      // a handle without a namespace, each call given one
      const root = openConntrack();
      try {
        root.createSync(ICMP, { netns: ns });
        assert.equal((await root.list(undefined, { netns: ns })).length, 1);
        assert.equal(root.countSync(undefined, { netns: ns }), 1);
        let n = 0;
        for await (const e of root.entries({ protocol: 'icmp' }, { netns: ns })) n += e.protocol === 'icmp' ? 1 : 0;
        assert.equal(n, 1);
      } finally {
        root.close();
      }
      assert.equal(ct.listSync()[0].protocol, 'icmp');
    });
  });
});

describe('conntrack: events', () => {
  test('new, update and destroy arrive for nlkit\'s changes and the conntrack tool\'s; filters and event kinds select', async (t) => {
    await inCtNetns(t, async (ct, ns) => {
      const all = ct.events();
      const destroyOnly = ct.events({ destroy: true, filter: { protocol: 'udp' } });
      t.after(() => {
        all.close();
        destroyOnly.close();
      });
      await ct.create(UDP);
      await ct.update({ protocol: 'udp', orig: UDP.orig, mark: 0x42 });
      await ct.create(TCP);
      await ct.delete({ protocol: 'udp', orig: UDP.orig });
      const got = (await take(all, 4)) as CtEvent[];
      // caused by nlkit's requests: the handle's socket's port
      assert.ok(got.every((e) => e.portId === ct.ctx.conn.portId), JSON.stringify(got.map((e) => e.portId)));
      assert.deepEqual(got.map((e) => [e.type, e.entry.protocol]), [['new', 'udp'], ['update', 'udp'], ['new', 'tcp'], ['destroy', 'udp']]);
      assert.equal(got[1].entry.mark, 0x42);
      assert.deepEqual(got[0].entry.orig, UDP.orig);
      const d = (await take(destroyOnly, 1)) as CtEvent[];
      assert.deepEqual(d.map((e) => [e.type, e.entry.orig.sport]), [['destroy', 4000]]);

      if (!HAS_CONNTRACK) return t.diagnostic('the conntrack tool is missing: its events are not checked');
      const fromTool = ct.events({ filter: { protocol: 'icmp' } });
      t.after(() => fromTool.close());
      tool(ns, '-I', '-p', 'icmp', '-s', '10.9.0.1', '-d', '10.9.0.2', '--icmp-type', '8', '--icmp-code', '0', '--icmp-id', '5', '-t', '30');
      tool(ns, '-U', '-p', 'icmp', '-s', '10.9.0.1', '-d', '10.9.0.2', '--icmp-type', '8', '--icmp-code', '0', '--icmp-id', '5', '-m', '3');
      tool(ns, '-D', '-p', 'icmp');
      const ev = (await take(fromTool, 3)) as CtEvent[];
      assert.deepEqual(ev.map((e) => e.type), ['new', 'update', 'destroy']);
      assert.deepEqual(ev[0].entry.orig, { src: '10.9.0.1', dst: '10.9.0.2', type: 8, code: 0, id: 5 });
      assert.equal(ev[1].entry.mark, 3);
    });
  });
});

describe('conntrack: overruns', () => {
  test('a consumer too slow for the kernel gets an overrun item (ENOBUFS), and the stream goes on', async (t) => {
    await inCtNetns(t, async (ct) => {
      // reading pauses after one buffered event: the socket's queue overflows
      const events = ct.events({ new: true, highWaterMark: 1 });
      t.after(() => events.close());
      const specs: CtSpec[] = [];
      for (let i = 0; i < 5000; i++) specs.push({ protocol: 'udp', orig: { src: '10.2.0.1', dst: '10.2.0.2', sport: 1 + (i >> 8), dport: 1000 + (i & 255) }, timeout: 60 });
      assert.equal((await ct.create(specs)).done, 5000);
      let overruns = 0, before = 0, after = 0;
      const timer = setTimeout(() => events.close(), 10_000);
      for await (const item of events) {
        if (item.type === 'overrun') overruns++;
        else if (item.type === 'new') {
          if (overruns) after++;
          else before++;
          // events queued after the overrun still come: the stream goes on
          if (after === 3) break;
        }
      }
      clearTimeout(timer);
      assert.ok(overruns >= 1, 'no overrun item');
      assert.ok(before + after < 5000, `${before} + ${after} events: none lost?`);
      assert.equal(after, 3, 'the stream ended at the overrun');
    });
  });
});

describe('conntrack: labels', () => {
  test('labels set by create and replaced by update read back (the kernel keeps labels once a `ct label` rule uses them)', async (t) => {
    if (!HAS_NFT) return void t.skip('needs nft (nftables) for a `ct label` rule (the kernel ignores CTA_LABELS until labels are in use)');
    await inCtNetns(t, async (ct, ns) => {
      run('ip', ['netns', 'exec', ns, 'nft', '-f', '-'], 'table inet nlkt {\n chain out {\n  type filter hook output priority 0;\n  ct label set 5\n }\n}\n');
      await ct.create({ ...UDP, labels: [1, 70, 127] });
      assert.deepEqual(ct.getSync({ protocol: 'udp', orig: UDP.orig }).labels, [1, 70, 127]);
      await ct.update({ protocol: 'udp', orig: UDP.orig, labels: [3] });
      assert.deepEqual((await ct.list({ protocol: 'udp' }))[0].labels, [3]);
      assert.throws(() => ct.createSync({ ...TCP, labels: [128] }), /labels/);
    });
  });
});

describe('conntrack: real traffic', () => {
  test('a TCP connection and a UDP datagram over loopback, tracked because of an nft `ct state` rule, list as conntrack shows them', async (t) => {
    if (!HAS_NFT) return void t.skip('needs nft (nftables) to make the namespace track connections (a `ct state` rule)');
    await inCtNetns(t, async (ct, ns) => {
      // conntrack hooks into a namespace only when something there uses it
      run('ip', ['netns', 'exec', ns, 'nft', '-f', '-'], 'table inet nlkt {\n chain out {\n  type filter hook output priority 0;\n  ct state new,established accept\n }\n}\n');
      // per-namespace accounting: the entries then carry packet and byte counters
      run('ip', ['netns', 'exec', ns, 'sysctl', '-qw', 'net.netfilter.nf_conntrack_acct=1']);
      const events = ct.events({ new: true, filter: { protocol: 'tcp', dport: 8080 } });
      t.after(() => events.close());
      const script = `
        const net = require('node:net'), dgram = require('node:dgram');
        const u = dgram.createSocket('udp4'); u.send('x', 9999, '127.0.0.1', () => u.close());
        const s = net.createServer((c) => c.end('x')).listen(8080, '127.0.0.1', () => {
          const c = net.connect(8080, '127.0.0.1', () => c.on('data', () => { console.log(c.localPort); c.end(); s.close(); }));
        });`;
      const port = Number(run('ip', ['netns', 'exec', ns, process.execPath, '-e', script]).trim());
      const entries = await ct.list({ protocol: 'tcp', dport: 8080 });
      assert.equal(entries.length, 1);
      const e = entries[0];
      assert.deepEqual(e.orig, { src: '127.0.0.1', dst: '127.0.0.1', sport: port, dport: 8080 });
      assert.ok(e.status.includes('SEEN_REPLY') && e.status.includes('ASSURED'), e.status.join());
      assert.ok(['TIME_WAIT', 'CLOSE', 'FIN_WAIT', 'LAST_ACK', 'CLOSE_WAIT', 'ESTABLISHED'].includes(e.state!), e.state);
      // the handshake, 'x' and the FINs: at least 4 packets each way
      assert.ok(e.counters && e.counters.orig.packets >= 4n && e.counters.reply.packets >= 4n && e.counters.orig.bytes > 200n, JSON.stringify(e.counters, (_k, v) => (typeof v === 'bigint' ? String(v) : v)));
      const udp = await ct.list({ protocol: 'udp', dport: 9999 });
      assert.equal(udp.length, 1);
      assert.deepEqual(udp[0].counters?.orig, { packets: 1n, bytes: 29n });
      const [ev] = (await take(events, 1)) as CtEvent[];
      assert.equal(ev.type, 'new');
      assert.equal(ev.portId, undefined); // the kernel's own: traffic
      assert.equal(ev.entry.orig.sport, port);
      if (HAS_CONNTRACK) assert.deepEqual(masked((await ct.list()).map((x) => formatEntry(x, { extended: true }))), masked(tool(ns, '-L', '-o', 'extended')));
      else t.diagnostic('the conntrack tool is missing: not compared with conntrack -L');
    });
  });
});
