// Bulk route items from a template (src/route/routes-template.ts): the routes with the options
// of the first of its shape go as a run of that route's bytes with each destination written
// in. Checked byte for byte against the description's encoder (property-based, any mix of
// shapes), and against the kernel with `ip -j route show` as the oracle.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { NLM_F_CREATE, NLM_F_EXCL } from '../src/core/constants.js';
import { ipv4PrefixValue } from '../src/core/ipv4-text.js';
import { AF_INET } from '../src/core/rtnetlink.js';
import type { TransactionItem } from '../src/core/transaction.js';
import { Writer } from '../src/core/writer.js';
import type { Scope } from '../src/route/context.js';
import { openRoute } from '../src/route/index.js';
import { parsePrefix } from '../src/route/inet.js';
import { routeRequest, type RouteSpec } from '../src/route/route-spec.js';
import { templated } from '../src/route/routes-template.js';
import { opItem } from '../src/ynl/op-call.js';
import { description as rtRoute } from '../src/ynl/families/rt-route.js';
import { ip, ipJson, needRoot, withNetns } from './helpers/netns.js';

/** Numeric devices only: no link lookups. */
const scope = { ifindex: (d: number) => d } as unknown as Scope;
const make = (s: Scope, spec: RouteSpec): TransactionItem<unknown> => opItem(rtRoute, 'newroute', routeRequest(spec, s), { flags: NLM_F_CREATE | NLM_F_EXCL });

function bytesOf(item: TransactionItem<unknown>): Buffer {
  const w = new Writer(64);
  (item.payload as (w: Writer) => void)(w);
  return Buffer.from(w.buf.subarray(0, w.pos));
}

/** The k-th request of a run item (TransactionItem.repeat), as the transaction writes it. */
function runBytes(item: TransactionItem<unknown>, k: number): Buffer {
  const b = Buffer.from(item.payload as Uint8Array), { at, words } = item.repeat!;
  b.writeUInt32BE(words[k], at);
  return b;
}

type Outcome = { type: number; flags?: number; layout: unknown; bytes: Buffer } | { error: string };
const outcome = (f: () => TransactionItem<unknown>): Outcome => {
  try {
    const it = f();
    return { type: it.type, flags: it.flags, layout: it.layout, bytes: bytesOf(it) };
  } catch (e) {
    return { error: `${(e as Error).name}: ${(e as Error).message}` };
  }
};

/** Each spec's request (or error) as a bulk call's source gives them: runs where they fit, else one by one. */
function templatedOutcomes(specs: readonly RouteSpec[]): Outcome[] {
  const t = templated(make), out: Outcome[] = [];
  for (let i = 0; i < specs.length;) {
    const r = t.run(specs, i);
    if (r === undefined) out.push(outcome(() => t.item(scope, specs[i++])));
    else for (let k = 0; k < r.repeat!.count; k++, i++) out.push({ type: r.type, flags: r.flags, layout: r.layout, bytes: runBytes(r, k) });
  }
  return out;
}

/** A few shapes a bulk mixes: options other than dst (metrics, tables, gateways, families...). */
const SHAPES: Omit<RouteSpec, 'dst'>[] = [
  { dev: 1 },
  { dev: 1, protocol: 'static', scope: 'link', table: 'main' },
  { dev: 2, table: 100, metric: 7 },
  { via: '192.0.2.1', metric: 5 },
  { dev: 1, type: 'blackhole' },
  { dev: 1, mtu: 1400, features: ['ecn'] },
  { dev: 1, replace: true },
];
const v4 = fc.tuple(fc.integer({ min: 1, max: 223 }), fc.nat(255), fc.nat(255), fc.nat(255)).map((a) => a.join('.'));
const dstArb = fc.oneof(
  fc.tuple(v4, fc.integer({ min: 1, max: 32 })).map(([a, l]) => `${a}/${l}`),
  v4,
  fc.constant('default'),
  fc.tuple(fc.nat(0xffff), fc.integer({ min: 16, max: 128 })).map(([x, l]) => `2001:db8:${x.toString(16)}::/${l}`),
);

describe('bulk route items from a template', () => {
  test('byte for byte what the description encodes, for any mix of shapes and destinations', () => {
    fc.assert(fc.property(fc.array(fc.tuple(fc.nat(SHAPES.length - 1), dstArb), { minLength: 1, maxLength: 40 }), (list) => {
      const specs = list.map(([shape, dst]) => ({ ...SHAPES[shape], dst }) as RouteSpec);
      // a spec routeRequest refuses (an IPv4 gateway for an IPv6 prefix) is refused the same
      assert.deepEqual(templatedOutcomes(specs), specs.map((spec) => outcome(() => make(scope, spec))), JSON.stringify(specs));
    }), { numRuns: 300 });
  });

  test('a run is as long as the specs that fit, and no longer', () => {
    const specs: RouteSpec[] = [
      ...Array.from({ length: 5 }, (_, i) => ({ dst: `10.0.${i}.0/24`, dev: 1 })),
      { dst: '10.0.9.0/25', dev: 1 },
      ...Array.from({ length: 3 }, (_, i) => ({ dst: `10.1.${i}.0/24`, dev: 1 })),
    ];
    const t = templated(make);
    assert.equal(t.run(specs, 0), undefined); // no template yet
    t.item(scope, specs[0]);
    assert.equal(t.run(specs, 1)?.repeat?.count, 4);
    assert.equal(t.run(specs, 5), undefined); // another length
    assert.equal(t.run(specs, 6)?.repeat?.count, 3);
    assert.deepEqual(templatedOutcomes(specs), specs.map((spec) => outcome(() => make(scope, spec))));
  });

  test('a destination is read as parsePrefix reads an IPv4 prefix, for any text of digits, dots and slashes', () => {
    const text = fc.oneof(fc.string({ unit: fc.constantFrom(...'0123456789./'), maxLength: 19 }), dstArb);
    fc.assert(fc.property(text, fc.integer({ min: 0, max: 33 }), (s, len) => {
      let want = -1;
      try {
        const p = parsePrefix(s, 'dst');
        if (p.family === AF_INET && p.len === len && p.address !== '') want = p.address.split('.').reduce((a, o) => a * 256 + Number(o), 0);
      } catch {
        // refused: the template refuses it too
      }
      assert.equal(ipv4PrefixValue(s, len), want, `${JSON.stringify(s)} /${len}`);
    }), { numRuns: 3000 });
    assert.equal(ipv4PrefixValue('255.255.255.255/32', 32), 0xffffffff);
    assert.equal(ipv4PrefixValue('10.1.2.3', 32), 0x0a010203);
  });

  test('a bad destination after the template fails as routeRequest fails it', () => {
    const t = templated(make);
    t.item(scope, { dst: '10.0.0.0/24', dev: 1 });
    for (const dst of ['10.0.0.256/24', '10.0.0.0/33', 'nonsense', '', '010.0.0.0/24', '10.0.0.0/', '10.0.0.0/024x', 24 as unknown as string]) {
      // no run for it: it takes the full path
      assert.equal(t.run([{ dst, dev: 1 }], 0), undefined, String(dst));
      let want: unknown, got: unknown;
      try { make(scope, { dst, dev: 1 }); } catch (e) { want = e; }
      try { t.item(scope, { dst, dev: 1 }); } catch (e) { got = e; }
      assert.ok(want instanceof Error, dst);
      assert.deepEqual([(got as Error)?.constructor, (got as Error)?.message], [(want as Error).constructor, (want as Error).message], dst);
    }
  });

  test('a spec with inherited options, or after Object.prototype gains a key, is built in full', () => {
    const t = templated(make);
    assert.ok(t.item(scope, { dst: '10.0.0.0/24', dev: 1 }));
    // routeRequest reads own options only: the inherited metric is not the template's business
    const inherited = Object.assign(Object.create({ metric: 5 }), { dst: '10.0.1.0/24', dev: 1 }) as RouteSpec;
    assert.equal(t.run([inherited], 0), undefined);
    assert.deepEqual(bytesOf(t.item(scope, inherited)), bytesOf(make(scope, inherited)));
    const proto = Object.prototype as Record<string, unknown>;
    proto.polluted = 1;
    try {
      // routeRequest skips what is inherited; the template path must agree
      const spec = { dst: '10.0.2.0/24', dev: 1 } as RouteSpec;
      assert.equal(t.run([spec], 0), undefined);
      assert.deepEqual(bytesOf(t.item(scope, spec)), bytesOf(make(scope, spec)));
    } finally {
      delete proto.polluted;
    }
    assert.deepEqual(templatedOutcomes([{ dst: '10.0.3.0/24', dev: 1 }, { dst: '10.0.4.0/24', dev: 1 }]).map((o) => (o as { bytes: Buffer }).bytes),
      [bytesOf(make(scope, { dst: '10.0.3.0/24', dev: 1 })), bytesOf(make(scope, { dst: '10.0.4.0/24', dev: 1 }))]);
  });

  test('the kernel has every route of a mixed bulk with its own options (ip -j route show)', async (t) => {
    if (!needRoot(t)) return;
    await withNetns(async (ns) => {
      ip(ns, 'link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1');
      ip(ns, 'link', 'set', 'v0', 'up');
      ip(ns, 'addr', 'add', '192.0.2.2/24', 'dev', 'v0');
      const rt = openRoute({ netns: ns });
      try {
        const specs: RouteSpec[] = [];
        for (let i = 0; i < 3000; i++) {
          const dst = `10.${(i >> 8) & 255}.${i & 255}.0/24`;
          specs.push(i % 3 === 0 ? { dst, dev: 'lo', table: 100 } : i % 3 === 1 ? { dst, via: '192.0.2.1', metric: 9 } : { dst, dev: 'v0', protocol: 'static' });
        }
        const r = await rt.routes.add(specs);
        assert.ok(r.ok, r.failures[0]?.error.message);
        const t100 = ipJson<{ dst: string; dev: string }[]>(ns, '-4', 'route', 'show', 'table', '100');
        assert.equal(t100.length, 1000);
        assert.ok(t100.every((x) => x.dev === 'lo'));
        const main = ipJson<{ dst: string; dev: string; gateway?: string; metric?: number; protocol: string }[]>(ns, '-4', 'route', 'show', 'table', 'main')
          .filter((x) => x.dst.startsWith('10.'));
        assert.equal(main.length, 2000);
        const byDst = new Map(main.map((x) => [x.dst, x]));
        for (let i = 0; i < 3000; i++) {
          if (i % 3 === 0) continue;
          const x = byDst.get(`10.${(i >> 8) & 255}.${i & 255}.0/24`)!;
          if (i % 3 === 1) assert.deepEqual([x.gateway, x.metric, x.dev], ['192.0.2.1', 9, 'v0']);
          else assert.deepEqual([x.gateway, x.protocol, x.dev], [undefined, 'static', 'v0']);
        }
        // a spec whose dst getter throws, past the first send: a failure at its own index only
        const odd: RouteSpec[] = Array.from({ length: 600 }, (_, i) => ({ dst: `10.200.${i >> 8}.${i & 255}/32`, dev: 'lo' }));
        Object.defineProperty(odd[450], 'dst', { enumerable: true, get: () => { throw new Error('no dst'); } });
        const got = await rt.routes.add(odd);
        assert.deepEqual(got.failures.map((f) => [f.index, f.error.message]), [[450, 'no dst']]);
        assert.equal(got.done, 599);
        // the same bulk again: every route fails by its own index
        const again = await rt.routes.add(specs.slice(0, 500));
        assert.equal(again.failures.length, 500);
        assert.ok(again.failures.every((f, i) => f.index === i && (f.error as { code?: string }).code === 'EEXIST'));
      } finally {
        rt.close();
      }
    });
  });
});
