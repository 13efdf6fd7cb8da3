// Helpers for tests of the spec-driven family clients against the real kernel: opening a
// family or skipping when the kernel lacks it, running oracle tools inside a namespace,
// and waiting (boundedly) for a notification.
import { spawnSync } from 'node:child_process';
import type { TestContext } from 'node:test';
import type { ConnectionOptions } from '../../src/core/connection.js';
import { NetlinkError } from '../../src/core/errors.js';
import type { EventStream } from '../../src/core/events.js';
import { FamilyClient, type FamilyTypes, type TypedFamilyClient } from '../../src/ynl/client.js';
import type { FamilyDescription } from '../../src/ynl/schema.js';

/** Whether a command-line tool can be run (e.g. `ethtool`, used as an oracle). */
export function hasTool(cmd: string, args: string[] = ['--version']): boolean {
  const r = spawnSync(cmd, args, { stdio: 'ignore' });
  return !r.error;
}

export interface ToolResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `ip netns exec ns cmd args...`, whatever its exit status. */
export function nsTool(ns: string, cmd: string, ...args: string[]): ToolResult {
  const r = spawnSync('ip', ['netns', 'exec', ns, cmd, ...args], { encoding: 'utf8' });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Runs `ip netns exec ns cmd args...` and returns stdout; throws with stderr when it fails. */
export function nsRun(ns: string, cmd: string, ...args: string[]): string {
  const r = nsTool(ns, cmd, ...args);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr.trim()}`);
  return r.stdout;
}

/** A NetlinkError with this errno name. */
export function isNetlinkError(e: unknown, code: string): e is NetlinkError {
  return e instanceof NetlinkError && e.code === code;
}

/**
 * Opens a client for a described family; when the kernel has no such family (ENOENT from
 * the controller), skips the test saying so and returns undefined.
 */
export async function openOrSkip<T extends FamilyTypes>(
  t: TestContext,
  desc: FamilyDescription<T>,
  opts: ConnectionOptions = {},
): Promise<TypedFamilyClient<T> | undefined> {
  try {
    return await FamilyClient.open<T>(desc, opts);
  } catch (e) {
    if (isNetlinkError(e, 'ENOENT')) {
      t.skip(`this kernel has no '${desc.name}' generic netlink family`);
      return undefined;
    }
    throw e;
  }
}

/**
 * The first notification on `stream` that `match` accepts, waiting at most `ms`: fails
 * with `what` and a summary of what did arrive instead of hanging.
 */
export async function waitForEvent<M>(stream: EventStream<M>, match: (m: M) => boolean, what: string, ms = 5000): Promise<M> {
  const seen: string[] = [];
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), ms);
  });
  try {
    for (;;) {
      const r = await Promise.race([stream.next(), deadline]);
      if (r === 'timeout')
        throw new Error(`no ${what} within ${ms} ms (got ${seen.length ? seen.join(', ') : 'nothing'})`);
      if (r.done) throw new Error(`the stream closed before ${what} (got ${seen.join(', ') || 'nothing'})`);
      const ev = r.value;
      if (ev.kind === 'error') throw ev.error;
      if (ev.kind === 'overrun') {
        seen.push('overrun');
        continue;
      }
      if (match(ev.message)) return ev.message;
      const op = (ev.message as { op?: unknown }).op;
      seen.push(typeof op === 'string' ? op : 'message');
    }
  } finally {
    clearTimeout(timer);
  }
}

/** Dotted quad of an IPv4 address held as a host-order number (a big-endian u32 decoded). */
export function ipv4FromNumber(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

/** A host-order number of a dotted quad, to send as a big-endian u32. */
export function ipv4ToNumber(s: string): number {
  return s.split('.').reduce((acc, x) => acc * 256 + Number(x), 0);
}
