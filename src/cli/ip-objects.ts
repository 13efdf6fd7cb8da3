// Every object nlkit's command line knows, in iproute2's order (ip/ip.c `cmds`), so that an
// abbreviation means what it means to ip: `a` address, `r` route, `ru` rule, `n` neighbor,
// `l` link, `t` tunnel, `m` maddress, `mo` monitor. Rows without a loader are ip objects nlkit
// does not implement (yet): they keep their place so the prefixes after them still resolve
// as in ip. nlkit's own command groups (genl, ynl, completion) follow ip's rows.
import type { CommandGroup } from './command.js';
import type { IpFlags, IpObject } from './ip-command.js';
import type { Io } from './ip-run.js';

export interface ObjectRow {
  name: string;
  aliases?: readonly string[];
  /** One line for `nlkit help`. */
  summary?: string;
  /** An iproute2-style object (ip-command.ts). */
  load?: () => Promise<IpObject>;
  /** A GNU-style command group (command.ts), with --long options. */
  group?: () => Promise<CommandGroup>;
  /** A command of its own that reads the rest of the line and the global options (nlkit tc). */
  run?: (argv: readonly string[], flags: IpFlags, io: Io) => Promise<number>;
}

export const OBJECTS: readonly ObjectRow[] = [
  { name: 'address', summary: 'protocol (IPv4/IPv6) addresses on a device', load: async () => (await import('./ip-address.js')).address },
  { name: 'addrlabel' },
  { name: 'maddress' },
  { name: 'route', summary: 'routing table entries: show, get, add, change, replace, del, flush', load: async () => (await import('./ip-route.js')).route },
  { name: 'rule', summary: 'routing policy rules: list, add, del, flush', load: async () => (await import('./ip-rule.js')).rule },
  { name: 'neighbor', aliases: ['neighbour'], summary: 'neighbour (ARP/NDP) entries, proxy entries', load: async () => (await import('./ip-neigh.js')).neigh },
  { name: 'ntable', aliases: ['ntbl'] },
  { name: 'link', summary: 'network devices: show (-d, -s), add, set, delete, altnames', load: async () => (await import('./ip-link.js')).link },
  { name: 'l2tp' },
  { name: 'fou' },
  { name: 'ila' },
  { name: 'macsec' },
  { name: 'tunnel', aliases: ['tunl'] },
  { name: 'tuntap', aliases: ['tap'], summary: 'persistent tun/tap devices', load: async () => (await import('./ip-tuntap.js')).tuntap },
  { name: 'token' },
  { name: 'tcpmetrics', aliases: ['tcp_metrics'] },
  { name: 'monitor', summary: 'routing events as they happen (links, addresses, routes, neighbours...), -j: JSON lines', load: async () => (await import('./ip-monitor.js')).monitor },
  { name: 'xfrm' },
  { name: 'mroute' },
  { name: 'mrule' },
  { name: 'netns', summary: 'named network namespaces', load: async () => (await import('./ip-netns.js')).netns },
  { name: 'netconf' },
  { name: 'vrf' },
  { name: 'sr' },
  { name: 'nexthop', summary: 'nexthop objects and groups, resilient buckets', load: async () => (await import('./ip-nexthop.js')).nexthop },
  { name: 'mptcp' },
  { name: 'ioam' },
  { name: 'help' },
  { name: 'stats' },
  // nlkit's own
  { name: 'genl', summary: 'generic netlink families: ids, operations, multicast groups', group: async () => (await import('./genl.js')).genl },
  { name: 'proc', summary: 'process events: fork, exec, exit, uid/gid changes... as they happen', group: async () => (await import('./proc.js')).proc },
  { name: 'uevent', summary: 'kernel and udev device events (uevents), in a namespace too', group: async () => (await import('./uevent.js')).uevent },
  { name: 'audit', summary: 'kernel audit: status, rules in auditctl terms, user messages, records', group: async () => (await import('./audit.js')).audit },
  { name: 'ynl', summary: 'any YNL-described family: do, dump, subscribe, list operations and attributes', group: async () => (await import('./ynl.js')).ynl },
  { name: 'ss', summary: 'sockets of every family, as ss lists them (sock_diag)', group: async () => (await import('./ss.js')).ss },
  { name: 'tc', summary: 'traffic control as tc: qdisc, class (tc\'s options -s -d -j -p -n after tc)', run: async (argv, flags, io) => (await import('./tc.js')).runTc(argv, flags, io) },
  { name: 'nft', summary: 'nftables: tables, chains, rules, sets in nft\'s words; list ruleset -j as nft -j', group: async () => (await import('./nft.js')).nft },
  { name: 'completion', summary: 'bash or zsh completion script, from the command tables', group: async () => (await import('./completion.js')).completion },
];

/** The row a word names, as ip resolves it: the first whose name (or alias) it is a prefix of. */
export function findObject(word: string): ObjectRow | undefined {
  // a whole name wins over an earlier row it is a prefix of (`tc`, not `tcpmetrics`)
  return OBJECTS.find((o) => o.name === word) ?? OBJECTS.find((o) => (word.length > 0 && o.name.startsWith(word)) || o.aliases?.some((a) => word.length > 0 && a.startsWith(word)));
}

/** The rows nlkit implements. */
export function implemented(): ObjectRow[] {
  return OBJECTS.filter((o) => o.load || o.group || o.run);
}
