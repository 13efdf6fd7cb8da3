// The link part of `ip address show` (and of `ip link show` without -d/-s): the header ip
// prints for each link, as JSON fields in ip's order and as its two plain lines. Read from
// the generated rt-link family's getlink dump; the one place to switch to nlkit/route's links
// module once it carries every field ip prints here.
import { AF_INET6 } from '../core/rtnetlink.js';
import type { RouteContext } from '../route/context.js';
import { linkGroups } from '../route/names.js';
import { description as rtLink, type GetlinkDoReply } from '../ynl/families/rt-link.js';
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
}

/** ip's flag words in its printing order (iproute2 print_link_flags). */
const FLAG_WORDS: [string, string][] = [
  ['loopback', 'LOOPBACK'], ['broadcast', 'BROADCAST'], ['point-to-point', 'POINTOPOINT'], ['multicast', 'MULTICAST'],
  ['no-arp', 'NOARP'], ['all-multi', 'ALLMULTI'], ['promisc', 'PROMISC'], ['no-trailers', 'NOTRAILERS'], ['debug', 'DEBUG'],
  ['dynamic', 'DYNAMIC'], ['auto-media', 'AUTOMEDIA'], ['portsel', 'PORTSEL'], ['master', 'MASTER'], ['slave', 'SLAVE'],
  ['up', 'UP'], ['lower-up', 'LOWER_UP'], ['dormant', 'DORMANT'], ['echo', 'ECHO'],
];

/** <linux/if.h> IF_OPER_*. */
const OPERSTATES = ['UNKNOWN', 'NOTPRESENT', 'DOWN', 'LOWERLAYERDOWN', 'TESTING', 'DORMANT', 'UP'];

/** <linux/if_arp.h> ARPHRD_* by ip's names (iproute2 lib/ll_types.c), the common ones. */
const LINK_TYPES: Record<number, string> = {
  0: 'netrom', 1: 'ether', 2: 'eether', 3: 'ax25', 4: 'pronet', 5: 'chaos', 6: 'ieee802', 7: 'arcnet', 8: 'atalk', 15: 'dlci',
  19: 'atm', 23: 'metricom', 24: 'ieee1394', 27: 'eui64', 32: 'infiniband', 256: 'slip', 257: 'cslip', 258: 'slip6',
  259: 'cslip6', 260: 'rsrvd', 264: 'adapt', 270: 'rose', 271: 'x25', 272: 'hwx25', 280: 'can', 512: 'ppp', 513: 'cisco',
  516: 'lapb', 517: 'ddcmp', 518: 'rawhdlc', 519: 'rawip', 768: 'ipip', 769: 'tunnel6', 770: 'frad', 771: 'skip', 772: 'loopback',
  773: 'localtlk', 774: 'fddi', 775: 'bif', 776: 'sit', 777: 'ip/ddp', 778: 'gre', 779: 'pimreg', 780: 'hippi', 781: 'ash',
  782: 'econet', 783: 'irda', 784: 'fcpp', 785: 'fcal', 786: 'fcpl', 787: 'fcfb0', 800: 'tr', 801: 'ieee802.11',
  802: 'ieee802.11/prism', 803: 'ieee802.11/radiotap', 804: 'ieee802.15.4', 805: 'ieee802.15.4/monitor', 820: 'phonet',
  821: 'phonet_pipe', 822: 'caif', 823: 'ip6gre', 824: 'netlink', 825: '6lowpan', 826: 'vsockmon', 65534: 'none', 65535: 'void',
};

function flagWords(flags: readonly unknown[], peerDown: boolean): string[] {
  const set = new Set(flags);
  const out = set.has('up') && !set.has('running') ? ['NO-CARRIER'] : [];
  for (const [k, w] of FLAG_WORDS) if (set.has(k)) out.push(w);
  if (peerDown) out.push('M-DOWN');
  return out;
}

/**
 * Every link of the context's namespace, by index, in dump order. `family`: what ip filters by
 * (no link/ether line under one); `dumpFamily`: the -4/-6/-f option alone, which decides the
 * kind of link dump ip asks for (default `family`). `text`: the plain lines name
 * a peer's namespace (`link-netns blue`) where the id belongs to a named one, as ip does.
 */
export async function linkHeaders(route: RouteContext, opts: { family?: string; dumpFamily?: string; text?: boolean } = {}): Promise<Map<number, LinkHeader>> {
  // as ip: under -6 the dump is AF_INET6's (the kernel's inet6 link dump: no qdisc, no group;
  // it takes no attributes after the header)
  const inet6 = (opts.dumpFamily ?? opts.family) === 'inet6';
  const request = inet6 ? { ifiFamily: AF_INET6 } : { extMask: ['skip-stats' as const] };
  const links = await route.conn.run(opCall(rtLink, 'getlink', 'dump', request));
  if (inet6) {
    // that dump has no IFLA_TXQLEN, which ip then asks for by ioctl: here from the full dump
    const full = await route.conn.run(opCall(rtLink, 'getlink', 'dump', { extMask: ['skip-stats'] }));
    const qlen = new Map(full.map((l) => [l.ifiIndex, l.txqlen]));
    for (const l of links) l.txqlen ??= qlen.get(l.ifiIndex);
  }
  const byIndex = new Map<number, GetlinkDoReply>(links.map((l) => [l.ifiIndex, l]));
  const names = opts.text && links.some((l) => l.linkNetnsid !== undefined) ? await netnsNames(route) : undefined;
  const out = new Map<number, LinkHeader>();
  for (const l of links) out.set(l.ifiIndex, header(l, byIndex, opts.family, names));
  return out;
}

/** The named namespaces by their id here (ip's netns_map). */
async function netnsNames(route: RouteContext): Promise<Map<number, string>> {
  const { makeNetns } = await import('../route/netns.js');
  const ids = new Map<number, string>();
  for (const n of await makeNetns(route).list()) if (n.id !== undefined && !ids.has(n.id)) ids.set(n.id, n.name);
  return ids;
}

function header(l: GetlinkDoReply, byIndex: Map<number, GetlinkDoReply>, family: string | undefined, netnsNames?: Map<number, string>): LinkHeader {
  const j: Record<string, unknown> = { ifindex: l.ifiIndex };
  const name = l.ifname ?? '';
  let shown = name;
  let peerDown = false;
  if (l.link !== undefined) {
    if (l.link === 0) {
      j.link = null;
      shown = `${name}@NONE`;
    } else if (l.linkNetnsid !== undefined) {
      j.link_index = l.link;
      shown = `${name}@if${l.link}`;
    } else {
      const peer = byIndex.get(l.link);
      const peerName = peer?.ifname ?? `if${l.link}`;
      j.link = peerName;
      shown = `${name}@${peerName}`;
      peerDown = !!peer && !peer.ifiFlags.includes('up');
    }
  }
  j.ifname = name;
  const flags = flagWords(l.ifiFlags, peerDown);
  j.flags = flags;
  let line1 = `${l.ifiIndex}: ${shown}: <${flags.join(',')}> `;
  if (l.mtu !== undefined) {
    j.mtu = l.mtu;
    line1 += `mtu ${l.mtu} `;
  }
  if (l.qdisc !== undefined) {
    j.qdisc = l.qdisc;
    line1 += `qdisc ${l.qdisc} `;
  }
  if (l.master !== undefined) {
    const m = byIndex.get(l.master)?.ifname ?? `if${l.master}`;
    j.master = m;
    line1 += `master ${m} `;
  }
  if (l.operstate !== undefined) {
    const s = OPERSTATES[l.operstate] ?? String(l.operstate);
    j.operstate = s;
    line1 += `state ${s} `;
  }
  if (l.group !== undefined) {
    const g = linkGroups().name(l.group);
    j.group = g;
    line1 += `group ${g} `;
  }
  if (l.txqlen) {
    j.txqlen = l.txqlen;
    line1 += `qlen ${l.txqlen}`;
  }
  let line2 = '';
  if (!family || family === 'link') {
    const type = LINK_TYPES[l.ifiType] ?? `[${l.ifiType}]`;
    j.link_type = type;
    line2 = `    link/${type} `;
    if (l.address !== undefined) {
      j.address = l.address;
      line2 += l.address;
    }
    if (l.broadcast !== undefined) {
      if (l.ifiFlags.includes('point-to-point')) {
        j.link_pointtopoint = true;
        line2 += ' peer ';
      } else line2 += ' brd ';
      j.broadcast = l.broadcast;
      line2 += l.broadcast;
    }
  }
  if (l.linkNetnsid !== undefined) {
    j.link_netnsid = l.linkNetnsid;
    const name = netnsNames?.get(l.linkNetnsid);
    if (line2) line2 += name !== undefined ? ` link-netns ${name}` : l.linkNetnsid >= 0 ? ` link-netnsid ${l.linkNetnsid}` : ' link-netnsid unknown';
  }
  return { ifindex: l.ifiIndex, ifname: name, up: l.ifiFlags.includes('up'), master: l.master, json: j, line1, line2 };
}
