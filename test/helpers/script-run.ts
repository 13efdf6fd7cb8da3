// An example run as a script by a test: its output collected, waited on line by line, and
// killed at a chosen point (a crash mid-setup).
import { spawn } from 'node:child_process';

/** Runs `script` with node; waitFor(text) resolves once its output has `text` (the process still running). */
export function startScript(script: string, args: string[]) {
  const child = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d));
  child.stderr.on('data', (d: Buffer) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    child, exited, output: () => out,
    async waitFor(text: string): Promise<void> {
      const deadline = Date.now() + 15_000;
      while (!out.includes(text)) {
        if (Date.now() > deadline || child.exitCode !== null) throw new Error(`no ${JSON.stringify(text)} in the output:\n${out}`);
        await new Promise((r) => setTimeout(r, 5));
      }
    },
  };
}
