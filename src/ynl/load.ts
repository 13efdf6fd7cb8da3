// YNL specs read at run time: a user's own family, or the kernel's, without generating code.
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { parse } from 'yaml';
import { normalizeSpec, SpecError } from './normalize.js';
import { applyOverlay } from './overlay.js';
import type { UntypedFamily } from './client.js';
import type { FamilyDescription } from './schema.js';

function parseYaml(text: string, source: string): Record<string, unknown> {
  try {
    const doc: unknown = parse(text, { maxAliasCount: -1 });
    if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new Error('the document is not a mapping');
    return doc as Record<string, unknown>;
  } catch (e) {
    throw new SpecError(`not a YAML spec: ${(e as Error).message}`, source);
  }
}

export interface LoadOptions {
  /** YAML text of an overlay (definitions, attribute sets, sub-message formats) to merge in. */
  overlay?: string;
  overlaySource?: string;
}

/** A YNL spec given as YAML text -> its description. */
export function parseSpec(text: string, source = 'spec', opts: LoadOptions = {}): FamilyDescription<UntypedFamily> {
  let doc = parseYaml(text, source);
  if (opts.overlay !== undefined) {
    const where = opts.overlaySource ?? 'overlay';
    doc = applyOverlay(doc, parseYaml(opts.overlay, where), where);
  }
  return normalizeSpec(doc, source) as FamilyDescription<UntypedFamily>;
}

/** Reads a YNL spec file (synchronously: a spec is read once, at start-up), with an optional overlay file. */
export function loadSpec(path: string, overlayPath?: string): FamilyDescription<UntypedFamily> {
  const opts: LoadOptions = overlayPath ? { overlay: readFileSync(overlayPath, 'utf8'), overlaySource: basename(overlayPath) } : {};
  return parseSpec(readFileSync(path, 'utf8'), basename(path), opts);
}
