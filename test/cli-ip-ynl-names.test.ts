// `nlkit ynl` with the spec's own names, as the kernel's ynl CLI takes and prints them
// (`{"header":{"dev-name":"eth0"}}`), so commands from the kernel's documentation work unchanged.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { renameKeys, requestFromJson, specNames } from '../src/cli/ynl.js';
import { description as rtLink } from '../src/ynl/families/rt-link.js';
import { nlkit, ok } from './helpers/cli-run.js';
import { inSetupNetns } from './helpers/cli-ip.js';

describe('nlkit ynl: spec names', () => {
  test('requests take the spec\'s names and camelCase alike, nested and in arrays', () => {
    assert.deepEqual({ ...requestFromJson('{"header":{"dev-name":"eth0","flags":["omit-reply"]},"ifi-index":3,"list":[{"a-b":1}]}') },
      { header: { devName: 'eth0', flags: ['omit-reply'] }, ifiIndex: 3, list: [{ aB: 1 }] });
    assert.deepEqual({ ...requestFromJson('{"devName":"eth0"}') }, { devName: 'eth0' });
    // values are never renamed (enum names keep their dashes)
    assert.deepEqual({ ...requestFromJson('{"ext-mask":["skip-stats"]}') }, { extMask: ['skip-stats'] });
  });

  test('--spec-names output: each key back to the name the spec gives it', () => {
    const name = specNames(rtLink);
    assert.equal(name('ifiIndex'), 'ifi-index');
    assert.equal(name('numTxQueues'), 'num-tx-queues');
    assert.equal(name('ifname'), 'ifname');
    assert.equal(name('notAKey'), 'notAKey');
    assert.deepEqual(renameKeys({ linkinfo: { kind: 'veth', slaveKind: 'bridge', list: [{ ifiIndex: 1 }] } }, name), { linkinfo: { kind: 'veth', 'slave-kind': 'bridge', list: [{ 'ifi-index': 1 }] } });
  });

  test('against the kernel: a spec-named request, a spec-named reply', (t) =>
    inSetupNetns(t, [['link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1']], (ns) => {
      const args = ['ynl', '--family', 'rt-link', '--netns', ns, '--do', 'getlink'];
      const camel = JSON.parse(ok(nlkit(...args, '--json', '{"ifname":"v0","extMask":["skip-stats"]}')));
      const dashed = JSON.parse(ok(nlkit(...args, '--json', '{"ifname":"v0","ext-mask":["skip-stats"]}', '--spec-names')));
      assert.equal(dashed['ifi-index'], camel.ifiIndex);
      assert.equal(dashed['num-tx-queues'], camel.numTxQueues);
      assert.equal(dashed.ifname, 'v0');
      assert.equal(dashed.ifiIndex, undefined);
      const byIndex = JSON.parse(ok(nlkit(...args, '--json', JSON.stringify({ 'ifi-index': camel.ifiIndex }))));
      assert.equal(byIndex.ifname, 'v0');
      const dump = JSON.parse(ok(nlkit('ynl', '--family', 'rt-link', '--netns', ns, '--dump', 'getlink', '--spec-names')));
      assert.ok(dump.every((l: Record<string, unknown>) => typeof l['ifi-index'] === 'number'));
      const misplaced = nlkit('ynl', '--family', 'rt-link', '--list-ops', '--spec-names');
      assert.equal(misplaced.status, 1);
      assert.match(misplaced.stderr, /--spec-names goes with --do or --dump or --subscribe/);
    }));
});
