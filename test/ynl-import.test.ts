// What importing nlkit/ynl costs: no YAML parser until a spec is read (the built-in
// families are generated code), checked in a fresh process.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

// dist/test/ynl-import.test.js -> the repository (the package resolves itself by name there)
const REPO = fileURLToPath(new URL('../../', import.meta.url));

test('nlkit/ynl loads the yaml package only when a YAML spec is read', () => {
  const script = `
    const { createRequire } = await import('node:module');
    const cache = createRequire(process.cwd() + '/').cache;
    const yamlLoaded = () => Object.keys(cache).some((k) => k.includes('/node_modules/yaml/'));
    const ynl = await import('nlkit/ynl');
    const atImport = yamlLoaded();
    await ynl.describeFamily('nlctrl');
    const afterBuiltIn = yamlLoaded();
    const d = ynl.parseSpec('name: x\\nprotocol: genetlink\\noperations: { list: [] }\\n');
    console.log(JSON.stringify({ atImport, afterBuiltIn, afterSpec: yamlLoaded(), name: d.name }));
  `;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: REPO, encoding: 'utf8' });
  assert.deepEqual(JSON.parse(out), { atImport: false, afterBuiltIn: false, afterSpec: true, name: 'x' });
});
