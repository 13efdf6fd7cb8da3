// `nlkit nexthop` as `ip nexthop`: list/show, get, add, replace, del, flush and bucket
// list/get, over nlkit/route's nexthops module, printed as iproute2's print_nexthop.
import { makeNexthops, type Nexthop, type NexthopFilter, type NexthopSpec } from '../route/nexthops.js';
import { type IpCommand, type IpEnv, type IpObject, type Plan, IpUsageError, getUint, invalidArgument, isPrefix, ipMatch, uintValue as uintArg, type Words } from './ip-command.js';
import { routeProtocols } from '../route/names.js';
import { listPrinter, type Printer } from './ip-printer.js';
import { parseEncap } from './ip-encap.js';
import { printNexthop } from './ip-route-print.js';

const U32 = 0xffffffff;

const uintValue = (text: string, what: string, max = U32) => uintArg(text, what, max, '');

/** `id[,weight]/id[,weight]/...` */
function groupOf(text: string): { id: number; weight: number }[] {
  return text.split('/').map((m) => {
    const [id, weight, extra] = m.split(',');
    if (extra !== undefined || !id) throw invalidArgument('Invalid nexthop group', text);
    return { id: uintValue(id, 'id'), weight: weight === undefined ? 1 : uintValue(weight, 'weight', 256) };
  });
}

/** ip's ipnh_modify grammar. */
function specOf(words: Words, env: IpEnv): NexthopSpec {
  const s: NexthopSpec = {};
  while (!words.done) {
    const w = words.shift()!;
    if (w === 'id') s.id = uintValue(words.value(), 'id');
    else if (w === 'via') {
      let v = words.value();
      if (v === 'inet' || v === 'inet6') v = words.value();
      s.via = v;
    } else if (w === 'dev') s.dev = words.value();
    else if (w === 'blackhole') s.blackhole = true;
    else if (w === 'onlink') s.onlink = true;
    else if (w === 'fdb') s.fdb = true;
    else if (w === 'group') s.group = groupOf(words.value());
    else if (w === 'type') {
      const v = words.value();
      if (v !== 'mpath' && v !== 'resilient') throw invalidArgument('"type" value is invalid', v);
      s.type = v;
    } else if (w === 'buckets') s.buckets = uintValue(words.value(), 'buckets', 0xffff);
    else if (w === 'idle_timer') s.idleTimer = uintValue(words.value(), 'idle_timer');
    else if (w === 'unbalanced_timer') s.unbalancedTimer = uintValue(words.value(), 'unbalanced_timer');
    else if (w === 'hw_stats') {
      const v = words.value();
      if (v !== 'on' && v !== 'off') throw invalidArgument('"hw_stats" value is invalid', v);
      s.hwStats = v === 'on';
    } else if (isPrefix(w, 'protocol')) { const v = words.value(); s.protocol = /^\d+$/.test(v) ? Number(v) : v; }
    else if (w === 'help') throw new IpUsageError(USAGE);
    else if (w === 'encap') s.encap = parseEncap(words);
    else throw invalidArgument('Unknown argument', w);
  }
  if (env.family === 'inet' || env.family === 'inet6') s.family = env.family;
  return s;
}

/** ip's SELECTOR: id, dev, vrf/master, groups, fdb, protocol (checked here: the kernel has no such filter). */
function selectionOf(words: Words): { filter: NexthopFilter; protocol?: string } {
  const filter: NexthopFilter = {};
  let protocol: string | undefined;
  while (!words.done) {
    const w = words.shift()!;
    if (w === 'id') filter.id = uintValue(words.value(), 'id');
    else if (w === 'dev') filter.dev = words.value();
    else if (w === 'vrf' || w === 'master') filter.master = words.value();
    else if (w === 'groups') filter.groups = true;
    else if (w === 'fdb') filter.fdb = true;
    else if (isPrefix(w, 'protocol')) protocol = words.value();
    else if (w === 'help') throw new IpUsageError(USAGE);
    else throw invalidArgument('Unknown argument', w);
  }
  return { filter, protocol };
}

function printOne(p: Printer, nh: Nexthop, details: boolean): void {
  p.open();
  printNexthop(p, nh, details);
  p.text('\n');
  p.close();
  p.end();
}

/**
 * A `protocol` selector: a number as ip 6.1 reads it (get_unsigned), or a name; as the name
 * nexthops carry. 0 selects every nexthop, as in ip (its filter treats 0 as none).
 */
function protocolOf(text: string): string | undefined {
  let n: number;
  try {
    n = getUint(text) ?? routeProtocols().value(text, 'protocol');
  } catch {
    throw invalidArgument('invalid protocol value', text);
  }
  // 0 however written ("unspec" too): no selector
  return n === 0 ? undefined : routeProtocols().name(n);
}

async function listed(words: Words, env: IpEnv): Promise<Nexthop[]> {
  const { filter, protocol } = selectionOf(words);
  const family = env.family === 'inet' || env.family === 'inet6' ? env.family : undefined;
  const proto = protocol === undefined ? undefined : protocolOf(protocol);
  return (await makeNexthops(env.route).list(filter)).filter((n) => (!family || n.family === family) && (proto === undefined || n.protocol === proto));
}

async function show(words: Words, env: IpEnv): Promise<void> {
  const p = listPrinter(env);
  for (const nh of await listed(words, env)) printOne(p, nh, env.details > 0);
  p.finish();
}

async function get(words: Words, env: IpEnv): Promise<void> {
  const { filter } = selectionOf(words);
  if (filter.id === undefined) throw new IpUsageError('Error: nexthop id is required', 1);
  const nh = await makeNexthops(env.route).get(filter.id);
  const p = listPrinter(env);
  printOne(p, nh, env.details > 0);
  p.finish();
}

async function flush(words: Words, env: IpEnv): Promise<void> {
  const list = await listed(words, env);
  const nexthops = makeNexthops(env.route);
  // groups before their members, as the module's own flush
  const ids = [...list.filter((n) => n.group), ...list.filter((n) => !n.group)].map((n) => n.id);
  const r = ids.length ? await nexthops.delete(ids) : { done: 0, failures: [] };
  // ip nexthop flush says what it did, -s or not
  if (!env.json) env.out(r.done ? `Flushed ${r.done} nexthops\n` : 'Nothing to flush\n');
  if (r.failures.length) throw r.failures[0].error;
}

async function bucket(words: Words, env: IpEnv): Promise<void> {
  const sub = words.peek();
  const cmd = sub === undefined ? 'list' : ipMatch(sub, [{ name: 'list', aliases: ['show', 'lst'] }, { name: 'get' }])?.name;
  if (!cmd) throw new IpUsageError(`Error: unknown bucket command "${sub}".`, 1);
  if (sub !== undefined) words.shift();
  const f: { id?: number; dev?: string; nhid?: number } = {};
  let index: number | undefined;
  while (!words.done) {
    const w = words.shift()!;
    if (w === 'id') f.id = uintValue(words.value(), 'id');
    else if (w === 'dev') f.dev = words.value();
    else if (w === 'nhid') f.nhid = uintValue(words.value(), 'nhid');
    else if (w === 'index') index = uintValue(words.value(), 'index', 0xffff);
    else throw invalidArgument('Unknown argument', w);
  }
  if (cmd === 'get' && (f.id === undefined || index === undefined)) throw new IpUsageError('Error: nexthop bucket get needs id and index', 1);
  const list = (await makeNexthops(env.route).buckets(f)).filter((b) => index === undefined || b.index === index);
  const p = listPrinter(env);
  for (const b of list) {
    p.open();
    p.u('id', 'id ', b.id);
    p.open('bucket');
    p.u('index', 'index ', b.index);
    p.u('idle_time', 'idle_time ', b.idleTime);
    p.u('nhid', 'nhid ', b.nhid);
    p.close();
    // the bucket's rtnh flags are not in the domain object
    p.openList('flags');
    p.closeList();
    p.text('\n');
    p.close();
    p.end();
  }
  p.finish();
}

function writer(name: 'add' | 'replace' | 'delete', synopsis: string): IpCommand {
  const parse = (words: Words, env: IpEnv): NexthopSpec => specOf(words, env);
  const one = async (env: IpEnv, s: NexthopSpec) => {
    const nh = makeNexthops(env.route);
    if (name === 'delete') {
      if (s.id === undefined) throw new IpUsageError('Error: nexthop id is required', 1);
      await nh.delete(s.id);
    } else await nh[name](s);
  };
  const plan = name === 'replace' ? undefined : (words: Words, env: IpEnv): Plan => ({
    key: `nexthop ${name}`,
    spec: parse(words, env),
    runMany: async (e, specs) => {
      const nh = makeNexthops(e.route);
      const list = specs as NexthopSpec[];
      return name === 'add' ? nh.add(list) : nh.delete(list.map((s) => s.id ?? 0));
    },
  });
  return { name, synopsis, run: async (words, env) => one(env, parse(words, env)), ...(plan ? { plan } : {}) };
}

const USAGE = `Usage: nlkit nexthop { list | flush } [ protocol ID ] SELECTOR
       nlkit nexthop { add | replace } id ID NH [ protocol ID ]
       nlkit nexthop { get | del } id ID
       nlkit nexthop bucket list BUCKET_SELECTOR
       nlkit nexthop bucket get id ID index INDEX`;

export const nexthop: IpObject = {
  name: 'nexthop',
  default: 'list',
  commands: [
    // ip's order (do_ipnh)
    writer('add', 'add id ID NH [ protocol ID ]'),
    writer('replace', 'replace id ID NH [ protocol ID ]'),
    { name: 'get', synopsis: 'get id ID', keywords: ['id'], run: get },
    writer('delete', 'del id ID'),
    { name: 'list', aliases: ['show', 'lst'], synopsis: 'list [ protocol ID ] SELECTOR', keywords: ['id', 'dev', 'vrf', 'master', 'groups', 'fdb', 'protocol'], run: show },
    { name: 'flush', synopsis: 'flush [ protocol ID ] SELECTOR', run: flush },
    { name: 'bucket', synopsis: 'bucket { list [ id ID ] [ nhid ID ] [ dev DEV ] | get id ID index INDEX }', run: bucket },
  ],
  where: `SELECTOR := [ id ID ] [ dev DEV ] [ vrf NAME ] [ master DEV ] [ groups ] [ fdb ]
NH := { blackhole | [ via ADDRESS ] [ dev DEV ] [ onlink ] | group GROUP [ hw_stats {on|off} ] [ fdb ] [ type TYPE [ TYPE_ARGS ] ] }
GROUP := [ <id[,weight]>/<id[,weight]>/... ]
TYPE := { mpath | resilient }
TYPE_ARGS := [ buckets BUCKETS ] [ idle_timer IDLE ] [ unbalanced_timer UNBALANCED ]
`,
};
