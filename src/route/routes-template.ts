// Bulk route items from a template. The routes of one bulk call mostly differ only in their
// destination (10,000 host routes via one device): the first route of a shape goes through
// routeRequest and the description's encoder, its bytes become the template, and each later
// route with the same options (all but dst equal, dst of the same family and length) is the
// template with its destination written in. No request object and no generic encoding per
// route: far less code runs before the JIT has compiled it, and less is left to compile
// (V8's optimizing compiler was about half of a cold 10,000-route add's instructions).
// Where the destination sits is read from the template's own bytes, by the dst attribute's
// type in the description.
// The per-route path calls as few functions as it can (fits, the template's payload, the
// address scan, the writer's message ends): each one called per route turns hot in the
// interpreter and is compiled by TurboFan on its own, then again inlined into its caller, on
// the CPU the threadpool's sends need (see README, "Where a cold 10,000-route add's time goes").
import { AttrIterator } from '../core/attributes.js';
import { forInIsOwn } from '../core/codec.js';
import { ipv4PrefixValue } from '../core/ipv4-text.js';
import { AF_INET } from '../core/rtnetlink.js';
import type { TransactionItem } from '../core/transaction.js';
import { Writer } from '../core/writer.js';
import { Family } from '../ynl/family.js';
import { description as rtRoute } from '../ynl/families/rt-route.js';
import type { Scope } from './context.js';
import { parseFamily, parsePrefix, type InetFamily } from './inet.js';
import type { RouteSpec } from './route-spec.js';

type Item = (scope: Scope, spec: RouteSpec) => TransactionItem<unknown>;

interface Template {
  /** The options every route it serves has (a copy: the caller's objects may change). */
  spec: Record<string, unknown>;
  /** How many of them are defined. */
  keys: number;
  family: InetFamily | undefined;
  len: number;
  /** The request's body, and where in it the destination's 4 bytes are. */
  body: Buffer;
  dstAt: number;
  item: TransactionItem<unknown>;
  /**
   * The one item every route it serves is given as, its destination in `address`: the
   * transaction writes an item before it asks for the next (TransactionSource), so no item
   * object or closure per route is made (nor collected).
   */
  reused: TransactionItem<unknown>;
  /** The destination of the route `reused` stands for, as a number. */
  address: number;
}

let dstType: number | undefined, headerSize = 0;

/** The options as a template's, if all are plain values (no lists or objects) and dst an IPv4 prefix. */
function templateOf(spec: RouteSpec, item: TransactionItem<unknown>): Template | undefined {
  if (typeof item.payload !== 'function' || spec === null || typeof spec !== 'object' || !forInIsOwn(spec)) return undefined;
  const copy: Record<string, unknown> = {};
  let keys = 0;
  for (const k in spec) {
    const v = (spec as unknown as Record<string, unknown>)[k];
    if (v === undefined) continue;
    if (typeof v === 'object' || typeof v === 'function') return undefined;
    copy[k] = v;
    keys++;
  }
  const family = parseFamily(spec.family);
  const dst = parsePrefix(spec.dst, 'dst', family);
  if (dst.family !== AF_INET || dst.len === 0) return undefined;
  if (dstType === undefined) {
    const op = Family.from(rtRoute).op('newroute');
    dstType = op.attrs!.byKey.get('dst')!.value;
    headerSize = op.headerSize;
  }
  const w = new Writer(256);
  item.payload(w);
  const body = Buffer.from(w.buf.subarray(0, w.pos));
  const it = new AttrIterator(body, headerSize, body.length);
  while (it.next()) {
    if (it.type !== dstType || it.dataEnd - it.dataStart !== 4) continue;
    const dstAt = it.dataStart;
    const t: Template = { spec: copy, keys, family, len: dst.len, body, dstAt, item, reused: item, address: 0 };
    const reused: TransactionItem<unknown> = {
      type: item.type, layout: item.layout, decode: item.decode,
      payload: (w) => {
        // one set() call: Writer.bytes copies a payload this short by hand, a loop that runs
        // interpreted for the first thousands of routes of a fresh process
        const at = w.pos, n = body.length;
        if (at + n > w.buf.length) w.ensure(n);
        const b = w.buf, a = t.address, p = at + dstAt;
        b.set(body, at);
        w.pos = at + n;
        // the address in network order, as the attribute carries it (byte stores: Buffer's
        // writeUInt32BE is three checking calls, each compiled on its own once hot)
        b[p] = a >>> 24; b[p + 1] = a >>> 16; b[p + 2] = a >>> 8; b[p + 3] = a;
      },
    };
    if (item.flags !== undefined) reused.flags = item.flags;
    if (item.ack !== undefined) reused.ack = item.ack;
    // frozen: the transaction checks an item it is given again only once
    t.reused = Object.freeze(reused);
    return t;
  }
  return undefined;
}

/**
 * Whether spec has the template's options, but for dst. A plain object whose for-in sees
 * only its own keys (routeRequest reads nothing inherited): anything else takes the full path.
 */
function fits(spec: RouteSpec, t: Template): boolean {
  if (spec === null || typeof spec !== 'object' || !forInIsOwn(spec)) return false;
  let keys = 0;
  for (const k in spec) {
    const v = (spec as unknown as Record<string, unknown>)[k];
    if (v === undefined) continue;
    keys++;
    if (k !== 'dst' && v !== t.spec[k]) return false;
  }
  return keys === t.keys && t.spec.dst !== undefined;
}

/**
 * `make` for the routes of one bulk call, the later ones of a shape from its first one's
 * bytes (see the top). The same requests, byte for byte, as `make` builds. For a
 * transaction's source only: an item it returns is valid until the next call.
 */
export function templated(make: Item): Item {
  let t: Template | undefined;
  // routes that do not fit: a new template is tried at the 1st, 2nd, 4th, 8th... in a row,
  // so that a bulk of all different routes encodes only a few twice
  let misses = 0;
  return (scope, spec) => {
    if (t !== undefined && fits(spec, t)) {
      // an IPv4 prefix of the template's length, read as parsePrefix reads it (anything
      // else, an error included, takes the full path below)
      const text: unknown = spec.dst;
      const address = typeof text === 'string' ? ipv4PrefixValue(text, t.len) : -1;
      if (address >= 0) {
        t.address = address;
        misses = 0;
        return t.reused;
      }
    }
    const item = make(scope, spec);
    misses++;
    // a route that cannot serve as one keeps the template there is
    if ((misses & (misses - 1)) === 0) t = templateOf(spec, item) ?? t;
    return item;
  };
}
