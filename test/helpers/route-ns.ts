// A throwaway namespace set up with `ip` commands and an nlkit/route handle inside it, both
// gone afterwards (the route module tests' common shape).
import type { TestContext } from 'node:test';
import { openRoute, type RouteHandle } from '../../src/route/index.js';
import { ip, needRoot, withNetns } from './netns.js';

/** Skips without root; else runs `ip -n NS ...` for each of `setup`, then fn with a handle in NS. */
export async function withRoute(t: TestContext, setup: string[][], fn: (rt: RouteHandle, ns: string) => unknown): Promise<void> {
  if (!needRoot(t)) return;
  await withNetns(async (ns) => {
    for (const args of setup) ip(ns, ...args);
    const rt = openRoute({ netns: ns });
    try {
      await fn(rt, ns);
    } finally {
      rt.close();
    }
  });
}

/** A veth pair v0/v1, both up. */
export const VETH_UP = [['link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1'], ['link', 'set', 'v0', 'up'], ['link', 'set', 'v1', 'up']];
