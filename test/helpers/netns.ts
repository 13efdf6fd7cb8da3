// Throwaway network namespaces for tests: each test that changes state works in its own
// `nlkt-<random>` namespace and deletes it, even on failure.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import type { TestContext } from 'node:test';
import { Connection, type ConnectionOptions } from '../../src/core/connection.js';
import { NETLINK_ROUTE } from '../../src/core/constants.js';

export const isRoot = process.getuid?.() === 0;

/** Skips the test (with the reason printed) unless running as root. */
export function needRoot(t: TestContext): boolean {
  if (isRoot) return true;
  t.skip('needs root (CAP_SYS_ADMIN to create network namespaces)');
  return false;
}

export function run(cmd: string, args: string[], input?: string): string {
  return execFileSync(cmd, args, { encoding: 'utf8', input, stdio: ['pipe', 'pipe', 'pipe'] });
}

/** Runs `ip -n ns ...` and returns stdout. */
export function ip(ns: string, ...args: string[]): string {
  return run('ip', ['-n', ns, ...args]);
}

/** `ip -j` output parsed. */
export function ipJson<T = unknown>(ns: string, ...args: string[]): T {
  return JSON.parse(run('ip', ['-j', '-n', ns, ...args]) || '[]') as T;
}

/** What `ip` prints on stderr for a failing command. */
export function ipError(ns: string, ...args: string[]): string {
  try {
    ip(ns, ...args);
  } catch (e) {
    return String((e as { stderr?: string }).stderr ?? '').trim();
  }
  throw new Error(`ip ${args.join(' ')} unexpectedly succeeded`);
}

const live = new Set<string>();
function deleteNetns(ns: string): void {
  live.delete(ns);
  try {
    run('ip', ['netns', 'del', ns]);
  } catch {
    // already gone
  }
}
// A test runner that gives up on a pending test exits without running its finally
// blocks: delete what is left on the way out.
process.on('exit', () => {
  for (const ns of [...live]) deleteNetns(ns);
});

/** Creates a namespace, runs fn in it, deletes it afterwards whatever happens. */
export async function withNetns<T>(fn: (ns: string) => T | Promise<T>): Promise<T> {
  const ns = `nlkt-${randomBytes(4).toString('hex')}`;
  run('ip', ['netns', 'add', ns]);
  live.add(ns);
  try {
    ip(ns, 'link', 'set', 'lo', 'up');
    return await fn(ns);
  } finally {
    deleteNetns(ns);
  }
}

/** Adds n routes 10.x.y.0/24 via lo in one `ip -batch` run. */
export function addRoutes(ns: string, n: number, table = 'main'): void {
  const lines: string[] = [];
  for (let i = 0; i < n; i++) lines.push(`route add 10.${100 + (i >> 8)}.${i & 255}.0/24 dev lo table ${table}`);
  run('ip', ['-n', ns, '-batch', '-'], lines.join('\n') + '\n');
}

/** Whether the kernel knows a link kind (probed by creating one in a throwaway namespace). */
export async function kernelHasLinkKind(kind: string): Promise<boolean> {
  return withNetns((ns) => {
    try {
      ip(ns, 'link', 'add', 'probe0', 'type', kind);
      return true;
    } catch {
      return false;
    }
  });
}

/**
 * The usual shape of a kernel test: skip without root, else a throwaway namespace and an
 * rtnetlink connection inside it, both gone afterwards.
 */
export async function inNetns(
  t: TestContext,
  fn: (conn: Connection, ns: string) => unknown,
  opts: ConnectionOptions = {},
): Promise<void> {
  if (!needRoot(t)) return;
  await withNetns(async (ns) => {
    const conn = new Connection(NETLINK_ROUTE, { netns: ns, ...opts });
    try {
      await fn(conn, ns);
    } finally {
      conn.close();
    }
  });
}

// Namespaces the code under test makes (a sandbox example's): named here, deleted by
// dropNamed() and on exit whatever happens.
const named = new Set<string>();
process.on('exit', () => {
  for (const ns of [...named]) dropNamed(ns);
});

/** A fresh `nlkt-<random>` name for a namespace the code under test will make. */
export function newNetnsName(): string {
  const name = `nlkt-${randomBytes(4).toString('hex')}`;
  named.add(name);
  return name;
}

/** Deletes a namespace newNetnsName() named, if it is there. */
export function dropNamed(name: string): void {
  named.delete(name);
  try {
    run('ip', ['netns', 'del', name]);
  } catch {
    // never made, or removed by the code under test
  }
}

/** A host-side namespace (made here) and a name for a sandbox namespace (made by the code under test): both gone afterwards. */
export async function withHostAndName(fn: (host: string, name: string) => Promise<void>): Promise<void> {
  await withNetns(async (host) => {
    const name = newNetnsName();
    try {
      await fn(host, name);
    } finally {
      dropNamed(name);
    }
  });
}
