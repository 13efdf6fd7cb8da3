// Attribute-set descriptors: the data form of a netlink family's attributes, which one
// interpreter (codec.ts) encodes and decodes. Hand-written sets and the YNL generator
// both produce these.
import type { EnumType } from './enums.js';
import type { FixedIntKind } from './ints.js';
import type { StructType } from './struct.js';

export type ScalarKind = 'u8' | 'u16' | 'u32' | 'u64' | 's8' | 's16' | 's32' | 's64' | 'uint' | 'sint';
export type AttrKind =
  | ScalarKind | 'flag' | 'string' | 'binary' | 'nest' | 'indexed-array' | 'pad' | 'unused'
  | 'bitfield32' | 'nest-type-value' | 'sub-message';
export type DisplayHint = 'ipv4' | 'ipv6' | 'mac' | 'hex' | 'uuid' | 'fddi' | 'ipv4-or-v6';

/** A sub-message: the format chosen by the selector's value (as text). */
export interface SubMessageFormat {
  header?: StructType;
  attrs?: AttrSet;
}
export interface SubMessage {
  name: string;
  formats: Map<string, SubMessageFormat>;
}

/** Checks applied when encoding, with bounds already resolved to numbers. */
export interface AttrChecks {
  min?: number | bigint;
  max?: number | bigint;
  minLen?: number;
  maxLen?: number;
  exactLen?: number;
}

export interface AttrSpec {
  /** The kernel's name, e.g. 'family-name'. */
  name: string;
  /** Attribute type number. */
  type: number;
  kind: AttrKind;
  /** For nest, nest-type-value and indexed-array of nests: the inner set (a thunk, so sets can refer to each other). */
  nested?: () => AttrSet;
  /** For indexed-array: the element kind ('nest' uses `nested`); for binary: an array of this scalar. */
  subKind?: AttrKind;
  /** The attribute may repeat; decoded as an array. */
  multi?: boolean;
  bigEndian?: boolean;
  display?: DisplayHint;
  /** Numbers in objects are this enum's names (flags: lists of names). */
  enum?: EnumType;
  /** Read a plain enum as bits (entry n is 1 << n). */
  enumAsFlags?: boolean;
  /** A binary holding this struct. */
  struct?: () => StructType;
  subMessage?: () => SubMessage;
  /** Kernel name of the attribute (here or in an enclosing set) whose value picks the sub-message format. */
  selector?: string;
  /** nest-type-value: a name for each level of type numbers. */
  typeValue?: string[];
  checks?: AttrChecks;
  /** A nest that starts with this struct (aligned to 4), then the attributes. */
  header?: () => StructType;
}

export interface AttrDef extends AttrSpec {
  /** camelCase key used in decoded objects. */
  key: string;
  /** The enum as applied (enum-as-flags resolved). */
  enumType?: EnumType;
  /** indexed-array: how one element is read. */
  element?: AttrDef;
  typeValueKeys?: string[];
}

/** 'family-name' -> 'familyName' */
export function camelCase(name: string): string {
  return name.replace(/[-_]+([a-z0-9])/gi, (_, c: string) => c.toUpperCase());
}

export class AttrSet {
  /** Indexed by attribute type. */
  readonly byType: (AttrDef | undefined)[] = [];
  readonly byKey = new Map<string, AttrDef>();
  /** By kernel name. */
  readonly byName = new Map<string, AttrDef>();
  private scope: boolean | undefined;

  constructor(readonly name: string, specs: readonly AttrSpec[]) {
    for (const spec of specs) {
      const def: AttrDef = { ...spec, key: camelCase(spec.name) };
      if (spec.enum) def.enumType = spec.enumAsFlags ? spec.enum.asFlags() : spec.enum;
      if (spec.kind === 'indexed-array') def.element = { ...def, kind: spec.subKind ?? 'nest', multi: false };
      if (spec.typeValue) def.typeValueKeys = spec.typeValue.map(camelCase);
      this.byType[spec.type] = def;
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
      if (def.kind === 'sub-message') need = true;
      else if (def.nested && (def.kind === 'nest' || def.kind === 'indexed-array') && def.nested().needsScope) need = true;
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
