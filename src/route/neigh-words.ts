// The words `ip neigh` and `bridge fdb` use for a neighbour entry's state and flags, and the
// kernel's (the rt-neigh spec's) names they stand for.
import type { NtfExtFlagsEnum, NtfFlagsEnum, NudStateEnum } from '../ynl/families/rt-neigh.js';

/** NUD states by ip's word (lowercase); 'none' is no bit. */
export const NUD_STATES = ['incomplete', 'reachable', 'stale', 'delay', 'probe', 'failed', 'noarp', 'permanent', 'none'] as const;
export type NudState = (typeof NUD_STATES)[number];

/** ip's words for the NTF_* flags it prints (ip neigh / bridge fdb). */
const NTF_WORDS: [NtfFlagsEnum, string][] = [
  ['self', 'self'], ['master', 'master'], ['router', 'router'], ['proxy', 'proxy'], ['ext-learned', 'extern_learn'],
  ['offloaded', 'offload'], ['sticky', 'sticky'], ['use', 'use'],
];
const NTF_EXT_WORDS: [NtfExtFlagsEnum, string][] = [['managed', 'managed'], ['locked', 'locked'], ['ext-validated', 'ext_validated']];

type Bits = readonly (string | number | bigint)[] | undefined;

/** The state list of an entry ([] → ['none']). */
export function stateWords(state: Bits): NudState[] {
  const s = (state ?? []).filter((x): x is NudStateEnum => typeof x === 'string');
  return s.length === 0 ? ['none'] : s;
}

/** The flag words of an entry (NTF_* then NTF_EXT_*), leaving out those given apart (`skip`). */
export function flagWords(flags: Bits, ext: Bits, skip: readonly string[] = []): string[] {
  const have = new Set<unknown>(flags ?? []);
  const haveExt = new Set<unknown>(ext ?? []);
  const out = NTF_WORDS.filter(([k]) => have.has(k)).map(([, w]) => w);
  for (const [k, w] of NTF_EXT_WORDS) if (haveExt.has(k)) out.push(w);
  return out.filter((w) => !skip.includes(w));
}

/** clock_t ticks (USER_HZ, 100 on Linux) as whole seconds, as `ip -s neigh` prints them. */
export const ticksToSeconds = (t: number): number => Math.floor(t / 100);
