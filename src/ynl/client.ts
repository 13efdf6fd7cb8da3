// Typed clients for described families: one method per operation, generic or raw netlink.
import { Connection, type ConnectionOptions } from '../core/connection.js';
import { NETLINK_GENERIC } from '../core/constants.js';
import type { Decoded } from '../core/codec.js';
import type { DumpIterable } from '../core/dump.js';
import { NetlinkArgumentError, NetlinkSystemError } from '../core/errors.js';
import type { EventStream, EventStreamOptions } from '../core/events.js';
import type { CallOptions, DumpOptions, DumpResult, Payload, RequestOptions } from '../core/message.js';
import { GenericNetlink } from '../genl/client.js';
import { GENL_CTRL_NOTIFY_GROUP, GENL_ID_CTRL } from '../genl/constants.js';
import type { GenlFamily } from '../genl/ctrl.js';
import { constants } from 'node:os';
import { Family, type FamilyEvent, type Operation } from './family.js';
import type { FamilyDescription } from './schema.js';

/**
 * The TypeScript side of a family: what each operation sends and gets, what each group
 * carries, and (generated families) the client's methods declared one by one.
 */
export interface FamilyTypes {
  ops: Record<string, { do?: { request: unknown; reply: unknown }; dump?: { request: unknown; reply: unknown } }>;
  events: Record<string, unknown>;
  methods?: object;
}

/** Types for a family described at run time: any object in, decoded objects out. */
export interface UntypedFamily {
  ops: Record<string, { do: { request: Record<string, unknown>; reply: Decoded | undefined }; dump: { request: Record<string, unknown>; reply: Decoded } }>;
  events: Record<string, FamilyEvent>;
}

type CamelCase<S extends string> = S extends `${infer H}-${infer T}` ? `${H}${Capitalize<CamelCase<T>>}` : S;
type Ops<T extends FamilyTypes> = T['ops'];
type DoReq<T extends FamilyTypes, K extends keyof Ops<T>> = NonNullable<Ops<T>[K]['do']>['request'];
type DoRep<T extends FamilyTypes, K extends keyof Ops<T>> = NonNullable<Ops<T>[K]['do']>['reply'];
type DumpReq<T extends FamilyTypes, K extends keyof Ops<T>> = NonNullable<Ops<T>[K]['dump']>['request'];
type DumpRep<T extends FamilyTypes, K extends keyof Ops<T>> = NonNullable<Ops<T>[K]['dump']>['reply'];
type DoOps<T extends FamilyTypes> = { [K in keyof Ops<T>]: Ops<T>[K] extends { do: object } ? K : never }[keyof Ops<T>] & string;
type DumpOps<T extends FamilyTypes> = { [K in keyof Ops<T>]: Ops<T>[K] extends { dump: object } ? K : never }[keyof Ops<T>] & string;

/** Options of a do-operation (the decoder and layout come from the description). */
export type DoOptions = Omit<RequestOptions<never>, 'decode' | 'layout'>;
/** Options of a dump operation. */
export type DumpCallOptions = Omit<DumpOptions<never>, 'decode' | 'layout'>;
export type { DumpIterable, DumpResult };

/**
 * One method per operation: `linkinfoGet` (do), `linkinfoGetDump`, and their Sync twins,
 * for descriptions without generated method declarations (loaded at run time).
 */
export type OperationMethods<T extends FamilyTypes> =
  & { [K in DoOps<T> as CamelCase<K>]: (request?: DoReq<T, K>, opts?: DoOptions) => Promise<DoRep<T, K>> }
  & { [K in DoOps<T> as `${CamelCase<K>}Sync`]: (request?: DoReq<T, K>, opts?: DoOptions) => DoRep<T, K> }
  & { [K in DumpOps<T> as `${CamelCase<K>}Dump`]: (request?: DumpReq<T, K>, opts?: DumpCallOptions) => DumpIterable<DumpRep<T, K>> }
  & { [K in DumpOps<T> as `${CamelCase<K>}DumpSync`]: (request?: DumpReq<T, K>, opts?: DumpCallOptions) => DumpResult<DumpRep<T, K>> };

/**
 * A client with its operations as methods. Generated families declare them (`Methods` in
 * src/ynl/families/NAME.ts: go-to-definition lands there); an operation named like a
 * member of FamilyClient stays reachable through do() and dump().
 */
export type TypedFamilyClient<T extends FamilyTypes> = FamilyClient<T>
  & Omit<T extends { methods: infer M } ? M : OperationMethods<T>, keyof FamilyClient<T>>;

type Call = DoOptions;
type DumpCall = DumpCallOptions;
type EngineOptions = RequestOptions<Decoded> & DumpOptions<Decoded>;
type ClientClass = new (family: Family, route: Route, opts: ConnectionOptions) => FamilyClient<FamilyTypes>;

/** Per operation (of a compiled family): the options its do and dump calls hand the engine. */
const callOptions = new WeakMap<Operation, Record<'do' | 'dump', EngineOptions>>();

/**
 * The methods of a family's clients, made once per family on a prototype (not per client:
 * opening a client defines nothing). Each calls do/dump with its operation's name.
 */
const clientClasses = new WeakMap<Family, ClientClass>();

function clientClass(family: Family): ClientClass {
  const had = clientClasses.get(family);
  if (had) return had;
  const C: ClientClass = class extends FamilyClient<FamilyTypes> {
    constructor(f: Family, route: Route, opts: ConnectionOptions) {
      super(f, route, opts);
    }
  };
  const proto = C.prototype as unknown as Record<string, unknown>;
  const add = (name: string, fn: (this: FamilyClient<FamilyTypes>, req?: never, o?: never) => unknown) => {
    if (!(name in proto)) Object.defineProperty(proto, name, { value: fn, enumerable: false, writable: true, configurable: true });
  };
  // each method holds its operation: no lookup by name per call
  for (const op of family.ops.values()) {
    const k = op.key;
    if (op.desc.do) {
      add(k, function (req, o) { return this.doOp(op, req, o); });
      add(`${k}Sync`, function (req, o) { return this.doOpSync(op, req, o); });
    }
    if (op.desc.dump) {
      add(`${k}Dump`, function (req, o) { return this.dumpOp(op, req, o); });
      add(`${k}DumpSync`, function (req, o) { return this.dumpOpSync(op, req, o); });
    }
  }
  clientClasses.set(family, C);
  return C;
}

/** Where requests go: the genl family id (from the controller) or the raw family's protocol. */
interface Route {
  conn: Connection;
  genl?: GenericNetlink;
  /** genl family id; unused for raw families. */
  id: number;
  version: number;
  groups: Map<string, number>;
}

/** ENOENT from the controller says the kernel has no such family: say so in the message. */
function notFound(e: unknown, name: string): unknown {
  if (e instanceof Error && (e as { code?: string }).code === 'ENOENT')
    e.message = `ENOENT: the kernel has no generic netlink family '${name}' (not built in, or its module is not loaded)`;
  return e;
}

function rawRoute(family: Family, opts: ConnectionOptions): Route {
  const conn = new Connection(family.desc.protonum!, opts);
  const groups = new Map(family.desc.mcastGroups.filter((g) => g.value !== undefined).map((g) => [g.name, g.value!]));
  return { conn, id: 0, version: 0, groups };
}

type GenlRoute = Pick<GenlFamily, 'id' | 'version' | 'mcastGroups'>;

/**
 * Generic netlink families whose numbers the ABI fixes, so opening them asks the kernel
 * nothing: the controller is GENL_ID_CTRL (<linux/genetlink.h>), its one group "notify"
 * has the same number, and it speaks version 2 (net/netlink/genetlink.c, genl_ctrl).
 */
const FIXED_FAMILIES = new Map<string, GenlRoute>([
  ['nlctrl', { id: GENL_ID_CTRL, version: 2, mcastGroups: [{ name: 'notify', id: GENL_CTRL_NOTIFY_GROUP }] }],
]);

function genlRoute(genl: GenericNetlink, f: GenlRoute): Route {
  return { conn: genl.conn, genl, id: f.id, version: f.version, groups: new Map(f.mcastGroups.map((g) => [g.name, g.id])) };
}

/**
 * A connection to one described family. Operations are called by name (`do`, `dump`) or
 * through the per-operation methods; notifications come from `subscribe(group)`.
 */
export class FamilyClient<T extends FamilyTypes = UntypedFamily> {
  readonly family: Family;
  readonly conn: Connection;
  private readonly route: Route;

  protected constructor(family: Family, route: Route, private readonly opts: ConnectionOptions) {
    this.family = family;
    this.route = route;
    this.conn = route.conn;
  }

  private static make<T extends FamilyTypes>(family: Family, route: Route, opts: ConnectionOptions): TypedFamilyClient<T> {
    return new (clientClass(family))(family, route, opts) as unknown as TypedFamilyClient<T>;
  }

  /** Opens a family: for generic netlink, looks its id up (ENOENT when the kernel has none). */
  static async open<T extends FamilyTypes = UntypedFamily>(desc: FamilyDescription<T> | FamilyDescription, opts: ConnectionOptions = {}): Promise<TypedFamilyClient<T>> {
    const family = Family.from(desc);
    if (!family.isGenl) return FamilyClient.make<T>(family, rawRoute(family, opts), opts);
    const genl = new GenericNetlink(opts);
    try {
      return FamilyClient.make<T>(family, genlRoute(genl, FIXED_FAMILIES.get(family.name) ?? await genl.getFamily(family.name)), opts);
    } catch (e) {
      genl.close();
      throw notFound(e, family.name);
    }
  }

  static openSync<T extends FamilyTypes = UntypedFamily>(desc: FamilyDescription<T> | FamilyDescription, opts: ConnectionOptions = {}): TypedFamilyClient<T> {
    const family = Family.from(desc);
    if (!family.isGenl) return FamilyClient.make<T>(family, rawRoute(family, opts), opts);
    const genl = new GenericNetlink(opts);
    try {
      return FamilyClient.make<T>(family, genlRoute(genl, FIXED_FAMILIES.get(family.name) ?? genl.getFamilySync(family.name)), opts);
    } catch (e) {
      genl.close();
      throw notFound(e, family.name);
    }
  }

  /** The nlmsg_type of an operation's requests, once it is known to have this mode. */
  private typeOf(op: Operation, mode: 'do' | 'dump'): number {
    if (!op.desc[mode]) throw new NetlinkArgumentError('operation', `must name an operation with a ${mode}: ${this.family.name} ${op.name} has none`);
    const type = this.family.isGenl ? this.route.id : op.requestValue;
    if (type === undefined) throw new NetlinkArgumentError('operation', `must name an operation sent to the kernel: ${this.family.name} ${op.name} is not`);
    return type;
  }

  private body(op: Operation, request: unknown): Payload {
    return (w) => this.family.writeBody(w, op, request, this.route.version);
  }

  /**
   * The engine options of an operation's calls: built once per operation, copied only when
   * the caller adds some. A caller's `ack` wins (ack: true for a reply the kernel may not send).
   */
  private options(op: Operation, mode: 'do' | 'dump', opts?: Call | DumpCall): EngineOptions {
    let base = callOptions.get(op);
    if (!base) callOptions.set(op, (base = this.baseOptions(op)));
    if (!opts) return base[mode];
    const ack = mode === 'do' ? (opts as Call).ack : undefined;
    return { ...opts, ...base[mode], ...(ack !== undefined ? { ack } : {}) };
  }

  /**
   * A generic netlink do-operation with a reply completes on that reply (or on the error
   * that replaces it), so no NLM_F_ACK is asked for: the kernel would send a second
   * message, costing a receive per call. Operations without a reply, those whose reply
   * the kernel may leave out (marked optional by corrections), and every raw (rtnetlink,
   * nftables) operation ask for the ack: raw specs list replies that only come in some
   * cases (nftables batch-begin, echo).
   */
  private baseOptions(op: Operation): Record<'do' | 'dump', EngineOptions> {
    const decode = this.family.replyDecoder(op);
    const reply = op.desc.do?.reply;
    const ack = !(this.family.isGenl && reply && !reply.optional);
    // frozen: shared by every call of the operation
    return { do: Object.freeze({ ack, layout: op.layout, decode }), dump: Object.freeze({ layout: op.layout, decode }) };
  }

  /** Sends an operation's do-request; resolves to its reply (undefined for operations that only ack). */
  async do<K extends DoOps<T>>(name: K, request?: DoReq<T, K>, opts?: Call): Promise<DoRep<T, K>> {
    return this.doOp(this.family.op(name), request, opts) as Promise<DoRep<T, K>>;
  }

  doSync<K extends DoOps<T>>(name: K, request?: DoReq<T, K>, opts?: Call): DoRep<T, K> {
    return this.doOpSync(this.family.op(name), request, opts) as DoRep<T, K>;
  }

  /** Runs an operation's dump: an async iterable of replies (or `.toArray()`). */
  dump<K extends DumpOps<T>>(name: K, request?: DumpReq<T, K>, opts?: DumpCall): DumpIterable<DumpRep<T, K>> {
    return this.dumpOp(this.family.op(name), request, opts) as unknown as DumpIterable<DumpRep<T, K>>;
  }

  dumpSync<K extends DumpOps<T>>(name: K, request?: DumpReq<T, K>, opts?: DumpCall): DumpResult<DumpRep<T, K>> {
    return this.dumpOpSync(this.family.op(name), request, opts) as unknown as DumpResult<DumpRep<T, K>>;
  }

  // The calls by operation (what the per-operation methods use). Protected, not private:
  // the methods are defined on a subclass's prototype.
  protected async doOp(op: Operation, request: unknown, opts?: Call): Promise<unknown> {
    const replies = await this.conn.request(this.typeOf(op, 'do'), this.body(op, request), this.options(op, 'do', opts));
    return replies[0];
  }

  protected doOpSync(op: Operation, request: unknown, opts?: Call): unknown {
    return this.conn.requestSync(this.typeOf(op, 'do'), this.body(op, request), this.options(op, 'do', opts))[0];
  }

  protected dumpOp(op: Operation, request: unknown, opts?: DumpCall): DumpIterable<Decoded> {
    return this.conn.dump(this.typeOf(op, 'dump'), this.body(op, request), this.options(op, 'dump', opts));
  }

  protected dumpOpSync(op: Operation, request: unknown, opts?: DumpCall): DumpResult<Decoded> {
    return this.conn.dumpSync(this.typeOf(op, 'dump'), this.body(op, request), this.options(op, 'dump', opts));
  }

  /** Multicast group number by name. */
  groupId(group: string): number {
    const id = this.route.groups.get(group);
    if (id === undefined) {
      const names = [...this.route.groups.keys()].join(', ') || 'none';
      throw new NetlinkSystemError(constants.errno.ENOENT, 'subscribe', `${this.family.name} has no multicast group '${group}' (it has: ${names})`);
    }
    return id;
  }

  /**
   * Notifications of one or more groups, decoded: `{ op, msg }` per message. They come on
   * a socket of their own, so a burst of events never delays replies (or the reverse);
   * closing the stream closes it.
   */
  subscribe<G extends keyof T['events'] & string>(groups: G | G[], opts: Omit<EventStreamOptions<T['events'][G]>, 'groups' | 'decode'> = {}): EventStream<T['events'][G]> {
    const ids = (Array.isArray(groups) ? groups : [groups]).map((g) => this.groupId(g));
    const protocol = this.family.isGenl ? NETLINK_GENERIC : this.family.desc.protonum!;
    const conn = new Connection(protocol, this.opts);
    try {
      const stream = conn.events({ ...opts, groups: ids, decode: this.family.decodeEvent as never }) as EventStream<T['events'][G]>;
      stream.once('close', () => conn.close());
      return stream;
    } catch (e) {
      conn.close();
      throw e;
    }
  }

  close(): void {
    if (this.route.genl) this.route.genl.close();
    else this.conn.close();
  }
}

/** Options every family call takes. */
export type { CallOptions };
