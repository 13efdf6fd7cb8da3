// Opening families by name (the built-in, generated descriptions) or by description.
import type { ConnectionOptions } from '../core/connection.js';
import { NetlinkArgumentError } from '../core/errors.js';
import { FamilyClient, type FamilyTypes, type TypedFamilyClient, type UntypedFamily } from './client.js';
import { families, familyNames, type Registry } from './families/index.js';
import type { FamilyDescription } from './schema.js';

export type FamilyName = keyof Registry;

export function isFamilyName(name: string): name is FamilyName {
  return Object.hasOwn(families, name);
}

/** The built-in description of a family, by the spec's name (e.g. 'ethtool', 'rt-link'). */
export async function describeFamily<N extends FamilyName>(name: N): Promise<FamilyDescription<Registry[N]>>;
export async function describeFamily(name: string): Promise<FamilyDescription>;
export async function describeFamily(name: string): Promise<FamilyDescription> {
  if (!isFamilyName(name)) throw new NetlinkArgumentError('family', `must name a built-in family, got '${name}' (there are: ${familyNames.join(', ')})`);
  let desc = described.get(name);
  if (!desc) described.set(name, (desc = (await families[name]()) as FamilyDescription));
  return desc;
}

/**
 * Built-in descriptions already imported, by name (at most one per built-in family): a
 * dynamic import() of a loaded module still goes through the module loader, several
 * microseconds per openFamily(name).
 */
const described = new Map<string, FamilyDescription>();

/**
 * A client for a family: by name (built in, typed), or by a description (generated, written
 * in TypeScript, or loaded from a user's YAML spec with loadSpec).
 */
export async function openFamily<N extends FamilyName>(name: N, opts?: ConnectionOptions): Promise<TypedFamilyClient<Registry[N]>>;
export async function openFamily<T extends FamilyTypes = UntypedFamily>(desc: FamilyDescription<T>, opts?: ConnectionOptions): Promise<TypedFamilyClient<T>>;
export async function openFamily(family: string | FamilyDescription, opts?: ConnectionOptions): Promise<TypedFamilyClient<FamilyTypes>> {
  const desc = typeof family === 'string' ? described.get(family) ?? await describeFamily(family) : family;
  return FamilyClient.open(desc as FamilyDescription<FamilyTypes>, opts);
}

/** openFamily for scripts: takes a description (import it from nlkit/families/NAME, or loadSpec). */
export function openFamilySync<T extends FamilyTypes = UntypedFamily>(desc: FamilyDescription<T>, opts?: ConnectionOptions): TypedFamilyClient<T> {
  return FamilyClient.openSync(desc, opts);
}
