import { AttrIterator, attrContaining, readString } from './attributes.js';
import type { AttrDef, AttrKind, AttrSet } from './attrset.js';
import { NLA_F_NESTED, NLA_F_NET_BYTEORDER, NLA_TYPE_MASK } from './constants.js';
import { NetlinkDecodeError, NetlinkEncodeError } from './errors.js';
import type { Writer } from './writer.js';

/** An attribute the descriptor does not know, kept so it can be re-encoded unchanged. */
export interface UnknownAttr {
  type: number;
  nested: boolean;
  netByteOrder: boolean;
  data: Buffer;
}

/** Nests deeper than this are refused: no kernel family comes close, and recursion must stay bounded. */
export const MAX_NEST_DEPTH = 64;

export type Decoded = Record<string, unknown> & { $unknown?: UnknownAttr[] };

const SIZES: Partial<Record<AttrKind, number>> = { u8: 1, u16: 2, u32: 4, u64: 8, s8: 1, s16: 2, s32: 4, s64: 8 };

function readScalar(buf: Buffer, def: AttrDef, kind: AttrKind, start: number, len: number, be: boolean): number | bigint {
  const need = SIZES[kind];
  if (need !== undefined && len < need)
    throw new NetlinkDecodeError(`${def.name}: ${kind} needs ${need} bytes, got ${len}`, start);
  switch (kind) {
    case 'u8': return buf[start];
    case 's8': return buf.readInt8(start);
    case 'u16': return be ? buf.readUInt16BE(start) : buf.readUInt16LE(start);
    case 's16': return be ? buf.readInt16BE(start) : buf.readInt16LE(start);
    case 'u32': return be ? buf.readUInt32BE(start) : buf.readUInt32LE(start);
    case 's32': return be ? buf.readInt32BE(start) : buf.readInt32LE(start);
    case 'u64': return be ? buf.readBigUInt64BE(start) : buf.readBigUInt64LE(start);
    case 's64': return be ? buf.readBigInt64BE(start) : buf.readBigInt64LE(start);
    case 'uint':
    case 'sint': {
      // variable width: 4 or 8 bytes; numbers while they are exact
      const signed = kind === 'sint';
      if (len === 4) return signed ? (be ? buf.readInt32BE(start) : buf.readInt32LE(start)) : be ? buf.readUInt32BE(start) : buf.readUInt32LE(start);
      if (len === 8) {
        const v = signed ? (be ? buf.readBigInt64BE(start) : buf.readBigInt64LE(start)) : be ? buf.readBigUInt64BE(start) : buf.readBigUInt64LE(start);
        return v >= -9007199254740991n && v <= 9007199254740991n ? Number(v) : v;
      }
      throw new NetlinkDecodeError(`${def.name}: ${kind} must be 4 or 8 bytes, got ${len}`, start);
    }
    default: throw new NetlinkDecodeError(`${def.name}: ${kind} is not a scalar`, start);
  }
}

function decodeValue(buf: Buffer, def: AttrDef, kind: AttrKind, it: { dataStart: number; dataEnd: number; netByteOrder: boolean }, depth: number): unknown {
  const start = it.dataStart, end = it.dataEnd;
  switch (kind) {
    case 'flag': return true;
    case 'string': return readString(buf, start, end);
    case 'binary': return Buffer.from(buf.subarray(start, end));
    case 'nest': return decodeAttrs(def.nested!(), buf, start, end, depth + 1);
    case 'indexed-array': {
      const out: unknown[] = [];
      const inner = new AttrIterator(buf, start, end);
      const sub = def.subKind ?? 'nest';
      while (inner.next()) out.push(decodeValue(buf, def, sub, inner, depth + 1));
      return out;
    }
    case 'pad':
    case 'unused':
      return undefined;
    default:
      return readScalar(buf, def, kind, start, end - start, def.bigEndian === true || it.netByteOrder);
  }
}

/** Decodes the attributes in buf[start, end) as described by set. Unknown attributes go to `$unknown`. */
export function decodeAttrs(set: AttrSet, buf: Buffer, start: number, end: number, depth = 0): Decoded {
  if (depth > MAX_NEST_DEPTH) throw new NetlinkDecodeError(`attributes nested deeper than ${MAX_NEST_DEPTH} levels`, start);
  const out: Decoded = {};
  const it = new AttrIterator(buf, start, end);
  while (it.next()) {
    const def = set.byType[it.type];
    if (def === undefined) {
      (out.$unknown ??= []).push({
        type: it.type, nested: it.nested, netByteOrder: it.netByteOrder, data: Buffer.from(buf.subarray(it.dataStart, it.dataEnd)),
      });
      continue;
    }
    const v = decodeValue(buf, def, def.kind, it, depth);
    if (v === undefined) continue;
    if (def.multi) ((out[def.key] as unknown[] | undefined) ?? (out[def.key] = [] as unknown[]) as unknown[]).push(v);
    else out[def.key] = v;
  }
  return out;
}

const RANGES: Partial<Record<AttrKind, [number, number]>> = {
  u8: [0, 0xff], u16: [0, 0xffff], u32: [0, 0xffffffff],
  s8: [-0x80, 0x7f], s16: [-0x8000, 0x7fff], s32: [-0x80000000, 0x7fffffff],
};

function encodeScalar(w: Writer, def: AttrDef, kind: AttrKind, v: unknown, path: string): void {
  const be = def.bigEndian === true;
  if (kind === 'u64' || kind === 's64' || kind === 'uint' || kind === 'sint') {
    if (typeof v !== 'bigint' && !(typeof v === 'number' && Number.isSafeInteger(v)))
      throw new NetlinkEncodeError(`${kind} needs a bigint or a safe integer, got ${typeof v}`, path);
    const big = BigInt(v);
    const signed = kind === 's64' || kind === 'sint';
    const lo = signed ? -(1n << 63n) : 0n, hi = signed ? (1n << 63n) - 1n : (1n << 64n) - 1n;
    if (big < lo || big > hi) throw new NetlinkEncodeError(`${big} is out of range for ${kind}`, path);
    // variable-width kinds take 4 bytes when the value fits, as the kernel writes them
    if (kind === 'uint' && big <= 0xffffffffn) return encodeScalar(w, def, 'u32', Number(big), path);
    if (kind === 'sint' && big >= -0x80000000n && big <= 0x7fffffffn) return encodeScalar(w, def, 's32', Number(big), path);
    w.ensure(8);
    if (signed) be ? w.buf.writeBigInt64BE(big, w.pos) : w.buf.writeBigInt64LE(big, w.pos);
    else be ? w.buf.writeBigUInt64BE(big, w.pos) : w.buf.writeBigUInt64LE(big, w.pos);
    w.pos += 8;
    return;
  }
  const range = RANGES[kind]!;
  if (typeof v !== 'number' || !Number.isInteger(v)) throw new NetlinkEncodeError(`${kind} needs an integer, got ${typeof v === 'number' ? v : typeof v}`, path);
  if (v < range[0] || v > range[1]) throw new NetlinkEncodeError(`${v} is out of range for ${kind}`, path);
  const size = SIZES[kind]!;
  w.ensure(size);
  if (kind[0] === 'u') w.buf.writeUIntLE(v, w.pos, size); else w.buf.writeIntLE(v, w.pos, size);
  if (be && size > 1) w.buf.subarray(w.pos, w.pos + size).reverse();
  w.pos += size;
}

function encodeValue(w: Writer, def: AttrDef, kind: AttrKind, type: number, v: unknown, path: string): void {
  const nestedFlag = kind === 'nest' || kind === 'indexed-array' ? NLA_F_NESTED : 0;
  const start = w.beginAttr(type | nestedFlag);
  switch (kind) {
    case 'flag':
      if (v !== true) throw new NetlinkEncodeError(`flag needs true (omit it for false), got ${String(v)}`, path);
      break;
    case 'string':
      if (typeof v !== 'string') throw new NetlinkEncodeError(`string needed, got ${typeof v}`, path);
      if (v.includes('\0')) throw new NetlinkEncodeError('strings cannot contain NUL', path);
      w.ensure(Buffer.byteLength(v) + 1);
      w.pos += w.buf.write(v, w.pos, 'utf8');
      w.buf[w.pos++] = 0;
      break;
    case 'binary':
      if (!(v instanceof Uint8Array)) throw new NetlinkEncodeError(`binary needs a Buffer or Uint8Array, got ${typeof v}`, path);
      w.bytes(v);
      break;
    case 'nest':
      encodeAttrs(def.nested!(), v, w, path);
      break;
    case 'indexed-array': {
      if (!Array.isArray(v)) throw new NetlinkEncodeError(`indexed-array needs an array, got ${typeof v}`, path);
      const sub = def.subKind ?? 'nest';
      v.forEach((item, i) => encodeValue(w, def, sub, i + 1, item, `${path}[${i}]`));
      break;
    }
    case 'pad':
    case 'unused':
      throw new NetlinkEncodeError(`${kind} attributes carry no value`, path);
    default:
      encodeScalar(w, def, kind, v, path);
  }
  w.endAttr(start, path);
}

/** Encodes obj's attributes as described by set. Unknown keys are an error; `$unknown` entries are written unchanged. */
export function encodeAttrs(set: AttrSet, obj: unknown, w: Writer, path = ''): void {
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj))
    throw new NetlinkEncodeError(`attribute set ${set.name} needs an object, got ${Array.isArray(obj) ? 'array' : typeof obj}`, path);
  for (const key of Object.keys(obj)) {
    const v = (obj as Record<string, unknown>)[key];
    if (v === undefined) continue;
    if (key === '$unknown') {
      encodeUnknown(v, w, `${path}.$unknown`);
      continue;
    }
    const def = set.byKey.get(key);
    if (!def) throw new NetlinkEncodeError(`no attribute '${key}' in set ${set.name}`, `${path}.${key}`);
    const p = `${path}.${def.key}`;
    if (def.multi) {
      if (!Array.isArray(v)) throw new NetlinkEncodeError(`multi-attr needs an array`, p);
      v.forEach((item, i) => encodeValue(w, def, def.kind, def.type, item, `${p}[${i}]`));
    } else encodeValue(w, def, def.kind, def.type, v, p);
  }
}

function encodeUnknown(v: unknown, w: Writer, path: string): void {
  if (!Array.isArray(v)) throw new NetlinkEncodeError('$unknown needs an array of {type, data}', path);
  v.forEach((u: Partial<UnknownAttr>, i) => {
    if (!u || !Number.isInteger(u.type) || u.type! < 0 || u.type! > NLA_TYPE_MASK || !(u.data instanceof Uint8Array))
      throw new NetlinkEncodeError('needs {type: 0..16383, data: Uint8Array}', `${path}[${i}]`);
    const start = w.beginAttr(u.type! | (u.nested ? NLA_F_NESTED : 0) | (u.netByteOrder ? NLA_F_NET_BYTEORDER : 0));
    w.bytes(u.data);
    w.endAttr(start, `${path}[${i}]`);
  });
}

/**
 * Names the attribute that starts at (or contains) `offset` in buf[start, end), e.g.
 * `.ops[2].id`; attributes the set does not know are named by number. Used to turn an
 * extended ack's byte offset into a path.
 */
export function attributePath(set: AttrSet | undefined, buf: Buffer, start: number, end: number, offset: number): string | undefined {
  try {
    const it = attrContaining(buf, start, end, offset);
    if (!it) return undefined;
    const def = set?.byType[it.type];
    const here = def ? `.${def.key}` : `.${it.type}`;
    if (offset < it.dataStart) return here;
    if (def?.kind === 'nest') return here + (attributePath(def.nested!(), buf, it.dataStart, it.dataEnd, offset) ?? '');
    if (def?.kind === 'indexed-array' || (!def && it.nested)) {
      const el = attrContaining(buf, it.dataStart, it.dataEnd, offset);
      if (!el) return here;
      // arrays are numbered by position (from 0), as decoded arrays and encode errors number them
      const idx = def ? `${here}[${el.index}]` : `${here}.${el.type}`;
      const elementSet = def && (def.subKind ?? 'nest') === 'nest' ? def.nested!() : undefined;
      if (offset < el.dataStart || (def && !elementSet)) return idx;
      return idx + (attributePath(elementSet, buf, el.dataStart, el.dataEnd, offset) ?? '');
    }
    return here;
  } catch {
    // a request we built ourselves should parse; if it does not, there is no path
    return undefined;
  }
}
