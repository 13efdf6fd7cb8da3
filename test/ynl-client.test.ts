// The typed family client's requests as the kernel sees them: which ones ask for an ack,
// and that operations are reachable as methods.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { NLM_F_ACK } from '../src/core/constants.js';
import { NetlinkError } from '../src/core/errors.js';
import { FamilyClient } from '../src/ynl/client.js';
import { description as nlctrlDesc } from '../src/ynl/families/nlctrl.js';

describe('family client requests', () => {
  test('a genl do-operation with a reply asks for no ack: the reply (or the error) completes it', async () => {
    const ctrl = FamilyClient.openSync(nlctrlDesc);
    try {
      // the error carries the request as sent: its flags show whether an ack was asked for
      const e = await ctrl.getfamily({ familyName: 'nlkt-nosuch' }).then(() => undefined, (x: unknown) => x);
      assert.ok(e instanceof NetlinkError && e.code === 'ENOENT', String(e));
      assert.equal(e.request!.flags & NLM_F_ACK, 0, 'no NLM_F_ACK');
      assert.throws(() => ctrl.getfamilySync({ familyName: 'nlkt-nosuch' }), (x: unknown) => x instanceof NetlinkError && (x.request!.flags & NLM_F_ACK) === 0);
      // replies keep matching their requests: no ack is left behind for the next call
      for (let i = 0; i < 20; i++) {
        assert.equal(ctrl.getfamilySync({ familyName: 'nlctrl' }).familyName, 'nlctrl');
        assert.equal((await ctrl.getfamily({ familyName: 'nlctrl' })).familyName, 'nlctrl');
      }
    } finally {
      ctrl.close();
    }
  });
});
