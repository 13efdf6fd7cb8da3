// The monitor's items are typed by kind: checking `item.object` narrows `item.value` (and a
// resync's `values`) to that module's domain object. These checks run in tsc: the build
// fails if one does not hold; the test only records that they compiled.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Address, Link, MonitorItem, NamespaceId, Neighbour, Nexthop, Route, RouteHandle, Rule } from '../src/route/index.js';

/** true only when A and B are the same type. */
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends (<T>() => T extends B ? 1 : 2) ? true : false;
const same = <A, B>(proof: Equal<A, B>): Equal<A, B> => proof;

export function narrowsEvents(item: MonitorItem): void {
  if (item.kind !== 'event') return;
  if (item.object === 'route') {
    same<typeof item.value, Route>(true);
    // @ts-expect-error a Route is not a Link
    const wrong: Link = item.value;
    void wrong;
  }
  if (item.object === 'link') same<typeof item.value, Link>(true);
  if (item.object === 'address') same<typeof item.value, Address>(true);
  if (item.object === 'neighbour') same<typeof item.value, Neighbour>(true);
  if (item.object === 'rule') same<typeof item.value, Rule>(true);
  if (item.object === 'nexthop') same<typeof item.value, Nexthop>(true);
  if (item.object === 'nsid') same<typeof item.value, NamespaceId>(true);
  // @ts-expect-error without narrowing, a value is any of them, not a Route
  const unnarrowed: Route = item.value;
  void unnarrowed;
}

export function narrowsResyncs(item: MonitorItem): void {
  if (item.kind === 'resync' && item.object === 'route') same<typeof item.values, Route[]>(true);
  if (item.kind === 'resync' && item.object === 'link') same<typeof item.values, Link[]>(true);
}

export async function typedByKinds(rt: RouteHandle): Promise<void> {
  // a monitor of routes only: its values are Routes without narrowing
  for await (const item of rt.monitor(['route'])) {
    if (item.kind === 'event') same<typeof item.value, Route>(true);
    break;
  }
}

test('monitor items narrow to the domain objects (checked by tsc)', () => {
  assert.equal(typeof narrowsEvents, 'function');
});
