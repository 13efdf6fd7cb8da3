// The README's TypeScript samples compile and run as written. Every ```ts block is
// type-checked against the built package (imports of 'nlkit/...' resolve through the
// package's "exports", as in a user's project), then run as root in a throwaway network
// namespace with what its `<!-- sample: ... -->` comment asks for (see
// test/helpers/readme-samples.ts for the conventions).
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bindNetns, extractSamples, parseDirectives, type Sample } from './helpers/readme-samples.js';
import { ip, needRoot, withNetns } from './helpers/netns.js';

/** The repository: this file runs from dist/test. */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const README = join(ROOT, 'README.md');
const samples = extractSamples(readFileSync(README, 'utf8'));
const fileOf = (s: Sample) => `readme-L${s.line}`;

// ------------------------------------------------------------------ compile, once

interface Compiled {
  out: string;
  /** README line of a sample -> its compiler errors. */
  errors: Map<number, string[]>;
  /** Errors not attributable to one sample (tsc itself failed). */
  other: string[];
}
let compiled: Compiled | undefined;
let workDir: string | undefined;
const removeWorkDir = () => {
  if (workDir) rmSync(workDir, { recursive: true, force: true });
  workDir = undefined;
};
after(removeWorkDir);
// a runner that gives up on a test skips after(): remove the scratch project on the way out
process.on('exit', removeWorkDir);

/**
 * A scratch project outside the repository: its node_modules links `nlkit` to the
 * repository (so 'nlkit/core' goes through package.json "exports" to dist/) and
 * @types to the repository's; every sample is one module of it.
 */
function compileAll(): Compiled {
  if (compiled) return compiled;
  workDir = mkdtempSync(join(tmpdir(), 'nlkit-readme-'));
  const dir = workDir;
  mkdirSync(join(dir, 'node_modules'));
  symlinkSync(ROOT, join(dir, 'node_modules', 'nlkit'), 'dir');
  symlinkSync(join(ROOT, 'node_modules', '@types'), join(dir, 'node_modules', '@types'), 'dir');
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'readme-samples', private: true, type: 'module' }));
  for (const s of samples) writeFileSync(join(dir, `${fileOf(s)}.ts`), s.code);
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({
    compilerOptions: {
      target: 'es2022', module: 'nodenext', moduleResolution: 'nodenext', strict: true, skipLibCheck: true,
      types: ['node'], outDir: 'out', rootDir: '.',
    },
    files: samples.map((s) => `${fileOf(s)}.ts`),
  }));
  const r = spawnSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', dir, '--pretty', 'false'], { encoding: 'utf8', cwd: dir });
  const errors = new Map<number, string[]>();
  const other: string[] = [];
  for (const line of `${r.stdout}${r.stderr}`.split('\n').filter(Boolean)) {
    // readme-L42.ts(3,5): error TS2304: Cannot find name 'x'.
    const m = /^readme-L(\d+)\.ts\((\d+),(\d+)\): (.*)$/.exec(line);
    if (!m) {
      other.push(line);
      continue;
    }
    const readmeLine = Number(m[1]) + Number(m[2]);
    const list = errors.get(Number(m[1])) ?? [];
    list.push(`README.md:${readmeLine}:${m[3]}: ${m[4]}`);
    errors.set(Number(m[1]), list);
  }
  compiled = { out: join(dir, 'out'), errors, other };
  return compiled;
}

// ------------------------------------------------------------------ the harness itself

test('readme samples: directives parsed, unknown or incomplete ones refused', () => {
  assert.deepEqual(parseDirectives(' netns=blue link=eth0 link=eth1 timeout=5000 ', 'x'),
    { links: ['eth0', 'eth1'], netns: 'blue', timeoutMs: 5000 });
  assert.equal(parseDirectives('typecheck-only (runs until interrupted)', 'x').typecheckOnly, 'runs until interrupted');
  assert.throws(() => parseDirectives('typecheck-only', 'README.md:3'), /README.md:3: typecheck-only needs a reason/);
  assert.throws(() => parseDirectives('netns=a/b', 'x'), /unknown sample directive 'netns=a\/b'/);
  assert.throws(() => parseDirectives('links=eth0', 'x'), /unknown sample directive/);
  const md = [
    'text', '<!-- sample: netns=blue -->', '', '```ts', "const x = 'blue'; const y = \"blues\";", '```',
    '```sh', 'echo not a sample', '```', '```ts', 'let z = 1;', '```',
  ].join('\n');
  const found = extractSamples(md);
  assert.deepEqual(found.map((s) => [s.line, s.netns]), [[4, 'blue'], [10, undefined]]);
  assert.equal(bindNetns(found[0], 'nlkt-1234'), "const x = 'nlkt-1234'; const y = \"blues\";\n");
  assert.throws(() => extractSamples('```ts\nnever closed'), /README.md:1: code block never closed/);
});

// ------------------------------------------------------------------ the samples

test('README samples type-check against the built package', () => {
  assert.ok(samples.length > 0, 'README.md has no ```ts samples');
  const c = compileAll();
  assert.deepEqual(c.other, [], 'tsc failed');
  assert.deepEqual([...c.errors.values()].flat(), []);
});

for (const s of samples) {
  test(`README.md:${s.line} sample runs`, async (t) => {
    if (s.typecheckOnly) return t.skip(`typecheck-only: ${s.typecheckOnly}`);
    if (!needRoot(t)) return;
    const c = compileAll();
    assert.deepEqual(c.errors.get(s.line) ?? [], [], 'the sample does not compile');
    await withNetns((ns) => {
      for (const link of s.links) {
        ip(ns, 'link', 'add', link, 'type', 'veth', 'peer', 'name', `${link}p`);
        ip(ns, 'link', 'set', link, 'up');
        ip(ns, 'link', 'set', `${link}p`, 'up');
      }
      const js = join(c.out, `${fileOf(s)}.js`);
      const run = join(c.out, `${fileOf(s)}.run.js`);
      writeFileSync(run, bindNetns({ ...s, code: readFileSync(js, 'utf8') }, ns));
      // inside the namespace: a sample that names none cannot touch the caller's either
      const r = spawnSync('ip', ['netns', 'exec', ns, process.execPath, run], {
        encoding: 'utf8', timeout: s.timeoutMs, killSignal: 'SIGKILL', cwd: c.out,
      });
      const output = `${r.stdout}${r.stderr}`.trim();
      if (r.error || r.signal) assert.fail(`README.md:${s.line}: killed after ${s.timeoutMs} ms (${r.signal ?? r.error?.message}): it must end by itself\n${output}`);
      assert.equal(r.status, 0, `README.md:${s.line}: exit code ${r.status}\n${output}`);
    });
  });
}
