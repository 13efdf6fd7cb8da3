// The sandbox's connection-tracking entries on the host side. The host NATs and forwards
// the subnet's traffic, so its conntrack table holds an entry per flow of the VM (and of
// the host end talking to it); they outlive the links and the masquerade table until they
// time out (an established TCP flow: 5 days). Removal deletes them, once the sandbox's links
// are gone and no new flow can start.
//
// Removal after a crash knows only the sandbox's name, so the subnet is learnt from what the
// kernel still shows (the host end's address, else the masquerade rule's source prefix)
// before anything is removed; when neither is left, the caller may name it (destroySandbox's
// `subnet` option).
import { NetlinkArgumentError } from '../../src/core/errors.js';
import { AF_INET } from '../../src/core/rtnetlink.js';
import { parsePrefix } from '../../src/route/inet.js';
import type { CtEntry } from '../../src/netfilter/index.js';
import type { StepContext } from './steps.js';

/** 'a.b.c.d' as a number (the caller has checked it is IPv4 text). */
const ipv4Number = (a: string) => a.split('.').reduce((n, b) => n * 256 + Number(b), 0);

/** The test "is this IPv4 address in `network`" ('10.0.0.0/29'); a typed error for a bad prefix. */
export function inNetwork(network: string, option = 'subnet'): (address: string) => boolean {
  const p = parsePrefix(network, option, AF_INET);
  if (p.family !== AF_INET || p.address === '') throw new NetlinkArgumentError(option, `must be an IPv4 prefix such as '10.0.0.0/29', got ${JSON.stringify(network)}`);
  const size = 2 ** (32 - p.len);
  const start = ipv4Number(p.address) - (ipv4Number(p.address) % size);
  return (a) => {
    if (!/^\d{1,3}(\.\d{1,3}){3}$/.test(a)) return false;
    const n = ipv4Number(a) - start;
    return n >= 0 && n < size;
  };
}

/** Whether either direction of the flow has an end in the subnet (the VM's, or the host end's). */
export const touches = (e: CtEntry, inside: (a: string) => boolean) =>
  inside(e.orig.src) || inside(e.orig.dst) || inside(e.reply.src) || inside(e.reply.dst);

/** The sandbox's subnet from what the kernel shows: the host end's address, else the masquerade rule's source. */
export async function learnNetwork(c: StepContext): Promise<string | undefined> {
  if (c.network !== undefined) return c.network;
  const { hostIf, natTable } = c.names;
  try {
    const [a] = await c.host.addresses.list({ dev: hostIf, family: 'inet' });
    if (a) return (c.network = `${a.local}/${a.prefixlen}`);
  } catch (e) {
    if ((e as { code?: string }).code !== 'ENODEV') throw e;
  }
  const rules = (await c.nft.tables.list({ family: 'ip', name: natTable })).length
    ? await c.nft.rules.list({ family: 'ip', table: natTable })
    : [];
  for (const r of rules)
    for (const x of r.expr)
      if (x.kind === 'match' && x.key === 'ip.saddr' && typeof x.value === 'string' && x.value.includes('/')) return (c.network = x.value);
  return undefined;
}

/** The host side's entries of the sandbox's subnet (none when it is not known). */
export async function sandboxFlows(c: StepContext): Promise<CtEntry[]> {
  const network = await learnNetwork(c);
  if (network === undefined) return [];
  const inside = inNetwork(network);
  return (await c.ct.list({ family: 'ipv4' })).filter((e) => touches(e, inside));
}

/** Deletes them; an entry that expired meanwhile is no failure. Returns how many there were. */
export async function removeFlows(c: StepContext): Promise<number> {
  const flows = await sandboxFlows(c);
  if (flows.length === 0) return 0;
  const r = await c.ct.delete(flows);
  const failure = r.failures.find((f) => (f.error as { code?: string }).code !== 'ENOENT');
  if (failure) throw failure.error;
  return flows.length;
}
