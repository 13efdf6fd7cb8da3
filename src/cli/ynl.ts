// `nlkit ynl`: any family a YNL spec describes, built in or read from a spec file at run
// time. Requests are given as JSON, replies and notifications are printed as JSON, like
// the kernel's tools/net/ynl CLI.
import { camelCase } from '../core/attrset.js';
import { markTextInput, MAX_NEST_DEPTH } from '../core/codec.js';
import { NLM_F_APPEND, NLM_F_CREATE, NLM_F_EXCL, NLM_F_REPLACE } from '../core/constants.js';
import { NetlinkEncodeError, NetlinkError } from '../core/errors.js';
import { FamilyClient, type UntypedFamily } from '../ynl/client.js';
import { Family, type Operation } from '../ynl/family.js';
import type { FamilyDescription } from '../ynl/schema.js';
import { type OptionSpec, parseArgs, UsageError } from './args.js';
import { type CommandGroup, CommandError, type Context, GLOBAL_OPTIONS, HelpRequest } from './command.js';

const USAGE = `Usage: nlkit ynl { --family NAME | --spec FILE } [--netns NS] ACTION [OPTIONS]
       nlkit ynl --list-families
       nlkit ynl help

Any netlink family a YNL spec describes: one built into nlkit, by its name
(--list-families), or any spec file, read at run time (--spec).

Actions (exactly one):
  --do OP                 send OP's request; print the reply as one JSON object
                          (nothing when the operation only acknowledges)
  --dump OP               run OP's dump; print the replies as one JSON array
  --subscribe GROUP       print the notifications of multicast GROUP, one JSON line
                          {"op":...,"msg":{...}} each, until SIGINT, SIGTERM, --count or
                          --duration; repeat it or write GROUP,GROUP for several groups;
                          lost notifications (overruns) are reported on stderr
  --list-ops              the family's operations: values, do/dump/notify/event, set
  --list-attrs [SET]      the family's attribute sets and structs; with SET (a set or a
                          struct), its attributes: name, JSON key, number, type, details
  --list-groups           the family's multicast groups
  --list-families         the families built into nlkit

Options:
  --family NAME           a built-in family, by the name in its spec (ethtool, rt-link, ...)
  --spec FILE             a YNL spec (YAML) to read instead
  --json JSON             the request (--do, --dump) as a JSON object; default {}
  --netns NS              work in network namespace NS (a name from ip netns, or a path)
  --create, --excl, --replace, --append
                          add NLM_F_CREATE, NLM_F_EXCL, NLM_F_REPLACE, NLM_F_APPEND to the
                          request: what raw families' new* operations need (rt-link, ...)
  --count N               --subscribe: stop after N notifications
  --duration SECONDS      --subscribe: stop after this long
  --spec-names            print replies and notifications with the spec's own key names
                          (dev-name, ifi-index), as the kernel's ynl CLI prints them
  -j, --output-json       print --list-* as JSON (an array) rather than a table; in this
                          group -j means this, since --json gives the request;
                          \`nlkit -j ynl ...\` works too
  -p, --pretty            indent JSON output (default: one line per document)
  -d, --details           --list-ops: also each request's and reply's attributes

JSON:
  Keys are the spec's names in camelCase (family-name -> familyName); a fixed header's
  fields (ifiIndex, rtmFamily, ...) sit beside the attributes. Requests may use the spec's
  own names too ({"header":{"dev-name":"eth0"}}), so commands from the kernel's
  documentation for its ynl CLI work unchanged; --spec-names prints replies that way. Enums by name (or number),
  flags as arrays of names, addresses of attributes with display hints as text.
  64-bit integers (u64, s64, uint, sint) are printed as JSON numbers with every digit,
  whatever their size (as the Python ynl CLI prints them; a parser that reads numbers as
  doubles loses digits above 2^53). In the request, integer literals are exact whatever
  their size, and integer fields also take a string of decimal digits or 0x hex
  ("18446744073709551615"); it becomes a bigint for 64-bit fields.
  Binary values are lowercase hex strings ("0a0b0c"); requests may separate the bytes
  with ':'.

Exit status: 0 ok; 1 usage errors (unknown family, operation or group; a request that
does not fit the spec); 2 failures (the kernel's error, with its extended-ack message and
the offending attribute, e.g. "ENODEV: no device matches name (attribute .header.devName)").

Examples:
  nlkit ynl --family nlctrl --do getfamily --json '{"familyName":"nlctrl"}'
  nlkit ynl --family ethtool --do linkinfo-get --json '{"header":{"devName":"eth0"}}' -p
  nlkit ynl --family rt-link --dump getlink --netns blue
  nlkit ynl --family rt-link --subscribe rtnlgrp-link --count 1
  nlkit ynl --family rt-link --list-attrs link-attrs
`;

const OPTIONS: readonly OptionSpec[] = [
  // the global --json (print JSON) is --output-json here: --json is the request
  ...GLOBAL_OPTIONS.filter((o) => o.name !== 'json'),
  { name: 'output-json', short: 'j', type: 'boolean' },
  { name: 'json', type: 'string' },
  { name: 'family', type: 'string' },
  { name: 'spec', type: 'string' },
  { name: 'netns', type: 'string' },
  { name: 'do', type: 'string' },
  { name: 'dump', type: 'string' },
  { name: 'subscribe', type: 'string', repeat: true },
  { name: 'list-ops', type: 'boolean' },
  { name: 'list-attrs', type: 'string', optionalValue: true },
  { name: 'list-groups', type: 'boolean' },
  { name: 'list-families', type: 'boolean' },
  { name: 'create', type: 'boolean' },
  { name: 'excl', type: 'boolean' },
  { name: 'replace', type: 'boolean' },
  { name: 'append', type: 'boolean' },
  { name: 'spec-names', type: 'boolean' },
  { name: 'count', type: 'string' },
  { name: 'duration', type: 'string' },
];

const ACTIONS = ['do', 'dump', 'subscribe', 'list-ops', 'list-attrs', 'list-groups', 'list-families'] as const;
type Action = (typeof ACTIONS)[number];

// ---------------------------------------------------------------------------------------
// JSON out: bigints as exact numbers, bytes as hex.

function hex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
}

/**
 * JSON text for a decoded value: like JSON.stringify, but bigints are written as numbers
 * with all their digits and Buffers (any Uint8Array) as hex strings.
 */
export function toJson(value: unknown, indent = 0, level = 0): string {
  switch (typeof value) {
    case 'bigint':
      return value.toString();
    case 'number':
      return Number.isFinite(value) ? String(value) : 'null';
    case 'string':
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'undefined':
    case 'function':
    case 'symbol':
      return 'null';
  }
  if (value === null) return 'null';
  if (value instanceof Uint8Array) return `"${hex(value)}"`;
  const nl = indent ? '\n' + ' '.repeat(indent * (level + 1)) : '';
  const close = indent ? '\n' + ' '.repeat(indent * level) : '';
  const colon = indent ? ': ' : ':';
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    return `[${value.map((v) => nl + toJson(v, indent, level + 1)).join(',')}${close}]`;
  }
  const o = value as { toJSON?: () => unknown };
  if (typeof o.toJSON === 'function') return toJson(o.toJSON(), indent, level);
  const parts: string[] = [];
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (v === undefined || typeof v === 'function' || typeof v === 'symbol') continue;
    parts.push(nl + JSON.stringify(k) + colon + toJson(v, indent, level + 1));
  }
  return parts.length ? `{${parts.join(',')}${close}}` : '{}';
}

function print(ctx: Context, value: unknown): void {
  ctx.out(toJson(value, ctx.pretty ? 4 : 0) + '\n');
}

// ---------------------------------------------------------------------------------------
// JSON in: exact big integers, then values converted where the description says so.

const BIG = '\u0000nlkit-bigint:';

/** Keys that would reach an object's prototype if copied into a plain object. */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
/**
 * Objects and arrays nested deeper than this are refused before parsing: twice the codec's
 * nest limit, since every nest level can hold an array level.
 */
export const MAX_JSON_DEPTH = 2 * MAX_NEST_DEPTH;

class BadJson extends UsageError {}

/**
 * JSON.parse, except that integer literals too large for a double stay exact (bigint).
 * They are rewritten as marked strings before parsing and turned into bigints after.
 * Nesting deeper than MAX_JSON_DEPTH and the keys __proto__, constructor and prototype
 * are refused (BadJson) rather than parsed.
 */
export function parseJson(text: string): unknown {
  let out = '';
  let last = 0;
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      // skip the string, escapes included
      for (i++; i < text.length && text[i] !== '"'; i++) if (text[i] === '\\') i++;
      continue;
    }
    if (c === '{' || c === '[') {
      if (++depth > MAX_JSON_DEPTH) throw new BadJson(`--json: nested deeper than ${MAX_JSON_DEPTH} levels`);
    } else if (c === '}' || c === ']') depth--;
    else if (c === '-' || (c >= '0' && c <= '9')) {
      let j = i + 1;
      while (j < text.length && /[0-9.eE+-]/.test(text[j])) j++;
      const tok = text.slice(i, j);
      if (/^-?\d+$/.test(tok) && !Number.isSafeInteger(Number(tok))) {
        out += text.slice(last, i) + JSON.stringify(BIG + tok);
        last = j;
      }
      i = j - 1;
    }
  }
  out += text.slice(last);
  return JSON.parse(out, (k, v: unknown) => {
    if (FORBIDDEN_KEYS.has(k)) throw new BadJson(`--json: the key "${k}" is not allowed`);
    return typeof v === 'string' && v.startsWith(BIG) ? BigInt(v.slice(BIG.length)) : v;
  });
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Uint8Array);

/**
 * The --json text as a request object, marked as text input: the codec's own walk then
 * reads digit strings as integers and hex as bytes where the description says so.
 */
export function requestFromJson(text: string | undefined): Record<string, unknown> {
  if (text === undefined) return {};
  let v: unknown;
  try {
    v = parseJson(text);
  } catch (e) {
    if (e instanceof BadJson) throw e;
    throw new UsageError(`--json: ${(e as Error).message}`);
  }
  if (!isObject(v)) throw new UsageError(`--json needs a JSON object, got ${Array.isArray(v) ? 'an array' : JSON.stringify(v)}`);
  return markTextInput(renameKeys(v, camelCase) as Record<string, unknown>);
}

/** A value with every object key renamed (arrays walked, bytes and bigints kept). */
export function renameKeys(v: unknown, rename: (key: string) => string): unknown {
  if (Array.isArray(v)) return v.map((x) => renameKeys(x, rename));
  if (!isObject(v)) return v;
  if (Buffer.isBuffer(v) || typeof (v as { toJSON?: unknown }).toJSON === 'function') return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) out[rename(k)] = renameKeys(x, rename);
  return out;
}

/** The spec's own name of each key a family's replies carry (camelCase -> spec name). */
export function specNames(desc: FamilyDescription): (key: string) => string {
  const names = new Map<string, string>();
  const add = (n: string) => {
    const k = camelCase(n);
    if (!names.has(k)) names.set(k, n);
  };
  for (const set of desc.attributeSets) for (const a of set.attributes) add(a.name);
  for (const d of desc.definitions) if (d.type === 'struct') for (const m of d.members) add(m.name);
  return (key) => names.get(key) ?? key;
}

// ---------------------------------------------------------------------------------------
// Families and listings.

async function registry(): Promise<{ families: Record<string, () => Promise<FamilyDescription>>; familyNames: readonly string[] }> {
  return import('../ynl/families/index.js') as never;
}

async function loadFamily(opts: Record<string, unknown>): Promise<FamilyDescription> {
  const name = opts.family as string | undefined;
  const spec = opts.spec as string | undefined;
  if (name !== undefined && spec !== undefined) throw new UsageError('give --family or --spec, not both');
  if (spec !== undefined) {
    const { loadSpec } = await import('../ynl/load.js');
    try {
      return loadSpec(spec);
    } catch (e) {
      throw new CommandError(`${spec}: ${(e as Error).message}`, { cause: e });
    }
  }
  if (name === undefined) throw new UsageError('which family? give --family NAME or --spec FILE');
  const { families, familyNames } = await registry();
  const load = Object.hasOwn(families, name) ? families[name] : undefined;
  if (!load) throw new UsageError(`unknown family "${name}"; built-in families: ${familyNames.join(', ')}`);
  return load();
}

function table(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join('  ').trimEnd()).join('\n') + '\n';
}

function modes(op: Operation): string[] {
  const d = op.desc;
  return [d.do && 'do', d.dump && 'dump', d.notify !== undefined && 'notify', d.event && 'event'].filter((m): m is string => !!m);
}

function listOps(ctx: Context, family: Family): void {
  const ops = [...family.ops.values()];
  if (ctx.json) {
    print(ctx, ops.map((op) => {
      const d = op.desc;
      return {
        name: op.name,
        ...(op.requestValue !== undefined ? { requestValue: op.requestValue } : {}),
        ...(op.replyValue !== undefined ? { replyValue: op.replyValue } : {}),
        modes: modes(op),
        ...(d.attributeSet ? { attributeSet: d.attributeSet } : {}),
        ...(d.fixedHeader ? { fixedHeader: d.fixedHeader } : {}),
        ...(d.do ? { do: d.do } : {}),
        ...(d.dump ? { dump: d.dump } : {}),
        ...(d.notify !== undefined ? { notify: d.notify } : {}),
        ...(d.event ? { event: d.event } : {}),
        ...(d.mcgrp ? { mcgrp: d.mcgrp } : {}),
      };
    }));
    return;
  }
  const rows = [['OPERATION', 'REQUEST', 'REPLY', 'MODES', 'ATTRIBUTE-SET', 'GROUP']];
  for (const op of ops)
    rows.push([op.name, String(op.requestValue ?? '-'), String(op.replyValue ?? '-'), modes(op).join(',') || '-', op.desc.attributeSet ?? '-', op.desc.mcgrp ?? '']);
  let text = table(rows);
  if (ctx.details) {
    for (const op of ops) {
      const d = op.desc;
      const lines: string[] = [];
      for (const m of ['do', 'dump'] as const) {
        const mode = d[m];
        if (!mode) continue;
        // descriptions may leave the per-operation attribute lists out (they are for types only)
        if (mode.request?.attributes) lines.push(`  ${m} request: ${mode.request.attributes.join(' ') || '(none)'}`);
        if (mode.reply?.attributes) lines.push(`  ${m} reply:   ${mode.reply.attributes.join(' ') || '(none)'}`);
      }
      if (d.notify !== undefined) lines.push(`  notify: as ${d.notify}'s reply`);
      if (d.event?.attributes) lines.push(`  event: ${d.event.attributes.join(' ')}`);
      if (d.fixedHeader) lines.push(`  fixed header: struct ${d.fixedHeader}`);
      if (lines.length) text += `\n${op.name}:\n${lines.join('\n')}\n`;
    }
  }
  ctx.out(text);
}

function attrDetails(a: FamilyDescription['attributeSets'][number]['attributes'][number]): string {
  const parts: string[] = [];
  if (a.nestedAttributes) parts.push(`nest ${a.nestedAttributes}`);
  if (a.subType) parts.push(`sub-type ${a.subType}`);
  if (a.enum) parts.push(`${a.enumAsFlags ? 'flags' : 'enum'} ${a.enum}`);
  if (a.display) parts.push(`display ${a.display}`);
  if (a.struct) parts.push(`struct ${a.struct}`);
  if (a.subMessage) parts.push(`sub-message ${a.subMessage} (selector ${a.selector})`);
  if (a.typeValue) parts.push(`type-value ${a.typeValue.join(',')}`);
  if (a.multiAttr) parts.push('multi-attr');
  if (a.byteOrder === 'big-endian') parts.push('big-endian');
  return parts.join('; ');
}

function listAttrs(ctx: Context, family: Family, which: string | true): void {
  const desc = family.desc;
  const structs = desc.definitions.filter((d) => d.type === 'struct');
  if (which === true) {
    if (ctx.json) {
      print(ctx, [
        ...desc.attributeSets.map((s) => ({ kind: 'attribute-set', name: s.name, ...(s.subsetOf ? { subsetOf: s.subsetOf } : {}), attributes: s.attributes.length })),
        ...structs.map((s) => ({ kind: 'struct', name: s.name, size: s.size, members: s.members.length })),
      ]);
      return;
    }
    const rows = [['ATTRIBUTE-SET', 'ATTRS', 'SUBSET-OF']];
    for (const s of desc.attributeSets) rows.push([s.name, String(s.attributes.length), s.subsetOf ?? '']);
    let text = table(rows);
    if (structs.length) {
      const srows = [['STRUCT', 'SIZE', 'MEMBERS']];
      for (const s of structs) srows.push([s.name, String(s.size), String(s.members.length)]);
      text += '\n' + table(srows);
    }
    ctx.out(text);
    return;
  }
  const set = desc.attributeSets.find((s) => s.name === which);
  if (set) {
    const sets = family.set(set.name);
    if (ctx.json) {
      print(ctx, set.attributes.map((a) => ({ key: sets.byName.get(a.name)?.key, ...a })));
      return;
    }
    const rows = [['ATTRIBUTE', 'KEY', 'VALUE', 'TYPE', 'DETAILS']];
    for (const a of set.attributes) rows.push([a.name, sets.byName.get(a.name)?.key ?? '', String(a.value), a.type, attrDetails(a)]);
    ctx.out((set.subsetOf ? `(subset of ${set.subsetOf})\n` : '') + table(rows));
    return;
  }
  const st = structs.find((s) => s.name === which);
  if (st) {
    const compiled = family.struct(st.name);
    if (ctx.json) {
      print(ctx, st.members.map((m, i) => ({ ...(m.type === 'pad' ? {} : { key: compiled.members[i].key }), offset: compiled.members[i].offset, ...m })));
      return;
    }
    const rows = [['MEMBER', 'KEY', 'OFFSET', 'TYPE', 'DETAILS']];
    for (const m of compiled.members) {
      const d = st.members.find((x) => x.name === m.name)!;
      const parts: string[] = [];
      if (d.len !== undefined) parts.push(`len ${d.len}`);
      if (d.enum) parts.push(`${d.enumAsFlags ? 'flags' : 'enum'} ${d.enum}`);
      if (d.display) parts.push(`display ${d.display}`);
      if (d.struct) parts.push(`struct ${d.struct}`);
      if (d.byteOrder === 'big-endian') parts.push('big-endian');
      rows.push([m.name, m.type === 'pad' ? '' : m.key, String(m.offset), m.type, parts.join('; ')]);
    }
    ctx.out(`struct ${st.name}, ${st.size} bytes\n` + table(rows));
    return;
  }
  throw new UsageError(
    `${family.name} has no attribute set or struct "${which}"; attribute sets: ${desc.attributeSets.map((s) => s.name).join(', ')}` +
      (structs.length ? `; structs: ${structs.map((s) => s.name).join(', ')}` : ''),
  );
}

function listGroups(ctx: Context, family: Family): void {
  const groups = family.desc.mcastGroups;
  if (ctx.json) {
    print(ctx, groups);
    return;
  }
  if (!groups.length) {
    ctx.out(`${family.name} has no multicast groups\n`);
    return;
  }
  const rows = [['GROUP', 'VALUE']];
  for (const g of groups) rows.push([g.name, g.value === undefined ? '(looked up)' : String(g.value)]);
  ctx.out(table(rows));
}

// ---------------------------------------------------------------------------------------
// Talking to the kernel.

function findOp(family: Family, name: string, mode: 'do' | 'dump'): Operation {
  const op = family.ops.get(name);
  const able = [...family.ops.values()].filter((o) => o.desc[mode] && o.requestValue !== undefined).map((o) => o.name);
  if (!op) throw new UsageError(`${family.name} has no operation "${name}"; operations with ${mode}: ${able.join(', ') || 'none'}`);
  if (!op.desc[mode] || op.requestValue === undefined)
    throw new UsageError(`${family.name} ${name} has no ${mode}; operations with ${mode}: ${able.join(', ') || 'none'}`);
  return op;
}

async function open(family: Family, netns: string | undefined): Promise<FamilyClient<UntypedFamily>> {
  try {
    // on the command line a path is recognisable by its '/'; the library wants it said explicitly
    const ns = netns === undefined ? {} : { netns: netns.includes('/') ? { path: netns } : netns };
    return await FamilyClient.open<UntypedFamily>(family.desc, ns);
  } catch (e) {
    // genl: the controller's answer already says the kernel has no such family
    if (e instanceof Error) throw new CommandError(`${family.name}: ${netns !== undefined ? `netns ${netns}: ` : ''}${e.message}`, { cause: e });
    throw e;
  }
}

function failure(family: Family, op: string, e: unknown): unknown {
  if (e instanceof NetlinkEncodeError) return new UsageError(`bad request for ${family.name} ${op}: ${e.message}`);
  if (e instanceof NetlinkError) return new CommandError(`${family.name} ${op}: ${e.message}`, { cause: e });
  return e;
}

function requestFlags(opts: Record<string, unknown>): number {
  return (opts.create ? NLM_F_CREATE : 0) | (opts.excl ? NLM_F_EXCL : 0) | (opts.replace ? NLM_F_REPLACE : 0) | (opts.append ? NLM_F_APPEND : 0);
}

async function runDo(ctx: Context, family: Family, opts: Record<string, unknown>, mode: 'do' | 'dump'): Promise<void> {
  const op = findOp(family, opts[mode] as string, mode);
  const request = requestFromJson(opts.json as string | undefined);
  const flags = requestFlags(opts);
  const client = await open(family, opts.netns as string | undefined);
  const out = outputKeys(family, opts);
  try {
    if (mode === 'do') {
      const reply = await client.do(op.name, request, flags ? { flags } : {});
      if (reply !== undefined) print(ctx, out(reply));
    } else {
      print(ctx, out([...(await client.dump(op.name, request, flags ? { flags } : {}).toArray())]));
    }
  } catch (e) {
    throw failure(family, op.name, e);
  } finally {
    client.close();
  }
}

/** Replies as printed: camelCase keys, or the spec's names under --spec-names. */
function outputKeys(family: Family, opts: Record<string, unknown>): (v: unknown) => unknown {
  if (!opts['spec-names']) return (v) => v;
  const rename = specNames(family.desc);
  return (v) => renameKeys(v, rename);
}

function positiveNumber(v: unknown, name: string, integer: boolean): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (typeof v !== 'string' || v.trim() === '' || !Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n)))
    throw new UsageError(`--${name} needs a positive ${integer ? 'integer' : 'number'}, got "${String(v)}"`);
  return n;
}

async function runSubscribe(ctx: Context, family: Family, opts: Record<string, unknown>): Promise<void> {
  const groups = (opts.subscribe as string[]).flatMap((g) => g.split(',')).map((g) => g.trim()).filter((g) => g);
  const known = family.desc.mcastGroups.map((g) => g.name);
  if (!groups.length) throw new UsageError('--subscribe needs a group name');
  for (const g of groups)
    if (!known.includes(g)) throw new UsageError(`${family.name} has no multicast group "${g}"; groups: ${known.join(', ') || 'none'}`);
  const count = positiveNumber(opts.count, 'count', true);
  const duration = positiveNumber(opts.duration, 'duration', false);
  if (duration !== undefined && duration > 2147483) throw new UsageError('--duration is at most 2147483 seconds');

  const client = await open(family, opts.netns as string | undefined);
  const out = outputKeys(family, opts);
  let stream;
  try {
    stream = client.subscribe(groups);
  } catch (e) {
    client.close();
    if (e instanceof Error) throw new CommandError(`subscribing to ${groups.join(', ')}: ${e.message}`, { cause: e });
    throw e;
  }
  const stop = (): void => stream.close();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const timer = duration === undefined ? undefined : setTimeout(stop, duration * 1000);
  let seen = 0;
  try {
    for await (const ev of stream) {
      if (ev.kind === 'message') {
        print(ctx, { op: ev.message.op, msg: out(ev.message.msg) });
        if (count !== undefined && ++seen >= count) break;
      } else if (ev.kind === 'overrun') {
        ctx.err('nlkit: ynl: overrun: the kernel dropped notifications (ENOBUFS)\n');
      } else {
        ctx.err(`nlkit: ynl: undecodable notification: ${ev.error instanceof Error ? ev.error.message : String(ev.error)}\n`);
      }
    }
  } catch (e) {
    if (e instanceof Error) throw new CommandError(`notifications: ${e.message}`, { cause: e });
    throw e;
  } finally {
    if (timer) clearTimeout(timer);
    process.removeListener('SIGINT', stop);
    process.removeListener('SIGTERM', stop);
    stream.close();
    client.close();
  }
}

export const ynl: CommandGroup = {
  name: 'ynl',
  usage: USAGE,
  async run(argv, ctx) {
    const { options: opts, positionals } = parseArgs(argv, OPTIONS);
    if (opts.help) throw new HelpRequest('help');
    if (opts.version) throw new HelpRequest('version');
    if (opts['output-json']) ctx.json = true;
    if (opts.pretty) ctx.pretty = true;
    if (opts.details) ctx.details = true;
    if (positionals.length) throw new UsageError(`unexpected argument "${positionals[0]}"`);

    const actions = ACTIONS.filter((a) => opts[a] !== undefined);
    if (actions.length === 0) throw new UsageError('nothing to do: give --do, --dump, --subscribe or a --list-* option');
    if (actions.length > 1) throw new UsageError(`give one action, not ${actions.map((a) => `--${a}`).join(' and ')}`);
    const action: Action = actions[0];
    for (const [o, needs] of [['json', ['do', 'dump']], ['count', ['subscribe']], ['duration', ['subscribe']], ['create', ['do']], ['spec-names', ['do', 'dump', 'subscribe']], ['excl', ['do']], ['replace', ['do']], ['append', ['do']]] as const)
      if (opts[o] !== undefined && !(needs as readonly string[]).includes(action)) throw new UsageError(`--${o} goes with ${needs.map((n) => `--${n}`).join(' or ')}`);

    if (action === 'list-families') {
      const { familyNames } = await registry();
      if (ctx.json) print(ctx, familyNames);
      else ctx.out(familyNames.join('\n') + '\n');
      return 0;
    }
    const family = Family.from(await loadFamily(opts));
    switch (action) {
      case 'list-ops':
        listOps(ctx, family);
        return 0;
      case 'list-attrs':
        listAttrs(ctx, family, opts['list-attrs'] as string | true);
        return 0;
      case 'list-groups':
        listGroups(ctx, family);
        return 0;
      case 'do':
      case 'dump':
        await runDo(ctx, family, opts, action);
        return 0;
      case 'subscribe':
        await runSubscribe(ctx, family, opts);
        return 0;
    }
  },
};

export default ynl;
