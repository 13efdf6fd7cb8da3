// Routes: list / stream / get / add / delete / flush, what `ip route` does, over rt-route's
// generated description (requests built only through opCall/opItem).
import { NLM_F_APPEND, NLM_F_CREATE, NLM_F_EXCL, NLM_F_REPLACE } from '../core/constants.js';
import { Connection } from '../core/connection.js';
import { NETLINK_ROUTE } from '../core/constants.js';
import { checkUint } from './arg-check.js';
import { NetlinkArgumentError, NetlinkDecodeError } from '../core/errors.js';
import { reusingDecoder } from '../core/codec.js';
import { Family } from '../ynl/family.js';
import type { RawMessage } from '../core/message.js';
import type { Call } from '../core/call.js';
import type { TransactionItem, TransactionResult } from '../core/transaction.js';
import { bulkOf, deleteAll, type BulkResult, type OneOrMany, type OneOrManySync } from './bulk.js';
import { AF_INET, AF_INET6, RTM_F_CLONED, RTM_F_FIB_MATCH, RTM_F_LOOKUP_TABLE } from '../core/rtnetlink.js';
import { opCall, opItem } from '../ynl/op-call.js';
import { description as rtRoute, type GetrouteDoRequest, type GetrouteDumpReply, type GetrouteDumpRequest, type RtmTypeEnum } from '../ynl/families/rt-route.js';
import { bindOps, Scope, type Bulk, type Chain, type LinkNames, type RouteContext, type RouteOptions, type Step } from './context.js';
import { familyOf, parseFamily, parsePrefix, type InetFamily } from './inet.js';
import { parseHint } from '../core/display.js';
import { routeProtocols, routeScopes } from './names.js';
import { toRoute, type LinkNameSource, type Route } from './route-object.js';
import { routeRequest, tableFields, tableId, withField, type RouteSpec } from './route-spec.js';
import { templated } from './routes-template.js';
import { quote } from '../core/options.js';

export type { Route, RouteNexthop, RouteMetrics } from './route-object.js';
export type { RouteSpec, RouteNexthopSpec, RouteType, RouteMetricsSpec } from './route-spec.js';
export type { RouteEncap, Seg6Mode } from './route-encap.js';

/** Which routes list(), stream() and flush() take. */
export interface RouteFilter {
  /** 4/'inet' or 6/'inet6'; default both. */
  family?: number | string;
  /** 'main' (default, as ip), 'all', a name from rt_tables or a number. */
  table?: string | number;
  dev?: string | number;
  type?: string;
  protocol?: string | number;
  scope?: string | number;
  /** Only this exact destination ('10.0.0.0/24', 'default'): `ip route show exact`. */
  dst?: string;
  /** Routes inside this prefix (their prefix as long or longer): `ip route show root`. */
  root?: string;
  /** Routes covering this address or prefix (as long or shorter): `ip route show match`. */
  match?: string;
  /** The cached routes (PMTU and redirect exceptions) instead of the table's: `ip route show cache`. */
  cached?: boolean;
}

/** What `ip route get` takes: a destination, or one with selectors. */
export interface RouteQuery {
  dst: string;
  src?: string;
  /** Output device (ip's `oif`). */
  dev?: string | number;
  /** Input device: the lookup a packet arriving there gets. */
  iif?: string | number;
  mark?: number;
  uid?: number;
  /** The FIB entry that matched, not the resolved route (ip route get fibmatch). */
  fibmatch?: boolean;
}

const FILTER_KEYS = new Set(['family', 'table', 'dev', 'type', 'protocol', 'scope', 'dst', 'root', 'match', 'cached']);
const QUERY_KEYS = new Set(['dst', 'src', 'dev', 'iif', 'mark', 'uid', 'fibmatch']);
const TYPES: readonly string[] = ['unicast', 'local', 'broadcast', 'anycast', 'multicast', 'blackhole', 'unreachable', 'prohibit', 'throw', 'nat', 'xresolve'];

interface Compiled {
  request: GetrouteDumpRequest;
  /** Kept routes (after the kernel's own filtering: family, table, device, type, protocol). */
  keep: (r: GetrouteDumpReply) => boolean;
}


interface Bits { bytes: Buffer; len: number }

/** Whether a and b agree on their first `len` bits. */
function samePrefix(a: Buffer, b: Buffer, len: number): boolean {
  if (a.length !== b.length) return false;
  const whole = len >> 3;
  for (let i = 0; i < whole; i++) if (a[i] !== b[i]) return false;
  const rest = len & 7;
  return rest === 0 || ((a[whole] ^ b[whole]) & (0xff << (8 - rest)) & 0xff) === 0;
}

/** A root/match filter: the route's destination (as bytes) against the filter's prefix. */
function destinationTest(text: string | undefined, option: string, family: number | undefined, test: (route: Bits, p: Bits) => boolean) {
  if (text === undefined) return undefined;
  const p = parsePrefix(text, option, family as InetFamily | undefined);
  const fam = text === 'default' && family === undefined ? undefined : p.family;
  const want: Bits = { bytes: p.len ? parseHint(p.family === AF_INET ? 'ipv4' : 'ipv6', p.address)! : Buffer.alloc(p.family === AF_INET ? 4 : 16), len: p.len };
  return (r: GetrouteDumpReply): boolean => {
    if (fam !== undefined && r.rtmFamily !== fam) return false;
    const size = r.rtmFamily === AF_INET ? 4 : 16;
    const bytes = typeof r.dst === 'string' ? parseHint(size === 4 ? 'ipv4' : 'ipv6', r.dst) : Buffer.alloc(size);
    if (!bytes) return false;
    const w = want.bytes.length === size ? want : { bytes: Buffer.alloc(size), len: want.len };
    return test({ bytes, len: r.rtmDstLen }, w);
  };
}

/** A filter as a dump request (what the kernel filters itself) and a check for the rest. */
function compileFilter(f: RouteFilter | undefined, scope: Scope): Compiled {
  if (f !== undefined && (f === null || typeof f !== 'object')) throw new NetlinkArgumentError('filter', 'must be an object', 'ERR_INVALID_ARG_TYPE');
  const filter = f ?? {};
  for (const k of Object.keys(filter)) if (!FILTER_KEYS.has(k)) throw new NetlinkArgumentError(k, `is not a route filter (there are: ${[...FILTER_KEYS].join(', ')})`);
  const family = parseFamily(filter.family);
  const request: GetrouteDumpRequest = { rtmFamily: family ?? 0 };
  const table = filter.table === undefined ? 254 : filter.table === 'all' ? 0 : tableId(filter.table);
  if (table) Object.assign(request, tableFields(table));
  if (filter.dev !== undefined) request.oif = scope.ifindex(filter.dev, 'dev');
  const cached = filter.cached === true;
  if (cached) request.rtmFlags = RTM_F_CLONED;
  if (filter.protocol !== undefined) request.rtmProtocol = routeProtocols().value(filter.protocol, 'protocol');
  if (filter.type !== undefined) {
    if (typeof filter.type !== 'string' || !TYPES.includes(filter.type)) throw new NetlinkArgumentError('type', `must be one of ${TYPES.join(', ')}, got ${quote(filter.type)}`);
    request.rtmType = filter.type as RtmTypeEnum;
  }
  const scopeValue = filter.scope === undefined ? undefined : routeScopes().value(filter.scope, 'scope');
  const dst = filter.dst === undefined ? undefined : parsePrefix(filter.dst, 'dst', family);
  const root = destinationTest(filter.root, 'root', family, (route, p) => route.len >= p.len && samePrefix(route.bytes, p.bytes, p.len));
  const match = destinationTest(filter.match, 'match', family, (route, p) => route.len <= p.len && samePrefix(route.bytes, p.bytes, route.len));
  // a family-less dump also answers for MPLS and multicast routing: those are left out
  const keep = (r: GetrouteDumpReply): boolean =>
    (r.rtmFamily === AF_INET || r.rtmFamily === AF_INET6) && ((r.rtmFlags & RTM_F_CLONED) !== 0) === cached &&
    (scopeValue === undefined || r.rtmScope === scopeValue) &&
    (dst === undefined || (r.rtmDstLen === dst.len && (dst.len === 0 ? true : r.dst === dst.address) && (filter.dst === 'default' ? true : r.rtmFamily === dst.family))) &&
    (root === undefined || root(r)) && (match === undefined || match(r));
  return { request, keep };
}

/** The dump call of a filter, decoding each kept route straight into a Route (one pass). */
function dumpCall(f: RouteFilter | undefined, scope: Scope, names?: LinkNameSource): Call<Route | undefined> {
  const { request, keep } = compileFilter(f, scope);
  const { decode: _d, result: _r, ...call } = opCall(rtRoute, 'getroute', 'dump', request);
  // each message is decoded into one reused object and copied out into its Route at once:
  // no decoded object per route (a dump of 100,000 makes 100,000 fewer objects)
  const op = Family.from(rtRoute).op('getroute');
  const decode = reusingDecoder(op.header, op.attrs);
  return {
    ...call,
    decode: (m: RawMessage): Route | undefined => {
      if (m.end - m.start < op.headerSize) throw new NetlinkDecodeError(`getroute: ${m.end - m.start} bytes are shorter than its ${op.headerSize}-byte header`, m.start);
      const r = decode(m.buf, m.start, m.end) as unknown as GetrouteDumpReply;
      return keep(r) ? toRoute(r, names) : undefined;
    },
  };
}

/** The kept routes: the dump's own array when the kernel's filtering left nothing to drop (no copy of 100,000). */
function defined(routes: (Route | undefined)[]): Route[] {
  for (let i = 0; i < routes.length; i++) if (routes[i] === undefined) return routes.filter((r): r is Route => r !== undefined);
  return routes as Route[];
}

/**
 * Link names for a dump's routes as they are decoded, so each Route gets its `dev` in
 * place (no second pass adding a property to 100,000 objects). Never a request on the
 * dump's socket while it runs: an attached LinkNames (a LinkCache) answers, a link it
 * lacks from one link dump on another socket (cachedNames); otherwise one link dump before
 * the route dump.
 */
function dumpNames(scope: Scope, ctx: RouteContext): LinkNameSource {
  if (scope.names) return cachedNames(scope.names, ctx);
  scope.ifname(0);
  return scope;
}

function flagsOf(spec: RouteSpec, replace = false): number {
  if (spec?.replace && spec?.append) throw new NetlinkArgumentError('replace', 'and append cannot both be set');
  return NLM_F_CREATE | (replace || spec?.replace === true ? NLM_F_REPLACE : spec?.append === true ? NLM_F_APPEND : NLM_F_EXCL);
}

/** Every kernel error of a bulk result named by the caller's option (`error.field`). */
const withFields = (r: BulkResult): BulkResult => {
  for (const f of r.failures) withField(f.error);
  return r;
};

type Item = (scope: Scope, spec: RouteSpec) => TransactionItem<unknown>;
const addItem: Item = (scope, spec) => opItem(rtRoute, 'newroute', routeRequest(spec, scope), { flags: flagsOf(spec) });
const replaceItem: Item = (scope, spec) => opItem(rtRoute, 'newroute', routeRequest(spec, scope), { flags: flagsOf(spec, true) });
const deleteItem: Item = (scope, spec) => opItem(rtRoute, 'delroute', routeRequest(spec, scope, true));

/**
 * One route: its error thrown, named by the caller's option (a transaction of one, whose
 * result sees the error); many: one transaction, a BulkResult (see bulkOf).
 */
function modify(scope: Scope, arg: RouteSpec | readonly RouteSpec[], item: Item): Step<BulkResult | undefined> {
  if (Array.isArray(arg)) {
    const t = templated(item);
    return { first: bulkOf(scope, arg as readonly RouteSpec[], t.item, t.run), then: (r: BulkResult) => ({ value: withFields(r) }) };
  }
  return {
    bulk: [item(scope, arg as RouteSpec)], options: { ack: 'each' },
    result: (r: TransactionResult<unknown>) => {
      if (r.failures.length) throw withField(r.failures[0].error);
      return undefined;
    },
  };
}

/** The delroute key of a listed route (what `ip route flush` sends back). */
export function deleteSpec(r: Route): RouteSpec {
  const spec: RouteSpec = { dst: r.dst, family: r.family, table: r.tableId, type: r.type as RouteSpec['type'], protocol: r.protocol };
  if (r.metric !== undefined) spec.metric = r.metric;
  if (r.tos !== undefined) spec.tos = r.tos;
  if (r.src !== undefined) spec.src = r.src;
  if (r.ifindex !== undefined) spec.dev = r.ifindex;
  return spec;
}

function getCall(scope: Scope, q: string | RouteQuery) {
  const query: RouteQuery = typeof q === 'string' ? { dst: q } : q;
  if (query === null || typeof query !== 'object') throw new NetlinkArgumentError('dst', 'must be an address or { dst, src, dev, iif, mark, fibmatch }', 'ERR_INVALID_ARG_TYPE');
  for (const k of Object.keys(query)) if (!QUERY_KEYS.has(k)) throw new NetlinkArgumentError(k, `is not a route lookup option (there are: ${[...QUERY_KEYS].join(', ')})`);
  const family = familyOf(query.dst, 'dst');
  const full = family === AF_INET ? 32 : 128;
  // RTM_F_LOOKUP_TABLE: an IPv4 answer names the table the lookup matched in (as ip asks), not
  // main; IPv6 answers always do, and the kernel's strict check refuses the flag there
  const req: GetrouteDoRequest = { rtmFamily: family, rtmDstLen: full, dst: query.dst, rtmFlags: (query.fibmatch === true ? RTM_F_FIB_MATCH : 0) | (family === AF_INET ? RTM_F_LOOKUP_TABLE : 0) };
  if (query.src !== undefined) {
    if (familyOf(query.src, 'src') !== family) throw new NetlinkArgumentError('src', `must be of the same family as dst, got ${query.src}`);
    req.src = query.src;
    req.rtmSrcLen = full;
  }
  if (query.dev !== undefined) req.oif = scope.ifindex(query.dev, 'dev');
  if (query.iif !== undefined) req.iif = scope.ifindex(query.iif, 'iif');
  if (query.mark !== undefined) req.mark = checkUint(query.mark, 'mark', 0xffffffff);
  if (query.uid !== undefined) req.uid = checkUint(query.uid, 'uid', 0xffffffff);
  const call = opCall(rtRoute, 'getroute', 'do', req);
  const raw = call.decode!;
  return { ...call, ack: false, decode: (m: RawMessage) => toRoute(raw(m), scope), result: (rs: readonly Route[]) => rs[0] };
}

/** Names from an attached LinkCache; a link it lacks (created a moment ago) from one link dump on another socket. */
function cachedNames(names: LinkNames, ctx: RouteContext): LinkNameSource {
  let dumped: Scope | undefined;
  return {
    ifname(index) {
      const n = names.nameOf(index);
      if (n !== undefined) return n;
      if (!dumped) {
        const conn = new Connection(NETLINK_ROUTE, ctx.options);
        try {
          (dumped = new Scope(conn)).ifname(0);
        } finally {
          conn.close();
        }
      }
      return dumped.ifname(index);
    },
  };
}

/**
 * forEach's dump: each route handed to fn as it is decoded, none kept. Link names first: a
 * link dump inside the route dump, on the same socket, would wait forever.
 */
function eachCall(ctx: RouteContext, f: RouteFilter | undefined, fn: (route: Route, raw: RawMessage) => void, opts: Pick<RouteOptions, 'timeout'>): Call<undefined> {
  const scope = ctx.scope();
  const cached = ctx.names;
  if (!cached) scope.ifname(0);
  const call = dumpCall(f, scope, cached ? cachedNames(cached, ctx) : scope);
  const { decode: inner, result: _r, ...rest } = call;
  const decode = inner!;
  return {
    ...rest, intr: 'partial', ...(opts.timeout !== undefined ? { timeout: opts.timeout } : {}),
    decode: (m: RawMessage) => {
      const r = decode(m);
      if (r !== undefined) fn(r, m);
      return undefined;
    },
  };
}

const interruptedOf = (r: { interrupted?: boolean }) => ({ interrupted: r.interrupted === true });

/** The routes module of a handle: `rt.routes.list()`, `rt.routes.add({...})`... */
export function makeRoutes(ctx: RouteContext) {
  const ops = bindOps(ctx, {
    /** Routes of a table (main by default), both families unless `family` says one. */
    // names as each route is decoded: an attached LinkCache, else one link dump first (dumpNames)
    list: (scope: Scope, f?: RouteFilter): Step<Route[]> => ({
      ...dumpCall(f, scope, dumpNames(scope, ctx)),
      result: defined,
    }),
    /** The route a packet to `dst` takes (ip route get), or with fibmatch the FIB entry. */
    get: (scope: Scope, q: string | RouteQuery): Step<Route> => getCall(scope, q),
    /** add(spec): CREATE|EXCL (or `replace`/`append` in the spec); add([...]): one transaction. */
    add: (scope: Scope, spec: RouteSpec | readonly RouteSpec[]) => modify(scope, spec, addItem),
    /** CREATE|REPLACE: creates or overwrites (ip route replace). */
    replace: (scope: Scope, spec: RouteSpec | readonly RouteSpec[]) => modify(scope, spec, replaceItem),
    /** delete(spec) / delete([...]): only what a spec gives narrows the match (ip route del). */
    delete: (scope: Scope, spec: RouteSpec | readonly RouteSpec[]) => modify(scope, spec, deleteItem),
    /** Deletes what list(filter) gives, in one transaction (ip route flush); failures by list order. */
    flush: (scope: Scope, f?: RouteFilter): Step<BulkResult> => ({
      first: deleteAll({ ...dumpCall(f, scope), result: defined }, deleteSpec, deleteItem),
      then: (r: BulkResult) => ({ value: withFields(r) }),
    }),
  });

  return {
    ...ops,
    add: ops.add as OneOrMany<RouteSpec>,
    addSync: ops.addSync as OneOrManySync<RouteSpec>,
    replace: ops.replace as OneOrMany<RouteSpec>,
    replaceSync: ops.replaceSync as OneOrManySync<RouteSpec>,
    delete: ops.delete as OneOrMany<RouteSpec>,
    deleteSync: ops.deleteSync as OneOrManySync<RouteSpec>,
    /**
     * Calls `fn` with each route of list(filter) as it is decoded (and the kernel's message it
     * came in, valid during the call: `ip route save` writes it as it is), and keeps none: for printing
     * a large table (`nlkit route show`) with no array and no promise per route. Blocks until
     * the dump ends; an interrupted dump is not re-run (routes already given cannot be taken
     * back): the result says whether the kernel's table changed while it ran.
     */
    forEachSync(f: RouteFilter | undefined, fn: (route: Route, raw: RawMessage) => void, opts: Pick<RouteOptions, 'timeout'> = {}): { interrupted: boolean } {
      return interruptedOf(ctx.conn.runSync(eachCall(ctx, f, fn, opts)));
    },
    /**
     * forEachSync as a promise: while `fn` runs on one block of routes, the connection reads
     * the next on libuv's thread pool, so the kernel's dump overlaps the caller's work
     * (printing them, say; see the connection's `readAhead` option).
     */
    async forEach(f: RouteFilter | undefined, fn: (route: Route, raw: RawMessage) => void, opts: Pick<RouteOptions, 'timeout'> = {}): Promise<{ interrupted: boolean }> {
      return interruptedOf(await ctx.conn.run(eachCall(ctx, f, fn, opts)));
    },
    /**
     * The routes of list(filter) as they arrive, for tables too large to hold: memory stays
     * bounded by the engine's high-water mark. With `{ netns }` the stream has its own socket,
     * closed when the iteration ends. Device names come from an attached LinkCache
     * (`rt.useLinkNames`; a link it lacks from one link dump on another socket), else from
     * one link dump before the route dump.
     */
    stream(f?: RouteFilter, opts: RouteOptions = {}): AsyncIterable<Route> {
      return {
        [Symbol.asyncIterator]: async function* () {
          const conn = opts.netns === undefined ? ctx.conn : new Connection(NETLINK_ROUTE, { ...ctx.options, netns: opts.netns });
          try {
            const scope = conn === ctx.conn ? ctx.scope() : new Scope(conn);
            // a stream's routes leave before the dump ends: their link names come from an
            // attached LinkCache, else from one link dump before the route dump starts (a
            // link dump inside the route dump, on the same socket, would wait forever)
            const call = dumpCall(f, scope, dumpNames(scope, ctx));
            for await (const r of conn.stream({ ...call, ...(opts.timeout !== undefined ? { timeout: opts.timeout } : {}), ...(opts.signal ? { signal: opts.signal } : {}) }))
              if (r !== undefined) yield r;
          } finally {
            if (conn !== ctx.conn) conn.close();
          }
        },
      };
    },
  };
}

export type Routes = ReturnType<typeof makeRoutes>;

