// examples/sandbox-net: the microVM sandbox recipe, built with nlkit, read back with `ip -j`
// (and `tc -j`, `nft -j` where installed), pinged through, and removed (also from every
// half-made state a crash can leave) with nothing left. The "host side" is a throwaway
// namespace: nothing here touches the root namespace.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dropNamed, ip, ipJson, needRoot, newNetnsName, run, withHostAndName as withHost, withNetns } from './helpers/netns.js';
import { VM_MAC, vmFlood, vmPings } from './helpers/vm-frames.js';
import { startScript } from './helpers/script-run.js';
import { fileURLToPath } from 'node:url';
import { openTc } from '../src/tc/index.js';
import { openRoute, type RouteHandle } from '../src/route/index.js';
import {
  createSandbox, destroySandbox, sandboxLeftovers, sandboxNames, sandboxPlan, SANDBOX_LINKS, STEPS, StepContext,
  type Sandbox, type SandboxOptions,
} from '../examples/sandbox-net/index.js';

const { uplink, bridge, ifb } = SANDBOX_LINKS;
const SCRIPT = fileURLToPath(new URL('../examples/sandbox-net/index.js', import.meta.url));


const options = (host: string, name: string, more: Partial<SandboxOptions> = {}): SandboxOptions =>
  ({ name, tapName: 'tap0', subnet: '10.77.0.0/29', rateLimit: { egress: '10mbit', ingress: '2mbit' }, uid: 1000, hostNetns: host, ...more });

interface IpLink { ifname: string; flags: string[]; operstate: string; address: string; master?: string; ifalias?: string; linkinfo?: { info_kind: string } }
interface IpAddr { ifname: string; addr_info: { family: string; local: string; prefixlen: number }[] }
interface IpRoute { dst: string; gateway?: string; dev?: string; protocol?: string }
interface TcQdisc { kind: string; dev: string; root?: boolean; parent?: string; options: Record<string, number>; drops?: number; overlimits?: number; bytes?: number; packets?: number }
interface TcFilter { kind: string; options?: { match?: unknown; actions?: { kind: string; mirred_action?: string; direction?: string; to_dev?: string }[] } }

const inet = (a: IpAddr[], dev: string) => a.find((x) => x.ifname === dev)?.addr_info.filter((i) => i.family === 'inet').map((i) => `${i.local}/${i.prefixlen}`);
const hasTool = (tool: string, arg = '--version') => spawnSync(tool, [arg], { stdio: 'ignore' }).status === 0;
const hasPing = hasTool('ping', '-V');
const hasNft = hasTool('nft');
const pings = (ns: string, address: string) => spawnSync('ip', ['netns', 'exec', ns, 'ping', '-c1', '-W1', address], { encoding: 'utf8' });

/** Nothing of the sandbox `name` is left: no namespace, only lo on the host side, no routes through anything else. */
async function assertGone(host: string, name: string, subnet = '10.77.0.0/29'): Promise<void> {
  assert.ok(!JSON.parse(run('ip', ['-j', 'netns', 'list']) || '[]').some((n: { name: string }) => n.name === name), `namespace ${name} is still listed`);
  assert.ok(!existsSync(`/run/netns/${name}`), `/run/netns/${name} is left`);
  assert.deepEqual(ipJson<IpLink[]>(host, 'link').map((l) => l.ifname), ['lo']);
  const routes = ipJson<IpRoute[]>(host, '-4', 'route', 'show', 'table', 'all');
  assert.deepEqual(routes.filter((r) => r.dev !== 'lo'), [], 'routes left');
  // (with the subnet: its conntrack entries are gone too)
  assert.deepEqual(await sandboxLeftovers(name, { hostNetns: host, subnet }), []);
  if (hasNft) assert.equal(run('ip', ['netns', 'exec', host, 'nft', 'list', 'tables']).trim(), '', 'nft tables left');
}

test('sandbox: the layout is what ip -j shows, the namespace pings the host end, destroy leaves nothing', async (t) => {
  if (!needRoot(t)) return;
  await withHost(async (host, name) => {
    const sb = await createSandbox(options(host, name, { gid: 1001 }));
    const { hostIf } = sandboxNames(name);
    try {
      assert.deepEqual(sb.vm, { address: '10.77.0.3/29', gateway: '10.77.0.1', tap: 'tap0', netns: name });
      assert.deepEqual(await sandboxLeftovers(name, { hostNetns: host }), STEPS.map((s) => s.name));

      // host side: the veth end, marked, up, the gateway's address, forwarding on
      const [hl] = ipJson<IpLink[]>(host, '-d', 'link', 'show', 'dev', hostIf);
      assert.equal(hl?.linkinfo?.info_kind, 'veth');
      assert.equal(hl?.ifalias, `sandbox:${name}`);
      assert.ok(hl?.flags.includes('UP'));
      assert.deepEqual(inet(ipJson<IpAddr[]>(host, 'addr'), hostIf), ['10.77.0.1/29']);
      assert.equal(ip(host, 'netconf', 'show', 'dev', hostIf).match(/forwarding (\w+)/)?.[1], 'on');

      // sandbox side: eth0 and the tap are ports of br0, all up (the tap's carrier waits for a VMM)
      const links = ipJson<IpLink[]>(name, '-d', 'link');
      const link = (n: string) => links.find((l) => l.ifname === n)!;
      assert.deepEqual(links.map((l) => l.ifname).sort(), [bridge, uplink, 'lo', 'tap0', ifb].sort());
      assert.equal(link(ifb).linkinfo?.info_kind, 'ifb');
      assert.deepEqual([link(uplink).linkinfo?.info_kind, link(bridge).linkinfo?.info_kind, link('tap0').linkinfo?.info_kind], ['veth', 'bridge', 'tun']);
      assert.deepEqual([link(uplink).master, link('tap0').master], [bridge, bridge]);
      for (const n of [uplink, bridge, 'tap0', 'lo']) assert.ok(link(n).flags.includes('UP'), `${n} is up`);
      const tuntap = ipJson<{ ifname: string; flags: string[]; user?: number; group?: number }[]>(name, 'tuntap', 'list');
      assert.deepEqual(tuntap, [{ ifname: 'tap0', flags: ['tap', 'vnet_hdr', 'persist'], user: 1000, group: 1001 }]);
      const addrs = ipJson<IpAddr[]>(name, 'addr');
      assert.deepEqual([inet(addrs, bridge), inet(addrs, uplink), inet(addrs, 'tap0')], [['10.77.0.2/29'], [], []]);
      const def = ipJson<IpRoute[]>(name, 'route', 'show', 'default');
      assert.deepEqual(def.map((r) => [r.dst, r.gateway, r.dev]), [['default', '10.77.0.1', bridge]]);

      // the rate limit, as tc -j shows it: tbf at the tap's root (what the VM receives), and what
      // the VM sends redirected by a match-all u32 filter to the ifb, shaped there by tbf
      const qdiscs = JSON.parse(run('tc', ['-n', name, '-j', 'qdisc', 'show'])) as TcQdisc[];
      const q = (dev: string, kind: string) => qdiscs.find((x) => x.dev === dev && x.kind === kind);
      assert.deepEqual([q('tap0', 'tbf')?.root, q('tap0', 'tbf')?.options.rate, q('tap0', 'tbf')?.options.lat], [true, 1_250_000, 50_000]);
      assert.deepEqual([q(ifb, 'tbf')?.root, q(ifb, 'tbf')?.options.rate], [true, 250_000]);
      assert.equal(q('tap0', 'ingress')?.parent, 'ffff:fff1');
      const filters = JSON.parse(run('tc', ['-n', name, '-j', 'filter', 'show', 'dev', 'tap0', 'parent', 'ffff:'])) as TcFilter[];
      const redirect = filters.find((f) => f.options?.actions)?.options;
      assert.deepEqual(redirect?.match, { value: '0', mask: '0', offmask: '', off: 0 });
      assert.deepEqual(redirect?.actions?.map((a) => [a.kind, a.mirred_action, a.direction, a.to_dev]), [['mirred', 'redirect', 'egress', ifb]]);

      // the masquerade, as nft -j shows it
      if (!hasTool('nft', '--version')) t.diagnostic('nft is not installed: the nft oracle is skipped');
      else {
        const table = `sandbox-${name}`;
        const out = (JSON.parse(run('ip', ['netns', 'exec', host, 'nft', '-j', 'list', 'table', 'ip', table])) as { nftables: Record<string, any>[] }).nftables;
        const chain = out.find((o) => o.chain)?.chain;
        assert.deepEqual([chain?.name, chain?.type, chain?.hook, chain?.prio, chain?.policy], ['post', 'nat', 'postrouting', 100, 'accept']);
        assert.deepEqual(out.find((o) => o.rule)?.rule.expr, [
          { match: { op: '==', left: { payload: { protocol: 'ip', field: 'saddr' } }, right: { prefix: { addr: '10.77.0.0', len: 29 } } } },
          { match: { op: '!=', left: { meta: { key: 'oifname' } }, right: hostIf } },
          { counter: { packets: 0, bytes: 0 } },
          { masquerade: null },
        ]);
      }

      if (!hasPing) t.diagnostic('ping is not installed: the pings are skipped');
      else {
        const out = pings(name, '10.77.0.1');
        assert.equal(out.status, 0, out.stdout + out.stderr);
        const back = pings(host, '10.77.0.2');
        assert.equal(back.status, 0, back.stdout + back.stderr);
      }
    } finally {
      await sb.destroy();
    }
    await assertGone(host, name);
    // again, and by name: idempotent
    await sb.destroy();
    assert.deepEqual(await destroySandbox(name, { hostNetns: host }), []);
    await assertGone(host, name);
  });
});

interface Vm { fd: number; gatewayMac: string; sb: Sandbox; rt: RouteHandle }

/**
 * A sandbox in a throwaway host namespace with a "VM" on its tap (the tap's queue held open,
 * the VM's address static on the host side: no ARP to answer), the VM's first ping through;
 * everything removed afterwards and checked gone.
 */
async function withVm(more: Partial<SandboxOptions>, fn: (vm: Vm, host: string, name: string) => Promise<void>): Promise<void> {
  await withHost(async (host, name) => {
    const sb = await createSandbox(options(host, name, more));
    const rt = openRoute({ netns: name });
    let queue: { fds: number[]; close(): void } | undefined;
    try {
      const { hostIf } = sandboxNames(name);
      ip(host, 'neigh', 'add', '10.77.0.3', 'lladdr', VM_MAC, 'dev', hostIf, 'nud', 'permanent');
      queue = await rt.tuntap.open({ name: 'tap0', mode: 'tap', vnetHdr: true, nonblock: true });
      const gatewayMac = ipJson<IpLink[]>(host, 'link', 'show', hostIf)[0]!.address;
      assert.ok(await vmPings(queue.fds[0]!, gatewayMac, '10.77.0.3', sb.vm.gateway, 5000), 'the VM pings its gateway, the host end');
      await fn({ fd: queue.fds[0]!, gatewayMac, sb, rt }, host, name);
    } finally {
      queue?.close();
      rt.close();
      await sb.destroy();
    }
    await assertGone(host, name);
  });
}

test('sandbox: a VM on the tap reaches the host end through the bridge', async (t) => {
  if (!needRoot(t)) return;
  await withVm({}, async () => {});
});

test('sandbox: the sandbox reaches an outside network only through the masquerade', async (t) => {
  if (!needRoot(t)) return;
  if (!hasPing) return t.skip('needs ping to send traffic');
  await withHost(async (host, name) => {
    await withNetns(async (outside) => {
      // the host's uplink to an "outside" network that has no route back to the sandbox's subnet
      ip(host, 'link', 'add', 'up0', 'type', 'veth', 'peer', 'name', 'wan0', 'netns', outside);
      ip(host, 'addr', 'add', '192.0.2.1/24', 'dev', 'up0');
      ip(host, 'link', 'set', 'up0', 'up');
      ip(outside, 'addr', 'add', '192.0.2.2/24', 'dev', 'wan0');
      ip(outside, 'link', 'set', 'wan0', 'up');
      run('ip', ['netns', 'exec', host, 'sysctl', '-qw', 'net.ipv4.conf.up0.forwarding=1']);
      const sb = await createSandbox(options(host, name, { uplink: 'up0' }));
      try {
        const out = pings(name, '192.0.2.2');
        assert.equal(out.status, 0, out.stdout + out.stderr);
        if (hasNft) {
          const rule = (JSON.parse(run('ip', ['netns', 'exec', host, 'nft', '-j', 'list', 'table', 'ip', `sandbox-${name}`])) as { nftables: Record<string, any>[] }).nftables.find((o) => o.rule)?.rule;
          assert.deepEqual(rule.expr[1], { match: { op: '==', left: { meta: { key: 'oifname' } }, right: 'up0' } });
          assert.ok(rule.expr[2].counter.packets >= 1, JSON.stringify(rule.expr));
        }
        if (hasTool('conntrack', '--version')) {
          const ct = run('ip', ['netns', 'exec', host, 'conntrack', '-L', '-p', 'icmp']);
          assert.match(ct, /src=10\.77\.0\.2 dst=192\.0\.2\.2 .*src=192\.0\.2\.2 dst=192\.0\.2\.1 /, ct);
        }
        // without the masquerade the outside cannot answer
        ip(host, 'link', 'set', 'up0', 'down');
        ip(host, 'link', 'set', 'up0', 'up');
        run('ip', ['netns', 'exec', host, 'nft', 'delete', 'table', 'ip', `sandbox-${name}`]);
        assert.notEqual(pings(name, '192.0.2.2').status, 0, 'no masquerade, no reply');
        // (no conntrack entry: the masquerade's went with up0 going down, and without a nat chain nothing tracks)
        assert.deepEqual(await sandboxLeftovers(name, { hostNetns: host }), STEPS.map((s) => s.name).filter((n) => n !== 'nat'));
      } finally {
        await sb.destroy();
      }
      ip(host, 'link', 'del', 'up0');
      await assertGone(host, name);
    });
  });
});

test('sandbox: the rate limit on the tap holds back and drops what exceeds it both ways (tc -s -j and nlkit agree)', async (t) => {
  if (!needRoot(t)) return;
  await withVm({ rateLimit: { egress: '1mbit', ingress: '1mbit', burst: '16kb' } }, async ({ fd, gatewayMac, sb, rt }, host, name) => {
    const tc = openTc({ ctx: rt.ctx });
    // what the VM sends: 400 full-sized frames at once, far over 1mbit's bucket and queue
    vmFlood(fd, gatewayMac, '10.77.0.3', sb.vm.gateway, 400);
    // what the VM receives: a burst from the host side (the VM reads none of it)
    if (hasPing) spawnSync('ip', ['netns', 'exec', host, 'ping', '-q', '-c', '300', '-i', '0', '-s', '1400', '-w', '2', '10.77.0.3'], { stdio: 'ignore' });
    else t.diagnostic('ping is not installed: the egress half is not loaded');
    await new Promise((r) => setTimeout(r, 200));
    const tcStats = JSON.parse(run('tc', ['-n', name, '-s', '-j', 'qdisc', 'show'])) as TcQdisc[];
    const mine = await tc.qdiscs.list();
    for (const dev of hasPing ? [ifb, 'tap0'] : [ifb]) {
      const theirs = tcStats.find((q) => q.dev === dev && q.kind === 'tbf')!;
      const ours = mine.find((q) => q.dev === dev && q.kind === 'tbf')!;
      // held back (overlimits) and, past its queue, dropped (a ping paces itself: the tap's may only queue)
      assert.ok(theirs.overlimits! > 0 && (dev === 'tap0' || theirs.drops! > 0), `${dev}: tbf limited nothing: ${JSON.stringify(theirs)}`);
      assert.deepEqual([ours.stats?.drops, ours.stats?.overlimits, ours.stats?.bytes], [theirs.drops, theirs.overlimits, BigInt(theirs.bytes!)], dev);
      // what got through: at most the bucket, the queue (50 ms at the rate) and the rate for the time taken
      assert.ok(theirs.bytes! < 16 * 1024 + 6250 + 125_000 * 3 + 1514, `${dev}: ${theirs.bytes} bytes passed`);
    }
  });
});

test('sandbox: destroySandbox(name) removes every half-made state a crash can leave, and says what it found', async (t) => {
  if (!needRoot(t)) return;
  await withNetns(async (host) => {
    // a crash after each step: the steps made so far, nothing undone
    for (let k = 1; k <= STEPS.length; k++) {
      const name = newNetnsName();
      try {
        const plan = sandboxPlan(options(host, name));
        const c = new StepContext(plan, plan);
        try {
          for (const step of STEPS.slice(0, k)) await step.create(c);
        } finally {
          c.close();
        }
        const made = STEPS.slice(0, k).map((s) => s.name);
        assert.deepEqual(await sandboxLeftovers(name, { hostNetns: host }), made, `after ${k} steps`);
        assert.deepEqual(await destroySandbox(name, { hostNetns: host }), [...made].reverse(), `after ${k} steps`);
        await assertGone(host, name);
        assert.deepEqual(await destroySandbox(name, { hostNetns: host }), []);
      } finally {
        dropNamed(name);
      }
    }

    // killed inside a step: a name file with no namespace on it (inside `netns add`), and a
    // veth pair not yet marked as the sandbox's (between creating and naming it)
    const name = newNetnsName();
    try {
      run('touch', [`/run/netns/${name}`]);
      ip(host, 'link', 'add', sandboxNames(name).hostIf, 'type', 'veth', 'peer', 'name', 'peer0');
      assert.deepEqual(await destroySandbox(name, { hostNetns: host }), ['veth', 'netns']);
      await assertGone(host, name);
    } finally {
      dropNamed(name);
    }
  });
});

test('sandbox: after a real crash (the script SIGKILLed mid-setup or once made), destroySandbox(name) removes everything', async (t) => {
  if (!needRoot(t)) return;
  for (const killAt of ['+ tuntap add', '+ link add br0', '+ nft add table', '+ tc qdisc add', 'ready']) {
    await withHost(async (host, name) => {
      const script = startScript(SCRIPT, [name, '--host-netns', host, '--subnet', '10.77.0.0/29', '--uid', '1000']);
      try {
        await script.waitFor(killAt);
        script.child.kill('SIGKILL');
        await script.exited;
        const left = await sandboxLeftovers(name, { hostNetns: host });
        assert.ok(left.includes('netns') && left.includes('veth'), `${killAt}: ${left.join(' ')}\n${script.output()}`);
        assert.deepEqual(await destroySandbox(name, { hostNetns: host }), [...left].reverse(), killAt);
        await assertGone(host, name);
      } finally {
        script.child.kill('SIGKILL');
      }
    });
  }
});

test('sandbox: as a script it prints its steps, and SIGINT removes the sandbox', async (t) => {
  if (!needRoot(t)) return;
  await withHost(async (host, name) => {
    const script = startScript(SCRIPT, [name, '--host-netns', host, '--subnet', '10.77.0.0/29', '--rate', '10mbit']);
    try {
      await script.waitFor('ready');
      assert.deepEqual(script.output().split('\n').filter((l) => l.startsWith('+ ')).map((l) => l.split(' ')[1]), ['netns', 'link', 'tuntap', 'link', 'addr', 'route', 'nft', 'tc']);
      assert.match(script.output(), new RegExp(`vm: 10\\.77\\.0\\.3/29 gateway 10\\.77\\.0\\.1 on tap0 in netns ${name}`));
      script.child.kill('SIGINT');
      assert.equal(await script.exited, 0, script.output());
      assert.match(script.output(), new RegExp(`destroyed ${name}\\n$`));
      await assertGone(host, name);
    } finally {
      script.child.kill('SIGKILL');
    }
  });
});

test('sandbox: a failure mid-create removes what was made, and nothing it did not make', async (t) => {
  if (!needRoot(t)) return;
  await withHost(async (host, name) => {
    for (const [i, step] of STEPS.entries()) {
      const boom = new Error(`stop before ${step.name}`);
      let n = 0;
      await assert.rejects(createSandbox(options(host, name, { onStep: () => { if (n++ === i) throw boom; } })), boom);
      await assertGone(host, name);
    }
    // a failure inside a step (the host end's address is there already: EEXIST half-way
    // through the addresses step): the steps before it are undone all the same
    const { hostIf } = sandboxNames(name);
    await assert.rejects(createSandbox(options(host, name, {
      onStep: (s) => { if (s.startsWith('addr add')) ip(host, 'addr', 'add', '10.77.0.1/29', 'dev', hostIf); },
    })), { code: 'EEXIST' });
    await assertGone(host, name);

    // a taken namespace name is someone else's: EEXIST, and it stays
    run('ip', ['netns', 'add', name]);
    await assert.rejects(createSandbox(options(host, name)), { code: 'EEXIST' });
    assert.ok(existsSync(`/run/netns/${name}`));
    run('ip', ['netns', 'del', name]);

    // a host link of the derived name marked as someone else's is left alone
    ip(host, 'link', 'add', hostIf, 'type', 'veth', 'peer', 'name', 'other');
    ip(host, 'link', 'set', hostIf, 'alias', 'not-a-sandbox');
    await assert.rejects(createSandbox(options(host, name)), { code: 'EEXIST' });
    assert.equal(existsSync(`/run/netns/${name}`), false, 'the namespace it made is removed');
    await assert.rejects(destroySandbox(name, { hostNetns: host }), /is not the host end of sandbox .*left in place/);
    assert.equal(ipJson<IpLink[]>(host, 'link', 'show', hostIf).length, 1);
  });
});

test('sandbox: two sandboxes side by side do not collide, and removing one leaves the other', async (t) => {
  if (!needRoot(t)) return;
  await withNetns(async (host) => {
    const [a, b] = [newNetnsName(), newNetnsName()];
    try {
      const sa = await createSandbox(options(host, a, { subnet: '10.79.0.0/29' }));
      const sb = await createSandbox(options(host, b, { subnet: '10.79.0.8/29' }));
      assert.notEqual(sandboxNames(a).hostIf, sandboxNames(b).hostIf);
      assert.deepEqual(ipJson<IpLink[]>(host, 'link').map((l) => l.ifname).sort(), ['lo', sandboxNames(a).hostIf, sandboxNames(b).hostIf].sort());
      if (hasPing) {
        for (const [ns, gw] of [[a, '10.79.0.1'], [b, '10.79.0.9']] as const) {
          const out = pings(ns, gw);
          assert.equal(out.status, 0, out.stdout + out.stderr);
        }
      }
      await sa.destroy();
      assert.deepEqual(await sandboxLeftovers(a, { hostNetns: host }), []);
      assert.deepEqual(await sandboxLeftovers(a, { hostNetns: host, subnet: '10.79.0.0/29' }), []);
      assert.deepEqual(await sandboxLeftovers(b, { hostNetns: host }), [...STEPS.map((s) => s.name), ...(hasPing ? ['conntrack'] : [])]);
      if (hasPing) assert.equal(pings(b, '10.79.0.9').status, 0);
      await sb.destroy();
      await assertGone(host, b, '10.79.0.8/29');
    } finally {
      dropNamed(a);
      dropNamed(b);
    }
  });
});

test('sandbox: bad options are typed errors, and nothing is made', async (t) => {
  const good = options('nlkt-unused', 'nlkt-unused-sb');
  const cases: [Partial<Record<keyof SandboxOptions | 'extra', unknown>>, RegExp, string][] = [
    [{ name: '' }, /"name" option must be a namespace name/, 'ERR_INVALID_ARG_VALUE'],
    [{ name: 42 }, /"name" option/, 'ERR_INVALID_ARG_TYPE'],
    [{ tapName: 'a-very-long-tap-name' }, /"tapName" option must be a link name/, 'ERR_INVALID_ARG_VALUE'],
    [{ tapName: bridge }, /"tapName" option must not be "br0"/, 'ERR_INVALID_ARG_VALUE'],
    [{ subnet: '10.0.0.0/30' }, /"subnet" option must be an IPv4 prefix of \/29 or wider/, 'ERR_INVALID_ARG_VALUE'],
    [{ subnet: 'fd00::/64' }, /"subnet" option must be an IPv4 prefix/, 'ERR_INVALID_ARG_VALUE'],
    [{ subnet: 'ten' }, /"subnet" option/, 'ERR_INVALID_ARG_VALUE'],
    [{ subnet: undefined }, /"subnet" option/, 'ERR_INVALID_ARG_TYPE'],
    [{ rateLimit: undefined }, /"rateLimit" option is required/, 'ERR_INVALID_ARG_TYPE'],
    [{ rateLimit: '10 apples' }, /"rateLimit" option/, 'ERR_INVALID_ARG_VALUE'],
    [{ rateLimit: { egress: '1mbit', upload: 1 } }, /"rateLimit" option has no option 'upload'/, 'ERR_INVALID_ARG_VALUE'],
    [{ rateLimit: { egress: 0 } }, /"rateLimit.egress" option must be more than 0/, 'ERR_OUT_OF_RANGE'],
    [{ rateLimit: { ingress: '1mbit', burst: 100 } }, /"rateLimit.burst" option must hold a full-sized packet/, 'ERR_OUT_OF_RANGE'],
    [{ uid: -1 }, /"uid" option must be an integer/, 'ERR_OUT_OF_RANGE'],
    [{ uid: '1000' }, /"uid" option must be an integer/, 'ERR_INVALID_ARG_TYPE'],
    [{ gid: 1.5 }, /"gid" option/, 'ERR_OUT_OF_RANGE'],
    [{ uplink: 'eth 0' }, /"uplink" option must be a link name/, 'ERR_INVALID_ARG_VALUE'],
    [{ hostNetns: '' }, /"hostNetns" option/, 'ERR_INVALID_ARG_VALUE'],
    [{ onStep: 'log' }, /"onStep" option must be a function/, 'ERR_INVALID_ARG_TYPE'],
    [{ extra: 1 }, /"options" option has no option 'extra'/, 'ERR_INVALID_ARG_VALUE'],
  ];
  for (const [change, message, code] of cases) {
    const opts = { ...good, ...change } as SandboxOptions;
    for (const k of Object.keys(change) as (keyof SandboxOptions)[]) if (change[k] === undefined) delete opts[k];
    await assert.rejects(createSandbox(opts), { name: 'NetlinkArgumentError', message, code }, JSON.stringify(change));
  }
  await assert.rejects(createSandbox(null as never), { name: 'NetlinkArgumentError', code: 'ERR_INVALID_ARG_TYPE' });
  await assert.rejects(destroySandbox(7 as never), { name: 'NetlinkArgumentError' });
  assert.ok(!existsSync('/run/netns/nlkt-unused-sb'));
  // the plan: rates in bytes/s, the default bucket, the addresses in order
  const plan = sandboxPlan({ ...good, rateLimit: { egress: '8mbit', ingress: 125000 } });
  assert.deepEqual(plan.rate, { egress: 1_000_000, ingress: 125_000, burst: 32768 });
  assert.deepEqual([plan.hostAddress, plan.sandboxAddress, plan.vmAddress, plan.network], ['10.77.0.1/29', '10.77.0.2/29', '10.77.0.3/29', '10.77.0.0/29']);
});
