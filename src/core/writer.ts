import { NLA_F_NESTED, NLA_HDRLEN, NLMSG_HDRLEN } from './constants.js';
import { NetlinkEncodeError } from './errors.js';

export const align4 = (n: number): number => (n + 3) & ~3;

/**
 * Builds netlink messages into one growable buffer. Several messages can be
 * written back to back and sent in one send() (the kernel handles them in order).
 */
export class Writer {
  buf: Buffer;
  pos = 0;

  constructor(size = 4096) {
    this.buf = Buffer.allocUnsafeSlow(size);
  }

  reset(): this {
    this.pos = 0;
    return this;
  }

  /** Makes room for n more bytes. */
  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = Math.max(64, this.buf.length * 2);
    while (size < this.pos + n) size *= 2;
    const next = Buffer.allocUnsafeSlow(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  /** Zero bytes up to the next 4-byte boundary. */
  pad(): void {
    const end = align4(this.pos);
    if (end !== this.pos) {
      this.ensure(end - this.pos);
      this.buf.fill(0, this.pos, end);
      this.pos = end;
    }
  }

  u8(v: number): void { this.ensure(1); this.buf.writeUInt8(v, this.pos); this.pos += 1; }
  u16(v: number): void { this.ensure(2); this.buf.writeUInt16LE(v, this.pos); this.pos += 2; }
  u32(v: number): void { this.ensure(4); this.buf.writeUInt32LE(v, this.pos); this.pos += 4; }
  s32(v: number): void { this.ensure(4); this.buf.writeInt32LE(v, this.pos); this.pos += 4; }
  zeros(n: number): void { this.ensure(n); this.buf.fill(0, this.pos, this.pos + n); this.pos += n; }
  bytes(src: Uint8Array): void { this.ensure(src.length); this.buf.set(src, this.pos); this.pos += src.length; }

  /** Starts a message; returns its offset for end(). seq (unless given) and pid are filled in when it is sent. */
  beginMessage(type: number, flags: number, seq = 0): number {
    const start = this.pos;
    this.ensure(NLMSG_HDRLEN);
    const b = this.buf;
    b.writeUInt32LE(0, start);
    b.writeUInt16LE(type, start + 4);
    b.writeUInt16LE(flags, start + 6);
    b.writeUInt32LE(seq, start + 8);
    b.writeUInt32LE(0, start + 12);
    this.pos += NLMSG_HDRLEN;
    return start;
  }

  endMessage(start: number): void {
    this.pad();
    this.buf.writeUInt32LE(this.pos - start, start);
  }

  /** Starts an attribute whose payload follows; returns its offset for endAttr(). */
  beginAttr(type: number): number {
    const start = this.pos;
    this.ensure(NLA_HDRLEN);
    this.buf.writeUInt16LE(0, start); // length, patched by endAttr
    this.buf.writeUInt16LE(type & 0xffff, start + 2);
    this.pos += NLA_HDRLEN;
    return start;
  }

  endAttr(start: number, path = ''): void {
    const len = this.pos - start;
    if (len > 0xffff) throw new NetlinkEncodeError(`attribute of ${len} bytes exceeds the 65535-byte limit`, path);
    this.buf.writeUInt16LE(len, start);
    this.pad();
  }

  beginNest(type: number): number {
    return this.beginAttr(type | NLA_F_NESTED);
  }

  attrU8(type: number, v: number): void { this.ensure(8); this.header(type, 5); this.buf.writeUInt8(v, this.pos); this.buf.fill(0, this.pos + 1, this.pos + 4); this.pos += 4; }
  attrU16(type: number, v: number): void { this.ensure(8); this.header(type, 6); this.buf.writeUInt16LE(v, this.pos); this.buf.writeUInt16LE(0, this.pos + 2); this.pos += 4; }
  attrU32(type: number, v: number): void { this.ensure(8); this.header(type, 8); this.buf.writeUInt32LE(v, this.pos); this.pos += 4; }
  attrFlag(type: number): void { this.ensure(4); this.header(type, 4); }

  /** A NUL-terminated string attribute. */
  attrString(type: number, s: string): void {
    const n = Buffer.byteLength(s);
    this.ensure(NLA_HDRLEN + n + 4);
    this.header(type, NLA_HDRLEN + n + 1);
    this.buf.write(s, this.pos, 'utf8');
    this.buf[this.pos + n] = 0;
    this.pos += n + 1;
    this.pad();
  }

  attrBytes(type: number, data: Uint8Array): void {
    this.ensure(NLA_HDRLEN + data.length + 3);
    this.header(type, NLA_HDRLEN + data.length);
    this.buf.set(data, this.pos);
    this.pos += data.length;
    this.pad();
  }

  private header(type: number, len: number): void {
    this.buf.writeUInt16LE(len, this.pos);
    this.buf.writeUInt16LE(type & 0xffff, this.pos + 2);
    this.pos += NLA_HDRLEN;
  }

  /** A copy of what was written. */
  toBuffer(): Buffer {
    return Buffer.from(this.buf.subarray(0, this.pos));
  }
}
