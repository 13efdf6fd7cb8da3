// Bulk route items from a template. The routes of one bulk call mostly differ only in their
// destination (10,000 host routes via one device): the first route of a shape goes through
// routeRequest and the description's encoder, its bytes become the template, and the later
// routes with the same options (all but dst equal, dst of the same family and length) go as
// runs of it (TransactionItem.repeat): the transaction copies the template's request and
// writes each destination in. No request object, no generic encoding and no call per route:
// far less code runs before the JIT has compiled it, and less is left to compile (V8's
// optimizing compiler was about half of a cold 10,000-route add's instructions, each function
// called per route compiled on its own and again inlined into its caller, on the CPU the
// threadpool's sends need; see README, "Where a cold 10,000-route add's time goes").
// Where the destination sits is read from the template's own bytes, by the dst attribute's
// type in the description.
import { AttrIterator } from '../core/attributes.js';
import { forInIsOwn } from '../core/codec.js';
import { ipv4PrefixValue } from '../core/ipv4-text.js';
import { AF_INET } from '../core/rtnetlink.js';
import type { ItemRun, TransactionItem } from '../core/transaction.js';
import { Writer } from '../core/writer.js';
import { Family } from '../ynl/family.js';
import { description as rtRoute } from '../ynl/families/rt-route.js';
import type { Scope } from './context.js';
import { parseFamily, parsePrefix } from './inet.js';
import type { RouteSpec } from './route-spec.js';

type Item = (scope: Scope, spec: RouteSpec) => TransactionItem<unknown>;

interface Template {
  /** The options every route it serves has (a copy: the caller's objects may change). */
  spec: Record<string, unknown>;
  /** How many of them are defined. */
  keys: number;
  len: number;
  /**
   * The run item (TransactionItem.repeat) the routes it serves are given as: the template's
   * request, its destination's word written per route by the transaction.
   */
  run: TransactionItem<unknown> & { repeat: ItemRun };
}

let dstType: number | undefined, headerSize = 0;

/**
 * Most specs in the first run: a run is read whole before its first request is written, so
 * a short one lets the first send go (and the kernel start) while the rest are read; each
 * run that fills its words may be followed by one twice as long.
 */
const RUN = 128;

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
    const run: Template['run'] = { type: item.type, payload: body, repeat: { count: 0, at: it.dataStart, words: new Uint32Array(0) } };
    if (item.layout !== undefined) run.layout = item.layout;
    if (item.decode !== undefined) run.decode = item.decode;
    if (item.flags !== undefined) run.flags = item.flags;
    if (item.ack !== undefined) run.ack = item.ack;
    return { spec: copy, keys, len: dst.len, run };
  }
  return undefined;
}

/**
 * How many specs from `from` on (words.length at most) have the template's options but for
 * dst, and an IPv4 dst of its length (read as parsePrefix reads it: anything else, an error included, takes the
 * full path); their addresses go to words. One loop, its checks in line: whatever is called
 * per route is compiled by TurboFan on its own, on the CPU the sends need.
 */
function scan(t: Template, specs: readonly RouteSpec[], from: number, words: Uint32Array): number {
  const want = t.spec, keys = t.keys, len = t.len;
  let k = 0;
  const end = Math.min(specs.length, from + words.length);
  // a plain object whose for-in sees only its own keys (routeRequest reads nothing inherited)
  next: for (let i = from; i < end; i++, k++) {
    const spec = specs[i] as unknown as Record<string, unknown>;
    if (spec === null || typeof spec !== 'object' || !forInIsOwn(spec)) break;
    let seen = 0;
    for (const key in spec) {
      const v = spec[key];
      if (v === undefined) continue;
      seen++;
      if (key !== 'dst' && v !== want[key]) break next;
    }
    const text = spec.dst;
    const address = seen === keys && typeof text === 'string' ? ipv4PrefixValue(text, len) : -1;
    if (address < 0) break;
    words[k] = address;
  }
  return k;
}

/** A bulk call's items: one spec's (make), or a run of the specs that follow a template. */
export interface Templated {
  item: Item;
  /** A run item for the specs from `from` on that fit the template there is, if any do. */
  run(specs: readonly RouteSpec[], from: number): TransactionItem<unknown> | undefined;
}

/**
 * The routes of one bulk call, the later ones of a shape as runs of its first one's request
 * (see the top): the same requests, byte for byte, as `make` builds. For a transaction's
 * source only: an item returned is valid until the next call.
 */
export function templated(make: Item): Templated {
  // one words array for the call's templates: a run is written before the next is asked for
  let t: Template | undefined, words: Uint32Array | undefined, full = false;
  // routes that do not fit: a new template is tried at the 1st, 2nd, 4th, 8th... in a row,
  // so that a bulk of all different routes encodes only a few twice
  let misses = 0;
  return {
    item(scope, spec) {
      const item = make(scope, spec);
      misses++;
      // a route that cannot serve as one keeps the template there is
      if ((misses & (misses - 1)) === 0) t = templateOf(spec, item) ?? t;
      return item;
    },
    run(specs, from) {
      if (t === undefined) return undefined;
      // the last run filled its words (it is written by now): this one may be twice as long
      if (words === undefined) words = new Uint32Array(RUN);
      else if (full && words.length < specs.length - from) words = new Uint32Array(Math.min(words.length * 2, specs.length - from));
      t.run.repeat.words = words;
      const count = scan(t, specs, from, words);
      full = count === words.length;
      if (count === 0) return undefined;
      misses = 0;
      t.run.repeat.count = count;
      return t.run;
    },
  };
}
