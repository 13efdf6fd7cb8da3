// fast-check arbitraries of builder expressions in their canonical shapes (what decoding
// gives back): shared by the encode/decode and the nft-words round trips.
import fc from 'fast-check';
import { formatIPv4, formatIPv6 } from '../../src/core/display.js';
import {
  accept, continue_, counter, ct, dnat, drop, goto, ip, ip6, jump, limit, log, masquerade, meta, redirect, reject, return_, snat, tcp, udp,
  type NftExpr,
} from '../../src/netfilter/nft-expr.js';

const ipv4Arb = fc.uint8Array({ minLength: 4, maxLength: 4 }).map((b) => formatIPv4(b));
const prefix4Arb = fc.tuple(fc.uint8Array({ minLength: 4, maxLength: 4 }), fc.integer({ min: 1, max: 31 })).map(([b, len]) => {
  const a = Buffer.from(b);
  for (let i = 0; i < 4; i++) a[i] &= (0xff << (8 - Math.max(0, Math.min(8, len - i * 8)))) & 0xff;
  return `${formatIPv4(a)}/${len}`;
});
const ipv6Arb = fc.uint8Array({ minLength: 16, maxLength: 16 }).map((b) => formatIPv6(b));
const portArb = fc.integer({ min: 0, max: 65535 });
const rangeArb = fc.tuple(portArb, portArb).map(([a, b]) => ({ range: [Math.min(a, b), Math.max(a, b)] as [number, number] }));
const portSetArb = fc.uniqueArray(portArb, { minLength: 1, maxLength: 6 }).map((a) => [...a].sort((x, y) => x - y));
const hostSetArb = fc.uniqueArray(fc.integer({ min: 1, max: 0xfffffffe }), { minLength: 1, maxLength: 5 }).map((a) =>
  [...a].sort((x, y) => x - y).map((n) => formatIPv4(Buffer.from([n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255]))));
const ifnameArb = fc.stringMatching(/^[a-z][a-z0-9]{0,13}$/).chain((n) => fc.constantFrom(n, `${n}*`));
const opArb = fc.constantFrom('==', '!=') as fc.Arbitrary<'==' | '!='>;
const STATES = ['invalid', 'established', 'related', 'new', 'untracked'] as const;

export const matchArb: fc.Arbitrary<NftExpr> = fc.oneof(
  fc.tuple(fc.constantFrom(ip.saddr, ip.daddr), fc.oneof(ipv4Arb, prefix4Arb, hostSetArb, fc.constant('@blocklist')), opArb).map(([f, v, op]) => f(v, op)),
  fc.tuple(fc.constantFrom(ip6.saddr, ip6.daddr), ipv6Arb, opArb).map(([f, v, op]) => f(v, op)),
  fc.tuple(fc.constantFrom(tcp.sport, tcp.dport, udp.sport, udp.dport), fc.oneof(portArb, rangeArb, portSetArb), opArb).map(([f, v, op]) => f(v, op)),
  fc.tuple(fc.constantFrom(meta.iifname, meta.oifname), ifnameArb, opArb).map(([f, v, op]) => f(v, op)),
  fc.tuple(fc.constantFrom(meta.mark, meta.iif, meta.oif, ct.mark), fc.integer({ min: 0, max: 0xffffffff }), opArb).map(([f, v, op]) => f(v, op)),
  // `meta l4proto tcp` right before a tcp field is that field's own dependency: see the test below
  fc.tuple(fc.constantFrom('icmp', 'sctp', 'gre'), opArb).map(([p, op]) => meta.l4proto(p, op)),
  fc.constantFrom('tcp', 'udp').map((p) => meta.l4proto(p, '!=')),
  fc.tuple(fc.subarray([...STATES], { minLength: 1 }), opArb).map(([s, op]) => ct.state(s, op)),
);

const portsArb = fc.oneof(portArb, fc.tuple(portArb, portArb).filter(([a, b]) => a !== b).map(([a, b]) => [a, b] as [number, number]));
const natFlagArb = fc.record({ random: fc.constant(true), fullyRandom: fc.constant(true), persistent: fc.constant(true) }, { requiredKeys: [] });

export const stmtArb: fc.Arbitrary<NftExpr> = fc.oneof(
  fc.constant(counter()),
  fc.record({ prefix: fc.stringMatching(/^[ -~]{1,40}$/), level: fc.constantFrom('emerg', 'alert', 'crit', 'err', 'notice', 'info', 'debug') }, { requiredKeys: [] }).map((o) => log(o)),
  fc.record({ rate: fc.integer({ min: 1, max: 1_000_000 }), per: fc.constantFrom('second', 'minute', 'hour', 'day', 'week') as fc.Arbitrary<'second'>, burst: fc.integer({ min: 6, max: 100 }), over: fc.constant(true) }, { requiredKeys: ['rate', 'per'] }).map((o) => limit(o)),
  fc.tuple(fc.option(portsArb, { nil: undefined }), natFlagArb).map(([ports, f]) => masquerade(ports === undefined ? f : { ports, ...f })),
  fc.tuple(fc.option(portsArb, { nil: undefined }), natFlagArb).map(([ports, f]) => redirect(ports === undefined ? f : { ports, ...f })),
  fc.tuple(fc.constantFrom(snat, dnat), ipv4Arb, fc.option(portsArb, { nil: undefined })).map(([f, a, ports]) => f(a, ports === undefined ? {} : { ports })),
  fc.constantFrom(reject(), reject('tcp-reset'), reject({ icmp: 1 }), reject({ icmpx: 2 })),
  fc.constantFrom(accept(), drop(), continue_(), return_(), jump('other'), goto('other')),
);

