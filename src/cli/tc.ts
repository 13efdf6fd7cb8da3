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
       OPTIONS := { -s[tatistics] | -d[etails] | -j[son] | -p[retty] | -n[etns] name | -b[atch] FILE [ -f[orce] ] }
`;

/**
 * `tc -batch FILE`: one command a line without the word tc (`qdisc add dev X root htb`), run
 * in order. A failed line prints its error and `Command failed FILE:LINE` and stops the batch
 * unless -force; the status is then 1.
 */
async function runBatch(flags: IpFlags, io: Io): Promise<number> {
  const file = flags.batch!;
  const { runIp, lineWords, readBatchFile } = await import('./ip-run.js');
  const text = readBatchFile(file, io);
  if (text === undefined) return 1;
  const lineFlags: IpFlags = { ...flags, batch: undefined };
  let status = 0;
  const lines = text.split('\n');
  for (let n = 0; n < lines.length; n++) {
    const [word, ...args] = lineWords(lines[n]);
    if (word === undefined) continue;
    const row = findTcObject(word);
    const code = !row ? (io.err(`Object "${word}" is unknown, try "tc help".\n`), 1) : await runIp(row, args, lineFlags, io);
    if (code === 0) continue;
    io.err(`Command failed ${file}:${n + 1}\n`);
    status = 1;
    if (!flags.force) break;
  }
  return status;
}

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
  if (merged.batch !== undefined) return runBatch(merged, io);
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
