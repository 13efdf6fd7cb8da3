// The generic netlink controller (nlctrl) as data: attribute sets and a decoder for
// family descriptions.
import { AttrIterator, readString } from '../core/attributes.js';
import { NetlinkDecodeError } from '../core/errors.js';
import { AttrSet, type MessageLayout } from '../core/attrset.js';
import type { RawMessage } from '../core/message.js';
import * as G from './constants.js';

export const opAttrs = new AttrSet('op-attrs', [
  { name: 'id', type: G.CTRL_ATTR_OP_ID, kind: 'u32' },
  { name: 'flags', type: G.CTRL_ATTR_OP_FLAGS, kind: 'u32' },
]);

export const mcastGroupAttrs = new AttrSet('mcast-group-attrs', [
  { name: 'name', type: G.CTRL_ATTR_MCAST_GRP_NAME, kind: 'string' },
  { name: 'id', type: G.CTRL_ATTR_MCAST_GRP_ID, kind: 'u32' },
]);

export const ctrlAttrs = new AttrSet('ctrl-attrs', [
  { name: 'family-id', type: G.CTRL_ATTR_FAMILY_ID, kind: 'u16' },
  { name: 'family-name', type: G.CTRL_ATTR_FAMILY_NAME, kind: 'string' },
  { name: 'version', type: G.CTRL_ATTR_VERSION, kind: 'u32' },
  { name: 'hdrsize', type: G.CTRL_ATTR_HDRSIZE, kind: 'u32' },
  { name: 'maxattr', type: G.CTRL_ATTR_MAXATTR, kind: 'u32' },
  { name: 'ops', type: G.CTRL_ATTR_OPS, kind: 'indexed-array', subKind: 'nest', nested: () => opAttrs },
  { name: 'mcast-groups', type: G.CTRL_ATTR_MCAST_GROUPS, kind: 'indexed-array', subKind: 'nest', nested: () => mcastGroupAttrs },
  { name: 'policy', type: G.CTRL_ATTR_POLICY, kind: 'binary' },
  { name: 'op-policy', type: G.CTRL_ATTR_OP_POLICY, kind: 'binary' },
  { name: 'op', type: G.CTRL_ATTR_OP, kind: 'u32' },
]);

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

function decodeNestedList<T>(m: RawMessage, start: number, end: number, one: (s: number, e: number) => T): T[] {
  const out: T[] = [];
  const it = new AttrIterator(m.buf, start, end);
  while (it.next()) out.push(one(it.dataStart, it.dataEnd));
  return out;
}

/**
 * Decodes a CTRL_CMD_NEWFAMILY message. Written out by hand (rather than through the
 * generic codec) because family lookups sit on the hot path of every genl client.
 */
export function decodeFamily(m: RawMessage): GenlFamily {
  const buf = m.buf;
  if (m.end - m.start < G.GENL_HDRLEN)
    throw new NetlinkDecodeError(`generic netlink message of ${m.end - m.start} bytes is shorter than its 4-byte header`, m.start);
  const f: GenlFamily = { id: 0, name: '', version: 0, hdrsize: 0, maxattr: 0, ops: [], mcastGroups: [] };
  const it = new AttrIterator(buf, m.start + G.GENL_HDRLEN, m.end);
  while (it.next()) {
    const s = it.dataStart, len = it.length;
    switch (it.type) {
      case G.CTRL_ATTR_FAMILY_ID: if (len >= 2) f.id = buf.readUInt16LE(s); break;
      case G.CTRL_ATTR_FAMILY_NAME: f.name = readString(buf, s, it.dataEnd); break;
      case G.CTRL_ATTR_VERSION: if (len >= 4) f.version = buf.readUInt32LE(s); break;
      case G.CTRL_ATTR_HDRSIZE: if (len >= 4) f.hdrsize = buf.readUInt32LE(s); break;
      case G.CTRL_ATTR_MAXATTR: if (len >= 4) f.maxattr = buf.readUInt32LE(s); break;
      case G.CTRL_ATTR_OPS:
        f.ops = decodeNestedList(m, s, it.dataEnd, (a, b) => {
          const op: GenlOperation = { id: 0, flags: 0 };
          const o = new AttrIterator(buf, a, b);
          while (o.next()) {
            if (o.length < 4) continue;
            if (o.type === G.CTRL_ATTR_OP_ID) op.id = buf.readUInt32LE(o.dataStart);
            else if (o.type === G.CTRL_ATTR_OP_FLAGS) op.flags = buf.readUInt32LE(o.dataStart);
          }
          return op;
        });
        break;
      case G.CTRL_ATTR_MCAST_GROUPS:
        f.mcastGroups = decodeNestedList(m, s, it.dataEnd, (a, b) => {
          const g: GenlMulticastGroup = { name: '', id: 0 };
          const o = new AttrIterator(buf, a, b);
          while (o.next()) {
            if (o.type === G.CTRL_ATTR_MCAST_GRP_NAME) g.name = readString(buf, o.dataStart, o.dataEnd);
            else if (o.type === G.CTRL_ATTR_MCAST_GRP_ID && o.length >= 4) g.id = buf.readUInt32LE(o.dataStart);
          }
          return g;
        });
        break;
    }
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
