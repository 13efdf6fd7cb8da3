/*
 * rtnl_bench — raw-socket C baselines for nlkit's rtnetlink benchmarks (bulk route
 * add, event latency). Run it inside the benchmark's namespace (ip netns exec NS ...).
 *
 * Usage:
 *   rtnl_bench add-one N          N routes, one request per send(), each acked before the next
 *   rtnl_bench add-batch N        N routes, 256 requests per send(), every one acked
 *   rtnl_bench add-batch-last N   N routes, 256 requests per send(), only the last acked
 *                                 (a failing request is answered with an error anyway)
 *   rtnl_bench paced N GAP_US     N routes, one every GAP_US microseconds: the event source
 *   rtnl_bench listen N           joins RTNLGRP_IPV4_ROUTE, prints "ready", then records
 *                                 when each of routes 0..N-1 is announced
 *
 * Route i is 10.(i>>16).(i>>8).(i)/32 dev lo, scope link, proto static, table main: the
 * same bytes bench/route-payload.js builds for nlkit and the same route `ip -batch` adds.
 *
 * Output: one JSON line. add-*: {"mode","routes","ns"} (ns: the send/receive loop only,
 * socket set-up excluded). paced: {"mode","sent":[ns...]}; listen: {"mode","recv":[ns...]},
 * CLOCK_MONOTONIC, indexed by route, comparable across processes (node's
 * process.hrtime.bigint() reads the same clock). Any failure exits non-zero.
 *
 * Build: cc -O2 -o rtnl_bench rtnl_bench.c
 */
#define _GNU_SOURCE
#include <errno.h>
#include <net/if.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#define PER_SEND 256

struct route_req {
	struct nlmsghdr nlh;
	struct rtmsg rtm;
	struct rtattr dst_attr;
	uint8_t dst[4];
	struct rtattr oif_attr;
	uint32_t oif;
};

static unsigned char rxbuf[256 * 1024];
static struct route_req batch[PER_SEND];
static const struct sockaddr_nl kernel_addr = { .nl_family = AF_NETLINK };

static void die(const char *what)
{
	fprintf(stderr, "rtnl_bench: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void fail(const char *fmt, long a, long b)
{
	fprintf(stderr, "rtnl_bench: ");
	fprintf(stderr, fmt, a, b);
	fputc('\n', stderr);
	exit(1);
}

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + ts.tv_nsec;
}

static int open_socket(void)
{
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		die("socket");
	int one = 1, rcvbuf = 4 << 20;
	/* errors without the request echoed, as nlkit asks for */
	if (setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one)) < 0)
		die("NETLINK_CAP_ACK");
	/* 256 acks queued at once must not overflow the queue */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)) < 0)
		die("SO_RCVBUFFORCE");
	struct sockaddr_nl local = { .nl_family = AF_NETLINK };
	if (bind(fd, (struct sockaddr *)&local, sizeof(local)) < 0)
		die("bind");
	return fd;
}

static void fill_route(struct route_req *r, uint32_t i, uint32_t seq, uint16_t flags, uint32_t oif)
{
	memset(r, 0, sizeof(*r));
	r->nlh.nlmsg_len = sizeof(*r);
	r->nlh.nlmsg_type = RTM_NEWROUTE;
	r->nlh.nlmsg_flags = NLM_F_REQUEST | NLM_F_CREATE | NLM_F_EXCL | flags;
	r->nlh.nlmsg_seq = seq;
	r->rtm.rtm_family = AF_INET;
	r->rtm.rtm_dst_len = 32;
	r->rtm.rtm_table = RT_TABLE_MAIN;
	r->rtm.rtm_protocol = RTPROT_STATIC;
	r->rtm.rtm_scope = RT_SCOPE_LINK;
	r->rtm.rtm_type = RTN_UNICAST;
	r->dst_attr.rta_len = RTA_LENGTH(4);
	r->dst_attr.rta_type = RTA_DST;
	r->dst[0] = 10;
	r->dst[1] = (i >> 16) & 255;
	r->dst[2] = (i >> 8) & 255;
	r->dst[3] = i & 255;
	r->oif_attr.rta_len = RTA_LENGTH(4);
	r->oif_attr.rta_type = RTA_OIF;
	r->oif = oif;
}

/*
 * Reads replies until the ack of `last_seq` has come; returns the number of acks seen.
 * Any error reply fails the run: the benchmark adds routes that must all be accepted.
 */
static long read_acks(int fd, uint32_t last_seq)
{
	long acks = 0;
	for (;;) {
		ssize_t n = recv(fd, rxbuf, sizeof(rxbuf), 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			die("recv");
		}
		for (struct nlmsghdr *h = (struct nlmsghdr *)rxbuf; NLMSG_OK(h, n); h = NLMSG_NEXT(h, n)) {
			if (h->nlmsg_type != NLMSG_ERROR)
				fail("unexpected message type %ld (seq %ld)", h->nlmsg_type, h->nlmsg_seq);
			struct nlmsgerr *e = NLMSG_DATA(h);
			if (e->error != 0)
				fail("route add failed: errno %ld (seq %ld)", -e->error, h->nlmsg_seq);
			acks++;
			if (h->nlmsg_seq == last_seq)
				return acks;
		}
	}
}

static void send_all(int fd, const void *buf, size_t len)
{
	ssize_t n;
	while ((n = sendto(fd, buf, len, 0, (const struct sockaddr *)&kernel_addr, sizeof(kernel_addr))) < 0 && errno == EINTR)
		;
	if (n < 0)
		die("sendto");
	if ((size_t)n != len)
		fail("short send: %ld of %ld bytes", n, (long)len);
}

static void add_routes(const char *mode, long count, int per_send, int ack_last)
{
	uint32_t oif = if_nametoindex("lo");
	if (oif == 0)
		die("if_nametoindex(lo)");
	int fd = open_socket();
	long acks = 0;
	uint32_t seq = 1;
	uint64_t t0 = now_ns();
	for (long i = 0; i < count; i += per_send) {
		int k = count - i < per_send ? (int)(count - i) : per_send;
		for (int j = 0; j < k; j++) {
			int last = j == k - 1;
			fill_route(&batch[j], (uint32_t)(i + j), seq++, !ack_last || last ? NLM_F_ACK : 0, oif);
		}
		send_all(fd, batch, sizeof(batch[0]) * k);
		acks += read_acks(fd, seq - 1);
	}
	uint64_t t1 = now_ns();
	long want = ack_last ? (count + per_send - 1) / per_send : count;
	if (acks != want)
		fail("%ld acks, expected %ld", acks, want);
	close(fd);
	printf("{\"mode\":\"%s\",\"routes\":%ld,\"ns\":%llu}\n", mode, count, (unsigned long long)(t1 - t0));
}

static void paced(long count, long gap_us)
{
	uint32_t oif = if_nametoindex("lo");
	if (oif == 0)
		die("if_nametoindex(lo)");
	int fd = open_socket();
	uint64_t *sent = calloc(count, sizeof(*sent));
	if (!sent)
		die("calloc");
	struct timespec gap = { .tv_sec = gap_us / 1000000, .tv_nsec = (gap_us % 1000000) * 1000 };
	for (long i = 0; i < count; i++) {
		fill_route(&batch[0], (uint32_t)i, (uint32_t)i + 1, NLM_F_ACK, oif);
		sent[i] = now_ns();
		send_all(fd, &batch[0], sizeof(batch[0]));
		read_acks(fd, (uint32_t)i + 1);
		while (clock_nanosleep(CLOCK_MONOTONIC, 0, &gap, NULL) == EINTR)
			;
	}
	printf("{\"mode\":\"paced\",\"sent\":[");
	for (long i = 0; i < count; i++)
		printf("%s%llu", i ? "," : "", (unsigned long long)sent[i]);
	printf("]}\n");
}

static void listen_routes(long count)
{
	int fd = open_socket();
	int group = RTNLGRP_IPV4_ROUTE;
	if (setsockopt(fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &group, sizeof(group)) < 0)
		die("NETLINK_ADD_MEMBERSHIP");
	uint64_t *recv_at = calloc(count, sizeof(*recv_at));
	if (!recv_at)
		die("calloc");
	printf("ready\n");
	fflush(stdout);
	long seen = 0;
	while (seen < count) {
		ssize_t n = recv(fd, rxbuf, sizeof(rxbuf), 0);
		uint64_t t = now_ns();
		if (n < 0) {
			if (errno == EINTR)
				continue;
			die("recv");
		}
		for (struct nlmsghdr *h = (struct nlmsghdr *)rxbuf; NLMSG_OK(h, n); h = NLMSG_NEXT(h, n)) {
			if (h->nlmsg_type != RTM_NEWROUTE)
				continue;
			struct rtmsg *rtm = NLMSG_DATA(h);
			int len = RTM_PAYLOAD(h);
			for (struct rtattr *a = RTM_RTA(rtm); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
				if (a->rta_type != RTA_DST || RTA_PAYLOAD(a) != 4)
					continue;
				uint8_t *d = RTA_DATA(a);
				long i = ((long)d[1] << 16) | (d[2] << 8) | d[3];
				if (d[0] == 10 && i < count && recv_at[i] == 0) {
					recv_at[i] = t;
					seen++;
				}
			}
		}
	}
	printf("{\"mode\":\"listen\",\"recv\":[");
	for (long i = 0; i < count; i++)
		printf("%s%llu", i ? "," : "", (unsigned long long)recv_at[i]);
	printf("]}\n");
}

int main(int argc, char **argv)
{
	if (argc < 3)
		goto usage;
	const char *mode = argv[1];
	long count = strtol(argv[2], NULL, 10);
	if (count <= 0 || count > (1L << 24))
		goto usage;
	if (!strcmp(mode, "add-one"))
		add_routes(mode, count, 1, 0);
	else if (!strcmp(mode, "add-batch"))
		add_routes(mode, count, PER_SEND, 0);
	else if (!strcmp(mode, "add-batch-last"))
		add_routes(mode, count, PER_SEND, 1);
	else if (!strcmp(mode, "paced") && argc == 4)
		paced(count, strtol(argv[3], NULL, 10));
	else if (!strcmp(mode, "listen"))
		listen_routes(count);
	else
		goto usage;
	return 0;
usage:
	fprintf(stderr, "usage: rtnl_bench add-one|add-batch|add-batch-last N | paced N GAP_US | listen N\n");
	return 2;
}
