// tc's captured requests (strace of iproute2-6.1.0, test/fixtures/tc-captures*.json) as golden
// vectors for filters: what nlkit sends for a spec, and for the same `nlkit tc filter add`
// words, is what tc sent, and tc's bytes read back.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Scope } from '../../src/route/context.js';
import { Family } from '../../src/ynl/family.js';
import { description as tcDesc, type GettfilterDoReply } from '../../src/ynl/families/tc.js';
import { filterObject, filterRequest, type Filter } from '../../src/tc/filters.js';
import { filterSpecOf } from '../../src/cli/tc-filter.js';
import { Words } from '../../src/cli/ip-command.js';

export const tcFamily = Family.from(tcDesc);

/** A filter's own keys: its place (device, parent, protocol, priority, handle...) left out. */
export const keysOf = (f: Record<string, unknown>): Record<string, unknown> => {
  const { dev: _d, parent: _p, kind: _k, protocol: _pr, prio: _pp, pref: _pf, chain: _c, handle: _h, ifindex: _i, ...rest } = f;
  return rest;
};

/** One fixture file's captures, in the namespace they were made in (its devices' indexes). */
export function filterCaptures(fixture: string, ifindexes: Record<string, number>) {
  const caps = JSON.parse(readFileSync(new URL(`../../../test/fixtures/${fixture}`, import.meta.url), 'utf8')).captures as Record<string, { command: string; body: string }>;
  const names = Object.fromEntries(Object.entries(ifindexes).map(([n, i]) => [i, n])) as Record<number, string>;
  const scope = new Scope(undefined as never, { ifindexOf: (n) => ifindexes[n], nameOf: (i) => names[i] ?? `if${i}` });
  const body = (k: string) => Buffer.from(caps[k]!.body, 'hex');
  const back = (b: Buffer): Filter => filterObject(tcFamily.decode('gettfilter', b) as unknown as GettfilterDoReply, scope);
  /**
   * Capture `name` against `spec` and against nlkit's words for it (default: the command's
   * words after `tc filter add`); what tc's bytes read back as.
   */
  const check = (name: string, spec: Record<string, unknown>, words = caps[name]!.command.split(' ').slice(3)): Filter => {
    const theirs = body(name);
    const ours = tcFamily.encode('newtfilter', filterRequest(scope, spec));
    // tc marks only some nests NLA_F_NESTED (the encoder marks all): same length, same content
    assert.equal(ours.length, theirs.length);
    assert.deepEqual(tcFamily.decode('newtfilter', ours), tcFamily.decode('newtfilter', theirs));
    const cli = tcFamily.encode('newtfilter', filterRequest(scope, filterSpecOf(new Words(words))));
    assert.deepEqual(tcFamily.decode('newtfilter', cli), tcFamily.decode('newtfilter', theirs));
    return back(theirs);
  };
  return { caps, scope, body, back, check };
}
