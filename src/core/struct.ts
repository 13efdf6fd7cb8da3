// Fixed-layout C structs (fixed headers, binary attributes with a struct) read and written
// at computed offsets. Members are packed end to end, as the specs lay them out.
import { camelCase, type DescriptionRefs } from './attrset.js';
import type { StructMember } from './description.js';
import { formatHint, formatIPv4Number, hintedBytes, isTextHint, parseHint } from './display.js';
import type { EnumType } from './enums.js';
import { NetlinkDecodeError, NetlinkEncodeError } from './errors.js';
import { intInfo, intInput, intSize, type IntKind } from './ints.js';
import type { Writer } from './writer.js';

/** A struct member description, resolved: where it sits and how it reads. */
export interface Member extends StructMember {
  key: string;
  offset: number;
  /** Bytes in the fixed part (0 for a flexible array); `elem` is one array element's. */
  size: number;
  elem: number;
  bigEndian: boolean;
  /** The enum as applied (enum-as-flags resolved). */
  enumType?: EnumType;
  /** struct, resolved. */
  structType?: () => StructType;
}


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
  const { min, max, signed, size } = intInfo(type)!;
  if (n < min! || n > max!) throw new NetlinkEncodeError(`${n} is out of range for ${type}`, path);
  // little-endian, in range and in bounds (the callers ensured room): bytes stored directly,
  // not Buffer#writeUIntLE's checking calls
  if (!be && at + size! <= buf.length) {
    for (let i = 0; i < size!; i++) buf[at + i] = (n >> (8 * i)) & 255;
    return;
  }
  if (!signed) be ? buf.writeUIntBE(n, at, size!) : buf.writeUIntLE(n, at, size!);
  else be ? buf.writeIntBE(n, at, size!) : buf.writeIntLE(n, at, size!);
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

/**
 * An integer member shown as a number (or a bigint for 64 bits), read in the compiled struct
 * reader's own source (bytes at fixed offsets: no call per member; rtmsg is read for every
 * route of a dump, tcf_t's four u64 and a u32 selector's big-endian keys for every tc filter).
 * Only integers go into the source.
 */
function plainRead(m: Member): string | undefined {
  if (m.enumType || m.display || m.array) return undefined;
  const at = (i: number) => `buf[at + ${m.offset + i}]`;
  // byte i of the value, least significant first
  const b = m.bigEndian ? (i: number) => at(m.size - 1 - i) : at;
  switch (m.type) {
    case 'u8': return b(0);
    case 's8': return `(${b(0)} << 24 >> 24)`;
    case 'u16': return `(${b(0)} | ${b(1)} << 8)`;
    case 's16': return `((${b(0)} | ${b(1)} << 8) << 16 >> 16)`;
    case 'u32': return `((${b(0)} | ${b(1)} << 8 | ${b(2)} << 16 | ${b(3)} << 24) >>> 0)`;
    case 's32': return `(${b(0)} | ${b(1)} << 8 | ${b(2)} << 16 | ${b(3)} << 24)`;
    case 'u64':
    case 's64': {
      const [lo, hi] = m.bigEndian ? [4, 0] : [0, 4];
      return `${m.type}(${m.offset + lo}, ${m.offset + hi}, buf, at)`;
    }
  }
  return undefined;
}

const word = (b: Buffer, p: number, be: boolean) =>
  (be ? (b[p] << 24) | (b[p + 1] << 16) | (b[p + 2] << 8) | b[p + 3] : b[p] | (b[p + 1] << 8) | (b[p + 2] << 16) | (b[p + 3] << 24)) >>> 0;

/**
 * 64-bit members from their two 32-bit halves (offsets of the low and high word): counters
 * nearly always fit 32 bits, one BigInt then instead of Buffer's three.
 */
const u64 = (lo: number, hi: number, buf: Buffer, at: number): bigint => {
  const be = lo > hi;
  const h = word(buf, at + hi, be), l = word(buf, at + lo, be);
  return h === 0 ? BigInt(l) : (BigInt(h) << 32n) | BigInt(l);
};
const s64 = (lo: number, hi: number, buf: Buffer, at: number): bigint => {
  const be = lo > hi;
  const h = word(buf, at + hi, be) | 0, l = word(buf, at + lo, be);
  return h === 0 ? BigInt(l) : (BigInt(h) << 32n) + BigInt(l);
};

function missingRefs(where: string): never {
  throw new TypeError(`${where} names an enum or struct, and its struct was made without references`);
}

export class StructType {
  readonly members: Member[] = [];
  readonly byKey = new Map<string, Member>();
  readonly size: number;

  /** `members` as a description gives them; `refs` finds the enums and structs they name. */
  constructor(readonly name: string, members: readonly StructMember[], refs?: Pick<DescriptionRefs, 'enum' | 'struct'>) {
    let offset = 0;
    for (const [i, d] of members.entries()) {
      const where = `struct ${name}.${d.name}`;
      const inner = d.struct === undefined ? undefined : (refs ?? missingRefs(where)).struct(d.struct, where);
      const elem = intSize(d.type) ?? d.len ?? inner?.size;
      if (elem === undefined) throw new TypeError(`struct ${name}: member ${d.name} (${d.type}) needs a len`);
      if (d.array && i !== members.length - 1) throw new TypeError(`struct ${name}: the flexible array ${d.name} must be the last member`);
      const size = d.array ? 0 : elem;
      // Object.assign, not a spread with more keys (~5 us an object in node 20; see attrset.ts)
      const m: Member = Object.assign({}, d, { key: camelCase(d.name), offset, size, elem, bigEndian: d.byteOrder === 'big-endian' });
      if (inner) m.structType = () => inner;
      if (d.enum !== undefined) {
        const e = (refs ?? missingRefs(where)).enum(d.enum, where);
        m.enumType = d.enumAsFlags ? e.asFlags() : e;
      }
      offset += size;
      this.members.push(m);
      if (d.type !== 'pad') this.byKey.set(m.key, m);
    }
    this.size = offset;
  }

  private writer: ((s: StructType, w: Writer, buf: Buffer, at: number, o: Record<string, unknown>, path: string, text: boolean) => void) | undefined;

  /**
   * A fixed struct's encoder written out from its members, once, as the readers are: its
   * bytes zeroed, then each plain little-endian integer member given as an in-range number
   * stored byte by byte, anything else (enum names, text input, addresses, values to refuse)
   * through writeMember. Straight-line code with no loop, iterator or path text per member:
   * a bulk add writes a header per route, mostly before the JIT has compiled anything.
   * Only numbers and JSON-quoted keys go into the source.
   */
  private compileWriter() {
    const lines: string[] = [];
    // a header's few bytes zeroed by stores; a large struct by one fill
    if (this.size > 64) lines.push(`buf.fill(0, at, at + ${this.size});`);
    else for (let i = 0; i < this.size; i++) lines.push(`buf[at + ${i}] = 0;`);
    this.members.forEach((m, i) => {
      if (m.type === 'pad') return;
      lines.push(`v = o[${JSON.stringify(m.key)}];`);
      const info = intInfo(m.type);
      const slow = `s.writeMember(w, s.members[${i}], at, v, path + ${JSON.stringify(`.${m.key}`)}, text);`;
      if (!info || info.wide || m.display || m.bigEndian || m.enumType?.flags) {
        lines.push(`if (v !== undefined) ${slow}`);
        return;
      }
      const stores = (x: string) => {
        const out = [`buf[at + ${m.offset}] = ${x} & 255;`];
        for (let b = 1; b < m.size; b++) out.push(`buf[at + ${m.offset + b}] = (${x} >> ${8 * b}) & 255;`);
        return out.join(' ');
      };
      const inRange = (x: string) => `${x} >= ${info.min} && ${x} <= ${info.max}`;
      // an enum member given by name (a route's type): its value from the enum's own table
      const named = m.enumType ? `else if (typeof v === 'string' && (n = s.members[${i}].enumType.byName.get(v)) !== undefined && ${inRange('n')}) { ${stores('n')} } ` : '';
      lines.push(`if (typeof v === 'number' && ${inRange('v')} && Number.isInteger(v)) { ${stores('v')} } ${named}else if (v !== undefined) ${slow}`);
    });
    return new Function(`return function writeStruct(s, w, buf, at, o, path, text) { let v, n; ${lines.join(' ')} };`)() as NonNullable<StructType['writer']>;
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
        if (m.structType) return (buf, at) => m.structType!().decode(buf, at + o, at + o + size);
        return (buf, at) => (isTextHint(m.display) && formatHint(m.display, buf, at + o, at + o + size)) || Buffer.from(buf.subarray(at + o, at + o + size));
      case 'u8':
        if (!m.enumType) return (buf, at) => buf[at + o];
    }
    const type = m.type, be = m.bigEndian, e = m.enumType, display = m.display;
    if (e || (display === 'ipv4' && type === 'u32')) return (buf, at) => presentInt(e, display, readInt(buf, type, at + o, be));
    return (buf, at) => readInt(buf, type, at + o, be);
  }

  /**
   * The struct read into an object literal written out from the members, once: one shape
   * for every message, built in one allocation. Only JSON-quoted keys go into the source.
   */
  private compile(): (buf: Buffer, at: number, end: number) => Record<string, unknown> {
    const members = this.members.filter((m) => m.type !== 'pad');
    const fields = members.map((m, i) => `${JSON.stringify(m.key)}: ${plainRead(m) ?? `m${i}(buf, at, end)`}`);
    // a literal, not a constructor: measured, a 9-member literal with 6 attributes added
    // after it allocates faster than a constructor's object (V8 pretenures literals)
    const src = `return function readStruct(buf, at, end) { return { ${fields.join(', ')} }; };`;
    return new Function(...members.map((_, i) => `m${i}`), 'u64', 's64', src)(...members.map((m) => this.memberReader(m)), u64, s64);
  }

  private intoReader: ((buf: Buffer, at: number, end: number, o: Record<string, unknown>) => void) | undefined;

  /**
   * decode() into an existing object (a decoder's reused scratch object): the same reads,
   * written as stores of literal keys. Only JSON-quoted keys go into the source.
   */
  decodeInto(buf: Buffer, at: number, end: number, o: Record<string, unknown>): void {
    if (end - at < this.size) throw new NetlinkDecodeError(`struct ${this.name} needs ${this.size} bytes, got ${end - at}`, at);
    if (!this.intoReader) {
      const members = this.members.filter((m) => m.type !== 'pad');
      const stores = members.map((m, i) => `o[${JSON.stringify(m.key)}] = ${plainRead(m) ?? `m${i}(buf, at, end)`};`);
      this.intoReader = new Function(...members.map((_, i) => `m${i}`), 'u64', 's64', `return function readStructInto(buf, at, end, o) { ${stores.join(' ')} };`)(
        ...members.map((m) => this.memberReader(m)), u64, s64);
    }
    this.intoReader!(buf, at, end, o);
  }

  /** Reads the struct at buf[at]; needs `size` bytes before `end`. */
  decode(buf: Buffer, at: number, end: number): Record<string, unknown> {
    if (end - at < this.size) throw new NetlinkDecodeError(`struct ${this.name} needs ${this.size} bytes, got ${end - at}`, at);
    return (this.reader ??= this.compile())(buf, at, end);
  }

  /**
   * Writes the struct; members not given are zero. Keys not in the struct are an error unless
   * `lenient`. `text`: integers may be digit strings and bytes hex (see markTextInput).
   */
  encode(w: Writer, obj: unknown, path: string, lenient = false, text = false): void {
    if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) throw new NetlinkEncodeError(`struct ${this.name} needs an object`, path);
    if (!lenient) for (const k of Object.keys(obj)) if (!this.byKey.has(k) && (obj as Record<string, unknown>)[k] !== undefined)
      throw new NetlinkEncodeError(`no member '${k}' in struct ${this.name}`, `${path}.${k}`);
    const last = this.members[this.members.length - 1];
    const flex = last?.array ? (obj as Record<string, unknown>)[last.key] : undefined;
    if (flex !== undefined && !Array.isArray(flex)) throw new NetlinkEncodeError('an array is needed', `${path}.${last.key}`);
    const total = this.size + (flex ? flex.length * last.elem : 0);
    w.ensure(total);
    const at = w.pos;
    if (!flex && !last?.array) {
      // a fixed struct (message headers): one compiled function, see compileWriter
      (this.writer ??= this.compileWriter())(this, w, w.buf, at, obj as Record<string, unknown>, path, text);
      w.pos = at + total;
      return;
    }
    w.buf.fill(0, at, at + total);
    for (const m of this.members) {
      const v = (obj as Record<string, unknown>)[m.key];
      if (v === undefined || m.type === 'pad') continue;
      if (m.array) {
        // elements written as members of their own, one after another
        (v as unknown[]).forEach((x, i) =>
          this.writeMember(w, { ...m, array: false, offset: m.offset + i * m.elem, size: m.elem }, at, x, `${path}.${m.key}[${i}]`, text));
        continue;
      }
      this.writeMember(w, m, at, v, `${path}.${m.key}`, text);
    }
    w.pos = at + total;
  }

  /** One member's value at its offset (the compiled writer's general path). */
  writeMember(w: Writer, m: Member, at: number, v: unknown, p: string, text: boolean): void {
    const buf = w.buf;
    const o = at + m.offset;
    if (m.type === 'string') {
      if (typeof v !== 'string') throw new NetlinkEncodeError('string needed', p);
      if (Buffer.byteLength(v) >= m.size) throw new NetlinkEncodeError(`'${v}' does not fit ${m.size - 1} bytes`, p);
      buf.write(v, o, 'utf8');
    } else if (m.type === 'binary') {
      if (m.structType) {
        const inner = m.structType();
        const save = w.pos;
        w.pos = o;
        inner.encode(w, v, p, false, text);
        w.pos = save;
        return;
      }
      const bytes = hintedBytes(m.display, v, text, p);
      if (!(bytes instanceof Uint8Array)) throw new NetlinkEncodeError('binary needs a Buffer', p);
      if (bytes.length > m.size) throw new NetlinkEncodeError(`${bytes.length} bytes do not fit ${m.size}`, p);
      buf.set(bytes, o);
    } else {
      writeInt(buf, m.type, o, m.bigEndian, intFromText(m.enumType, m.display, intInfo(m.type)!.wide, intInput(v, m.type as IntKind, text), p), p);
    }
  }
}
