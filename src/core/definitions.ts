// A group of descriptions built once into the codec's parts, by name: enums, structs,
// attribute sets and sub-messages. A family is one (src/ynl/family.ts adds operations);
// hand-written sets that refer to each other are another:
//
//   const ctrl = new Definitions({ attributeSets: [
//     { name: 'op-attrs', attributes: [{ name: 'id', value: 1, type: 'u32' }] },
//     { name: 'ctrl-attrs', attributes: [{ name: 'ops', value: 6, type: 'indexed-array', subType: 'nest', nestedAttributes: 'op-attrs' }] },
//   ] });
//   decodeAttrs(ctrl.set('ctrl-attrs'), buf, start, end);
import { AttrSet, type DescriptionRefs, type SubMessage } from './attrset.js';
import type { AttrSetDescription, Definition, StructDefinition, SubMessageDescription } from './description.js';
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
  readonly enums = new Map<string, EnumType>();
  readonly structs = new Map<string, StructType>();
  readonly sets = new Map<string, AttrSet>();
  readonly subMessages = new Map<string, SubMessage>();
  readonly consts = new Map<string, number | string>();
  private readonly structDefs = new Map<string, StructDefinition>();

  /**
   * `resolveName`: a check's bound written as a const's name (or "NAME - 1"), as a number;
   * without it only numbers and type limits ('u32-max') are bounds.
   */
  constructor(input: DefinitionsInput, private readonly resolveName?: (v: string, consts: ReadonlyMap<string, number | string>) => number | undefined) {
    this.name = input.name ?? 'descriptions';
    for (const d of input.definitions ?? []) {
      if (d.type === 'const') this.consts.set(d.name, d.value);
      else if (d.type === 'enum' || d.type === 'flags') this.enums.set(d.name, new EnumType(d.name, d.type === 'flags', d.entries));
      else if (d.type === 'struct') this.structDefs.set(d.name, d);
    }
    for (const name of this.structDefs.keys()) this.struct(name, 'definitions');
    for (const s of input.attributeSets ?? []) this.sets.set(s.name, new AttrSet(s.name, s.attributes, this));
    for (const sm of input.subMessages ?? []) {
      this.subMessages.set(sm.name, {
        name: sm.name,
        formats: new Map(sm.formats.map((f) => [f.value, {
          ...(f.fixedHeader ? { header: this.struct(f.fixedHeader, `sub-message ${sm.name}`) } : {}),
          ...(f.attributeSet ? { attrs: this.set(f.attributeSet, `sub-message ${sm.name}`) } : {}),
        }])),
      });
    }
  }

  set(name: string, where = 'lookup'): AttrSet {
    const s = this.sets.get(name);
    if (!s) throw new TypeError(`${this.name}: ${where} names no attribute set '${name}'`);
    return s;
  }

  struct(name: string, where = 'lookup'): StructType {
    let s = this.structs.get(name);
    if (s) return s;
    const d = this.structDefs.get(name);
    if (!d) throw new TypeError(`${this.name}: ${where} names no struct '${name}'`);
    s = new StructType(name, d.members, this);
    this.structs.set(name, s);
    return s;
  }

  enum(name: string, where = 'lookup'): EnumType {
    const e = this.enums.get(name);
    if (!e) throw new TypeError(`${this.name}: ${where} names no enum '${name}'`);
    return e;
  }

  subMessage(name: string, where = 'lookup'): SubMessage {
    const m = this.subMessages.get(name);
    if (!m) throw new TypeError(`${this.name}: ${where} names no sub-message '${name}'`);
    return m;
  }

  bound(v: number | string): number | bigint | undefined {
    if (typeof v === 'number') return v;
    return typeLimit(v) ?? this.resolveName?.(v, this.consts);
  }
}
