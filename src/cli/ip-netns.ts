// `nlkit netns` as `ip netns`: list, add, attach, delete, identify, pids and exec, over
// nlkit/route's netns module (the same /run/netns files, made the same way).
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { makeNetns, NETNS_RUN_DIR } from '../route/netns.js';
import { type IpEnv, type IpObject, IpUsageError, type Words } from './ip-command.js';
import { printJson, strerror } from './ip-output.js';

/** ip's invalid_name: empty, '/', '.' and '..' are refused before anything is done. */
function name(words: Words, what = 'name'): string {
  const n = words.shift();
  if (n === undefined) throw new IpUsageError(`No netns ${what} specified`);
  if (n === '' || n.includes('/') || n === '.' || n === '..' || Buffer.byteLength(n) > 255) throw new IpUsageError(`Invalid netns name "${n}"`);
  return n;
}

const path = (n: string) => `${NETNS_RUN_DIR}/${n}`;

/** The namespace module's errors as ip words them (exit 1). */
async function as<T>(work: () => Promise<T>, verb: 'create' | 'remove', n: string): Promise<T> {
  try {
    return await work();
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code && /^E[A-Z]+$/.test(code)) throw new IpUsageError(`Cannot ${verb} namespace file "${path(n)}": ${strerror(code)}`, 1);
    throw e;
  }
}

async function list(words: Words, env: IpEnv): Promise<void> {
  if (!words.done) throw new IpUsageError(`Error: unknown argument "${words.peek()}".`);
  const all = await makeNetns(env.route).list();
  if (env.json) {
    printJson(env, all);
    return;
  }
  env.out(all.map((n) => (n.id === undefined ? `${n.name}\n` : `${n.name} (id: ${n.id})\n`)).join(''));
}

async function add(words: Words, env: IpEnv): Promise<void> {
  const n = name(words);
  await as(() => makeNetns(env.route).add(n), 'create', n);
}

async function attach(words: Words, env: IpEnv): Promise<void> {
  const n = name(words);
  const pidText = words.shift();
  if (pidText === undefined) throw new IpUsageError('No pid specified');
  if (!/^\d+$/.test(pidText)) throw new IpUsageError(`Invalid pid "${pidText}"`);
  await as(() => makeNetns(env.route).attach({ name: n, pid: Number(pidText) }), 'create', n);
}

async function del(words: Words, env: IpEnv): Promise<void> {
  const n = name(words);
  await as(() => makeNetns(env.route).delete(n), 'remove', n);
}

/** The device and inode of a namespace file, the identity ip compares. */
function inode(file: string): string | undefined {
  try {
    const s = statSync(file);
    return `${s.dev}:${s.ino}`;
  } catch {
    return undefined;
  }
}

function names(): string[] {
  try {
    return readdirSync(NETNS_RUN_DIR).filter((n) => !n.startsWith('.'));
  } catch {
    return [];
  }
}

/** `ip netns identify [PID]`: the names of the namespace a process is in. */
function identify(words: Words, env: IpEnv): void {
  const pid = words.shift() ?? 'self';
  if (pid !== 'self' && !/^\d+$/.test(pid)) throw new IpUsageError(`Invalid pid "${pid}"`);
  const want = inode(`/proc/${pid}/ns/net`);
  if (want === undefined) throw new IpUsageError(`Cannot open network namespace: ${strerror('ENOENT')}`, 1);
  env.out(names().filter((n) => inode(path(n)) === want).map((n) => `${n}\n`).join(''));
}

/** `ip netns pids NAME`: the processes in a named namespace. */
function pids(words: Words, env: IpEnv): void {
  const n = name(words);
  const want = inode(path(n));
  if (want === undefined) throw new IpUsageError(`Cannot open network namespace "${n}": ${strerror('ENOENT')}`);
  const found = readdirSync('/proc').filter((p) => /^\d+$/.test(p) && inode(`/proc/${p}/ns/net`) === want);
  env.out(found.map((p) => `${p}\n`).join(''));
}

/**
 * `ip netns exec NAME CMD...`: CMD in the namespace, through util-linux's nsenter (Node cannot
 * switch a process's namespace before exec). Unlike ip, /sys is not remounted and
 * /etc/netns/NAME is not bound over /etc. The status is CMD's.
 */
function exec(words: Words, env: IpEnv): number {
  const n = name(words);
  const cmd = words.rest();
  if (!cmd.length) throw new IpUsageError('No command specified');
  if (inode(path(n)) === undefined) throw new IpUsageError(`Cannot open network namespace "${n}": ${strerror('ENOENT')}`);
  const r = spawnSync('nsenter', [`--net=${path(n)}`, '--', ...cmd], { stdio: 'inherit' });
  if (r.error) {
    env.err(`exec of "nsenter" failed: ${strerror((r.error as NodeJS.ErrnoException).code)}\n`);
    return 1;
  }
  // nsenter's own failure to exec CMD is status 126/127 with its message; ip says 1
  return r.status ?? 1;
}

export const netns: IpObject = {
  name: 'netns',
  default: 'list',
  commands: [
    { name: 'list', aliases: ['show', 'lst'], synopsis: 'list', run: list },
    { name: 'add', synopsis: 'add NAME', run: add },
    { name: 'delete', synopsis: 'delete NAME', run: del },
    { name: 'identify', synopsis: 'identify [ PID ]', run: identify },
    { name: 'pids', synopsis: 'pids NAME', run: pids },
    { name: 'exec', synopsis: 'exec NAME cmd ...', run: exec },
    { name: 'attach', synopsis: 'attach NAME PID', run: attach },
  ],
};
