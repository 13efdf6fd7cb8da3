// The network of a microVM sandbox, as Firecracker and Cloud Hypervisor setups make it, built
// only with nlkit (no `ip`, no process per step):
//
//   host side (this namespace, or `hostNetns`)      sandbox namespace NAME (like `ip netns add`)
//   ┌──────────────────────────────────┐           ┌─────────────────────────────────────────┐
//   │ mvm<hash>  10.200.0.1/30  ───────┼── veth ───┼─ eth0 10.200.0.2/30                     │
//   │ 172.16.0.0/30 via 10.200.0.2     │           │ default via 10.200.0.1 dev eth0         │
//   └──────────────────────────────────┘           │ br0 172.16.0.1/30 (the VM's gateway)    │
//                                                  │  └ tap0 (persistent, vnet_hdr, owned by │
//                                                  │         the VMM's uid): virtio-net      │
//                                                  └─────────────────────────────────────────┘
//
// The VM (at 172.16.0.2) reaches the host through the sandbox, which routes between br0 and
// eth0 (IPv4 forwarding on both, set over rtnetlink); the host reaches the VM through the
// route to its subnet. Everything is found again by names derived from NAME, so a crashed
// run is cleaned up by destroyMicrovmNetwork(NAME).
//
//   node dist/examples/microvm-network.js NAME [--once] [--host-netns NS] [--owner UID] [--multi-queue]
//
// creates it, prints the layout, and removes it on SIGINT/SIGTERM (or at once with --once).
// (In your own code, import from 'nlkit/route'.)
import { createHash } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { NetlinkArgumentError } from '../src/core/index.js';
import {
  familyName, netnsOps, openRoute, parsePrefix,
  type Address, type Link, type Route, type RouteHandle, type TunTap,
} from '../src/route/index.js';

export interface MicrovmNetworkOptions {
  /** The sandbox namespace's name (in /run/netns, as `ip netns` names them). */
  name: string;
  /** The veth link between host and sandbox: host gets the first address, sandbox the second. Default '10.200.0.0/30'. */
  subnet?: string;
  /** The VM's subnet: the bridge (the VM's gateway) gets the first address, the VM the second. Default '172.16.0.0/30'. */
  vmSubnet?: string;
  /** The uid (and gid) allowed to open the tap without CAP_NET_ADMIN: the VMM's, when it runs unprivileged. */
  tapOwner?: number;
  tapGroup?: number;
  /** A multi-queue tap (one queue per vCPU). Default false. */
  multiQueue?: boolean;
  /** The namespace that plays the host side (default: this process's own). */
  hostNetns?: string;
  /** Called before each step, with what it does (`ip`'s words): progress, or a test's crash point. */
  onStep?: (step: string) => void | Promise<void>;
}

/** What was made: nlkit's own objects, read back after creation. */
export interface MicrovmNetwork {
  name: string;
  hostNetns?: string;
  host: { link: Link; address: Address; routes: Route[] };
  sandbox: {
    uplink: Link; bridge: Link; tap: TunTap; tapLink: Link; addresses: Address[]; routes: Route[];
    /** The links with IPv4 forwarding on (net.ipv4.conf.DEV.forwarding). */
    forwarding: string[];
  };
  /** What to give the guest (kernel `ip=` boot argument, or its network config). */
  vm: { address: string; gateway: string; tap: string };
  /** Removes exactly what was made (idempotent). */
  destroy(): Promise<void>;
}

/** Names inside the sandbox: its own namespace, so fixed ones cannot clash. */
export const SANDBOX_LINKS = { uplink: 'eth0', bridge: 'br0', tap: 'tap0' } as const;

/** A host-side link name derived from a sandbox's (IFNAMSIZ allows 15 bytes; namespace names are longer). */
export function derivedLinkName(prefix: string, name: string): string {
  return `${prefix}${createHash('sha256').update(name).digest('hex').slice(0, 10)}`;
}
/** The host end's name. */
export const hostLinkName = (name: string): string => derivedLinkName('mvm', name);
/** The host end's alias marks it as ours: destroyMicrovmNetwork removes no link it did not make. */
const aliasOf = (name: string) => `microvm:${name}`;

/**
 * An IPv4 prefix's first `count` host addresses, its length and its network ('a.b.c.d/n').
 * It must be wide enough for them (and a broadcast address): /30 for two, /29 for three to six.
 */
export function subnetHosts(subnet: string, option: string, count: number): { hosts: string[]; len: number; network: string } {
  const p = parsePrefix(subnet, option);
  const widest = 32 - Math.ceil(Math.log2(count + 2));
  if (familyName(p.family) !== 'inet' || p.len > widest) throw new NetlinkArgumentError(option, `must be an IPv4 prefix of /${widest} or wider, got ${JSON.stringify(subnet)}`);
  const n = p.address.split('.').reduce((a, b) => a * 256 + Number(b), 0);
  const net = n - (n % 2 ** (32 - p.len));
  const text = (v: number) => [24, 16, 8, 0].map((s) => Math.floor(v / 2 ** s) % 256).join('.');
  return { hosts: Array.from({ length: count }, (_, i) => text(net + 1 + i)), len: p.len, network: `${text(net)}/${p.len}` };
}

/** An IPv4 prefix's network ('a.b.c.d/n'), its first and second host addresses, and its length. */
function twoHosts(subnet: string, option: string): [string, string, number, string] {
  const { hosts: [a, b], len, network } = subnetHosts(subnet, option, 2);
  return [a!, b!, len, network];
}

/** The codes that mean 'already gone': a link (ENODEV), a route (ESRCH), a namespace (ENOENT). */
export const GONE = new Set(['ENODEV', 'ENOENT', 'ESRCH']);
/** Runs fn; 'already gone' is success (a removal that found nothing to remove). */
export async function ifExists(fn: () => Promise<unknown>): Promise<void> {
  try {
    await fn();
  } catch (e) {
    if (!GONE.has((e as { code?: string }).code ?? '')) throw e;
  }
}

/** Builds the sandbox network; on any failure, removes what it had made and rethrows. */
export async function createMicrovmNetwork(opts: MicrovmNetworkOptions): Promise<MicrovmNetwork> {
  const { name, hostNetns, onStep = () => {} } = opts;
  // (netnsOps().add checks the rest of the name's rules)
  if (typeof name !== 'string' || name === '') throw new NetlinkArgumentError('name', `must be a namespace name, got ${JSON.stringify(name)}`);
  const [hostAddr, sandboxAddr, len] = twoHosts(opts.subnet ?? '10.200.0.0/30', 'subnet');
  const [gateway, vmAddr, vmLen, vmNet] = twoHosts(opts.vmSubnet ?? '172.16.0.0/30', 'vmSubnet');
  const hostIf = hostLinkName(name);
  const { uplink, bridge, tap } = SANDBOX_LINKS;

  // what this call made, undone last first: only these on failure (a name already taken
  // is someone else's namespace or link, never removed here)
  const made: (() => Promise<void>)[] = [];
  const host = openRoute(hostNetns ? { netns: hostNetns } : {});
  let sandbox: RouteHandle | undefined;
  const undo = async () => {
    sandbox?.close(); // a socket inside would keep the namespace alive
    for (const fn of made.splice(0).reverse()) await fn();
    host.close();
  };
  try {
    await onStep(`netns add ${name}`);
    await netnsOps().add(name);
    made.push(() => ifExists(() => netnsOps().delete(name)));
    sandbox = openRoute({ netns: name });
    const sb = sandbox;
    await sb.links.set({ dev: 'lo', up: true });

    await onStep(`link add ${hostIf} type veth peer name ${uplink} netns ${name}`);
    // the peer is created inside the sandbox: it never appears on the host side
    await host.links.add({ name: hostIf, kind: 'veth', peer: { name: uplink, netns: name } });
    made.push(() => ifExists(() => host.links.delete(hostIf)));
    await host.links.set({ dev: hostIf, alias: aliasOf(name) });

    await onStep(`tuntap add ${tap} mode tap vnet_hdr${opts.multiQueue ? ' multi_queue' : ''}${opts.tapOwner === undefined ? '' : ` user ${opts.tapOwner}`}`);
    await sb.tuntap.add({
      name: tap, mode: 'tap', vnetHdr: true, multiQueue: opts.multiQueue ?? false,
      ...(opts.tapOwner !== undefined && { owner: opts.tapOwner }), ...(opts.tapGroup !== undefined && { group: opts.tapGroup }),
    });

    await onStep(`link add ${bridge} type bridge; link set ${tap} master ${bridge}`);
    await sb.links.add({ name: bridge, kind: 'bridge', stp: false, up: true });
    await sb.links.set({ dev: tap, master: bridge, up: true });

    await onStep('address add, link set up');
    await sb.addresses.add({ address: `${sandboxAddr}/${len}`, dev: uplink });
    await sb.addresses.add({ address: `${gateway}/${vmLen}`, dev: bridge });
    await sb.links.set({ dev: uplink, up: true });
    await host.addresses.add({ address: `${hostAddr}/${len}`, dev: hostIf });
    await host.links.set({ dev: hostIf, up: true });

    // the sandbox routes between the VM's bridge and its uplink (its own ip_forward is 0)
    await onStep(`sysctl net.ipv4.conf.${uplink}.forwarding=1 net.ipv4.conf.${bridge}.forwarding=1`);
    await sb.ipv4conf.set({ dev: uplink, forwarding: true });
    await sb.ipv4conf.set({ dev: bridge, forwarding: true });

    await onStep(`route add default via ${hostAddr} (sandbox); route add ${vmNet} via ${sandboxAddr} (host)`);
    await sb.routes.add({ dst: 'default', via: hostAddr, dev: uplink });
    await host.routes.add({ dst: vmNet, via: sandboxAddr, dev: hostIf });
    made.push(() => ifExists(() => host.routes.delete({ dst: vmNet, via: sandboxAddr, dev: hostIf })));

    // read back what the kernel now has
    const forwarding: string[] = [];
    for (const dev of [uplink, bridge]) if ((await sb.ipv4conf.get(dev)).forwarding === 1) forwarding.push(dev);
    const net: MicrovmNetwork = {
      name,
      ...(hostNetns && { hostNetns }),
      host: {
        link: await host.links.get(hostIf),
        address: (await host.addresses.list({ dev: hostIf, family: 'inet' }))[0]!,
        routes: await host.routes.list({ dev: hostIf, family: 'inet' }),
      },
      sandbox: {
        uplink: await sb.links.get(uplink),
        bridge: await sb.links.get(bridge),
        tap: await sb.tuntap.get(tap),
        tapLink: await sb.links.get(tap),
        addresses: await sb.addresses.list({ family: 'inet', scope: 'global' }),
        routes: await sb.routes.list({ family: 'inet' }),
        forwarding,
      },
      vm: { address: `${vmAddr}/${vmLen}`, gateway, tap },
      // the host handle reopens its socket on use; the sandbox's stays closed (it would keep the namespace alive)
      destroy: async () => {
        try {
          for (const fn of made.splice(0).reverse()) await fn();
        } finally {
          host.close();
        }
      },
    };
    sb.close();
    host.close();
    return net;
  } catch (e) {
    await undo();
    throw e;
  }
}

/**
 * Removes the sandbox network of `name` whatever state a crash left it in: the host routes
 * through its veth end, that end (its peer goes with it), then the namespace (taking the
 * tap, the bridge and whatever else is inside). Idempotent: what is gone already is skipped.
 * A host link of that name not marked as ours is left alone (an error says so).
 */
export async function destroyMicrovmNetwork(name: string, opts: { hostNetns?: string } = {}): Promise<void> {
  const host = openRoute(opts.hostNetns ? { netns: opts.hostNetns } : {});
  const hostIf = hostLinkName(name);
  try {
    let link: Link | undefined;
    try {
      link = await host.links.get(hostIf);
    } catch (e) {
      if (!GONE.has((e as { code?: string }).code ?? '')) throw e;
    }
    if (link) {
      // a crash between creating the pair and naming it leaves it without an alias
      if (link.ifalias !== undefined && link.ifalias !== aliasOf(name))
        throw new Error(`${hostIf} is not the host end of microVM network ${name} (alias "${link.ifalias}"): left in place`);
      await ifExists(() => host.routes.flush({ dev: hostIf, table: 'all' }));
      await ifExists(() => host.links.delete(hostIf));
    }
    // (also the empty file a crash inside `netns add` can leave, as `ip netns del` removes it)
    await ifExists(() => netnsOps().delete(name));
  } finally {
    host.close();
  }
}

// ---- printing: ip-like text from nlkit's objects ------------------------------------------

function linkLine(l: Link, addrs: Address[]): string {
  const words = [`${l.ifindex}: ${l.ifname}${l.link ? `@${l.link}` : l.linkIndex ? `@if${l.linkIndex}` : ''}: <${l.flags.join(',')}> mtu ${l.mtu}`];
  if (l.master) words.push(`master ${l.master}`);
  words.push(`state ${l.operstate}`);
  if (l.address) words.push(`link/${l.linkType} ${l.address}`);
  if (l.ifalias) words.push(`alias ${l.ifalias}`);
  return [words.join(' '), ...addrs.filter((a) => a.ifindex === l.ifindex).map((a) => `    ${a.family} ${a.address} scope ${a.scope}`)].join('\n');
}

function routeLine(r: Route): string {
  // as ip prints them: 'proto boot' (the default) and 'scope global' left out
  return [r.dst, r.gateway && `via ${r.gateway}`, r.dev && `dev ${r.dev}`, r.protocol !== 'boot' && `proto ${r.protocol}`, r.scope !== 'global' && `scope ${r.scope}`, r.prefsrc && `src ${r.prefsrc}`]
    .filter(Boolean).join(' ');
}

/** The layout as `ip link`/`ip addr`/`ip route`/`ip tuntap` would show its parts. */
export function formatMicrovmNetwork(net: MicrovmNetwork): string {
  const { host, sandbox: sb, vm } = net;
  const t = sb.tap;
  return [
    `host${net.hostNetns ? ` (netns ${net.hostNetns})` : ''}:`,
    linkLine(host.link, [host.address]),
    ...host.routes.map(routeLine),
    '',
    `sandbox (netns ${net.name}):`,
    linkLine(sb.uplink, sb.addresses),
    linkLine(sb.bridge, sb.addresses),
    linkLine(sb.tapLink, []),
    `    tuntap ${t.flags.join(' ')}${t.owner === undefined ? '' : ` user ${t.owner}`}${t.group === undefined ? '' : ` group ${t.group}`}`,
    ...sb.routes.map(routeLine),
    `forwarding on ${sb.forwarding.join(' ')}`,
    '',
    `vm: ${vm.address} gateway ${vm.gateway} on ${vm.tap}`,
  ].join('\n');
}

// ---- as a script ---------------------------------------------------------------------------

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      once: { type: 'boolean', default: false },
      'host-netns': { type: 'string' },
      owner: { type: 'string' },
      'multi-queue': { type: 'boolean', default: false },
      subnet: { type: 'string' },
      'vm-subnet': { type: 'string' },
      destroy: { type: 'boolean', default: false },
    },
  });
  const name = positionals[0];
  if (!name) {
    console.error('usage: microvm-network NAME [--once] [--destroy] [--host-netns NS] [--owner UID] [--multi-queue] [--subnet P] [--vm-subnet P]');
    process.exit(2);
  }
  const hostNetns = values['host-netns'];
  if (values.destroy) {
    await destroyMicrovmNetwork(name, hostNetns ? { hostNetns } : {});
    console.log(`destroyed ${name}`);
    return;
  }
  const net = await createMicrovmNetwork({
    name,
    ...(hostNetns && { hostNetns }),
    ...(values.owner !== undefined && { tapOwner: Number(values.owner) }),
    ...(values.subnet && { subnet: values.subnet }),
    ...(values['vm-subnet'] && { vmSubnet: values['vm-subnet'] }),
    multiQueue: values['multi-queue'],
    onStep: (step) => console.log(`+ ${step}`),
  });
  const stopped = values.once ? undefined : untilSignal();
  console.log(formatMicrovmNetwork(net));
  if (stopped) {
    console.log('ready (SIGINT or SIGTERM removes it)');
    await stopped;
  }
  await net.destroy();
  console.log(`destroyed ${name}`);
}

/**
 * Resolves on SIGINT or SIGTERM. The handlers are in place when it returns, before a 'ready'
 * line tells anyone to send one (and a timer keeps the process waiting: listeners alone do not).
 */
export function untilSignal(): Promise<void> {
  return new Promise<void>((resolve) => {
    const wait = setInterval(() => {}, 2 ** 30);
    for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => resolve(clearInterval(wait)));
  });
}

/** Runs an example's main() when the module is the script node was started with (not when imported). */
export function runAsScript(moduleUrl: string, main: () => Promise<void>): void {
  if (!process.argv[1] || moduleUrl !== pathToFileURL(process.argv[1]).href) return;
  main().catch((e: unknown) => {
    console.error(e instanceof Error ? e.message : e);
    process.exitCode = 1;
  });
}

runAsScript(import.meta.url, main);
