// `nlkit conntrack -I expect` as conntrack-tools 1.4.7 takes it: created from the command line
// in a throwaway namespace (its master made with `nlkit conntrack -I ... --helper ftp`), read
// back with `conntrack -L expect` and with nlkit's API; the tool's exit statuses for its errors.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, test } from 'node:test';
import { expectSpec } from '../src/cli/conntrack-expect-create.js';
import { nlkit } from './helpers/cli-run.js';
import { inCtNetns } from './helpers/ct-netns.js';
import { run } from './helpers/netns.js';

const HAS_CONNTRACK = spawnSync('conntrack', ['--version'], { stdio: 'ignore' }).status === 0;
const tool = (ns: string, ...args: string[]): string[] => run('ip', ['netns', 'exec', ns, 'conntrack', ...args]).split('\n').filter((l) => l.trim() !== '');
const untimed = (l: string) => l.trim().replace(/^\d+ /, 'T ');

const MASTER = ['-p', 'tcp', '-s', '10.0.0.1', '-d', '10.0.0.2', '--sport', '1025', '--dport', '21'];
/** The expected data connection, every option the tool needs for a tcp expectation. */
const EXPECTED = ['--tuple-src', '10.0.0.2', '--tuple-dst', '10.0.0.1', '--tuple-port-src', '0', '--tuple-port-dst', '2000',
  '--mask-src', '255.255.255.255', '--mask-dst', '255.255.255.255', '--mask-port-src', '0', '--mask-port-dst', '65535', '-t', '200'];

describe('nlkit conntrack -I expect: the options', () => {
  test('the spec the tool\'s options describe; ADDR/LEN gives the mask; aliases fold', () => {
    assert.deepEqual(expectSpec({ create: true, proto: 'tcp', src: '10.0.0.1', 'orig-dst': '10.0.0.2', sport: '1025', 'orig-port-dst': '21', 'tuple-src': '10.0.0.2', 'tuple-dst': '10.0.0.0/24', 'tuple-port-src': '0', 'tuple-port-dst': '2000', 'mask-src': '255.255.0.0', 'mask-port-src': '0', 'mask-port-dst': '65535', timeout: '9', zone: '3', helper: 'ftp' }), {
      protocol: 'tcp', master: { src: '10.0.0.1', dst: '10.0.0.2', sport: 1025, dport: 21 }, tuple: { src: '10.0.0.2', dst: '10.0.0.0', sport: 0, dport: 2000 },
      mask: { src: '255.255.0.0', dst: '255.255.255.0', sport: 0, dport: 65535 }, timeout: 9, zone: 3, helper: 'ftp',
    });
    // a protocol without ports: no port options, and none needed
    assert.deepEqual(expectSpec({ proto: '47', src: 'fd00::1', dst: 'fd00::2', 'tuple-src': 'fd00::2/64', 'tuple-dst': 'fd00::1', 'mask-dst': 'ffff::', timeout: '5' }), {
      protocol: 47, master: { src: 'fd00::1', dst: 'fd00::2' }, tuple: { src: 'fd00::2', dst: 'fd00::1' }, mask: { src: 'ffff:ffff:ffff:ffff:0:0:0:0', dst: 'ffff::' }, timeout: 5,
    });
    const problem = (o: Record<string, unknown>, re: RegExp) => assert.throws(() => expectSpec(o), re);
    problem({ proto: 'tcp' }, /You need to supply the `--src' option/);
    problem({ proto: 'udp', src: '1.1.1.1', dst: '1.1.1.2', 'tuple-src': '1.1.1.2', 'tuple-dst': '1.1.1.1', 'mask-src': '255.255.255.255', 'mask-dst': '255.255.255.255', timeout: '1', sport: '1', dport: '2' }, /`--tuple-port-src'/);
    problem({ proto: 'tcp', mark: '5' }, /Illegal option `--mark'/);
    problem({ proto: 'gre', sport: '5' }, /Illegal option `--sport'/);
    problem({ proto: 'tcp', family: 'ipv4' }, /Illegal option `--family'/);
    problem({ proto: 'tcp', src: '10.0.0.300' }, /Invalid IP address `10\.0\.0\.300'/);
    problem({ proto: 'tcp', src: '10.0.0.0/8' }, /--src takes an address/);
  });
});

describe('nlkit conntrack -I expect against the kernel and the conntrack tool', () => {
  test('created from the command line, read back with `conntrack -L expect` and the API; the tool\'s errors and exit statuses', async (t) => {
    await inCtNetns(t, async (ct, ns) => {
      const cli = (...a: string[]) => nlkit('conntrack', '--netns', ns, ...a);
      // no master yet: the kernel's ENOENT, the tool's words and its status 1
      const orphan = cli('-I', 'expect', ...MASTER, ...EXPECTED);
      assert.equal(orphan.status, 1, orphan.stderr);
      assert.match(orphan.stderr, /master conntrack not found/);
      const master = cli('-I', ...MASTER, '-t', '300', '--state', 'ESTABLISHED', '-u', 'SEEN_REPLY,ASSURED', '--helper', 'ftp');
      if (master.status !== 0 && /EOPNOTSUPP|ENOENT/.test(master.stderr)) return void t.skip(`no ftp conntrack helper in this kernel: ${master.stderr.trim()}`);
      assert.equal(master.status, 0, master.stderr);

      const made = cli('-I', 'expect', ...MASTER, ...EXPECTED);
      assert.equal(made.status, 0, made.stderr);
      assert.equal(made.stdout, '');
      const [e, ...rest] = await ct.expectations.list();
      assert.equal(rest.length, 0);
      assert.deepEqual({ ...e, timeout: undefined, id: undefined }, {
        family: 'ipv4', protocol: 'tcp', protonum: 6, tuple: { src: '10.0.0.2', dst: '10.0.0.1', sport: 0, dport: 2000 },
        mask: { src: '255.255.255.255', dst: '255.255.255.255', sport: 0, dport: 65535 }, master: { src: '10.0.0.1', dst: '10.0.0.2', sport: 1025, dport: 21 },
        masterProtocol: 'tcp', flags: [], helper: 'ftp', class: 0, timeout: undefined, id: undefined,
      });
      // the helper's policy sets the time left (ftp: 300 s), as it does for its own expectations
      assert.ok(e.timeout! > 0 && e.timeout! <= 300);
      if (HAS_CONNTRACK) {
        const theirs = tool(ns, '-L', 'expect');
        assert.equal(theirs.length, 1);
        assert.match(theirs[0], /proto=6 src=10\.0\.0\.2 dst=10\.0\.0\.1 sport=0 dport=2000 mask-src=255\.255\.255\.255 .* master-src=10\.0\.0\.1 master-dst=10\.0\.0\.2 sport=1025 dport=21 .*helper=ftp/);
        assert.deepEqual(cli('-L', 'expect').stdout.split('\n').filter(Boolean).map(untimed), theirs.map(untimed));
      } else t.diagnostic('the conntrack tool is missing: not read back with conntrack -L expect');

      // the same again: the kernel's EEXIST, status 1
      const again = cli('-I', 'expect', ...MASTER, ...EXPECTED);
      assert.equal(again.status, 1);
      assert.match(again.stderr, /^nlkit: conntrack: Operation failed: an expectation for this tuple exists \(EEXIST\)/);
      // command-line problems: status 2 and the tool's words, nothing sent
      for (const [args, re] of [
        [[...MASTER, ...EXPECTED.slice(0, 8), '-t', '200'], /You need to supply the `--mask-src' option/],
        [[...MASTER, ...EXPECTED, '-m', '5'], /Illegal option `--mark'/],
        [[...MASTER, ...EXPECTED, '--frob'], /--frob/],
        [[...MASTER.slice(0, 8), '--dport', 'ftp', ...EXPECTED], /--dport needs a port/],
      ] as [string[], RegExp][]) {
        const r = cli('-I', 'expect', ...args);
        assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
        assert.match(r.stderr, re);
      }
      if (HAS_CONNTRACK) {
        // the tool's statuses for the same mistakes, where nlkit's parser is the tool's
        assert.equal(spawnSync('ip', ['netns', 'exec', ns, 'conntrack', '-I', 'expect', ...MASTER, ...EXPECTED, '-m', '5']).status, 2);
        const noMaster = MASTER.map((w) => (w === '21' ? '22' : w));
        assert.equal(spawnSync('ip', ['netns', 'exec', ns, 'conntrack', '-I', 'expect', ...noMaster, ...EXPECTED]).status, 1);
        assert.equal(cli('-I', 'expect', ...noMaster, ...EXPECTED).status, 1);
      }
      // ADDR/LEN gives the mask; nlkit's -w and --helper reach the kernel
      ct.expectations.flushSync();
      const cidr = cli('-I', 'expect', ...MASTER, '--tuple-src', '10.0.0.0/24', '--tuple-dst', '10.0.0.1', '--mask-dst', '255.255.255.255',
        '--tuple-port-src', '0', '--tuple-port-dst', '2001', '--mask-port-src', '0', '--mask-port-dst', '65535', '-t', '100', '--helper', 'ftp');
      assert.equal(cidr.status, 0, cidr.stderr);
      const [c] = await ct.expectations.list();
      assert.deepEqual([c.tuple.src, c.mask.src, c.tuple.dport, c.helper], ['10.0.0.0', '255.255.255.0', 2001, 'ftp']);
    });
  });
});
