#!/usr/bin/env node
// nlkit: the command-line front end. Reads ip's global options (ip-options.ts) before the
// object, resolves the object as ip does (ip-objects.ts: `nlkit a` is address), and runs
// either an iproute2-style object (ip-run.ts) or one of nlkit's own command groups (genl,
// ynl, completion), each in its own module, loaded on demand. Exit status: 0 ok; for the
// iproute2-style objects ip's (1 usage, 2 kernel refusal, 255 invalid argument); for the
// groups 1 usage error, 2 failure.
import { readFileSync, realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { UsageError } from './args.js';
import type { Context } from './command.js';
import { HelpRequest } from './command.js';
import { findObject, implemented, type ObjectRow } from './ip-objects.js';
import { optionsHelp, parseIpOptions } from './ip-options.js';

const PROG = 'nlkit';

function usage(): string {
  const rows = implemented();
  const width = Math.max(...rows.map((g) => g.name.length));
  return `Usage: ${PROG} [ OPTIONS ] OBJECT { COMMAND | help }
       ${PROG} [ -force ] -batch FILENAME
       ${PROG} { -help | -Version }

Objects (any unambiguous prefix, resolved in iproute2's order: a = address, n = neighbor):
${rows.map((g) => `  ${g.name.padEnd(width)}  ${g.summary ?? ''}`).join('\n')}

Options (before the object; one or two dashes, any prefix, as ip takes them):
${optionsHelp()}

${PROG} OBJECT help prints an object's commands and arguments.
`;
}

/** The first paragraph of a usage text: what follows a usage error. */
function shortUsage(text: string): string {
  return text.split('\n\n')[0].trimEnd() + '\n';
}

export function version(): string {
  try {
    // dist/src/cli/main.js -> package root.
    const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version?: string };
    return pkg.version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

export interface Io {
  out(text: string): void;
  err(text: string): void;
}

const stdio: Io = {
  out: (t) => void process.stdout.write(t),
  err: (t) => void process.stderr.write(t),
};

function errorText(e: unknown): string {
  if (e instanceof Error) return e.message;
  return String(e);
}

/** The help text of a row: an object's from its table, a group's own. */
async function rowHelp(row: ObjectRow): Promise<string | undefined> {
  if (row.group) return (await row.group()).usage;
  if (row.load) return (await import('./ip-command.js')).objectUsage(await row.load());
  if (row.usage) return row.usage();
  return undefined;
}

/** Runs one nlkit command line; resolves to the exit code. */
export async function main(argv: readonly string[], io: Io = stdio): Promise<number> {
  let parsed;
  try {
    parsed = parseIpOptions(argv);
  } catch (e) {
    io.err(`${errorText(e)}\n`);
    return 255;
  }
  const { flags, rest } = parsed;
  if (flags.version) {
    io.out(`${version()}\n`);
    return 0;
  }
  const [first, ...more] = rest;
  if (flags.help || first === 'help') {
    // nlkit help [OBJECT]
    const target = flags.help ? first : more[0];
    const row = target === undefined ? undefined : findObject(target);
    io.out((row && (await rowHelp(row))) ?? usage());
    return 0;
  }
  if (flags.batch !== undefined) return (await import('./ip-run.js')).runBatch(flags, io);
  if (first === undefined) {
    io.err(shortUsage(usage()));
    return 1;
  }
  const row = findObject(first);
  if (!row) {
    io.err(`Object "${first}" is unknown, try "${PROG} help".\n${shortUsage(usage())}`);
    return 1;
  }
  if (row.run) return row.run(more, flags, io);
  if (!row.group) return (await import('./ip-run.js')).runIp(row, more, flags, io);

  if (flags.netns !== undefined) {
    // the groups open their sockets themselves: running in the caller's namespace unasked would mislead
    io.err(`${PROG}: -n/-netns is for ip's objects; ${row.name} takes its own option for a namespace (see "${PROG} ${row.name} help")\n`);
    return 1;
  }
  const ctx: Context = { json: flags.json, pretty: flags.pretty, details: flags.details > 0, out: io.out, err: io.err };
  const group = await row.group();
  const prefix = `${PROG}: ${group.name}: `;
  try {
    if (more[0] === 'help') {
      io.out(group.usage);
      return 0;
    }
    return (await group.run(more, ctx)) ?? 0;
  } catch (e) {
    if (e instanceof HelpRequest) {
      io.out(e.what === 'version' ? `${version()}\n` : group.usage);
      return 0;
    }
    if (e instanceof UsageError) {
      io.err(`${prefix}${e.message}\n${shortUsage(group.usage)}`);
      return 1;
    }
    io.err(`${prefix}${errorText(e)}\n`);
    if (process.env.NLKIT_DEBUG && e instanceof Error && e.stack) io.err(`${e.stack}\n`);
    return 2;
  }
}

function invokedDirectly(): boolean {
  const script = process.argv[1];
  if (!script) return false;
  try {
    return import.meta.url === pathToFileURL(realpathSync(script)).href;
  } catch {
    return false;
  }
}

/** Runs the command line of this process (the bin's entry, dist/bundle/cli/main.js, calls it). */
export function runFromProcess(): void {
  // `nlkit genl list | head`: a closed pipe is not an error.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      // never a stack trace unless asked for (NLKIT_DEBUG=1)
      const debug = process.env.NLKIT_DEBUG && e instanceof Error ? e.stack : undefined;
      process.stderr.write(`${PROG}: ${debug ?? (e instanceof Error ? e.message : String(e))}\n`);
      process.exitCode = 2;
    },
  );
}

if (invokedDirectly()) runFromProcess();
