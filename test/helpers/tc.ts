// Tests of nlkit/tc: a throwaway namespace with a veth pair v0/v1 (up, no IPv6 chatter through
// the qdiscs under test) and a tc handle in it, closed and deleted afterwards.
import type { TestContext } from 'node:test';
import { openTc, type TcHandle } from '../../src/tc/index.js';
import { ip, needRoot, run, withNetns } from './netns.js';

export function quietVeths(ns: string): void {
  run('ip', ['netns', 'exec', ns, 'sysctl', '-qw', 'net.ipv6.conf.default.disable_ipv6=1', 'net.ipv6.conf.all.disable_ipv6=1']);
  ip(ns, 'link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1');
  for (const d of ['v0', 'v1']) ip(ns, 'link', 'set', d, 'up');
}

/** Runs fn with a namespace set up by quietVeths and a tc handle in it (skips unless root). */
export async function inTc(t: TestContext, fn: (ns: string, tc: TcHandle) => Promise<void>): Promise<void> {
  if (!needRoot(t)) return;
  await withNetns(async (ns) => {
    quietVeths(ns);
    const tc = openTc({ netns: ns });
    try {
      await fn(ns, tc);
    } finally {
      tc.close();
    }
  });
}
