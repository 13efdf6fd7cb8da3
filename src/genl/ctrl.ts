// The generic netlink controller (nlctrl) as data: attribute sets and a decoder for
// family descriptions.
import { readString } from '../core/attributes.js';
import { NLA_TYPE_MASK } from '../core/constants.js';
import { NetlinkDecodeError } from '../core/errors.js';
import type { MessageLayout } from '../core/attrset.js';
import { Definitions } from '../core/definitions.js';
import type { RawMessage } from '../core/message.js';
import * as G from './constants.js';

const ctrl = new Definitions({
  name: 'nlctrl',
  attributeSets: [
    {
      name: 'op-attrs',
      attributes: [
        { name: 'id', value: G.CTRL_ATTR_OP_ID, type: 'u32' },
        { name: 'flags', value: G.CTRL_ATTR_OP_FLAGS, type: 'u32' },
      ],
    },
    {
      name: 'mcast-group-attrs',
      attributes: [
        { name: 'name', value: G.CTRL_ATTR_MCAST_GRP_NAME, type: 'string' },
        { name: 'id', value: G.CTRL_ATTR_MCAST_GRP_ID, type: 'u32' },
      ],
    },
    {
      name: 'ctrl-attrs',
      attributes: [
        { name: 'family-id', value: G.CTRL_ATTR_FAMILY_ID, type: 'u16' },
        { name: 'family-name', value: G.CTRL_ATTR_FAMILY_NAME, type: 'string' },
        { name: 'version', value: G.CTRL_ATTR_VERSION, type: 'u32' },
        { name: 'hdrsize', value: G.CTRL_ATTR_HDRSIZE, type: 'u32' },
        { name: 'maxattr', value: G.CTRL_ATTR_MAXATTR, type: 'u32' },
        { name: 'ops', value: G.CTRL_ATTR_OPS, type: 'indexed-array', subType: 'nest', nestedAttributes: 'op-attrs' },
        { name: 'mcast-groups', value: G.CTRL_ATTR_MCAST_GROUPS, type: 'indexed-array', subType: 'nest', nestedAttributes: 'mcast-group-attrs' },
        { name: 'policy', value: G.CTRL_ATTR_POLICY, type: 'binary' },
        { name: 'op-policy', value: G.CTRL_ATTR_OP_POLICY, type: 'binary' },
        { name: 'op', value: G.CTRL_ATTR_OP, type: 'u32' },
      ],
    },
  ],
});

export const opAttrs = ctrl.set('op-attrs');
export const mcastGroupAttrs = ctrl.set('mcast-group-attrs');
export const ctrlAttrs = ctrl.set('ctrl-attrs');

/** Requests to the controller: genlmsghdr, then ctrl attributes. */
export const ctrlLayout: MessageLayout = { headerSize: G.GENL_HDRLEN, attrs: ctrlAttrs };

export interface GenlOperation {
  id: number;
  /** GENL_ADMIN_PERM, GENL_CMD_CAP_DO, ... */
  flags: number;
}

export interface GenlMulticastGroup {
  name: string;
  id: number;
}

/** A generic netlink family, as the controller describes it. */
export interface GenlFamily {
  id: number;
  name: string;
  version: number;
  hdrsize: number;
  maxattr: number;
  ops: GenlOperation[];
  mcastGroups: GenlMulticastGroup[];
}

// Family lookups sit on the hot path of every genl client, so this decoder walks the
// attributes with plain loops over local variables: no iterator objects, no closures.

const u32 = (b: Buffer, s: number) => (b[s] | (b[s + 1] << 8) | (b[s + 2] << 16) | (b[s + 3] << 24)) >>> 0;

/** Length of the attribute at pos, checked against end (NetlinkDecodeError if it does not fit). */
function attrLength(b: Buffer, pos: number, end: number): number {
  if (end - pos < 4) throw new NetlinkDecodeError(`${end - pos} trailing byte(s) are too short for an attribute header`, pos);
  const len = b[pos] | (b[pos + 1] << 8);
  if (len < 4 || len > end - pos) throw new NetlinkDecodeError(`attribute length ${len} does not fit its container`, pos);
  return len;
}
const attrType = (b: Buffer, pos: number) => (b[pos + 2] | (b[pos + 3] << 8)) & NLA_TYPE_MASK;
const nextAttr = (pos: number, len: number) => pos + ((len + 3) & ~3);

function decodeOps(b: Buffer, pos: number, end: number): GenlOperation[] {
  const ops: GenlOperation[] = [];
  while (pos < end) {
    const len = attrLength(b, pos, end);
    const op: GenlOperation = { id: 0, flags: 0 };
    for (let q = pos + 4, qend = pos + len; q < qend; ) {
      const l = attrLength(b, q, qend);
      if (l >= 8) {
        const t = attrType(b, q);
        if (t === G.CTRL_ATTR_OP_ID) op.id = u32(b, q + 4);
        else if (t === G.CTRL_ATTR_OP_FLAGS) op.flags = u32(b, q + 4);
      }
      q = nextAttr(q, l);
    }
    ops.push(op);
    pos = nextAttr(pos, len);
  }
  return ops;
}

function decodeGroups(b: Buffer, pos: number, end: number): GenlMulticastGroup[] {
  const groups: GenlMulticastGroup[] = [];
  while (pos < end) {
    const len = attrLength(b, pos, end);
    const g: GenlMulticastGroup = { name: '', id: 0 };
    for (let q = pos + 4, qend = pos + len; q < qend; ) {
      const l = attrLength(b, q, qend);
      const t = attrType(b, q);
      if (t === G.CTRL_ATTR_MCAST_GRP_NAME) g.name = readString(b, q + 4, q + l);
      else if (t === G.CTRL_ATTR_MCAST_GRP_ID && l >= 8) g.id = u32(b, q + 4);
      q = nextAttr(q, l);
    }
    groups.push(g);
    pos = nextAttr(pos, len);
  }
  return groups;
}

/** Decodes a CTRL_CMD_NEWFAMILY message. */
export function decodeFamily(m: RawMessage): GenlFamily {
  const b = m.buf, end = m.end;
  if (end - m.start < G.GENL_HDRLEN)
    throw new NetlinkDecodeError(`generic netlink message of ${end - m.start} bytes is shorter than its 4-byte header`, m.start);
  if (end > b.length) throw new NetlinkDecodeError(`message end ${end} is past the ${b.length}-byte buffer`, m.start);
  const f: GenlFamily = { id: 0, name: '', version: 0, hdrsize: 0, maxattr: 0, ops: [], mcastGroups: [] };
  for (let pos = m.start + G.GENL_HDRLEN; pos < end; ) {
    const len = attrLength(b, pos, end);
    const s = pos + 4, e = pos + len, size = len - 4;
    switch (attrType(b, pos)) {
      case G.CTRL_ATTR_FAMILY_ID: if (size >= 2) f.id = b[s] | (b[s + 1] << 8); break;
      case G.CTRL_ATTR_FAMILY_NAME: f.name = readString(b, s, e); break;
      case G.CTRL_ATTR_VERSION: if (size >= 4) f.version = u32(b, s); break;
      case G.CTRL_ATTR_HDRSIZE: if (size >= 4) f.hdrsize = u32(b, s); break;
      case G.CTRL_ATTR_MAXATTR: if (size >= 4) f.maxattr = u32(b, s); break;
      case G.CTRL_ATTR_OPS: f.ops = decodeOps(b, s, e); break;
      case G.CTRL_ATTR_MCAST_GROUPS: f.mcastGroups = decodeGroups(b, s, e); break;
    }
    pos = nextAttr(pos, len);
  }
  return f;
}

/** Names of an operation's flags, in the order `genl ctrl list` prints them. */
export function opFlagNames(flags: number): string[] {
  const names: string[] = [];
  if (flags & G.GENL_ADMIN_PERM) names.push('admin-perm');
  if (flags & G.GENL_UNS_ADMIN_PERM) names.push('uns-admin-perm');
  if (flags & G.GENL_CMD_CAP_DO) names.push('do');
  if (flags & G.GENL_CMD_CAP_DUMP) names.push('dump');
  if (flags & G.GENL_CMD_CAP_HASPOL) names.push('has-policy');
  return names;
}
