// `nft -f FILE` scripts: the commands of a file (flat `add rule ...` lines, `flush ruleset`,
// and `table FAMILY NAME { chain ... { ... } set ... { ... } counter ... { ... } }` blocks),
// each remembering the line it came from, for one transaction. Blocks become the same
// commands the command line makes: a table, then its sets, objects and flowtables, its
// chains, and last the rules (so that a rule may name what the block declares after it).
// Comments, line continuations, `include` and `define` are nft-source.ts's: this reads the
// tokens it gives.
import { UsageError } from './args.js';
import { parseNftTokens } from './nft-parse.js';
import { NL, placeFile, placeLine, source, type SourceOptions, type Toks } from './nft-source.js';
import type { NftCommand, NftFamily } from '../netfilter/index.js';
import type { NftSetElementSpec } from '../netfilter/nft-commands.js';

/** A command of the script and where it starts: a line of the script or of a file it includes. */
export interface ScriptCommand {
  command: NftCommand;
  line: number;
  /** The script, or the included file the command is in. */
  file: string;
}

const FAMILIES = ['ip', 'ip6', 'inet', 'arp', 'bridge', 'netdev'];
const DECLARED = ['set', 'map', 'counter', 'quota', 'limit', 'flowtable'];

class Script {
  i = 0;
  constructor(readonly t: Toks, readonly files: readonly string[]) {}

  get done(): boolean {
    return this.i >= this.t.w.length;
  }
  peek(k = 0): string | undefined {
    return this.t.w[this.i + k];
  }
  line(): number {
    return this.t.ln[Math.min(this.i, this.t.ln.length - 1)] ?? 0;
  }
  /** `line` is a place (file and line, see nft-source.ts). */
  fail(msg: string, line = this.line()): never {
    throw new UsageError(`${this.files[placeFile(line)]}:${placeLine(line)}: ${msg}`);
  }
  next(what: string): string {
    if (this.done) this.fail(`missing ${what}`);
    return this.t.w[this.i++];
  }
  skipBlank(): void {
    while (this.peek() === NL || this.peek() === ';') this.i++;
  }

  /**
   * A statement's words up to a newline or ';' outside braces. Inside braces a newline ends
   * a statement of the block (as ';' does) at the first level and is a space deeper down
   * (`elements = { a,\n b }`).
   */
  statement(): string[] {
    const out: string[] = [];
    let depth = 0;
    while (!this.done) {
      const w = this.t.w[this.i];
      if (depth === 0 && (w === NL || w === ';')) break;
      this.i++;
      if (w === '{') depth++;
      if (w === '}') depth--;
      if (depth < 0) this.fail('"}" without its "{"');
      if (w === NL) {
        if (depth === 1 && out[out.length - 1] !== ';' && out[out.length - 1] !== '{') out.push(';');
        continue;
      }
      out.push(w);
    }
    if (depth > 0) this.fail('a "{" is not closed');
    return out;
  }

  /** A block's body `{ ... }` as its statements (tokens with their lines), the closing brace consumed. */
  body(): Toks[] {
    if (this.next('"{"') !== '{') this.fail('expected "{"', this.t.ln[this.i - 1]);
    const out: Toks[] = [];
    for (;;) {
      this.skipBlank();
      if (this.done) this.fail('a "{" is not closed');
      if (this.peek() === '}') {
        this.i++;
        return out;
      }
      const toks: Toks = { w: [], ln: [] };
      let depth = 0;
      // a statement may hold braces (a nested block `chain c { ... }`, a rule's `{ 22, 80 }`): they go with it
      while (!this.done) {
        const w = this.t.w[this.i], ln = this.t.ln[this.i];
        if (depth === 0 && (w === NL || w === ';' || w === '}')) break;
        this.i++;
        if (w === '{') depth++;
        if (w === '}') depth--;
        // a newline inside ends a statement of the nested block; deeper down it is a space
        if (w === NL) {
          const last = toks.w[toks.w.length - 1];
          if (depth === 1 && last !== ';' && last !== '{') {
            toks.w.push(';');
            toks.ln.push(ln);
          }
          continue;
        }
        toks.w.push(w);
        toks.ln.push(ln);
      }
      if (toks.w.length) out.push(toks);
    }
  }
}

function commandsOf(words: string[], line: number, s: Script): ScriptCommand[] {
  let r;
  try {
    r = parseNftTokens(words);
  } catch (e) {
    if (e instanceof UsageError) s.fail(e.message, line);
    throw e;
  }
  if (!('commands' in r)) s.fail('list commands cannot be part of a script', line);
  return r.commands.map((command) => ({ command, line: placeLine(line), file: s.files[placeFile(line)] }));
}

const CHAIN_PROPS = ['type', 'policy', 'device', 'hook', 'priority'];

/** A chain block's statements: its properties (type, hook, priority, policy, device) and its rules. */
function chainBody(stmts: Toks[]): { props: string[]; rules: Toks[] } {
  const props: string[] = [];
  const rules: Toks[] = [];
  for (const st of stmts) {
    if (CHAIN_PROPS.includes(st.w[0])) props.push(...st.w, ';');
    else rules.push(st);
  }
  return { props, rules };
}

/**
 * The elements of a block's verdict maps that jump to (or go to) a chain, taken out of their
 * set's command into one of their own, for after the block's chains: nft makes a block's chains
 * before its sets, so a map may name a chain the block declares after it.
 */
function jumpElements(declared: readonly ScriptCommand[]): ScriptCommand[] {
  const out: ScriptCommand[] = [];
  for (const c of declared) {
    const set = c.command as { add?: string; family: NftFamily; table: string; name: string; elements?: NftSetElementSpec[] };
    if (set.add !== 'set' || !Array.isArray(set.elements)) continue;
    const jumps: NftSetElementSpec[] = [], rest: NftSetElementSpec[] = [];
    for (const e of set.elements)
      (typeof e === 'object' && e !== null && 'value' in e && typeof e.value === 'object' && e.value !== null && 'chain' in e.value && e.value.chain !== undefined ? jumps : rest).push(e);
    if (!jumps.length) continue;
    set.elements = rest;
    out.push({ command: { add: 'element', family: set.family, table: set.table, set: set.name, elements: jumps }, line: c.line, file: c.file });
  }
  return out;
}

function tableBlock(s: Script): ScriptCommand[] {
  const line = s.line();
  s.next('table');
  const family = FAMILIES.includes(s.peek() ?? '') ? s.next('a family') : 'ip';
  const name = s.next('a table name');
  if (name === '{' || name === NL) s.fail('a table needs a name', line);
  const table: string[] = ['add', 'table', family, name];
  const declared: ScriptCommand[] = [], chains: ScriptCommand[] = [], rules: ScriptCommand[] = [];
  const flags: string[] = [];
  for (const st of s.body()) {
    const kind = st.w[0], objName = st.w[1];
    const at = st.ln[0];
    if (kind === 'flags') flags.push(...st.w.slice(1));
    else if (kind === 'chain') {
      const { props, rules: rs } = chainBody(new Script({ w: st.w.slice(2), ln: st.ln.slice(2) }, s.files).body());
      chains.push(...commandsOf(['add', 'chain', family, name, objName, ...(props.length ? ['{', ...props, '}'] : [])], at, s));
      for (const r of rs) rules.push(...commandsOf(['add', 'rule', family, name, objName, ...r.w], r.ln[0], s));
    } else if (DECLARED.includes(kind)) declared.push(...commandsOf(['add', kind, family, name, ...st.w.slice(1)], at, s));
    else s.fail(`unknown statement "${kind}" in table ${name}`, at);
  }
  if (flags.length) table.push('{', 'flags', ...flags, ';', '}');
  return [...commandsOf(table, line, s), ...declared, ...chains, ...jumpElements(declared), ...rules];
}

/** The commands of a script, in order, each with its file and line. */
export function parseNftScript(text: string, file: string, opts?: SourceOptions): ScriptCommand[] {
  const { toks, files } = source(text, file, opts);
  const s = new Script(toks, files);
  const out: ScriptCommand[] = [];
  for (;;) {
    s.skipBlank();
    if (s.done) return out;
    const line = s.line();
    const w = s.peek()!;
    if (w === 'table' && s.t.w.slice(s.i, s.i + 4).includes('{')) {
      out.push(...tableBlock(s));
      continue;
    }
    const words = s.statement();
    // `table ip t` alone (no block): nft's add
    out.push(...commandsOf(w === 'table' || w === 'chain' || w === 'rule' || w === 'set' ? ['add', ...words] : words, line, s));
  }
}
