// police as a packet policer (TCA_POLICE_PKTRATE64 / PKTBURST64, <linux/pkt_cls.h>) and its
// conform/exceed verdicts: what nlkit sends for a spec and for the same `action police` words is
// what `tc` (iproute2-6.1.0) sent (strace captures, test/fixtures/tc-captures-2.json; this
// kernel has no act_police, tc sends the request first); read back to the spec's shape; a
// fast-check round trip; typed errors.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test, type TestContext } from 'node:test';
import fc from 'fast-check';
import { NetlinkArgumentError } from '../src/core/errors.js';
import { Scope } from '../src/route/context.js';
import { Family } from '../src/ynl/family.js';
import { description as tcDesc, type ActAttrsSet } from '../src/ynl/families/tc.js';
import { actionAttrs, actionObject } from '../src/tc/actions.js';
import { parsePsched, pschedClock } from '../src/tc/psched.js';
import { parseAction } from '../src/cli/tc-filter-words.js';
import { actionJson, actionText } from './helpers/tc-print.js';

const fixture = JSON.parse(readFileSync(new URL('../../test/fixtures/tc-captures-2.json', import.meta.url), 'utf8')) as { captures: Record<string, { command: string; body: string }> };
const caps = fixture.captures;
const fam = Family.from(tcDesc);
const scope = new Scope(undefined as never, { ifindexOf: () => undefined, nameOf: (i) => `if${i}` });
const body = (k: string) => Buffer.from(caps[k]!.body, 'hex');

/** The capture's clock (64 ns ticks): bursts in ticks compare only on a kernel with the same. */
const sameClock = (t: TestContext) => {
  const c = pschedClock(), cap = parsePsched('000003e8 00000040 000f4240 3b9aca00');
  if (c.tickInUsec === cap.tickInUsec) return true;
  t.skip(`this kernel's /proc/net/psched differs from the capture's: ticks differ`);
  return false;
};

const POLICE: Record<string, Record<string, unknown>> = {
  police_pkts: { kind: 'police', pktRate: 1000, pktBurst: 100, exceed: 'drop', conform: 'ok', index: 18 },
  police_goto: { kind: 'police', rate: '1mbit', burst: '10k', exceed: 'reclassify', conform: 'continue', index: 19 },
};

describe('police golden vectors (tc 6.1 captures)', () => {
  for (const [name, spec] of Object.entries(POLICE)) {
    test(`${name}: ${caps[name]!.command}`, (t) => {
      if (!sameClock(t)) return;
      const theirs = body(name);
      const ours = fam.encode('newaction', { family: 0, tab: [actionAttrs(scope, spec)] });
      assert.equal(ours.length, theirs.length);
      assert.deepEqual(fam.decode('newaction', ours), fam.decode('newaction', theirs));
      const words = caps[name]!.command.split(' ').slice(4);
      const cli = fam.encode('newaction', { family: 0, tab: [actionAttrs(scope, parseAction(words))] });
      assert.deepEqual(fam.decode('newaction', cli), fam.decode('newaction', theirs));
    });
  }
  test('police_pkts: TCA_POLICE_PKTRATE64 is packets/s, PKTBURST64 the burst as ticks at that rate; read back as given', (t) => {
    if (!sameClock(t)) return;
    const m = fam.decode('newaction', body('police_pkts')) as { tab: ActAttrsSet[] };
    const o = m.tab[0]!.options as { pktrate64: bigint; pktburst64: bigint };
    // 100 packets at 1000/s: 0.1 s, 100000 us of 15.625 ticks
    assert.deepEqual([o.pktrate64, o.pktburst64], [1000n, 1562500n]);
    const a = actionObject(m.tab[0]!, scope);
    assert.deepEqual({ pktRate: a.pktRate, pktBurst: a.pktBurst, exceed: a.exceed, conform: a.conform, rate: a.rate }, { pktRate: 1000, pktBurst: 100, exceed: 'drop', conform: undefined, rate: undefined });
    assert.match(actionText(a, 1, false), /police 0x12 rate 0bit burst 0b mtu 0b pkts_rate 1000 pkts_burst 100 action drop overhead 0b /);
    const j = JSON.parse(actionJson(a, 1, false));
    assert.deepEqual([j.pkts_rate, j.pkts_burst], [1000, 100]);
  });
});

describe('police round trip and errors', () => {
  test('pktRate/pktBurst and any conform/exceed verdicts back as given (fast-check)', () => {
    const verdict = fc.constantFrom('pass', 'drop', 'pipe', 'continue', 'reclassify', 'goto chain 7', 'jump 2');
    fc.assert(fc.property(fc.integer({ min: 1, max: 1e9 }), fc.integer({ min: 1, max: 1e6 }), verdict, verdict, (pps, pkts, exceed, conform) => {
      const enc = fam.encode('newaction', { family: 0, tab: [actionAttrs(scope, { kind: 'police', pktRate: pps, pktBurst: pkts, exceed, conform, index: 1 })] });
      const a = actionObject((fam.decode('newaction', enc) as { tab: ActAttrsSet[] }).tab[0]!, scope);
      assert.equal(a.pktRate, pps);
      // the kernel holds the burst in ticks: packets come back to within what one tick sends
      const perTick = pps / (1e6 * pschedClock().tickInUsec);
      assert.ok(Math.abs((a.pktBurst as number) - pkts) <= Math.ceil(perTick) + 1, `${a.pktBurst} vs ${pkts}`);
      // a conform of pass is the kernel's default, not sent (as tc)
      assert.deepEqual([a.exceed, a.conform], [exceed, conform === 'pass' ? undefined : conform]);
    }));
  });
  test('bad police options are typed errors', () => {
    const bad: [Record<string, unknown>, RegExp][] = [
      [{ kind: 'police', pktRate: 1000 }, /"pktBurst" option is needed with pktRate/],
      [{ kind: 'police', pktBurst: 10, rate: '1mbit', burst: '10k' }, /"pktBurst" option needs pktRate/],
      [{ kind: 'police', pktRate: 1000, pktBurst: 10, rate: '1mbit', burst: '10k' }, /"pktRate" option goes without rate/],
      [{ kind: 'police', pktRate: 0, pktBurst: 10 }, /pktRate/],
      [{ kind: 'police', pktRate: 10, pktBurst: -1 }, /pktBurst/],
      [{ kind: 'police' }, /"rate" option is needed/],
      [{ kind: 'police', pktRate: 10, pktBurst: 1, exceed: 'explode' }, /"exceed" option must be a verdict/],
    ];
    for (const [spec, re] of bad) assert.throws(() => actionAttrs(scope, spec), (e: Error) => e instanceof NetlinkArgumentError && re.test(e.message), JSON.stringify(spec));
  });
});
