import { AttrIterator, readString } from './attributes.js';
import { attributePath, locateAttribute } from './codec.js';
import type { MessageLayout, SubjectField } from './attrset.js';
import { intSize } from './ints.js';
import { readInt } from './struct.js';
import { constants } from 'node:os';
import * as C from './constants.js';
import { type ExtAck, type FailedRequest, NetlinkError } from './errors.js';

const { EBADMSG } = constants.errno;

/** Parses extended-ack TLVs in buf[start, end). */
export function parseExtAck(buf: Buffer, start: number, end: number): ExtAck {
  const ext: ExtAck = {};
  const it = new AttrIterator(buf, start, end);
  while (it.next()) {
    const len = it.length;
    switch (it.type) {
      case C.NLMSGERR_ATTR_MSG: ext.message = readString(buf, it.dataStart, it.dataEnd); break;
      case C.NLMSGERR_ATTR_OFFS: if (len >= 4) ext.offset = buf.readUInt32LE(it.dataStart); break;
      case C.NLMSGERR_ATTR_MISS_TYPE: if (len >= 4) ext.missingType = buf.readUInt32LE(it.dataStart); break;
      case C.NLMSGERR_ATTR_MISS_NEST: if (len >= 4) ext.missingNest = buf.readUInt32LE(it.dataStart); break;
      case C.NLMSGERR_ATTR_POLICY: ext.policy = Buffer.from(buf.subarray(it.dataStart, it.dataEnd)); break;
      case C.NLMSGERR_ATTR_COOKIE: ext.cookie = Buffer.from(buf.subarray(it.dataStart, it.dataEnd)); break;
    }
  }
  return ext;
}

/**
 * The errno and ext-ack of an NLMSG_ERROR payload buf[start, end) (flags: its header's
 * flags). Layout: s32 error, the echoed request header (and its payload unless
 * NLM_F_CAPPED), then TLVs when NLM_F_ACK_TLVS.
 */
export function parseErrorMessage(buf: Buffer, start: number, end: number, flags: number): { errno: number; ext: ExtAck } {
  if (end - start < 4) return { errno: -EBADMSG, ext: {} }; // too short to say which error: say that
  const errno = buf.readInt32LE(start);
  let ext: ExtAck = {};
  if (flags & C.NLM_F_ACK_TLVS && end - start >= 4 + C.NLMSG_HDRLEN) {
    let tlvs = start + 4 + C.NLMSG_HDRLEN;
    if (!(flags & C.NLM_F_CAPPED)) tlvs = start + 4 + ((buf.readUInt32LE(start + 4) + 3) & ~3);
    if (tlvs <= end) {
      try {
        ext = parseExtAck(buf, tlvs, end);
      } catch {
        // a malformed TLV block still leaves the errno
      }
    }
  }
  return { errno, ext };
}

/** The ext-ack of a failed dump's NLMSG_DONE payload: s32 error, then TLVs. */
export function parseDoneMessage(buf: Buffer, start: number, end: number, flags: number): { errno: number; ext: ExtAck } {
  if (end - start < 4) return { errno: 0, ext: {} };
  const errno = buf.readInt32LE(start);
  let ext: ExtAck = {};
  if (flags & C.NLM_F_ACK_TLVS) {
    try {
      ext = parseExtAck(buf, start + 4, end);
    } catch {
      // keep the errno
    }
  }
  return { errno, ext };
}

/** Builds the NetlinkError, naming attributes through the request's layout where there is one. */
export function makeNetlinkError(errno: number, ext: ExtAck, request: FailedRequest | undefined, layout: MessageLayout | undefined): NetlinkError {
  const paths: { attributePath?: string; missingName?: string; nestPath?: string; subject?: string } = {};
  const bytes = request?.bytes;
  if (bytes && bytes.length >= C.NLMSG_HDRLEN && layout) {
    const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const attrsStart = C.NLMSG_HDRLEN + layout.headerSize;
    const end = Math.min(b.length, b.readUInt32LE(0));
    if (layout.operation !== undefined) paths.subject = subjectOf(layout, b, attrsStart, end);
    if (ext.offset !== undefined) {
      if (ext.offset < attrsStart) paths.attributePath = ext.offset < C.NLMSG_HDRLEN ? '(header)' : '(fixed header)';
      else paths.attributePath = attributePath(layout.attrs, b, attrsStart, end, ext.offset);
    }
    if (ext.missingType !== undefined) {
      let set = layout.attrs;
      if (ext.missingNest !== undefined && ext.missingNest >= attrsStart) {
        // the nest is named like any attribute, and the set inside it names the missing one
        const nest = locateAttribute(layout.attrs, b, attrsStart, end, ext.missingNest);
        paths.nestPath = nest?.path;
        set = nest?.inner;
      }
      const def = set?.byType[ext.missingType];
      if (def) paths.missingName = def.key;
    }
  }
  return new NetlinkError(errno, ext, request, paths);
}

/**
 * The operation and what the request names as its object, from the layout's subject
 * fields: 'newlink ifname veth0', 'getlink ifindex 42'. An index of 0 names nothing.
 */
function subjectOf(layout: MessageLayout, b: Buffer, attrsStart: number, end: number): string {
  const words = [layout.operation!];
  const shown = new Set<string>();
  for (const f of layout.subject ?? []) {
    if (shown.has(f.label)) continue;
    let v: unknown;
    try {
      v = f.offset !== undefined ? memberAt(b, C.NLMSG_HDRLEN + f.offset, f.kind, attrsStart) : attrAt(b, attrsStart, end, f.attrs ?? [], f.kind);
    } catch {
      v = undefined; // a request that does not parse names nothing
    }
    if (v === undefined || v === '' || v === 0 || v === 0n) continue;
    shown.add(f.label);
    words.push(`${f.label} ${String(v)}`);
  }
  return words.join(' ');
}

function memberAt(b: Buffer, at: number, kind: SubjectField['kind'], limit: number): unknown {
  if (kind === 'string' || at + intSize(kind)! > limit) return undefined;
  return readInt(b, kind, at, false);
}

function attrAt(b: Buffer, start: number, end: number, types: readonly number[], kind: SubjectField['kind']): unknown {
  for (let level = 0; level < types.length; level++) {
    // the last one of a type is the one the kernel reads
    let from = -1, to = -1, netOrder = false;
    const it = new AttrIterator(b, start, end);
    while (it.next()) if (it.type === types[level]) [from, to, netOrder] = [it.dataStart, it.dataEnd, it.netByteOrder];
    if (from < 0) return undefined;
    [start, end] = [from, to];
    if (level < types.length - 1) continue;
    if (kind === 'string') return readString(b, start, end);
    return end - start >= intSize(kind)! ? readInt(b, kind, start, netOrder) : undefined;
  }
  return undefined;
}
