// Named network namespaces, interchangeable with `ip netns`: the same files under
// /run/netns, made with the same bind-mount and shared-mount steps, by the addon (no
// process per call). Each namespace is created by unshare() in a short-lived thread of
// its own, so no thread of Node's ever changes namespace. Run any handle inside one with
// `openRoute({ netns: name })`.
import { constants } from 'node:os';
import { NetlinkArgumentError, NetnsError } from '../core/errors.js';
import { NS_OP_NETNS_ADD, NS_OP_NETNS_CHECK, NS_OP_NETNS_DELETE } from '../core/native.js';
import { netnsName } from '../core/transport.js';
import { bindOps, RouteContext, type Scope, type Step } from './context.js';
import { bindJobs, type Job, type NativeFailure } from './native-jobs.js';
import { idsOfNames } from './nsid.js';

/** Where `ip netns` keeps its names. */
export const NETNS_RUN_DIR = '/run/netns';

/** A named namespace, as `ip -j netns list` shows it. */
export interface NamedNetns {
  name: string;
  /** Its id in the namespace the list was made from (the handle's), when one is assigned. */
  id?: number;
}

/** `ip netns attach NAME PID`: a name for the namespace process `pid` is in. */
export interface NetnsAttachSpec {
  name: string;
  pid: number;
}

/** A name checked as the engine checks netns names (no '/', NUL, '.' or '..'; at most NAME_MAX bytes), and its file. */
function netnsPath(name: unknown, option = 'name'): string {
  if (typeof name !== 'string') throw new NetlinkArgumentError(option, `must be a namespace name (a string), got ${typeof name}`, 'ERR_INVALID_ARG_TYPE');
  if (Buffer.byteLength(name) > 255) throw new NetlinkArgumentError(option, `must be at most 255 bytes (NAME_MAX), got ${Buffer.byteLength(name)}`);
  try {
    return netnsName(name);
  } catch (e) {
    // the same rule, said of this option
    throw new NetlinkArgumentError(option, (e as Error).message.replace(/^The "netns" option /, ''));
  }
}

/** The addon's failure said as `ip netns` would, naming the namespace. */
function failure(name: string, path: string, doing: string) {
  return (e: NativeFailure): Error => {
    const n = -e.errno;
    const detail = n === constants.errno.EEXIST ? `network namespace '${name}' exists (${path})`
      : n === constants.errno.ENOENT && e.syscall === 'unlink' ? `network namespace '${name}' not found (${path})`
      : `cannot ${doing} network namespace '${name}' (${path}): ${e.syscall} failed`;
    return new NetnsError(n, e.syscall, detail, name, path);
  };
}

function addJob(name: unknown, pid: number): Job<NamedNetns> {
  const path = netnsPath(name);
  return { op: NS_OP_NETNS_ADD, s0: NETNS_RUN_DIR, s1: path, ints: [pid], result: () => ({ name: name as string }), error: failure(name as string, path, pid ? 'attach' : 'create') };
}

/** add, attach, delete, exists: run by the addon, blocking or on the threadpool (see bindJobs). */
const jobs = {
  /** `ip netns add NAME`. EEXIST (a NetnsError) when the name is taken. */
  add: (name: string) => addJob(name, 0),
  /** `ip netns attach NAME PID`. */
  attach: (spec: NetnsAttachSpec) => {
    if (spec === null || typeof spec !== 'object') throw new NetlinkArgumentError('spec', 'must be { name, pid }', 'ERR_INVALID_ARG_TYPE');
    const pid = spec.pid;
    if (typeof pid !== 'number' || !Number.isInteger(pid) || pid < 1 || pid > 0x7fffffff)
      throw new NetlinkArgumentError('pid', `must be a process id (1..2^31-1), got ${String(pid)}`, 'ERR_OUT_OF_RANGE');
    return addJob(spec.name, pid);
  },
  /** `ip netns del NAME`: the name goes; processes and sockets still in the namespace keep it alive. ENOENT when there is no such name. */
  delete: (name: string): Job<void> => {
    const path = netnsPath(name);
    return { op: NS_OP_NETNS_DELETE, s1: path, result: () => undefined, error: failure(name, path, 'delete') };
  },
  /** Whether the name is a network namespace (a leftover empty file, or any other file, is not). */
  exists: (name: string): Job<boolean> => {
    const path = netnsPath(name);
    return { op: NS_OP_NETNS_CHECK, s1: path, result: (v) => v === true, error: failure(name, path, 'open') };
  },
};

/**
 * `ip netns list`: every name in /run/netns (sorted), with the id its namespace has in the
 * handle's namespace where one is assigned, asked for all of them in one transaction.
 */
const list = (_scope: Scope): Step<NamedNetns[]> => idsOfNames();

/** The namespace methods, each with its Sync twin: `rt.netns.add('blue')`, `rt.netns.listSync()`. */
export function makeNetns(ctx: RouteContext) {
  return { ...bindJobs(jobs), ...bindOps(ctx, { list: (scope: Scope, _arg?: undefined) => list(scope) }) };
}

export type NetnsOps = ReturnType<typeof makeNetns>;

let standalone: NetnsOps | undefined;
/** The namespace methods without a handle (ids as seen from the process's own namespace). */
export function netnsOps(): NetnsOps {
  return (standalone ??= makeNetns(new RouteContext()));
}
