// Child workloads for bench/run.js: `node bench/workloads.js <workload> <iterations>`.
//
// Mirrors bench/c/genl_bench.c: a fixed warm-up (so that syscall counts of two runs
// with different iteration counts differ by exactly the extra timed iterations), then
// the timed loop, then one JSON line: {"workload", "iterations", "ns_per_op"}.
// Every reply is checked (family id of nlctrl), like the C program does.
import { AttrIterator, Connection, GenericNetlink, NETLINK_GENERIC, Writer } from '../dist/src/index.js';
import { openFamily, openFamilySync } from '../dist/src/ynl/index.js';
import { description as nlctrl } from '../dist/src/ynl/families/nlctrl.js';

const FAMILY = 'nlctrl';
const GENL_ID_CTRL = 0x10;
/** Fixed, not proportional to the iteration count (see above); enough for the JIT to settle. */
const WARMUP = 5000;
const IN_FLIGHT = 64;

function check(f) {
  if (f.id !== GENL_ID_CTRL) throw new Error(`family id 0x${f.id.toString(16)}, expected 0x10`);
}

/** The same check on the generated nlctrl client's reply. */
function checkGenerated(f) {
  if (f.familyId !== GENL_ID_CTRL) throw new Error(`family id ${f.familyId}, expected 0x10`);
}
const GETFAMILY = { familyName: FAMILY };

// The engine alone, doing what the C program does: CTRL_CMD_GETFAMILY("nlctrl") encoded once,
// and from the reply only CTRL_ATTR_FAMILY_ID read. (getFamily above also decodes the family's
// name, version, operations and groups into objects: more work than the C program does.)
const CTRL_CMD_GETFAMILY = 3, CTRL_ATTR_FAMILY_ID = 1, CTRL_ATTR_FAMILY_NAME = 2;
const request = (() => {
  const w = new Writer(64);
  w.u8(CTRL_CMD_GETFAMILY); w.u8(1); w.u16(0);
  w.attrString(CTRL_ATTR_FAMILY_NAME, FAMILY);
  return Buffer.from(w.buf.subarray(0, w.pos));
})();
function familyId(m) {
  const it = new AttrIterator(m.buf, m.start + 4, m.end);
  while (it.next()) if (it.type === CTRL_ATTR_FAMILY_ID) return m.buf.readUInt16LE(it.dataStart);
  return -1;
}
const ENGINE_CALL = { decode: familyId, ack: false };
function checkId(replies) {
  if (replies[0] !== GENL_ID_CTRL) throw new Error(`family id ${replies[0]}, expected 0x10`);
}

/** name -> { socket: one socket for the whole run (true: GenericNetlink, 'family': the nlctrl client)?, run(g, n) }. */
const WORKLOADS = {
  'cycle-sync': {
    socket: false,
    run(_, n) {
      for (let i = 0; i < n; i++) {
        const g = GenericNetlink.open();
        check(g.getFamilySync(FAMILY));
        g.close();
      }
    },
  },
  'cycle-async': {
    socket: false,
    async run(_, n) {
      for (let i = 0; i < n; i++) {
        const g = GenericNetlink.open();
        check(await g.getFamily(FAMILY));
        g.close();
      }
    },
  },
  'steady-sync': {
    socket: true,
    run(g, n) {
      for (let i = 0; i < n; i++) check(g.getFamilySync(FAMILY));
    },
  },
  'steady-async': {
    socket: true,
    async run(g, n) {
      for (let i = 0; i < n; i++) check(await g.getFamily(FAMILY));
    },
  },
  'steady-async-64': {
    socket: true,
    async run(g, n) {
      for (let i = 0; i < n; i += IN_FLIGHT) {
        const batch = [];
        for (let j = Math.min(IN_FLIGHT, n - i); j > 0; j--) batch.push(g.getFamily(FAMILY));
        for (const f of await Promise.all(batch)) check(f);
      }
    },
  },
  'engine-cycle-sync': {
    socket: false,
    run(_, n) {
      for (let i = 0; i < n; i++) {
        const c = new Connection(NETLINK_GENERIC);
        checkId(c.requestSync(GENL_ID_CTRL, request, ENGINE_CALL));
        c.close();
      }
    },
  },
  'engine-cycle-async': {
    socket: false,
    async run(_, n) {
      for (let i = 0; i < n; i++) {
        const c = new Connection(NETLINK_GENERIC);
        checkId(await c.request(GENL_ID_CTRL, request, ENGINE_CALL));
        c.close();
      }
    },
  },
  'engine-steady-sync': {
    socket: 'engine',
    run(c, n) {
      for (let i = 0; i < n; i++) checkId(c.requestSync(GENL_ID_CTRL, request, ENGINE_CALL));
    },
  },
  'engine-steady-async': {
    socket: 'engine',
    async run(c, n) {
      for (let i = 0; i < n; i++) checkId(await c.request(GENL_ID_CTRL, request, ENGINE_CALL));
    },
  },
  // the generated nlctrl client (nlkit/ynl): open by name, CTRL_CMD_GETFAMILY as getfamily()
  'family-cycle-sync': {
    socket: false,
    run(_, n) {
      for (let i = 0; i < n; i++) {
        const f = openFamilySync(nlctrl);
        checkGenerated(f.getfamilySync(GETFAMILY));
        f.close();
      }
    },
  },
  'family-cycle-async': {
    socket: false,
    async run(_, n) {
      for (let i = 0; i < n; i++) {
        const f = await openFamily('nlctrl');
        checkGenerated(await f.getfamily(GETFAMILY));
        f.close();
      }
    },
  },
  'family-steady-sync': {
    socket: 'family',
    run(f, n) {
      for (let i = 0; i < n; i++) checkGenerated(f.getfamilySync(GETFAMILY));
    },
  },
  'family-steady-async': {
    socket: 'family',
    async run(f, n) {
      for (let i = 0; i < n; i++) checkGenerated(await f.getfamily(GETFAMILY));
    },
  },
};

async function main([name, count]) {
  const w = WORKLOADS[name];
  const n = Number(count);
  if (!w || !Number.isInteger(n) || n <= 0) {
    console.error(`usage: workloads.js <${Object.keys(WORKLOADS).join('|')}> <iterations>`);
    process.exit(2);
  }
  const g = w.socket === 'family' ? openFamilySync(nlctrl) : w.socket === 'engine' ? new Connection(NETLINK_GENERIC)
    : w.socket ? GenericNetlink.open() : undefined;
  await w.run(g, WARMUP);
  const t0 = process.hrtime.bigint();
  await w.run(g, n);
  const t1 = process.hrtime.bigint();
  g?.close();
  console.log(JSON.stringify({ workload: name, iterations: n, ns_per_op: Math.round((Number(t1 - t0) / n) * 10) / 10 }));
}

await main(process.argv.slice(2));
