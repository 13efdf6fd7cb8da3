// conntrack's counters zeroed while listing (`conntrack -L -z`, IPCTNL_MSG_CT_GET_CTRZERO)
// and the expectation table (`conntrack -L|-D|-F expect`, the ctnetlink_exp subsystem),
// against the kernel with the conntrack tool as the oracle; golden bytes for the requests.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, test, type TestContext } from 'node:test';
import { NetlinkArgumentError } from '../src/core/errors.js';
import { Family } from '../src/ynl/family.js';
import { description as ctDesc } from '../src/ynl/families/conntrack.js';
import { type Conntrack, type CtExpectSpec } from '../src/netfilter/index.js';
import { formatExpectation } from '../src/netfilter/ct-format.js';
import { nlkit, type Run } from './helpers/cli-run.js';
import { run } from './helpers/netns.js';
import { inCtNetns as inNs } from './helpers/ct-netns.js';

const hasTool = (tool: string) => spawnSync(tool, ['--version'], { stdio: 'ignore' }).status === 0;
const HAS_CONNTRACK = hasTool('conntrack');
const HAS_NFT = hasTool('nft');

/** stdout of a run that succeeded (the count goes to stderr, as conntrack's). */
function ok(r: Run): string {
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}
const tool = (ns: string, ...args: string[]): string[] => run('ip', ['netns', 'exec', ns, 'conntrack', ...args]).split('\n').filter((l) => l.trim() !== '');
/** The seconds left (first word) tick between two reads. */
const untimed = (l: string) => l.trim().replace(/^\d+ /, 'T ');

const MASTER = { src: '10.0.0.1', dst: '10.0.0.2', sport: 1025, dport: 21 };
const EXPECT: CtExpectSpec = {
  protocol: 'tcp', master: MASTER, tuple: { src: '10.0.0.2', dst: '10.0.0.1', sport: 20, dport: 2000 },
  mask: { src: '255.255.255.255', dst: '255.255.255.255', sport: 0, dport: 0xffff }, timeout: 200,
};

/** A master connection with the ftp helper (built into this kernel, else the test skips). */
async function master(t: TestContext, ct: Conntrack): Promise<boolean> {
  try {
    await ct.create({ protocol: 'tcp', orig: MASTER, timeout: 300, state: 'ESTABLISHED', status: ['SEEN_REPLY', 'ASSURED'], helper: 'ftp' });
    return true;
  } catch (e) {
    if ((e as { code?: string }).code === 'EOPNOTSUPP' || (e as { code?: string }).code === 'ENOENT') {
      t.skip(`no ftp conntrack helper in this kernel: ${(e as Error).message}`);
      return false;
    }
    throw e;
  }
}

describe('conntrack expectations and zeroed counters', () => {
  test('expectations: created, listed as `conntrack -L expect` prints them, deleted and flushed', async (t) => {
    await inNs(t, async (ct, ns) => {
      if (!(await master(t, ct))) return;
      await ct.expectations.create(EXPECT);
      await assert.rejects(ct.expectations.create(EXPECT), { code: 'EEXIST' });
      const [e, ...rest] = await ct.expectations.list();
      assert.equal(rest.length, 0);
      assert.deepEqual({ ...e, timeout: undefined, id: undefined }, {
        family: 'ipv4', protocol: 'tcp', protonum: 6, tuple: EXPECT.tuple, mask: EXPECT.mask, master: MASTER, masterProtocol: 'tcp',
        flags: [], helper: 'ftp', class: 0, timeout: undefined, id: undefined,
      });
      assert.ok(e.timeout! > 0 && e.timeout! <= 300);
      // a family by any spelling parseFamily reads selects it; the other family selects nothing
      for (const family of ['ipv4', 'inet', 4] as const) assert.equal((await ct.expectations.list({ family: family as 'ipv4' })).length, 1, String(family));
      assert.equal((await ct.expectations.list({ family: 'ipv6' })).length, 0);
      assert.deepEqual((await ct.expectations.get({ protocol: 'tcp', tuple: EXPECT.tuple })).id, e.id);
      if (HAS_CONNTRACK) {
        assert.deepEqual([formatExpectation(e)].map(untimed), tool(ns, '-L', 'expect').map(untimed));
        assert.deepEqual(ok(nlkit('conntrack', '--netns', ns, '-L', 'expect')).split('\n').filter(Boolean).map(untimed), tool(ns, '-L', 'expect').map(untimed));
        const xmlUntimed = (x: string) => x.replace(/<timeout>\d+<\/timeout>/g, '<timeout>T</timeout>');
        assert.equal(xmlUntimed(ok(nlkit('conntrack', '--netns', ns, '-L', 'expect', '-o', 'xml'))), xmlUntimed(run('ip', ['netns', 'exec', ns, 'conntrack', '-L', 'expect', '-o', 'xml'])));
      } else t.diagnostic('the conntrack tool is missing: not compared with conntrack -L expect');
      // a listed expectation is its own key
      ct.expectations.deleteSync(e);
      assert.deepEqual(await ct.expectations.list(), []);
      await assert.rejects(ct.expectations.delete(e), { code: 'ENOENT' });
      // -D expect by the master's ports, -F expect
      await ct.expectations.create(EXPECT);
      const r = nlkit('conntrack', '--netns', ns, '-D', 'expect', '-p', 'tcp', '--dport', '21');
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stderr, /1 expectations have been deleted/);
      assert.deepEqual(await ct.expectations.list(), []);
      await ct.expectations.create({ ...EXPECT, mask: undefined });
      assert.deepEqual((await ct.expectations.list())[0].mask, { src: '255.255.255.255', dst: '255.255.255.255', sport: 0xffff, dport: 0xffff });
      ok(nlkit('conntrack', '--netns', ns, '-F', 'expect'));
      assert.deepEqual(await ct.expectations.list(), []);
      if (HAS_CONNTRACK) assert.deepEqual(tool(ns, '-L', 'expect'), []);
    });
  });

  test('-z: the counters as they were, zeroed in the kernel as the dump reads them', async (t) => {
    if (!HAS_NFT) return void t.skip('needs nft (nftables) to make the namespace track connections (a `ct state` rule)');
    await inNs(t, async (ct, ns) => {
      // conntrack hooks into a namespace only when something there uses it; counters need accounting
      run('ip', ['netns', 'exec', ns, 'nft', '-f', '-'], 'table inet nlkt {\n chain out {\n  type filter hook output priority 0;\n  ct state new,established accept\n }\n}\n');
      run('ip', ['netns', 'exec', ns, 'sysctl', '-qw', 'net.netfilter.nf_conntrack_acct=1']);
      const script = `const u = require('node:dgram').createSocket('udp4'); u.send('xyz', 9999, '127.0.0.1', () => u.send('abc', 9999, '127.0.0.1', () => u.close()));`;
      run('ip', ['netns', 'exec', ns, process.execPath, '-e', script]);
      const before = await ct.listAndZero({ family: 'ipv4' });
      assert.equal(before.length, 1);
      assert.deepEqual(before[0].counters?.orig, { packets: 2n, bytes: 62n });
      const after = ct.listSync({ protocol: 'udp', dport: 9999 });
      assert.deepEqual(after[0].counters?.orig, { packets: 0n, bytes: 0n });
      // and from the command line, as conntrack -L -z (each run is a new source port: a new entry)
      run('ip', ['netns', 'exec', ns, process.execPath, '-e', script]);
      const line = ok(nlkit('conntrack', '--netns', ns, '-L', '-z'));
      assert.match(line, /packets=2 bytes=62/);
      // as the conntrack tool: no filter but the family (the kernel would zero what a filter leaves out)
      assert.match(nlkit('conntrack', '--netns', ns, '-L', '-z', '-p', 'udp').stderr, /-z with filtering/);
      await assert.rejects(ct.listAndZero({ protocol: 'udp' } as never), NetlinkArgumentError);
      assert.match(ok(nlkit('conntrack', '--netns', ns, '-L', '-p', 'udp', '--dport', '9999')), /packets=0 bytes=0/);
      if (HAS_CONNTRACK) {
        run('ip', ['netns', 'exec', ns, process.execPath, '-e', script]);
        assert.match(tool(ns, '-L', '-z').join('\n'), /packets=2 bytes=62/);
        assert.ok((await ct.list({ protocol: 'udp', dport: 9999 })).every((e) => e.counters?.orig.packets === 0n));
      }
    });
  });

  test('golden bytes: the requests as nfnetlink_conntrack.h numbers them', () => {
    const fam = Family.from(ctDesc);
    // IPCTNL_MSG_CT_GET_CTRZERO (3) of NFNL_SUBSYS_CTNETLINK (1); IPCTNL_MSG_EXP_{NEW,GET,DELETE} of NFNL_SUBSYS_CTNETLINK_EXP (2)
    assert.deepEqual(['get-ctrzero', 'exp-new', 'exp-get', 'exp-delete'].map((n) => fam.op(n).requestValue), [0x103, 0x200, 0x201, 0x202]);
    const body = fam.encode('exp-delete', { nfgenFamily: 2, version: 0, resId: 0, id: 7, helpName: 'ftp' }).toString('hex');
    // nfgenmsg AF_INET; CTA_EXPECT_ID (5) be32 7; CTA_EXPECT_HELP_NAME (6) "ftp"
    assert.equal(body, '02000000' + '0800050000000007' + '0800060066747000');
  });

  test('bad arguments are typed errors', async (t) => {
    await inNs(t, async (ct) => {
      await assert.rejects(ct.expectations.create({ ...EXPECT, timeout: undefined as unknown as number }), NetlinkArgumentError);
      await assert.rejects(ct.expectations.create({ ...EXPECT, flags: ['forever' as 'permanent'] }), /flags/);
      await assert.rejects(ct.expectations.create({ ...EXPECT, tuple: { src: 'fd00::1', dst: '10.0.0.1' } }), NetlinkArgumentError);
      assert.throws(() => ct.expectations.deleteSync(null as never), NetlinkArgumentError);
      await assert.rejects(ct.expectations.flush({ helper: '' }), /helper/);
      await assert.rejects(ct.create({ protocol: 'tcp', orig: MASTER, timeout: 5, helper: 'x'.repeat(40) }), /helper/);
      const r = nlkit('conntrack', '-D', 'expect');
      assert.equal(r.status, 1);
      assert.match(r.stderr, /needs a filter/);
      assert.equal(nlkit('conntrack', '-F', '-z').status, 1);
    });
  });
});
