// The iproute2-style half of the nlkit command: what an OBJECT (`nlkit address`, `nlkit neigh`...)
// is made of, how its subcommands and keyword arguments are matched (as `ip` matches them:
// the first entry of a table in order that the word is a prefix of), and the environment the
// global options (-n, -4, -j, -s...) make for it.
//
// Adding an object (`link`, `route`, `rule`, `nexthop`, `monitor`...):
//   1. a module src/cli/ip-NAME.ts exporting an `IpObject`: its help text and a `commands`
//      table in ip's matching order (ip's do_ipNAME if/else chain: `add` before `append`...),
//      each command a `run(words, env)`; keyword arguments through `parseKeywords` with a
//      grammar table (see ip-address.ts); bulk-able commands (add/del...) also a `plan` so
//      -batch -force runs consecutive lines as one transaction (`entryCommands` makes
//      add/change/replace/del of an entry table with both); output through `printJson` and
//      errors left to the runner (ip-output.ts words them as ip does);
//   2. its loader in the `load` field of its row in OBJECTS (ip-objects.ts), which already
//      lists every ip object in iproute2's order so abbreviations resolve as ip resolves them.
// --help, `help`, the completion scripts and -batch come from these tables with no more code.
import type { RouteContext } from '../route/context.js';
import { parsePrefix, type Prefix } from '../route/inet.js';
import { UsageError } from './args.js';

/** What ip's global options set (ip-options.ts reads them). */
export interface IpFlags {
  /** -n NETNS: every request runs in this namespace. */
  netns?: string;
  /** -4 / -6 / -f FAMILY: 'inet', 'inet6', 'link', ... */
  family?: string;
  json: boolean;
  pretty: boolean;
  /** -d, -s: how many times given. */
  details: number;
  stats: number;
  oneline: boolean;
  brief: boolean;
  force: boolean;
  /** -batch FILE ('-': standard input). */
  batch?: string;
  /** -rcvbuf SIZE: the receive buffer of event sockets (nlkit monitor), in bytes. */
  rcvbuf?: number;
  help: boolean;
  version: boolean;
}

/** What a command runs with: the options, the output, the namespace's context. */
export interface IpEnv extends Omit<IpFlags, 'help' | 'version'> {
  out(text: string): void;
  err(text: string): void;
  /** The namespace's rtnetlink context, opened on first use and closed by the runner. */
  readonly route: RouteContext;
}

/** A bulk-able command's work, for -batch: `module[method](spec)`, many specs in one transaction. */
export interface Plan {
  /** Lines with the same key are sent together, one transaction, when -force is on. */
  key: string;
  spec: unknown;
  /** Runs many specs at once: the failures by index (into `specs`). */
  runMany(env: IpEnv, specs: unknown[]): Promise<{ failures: { index: number; error: Error }[] }>;
}

export interface IpCommand {
  /** ip's spelling; any prefix of it matches (unless an earlier command claims it). */
  name: string;
  /** Other spellings ip accepts ('lst', 'chg'), matched by prefix too. */
  aliases?: readonly string[];
  /** The synopsis after `nlkit OBJECT`: 'add IFADDR dev IFNAME [ LIFETIME ] ...'. */
  synopsis: string;
  /** Keywords this command takes, for completion. */
  keywords?: readonly string[];
  run(words: Words, env: IpEnv): Promise<number | void> | number | void;
  /** For -batch: the same parse as run, without running. Absent: the command runs line by line. */
  plan?(words: Words, env: IpEnv): Plan;
}

export interface IpObject {
  /** ip's name ('address'); help texts say `nlkit address ...`. */
  name: string;
  /** The command run when none is given (ip: list). */
  default: string;
  commands: readonly IpCommand[];
  /** Extra lines after the synopses in `help` (the grammar's terms). */
  where?: string;
}

/**
 * A usage error as ip reports it: the message (ip's words), and ip's exit status for it (1 for
 * most, 255 where ip calls exit(-1): an invalid argument value, an unknown command).
 */
export class IpUsageError extends UsageError {
  constructor(message: string, readonly status: number = 255) {
    super(message);
  }
}

/** Under -0 (AF_PACKET) ip's get_prefix takes no inet prefix: its error, status 1. */
export function refuseUnderLink(text: string, family: string | undefined): void {
  if (family === 'link') throw new IpUsageError(`Error: "${text}" may be inet prefix, but it is not allowed in this context.`, 1);
}

/**
 * A prefix word as ip's get_prefix reads it: of the -4/-6 family when one is given, refused
 * under -0 (AF_PACKET), else ip's words and exit status 1. undefined: default/any/all with no
 * family, which ip reads as every address of both families.
 */
export function prefixArg(text: string, family: string | undefined, option = 'to'): Prefix | undefined {
  refuseUnderLink(text, family);
  const six = family === 'inet6';
  const named = six || family === 'inet';
  if (!named && (text === 'default' || text === 'any' || text === 'all')) return undefined;
  try {
    return parsePrefix(text, option, named ? (six ? 10 : 2) : undefined);
  } catch {
    throw new IpUsageError(`Error: ${named ? family : 'any valid'} prefix is expected rather than "${text}".`, 1);
  }
}

/** An unsigned number as ip's get_u32 reads it (decimal or 0x hex) up to max; undefined otherwise. */
export function getUint(text: string, max = 0xffffffff): number | undefined {
  const v = /^(0x[0-9a-f]+|\d+)$/i.test(text) ? Number(text) : NaN;
  return v <= max ? v : undefined;
}

/** A u32 word as ip's get_u32 reads it, else ip's `"WHAT" value is invalid` (`nl`: the newline some of ip's texts end with). */
export function uintValue(text: string, what: string, max = 0xffffffff, nl = '\n'): number {
  const v = getUint(text, max);
  if (v === undefined) throw invalidArgument(`"${what}" value is invalid${nl}`, text);
  return v;
}

/** ip's `invarg`: `Error: argument "X" is wrong: WHAT` (exit 255). */
export function invalidArgument(what: string, arg: string): IpUsageError {
  return new IpUsageError(`Error: argument "${arg}" is wrong: ${what}`);
}

/** ip's `duparg`: a keyword given twice. */
export function duplicateArgument(key: string, arg: string): IpUsageError {
  return new IpUsageError(`Error: duplicate "${key}": "${arg}" is the second value.`);
}

/** ip's `duparg2`: a bare word where the value it stands for was given already. */
export function duplicateOrGarbage(key: string, arg: string): IpUsageError {
  return new IpUsageError(`Error: either "${key}" is duplicate, or "${arg}" is a garbage.`);
}

/** iproute2's `matches`: a non-empty prefix of the name. */
export function isPrefix(word: string, name: string): boolean {
  return word.length > 0 && name.startsWith(word);
}

/** The first entry whose name (or an alias) `word` is a prefix of: ip's order-dependent matching. */
export function ipMatch<T extends { name: string; aliases?: readonly string[] }>(word: string, table: readonly T[]): T | undefined {
  return table.find((e) => isPrefix(word, e.name) || e.aliases?.some((a) => isPrefix(word, a)));
}

/** A cursor over a command's words, with ip's NEXT_ARG check. */
export class Words {
  private i = 0;
  constructor(readonly words: readonly string[]) {}

  get done(): boolean {
    return this.i >= this.words.length;
  }
  peek(): string | undefined {
    return this.words[this.i];
  }
  shift(): string | undefined {
    return this.words[this.i++];
  }
  /** The value after a keyword: ip's "Command line is not complete" when there is none. */
  value(): string {
    if (this.done) throw new IpUsageError('Command line is not complete. Try option "help"');
    return this.words[this.i++];
  }
  rest(): string[] {
    const r = this.words.slice(this.i);
    this.i = this.words.length;
    return r;
  }
}

/** One keyword of a grammar: `dev IFNAME`, `nodad`, `peer|remote PREFIX`. */
export interface Keyword {
  /** Spellings; the first is the key in the result unless `key` says otherwise. */
  names: readonly string[];
  /** 'exact' (ip's strcmp) or 'prefix' (ip's matches). Default exact. */
  match?: 'exact' | 'prefix';
  /** Takes the next word as its value (ip's NEXT_ARG); otherwise a flag. */
  value?: boolean;
  /** Where the result goes (several keywords may share one, e.g. flag words into 'flags'). */
  key?: string;
  /** Collects every occurrence in an array (default: the last one wins, as ip's plain assignments). */
  list?: boolean;
  /** Refuses a second occurrence (ip's duparg). */
  once?: boolean;
}

export interface Grammar {
  keywords: readonly Keyword[];
  /**
   * Where a word that is no keyword goes (ip's `else` branch: `ip addr add 10.0.0.1/24`,
   * `ip addr show eth0`); an optional keyword may precede it ('local', 'dev').
   */
  positional?: { key: string; keyword?: string };
}

export type Parsed = Record<string, string | true | string[]>;

/** Reads a command's keyword arguments by a grammar table, refusing duplicates as ip does. */
export function parseKeywords(words: Words, grammar: Grammar): Parsed {
  const out: Parsed = {};
  const put = (kw: Keyword, v: string | true, arg: string) => {
    const key = kw.key ?? kw.names[0];
    if (kw.list) {
      const prev = out[key];
      out[key] = [...(Array.isArray(prev) ? prev : []), v === true ? arg : v];
      return;
    }
    if (kw.once && key in out) throw duplicateArgument(key, typeof v === 'string' ? v : arg);
    out[key] = v;
  };
  while (!words.done) {
    const w = words.shift()!;
    if (w === 'help') throw new HelpWanted();
    const kw = grammar.keywords.find((k) => k.names.some((n) => (k.match === 'prefix' ? isPrefix(w, n) : w === n)));
    if (kw) {
      put(kw, kw.value ? words.value() : true, w);
      continue;
    }
    const pos = grammar.positional;
    if (!pos) throw new IpUsageError(`Error: unknown argument "${w}".`);
    const v = pos.keyword !== undefined && w === pos.keyword ? words.value() : w;
    if (pos.key in out) throw duplicateOrGarbage(pos.keyword ?? pos.key, v);
    out[pos.key] = v;
  }
  return out;
}

/** The commands that write entries, in the order ip matches them (address, neigh). */
export const ENTRY_METHODS = ['add', 'change', 'replace', 'delete'] as const;
export type EntryMethod = (typeof ENTRY_METHODS)[number];

/**
 * add, change (chg), replace and del of an entry table: each parsed by one grammar into a
 * spec, run alone, or in -batch -force together with its neighbours (the table's method given
 * an array: one transaction, failures by index).
 */
export function entryCommands<S>(o: {
  object: string;
  grammar: Grammar;
  synopsis: Record<EntryMethod, string>;
  spec: (p: Parsed, env: IpEnv, method: EntryMethod) => S;
  table: (env: IpEnv) => Record<EntryMethod, (arg: S | S[]) => Promise<unknown>>;
}): IpCommand[] {
  return ENTRY_METHODS.map((name) => {
    const parse = (words: Words, env: IpEnv) => o.spec(parseKeywords(words, o.grammar), env, name);
    return {
      name, aliases: name === 'change' ? ['chg'] : undefined, synopsis: o.synopsis[name], keywords: keywordsOf(o.grammar),
      run: async (words: Words, env: IpEnv) => void (await o.table(env)[name](parse(words, env))),
      plan: (words: Words, env: IpEnv): Plan => ({
        key: `${o.object} ${name}`,
        spec: parse(words, env),
        runMany: async (e, specs) => (await o.table(e)[name](specs as S[])) as { failures: { index: number; error: Error }[] },
      }),
    };
  });
}

/** What `-s OBJECT flush` prints, as ip prints it; the first failure, if any, is the command's. */
export function flushDone(env: IpEnv, r: { done: number; failures: { error: Error }[] }, what: string): void {
  if (env.stats && !env.json) env.out(r.done ? `\n*** Round 1, deleting ${r.done} ${what} ***\n*** Flush is complete after 1 round ***\n` : 'Nothing to flush.\n');
  if (r.failures.length) throw r.failures[0].error;
}

/** Every keyword spelling of a grammar (for completion). */
export function keywordsOf(g: Grammar): string[] {
  return [...new Set(g.keywords.flatMap((k) => k.names))];
}

/** `nlkit OBJECT COMMAND ... help`: print the object's help. */
export class HelpWanted extends Error {}

/** The help text of an object, from its table: what `nlkit OBJECT help` prints. */
export function objectUsage(obj: IpObject): string {
  const lines = obj.commands.filter((c) => c.synopsis).map((c, i) => `${i ? '      ' : 'Usage:'} nlkit ${obj.name} ${c.synopsis}`);
  return `${lines.join('\n')}\n${obj.where ? `${obj.where.replace(/\n$/, '')}\n` : ''}`;
}

/** Runs `OBJECT [COMMAND] ARGS...` for one object: the command matched as ip matches it. */
export async function runObject(obj: IpObject, argv: readonly string[], env: IpEnv): Promise<number> {
  const [word, ...rest] = argv;
  try {
    const cmd = resolveCommand(obj, word);
    return (await cmd.run(new Words(word === undefined ? [] : rest), env)) ?? 0;
  } catch (e) {
    // ip prints its usage on stderr with status 255; asked for, help is output (status 0)
    if (e instanceof HelpWanted) {
      env.out(objectUsage(obj));
      return 0;
    }
    throw e;
  }
}

/** The command a word names (none: the object's default); `help` and unknown words as ip says them. */
export function resolveCommand(obj: IpObject, word: string | undefined): IpCommand {
  if (word === undefined) return obj.commands.find((c) => c.name === obj.default)!;
  const cmd = ipMatch(word, obj.commands);
  if (cmd) return cmd;
  if (isPrefix(word, 'help')) throw new HelpWanted();
  throw new IpUsageError(`Command "${word}" is unknown, try "nlkit ${obj.name} help".`);
}
