// inet_diag: the request for one family and protocol, and its replies as InetSocket objects.
import type { Call } from '../core/call.js';
import { formatIPv4, formatIPv6, parseIPv4, parseIPv6 } from '../core/display.js';
import { NetlinkArgumentError } from '../core/errors.js';
import { opCall, opDecoder, type OpReply } from '../ynl/op-call.js';
import {
  description as inetDiag, type ExtEnum, type TcpInfoStruct, type Types as InetTypes,
} from '../ynl/families/sock_diag_inet.js';
import { AF, IPPROTO, skMeminfo, type InetProtocol, type SkMeminfo, type SocketState } from './names.js';
import type { Names } from './context.js';

type SockReply = OpReply<InetTypes, 'sock', 'do'>;

/** Extensions a listing may ask for (INET_DIAG_* that idiag_ext selects). */
export type InetExtension = ExtEnum;
export const EXTENSIONS: readonly InetExtension[] = ['meminfo', 'info', 'vegasinfo', 'cong', 'tos', 'tclass', 'skmeminfo', 'shutdown'];

export interface Endpoint {
  address: string;
  port: number;
}

/** struct tcp_info with the `tcpi_` prefix dropped and its bitfields split. */
export type TcpInfo = {
  [K in keyof Omit<TcpInfoStruct, 'tcpiWscale' | 'tcpiRateFlags' | 'tail'> as K extends `tcpi${infer R}` ? Uncapitalize<R> : never]: TcpInfoStruct[K];
} & {
  sndWscale: number;
  rcvWscale: number;
  deliveryRateAppLimited: boolean;
  fastopenClientFail: number;
  /** Bytes this kernel sent beyond the fields linux/tcp.h of the build describes. */
  tail: Buffer;
};

export interface InetSocket {
  family: 'inet' | 'inet6';
  protocol: InetProtocol;
  state: SocketState | number;
  local: Endpoint;
  remote: Endpoint;
  /** The interface the socket is bound to (0: none), and its name. */
  ifindex: number;
  interface?: string;
  uid: number;
  inode: number;
  cookie: bigint;
  /** Receive and send queues (for a listener: the accept backlog and its limit). */
  rqueue: number;
  wqueue: number;
  /** Pending timer, ms left and retransmissions. */
  timer: { kind: string | number; expires: number; retrans: number };
  tcpInfo?: TcpInfo;
  meminfo?: { rmem: number; wmem: number; fmem: number; tmem: number };
  skmeminfo?: SkMeminfo;
  congestion?: string;
  tos?: number;
  tclass?: number;
  /** SHUT_RD = 1, SHUT_WR = 2, as a mask. */
  shutdown?: number;
  mark?: number;
  classId?: number;
  cgroupId?: bigint;
  v6only?: boolean;
  sockopt?: string[];
  vegas?: Record<string, number>;
  dctcp?: Record<string, number>;
  bbr?: { bandwidth: bigint; minRtt: number; pacingGain: number; cwndGain: number };
  ulp?: { name?: string; tls?: Buffer; mptcp?: Buffer };
  bpfStorages?: { mapId?: number; value?: Buffer }[];
  /** The message as decoded (every attribute, unknown ones under $unknown). */
  raw: SockReply;
}

/** The request for one dump: family, protocol, states, extensions and the compiled filter. */
export function inetDumpCall(family: 'inet' | 'inet6', protocol: InetProtocol, states: SocketState[], ext: InetExtension[], bytecode: Buffer | undefined): Call<SockReply, SockReply[]> {
  const proto = IPPROTO[protocol];
  const call = opCall(inetDiag, 'getsock', 'dump', {
    sdiagFamily: AF[family],
    // MPTCP's number does not fit the u8: it goes in INET_DIAG_REQ_PROTOCOL
    sdiagProtocol: proto > 255 ? IPPROTO.tcp : proto,
    rawProtocol: protocol === 'raw' ? IPPROTO.raw : 0,
    idiagExt: ext,
    idiagStates: states,
    ...(bytecode ? { bytecode } : {}),
    ...(proto > 255 ? { protocol: proto } : {}),
  });
  return { ...call, decode: opDecoder(inetDiag, 'sock', 'do') } as Call<SockReply, SockReply[]>;
}

/** SOCK_DESTROY for one socket, named as the kernel finds it (addresses, ports, cookie). */
export function inetDestroyCall(s: Pick<InetSocket, 'family' | 'protocol' | 'local' | 'remote' | 'ifindex' | 'cookie'>) {
  const proto = IPPROTO[s.protocol];
  const parse = s.family === 'inet' ? parseIPv4 : parseIPv6;
  return opCall(inetDiag, 'destroy', 'do', {
    sdiagFamily: AF[s.family],
    sdiagProtocol: proto > 255 ? IPPROTO.tcp : proto,
    id: {
      sport: s.local.port, dport: s.remote.port,
      src: sockidAddress(parse, s.local.address, 'socket.local.address'), dst: sockidAddress(parse, s.remote.address, 'socket.remote.address'),
      if: s.ifindex, cookie: s.cookie,
    },
    ...(proto > 255 ? { protocol: proto } : {}),
  });
}

/** Field names of tcp_info without the prefix, worked out once. */
const tcpInfoKeys = new Map<string, string>();
const unprefixed = (k: string): string => {
  let v = tcpInfoKeys.get(k);
  if (v === undefined) tcpInfoKeys.set(k, (v = k.startsWith('tcpi') ? k[4].toLowerCase() + k.slice(5) : k));
  return v;
};

export function tcpInfo(t: TcpInfoStruct): TcpInfo {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(t)) if (k !== 'tcpiWscale' && k !== 'tcpiRateFlags' && k !== 'tail') out[unprefixed(k)] = v;
  // C bitfields fill a byte from its low bits on the little-endian ABIs nlkit runs on
  out.sndWscale = t.tcpiWscale & 0xf;
  out.rcvWscale = t.tcpiWscale >> 4;
  out.deliveryRateAppLimited = (t.tcpiRateFlags & 1) !== 0;
  out.fastopenClientFail = (t.tcpiRateFlags >> 1) & 3;
  out.tail = Buffer.from(t.tail);
  return out as TcpInfo;
}

const address = (fam: number, b: Buffer): string => (fam === AF.inet6 ? formatIPv6(b) : formatIPv4(b));

const plainStruct = <T>(v: T | Buffer | undefined): T | undefined => (v === undefined || Buffer.isBuffer(v) ? undefined : v);

/** A decoded reply as an InetSocket. */
export function inetSocket(m: SockReply, protocol: InetProtocol, names: Names): InetSocket {
  const id = m.id;
  const s: InetSocket = {
    family: m.idiagFamily === AF.inet6 ? 'inet6' : 'inet',
    protocol: m.protocol === IPPROTO.mptcp ? 'mptcp' : protocol,
    state: m.idiagState,
    local: { address: address(m.idiagFamily, id.src), port: id.sport },
    remote: { address: address(m.idiagFamily, id.dst), port: id.dport },
    ifindex: id.if,
    uid: m.idiagUid,
    inode: m.idiagInode,
    cookie: id.cookie,
    rqueue: m.idiagRqueue,
    wqueue: m.idiagWqueue,
    timer: { kind: m.idiagTimer, expires: m.idiagExpires, retrans: m.idiagRetrans },
    raw: m,
  };
  if (id.if) s.interface = names.ifname(id.if);
  const info = plainStruct(m.info);
  // MPTCP answers INET_DIAG_INFO with struct mptcp_info, another layout
  if (info && s.protocol === 'tcp') s.tcpInfo = tcpInfo(info);
  const mem = plainStruct(m.meminfo);
  if (mem) s.meminfo = { rmem: mem.idiagRmem, wmem: mem.idiagWmem, fmem: mem.idiagFmem, tmem: mem.idiagTmem };
  if (m.skmeminfo) s.skmeminfo = skMeminfo(m.skmeminfo);
  if (m.cong !== undefined) s.congestion = m.cong;
  if (m.tos !== undefined) s.tos = m.tos;
  if (m.tclass !== undefined) s.tclass = m.tclass;
  if (m.shutdown !== undefined) s.shutdown = m.shutdown;
  if (m.mark !== undefined) s.mark = m.mark;
  if (m.classId !== undefined) s.classId = m.classId;
  if (m.cgroupId !== undefined) s.cgroupId = m.cgroupId;
  if (m.skv6only !== undefined) s.v6only = m.skv6only !== 0;
  const opt = plainStruct(m.sockopt);
  if (opt) s.sockopt = [...opt.flags, ...opt.flags2].map(String);
  const vegas = plainStruct(m.vegasinfo);
  if (vegas) s.vegas = { enabled: vegas.tcpvEnabled, rttcnt: vegas.tcpvRttcnt, rtt: vegas.tcpvRtt, minrtt: vegas.tcpvMinrtt };
  const dctcp = plainStruct(m.dctcpinfo);
  if (dctcp) s.dctcp = { enabled: dctcp.dctcpEnabled, ceState: dctcp.dctcpCeState, alpha: dctcp.dctcpAlpha, abEcn: dctcp.dctcpAbEcn, abTot: dctcp.dctcpAbTot };
  const bbr = plainStruct(m.bbrinfo);
  if (bbr) s.bbr = { bandwidth: (BigInt(bbr.bbrBwHi) << 32n) | BigInt(bbr.bbrBwLo), minRtt: bbr.bbrMinRtt, pacingGain: bbr.bbrPacingGain, cwndGain: bbr.bbrCwndGain };
  if (m.ulpInfo) s.ulp = { name: m.ulpInfo.name, tls: m.ulpInfo.tls, mptcp: m.ulpInfo.mptcp };
  if (m.skBpfStorages) s.bpfStorages = (m.skBpfStorages.storage ?? []).map((x) => ({ mapId: x.mapId, value: x.mapValue }));
  return s;
}

/** An address given for a socket to destroy, as the 16 bytes of inet_diag_sockid. */
function sockidAddress(parse: (s: string) => Buffer | undefined, text: unknown, option: string): Buffer {
  const b = typeof text === 'string' ? parse(text) : undefined;
  if (!b) throw new NetlinkArgumentError(option, `must be an address, got ${JSON.stringify(text)}`);
  const out = Buffer.alloc(16);
  b.copy(out);
  return out;
}
