// One nlkit case of bench/transaction.js: node transaction-child.js <netns> <each|last|sync-last> <table> <n>
// Adds n routes into <table> (after a 1000-route warm-up: the first large transaction of a
// process, JIT still cold), then into <table>+1, +2 and +3 (warm: the last one is reported).
import { Connection } from '../dist/src/core/connection.js';

const [netns, mode, table, count] = process.argv.slice(2);
const RTM_NEWROUTE = 24, NLM_F_CREATE = 0x400, NLM_F_EXCL = 0x200, RTA_DST = 1, RTA_OIF = 4;

function routes(n, t) {
  const items = new Array(n);
  for (let i = 0; i < n; i++) {
    const b = (100 + (i >> 8)) & 255, c = i & 255;
    items[i] = {
      type: RTM_NEWROUTE,
      flags: NLM_F_CREATE | NLM_F_EXCL,
      payload: (w) => {
        w.u8(2); w.u8(24); w.u8(0); w.u8(0); w.u8(t); w.u8(3); w.u8(0); w.u8(1); w.u32(0);
        w.attrU32(RTA_DST, (10 | (b << 8) | (c << 16)) >>> 0); // 10.b.c.0 in network order
        w.attrU32(RTA_OIF, 1);
      },
    };
  }
  return items;
}

const conn = new Connection(0, { netns });
const run = (items) => (mode === 'sync-last' ? conn.transactionSync(items, { ack: 'last' }) : conn.transaction(items, { ack: mode === 'each' ? 'each' : 'last' }));
await run(routes(1000, 250)); // warm-up, its own table
const timed = async (t) => {
  const t0 = process.hrtime.bigint();
  const r = await run(routes(Number(count), t));
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (!r.ok) throw new Error(`${r.failures.length} items failed: ${r.failures[0].error.message}`);
  return ms;
};
const ms = await timed(Number(table));
let warm = 0;
for (let i = 1; i <= 3; i++) warm = await timed(Number(table) + i);
conn.close();
console.log(JSON.stringify({ mode, ms, warm }));
