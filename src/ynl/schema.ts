// The resolved description of a netlink family: what a YNL spec says once every value is
// computed (attribute and message numbers, enum values, subsets, struct sizes) and the
// prose is dropped. The generator writes these as data; specs loaded at run time and
// descriptions written by hand in TypeScript take the same form.

import type { AttrSetDescription, Definition, SubMessageDescription } from '../core/description.js';

export type {
  IntType, AttrType, DisplayHint, ByteOrder, ConstDefinition, EnumEntry, EnumDefinition, StructMember, StructDefinition, Definition, AttrChecks, AttrDescription, AttrSetDescription, SubMessageFormat, SubMessageDescription,
} from '../core/description.js';

export type Protocol = 'genetlink' | 'genetlink-c' | 'genetlink-legacy' | 'netlink-raw';

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
