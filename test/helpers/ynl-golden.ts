// Helpers for the YNL golden vectors (test/ynl-golden.test.ts): hex written one attribute
// per line, and the checks run on it.
import assert from 'node:assert/strict';
import type { Family } from '../../src/ynl/family.js';

/** Hex pieces (white space ignored, one attribute each in the vectors), as bytes. */
export function bytes(...parts: string[]): Buffer {
  const text = parts.join('').replace(/\s+/g, '');
  if (!/^(?:[0-9a-f]{2})*$/i.test(text)) throw new Error(`not hex: ${text}`);
  return Buffer.from(text, 'hex');
}

/** The same bytes repeated: `rep('00', 32)` is 32 zero bytes. */
export const rep = (hexByte: string, n: number): string => hexByte.repeat(n);

/**
 * Splits a message body into its attributes, as lines of hex (nests, flagged or not,
 * opened one level down), so that a mismatch shows which attribute differs.
 */
export function layout(buf: Buffer, start: number, end = buf.length, indent = '', depth = 0): string[] {
  const out: string[] = [];
  let at = start;
  while (at + 4 <= end) {
    const len = buf.readUInt16LE(at);
    const type = buf.readUInt16LE(at + 2);
    if (len < 4 || at + len > end) break;
    const data = buf.subarray(at + 4, at + len);
    const looksNested = depth < 8 && data.length >= 4 && isTlvRun(data);
    out.push(`${indent}${buf.subarray(at, at + 4).toString('hex')} ${looksNested ? '' : data.toString('hex')}`);
    if (looksNested) out.push(...layout(buf, at + 4, at + len, `${indent}  `, depth + 1));
    at += (len + 3) & ~3;
  }
  if (at < end) out.push(`${indent}rest ${buf.subarray(at, end).toString('hex')}`);
  return out;
}

function isTlvRun(b: Buffer): boolean {
  let at = 0;
  while (at + 4 <= b.length) {
    const len = b.readUInt16LE(at);
    if (len < 4 || at + len > b.length) return false;
    at += (len + 3) & ~3;
  }
  return at >= b.length;
}

/** `family.encode(op, value, version)` must be exactly `want` (headers included). */
export function assertEncodes(family: Family, op: string, value: unknown, want: Buffer, version?: number): void {
  const got = family.encode(op, value, version);
  if (got.equals(want)) return;
  const hdr = family.op(op).headerSize;
  assert.deepEqual(
    [got.subarray(0, hdr).toString('hex'), ...layout(got, hdr)],
    [want.subarray(0, hdr).toString('hex'), ...layout(want, hdr)],
    `${family.name} ${op}: encoding differs`,
  );
  assert.equal(got.toString('hex'), want.toString('hex'));
}

/** `family.decode(op, body)` must deep-equal `want`. */
export function assertDecodes(family: Family, op: string, body: Buffer, want: unknown): void {
  assert.deepEqual(family.decode(op, body), want, `${family.name} ${op}: decoded object differs`);
}
