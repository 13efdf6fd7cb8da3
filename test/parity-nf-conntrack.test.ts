// `nlkit conntrack` against the conntrack tool where they disagreed: IPv6 address filters (the
// kernel's CTA_FILTER compares IPv6 addresses inverted, so they are compared in nlkit), ADDR/LEN
// as -s/-d take it, IPv6 addresses in any spelling, -u UNREPLIED; what -D and -U print.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { describe, test } from 'node:test';
import { compileFilter } from '../src/netfilter/ct-filter.js';
import { CLI, nlkit } from './helpers/cli-run.js';
import { inCtNetns, needConntrack } from './helpers/ct-netns.js';
import { run, withNetns } from './helpers/netns.js';

const HAS_TOOL = spawnSync('conntrack', ['--version'], { stdio: 'ignore' }).status === 0;
const tool = (ns: string, ...a: string[]) => spawnSync('ip', ['netns', 'exec', ns, 'conntrack', ...a], { encoding: 'utf8' });
/** Lines without the ticking timeouts, sorted. */
const masked = (s: string) => s.split('\n').filter((l) => l.trim() !== '').map((l) => l.trimEnd().replace(/^(\S+\s+\d+) \d+ /, '$1 T ')).sort();

/** Entries of both families (made with the tool), and a real ICMPv6 flow over lo. */
function populate(ns: string): void {
  const add = (...a: string[]) => run('ip', ['netns', 'exec', ns, 'conntrack', '-I', ...a, '-t', '120']);
  add('-p', 'udp', '-s', 'fd00::1', '-d', 'fd00::2', '--sport', '1', '--dport', '2');
  add('-p', 'udp', '-s', 'fd00::3', '-d', 'fd00:1::2', '--sport', '3', '--dport', '4');
  add('-p', 'tcp', '-s', 'fd00::1', '-d', 'fd00::2', '--sport', '5', '--dport', '6', '--state', 'ESTABLISHED', '-u', 'SEEN_REPLY,ASSURED');
  add('-p', 'udp', '-s', '10.0.0.1', '-d', '10.0.0.2', '--sport', '1', '--dport', '2');
  add('-p', 'tcp', '-s', '10.0.1.1', '-d', '10.0.0.2', '--sport', '7', '--dport', '8', '--state', 'ESTABLISHED', '-u', 'SEEN_REPLY');
  // conntrack hooks in this namespace, then a ping6: a flow the kernel tracked itself
  run('ip', ['netns', 'exec', ns, 'nft', '-f', '-'], 'table inet t {\n chain o {\n  type filter hook output priority 0;\n  ct state new counter\n }\n}\n');
  run('ip', ['netns', 'exec', ns, 'ping', '-6', '-c', '1', '-W', '1', '::1']);
}

describe('nlkit conntrack filters against the conntrack tool', () => {
  test('IPv6 addresses are never sent to the kernel filter; exact IPv4 addresses are; prefixes are compared here', () => {
    const v6 = compileFilter({ src: 'fd00::1', protocol: 'udp', sport: 1 });
    assert.equal(v6.request.tupleOrig?.tupleIp, undefined);
    assert.deepEqual(v6.request.filter, { origFlags: (1 << 3) | (1 << 4), replyFlags: 0 });
    const v4 = compileFilter({ src: '10.0.0.1' });
    assert.equal(v4.request.tupleOrig?.tupleIp?.ipV4Src, '10.0.0.1');
    assert.equal(compileFilter({ src: '10.0.0.0/8' }).request.filter, undefined);
    const e = (src: string, dst: string) => ({ family: src.includes(':') ? 'ipv6' : 'ipv4', orig: { src, dst }, reply: { src: dst, dst: src } }) as never;
    assert.equal(compileFilter({ src: 'fd00:0:0::1' }).match(e('fd00::1', 'fd00::2')), true);
    assert.equal(compileFilter({ src: 'fd00::/64' }).match(e('fd00::1', 'fd00::2')), true);
    assert.equal(compileFilter({ src: 'fd00::/64' }).match(e('fd01::1', 'fd00::2')), false);
    assert.equal(compileFilter({ dst: '10.0.0.0/24' }).match(e('10.9.0.1', '10.0.0.200')), true);
    assert.equal(compileFilter({ reply: { src: '10.0.0.0/24' } }).match(e('10.0.0.1', '10.1.0.2')), false);
    for (const bad of [{ src: '10.0.0.1/33' }, { src: 'foo' }, { src: 'default' }, { src: 'fd00::/129' }])
      assert.throws(() => compileFilter(bad), /"src" option/, JSON.stringify(bad));
  });

  test('-L with -s/-d/-r/-q (IPv6, any spelling, ADDR/LEN) and -u UNREPLIED shows what conntrack -L shows; -D deletes what it selects', async (t) => {
    await inCtNetns(t, (_ct, ns) => {
      populate(ns);
      const ct = (...a: string[]) => nlkit('conntrack', '--netns', ns, ...a);
      for (const args of [
        ['-s', 'fd00::1'], ['-d', 'fd00::2'], ['-s', 'fd00:0:0::1'], ['-s', 'fd00::3', '-p', 'udp', '--sport', '3'], ['-r', 'fd00::2'], ['-q', 'fd00::1'],
        ['-s', '::1'], ['-p', 'icmpv6', '-s', '::1'], ['-f', 'ipv6', '-d', 'fd00:1::2'],
        ['-s', '10.0.0.0/24'], ['-s', 'fd00::/64'], ['-d', '10.0.0.0/16', '-p', 'tcp'], ['-s', '10.0.0.1'],
        ['-u', 'UNREPLIED'], ['-u', 'UNREPLIED', '-f', 'ipv6'], ['-u', 'ASSURED'], ['-u', 'UNREPLIED,ASSURED'], ['-u', 'SEEN_REPLY'],
      ]) {
        const theirs = tool(ns, '-L', ...args);
        assert.equal(theirs.status, 0, `${args.join(' ')}: ${theirs.stderr}`);
        const ours = ct('-L', ...args);
        assert.equal(ours.status, 0, `${args.join(' ')}: ${ours.stderr}`);
        assert.deepEqual(masked(ours.stdout), masked(theirs.stdout), args.join(' '));
        assert.ok(masked(theirs.stdout).length > 0 || args.includes('UNREPLIED,ASSURED'), `${args.join(' ')} selects something`);
      }
      const del = ct('-D', '-s', 'fd00::1', '-p', 'udp');
      assert.equal(del.status, 0, del.stderr);
      assert.match(del.stderr, /1 flow entries have been deleted/);
      assert.equal(masked(tool(ns, '-L', '-s', 'fd00::1').stdout).length, 1);
      assert.equal(masked(tool(ns, '-L', '-p', 'udp', '-f', 'ipv6').stdout).length, 1);
    }, { tool: true, hasTool: HAS_TOOL });
  });
});

describe('nlkit conntrack -D and -U print what the tool prints', () => {
  test('-D -o xml: the deleted flows without a document around them; -U: the entry as it is now (plain, extended, xml); -U without a whole tuple changes what it selects', async (t) => {
    if (!(await needConntrack(t))) return;
    if (!HAS_TOOL) return void t.skip('needs the conntrack tool (conntrack-tools) as an oracle');
    const fill = (ns: string) => {
      const add = (...a: string[]) => run('ip', ['netns', 'exec', ns, 'conntrack', '-I', ...a, '-t', '120']);
      add('-p', 'tcp', '-s', '10.0.0.1', '-d', '10.0.0.2', '--sport', '1', '--dport', '80', '--state', 'ESTABLISHED', '-u', 'SEEN_REPLY,ASSURED', '-m', '5');
      add('-p', 'udp', '-s', '10.0.0.1', '-d', '10.0.0.3', '--sport', '2', '--dport', '53');
      add('-p', 'udp', '-s', 'fd00::1', '-d', 'fd00::2', '--sport', '3', '--dport', '53');
    };
    const untimed = (s: string) => s.replace(/<timeout>\d+</g, '<timeout>T<').replace(/<id>\d+</g, '<id>I<').replace(/ (\d+) (\d+) (ESTABLISHED|src=)/g, ' $1 T $3').split('\n').sort().join('\n');
    const tcp = ['-p', 'tcp', '-s', '10.0.0.1', '-d', '10.0.0.2', '--sport', '1', '--dport', '80'];
    // -U without a whole tuple updates every entry it selects; the tool prints only one of
    // several (the last): there, only the table after is compared
    const several = ['-U', '-s', '10.0.0.1', '-m', '4'];
    for (const args of [['-D', '-p', 'udp', '-o', 'xml'], ['-D', '-p', 'udp', '-o', 'xml,id'], ['-U', ...tcp, '-m', '9'], ['-U', ...tcp, '-m', '9', '-o', 'extended'],
      ['-U', ...tcp, '-m', '9', '-o', 'xml'], ['-U', '-s', 'fd00::1', '-m', '3'], ['-U', '-p', 'tcp', '-s', '10.0.0.1', '-m', '11', '-o', 'extended'], several]) {
      // the same table in two namespaces: the tool changes one, nlkit the other
      const theirs = await withNetns((ns) => {
        fill(ns);
        return { r: tool(ns, ...args), after: masked(tool(ns, '-L').stdout) };
      });
      await withNetns((ns) => {
        fill(ns);
        const ours = nlkit('conntrack', '--netns', ns, ...args);
        assert.equal(ours.status, theirs.r.status, `${args.join(' ')}: ${ours.stderr}`);
        if (args !== several) assert.equal(untimed(ours.stdout), untimed(theirs.r.stdout), args.join(' '));
        assert.deepEqual(masked(tool(ns, '-L').stdout), theirs.after, args.join(' '));
      });
    }
  });
});

describe('nlkit conntrack -E against conntrack -E', () => {
  test('a DESTROY event of an entry without a mark has no mark=, as the tool prints it', async (t) => {
    await inCtNetns(t, async (_ct, ns) => {
      const watch = (cmd: string, args: string[]) => {
        const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'ignore'] });
        let out = '';
        child.stdout.on('data', (d: Buffer) => (out += d.toString()));
        return { child, lines: () => out.split('\n').filter((l) => l.includes('DESTROY')) };
      };
      const ours = watch(process.execPath, [CLI, 'conntrack', '--netns', ns, '-E', '-e', 'DESTROY']);
      const theirs = watch('ip', ['netns', 'exec', ns, 'conntrack', '-E', '-e', 'DESTROY']);
      try {
        // until both listen: an entry made and deleted again (each one's own port)
        const deadline = Date.now() + 10_000;
        for (let i = 1; Date.now() < deadline && !(ours.lines().length && theirs.lines().length); i++) {
          run('ip', ['netns', 'exec', ns, 'conntrack', '-I', '-p', 'udp', '-s', '10.0.0.1', '-d', '10.0.0.2', '--sport', String(i), '--dport', '53', '-t', '60']);
          run('ip', ['netns', 'exec', ns, 'conntrack', '-D', '-p', 'udp', '--sport', String(i)]);
          await new Promise((r) => setTimeout(r, 200));
        }
      } finally {
        ours.child.kill('SIGINT');
        theirs.child.kill('SIGINT');
      }
      const a = ours.lines(), b = theirs.lines();
      assert.ok(a.length && b.length, 'both saw a DESTROY event');
      // the first event both saw, with the timeout (it ticks) masked
      const same = a.map((l) => l.replace(/ udp {6}17 \d+ /, ' udp 17 T ')).find((l) => b.some((m) => m.replace(/ udp {6}17 \d+ /, ' udp 17 T ').replace(/ progname=\S+$/, '') === l));
      assert.ok(same, `${a.join('\n')}\n--\n${b.join('\n')}`);
      assert.doesNotMatch(same!, /mark=/);
    }, { tool: true, hasTool: HAS_TOOL });
  });
});
