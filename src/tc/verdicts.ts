// What a tc action says happens next (the "control action", TC_ACT_* in <linux/pkt_cls.h>),
// in tc's words: 'drop', 'pass', 'pipe', 'continue', 'goto chain 5', 'jump 2'.
import { NetlinkArgumentError } from '../core/errors.js';
import { quote } from '../core/options.js';

/** A verdict as tc writes it ('ok' is 'pass', 'shot' is 'drop'). */
export type Verdict = 'continue' | 'pass' | 'ok' | 'reclassify' | 'drop' | 'shot' | 'pipe' | 'stolen' | 'trap' | `goto chain ${number}` | `jump ${number}`;

/** TC_ACT_* values by tc's names; the first name of a value is how it is printed. */
const VERDICTS: readonly [string, number][] = [
  ['continue', -1], ['pass', 0], ['ok', 0], ['reclassify', 1], ['drop', 2], ['shot', 2], ['pipe', 3],
  ['stolen', 4], ['trap', 8],
];
const BY_NAME = new Map(VERDICTS);
const NAME_OF = new Map<number, string>();
for (const [n, v] of VERDICTS) if (!NAME_OF.has(v)) NAME_OF.set(v, n);

/** TC_ACT_JUMP and TC_ACT_GOTO_CHAIN: opcodes in the top 4 bits, the count or chain below. */
const TC_ACT_JUMP = 0x10000000;
const TC_ACT_GOTO_CHAIN = 0x20000000;
const EXT_MASK = 0xf0000000;
const VAL_MASK = 0x0fffffff;

export const VERDICT_NAMES = VERDICTS.map(([n]) => n);

/** tc's verdict text (or the value itself) to the s32 the kernel takes. */
export function parseVerdict(v: unknown, option = 'verdict'): number {
  if (typeof v === 'string') {
    const named = BY_NAME.get(v);
    if (named !== undefined) return named;
    const m = /^(goto chain|jump) (\d+)$/.exec(v);
    if (m && Number(m[2]) <= VAL_MASK) return ((m[1] === 'jump' ? TC_ACT_JUMP : TC_ACT_GOTO_CHAIN) | Number(m[2])) | 0;
  }
  throw new NetlinkArgumentError(option, `must be a verdict (${VERDICT_NAMES.join(', ')}, 'goto chain N', 'jump N'), got ${quote(v)}`,
    typeof v === 'string' ? 'ERR_INVALID_ARG_VALUE' : 'ERR_INVALID_ARG_TYPE');
}

/** The kernel's value as tc names it ('goto chain 3'; an unknown one as its number). */
export function verdictName(n: number): Verdict {
  const u = n >>> 0;
  if ((u & EXT_MASK) === TC_ACT_GOTO_CHAIN) return `goto chain ${u & VAL_MASK}`;
  if ((u & EXT_MASK) === TC_ACT_JUMP) return `jump ${u & VAL_MASK}`;
  return (NAME_OF.get(n | 0) ?? String(n | 0)) as Verdict;
}

/** `tc -j`'s control_action object for a verdict: {type: 'drop'} / {type: 'goto', chain: 3} / {type: 'jump', jump: 2}. */
export function verdictJson(n: number): Record<string, unknown> {
  const u = n >>> 0;
  if ((u & EXT_MASK) === TC_ACT_GOTO_CHAIN) return { type: 'goto', chain: u & VAL_MASK };
  if ((u & EXT_MASK) === TC_ACT_JUMP) return { type: 'jump', jump: u & VAL_MASK };
  return { type: NAME_OF.get(n | 0) ?? String(n | 0) };
}
