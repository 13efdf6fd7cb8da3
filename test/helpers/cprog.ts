// Facts from the uapi headers, by compiling a small C program: struct sizes, offsets and
// filled structs' bytes, for golden vectors that do not come from nlkit's own descriptions.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function haveCompiler(): boolean {
  try {
    execFileSync('cc', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * Compiles `main` (the body of main()) with the headers and runs it; returns its output lines.
 * `hex(p, n)` prints n bytes at p as one hex line.
 */
export function runC(headers: readonly string[], main: string): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'nlkit-cprog-'));
  try {
    const src = [
      '#include <stdio.h>', '#include <string.h>', '#include <stddef.h>', '#include <stdlib.h>',
      ...headers.map((h) => `#include <${h}>`),
      'static void hex(const void *p, size_t n) { const unsigned char *b = p; for (size_t i = 0; i < n; i++) printf("%02x", b[i]); printf("\\n"); }',
      'int main(void) {', main, '  return 0;', '}',
    ].join('\n');
    writeFileSync(join(dir, 'p.c'), src);
    execFileSync('cc', ['-o', join(dir, 'p'), join(dir, 'p.c')], { stdio: ['ignore', 'ignore', 'pipe'] });
    return execFileSync(join(dir, 'p'), { encoding: 'utf8' }).trim().split('\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
