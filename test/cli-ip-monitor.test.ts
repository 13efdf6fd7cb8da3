// `nlkit monitor` against `ip monitor`, both running as child processes on the same throwaway
// namespace while `ip` changes links, addresses and routes: the same events in the same order,
// link events in the same text. With -j, one JSON object a line, as many as the text's events.
//
// Documented exceptions:
// - the window compared is between two changes of lo's MTU that both monitors printed (the
//   processes subscribe at moments of their own).
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, test } from 'node:test';
import { CLI } from './helpers/cli-run.js';
import { quietIpv6 } from './helpers/cli-ip.js';
import { ip, needRoot, run, withNetns } from './helpers/netns.js';

interface Watcher {
  child: ChildProcess;
  out: () => string;
}

function watch(cmd: string, args: string[]): Watcher {
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (text += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (text += `STDERR ${d}`));
  return { child, out: () => text };
}

/** Changes lo's MTU until every watcher has printed it; that MTU. */
async function mark(ns: string, watchers: Watcher[], from: number): Promise<number> {
  for (let mtu = from; mtu < from + 100; mtu++) {
    ip(ns, 'link', 'set', 'lo', 'mtu', String(mtu));
    for (let i = 0; i < 20; i++) {
      if (watchers.every((w) => w.out().includes(`mtu ${mtu} `) || w.out().includes(`"mtu":${mtu},`))) return mtu;
      await sleep(50);
    }
  }
  throw new Error(`the monitors printed no mark: ${watchers.map((w) => w.out()).join('\n---\n')}`);
}

/** The events of a plain output between the marks (each event: its line and the indented ones after it). */
function events(text: string, first: number, last: number): string[] {
  const out: string[] = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    if (/^\s/.test(line)) out[out.length - 1] += `\n${line}`;
    else out.push(line);
  }
  const start = out.findIndex((e) => e.includes(`mtu ${first} `));
  const end = out.findIndex((e) => e.includes(`mtu ${last} `));
  return out.slice(start + 1, end);
}

/** A route event's deletion and destination (undefined for a link event). */
function routeKey(e: string): string | undefined {
  const deleted = e.startsWith('Deleted ');
  const body = deleted ? e.slice(8) : e;
  if (/^\d+: /.test(body)) return undefined;
  const words = body.split(' ');
  const typed = ['local', 'broadcast', 'multicast', 'unreachable', 'blackhole', 'prohibit', 'anycast', 'throw'].includes(words[0]);
  return `${deleted ? '-' : '+'}${typed ? words[1] : words[0]}`;
}

const CHANGES: string[][] = [
  ['link', 'add', 'ifb1', 'type', 'ifb'],
  ['link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1'],
  ['link', 'set', 'v0', 'up'],
  ['link', 'set', 'v1', 'up'],
  ['addr', 'add', '10.9.0.1/24', 'dev', 'v0'],
  ['route', 'add', '10.10.0.0/24', 'via', '10.9.0.2'],
  ['link', 'set', 'v0', 'mtu', '1400'],
  ['link', 'set', 'ifb1', 'group', '7'],
  ['link', 'del', 'v0'],
  ['link', 'del', 'ifb1'],
];

describe('nlkit monitor against ip monitor', () => {
  test('link and route events: the same events in the same text; -j lines parse', async (t) => {
    if (!needRoot(t)) return;
    await withNetns(async (ns) => {
      quietIpv6(ns);
      const watchers = [
        watch('ip', ['-n', ns, 'monitor', 'link', 'route']),
        watch(process.execPath, [CLI, '-n', ns, 'monitor', 'link', 'route']),
        watch(process.execPath, [CLI, '-j', '-n', ns, 'monitor', 'link', 'route']),
      ];
      try {
        const first = await mark(ns, watchers, 60000);
        for (const c of CHANGES) ip(ns, ...c);
        const last = await mark(ns, watchers, first + 1);
        const [theirs, ours] = [events(watchers[0].out(), first, last), events(watchers[1].out(), first, last)];
        assert.ok(theirs.length >= CHANGES.length, theirs.join('\n'));
        assert.equal(ours.length, theirs.length, `${ours.join('\n')}\n---\n${theirs.join('\n')}`);
        ours.forEach((e, i) => assert.equal(e, theirs[i]));
        // -j: the same events, one JSON object a line
        const lines = watchers[2].out().split('\n').filter(Boolean).map((l) => JSON.parse(l) as { object: string; action: string; value: { mtu?: number } });
        const a = lines.findIndex((l) => l.object === 'link' && l.value.mtu === first);
        const b = lines.findIndex((l) => l.object === 'link' && l.value.mtu === last);
        const window = lines.slice(a + 1, b);
        assert.equal(window.length, theirs.length);
        assert.deepEqual(window.map((l) => `${l.action === 'del' ? 'Deleted ' : ''}${l.object}`), ours.map((e) => `${e.startsWith('Deleted ') ? 'Deleted ' : ''}${routeKey(e) ? 'route' : 'link'}`));
      } finally {
        for (const w of watchers) w.child.kill('SIGTERM');
      }
    });
  });

  test('rule and nexthop events, and routes using a nexthop: the same text as ip monitor', async (t) => {
    if (!needRoot(t)) return;
    await withNetns(async (ns) => {
      quietIpv6(ns);
      const objects = ['link', 'route', 'rule', 'nexthop'];
      const watchers = [watch('ip', ['-n', ns, 'monitor', ...objects]), watch(process.execPath, [CLI, '-n', ns, 'monitor', ...objects])];
      try {
        const first = await mark(ns, watchers, 60000);
        for (const c of [
          ['rule', 'add', 'pref', '100', 'from', '10.1.0.0/16', 'lookup', '7'],
          ['rule', 'add', 'pref', '101', 'fwmark', '0x10/0xff', 'table', '1000'],
          ['nexthop', 'add', 'id', '3', 'dev', 'lo'],
          ['nexthop', 'add', 'id', '4', 'blackhole'],
          ['route', 'add', '10.5.0.0/24', 'nhid', '3'],
          ['route', 'add', '10.6.0.0/24', 'dev', 'lo', 'metric', '7', 'table', '7'],
          ['route', 'del', '10.5.0.0/24'],
          ['nexthop', 'del', 'id', '3'],
          ['nexthop', 'del', 'id', '4'],
          ['rule', 'del', 'pref', '100'],
          ['rule', 'del', 'pref', '101'],
        ]) ip(ns, ...c);
        const last = await mark(ns, watchers, first + 1);
        const [theirs, ours] = [events(watchers[0].out(), first, last), events(watchers[1].out(), first, last)];
        assert.ok(theirs.length >= 11, theirs.join('\n'));
        assert.deepEqual(ours, theirs);
      } finally {
        for (const w of watchers) w.child.kill('SIGTERM');
      }
    });
  });

  test('an overrun is announced: "Resync: N links" (-j: { resync }), then events go on', async (t) => {
    if (!needRoot(t)) return;
    await withNetns(async (ns) => {
      quietIpv6(ns);
      // a receive buffer of one message or so: a burst of new links overruns it
      const text = watch(process.execPath, [CLI, '-rcvbuf', '1024', '-n', ns, 'monitor', 'link']);
      const js = watch(process.execPath, [CLI, '-j', '-rcvbuf', '1024', '-n', ns, 'monitor', 'link']);
      try {
        await mark(ns, [text, js], 60000);
        let burst = 0;
        while (!(/Resync: \d+ links/.test(text.out()) && js.out().includes('"resync"')) && burst < 5) {
          const lines = Array.from({ length: 200 }, (_, i) => `link add b${burst}x${i} type ifb`).join('\n');
          run('ip', ['-n', ns, '-batch', '-'], `${lines}\n`);
          burst++;
          await sleep(1000);
        }
        const m = /Resync: (\d+) links/.exec(text.out());
        assert.ok(m && Number(m[1]) > 1, text.out().slice(-500));
        const resync = js.out().split('\n').filter(Boolean).map((l) => JSON.parse(l) as { resync?: { object: string; count: number; values: { ifname: string }[] } }).find((l) => l.resync);
        assert.equal(resync?.resync?.object, 'link');
        assert.equal(resync.resync.values.length, resync.resync.count);
        assert.ok(resync.resync.values.some((v) => v.ifname === 'lo'));
        // and the monitor goes on
        const after = await mark(ns, [text, js], 61000);
        assert.ok(after >= 61000);
      } finally {
        text.child.kill('SIGTERM');
        js.child.kill('SIGTERM');
      }
    });
  });

  test('usage: an unknown object is refused with the choices', (t) => {
    if (!needRoot(t)) return;
    return withNetns(async (ns) => {
      const w = watch(process.execPath, [CLI, '-n', ns, 'monitor', 'bogus']);
      const code = await new Promise<number | null>((resolve) => w.child.on('exit', resolve));
      assert.equal(code, 255);
      assert.match(w.out(), /"bogus" is unknown, try "nlkit monitor help"/);
    });
  });
});
