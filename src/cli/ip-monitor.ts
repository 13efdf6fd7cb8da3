// `nlkit monitor` as `ip monitor`: one event after another from nlkit/route's monitor, each
// printed by its object command's own printer (link, address, neigh...) with ip's "Deleted "
// before a deletion. With -j, one JSON object a line: { object, action, [nsid, netns], value }
// where value is the object as `nlkit -j OBJECT show` prints it (ip 6.1's monitor has no JSON).
// After an overrun the monitor dumps the watched kinds afresh: announced as
// "Resync: N routes" (JSON: { resync: { object, count, values } }), the values replacing
// whatever a consumer built from earlier lines.
import type { MonitorItem } from '../route/monitor.js';
import type { ObjectKind, ObjectTypes } from '../route/objects.js';
import { type IpEnv, type IpObject, IpUsageError, isPrefix, Words } from './ip-command.js';
import { printJson } from './ip-output.js';

/** How one kind's objects print: a plain text (its lines, ending in a newline) and the -j value. */
interface Printer<K extends ObjectKind> {
  text(value: ObjectTypes[K], env: IpEnv): string;
  json(value: ObjectTypes[K], env: IpEnv): unknown;
}

type Printers = { [K in ObjectKind]: () => Promise<Printer<K>> };

/**
 * Route, rule and nexthop events: the line their own command prints (`nlkit route show`...),
 * through its printer; under -j the domain object (ip 6.1's monitor has no JSON to match).
 */
const recordPrinter = <K extends ObjectKind>(load: () => Promise<(p: import('./ip-printer.js').Printer, v: ObjectTypes[K]) => void>) => async (): Promise<Printer<K>> => {
  const [print, { printed }] = await Promise.all([load(), import('./ip-printer.js')]);
  return {
    text: (v) => {
      const out = printed(false, (p) => print(p, v));
      return out.endsWith('\n') ? out : `${out}\n`;
    },
    json: (v) => v,
  };
};

/** Each kind's printer, loaded when the monitor watches it (the objects' own modules). */
const PRINTERS: Printers = {
  link: async () => {
    const { viewHeader } = await import('./ip-link-fields.js');
    // ip monitor's link lines: no `mode`, no `qlen`
    const header = (l: ObjectTypes['link']) => viewHeader(l, { qlen: false });
    return { text: (l) => { const h = header(l); return `${h.line1}\n${h.line2}\n`; }, json: (l) => header(l).json };
  },
  address: async () => {
    const { addrText, addrJson } = await import('./ip-address.js');
    return { text: (a) => `${a.ifindex}: ${a.ifname ?? `if${a.ifindex}`}${addrText(a, '\n')}`, json: (a) => ({ ifindex: a.ifindex, ifname: a.ifname, addr_info: [addrJson(a)] }) };
  },
  neighbour: async () => {
    const { neighText, neighJson } = await import('./ip-neigh.js');
    return { text: (n, env) => neighText(n, env, true), json: (n, env) => neighJson(n, env, true) };
  },
  nsid: async () => ({
    // ip's print_nsid
    text: (n) => `nsid ${n.nsid} ${n.name !== undefined ? `(iproute2 netns name: ${n.name})` : ''}\n`,
    json: (n) => ({ nsid: n.nsid, ...(n.name !== undefined ? { name: n.name } : {}) }),
  }),
  route: recordPrinter<'route'>(async () => {
    const { printRoute } = await import('./ip-route-print.js');
    return (p, r) => printRoute(p, r, { details: false, tables: true, hide: new Set(), sl: '\n' });
  }),
  rule: recordPrinter<'rule'>(async () => {
    const { printRule } = await import('./ip-rule.js');
    return (p, r) => printRule(p, r, false);
  }),
  nexthop: recordPrinter<'nexthop'>(async () => {
    const { printNexthop } = await import('./ip-route-print.js');
    return (p, n) => printNexthop(p, n, false);
  }),
};

/** ip monitor's object words in its matching order, with ip's `label` banners. */
const OBJECT_WORDS: { word: string; kind: ObjectKind; banner: string; plural: string }[] = [
  { word: 'link', kind: 'link', banner: 'LINK', plural: 'links' },
  { word: 'address', kind: 'address', banner: 'ADDR', plural: 'addresses' },
  { word: 'route', kind: 'route', banner: 'ROUTE', plural: 'routes' },
  { word: 'neigh', kind: 'neighbour', banner: 'NEIGH', plural: 'neighbours' },
  { word: 'rule', kind: 'rule', banner: 'RULE', plural: 'rules' },
  { word: 'nsid', kind: 'nsid', banner: 'NSID', plural: 'nsids' },
  { word: 'nexthop', kind: 'nexthop', banner: 'NEXTHOP', plural: 'nexthops' },
];

interface Request {
  kinds: ObjectKind[];
  allNsid: boolean;
  label: boolean;
}

function parse(words: Words): Request {
  const kinds = new Set<ObjectKind>();
  let all = false, allNsid = false, label = false;
  while (!words.done) {
    const w = words.shift()!;
    if (w === 'all') all = true;
    else if (w === 'all-nsid' || w === '--all-nsid' || w === '-all-nsid') allNsid = true;
    else if (isPrefix(w, 'label')) label = true;
    else if (isPrefix(w, 'help')) throw new IpUsageError(USAGE, 255);
    else {
      const o = OBJECT_WORDS.find((x) => isPrefix(w, x.word));
      if (!o) throw new IpUsageError(`Argument "${w}" is unknown, try "nlkit monitor help".`, 255);
      kinds.add(o.kind);
    }
  }
  return { kinds: all || kinds.size === 0 ? OBJECT_WORDS.map((o) => o.kind) : [...kinds], allNsid, label };
}

const USAGE = `Usage: nlkit monitor [ all | OBJECTS ] [ all-nsid ] [ label ]
OBJECTS :=  { link | address | route | neigh | rule | nsid | nexthop }`;

async function run(words: Words, env: IpEnv): Promise<number> {
  const req = parse(words);
  const printers = new Map<ObjectKind, Printer<ObjectKind>>();
  for (const k of req.kinds) printers.set(k, (await PRINTERS[k]()) as Printer<ObjectKind>);
  const { makeMonitor } = await import('../route/monitor.js');
  const family = env.family === 'inet' || env.family === 'inet6' ? { family: env.family } : {};
  const mon = makeMonitor(env.route)(req.kinds, { allNsid: req.allNsid, ...family, ...(env.rcvbuf ? { rcvbuf: env.rcvbuf } : {}) });
  const stop = () => mon.close();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    for await (const item of mon) print(item, req, printers, env);
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    mon.close();
  }
  return 0;
}

function print(item: MonitorItem, req: Request, printers: Map<ObjectKind, Printer<ObjectKind>>, env: IpEnv): void {
  if (item.kind === 'error') {
    env.err(`nlkit monitor: ${item.error instanceof Error ? item.error.message : String(item.error)}\n`);
    return;
  }
  if (item.kind === 'overrun') {
    if (env.json) printJson(env, { overrun: true });
    else env.out('Overrun: events were lost\n');
    return;
  }
  const p = printers.get(item.object)!;
  const origin = item.nsid === undefined ? {} : { nsid: item.nsid, ...(item.netns !== undefined ? { netns: item.netns } : {}) };
  const words = OBJECT_WORDS.find((o) => o.kind === item.object)!;
  if (item.kind === 'resync') {
    if (env.json) printJson(env, { resync: { object: item.object, ...origin, count: item.values.length, values: item.values.map((v) => p.json(v, env)) } });
    else env.out(`${nsidPrefix(req, item.nsid)}Resync: ${item.values.length} ${words.plural}\n`);
    return;
  }
  if (env.json) {
    printJson(env, { object: item.object, action: item.action, ...origin, value: p.json(item.value, env) });
    return;
  }
  const banner = req.label ? `[${words.banner}]` : '';
  env.out(`${nsidPrefix(req, item.nsid)}${banner}${item.action === 'del' ? 'Deleted ' : ''}${p.text(item.value, env)}`);
}

/** all-nsid's prefix as ip writes it. */
function nsidPrefix(req: Request, nsid: number | undefined): string {
  if (!req.allNsid) return '';
  return nsid === undefined ? '[nsid current]' : `[nsid ${nsid}]`;
}

/** A word of ip monitor's line as a command of the table (every word is one): the run sees the whole line. */
const wordCommand = (name: string, aliases?: string[], synopsis = '') => ({
  name, aliases, synopsis, keywords: [...OBJECT_WORDS.map((o) => o.word), 'all', 'all-nsid', 'label'],
  run: (words: Words, env: IpEnv) => run(new Words([name, ...words.rest()]), env),
});

export const monitor: IpObject = {
  name: 'monitor',
  default: 'all',
  commands: [
    // ip's order: the objects by prefix ("a" is address), then all
    ...OBJECT_WORDS.map((o, i) => wordCommand(o.word, undefined, i === 0 ? '[ all | OBJECTS ] [ all-nsid ] [ label ]' : '')),
    wordCommand('all'),
    wordCommand('all-nsid', ['--all-nsid', '-all-nsid']),
    wordCommand('label'),
  ],
  where: 'OBJECTS :=  { link | address | route | neigh | rule | nsid | nexthop }\n',
};
