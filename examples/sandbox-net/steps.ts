// A sandbox as a table of steps, each able to make its part, tell whether the kernel shows
// it, and remove it. Creation runs the table in order; removal runs it backwards and removes
// what exists, so it resumes from whatever a crash left (and does nothing the second time).
//
//   host side (hostNetns)                     sandbox namespace NAME
//   ┌─────────────────────────────┐          ┌──────────────────────────────────────────┐
//   │ sbx<hash> .1/len ───────────┼── veth ──┼─ eth0 ┐                                   │
//   │  (the VM's gateway,         │          │       ├ br0 .2/len (the namespace's own)  │
//   │   forwarding on)            │          │ TAP ──┘  default via .1                   │
//   │ nft table ip sandbox-NAME:  │          │  (persistent, vnet_hdr, owned by uid;     │
//   │   masquerade saddr subnet   │          │   tbf egress, police ingress)             │
//   └─────────────────────────────┘          └──────────────────────────────────────────┘
//
// The VM (at .3, gateway .1) is on one Ethernet segment with the host end: the bridge joins
// its tap and the veth, so nothing in the namespace routes, and the host routes and NATs
// for the subnet as it would for a VM on a host bridge. The namespace holds what the VMM
// (jailed into it) may touch; the host keeps the NAT and sees the sandbox as one link.
import { existsSync } from 'node:fs';
import { NETNS_RUN_DIR, netnsOps, openRoute, type Link, type RouteHandle } from '../../src/route/index.js';
import { openTc, rateLimit, removeRateLimit, hasRateLimit, type TcHandle } from '../../src/tc/index.js';
import { counter, ip, masquerade, meta, openConntrack, openNft, type Conntrack, type NftHandle } from '../../src/netfilter/index.js';
import { GONE, ifExists } from '../microvm-network.js';
import { SANDBOX_LINKS, type SandboxNames, type SandboxPlan } from './plan.js';

/** The handles steps work through, opened on first use, closed by close(). */
export class StepContext {
  private sb?: RouteHandle;
  private sbTc?: TcHandle;
  private hostNft?: NftHandle;
  private hostCt?: Conntrack;
  readonly host: RouteHandle;
  /** The subnet ('10.0.0.0/29'): from the plan, the caller, or learnt from the kernel (conntrack.ts). */
  network?: string;

  constructor(readonly names: SandboxNames, readonly plan?: SandboxPlan) {
    this.host = openRoute(names.hostNetns ? { netns: names.hostNetns } : {});
    this.network = plan?.network;
  }

  /** A handle inside the sandbox namespace (its socket keeps the namespace alive: close it before removing that). */
  get sandbox(): RouteHandle {
    return (this.sb ??= openRoute({ netns: this.names.name }));
  }

  /** Traffic control inside the sandbox namespace, on the sandbox handle's socket. */
  get tc(): TcHandle {
    return (this.sbTc ??= openTc({ ctx: this.sandbox.ctx }));
  }

  /** nftables on the host side. */
  get nft(): NftHandle {
    return (this.hostNft ??= openNft(this.names.hostNetns ? { netns: this.names.hostNetns } : {}));
  }

  /** Connection tracking on the host side (where the subnet is forwarded and masqueraded). */
  get ct(): Conntrack {
    return (this.hostCt ??= openConntrack(this.names.hostNetns ? { netns: this.names.hostNetns } : {}));
  }

  /** Whether the sandbox namespace is there to look into. */
  async inSandbox(): Promise<boolean> {
    return netnsOps().exists(this.names.name);
  }

  closeSandbox(): void {
    this.sb?.close();
    this.sb = undefined;
    this.sbTc = undefined;
  }

  close(): void {
    this.closeSandbox();
    this.hostNft?.close();
    this.hostNft = undefined;
    this.hostCt?.close();
    this.hostCt = undefined;
    this.host.close();
  }

  get made(): SandboxPlan {
    if (!this.plan) throw new Error('creating a sandbox needs its plan');
    return this.plan;
  }
}

export interface SandboxStep {
  /** Its name in reports ('veth', 'tap'...). */
  name: string;
  /** What it does in `ip`'s words (given to onStep). */
  doing: (p: SandboxPlan) => string;
  create(c: StepContext): Promise<void>;
  /** Whether the kernel shows any of this step's part. */
  exists(c: StepContext): Promise<boolean>;
  /** Removes what exists of it (what is gone already is skipped). */
  destroy(c: StepContext): Promise<void>;
  /**
   * The steps whose removal takes this one's part along: when all of them are being removed,
   * its own destroy() is skipped. The kernel dismantles a namespace's links in one batch
   * (one RCU grace period), where removing them one by one costs one each (~25 ms).
   */
  goesWith?: string[];
}

const { uplink, bridge, ifb } = SANDBOX_LINKS;

/** A link by name, or undefined when there is none. */
async function linkOf(rt: RouteHandle, dev: string): Promise<Link | undefined> {
  try {
    return await rt.links.get(dev);
  } catch (e) {
    if (GONE.has((e as { code?: string }).code ?? '')) return undefined;
    throw e;
  }
}

/** The host end, if it is there; a link of that name another owner marked is an error (it is left alone). */
async function hostEnd(c: StepContext): Promise<Link | undefined> {
  const { hostIf, alias, name } = c.names;
  const link = await linkOf(c.host, hostIf);
  // a crash between creating the pair and marking it leaves it without an alias: still ours
  if (link && link.ifalias !== undefined && link.ifalias !== alias)
    throw new Error(`${hostIf} is not the host end of sandbox ${name} (alias "${link.ifalias}"): left in place`);
  return link;
}

/** The sandbox's taps: its namespace is its own, so every tun/tap device in it. */
async function taps(c: StepContext): Promise<string[]> {
  if (!(await c.inSandbox())) return [];
  return (await c.sandbox.tuntap.list()).map((t) => t.ifname);
}

/** Something inside the sandbox namespace, when there is one. */
async function inside<T>(c: StepContext, fn: (sb: RouteHandle) => Promise<T>, otherwise: T): Promise<T> {
  return (await c.inSandbox()) ? fn(c.sandbox) : otherwise;
}

/** The sandbox's masquerade table, when the host side shows it. */
async function natTable(c: StepContext): Promise<boolean> {
  return (await c.nft.tables.list({ family: 'ip', name: c.names.natTable })).length > 0;
}

/** In creation order. */
export const STEPS: SandboxStep[] = [
  {
    name: 'netns',
    doing: (p) => `netns add ${p.name}`,
    async create(c) {
      await netnsOps().add(c.names.name);
      await c.sandbox.links.set({ dev: 'lo', up: true });
    },
    // a crash inside `netns add` can leave the name's file without a namespace on it
    exists: async (c) => existsSync(`${NETNS_RUN_DIR}/${c.names.name}`),
    async destroy(c) {
      c.closeSandbox();
      await ifExists(() => netnsOps().delete(c.names.name));
    },
  },
  {
    name: 'veth',
    doing: (p) => `link add ${p.hostIf} type veth peer name ${uplink} netns ${p.name}; link set ${p.hostIf} alias ${p.alias}`,
    async create(c) {
      const { hostIf, alias, name } = c.names;
      // the peer is made inside the sandbox: it never appears on the host side
      await c.host.links.add({ name: hostIf, kind: 'veth', peer: { name: uplink, netns: name } });
      await c.host.links.set({ dev: hostIf, alias });
    },
    exists: async (c) => (await hostEnd(c)) !== undefined || (await inside(c, async (sb) => (await linkOf(sb, uplink)) !== undefined, false)),
    async destroy(c) {
      // either end takes its peer along
      if (await hostEnd(c)) await ifExists(() => c.host.links.delete(c.names.hostIf));
      await inside(c, (sb) => ifExists(() => sb.links.delete(uplink)), undefined);
    },
  },
  {
    name: 'tap',
    goesWith: ['netns'],
    doing: (p) => `tuntap add ${p.tap} mode tap vnet_hdr user ${p.uid}${p.gid === undefined ? '' : ` group ${p.gid}`} (netns ${p.name})`,
    async create(c) {
      const { tap, uid, gid } = c.made;
      await c.sandbox.tuntap.add({ name: tap, mode: 'tap', vnetHdr: true, owner: uid, ...(gid !== undefined && { group: gid }) });
    },
    exists: async (c) => (await taps(c)).length > 0,
    async destroy(c) {
      for (const tap of await taps(c)) await ifExists(() => c.sandbox.tuntap.delete(tap));
    },
  },
  {
    name: 'bridge',
    goesWith: ['netns'],
    doing: (p) => `link add ${bridge} type bridge; link set ${p.tap} master ${bridge}; link set ${uplink} master ${bridge} (netns ${p.name})`,
    async create(c) {
      const sb = c.sandbox;
      await sb.links.add({ name: bridge, kind: 'bridge', stp: false, up: true });
      await sb.links.set({ dev: c.made.tap, master: bridge, up: true });
      await sb.links.set({ dev: uplink, master: bridge, up: true });
    },
    exists: (c) => inside(c, async (sb) => (await linkOf(sb, bridge)) !== undefined, false),
    // (its ports are released, not removed)
    destroy: (c) => inside(c, (sb) => ifExists(() => sb.links.delete(bridge)), undefined),
  },
  {
    name: 'addresses',
    goesWith: ['veth', 'netns'],
    doing: (p) => `addr add ${p.hostAddress} dev ${p.hostIf}; link set ${p.hostIf} up; sysctl net.ipv4.conf.${p.hostIf}.forwarding=1; addr add ${p.sandboxAddress} dev ${bridge} (netns ${p.name})`,
    async create(c) {
      const { hostIf, hostAddress, sandboxAddress } = c.made;
      await c.host.addresses.add({ address: hostAddress, dev: hostIf });
      await c.host.links.set({ dev: hostIf, up: true });
      // the host routes for the VM (a per-link setting: it goes with the link)
      await c.host.ipv4conf.set({ dev: hostIf, forwarding: true });
      await c.sandbox.addresses.add({ address: sandboxAddress, dev: bridge });
    },
    async exists(c) {
      const host = (await hostEnd(c)) && (await c.host.addresses.list({ dev: c.names.hostIf, family: 'inet' })).length > 0;
      return !!host || inside(c, async (sb) => !!(await linkOf(sb, bridge)) && (await sb.addresses.list({ dev: bridge, family: 'inet' })).length > 0, false);
    },
    async destroy(c) {
      if (await hostEnd(c)) await c.host.addresses.flush({ dev: c.names.hostIf, family: 'inet' });
      await inside(c, async (sb) => {
        if (await linkOf(sb, bridge)) await sb.addresses.flush({ dev: bridge, family: 'inet' });
      }, undefined);
    },
  },
  {
    name: 'route',
    goesWith: ['netns'],
    doing: (p) => `route add default via ${p.gateway} dev ${bridge} (netns ${p.name})`,
    create: (c) => c.sandbox.routes.add({ dst: 'default', via: c.made.gateway, dev: bridge }).then(() => undefined),
    exists: (c) => inside(c, async (sb) => (await sb.routes.list({ family: 'inet', dst: 'default' })).length > 0, false),
    destroy: (c) => inside(c, async (sb) => {
      await ifExists(() => sb.routes.flush({ family: 'inet', dst: 'default' }));
    }, undefined),
  },
  {
    name: 'nat',
    doing: (p) => `nft add table ip ${p.natTable}; add chain ip ${p.natTable} post { type nat hook postrouting priority srcnat; }; ` +
      `add rule ip ${p.natTable} post ip saddr ${p.network} oifname ${p.uplink ?? `!= ${p.hostIf}`} counter masquerade`,
    async create(c) {
      const { natTable: table, network, uplink: out, hostIf } = c.made;
      // one batch: the table is there with its rule, or not at all
      await c.nft.transaction([
        { add: 'table', family: 'ip', name: table },
        { add: 'chain', family: 'ip', table, name: 'post', type: 'nat', hook: 'postrouting', priority: 'srcnat', policy: 'accept' },
        { add: 'rule', family: 'ip', table, chain: 'post', expr: [ip.saddr(network), out ? meta.oifname(out) : meta.oifname(hostIf, '!='), counter(), masquerade()] },
      ]);
    },
    exists: natTable,
    // (the table takes its chain and rule along)
    destroy: async (c) => {
      if (await natTable(c)) await ifExists(() => c.nft.tables.delete({ family: 'ip', name: c.names.natTable }));
    },
  },
  {
    name: 'rate-limit',
    goesWith: ['netns'],
    doing: (p) => `tc qdisc add dev ${p.tap} root tbf rate ${p.rate.egress ?? '-'}bps; link add ${ifb} type ifb; tc qdisc add dev ${ifb} root tbf rate ${p.rate.ingress ?? '-'}bps; ` +
      `tc qdisc add dev ${p.tap} ingress; tc filter add dev ${p.tap} parent ffff: u32 match u32 0 0 action mirred egress redirect dev ${ifb} (netns ${p.name})`,
    async create(c) {
      const { tap, rate } = c.made;
      // ingress through an ifb: shaped (queued) rather than policed (dropped), and no act_police needed
      await rateLimit(c.tc, {
        dev: tap, ...(rate.egress !== undefined && { egress: rate.egress }), ...(rate.ingress !== undefined && { ingress: rate.ingress, ingressVia: 'ifb', ifb }),
        burst: rate.burst,
      });
    },
    async exists(c) {
      if (!(await c.inSandbox())) return false;
      for (const dev of await taps(c)) if (await hasRateLimit(c.tc, { dev, ifb })) return true;
      return (await linkOf(c.sandbox, ifb)) !== undefined;
    },
    async destroy(c) {
      for (const dev of await taps(c)) await removeRateLimit(c.tc, { dev, ifb });
      await inside(c, (sb) => ifExists(() => sb.links.delete(ifb)), undefined);
    },
  },
];
