// Bridge VLANs (`bridge vlan add/del/show`): the VLANs of bridge ports and of the bridge
// itself, as AF_BRIDGE link messages whose IFLA_AF_SPEC holds IFLA_BRIDGE_VLAN_INFO entries
// (the overlay's link-bridge-attrs). They take effect on a bridge with vlanFiltering on.
import { NetlinkArgumentError } from '../core/errors.js';
import { AF_BRIDGE } from '../core/rtnetlink.js';
import {
  description as rtLink, type BridgeAfSpecAttrsSet, type BridgeVlanInfoFlagsEnum, type BridgeVlanInfoStruct,
  type GetlinkBridgeDumpReply,
} from '../ynl/families/rt-link.js';
import { opCall, opItem } from '../ynl/op-call.js';
import type { Scope, Step } from './context.js';
import { allOrThrow } from './outcomes.js';

/** One VLAN (or a range `vid: [from, to]`) on a bridge port, or on the bridge itself with `self`. */
export interface BridgeVlanSpec {
  dev: string | number;
  vid: number | [number, number];
  /** The port's PVID: untagged frames in get this VLAN. */
  pvid?: boolean;
  /** Frames of this VLAN leave untagged. */
  untagged?: boolean;
  /** Configure the bridge device itself (`bridge vlan ... self`), not a port. */
  self?: boolean;
}

export interface BridgeVlan {
  vid: number;
  pvid: boolean;
  untagged: boolean;
}

/** A port's (or a bridge's) VLANs as `bridge -j vlan show` lists them. */
export interface PortVlans {
  ifindex: number;
  ifname: string;
  vlans: BridgeVlan[];
}

const SPEC_KEYS = new Set(['dev', 'vid', 'pvid', 'untagged', 'self']);

function vid(v: unknown, option: string): number {
  // 0 and 4095 are reserved (802.1Q); net/bridge/br_netlink.c refuses them
  if (typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= 4094) return v;
  throw new NetlinkArgumentError(option, `must be a VLAN id 1..4094, got ${String(v)}`, typeof v === 'number' ? 'ERR_OUT_OF_RANGE' : 'ERR_INVALID_ARG_TYPE');
}

/** The IFLA_AF_SPEC of one spec: a VLAN, or a range as a RANGE_BEGIN and RANGE_END pair. */
export function vlanAfSpec(spec: BridgeVlanSpec, option = ''): BridgeAfSpecAttrsSet {
  if (typeof spec !== 'object' || spec === null) throw new NetlinkArgumentError(option || 'vlan', 'must be an object', 'ERR_INVALID_ARG_TYPE');
  for (const k of Object.keys(spec)) if (!SPEC_KEYS.has(k)) throw new NetlinkArgumentError(`${option}${k}`, `is not a VLAN option (there are: ${[...SPEC_KEYS].join(', ')})`);
  const flags: BridgeVlanInfoFlagsEnum[] = [];
  for (const k of ['pvid', 'untagged'] as const) {
    const v = spec[k];
    if (v === undefined) continue;
    if (typeof v !== 'boolean') throw new NetlinkArgumentError(`${option}${k}`, `must be true or false, got ${String(v)}`, 'ERR_INVALID_ARG_TYPE');
    if (v) flags.push(k);
  }
  let vlanInfo: BridgeVlanInfoStruct[];
  if (Array.isArray(spec.vid)) {
    const [from, to] = [vid(spec.vid[0], `${option}vid[0]`), vid(spec.vid[1], `${option}vid[1]`)];
    if (spec.vid.length !== 2 || from >= to) throw new NetlinkArgumentError(`${option}vid`, 'a range must be [from, to] with from < to');
    if (spec.pvid) throw new NetlinkArgumentError(`${option}pvid`, 'cannot be set on a range');
    vlanInfo = [{ flags: [...flags, 'range-begin'], vid: from }, { flags: [...flags, 'range-end'], vid: to }];
  } else vlanInfo = [{ flags, vid: vid(spec.vid, `${option}vid`) }];
  return { ...(spec.self && { flags: ['self'] }), vlanInfo };
}

function items(scope: Scope, specs: BridgeVlanSpec | BridgeVlanSpec[], op: 'setlink-bridge' | 'dellink-bridge') {
  const list = Array.isArray(specs) ? specs : [specs];
  if (list.length === 0) throw new NetlinkArgumentError('vlans', 'must name at least one VLAN');
  return list.map((s, i) => {
    const option = Array.isArray(specs) ? `[${i}].` : '';
    return opItem(rtLink, op, { ifiFamily: AF_BRIDGE, ifiIndex: scope.ifindex(s?.dev, `${option}dev`), afSpec: vlanAfSpec(s, option) });
  });
}

/** A dump reply's VLANs, ranges opened up. */
export function toPortVlans(m: GetlinkBridgeDumpReply): PortVlans {
  const vlans: BridgeVlan[] = [];
  let begin: BridgeVlanInfoStruct | undefined;
  for (const v of m.afSpec?.vlanInfo ?? []) {
    if (Buffer.isBuffer(v)) continue;
    const f = new Set(v.flags);
    if (f.has('range-begin')) {
      begin = v;
      continue;
    }
    const from = f.has('range-end') && begin ? begin.vid : v.vid;
    for (let id = from; id <= v.vid; id++) vlans.push({ vid: id, pvid: f.has('pvid'), untagged: f.has('untagged') });
    begin = undefined;
  }
  return { ifindex: m.ifiIndex, ifname: m.ifname ?? '', vlans };
}

/** The builders of `rt.links.vlans`: add, delete (one VLAN or many in one transaction) and list. */
export const vlanBuilders = {
  add: (scope: Scope, spec: BridgeVlanSpec | BridgeVlanSpec[]): Step<void> => allOrThrow(items(scope, spec, 'setlink-bridge')),
  delete: (scope: Scope, spec: BridgeVlanSpec | BridgeVlanSpec[]): Step<void> => allOrThrow(items(scope, spec, 'dellink-bridge')),
  list: (scope: Scope, filter?: { dev?: string | number }): Step<PortVlans[]> => {
    const index = filter?.dev === undefined ? undefined : scope.ifindex(filter.dev, 'dev');
    return {
      ...opCall(rtLink, 'getlink-bridge', 'dump', { ifiFamily: AF_BRIDGE, extMask: ['brvlan'] }),
      result: (all: GetlinkBridgeDumpReply[]) => all.filter((m) => index === undefined || m.ifiIndex === index).map(toPortVlans),
    };
  },
};
