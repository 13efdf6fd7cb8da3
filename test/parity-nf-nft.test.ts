// `nlkit nft` against nft 1.0.x where they disagreed: named priorities that belong to one hook
// (dstnat, srcnat, bridge's out), transport fields after `ip protocol` / `ip6 nexthdr` and
// dependencies with other matches between, and builder errors in a script naming its line.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { NetlinkArgumentError } from '../src/core/errors.js';
import { UsageError } from '../src/cli/args.js';
import { parseNftCommand } from '../src/cli/nft-parse.js';
import { priorityText, priorityValue } from '../src/netfilter/nft-names.js';
import { nlkit, ok } from './helpers/cli-run.js';
import { run, withNetns } from './helpers/netns.js';
import { needNft } from './helpers/nft-oracle.js';

type J = Record<string, unknown>;
const nftIn = (ns: string, ...a: string[]) => run('ip', ['netns', 'exec', ns, 'nft', ...a]);
const listJson = (text: string): J[] => (JSON.parse(text) as { nftables: J[] }).nftables.filter((x) => !('metainfo' in x));
/** Handles differ between two rulesets made apart: compared without them. */
const sansHandles = (list: J[]): J[] => JSON.parse(JSON.stringify(list, (k, v) => (k === 'handle' ? undefined : v))) as J[];

/** A script in a file of a throwaway directory, for fn. */
async function withScript(text: string, fn: (file: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'nlkt-pnf-'));
  try {
    const file = join(dir, 'r.nft');
    writeFileSync(file, text);
    await fn(file);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const fileRe = (file: string) => file.replace(/[.]/g, '\\.');

/** A script applied by nft in one namespace and by nlkit in another: both rulesets, and nlkit's listings of nft's. */
async function bothWays(script: string): Promise<void> {
  await withScript(script, async (file) => {
    const theirs = await withNetns((ns) => {
      nftIn(ns, '-f', file);
      const n = (...a: string[]) => ok(nlkit('nft', '--netns', ns, ...a));
      // nlkit reads what nft made as nft lists it
      assert.equal(n('list', 'ruleset'), nftIn(ns, 'list', 'ruleset'));
      assert.deepEqual(listJson(n('-j', 'list', 'ruleset')), listJson(nftIn(ns, '-j', 'list', 'ruleset')));
      return listJson(nftIn(ns, '-j', 'list', 'ruleset'));
    });
    await withNetns((ns) => {
      ok(nlkit('nft', '--netns', ns, '-f', file));
      // and makes what nft makes
      assert.deepEqual(sansHandles(listJson(nftIn(ns, '-j', 'list', 'ruleset'))), sansHandles(theirs));
    });
  });
}

describe('nlkit nft: priorities by hook, as nft names them', () => {
  test('dstnat only on prerouting, srcnat only on postrouting (bridge: out only on output): by name in, by number out', () => {
    assert.equal(priorityText('ip', -100, 'prerouting'), 'dstnat');
    assert.equal(priorityText('ip', -100, 'output'), '-100');
    assert.equal(priorityText('ip', -90, 'input'), '-90');
    assert.equal(priorityText('inet', 95, 'forward'), '95');
    assert.equal(priorityText('ip', 105, 'postrouting'), 'srcnat + 5');
    assert.equal(priorityText('ip', -150, 'output'), 'mangle');
    assert.equal(priorityText('bridge', 100, 'input'), '100');
    assert.equal(priorityText('bridge', 95, 'output'), 'out - 5');
    assert.equal(priorityValue('ip', 'dstnat', 'prerouting'), -100);
    assert.equal(priorityValue('bridge', 'out + 1', 'output'), 101);
    for (const [fam, name, hook] of [['ip', 'dstnat', 'input'], ['inet', 'srcnat - 5', 'output'], ['ip6', 'dstnat', 'postrouting'], ['bridge', 'out', 'input'], ['bridge', 'srcnat', 'prerouting']] as const)
      assert.throws(() => priorityValue(fam, name, hook), (e: Error) => e instanceof NetlinkArgumentError && /is for \w+ chains only, this chain hooks/.test(e.message), `${fam} ${name} ${hook}`);
  });

  test('base chains of every family and hook at priorities near the named ones list as nft lists them', async (t) => {
    if (!needNft(t)) return;
    const hooks: Record<string, string[]> = {
      ip: ['prerouting', 'input', 'forward', 'output', 'postrouting'], inet: ['prerouting', 'input', 'forward', 'output', 'postrouting'],
      bridge: ['prerouting', 'input', 'forward', 'output', 'postrouting'], arp: ['input', 'output'],
    };
    const prios = [-300, -150, -110, -100, -95, -10, 0, 50, 95, 100, 110, 300, -200, -195];
    let text = '';
    for (const [fam, hs] of Object.entries(hooks)) {
      text += `table ${fam} p {\n`;
      for (const h of hs) for (const p of prios) text += `  chain ${h}_${String(p).replace('-', 'm')} {\n    type filter hook ${h} priority ${p}; policy accept;\n  }\n`;
      if (fam === 'ip') for (const h of ['prerouting', 'input', 'output', 'postrouting']) for (const p of [-100, -90, 100, 110]) text += `  chain nat_${h}_${String(p).replace('-', 'm')} {\n    type nat hook ${h} priority ${p};\n  }\n`;
      text += '}\n';
    }
    await bothWays(text);
  });

  test('nft refuses a NAT priority name on another hook, and so does nlkit nft (the line named, nothing applied)', async (t) => {
    if (!needNft(t)) return;
    await withScript('table ip t {\n  chain c {\n    type filter hook input priority dstnat;\n  }\n}\n', (file) => withNetns((ns) => {
        assert.throws(() => nftIn(ns, '-f', file), /invalid priority expression value in this context/);
        const r = nlkit('nft', '--netns', ns, '-f', file);
        assert.notEqual(r.status, 0);
        assert.match(r.stderr, new RegExp(`${fileRe(file)}:2: .*'dstnat' is for prerouting chains only, this chain hooks input`));
        assert.equal(nftIn(ns, 'list', 'ruleset'), '');
        const cmd = nlkit('nft', '--netns', ns, 'add', 'chain', 'inet', 't', 'c', '{ type filter hook output priority srcnat; }');
        assert.notEqual(cmd.status, 0);
        assert.match(cmd.stderr, /'srcnat' is for postrouting chains only/);
      }));
  });
});

describe('nlkit nft: transport fields and their dependencies, as nft writes and lists them', () => {
  test('`ip protocol tcp` / `ip6 nexthdr tcp` before a tcp field, and dependencies with matches between, in every family', async (t) => {
    if (!needNft(t)) return;
    await bothWays(`table ip t {
  chain c {
    ip protocol tcp tcp dport 22
    ip protocol tcp ip saddr 1.2.3.4 tcp dport 22
    meta l4proto tcp ip saddr 1.2.3.4 tcp dport 22
    ip protocol udp udp dport { 53, 54 }
    ip protocol tcp ip saddr . tcp dport { 1.2.3.4 . 22 }
    ip protocol != tcp tcp dport 22
    ip protocol tcp counter tcp dport 22
    ip protocol 6 tcp sport 1024-65535
  }
}
table inet i {
  chain c {
    ip6 nexthdr tcp tcp dport 22
    ip protocol tcp tcp dport 22
    meta l4proto tcp ip saddr 1.2.3.4 tcp dport 22
    meta nfproto ipv4 meta mark 1 ip saddr 1.2.3.4
    meta nfproto ipv4 counter ip saddr 1.2.3.4
  }
}
table ip6 s {
  chain c {
    ip6 nexthdr tcp tcp sport 1024-65535
    ip6 nexthdr udp ip6 saddr ::1 udp dport 53
  }
}
table bridge b {
  chain c {
    ip protocol tcp tcp dport 22
    meta protocol ip meta mark 1 ip saddr 1.2.3.4
    meta l4proto udp meta mark 1 udp dport 53
  }
}
table netdev n {
  chain c {
    ip6 nexthdr tcp tcp dport 22
  }
}
`);
  });
});

describe('nlkit nft -f: what the builder refuses names the script line', () => {
  test('a bad element value is reported at its line of the file', async (t) => {
    if (!needNft(t)) return;
    await withScript('add table ip t\nadd set ip t s { type ipv4_addr; }\n\nadd element ip t s { 10.0.0.1, 300.1.1.1 }\n', (file) => withNetns((ns) => {
        const r = nlkit('nft', '--netns', ns, '-f', file);
        assert.notEqual(r.status, 0);
        assert.match(r.stderr, new RegExp(`^nlkit: nft: ${fileRe(file)}:4: The "commands\\[2\\]\\.elements\\[1\\]" option`));
        assert.equal(nftIn(ns, 'list', 'ruleset'), '');
      }));
  });
});

describe('nlkit nft: sets with timeouts, as nft makes and lists them', () => {
  test('a default timeout without the timeout flag (nft adds the flag); a lone timeout flag beside a default timeout is not listed', async (t) => {
    if (!needNft(t)) return;
    await bothWays(`table inet x {
  set a { type ipv4_addr; flags timeout; }
  set b { type ipv4_addr; timeout 10s; }
  set c { type ipv4_addr; flags timeout; timeout 10s; }
  set e { type ipv4_addr; flags dynamic,timeout; timeout 10s; }
  set h { type ipv4_addr; flags interval,timeout; timeout 1h; }
  set i { type ipv4_addr; flags dynamic; timeout 2m; }
  map m { type ipv4_addr : inet_service; timeout 5s; }
}
`);
  });

  test('elements with their own timeouts and the time they have left list as nft lists them (text and -j)', async (t) => {
    if (!needNft(t)) return;
    await withNetns((ns) => {
      run('ip', ['netns', 'exec', ns, 'nft', '-f', '-'], `table ip t {
  set to { type ipv4_addr; flags timeout; timeout 30s; elements = { 1.1.1.1 timeout 10s, 2.2.2.2, 3.3.3.3 timeout 1h } }
  set nt { type ipv4_addr; flags timeout; elements = { 4.4.4.4 timeout 5m, 5.5.5.5 } }
  set iv { type ipv4_addr; flags interval,timeout; elements = { 10.0.0.0/8 timeout 1m, 192.168.0.1-192.168.0.9 timeout 2m, 172.16.0.1 } }
  set cc { type ipv4_addr . inet_service; flags timeout; elements = { 10.0.0.1 . 22 timeout 1m, 10.0.0.2 . 80 } }
  map m { type ipv4_addr : inet_service; flags timeout; elements = { 10.0.0.1 timeout 1m : 80, 10.0.0.2 : 81 } }
  map vm { type inet_service : verdict; flags timeout; timeout 1d; elements = { 22 : accept, 23 timeout 1m : drop } }
  set dyn { type ipv4_addr; flags dynamic,timeout; timeout 1m; }
  chain c {
    type filter hook output priority 0;
    update @dyn { ip daddr }
  }
}
`);
      run('ip', ['netns', 'exec', ns, 'ping', '-c', '1', '-W', '1', '127.0.0.1']);
      // the time left ticks between two reads
      const untimed = (s: string) => s.replace(/expires [0-9a-z]+/g, 'expires T').replace(/"expires":\s*\d+/g, '"expires":0');
      const ours = ok(nlkit('nft', '--netns', ns, 'list', 'ruleset'));
      assert.match(ours, /1\.1\.1\.1 timeout 10s expires \d+s\d*m?s?/);
      assert.match(ours, /elements = \{ 127\.0\.0\.1 expires /);
      assert.equal(untimed(ours), untimed(nftIn(ns, 'list', 'ruleset')));
      assert.deepEqual(JSON.parse(untimed(JSON.stringify(listJson(ok(nlkit('nft', '--netns', ns, '-j', 'list', 'ruleset')))))),
        JSON.parse(untimed(JSON.stringify(listJson(nftIn(ns, '-j', 'list', 'ruleset'))))));
    });
  });
});

describe('nlkit nft: elements of host-order types in the order nft lists them', () => {
  test('marks and interface names sort as host integers (1, 2, 256, 65536; "lo" before "eth0"); map data keeps its type\'s form', async (t) => {
    if (!needNft(t)) return;
    await bothWays(`table ip t {
  set ifs { type ifname; elements = { "ab", "ba", "lo", "eth0", "zz", "a" } }
  set mk { type mark; elements = { 1, 256, 2, 65536, 3 } }
  map mm { type mark : ifname; elements = { 256 : "b", 1 : "a" } }
  map m2 { type ipv4_addr : mark; elements = { 1.1.1.1 : 256, 1.1.1.2 : 1 } }
  map m3 { type ifname : inet_service; elements = { "lo" : 1, "eth0" : 2 } }
}
`);
  });
});

describe('nlkit nft list: one kind of object, as nft lists it', () => {
  test('list chains|sets|maps|counters|quotas|limits, list chain|set|map, with -a and -j: the same text and JSON (key order too)', async (t) => {
    if (!needNft(t)) return;
    await withNetns((ns) => {
      run('ip', ['netns', 'exec', ns, 'nft', '-f', '-'], `table ip t {
  counter a { }
  counter b { }
  quota q { 5 mbytes }
  limit l { rate 5/second }
  limit lb { rate over 1 mbytes/second burst 2048 bytes }
  set s { type ipv4_addr; elements = { 1.1.1.1 } }
  set s2 { type inet_service; }
  map m { type ipv4_addr : mark; elements = { 1.1.1.1 : 1 } }
  chain c1 { type filter hook input priority 0; counter name "a"; }
  chain c2 { ip saddr @s accept; }
}
table inet u {
  chain c { }
}
table ip empty {
}
table ip g {
  counter x { }
}
`);
      for (const cmd of ['list chains', 'list sets', 'list maps', 'list maps ip', 'list counters', 'list quotas', 'list limits', 'list chain ip t c2', 'list set ip t s',
        'list map ip t m', 'list counters table ip t', 'list table ip t', '-a list chains', '-a list sets', '-a list set ip t s', '-a list chain ip t c1', '-a list counters', '-a list table ip t']) {
        const words = cmd.split(' ');
        assert.equal(ok(nlkit('nft', '--netns', ns, ...words)), nftIn(ns, ...words), cmd);
        // JSON as text: the keys in nft's order too
        const j = (s: string) => JSON.stringify((JSON.parse(s) as { nftables: unknown[] }).nftables.slice(1));
        assert.equal(j(ok(nlkit('nft', '--netns', ns, '-j', ...words))), j(nftIn(ns, '-j', ...words)), `-j ${cmd}`);
      }
      // a set is not a map, nor a map a set: not found, as nft
      for (const cmd of ['list set ip t m', 'list map ip t s']) {
        assert.throws(() => nftIn(ns, ...cmd.split(' ')), /No such file or directory/);
        const r = nlkit('nft', '--netns', ns, ...cmd.split(' '));
        assert.notEqual(r.status, 0, cmd);
        assert.match(r.stderr, /No such file or directory/);
      }
    });
  });
});

describe('nlkit nft: statements it does not have are named, not taken for values', () => {
  test('`ct mark set 1`, `meta mark set 0x10`, `tcp dport vmap @vm`, `ip saddr map @m`: a usage error naming the statement', () => {
    for (const [rule, words] of [['ct mark set 1', 'ct mark set'], ['meta mark set 0x10', 'meta mark set'], ['mark set 1', 'meta mark set'], ['tcp dport vmap @vm', 'tcp dport vmap'],
      ['tcp dport vmap { 22 : accept }', 'tcp dport vmap'], ['ip saddr map @m', 'ip saddr map']]) {
      assert.throws(() => parseNftCommand(['add', 'rule', 't', 'c', rule]), (e: Error) => e instanceof UsageError && e.message === `"${words}" is not supported (nlkit nft matches fields; it has no ${words.split(' ').pop()} statement)`, rule);
    }
  });
});

describe('nlkit nft -f: elements with their own timeouts', () => {
  test('KEY timeout T in sets, sets of tuples and maps (and add element): what nft makes; interval sets refuse them', async (t) => {
    if (!needNft(t)) return;
    const script = `table ip t {
  set to { type ipv4_addr; flags timeout; timeout 30s; elements = { 1.1.1.1 timeout 10s, 2.2.2.2, 3.3.3.3 timeout 1h } }
  set nt { type ipv4_addr; flags timeout; elements = { 4.4.4.4 timeout 5m, 5.5.5.5 } }
  set cc { type ipv4_addr . inet_service; flags timeout; elements = { 10.0.0.1 . 22 timeout 1m, 10.0.0.2 . 80 } }
  map m { type ipv4_addr : inet_service; flags timeout; elements = { 10.0.0.1 timeout 1m : 80, 10.0.0.2 : 81 } }
  map vm { type inet_service : verdict; flags timeout; timeout 1d; elements = { 22 : accept, 23 timeout 1m : drop } }
}
add element ip t nt { 6.6.6.6 timeout 2m }
`;
    // the time left ticks: compared without it
    const state = (ns: string) => JSON.parse(JSON.stringify(sansHandles(listJson(nftIn(ns, '-j', 'list', 'ruleset'))), (k, v) => (k === 'expires' ? undefined : v))) as J[];
    await withScript(script, async (file) => {
      const theirs = await withNetns((ns) => {
        nftIn(ns, '-f', file);
        return state(ns);
      });
      await withNetns((ns) => {
        ok(nlkit('nft', '--netns', ns, '-f', file));
        assert.deepEqual(state(ns), theirs);
        const r = nlkit('nft', '--netns', ns, 'add', 'set', 'ip', 't', 'iv', '{ type ipv4_addr; flags interval,timeout; elements = { 10.0.0.0/8 timeout 1m }; }');
        assert.notEqual(r.status, 0);
        assert.match(r.stderr, /own timeout: nlkit writes those in sets without the interval flag only/);
      });
    });
  });
});

describe('nlkit nft: set sizes', () => {
  test('size N in sets, dynamic sets, maps and sets of tuples: what nft makes, listed as nft lists it', async (t) => {
    if (!needNft(t)) return;
    await bothWays(`table ip t {
  set a { type ipv4_addr; size 1000; }
  set d { type ipv4_addr; flags dynamic; size 10; }
  set e { type ipv4_addr; flags dynamic; }
  map m { type ipv4_addr : mark; size 5; elements = { 1.1.1.1 : 1 } }
  set c { type ipv4_addr . inet_service; size 100; }
}
`);
  });
});

describe('nlkit nft: map elements deleted by their keys; verdict maps of a block jumping to its chains', () => {
  test('delete element ip t m { 22 } (the key alone, as nft takes it) and { 23 : drop }: what nft does', async (t) => {
    if (!needNft(t)) return;
    await bothWays(`table ip t {
  map m { type inet_service : verdict; elements = { 22 : accept, 23 : drop, 25 : accept } }
  map a { type ipv4_addr : inet_service; elements = { 1.1.1.1 : 80, 1.1.1.2 : 81 } }
}
delete element ip t m { 22 }
delete element ip t m { 23 : drop }
delete element ip t a { 1.1.1.2 }
`);
  });

  test('a block\'s verdict map may jump to a chain of the block (nft makes the chains before the sets)', async (t) => {
    if (!needNft(t)) return;
    await bothWays(`table inet f {
  map ports { type inet_service : verdict; elements = { 22 : jump ssh, 80 : goto web, 443 : accept } }
  chain ssh { counter; accept; }
  chain web { }
  chain in {
    type filter hook input priority 0; policy accept;
    tcp dport @ports counter
  }
}
`);
  });
});
