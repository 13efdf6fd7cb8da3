// A FamilyDescription made ready to run: enums, structs, attribute sets and sub-messages
// built once into the core codec's descriptors; messages of any operation encoded and
// decoded through them.
import { AttrSet, camelCase, type AttrChecks, type AttrKind, type AttrSpec, type MessageLayout, type SubMessage } from '../core/attrset.js';
import { decodeHeaded, encodeHeaded, type Decoded } from '../core/codec.js';
import { EnumType } from '../core/enums.js';
import { NetlinkDecodeError, NetlinkEncodeError } from '../core/errors.js';
import type { RawMessage } from '../core/message.js';
import { StructType } from '../core/struct.js';
import { Writer, align4 } from '../core/writer.js';
import { resolveConst } from './normalize.js';
import type { AttrDescription, FamilyDescription, OperationDescription, StructDefinition } from './schema.js';

export type Mode = 'do' | 'dump';
const GENL_HDRLEN = 4;

/** An operation with its sets and headers looked up. */
export interface Operation {
  name: string;
  key: string;
  desc: OperationDescription;
  requestValue?: number;
  replyValue?: number;
  attrs?: AttrSet;
  header?: StructType;
  /** Bytes between nlmsghdr and the attributes. */
  headerSize: number;
  layout: MessageLayout;
}

const LIMIT = /^([us])(8|16|32|64)-(min|max)$/;

function limit(v: number | string, consts: ReadonlyMap<string, number | string>): number | bigint | undefined {
  const m = typeof v === 'string' ? LIMIT.exec(v) : null;
  if (m) {
    const bits = BigInt(m[2]);
    const n = m[1] === 'u' ? (m[3] === 'min' ? 0n : (1n << bits) - 1n) : m[3] === 'min' ? -(1n << (bits - 1n)) : (1n << (bits - 1n)) - 1n;
    return n >= -0x1fffffffffffffn && n <= 0x1fffffffffffffn ? Number(n) : n;
  }
  return resolveConst(v, consts);
}

const cache = new WeakMap<FamilyDescription, Family>();

export class Family {
  readonly name: string;
  readonly isGenl: boolean;
  readonly enums = new Map<string, EnumType>();
  readonly structs = new Map<string, StructType>();
  readonly sets = new Map<string, AttrSet>();
  readonly subMessages = new Map<string, SubMessage>();
  readonly ops = new Map<string, Operation>();
  /** Messages from the kernel by type (genl command or nlmsg_type). */
  readonly byReplyValue = new Map<number, Operation>();
  readonly consts = new Map<string, number | string>();

  /** The compiled form of a description, built once per description object. */
  static from(desc: FamilyDescription): Family {
    let f = cache.get(desc);
    if (!f) cache.set(desc, (f = new Family(desc)));
    return f;
  }

  private constructor(readonly desc: FamilyDescription) {
    this.name = desc.name;
    this.isGenl = desc.protocol !== 'netlink-raw';
    for (const d of desc.definitions) {
      if (d.type === 'const') this.consts.set(d.name, d.value);
      else if (d.type === 'enum' || d.type === 'flags') this.enums.set(d.name, new EnumType(d.name, d.type === 'flags', d.entries));
    }
    for (const d of desc.definitions) if (d.type === 'struct') this.struct(d.name);
    for (const s of desc.attributeSets) this.sets.set(s.name, new AttrSet(s.name, s.attributes.map((a) => this.attrSpec(a, s.name))));
    for (const sm of desc.subMessages ?? []) {
      this.subMessages.set(sm.name, {
        name: sm.name,
        formats: new Map(sm.formats.map((f) => [f.value, {
          ...(f.fixedHeader ? { header: this.struct(f.fixedHeader) } : {}),
          ...(f.attributeSet ? { attrs: this.set(f.attributeSet, `sub-message ${sm.name}`) } : {}),
        }])),
      });
    }
    for (const op of desc.operations) {
      const header = op.fixedHeader ? this.struct(op.fixedHeader) : undefined;
      const attrs = op.attributeSet ? this.set(op.attributeSet, `operation ${op.name}`) : undefined;
      const headerSize = (this.isGenl ? GENL_HDRLEN : 0) + (header ? align4(header.size) : 0);
      const compiled: Operation = {
        name: op.name, key: camelCase(op.name), desc: op, requestValue: op.requestValue, replyValue: op.replyValue,
        attrs, header, headerSize, layout: { headerSize, attrs },
      };
      this.ops.set(op.name, compiled);
    }
    // a message type from the kernel is named by its notification if it has one (events are
    // what arrive unasked), else by the first operation replying with it
    const ops = [...this.ops.values()];
    for (const op of [...ops.filter((o) => o.desc.notify || o.desc.event), ...ops])
      if (op.replyValue !== undefined && !this.byReplyValue.has(op.replyValue)) this.byReplyValue.set(op.replyValue, op);
  }

  private enum_(name: string, where: string): EnumType {
    const e = this.enums.get(name);
    if (!e) throw new TypeError(`${this.name}: ${where} names no enum '${name}'`);
    return e;
  }

  struct(name: string): StructType {
    let s = this.structs.get(name);
    if (s) return s;
    const d = this.desc.definitions.find((x): x is StructDefinition => x.type === 'struct' && x.name === name);
    if (!d) throw new TypeError(`${this.name}: no struct '${name}'`);
    s = new StructType(name, d.members.map((m) => ({
      name: m.name, type: m.type, len: m.len, bigEndian: m.byteOrder === 'big-endian',
      enum: m.enum ? this.enum_(m.enum, `struct ${name}`) : undefined, enumAsFlags: m.enumAsFlags, display: m.display,
      struct: m.struct ? () => this.struct(m.struct!) : undefined, array: m.array,
    })));
    this.structs.set(name, s);
    return s;
  }

  set(name: string, where = 'lookup'): AttrSet {
    const s = this.sets.get(name);
    if (!s) throw new TypeError(`${this.name}: ${where} names no attribute set '${name}'`);
    return s;
  }

  private checks(a: AttrDescription): AttrChecks | undefined {
    if (!a.checks) return undefined;
    const out: AttrChecks = {};
    const num = (v: number | string | undefined) => (v === undefined ? undefined : limit(v, this.consts));
    // bounds naming kernel-internal constants cannot be resolved here: the kernel still checks them
    const min = num(a.checks.min), max = num(a.checks.max);
    if (min !== undefined) out.min = min;
    if (max !== undefined) out.max = max;
    for (const k of ['minLen', 'maxLen', 'exactLen'] as const) {
      const v = num(a.checks[k]);
      if (typeof v === 'number') out[k] = v;
    }
    return Object.keys(out).length ? out : undefined;
  }

  private attrSpec(a: AttrDescription, setName: string): AttrSpec {
    const where = `${setName}.${a.name}`;
    const spec: AttrSpec = { name: a.name, type: a.value, kind: a.type as AttrKind };
    if (a.multiAttr) spec.multi = true;
    if (a.byteOrder === 'big-endian') spec.bigEndian = true;
    if (a.nestedAttributes) {
      const n = a.nestedAttributes;
      spec.nested = () => this.set(n, where);
    }
    if (a.subType) spec.subKind = a.subType as AttrKind;
    if (a.enum) spec.enum = this.enum_(a.enum, where);
    if (a.enumAsFlags) spec.enumAsFlags = true;
    if (a.display) spec.display = a.display;
    if (a.struct) {
      const s = a.struct;
      spec.struct = () => this.struct(s);
    }
    if (a.subMessage) {
      const sm = a.subMessage;
      spec.subMessage = () => {
        const m = this.subMessages.get(sm);
        if (!m) throw new TypeError(`${this.name}: ${where} names no sub-message '${sm}'`);
        return m;
      };
      spec.selector = a.selector;
    }
    if (a.typeValue) spec.typeValue = a.typeValue;
    if (a.fixedHeader) {
      const h = a.fixedHeader;
      spec.header = () => this.struct(h);
    }
    const checks = this.checks(a);
    if (checks) spec.checks = checks;
    return spec;
  }

  op(name: string): Operation {
    const op = this.ops.get(name) ?? [...this.ops.values()].find((o) => o.key === name);
    if (!op) throw new TypeError(`${this.name} has no operation '${name}' (it has: ${[...this.ops.keys()].join(', ')})`);
    return op;
  }

  /**
   * Writes an operation's message body (after nlmsghdr): genlmsghdr for generic netlink,
   * the fixed header from the object's header fields, then the other fields as attributes.
   */
  writeBody(w: Writer, op: Operation, value: unknown, version: number, cmd = op.requestValue): void {
    if (value !== undefined && (value === null || typeof value !== 'object' || Array.isArray(value)))
      throw new NetlinkEncodeError(`${op.name} needs an object, got ${Array.isArray(value) ? 'array' : value === null ? 'null' : typeof value}`, '');
    if (this.isGenl) {
      if (cmd === undefined) throw new NetlinkEncodeError(`${op.name} is not sent to the kernel`, '');
      w.u8(cmd);
      w.u8(version);
      w.u16(0);
    }
    encodeHeaded(w, op.header, op.attrs, value ?? {});
  }

  /** An operation's message body as bytes (genl header included), e.g. for golden vectors. */
  encode(opName: string, value?: unknown, version = this.desc.version ?? 1): Buffer {
    const w = new Writer(256);
    this.writeBody(w, this.op(opName), value, version);
    return w.toBuffer();
  }

  /** Decodes a message body (what follows nlmsghdr) as `op` describes it. */
  decodeBody(op: Operation, buf: Buffer, start: number, end: number): Decoded {
    if (end - start < op.headerSize)
      throw new NetlinkDecodeError(`${op.name}: ${end - start} bytes are shorter than its ${op.headerSize}-byte header`, start);
    return decodeHeaded(op.header, op.attrs, buf, start + (this.isGenl ? GENL_HDRLEN : 0), end);
  }

  /** Decodes a message body by operation name, e.g. for golden vectors. */
  decode(opName: string, body: Buffer): Decoded {
    return this.decodeBody(this.op(opName), body, 0, body.length);
  }

  /** The operation a message from the kernel belongs to, by its genl command or nlmsg_type. */
  opOf(m: RawMessage): Operation | undefined {
    const value = this.isGenl ? (m.end > m.start ? m.buf[m.start] : -1) : m.type;
    return this.byReplyValue.get(value);
  }

  /** A decoder for replies of `op`: the body as an object. */
  replyDecoder(op: Operation): (m: RawMessage) => Decoded {
    return (m) => this.decodeBody(op, m.buf, m.start, m.end);
  }

  /** A decoder for notifications: which operation, and its object. */
  readonly decodeEvent = (m: RawMessage): FamilyEvent => {
    const op = this.opOf(m);
    if (!op) {
      const what = this.isGenl ? `command ${m.buf[m.start]}` : `message type ${m.type}`;
      throw new NetlinkDecodeError(`${this.name} has no operation for ${what}`, m.start);
    }
    return { op: op.name, msg: this.decodeBody(op, m.buf, m.start, m.end) };
  };
}

/** A notification: the operation (by the spec's name) and its object. */
export interface FamilyEvent<N extends string = string, M = Decoded> {
  op: N;
  msg: M;
}
