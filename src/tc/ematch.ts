// Extended matches (ematches) for the basic filter: a list of cmp and u32 matches joined by
// and/or, each possibly inverted, as net/sched/ematch.c takes them (a tree of one level). Each
// kind is a row: its caller keys to the spec's struct (tcf-ematch-cmp, tcf-ematch-u32, a
// correction from <linux/pkt_cls.h> and <linux/tc_ematch/tc_em_cmp.h>) and back; the struct
// codec writes the bytes.
import { NetlinkArgumentError } from '../core/errors.js';
import { Writer } from '../core/writer.js';
import { Family } from '../ynl/family.js';
import { description as tc, type EmatchAttrsSet } from '../ynl/families/tc.js';
import { checkBool, checkSpec } from '../route/arg-check.js';
import { uint, word } from '../route/spec-values.js';

/** <linux/pkt_cls.h> TCF_EM_REL_AND, TCF_EM_REL_OR, TCF_EM_INVERT. */
const REL = { and: 1, or: 2 } as const;
const REL_MASK = 3;
const INVERT = 4;
/** <linux/pkt_cls.h> TCF_LAYER_*, TCF_EM_OPND_*; <linux/tc_ematch/tc_em_cmp.h> TCF_EM_ALIGN_*, TCF_EM_CMP_TRANS. */
const LAYERS = ['link', 'network', 'transport'] as const;
const OPS = ['eq', 'gt', 'lt'] as const;
const ALIGN = { u8: 1, u16: 2, u32: 4 } as const;
const CMP_TRANS = 1;

/** cmp: a 1, 2 or 4 byte field at `at` (from the start of a layer), masked, compared with `value`. */
export interface EmatchCmp {
  size: 'u8' | 'u16' | 'u32';
  at: number;
  layer?: (typeof LAYERS)[number];
  /** 0 (the default): the whole field. */
  mask?: number;
  op: (typeof OPS)[number];
  value: number;
  /** Compare in network byte order (tc's `trans`). */
  trans?: boolean;
}
/** u32: (the 32-bit word at `at`) & mask == value, as a u32 filter's key. */
export interface EmatchU32 {
  value: number;
  mask: number;
  at: number;
}
/** One match: its kind's fields, `not` to invert it, and how it joins the next (default and). */
export type Ematch = ({ cmp: EmatchCmp } | { u32: EmatchU32 }) & { not?: boolean; next?: 'and' | 'or' };

type Opts = Record<string, unknown>;
interface KindRow {
  id: number;
  struct: string;
  keys: readonly string[];
  encode(o: Opts, option: string): Opts;
  decode(s: Opts): Opts;
}

/** Ematch kinds by nlkit's name, with their TCF_EM_* ids (<linux/pkt_cls.h>). */
const KINDS: Record<string, KindRow> = {
  cmp: {
    id: 1,
    struct: 'tcf-ematch-cmp',
    keys: ['size', 'at', 'layer', 'mask', 'op', 'value', 'trans'],
    encode(o, option) {
      const size = word(o.size, `${option}.size`, Object.keys(ALIGN) as (keyof typeof ALIGN)[]);
      const max = 2 ** (8 * ALIGN[size]) - 1;
      const layer = o.layer === undefined ? 0 : LAYERS.indexOf(word(o.layer, `${option}.layer`, LAYERS));
      const op = OPS.indexOf(word(o.op, `${option}.op`, OPS));
      return {
        val: uint(o.value, `${option}.value`, max), mask: o.mask === undefined ? 0 : uint(o.mask, `${option}.mask`, max), off: uint(o.at, `${option}.at`, 0xffff),
        // two 4-bit fields per byte, the first in the low bits (little-endian bitfields)
        alignFlags: ALIGN[size] | ((checkBool(o.trans, `${option}.trans`) ? CMP_TRANS : 0) << 4), layerOpnd: layer | (op << 4),
      };
    },
    decode(s) {
      const align = (s.alignFlags as number) & 15;
      const out: Opts = {
        size: (Object.keys(ALIGN) as (keyof typeof ALIGN)[]).find((k) => ALIGN[k] === align) ?? align, at: s.off,
        layer: LAYERS[(s.layerOpnd as number) & 15] ?? (s.layerOpnd as number) & 15, op: OPS[(s.layerOpnd as number) >> 4] ?? (s.layerOpnd as number) >> 4, value: s.val,
      };
      if (s.mask) out.mask = s.mask;
      if (((s.alignFlags as number) >> 4) & CMP_TRANS) out.trans = true;
      return out;
    },
  },
  u32: {
    id: 3,
    struct: 'tcf-ematch-u32',
    keys: ['value', 'mask', 'at'],
    encode(o, option) {
      const at = uint(o.at, `${option}.at`, 0x7fffffff);
      if (at % 4) throw new NetlinkArgumentError(`${option}.at`, `must be a multiple of 4 (a u32 word), got ${at}`, 'ERR_OUT_OF_RANGE');
      const mask = uint(o.mask, `${option}.mask`, 0xffffffff);
      const value = uint(o.value, `${option}.value`, 0xffffffff);
      if ((value & ~mask) >>> 0) throw new NetlinkArgumentError(`${option}.value`, `has bits outside mask 0x${mask.toString(16)}`);
      return { key: { mask, val: value, off: at, offmask: 0 } };
    },
    decode: (s) => {
      const k = s.key as { mask: number; val: number; off: number };
      return { value: k.val, mask: k.mask, at: k.off };
    },
  },
};
const KIND_BY_ID = new Map(Object.entries(KINDS).map(([name, k]) => [k.id, name]));

let family: Family | undefined;
const fam = () => (family ??= Family.from(tc));

/** A basic filter's `match` list to TCA_BASIC_EMATCHES. */
export function ematchTree(v: unknown, option = 'match'): EmatchAttrsSet {
  if (!Array.isArray(v) || v.length === 0 || v.length > 0xffff) throw new NetlinkArgumentError(option, 'must be a list of ematches ({ cmp: {...} } or { u32: {...} }, with not/next)', 'ERR_INVALID_ARG_TYPE');
  const list = v.map((m, i) => {
    const where = `${option}[${i}]`;
    const kind = m && typeof m === 'object' ? Object.keys(m).find((k) => Object.hasOwn(KINDS, k)) : undefined;
    if (kind === undefined) throw new NetlinkArgumentError(where, `must name one ematch kind: ${Object.keys(KINDS).join(', ')}`, 'ERR_INVALID_ARG_VALUE');
    const o = checkSpec(m, where, [kind, 'not', 'next']) as Opts;
    const row = KINDS[kind]!;
    const last = i === v.length - 1;
    if (last && o.next !== undefined) throw new NetlinkArgumentError(`${where}.next`, 'the last match has no next');
    const rel = last ? 0 : REL[o.next === undefined ? 'and' : word(o.next, `${where}.next`, ['and', 'or'] as const)];
    const fields = row.encode(checkSpec(o[kind], `${where}.${kind}`, row.keys) as Opts, `${where}.${kind}`);
    const w = new Writer(64);
    fam().struct(row.struct).encode(w, { matchid: 0, kind: row.id, flags: rel | (checkBool(o.not, `${where}.not`) ? INVERT : 0), ...fields }, where);
    return w.toBuffer();
  });
  return { treeHdr: { nmatches: list.length, progid: 0 }, treeList: list };
}

/**
 * TCA_BASIC_EMATCHES back to the match list; kinds nlkit does not read (and matches too short
 * for their kind's struct) come as { kind: id, data: hex }.
 */
export function ematchList(t: EmatchAttrsSet): Opts[] {
  const hdrType = fam().struct('tcf-ematch-hdr');
  return (t.treeList ?? []).filter((b) => b.length >= hdrType.size).map((b) => {
    const hdr = hdrType.decode(b, 0, b.length) as { kind: number; flags: number };
    const name = KIND_BY_ID.get(hdr.kind);
    const type = name === undefined ? undefined : fam().struct(KINDS[name]!.struct);
    const out: Opts = type && b.length >= type.size ? { [name!]: KINDS[name!]!.decode(type.decode(b, 0, b.length)) } : { kind: hdr.kind, data: b.subarray(hdrType.size).toString('hex') };
    if (hdr.flags & INVERT) out.not = true;
    // and, the default, is left out (the last match has none)
    if ((hdr.flags & REL_MASK) === REL.or) out.next = 'or';
    return out;
  });
}
