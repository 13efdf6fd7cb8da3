// Streaming commands (nlkit proc, uevent, audit watch): items printed as they come until
// SIGINT, SIGTERM, --count or --duration; overruns and undecodable messages reported on
// stderr, the stream going on.
import { type Parsed, UsageError } from './args.js';
import { type CommandGroup, CommandError, type Context, parseGroupArgs } from './command.js';
import type { EventItem } from '../core/event-items.js';
import { toJson } from './ynl.js';

export const STREAM_OPTIONS = [
  { name: 'count', short: 'c', type: 'string', description: 'stop after N items' },
  { name: 'duration', type: 'string', description: 'stop after this many seconds' },
] as const;

export const STREAM_USAGE = `  -c, --count N    stop after N items
  --duration SECS  stop after this long
  -j, --json       one JSON object per line
`;

function positive(v: unknown, name: string, integer: boolean): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (typeof v !== 'string' || v.trim() === '' || !Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n)))
    throw new UsageError(`--${name} needs a positive ${integer ? 'integer' : 'number'}, got "${String(v)}"`);
  if (!integer && n > 2147483) throw new UsageError(`--${name} is at most 2147483 seconds`);
  return n;
}

/** Checks --count and --duration: call before opening anything. */
export function streamLimits(opts: Record<string, unknown>): { count?: number; duration?: number } {
  return { count: positive(opts.count, 'count', true), duration: positive(opts.duration, 'duration', false) };
}

export function printJsonLine(ctx: Context, value: unknown): void {
  ctx.out(toJson(value, ctx.pretty ? 4 : 0) + '\n');
}

/** Prints each item (JSON lines under -j, else `text(item)`) until a signal or a limit. */
export async function streamItems<T>(
  ctx: Context, group: string, stream: AsyncIterable<EventItem<T>> & { close(): void }, limits: { count?: number; duration?: number },
  text: (item: T) => string,
): Promise<void> {
  const stop = (): void => stream.close();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const timer = limits.duration === undefined ? undefined : setTimeout(stop, limits.duration * 1000);
  let seen = 0;
  try {
    for await (const item of stream) {
      const kind = (item as { type?: unknown }).type;
      if (kind === 'overrun') ctx.err(`nlkit: ${group}: overrun: the kernel dropped events (ENOBUFS)\n`);
      else if (kind === 'error') {
        const e = (item as { error: unknown }).error;
        ctx.err(`nlkit: ${group}: undecodable message: ${e instanceof Error ? e.message : String(e)}\n`);
      } else {
        if (ctx.json) printJsonLine(ctx, item);
        else ctx.out(text(item as T));
        if (limits.count !== undefined && ++seen >= limits.count) break;
      }
    }
  } catch (e) {
    if (e instanceof Error) throw new CommandError(e.message, { cause: e });
    throw e;
  } finally {
    if (timer) clearTimeout(timer);
    process.removeListener('SIGINT', stop);
    process.removeListener('SIGTERM', stop);
    stream.close();
  }
}

/**
 * A command group that only streams: options checked, the stream opened by `open` (with
 * the options), each item printed by `text` (or as JSON) until a signal or a limit.
 */
export function streamCommand<T>(
  name: string, usage: string, options: Parameters<typeof parseGroupArgs>[2],
  open: (opts: Parsed['options'], ctx: Context) => { stream: AsyncIterable<EventItem<T>> & { close(): void }; text: (item: T) => string },
): CommandGroup {
  return {
    name,
    usage,
    async run(argv, ctx) {
      const { options: opts, positionals } = parseGroupArgs(argv, ctx, options);
      if (positionals.length) throw new UsageError(`unexpected argument "${positionals[0]}"`);
      const limits = streamLimits(opts);
      const { stream, text } = open(opts, ctx);
      await streamItems(ctx, name, stream, limits, text);
    },
  };
}
