// Whether a C compiler is at hand, for tests that evaluate the uapi headers with it.
import { execFileSync } from 'node:child_process';

export function compilerAvailable(): boolean {
  try {
    execFileSync('cc', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
