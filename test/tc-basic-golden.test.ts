// The basic filter's ematches (cmp and u32, joined by and/or, inverted by not): what nlkit sends
// for a spec and for the same `basic match '...'` words is what `tc` (iproute2-6.1.0) sent
// (strace captures, test/fixtures/tc-captures-2.json; this kernel has no cls_basic, tc sends the
// request first); the cmp bytes by hand from struct tcf_em_cmp; read back to the spec; fast-check
// round trips; typed errors.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { NetlinkArgumentError } from '../src/core/errors.js';
import { filterRequest } from '../src/tc/filters.js';
import { IpUsageError } from '../src/cli/ip-command.js';
import { parseEmatch } from '../src/cli/tc-ematch-words.js';
import { filterCaptures, tcFamily } from './helpers/tc-captures.js';

const { caps, scope, body, back, check } = filterCaptures('tc-captures-2.json', { v1: 2, v0: 3 });
const fam = tcFamily;

const F = { dev: 'v0', parent: 'ingress', kind: 'basic' } as const;
const BASIC: Record<string, Record<string, unknown>> = {
  basic_cmp: { ...F, protocol: 'ip', prio: 20, match: [{ cmp: { size: 'u8', at: 9, layer: 'network', op: 'eq', value: 6 } }], classid: '1:1' },
  basic_u32_and: {
    ...F, protocol: 'ip', prio: 21, classid: '1:2',
    match: [{ u32: { value: 0x0a000000, mask: 0xff000000, at: 12 } }, { cmp: { size: 'u16', at: 2, layer: 'transport', op: 'gt', value: 1023 } }],
  },
};

/** The capture's words as a shell gives them: the quoted expression is one word. */
function words(command: string): string[] {
  const [head, expr, tail] = command.split("'");
  return [...head!.trim().split(' ').slice(3), expr!, ...tail!.trim().split(' ')];
}

describe('basic ematch golden vectors (tc 6.1 captures)', () => {
  for (const [name, spec] of Object.entries(BASIC)) {
    test(`${name}: ${caps[name]!.command}`, () => {
      assert.deepEqual(check(name, spec, words(caps[name]!.command)).match, spec.match);
    });
  }
  test('cmp bytes: struct tcf_ematch_hdr then struct tcf_em_cmp, align/flags and layer/opnd as nibbles', () => {
    const opts = fam.decode('newtfilter', body('basic_u32_and')) as { options: { ematches: { treeList: Buffer[] } } };
    // matchid 0, kind 1 (cmp), flags 0 (last), pad; val 1023, mask 0, off 2, align u16 (2), layer transport (2) | gt (1) << 4
    assert.equal(opts.options.ematches.treeList[1]!.toString('hex'), '0000' + '0100' + '0000' + '0000' + 'ff030000' + '00000000' + '0200' + '02' + '12');
    // u32: kind 3, flags 1 (and): then struct tc_u32_key, mask and value in network order
    assert.equal(opts.options.ematches.treeList[0]!.toString('hex'), '0000' + '0300' + '0100' + '0000' + 'ff000000' + '0a000000' + '0c000000' + '00000000');
  });
  test('tc\'s text of the matches (m_ematch.c print_ematch_seq, em_cmp.c, em_u32.c)', async () => {
    const { filterText, filterJson } = await import('./helpers/tc-print.js');
    const f = { ...back(body('basic_u32_and')), handle: '0x1' };
    const o = { stats: false, parentNamed: true, devNamed: true };
    assert.equal(filterText(f, o), 'filter protocol ip pref 21 basic chain 0 handle 0x1 flowid 1:2 \n  u32(0a000000/ff000000 at 12)\n  AND cmp(u16 at 2 layer 2 gt 1023)\n\n');
    assert.equal(JSON.parse(filterJson(f, o)).options.ematch, 'u32(0a000000/ff000000 at 12) AND cmp(u16 at 2 layer 2 gt 1023)');
  });
  test('kinds nlkit does not read (meta) come back as their kind number and bytes', () => {
    const m = back(body('basic_meta')).match as Record<string, unknown>[];
    assert.equal(m.length, 1);
    assert.equal(m[0]!.kind, 4);
    assert.equal(typeof m[0]!.data, 'string');
  });
});

describe('ematch decoding of any bytes', () => {
  test('any TCA_EMATCH_TREE_LIST entries: a match list, never an error (fast-check)', async () => {
    const { ematchList } = await import('../src/tc/ematch.js');
    fc.assert(fc.property(fc.array(fc.uint8Array({ maxLength: 40 }), { maxLength: 5 }), (list) => {
      const out = ematchList({ treeList: list.map((b) => Buffer.from(b)) });
      assert.ok(Array.isArray(out));
    }), { numRuns: 2000 });
  });
});

describe('ematch round trip and errors', () => {
  const cmp = fc.record({
    size: fc.constantFrom('u8', 'u16', 'u32'), at: fc.integer({ min: 0, max: 0xffff }), layer: fc.constantFrom('link', 'network', 'transport'),
    op: fc.constantFrom('eq', 'gt', 'lt'), value: fc.integer({ min: 0, max: 255 }), mask: fc.integer({ min: 1, max: 255 }), trans: fc.constant(true),
  }, { requiredKeys: ['size', 'at', 'layer', 'op', 'value'] });
  const u32 = fc.tuple(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 1000 }))
    .map(([v, m, at]) => ({ value: (v & m) >>> 0, mask: m, at: at * 4 }));
  const one = fc.record({ m: fc.oneof(cmp.map((c) => ({ cmp: c })), u32.map((u) => ({ u32: u }))), not: fc.boolean(), or: fc.boolean() });
  test('any list of cmp/u32 matches with not and and/or back as given (fast-check)', () => {
    fc.assert(fc.property(fc.array(one, { minLength: 1, maxLength: 6 }), (items) => {
      const match = items.map(({ m, not, or }, i) => ({ ...JSON.parse(JSON.stringify(m)), ...(not ? { not: true } : {}), ...(or && i < items.length - 1 ? { next: 'or' } : {}) }));
      const b = fam.encode('newtfilter', filterRequest(scope, { ...F, prio: 1, match }));
      assert.deepEqual(back(b).match, match);
    }));
  });
  test('bad ematches are typed errors; the CLI\'s expressions', () => {
    const bad = (match: unknown, option: string) => assert.throws(() => filterRequest(scope, { ...F, prio: 1, match }), (e: unknown) => e instanceof NetlinkArgumentError && e.message.includes(`"${option}"`), JSON.stringify(match));
    bad([], 'match');
    bad([{ meta: {} }], 'match[0]');
    bad([{ cmp: { size: 'u64', at: 0, op: 'eq', value: 1 } }], 'match[0].cmp.size');
    bad([{ cmp: { size: 'u8', at: 0, op: 'eq', value: 256 } }], 'match[0].cmp.value');
    bad([{ cmp: { size: 'u8', at: 0, op: 'ne', value: 1 } }], 'match[0].cmp.op');
    bad([{ u32: { value: 1, mask: 0xff, at: 3 } }], 'match[0].u32.at');
    bad([{ u32: { value: 0x100, mask: 0xff, at: 0 } }], 'match[0].u32.value');
    bad([{ u32: { value: 1, mask: 1, at: 0 }, next: 'or' }], 'match[0].next');
    assert.deepEqual(parseEmatch('not cmp(u32 at 0 mask 0xff layer 2 trans > 5) or u32(u32 0x1 0xff at 4)'),
      [{ cmp: { size: 'u32', at: 0, mask: 255, layer: 'transport', trans: true, op: 'gt', value: 5 }, not: true, next: 'or' }, { u32: { value: 1, mask: 255, at: 4 } }]);
    for (const e of ['', 'cmp(u8 at 1)', 'meta(nf_mark eq 5)', 'cmp(u8 at 1 eq 1) and', 'cmp(u8 at 1 eq 1) xor cmp(u8 at 1 eq 1)', 'u32(u16 1 1 at 0)', 'cmp(u8 at 1 eq 1'])
      assert.throws(() => parseEmatch(e), IpUsageError, e);
  });
});
