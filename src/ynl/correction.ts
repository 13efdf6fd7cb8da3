// Corrections: nlkit's fixes to a kernel spec where it disagrees with the kernel (a wrong
// number, type, byte order or name). Overlays only add; a correction changes what the spec
// says. Each one names the uapi header (or kernel source) that proves it, and a correction
// that no longer changes anything is an error: a spec fixed upstream is noticed, not hidden.
import { SpecError } from './normalize.js';

type Y = Record<string, unknown>;
const isObj = (v: unknown): v is Y => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * One correction, as written in a corrections file (a YAML list of these):
 * - `proof`: the header, struct or kernel function showing what is right;
 * - `at`: where in the spec, as names joined by '/': mapping keys, and list items by their
 *   `name` (or, for sub-message formats, their `value`), e.g.
 *   `attribute-sets/policy-attrs/attributes/mask`;
 * - one change: `set` (fields merged into the item there; null removes a field),
 *   `replace` (a new value for what is there, e.g. an enum entry given as a bare name),
 *   `append` (an item added to the list there) or `insert-after` (the name of an item of
 *   the list there) with `item`.
 */
export interface Correction {
  proof: string;
  at: string;
  set?: Y;
  replace?: unknown;
  append?: unknown;
  'insert-after'?: string;
  item?: unknown;
}

const CHANGES = ['set', 'replace', 'append', 'insert-after'] as const;
const KEYS = new Set(['proof', 'at', 'item', ...CHANGES]);

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function itemName(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (!isObj(v)) return undefined;
  if (typeof v.name === 'string') return v.name;
  return v.value === undefined ? undefined : String(v.value);
}

/** Where `at` points: its container and the key or index in it. List items are found by name, then value. */
function locate(doc: Y, at: string, where: string): { parent: Y | unknown[]; key: string | number } {
  let parent: Y | unknown[] = doc;
  let key: string | number = '';
  let node: unknown = doc;
  let path = '';
  for (const seg of at.split('/')) {
    path = path ? `${path}/${seg}` : seg;
    if (Array.isArray(node)) {
      const byName = node.findIndex((x) => x === seg || (isObj(x) && x.name === seg));
      key = byName >= 0 ? byName : node.findIndex((x) => isObj(x) && x.name === undefined && String(x.value) === seg);
    } else key = seg;
    if (!isObj(node) && !Array.isArray(node)) throw new SpecError(`${path} is not in the spec`, where);
    parent = node;
    node = Array.isArray(node) ? node[key as number] : node[key];
    if (node === undefined) throw new SpecError(`${path} is not in the spec`, where);
  }
  return { parent, key };
}

function insert(list: unknown, index: number, item: unknown, at: string, where: string): void {
  if (!Array.isArray(list)) throw new SpecError(`${at} is not a list`, where);
  const name = itemName(item);
  if (name !== undefined && list.some((x) => itemName(x) === name)) throw new SpecError(`${at} already has '${name}'`, where);
  list.splice(index, 0, item);
}

function applyOne(doc: Y, c: Y, where: string): void {
  for (const k of Object.keys(c)) if (!KEYS.has(k)) throw new SpecError(`unknown key '${k}'`, where);
  if (typeof c.proof !== 'string' || c.proof.trim().length < 10) throw new SpecError('a correction needs a proof: the header or kernel source that shows it', where);
  if (typeof c.at !== 'string' || c.at === '') throw new SpecError('a correction needs `at`: where in the spec', where);
  const changes = CHANGES.filter((k) => c[k] !== undefined);
  if (changes.length !== 1) throw new SpecError(`a correction makes one change (${CHANGES.join(', ')}), got ${changes.length}`, where);
  const { parent, key } = locate(doc, c.at, where);
  const node = (parent as Record<string | number, unknown>)[key];
  if (c.set !== undefined) {
    if (!isObj(c.set) || !isObj(node)) throw new SpecError('set merges a mapping into a mapping', where);
    let changed = false;
    for (const [k, v] of Object.entries(c.set)) {
      if (v === null) {
        changed ||= k in node;
        delete node[k];
      } else {
        changed ||= !same(node[k], v);
        node[k] = v;
      }
    }
    if (!changed) throw new SpecError(`${c.at} already says this: remove the correction`, where);
  } else if (c.replace !== undefined) {
    if (same(node, c.replace)) throw new SpecError(`${c.at} already says this: remove the correction`, where);
    (parent as Record<string | number, unknown>)[key] = c.replace;
  } else if (c.append !== undefined) {
    insert(node, Array.isArray(node) ? node.length : 0, c.append, c.at, where);
  } else {
    if (c.item === undefined) throw new SpecError('insert-after needs an item', where);
    const list = Array.isArray(node) ? node : [];
    const i = list.findIndex((x) => itemName(x) === c['insert-after']);
    if (i < 0) throw new SpecError(`${c.at} has no '${String(c['insert-after'])}'`, where);
    insert(node, i + 1, c.item, c.at, where);
  }
}

/** The spec with every correction applied, in order (the spec itself is not changed). */
export function applyCorrections(spec: Y, corrections: unknown, where = 'corrections'): Y {
  if (!Array.isArray(corrections)) throw new SpecError('a corrections file is a list of corrections', where);
  const doc = structuredClone(spec);
  corrections.forEach((c, i) => {
    if (!isObj(c)) throw new SpecError('a correction is a mapping', `${where}[${i}]`);
    applyOne(doc, c, `${where}[${i}] (${String(c.at)})`);
  });
  return doc;
}
