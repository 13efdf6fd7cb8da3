import { NLA_F_NESTED, NLA_HDRLEN, NLMSG_HDRLEN } from './constants.js';
import { NetlinkEncodeError } from './errors.js';

export const align4 = (n: number): number => (n + 3) & ~3;

/** Little-endian stores of a value already range-checked (or meant to wrap: `type & 0xffff`). */
function put16(b: Buffer, at: number, v: number): void {
  b[at] = v;
  b[at + 1] = v >>> 8;
}
function put32(b: Buffer, at: number, v: number): void {
  b[at] = v;
  b[at + 1] = v >>> 8;
  b[at + 2] = v >>> 16;
  b[at + 3] = v >>> 24;
}

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

  // Scalars are stored byte by byte rather than through Buffer#writeUInt*LE: those go
  // through four nested checking functions per call, which a bulk encode (10,000 routes in
  // a fresh process, before the JIT has warmed up) pays about 1 us per message for. Values
  // out of range still throw exactly as before: the Buffer method reports them.
  u8(v: number): void {
    if (v > 0xff || v < 0) this.buf.writeUInt8(v, this.pos);
    this.ensure(1);
    this.buf[this.pos++] = v;
  }
  u16(v: number): void {
    if (v > 0xffff || v < 0) this.buf.writeUInt16LE(v, this.pos);
    this.ensure(2);
    put16(this.buf, this.pos, v);
    this.pos += 2;
  }
  u32(v: number): void {
    if (v > 0xffffffff || v < 0) this.buf.writeUInt32LE(v, this.pos);
    this.ensure(4);
    put32(this.buf, this.pos, v);
    this.pos += 4;
  }
  s32(v: number): void {
    if (v > 0x7fffffff || v < -0x80000000) this.buf.writeInt32LE(v, this.pos);
    this.ensure(4);
    put32(this.buf, this.pos, v);
    this.pos += 4;
  }
  zeros(n: number): void { this.ensure(n); this.buf.fill(0, this.pos, this.pos + n); this.pos += n; }
  bytes(src: Uint8Array): void { this.ensure(src.length); this.buf.set(src, this.pos); this.pos += src.length; }

  /** Starts a message; returns its offset for end(). seq (unless given) and pid are filled in when it is sent. */
  beginMessage(type: number, flags: number, seq = 0): number {
    if (type > 0xffff || type < 0) this.buf.writeUInt16LE(type, 0);
    if (flags > 0xffff || flags < 0) this.buf.writeUInt16LE(flags, 0);
    if (seq > 0xffffffff || seq < 0) this.buf.writeUInt32LE(seq, 0);
    const start = this.pos;
    this.ensure(NLMSG_HDRLEN);
    const b = this.buf;
    put32(b, start, 0);
    put16(b, start + 4, type);
    put16(b, start + 6, flags);
    put32(b, start + 8, seq);
    put32(b, start + 12, 0);
    this.pos += NLMSG_HDRLEN;
    return start;
  }

  endMessage(start: number): void {
    this.pad();
    put32(this.buf, start, this.pos - start);
  }

  /** Starts an attribute whose payload follows; returns its offset for endAttr(). */
  beginAttr(type: number): number {
    const start = this.pos;
    this.ensure(NLA_HDRLEN);
    put16(this.buf, start, 0); // length, patched by endAttr
    put16(this.buf, start + 2, type);
    this.pos += NLA_HDRLEN;
    return start;
  }

  endAttr(start: number, path = ''): void {
    const len = this.pos - start;
    if (len > 0xffff) throw new NetlinkEncodeError(`attribute of ${len} bytes exceeds the 65535-byte limit`, path);
    put16(this.buf, start, len);
    this.pad();
  }

  beginNest(type: number): number {
    return this.beginAttr(type | NLA_F_NESTED);
  }

  attrU8(type: number, v: number): void {
    if (v > 0xff || v < 0) this.buf.writeUInt8(v, this.pos);
    this.ensure(8);
    this.header(type, 5);
    put32(this.buf, this.pos, v & 0xff);
    this.pos += 4;
  }
  attrU16(type: number, v: number): void {
    if (v > 0xffff || v < 0) this.buf.writeUInt16LE(v, this.pos);
    this.ensure(8);
    this.header(type, 6);
    put32(this.buf, this.pos, v & 0xffff);
    this.pos += 4;
  }
  attrU32(type: number, v: number): void {
    if (v > 0xffffffff || v < 0) this.buf.writeUInt32LE(v, this.pos);
    this.ensure(8);
    this.header(type, 8);
    put32(this.buf, this.pos, v);
    this.pos += 4;
  }
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
    put16(this.buf, this.pos, len);
    put16(this.buf, this.pos + 2, type);
    this.pos += NLA_HDRLEN;
  }

  /** A copy of what was written. */
  toBuffer(): Buffer {
    return Buffer.from(this.buf.subarray(0, this.pos));
  }
}
