// listSockets / destroySocket: a query checked and turned into a plan of dumps (one per
// family and protocol), the replies into domain objects.
import type { ConnectionOptions } from '../core/connection.js';
import { NetlinkArgumentError } from '../core/errors.js';
import { compileFilter, type PortCondition, type SocketFilter } from './bytecode.js';
import { bindPlans, DiagContext, splitOptions, type DiagCallOptions, type Plan } from './context.js';
import { EXTENSIONS, inetDestroyCall, inetDumpCall, type InetExtension, type InetSocket } from './inet.js';
import {
  netlinkDumpCall, netlinkSocket, packetDumpCall, packetSocket, unixDumpCall, unixSocket,
  type NetlinkSocketInfo, type PacketSocket, type UnixSocket,
} from './local.js';
import { IPPROTO, parseStates, STATES, type InetProtocol, type SocketState } from './names.js';
import { quote } from '../core/options.js';

export type Socket = InetSocket | UnixSocket | NetlinkSocketInfo | PacketSocket;

type SocketOf<F> = F extends 'unix' ? UnixSocket : F extends 'netlink' ? NetlinkSocketInfo : F extends 'packet' ? PacketSocket : InetSocket;
/** The sockets a query returns, by its family: InetSocket without one. */
export type SocketsOf<Q> = Q extends { family: infer F } ? (F extends readonly (infer E)[] ? SocketOf<E> : SocketOf<F>) : InetSocket;
export type QueryFamily = 'inet' | 'inet6' | 'unix' | 'netlink' | 'packet';

export interface SocketQuery extends DiagCallOptions {
  /** One family or several; default both inet families. */
  family?: QueryFamily | QueryFamily[];
  /** inet protocols, one or several; default 'tcp'. */
  protocol?: InetProtocol | InetProtocol[];
  /** States, groups ('all', 'connected', 'synchronized', 'bucket', 'big') or both; default 'all'. */
  states?: SocketState | string | (SocketState | string)[];
  sport?: PortCondition;
  dport?: PortCondition;
  /** Local / remote address prefixes. */
  src?: string;
  dst?: string;
  /** cgroup v2 id the sockets belong to. */
  cgroup?: bigint | number;
  /** A filter of its own (and-ed with the fields above); run by the kernel. */
  filter?: SocketFilter;
  /** inet extensions to ask for, or 'all'. */
  extensions?: InetExtension[] | 'all';
  /** netlink: only this NETLINK_* protocol. */
  netlinkProtocol?: number;
  /**
   * inet: file descriptors of BPF_MAP_TYPE_SK_STORAGE maps (held by this process); each socket's
   * value in them comes back in `bpfStorages` (needs CAP_SYS_ADMIN or CAP_BPF + CAP_PERFMON).
   */
  bpfStorages?: number[];
}

const QUERY_KEYS = ['family', 'protocol', 'states', 'sport', 'dport', 'src', 'dst', 'cgroup', 'filter', 'extensions', 'netlinkProtocol', 'bpfStorages'];
const FAMILIES: readonly QueryFamily[] = ['inet', 'inet6', 'unix', 'netlink', 'packet'];

function list<T extends string>(v: unknown, allowed: readonly T[], option: string, fallback: T[], emptyOk = false): T[] {
  if (v === undefined) return fallback;
  const items = Array.isArray(v) ? v : [v];
  if (items.length === 0 && !emptyOk) throw new NetlinkArgumentError(option, 'must not be empty');
  for (const x of items) if (!allowed.includes(x as T))
    throw new NetlinkArgumentError(option, `has no value ${quote(x)} (there are: ${allowed.join(', ')})`, typeof x === 'string' ? 'ERR_INVALID_ARG_VALUE' : 'ERR_INVALID_ARG_TYPE');
  return [...new Set(items as T[])];
}

/** The query's conditions as one bytecode program, or none. */
function bytecodeOf(q: SocketQuery): Buffer | undefined {
  const parts: SocketFilter[] = [];
  const keys = ['sport', 'dport', 'src', 'dst', 'cgroup'] as const;
  for (const k of keys) if (q[k] !== undefined) parts.push({ [k]: q[k] } as SocketFilter);
  if (q.filter !== undefined) parts.push(q.filter);
  if (!parts.length) return undefined;
  return compileFilter(parts.length === 1 ? parts[0] : { and: parts }, parts.length === 1 && q.filter !== undefined ? 'filter' : 'query');
}

function listPlan(query?: SocketQuery, opts?: DiagCallOptions): [Plan<Socket[]>, DiagCallOptions] {
  const [q, o] = splitOptions(query, opts, 'query');
  for (const k of Object.keys(q)) if (!QUERY_KEYS.includes(k)) throw new NetlinkArgumentError('query', `has no field '${k}' (there are: ${QUERY_KEYS.join(', ')}, netns, timeout, signal)`);
  const families = list(q.family, FAMILIES, 'family', ['inet', 'inet6']);
  const protocols = list(q.protocol, Object.keys(IPPROTO) as InetProtocol[], 'protocol', ['tcp']);
  const states = q.states === undefined ? [...STATES] : parseStates(q.states);
  const ext = q.extensions === 'all' ? [...EXTENSIONS] : list(q.extensions, EXTENSIONS, 'extensions', [], true);
  const bytecode = bytecodeOf(q);
  if (q.netlinkProtocol !== undefined && !(Number.isInteger(q.netlinkProtocol) && q.netlinkProtocol >= 0 && q.netlinkProtocol <= 255))
    throw new NetlinkArgumentError('netlinkProtocol', `must be a NETLINK_* number 0..255, got ${quote(q.netlinkProtocol)}`, 'ERR_OUT_OF_RANGE');
  const mapFds = q.bpfStorages;
  if (mapFds !== undefined) {
    if (!Array.isArray(mapFds) || mapFds.length === 0) throw new NetlinkArgumentError('bpfStorages', `must be a non-empty array of map file descriptors, got ${quote(mapFds)}`, 'ERR_INVALID_ARG_TYPE');
    for (const [i, fd] of mapFds.entries()) if (!Number.isInteger(fd) || fd < 0 || fd > 0x7fffffff)
      throw new NetlinkArgumentError(`bpfStorages[${i}]`, `must be a file descriptor (an integer 0..2147483647), got ${quote(fd)}`, 'ERR_OUT_OF_RANGE');
    if (families.some((f) => f !== 'inet' && f !== 'inet6')) throw new NetlinkArgumentError('bpfStorages', 'applies to inet sockets only (family: inet, inet6)');
  }
  if (bytecode && families.some((f) => f !== 'inet' && f !== 'inet6'))
    throw new NetlinkArgumentError('query', 'filters ports, addresses and cgroups of inet sockets only (family: inet, inet6)');

  const calls: Plan<Socket[]>['calls'] = [];
  const shapes: ((r: unknown, names: Parameters<Plan<Socket[]>['result']>[1]) => Socket[])[] = [];
  for (const f of families) {
    if (f === 'inet' || f === 'inet6') {
      for (const p of protocols) {
        calls.push(inetDumpCall(f, p, states, ext, bytecode, mapFds));
        shapes.push((r, names) => {
          const found = r as InetSocket[];
          // names only for the sockets bound to a device, in the namespace listed
          for (const s of found) if (s.ifindex) s.interface = names.ifname(s.ifindex);
          return found;
        });
      }
    } else if (f === 'unix') {
      calls.push(unixDumpCall(states));
      shapes.push((r) => (r as Parameters<typeof unixSocket>[0][]).map(unixSocket));
    } else if (f === 'netlink') {
      calls.push(netlinkDumpCall(q.netlinkProtocol));
      shapes.push((r) => (r as Parameters<typeof netlinkSocket>[0][]).map(netlinkSocket));
    } else {
      calls.push(packetDumpCall());
      shapes.push((r, names) => (r as Parameters<typeof packetSocket>[0][]).map((m) => packetSocket(m, names)));
    }
  }
  return [{ calls, result: (results, names) => results.flatMap((r, i) => shapes[i](r, names)) }, o];
}

/** What names an inet socket to destroy: a listed InetSocket will do. */
export type SocketId = Pick<InetSocket, 'family' | 'protocol' | 'local' | 'remote'> & { ifindex?: number; cookie?: bigint };

function destroyPlan(sock: SocketId, opts?: DiagCallOptions): [Plan<void>, DiagCallOptions] {
  const [, o] = splitOptions(undefined, opts, 'socket');
  if (sock === null || typeof sock !== 'object') throw new NetlinkArgumentError('socket', `must be an inet socket (as listSockets returns), got ${sock === null ? 'null' : typeof sock}`, 'ERR_INVALID_ARG_TYPE');
  if (sock.family !== 'inet' && sock.family !== 'inet6') throw new NetlinkArgumentError('socket.family', `must be 'inet' or 'inet6' (only inet sockets can be destroyed), got ${quote(sock.family)}`);
  if (!(sock.protocol in IPPROTO)) throw new NetlinkArgumentError('socket.protocol', `must be one of ${Object.keys(IPPROTO).join(', ')}, got ${quote(sock.protocol)}`);
  for (const side of ['local', 'remote'] as const) {
    const e = sock[side];
    if (e === null || typeof e !== 'object') throw new NetlinkArgumentError(`socket.${side}`, 'must be {address, port}', 'ERR_INVALID_ARG_TYPE');
    if (!Number.isInteger(e.port) || e.port < 0 || e.port > 65535) throw new NetlinkArgumentError(`socket.${side}.port`, `must be a port 0..65535, got ${quote(e.port)}`, 'ERR_OUT_OF_RANGE');
  }
  const ifindex = sock.ifindex ?? 0;
  if (!Number.isInteger(ifindex) || ifindex < 0 || ifindex > 0xffffffff) throw new NetlinkArgumentError('socket.ifindex', `must be an interface index, got ${quote(ifindex)}`, 'ERR_OUT_OF_RANGE');
  // no cookie: any socket with these addresses and ports (INET_DIAG_NOCOOKIE)
  const cookie = sock.cookie ?? 0xffffffffffffffffn;
  if (typeof cookie !== 'bigint' || cookie < 0n || cookie >= 1n << 64n) throw new NetlinkArgumentError('socket.cookie', `must be a u64 bigint, got ${String(cookie)}`, 'ERR_INVALID_ARG_TYPE');
  const call = inetDestroyCall({ ...sock, ifindex, cookie });
  return [{ calls: [call], result: () => undefined }, o];
}

const builders = { listSockets: listPlan, destroySocket: destroyPlan };

/**
 * Socket diagnostics over one NETLINK_SOCK_DIAG socket of a namespace (opened on first use).
 * Each method has a Sync twin; `{ netns }` on a call looks in another namespace.
 */
export class SocketDiag {
  private readonly ctx: DiagContext;
  private readonly bound: ReturnType<typeof bindPlans<typeof builders>>;
  /** Sockets of the families and protocols asked for, filtered by the kernel. */
  readonly listSockets: <Q extends SocketQuery>(query?: Q, opts?: DiagCallOptions) => Promise<SocketsOf<Q>[]>;
  readonly listSocketsSync: <Q extends SocketQuery>(query?: Q, opts?: DiagCallOptions) => SocketsOf<Q>[];
  /** Closes an inet socket (SOCK_DESTROY: needs CONFIG_INET_DIAG_DESTROY and CAP_NET_ADMIN). */
  readonly destroySocket: (sock: SocketId, opts?: DiagCallOptions) => Promise<void>;
  readonly destroySocketSync: (sock: SocketId, opts?: DiagCallOptions) => void;

  constructor(options: ConnectionOptions = {}) {
    this.ctx = new DiagContext(options);
    this.bound = bindPlans(this.ctx, builders);
    // the plan returns Socket[]; which kind is the query's family, as SocketsOf says
    this.listSockets = this.bound.listSockets as SocketDiag['listSockets'];
    this.listSocketsSync = this.bound.listSocketsSync as SocketDiag['listSocketsSync'];
    ({ destroySocket: this.destroySocket, destroySocketSync: this.destroySocketSync } = this.bound);
  }

  close(): void {
    this.ctx.close();
  }
}

/** A SocketDiag for one namespace: `openSocketDiag({ netns: 'blue' })`. */
export function openSocketDiag(options?: ConnectionOptions): SocketDiag {
  return new SocketDiag(options);
}

/** One-off calls: a socket opened for the call (in `netns` when given) and closed after it. */
function oneOff<A extends unknown[], R>(f: (d: SocketDiag) => (...a: A) => R): (...a: A) => R {
  return (...a: A) => {
    const d = new SocketDiag();
    let r: R;
    try {
      r = f(d)(...a);
    } catch (e) {
      d.close();
      throw e;
    }
    if (r instanceof Promise) return r.finally(() => d.close()) as R;
    d.close();
    return r;
  };
}

export const listSockets: SocketDiag['listSockets'] = oneOff((d) => d.listSockets);
export const listSocketsSync: SocketDiag['listSocketsSync'] = oneOff((d) => d.listSocketsSync);
export const destroySocket = oneOff((d) => d.destroySocket);
export const destroySocketSync = oneOff((d) => d.destroySocketSync);
