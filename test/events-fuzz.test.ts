// Fuzzing the decoders of process events, uevents and audit (records and rules): mutated
// real captures (test/fixtures/events-captures.json) must decode or fail with
// NetlinkDecodeError, never anything else, and never hang. NLKIT_FUZZ_N sets the count
// per decoder (default 20,000; the full run: NLKIT_FUZZ_N=1000000).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { decodeProcMessage } from '../src/connector/index.js';
import { decodeRecordBody, decodeRule, EventGrouper } from '../src/audit/index.js';
import { NetlinkDecodeError } from '../src/core/errors.js';
import { decodeUevent, encodeUdevEvent } from '../src/uevent/index.js';
import { description as auditDesc, type AuditRuleDataStruct } from '../src/ynl/families/audit.js';
import { Family } from '../src/ynl/family.js';

const N = Number(process.env.NLKIT_FUZZ_N ?? 20_000);
const captures = JSON.parse(readFileSync(new URL('../../test/fixtures/events-captures.json', import.meta.url), 'utf8')) as {
  connector: string[]; uevent: string[]; auditRecord: { type: number; hex: string }[]; auditRule: string[];
};
const audit = Family.from(auditDesc);

/** A small deterministic PRNG (mulberry32): the same run every time. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One mutation of a seed: flipped bits, set bytes, cuts, growths, duplicated or moved spans, interesting values. */
function mutate(seed: Buffer, rnd: () => number): Buffer {
  let b = Buffer.from(seed);
  const n = 1 + Math.floor(rnd() * 4);
  const at = () => Math.floor(rnd() * Math.max(1, b.length));
  for (let i = 0; i < n; i++) {
    switch (Math.floor(rnd() * 8)) {
      case 0: if (b.length) b[at()] ^= 1 << Math.floor(rnd() * 8); break;
      case 1: if (b.length) b[at()] = Math.floor(rnd() * 256); break;
      case 2: b = b.subarray(0, at()); break;
      case 3: b = Buffer.concat([b, Buffer.from(Array.from({ length: Math.floor(rnd() * 64) }, () => Math.floor(rnd() * 256)))]); break;
      case 4: { const s = at(), e = s + Math.floor(rnd() * 32); b = Buffer.concat([b.subarray(0, e), b.subarray(s, e), b.subarray(e)]); break; }
      case 5: { const s = at(); b = Buffer.concat([b.subarray(0, s), b.subarray(s + 1 + Math.floor(rnd() * 16))]); break; }
      case 6: if (b.length >= 4) b.writeUInt32LE([0, 1, 0x7fffffff, 0x80000000, 0xffffffff, 64, 65, 1040][Math.floor(rnd() * 8)], Math.floor(rnd() * (b.length - 3))); break;
      default: if (b.length) b[at()] = [0, 0x3d, 0x40, 0x27, 0x22, 0x0a, 0xff][Math.floor(rnd() * 7)]; break; // NUL = @ ' " \n
    }
  }
  return b;
}

/** Runs `decode` over N mutations of the seeds; any error but NetlinkDecodeError fails with the input. */
function fuzz(name: string, seeds: Buffer[], decode: (b: Buffer) => unknown, seed: number): { ok: number; errors: number; ms: number } {
  const rnd = prng(seed);
  let ok = 0, errors = 0;
  const started = performance.now();
  for (let i = 0; i < N; i++) {
    const input = mutate(seeds[i % seeds.length], rnd);
    try {
      decode(input);
      ok++;
    } catch (e) {
      if (!(e instanceof NetlinkDecodeError)) assert.fail(`${name}: ${String(e)} for input ${input.toString('hex')}`);
      errors++;
    }
  }
  const ms = performance.now() - started;
  // no hang: every message is decoded in bounded time (the slowest seen stays far below this)
  assert.ok(ms / N < 5, `${name}: ${(ms / N).toFixed(3)} ms per message`);
  return { ok, errors, ms };
}

const report = (t: { diagnostic(s: string): void }, name: string, r: { ok: number; errors: number; ms: number }) =>
  t.diagnostic(`${name}: ${N} mutated messages, ${r.ok} decoded, ${r.errors} NetlinkDecodeError, ${Math.round(r.ms)} ms`);

test('fuzz: process events', (t) => {
  const seeds = captures.connector.map((h) => Buffer.from(h, 'hex'));
  report(t, 'proc events', fuzz('proc events', seeds, (b) => decodeProcMessage(b, 0, b.length), 1));
});

test('fuzz: uevents (kernel and udev)', (t) => {
  const seeds = [
    ...captures.uevent.map((h) => Buffer.from(h, 'hex')),
    encodeUdevEvent({ ACTION: 'add', DEVPATH: '/devices/virtual/net/vb', SUBSYSTEM: 'net', IFINDEX: '2', SEQNUM: '7', USEC_INITIALIZED: '1' }),
  ];
  report(t, 'uevents', fuzz('uevents', seeds, (b) => decodeUevent(b), 2));
});

test('fuzz: audit records, and grouping them', (t) => {
  const seeds = captures.auditRecord.map((r) => Buffer.concat([Buffer.from([r.type & 0xff, r.type >> 8]), Buffer.from(r.hex, 'hex')]));
  const g = new EventGrouper(100);
  let clock = 0;
  report(t, 'audit records', fuzz('audit records', seeds, (b) => {
    if (b.length < 2) throw new NetlinkDecodeError('too short for the test framing', 0);
    const r = decodeRecordBody(b.readUInt16LE(0), b, 2, b.length);
    g.add(r, clock++);
    g.due(clock);
  }, 3));
  g.flush();
});

test('fuzz: audit rules as the kernel lists them', (t) => {
  const seeds = captures.auditRule.map((h) => Buffer.from(h, 'hex'));
  report(t, 'audit rules', fuzz('audit rules', seeds, (b) => decodeRule(audit.decode('list-rules', b) as unknown as AuditRuleDataStruct), 4));
});
