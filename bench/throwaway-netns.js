// A network namespace `nlkt-bench-<random>` for one benchmark run, deleted on exit,
// on SIGINT/SIGTERM and after a failure.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';

export function throwawayNetns() {
  const name = `nlkt-bench-${randomBytes(4).toString('hex')}`;
  let live = false;
  const cleanup = () => {
    if (!live) return;
    live = false;
    try {
      execFileSync('ip', ['netns', 'del', name], { stdio: 'ignore' });
    } catch {
      process.stderr.write(`could not delete ${name}: ip netns del ${name}\n`);
    }
  };
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => (cleanup(), process.exit(130)));
  process.on('exit', cleanup);
  execFileSync('ip', ['netns', 'add', name]);
  live = true;
  execFileSync('ip', ['-n', name, 'link', 'set', 'lo', 'up']);
  return name;
}
