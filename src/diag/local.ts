// unix_diag, netlink_diag and packet_diag: one dump each (everything shown), replies as
// domain objects.
import type { Call } from '../core/call.js';
import { opCall, opDecoder, type OpReply } from '../ynl/op-call.js';
import { description as unixDiag, type Types as UnixTypes, type UnixTypeEnum } from '../ynl/families/sock_diag_unix.js';
import { description as netlinkDiag, type Types as NetlinkTypes, type NetlinkDiagRingStruct } from '../ynl/families/sock_diag_netlink.js';
import {
  description as packetDiag, type Types as PacketTypes, type PacketDiagRingStruct, type SockFilterStruct, type PacketDiagMclistStruct,
} from '../ynl/families/sock_diag_packet.js';
import { AF, NETLINK_PROTOCOLS, skMeminfo, STATES, type SkMeminfo, type SocketState } from './names.js';
import type { Names } from './context.js';
import { struct } from '../ynl/unread.js';

type UnixReply = OpReply<UnixTypes, 'sock', 'do'>;
type NetlinkReply = OpReply<NetlinkTypes, 'sock', 'do'>;
type PacketReply = OpReply<PacketTypes, 'sock', 'do'>;


export interface UnixSocket {
  family: 'unix';
  type: UnixTypeEnum | number;
  state: SocketState | number;
  inode: number;
  cookie: bigint;
  /** The bound name: a path, '@name' for an abstract one; undefined when unbound. */
  path?: string;
  /** The file's inode and device, for a name in the file system. */
  vfs?: { inode: number; dev: number };
  /** The peer socket's inode (0: none). */
  peer: number;
  /** Inodes of connections waiting to be accepted (listeners). */
  pending?: number[];
  /** Queued bytes, or (listeners) pending connections and the backlog. */
  rqueue?: number;
  wqueue?: number;
  meminfo?: SkMeminfo;
  shutdown?: number;
  uid?: number;
  raw: UnixReply;
}

export interface NetlinkSocketInfo {
  family: 'netlink';
  /** NETLINK_* by ss's name ('rtnl', 'genl'...), or the number. */
  protocol: string | number;
  protocolNumber: number;
  type: number;
  /** 'close' (unconnected) or 'established' (connected to a port or group). */
  state: SocketState | number;
  /** The socket's port id (for a kernel socket, 0). */
  portid: number;
  dstPortid: number;
  dstGroup: number;
  inode: number;
  cookie: bigint;
  /** Multicast groups joined, by number. */
  groups?: number[];
  meminfo?: SkMeminfo;
  flags?: string[];
  rxRing?: NetlinkDiagRingStruct;
  txRing?: NetlinkDiagRingStruct;
  raw: NetlinkReply;
}

export interface PacketSocket {
  family: 'packet';
  type: string | number;
  /** The bound ethertype (0: none, 3: ETH_P_ALL). */
  protocol: number;
  inode: number;
  cookie: bigint;
  ifindex?: number;
  interface?: string;
  info?: { version: number; reserve: number; copyThresh: number; tstamp: number; flags: string[] };
  mclist?: PacketDiagMclistStruct[];
  rxRing?: PacketDiagRingStruct;
  txRing?: PacketDiagRingStruct;
  fanout?: { id: number; type: number; flags: number };
  uid?: number;
  meminfo?: SkMeminfo;
  /** The attached classic BPF program. */
  filter?: SockFilterStruct[];
  raw: PacketReply;
}

// every UDIAG_SHOW_* / NDIAG_SHOW_* / PACKET_SHOW_* but the deprecated ring configuration of netlink
export function unixDumpCall(states: SocketState[], inode = 0): Call<UnixReply, UnixReply[]> {
  const call = opCall(unixDiag, 'getsock', 'dump', {
    sdiagFamily: AF.unix, udiagStates: states.filter((s) => s !== 'new-syn-recv' && s !== 'bound-inactive') as never, udiagIno: inode,
    udiagShow: ['name', 'vfs', 'peer', 'icons', 'rqlen', 'meminfo', 'uid'],
  });
  return { ...call, decode: opDecoder(unixDiag, 'sock', 'do') } as Call<UnixReply, UnixReply[]>;
}

export function netlinkDumpCall(protocol = 0xff): Call<NetlinkReply, NetlinkReply[]> {
  const call = opCall(netlinkDiag, 'getsock', 'dump', { sdiagFamily: AF.netlink, sdiagProtocol: protocol, ndiagShow: ['meminfo', 'groups', 'flags'] });
  return { ...call, decode: opDecoder(netlinkDiag, 'sock', 'do') } as Call<NetlinkReply, NetlinkReply[]>;
}

export function packetDumpCall(): Call<PacketReply, PacketReply[]> {
  const call = opCall(packetDiag, 'getsock', 'dump', {
    sdiagFamily: AF.packet, pdiagShow: ['info', 'mclist', 'ring-cfg', 'fanout', 'meminfo', 'filter'],
  });
  return { ...call, decode: opDecoder(packetDiag, 'sock', 'do') } as Call<PacketReply, PacketReply[]>;
}

/** An abstract name starts with a NUL byte, which ss shows as '@'. */
function unixName(b: Buffer | undefined): string | undefined {
  if (!b || b.length === 0) return undefined;
  if (b[0] === 0) return `@${b.toString('latin1', 1)}`;
  // a path may come with its terminating NUL
  const nul = b.indexOf(0);
  return b.toString('utf8', 0, nul < 0 ? b.length : nul);
}

export function unixSocket(m: UnixReply): UnixSocket {
  const s: UnixSocket = {
    family: 'unix', type: m.udiagType, state: m.udiagState, inode: m.udiagIno, cookie: m.udiagCookie, peer: m.peer ?? 0, raw: m,
  };
  const path = unixName(m.name);
  if (path !== undefined) s.path = path;
  const vfs = struct(m.vfs);
  if (vfs) s.vfs = { inode: vfs.udiagVfsIno, dev: vfs.udiagVfsDev };
  if (m.icons) s.pending = m.icons.map(Number);
  const rq = struct(m.rqlen);
  if (rq) { s.rqueue = rq.udiagRqueue; s.wqueue = rq.udiagWqueue; }
  if (m.meminfo) s.meminfo = skMeminfo(m.meminfo);
  if (m.shutdown !== undefined) s.shutdown = m.shutdown;
  if (m.uid !== undefined) s.uid = m.uid;
  return s;
}

/** Set bits of a bitmap of u64 words, as group numbers (bit 0 is group 1). */
function bitmapGroups(words: readonly (number | bigint)[]): number[] {
  const out: number[] = [];
  words.forEach((w, i) => {
    const v = BigInt(w);
    for (let b = 0; b < 64; b++) if ((v >> BigInt(b)) & 1n) out.push(i * 64 + b + 1);
  });
  return out;
}

export function netlinkSocket(m: NetlinkReply): NetlinkSocketInfo {
  const s: NetlinkSocketInfo = {
    family: 'netlink', protocol: NETLINK_PROTOCOLS[m.ndiagProtocol] ?? m.ndiagProtocol, protocolNumber: m.ndiagProtocol,
    type: m.ndiagType, state: STATES[m.ndiagState - 1] ?? m.ndiagState, portid: m.ndiagPortid, dstPortid: m.ndiagDstPortid, dstGroup: m.ndiagDstGroup,
    inode: m.ndiagIno, cookie: m.ndiagCookie, raw: m,
  };
  if (m.groups) s.groups = bitmapGroups(m.groups);
  if (m.meminfo) s.meminfo = skMeminfo(m.meminfo);
  if (m.flags !== undefined) s.flags = m.flags.map(String);
  const rx = struct(m.rxRing), tx = struct(m.txRing);
  if (rx) s.rxRing = rx;
  if (tx) s.txRing = tx;
  return s;
}

export function packetSocket(m: PacketReply, names: Names): PacketSocket {
  const s: PacketSocket = { family: 'packet', type: m.pdiagType, protocol: m.pdiagNum, inode: m.pdiagIno, cookie: m.pdiagCookie, raw: m };
  const info = struct(m.info);
  if (info) {
    s.ifindex = info.pdiIndex;
    if (info.pdiIndex) s.interface = names.ifname(info.pdiIndex);
    s.info = { version: info.pdiVersion, reserve: info.pdiReserve, copyThresh: info.pdiCopyThresh, tstamp: info.pdiTstamp, flags: info.pdiFlags.map(String) };
  }
  const mc = struct(m.mclist);
  if (mc) s.mclist = mc.items;
  const rx = struct(m.rxRing), tx = struct(m.txRing);
  if (rx) s.rxRing = rx;
  if (tx) s.txRing = tx;
  if (m.fanout !== undefined) s.fanout = { id: m.fanout & 0xffff, type: (m.fanout >>> 16) & 0xff, flags: m.fanout >>> 24 };
  if (m.uid !== undefined) s.uid = m.uid;
  if (m.meminfo) s.meminfo = skMeminfo(m.meminfo);
  const f = struct(m.filter);
  if (f) s.filter = f.insns;
  return s;
}
