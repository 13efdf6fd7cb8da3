// examples/sandbox-net and the host's connection tracking: removing a sandbox deletes the
// host side's conntrack entries of its subnet (flows of the VM, NATed or not, and of the
// host end talking to it), right away rather than when they time out, and leaves every other
// entry; after a crash it learns the subnet from what is left (the host end's address, the
// masquerade rule) or from the caller. Flows are inserted with nlkit's conntrack (kernel only);
// `conntrack -L` is the oracle where installed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { ip, newNetnsName, dropNamed, run, withHostAndName as withHost, withNetns } from './helpers/netns.js';
import { openConntrack, type CtSpec } from '../src/netfilter/index.js';
import { createSandbox, destroySandbox, inNetwork, sandboxLeftovers, sandboxNames, sandboxPlan, STEPS, StepContext, type SandboxOptions } from '../examples/sandbox-net/index.js';
import { needConntrack } from './helpers/ct-netns.js';

const HAS_CONNTRACK = spawnSync('conntrack', ['--version'], { stdio: 'ignore' }).status === 0;
const SUBNET = '10.78.0.0/29';
const options = (host: string, name: string): SandboxOptions => ({ name, tapName: 'tap0', subnet: SUBNET, rateLimit: '10mbit', uid: 1000, hostNetns: host });

/** The VM's NATed flow out, the host end's ping to the VM, the sandbox namespace's DNS query to the host end. */
const FLOWS: CtSpec[] = [
  { protocol: 'tcp', orig: { src: '10.78.0.3', dst: '198.51.100.7', sport: 40000, dport: 443 }, reply: { src: '198.51.100.7', dst: '192.0.2.1', sport: 443, dport: 40000 }, timeout: 600, state: 'ESTABLISHED', status: ['ASSURED', 'SEEN_REPLY', 'SRC_NAT'] },
  { protocol: 'icmp', orig: { src: '10.78.0.1', dst: '10.78.0.3', type: 8, code: 0, id: 9 }, timeout: 30 },
  { protocol: 'udp', orig: { src: '10.78.0.2', dst: '10.78.0.1', sport: 5300, dport: 53 }, timeout: 30 },
];
/** Someone else's flows, next to the subnet on both sides: they stay. */
const OTHERS: CtSpec[] = [
  { protocol: 'udp', orig: { src: '10.78.0.8', dst: '10.78.0.9', sport: 1, dport: 2 }, timeout: 600 },
  { protocol: 'udp', orig: { src: '10.77.255.255', dst: '198.51.100.7', sport: 1, dport: 2 }, timeout: 600 },
];

/** The host's entries as [orig src, orig dst], sorted; the same from `conntrack -L` where installed. */
async function hostFlows(host: string): Promise<string[]> {
  const ct = openConntrack({ netns: host });
  try {
    const ours = (await ct.list({ family: 'ipv4' })).map((e) => `${e.orig.src} ${e.orig.dst}`).sort();
    if (HAS_CONNTRACK) {
      const lines = run('ip', ['netns', 'exec', host, 'conntrack', '-L', '-f', 'ipv4']).split('\n').filter(Boolean);
      assert.deepEqual(lines.map((l) => l.match(/src=(\S+) dst=(\S+)/)!.slice(1).join(' ')).sort(), ours, 'conntrack -L shows the same');
    }
    return ours;
  } finally {
    ct.close();
  }
}

async function insert(host: string, specs: CtSpec[]): Promise<void> {
  const ct = openConntrack({ netns: host });
  try {
    const r = await ct.create(specs);
    assert.ok(r.ok, JSON.stringify(r.failures));
  } finally {
    ct.close();
  }
}

const OTHER_FLOWS = ['10.77.255.255 198.51.100.7', '10.78.0.8 10.78.0.9'];

test('sandbox conntrack: destroy() deletes the host entries of the subnet at once, and only those', async (t) => {
  if (!(await needConntrack(t))) return;
  await withHost(async (host, name) => {
    const sb = await createSandbox(options(host, name));
    try {
      await insert(host, [...FLOWS, ...OTHERS]);
      assert.deepEqual(await sandboxLeftovers(name, { hostNetns: host }), [...STEPS.map((s) => s.name), 'conntrack']);
    } finally {
      await sb.destroy();
    }
    assert.deepEqual(await hostFlows(host), OTHER_FLOWS);
    assert.deepEqual(await sandboxLeftovers(name, { hostNetns: host, subnet: SUBNET }), []);
  });
});

test('sandbox conntrack: real traffic (the namespace pings its gateway) leaves no entry after destroy()', async (t) => {
  if (!(await needConntrack(t))) return;
  if (spawnSync('ping', ['-V'], { stdio: 'ignore' }).status !== 0) return t.skip('needs ping to send traffic');
  await withHost(async (host, name) => {
    const sb = await createSandbox(options(host, name));
    try {
      const out = spawnSync('ip', ['netns', 'exec', name, 'ping', '-c1', '-W1', '10.78.0.1'], { encoding: 'utf8' });
      assert.equal(out.status, 0, out.stdout + out.stderr);
      assert.deepEqual(await hostFlows(host), ['10.78.0.2 10.78.0.1']);
    } finally {
      await sb.destroy();
    }
    assert.deepEqual(await hostFlows(host), []);
  });
});

test('sandbox conntrack: after a crash, destroySandbox(name) learns the subnet from the host end or the masquerade rule, or takes it', async (t) => {
  if (!(await needConntrack(t))) return;
  await withNetns(async (host) => {
    const plan = (name: string) => sandboxPlan(options(host, name));
    const made = async (name: string, upTo: string) => {
      const c = new StepContext(plan(name), plan(name));
      try {
        for (const step of STEPS.slice(0, STEPS.findIndex((s) => s.name === upTo) + 1)) await step.create(c);
      } finally {
        c.close();
      }
    };
    await insert(host, OTHERS);
    for (const upTo of ['addresses', 'nat']) {
      const name = newNetnsName();
      try {
        await made(name, upTo);
        // the nat case: the host end is gone, only the masquerade rule tells the subnet
        if (upTo === 'nat') ip(host, 'link', 'del', sandboxNames(name).hostIf);
        await insert(host, FLOWS);
        const found = await destroySandbox(name, { hostNetns: host });
        assert.equal(found.at(-1), 'conntrack', `${upTo}: ${found.join(' ')}`);
        assert.deepEqual(await hostFlows(host), OTHER_FLOWS, upTo);
      } finally {
        dropNamed(name);
      }
    }

    // nothing left that names the subnet: the entries stay unless the caller names it
    const name = newNetnsName();
    await insert(host, FLOWS);
    assert.deepEqual(await destroySandbox(name, { hostNetns: host }), []);
    assert.equal((await hostFlows(host)).length, FLOWS.length + OTHER_FLOWS.length);
    assert.deepEqual(await sandboxLeftovers(name, { hostNetns: host, subnet: SUBNET }), ['conntrack']);
    assert.deepEqual(await destroySandbox(name, { hostNetns: host, subnet: SUBNET }), ['conntrack']);
    assert.deepEqual(await hostFlows(host), OTHER_FLOWS);
  });
});

test('sandbox conntrack: a bad subnet option is a typed error; inNetwork tests addresses by prefix', async () => {
  await assert.rejects(destroySandbox('nlkt-unused', { subnet: 'fd00::/64' }), { name: 'NetlinkArgumentError', code: 'ERR_INVALID_ARG_VALUE' });
  await assert.rejects(destroySandbox('nlkt-unused', { subnet: 'ten' }), { name: 'NetlinkArgumentError' });
  await assert.rejects(destroySandbox('nlkt-unused', { subnet: 5 as never }), { name: 'NetlinkArgumentError', code: 'ERR_INVALID_ARG_TYPE' });
  await assert.rejects(destroySandbox('nlkt-unused', null as never), { name: 'NetlinkArgumentError', code: 'ERR_INVALID_ARG_TYPE' });
  const inside = inNetwork('10.78.0.5/29');
  assert.deepEqual(['10.78.0.0', '10.78.0.7', '10.78.0.8', '10.77.255.255', '::1', '10.78.0'].map(inside), [true, true, false, false, false, false]);
  assert.deepEqual(['0.0.0.0', '255.255.255.255'].map(inNetwork('0.0.0.0/0')), [true, true]);
});
