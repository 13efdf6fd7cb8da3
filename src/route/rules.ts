// Routing policy rules (`ip rule`): list, add, delete and flush, with the selectors and actions
// `ip` has, as typed objects over the generated rt-rule family (FRA_TABLE for tables >= 256).
import { NLM_F_CREATE, NLM_F_EXCL } from '../core/constants.js';
import { NetlinkArgumentError } from '../core/errors.js';
import { AF_INET, AF_INET6, AF_UNSPEC } from '../core/rtnetlink.js';
import type { RawMessage } from '../core/message.js';
import { opCall, opDecoder, opItem } from '../ynl/op-call.js';
import { description as rtRule, type FrActEnum, type GetruleDumpReply, type NewruleDoRequest } from '../ynl/families/rt-rule.js';
import { bindOps, type BoundOps, type RouteContext, type Scope, type Step } from './context.js';
import { familyName, parseFamily, parsePrefix, type InetFamily } from './inet.js';
import { ipProtoName, ipProtoValue } from './ip-protocols.js';
import { linkGroups, routeProtocols, routeRealms, routeTables } from './names.js';
import { checkBool, checkIfname, checkSpec } from './arg-check.js';
import { tableId } from './route-spec.js';
import { deleteAll, oneOrMany, type BulkResult, type OneOrMany, type OneOrManySync } from './bulk.js';
import { hex, namingOptions, range, uint, valueMask, word } from './spec-values.js';
import { Definitions } from '../core/definitions.js';
import { quote } from '../core/options.js';

/** What a rule does with a packet it matches (`ip rule ... ACTION`). */
export type RuleAction = 'lookup' | 'goto' | 'nop' | 'blackhole' | 'unreachable' | 'prohibit';

/** A rule to add or delete, in `ip rule`'s words. */
export interface RuleSpec {
  /** 'inet' (default) or 'inet6'; taken from `from`/`to` when they are given. */
  family?: 'inet' | 'inet6' | 4 | 6;
  /** `pref`: the kernel picks one below the lowest when absent (add). */
  priority?: number;
  /** Source prefix ('10.0.0.0/8', a host, or 'all'). */
  from?: string;
  /** Destination prefix. */
  to?: string;
  /** Input device name (need not exist yet). */
  iif?: string;
  /** Output device name. */
  oif?: string;
  /** Firewall mark: a number, or 'MARK/MASK' text ('0x10/0xff'). */
  fwmark?: number | string;
  fwmask?: number;
  /** Table to look up: 'main', a name from rt_tables, or a number (up to 2^32-1). Default 'main' for lookup. */
  table?: string | number;
  /** Default 'lookup' ('goto' when `goto` is given). */
  action?: RuleAction;
  /** Priority of the rule to go to (action 'goto'). */
  goto?: number;
  /** TOS byte ('0x10' or 16); `dsfield` is the same. */
  tos?: number | string;
  dsfield?: number | string;
  /** DSCP value 0..63 (kernels from 6.13). */
  dscp?: number;
  /** IP protocol: 'tcp', 'udp', a name from /etc/protocols, or a number. */
  ipproto?: string | number;
  /** Port or range: 80, '1000-2000', {start, end}. */
  sport?: number | string | { start: number; end: number };
  dport?: number | string | { start: number; end: number };
  /** UID range: '100-200', 1000, {start, end}. */
  uidrange?: number | string | { start: number; end: number };
  /** Look up the table of the l3mdev (VRF) the packet came in or goes out through. */
  l3mdev?: boolean;
  /** Reject lookup results with a prefix length at most this. */
  suppressPrefixlen?: number;
  /** Reject lookup results through a device of this group (a name from /etc/iproute2/group or a number). */
  suppressIfgroup?: string | number;
  /** Who installed the rule: 'static', 'boot', a name from rt_protos or a number. */
  protocol?: string | number;
  /** Match what the selectors do NOT match (`ip rule add not ...`). */
  not?: boolean;
  /** Realms 'FROM/TO' or 'TO' (names from rt_realms or numbers). */
  realms?: string | number;
  /** Tunnel id (metadata tunnels). */
  tunId?: bigint | number;
  /** IPv6 flow label, a number or 'LABEL/MASK' (kernels from 6.14). */
  flowlabel?: number | string;
}

/** A rule as `ip -j rule` shows it, in camelCase (plus `family`, `action`, `tableId` and `flags` always). */
export interface Rule {
  family: string;
  priority: number;
  not?: true;
  /** 'all', or the source address (its prefix length in `srclen` when not a host). */
  src: string;
  srclen?: number;
  dst?: string;
  dstlen?: number;
  tos?: string;
  dscp?: number;
  fwmark?: string;
  fwmask?: string;
  iif?: string;
  iifDetached?: true;
  oif?: string;
  oifDetached?: true;
  l3mdev?: true;
  uidStart?: number;
  uidEnd?: number;
  ipproto?: string;
  sport?: number;
  sportStart?: number;
  sportEnd?: number;
  dport?: number;
  dportStart?: number;
  dportEnd?: number;
  tunId?: bigint;
  /** The table's name as iproute2 prints it (a number as text when it has no name). */
  table?: string;
  tableId?: number;
  suppressPrefixlen?: number;
  suppressIfgroup?: string;
  flowFrom?: string;
  flowTo?: string;
  flowlabel?: string;
  flowlabelMask?: string;
  goto?: number;
  action: RuleAction;
  /** Who installed it ('unspec' when nobody said). */
  protocol: string;
  /** fib_rule_hdr flag names (invert, unresolved, iif-detached...). */
  flags: string[];
}

/** Which rules list() and flush() take: every given field must match. */
export interface RuleFilter {
  /** 'inet' (default, as `ip rule`), 'inet6', or 'all' (both). */
  family?: 'inet' | 'inet6' | 4 | 6 | 'all';
  priority?: number;
  table?: string | number;
  iif?: string;
  oif?: string;
  from?: string;
  to?: string;
  protocol?: string | number;
  action?: RuleAction;
}

const SPEC_KEYS = [
  'family', 'priority', 'from', 'to', 'iif', 'oif', 'fwmark', 'fwmask', 'table', 'action', 'goto', 'tos', 'dsfield', 'dscp', 'ipproto', 'sport', 'dport',
  'uidrange', 'l3mdev', 'suppressPrefixlen', 'suppressIfgroup', 'protocol', 'not', 'realms', 'tunId', 'flowlabel',
] as const satisfies readonly (keyof RuleSpec)[];
const FILTER_KEYS = ['family', 'priority', 'table', 'iif', 'oif', 'from', 'to', 'protocol', 'action'] as const satisfies readonly (keyof RuleFilter)[];

/** Request attributes as the caller's options (for the kernel's errors). */
const RULE_FIELDS = {
  src: 'from', dst: 'to', iifname: 'iif', oifname: 'oif', priority: 'priority', fwmark: 'fwmark', fwmask: 'fwmask', table: 'table', goto: 'goto',
  ipProto: 'ipproto', sportRange: 'sport', dportRange: 'dport', uidRange: 'uidrange', l3mdev: 'l3mdev', suppressPrefixlen: 'suppressPrefixlen',
  suppressIfgroup: 'suppressIfgroup', protocol: 'protocol', flow: 'realms', tunId: 'tunId', dscp: 'dscp', flowlabel: 'flowlabel', flowlabelMask: 'flowlabel',
};

/** Rule actions in `ip`'s words and the kernel's (FR_ACT_*). */
const ACTIONS: Record<RuleAction, FrActEnum> = {
  lookup: 'to-tbl', goto: 'goto', nop: 'nop', blackhole: 'blackhole', unreachable: 'unreachable', prohibit: 'prohibit',
};
const ACTION_OF = new Map(Object.entries(ACTIONS).map(([k, v]) => [v as string, k as RuleAction]));

/** fib_rule_hdr flags by name, from the overlay's `fib-rule-flags`. */
const FLAGS = [...new Definitions(rtRule).enum('fib-rule-flags').byName];
const FLAG = Object.fromEntries(FLAGS);

/** RT_TABLE_COMPAT: what fib_rule_hdr.table holds when the id (in FRA_TABLE) does not fit a byte. */
const TABLE_COMPAT = 252;
const U32 = 0xffffffff;

function iface(scope: Scope, v: unknown, option: string): string {
  // an index names the link it is now; a name may also be of a link that does not exist yet
  if (typeof v === 'number') return scope.ifname(scope.ifindex(v, option)) ?? String(v);
  return checkIfname(v, option);
}

function familyOfSpec(s: { family?: unknown; from?: unknown; to?: unknown }): InetFamily {
  const given = parseFamily(s.family);
  let fam = given;
  for (const k of ['from', 'to'] as const) {
    const v = s[k];
    if (v === undefined || v === 'all' || v === 'default' || v === 'any') continue;
    const p = parsePrefix(v as string, k, fam);
    fam = p.family;
  }
  return fam ?? AF_INET;
}

function realmsValue(v: unknown): number {
  if (typeof v === 'number') return uint(v, 'realms', U32);
  if (typeof v !== 'string') throw new NetlinkArgumentError('realms', `must be 'FROM/TO', 'TO' or a number, got ${typeof v}`, 'ERR_INVALID_ARG_TYPE');
  const parts = v.split('/');
  if (parts.length > 2) throw new NetlinkArgumentError('realms', `must be 'FROM/TO' or 'TO', got ${quote(v)}`);
  const [from, to] = parts.length === 2 ? parts : ['0', parts[0]];
  return (routeRealms().value(from, 'realms') << 16) | routeRealms().value(to, 'realms');
}

/**
 * The request for a rule spec. `add` fills in what `ip rule add` does (action lookup, table
 * main); delete sends only what was given, as the kernel matches every field it gets.
 */
export function ruleRequest(scope: Scope, spec: unknown, forAdd: boolean): NewruleDoRequest {
  const s = checkSpec(spec, 'rule', SPEC_KEYS) as RuleSpec;
  const family = familyOfSpec(s);
  const req: NewruleDoRequest = { family, flags: 0 };
  for (const [k, attr, lenKey] of [['from', 'src', 'srcLen'], ['to', 'dst', 'dstLen']] as const) {
    const v = s[k];
    if (v === undefined) continue;
    const p = parsePrefix(v, k, family);
    if (p.len === 0) continue;
    req[attr] = p.address;
    req[lenKey] = p.len;
  }
  if (s.priority !== undefined) req.priority = uint(s.priority, 'priority', U32);
  if (s.iif !== undefined) req.iifname = iface(scope, s.iif, 'iif');
  if (s.oif !== undefined) req.oifname = iface(scope, s.oif, 'oif');
  if (s.fwmark !== undefined) {
    const m = valueMask(s.fwmark, 'fwmark', U32);
    req.fwmark = m.value;
    if (m.mask !== undefined) req.fwmask = m.mask;
  }
  if (s.fwmask !== undefined) {
    if (req.fwmask !== undefined) throw new NetlinkArgumentError('fwmask', "is given twice (also in fwmark 'MARK/MASK')");
    if (s.fwmark === undefined) throw new NetlinkArgumentError('fwmask', 'needs fwmark');
    req.fwmask = uint(s.fwmask, 'fwmask', U32);
  }
  if (s.tos !== undefined && s.dsfield !== undefined) throw new NetlinkArgumentError('dsfield', 'is the same as tos: give one');
  const tos = s.tos ?? s.dsfield;
  if (tos !== undefined) req.tos = uint(tos, s.tos !== undefined ? 'tos' : 'dsfield', 255);
  if (s.dscp !== undefined) req.dscp = uint(s.dscp, 'dscp', 63);
  if (s.ipproto !== undefined) req.ipProto = ipProtoValue(s.ipproto);
  if (s.sport !== undefined) req.sportRange = range(s.sport, 'sport', 0xffff);
  if (s.dport !== undefined) req.dportRange = range(s.dport, 'dport', 0xffff);
  if (s.uidrange !== undefined) req.uidRange = range(s.uidrange, 'uidrange', U32);
  if (checkBool(s.l3mdev, 'l3mdev')) req.l3mdev = 1;
  if (s.suppressPrefixlen !== undefined) req.suppressPrefixlen = uint(s.suppressPrefixlen, 'suppressPrefixlen', family === AF_INET6 ? 128 : 32);
  if (s.suppressIfgroup !== undefined) {
    if (typeof s.suppressIfgroup !== 'string' && typeof s.suppressIfgroup !== 'number')
      throw new NetlinkArgumentError('suppressIfgroup', `must be a group name or number, got ${typeof s.suppressIfgroup}`, 'ERR_INVALID_ARG_TYPE');
    req.suppressIfgroup = linkGroups().value(s.suppressIfgroup, 'suppressIfgroup');
  }
  if (s.protocol !== undefined) req.protocol = routeProtocols().value(s.protocol, 'protocol');
  if (checkBool(s.not, 'not')) req.flags = FLAG.invert;
  if (s.realms !== undefined) req.flow = realmsValue(s.realms);
  if (s.tunId !== undefined) {
    if (typeof s.tunId !== 'bigint' && typeof s.tunId !== 'number') throw new NetlinkArgumentError('tunId', `must be a bigint or number, got ${typeof s.tunId}`, 'ERR_INVALID_ARG_TYPE');
    // BigInt() of a fraction, NaN or Infinity would throw a bare RangeError
    if (typeof s.tunId === 'number' && !Number.isInteger(s.tunId)) throw new NetlinkArgumentError('tunId', `must be an integer 0..2^64-1, got ${s.tunId}`, 'ERR_OUT_OF_RANGE');
    const id = BigInt(s.tunId);
    if (id < 0n || id > 0xffffffffffffffffn) throw new NetlinkArgumentError('tunId', `must be 0..2^64-1, got ${id}`, 'ERR_OUT_OF_RANGE');
    req.tunId = id;
  }
  if (s.flowlabel !== undefined) {
    if (family !== AF_INET6) throw new NetlinkArgumentError('flowlabel', "is for IPv6 rules (family 'inet6')");
    const m = valueMask(s.flowlabel, 'flowlabel', 0xfffff);
    req.flowlabel = m.value;
    req.flowlabelMask = m.mask ?? 0xfffff;
  }

  let action = s.action === undefined ? undefined : word(s.action, 'action', Object.keys(ACTIONS) as RuleAction[]);
  if (s.goto !== undefined) {
    if (action !== undefined && action !== 'goto') throw new NetlinkArgumentError('goto', `goes with action 'goto', not '${action}'`);
    action = 'goto';
    req.goto = uint(s.goto, 'goto', U32);
  } else if (action === 'goto') throw new NetlinkArgumentError('goto', "is needed for action 'goto': the priority of the rule to go to");
  if (forAdd && action === undefined) action = 'lookup';
  if (action !== undefined) req.action = ACTIONS[action];
  if (s.table !== undefined) {
    if (action !== undefined && action !== 'lookup') throw new NetlinkArgumentError('table', `goes with action 'lookup', not '${action}'`);
    const id = tableId(s.table);
    req.table = id;
    req.hdrTable = id < 256 ? id : TABLE_COMPAT;
  } else if (forAdd && action === 'lookup' && !req.l3mdev) {
    // `ip rule add` looks up main unless told otherwise (l3mdev rules name no table)
    req.hdrTable = req.table = routeTables().value('main');
  }
  return req;
}

const decodeFlags = (flags: number): string[] => FLAGS.filter(([, value]) => (flags & value) !== 0).map(([name]) => name);

function ports(r: Rule, key: 'sport' | 'dport', v: { start: number; end: number } | Buffer | undefined): void {
  if (!v || Buffer.isBuffer(v)) return;
  if (v.start === v.end) r[key] = v.start;
  else {
    r[`${key}Start`] = v.start;
    r[`${key}End`] = v.end;
  }
}

/** A dumped rule as `ip -j rule` shows it. */
export function ruleObject(m: GetruleDumpReply): Rule {
  const hostLen = m.family === AF_INET6 ? 128 : 32;
  const action = ACTION_OF.get(String(m.action)) ?? (String(m.action) as RuleAction);
  // keys in `ip -j rule`'s order; what it leaves out (action lookup, protocol unspec) last
  const r = { family: familyName(m.family), priority: m.priority ?? 0 } as Rule;
  if (m.flags & FLAG.invert) r.not = true;
  r.src = 'all';
  // as ip prints a selector: the address, its length unless a host's ('0' for a bare length)
  for (const [addr, len, key, lenKey] of [[m.src, m.srcLen, 'src', 'srclen'], [m.dst, m.dstLen, 'dst', 'dstlen']] as const) {
    if (addr === undefined && !len) continue;
    r[key] = addr === undefined ? '0' : String(addr);
    if (addr === undefined || len !== hostLen) r[lenKey] = len;
  }
  if (m.tos) r.tos = hex(m.tos);
  if (m.dscp !== undefined) r.dscp = m.dscp;
  if (m.fwmark !== undefined || m.fwmask !== undefined) {
    r.fwmark = hex(m.fwmark ?? 0);
    if ((m.fwmask ?? U32) !== U32) r.fwmask = hex(m.fwmask!);
  }
  if (m.iifname !== undefined) {
    r.iif = m.iifname;
    if (m.flags & FLAG['iif-detached']) r.iifDetached = true;
  }
  if (m.oifname !== undefined) {
    r.oif = m.oifname;
    if (m.flags & FLAG['oif-detached']) r.oifDetached = true;
  }
  if (m.l3mdev) r.l3mdev = true;
  if (m.uidRange && !Buffer.isBuffer(m.uidRange)) {
    r.uidStart = m.uidRange.start;
    r.uidEnd = m.uidRange.end;
  }
  if (m.ipProto !== undefined) r.ipproto = ipProtoName(m.ipProto);
  ports(r, 'sport', m.sportRange);
  ports(r, 'dport', m.dportRange);
  if (m.tunId !== undefined) r.tunId = m.tunId;
  const table = m.table ?? m.hdrTable;
  if (table && !m.l3mdev) {
    r.table = routeTables().name(table);
    r.tableId = table;
    if (m.suppressPrefixlen !== undefined && m.suppressPrefixlen !== U32) r.suppressPrefixlen = m.suppressPrefixlen;
    if (m.suppressIfgroup !== undefined && m.suppressIfgroup !== U32) r.suppressIfgroup = linkGroups().name(m.suppressIfgroup);
  }
  if (m.flow) {
    if (m.flow >>> 16) r.flowFrom = routeRealms().name(m.flow >>> 16);
    if (m.flow & 0xffff) r.flowTo = routeRealms().name(m.flow & 0xffff);
  }
  if (m.flowlabel !== undefined && (m.flowlabel || m.flowlabelMask)) {
    r.flowlabel = hex(m.flowlabel);
    if (m.flowlabelMask !== undefined) r.flowlabelMask = hex(m.flowlabelMask);
  }
  if (m.goto !== undefined && action === 'goto') r.goto = m.goto;
  r.action = action;
  r.protocol = routeProtocols().name(m.protocol ?? 0);
  r.flags = decodeFlags(m.flags);
  return r;
}

function filterOf(f: unknown): { family: number; match: (r: Rule, m: GetruleDumpReply) => boolean } {
  const filter = f === undefined ? {} : checkSpec(f, 'filter', FILTER_KEYS) as RuleFilter;
  const family = filter.family === 'all' ? AF_UNSPEC : parseFamily(filter.family) ?? AF_INET;
  const tests: ((r: Rule, m: GetruleDumpReply) => boolean)[] = [];
  if (filter.priority !== undefined) {
    const p = uint(filter.priority, 'priority', U32);
    tests.push((r) => r.priority === p);
  }
  if (filter.table !== undefined) {
    const t = tableId(filter.table);
    tests.push((r) => r.tableId === t);
  }
  if (filter.iif !== undefined) tests.push((r) => r.iif === filter.iif);
  if (filter.oif !== undefined) tests.push((r) => r.oif === filter.oif);
  if (filter.protocol !== undefined) {
    const p = routeProtocols().value(filter.protocol, 'protocol');
    tests.push((_r, m) => (m.protocol ?? 0) === p);
  }
  if (filter.action !== undefined) {
    const a = word(filter.action, 'action', Object.keys(ACTIONS) as RuleAction[]);
    tests.push((r) => r.action === a);
  }
  for (const [k, addr, len] of [['from', 'src', 'srcLen'], ['to', 'dst', 'dstLen']] as const) {
    const v = filter[k];
    if (v === undefined) continue;
    const p = parsePrefix(v, k, family === AF_UNSPEC ? undefined : (family as InetFamily));
    tests.push((_r, m) => (p.len === 0 ? m[len] === 0 : m[len] === p.len && m[addr] === p.address));
  }
  return { family, match: (r, m) => tests.every((t) => t(r, m)) };
}

/** A dumped rule and its message (flush deletes each as dumped: the kernel then matches exactly it). */
interface Dumped {
  rule: Rule;
  msg: GetruleDumpReply;
}

function listStep(filter: unknown): Step<Dumped[]> {
  const { family, match } = filterOf(filter);
  return opCall(rtRule, 'getrule', 'dump', { family }, {
    result: (replies) => {
      const out: Dumped[] = [];
      for (const msg of replies) {
        // AF_UNSPEC dumps the multicast routing rules (RTNL_FAMILY_IPMR...) too: 'all' is inet and inet6
        if (msg.family !== AF_INET && msg.family !== AF_INET6) continue;
        const rule = ruleObject(msg);
        if (match(rule, msg)) out.push({ rule, msg });
      }
      return out;
    },
  });
}

const addItem = (scope: Scope, spec: RuleSpec) => opItem(rtRule, 'newrule', ruleRequest(scope, spec, true), { flags: NLM_F_CREATE | NLM_F_EXCL });
/**
 * A delete whose request matches nothing is refused, as `ip rule del` refuses one without
 * arguments: the kernel would delete the first rule of the family, priority 0's lookup of
 * the local table. Judged by the request, not the spec: `{ not: false }` selects nothing.
 */
function selecting(req: NewruleDoRequest): NewruleDoRequest {
  for (const [k, v] of Object.entries(req)) if (k !== 'family' && v !== undefined && !(k === 'flags' && v === 0)) return req;
  throw new NetlinkArgumentError('spec', 'must name the rule to delete (a priority or selectors); an empty one would delete the first rule (priority 0, table local)', 'ERR_INVALID_ARG_VALUE');
}

const deleteItem = (scope: Scope, spec: RuleSpec | number) => opItem(rtRule, 'delrule', selecting(ruleRequest(scope, typeof spec === 'number' ? { priority: spec } : spec, false)));

const OPS = {
  /** Rules of a family ('inet' by default, as `ip rule`; 'all' for both), filtered. */
  list: (_scope: Scope, filter?: RuleFilter): Step<Rule[]> => ({ first: listStep(filter), then: (found: Dumped[]) => ({ value: found.map((d) => d.rule) }) }),
  /** Adds a rule (or, given an array, many in one transaction: a BulkResult). */
  add: (scope: Scope, spec: RuleSpec | readonly RuleSpec[]) => oneOrMany(scope, spec, addItem),
  /**
   * Deletes the first rule matching every field given (a priority alone is enough), or many
   * in one transaction given an array.
   */
  delete: (scope: Scope, spec: RuleSpec | number | readonly (RuleSpec | number)[]) => oneOrMany(scope, spec, deleteItem),
  /**
   * `ip rule flush`: deletes the rules of the family that match the filter, except those of
   * priority 0 (the `local` lookup). Like `ip`, that includes the main and default rules
   * (32766, 32767) unless the filter spares them.
   */
  flush: (_scope: Scope, filter?: RuleFilter): Step<BulkResult> => deleteAll(
    { first: listStep(filter), then: (found: Dumped[]) => ({ value: found.filter((d) => d.rule.priority !== 0) }) },
    (d) => d.msg,
    (_sc, msg) => opItem(rtRule, 'delrule', { ...msg, $unknown: undefined }),
  ),
};

const decodeRule = opDecoder(rtRule, 'getrule', 'dump');
const bigintText = (_k: string, v: unknown) => (typeof v === 'bigint' ? String(v) : v);

/**
 * For the monitor and caches: a rule notification (RTM_NEWRULE/DELRULE, groups
 * RTNLGRP_IPV4_RULE and RTNLGRP_IPV6_RULE) as a Rule, the dump that resyncs them, and a
 * rule's identity (every selector and the action: the kernel tells rules apart by all of them).
 */
export const ruleEvents = {
  decode: (m: RawMessage): Rule => ruleObject(decodeRule(m)),
  dump: (scope: Scope, family = AF_UNSPEC): Step<Rule[]> => OPS.list(scope, { family: family === AF_UNSPEC ? 'all' : (family as 4) }),
  key: (r: Rule): string => {
    const { flags: _f, iifDetached: _i, oifDetached: _o, ...identity } = r;
    return JSON.stringify(identity, bigintText);
  },
};

/** Rules of a namespace: one spec or (bulk) an array. */
export type Rules = Omit<BoundOps<typeof OPS>, 'add' | 'addSync' | 'delete' | 'deleteSync'> & {
  add: OneOrMany<RuleSpec>;
  addSync: OneOrManySync<RuleSpec>;
  delete: OneOrMany<RuleSpec | number>;
  deleteSync: OneOrManySync<RuleSpec | number>;
};

export function makeRules(ctx: RouteContext): Rules {
  return namingOptions(bindOps(ctx, OPS), RULE_FIELDS) as unknown as Rules;
}
