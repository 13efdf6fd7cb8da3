// `nlkit tc chain` as `tc chain`: add, delete, show (get) of filter chains.
import { makeChains, type ChainSpec } from '../tc/chains.js';
import { type IpEnv, type IpObject, IpUsageError, type Words } from './ip-command.js';
import { printList } from './tc-print.js';

function parse(words: Words): Record<string, unknown> {
  const s: Record<string, unknown> = {};
  while (!words.done) {
    const w = words.shift()!;
    if (w === 'dev') s.dev = words.value();
    else if (w === 'root' || w === 'ingress' || w === 'egress') s.parent = w;
    else if (w === 'parent') s.parent = words.value();
    else if (w === 'chain') {
      const v = words.value();
      if (!/^\d+$/.test(v)) throw new IpUsageError(`Illegal "chain index" "${v}"`);
      s.chain = Number(v);
    } else if (w === 'help') throw new IpUsageError('Usage: nlkit tc chain [ add | del | get | show ] dev STRING [ ingress | egress | parent CLASSID ] [ chain INDEX ]', 0);
    else throw new IpUsageError(`What is "${w}"? Try "nlkit tc chain help"`);
  }
  if (s.dev === undefined) throw new IpUsageError('Error: "dev" is needed.', 1);
  return s;
}

async function show(words: Words, env: IpEnv): Promise<void> {
  const s = parse(words);
  let list = await makeChains(env.route).list({ dev: s.dev as string, parent: s.parent as string | undefined });
  if (s.chain !== undefined) list = list.filter((c) => c.chain === s.chain);
  printList(env, list, (p, c) => {
    p.open();
    p.s('parent', 'chain parent ', c.parent);
    p.u('chain', 'chain ', c.chain, ' \n');
    p.close();
  });
}

export const chain: IpObject = {
  name: 'tc chain',
  default: 'show',
  commands: [
    { name: 'add', synopsis: 'add dev STRING [ ingress | egress | parent CLASSID ] chain INDEX', run: async (words, env) => void (await makeChains(env.route).add(parse(words) as unknown as ChainSpec)) },
    { name: 'delete', synopsis: 'del dev STRING [ ingress | egress | parent CLASSID ] chain INDEX', run: async (words, env) => void (await makeChains(env.route).delete(parse(words) as unknown as ChainSpec)) },
    { name: 'get', synopsis: 'get dev STRING [ ingress | egress | parent CLASSID ] chain INDEX', run: show },
    { name: 'list', aliases: ['show'], synopsis: 'show dev STRING [ ingress | egress | parent CLASSID ] [ chain INDEX ]', run: show },
  ],
};
