// Builds and runs the raw-socket C baselines (bench/c/*.c).
import { execFileSync } from 'node:child_process';
import { mkdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const BUILD_DIR = join(here, '.build');

function mtimeMs(path) {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return -Infinity; // missing binary => always older than the source
  }
}

/**
 * Compiles bench/c/<name>.c if its binary is missing or older than the source; returns
 * the binary's path.
 */
export async function buildBaseline(name = 'genl_bench') {
  const source = join(here, 'c', `${name}.c`);
  const binary = join(BUILD_DIR, name);
  if (mtimeMs(binary) < mtimeMs(source)) {
    mkdirSync(BUILD_DIR, { recursive: true });
    execFileSync('cc', ['-O2', '-o', binary, source], { stdio: ['ignore', 'inherit', 'inherit'] });
  }
  return binary;
}

/**
 * Runs the baseline once; returns its JSON result, e.g.
 * { mode: 'cycle', iterations: 100000, ns_per_op: 1234.5 }. Throws if it fails.
 */
export function runBaseline(bin, mode, iterations) {
  const out = execFileSync(bin, [mode, String(iterations)], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return JSON.parse(out);
}
