// Attribute sets made ready to run: a set's attribute descriptions (the vocabulary the YNL
// generator emits, src/core/description.ts) with their references resolved and their keys
// computed, which one interpreter (codec.ts) encodes and decodes.
import type { AttrDescription } from './description.js';
import { NetlinkDecodeError } from './errors.js';
import type { EnumType } from './enums.js';
import type { FixedIntKind } from './ints.js';
import { StructType } from './struct.js';

/**
 * A binary of records (see AttrDescription.records), resolved: `header` is the struct with
 * its length member blanked (objects never carry it), `length` where that member sits.
 */
export interface Records {
  header: StructType;
  length: { offset: number; size: 1 | 2 | 4; bigEndian: boolean; name: string; key: string };
  attrs?: AttrSet;
}

/** A sub-message: the format chosen by the selector's value (as text). */
export interface SubMessageFormat {
  header?: StructType;
  attrs?: AttrSet;
}
export interface SubMessage {
  name: string;
  formats: ReadonlyMap<string, SubMessageFormat>;
}

/** Checks applied when encoding, with bounds already resolved to numbers. */
export interface AttrBounds {
  min?: number | bigint;
  max?: number | bigint;
  minLen?: number;
  maxLen?: number;
  exactLen?: number;
}

/**
 * How a description's names are found: the family (or hand-written group of sets) they
 * belong to. Lookups happen on first use, so sets can refer to each other and to themselves.
 */
export interface DescriptionRefs {
  set(name: string, where: string): AttrSet;
  struct(name: string, where: string): StructType;
  enum(name: string, where: string): EnumType;
  subMessage(name: string, where: string): SubMessage;
  /** A check's bound written as a name ('u32-max', a const): its number, or undefined. */
  bound?(v: number | string): number | bigint | undefined;
}

/** An attribute description, resolved: what the codec reads per attribute. */
export interface AttrDef extends AttrDescription {
  /** camelCase key used in objects. */
  key: string;
  /** `.key`: the attribute's path in encode errors at the top level, made once, not per value encoded. */
  dotKey: string;
  bigEndian: boolean;
  /** nestedAttributes, resolved. */
  nested?: () => AttrSet;
  /** struct, resolved. */
  structType?: () => StructType;
  /** subMessage, resolved. */
  subMessageOf?: () => SubMessage;
  /** fixedHeader, resolved: a nest that starts with this struct (aligned to 4), then the attributes. */
  header?: () => StructType;
  /** The enum as applied (enum-as-flags resolved). */
  enumType?: EnumType;
  /** checks, with bounds resolved to numbers (bounds naming kernel-internal constants are left to the kernel). */
  bounds?: AttrBounds;
  /** records, resolved. */
  recordsOf?: () => Records;
  /** indexed-array: how one element is read. */
  element?: AttrDef;
  typeValueKeys?: string[];
}

/** 'family-name' -> 'familyName': the key of a spec name in objects, everywhere. */
export function camelCase(name: string): string {
  return name.replace(/[-_]+([a-z0-9])/gi, (_, c: string) => c.toUpperCase());
}

const NO_REFS: DescriptionRefs = {
  set: missing, struct: missing, enum: missing, subMessage: missing,
};
function missing(name: string, where: string): never {
  throw new TypeError(`${where} refers to '${name}', and its set was made without references`);
}

function bounds(a: AttrDescription, refs: DescriptionRefs): AttrBounds | undefined {
  if (!a.checks) return undefined;
  const out: AttrBounds = {};
  const num = (v: number | string | undefined) => (v === undefined ? undefined : typeof v === 'number' ? v : refs.bound?.(v));
  const min = num(a.checks.min), max = num(a.checks.max);
  if (min !== undefined) out.min = min;
  if (max !== undefined) out.max = max;
  for (const k of ['minLen', 'maxLen', 'exactLen'] as const) {
    const v = num(a.checks[k]);
    if (typeof v === 'number') out[k] = v;
  }
  return Object.keys(out).length ? out : undefined;
}

/**
 * A reference resolved on first use (the set or struct may be described later in the same
 * description), then kept: codecs follow it once per nest on every message.
 */
function once<T>(look: () => T): () => T {
  let v: T | undefined;
  return () => (v ??= look());
}

function resolve(a: AttrDescription, setName: string, refs: DescriptionRefs): AttrDef {
  const where = `${setName}.${a.name}`;
  const key = camelCase(a.name);
  // Object.assign, not `{ ...a, key }`: in node 20 that spread cost ~5 us a definition (a map
  // made per object), most of building a family's sets at start-up
  const def: AttrDef = Object.assign({}, a, { key, dotKey: `.${key}`, bigEndian: a.byteOrder === 'big-endian' });
  const { nestedAttributes: n, struct: st, subMessage: sm, fixedHeader: h } = a;
  if (n !== undefined) def.nested = once(() => refs.set(n, where));
  if (st !== undefined) def.structType = once(() => refs.struct(st, where));
  if (sm !== undefined) def.subMessageOf = once(() => refs.subMessage(sm, where));
  if (h !== undefined) def.header = once(() => refs.struct(h, where));
  if (a.enum !== undefined) {
    const e = refs.enum(a.enum, where);
    def.enumType = a.enumAsFlags ? e.asFlags() : e;
  }
  const b = bounds(a, refs);
  if (b) def.bounds = b;
  if (a.records !== undefined) {
    const rec = a.records;
    if (a.type !== 'binary' || st === undefined) throw new TypeError(`${where}: records need a binary with a struct`);
    def.recordsOf = once(() => records(refs.struct(st, where), rec.length, rec.attributes === undefined ? undefined : refs.set(rec.attributes, where), refs, where));
  }
  if (a.type === 'indexed-array') def.element = { ...def, type: a.subType ?? 'nest', multiAttr: false };
  if (a.typeValue) def.typeValueKeys = a.typeValue.map(camelCase);
  return def;
}

/** The record layout of a struct whose `length` member counts each record's bytes. */
function records(full: StructType, length: string, attrs: AttrSet | undefined, refs: DescriptionRefs, where: string): Records {
  const m = full.members.find((x) => x.name === length);
  if (!m || !(m.type === 'u8' || m.type === 'u16' || m.type === 'u32') || m.array)
    throw new TypeError(`${where}: records' length '${length}' must be a u8, u16 or u32 member of struct ${full.name}`);
  // the same struct without its length: decoded objects leave it out, encoding computes it
  const header = new StructType(full.name, full.members.map((x) => (x === m ? { name: x.name, type: 'pad' as const, len: x.size } : x)), refs);
  return { header, attrs, length: { offset: m.offset, size: m.size as 1 | 2 | 4, bigEndian: m.bigEndian, name: m.name, key: m.key } };
}

/** The length of the record at buf[pos] (its struct's length member). */
export function recordLength(r: Records, buf: Buffer, pos: number, end: number): number {
  const { offset, size, bigEndian } = r.length;
  if (end - pos < r.header.size) throw new NetlinkDecodeError(`${end - pos} trailing byte(s) are too short for a struct ${r.header.name} record (${r.header.size} bytes)`, pos);
  const at = pos + offset;
  const len = size === 1 ? buf[at] : size === 2 ? (bigEndian ? buf.readUInt16BE(at) : buf.readUInt16LE(at)) : bigEndian ? buf.readUInt32BE(at) : buf.readUInt32LE(at);
  if (len < r.header.size) throw new NetlinkDecodeError(`struct ${r.header.name} record length ${len} is shorter than its struct (${r.header.size} bytes)`, pos);
  if (len > end - pos) throw new NetlinkDecodeError(`struct ${r.header.name} record length ${len} runs past its attribute (${end - pos} bytes left)`, pos);
  return len;
}

export class AttrSet {
  /** Indexed by attribute type. */
  readonly byType: (AttrDef | undefined)[] = [];
  readonly byKey = new Map<string, AttrDef>();
  /** By kernel name. */
  readonly byName = new Map<string, AttrDef>();
  private scope: boolean | undefined;
  /** The codec's compiled key tables for encoding, per fixed header (codec.ts keyTable). */
  encoders?: Map<unknown, unknown>;

  /**
   * `attributes` as a description gives them; `refs` finds the sets, structs, enums and
   * sub-messages they name (not needed by sets that name none).
   */
  constructor(readonly name: string, attributes: readonly AttrDescription[], refs: DescriptionRefs = NO_REFS) {
    for (const a of attributes) {
      const def = resolve(a, name, refs);
      this.byType[a.value] = def;
      this.byKey.set(def.key, def);
      this.byName.set(def.name, def);
    }
  }

  /**
   * Whether decoding needs to see enclosing objects: a sub-message below picks its format
   * by an attribute that may live in an outer set. Sets without one decode with no
   * bookkeeping.
   */
  get needsScope(): boolean {
    if (this.scope !== undefined) return this.scope;
    this.scope = false; // breaks cycles; the answer for a cycle comes from its other members
    let need = false;
    for (const def of this.byType) {
      if (!def) continue;
      if (def.type === 'sub-message') need = true;
      else if (def.nested && (def.type === 'nest' || def.type === 'indexed-array') && def.nested().needsScope) need = true;
      if (need) break;
    }
    return (this.scope = need);
  }
}

/** What a request message looks like after its netlink header, for error paths and codecs. */
export interface MessageLayout {
  /** Bytes of fixed header between nlmsghdr and the attributes (e.g. 4 for genlmsghdr). */
  headerSize: number;
  attrs?: AttrSet;
  /** The operation's name, for errors: 'EEXIST: File exists (newlink ifname veth0)'. */
  operation?: string;
  /** Where a request names the object it acts on, first found first shown (one per label). */
  subject?: readonly SubjectField[];
}

/** A value in a request that names its object (an interface name or index), for error messages. */
export interface SubjectField {
  /** The word shown before the value, e.g. 'ifname', 'ifindex'. */
  label: string;
  /** A fixed-header member: its byte offset after nlmsghdr. */
  offset?: number;
  /** Or an attribute: its type at the top, then inside each nest. */
  attrs?: readonly number[];
  kind: 'string' | FixedIntKind;
}
