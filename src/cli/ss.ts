// `nlkit ss`: sockets as iproute2's ss lists them (columns, flags, state and port filters),
// through nlkit/diag; -j prints the domain objects as JSON.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { SocketDiag, type Socket } from '../diag/sockets.js';
import type { InetSocket, MptcpInfo, MptcpSubflow, TcpInfo } from '../diag/inet.js';
import type { NetlinkSocketInfo, PacketSocket, UnixSocket } from '../diag/local.js';
import { DEFAULT_SS_STATES, SS_STATE_NAMES, STATES, type InetProtocol, type SocketState } from '../diag/names.js';
import { processesBySocket, type SocketUser } from '../diag/procs.js';
import { NetlinkArgumentError, NetlinkError } from '../core/errors.js';
import { parseArgs, UsageError, type OptionSpec } from './args.js';
import { type CommandGroup, type Context, HelpRequest, printJson } from './command.js';
import { parseSsExpression } from './ss-filter.js';
import { Connection } from '../core/connection.js';
import { NETLINK_ROUTE } from '../core/constants.js';
import { Scope } from '../route/context.js';
import { llProtoText } from '../tc/ethertypes.js';

const OPTIONS: readonly OptionSpec[] = [
  { name: 'tcp', short: 't', type: 'boolean', description: 'TCP sockets' },
  { name: 'udp', short: 'u', type: 'boolean', description: 'UDP sockets' },
  { name: 'raw', short: 'w', type: 'boolean', description: 'raw sockets' },
  { name: 'unix', short: 'x', type: 'boolean', description: 'unix domain sockets' },
  { name: 'mptcp', short: 'M', type: 'boolean', description: 'MPTCP sockets' },
  { name: 'packet', short: '0', type: 'boolean', description: 'packet sockets' },
  { name: 'family', short: 'f', type: 'string', repeat: true, description: 'inet, inet6, unix, netlink, packet (link)' },
  { name: 'ipv4', short: '4', type: 'boolean', description: 'IPv4 only' },
  { name: 'ipv6', short: '6', type: 'boolean', description: 'IPv6 only' },
  { name: 'listening', short: 'l', type: 'boolean', description: 'listening (and unconnected) sockets only' },
  { name: 'all', short: 'a', type: 'boolean', description: 'sockets in every state' },
  { name: 'numeric', short: 'n', type: 'boolean', description: 'ports as numbers, not service names' },
  { name: 'extended', short: 'e', type: 'boolean', description: 'uid, inode, cookie, mark, cgroup, shutdown' },
  { name: 'memory', short: 'm', type: 'boolean', description: 'socket memory (skmem)' },
  { name: 'info', short: 'i', type: 'boolean', description: 'TCP internals (tcp_info)' },
  { name: 'options', short: 'o', type: 'boolean', description: 'timers; with -i, the TCP options negotiated (ts, sack...)' },
  { name: 'processes', short: 'p', type: 'boolean', description: 'the processes holding each socket (/proc)' },
  { name: 'kill', short: 'K', type: 'boolean', description: 'close the inet sockets listed (SOCK_DESTROY)' },
  { name: 'no-header', short: 'H', type: 'boolean', description: 'no header line' },
  { name: 'net', short: 'N', type: 'string', description: 'look in network namespace NAME' },
  { name: 'json', short: 'j', type: 'boolean', description: 'print the sockets as JSON' },
  { name: 'pretty', type: 'boolean', description: 'indent the JSON' },
  { name: 'help', short: 'h', type: 'boolean', description: 'print help and exit' },
];

const USAGE = `Usage: nlkit ss [OPTIONS] [ FILTER ]
  FILTER := [ state STATE-FILTER ] [ exclude STATE-FILTER ] [ EXPRESSION ]
  STATE-FILTER := established | syn-sent | syn-recv | fin-wait-1 | fin-wait-2 | time-wait | closed |
                  close-wait | last-ack | listening | closing | all | connected | synchronized | bucket | big
  EXPRESSION := { sport | dport } [ OP ] [:]PORT | { src | dst } ADDR[/LEN][:PORT] |
                dev [ = | != ] { NAME | INDEX } | fwmark [ = | != ] MARK[/MASK] |
                not EXPRESSION | EXPRESSION [ and | or ] EXPRESSION | ( EXPRESSION )
  OP := = | != | < | <= | > | >= | eq | ne | lt | le | gt | ge

${OPTIONS.map((o) => `  ${o.short ? `-${o.short}, ` : '    '}--${o.name}${o.type === 'string' ? ' VALUE' : ''}`.padEnd(26) + (o.description ?? '')).join('\n')}

Without a protocol option, every kind is listed (as ss does). The filter runs in the kernel
(inet_diag bytecode). -j prints the sockets nlkit/diag returns, 64-bit values as strings.
`;

type Kind = InetProtocol | 'unix' | 'netlink' | 'packet';
/** ss's order of socket kinds. */
const KIND_ORDER: readonly Kind[] = ['netlink', 'packet', 'unix', 'raw', 'udp', 'tcp', 'mptcp'];

interface Row {
  netid: string;
  state: string;
  recvq: string;
  sendq: string;
  local: [string, string];
  peer: [string, string];
  process: string;
  /** Lines shown under the row (-m, -i, packet -e), each after a tab. */
  more: string[];
}

// ---- names of ports, protocols, cgroups --------------------------------------------------

let serviceNames: Map<string, string> | undefined;
function serviceName(port: number, proto: string): string {
  if (!serviceNames) {
    serviceNames = new Map();
    const add = (file: string, re: RegExp, key: (m: RegExpExecArray) => string) => {
      try {
        for (const line of readFileSync(file, 'utf8').split('\n')) {
          const m = re.exec(line);
          if (m && !serviceNames!.has(key(m))) serviceNames!.set(key(m), m[1]);
        }
      } catch {
        // no such file: numbers
      }
    };
    add('/etc/services', /^([^\s#]+)\s+(\d+)\/(\w+)/, (m) => `${m[2]}/${m[3]}`);
    add('/etc/protocols', /^([^\s#]+)\s+(\d+)/, (m) => `${m[2]}/raw`);
  }
  return serviceNames.get(`${port}/${proto}`) ?? String(port);
}

let cgroupRoot: string | null | undefined;
const cgroupPaths = new Map<bigint, string>();
/** A cgroup v2 id as its path (the id is the directory's inode), as ss -e shows it. */
function cgroupPath(id: bigint): string {
  if (cgroupRoot === undefined) {
    cgroupRoot = null;
    try {
      for (const line of readFileSync('/proc/mounts', 'utf8').split('\n')) {
        const f = line.split(' ');
        if (f[2] === 'cgroup2') { cgroupRoot = f[1]; break; }
      }
    } catch {
      // no /proc
    }
    if (cgroupRoot) {
      const walk = (dir: string, rel: string): void => {
        try {
          cgroupPaths.set(statSync(dir, { bigint: true }).ino, rel || '/');
          for (const e of readdirSync(dir, { withFileTypes: true })) if (e.isDirectory()) walk(`${dir}/${e.name}`, `${rel}/${e.name}`);
        } catch {
          // gone meanwhile
        }
      };
      walk(cgroupRoot, '');
    }
  }
  return cgroupPaths.get(id) ?? `unreachable:${id.toString(16)}`;
}

// ---- columns ---------------------------------------------------------------------------

const g = (v: number): string => String(Number(v.toPrecision(6)));

function inetAddress(s: InetSocket, side: 'local' | 'remote', numeric: boolean): [string, string] {
  const e = s[side];
  const any = e.address === '0.0.0.0' || e.address === '::';
  // ss writes '*' for the IPv6 wildcard of a dual-stack socket, '[::]' for a v6-only one
  let addr = s.family === 'inet6' ? (e.address === '::' && !s.v6only ? '*' : `[${e.address}]`) : e.address;
  if (side === 'local' && s.interface) addr += `%${s.interface}`;
  const proto = s.protocol === 'mptcp' ? 'tcp' : s.protocol === 'udplite' ? 'udp' : s.protocol;
  const port = e.port === 0 && (side === 'remote' || any) && s.protocol !== 'raw' ? '*' : numeric ? String(e.port) : serviceName(e.port, proto);
  return [addr, port];
}

const shutdownArrow = (v: number): string => `${v & 1 ? '-' : '<'}-${v & 2 ? '-' : '>'}`;

function skmem(m: NonNullable<InetSocket['skmeminfo']>): string {
  return `skmem:(r${m.rmemAlloc},rb${m.rcvbuf},t${m.wmemAlloc},tb${m.sndbuf},f${m.fwdAlloc},w${m.wmemQueued},o${m.optmem},bl${m.backlog},d${m.drops})`;
}

/** tcp_info as ss -i prints it (tcp_show_info of iproute2's ss), field by field in its order. */
function tcpInfoText(s: InetSocket, t: TcpInfo, showOptions: boolean): string {
  const out: string[] = [];
  const opts = showOptions ? (t.options as string[]) : [];
  if (opts.includes('timestamps')) out.push('ts');
  if (opts.includes('sack')) out.push('sack');
  if (opts.includes('ecn')) out.push('ecn');
  if (opts.includes('ecn-seen')) out.push('ecnseen');
  if (opts.includes('syn-data')) out.push('fastopen');
  if (s.congestion) out.push(s.congestion);
  if ((t.options as string[]).includes('wscale')) out.push(`wscale:${t.sndWscale},${t.rcvWscale}`);
  if (t.rto) out.push(`rto:${g(t.rto / 1000)}`);
  if (t.backoff) out.push(`backoff:${t.backoff}`);
  if (t.rtt) out.push(`rtt:${g(t.rtt / 1000)}/${g(t.rttvar / 1000)}`);
  if (t.ato) out.push(`ato:${g(t.ato / 1000)}`);
  if (t.sndMss) out.push(`mss:${t.sndMss}`);
  if (t.pmtu) out.push(`pmtu:${t.pmtu}`);
  if (t.rcvMss) out.push(`rcvmss:${t.rcvMss}`);
  if (t.advmss) out.push(`advmss:${t.advmss}`);
  if (t.sndCwnd) out.push(`cwnd:${t.sndCwnd}`);
  if (t.sndSsthresh && t.sndSsthresh < 0xffff) out.push(`ssthresh:${t.sndSsthresh}`);
  const counters: [keyof TcpInfo, string][] = [
    ['bytesSent', 'bytes_sent'], ['bytesRetrans', 'bytes_retrans'], ['bytesAcked', 'bytes_acked'], ['bytesReceived', 'bytes_received'],
    ['segsOut', 'segs_out'], ['segsIn', 'segs_in'], ['dataSegsOut', 'data_segs_out'], ['dataSegsIn', 'data_segs_in'],
  ];
  for (const [k, label] of counters) if (t[k]) out.push(`${label}:${t[k]}`);
  if (s.bbr) {
    let b = `bbr:(bw:${(s.bbr.bandwidth * 8n).toString()}bps,mrtt:${g(s.bbr.minRtt / 1000)}`;
    if (s.bbr.pacingGain) b += `,pacing_gain:${g(s.bbr.pacingGain / 256)}`;
    if (s.bbr.cwndGain) b += `,cwnd_gain:${g(s.bbr.cwndGain / 256)}`;
    out.push(b + ')');
  }
  if (t.rtt && t.sndCwnd) out.push(`send ${((t.sndCwnd * t.sndMss * 8e6) / t.rtt).toFixed(0)}bps`);
  if (t.lastDataSent) out.push(`lastsnd:${t.lastDataSent}`);
  if (t.lastDataRecv) out.push(`lastrcv:${t.lastDataRecv}`);
  if (t.lastAckRecv) out.push(`lastack:${t.lastAckRecv}`);
  const NONE = 0xffffffffffffffffn;
  if (t.pacingRate && t.pacingRate !== NONE) {
    let p = `pacing_rate ${(t.pacingRate * 8n).toString()}bps`;
    if (t.maxPacingRate && t.maxPacingRate !== NONE) p += `/${(t.maxPacingRate * 8n).toString()}bps`;
    out.push(p);
  }
  if (t.deliveryRate) out.push(`delivery_rate ${(t.deliveryRate * 8n).toString()}bps`);
  if (t.delivered) out.push(`delivered:${t.delivered}`);
  if (t.deliveredCe) out.push(`delivered_ce:${t.deliveredCe}`);
  if (t.deliveryRateAppLimited) out.push('app_limited');
  if (t.busyTime) out.push(`busy:${t.busyTime / 1000n}ms`);
  if (t.unacked) out.push(`unacked:${t.unacked}`);
  if (t.retrans || t.totalRetrans) out.push(`retrans:${t.retrans}/${t.totalRetrans}`);
  if (t.lost) out.push(`lost:${t.lost}`);
  if (t.sacked && s.state !== 'listen') out.push(`sacked:${t.sacked}`);
  if (t.dsackDups) out.push(`dsack_dups:${t.dsackDups}`);
  if (t.fackets) out.push(`fackets:${t.fackets}`);
  if (t.reordering !== 3) out.push(`reordering:${t.reordering}`);
  if (t.reordSeen) out.push(`reord_seen:${t.reordSeen}`);
  if (t.rcvRtt) out.push(`rcv_rtt:${g(t.rcvRtt / 1000)}`);
  if (t.rcvSpace) out.push(`rcv_space:${t.rcvSpace}`);
  if (t.rcvSsthresh) out.push(`rcv_ssthresh:${t.rcvSsthresh}`);
  if (t.notsentBytes) out.push(`notsent:${t.notsentBytes}`);
  if (t.minRtt) out.push(`minrtt:${g(t.minRtt / 1000)}`);
  if (t.rcvOoopack) out.push(`rcv_ooopack:${t.rcvOoopack}`);
  if (t.sndWnd) out.push(`snd_wnd:${t.sndWnd}`);
  if (s.ulp?.name) out.push(`tcp-ulp-${s.ulp.name}`);
  if (s.ulp?.mptcp) out.push(...subflowWords(s.ulp.mptcp));
  return out.join(' ');
}

/** MPTCP_SUBFLOW_FLAG_* as ss's letters, in its order. */
const SUBFLOW_LETTERS: [string, string][] = [
  ['mcap-rem', 'M'], ['mcap-loc', 'm'], ['join-rem', 'J'], ['join-loc', 'j'], ['bkup-rem', 'B'], ['bkup-loc', 'b'],
  ['fully-established', 'e'], ['connected', 'c'], ['mapvalid', 'v'],
];

/** A TCP subflow's MPTCP state as ss -i prints it after tcp-ulp-mptcp. */
function subflowWords(sf: MptcpSubflow): string[] {
  const out: string[] = [];
  const flags = (sf.flags ?? []).map(String);
  const letters = SUBFLOW_LETTERS.filter(([f]) => flags.includes(f)).map(([, l]) => l).join('');
  if (letters) out.push(`flags:${letters}`);
  const hex = (v: number | bigint) => v.toString(16);
  if (sf.tokenRem !== undefined && sf.tokenLoc !== undefined && sf.idRem !== undefined && sf.idLoc !== undefined)
    out.push(`token:${hex(sf.tokenRem).padStart(4, '0')}(id:${sf.idRem})/${hex(sf.tokenLoc).padStart(4, '0')}(id:${sf.idLoc})`);
  if (sf.mapSeq !== undefined) out.push(`seq:${hex(sf.mapSeq)}`);
  if (sf.mapSfseq !== undefined) out.push(`sfseq:${hex(sf.mapSfseq)}`);
  if (sf.ssnOffset !== undefined) out.push(`ssnoff:${hex(sf.ssnOffset)}`);
  if (sf.mapDatalen !== undefined) out.push(`maplen:${hex(sf.mapDatalen)}`);
  return out;
}

/** struct mptcp_info as iproute2 6.1's ss -i prints it (counts, flags, token and sequence numbers in hex). */
function mptcpInfoText(m: MptcpInfo): string {
  const out: string[] = [];
  const counts: [keyof MptcpInfo, string][] = [
    ['subflows', 'subflows'], ['addAddrSignal', 'add_addr_signal'], ['addAddrAccepted', 'add_addr_accepted'], ['subflowsMax', 'subflows_max'],
    ['addAddrSignalMax', 'add_addr_signal_max'], ['addAddrAcceptedMax', 'add_addr_accepted_max'],
  ];
  for (const [k, label] of counts) if (m[k]) out.push(`${label}:${m[k]}`);
  if (m.flags.includes('fallback')) out.push('fallback');
  if (m.flags.includes('remote-key-received')) out.push('remote_key');
  if (m.token) out.push(`token:${m.token.toString(16)}`);
  if (m.writeSeq) out.push(`write_seq:${m.writeSeq.toString(16)}`);
  if (m.sndUna) out.push(`snd_una:${m.sndUna.toString(16)}`);
  if (m.rcvNxt) out.push(`rcv_nxt:${m.rcvNxt.toString(16)}`);
  return out.join(' ');
}

function users(list: SocketUser[] | undefined): string {
  return list?.length ? `users:(${list.map((u) => `("${u.command}",pid=${u.pid},fd=${u.fd})`).join(',')})` : '';
}

interface View {
  numeric: boolean;
  extended: boolean;
  memory: boolean;
  info: boolean;
  options: boolean;
  procs?: Map<number, SocketUser[]>;
}

function details(uid: number | undefined, inode: number, cookie: bigint, mark?: number, cgroup?: bigint): string[] {
  const out: string[] = [];
  if (uid) out.push(`uid:${uid}`);
  out.push(`ino:${inode}`, `sk:${cookie.toString(16)}`);
  if (mark) out.push(`fwmark:0x${mark.toString(16)}`);
  if (cgroup) out.push(`cgroup:${cgroupPath(cgroup)}`);
  return out;
}

const stateColumn = (s: SocketState | number): string => (typeof s === 'string' ? SS_STATE_NAMES[s].column : `UNKNOWN(${s})`);

/** ss's names of the timer kinds, by the spec's. */
const TIMER_NAMES: Record<string, string> = { on: 'on', keepalive: 'keepalive', 'time-wait': 'timewait', persist: 'persist' };

/** A time left as ss's print_ms_timer writes it: 59min, 4.200ms, 12sec, 340ms. */
function msTimer(timeout: number): string {
  const minutes = Math.floor(timeout / 60000);
  let secs = Math.floor(timeout / 1000) % 60;
  let msecs = timeout % 1000;
  let out = '';
  if (minutes) {
    msecs = 0;
    out += `${minutes}min`;
    if (minutes > 9) secs = 0;
  }
  if (secs) {
    if (secs > 9) msecs = 0;
    out += `${secs}${msecs ? '.' : 'sec'}`;
  }
  if (msecs) out += String(msecs).padStart(3, '0') + 'ms';
  return out;
}

/** Rows with nothing under them share this (render only reads it). */
const NO_MORE: string[] = [];

function inetRow(s: InetSocket, v: View): Row {
  // the plain listing (no -p -o -e -m -i) builds no arrays: 10,000 rows are that many fewer
  let process = v.procs ? users(v.procs.get(s.inode)) : '';
  let more = NO_MORE;
  if (v.options || v.extended || v.memory || v.info) {
    const words = [process];
    // -o or -e: the pending timer, its time left and retransmissions
    if ((v.options || v.extended) && s.timer.kind !== 'none' && s.timer.kind !== 0)
      words.push(`timer:(${TIMER_NAMES[String(s.timer.kind)] ?? 'unknown'},${msTimer(s.timer.expires)},${s.timer.retrans})`);
    if (v.extended) {
      words.push(...details(s.uid, s.inode, s.cookie, s.mark, s.cgroupId));
      if (s.family === 'inet6' && s.v6only !== undefined) words.push(`v6only:${s.v6only ? 1 : 0}`);
      if (s.shutdown !== undefined) words.push(shutdownArrow(s.shutdown));
    }
    process = words.filter(Boolean).join(' ');
    const under: string[] = [];
    if (v.memory && s.skmeminfo) under.push(skmem(s.skmeminfo));
    if (v.info) under.push(s.tcpInfo ? tcpInfoText(s, s.tcpInfo, v.options) : s.mptcpInfo ? mptcpInfoText(s.mptcpInfo) : s.congestion ?? '');
    if (under.some(Boolean)) more = [` ${under.filter(Boolean).join(' ')}`];
  }
  return {
    netid: s.protocol === 'udplite' ? 'udpl' : s.protocol, state: stateColumn(s.state), recvq: String(s.rqueue), sendq: String(s.wqueue),
    local: inetAddress(s, 'local', v.numeric), peer: inetAddress(s, 'remote', v.numeric), process, more,
  };
}

const UNIX_NETID: Record<string, string> = { stream: 'u_str', dgram: 'u_dgr', seqpacket: 'u_seq' };

function unixRow(s: UnixSocket, v: View): Row {
  // ss -m and -e add to the Process column here: memory, then shutdown, the file's inode and
  // device, and a listener's pending connections
  const process = [users(v.procs?.get(s.inode))];
  if (v.memory && s.meminfo) process.push(skmem(s.meminfo));
  if (v.extended) {
    if (s.shutdown !== undefined) process.push(shutdownArrow(s.shutdown));
    // the kernel's dev_t split with glibc's major()/minor(), as ss prints it
    if (s.vfs) process.push(`ino:${s.vfs.inode} dev:${(s.vfs.dev >>> 8) & 0xfff}/${((s.vfs.dev & 0xff) | ((s.vfs.dev >>> 12) & ~0xff)) >>> 0}`);
    if (s.pending) process.push(['peers:', ...s.pending].join(' '));
  }
  return {
    netid: UNIX_NETID[String(s.type)] ?? `u_${s.type}`, state: stateColumn(s.state), recvq: String(s.rqueue ?? 0), sendq: String(s.wqueue ?? 0),
    // ss shows an abstract name's NUL bytes as '@', and no peer's name
    local: [s.path?.replace(/\0/g, '@') ?? '*', String(s.inode)], peer: ['*', String(s.peer)],
    process: process.filter(Boolean).join(' '), more: [],
  };
}

function commOf(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return undefined;
  }
}

/** Who holds a netlink port, as ss names it: the kernel, `command/pid` for a process's own port, else the id. */
function portOwner(portid: number): string {
  if (portid === 0) return 'kernel';
  const comm = portid < 0x80000000 ? commOf(portid) : undefined;
  // autobound ids above 2^31 print as ss's signed int
  return comm ? `${comm}/${portid}` : String(portid | 0);
}

function netlinkRow(s: NetlinkSocketInfo, v: View): Row {
  const process = [users(v.procs?.get(s.inode))];
  // ss -e: kernel pointers it has no value for (0) and the first 32 groups as a mask
  if (v.extended) process.push(`sk=0 cb=0 groups=0x${groupMask(s.groups ?? []).toString(16).padStart(8, '0')}`);
  // ss -m: on the same line, after a tab
  if (v.memory && s.meminfo) process.push(`\t ${skmem(s.meminfo)}`);
  return {
    netid: 'nl', state: stateColumn(s.state), recvq: String(s.meminfo?.rmemAlloc ?? 0), sendq: String(s.meminfo?.wmemAlloc ?? 0),
    local: [String(s.protocol), portOwner(s.portid)], peer: ['*', ''], process: process.filter(Boolean).join(' '), more: [],
  };
}

const groupMask = (groups: number[]): number => groups.filter((g) => g <= 32).reduce((m, g) => (m | (1 << (g - 1))) >>> 0, 0);


const FANOUT_TYPES = ['hash', 'lb', 'cpu', 'roller', 'random', 'qm', 'cbpf', 'ebpf'];

function packetRow(s: PacketSocket, v: View): Row {
  const process = [users(v.procs?.get(s.inode))];
  if (v.extended) process.push(...details(s.uid, s.inode, s.cookie));
  // ss -e adds the socket's setup and fanout group on lines of their own; -m goes on the last line
  const more: string[] = [];
  if (v.extended && s.info) more.push(`ver:${s.info.version} cpy_thresh:${s.info.copyThresh} flags(${s.info.flags.map((f) => ` ${f}`).join('')} )`);
  if (v.extended && s.fanout) more.push(`fanout(id:${s.fanout.id},type:${FANOUT_TYPES[s.fanout.type] ?? s.fanout.type})`);
  if (v.memory && s.meminfo) {
    if (more.length) more[more.length - 1] += ` ${skmem(s.meminfo)}`;
    else process.push(skmem(s.meminfo));
  }
  const proto = s.protocol === 3 ? '*' : llProtoText(s.protocol);
  return {
    netid: s.type === 'dgram' ? 'p_dgr' : 'p_raw', state: 'UNCONN', recvq: String(s.meminfo?.rmemAlloc ?? 0), sendq: '0',
    local: [proto, s.ifindex ? s.interface ?? String(s.ifindex) : '*'], peer: ['*', ''], process: process.filter(Boolean).join(' '), more,
  };
}

const HEAD: Row = { netid: 'Netid', state: 'State', recvq: 'Recv-Q', sendq: 'Send-Q', local: ['Local Address', 'Port'], peer: ['Peer Address', 'Port'], process: 'Process', more: [] };
const isUnixNetid = (n: string): boolean => n === 'u_str' || n === 'u_dgr' || n === 'u_seq';

/**
 * The rows as columns: widths from the widest cell, addresses right-aligned against their
 * ports. One pass for the widths, one building the text: 10,000 rows are a few ms of string
 * work, not the spread of every cell into Math.max (which cost tens of ms and the GC).
 */
function render(rows: Row[], showNetid: boolean, showState: boolean, header: boolean): string {
  let wNetid = 0, wState = 0, wR = 0, wS = 0, wLa = 0, wLp = 0, wPa = 0, wPp = 0;
  const widen = (r: Row): void => {
    if (r.netid.length > wNetid) wNetid = r.netid.length;
    if (r.state.length > wState) wState = r.state.length;
    if (r.recvq.length > wR) wR = r.recvq.length;
    if (r.sendq.length > wS) wS = r.sendq.length;
    if (r.local[0].length > wLa) wLa = r.local[0].length;
    if (r.local[1].length > wLp) wLp = r.local[1].length;
    if (r.peer[0].length > wPa) wPa = r.peer[0].length;
    if (r.peer[1].length > wPp) wPp = r.peer[1].length;
  };
  if (header) widen(HEAD);
  for (const r of rows) widen(r);
  const sep = (r: Row, pair: [string, string]): string => (r === HEAD || pair[1] !== '' ? (isUnixNetid(r.netid) ? ' ' : ':') : ' ');
  let out = '';
  const line = (r: Row): void => {
    let l = '';
    if (showNetid) l += r.netid.padEnd(wNetid) + ' ';
    if (showState) l += r.state.padEnd(wState) + ' ';
    l += r.recvq.padEnd(wR) + ' ' + r.sendq.padEnd(wS) + ' ' +
      r.local[0].padStart(wLa) + sep(r, r.local) + r.local[1].padEnd(wLp) + ' ' + r.peer[0].padStart(wPa) + sep(r, r.peer);
    // a row ending in its peer port needs no trimming (most rows of a plain listing)
    out += (r.process === '' && r.peer[1] !== '' ? l + r.peer[1] : (l + r.peer[1].padEnd(wPp) + ' ' + r.process).trimEnd()) + '\n';
    for (const m of r.more) out += `\t${m}\n`;
  };
  if (header) line(HEAD);
  for (const r of rows) line(r);
  return out;
}

/** JSON of the domain objects: bigints as decimal strings, bytes as hex, `raw` left out. */
function jsonOf(s: Socket): unknown {
  return JSON.parse(JSON.stringify({ ...s, raw: undefined }, (_k, v) => (typeof v === 'bigint' ? v.toString() : v?.type === 'Buffer' && Array.isArray(v.data) ? Buffer.from(v.data).toString('hex') : v)));
}

/**
 * ss's default states per kind (its default_dbs table): what a listing shows without -a, -l
 * or a state filter. Unix datagram sockets count as connected ones there too.
 */
const KIND_STATES: Record<Kind, readonly SocketState[]> = {
  tcp: DEFAULT_SS_STATES, mptcp: DEFAULT_SS_STATES, udp: ['established'], udplite: ['established'], raw: ['established'],
  unix: DEFAULT_SS_STATES, netlink: ['close'], packet: ['close'],
};
/** How many of ss's socket tables a kind is (unix: stream, dgram, seqpacket; packet: raw, dgram). */
const KIND_TABLES: Record<Kind, number> = { tcp: 1, mptcp: 1, udp: 1, udplite: 1, raw: 1, unix: 3, netlink: 1, packet: 2 };

function kindsOf(o: Record<string, unknown>): { kinds: Kind[]; families: ('inet' | 'inet6')[]; chosen: boolean; named: Set<Kind> } {
  const kinds = new Set<Kind>();
  if (o.tcp) kinds.add('tcp');
  if (o.udp) kinds.add('udp');
  if (o.raw) kinds.add('raw');
  if (o.mptcp) kinds.add('mptcp');
  if (o.unix) kinds.add('unix');
  if (o.packet) kinds.add('packet');
  /** Kinds asked for by their own flag (not through a family). */
  const named = new Set(kinds);
  let families: ('inet' | 'inet6')[] = ['inet', 'inet6'];
  if (o.ipv4 && !o.ipv6) families = ['inet'];
  if (o.ipv6 && !o.ipv4) families = ['inet6'];
  for (const f of (o.family as string[] | undefined) ?? []) {
    if (f === 'inet' || f === 'inet6') {
      families = [f];
      if (![...kinds].some((k) => k === 'tcp' || k === 'udp' || k === 'raw' || k === 'mptcp')) ['raw', 'udp', 'tcp'].forEach((k) => kinds.add(k as Kind));
    } else if (f === 'unix' || f === 'netlink' || f === 'packet') kinds.add(f);
    else if (f === 'link') kinds.add('packet');
    else throw new UsageError(`"${f}" is not a family (inet, inet6, unix, netlink, packet, link)`);
  }
  const chosen = kinds.size > 0;
  if (!chosen) ['unix', 'raw', 'udp', 'tcp', ...(o.ipv4 || o.ipv6 ? [] : ['netlink', 'packet'])].forEach((k) => kinds.add(k as Kind));
  if (o.ipv4 || o.ipv6) ['unix', 'netlink', 'packet'].forEach((k) => { if (!(o.family as string[] | undefined)?.includes(k)) kinds.delete(k as Kind); });
  return { kinds: KIND_ORDER.filter((k) => kinds.has(k)), families, chosen, named };
}

async function run(argv: readonly string[], ctx: Context): Promise<number> {
  // '-0' reads as a negative number to the parser: it is ss's packet option
  const { options: o, positionals } = parseArgs(argv.map((a) => (a === '-0' ? '--packet' : a)), OPTIONS);
  if (o.help) throw new HelpRequest('help');
  // the filter may come as one word or many: '( dport = :22 )' or ( dport = :22 )
  // device names resolve in the namespace listed, on a socket opened only if the filter names one
  let links: Scope | undefined;
  const ifindex = (dev: string): number => {
    links ??= new Scope(new Connection(NETLINK_ROUTE, o.net ? { netns: o.net as string } : {}));
    try {
      return links.ifindex(dev, 'dev');
    } catch (e) {
      throw e instanceof NetlinkArgumentError ? new UsageError(e.message) : e;
    }
  };
  let expr: ReturnType<typeof parseSsExpression>;
  try {
    expr = parseSsExpression(positionals.join(' ').replace(/([()])/g, ' $1 ').split(/\s+/).filter(Boolean), ifindex);
  } finally {
    links?.conn.close();
  }
  const { kinds, families, chosen, named } = kindsOf(o);
  // as ss: the states asked for, else those of the kinds listed (connected ones for a plain `ss`)
  const defaults = chosen ? STATES.filter((s) => kinds.some((k) => KIND_STATES[k].includes(s))) : DEFAULT_SS_STATES;
  const base: readonly SocketState[] = o.all ? STATES : o.listening ? ['listen', 'close'] : defaults;
  const states = (expr.states ?? (expr.exclude.length && !o.all && !o.listening ? STATES : base)).filter((s) => !expr.exclude.includes(s));
  if (!states.length) return 0;
  const diag = new SocketDiag(o.net ? { netns: o.net as string } : {});
  const view: View = { numeric: !!o.numeric, extended: !!o.extended, memory: !!o.memory, info: !!o.info, options: !!o.options };
  try {
    const sockets: Socket[] = [];
    const inetKinds = kinds.filter((k): k is InetProtocol => k !== 'unix' && k !== 'netlink' && k !== 'packet');
    const extensions = [...(o.memory ? ['skmeminfo' as const] : []), ...(o.info ? ['info' as const, 'cong' as const, 'vegasinfo' as const] : []), ...(o.extended || o.kill ? ['shutdown' as const] : [])];
    for (const k of kinds) {
      if (expr.filter && !inetKinds.includes(k as InetProtocol)) continue; // ss applies port/address filters to inet sockets only
      if (k === 'unix' || k === 'netlink' || k === 'packet') {
        const found = diag.listSocketsSync({ family: k, states: k === 'unix' ? states : undefined });
        // the kernel filters unix sockets by state; ss filters netlink ones itself, and counts packet sockets as closed
        sockets.push(...found.filter((x) => x.family === 'unix' || states.includes(x.family === 'netlink' ? (x.state as SocketState) : 'close')));
      } else {
        try {
          sockets.push(...diag.listSocketsSync({ family: families, protocol: k, states, filter: expr.filter, extensions }));
        } catch (e) {
          // a protocol this kernel has no sock_diag handler for (raw_diag, mptcp_diag not built):
          // nothing to list; said when the protocol was asked for by its own flag
          if (!(e instanceof NetlinkError && e.code === 'ENOENT')) throw e;
          if (named.has(k)) ctx.err(`nlkit: ss: this kernel cannot list ${k} sockets (no ${k} sock_diag handler)\n`);
        }
      }
    }
    if (o.kill) {
      const killed: Socket[] = [];
      for (const s of sockets) {
        if (s.family !== 'inet' && s.family !== 'inet6') continue;
        try {
          diag.destroySocketSync(s);
          killed.push(s);
        } catch (e) {
          if (e instanceof NetlinkArgumentError) throw e;
          ctx.err(`nlkit: ss: ${s.protocol} ${s.local.address}:${s.local.port}: ${(e as Error).message}\n`);
        }
      }
      sockets.splice(0, sockets.length, ...killed);
    }
    if (o.json || ctx.json) {
      printJson({ ...ctx, pretty: ctx.pretty || !!o.pretty }, sockets.map(jsonOf));
      return 0;
    }
    if (o.processes) view.procs = processesBySocket();
    const rows = sockets.map((s) =>
      s.family === 'unix' ? unixRow(s, view) : s.family === 'netlink' ? netlinkRow(s, view) : s.family === 'packet' ? packetRow(s, view) : inetRow(s, view));
    // ss has a Netid column when it lists more than one table, a State column for more than one state
    ctx.out(render(rows, kinds.reduce((n, k) => n + KIND_TABLES[k], 0) > 1, states.length > 1, !o['no-header']));
    return 0;
  } finally {
    diag.close();
  }
}

export const ss: CommandGroup = { name: 'ss', usage: USAGE, run };
