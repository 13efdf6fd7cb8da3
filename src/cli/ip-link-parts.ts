// A link as ip's print_linkinfo writes it, for both `ip link show` and the link part of
// `ip address show`: the header, -d's details, the alias, the statistics and the altnames.
import { detailsJson, detailsText, type NameOf } from './ip-link-details.js';
import type { LinkHeader } from './ip-link-fields.js';

/** What differs between the two listings; ip link show sets all (ip's do_link), ip address none. */
export interface LinkParts {
  /** -d given. */
  details: boolean;
  /** ip link's own parts: addrgenmode among the details, the alias without -d, the statistics (ip address prints those after its addresses). */
  linkShow: boolean;
}

export function linkPartsJson(h: LinkHeader, nameOf: NameOf, { details, linkShow }: LinkParts): Record<string, unknown> {
  const j: Record<string, unknown> = { ...h.json };
  if (details) Object.assign(j, detailsJson(h.view, h.reply, nameOf, linkShow));
  if (h.view.ifalias !== undefined && (details || linkShow)) j.ifalias = h.view.ifalias;
  if (linkShow && h.stats64) j.stats64 = h.stats64;
  if (h.view.altnames) j.altnames = h.view.altnames;
  return j;
}

/** The plain lines, with no newline after the last. */
export function linkPartsText(h: LinkHeader, nameOf: NameOf, { details, linkShow }: LinkParts): string {
  // no link/ether line under ip address's family filter without -d
  let t = h.line2 ? `${h.line1}\n${h.line2}` : h.line1;
  if (details) {
    const d = detailsText(detailsJson(h.view, h.reply, nameOf, linkShow));
    t += d.line2 + d.kind;
  }
  if (h.view.ifalias !== undefined && (details || linkShow)) t += `\n    alias ${h.view.ifalias}`;
  if (linkShow && h.statsText) t += `\n${h.statsText.replace(/\n$/, '')}`;
  for (const a of h.view.altnames ?? []) t += `\n    altname ${a}`;
  return t;
}
