// Recipes: what a sandbox or VM host does with tc, as functions over a TcHandle. Each makes
// all of its parts or (removing what it made) none, and has a removal that takes away what
// exists of them, whatever state a crash left.
//
//   rateLimit(tc, { dev: 'tap0', egress: '100mbit', ingress: '20mbit', ingressVia: 'ifb', ifb: 'ifb0' })
//   redirect(tc, { from: 'tap0', to: 'eth0' })             // tap <-> veth with mirred, as microVM runtimes wire them
//   dropPorts(tc, { dev: 'tap0', ports: [25], protocol: 'tcp' })
import { NetlinkArgumentError } from '../core/errors.js';
import { checkIfname, checkSpec } from '../route/arg-check.js';
import { makeLinks } from '../route/links.js';
import type { TcHandle } from './tc-handle.js';
import { parseRate, parseSize, parseTime } from './units.js';
import type { FilterSpec } from './filters.js';
import type { ActionSpec } from './actions.js';
import type { U32Match } from './u32.js';
import type { Qdisc } from './qdiscs.js';
import type { BulkResult } from '../route/bulk.js';
import { quote } from '../core/options.js';

type Rate = number | string;

export interface RateLimitSpec {
  dev: string;
  /** What `dev` sends (for a tap: what the VM receives), shaped by tbf at its root. */
  egress?: Rate;
  /** What `dev` receives (for a tap: what the VM sends). */
  ingress?: Rate;
  /** The bucket: bytes (or '32kb'); default the larger of 32 KiB and 10 ms at the rate. */
  burst?: number | string;
  /** How long a packet may wait in tbf's queue (default '50ms'). */
  latency?: number | string;
  /**
   * How ingress is limited. 'police' (default): an ingress qdisc and a u32 match-all filter
   * whose police action drops what exceeds the rate (needs act_police). 'ifb': the traffic is
   * redirected (mirred) to an ifb device and shaped there by tbf: it queues instead of being
   * dropped, so TCP slows down smoothly, and it needs no police module.
   */
  ingressVia?: 'police' | 'ifb';
  /** With 'ifb': the ifb device to make (in the handle's namespace). */
  ifb?: string;
}

/** What removeRateLimit takes: the device, and the ifb when one was used. */
export interface RateLimitRef {
  dev: string;
  ifb?: string;
}

export interface RedirectSpec {
  /** Packets arriving on `from` are sent out of `to`. */
  from: string;
  to: string;
  /** Also `to` -> `from` (default true: the pair behaves as one wire). */
  bothWays?: boolean;
}

export interface PortsSpec {
  dev: string;
  ports: number | number[];
  /** Default 'tcp'. */
  protocol?: 'tcp' | 'udp';
  /** Which traffic of `dev`: what it receives ('ingress', the default) or sends ('egress'). Uses a clsact qdisc. */
  direction?: 'ingress' | 'egress';
  /** The filters' priority (default 10: allowPorts uses it and the next). */
  prio?: number;
}

const RATE_KEYS = ['dev', 'egress', 'ingress', 'burst', 'latency', 'ingressVia', 'ifb'] as const;
const REDIRECT_KEYS = ['from', 'to', 'bothWays'] as const;
const PORTS_KEYS = ['dev', 'ports', 'protocol', 'direction', 'prio'] as const;

/** Every packet: tc's `u32 match u32 0 0`. */
const MATCH_ALL: U32Match[] = [{ u32: { value: 0, mask: 0, at: 0 } }];

/** tbf needs a bucket of at least one full packet, and a few ms' worth at high rates (tc-tbf(8)). */
const burstFor = (rate: number, burst: unknown) => (burst === undefined ? Math.max(32 * 1024, Math.ceil(rate / 100)) : parseSize(burst, 'burst'));

const GONE = new Set(['ENOENT', 'ENODEV', 'EINVAL']);
/** Runs fn; 'nothing there' is success (a removal that found nothing). */
async function ifThere(fn: () => Promise<unknown>): Promise<void> {
  try {
    await fn();
  } catch (e) {
    if (!GONE.has((e as { code?: string }).code ?? '')) throw e;
  }
}

/** Runs the steps in order; on a failure undoes the ones done (last first) and rethrows. */
async function allOrNothing(steps: { make: () => Promise<unknown>; undo: () => Promise<unknown> }[]): Promise<void> {
  const done: (() => Promise<unknown>)[] = [];
  try {
    for (const s of steps) {
      await s.make();
      done.push(s.undo);
    }
  } catch (e) {
    for (const undo of done.reverse()) await ifThere(undo);
    throw e;
  }
}

/**
 * Limits a device's traffic both ways (either may be left out): egress by tbf at its root,
 * ingress by police or through an ifb (see RateLimitSpec.ingressVia). All or nothing.
 */
export async function rateLimit(tc: TcHandle, spec: RateLimitSpec): Promise<void> {
  const s = checkSpec(spec, 'rateLimit', RATE_KEYS) as unknown as RateLimitSpec;
  const dev = checkIfname(s.dev, 'dev');
  if (s.egress === undefined && s.ingress === undefined) throw new NetlinkArgumentError('egress', 'or ingress is needed (a rate: bytes/s or tc\'s \'10mbit\')', 'ERR_INVALID_ARG_TYPE');
  const egress = s.egress === undefined ? undefined : parseRate(s.egress, 'egress');
  const ingress = s.ingress === undefined ? undefined : parseRate(s.ingress, 'ingress');
  for (const [k, r] of [['egress', egress], ['ingress', ingress]] as const) if (r === 0) throw new NetlinkArgumentError(k, 'must be more than 0 (leave it out for no limit)', 'ERR_OUT_OF_RANGE');
  const latency = s.latency === undefined ? 50_000 : parseTime(s.latency, 'latency');
  const via = s.ingressVia ?? 'police';
  if (via !== 'police' && via !== 'ifb') throw new NetlinkArgumentError('ingressVia', `must be 'police' or 'ifb', got ${quote(via)}`);
  if (via === 'ifb' && ingress !== undefined && s.ifb === undefined) throw new NetlinkArgumentError('ifb', "is needed with ingressVia 'ifb' (the ifb device's name)", 'ERR_INVALID_ARG_TYPE');
  if (via === 'police' && s.ifb !== undefined) throw new NetlinkArgumentError('ifb', "is only for ingressVia 'ifb'");
  const ifb = s.ifb === undefined ? undefined : checkIfname(s.ifb, 'ifb');
  if (ifb === dev) throw new NetlinkArgumentError('ifb', 'must be another device than dev');

  const steps: { make: () => Promise<unknown>; undo: () => Promise<unknown> }[] = [];
  if (egress !== undefined) {
    steps.push({
      make: () => tc.qdiscs.add({ dev, kind: 'tbf', rate: egress, burst: burstFor(egress, s.burst), latency }),
      undo: () => tc.qdiscs.delete({ dev, parent: 'root' }),
    });
  }
  if (ingress !== undefined) {
    const burst = burstFor(ingress, s.burst);
    if (via === 'ifb') {
      const links = makeLinks(tc.ctx);
      steps.push(
        { make: () => links.add({ name: ifb!, kind: 'ifb', up: true }), undo: () => links.delete(ifb!) },
        { make: () => tc.qdiscs.add({ dev: ifb!, kind: 'tbf', rate: ingress, burst, latency }), undo: async () => {} },
      );
    }
    steps.push({ make: () => tc.qdiscs.add({ dev, kind: 'ingress' }), undo: () => tc.qdiscs.delete({ dev, kind: 'ingress' }) });
    const action: ActionSpec = via === 'ifb'
      ? { kind: 'mirred', action: 'redirect', direction: 'egress', dev: ifb! }
      : { kind: 'police', rate: ingress, burst, exceed: 'drop' };
    // (the filter goes with the ingress qdisc)
    steps.push({ make: () => tc.filters.add({ dev, parent: 'ffff:', protocol: 'all', prio: 1, kind: 'u32', match: MATCH_ALL, actions: [action] }), undo: async () => {} });
  }
  await allOrNothing(steps);
}

/** The qdiscs of a device, none when it is gone. */
async function qdiscsOf(tc: TcHandle, dev: string): Promise<Qdisc[]> {
  try {
    return await tc.qdiscs.list({ dev });
  } catch (e) {
    if (GONE.has((e as { code?: string }).code ?? '')) return [];
    throw e;
  }
}

/** Whether any part of a rate limit is there: tbf at the root, an ingress qdisc, the ifb. */
export async function hasRateLimit(tc: TcHandle, ref: RateLimitRef): Promise<boolean> {
  const r = checkSpec(ref, 'rateLimit', ['dev', 'ifb']) as unknown as RateLimitRef;
  const qs = await qdiscsOf(tc, checkIfname(r.dev, 'dev'));
  if (qs.some((q) => (q.kind === 'tbf' && q.parent === 'root') || q.kind === 'ingress')) return true;
  if (r.ifb === undefined) return false;
  return (await makeLinks(tc.ctx).list({ name: checkIfname(r.ifb, 'ifb') })).length > 0;
}

/** Removes what is there of rateLimit's parts (the device's root tbf, its ingress qdisc with the filter, the ifb). Idempotent. */
export async function removeRateLimit(tc: TcHandle, ref: RateLimitRef): Promise<void> {
  const r = checkSpec(ref, 'rateLimit', ['dev', 'ifb']) as unknown as RateLimitRef;
  const dev = checkIfname(r.dev, 'dev');
  const ifb = r.ifb === undefined ? undefined : checkIfname(r.ifb, 'ifb');
  for (const q of await qdiscsOf(tc, dev)) {
    if (q.kind === 'tbf' && q.parent === 'root') await ifThere(() => tc.qdiscs.delete({ dev, parent: 'root' }));
    if (q.kind === 'ingress') await ifThere(() => tc.qdiscs.delete({ dev, kind: 'ingress' }));
  }
  if (ifb !== undefined) await ifThere(() => makeLinks(tc.ctx).delete(ifb));
}

/**
 * Joins two devices with mirred, as container runtimes join a microVM's tap to the
 * namespace's veth (no bridge, no addresses): what arrives on `from` leaves through `to`, and
 * (bothWays, the default) the reverse. All or nothing; removeRedirect undoes it.
 */
export async function redirect(tc: TcHandle, spec: RedirectSpec): Promise<void> {
  const s = checkSpec(spec, 'redirect', REDIRECT_KEYS) as unknown as RedirectSpec;
  const from = checkIfname(s.from, 'from');
  const to = checkIfname(s.to, 'to');
  if (from === to) throw new NetlinkArgumentError('to', 'must be another device than from');
  if (s.bothWays !== undefined && typeof s.bothWays !== 'boolean') throw new NetlinkArgumentError('bothWays', `must be true or false, got ${typeof s.bothWays}`, 'ERR_INVALID_ARG_TYPE');
  const pairs = s.bothWays === false ? [[from, to]] : [[from, to], [to, from]];
  await allOrNothing(pairs.flatMap(([a, b]) => [
    { make: () => tc.qdiscs.add({ dev: a!, kind: 'ingress' }), undo: () => tc.qdiscs.delete({ dev: a!, kind: 'ingress' }) },
    {
      make: () => tc.filters.add({ dev: a!, parent: 'ffff:', protocol: 'all', prio: 1, kind: 'u32', match: MATCH_ALL, actions: [{ kind: 'mirred', action: 'redirect', direction: 'egress', dev: b! }] }),
      undo: async () => {},
    },
  ]));
}

/** Removes the ingress qdiscs (and so the filters) redirect made on both devices. Idempotent. */
export async function removeRedirect(tc: TcHandle, spec: Pick<RedirectSpec, 'from' | 'to'>): Promise<void> {
  const s = checkSpec(spec, 'redirect', ['from', 'to']) as unknown as RedirectSpec;
  for (const dev of [checkIfname(s.from, 'from'), checkIfname(s.to, 'to')])
    if ((await qdiscsOf(tc, dev)).some((q) => q.kind === 'ingress')) await ifThere(() => tc.qdiscs.delete({ dev, kind: 'ingress' }));
}

function portsOf(s: PortsSpec): { dev: string; ports: number[]; protocol: 'tcp' | 'udp'; parent: 'ingress' | 'egress'; prio: number } {
  const dev = checkIfname(s.dev, 'dev');
  const ports = Array.isArray(s.ports) ? s.ports : [s.ports];
  if (ports.length === 0) throw new NetlinkArgumentError('ports', 'must name at least one port');
  for (const p of ports) if (typeof p !== 'number' || !Number.isInteger(p) || p < 1 || p > 65535) throw new NetlinkArgumentError('ports', `must be port numbers 1..65535, got ${quote(p)}`, 'ERR_OUT_OF_RANGE');
  const protocol = s.protocol ?? 'tcp';
  if (protocol !== 'tcp' && protocol !== 'udp') throw new NetlinkArgumentError('protocol', `must be 'tcp' or 'udp', got ${quote(protocol)}`);
  const parent = s.direction ?? 'ingress';
  if (parent !== 'ingress' && parent !== 'egress') throw new NetlinkArgumentError('direction', `must be 'ingress' or 'egress', got ${quote(parent)}`);
  const prio = s.prio ?? 10;
  if (!Number.isInteger(prio) || prio < 1 || prio > 0xfffe) throw new NetlinkArgumentError('prio', `must be 1..65534, got ${String(prio)}`, 'ERR_OUT_OF_RANGE');
  return { dev, ports, protocol, parent, prio };
}

/** A clsact qdisc on the device, unless there is one. */
async function clsact(tc: TcHandle, dev: string): Promise<{ make: () => Promise<unknown>; undo: () => Promise<unknown> }[]> {
  if ((await qdiscsOf(tc, dev)).some((q) => q.kind === 'clsact')) return [];
  return [{ make: () => tc.qdiscs.add({ dev, kind: 'clsact' }), undo: () => tc.qdiscs.delete({ dev, kind: 'clsact' }) }];
}

/** u32 filters matching IPv4 tcp/udp to these destination ports, with one gact verdict each. */
function portFilters(p: ReturnType<typeof portsOf>, verdict: 'drop' | 'pass') {
  return p.ports.map((port) => ({
    dev: p.dev, parent: p.parent, protocol: 'ip', prio: p.prio, kind: 'u32' as const,
    match: [{ ip: { protocol: p.protocol, dport: port } }], actions: [{ kind: 'gact' as const, verdict }],
  }));
}

/** Drops IPv4 tcp/udp packets to these ports (u32 + gact drop on a clsact hook). Needs act_gact. All or nothing. */
export async function dropPorts(tc: TcHandle, spec: PortsSpec): Promise<void> {
  const p = portsOf(checkSpec(spec, 'dropPorts', PORTS_KEYS) as unknown as PortsSpec);
  await allOrNothing([
    ...(await clsact(tc, p.dev)),
    bulk(() => tc.filters.add(portFilters(p, 'drop')), () => tc.filters.delete({ dev: p.dev, parent: p.parent, prio: p.prio })),
  ]);
}

/**
 * Lets only IPv4 tcp/udp packets to these ports (and everything that is not IPv4 tcp/udp)
 * through: the ports pass at `prio`, other tcp/udp is dropped at prio + 1. Needs act_gact.
 */
export async function allowPorts(tc: TcHandle, spec: PortsSpec): Promise<void> {
  const p = portsOf(checkSpec(spec, 'allowPorts', PORTS_KEYS) as unknown as PortsSpec);
  const rest = { dev: p.dev, parent: p.parent, protocol: 'ip', prio: p.prio + 1, kind: 'u32' as const, match: [{ ip: { protocol: p.protocol } }], actions: [{ kind: 'gact' as const, verdict: 'drop' as const }] };
  await allOrNothing([
    ...(await clsact(tc, p.dev)),
    bulk(() => tc.filters.add(portFilters(p, 'pass')), () => tc.filters.delete({ dev: p.dev, parent: p.parent, prio: p.prio })),
    { make: () => tc.filters.add(rest), undo: () => tc.filters.delete({ dev: p.dev, parent: p.parent, prio: p.prio + 1 }) },
  ]);
}

/** Removes the port filters of dropPorts/allowPorts (at prio and prio + 1; the clsact qdisc stays). Idempotent. */
export async function removePorts(tc: TcHandle, spec: Pick<PortsSpec, 'dev' | 'direction' | 'prio'>): Promise<void> {
  const p = portsOf({ ...(checkSpec(spec, 'removePorts', ['dev', 'direction', 'prio']) as unknown as PortsSpec), ports: [1] });
  for (const prio of [p.prio, p.prio + 1]) await ifThere(() => tc.filters.delete({ dev: p.dev, parent: p.parent, prio }));
}

/** A step of a bulk add: when some items fail, the ones made are removed and the first failure thrown. */
function bulk(add: () => Promise<BulkResult>, undo: () => Promise<unknown>) {
  return {
    make: async () => {
      const r = await add();
      if (r.ok) return;
      await ifThere(undo);
      throw r.failures[0]!.error;
    },
    undo,
  };
}
