// Runs iproute2-style objects: one command line, or a -batch file. Opens the namespace's
// rtnetlink context on first use, turns every error into ip's text and exit status, and
// never shows a stack trace (NLKIT_DEBUG=1 adds it).
import { readFileSync, statSync } from 'node:fs';
import { RouteContext } from '../route/context.js';
import { netnsName } from '../core/transport.js';
import { type IpEnv, type Plan, IpUsageError, resolveCommand, runObject, Words } from './ip-command.js';
import { findObject, implemented, type ObjectRow } from './ip-objects.js';
import type { IpFlags } from './ip-options.js';
import { ipErrorText, strerror } from './ip-output.js';

export interface Io {
  out(text: string): void;
  err(text: string): void;
}

/** The environment of the options, and how to close what it opened. */
function envOf(flags: IpFlags, io: Io): IpEnv & { close(): void } {
  let route: RouteContext | undefined;
  return {
    close: () => route?.close(),
    netns: flags.netns, family: flags.family, json: flags.json, pretty: flags.pretty, details: flags.details, stats: flags.stats,
    oneline: flags.oneline, brief: flags.brief, force: flags.force, batch: flags.batch, rcvbuf: flags.rcvbuf, out: io.out, err: io.err,
    get route() {
      return (route ??= new RouteContext(flags.netns === undefined ? {} : { netns: flags.netns }));
    },
  };
}

function report(e: unknown, io: Io): number {
  const { text, status } = ipErrorText(e);
  io.err(`${text}\n`);
  if (process.env.NLKIT_DEBUG && e instanceof Error && e.stack) io.err(`${e.stack}\n`);
  return status;
}

/** ip checks -n NETNS before anything else: `Cannot open network namespace "x": ...`, status 255. */
function checkNetns(flags: IpFlags, io: Io): boolean {
  if (flags.netns === undefined) return true;
  try {
    // the engine's own rule for names (no '/', '.', '..', NUL); ip then finds no such file
    statSync(netnsName(flags.netns));
    return true;
  } catch (e) {
    const code = (e as { code?: string }).code;
    io.err(`Cannot open network namespace "${flags.netns}": ${strerror(code && /^E[A-Z0-9]+$/.test(code) ? code : 'ENOENT')}\n`);
    return false;
  }
}

async function loadObject(row: ObjectRow) {
  if (!row.load) {
    const have = implemented().map((o) => o.name).join(', ');
    throw new IpUsageError(`Object "${row.name}" is not implemented by nlkit yet; nlkit has: ${have}.`, 1);
  }
  return row.load();
}

/** `nlkit [OPTIONS] OBJECT ARGS...` for an iproute2-style object; resolves to the exit status. */
export async function runIp(row: ObjectRow, argv: readonly string[], flags: IpFlags, io: Io): Promise<number> {
  if (!checkNetns(flags, io)) return 255;
  const env = envOf(flags, io);
  try {
    return await runObject(await loadObject(row), argv, env);
  } catch (e) {
    return report(e, io);
  } finally {
    env.close();
  }
}

/** iproute2's makeargs: words split on blanks, '"' and '\'' quoting, '\\' escapes, '#' to the end of the line. */
export function lineWords(line: string): string[] {
  const words: string[] = [];
  let cur: string | undefined;
  let quote: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote) {
      if (c === quote) quote = undefined;
      else cur = (cur ?? '') + c;
    } else if (c === '"' || c === "'") {
      quote = c;
      cur ??= '';
    } else if (c === '\\' && i + 1 < line.length) cur = (cur ?? '') + line[++i];
    else if (/\s/.test(c)) {
      if (cur !== undefined) words.push(cur);
      cur = undefined;
    } else if (c === '#' && cur === undefined) break;
    else cur = (cur ?? '') + c;
  }
  if (cur !== undefined) words.push(cur);
  return words;
}

/** A -batch file's text ('-': standard input), or undefined after ip's message when it cannot be read. */
export function readBatchFile(file: string, io: Io): string | undefined {
  try {
    return readFileSync(file === '-' ? 0 : file, 'utf8');
  } catch (e) {
    io.err(`Cannot open file "${file}" for reading: ${strerror((e as { code?: string }).code)}\n`);
    return undefined;
  }
}

interface Pending {
  plan: Plan;
  lines: number[];
  specs: unknown[];
}

/**
 * -batch FILE: one command a line, as `ip -batch`. A failed line prints its error and
 * `Command failed FILE:LINE`, and stops the batch unless -force; the status is then 1.
 * Under -force, consecutive lines of one bulk-able command (address add, neigh del...) go to
 * the kernel as one transaction, each failure still reported against its own line. Without
 * -force the lines run one by one, since nothing after a failed line may run.
 * Unlike ip, a usage error in a line is reported with its line number like any other failure
 * (ip exits at once with status 255).
 */
export async function runBatch(flags: IpFlags, io: Io): Promise<number> {
  const file = flags.batch!;
  const text = readBatchFile(file, io);
  if (text === undefined) return 1;
  if (!checkNetns(flags, io)) return 255;
  const env = envOf(flags, io);
  let status = 0;
  let stop = false;
  const failed = (line: number, e: unknown) => {
    report(e, io);
    io.err(`Command failed ${file}:${line}\n`);
    status = 1;
    if (!flags.force) stop = true;
  };
  let pending: Pending | undefined;
  const flush = async () => {
    const p = pending;
    pending = undefined;
    if (!p) return;
    try {
      const r = await p.plan.runMany(env, p.specs);
      for (const f of r.failures) failed(p.lines[f.index], f.error);
    } catch (e) {
      for (const l of p.lines) failed(l, e);
    }
  };
  try {
    const lines = text.split('\n');
    for (let n = 0; n < lines.length && !stop; n++) {
      const words = lineWords(lines[n]);
      if (words.length === 0) continue;
      const lineNo = n + 1;
      try {
        const row = findObject(words[0]);
        if (!row) throw new IpUsageError(`Object "${words[0]}" is unknown, try "nlkit help".`, 1);
        if (!row.load) throw new IpUsageError(row.group ? `"${row.name}" cannot be used in -batch (ip's objects only).` : `Object "${row.name}" is not implemented by nlkit yet.`, 1);
        const obj = await row.load();
        if (flags.force) {
          const cmd = resolveCommand(obj, words[1]);
          if (cmd.plan && words.length > 1) {
            const plan = cmd.plan(new Words(words.slice(2)), env);
            if (pending && pending.plan.key !== plan.key) await flush();
            pending ??= { plan, lines: [], specs: [] };
            pending.lines.push(lineNo);
            pending.specs.push(plan.spec);
            continue;
          }
        }
        await flush();
        const code = await runObject(obj, words.slice(1), env);
        if (code !== 0) {
          io.err(`Command failed ${file}:${lineNo}\n`);
          status = 1;
          if (!flags.force) stop = true;
        }
      } catch (e) {
        await flush();
        failed(lineNo, e);
      }
    }
    await flush();
  } finally {
    env.close();
  }
  return status;
}
