// `ip -j` output in the camelCase nlkit/route's objects use, to compare the two.

/** `ip -j` keys in camelCase (nested too), its null flags (`"not": null`) as true. */
export function camelJson(o: unknown): unknown {
  if (Array.isArray(o)) return o.map(camelJson);
  if (o === null || typeof o !== 'object') return o;
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k.replace(/[_-]([a-z])/g, (_m, c: string) => c.toUpperCase()), v === null ? true : camelJson(v)]));
}
