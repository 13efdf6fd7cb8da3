// Builds and runs the raw-socket C baseline (bench/c/genl_bench.c).
import { execFileSync } from 'node:child_process';
import { mkdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const SOURCE = join(here, 'c', 'genl_bench.c');
const BUILD_DIR = join(here, '.build');
const BINARY = join(BUILD_DIR, 'genl_bench');

function mtimeMs(path) {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return -Infinity; // missing binary => always older than the source
  }
}

/** Compiles the baseline if the binary is missing or older than the source; returns its path. */
export async function buildBaseline() {
  if (mtimeMs(BINARY) < mtimeMs(SOURCE)) {
    mkdirSync(BUILD_DIR, { recursive: true });
    execFileSync('cc', ['-O2', '-o', BINARY, SOURCE], { stdio: ['ignore', 'inherit', 'inherit'] });
  }
  return BINARY;
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
