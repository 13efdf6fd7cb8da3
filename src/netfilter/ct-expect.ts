// The expectation table (`conntrack -L expect`): connections a helper (ftp, sip, tftp...)
// expects, each with its master connection, the tuple it expects, the mask of that tuple
// the kernel compares, and its time left; listed, created, deleted and flushed through the
// ctnetlink_exp subsystem (the generated conntrack family's exp-* operations).
import { NLM_F_CREATE, NLM_F_EXCL } from '../core/constants.js';
import { NetlinkArgumentError } from '../core/errors.js';
import { AF_INET6 } from '../core/rtnetlink.js';
import { checkSpec } from '../route/arg-check.js';
import type { Scope, Step } from '../route/context.js';
import { parseFamily } from '../route/inet.js';
import { uint } from '../route/spec-values.js';
import { opCall } from '../ynl/op-call.js';
import { description as conntrack, type ExpGetDumpReply, type ExpNewDoRequest, type NfCtExpectFlagsEnum } from '../ynl/families/conntrack.js';
import { checkTuple, familyWord, protocolName, protocolValue, tupleAttrs, tupleObject, type CtFamily, type CtTuple } from './ct-entry.js';
import { quote } from '../core/options.js';

export interface CtExpectation {
  family: CtFamily;
  /** The expected connection's protocol ('tcp', 'udp'...). */
  protocol: string;
  protonum: number;
  /** Seconds left. */
  timeout?: number;
  /** The connection expected... */
  tuple: CtTuple;
  /** ...compared under this mask (the kernel keeps the source address and port of it). */
  mask: CtTuple;
  /** The connection that made the expectation (original direction). */
  master: CtTuple;
  masterProtocol: string;
  id?: number;
  /** The helper that expects it ('ftp'...). */
  helper?: string;
  zone?: number;
  /** 'permanent', 'inactive', 'userspace'. */
  flags: string[];
  class?: number;
  fn?: string;
}

/** An expectation to create: the master connection must exist and have a helper. */
export interface CtExpectSpec {
  family?: CtFamily;
  /** The expected connection's protocol. */
  protocol: string | number;
  tuple: CtTuple;
  /** Default: every field of `tuple` compared. */
  mask?: CtTuple;
  /** The master's protocol (default: the expected one) and original tuple. */
  masterProtocol?: string | number;
  master: CtTuple;
  /** Seconds. */
  timeout: number;
  helper?: string;
  zone?: number;
  flags?: ('permanent' | 'inactive' | 'userspace')[];
}

/** Which expectation: its tuple (and id, from a listed one), or a listed expectation. */
export interface CtExpectKey {
  family?: CtFamily;
  protocol: string | number;
  tuple: CtTuple;
  id?: number;
  zone?: number;
}

const FLAGS: readonly NfCtExpectFlagsEnum[] = ['permanent', 'inactive', 'userspace'];
const SPEC_KEYS = ['family', 'protocol', 'tuple', 'mask', 'masterProtocol', 'master', 'timeout', 'helper', 'zone', 'flags'] as const;
// a listed expectation is a key: its other fields are read-only and ignored
const KEY_KEYS = ['family', 'protocol', 'protonum', 'tuple', 'mask', 'master', 'masterProtocol', 'id', 'zone', 'timeout', 'helper', 'flags', 'class', 'fn'] as const;

export function expectationObject(m: ExpGetDumpReply): CtExpectation {
  const v6 = m.nfgenFamily === AF_INET6;
  const protonum = m.tuple?.tupleProto?.protoNum ?? 0;
  const e: CtExpectation = {
    family: familyWord(m.nfgenFamily), protocol: protocolName(protonum), protonum,
    tuple: tupleObject(m.tuple, v6), mask: tupleObject(m.mask, v6), master: tupleObject(m.master, v6),
    masterProtocol: protocolName(m.master?.tupleProto?.protoNum ?? protonum),
    flags: (m.flags ?? []).map((f) => (typeof f === 'string' ? f : `0x${Number(f).toString(16)}`)),
  };
  if (m.timeout !== undefined) e.timeout = m.timeout;
  if (m.id !== undefined) e.id = m.id;
  if (m.helpName !== undefined) e.helper = m.helpName;
  if (m.zone !== undefined) e.zone = m.zone;
  if (m.class !== undefined) e.class = m.class;
  if (m.fn !== undefined) e.fn = m.fn;
  return e;
}

/** A tuple's mask of every field it gives: addresses all ones, ports 0xffff. */
function fullMask(t: CtTuple, family: number): CtTuple {
  const m: CtTuple = { src: family === AF_INET6 ? 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff' : '255.255.255.255', dst: family === AF_INET6 ? 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff' : '255.255.255.255' };
  if (t.sport !== undefined) m.sport = 0xffff;
  if (t.dport !== undefined) m.dport = 0xffff;
  return m;
}

function createRequest(spec: unknown): ExpNewDoRequest {
  const s = checkSpec(spec, 'expectation', SPEC_KEYS) as CtExpectSpec;
  const proto = protocolValue(s.protocol);
  const masterProto = s.masterProtocol === undefined ? proto : protocolValue(s.masterProtocol, 'masterProtocol');
  const want = parseFamily(s.family);
  const { family, tuple } = checkTuple(s.tuple, 'tuple', proto, want);
  const master = checkTuple(s.master, 'master', masterProto, family).tuple;
  const mask = s.mask === undefined ? fullMask(tuple, family) : checkTuple(s.mask, 'mask', proto, family).tuple;
  if (s.timeout === undefined) throw new NetlinkArgumentError('timeout', 'is needed (seconds)');
  const req: ExpNewDoRequest = {
    nfgenFamily: family, master: tupleAttrs(master, family, masterProto), tuple: tupleAttrs(tuple, family, proto), mask: tupleAttrs(mask, family, proto),
    timeout: uint(s.timeout, 'timeout', 0xffffffff),
  };
  if (s.helper !== undefined) {
    if (typeof s.helper !== 'string' || !s.helper || s.helper.length > 15) throw new NetlinkArgumentError('helper', `must be a helper name ('ftp'...), got ${quote(s.helper)}`);
    req.helpName = s.helper;
  }
  if (s.zone !== undefined) req.zone = uint(s.zone, 'zone', 0xffff);
  if (s.flags !== undefined) {
    if (!Array.isArray(s.flags) || s.flags.some((f) => !FLAGS.includes(f))) throw new NetlinkArgumentError('flags', `must be a list of ${FLAGS.join(', ')}, got ${quote(s.flags)}`);
    req.flags = [...s.flags];
  }
  return req;
}

function keyRequest(key: unknown) {
  if (key === null || typeof key !== 'object') throw new NetlinkArgumentError('key', `must be an object (a CtExpectKey or a listed expectation), got ${key === null ? 'null' : typeof key}`, 'ERR_INVALID_ARG_TYPE');
  const k = checkSpec(key, 'key', KEY_KEYS) as CtExpectKey;
  const proto = protocolValue(k.protocol);
  const { family, tuple } = checkTuple(k.tuple, 'tuple', proto, parseFamily(k.family));
  const req: { nfgenFamily: number; tuple: ReturnType<typeof tupleAttrs>; id?: number; zone?: number } = { nfgenFamily: family, tuple: tupleAttrs(tuple, family, proto) };
  if (k.id !== undefined) req.id = uint(k.id, 'id', 0xffffffff);
  if (k.zone !== undefined) req.zone = uint(k.zone, 'zone', 0xffff);
  return req;
}

/** The expectation operations, for bindOps. */
export const EXPECT_OPS = {
  /** Every expectation (`conntrack -L expect`), or one family's. */
  list: (_s: Scope, f?: { family?: CtFamily }): Step<CtExpectation[]> => {
    const o = f === undefined ? {} : (checkSpec(f, 'filter', ['family'] as const) as { family?: CtFamily });
    const fam = parseFamily(o.family) ?? 0;
    return opCall(conntrack, 'exp-get', 'dump', { nfgenFamily: fam }, {
      // the kernel dumps every family when asked for one: filtered here
      result: (r) => (fam === 0 ? r : r.filter((m) => m.nfgenFamily === fam)).map(expectationObject),
    });
  },
  /** One expectation by its tuple; ENOENT if there is none. */
  get: (_s: Scope, key: CtExpectKey): Step<CtExpectation> => opCall(conntrack, 'exp-get', 'do', keyRequest(key), { result: (r) => expectationObject(r[0]) }),
  /** Creates an expectation (`conntrack -I expect`): EEXIST if there is one for the tuple. */
  create: (_s: Scope, spec: CtExpectSpec): Step<void> => opCall(conntrack, 'exp-new', 'do', createRequest(spec), { flags: NLM_F_CREATE | NLM_F_EXCL, result: () => undefined }),
  /** Deletes one expectation (`conntrack -D expect`), by its tuple (and id when a listed one is given). */
  delete: (_s: Scope, key: CtExpectKey): Step<void> => opCall(conntrack, 'exp-delete', 'do', keyRequest(key), { result: () => undefined }),
  /** Empties the table (`conntrack -F expect`), or deletes one helper's expectations. */
  flush: (_s: Scope, o?: { helper?: string }): Step<void> => {
    const h = o === undefined ? {} : (checkSpec(o, 'flush', ['helper'] as const) as { helper?: string });
    if (h.helper !== undefined && (typeof h.helper !== 'string' || !h.helper)) throw new NetlinkArgumentError('helper', `must be a helper name, got ${quote(h.helper)}`);
    return opCall(conntrack, 'exp-delete', 'do', h.helper === undefined ? { nfgenFamily: 0 } : { nfgenFamily: 0, helpName: h.helper }, { result: () => undefined });
  },
};
