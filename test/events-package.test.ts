// The package entry points of process events, uevents and audit: each imports on its own
// (through package.json "exports", the bundled build) and exports its API.
import { test } from 'node:test';
import assert from 'node:assert/strict';

test('nlkit/connector, nlkit/uevent and nlkit/audit import through the package exports', async () => {
  const connector = await import('nlkit/connector' as string);
  assert.equal(typeof connector.procEvents, 'function');
  assert.equal(typeof connector.decodeProcMessage, 'function');
  const uevent = await import('nlkit/uevent' as string);
  assert.equal(typeof uevent.uevents, 'function');
  assert.equal(typeof uevent.decodeUevent, 'function');
  const audit = await import('nlkit/audit' as string);
  for (const name of ['Audit', 'auditStatus', 'auditStatusSync', 'setAuditStatus', 'auditRules', 'addAuditRule', 'deleteAuditRule', 'auditUser', 'parseRule', 'formatRule'])
    assert.equal(typeof audit[name], 'function', name);
  // one copy of the shared stream class across entry points
  assert.equal(connector.EventItems, uevent.EventItems);
  assert.equal(uevent.EventItems, audit.EventItems);
});
