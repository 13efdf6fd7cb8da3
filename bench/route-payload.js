// The one description of the routes the rtnetlink benchmarks add: route i is
// 10.(i>>16).(i>>8).(i)/32 dev lo, scope link, proto static, table main. nlkit sends the
// bytes routePayload() writes, `ip -batch` reads ipBatchLine(), and bench/c/rtnl_bench.c
// fills the same struct (fill_route); the harness counts what landed in the table.
import {
  AF_INET, NLM_F_CREATE, NLM_F_EXCL, RT_SCOPE_LINK, RT_TABLE_MAIN, RTM_NEWROUTE, RTN_UNICAST, RTPROT_STATIC,
} from '../dist/src/core/index.js';

export { RTM_NEWROUTE };
export const RTA_DST = 1;
export const RTA_OIF = 4;
/** Added to NLM_F_REQUEST (and NLM_F_ACK where acked): a route that exists already is an error. */
export const ROUTE_ADD_FLAGS = NLM_F_CREATE | NLM_F_EXCL;

/** Route i's destination as the u32 the wire carries (network order bytes, read little-endian). */
const dstWord = (i) => (10 | (((i >> 16) & 255) << 8) | (((i >> 8) & 255) << 16) | ((i & 255) << 24)) >>> 0;

/** Route i's destination as text. */
export const routeDst = (i) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;

/** Route i as a Writer payload: struct rtmsg, RTA_DST, RTA_OIF (oif: lo's index). */
export function routePayload(i, oif) {
  return (w) => {
    w.u8(AF_INET); w.u8(32); w.u8(0); w.u8(0); // family, dst_len, src_len, tos
    w.u8(RT_TABLE_MAIN); w.u8(RTPROT_STATIC); w.u8(RT_SCOPE_LINK); w.u8(RTN_UNICAST);
    w.u32(0); // rtm_flags
    w.attrU32(RTA_DST, dstWord(i));
    w.attrU32(RTA_OIF, oif);
  };
}

/** Route i as an `ip -batch` line. */
export const ipBatchLine = (i) => `route add ${routeDst(i)}/32 dev lo proto static scope link table main`;

/** Route index from an RTA_DST of 4 bytes at buf[p]; -1 for a route not made here. */
export const routeIndex = (buf, p) => (buf[p] === 10 ? (buf[p + 1] << 16) | (buf[p + 2] << 8) | buf[p + 3] : -1);
