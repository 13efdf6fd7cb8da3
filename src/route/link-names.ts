// Link names by index and back, kept by whoever sees the link events (the monitor, a
// LinkCache): a rename drops the old name, a deletion both directions.
import type { Connection } from '../core/connection.js';
import { opCall } from '../ynl/op-call.js';
import type { FamilyDescription } from '../ynl/schema.js';
import { description as rtLink } from '../ynl/families/rt-link.js';
import type { LinkNames } from './context.js';

export class NameMap implements LinkNames {
  private readonly byIndex = new Map<number, string>();
  private readonly byName = new Map<string, number>();

  ifindexOf(name: string): number | undefined {
    return this.byName.get(name);
  }

  nameOf(index: number): string | undefined {
    return this.byIndex.get(index);
  }

  get size(): number {
    return this.byIndex.size;
  }

  set(index: number, name: string | undefined): void {
    const old = this.byIndex.get(index);
    if (old === name) return;
    if (old !== undefined && this.byName.get(old) === index) this.byName.delete(old);
    if (name === undefined) {
      this.byIndex.delete(index);
      return;
    }
    this.byIndex.set(index, name);
    // two links never share a name: an index still holding it is stale (its rename is yet to come)
    const holder = this.byName.get(name);
    if (holder !== undefined && holder !== index) this.byIndex.delete(holder);
    this.byName.set(name, index);
  }

  delete(index: number): void {
    this.set(index, undefined);
  }

  clear(): void {
    this.byIndex.clear();
    this.byName.clear();
  }

  /** Replaces every entry (after a dump). */
  replace(entries: Iterable<[number, string | undefined]>): void {
    this.clear();
    for (const [i, n] of entries) this.set(i, n);
  }
}

/**
 * rt-link reduced to what a name needs: getlink's dump, its header (ifinfomsg and the enum
 * its flags name) and two attributes (ifname, ext-mask). A projection of the generated
 * description, not a second one: compiling it and decoding links with it costs a third of
 * the whole family's (measured: 3.6 against 9 ms of CPU, the first dump of a process).
 */
let namesOnly: FamilyDescription | undefined;
function linkNamesDescription(): FamilyDescription {
  if (namesOnly) return namesOnly;
  const desc = rtLink as FamilyDescription;
  const op = desc.operations.find((o) => o.name === 'getlink')!;
  const set = desc.attributeSets.find((a) => a.name === op.attributeSet)!;
  const attributes = set.attributes.filter((a) => a.name === 'ifname' || a.name === 'ext-mask');
  const header = desc.definitions.find((d) => d.name === op.fixedHeader)!;
  const enums = new Set<unknown>([...(header as { members?: { enum?: string }[] }).members ?? [], ...attributes].map((m) => (m as { enum?: string }).enum));
  return (namesOnly = {
    ...desc,
    definitions: desc.definitions.filter((d) => d === header || enums.has(d.name)),
    attributeSets: [{ ...set, attributes }],
    subMessages: [],
    operations: [{ ...op, do: undefined, dump: { request: { attributes: ['ext-mask'] }, reply: { attributes: ['ifname'] } } }],
    mcastGroups: [],
  });
}

/** Every link's name in the connection's namespace, from one dump decoding only names (for a listing's devices). */
export function dumpLinkNames(conn: Connection): NameMap {
  const map = new NameMap();
  const links = conn.runSync(opCall(linkNamesDescription() as typeof rtLink, 'getlink', 'dump', { extMask: ['skip-stats'] }));
  for (const l of links) if (l.ifname !== undefined) map.set(l.ifiIndex, l.ifname);
  return map;
}
