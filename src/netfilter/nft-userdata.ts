// The user data nft keeps with a rule and a set: libnftnl's TLVs (struct nftnl_udata: u8 type, u8 len,
// value), of which nlkit reads and writes the comment (NFTNL_UDATA_RULE_COMMENT, 0,
// NUL-terminated, at most NFTNL_UDATA_COMMENT_MAXLEN 128 bytes with the NUL).
import { endianness } from 'node:os';
import { NetlinkArgumentError } from '../core/errors.js';

const COMMENT = 0;
const COMMENT_MAX = 128;

export function encodeComment(text: unknown, option: string): Buffer {
  if (typeof text !== 'string' || text.includes('\0') || Buffer.byteLength(text) + 1 > COMMENT_MAX)
    throw new NetlinkArgumentError(option, `must be a string of at most ${COMMENT_MAX - 1} bytes without NUL`);
  const value = Buffer.from(`${text}\0`);
  return Buffer.concat([Buffer.from([COMMENT, value.length]), value]);
}

/** The comment in user data, if there is one (malformed TLVs end the search, never throw). */
export function decodeComment(udata: Uint8Array | undefined): string | undefined {
  if (!udata) return undefined;
  for (let at = 0; at + 2 <= udata.length;) {
    const type = udata[at], len = udata[at + 1];
    if (at + 2 + len > udata.length) return undefined;
    if (type === COMMENT) {
      const v = Buffer.from(udata.subarray(at + 2, at + 2 + len));
      const nul = v.indexOf(0);
      return v.subarray(0, nul < 0 ? v.length : nul).toString();
    }
    at += 2 + len;
  }
  return undefined;
}

/** By key and data byte order: a batch gives every anonymous set the same few. */
const setUserdatas = new Map<string, Buffer>();

/**
 * libnftnl's set user data: NFTNL_UDATA_SET_KEYBYTEORDER (0) and _DATABYTEORDER (1), u32 in
 * host order. Shared bytes (requests only read them): do not write into them.
 */
export function setUserdata(keyOrder: number, dataOrder?: number): Buffer {
  const k = `${keyOrder} ${dataOrder}`;
  const known = setUserdatas.get(k);
  if (known) return known;
  const tlv = (type: number, v: number) => {
    const b = Buffer.alloc(6);
    b[0] = type;
    b[1] = 4;
    if (endianness() === 'LE') b.writeUInt32LE(v, 2);
    else b.writeUInt32BE(v, 2);
    return b;
  };
  const b = Buffer.concat([tlv(0, keyOrder), ...(dataOrder === undefined ? [] : [tlv(1, dataOrder)])]);
  if (setUserdatas.size < 64) setUserdatas.set(k, b);
  return b;
}
