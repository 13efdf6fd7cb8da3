// `nlkit conntrack` against the conntrack tool: the same lines for -L (plain, -o extended, -o xml),
// -I / -D / -F / -U changing what the tool shows, -C, -j lines, -E printing events, usage
// errors; and the object table: `conntrack` added without changing what ip's prefixes mean.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { describe, test, type TestContext } from 'node:test';
import { findObject } from '../src/cli/ip-objects.js';
import { CLI, nlkit } from './helpers/cli-run.js';
import { needRoot, run, withNetns } from './helpers/netns.js';

const HAS_CONNTRACK = spawnSync('conntrack', ['--version'], { stdio: 'ignore' }).status === 0;

const tool = (ns: string, ...args: string[]) => run('ip', ['netns', 'exec', ns, 'conntrack', ...args]).split('\n').filter((l) => l.trim() !== '');
const lines = (s: string) => s.split('\n').filter((l) => l.trim() !== '');
/** Timeouts masked (they tick between two reads), sorted. */
const masked = (ls: string[]) => ls.map((l) => l.trimEnd().replace(/^((?:ipv[46]\s+\d+\s+)?\S+\s+\d+) \d+ /, '$1 T ')).sort();

async function inNs(t: TestContext, fn: (ns: string, ct: (...a: string[]) => ReturnType<typeof nlkit>) => unknown): Promise<void> {
  if (!needRoot(t)) return;
  if (!HAS_CONNTRACK) return void t.skip('needs the conntrack tool (conntrack-tools) as an oracle');
  await withNetns((ns) => fn(ns, (...a) => nlkit('conntrack', '--netns', ns, ...a)));
}

describe('nlkit conntrack: the object table', () => {
  test('`conntrack` is reached by its name and `con`; every word ip knew resolves as before (`c` is still completion)', () => {
    const before: Record<string, string> = {
      a: 'address', ad: 'address', r: 'route', ru: 'rule', n: 'neighbor', l: 'link', t: 'tunnel', tu: 'tunnel', tun: 'tunnel', tunt: 'tuntap',
      m: 'maddress', mo: 'monitor', ne: 'neighbor', net: 'netns', netc: 'netconf', nex: 'nexthop', g: 'genl', p: 'proc', u: 'uevent', au: 'audit', y: 'ynl',
      s: 'sr', ss: 'ss', c: 'completion', co: 'completion', com: 'completion', completion: 'completion',
    };
    for (const [word, name] of Object.entries(before)) assert.equal(findObject(word)?.name, name, word);
    for (const word of ['con', 'conn', 'conntrack']) assert.equal(findObject(word)?.name, 'conntrack', word);
  });

  test('usage errors exit 1 with the usage; help prints it', () => {
    const help = nlkit('conntrack', 'help');
    assert.equal(help.status, 0);
    assert.match(help.stdout, /Usage: nlkit conntrack COMMAND/);
    for (const args of [[], ['-L', '-D'], ['-L', '--frob'], ['-L', '--dport', 'x'], ['-L', '-o', 'xml,json'], ['-G', '-s', '10.0.0.1'], ['-L', 'dying'], ['-E', 'expect'], ['-L', '-z', '-p', 'tcp'], ['-L', '--dport', '80']]) {
      const r = nlkit('conntrack', ...args);
      assert.equal(r.status, 1, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, /^nlkit: conntrack: /, args.join(' '));
    }
  });
});

describe('nlkit conntrack against the conntrack tool', () => {
  test('-I, -L (plain, -o extended, -j), -G, -C, -U, -D and -F as conntrack does them', async (t) => {
    await inNs(t, (ns, ct) => {
      const created = ct('-I', '-p', 'tcp', '-s', '10.0.0.1', '-d', '10.0.0.2', '--sport', '1000', '--dport', '80', '--state', 'ESTABLISHED', '-t', '100', '-u', 'ASSURED,SEEN_REPLY', '-m', '5');
      assert.equal(created.status, 0, created.stderr);
      assert.match(created.stderr, /1 flow entries have been created/);
      assert.equal(ct('-I', '-p', 'icmp', '-s', '10.0.0.1', '-d', '10.0.0.3', '--icmp-type', '8', '--icmp-code', '0', '--icmp-id', '7', '-t', '100').status, 0);
      tool(ns, '-I', '-p', 'udp', '-s', '2001:db8::1', '-d', '2001:db8::2', '--sport', '5', '--dport', '53', '-t', '100', '-w', '3');

      assert.deepEqual(masked(lines(ct('-L').stdout)), masked(tool(ns, '-L')));
      assert.deepEqual(masked(lines(ct('-L', '-o', 'extended').stdout)), masked(tool(ns, '-L', '-o', 'extended')));
      // -o xml: the same document, byte for byte but the ticking timeouts
      const untimed = (x: string) => x.replace(/<timeout>\d+<\/timeout>/g, '<timeout>T</timeout>');
      assert.equal(untimed(ct('-L', '-o', 'xml,id').stdout), untimed(run('ip', ['netns', 'exec', ns, 'conntrack', '-L', '-o', 'xml,id'])));
      assert.deepEqual(masked(lines(ct('-L', '-p', 'tcp', '--dport', '80', '-f', 'ipv4').stdout)), masked(tool(ns, '-L', '-p', 'tcp', '--dport', '80', '-f', 'ipv4')));
      assert.deepEqual(lines(ct('-L', '-m', '5').stdout).length, 1);
      const json = lines(ct('-L', '-j').stdout).map((l) => JSON.parse(l) as { protocol: string; mark: number; zone?: number });
      assert.deepEqual(json.map((e) => e.protocol).sort(), ['icmp', 'tcp', 'udp']);
      assert.equal(json.find((e) => e.protocol === 'udp')?.zone, 3);
      assert.deepEqual(lines(ct('-L', '-o', 'json', '-p', 'tcp').stdout).map((l) => (JSON.parse(l) as { mark: number }).mark), [5]);
      assert.equal(ct('-C').stdout, `${tool(ns, '-C')[0]}\n`);
      assert.match(ct('-G', '-p', 'tcp', '-s', '10.0.0.1', '-d', '10.0.0.2', '--sport', '1000', '--dport', '80').stdout, /ESTABLISHED .*\[ASSURED\] mark=5/);

      assert.equal(ct('-U', '-p', 'tcp', '-s', '10.0.0.1', '-d', '10.0.0.2', '--sport', '1000', '--dport', '80', '-m', '9').status, 0);
      assert.match(tool(ns, '-L', '-p', 'tcp').join(''), /mark=9/);
      const missing = ct('-G', '-p', 'tcp', '-s', '10.0.0.1', '-d', '10.0.0.2', '--sport', '1', '--dport', '2');
      assert.equal(missing.status, 2);
      assert.match(missing.stderr, /ENOENT/);

      const del = ct('-D', '-p', 'icmp');
      assert.equal(del.status, 0, del.stderr);
      assert.match(del.stderr, /1 flow entries have been deleted/);
      assert.equal(tool(ns, '-L', '-p', 'icmp').length, 0);
      assert.equal(ct('-F', '-f', 'ipv6').status, 0);
      assert.equal(tool(ns, '-L', '-f', 'ipv6').length, 0);
      assert.equal(tool(ns, '-L').length, 1);
      assert.equal(ct('-F').status, 0);
      assert.equal(tool(ns, '-L').length, 0);
    });
  });

  // -U with -p, -s and -d went straight to the kernel as one entry's tuple even without the
  // ports (EINVAL), and a failure in the loop over matching entries ended it as a usage error
  test('-U without a whole tuple updates every matching entry; a failing entry is reported, the rest updated (exit 2)', async (t) => {
    await inNs(t, (ns, ct) => {
      for (const [sport, dst] of [['1000', '10.0.0.2'], ['1001', '10.0.0.2'], ['1002', '10.0.0.3']]) {
        tool(ns, '-I', '-p', 'tcp', '-s', '10.0.0.1', '-d', dst, '--sport', sport, '--dport', '80', '--state', 'ESTABLISHED', '-t', '100');
      }
      tool(ns, '-I', '-p', 'icmp', '-s', '10.0.0.1', '-d', '10.0.0.2', '--icmp-type', '8', '--icmp-code', '0', '--icmp-id', '7', '-t', '100');
      const r = ct('-U', '-p', 'tcp', '-s', '10.0.0.1', '-d', '10.0.0.2', '-m', '9');
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stderr, /2 flow entries have been updated/);
      assert.equal(lines(r.stdout).length, 2);
      assert.deepEqual(tool(ns, '-L', '-m', '9').map((l) => /sport=(\d+)/.exec(l)?.[1]).sort(), ['1000', '1001']);
      // ICMP without its type, code and id: the same
      assert.equal(ct('-U', '-p', 'icmp', '-s', '10.0.0.1', '-d', '10.0.0.2', '-m', '4').status, 0);
      assert.equal(tool(ns, '-L', '-p', 'icmp', '-m', '4').length, 1);
      // --state is TCP's: the ICMP entry to 10.0.0.2 fails, both TCP ones change anyway
      const u = ct('-U', '-s', '10.0.0.1', '-d', '10.0.0.2', '--state', 'CLOSE');
      assert.equal(u.status, 2, u.stderr);
      assert.match(u.stderr, /an entry could not be updated: .*state/);
      assert.match(u.stderr, /2 flow entries have been updated/);
      assert.equal(tool(ns, '-L', '-p', 'tcp', '--state', 'CLOSE').length, 2);
      // without a filter -U is refused (the tool would change every entry)
      assert.equal(ct('-U', '-m', '1').status, 1);
    });
  });

  test('-E prints NEW, UPDATE and DESTROY as `conntrack -E` does; -e selects them; -j as JSON lines; -o xml as its XML', async (t) => {
    await inNs(t, async (ns) => {
      const watch = (...args: string[]) => {
        const child = spawn(process.execPath, [CLI, 'conntrack', '--netns', ns, '-E', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
        let out = '';
        child.stdout.on('data', (d: Buffer) => (out += d.toString()));
        return { child, output: () => out };
      };
      const all = watch();
      const destroys = watch('-e', 'DESTROY', '-j');
      const xml = watch('-o', 'xml');
      let mark = { all: lines, destroys: lines };
      const theirs = spawn('ip', ['netns', 'exec', ns, 'conntrack', '-E'], { stdio: ['ignore', 'pipe', 'ignore'] });
      let oracle = '';
      theirs.stdout.on('data', (d: Buffer) => (oracle += d.toString()));
      const theirsXml = spawn('ip', ['netns', 'exec', ns, 'conntrack', '-E', '-o', 'xml'], { stdio: ['ignore', 'pipe', 'ignore'] });
      let oracleXml = '';
      theirsXml.stdout.on('data', (d: Buffer) => (oracleXml += d.toString()));
      try {
        // until every watcher has subscribed: a probe entry made and deleted until all three show it
        const deadline0 = Date.now() + 10_000;
        for (let i = 1; Date.now() < deadline0; i++) {
          tool(ns, '-I', '-p', 'udp', '-s', '10.9.9.9', '-d', '10.9.9.9', '--sport', String(i), '--dport', '9', '-t', '60');
          tool(ns, '-D', '-p', 'udp', '-s', '10.9.9.9');
          await new Promise((r) => setTimeout(r, 100));
          if ([all.output(), destroys.output(), oracle].every((o) => o.includes('dst=10.9.9.9')) && [xml.output(), oracleXml].every((o) => o.includes('<dst>10.9.9.9</dst>'))) break;
        }
        const skip = (o: string) => lines(o).filter((l) => !l.includes('10.9.9.9') && !l.startsWith('<?xml') && !/^<\/?conntrack>$/.test(l));
        mark = { all: skip, destroys: skip };
        tool(ns, '-I', '-p', 'udp', '-s', '10.0.0.1', '-d', '10.0.0.2', '--sport', '1', '--dport', '2', '-t', '60');
        tool(ns, '-U', '-p', 'udp', '-s', '10.0.0.1', '-d', '10.0.0.2', '--sport', '1', '--dport', '2', '-m', '4');
        tool(ns, '-D', '-p', 'udp');
        const deadline = Date.now() + 5000;
        const enough = () => mark.all(all.output()).length >= 3 && mark.destroys(destroys.output()).length >= 1 && mark.all(oracle).length >= 3 && mark.all(xml.output()).length >= 3 && mark.all(oracleXml).length >= 3;
        while (Date.now() < deadline && !enough()) await new Promise((r) => setTimeout(r, 50));
      } finally {
        all.child.kill('SIGINT');
        destroys.child.kill('SIGINT');
        xml.child.kill('SIGINT');
        theirs.kill('SIGINT');
        theirsXml.kill('SIGINT');
      }
      // -o xml: the same <flow> lines as `conntrack -E -o xml`
      assert.deepEqual(mark.all(xml.output()), mark.all(oracleXml).map((l) => l.replace(/ progname=\S+$/, '')));
      assert.deepEqual(mark.all(xml.output()).map((l) => /^<flow type="(\w+)">/.exec(l)?.[1]), ['new', 'update', 'destroy']);
      // the same lines as `conntrack -E` (which adds the requester's program name when it can find it)
      const got = mark.all(all.output());
      assert.deepEqual(got, mark.all(oracle).map((l) => l.replace(/ progname=\S+$/, '')));
      assert.deepEqual(got.map((l) => /^\s*\[(\w+)\]/.exec(l)?.[1]), ['NEW', 'UPDATE', 'DESTROY']);
      assert.match(got[0], /^ {4}\[NEW\] udp {6}17 60 src=10\.0\.0\.1 dst=10\.0\.0\.2 sport=1 dport=2 \[UNREPLIED\] src=10\.0\.0\.2 dst=10\.0\.0\.1 sport=2 dport=1/);
      assert.match(got[1], /mark=4/);
      const d = mark.destroys(destroys.output()).map((l) => JSON.parse(l) as { type: string; protocol: string });
      assert.deepEqual(d.map((e) => [e.type, e.protocol]), [['destroy', 'udp']]);
    });
  });
  // ct-entry read a missing CTA_MARK as 0 and -E printed mark=0 for every event but DESTROY: the
  // kernel sends a zero mark only when it changed (IPCT_MARK), so real traffic's NEW has none
  test('-E prints mark= only when the kernel sent it: a NEW event of real traffic (ping over a veth pair) as `conntrack -E`', async (t) => {
    if (spawnSync('ping', ['-V']).status !== 0) return t.skip('needs ping (real traffic for a NEW event)');
    await inNs(t, (ns) => withNetns(async (peer) => {
      run('ip', ['-n', ns, 'link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1', 'netns', peer]);
      run('ip', ['-n', ns, 'addr', 'add', '10.77.0.1/24', 'dev', 'v0']);
      run('ip', ['-n', peer, 'addr', 'add', '10.77.0.2/24', 'dev', 'v1']);
      run('ip', ['-n', ns, 'link', 'set', 'v0', 'up']);
      run('ip', ['-n', peer, 'link', 'set', 'v1', 'up']);
      // conntrack tracks a namespace's packets only once something there uses it: a ct rule
      run('ip', ['netns', 'exec', ns, 'nft', '-f', '-'], 'table ip t { chain o { type filter hook output priority 0; ct state new accept; }; }');
      const ours = spawn(process.execPath, [CLI, 'conntrack', '--netns', ns, '-E', '-e', 'NEW'], { stdio: ['ignore', 'pipe', 'ignore'] });
      const theirs = spawn('ip', ['netns', 'exec', ns, 'conntrack', '-E', '-e', 'NEW'], { stdio: ['ignore', 'pipe', 'ignore'] });
      let a = '', b = '';
      ours.stdout.on('data', (d: Buffer) => (a += d.toString()));
      theirs.stdout.on('data', (d: Buffer) => (b += d.toString()));
      const icmp = (o: string) => lines(o).filter((l) => l.includes('icmp') && l.includes('dst=10.77.0.2')).map((l) => l.replace(/ progname=\S+$/, ''));
      try {
        // both subscribed: probe entries made until both show one
        for (let i = 1, end = Date.now() + 10_000; Date.now() < end && !(a.includes('10.9.9.9') && b.includes('10.9.9.9')); i++) {
          tool(ns, '-I', '-p', 'udp', '-s', '10.9.9.9', '-d', '10.9.9.9', '--sport', String(i), '--dport', '9', '-t', '60');
          await new Promise((r) => setTimeout(r, 100));
        }
        run('ip', ['netns', 'exec', ns, 'ping', '-c', '1', '-W', '2', '10.77.0.2']);
        for (const end = Date.now() + 5000; Date.now() < end && !(icmp(a).length && icmp(b).length);) await new Promise((r) => setTimeout(r, 50));
      } finally {
        ours.kill('SIGINT');
        theirs.kill('SIGINT');
      }
      assert.equal(icmp(b).length, 1, b);
      assert.deepEqual(icmp(a), icmp(b));
      t.diagnostic(icmp(b)[0]!);
    }));
  });
});
