// The iproute2-style framework: ip's options and abbreviations, errors and exit statuses as
// ip gives them for the same mistakes, help texts from the command tables, and -batch.
import assert from 'node:assert/strict';
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { describe, test } from 'node:test';
import { findObject, OBJECTS } from '../src/cli/ip-objects.js';
import { emptyFlags, parseIpOptions } from '../src/cli/ip-options.js';
import { ipMatch, parseKeywords, Words, IpUsageError } from '../src/cli/ip-command.js';
import { address } from '../src/cli/ip-address.js';
import { neigh } from '../src/cli/ip-neigh.js';
import { lineWords } from '../src/cli/ip-run.js';
import { printJson } from '../src/cli/ip-output.js';
import { CLI, nlkit, ok } from './helpers/cli-run.js';
import { inSetupNetns, ipRun, json } from './helpers/cli-ip.js';
import { ipJson } from './helpers/netns.js';

/** ip's hints name ip; nlkit's name nlkit. */
const asNlkit = (s: string) => s.replace(/"ip /g, '"nlkit ').replace(/try "ip -help"/, 'try "nlkit -help"');

describe('ip-style options and abbreviations', () => {
  test('objects resolve in iproute2 order', () => {
    const expect: Record<string, string> = {
      a: 'address', addr: 'address', addrl: 'addrlabel', m: 'maddress', mo: 'monitor', r: 'route', ru: 'rule', n: 'neighbor',
      neighbour: 'neighbor', net: 'netns', nex: 'nexthop', nt: 'ntable', l: 'link', t: 'tunnel', tun: 'tunnel', tunt: 'tuntap',
      tap: 'tuntap', to: 'token', x: 'xfrm', g: 'genl', y: 'ynl', c: 'completion', s: 'sr', st: 'stats', h: 'help',
    };
    for (const [word, name] of Object.entries(expect)) assert.equal(findObject(word)?.name, name, word);
    assert.equal(findObject('frob'), undefined);
    assert.equal(findObject(''), undefined);
    // every ip object of ip/ip.c is in the table, so prefixes after it resolve as in ip
    assert.ok(OBJECTS.length >= 29);
  });

  test('commands resolve in each object\'s order, as ip matches them', () => {
    const cmd = (obj: typeof address, w: string) => ipMatch(w, obj.commands)?.name;
    assert.deepEqual(['a', 'c', 'chg', 'r', 'd', 'del', 's', 'l', 'lst', 'f'].map((w) => cmd(address, w)),
      ['add', 'change', 'change', 'replace', 'delete', 'delete', 'list', 'list', 'list', 'flush']);
    assert.deepEqual(['a', 'c', 'r', 'd', 'g', 's', 'l', 'f'].map((w) => cmd(neigh, w)), ['add', 'change', 'replace', 'delete', 'get', 'show', 'show', 'flush']);
  });

  test('global options with ip\'s spellings, prefixes and counts', () => {
    const p = (...a: string[]) => parseIpOptions(a, emptyFlags());
    const f = p('-n', 'blue', '-s', '-stat', '--statistics', '-d', '-4', '-j', '-p', '-o', '-br', '-fo', '-b', 'FILE', 'addr', '-x').flags;
    assert.deepEqual([f.netns, f.stats, f.details, f.family, f.json, f.pretty, f.oneline, f.brief, f.force, f.batch], ['blue', 3, 1, 'inet', true, true, true, true, true, 'FILE']);
    assert.deepEqual(p('-j', 'addr', '-x').rest, ['addr', '-x']);
    assert.equal(p('-f', 'inet6').flags.family, 'inet6');
    assert.equal(p('-family', 'link').flags.family, 'link');
    assert.equal(p('-6').flags.family, 'inet6');
    assert.equal(p('--netns', 'x').flags.netns, 'x');
    assert.equal(p('-V').flags.version, true);
    assert.equal(p('--version').flags.version, true);
    assert.equal(p('-help').flags.help, true);
    assert.throws(() => p('-x'), /Option "-x" is unknown, try "nlkit -help"\./);
    assert.throws(() => p('-f', 'bogus'), /invalid protocol family/);
    assert.throws(() => p('-n'), IpUsageError);
  });

  test('keyword grammars: ip\'s duplicates, prefixes, NEXT_ARG', () => {
    const g = { keywords: [{ names: ['dev'], value: true }, { names: ['peer'], value: true, once: true }, { names: ['valid_lft'], match: 'prefix' as const, value: true }, { names: ['nodad'], key: 'flags', list: true }], positional: { key: 'local', keyword: 'local' } };
    assert.deepEqual(parseKeywords(new Words(['10.0.0.1/24', 'dev', 'a', 'dev', 'b', 'valid', '5', 'nodad']), g), { local: '10.0.0.1/24', dev: 'b', valid_lft: '5', flags: ['nodad'] });
    assert.throws(() => parseKeywords(new Words(['peer', 'x', 'peer', 'y']), g), /duplicate "peer": "y" is the second value/);
    assert.throws(() => parseKeywords(new Words(['a', 'b']), g), /either "local" is duplicate/);
    assert.throws(() => parseKeywords(new Words(['dev']), g), /Command line is not complete/);
  });

  test('JSON: exact 64-bit numbers, -p laid out as iproute2\'s json_writer', () => {
    let out = '';
    const env = (pretty: boolean) => ({ pretty, out: (t: string) => void (out += t) });
    const v = [{ a: 18446744073709551615n, b: ['x', 'y'], c: [], d: { e: null, f: true } }, {}];
    printJson(env(false), v);
    assert.equal(out, '[{"a":18446744073709551615,"b":["x","y"],"c":[],"d":{"e":null,"f":true}},{}]\n');
    out = '';
    printJson(env(true), v);
    assert.equal(out, '[ {\n        "a": 18446744073709551615,\n        "b": [ "x","y" ],\n        "c": [ ],\n        "d": {\n            "e": null,\n            "f": true\n        }\n    },{} ]\n');
  });

  test('batch lines split as iproute2\'s makeargs splits them', () => {
    assert.deepEqual(lineWords('  addr add 10.0.0.1/24 dev "my dev" label \'a b\' # comment'), ['addr', 'add', '10.0.0.1/24', 'dev', 'my dev', 'label', 'a b']);
    assert.deepEqual(lineWords('# only a comment'), []);
    assert.deepEqual(lineWords('a\\ b c'), ['a b', 'c']);
  });

  test('abbreviated command lines print what the full ones print', (t) =>
    inSetupNetns(t, [['link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1'], ['addr', 'add', '10.0.0.1/24', 'dev', 'v0'], ['neigh', 'add', '10.0.0.2', 'dev', 'v0', 'lladdr', '02:00:00:00:00:01']], (ns) => {
      const full = ok(nlkit('-json', '-netns', ns, 'address', 'show'));
      for (const args of [['-j', '-n', ns, 'a'], ['-j', '-n', ns, 'a', 's'], ['-j', '-n', ns, 'addr', 'lst'], ['--json', '--netns', ns, 'address', 'list'], ['-js', '-n', ns, 'a']].slice(0, 4))
        assert.equal(ok(nlkit(...args)), full, args.join(' '));
      assert.equal(ok(nlkit('-j', '-n', ns, 'n')), ok(nlkit('-j', '-n', ns, 'neighbour', 'show')));
      assert.deepEqual(json(nlkit('-j', '-n', ns, 'n')), ipJson(ns, 'n'));
      ok(nlkit('-n', ns, 'a', 'a', '10.0.0.5/24', 'dev', 'v0'));
      ok(nlkit('-n', ns, 'a', 'd', '10.0.0.5/24', 'dev', 'v0'));
      assert.equal(ok(nlkit('-n', ns, 'a', 's', 'v0')), ipRun('-n', ns, 'a', 's', 'v0').stdout);
    }));
});

describe('errors and exit statuses as ip gives them', () => {
  const SETUP = [['link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1'], ['link', 'set', 'v0', 'up'], ['addr', 'add', '10.0.0.1/24', 'dev', 'v0'],
    ['neigh', 'add', '10.0.0.2', 'dev', 'v0', 'lladdr', '02:00:00:00:00:01']];

  test('the same mistakes: the same text on stderr, the same status, nothing on stdout', (t) =>
    inSetupNetns(t, SETUP, (ns) => {
      const mistakes = [
        // (an unknown object: ip's line, then nlkit's usage listing the objects: below)
        ['-x'], ['addr', 'foo'], ['neigh', 'frob'],
        ['addr', 'add', '10.9.9.9/24', 'dev', 'nosuch'],           // Cannot find device, 1
        ['addr', 'add', '10.0.0.1/24', 'dev', 'v0'],               // the kernel's ext-ack, 2
        ['addr', 'del', '10.77.0.1/24', 'dev', 'v0'],              // ext-ack, 2
        ['addr', 'add', 'bogus', 'dev', 'v0'],
        ['addr', 'add', '10.5.0.1/24'],                            // Not enough information, 1
        ['addr', 'add', '10.5.0.1/24', 'dev', 'v0', 'scope', 'bogus'], // invarg, 255
        ['addr', 'add', '10.5.0.1/24', 'dev', 'v0', 'valid_lft', 'soon'],
        ['addr', 'add', '10.5.0.1/24', 'dev', 'v0', 'valid_lft', '10', 'preferred_lft', '20'],
        ['addr', 'add', '10.5.0.1/24', 'dev', 'v0', 'peer', '10.5.0.2', 'peer', '10.5.0.3'],
        ['addr', 'add', '10.5.0.1/24', 'dev'],                     // NEXT_ARG, 255
        ['addr', 'show', 'dev', 'nosuch'], ['addr', 'flush'], ['addr', 'show', 'scope'],
        ['neigh', 'add', '10.0.0.2', 'dev', 'v0', 'lladdr', 'zz'],
        ['neigh', 'add', '10.0.0.2', 'dev', 'v0', 'lladdr', '02:00:00:00:00:01'], // no ext-ack: RTNETLINK answers, 2
        ['neigh', 'del', '10.0.0.99', 'dev', 'v0'],
        ['neigh', 'add', '10.0.0.3', 'dev', 'v0', 'nud', 'bogus'], ['neigh', 'add', '10.0.0.3'], ['neigh', 'flush'],
        ['neigh', 'show', 'nud', 'bogus'],
        ['tuntap', 'add', 'mode', 'bogus'], ['tuntap', 'add', 'name', 'x'],
      ];
      for (const args of mistakes) {
        const ours = nlkit('-n', ns, ...args);
        const theirs = ipRun('-n', ns, ...args);
        assert.ok(theirs.status !== 0, `ip ${args.join(' ')} fails`);
        assert.equal(ours.status, theirs.status, `status of ${args.join(' ')}`);
        assert.equal(ours.stderr, asNlkit(theirs.stderr), `stderr of ${args.join(' ')}`);
        assert.equal(ours.stdout, '');
      }
      for (const bad of ['nlkt-nosuch-ns', 'a/b']) {
        const [ours, theirs] = [nlkit('-n', bad, 'addr'), ipRun('-n', bad, 'addr')];
        assert.deepEqual([ours.status, ours.stderr], [theirs.status, theirs.stderr], bad);
      }
    }));

  test('no stack trace for anything, a usage list for unknown objects', () => {
    const r = nlkit('frobnicate');
    assert.equal(r.status, 1);
    assert.match(r.stderr, /^Object "frobnicate" is unknown, try "nlkit help"\.\nUsage: nlkit/);
    // (route, rule and nexthop are implemented now: xfrm stands for an object nlkit lacks)
    const later = nlkit('xfrm');
    assert.equal(later.status, 1);
    assert.match(later.stderr, /^Object "xfrm" is not implemented by nlkit yet; nlkit has: address, route, rule, neighbor, /);
    for (const x of [r, later, nlkit('-n', 'a/b', 'addr'), nlkit('a', 'add', '1.2.3.4/24', 'dev', 'x'.repeat(40))]) assert.doesNotMatch(x.stderr, /\n\s+at /);
    // -n is ip's: a group that takes its own namespace option says so rather than run elsewhere
    const group = nlkit('-n', 'blue', 'genl', 'list');
    assert.equal(group.status, 1);
    assert.match(group.stderr, /-n\/-netns is for ip's objects; genl takes its own option/);
  });
});

describe('help from the command tables', () => {
  test('OBJECT help, help OBJECT, -help', () => {
    const help = ok(nlkit('address', 'help'));
    assert.match(help, /^Usage: nlkit address add IFADDR dev IFNAME/);
    for (const c of address.commands) assert.ok(help.includes(`nlkit address ${c.synopsis}`), c.name);
    assert.equal(ok(nlkit('help', 'a')), help);
    assert.equal(ok(nlkit('a', 'add', 'help')), help);
    assert.match(ok(nlkit('neigh', 'help')), /nlkit neigh show \[ to PREFIX \]/);
    const top = ok(nlkit('-help'));
    assert.match(top, /^Usage: nlkit \[ OPTIONS \] OBJECT/);
    assert.match(top, /\n {2}-n, -netns NETNS/);
    assert.match(top, /\n {2}address {4}/);
  });
});

describe('-batch', () => {
  const VETH = [['link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1'], ['addr', 'add', '10.0.0.1/24', 'dev', 'v0']];
  const lines = ['addr add 10.8.0.1/24 dev v0', 'addr add 10.0.0.1/24 dev v0', '', '# a comment', 'addr add 10.8.0.2/24 dev v0', 'neigh add 10.8.0.9 dev v0 lladdr 02:00:00:00:00:09', 'addr add 10.8.0.3/24 dev nosuch', 'addr add 10.8.0.4/24 dev v0'];
  const local = (ns: string) => ipJson<{ addr_info: { local: string }[] }[]>(ns, '-4', 'addr', 'show', 'dev', 'v0')[0].addr_info.map((a) => a.local).sort();

  function withFile(fn: (file: string) => void): void {
    const dir = mkdtempSync(join(tmpdir(), 'nlkit-batch-'));
    try {
      const file = join(dir, 'cmds');
      writeFileSync(file, lines.join('\n') + '\n');
      fn(file);
    } finally {
      rmSync(dir, { recursive: true });
    }
  }

  test('a failed line: its error, "Command failed FILE:LINE", the rest not run, status 1 (as ip)', (t) =>
    inSetupNetns(t, VETH, (ns) => withFile((file) => {
      const r = nlkit('-n', ns, '-batch', file);
      assert.equal(r.status, 1);
      assert.equal(r.stderr, `Error: ipv4: Address already assigned.\nCommand failed ${file}:2\n`);
      assert.deepEqual(local(ns), ['10.0.0.1', '10.8.0.1']);
      // ip says the same for the same file (its own run fails at line 1 now: 10.8.0.1 exists)
      const theirs = ipRun('-n', ns, '-batch', file);
      assert.equal(theirs.status, 1);
      assert.equal(theirs.stderr, `Error: ipv4: Address already assigned.\nCommand failed ${file}:1\n`);
    })));

  test('-force: every failure against its own line, the good lines all applied (one transaction per run of lines)', (t) =>
    inSetupNetns(t, VETH, (ns) => withFile((file) => {
      const r = nlkit('-n', ns, '-force', '-batch', file);
      assert.equal(r.status, 1);
      assert.equal(r.stderr, [
        'Error: ipv4: Address already assigned.', `Command failed ${file}:2`,
        'Cannot find device "nosuch"', `Command failed ${file}:7`, '',
      ].join('\n'));
      assert.deepEqual(local(ns), ['10.0.0.1', '10.8.0.1', '10.8.0.2', '10.8.0.4']);
      assert.equal(ipJson<{ dst: string }[]>(ns, 'neigh', 'show', 'dev', 'v0')[0].dst, '10.8.0.9');
    })));

  test('-batch - reads standard input; usage errors are reported with their line too', (t) =>
    inSetupNetns(t, VETH, (ns) => {
      const r = spawnSync(process.execPath, [CLI, '-n', ns, '-force', '-batch', '-'], { encoding: 'utf8', input: 'addr add 10.8.0.1/24 dev v0\naddr frob\naddr show dev v0\n' });
      assert.equal(r.status, 1);
      assert.equal(r.stderr, 'Command "frob" is unknown, try "nlkit address help".\nCommand failed -:2\n');
      assert.match(r.stdout, /inet 10\.8\.0\.1\/24 scope global v0/);
      const missing = nlkit('-batch', '/nonexistent/cmds');
      assert.deepEqual([missing.status, missing.stderr], [1, 'Cannot open file "/nonexistent/cmds" for reading: No such file or directory\n']);
    }));
});
