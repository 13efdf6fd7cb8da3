// Which processes hold which sockets: /proc/PID/fd links of the form socket:[INODE], as ss -p
// reads them. Processes that vanish or cannot be read (another user's, without root) are skipped.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

export interface SocketUser {
  /** The command (/proc/PID/comm). */
  command: string;
  pid: number;
  fd: number;
}

/** socket inode -> its users, for every process this one may read. */
export function processesBySocket(proc = '/proc'): Map<number, SocketUser[]> {
  const out = new Map<number, SocketUser[]>();
  for (const name of readdirSync(proc)) {
    if (!/^\d+$/.test(name)) continue;
    let fds: string[];
    try {
      fds = readdirSync(`${proc}/${name}/fd`);
    } catch {
      continue;
    }
    let command: string | undefined;
    for (const fd of fds) {
      let link: string;
      try {
        link = readlinkSync(`${proc}/${name}/fd/${fd}`);
      } catch {
        continue;
      }
      const m = /^socket:\[(\d+)\]$/.exec(link);
      if (!m) continue;
      try {
        command ??= readFileSync(`${proc}/${name}/comm`, 'utf8').replace(/\n$/, '');
      } catch {
        command = '';
      }
      const inode = Number(m[1]);
      const users = out.get(inode) ?? [];
      users.push({ command, pid: Number(name), fd: Number(fd) });
      out.set(inode, users);
    }
  }
  return out;
}
