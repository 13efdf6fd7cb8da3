// ss's filter expressions (`state established '( dport = :ssh or sport = :443 )'`) parsed into
// states and a SocketFilter the kernel runs.
import { readFileSync } from 'node:fs';
import type { PortCondition, SocketFilter } from '../diag/bytecode.js';
import { parseStates, type SocketState } from '../diag/names.js';
import { UsageError } from './args.js';

export interface SsExpression {
  /** From `state X` (each adds) and `exclude X` (each removes); undefined: not given. */
  states?: SocketState[];
  exclude: SocketState[];
  filter?: SocketFilter;
}

const OPS: Record<string, 'eq' | 'ne' | 'ge' | 'le' | 'gt' | 'lt'> = {
  '=': 'eq', '==': 'eq', 'eq': 'eq', '!=': 'ne', 'ne': 'ne', 'neq': 'ne', '>=': 'ge', 'ge': 'ge', 'geq': 'ge',
  '<=': 'le', 'le': 'le', 'leq': 'le', '>': 'gt', 'gt': 'gt', '<': 'lt', 'lt': 'lt',
};

let services: Map<string, number> | undefined;

/** A port as ss takes it: ':22', '22', ':ssh' (from /etc/services). */
function port(word: string | undefined, proto = 'tcp'): number {
  if (word === undefined) throw new UsageError('a port is missing');
  const w = word.startsWith(':') ? word.slice(1) : word;
  if (/^\d+$/.test(w) && Number(w) <= 65535) return Number(w);
  if (!services) {
    services = new Map();
    try {
      for (const line of readFileSync('/etc/services', 'utf8').split('\n')) {
        const m = /^([^\s#]+)\s+(\d+)\/(\w+)((?:\s+[^\s#]+)*)/.exec(line);
        if (!m) continue;
        for (const n of [m[1], ...m[4].trim().split(/\s+/).filter(Boolean)]) if (!services.has(`${n}/${m[3]}`)) services.set(`${n}/${m[3]}`, Number(m[2]));
      }
    } catch {
      // no services file: numbers only
    }
  }
  const n = services.get(`${w}/${proto}`) ?? services.get(`${w}/tcp`) ?? services.get(`${w}/udp`);
  if (n === undefined) throw new UsageError(`"${word}" is not a port`);
  return n;
}

function portCondition(op: string, p: number): PortCondition {
  switch (OPS[op]) {
    case 'eq': return p;
    case 'ne': return { ne: p };
    case 'ge': return { ge: p };
    case 'le': return { le: p };
    // no port is above 65535 or below 0: the bound is refused as out of range
    case 'gt': return { ge: p + 1 };
    case 'lt': return { le: p - 1 };
  }
  throw new UsageError(`"${op}" is not a comparison (=, !=, <, <=, >, >=, eq, ne, lt, le, gt, ge)`);
}

/** `ADDR[/LEN][:PORT]`, `[ADDR6]:PORT`, `:PORT` or `*:PORT`: an address test and maybe a port test. */
function hostCondition(word: string | undefined, local: boolean): SocketFilter {
  if (word === undefined) throw new UsageError('an address is missing');
  let addr = word, p: string | undefined;
  const bracket = /^\[([^\]]+)\](?::(.+))?$/.exec(word);
  if (bracket) [addr, p] = [bracket[1], bracket[2]];
  else if ((word.match(/:/g) ?? []).length === 1) [addr, p] = word.split(':');
  const out: SocketFilter = {};
  if (addr !== '' && addr !== '*') out[local ? 'src' : 'dst'] = addr;
  if (p !== undefined && p !== '*') out[local ? 'sport' : 'dport'] = port(p);
  if (!Object.keys(out).length) throw new UsageError(`"${word}" names no address or port`);
  return out;
}

/** `MARK[/MASK]`, each decimal or 0x hex. */
function markCondition(word: string | undefined): SocketFilter {
  const m = word === undefined ? null : /^(0x[0-9a-f]+|\d+)(?:\/(0x[0-9a-f]+|\d+))?$/i.exec(word);
  const n = (x: string) => Number(x);
  if (!m || n(m[1]) > 0xffffffff || (m[2] !== undefined && n(m[2]) > 0xffffffff)) throw new UsageError(`"${word ?? ''}" is not a mark (MARK[/MASK])`);
  return { mark: { mark: n(m[1]), mask: m[2] === undefined ? 0xffffffff : n(m[2]) } };
}

/**
 * Parses ss's filter words. `ifindex` turns a `dev` word's name into an index (in the namespace
 * listed), asked only when the filter names a device.
 */
export function parseSsExpression(words: readonly string[], ifindex: (dev: string) => number = () => { throw new UsageError('no device names here'); }): SsExpression {
  const out: SsExpression = { exclude: [] };
  let i = 0;
  const peek = () => words[i];
  const next = () => words[i++];

  const primary = (): SocketFilter => {
    const w = next();
    if (w === undefined) throw new UsageError('the filter ends too early');
    if (w === '(') {
      const e = orExpr();
      if (next() !== ')') throw new UsageError('a ")" is missing');
      return e;
    }
    if (w === 'not' || w === '!') return { not: primary() };
    if (w === 'sport' || w === 'dport') {
      let op = '=';
      if (OPS[peek() ?? ''] !== undefined) op = next();
      const cond = portCondition(op, port(next()));
      return { [w]: cond } as SocketFilter;
    }
    if (w === 'dev' || w === 'fwmark') {
      let op = '=';
      if (OPS[peek() ?? ''] !== undefined) op = next();
      if (OPS[op] !== 'eq' && OPS[op] !== 'ne') throw new UsageError(`"${w}" takes = or != only`);
      const v = next();
      if (v === undefined) throw new UsageError(`"${w}" needs a value`);
      const cond = w === 'dev' ? { ifindex: /^\d+$/.test(v) ? Number(v) : ifindex(v) } : markCondition(v);
      return OPS[op] === 'ne' ? { not: cond } : cond;
    }
    if (w === 'src' || w === 'dst') {
      if (peek() === '=' || peek() === '==') next();
      return hostCondition(next(), w === 'src');
    }
    throw new UsageError(`unknown filter word "${w}" (sport, dport, src, dst, dev, fwmark, state, exclude, and, or, not, parentheses)`);
  };
  const andExpr = (): SocketFilter => {
    const parts = [primary()];
    for (;;) {
      const w = peek();
      if (w === 'and' || w === '&&' || w === '&') { next(); parts.push(primary()); continue; }
      if (w === undefined || w === 'or' || w === '||' || w === '|' || w === ')' || w === 'state' || w === 'exclude') break;
      parts.push(primary());
    }
    return parts.length === 1 ? parts[0] : { and: parts };
  };
  const orExpr = (): SocketFilter => {
    const parts = [andExpr()];
    while (peek() === 'or' || peek() === '||' || peek() === '|') { next(); parts.push(andExpr()); }
    return parts.length === 1 ? parts[0] : { or: parts };
  };

  const filters: SocketFilter[] = [];
  while (i < words.length) {
    const w = peek();
    if (w === 'state' || w === 'exclude' || w === 'excl') {
      next();
      const name = next();
      if (name === undefined) throw new UsageError(`"${w}" needs a state`);
      let states: SocketState[];
      try {
        states = parseStates(name, w);
      } catch (e) {
        throw new UsageError((e as Error).message);
      }
      if (w === 'state') out.states = [...new Set([...(out.states ?? []), ...states])];
      else out.exclude.push(...states);
      continue;
    }
    filters.push(orExpr());
  }
  if (filters.length) out.filter = filters.length === 1 ? filters[0] : { and: filters };
  return out;
}
