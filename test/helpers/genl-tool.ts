// iproute2's `genl` as an oracle for the controller's view of families.
import { spawnSync } from 'node:child_process';
import type { TestContext } from 'node:test';

/** iproute2's genl output, or undefined (and the test skipped) when it cannot be run. */
export function genl(t: TestContext, ...args: string[]): string | undefined {
  const r = spawnSync('genl', args, { encoding: 'utf8', timeout: 20_000 });
  if (r.error) {
    t.skip(`iproute2's genl cannot be run: ${(r.error as NodeJS.ErrnoException).code ?? r.error.message}`);
    return undefined;
  }
  if (r.status !== 0) {
    t.skip(`genl ${args.join(' ')} failed (exit ${r.status}): ${r.stderr.trim()}`);
    return undefined;
  }
  return r.stdout;
}

/** [name, id] of every family in `genl ctrl list` text. */
export function namesAndIds(text: string): [string, number][] {
  const out: [string, number][] = [];
  const re = /^Name: (.*)\n\tID: 0x([0-9a-f]+) /gm;
  for (let m = re.exec(text); m; m = re.exec(text)) out.push([m[1], parseInt(m[2], 16)]);
  return out;
}
