// `ip -j` output in the camelCase nlkit/route's objects use, to compare the two.

/** `ip -j` keys in camelCase (nested too), its null flags (`"not": null`) as true. */
export function camelJson(o: unknown): unknown {
  if (Array.isArray(o)) return o.map(camelJson);
  if (o === null || typeof o !== 'object') return o;
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k.replace(/[_-]([a-z])/g, (_m, c: string) => c.toUpperCase()), v === null ? true : camelJson(v)]));
}

/**
 * The next message of an event stream that passes `want` (a test's notification). Reads
 * through one iterator of the stream, so later calls go on where this one stopped.
 */
export async function firstEvent<T>(events: AsyncIterable<{ kind: string; message?: T }>, want: (m: T) => boolean): Promise<T> {
  let it = iterators.get(events) as AsyncIterator<{ kind: string; message?: T }> | undefined;
  if (!it) iterators.set(events, (it = events[Symbol.asyncIterator]()));
  for (let r = await it.next(); !r.done; r = await it.next()) if (r.value.kind === 'message' && want(r.value.message as T)) return r.value.message as T;
  throw new Error('the event stream ended');
}

const iterators = new WeakMap<object, AsyncIterator<unknown>>();
