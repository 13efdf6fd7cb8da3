// Calls (see core/call.ts) from a raw family's description: what a domain layer (nlkit/route,
// nlkit/tc...) builds its requests with, so tsc checks every request against the spec's
// types and the engine runs it with either driver, alone or in a transaction.
import type { Call } from '../core/call.js';
import { encodeHeaded, type Decoded } from '../core/codec.js';
import { NetlinkArgumentError } from '../core/errors.js';
import type { CallOptions, DumpResult, RawMessage } from '../core/message.js';
import type { TransactionItem } from '../core/transaction.js';
import type { Writer } from '../core/writer.js';
import type { FamilyTypes } from './client.js';
import { Family, type Mode, type Operation } from './family.js';
import type { FamilyDescription } from './schema.js';

type Ops<T extends FamilyTypes> = T['ops'];
/** What an operation's request of a mode is, per the generated types. */
export type OpRequest<T extends FamilyTypes, K extends keyof Ops<T>, M extends Mode> = NonNullable<Ops<T>[K][M]>['request'];
/** What its replies decode to. */
export type OpReply<T extends FamilyTypes, K extends keyof Ops<T>, M extends Mode> = NonNullable<Ops<T>[K][M]>['reply'];

/** Call fields a domain layer may add (flags, ack, timeout...). */
export type OpCallExtra = CallOptions & Pick<Call, 'ack' | 'intr' | 'retries' | 'highWaterMark'>;

interface Compiled {
  family: Family;
  op: Operation;
  type: number;
  decode: (m: RawMessage) => Decoded;
  /** Writes a request's body: family.writeBody, or for an object straight to the codec (see compile). */
  write: (w: Writer, request: unknown) => void;
}

const compiled = new WeakMap<FamilyDescription, Map<string, Compiled>>();

function compile(desc: FamilyDescription, name: string, mode: Mode): Compiled {
  let ops = compiled.get(desc);
  if (!ops) compiled.set(desc, (ops = new Map()));
  let c = ops.get(name);
  if (c) return c;
  const family = Family.from(desc);
  if (family.isGenl) throw new NetlinkArgumentError('family', `must be a raw netlink family (rtnetlink, nftables...): ${family.name} is generic netlink, use openFamily`);
  const op = family.op(name);
  if (!op.desc[mode] || op.requestValue === undefined)
    throw new NetlinkArgumentError('operation', `must name an operation with a ${mode}: ${family.name} ${name} has none`);
  // a raw family's body is its header and attributes: an object goes to the codec directly
  // (a bulk call writes one per item, mostly before the JIT has compiled the layers between),
  // anything else through writeBody, which says what is wrong with it
  const write = family.isGenl ? (w: Writer, v: unknown) => family.writeBody(w, op, v, 0)
    : (w: Writer, v: unknown) => {
      if (v === null || typeof v !== 'object' || Array.isArray(v)) family.writeBody(w, op, v, 0);
      else encodeHeaded(w, op.header, op.attrs, v);
    };
  ops.set(name, (c = { family, op, type: op.requestValue, decode: family.replyDecoder(op), write }));
  return c;
}

/**
 * A call of a raw family's operation: `opCall(rtRoute, 'getroute', 'dump', {rtmFamily: 2})`.
 * The request is encoded when the call is sent (an encoding error rejects the call).
 * `extra.result` shapes the decoded replies (typed) into the call's result.
 */
export function opCall<T extends FamilyTypes, K extends keyof Ops<T> & string, M extends Mode, R = DumpResult<OpReply<T, K, M>>>(
  desc: FamilyDescription<T>, name: K, mode: M, request: OpRequest<T, K, M>,
  extra?: OpCallExtra & { result?: (replies: DumpResult<OpReply<T, K, M>>) => R },
): Call<OpReply<T, K, M>, R> {
  const { family, op, type, decode } = compile(desc as FamilyDescription, name, mode);
  return {
    ...extra, type, dump: mode === 'dump', layout: op.layout, decode: decode as (m: RawMessage) => OpReply<T, K, M>,
    payload: (w) => family.writeBody(w, op, request, 0),
  };
}

/**
 * opCall whose every reply is made into the caller's object as it arrives (`each`), not once
 * the dump is over: the decoded messages then die young instead of all living until the end
 * (a 2,000-filter tc dump kept ~60,000 objects alive for every scavenge to copy). `each` runs
 * inside the receive path: it must not make requests on the same connection (a dump is in
 * progress), so names it needs are looked up before the call.
 */
export function opCallEach<T extends FamilyTypes, K extends keyof Ops<T> & string, M extends Mode, V, R = DumpResult<V>>(
  desc: FamilyDescription<T>, name: K, mode: M, request: OpRequest<T, K, M>, each: (reply: OpReply<T, K, M>) => V,
  extra?: OpCallExtra & { result?: (items: DumpResult<V>) => R },
): Call<V, R> {
  const call = opCall(desc, name, mode, request);
  const decode = call.decode!;
  return { ...extra, type: call.type, dump: call.dump, layout: call.layout, payload: call.payload, decode: (m) => each(decode(m)) };
}

/** The same request as one item of a transaction. */
export function opItem<T extends FamilyTypes, K extends keyof Ops<T> & string>(
  desc: FamilyDescription<T>, name: K, request: OpRequest<T, K, 'do'>, extra?: Pick<TransactionItem, 'flags' | 'ack'>,
): TransactionItem<OpReply<T, K, 'do'>> {
  const { op, type, decode, write } = compile(desc as FamilyDescription, name, 'do');
  const item: TransactionItem<OpReply<T, K, 'do'>> = {
    type, layout: op.layout, decode: decode as (m: RawMessage) => OpReply<T, K, 'do'>,
    payload: (w) => write(w, request),
  };
  // copied field by field, not spread: a bulk call makes one item per route, and an object
  // spread took 4 us each (measured, node 20), most of a 10,000-route add's item building
  if (extra?.flags !== undefined) item.flags = extra.flags;
  if (extra?.ack !== undefined) item.ack = extra.ack;
  return item;
}

/** Decodes a message of an operation's reply type (events, echoes) as the spec says. */
export function opDecoder<T extends FamilyTypes, K extends keyof Ops<T> & string, M extends Mode>(
  desc: FamilyDescription<T>, name: K, mode: M,
): (m: RawMessage) => OpReply<T, K, M> {
  return compile(desc as FamilyDescription, name, mode).decode as (m: RawMessage) => OpReply<T, K, M>;
}
