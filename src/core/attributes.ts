import { NLA_F_NESTED, NLA_F_NET_BYTEORDER, NLA_HDRLEN, NLA_TYPE_MASK } from './constants.js';
import { NetlinkDecodeError } from './errors.js';

/**
 * Walks the attributes in buf[start, end) without copying or allocating per
 * attribute: one iterator object, its fields describe the current attribute.
 *
 *   const it = new AttrIterator(buf, start, end);
 *   while (it.next()) if (it.type === X) value = buf.readUInt32LE(it.dataStart);
 *
 * A length field that runs past the end, or is shorter than a header, throws
 * NetlinkDecodeError.
 */
export class AttrIterator {
  type = 0;
  nested = false;
  netByteOrder = false;
  /** Offset of the attribute header. */
  start = 0;
  /** Position of the current attribute among its siblings, from 0. */
  index = -1;
  dataStart = 0;
  dataEnd = 0;
  private pos: number;

  constructor(readonly buf: Uint8Array, start: number, private end: number) {
    if (start < 0 || end > buf.length || start > end)
      throw new NetlinkDecodeError(`attribute range [${start}, ${end}) is outside the ${buf.length}-byte buffer`, start);
    this.pos = start;
  }

  next(): boolean {
    const pos = this.pos;
    if (pos >= this.end) return false;
    const b = this.buf;
    if (this.end - pos < NLA_HDRLEN)
      throw new NetlinkDecodeError(`${this.end - pos} trailing byte(s) are too short for an attribute header`, pos);
    const len = b[pos] | (b[pos + 1] << 8);
    const rawType = b[pos + 2] | (b[pos + 3] << 8);
    if (len < NLA_HDRLEN) throw new NetlinkDecodeError(`attribute length ${len} is shorter than its header`, pos);
    if (pos + len > this.end)
      throw new NetlinkDecodeError(`attribute type ${rawType & NLA_TYPE_MASK} of length ${len} runs past its container`, pos);
    this.start = pos;
    this.type = rawType & NLA_TYPE_MASK;
    this.nested = (rawType & NLA_F_NESTED) !== 0;
    this.netByteOrder = (rawType & NLA_F_NET_BYTEORDER) !== 0;
    this.dataStart = pos + NLA_HDRLEN;
    this.dataEnd = pos + len;
    this.index++;
    // the final attribute's padding may be missing; never step past the end
    const next = pos + ((len + 3) & ~3);
    this.pos = next < this.end ? next : this.end;
    return true;
  }

  get length(): number {
    return this.dataEnd - this.dataStart;
  }
}

/** The attribute in buf[start, end) whose header or payload holds `offset`, or undefined. */
export function attrContaining(buf: Uint8Array, start: number, end: number, offset: number): AttrIterator | undefined {
  const it = new AttrIterator(buf, start, end);
  while (it.next()) if (offset >= it.start && offset < it.dataEnd) return it;
  return undefined;
}

/** Reads a NUL-terminated (or unterminated) string attribute payload. */
export function readString(buf: Buffer, start: number, end: number): string {
  // Netlink names are short and ASCII: building them in JS beats two calls into C++.
  let s = '';
  for (let i = start; i < end; i++) {
    const c = buf[i];
    if (c === 0) return s;
    if (c > 0x7f || i - start > 64) {
      let stop = buf.indexOf(0, i);
      if (stop < 0 || stop > end) stop = end;
      return buf.toString('utf8', start, stop);
    }
    s += String.fromCharCode(c);
  }
  return s;
}

/** A map from attribute type to the attribute's payload, for hand-written decoders of small messages. */
export function attrTable(buf: Buffer, start: number, end: number): Map<number, Buffer> {
  const m = new Map<number, Buffer>();
  const it = new AttrIterator(buf, start, end);
  while (it.next()) m.set(it.type, buf.subarray(it.dataStart, it.dataEnd));
  return m;
}
