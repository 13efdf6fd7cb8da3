// A FamilyDescription made ready to run: enums, structs, attribute sets and sub-messages
// built once into the core codec's descriptors; messages of any operation encoded and
// decoded through them.
import { camelCase, type AttrSet, type MessageLayout, type SubjectField } from '../core/attrset.js';
import { intSize, type FixedIntKind } from '../core/ints.js';
import { encodeHeaded, headedDecoder, type Decoded, type HeadedDecoder } from '../core/codec.js';
import { Definitions } from '../core/definitions.js';
import { NetlinkDecodeError, NetlinkEncodeError } from '../core/errors.js';
import type { RawMessage } from '../core/message.js';
import type { StructType } from '../core/struct.js';
import { Writer, align4 } from '../core/writer.js';
import { resolveConst } from './normalize.js';
import type { FamilyDescription, OperationDescription } from './schema.js';

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
  /** Its messages' header and attributes (after genlmsghdr), decoded. */
  decodeHeaded: HeadedDecoder;
}

/**
 * Spec names of what a request acts on, shown in its errors ('EEXIST: File exists (newlink
 * ifname veth0)'), in the order shown: attributes at the top or one nest down (ethtool's
 * header), fixed-header members by name (ifi-index, ndm-ifindex, tcm-ifindex...).
 */
const SUBJECT_NAMES: { label: string; attr?: RegExp; member?: RegExp }[] = [
  { label: 'ifname', attr: /^ifname$/ },
  { label: 'dev', attr: /^dev-name$/ },
  { label: 'ifindex', attr: /^(ifindex|dev-index)$/, member: /^(([a-z]+-)?ifindex|if[a-z]?-index)$/ },
];

/** Where an operation's requests name their object, for MessageLayout.subject. */
function subjectFields(header: StructType | undefined, attrs: AttrSet | undefined, headerOffset: number): SubjectField[] {
  const out: SubjectField[] = [];
  const kindOf = (kind: string): SubjectField['kind'] | undefined =>
    kind === 'string' ? 'string' : intSize(kind) !== undefined ? (kind as FixedIntKind) : undefined;
  for (const { label, attr, member } of SUBJECT_NAMES) {
    for (const m of member ? header?.members ?? [] : []) {
      const kind = kindOf(m.type);
      if (member!.test(m.name) && kind && kind !== 'string') out.push({ label, offset: headerOffset + m.offset, kind });
    }
    if (!attr || !attrs) continue;
    const inner = [...attrs.byType].filter((d) => d?.type === 'nest' && !d.header);
    for (const [at, set] of [[[], attrs], ...inner.map((d) => [[d!.value], d!.nested!()] as const)] as const) {
      for (const d of set.byType) {
        const kind = d && kindOf(d.type);
        if (d && kind && attr.test(d.name)) out.push({ label, attrs: [...at, d.value], kind });
      }
    }
  }
  return out;
}

/** An operation's layout; where its requests name their object is worked out on its first error. */
function layoutOf(operation: string, headerSize: number, header: StructType | undefined, attrs: AttrSet | undefined, headerOffset: number): MessageLayout {
  let subject: SubjectField[] | undefined;
  return {
    headerSize, attrs, operation,
    get subject() {
      try {
        subject ??= subjectFields(header, attrs, headerOffset);
      } catch {
        subject = []; // a nest naming a set the description lacks: the error still gets made
      }
      return subject;
    },
  };
}

const cache = new WeakMap<FamilyDescription, Family>();

export class Family extends Definitions {
  readonly isGenl: boolean;
  readonly ops = new Map<string, Operation>();
  /** Messages from the kernel by type (genl command or nlmsg_type). */
  readonly byReplyValue = new Map<number, Operation>();

  /** The compiled form of a description, built once per description object. */
  static from(desc: FamilyDescription): Family {
    let f = cache.get(desc);
    if (!f) cache.set(desc, (f = new Family(desc)));
    return f;
  }

  private constructor(readonly desc: FamilyDescription) {
    super(desc, resolveConst);
    this.isGenl = desc.protocol !== 'netlink-raw';
    for (const op of desc.operations) {
      const header = op.fixedHeader ? this.struct(op.fixedHeader, `operation ${op.name}`) : undefined;
      const attrs = op.attributeSet ? this.set(op.attributeSet, `operation ${op.name}`) : undefined;
      const headerSize = (this.isGenl ? GENL_HDRLEN : 0) + (header ? align4(header.size) : 0);
      const compiled: Operation = {
        name: op.name, key: camelCase(op.name), desc: op, requestValue: op.requestValue, replyValue: op.replyValue,
        attrs, header, headerSize,
        layout: layoutOf(op.name, headerSize, header, attrs, this.isGenl ? GENL_HDRLEN : 0),
        decodeHeaded: headedDecoder(header, attrs),
      };
      this.ops.set(op.name, compiled);
    }
    // a message type from the kernel is named by its notification if it has one (events are
    // what arrive unasked), else by the first operation replying with it
    const ops = [...this.ops.values()];
    for (const op of [...ops.filter((o) => o.desc.notify || o.desc.event), ...ops])
      if (op.replyValue !== undefined && !this.byReplyValue.has(op.replyValue)) this.byReplyValue.set(op.replyValue, op);
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
      // genlmsghdr in place: cmd and version are bytes (the spec's and the kernel's), and
      // three checked Buffer writes were a tenth of a small request's encoding
      w.ensure(GENL_HDRLEN);
      const b = w.buf, at = w.pos;
      b[at] = cmd;
      b[at + 1] = version;
      b[at + 2] = 0;
      b[at + 3] = 0;
      w.pos = at + GENL_HDRLEN;
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
    return op.decodeHeaded(buf, start + (this.isGenl ? GENL_HDRLEN : 0), end);
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
