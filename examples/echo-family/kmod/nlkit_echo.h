/* SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR MIT) */
/*
 * uAPI of the nlkit-echo generic netlink family, written by hand in the
 * form the kernel's YNL code generator (tools/net/ynl/ynl-gen-c.py) gives
 * for ../nlkit-echo.yaml. Keep the two in step: the numbers below are the
 * spec's default numbering (enums from 0, flags 1 << n, attributes and
 * commands from 1).
 */

#ifndef _UAPI_LINUX_NLKIT_ECHO_H
#define _UAPI_LINUX_NLKIT_ECHO_H

#define NLKIT_ECHO_FAMILY_NAME		"nlkit-echo"
#define NLKIT_ECHO_FAMILY_VERSION	1

/**
 * enum nlkit_echo_mode - How the message is changed before it is sent back.
 */
enum nlkit_echo_mode {
	NLKIT_ECHO_MODE_PLAIN,
	NLKIT_ECHO_MODE_UPPER,
	NLKIT_ECHO_MODE_REVERSE,
};

/**
 * enum nlkit_echo_echo_flags - Extra changes, applied after the mode.
 * @NLKIT_ECHO_ECHO_FLAGS_LOUD: Append "!".
 * @NLKIT_ECHO_ECHO_FLAGS_TWICE: Repeat the message, separated by a space.
 */
enum nlkit_echo_echo_flags {
	NLKIT_ECHO_ECHO_FLAGS_LOUD = 1,
	NLKIT_ECHO_ECHO_FLAGS_TWICE = 2,
};

enum {
	NLKIT_ECHO_A_ECHO_ID = 1,
	NLKIT_ECHO_A_ECHO_MESSAGE,
	NLKIT_ECHO_A_ECHO_MODE,
	NLKIT_ECHO_A_ECHO_FLAGS,
	NLKIT_ECHO_A_ECHO_COUNT,
	NLKIT_ECHO_A_ECHO_PAYLOAD,
	NLKIT_ECHO_A_ECHO_PEER,
	NLKIT_ECHO_A_ECHO_TAGS,
	NLKIT_ECHO_A_ECHO_STATS,
	NLKIT_ECHO_A_ECHO_PAD,

	__NLKIT_ECHO_A_ECHO_MAX,
	NLKIT_ECHO_A_ECHO_MAX = (__NLKIT_ECHO_A_ECHO_MAX - 1)
};

enum {
	NLKIT_ECHO_A_STATS_RX = 1,
	NLKIT_ECHO_A_STATS_TX,

	__NLKIT_ECHO_A_STATS_MAX,
	NLKIT_ECHO_A_STATS_MAX = (__NLKIT_ECHO_A_STATS_MAX - 1)
};

enum {
	NLKIT_ECHO_CMD_ECHO = 1,
	NLKIT_ECHO_CMD_LIST,
	NLKIT_ECHO_CMD_FAIL,
	NLKIT_ECHO_CMD_GET_STATS,
	NLKIT_ECHO_CMD_ECHO_NTF,

	__NLKIT_ECHO_CMD_MAX,
	NLKIT_ECHO_CMD_MAX = (__NLKIT_ECHO_CMD_MAX - 1)
};

#define NLKIT_ECHO_MCGRP_EVENTS	"events"

#endif /* _UAPI_LINUX_NLKIT_ECHO_H */
