// What a command group (genl, and later link, addr, route, monitor, ss, ynl) sees of
// the nlkit command: the shared options, output, and the errors it may throw.
import { type OptionSpec, type Parsed, parseArgs } from './args.js';

/** Options every group accepts, before or after the group name. */
export const GLOBAL_OPTIONS: readonly OptionSpec[] = [
  { name: 'json', short: 'j', type: 'boolean', description: 'print JSON' },
  { name: 'pretty', short: 'p', type: 'boolean', description: 'indent JSON output' },
  { name: 'details', short: 'd', type: 'boolean', description: 'print more details' },
  { name: 'help', short: 'h', type: 'boolean', description: 'print help and exit' },
  { name: 'version', short: 'V', type: 'boolean', description: 'print the version and exit' },
];

export interface Context {
  json: boolean;
  pretty: boolean;
  details: boolean;
  /** Writes to standard output. */
  out(text: string): void;
  /** Writes to standard error. */
  err(text: string): void;
}

/** Thrown by parseGroupArgs on --help or --version; main prints the group's usage or the version. */
export class HelpRequest extends Error {
  override readonly name = 'HelpRequest';
  constructor(readonly what: 'help' | 'version') {
    super(what);
  }
}

/**
 * The options and positionals a group was given; GLOBAL_OPTIONS are folded into ctx.
 * Throws HelpRequest for --help / --version, UsageError for unknown options.
 */
export function parseGroupArgs(argv: readonly string[], ctx: Context, extra: readonly OptionSpec[] = []): Parsed {
  const parsed = parseArgs(argv, [...GLOBAL_OPTIONS, ...extra]);
  if (parsed.options.help) throw new HelpRequest('help');
  if (parsed.options.version) throw new HelpRequest('version');
  if (parsed.options.json) ctx.json = true;
  if (parsed.options.pretty) ctx.pretty = true;
  if (parsed.options.details) ctx.details = true;
  return parsed;
}

/** Prints a value as JSON (one line, or indented under --pretty), newline-terminated. */
export function printJson(ctx: Context, value: unknown): void {
  ctx.out(JSON.stringify(value, null, ctx.pretty ? 4 : undefined) + '\n');
}

/**
 * A failure while running a command (the kernel refused, a socket could not be opened):
 * printed as `nlkit: GROUP: MESSAGE`, exit code 2.
 */
export class CommandError extends Error {
  override readonly name = 'CommandError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** One command group: `nlkit NAME ...`. */
export interface CommandGroup {
  name: string;
  aliases?: readonly string[];
  /** Full usage text for `nlkit NAME help`, also printed after usage errors. */
  usage: string;
  /** Runs with the words after the group name. Resolves to an exit code (default 0). */
  run(argv: readonly string[], ctx: Context): number | void | Promise<number | void>;
}
