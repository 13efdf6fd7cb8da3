// `nlkit tc filter` as `tc filter`: add, change, replace, del, get, show over nlkit/tc's
// filters, in tc's words (tc-words.ts), printed as tc prints them (tc-print.ts).
import { makeFilters, parseFilterParent, streamFilters, type FilterSelector, type FilterSpec } from '../tc/filters.js';
import { type IpCommand, type IpEnv, type IpObject, IpUsageError, type Words } from './ip-command.js';
import { FILTER_USAGE, parseFilterHead, parseKindWords } from './tc-filter-words.js';
import { printFilter } from './tc-filter-print.js';
import { printEach, printList } from './tc-print.js';
import { talk } from './tc-talk.js';
import { checkDevOrBlock } from './tc-words.js';

/** A `tc filter add|change|replace` command line (after the verb) as the spec nlkit sends. */
export function filterSpecOf(words: Words): FilterSpec {
  const s: Record<string, unknown> = {};
  const kind = parseFilterHead(words, s);
  checkDevOrBlock(s);
  if (kind !== undefined) {
    s.kind = kind;
    parseKindWords(kind, words, s);
  }
  return s as unknown as FilterSpec;
}

function writer(name: 'add' | 'change' | 'replace'): IpCommand {
  return {
    name, synopsis: `${name} { dev STRING [ ingress | egress | root | parent CLASSID ] | block BLOCK_INDEX } [ handle FILTERID ] [ pref PRIO ] [ protocol PROTO ] [ chain N ] FILTER_TYPE [ OPTIONS ]`,
    keywords: ['dev', 'block', 'ingress', 'egress', 'root', 'parent', 'handle', 'pref', 'protocol', 'chain', 'u32', 'bpf', 'matchall', 'fw', 'basic', 'flower', 'action'],
    run: async (words: Words, env: IpEnv) => {
      const spec = filterSpecOf(words);
      if (spec.kind === undefined) throw new IpUsageError('Error: a filter kind is needed (u32, bpf, matchall, fw, basic, flower).', 1);
      await talk(makeFilters(env.route)[name](spec));
    },
  };
}

/** The selector fields of a parsed line (a kind named in a delete or show selects by kind). */
function selectorOf(spec: FilterSpec): FilterSelector {
  const { dev, block, parent, protocol, prio, handle, kind, chain } = spec as unknown as Record<string, never>;
  const sel: Record<string, unknown> = { dev, block, parent, protocol, prio, handle, kind, chain };
  for (const k of Object.keys(sel)) if (sel[k] === undefined) delete sel[k];
  return sel as unknown as FilterSelector;
}

async function show(words: Words, env: IpEnv): Promise<void> {
  const sel = selectorOf(filterSpecOf(words));
  // tc leaves the parent out only where it equals the one asked for: `show dev X ingress` asks
  // for clsact's ffff:fff2, so filters under an ingress qdisc (ffff:) still print theirs
  const asked = sel.parent === undefined ? undefined : parseFilterParent(sel.parent);
  const shown = {
    stats: env.stats > 0, parentNamed: false, devNamed: true,
    // tc's filter_protocol, filter_prio (0: none) and filter_chain_index_set
    protocolNamed: sel.protocol !== undefined, prefNamed: !!sel.prio, chainNamed: sel.chain !== undefined, blockNamed: sel.block !== undefined,
  };
  const same = { ...shown, parentNamed: true };
  await printEach(env, streamFilters(env.route, sel), (p, f) => printFilter(p, f, asked !== undefined && parseFilterParent(f.parent) === asked ? same : shown));
}

async function get(words: Words, env: IpEnv): Promise<void> {
  const sel = selectorOf(filterSpecOf(words));
  const f = await talk(makeFilters(env.route).get(sel));
  const how = { stats: env.stats > 0, parentNamed: false, devNamed: true };
  printList(env, [f], (p, x) => printFilter(p, x, how));
}

export const filter: IpObject = {
  name: 'tc filter',
  default: 'show',
  commands: [
    // tc's order (do_filter): add, change, replace, delete, get, list/show/lst
    writer('add'),
    writer('change'),
    writer('replace'),
    {
      name: 'delete', synopsis: 'del dev STRING [ ingress | egress | root | parent CLASSID ] [ pref PRIO ] [ protocol PROTO ] [ handle FILTERID FILTER_TYPE ]',
      run: async (words, env) => void (await talk(makeFilters(env.route).delete(selectorOf(filterSpecOf(words))))),
    },
    { name: 'get', synopsis: 'get dev STRING parent CLASSID protocol PROTO handle FILTERID pref PRIO FILTER_TYPE', run: get },
    { name: 'list', aliases: ['show', 'lst'], synopsis: 'show dev STRING [ ingress | egress | root | parent CLASSID ] [ pref PRIO ] [ protocol PROTO ] [ chain N ]', run: show },
  ],
  where: FILTER_USAGE.split('\n').slice(5).join('\n'),
};
