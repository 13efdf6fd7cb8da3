// For nlkit/route's object tests: a handle in a throwaway namespace, and `ip -j` output in
// the camelCase nlkit's objects use.
import type { TestContext } from 'node:test';
import { openRoute, type RouteHandle } from '../../src/route/index.js';
import { needRoot, withNetns } from './netns.js';

/** Runs fn with a RouteHandle in a fresh namespace (closed and deleted afterwards); skips without root. */
export async function withRoute(t: TestContext, fn: (rt: RouteHandle, ns: string) => unknown, setup?: (ns: string) => void): Promise<void> {
  if (!needRoot(t)) return;
  await withNetns(async (ns) => {
    setup?.(ns);
    const rt = openRoute({ netns: ns });
    try {
      await fn(rt, ns);
    } finally {
      rt.close();
    }
  });
}

/** `ip -j` keys in camelCase (nested too), its null flags (`"not": null`) as true. */
export function camelJson(o: unknown): unknown {
  if (Array.isArray(o)) return o.map(camelJson);
  if (o === null || typeof o !== 'object') return o;
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k.replace(/[_-]([a-z])/g, (_m, c: string) => c.toUpperCase()), v === null ? true : camelJson(v)]));
}
