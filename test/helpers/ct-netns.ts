// A throwaway namespace with a conntrack handle in it, for the conntrack tests; skipped with
// the reason when this kernel has no conntrack over netlink (probed once).
import type { TestContext } from 'node:test';
import { openConntrack, type Conntrack } from '../../src/netfilter/index.js';
import { needRoot, withNetns } from './netns.js';

let kernelReason: string | undefined | null = null;
/** Why this kernel has no conntrack over netlink (probed once, in a throwaway namespace), or undefined. */
async function kernelHasConntrack(): Promise<string | undefined> {
  if (kernelReason !== null) return kernelReason;
  kernelReason = await withNetns((ns) => {
    const ct = openConntrack({ netns: ns });
    try {
      ct.countSync();
      return undefined;
    } catch (e) {
      return `no conntrack over netlink here: ${(e as Error).message}`;
    } finally {
      ct.close();
    }
  });
  return kernelReason;
}

/** Root and conntrack over netlink, or a skip with the reason: false. */
export async function needConntrack(t: TestContext): Promise<boolean> {
  if (!needRoot(t)) return false;
  const reason = await kernelHasConntrack();
  if (reason) t.skip(reason);
  return !reason;
}

/** A namespace and a conntrack handle in it, or a skip with the reason. */
export async function inCtNetns(t: TestContext, fn: (ct: Conntrack, ns: string) => unknown, opts: { tool?: boolean; hasTool?: boolean } = {}): Promise<void> {
  if (!(await needConntrack(t))) return;
  if (opts.tool && !opts.hasTool) return void t.skip('needs the conntrack tool (conntrack-tools) as an oracle');
  await withNetns(async (ns) => {
    const ct = openConntrack({ netns: ns });
    try {
      await fn(ct, ns);
    } finally {
      ct.close();
    }
  });
}
