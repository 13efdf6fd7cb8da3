// Lightweight-tunnel encapsulation of a route (`ip route add ... encap mpls|ip|ip6|seg6`):
// the user's object <-> rt-route's RTA_ENCAP_TYPE / RTA_ENCAP sub-message (described as data
// in overlays/rt-route.yaml). One table per encapsulation type.
import { isIP } from 'node:net';
import { checkUint } from './arg-check.js';
import { NetlinkArgumentError } from '../core/errors.js';
import type {
  LwtunnelIp6AttrsSet, LwtunnelIpAttrsSet, MplsIptunnelAttrsSet, RouteAttrsSet, Seg6IptunModeEnum, Seg6IptunnelAttrsSet,
} from '../ynl/families/rt-route.js';
import { quote } from '../core/options.js';

export type Seg6Mode = Seg6IptunModeEnum;

/** A route's encapsulation, as given to add() and as list() returns it. */
export type RouteEncap =
  /** MPLS labels pushed (outermost first), optional TTL. */
  | { type: 'mpls'; labels: number[]; ttl?: number }
  /** IPv4 tunnel metadata for a collect-metadata tunnel device. */
  | { type: 'ip'; id?: bigint | number; dst?: string; src?: string; ttl?: number; tos?: number; flags?: number }
  | { type: 'ip6'; id?: bigint | number; dst?: string; src?: string; hoplimit?: number; tc?: number; flags?: number }
  /** SRv6: segments in the order packets visit them. */
  | { type: 'seg6'; mode: Seg6Mode; segs: string[] }
  /** Anything else the kernel reports (bpf, seg6local, ...): its type name and raw attributes. */
  | { type: 'other'; name: string; data?: unknown };

/** The encap-type / encap pair of a request or a nexthop record. */
type EncapAttrs = Pick<RouteAttrsSet, 'encapType' | 'encap'>;

const MPLS_LABEL_MAX = 0xfffff;
const SEG6_MODES: readonly string[] = ['inline', 'encap', 'l2encap', 'encap-red', 'l2encap-red'];


function addr(v: unknown, family: 4 | 6, option: string): string {
  if (typeof v !== 'string' || isIP(v) !== family) throw new NetlinkArgumentError(option, `must be an IPv${family} address, got ${quote(v)}`);
  return v;
}

function tunnelId(v: unknown, option: string): bigint {
  if (typeof v === 'bigint' && v >= 0n && v < 1n << 64n) return v;
  if (Number.isSafeInteger(v) && (v as number) >= 0) return BigInt(v as number);
  throw new NetlinkArgumentError(option, `must be a tunnel id 0..2^64-1 (a number or bigint), got ${String(v)}`, 'ERR_OUT_OF_RANGE');
}

/** Sets `key` on `out` when the caller gave it, checked by `check`. */
function opt<T extends object, K extends keyof T>(out: T, key: K, v: unknown, check: (v: unknown) => T[K]): void {
  if (v !== undefined) out[key] = check(v);
}

/** IPv4 and IPv6 tunnel metadata: the same attributes, the address family and two names aside. */
function tunnel(e: Record<string, unknown>, o: string, family: 4 | 6, ttl: 'ttl' | 'hoplimit', tos: 'tos' | 'tc'): LwtunnelIpAttrsSet & LwtunnelIp6AttrsSet {
  const encap: Record<string, unknown> = {};
  opt(encap, 'id', e.id, (v) => tunnelId(v, `${o}.id`));
  for (const k of ['dst', 'src']) opt(encap, k, e[k], (v) => addr(v, family, `${o}.${k}`));
  for (const k of [ttl, tos]) opt(encap, k, e[k], (v) => checkUint(v, `${o}.${k}`, 255));
  opt(encap, 'flags', e.flags, (v) => checkUint(v, `${o}.flags`, 0xffff));
  return encap;
}

const ENCODERS: Record<string, (e: Record<string, unknown>, o: string) => EncapAttrs> = {
  mpls: (e, o) => {
    const labels = e.labels;
    if (!Array.isArray(labels) || labels.length === 0) throw new NetlinkArgumentError(`${o}.labels`, 'must be a non-empty array of MPLS labels');
    // label stack entries: label << 12, bottom-of-stack on the last one
    const dst = labels.map((l, i) => checkUint(l, `${o}.labels[${i}]`, MPLS_LABEL_MAX) * 4096 + (i === labels.length - 1 ? 0x100 : 0));
    const encap: MplsIptunnelAttrsSet = { dst };
    opt(encap, 'ttl', e.ttl, (v) => checkUint(v, `${o}.ttl`, 255));
    return { encapType: 'mpls', encap };
  },
  ip: (e, o) => ({ encapType: 'ip', encap: tunnel(e, o, 4, 'ttl', 'tos') }),
  ip6: (e, o) => ({ encapType: 'ip6', encap: tunnel(e, o, 6, 'hoplimit', 'tc') }),
  seg6: (e, o) => {
    const mode = e.mode ?? 'encap';
    if (typeof mode !== 'string' || !SEG6_MODES.includes(mode)) throw new NetlinkArgumentError(`${o}.mode`, `must be one of ${SEG6_MODES.join(', ')}, got ${quote(mode)}`);
    const segs = e.segs;
    if (!Array.isArray(segs) || segs.length === 0 || segs.length > 127) throw new NetlinkArgumentError(`${o}.segs`, 'must be an array of 1..127 IPv6 addresses');
    const n = segs.length;
    // the routing header lists segments last first (RFC 8754); hdrlen counts 8-byte units after the first 8
    const segments = segs.map((s, i) => ({ addr: addr(s, 6, `${o}.segs[${i}]`) })).reverse();
    const encap: Seg6IptunnelAttrsSet = {
      srh: { mode: mode as Seg6Mode, nexthdr: 0, hdrlen: n * 2, type: 4, segmentsLeft: n - 1, firstSegment: n - 1, flags: 0, tag: 0, segments },
    };
    return { encapType: 'seg6', encap };
  },
};

/** The request's encap-type and encap for a user's `encap` option. */
export function encodeEncap(e: unknown, option = 'encap'): EncapAttrs {
  if (e === null || typeof e !== 'object' || Array.isArray(e)) throw new NetlinkArgumentError(option, 'must be an object such as { type: \'mpls\', labels: [100] }', 'ERR_INVALID_ARG_TYPE');
  const type = (e as { type?: unknown }).type;
  const enc = typeof type === 'string' ? ENCODERS[type] : undefined;
  if (!enc) throw new NetlinkArgumentError(`${option}.type`, `must be one of ${Object.keys(ENCODERS).join(', ')}, got ${quote(type)}`);
  return enc(e as Record<string, unknown>, option);
}

/** A decoded encap-type / encap pair as a RouteEncap. */
export function decodeEncap(r: EncapAttrs & { $raw?: { encap?: Buffer } }): RouteEncap {
  const e = r.encap as Record<string, unknown> | undefined;
  switch (r.encapType) {
    case 'mpls': {
      const m = (e ?? {}) as MplsIptunnelAttrsSet;
      const out: RouteEncap = { type: 'mpls', labels: (m.dst ?? []).map((x) => x >>> 12) };
      if (m.ttl !== undefined) out.ttl = m.ttl;
      return out;
    }
    case 'ip':
    case 'ip6': {
      const out = { type: r.encapType } as Record<string, unknown>;
      for (const [k, v] of Object.entries(e ?? {})) if (k !== '$unknown' && k !== 'opts') out[k] = v;
      return out as RouteEncap;
    }
    case 'seg6': {
      const srh = (e as Seg6IptunnelAttrsSet | undefined)?.srh;
      if (srh && !Buffer.isBuffer(srh)) {
        // segments[first_segment] is the first hop; anything past it would be TLVs
        const segs = srh.segments.slice(0, srh.firstSegment + 1).map((s) => s.addr).reverse();
        return { type: 'seg6', mode: typeof srh.mode === 'string' ? srh.mode : (String(srh.mode) as Seg6Mode), segs };
      }
      return { type: 'other', name: 'seg6', data: srh };
    }
    default:
      return { type: 'other', name: String(r.encapType), data: e ?? r.$raw?.encap };
  }
}
