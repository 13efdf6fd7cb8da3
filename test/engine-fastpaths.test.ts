// The engine's fast paths keep the slow paths' behaviour: acknowledgements recognised
// without a parse, Writer's byte-by-byte stores still refusing out-of-range values as
// Buffer did, the addon taking ArrayBuffers as well as views, and a transaction's
// per-item outcomes made on first read yet shaped as before.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { NLM_F_CREATE, NLM_F_EXCL, NLMSG_DONE, NLMSG_ERROR } from '../src/core/constants.js';
import { isAck, type RawMessage } from '../src/core/message.js';
import { META_INTS, native } from '../src/core/native.js';
import { Batch } from '../src/core/transport.js';
import { Writer } from '../src/core/writer.js';
import { inNetns } from './helpers/netns.js';
import { RTA_OIF, RTM_NEWROUTE, rtmsg } from './helpers/rtnl.js';

const raw = (type: number, payload: number[]): RawMessage => {
  const buf = Buffer.from([0, 0, 0, 0, ...payload]);
  return { type, flags: 0, seq: 1, portId: 0, sender: 0, group: 0, nsid: -1, buf, start: 4, end: buf.length };
};

describe('fast paths', () => {
  test('isAck: NLMSG_ERROR with errno 0 only', () => {
    assert.equal(isAck(raw(NLMSG_ERROR, [0, 0, 0, 0])), true);
    assert.equal(isAck(raw(NLMSG_ERROR, [0xef, 0xff, 0xff, 0xff])), false); // -17
    assert.equal(isAck(raw(NLMSG_ERROR, [0, 0, 0, 1])), false);
    assert.equal(isAck(raw(NLMSG_ERROR, [0, 0, 0])), false); // too short to say
    assert.equal(isAck(raw(NLMSG_DONE, [0, 0, 0, 0])), false);
  });

  test('Writer refuses what Buffer refused, with the same errors, and wraps nothing', () => {
    const w = new Writer(64);
    for (const [f, v] of [['u8', 256], ['u8', -1], ['u16', 0x10000], ['u32', 2 ** 32], ['u32', -1], ['s32', 2 ** 31]] as const)
      assert.throws(() => (w as unknown as Record<string, (v: number) => void>)[f](v), { code: 'ERR_OUT_OF_RANGE' }, `${f}(${v})`);
    assert.throws(() => w.attrU8(1, 300), { code: 'ERR_OUT_OF_RANGE' });
    assert.throws(() => w.attrU32(1, -5), { code: 'ERR_OUT_OF_RANGE' });
    assert.throws(() => w.beginMessage(0x10000, 0), { code: 'ERR_OUT_OF_RANGE' });
    assert.throws(() => w.attrString(1, 'x'.repeat(70000)), { code: 'ERR_OUT_OF_RANGE' });
    assert.equal(w.pos, 0, 'nothing written by a refused value');
    w.u32(0xdeadbeef);
    w.s32(-2);
    w.u16(0xbeef);
    w.u8(7);
    assert.deepEqual([...w.toBuffer()], [0xef, 0xbe, 0xad, 0xde, 0xfe, 0xff, 0xff, 0xff, 0xef, 0xbe, 7]);
  });

  test('the addon takes whole ArrayBuffers as well as views; a detached one is refused', () => {
    const b = new Batch(4096, 4);
    // recv on a bad fd is an error entry in the meta array, whichever form it came in
    assert.equal(native.recv(987654, b.bufAb, b.metaAb, 0, 4, false), 1);
    assert.equal(b.meta[1], 9); // EBADF
    const ab = new ArrayBuffer(16);
    structuredClone(ab, { transfer: [ab] });
    assert.throws(() => native.recv(987654, ab, new Int32Array(META_INTS), 0, 1, false), TypeError);
  });

  test('the outcomes of a transaction, made on first read, are the usual array (spread, JSON, assignment)', async (t) => {
    await inNetns(t, async (c) => {
      {
        const items = Array.from({ length: 300 }, (_, i) => ({
          type: RTM_NEWROUTE, flags: NLM_F_CREATE | NLM_F_EXCL,
          payload: (w: Writer) => {
            rtmsg(24, 140)(w);
            w.attrU32(1 /* RTA_DST */, (10 | ((1 + (i >> 8)) << 8) | ((i & 255) << 16)) >>> 0); // 10.(1 + i/256).(i%256).0/24
            w.attrU32(RTA_OIF, 1);
          },
        }));
        const r = await c.transaction(items, { ack: 'last' });
        assert.ok(r.ok, r.failures[0]?.error.message);
        assert.ok(Object.keys(r).includes('items'));
        const copy = { ...r };
        assert.equal(copy.items.length, 300);
        assert.equal(r.items, copy.items, 'made once');
        assert.deepEqual(r.items[299], { index: 299, ok: true, replies: [] });
        assert.equal(JSON.parse(JSON.stringify(r)).items.length, 300);
        r.items = [];
        assert.equal(r.items.length, 0);
        const again = c.transactionSync(items.slice(0, 3), { ack: 'each' });
        assert.deepEqual(again.failures.map((f) => f.index), [0, 1, 2]);
        assert.deepEqual(again.items.map((o) => o.ok), [false, false, false]);
      }
    });
  });
});
