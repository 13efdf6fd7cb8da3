// `nlkit nft` against `nft`: a ruleset made with nlkit's command line in nft's words lists the
// same with `nft list ruleset` (text) and `nft -j list ruleset` (JSON, with the documented
// differences); a failing change is all-or-nothing with the kernel's error; nft's words parse
// into the builder's expressions; `nft` joins ip's objects without changing how ip's prefixes resolve.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { findObject, OBJECTS } from '../src/cli/ip-objects.js';
import { parseNftCommand, tokenize } from '../src/cli/nft-parse.js';
import { UsageError } from '../src/cli/args.js';
import { counter, ct, ip, masquerade, meta, tcp, accept, snat, limit, log } from '../src/netfilter/index.js';
import fc from 'fast-check';
import type { NftExpr } from '../src/netfilter/index.js';
import { ruleText } from '../src/netfilter/nft-text.js';
import { RUNS } from './helpers/arbitraries.js';
import { matchArb, stmtArb } from './helpers/nft-arbitraries.js';
import { nlkit, ok } from './helpers/cli-run.js';
import { run, withNetns } from './helpers/netns.js';
import { needNft } from './helpers/nft-oracle.js';


type J = Record<string, unknown>;
/** Without what nlkit documents as different from nft -j: metainfo, interface indexes, "dev". */
const comparable = (text: string): J[] => (JSON.parse(text) as { nftables: J[] }).nftables.filter((x) => !('metainfo' in x));

describe('nlkit nft: nft words', () => {
  test('rules in nft words parse into the builder expressions', () => {
    assert.deepEqual(tokenize(['add', 'rule', 't', 'c', 'tcp dport {22,80}', 'comment', '"a b"']), ['add', 'rule', 't', 'c', 'tcp', 'dport', '{', '22', ',', '80', '}', 'comment', 'a b']);
    assert.deepEqual(parseNftCommand(['add', 'rule', 'ip', 'sbx', 'post', 'ip', 'saddr', '10.0.0.0/24', 'oifname', 'eth0', 'counter', 'masquerade']), {
      commands: [{ add: 'rule', family: 'ip', table: 'sbx', chain: 'post', expr: [ip.saddr('10.0.0.0/24'), meta.oifname('eth0'), counter(), masquerade()] }],
    });
    assert.deepEqual(parseNftCommand(['insert rule inet t c handle 7 tcp dport != 1000-2000 ct state new,established meta mark 0x10 limit rate over 5/minute log prefix "x" level warn snat ip to 10.0.0.1:80-90 random']), {
      commands: [{ insert: 'rule', family: 'inet', table: 't', chain: 'c', handle: 7, expr: [
        tcp.dport({ range: [1000, 2000] }, '!='), ct.state(['new', 'established']), meta.mark(16), limit({ rate: 5, per: 'minute', over: true }),
        log({ prefix: 'x', level: 'warning' }), snat({ family: 'ip', addr: '10.0.0.1', ports: [80, 90], random: true })] }],
    });
    assert.deepEqual(parseNftCommand(['add', 'chain', 'ip', 't', 'c', '{ type nat hook postrouting priority srcnat - 1; policy accept; }']), {
      commands: [{ add: 'chain', family: 'ip', table: 't', name: 'c', type: 'nat', hook: 'postrouting', priority: 'srcnat - 1', policy: 'accept' }],
    });
    assert.deepEqual(parseNftCommand(['add map t m { type ipv4_addr : inet_service; elements = { 10.0.0.1 : 80, 10.0.0.2 : 81 }; }']), {
      commands: [{ add: 'set', family: 'ip', table: 't', name: 'm', type: 'ipv4_addr', map: 'inet_service', elements: [{ key: '10.0.0.1', value: 80 }, { key: '10.0.0.2', value: 81 }] }],
    });
    assert.deepEqual(parseNftCommand(['list', 'chain', 'inet', 't', 'c']), { list: 'chain', family: 'inet', table: 't', name: 'c' });
    assert.deepEqual(parseNftCommand(['delete', 'rule', 't', 'c', 'handle', '4']), { commands: [{ delete: 'rule', family: 'ip', table: 't', chain: 'c', handle: 4 }] });
    for (const bad of [['frobnicate'], ['add', 'rule', 't', 'c', 'ip', 'nosuch', '1'], ['delete', 'rule', 't', 'c'], ['add', 'rule', 't', 'c', 'limit', 'rate', 'fast'], ['list', 'everything']])
      assert.throws(() => parseNftCommand(bad), UsageError, bad.join(' '));
    assert.deepEqual(parseNftCommand(['add', 'rule', 't', 'c', 'tcp', 'dport', '22', 'accept']), { commands: [{ add: 'rule', family: 'ip', table: 't', chain: 'c', expr: [tcp.dport(22), accept()] }] });
  });

  test('nft is one of the objects, after ip\'s: every prefix ip resolves still resolves as in ip (n is neighbor)', () => {
    const ipRows = OBJECTS.filter((o) => o.name !== 'nft');
    // ip's rule, plus nlkit's one addition: a whole name wins over an earlier row it is a prefix of (tc, not tcpmetrics)
    const asIp = (w: string) => ipRows.find((o) => o.name === w) ?? ipRows.find((o) => o.name.startsWith(w) || o.aliases?.some((a) => a.startsWith(w)));
    for (const row of ipRows) {
      for (const name of [row.name, ...(row.aliases ?? [])]) {
        for (let i = 1; i <= name.length; i++) assert.equal(findObject(name.slice(0, i))?.name, asIp(name.slice(0, i))?.name, name.slice(0, i));
      }
    }
    assert.deepEqual(['n', 'ne', 'net', 'netc', 'nex', 'nf', 'nft'].map((w) => findObject(w)?.name), ['neighbor', 'neighbor', 'netns', 'netconf', 'nexthop', 'nft', 'nft']);
  });
});

describe('nlkit nft against nft', () => {
  test('a ruleset made with nlkit nft lists as nft lists it (text and -j), and a failing change applies nothing', async (t) => {
    if (!needNft(t)) return;
    await withNetns((ns) => {
      const n = (...a: string[]) => nlkit('nft', '--netns', ns, ...a);
      ok(n('add', 'table', 'ip', 'sbx'));
      ok(n('add', 'chain', 'ip', 'sbx', 'post', '{ type nat hook postrouting priority srcnat; policy accept; }'));
      ok(n('add', 'chain', 'ip', 'sbx', 'in', '{ type filter hook input priority filter + 5; policy drop; }'));
      ok(n('add', 'chain', 'ip', 'sbx', 'sub'));
      ok(n('add', 'rule', 'ip', 'sbx', 'post', 'ip', 'saddr', '10.0.0.0/24', 'oifname', '"eth0"', 'counter', 'masquerade'));
      ok(n('add', 'rule', 'sbx', 'post', 'ip daddr 1.2.3.4 snat to 10.0.0.1:1024-2048'));
      ok(n('add', 'set', 'sbx', 'blk', '{ type ipv4_addr; flags interval; elements = { 10.0.0.0/8, 1.2.3.4 }; }'));
      ok(n('add', 'map', 'sbx', 'vm', '{ type inet_service : verdict; elements = { 22 : accept, 23 : jump sub }; }'));
      ok(n('add', 'element', 'sbx', 'blk', '{ 9.9.9.9 }'));
      ok(n('add', 'rule', 'sbx', 'in', 'tcp dport { 22, 80 } ct state established,related accept comment "hi there"'));
      ok(n('add', 'rule', 'sbx', 'in', 'ip saddr @blk limit rate over 10/minute burst 7 packets log prefix "x " level info drop'));
      ok(n('insert', 'rule', 'sbx', 'in', 'udp', 'dport', '53', 'accept'));
      ok(n('add', 'table', 'inet', 'six'));
      ok(n('add', 'chain', 'inet', 'six', 'f', '{ type filter hook forward priority 0; }'));
      ok(n('add', 'rule', 'inet', 'six', 'f', 'ip6 daddr fd00::/64 tcp dport 22 reject with tcp reset'));
      const nftText = run('ip', ['netns', 'exec', ns, 'nft', 'list', 'ruleset']);
      // nft folds long element lists over lines; the sets here are short
      assert.equal(ok(n('list', 'ruleset')), nftText);
      const nftJ = run('ip', ['netns', 'exec', ns, 'nft', '-j', 'list', 'ruleset']);
      assert.deepEqual(comparable(ok(n('list', 'ruleset', '-j'))), comparable(nftJ));
      assert.deepEqual(comparable(ok(n('-j', 'list', 'tables'))), comparable(run('ip', ['netns', 'exec', ns, 'nft', '-j', 'list', 'tables'])));
      assert.equal(ok(n('list', 'chain', 'sbx', 'in')), run('ip', ['netns', 'exec', ns, 'nft', 'list', 'chain', 'ip', 'sbx', 'in']));
      const handles = ok(n('-a', 'list', 'chain', 'sbx', 'in'));
      const h = /udp dport 53 accept # handle (\d+)/.exec(handles)?.[1];
      assert.ok(h, handles);
      ok(n('delete', 'rule', 'sbx', 'in', 'handle', h!));
      assert.doesNotMatch(ok(n('list', 'chain', 'sbx', 'in')), /udp dport 53/);

      const before = ok(n('list', 'ruleset'));
      const bad = n('add', 'rule', 'sbx', 'nosuch', 'counter');
      assert.equal(bad.status, 2);
      assert.match(bad.stderr, /^nlkit: nft: nftables transaction failed at command 0 \(add rule\): ENOENT.*\(attribute \.chain\); nothing was applied\n$/);
      assert.equal(ok(n('list', 'ruleset')), before);
      const usage = n('add', 'rule', 'sbx', 'in', 'frob');
      assert.equal(usage.status, 1);
      assert.match(usage.stderr, /unknown expression "frob"/);
      ok(n('flush', 'ruleset'));
      assert.equal(run('ip', ['netns', 'exec', ns, 'nft', 'list', 'ruleset']), '');
    });
  });
});

describe('nlkit nft: printed nft words parse back', () => {
  test('fast-check: a rule printed as nft prints it parses back into the same builder shapes', () => {
    fc.assert(fc.property(fc.array(matchArb, { maxLength: 5 }), fc.array(stmtArb, { maxLength: 3 }), (m, s) => {
      const expr = [...m, ...s];
      const text = ruleText({ family: 'ip', table: 't', chain: 'c', handle: 1, expr });
      const parsed = parseNftCommand(['add', 'rule', 't', 'c', text]) as { commands: { expr: NftExpr[] }[] };
      assert.deepEqual(parsed.commands[0].expr, expr, text);
    }), { numRuns: RUNS.normal });
  });
});
