// Child workloads for bench/routes.js:
//
//   node bench/route-workloads.js <workload> <rounds> <file | netns>
//
// Mirrors bench/c/route_decode.c: one untimed round, then <rounds> timed ones, then one
// JSON line: {"workload", "rounds", "routes", "ns_per_route", "digest"}. The decode-only
// workloads walk a capture file of back-to-back netlink messages the way Connection walks
// a datagram; the dump workloads run Connection.dumpSync() in the named namespace. Every
// round keeps all its route objects in an array, as a dump's result does.
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { Connection } from '../dist/src/core/connection.js';
import { NETLINK_ROUTE } from '../dist/src/core/constants.js';
import { decodeRoute, digest } from './route-decoder.js';

/**
 * nlkit's generic codec on RTM_NEWROUTE, driven by the description generated from the
 * kernel's rt-route spec: (m: RawMessage) => object. Built once, outside the timed part.
 */
export async function genericDecoder() {
  const { Family } = await import('../dist/src/ynl/family.js');
  const { description } = await import('../dist/src/ynl/families/rt-route.js');
  const family = Family.from(description);
  // replies to getroute: rtmsg fields and route attributes in one object
  return family.replyDecoder(family.op('getroute'));
}

export const RTM_NEWROUTE = 24;
const RTM_GETROUTE = 26;
const AF_INET = 2;
const NLMSG_HDRLEN = 16;

/** rtmsg all zero but the family: every table, every route type. */
const DUMP_REQUEST = Buffer.alloc(12);
DUMP_REQUEST[0] = AF_INET;

/** One IPv4 route dump in netns; returns the route messages back to back, headers rebuilt. */
export function captureRouteDump(netns) {
  const conn = new Connection(NETLINK_ROUTE, { netns });
  try {
    const parts = conn.dumpSync(RTM_GETROUTE, DUMP_REQUEST, {
      decode(m) {
        const len = NLMSG_HDRLEN + m.end - m.start;
        const out = Buffer.alloc((len + 3) & ~3);
        out.writeUInt32LE(len, 0);
        out.writeUInt16LE(m.type, 4);
        out.writeUInt16LE(m.flags, 6);
        out.writeUInt32LE(m.seq, 8);
        out.writeUInt32LE(m.portId, 12);
        m.buf.copy(out, NLMSG_HDRLEN, m.start, m.end);
        return out;
      },
    });
    return Buffer.concat(parts);
  } finally {
    conn.close();
  }
}

/** What Connection's receive path does per datagram, over the whole capture. */
function decodeCapture(buf, decode, m) {
  const out = [];
  let pos = 0;
  while (buf.length - pos >= NLMSG_HDRLEN) {
    const len = buf.readUInt32LE(pos);
    if (len < NLMSG_HDRLEN || len > buf.length - pos) throw new RangeError(`bad message length ${len} at ${pos}`);
    m.type = buf.readUInt16LE(pos + 4);
    m.flags = buf.readUInt16LE(pos + 6);
    m.seq = buf.readUInt32LE(pos + 8);
    m.portId = buf.readUInt32LE(pos + 12);
    m.start = pos + NLMSG_HDRLEN;
    m.end = pos + len;
    if (m.type !== RTM_NEWROUTE) throw new Error(`unexpected message type ${m.type} at ${pos}`);
    out.push(decode(m));
    pos += (len + 3) & ~3;
  }
  return out;
}

function decodeOnly(decode, file) {
  const buf = readFileSync(file);
  const m = { type: 0, flags: 0, seq: 0, portId: 0, sender: 0, group: 0, nsid: -1, buf, start: 0, end: 0 };
  return () => decodeCapture(buf, decode, m);
}

function dumpAndDecode(decode, netns) {
  const conn = new Connection(NETLINK_ROUTE, { netns });
  return () => conn.dumpSync(RTM_GETROUTE, DUMP_REQUEST, { decode });
}

/** name -> [decoder factory, round factory, digest of a round's routes (null: not comparable)]. */
const WORKLOADS = {
  'hand-decode': [() => decodeRoute, decodeOnly, digest],
  'hand-dump': [() => decodeRoute, dumpAndDecode, digest],
  'generic-decode': [genericDecoder, decodeOnly, () => null],
  'generic-dump': [genericDecoder, dumpAndDecode, () => null],
};

async function main([name, count, target]) {
  const w = WORKLOADS[name];
  const rounds = Number(count);
  if (!w || !Number.isInteger(rounds) || rounds <= 0 || !target) {
    console.error(`usage: route-workloads.js <${Object.keys(WORKLOADS).join('|')}> <rounds> <file|netns>`);
    process.exit(2);
  }
  const [makeDecoder, makeRound, digestOf] = w;
  const round = makeRound(await makeDecoder(), target);
  let routes = round();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < rounds; i++) routes = round();
  const t1 = process.hrtime.bigint();
  if (routes.length === 0) throw new Error('no routes decoded');
  const ns = Number(t1 - t0) / (rounds * routes.length);
  console.log(JSON.stringify({ workload: name, rounds, routes: routes.length, ns_per_route: Math.round(ns * 10) / 10, digest: digestOf(routes) }));
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) await main(process.argv.slice(2));
