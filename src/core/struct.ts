// Fixed-layout C structs (fixed headers, binary attributes with a struct) read and written
// at computed offsets. Members are packed end to end, as the specs lay them out.
import { formatHint, isTextHint, parseHint, formatIPv4Number, type TextHint } from './display.js';
import type { EnumType } from './enums.js';
import { NetlinkDecodeError, NetlinkEncodeError } from './errors.js';
import type { Writer } from './writer.js';

export type MemberType = 'u8' | 'u16' | 'u32' | 'u64' | 's8' | 's16' | 's32' | 's64' | 'string' | 'binary' | 'pad';

export interface MemberSpec {
  name: string;
  type: MemberType;
  len?: number;
  bigEndian?: boolean;
  enum?: EnumType;
  enumAsFlags?: boolean;
  display?: string;
  struct?: () => StructType;
  /** A flexible array member (C `T name[]`), the last: elements fill the bytes after the fixed part. */
  array?: boolean;
}

interface Member extends MemberSpec {
  key: string;
  offset: number;
  /** Bytes in the fixed part (0 for a flexible array); `elem` is an array element's. */
  size: number;
  elem: number;
}

const INT: Record<string, number> = { u8: 1, u16: 2, u32: 4, u64: 8, s8: 1, s16: 2, s32: 4, s64: 8 };
const RANGE: Record<string, [number, number]> = {
  u8: [0, 0xff], u16: [0, 0xffff], u32: [0, 0xffffffff], s8: [-0x80, 0x7f], s16: [-0x8000, 0x7fff], s32: [-0x80000000, 0x7fffffff],
};

export function readInt(buf: Buffer, type: string, at: number, be: boolean): number | bigint {
  switch (type) {
    case 'u8': return buf[at];
    case 's8': return buf.readInt8(at);
    case 'u16': return be ? buf.readUInt16BE(at) : buf.readUInt16LE(at);
    case 's16': return be ? buf.readInt16BE(at) : buf.readInt16LE(at);
    case 'u32': return be ? buf.readUInt32BE(at) : buf.readUInt32LE(at);
    case 's32': return be ? buf.readInt32BE(at) : buf.readInt32LE(at);
    case 'u64': return be ? buf.readBigUInt64BE(at) : buf.readBigUInt64LE(at);
    default: return be ? buf.readBigInt64BE(at) : buf.readBigInt64LE(at);
  }
}

/** Checks v fits `type` and writes it at buf[at]. */
export function writeInt(buf: Buffer, type: string, at: number, be: boolean, v: unknown, path: string): void {
  if (type === 'u64' || type === 's64') {
    if (typeof v !== 'bigint' && !(typeof v === 'number' && Number.isSafeInteger(v)))
      throw new NetlinkEncodeError(`${type} needs a bigint or a safe integer, got ${typeof v === 'number' ? v : typeof v}`, path);
    const big = BigInt(v);
    const [lo, hi] = type === 'u64' ? [0n, (1n << 64n) - 1n] : [-(1n << 63n), (1n << 63n) - 1n];
    if (big < lo || big > hi) throw new NetlinkEncodeError(`${big} is out of range for ${type}`, path);
    if (type === 'u64') be ? buf.writeBigUInt64BE(big, at) : buf.writeBigUInt64LE(big, at);
    else be ? buf.writeBigInt64BE(big, at) : buf.writeBigInt64LE(big, at);
    return;
  }
  const n = v;
  if (typeof n !== 'number' || !Number.isInteger(n)) throw new NetlinkEncodeError(`${type} needs an integer, got ${typeof v === 'number' ? v : typeof v}`, path);
  const [lo, hi] = RANGE[type];
  if (n < lo || n > hi) throw new NetlinkEncodeError(`${n} is out of range for ${type}`, path);
  const size = INT[type];
  if (type[0] === 'u') be ? buf.writeUIntBE(n, at, size) : buf.writeUIntLE(n, at, size);
  else be ? buf.writeIntBE(n, at, size) : buf.writeIntLE(n, at, size);
}

/**
 * An integer as objects show it, for attributes and struct members alike: an enum's name,
 * a list of flag names, or a dotted IPv4 address (display hint on a u32).
 */
export function presentInt(e: EnumType | undefined, display: string | undefined, v: number | bigint): unknown {
  if (e) return e.flags ? e.flagNames(v) : typeof v === 'number' ? e.name_(v) : v;
  if (display === 'ipv4' && typeof v === 'number') return formatIPv4Number(v);
  return v;
}

/** The reverse of presentInt: names, flag lists and dotted addresses back to the number to send. */
export function intFromText(e: EnumType | undefined, display: string | undefined, wide: boolean, v: unknown, path: string): unknown {
  if (e && (typeof v === 'string' || Array.isArray(v))) return e.toNumber(v, path, wide);
  if (display === 'ipv4' && typeof v === 'string') {
    const b = parseHint('ipv4', v);
    if (!b) throw new NetlinkEncodeError(`'${v}' is not an ipv4 address`, path);
    return b.readUInt32BE(0);
  }
  return v;
}

/** 'rtm-dst-len' -> 'rtmDstLen' */
const camel = (name: string) => name.replace(/[-_]+([a-zA-Z0-9])/g, (_, c: string) => c.toUpperCase());

export class StructType {
  readonly members: Member[] = [];
  readonly byKey = new Map<string, Member>();
  readonly size: number;

  constructor(readonly name: string, specs: readonly MemberSpec[]) {
    let offset = 0;
    for (const [i, spec] of specs.entries()) {
      const elem = INT[spec.type] ?? spec.len ?? (spec.struct ? spec.struct().size : undefined);
      if (elem === undefined) throw new TypeError(`struct ${name}: member ${spec.name} (${spec.type}) needs a len`);
      if (spec.array && i !== specs.length - 1) throw new TypeError(`struct ${name}: the flexible array ${spec.name} must be the last member`);
      const size = spec.array ? 0 : elem;
      const m: Member = { ...spec, key: camel(spec.name), offset, size, elem, enum: spec.enumAsFlags ? spec.enum?.asFlags() : spec.enum };
      offset += size;
      this.members.push(m);
      if (spec.type !== 'pad') this.byKey.set(m.key, m);
    }
    this.size = offset;
  }

  private reader: ((buf: Buffer, at: number, end: number) => Record<string, unknown>) | undefined;

  /** A value reader per member, chosen once: fixed headers are read for every message of a dump. */
  private memberReader(m: Member): (buf: Buffer, at: number, end: number) => unknown {
    const { offset: o, size } = m;
    if (m.array) {
      // each element read as a member of its own at successive offsets, up to the end
      const one = this.memberReader({ ...m, array: false, offset: 0, size: m.elem });
      return (buf, at, end) => {
        const out: unknown[] = [];
        for (let p = at + o; p + m.elem <= end; p += m.elem) out.push(one(buf, p, end));
        return out;
      };
    }
    switch (m.type) {
      case 'string':
        return (buf, at) => {
          let stop = buf.indexOf(0, at + o);
          if (stop < 0 || stop > at + o + size) stop = at + o + size;
          return buf.toString('utf8', at + o, stop);
        };
      case 'binary':
        if (m.struct) return (buf, at) => m.struct!().decode(buf, at + o, at + o + size);
        return (buf, at) => (isTextHint(m.display) && formatHint(m.display, buf, at + o, at + o + size)) || Buffer.from(buf.subarray(at + o, at + o + size));
      case 'u8':
        if (!m.enum) return (buf, at) => buf[at + o];
    }
    const type = m.type, be = m.bigEndian === true, e = m.enum, display = m.display;
    if (e || (display === 'ipv4' && type === 'u32')) return (buf, at) => presentInt(e, display, readInt(buf, type, at + o, be));
    return (buf, at) => readInt(buf, type, at + o, be);
  }

  /**
   * The struct read into an object literal written out from the members, once: one shape
   * for every message, built in one allocation. Only JSON-quoted keys go into the source.
   */
  private compile(): (buf: Buffer, at: number, end: number) => Record<string, unknown> {
    const members = this.members.filter((m) => m.type !== 'pad');
    const fields = members.map((m, i) => `${JSON.stringify(m.key)}: m${i}(buf, at, end)`);
    const src = `return function readStruct(buf, at, end) { return { ${fields.join(', ')} }; };`;
    return new Function(...members.map((_, i) => `m${i}`), src)(...members.map((m) => this.memberReader(m)));
  }

  /** Reads the struct at buf[at]; needs `size` bytes before `end`. */
  decode(buf: Buffer, at: number, end: number): Record<string, unknown> {
    if (end - at < this.size) throw new NetlinkDecodeError(`struct ${this.name} needs ${this.size} bytes, got ${end - at}`, at);
    return (this.reader ??= this.compile())(buf, at, end);
  }

  /** Writes the struct; members not given are zero. Keys not in the struct are an error unless `lenient`. */
  encode(w: Writer, obj: unknown, path: string, lenient = false): void {
    if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) throw new NetlinkEncodeError(`struct ${this.name} needs an object`, path);
    if (!lenient) for (const k of Object.keys(obj)) if (!this.byKey.has(k) && (obj as Record<string, unknown>)[k] !== undefined)
      throw new NetlinkEncodeError(`no member '${k}' in struct ${this.name}`, `${path}.${k}`);
    const last = this.members[this.members.length - 1];
    const flex = last?.array ? (obj as Record<string, unknown>)[last.key] : undefined;
    if (flex !== undefined && !Array.isArray(flex)) throw new NetlinkEncodeError(`an array is needed`, `${path}.${last.key}`);
    const total = this.size + (flex ? flex.length * last.elem : 0);
    w.ensure(total);
    const at = w.pos;
    const buf = w.buf;
    buf.fill(0, at, at + total);
    for (const m of this.members) {
      const v = (obj as Record<string, unknown>)[m.key];
      if (v === undefined || m.type === 'pad') continue;
      if (m.array) {
        // elements written as members of their own, one after another
        (v as unknown[]).forEach((x, i) => this.writeMember(w, { ...m, array: false, offset: m.offset + i * m.elem, size: m.elem }, at, x, `${path}.${m.key}[${i}]`));
        continue;
      }
      this.writeMember(w, m, at, v, `${path}.${m.key}`);
    }
    w.pos = at + total;
  }

  private writeMember(w: Writer, m: Member, at: number, v: unknown, p: string): void {
    const buf = w.buf;
    const o = at + m.offset;
    if (m.type === 'string') {
      if (typeof v !== 'string') throw new NetlinkEncodeError('string needed', p);
      if (Buffer.byteLength(v) >= m.size) throw new NetlinkEncodeError(`'${v}' does not fit ${m.size - 1} bytes`, p);
      buf.write(v, o, 'utf8');
    } else if (m.type === 'binary') {
      if (m.struct) {
        const inner = m.struct();
        const save = w.pos;
        w.pos = o;
        inner.encode(w, v, p);
        w.pos = save;
        return;
      }
      const bytes = typeof v === 'string' && isTextHint(m.display) ? parseHint(m.display as TextHint, v) : v;
      if (!(bytes instanceof Uint8Array)) throw new NetlinkEncodeError(typeof v === 'string' ? `'${v}' is not a ${m.display}` : 'binary needs a Buffer', p);
      if (bytes.length > m.size) throw new NetlinkEncodeError(`${bytes.length} bytes do not fit ${m.size}`, p);
      buf.set(bytes, o);
    } else {
      writeInt(buf, m.type, o, m.bigEndian === true, intFromText(m.enum, m.display, m.type === 'u64' || m.type === 's64', v, p), p);
    }
  }
}
