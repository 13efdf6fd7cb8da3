// Where nlkit's time goes: the getFamily('nlctrl') round trip rebuilt layer by layer,
// from the bare native calls up to the public API, each timed in this process.
//
//   node bench/breakdown.js [iterations]      (after a build; default 100000)
//
// Reaches into nlkit's internals (native binding, Batch, Writer, private Connection
// methods): a diagnostic, not an API user. Each layer's cost is its time minus the
// previous layer's.
import { native } from '../dist/src/core/native.js';
import { acquireBatch, releaseBatch } from '../dist/src/core/transport.js';
import { Writer } from '../dist/src/core/writer.js';
import { Connection } from '../dist/src/core/connection.js';
import { GenericNetlink } from '../dist/src/index.js';
import { decodeFamily, ctrlLayout } from '../dist/src/genl/ctrl.js';
import { buildBaseline, runBaseline } from './c-baseline.js';

const N = Number(process.argv[2] ?? 100_000);
const ROUNDS = 3;
const NETLINK_GENERIC = 16, SOL_NETLINK = 270, GENL_ID_CTRL = 0x10;
const NO_OPTS = { extAck: false, strictCheck: false, capAck: false };
const stackLimit = Error.stackTraceLimit;

// The request, encoded once the way nlkit's Writer encodes it.
function encode(w, seq) {
  w.reset();
  const start = w.beginMessage(GENL_ID_CTRL, 1 /* NLM_F_REQUEST */);
  w.u8(3); w.u8(2); w.u16(0); // CTRL_CMD_GETFAMILY, version 2
  w.attrString(2 /* CTRL_ATTR_FAMILY_NAME */, 'nlctrl');
  w.endMessage(start);
  w.buf.writeUInt32LE(seq, 8);
  return w.pos;
}
const w = new Writer(16 * 1024);
const fixedLen = encode(w, 1);
const fixed = Buffer.from(w.buf.subarray(0, fixedLen));
const msg = { type: 0, flags: 0, seq: 0, portId: 0, sender: 0, group: 0, nsid: -1, buf: null, start: 0, end: 0 };

/** native send + one non-blocking recv; optional encode and decode around it. */
function roundTrip(fd, seq, { doEncode, doDecode }) {
  let buf = fixed, len = fixedLen;
  if (doEncode) { len = encode(w, seq); buf = w.buf; }
  native.send(fd, buf, 0, len, 0, 0, true);
  const b = acquireBatch();
  const n = native.recv(fd, b.buf, b.meta, -1, 1);
  if (n !== 1) throw new Error('no reply');
  if (doDecode) {
    msg.buf = b.buf; msg.start = b.meta[0] + 16; msg.end = b.meta[0] + b.meta[1];
    if (decodeFamily(msg).id !== GENL_ID_CTRL) throw new Error('bad reply');
  }
  releaseBatch(b);
}

const steadyFd = native.socket(NETLINK_GENERIC, null);
const steadyConn = new Connection(NETLINK_GENERIC);
const steadyG = GenericNetlink.open();
const reqOpts = { ack: false, layout: ctrlLayout, decode: decodeFamily };
const payload = (x) => { x.u8(3); x.u8(2); x.u16(0); x.attrString(2, 'nlctrl'); };

/** [label, c mode, op(i)] — layers in order; each adds one thing to the previous. */
const LAYERS = [
  ['steady: native send+recv (prebuilt bytes)', 'steady', (i) => roundTrip(steadyFd, i, {})],
  ['  + encode with Writer', 'steady', (i) => roundTrip(steadyFd, i, { doEncode: true })],
  ['  + decodeFamily', 'steady', (i) => roundTrip(steadyFd, i, { doEncode: true, doDecode: true })],
  ['  Connection.requestSync (Pending, Map, dispatch)', 'steady', () => steadyConn.requestSync(GENL_ID_CTRL, payload, reqOpts)],
  ['  GenericNetlink.getFamilySync', 'steady', () => steadyG.getFamilySync('nlctrl')],
  ['cycle: native socket+send+recv+close', 'cycle', (i) => {
    const fd = native.socket(NETLINK_GENERIC, null); roundTrip(fd, i, {}); native.close(fd);
  }],
  ['  + 3 setsockopt (EXT_ACK, STRICT_CHK, CAP_ACK)', 'cycle', (i) => {
    const fd = native.socket(NETLINK_GENERIC, null);
    for (const o of [11, 12, 10]) native.setsockopt(fd, SOL_NETLINK, o, 1);
    roundTrip(fd, i, {}); native.close(fd);
  }],
  ['  open+getFamilySync+close, no socket options', 'cycle', () => {
    const g = GenericNetlink.open(NO_OPTS); g.getFamilySync('nlctrl'); g.close();
  }],
  ['  same, Error.stackTraceLimit = 0 (cheap close error)', 'cycle', () => {
    const g = GenericNetlink.open(NO_OPTS); g.getFamilySync('nlctrl');
    Error.stackTraceLimit = 0; g.close(); Error.stackTraceLimit = stackLimit;
  }],
  ['  open+getFamilySync+close (defaults)', 'cycle', () => {
    const g = GenericNetlink.open(); g.getFamilySync('nlctrl'); g.close();
  }],
];

function time(op) {
  for (let i = 0; i < 5000; i++) op(i);
  const samples = [];
  for (let r = 0; r < ROUNDS; r++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < N; i++) op(i);
    samples.push(Number(process.hrtime.bigint() - t0) / N);
  }
  return samples.sort((a, b) => a - b)[ROUNDS >> 1];
}

const bin = await buildBaseline();
const cNs = { steady: runBaseline(bin, 'steady', N).ns_per_op, cycle: runBaseline(bin, 'cycle', N).ns_per_op };
console.log(`C baseline: steady ${cNs.steady} ns/op, cycle ${cNs.cycle} ns/op (${N} ops, median of ${ROUNDS} in-process runs below)\n`);
console.log(`${'layer'.padEnd(52)} ${'ns/op'.padStart(7)} ${'vs C'.padStart(6)}`);
for (const [label, mode, op] of LAYERS) {
  const ns = time(op);
  console.log(`${label.padEnd(52)} ${ns.toFixed(0).padStart(7)} ${(ns / cNs[mode]).toFixed(2).padStart(5)}x`);
}
native.close(steadyFd);
steadyConn.close();
steadyG.close();
