// examples/microvm-network.ts: the microVM sandbox network, built with nlkit, read back with
// `ip -j`, pinged through, and removed (also after a crash) with nothing left. The "host side"
// is itself a throwaway namespace: nothing here touches the root namespace.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { openRoute } from '../src/route/index.js';
import { ip, ipJson, needRoot, run, withHostAndName as withHost } from './helpers/netns.js';
import { VM_MAC, vmPings } from './helpers/vm-frames.js';
import { startScript } from './helpers/script-run.js';
import {
  createMicrovmNetwork, destroyMicrovmNetwork, formatMicrovmNetwork, hostLinkName, SANDBOX_LINKS,
} from '../examples/microvm-network.js';

const EXAMPLE = fileURLToPath(new URL('../examples/microvm-network.js', import.meta.url));
const { uplink, bridge, tap } = SANDBOX_LINKS;


interface IpLink { ifname: string; flags: string[]; operstate: string; address: string; master?: string; ifalias?: string; linkinfo?: { info_kind: string } }
interface IpAddr { ifname: string; addr_info: { family: string; local: string; prefixlen: number; scope: string }[] }
interface IpRoute { type?: string; flags?: string[]; dst: string; gateway?: string; dev?: string; protocol?: string; scope?: string; prefsrc?: string }

const namespaces = () => run('ip', ['-j', 'netns', 'list']);
const inet = (a: IpAddr[], dev: string) => a.find((x) => x.ifname === dev)?.addr_info.filter((i) => i.family === 'inet').map((i) => `${i.local}/${i.prefixlen}`);

/** Nothing of the sandbox `name` is left: no namespace, and only lo (with no routes through anything else) on the host side. */
function assertGone(host: string, name: string): void {
  assert.ok(!JSON.parse(namespaces() || '[]').some((n: { name: string }) => n.name === name), `namespace ${name} is still listed`);
  assert.ok(!existsSync(`/run/netns/${name}`), `/run/netns/${name} is left`);
  assert.deepEqual(ipJson<IpLink[]>(host, 'link').map((l) => l.ifname), ['lo']);
  for (const family of ['-4', '-6']) {
    const routes = ipJson<IpRoute[]>(host, family, 'route', 'show', 'table', 'all');
    assert.deepEqual(routes.filter((r) => r.dev !== 'lo'), [], `routes left (${family})`);
  }
}

/** One ping from inside a namespace (its exit status says whether a reply came). */
const pings = (ns: string, address: string) => spawnSync('ip', ['netns', 'exec', ns, 'ping', '-c1', '-W1', address], { encoding: 'utf8' });
const hasPing = spawnSync('ping', ['-V'], { stdio: 'ignore' }).status === 0;

test('microvm example: the layout exists with the values ip -j shows, pings pass, destroy leaves nothing', async (t) => {
  if (!needRoot(t)) return;
  await withHost(async (host, name) => {
    const hostIf = hostLinkName(name);
    const net = await createMicrovmNetwork({ name, hostNetns: host, tapOwner: 1000, tapGroup: 1000, multiQueue: true });
    try {
      // host side
      const [hl] = ipJson<IpLink[]>(host, '-d', 'link', 'show', 'dev', hostIf);
      assert.equal(hl.linkinfo?.info_kind, 'veth');
      assert.equal(hl.ifalias, `microvm:${name}`);
      assert.equal(hl.operstate, 'UP');
      assert.equal(hl.address, net.host.link.address);
      assert.deepEqual(hl.flags, net.host.link.flags);
      assert.deepEqual(inet(ipJson<IpAddr[]>(host, 'addr'), hostIf), ['10.200.0.1/30']);
      assert.equal(net.host.address.address, '10.200.0.1/30');
      const hostRoute = ipJson<IpRoute[]>(host, '-d', 'route', 'show', '172.16.0.0/30')[0];
      assert.deepEqual(hostRoute, { type: 'unicast', dst: '172.16.0.0/30', gateway: '10.200.0.2', dev: hostIf, protocol: 'boot', scope: 'global', flags: [] });
      const mine = net.host.routes.find((r) => r.dst === '172.16.0.0/30');
      assert.deepEqual([mine?.gateway, mine?.dev, mine?.protocol], [hostRoute.gateway, hostRoute.dev, hostRoute.protocol]);

      // sandbox side
      const links = ipJson<IpLink[]>(name, '-d', 'link');
      const link = (n: string) => links.find((l) => l.ifname === n)!;
      assert.deepEqual(links.map((l) => l.ifname).sort(), [bridge, uplink, 'lo', tap].sort());
      assert.deepEqual([link(uplink).linkinfo?.info_kind, link(bridge).linkinfo?.info_kind, link(tap).linkinfo?.info_kind], ['veth', 'bridge', 'tun']);
      assert.equal(link(tap).master, bridge);
      assert.equal(net.sandbox.tapLink.master, bridge);
      for (const n of [uplink, bridge, tap, 'lo']) assert.ok(link(n).flags.includes('UP'), `${n} is up`);
      assert.equal(link(uplink).address, net.sandbox.uplink.address);
      assert.equal(link(bridge).address, net.sandbox.bridge.address);
      const tuntap = ipJson<{ ifname: string; flags: string[]; user?: number; group?: number }[]>(name, 'tuntap', 'list');
      assert.deepEqual(tuntap, [{ ifname: tap, flags: ['tap', 'multi_queue', 'vnet_hdr', 'persist'], user: 1000, group: 1000 }]);
      assert.deepEqual({ ifname: net.sandbox.tap.ifname, flags: net.sandbox.tap.flags, user: net.sandbox.tap.owner, group: net.sandbox.tap.group }, tuntap[0]);
      const addrs = ipJson<IpAddr[]>(name, 'addr');
      assert.deepEqual([inet(addrs, uplink), inet(addrs, bridge)], [['10.200.0.2/30'], ['172.16.0.1/30']]);
      assert.deepEqual(net.sandbox.addresses.map((a) => `${a.ifname} ${a.address}`).sort(), [`${bridge} 172.16.0.1/30`, `${uplink} 10.200.0.2/30`]);
      const def = ipJson<IpRoute[]>(name, '-d', 'route', 'show', 'default');
      assert.deepEqual(def.map((r) => [r.dst, r.gateway, r.dev, r.protocol]), [['default', '10.200.0.1', uplink, 'boot']]);
      const mineDef = net.sandbox.routes.find((r) => r.dst === 'default');
      assert.deepEqual([mineDef?.dst, mineDef?.gateway, mineDef?.dev, mineDef?.protocol], def.map((r) => [r.dst, r.gateway, r.dev, r.protocol])[0]);
      assert.deepEqual(net.vm, { address: '172.16.0.2/30', gateway: '172.16.0.1', tap });

      const text = formatMicrovmNetwork(net);
      for (const words of [`${hostIf}@`, 'inet 10.200.0.1/30', '172.16.0.0/30 via 10.200.0.2 dev', `master ${bridge}`, 'tuntap tap multi_queue vnet_hdr persist user 1000 group 1000', 'default via 10.200.0.1 dev eth0\n', 'forwarding on eth0 br0'])
        assert.ok(text.includes(words), `layout text has "${words}":\n${text}`);

      if (!hasPing) t.diagnostic('ping is not installed: the pings are skipped');
      else {
        // sandbox -> host over the veth; host -> the VM's gateway through the host route
        const out = pings(name, '10.200.0.1');
        assert.equal(out.status, 0, out.stdout + out.stderr);
        const back = pings(host, '172.16.0.1');
        assert.equal(back.status, 0, back.stdout + back.stderr);
      }
    } finally {
      await net.destroy();
    }
    assertGone(host, name);
    // again, and by name: idempotent
    await net.destroy();
    await destroyMicrovmNetwork(name, { hostNetns: host });
    assertGone(host, name);
  });
});

test('microvm example: a failure mid-setup removes what was made, and nothing it did not make', async (t) => {
  if (!needRoot(t)) return;
  await withHost(async (host, name) => {
    // bad options are refused before anything is made
    await assert.rejects(createMicrovmNetwork({ name, hostNetns: host, subnet: '10.0.0.0/31' }), { name: 'NetlinkArgumentError', message: /subnet.*\/30 or wider/ });
    await assert.rejects(createMicrovmNetwork({ name, hostNetns: host, vmSubnet: 'fd00::/64' }), /vmSubnet.*IPv4/);
    assertGone(host, name);

    const boom = new Error('stop before the tap');
    await assert.rejects(createMicrovmNetwork({ name, hostNetns: host, onStep: (s) => { if (s.startsWith('tuntap')) throw boom; } }), boom);
    assertGone(host, name);

    // a taken namespace name is someone else's: EEXIST, and it stays
    run('ip', ['netns', 'add', name]);
    await assert.rejects(createMicrovmNetwork({ name, hostNetns: host }), { code: 'EEXIST' });
    assert.ok(existsSync(`/run/netns/${name}`));
    run('ip', ['netns', 'del', name]);

    // a host link of the derived name that is not ours is left alone
    ip(host, 'link', 'add', hostLinkName(name), 'type', 'veth', 'peer', 'name', 'other');
    ip(host, 'link', 'set', hostLinkName(name), 'alias', 'not-a-sandbox');
    await assert.rejects(destroyMicrovmNetwork(name, { hostNetns: host }), /is not the host end of microVM network .*left in place/);
    assert.equal(ipJson<IpLink[]>(host, 'link', 'show', hostLinkName(name)).length, 1);
  });
});

const startExample = (args: string[]) => startScript(EXAMPLE, args);

test('microvm example: after a crash (SIGKILL mid-setup or once made), destroyMicrovmNetwork(name) removes everything', async (t) => {
  if (!needRoot(t)) return;
  for (const killAt of ['+ tuntap add', '+ address add', 'ready']) {
    await withHost(async (host, name) => {
      const ex = startExample([name, '--host-netns', host, '--owner', '1000']);
      try {
        await ex.waitFor(killAt);
        ex.child.kill('SIGKILL');
        await ex.exited;
        // the crash left the sandbox and its host end behind
        assert.ok(existsSync(`/run/netns/${name}`), `${killAt}: the namespace is left:\n${ex.output()}`);
        assert.equal(ipJson<IpLink[]>(host, 'link', 'show', hostLinkName(name)).length, 1, `${killAt}: the host end is left`);
        await destroyMicrovmNetwork(name, { hostNetns: host });
        assertGone(host, name);
        await destroyMicrovmNetwork(name, { hostNetns: host });
      } finally {
        ex.child.kill('SIGKILL');
      }
    });
  }
});

test('microvm example: destroyMicrovmNetwork(name) also removes what a crash inside a step leaves', async (t) => {
  if (!needRoot(t)) return;
  await withHost(async (host, name) => {
    // killed inside `netns add` (a name file, no namespace mounted on it), and between
    // creating the veth pair and marking its host end (no alias yet)
    run('touch', [`/run/netns/${name}`]);
    ip(host, 'link', 'add', hostLinkName(name), 'type', 'veth', 'peer', 'name', 'peer0');
    await destroyMicrovmNetwork(name, { hostNetns: host });
    assertGone(host, name);
  });
});

test('microvm example: as a script it prints the layout and removes it on SIGINT', async (t) => {
  if (!needRoot(t)) return;
  await withHost(async (host, name) => {
    const ex = startExample([name, '--host-netns', host]);
    try {
      await ex.waitFor('ready');
      assert.match(ex.output(), new RegExp(`sandbox \\(netns ${name}\\):\\n\\d+: eth0@`));
      assert.match(ex.output(), /vm: 172\.16\.0\.2\/30 gateway 172\.16\.0\.1 on tap0/);
      ex.child.kill('SIGINT');
      assert.equal(await ex.exited, 0, ex.output());
      assert.match(ex.output(), new RegExp(`destroyed ${name}\\n$`));
      assertGone(host, name);
    } finally {
      ex.child.kill('SIGKILL');
    }
  });
});

test('microvm example: a VM on the tap reaches the host through the sandbox (forwarding on), and not without it', async (t) => {
  if (!needRoot(t)) return;
  await withHost(async (host, name) => {
    const net = await createMicrovmNetwork({ name, hostNetns: host });
    const sb = openRoute({ netns: name });
    let queue: { fds: number[]; close(): void } | undefined;
    try {
      assert.deepEqual(net.sandbox.forwarding, [uplink, bridge]);
      // the VM's address is static here: no ARP to answer from the test
      ip(name, 'neigh', 'add', '172.16.0.2', 'lladdr', VM_MAC, 'dev', bridge, 'nud', 'permanent');
      queue = await sb.tuntap.open({ name: tap, mode: 'tap', vnetHdr: true, nonblock: true });
      const gatewayMac = net.sandbox.bridge.address!;
      assert.ok(await vmPings(queue.fds[0]!, gatewayMac, '172.16.0.2', '172.16.0.1', 5000), 'the VM pings its gateway');
      assert.ok(await vmPings(queue.fds[0]!, gatewayMac, '172.16.0.2', '10.200.0.1', 5000), 'the VM pings the host through the sandbox');
      await sb.ipv4conf.set({ dev: bridge, forwarding: false });
      assert.equal(await vmPings(queue.fds[0]!, gatewayMac, '172.16.0.2', '10.200.0.1', 500), false, 'no forwarding, no reply');
    } finally {
      queue?.close();
      sb.close();
      await net.destroy();
    }
    assertGone(host, name);
  });
});

test('microvm example: as a script with --once it makes the network, prints it and removes it', async (t) => {
  if (!needRoot(t)) return;
  await withHost(async (host, name) => {
    const r = spawnSync(process.execPath, [EXAMPLE, name, '--host-netns', host, '--once', '--multi-queue', '--owner', '1000'], {
      encoding: 'utf8', timeout: 20_000, killSignal: 'SIGKILL',
    });
    assert.equal(r.status, 0, `${r.signal ?? ''}\n${r.stdout}${r.stderr}`);
    assert.match(r.stdout, /tuntap tap multi_queue vnet_hdr persist user 1000\n/);
    assert.match(r.stdout, new RegExp(`destroyed ${name}\\n$`));
    assertGone(host, name);
  });
});
