// The link part of `ip address show` (and of `ip link show` without -d/-s): the header ip
// prints for each link, as JSON fields in ip's order and as its two plain lines. The dump is
// the one ip asks for (no statistics; under -6 AF_INET6's), each link read by nlkit/route's
// link view (flags, state, type and group names), then written in ip's keys.
import { AF_INET6 } from '../core/rtnetlink.js';
import type { RouteContext } from '../route/context.js';
import { lookupOf, toLink, type Link } from '../route/link-view.js';
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
  const names = opts.text && links.some((l) => l.linkNetnsid !== undefined) ? await netnsNames(route) : undefined;
  const out = new Map<number, LinkHeader>();
  const lookup = lookupOf(links);
  for (const l of links) out.set(l.ifiIndex, header(l, toLink(l, lookup), opts.family, names));
  return out;
}

/** The named namespaces by their id here (ip's netns_map). */
async function netnsNames(route: RouteContext): Promise<Map<number, string>> {
  const { makeNetns } = await import('../route/netns.js');
  const ids = new Map<number, string>();
  for (const n of await makeNetns(route).list()) if (n.id !== undefined && !ids.has(n.id)) ids.set(n.id, n.name);
  return ids;
}

/** ip's words for a link: nlkit/route's Link, and the raw message where ip says more (a lower link of 0, an unknown type). */
function header(l: GetlinkDoReply, link: Link, family: string | undefined, netnsNames?: Map<number, string>): LinkHeader {
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
  add('group', 'group', link.group);
  if (link.txqlen) {
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
    if (line2) line2 += name !== undefined ? ` link-netns ${name}` : id >= 0 ? ` link-netnsid ${id}` : ' link-netnsid unknown';
  }
  return { ifindex: link.ifindex, ifname: link.ifname, up: link.flags.includes('UP'), master: link.masterIndex, json: j, line1, line2 };
}
