// User and group names for tun owners, checked against getent (libc's own lookup).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { accountId, accountName } from '../src/cli/accounts.js';

/** getent's [name, id] for a key, or undefined where it knows none. */
function getent(db: string, key: string): [string, number] | undefined {
  const r = spawnSync('getent', [db, key], { encoding: 'utf8' });
  if (r.status !== 0) return undefined;
  const f = r.stdout.split(':');
  return [f[0], Number(f[2])];
}

test('names and ids both ways as libc finds them; a number with no entry stays a number', () => {
  for (const [db, file] of [['passwd', '/etc/passwd'], ['group', '/etc/group']] as const) {
    const root = getent(db, '0');
    assert.ok(root, `getent ${db} 0`);
    assert.equal(accountName(0, file), root[0]);
    assert.equal(accountId(root[0], file), 0);
    const unused = 0x7ffffff0;
    assert.equal(getent(db, String(unused)), undefined);
    assert.equal(accountName(unused, file), unused);
    assert.equal(accountId('nlkit-no-such-account', file), undefined);
  }
});
