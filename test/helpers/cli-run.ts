// Runs the built `nlkit` command and captures what it prints.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

// dist/test/helpers/cli-run.js -> dist/src/cli/main.js
export const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

export interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function nlkit(...args: string[]): Run {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 20_000 });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** stdout of a run that succeeded quietly. */
export function ok(r: Run): string {
  assert.equal(r.stderr, '');
  assert.equal(r.status, 0);
  return r.stdout;
}
