// Concatenations (`ip saddr . tcp dport`): how nft lays several fields out. Each field takes
// whole 32-bit words (NFT_REG32_SIZE), padded with zeros; the fields are loaded into
// consecutive 32-bit registers from reg 1 (NFT_REG_1, which the kernel maps onto
// NFT_REG32_00); a set of tuples has a key type made of the fields' types (nft's
// concat_subtype_add: TYPE_BITS 6 per field, first field highest) and a key length of the
// padded fields. One module, read by the encoder and the decoder.
import { NetlinkArgumentError } from '../core/errors.js';
import type { NftMatchKey, NftScalar } from './nft-expr.js';
import { MATCH_KEYS } from './nft-expr-keys.js';
import { SET_TYPES, setTypeName, setTypeOf, type NftSetType } from './nft-names.js';
import { bytesValue, SET_TYPE_KINDS, valueBytes, VALUE_KINDS, type ValueKind } from './nft-values.js';
import { quote } from '../core/options.js';

/** <linux/netfilter/nf_tables.h> NFT_REG32_00: the first 32-bit register. */
const NFT_REG32_00 = 8;
/** nft's src/datatype.h TYPE_BITS: bits of a concatenated key type per field. */
const TYPE_BITS = 6;
const MAX_FIELDS = 16;

const words = (len: number): number => Math.ceil(len / 4);

/** The register each field is loaded into: reg 1 for the first, then 32-bit registers by word. */
export function concatRegisters(lens: readonly number[]): number[] {
  let at = 0;
  return lens.map((len) => {
    const reg = at === 0 ? 1 : NFT_REG32_00 + at;
    at += words(len);
    return reg;
  });
}

/** A register number back to its word offset from reg 1 (undefined for others). */
export function registerWord(reg: number): number | undefined {
  if (reg === 1) return 0;
  return reg >= NFT_REG32_00 && reg < NFT_REG32_00 + 16 ? reg - NFT_REG32_00 : undefined;
}

/** The keys of a concatenation (or a dynset key), checked: 1..16 match keys whose values can be set elements. */
export function checkConcatKeys(keys: unknown, option: string): NftMatchKey[] {
  if (!Array.isArray(keys) || keys.length < 1 || keys.length > MAX_FIELDS) throw new NetlinkArgumentError(option, `must be a list of 1..${MAX_FIELDS} match keys`, 'ERR_INVALID_ARG_TYPE');
  keys.forEach((k, i) => {
    const info = MATCH_KEYS[k as NftMatchKey];
    if (!info || !VALUE_KINDS[info.kind].setType) throw new NetlinkArgumentError(`${option}[${i}]`, `must be a match key whose values can be set elements, got ${quote(k)}`);
  });
  return keys as NftMatchKey[];
}

/** The set types of a concatenation's keys. */
export const concatTypes = (keys: readonly NftMatchKey[]): NftSetType[] => keys.map((k) => VALUE_KINDS[MATCH_KEYS[k].kind].setType!);

/** A concatenated key type: each type's id, TYPE_BITS each, the first one highest. */
export function concatTypeId(types: readonly NftSetType[]): number {
  return types.reduce((id, t) => id * (1 << TYPE_BITS) + SET_TYPES[t].id, 0);
}

/** The bytes of a tuple key. */
export const concatLen = (types: readonly NftSetType[]): number => types.reduce((n, t) => n + words(SET_TYPES[t].len) * 4, 0);

/** A key type id back to the types it concatenates, if its length says so (else undefined). */
export function concatTypesOf(id: number, keyLen: number | undefined): NftSetType[] | undefined {
  const out: NftSetType[] = [];
  for (let rest = id; rest > 0; rest = Math.floor(rest / (1 << TYPE_BITS))) {
    const t = setTypeName(rest % (1 << TYPE_BITS));
    if (!t) return undefined;
    out.unshift(t);
  }
  return out.length > 1 && concatLen(out) === keyLen ? out : undefined;
}

/** Set types as given by a caller: one type or a list (a concatenation). */
export function setTypesOf(type: unknown, option: string): NftSetType[] {
  if (!Array.isArray(type)) return [setTypeOf(type, option)];
  if (type.length < 2 || type.length > MAX_FIELDS) throw new NetlinkArgumentError(option, `must be a set type or a list of 2..${MAX_FIELDS} (a concatenation), got ${quote(type)}`);
  return type.map((t, i) => setTypeOf(t, `${option}[${i}]`));
}

/** A tuple as a concatenated key: each field padded to whole words. */
export function tupleBytes(types: readonly NftSetType[], tuple: unknown, option: string): Buffer {
  if (!Array.isArray(tuple) || tuple.length !== types.length) throw new NetlinkArgumentError(option, `must be a tuple of ${types.length} values (${types.join(' . ')}), got ${quote(tuple)}`);
  return Buffer.concat(types.map((t, i) => {
    const v = valueBytes(SET_TYPE_KINDS[t], tuple[i], `${option}[${i}]`);
    return Buffer.concat([v, Buffer.alloc(words(v.length) * 4 - v.length)]);
  }));
}

/** A concatenated key back to its tuple (undefined when a field cannot be read). */
export function tupleOf(types: readonly NftSetType[], b: Buffer): NftScalar[] | undefined {
  const out: NftScalar[] = [];
  let at = 0;
  for (const t of types) {
    const kind: ValueKind = SET_TYPE_KINDS[t];
    const len = SET_TYPES[t].len;
    if (at + words(len) * 4 > b.length) return undefined;
    const v = bytesValue(kind, b.subarray(at, at + len));
    if (v === undefined || Array.isArray(v)) return undefined;
    out.push(v);
    at += words(len) * 4;
  }
  return at === b.length ? out : undefined;
}

/** NFTA_SET_KEY_TYPE and _LEN of a key of these types, and the key byte order nft keeps in the set's user data (none for tuples). */
export function keyTypeOf(types: NftSetType | readonly NftSetType[]): { id: number; len: number; order: number } {
  if (!Array.isArray(types)) return SET_TYPES[types as NftSetType];
  if (types.length === 1) return SET_TYPES[types[0] as NftSetType];
  return { id: concatTypeId(types), len: concatLen(types), order: 0 };
}
