// Property tests over every attribute set and operation of every generated YNL family:
// values generated from the compiled descriptions (test/helpers/ynl-arbitraries.ts) must
// survive encode -> decode unchanged and re-encode to the same bytes; malformed input must
// only ever be refused with NetlinkDecodeError; wrong caller values only with
// NetlinkEncodeError naming where they are.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import fc from 'fast-check';
import type { AttrSet } from '../src/core/attrset.js';
import { parseJson, toJson } from '../src/cli/ynl.js';
import { decodeAttrs, encodeAttrs, markTextInput } from '../src/core/codec.js';
import { NetlinkDecodeError, NetlinkEncodeError } from '../src/core/errors.js';
import { Writer } from '../src/core/writer.js';
import { Family, type Operation } from '../src/ynl/family.js';
import { families, familyNames } from '../src/ynl/families/index.js';
import { FamilyArbitraries, deepClone, messageSlots, type Obj } from './helpers/ynl-arbitraries.js';

/** Runs per property: the whole file stays well under 20 s. NLKIT_FC_SCALE=10 runs ten times as many. */
const SCALE = Math.max(1, Number(process.env.NLKIT_FC_SCALE) || 1);
const RUNS = { set: 30 * SCALE, attr: 3 * SCALE, op: 12 * SCALE, malformed: 25 * SCALE, wrong: 15 * SCALE };

const all = await Promise.all(familyNames.map(async (name) => ({ name, family: Family.from(await families[name]()) })));

const show = (v: unknown) => inspect(v, { depth: 8, breakLength: 160, maxArrayLength: 20 });

function encodeSet(set: AttrSet, obj: unknown): Buffer {
  const w = new Writer(64);
  encodeAttrs(set, obj, w);
  return w.toBuffer();
}

/** decode(encode(x)) deep-equals x, and re-encoding gives the same bytes. */
function roundTrip(set: AttrSet, x: Obj): void {
  const wire = encodeSet(set, x);
  const back = decodeAttrs(set, wire, 0, wire.length);
  assert.deepStrictEqual(back, x, `set ${set.name}: decode(encode(x)) differs; wire ${wire.toString('hex')}`);
  assert.equal(encodeSet(set, back).toString('hex'), wire.toString('hex'), `set ${set.name}: re-encoding differs`);
}

function body(family: Family, op: Operation, obj: unknown): Buffer {
  const w = new Writer(64);
  family.writeBody(w, op, obj, family.desc.version ?? 1, op.requestValue ?? op.replyValue ?? 0);
  return w.toBuffer();
}

/** Operations that carry something: attributes or a fixed header. */
const carrying = (family: Family): Operation[] => [...family.ops.values()].filter((op) => op.attrs || op.header);

/** fc.assert, with the family and what was being checked in front of the report. */
function check<T>(what: string, arb: fc.Arbitrary<T>, fn: (v: T) => void, numRuns: number): void {
  try {
    fc.assert(fc.property(arb, fn), { numRuns });
  } catch (e) {
    const cause = (e as { cause?: unknown }).cause;
    (e as Error).message = `${what}: ${(e as Error).message}${cause instanceof Error ? `\nCause: ${cause.message}` : ''}`;
    throw e;
  }
}

describe('YNL property: every attribute set round-trips', () => {
  for (const { name, family } of all) {
    test(`${name}: ${family.sets.size} sets`, () => {
      const arbs = new FamilyArbitraries(family);
      for (const set of family.sets.values()) {
        // each attribute on its own (every one is reached), then mixed objects
        for (const def of arbs.usable(set, 0)) {
          const one = fc.tuple(...arbs.parts(set, [def], 0)).map((objs) => Object.assign({}, ...objs) as Obj);
          check(`${name} ${set.name}.${def.name}`, one, (x) => roundTrip(set, x), RUNS.attr);
        }
        check(`${name} ${set.name}`, arbs.object(set, 0), (x) => roundTrip(set, x), RUNS.set);
      }
    });
  }

  test('the generators reach every attribute kind the descriptions use', () => {
    const kinds = new Set<string>();
    for (const { family } of all) {
      const arbs = new FamilyArbitraries(family);
      for (const set of family.sets.values()) for (const def of arbs.usable(set, 0)) kinds.add(def.type);
    }
    for (const k of ['u8', 'u16', 'u32', 'u64', 's8', 's16', 's32', 's64', 'uint', 'sint', 'flag', 'string', 'binary', 'nest', 'indexed-array', 'bitfield32', 'nest-type-value', 'sub-message'])
      assert.ok(kinds.has(k), `no generated attribute of kind ${k}`);
  });
});

describe('YNL property: every operation round-trips with its headers', () => {
  for (const { name, family } of all) {
    test(name, () => {
      const arbs = new FamilyArbitraries(family);
      for (const op of carrying(family)) {
        check(`${name} ${op.name}`, arbs.message(op), (x) => {
          const wire = body(family, op, x);
          const back = family.decodeBody(op, wire, 0, wire.length);
          assert.deepStrictEqual(back, x, `${op.name}: wire ${wire.toString('hex')}`);
          assert.equal(body(family, op, back).toString('hex'), wire.toString('hex'), `${op.name}: re-encoding differs`);
        }, RUNS.op);
      }
    });
  }
});

describe('YNL property: JSON text (the CLI\'s --json) encodes as the objects do', () => {
  // what `nlkit ynl` prints, read back as `--json` input: the encoder's own walk reads the
  // digit strings and hex (markTextInput); the bytes must be the object's
  for (const { name, family } of all) {
    test(name, () => {
      const arbs = new FamilyArbitraries(family);
      for (const op of carrying(family)) {
        check(`${name} ${op.name} as JSON`, arbs.message(op), (x) => {
          const text = toJson(x);
          const fromText = body(family, op, markTextInput(parseJson(text) as object));
          assert.equal(fromText.toString('hex'), body(family, op, x).toString('hex'), `${op.name}: ${text}`);
        }, RUNS.op);
      }
    });
  }
});

/** fn returns, or throws NetlinkDecodeError with an offset inside the input. */
function decodesOrRefuses(fn: () => unknown, length: number, what: string): void {
  try {
    fn();
  } catch (e) {
    if (!(e instanceof NetlinkDecodeError)) throw new assert.AssertionError({ message: `${what}: expected NetlinkDecodeError, got ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}` });
    assert.ok(Number.isInteger(e.offset) && e.offset >= 0 && e.offset <= length, `${what}: offset ${e.offset} outside [0, ${length}]`);
  }
}

describe('YNL property: malformed input is only ever a NetlinkDecodeError', () => {
  for (const { name, family } of all) {
    test(name, { timeout: 60_000 }, () => {
      const arbs = new FamilyArbitraries(family, { maxDepth: 3, maxKeys: 6, maxItems: 3, unknown: false });
      for (const op of carrying(family)) {
        const what = `${name} ${op.name}`;
        // random bytes, and random bytes after a plausible header
        check(`${what} random`, fc.uint8Array({ maxLength: 96 }), (u) => {
          const b = Buffer.from(u);
          decodesOrRefuses(() => family.decodeBody(op, b, 0, b.length), b.length, what);
        }, RUNS.malformed);
        // valid messages cut short, and with bytes changed
        check(`${what} damaged`, fc.tuple(arbs.message(op), fc.array(fc.nat(), { minLength: 1, maxLength: 4 }), fc.array(fc.tuple(fc.nat(), fc.nat(255)), { maxLength: 3 })), ([x, cuts, flips]) => {
          const wire = body(family, op, x);
          for (const c of cuts) {
            const n = c % (wire.length + 1);
            decodesOrRefuses(() => family.decodeBody(op, wire, 0, n), n, `${what} cut at ${n}`);
            const copy = Buffer.from(wire.subarray(0, n)); // nothing readable past the end
            decodesOrRefuses(() => family.decodeBody(op, copy, 0, n), n, `${what} cut at ${n} (copy)`);
          }
          if (wire.length && flips.length) {
            const bad = Buffer.from(wire);
            for (const [at, v] of flips) bad[at % bad.length] = v;
            decodesOrRefuses(() => family.decodeBody(op, bad, 0, bad.length), bad.length, `${what} flipped`);
          }
        }, RUNS.malformed);
      }
    });
  }
});

test('YNL: self-recursive nests (e.g. ovs clone actions) nested 100 deep are a NetlinkDecodeError, 64 deep decode', () => {
  let found = 0;
  for (const { name, family } of all) {
    for (const set of family.sets.values()) {
      for (const def of set.byType) {
        if (!def || def.type !== 'nest' || def.header || def.nested!() !== set) continue;
        found++;
        /** `levels` attributes of this type, each the whole payload of the one before. */
        const chain = (levels: number) => {
          const b = Buffer.alloc(levels * 4);
          for (let i = 0; i < levels; i++) {
            b.writeUInt16LE((levels - i) * 4, i * 4);
            b.writeUInt16LE(def.value | 0x8000, i * 4 + 2);
          }
          return b;
        };
        const ok = chain(64);
        decodeAttrs(set, ok, 0, ok.length);
        const deep = chain(100);
        assert.throws(() => decodeAttrs(set, deep, 0, deep.length), NetlinkDecodeError, `${name} ${set.name}.${def.name}`);
      }
    }
  }
  assert.ok(found >= 3, `only ${found} self-recursive nests found`);
});

describe('YNL property: wrong caller values are only ever a NetlinkEncodeError, at their path', () => {
  /** fn must throw NetlinkEncodeError; returns it. */
  function encodeError(fn: () => unknown, what: string): NetlinkEncodeError {
    try {
      fn();
    } catch (e) {
      if (!(e instanceof NetlinkEncodeError)) throw new assert.AssertionError({ message: `${what}: expected NetlinkEncodeError, got ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}` });
      return e;
    }
    throw new assert.AssertionError({ message: `${what}: was accepted` });
  }

  for (const { name, family } of all) {
    test(name, () => {
      const arbs = new FamilyArbitraries(family, { maxDepth: 2, maxKeys: 5, maxItems: 2, unknown: true });
      for (const op of carrying(family)) {
        const what = `${name} ${op.name}`;
        for (const junk of [5, 'x', [], null, true, 1n])
          assert.equal(encodeError(() => body(family, op, junk), `${what} ${show(junk)}`).path, '', `${what} ${show(junk)}`);
        assert.equal(encodeError(() => body(family, op, { $$bogus: 1 }), `${what} bogus key`).path, '.$$bogus');
        const withSlots = arbs.message(op).chain((x) => {
          const n = messageSlots(op, deepClone(x)).length;
          return n ? fc.tuple(fc.constant(x), fc.nat(n - 1), fc.nat()) : fc.constant(null);
        });
        check(`${what} wrong value`, withSlots, (c) => {
          if (!c) return;
          const [x, i, j] = c;
          const copy = deepClone(x);
          const slot = messageSlots(op, copy)[i];
          const wrong = slot.wrong[j % slot.wrong.length];
          slot.set(wrong);
          const e = encodeError(() => body(family, op, copy), `${what}: ${show(wrong)} at ${slot.path}`);
          assert.equal(e.path, slot.path, `${what}: ${show(wrong)} at ${slot.path} reported at ${e.path}: ${e.message}`);
        }, RUNS.wrong);
      }
    });
  }
});
