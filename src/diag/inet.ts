// inet_diag: the request for one family and protocol, and its replies as InetSocket objects.
import type { Call } from '../core/call.js';
import { reusingDecoder } from '../core/codec.js';
import type { RawMessage } from '../core/message.js';
import { formatIPv4, formatIPv6, parseIPv4, parseIPv6 } from '../core/display.js';
import { NetlinkArgumentError, NetlinkDecodeError } from '../core/errors.js';
import { opCall, opDecoder, type OpReply } from '../ynl/op-call.js';
import {
  description as inetDiag, type ExtEnum, type MptcpInfoStruct, type MptcpSubflowAttrsSet, type TcpInfoStruct, type Types as InetTypes,
} from '../ynl/families/sock_diag_inet.js';
import { Family } from '../ynl/family.js';
import { AF, IPPROTO, skMeminfo, type InetProtocol, type SkMeminfo, type SocketState } from './names.js';
import type { Names } from './context.js';
import { struct } from '../ynl/unread.js';
import { quote } from '../core/options.js';

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

/** struct mptcp_info with the `mptcpi_` prefix dropped; `flags` named (fallback, remote-key-received). */
export type MptcpInfo = {
  [K in keyof Omit<MptcpInfoStruct, 'tail'> as K extends `mptcpi${infer R}` ? Uncapitalize<R> : never]: MptcpInfoStruct[K];
} & {
  /** Bytes this kernel sent beyond the fields the spec describes. */
  tail: Buffer;
};

/** A TCP subflow of an MPTCP connection (INET_ULP_INFO_MPTCP): tokens, ids, mapping, flags by name. */
export type MptcpSubflow = Omit<MptcpSubflowAttrsSet, '$unknown'>;

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
  /** An MPTCP socket's INET_DIAG_INFO (struct mptcp_info, not tcp_info). */
  mptcpInfo?: MptcpInfo;
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
  ulp?: { name?: string; tls?: Buffer; mptcp?: MptcpSubflow };
  /** The socket's values in the BPF socket-storage maps the query named (`bpfStorages`), by map id. */
  bpfStorages?: { mapId?: number; value?: Buffer }[];
  /** The message as decoded (every attribute, unknown ones under $unknown). */
  raw: SockReply;
}

/**
 * The request for one dump: family, protocol, states, extensions, the compiled filter and BPF
 * storage maps. Each reply becomes its InetSocket as it arrives (see inetSocketOf); interface
 * names are added by the caller, in the namespace the dump ran in.
 */
export function inetDumpCall(family: 'inet' | 'inet6', protocol: InetProtocol, states: SocketState[], ext: InetExtension[], bytecode: Buffer | undefined, bpfMapFds?: number[]): Call<InetSocket, InetSocket[]> {
  const proto = IPPROTO[protocol];
  const { decode: _d, result: _r, ...call } = opCall(inetDiag, 'getsock', 'dump', {
    sdiagFamily: AF[family],
    // MPTCP's number does not fit the u8: it goes in INET_DIAG_REQ_PROTOCOL
    sdiagProtocol: proto > 255 ? IPPROTO.tcp : proto,
    rawProtocol: protocol === 'raw' ? IPPROTO.raw : 0,
    idiagExt: ext,
    idiagStates: states,
    ...(bytecode ? { bytecode } : {}),
    // the kernel copies each socket's value in these BPF_MAP_TYPE_SK_STORAGE maps into its reply
    ...(bpfMapFds?.length ? { skBpfStorages: { mapFd: bpfMapFds } } : {}),
    ...(proto > 255 ? { protocol: proto } : {}),
  });
  const decode = sockDecoder();
  return { ...call, decode: (m: RawMessage) => inetSocketOf(m, decode, protocol) };
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

/** Field names of tcp_info / mptcp_info without their prefix, worked out once. */
const unprefixedKeys = new Map<string, string>();
const unprefixed = (k: string, prefix: string): string => {
  let v = unprefixedKeys.get(k);
  if (v === undefined) unprefixedKeys.set(k, (v = k.startsWith(prefix) ? k[prefix.length].toLowerCase() + k.slice(prefix.length + 1) : k));
  return v;
};

export function tcpInfo(t: TcpInfoStruct): TcpInfo {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(t)) if (k !== 'tcpiWscale' && k !== 'tcpiRateFlags' && k !== 'tail') out[unprefixed(k, 'tcpi')] = v;
  // C bitfields fill a byte from its low bits on the little-endian ABIs nlkit runs on
  out.sndWscale = t.tcpiWscale & 0xf;
  out.rcvWscale = t.tcpiWscale >> 4;
  out.deliveryRateAppLimited = (t.tcpiRateFlags & 1) !== 0;
  out.fastopenClientFail = (t.tcpiRateFlags >> 1) & 3;
  out.tail = Buffer.from(t.tail);
  return out as TcpInfo;
}

// built on first use: a listing without MPTCP sockets does not pay for the family's tables
let mptcpInfoStruct: ReturnType<Family['struct']> | undefined;

/**
 * INET_DIAG_INFO of an MPTCP socket, read as struct mptcp_info. The reply's attribute is
 * described as tcp_info (what TCP sends); mptcp_info is shorter, so the codec keeps it as bytes.
 * Fewer bytes than the struct (an older kernel): none, the bytes stay in `raw`.
 */
export function mptcpInfo(b: Buffer): MptcpInfo | undefined {
  mptcpInfoStruct ??= Family.from(inetDiag).struct('mptcp-info');
  if (b.length < mptcpInfoStruct.size) return undefined;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(mptcpInfoStruct.decode(b, 0, b.length))) if (k !== 'tail') out[unprefixed(k, 'mptcpi')] = v;
  out.tail = Buffer.from(b.subarray(mptcpInfoStruct.size));
  return out as MptcpInfo;
}

const address = (fam: number, b: Buffer): string => (fam === AF.inet6 ? formatIPv6(b) : formatIPv4(b));


/** A decoded reply as an InetSocket. */
export function inetSocket(m: SockReply, protocol: InetProtocol, names: Names): InetSocket {
  const s = fill({ raw: m } as InetSocket, m, protocol);
  if (s.ifindex) s.interface = names.ifname(s.ifindex);
  return s;
}

/**
 * An InetSocket whose `raw` is decoded again from a copy of the message's bytes when read.
 * Why: a dump of 10,000 sockets then keeps one object per socket, not the decoded message
 * too (most of the GC's work in `nlkit ss`, which never reads `raw`).
 */
class InetSocketRecord {
  readonly #bytes: Buffer;
  #raw?: SockReply;
  constructor(bytes: Buffer) {
    this.#bytes = bytes;
  }
  /** The message as decoded (every attribute, unknown ones under $unknown). */
  get raw(): SockReply {
    return (this.#raw ??= rawOf(this.#bytes));
  }
}

let sockOp: ReturnType<Family['op']> | undefined;
const sockOpOf = () => (sockOp ??= Family.from(inetDiag).op('sock'));
let fullDecoder: ((m: RawMessage) => SockReply) | undefined;

function rawOf(bytes: Buffer): SockReply {
  fullDecoder ??= opDecoder(inetDiag, 'sock', 'do');
  return fullDecoder({ type: 20, flags: 0, seq: 0, portId: 0, sender: 0, group: 0, nsid: -1, buf: bytes, start: 0, end: bytes.length });
}

type HeadedDecoder = ReturnType<typeof reusingDecoder>;

/** A decoder of sock replies into one scratch object, for one dump (not shared: not re-entrant). */
function sockDecoder(): HeadedDecoder {
  const op = sockOpOf();
  return reusingDecoder(op.header, op.attrs);
}

/** One reply as an InetSocket: read through the dump's scratch object, its bytes kept for `raw`. */
function inetSocketOf(m: RawMessage, decode: HeadedDecoder, protocol: InetProtocol): InetSocket {
  const op = sockOpOf();
  if (m.end - m.start < op.headerSize) throw new NetlinkDecodeError(`sock_diag: ${m.end - m.start} bytes are shorter than inet_diag_msg (${op.headerSize})`, m.start);
  const scratch = decode(m.buf, m.start, m.end) as unknown as SockReply;
  return fill(new InetSocketRecord(Buffer.from(m.buf.subarray(m.start, m.end))) as unknown as InetSocket, scratch, protocol);
}

/** The message's fields written into s (whose `raw` is already there). */
function fill(s: InetSocket, m: SockReply, protocol: InetProtocol): InetSocket {
  const id = m.id;
  // stores, not Object.assign of a literal: no second object per socket
  s.family = m.idiagFamily === AF.inet6 ? 'inet6' : 'inet';
  s.protocol = m.protocol === IPPROTO.mptcp ? 'mptcp' : protocol;
  s.state = m.idiagState;
  s.local = { address: address(m.idiagFamily, id.src), port: id.sport };
  s.remote = { address: address(m.idiagFamily, id.dst), port: id.dport };
  s.ifindex = id.if;
  s.uid = m.idiagUid;
  s.inode = m.idiagInode;
  s.cookie = id.cookie;
  s.rqueue = m.idiagRqueue;
  s.wqueue = m.idiagWqueue;
  s.timer = { kind: m.idiagTimer, expires: m.idiagExpires, retrans: m.idiagRetrans };
  // MPTCP answers INET_DIAG_INFO with struct mptcp_info, another layout
  if (s.protocol === 'mptcp') {
    if (Buffer.isBuffer(m.info)) s.mptcpInfo = mptcpInfo(m.info);
  } else {
    const info = struct(m.info);
    if (info && s.protocol === 'tcp') s.tcpInfo = tcpInfo(info);
  }
  const mem = struct(m.meminfo);
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
  const opt = struct(m.sockopt);
  if (opt) s.sockopt = [...opt.flags, ...opt.flags2].map(String);
  const vegas = struct(m.vegasinfo);
  if (vegas) s.vegas = { enabled: vegas.tcpvEnabled, rttcnt: vegas.tcpvRttcnt, rtt: vegas.tcpvRtt, minrtt: vegas.tcpvMinrtt };
  const dctcp = struct(m.dctcpinfo);
  if (dctcp) s.dctcp = { enabled: dctcp.dctcpEnabled, ceState: dctcp.dctcpCeState, alpha: dctcp.dctcpAlpha, abEcn: dctcp.dctcpAbEcn, abTot: dctcp.dctcpAbTot };
  const bbr = struct(m.bbrinfo);
  if (bbr) s.bbr = { bandwidth: (BigInt(bbr.bbrBwHi) << 32n) | BigInt(bbr.bbrBwLo), minRtt: bbr.bbrMinRtt, pacingGain: bbr.bbrPacingGain, cwndGain: bbr.bbrCwndGain };
  if (m.ulpInfo) {
    const { $unknown: _, ...mptcp } = m.ulpInfo.mptcp ?? {};
    s.ulp = { name: m.ulpInfo.name, tls: m.ulpInfo.tls, ...(m.ulpInfo.mptcp ? { mptcp } : {}) };
  }
  if (m.skBpfStorages) s.bpfStorages = (m.skBpfStorages.storage ?? []).map((x) => ({ mapId: x.mapId, value: x.mapValue }));
  return s;
}

/** An address given for a socket to destroy, as the 16 bytes of inet_diag_sockid. */
function sockidAddress(parse: (s: string) => Buffer | undefined, text: unknown, option: string): Buffer {
  const b = typeof text === 'string' ? parse(text) : undefined;
  if (!b) throw new NetlinkArgumentError(option, `must be an address, got ${quote(text)}`);
  const out = Buffer.alloc(16);
  b.copy(out);
  return out;
}
