// The entries of an enum or flags definition of a generated description, by the spec's name:
// numbers the domain layer needs (object types, address types, status bits) come from there.
import { NetlinkArgumentError } from '../core/errors.js';

export interface SpecEnumEntry {
  name: string;
  value: number;
}

interface Described {
  readonly definitions: readonly { readonly name: string; readonly type: string }[];
}

/** The entries of the enum (or flags) `name` of a description; a name it lacks is an error when the module loads. */
export function specEnum(desc: Described, name: string): readonly SpecEnumEntry[] {
  const d = desc.definitions.find((x) => x.name === name && (x.type === 'enum' || x.type === 'flags')) as { entries?: SpecEnumEntry[] } | undefined;
  if (!d?.entries) throw new NetlinkArgumentError('enum', `${name} is not an enum of this description`);
  return d.entries;
}

/** Name -> value of the spec's enum `name`. */
export const specEnumValues = (desc: Described, name: string): Map<string, number> => new Map(specEnum(desc, name).map((e) => [e.name, e.value]));
