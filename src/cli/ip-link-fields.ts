// The link part of `ip address show` (and of `ip link show` without -d/-s): the header ip
// prints for each link, as JSON fields in ip's order and as its two plain lines. The dump is
// the one ip asks for (no statistics; under -6 AF_INET6's), each link read by nlkit/route's
// link view (flags, state, type and group names), then written in ip's keys.
import { AF_INET6 } from '../core/rtnetlink.js';
import type { RouteContext } from '../route/context.js';
import { lookupOf, toLink, type Link } from '../route/link-view.js';
import { description as rtLink, type GetlinkDoReply, type RtnlLinkStats64Struct } from '../ynl/families/rt-link.js';
import { opCall } from '../ynl/op-call.js';

export interface LinkHeader {
  ifindex: number;
  ifname: string;
  up: boolean;
  /** The master's index, for `master DEV` filters. */
  master?: number;
  /** ip -j's keys and values, in ip's order. */
  json: Record<string, unknown>;
  /** `3: v0@v1: <...> mtu 1500 ... qlen 1000` */
  line1: string;
  /** `    link/ether ... brd ...`; '' when ip leaves it out (a family filter). */
  line2: string;
  /** ip -j -s's `stats64` (with `stats` asked for), printed after the addresses. */
  stats64?: Record<string, Record<string, bigint | number>>;
  /** ip -s's RX/TX tables (with `stats` asked for), printed after the addresses. */
  statsText?: string;
  /** nlkit/route's view of the link and the reply it was read from (for `link show -d`). */
  view: Link;
  reply: GetlinkDoReply;
}

/** What differs between the commands that print a link header. */
export interface HeaderStyle {
  /** ip link's `mode DEFAULT` (linkmode) after the state. */
  linkmode?: boolean;
  /** `qlen N` at the end of the first line (not in ip monitor's). Default true. */
  qlen?: boolean;
}

/** ip -j -s's stats64 keys: rx, tx, then with -s -s the error details (iproute2 print_stats64). */
const RX: [string, keyof RtnlLinkStats64Struct][] = [['bytes', 'rxBytes'], ['packets', 'rxPackets'], ['errors', 'rxErrors'], ['dropped', 'rxDropped'], ['over_errors', 'rxOverErrors'], ['multicast', 'multicast']];
const RX_MORE: [string, keyof RtnlLinkStats64Struct][] = [['length_errors', 'rxLengthErrors'], ['crc_errors', 'rxCrcErrors'], ['frame_errors', 'rxFrameErrors'], ['fifo_errors', 'rxFifoErrors'], ['missed_errors', 'rxMissedErrors']];
const TX: [string, keyof RtnlLinkStats64Struct][] = [['bytes', 'txBytes'], ['packets', 'txPackets'], ['errors', 'txErrors'], ['dropped', 'txDropped'], ['carrier_errors', 'txCarrierErrors'], ['collisions', 'collisions']];
const TX_MORE: [string, keyof RtnlLinkStats64Struct][] = [['aborted_errors', 'txAbortedErrors'], ['fifo_errors', 'txFifoErrors'], ['window_errors', 'txWindowErrors'], ['heartbeat_errors', 'txHeartbeatErrors']];

/**
 * ip's plain statistics (iproute2 print_stats64): RX and TX rows, with -s -s their error rows,
 * columns as wide as their widest number or their heading (the first wide enough for
 * "RX errors:"), each number followed by a space.
 */
export function statsText(s: RtnlLinkStats64Struct, carrierChanges: number | undefined, level: number): string {
  const cols = ['*X errors:', 'packets', 'errors', 'dropped', 'heartbt', 'overrun', 'compressed'].map((h) => h.length);
  const size = (...vals: (bigint | number)[]) => vals.forEach((v, i) => (cols[i] = Math.max(cols[i], String(v).length)));
  const more = level > 1;
  size(s.rxBytes, s.rxPackets, s.rxErrors, s.rxDropped, s.rxMissedErrors, s.multicast, s.rxCompressed);
  if (more) size(0, s.rxLengthErrors, s.rxCrcErrors, s.rxFrameErrors, s.rxFifoErrors, s.rxOverErrors, s.rxNohandler);
  size(s.txBytes, s.txPackets, s.txErrors, s.txDropped, s.txCarrierErrors, s.collisions, s.txCompressed);
  if (more) size(0, 0, s.txAbortedErrors, s.txFifoErrors, s.txWindowErrors, s.txHeartbeatErrors, carrierChanges ?? 0);
  const heads = (first: string, words: string[]) => `    ${first} ${words.map((w, i) => w.padStart(i === 0 ? cols[0] - 4 : cols[i])).join(' ')}`;
  const nums = (vals: (bigint | number)[], from = 0) => vals.map((v, i) => `${String(v).padStart(cols[from + i])} `).join('');
  const rest = (vals: (bigint | number)[]) => `    ${' '.repeat(cols[0])} ${nums(vals, 1)}`;
  let t = `${heads('RX:', ['bytes', 'packets', 'errors', 'dropped', 'missed', 'mcast'])} ${(s.rxCompressed ? 'compressed' : '').padStart(cols[6])}\n`;
  t += `    ${nums([s.rxBytes, s.rxPackets, s.rxErrors, s.rxDropped, s.rxMissedErrors, s.multicast, ...(s.rxCompressed ? [s.rxCompressed] : [])])}\n`;
  if (more) {
    t += `    RX errors: ${['length', 'crc', 'frame', 'fifo', 'overrun'].map((w, i) => w.padStart(cols[i + 1])).join(' ')}${s.rxNohandler ? ` ${'nohandler'.padStart(cols[6])}` : ''}\n`;
    t += `${rest([s.rxLengthErrors, s.rxCrcErrors, s.rxFrameErrors, s.rxFifoErrors, s.rxOverErrors, ...(s.rxNohandler ? [s.rxNohandler] : [])])}\n`;
  }
  t += `${heads('TX:', ['bytes', 'packets', 'errors', 'dropped', 'carrier', 'collsns'])} ${(s.txCompressed ? 'compressed' : '').padStart(cols[6])}\n`;
  t += `    ${nums([s.txBytes, s.txPackets, s.txErrors, s.txDropped, s.txCarrierErrors, s.collisions, ...(s.txCompressed ? [s.txCompressed] : [])])}\n`;
  if (more) {
    t += `    TX errors: ${['aborted', 'fifo', 'window', 'heartbt', 'transns'].map((w, i) => w.padStart(cols[i + 1])).join(' ')}\n`;
    t += `${rest([s.txAbortedErrors, s.txFifoErrors, s.txWindowErrors, s.txHeartbeatErrors, carrierChanges ?? 0])}\n`;
  }
  return t;
}

function stats64(link: Link, level: number): LinkHeader['stats64'] {
  const s = link.stats64;
  if (!s) return undefined;
  const pick = (keys: [string, keyof RtnlLinkStats64Struct][]) => Object.fromEntries(keys.map(([k, f]) => [k, s[f]]));
  const rx: Record<string, bigint | number> = pick(RX);
  const tx: Record<string, bigint | number> = pick(TX);
  if (s.rxCompressed) rx.compressed = s.rxCompressed;
  if (s.txCompressed) tx.compressed = s.txCompressed;
  if (level > 1) {
    Object.assign(rx, pick(RX_MORE));
    if (s.rxNohandler) rx.nohandler = s.rxNohandler;
    Object.assign(tx, pick(TX_MORE));
    if (link.carrierChanges !== undefined) tx.carrier_changes = link.carrierChanges;
  }
  return { rx, tx };
}

/**
 * Every link of the context's namespace, by index, in dump order. `family`: what ip filters by
 * (no link/ether line under one); `dumpFamily`: the -4/-6/-f option alone, which decides the
 * kind of link dump ip asks for (default `family`). `text`: the plain lines name
 * a peer's namespace (`link-netns blue`) where the id belongs to a named one, as ip does.
 */
export async function linkHeaders(route: RouteContext, opts: { family?: string; dumpFamily?: string; text?: boolean; stats?: number } & HeaderStyle = {}): Promise<Map<number, LinkHeader>> {
  // as ip: under -6 the dump is AF_INET6's (the kernel's inet6 link dump: no qdisc, no group;
  // it takes no attributes after the header)
  const inet6 = (opts.dumpFamily ?? opts.family) === 'inet6';
  // statistics only when -s asks for them: decoding them is most of a dump's cost
  const full = () => route.conn.run(opCall(rtLink, 'getlink', 'dump', opts.stats ? {} : { extMask: ['skip-stats'] }));
  const links = inet6 ? await route.conn.run(opCall(rtLink, 'getlink', 'dump', { ifiFamily: AF_INET6 })) : await full();
  if (inet6) {
    // that dump has no IFLA_TXQLEN (ip then asks by ioctl) nor statistics: from the full dump
    // (not IFLA_CARRIER_CHANGES, which ip leaves out under -6)
    const all = new Map((await full()).map((l) => [l.ifiIndex, l]));
    for (const l of links) {
      l.txqlen ??= all.get(l.ifiIndex)?.txqlen;
      l.stats64 ??= all.get(l.ifiIndex)?.stats64;
    }
  }
  const names = opts.text && links.some((l) => l.linkNetnsid !== undefined) ? await netnsNames(route) : undefined;
  const out = new Map<number, LinkHeader>();
  const lookup = lookupOf(links);
  for (const l of links) {
    const link = toLink(l, lookup);
    const h = header(l, link, opts.family, names, opts);
    if (opts.stats) {
      h.stats64 = stats64(link, opts.stats);
      if (link.stats64) h.statsText = statsText(link.stats64, link.carrierChanges, opts.stats);
    }
    out.set(l.ifiIndex, h);
  }
  return out;
}

/** The named namespaces by their id here (ip's netns_map). */
async function netnsNames(route: RouteContext): Promise<Map<number, string>> {
  const { makeNetns } = await import('../route/netns.js');
  const ids = new Map<number, string>();
  for (const n of await makeNetns(route).list()) if (n.id !== undefined && !ids.has(n.id)) ids.set(n.id, n.name);
  return ids;
}

/** -br -j's lower link: `link` (a name, null for none), or `link_index` when it is in another namespace. */
export function briefLower(json: Record<string, unknown>): Record<string, unknown> {
  if ('link' in json) return { link: json.link };
  return 'link_index' in json ? { link_index: json.link_index } : {};
}

/** ip's words for a link: nlkit/route's Link, and the raw message where ip says more (a lower link of 0, an unknown type). */
/** The header of a link known only by its view (an event's, which keeps no lower link of index 0). */
export function viewHeader(link: Link, style: HeaderStyle = {}): LinkHeader {
  // these kinds always report IFLA_LINK (veth: its peer, tunnels: their underlay), 0 when there is none: ip's @NONE
  const lower = link.linkIndex ?? (IFLINK_KINDS.has(link.info?.kind ?? '') ? 0 : undefined);
  return header({ ifiIndex: link.ifindex, link: lower, linkNetnsid: link.linkNetnsid } as GetlinkDoReply, link, undefined, undefined, style);
}

/** Kinds whose ndo_get_iflink gives a lower link (or 0) that is never the link itself. */
const IFLINK_KINDS = new Set(['veth', 'ipip', 'sit', 'gre', 'gretap', 'erspan', 'ip6tnl', 'ip6gre', 'ip6gretap', 'vti', 'vti6']);

function header(l: GetlinkDoReply, link: Link, family: string | undefined, netnsNames?: Map<number, string>, style: HeaderStyle = {}): LinkHeader {
  const j: Record<string, unknown> = { ifindex: link.ifindex };
  let shown = link.ifname;
  if (l.link !== undefined) {
    if (l.link === 0) {
      j.link = null;
      shown += '@NONE';
    } else if (l.linkNetnsid !== undefined) {
      j.link_index = l.link;
      shown += `@if${l.link}`;
    } else {
      j.link = link.link ?? `if${l.link}`;
      shown += `@${j.link as string}`;
    }
  }
  j.ifname = link.ifname;
  j.flags = link.flags;
  let line1 = `${link.ifindex}: ${shown}: <${link.flags.join(',')}> `;
  const add = (key: string, word: string, v: unknown) => {
    if (v === undefined) return;
    j[key] = v;
    line1 += `${word} ${String(v)} `;
  };
  add('mtu', 'mtu', link.mtu);
  add('qdisc', 'qdisc', link.qdisc);
  add('master', 'master', link.masterIndex === undefined ? undefined : (link.master ?? `if${link.masterIndex}`));
  add('operstate', 'state', link.operstate);
  if (style.linkmode) add('linkmode', 'mode', link.linkmode);
  add('group', 'group', link.group);
  if (link.txqlen && style.qlen !== false) {
    j.txqlen = link.txqlen;
    line1 += `qlen ${link.txqlen}`;
  }
  let line2 = '';
  if (!family || family === 'link') {
    // link-view names the ARPHRD types it knows and gives others as a number; ip writes those [N]
    const type = /^\d+$/.test(link.linkType) ? `[${link.linkType}]` : link.linkType;
    j.link_type = type;
    line2 = `    link/${type} `;
    if (link.address !== undefined) {
      j.address = link.address;
      line2 += link.address;
    }
    if (link.broadcast !== undefined) {
      const p2p = link.flags.includes('POINTOPOINT');
      if (p2p) j.link_pointtopoint = true;
      j.broadcast = link.broadcast;
      line2 += `${p2p ? ' peer ' : ' brd '}${link.broadcast}`;
    }
  }
  if (link.linkNetnsid !== undefined) {
    const id = link.linkNetnsid;
    j.link_netnsid = id;
    const name = netnsNames?.get(id);
    const words = name !== undefined ? ` link-netns ${name}` : id >= 0 ? ` link-netnsid ${id}` : ' link-netnsid unknown';
    // without a link/ether line (a family filter) ip ends the first line with them
    if (line2) line2 += words;
    else line1 += words;
  }
  return { ifindex: link.ifindex, ifname: link.ifname, up: link.flags.includes('UP'), master: link.masterIndex, json: j, line1, line2, view: link, reply: l };
}
