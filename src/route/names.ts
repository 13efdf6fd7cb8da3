// Names of routing tables, protocols, scopes, realms and groups, as iproute2 prints and
// accepts them: its built-in defaults, then its configuration files (rt_tables, rt_protos,
// rt_scopes, rt_realms, group, and their .d/*.conf), so a name a user added for `ip`
// (`echo 100 vpn >> /etc/iproute2/rt_tables`) works here too.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { NetlinkArgumentError } from '../core/errors.js';
import { quote } from '../core/options.js';

/** Where iproute2 looks (newer versions ship defaults in /usr/share, configuration in /etc). */
const DIRS = ['/usr/lib/iproute2', '/usr/share/iproute2', '/etc/iproute2'];

/** The built-in entries of each file (iproute2 lib/rt_names.c), used when no file says otherwise. */
const DEFAULTS = {
  rt_tables: { 0: 'unspec', 253: 'default', 254: 'main', 255: 'local' },
  rt_protos: {
    0: 'unspec', 1: 'redirect', 2: 'kernel', 3: 'boot', 4: 'static', 8: 'gated', 9: 'ra', 10: 'mrt', 11: 'zebra',
    12: 'bird', 13: 'dnrouted', 14: 'xorp', 15: 'ntk', 16: 'dhcp', 18: 'keepalived', 42: 'babel', 99: 'openr',
    186: 'bgp', 187: 'isis', 188: 'ospf', 189: 'rip', 192: 'eigrp',
  },
  rt_scopes: { 0: 'global', 200: 'site', 253: 'link', 254: 'host', 255: 'nowhere' },
  rt_realms: { 0: 'cosmos' },
  group: { 0: 'default' },
} as const satisfies Record<string, Record<number, string>>;

export type NameFile = keyof typeof DEFAULTS;

/** Largest value of each kind (table ids are u32; protocols, scopes u8; realms u16...). */
const MAX: Record<NameFile, number> = { rt_tables: 0xffffffff, rt_protos: 255, rt_scopes: 255, rt_realms: 0xffff, group: 0x7fffffff };

/** What each kind is called in error messages. */
const LABEL: Record<NameFile, string> = { rt_tables: 'table', rt_protos: 'protocol', rt_scopes: 'scope', rt_realms: 'realm', group: 'group' };

/** One file's mapping both ways. */
export class NameTable {
  private readonly byValue = new Map<number, string>();
  private readonly byName = new Map<string, number>();

  constructor(readonly file: NameFile, entries: Iterable<[number, string]>) {
    for (const [v, n] of entries) {
      // a later line for the same number or name wins, as iproute2's reading order does
      this.byValue.set(v, n);
      this.byName.set(n, v);
    }
  }

  /** The name iproute2 prints for a value (its number as text when it has none). */
  name(value: number): string {
    return this.byValue.get(value) ?? String(value);
  }

  /** A value from a name or number (text or not); a typed error listing the names otherwise. */
  value(v: string | number, option: string = LABEL[this.file]): number {
    const n = typeof v === 'number' ? v : this.byName.get(v) ?? (/^(0x[0-9a-f]+|\d+)$/i.test(v) ? Number(v) : NaN);
    if (Number.isInteger(n) && n >= 0 && n <= MAX[this.file]) return n;
    if (typeof v === 'string' && !this.byName.has(v) && Number.isNaN(n))
      throw new NetlinkArgumentError(option, `must be a ${LABEL[this.file]} name or number, got ${quote(v)} (names: ${[...this.byName.keys()].join(', ')})`);
    throw new NetlinkArgumentError(option, `must be an integer 0..${MAX[this.file]}, got ${String(v)}`, 'ERR_OUT_OF_RANGE');
  }

  names(): string[] {
    return [...this.byName.keys()];
  }
}

/** `NUMBER NAME` lines; '#' starts a comment. Malformed lines are skipped, as iproute2 does. */
export function parseNameFile(text: string): [number, string][] {
  const out: [number, string][] = [];
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*/, '').trim();
    const m = /^(0x[0-9a-f]+|\d+)\s+([^\s]+)/i.exec(line);
    if (m) out.push([Number(m[1]), m[2]]);
  }
  return out;
}

// Most of the places looked in are missing (one of the three directories at most is there):
// existsSync asks without an exception, where each failed read made an Error with its stack
// (a fresh process's first ones cost a quarter of a millisecond, before a bulk call's first send).

function readIf(path: string): string {
  if (!existsSync(path)) return '';
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return ''; // gone since, or not a readable file
  }
}

function confFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  try {
    return readdirSync(dir).filter((f) => f.endsWith('.conf')).sort();
  } catch {
    return []; // not a directory
  }
}

function load(file: NameFile): NameTable {
  const entries: [number, string][] = Object.entries(DEFAULTS[file]).map(([v, n]) => [Number(v), n]);
  for (const dir of DIRS) {
    if (!existsSync(dir)) continue;
    entries.push(...parseNameFile(readIf(`${dir}/${file}`)));
    for (const f of confFiles(`${dir}/${file}.d`)) entries.push(...parseNameFile(readIf(`${dir}/${file}.d/${f}`)));
  }
  return new NameTable(file, entries);
}

const tables = new Map<NameFile, NameTable>();

/** The table for one file, read on first use and kept (iproute2 also reads them once per run). */
export function names(file: NameFile): NameTable {
  let t = tables.get(file);
  if (!t) tables.set(file, (t = load(file)));
  return t;
}

/** Forgets what was read: the files are read again on next use (tests, long-lived daemons). */
export function reloadNames(): void {
  tables.clear();
}

export const routeTables = (): NameTable => names('rt_tables');
export const routeProtocols = (): NameTable => names('rt_protos');
export const routeScopes = (): NameTable => names('rt_scopes');
export const routeRealms = (): NameTable => names('rt_realms');
export const linkGroups = (): NameTable => names('group');
