// fast-check arbitraries built from compiled YNL descriptions (Family / AttrSet / StructType):
// objects in the form decodeAttrs gives back (enum names, flag lists, address strings,
// bigint for 64-bit kinds, struct objects, nest-type-value entries, sub-messages with their
// selector set alongside), so that decode(encode(x)) must deep-equal x. Depth, keys per
// object and array lengths are bounded (several sets are recursive).
//
// Also: the places in such an object where a caller could put a wrong value, with the
// NetlinkEncodeError path each must be reported at.
import fc from 'fast-check';
import { deepClone } from './arbitraries.js';
export { deepClone };
import type { AttrDef, AttrSet } from '../../src/core/attrset.js';
import type { AttrType as AttrKind } from '../../src/core/description.js';
import { formatHint, formatIPv4Number, isTextHint } from '../../src/core/display.js';
import type { EnumType } from '../../src/core/enums.js';
import type { StructType } from '../../src/core/struct.js';
import type { Family, Operation } from '../../src/ynl/family.js';

export type Obj = Record<string, unknown>;
type Member = StructType['members'][number];

export interface GenOptions {
  /** Nests below this depth are generated empty. */
  maxDepth: number;
  /** Attributes per object at most. */
  maxKeys: number;
  /** Items per multi-attr / indexed-array / nest-type-value at most. */
  maxItems: number;
  /** Add attributes the set does not know (as `$unknown`) now and then. */
  unknown: boolean;
}

export const DEFAULTS: GenOptions = { maxDepth: 3, maxKeys: 6, maxItems: 3, unknown: true };

const RANGE: Record<string, [bigint, bigint]> = {
  u8: [0n, 0xffn], u16: [0n, 0xffffn], u32: [0n, 0xffffffffn], u64: [0n, 2n ** 64n - 1n], uint: [0n, 2n ** 64n - 1n],
  s8: [-0x80n, 0x7fn], s16: [-0x8000n, 0x7fffn], s32: [-0x80000000n, 0x7fffffffn], s64: [-(2n ** 63n), 2n ** 63n - 1n], sint: [-(2n ** 63n), 2n ** 63n - 1n],
};
/** Kinds that decode as bigint. */
const WIDE = new Set(['u64', 's64', 'uint', 'sint']);
const BITS: Record<string, bigint> = { u8: 8n, u16: 16n, u32: 32n, u64: 64n, uint: 64n };
const ELEMENT_SIZES: Partial<Record<AttrKind, number>> = { u8: 1, u16: 2, u32: 4, u64: 8, s8: 1, s16: 2, s32: 4, s64: 8 };

export const isScalarKind = (k: string): boolean => k in RANGE;

const big = (v: number | bigint | undefined): bigint | undefined => (v === undefined ? undefined : BigInt(v));
const maxB = (a: bigint, b: bigint) => (a > b ? a : b);
const minB = (a: bigint, b: bigint) => (a < b ? a : b);

/** Integers in [lo, hi], boundaries and zero more often than chance would pick them. */
function intArb(lo: bigint, hi: bigint): fc.Arbitrary<bigint> {
  const edges = [...new Set([lo, hi, ...(lo <= 0n && hi >= 0n ? [0n] : []), ...(lo <= 1n && hi >= 1n ? [1n] : [])])];
  const small = fc.bigInt({ min: maxB(lo, -1000n), max: minB(hi, 1000n) });
  const parts: fc.WeightedArbitrary<bigint>[] = [
    { arbitrary: fc.bigInt({ min: lo, max: hi }), weight: 4 },
    { arbitrary: fc.constantFrom(...edges), weight: 1 },
  ];
  if (maxB(lo, -1000n) <= minB(hi, 1000n)) parts.push({ arbitrary: small, weight: 2 });
  return fc.oneof(...parts);
}

/**
 * A scalar as decoded: enum name (or a number the enum does not name), flag names (and
 * leftover bits as a trailing number), a dotted ipv4 string, a number, or a bigint for
 * 64-bit and variable-width kinds. Undefined when no value passes the checks.
 */
export function scalarArb(kind: string, e?: EnumType, display?: string, checks?: { min?: number | bigint; max?: number | bigint }): fc.Arbitrary<unknown> | undefined {
  const r = RANGE[kind];
  if (!r) return undefined;
  let [lo, hi] = r;
  const cmin = big(checks?.min), cmax = big(checks?.max);
  if (cmin !== undefined) lo = maxB(lo, cmin);
  if (cmax !== undefined) hi = minB(hi, cmax);
  if (lo > hi) return undefined;
  const wide = WIDE.has(kind);
  if (e?.flags && BITS[kind] !== undefined) {
    const top = (1n << BITS[kind]) - 1n;
    const entries = [...e.byValue].filter(([v]) => v !== 0 && BigInt(v) <= top && (wide || v <= 0xffffffff));
    let mask = 0n;
    for (const [v] of entries) mask |= BigInt(v);
    const rest = fc.oneof({ arbitrary: fc.constant(0n), weight: 3 }, { arbitrary: fc.bigInt({ min: 0n, max: top }).map((x) => x & ~mask), weight: 1 });
    const arb = fc.tuple(fc.subarray(entries), rest).map(([picked, extra]) => {
      const names: unknown[] = picked.map(([, n]) => n);
      return { names: extra === 0n ? names : [...names, wide ? extra : Number(extra)], value: picked.reduce((a, [v]) => a | BigInt(v), extra) };
    });
    return (cmin !== undefined || cmax !== undefined ? arb.filter((x) => x.value >= lo && x.value <= hi) : arb).map((x) => x.names);
  }
  if (e && !e.flags && !wide) {
    const known = [...e.byValue].filter(([v]) => BigInt(v) >= lo && BigInt(v) <= hi).map(([, n]) => n);
    const unnamed = fc.bigInt({ min: lo, max: hi }).filter((v) => !e.byValue.has(Number(v))).map(Number);
    if (!known.length) return unnamed;
    if (hi - lo + 1n <= BigInt(known.length)) return fc.constantFrom(...known);
    return fc.oneof({ arbitrary: fc.constantFrom(...known), weight: 4 }, { arbitrary: unnamed, weight: 1 });
  }
  const ints = intArb(lo, hi);
  if (display === 'ipv4' && !wide && lo >= 0n) return ints.map((v) => formatIPv4Number(Number(v)));
  return wide ? ints : ints.map(Number);
}

/** NUL-free text: mostly printable ASCII, some control characters and 2-, 3- and 4-byte UTF-8. */
const codePointArb = fc
  .oneof(
    { arbitrary: fc.integer({ min: 0x20, max: 0x7e }), weight: 8 },
    fc.integer({ min: 0x01, max: 0x1f }),
    fc.integer({ min: 0x80, max: 0x7ff }),
    fc.integer({ min: 0x800, max: 0xd7ff }),
    fc.integer({ min: 0xe000, max: 0xffff }),
    fc.integer({ min: 0x10000, max: 0x10ffff }),
  )
  .map((cp) => String.fromCodePoint(cp));

/** The longest prefix of s (whole characters) that fits in max UTF-8 bytes. */
function fitBytes(s: string, max: number): string {
  let out = '';
  for (const ch of s) {
    if (Buffer.byteLength(out + ch) > max) break;
    out += ch;
  }
  return out;
}

export function textArb(minBytes: number, maxBytes: number): fc.Arbitrary<string> {
  const arb = fc.string({ unit: codePointArb, maxLength: Math.min(maxBytes, 16) }).map((s) => fitBytes(s, maxBytes));
  return minBytes > 0 ? arb.filter((s) => Buffer.byteLength(s) >= minBytes) : arb;
}

export const bytesArb = (min: number, max: number): fc.Arbitrary<Buffer> => fc.uint8Array({ minLength: min, maxLength: max }).map((u) => Buffer.from(u));

/** Byte lengths allowed by a binary's or string's checks, capped so objects stay small. */
function lengths(checks: AttrDef['bounds'], cap: number): [number, number] | undefined {
  if (checks?.exactLen !== undefined) return [checks.exactLen, checks.exactLen];
  const lo = checks?.minLen ?? 0;
  const hi = Math.min(checks?.maxLen ?? cap, Math.max(cap, lo));
  return lo <= hi ? [lo, hi] : undefined;
}

/** A struct as decoded: every member (pads aside). */
export function structArb(st: StructType): fc.Arbitrary<Obj> {
  const model: Record<string, fc.Arbitrary<unknown>> = {};
  for (const m of st.members) {
    if (m.type === 'pad') continue;
    model[m.key] = m.array ? flexibleArb(m, st.size) : memberArb(m);
  }
  return fc.record(model, { noNullPrototype: true });
}

/**
 * A flexible array's elements, as many as end the struct on a 4-byte boundary: its bytes
 * are all that follow the fixed part, and a message pads them to 4 (a byte array's true
 * length is only known modulo that padding, e.g. audit's text and rule strings).
 */
function flexibleArb(m: Member, fixed: number): fc.Arbitrary<unknown> {
  const counts = [...Array(13).keys()].filter((n) => (fixed + n * m.elem) % 4 === 0).slice(0, 4);
  const one = memberArb({ ...m, array: false, size: m.elem });
  if (!counts.length) return fc.array(one, { maxLength: 3 });
  return fc.constantFrom(...counts).chain((n) => fc.array(one, { minLength: n, maxLength: n }));
}

function memberArb(m: Member): fc.Arbitrary<unknown> {
  // a flexible array (C `T name[]`): any number of elements
  if (m.array) return fc.array(memberArb({ ...m, array: false, size: m.elem }), { maxLength: 3 });
  switch (m.type) {
    case 'string':
      return textArb(0, m.size - 1);
    case 'binary': {
      if (m.structType) return structArb(m.structType!());
      const display = m.display;
      return bytesArb(m.size, m.size).map((b) => (isTextHint(display) && formatHint(display, b, 0, b.length)) || b);
    }
    default:
      return scalarArb(m.type, m.enumType, m.display)!;
  }
}

/** Where a sub-message's format number or name can be set in its (sibling) selector attribute. */
function selectorValueFor(sel: AttrDef, f: string): unknown {
  if (sel.type === 'string') return f.includes('\0') ? undefined : f;
  if (!isScalarKind(sel.type) || sel.display === 'ipv4') return undefined;
  const [lo, hi] = RANGE[sel.type];
  const numeric = /^-?\d+$/.test(f) ? BigInt(f) : undefined;
  const inRange = numeric !== undefined && numeric >= lo && numeric <= hi;
  if (WIDE.has(sel.type)) return inRange && !sel.enumType?.flags ? numeric : undefined;
  const e = sel.enumType;
  if (e?.flags) return undefined;
  if (e) {
    const v = e.byName.get(f);
    if (v !== undefined) return e.byValue.get(v) === f ? f : undefined;
    return inRange && !e.byValue.has(Number(numeric)) ? Number(numeric) : undefined;
  }
  return inRange ? Number(numeric) : undefined;
}

const merge = (parts: Obj[]): Obj => Object.assign({}, ...parts) as Obj;

/** Builds (and caches) the arbitraries of one family. */
export class FamilyArbitraries {
  private readonly sets = new Map<AttrSet, fc.Arbitrary<Obj>[]>();
  private readonly values = new Map<AttrDef, (fc.Arbitrary<unknown> | null)[]>();

  constructor(readonly family: Family, readonly opts: GenOptions = DEFAULTS) {}

  /** The attributes of a set that can be generated at this depth, one per key. */
  usable(set: AttrSet, depth: number, exclude?: ReadonlySet<string>): AttrDef[] {
    const seen = new Set<string>();
    const out: AttrDef[] = [];
    for (const def of set.byType) {
      if (!def || seen.has(def.key) || exclude?.has(def.key)) continue;
      seen.add(def.key);
      if (def.type === 'sub-message') {
        // only a selector in the same object is handled here
        const sel = set.byName.get(def.selector ?? '');
        if (sel && !def.multiAttr && this.value(sel, depth)) out.push(def);
      } else if (this.value(def, depth)) out.push(def);
    }
    return out;
  }

  /** An object of `set` (plus `$unknown` now and then), at most maxKeys attributes. */
  object(set: AttrSet, depth: number, exclude?: ReadonlySet<string>): fc.Arbitrary<Obj> {
    if (exclude?.size) return this.build(set, depth, exclude);
    let cached = this.sets.get(set);
    if (!cached) this.sets.set(set, (cached = []));
    return (cached[depth] ??= this.build(set, depth));
  }

  private build(set: AttrSet, depth: number, exclude?: ReadonlySet<string>): fc.Arbitrary<Obj> {
    if (depth > this.opts.maxDepth) return fc.constant({}).map(() => ({}));
    const defs = this.usable(set, depth, exclude);
    const unknown = this.opts.unknown ? this.unknownArb(set) : fc.constant(undefined);
    if (!defs.length) return unknown.map((u) => (u ? { $unknown: u } : {}));
    // at least one attribute at the top, fewer further down; in any order
    const most = Math.min(this.opts.maxKeys, defs.length);
    const picks = fc.integer({ min: depth === 0 ? 1 : 0, max: depth === 0 ? most : Math.min(most, 3) })
      .chain((n) => fc.shuffledSubarray(defs, { minLength: n, maxLength: n }));
    return fc.tuple(picks, unknown).chain(([picked, u]) => {
      const parts = this.parts(set, picked, depth);
      return fc.tuple(...parts).map((objs) => (u ? { ...merge(objs), $unknown: u } : merge(objs)));
    });
  }

  /** An object holding exactly these attributes (one arbitrary per selector group). */
  parts(set: AttrSet, picked: AttrDef[], depth: number): fc.Arbitrary<Obj>[] {
    const subs = picked.filter((d) => d.type === 'sub-message');
    const selectors = [...new Set(subs.map((d) => d.selector!))];
    const plain = picked.filter((d) => d.type !== 'sub-message' && !selectors.includes(d.name));
    const model: Record<string, fc.Arbitrary<unknown>> = {};
    for (const d of plain) model[d.key] = this.value(d, depth)!;
    const parts: fc.Arbitrary<Obj>[] = [fc.record(model, { noNullPrototype: true })];
    for (const name of selectors) parts.push(this.selectorGroup(set.byName.get(name)!, subs.filter((d) => d.selector === name), depth));
    return parts;
  }

  /** The selector and the sub-messages it picks the format of, consistent with each other. */
  private selectorGroup(sel: AttrDef, subs: AttrDef[], depth: number): fc.Arbitrary<Obj> {
    const formats = [...new Set(subs.flatMap((d) => [...d.subMessageOf!().formats.keys()]))].filter((f) => selectorValueFor(sel, f) !== undefined);
    if (!formats.length) return fc.record({ [sel.key]: this.value(sel, depth)! }, { noNullPrototype: true });
    return fc.constantFrom(...formats).chain((f) => {
      const model: Record<string, fc.Arbitrary<unknown>> = { [sel.key]: fc.constant(selectorValueFor(sel, f)) };
      const raw: Record<string, fc.Arbitrary<unknown>> = {};
      for (const d of subs) {
        const fmt = d.subMessageOf!().formats.get(f);
        // a format this sub-message does not have: only raw bytes can be sent, under $raw
        if (fmt) model[d.key] = this.headed(fmt.header, fmt.attrs, depth + 1);
        else raw[d.key] = bytesArb(0, 12);
      }
      if (Object.keys(raw).length) model.$raw = fc.record(raw, { noNullPrototype: true });
      return fc.record(model, { noNullPrototype: true });
    });
  }

  /** A struct's fields and a set's attributes in one object (fixed headers, headed nests, sub-messages). */
  headed(header: StructType | undefined, attrs: AttrSet | undefined, depth: number): fc.Arbitrary<Obj> {
    const h = header ? structArb(header) : fc.constant(undefined);
    const a = attrs ? this.object(attrs, depth, header ? new Set(header.byKey.keys()) : undefined) : fc.constant(undefined);
    return fc.tuple(h, a).map(([x, y]) => ({ ...(x ?? {}), ...(y ?? {}) }));
  }

  /** An operation's message object: fixed header fields and attributes. */
  message(op: Operation): fc.Arbitrary<Obj> {
    return this.headed(op.header, op.attrs, 0);
  }

  private unknownArb(set: AttrSet): fc.Arbitrary<unknown[] | undefined> {
    const entry = fc.record({
      type: fc.oneof(fc.integer({ min: 0, max: 0x3fff }), fc.integer({ min: set.byType.length, max: set.byType.length + 4 })).filter((t) => t <= 0x3fff && !set.byType[t]),
      nested: fc.boolean(),
      netByteOrder: fc.boolean(),
      data: bytesArb(0, 8),
    }, { noNullPrototype: true });
    return fc.oneof({ arbitrary: fc.constant(undefined), weight: 6 }, { arbitrary: fc.array(entry, { minLength: 1, maxLength: 2 }), weight: 1 });
  }

  /** A value of one attribute (an array of them for multi-attr); null/undefined when it cannot be generated. */
  value(def: AttrDef, depth: number): fc.Arbitrary<unknown> | undefined {
    let cached = this.values.get(def);
    if (!cached) this.values.set(def, (cached = []));
    let v = cached[depth];
    if (v === undefined) {
      const one = this.single(def, def.type, depth);
      v = cached[depth] = one ? (def.multiAttr ? fc.array(one, { minLength: 1, maxLength: this.opts.maxItems }) : one) : null;
    }
    return v ?? undefined;
  }

  private single(def: AttrDef, kind: AttrKind, depth: number): fc.Arbitrary<unknown> | undefined {
    switch (kind) {
      case 'flag':
        return fc.constant(true);
      case 'string': {
        const l = lengths(def.bounds, 24);
        return l && textArb(l[0], l[1]);
      }
      case 'binary':
        return this.binary(def, depth);
      case 'nest':
        if (!def.nested) return undefined;
        return this.headed(def.header?.(), def.nested(), depth + 1);
      case 'indexed-array': {
        const el = def.element!;
        const one = this.single(el, el.type, depth + 1);
        return one && fc.array(one, { maxLength: depth + 1 > this.opts.maxDepth ? 0 : this.opts.maxItems });
      }
      case 'nest-type-value': {
        const keys = def.typeValueKeys ?? ['type'];
        const types = fc.record(Object.fromEntries(keys.map((k) => [k, fc.integer({ min: 0, max: 0x3fff })])), { noNullPrototype: true });
        const attrs = def.nested ? this.object(def.nested(), depth + 1, new Set(keys)) : fc.constant({});
        return fc.array(fc.tuple(types, attrs).map(([t, a]) => ({ ...t, ...a })), { maxLength: depth + 1 > this.opts.maxDepth ? 0 : this.opts.maxItems });
      }
      case 'bitfield32': {
        const part = scalarArb('u32', def.enumType)!;
        return fc.record({ value: part, selector: part }, { noNullPrototype: true });
      }
      case 'sub-message':
      case 'pad':
      case 'unused':
        return undefined;
      default:
        return scalarArb(kind, def.enumType, def.display, def.bounds);
    }
  }

  private binary(def: AttrDef, depth: number): fc.Arbitrary<unknown> | undefined {
    if (def.recordsOf) {
      // records (rtnexthop and its attributes): each a struct's fields and attributes
      const r = def.recordsOf();
      return fc.array(this.headed(r.header, r.attrs, depth + 1), { maxLength: depth + 1 > this.opts.maxDepth ? 0 : this.opts.maxItems });
    }
    if (def.structType) return structArb(def.structType());
    const size = def.subType ? ELEMENT_SIZES[def.subType] : undefined;
    if (def.subType && size) {
      const el = scalarArb(def.subType, undefined, undefined)!;
      return fc.array(el, { maxLength: 4 });
    }
    const display = def.display;
    if (isTextHint(display)) {
      // mostly the size the hint formats; now and then another (kept as bytes)
      const natural = display === 'ipv4' ? [4] : display === 'ipv6' || display === 'uuid' ? [16] : display === 'ipv4-or-v6' ? [4, 16] : [6, 1, 8];
      const l = lengths(def.bounds, 20);
      if (!l) return undefined;
      const fits = natural.filter((n) => n >= l[0] && n <= l[1]);
      const any = bytesArb(l[0], l[1]);
      const len = fits.length ? fc.oneof({ arbitrary: fc.constantFrom(...fits).chain((n) => bytesArb(n, n)), weight: 4 }, { arbitrary: any, weight: 1 }) : any;
      return len.map((b) => formatHint(display, b, 0, b.length) ?? b);
    }
    const l = lengths(def.bounds, 24);
    return l && bytesArb(l[0], l[1]);
  }
}

// ------------------------------------------------------------------- wrong values

/** A place in a message object a caller fills in, the path NetlinkEncodeError must name, and values that are wrong there. */
export interface Slot {
  path: string;
  wrong: readonly unknown[];
  set(v: unknown): void;
}

const WRONG_SCALAR = [{}, 1.5, '\u0000nope', null, [{}]];
const WRONG_FLAG = [false, 1, 'yes', null];
const WRONG_STRING = [5, 'a\0b', null, Buffer.from('x')];
const WRONG_BINARY = [5, null, true];
const WRONG_NEST = [5, 'x', [], null];
const WRONG_ARRAY = [{}, 5, 'x', null];
const WRONG_TYPE = [-1, 0x4000, 1.5, 'x'];

/** Every slot of an operation's message object (a fresh copy: set() changes it). */
export function messageSlots(op: Operation, obj: Obj): Slot[] {
  const out: Slot[] = [];
  setSlots(op.attrs, op.header, obj, '', out);
  return out;
}

/** Every slot of an attribute set's object. */
export function objectSlots(set: AttrSet, obj: Obj): Slot[] {
  const out: Slot[] = [];
  setSlots(set, undefined, obj, '', out);
  return out;
}

function setSlots(set: AttrSet | undefined, header: StructType | undefined, obj: Obj, path: string, out: Slot[], skip?: readonly string[]): void {
  // selectors of a sub-message present here: a wrong selector is reported at the sub-message
  // when that is encoded first, so they are left alone
  const selectors = new Set<string>();
  if (set) for (const k of Object.keys(obj)) {
    const d = set.byKey.get(k);
    if (d?.type === 'sub-message' && d.selector) selectors.add(set.byName.get(d.selector)?.key ?? '');
  }
  for (const k of Object.keys(obj)) {
    if (skip?.includes(k)) continue;
    const p = `${path}.${k}`;
    if (k === '$unknown') {
      out.push({ path: p, wrong: [5, {}], set: (v) => { obj[k] = v; } });
      continue;
    }
    const m = header?.byKey.get(k);
    if (m) {
      memberSlots(m, obj, k, p, out);
      continue;
    }
    const def = set?.byKey.get(k);
    if (!def || selectors.has(k)) continue;
    if (def.multiAttr) {
      const arr = obj[k] as unknown[];
      out.push({ path: p, wrong: [{}, 5, 'x'], set: (v) => { obj[k] = v; } });
      arr.forEach((_, i) => valueSlots(def, def.type, arr, i, `${p}[${i}]`, obj, set!, out));
    } else valueSlots(def, def.type, obj, k, p, obj, set!, out);
  }
}

function valueSlots(def: AttrDef, kind: AttrKind, holder: Obj | unknown[], at: string | number, p: string, parent: Obj, set: AttrSet, out: Slot[]): void {
  const h = holder as Record<string | number, unknown>;
  const v = h[at];
  const here = (wrong: readonly unknown[]) => out.push({ path: p, wrong, set: (x) => { h[at] = x; } });
  switch (kind) {
    case 'flag': return void here(WRONG_FLAG);
    case 'string': return void here(WRONG_STRING);
    case 'binary':
      if (def.recordsOf) {
        here(WRONG_ARRAY);
        const r = def.recordsOf();
        (v as Obj[]).forEach((rec, i) => {
          out.push({ path: `${p}[${i}]`, wrong: [5, null], set: (x) => { (v as unknown[])[i] = x; } });
          setSlots(r.attrs, r.header, rec, `${p}[${i}]`, out);
        });
        return;
      }
      here(WRONG_BINARY);
      if (def.structType && v !== null && typeof v === 'object' && !(v instanceof Uint8Array)) structSlots(def.structType(), v as Obj, p, out);
      return;
    case 'nest':
      here(WRONG_NEST);
      return setSlots(def.nested!(), def.header?.(), v as Obj, p, out);
    case 'indexed-array': {
      here(WRONG_ARRAY);
      const el = def.element!;
      (v as unknown[]).forEach((_, i) => valueSlots(el, el.type, v as unknown[], i, `${p}[${i}]`, parent, set, out));
      return;
    }
    case 'nest-type-value': {
      here(WRONG_ARRAY);
      const keys = def.typeValueKeys ?? ['type'];
      (v as Obj[]).forEach((entry, i) => {
        const ep = `${p}[${i}]`;
        out.push({ path: ep, wrong: [5, null], set: (x) => { (v as unknown[])[i] = x; } });
        for (const k of keys) out.push({ path: `${ep}.${k}`, wrong: WRONG_TYPE, set: (x) => { entry[k] = x; } });
        if (def.nested) setSlots(def.nested(), undefined, entry, ep, out, keys);
      });
      return;
    }
    case 'bitfield32': {
      here([5, null, 'x', [], Buffer.alloc(8)]);
      const o = v as Obj;
      for (const k of ['value', 'selector']) out.push({ path: `${p}.${k}`, wrong: WRONG_SCALAR, set: (x) => { o[k] = x; } });
      return;
    }
    case 'sub-message': {
      if (v instanceof Uint8Array) return void here([5, {}]);
      here([5, [], null]);
      const sel = set.byName.get(def.selector!);
      const fmt = sel ? def.subMessageOf!().formats.get(String(parent[sel.key])) : undefined;
      if (fmt) setSlots(fmt.attrs, fmt.header, v as Obj, p, out);
      return;
    }
    default:
      return void here(WRONG_SCALAR);
  }
}

function structSlots(st: StructType, obj: Obj, path: string, out: Slot[]): void {
  for (const k of Object.keys(obj)) {
    const m = st.byKey.get(k);
    if (m) memberSlots(m, obj, k, `${path}.${k}`, out);
  }
}

function memberSlots(m: Member, obj: Obj, k: string, p: string, out: Slot[]): void {
  const here = (wrong: readonly unknown[]) => out.push({ path: p, wrong, set: (x) => { obj[k] = x; } });
  if (m.array) {
    here([5, null]);
    const items = obj[k] as Obj[];
    return items.forEach((_, i) => memberSlots({ ...m, array: false, size: m.elem }, items as unknown as Obj, String(i), `${p}[${i}]`, out));
  }
  switch (m.type) {
    case 'string': return void here([5, 'x'.repeat(m.size), null]);
    case 'binary':
      if (m.structType) {
        here([5, null]);
        return structSlots(m.structType!(), obj[k] as Obj, p, out);
      }
      return void here([5, Buffer.alloc(m.size + 1), null]);
    default:
      return void here(WRONG_SCALAR);
  }
}

