// The nlkit command, run as a child process, against iproute2's genl where it is installed.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { matchKeyword, parseArgs, UsageError } from '../src/cli/args.js';
import { genl, namesAndIds } from './helpers/genl-tool.js';
import { nlkit, ok } from './helpers/cli-run.js';

const PACKAGE_JSON = new URL('../../package.json', import.meta.url);


describe('nlkit genl', () => {
  test('list prints exactly what genl ctrl list prints', (t) => {
    const ours = ok(nlkit('genl', 'list'));
    const theirs = genl(t, 'ctrl', 'list');
    if (theirs === undefined) return;
    assert.equal(ours, theirs);
  });

  test('ctrl list (iproute2 spelling) prints the same as list', () => {
    assert.equal(ok(nlkit('genl', 'ctrl', 'list')), ok(nlkit('genl', 'list')));
  });

  test('show nlctrl prints exactly what genl ctrl get name nlctrl prints', (t) => {
    const ours = ok(nlkit('genl', 'show', 'nlctrl'));
    // The controller is always family 0x10 and announces on group "notify".
    assert.match(ours, /^\nName: nlctrl\n\tID: 0x10  Version: 0x[0-9a-f]+  header size: 0  max attribs: \d+ \n/);
    assert.match(ours, /\tmulticast groups:\n\t\t#1:  ID-0x10  name: notify \n/);
    assert.equal(ok(nlkit('genl', 'ctrl', 'get', 'name', 'nlctrl')), ours);
    const theirs = genl(t, 'ctrl', 'get', 'name', 'nlctrl');
    if (theirs === undefined) return;
    assert.equal(ours, theirs);
  });

  test('every family shown alone matches its entry in the list', () => {
    const list = ok(nlkit('genl', 'list'));
    for (const [name] of namesAndIds(list)) {
      const one = ok(nlkit('genl', 'show', name));
      assert.ok(list.includes(one), `show ${name} is a part of list`);
    }
  });

  test('--json list has the same families and ids as the text', () => {
    const text = ok(nlkit('genl', 'list'));
    const out = ok(nlkit('genl', 'list', '--json'));
    assert.equal(out.split('\n').length, 2, 'one line, newline-terminated');
    const families = JSON.parse(out) as { id: number; name: string }[];
    assert.ok(Array.isArray(families));
    const expected = namesAndIds(text);
    assert.ok(expected.length > 0);
    assert.deepEqual(families.map((f) => [f.name, f.id]), expected);
    for (const f of families) {
      assert.deepEqual(Object.keys(f), ['id', 'name', 'version', 'hdrsize', 'maxattr', 'ops', 'mcastGroups']);
    }
  });

  test('-j show nlctrl is one family object with flag names', () => {
    const f = JSON.parse(ok(nlkit('-j', 'genl', 'show', 'nlctrl')));
    assert.equal(f.name, 'nlctrl');
    assert.equal(f.id, 16);
    assert.ok(f.version >= 1);
    assert.equal(f.hdrsize, 0);
    assert.ok(Array.isArray(f.ops) && f.ops.length > 0);
    // CTRL_CMD_GETFAMILY (3): do, dump, policy.
    const getfamily = f.ops.find((op: { id: number }) => op.id === 3);
    assert.ok(getfamily.flags.includes('do') && getfamily.flags.includes('dump'), JSON.stringify(getfamily));
    assert.deepEqual(f.mcastGroups, [{ name: 'notify', id: 16 }]);
  });

  test('--pretty indents the same JSON', () => {
    const plain = ok(nlkit('genl', 'show', 'nlctrl', '--json'));
    const pretty = ok(nlkit('genl', 'show', 'nlctrl', '-jp'));
    assert.ok(pretty.split('\n').length > 10);
    assert.match(pretty, /^\{\n {4}"id": 16,\n/);
    assert.deepEqual(JSON.parse(pretty), JSON.parse(plain));
  });

  test('an unknown family: exit 2 and the kernel error on stderr', () => {
    const r = nlkit('genl', 'show', 'nosuchfamily42');
    assert.equal(r.status, 2);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr, 'nlkit: genl: family "nosuchfamily42": ENOENT: no such file or directory\n');
    const c = nlkit('genl', 'ctrl', 'get', 'name', 'nosuchfamily42');
    assert.equal(c.status, 2);
    assert.equal(c.stderr, r.stderr);
  });

  test('usage errors: exit 1, a message and a short usage on stderr', () => {
    for (const args of [['genl', 'frobnicate'], ['genl', 'list', '--bogus'], ['genl', 'show', 'a', 'b'], ['nosuchgroup'], []]) {
      const r = nlkit(...args);
      assert.equal(r.status, 1, args.join(' '));
      assert.equal(r.stdout, '');
      assert.match(r.stderr, /Usage: nlkit/);
    }
    assert.match(nlkit('genl', 'frobnicate').stderr, /^nlkit: genl: unknown genl command "frobnicate"\n/);
  });

  test('help and version', () => {
    const version = (JSON.parse(readFileSync(PACKAGE_JSON, 'utf8')) as { version: string }).version;
    assert.equal(ok(nlkit('--version')), `${version}\n`);
    assert.equal(ok(nlkit('-V')), `${version}\n`);
    const help = ok(nlkit('--help'));
    assert.match(help, /^Usage: nlkit /);
    assert.match(help, /\n {2}genl {2}/);
    const genlHelp = ok(nlkit('genl', 'help'));
    assert.match(genlHelp, /^Usage: nlkit genl list/);
    assert.equal(ok(nlkit('genl', '--help')), genlHelp);
    assert.equal(ok(nlkit('help', 'genl')), genlHelp);
  });
});

describe('nlkit argument parser', () => {
  const specs = [
    { name: 'json', short: 'j', type: 'boolean' },
    { name: 'pretty', short: 'p', type: 'boolean' },
    { name: 'netns', short: 'n', type: 'string' },
  ] as const;

  test('options anywhere, clusters, values, --', () => {
    assert.deepEqual(parseArgs(['show', '-jp', 'x', '--netns=a', '-nb', '--', '-j'], specs), {
      options: { json: true, pretty: true, netns: 'b' },
      positionals: ['show', 'x', '-j'],
    });
    assert.deepEqual(parseArgs(['--netns', 'a', '-1', '-'], specs), { options: { netns: 'a' }, positionals: ['-1', '-'] });
  });

  test('stopAtPositional leaves the group its options', () => {
    assert.deepEqual(parseArgs(['-j', 'genl', 'list', '-p'], specs, { stopAtPositional: true }), {
      options: { json: true },
      positionals: ['genl', 'list', '-p'],
    });
  });

  test('mistakes are usage errors', () => {
    assert.throws(() => parseArgs(['--nope'], specs), UsageError);
    assert.throws(() => parseArgs(['-x'], specs), UsageError);
    assert.throws(() => parseArgs(['--json=1'], specs), UsageError);
    assert.throws(() => parseArgs(['--netns'], specs), UsageError);
  });

  test('keywords: exact, alias, unique prefix', () => {
    const table = [{ name: 'list', aliases: ['ls'] }, { name: 'link' }, { name: 'show' }];
    assert.equal(matchKeyword('ls', table), 'list');
    assert.equal(matchKeyword('s', table), 'show');
    assert.equal(matchKeyword('lis', table), 'list');
    assert.equal(matchKeyword('x', table), undefined);
    assert.throws(() => matchKeyword('l', table), UsageError);
  });
});
