// YNL specs read at run time: a user's own family, or the kernel's, without generating code.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename } from 'node:path';
import { applyCorrections } from './correction.js';
import { normalizeSpec, SpecError } from './normalize.js';
import { applyOverlay } from './overlay.js';
import type { UntypedFamily } from './client.js';
import type { FamilyDescription } from './schema.js';

type YamlParse = (text: string, options: { maxAliasCount: number }) => unknown;
let yamlParse: YamlParse | undefined;

/**
 * The YAML parser, loaded on the first spec read: importing nlkit/ynl costs nothing for
 * programs that use only the built-in (generated) families. Synchronous, like loadSpec.
 */
function yaml(): YamlParse {
  return (yamlParse ??= (createRequire(import.meta.url)('yaml') as { parse: YamlParse }).parse);
}

function parseYaml(text: string, source: string): unknown {
  try {
    return yaml()(text, { maxAliasCount: -1 });
  } catch (e) {
    throw new SpecError(`not YAML: ${(e as Error).message}`, source);
  }
}

function parseMapping(text: string, source: string): Record<string, unknown> {
  const doc = parseYaml(text, source);
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new SpecError('not a YAML spec: the document is not a mapping', source);
  return doc as Record<string, unknown>;
}

export interface LoadOptions {
  /** YAML text of an overlay (definitions, attribute sets, sub-message formats) to merge in. */
  overlay?: string;
  overlaySource?: string;
  /** YAML text of corrections (a list; see correction.ts) applied after the overlay. */
  corrections?: string;
  correctionsSource?: string;
}

/** A YNL spec given as YAML text -> its description. */
export function parseSpec(text: string, source = 'spec', opts: LoadOptions = {}): FamilyDescription<UntypedFamily> {
  let doc = parseMapping(text, source);
  if (opts.overlay !== undefined) {
    const where = opts.overlaySource ?? 'overlay';
    doc = applyOverlay(doc, parseMapping(opts.overlay, where), where);
  }
  if (opts.corrections !== undefined) {
    const where = opts.correctionsSource ?? 'corrections';
    doc = applyCorrections(doc, parseYaml(opts.corrections, where), where);
  }
  return normalizeSpec(doc, source) as FamilyDescription<UntypedFamily>;
}

/**
 * Reads a YNL spec file (synchronously: a spec is read once, at start-up), with an optional
 * overlay file and corrections file.
 */
export function loadSpec(path: string, overlayPath?: string, correctionsPath?: string): FamilyDescription<UntypedFamily> {
  const opts: LoadOptions = {};
  if (overlayPath) Object.assign(opts, { overlay: readFileSync(overlayPath, 'utf8'), overlaySource: basename(overlayPath) });
  if (correctionsPath) Object.assign(opts, { corrections: readFileSync(correctionsPath, 'utf8'), correctionsSource: `corrections/${basename(correctionsPath)}` });
  return parseSpec(readFileSync(path, 'utf8'), basename(path), opts);
}
