import { NetlinkEncodeError } from './errors.js';

/** Distinct flag values whose names flagNames() keeps, per enum. */
const MAX_NAMED = 256;

/** An enum or a flags set of a family: numbers on the wire, names in objects. */
export class EnumType {
  readonly byValue = new Map<number, string>();
  readonly byName = new Map<string, number>();

  constructor(readonly name: string, readonly flags: boolean, entries: readonly { name: string; value: number }[]) {
    for (const e of entries) {
      if (!this.byValue.has(e.value)) this.byValue.set(e.value, e.name);
      this.byName.set(e.name, e.value);
    }
  }

  private flagView: EnumType | undefined;

  /** This enum read as bits (enum-as-flags): entry value n stands for the mask 1 << n. */
  asFlags(): EnumType {
    if (this.flags) return this;
    return (this.flagView ??= new EnumType(this.name, true, [...this.byName].map(([name, value]) => ({ name, value: 2 ** value }))));
  }

  /** A value's name; numbers the enum does not name stay numbers. */
  name_(v: number): string | number {
    return this.byValue.get(v) ?? v;
  }

  /**
   * The names of the bits set, in bit order; bits without a name are kept as one number
   * at the end, so nothing is lost.
   */
  flagNames(v: number | bigint): (string | number | bigint)[] {
    const out: (string | number | bigint)[] = [];
    if (typeof v === 'bigint') {
      let rest = v;
      for (const [value, name] of this.byValue) {
        const bit = BigInt(value);
        if (bit !== 0n && (v & bit) === bit) { out.push(name); rest &= ~bit; }
      }
      if (rest !== 0n) out.push(rest);
      return out;
    }
    const hit = this.named.get(v);
    if (hit) return hit.slice();
    const bits = (this.bits ??= [...this.byValue].filter(([value]) => value !== 0 && value <= 0xffffffff));
    let rest = v;
    for (let i = 0; i < bits.length; i++) {
      const value = bits[i][0];
      if ((v & value) >>> 0 === value) { out.push(bits[i][1]); rest = (rest & ~value) >>> 0; }
    }
    if (rest !== 0) out.push(rest);
    if (this.named.size < MAX_NAMED) this.named.set(v, out.slice());
    return out;
  }

  /**
   * Lists already made, by value (a copy is returned: callers own their list). A family's
   * flags take few distinct values, so a dump's thousands of objects repeat them; the cap
   * bounds the memory when they do not.
   */
  private readonly named = new Map<number, (string | number | bigint)[]>();

  /** The nonzero 32-bit values and their names, in the order listed: an array walk per decoded value, not a Map iterator. */
  private bits: [number, string][] | undefined;

  /** A name, a number, or (for flags) a list of either -> the number to send. */
  toNumber(v: unknown, path: string, wide = false): number | bigint {
    if (typeof v === 'number' || typeof v === 'bigint') return v;
    if (typeof v === 'string') return this.lookup(v, path, wide);
    if (this.flags && Array.isArray(v)) {
      let acc = 0n;
      for (const x of v) {
        const n = typeof x === 'string' ? this.lookup(x, path, wide) : x;
        if (typeof n !== 'number' && typeof n !== 'bigint') throw new NetlinkEncodeError(`${this.name}: flags are names or numbers, got ${typeof x}`, path);
        acc |= BigInt(n);
      }
      return wide || acc > 0xffffffffn ? acc : Number(acc);
    }
    throw new NetlinkEncodeError(`${this.name} needs ${this.flags ? 'a list of flag names' : 'a name'} or a number, got ${Array.isArray(v) ? 'array' : typeof v}`, path);
  }

  private lookup(s: string, path: string, wide: boolean): number | bigint {
    const n = this.byName.get(s);
    if (n === undefined) {
      const names = [...this.byName.keys()];
      throw new NetlinkEncodeError(`'${s}' is not in ${this.name} (${names.slice(0, 12).join(', ')}${names.length > 12 ? ', ...' : ''})`, path);
    }
    return wide ? BigInt(n) : n;
  }
}
