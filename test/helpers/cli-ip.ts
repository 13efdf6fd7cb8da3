// Running `nlkit` and `ip` side by side on one namespace, for the iproute2-parity tests.
import { spawnSync } from 'node:child_process';
import type { TestContext } from 'node:test';
import { nlkit, type Run } from './cli-run.js';
import { ip, needRoot, run, withNetns } from './netns.js';

/** `ip ARGS...` as a Run (status, stdout, stderr), never throwing. */
export function ipRun(...args: string[]): Run {
  const r = spawnSync('ip', args, { encoding: 'utf8', timeout: 20_000 });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The same words run by both: [nlkit's, ip's]. */
export function both(...args: string[]): [Run, Run] {
  return [nlkit(...args), ipRun(...args)];
}

/** stdout of a run that must succeed, parsed as JSON. */
export function json<T = unknown>(r: Run): T {
  if (r.status !== 0) throw new Error(`exit ${r.status}: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

/**
 * No IPv6 traffic of the namespace's own: no link-local addresses (so no MLD reports, no
 * solicitations) and no duplicate address detection. Links made afterwards then get no
 * neighbour entries the kernel adds by itself between two reads.
 */
export function quietIpv6(ns: string): void {
  run('ip', ['netns', 'exec', ns, 'sh', '-c', 'for f in all default; do echo 0 > /proc/sys/net/ipv6/conf/$f/accept_dad; echo 1 > /proc/sys/net/ipv6/conf/$f/addr_gen_mode; done']);
}

/** A veth pair v0/v1, both up, with 10.1.0.1/24 and 2001:db8:1::1/64 on v0: the route tests' ground. */
export const VETH_V0: readonly string[][] = [
  ['link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1'],
  ['link', 'set', 'v0', 'up'],
  ['link', 'set', 'v1', 'up'],
  ['addr', 'add', '10.1.0.1/24', 'dev', 'v0'],
  ['addr', 'add', '2001:db8:1::1/64', 'dev', 'v0', 'nodad'],
];

/** No link-local addresses (their local routes would appear between two reads), no DAD; lo up. */
export function quietNetns(ns: string): void {
  quietIpv6(ns);
  ip(ns, 'link', 'set', 'lo', 'up');
}

/** Skips without root; else a namespace set up with `ip -n NS ...` lines (after `before`), then fn. */
export async function inSetupNetns(t: TestContext, setup: string[][], fn: (ns: string) => unknown, before?: (ns: string) => void): Promise<void> {
  if (!needRoot(t)) return;
  await withNetns(async (ns) => {
    before?.(ns);
    for (const args of setup) ip(ns, ...args);
    await fn(ns);
  });
}
