// `nlkit link` as `ip link`: show (JSON, plain, -d, -s, -s -s), add NAME type KIND [kind
// words], set, delete (a device, or a group's), property add|del altname, over nlkit/route's
// links module.
import type { LinkChange, LinkSpec, Links } from '../route/links.js';
import { linkGroups } from '../route/names.js';
import { type Grammar, type IpEnv, type IpObject, type Parsed, type Plan, IpUsageError, invalidArgument, keywordsOf, parseKeywords, Words } from './ip-command.js';
import type { NameOf } from './ip-link-details.js';
import { linkPartsJson, linkPartsText } from './ip-link-parts.js';
import { briefLower, linkHeaders, type LinkHeader } from './ip-link-fields.js';
import { kindOptions, kindWords, PORT_KINDS, uint } from './ip-link-kinds.js';
import { printJson } from './ip-output.js';

/** nlkit/route's links module, loaded by the commands that write (show needs only the dump). */
async function linksOf(env: IpEnv): Promise<Links> {
  return (await import('../route/links.js')).makeLinks(env.route);
}

// ---------------------------------------------------------------------------------------
// show

/** ip's link show filters (ipaddr_list_flush_or_save under `ip link`). */
const SHOW: Grammar = {
  keywords: [
    { names: ['dev'], value: true, once: true },
    { names: ['up'] },
    { names: ['master'], value: true },
    { names: ['nomaster'] },
    { names: ['type'], value: true },
    { names: ['group'], value: true },
  ],
  positional: { key: 'dev' },
};

async function selected(env: IpEnv, p: Parsed): Promise<{ links: LinkHeader[]; nameOf: NameOf }> {
  // no family: ip link lists links whatever -4/-6/-f says (ipaddr_list_link sets AF_PACKET)
  const headers = await linkHeaders(env.route, { text: !env.json, stats: env.stats, linkmode: true });
  const nameOf: NameOf = (i) => headers.get(i)?.ifname;
  const byName = (name: string) => [...headers.values()].find((h) => h.ifname === name || h.view.altnames?.includes(name));
  const dev = p.dev === undefined ? undefined : byName(p.dev as string);
  if (p.dev !== undefined && !dev) throw new IpUsageError(`Device "${p.dev as string}" does not exist.`, 1);
  const master = p.master === undefined ? undefined : byName(p.master as string);
  if (p.master !== undefined && !master) throw new IpUsageError(`Device "${p.master as string}" does not exist.`, 1);
  const group = p.group === undefined ? undefined : groupName(p.group as string);
  const type = p.type as string | undefined;
  const links = [...headers.values()].filter((h) => {
    const info = h.view.info;
    if (dev && h !== dev) return false;
    if (p.up && !h.up) return false;
    if (master && h.master !== master.ifindex) return false;
    if (p.nomaster && h.master !== undefined) return false;
    if (group !== undefined && h.view.group !== group) return false;
    // ip: `type X_slave` selects the ports of an X master
    if (type !== undefined && !(type.endsWith('_slave') ? info?.slaveKind === type.slice(0, -6) : info?.kind === type)) return false;
    return true;
  });
  return { links, nameOf };
}

function groupName(text: string): string {
  try {
    return linkGroups().name(linkGroups().value(/^\d+$/.test(text) ? Number(text) : text, 'group'));
  } catch {
    throw invalidArgument('Invalid "group" value', text);
  }
}

/** One link as ip link show's plain lines; -o: one line a link, its line breaks as backslashes. */
function linkText(h: LinkHeader, env: IpEnv, nameOf: NameOf): string {
  const t = linkPartsText(h, nameOf, { details: env.details > 0, linkShow: true });
  return `${env.oneline ? t.replace(/\n/g, '\\') : t}\n`;
}

/** ip -br link: name, state, address, flags. */
function briefText(h: LinkHeader): string {
  const name = h.line1.split(': ')[1];
  // ip prints no address column for a link without one (tun)
  const address = h.json.address === undefined ? '' : `${String(h.json.address).padEnd(17)} `;
  return `${name.padEnd(16)} ${String(h.json.operstate).padEnd(14)} ${address}<${h.view.flags.join(',')}> \n`;
}

async function show(words: Words, env: IpEnv): Promise<void> {
  const { links, nameOf } = await selected(env, parseKeywords(words, SHOW));
  if (env.brief && !env.json) env.out(links.map(briefText).join(''));
  else if (env.brief) printJson(env, links.map((h) => ({ ...briefLower(h.json), ifname: h.ifname, operstate: h.json.operstate, address: h.json.address, flags: h.view.flags })));
  else if (env.json) printJson(env, links.map((h) => linkPartsJson(h, nameOf, { details: env.details > 0, linkShow: true })));
  else env.out(links.map((h) => linkText(h, env, nameOf)).join(''));
}

// ---------------------------------------------------------------------------------------
// add, set

/** ip's iplink_parse: the words every link takes (add and set), up to `type KIND`. */
const COMMON: Grammar = {
  keywords: [
    { names: ['up'] }, { names: ['down'] },
    { names: ['name'], value: true, once: true }, { names: ['dev'], value: true, once: true },
    { names: ['link'], value: true }, { names: ['mtu'], value: true, once: true },
    { names: ['address'], value: true, once: true }, { names: ['broadcast', 'brd'], match: 'prefix', value: true, key: 'broadcast', once: true },
    { names: ['txqueuelen', 'qlen', 'txqlen'], match: 'prefix', value: true, key: 'txqlen', once: true },
    { names: ['alias'], value: true }, { names: ['master'], value: true }, { names: ['nomaster'] },
    { names: ['netns'], value: true, once: true }, { names: ['group'], value: true },
    { names: ['numtxqueues'], value: true }, { names: ['numrxqueues'], value: true },
    { names: ['arp'], value: true }, { names: ['multicast'], value: true }, { names: ['allmulticast'], value: true }, { names: ['promisc'], value: true },
  ],
  positional: { key: 'dev' },
};

/** The words before `type` and the kind's words after it (ip hands those to the kind's parser). */
function split(words: Words): { common: Words; kind?: string; kindWords: Words } {
  const all = words.rest();
  const at = all.indexOf('type');
  if (at < 0) return { common: new Words(all), kindWords: new Words([]) };
  if (at + 1 >= all.length) throw new IpUsageError('Command line is not complete. Try option "help"');
  return { common: new Words(all.slice(0, at)), kind: all[at + 1], kindWords: new Words(all.slice(at + 2)) };
}

const onOff = (v: string | true | string[] | undefined, what: string): boolean | undefined => {
  if (v === undefined) return undefined;
  if (v !== 'on' && v !== 'off') throw invalidArgument(`"${what}" must be "on" or "off"`, String(v));
  return v === 'on';
};

/** The options add and set share, from the parsed words. */
function commonOptions(p: Parsed, words: readonly string[]): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  // the last of up and down wins, as in ip
  if (p.up || p.down) o.up = !!p.up && !(p.down && words.lastIndexOf('down') > words.lastIndexOf('up'));
  if (p.mtu !== undefined) o.mtu = uint(p.mtu as string, 'MTU');
  if (p.address !== undefined) o.address = p.address;
  if (p.broadcast !== undefined) o.broadcast = p.broadcast;
  if (p.txqlen !== undefined) o.txqlen = uint(p.txqlen as string, 'txqueuelen');
  if (p.group !== undefined) o.group = /^\d+$/.test(p.group as string) ? Number(p.group) : p.group;
  if (p.master !== undefined) o.master = p.master;
  if (p.numtxqueues !== undefined) o.numTxQueues = uint(p.numtxqueues as string, 'numtxqueues');
  if (p.numrxqueues !== undefined) o.numRxQueues = uint(p.numrxqueues as string, 'numrxqueues');
  for (const f of ['arp', 'multicast', 'promisc'] as const) if (p[f] !== undefined) o[f] = onOff(p[f], f);
  if (p.allmulticast !== undefined) o.allmulti = onOff(p.allmulticast, 'allmulticast');
  return o;
}

/** veth's `peer [name] NAME [address A] [mtu N] [txqueuelen N] [netns NS]`. */
function vethPeer(words: Words): Record<string, unknown> | undefined {
  if (words.done) return undefined;
  const w = words.shift();
  if (w !== 'peer') throw new IpUsageError(`veth: unknown command "${w}"?`);
  const p = parseKeywords(words, COMMON);
  const peer: Record<string, unknown> = {};
  const name = p.name ?? p.dev;
  if (name !== undefined) peer.name = name;
  if (p.address !== undefined) peer.address = p.address;
  if (p.mtu !== undefined) peer.mtu = uint(p.mtu as string, 'MTU');
  if (p.txqlen !== undefined) peer.txqlen = uint(p.txqlen as string, 'txqueuelen');
  if (p.netns !== undefined) peer.netns = p.netns;
  return peer;
}

function addSpec(words: Words): LinkSpec {
  const { common, kind, kindWords: rest } = split(words);
  const p = parseKeywords(common, COMMON);
  const name = (p.name ?? p.dev) as string | undefined;
  if (name === undefined) throw new IpUsageError('Not enough information: "dev" argument is required.', 255);
  if (kind === undefined) throw new IpUsageError('Not enough information: "type" argument is required', 1);
  const spec: Record<string, unknown> = { name, kind, ...commonOptions(p, common.words) };
  if (p.link !== undefined) spec.link = p.link;
  if (p.alias !== undefined || p.netns !== undefined || p.nomaster) throw new IpUsageError('Error: nlkit link add takes alias, netns and nomaster through "link set".', 1);
  if (kind === 'veth') {
    const peer = vethPeer(rest);
    if (peer) spec.peer = peer;
  } else Object.assign(spec, kindOptions(kind, rest));
  return spec as LinkSpec;
}

function changeOf(words: Words): LinkChange {
  const { common, kind, kindWords: rest } = split(words);
  const p = parseKeywords(common, COMMON);
  if (p.dev === undefined) throw new IpUsageError('Not enough of information: "dev" argument is required.', 255);
  const change: Record<string, unknown> = { dev: p.dev, ...commonOptions(p, common.words) };
  if (p.name !== undefined) change.name = p.name;
  if (p.alias !== undefined) change.alias = p.alias;
  if (p.nomaster) change.master = null;
  if (p.netns !== undefined) change.netns = /^\d+$/.test(p.netns as string) ? { pid: Number(p.netns) } : p.netns;
  const port = kind === undefined ? undefined : PORT_KINDS[kind];
  if (port) change[port.option] = kindOptions(kind!, rest);
  else if (kind !== undefined) Object.assign(change, { kind }, kindOptions(kind, rest));
  return change as LinkChange;
}

/** -batch -force: consecutive `link add` (or `link delete`) lines as one transaction. */
function bulkPlan<S>(key: string, spec: S, method: 'add' | 'delete'): Plan {
  return {
    key: `link ${key}`, spec,
    runMany: async (env, specs) => (await ((await linksOf(env))[method] as (s: unknown[]) => Promise<{ failures: { index: number; error: Error }[] }>)(specs)),
  };
}

// ---------------------------------------------------------------------------------------
// delete, property

/** `delete { DEVICE | dev DEVICE | group GROUP } [ type TYPE ]`: the devices to delete. */
async function deleteTargets(words: Words, env: IpEnv): Promise<string[]> {
  const p = parseKeywords(words, { keywords: [{ names: ['dev'], value: true, once: true }, { names: ['group'], value: true }, { names: ['type'], value: true }], positional: { key: 'dev' } });
  if (p.group !== undefined) {
    // ip sends one RTM_DELLINK for the group; nlkit deletes its members in one transaction
    const links = await (await linksOf(env)).list({ group: /^\d+$/.test(p.group as string) ? Number(p.group) : (p.group as string), ...(p.type ? { kind: p.type as string } : {}) });
    return links.map((l) => l.ifname);
  }
  if (p.dev === undefined) throw new IpUsageError('Not enough information: "dev" argument is required.', 255);
  return [p.dev as string];
}

async function remove(words: Words, env: IpEnv): Promise<void> {
  const devs = await deleteTargets(words, env);
  if (devs.length === 1) {
    // ip looks the name up first: a missing device is its "Cannot find device", not the kernel's ENODEV
    return (await linksOf(env)).delete(devs[0]).catch((e: { code?: string }) => {
      throw e.code === 'ENODEV' ? new IpUsageError(`Cannot find device "${devs[0]}"`, 1) : e;
    });
  }
  if (devs.length === 0) return;
  const r = await (await linksOf(env)).delete(devs);
  if (r.failures.length) throw r.failures[0].error;
}

async function property(words: Words, env: IpEnv): Promise<void> {
  const op = words.shift();
  if (op !== 'add' && op !== 'del' && op !== 'delete') throw new IpUsageError('Usage: nlkit link property add dev DEVICE [ altname NAME .. ]\n       nlkit link property del dev DEVICE [ altname NAME .. ]', 255);
  const p = parseKeywords(words, { keywords: [{ names: ['dev'], value: true, once: true }, { names: ['altname'], value: true, list: true }], positional: { key: 'dev' } });
  if (p.dev === undefined) throw new IpUsageError('Not enough of information: "dev" argument is required.', 255);
  const names = p.altname as string[] | undefined;
  if (!names) throw new IpUsageError('Not enough of information: "altname" argument is required.', 255);
  await (await linksOf(env)).set({ dev: p.dev as string, altnames: { [op === 'add' ? 'add' : 'del']: names } });
}

const KIND_NAMES = 'veth | bridge | vxlan | macvlan | macvtap | ipvlan | ipvtap | vlan | bond | ifb | dummy | vrf | geneve | gre | gretap | ip6gre | ipip | sit | ip6tnl | netkit | nlmon | wireguard';

export const link: IpObject = {
  name: 'link',
  default: 'show',
  commands: [
    {
      name: 'add', synopsis: 'add [ link DEV ] NAME [ txqueuelen N ] [ address LLADDR ] [ broadcast LLADDR ] [ mtu MTU ] [ numtxqueues N ] [ numrxqueues N ] [ group G ] [ master DEV ] [ up ] type TYPE [ ARGS ]',
      keywords: [...keywordsOf(COMMON), 'type', 'peer', ...kindWords()],
      run: async (words, env) => void (await (await linksOf(env)).add(addSpec(words))),
      plan: (words) => bulkPlan('add', addSpec(words), 'add'),
    },
    {
      name: 'set', aliases: ['change'], synopsis: 'set { DEVICE | dev DEVICE } [ up | down ] [ arp { on | off } ] [ multicast { on | off } ] [ allmulticast { on | off } ] [ promisc { on | off } ] [ txqueuelen N ] [ name NEWNAME ] [ address LLADDR ] [ broadcast LLADDR ] [ mtu MTU ] [ netns { PID | NETNSNAME } ] [ alias NAME ] [ master DEVICE ] [ nomaster ] [ group G ] [ type TYPE ARGS ]',
      keywords: [...keywordsOf(COMMON), 'type'],
      run: async (words, env) => void (await (await linksOf(env)).set(changeOf(words))),
    },
    {
      name: 'delete', synopsis: 'delete { DEVICE | dev DEVICE | group DEVGROUP } [ type TYPE ]', keywords: ['dev', 'group', 'type'], run: remove,
      plan: (words) => {
        const p = parseKeywords(words, { keywords: [{ names: ['dev'], value: true, once: true }], positional: { key: 'dev' } });
        if (p.dev === undefined) throw new IpUsageError('Not enough information: "dev" argument is required.', 255);
        return bulkPlan('delete', p.dev, 'delete');
      },
    },
    { name: 'show', aliases: ['lst', 'list'], synopsis: 'show [ DEVICE | group GROUP ] [ up ] [ master DEV ] [ nomaster ] [ type ETYPE ]', keywords: keywordsOf(SHOW), run: show },
    { name: 'property', synopsis: 'property { add | del } dev DEVICE [ altname NAME .. ]', keywords: ['add', 'del', 'dev', 'altname'], run: property },
  ],
  where: `TYPE := { ${KIND_NAMES} }
ETYPE := [ TYPE | bridge_slave | bond_slave ]
bridge_slave ARGS (link set) := [ state N ] [ priority N ] [ cost N ] [ learning on|off ] [ flood on|off ] [ hairpin on|off ] [ isolated on|off ] ...
veth ARGS := [ peer [ name ] NAME [ address LLADDR ] [ mtu MTU ] [ txqueuelen N ] [ netns NETNS ] ]
vxlan ARGS := id VNI [ remote ADDR | group ADDR ] [ local ADDR ] [ dev PHYS_DEV ] [ dstport PORT ] [ srcport MIN MAX ] [ ttl N ] [ [no]learning ] ...
macvlan ARGS := [ mode { private | vepa | bridge | passthru | source } ] [ nopromisc ] [ bcqueuelen N ]
ipvlan ARGS := [ mode { l2 | l3 | l3s } ] [ bridge | private | vepa ]
vlan ARGS := id VLANID [ protocol { 802.1Q | 802.1ad } ]
bond ARGS := [ mode MODE ] [ miimon N ] [ updelay N ] [ downdelay N ] [ xmit_hash_policy P ] [ lacp_rate R ] ...
bridge ARGS := [ forward_delay N ] [ hello_time N ] [ max_age N ] [ ageing_time N ] [ stp_state 0|1 ] [ priority N ] [ vlan_filtering 0|1 ] ...
`,
};
