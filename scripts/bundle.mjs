// Bundles each public entry point (nlkit, nlkit/core, nlkit/ynl, nlkit/genl, nlkit/route,
// nlkit/tc, nlkit/netfilter, nlkit/connector, nlkit/uevent, nlkit/audit) from tsc's
// output in dist/src into dist/bundle, which package.json "exports" points at. Why: importing
// nlkit/ynl loaded ~40 modules, and on node 20 (no module compile cache) the per-module
// resolve/read/compile/link cost, not the code, was most of the import time. Splitting puts
// shared code in common chunks, so nlkit/core and nlkit/ynl imported together share one
// copy of each class (instanceof keeps working across entry points); dynamic imports (the
// family descriptions) stay separate chunks, loaded on use. Types still come from tsc's .d.ts
// in dist/src, and the tests run tsc's modules directly. The nlkit command is bundled too
// (cli/main.cjs, below): start-up is most of what a short command costs. Run after every
// compile, before bin-mode.mjs.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(root, 'dist/src');

// An ES module that imports from a builtin (`import { readFileSync } from 'node:fs'`) makes
// node build that builtin's whole namespace, which runs its lazy getters: node:fs alone loads
// fs/promises and the streams, node:module the source-map support (~4 ms of an import on
// node 20). tsc's one-line imports from node: builtins become process.getBuiltinModule()
// lookups (node ^20.16 or >= 22.3, hence "engines"), which take only the names asked for. Line for
// line, so tsc's source maps still hold.
const BUILTIN_IMPORT = /^import \{([^}]*)\} from '(node:[\w/]+)';$/gm;
const builtinLookups = {
  name: 'builtin-lookups',
  setup(b) {
    b.onLoad({ filter: /\.js$/ }, (args) => ({
      contents: readFileSync(args.path, 'utf8').replace(BUILTIN_IMPORT, (_, names, id) => `const {${names.replace(/\s+as\s+/g, ': ')}} = process.getBuiltinModule('${id}');`),
      loader: 'js',
      resolveDir: dirname(args.path),
    }));
  },
};

// The command is not among these entries: its bin runs the CommonJS bundle below, and an
// entry more would split the libraries' shared code into more chunks (nlkit/ynl: 15 files
// with it, 7 without).
await build({
  entryPoints: ['index.js', 'core/index.js', 'ynl/index.js', 'genl/index.js', 'route/index.js', 'tc/index.js', 'netfilter/index.js', 'diag/index.js', 'connector/index.js', 'uevent/index.js', 'audit/index.js'].map((f) => join(src, f)),
  plugins: [builtinLookups],
  outbase: src,
  outdir: join(root, 'dist/bundle'),
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // Resolved at run time from the package: the addon loader and the lazily required parser.
  external: ['node-gyp-build', 'yaml'],
  chunkNames: 'chunks/[name]-[hash]',
  // Chains tsc's maps, so `node --enable-source-maps` points at src/*.ts.
  sourcemap: true,
  logLevel: 'warning',
});

// The nlkit command once more, as one CommonJS file (cli/main.cjs) that the bin's entry only
// requires: node 20's ES module loader resolves, links and compiles each module of the split
// bundle on its own (~30 for `nlkit route show`), where require() reads one file. Measured on
// a 5-route listing: 106 against 119 ms of CPU (node -e 0: 61). import.meta.url becomes the
// file's URL (the package's files are found from it, as from the split bundle's).
await build({
  entryPoints: [join(src, 'cli/main.js')],
  outfile: join(root, 'dist/bundle/cli/main.cjs'),
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  external: ['node-gyp-build', 'yaml'],
  define: { 'import.meta.url': 'importMetaUrl' },
  banner: { js: 'const importMetaUrl = require("node:url").pathToFileURL(__filename).href;' },
  sourcemap: true,
  logLevel: 'warning',
});
// The bin compiles main.cjs itself with V8's code cache (main.cjs.cache, made here): compiling
// the 1.8 MB bundle from source was a fifth of a short command's time (measured 21.7 ms of
// ~110 under --cpu-prof). A cache V8 rejects (another node version or flags) costs nothing but
// that compile: the bin then falls back to the source.
const BIN = `#!/usr/bin/env node
// nlkit's command: the CommonJS bundle beside this file, compiled with its code cache (see scripts/bundle.mjs).
import { readFileSync } from 'node:fs';
import { createRequire, Module } from 'node:module';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Script } from 'node:vm';

const file = fileURLToPath(new URL('./main.cjs', import.meta.url));
let cachedData;
try {
  cachedData = readFileSync(file + '.cache');
} catch {
  // no cache: compile from source
}
// a hashbang is only valid first in a script: the wrapper would make it a syntax error
const script = new Script(Module.wrap(readFileSync(file, 'utf8').replace(/^#!/, '//')), { filename: file, cachedData });
const module = { exports: {} };
script.runInThisContext()(module.exports, createRequire(file), module, file, dirname(file));
if (process.env.NLKIT_CODE_CACHE_OUT) process.env.NLKIT_CODE_CACHE_OUT === '-' || (await import('node:fs')).writeFileSync(process.env.NLKIT_CODE_CACHE_OUT, script.createCachedData());
else module.exports.runFromProcess();
`;
writeFileSync(join(root, 'dist/bundle/cli/main.js'), BIN);
// The cache is made by the bin itself, so it matches what the bin compiles.
execFileSync(process.execPath, [join(root, 'dist/bundle/cli/main.js')], { env: { ...process.env, NLKIT_CODE_CACHE_OUT: join(root, 'dist/bundle/cli/main.cjs.cache') } });
rmSync(join(root, 'dist/bundle/cli/main.js.map'), { force: true });
