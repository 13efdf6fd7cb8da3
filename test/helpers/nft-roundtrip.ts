// A rule's builder expressions through the wire form and back, as the kernel would hand them
// over: encoded, written and read by the nftables description's codec (the rule and its
// anonymous sets' elements), and decoded, with the anonymous sets named as the kernel names them.
import { Family } from '../../src/ynl/family.js';
import { description as nftDesc, type ExprAttrsSet, type SetelemAttrsSet } from '../../src/ynl/families/nftables.js';
import type { NftExpr } from '../../src/netfilter/index.js';
import { encodeRule } from '../../src/netfilter/nft-expr-encode.js';
import { decodeRule, type AnonSetContents } from '../../src/netfilter/nft-expr-decode.js';
import { keyTypeOf } from '../../src/netfilter/nft-concat.js';
import type { NftFamily } from '../../src/netfilter/nft-names.js';

const fam = Family.from(nftDesc);
const HEAD = { nfgenFamily: 2, version: 0, resId: 0 };

export function roundTrip(exprs: NftExpr[], family: NftFamily = 'ip'): NftExpr[] {
  let id = 1;
  const enc = encodeRule(exprs, { family, newSetId: () => id++ });
  const body = fam.encode('newrule', { ...HEAD, table: 't', chain: 'c', expressions: { elem: enc.exprs } });
  const decoded = fam.decode('getrule', body) as { expressions?: { elem: ExprAttrsSet[] } };
  const sets = new Map<string, AnonSetContents>();
  for (const s of enc.sets) {
    const eb = fam.encode('newsetelem', { ...HEAD, table: 't', set: 's', elements: { elem: s.elements } });
    const elems = (fam.decode('getsetelem', eb) as { elements: { elem: SetelemAttrsSet[] } }).elements.elem;
    const key = keyTypeOf(s.keyType);
    sets.set(`__set${s.id}`, { keyType: key.id, keyLen: key.len, interval: s.interval, elements: elems });
  }
  // the kernel names anonymous sets; the rule's lookups name them as it would
  const elem = (decoded.expressions?.elem ?? []).map((e) => {
    const d = e.data as { setId?: number; set?: string } | undefined;
    return e.name === 'lookup' && d?.setId !== undefined ? ({ ...e, data: { ...d, set: `__set${d.setId}` } } as ExprAttrsSet) : e;
  });
  return decodeRule(elem, { family, sets });
}
