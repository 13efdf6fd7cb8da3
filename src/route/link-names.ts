// Link names by index and back, kept by whoever sees the link events (the monitor, a
// LinkCache): a rename drops the old name, a deletion both directions.
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
