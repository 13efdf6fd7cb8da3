// Where routes.list() and routes.stream() get link names: an attached LinkNames (a
// LinkCache) answers them, with no link dump; without one, one link dump before the route
// dump names every route as it is decoded; a name the attached source lacks comes from one
// link dump on another socket (the route dump holds the handle's).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openRoute, type Route, type RouteHandle } from '../src/route/index.js';
import { ip, needRoot, withNetns } from './helpers/netns.js';

async function withRoutes(fn: (ns: string) => Promise<void>): Promise<void> {
  await withNetns(async (ns) => {
    ip(ns, 'link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1');
    ip(ns, 'link', 'set', 'v0', 'up');
    ip(ns, 'addr', 'add', '10.9.0.1/24', 'dev', 'v0');
    for (let i = 1; i <= 20; i++) ip(ns, 'route', 'add', `10.8.0.${i}/32`, 'via', '10.9.0.2', 'dev', 'v0');
    await fn(ns);
  });
}

const ours = (routes: Route[]) => routes.filter((r) => r.dst.startsWith('10.8.0.'));

async function streamed(rt: RouteHandle): Promise<Route[]> {
  const out: Route[] = [];
  for await (const r of rt.routes.stream()) out.push(r);
  return ours(out);
}

test('without attached names, list and stream name every route (one link dump first)', async (t) => {
  if (!needRoot(t)) return;
  await withRoutes(async (ns) => {
    const rt = openRoute({ netns: ns });
    try {
      const listed = ours(await rt.routes.list());
      assert.equal(listed.length, 20);
      for (const r of listed) assert.equal(r.dev, 'v0');
      assert.deepEqual(await streamed(rt), listed);
      assert.deepEqual(ours(rt.routes.listSync()), listed);
    } finally {
      rt.close();
    }
  });
});

test('an attached LinkNames names the routes of list and stream', async (t) => {
  if (!needRoot(t)) return;
  await withRoutes(async (ns) => {
    const rt = openRoute({ netns: ns });
    try {
      const index = Number(JSON.parse(ip(ns, '-j', 'link', 'show', 'v0'))[0].ifindex);
      const asked: number[] = [];
      // names only this source knows: a route named by it was not named by a link dump
      rt.useLinkNames({ ifindexOf: () => undefined, nameOf: (i) => (asked.push(i), i === index ? 'from-cache' : undefined) });
      for (const r of ours(await rt.routes.list())) assert.equal(r.dev, 'from-cache');
      for (const r of await streamed(rt)) assert.equal(r.dev, 'from-cache');
      assert.ok(asked.includes(index));
    } finally {
      rt.close();
    }
  });
});

test('a name the attached source lacks comes from one link dump on another socket, in list and stream', async (t) => {
  if (!needRoot(t)) return;
  await withRoutes(async (ns) => {
    const rt = openRoute({ netns: ns });
    try {
      rt.useLinkNames({ ifindexOf: () => undefined, nameOf: () => undefined });
      for (const r of ours(await rt.routes.list())) assert.equal(r.dev, 'v0');
      const got = await streamed(rt);
      assert.equal(got.length, 20);
      for (const r of got) assert.equal(r.dev, 'v0');
    } finally {
      rt.close();
    }
  });
});
