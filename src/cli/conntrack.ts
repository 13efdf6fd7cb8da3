// `nlkit conntrack`: the conntrack tool's commands and options (-L, -G, -D, -F, -E, -I, -U,
// -C, -S with -p, -s, -d, --sport, --dport, -m, -f...) over nlkit/netfilter's conntrack
// table; plain output as `conntrack -L` prints it, -j / -o json one JSON object per line.
import { NetlinkArgumentError } from '../core/errors.js';
import { openConntrack, type Conntrack, type CtKey, type CtSpec } from '../netfilter/conntrack.js';
import { protocolWord, tupleFieldsOf, type CtEntry, type CtTuple } from '../netfilter/ct-entry.js';
import type { CtFilter } from '../netfilter/ct-filter.js';
import { entryJson, entryXml, expectationXml, formatEntry, formatExpectation, xmlDocument, xmlHead, xmlTail } from '../netfilter/ct-format.js';
import type { CtExpectation } from '../netfilter/ct-expect.js';
import { createExpectation, isExpectCreate, parameterProblem } from './conntrack-expect-create.js';
import { formatOptions, parseArgs, UsageError, type OptionSpec } from './args.js';
import { type CommandGroup, type Context, HelpRequest } from './command.js';

/** The commands (one per invocation, as the conntrack tool takes them). */
const COMMANDS: readonly OptionSpec[] = [
  { name: 'dump', short: 'L', type: 'boolean', description: 'list the entries' },
  { name: 'get', short: 'G', type: 'boolean', description: 'get one entry by its tuple' },
  { name: 'delete', short: 'D', type: 'boolean', description: 'delete the entries the filter selects' },
  { name: 'flush', short: 'F', type: 'boolean', description: 'empty the table (or one family\'s entries with -f)' },
  { name: 'event', short: 'E', type: 'boolean', description: 'print events as they happen' },
  { name: 'create', short: 'I', type: 'boolean', description: 'create an entry' },
  { name: 'update', short: 'U', type: 'boolean', description: 'change the mark, timeout, status or state of an entry' },
  { name: 'count', short: 'C', type: 'boolean', description: 'print how many entries the table holds' },
  { name: 'stats', short: 'S', type: 'boolean', description: 'print the per-CPU statistics' },
];

const OPTIONS: readonly OptionSpec[] = [
  { name: 'proto', short: 'p', type: 'string', description: 'tcp, udp, icmp, icmpv6, sctp... or a number' },
  { name: 'src', short: 's', type: 'string', description: 'original source address' },
  { name: 'orig-src', type: 'string', description: '(same as --src)' },
  { name: 'dst', short: 'd', type: 'string', description: 'original destination address' },
  { name: 'orig-dst', type: 'string', description: '(same as --dst)' },
  { name: 'reply-src', short: 'r', type: 'string', description: 'reply source address' },
  { name: 'reply-dst', short: 'q', type: 'string', description: 'reply destination address' },
  { name: 'sport', type: 'string', description: 'original source port' },
  { name: 'orig-port-src', type: 'string', description: '(same as --sport)' },
  { name: 'dport', type: 'string', description: 'original destination port' },
  { name: 'orig-port-dst', type: 'string', description: '(same as --dport)' },
  { name: 'reply-port-src', type: 'string', description: 'reply source port' },
  { name: 'reply-port-dst', type: 'string', description: 'reply destination port' },
  { name: 'icmp-type', type: 'string', description: 'ICMP type' },
  { name: 'icmp-code', type: 'string', description: 'ICMP code' },
  { name: 'icmp-id', type: 'string', description: 'ICMP id' },
  { name: 'mark', short: 'm', type: 'string', description: 'MARK or MARK/MASK' },
  { name: 'zone', short: 'w', type: 'string', description: 'zone' },
  { name: 'family', short: 'f', type: 'string', description: 'ipv4 or ipv6' },
  { name: 'status', short: 'u', type: 'string', description: 'status flags (ASSURED,SEEN_REPLY...; UNREPLIED in a filter): filter, or what to set' },
  { name: 'state', type: 'string', description: 'TCP state (ESTABLISHED...)' },
  { name: 'timeout', short: 't', type: 'string', description: 'seconds (create, update)' },
  { name: 'event-mask', short: 'e', type: 'string', description: 'NEW,UPDATE,DESTROY (or ALL) for -E' },
  { name: 'output', short: 'o', type: 'string', description: 'extended, id, json, xml (comma separated)' },
  { name: 'zero', short: 'z', type: 'boolean', description: 'zero the counters while listing (-L)' },
  { name: 'tuple-src', type: 'string', description: 'expect table: the expected source address' },
  { name: 'tuple-dst', type: 'string', description: 'expect table: the expected destination address' },
  { name: 'tuple-port-src', type: 'string', description: 'expect table: the expected source port' },
  { name: 'tuple-port-dst', type: 'string', description: 'expect table: the expected destination port' },
  { name: 'mask-src', type: 'string', description: 'expect table: the mask of the expected source address' },
  { name: 'mask-dst', type: 'string', description: 'expect table: the mask of the expected destination address' },
  { name: 'mask-port-src', type: 'string', description: 'expect table: the mask of the expected source port' },
  { name: 'mask-port-dst', type: 'string', description: 'expect table: the mask of the expected destination port' },
  { name: 'helper', type: 'string', description: '-I: the helper of the entry, or of the expectation (nlkit\'s option)' },
  { name: 'netns', type: 'string', description: 'run in this network namespace' },
  { name: 'json', short: 'j', type: 'boolean', description: 'one JSON object per line' },
  { name: 'help', short: 'h', type: 'boolean', description: 'print help and exit' },
];

const USAGE = `Usage: nlkit conntrack COMMAND [OPTIONS]
Commands (one), as the conntrack tool takes them:
${formatOptions(COMMANDS)}
Options:
${formatOptions(OPTIONS)}

Filters (-p, -s, -d, -r, -q, ports, -m, -w, -f, -u, --state) select the entries -L and -D
take and the events -E prints; the kernel filters a dump where it can. -I needs -p, -s, -d
(ports or --icmp-type) and -t; the reply tuple is the inverse of the original one.

The expectation table: nlkit conntrack -L|-D|-F|-I expect. For -D, -p, -s, -d, --sport,
--dport select by the master connection, --tuple-src and --tuple-dst by the expected one.
-I expect takes what conntrack-tools 1.4.7 takes: -p, -s, -d (and --sport, --dport for
tcp, udp...) name the master connection (it must exist and have a helper); --tuple-src,
--tuple-dst (ADDR or ADDR/LEN, which gives the mask), --tuple-port-src, --tuple-port-dst
the expected one; --mask-src, --mask-dst, --mask-port-src, --mask-port-dst what of it the
kernel compares; -t the seconds. nlkit adds -w ZONE and --helper NAME (the kernel takes
them). Exit status as the tool's: 2 for a command-line problem, 1 when the kernel refuses.
`;

/** Options that give a number, and the name they have in errors. */
function num(v: unknown, option: string): number | undefined {
  if (v === undefined) return undefined;
  const s = String(v);
  if (!/^(0x[0-9a-f]+|\d+)$/i.test(s)) throw new UsageError(`--${option} needs a number, got "${s}"`);
  return Number(s);
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

interface Words {
  filter: CtFilter;
  orig: Partial<CtTuple>;
  reply: Partial<CtTuple>;
  proto?: string;
}

function defined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

function readWords(o: Record<string, unknown>): Words {
  const proto = str(o.proto);
  const orig = defined({
    src: str(o.src ?? o['orig-src']), dst: str(o.dst ?? o['orig-dst']),
    sport: num(o.sport ?? o['orig-port-src'], 'sport'), dport: num(o.dport ?? o['orig-port-dst'], 'dport'),
    type: num(o['icmp-type'], 'icmp-type'), code: num(o['icmp-code'], 'icmp-code'), id: num(o['icmp-id'], 'icmp-id'),
  });
  const reply = defined({
    src: str(o['reply-src']), dst: str(o['reply-dst']),
    sport: num(o['reply-port-src'], 'reply-port-src'), dport: num(o['reply-port-dst'], 'reply-port-dst'),
  });
  const filter: CtFilter = defined({
    ...orig,
    family: str(o.family) as CtFilter['family'],
    protocol: proto,
    zone: num(o.zone, 'zone'),
    mark: str(o.mark),
    status: str(o.status),
    state: str(o.state),
    reply: Object.keys(reply).length ? reply : undefined,
  });
  return { filter, orig, reply, proto };
}

function outputFlags(o: Record<string, unknown>, ctx: Context): { json: boolean; extended: boolean; id: boolean; xml: boolean } {
  const words = typeof o.output === 'string' ? o.output.split(',') : [];
  for (const w of words) if (!['extended', 'id', 'json', 'xml', 'timestamp', 'ktimestamp', 'labels', 'userspace'].includes(w)) throw new UsageError(`unknown output format "${w}"`);
  const json = ctx.json || o.json === true || words.includes('json');
  if (words.includes('xml') && json) throw new UsageError('-o xml and json: one of them');
  return { json, extended: words.includes('extended'), id: words.includes('id'), xml: words.includes('xml') };
}

function keyOf(w: Words): CtKey {
  if (!w.proto) throw new UsageError('this command needs -p PROTO');
  if (w.orig.src === undefined || w.orig.dst === undefined) throw new UsageError('this command needs -s and -d (the original tuple)');
  return defined({ family: w.filter.family, protocol: w.proto, orig: w.orig as CtTuple, zone: w.filter.zone });
}

const EVENT_NAMES = { NEW: 'new', UPDATE: 'update', DESTROY: 'destroy' } as const;

async function events(ct: Conntrack, o: Record<string, unknown>, w: Words, out: ReturnType<typeof outputFlags>, ctx: Context): Promise<number> {
  const mask = typeof o['event-mask'] === 'string' ? o['event-mask'].toUpperCase().split(',') : ['ALL'];
  const want: { new?: boolean; update?: boolean; destroy?: boolean } = {};
  for (const m of mask) {
    if (m === 'ALL') continue;
    const k = EVENT_NAMES[m as keyof typeof EVENT_NAMES];
    if (!k) throw new UsageError(`unknown event "${m}" (there are NEW, UPDATE, DESTROY, ALL)`);
    want[k] = true;
  }
  const filter = Object.keys(w.filter).length ? w.filter : undefined;
  const stream = ct.events({ ...want, ...(filter ? { filter } : {}) });
  const stop = () => stream.close();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  if (out.xml) ctx.out(xmlHead('conntrack'));
  try {
    for await (const item of stream) {
      if (item.type === 'overrun') ctx.err('WARNING: events were lost (the receive queue overflowed)\n');
      else if (item.type === 'error') ctx.err(`WARNING: a message could not be read: ${(item.error as Error)?.message ?? String(item.error)}\n`);
      else if (out.json) ctx.out(`${entryJson({ type: item.type, ...item.entry, ...(item.portId === undefined ? {} : { portId: item.portId }) })}\n`);
      // as the conntrack tool: a change made by a process is marked after the flow
      else if (out.xml) ctx.out(`${entryXml(item.entry, item.type)}${item.portId === undefined ? '' : ` [USERSPACE] portid=${item.portId}`}\n`);
      else ctx.out(`${formatEntry(item.entry, { ...out, event: item.type.toUpperCase(), portId: item.portId })}\n`);
    }
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    if (out.xml) ctx.out(xmlTail('conntrack'));
  }
  return 0;
}

/** Whether an expectation is what the -D options select (master's tuple and the expected addresses). */
function expectMatches(e: CtExpectation, o: Record<string, unknown>): boolean {
  const want: [unknown, unknown][] = [
    [str(o.proto), e.protocol], [str(o.src ?? o['orig-src']), e.master.src], [str(o.dst ?? o['orig-dst']), e.master.dst],
    [num(o.sport ?? o['orig-port-src'], 'sport'), e.master.sport], [num(o.dport ?? o['orig-port-dst'], 'dport'), e.master.dport],
    [str(o['tuple-src']), e.tuple.src], [str(o['tuple-dst']), e.tuple.dst], [str(o.family), e.family],
  ];
  return want.every(([w, v]) => w === undefined || w === v);
}

const EXPECT_FILTERS = ['proto', 'src', 'orig-src', 'dst', 'orig-dst', 'sport', 'orig-port-src', 'dport', 'orig-port-dst', 'tuple-src', 'tuple-dst', 'family'];

async function expectTable(ct: Conntrack, command: string, o: Record<string, unknown>, out: ReturnType<typeof outputFlags>, ctx: Context): Promise<number> {
  const print = (list: CtExpectation[]) => {
    if (out.xml) return void (list.length && ctx.out(xmlDocument('expect', list.map(expectationXml))));
    for (const e of list) ctx.out(`${out.json ? entryJson(e) : formatExpectation(e)}\n`);
  };
  const summary = (verb: string, n: number) => {
    if (!out.json) ctx.err(`nlkit conntrack: ${n} expectations have been ${verb}.\n`);
  };
  switch (command) {
    case 'dump': {
      const list = (await ct.expectations.list(typeof o.family === 'string' ? { family: o.family as 'ipv4' } : undefined)).filter((e) => expectMatches(e, o));
      print(list);
      summary('shown', list.length);
      return 0;
    }
    case 'delete': {
      if (!EXPECT_FILTERS.some((k) => o[k] !== undefined)) throw new UsageError('-D expect needs a filter (-F expect empties the table)');
      const found = (await ct.expectations.list()).filter((e) => expectMatches(e, o));
      let n = 0;
      for (const e of found) {
        try {
          await ct.expectations.delete(e);
          n++;
        } catch (err) {
          // gone meanwhile (it expired, or its connection came): not an error
          if ((err as { code?: string }).code !== 'ENOENT') throw err;
        }
      }
      print(found);
      summary('deleted', n);
      return 0;
    }
    case 'create':
      return createExpectation(ct, o, ctx);
    case 'flush':
      await ct.expectations.flush();
      if (!out.json) ctx.err('nlkit conntrack: expectation table has been emptied.\n');
      return 0;
  }
  throw new UsageError('the expect table takes -L, -D, -F and -I');
}

/**
 * -U without a whole tuple, as the tool does it: every entry the tuple options (-p, -s, -d,
 * ports, -r, -q, -f, -w) select gets the new mark, timeout, status or state, and is printed.
 */
async function updateWhere(ct: Conntrack, o: Record<string, unknown>, w: Words, ctx: Context, print: (e: CtEntry[], bare: boolean) => void, summary: (verb: string, n: number) => void): Promise<number> {
  const { mark: _m, status: _s, state: _st, ...filter } = w.filter;
  if (!Object.keys(filter).length) throw new UsageError('-U needs the entries to change: -p, -s, -d, ports... (or the whole tuple)');
  const values = defined({ timeout: num(o.timeout, 'timeout'), mark: num(o.mark, 'mark'), status: str(o.status), state: str(o.state) });
  const found = await ct.list(filter);
  if (!found.length) {
    summary('updated', 0);
    return 0;
  }
  // one transaction for them all; each failure is its entry's own, the rest still change (as -D)
  const keys = found.map((e): CtKey => defined({ family: e.family, protocol: e.protonum, orig: e.orig, zone: e.zone }));
  const r = await ct.update(keys.map((key) => ({ ...key, ...values })));
  const failedAt = new Set<number>();
  let failed = 0;
  for (const f of r.failures) {
    failedAt.add(f.index);
    // gone meanwhile (it expired or was deleted): not an error
    if ((f.error as { code?: string }).code === 'ENOENT') continue;
    failed++;
    ctx.err(`nlkit conntrack: an entry could not be updated: ${f.error.message}\n`);
  }
  // printed as the tool prints them: each read back by its tuple (a get, whose use count
  // differs from a dump's)
  let n = 0;
  for (const [i, key] of keys.entries()) {
    if (failedAt.has(i)) continue;
    try {
      print([await ct.get(key)], true);
      n++;
    } catch (err) {
      if ((err as { code?: string }).code !== 'ENOENT') throw err; // gone since its update
    }
  }
  summary('updated', n);
  return failed ? 2 : 0;
}

/** Whether the words name one entry (its whole original tuple), so -U can address it directly. */
function wholeTuple(w: Words): boolean {
  const { src, dst } = w.orig;
  if (!w.proto || src === undefined || dst === undefined || src.includes('/') || dst.includes('/')) return false;
  // a protocol nobody knows takes the general path, which says why
  const proto = protocolWord(w.proto);
  return proto !== undefined && tupleFieldsOf(proto).every((f) => w.orig[f] !== undefined);
}

async function run(argv: readonly string[], ctx: Context): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs(argv, [...COMMANDS, ...OPTIONS]);
  } catch (e) {
    // -I expect answers as the tool does (status 2), even for an option nobody knows
    if (e instanceof UsageError && isExpectCreate(argv)) return parameterProblem(ctx, e.message);
    throw e;
  }
  const { options: o, positionals } = parsed;
  if (o.help) throw new HelpRequest('help');
  // `conntrack -L conntrack` / `conntrack -L expect`: the tables there are
  for (const p of positionals) if (p !== 'conntrack' && p !== 'expect') throw new UsageError(`unexpected "${p}" (the tables are conntrack and expect)`);
  const commands = COMMANDS.filter((c) => o[c.name]);
  if (commands.length !== 1) throw new UsageError(commands.length ? `one command at a time (got ${commands.map((c) => `-${c.short}`).join(' ')})` : 'a command is needed (-L, -G, -D, -F, -E, -I, -U, -C, -S)');
  if (o.zero && commands[0].name !== 'dump') throw new UsageError('-z goes with -L');
  const out = outputFlags(o, ctx);
  const ct = openConntrack(typeof o.netns === 'string' ? { netns: o.netns } : {});
  if (positionals.includes('expect')) {
    try {
      return await expectTable(ct, commands[0].name, o, out, ctx);
    } finally {
      ct.close();
    }
  }
  const w = readWords(o);
  // -o xml: the flows inside <conntrack>, opened with the first one (an empty table prints nothing, as conntrack's)
  let opened = false;
  // `bare`: -o xml flows without the document around them, as the tool prints what -D and -U change
  const print = (entries: Parameters<typeof formatEntry>[0][], bare = false) => {
    for (const e of entries) {
      if (out.xml && !opened && !bare) ctx.out(xmlHead('conntrack'));
      opened = !bare;
      ctx.out(`${out.json ? entryJson(e) : out.xml ? entryXml(e) : formatEntry(e, out)}\n`);
    }
  };
  const close = () => out.xml && opened && ctx.out(xmlTail('conntrack'));
  const summary = (verb: string, n: number) => {
    if (!out.json) ctx.err(`nlkit conntrack: ${n} flow entries have been ${verb}.\n`);
  };
  try {
    switch (commands[0].name) {
      case 'dump': {
        if (o.zero) {
          // as the conntrack tool: what the kernel zeroes is what is shown
          if (Object.keys(w.filter).some((k) => k !== 'family')) throw new UsageError("can't use -z with filtering parameters (other than -f)");
          const zeroed = await ct.listAndZero(w.filter.family ? { family: w.filter.family } : undefined);
          print(zeroed);
          close();
          summary('shown', zeroed.length);
          return 0;
        }
        // streamed: a table of a million entries prints in bounded memory
        let n = 0;
        for await (const e of ct.entries(w.filter)) {
          print([e]);
          n++;
        }
        close();
        summary('shown', n);
        return 0;
      }
      case 'get':
        // the conntrack tool's -G -o xml leaves the document unclosed: printed as it does
        print([await ct.get(keyOf(w))]);
        summary('shown', 1);
        return 0;
      case 'delete': {
        if (Object.keys(w.filter).length === 0) throw new UsageError('-D needs a filter (-F empties the table)');
        const r = await ct.deleteWhere(w.filter);
        print(r.deleted, true);
        close();
        for (const f of r.failures) ctx.err(`nlkit conntrack: an entry could not be deleted: ${f.error.message}\n`);
        summary('deleted', r.done);
        return r.ok ? 0 : 2;
      }
      case 'flush':
        await ct.flush(w.filter.family ? { family: w.filter.family } : undefined);
        if (!out.json) ctx.err('nlkit conntrack: connection tracking table has been emptied.\n');
        return 0;
      case 'event':
        return await events(ct, o, w, out, ctx);
      case 'count':
        ctx.out(`${await ct.count()}\n`);
        return 0;
      case 'stats': {
        const s = await ct.stats();
        if (out.json) ctx.out(`${entryJson(s)}\n`);
        else for (const c of s.cpus) ctx.out(`cpu=${String(c.cpu).padEnd(4)}\tfound=${c.found} invalid=${c.invalid} insert=${c.insert} insert_failed=${c.insertFailed} drop=${c.drop} early_drop=${c.earlyDrop} error=${c.error} search_restart=${c.searchRestart} clash_resolve=${c.clashResolve} chaintoolong=${c.chainToolong}\n`);
        return 0;
      }
      default: {
        // create / update
        const create = commands[0].name === 'create';
        if (!create && !wholeTuple(w)) return await updateWhere(ct, o, w, ctx, print, summary);
        const spec: CtSpec = {
          ...keyOf(w),
          ...defined({
            timeout: num(o.timeout, 'timeout'), mark: num(o.mark, 'mark'), status: str(o.status), state: str(o.state),
            reply: create && Object.keys(w.reply).length ? (w.reply as CtTuple) : undefined,
            helper: create ? str(o.helper) : undefined,
          }),
        };
        if (create) await ct.create(spec);
        else {
          await ct.update(spec);
          // as the tool: the entry as it is now (read back), in the output format asked for
          print([await ct.get(keyOf(w))], true);
        }
        summary(create ? 'created' : 'updated', 1);
        return 0;
      }
    }
  } catch (e) {
    if (e instanceof NetlinkArgumentError) throw new UsageError(e.message);
    throw e;
  } finally {
    ct.close();
  }
}

export const conntrack: CommandGroup = { name: 'conntrack', usage: USAGE, run };
