// The typed family client's requests as the kernel sees them: which ones ask for an ack,
// and that operations are reachable as methods.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { NLM_F_ACK } from '../src/core/constants.js';
import { NetlinkArgumentError, NetlinkError } from '../src/core/errors.js';
import { FamilyClient, type TypedFamilyClient } from '../src/ynl/client.js';
import type { Methods as EthtoolMethods, Types as EthtoolTypes } from '../src/ynl/families/ethtool.js';
import { description as nlctrlDesc, type Methods as NlctrlMethods } from '../src/ynl/families/nlctrl.js';
import { describeFamily, openFamily } from '../src/ynl/open.js';

// The methods are the generated declarations (editors' go-to-definition lands in
// src/ynl/families/NAME.ts): these compile only if so.
const openEthtool = () => openFamily('ethtool');
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const methodsAreGenerated: [
  Same<TypedFamilyClient<EthtoolTypes>['linkinfoGet'], EthtoolMethods['linkinfoGet']>,
  Same<TypedFamilyClient<EthtoolTypes>['linkinfoGetSync'], EthtoolMethods['linkinfoGetSync']>,
  Same<Awaited<ReturnType<typeof openEthtool>>['featuresGetDump'], EthtoolMethods['featuresGetDump']>,
] = [true, true, true];
void methodsAreGenerated;

describe('family client requests', () => {
  test('a genl do-operation with a reply asks for no ack: the reply (or the error) completes it', async () => {
    const ctrl = FamilyClient.openSync(nlctrlDesc);
    try {
      // the error carries the request as sent: its flags show whether an ack was asked for
      const e = await ctrl.getfamily({ familyName: 'nlkt-nosuch' }).then(() => undefined, (x: unknown) => x);
      assert.ok(e instanceof NetlinkError && e.code === 'ENOENT', String(e));
      assert.equal(e.request!.flags & NLM_F_ACK, 0, 'no NLM_F_ACK');
      assert.throws(() => ctrl.getfamilySync({ familyName: 'nlkt-nosuch' }), (x: unknown) => x instanceof NetlinkError && (x.request!.flags & NLM_F_ACK) === 0);
      // the caller can still ask for the ack (for a reply the kernel may not send)
      const withAck = await ctrl.getfamily({ familyName: 'nlkt-nosuch' }, { ack: true }).then(() => undefined, (x: unknown) => x);
      assert.ok(withAck instanceof NetlinkError && (withAck.request!.flags & NLM_F_ACK) !== 0);
      assert.equal(ctrl.getfamilySync({ familyName: 'nlctrl' }, { ack: true }).familyName, 'nlctrl');
      // replies keep matching their requests: no ack is left behind for the next call
      for (let i = 0; i < 20; i++) {
        assert.equal(ctrl.getfamilySync({ familyName: 'nlctrl' }).familyName, 'nlctrl');
        assert.equal((await ctrl.getfamily({ familyName: 'nlctrl' })).familyName, 'nlctrl');
      }
    } finally {
      ctrl.close();
    }
  });

  test('operation methods live on one prototype per family: opening a client defines nothing', () => {
    const a = FamilyClient.openSync(nlctrlDesc);
    const b = FamilyClient.openSync(nlctrlDesc);
    try {
      const names: (keyof NlctrlMethods)[] = ['getfamily', 'getfamilySync', 'getfamilyDump', 'getfamilyDumpSync', 'getpolicyDump', 'getpolicyDumpSync'];
      for (const n of names) {
        assert.equal(typeof a[n], 'function', n);
        assert.ok(!Object.hasOwn(a, n), `${n} is not an own property`);
        assert.equal(a[n], b[n], `${n} is shared`);
      }
      assert.equal(Object.getPrototypeOf(a), Object.getPrototypeOf(b));
      assert.ok(a instanceof FamilyClient);
      assert.ok(!('getpolicy' in a) && !('getpolicySync' in a), 'dump-only operations have no do methods');
      assert.equal(a.getfamilySync({ familyName: 'nlctrl' }).familyId, 0x10);
    } finally {
      a.close();
      b.close();
    }
  });

  test('an operation without that mode, or an unknown family: NetlinkArgumentError, nothing sent', async () => {
    const ctrl = FamilyClient.openSync(nlctrlDesc);
    try {
      const bad = (e: unknown) => e instanceof NetlinkArgumentError && e.argument === 'operation';
      await assert.rejects(ctrl.do('getpolicy' as never), bad);
      assert.throws(() => ctrl.doSync('getpolicy' as never), bad);
      await assert.rejects(describeFamily('nlkt-nosuch'), (e: unknown) => e instanceof NetlinkArgumentError && e.argument === 'family');
    } finally {
      ctrl.close();
    }
  });
});
