// Overlays: nlkit's own additions to a kernel spec (what the kernel's spec does not describe
// yet), written in the spec's YAML form and merged before normalizing.
import { SpecError } from './normalize.js';

type Y = Record<string, unknown>;
const named = (v: unknown): v is Y & { name: string } => typeof v === 'object' && v !== null && typeof (v as Y).name === 'string';

function appendNamed(base: unknown[], extra: unknown[], what: string, where: string): unknown[] {
  const out = [...base];
  for (const item of extra) {
    if (!named(item)) throw new SpecError(`${what} needs a name`, where);
    if (out.some((x) => named(x) && x.name === item.name)) throw new SpecError(`${what} '${item.name}' is already in the spec`, where);
    out.push(item);
  }
  return out;
}

/**
 * The spec with the overlay's definitions and attribute sets appended and its sub-message
 * formats added (to an existing sub-message of that name, or as a new one). Anything
 * already defined is an error: an overlay adds, never changes.
 */
export function applyOverlay(spec: Y, overlay: Y, where = 'overlay'): Y {
  const out: Y = { ...spec };
  const list = (v: unknown) => (Array.isArray(v) ? v : []);
  if (overlay.definitions) out.definitions = appendNamed(list(spec.definitions), list(overlay.definitions), 'definition', where);
  if (overlay['attribute-sets']) out['attribute-sets'] = appendNamed(list(spec['attribute-sets']), list(overlay['attribute-sets']), 'attribute set', where);
  if (overlay['sub-messages']) {
    const subs = list(spec['sub-messages']).map((s) => (named(s) ? { ...s, formats: list(s.formats) } : s)) as (Y & { name: string; formats: Y[] })[];
    for (const sm of list(overlay['sub-messages'])) {
      if (!named(sm)) throw new SpecError('sub-message needs a name', where);
      const have = subs.find((s) => s.name === sm.name);
      if (!have) { subs.push({ ...sm, formats: list(sm.formats) as Y[] }); continue; }
      for (const f of list(sm.formats) as Y[]) {
        if (have.formats.some((x) => x.value === f.value)) throw new SpecError(`sub-message ${sm.name} already has format '${String(f.value)}'`, where);
        have.formats.push(f);
      }
    }
    out['sub-messages'] = subs;
  }
  for (const k of Object.keys(overlay)) if (!['definitions', 'attribute-sets', 'sub-messages'].includes(k))
    throw new SpecError(`overlays may add definitions, attribute-sets and sub-messages, not '${k}'`, where);
  return out;
}
