// rtnetlink numbers a user of NETLINK_ROUTE needs, from the kernel's uapi headers
// (<linux/rtnetlink.h>, <linux/if.h>, <linux/socket.h>). Names are the kernel's, so a search
// for them finds the kernel's documentation; test/rtnetlink-constants.test.ts compiles
// every one of them against the installed headers.

// ---- message types (enum in <linux/rtnetlink.h>): NEW/DEL/GET(/SET) come in fours
export const RTM_NEWLINK = 16;
export const RTM_DELLINK = 17;
export const RTM_GETLINK = 18;
export const RTM_SETLINK = 19;
export const RTM_NEWADDR = 20;
export const RTM_DELADDR = 21;
export const RTM_GETADDR = 22;
export const RTM_NEWROUTE = 24;
export const RTM_DELROUTE = 25;
export const RTM_GETROUTE = 26;
export const RTM_NEWNEIGH = 28;
export const RTM_DELNEIGH = 29;
export const RTM_GETNEIGH = 30;
export const RTM_NEWRULE = 32;
export const RTM_DELRULE = 33;
export const RTM_GETRULE = 34;
export const RTM_NEWQDISC = 36;
export const RTM_DELQDISC = 37;
export const RTM_GETQDISC = 38;
export const RTM_NEWTCLASS = 40;
export const RTM_DELTCLASS = 41;
export const RTM_GETTCLASS = 42;
export const RTM_NEWTFILTER = 44;
export const RTM_DELTFILTER = 45;
export const RTM_GETTFILTER = 46;
export const RTM_NEWACTION = 48;
export const RTM_DELACTION = 49;
export const RTM_GETACTION = 50;
export const RTM_NEWPREFIX = 52;
export const RTM_GETMULTICAST = 58;
export const RTM_GETANYCAST = 62;
export const RTM_NEWNEIGHTBL = 64;
export const RTM_GETNEIGHTBL = 66;
export const RTM_SETNEIGHTBL = 67;
export const RTM_NEWNDUSEROPT = 68;
export const RTM_NEWADDRLABEL = 72;
export const RTM_DELADDRLABEL = 73;
export const RTM_GETADDRLABEL = 74;
export const RTM_GETDCB = 78;
export const RTM_SETDCB = 79;
export const RTM_NEWNETCONF = 80;
export const RTM_DELNETCONF = 81;
export const RTM_GETNETCONF = 82;
export const RTM_NEWMDB = 84;
export const RTM_DELMDB = 85;
export const RTM_GETMDB = 86;
export const RTM_NEWNSID = 88;
export const RTM_DELNSID = 89;
export const RTM_GETNSID = 90;
export const RTM_NEWSTATS = 92;
export const RTM_GETSTATS = 94;
export const RTM_SETSTATS = 95;
export const RTM_NEWCACHEREPORT = 96;
export const RTM_NEWCHAIN = 100;
export const RTM_DELCHAIN = 101;
export const RTM_GETCHAIN = 102;
export const RTM_NEWNEXTHOP = 104;
export const RTM_DELNEXTHOP = 105;
export const RTM_GETNEXTHOP = 106;
export const RTM_NEWLINKPROP = 108;
export const RTM_DELLINKPROP = 109;
export const RTM_GETLINKPROP = 110;
export const RTM_NEWVLAN = 112;
export const RTM_DELVLAN = 113;
export const RTM_GETVLAN = 114;
export const RTM_NEWNEXTHOPBUCKET = 116;
export const RTM_DELNEXTHOPBUCKET = 117;
export const RTM_GETNEXTHOPBUCKET = 118;
export const RTM_NEWTUNNEL = 120;
export const RTM_DELTUNNEL = 121;
export const RTM_GETTUNNEL = 122;

// ---- rtmsg.rtm_flags
export const RTM_F_NOTIFY = 0x100;
export const RTM_F_CLONED = 0x200;
export const RTM_F_EQUALIZE = 0x400;
export const RTM_F_PREFIX = 0x800;
export const RTM_F_LOOKUP_TABLE = 0x1000;
export const RTM_F_FIB_MATCH = 0x2000;
export const RTM_F_OFFLOAD = 0x4000;
export const RTM_F_TRAP = 0x8000;
export const RTM_F_OFFLOAD_FAILED = 0x20000000;

// ---- multicast groups (enum rtnetlink_groups): numbers for events({ groups }) / joinGroup,
// not the legacy RTMGRP_* bit masks
export const RTNLGRP_NONE = 0;
export const RTNLGRP_LINK = 1;
export const RTNLGRP_NOTIFY = 2;
export const RTNLGRP_NEIGH = 3;
export const RTNLGRP_TC = 4;
export const RTNLGRP_IPV4_IFADDR = 5;
export const RTNLGRP_IPV4_MROUTE = 6;
export const RTNLGRP_IPV4_ROUTE = 7;
export const RTNLGRP_IPV4_RULE = 8;
export const RTNLGRP_IPV6_IFADDR = 9;
export const RTNLGRP_IPV6_MROUTE = 10;
export const RTNLGRP_IPV6_ROUTE = 11;
export const RTNLGRP_IPV6_IFINFO = 12;
export const RTNLGRP_IPV6_PREFIX = 18;
export const RTNLGRP_IPV6_RULE = 19;
export const RTNLGRP_ND_USEROPT = 20;
export const RTNLGRP_PHONET_IFADDR = 21;
export const RTNLGRP_PHONET_ROUTE = 22;
export const RTNLGRP_DCB = 23;
export const RTNLGRP_IPV4_NETCONF = 24;
export const RTNLGRP_IPV6_NETCONF = 25;
export const RTNLGRP_MDB = 26;
export const RTNLGRP_MPLS_ROUTE = 27;
export const RTNLGRP_NSID = 28;
export const RTNLGRP_MPLS_NETCONF = 29;
export const RTNLGRP_IPV4_MROUTE_R = 30;
export const RTNLGRP_IPV6_MROUTE_R = 31;
export const RTNLGRP_NEXTHOP = 32;
export const RTNLGRP_BRVLAN = 33;
export const RTNLGRP_MCTP_IFADDR = 34;
export const RTNLGRP_TUNNEL = 35;
export const RTNLGRP_STATS = 36;

// ---- address families (<linux/socket.h>): the ones rtnetlink messages carry
export const AF_UNSPEC = 0;
export const AF_UNIX = 1;
export const AF_INET = 2;
export const AF_BRIDGE = 7;
export const AF_INET6 = 10;
export const AF_NETLINK = 16;
export const AF_PACKET = 17;
export const AF_MPLS = 28;
export const AF_MCTP = 45;

// ---- routing tables (enum rt_class_t); ids above 255 travel in RTA_TABLE
export const RT_TABLE_UNSPEC = 0;
export const RT_TABLE_COMPAT = 252;
export const RT_TABLE_DEFAULT = 253;
export const RT_TABLE_MAIN = 254;
export const RT_TABLE_LOCAL = 255;
export const RT_TABLE_MAX = 0xffffffff;

// ---- rtmsg.rtm_protocol: who installed a route
export const RTPROT_UNSPEC = 0;
export const RTPROT_REDIRECT = 1;
export const RTPROT_KERNEL = 2;
export const RTPROT_BOOT = 3;
export const RTPROT_STATIC = 4;
export const RTPROT_GATED = 8;
export const RTPROT_RA = 9;
export const RTPROT_MRT = 10;
export const RTPROT_ZEBRA = 11;
export const RTPROT_BIRD = 12;
export const RTPROT_DNROUTED = 13;
export const RTPROT_XORP = 14;
export const RTPROT_NTK = 15;
export const RTPROT_DHCP = 16;
export const RTPROT_MROUTED = 17;
export const RTPROT_KEEPALIVED = 18;
export const RTPROT_BABEL = 42;
export const RTPROT_OPENR = 99;
export const RTPROT_BGP = 186;
export const RTPROT_ISIS = 187;
export const RTPROT_OSPF = 188;
export const RTPROT_RIP = 189;
export const RTPROT_EIGRP = 192;

// ---- rtmsg.rtm_scope (enum rt_scope_t)
export const RT_SCOPE_UNIVERSE = 0;
export const RT_SCOPE_SITE = 200;
export const RT_SCOPE_LINK = 253;
export const RT_SCOPE_HOST = 254;
export const RT_SCOPE_NOWHERE = 255;

// ---- rtmsg.rtm_type: route types
export const RTN_UNSPEC = 0;
export const RTN_UNICAST = 1;
export const RTN_LOCAL = 2;
export const RTN_BROADCAST = 3;
export const RTN_ANYCAST = 4;
export const RTN_MULTICAST = 5;
export const RTN_BLACKHOLE = 6;
export const RTN_UNREACHABLE = 7;
export const RTN_PROHIBIT = 8;
export const RTN_THROW = 9;
export const RTN_NAT = 10;
export const RTN_XRESOLVE = 11;

// ---- ifinfomsg.ifi_flags / ifi_change (enum net_device_flags in <linux/if.h>)
export const IFF_UP = 1 << 0;
export const IFF_BROADCAST = 1 << 1;
export const IFF_DEBUG = 1 << 2;
export const IFF_LOOPBACK = 1 << 3;
export const IFF_POINTOPOINT = 1 << 4;
export const IFF_NOTRAILERS = 1 << 5;
export const IFF_RUNNING = 1 << 6;
export const IFF_NOARP = 1 << 7;
export const IFF_PROMISC = 1 << 8;
export const IFF_ALLMULTI = 1 << 9;
export const IFF_MASTER = 1 << 10;
export const IFF_SLAVE = 1 << 11;
export const IFF_MULTICAST = 1 << 12;
export const IFF_PORTSEL = 1 << 13;
export const IFF_AUTOMEDIA = 1 << 14;
export const IFF_DYNAMIC = 1 << 15;
export const IFF_LOWER_UP = 1 << 16;
export const IFF_DORMANT = 1 << 17;
export const IFF_ECHO = 1 << 18;
