// `nlkit link add NAME type KIND`: a kind nlkit cannot make is refused by nlkit itself (status
// 1, the kinds it can make listed, nothing sent); a kind nlkit makes but this kernel lacks
// gets the kernel's own answer, word for word and with ip's status, as `ip link add` does.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { KIND_ARGS } from '../src/cli/ip-link-kinds.js';
import { nlkit } from './helpers/cli-run.js';
import { inSetupNetns, ipRun } from './helpers/cli-ip.js';

describe('nlkit link add type KIND', () => {
  test('kinds nlkit does not make: refused by nlkit, the kinds it makes listed, nothing made', (t) => inSetupNetns(t, [], (ns) => {
    for (const kind of ['macsec', 'can', 'xfrm', 'no-such-kind', 'tun']) {
      const r = nlkit('-n', ns, 'link', 'add', 'k0', 'type', kind);
      assert.equal(r.status, 1, kind);
      assert.equal(r.stdout, '');
      assert.match(r.stderr, new RegExp(`^Error: nlkit link does not make "${kind}" links.*; it makes: ${Object.keys(KIND_ARGS).join(', ')}\\.\\n$`));
      assert.notEqual(ipRun('-n', ns, 'link', 'show', 'k0').status, 0, `${kind}: nothing made`);
    }
    assert.match(nlkit('-n', ns, 'link', 'add', 'k0', 'type', 'tap').stderr, /nlkit tuntap add mode tap/);
  }));

  test('kinds nlkit makes that this kernel lacks: the kernel\'s error and status, as ip', (t) => inSetupNetns(t, [], (ns) => {
    const lacking: string[] = [];
    for (const kind of Object.keys(KIND_ARGS)) {
      const theirs = ipRun('-n', ns, 'link', 'add', 'k0', 'type', kind);
      if (theirs.status === 0) ipRun('-n', ns, 'link', 'del', 'k0');
      // probed with ip: the kernel's "Unknown device type" (no rtnl_link_ops for the kind)
      if (theirs.stderr !== 'Error: Unknown device type.\n') continue;
      lacking.push(kind);
      const ours = nlkit('-n', ns, 'link', 'add', 'k0', 'type', kind);
      assert.deepEqual([ours.status, ours.stdout, ours.stderr], [theirs.status, theirs.stdout, theirs.stderr], kind);
    }
    if (lacking.length === 0) t.skip('this kernel has every kind nlkit makes');
    else t.diagnostic(`kinds this kernel lacks: ${lacking.join(', ')}`);
  }));
});
