// The inet_diag bytecode filter (INET_DIAG_REQ_BYTECODE): a condition tree over ports,
// addresses, devices, marks and cgroups, compiled to the kernel's little jump program so the
// kernel drops non-matching sockets before they are copied out. Each instruction's struct is
// encoded from the spec's definitions (inet-diag-bc-op, -hostcond, -markcond).
import { NetlinkArgumentError } from '../core/errors.js';
import { AF_INET, AF_INET6 } from '../core/rtnetlink.js';
import { Writer } from '../core/writer.js';
import { parsePrefix } from '../route/inet.js';
import { Family } from '../ynl/family.js';
import { description as inetDiag } from '../ynl/families/sock_diag_inet.js';
import { parseIPv4, parseIPv6 } from '../core/display.js';
import { quote } from '../core/options.js';

/** A port test: a port (equal), or bounds (inclusive), any of them. */
export type PortCondition = number | { eq?: number; ge?: number; le?: number; ne?: number };

/** A filter the kernel runs on each socket. Object keys given together must all hold (and). */
export interface SocketFilter {
  sport?: PortCondition;
  dport?: PortCondition;
  /** Local address prefix ('10.0.0.0/8', '::1', 'fe80::/10'). */
  src?: string;
  /** Remote address prefix. */
  dst?: string;
  /** Bound to this interface index. */
  ifindex?: number;
  /** fwmark under a mask (needs CAP_NET_ADMIN). */
  mark?: { mark: number; mask?: number };
  /** cgroup v2 id. */
  cgroup?: bigint | number;
  and?: SocketFilter[];
  or?: SocketFilter[];
  not?: SocketFilter;
}

// INET_DIAG_BC_* (linux/inet_diag.h)
const BC = {
  nop: 0, jmp: 1, sGe: 2, sLe: 3, dGe: 4, dLe: 5, auto: 6, sCond: 7, dCond: 8, devCond: 9, markCond: 10,
  sEq: 11, dEq: 12, cgroupCond: 13,
} as const;

/** One instruction: its op (jumps relative to it) and the struct that follows it. */
interface Insn {
  code: number;
  yes: number;
  no: number;
  arg?: { struct: string; value: Record<string, unknown> };
  size: number;
}

/** A program fragment: true reaches its end, false jumps 4 bytes past it (as iproute2 composes them). */
type Program = Insn[];

const len = (p: Program): number => p.reduce((n, i) => n + i.size, 0);

/** An instruction of `size` bytes whose false branch jumps past the fragment's end by 4. */
function leaf(code: number, size: number, arg: Insn['arg']): Program {
  return [{ code, yes: size, no: size + 4, arg, size }];
}

/** Re-aims a's false exits (which land 4 past its end) `by` bytes further. */
function relocate(a: Program, by: number): void {
  let left = len(a);
  for (const i of a) {
    if (i.no === left + 4) i.no += by;
    left -= i.size;
  }
}

function and(a: Program, b: Program): Program {
  relocate(a, len(b));
  return [...a, ...b];
}

function or(a: Program, b: Program): Program {
  // a true: the jump skips b; a false lands on b
  return [...a, { code: BC.jmp, yes: 4, no: len(b) + 4, size: 4 }, ...b];
}

function not(a: Program): Program {
  // a true: the jump lands 4 past the end (false); a false lands on the end (true)
  return [...a, { code: BC.jmp, yes: 4, no: 8, size: 4 }];
}

function checkPort(v: unknown, option: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 65535)
    throw new NetlinkArgumentError(option, `must be a port 0..65535, got ${quote(v)}`, 'ERR_OUT_OF_RANGE');
  return v;
}

function portProgram(c: PortCondition, local: boolean, option: string): Program {
  const port = (code: number, p: number) => leaf(code, 8, { struct: 'inet-diag-bc-op', value: { code: 0, yes: 0, no: p } });
  if (typeof c === 'number') return port(local ? BC.sEq : BC.dEq, checkPort(c, option));
  if (c === null || typeof c !== 'object' || Array.isArray(c))
    throw new NetlinkArgumentError(option, `must be a port or {eq, ne, ge, le}, got ${quote(c)}`, 'ERR_INVALID_ARG_TYPE');
  const parts: Program[] = [];
  for (const k of Object.keys(c)) if (!['eq', 'ne', 'ge', 'le'].includes(k)) throw new NetlinkArgumentError(option, `has no test '${k}' (there are: eq, ne, ge, le)`);
  if (c.eq !== undefined) parts.push(port(local ? BC.sEq : BC.dEq, checkPort(c.eq, `${option}.eq`)));
  if (c.ne !== undefined) parts.push(not(port(local ? BC.sEq : BC.dEq, checkPort(c.ne, `${option}.ne`))));
  if (c.ge !== undefined) parts.push(port(local ? BC.sGe : BC.dGe, checkPort(c.ge, `${option}.ge`)));
  if (c.le !== undefined) parts.push(port(local ? BC.sLe : BC.dLe, checkPort(c.le, `${option}.le`)));
  if (!parts.length) throw new NetlinkArgumentError(option, 'needs at least one of eq, ne, ge, le');
  return parts.reduce(and);
}

function hostProgram(text: unknown, local: boolean, option: string): Program {
  const p = parsePrefix(text as string, option);
  const bytes = p.family === AF_INET ? parseIPv4(p.address)! : parseIPv6(p.address)!;
  const addr: number[] = [];
  for (let i = 0; i < bytes.length; i += 4) addr.push(bytes.readUInt32BE(i));
  const size = 4 + 8 + bytes.length;
  return leaf(local ? BC.sCond : BC.dCond, size, {
    struct: 'inet-diag-hostcond', value: { family: p.family === AF_INET ? AF_INET : AF_INET6, prefixLen: p.len, port: -1, addr },
  });
}

const FILTER_KEYS = ['sport', 'dport', 'src', 'dst', 'ifindex', 'mark', 'cgroup', 'and', 'or', 'not'];

function program(f: SocketFilter, option: string): Program {
  if (f === null || typeof f !== 'object' || Array.isArray(f))
    throw new NetlinkArgumentError(option, `must be a filter object, got ${Array.isArray(f) ? 'an array' : quote(f)}`, 'ERR_INVALID_ARG_TYPE');
  const parts: Program[] = [];
  for (const [k, v] of Object.entries(f)) {
    if (v === undefined) continue;
    const o = `${option}.${k}`;
    switch (k) {
      case 'sport': parts.push(portProgram(v as PortCondition, true, o)); break;
      case 'dport': parts.push(portProgram(v as PortCondition, false, o)); break;
      case 'src': parts.push(hostProgram(v, true, o)); break;
      case 'dst': parts.push(hostProgram(v, false, o)); break;
      case 'ifindex':
        if (!Number.isInteger(v) || (v as number) < 0 || (v as number) > 0xffffffff) throw new NetlinkArgumentError(o, `must be an interface index, got ${quote(v)}`, 'ERR_OUT_OF_RANGE');
        parts.push(leaf(BC.devCond, 8, { struct: 'inet-diag-devcond', value: { ifindex: v } }));
        break;
      case 'mark': {
        const m = v as { mark?: unknown; mask?: unknown };
        const u32 = (x: unknown) => Number.isInteger(x) && (x as number) >= 0 && (x as number) <= 0xffffffff;
        if (m === null || typeof m !== 'object' || !u32(m.mark) || (m.mask !== undefined && !u32(m.mask)))
          throw new NetlinkArgumentError(o, `must be {mark, mask?} of u32s, got ${quote(v)}`);
        parts.push(leaf(BC.markCond, 12, { struct: 'inet-diag-markcond', value: { mark: m.mark, mask: m.mask ?? 0xffffffff } }));
        break;
      }
      case 'cgroup': {
        const id = typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? BigInt(v) : v;
        if (typeof id !== 'bigint' || id < 0n || id >= 1n << 64n) throw new NetlinkArgumentError(o, `must be a cgroup id (u64), got ${String(v)}`, 'ERR_OUT_OF_RANGE');
        parts.push(leaf(BC.cgroupCond, 12, { struct: 'inet-diag-cgroupcond', value: { cgroupId: id } }));
        break;
      }
      case 'and':
      case 'or': {
        if (!Array.isArray(v) || v.length === 0) throw new NetlinkArgumentError(o, 'must be a non-empty array of filters', 'ERR_INVALID_ARG_TYPE');
        const progs = v.map((x, i) => program(x as SocketFilter, `${o}[${i}]`));
        parts.push(progs.reduce(k === 'and' ? and : or));
        break;
      }
      case 'not': parts.push(not(program(v as SocketFilter, o))); break;
      default: throw new NetlinkArgumentError(option, `has no condition '${k}' (there are: ${FILTER_KEYS.join(', ')})`);
    }
  }
  if (!parts.length) throw new NetlinkArgumentError(option, 'needs at least one condition');
  return parts.reduce(and);
}

/** The filter as INET_DIAG_REQ_BYTECODE bytes. */
export function compileFilter(filter: SocketFilter, option = 'filter'): Buffer {
  const prog = program(filter, option);
  const family = Family.from(inetDiag);
  const w = new Writer(len(prog));
  for (const i of prog) {
    family.struct('inet-diag-bc-op').encode(w, { code: i.code, yes: i.yes, no: i.no }, option);
    if (i.arg) family.struct(i.arg.struct).encode(w, i.arg.value, option);
  }
  return w.toBuffer();
}
