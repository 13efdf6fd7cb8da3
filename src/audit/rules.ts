// Audit rules in auditctl's terms: typed objects, auditctl's text (`-a always,exit -F
// arch=b64 -S openat -k x`, `-w /etc/passwd -p wa -k x`), and struct audit_rule_data as
// the audit spec describes it. The names and numbers are tables (linux/audit.h).
import { statSync } from 'node:fs';
import { Definitions } from '../core/definitions.js';
import { NetlinkArgumentError, NetlinkDecodeError } from '../core/errors.js';
import { quote } from '../core/options.js';
import { description, type AuditRuleDataStruct, type FilterEnum } from '../ynl/families/audit.js';
import { recordTypeName, recordTypeNumber } from './records.js';
import { SYSCALLS } from './syscall-tables.js';

const defs = new Definitions(description);
const filterEnum = defs.enum('filter');
const actionEnum = defs.enum('action');
const MAX_FIELDS = defs.consts.get('audit-max-fields') as number;
const BITMASK_WORDS = defs.consts.get('audit-bitmask-size') as number;
/** The top 16 bits of the mask name syscall classes, which the kernel expands and clears. */
const SYSCALL_BITS = BITMASK_WORDS * 32 - 16;
const AUDIT_FILTER_PREPEND = 0x10;

/** The filter lists as auditctl names them. */
export type AuditList = 'user' | 'task' | 'entry' | 'exit' | 'exclude' | 'filesystem' | 'io_uring';
const LIST_SPEC_NAME: Record<AuditList, FilterEnum> = {
  user: 'user', task: 'task', entry: 'entry', exit: 'exit', exclude: 'exclude', filesystem: 'filesystem', io_uring: 'io-uring-exit',
};
const LIST_BY_NUMBER = new Map(Object.entries(LIST_SPEC_NAME).map(([name, spec]) => [filterEnum.byName.get(spec)!, name as AuditList]));
/** Lists whose rules name syscalls. */
const SYSCALL_LISTS = new Set<AuditList>(['exit', 'entry']);

export type AuditAction = 'never' | 'possible' | 'always';
export type AuditOp = '=' | '!=' | '<' | '>' | '<=' | '>=' | '&' | '&=';
const OPS: Record<AuditOp, number> = {
  '=': 0x40000000, '!=': 0x30000000, '<': 0x10000000, '>': 0x20000000, '<=': 0x50000000, '>=': 0x60000000, '&': 0x08000000, '&=': 0x48000000,
};
const OP_BY_FLAGS = new Map(Object.entries(OPS).map(([op, v]) => [v, op as AuditOp]));
// longest first, so that '<=' is not read as '<'
const OP_TEXT = (Object.keys(OPS) as AuditOp[]).sort((a, b) => b.length - a.length);

/** How a field's value is written: a number, a uid/gid ('unset' is -1), text, or its own vocabulary. */
type FieldKind = 'int' | 'signed' | 'id' | 'string' | 'arch' | 'perm' | 'msgtype';
/** Rule fields by auditctl's name (AUDIT_* numbers). */
const FIELDS: Record<string, { num: number; kind: FieldKind }> = {
  pid: { num: 0, kind: 'int' }, uid: { num: 1, kind: 'id' }, euid: { num: 2, kind: 'id' }, suid: { num: 3, kind: 'id' },
  fsuid: { num: 4, kind: 'id' }, gid: { num: 5, kind: 'id' }, egid: { num: 6, kind: 'id' }, sgid: { num: 7, kind: 'id' },
  fsgid: { num: 8, kind: 'id' }, auid: { num: 9, kind: 'id' }, pers: { num: 10, kind: 'int' }, arch: { num: 11, kind: 'arch' },
  msgtype: { num: 12, kind: 'msgtype' }, subj_user: { num: 13, kind: 'string' }, subj_role: { num: 14, kind: 'string' },
  subj_type: { num: 15, kind: 'string' }, subj_sen: { num: 16, kind: 'string' }, subj_clr: { num: 17, kind: 'string' },
  ppid: { num: 18, kind: 'int' }, obj_user: { num: 19, kind: 'string' }, obj_role: { num: 20, kind: 'string' },
  obj_type: { num: 21, kind: 'string' }, obj_lev_low: { num: 22, kind: 'string' }, obj_lev_high: { num: 23, kind: 'string' },
  loginuid_set: { num: 24, kind: 'int' }, sessionid: { num: 25, kind: 'int' }, fstype: { num: 26, kind: 'int' },
  devmajor: { num: 100, kind: 'int' }, devminor: { num: 101, kind: 'int' }, inode: { num: 102, kind: 'int' },
  exit: { num: 103, kind: 'signed' }, success: { num: 104, kind: 'int' }, path: { num: 105, kind: 'string' },
  perm: { num: 106, kind: 'perm' }, dir: { num: 107, kind: 'string' }, filetype: { num: 108, kind: 'int' },
  obj_uid: { num: 109, kind: 'id' }, obj_gid: { num: 110, kind: 'id' }, field_compare: { num: 111, kind: 'int' },
  exe: { num: 112, kind: 'string' }, saddr_fam: { num: 113, kind: 'int' },
  a0: { num: 200, kind: 'int' }, a1: { num: 201, kind: 'int' }, a2: { num: 202, kind: 'int' }, a3: { num: 203, kind: 'int' },
  key: { num: 210, kind: 'string' },
};
const FIELD_ALIASES: Record<string, string> = { loginuid: 'auid' };
const FIELD_BY_NUMBER = new Map(Object.entries(FIELDS).map(([name, f]) => [f.num, name]));

/** AUDIT_PERM_* by auditctl's letter, in the order auditctl prints them. */
const PERMS: [string, number][] = [['r', 4], ['w', 2], ['x', 1], ['a', 8]];

/** AUDIT_ARCH_* of the architectures nlkit has syscall tables for (EM_* | 64-bit | little-endian bits). */
const ARCHES: Record<keyof typeof SYSCALLS | 'arm', number> = { x86_64: 0xc000003e, i386: 0x40000003, aarch64: 0xc00000b7, arm: 0x40000028 };
const ARCH_BY_NUMBER = new Map(Object.entries(ARCHES).map(([k, v]) => [v, k]));
/** b64 and b32 on this machine, as auditctl reads them. */
const MACHINE: Record<string, { b64: string; b32: string }> = { x64: { b64: 'x86_64', b32: 'i386' }, arm64: { b64: 'aarch64', b32: 'arm' } };
const machine = MACHINE[process.arch];

const UNSET = 0xffffffff;

export interface AuditField {
  name: string;
  op: AuditOp;
  value: string | number;
}

/** A rule as auditctl states it: `-a ACTION,LIST [-S syscalls] [-F name OP value]... [-k key]`. */
export interface AuditRule {
  list: AuditList;
  action: AuditAction;
  /** exit (and entry) rules: the syscalls, by name or number (for the rule's arch), or 'all' (the default). */
  syscalls?: 'all' | (string | number)[];
  fields?: AuditField[];
  /** The filter key (-k); several keys are joined by \x01, as auditctl does. */
  key?: string;
  /** -A: put the rule first on its list. Not reported back by the kernel. */
  prepend?: boolean;
}

/** A file watch as auditctl states it: `-w path -p perms -k key`. */
export interface AuditWatch {
  watch: string;
  /** Letters of r, w, x, a (default all four). */
  perms?: string;
  key?: string;
}

function arg(name: string, msg: string): never {
  throw new NetlinkArgumentError(name, msg);
}

function archName(v: number): string {
  if (machine && ARCHES[machine.b64 as keyof typeof ARCHES] === v) return 'b64';
  if (machine && ARCHES[machine.b32 as keyof typeof ARCHES] === v) return 'b32';
  return ARCH_BY_NUMBER.get(v) ?? `0x${v.toString(16)}`;
}

function archNumber(v: string | number): number {
  if (typeof v === 'number') return v >>> 0;
  const named = v === 'b64' || v === 'b32' ? machine?.[v] : v;
  const n = named === undefined ? undefined : ARCHES[named as keyof typeof ARCHES] ?? (/^(0x[0-9a-f]+|\d+)$/i.test(named) ? Number(named) : undefined);
  return n ?? arg('fields', `arch ${quote(v)} is not b64, b32, ${Object.keys(ARCHES).join(', ')} or a number`);
}

function permBits(v: string | number): number {
  if (typeof v === 'number') return v;
  let bits = 0;
  for (const c of v) bits |= PERMS.find(([l]) => l === c)?.[1] ?? arg('fields', `perm ${quote(v)} must be letters of rwxa`);
  return bits || arg('fields', 'perm must name at least one of rwxa');
}

function permText(bits: number): string {
  return PERMS.filter(([, b]) => bits & b).map(([l]) => l).join('') || String(bits);
}

function intValue(name: string, v: string | number, kind: FieldKind): number {
  if (kind === 'id' && v === 'unset') return UNSET;
  const n = typeof v === 'number' ? v : /^-?(0x[0-9a-f]+|\d+)$/i.test(v) ? Number(v) : NaN;
  if (!Number.isInteger(n) || n < -0x80000000 || n > 0xffffffff) arg('fields', `${name} needs a 32-bit integer, got ${quote(v)}`);
  return n >>> 0;
}

function fieldNumber(name: string, v: string | number): number {
  const f = FIELDS[name];
  switch (f.kind) {
    case 'arch': return archNumber(v);
    case 'perm': return permBits(v);
    case 'msgtype': return recordTypeNumber(v) ?? arg('fields', `msgtype ${quote(v)} is not an audit record type`);
    default: return intValue(name, v, f.kind);
  }
}

function fieldValue(name: string, v: number): string | number {
  switch (FIELDS[name]?.kind) {
    case 'arch': return archName(v);
    case 'perm': return permText(v);
    case 'msgtype': return recordTypeName(v);
    case 'signed': return v | 0;
    case 'id': return v === UNSET ? 'unset' : v;
    default: return v;
  }
}

/** The table of the syscall names a rule uses: its arch field's, else this machine's 64-bit one. */
function syscallTable(fields: readonly AuditField[]): Record<string, number> | undefined {
  const arch = fields.find((f) => f.name === 'arch');
  const name = arch ? ARCH_BY_NUMBER.get(archNumber(arch.value)) : machine?.b64;
  return SYSCALLS[name as keyof typeof SYSCALLS];
}

/** A file watch as the rule auditctl makes of it. */
export function watchRule(w: AuditWatch): AuditRule {
  if (typeof w.watch !== 'string' || !w.watch.startsWith('/')) arg('watch', `must be an absolute path, got ${quote(w.watch)}`);
  let isDir = false;
  try {
    isDir = statSync(w.watch).isDirectory();
  } catch {
    // not there (yet): a file watch, as auditctl makes it
  }
  const fields: AuditField[] = [{ name: isDir ? 'dir' : 'path', op: '=', value: w.watch.length > 1 ? w.watch.replace(/\/+$/, '') : w.watch }];
  fields.push({ name: 'perm', op: '=', value: w.perms ?? 'rwxa' });
  return { list: 'exit', action: 'always', syscalls: 'all', fields, ...(w.key !== undefined ? { key: w.key } : {}) };
}

function checkRule(r: AuditRule): AuditField[] {
  if (r === null || typeof r !== 'object') arg('rule', 'must be an object');
  if (!(r.list in LIST_SPEC_NAME)) arg('list', `must be one of ${Object.keys(LIST_SPEC_NAME).join(', ')}, got ${quote(r.list)}`);
  if (!actionEnum.byName.has(r.action)) arg('action', `must be never, possible or always, got ${quote(r.action)}`);
  const fields = [...(r.fields ?? [])];
  for (const f of fields) {
    const name = FIELD_ALIASES[f?.name] ?? f?.name;
    if (!(name in FIELDS)) arg('fields', `unknown field ${quote(f?.name)} (known: ${Object.keys(FIELDS).join(', ')})`);
    if (!(f.op in OPS)) arg('fields', `${name}: operator ${quote(f.op)} is not one of ${Object.keys(OPS).join(' ')}`);
    if (FIELDS[name].kind === 'string' && (typeof f.value !== 'string' || f.value === '')) arg('fields', `${name} needs a non-empty string`);
  }
  if (r.key !== undefined) {
    if (typeof r.key !== 'string' || r.key === '') arg('key', 'must be a non-empty string');
    fields.push({ name: 'key', op: '=', value: r.key });
  }
  if (fields.length > MAX_FIELDS) arg('fields', `at most ${MAX_FIELDS} fields (key included), got ${fields.length}`);
  return fields.map((f) => ({ ...f, name: FIELD_ALIASES[f.name] ?? f.name }));
}

/** The syscall mask: every bit for 'all' (auditctl's way for rules without -S too). */
function syscallMask(r: AuditRule, fields: AuditField[]): Uint32Array {
  const mask = new Uint32Array(BITMASK_WORDS);
  const list = SYSCALL_LISTS.has(r.list) ? r.syscalls ?? 'all' : 'all';
  if (!SYSCALL_LISTS.has(r.list) && r.syscalls !== undefined && r.syscalls !== 'all') arg('syscalls', `apply to exit rules, not to the ${r.list} list`);
  if (list === 'all') return mask.fill(0xffffffff);
  if (!Array.isArray(list) || list.length === 0) arg('syscalls', "must be 'all' or a non-empty array of names or numbers");
  const table = syscallTable(fields);
  for (const s of list) {
    const n = typeof s === 'number' ? s : table?.[s] ?? (/^\d+$/.test(s) ? Number(s) : undefined);
    if (n === undefined) arg('syscalls', `unknown syscall ${quote(s)}${table ? '' : ' (no syscall table for this arch: give numbers)'}`);
    if (!Number.isInteger(n) || n! < 0 || n! >= SYSCALL_BITS) arg('syscalls', `syscall number ${n} is out of range 0..${SYSCALL_BITS - 1}`);
    mask[n! >> 5] |= (1 << (n! & 31)) >>> 0;
  }
  return mask;
}

/** A rule as struct audit_rule_data (for add-rule and del-rule). Every value is checked. */
export function encodeRule(rule: AuditRule | AuditWatch): AuditRuleDataStruct {
  const r = 'watch' in rule ? watchRule(rule) : rule;
  const fields = checkRule(r);
  const nums = new Uint32Array(MAX_FIELDS), values = new Uint32Array(MAX_FIELDS), flags = new Uint32Array(MAX_FIELDS);
  const strings: Buffer[] = [];
  fields.forEach((f, i) => {
    nums[i] = FIELDS[f.name].num;
    flags[i] = OPS[f.op];
    if (FIELDS[f.name].kind === 'string') {
      const b = Buffer.from(String(f.value));
      strings.push(b);
      values[i] = b.length;
    } else values[i] = fieldNumber(f.name, f.value);
  });
  const buf = Buffer.concat(strings);
  const bytes = (a: Uint32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
  return {
    flags: filterEnum.byName.get(LIST_SPEC_NAME[r.list])! | (r.prepend ? AUDIT_FILTER_PREPEND : 0),
    action: r.action, fieldCount: fields.length, mask: bytes(syscallMask(r, fields)),
    fields: bytes(nums), values: bytes(values), fieldflags: bytes(flags), buflen: buf.length, buf: [...buf],
  };
}

/** A u32[64] member (host order, as the kernel writes it), on aligned memory. */
const words = (b: Buffer): Uint32Array => new Uint32Array(Uint8Array.from(b).buffer);

/** struct audit_rule_data (as listed by the kernel) as a rule in auditctl's terms. */
export function decodeRule(d: AuditRuleDataStruct): AuditRule {
  const list = LIST_BY_NUMBER.get(d.flags & ~AUDIT_FILTER_PREPEND) ?? (() => {
    throw new NetlinkDecodeError(`audit rule on unknown list ${d.flags}`, 0);
  })();
  if (typeof d.action !== 'string') throw new NetlinkDecodeError(`audit rule with unknown action ${d.action}`, 4);
  if (d.fieldCount > MAX_FIELDS) throw new NetlinkDecodeError(`audit rule with ${d.fieldCount} fields (at most ${MAX_FIELDS})`, 8);
  const nums = words(d.fields), values = words(d.values), flags = words(d.fieldflags);
  const buf = Buffer.from(d.buf);
  if (d.buflen > buf.length) throw new NetlinkDecodeError(`audit rule strings of ${d.buflen} bytes, ${buf.length} there`, 1036);
  const rule: AuditRule = { list, action: d.action as AuditAction };
  const fields: AuditField[] = [];
  let at = 0;
  for (let i = 0; i < d.fieldCount; i++) {
    const name = FIELD_BY_NUMBER.get(nums[i]) ?? `field${nums[i]}`;
    const op = OP_BY_FLAGS.get(flags[i]) ?? (() => {
      throw new NetlinkDecodeError(`audit rule field ${name} with unknown operator 0x${flags[i].toString(16)}`, 0);
    })();
    let value: string | number;
    if (FIELDS[name]?.kind === 'string') {
      if (values[i] > d.buflen - at) throw new NetlinkDecodeError(`audit rule string ${name} overruns the rule's ${d.buflen}-byte buffer`, 1040 + at);
      value = buf.toString('utf8', at, at + values[i]);
      at += values[i];
    } else value = fieldValue(name, values[i]);
    if (name === 'key' && op === '=') rule.key = String(value);
    else fields.push({ name, op, value });
  }
  if (fields.length) rule.fields = fields;
  if (SYSCALL_LISTS.has(list)) rule.syscalls = syscallsOf(words(d.mask), fields);
  return rule;
}

function syscallsOf(mask: Uint32Array, fields: AuditField[]): 'all' | (string | number)[] {
  const set: number[] = [];
  for (let n = 0; n < SYSCALL_BITS; n++) if (mask[n >> 5] & (1 << (n & 31))) set.push(n);
  if (set.length === SYSCALL_BITS) return 'all';
  const table = syscallTable(fields);
  const names = new Map(Object.entries(table ?? {}).map(([k, v]) => [v, k]));
  return set.map((n) => names.get(n) ?? n);
}

/** Whether auditctl shows the rule as a watch (-w): what watchRule makes. */
function asWatch(r: AuditRule): AuditWatch | undefined {
  const f = r.fields ?? [];
  if (r.list !== 'exit' || r.action !== 'always' || (r.syscalls ?? 'all') !== 'all') return undefined;
  const path = f.find((x) => (x.name === 'path' || x.name === 'dir') && x.op === '=');
  const perm = f.find((x) => x.name === 'perm' && x.op === '=');
  if (!path || f.length !== (perm ? 2 : 1)) return undefined;
  return { watch: String(path.value), perms: perm ? String(perm.value) : undefined, key: r.key };
}

const quoteIfNeeded = (v: string | number): string => (typeof v === 'string' && /\s/.test(v) ? JSON.stringify(v) : String(v));

/** A rule as `auditctl -l` prints it. */
export function formatRule(rule: AuditRule | AuditWatch): string {
  const r = 'watch' in rule ? watchRule(rule) : rule;
  const w = asWatch(r);
  if (w) return `-w ${quoteIfNeeded(w.watch)}${w.perms ? ` -p ${w.perms}` : ''}${w.key !== undefined ? ` -k ${quoteIfNeeded(w.key)}` : ''}`;
  const parts = [`-a ${r.action},${r.list}`];
  const fields = r.fields ?? [];
  const arch = fields.filter((f) => f.name === 'arch');
  for (const f of arch) parts.push(`-F arch${f.op}${f.value}`);
  if (SYSCALL_LISTS.has(r.list)) {
    const s = r.syscalls ?? 'all';
    parts.push(`-S ${s === 'all' ? 'all' : s.join(',')}`);
  }
  for (const f of fields) if (f.name !== 'arch') parts.push(`-F ${f.name}${f.op}${quoteIfNeeded(f.value)}`);
  if (r.key !== undefined) parts.push(`-F key=${quoteIfNeeded(r.key)}`);
  return parts.join(' ');
}

/** Words of a command line, with "double" or 'single' quotes. */
function commandWords(text: string): string[] {
  const out: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|'([^']*)'|(\S+)/g;
  for (let m = re.exec(text); m; m = re.exec(text)) out.push(m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : m[2] ?? m[3]);
  return out;
}

/**
 * A rule from auditctl's syntax: `-a always,exit -F arch=b64 -S openat -F key=x`,
 * `-A ...` (prepend), `-d ...` (a rule to delete: the same rule), `-w /path -p wa -k key`.
 */
export function parseRule(text: string): AuditRule {
  if (typeof text !== 'string') arg('rule', 'must be a string');
  const w = commandWords(text);
  let rule: Partial<AuditRule> = {};
  let watch: AuditWatch | undefined;
  const syscalls: (string | number)[] = [];
  const fields: AuditField[] = [];
  const next = (i: number, opt: string) => w[i + 1] ?? arg('rule', `${opt} needs a value`);
  for (let i = 0; i < w.length; i++) {
    const opt = w[i];
    switch (opt) {
      case '-a': case '-A': case '-d': {
        const [x, y] = next(i++, opt).split(',');
        const [action, list] = actionEnum.byName.has(x) ? [x, y] : actionEnum.byName.has(y) ? [y, x]
          : arg('action', `${opt} ${x},${y ?? ''}: one of never, possible, always must come with the list`);
        rule = { ...rule, action: action as AuditAction, list: list as AuditList, ...(opt === '-A' ? { prepend: true } : {}) };
        break;
      }
      case '-S':
        for (const s of next(i++, opt).split(',')) syscalls.push(/^\d+$/.test(s) ? Number(s) : s);
        break;
      case '-F': {
        const spec = next(i++, opt);
        const op = OP_TEXT.map((o) => [o, spec.indexOf(o)] as const).filter(([, at]) => at > 0).sort((a, b) => a[1] - b[1] || b[0].length - a[0].length)[0];
        if (!op) arg('rule', `-F ${spec}: expected NAME OP VALUE with OP one of ${Object.keys(OPS).join(' ')}`);
        const given = spec.slice(0, op[1]), value = spec.slice(op[1] + op[0].length);
        const name = FIELD_ALIASES[given] ?? given;
        if (name === 'key' && op[0] === '=') rule.key = rule.key === undefined ? value : `${rule.key}\x01${value}`;
        else fields.push({ name, op: op[0], value: FIELDS[name]?.kind === 'string' ? value : /^-?\d+$/.test(value) ? Number(value) : value });
        break;
      }
      case '-k': {
        const k = next(i++, opt);
        if (watch) watch.key = watch.key === undefined ? k : `${watch.key}\x01${k}`;
        else rule.key = rule.key === undefined ? k : `${rule.key}\x01${k}`;
        break;
      }
      case '-w': watch = { watch: next(i++, opt), key: rule.key }; break;
      case '-p':
        if (!watch) arg('rule', '-p applies to a watch (-w)');
        watch.perms = next(i++, opt);
        break;
      default: arg('rule', `${quote(opt)} is not an auditctl rule option nlkit knows (-a -A -d -S -F -k -w -p)`);
    }
  }
  if (watch) {
    const r = watchRule(watch);
    encodeRule(r);
    return r;
  }
  if (rule.action === undefined || rule.list === undefined) arg('rule', 'needs -a ACTION,LIST (or -w PATH)');
  if (syscalls.length) rule.syscalls = syscalls.includes('all') ? 'all' : syscalls;
  if (fields.length) rule.fields = fields;
  encodeRule(rule as AuditRule); // every value checked now, not at the request
  return rule as AuditRule;
}
