// examples/route-monitor.ts: run as a process while `ip route add/del` runs in a namespace,
// it prints each route added or deleted with its prefix, gateway and device.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ip, needRoot, withNetns } from './helpers/netns.js';
import { vethPair } from './helpers/monitor.js';

const EXAMPLE = fileURLToPath(new URL('../examples/route-monitor.js', import.meta.url));

test('the route monitor example prints routes added and deleted', async (t) => {
  if (!needRoot(t)) return;
  await withNetns(async (ns) => {
    vethPair(ip, ns, 'e0', 'e1', '10.1.0.1/24');
    const child = spawn(process.execPath, [EXAMPLE, ns], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d));
    child.stderr.on('data', (d: Buffer) => (err += d));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const waitFor = async (text: string) => {
      const deadline = Date.now() + 10_000;
      while (!out.includes(text)) {
        if (Date.now() > deadline || child.exitCode !== null) throw new Error(`no ${JSON.stringify(text)} in output: ${out}${err}`);
        await new Promise((r) => setTimeout(r, 10));
      }
    };
    try {
      await waitFor('listening\n');
      ip(ns, 'route', 'add', '10.20.0.0/16', 'via', '10.1.0.2');
      ip(ns, 'route', 'add', '192.0.2.0/24', 'dev', 'e0', 'table', '100');
      ip(ns, 'route', 'del', '10.20.0.0/16');
      await waitFor('deleted 10.20.0.0/16');
      child.kill('SIGTERM');
      assert.equal(await exited, 0, err);
      const lines = out.trim().split('\n');
      assert.deepEqual(lines, [
        'listening',
        'added 10.20.0.0/16 via 10.1.0.2 dev e0',
        'added 192.0.2.0/24 dev e0 table 100',
        'deleted 10.20.0.0/16 via 10.1.0.2 dev e0',
      ]);
    } finally {
      child.kill('SIGKILL');
    }
  });
});
