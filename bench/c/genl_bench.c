/*
 * genl_bench — raw-socket C baseline for nlkit's generic-netlink benchmarks.
 *
 * It performs the smallest possible CTRL_CMD_GETFAMILY("nlctrl") round trip
 * with plain syscalls (no libnl), so the JS numbers have a floor to be
 * compared against.
 *
 * Usage: genl_bench <cycle|steady> <iterations>
 *
 *   cycle   per iteration: socket, sendto, recv, close (4 syscalls; no bind
 *           and no setsockopt — the kernel autobinds on the first send).
 *   steady  one socket for the whole run; per iteration: sendto, recv.
 *   cycle-extack  as cycle, plus the two setsockopt calls nlkit makes on every
 *           socket it opens (NETLINK_EXT_ACK and NETLINK_CAP_ACK, which keep
 *           error reports complete): the same system calls as nlkit's cycle.
 *
 * Every reply is decoded and checked (not an NLMSG_ERROR, right sequence
 * number, CTRL_ATTR_FAMILY_ID == GENL_ID_CTRL), so the loop cannot be
 * "fast" by skipping work. Any failure exits non-zero with a message.
 *
 * A fixed WARMUP iterations run before the timed loop. The count is fixed,
 * not proportional to <iterations>, so that syscall counts taken from two
 * runs with different iteration counts differ by exactly the extra timed
 * iterations: (calls(n2) - calls(n1)) / (n2 - n1) is the per-op figure,
 * with process start-up and warm-up cancelling out.
 *
 * Output: one JSON line on stdout, e.g.
 *   {"mode":"cycle","iterations":100000,"ns_per_op":1234.5}
 *
 * Build: cc -O2 -o genl_bench genl_bench.c
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <linux/netlink.h>
#include <linux/genetlink.h>

#define WARMUP 1000
#define FAMILY_NAME "nlctrl"

/* The request never changes except for nlmsg_seq, so it is built once. */
static struct {
	struct nlmsghdr nlh;
	struct genlmsghdr genl;
	struct nlattr name_attr;
	char name[NLA_ALIGN(sizeof(FAMILY_NAME))];
} req;

/* Static, not per-call, so the loop pays no page-touching cost for it. */
static unsigned char rxbuf[64 * 1024];

static const struct sockaddr_nl kernel_addr = { .nl_family = AF_NETLINK };

static void die(const char *what)
{
	fprintf(stderr, "genl_bench: %s: %s\n", what, strerror(errno));
	exit(1);
}

__attribute__((format(printf, 1, 2)))
static void fail(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("genl_bench: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(1);
}

static void build_request(void)
{
	req.nlh.nlmsg_len = sizeof(req);
	req.nlh.nlmsg_type = GENL_ID_CTRL;
	/* No NLM_F_ACK: the reply alone is one datagram, so one recv suffices. */
	req.nlh.nlmsg_flags = NLM_F_REQUEST;
	req.genl.cmd = CTRL_CMD_GETFAMILY;
	req.genl.version = 1;
	req.name_attr.nla_len = NLA_HDRLEN + sizeof(FAMILY_NAME);
	req.name_attr.nla_type = CTRL_ATTR_FAMILY_NAME;
	memcpy(req.name, FAMILY_NAME, sizeof(FAMILY_NAME));
}

static int open_socket(void)
{
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (fd < 0)
		die("socket");
	return fd;
}

/* Returns the CTRL_ATTR_FAMILY_ID found in the reply; exits on anything odd. */
static uint16_t decode_reply(const unsigned char *buf, size_t len, uint32_t seq)
{
	int found = 0;
	uint16_t id = 0;
	int remaining = (int)len;

	for (const struct nlmsghdr *nlh = (const void *)buf; NLMSG_OK(nlh, remaining);
	     nlh = NLMSG_NEXT(nlh, remaining)) {
		if (nlh->nlmsg_type == NLMSG_ERROR) {
			const struct nlmsgerr *e = NLMSG_DATA(nlh);
			errno = -e->error;
			die("kernel replied NLMSG_ERROR");
		}
		if (nlh->nlmsg_seq != seq)
			fail("reply seq %u, expected %u", nlh->nlmsg_seq, seq);
		if (nlh->nlmsg_type != GENL_ID_CTRL)
			fail("reply type %u, expected %u", nlh->nlmsg_type, GENL_ID_CTRL);
		if (nlh->nlmsg_len < NLMSG_LENGTH(GENL_HDRLEN))
			fail("reply too short (%u bytes)", nlh->nlmsg_len);

		const unsigned char *p = (const unsigned char *)NLMSG_DATA(nlh) + GENL_HDRLEN;
		int alen = (int)(nlh->nlmsg_len - NLMSG_LENGTH(GENL_HDRLEN));
		while (alen >= NLA_HDRLEN) {
			const struct nlattr *nla = (const void *)p;
			if (nla->nla_len < NLA_HDRLEN || nla->nla_len > alen)
				fail("malformed attribute (len %u, %d left)", nla->nla_len, alen);
			if ((nla->nla_type & NLA_TYPE_MASK) == CTRL_ATTR_FAMILY_ID &&
			    nla->nla_len >= NLA_HDRLEN + sizeof(uint16_t)) {
				memcpy(&id, p + NLA_HDRLEN, sizeof(id));
				found = 1;
			}
			/* The last attribute may lack tail padding; stop cleanly. */
			int step = NLA_ALIGN(nla->nla_len);
			if (step >= alen)
				break;
			p += step;
			alen -= step;
		}
	}
	if (!found)
		fail("no CTRL_ATTR_FAMILY_ID in reply (%zu bytes)", len);
	return id;
}

/* One request/reply exchange on an open socket, fully verified. */
static void round_trip(int fd, uint32_t seq)
{
	req.nlh.nlmsg_seq = seq;
	if (sendto(fd, &req, sizeof(req), 0, (const struct sockaddr *)&kernel_addr,
		   sizeof(kernel_addr)) != (ssize_t)sizeof(req))
		die("sendto");
	ssize_t n = recv(fd, rxbuf, sizeof(rxbuf), 0);
	if (n < 0)
		die("recv");
	uint16_t id = decode_reply(rxbuf, (size_t)n, seq);
	if (id != GENL_ID_CTRL)
		fail("family id 0x%x, expected 0x%x", id, GENL_ID_CTRL);
}

static void set_acks(int fd)
{
	int one = 1;
	if (setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof one) < 0 ||
	    setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof one) < 0)
		die("setsockopt");
}

static void run_cycle(long n, uint32_t *seq, int acks)
{
	for (long i = 0; i < n; i++) {
		int fd = open_socket();
		if (acks)
			set_acks(fd);
		round_trip(fd, ++*seq);
		if (close(fd) < 0)
			die("close");
	}
}

static void run_steady(int fd, long n, uint32_t *seq)
{
	for (long i = 0; i < n; i++)
		round_trip(fd, ++*seq);
}

static double now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: %s <cycle|cycle-extack|steady> <iterations>\n", argv[0]);
		return 2;
	}
	const char *mode = argv[1];
	char *end;
	long iters = strtol(argv[2], &end, 10);
	if (*argv[2] == '\0' || *end != '\0' || iters <= 0) {
		fprintf(stderr, "genl_bench: iterations must be a positive integer\n");
		return 2;
	}
	int acks = strcmp(mode, "cycle-extack") == 0;
	int cycle = acks || strcmp(mode, "cycle") == 0;
	if (!cycle && strcmp(mode, "steady") != 0) {
		fprintf(stderr, "genl_bench: unknown mode '%s' (cycle|cycle-extack|steady)\n", mode);
		return 2;
	}

	build_request();
	uint32_t seq = 0;
	double t0, t1;

	if (cycle) {
		run_cycle(WARMUP, &seq, acks);
		t0 = now_ns();
		run_cycle(iters, &seq, acks);
		t1 = now_ns();
	} else {
		int fd = open_socket();
		run_steady(fd, WARMUP, &seq);
		t0 = now_ns();
		run_steady(fd, iters, &seq);
		t1 = now_ns();
		close(fd);
	}

	printf("{\"mode\":\"%s\",\"iterations\":%ld,\"ns_per_op\":%.1f}\n", mode, iters,
	       (t1 - t0) / (double)iters);
	return 0;
}
