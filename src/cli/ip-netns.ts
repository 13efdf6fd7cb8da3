// `nlkit netns` as `ip netns`: list, list-id, add, set, attach, delete, identify, pids, exec
// and monitor, over nlkit/route's netns and nsid modules (the same /run/netns files, made the
// same way; ids through RTM_NEWNSID/GETNSID).
import { spawnSync } from 'node:child_process';
import { mkdirSync, opendirSync, readdirSync, statSync, watch } from 'node:fs';
import { makeNetns, NETNS_RUN_DIR } from '../route/netns.js';
import { makeNsids } from '../route/nsid.js';
import { duplicateArgument, invalidArgument, type IpEnv, type IpObject, IpUsageError, type Words } from './ip-command.js';
import { dumpTerminated, printJson, strerror } from './ip-output.js';
import { listPrinter } from './ip-printer.js';

/** ip's invalid_name: empty, '/', '.' and '..' are refused before anything is done (exit -1). */
function checkName(n: string): string {
  if (n === '' || n.includes('/') || n === '.' || n === '..' || Buffer.byteLength(n) > 255) throw new IpUsageError(`Invalid netns name "${n}"`);
  return n;
}

/** The NAME argument: ip's `No netns name specified` (status 1) when there is none. */
function name(words: Words, missing = 'No netns name specified'): string {
  const n = words.shift();
  if (n === undefined) throw new IpUsageError(missing, 1);
  return checkName(n);
}

/** Nothing after the arguments (identify, pids): ip's `extra arguments specified`. */
function noMore(words: Words): void {
  if (!words.done) throw new IpUsageError('extra arguments specified', 1);
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
  const n = name(words, 'No netns name and PID specified');
  const pidText = words.shift();
  if (pidText === undefined) throw new IpUsageError('No netns name and PID specified', 1);
  // ip's get_s32 (decimal, hex or octal), and not 0
  const pid = /^(0x[0-9a-f]+|\d+)$/i.test(pidText) ? Number(pidText) : NaN;
  if (!(pid > 0 && pid <= 0x7fffffff)) throw new IpUsageError(`Invalid PID: ${pidText}`, 1);
  await as(() => makeNetns(env.route).attach({ name: n, pid }), 'create', n);
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

/** /run/netns in the directory's own order (ip reads it with readdir; readdirSync sorts). */
function names(): string[] {
  const out: string[] = [];
  let dir;
  try {
    dir = opendirSync(NETNS_RUN_DIR);
  } catch {
    return out;
  }
  try {
    for (let e = dir.readSync(); e; e = dir.readSync()) out.push(e.name);
  } finally {
    dir.closeSync();
  }
  return out;
}

/** `ip netns identify [PID]`: the name of the namespace a process is in (the last of several, as ip; an empty line for none). */
function identify(words: Words, env: IpEnv): void {
  const pid = words.shift() ?? 'self';
  noMore(words);
  if (pid !== 'self' && !/^\d*$/.test(pid)) throw new IpUsageError(`Specified string '${pid}' is not a pid`, 1);
  // ip -n NS has moved itself into NS: its own namespace is NS's
  const want = inode(pid === 'self' && env.netns !== undefined ? path(env.netns) : `/proc/${pid}/ns/net`);
  if (want === undefined) throw new IpUsageError(`Cannot open network namespace: ${strerror('ENOENT')}`, 1);
  const found = names().filter((n) => inode(path(n)) === want);
  env.out(`${found.at(-1) ?? ''}\n`);
}

/** `ip netns pids NAME`: the processes in a named namespace. */
function pids(words: Words, env: IpEnv): void {
  const n = name(words);
  noMore(words);
  const want = inode(path(n));
  if (want === undefined) throw new IpUsageError(`Cannot open network namespace: ${strerror('ENOENT')}`, 1);
  const found = readdirSync('/proc').filter((p) => /^\d+$/.test(p) && inode(`/proc/${p}/ns/net`) === want);
  env.out(found.map((p) => `${p}\n`).join(''));
}

/** ip's get_integer: decimal, 0x hex or 0 octal, with a sign; NaN otherwise. */
function integer(text: string): number {
  const m = /^([+-]?)(0x[0-9a-f]+|0[0-7]*|[1-9]\d*)$/i.exec(text);
  if (!m) return NaN;
  const v = m[2].length > 1 && m[2][0] === '0' && !/x/i.test(m[2]) ? parseInt(m[2], 8) : Number(m[2]);
  const signed = m[1] === '-' ? -v : v;
  return signed >= -0x80000000 && signed <= 0x7fffffff ? signed : NaN;
}

/** A NETNSID argument: ip's two invalid-argument texts (exit 255). */
function nsidValue(text: string, what: string, invalid = `"${what}" value is invalid`): number {
  const v = integer(text);
  if (Number.isNaN(v)) throw invalidArgument(invalid, text);
  if (v < 0) throw invalidArgument(`"${what}" value should be >= 0`, text);
  return v;
}

/** `ip netns set NAME NETNSID`: the id this namespace gives NAME (auto: the kernel picks). */
async function set(words: Words, env: IpEnv): Promise<void> {
  const n = name(words);
  const idText = words.shift();
  if (idText === undefined) throw new IpUsageError('No nsid specified', 1);
  const nsid = idText === 'auto' ? 'auto' : nsidValue(idText, 'netnsid', 'Invalid "netnsid" value');
  if (inode(path(n)) === undefined) throw new IpUsageError(`Cannot open network namespace "${n}": ${strerror('ENOENT')}`, 1);
  await makeNsids(env.route).set({ netns: n, nsid });
}

/** `ip netns list-id [target-nsid ID] [nsid ID]`: the ids this namespace (or the target) has given. */
async function listId(words: Words, env: IpEnv): Promise<number> {
  const filter: { target?: number; nsid?: number } = {};
  while (!words.done) {
    const w = words.shift()!;
    const key = w === 'target-nsid' ? 'target' : w === 'nsid' ? 'nsid' : undefined;
    if (!key) throw new IpUsageError(NETNS_USAGE);
    if (filter[key] !== undefined) throw duplicateArgument(w, w);
    filter[key] = nsidValue(words.value(), w);
  }
  let ids;
  try {
    ids = await makeNsids(env.route).list(filter);
  } catch (e) {
    // ip: a refused dump says the kernel's words and `Dump terminated`, exit 1; one id, exit 2
    if (filter.nsid !== undefined || !(e instanceof Error) || e.name !== 'NetlinkError') throw e;
    // ip had opened its JSON list before the dump failed, and closes it
    if (env.json) listPrinter(env).finish();
    throw dumpTerminated(e, 1);
  }
  const p = listPrinter(env);
  for (const e of ids) {
    p.open();
    if (e.nsid < 0) p.text('nsid unassigned ');
    else p.u('nsid', 'nsid ', e.nsid);
    if (filter.target !== undefined || e.currentNsid !== undefined) {
      if (e.currentNsid === undefined) p.text('current-nsid unassigned ');
      else p.u('current-nsid', 'current-nsid ', e.currentNsid);
    }
    if (e.name !== undefined) p.s('name', '(iproute2 netns name: ', e.name, ')');
    p.text('\n');
    p.close();
    p.end();
  }
  p.finish();
  return 0;
}

/**
 * `ip netns monitor`: `add NAME` / `delete NAME` as names appear in and leave /run/netns
 * (inotify, through fs.watch). fs.watch says `rename` for both; per name they alternate, so
 * the names present when watching starts tell which each one is. Runs until interrupted.
 */
function monitor(words: Words, env: IpEnv): Promise<number> {
  if (!words.done) throw new IpUsageError(NETNS_USAGE);
  try {
    mkdirSync(NETNS_RUN_DIR, { recursive: true, mode: 0o755 });
  } catch (e) {
    throw new IpUsageError(`mkdir ${NETNS_RUN_DIR} failed: ${strerror((e as NodeJS.ErrnoException).code)}`, 1);
  }
  return new Promise((resolve) => {
    let watcher;
    try {
      watcher = watch(NETNS_RUN_DIR, { persistent: true });
    } catch (e) {
      env.err(`inotify_add_watch failed: ${strerror((e as NodeJS.ErrnoException).code)}\n`);
      return resolve(1);
    }
    const present = new Set(names());
    watcher.on('change', (_kind, file) => {
      const n = String(file);
      if (present.delete(n)) env.out(`delete ${n}\n`);
      else {
        present.add(n);
        env.out(`add ${n}\n`);
      }
    });
    watcher.on('error', (e: NodeJS.ErrnoException) => {
      env.err(`read failed: ${strerror(e.code)}\n`);
      resolve(1);
    });
  });
}

/**
 * `ip netns exec NAME CMD...`: CMD in the namespace, through util-linux's nsenter (Node cannot
 * switch a process's namespace before exec). Unlike ip, /sys is not remounted and
 * /etc/netns/NAME is not bound over /etc. The status is CMD's.
 */
function exec(words: Words, env: IpEnv): number {
  const n = name(words);
  const cmd = words.rest();
  if (!cmd.length) throw new IpUsageError('No command specified', 1);
  if (inode(path(n)) === undefined) throw new IpUsageError(`Cannot open network namespace "${n}": ${strerror('ENOENT')}`);
  const r = spawnSync('nsenter', [`--net=${path(n)}`, '--', ...cmd], { stdio: 'inherit' });
  if (r.error) {
    env.err(`exec of "nsenter" failed: ${strerror((r.error as NodeJS.ErrnoException).code)}\n`);
    return 1;
  }
  // nsenter's own failure to exec CMD is status 126/127 with its message; ip says 1
  return r.status ?? 1;
}

const NETNS_USAGE = `Usage:\tnlkit netns list
\tnlkit netns add NAME
\tnlkit netns attach NAME PID
\tnlkit netns set NAME NETNSID
\tnlkit netns delete NAME
\tnlkit netns identify [PID]
\tnlkit netns pids NAME
\tnlkit netns exec NAME cmd ...
\tnlkit netns monitor
\tnlkit netns list-id [target-nsid POSITIVE-INT] [nsid POSITIVE-INT]
NETNSID := auto | POSITIVE-INT`;

// ip's do_netns order: `l` is list, `s` set, `d` delete, `a` add
export const netns: IpObject = {
  name: 'netns',
  default: 'list',
  commands: [
    { name: 'list', aliases: ['show', 'lst'], synopsis: 'list', run: list },
    { name: 'list-id', synopsis: 'list-id [ target-nsid POSITIVE-INT ] [ nsid POSITIVE-INT ]', keywords: ['target-nsid', 'nsid'], run: listId },
    { name: 'add', synopsis: 'add NAME', run: add },
    { name: 'set', synopsis: 'set NAME NETNSID', run: set },
    { name: 'delete', synopsis: 'delete NAME', run: del },
    { name: 'identify', synopsis: 'identify [ PID ]', run: identify },
    { name: 'pids', synopsis: 'pids NAME', run: pids },
    { name: 'exec', synopsis: 'exec NAME cmd ...', run: exec },
    { name: 'monitor', synopsis: 'monitor', run: monitor },
    { name: 'attach', synopsis: 'attach NAME PID', run: attach },
  ],
  where: 'NETNSID := auto | POSITIVE-INT\n',
};
