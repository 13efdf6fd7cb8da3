// `nlkit ynl`, run as a child process: built-in and run-time-loaded families against the
// kernel, compared with iproute2 (genl, ip) where it is installed.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { parseArgs } from '../src/cli/args.js';
import { genl, namesAndIds } from './helpers/genl-tool.js';
import { CLI, nlkit, ok, type Run } from './helpers/cli-run.js';
import { parseJson, toJson } from '../src/cli/ynl.js';
import { ip, ipJson, needRoot, withNetns } from './helpers/netns.js';



/** One JSON document, printed on one line. */
function json<T = any>(r: Run): T {
  const out = ok(r);
  assert.equal(out.split('\n').length, 2, 'one line, newline-terminated');
  return JSON.parse(out) as T;
}


/** A minimal spec of the generic netlink controller: enough for getfamily, nothing more. */
const MINI_NLCTRL = `name: nlctrl
protocol: genetlink-legacy
doc: Just enough of the generic netlink controller to look a family up.
attribute-sets:
  -
    name: ctrl-attrs
    attributes:
      - { name: family-id, type: u16, value: 1 }
      - { name: family-name, type: string }
      - { name: version, type: u32 }
      - { name: hdrsize, type: u32 }
      - { name: maxattr, type: u32 }
operations:
  enum-model: directional
  list:
    -
      name: getfamily
      doc: One family by name.
      attribute-set: ctrl-attrs
      do:
        request:
          value: 3
          attributes: [ family-name ]
        reply:
          value: 1
          attributes: [ family-id, family-name, version, hdrsize, maxattr ]
`;

describe('nlkit ynl: listing a family', () => {
  test('--list-ops for nlctrl: a table, or JSON with -j', () => {
    const text = ok(nlkit('ynl', '--family', 'nlctrl', '--list-ops'));
    const lines = text.trimEnd().split('\n');
    assert.match(lines[0], /^OPERATION +REQUEST +REPLY +MODES +ATTRIBUTE-SET/);
    assert.ok(lines.some((l) => /^getfamily +3 +1 +do,dump +ctrl-attrs$/.test(l)), text);
    assert.ok(lines.some((l) => /^getpolicy +10 +10 +dump +ctrl-attrs$/.test(l)), text);

    const ops = json(nlkit('ynl', '--family', 'nlctrl', '--list-ops', '-j'));
    assert.deepEqual(ops.map((o: { name: string }) => o.name), ['getfamily', 'getpolicy']);
    assert.deepEqual(ops[0].modes, ['do', 'dump']);
    assert.equal(ops[0].requestValue, 3);
    assert.deepEqual(ops[0].do.request.attributes, ['family-name']);
    // the global -j before the group name means the same
    assert.deepEqual(json(nlkit('-j', 'ynl', '--family', 'nlctrl', '--list-ops')), ops);
    // -d adds each request's and reply's attributes
    assert.match(ok(nlkit('ynl', '--family', 'nlctrl', '--list-ops', '-d')), /\ngetfamily:\n {2}do request: family-name\n/);
  });

  test('--list-attrs: the sets and structs, one set, one struct', () => {
    const all = ok(nlkit('ynl', '--family', 'rt-link', '--list-attrs'));
    assert.match(all, /^ATTRIBUTE-SET +ATTRS +SUBSET-OF\n/);
    assert.match(all, /\nlinkinfo-attrs +5\n/);
    assert.match(all, /\nSTRUCT +SIZE +MEMBERS\n/);
    assert.match(all, /\nifinfomsg +16 +6\n/);

    const set = ok(nlkit('ynl', '--family', 'rt-link', '--list-attrs', 'linkinfo-attrs'));
    assert.match(set, /^ATTRIBUTE +KEY +VALUE +TYPE +DETAILS\n/);
    assert.match(set, /\nkind +kind +1 +string\n/);
    assert.match(set, /\nslave-kind +slaveKind +4 +string\n/);
    assert.match(set, /\ndata +data +2 +sub-message +sub-message linkinfo-data-msg \(selector kind\)\n/);
    // --list-attrs=SET is the same
    assert.equal(ok(nlkit('ynl', '--family', 'rt-link', '--list-attrs=linkinfo-attrs')), set);

    const attrs = json(nlkit('ynl', '--family', 'nlctrl', '--list-attrs', 'ctrl-attrs', '-j'));
    const name = attrs.find((a: { name: string }) => a.name === 'family-name');
    assert.deepEqual({ key: name.key, value: name.value, type: name.type }, { key: 'familyName', value: 2, type: 'string' });

    const st = ok(nlkit('ynl', '--family', 'rt-link', '--list-attrs', 'ifinfomsg'));
    assert.match(st, /^struct ifinfomsg, 16 bytes\n/);
    assert.match(st, /\nifi-index +ifiIndex +4 +s32\n/);
    assert.match(st, /\nifi-flags +ifiFlags +8 +u32 +flags ifinfo-flags\n/);
  });

  test('--list-groups and --list-families', () => {
    assert.match(ok(nlkit('ynl', '--family', 'rt-link', '--list-groups')), /^GROUP +VALUE\nrtnlgrp-link +1\n/);
    const names = ok(nlkit('ynl', '--list-families')).trimEnd().split('\n');
    for (const n of ['ethtool', 'nlctrl', 'rt-link', 'rt-route']) assert.ok(names.includes(n), n);
    assert.deepEqual(json(nlkit('ynl', '--list-families', '-j')), names);
  });
});

describe('nlkit ynl: requests', () => {
  test('--do getfamily for nlctrl: the id genl ctrl get reports', (t) => {
    const reply = json(nlkit('ynl', '--family', 'nlctrl', '--do', 'getfamily', '--json', '{"familyName":"nlctrl"}'));
    assert.equal(reply.familyName, 'nlctrl');
    assert.deepEqual(reply.mcastGroups, [{ id: 16, name: 'notify' }]);
    const theirs = genl(t, 'ctrl', 'get', 'name', 'nlctrl');
    if (theirs === undefined) return;
    assert.deepEqual([['nlctrl', reply.familyId]], namesAndIds(theirs));
  });

  test('--dump getfamily: the families genl ctrl list reports', (t) => {
    const replies = json<{ familyName: string; familyId: number }[]>(nlkit('ynl', '--family', 'nlctrl', '--dump', 'getfamily'));
    assert.ok(Array.isArray(replies) && replies.length > 0);
    const theirs = genl(t, 'ctrl', 'list');
    if (theirs === undefined) return;
    assert.deepEqual(replies.map((f) => [f.familyName, f.familyId]), namesAndIds(theirs));
  });

  test('--pretty indents the same JSON', () => {
    const args = ['ynl', '--family', 'nlctrl', '--do', 'getfamily', '--json', '{"familyName":"nlctrl"}'];
    const plain = json(nlkit(...args));
    const pretty = ok(nlkit(...args, '-p'));
    assert.match(pretty, /^\{\n {4}"familyName": "nlctrl",\n/);
    assert.deepEqual(JSON.parse(pretty), plain);
  });

  test('--spec: a YAML spec read at run time', () => {
    const dir = mkdtempSync(join(tmpdir(), 'nlkit-ynl-'));
    try {
      const file = join(dir, 'mini-nlctrl.yaml');
      writeFileSync(file, MINI_NLCTRL);
      const reply = json(nlkit('ynl', '--spec', file, '--do', 'getfamily', '--json', '{"familyName":"nlctrl"}'));
      assert.equal(reply.familyName, 'nlctrl');
      assert.equal(reply.familyId, 16);
      assert.ok(reply.version >= 1);
      // what this spec leaves out comes back as unknown attributes, bytes in hex
      assert.ok(Array.isArray(reply.$unknown) && reply.$unknown.every((u: { data: string }) => /^([0-9a-f]{2})+$/.test(u.data)));
      assert.match(ok(nlkit('ynl', '--spec', file, '--list-ops')), /\ngetfamily +3 +1 +do +ctrl-attrs\n/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('--family rt-link --dump getlink in a namespace: the links ip shows', async (t) => {
    if (!needRoot(t)) return;
    await withNetns((ns) => {
      ip(ns, 'link', 'add', 'yv0', 'type', 'veth', 'peer', 'name', 'yv1');
      const links = json<{ ifname: string; ifiIndex: number; mtu: number }[]>(nlkit('ynl', '--family', 'rt-link', '--dump', 'getlink', '--netns', ns));
      const theirs = ipJson<{ ifname: string; ifindex: number; mtu: number }[]>(ns, 'link');
      assert.deepEqual(links.map((l) => l.ifname), theirs.map((l) => l.ifname));
      assert.deepEqual(links.map((l) => [l.ifiIndex, l.mtu]), theirs.map((l) => [l.ifindex, l.mtu]));

      // a do with the fixed header's fields and attributes side by side
      const lo = json(nlkit('ynl', '--family', 'rt-link', '--do', 'getlink', '--netns', ns, '--json', '{"ifname":"lo"}'));
      assert.equal(lo.ifiIndex, 1);
      assert.ok(lo.ifiFlags.includes('loopback'));
      assert.equal(typeof lo.stats64.rxBytes, 'number');
    });
  });

  test('--create --excl on a raw family new operation', async (t) => {
    if (!needRoot(t)) return;
    await withNetns((ns) => {
      const args = ['ynl', '--family', 'rt-link', '--netns', ns, '--do', 'newlink', '--create', '--excl',
        '--json', '{"ifname":"yv0","mtu":"1400","linkinfo":{"kind":"veth"}}'];
      const r = nlkit(...args);
      assert.equal(r.stderr, '');
      assert.equal(r.status, 0);
      assert.equal(r.stdout, '', 'newlink only acknowledges');
      const [link] = ipJson<{ mtu: number }[]>(ns, 'link', 'show', 'yv0');
      assert.equal(link.mtu, 1400);
      const again = nlkit(...args);
      assert.equal(again.status, 2);
      assert.match(again.stderr, /^nlkit: ynl: rt-link newlink: EEXIST: /);
    });
  });
});

/** Runs nlkit until it exits, calling poke every 200 ms meanwhile (to make events happen). */
function runWhile(args: string[], poke: (i: number) => void, timeout = 15_000): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args]);
    let stdout = '', stderr = '', i = 0;
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setInterval(() => {
      try {
        poke(i++);
      } catch (e) {
        child.kill();
        reject(e);
      }
    }, 200);
    const limit = setTimeout(() => child.kill(), timeout);
    child.on('error', reject);
    child.on('close', (status) => {
      clearInterval(timer);
      clearTimeout(limit);
      resolve({ status, stdout, stderr });
    });
  });
}

describe('nlkit ynl: notifications', () => {
  test('--subscribe rtnlgrp-link --count 1: one JSON line for a new veth', async (t) => {
    if (!needRoot(t)) return;
    await withNetns(async (ns) => {
      // the subscription starts some time after the spawn: add links until one is seen
      const r = await runWhile(['ynl', '--family', 'rt-link', '--netns', ns, '--subscribe', 'rtnlgrp-link', '--count', '1'], (i) =>
        ip(ns, 'link', 'add', `yv${i}a`, 'type', 'veth', 'peer', 'name', `yv${i}b`),
      );
      assert.equal(r.stderr, '');
      assert.equal(r.status, 0);
      const lines = r.stdout.trimEnd().split('\n');
      assert.equal(lines.length, 1, r.stdout);
      const ev = JSON.parse(lines[0]);
      assert.deepEqual(Object.keys(ev), ['op', 'msg']);
      assert.match(ev.op, /newlink/);
      assert.match(ev.msg.ifname, /^yv\d+[ab]$/);
      assert.equal(typeof ev.msg.ifiIndex, 'number');
    });
  });

  test('--duration ends a quiet subscription; groups by list', async (t) => {
    if (!needRoot(t)) return;
    await withNetns((ns) => {
      const start = Date.now();
      const r = nlkit('ynl', '--family', 'rt-link', '--netns', ns, '--subscribe', 'rtnlgrp-link,rtnlgrp-stats', '--duration', '0.3');
      assert.equal(r.stderr, '');
      assert.equal(r.status, 0);
      assert.equal(r.stdout, '');
      assert.ok(Date.now() - start >= 300);
    });
  });

  test('SIGTERM ends a subscription with status 0', async (t) => {
    if (!needRoot(t)) return;
    await withNetns(async (ns) => {
      const child = spawn(process.execPath, [CLI, 'ynl', '--family', 'rt-link', '--netns', ns, '--subscribe', 'rtnlgrp-link']);
      let stderr = '';
      child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
      const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
      await new Promise((r) => setTimeout(r, 1000));
      child.kill('SIGTERM');
      assert.equal(await closed, 0);
      assert.equal(stderr, '');
    });
  });
});

describe('nlkit ynl: errors', () => {
  test('an unknown family, operation or group: exit 1 and the valid names', () => {
    const fam = nlkit('ynl', '--family', 'nosuchfamily', '--do', 'x');
    assert.equal(fam.status, 1);
    assert.equal(fam.stdout, '');
    assert.match(fam.stderr, /^nlkit: ynl: unknown family "nosuchfamily"; built-in families: .*\bethtool\b.*\brt-link\b/);
    assert.match(fam.stderr, /\nUsage: nlkit ynl /);

    const op = nlkit('ynl', '--family', 'nlctrl', '--do', 'frobnicate');
    assert.equal(op.status, 1);
    assert.match(op.stderr, /^nlkit: ynl: nlctrl has no operation "frobnicate"; operations with do: getfamily\n/);
    const mode = nlkit('ynl', '--family', 'nlctrl', '--do', 'getpolicy');
    assert.equal(mode.status, 1);
    assert.match(mode.stderr, /^nlkit: ynl: nlctrl getpolicy has no do; operations with do: getfamily\n/);

    const group = nlkit('ynl', '--family', 'rt-link', '--subscribe', 'nope');
    assert.equal(group.status, 1);
    assert.match(group.stderr, /^nlkit: ynl: rt-link has no multicast group "nope"; groups: rtnlgrp-link, rtnlgrp-stats\n/);
  });

  test('requests that do not fit the spec: exit 1', () => {
    const cases: [string, RegExp][] = [
      ['{x', /^nlkit: ynl: --json: /],
      ['[1]', /^nlkit: ynl: --json needs a JSON object, got an array\n/],
      ['{"familyName":5}', /^nlkit: ynl: bad request for nlctrl getfamily: \.familyName: string needed, got number\n/],
      ['{"bogus":1}', /^nlkit: ynl: bad request for nlctrl getfamily: \.bogus: no attribute 'bogus' in set ctrl-attrs\n/],
    ];
    for (const [body, re] of cases) {
      const r = nlkit('ynl', '--family', 'nlctrl', '--do', 'getfamily', '--json', body);
      assert.equal(r.status, 1, body);
      assert.equal(r.stdout, '');
      assert.match(r.stderr, re);
    }
  });

  test('--json refuses prototype keys and deep nesting: exit 1 with the reason', () => {
    const deep = '{"familyName":' + '['.repeat(10_000) + ']'.repeat(10_000) + '}';
    const cases: [string, RegExp][] = [
      ['{"__proto__":{"familyName":"nlctrl"}}', /^nlkit: ynl: --json: the key "__proto__" is not allowed\n/],
      ['{"familyName":"nlctrl","constructor":1}', /^nlkit: ynl: --json: the key "constructor" is not allowed\n/],
      ['{"x":{"prototype":{}}}', /^nlkit: ynl: --json: the key "prototype" is not allowed\n/],
      [deep, /^nlkit: ynl: --json: nested deeper than 128 levels\n/],
    ];
    for (const [body, re] of cases) {
      const r = nlkit('ynl', '--family', 'nlctrl', '--do', 'getfamily', '--json', body);
      assert.equal(r.status, 1, body.slice(0, 60));
      assert.equal(r.stdout, '');
      assert.match(r.stderr, re);
      assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
    }
    // a key that only looks like one is fine, and the parser alone refuses the same
    assert.deepEqual(parseJson('{"protos":"__proto__"}'), { protos: '__proto__' });
    assert.throws(() => parseJson('{"a":[{"__proto__":null}]}'), /the key "__proto__" is not allowed/);
  });

  test('usage mistakes: no action, two actions, options of another action', () => {
    for (const [args, re] of [
      [['--family', 'nlctrl'], /nothing to do/],
      [['--family', 'nlctrl', '--list-ops', '--dump', 'getfamily'], /give one action, not --dump and --list-ops/],
      [['--family', 'nlctrl', '--list-ops', '--count', '1'], /--count goes with --subscribe/],
      [['--list-ops'], /which family\?/],
      [['--family', 'nlctrl', '--spec', 'x.yaml', '--list-ops'], /--family or --spec, not both/],
      [['--family', 'rt-link', '--subscribe', 'rtnlgrp-link', '--count', '0'], /--count needs a positive integer/],
    ] as [string[], RegExp][]) {
      const r = nlkit('ynl', ...args);
      assert.equal(r.status, 1, args.join(' '));
      assert.match(r.stderr, re);
    }
  });

  test('the kernel refuses: exit 2, its message and the offending attribute', (t) => {
    const r = nlkit('ynl', '--family', 'ethtool', '--do', 'linkinfo-get', '--json', '{"header":{"devName":"nope0"}}');
    if (/has no generic netlink family/.test(r.stderr)) return t.skip('no ethtool netlink family in this kernel');
    assert.equal(r.status, 2);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^nlkit: ynl: ethtool linkinfo-get: ENODEV: .+ \(attribute \.header\.devName\)\n$/);
  });

  test('help', () => {
    const help = ok(nlkit('ynl', '--help'));
    assert.match(help, /^Usage: nlkit ynl /);
    assert.equal(ok(nlkit('ynl', 'help')), help);
    assert.equal(ok(nlkit('help', 'ynl')), help);
    assert.match(ok(nlkit('--help')), /\n {2}ynl {3}/);
  });
});

describe('nlkit ynl: JSON conventions', () => {
  test('bigints print as exact numbers, bytes as hex', () => {
    const v = { a: 2n ** 64n - 1n, b: -(2n ** 63n), c: Buffer.from([0, 0xab, 0xff]), d: [1, undefined, 'x'], e: {}, f: [], g: undefined };
    assert.equal(toJson(v), '{"a":18446744073709551615,"b":-9223372036854775808,"c":"00abff","d":[1,null,"x"],"e":{},"f":[]}');
    assert.equal(toJson({ a: [1n], b: { c: true } }, 4), '{\n    "a": [\n        1\n    ],\n    "b": {\n        "c": true\n    }\n}');
  });

  test('request integers stay exact whatever their size', () => {
    assert.deepEqual(parseJson('{"a":18446744073709551615,"b":[-9223372036854775809,12,1.5,1e400],"s":"9999999999999999999"}'), {
      a: 18446744073709551615n,
      b: [-9223372036854775809n, 12, 1.5, Infinity],
      s: '9999999999999999999',
    });
    assert.deepEqual(parseJson('{"q":"a\\"18446744073709551615","n":9007199254740991}'), { q: 'a"18446744073709551615', n: 9007199254740991 });
  });
});

describe('nlkit argument parser: option kinds for ynl', () => {
  const specs = [
    { name: 'sub', type: 'string', repeat: true },
    { name: 'list', short: 'l', type: 'string', optionalValue: true },
    { name: 'x', short: 'x', type: 'boolean' },
  ] as const;

  test('repeat keeps every value; optionalValue may stand alone', () => {
    assert.deepEqual(parseArgs(['--sub', 'a', '--sub=b', '--list'], specs).options, { sub: ['a', 'b'], list: true });
    assert.deepEqual(parseArgs(['--list', 'set', '-x'], specs).options, { list: 'set', x: true });
    assert.deepEqual(parseArgs(['--list', '-x'], specs).options, { list: true, x: true });
    assert.deepEqual(parseArgs(['-l'], specs).options, { list: true });
    assert.deepEqual(parseArgs(['-lset'], specs).options, { list: 'set' });
  });
});
