// The integer kinds of netlink descriptions, in one table: what every part that sizes,
// range-checks, types or parses an integer (codec, structs, CLI input, generator) reads.

export type FixedIntKind = 'u8' | 'u16' | 'u32' | 'u64' | 's8' | 's16' | 's32' | 's64';
/** uint and sint are 4 or 8 bytes on the wire, whichever the value needs. */
export type IntKind = FixedIntKind | 'uint' | 'sint';

export interface IntInfo {
  /** Bytes on the wire; undefined for the variable-width uint and sint. */
  size?: number;
  signed: boolean;
  /** Held as a bigint in objects (64 bits, or may be). */
  wide: boolean;
  /** Range of the narrow kinds (up to 32 bits), which objects hold as numbers. */
  min?: number;
  max?: number;
}

export const INT_KINDS: Readonly<Record<IntKind, IntInfo>> = {
  u8: { size: 1, signed: false, wide: false, min: 0, max: 0xff },
  u16: { size: 2, signed: false, wide: false, min: 0, max: 0xffff },
  u32: { size: 4, signed: false, wide: false, min: 0, max: 0xffffffff },
  u64: { size: 8, signed: false, wide: true },
  s8: { size: 1, signed: true, wide: false, min: -0x80, max: 0x7f },
  s16: { size: 2, signed: true, wide: false, min: -0x8000, max: 0x7fff },
  s32: { size: 4, signed: true, wide: false, min: -0x80000000, max: 0x7fffffff },
  s64: { size: 8, signed: true, wide: true },
  uint: { signed: false, wide: true },
  sint: { signed: true, wide: true },
};

/** The kind's entry, or undefined for kinds that are not integers. */
export function intInfo(kind: string | undefined): IntInfo | undefined {
  return kind !== undefined && Object.hasOwn(INT_KINDS, kind) ? INT_KINDS[kind as IntKind] : undefined;
}

/** Bytes of a fixed-width integer kind, or undefined. */
export const intSize = (kind: string | undefined): number | undefined => intInfo(kind)?.size;

const INT_TEXT = /^-?(\d+|0x[0-9a-f]+)$/i;

/**
 * An integer written as text (decimal, or 0x hex), as JSON input gives 64-bit values:
 * a bigint for wide kinds, else a number; undefined when the text is not an integer.
 */
export function intFromDigits(s: string, kind: IntKind): number | bigint | undefined {
  if (!INT_TEXT.test(s)) return undefined;
  const big = s.startsWith('-') ? -BigInt(s.slice(1)) : BigInt(s);
  return INT_KINDS[kind].wide ? big : Number(big);
}

/** Text input (see markTextInput): an integer given as digits becomes what it writes. */
export function intInput(v: unknown, kind: IntKind, text: boolean | undefined): unknown {
  return text && typeof v === 'string' ? (intFromDigits(v, kind) ?? v) : v;
}
