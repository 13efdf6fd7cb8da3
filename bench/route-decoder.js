// A hand-written RTM_NEWROUTE decoder: the fastest JS we know how to write for this
// message, so bench/routes.js can tell the generic codec's cost from the floor of JS
// itself. It decodes what bench/c/route_decode.c decodes, field for field.
//
// Speed choices (see /work/shared/design-notes.md): every route is one object literal of
// one shape; bytes read straight from the Buffer at fixed offsets; IPv4 text built
// from a table of octet strings instead of a generic formatter. Host byte order is
// assumed little-endian, as netlink integers are in host order.

const RTMSG_LEN = 12;
const NLA_TYPE_MASK = 0x3fff; // drops NLA_F_NESTED and NLA_F_NET_BYTEORDER
const RTA_DST = 1, RTA_OIF = 4, RTA_GATEWAY = 5, RTA_PRIORITY = 6, RTA_PREFSRC = 7, RTA_TABLE = 15;
const IPV4_ATTR_LEN = 8;
const U32_ATTR_LEN = 8;

const OCTET = Array.from({ length: 256 }, (_, i) => String(i));
// the dot comes with its octet: 3 concatenations per address instead of 6
const OCTET_DOT = OCTET.map((s) => s + '.');

function ipv4(b, p) {
  return OCTET_DOT[b[p]] + OCTET_DOT[b[p + 1]] + OCTET_DOT[b[p + 2]] + OCTET[b[p + 3]];
}

function u32(b, p) {
  return (b[p] | (b[p + 1] << 8) | (b[p + 2] << 16) | (b[p + 3] << 24)) >>> 0;
}

/** Decoder for Connection.dump*(): m is nlkit's RawMessage, valid only during the call. */
export function decodeRoute(m) {
  const b = m.buf;
  const end = m.end;
  let p = m.start;
  if (end - p < RTMSG_LEN) throw new RangeError(`RTM_NEWROUTE too short (${end - p} bytes)`);
  // every field set here, in one order: one hidden class. A literal, not a class instance:
  // V8 tracks allocation sites of literals, and a dump keeping 100,000 routes ran with less
  // than half the scavenges and ~20% faster (measured)
  const r = {
    family: b[p],
    dstLen: b[p + 1],
    srcLen: b[p + 2],
    tos: b[p + 3],
    table: b[p + 4],
    protocol: b[p + 5],
    scope: b[p + 6],
    type: b[p + 7],
    flags: u32(b, p + 8),
    dst: null,
    gateway: null,
    oif: 0,
    priority: 0,
    prefsrc: null,
    // RTA_TABLE, when present, carries ids above 255 that rtm_table cannot
    tableId: b[p + 4],
  };
  p += RTMSG_LEN;
  while (end - p >= 4) {
    const len = b[p] | (b[p + 1] << 8);
    if (len < 4 || len > end - p) throw new RangeError(`malformed attribute (len ${len}, ${end - p} left)`);
    // anything else (RTA_MULTIPATH, RTA_METRICS, RTA_CACHEINFO...) is skipped, as in C
    switch ((b[p + 2] | (b[p + 3] << 8)) & NLA_TYPE_MASK) {
      case RTA_TABLE:
        if (len === U32_ATTR_LEN) r.tableId = u32(b, p + 4);
        break;
      case RTA_OIF:
        if (len === U32_ATTR_LEN) r.oif = u32(b, p + 4);
        break;
      case RTA_PRIORITY:
        if (len === U32_ATTR_LEN) r.priority = u32(b, p + 4);
        break;
      case RTA_DST:
        if (len === IPV4_ATTR_LEN) r.dst = ipv4(b, p + 4);
        break;
      case RTA_GATEWAY:
        if (len === IPV4_ATTR_LEN) r.gateway = ipv4(b, p + 4);
        break;
      case RTA_PREFSRC:
        if (len === IPV4_ATTR_LEN) r.prefsrc = ipv4(b, p + 4);
        break;
    }
    p += (len + 3) & ~3;
  }
  return r;
}

const FNV_PRIME = 16777619;
const mix = (h, x) => Math.imul(h ^ x, FNV_PRIME) >>> 0;
function mixText(h, s) {
  if (s !== null) for (let i = 0; i < s.length; i++) h = mix(h, s.charCodeAt(i));
  return mix(h, 0);
}

/** FNV-1a over every field, in the order of digest() in bench/c/route_decode.c. */
export function digest(routes) {
  let h = 2166136261;
  for (const r of routes) {
    h = mix(h, r.family);
    h = mix(h, r.dstLen);
    h = mix(h, r.srcLen);
    h = mix(h, r.tos);
    h = mix(h, r.table);
    h = mix(h, r.protocol);
    h = mix(h, r.scope);
    h = mix(h, r.type);
    h = mix(h, r.flags);
    h = mix(h, r.tableId);
    h = mix(h, r.oif);
    h = mix(h, r.priority);
    h = mixText(h, r.dst);
    h = mixText(h, r.gateway);
    h = mixText(h, r.prefsrc);
  }
  return h;
}
