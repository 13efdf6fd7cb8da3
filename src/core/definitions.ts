// A group of descriptions built once into the codec's parts, by name: enums, structs,
// attribute sets and sub-messages. A family is one (src/ynl/family.ts adds operations);
// hand-written sets that refer to each other are another:
//
//   const ctrl = new Definitions({ attributeSets: [
//     { name: 'op-attrs', attributes: [{ name: 'id', value: 1, type: 'u32' }] },
//     { name: 'ctrl-attrs', attributes: [{ name: 'ops', value: 6, type: 'indexed-array', subType: 'nest', nestedAttributes: 'op-attrs' }] },
//   ] });
//   decodeAttrs(ctrl.set('ctrl-attrs'), buf, start, end);
import { AttrSet, type DescriptionRefs, type SubMessage, type SubMessageFormat } from './attrset.js';
import type { AttrSetDescription, Definition, EnumDefinition, StructDefinition, SubMessageDescription } from './description.js';
import { EnumType } from './enums.js';
import { StructType } from './struct.js';

export interface DefinitionsInput {
  /** Used in error messages. */
  name?: string;
  definitions?: readonly Definition[];
  attributeSets?: readonly AttrSetDescription[];
  subMessages?: readonly SubMessageDescription[];
}

const LIMIT = /^([us])(8|16|32|64)-(min|max)$/;

/** 'u32-max', 's8-min'... as numbers (bigints beyond 2^53). */
function typeLimit(v: string): number | bigint | undefined {
  const m = LIMIT.exec(v);
  if (!m) return undefined;
  const bits = BigInt(m[2]);
  const n = m[1] === 'u' ? (m[3] === 'min' ? 0n : (1n << bits) - 1n) : m[3] === 'min' ? -(1n << (bits - 1n)) : (1n << (bits - 1n)) - 1n;
  return n >= -0x1fffffffffffffn && n <= 0x1fffffffffffffn ? Number(n) : n;
}

export class Definitions implements DescriptionRefs {
  readonly name: string;
  readonly consts = new Map<string, number | string>();
  // Each part is built on its first lookup, not with the whole: a program decoding tc filters
  // needs a dozen of tc's ~150 sets (building them all was most of a cold start's codec time)
  private readonly enumDefs = new Map<string, EnumDefinition>();
  private readonly structDefs = new Map<string, StructDefinition>();
  private readonly setDefs = new Map<string, AttrSetDescription>();
  private readonly subMessageDefs = new Map<string, SubMessageDescription>();
  private readonly builtEnums = new Map<string, EnumType>();
  private readonly builtStructs = new Map<string, StructType>();
  private readonly builtSets = new Map<string, AttrSet>();
  private readonly builtSubMessages = new Map<string, SubMessage>();

  /**
   * `resolveName`: a check's bound written as a const's name (or "NAME - 1"), as a number;
   * without it only numbers and type limits ('u32-max') are bounds.
   */
  constructor(input: DefinitionsInput, private readonly resolveName?: (v: string, consts: ReadonlyMap<string, number | string>) => number | undefined) {
    this.name = input.name ?? 'descriptions';
    for (const d of input.definitions ?? []) {
      if (d.type === 'const') this.consts.set(d.name, d.value);
      else if (d.type === 'enum' || d.type === 'flags') this.enumDefs.set(d.name, d);
      else if (d.type === 'struct') this.structDefs.set(d.name, d);
    }
    for (const s of input.attributeSets ?? []) this.setDefs.set(s.name, s);
    for (const sm of input.subMessages ?? []) this.subMessageDefs.set(sm.name, sm);
  }

  /** Every part, built (listing them all: the CLI's ynl listings, property tests). */
  get enums(): ReadonlyMap<string, EnumType> {
    return this.all(this.enumDefs, this.builtEnums, (n) => this.enum(n));
  }
  get structs(): ReadonlyMap<string, StructType> {
    return this.all(this.structDefs, this.builtStructs, (n) => this.struct(n));
  }
  get sets(): ReadonlyMap<string, AttrSet> {
    return this.all(this.setDefs, this.builtSets, (n) => this.set(n));
  }
  get subMessages(): ReadonlyMap<string, SubMessage> {
    return this.all(this.subMessageDefs, this.builtSubMessages, (n) => this.subMessage(n));
  }

  private all<T>(defs: Map<string, unknown>, built: Map<string, T>, build: (name: string) => T): ReadonlyMap<string, T> {
    if (built.size < defs.size) {
      // in the description's order, whatever was looked up first
      for (const n of defs.keys()) build(n);
      const ordered = [...defs.keys()].map((n): [string, T] => [n, built.get(n)!]);
      built.clear();
      for (const [n, v] of ordered) built.set(n, v);
    }
    return built;
  }

  set(name: string, where = 'lookup'): AttrSet {
    let s = this.builtSets.get(name);
    if (s) return s;
    const d = this.setDefs.get(name);
    if (!d) throw new TypeError(`${this.name}: ${where} names no attribute set '${name}'`);
    s = new AttrSet(name, d.attributes, this);
    this.builtSets.set(name, s);
    return s;
  }

  struct(name: string, where = 'lookup'): StructType {
    let s = this.builtStructs.get(name);
    if (s) return s;
    const d = this.structDefs.get(name);
    if (!d) throw new TypeError(`${this.name}: ${where} names no struct '${name}'`);
    s = new StructType(name, d.members, this);
    this.builtStructs.set(name, s);
    return s;
  }

  enum(name: string, where = 'lookup'): EnumType {
    let e = this.builtEnums.get(name);
    if (e) return e;
    const d = this.enumDefs.get(name);
    if (!d) throw new TypeError(`${this.name}: ${where} names no enum '${name}'`);
    e = new EnumType(name, d.type === 'flags', d.entries);
    this.builtEnums.set(name, e);
    return e;
  }

  subMessage(name: string, where = 'lookup'): SubMessage {
    let m = this.builtSubMessages.get(name);
    if (m) return m;
    const sm = this.subMessageDefs.get(name);
    if (!sm) throw new TypeError(`${this.name}: ${where} names no sub-message '${name}'`);
    const at = `sub-message ${name}`;
    m = {
      name,
      formats: new Formats(new Map(sm.formats.map((f) => [f.value, (): SubMessageFormat => {
        const out: SubMessageFormat = {};
        if (f.fixedHeader) out.header = this.struct(f.fixedHeader, at);
        if (f.attributeSet) out.attrs = this.set(f.attributeSet, at);
        return out;
      }]))),
    };
    this.builtSubMessages.set(name, m);
    return m;
  }

  bound(v: number | string): number | bigint | undefined {
    if (typeof v === 'number') return v;
    return typeLimit(v) ?? this.resolveName?.(v, this.consts);
  }
}

/**
 * A sub-message's formats by selector value, each built on its first lookup: tc's qdisc
 * options have ~40 formats (a set each), and listing a device's qdiscs meets one or two
 * (building them all was a third of a short `tc qdisc show`).
 */
class Formats implements ReadonlyMap<string, SubMessageFormat> {
  private readonly built = new Map<string, SubMessageFormat>();

  constructor(private readonly makers: ReadonlyMap<string, () => SubMessageFormat>) {}

  get(value: string): SubMessageFormat | undefined {
    let f = this.built.get(value);
    if (f === undefined) {
      const make = this.makers.get(value);
      if (make === undefined) return undefined;
      this.built.set(value, (f = make()));
    }
    return f;
  }

  has(value: string): boolean {
    return this.makers.has(value);
  }

  get size(): number {
    return this.makers.size;
  }

  keys(): MapIterator<string> {
    return this.makers.keys();
  }

  *entries(): MapIterator<[string, SubMessageFormat]> {
    for (const k of this.makers.keys()) yield [k, this.get(k)!];
  }

  *values(): MapIterator<SubMessageFormat> {
    for (const k of this.makers.keys()) yield this.get(k)!;
  }

  forEach(fn: (f: SubMessageFormat, value: string, map: ReadonlyMap<string, SubMessageFormat>) => void): void {
    for (const [k, f] of this.entries()) fn(f, k, this);
  }

  [Symbol.iterator](): MapIterator<[string, SubMessageFormat]> {
    return this.entries();
  }
}
