// `nlkit nft -f` with `define`/`redefine`/`undefine`, `$NAME` and `include "FILE"` (globs too):
// parsed from in-memory files into the commands the plain script makes, errors naming the file
// and line (an included file's own), and against `nft -f` as the oracle: the same script
// applied by each lists the same with `nft -j list ruleset`.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { UsageError } from '../src/cli/args.js';
import { parseNftScript } from '../src/cli/nft-script.js';
import { nlkit, ok } from './helpers/cli-run.js';
import { run, withNetns } from './helpers/netns.js';
import { needNft } from './helpers/nft-oracle.js';

type J = Record<string, unknown>;
const nftJson = (ns: string): J[] => (JSON.parse(run('ip', ['netns', 'exec', ns, 'nft', '-j', 'list', 'ruleset'])) as { nftables: J[] }).nftables.filter((x) => !('metainfo' in x));
const sansHandles = (list: J[]): J[] => JSON.parse(JSON.stringify(list, (k, v) => (k === 'handle' ? undefined : v))) as J[];

/** In-memory files for parseNftScript's reader (absolute paths under /v, which is also the include directory, as `-I /v`). */
function disk(files: Record<string, string>) {
  return {
    includePath: ['/v'],
    read: (p: string) => {
      if (!(p in files)) throw Object.assign(new Error(`ENOENT: ${p}`), { code: 'ENOENT' });
      return files[p];
    },
    list: (dir: string) => Object.keys(files).filter((p) => p.startsWith(`${dir}/`) && !p.slice(dir.length + 1).includes('/')).map((p) => p.slice(dir.length + 1)),
  };
}
const commands = (text: string, files: Record<string, string> = {}) => parseNftScript(text, '/v/main.nft', disk(files)).map((c) => c.command);
const fails = (text: string, re: RegExp, files: Record<string, string> = {}) =>
  assert.throws(() => parseNftScript(text, '/v/main.nft', disk(files)), (e: Error) => e instanceof UsageError && re.test(e.message), text);

describe('nlkit nft -f: define and include', () => {
  test('a variable gives its value: a single value, a set (merged into a list as nft does), another variable\'s value', () => {
    const plain = commands('add table ip t\nadd chain ip t c\nadd rule ip t c ip saddr 10.0.0.0/24 tcp dport { 22, 80, 443 } iifname "eth1" accept\n');
    const vars = commands(`define lan = 10.0.0.0/24
define web = { 22, 80 }
define dev = "eth0"
define net = $lan
add table ip t
add chain ip t c
redefine dev = "eth1"
add rule ip t c ip saddr $net tcp dport { $web, 443 } iifname $dev accept
undefine dev
undefine never_defined
`);
    assert.deepEqual(vars, plain);
    // a set value where a set goes
    assert.deepEqual(commands('define p = { 22,\n  80 }\nadd table ip t\nadd chain ip t c\nadd rule ip t c tcp dport $p accept\n').at(-1), commands('add table ip t\nadd chain ip t c\nadd rule ip t c tcp dport { 22, 80 } accept\n').at(-1));
  });

  test('a quoted "$word" is text, not a variable (as nft reads it)', () => {
    const cmds = commands('add table ip t\nadd chain ip t c\nadd rule ip t c iifname "$x" accept\n');
    assert.deepEqual(cmds.at(-1), commands('add table ip t\nadd chain ip t c\nadd rule ip t c iifname "eth0" accept\n').map((c) => JSON.parse(JSON.stringify(c).replace('eth0', '$x'))).at(-1));
  });

  test('a define in a block ends with the block; one outside is seen inside', () => {
    const text = 'define d = 22\ntable ip t {\n  define m = 7\n  chain c {\n    tcp dport $d meta mark $m accept\n  }\n}\n';
    assert.deepEqual(commands(text).at(-1), commands('table ip t {\n  chain c {\n    tcp dport 22 meta mark 7 accept\n  }\n}\n').at(-1));
    fails('table ip t {\n  define m = 7\n}\nadd chain ip t c\nadd rule ip t c meta mark $m\n', /^\/v\/main\.nft:5: unknown identifier 'm'/);
  });

  test('include: looked up in the include directories (a bare name) or as a path, nested, a glob in name order; its defines seen after it', () => {
    const files = {
      '/v/vars.nft': 'define ports = { 22, 80 }\ninclude "sub/inner.nft"\n',
      '/v/sub/inner.nft': 'define dev = "eth0"\n',
      '/v/rules.d/20-b.nft': 'add rule ip t c udp dport 53 accept\n',
      '/v/rules.d/10-a.nft': 'add rule ip t c tcp dport $ports iifname $dev accept\n',
      '/v/rules.d/.hidden.nft': 'add rule ip t c drop\n',
      '/v/rules.d/notes.txt': 'not nft\n',
    };
    const got = parseNftScript('include "vars.nft"\nadd table ip t\nadd chain ip t c\ninclude "rules.d/*.nft"\ninclude "none.d/*.nft"\n', '/v/main.nft', disk(files));
    assert.deepEqual(got.map((c) => c.command), commands('add table ip t\nadd chain ip t c\nadd rule ip t c tcp dport { 22, 80 } iifname "eth0" accept\nadd rule ip t c udp dport 53 accept\n'));
    assert.deepEqual(got.map((c) => `${c.file}:${c.line}`), ['/v/main.nft:2', '/v/main.nft:3', '/v/rules.d/10-a.nft:1', '/v/rules.d/20-b.nft:1']);
  });

  test('bad input: errors with the file and line (the included file\'s own)', () => {
    fails('add table ip t\nadd chain ip t c\nadd rule ip t c tcp dport $nope\n', /^\/v\/main\.nft:3: unknown identifier 'nope'/);
    fails('define a = 1\ndefine a = 2\n', /^\/v\/main\.nft:2: redefinition of symbol 'a'/);
    fails('define a =\n', /^\/v\/main\.nft:1: define a needs a value/);
    fails('define a 1\n', /^\/v\/main\.nft:1: expected "=" after define a/);
    fails('define a = { 1, 2\n', /^\/v\/main\.nft:1: the value of a has a "\{" that is not closed/);
    fails('define b = $a\n', /^\/v\/main\.nft:1: unknown identifier 'a'/);
    fails('add table ip t\ninclude "missing.nft"\n', /^\/v\/main\.nft:2: include "missing\.nft": File not found: missing\.nft \(looked in \/v\/missing\.nft\)/);
    fails('include "a.nft"\n', /^\/v\/b\.nft:2: include "a\.nft": an include loop \(\/v\/main\.nft -> \/v\/a\.nft -> \/v\/b\.nft -> \/v\/a\.nft\)/, { '/v/a.nft': 'include "b.nft"\n', '/v/b.nft': '\ninclude "a.nft"\n' });
    fails('include "main.nft"\n', /an include loop/, { '/v/main.nft': 'include "main.nft"\n' });
    fails('include\n', /^\/v\/main\.nft:1: "include" needs a file name/);
    fails('include "x/*/y.nft"\n', /a glob only in the file name/);
    // as nft: a bare name is not looked up next to the including file, only in the include directories
    assert.throws(() => parseNftScript('include "sub.nft"\n', '/w/main.nft', { ...disk({ '/w/sub.nft': 'add table ip t\n' }), includePath: ['/etc'] }), /File not found: sub\.nft \(looked in \/etc\/sub\.nft\)/);
    // './' and '../' are paths from the working directory
    assert.deepEqual(parseNftScript('include "./sub.nft"\n', '/w/main.nft', { ...disk({ '/w/sub.nft': 'add table ip t\n' }), cwd: '/w' }).map((c) => c.command), commands('add table ip t\n'));
    // nesting beyond nft's 16 levels (the script is the first)
    const deep = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`/v/d${i}.nft`, `include "d${i + 1}.nft"\n`]));
    fails('include "d0.nft"\n', /^\/v\/d14\.nft:1: include "d15\.nft": includes nested too deeply, max 16 levels/, deep);
    // an error in an included file names it
    fails('add table ip t\nadd chain ip t c\ninclude "r.nft"\n', /^\/v\/r\.nft:2: unknown expression "frobnicate"/, { '/v/r.nft': '\nadd rule ip t c frobnicate\n' });
    // a value that doubles at every define is bounded
    const bomb = ['define a0 = { 1, 2 }', ...Array.from({ length: 20 }, (_, i) => `define a${i + 1} = { $a${i}, $a${i} }`)].join('\n');
    fails(`${bomb}\n`, /is too long/);
  });

  test('nlkit nft -f and nft -f make the same ruleset from a script with defines and includes (nft -j as the oracle)', async (t) => {
    if (!needNft(t)) return;
    const dir = mkdtempSync(join(tmpdir(), 'nlkt-nftdef-'));
    try {
      mkdirSync(join(dir, 'rules.d'));
      // vars.nft by an absolute path, the rules through -I (a bare name looked up in the include directories)
      writeFileSync(join(dir, 'vars.nft'), 'define web = { 80, 443 }\ndefine lan = 10.1.0.0/16\ndefine dns = { 53 }\n');
      writeFileSync(join(dir, 'rules.d', '10-web.nft'), 'add rule inet f input ip saddr $lan tcp dport $web accept\n');
      writeFileSync(join(dir, 'rules.d', '20-dns.nft'), 'add rule inet f input udp dport { $dns, 5353 } counter accept\n');
      const main = join(dir, 'main.nft');
      writeFileSync(main, `flush ruleset
include "${dir}/vars.nft"
define dev = "lo"
redefine dev = "eth0"
table inet f {
  define ssh = 22
  chain input {
    type filter hook input priority filter; policy accept;
    iifname $dev tcp dport $ssh accept
    tcp dport $web counter
  }
}
include "rules.d/*.nft"
undefine dev
`);
      const theirs = await withNetns((ns) => {
        run('ip', ['netns', 'exec', ns, 'nft', '-I', dir, '-f', main]);
        return nftJson(ns);
      });
      assert.equal(theirs.filter((x) => 'rule' in x).length, 4);
      await withNetns((ns) => {
        ok(nlkit('nft', '--netns', ns, '-I', dir, '-f', main));
        assert.deepEqual(sansHandles(nftJson(ns)), sansHandles(theirs));
        // and nft's own reading of a bad variable also fails: both refuse, nlkit naming the line
        const bad = join(dir, 'bad.nft');
        writeFileSync(bad, 'add table ip t\nadd chain ip t c\nadd rule ip t c tcp dport $nope accept\n');
        assert.notEqual(run('ip', ['netns', 'exec', ns, 'sh', '-c', `nft -f ${bad} 2>&1; echo rc=$?`]).match(/rc=(\d+)/)?.[1], '0');
        const r = nlkit('nft', '--netns', ns, '-f', bad);
        assert.equal(r.status, 1);
        assert.match(r.stderr, new RegExp(`${bad.replace(/[.]/g, '\\.')}:3: unknown identifier 'nope'`));
        assert.deepEqual(sansHandles(nftJson(ns)), sansHandles(theirs));
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
