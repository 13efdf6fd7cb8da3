// `nlkit neigh` as `ip neigh`: show (incl. proxy entries, -s), get, add, change, replace, del
// and flush, over nlkit/route's neighbours module.
import { isIP } from 'node:net';
import { makeNeighbours, type Neighbour, type NeighbourFilter, type NeighbourSpec } from '../route/neighbours.js';
import { NUD_STATES, type NudState } from '../route/neigh-words.js';
import { prefixTest } from '../route/inet.js';
import { routeProtocols } from '../route/names.js';
import {
  entryCommands, flushDone, type Grammar, type IpEnv, type IpObject, type Parsed, IpUsageError, duplicateOrGarbage, invalidArgument, keywordsOf, parseKeywords, prefixArg, type Words,
} from './ip-command.js';
import { printJson } from './ip-output.js';

/** ip's ipneigh_modify grammar. `proxy ADDR` names the entry's address, as in ip. */
const MODIFY: Grammar = {
  keywords: [
    { names: ['lladdr'], match: 'prefix', value: true, once: true },
    { names: ['nud'], value: true },
    { names: ['proxy'], match: 'prefix', value: true, once: true },
    { names: ['router'] },
    { names: ['extern_learn'], match: 'prefix' },
    { names: ['dev'], value: true },
    { names: ['protocol'], match: 'prefix', value: true },
    { names: ['managed'] },
  ],
  positional: { key: 'to', keyword: 'to' },
};

/** ip's do_show_or_flush grammar: `nud` repeats, a bare word is the `to` prefix. */
const SHOW: Grammar = {
  keywords: [
    { names: ['dev'], value: true },
    { names: ['master'], value: true },
    { names: ['unused'] },
    { names: ['nud'], value: true, list: true },
    { names: ['proxy'] },
    { names: ['protocol'], match: 'prefix', value: true },
  ],
  positional: { key: 'to', keyword: 'to' },
};

function nudState(text: string): NudState {
  const s = text.toLowerCase();
  if (!(NUD_STATES as readonly string[]).includes(s)) throw invalidArgument('nud state is bad', text);
  return s as NudState;
}

function checkAddr(text: string, env: IpEnv): string {
  const v = isIP(text);
  if (!v || (env.family === 'inet' && v !== 4) || (env.family === 'inet6' && v !== 6))
    throw new IpUsageError(`Error: ${env.family === 'inet6' ? 'inet6' : env.family === 'inet' ? 'inet' : 'any valid'} address is expected rather than "${text}".`, 1);
  return text;
}

function protocolValue(text: string): number {
  try {
    return routeProtocols().value(/^\d+$/.test(text) ? Number(text) : text, 'protocol');
  } catch {
    throw invalidArgument('"protocol" value is invalid', text);
  }
}

function specOf(p: Parsed, env: IpEnv, forDelete: boolean): NeighbourSpec {
  if (p.to !== undefined && p.proxy !== undefined) throw duplicateOrGarbage('to', p.to as string);
  const dst = (p.proxy ?? p.to) as string | undefined;
  if (dst === undefined || p.dev === undefined) throw new IpUsageError('Device and destination are required arguments.');
  const spec: NeighbourSpec = { dst: checkAddr(dst, env), dev: p.dev as string };
  if (p.proxy !== undefined) spec.proxy = true;
  if (forDelete) return spec;
  if (p.lladdr !== undefined) {
    const ll = p.lladdr as string;
    if (!/^[0-9a-fA-F]{1,2}(:[0-9a-fA-F]{1,2})*$/.test(ll)) throw new IpUsageError(`"${ll}" is invalid lladdr.`, 1);
    spec.lladdr = ll.split(':').map((b) => b.padStart(2, '0').toLowerCase()).join(':');
  }
  if (p.nud !== undefined) spec.state = nudState(p.nud as string);
  if (p.router) spec.router = true;
  if (p.extern_learn) spec.externLearn = true;
  if (p.managed) spec.managed = true;
  if (p.protocol !== undefined) spec.protocol = protocolValue(p.protocol as string);
  return spec;
}

// ---------------------------------------------------------------------------------------
// show, get, flush

/** The states a show or flush selects: ip's bit set, with 'none' (ip's 0x100) for entries without a state. */
function statesOf(p: Parsed, flush: boolean): Set<NudState> {
  const words = p.nud as string[] | undefined;
  if (!words) return new Set(flush ? NUD_STATES.filter((s) => s !== 'permanent' && s !== 'noarp' && s !== 'none') : NUD_STATES.filter((s) => s !== 'noarp' && s !== 'none'));
  const out = new Set<NudState>();
  for (const w of words) {
    if (w !== 'all') out.add(nudState(w));
    else for (const s of NUD_STATES) if (!(flush && s === 'noarp')) out.add(s);
  }
  return out;
}

/** ip's print_neighbor filter: a state in the set, or a proxy or externally learned entry. */
function shown(n: Neighbour, states: Set<NudState>): boolean {
  return n.proxy || n.flags.includes('extern_learn') || n.state.some((s) => states.has(s));
}

const FLAG_KEYS = ['extern_learn', 'offload', 'managed'];

export function neighJson(n: Neighbour, env: IpEnv, withDev: boolean): Record<string, unknown> {
  const j: Record<string, unknown> = { dst: n.dst };
  if (withDev) j.dev = n.ifname;
  if (n.lladdr !== undefined) j.lladdr = n.lladdr;
  if (n.router) j.router = null;
  if (n.proxy) j.proxy = null;
  for (const f of FLAG_KEYS) if (n.flags.includes(f)) j[f] = null;
  if (env.stats) {
    if (n.refcnt) j.refcnt = n.refcnt;
    if (n.used !== undefined) Object.assign(j, { used: n.used, confirmed: n.confirmed, updated: n.updated });
    if (n.probes !== undefined) j.probes = n.probes;
  }
  const states = n.state.filter((s) => s !== 'none');
  if (states.length) j.state = states.map((s) => s.toUpperCase());
  if (n.protocol !== undefined) j.protocol = n.protocol;
  return j;
}

export function neighText(n: Neighbour, env: IpEnv, withDev: boolean): string {
  let t = `${n.dst} `;
  if (withDev) t += `dev ${n.ifname} `;
  if (n.lladdr !== undefined) t += `lladdr ${n.lladdr} `;
  if (n.router) t += 'router ';
  if (n.proxy) t += 'proxy ';
  for (const f of FLAG_KEYS) if (n.flags.includes(f)) t += `${f} `;
  if (env.stats) {
    if (n.refcnt) t += ` ref ${n.refcnt}`;
    if (n.used !== undefined) t += ` used ${n.used}/${n.confirmed}/${n.updated}`;
    if (n.probes !== undefined) t += `probes ${n.probes} `;
  }
  for (const s of n.state) if (s !== 'none') t += `${s.toUpperCase()} `;
  if (n.protocol !== undefined) t += `proto ${n.protocol} `;
  return `${t}\n`;
}

function print(env: IpEnv, list: Neighbour[], withDev: boolean): void {
  if (env.json) printJson(env, list.map((n) => neighJson(n, env, withDev)));
  else env.out(list.map((n) => neighText(n, env, withDev)).join(''));
}

function familyFilter(env: IpEnv): NeighbourFilter['family'] | undefined {
  return env.family === 'inet' || env.family === 'inet6' ? env.family : undefined;
}

async function select(p: Parsed, env: IpEnv, flush: boolean): Promise<Neighbour[]> {
  const filter: NeighbourFilter = { state: 'all' };
  if (p.dev !== undefined) filter.dev = p.dev as string;
  if (p.master !== undefined) filter.master = p.master as string;
  if (p.proxy) filter.proxy = true;
  let family = familyFilter(env);
  let to: ((addr: string) => boolean) | undefined;
  if (p.to !== undefined) {
    const pre = prefixArg(p.to as string, env.family);
    if (pre) {
      family ??= pre.family === 2 ? 'inet' : 'inet6';
      to = prefixTest(pre);
    }
  }
  if (family) filter.family = family;
  const states = statesOf(p, flush);
  const protocol = p.protocol === undefined ? undefined : routeProtocols().name(protocolValue(p.protocol as string));
  const list = await makeNeighbours(env.route).list(filter);
  return list.filter((n) => shown(n, states) && (!to || to(n.dst)) && (!p.unused || !n.refcnt) && (protocol === undefined || n.protocol === protocol));
}

async function show(words: Words, env: IpEnv): Promise<void> {
  const p = parseKeywords(words, SHOW);
  print(env, await select(p, env, false), p.dev === undefined);
}

async function get(words: Words, env: IpEnv): Promise<void> {
  const p = parseKeywords(words, { keywords: [{ names: ['dev'], value: true }, { names: ['proxy'], value: true }], positional: { key: 'to', keyword: 'to' } });
  const spec = specOf(p, env, true);
  const n = await makeNeighbours(env.route).get({ dst: spec.dst, dev: spec.dev, ...(spec.proxy ? { proxy: true } : {}) });
  print(env, [n], true);
}

async function flush(words: Words, env: IpEnv): Promise<void> {
  if (words.done) throw new IpUsageError('Flush requires arguments.', 1);
  const p = parseKeywords(words, SHOW);
  const found = await select(p, env, true);
  const r = found.length ? await makeNeighbours(env.route).delete(found.map((n) => ({ dst: n.dst, dev: n.ifindex, ...(n.proxy ? { proxy: true } : {}) }))) : { done: 0, failures: [] };
  flushDone(env, r, 'entries');
}

export const neigh: IpObject = {
  // ip's own word in its messages and help (the table's row is 'neighbor', for prefixes)
  name: 'neigh',
  default: 'show',
  commands: [
    ...entryCommands({
      object: 'neigh', grammar: MODIFY,
      synopsis: {
        add: 'add ADDR [ lladdr LLADDR ] [ nud STATE ] [ proxy ADDR ] [ dev DEV ] [ router ] [ extern_learn ] [ protocol PROTO ]',
        change: 'change ADDR [ lladdr LLADDR ] [ nud STATE ] dev DEV [ router ] [ extern_learn ] [ protocol PROTO ]',
        replace: 'replace ADDR [ lladdr LLADDR ] [ nud STATE ] dev DEV [ router ] [ extern_learn ] [ protocol PROTO ]',
        delete: 'del { ADDR | proxy ADDR } dev DEV',
      },
      spec: (p, env, method) => specOf(p, env, method === 'delete'),
      table: (env) => makeNeighbours(env.route) as never,
    }),
    { name: 'get', synopsis: 'get { ADDR | proxy ADDR } dev DEV', keywords: ['dev', 'proxy'], run: get },
    { name: 'show', aliases: ['lst', 'list'], synopsis: 'show [ to PREFIX ] [ dev DEV ] [ nud STATE ] [ proxy ] [ unused ] [ master DEV ] [ protocol PROTO ]', keywords: keywordsOf(SHOW), run: show },
    { name: 'flush', synopsis: 'flush [ to PREFIX ] [ dev DEV ] [ nud STATE ] [ proxy ] [ unused ] [ master DEV ]', keywords: keywordsOf(SHOW), run: flush },
  ],
  where: `STATE := { delay | failed | incomplete | noarp | none | permanent | probe | reachable | stale | all }\n`,
};

