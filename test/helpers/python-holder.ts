// A python3 child in a namespace that makes sockets node cannot (MPTCP, BPF socket storage),
// prints one line starting with 'ready' (and what the test needs after it), then holds them
// until its stdin closes.
import { spawn } from 'node:child_process';
import { once } from 'node:events';

export interface Holder {
  /** The words printed after 'ready'. */
  ready: string[];
  stop(): Promise<void>;
}

export async function startPythonHolder(ns: string, script: string, args: string[] = []): Promise<Holder> {
  const child = spawn('ip', ['netns', 'exec', ns, 'python3', '-c', script, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (d: string) => { err += d; });
  const line = await new Promise<string>((ok, fail) => {
    // a holder that never got ready must not outlive the test
    const timer = setTimeout(() => { child.kill(); fail(new Error('python holder did not start')); }, 15_000);
    child.stdout.on('data', (d: string) => {
      out += d;
      const m = /^ready[^\n]*(?=\n)/m.exec(out);
      if (m) { clearTimeout(timer); ok(m[0]); }
    });
    child.on('exit', (code) => { clearTimeout(timer); fail(new Error(`python holder exited (${code}): ${err.trim()}`)); });
  });
  return {
    ready: line.split(/\s+/).slice(1),
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.stdin.end();
        await once(child, 'exit');
      }
    },
  };
}
