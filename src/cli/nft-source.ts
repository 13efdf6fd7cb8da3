// The tokens of an `nft -f` script as nft's scanner makes them: comments and line
// continuations, `include "FILE"` (a glob in its last part allowed) replaced by the file's
// tokens, `define NAME = VALUE` / `redefine` / `undefine` bound in the scope of the block they
// are in, and `$NAME` replaced by its value. Every token keeps where it came from (file and
// line), so that an error in an included file names that file.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { UsageError } from './args.js';
import { tokenize } from './nft-parse.js';

/**
 * Tokens as parallel lists: words and where each is (a script of thousands of rules made an
 * object per token). A place is `file index * 2^32 + line`: the main file's places are its
 * line numbers.
 */
export interface Toks {
  w: string[];
  ln: number[];
  /** Indexes of words that were quoted and start with '$': text, not variables. */
  lit?: Set<number>;
}

export const NL = '\n';
const FILE_UNIT = 2 ** 32;
/** nft's limit of nested includes. */
const MAX_INCLUDE_DEPTH = 16;
const MAX_VALUE_TOKENS = 100_000;
/** nft's identifiers: `$net/24` is the variable "net/24", as nft reads it. */
const VARIABLE = /^\$([A-Za-z_][A-Za-z0-9_/\\.-]*)$/;

export const placeFile = (place: number): number => Math.floor(place / FILE_UNIT);
export const placeLine = (place: number): number => place % FILE_UNIT;

/** The tokens of one file's text; a newline is a token (it ends a statement). */
export function scan(text: string, file = 0): Toks {
  const out: Toks = { w: [], ln: [], lit: new Set() };
  const lines = text.split('\n');
  const base = file * FILE_UNIT;
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i];
    const first = base + i + 1;
    // a backslash at the end joins the next line
    while (line.endsWith('\\') && i + 1 < lines.length) line = line.slice(0, -1) + ' ' + lines[++i];
    // '#' outside quotes starts a comment (the characters are walked only on a line that has
    // one: most have none, and the walk ran in the interpreter for every character)
    let inQuote = false, cut = line.length;
    for (let j = line.indexOf('#') < 0 ? line.length : 0; j < line.length; j++) {
      if (line[j] === '"' && line[j - 1] !== '\\') inQuote = !inQuote;
      else if (line[j] === '#' && !inQuote) {
        cut = j;
        break;
      }
    }
    // tokenize() unquotes; a word that was quoted stays one token
    const quoted = new Set<number>();
    const words = tokenize([line.slice(0, cut)], quoted);
    for (const q of quoted) out.lit!.add(out.w.length + q);
    for (const w of words) {
      out.w.push(w);
      out.ln.push(first);
    }
    out.w.push(NL);
    out.ln.push(first);
  }
  return out;
}

export interface SourceOptions {
  /** Reads an included file (default: from the disk). */
  read?: (path: string) => string;
  /** Lists a directory, for an include's glob (default: from the disk). */
  list?: (dir: string) => string[];
  /** Where a name that is not a path is looked up, in order (default: nft's, /etc). */
  includePath?: readonly string[];
  /** What './' and '../' names start from (default: the working directory). */
  cwd?: string;
}

/** What the expansion of a script and its includes shares. */
class Expansion {
  /** The files, by their index in places; 0 is the script. */
  readonly files: string[];
  /** Innermost last: a block's defines end with it. */
  readonly scopes: Map<string, Toks>[] = [new Map()];
  readonly out: Toks = { w: [], ln: [] };
  /** The includes being read, outermost first (a file that includes itself is a loop). */
  readonly reading: string[] = [];
  constructor(main: string, readonly opts: Required<SourceOptions>) {
    this.files = [main];
  }

  where(place: number): string {
    return `${this.files[placeFile(place)]}:${placeLine(place)}`;
  }
  fail(place: number, msg: string): never {
    throw new UsageError(`${this.where(place)}: ${msg}`);
  }

  lookup(name: string): Toks | undefined {
    for (let i = this.scopes.length - 1; i >= 0; i--) {
      const v = this.scopes[i].get(name);
      if (v) return v;
    }
    return undefined;
  }

  /** Appends a file's tokens, its includes read, its variables bound and replaced. */
  expand(t: Toks): void {
    const { w, ln } = t;
    const out = this.out;
    for (let i = 0; i < w.length; i++) {
      const word = w[i], place = ln[i];
      const last = out.w[out.w.length - 1];
      const atStart = last === undefined || last === NL || last === ';' || last === '{';
      if (atStart && (word === 'define' || word === 'redefine' || word === 'undefine' || word === 'include')) {
        i = this.directive(t, i);
        continue;
      }
      if (word === '{') this.scopes.push(new Map());
      if (word === '}' && this.scopes.length > 1) this.scopes.pop();
      const m = word[0] === '$' && !t.lit?.has(i) ? VARIABLE.exec(word) : null;
      if (!m) {
        out.w.push(word);
        out.ln.push(place);
        continue;
      }
      const value = this.lookup(m[1]) ?? this.fail(place, `unknown identifier '${m[1]}'`);
      // a set's value as a member of a list (`{ $ports, 443 }`) gives its members, as nft merges them
      const inList = (last === '{' || last === ',') && (w[i + 1] === ',' || w[i + 1] === '}') && value.w[0] === '{';
      const words = inList ? value.w.slice(1, -1) : value.w;
      for (const v of words) {
        out.w.push(v);
        out.ln.push(place);
      }
    }
  }

  /** define / redefine / undefine / include at w[i]; returns the index of its last token. */
  directive(t: Toks, i: number): number {
    const { w, ln } = t;
    const word = w[i], place = ln[i];
    const name = w[i + 1];
    if (name === undefined || name === NL || name === ';') this.fail(place, `"${word}" needs ${word === 'include' ? 'a file name' : 'a name'}`);
    if (word === 'include') {
      this.include(name, place);
      return i + 1;
    }
    const scope = this.scopes[this.scopes.length - 1];
    if (!/^[A-Za-z_][A-Za-z0-9_/\\.-]*$/.test(name)) this.fail(place, `"${name}" is not a name for ${word}`);
    if (word === 'undefine') {
      // as nft 1.0.x: undefining a name that has no value is no error
      scope.delete(name);
      return i + 1;
    }
    if (w[i + 2] !== '=') this.fail(place, `expected "=" after ${word} ${name}`);
    if (word === 'define' && scope.has(name)) this.fail(place, `redefinition of symbol '${name}'`);
    // the value: to the end of the statement; a newline inside its braces is a space
    const value: Toks = { w: [], ln: [] };
    let j = i + 3, depth = 0;
    for (; j < w.length; j++) {
      const v = w[j];
      if (depth === 0 && (v === NL || v === ';')) break;
      if (v === '{') depth++;
      if (v === '}') depth--;
      if (depth < 0) this.fail(ln[j], '"}" without its "{"');
      if (v === NL) continue;
      const m = v[0] === '$' && !t.lit?.has(j) ? VARIABLE.exec(v) : null;
      // a value naming another variable takes that one's value now (a later redefine of it changes nothing here)
      const sub = m ? (this.lookup(m[1]) ?? this.fail(ln[j], `unknown identifier '${m[1]}'`)).w : [v];
      // values of values of values...: bounded, a few defines must not make a billion tokens
      if (value.w.length + sub.length > MAX_VALUE_TOKENS) this.fail(ln[j], `the value of ${name} is too long (over ${MAX_VALUE_TOKENS} tokens)`);
      for (const s of sub) {
        value.w.push(s);
        value.ln.push(ln[j]);
      }
    }
    if (depth > 0) this.fail(place, `the value of ${name} has a "{" that is not closed`);
    if (!value.w.length) this.fail(place, `${word} ${name} needs a value`);
    scope.set(name, value);
    return j - 1;
  }

  /**
   * Where nft looks for an include (scanner.l include_file): a name starting with '/', './'
   * or '../' is that path (from the working directory), any other name is looked up in each
   * include directory in turn.
   */
  candidates(name: string, place: number): string[] {
    if (/[*?[]/.test(dirname(name))) this.fail(place, `include "${name}": a glob only in the file name is supported`);
    if (name.startsWith('/') || name.startsWith('./') || name.startsWith('../')) return [resolve(this.opts.cwd, name)];
    return this.opts.includePath.map((d) => join(d, name));
  }

  /** A glob's matches in one directory, in name order (hidden files only when the pattern names them, as glob(3)). */
  matches(full: string): string[] {
    const base = full.slice(full.lastIndexOf('/') + 1), folder = dirname(full);
    const re = new RegExp(`^${base.replace(/[.+^${}()|\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]')}$`);
    let names: string[];
    try {
      names = this.opts.list(folder);
    } catch {
      return [];
    }
    return names.filter((n) => re.test(n) && (n[0] !== '.' || base[0] === '.')).sort().map((n) => join(folder, n));
  }

  /**
   * The files an include reads, as nft does: without a glob the first candidate there is (none:
   * "File not found"), with one every candidate's matches (none is no error).
   */
  include(name: string, place: number): void {
    if (this.reading.length >= MAX_INCLUDE_DEPTH) this.fail(place, `include "${name}": includes nested too deeply, max ${MAX_INCLUDE_DEPTH} levels`);
    const glob = /[*?[]/.test(name.slice(name.lastIndexOf('/') + 1));
    for (const full of this.candidates(name, place)) {
      for (const path of glob ? this.matches(full) : [full]) {
        let text: string;
        try {
          text = this.opts.read(path);
        } catch (e) {
          if (!glob && (e as { code?: string }).code === 'ENOENT') continue;
          this.fail(place, `include "${name}": could not read ${path}: ${(e as Error).message}`);
        }
        if (this.reading.includes(path)) this.fail(place, `include "${name}": an include loop (${[...this.reading, path].join(' -> ')})`);
        this.files.push(path);
        this.reading.push(path);
        this.expand(scan(text, this.files.length - 1));
        this.reading.pop();
        // an included file ends its last statement
        this.out.w.push(NL);
        this.out.ln.push(place);
        if (!glob) return;
      }
    }
    if (!glob) this.fail(place, `include "${name}": File not found: ${name} (looked in ${this.candidates(name, place).join(', ')})`);
  }
}

/** The options but cwd, which is the process's at each call. */
const DEFAULTS: Omit<Required<SourceOptions>, 'cwd'> = {
  read: (path) => {
    // a directory is not a script: nft refuses it too
    if (statSync(path).isDirectory()) throw new Error('is a directory');
    return readFileSync(path, 'utf8');
  },
  list: (dir) => readdirSync(dir),
  // nft's DEFAULT_INCLUDE_PATH (its sysconfdir); -I adds directories after it
  includePath: ['/etc'],
};

/**
 * A script's tokens with includes and variables expanded, and the files they came from.
 * Includes are found as nft finds them (see Expansion.candidates).
 */
export function source(text: string, file: string, opts: SourceOptions = {}): { toks: Toks; files: string[] } {
  const x = new Expansion(file, { ...DEFAULTS, cwd: process.cwd(), ...opts });
  const main = file === '/dev/stdin' || file === '-' ? undefined : resolve(file);
  // the script counts as the first level of nft's 16
  x.reading.push(main ?? file);
  x.expand(scan(text));
  return { toks: x.out, files: x.files };
}
