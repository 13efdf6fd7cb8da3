// Receive system calls per event: a listener for RTNLGRP_LINK in a throwaway namespace,
// under `strace -c`, gets N link changes made one at a time (each wake-up finds a lone
// event). Needs root and strace. Usage: node scripts/event-syscalls.mjs [N] [DIST]
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const n = Number(process.argv[2] ?? 200);
const dist = resolve(process.argv[3] ?? 'dist');
const ns = `nlkt-${randomBytes(4).toString('hex')}`;
const out = join(tmpdir(), `${ns}.strace`);
const listener = `
  const { Connection } = await import(${JSON.stringify(`${dist}/src/core/connection.js`)});
  const c = new Connection(0, { netns: ${JSON.stringify(ns)} });
  let got = 0;
  const s = c.events({ groups: [1] });
  console.log('ready');
  for await (const e of s) if (e.kind !== 'overrun' && ++got >= ${n}) break;
  c.close();`;

execFileSync('ip', ['netns', 'add', ns]);
try {
  const child = spawn('strace', ['-f', '-c', '-o', out, '-e', 'trace=recvfrom,recvmsg,recvmmsg',
    process.execPath, '--input-type=module', '-e', listener], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = once(child, 'exit');
  await once(child.stdout, 'data');
  for (let i = 0; i < n; i++) {
    execFileSync('ip', ['-n', ns, 'link', 'set', 'lo', 'mtu', String(10000 + i)]);
    await sleep(10);
  }
  await exited;
  const calls = readFileSync(out, 'utf8').split('\n').filter((l) => /recv/.test(l)).map((l) => l.trim().split(/\s+/));
  let total = 0;
  for (const c of calls) {
    const [count, errors, name] = c.length === 6 ? [c[3], c[4], c[5]] : [c[3], '0', c[4]];
    total += Number(count);
    console.log(`${name}: ${count} calls (${errors} of them failed: EAGAIN), ${(Number(count) / n).toFixed(2)} per event`);
  }
  console.log(`${n} events, ${(total / n).toFixed(2)} receive calls per event`);
} finally {
  execFileSync('ip', ['netns', 'del', ns]);
  rmSync(out, { force: true });
}
