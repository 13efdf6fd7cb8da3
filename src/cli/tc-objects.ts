// `nlkit tc OBJECT ...`: tc's objects in tc's order (tc.c do_cmd resolves a prefix to the
// first match: `nlkit tc q` is qdisc, `nlkit tc f` filter). Each row loads its command table
// (an IpObject, as ip's objects) on use; rows without `load` are not implemented yet.
import type { ObjectRow } from './ip-objects.js';

export const TC_OBJECTS: readonly ObjectRow[] = [
  { name: 'qdisc', summary: 'queueing disciplines: show, add, change, replace, del', load: async () => (await import('./tc-qdisc.js')).qdisc },
  { name: 'class', summary: 'classes of classful qdiscs (htb): show, add, change, replace, del', load: async () => (await import('./tc-class.js')).tcClass },
  { name: 'filter', summary: 'classifiers: u32, bpf, matchall, fw, basic, flower, with actions', load: async () => (await import('./tc-filter.js')).filter },
  { name: 'chain', summary: 'filter chains', load: async () => (await import('./tc-chain.js')).chain },
  { name: 'actions', aliases: ['action'], summary: 'standalone actions: mirred, police, gact, skbedit, vlan, tunnel_key, pedit', load: async () => (await import('./tc-actions.js')).actions },
  { name: 'monitor' },
];

export function findTcObject(word: string): ObjectRow | undefined {
  return TC_OBJECTS.find((o) => (word.length > 0 && o.name.startsWith(word)) || o.aliases?.some((a) => word.length > 0 && a.startsWith(word)));
}
