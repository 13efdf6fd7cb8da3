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
    const pos = this.pos;
    const end = (pos + 3) & ~3;
    if (end === pos) return;
    if (end > this.buf.length) this.ensure(end - pos);
    const b = this.buf;
    for (let i = pos; i < end; i++) b[i] = 0;
    this.pos = end;
  }

  // Scalars are stored byte by byte, and the fast path of each method calls nothing: a
  // bulk encode (10,000 routes in a fresh process) runs mostly before the JIT has compiled
  // it, where every call costs, and Buffer#writeUInt*LE is four nested checking calls.
  // Values out of range still throw exactly as before: the Buffer method reports them.
  u8(v: number): void {
    if (v > 0xff || v < 0) this.buf.writeUInt8(v, this.pos);
    if (this.pos + 1 > this.buf.length) this.ensure(1);
    this.buf[this.pos++] = v;
  }
  u16(v: number): void {
    if (v > 0xffff || v < 0) this.buf.writeUInt16LE(v, this.pos);
    const p = this.pos;
    if (p + 2 > this.buf.length) this.ensure(2);
    const b = this.buf;
    b[p] = v; b[p + 1] = v >>> 8;
    this.pos = p + 2;
  }
  u32(v: number): void {
    if (v > 0xffffffff || v < 0) this.buf.writeUInt32LE(v, this.pos);
    const p = this.pos;
    if (p + 4 > this.buf.length) this.ensure(4);
    const b = this.buf;
    b[p] = v; b[p + 1] = v >>> 8; b[p + 2] = v >>> 16; b[p + 3] = v >>> 24;
    this.pos = p + 4;
  }
  /** Network order (nftables, conntrack and some rtnetlink attributes carry integers big-endian). */
  u16be(v: number): void {
    if (v > 0xffff || v < 0) this.buf.writeUInt16BE(v, this.pos);
    const p = this.pos;
    if (p + 2 > this.buf.length) this.ensure(2);
    const b = this.buf;
    b[p] = v >>> 8; b[p + 1] = v;
    this.pos = p + 2;
  }
  u32be(v: number): void {
    if (v > 0xffffffff || v < 0) this.buf.writeUInt32BE(v, this.pos);
    const p = this.pos;
    if (p + 4 > this.buf.length) this.ensure(4);
    const b = this.buf;
    b[p] = v >>> 24; b[p + 1] = v >>> 16; b[p + 2] = v >>> 8; b[p + 3] = v;
    this.pos = p + 4;
  }
  s32(v: number): void {
    if (v > 0x7fffffff || v < -0x80000000) this.buf.writeInt32LE(v, this.pos);
    const p = this.pos;
    if (p + 4 > this.buf.length) this.ensure(4);
    const b = this.buf;
    b[p] = v; b[p + 1] = v >>> 8; b[p + 2] = v >>> 16; b[p + 3] = v >>> 24;
    this.pos = p + 4;
  }
  zeros(n: number): void { this.ensure(n); this.buf.fill(0, this.pos, this.pos + n); this.pos += n; }
  bytes(src: Uint8Array): void {
    const n = src.length, p = this.pos;
    if (p + n > this.buf.length) this.ensure(n);
    // a short payload (a request header, a name) copies faster by hand than through set()
    if (n <= 32) for (let i = 0; i < n; i++) this.buf[p + i] = src[i];
    else this.buf.set(src, p);
    this.pos = p + n;
  }

  /** Starts a message; returns its offset for end(). seq (unless given) and pid are filled in when it is sent. */
  beginMessage(type: number, flags: number, seq = 0): number {
    if (type > 0xffff || type < 0) this.buf.writeUInt16LE(type, 0);
    if (flags > 0xffff || flags < 0) this.buf.writeUInt16LE(flags, 0);
    if (seq > 0xffffffff || seq < 0) this.buf.writeUInt32LE(seq, 0);
    const p = this.pos;
    if (p + NLMSG_HDRLEN > this.buf.length) this.ensure(NLMSG_HDRLEN);
    const b = this.buf;
    b[p] = 0; b[p + 1] = 0; b[p + 2] = 0; b[p + 3] = 0; // length, set by endMessage
    b[p + 4] = type; b[p + 5] = type >>> 8;
    b[p + 6] = flags; b[p + 7] = flags >>> 8;
    b[p + 8] = seq; b[p + 9] = seq >>> 8; b[p + 10] = seq >>> 16; b[p + 11] = seq >>> 24;
    b[p + 12] = 0; b[p + 13] = 0; b[p + 14] = 0; b[p + 15] = 0; // port id: the kernel fills it in
    this.pos = p + NLMSG_HDRLEN;
    return p;
  }

  endMessage(start: number): void {
    // most bodies end aligned: no pad() call per message (a call per message is one more
    // function for TurboFan to compile in a fresh process's bulk load)
    if ((this.pos & 3) !== 0) this.pad();
    const len = this.pos - start, b = this.buf;
    b[start] = len; b[start + 1] = len >>> 8; b[start + 2] = len >>> 16; b[start + 3] = len >>> 24;
  }

  /** Starts an attribute whose payload follows; returns its offset for endAttr(). */
  beginAttr(type: number): number {
    const p = this.pos;
    if (p + NLA_HDRLEN > this.buf.length) this.ensure(NLA_HDRLEN);
    const b = this.buf;
    b[p] = 0; b[p + 1] = 0; // length, patched by endAttr
    b[p + 2] = type; b[p + 3] = type >>> 8;
    this.pos = p + NLA_HDRLEN;
    return p;
  }

  endAttr(start: number, path = ''): void {
    const len = this.pos - start;
    if (len > 0xffff) throw new NetlinkEncodeError(`attribute of ${len} bytes exceeds the 65535-byte limit`, path);
    this.buf[start] = len;
    this.buf[start + 1] = len >>> 8;
    if (this.pos & 3) this.pad();
  }

  beginNest(type: number): number {
    return this.beginAttr(type | NLA_F_NESTED);
  }

  /** A fixed-size attribute: header (length 4 + size) plus a 4-byte slot holding v, zero-padded. */
  private attr4(type: number, size: number, v: number): void {
    const p = this.pos;
    if (p + 8 > this.buf.length) this.ensure(8);
    const b = this.buf;
    b[p] = NLA_HDRLEN + size; b[p + 1] = 0;
    b[p + 2] = type; b[p + 3] = type >>> 8;
    b[p + 4] = v; b[p + 5] = v >>> 8; b[p + 6] = v >>> 16; b[p + 7] = v >>> 24;
    this.pos = p + 8;
  }

  attrU8(type: number, v: number): void {
    if (v > 0xff || v < 0) this.buf.writeUInt8(v, this.pos);
    this.attr4(type, 1, v & 0xff);
  }
  attrU16(type: number, v: number): void {
    if (v > 0xffff || v < 0) this.buf.writeUInt16LE(v, this.pos);
    this.attr4(type, 2, v & 0xffff);
  }
  attrU32(type: number, v: number): void {
    if (v > 0xffffffff || v < 0) this.buf.writeUInt32LE(v, this.pos);
    const p = this.pos;
    if (p + 8 > this.buf.length) this.ensure(8);
    const b = this.buf;
    b[p] = 8; b[p + 1] = 0;
    b[p + 2] = type; b[p + 3] = type >>> 8;
    b[p + 4] = v; b[p + 5] = v >>> 8; b[p + 6] = v >>> 16; b[p + 7] = v >>> 24;
    this.pos = p + 8;
  }
  attrFlag(type: number): void {
    const p = this.pos;
    if (p + NLA_HDRLEN > this.buf.length) this.ensure(NLA_HDRLEN);
    const b = this.buf;
    b[p] = NLA_HDRLEN; b[p + 1] = 0;
    b[p + 2] = type; b[p + 3] = type >>> 8;
    this.pos = p + NLA_HDRLEN;
  }

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
    if (len > 0xffff) this.buf.writeUInt16LE(len, this.pos); // throws, as it always did
    const p = this.pos, b = this.buf;
    b[p] = len; b[p + 1] = len >>> 8;
    b[p + 2] = type; b[p + 3] = type >>> 8;
    this.pos = p + NLA_HDRLEN;
  }

  /** A copy of what was written. */
  toBuffer(): Buffer {
    return Buffer.from(this.buf.subarray(0, this.pos));
  }
}
