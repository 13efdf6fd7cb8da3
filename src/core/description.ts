// The vocabulary of netlink descriptions, as the YNL generator writes it and the core codec
// reads it: attributes, attribute sets, structs, enums and sub-messages, with every value
// computed and references by name. A family (src/ynl/schema.ts) adds its operations and
// groups; hand-written sets use the same shapes.
import type { FixedIntKind as IntType } from './ints.js';

export type { IntType };

export type AttrType =
  | IntType | 'uint' | 'sint' | 'flag' | 'string' | 'binary' | 'bitfield32' | 'pad' | 'unused'
  | 'nest' | 'indexed-array' | 'nest-type-value' | 'sub-message';
export type DisplayHint = 'hex' | 'mac' | 'fddi' | 'ipv4' | 'ipv6' | 'ipv4-or-v6' | 'uuid';
export type ByteOrder = 'little-endian' | 'big-endian';

export interface ConstDefinition {
  type: 'const';
  name: string;
  value: number | string;
}

export interface EnumEntry {
  name: string;
  /** The value on the wire: for flags, the mask (1 << bit). */
  value: number;
}

export interface EnumDefinition {
  type: 'enum' | 'flags';
  name: string;
  entries: EnumEntry[];
}

export interface StructMember {
  name: string;
  type: IntType | 'string' | 'binary' | 'pad';
  /** Bytes, for string, binary and pad members. */
  len?: number;
  byteOrder?: ByteOrder;
  enum?: string;
  enumAsFlags?: boolean;
  display?: DisplayHint;
  /** A binary member holding another struct. */
  struct?: string;
  /**
   * nlkit: a flexible array member (C `T name[]`), the struct's last: as many elements (of
   * `struct`, or of the integer type) as the bytes after the fixed part hold. Not counted
   * in the struct's size.
   */
  array?: boolean;
}

export interface StructDefinition {
  type: 'struct';
  name: string;
  /** Packed size in bytes (members are laid end to end, as the kernel's uapi structs are). */
  size: number;
  members: StructMember[];
}

export type Definition = ConstDefinition | EnumDefinition | StructDefinition;

export interface AttrChecks {
  min?: number | string;
  max?: number | string;
  minLen?: number | string;
  maxLen?: number | string;
  exactLen?: number | string;
  unterminatedOk?: boolean;
  flagsMask?: string;
}

export interface AttrDescription {
  name: string;
  /** Attribute type number. */
  value: number;
  type: AttrType;
  multiAttr?: boolean;
  byteOrder?: ByteOrder;
  /** For nest, indexed-array and nest-type-value: the attribute set inside. */
  nestedAttributes?: string;
  /** Element type of indexed-array, or of an array held in a binary. */
  subType?: AttrType;
  enum?: string;
  enumAsFlags?: boolean;
  display?: DisplayHint;
  /** A binary holding this struct. */
  struct?: string;
  subMessage?: string;
  /** Name of the attribute (here or in an enclosing set) whose value picks the sub-message format. */
  selector?: string;
  /** nest-type-value: the names given to each level of type numbers. */
  typeValue?: string[];
  checks?: AttrChecks;
  /** nlkit extension, for hand-written additions: a struct at the start of a nest, before its attributes. */
  fixedHeader?: string;
  /**
   * nlkit extension: a binary holding a run of records, each the `struct` (whose `length`
   * member counts the whole record's bytes) followed by attributes of the set `attributes`,
   * records starting at 4-byte boundaries: RTA_MULTIPATH's rtnexthop entries. Objects hold
   * an array of the struct's fields and the attributes; the length is computed, not given.
   */
  records?: RecordsLayout;
}

export interface RecordsLayout {
  /** The struct member (an unsigned integer) holding the record's length, header included. */
  length: string;
  /** The attributes after each record's struct (at the next 4-byte boundary). */
  attributes?: string;
}

export interface AttrSetDescription {
  name: string;
  subsetOf?: string;
  attributes: AttrDescription[];
}

export interface SubMessageFormat {
  /** Selector value, as text (an enum name, a kind string or a number). */
  value: string;
  fixedHeader?: string;
  attributeSet?: string;
}

export interface SubMessageDescription {
  name: string;
  formats: SubMessageFormat[];
}

