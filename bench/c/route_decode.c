/*
 * route_decode — raw-socket C baseline for nlkit's route-dump benchmark.
 *
 * Decodes IPv4 routes (RTM_NEWROUTE) into a struct per route the way the
 * JS decoders do: rtmsg fields, RTA_TABLE, RTA_DST, RTA_GATEWAY, RTA_OIF,
 * RTA_PRIORITY, RTA_PREFSRC, with the addresses formatted as dotted-quad
 * text (the JS objects hold strings, so C pays for the formatting too).
 * Every route of a round is kept in an array, as the JS side keeps its
 * objects in the dump's result array. Plain libc and uapi headers only.
 *
 * Usage:
 *   route_decode dump <rounds>
 *       RTM_GETROUTE dump (AF_INET, all tables) on one NETLINK_ROUTE socket,
 *       <rounds> times; each datagram (64 KiB buffer per recv) is parsed as
 *       it arrives. Run it in the namespace to dump: ip netns exec NS ...
 *   route_decode decode <file> <rounds>
 *       Parses a capture <rounds> times, no system calls in the timed part.
 *       The file is netlink messages back to back, each a nlmsghdr and its
 *       payload padded to 4 bytes (what recv returns, minus the datagram
 *       boundaries) — bench/routes.js writes it.
 *
 * One untimed round runs first (page faults, the route array's growth), then
 * the timed ones. Output, one JSON line:
 *   {"mode":"dump","rounds":5,"routes":100010,"datagrams":188,
 *    "ns_per_route":123.4,"digest":305419896}
 * The digest (FNV-1a over every field of the last round, computed after the
 * clock stops) must equal the JS decoders' digest: the parse cannot be
 * skipped or disagree with the JS one unnoticed.
 *
 * Build: cc -O2 -o route_decode route_decode.c
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
#include <sys/stat.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#ifndef NETLINK_GET_STRICT_CHK
#define NETLINK_GET_STRICT_CHK 12
#endif

/* Room for "255.255.255.255" and its NUL; "" when the attribute is absent. */
#define ADDR_TEXT 16

struct route {
	uint8_t family, dst_len, src_len, tos, table, protocol, scope, type;
	uint32_t flags;
	uint32_t table_id, oif, priority;
	char dst[ADDR_TEXT], gateway[ADDR_TEXT], prefsrc[ADDR_TEXT];
};

static struct route *routes;
static size_t n_routes, cap_routes;

/* Static, not per-call, so the loop pays no page-touching cost for it. */
static unsigned char rxbuf[64 * 1024];

__attribute__((noreturn))
static void die(const char *what)
{
	fprintf(stderr, "route_decode: %s: %s\n", what, strerror(errno));
	exit(1);
}

__attribute__((noreturn, format(printf, 1, 2)))
static void fail(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("route_decode: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(1);
}

static struct route *new_route(void)
{
	if (n_routes == cap_routes) {
		cap_routes = cap_routes ? cap_routes * 2 : 1024;
		routes = realloc(routes, cap_routes * sizeof(*routes));
		if (!routes)
			die("realloc");
	}
	return &routes[n_routes++];
}

static char *put_octet(char *p, unsigned v)
{
	if (v >= 100) {
		*p++ = (char)('0' + v / 100);
		v %= 100;
		*p++ = (char)('0' + v / 10);
		v %= 10;
	} else if (v >= 10) {
		*p++ = (char)('0' + v / 10);
		v %= 10;
	}
	*p++ = (char)('0' + v);
	return p;
}

static void format_ipv4(char *out, const unsigned char *a)
{
	char *p = put_octet(out, a[0]);
	*p++ = '.';
	p = put_octet(p, a[1]);
	*p++ = '.';
	p = put_octet(p, a[2]);
	*p++ = '.';
	p = put_octet(p, a[3]);
	*p = '\0';
}

static uint32_t get_u32(const unsigned char *p)
{
	uint32_t v;
	memcpy(&v, p, sizeof(v));
	return v;
}

static void parse_route(const struct nlmsghdr *nlh)
{
	if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof(struct rtmsg)))
		fail("RTM_NEWROUTE too short (%u bytes)", nlh->nlmsg_len);
	const struct rtmsg *rtm = NLMSG_DATA(nlh);
	struct route *r = new_route();
	r->family = rtm->rtm_family;
	r->dst_len = rtm->rtm_dst_len;
	r->src_len = rtm->rtm_src_len;
	r->tos = rtm->rtm_tos;
	r->table = rtm->rtm_table;
	r->protocol = rtm->rtm_protocol;
	r->scope = rtm->rtm_scope;
	r->type = rtm->rtm_type;
	r->flags = rtm->rtm_flags;
	/* RTA_TABLE, when present, carries ids above 255 that rtm_table cannot */
	r->table_id = rtm->rtm_table;
	r->oif = 0;
	r->priority = 0;
	r->dst[0] = r->gateway[0] = r->prefsrc[0] = '\0';

	const unsigned char *p = (const unsigned char *)NLMSG_DATA(nlh) + NLMSG_ALIGN(sizeof(*rtm));
	int left = (int)(nlh->nlmsg_len - NLMSG_LENGTH(NLMSG_ALIGN(sizeof(*rtm))));
	while (left >= NLA_HDRLEN) {
		const struct nlattr *nla = (const void *)p;
		int len = nla->nla_len;
		if (len < NLA_HDRLEN || len > left)
			fail("malformed attribute (len %d, %d left)", len, left);
		const unsigned char *v = p + NLA_HDRLEN;
		int vlen = len - NLA_HDRLEN;
		/* anything else (RTA_MULTIPATH, RTA_METRICS, RTA_CACHEINFO...) is skipped, as in JS */
		switch (nla->nla_type & NLA_TYPE_MASK) {
		case RTA_TABLE:
			if (vlen == 4)
				r->table_id = get_u32(v);
			break;
		case RTA_OIF:
			if (vlen == 4)
				r->oif = get_u32(v);
			break;
		case RTA_PRIORITY:
			if (vlen == 4)
				r->priority = get_u32(v);
			break;
		case RTA_DST:
			if (vlen == 4)
				format_ipv4(r->dst, v);
			break;
		case RTA_GATEWAY:
			if (vlen == 4)
				format_ipv4(r->gateway, v);
			break;
		case RTA_PREFSRC:
			if (vlen == 4)
				format_ipv4(r->prefsrc, v);
			break;
		}
		int step = NLA_ALIGN(len);
		if (step >= left)
			break;
		p += step;
		left -= step;
	}
}

/* Parses whole netlink messages in buf; returns 1 once NLMSG_DONE is seen. */
static int parse_messages(const unsigned char *buf, size_t len)
{
	int remaining = (int)len;
	for (const struct nlmsghdr *nlh = (const void *)buf; NLMSG_OK(nlh, remaining);
	     nlh = NLMSG_NEXT(nlh, remaining)) {
		switch (nlh->nlmsg_type) {
		case RTM_NEWROUTE:
			parse_route(nlh);
			break;
		case NLMSG_DONE:
			return 1;
		case NLMSG_ERROR: {
			const struct nlmsgerr *e = NLMSG_DATA(nlh);
			errno = -e->error;
			die("kernel replied NLMSG_ERROR");
		}
		default:
			fail("unexpected message type %u", nlh->nlmsg_type);
		}
	}
	if (remaining != 0)
		fail("%d stray bytes after the last message", remaining);
	return 0;
}

static const struct sockaddr_nl kernel_addr = { .nl_family = AF_NETLINK };

static struct {
	struct nlmsghdr nlh;
	struct rtmsg rtm;
} req;

static int open_socket(void)
{
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		die("socket");
	/* nlkit's NETLINK_ROUTE default; an all-zero header dumps every table either way */
	int one = 1;
	if (setsockopt(fd, SOL_NETLINK, NETLINK_GET_STRICT_CHK, &one, sizeof(one)) < 0)
		die("setsockopt(NETLINK_GET_STRICT_CHK)");
	return fd;
}

/* One full dump, parsed datagram by datagram; returns the datagram count. */
static long dump_once(int fd, uint32_t seq)
{
	req.nlh.nlmsg_len = sizeof(req);
	req.nlh.nlmsg_type = RTM_GETROUTE;
	req.nlh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	req.nlh.nlmsg_seq = seq;
	req.rtm.rtm_family = AF_INET;
	if (sendto(fd, &req, sizeof(req), 0, (const struct sockaddr *)&kernel_addr,
		   sizeof(kernel_addr)) != (ssize_t)sizeof(req))
		die("sendto");
	n_routes = 0;
	long datagrams = 0;
	for (;;) {
		ssize_t n = recv(fd, rxbuf, sizeof(rxbuf), 0);
		if (n < 0)
			die("recv");
		datagrams++;
		if (parse_messages(rxbuf, (size_t)n))
			return datagrams;
	}
}

static unsigned char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		die(path);
	struct stat st;
	if (fstat(fileno(f), &st) < 0)
		die("fstat");
	unsigned char *buf = malloc((size_t)st.st_size + 1);
	if (!buf)
		die("malloc");
	if (fread(buf, 1, (size_t)st.st_size, f) != (size_t)st.st_size)
		die("fread");
	fclose(f);
	*len = (size_t)st.st_size;
	return buf;
}

static void decode_once(const unsigned char *buf, size_t len)
{
	n_routes = 0;
	parse_messages(buf, len);
}

#define FNV_PRIME 16777619u
static uint32_t mix(uint32_t h, uint32_t x)
{
	return (h ^ x) * FNV_PRIME;
}

static uint32_t mix_text(uint32_t h, const char *s)
{
	for (; *s; s++)
		h = mix(h, (unsigned char)*s);
	return mix(h, 0);
}

/* Must match digest() in bench/route-decoder.js field for field. */
static uint32_t digest(void)
{
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < n_routes; i++) {
		const struct route *r = &routes[i];
		h = mix(h, r->family);
		h = mix(h, r->dst_len);
		h = mix(h, r->src_len);
		h = mix(h, r->tos);
		h = mix(h, r->table);
		h = mix(h, r->protocol);
		h = mix(h, r->scope);
		h = mix(h, r->type);
		h = mix(h, r->flags);
		h = mix(h, r->table_id);
		h = mix(h, r->oif);
		h = mix(h, r->priority);
		h = mix_text(h, r->dst);
		h = mix_text(h, r->gateway);
		h = mix_text(h, r->prefsrc);
	}
	return h;
}

static double now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static long parse_rounds(const char *s)
{
	char *end;
	long v = strtol(s, &end, 10);
	if (*s == '\0' || *end != '\0' || v <= 0)
		fail("rounds must be a positive integer");
	return v;
}

int main(int argc, char **argv)
{
	int dump = argc == 3 && strcmp(argv[1], "dump") == 0;
	int decode = argc == 4 && strcmp(argv[1], "decode") == 0;
	if (!dump && !decode) {
		fprintf(stderr, "usage: %s dump <rounds> | %s decode <file> <rounds>\n", argv[0], argv[0]);
		return 2;
	}
	long rounds = parse_rounds(argv[argc - 1]);
	long datagrams = 0;
	double t0, t1;

	if (dump) {
		int fd = open_socket();
		uint32_t seq = 1;
		dump_once(fd, seq++);
		t0 = now_ns();
		for (long i = 0; i < rounds; i++)
			datagrams = dump_once(fd, seq++);
		t1 = now_ns();
		close(fd);
	} else {
		size_t len;
		unsigned char *buf = read_file(argv[2], &len);
		decode_once(buf, len);
		t0 = now_ns();
		for (long i = 0; i < rounds; i++)
			decode_once(buf, len);
		t1 = now_ns();
		free(buf);
	}
	if (n_routes == 0)
		fail("no routes decoded");

	printf("{\"mode\":\"%s\",\"rounds\":%ld,\"routes\":%zu,\"datagrams\":%ld,\"ns_per_route\":%.1f,\"digest\":%u}\n",
	       argv[1], rounds, n_routes, datagrams, (t1 - t0) / ((double)rounds * (double)n_routes), digest());
	return 0;
}
