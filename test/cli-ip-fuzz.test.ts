// Random command lines made of the grammars' own words, numbers, addresses and junk, run
// in-process against a throwaway namespace: every one ends with one of ip's statuses and a
// message, never an exception, a stack trace or an internal error.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { main } from '../src/cli/main.js';
import { address } from '../src/cli/ip-address.js';
import { neigh } from '../src/cli/ip-neigh.js';
import { inSetupNetns } from './helpers/cli-ip.js';

const keywords = [...new Set([...address.commands, ...neigh.commands].flatMap((c) => [c.name, ...(c.keywords ?? [])]))];
const values = ['v0', 'lo', 'nosuch', '10.0.0.1/24', '10.0.0.2', '2001:db8::1/64', 'fe80::1', '0', '4294967296', 'forever', 'all', 'permanent',
  'stale', 'link', 'global', '02:00:00:00:00:01', 'zz', '', '-', '/', 'help', '-1', 'x'.repeat(40), '\u0000', '1.2.3.4/33'];
const options = ['-j', '-p', '-s', '-d', '-4', '-6', '-o', '-br', '-force', '-f', 'inet6'];

describe('nlkit command lines at random', () => {
  test('statuses and messages only: no exception, no stack trace, no internal error', (t) =>
    inSetupNetns(t, [['link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1'], ['addr', 'add', '10.0.0.1/24', 'dev', 'v0']], async (ns) => {
      const counts = new Map<number, number>();
      const word = fc.oneof(fc.constantFrom(...keywords), fc.constantFrom(...values), fc.string({ maxLength: 6 }));
      // near-valid writes too, so that the kernel's refusals come up
      const write = fc.tuple(fc.constantFrom('add', 'del', 'replace', 'change'), fc.constantFrom(...values), fc.constant('dev'), fc.constantFrom('v0', 'v1', 'nosuch'), fc.array(word, { maxLength: 3 }))
        .map(([cmd, a, dev, d, rest]) => [cmd, a, dev, d, ...rest]);
      const line = fc.tuple(fc.array(fc.constantFrom(...options), { maxLength: 3 }), fc.constantFrom('address', 'a', 'neigh', 'n', 'addr'), fc.oneof(fc.array(word, { maxLength: 8 }), write));
      await fc.assert(fc.asyncProperty(line, async ([opts, object, words]) => {
        let out = '';
        let err = '';
        const status = await main([...opts, '-n', ns, object, ...words], { out: (s) => void (out += s), err: (s) => void (err += s) });
        const what = `${[...opts, object, ...words].join(' ')} -> ${status}: ${err}`;
        assert.ok([0, 1, 2, 255].includes(status), what);
        if (status !== 0) assert.ok(err.length > 0, what);
        assert.doesNotMatch(err, /\n\s+at |TypeError|ReferenceError|Cannot read properties|undefined/, what);
        assert.ok(!err.startsWith('nlkit: '), what);
        void out;
        counts.set(status, (counts.get(status) ?? 0) + 1);
      }), { numRuns: 400 });
      t.diagnostic(`statuses: ${JSON.stringify(Object.fromEntries(counts))}`);
    }));
});
