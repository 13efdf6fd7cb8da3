export type * from './schema.js';
export { normalizeSpec, SpecError } from './normalize.js';
export { loadSpec, parseSpec } from './load.js';
export { Family, type FamilyEvent, type Operation } from './family.js';
export {
  FamilyClient, type FamilyTypes, type UntypedFamily, type TypedFamilyClient, type OperationMethods, type DoOptions, type DumpCallOptions,
  type DumpIterable, type DumpResult,
} from './client.js';
export { openFamily, openFamilySync, describeFamily, isFamilyName, type FamilyName } from './open.js';
export { applyOverlay } from './overlay.js';
export type { Registry } from './families/index.js';
export { familyNames } from './families/index.js';
