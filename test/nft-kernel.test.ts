// nlkit/netfilter nftables against the kernel, with `nft` as the independent oracle: what
// nlkit makes, `nft -j list ruleset` reads with the same values; what `nft -f` makes, nlkit
// reads; nlkit's rules reach the kernel as the same expressions nft's do; a failing
// transaction leaves the ruleset as it was; masquerade and drop rules act on real traffic.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { endianness } from 'node:os';
import { describe, test } from 'node:test';
import { Connection } from '../src/core/connection.js';
import { NETLINK_NETFILTER } from '../src/core/constants.js';
import { NetlinkArgumentError } from '../src/core/errors.js';
import { opCall } from '../src/ynl/op-call.js';
import { description as nftDesc, type ExprAttrsSet } from '../src/ynl/families/nftables.js';
import {
  accept, counter, ct, dnat, drop, jump, limit, log, masquerade, meta, NftTransactionError, openNft, redirect, reject, snat, tcp, udp, ip, ip6,
  type NftCommand, type NftExpr,
} from '../src/netfilter/index.js';
import { rulesetJson, stringifyJson } from '../src/netfilter/nft-json.js';
import { encodeRule } from '../src/netfilter/nft-expr-encode.js';
import { ip as ipCmd, needRoot, run, withNetns } from './helpers/netns.js';
import { hasNft, needNft } from './helpers/nft-oracle.js';

const hasPing = spawnSync('ping', ['-V']).status === 0;

const nftIn = (ns: string, ...args: string[]): string => run('ip', ['netns', 'exec', ns, 'nft', ...args]);
const nftFile = (ns: string, text: string): string => run('ip', ['netns', 'exec', ns, 'nft', '-f', '-'], text);
type J = Record<string, unknown>;
const nftJson = (ns: string): J[] => (JSON.parse(nftIn(ns, '-j', 'list', 'ruleset')) as { nftables: J[] }).nftables;

/**
 * nlkit's reading of the ruleset as nft's JSON, and nft's own, without the documented
 * differences: metainfo, `meta oif/iif` (nft prints the name, nlkit the index) and "dev".
 */
function comparable(list: J[]): J[] {
  return JSON.parse(JSON.stringify(list.filter((x) => !('metainfo' in x)), (k, v) => {
    if (k === 'dev') return undefined;
    if (v && typeof v === 'object' && 'left' in v && JSON.stringify((v as J).left).match(/"key":"(o|i)if"/)) return { ...(v as J), right: '<ifindex>' };
    return v;
  })) as J[];
}

async function withNft<T>(fn: (ns: string) => Promise<T> | T): Promise<T> {
  return withNetns(fn);
}

const ours = (ns: string): J[] => {
  const h = openNft({ netns: ns });
  try {
    return (JSON.parse(stringifyJson(rulesetJson(h.rulesetSync()))) as { nftables: J[] }).nftables;
  } finally {
    h.close();
  }
};

const RULES: { chain: string; expr: NftExpr[]; json: J[] }[] = [
  { chain: 'post', expr: [ip.saddr('10.0.0.0/24'), meta.oifname('eth0'), counter(), masquerade()], json: [
    { match: { op: '==', left: { payload: { protocol: 'ip', field: 'saddr' } }, right: { prefix: { addr: '10.0.0.0', len: 24 } } } },
    { match: { op: '==', left: { meta: { key: 'oifname' } }, right: 'eth0' } },
    { counter: { packets: 0, bytes: 0 } }, { masquerade: null }] },
  { chain: 'post', expr: [meta.l4proto('tcp'), masquerade({ ports: [1000, 2000], random: true })], json: [
    { match: { op: '==', left: { meta: { key: 'l4proto' } }, right: 'tcp' } }, { masquerade: { port: { range: [1000, 2000] }, flags: 'random' } }] },
  { chain: 'post', expr: [ip.daddr('1.2.3.4'), snat('10.0.0.1', { ports: 1024 })], json: [
    { match: { op: '==', left: { payload: { protocol: 'ip', field: 'daddr' } }, right: '1.2.3.4' } }, { snat: { addr: '10.0.0.1', port: 1024 } }] },
  { chain: 'pre', expr: [tcp.dport(80), dnat('10.0.0.2', { ports: 8080 })], json: [
    { match: { op: '==', left: { payload: { protocol: 'tcp', field: 'dport' } }, right: 80 } }, { dnat: { addr: '10.0.0.2', port: 8080 } }] },
  { chain: 'pre', expr: [udp.dport({ range: [5000, 5100] }, '!='), redirect({ ports: 53 })], json: [
    { match: { op: '!=', left: { payload: { protocol: 'udp', field: 'dport' } }, right: { range: [5000, 5100] } } }, { redirect: { port: 53 } }] },
  { chain: 'in', expr: [tcp.dport([22, 80, 443]), ct.state(['established', 'related']), accept()], json: [
    { match: { op: '==', left: { payload: { protocol: 'tcp', field: 'dport' } }, right: { set: [22, 80, 443] } } },
    { match: { op: 'in', left: { ct: { key: 'state' } }, right: ['established', 'related'] } }, { accept: null }] },
  { chain: 'in', expr: [ip.saddr(['10.0.0.1', '10.2.0.0/16']), log({ prefix: 'nlkit ' }), limit({ rate: 10, per: 'minute', burst: 7 }), drop()], json: [
    { match: { op: '==', left: { payload: { protocol: 'ip', field: 'saddr' } }, right: { set: ['10.0.0.1', { prefix: { addr: '10.2.0.0', len: 16 } }] } } },
    { log: { prefix: 'nlkit ' } }, { limit: { rate: 10, burst: 7, per: 'minute' } }, { drop: null }] },
  { chain: 'in', expr: [ip.saddr('@block'), meta.iifname('veth*'), meta.mark(0x10), jump('sub')], json: [
    { match: { op: '==', left: { payload: { protocol: 'ip', field: 'saddr' } }, right: '@block' } },
    { match: { op: '==', left: { meta: { key: 'iifname' } }, right: 'veth*' } },
    { match: { op: '==', left: { meta: { key: 'mark' } }, right: 16 } }, { jump: { target: 'sub' } }] },
  { chain: 'in', expr: [ct.state(['new']), ct.mark(5), reject('tcp-reset')], json: [
    { match: { op: 'in', left: { ct: { key: 'state' } }, right: 'new' } }, { match: { op: '==', left: { ct: { key: 'mark' } }, right: 5 } },
    { reject: { type: 'tcp reset' } }] },
  { chain: 'in', expr: [ip.saddr('10.0.0.0/20', '!='), reject()], json: [
    { match: { op: '!=', left: { payload: { protocol: 'ip', field: 'saddr' } }, right: { prefix: { addr: '10.0.0.0', len: 20 } } } },
    { reject: { type: 'icmp', expr: 'port-unreachable' } }] },
];

function objectsBatch(): NftCommand[] {
  return [
    { add: 'table', family: 'ip', name: 'nl' },
    { add: 'chain', family: 'ip', table: 'nl', name: 'post', type: 'nat', hook: 'postrouting', priority: 'srcnat', policy: 'accept' },
    { add: 'chain', family: 'ip', table: 'nl', name: 'pre', type: 'nat', hook: 'prerouting', priority: 'dstnat + 5' },
    { add: 'chain', family: 'ip', table: 'nl', name: 'in', type: 'filter', hook: 'input', priority: 'filter', policy: 'drop' },
    { add: 'chain', family: 'ip', table: 'nl', name: 'sub' },
    { add: 'set', family: 'ip', table: 'nl', name: 'block', type: 'ipv4_addr', flags: ['interval'], elements: ['10.9.0.0/16', '10.8.0.1'] },
    { add: 'set', family: 'ip', table: 'nl', name: 'ports', type: 'inet_service', elements: [22, 443] },
    { add: 'set', family: 'ip', table: 'nl', name: 'vm', type: 'inet_service', map: 'verdict', elements: [{ key: 22, value: accept() }, { key: 23, value: jump('sub') }] },
    { add: 'set', family: 'ip', table: 'nl', name: 'tmo', type: 'ipv4_addr', flags: ['timeout'], timeout: 30_000 },
    { add: 'set', family: 'ip', table: 'nl', name: 'ifs', type: 'ifname', elements: ['eth0', 'veth1'] },
    { add: 'set', family: 'ip', table: 'nl', name: 'mk', type: 'mark', map: 'ipv4_addr', elements: [{ key: 1, value: '10.0.0.1' }] },
    ...RULES.map((r) => ({ add: 'rule' as const, family: 'ip' as const, table: 'nl', chain: r.chain, expr: r.expr })),
    { add: 'table', family: 'inet', name: 'nl6' },
    { add: 'chain', family: 'inet', table: 'nl6', name: 'fwd', type: 'filter', hook: 'forward', priority: 'filter - 10', policy: 'accept' },
    { add: 'rule', family: 'inet', table: 'nl6', chain: 'fwd', expr: [ip6.daddr('fd00::/64'), tcp.dport(22), counter(), drop()], comment: 'no ssh' },
    { add: 'table', family: 'bridge', name: 'nlb' },
    { add: 'chain', family: 'bridge', table: 'nlb', name: 'f', type: 'filter', hook: 'forward', priority: 'filter' },
    { add: 'rule', family: 'bridge', table: 'nlb', chain: 'f', expr: [ip.saddr('1.2.3.4'), drop()] },
  ];
}

describe('nftables against the kernel (nft as the oracle)', () => {
  test('objects nlkit makes read back with `nft -j list ruleset` with the same values', async (t) => {
    if (!needNft(t)) return;
    await withNft(async (ns) => {
      const nft = openNft({ netns: ns });
      try {
        const res = await nft.transaction(objectsBatch());
        assert.equal(res.commands.length, objectsBatch().length);
        assert.ok(res.commands.filter((c) => c.op === 'add rule').every((c) => typeof c.handle === 'number' && c.handle > 0), 'rule handles echoed');
      } finally {
        nft.close();
      }
      const theirs = nftJson(ns);
      const find = (kind: string, pred: (o: J) => boolean) => theirs.map((x) => x[kind] as J).find((o) => o && pred(o));
      assert.deepEqual(find('chain', (c) => c.name === 'post'), { family: 'ip', table: 'nl', name: 'post', handle: find('chain', (c) => c.name === 'post')!.handle, type: 'nat', hook: 'postrouting', prio: 100, policy: 'accept' });
      assert.equal(find('chain', (c) => c.name === 'pre')!.prio, -95);
      assert.equal(find('chain', (c) => c.name === 'in')!.policy, 'drop');
      assert.equal(find('chain', (c) => c.name === 'fwd')!.prio, -10);
      assert.equal(find('chain', (c) => c.table === 'nlb')!.prio, -200);
      assert.equal(find('chain', (c) => c.name === 'sub')!.hook, undefined);
      const block = find('set', (s) => s.name === 'block')!;
      assert.deepEqual([block.type, block.flags, block.elem], ['ipv4_addr', ['interval'], ['10.8.0.1', { prefix: { addr: '10.9.0.0', len: 16 } }]]);
      assert.deepEqual(find('set', (s) => s.name === 'ports')!.elem, [22, 443]);
      assert.deepEqual(find('set', (s) => s.name === 'tmo')!.timeout, 30);
      // nft reads the elements in the byte order the set's user data gives (host order for names and marks)
      assert.deepEqual(find('set', (s) => s.name === 'ifs')!.elem, ['eth0', 'veth1']);
      assert.deepEqual(find('map', (s) => s.name === 'mk')!.elem, [[1, '10.0.0.1']]);
      assert.deepEqual(find('map', (s) => s.name === 'vm')!.elem, [[22, { accept: null }], [23, { jump: { target: 'sub' } }]]);
      const rules = theirs.map((x) => x.rule as J).filter((r) => r && r.table === 'nl');
      assert.deepEqual(rules.map((r) => r.expr), RULES.map((r) => r.json));
      const six = find('rule', (r) => r.table === 'nl6')!;
      assert.equal(six.comment, 'no ssh');
      assert.deepEqual(six.expr, [
        { match: { op: '==', left: { payload: { protocol: 'ip6', field: 'daddr' } }, right: { prefix: { addr: 'fd00::', len: 64 } } } },
        { match: { op: '==', left: { payload: { protocol: 'tcp', field: 'dport' } }, right: 22 } }, { counter: { packets: 0, bytes: 0 } }, { drop: null }]);
      // and nlkit reads the whole of it as nft does
      assert.deepEqual(comparable(ours(ns)), comparable(theirs));
    });
  });

  test('a ruleset made with `nft -f` is read by nlkit in builder shapes, and as nft -j prints it', async (t) => {
    if (!needNft(t)) return;
    await withNft(async (ns) => {
      nftFile(ns, `table ip f {
        set s4 { type ipv4_addr; flags interval; elements = { 192.168.0.0/24, 10.0.0.1-10.0.0.5 } }
        map ports { type inet_service : ipv4_addr; elements = { 80 : 10.0.0.2 } }
        chain c { type filter hook input priority filter + 10; policy accept;
          ip saddr 10.0.0.0/20 ip daddr 10.1.2.3 drop
          ip saddr != 10.0.0.1 tcp dport 22 accept
          udp sport != 53 continue
          meta iifname "eth0" oifname "veth*" return
          meta l4proto tcp meta mark 0x10 ct state established,related accept
          ct state new ct mark 5 log prefix "x " level info limit rate over 10/second burst 9 packets
          ip saddr @s4 counter
          meta oif 1 accept
          ip protocol icmp meta l4proto icmp numgen inc mod 2 == 0 accept
        }
        chain post { type nat hook postrouting priority srcnat - 1; oifname "eth0" masquerade persistent,fully-random; }
      }
      table ip6 six {
        chain o { type filter hook output priority 0; ip6 saddr ::1 ip6 nexthdr tcp reject; }
      }`);
      const nft = openNft({ netns: ns });
      try {
        const rules = (await nft.rules.list({ family: 'ip', table: 'f', chain: 'c' })).map((r) => r.expr.map((e) => (e.kind === 'counter' ? { kind: 'counter' } : e)));
        assert.deepEqual(rules.slice(0, 8), [
          [ip.saddr('10.0.0.0/20'), ip.daddr('10.1.2.3'), drop()],
          [ip.saddr('10.0.0.1', '!='), tcp.dport(22), accept()],
          [udp.sport(53, '!='), { kind: 'verdict', verdict: 'continue' }],
          [meta.iifname('eth0'), meta.oifname('veth*'), { kind: 'verdict', verdict: 'return' }],
          [meta.l4proto('tcp'), meta.mark(16), ct.state(['established', 'related']), accept()],
          [ct.state('new'), ct.mark(5), log({ prefix: 'x ', level: 'info' }), limit({ rate: 10, per: 'second', burst: 9, over: true })],
          [ip.saddr('@s4'), counter()],
          [meta.oif(1), accept()],
        ]);
        // numgen is no builder expression: kept raw, typed, in its place
        const last = rules[8];
        assert.deepEqual(last.slice(0, 2), [ip.protocol('icmp'), meta.l4proto('icmp')]);
        assert.ok(last.some((e) => e.kind === 'raw' && (e as { expr: ExprAttrsSet }).expr.name === 'numgen'), stringifyJson(last));
        assert.deepEqual(last[last.length - 1], accept());
        const [post] = await nft.rules.list({ family: 'ip', table: 'f', chain: 'post' });
        assert.deepEqual(post.expr, [meta.oifname('eth0'), masquerade({ persistent: true, fullyRandom: true })]);
        const [six] = nft.rules.listSync({ family: 'ip6' });
        assert.deepEqual(six.expr, [ip6.saddr('::1'), ip6.nexthdr('tcp'), reject()]);
        const [chain] = nft.chains.listSync({ table: 'f', name: 'c' });
        assert.deepEqual({ ...chain, handle: 0, use: 0 }, { family: 'ip', table: 'f', name: 'c', handle: 0, use: 0, type: 'filter', hook: 'input', priority: 10, policy: 'accept' });
        assert.deepEqual(await nft.elements.list({ family: 'ip', table: 'f', set: 's4' }), [{ range: ['10.0.0.1', '10.0.0.5'] }, '192.168.0.0/24']);
        assert.deepEqual(nft.elements.listSync({ family: 'ip', table: 'f', set: 'ports' }), [{ key: 80, value: '10.0.0.2' }]);
      } finally {
        nft.close();
      }
      // numgen has no JSON here: compare the rest
      const drop9 = (l: J[]) => l.filter((x) => !(x.rule && JSON.stringify(x).includes('numgen') || JSON.stringify(x).includes('nlkit_raw')));
      assert.deepEqual(drop9(comparable(ours(ns))), drop9(comparable(nftJson(ns))));
    });
  });

  // nft writes a host-order number (mark, iface_index) big-endian in an interval set; nlkit wrote
  // it little-endian, then refused [1, 256] (its bytes compared big-endian) and misread nft's
  test('interval sets of marks and interface indexes: nft\'s ranges read by nlkit, nlkit\'s by nft', async (t) => {
    if (!needNft(t)) return;
    await withNft(async (ns) => {
      nftFile(ns, `table ip m {
        set theirs { type mark; flags interval; elements = { 0x10000-0x20000, 7000, 1-256 }; }
        set idx { type iface_index; flags interval; elements = { 5-300 }; }
      }`);
      const nft = openNft({ netns: ns });
      try {
        assert.deepEqual(await nft.elements.list({ family: 'ip', table: 'm', set: 'theirs' }), [{ range: [1, 256] }, 7000, { range: [65536, 131072] }]);
        assert.deepEqual(await nft.elements.list({ family: 'ip', table: 'm', set: 'idx' }), [{ range: [5, 300] }]);
        await nft.transaction([
          // [200, 300] overlaps [1, 256]: one range, as nft merges them
          { add: 'set', family: 'ip', table: 'm', name: 'ours', type: 'mark', flags: ['interval'], elements: [{ range: [0x10000, 0x20000] }, 7000, { range: [1, 256] }, { range: [200, 300] }] },
          { add: 'set', family: 'ip', table: 'm', name: 'idx2', type: 'iface_index', flags: ['interval'], elements: [{ range: [5, 300] }] },
        ]);
        assert.deepEqual(await nft.elements.list({ family: 'ip', table: 'm', set: 'ours' }), [{ range: [1, 300] }, 7000, { range: [65536, 131072] }]);
      } finally {
        nft.close();
      }
      const elems = (set: string) => (JSON.parse(nftIn(ns, '-j', 'list', 'set', 'ip', 'm', set)) as { nftables: { set?: { elem: unknown } }[] }).nftables.find((x) => x.set)!.set!.elem;
      assert.deepEqual(elems('ours'), [{ range: [1, 300] }, 7000, { range: [65536, 131072] }]);
      assert.deepEqual(elems('idx2'), elems('idx'));
    });
  });

  // tuples were sorted by their bytes from the first: nft lists them by the whole key as one
  // host-order number (here little-endian: the last field weighs most, a mark as its number)
  test('sets of tuples (with a mark field, with a port) list in nft\'s order', async (t) => {
    if (!needNft(t)) return;
    await withNft(async (ns) => {
      nftFile(ns, `table ip m {
        set s { type ipv4_addr . mark; elements = { 10.0.0.2 . 1, 10.0.0.1 . 256, 10.0.0.1 . 2, 10.0.0.1 . 1 }; }
        set p { type ipv4_addr . inet_service; elements = { 10.0.0.2 . 80, 10.0.0.1 . 443, 10.0.0.1 . 80, 10.0.0.1 . 336 }; }
      }`);
      const nft = openNft({ netns: ns });
      try {
        for (const set of ['s', 'p']) {
          const ours = await nft.elements.list({ family: 'ip', table: 'm', set });
          const theirs = (JSON.parse(nftIn(ns, '-j', 'list', 'set', 'ip', 'm', set)) as { nftables: { set?: { elem: { concat: unknown[] }[] } }[] }).nftables.find((x) => x.set)!.set!.elem;
          assert.deepEqual(ours, theirs.map((e) => e.concat), set);
        }
        if (endianness() === 'LE') assert.deepEqual(await nft.elements.list({ family: 'ip', table: 'm', set: 's' }), [['10.0.0.1', 1], ['10.0.0.2', 1], ['10.0.0.1', 2], ['10.0.0.1', 256]]);
      } finally {
        nft.close();
      }
    });
  });

  test('nlkit puts the same expressions in the kernel as nft does for the same rule', async (t) => {
    if (!needNft(t)) return;
    const pairs: [string, NftExpr[]][] = [
      ['ip saddr 10.0.0.0/24 counter accept', [ip.saddr('10.0.0.0/24'), counter(), accept()]],
      ['ip saddr 10.0.0.0/20 ip daddr != 10.1.2.3 drop', [ip.saddr('10.0.0.0/20'), ip.daddr('10.1.2.3', '!='), drop()]],
      ['tcp dport { 22, 80 } ct state established,related accept', [tcp.dport([22, 80]), ct.state(['established', 'related']), accept()]],
      ['tcp dport 1000-2000 tcp sport != 53 return', [tcp.dport({ range: [1000, 2000] }), tcp.sport(53, '!='), { kind: 'verdict', verdict: 'return' }]],
      ['iifname "eth0" oifname "veth*" meta mark 0x10 ct mark 7 jump sub', [meta.iifname('eth0'), meta.oifname('veth*'), meta.mark(16), ct.mark(7), jump('sub')]],
      ['ip saddr { 10.0.0.1, 10.2.0.0/16 } log prefix "p " limit rate 10/second reject', [ip.saddr(['10.0.0.1', '10.2.0.0/16']), log({ prefix: 'p ' }), limit({ rate: 10, per: 'second' }), reject()]],
      ['meta l4proto tcp reject with tcp reset', [reject('tcp-reset')]],
    ];
    await withNft(async (ns) => {
      nftFile(ns, 'table ip k {\n chain sub {\n }\n chain a {\n }\n chain b {\n }\n}\n');
      for (const [text] of pairs) nftIn(ns, 'add', 'rule', 'ip', 'k', 'a', ...text.split(' ').map((w) => w.replace(/^"(.*)"$/, '$1')));
      const nft = openNft({ netns: ns });
      const conn = new Connection(NETLINK_NETFILTER, { netns: ns });
      try {
        await nft.transaction(pairs.map(([, expr]) => ({ add: 'rule', family: 'ip', table: 'k', chain: 'b', expr })));
        const raw = (chain: string) => conn.runSync(opCall(nftDesc, 'getrule', 'dump', { nfgenFamily: 2, version: 0, resId: 0, table: 'k', chain }))
          .map((r) => JSON.parse(stringifyJson(r.expressions?.elem ?? [], 0).replace(/"__set\d+"/g, '"__set"')) as ExprAttrsSet[]);
        const a = raw('a'), b = raw('b');
        assert.equal(a.length, pairs.length);
        pairs.forEach(([text], i) => assert.deepEqual(b[i], a[i], text));
      } finally {
        conn.close();
        nft.close();
      }
    });
  });
});

describe('nftables transactions: all or nothing, proven by the kernel', () => {
  test('a failing command fails the batch: its index, verb, errno and attribute; nothing applied, generation unchanged', async (t) => {
    if (!needRoot(t)) return;
    await withNft(async (ns) => {
      const nft = openNft({ netns: ns });
      try {
        await nft.transaction([{ add: 'table', family: 'ip', name: 'keep' }, { add: 'chain', family: 'ip', table: 'keep', name: 'c' }]);
        const before = await nft.ruleset();
        const gen = nft.generationSync();
        const failing: NftCommand[] = [
          { add: 'table', family: 'ip', name: 'new1' },
          { add: 'chain', family: 'ip', table: 'new1', name: 'post', type: 'nat', hook: 'postrouting', priority: 'srcnat' },
          { add: 'rule', family: 'ip', table: 'new1', chain: 'post', expr: [counter(), masquerade()] },
          { delete: 'chain', family: 'ip', table: 'keep', name: 'c' },
          { add: 'rule', family: 'ip', table: 'new1', chain: 'nosuch', expr: [counter()] },
        ];
        await assert.rejects(nft.transaction(failing), (e: NftTransactionError) => {
          assert.ok(e instanceof NftTransactionError);
          assert.deepEqual([e.index, e.op, e.code, e.attributePath], [4, 'add rule', 'ENOENT', '.chain']);
          assert.match(e.message, /command 4 \(add rule\).*ENOENT.*nothing was applied/);
          return true;
        });
        // nat statements are checked against the chain's hook: dnat cannot go in postrouting
        assert.throws(() => nft.transactionSync([
          ...failing.slice(0, 2), { add: 'rule', family: 'ip', table: 'new1', chain: 'post', expr: [tcp.dport(80), dnat('10.0.0.2')] },
        ]), (e: NftTransactionError) => e.index === 2 && e.code === 'EOPNOTSUPP');
        assert.deepEqual(await nft.ruleset(), before);
        assert.equal(nft.generationSync().id, gen.id);
        if (hasNft) assert.deepEqual(nftJson(ns).filter((x) => x.table).map((x) => (x.table as J).name), ['keep']);
        // a batch for a generation that is no longer current: refused as a whole (ERESTART)
        await nft.transaction([{ add: 'table', family: 'ip', name: 'g' }], { genid: gen.id });
        assert.throws(() => nft.transactionSync([{ add: 'table', family: 'ip', name: 'g2' }], { genid: gen.id }),
          (e: NftTransactionError) => e.index === -1 && e.op === 'batch' && e.code === 'ERESTART' && e.errno === -85);
        assert.deepEqual((await nft.tables.list()).map((x) => x.name).sort(), ['g', 'keep']);
      } finally {
        nft.close();
      }
    });
  });
});

describe('nftables transactions at scale', () => {
  test('2,000 rules in one batch (past the default socket buffers): all applied; with one bad rule at the end, none', async (t) => {
    if (!needRoot(t)) return;
    await withNft(async (ns) => {
      const nft = openNft({ netns: ns });
      try {
        const rules = (n: number, chain = 'c'): NftCommand[] => Array.from({ length: n }, (_, i) => ({
          add: 'rule', family: 'ip', table: 'big', chain, expr: [ip.saddr(`10.${i >> 8}.${i & 255}.0/24`), tcp.dport(1000 + i), counter(), accept()],
        }));
        const head: NftCommand[] = [{ add: 'table', family: 'ip', name: 'big' }, { add: 'chain', family: 'ip', table: 'big', name: 'c' }];
        const res = await nft.transaction([...head, ...rules(2000)]);
        assert.equal(new Set(res.commands.slice(2).map((c) => c.handle)).size, 2000, 'every rule\'s handle echoed');
        assert.equal((await nft.rules.list({ family: 'ip', table: 'big' })).length, 2000);
        const gen = nft.generationSync().id;
        const bad = [...rules(1999), ...rules(1, 'nosuch')];
        assert.throws(() => nft.transactionSync([{ add: 'chain', family: 'ip', table: 'big', name: 'd' }, ...bad]), (e: NftTransactionError) => e.index === 2000 && e.code === 'ENOENT');
        assert.equal(nft.rules.listSync({ family: 'ip', table: 'big' }).length, 2000);
        assert.deepEqual((await nft.chains.list({ table: 'big' })).map((c) => c.name), ['c']);
        assert.equal(nft.generationSync().id, gen);
      } finally {
        nft.close();
      }
    });
  });

  test('ruleset() dumps the sets once and each set\'s elements once (the anonymous sets\' serve the rules too)', async (t) => {
    if (!needRoot(t)) return;
    await withNft(async (ns) => {
      const nft = openNft({ netns: ns });
      // the requests the handle's connection makes, by operation
      const byName = new Map(nftDesc.operations.map((o) => [o.requestValue, o.name]));
      const made: string[] = [];
      const conn = nft.ctx.conn;
      const run = conn.run.bind(conn);
      conn.run = ((call: { type: number }) => {
        made.push(byName.get(call.type) ?? String(call.type));
        return run(call as never);
      }) as typeof conn.run;
      try {
        await nft.transaction(objectsBatch());
        made.length = 0; // what ruleset() asks only
        const r = await nft.ruleset();
        const count = (name: string) => made.filter((m) => m === name).length;
        assert.equal(count('getset'), 1, made.join(' '));
        assert.ok(r.sets.some((x) => x.flags.includes('anonymous')), 'rules with { set } values made anonymous sets');
        assert.equal(count('getsetelem'), r.sets.length, 'one element dump per set');
        assert.equal(count('getrule'), 1);
        // and the rules still read their anonymous sets' elements
        assert.deepEqual(r.rules.find((x) => x.chain === 'in')?.expr.slice(0, 1), [tcp.dport([22, 80, 443])]);
      } finally {
        nft.close();
      }
    });
  });

  test('call options: an aborted signal rejects, a Sync call refuses a signal, timeout is checked', async (t) => {
    if (!needRoot(t)) return;
    await withNft(async (ns) => {
      const nft = openNft({ netns: ns });
      try {
        await assert.rejects(nft.tables.list(undefined, { signal: AbortSignal.abort(new Error('stop')) }), /stop/);
        assert.throws(() => nft.tables.listSync(undefined, { signal: new AbortController().signal }), NetlinkArgumentError);
        assert.throws(() => nft.transactionSync([], { timeout: -5 }), NetlinkArgumentError);
        assert.deepEqual(nft.transactionSync([]), { commands: [] });
      } finally {
        nft.close();
      }
    });
  });
});

describe('nftables objects: handles, positions, sets, Sync twins, per-call netns', () => {
  test('insert/replace/delete rules by handle; sets and elements; tables list/delete; errors typed', async (t) => {
    if (!needRoot(t)) return;
    await withNft(async (ns) => {
      const nft = openNft();
      const o = { netns: ns };
      try {
        await nft.tables.add({ family: 'inet', name: 'h' }, o);
        nft.chains.addSync({ family: 'inet', table: 'h', name: 'c', type: 'filter', hook: 'input', priority: 0, policy: 'accept' }, o);
        const a = await nft.rules.add({ family: 'inet', table: 'h', chain: 'c', expr: [tcp.dport(1), accept()] }, o);
        const b = nft.rules.addSync({ family: 'inet', table: 'h', chain: 'c', expr: [tcp.dport(2), accept()] }, o);
        await nft.rules.insert({ family: 'inet', table: 'h', chain: 'c', expr: [tcp.dport(0), accept()] }, o);
        await nft.rules.add({ family: 'inet', table: 'h', chain: 'c', handle: a.handle, expr: [tcp.dport(11), accept()] }, o);
        await nft.rules.insert({ family: 'inet', table: 'h', chain: 'c', handle: b.handle, expr: [tcp.dport(12), accept()] }, o);
        const ports = async () => (await nft.rules.list({ family: 'inet', table: 'h', chain: 'c' }, o)).map((r) => (r.expr[0] as { value: number }).value);
        assert.deepEqual(await ports(), [0, 1, 11, 12, 2]);
        await nft.rules.replace({ family: 'inet', table: 'h', chain: 'c', handle: a.handle!, expr: [tcp.dport(100), drop()] }, o);
        await nft.rules.delete({ family: 'inet', table: 'h', chain: 'c', handle: b.handle! }, o);
        assert.deepEqual(await ports(), [0, 100, 11, 12]);

        await nft.sets.add({ family: 'inet', table: 'h', name: 'bad', type: 'ipv4_addr', flags: ['interval'] }, o);
        await nft.elements.add({ family: 'inet', table: 'h', set: 'bad', elements: ['10.0.0.0/8', { range: ['192.168.1.10', '192.168.1.20'] }] }, o);
        nft.elements.addSync({ family: 'inet', table: 'h', set: 'bad', elements: ['172.16.0.1'] }, o);
        assert.deepEqual(await nft.elements.list({ family: 'inet', table: 'h', set: 'bad' }, o), ['10.0.0.0/8', '172.16.0.1', { range: ['192.168.1.10', '192.168.1.20'] }]);
        await nft.elements.delete({ family: 'inet', table: 'h', set: 'bad', elements: ['172.16.0.1'] }, o);
        const [set] = await nft.sets.list({ table: 'h', name: 'bad', elements: true }, o);
        assert.deepEqual({ ...set, handle: 0 }, { family: 'inet', table: 'h', name: 'bad', handle: 0, type: 'ipv4_addr', flags: ['interval'], elements: ['10.0.0.0/8', { range: ['192.168.1.10', '192.168.1.20'] }] });
        await nft.rules.add({ family: 'inet', table: 'h', chain: 'c', expr: [ip.saddr('@bad'), drop()] }, o);
        // interface names resolve in the call's namespace (lo is 1 in a new one), as nft resolves them
        const byName = await nft.rules.add({ family: 'inet', table: 'h', chain: 'c', expr: [meta.oif('lo'), meta.iif(['lo']), accept()] }, o);
        const listed = (await nft.rules.list({ family: 'inet', table: 'h', chain: 'c' }, o)).find((r) => r.handle === byName.handle)!;
        assert.deepEqual(listed.expr, [meta.oif(1), meta.iif([1]), accept()]);
        await assert.rejects(nft.transaction([{ add: 'rule', family: 'inet', table: 'h', chain: 'c', expr: [meta.oif('nlkt-none0')] }], o), (e: Error & { code?: string }) => e.code === 'ENODEV' && /nlkt-none0/.test(e.message));
        assert.throws(() => encodeRule([meta.oif('lo')], { family: 'inet', newSetId: () => 1 }), NetlinkArgumentError);
        await nft.rules.delete({ family: 'inet', table: 'h', chain: 'c', handle: byName.handle! }, o);

        const tables = await nft.tables.list({ family: 'inet' }, o);
        assert.deepEqual(tables.map((x) => [x.family, x.name, x.flags]), [['inet', 'h', []]]);
        await assert.rejects(nft.tables.delete({ family: 'ip', name: 'h' }, o), (e: NftTransactionError) => e.code === 'ENOENT' && e.index === 0 && e.op === 'delete table');
        assert.throws(() => nft.tables.listSync({ family: 'nope' as 'ip' }, o), NetlinkArgumentError);
        assert.throws(() => nft.tables.listSync(undefined, { nets: ns } as never), NetlinkArgumentError);
        await assert.rejects(nft.transaction([{ add: 'rule', family: 'inet', table: 'h', chain: 'c', expr: [ip.saddr('1.2.3.999')] }], o), NetlinkArgumentError);
        nft.tables.deleteSync({ family: 'inet', name: 'h' }, o);
        assert.deepEqual(await nft.tables.list(undefined, o), []);
      } finally {
        nft.close();
      }
    });
  });
});

describe('nftables behaviour on real traffic', () => {
  test('masquerade rewrites the source: a third namespace reaches a server with no route back, the server sees the router', async (t) => {
    if (!needRoot(t)) return;
    if (!hasPing) return t.skip('needs ping to send traffic through the router');
    await withNetns((a) => withNetns((r) => withNetns(async (b) => {
      ipCmd(r, 'link', 'add', 'r-a', 'type', 'veth', 'peer', 'name', 'a-r', 'netns', a);
      ipCmd(r, 'link', 'add', 'r-b', 'type', 'veth', 'peer', 'name', 'b-r', 'netns', b);
      ipCmd(a, 'addr', 'add', '10.91.0.2/24', 'dev', 'a-r');
      ipCmd(a, 'link', 'set', 'a-r', 'up');
      ipCmd(a, 'route', 'add', 'default', 'via', '10.91.0.1');
      ipCmd(r, 'addr', 'add', '10.91.0.1/24', 'dev', 'r-a');
      ipCmd(r, 'addr', 'add', '10.92.0.1/24', 'dev', 'r-b');
      ipCmd(r, 'link', 'set', 'r-a', 'up');
      ipCmd(r, 'link', 'set', 'r-b', 'up');
      run('ip', ['netns', 'exec', r, 'sh', '-c', 'echo 1 > /proc/sys/net/ipv4/ip_forward']);
      ipCmd(b, 'addr', 'add', '10.92.0.2/24', 'dev', 'b-r');
      ipCmd(b, 'link', 'set', 'b-r', 'up');
      const ping = () => spawnSync('ip', ['netns', 'exec', a, 'ping', '-c', '2', '-i', '0.2', '-W', '1', '10.92.0.2']).status === 0;
      // the server's view: who the echo requests come from
      const seen = openNft({ netns: b });
      const router = openNft({ netns: r });
      try {
        await seen.transaction([
          { add: 'table', family: 'ip', name: 'seen' },
          { add: 'chain', family: 'ip', table: 'seen', name: 'in', type: 'filter', hook: 'input', priority: 0 },
          { add: 'rule', family: 'ip', table: 'seen', chain: 'in', expr: [ip.saddr('10.91.0.2'), counter()] },
          { add: 'rule', family: 'ip', table: 'seen', chain: 'in', expr: [ip.saddr('10.92.0.1'), counter()] },
        ]);
        assert.equal(ping(), false, 'without masquerade the server has no route back');
        await router.transaction([
          { add: 'table', family: 'ip', name: 'sbx' },
          { add: 'chain', family: 'ip', table: 'sbx', name: 'post', type: 'nat', hook: 'postrouting', priority: 'srcnat', policy: 'accept' },
          { add: 'rule', family: 'ip', table: 'sbx', chain: 'post', expr: [ip.saddr('10.91.0.0/24'), meta.oifname('r-b'), counter(), masquerade()] },
        ]);
        assert.equal(ping(), true, 'with masquerade the replies come back');
        const counts = (await seen.rules.list({ family: 'ip', table: 'seen', chain: 'in' })).map((x) => Number((x.expr[1] as { packets?: bigint }).packets));
        assert.ok(counts[0] > 0, 'before masquerade the server saw the client address');
        assert.ok(counts[1] >= 2, `after it, the router's address (${counts})`);
        const [masq] = await router.rules.list({ family: 'ip', table: 'sbx', chain: 'post' });
        assert.ok(((masq.expr[2] as { packets?: bigint }).packets ?? 0n) >= 1n, 'the masquerade rule counted the connection');
      } finally {
        seen.close();
        router.close();
      }
    })));
  });

  test('a drop rule by tcp dport drops: connections to that port time out, others connect', async (t) => {
    if (!needRoot(t)) return;
    await withNetns(async (ns) => {
      const nft = openNft({ netns: ns });
      try {
        nft.transactionSync([
          { add: 'table', family: 'inet', name: 'fw' },
          { add: 'chain', family: 'inet', table: 'fw', name: 'in', type: 'filter', hook: 'input', priority: 'filter', policy: 'accept' },
          { add: 'rule', family: 'inet', table: 'fw', chain: 'in', expr: [tcp.dport(5001), counter(), drop()] },
        ]);
        const script = `const net = require('net');
          for (const p of [5001, 5002]) net.createServer((c) => c.end()).listen(p, '127.0.0.1');
          const tryc = (p) => new Promise((res) => { const c = net.connect(p, '127.0.0.1'); const t = setTimeout(() => { c.destroy(); res('timeout'); }, 700);
            c.on('connect', () => { clearTimeout(t); c.destroy(); res('connected'); }); c.on('error', (e) => { clearTimeout(t); res(e.code); }); });
          setTimeout(async () => { console.log(JSON.stringify([await tryc(5001), await tryc(5002)])); process.exit(0); }, 100);`;
        const out = run('ip', ['netns', 'exec', ns, process.execPath, '-e', script]);
        assert.deepEqual(JSON.parse(out), ['timeout', 'connected']);
        const [rule] = nft.rules.listSync({ family: 'inet', table: 'fw', chain: 'in' });
        assert.ok(((rule.expr[1] as { packets?: bigint }).packets ?? 0n) >= 1n, 'the drop rule counted the SYN');
      } finally {
        nft.close();
      }
    });
  });
});
