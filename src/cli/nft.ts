// `nlkit nft`: nftables in nft's words — `list ruleset [-j]`, `list tables|table|chain|set`,
// `add|create|insert|replace|delete|destroy|flush table|chain|rule|set|map|element|ruleset`.
// Every change is one all-or-nothing transaction; -j prints what `nft -j` prints.
import { UsageError } from './args.js';
import { CommandError, type CommandGroup, type Context, parseGroupArgs } from './command.js';
import { NftTransactionError, openNft, type NftHandle, type NftObject, type NftRuleset, type NftSet, type NftTable } from '../netfilter/index.js';
import { chainJson, flowtableJson, objectJson, rulesetJson, setJson, stringifyJson, tableJson } from '../netfilter/nft-json.js';
import { rulesetText, tableText } from '../netfilter/nft-text.js';
import { parseNftCommand, type NftListRequest } from './nft-parse.js';
import { parseNftScript } from './nft-script.js';
import { readFileSync } from 'node:fs';
import { NetlinkArgumentError } from '../core/errors.js';

const USAGE = `Usage: nlkit nft [--netns NAME] [-c] -f FILE     (a script, - for stdin: one transaction, all or nothing)
       nlkit nft [--netns NAME] [-j] [-a] list ruleset [FAMILY]
       nlkit nft [...] list tables [FAMILY] | list table [FAMILY] NAME
       nlkit nft [...] list chains [FAMILY] | list chain [FAMILY] TABLE NAME
       nlkit nft [...] list sets|maps [FAMILY] | list set|map [FAMILY] TABLE NAME
       nlkit nft [...] list|reset counters|quotas [FAMILY | table FAMILY NAME] | list|reset counter|quota [FAMILY] TABLE NAME
       nlkit nft [...] list limits|flowtables [FAMILY | table FAMILY NAME] | list limit|flowtable [FAMILY] TABLE NAME
       nlkit nft [...] add|create table [FAMILY] NAME [ '{ flags dormant; }' ]
       nlkit nft [...] add|create chain [FAMILY] TABLE NAME [ '{ type TYPE hook HOOK [device DEV] priority PRIO; [policy accept|drop;] }' ]
       nlkit nft [...] add|insert rule [FAMILY] TABLE CHAIN [handle N] EXPRESSION...
       nlkit nft [...] replace rule [FAMILY] TABLE CHAIN handle N EXPRESSION...
       nlkit nft [...] add set|map [FAMILY] TABLE NAME '{ type TYPE [: TYPE]; [flags interval,timeout;] [timeout 30s;] [size N;] [elements = { ... };] }'
       nlkit nft [...] add|delete element [FAMILY] TABLE SET '{ ELEMENT, ... }'
       nlkit nft [...] add counter|quota|limit [FAMILY] TABLE NAME '{ packets N bytes N | [over] N mbytes | rate N/second }'
       nlkit nft [...] add flowtable [FAMILY] TABLE NAME '{ hook ingress priority P; devices = { DEV, ... }; }'
       nlkit nft [...] delete|destroy table|chain|set|counter|quota|limit|flowtable ... | delete rule [FAMILY] TABLE CHAIN handle N
       nlkit nft [...] flush ruleset [FAMILY] | flush table [FAMILY] NAME | flush chain|set [FAMILY] TABLE NAME

  FAMILY       ip (default), ip6, inet, arp, bridge, netdev
  PRIO         a number or filter, srcnat, dstnat, mangle, raw, security (with + N / - N)
  EXPRESSION   ip|ip6 saddr|daddr [!=] ADDR|PREFIX|RANGE|{ SET }|@SET, ip protocol, ip6 nexthdr,
               tcp|udp sport|dport [!=] PORT|A-B|{ SET }, iifname|oifname NAME|'prefix*', iif|oif INDEX,
               meta l4proto|mark|nfproto|protocol VALUE, ct state STATE[,STATE], ct mark N,
               counter, log [prefix TEXT] [level L] [group N], limit rate [over] N/UNIT [burst N packets],
               masquerade [to :PORT[-PORT]] [random,fully-random,persistent], snat|dnat [ip|ip6] to ADDR[:PORT],
               redirect [to :PORT], reject [with tcp reset | with icmp CODE], accept, drop, continue, return,
               jump CHAIN, goto CHAIN, comment TEXT, counter|quota|limit name NAME, quota [over] N UNIT,
               fib FLAG[ . FLAG] oif|oifname|type [!=] missing|exists|VALUE, FIELD . FIELD [!=] @SET|{ A . B, ... },
               add|update|delete @SET { FIELD[ . FIELD] [timeout Ns] }, flow add @FLOWTABLE
  --netns NAME  run in a named network namespace
  -j            JSON as nft -j prints it ({"nftables": [{"metainfo": ...}, {"table": ...}, ...]})
  -a            show handles
  -f FILE       apply a script (tables, chains, rules, sets, objects; flush ruleset) as one transaction
                (define NAME = VALUE, redefine, undefine, $NAME; include "FILE" as nft finds it:
                '/', './' or '../' names as paths, others in /etc then each -I DIR; a glob in the
                file name allowed)
  -I DIR        with -f: another directory for includes (repeatable), as nft's --includepath
  -c            with -f: only check the script (the kernel validates it, nothing is applied)
`;

const OPTIONS = [{ name: 'netns', short: 'n', type: 'string' }, { name: 'handle', short: 'a', type: 'boolean' }, { name: 'file', short: 'f', type: 'string' }, { name: 'check', short: 'c', type: 'boolean' },
  { name: 'includepath', short: 'I', type: 'string', repeat: true }] as const;

/** `-f FILE` (- : stdin): the whole script as one transaction; a failure names the file's line. */
async function runScript(file: string, netns: string | undefined, check: boolean, includeDirs: readonly string[]): Promise<void> {
  let text: string;
  try {
    text = readFileSync(file === '-' ? 0 : file, 'utf8');
  } catch (e) {
    throw new CommandError(`Could not read ${file}: ${(e as Error).message}`, { cause: e });
  }
  const name = file === '-' ? '/dev/stdin' : file;
  // nft's default include directory first, then each -I in order
  const script = parseNftScript(text, name, { includePath: ['/etc', ...includeDirs] });
  if (!script.length) return;
  const h = openNft(netns !== undefined ? { netns } : {});
  try {
    await h.transaction(script.map((c) => c.command), { echo: false, ...(check ? { check: true } : {}) });
  } catch (e) {
    if (e instanceof NftTransactionError) {
      const where = e.index >= 0 ? `${script[e.index].file}:${script[e.index].line}: ` : `${name}: `;
      throw new CommandError(`${where}${e.message}`, { cause: e });
    }
    // a command the builder refuses names its index: the script's line instead
    const at = e instanceof NetlinkArgumentError ? /^commands\[(\d+)\]/.exec(e.argument) : null;
    const c = at ? script[Number(at[1])] : undefined;
    if (c) throw new CommandError(`${c.file}:${c.line}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    throw e;
  } finally {
    h.close();
  }
}

const NONE: NftRuleset = { tables: [], chains: [], sets: [], rules: [], objects: [], flowtables: [] };

function byRequest(rs: NftRuleset, r: NftListRequest): NftRuleset {
  const fam = <T extends { family: string }>(x: T) => r.family === undefined || x.family === r.family;
  const inTable = <T extends { family: string; table: string }>(x: T) => fam(x) && (r.table === undefined || x.table === r.table);
  switch (r.list) {
    case 'table':
      return {
        tables: rs.tables.filter((t) => fam(t) && t.name === r.name), chains: rs.chains.filter((c) => fam(c) && c.table === r.name), sets: rs.sets.filter((s) => fam(s) && s.table === r.name),
        rules: rs.rules.filter((x) => fam(x) && x.table === r.name), objects: rs.objects.filter((o) => fam(o) && o.table === r.name), flowtables: rs.flowtables.filter((f) => fam(f) && f.table === r.name),
      };
    case 'chain':
      return { ...NONE, tables: rs.tables.filter((t) => fam(t) && t.name === r.table), chains: rs.chains.filter((c) => inTable(c) && c.name === r.name), rules: rs.rules.filter((x) => inTable(x) && x.chain === r.name) };
    case 'set':
    case 'map':
      // nft: `list set` names a set and `list map` a map (the other kind is not found)
      return { ...NONE, tables: rs.tables.filter((t) => fam(t) && t.name === r.table), sets: rs.sets.filter((s) => inTable(s) && s.name === r.name && isMap(s) === (r.list === 'map')) };
    default:
      return { tables: rs.tables.filter(fam), chains: rs.chains.filter(fam), sets: rs.sets.filter(fam), rules: rs.rules.filter(fam), objects: rs.objects.filter(fam), flowtables: rs.flowtables.filter(fam) };
  }
}

const isMap = (s: NftSet) => s.map !== undefined;
/** What `list sets` and `list maps` take: named sets, named maps. */
const OF_KIND: Partial<Record<NftListRequest['list'], (s: NftSet) => boolean>> = {
  sets: (s) => !s.flags.includes('anonymous') && !isMap(s),
  maps: (s) => !s.flags.includes('anonymous') && isMap(s),
};

function print(ctx: Context, rs: NftRuleset, r: NftListRequest, handles: boolean): void {
  const kind = OF_KIND[r.list];
  if (ctx.json) {
    let list = rulesetJson(rs).nftables;
    // `list tables` / `list chains` / `list sets|maps`: only those objects (and metainfo), as nft -j
    if (r.list === 'tables') list = [list[0], ...rs.tables.map(tableJson)];
    if (r.list === 'chains') list = [list[0], ...rs.chains.map(chainJson)];
    if (kind) list = [list[0], ...rs.sets.filter(kind).map(setJson)];
    // `list chain|set|map`: without the table, as nft -j
    if (r.list === 'chain' || r.list === 'set' || r.list === 'map') list = list.filter((x) => !('table' in (x as object)));
    ctx.out(stringifyJson({ nftables: list }, ctx.pretty ? 4 : undefined) + '\n');
    return;
  }
  if (r.list === 'tables') return void ctx.out(rs.tables.map((t) => `table ${t.family} ${t.name}\n`).join(''));
  if (r.list === 'chains' || kind) {
    // every table, with only those objects in them, as nft prints them
    const only = { ...NONE, tables: rs.tables, chains: r.list === 'chains' ? rs.chains : [], sets: kind ? rs.sets.filter(kind) : [] };
    return void ctx.out(rs.tables.map((t) => tableText(t, only, handles, true)).join(''));
  }
  if (r.list === 'chain' || r.list === 'set' || r.list === 'map') return void ctx.out(rs.tables.map((t) => tableText(t, rs, handles, true)).join(''));
  ctx.out(rulesetText(rs, handles));
}

/** `list counters|quotas|limits|flowtables ...` and `reset counters|quotas ...`: the objects in their tables, as nft prints them. */
async function printObjects(ctx: Context, h: NftHandle, r: NftListRequest, handles: boolean): Promise<void> {
  const kind = r.list.replace(/s$/, '') as 'counter' | 'quota' | 'limit' | 'flowtable';
  const where = { ...(r.family ? { family: r.family } : {}), ...(r.table !== undefined ? { table: r.table } : {}), ...(r.name !== undefined ? { name: r.name } : {}) };
  const rs: NftRuleset = { ...NONE, tables: (await h.tables.list(r.family ? { family: r.family } : undefined)).filter((t) => r.table === undefined || t.name === r.table) };
  // nft prints the tables that have named objects (of any kind: a table of counters shows in
  // `list quotas`, empty), and every table for flowtables: a plain listing takes the objects
  // of every kind in one dump and keeps its kind's
  let owners: readonly NftObject[] | undefined;
  if (kind === 'flowtable') rs.flowtables = await h.flowtables.list(where);
  else if (r.reset) rs.objects = await h.objects.reset({ ...where, type: kind });
  else {
    owners = await h.objects.list(r.name !== undefined ? { ...where, type: kind } : where);
    rs.objects = owners.filter((o) => o.type === kind);
  }
  const found = kind === 'flowtable' ? rs.flowtables : rs.objects;
  if (r.name !== undefined && !found.length) throw new CommandError(`No such file or directory: ${kind} ${[r.family, r.table, r.name].filter(Boolean).join(' ')}`);
  if (ctx.json) {
    const list = [rulesetJson(NONE).nftables[0], ...(kind === 'flowtable' ? rs.flowtables.map(flowtableJson) : rs.objects.map(objectJson))];
    ctx.out(stringifyJson({ nftables: list }, ctx.pretty ? 4 : undefined) + '\n');
    return;
  }
  if (r.reset && r.name === undefined) owners = await h.objects.list(where);
  else if (r.reset) owners = rs.objects;
  const has = (t: NftTable) => !owners || owners.some((o) => o.family === t.family && o.table === t.name);
  ctx.out(rs.tables.filter(has).map((t) => tableText(t, rs, handles, true)).join(''));
}

const OBJECT_LISTS = new Set(['counters', 'counter', 'quotas', 'quota', 'limits', 'limit', 'flowtables', 'flowtable']);

export const nft: CommandGroup = {
  name: 'nft',
  usage: USAGE,
  async run(argv, ctx) {
    const { options, positionals } = parseGroupArgs(argv, ctx, OPTIONS);
    if (typeof options.file === 'string') {
      if (positionals.length) throw new UsageError('-f FILE takes no command words');
      return runScript(options.file, typeof options.netns === 'string' ? options.netns : undefined, options.check === true,
        Array.isArray(options.includepath) ? options.includepath : []);
    }
    if (options.check) throw new UsageError('-c goes with -f FILE');
    if (!positionals.length) throw new UsageError('missing command');
    const req = parseNftCommand(positionals);
    const h = openNft(typeof options.netns === 'string' ? { netns: options.netns } : {});
    try {
      if ('commands' in req) {
        await h.transaction(req.commands);
        return;
      }
      if (OBJECT_LISTS.has(req.list)) return await printObjects(ctx, h, req, options.handle === true);
      const rs = await h.ruleset(req.family !== undefined ? { family: req.family } : undefined);
      const picked = byRequest(rs, req);
      if ((req.list === 'table' || req.list === 'chain' || req.list === 'set' || req.list === 'map') && !(req.list === 'table' ? picked.tables.length : req.list === 'chain' ? picked.chains.length : picked.sets.length))
        throw new CommandError(`No such file or directory: ${req.list} ${[req.family, req.table, req.name].filter(Boolean).join(' ')}`);
      print(ctx, picked, req, options.handle === true);
    } catch (e) {
      if (e instanceof NftTransactionError) throw new CommandError(e.message, { cause: e });
      throw e;
    } finally {
      h.close();
    }
  },
};

