// What a sandbox is made of, worked out from its options before anything is made: every
// name, address and rate, each option checked with a typed error. The names that removal
// needs come from the sandbox's name alone (SandboxNames), so a sandbox can be removed by
// name after a crash, when its other options are lost.
import { NetlinkArgumentError } from '../../src/core/errors.js';
import { checkIfname, checkUint } from '../../src/route/arg-check.js';
import { parseRate, parseSize } from '../../src/tc/units.js';
import { derivedLinkName, subnetHosts } from '../microvm-network.js';

/** A rate: bytes/s, or tc's words ('10mbit', '500kbps'). */
export type Rate = number | string;

/**
 * The tap's limits, as tc on the tap sees them: egress is what the VM receives (the tap
 * sends it to the VM), ingress what the VM sends. A bare rate limits both ways.
 */
export type RateLimit = Rate | { egress?: Rate; ingress?: Rate; burst?: number | string };

export interface SandboxOptions {
  /** The sandbox's namespace name (in /run/netns, as `ip netns` names them); also names everything else of it. */
  name: string;
  /** The VM's tap, inside the sandbox namespace (where the VMM opens it). */
  tapName: string;
  /**
   * An IPv4 prefix of /29 or wider: its first address is the host end's (the VM's gateway),
   * the second the sandbox namespace's (on its bridge), the third the VM's.
   */
  subnet: string;
  rateLimit: RateLimit;
  /** The uid allowed to open the tap without CAP_NET_ADMIN: the VMM's. */
  uid: number;
  gid?: number;
  /** The namespace that plays the host side (default: this process's own). */
  hostNetns?: string;
  /** Masquerade only traffic leaving through this link (default: through any link but the sandbox's). */
  uplink?: string;
  /** Called before each step with what it does (`ip`'s words): progress, or a test's crash point. */
  onStep?: (step: string) => void | Promise<void>;
}

/** Links inside the sandbox namespace: its own namespace, so fixed names cannot clash. */
/** ifb: what the VM sends is redirected there and shaped (the ingress half of the rate limit). */
export const SANDBOX_LINKS = { uplink: 'eth0', bridge: 'br0', ifb: 'ifb0' } as const;

/** What removal needs: all derived from the name. */
export interface SandboxNames {
  name: string;
  hostNetns?: string;
  /** The host end of the veth pair (its peer is SANDBOX_LINKS.uplink in the sandbox). */
  hostIf: string;
  /** The host end's alias: it marks the link as this sandbox's, so removal takes no one else's. */
  alias: string;
  /** The nftables table (family ip, on the host side) holding the sandbox's masquerade rule. */
  natTable: string;
}

/** Everything creation needs. */
export interface SandboxPlan extends SandboxNames {
  tap: string;
  uid: number;
  gid?: number;
  uplink?: string;
  /** The subnet's network ('10.0.0.0/24'). */
  network: string;
  /** With their prefix length: the host end's, the sandbox bridge's, the VM's. */
  hostAddress: string;
  sandboxAddress: string;
  vmAddress: string;
  /** The VM's (and the sandbox's) default gateway: the host end's address. */
  gateway: string;
  /** Bytes/s each way (absent: that way is not limited), and the bucket size in bytes. */
  rate: { egress?: number; ingress?: number; burst: number };
}

const OPTION_KEYS = new Set(['name', 'tapName', 'subnet', 'rateLimit', 'uid', 'gid', 'hostNetns', 'uplink', 'onStep']);

function checkName(v: unknown, option: string): string {
  // (the namespace calls check the rest of a namespace name's rules)
  if (typeof v !== 'string' || v === '') throw new NetlinkArgumentError(option, `must be a namespace name, got ${JSON.stringify(v)}`, typeof v === 'string' ? 'ERR_INVALID_ARG_VALUE' : 'ERR_INVALID_ARG_TYPE');
  return v;
}

/** The names of the sandbox `name` (hostNetns as given). */
export function sandboxNames(name: string, hostNetns?: string): SandboxNames {
  checkName(name, 'name');
  if (hostNetns !== undefined) checkName(hostNetns, 'hostNetns');
  return {
    name, ...(hostNetns !== undefined && { hostNetns }),
    hostIf: derivedLinkName('sbx', name), alias: `sandbox:${name}`, natTable: `sandbox-${name}`,
  };
}

/**
 * tbf needs a bucket of at least one MTU-sized packet, and one of a few milliseconds' worth
 * at higher rates, or it throttles below the rate (tc-tbf(8)): the larger of 10 ms and 32 kb.
 */
const defaultBurst = (rate: number) => Math.max(32 * 1024, Math.ceil(rate / 100));

function rates(v: unknown): SandboxPlan['rate'] {
  if (typeof v === 'number' || typeof v === 'string') {
    const r = parseRate(v, 'rateLimit');
    return { egress: r, ingress: r, burst: defaultBurst(r) };
  }
  if (v === null || typeof v !== 'object') throw new NetlinkArgumentError('rateLimit', `must be a rate ('10mbit', bytes/s) or { egress, ingress, burst }, got ${v === null ? 'null' : typeof v}`, 'ERR_INVALID_ARG_TYPE');
  const o = v as Record<string, unknown>;
  for (const k of Object.keys(o)) if (!['egress', 'ingress', 'burst'].includes(k)) throw new NetlinkArgumentError('rateLimit', `has no option '${k}' (there are: egress, ingress, burst)`);
  const egress = o.egress === undefined ? undefined : parseRate(o.egress, 'rateLimit.egress');
  const ingress = o.ingress === undefined ? undefined : parseRate(o.ingress, 'rateLimit.ingress');
  for (const [k, r] of [['egress', egress], ['ingress', ingress]] as const)
    if (r === 0) throw new NetlinkArgumentError(`rateLimit.${k}`, 'must be more than 0 (leave it out for no limit)', 'ERR_OUT_OF_RANGE');
  if (egress === undefined && ingress === undefined) throw new NetlinkArgumentError('rateLimit', 'needs egress or ingress (or a rate for both)', 'ERR_INVALID_ARG_TYPE');
  const burst = o.burst === undefined ? defaultBurst(Math.max(egress ?? 0, ingress ?? 0)) : parseSize(o.burst, 'rateLimit.burst');
  if (burst < 1600) throw new NetlinkArgumentError('rateLimit.burst', `must hold a full-sized packet (at least 1600 bytes), got ${burst}`, 'ERR_OUT_OF_RANGE');
  return { ...(egress !== undefined && { egress }), ...(ingress !== undefined && { ingress }), burst };
}

/** The plan of a sandbox, or a NetlinkArgumentError naming the first bad option. */
export function sandboxPlan(opts: SandboxOptions): SandboxPlan {
  if (opts === null || typeof opts !== 'object') throw new NetlinkArgumentError('options', `must be an object, got ${opts === null ? 'null' : typeof opts}`, 'ERR_INVALID_ARG_TYPE');
  for (const k of Object.keys(opts)) if (!OPTION_KEYS.has(k)) throw new NetlinkArgumentError('options', `has no option '${k}' (there are: ${[...OPTION_KEYS].join(', ')})`);
  const names = sandboxNames(opts.name, opts.hostNetns);
  const tap = checkIfname(opts.tapName, 'tapName');
  if (Object.values(SANDBOX_LINKS).includes(tap as never)) throw new NetlinkArgumentError('tapName', `must not be ${JSON.stringify(tap)}: the sandbox's own links are ${Object.values(SANDBOX_LINKS).join(', ')}`);
  if (opts.rateLimit === undefined) throw new NetlinkArgumentError('rateLimit', "is required (a rate such as '10mbit', or { egress, ingress })", 'ERR_INVALID_ARG_TYPE');
  const uid = checkUint(opts.uid, 'uid', 0xfffffffe);
  const gid = opts.gid === undefined ? undefined : checkUint(opts.gid, 'gid', 0xfffffffe);
  const uplink = opts.uplink === undefined ? undefined : checkIfname(opts.uplink, 'uplink');
  if (opts.onStep !== undefined && typeof opts.onStep !== 'function') throw new NetlinkArgumentError('onStep', `must be a function, got ${typeof opts.onStep}`, 'ERR_INVALID_ARG_TYPE');
  if (typeof opts.subnet !== 'string') throw new NetlinkArgumentError('subnet', `must be an IPv4 prefix such as '10.0.0.0/29', got ${typeof opts.subnet}`, 'ERR_INVALID_ARG_TYPE');
  const { hosts: [gateway, sandbox, vm], len, network } = subnetHosts(opts.subnet, 'subnet', 3);
  return {
    ...names, tap, uid, ...(gid !== undefined && { gid }), ...(uplink !== undefined && { uplink }),
    network, hostAddress: `${gateway}/${len}`, sandboxAddress: `${sandbox}/${len}`, vmAddress: `${vm}/${len}`, gateway: gateway!,
    rate: rates(opts.rateLimit),
  };
}
