// A link's IPv4 settings, the per-link sysctls net.ipv4.conf.DEV.* (forwarding, rp_filter,
// proxy_arp...), set and read over rtnetlink: in any namespace, with no process entering it
// and no /proc of its own (a sandbox namespace that routes for a VM needs forwarding on).
// The names are the overlay's ipv4-devconf-attrs (<linux/ip.h> IPV4_DEVCONF_*), camelCase.
import { camelCase } from '../core/attrset.js';
import { NetlinkArgumentError } from '../core/errors.js';
import { description as rtLink, type GetlinkDoReply, type Ipv4DevconfAttrsSet } from '../ynl/families/rt-link.js';
import { opCall } from '../ynl/op-call.js';
import { bindOps, type RouteContext, type Scope, type Step } from './context.js';
import { quote } from '../core/options.js';

/**
 * The IPv4 settings of a link, as /proc/sys/net/ipv4/conf/DEV/* shows them: a number each, an
 * int as the kernel keeps them (medium_id may be -1), though they travel as u32s. A kernel
 * older than <linux/ip.h>'s list reports fewer (the newest absent).
 */
export type Ipv4Conf = Omit<Ipv4DevconfAttrsSet, '$unknown'>;

/** What set() changes: the link, and only the settings given (true/false for 1/0). */
export type Ipv4ConfChange = { dev: string | number } & { [K in keyof Ipv4Conf]?: number | boolean };

/** The settings in IPV4_DEVCONF_* order: a reply's IFLA_INET_CONF array is indexed by id - 1. */
const SETTINGS = rtLink.attributeSets.find((s) => s.name === 'ipv4-devconf-attrs')!.attributes
  .map((a) => ({ key: camelCase(a.name) as keyof Ipv4Conf, id: a.value }));
const KEYS = new Set<string>(SETTINGS.map((s) => s.key));

function conf(reply: GetlinkDoReply | undefined, dev: string | number): Ipv4Conf {
  const values = reply?.afSpec?.inet?.conf;
  if (!values) throw new NetlinkArgumentError('dev', `${quote(dev)} has no IPv4 settings (IPv4 is disabled on it)`);
  const out: Ipv4Conf = {};
  for (const { key, id } of SETTINGS) if (values[id - 1] !== undefined) out[key] = values[id - 1]! | 0;
  return out;
}

function int32(v: unknown, option: string): number {
  if (typeof v === 'number' && Number.isInteger(v) && v >= -0x80000000 && v <= 0x7fffffff) return v;
  throw new NetlinkArgumentError(option, `must be true, false or an integer (a C int), got ${String(v)}`, typeof v === 'number' ? 'ERR_OUT_OF_RANGE' : 'ERR_INVALID_ARG_TYPE');
}

function setRequest(scope: Scope, change: Ipv4ConfChange) {
  if (change === null || typeof change !== 'object' || Array.isArray(change))
    throw new NetlinkArgumentError('change', 'must be an object: { dev, forwarding: true, ... }', 'ERR_INVALID_ARG_TYPE');
  const settings: Ipv4DevconfAttrsSet = {};
  for (const [k, v] of Object.entries(change)) {
    if (k === 'dev') continue;
    if (!KEYS.has(k)) throw new NetlinkArgumentError(k, `is not an IPv4 link setting (there are: ${[...KEYS].join(', ')})`);
    if (v === undefined) continue;
    settings[k as keyof Ipv4Conf] = typeof v === 'boolean' ? Number(v) : int32(v, k) >>> 0;
  }
  if (Object.keys(settings).length === 0) throw new NetlinkArgumentError('change', 'changes nothing: give forwarding, rpFilter... besides dev');
  const ifiIndex = scope.ifindex(change.dev, 'dev');
  return opCall(rtLink, 'setlink-devconf', 'do', { ifiFamily: 0, ifiIndex, afSpec: { inet: { conf: settings } } });
}

const builders = {
  /** All IPv4 settings of a link (`sysctl net.ipv4.conf.DEV`). */
  get: (scope: Scope, dev: string | number): Step<Ipv4Conf> =>
    opCall(rtLink, 'getlink', 'do', { ifiFamily: 0, ifiIndex: scope.ifindex(dev, 'dev'), extMask: ['skip-stats'] }, { result: (r) => conf(r[0], dev) }),
  /** Changes the settings given (`sysctl -w net.ipv4.conf.DEV.forwarding=1`), in one request. */
  set: (scope: Scope, change: Ipv4ConfChange): Step<void> => ({ ...setRequest(scope, change), result: () => undefined }),
};

/** `rt.ipv4conf.set({ dev: 'br0', forwarding: true })`, `rt.ipv4conf.get('br0')`, each with a Sync twin. */
export function makeIpv4Conf(ctx: RouteContext) {
  return bindOps(ctx, builders);
}

export type Ipv4ConfOps = ReturnType<typeof makeIpv4Conf>;
