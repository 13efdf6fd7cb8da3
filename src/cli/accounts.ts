// User and group names as ip's getpwnam/getgrnam and getpwuid/getgrgid find them: from
// /etc/passwd and /etc/group, each read once per process (a listing asks for every tun link).
import { readFileSync } from 'node:fs';

export type AccountFile = '/etc/passwd' | '/etc/group';

interface Accounts {
  ids: Map<string, number>;
  names: Map<number, string>;
}

const read = new Map<AccountFile, Accounts>();

/** The file's entries both ways, the first line winning as in libc (none without the file). */
function accounts(file: AccountFile): Accounts {
  let found = read.get(file);
  if (found) return found;
  found = { ids: new Map(), names: new Map() };
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    // no file: numbers only
  }
  for (const line of text.split('\n')) {
    const [name, , id] = line.split(':');
    if (!/^\d+$/.test(id ?? '')) continue;
    if (!found.ids.has(name)) found.ids.set(name, Number(id));
    if (!found.names.has(Number(id))) found.names.set(Number(id), name);
  }
  read.set(file, found);
  return found;
}

/** The uid or gid of a name; undefined where the file has none. */
export function accountId(name: string, file: AccountFile): number | undefined {
  return accounts(file).ids.get(name);
}

/** A uid or gid by its name where the file has one, else the number. */
export function accountName(id: number, file: AccountFile): string | number {
  return accounts(file).names.get(id) ?? id;
}
