// Shared fast-check arbitraries and a reference netlink attribute encoder for the
// codec / attribute / writer / extack tests.
//
// The reference encoder is written straight from <linux/netlink.h> (struct nlattr:
// u16 nla_len, u16 nla_type; payload; padding to NLA_ALIGNTO = 4) and deliberately
// shares no code with src/, so the codec can be checked against it byte for byte.
import fc from 'fast-check';
import { AttrSet, type AttrDescription, type IntKind as ScalarKind } from '../../src/core/index.js';
import { setRefs } from './refs.js';

export const SCALAR_KINDS: readonly ScalarKind[] = ['u8', 'u16', 'u32', 'u64', 's8', 's16', 's32', 's64', 'uint', 'sint'];
export type LeafKind = ScalarKind | 'flag' | 'string' | 'binary';
export const LEAF_KINDS: readonly LeafKind[] = [...SCALAR_KINDS, 'flag', 'string', 'binary'];

export interface FieldSchema {
  name: string;
  /** camelCase key of `name`, as the codec will use it. */
  key: string;
  type: number;
  kind: LeafKind | 'nest' | 'indexed-array';
  /** indexed-array only */
  subKind?: LeafKind | 'nest';
  /** nest, and indexed-array of nests */
  set?: SetSchema;
  multi: boolean;
  bigEndian: boolean;
}

export interface SetSchema {
  name: string;
  fields: FieldSchema[];
}

export type Obj = Record<string, unknown>;

/** A fixed fast-check budget: the whole suite must stay fast. */
export const RUNS = { cheap: 500, normal: 250, heavy: 120 } as const;

// ----------------------------------------------------------------- descriptors

const WORDS = ['id', 'family-name', 'x', 'op_flags', 'if-index', 'a-b-c'];

/** Distinct attribute type numbers, mostly small (as real families use), some up to NLA_TYPE_MASK. */
const typesArb = (max: number) =>
  fc.uniqueArray(fc.oneof({ arbitrary: fc.integer({ min: 0, max: 40 }), weight: 4 }, { arbitrary: fc.integer({ min: 0, max: 0x3fff }), weight: 1 }), {
    maxLength: max,
  });

const leafKindArb = fc.constantFrom(...LEAF_KINDS);

type FieldShape = Omit<FieldSchema, 'name' | 'key' | 'type'>;

function fieldShapeArb(depth: number): fc.Arbitrary<FieldShape> {
  const leaf: fc.Arbitrary<FieldShape> = fc.record({ kind: leafKindArb, multi: fc.boolean(), bigEndian: fc.boolean() });
  if (depth <= 0) return leaf;
  const inner = setSchemaArb(depth - 1);
  const nest: fc.Arbitrary<FieldShape> = fc.record({ kind: fc.constant('nest' as const), set: inner, multi: fc.boolean(), bigEndian: fc.constant(false) });
  const leafArray: fc.Arbitrary<FieldShape> = fc.record({
    kind: fc.constant('indexed-array' as const),
    subKind: leafKindArb,
    multi: fc.boolean(),
    bigEndian: fc.boolean(),
  });
  const nestArray: fc.Arbitrary<FieldShape> = fc.record({
    kind: fc.constant('indexed-array' as const),
    subKind: fc.constant('nest' as const),
    set: inner,
    multi: fc.boolean(),
    bigEndian: fc.constant(false),
  });
  return fc.oneof({ arbitrary: leaf, weight: 5 }, { arbitrary: nest, weight: 2 }, { arbitrary: leafArray, weight: 1 }, { arbitrary: nestArray, weight: 2 });
}

/** A random attribute set: up to `maxFields` attributes, nests and indexed arrays up to `depth` levels down. */
export function setSchemaArb(depth = 2, maxFields = 5): fc.Arbitrary<SetSchema> {
  return typesArb(maxFields).chain((types) =>
    fc.tuple(...types.map(() => fc.tuple(fieldShapeArb(depth), fc.constantFrom(...WORDS)))).map((shapes) => ({
      name: `set-d${depth}`,
      fields: shapes.map(([shape, word], i) => {
        const name = `${word}-${types[i]}`;
        return { ...shape, name, key: camel(name), type: types[i] };
      }),
    })),
  );
}

function camel(name: string): string {
  return name.replace(/[-_]+([a-z0-9])/gi, (_, c: string) => c.toUpperCase());
}

/** Builds the AttrSet a schema describes. */
export function buildSet(s: SetSchema): AttrSet {
  const inner = new Map<string, AttrSet>();
  const attributes = s.fields.map((f) => {
    const a: AttrDescription = { name: f.name, value: f.type, type: f.kind };
    if (f.multi) a.multiAttr = true;
    if (f.bigEndian) a.byteOrder = 'big-endian';
    if (f.subKind) a.subType = f.subKind;
    if (f.set) {
      inner.set(f.name, buildSet(f.set));
      a.nestedAttributes = f.name;
    }
    return a;
  });
  return new AttrSet(s.name, attributes, setRefs(Object.fromEntries([...inner].map(([k, v]) => [k, () => v]))));
}

// ---------------------------------------------------------------------- values

const U64_MAX = (1n << 64n) - 1n;
const S64_MIN = -(1n << 63n);
const S64_MAX = (1n << 63n) - 1n;

/**
 * Strings the codec can carry: valid UTF-16 (so UTF-8 round trips) with no NUL, mixing
 * 1- to 4-byte UTF-8 sequences. (Built from code-point ranges: fc's 'binary' unit costs
 * ~0.6 s of set-up per process.)
 */
const codePointArb = fc
  .oneof(
    { arbitrary: fc.integer({ min: 0x01, max: 0x7f }), weight: 4 },
    fc.integer({ min: 0x80, max: 0x7ff }),
    fc.integer({ min: 0x800, max: 0xd7ff }),
    fc.integer({ min: 0xe000, max: 0xffff }),
    fc.integer({ min: 0x10000, max: 0x10ffff }),
  )
  .map((cp) => String.fromCodePoint(cp));
export const attrStringArb = fc.string({ unit: codePointArb, maxLength: 12 });

export function leafValueArb(kind: LeafKind): fc.Arbitrary<unknown> {
  switch (kind) {
    case 'u8': return fc.integer({ min: 0, max: 0xff });
    case 'u16': return fc.integer({ min: 0, max: 0xffff });
    case 'u32': return fc.integer({ min: 0, max: 0xffffffff });
    case 's8': return fc.integer({ min: -0x80, max: 0x7f });
    case 's16': return fc.integer({ min: -0x8000, max: 0x7fff });
    case 's32': return fc.integer({ min: -0x80000000, max: 0x7fffffff });
    case 'u64':
    case 'uint':
      // the constants include both sides of uint's 4/8-byte boundary
      return fc.oneof(fc.bigInt({ min: 0n, max: U64_MAX }), fc.integer({ min: 0, max: 0xffffffff }), fc.maxSafeNat(), fc.constantFrom(0n, U64_MAX, 2n ** 53n - 1n, 2n ** 53n, 0xffffffff, 0x100000000, 0xffffffffn, 0x100000000n));
    case 's64':
    case 'sint':
      // the constants include both sides of sint's 4/8-byte boundaries
      return fc.oneof(
        fc.bigInt({ min: S64_MIN, max: S64_MAX }), fc.integer(), fc.maxSafeInteger(),
        fc.constantFrom(S64_MIN, S64_MAX, -(2n ** 53n) + 1n, -(2n ** 53n), 0x7fffffff, 0x80000000, -0x80000000, -0x80000001, -0x80000000n, 0x80000000n),
      );
    case 'flag': return fc.constant(true);
    case 'string': return attrStringArb;
    case 'binary': return fc.uint8Array({ maxLength: 16 }).map((u) => Buffer.from(u));
  }
}

function elementArb(f: FieldSchema): fc.Arbitrary<unknown> {
  if (f.kind === 'nest') return objectArb(f.set!);
  if (f.kind === 'indexed-array') {
    const el = f.subKind === 'nest' ? objectArb(f.set!) : leafValueArb(f.subKind as LeafKind);
    return fc.array(el, { maxLength: 3 });
  }
  return leafValueArb(f.kind);
}

/** A random value for the set: every attribute optional; multi attributes have 1..3 items. */
export function objectArb(s: SetSchema): fc.Arbitrary<Obj> {
  const model: Record<string, fc.Arbitrary<unknown>> = {};
  for (const f of s.fields) model[f.key] = f.multi ? fc.array(elementArb(f), { minLength: 1, maxLength: 3 }) : elementArb(f);
  return fc.record(model, { requiredKeys: [] }) as fc.Arbitrary<Obj>;
}

/** A schema and a value of it. */
export const schemaAndValueArb = (depth = 2) => setSchemaArb(depth).chain((schema) => objectArb(schema).map((value) => ({ schema, value })));

/** What decodeAttrs must give back for a value encodeAttrs accepted. */
export function expectedDecode(s: SetSchema, obj: Obj): Obj {
  const out: Obj = {};
  for (const f of s.fields) {
    if (!(f.key in obj)) continue;
    const v = obj[f.key];
    out[f.key] = f.multi ? (v as unknown[]).map((x) => expectedElement(f, x)) : expectedElement(f, v);
  }
  return out;
}

function expectedElement(f: FieldSchema, v: unknown): unknown {
  if (f.kind === 'nest') return expectedDecode(f.set!, v as Obj);
  if (f.kind === 'indexed-array')
    return (v as unknown[]).map((x) => (f.subKind === 'nest' ? expectedDecode(f.set!, x as Obj) : expectedLeaf(f.subKind as LeafKind, x)));
  return expectedLeaf(f.kind, v);
}

export function expectedLeaf(kind: LeafKind, v: unknown): unknown {
  switch (kind) {
    case 'u64':
    case 's64':
      return BigInt(v as number | bigint);
    case 'uint':
    case 'sint':
      return BigInt(v as number | bigint);
    default:
      return v;
  }
}

// ------------------------------------------------------------ reference encoder

export const NLA_F_NESTED = 0x8000;
export const NLA_F_NET_BYTEORDER = 0x4000;

/** One attribute: nla_len = 4 + payload, nla_type, payload, zero padding to 4. */
export function tlv(type: number, payload: Uint8Array = Buffer.alloc(0)): Buffer {
  const len = 4 + payload.length;
  const out = Buffer.alloc((len + 3) & ~3);
  out.writeUInt16LE(len, 0);
  out.writeUInt16LE(type, 2);
  out.set(payload, 4);
  return out;
}

export const nest = (type: number, ...children: Uint8Array[]): Buffer => tlv(type, Buffer.concat(children));

const SIZES: Record<string, number> = { u8: 1, u16: 2, u32: 4, s8: 1, s16: 2, s32: 4, u64: 8, s64: 8 };

/**
 * Payload size of a scalar. uint/sint are variable-width as the kernel's nla_put_uint /
 * nla_put_sint write them: 4 bytes when the value fits in u32 (sint: s32), else 8.
 */
export function scalarSize(kind: ScalarKind, v: number | bigint): number {
  if (kind === 'uint') return BigInt(v) <= 0xffffffffn ? 4 : 8;
  if (kind === 'sint') return BigInt(v) >= -0x80000000n && BigInt(v) <= 0x7fffffffn ? 4 : 8;
  return SIZES[kind];
}

export function scalarBytes(kind: ScalarKind, v: number | bigint, bigEndian: boolean): Buffer {
  const size = scalarSize(kind, v);
  const b = Buffer.alloc(size);
  const signed = kind[0] === 's';
  if (size === 8) {
    const big = BigInt(v);
    if (signed) bigEndian ? b.writeBigInt64BE(big) : b.writeBigInt64LE(big);
    else bigEndian ? b.writeBigUInt64BE(big) : b.writeBigUInt64LE(big);
  } else if (signed) {
    bigEndian ? b.writeIntBE(Number(v), 0, size) : b.writeIntLE(Number(v), 0, size);
  } else {
    bigEndian ? b.writeUIntBE(Number(v), 0, size) : b.writeUIntLE(Number(v), 0, size);
  }
  return b;
}

/** One attribute of field f (or, with kind = f.subKind, one indexed-array element) as the reference lays it out. */
export function refValue(f: FieldSchema, kind: FieldSchema['kind'], type: number, v: unknown): Buffer {
  switch (kind) {
    case 'flag': return tlv(type);
    case 'string': return tlv(type, Buffer.concat([Buffer.from(v as string, 'utf8'), Buffer.from([0])]));
    case 'binary': return tlv(type, v as Uint8Array);
    case 'nest': return tlv(type | NLA_F_NESTED, refEncode(f.set!, v as Obj));
    case 'indexed-array': {
      const sub = f.subKind ?? 'nest';
      return tlv(type | NLA_F_NESTED, Buffer.concat((v as unknown[]).map((x, i) => refValue(f, sub, i + 1, x))));
    }
    default: return tlv(type, scalarBytes(kind, v as number | bigint, f.bigEndian));
  }
}

/** How encodeAttrs should lay out obj: attributes in key order, nests flagged NLA_F_NESTED, indexed arrays numbered from 1. */
export function refEncode(s: SetSchema, obj: Obj): Buffer {
  const parts: Buffer[] = [];
  for (const key of Object.keys(obj)) {
    const f = s.fields.find((x) => x.key === key)!;
    const v = obj[key];
    if (f.multi) for (const x of v as unknown[]) parts.push(refValue(f, f.kind, f.type, x));
    else parts.push(refValue(f, f.kind, f.type, v));
  }
  return Buffer.concat(parts);
}

// ------------------------------------------------------------------- utilities

/** Clones plain objects and arrays, keeping Buffers, bigints and other leaves as they are. */
export function deepClone<T>(v: T): T {
  if (Array.isArray(v)) return v.map(deepClone) as T;
  if (v !== null && typeof v === 'object' && !(v instanceof Uint8Array)) {
    const o: Obj = {};
    for (const [k, x] of Object.entries(v)) o[k] = deepClone(x);
    return o as T;
  }
  return v;
}

/** A place in a value where an attribute value sits, named as NetlinkEncodeError.path names it. */
export interface Slot {
  path: string;
  /** 'multi' is the array of a multi attribute; 'indexed-array' the array of an indexed array. */
  kind: LeafKind | 'nest' | 'indexed-array' | 'multi';
  set(v: unknown): void;
}

/** Every slot of obj (which must be a fresh clone: set() mutates it). */
export function slots(s: SetSchema, obj: Obj, path = ''): Slot[] {
  const out: Slot[] = [];
  for (const f of s.fields) {
    if (!(f.key in obj)) continue;
    const p = `${path}.${f.key}`;
    if (f.multi) {
      const arr = obj[f.key] as unknown[];
      out.push({ path: p, kind: 'multi', set: (v) => { obj[f.key] = v; } });
      arr.forEach((_, i) => out.push(...elementSlots(f, arr, i, `${p}[${i}]`)));
    } else {
      out.push(...elementSlots(f, obj, f.key, p));
    }
  }
  return out;
}

function elementSlots(f: FieldSchema, holder: Obj | unknown[], at: string | number, path: string): Slot[] {
  const h = holder as Record<string | number, unknown>;
  const here: Slot = { path, kind: f.kind, set: (v) => { h[at] = v; } };
  const out = [here];
  const v = h[at];
  if (f.kind === 'nest') out.push(...slots(f.set!, v as Obj, path));
  if (f.kind === 'indexed-array') {
    const arr = v as unknown[];
    arr.forEach((x, i) => {
      const p = `${path}[${i}]`;
      if (f.subKind === 'nest') {
        out.push({ path: p, kind: 'nest', set: (nv) => { arr[i] = nv; } });
        out.push(...slots(f.set!, x as Obj, p));
      } else {
        out.push({ path: p, kind: f.subKind as LeafKind, set: (nv) => { arr[i] = nv; } });
      }
    });
  }
  return out;
}

/** Values of the wrong type or range for each kind: encodeAttrs must refuse every one. */
export const WRONG: Record<Slot['kind'], readonly unknown[]> = {
  u8: ['1', 256, -1, 1.5, NaN, Infinity, 1n, null, true, {}],
  u16: ['1', 0x10000, -1, 0.5, NaN, -Infinity, 2n, null, [], false],
  u32: ['7', 0x100000000, -1, 2.25, NaN, Infinity, 3n, null, {}, true],
  s8: ['0', 128, -129, 0.1, NaN, 1n, null, []],
  s16: ['0', 0x8000, -0x8001, -0.5, NaN, 1n, null, {}],
  s32: ['0', 0x80000000, -0x80000001, 1e-3, NaN, 1n, null, {}],
  u64: ['1', -1, -1n, 1n << 64n, 2 ** 53, 1.5, NaN, Infinity, null, {}],
  uint: ['1', -1, -1n, 1n << 64n, 2 ** 60, 1.5, NaN, null, []],
  s64: ['1', 1n << 63n, -(1n << 63n) - 1n, 2 ** 53, -(2 ** 53), 0.5, NaN, null, {}],
  sint: ['1', 1n << 63n, -(1n << 63n) - 1n, 2 ** 64, 0.5, NaN, null, true],
  flag: [false, 1, 'true', null, {}],
  // a NUL would cut the string short on the kernel side
  string: [5, Buffer.from('x'), null, true, ['a'], 1n, 'a\0b', '\0', 'x\0'],
  binary: ['abc', [1, 2], 5, null, {}, true],
  nest: [5, 'x', [], null, true, 1n],
  'indexed-array': [{}, 'abc', 5, null, true],
  multi: [{}, 'abc', 5, null, true],
};
