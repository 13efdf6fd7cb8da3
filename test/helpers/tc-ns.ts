// tc tests' common shapes: a namespace with a veth pair (v0 with clsact) and an nlkit/tc
// handle inside it; `tc -j` as the oracle; kernel probes for filter and action kinds.
import type { TestContext } from 'node:test';
import { spawnSync } from 'node:child_process';
import { openTc, type TcHandle } from '../../src/tc/index.js';
import { ip, needRoot, run, withNetns } from './netns.js';

export function tc(ns: string, ...args: string[]): string {
  return run('tc', ['-n', ns, ...args]);
}
export function tcJson<T = unknown>(ns: string, ...args: string[]): T {
  const out = tc(ns, '-j', ...args);
  return (out.trim() === '' ? [] : JSON.parse(out)) as T;
}

/** veth v0 (clsact) <-> v1, both up. */
export const CLSACT_VETH = [
  ['link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1'], ['link', 'set', 'v0', 'up'], ['link', 'set', 'v1', 'up'],
];

export async function withTc(t: TestContext, setup: string[][], fn: (tcH: TcHandle, ns: string) => unknown, clsact = true): Promise<void> {
  if (!needRoot(t)) return;
  await withNetns(async (ns) => {
    for (const args of setup) ip(ns, ...args);
    if (clsact) tc(ns, 'qdisc', 'add', 'dev', 'v0', 'clsact');
    const h = openTc({ netns: ns });
    try {
      await fn(h, ns);
    } finally {
      h.close();
    }
  });
}

const probed = new Map<string, string | undefined>();

/**
 * Whether `tc ARGS` works in a throwaway namespace with v0 (clsact) and v1: undefined when it
 * does, else tc's complaint (the reason to skip with).
 */
export async function tcProbe(...args: string[]): Promise<string | undefined> {
  const key = args.join(' ');
  if (probed.has(key)) return probed.get(key);
  const why = await withNetns((ns) => {
    for (const a of CLSACT_VETH) ip(ns, ...a);
    tc(ns, 'qdisc', 'add', 'dev', 'v0', 'clsact');
    const r = spawnSync('tc', ['-n', ns, ...args], { encoding: 'utf8' });
    return r.status === 0 ? undefined : `the kernel refuses \`tc ${key}\`: ${(r.stderr || '').split('\n')[0]}`;
  });
  probed.set(key, why);
  return why;
}

/** Sends `count` UDP datagrams to addr:port from inside a namespace (node, as the tests run). */
export function sendUdp(ns: string, addr: string, port: number, count: number): void {
  const script = `const s=require('dgram').createSocket('udp4');let n=${count};const go=()=>{if(n--<=0)return s.close();s.send(Buffer.alloc(64),${port},'${addr}',go)};go();`;
  const r = spawnSync('ip', ['netns', 'exec', ns, process.execPath, '-e', script], { encoding: 'utf8', timeout: 20000 });
  if (r.status !== 0) throw new Error(`sending UDP in ${ns} failed: ${r.stderr}`);
}

/** A link's received packets (ip -s). */
export function rxPackets(ns: string, dev: string): number {
  const [l] = JSON.parse(run('ip', ['-n', ns, '-j', '-s', 'link', 'show', dev])) as { stats64: { rx: { packets: number } } }[];
  return l!.stats64.rx.packets;
}
