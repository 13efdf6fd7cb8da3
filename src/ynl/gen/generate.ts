// Every YNL spec in a folder -> one TypeScript module per family, and an index of them.
import { existsSync, mkdirSync, readdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { loadSpec } from '../load.js';
import { emitFamilyModule, GENERATED_PREFIX, type EmitOptions } from './emit.js';

const quote = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

/** Writes text to path unless it already holds exactly that (so unchanged files keep their dates). */
function write(path: string, text: string): void {
  let old: string | undefined;
  try {
    old = readFileSync(path, 'utf8');
  } catch {
    old = undefined;
  }
  if (old !== text) writeFileSync(path, text);
}

/** The registry of generated families: their types by family name, and loaders. */
export function emitIndex(families: { name: string; module: string }[], sourceDir: string, imports: EmitOptions['imports'] = 'tree', own: { dir: string; count: number } | undefined = undefined): string {
  const kernel = families.length - (own?.count ?? 0);
  const from = `the ${kernel} specs in ${sourceDir} (Linux YNL specs, BSD-3-Clause)` + (own ? ` and the ${own.count} in ${own.dir} (nlkit's own, MIT)` : '');
  const lines = [
    `${GENERATED_PREFIX}${from}. Do not edit.`,
    imports === 'package' ? "import type { FamilyDescription } from 'nlkit/ynl';" : "import type { FamilyDescription } from '../schema.js';",
    '',
    '/** The types of each generated family, by family name. */',
    'export interface Registry {',
    ...families.map((f) => `  ${quote(f.name)}: import(${quote(`./${f.module}.js`)}).Types;`),
    '}',
    '',
    '/** Loads a family\'s description (each module is imported on first use). */',
    'export const families: { [K in keyof Registry]: () => Promise<FamilyDescription<Registry[K]>> } = {',
    ...families.map((f) => `  ${quote(f.name)}: () => import(${quote(`./${f.module}.js`)}).then((m) => m.description),`),
    '};',
    '',
    'export const familyNames = [',
    ...families.map((f) => `  ${quote(f.name)},`),
    '] as const;',
    '',
  ];
  return lines.join('\n');
}

/**
 * Generates a module for every *.yaml in specDir (sorted) into outDir, named after the spec
 * file (rt-route.yaml -> rt-route.ts), and outDir/index.ts. Generated files of specs no
 * longer there are removed. Returns the paths written.
 */
export interface GenerateOptions extends EmitOptions {
  /** Folder of nlkit overlays (<spec-file-name>.yaml) merged into the specs of the same name. */
  overlayDir?: string;
  /** Folder of nlkit's corrections (<spec-file-name>.yaml) applied to the specs of the same name. */
  correctionDir?: string;
  /**
   * Folder of nlkit's own specs, for families the kernel ships none for (rt-nexthop, sock_diag...),
   * in the same YAML form: generated alongside the kernel's into the same folder and registry.
   */
  ownSpecDir?: string;
}

/** The file of that spec's name in a folder (of overlays or corrections), if there is one. */
export function overlayFor(dir: string | undefined, specFile: string): string | undefined {
  const path = dir ? join(dir, basename(specFile)) : undefined;
  return path && existsSync(path) ? path : undefined;
}

/** What a generated module says it was made from. */
function sourceText(file: string, overlay: string | undefined, corrections: string | undefined): string {
  const extras = [overlay && `overlay ${basename(overlay)}`, corrections && `corrections ${basename(corrections)}`].filter(Boolean);
  return extras.length ? `${file} and nlkit's ${extras.join(' and ')}` : file;
}

export function generateAll(specDir: string, outDir: string, opts: GenerateOptions = {}): string[] {
  const yamlIn = (dir: string) => readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort();
  const own = opts.ownSpecDir === undefined ? [] : yamlIn(opts.ownSpecDir);
  const specs = [
    ...yamlIn(specDir).map((file) => ({ file, dir: specDir, origin: 'kernel' as const })),
    ...own.map((file) => ({ file, dir: opts.ownSpecDir!, origin: 'nlkit' as const })),
  ];
  mkdirSync(outDir, { recursive: true });
  const written: string[] = [];
  const families: { name: string; module: string }[] = [];
  for (const { file, dir, origin } of specs) {
    const overlay = overlayFor(opts.overlayDir, file);
    const corrections = overlayFor(opts.correctionDir, file);
    const desc = loadSpec(join(dir, file), overlay, corrections);
    const module = file.slice(0, -'.yaml'.length);
    const clash = families.find((f) => f.name === desc.name || f.module === module);
    if (clash) throw new Error(`${file}: family '${desc.name}' is also described by ${clash.module}.yaml`);
    if (module === 'index') throw new Error(`${file}: a spec cannot be named index`);
    families.push({ name: desc.name, module });
    const path = join(outDir, `${module}.ts`);
    write(path, emitFamilyModule(desc, sourceText(file, overlay, corrections), opts, origin));
    written.push(path);
  }
  const index = join(outDir, 'index.ts');
  const ownInfo = own.length ? { dir: basename(opts.ownSpecDir!), count: own.length } : undefined;
  write(index, emitIndex(families, basename(specDir), opts.imports, ownInfo));
  written.push(index);
  const keep = new Set(written.map((p) => basename(p)));
  for (const f of readdirSync(outDir)) {
    if (!f.endsWith('.ts') || keep.has(f)) continue;
    const path = join(outDir, f);
    if (readFileSync(path, 'utf8').startsWith(GENERATED_PREFIX)) unlinkSync(path);
  }
  return written;
}
