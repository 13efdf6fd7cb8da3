// Attribute-set descriptors: the data form of a netlink family's attributes, which one
// interpreter (codec.ts) encodes and decodes. Hand-written sets and the YNL generator
// both produce these.

export type ScalarKind = 'u8' | 'u16' | 'u32' | 'u64' | 's8' | 's16' | 's32' | 's64' | 'uint' | 'sint';
export type AttrKind = ScalarKind | 'flag' | 'string' | 'binary' | 'nest' | 'indexed-array' | 'pad' | 'unused';
export type DisplayHint = 'ipv4' | 'ipv6' | 'mac' | 'hex' | 'uuid';

export interface AttrSpec {
  /** The kernel's name, e.g. 'family-name'. */
  name: string;
  /** Attribute type number. */
  type: number;
  kind: AttrKind;
  /** For nest, and indexed-array of nests: the inner set (a thunk, so sets can refer to each other). */
  nested?: () => AttrSet;
  /** For indexed-array: the element kind ('nest' uses `nested`). */
  subKind?: AttrKind;
  /** The attribute may repeat; decoded as an array. */
  multi?: boolean;
  bigEndian?: boolean;
  display?: DisplayHint;
}

export interface AttrDef extends AttrSpec {
  /** camelCase key used in decoded objects. */
  key: string;
}

/** 'family-name' -> 'familyName' */
export function camelCase(name: string): string {
  return name.replace(/[-_]+([a-z0-9])/gi, (_, c: string) => c.toUpperCase());
}

export class AttrSet {
  /** Indexed by attribute type. */
  readonly byType: (AttrDef | undefined)[] = [];
  readonly byKey = new Map<string, AttrDef>();

  constructor(readonly name: string, specs: readonly AttrSpec[]) {
    for (const spec of specs) {
      const def: AttrDef = { ...spec, key: camelCase(spec.name) };
      this.byType[spec.type] = def;
      this.byKey.set(def.key, def);
    }
  }
}

/** What a request message looks like after its netlink header, for error paths and codecs. */
export interface MessageLayout {
  /** Bytes of fixed header between nlmsghdr and the attributes (e.g. 4 for genlmsghdr). */
  headerSize: number;
  attrs?: AttrSet;
}
