import type { AttrSet, DescriptionRefs } from '../../src/core/attrset.js';

/** References for hand-written test sets that name other sets (thunks, so sets can name themselves). */
export function setRefs(sets: Record<string, () => AttrSet>): DescriptionRefs {
  const none = (what: string) => (name: string): never => {
    throw new TypeError(`test refs have no ${what} '${name}'`);
  };
  return {
    set: (name) => (Object.hasOwn(sets, name) ? sets[name]() : none('set')(name)),
    struct: none('struct'), enum: none('enum'), subMessage: none('sub-message'),
  };
}
