// Byte vectors shared by several test files.

/** Hex with any white space in it, as bytes. */
export const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

/** The attributes of CTRL_CMD_NEWFAMILY for nlctrl (after genlmsghdr), as a 6.18 kernel sent them. */
export const NLCTRL_FAMILY_ATTRS = hex(
  `0b000200 6e6c6374726c00 00
   06000100 1000 0000
   08000300 02000000
   08000400 00000000
   08000500 00000000
   2c000600 14000100 08000100 03000000 08000200 0e000000
            14000200 08000100 0a000000 08000200 0c000000
   1c000700 18000100 08000200 10000000 0b000100 6e6f74696679 00 00`,
);

/** The whole reply: nlmsghdr (len 0x88, type 0x10, seq 7, pid 0x114e), genlmsghdr (cmd 1, version 2), attributes. */
export const NLCTRL_NEWFAMILY = Buffer.concat([hex('88000000 1000 0000 07000000 4e110000  01 02 0000'), NLCTRL_FAMILY_ATTRS]);
