// tc filter (classifier) kinds: what a caller writes for each (matches, classid, actions) to
// the kind's options in the generated tc family, and back. One table row per kind.
import { NetlinkArgumentError } from '../core/errors.js';
import type { BasicAttrsSet, BpfAttrsSet, FlowerAttrsSet, FwAttrsSet, MatchallAttrsSet, U32AttrsSet, TcU32SelStruct } from '../ynl/families/tc.js';
import type { Scope } from '../route/context.js';
import { checkBool, checkIfname } from '../route/arg-check.js';
import { hex, uint, valueMask } from '../route/spec-values.js';
import { parsePrefix } from '../route/inet.js';
import { ipProtoName, ipProtoValue } from '../route/ip-protocols.js';
import { AF_INET } from '../core/rtnetlink.js';
import { formatHandle, parseHandle } from './handle.js';
import { actionList, actionObject } from './actions.js';
import { buildSel, decodeSel, TC_U32_TERMINAL } from './u32.js';
import { bpfObjGet } from './bpf-obj.js';

/** A filter kind: its spec keys, options both ways, and how its handles are written. */
export interface FilterKind {
  keys: readonly string[];
  encode(s: Record<string, unknown>, scope: Scope, protocol: number): object;
  decode(o: any, scope: Scope): Record<string, unknown>; // eslint-disable-line @typescript-eslint/no-explicit-any
  parseHandle(v: unknown): number;
  formatHandle(h: number): string;
}

/** <linux/pkt_cls.h> TCA_CLS_FLAGS_SKIP_HW, TCA_CLS_FLAGS_SKIP_SW, TCA_CLS_FLAGS_IN_HW, TCA_CLS_FLAGS_NOT_IN_HW. */
const CLS_FLAGS = { skipHw: 1, skipSw: 2, inHw: 4, notInHw: 8 } as const;

function clsFlags(s: Record<string, unknown>): number {
  return (checkBool(s.skipHw, 'skipHw') ? CLS_FLAGS.skipHw : 0) | (checkBool(s.skipSw, 'skipSw') ? CLS_FLAGS.skipSw : 0);
}
function flagFields(f: number | undefined, out: Record<string, unknown>): void {
  if (!f) return;
  for (const [k, v] of Object.entries(CLS_FLAGS)) if (f & v) out[k] = true;
}

/** classid and actions: what every kind here takes. */
function common(s: Record<string, unknown>, scope: Scope): { classid?: number; act?: ReturnType<typeof actionList> } {
  const out: { classid?: number; act?: ReturnType<typeof actionList> } = {};
  if (s.classid !== undefined) out.classid = parseHandle(s.classid, 'classid');
  if (s.actions !== undefined) out.act = actionList(scope, s.actions);
  return out;
}
function commonBack(o: { classid?: number; act?: Parameters<typeof actionObject>[0][] }, scope: Scope, out: Record<string, unknown>): void {
  if (o.classid !== undefined) out.classid = formatHandle(o.classid);
  if (o.act?.length) out.actions = o.act.map((a) => actionObject(a, scope));
}

const hexHandle = {
  parseHandle: (v: unknown) => (typeof v === 'string' ? uint(v, 'handle', 0xffffffff) : uint(v, 'handle', 0xffffffff)),
  formatHandle: (h: number) => hex(h),
};

/** u32 handles 'htid:hash:node' (hex, 12/8/12 bits), as tc writes them ('800::800'). */
function parseU32Handle(v: unknown): number {
  if (typeof v === 'number') return uint(v, 'handle', 0xffffffff);
  if (typeof v === 'string') {
    const m = /^([0-9a-f]{0,3}):([0-9a-f]{0,2})(?::([0-9a-f]{0,3}))?$/i.exec(v);
    if (m) return ((parseInt(m[1] || '0', 16) << 20) | (parseInt(m[2] || '0', 16) << 12) | parseInt(m[3] || '0', 16)) >>> 0;
  }
  throw new NetlinkArgumentError('handle', `must be a u32 handle 'HT:HASH:NODE' in hex (e.g. '800::800') or a number, got ${JSON.stringify(v)}`);
}
function formatU32Handle(h: number): string {
  const ht = h >>> 20, bkt = (h >>> 12) & 0xff, node = h & 0xfff;
  return `${ht.toString(16)}:${bkt ? bkt.toString(16) : ''}${node ? `:${node.toString(16)}` : ''}`;
}

const u32: FilterKind = {
  keys: ['match', 'classid', 'actions', 'indev', 'skipHw', 'skipSw'],
  encode(s, scope): U32AttrsSet {
    const out: U32AttrsSet = common(s, scope);
    // tc marks a key terminal when it classifies or acts (f_u32.c: TC_U32_TERMINAL)
    out.sel = buildSel(s.match, out.classid !== undefined || out.act !== undefined);
    if (s.indev !== undefined) out.indev = checkIfname(s.indev, 'indev');
    const f = clsFlags(s);
    if (f) out.flags = f;
    return out;
  },
  decode(o: U32AttrsSet, scope) {
    const out: Record<string, unknown> = {};
    const sel = o.sel && !Buffer.isBuffer(o.sel) ? (o.sel as TcU32SelStruct) : undefined;
    if (sel) {
      out.match = decodeSel(sel);
      if (sel.flags & TC_U32_TERMINAL) out.terminal = true;
    }
    if (o.divisor !== undefined) out.divisor = o.divisor;
    // TCA_U32_HASH: the node's hash table and bucket (tc's "key ht 800 bkt 0")
    if (o.hash !== undefined) {
      out.hashTable = `${(o.hash >>> 20).toString(16)}:`;
      out.bucket = (o.hash >>> 12) & 0xff;
    }
    if (o.indev !== undefined) out.indev = o.indev;
    commonBack(o, scope, out);
    flagFields(o.flags, out);
    return out;
  },
  parseHandle: parseU32Handle,
  formatHandle: formatU32Handle,
};

const matchall: FilterKind = {
  keys: ['classid', 'actions', 'skipHw', 'skipSw'],
  encode(s, scope): MatchallAttrsSet {
    const out: MatchallAttrsSet = common(s, scope);
    const f = clsFlags(s);
    if (f) out.flags = f;
    return out;
  },
  decode(o: MatchallAttrsSet, scope) {
    const out: Record<string, unknown> = {};
    commonBack(o, scope, out);
    flagFields(o.flags, out);
    return out;
  },
  ...hexHandle,
};

/** One classic BPF instruction (struct sock_filter). */
export interface BpfInsn {
  code: number;
  jt: number;
  jf: number;
  k: number;
}

/** tc's bytecode text 'N,code jt jf k,code jt jf k,...' (as bpf_asm -c / tcpdump -ddd print it), or a list. */
function bytecode(v: unknown): BpfInsn[] {
  let insns: unknown[];
  if (typeof v === 'string') {
    const parts = v.split(',').map((p) => p.trim()).filter((p) => p !== '');
    const n = Number(parts.shift());
    if (!Number.isInteger(n) || n !== parts.length) throw new NetlinkArgumentError('bytecode', `must be 'N,code jt jf k,...' with N instructions, got ${JSON.stringify(v)}`);
    insns = parts.map((p) => p.split(/\s+/).map(Number));
  } else if (Array.isArray(v)) insns = v;
  else throw new NetlinkArgumentError('bytecode', 'must be a list of {code, jt, jf, k} (or [code, jt, jf, k]) or tc\'s text', 'ERR_INVALID_ARG_TYPE');
  if (insns.length === 0 || insns.length > 4096) throw new NetlinkArgumentError('bytecode', `must have 1..4096 instructions, got ${insns.length}`, 'ERR_OUT_OF_RANGE');
  return insns.map((i, n) => {
    const [code, jt, jf, k] = Array.isArray(i) ? i : i && typeof i === 'object' ? [(i as BpfInsn).code, (i as BpfInsn).jt, (i as BpfInsn).jf, (i as BpfInsn).k] : [];
    const opt = `bytecode[${n}]`;
    return { code: uint(code, `${opt}.code`, 0xffff), jt: uint(jt, `${opt}.jt`, 0xff), jf: uint(jf, `${opt}.jf`, 0xff), k: uint(k, `${opt}.k`, 0xffffffff) };
  });
}

function insnBytes(insns: BpfInsn[]): Buffer {
  // struct sock_filter { __u16 code; __u8 jt, jf; __u32 k; } in host order
  const b = Buffer.alloc(insns.length * 8);
  const le = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
  insns.forEach((i, n) => {
    if (le) { b.writeUInt16LE(i.code, n * 8); b.writeUInt32LE(i.k, n * 8 + 4); } else { b.writeUInt16BE(i.code, n * 8); b.writeUInt32BE(i.k, n * 8 + 4); }
    b[n * 8 + 2] = i.jt;
    b[n * 8 + 3] = i.jf;
  });
  return b;
}
function insnsOf(b: Buffer): BpfInsn[] {
  const le = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
  const out: BpfInsn[] = [];
  for (let n = 0; n + 8 <= b.length; n += 8)
    out.push({ code: le ? b.readUInt16LE(n) : b.readUInt16BE(n), jt: b[n + 2]!, jf: b[n + 3]!, k: le ? b.readUInt32LE(n + 4) : b.readUInt32BE(n + 4) });
  return out;
}

/** <linux/pkt_cls.h> TCA_BPF_FLAG_ACT_DIRECT: the program's return value is the verdict. */
const BPF_ACT_DIRECT = 1;

const bpf: FilterKind = {
  keys: ['bytecode', 'fd', 'pinned', 'name', 'directAction', 'classid', 'actions', 'skipHw', 'skipSw'],
  encode(s, scope): BpfAttrsSet {
    const out: BpfAttrsSet = common(s, scope);
    const sources = ['bytecode', 'fd', 'pinned'].filter((k) => s[k] !== undefined);
    if (sources.length !== 1) throw new NetlinkArgumentError('bytecode', 'give exactly one of bytecode (classic BPF), fd or pinned (an eBPF program)');
    if (s.bytecode !== undefined) {
      const insns = bytecode(s.bytecode);
      out.opsLen = insns.length;
      out.ops = insnBytes(insns);
    } else {
      if (s.fd !== undefined) out.fd = uint(s.fd, 'fd', 0x7fffffff);
      else {
        const fd = bpfObjGet(s.pinned, 'pinned');
        scope.defer(() => bpfObjGet.close(fd));
        out.fd = fd;
      }
      out.name = s.name === undefined ? (typeof s.pinned === 'string' ? s.pinned.split('/').pop()! : 'nlkit') : String(s.name);
    }
    if (checkBool(s.directAction, 'directAction')) out.flags = BPF_ACT_DIRECT;
    const f = clsFlags(s);
    if (f) out.flagsGen = f;
    return out;
  },
  decode(o: BpfAttrsSet, scope) {
    const out: Record<string, unknown> = {};
    if (o.ops) out.bytecode = insnsOf(o.ops);
    if (o.name !== undefined) out.name = o.name;
    if (o.id !== undefined) out.id = o.id;
    if (o.tag) out.tag = o.tag.toString('hex');
    if (o.flags && o.flags & BPF_ACT_DIRECT) out.directAction = true;
    commonBack(o, scope, out);
    flagFields(o.flagsGen, out);
    return out;
  },
  ...hexHandle,
};

/** fw: the handle is the firewall mark ('MARK/MASK'), matched under TCA_FW_MASK. */
const fw: FilterKind = {
  keys: ['classid', 'actions', 'indev', 'mask'],
  encode(s, scope): FwAttrsSet {
    const out: FwAttrsSet = common(s, scope);
    if (s.indev !== undefined) out.indev = checkIfname(s.indev, 'indev');
    if (s.mask !== undefined) out.mask = uint(s.mask, 'mask', 0xffffffff);
    return out;
  },
  decode(o: FwAttrsSet, scope) {
    const out: Record<string, unknown> = {};
    if (o.mask !== undefined && o.mask !== 0xffffffff) out.mask = o.mask;
    if (o.indev !== undefined) out.indev = o.indev;
    commonBack(o, scope, out);
    return out;
  },
  parseHandle: (v) => {
    const m = valueMask(v, 'handle', 0xffffffff);
    if (m.mask !== undefined) throw new NetlinkArgumentError('handle', "takes the mark; give the mask as 'mask'");
    return m.value;
  },
  formatHandle: (h) => hex(h),
};

const basic: FilterKind = {
  keys: ['classid', 'actions'],
  encode: (s, scope): BasicAttrsSet => common(s, scope),
  decode(o: BasicAttrsSet, scope) {
    const out: Record<string, unknown> = {};
    commonBack(o, scope, out);
    return out;
  },
  ...hexHandle,
};

const ETH_P_IP = 0x0800;
const IPPROTO_TCP = 6, IPPROTO_UDP = 17;

function flowerAddr(out: FlowerAttrsSet, v: unknown, which: 'Src' | 'Dst'): void {
  const p = parsePrefix(v as string, which === 'Src' ? 'srcIp' : 'dstIp', AF_INET);
  const mask = p.len === 0 ? 0 : (0xffffffff << (32 - p.len)) >>> 0;
  out[`keyIpv4${which}`] = p.address;
  out[`keyIpv4${which}Mask`] = [24, 16, 8, 0].map((s) => (mask >>> s) & 0xff).join('.');
}

/** flower: exact-match keys on headers (the IPv4/TCP/UDP ones here). */
const flower: FilterKind = {
  keys: ['ipProto', 'srcIp', 'dstIp', 'srcPort', 'dstPort', 'indev', 'classid', 'actions', 'skipHw', 'skipSw'],
  encode(s, scope, protocol): FlowerAttrsSet {
    const out: FlowerAttrsSet = common(s, scope);
    if (protocol) out.keyEthType = protocol;
    if ((s.srcIp !== undefined || s.dstIp !== undefined || s.ipProto !== undefined) && protocol !== ETH_P_IP)
      throw new NetlinkArgumentError('protocol', "must be 'ip' for flower's IPv4 keys");
    if (s.ipProto !== undefined) out.keyIpProto = ipProtoValue(s.ipProto, 'ipProto');
    if (s.srcIp !== undefined) flowerAddr(out, s.srcIp, 'Src');
    if (s.dstIp !== undefined) flowerAddr(out, s.dstIp, 'Dst');
    for (const [k, tcp, udp] of [['srcPort', 'keyTcpSrc', 'keyUdpSrc'], ['dstPort', 'keyTcpDst', 'keyUdpDst']] as const) {
      if (s[k] === undefined) continue;
      if (out.keyIpProto !== IPPROTO_TCP && out.keyIpProto !== IPPROTO_UDP) throw new NetlinkArgumentError(k, "needs ipProto 'tcp' or 'udp'");
      out[out.keyIpProto === IPPROTO_TCP ? tcp : udp] = uint(s[k], k, 0xffff);
    }
    if (s.indev !== undefined) out.indev = checkIfname(s.indev, 'indev');
    const f = clsFlags(s);
    if (f) out.flags = [f];
    return out;
  },
  decode(o: FlowerAttrsSet, scope) {
    const out: Record<string, unknown> = {};
    if (o.keyIpProto !== undefined) out.ipProto = ipProtoName(o.keyIpProto);
    for (const [k, a, m] of [['srcIp', o.keyIpv4Src, o.keyIpv4SrcMask], ['dstIp', o.keyIpv4Dst, o.keyIpv4DstMask]] as const) {
      if (a === undefined) continue;
      const len = (m ?? '255.255.255.255').split('.').reduce((n, b) => n + (Number(b).toString(2).match(/1/g)?.length ?? 0), 0);
      out[k] = `${a}/${len}`;
    }
    const sp = o.keyTcpSrc ?? o.keyUdpSrc, dp = o.keyTcpDst ?? o.keyUdpDst;
    if (sp !== undefined) out.srcPort = sp;
    if (dp !== undefined) out.dstPort = dp;
    if (o.indev !== undefined) out.indev = o.indev;
    commonBack(o, scope, out);
    return out;
  },
  ...hexHandle,
};

/** Filter kinds nlkit builds, by tc's name. */
export const FILTER_KINDS: Record<string, FilterKind> = { u32, matchall, bpf, fw, basic, flower };
