// The cold per-route cost of a bulk routes.add before any syscall: building the requests
// (routeRequest) and encoding them into one transaction buffer (the generic codec), in a
// fresh process, as a one-shot bulk load meets them (the JIT has compiled nothing yet).
// Then the same again warm. CPU microseconds per route. No root needed; device names
// resolve to a fixed index.
//   node scripts/route-add-cost.mjs [ROUTES]
import { Writer } from '../dist/src/core/writer.js';
import { Family } from '../dist/src/ynl/family.js';
import { description } from '../dist/src/ynl/families/rt-route.js';
import { routeRequest } from '../dist/src/route/route-spec.js';

const n = Number(process.argv[2] ?? 10_000);
const family = Family.from(description);
const op = family.op('newroute');
const scope = { ifindex: () => 1 };
const specs = (k) => Array.from({ length: n }, (_, i) => ({ dst: `10.${k}.${(i >> 8) & 255}.${i & 255}/32`, dev: 'lo', protocol: 'static', scope: 'link', table: 'main' }));
// CPU time, not wall time: the machine is shared, and a preempted run would count the wait
const now = () => { const u = process.cpuUsage(); return u.user + u.system; };
const us = (t0) => (now() - t0) / n;

const out = {};
for (const round of ['cold', 'warm']) {
  const list = specs(round === 'cold' ? 1 : 2);
  let t0 = now();
  const reqs = new Array(n);
  for (let i = 0; i < n; i++) reqs[i] = routeRequest(list[i], scope);
  const build = us(t0);
  const w = new Writer(n * 64);
  t0 = now();
  for (let i = 0; i < n; i++) {
    const off = w.beginMessage(24, 0x601, i);
    family.writeBody(w, op, reqs[i], 0);
    w.endMessage(off);
  }
  out[round] = { build_us: +build.toFixed(2), encode_us: +us(t0).toFixed(2), bytes: w.pos };
}
console.log(JSON.stringify(out));
