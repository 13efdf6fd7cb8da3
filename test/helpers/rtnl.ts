// Just enough rtnetlink for the engine's tests (the route family proper lives in src/route).
import { AttrIterator, readString } from '../../src/core/attributes.js';
import { AttrSet, type MessageLayout } from '../../src/core/attrset.js';
import { setRefs } from './refs.js';
import type { RawMessage } from '../../src/core/message.js';
import type { Writer } from '../../src/core/writer.js';

export const RTM_NEWLINK = 16;
export const RTM_GETLINK = 18;
export const RTM_NEWROUTE = 24;
export const RTM_DELROUTE = 25;
export const RTM_GETROUTE = 26;
export const IFLA_IFNAME = 3;
export const IFLA_LINKINFO = 18;
export const IFLA_INFO_KIND = 1;
export const RTA_DST = 1;
export const RTA_OIF = 4;
export const RTA_GATEWAY = 5;
export const RTA_TABLE = 15;
export const RTNLGRP_LINK = 1;
export const RTNLGRP_IPV4_ROUTE = 7;
export const AF_INET = 2;

/** struct ifinfomsg: family, pad, type, index, flags, change */
export const ifinfomsg = (w: Writer) => w.zeros(16);

export const linkInfoAttrs = new AttrSet('linkinfo', [{ name: 'kind', value: IFLA_INFO_KIND, type: 'string' }]);
export const linkAttrs = new AttrSet('link-attrs', [
  { name: 'ifname', value: IFLA_IFNAME, type: 'string' },
  { name: 'linkinfo', value: IFLA_LINKINFO, type: 'nest', nestedAttributes: 'linkInfoAttrs' },
], setRefs({ linkInfoAttrs: () => linkInfoAttrs }));
export const linkLayout: MessageLayout = { headerSize: 16, attrs: linkAttrs };

export const routeAttrs = new AttrSet('route-attrs', [
  { name: 'dst', value: RTA_DST, type: 'binary' },
  { name: 'oif', value: RTA_OIF, type: 'u32' },
  { name: 'gateway', value: RTA_GATEWAY, type: 'binary' },
  { name: 'table', value: RTA_TABLE, type: 'u32' },
]);
export const routeLayout: MessageLayout = { headerSize: 12, attrs: routeAttrs };

export interface Link { index: number; ifname: string }
export function decodeLink(m: RawMessage): Link {
  const index = m.buf.readInt32LE(m.start + 4);
  let ifname = '';
  const it = new AttrIterator(m.buf, m.start + 16, m.end);
  while (it.next()) if (it.type === IFLA_IFNAME) ifname = readString(m.buf, it.dataStart, it.dataEnd);
  return { index, ifname };
}

export interface Route { dst: string; dstLen: number; table: number; oif: number; type: number }
export function decodeRoute(m: RawMessage): Route {
  const b = m.buf, s = m.start;
  const r: Route = { dst: '0.0.0.0', dstLen: b[s + 1], table: b[s + 4], oif: 0, type: m.type };
  const it = new AttrIterator(b, s + 12, m.end);
  while (it.next()) {
    if (it.type === RTA_DST && it.length === 4) r.dst = `${b[it.dataStart]}.${b[it.dataStart + 1]}.${b[it.dataStart + 2]}.${b[it.dataStart + 3]}`;
    else if (it.type === RTA_TABLE) r.table = b.readUInt32LE(it.dataStart);
    else if (it.type === RTA_OIF) r.oif = b.readUInt32LE(it.dataStart);
  }
  return r;
}

/** struct rtmsg for IPv4: family, dst_len, src_len, tos, table, protocol, scope, type, flags */
export function rtmsg(dstLen: number, table = 254, scope = 0, type = 1, protocol = 4) {
  return (w: Writer) => {
    w.u8(AF_INET); w.u8(dstLen); w.u8(0); w.u8(0);
    w.u8(table); w.u8(protocol); w.u8(scope); w.u8(type);
    w.u32(0);
  };
}

/** A route dump header: under NETLINK_GET_STRICT_CHK every non-zero field filters. */
export const rtmsgDump = rtmsg(0, 0, 0, 0, 0);

export const ipv4 = (s: string) => Uint8Array.from(s.split('.').map(Number));
