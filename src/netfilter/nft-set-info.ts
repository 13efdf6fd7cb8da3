// What encoding a set's elements needs to know of the set: key type, map data type, interval.
import type { NftSet } from './nft-objects.js';
import type { NftSetType } from './nft-names.js';

export interface SetTypeInfo {
  /** A list: a set of tuples. */
  type: NftSetType | NftSetType[];
  map?: NftSetType | 'verdict';
  interval: boolean;
}

/** undefined for a set whose key or data type nlkit cannot write. */
export function setInfoOf(s: NftSet): SetTypeInfo | undefined {
  if (typeof s.type === 'number' || typeof s.map === 'number') return undefined;
  return { type: s.type, ...(s.map !== undefined ? { map: s.map } : {}), interval: s.flags.includes('interval') };
}
