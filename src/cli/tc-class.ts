// `nlkit tc class` as `tc class`: add, change, replace, del and show in tc's words
// (tc_class.c), over nlkit/tc's classes, printed as tc's print_class prints them.
import { makeClasses, type ClassFilter, type ClassRef, type ClassSpec, type TcClass } from '../tc/classes.js';
import { HelpWanted, type IpCommand, type IpEnv, type IpObject, IpUsageError, type Words } from './ip-command.js';
import type { Printer } from './ip-printer.js';
import { printKindRest, printList } from './tc-print.js';
import { CLASS_WORDS, estimatorWords, kindOptions } from './tc-words.js';
import type { Estimator } from '../tc/tc-object.js';
import { parseHandle } from '../tc/handle.js';

interface Place {
  dev?: string;
  classid?: string;
  parent?: string;
  kind?: string;
  estimator?: Estimator;
}

const KEYWORDS: Record<string, 'dev' | 'classid' | 'parent'> = { dev: 'dev', classid: 'classid', handle: 'classid', parent: 'parent' };

function parsePlace(words: Words, show: boolean): Place {
  const p: Place = {};
  while (!words.done) {
    const w = words.shift()!;
    const key = KEYWORDS[w];
    if (key) {
      const v = words.value();
      if (p[key] !== undefined) throw new IpUsageError(`Error: duplicate "${w}": "${v}" is the second value.`);
      p[key] = v;
    } else if (w === 'root') p.parent = 'root';
    else if (w === 'estimator' && !show) p.estimator = estimatorWords(words);
    else if (w === 'help') throw new HelpWanted();
    else if (show) throw new IpUsageError(`What is "${w}"? Try "tc class help".`); // tc_class_list returns -1: status 255
    else {
      p.kind = w;
      break;
    }
  }
  if (p.dev === undefined) throw new IpUsageError('Error: nlkit tc class needs "dev NAME".', 1);
  return p;
}

/** A `tc class add|change|replace` command line (after the verb) as the spec nlkit sends. */
export function classSpecOf(words: Words): ClassSpec {
  const p = parsePlace(words, false);
  if (p.kind === undefined) throw new IpUsageError('Error: a class kind is required (htb, hfsc, drr, qfq).', 1);
  if (p.classid === undefined) throw new IpUsageError('Error: "classid" is required.', 1);
  // checked by the domain layer as it builds the request
  const spec = { dev: p.dev!, classid: p.classid, kind: p.kind, ...kindOptions(p.kind, words, CLASS_WORDS, 'class') } as ClassSpec;
  if (p.parent !== undefined) spec.parent = p.parent;
  if (p.estimator !== undefined) spec.estimator = p.estimator;
  return spec;
}

function writer(name: 'add' | 'change' | 'replace', synopsis: string): IpCommand {
  return {
    name, synopsis, aliases: name === 'change' ? ['chg'] : undefined, keywords: ['dev', 'parent', 'classid', 'root'],
    run: async (words, env) => void (await makeClasses(env.route)[name](classSpecOf(words))),
  };
}

async function del(words: Words, env: IpEnv): Promise<void> {
  const p = parsePlace(words, false);
  if (p.classid === undefined) throw new IpUsageError('Error: "classid" is required.', 1);
  const ref: ClassRef = { dev: p.dev!, classid: p.classid };
  if (p.parent !== undefined && p.parent !== 'root') ref.parent = p.parent;
  await makeClasses(env.route).delete(ref);
}

/** One class as tc's print_class prints it. */
export function printClass(p: Printer, c: TcClass, env: Pick<IpEnv, 'details' | 'stats'>, devFiltered: boolean): void {
  p.open();
  p.s('class', 'class ', c.kind);
  p.s('handle', '', c.classid);
  if (!devFiltered) p.s('dev', 'dev ', c.dev);
  if (c.parent === 'root') p.bool('root', 'root ', true);
  else p.s('parent', 'parent ', c.parent);
  if (c.leaf !== undefined) p.s('leaf', 'leaf ', c.leaf);
  printKindRest(p, 'class', c, env);
  // tc's print_class ends -s's block with a blank line
  if (env.stats) p.text('\n');
  p.close();
}

async function show(words: Words, env: IpEnv): Promise<void> {
  const p = parsePlace(words, true);
  const filter: ClassFilter = { dev: p.dev! };
  if (p.classid !== undefined) filter.classid = p.classid;
  let list = await makeClasses(env.route).list(filter);
  // tc's `parent P` (and `root`, TC_H_ROOT) names a qdisc by its major, as the kernel's class
  // dump reads tcm_parent: every class of that qdisc, not the classes whose parent is P
  if (p.parent !== undefined) {
    const major = (parseHandle(p.parent, 'parent') & 0xffff0000) >>> 0;
    list = list.filter((c) => (parseHandle(c.classid) & 0xffff0000) >>> 0 === major);
  }
  printList(env, list, (printer, c) => printClass(printer, c, env, true));
}

export const tcClass: IpObject = {
  name: 'tc class',
  default: 'show',
  commands: [
    writer('add', 'add dev STRING [ parent CLASSID ] classid CLASSID QDISC_KIND [ OPTIONS ]'),
    writer('change', 'change dev STRING [ parent CLASSID ] classid CLASSID QDISC_KIND [ OPTIONS ]'),
    writer('replace', 'replace dev STRING [ parent CLASSID ] classid CLASSID QDISC_KIND [ OPTIONS ]'),
    { name: 'delete', synopsis: 'del dev STRING classid CLASSID', run: del },
    { name: 'show', aliases: ['list', 'lst'], synopsis: 'show dev STRING [ root | parent CLASSID | classid CLASSID ]', keywords: ['dev', 'root', 'parent', 'classid'], run: show },
  ],
  where: `QDISC_KIND := { htb | hfsc | drr | qfq }
OPTIONS (htb) := rate RATE [ ceil RATE ] [ burst SIZE ] [ cburst SIZE ] [ prio N ] [ quantum SIZE ] [ mtu SIZE ] [ mpu SIZE ] [ overhead N ]
OPTIONS (hfsc) := [ [ rt SC ] [ ls SC ] | [ sc SC ] ] [ ul SC ]
SC := [ [ m1 RATE ] d TIME ] m2 RATE | [ [ umax SIZE ] dmax TIME ] rate RATE
OPTIONS (drr) := [ quantum SIZE ]
OPTIONS (qfq) := [ weight N ] [ maxpkt SIZE ]
`,
};
