// `nlkit tc actions` as `tc actions`: add, change, replace, delete, get, list, flush of
// standalone actions over nlkit/tc's actions, in tc's words, printed as tc prints them.
import { makeActions } from '../tc/actions.js';
import type { Action } from '../tc/index.js';
import { type IpEnv, type IpObject, IpUsageError, type Words } from './ip-command.js';
import { parseActions } from './tc-filter-words.js';
import { printAction } from './tc-action-print.js';
import { listPrinter } from './ip-printer.js';
import { talk } from './tc-talk.js';

/** `action KIND [index N]` of delete/get/list/flush. */
function kindAndIndex(words: Words, needIndex: boolean): { kind: string; index?: number } {
  if (words.shift() !== 'action') throw new IpUsageError('Error: expected "action KIND".', 1);
  const kind = words.value();
  let index: number | undefined;
  while (!words.done) {
    const w = words.shift()!;
    if (w === 'index') {
      const v = words.value();
      if (!/^\d+$/.test(v)) throw new IpUsageError(`Error: illegal index "${v}".`);
      index = Number(v);
    } else throw new IpUsageError(`Error: unknown argument "${w}".`);
  }
  if (needIndex && index === undefined) throw new IpUsageError('Error: "index" is needed.', 1);
  return index === undefined ? { kind } : { kind, index };
}

/** tc -j's shape of an actions message: [{"total acts": N}, {"actions": [...]}]. */
function print(env: IpEnv, list: Action[], total: number, first: number): void {
  const stats = env.stats > 0;
  const p = listPrinter(env);
  p.open();
  p.u('total acts', 'total acts ', total, '\n');
  p.close();
  p.open();
  p.openList('actions');
  list.forEach((a, i) => {
    p.open();
    printAction(p, a, first + i, stats);
    p.close();
  });
  p.closeList();
  p.close();
  p.finish();
}

/** m_action.c's report of a refused add, change, replace, get or delete (exit -1). */
const kernel = <T>(request: Promise<T>): Promise<T> => talk(request, undefined, 255);

const writer = (name: 'add' | 'replace', alias?: string) => ({
  name, aliases: alias ? [alias] : undefined, synopsis: `${name} ACTIONSPEC`,
  run: async (words: Words, env: IpEnv) => {
    const specs = parseActions(words);
    if (!specs.length) throw new IpUsageError('Error: "action KIND ..." is needed.', 1);
    const a = makeActions(env.route);
    // one message per action here (tc sends them in one); add many: one transaction
    if (specs.length === 1) return void (await kernel(a[name](specs[0]!)));
    const r = await a[name](specs);
    if (r.failures.length) await kernel(Promise.reject(r.failures[0]!.error));
  },
});

export const actions: IpObject = {
  name: 'tc actions',
  default: 'list',
  commands: [
    // tc's order (do_action): add, change, replace, delete, list/show, get, flush
    writer('add'),
    { ...writer('replace'), name: 'change' },
    writer('replace'),
    { name: 'delete', synopsis: 'delete action KIND index INDEX', run: async (words, env) => void (await kernel(makeActions(env.route).delete(kindAndIndex(words, true) as { kind: string; index: number }))) },
    {
      name: 'list', aliases: ['show', 'ls'], synopsis: 'list action KIND',
      run: async (words, env) => {
        const list = await makeActions(env.route).list({ kind: kindAndIndex(words, false).kind });
        print(env, list, list.length, 0);
      },
    },
    {
      name: 'get', synopsis: 'get action KIND index INDEX',
      run: async (words, env) => print(env, [await kernel(makeActions(env.route).get(kindAndIndex(words, true) as { kind: string; index: number }))], 0, 1),
    },
    { name: 'flush', synopsis: 'flush action KIND', run: async (words, env) => void (await talk(makeActions(env.route).flush({ kind: kindAndIndex(words, false).kind }), 'We have an error flushing', 1)) },
  ],
  where: `ACTIONSPEC := action KIND [ ARGS ] [ CONTROL ] [ index INDEX ] ...
KIND := mirred | police | gact | skbedit | vlan | tunnel_key | pedit
CONTROL := pass | pipe | drop | continue | reclassify | ok | stolen | trap | goto chain N | jump N`,
};

