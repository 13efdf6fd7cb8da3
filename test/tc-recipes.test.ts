// nlkit/tc recipes against the kernel, with `tc -j` as the oracle: rateLimit both ways (police
// where act_police exists, else the kernel's refusal and nothing left; through an ifb), redirect
// (two namespaces joined by mirred alone pass pings), drop/allowPorts (gact where it exists),
// all or nothing on failure, idempotent removals, typed errors.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import {
  allowPorts, dropPorts, hasRateLimit, rateLimit, redirect, removePorts, removeRateLimit, removeRedirect, type TcHandle,
} from '../src/tc/index.js';
import { ip, ipJson, withNetns } from './helpers/netns.js';
import { CLSACT_VETH, tcJson, tcProbe, withTc } from './helpers/tc-ns.js';

type TcQdisc = { kind: string; dev: string; root?: boolean; parent?: string; options: Record<string, unknown> };
type TcFilter = { kind: string; pref: number; options?: { actions?: Record<string, unknown>[]; match?: unknown } };

const qdiscs = (ns: string) => tcJson<TcQdisc[]>(ns, 'qdisc', 'show').filter((q) => q.kind !== 'noqueue');
const hasPing = spawnSync('ping', ['-V'], { stdio: 'ignore' }).status === 0;

test('rateLimit through an ifb: tbf at the root, ingress redirected to the ifb and shaped there; removeRateLimit takes it all', (t) => withTc(t, CLSACT_VETH, async (tc, ns) => {
  await rateLimit(tc, { dev: 'v0', egress: '10mbit', ingress: '5mbit', burst: '64kb', latency: '20ms', ingressVia: 'ifb', ifb: 'ifb7' });
  const qs = qdiscs(ns);
  const of = (dev: string, kind: string) => qs.find((q) => q.dev === dev && q.kind === kind);
  // the same tbf made by tc reads back the same (burst rounded through the same ticks)
  spawnSync('tc', ['-n', ns, 'qdisc', 'add', 'dev', 'v1', 'root', 'tbf', 'rate', '10mbit', 'burst', '64kb', 'latency', '20ms']);
  const theirs = tcJson<TcQdisc[]>(ns, 'qdisc', 'show', 'dev', 'v1').find((q) => q.kind === 'tbf');
  spawnSync('tc', ['-n', ns, 'qdisc', 'del', 'dev', 'v1', 'root']);
  assert.equal(of('v0', 'tbf')?.root, true);
  assert.deepEqual(of('v0', 'tbf')?.options, theirs?.options);
  assert.deepEqual([theirs?.options.rate, theirs?.options.lat], [1_250_000, 20_000]);
  assert.deepEqual([of('ifb7', 'tbf')?.root, of('ifb7', 'tbf')?.options.rate], [true, 625_000]);
  assert.equal(of('v0', 'ingress')?.parent, 'ffff:fff1');
  assert.equal(ipJson<{ linkinfo: { info_kind: string }; flags: string[] }[]>(ns, '-d', 'link', 'show', 'ifb7')[0]?.linkinfo.info_kind, 'ifb');
  const f = tcJson<TcFilter[]>(ns, 'filter', 'show', 'dev', 'v0', 'parent', 'ffff:').find((x) => x.options?.actions);
  assert.deepEqual(f?.options?.actions?.map((a) => [a.kind, a.mirred_action, a.direction, a.to_dev]), [['mirred', 'redirect', 'egress', 'ifb7']]);
  assert.equal(await hasRateLimit(tc, { dev: 'v0', ifb: 'ifb7' }), true);

  await removeRateLimit(tc, { dev: 'v0', ifb: 'ifb7' });
  assert.deepEqual(qdiscs(ns).filter((q) => q.kind !== 'clsact'), []);
  assert.equal(ipJson<unknown[]>(ns, 'link', 'show').length, 3, 'lo, v0, v1');
  assert.equal(await hasRateLimit(tc, { dev: 'v0', ifb: 'ifb7' }), false);
  await removeRateLimit(tc, { dev: 'v0', ifb: 'ifb7' }); // idempotent
}, false));

test('rateLimit with police: the kernel\'s police where act_police exists, else its refusal and nothing left', (t) => withTc(t, CLSACT_VETH, async (tc, ns) => {
  const why = await tcProbe('filter', 'add', 'dev', 'v0', 'ingress', 'protocol', 'all', 'u32', 'match', 'u32', '0', '0', 'action', 'police', 'rate', '1mbit', 'burst', '10k', 'drop');
  const add = rateLimit(tc, { dev: 'v0', egress: '10mbit', ingress: '1mbit' });
  if (why) {
    t.diagnostic(`${why}: checked that the recipe fails as a whole`);
    await assert.rejects(add, (e: { code?: string; message: string }) => e.code === 'ENOENT' || /police|action/i.test(e.message));
    assert.deepEqual(qdiscs(ns), [], 'the tbf and the ingress qdisc it made are removed');
    return;
  }
  await add;
  const f = tcJson<TcFilter[]>(ns, 'filter', 'show', 'dev', 'v0', 'parent', 'ffff:').find((x) => x.options?.actions);
  assert.equal(f?.options?.actions?.[0]?.kind, 'police');
  await removeRateLimit(tc, { dev: 'v0' });
  assert.deepEqual(qdiscs(ns), []);
}, false));

test('rateLimit is all or nothing: an ifb name that is taken fails it, and what it made is removed', (t) => withTc(t, CLSACT_VETH, async (tc, ns) => {
  ip(ns, 'link', 'add', 'ifb7', 'type', 'veth', 'peer', 'name', 'ifb8');
  await assert.rejects(rateLimit(tc, { dev: 'v0', egress: '10mbit', ingress: '5mbit', ingressVia: 'ifb', ifb: 'ifb7' }), { code: 'EEXIST' });
  assert.deepEqual(qdiscs(ns), []);
  assert.equal(ipJson<{ linkinfo: { info_kind: string } }[]>(ns, '-d', 'link', 'show', 'ifb7')[0]?.linkinfo.info_kind, 'veth', 'the taken name is left alone');
  // a root qdisc already there: EEXIST, and it stays
  ip(ns, 'link', 'set', 'v1', 'up');
  spawnSync('tc', ['-n', ns, 'qdisc', 'add', 'dev', 'v1', 'root', 'tbf', 'rate', '1mbit', 'burst', '32k', 'latency', '10ms']);
  await assert.rejects(rateLimit(tc, { dev: 'v1', egress: '10mbit' }), { code: 'EEXIST' });
  assert.equal(qdiscs(ns).find((q) => q.dev === 'v1')?.options.rate, 125_000);
}, false));

test('redirect: two namespaces joined only by mirred between two links of a third pass pings both ways; removeRedirect undoes it', async (t) => {
  await withTc(t, [], async (tc, mid) => {
    await withNetns(async (a) => {
      await withNetns(async (b) => {
        ip(mid, 'link', 'add', 'pa', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', a);
        ip(mid, 'link', 'add', 'pb', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', b);
        for (const dev of ['pa', 'pb']) ip(mid, 'link', 'set', dev, 'up');
        ip(a, 'addr', 'add', '10.9.0.1/24', 'dev', 'eth0');
        ip(b, 'addr', 'add', '10.9.0.2/24', 'dev', 'eth0');
        for (const ns of [a, b]) ip(ns, 'link', 'set', 'eth0', 'up');
        await redirect(tc, { from: 'pa', to: 'pb' });
        for (const dev of ['pa', 'pb']) {
          const f = tcJson<TcFilter[]>(mid, 'filter', 'show', 'dev', dev, 'parent', 'ffff:').find((x) => x.options?.actions);
          assert.deepEqual(f?.options?.actions?.map((x) => [x.mirred_action, x.direction, x.to_dev]), [['redirect', 'egress', dev === 'pa' ? 'pb' : 'pa']]);
        }
        if (!hasPing) t.diagnostic('ping is not installed: the traffic half is skipped');
        else {
          const r = spawnSync('ip', ['netns', 'exec', a, 'ping', '-c1', '-W2', '10.9.0.2'], { encoding: 'utf8' });
          assert.equal(r.status, 0, r.stdout + r.stderr);
        }
        await removeRedirect(tc, { from: 'pa', to: 'pb' });
        assert.deepEqual(qdiscs(mid), []);
        if (hasPing) assert.notEqual(spawnSync('ip', ['netns', 'exec', a, 'ping', '-c1', '-W1', '10.9.0.2']).status, 0, 'no redirect, no path');
        await removeRedirect(tc, { from: 'pa', to: 'pb' });
      });
    });
  }, false);
});

test('dropPorts/allowPorts: u32 port filters with gact where act_gact exists, else the kernel\'s refusal and nothing left', (t) => withTc(t, CLSACT_VETH, async (tc: TcHandle, ns) => {
  const why = await tcProbe('filter', 'add', 'dev', 'v0', 'ingress', 'protocol', 'ip', 'u32', 'match', 'ip', 'dport', '25', '0xffff', 'action', 'drop');
  if (why) {
    t.diagnostic(`${why}: checked that the recipes fail as a whole`);
    await assert.rejects(dropPorts(tc, { dev: 'v0', ports: [25, 587] }));
    await assert.rejects(allowPorts(tc, { dev: 'v0', ports: 443, direction: 'egress' }));
    assert.deepEqual(qdiscs(ns), [], 'the clsact qdisc they made is removed');
    return;
  }
  await dropPorts(tc, { dev: 'v0', ports: [25, 587] });
  const fs = tcJson<TcFilter[]>(ns, 'filter', 'show', 'dev', 'v0', 'ingress').filter((f) => f.options?.actions);
  assert.equal(fs.length, 2);
  await allowPorts(tc, { dev: 'v0', ports: 443, direction: 'egress', prio: 20 });
  await removePorts(tc, { dev: 'v0' });
  await removePorts(tc, { dev: 'v0', direction: 'egress', prio: 20 });
  assert.deepEqual(tcJson<TcFilter[]>(ns, 'filter', 'show', 'dev', 'v0', 'ingress'), []);
}, false));

test('recipes: bad options are typed errors', async () => {
  const tc = {} as TcHandle; // never reached: every check comes first
  const cases: [Promise<unknown>, RegExp][] = [
    [rateLimit(tc, { dev: 'v0' }), /"egress" option or ingress is needed/],
    [rateLimit(tc, { dev: 'v0', egress: 0 }), /"egress" option must be more than 0/],
    [rateLimit(tc, { dev: 'v0', ingress: '1 parsec' }), /"ingress" option/],
    [rateLimit(tc, { dev: 'v0', ingress: '1mbit', ingressVia: 'ifb' }), /"ifb" option is needed/],
    [rateLimit(tc, { dev: 'v0', ingress: '1mbit', ingressVia: 'bpf' as never }), /"ingressVia" option must be 'police' or 'ifb'/],
    [rateLimit(tc, { dev: 'v0', ingress: '1mbit', ifb: 'ifb0' }), /"ifb" option is only for ingressVia 'ifb'/],
    [rateLimit(tc, { dev: 'v0', ingress: '1mbit', ingressVia: 'ifb', ifb: 'v0' }), /"ifb" option must be another device/],
    [rateLimit(tc, { dev: 'a very long name', egress: 1 }), /"dev" option must be a link name/],
    [rateLimit(tc, { dev: 'v0', egress: 1, rate: 1 } as never), /"rate" option is not an option here/],
    [removeRateLimit(tc, { dev: 7 as never }), /"dev" option/],
    [redirect(tc, { from: 'a', to: 'a' }), /"to" option must be another device/],
    [redirect(tc, { from: 'a', to: 'b', bothWays: 'yes' as never }), /"bothWays" option must be true or false/],
    [dropPorts(tc, { dev: 'v0', ports: [] }), /"ports" option must name at least one port/],
    [dropPorts(tc, { dev: 'v0', ports: [70000] }), /"ports" option must be port numbers 1..65535/],
    [allowPorts(tc, { dev: 'v0', ports: 22, protocol: 'sctp' as never }), /"protocol" option must be 'tcp' or 'udp'/],
    [allowPorts(tc, { dev: 'v0', ports: 22, direction: 'up' as never }), /"direction" option/],
    [removePorts(tc, { dev: 'v0', prio: 0 }), /"prio" option must be 1..65534/],
  ];
  for (const [p, message] of cases) await assert.rejects(p, { name: 'NetlinkArgumentError', message });
});
