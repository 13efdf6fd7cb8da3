// The network of a microVM sandbox, made with nlkit alone (no `ip`, `tc` or `nft` process):
// a namespace, a tap for the VM, a veth pair to the host, a bridge, addresses, a default
// route, masquerade for the subnet, and a rate limit on the tap both ways. See steps.ts for
// the layout, made as a table of steps.
//
//   const sb = await createSandbox({ name: 'vm42', tapName: 'tap0', subnet: '10.42.0.0/29', rateLimit: '100mbit', uid: 1000 });
//   ... start the VMM inside netns vm42 on tap0; the guest is sb.vm.address, gateway sb.vm.gateway
//   await sb.destroy();                  // or, after a crash: await destroySandbox('vm42')
//
// (In your own code, import from 'nlkit/route', 'nlkit/tc' and 'nlkit/netfilter'.)
import { parseArgs } from 'node:util';
import { NetlinkArgumentError } from '../../src/core/errors.js';
import { runAsScript, untilSignal } from '../microvm-network.js';
import { sandboxNames, sandboxPlan, type SandboxOptions, type SandboxPlan } from './plan.js';
import { StepContext, STEPS, type SandboxStep } from './steps.js';
import { inNetwork, learnNetwork, removeFlows, sandboxFlows } from './conntrack.js';

export { sandboxPlan, sandboxNames, SANDBOX_LINKS, type SandboxOptions, type SandboxPlan, type SandboxNames, type RateLimit, type Rate } from './plan.js';
export { STEPS, StepContext, type SandboxStep } from './steps.js';
export { inNetwork, sandboxFlows } from './conntrack.js';

export interface Sandbox {
  name: string;
  hostNetns?: string;
  /** Every name, address and rate it was made with. */
  plan: SandboxPlan;
  /** What to give the guest (its network config, or the kernel's `ip=` argument) and the VMM (the tap, in netns `name`). */
  vm: { address: string; gateway: string; tap: string; netns: string };
  /** Removes exactly what was made, and the subnet's conntrack entries (idempotent): destroySandbox(name, { hostNetns, subnet }). */
  destroy(): Promise<void>;
}

export interface DestroyOptions {
  /** The host side the sandbox was made from (default: this process's own namespace). */
  hostNetns?: string;
  /**
   * The sandbox's subnet, for its conntrack entries when the kernel no longer shows it (a
   * crash after the host end went). Otherwise learnt from the host end or the masquerade rule.
   */
  subnet?: string;
}

/** A context for removing or inspecting the sandbox `name`. */
function contextOf(name: string, opts: DestroyOptions): StepContext {
  if (opts === null || typeof opts !== 'object') throw new NetlinkArgumentError('options', `must be an object, got ${opts === null ? 'null' : typeof opts}`, 'ERR_INVALID_ARG_TYPE');
  const names = sandboxNames(name, opts.hostNetns);
  if (opts.subnet !== undefined) {
    if (typeof opts.subnet !== 'string') throw new NetlinkArgumentError('subnet', `must be an IPv4 prefix such as '10.0.0.0/29', got ${typeof opts.subnet}`, 'ERR_INVALID_ARG_TYPE');
    inNetwork(opts.subnet);
  }
  const c = new StepContext(names);
  c.network = opts.subnet;
  return c;
}

/** Removes what exists of these steps, last first. Returns the names of those it found. */
async function removeSteps(c: StepContext, steps: readonly SandboxStep[]): Promise<string[]> {
  const found = new Set<string>();
  for (const step of steps) if (await step.exists(c)) found.add(step.name);
  const removed: string[] = [];
  for (const step of [...steps].reverse()) {
    if (!found.has(step.name)) continue;
    if (!step.goesWith?.every((n) => found.has(n))) await step.destroy(c);
    removed.push(step.name);
  }
  return removed;
}

/**
 * Makes the sandbox; on a failure removes what this call made (never what it found: a taken
 * namespace or link name fails with EEXIST and stays) and rethrows.
 */
export async function createSandbox(opts: SandboxOptions): Promise<Sandbox> {
  const plan = sandboxPlan(opts);
  const onStep = opts.onStep ?? (() => {});
  const c = new StepContext(plan, plan);
  const made: SandboxStep[] = [];
  try {
    for (const step of STEPS) {
      await onStep(step.doing(plan));
      try {
        await step.create(c);
        made.push(step);
      } catch (e) {
        // a step that failed half-way made something too, unless what it met was someone else's
        if ((e as { code?: string }).code !== 'EEXIST') made.push(step);
        throw e;
      }
    }
  } catch (e) {
    try {
      await removeSteps(c, made);
    } finally {
      c.close();
    }
    throw e;
  }
  c.close();
  const { name, hostNetns } = plan;
  return {
    name, ...(hostNetns !== undefined && { hostNetns }), plan,
    vm: { address: plan.vmAddress, gateway: plan.gateway, tap: plan.tap, netns: name },
    destroy: async () => {
      await destroySandbox(name, { ...(hostNetns !== undefined && { hostNetns }), subnet: plan.network });
    },
  };
}

/**
 * Removes the sandbox `name` in whatever state a crash left it: every step of the table,
 * last first, removes what the kernel shows of its part (the nft table by its name, the
 * host end by its name and alias, the tap and qdiscs inside the namespace, the namespace),
 * then the host's conntrack entries of its subnet ('conntrack' in the result when there
 * were any). Idempotent. Returns the steps it found something of. A host link of the
 * derived name marked as someone else's is left alone (an error says so).
 */
export async function destroySandbox(name: string, opts: DestroyOptions = {}): Promise<string[]> {
  const c = contextOf(name, opts);
  try {
    // before the host end and the masquerade rule, which tell it, are gone
    await learnNetwork(c);
    const removed = await removeSteps(c, STEPS);
    // last: until the links are gone, a flow could start again
    if ((await removeFlows(c)) > 0) removed.push('conntrack');
    return removed;
  } finally {
    c.close();
  }
}

/**
 * The steps of which the kernel shows something for the sandbox `name`, and 'conntrack'
 * when the host has entries of its subnet (none: nothing is left).
 */
export async function sandboxLeftovers(name: string, opts: DestroyOptions = {}): Promise<string[]> {
  const c = contextOf(name, opts);
  try {
    const left: string[] = [];
    for (const step of STEPS) if (await step.exists(c)) left.push(step.name);
    if ((await sandboxFlows(c)).length > 0) left.push('conntrack');
    return left;
  } finally {
    c.close();
  }
}

// ---- as a script ---------------------------------------------------------------------------
//
//   node dist/examples/sandbox-net/index.js NAME --subnet 10.42.0.0/29 [--tap tap0] [--rate 100mbit]
//        [--uid 1000] [--uplink eth0] [--host-netns NS] [--once | --destroy]
//
// makes the sandbox, printing each step, and removes it on SIGINT/SIGTERM (at once with --once);
// --destroy removes what a crashed run left (--subnet then only needed when the host end is gone too).

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      subnet: { type: 'string' }, tap: { type: 'string', default: 'tap0' }, rate: { type: 'string', default: '100mbit' },
      uid: { type: 'string', default: '0' }, uplink: { type: 'string' }, 'host-netns': { type: 'string' },
      once: { type: 'boolean', default: false }, destroy: { type: 'boolean', default: false },
    },
  });
  const name = positionals[0];
  const hostNetns = values['host-netns'];
  if (!name || (!values.destroy && !values.subnet)) {
    console.error('usage: sandbox-net NAME --subnet PREFIX [--tap TAP] [--rate RATE] [--uid UID] [--uplink DEV] [--host-netns NS] [--once | --destroy]');
    process.exit(2);
  }
  if (values.destroy) {
    const found = await destroySandbox(name, { ...(hostNetns && { hostNetns }), ...(values.subnet && { subnet: values.subnet }) });
    console.log(`destroyed ${name} (found: ${found.join(' ') || 'nothing'})`);
    return;
  }
  const sb = await createSandbox({
    name, tapName: values.tap, subnet: values.subnet!, rateLimit: values.rate, uid: Number(values.uid),
    ...(hostNetns && { hostNetns }), ...(values.uplink && { uplink: values.uplink }),
    onStep: (step) => console.log(`+ ${step}`),
  });
  console.log(`vm: ${sb.vm.address} gateway ${sb.vm.gateway} on ${sb.vm.tap} in netns ${sb.vm.netns}`);
  if (!values.once) {
    const stopped = untilSignal();
    console.log('ready (SIGINT or SIGTERM removes it)');
    await stopped;
  }
  await sb.destroy();
  console.log(`destroyed ${name}`);
}

runAsScript(import.meta.url, main);
