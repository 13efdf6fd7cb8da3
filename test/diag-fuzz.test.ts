// The sock_diag decoders (spec-driven messages and the domain objects made of them) fed
// mutated copies of real kernel replies: every outcome is a value or a NetlinkDecodeError,
// never another exception or a hang. NLKIT_DIAG_FUZZ sets the count (default 50,000; `npm run
// fuzz:diag` runs 1,000,000). Seeds: replies captured live (as root), else the stored ones.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { NetlinkDecodeError } from '../src/core/errors.js';
import type { RawMessage } from '../src/core/message.js';
import { opDecoder } from '../src/ynl/op-call.js';
import { description as inetDiag } from '../src/ynl/families/sock_diag_inet.js';
import { description as unixDiag } from '../src/ynl/families/sock_diag_unix.js';
import { description as netlinkDiag } from '../src/ynl/families/sock_diag_netlink.js';
import { description as packetDiag } from '../src/ynl/families/sock_diag_packet.js';
import { inetSocket } from '../src/diag/inet.js';
import { netlinkSocket, packetSocket, unixSocket } from '../src/diag/local.js';
import { isRoot, withNetns } from './helpers/netns.js';
import { startSocketFixture } from './helpers/sockets.js';
import { hasPython, startPacketSockets } from './helpers/packet-sockets.js';
import { captureReplies, type Capture, type CaptureKind } from './helpers/diag-captures.js';

const STORED = fileURLToPath(new URL('../../test/fixtures/diag-captures.json', import.meta.url));
const COUNT = Number(process.env.NLKIT_DIAG_FUZZ ?? 50_000);
const names = { ifname: (i: number) => `if${i}` };

const decoders: Record<CaptureKind, (m: RawMessage) => unknown> = {
  inet: (m) => inetSocket(opDecoder(inetDiag, 'sock', 'do')(m), 'tcp', names),
  unix: (m) => unixSocket(opDecoder(unixDiag, 'sock', 'do')(m)),
  netlink: (m) => netlinkSocket(opDecoder(netlinkDiag, 'sock', 'do')(m)),
  packet: (m) => packetSocket(opDecoder(packetDiag, 'sock', 'do')(m), names),
};

/** xorshift32: the same mutations for the same seed, so a failure can be replayed. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13; x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5; x >>>= 0;
    return x;
  };
}

/** Offsets of the attribute headers after a fixed header of `skip` bytes (as far as they parse). */
function attrOffsets(b: Buffer, skip: number): number[] {
  const out: number[] = [];
  for (let p = skip; p + 4 <= b.length; ) {
    out.push(p);
    const len = b.readUInt16LE(p);
    if (len < 4) break;
    p += (len + 3) & ~3;
  }
  return out;
}

const HEADER: Record<CaptureKind, number> = { inet: 72, unix: 16, netlink: 24, packet: 16 };

function mutate(c: Capture, all: Capture[], r: () => number): Buffer {
  const b = Buffer.from(c.body);
  switch (r() % 6) {
    case 0: { // a few random bytes
      const n = 1 + (r() % 8);
      for (let i = 0; i < n && b.length; i++) b[r() % b.length] = r() & 255;
      return b;
    }
    case 1: // cut short
      return b.subarray(0, r() % (b.length + 1));
    case 2: { // an attribute's length or type
      const offs = attrOffsets(b, HEADER[c.kind]);
      if (!offs.length) return b;
      const at = offs[r() % offs.length];
      if (r() & 1) b.writeUInt16LE(r() & 0xffff, at);
      else b.writeUInt16LE(r() & 0xffff, at + 2);
      return b;
    }
    case 3: { // garbage appended
      const extra = Buffer.alloc(r() % 64);
      for (let i = 0; i < extra.length; i++) extra[i] = r() & 255;
      return Buffer.concat([b, extra]);
    }
    case 4: { // another reply's tail spliced in
      const other = all[r() % all.length].body;
      const cut = r() % (b.length + 1);
      return Buffer.concat([b.subarray(0, cut), other.subarray(r() % (other.length + 1))]);
    }
    default: { // a bit flipped in the fixed header
      const at = r() % Math.max(1, Math.min(b.length, HEADER[c.kind]));
      if (b.length) b[at] ^= 1 << (r() % 8);
      return b;
    }
  }
}

async function seeds(): Promise<Capture[]> {
  const stored = existsSync(STORED)
    ? (JSON.parse(readFileSync(STORED, 'utf8')) as { kind: CaptureKind; body: string }[]).map((c) => ({ kind: c.kind, body: Buffer.from(c.body, 'hex') }))
    : [];
  if (!isRoot) return stored;
  const live = await withNetns(async (ns) => {
    const tag = randomBytes(4).toString('hex');
    const f = await startSocketFixture(ns, tag);
    const path = `/tmp/nlkt-fz-${tag}.sock`;
    let p: Awaited<ReturnType<typeof startPacketSockets>> | undefined;
    try {
      if (hasPython()) p = await startPacketSockets(ns, path);
      return captureReplies(ns);
    } finally {
      await p?.stop();
      await f.stop();
    }
  });
  return [...live, ...stored];
}

test(`diag decoders: ${COUNT.toLocaleString('en')} mutated real replies give values or NetlinkDecodeError, never a hang`, async () => {
  const all = await seeds();
  const kinds = new Set(all.map((c) => c.kind));
  assert.ok(kinds.size >= 3, `seeds of ${[...kinds].join(', ')}`);
  // the seeds themselves decode cleanly
  for (const c of all) decoders[c.kind]({ type: 20, flags: 0, seq: 0, portId: 0, sender: 0, group: 0, nsid: -1, buf: c.body, start: 0, end: c.body.length });
  const r = rng(Number(process.env.NLKIT_DIAG_FUZZ_SEED ?? 0x5eed));
  const outcome = { ok: 0, decodeError: 0 };
  let worst = 0;
  const started = performance.now();
  for (let i = 0; i < COUNT; i++) {
    const c = all[r() % all.length];
    const body = mutate(c, all, r);
    const m: RawMessage = { type: 20, flags: 0, seq: 0, portId: 0, sender: 0, group: 0, nsid: -1, buf: body, start: 0, end: body.length };
    const t0 = performance.now();
    try {
      decoders[c.kind](m);
      outcome.ok++;
    } catch (e) {
      if (!(e instanceof NetlinkDecodeError)) assert.fail(`iteration ${i} (${c.kind}, ${body.toString('hex')}): ${(e as Error).stack}`);
      outcome.decodeError++;
    }
    worst = Math.max(worst, performance.now() - t0);
  }
  const ms = performance.now() - started;
  console.log(`# ${COUNT} messages from ${all.length} seeds in ${Math.round(ms)} ms: ${outcome.ok} decoded, ${outcome.decodeError} NetlinkDecodeError, slowest ${worst.toFixed(2)} ms`);
  assert.ok(worst < 1000, `slowest message ${worst} ms`);
});
