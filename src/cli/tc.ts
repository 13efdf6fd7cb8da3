// `nlkit tc ...` as `tc ...`: tc's global options after `tc` (-s, -d, -j, -p, -n NETNS; the
// same as nlkit's, which may also come before `tc`), then an object of tc-objects.ts resolved
// as tc.c's do_cmd resolves it, run by the iproute2-style runner so that errors and exit
// statuses are tc's.
import type { Io } from './ip-run.js';
import { parseIpOptions } from './ip-options.js';
import type { IpFlags } from './ip-command.js';
import { findTcObject, TC_OBJECTS } from './tc-objects.js';

export const TC_USAGE = `Usage: nlkit tc [ OPTIONS ] OBJECT { COMMAND | help }
where  OBJECT := { ${TC_OBJECTS.filter((o) => o.load).map((o) => o.name).join(' | ')} }
       OPTIONS := { -s[tatistics] | -d[etails] | -j[son] | -p[retty] | -n[etns] name }
`;

/** `nlkit [OPTIONS] tc [OPTIONS] OBJECT ...`: the exit status. */
export async function runTc(argv: readonly string[], flags: IpFlags, io: Io): Promise<number> {
  let rest: string[];
  const merged: IpFlags = { ...flags };
  try {
    ({ rest } = parseIpOptions(argv, merged));
  } catch (e) {
    io.err(`${(e as Error).message}\n`);
    return 255;
  }
  const [word, ...args] = rest;
  if (word === undefined || merged.help || word === 'help') {
    (word === undefined ? io.err : io.out)(TC_USAGE);
    return word === undefined ? 255 : 0;
  }
  const row = findTcObject(word);
  if (!row) {
    io.err(`Object "${word}" is unknown, try "tc help".\n`);
    return 255;
  }
  if (!row.load) {
    io.err(`Object "${row.name}" is not implemented by nlkit tc yet.\n`);
    return 1;
  }
  return (await import('./ip-run.js')).runIp(row, args, merged, io);
}
