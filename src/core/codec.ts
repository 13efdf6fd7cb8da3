import { AttrIterator, attrContaining } from './attributes.js';
import { recordLength, type AttrDef, type AttrSet, type Records, type SubMessageFormat } from './attrset.js';
import type { AttrType } from './description.js';
import { NLA_F_NESTED, NLA_F_NET_BYTEORDER, NLA_HDRLEN, NLA_TYPE_MASK } from './constants.js';
import { bytesInput, formatHint, hintedBytes, isTextHint } from './display.js';
import { ipv4Text, writeIPv4 } from './ipv4-text.js';
import { NetlinkDecodeError, NetlinkEncodeError } from './errors.js';
import { intInfo, intInput, intSize, type IntKind } from './ints.js';
import { intFromText, presentInt, readInt, writeInt, type StructType } from './struct.js';
import { readName } from './names.js';
import { align4, type Writer } from './writer.js';

/** An attribute the descriptor does not know, kept so it can be re-encoded unchanged. */
export interface UnknownAttr {
  type: number;
  nested: boolean;
  netByteOrder: boolean;
  data: Buffer;
}

/** Nests deeper than this are refused: no kernel family comes close, and recursion must stay bounded. */
export const MAX_NEST_DEPTH = 64;

/**
 * A decoded object. `$unknown`: attributes the description does not know. `$raw`: sub-messages
 * whose selector is missing or names no known format, as bytes, by the sub-message's key
 * (so `kind` tells which format `data` holds: `data` is never bytes).
 */
export type Decoded = Record<string, unknown> & { $unknown?: UnknownAttr[]; $raw?: Record<string, Buffer | Buffer[]> };

/**
 * The objects being decoded (or encoded) around the current one, innermost first: a
 * sub-message looks its selector up here.
 */
interface Scope {
  obj: Record<string, unknown>;
  set: AttrSet;
  buf?: Buffer;
  start: number;
  end: number;
  up: Scope | undefined;
  /** Decoding: selectors read from this object's bytes, by name (each is looked for once). */
  scanned?: Map<string, unknown>;
  /** Encoding: nest level, counted from 1 at the message's attributes. */
  depth?: number;
  /** Encoding: integers and bytes may be given as text (see markTextInput). */
  text?: boolean;
}

/** Request objects whose integers may be digit strings and whose bytes may be hex (JSON input). */
const textInputs = new WeakSet<object>();

/**
 * Marks a request object as read from text (JSON): below it, integer fields also take a
 * string of decimal digits or 0x hex (a bigint for 64-bit kinds), and binary fields
 * without a display hint (and `$unknown`/`$raw` data) take hex, optionally ':'-separated.
 * Everything else is encoded as for any object.
 */
export function markTextInput<T extends object>(obj: T): T {
  anyTextInput = true;
  textInputs.add(obj);
  return obj;
}

/**
 * Whether any object was ever marked: until one is, no request needs the WeakSet lookup
 * (a hash lookup per encode, a fifth of a small request's encoding).
 */
let anyTextInput = false;
const isTextInput = (obj: object): boolean => anyTextInput && textInputs.has(obj);

function readScalar(buf: Buffer, def: AttrDef, kind: AttrType, start: number, len: number, be: boolean): number | bigint {
  const need = intSize(kind);
  if (need !== undefined) {
    if (len < need) throw new NetlinkDecodeError(`${def.name}: ${kind} needs ${need} bytes, got ${len}`, start);
    return readInt(buf, kind, start, be);
  }
  if (kind === 'uint' || kind === 'sint') {
    // variable width on the wire (4 or 8 bytes); one type in objects
    const signed = kind === 'sint';
    if (len === 4) return BigInt(signed ? (be ? buf.readInt32BE(start) : buf.readInt32LE(start)) : be ? buf.readUInt32BE(start) : buf.readUInt32LE(start));
    if (len === 8) return signed ? (be ? buf.readBigInt64BE(start) : buf.readBigInt64LE(start)) : be ? buf.readBigUInt64BE(start) : buf.readBigUInt64LE(start);
    throw new NetlinkDecodeError(`${def.name}: ${kind} must be 4 or 8 bytes, got ${len}`, start);
  }
  throw new NetlinkDecodeError(`${def.name}: ${kind} is not a scalar`, start);
}

/** A scalar as objects show it: enum names, flag lists, dotted addresses. */
const presentScalar = (def: AttrDef, v: number | bigint): unknown => presentInt(def.enumType, def.display, v);

function decodeBinary(buf: Buffer, def: AttrDef, start: number, end: number): unknown {
  if (def.structType) {
    const s = def.structType();
    // a struct of another kernel version: shorter stays bytes, longer is read as far as known
    if (end - start >= s.size) return s.decode(buf, start, end);
  } else if (intSize(def.subType)) {
    const size = intSize(def.subType)!;
    const out: (number | bigint)[] = [];
    for (let at = start; at + size <= end; at += size) out.push(readInt(buf, def.subType!, at, def.bigEndian));
    return out;
  } else if (isTextHint(def.display)) {
    const text = formatHint(def.display, buf, start, end);
    if (text !== undefined) return text;
  }
  return Buffer.from(buf.subarray(start, end));
}

interface Span { dataStart: number; dataEnd: number; netByteOrder: boolean }

function decodeValue(buf: Buffer, def: AttrDef, kind: AttrType, it: Span, depth: number, scope: Scope | undefined): unknown {
  const start = it.dataStart, end = it.dataEnd;
  switch (kind) {
    case 'flag': return true;
    case 'string': return readName(buf, start, end);
    case 'binary': return def.recordsOf ? decodeRecords(def.recordsOf(), buf, start, end, depth, scope) : decodeBinary(buf, def, start, end);
    case 'nest': return decodeHeaded(def.header?.(), def.nested!(), buf, start, end, depth + 1, scope);
    case 'indexed-array': {
      const out: unknown[] = [];
      const inner = new AttrIterator(buf, start, end);
      const el = def.element!;
      while (inner.next()) out.push(decodeValue(buf, el, el.type, inner, depth + 1, scope));
      return out;
    }
    case 'nest-type-value': {
      const out: Record<string, unknown>[] = [];
      decodeTypeValue(buf, def, start, end, depth + 1, 0, {}, out);
      return out;
    }
    case 'bitfield32': {
      if (end - start < 8) throw new NetlinkDecodeError(`${def.name}: bitfield32 needs 8 bytes, got ${end - start}`, start);
      return { value: presentScalar(def, buf.readUInt32LE(start)), selector: presentScalar(def, buf.readUInt32LE(start + 4)) };
    }
    case 'sub-message': {
      const fmt = subMessageFormat(def, scope);
      // no format: the bytes, which the set's walk files under $raw
      return fmt ? decodeHeaded(fmt.header, fmt.attrs, buf, start, end, depth + 1, scope) : Buffer.from(buf.subarray(start, end));
    }
    case 'pad':
    case 'unused':
      return undefined;
    default:
      return presentScalar(def, readScalar(buf, def, kind, start, end - start, def.bigEndian || it.netByteOrder));
  }
}

/**
 * A run of records (rtnexthop and its attributes, RTA_MULTIPATH): each one's struct fields
 * and attributes in one object. Every length is checked against what is left (one pass,
 * no record read twice); a record's selectors are looked up in the record first.
 */
function decodeRecords(r: Records, buf: Buffer, start: number, end: number, depth: number, scope: Scope | undefined): Decoded[] {
  if (depth + 1 > MAX_NEST_DEPTH) tooDeep(start);
  const out: Decoded[] = [];
  const skip = align4(r.header.size);
  for (let pos = start; pos < end; ) {
    const len = recordLength(r, buf, pos, end);
    const rec: Decoded = r.header.decode(buf, pos, pos + len);
    if (r.attrs && skip < len) compiledOf(r.attrs)(buf, pos + skip, pos + len, depth + 1, scope, rec);
    out.push(rec);
    pos += align4(len);
  }
  return out;
}

function decodeTypeValue(buf: Buffer, def: AttrDef, start: number, end: number, depth: number, level: number, prefix: Record<string, unknown>, out: Record<string, unknown>[]): void {
  if (depth > MAX_NEST_DEPTH) throw new NetlinkDecodeError(`attributes nested deeper than ${MAX_NEST_DEPTH} levels`, start);
  const keys = def.typeValueKeys ?? ['type'];
  const it = new AttrIterator(buf, start, end);
  while (it.next()) {
    const entry = { ...prefix, [keys[level]]: it.type };
    if (level + 1 < keys.length) decodeTypeValue(buf, def, it.dataStart, it.dataEnd, depth + 1, level + 1, entry, out);
    else out.push(def.nested ? decodeAttrs(def.nested(), buf, it.dataStart, it.dataEnd, depth + 1, undefined, entry) : entry);
  }
}

/** The selector's value, from the objects around a sub-message (decoded, or read from their bytes). */
function selectorValue(def: AttrDef, scope: Scope | undefined): unknown {
  for (let s = scope; s; s = s.up) {
    const sel = s.set.byName.get(def.selector!);
    if (!sel) continue;
    const v = s.obj[sel.key];
    if (v !== undefined || !s.buf) return v;
    // the selector may come after the sub-message in the bytes, or be missing: read the
    // bytes once per object, not once per sub-message (many sub-messages made it O(n^2))
    const scanned = (s.scanned ??= new Map());
    if (!scanned.has(sel.name)) scanned.set(sel.name, scanSelector(s.buf, s.start, s.end, sel));
    return scanned.get(sel.name);
  }
  return undefined;
}

function scanSelector(buf: Buffer, start: number, end: number, sel: AttrDef): unknown {
  const it = new AttrIterator(buf, start, end);
  let found: unknown;
  // the last one wins, as it does when the set is decoded
  while (it.next()) if (it.type === sel.value) found = decodeValue(buf, sel, sel.type, it, MAX_NEST_DEPTH, undefined);
  return found;
}

function subMessageFormat(def: AttrDef, scope: Scope | undefined): SubMessageFormat | undefined {
  const v = selectorValue(def, scope);
  if (v === undefined) return undefined;
  const formats = def.subMessageOf!().formats;
  return formats.get(String(v));
}

/** Reads one attribute's payload buf[start, end); `raw` is its type field with the flag bits. */
type Reader = (buf: Buffer, start: number, end: number, raw: number, depth: number, scope: Scope | undefined) => unknown;
const readers = new WeakMap<AttrDef, Reader>();

function tooShort(def: AttrDef, need: number, start: number, end: number): never {
  throw new NetlinkDecodeError(`${def.name}: ${def.type} needs ${need} bytes, got ${end - start}`, start);
}

const u32le = (b: Buffer, p: number) => (b[p] | (b[p + 1] << 8) | (b[p + 2] << 16) | (b[p + 3] << 24)) >>> 0;

/**
 * A reader made for one attribute, chosen once from its description: dumps decode the same
 * few attributes thousands of times, and a closure per kind beats re-reading the
 * description (measured on a 100,000-route dump).
 */
function readerOf(def: AttrDef): Reader {
  let r = readers.get(def);
  if (r) return r;
  const be = def.bigEndian;
  const plain = !def.enumType && def.display !== 'ipv4';
  if (def.type === 'u32' && plain && !be)
    r = (b, s, e, raw) => (e - s < 4 ? tooShort(def, 4, s, e) : raw & NLA_F_NET_BYTEORDER ? b.readUInt32BE(s) : u32le(b, s));
  else if (def.type === 'u32' && def.enumType?.flags && !be) {
    // flags (op flags, link flags...): the list straight from the bits, no generic read
    const e = def.enumType;
    r = (b, s, end, raw) => (end - s < 4 ? tooShort(def, 4, s, end) : e.flagNames(raw & NLA_F_NET_BYTEORDER ? b.readUInt32BE(s) : u32le(b, s)));
  } else if (intSize(def.type) !== undefined) {
    const kind = def.type;
    const need = intSize(kind)!;
    r = (b, s, e, raw) => {
      if (e - s < need) tooShort(def, need, s, e);
      return presentScalar(def, readInt(b, kind, s, be || (raw & NLA_F_NET_BYTEORDER) !== 0));
    };
  } else if (def.recordsOf) {
    const recs = def.recordsOf;
    r = (b, s, e, _raw, depth, scope) => decodeRecords(recs(), b, s, e, depth, scope);
  } else if (def.type === 'string') r = readName;
  else if (def.type === 'flag') r = () => true;
  else if (def.type === 'binary' && !def.structType && !def.subType && isTextHint(def.display)) {
    const hint = def.display;
    r = hint === 'ipv4' || hint === 'ipv4-or-v6'
      ? (b, s, e) => (e - s === 4 ? ipv4Text(b, s) : formatHint(hint, b, s, e) ?? Buffer.from(b.subarray(s, e)))
      : (b, s, e) => formatHint(hint, b, s, e) ?? Buffer.from(b.subarray(s, e));
  } else if (def.type === 'nest' && !def.header) {
    // the nested set's walk, looked up on first use (not per nest) and called directly:
    // the parent's walk has already checked [s, e) against the buffer
    let walk: SetDecoder | undefined;
    r = (b, s, e, _raw, depth, scope) => (walk ??= compiledOf(def.nested!()))(b, s, e, depth + 1, scope, undefined);
  }
  else if (def.type === 'indexed-array') r = indexedArrayReader(def.element!);
  else r = (b, s, e, raw, depth, scope) => decodeValue(b, def, def.type, { dataStart: s, dataEnd: e, netByteOrder: (raw & NLA_F_NET_BYTEORDER) !== 0 }, depth, scope);
  readers.set(def, r);
  return r;
}

/**
 * An indexed array (ops, groups, queues): the elements in order, each read by its own
 * reader, walked in place (no iterator or span object per element) with AttrIterator's
 * checks and messages.
 */
function indexedArrayReader(el: AttrDef): Reader {
  const read = readerOf(el);
  return (b, s, e, _raw, depth, scope) => {
    const out: unknown[] = [];
    for (let pos = s; pos < e; ) {
      if (e - pos < NLA_HDRLEN) headerTooShort(e - pos, pos);
      const len = b[pos] | (b[pos + 1] << 8);
      const raw = b[pos + 2] | (b[pos + 3] << 8);
      if (len < NLA_HDRLEN || pos + len > e) badLength(len, raw, pos);
      out.push(read(b, pos + NLA_HDRLEN, pos + len, raw, depth + 1, scope));
      pos += (len + 3) & ~3;
    }
    return out;
  };
}

function headerTooShort(left: number, pos: number): never {
  throw new NetlinkDecodeError(`${left} trailing byte(s) are too short for an attribute header`, pos);
}

function badLength(len: number, raw: number, pos: number): never {
  if (len < NLA_HDRLEN) throw new NetlinkDecodeError(`attribute length ${len} is shorter than its header`, pos);
  throw new NetlinkDecodeError(`attribute type ${raw & NLA_TYPE_MASK} of length ${len} runs past its container`, pos);
}

function keepUnknown(out: Decoded, buf: Buffer, pos: number, len: number, raw: number): void {
  (out.$unknown ??= []).push({
    type: raw & NLA_TYPE_MASK, nested: (raw & NLA_F_NESTED) !== 0, netByteOrder: (raw & NLA_F_NET_BYTEORDER) !== 0,
    data: Buffer.from(buf.subarray(pos + NLA_HDRLEN, pos + len)),
  });
}

function keepRaw(out: Decoded, key: string, v: Buffer, multi: boolean): void {
  const raw = (out.$raw ??= {});
  if (!multi) raw[key] = v;
  else ((raw[key] as Buffer[] | undefined) ?? (raw[key] = [])).push(v);
}

/** A set's walk over buf[pos, end): fills `into`, or an object of its own. */
type SetDecoder = (buf: Buffer, pos: number, end: number, depth: number, up: Scope | undefined, into: Record<string, unknown> | undefined) => Decoded;
const compiledSets = new WeakMap<AttrSet, SetDecoder>();

/**
 * The walk over one set's attributes, written out as JavaScript from its description, once:
 * a switch on the type with each attribute's key as a literal, so every store has its own
 * inline cache instead of one megamorphic keyed store shared by all (2x on a 100,000-route
 * dump). Only numbers and JSON-quoted keys go into the source.
 */
/**
 * The commonest attributes of a dump (host-order u16 and u32 shown as numbers, strings, IPv4 addresses)
 * read in the set's own source when their length is the usual one; anything else goes
 * through the attribute's reader. Only numbers go into the source.
 */
function inlineRead(def: AttrDef): { when: string; value: string } | undefined {
  const b = (i: number) => `buf[pos + ${4 + i}]`;
  if (def.type === 'u32' && !def.enumType && !def.display && !def.bigEndian)
    return { when: `len === 8 && (raw & ${NLA_F_NET_BYTEORDER}) === 0`, value: `(${b(0)} | ${b(1)} << 8 | ${b(2)} << 16 | ${b(3)} << 24) >>> 0` };
  if (def.type === 'u16' && !def.enumType && !def.display && !def.bigEndian)
    return { when: `len === 6 && (raw & ${NLA_F_NET_BYTEORDER}) === 0`, value: `${b(0)} | ${b(1)} << 8` };
  if (def.type === 'string') return { when: 'true', value: 'readName(buf, pos + 4, pos + len)' };
  if (def.type === 'binary' && !def.structType && !def.subType && (def.display === 'ipv4' || def.display === 'ipv4-or-v6'))
    return { when: 'len === 8', value: 'ipv4Text(buf, pos + 4)' };
  return undefined;
}

/** Attribute kinds whose readers never look at the enclosing objects (no sub-message below). */
const SCOPELESS = new Set<string>(['u8', 'u16', 'u32', 'u64', 's8', 's16', 's32', 's64', 'uint', 'sint', 'string', 'flag', 'pad', 'unused', 'bitfield32']);
const usesScope = (def: AttrDef): boolean => (def.type === 'binary' ? def.recordsOf !== undefined : !SCOPELESS.has(def.type));

function compileSet(set: AttrSet): SetDecoder {
  const readersOfSet: Reader[] = [];
  const cases: string[] = [];
  set.byType.forEach((def, type) => {
    if (!def || !Number.isInteger(type) || typeof def.key !== 'string') return;
    const r = readersOfSet.push(readerOf(def)) - 1;
    const k = JSON.stringify(def.key);
    const store = def.multiAttr ? `{ const a = out[${k}]; if (a === undefined) out[${k}] = [v]; else a.push(v); }` : `out[${k}] = v;`;
    // a sub-message of no known format is bytes, kept apart from the decoded formats
    const raw = def.type === 'sub-message' ? `if (v instanceof Uint8Array) keepRaw(out, ${k}, v, ${def.multiAttr === true}); else ` : '';
    const read = `v = r${r}(buf, pos + 4, pos + len, raw, depth, ${set.needsScope && usesScope(def) ? 'scope ??= newScope()' : 'up'}); if (v !== undefined) ${raw}${store}`;
    const fast = def.multiAttr ? undefined : inlineRead(def);
    cases.push(`      case ${type}: ${fast ? `if (${fast.when}) out[${k}] = ${fast.value}; else { ${read} }` : read} break;`);
  });
  // the object and the scope are made here too: one call per nest, each site monomorphic;
  // the scope only when an attribute that looks outward is met (a route's encap), not for
  // every message of a dump
  const body = `function Attrs() {}
Attrs.prototype = Object.prototype;
return function decodeSet(buf, pos, end, depth, up, into) {
  if (depth > ${MAX_NEST_DEPTH}) tooDeep(pos);
  const out = into ?? new Attrs();
  const start = pos;
  let scope;
  const newScope = () => ({ obj: out, set, buf, start, end, up });
  let v;
  while (pos < end) {
    if (end - pos < 4) headerTooShort(end - pos, pos);
    const len = buf[pos] | (buf[pos + 1] << 8);
    const raw = buf[pos + 2] | (buf[pos + 3] << 8);
    if (len < 4 || pos + len > end) badLength(len, raw, pos);
    switch (raw & 0x3fff) {
${cases.join('\n')}
      default: keepUnknown(out, buf, pos, len, raw);
    }
    pos += (len + 3) & ~3;
  }
  return out;
};`;
  const names = readersOfSet.map((_, i) => `r${i}`);
  // plain objects from a constructor of their own (Attrs): V8's slack tracking sizes them
  // for the attributes this set's objects end up holding (measured: 8 attributes added to
  // {} take 4x as long as to such an object)
  return new Function(...names, 'set', 'tooDeep', 'headerTooShort', 'badLength', 'keepUnknown', 'keepRaw', 'ipv4Text', 'readName', body)(
    ...readersOfSet, set, tooDeep, headerTooShort, badLength, keepUnknown, keepRaw, ipv4Text, readName) as SetDecoder;
}

function tooDeep(pos: number): never {
  throw new NetlinkDecodeError(`attributes nested deeper than ${MAX_NEST_DEPTH} levels`, pos);
}

/**
 * Decodes the attributes in buf[start, end) as described by set. Unknown attributes go to
 * `$unknown`. `up` is the enclosing objects (for sub-message selectors); `into` receives
 * the attributes when given (e.g. after a fixed header's fields).
 */
export function decodeAttrs(set: AttrSet, buf: Buffer, start: number, end: number, depth = 0, up?: Scope, into?: Record<string, unknown>): Decoded {
  if (start < 0 || end > buf.length || start > end) badRange(buf, start, end);
  return compiledOf(set)(buf, start, end, depth, up, into);
}

function badRange(buf: Buffer, start: number, end: number): never {
  throw new NetlinkDecodeError(`attribute range [${start}, ${end}) is outside the ${buf.length}-byte buffer`, start);
}

/** decodeHeaded for one header and set, as a function: what a reply decoder calls per message. */
export type HeadedDecoder = (buf: Buffer, start: number, end: number) => Decoded;

/**
 * decodeHeaded(header, attrs, ...) made once for an operation's replies: without a header,
 * the set's walk is looked up on the first message, not per message (a WeakMap lookup and
 * two calls per reply).
 */
export function headedDecoder(header: StructType | undefined, attrs: AttrSet | undefined): HeadedDecoder {
  if (header || !attrs) return (buf, start, end) => decodeHeaded(header, attrs, buf, start, end);
  let walk: SetDecoder | undefined;
  return (buf, start, end) => {
    if (start < 0 || end > buf.length || start > end) badRange(buf, start, end);
    return (walk ??= compiledOf(attrs))(buf, start, end, 0, undefined, undefined);
  };
}

/**
 * decodeHeaded into one object reused for every message, its fields reset to undefined
 * first (absent attributes read as undefined, as in a fresh object). For a decoder that
 * copies what it needs out of each message at once (nlkit/route's Route objects): a dump
 * of 100,000 messages then allocates no object per message for the decoded form. The
 * object is overwritten by the next call: nothing may keep it, and a decoder using it must
 * not be re-entered (one per call, not shared).
 */
export function reusingDecoder(header: StructType | undefined, attrs: AttrSet | undefined): HeadedDecoder {
  const reset = resetterOf(header, attrs);
  const scratch: Decoded = {};
  reset(scratch);
  const skip = header ? align4(header.size) : 0;
  let walk: SetDecoder | undefined; // looked up on the first message, not per message
  return (buf, start, end) => {
    if (start < 0 || end > buf.length || start > end) badRange(buf, start, end);
    reset(scratch);
    header?.decodeInto(buf, start, end, scratch);
    if (attrs) (walk ??= compiledOf(attrs))(buf, Math.min(end, start + skip), end, 0, undefined, scratch);
    return scratch;
  };
}

type Resetter = (o: Decoded) => void;
/** By set, then header: made once, not per decoder (one per dump call made a function per call). */
const resetters = new WeakMap<AttrSet | StructType, Map<AttrSet | StructType | undefined, Resetter>>();
const NO_SET = {} as AttrSet;

function resetterOf(header: StructType | undefined, attrs: AttrSet | undefined): Resetter {
  let byHeader = resetters.get(attrs ?? NO_SET);
  if (!byHeader) resetters.set(attrs ?? NO_SET, (byHeader = new Map()));
  let reset = byHeader.get(header);
  if (!reset) {
    // the header's fields are all written by every decodeInto: only the rest needs resetting
    const keys = [...(attrs?.byKey.keys() ?? []), '$unknown', '$raw'].filter((k) => !header?.byKey.has(k));
    reset = new Function(`return function reset(o) { ${keys.map((k) => `o[${JSON.stringify(k)}] = undefined;`).join(' ')} };`)() as Resetter;
    byHeader.set(header, reset);
  }
  return reset;
}

function compiledOf(set: AttrSet): SetDecoder {
  let compiled = compiledSets.get(set);
  if (!compiled) compiledSets.set(set, (compiled = compileSet(set)));
  return compiled;
}

/**
 * A struct (when there is one) and then attributes (when there are), in one object: fixed
 * headers of messages, headed nests and sub-message formats. The attributes start at the
 * next 4-byte boundary after the struct.
 */
export function decodeHeaded(header: StructType | undefined, attrs: AttrSet | undefined, buf: Buffer, start: number, end: number, depth = 0, up?: Scope): Decoded {
  // without a header, the set's walk makes the object (sized for its attributes)
  if (!header) return attrs ? decodeAttrs(attrs, buf, start, end, depth, up) : {};
  const out: Decoded = header.decode(buf, start, end);
  if (!attrs) return out;
  return decodeAttrs(attrs, buf, Math.min(end, start + align4(header.size)), end, depth, up, out);
}

function checkRange(def: AttrDef, v: number | bigint, path: string): void {
  const c = def.bounds;
  if (!c) return;
  if (c.min !== undefined && v < c.min) throw new NetlinkEncodeError(`${v} is below the minimum ${c.min}`, path);
  if (c.max !== undefined && v > c.max) throw new NetlinkEncodeError(`${v} is above the maximum ${c.max}`, path);
}

function checkLength(def: AttrDef, n: number, path: string): void {
  const c = def.bounds;
  if (!c) return;
  if (c.exactLen !== undefined && n !== c.exactLen) throw new NetlinkEncodeError(`length ${n} is not ${c.exactLen}`, path);
  if (c.minLen !== undefined && n < c.minLen) throw new NetlinkEncodeError(`length ${n} is below ${c.minLen}`, path);
  if (c.maxLen !== undefined && n > c.maxLen) throw new NetlinkEncodeError(`length ${n} is above ${c.maxLen}`, path);
}

function encodeScalar(w: Writer, def: AttrDef, kind: AttrType, raw: unknown, path: string, text: boolean | undefined): void {
  const info = intInfo(kind);
  if (!info) throw new NetlinkEncodeError(`${kind} is not a scalar`, path);
  const v = intFromText(def.enumType, def.display, info.wide, intInput(raw, kind as IntKind, text), path);
  const be = def.bigEndian;
  if (info.size === undefined) {
    if (typeof v !== 'bigint' && !(typeof v === 'number' && Number.isSafeInteger(v)))
      throw new NetlinkEncodeError(`${kind} needs a bigint or a safe integer, got ${typeof v === 'number' ? v : typeof v}`, path);
    const big = BigInt(v);
    checkRange(def, big, path);
    // variable width: 4 bytes when the value fits, as the kernel writes them
    const narrow = info.signed ? big >= -0x80000000n && big <= 0x7fffffffn : big >= 0n && big <= 0xffffffffn;
    const type = info.signed ? (narrow ? 's32' : 's64') : narrow ? 'u32' : 'u64';
    w.ensure(narrow ? 4 : 8);
    writeInt(w.buf, type, w.pos, be, narrow ? Number(big) : big, path);
    w.pos += narrow ? 4 : 8;
    return;
  }
  if (typeof v === 'number' || typeof v === 'bigint') checkRange(def, v, path);
  w.ensure(info.size);
  writeInt(w.buf, kind, w.pos, be, v, path);
  w.pos += info.size;
}

function encodeBinary(w: Writer, def: AttrDef, v: unknown, path: string, text: boolean | undefined): void {
  if (def.structType && !(v instanceof Uint8Array) && typeof v !== 'string') {
    def.structType().encode(w, v, path, false, text);
    return;
  }
  const element = def.subType;
  const size = intSize(element);
  if (size && !(v instanceof Uint8Array) && typeof v !== 'string') {
    if (!Array.isArray(v)) throw new NetlinkEncodeError(`an array of ${element} is needed, got ${typeof v}`, path);
    w.ensure(size * v.length);
    v.forEach((x, i) => {
      writeInt(w.buf, element!, w.pos, def.bigEndian, intInput(x, element as IntKind, text), `${path}[${i}]`);
      w.pos += size;
    });
    return;
  }
  // an IPv4 address's text straight into the message (routes, addresses, neighbours: one per item of a bulk call)
  if (typeof v === 'string' && (def.display === 'ipv4' || def.display === 'ipv4-or-v6') && !def.bounds) {
    w.ensure(4);
    if (writeIPv4(v, w.buf, w.pos)) {
      w.pos += 4;
      return;
    }
  }
  const bytes = hintedBytes(def.display, v, text, path);
  if (!(bytes instanceof Uint8Array)) throw new NetlinkEncodeError(`binary needs a Buffer or Uint8Array${isTextHint(def.display) ? ` or a ${def.display} string` : ''}, got ${typeof v}`, path);
  checkLength(def, bytes.length, path);
  w.bytes(bytes);
}

/** Strings up to this many characters are checked and copied in JS when they are ASCII. */
const SHORT_STRING = 64;

/**
 * A NUL-terminated string's payload. Names (interfaces, families, devices) are short and
 * ASCII: one loop checks for NUL and copies them, where Buffer.byteLength + buf.write were
 * two calls into C++ per attribute, most of a small request's encoding time.
 */
function encodeString(w: Writer, def: AttrDef, v: string, path: string): void {
  const len = v.length;
  if (len <= SHORT_STRING) {
    w.ensure(len + 1);
    const b = w.buf, at = w.pos;
    let i = 0;
    for (; i < len; i++) {
      const c = v.charCodeAt(i);
      if (c === 0 || c > 0x7f) break;
      b[at + i] = c;
    }
    if (i === len) {
      checkLength(def, len, path);
      b[at + len] = 0;
      w.pos = at + len + 1;
      return;
    }
  }
  if (v.includes('\0')) throw new NetlinkEncodeError('strings cannot contain NUL', path);
  const n = Buffer.byteLength(v);
  checkLength(def, n, path);
  w.ensure(n + 1);
  w.pos += w.buf.write(v, w.pos, 'utf8');
  w.buf[w.pos++] = 0;
}

function encodeValue(w: Writer, def: AttrDef, kind: AttrType, type: number, v: unknown, path: string, scope: Scope): void {
  let nestedFlag = kind === 'nest' || kind === 'indexed-array' || kind === 'nest-type-value' ? NLA_F_NESTED : 0;
  // a sub-message of attributes is a nest, as iproute2 and the kernel's ynl send it; one
  // that starts with a fixed header is not (its format looked up once, here)
  const fmt = kind === 'sub-message' ? subMessageFormat(def, scope) : undefined;
  if (fmt?.attrs && !fmt.header) nestedFlag = NLA_F_NESTED;
  const start = w.beginAttr(type | nestedFlag);
  switch (kind) {
    case 'flag':
      if (v !== true) throw new NetlinkEncodeError(`flag needs true (omit it for false), got ${String(v)}`, path);
      break;
    case 'string': {
      if (typeof v !== 'string') throw new NetlinkEncodeError(`string needed, got ${typeof v}`, path);
      encodeString(w, def, v, path);
      break;
    }
    case 'binary':
      if (def.recordsOf) encodeRecords(w, def.recordsOf(), v, path, scope);
      else encodeBinary(w, def, v, path, scope.text);
      break;
    case 'nest':
      if (def.header) encodeHeaded(w, def.header(), def.nested!(), v, path, scope);
      else encodeAttrs(def.nested!(), v, w, path, scope);
      break;
    case 'indexed-array': {
      if (!Array.isArray(v)) throw new NetlinkEncodeError(`indexed-array needs an array, got ${typeof v}`, path);
      const el = def.element!;
      // a loop, not forEach (a closure per array); holes are skipped as forEach skips them
      for (let i = 0; i < v.length; i++) if (i in v) encodeValue(w, el, el.type, i + 1, v[i], `${path}[${i}]`, scope);
      break;
    }
    case 'nest-type-value':
      encodeTypeValue(w, def, v, path, scope);
      break;
    case 'bitfield32': {
      if (v === null || typeof v !== 'object' || Array.isArray(v) || v instanceof Uint8Array) throw new NetlinkEncodeError('bitfield32 needs {value, selector}', path);
      const o = v as { value?: unknown; selector?: unknown };
      const plain = plainDefOf(def);
      // a part left out is 0; null is refused like any other non-number
      encodeScalar(w, plain, 'u32', o.value === undefined ? 0 : o.value, `${path}.value`, scope.text);
      encodeScalar(w, plain, 'u32', o.selector === undefined ? 0 : o.selector, `${path}.selector`, scope.text);
      break;
    }
    case 'sub-message':
      encodeSubMessage(w, def, fmt, v, path, scope);
      break;
    case 'pad':
    case 'unused':
      throw new NetlinkEncodeError(`${kind} attributes carry no value`, path);
    default:
      encodeScalar(w, def, kind, v, path, scope.text);
  }
  w.endAttr(start, path);
}

const plainDefs = new WeakMap<AttrDef, AttrDef>();
/** A bitfield32's halves as plain u32s: the definition without display or checks, made once. */
function plainDefOf(def: AttrDef): AttrDef {
  let plain = plainDefs.get(def);
  if (!plain) plainDefs.set(def, (plain = Object.assign({}, def, { display: undefined, checks: undefined })));
  return plain;
}

/** The reverse of decodeRecords: each record's struct, its attributes, then its length written in. */
function encodeRecords(w: Writer, r: Records, v: unknown, path: string, scope: Scope): void {
  if (!Array.isArray(v)) throw new NetlinkEncodeError(`an array of ${r.header.name} records is needed, got ${v === null ? 'null' : typeof v}`, path);
  const { offset, size, bigEndian, name, key } = r.length;
  v.forEach((item, i) => {
    const p = `${path}[${i}]`;
    if (item !== null && typeof item === 'object' && (item as Record<string, unknown>)[key] !== undefined)
      throw new NetlinkEncodeError(`${name} is computed: leave it out`, `${p}.${key}`);
    const at = w.pos;
    encodeHeaded(w, r.header, r.attrs, item, p, scope);
    writeInt(w.buf, size === 1 ? 'u8' : size === 2 ? 'u16' : 'u32', at + offset, bigEndian, w.pos - at, `${p} (record length)`);
    w.pad();
  });
}

function encodeTypeValue(w: Writer, def: AttrDef, v: unknown, path: string, scope: Scope): void {
  if (!Array.isArray(v)) throw new NetlinkEncodeError('nest-type-value needs an array of entries', path);
  const keys = def.typeValueKeys ?? ['type'];
  v.forEach((entry: unknown, i) => {
    const p = `${path}[${i}]`;
    if (entry === null || typeof entry !== 'object') throw new NetlinkEncodeError('entry must be an object', p);
    const rest: Record<string, unknown> = { ...(entry as Record<string, unknown>) };
    const starts: number[] = [];
    for (const k of keys) {
      const t = intInput(rest[k], 'u16', scope.text);
      if (!Number.isInteger(t) || (t as number) < 0 || (t as number) > NLA_TYPE_MASK) throw new NetlinkEncodeError(`${k} must be an integer 0..16383`, `${p}.${k}`);
      delete rest[k];
      starts.push(w.beginAttr((t as number) | NLA_F_NESTED));
    }
    if (def.nested) encodeAttrs(def.nested(), rest, w, p, scope);
    else if (Object.keys(rest).length) throw new NetlinkEncodeError(`unexpected keys ${Object.keys(rest).join(', ')}`, p);
    for (let j = starts.length - 1; j >= 0; j--) w.endAttr(starts[j], p);
  });
}

function encodeSubMessage(w: Writer, def: AttrDef, fmt: SubMessageFormat | undefined, v: unknown, path: string, scope: Scope): void {
  if (!fmt) {
    // no known format (or no selector): only bytes can be sent as they are
    if (v instanceof Uint8Array) return w.bytes(v);
    const sel = selectorValue(def, scope);
    throw new NetlinkEncodeError(sel === undefined ? `needs '${def.selector}' to be set, to choose its format` : `no format for ${def.selector} '${String(sel)}'`, path);
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new NetlinkEncodeError('sub-message needs an object', path);
  encodeHeaded(w, fmt.header, fmt.attrs, v, path, scope);
}

/**
 * The reverse of decodeHeaded: the object's header fields as the struct, padded to 4, then
 * its other fields as attributes. Fields with no place to go are an error.
 */
export function encodeHeaded(w: Writer, header: StructType | undefined, attrs: AttrSet | undefined, v: unknown, path = '', up?: Scope): void {
  if (v === null || typeof v !== 'object' || Array.isArray(v) || v instanceof Uint8Array)
    throw new NetlinkEncodeError(`needs an object${header ? ` (struct ${header.name} and attributes)` : ''}, got ${Array.isArray(v) ? 'array' : v === null ? 'null' : typeof v}`, path);
  const obj = v as Record<string, unknown>;
  if (header) {
    header.encode(w, v, path, true, up ? up.text : isTextInput(v));
    w.pad();
  }
  // the header's fields are skipped by key, not copied out into a second object per message
  if (attrs) return encodeSet(attrs, obj, w, path, up, header);
  const extra = Object.keys(obj).filter((k) => obj[k] !== undefined && !header?.byKey.has(k));
  if (extra.length) throw new NetlinkEncodeError(`no attributes here (got ${extra.join(', ')})`, `${path}.${extra[0]}`);
}

/**
 * Encodes obj's attributes as described by set. Unknown keys are an error; `$unknown`
 * entries and `$raw` sub-messages are written unchanged. Nests deeper than MAX_NEST_DEPTH
 * (a cyclic object, or one built to exhaust the stack) are refused at their path.
 */
export function encodeAttrs(set: AttrSet, obj: unknown, w: Writer, path = '', up?: Scope): void {
  encodeSet(set, obj, w, path, up, undefined);
}

const NO_KEYS = {};
/**
 * Whether for-in over obj sees only its own keys, as Object.keys does: a plain object
 * (or one without a prototype) while Object.prototype has no enumerable keys. Otherwise
 * each key is checked (class instances, Object.create, a polluted prototype).
 */
export function forInIsOwn(obj: object): boolean {
  const p = Object.getPrototypeOf(obj);
  if (p === null) return true;
  if (p !== Object.prototype) return false;
  for (const _ in NO_KEYS) return false;
  return true;
}

/** encodeAttrs, leaving out the keys of `header` (written already, as the message's fixed header). */
function encodeSet(set: AttrSet, obj: unknown, w: Writer, path: string, up: Scope | undefined, header: StructType | undefined): void {
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj) || obj instanceof Uint8Array)
    throw new NetlinkEncodeError(`attribute set ${set.name} needs an object, got ${Array.isArray(obj) ? 'array' : typeof obj}`, path);
  const depth = (up?.depth ?? 0) + 1;
  if (depth > MAX_NEST_DEPTH) throw new NetlinkEncodeError(`attributes nested deeper than ${MAX_NEST_DEPTH} levels (a cyclic object?)`, path);
  const table = keyTable(set, header);
  // made only when a value takes the general path: nests and sub-messages look outward
  // through it, and plain values (most of a bulk call's) need none
  let scope: Scope | undefined;
  // for-in, not Object.keys: V8 walks the object's enum cache with no array per object and
  // reads each value as a field load (Object.keys + obj[key] was a megamorphic keyed load
  // per attribute, a third of a route request's encoding)
  const own = forInIsOwn(obj);
  for (const key in obj as Record<string, unknown>) {
    if (!own && !Object.hasOwn(obj as object, key)) continue;
    const v = (obj as Record<string, unknown>)[key];
    if (v === undefined) continue;
    const enc = table.get(key);
    if (enc === null) continue; // a header field
    if (enc !== undefined && enc.fast !== undefined && enc.fast(w, enc.def, v, path)) continue;
    scope ??= { obj: obj as Record<string, unknown>, set, start: 0, end: 0, up, depth, text: up ? up.text : isTextInput(obj) };
    if (enc === undefined) {
      if (key === '$unknown') encodeUnknown(v, w, `${path}.$unknown`, scope.text);
      else if (key === '$raw') encodeRaw(set, v, w, `${path}.$raw`, scope.text);
      else throw new NetlinkEncodeError(`no attribute '${key}' in set ${set.name}`, `${path}.${key}`);
      continue;
    }
    const def = enc.def;
    const p = path === '' ? def.dotKey : path + def.dotKey;
    if (def.multiAttr) encodeMulti(w, def, v, p, scope);
    else encodeValue(w, def, def.type, def.value, v, p, scope);
  }
}

/**
 * A multi-attr's values, one attribute each. A function of its own: a closure in the key
 * loop's body made the interpreter allocate a block context for every key of every
 * message (a runtime call each; most of a bulk call's requests run interpreted).
 */
function encodeMulti(w: Writer, def: AttrDef, v: unknown, p: string, scope: Scope): void {
  if (!Array.isArray(v)) throw new NetlinkEncodeError(`multi-attr needs an array`, p);
  for (let i = 0; i < v.length; i++) encodeValue(w, def, def.type, def.value, v[i], `${p}[${i}]`, scope);
}

/**
 * How one key of a set's objects is encoded: its attribute, and (for the plain kinds) a
 * writer chosen once for that attribute, which writes a plainly right value and returns
 * true, or writes nothing and returns false so that the general path (encodeValue) writes
 * it or says what is wrong.
 */
interface KeyEncoder {
  def: AttrDef;
  fast: FastWriter | undefined;
}
type FastWriter = (w: Writer, def: AttrDef, v: unknown, path: string) => boolean;

/**
 * A set's keys compiled for encoding, per fixed header in front of it (its keys map to null:
 * the header wrote them): built on first use, so encoding an object is one lookup per key
 * and a direct call, where the interpreter used to run the whole dispatch per attribute
 * (a bulk call's requests are mostly encoded before the JIT compiles anything).
 */
function keyTable(set: AttrSet, header: StructType | undefined): Map<string, KeyEncoder | null> {
  const byHeader = (set.encoders ??= new Map());
  let table = byHeader.get(header) as Map<string, KeyEncoder | null> | undefined;
  if (table) return table;
  table = new Map();
  for (const [key, def] of set.byKey) table.set(key, { def, fast: fastWriter(def) });
  if (header) for (const key of header.byKey.keys()) table.set(key, null);
  byHeader.set(header, table);
  return table;
}

/** The writer of an attribute whose values need no dispatch, checks beyond their type, or scope. */
function fastWriter(def: AttrDef): FastWriter | undefined {
  if (def.multiAttr) return undefined;
  if (def.type === 'string') return writeStringAttr;
  if (def.type === 'flag') return writeFlagAttr;
  if (def.type === 'binary')
    return (def.display === 'ipv4' || def.display === 'ipv4-or-v6') && !def.structType && !def.subType && !def.recordsOf && !def.bounds ? writeIPv4Attr : undefined;
  if (def.display) return undefined;
  return uintAttrWriter(def);
}

// names, the commonest request attribute (checkLength and errors as encodeValue's)
const writeStringAttr: FastWriter = (w, def, v, path) => {
  if (typeof v !== 'string') return false;
  const p = path === '' ? def.dotKey : path + def.dotKey;
  const start = w.beginAttr(def.value);
  encodeString(w, def, v, p);
  w.endAttr(start, p);
  return true;
};
const writeFlagAttr: FastWriter = (w, def, v) => {
  if (v !== true) return false;
  w.endAttr(w.beginAttr(def.value));
  return true;
};
type Put = (w: Writer, v: number) => void;
/**
 * The unsigned integers a fast writer handles, host and network order: functions, not method
 * names (a keyed `w[name]()` shared by every attribute's writer would see five names).
 */
const UINT_PUT: Partial<Record<AttrType, { bytes: number; host: Put; network: Put }>> = {
  u8: { bytes: 1, host: (w, v) => w.u8(v), network: (w, v) => w.u8(v) },
  u16: { bytes: 2, host: (w, v) => w.u16(v), network: (w, v) => w.u16be(v) },
  u32: { bytes: 4, host: (w, v) => w.u32(v), network: (w, v) => w.u32be(v) },
};

/**
 * An unsigned integer attribute (device indexes, metrics, tables), also with bounds, an enum
 * (a name or a number) or in network order: nftables and conntrack send nearly every integer
 * big-endian, and each took the general path (five calls and a path string per attribute).
 * A value that is not plainly right is left to the general path, which says what is wrong.
 */
function uintAttrWriter(def: AttrDef): FastWriter | undefined {
  const put = UINT_PUT[def.type];
  if (put === undefined || def.enumType?.flags) return undefined;
  const b = def.bounds;
  if ((b?.min !== undefined && typeof b.min !== 'number') || (b?.max !== undefined && typeof b.max !== 'number')) return undefined;
  const min = Math.max(0, (b?.min as number | undefined) ?? 0);
  const max = Math.min(2 ** (8 * put.bytes) - 1, (b?.max as number | undefined) ?? Infinity);
  const names = def.enumType?.byName;
  const write = def.bigEndian ? put.network : put.host;
  return (w, _def, v) => {
    let n = v;
    if (typeof n !== 'number') {
      if (names === undefined || typeof v !== 'string' || (n = names.get(v)) === undefined) return false;
    }
    if (!((n as number) >= min && (n as number) <= max) || !Number.isInteger(n)) return false;
    const start = w.beginAttr(def.value);
    write(w, n as number);
    w.endAttr(start);
    return true;
  };
}
// an IPv4 address's text (destinations, gateways); anything else (bytes, IPv6) goes the general way
const writeIPv4Attr: FastWriter = (w, def, v) => {
  if (typeof v !== 'string') return false;
  const start = w.beginAttr(def.value);
  w.ensure(4);
  if (!writeIPv4(v, w.buf, w.pos)) {
    w.pos = start;
    return false;
  }
  w.pos += 4;
  w.endAttr(start);
  return true;
};

function encodeUnknown(v: unknown, w: Writer, path: string, text: boolean | undefined): void {
  if (!Array.isArray(v)) throw new NetlinkEncodeError('$unknown needs an array of {type, data}', path);
  v.forEach((u: Partial<UnknownAttr>, i) => {
    const data = u ? bytesInput(u.data, text, `${path}[${i}].data`) : undefined;
    if (!u || !Number.isInteger(u.type) || u.type! < 0 || u.type! > NLA_TYPE_MASK || !(data instanceof Uint8Array))
      throw new NetlinkEncodeError('needs {type: 0..16383, data: Uint8Array}', `${path}[${i}]`);
    const start = w.beginAttr(u.type! | (u.nested ? NLA_F_NESTED : 0) | (u.netByteOrder ? NLA_F_NET_BYTEORDER : 0));
    w.bytes(data);
    w.endAttr(start, `${path}[${i}]`);
  });
}

/** `$raw`: sub-messages of no known format, as bytes, by the sub-message's key. */
function encodeRaw(set: AttrSet, v: unknown, w: Writer, path: string, text: boolean | undefined): void {
  if (v === null || typeof v !== 'object' || Array.isArray(v) || v instanceof Uint8Array)
    throw new NetlinkEncodeError('$raw needs an object of sub-message bytes by key', path);
  for (const [key, x] of Object.entries(v)) {
    if (x === undefined) continue;
    const p = `${path}.${key}`;
    const def = set.byKey.get(key);
    if (def?.type !== 'sub-message') throw new NetlinkEncodeError(`no sub-message '${key}' in set ${set.name}`, p);
    const items = def.multiAttr ? x : [x];
    if (!Array.isArray(items)) throw new NetlinkEncodeError('multi-attr needs an array', p);
    items.forEach((item, i) => {
      const where = def.multiAttr ? `${p}[${i}]` : p;
      const bytes = bytesInput(item, text, where);
      if (!(bytes instanceof Uint8Array)) throw new NetlinkEncodeError(`sub-message bytes need a Buffer or Uint8Array, got ${typeof item}`, where);
      const start = w.beginAttr(def.value);
      w.bytes(bytes);
      w.endAttr(start, where);
    });
  }
}

/** Where an offset falls in a request's attributes: its path, and the set inside what is there. */
export interface AttributeLocation {
  /** e.g. `.ops[2].id` or `.linkinfo.data(vxlan).port`; unknown attributes by number. */
  path: string;
  /** The attribute set inside the attribute (or array element) the offset names, when it has one. */
  inner?: AttrSet;
}

/**
 * Names the attribute that starts at (or contains) `offset` in buf[start, end), e.g.
 * `.ops[2].id` or `.linkinfo.data(vxlan).port`; attributes the set does not know are
 * named by number. Used to turn an extended ack's byte offset into a path.
 */
export function attributePath(set: AttrSet | undefined, buf: Buffer, start: number, end: number, offset: number, up?: Scope): string | undefined {
  return locateAttribute(set, buf, start, end, offset, up)?.path;
}

/** attributePath, and the set nested in what it names (for an extended ack's missing-attribute nest). */
export function locateAttribute(set: AttrSet | undefined, buf: Buffer, start: number, end: number, offset: number, up?: Scope): AttributeLocation | undefined {
  try {
    return locate(set, buf, start, end, offset, up);
  } catch {
    // a request we built ourselves should parse; if it does not, there is no path
    return undefined;
  }
}

function locate(set: AttrSet | undefined, buf: Buffer, start: number, end: number, offset: number, up: Scope | undefined): AttributeLocation | undefined {
  const it = attrContaining(buf, start, end, offset);
  if (!it) return undefined;
  const def = set?.byType[it.type];
  let here = def ? `.${def.key}` : `.${it.type}`;
  if (def?.multiAttr) {
    // a repeated attribute is numbered among its namesakes, as decoded arrays number it
    let n = 0;
    const sib = new AttrIterator(buf, start, end);
    while (sib.next() && sib.start < it.start) if (sib.type === it.type) n++;
    here += `[${n}]`;
  }
  const scope: Scope | undefined = set ? { obj: {}, set, buf, start, end, up } : up;
  const fmt = def?.type === 'sub-message' ? subMessageFormat(def, scope) : undefined;
  if (offset < it.dataStart) return { path: here, inner: def?.type === 'nest' ? def.nested!() : fmt?.attrs };
  /** The attributes from `at` on, in `inner`, named below `name`. */
  const below = (name: string, at: number, inner: AttrSet | undefined, to: number): AttributeLocation => {
    if (offset < at) return { path: name, inner };
    const rest = locateAttribute(inner, buf, at, to, offset, scope);
    return rest ? { path: name + rest.path, inner: rest.inner } : { path: name };
  };
  if (def?.recordsOf) {
    // the record holding the offset, numbered from 0 as decoded arrays are
    const r = def.recordsOf();
    for (let pos = it.dataStart, i = 0; pos < it.dataEnd; i++) {
      const len = recordLength(r, buf, pos, it.dataEnd);
      if (offset < pos + len) return below(`${here}[${i}]`, pos + align4(r.header.size), r.attrs, pos + len);
      pos += align4(len);
    }
    return { path: here };
  }
  if (def?.type === 'nest') return below(here, it.dataStart + (def.header ? align4(def.header().size) : 0), def.nested!(), it.dataEnd);
  if (def?.type === 'sub-message') {
    if (!fmt) return { path: here };
    const name = `${here}(${String(selectorValue(def, scope))})`;
    const at = it.dataStart + (fmt.header ? align4(fmt.header.size) : 0);
    return fmt.attrs ? below(name, at, fmt.attrs, it.dataEnd) : { path: name };
  }
  if (def?.type === 'indexed-array' || (!def && it.nested)) {
    const el = attrContaining(buf, it.dataStart, it.dataEnd, offset);
    if (!el) return { path: here };
    // arrays are numbered by position (from 0), as decoded arrays and encode errors number them
    const idx = def ? `${here}[${el.index}]` : `${here}.${el.type}`;
    const elementSet = def && (def.subType ?? 'nest') === 'nest' ? def.nested!() : undefined;
    if (def && !elementSet) return { path: idx };
    return below(idx, el.dataStart, elementSet, el.dataEnd);
  }
  return { path: here };
}
