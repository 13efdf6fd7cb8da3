// The id a namespace has in another (RTM_GETNSID with NETNSA_FD), as `ip netns list` asks
// for it. Hand-written because no rt-* spec describes these messages yet: two attributes
// of linux/net_namespace.h after a struct rtgenmsg. Kept in this one place, to be replaced
// by a generated rt-nsid family when there is one.
import { attrTable } from '../core/attributes.js';
import type { RawMessage } from '../core/message.js';
import { RTM_GETNSID } from '../core/rtnetlink.js';
import type { TransactionItem } from '../core/transaction.js';

const NETNSA_NSID = 1;
const NETNSA_FD = 3;

/** The id, or undefined when none is assigned (NETNSA_NSID_NOT_ASSIGNED, -1). */
function decodeNsid(m: RawMessage): number | undefined {
  // struct rtgenmsg: the family byte, padded to 4
  const id = attrTable(m.buf, m.start + 4, m.end).get(NETNSA_NSID);
  const v = id && id.length >= 4 ? id.readInt32LE(0) : -1;
  return v < 0 ? undefined : v;
}

/** A request for the id of the namespace open as `fd`, in the namespace of the socket it is sent on. */
export function nsidOfFd(fd: number): TransactionItem<number | undefined> {
  return {
    type: RTM_GETNSID,
    payload: (w) => {
      w.u8(0); // AF_UNSPEC
      w.pad();
      w.attrU32(NETNSA_FD, fd);
    },
    decode: decodeNsid,
  };
}
