// tun/tap devices as microVM monitors need them for virtio-net backends: persistent devices
// made and removed as `ip tuntap add/del` does (TUNSETIFF, owner, group, TUNSETPERSIST),
// listed with their flags from rtnetlink's tun link info, and queues kept open by a VMM.
// The device ioctls run in the addon, in a short-lived thread that enters the namespace,
// so no thread of Node's ever changes namespace.
import { constants } from 'node:os';
import { Connection } from '../core/connection.js';
import { NETLINK_ROUTE } from '../core/constants.js';
import { NetlinkArgumentError, NetlinkSystemError } from '../core/errors.js';
import { checkBool, checkIfname } from './arg-check.js';
import { native, NS_OP_TUN_ADD, NS_OP_TUN_DELETE, NS_OP_TUN_OPEN } from '../core/native.js';
import type { NetnsRef } from '../core/transport.js';
import { description as rtLink, type GetlinkDoReply, type LinkinfoTunAttrsSet } from '../ynl/families/rt-link.js';
import { opCall } from '../ynl/op-call.js';
import { bindOps, type RouteContext, type Scope } from './context.js';
import { bindJobs, type Job, type JobOptions, type NativeFailure } from './native-jobs.js';
import { quote } from '../core/options.js';

export type TunMode = 'tun' | 'tap';

/** `ip tuntap add`: a persistent device. */
export interface TunTapSpec {
  /** Default: the kernel's next tunN / tapN. A template such as 'vm%d' works too. */
  name?: string;
  mode: TunMode;
  /** The user (uid) and group (gid) allowed to attach to it without CAP_NET_ADMIN. */
  owner?: number;
  group?: number;
  /** Several queues (one fd each), as multi-queue virtio-net uses. */
  multiQueue?: boolean;
  /** Packets carry a struct virtio_net_hdr. */
  vnetHdr?: boolean;
  /** Packets carry a 4-byte packet information header. Default false, as `ip` makes them. */
  pi?: boolean;
  /** Must be true (the default): a device that is not persistent is one a process holds open, see `open()`. */
  persist?: true;
}

/** What add returns: the device as the kernel named it. */
export interface TunTapCreated {
  ifname: string;
  ifindex: number;
  mode: TunMode;
}

/** A tun/tap device as `ip tuntap list` and `ip -d link show` describe it. */
export interface TunTap {
  ifname: string;
  ifindex: number;
  mode: TunMode;
  /** As `ip -j tuntap list` prints them: the mode, then pi, multi_queue, vnet_hdr, persist, filter (with pi) where set. */
  flags: string[];
  /** Absent when none is set. */
  owner?: number;
  group?: number;
  pi: boolean;
  vnetHdr: boolean;
  multiQueue: boolean;
  persist: boolean;
  /** Queues attached now (open fds), and those detached (TUNSETQUEUE). */
  numQueues: number;
  numDisabledQueues: number;
}

/** `open()`: queues of a device, held by this process (the device goes when the last closes unless persistent). */
export interface TunTapOpenSpec {
  /** An existing device (persistent ones keep their settings) or a new one; default: a new tunN / tapN. */
  name?: string;
  mode: TunMode;
  /** How many queues (fds): 1..256. More than one needs multiQueue, which it implies. Default 1. */
  queues?: number;
  multiQueue?: boolean;
  vnetHdr?: boolean;
  pi?: boolean;
  /** O_NONBLOCK on the fds, as event-loop VMMs want them. Default false. */
  nonblock?: boolean;
}

/** Open queues; the fds are O_CLOEXEC (a child gets them through spawn's stdio). */
export interface TunTapQueues {
  ifname: string;
  ifindex: number;
  fds: number[];
  /** Closes every fd (idempotent). */
  close(): void;
}

/** TUNSETIFF flags, from linux/if_tun.h. EXCL: fail (EBUSY) instead of attaching when the name is taken. */
const IFF = { TUN: 0x0001, TAP: 0x0002, MULTI_QUEUE: 0x0100, NO_PI: 0x1000, VNET_HDR: 0x4000, EXCL: 0x8000 } as const;
const MODE_FLAGS: Record<TunMode, number> = { tun: IFF.TUN, tap: IFF.TAP };
/** IFLA_TUN_TYPE carries the mode flag. */
const MODE_OF_TYPE: Record<number, TunMode> = { [IFF.TUN]: 'tun', [IFF.TAP]: 'tap' };

const SPEC_KEYS = new Set(['name', 'mode', 'owner', 'group', 'multiQueue', 'vnetHdr', 'pi', 'persist']);
const OPEN_KEYS = new Set(['name', 'mode', 'queues', 'multiQueue', 'vnetHdr', 'pi', 'nonblock']);

/** The spec's keys, an unknown one named in the message (the error is about the spec as a whole). */
function checkKeys(spec: unknown, keys: Set<string>): Record<string, unknown> {
  if (spec === null || typeof spec !== 'object') throw new NetlinkArgumentError('spec', `must be an object, got ${spec === null ? 'null' : typeof spec}`, 'ERR_INVALID_ARG_TYPE');
  for (const k of Object.keys(spec)) if (!keys.has(k)) throw new NetlinkArgumentError('spec', `has no option '${k}' (there are: ${[...keys].join(', ')})`);
  return spec as Record<string, unknown>;
}

const devName = (v: unknown, option = 'name'): string => checkIfname(v, option);

const bool = (spec: Record<string, unknown>, key: string): boolean => checkBool(spec[key], key) ?? false;

function id(spec: Record<string, unknown>, key: string): number {
  const v = spec[key];
  if (v === undefined) return -1;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 0xfffffffe)
    throw new NetlinkArgumentError(key, `must be a numeric ${key === 'owner' ? 'uid' : 'gid'} (0..4294967294), got ${String(v)}`, 'ERR_OUT_OF_RANGE');
  return v;
}

function mode(v: unknown): TunMode {
  if (v !== 'tun' && v !== 'tap') throw new NetlinkArgumentError('mode', `must be 'tun' or 'tap', got ${quote(v)}`);
  return v;
}

/** The TUNSETIFF flags of a spec: the mode, no packet info unless asked, the features asked for. */
function ifFlags(spec: Record<string, unknown>, multiQueue = bool(spec, 'multiQueue')): number {
  return MODE_FLAGS[mode(spec.mode)] | (bool(spec, 'pi') ? 0 : IFF.NO_PI) | (multiQueue ? IFF.MULTI_QUEUE : 0) | (bool(spec, 'vnetHdr') ? IFF.VNET_HDR : 0);
}

/** The addon's failure, naming the device and the step. */
function failure(verb: string, name: string) {
  return (e: NativeFailure): Error => {
    const n = -e.errno;
    // IFF_TUN_EXCL makes a taken name EBUSY: say it as `ip link add` would
    if (verb === 'add' && n === constants.errno.EBUSY && e.syscall === 'ioctl(TUNSETIFF)')
      return new NetlinkSystemError(constants.errno.EEXIST, e.syscall, `device "${name}" exists (tuntap add)`);
    return new NetlinkSystemError(n, e.syscall, `tuntap ${verb} ${name || '(new)'}: ${e.syscall} failed`);
  };
}

/** A device's tun info as a domain object; undefined for a link of another kind. */
function toTunTap(l: GetlinkDoReply): TunTap | undefined {
  if (l.linkinfo?.kind !== 'tun') return undefined;
  const d: LinkinfoTunAttrsSet = l.linkinfo.data ?? {};
  const t: TunTap = {
    ifname: l.ifname ?? '', ifindex: l.ifiIndex, mode: MODE_OF_TYPE[d.type ?? IFF.TUN] ?? 'tun', flags: [],
    pi: !!d.pi, vnetHdr: !!d.vnetHdr, multiQueue: !!d.multiQueue, persist: !!d.persist,
    numQueues: d.numQueues ?? 0, numDisabledQueues: d.numDisabledQueues ?? 0,
  };
  if (d.owner !== undefined) t.owner = d.owner;
  if (d.group !== undefined) t.group = d.group;
  t.flags = [t.mode, ...FLAG_NAMES.filter(([k]) => t[k]).map(([, n]) => n)];
  return t;
}
// In ip's order. ip also prints 'filter' when IFF_NOFILTER is clear, and IFF_NOFILTER is the
// IFF_NO_PI bit, so every device with packet info is listed with 'filter' too: kept for parity.
const FLAG_NAMES: [keyof TunTap, string][] = [['pi', 'pi'], ['multiQueue', 'multi_queue'], ['vnetHdr', 'vnet_hdr'], ['persist', 'persist'], ['pi', 'filter']];

function getCall(name: string) {
  return opCall(rtLink, 'getlink', 'do', { ifname: devName(name), extMask: ['skip-stats'] });
}

/** The device `name` in a namespace, looked up blocking (one RTM_GETLINK, as `ip` makes): ENODEV or not a tun/tap is an error. */
function lookup(ctx: RouteContext, name: string, netns: NetnsRef | undefined): TunTap {
  const conn = netns === undefined ? ctx.conn : new Connection(NETLINK_ROUTE, { ...ctx.options, netns });
  let link: GetlinkDoReply | undefined;
  try {
    link = conn.runSync(getCall(name))[0];
  } catch (e) {
    if ((e as { code?: string }).code === 'ENODEV') throw new NetlinkSystemError(constants.errno.ENODEV, 'getlink', `Cannot find device "${name}"`);
    throw e;
  } finally {
    if (conn !== ctx.conn) conn.close();
  }
  return tunTapOf(name, link);
}

function tunTapOf(name: string, link: GetlinkDoReply | undefined): TunTap {
  const t = link && toTunTap(link);
  if (!t) throw new NetlinkArgumentError('name', `must name a tun/tap device: "${name}" is ${link?.linkinfo?.kind ? `a ${link.linkinfo.kind} device` : 'not one'}`);
  return t;
}

/** The tun/tap methods of a context, each with its Sync twin. */
export function makeTunTap(ctx: RouteContext) {
  const where = (opts: JobOptions) => opts.netns ?? ctx.options.netns;
  const jobs = bindJobs({
    /** `ip tuntap add`: EEXIST when the name is taken. */
    add: (spec: TunTapSpec, opts: JobOptions): Job<TunTapCreated> => {
      const s = checkKeys(spec, SPEC_KEYS);
      if (s.persist !== undefined && s.persist !== true)
        throw new NetlinkArgumentError('persist', 'must be true: for a device that lives only while this process holds it, use open()');
      const name = s.name === undefined ? '' : devName(s.name);
      const m = mode(s.mode);
      return {
        op: NS_OP_TUN_ADD, netns: where(opts), s0: name, ints: [ifFlags(s) | IFF.EXCL, id(s, 'owner'), id(s, 'group')],
        result: (raw) => ({ ifname: (raw as [string])[0], ifindex: (raw as [string, number])[1], mode: m }),
        error: failure('add', name),
      };
    },
    /** `ip tuntap del`: the device's mode and queue layout are read first (it must be a tun/tap device). */
    delete: (name: string, opts: JobOptions): Job<void> => {
      const t = lookup(ctx, devName(name), where(opts));
      return {
        op: NS_OP_TUN_DELETE, netns: where(opts), s0: name, ints: [MODE_FLAGS[t.mode] | IFF.NO_PI | (t.multiQueue ? IFF.MULTI_QUEUE : 0)],
        result: () => undefined, error: failure('delete', name),
      };
    },
    /** Queues for a VMM: every fd opened, or none. */
    open: (spec: TunTapOpenSpec, opts: JobOptions): Job<TunTapQueues> => {
      const s = checkKeys(spec, OPEN_KEYS);
      const queues = s.queues ?? 1;
      if (typeof queues !== 'number' || !Number.isInteger(queues) || queues < 1 || queues > 256)
        throw new NetlinkArgumentError('queues', `must be an integer 1..256, got ${String(queues)}`, 'ERR_OUT_OF_RANGE');
      const name = s.name === undefined ? '' : devName(s.name);
      return {
        op: NS_OP_TUN_OPEN, netns: where(opts), s0: name, ints: [ifFlags(s, queues > 1 || bool(s, 'multiQueue')), queues, bool(s, 'nonblock') ? 1 : 0],
        result: (raw) => queuesOf(raw as [string, number, ...number[]]),
        error: failure('open', name),
      };
    },
  }, true);
  const ops = bindOps(ctx, {
    /** `ip tuntap list`: the tun/tap devices (the kernel filters the dump by kind). */
    list: (_scope: Scope, _arg?: undefined) => ({
      ...opCall(rtLink, 'getlink', 'dump', { linkinfo: { kind: 'tun' }, extMask: ['skip-stats'] }),
      result: (links: GetlinkDoReply[]) => links.map(toTunTap).filter((t): t is TunTap => t !== undefined),
    }),
    /** One device by name: ENODEV, or an argument error when it is no tun/tap device. */
    get: (_scope: Scope, name: string) => ({
      ...getCall(name),
      result: (links: GetlinkDoReply[]) => tunTapOf(name, links[0]),
    }),
  });
  return { ...jobs, ...ops };
}

export type TunTapOps = ReturnType<typeof makeTunTap>;

function queuesOf([ifname, ifindex, ...fds]: [string, number, ...number[]]): TunTapQueues {
  const open = [...fds];
  return {
    ifname, ifindex, fds,
    close() {
      for (const fd of open.splice(0)) native.close(fd);
    },
  };
}

/**
 * What a links module says to `kind: 'tun'` / `'tap'`: the kernel refuses to create them
 * through rtnetlink ("tun/tap creation via rtnetlink is not supported.", EOPNOTSUPP); this
 * API does it through /dev/net/tun.
 */
export function tunViaRtnetlinkError(kind: string): NetlinkArgumentError {
  return new NetlinkArgumentError('kind', `cannot be '${kind}' through rtnetlink (the kernel makes tun/tap devices only through /dev/net/tun): ` +
    `use rt.tuntap.add({ name, mode: '${kind === 'tap' ? 'tap' : 'tun'}' }) or tuntap.open() for queues a VMM holds`);
}
