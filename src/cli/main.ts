#!/usr/bin/env node
// nlkit: the command-line front end. Parses the options before the group name,
// dispatches to a command group (each in its own module, loaded on demand), and turns
// errors into messages and exit codes: 0 ok, 1 usage error, 2 failure (kernel, socket).
import { readFileSync, realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { matchKeyword, parseArgs, formatOptions, UsageError } from './args.js';
import { type CommandGroup, type Context, GLOBAL_OPTIONS, HelpRequest } from './command.js';

interface GroupEntry {
  name: string;
  aliases?: readonly string[];
  /** One line for `nlkit --help`. */
  summary: string;
  load(): Promise<CommandGroup>;
}

/** The command groups. A new group is a module exporting a CommandGroup, and a row here. */
export const GROUPS: readonly GroupEntry[] = [
  {
    name: 'genl',
    summary: 'generic netlink families: ids, operations, multicast groups',
    load: async () => (await import('./genl.js')).genl,
  },
  {
    name: 'proc',
    summary: 'process events: fork, exec, exit, uid/gid changes... as they happen',
    load: async () => (await import('./proc.js')).proc,
  },
  {
    name: 'uevent',
    summary: 'kernel and udev device events (uevents), in a namespace too',
    load: async () => (await import('./uevent.js')).uevent,
  },
  {
    name: 'audit',
    summary: 'kernel audit: status, rules in auditctl terms, user messages, records',
    load: async () => (await import('./audit.js')).audit,
  },
  {
    name: 'ynl',
    summary: 'any YNL-described family: do, dump, subscribe, list operations and attributes',
    load: async () => (await import('./ynl.js')).ynl,
  },
];

const PROG = 'nlkit';

function usage(): string {
  const width = Math.max(...GROUPS.map((g) => g.name.length));
  return `Usage: ${PROG} [OPTIONS] GROUP [COMMAND] [ARGS...] [OPTIONS]
       ${PROG} GROUP help
       ${PROG} { --help | --version }

Groups:
${GROUPS.map((g) => `  ${g.name.padEnd(width)}  ${g.summary}`).join('\n')}

Options:
${formatOptions(GLOBAL_OPTIONS)}
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

/** Runs one nlkit command line; resolves to the exit code. */
export async function main(argv: readonly string[], io: Io = stdio): Promise<number> {
  const ctx: Context = { json: false, pretty: false, details: false, out: io.out, err: io.err };

  let parsed;
  try {
    parsed = parseArgs(argv, GLOBAL_OPTIONS, { stopAtPositional: true });
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    io.err(`${PROG}: ${e.message}\n${shortUsage(usage())}`);
    return 1;
  }
  const { options, positionals } = parsed;
  if (options.version) {
    io.out(`${version()}\n`);
    return 0;
  }
  if (options.json) ctx.json = true;
  if (options.pretty) ctx.pretty = true;
  if (options.details) ctx.details = true;

  const [first, ...rest] = positionals;
  if (options.help || first === 'help') {
    // nlkit help [GROUP]
    const target = options.help ? first : rest[0];
    let entry: GroupEntry | undefined;
    try {
      entry = target === undefined ? undefined : findGroup(target);
    } catch {
      // ambiguous: the general usage
    }
    if (entry) io.out((await entry.load()).usage);
    else io.out(usage());
    return 0;
  }
  if (first === undefined) {
    io.err(shortUsage(usage()));
    return 1;
  }

  let entry: GroupEntry | undefined;
  try {
    entry = findGroup(first);
    if (!entry) throw new UsageError(`unknown command group "${first}"; try "${PROG} --help"`);
  } catch (e) {
    io.err(`${PROG}: ${errorText(e)}\n${shortUsage(usage())}`);
    return 1;
  }

  const group = await entry.load();
  const prefix = `${PROG}: ${group.name}: `;
  try {
    if (rest[0] === 'help') {
      io.out(group.usage);
      return 0;
    }
    return (await group.run(rest, ctx)) ?? 0;
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

function findGroup(word: string): GroupEntry | undefined {
  return GROUPS.find((g) => g.name === matchKeyword(word, GROUPS));
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

if (invokedDirectly()) {
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
      process.stderr.write(`${PROG}: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      process.exitCode = 2;
    },
  );
}
