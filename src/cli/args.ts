// A tiny command-line parser, no dependencies: GNU-style options (`--json`, `-j`,
// `-jp`, `--opt=value`, `--opt value`, `--` to stop) interleaved with positionals, and
// an iproute2-style keyword matcher for the positional grammar (`ctrl get name NAME`).

/** A mistake in how the command was invoked: reported with a usage text, exit code 1. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export interface OptionSpec {
  /** Long name, without dashes: 'json'. Also the key in `Parsed.options`. */
  name: string;
  /** One-letter alias, without the dash: 'j'. */
  short?: string;
  /** 'boolean' options take no value; 'string' options take one (`--x=v`, `--x v`, `-xv`, `-x v`). */
  type: 'boolean' | 'string';
  /**
   * String options only: the value may be left out. `--x=v` and `--x v` give v, but
   * when `--x` is last or followed by another option its value is `true`. (So the word
   * after it, if any, is taken as its value: for groups without positionals.)
   */
  optionalValue?: boolean;
  /** String options only: every occurrence is kept, in order, in an array. */
  repeat?: boolean;
  /** One line for help texts. */
  description?: string;
}

export interface Parsed {
  /** By long name; a repeated string option keeps its last value (all of them, with `repeat`). */
  options: Record<string, boolean | string | string[] | undefined>;
  positionals: string[];
}

export interface ParseOptions {
  /**
   * Stop at the first positional and leave it and everything after it in `positionals`
   * untouched (for options placed before a command group's name: `nlkit -j genl list`).
   */
  stopAtPositional?: boolean;
}

/** '-' alone and negative numbers are positionals, not options. */
function isOption(arg: string): boolean {
  return arg.length > 1 && arg[0] === '-' && !/^-\d/.test(arg);
}

export function parseArgs(argv: readonly string[], specs: readonly OptionSpec[], opts: ParseOptions = {}): Parsed {
  const byLong = new Map(specs.map((s) => [s.name, s]));
  const byShort = new Map(specs.filter((s) => s.short).map((s) => [s.short!, s]));
  const options: Parsed['options'] = {};
  const positionals: string[] = [];
  const set = (spec: OptionSpec, value: string | true): void => {
    if (spec.repeat && typeof value === 'string') {
      const prev = options[spec.name];
      options[spec.name] = Array.isArray(prev) ? [...prev, value] : [value];
    } else options[spec.name] = value;
  };

  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!isOption(arg)) {
      if (opts.stopAtPositional) {
        positionals.push(...argv.slice(i));
        break;
      }
      positionals.push(arg);
      continue;
    }
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      const name = eq < 0 ? arg.slice(2) : arg.slice(2, eq);
      const spec = byLong.get(name);
      if (!spec) throw new UsageError(`unknown option "--${name}"`);
      if (spec.type === 'boolean') {
        if (eq >= 0) throw new UsageError(`option "--${name}" takes no value`);
        options[spec.name] = true;
      } else if (eq >= 0) {
        set(spec, arg.slice(eq + 1));
      } else if (spec.optionalValue && (i + 1 >= argv.length || isOption(argv[i + 1]))) {
        set(spec, true);
      } else {
        if (i + 1 >= argv.length) throw new UsageError(`option "--${name}" needs a value`);
        set(spec, argv[++i]);
      }
      continue;
    }
    // A cluster of short options: -jp, -n3, -n 3.
    for (let k = 1; k < arg.length; k++) {
      const spec = byShort.get(arg[k]);
      if (!spec) throw new UsageError(`unknown option "-${arg[k]}"`);
      if (spec.type === 'boolean') {
        options[spec.name] = true;
        continue;
      }
      if (k + 1 < arg.length) set(spec, arg.slice(k + 1));
      else if (spec.optionalValue && (i + 1 >= argv.length || isOption(argv[i + 1]))) set(spec, true);
      else if (i + 1 < argv.length) set(spec, argv[++i]);
      else throw new UsageError(`option "-${arg[k]}" needs a value`);
      break;
    }
  }
  return { options, positionals };
}

/** Help text lines for a list of options: `  -j, --json    print JSON`. */
export function formatOptions(specs: readonly OptionSpec[]): string {
  const left = specs.map((s) => `${s.short ? `-${s.short}, ` : '    '}--${s.name}${s.type === 'string' ? (s.optionalValue ? ' [VALUE]' : ' VALUE') : ''}`);
  const width = Math.max(0, ...left.map((l) => l.length));
  return specs.map((s, i) => `  ${left[i].padEnd(width)}  ${s.description ?? ''}`.trimEnd()).join('\n');
}

/**
 * Resolves a keyword the way iproute2 does, but without its order-dependence: an exact
 * name or alias wins, otherwise a unique prefix of a name (`l` -> `list`). Returns the
 * canonical name, or undefined when nothing matches; throws on an ambiguous prefix.
 */
export function matchKeyword(word: string, table: readonly { name: string; aliases?: readonly string[] }[]): string | undefined {
  for (const e of table) if (e.name === word || e.aliases?.includes(word)) return e.name;
  if (word === '') return undefined;
  const hits = table.filter((e) => e.name.startsWith(word));
  if (hits.length === 1) return hits[0].name;
  if (hits.length > 1) throw new UsageError(`"${word}" is ambiguous: ${hits.map((e) => e.name).join(', ')}`);
  return undefined;
}

/** A cursor over positional words, for iproute2-style grammars (`get name NAME`). */
export class Words {
  private i = 0;
  constructor(private readonly words: readonly string[]) {}

  get done(): boolean {
    return this.i >= this.words.length;
  }

  peek(): string | undefined {
    return this.words[this.i];
  }

  /** The next word, or a usage error naming what was expected. */
  next(what: string): string {
    if (this.done) throw new UsageError(`missing ${what}`);
    return this.words[this.i++];
  }

  /** The next word if there is one. */
  optional(): string | undefined {
    return this.done ? undefined : this.words[this.i++];
  }

  /** Usage error if words are left over. */
  end(): void {
    if (!this.done) throw new UsageError(`unexpected argument "${this.words[this.i]}"`);
  }
}
