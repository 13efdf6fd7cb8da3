// Which /run/netns name each namespace id of a namespace stands for: the names an all-nsid
// monitor puts beside the ids its events carry. (One small function: the nsid module's
// lookup may take its place.)
import { closeSync, openSync, readdirSync } from 'node:fs';
import { attrTable } from '../core/attributes.js';
import type { Connection } from '../core/connection.js';
import { RTM_GETNSID } from '../core/rtnetlink.js';

const NETNS_DIR = '/run/netns';
const RTGENMSG_LEN = 4;
const NETNSA_NSID = 1, NETNSA_FD = 3;

/**
 * nsid -> name for every named namespace that has an id in `conn`'s namespace (RTM_GETNSID
 * with the namespace's fd, as `ip netns list-id` names them). Ids are never assigned here.
 */
export function namespaceIds(conn: Connection): Map<number, string> {
  const out = new Map<number, string>();
  let names: string[];
  try {
    names = readdirSync(NETNS_DIR);
  } catch {
    return out;
  }
  for (const name of names) {
    let fd: number;
    try {
      fd = openSync(`${NETNS_DIR}/${name}`, 'r');
    } catch {
      continue; // gone meanwhile, or not a namespace file we may open
    }
    try {
      const [nsid] = conn.runSync({
        type: RTM_GETNSID, ack: false,
        payload: (w) => { w.zeros(RTGENMSG_LEN); w.attrU32(NETNSA_FD, fd); },
        decode: (m) => attrTable(m.buf, m.start + RTGENMSG_LEN, m.end).get(NETNSA_NSID)?.readInt32LE(0) ?? -1,
      });
      if (nsid !== undefined && nsid >= 0) out.set(nsid, name);
    } catch {
      // not a network namespace (a stray file): no id
    } finally {
      closeSync(fd);
    }
  }
  return out;
}
