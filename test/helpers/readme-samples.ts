// README code samples as test cases: every ```ts block of a Markdown file, with what it
// needs declared in an HTML comment right before the block (invisible on GitHub):
//
//   <!-- sample: netns=blue link=eth0 -->
//   <!-- sample: typecheck-only (reason) -->
//
// Directives, separated by spaces:
//   netns=NAME      the sample names a network namespace NAME: the test creates a throwaway
//                   `nlkt-<random>` one and every string literal 'NAME' / "NAME" in the
//                   sample becomes its name. (Every sample runs inside a throwaway
//                   namespace anyway; without netns= it is just not named.)
//   link=IF         a network interface IF exists in that namespace, up (a veth pair, IF and
//                   its peer IFp).
//   typecheck-only (reason)   compiled but not run; the reason is mandatory (e.g. a monitor
//                   loop that runs until interrupted).
//   timeout=MS      how long the sample may run (default 20000).
// A block without a comment is type-checked and run as is.

export interface Sample {
  /** 1-based line of the opening ``` fence, for messages ("README.md:42"). */
  line: number;
  code: string;
  netns?: string;
  links: string[];
  /** Why the sample is only type-checked; undefined: it runs. */
  typecheckOnly?: string;
  timeoutMs: number;
}

const DEFAULT_TIMEOUT_MS = 20_000;
const DIRECTIVE = /^<!--\s*sample:(.*?)-->\s*$/;
const NAME = /^[A-Za-z0-9_.-]{1,15}$/;

/** Parses one `<!-- sample: ... -->` comment's body; throws on anything it does not know. */
export function parseDirectives(body: string, where: string): Omit<Sample, 'line' | 'code'> {
  const out: Omit<Sample, 'line' | 'code'> = { links: [], timeoutMs: DEFAULT_TIMEOUT_MS };
  let rest = body.trim();
  const only = /typecheck-only\s*\(([^)]*)\)/.exec(rest);
  if (only) {
    if (!only[1].trim()) throw new Error(`${where}: typecheck-only needs a reason in parentheses`);
    out.typecheckOnly = only[1].trim();
    rest = (rest.slice(0, only.index) + rest.slice(only.index + only[0].length)).trim();
  } else if (/typecheck-only/.test(rest)) {
    throw new Error(`${where}: typecheck-only needs a reason in parentheses: typecheck-only (why)`);
  }
  for (const word of rest.split(/\s+/).filter(Boolean)) {
    const [key, value] = word.split('=', 2);
    if (key === 'netns' && value && NAME.test(value)) out.netns = value;
    else if (key === 'link' && value && NAME.test(value)) out.links.push(value);
    else if (key === 'timeout' && value && /^\d+$/.test(value)) out.timeoutMs = Number(value);
    else throw new Error(`${where}: unknown sample directive '${word}' (netns=NAME, link=IF, timeout=MS, typecheck-only (reason))`);
  }
  return out;
}

/** Every ```ts block of a Markdown text, with its directives. */
export function extractSamples(markdown: string, file = 'README.md'): Sample[] {
  const lines = markdown.split('\n');
  const samples: Sample[] = [];
  for (let i = 0; i < lines.length; i++) {
    const fence = /^(\s*)(`{3,})\s*(\S*)/.exec(lines[i]);
    if (!fence) continue;
    const [, indent, ticks, lang] = fence;
    let end = i + 1;
    while (end < lines.length && !lines[end].startsWith(indent + ticks)) end++;
    if (end === lines.length) throw new Error(`${file}:${i + 1}: code block never closed`);
    if (lang === 'ts' || lang === 'typescript') {
      let prev = i - 1;
      while (prev >= 0 && lines[prev].trim() === '') prev--;
      const m = prev >= 0 ? DIRECTIVE.exec(lines[prev].trim()) : null;
      const directives = m ? parseDirectives(m[1], `${file}:${prev + 1}`) : { links: [], timeoutMs: DEFAULT_TIMEOUT_MS };
      const code = lines.slice(i + 1, end).map((l) => l.slice(indent.length)).join('\n') + '\n';
      samples.push({ line: i + 1, code, ...directives });
    }
    i = end;
  }
  return samples;
}

/** The sample's code with its namespace name replaced by the throwaway one. */
export function bindNetns(sample: Sample, actual: string): string {
  if (!sample.netns) return sample.code;
  const quoted = new RegExp(`(['"\`])${sample.netns.replace(/[.]/g, '\\.')}\\1`, 'g');
  return sample.code.replace(quoted, (_, q: string) => `${q}${actual}${q}`);
}
