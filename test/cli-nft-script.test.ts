// `nlkit nft -f FILE` against `nft`: the same script applied by nlkit and by nft lists the same
// with `nft -j list ruleset`; the whole file is one transaction (a failure applies nothing and
// names the file's line); scripts parse into the commands the command line makes.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { UsageError } from '../src/cli/args.js';
import { parseNftScript } from '../src/cli/nft-script.js';
import { accept, concat, counter, dynset, fib, drop, ip, quota, tcp, udp } from '../src/netfilter/index.js';
import { CLI, nlkit, ok } from './helpers/cli-run.js';
import { spawnSync } from 'node:child_process';
import { run, withNetns } from './helpers/netns.js';
import { needNft } from './helpers/nft-oracle.js';

type J = Record<string, unknown>;
const nftJson = (ns: string): J[] => (JSON.parse(run('ip', ['netns', 'exec', ns, 'nft', '-j', 'list', 'ruleset'])) as { nftables: J[] }).nftables.filter((x) => !('metainfo' in x));
/** Handles differ between two rulesets made apart: compared without them. */
const sansHandles = (list: J[]): J[] => JSON.parse(JSON.stringify(list, (k, v) => (k === 'handle' ? undefined : v))) as J[];

const SCRIPT = `#!/usr/sbin/nft -f
# a sandbox's filtering, as scripts write it
flush ruleset

table inet sbx {
  counter ssh { packets 0 bytes 0 }
  quota monthly { over 10 mbytes }
  set allowed {
    type ipv4_addr . inet_service
    elements = { 10.0.0.1 . 22,
                 10.0.0.2 . 443 }
  }
  set seen { type ipv4_addr; flags dynamic, timeout; timeout 1m; }
  set blocked { type ipv4_addr; flags interval; elements = { 192.168.0.0/16 } }

  chain input {
    type filter hook input priority filter; policy accept;
    ip saddr @blocked drop
    fib saddr . iif oif missing drop
    ip saddr . tcp dport @allowed counter name "ssh" accept
    tcp dport 22 add @seen { ip saddr } accept # remember who knocked
    quota name "monthly" drop
  }
  chain fw {
    type filter hook forward priority 0
    ct state established,related accept
    udp dport { 53, 123 } counter accept
  }
}
add table ip nat
add chain ip nat post { type nat hook postrouting priority srcnat; }
add rule ip nat post ip saddr 10.0.0.0/24 oifname "eth0" masquerade
`;

describe('nlkit nft -f', () => {
  test('a script parses into one list of commands, blocks in declaration order, each with its line', () => {
    const cmds = parseNftScript(SCRIPT, 's.nft');
    assert.deepEqual(cmds.map((c) => [c.line, Object.keys(c.command)[0], Object.values(c.command)[0]]), [
      [3, 'flush', 'ruleset'], [5, 'add', 'table'], [6, 'add', 'counter'], [7, 'add', 'quota'], [8, 'add', 'set'], [13, 'add', 'set'], [14, 'add', 'set'],
      [16, 'add', 'chain'], [24, 'add', 'chain'], [18, 'add', 'rule'], [19, 'add', 'rule'], [20, 'add', 'rule'], [21, 'add', 'rule'], [22, 'add', 'rule'], [26, 'add', 'rule'], [27, 'add', 'rule'],
      [30, 'add', 'table'], [31, 'add', 'chain'], [32, 'add', 'rule'],
    ]);
    const byLine = (n: number) => cmds.find((c) => c.line === n && 'expr' in c.command)!.command as { expr: unknown };
    assert.deepEqual(byLine(19).expr, [fib({ flags: ['saddr', 'iif'], result: 'oif' }, 'missing'), drop()]);
    assert.deepEqual(byLine(20).expr, [concat(['ip.saddr', 'tcp.dport'], '@allowed'), counter('ssh'), accept()]);
    assert.deepEqual(byLine(21).expr, [tcp.dport(22), dynset('add', '@seen', 'ip.saddr'), accept()]);
    assert.deepEqual(byLine(18).expr, [ip.saddr('@blocked'), drop()]);
    assert.deepEqual(byLine(27).expr, [udp.dport([53, 123]), counter(), accept()]);
    const allowed = cmds[4].command as { type: unknown; elements: unknown };
    assert.deepEqual([allowed.type, allowed.elements], [['ipv4_addr', 'inet_service'], [['10.0.0.1', 22], ['10.0.0.2', 443]]]);
    assert.deepEqual(cmds.find((c) => c.line === 7)!.command, { add: 'quota', family: 'inet', table: 'sbx', name: 'monthly', over: true, bytes: 10 * 2 ** 20 });
    assert.deepEqual((cmds.find((c) => c.line === 24)!.command as J).priority, 0);
    assert.deepEqual(parseNftScript('table ip t {\n chain c {\n  quota 5 kbytes\n }\n}\n', 'x').at(-1)!.command, { add: 'rule', family: 'ip', table: 't', chain: 'c', expr: [quota(5120)] });
  });

  test('errors name the file and line', () => {
    const bad: [string, RegExp][] = [
      ['add table ip t\nadd rule ip t c tcp dport 22 frobnicate\n', /^f\.nft:2: unknown expression "frobnicate"/],
      ['table ip t {\n  chain c {\n    ip saddr\n  }\n}\n', /^f\.nft:3: missing a value/],
      ['table ip t {\n  chain c {\n', /^f\.nft:\d+: a "\{" is not closed/],
      ['define x = 1\ndefine x = 2\n', /^f\.nft:2: redefinition of symbol 'x'/],
      ['list ruleset\n', /^f\.nft:1: list commands cannot/],
      ['table ip t {\n  bogus x\n}\n', /^f\.nft:2: unknown statement "bogus"/],
    ];
    for (const [text, re] of bad) assert.throws(() => parseNftScript(text, 'f.nft'), (e: Error) => e instanceof UsageError && re.test(e.message), text);
  });

  test('nlkit nft -f and nft -f make the same ruleset (nft -j as the oracle), and a failing script applies nothing', async (t) => {
    if (!needNft(t)) return;
    const dir = mkdtempSync(join(tmpdir(), 'nlkt-nft-'));
    try {
      const file = join(dir, 'sbx.nft');
      writeFileSync(file, SCRIPT);
      const theirs = await withNetns((ns) => {
        run('ip', ['netns', 'exec', ns, 'nft', '-f', file]);
        return nftJson(ns);
      });
      await withNetns((ns) => {
        ok(nlkit('nft', '--netns', ns, '-f', file));
        const ours = nftJson(ns);
        assert.deepEqual(sansHandles(ours), sansHandles(theirs));
        // and nlkit lists what it made as nft does
        assert.deepEqual(sansHandles((JSON.parse(ok(nlkit('nft', '--netns', ns, '-j', 'list', 'ruleset'))) as { nftables: J[] }).nftables.filter((x) => !('metainfo' in x))), sansHandles(theirs));
        // and in nft's own words, as `nft list ruleset` prints them
        assert.equal(ok(nlkit('nft', '--netns', ns, 'list', 'ruleset')), run('ip', ['netns', 'exec', ns, 'nft', 'list', 'ruleset']));
        // a script failing on its last line: nothing of it applied, the ruleset as it was
        const broken = join(dir, 'broken.nft');
        writeFileSync(broken, 'flush ruleset\nadd table ip other\nadd chain ip other c\nadd rule ip other c counter name "missing"\n');
        const r = nlkit('nft', '--netns', ns, '-f', broken);
        assert.equal(r.status, 2);
        assert.match(r.stderr, new RegExp(`${broken.replace(/[.]/g, '\\.')}:4: .*No such file or directory|${broken.replace(/[.]/g, '\\.')}:4: .*ENOENT`));
        assert.deepEqual(nftJson(ns), ours);
        // -c: checked by the kernel, nothing applied; a bad script named at its line
        ok(nlkit('nft', '--netns', ns, '-c', '-f', file));
        assert.deepEqual(nftJson(ns), ours);
        const checked = nlkit('nft', '--netns', ns, '-c', '-f', broken);
        assert.equal(checked.status, 2);
        assert.match(checked.stderr, /:4: /);
        // stdin
        const piped = run(process.execPath, [new URL('../src/cli/main.js', import.meta.url).pathname, 'nft', '--netns', ns, '-f', '-'], 'add table ip piped\n');
        assert.equal(piped, '');
        assert.ok(nftJson(ns).some((x) => (x.table as J | undefined)?.name === 'piped'));
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('list and reset of named objects print what nft prints (text and -j)', async (t) => {
    if (!needNft(t)) return;
    await withNetns((ns) => {
      const nftIn = (...a: string[]) => run('ip', ['netns', 'exec', ns, 'nft', ...a]);
      run('ip', ['netns', 'exec', ns, 'nft', '-f', '-'], 'table inet f {\n counter hits { packets 3 bytes 300 }\n quota q { over 5000 bytes }\n limit l { rate 10/second }\n chain c {\n  counter name "hits"\n }\n}\ntable ip g {\n counter x {\n }\n}\n');
      for (const cmd of ['list counters', 'list quotas', 'list limits', 'list counters inet', 'list counters table inet f', 'list counter inet f hits', 'list quota inet f q']) {
        const words = cmd.split(' ');
        assert.equal(ok(nlkit('nft', '--netns', ns, ...words)), nftIn(...words), cmd);
        assert.deepEqual(JSON.parse(ok(nlkit('nft', '--netns', ns, '-j', ...words))).nftables.slice(1), JSON.parse(nftIn('-j', ...words)).nftables.slice(1), `-j ${cmd}`);
      }
      // reset: what the counters were, and zero after
      assert.match(ok(nlkit('nft', '--netns', ns, 'reset', 'counters', 'table', 'inet', 'f')), /packets 3 bytes 300/);
      assert.match(nftIn('list', 'counter', 'inet', 'f', 'hits'), /packets 0 bytes 0/);
      const missing = nlkit('nft', '--netns', ns, 'list', 'counter', 'inet', 'f', 'nope');
      assert.equal(missing.status, 2);
      assert.equal(nlkit('nft', '--netns', ns, 'reset', 'limits').status, 1);
    });
  });

  test('limits in bytes and packets, objects and rules: nlkit nft -f makes what nft -f makes, and prints it as nft does', async (t) => {
    if (!needNft(t)) return;
    const text = 'table inet f {\n limit lb { rate over 1 mbytes/second burst 2048 bytes }\n limit lp { rate 7/minute burst 3 packets }\n chain c {\n  limit rate over 3000 bytes/second\n  limit rate 2 kbytes/second burst 1000 bytes accept\n  limit rate over 10/day burst 7 packets drop\n  limit name "lb" drop\n }\n}\n';
    const theirs = await withNetns((ns) => {
      run('ip', ['netns', 'exec', ns, 'nft', '-f', '-'], text);
      return { json: nftJson(ns), text: run('ip', ['netns', 'exec', ns, 'nft', 'list', 'ruleset']) };
    });
    await withNetns((ns) => {
      const r = spawnSync(process.execPath, [CLI, 'nft', '--netns', ns, '-f', '-'], { input: text, encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      assert.deepEqual(sansHandles(nftJson(ns)), sansHandles(theirs.json));
      assert.equal(ok(nlkit('nft', '--netns', ns, 'list', 'ruleset')), theirs.text);
      assert.deepEqual(sansHandles((JSON.parse(ok(nlkit('nft', '--netns', ns, '-j', 'list', 'ruleset'))) as { nftables: J[] }).nftables.slice(1)), sansHandles(theirs.json));
    });
  });
});
