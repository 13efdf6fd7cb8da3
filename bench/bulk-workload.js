// Child workload for bench/bulk.js: nlkit adds N routes (bench/route-payload.js) in a
// namespace and prints one JSON line {"mode","api","routes","ns"}; ns covers building the
// requests, sending them and every ack, not node's start-up or opening the socket (as in
// bench/c/rtnl_bench.c).
//
//   node bench/bulk-workload.js <mode> <count> <netns>
//
// Modes: transaction-each / transaction-last (many requests per send(), every request
// acked / only the last), transaction-sync-last (the same, Sync), concurrent (N request()
// calls in flight at once), sync (a loop of requestSync). The transaction modes use
// Connection.transaction(Sync) when this build has it and fall back to concurrent request()
// (requestSync) otherwise; "api" says which ran.
import { Connection, NETLINK_ROUTE } from '../dist/src/core/index.js';
import { ROUTE_ADD_FLAGS, RTM_NEWROUTE, routePayload } from './route-payload.js';

/** The kernel gives the loopback device index 1 in every namespace (LOOPBACK_IFINDEX). */
const LO = 1;

const requests = (n) => Array.from({ length: n }, (_, i) => ({ type: RTM_NEWROUTE, payload: routePayload(i, LO), flags: ROUTE_ADD_FLAGS }));

/**
 * The one place that knows Connection.transaction's shape: items { type, payload, flags },
 * { ack: 'each' | 'last' }, a result { ok, items, failures } with every item's outcome.
 */
function check(result, n) {
  if (!result.ok) throw result.failures[0].error;
  if (result.items.length !== n) throw new Error(`transaction: ${result.items.length} outcomes for ${n} requests`);
}

async function transaction(conn, n, ackLast) {
  check(await conn.transaction(requests(n), { ack: ackLast ? 'last' : 'each' }), n);
}

function transactionSync(conn, n) {
  check(conn.transactionSync(requests(n), { ack: 'last' }), n);
}

async function concurrent(conn, n) {
  await Promise.all(requests(n).map((r) => conn.request(r.type, r.payload, { flags: r.flags })));
}

function sync(conn, n) {
  for (const r of requests(n)) conn.requestSync(r.type, r.payload, { flags: r.flags });
}

const hasTransaction = typeof Connection.prototype.transaction === 'function';
const hasTransactionSync = typeof Connection.prototype.transactionSync === 'function';

/** mode -> [api label, run(conn, n)] */
const MODES = {
  'transaction-each': hasTransaction ? ['transaction, ack each', (c, n) => transaction(c, n, false)] : ['concurrent request() (no transaction API)', concurrent],
  'transaction-last': hasTransaction ? ['transaction, ack last', (c, n) => transaction(c, n, true)] : ['concurrent request() (no transaction API)', concurrent],
  'transaction-sync-last': hasTransactionSync ? ['transactionSync, ack last', transactionSync] : ['requestSync loop (no transactionSync API)', sync],
  concurrent: ['concurrent request()', concurrent],
  sync: ['requestSync loop', sync],
};

async function main([mode, count, netns]) {
  const m = MODES[mode];
  const n = Number(count);
  if (!m || !Number.isInteger(n) || n <= 0 || !netns) {
    console.error(`usage: bulk-workload.js <${Object.keys(MODES).join('|')}> <count> <netns>`);
    process.exit(2);
  }
  const [api, run] = m;
  const conn = new Connection(NETLINK_ROUTE, { netns });
  try {
    const t0 = process.hrtime.bigint();
    await run(conn, n);
    const t1 = process.hrtime.bigint();
    console.log(JSON.stringify({ mode, api, routes: n, ns: Number(t1 - t0) }));
  } finally {
    conn.close();
  }
}

await main(process.argv.slice(2));
