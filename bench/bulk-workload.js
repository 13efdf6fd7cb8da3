// Child workload for bench/bulk.js: nlkit adds N routes (bench/route-payload.js) in a
// namespace and prints one JSON line {"mode","api","routes","ns"}; ns covers building the
// requests, sending them and every ack, not node's start-up or opening the socket (as in
// bench/c/rtnl_bench.c).
//
//   node bench/bulk-workload.js <mode> <count> <netns> [--warm]
//
// --warm: the same mode adds another <count> routes first, untimed, so the timed run shows
// the steady cost without the JIT's warm-up.
//
// Modes: transaction-each / transaction-last (many requests per send(), every request
// acked / only the last), transaction-source-last (ack last, the items made one at a time by a
// TransactionSource instead of an array), transaction-sync-last (the same, Sync), concurrent (N request()
// calls in flight at once), sync (a loop of requestSync). The transaction modes use
// Connection.transaction(Sync) when this build has it and fall back to concurrent request()
// (requestSync) otherwise; "api" says which ran.
//
// NLKIT_DIST=/path/to/dist runs another build (e.g. main's) for an interleaved before/after.
import { pathToFileURL } from 'node:url';
import { ROUTE_ADD_FLAGS, RTM_NEWROUTE, routePayload } from './route-payload.js';

const { Connection, NETLINK_ROUTE } = await import(process.env.NLKIT_DIST
  ? pathToFileURL(`${process.env.NLKIT_DIST}/src/core/index.js`).href : '../dist/src/core/index.js');

/** The kernel gives the loopback device index 1 in every namespace (LOOPBACK_IFINDEX). */
const LO = 1;

/** Routes first..first+n-1 as transaction items. */
const requests = (n, first) => Array.from({ length: n }, (_, i) => ({ type: RTM_NEWROUTE, payload: routePayload(first + i, LO), flags: ROUTE_ADD_FLAGS }));
/** With --warm: routes from here on are added once, untimed, before the timed run (JIT warm-up). */
const WARM_FIRST = 1 << 20;

/**
 * The one place that knows Connection.transaction's shape: items { type, payload, flags },
 * { ack: 'each' | 'last' }, a result { ok, items, failures }. A bulk load looks at `ok`
 * (and the failures): that is timed. The per-item outcomes, made when `items` is first
 * read, are checked after the clock stops (see main).
 */
let lastResult;
function check(result) {
  if (!result.ok) throw result.failures[0].error;
  lastResult = result;
}

async function transaction(conn, n, first, ackLast) {
  check(await conn.transaction(requests(n, first), { ack: ackLast ? 'last' : 'each' }));
}

/** The same routes from a TransactionSource: each item made when the transaction gets to it, none kept. */
function source(n, first) {
  let i = 0;
  return { size: n, next: () => (i < n ? { type: RTM_NEWROUTE, payload: routePayload(first + i++, LO), flags: ROUTE_ADD_FLAGS } : undefined) };
}

async function transactionSource(conn, n, first) {
  check(await conn.transaction(source(n, first), { ack: 'last' }));
}

function transactionSync(conn, n, first) {
  check(conn.transactionSync(requests(n, first), { ack: 'last' }));
}

async function concurrent(conn, n, first) {
  await Promise.all(requests(n, first).map((r) => conn.request(r.type, r.payload, { flags: r.flags })));
}

function sync(conn, n, first) {
  for (const r of requests(n, first)) conn.requestSync(r.type, r.payload, { flags: r.flags });
}

const hasTransaction = typeof Connection.prototype.transaction === 'function';
const hasTransactionSync = typeof Connection.prototype.transactionSync === 'function';

/** mode -> [api label, run(conn, n)] */
const MODES = {
  'transaction-each': hasTransaction ? ['transaction, ack each', (c, n, first) => transaction(c, n, first, false)] : ['concurrent request() (no transaction API)', concurrent],
  'transaction-last': hasTransaction ? ['transaction, ack last', (c, n, first) => transaction(c, n, first, true)] : ['concurrent request() (no transaction API)', concurrent],
  'transaction-source-last': hasTransaction ? ['transaction from a source, ack last', transactionSource] : ['concurrent request() (no transaction API)', concurrent],
  'transaction-sync-last': hasTransactionSync ? ['transactionSync, ack last', transactionSync] : ['requestSync loop (no transactionSync API)', sync],
  concurrent: ['concurrent request()', concurrent],
  sync: ['requestSync loop', sync],
};

async function main([mode, count, netns, warm]) {
  const m = MODES[mode];
  const n = Number(count);
  if (!m || !Number.isInteger(n) || n <= 0 || !netns || (warm !== undefined && warm !== '--warm')) {
    console.error(`usage: bulk-workload.js <${Object.keys(MODES).join('|')}> <count> <netns> [--warm]`);
    process.exit(2);
  }
  const [api, run] = m;
  const conn = new Connection(NETLINK_ROUTE, { netns });
  try {
    if (warm) await run(conn, n, WARM_FIRST);
    const t0 = process.hrtime.bigint();
    await run(conn, n, 0);
    const t1 = process.hrtime.bigint();
    const outcomes = lastResult?.items;
    if (outcomes && (outcomes.length !== n || !outcomes.every((o, i) => o.ok && o.index === i)))
      throw new Error(`transaction: ${outcomes.length} outcomes for ${n} requests, or not all ok`);
    console.log(JSON.stringify({ mode, api, routes: n, ns: Number(t1 - t0) }));
  } finally {
    conn.close();
  }
}

await main(process.argv.slice(2));
