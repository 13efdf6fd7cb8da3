// `nlkit tc chain` as `tc chain`: add, delete, show (get) of filter chains.
import { makeChains, type Chain, type ChainSpec } from '../tc/chains.js';
import { parseFilterParent } from '../tc/filters.js';
import { type IpEnv, type IpObject, IpUsageError, type Words } from './ip-command.js';
import { printList } from './tc-print.js';
import { talk } from './tc-talk.js';
import { blockIndexWord, checkDevOrBlock } from './tc-words.js';

function parse(words: Words): Record<string, unknown> {
  const s: Record<string, unknown> = {};
  while (!words.done) {
    const w = words.shift()!;
    if (w === 'dev') s.dev = words.value();
    else if (w === 'block') s.block = blockIndexWord(words);
    else if (w === 'root' || w === 'ingress' || w === 'egress') s.parent = w;
    else if (w === 'parent') s.parent = words.value();
    else if (w === 'chain') {
      const v = words.value();
      if (!/^\d+$/.test(v)) throw new IpUsageError(`Illegal "chain index" "${v}"`);
      s.chain = Number(v);
    } else if (w === 'help') throw new IpUsageError('Usage: nlkit tc chain [ add | del | get | show ] [ dev STRING [ ingress | egress | parent CLASSID ] | block BLOCK_INDEX ] [ chain INDEX ]', 0);
    else throw new IpUsageError(`What is "${w}"? Try "nlkit tc chain help"`);
  }
  checkDevOrBlock(s);
  return s;
}

/** Chains as tc prints them: a block instead of the parent; no parent or chain where the show named it. */
function printChains(env: IpEnv, list: Chain[], named: { parent?: unknown; chain?: unknown; block?: unknown }): void {
  const asked = named.parent === undefined ? undefined : parseFilterParent(named.parent);
  printList(env, list, (p, c) => {
    p.open();
    p.text('chain ');
    if (c.block !== undefined) {
      if (named.block === undefined) p.u('block', 'block ', c.block);
    }
    else if (asked === undefined || parseFilterParent(c.parent) !== asked) p.s('parent', 'parent ', c.parent);
    if (named.chain === undefined) p.u('chain', 'chain ', c.chain, ' ');
    p.text('\n');
    p.close();
  });
}

async function show(words: Words, env: IpEnv): Promise<void> {
  const s = parse(words);
  let list = await makeChains(env.route).list(s as { dev?: string; block?: number; parent?: string });
  if (s.chain !== undefined) list = list.filter((c) => c.chain === s.chain);
  printChains(env, list, s);
}

/** tc chain get: the kernel's answer for that one chain (or its error), printed whole. */
async function get(words: Words, env: IpEnv): Promise<void> {
  const c = await talk(makeChains(env.route).get(parse(words) as unknown as ChainSpec));
  printChains(env, [c], {});
}

export const chain: IpObject = {
  name: 'tc chain',
  default: 'show',
  commands: [
    { name: 'add', synopsis: 'add dev STRING [ ingress | egress | parent CLASSID ] chain INDEX', run: async (words, env) => void (await talk(makeChains(env.route).add(parse(words) as unknown as ChainSpec))) },
    { name: 'delete', synopsis: 'del dev STRING [ ingress | egress | parent CLASSID ] chain INDEX', run: async (words, env) => void (await talk(makeChains(env.route).delete(parse(words) as unknown as ChainSpec))) },
    { name: 'get', synopsis: 'get dev STRING [ ingress | egress | parent CLASSID ] chain INDEX', run: get },
    { name: 'list', aliases: ['show'], synopsis: 'show dev STRING [ ingress | egress | parent CLASSID ] [ chain INDEX ]', run: show },
  ],
};
