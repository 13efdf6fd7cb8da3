// The resolved description of a netlink family: what a YNL spec says once every value is
// computed (attribute and message numbers, enum values, subsets, struct sizes) and the
// prose is dropped. The generator writes these as data; specs loaded at run time and
// descriptions written by hand in TypeScript take the same form.

export type Protocol = 'genetlink' | 'genetlink-c' | 'genetlink-legacy' | 'netlink-raw';
export type IntType = 'u8' | 'u16' | 'u32' | 'u64' | 's8' | 's16' | 's32' | 's64';
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

export interface MessageDescription {
  /** Attribute names from the operation's set. */
  attributes: string[];
  /**
   * nlkit (set by corrections): the kernel may leave this reply out, e.g. when the request
   * asks it to (ethtool's ETHTOOL_FLAG_OMIT_REPLY). A do-request then also asks for the ack.
   */
  optional?: boolean;
}

export interface OperationMode {
  request?: MessageDescription;
  reply?: MessageDescription;
}

export interface OperationDescription {
  name: string;
  /** The message type sent to the kernel, when there is a request. */
  requestValue?: number;
  /** The message type the kernel sends (replies, notifications, events). */
  replyValue?: number;
  attributeSet?: string;
  fixedHeader?: string;
  do?: OperationMode;
  dump?: OperationMode;
  /** Notification carrying the reply shape of the named operation. */
  notify?: string;
  event?: { attributes: string[] };
  mcgrp?: string;
}

export interface McastGroupDescription {
  name: string;
  /** Group number, for raw families (genl groups are looked up by name). */
  value?: number;
}

export interface FamilyDescription<T = unknown> {
  name: string;
  protocol: Protocol;
  /** Netlink protocol number for raw families (NETLINK_ROUTE = 0, ...). */
  protonum?: number;
  /** genlmsghdr version. */
  version?: number;
  /** How the spec numbers operations; informative (the numbers are computed already). */
  enumModel?: 'unified' | 'directional';
  definitions: Definition[];
  attributeSets: AttrSetDescription[];
  subMessages?: SubMessageDescription[];
  operations: OperationDescription[];
  mcastGroups: McastGroupDescription[];
  /** Carries the family's TypeScript types; never set. */
  readonly $types?: T;
}
