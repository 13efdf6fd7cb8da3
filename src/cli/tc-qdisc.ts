// `nlkit tc qdisc` as `tc qdisc`: add, change, replace, del and show in tc's words
// (tc_qdisc.c tc_qdisc_modify / tc_qdisc_list), over nlkit/tc's qdiscs, printed as
// tc's print_qdisc prints them (tc-print.ts).
import { makeQdiscs, type Qdisc, type QdiscFilter, type QdiscRef, type QdiscSpec } from '../tc/qdiscs.js';
import { HelpWanted, type IpCommand, type IpEnv, type IpObject, IpUsageError, type Words } from './ip-command.js';
import type { Printer } from './ip-printer.js';
import { printKindRest, printList } from './tc-print.js';
import { blockIndexWord, estimatorWords, kindOptions, QDISC_WORDS } from './tc-words.js';
import type { Estimator } from '../tc/tc-object.js';

interface Place {
  dev?: string;
  handle?: string;
  parent?: string;
  kind?: string;
  estimator?: Estimator;
  ingressBlock?: number;
  egressBlock?: number;
}

/** tc's words for the shared blocks of a clsact/ingress qdisc: the Place key. */
const BLOCK_WORDS = { ingress_block: 'ingressBlock', egress_block: 'egressBlock' } as const;

function setOnce(p: Place, key: 'parent' | 'handle' | 'dev', v: string, word: string): void {
  if (p[key] !== undefined) throw new IpUsageError(`Error: duplicate "${word}": "${v}" is the second value.`);
  p[key] = v;
}

/** The words before the kind: where the qdisc is. `ingress`/`clsact` name the kind and its place. */
function parsePlace(words: Words, show: boolean): Place {
  const p: Place = {};
  while (!words.done) {
    const w = words.peek()!;
    if (w === 'dev') {
      words.shift();
      setOnce(p, 'dev', words.value(), 'dev');
    } else if (w === 'handle') {
      words.shift();
      setOnce(p, 'handle', words.value(), 'handle');
    } else if (w === 'root') {
      words.shift();
      setOnce(p, 'parent', 'root', 'qdisc');
    } else if (w === 'parent') {
      words.shift();
      setOnce(p, 'parent', words.value(), 'parent');
    } else if (w === 'ingress' || w === 'clsact') {
      words.shift();
      setOnce(p, 'parent', 'ingress', 'qdisc');
      if (!show) {
        p.kind = w;
        break;
      }
    } else if (w === 'estimator' && !show) {
      words.shift();
      p.estimator = estimatorWords(words);
    } else if (w === 'help') throw new HelpWanted();
    else if ((w === 'ingress_block' || w === 'egress_block') && !show) {
      words.shift();
      p[BLOCK_WORDS[w]] = blockIndexWord(words, `${w === 'ingress_block' ? 'ingress' : 'egress'} block`);
    } else if (['estimator', 'stab', 'invisible'].includes(w)) throw new IpUsageError(`Error: nlkit tc qdisc does not take "${w}" yet.`, 1);
    else if (show) throw new IpUsageError(`What is "${w}"? Try "tc qdisc help".`); // tc_qdisc_list returns -1: status 255
    else {
      words.shift();
      p.kind = w;
      break;
    }
  }
  return p;
}

function needDev(p: Place): string {
  if (p.dev === undefined) throw new IpUsageError('Error: nlkit tc qdisc needs "dev NAME" (tc: Cannot find device).', 1);
  return p.dev;
}

function specOf(words: Words): QdiscSpec {
  const p = parsePlace(words, false);
  if (p.kind === undefined) throw new IpUsageError('Error: a qdisc kind is required (htb, tbf, ingress, clsact...).', 1);
  // tc's words give text values: the domain layer checks them (and the kind) as it builds the request
  const spec = { dev: needDev(p), kind: p.kind, ...kindOptions(p.kind, words, QDISC_WORDS, 'qdisc') } as QdiscSpec;
  if (p.parent !== undefined && p.kind !== 'ingress' && p.kind !== 'clsact') spec.parent = p.parent;
  if (p.handle !== undefined) spec.handle = p.handle;
  if (p.estimator !== undefined) spec.estimator = p.estimator;
  if (p.ingressBlock !== undefined) spec.ingressBlock = p.ingressBlock;
  if (p.egressBlock !== undefined) spec.egressBlock = p.egressBlock;
  return spec;
}

function writer(name: 'add' | 'change' | 'replace', synopsis: string): IpCommand {
  return {
    name, synopsis, aliases: name === 'change' ? ['chg'] : undefined, keywords: ['dev', 'handle', 'root', 'ingress', 'clsact', 'parent', 'ingress_block', 'egress_block'],
    run: async (words, env) => void (await makeQdiscs(env.route)[name](specOf(words))),
  };
}

async function del(words: Words, env: IpEnv): Promise<void> {
  const p = parsePlace(words, false);
  if (!words.done) throw new IpUsageError(`What is "${words.peek()}"? Try "tc qdisc help".`, 1);
  const ref: QdiscRef = { dev: needDev(p) };
  if (p.kind !== undefined) ref.kind = p.kind;
  if (p.parent !== undefined && p.kind !== 'ingress' && p.kind !== 'clsact') ref.parent = p.parent;
  if (p.handle !== undefined) ref.handle = p.handle;
  await makeQdiscs(env.route).delete(ref);
}

/** tc prints a qdisc's handle as its major ('1:', '0:'), the parent in full. */
const major = (h: string) => (h.endsWith(':') ? h : `${h.split(':')[0]}:`);

/** One qdisc as tc's print_qdisc prints it. */
export function printQdisc(p: Printer, q: Qdisc, env: Pick<IpEnv, 'details' | 'stats'>, devFiltered: boolean): void {
  p.open();
  p.s('kind', 'qdisc ', q.kind);
  p.s('handle', '', major(q.handle));
  if (!devFiltered) p.s('dev', 'dev ', q.dev);
  if (q.parent === 'root') p.bool('root', 'root ', true);
  else if (q.parent !== 'none') p.s('parent', 'parent ', q.parent === 'ingress' ? 'ffff:fff1' : q.parent);
  if (q.refcnt !== 1) p.u('refcnt', 'refcnt ', q.refcnt);
  // a clsact/ingress qdisc sharing a filter block (tc qdisc add ... ingress_block N clsact)
  if (q.ingressBlock) p.u('ingress_block', 'ingress_block ', q.ingressBlock);
  if (q.egressBlock) p.u('egress_block', 'egress_block ', q.egressBlock);
  printKindRest(p, 'qdisc', q, env);
  p.close();
}

async function show(words: Words, env: IpEnv): Promise<void> {
  const p = parsePlace(words, true);
  const filter: QdiscFilter = {};
  if (p.dev !== undefined) filter.dev = p.dev;
  if (p.parent !== undefined) filter.parent = p.parent;
  if (p.handle !== undefined) filter.handle = p.handle;
  const list = await makeQdiscs(env.route).list(filter);
  printList(env, list, (printer, q) => printQdisc(printer, q, env, p.dev !== undefined));
}

export const qdisc: IpObject = {
  name: 'tc qdisc',
  default: 'show',
  commands: [
    // tc's order (do_qdisc): add, change, replace, link, delete, show
    writer('add', 'add dev STRING [ handle QHANDLE ] [ root | ingress | clsact | parent CLASSID ] [ ingress_block BLOCK_INDEX ] [ egress_block BLOCK_INDEX ] [ QDISC_KIND [ OPTIONS ] ]'),
    writer('change', 'change dev STRING [ handle QHANDLE ] [ root | parent CLASSID ] QDISC_KIND [ OPTIONS ]'),
    writer('replace', 'replace dev STRING [ handle QHANDLE ] [ root | parent CLASSID ] QDISC_KIND [ OPTIONS ]'),
    { name: 'delete', synopsis: 'del dev STRING [ handle QHANDLE ] [ root | ingress | clsact | parent CLASSID ] [ QDISC_KIND ]', run: del },
    { name: 'show', aliases: ['list', 'lst'], synopsis: 'show [ dev STRING ] [ root | ingress | handle QHANDLE | parent CLASSID ]', keywords: ['dev', 'root', 'ingress', 'handle', 'parent'], run: show },
  ],
  where: `QDISC_KIND := { htb | tbf | fq | fq_codel | sfq | prio | pfifo | bfifo | netem | ingress | clsact | hfsc | cake | drr | qfq }
OPTIONS := as tc takes them for the kind (tbf: rate RATE burst SIZE latency TIME | limit SIZE [ peakrate RATE mtu SIZE ] ...)
`,
};
