// First contact with the package: executable bins, pure parts without the addon, a clear
// error when the addon is missing.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { bin: Record<string, string> };

/** A copy of the package as installed (dist, package.json, binding.gyp, and `extra`), without build/. */
function packageCopy(extra: string[] = []): string {
  const dir = mkdtempSync(join(tmpdir(), 'nlkt-pkg-'));
  for (const f of ['dist', 'package.json', 'binding.gyp', ...extra]) cpSync(join(root, f), join(dir, f), { recursive: true });
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'));
  return dir;
}

/** Runs an ES module written into dir (so that `nlkit/...` resolves to the copy) and returns its output. */
function runIn(dir: string, source: string): { stdout: string; stderr: string; status: number | null } {
  const file = join(dir, 'probe.mjs');
  writeFileSync(file, source);
  return spawnSync(process.execPath, [file], { cwd: dir, encoding: 'utf8', timeout: 30_000 });
}

describe('package', () => {
  test('the bins are executable after a build and run directly', () => {
    for (const [name, file] of Object.entries(pkg.bin)) {
      const path = join(root, file);
      assert.equal(statSync(path).mode & 0o111, 0o111, `${name} (${file}) is executable`);
      assert.match(readFileSync(path, 'utf8'), /^#!\/usr\/bin\/env node\n/, `${name} starts with a node shebang`);
    }
    const out = execFileSync(join(root, pkg.bin.nlkit), ['--help'], { encoding: 'utf8' });
    assert.match(out, /nlkit/);
  });

  test('the pure parts import without the addon; the first socket says clearly that it is missing', () => {
    const dir = packageCopy();
    try {
      const r = runIn(dir, `
        const ynl = await import('nlkit/ynl');
        const codec = await import('nlkit/core');
        const all = await import('nlkit');
        console.log(typeof ynl.loadSpec, typeof codec.encodeAttrs, typeof all.AttrSet);
        try {
          new codec.Connection(codec.NETLINK_GENERIC);
          console.log('opened');
        } catch (e) {
          console.log(e.name, e.code, e instanceof codec.NativeAddonError);
          console.log(e.message);
        }`);
      assert.equal(r.status, 0, r.stderr);
      const [types, error, message] = r.stdout.trim().split('\n');
      assert.equal(types, 'function function function');
      assert.equal(error, 'NativeAddonError ERR_NLKIT_NATIVE_ADDON true');
      assert.match(message, /native addon could not be loaded \(linux-\w+: No native build was found/);
      assert.match(message, /npm rebuild nlkit/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a prebuilt addon for this machine loads with no build/ directory', (t) => {
    const target = `${process.platform}-${process.arch}-${existsSync('/etc/alpine-release') ? 'musl' : 'glibc'}`;
    const dir = packageCopy();
    // built the way `npm pack` builds it, into the copy
    const r0 = spawnSync(process.execPath, [join(root, 'scripts', 'prebuild.mjs'), '--target', target, '--out', dir, '--all'], { encoding: 'utf8' });
    if (r0.status !== 0) {
      rmSync(dir, { recursive: true, force: true });
      return t.skip(`cannot build the ${target} prebuild here: ${r0.stderr.trim().split('\n').pop()}`);
    }
    try {
      const r = runIn(dir, `
        const { Connection, NETLINK_GENERIC } = await import('nlkit/core');
        const c = new Connection(NETLINK_GENERIC);
        console.log(c.portId > 0);
        c.close();
        const { createRequire } = await import('node:module');
        console.log(createRequire(import.meta.url)('node-gyp-build').path('.'));`);
      assert.equal(r.status, 0, r.stderr);
      assert.deepEqual(r.stdout.trim().split('\n'), ['true', join(dir, 'prebuilds', `${process.platform}-${process.arch}`, `nlkit.napi.${target.split('-')[2]}.node`)]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('the library bundles take builtins from process.getBuiltinModule, not as ES module namespaces', () => {
    // a namespace import of node:fs alone loads fs/promises and the streams (scripts/bundle.mjs)
    const dir = join(root, 'dist', 'bundle');
    const files = readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.js') && !f.startsWith('cli'));
    assert.ok(files.length > 10);
    for (const f of files) assert.doesNotMatch(readFileSync(join(dir, f), 'utf8'), /^import [^;]*from "node:/m, f);
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', `
      const before = new Set(process.moduleLoadList);
      await import('nlkit/ynl');
      console.log(process.moduleLoadList.filter((m) => !before.has(m)).join(' '));`], { cwd: root, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.doesNotMatch(r.stdout, /internal\/fs\/streams|internal\/streams\/readable|parse_args/);
  });
});
