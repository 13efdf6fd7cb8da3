// tc's ematch expressions (tc/m_ematch.c, em_cmp.c, em_u32.c) to nlkit/tc's basic `match`
// list: `cmp(u8 at 9 layer network eq 6) and not u32(u32 0x0a000000 0xff000000 at 12)`. One
// level of and/or/not (no parentheses around groups): what ematch.ts sends.
import type { Ematch } from '../tc/ematch.js';
import { IpUsageError } from './ip-command.js';

const usage = (why: string) => new IpUsageError(`Error: ematch: ${why}. Usage: EXPR := [ not ] MATCH [ { and | or } EXPR ]; MATCH := cmp(ALIGN at OFFSET [ mask MASK ] [ layer LAYER ] [ trans ] { eq | gt | lt } VALUE) | u32(u32 VALUE MASK at OFFSET)`, 1);

const number = (v: string | undefined, what: string): number => {
  if (v === undefined || !/^(0x[0-9a-f]+|\d+)$/i.test(v)) throw usage(`${what} must be a number, got "${v ?? ''}"`);
  return Number(v);
};

/** em_cmp.c's operators and layers by tc's spellings. */
const OPS: Record<string, 'eq' | 'gt' | 'lt'> = { eq: 'eq', '=': 'eq', gt: 'gt', '>': 'gt', lt: 'lt', '<': 'lt' };
const LAYERS: Record<string, 'link' | 'network' | 'transport'> = { link: 'link', '0': 'link', network: 'network', '1': 'network', transport: 'transport', '2': 'transport' };

/** Each kind's arguments (inside the parentheses) to its fields. */
const KIND_ARGS: Record<string, (a: string[]) => Ematch> = {
  cmp(a) {
    const size = a[0];
    if (size !== 'u8' && size !== 'u16' && size !== 'u32') throw usage(`cmp needs an ALIGN (u8, u16, u32) first, got "${size ?? ''}"`);
    if (a[1] !== 'at') throw usage('cmp needs "at OFFSET"');
    const cmp: Extract<Ematch, { cmp: unknown }>['cmp'] = { size, at: number(a[2], 'at'), op: 'eq', value: 0 };
    let op: string | undefined;
    for (let i = 3; i < a.length; i++) {
      if (a[i] === 'mask') cmp.mask = number(a[++i], 'mask');
      else if (a[i] === 'layer') {
        const l = LAYERS[a[++i] ?? ''];
        if (!l) throw usage(`layer must be link, network or transport, got "${a[i] ?? ''}"`);
        cmp.layer = l;
      } else if (a[i] === 'trans') cmp.trans = true;
      else if (OPS[a[i]!]) {
        op = a[i];
        cmp.op = OPS[a[i]!]!;
        cmp.value = number(a[++i], 'the value');
      } else throw usage(`cmp: what is "${a[i]}"?`);
    }
    if (op === undefined) throw usage('cmp needs an operator and value (eq|gt|lt VALUE)');
    return { cmp };
  },
  u32(a) {
    if (a[0] !== 'u32') throw usage(`nlkit's u32 ematch takes the u32 ALIGN only, got "${a[0] ?? ''}"`);
    if (a[3] !== 'at' || a.length !== 5) throw usage('u32 is "u32 VALUE MASK at OFFSET"');
    return { u32: { value: number(a[1], 'value'), mask: number(a[2], 'mask'), at: number(a[4], 'offset') } };
  },
};

/** An expression (tc's words joined) to the match list. */
export function parseEmatch(text: string): Ematch[] {
  const tokens = text.match(/\(|\)|[^\s()]+/g) ?? [];
  const out: Ematch[] = [];
  let i = 0;
  while (i < tokens.length) {
    let not = false;
    if (tokens[i] === 'not' || tokens[i] === '!') {
      not = true;
      i++;
    }
    const kind = tokens[i++];
    const parse = kind === undefined ? undefined : KIND_ARGS[kind];
    if (!parse) throw usage(`unknown ematch "${kind ?? ''}" (nlkit reads cmp and u32)`);
    if (tokens[i++] !== '(') throw usage(`"${kind}" needs its arguments in parentheses`);
    const args: string[] = [];
    while (i < tokens.length && tokens[i] !== ')') args.push(tokens[i++]!);
    if (tokens[i++] !== ')') throw usage('a ")" is missing');
    const m = parse(args);
    if (not) m.not = true;
    out.push(m);
    if (i === tokens.length) break;
    const rel = tokens[i++];
    if (rel === 'or' || rel === '||') m.next = 'or';
    else if (rel !== 'and' && rel !== '&&') throw usage(`"and" or "or" expected, got "${rel}"`);
    if (i === tokens.length) throw usage(`nothing after "${rel}"`);
  }
  if (!out.length) throw usage('an expression is needed');
  return out;
}
