#!/usr/bin/env node
// npm run gen -- [SPEC_DIR] [--out DIR]: TypeScript modules from the kernel's YNL specs.
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateAll } from './generate.js';

// dist/src/ynl/gen/main.js -> the repository
const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));
const OWN_SPECS = resolve(repoRoot, 'src', 'ynl', 'specs');

function main(argv: string[]): number {
  let specDir: string | undefined;
  let outDir: string | undefined;
  let overlayDir: string | undefined = resolve(repoRoot, 'src', 'ynl', 'overlays');
  let correctionDir: string | undefined = resolve(repoRoot, 'src', 'ynl', 'corrections');
  let noOwn = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--out' || a === '-o') {
      outDir = argv[++i];
      if (outDir === undefined) return usage('--out needs a folder');
    } else if (a.startsWith('--out=')) outDir = a.slice('--out='.length);
    else if (a === '--overlays') {
      overlayDir = argv[++i];
      if (overlayDir === undefined) return usage('--overlays needs a folder');
    } else if (a === '--no-overlays') overlayDir = undefined;
    else if (a === '--corrections') {
      correctionDir = argv[++i];
      if (correctionDir === undefined) return usage('--corrections needs a folder');
    } else if (a === '--no-corrections') correctionDir = undefined;
    else if (a === '--help' || a === '-h') return usage();
    else if (a.startsWith('-')) return usage(`unknown option ${a}`);
    else if (specDir === undefined) specDir = a;
    else return usage(`unexpected argument ${a}`);
  }
  specDir = resolve(specDir ?? resolve(repoRoot, '..', 'shared', 'ynl-specs'));
  const ownFamilies = resolve(repoRoot, 'src', 'ynl', 'families');
  outDir = resolve(outDir ?? ownFamilies);
  // modules written anywhere but nlkit's own tree import nlkit as a package
  const imports = outDir === ownFamilies ? 'tree' : 'package';
  const started = performance.now();
  // nlkit's own specs (families the kernel ships none for) join the kernel's in nlkit's tree
  const ownSpecDir = outDir === ownFamilies && !noOwn ? OWN_SPECS : undefined;
  const written = generateAll(specDir, outDir, { overlayDir, correctionDir, ownSpecDir, imports, warn: (m) => console.warn(`warning: ${m}`) });
  console.log(`${written.length} files in ${outDir} from ${specDir} (${Math.round(performance.now() - started)} ms)`);
  return 0;
}

function usage(error?: string): number {
  if (error) console.error(`gen: ${error}`);
  console.error('usage: npm run gen -- [SPEC_DIR] [--out DIR] [--overlays DIR | --no-overlays] [--corrections DIR | --no-corrections] [--no-own-specs]');
  return error ? 2 : 0;
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (e) {
  console.error(`gen: ${(e as Error).message}`);
  process.exitCode = 1;
}
