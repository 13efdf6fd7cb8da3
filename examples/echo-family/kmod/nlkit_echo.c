// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * nlkit-echo: a small generic netlink family, the kernel side of
 * ../nlkit-echo.yaml. It is nlkit's example of a custom family: copy it,
 * rename it and change the spec and this file together.
 *
 *   echo      (do)    send the message back, changed per mode and flags,
 *                     with payload, peer and tags unchanged; remember it;
 *                     notify the "events" group (echo-ntf)
 *   list      (dump)  the last NLKIT_ECHO_HISTORY echoes, oldest first
 *   fail      (do)    always -EINVAL, with an extack message and the
 *                     message attribute marked as the bad one
 *   get-stats (do)    byte counters, in a nest
 *
 * Every network namespace has its own history and counters. No command
 * needs a capability. Builds against Linux 6.1 and later.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/build_bug.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/string.h>
#include <linux/version.h>
#include <net/genetlink.h>
#include <net/net_namespace.h>
#include <net/netlink.h>
#include <net/netns/generic.h>
#include <net/sock.h>

#include "nlkit_echo.h"

/* The spec's "checks: max-len" of message (bytes, not counting the NUL). */
#define NLKIT_ECHO_MSG_MAX	255
/* Longest echoed text: "twice" gives 2 * 255 + 1 bytes, "loud" adds one. */
#define NLKIT_ECHO_OUT_MAX	(2 * NLKIT_ECHO_MSG_MAX + 2)
/* Echoes kept per namespace for the list dump (a power of two). */
#define NLKIT_ECHO_HISTORY	16

static_assert((NLKIT_ECHO_HISTORY & (NLKIT_ECHO_HISTORY - 1)) == 0);

#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 7, 0)
/* The spec's "uint" type; the kernel has had this helper since 6.7. */
static inline int nla_put_uint(struct sk_buff *skb, int attrtype, u64 value)
{
	u64 tmp64 = value;
	u32 tmp32 = value;

	if (tmp64 == tmp32)
		return nla_put_u32(skb, attrtype, tmp32);
	return nla_put(skb, attrtype, sizeof(u64), &tmp64);
}
#endif

/* Multicast groups, as indexes into nlkit_echo_nl_mcgrps[]. */
enum nlkit_echo_nlgrp {
	NLKIT_ECHO_NLGRP_EVENTS,
};

struct nlkit_echo_entry {
	u64 seq;				/* 0: slot not used yet */
	char msg[NLKIT_ECHO_OUT_MAX + 1];
};

struct nlkit_echo_net {
	struct mutex lock;			/* protects the fields below */
	u64 count;				/* echoes so far = newest seq */
	u64 rx_bytes;
	u64 tx_bytes;
	struct nlkit_echo_entry history[NLKIT_ECHO_HISTORY];
};

static unsigned int nlkit_echo_net_id __read_mostly;
static struct genl_family nlkit_echo_family;

static struct nlkit_echo_net *nlkit_echo_pernet(const struct net *net)
{
	return net_generic(net, nlkit_echo_net_id);
}

static struct nlkit_echo_entry *
nlkit_echo_slot(struct nlkit_echo_net *en, u64 seq)
{
	return &en->history[(seq - 1) & (NLKIT_ECHO_HISTORY - 1)];
}

/*
 * Policies, one per command, covering exactly the spec's request
 * attributes. Genetlink validates strictly (the family leaves
 * resv_start_op at 0), so any other attribute is refused with
 * "Unsupported attribute" and attribute types above the max with
 * "Unknown attribute type"; fixed-size integers must have their exact
 * size. Strings must be NUL-terminated (NLA_NUL_STRING).
 */
static const struct nla_policy
nlkit_echo_echo_nl_policy[NLKIT_ECHO_A_ECHO_MAX + 1] = {
	[NLKIT_ECHO_A_ECHO_MESSAGE] = { .type = NLA_NUL_STRING,
					.len = NLKIT_ECHO_MSG_MAX, },
	[NLKIT_ECHO_A_ECHO_MODE] = NLA_POLICY_MAX(NLA_U8,
						  NLKIT_ECHO_MODE_REVERSE),
	[NLKIT_ECHO_A_ECHO_FLAGS] =
		NLA_POLICY_MASK(NLA_U32, NLKIT_ECHO_ECHO_FLAGS_LOUD |
					 NLKIT_ECHO_ECHO_FLAGS_TWICE),
	[NLKIT_ECHO_A_ECHO_PAYLOAD] = { .type = NLA_BINARY, },
	[NLKIT_ECHO_A_ECHO_PEER] = { .type = NLA_BE32, },
	[NLKIT_ECHO_A_ECHO_TAGS] = { .type = NLA_NUL_STRING, },
};

static const struct nla_policy
nlkit_echo_fail_nl_policy[NLKIT_ECHO_A_ECHO_MAX + 1] = {
	[NLKIT_ECHO_A_ECHO_MESSAGE] = { .type = NLA_NUL_STRING,
					.len = NLKIT_ECHO_MSG_MAX, },
};

/*
 * Change @out (holding @len bytes of text, room for NLKIT_ECHO_OUT_MAX + 1)
 * per @mode, then per @flags; returns the new length. "upper" changes ASCII
 * letters only, so UTF-8 text stays valid; "reverse" reverses bytes, so
 * multi-byte UTF-8 characters come out broken.
 */
static size_t nlkit_echo_transform(char *out, size_t len, u8 mode, u32 flags)
{
	size_t i;

	switch (mode) {
	case NLKIT_ECHO_MODE_UPPER:
		for (i = 0; i < len; i++)
			if (out[i] >= 'a' && out[i] <= 'z')
				out[i] -= 'a' - 'A';
		break;
	case NLKIT_ECHO_MODE_REVERSE:
		for (i = 0; i < len / 2; i++)
			swap(out[i], out[len - 1 - i]);
		break;
	default:
		break;
	}

	if (flags & NLKIT_ECHO_ECHO_FLAGS_TWICE) {
		out[len] = ' ';
		memcpy(out + len + 1, out, len);
		len = 2 * len + 1;
	}
	if (flags & NLKIT_ECHO_ECHO_FLAGS_LOUD)
		out[len++] = '!';
	out[len] = '\0';

	return len;
}

/* Room for id, message, mode and count: what nlkit_echo_put_entry() puts. */
static size_t nlkit_echo_entry_size(size_t msg_len)
{
	return nla_total_size(sizeof(u32)) +		/* id */
	       nla_total_size(msg_len + 1) +		/* message */
	       nla_total_size(sizeof(u8)) +		/* mode */
	       nla_total_size_64bit(sizeof(u64));	/* count */
}

/* id, message, mode (when @mode >= 0) and count, in the spec's order. */
static int nlkit_echo_put_entry(struct sk_buff *skb, u64 seq,
				const char *msg, int mode)
{
	if (nla_put_u32(skb, NLKIT_ECHO_A_ECHO_ID, lower_32_bits(seq)) ||
	    nla_put_string(skb, NLKIT_ECHO_A_ECHO_MESSAGE, msg) ||
	    (mode >= 0 && nla_put_u8(skb, NLKIT_ECHO_A_ECHO_MODE, mode)) ||
	    nla_put_u64_64bit(skb, NLKIT_ECHO_A_ECHO_COUNT, seq,
			      NLKIT_ECHO_A_ECHO_PAD))
		return -EMSGSIZE;
	return 0;
}

/* echo-ntf to the "events" group of @net, when anyone listens there. */
static void nlkit_echo_notify(struct net *net, u64 seq, const char *msg,
			      size_t msg_len, u8 mode)
{
	struct sk_buff *ntf;
	void *hdr;

	if (!genl_has_listeners(&nlkit_echo_family, net,
				NLKIT_ECHO_NLGRP_EVENTS))
		return;

	ntf = genlmsg_new(nlkit_echo_entry_size(msg_len), GFP_KERNEL);
	if (!ntf)
		goto err_lost;

	hdr = genlmsg_put(ntf, 0, 0, &nlkit_echo_family, 0,
			  NLKIT_ECHO_CMD_ECHO_NTF);
	if (!hdr || nlkit_echo_put_entry(ntf, seq, msg, mode)) {
		nlmsg_free(ntf);
		goto err_lost;
	}
	genlmsg_end(ntf, hdr);

	/* Consumes ntf; -ESRCH when the last listener just left. */
	genlmsg_multicast_netns(&nlkit_echo_family, net, ntf, 0,
				NLKIT_ECHO_NLGRP_EVENTS, GFP_KERNEL);
	return;

err_lost:
	/* Tell the listeners that they missed one, so that they resync. */
	genl_set_err(&nlkit_echo_family, net, 0, NLKIT_ECHO_NLGRP_EVENTS,
		     -ENOBUFS);
}

static int nlkit_echo_echo_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct net *net = genl_info_net(info);
	struct nlkit_echo_net *en = nlkit_echo_pernet(net);
	struct nlattr *payload = info->attrs[NLKIT_ECHO_A_ECHO_PAYLOAD];
	struct nlattr *peer = info->attrs[NLKIT_ECHO_A_ECHO_PEER];
	u8 mode = NLKIT_ECHO_MODE_PLAIN;
	char out[NLKIT_ECHO_OUT_MAX + 1];
	size_t msg_len, out_len, size;
	const struct nlattr *nla;
	struct sk_buff *rsp;
	u32 flags = 0;
	void *hdr;
	int rem, err;
	u64 seq;

	if (GENL_REQ_ATTR_CHECK(info, NLKIT_ECHO_A_ECHO_MESSAGE))
		return -EINVAL;
	if (info->attrs[NLKIT_ECHO_A_ECHO_MODE])
		mode = nla_get_u8(info->attrs[NLKIT_ECHO_A_ECHO_MODE]);
	if (info->attrs[NLKIT_ECHO_A_ECHO_FLAGS])
		flags = nla_get_u32(info->attrs[NLKIT_ECHO_A_ECHO_FLAGS]);

	/* The policy ensures a NUL in the first MSG_MAX + 1 bytes. */
	nla_strscpy(out, info->attrs[NLKIT_ECHO_A_ECHO_MESSAGE],
		    NLKIT_ECHO_MSG_MAX + 1);
	msg_len = strlen(out);
	out_len = nlkit_echo_transform(out, msg_len, mode, flags);

	size = nlkit_echo_entry_size(out_len);
	if (payload)
		size += nla_total_size(nla_len(payload));
	if (peer)
		size += nla_total_size(sizeof(u32));
	nlmsg_for_each_attr(nla, info->nlhdr, GENL_HDRLEN, rem)
		if (nla_type(nla) == NLKIT_ECHO_A_ECHO_TAGS)
			size += nla_total_size(nla_len(nla));

	rsp = genlmsg_new(size, GFP_KERNEL);
	if (!rsp)
		return -ENOMEM;

	mutex_lock(&en->lock);
	seq = ++en->count;
	en->rx_bytes += msg_len;
	en->tx_bytes += out_len;
	nlkit_echo_slot(en, seq)->seq = seq;
	memcpy(nlkit_echo_slot(en, seq)->msg, out, out_len + 1);
	mutex_unlock(&en->lock);

	hdr = genlmsg_put_reply(rsp, info, &nlkit_echo_family, 0,
				NLKIT_ECHO_CMD_ECHO);
	if (!hdr)
		goto err_free;
	if (nlkit_echo_put_entry(rsp, seq, out, mode))
		goto err_free;
	if (payload && nla_put(rsp, NLKIT_ECHO_A_ECHO_PAYLOAD,
			       nla_len(payload), nla_data(payload)))
		goto err_free;
	if (peer && nla_put_be32(rsp, NLKIT_ECHO_A_ECHO_PEER,
				 nla_get_be32(peer)))
		goto err_free;
	/* multi-attr: info->attrs holds only the last one, so walk them all. */
	nlmsg_for_each_attr(nla, info->nlhdr, GENL_HDRLEN, rem) {
		if (nla_type(nla) != NLKIT_ECHO_A_ECHO_TAGS)
			continue;
		if (nla_put_string(rsp, NLKIT_ECHO_A_ECHO_TAGS, nla_data(nla)))
			goto err_free;
	}
	genlmsg_end(rsp, hdr);

	err = genlmsg_reply(rsp, info);
	nlkit_echo_notify(net, seq, out, out_len, mode);
	return err;

err_free:
	nlmsg_free(rsp);
	return -EMSGSIZE;
}

static int nlkit_echo_list_fill(struct sk_buff *skb,
				struct netlink_callback *cb,
				const struct nlkit_echo_entry *e)
{
	void *hdr;

	hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
			  &nlkit_echo_family, NLM_F_MULTI, NLKIT_ECHO_CMD_LIST);
	if (!hdr)
		return -EMSGSIZE;
	genl_dump_check_consistent(cb, hdr);

	if (nlkit_echo_put_entry(skb, e->seq, e->msg, -1)) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

/*
 * cb->args[0] is the cursor: the seq of the last entry sent, so a dump
 * that takes more than one skb goes on where it stopped even when echoes
 * come in between. Those echoes do change the list, and cb->seq makes the
 * core flag the next message with NLM_F_DUMP_INTR.
 */
static int nlkit_echo_list_dumpit(struct sk_buff *skb,
				  struct netlink_callback *cb)
{
	struct nlkit_echo_net *en = nlkit_echo_pernet(sock_net(skb->sk));
	u64 done = (unsigned long)cb->args[0];
	u64 seq, first;
	int err = 0;

	mutex_lock(&en->lock);
	cb->seq = lower_32_bits(en->count) + 1;

	first = en->count > NLKIT_ECHO_HISTORY ?
		en->count - NLKIT_ECHO_HISTORY + 1 : 1;
	if (first <= done)
		first = done + 1;

	for (seq = first; seq <= en->count; seq++) {
		err = nlkit_echo_list_fill(skb, cb, nlkit_echo_slot(en, seq));
		if (err)
			break;
		cb->args[0] = (unsigned long)seq;
	}
	mutex_unlock(&en->lock);

	/* skb full: return its length and the core calls again. */
	if (err == -EMSGSIZE && skb->len)
		return skb->len;
	/* 0: all sent, the core ends the dump with NLMSG_DONE. */
	return err;
}

static int nlkit_echo_fail_doit(struct sk_buff *skb, struct genl_info *info)
{
	/* No message: the error names the missing attribute instead. */
	if (GENL_REQ_ATTR_CHECK(info, NLKIT_ECHO_A_ECHO_MESSAGE))
		return -EINVAL;

	NL_SET_ERR_MSG(info->extack, "Failing as requested");
	NL_SET_BAD_ATTR(info->extack, info->attrs[NLKIT_ECHO_A_ECHO_MESSAGE]);
	return -EINVAL;
}

static int nlkit_echo_get_stats_doit(struct sk_buff *skb,
				     struct genl_info *info)
{
	struct nlkit_echo_net *en = nlkit_echo_pernet(genl_info_net(info));
	struct sk_buff *rsp;
	struct nlattr *nest;
	u64 rx, tx;
	void *hdr;

	mutex_lock(&en->lock);
	rx = en->rx_bytes;
	tx = en->tx_bytes;
	mutex_unlock(&en->lock);

	rsp = genlmsg_new(nla_total_size(0) +			/* stats */
			  2 * nla_total_size(sizeof(u64)),	/* rx, tx */
			  GFP_KERNEL);
	if (!rsp)
		return -ENOMEM;

	hdr = genlmsg_put_reply(rsp, info, &nlkit_echo_family, 0,
				NLKIT_ECHO_CMD_GET_STATS);
	if (!hdr)
		goto err_free;
	nest = nla_nest_start(rsp, NLKIT_ECHO_A_ECHO_STATS);
	if (!nest)
		goto err_free;
	if (nla_put_uint(rsp, NLKIT_ECHO_A_STATS_RX, rx) ||
	    nla_put_uint(rsp, NLKIT_ECHO_A_STATS_TX, tx))
		goto err_free;
	nla_nest_end(rsp, nest);
	genlmsg_end(rsp, hdr);

	return genlmsg_reply(rsp, info);

err_free:
	nlmsg_free(rsp);
	return -EMSGSIZE;
}

/*
 * list and get-stats take no attributes, so they have no policy: the core
 * then refuses any attribute (Linux 6.2 and later; 6.1 ignores them).
 */
static const struct genl_ops nlkit_echo_nl_ops[] = {
	{
		.cmd		= NLKIT_ECHO_CMD_ECHO,
		.doit		= nlkit_echo_echo_doit,
		.policy		= nlkit_echo_echo_nl_policy,
		.maxattr	= NLKIT_ECHO_A_ECHO_MAX,
	},
	{
		.cmd		= NLKIT_ECHO_CMD_LIST,
		.dumpit		= nlkit_echo_list_dumpit,
	},
	{
		.cmd		= NLKIT_ECHO_CMD_FAIL,
		.doit		= nlkit_echo_fail_doit,
		.policy		= nlkit_echo_fail_nl_policy,
		.maxattr	= NLKIT_ECHO_A_ECHO_MAX,
	},
	{
		.cmd		= NLKIT_ECHO_CMD_GET_STATS,
		.doit		= nlkit_echo_get_stats_doit,
	},
};

static const struct genl_multicast_group nlkit_echo_nl_mcgrps[] = {
	[NLKIT_ECHO_NLGRP_EVENTS] = { .name = NLKIT_ECHO_MCGRP_EVENTS, },
};

/*
 * .resv_start_op stays 0, as the kernel asks of new families: every
 * command is then validated strictly (policies above, and the reserved
 * byte of the genetlink header must be zero).
 */
static struct genl_family nlkit_echo_family __ro_after_init = {
	.name		= NLKIT_ECHO_FAMILY_NAME,
	.version	= NLKIT_ECHO_FAMILY_VERSION,
	.netnsok	= true,
	.module		= THIS_MODULE,
	.ops		= nlkit_echo_nl_ops,
	.n_ops		= ARRAY_SIZE(nlkit_echo_nl_ops),
	.resv_start_op	= 0,
	.mcgrps		= nlkit_echo_nl_mcgrps,
	.n_mcgrps	= ARRAY_SIZE(nlkit_echo_nl_mcgrps),
};

static int __net_init nlkit_echo_net_init(struct net *net)
{
	mutex_init(&nlkit_echo_pernet(net)->lock);
	return 0;
}

static void __net_exit nlkit_echo_net_exit(struct net *net)
{
	mutex_destroy(&nlkit_echo_pernet(net)->lock);
}

static struct pernet_operations nlkit_echo_net_ops = {
	.init	= nlkit_echo_net_init,
	.exit	= nlkit_echo_net_exit,
	.id	= &nlkit_echo_net_id,
	.size	= sizeof(struct nlkit_echo_net),
};

static int __init nlkit_echo_init(void)
{
	int err;

	err = register_pernet_subsys(&nlkit_echo_net_ops);
	if (err)
		return err;

	err = genl_register_family(&nlkit_echo_family);
	if (err) {
		unregister_pernet_subsys(&nlkit_echo_net_ops);
		return err;
	}

	pr_info("generic netlink family %s registered\n",
		NLKIT_ECHO_FAMILY_NAME);
	return 0;
}

static void __exit nlkit_echo_exit(void)
{
	genl_unregister_family(&nlkit_echo_family);
	unregister_pernet_subsys(&nlkit_echo_net_ops);
}

module_init(nlkit_echo_init);
module_exit(nlkit_echo_exit);

MODULE_DESCRIPTION("nlkit-echo: example generic netlink family for nlkit");
MODULE_LICENSE("Dual MIT/GPL");
/* Lets the controller load the module on the first lookup of the family. */
MODULE_ALIAS_GENL_FAMILY(NLKIT_ECHO_FAMILY_NAME);
