// tc filter (classifier) kinds: what a caller writes for each (matches, classid, actions) to
// the kind's options in the generated tc family, and back. One table row per kind.
import { NetlinkArgumentError } from '../core/errors.js';
import type { BasicAttrsSet, BpfAttrsSet, FlowerAttrsSet, FwAttrsSet, MatchallAttrsSet, U32AttrsSet, TcU32SelStruct } from '../ynl/families/tc.js';
import type { Scope } from '../route/context.js';
import { checkBool, checkIfname, checkSpec } from '../route/arg-check.js';
import { hex, uint, valueMask } from '../route/spec-values.js';
import { formatHandle, parseHandle } from './handle.js';
import { actionList, actionObject } from './actions.js';
import { applyOffset, buildSel, decodeSel, offsetOf, sampleBucket, TC_U32_TERMINAL } from './u32.js';
import { bpfObjGet } from './bpf-obj.js';
import { FLOWER_KEYS, flowerDecode, flowerEncode } from './flower.js';
import { ematchList, ematchTree } from './ematch.js';
import { ETH_P } from './ethertypes.js';
import { struct } from '../ynl/unread.js';
import { quote } from '../core/options.js';

/** A filter kind: its spec keys, options both ways, and how its handles are written. */
export interface FilterKind {
  keys: readonly string[];
  encode(s: Record<string, unknown>, scope: Scope, protocol: number): object;
  /** `protocol`: the filter's ethertype (u32 reads IPv6 fields for ipv6 filters). */
  decode(o: any, scope: Scope, protocol: number): Record<string, unknown>; // eslint-disable-line @typescript-eslint/no-explicit-any
  parseHandle(v: unknown): number;
  formatHandle(h: number): string;
}


/** <linux/pkt_cls.h> TCA_CLS_FLAGS_SKIP_HW, TCA_CLS_FLAGS_SKIP_SW, TCA_CLS_FLAGS_IN_HW, TCA_CLS_FLAGS_NOT_IN_HW. */
const CLS_FLAGS = { skipHw: 1, skipSw: 2, inHw: 4, notInHw: 8 } as const;

function clsFlags(s: Record<string, unknown>): number {
  return (checkBool(s.skipHw, 'skipHw') ? CLS_FLAGS.skipHw : 0) | (checkBool(s.skipSw, 'skipSw') ? CLS_FLAGS.skipSw : 0);
}
const CLS_FLAG_LIST = Object.entries(CLS_FLAGS);
function flagFields(f: number | undefined, out: Record<string, unknown>): void {
  if (!f) return;
  for (const [k, v] of CLS_FLAG_LIST) if (f & v) out[k] = true;
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
  parseHandle: (v: unknown) => uint(v, 'handle', 0xffffffff),
  formatHandle: (h: number) => hex(h),
};

/** u32 handles 'htid:hash:node' (hex, 12/8/12 bits), as tc writes them ('800::800'). */
function parseU32Handle(v: unknown, option = 'handle'): number {
  if (typeof v === 'number') return uint(v, option, 0xffffffff);
  if (typeof v === 'string') {
    const m = /^([0-9a-f]{0,3}):([0-9a-f]{0,2})(?::([0-9a-f]{0,3}))?$/i.exec(v);
    if (m) return ((parseInt(m[1] || '0', 16) << 20) | (parseInt(m[2] || '0', 16) << 12) | parseInt(m[3] || '0', 16)) >>> 0;
  }
  throw new NetlinkArgumentError(option, `must be a u32 handle 'HT:HASH:NODE' in hex (e.g. '800::800') or a number, got ${quote(v)}`);
}

/** A hash table (and bucket) handle, 'HT:' or 'HT:BKT:', as link and ht take it (no node). */
function tableHandle(v: unknown, option: string): number {
  const h = parseU32Handle(v, option);
  if (h & 0xfff) throw new NetlinkArgumentError(option, `must be a hash table ('2:' or '2:5:'), not a node, got ${quote(v)}`);
  return h;
}

/** A hash table's bucket count: a power of 2 up to 256 (f_u32.c, net/sched/cls_u32.c). */
function bucketCount(v: unknown, option: string): number {
  const d = uint(v, option, 256, 1);
  if (d & (d - 1)) throw new NetlinkArgumentError(option, `must be a power of 2 up to 256, got ${d}`, 'ERR_OUT_OF_RANGE');
  return d;
}

const U32_NODE_KEYS = ['match', 'classid', 'actions', 'link', 'ht', 'hashkey', 'indev', 'offset', 'sample'] as const;
function formatU32Handle(h: number): string {
  const ht = h >>> 20, bkt = (h >>> 12) & 0xff, node = h & 0xfff;
  return `${ht.toString(16)}:${bkt ? bkt.toString(16) : ''}${node ? `:${node.toString(16)}` : ''}`;
}

const u32: FilterKind = {
  keys: ['match', 'classid', 'actions', 'indev', 'skipHw', 'skipSw', 'divisor', 'link', 'ht', 'hashkey', 'offset', 'sample'],
  encode(s, scope): U32AttrsSet {
    if (s.divisor !== undefined) {
      // a hash table of `divisor` buckets (its handle 'HT:'): no selector, nothing else to do
      for (const k of U32_NODE_KEYS) if (s[k] !== undefined) throw new NetlinkArgumentError(k, 'goes with a u32 filter, not with a hash table (divisor)');
      const t: U32AttrsSet = { divisor: bucketCount(s.divisor, 'divisor') };
      const f = clsFlags(s);
      if (f) t.flags = f;
      return t;
    }
    const out: U32AttrsSet = common(s, scope);
    if (s.link !== undefined) out.link = tableHandle(s.link, 'link');
    // the table (and bucket) the filter goes in (f_u32.c: `ht 2:5:`)
    if (s.ht !== undefined) out.hash = tableHandle(s.ht, 'ht');
    if (s.sample !== undefined) {
      // tc's `sample MATCH [divisor N]`: the bucket of the table that MATCH's packets hash to
      const sm = checkSpec(s.sample, 'sample', ['match', 'divisor']);
      const d = sm.divisor === undefined ? 256 : bucketCount(sm.divisor, 'sample.divisor');
      out.hash = (((out.hash ?? 0) & 0xfff00000) | (sampleBucket(sm.match, d, 'sample.match') << 12)) >>> 0;
    }
    // tc marks a key terminal when it classifies or acts (f_u32.c: TC_U32_TERMINAL)
    const sel = buildSel(s.match, out.classid !== undefined || out.act !== undefined);
    if (s.hashkey !== undefined) {
      // the bucket: (word at `at`) & mask, shifted down (`hashkey mask 0xff at 16`)
      const h = checkSpec(s.hashkey, 'hashkey', ['mask', 'at']);
      sel.hmask = uint(h.mask, 'hashkey.mask', 0xffffffff, 1);
      const at = h.at === undefined ? 0 : uint(h.at, 'hashkey.at', 0x7ffc);
      if (at % 4) throw new NetlinkArgumentError('hashkey.at', `must be a multiple of 4, got ${at}`, 'ERR_OUT_OF_RANGE');
      sel.hoff = at;
    }
    if (s.offset !== undefined) applyOffset(sel, s.offset);
    out.sel = sel;
    if (s.indev !== undefined) out.indev = checkIfname(s.indev, 'indev');
    const f = clsFlags(s);
    if (f) out.flags = f;
    return out;
  },
  decode(o: U32AttrsSet, scope, protocol) {
    const out: Record<string, unknown> = {};
    const sel = struct(o.sel as TcU32SelStruct | Buffer | undefined);
    if (sel) {
      out.match = decodeSel(sel, protocol === ETH_P.IPV6 ? 'ip6' : 'ip');
      if (sel.flags & TC_U32_TERMINAL) out.terminal = true;
      if (sel.hmask) out.hashkey = { mask: sel.hmask >>> 0, at: sel.hoff };
      const offset = offsetOf(sel);
      if (offset) out.offset = offset;
    }
    if (o.link !== undefined) out.link = formatU32Handle(o.link);
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
    if (!Number.isInteger(n) || n !== parts.length) throw new NetlinkArgumentError('bytecode', `must be 'N,code jt jf k,...' with N instructions, got ${quote(v)}`);
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
      out.ops = { insns };
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
    // a program the codec could not read (its length not a multiple of 8) arrives as bytes: shown as they are
    if (o.ops) out.bytecode = Buffer.isBuffer(o.ops) ? o.ops : o.ops.insns.map(({ code, jt, jf, k }) => ({ code, jt, jf, k }));
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

/** basic: everything, or what its ematches (ematch.ts) say. */
const basic: FilterKind = {
  keys: ['match', 'classid', 'actions'],
  encode(s, scope): BasicAttrsSet {
    const out: BasicAttrsSet = {};
    if (s.match !== undefined) out.ematches = ematchTree(s.match);
    return Object.assign(out, common(s, scope));
  },
  decode(o: BasicAttrsSet, scope) {
    const out: Record<string, unknown> = {};
    if (o.ematches) out.match = ematchList(o.ematches);
    commonBack(o, scope, out);
    return out;
  },
  ...hexHandle,
};


/** flower: keys on parsed headers (flower.ts). */
const flower: FilterKind = {
  keys: [...FLOWER_KEYS, 'indev', 'classid', 'actions', 'skipHw', 'skipSw'],
  // in tc's order (f_flower.c): keys, classid, actions, then always flags and the ethertype
  encode: (s, scope, protocol): FlowerAttrsSet => flowerEncode(s, protocol, common(s, scope), clsFlags(s)),
  decode(o: FlowerAttrsSet, scope) {
    const out = flowerDecode(o);
    commonBack(o, scope, out);
    return out;
  },
  ...hexHandle,
};

/** Filter kinds nlkit builds, by tc's name. */
export const FILTER_KINDS: Record<string, FilterKind> = { u32, matchall, bpf, fw, basic, flower };
