// Golden vectors for nlkit's rt-addr and rt-neigh corrections (src/ynl/corrections), written
// from <linux/if_addr.h> and <linux/neighbour.h>: the attributes the kernel reads and
// writes beyond the spec's lists, and NDA_PORT in network byte order. And the requests
// nlkit/route's addresses and neighbours modules build, byte for byte as `ip` sends them.
import { describe, test } from 'node:test';
import { Family } from '../src/ynl/family.js';
import { description as rtAddrDesc } from '../src/ynl/families/rt-addr.js';
import { description as rtNeighDesc } from '../src/ynl/families/rt-neigh.js';
import { assertDecodes, assertEncodes, bytes } from './helpers/ynl-golden.js';

const addr = Family.from(rtAddrDesc);
const neigh = Family.from(rtNeighDesc);

describe('rt-addr corrections: golden vectors from <linux/if_addr.h>', () => {
  test('newaddr: IFA_FLAGS (8) u32 carries flags above bit 7; IFA_RT_PRIORITY (9) u32; IFA_PROTO (11) u8', () => {
    const ifa = '0a 40 00 00 03000000'; // struct ifaddrmsg: AF_INET6, /64, ifa_flags 0, scope 0, ifindex 3
    const a6 = '20010db8000000000000000000000001';
    assertEncodes(addr, 'newaddr', {
      ifaFamily: 10, ifaPrefixlen: 64, ifaFlags: [], ifaScope: 0, ifaIndex: 3,
      address: '2001:db8::1', local: '2001:db8::1', flags: ['nodad', 'managetempaddr', 'noprefixroute'], rtPriority: 55, proto: 3,
    }, bytes(
      ifa,
      `1400 0100 ${a6}`, //  IFA_ADDRESS (1)
      `1400 0200 ${a6}`, //  IFA_LOCAL (2)
      '0800 0800 02030000', // IFA_FLAGS (8) = IFA_F_NODAD (0x02) | IFA_F_MANAGETEMPADDR (0x100) | IFA_F_NOPREFIXROUTE (0x200)
      '0800 0900 37000000', // IFA_RT_PRIORITY (9) = 55
      '0500 0b00 03000000', // IFA_PROTO (11) = IFAPROT_KERNEL_LL (3), padded
    ));
  });

  test('newaddr: IFA_BROADCAST (4) is an IPv4 address; IFA_CACHEINFO (6) is struct ifa_cacheinfo (prefered, valid, ...)', () => {
    assertEncodes(addr, 'newaddr', {
      ifaFamily: 2, ifaPrefixlen: 24, ifaFlags: [], ifaScope: 0, ifaIndex: 3,
      address: '10.9.0.1', local: '10.9.0.1', label: 'v0:9', broadcast: '10.9.0.255',
      cacheinfo: { ifaPrefered: 100, ifaValid: 300, cstamp: 0, tstamp: 0 },
    }, bytes(
      '02 18 00 00 03000000', //            AF_INET, /24, ifindex 3
      '0800 0100 0a090001', //               IFA_ADDRESS (1) 10.9.0.1
      '0800 0200 0a090001', //               IFA_LOCAL (2)
      '0900 0300 76303a3900 000000', //      IFA_LABEL (3) "v0:9"
      '0800 0400 0a0900ff', //               IFA_BROADCAST (4) 10.9.0.255
      '1400 0600 64000000 2c010000 00000000 00000000', // IFA_CACHEINFO (6): prefered 100, valid 300
    ));
  });

  test('getaddr replies decode IFA_FLAGS, IFA_BROADCAST and IFA_RT_PRIORITY', () => {
    assertDecodes(addr, 'getaddr', bytes(
      '02 18 80 00 03000000', //  AF_INET, /24, IFA_F_PERMANENT, scope global, ifindex 3
      '0800 0100 0a000001', '0800 0200 0a000001', '0800 0400 0a0000ff',
      '0800 0800 80020000', //     IFA_FLAGS = IFA_F_PERMANENT | IFA_F_NOPREFIXROUTE
      '0800 0900 0a000000', //     IFA_RT_PRIORITY = 10
    ), {
      ifaFamily: 2, ifaPrefixlen: 24, ifaFlags: ['permanent'], ifaScope: 0, ifaIndex: 3,
      address: '10.0.0.1', local: '10.0.0.1', broadcast: '10.0.0.255', flags: ['permanent', 'noprefixroute'], rtPriority: 10,
    });
  });

  test('deladdr: IFA_LABEL (3) selects an IPv4 address by label', () => {
    assertEncodes(addr, 'deladdr', { ifaFamily: 2, ifaPrefixlen: 24, ifaFlags: [], ifaScope: 0, ifaIndex: 3, local: '10.0.0.1', label: 'v0:1' }, bytes(
      '02 18 00 00 03000000',
      '0800 0200 0a000001', //       IFA_LOCAL (2)
      '0900 0300 76303a3100 000000', // IFA_LABEL (3) "v0:1"
    ));
  });
});

describe('rt-neigh corrections: golden vectors from <linux/neighbour.h>', () => {
  // struct ndmsg: family, pad[3], ifindex (s32), state (u16), flags (u8), type (u8)
  test('a vxlan FDB entry: NDA_PORT (6) is big-endian, NDA_VNI (7) host order', () => {
    assertEncodes(neigh, 'newneigh', {
      ndmFamily: 7, ndmIfindex: 5, ndmState: ['noarp', 'permanent'], ndmFlags: ['self'], ndmType: 0,
      dst: '10.0.0.3', lladdr: '02:00:00:00:00:02', port: 4790, vni: 100,
    }, bytes(
      '07 000000 05000000 c000 02 00', // AF_BRIDGE, ifindex 5, NUD_NOARP|NUD_PERMANENT, NTF_SELF
      '0800 0100 0a000003', //           NDA_DST (1) 10.0.0.3
      '0a00 0200 020000000002 0000', //  NDA_LLADDR (2)
      '0600 0600 12b6 0000', //          NDA_PORT (6) = 4790, network order
      '0800 0700 64000000', //           NDA_VNI (7) = 100
    ));
  });

  test('delneigh: a bridge FDB entry by NDA_LLADDR (2) and NDA_VLAN (5)', () => {
    assertEncodes(neigh, 'delneigh', { ndmFamily: 7, ndmIfindex: 3, ndmState: [], ndmFlags: ['master'], ndmType: 0, lladdr: '02:00:00:00:00:01', vlan: 10 }, bytes(
      '07 000000 03000000 0000 04 00', // AF_BRIDGE, ifindex 3, NTF_MASTER
      '0a00 0200 020000000001 0000', //  NDA_LLADDR (2)
      '0600 0500 0a00 0000', //          NDA_VLAN (5) = 10
    ));
  });

  test('getneigh replies decode NDA_CACHEINFO (3) as struct nda_cacheinfo and NDA_PORT big-endian', () => {
    assertDecodes(neigh, 'getneigh', bytes(
      '07 000000 05000000 8000 02 00',
      '0800 0100 0a000002',
      '0a00 0200 000000000000 0000',
      '1400 0300 e8030000 c8000000 64000000 01000000', // confirmed 1000, used 200, updated 100, refcnt 1
      '0600 0600 12b5 0000', // NDA_PORT 4789
    ), {
      ndmFamily: 7, ndmIfindex: 5, ndmState: ['permanent'], ndmFlags: ['self'], ndmType: 'unspec',
      dst: '10.0.0.2', lladdr: '00:00:00:00:00:00', cacheinfo: { confirmed: 1000, used: 200, updated: 100, refcnt: 1 }, port: 4789,
    });
  });
});
