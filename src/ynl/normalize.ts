// A parsed YNL spec (any of the four protocol levels) -> FamilyDescription: every number
// computed the way the kernel's own YNL tools compute it, subsets resolved, prose dropped.
import type {
  AttrChecks, AttrDescription, AttrSetDescription, Definition, EnumEntry, FamilyDescription, MessageDescription,
  OperationDescription, OperationMode, Protocol, StructDefinition, StructMember,
} from './schema.js';
import { intSize } from '../core/ints.js';

/** A spec that cannot be described: names the spec and the place in it. */
export class SpecError extends Error {
  override name = 'SpecError';
  constructor(message: string, readonly where: string) {
    super(`${where}: ${message}`);
  }
}

type Y = Record<string, unknown>;
const PROTOCOLS: Protocol[] = ['genetlink', 'genetlink-c', 'genetlink-legacy', 'netlink-raw'];

const isObj = (v: unknown): v is Y => typeof v === 'object' && v !== null && !Array.isArray(v);

function list(v: unknown, where: string): unknown[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new SpecError('expected a list', where);
  return v;
}

function str(v: unknown, where: string): string {
  if (typeof v !== 'string' || v === '') throw new SpecError(`expected a name, got ${JSON.stringify(v)}`, where);
  return v;
}

function optInt(v: unknown, where: string): number | undefined {
  if (v === undefined) return undefined;
  if (!Number.isInteger(v)) throw new SpecError(`expected an integer, got ${JSON.stringify(v)}`, where);
  return v as number;
}

/** Resolves a length or bound written as a number, a const's name, or "NAME - 1". */
export function resolveConst(v: number | string, consts: ReadonlyMap<string, number | string>): number | undefined {
  if (typeof v === 'number') return v;
  const m = /^([0-9A-Za-z_-]+)( - 1)?$/.exec(v);
  if (!m) return undefined;
  let base: number | undefined;
  if (/^\d+$/.test(m[1])) base = Number(m[1]);
  else {
    const c = consts.get(m[1]);
    base = typeof c === 'number' ? c : typeof c === 'string' ? resolveConst(c, consts) : undefined;
  }
  return base === undefined ? undefined : m[2] ? base - 1 : base;
}

function enumEntries(d: Y, flags: boolean, consts: Map<string, number | string>, where: string): EnumEntry[] {
  const startRaw = d['value-start'] ?? 0;
  const start = typeof startRaw === 'number' ? startRaw : resolveConst(startRaw as string, consts);
  if (start === undefined) throw new SpecError(`value-start ${JSON.stringify(startRaw)} is not a number or a known const`, where);
  const out: EnumEntry[] = [];
  let next = start;
  for (const [i, e] of list(d.entries, `${where}.entries`).entries()) {
    const entry = typeof e === 'string' ? { name: e } : isObj(e) ? e : undefined;
    if (!entry) throw new SpecError('entry must be a name or {name, value}', `${where}.entries[${i}]`);
    const raw = optInt(entry.value, `${where}.entries[${i}].value`) ?? next;
    next = raw + 1;
    // flags count bit positions; what goes on the wire is the mask
    out.push({ name: str(entry.name, `${where}.entries[${i}]`), value: flags ? 2 ** raw : raw });
  }
  return out;
}

function definitions(spec: Y, where: string): { defs: Definition[]; consts: Map<string, number | string> } {
  const consts = new Map<string, number | string>();
  const defs: Definition[] = [];
  const rawStructs = new Map<string, Y>();
  const raw = list(spec.definitions, `${where}.definitions`);
  for (const [i, d] of raw.entries()) {
    const w = `${where}.definitions[${i}]`;
    if (!isObj(d)) throw new SpecError('definition must be an object', w);
    const name = str(d.name, `${w}.name`);
    if (d.type === 'const') {
      if (typeof d.value !== 'number' && typeof d.value !== 'string') throw new SpecError('const needs a value', w);
      consts.set(name, d.value);
      // specs refer to a prefixed const by its C-style name too (wireguard's wg-key-len)
      if (typeof d['name-prefix'] === 'string') consts.set(`${d['name-prefix']}${name}`, d.value);
    } else if (d.type === 'struct') rawStructs.set(name, d);
  }
  const structs = new Map<string, StructDefinition>();
  const struct = (name: string, w: string, seen: string[] = []): StructDefinition => {
    const done = structs.get(name);
    if (done) return done;
    const d = rawStructs.get(name);
    if (!d) throw new SpecError(`no struct named '${name}'`, w);
    if (seen.includes(name)) throw new SpecError(`struct ${name} contains itself`, w);
    let size = 0;
    const members = list(d.members, `${w}.members`).map((m, j): StructMember => {
      const mw = `struct ${name}.members[${j}]`;
      if (!isObj(m)) throw new SpecError('member must be an object', mw);
      const type = str(m.type, `${mw}.type`) as StructMember['type'];
      const out: StructMember = { name: str(m.name, `${mw}.name`), type };
      if (m.len !== undefined) {
        const len = resolveConst(m.len as number | string, consts);
        if (len === undefined) throw new SpecError(`len ${JSON.stringify(m.len)} is not a number or a known const`, mw);
        out.len = len;
      }
      if (m['byte-order'] === 'big-endian') out.byteOrder = 'big-endian';
      if (m.enum !== undefined) out.enum = str(m.enum, `${mw}.enum`);
      if (m['enum-as-flags'] === true) out.enumAsFlags = true;
      if (m['display-hint'] !== undefined) out.display = m['display-hint'] as StructMember['display'];
      if (m.struct !== undefined) out.struct = str(m.struct, `${mw}.struct`);
      if (m['flexible-array'] === true) {
        // nlkit extension (corrections): C's `T name[]`, sized by the bytes that follow
        if (j !== (d.members as unknown[]).length - 1) throw new SpecError('a flexible array is the last member', mw);
        if (!intSize(type) && !(type === 'binary' && out.struct)) throw new SpecError('a flexible array holds integers or structs', mw);
        out.array = true;
        return out;
      }
      const n = intSize(type);
      if (n) size += n;
      else if (type === 'binary' && out.struct && out.len === undefined) size += struct(out.struct, mw, [...seen, name]).size;
      else if (type === 'string' || type === 'binary' || type === 'pad') {
        if (out.len === undefined) throw new SpecError(`${type} member needs a len`, mw);
        size += out.len;
      } else throw new SpecError(`unknown member type '${type}'`, mw);
      return out;
    });
    const def: StructDefinition = { type: 'struct', name, size, members };
    structs.set(name, def);
    return def;
  };
  for (const [i, d] of raw.entries()) {
    const w = `${where}.definitions[${i}]`;
    const dd = d as Y;
    const name = dd.name as string;
    switch (dd.type) {
      case 'const': defs.push({ type: 'const', name, value: dd.value as number | string }); break;
      case 'enum':
      case 'flags': defs.push({ type: dd.type, name, entries: enumEntries(dd, dd.type === 'flags', consts, w) }); break;
      case 'struct': defs.push(struct(name, w)); break;
      default: throw new SpecError(`unknown definition type ${JSON.stringify(dd.type)}`, w);
    }
  }
  return { defs, consts };
}

/** The checks the codec applies before sending; null: known, left to the kernel. */
const CHECK_KEYS: Record<string, keyof AttrChecks | null> = {
  min: 'min', max: 'max', 'min-len': 'minLen', 'max-len': 'maxLen', 'exact-len': 'exactLen',
  'unterminated-ok': null, 'flags-mask': null,
};

function attribute(a: Y, value: number, consts: ReadonlyMap<string, number | string>, w: string): AttrDescription {
  const name = str(a.name, `${w}.name`);
  const out: AttrDescription = { name, value, type: str(a.type, `${w}.type`) as AttrDescription['type'] };
  if (a['multi-attr'] === true) out.multiAttr = true;
  // host order is what the codec does without a byte order: only big-endian is kept
  if (a['byte-order'] === 'big-endian') out.byteOrder = 'big-endian';
  if (a['nested-attributes'] !== undefined) out.nestedAttributes = str(a['nested-attributes'], `${w}.nested-attributes`);
  if (a['sub-type'] !== undefined) out.subType = str(a['sub-type'], `${w}.sub-type`) as AttrDescription['subType'];
  if (a.enum !== undefined) out.enum = str(a.enum, `${w}.enum`);
  if (a['enum-as-flags'] === true) out.enumAsFlags = true;
  if (a['display-hint'] !== undefined) out.display = a['display-hint'] as AttrDescription['display'];
  if (a.struct !== undefined) out.struct = str(a.struct, `${w}.struct`);
  if (a['sub-message'] !== undefined) out.subMessage = str(a['sub-message'], `${w}.sub-message`);
  if (a.selector !== undefined) out.selector = str(a.selector, `${w}.selector`);
  if (a['fixed-header'] !== undefined) out.fixedHeader = str(a['fixed-header'], `${w}.fixed-header`);
  if (a.records !== undefined) {
    // nlkit extension: a binary of length-prefixed structs each followed by attributes
    const r = a.records;
    if (!isObj(r)) throw new SpecError('records needs {length, attributes}', `${w}.records`);
    if (out.type !== 'binary' || out.struct === undefined) throw new SpecError('records need type binary and a struct', `${w}.records`);
    out.records = { length: str(r.length, `${w}.records.length`) };
    if (r.attributes !== undefined) out.records.attributes = str(r.attributes, `${w}.records.attributes`);
  }
  if (a['type-value'] !== undefined) out.typeValue = list(a['type-value'], `${w}.type-value`).map((t, i) => str(t, `${w}.type-value[${i}]`));
  if (isObj(a.checks)) {
    const checks: AttrChecks = {};
    for (const [k, v] of Object.entries(a.checks)) {
      const key = CHECK_KEYS[k];
      if (key === undefined) throw new SpecError(`unknown check '${k}'`, `${w}.checks`);
      if (key === null) continue;
      // a bound naming one of the spec's consts is resolved here; others (s32-max) stay names
      const n = typeof v === 'string' ? resolveConst(v, consts) : undefined;
      (checks as Record<string, unknown>)[key] = n ?? v;
    }
    if (Object.keys(checks).length) out.checks = checks;
  }
  return out;
}

function attributeSets(spec: Y, consts: ReadonlyMap<string, number | string>, where: string): AttrSetDescription[] {
  const raw = list(spec['attribute-sets'], `${where}.attribute-sets`);
  const byName = new Map<string, { yaml: Y; attrs: Map<string, { yaml: Y; value: number }> }>();
  const out: AttrSetDescription[] = [];
  const index = new Map<string, number>();
  // full sets first: subsets borrow their parents' numbers and properties
  for (const pass of [false, true]) {
    for (const [i, s] of raw.entries()) {
      const w = `${where}.attribute-sets[${i}]`;
      if (!isObj(s)) throw new SpecError('attribute set must be an object', w);
      const name = str(s.name, `${w}.name`);
      const subsetOf = s['subset-of'];
      if ((subsetOf !== undefined) !== pass) continue;
      const attrs = list(s.attributes, `${w}.attributes`);
      const set: AttrSetDescription = { name, attributes: [] };
      if (subsetOf === undefined) {
        const known = new Map<string, { yaml: Y; value: number }>();
        let value = 1;
        for (const [j, a] of attrs.entries()) {
          if (!isObj(a)) throw new SpecError('attribute must be an object', `${w}.attributes[${j}]`);
          value = optInt(a.value, `${w}.attributes[${j}].value`) ?? value;
          set.attributes.push(attribute(a, value, consts, `${w}.attributes[${j}]`));
          known.set(a.name as string, { yaml: a, value });
          value++;
        }
        byName.set(name, { yaml: s, attrs: known });
      } else {
        const parent = byName.get(str(subsetOf, `${w}.subset-of`));
        if (!parent) throw new SpecError(`subset-of names no full attribute set: '${String(subsetOf)}'`, w);
        set.subsetOf = subsetOf as string;
        for (const [j, a] of attrs.entries()) {
          const aw = `${w}.attributes[${j}]`;
          if (!isObj(a)) throw new SpecError('attribute must be an object', aw);
          const real = parent.attrs.get(str(a.name, `${aw}.name`));
          if (!real) throw new SpecError(`'${String(a.name)}' is not in set ${String(subsetOf)}`, aw);
          set.attributes.push(attribute({ ...real.yaml, ...a }, real.value, consts, aw));
        }
      }
      index.set(name, i);
      out.push(set);
    }
  }
  // keep the spec's order, so output follows the spec file
  return out.sort((a, b) => index.get(a.name)! - index.get(b.name)!);
}

function mode(m: unknown, w: string): OperationMode | undefined {
  if (m === undefined) return undefined;
  if (!isObj(m)) throw new SpecError('expected {request, reply}', w);
  const msg = (x: unknown, k: string): MessageDescription | undefined => {
    if (x === undefined) return undefined;
    const out: MessageDescription = { attributes: list(isObj(x) ? x.attributes : undefined, `${w}.${k}.attributes`).map((a, i) => str(a, `${w}.${k}.attributes[${i}]`)) };
    // nlkit extension (corrections): a reply the kernel may leave out
    if (isObj(x) && x.optional === true) out.optional = true;
    return out;
  };
  const out: OperationMode = {};
  const request = msg(m.request, 'request');
  const reply = msg(m.reply, 'reply');
  if (request) out.request = request;
  if (reply) out.reply = reply;
  return out;
}

const modeValue = (m: unknown, k: 'request' | 'reply'): number | undefined => {
  const x = isObj(m) ? m[k] : undefined;
  return isObj(x) && typeof x.value === 'number' ? x.value : undefined;
};

function operations(spec: Y, where: string): Pick<FamilyDescription, 'operations'> {
  const ops = isObj(spec.operations) ? spec.operations : undefined;
  if (!ops) throw new SpecError('operations is required', where);
  const enumModel = ops['enum-model'] === 'directional' ? 'directional' : 'unified';
  const fixedHeader = typeof ops['fixed-header'] === 'string' ? ops['fixed-header'] : undefined;
  const raw = list(ops.list, `${where}.operations.list`);
  const out: OperationDescription[] = [];
  // the numbering rules of the kernel's YNL library (nlspec.py), for both enum models
  let value = 1, req = 1, rsp = 1;
  for (const [i, o] of raw.entries()) {
    const w = `${where}.operations.list[${i}]`;
    if (!isObj(o)) throw new SpecError('operation must be an object', w);
    const name = str(o.name, `${w}.name`);
    const isAsync = o.notify !== undefined || o.event !== undefined;
    const op: OperationDescription = { name };
    if (enumModel === 'unified') {
      value = optInt(o.value, `${w}.value`) ?? value;
      op.requestValue = value;
      op.replyValue = value;
      value++;
    } else if (isAsync) {
      rsp = optInt(o.value, `${w}.value`) ?? rsp;
      op.replyValue = rsp;
      rsp++;
    } else if (o.do !== undefined || o.dump !== undefined) {
      const m = o.do ?? o.dump;
      req = modeValue(m, 'request') ?? req;
      rsp = modeValue(m, 'reply') ?? rsp;
      op.requestValue = req;
      const hasReply = isObj(m) && m.reply !== undefined;
      if (hasReply) op.replyValue = rsp;
      req++;
      if (hasReply) rsp++;
    } else throw new SpecError('a directional operation needs do, dump, notify or event', w);
    if (typeof o['attribute-set'] === 'string') op.attributeSet = o['attribute-set'];
    const fh = typeof o['fixed-header'] === 'string' ? o['fixed-header'] : fixedHeader;
    if (fh) op.fixedHeader = fh;
    const d = mode(o.do, `${w}.do`);
    if (d) op.do = d;
    const dump = mode(o.dump, `${w}.dump`);
    if (dump) op.dump = dump;
    if (o.notify !== undefined) op.notify = str(o.notify, `${w}.notify`);
    if (o.event !== undefined) {
      const ev = isObj(o.event) ? o.event : {};
      op.event = { attributes: list(ev.attributes, `${w}.event.attributes`).map((a, j) => str(a, `${w}.event.attributes[${j}]`)) };
    }
    if (o.mcgrp !== undefined) op.mcgrp = str(o.mcgrp, `${w}.mcgrp`);
    out.push(op);
  }
  // a notification speaks in the attribute set of the operation it reports
  for (const op of out) {
    if (op.attributeSet || !op.notify) continue;
    const target = out.find((x) => x.name === op.notify);
    if (!target) throw new SpecError(`notify names no operation: '${op.notify}'`, `${where}.operations.${op.name}`);
    if (target.attributeSet) op.attributeSet = target.attributeSet;
  }
  return { operations: out };
}

/** Turns a parsed YNL spec into a FamilyDescription. `source` names the spec in errors. */
export function normalizeSpec(spec: unknown, source = 'spec'): FamilyDescription {
  if (!isObj(spec)) throw new SpecError('a spec is a YAML mapping', source);
  const name = str(spec.name, `${source}.name`);
  const protocol = (spec.protocol ?? 'genetlink') as Protocol;
  if (!PROTOCOLS.includes(protocol)) throw new SpecError(`unknown protocol ${JSON.stringify(spec.protocol)}`, source);
  const { defs, consts } = definitions(spec, source);
  const out: FamilyDescription = { name, protocol } as FamilyDescription;
  if (protocol === 'netlink-raw') {
    const protonum = optInt(spec.protonum, `${source}.protonum`);
    if (protonum === undefined) throw new SpecError('netlink-raw needs protonum', source);
    out.protonum = protonum;
  } else out.version = optInt(spec.version, `${source}.version`) ?? 1;
  out.definitions = defs;
  out.attributeSets = attributeSets(spec, consts, source);
  const subMessages = list(spec['sub-messages'], `${source}.sub-messages`).map((s, i) => {
    const w = `${source}.sub-messages[${i}]`;
    if (!isObj(s)) throw new SpecError('sub-message must be an object', w);
    return {
      name: str(s.name, `${w}.name`),
      formats: list(s.formats, `${w}.formats`).map((f, j) => {
        if (!isObj(f) || (typeof f.value !== 'string' && typeof f.value !== 'number')) throw new SpecError('format needs a value', `${w}.formats[${j}]`);
        return {
          value: String(f.value),
          ...(typeof f['fixed-header'] === 'string' ? { fixedHeader: f['fixed-header'] } : {}),
          ...(typeof f['attribute-set'] === 'string' ? { attributeSet: f['attribute-set'] } : {}),
        };
      }),
    };
  });
  if (subMessages.length) out.subMessages = subMessages;
  Object.assign(out, operations(spec, source));
  const groups = isObj(spec['mcast-groups']) ? spec['mcast-groups'].list : undefined;
  out.mcastGroups = list(groups, `${source}.mcast-groups.list`).map((g, i) => {
    const w = `${source}.mcast-groups.list[${i}]`;
    if (!isObj(g)) throw new SpecError('group must be an object', w);
    const value = optInt(g.value, `${w}.value`);
    return { name: str(g.name, `${w}.name`), ...(value !== undefined ? { value } : {}) };
  });
  return out;
}
