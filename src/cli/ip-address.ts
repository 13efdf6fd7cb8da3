// `nlkit address` as `ip address`: show (JSON, plain, -o, -br), add, change, replace, del and
// flush, over nlkit/route's addresses module.
import { makeAddresses, type Address, type AddressFilter, type AddressSpec } from '../route/addresses.js';
import { routeScopes } from '../route/names.js';
import { parsePrefix, prefixTest } from '../route/inet.js';
import {
  entryCommands, flushDone, type Grammar, type IpEnv, type IpObject, type Parsed, IpUsageError, invalidArgument, keywordsOf, parseKeywords, prefixArg, type Words,
} from './ip-command.js';
import type { NameOf } from './ip-link-details.js';
import { linkPartsJson, linkPartsText } from './ip-link-parts.js';
import { briefLower, linkHeaders, type LinkHeader } from './ip-link-fields.js';
import { printJson } from './ip-output.js';

const FOREVER = 4294967295;

/** ip's ipaddr_modify grammar (add, change, replace, del). */
const MODIFY: Grammar = {
  keywords: [
    { names: ['peer', 'remote'], value: true, key: 'peer', once: true },
    { names: ['broadcast'], match: 'prefix', value: true, once: true },
    { names: ['brd'], value: true, key: 'broadcast', once: true },
    { names: ['anycast'], match: 'prefix', value: true, once: true },
    { names: ['scope'], value: true },
    { names: ['dev'], value: true },
    { names: ['label'], value: true },
    { names: ['metric', 'priority', 'preference'], match: 'prefix', value: true, key: 'metric' },
    { names: ['valid_lft'], match: 'prefix', value: true, once: true },
    { names: ['preferred_lft'], match: 'prefix', value: true, once: true },
    { names: ['proto', 'protocol'], value: true, key: 'protocol' },
    ...['home', 'nodad', 'optimistic', 'mngtmpaddr', 'noprefixroute', 'autojoin'].map((f) => ({ names: [f], key: 'flags', list: true })),
  ],
  positional: { key: 'local', keyword: 'local' },
};

/** The flag words `ip address show` filters by; '-word' selects their absence. */
const FILTER_FLAGS = ['secondary', 'temporary', 'primary', 'dynamic', 'permanent', 'tentative', 'deprecated', 'dadfailed', 'home', 'nodad', 'optimistic', 'mngtmpaddr', 'noprefixroute', 'autojoin', 'stable-privacy'];

/** ip's ipaddr_list_flush_or_save grammar (show, flush). */
const SHOW: Grammar = {
  keywords: [
    { names: ['to'], value: true },
    { names: ['scope'], value: true },
    { names: ['up'] },
    { names: ['label'], value: true },
    { names: ['dev'], value: true, once: true },
    { names: ['master'], value: true },
    ...FILTER_FLAGS.flatMap((f) => [{ names: [f], key: 'flags', list: true }, { names: [`-${f}`], key: 'flags', list: true }]),
  ],
  positional: { key: 'dev' },
};

function lifetime(text: string, what: string): number | 'forever' {
  if (text === 'forever') return 'forever';
  if (!/^\d+$/.test(text) || Number(text) > FOREVER) throw invalidArgument(`${what} value`, text);
  return Number(text);
}

function scopeValue(text: string): number {
  try {
    return routeScopes().value(/^\d+$/.test(text) ? Number(text) : text, 'scope');
  } catch {
    throw invalidArgument('invalid scope value.', text);
  }
}

/** A command line's address spec, checked as ip checks it. */
function specOf(p: Parsed, env: IpEnv, forDelete = false): AddressSpec {
  if (p.local === undefined) throw new IpUsageError('Not enough information: "local" argument is required.', 1);
  if (p.dev === undefined) throw new IpUsageError('Not enough information: "dev" argument is required.', 1);
  const local = p.local as string;
  try {
    const pre = parsePrefix(local, 'local');
    if (pre.address === '' || (env.family && env.family !== (pre.family === 2 ? 'inet' : 'inet6'))) throw new Error();
  } catch {
    throw new IpUsageError(`Error: any valid prefix is expected rather than "${local}".`, 1);
  }
  const spec: AddressSpec = { address: local, dev: p.dev as string };
  if (p.peer !== undefined) spec.peer = p.peer as string;
  if (p.label !== undefined) spec.label = p.label as string;
  if (forDelete) return spec;
  if (p.broadcast !== undefined) spec.broadcast = p.broadcast as string;
  if (p.anycast !== undefined) throw new IpUsageError('Error: "anycast" addresses are not supported by nlkit address.', 1);
  if (p.scope !== undefined) spec.scope = scopeValue(p.scope as string);
  if (p.flags !== undefined) spec.flags = p.flags as AddressSpec['flags'];
  if (p.metric !== undefined) {
    if (!/^\d+$/.test(p.metric as string) || Number(p.metric) > FOREVER) throw invalidArgument('metric value', p.metric as string);
    spec.metric = Number(p.metric);
  }
  if (p.protocol !== undefined) {
    if (!/^\d+$/.test(p.protocol as string) || Number(p.protocol) > 255) throw invalidArgument('"protocol" value is invalid', p.protocol as string);
    spec.protocol = Number(p.protocol);
  }
  const valid = p.valid_lft === undefined ? undefined : lifetime(p.valid_lft as string, 'valid_lft');
  const preferred = p.preferred_lft === undefined ? undefined : lifetime(p.preferred_lft as string, 'preferred_lft');
  const num = (v: number | 'forever' | undefined) => (v === 'forever' || v === undefined ? FOREVER : v);
  if (preferred !== undefined && num(preferred) > num(valid)) throw new IpUsageError('preferred_lft is greater than valid_lft', 1);
  if (valid !== undefined) spec.validLft = valid;
  if (preferred !== undefined) spec.preferredLft = preferred;
  return spec;
}

// ---------------------------------------------------------------------------------------
// show

interface Selection {
  dev?: string;
  up?: boolean;
  master?: string;
  scope?: number;
  label?: RegExp;
  to?: (addr: string) => boolean;
  /** ip: a `to` prefix sets the family when none is given. */
  toFamily?: 'inet' | 'inet6';
  flags: { word: string; want: boolean }[];
}

function selectionOf(p: Parsed, family: string | undefined): Selection {
  const s: Selection = { flags: [] };
  if (p.dev !== undefined) s.dev = p.dev as string;
  if (p.up) s.up = true;
  if (p.master !== undefined) s.master = p.master as string;
  if (p.scope !== undefined && p.scope !== 'all') s.scope = scopeValue(p.scope as string);
  if (p.label !== undefined) {
    const glob = (p.label as string).replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
    s.label = new RegExp(`^${glob}$`);
  }
  if (p.to !== undefined) {
    const pre = prefixArg(p.to as string, family);
    if (pre) {
      s.to = prefixTest(pre);
      s.toFamily = pre.family === 2 ? 'inet' : 'inet6';
    }
  }
  for (const f of (p.flags as string[] | undefined) ?? []) {
    const want = !f.startsWith('-');
    s.flags.push({ word: want ? f : f.slice(1), want });
  }
  return s;
}

function flagMatch(a: Address, word: string): boolean {
  switch (word) {
    case 'permanent': return !a.flags.includes('dynamic');
    case 'primary': return !a.flags.includes('secondary') && !a.flags.includes('temporary');
    case 'secondary': case 'temporary': return a.flags.includes('secondary') || a.flags.includes('temporary');
    default: return a.flags.includes(word as never);
  }
}

function addrMatch(a: Address, s: Selection): boolean {
  if (s.scope !== undefined && routeScopes().value(a.scope) !== s.scope) return false;
  if (s.label && !(a.label !== undefined && s.label.test(a.label))) return false;
  if (s.to && !s.to(a.local)) return false;
  return s.flags.every((f) => flagMatch(a, f.word) === f.want);
}

/** addr_info as ip -j prints it. */
export function addrJson(a: Address): Record<string, unknown> {
  const j: Record<string, unknown> = { family: a.family, local: a.local };
  if (a.peer !== undefined) j.address = a.peer;
  j.prefixlen = a.prefixlen;
  if (a.metric !== undefined) j.metric = a.metric;
  if (a.broadcast !== undefined) j.broadcast = a.broadcast;
  j.scope = a.scope;
  for (const f of a.flags) j[f] = true;
  if (a.label !== undefined) j.label = a.label;
  if (a.protocol !== undefined) j.protocol = addrProtocol(a.protocol);
  j.valid_life_time = a.validLft === 'forever' ? FOREVER : a.validLft;
  j.preferred_life_time = a.preferredLft === 'forever' ? FOREVER : a.preferredLft;
  return j;
}

/** iproute2's names for IFA_PROTO (lib/rt_names.c rtnl_addrprot_n2a). */
const ADDR_PROTOCOLS = ['unspec', 'kernel_lo', 'kernel_ra', 'kernel_ll'];
const addrProtocol = (p: number) => ADDR_PROTOCOLS[p] ?? String(p);

const lft = (v: number | 'forever') => (v === 'forever' ? 'forever' : `${v}sec`);

/** One address as ip's plain lines (`sl`: ip's line break, '\\' under -o). */
export function addrText(a: Address, sl: string): string {
  let t = `    ${a.family} ${a.local}${a.peer !== undefined ? ` peer ${a.peer}` : ''}/${a.prefixlen} `;
  if (a.metric !== undefined) t += `metric ${a.metric} `;
  if (a.broadcast !== undefined) t += `brd ${a.broadcast} `;
  t += `scope ${a.scope} ${a.flags.map((f) => `${f} `).join('')}${a.label ?? ''}`;
  // iproute2 >= 6.3 prints IFA_PROTO (6.1 does not know it)
  if (a.protocol !== undefined) t += `${t.endsWith(' ') ? '' : ' '}proto ${addrProtocol(a.protocol)} `;
  return `${t}${sl}       valid_lft ${lft(a.validLft)} preferred_lft ${lft(a.preferredLft)}\n`;
}

/** The links ip shows and each one's addresses, filtered as ip filters them (ipaddr_filter). */
interface Row {
  link: LinkHeader;
  addrs: Address[];
  /** ip leaves the link's own lines out when a label pattern does not match its name. */
  bare: boolean;
}

async function collect(env: IpEnv, p: Parsed): Promise<{ rows: Row[]; nameOf: NameOf }> {
  const sel = selectionOf(p, env.family);
  const family = env.family ?? sel.toFamily;
  // ip asks for one link by index when `dev` names it: the kernel's full reply, whatever the
  // family (only the dump of -6 is AF_INET6's own, without qdisc, group or details); under -d
  // ip prints the link/ether line even with a family
  const headers = await linkHeaders(env.route, { family: env.details ? undefined : family, dumpFamily: sel.dev !== undefined ? '' : (env.family ?? ''), text: !env.json, stats: env.stats });
  // the dump's names serve the address module's name lookups: no second link dump
  const byName = new Map([...headers.values()].map((h) => [h.ifname, h.ifindex]));
  const nameOf: NameOf = (i) => headers.get(i)?.ifname;
  env.route.names = { ifindexOf: (n) => byName.get(n), nameOf };
  let devIndex: number | undefined;
  if (sel.dev !== undefined) {
    devIndex = byName.get(sel.dev);
    if (devIndex === undefined) throw new IpUsageError(`Device "${sel.dev}" does not exist.`, 1);
  }
  let masterIndex: number | undefined;
  if (sel.master !== undefined) {
    masterIndex = byName.get(sel.master);
    if (masterIndex === undefined) throw new IpUsageError(`Device "${sel.master}" does not exist.`, 1);
  }
  const inet = family === 'inet' || family === 'inet6' ? family : undefined;
  const addrs = family === 'link' ? [] : await makeAddresses(env.route).list({ ...(inet ? { family: inet } : {}), ...(devIndex ? { dev: devIndex } : {}) });
  const byLink = new Map<number, Address[]>();
  const present = new Set<number>();
  for (const a of addrs) {
    present.add(a.ifindex);
    if (!addrMatch(a, sel)) continue;
    const list = byLink.get(a.ifindex) ?? [];
    list.push(a);
    byLink.set(a.ifindex, list);
  }
  const out: Row[] = [];
  const bare = (l: LinkHeader) => !!sel.label && (!family || family === 'link') && !sel.label.test(l.ifname);
  for (const link of headers.values()) {
    if (devIndex !== undefined && link.ifindex !== devIndex) continue;
    if (sel.up && !link.up) continue;
    if (masterIndex !== undefined && link.master !== masterIndex) continue;
    const mine = byLink.get(link.ifindex) ?? [];
    // ip keeps a link with a matching address, or with no address at all when no family is asked for
    if (!mine.length && !(!present.has(link.ifindex) && (!family || family === 'link'))) continue;
    out.push({ link, addrs: mine, bare: bare(link) });
  }
  return { rows: out, nameOf };
}

async function show(words: Words, env: IpEnv): Promise<void> {
  const { rows, nameOf } = await collect(env, parseKeywords(words, SHOW));
  if (env.brief) {
    if (env.json) {
      printJson(env, rows.map(({ link, addrs }) => ({
        ...briefLower(link.json), ifname: link.ifname, operstate: link.json.operstate,
        addr_info: addrs.map((a) => ({ local: a.local, ...(a.peer !== undefined ? { address: a.peer } : {}), prefixlen: a.prefixlen, ...(a.metric !== undefined ? { metric: a.metric } : {}) })),
      })));
      return;
    }
    env.out(rows.map(({ link, addrs }) => {
      const name = link.line1.split(': ')[1];
      const list = addrs.map((a) => `${a.local}${a.peer !== undefined ? ` peer ${a.peer}` : ''}/${a.prefixlen} ${a.metric !== undefined ? `metric ${a.metric} ` : ''}`).join('');
      return `${name.padEnd(16)} ${String(link.json.operstate).padEnd(14)} ${list}\n`;
    }).join(''));
    return;
  }
  if (env.json && env.oneline) {
    // ip -o -j: each link's addresses, each naming its link (index, dev), and nothing else
    printJson(env, rows.map(({ link, addrs }) => ({ addr_info: addrs.map((a) => ({ index: link.ifindex, dev: link.ifname, ...addrJson(a) })) })));
    return;
  }
  if (env.json) {
    printJson(env, rows.map(({ link, addrs, bare }) => ({
      ...(bare ? {} : linkPartsJson(link, nameOf, { details: env.details > 0, linkShow: false })), addr_info: addrs.map(addrJson), ...(link.stats64 && !bare ? { stats64: link.stats64 } : {}),
    })));
    return;
  }
  let text = '';
  for (const { link, addrs, bare } of rows) {
    if (env.oneline) {
      for (const a of addrs) text += `${link.ifindex}: ${link.ifname}${addrText(a, '\\')}`;
      continue;
    }
    if (!bare) text += `${linkPartsText(link, nameOf, { details: env.details > 0, linkShow: false })}\n`;
    for (const a of addrs) text += addrText(a, '\n');
    if (link.statsText && !bare) text += link.statsText;
  }
  env.out(text);
}

async function flush(words: Words, env: IpEnv): Promise<void> {
  if (words.done) throw new IpUsageError('Flush requires arguments.', 1);
  const p = parseKeywords(words, SHOW);
  const filter: AddressFilter = {};
  if (p.dev !== undefined) filter.dev = p.dev as string;
  if (env.family === 'inet' || env.family === 'inet6') filter.family = env.family;
  if (p.scope !== undefined && p.scope !== 'all') filter.scope = scopeValue(p.scope as string);
  if (p.label !== undefined) filter.label = p.label as string;
  if (p.to !== undefined) filter.to = p.to as string;
  const flags = (p.flags as string[] | undefined) ?? [];
  if (flags.some((f) => f.startsWith('-')) || p.up || p.master !== undefined)
    throw new IpUsageError('Error: nlkit address flush selects by dev, scope, label, to and flags (not -FLAG, up or master).', 1);
  if (flags.length) filter.flags = flags as AddressFilter['flags'];
  flushDone(env, await makeAddresses(env.route).flush(filter), 'addresses');
}

export const address: IpObject = {
  name: 'address',
  default: 'list',
  commands: [
    ...entryCommands({
      object: 'address', grammar: MODIFY,
      synopsis: {
        add: 'add IFADDR dev IFNAME [ LIFETIME ] [ CONFFLAG-LIST ]', change: 'change IFADDR dev IFNAME [ LIFETIME ] [ CONFFLAG-LIST ]',
        replace: 'replace IFADDR dev IFNAME [ LIFETIME ] [ CONFFLAG-LIST ]', delete: 'del IFADDR dev IFNAME',
      },
      spec: (p, env, method) => specOf(p, env, method === 'delete'),
      table: (env) => makeAddresses(env.route) as never,
    }),
    { name: 'list', aliases: ['show', 'lst'], synopsis: 'show [ dev IFNAME ] [ scope SCOPE-ID ] [ to PREFIX ] [ FLAG-LIST ] [ label LABEL ] [ up ] [ master DEV ]', keywords: keywordsOf(SHOW), run: show },
    { name: 'flush', synopsis: 'flush [ dev IFNAME ] [ scope SCOPE-ID ] [ to PREFIX ] [ FLAG-LIST ] [ label LABEL ]', keywords: keywordsOf(SHOW), run: flush },
  ],
  where: `IFADDR := PREFIX | ADDR peer PREFIX
          [ broadcast ADDR ] [ label IFNAME ] [ scope SCOPE-ID ] [ metric METRIC ] [ proto N ]
SCOPE-ID := [ host | link | global | NUMBER ]
FLAG-LIST := [ FLAG-LIST ] FLAG
FLAG  := [ [-]permanent | [-]dynamic | [-]secondary | [-]primary | [-]tentative | [-]deprecated |
           [-]dadfailed | [-]temporary | CONFFLAG-LIST ]
CONFFLAG-LIST := [ CONFFLAG-LIST ] CONFFLAG
CONFFLAG  := [ home | nodad | mngtmpaddr | noprefixroute | autojoin ]
LIFETIME := [ valid_lft LFT ] [ preferred_lft LFT ]
LFT := forever | SECONDS
`,
};
