/*
 * route_batch — raw-socket C baseline for nlkit's transaction benchmark.
 *
 * Adds <n> IPv4 routes 10.a.b.0/24 dev lo (table <table>) on one NETLINK_ROUTE
 * socket, <per> RTM_NEWROUTE requests per send(), each with NLM_F_ACK
 * ("each") or only the last of each send ("last"), reading every answer of a
 * send before the next one. Any error answer is counted. Run it in the
 * namespace: ip netns exec NS route_batch <n> <per> <each|last> <table>.
 * Output, one JSON line: {"routes":10000,"per":256,"ack":"each","errors":0,"ms":12.3,"cpu_ms":12.1}
 * (wall and process CPU time of the adds).
 *
 * Build: cc -O2 -o route_batch route_batch.c
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MSG_LEN (NLMSG_LENGTH(sizeof(struct rtmsg)) + RTA_LENGTH(4) + RTA_LENGTH(4))

static double clock_ms(clockid_t id) {
  struct timespec ts;
  clock_gettime(id, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void put_attr(char *p, unsigned short type, uint32_t v) {
  struct rtattr *a = (struct rtattr *)p;
  a->rta_type = type;
  a->rta_len = RTA_LENGTH(4);
  memcpy(RTA_DATA(a), &v, 4);
}

int main(int argc, char **argv) {
  if (argc < 5) {
    fprintf(stderr, "usage: route_batch <n> <per> <each|last> <table>\n");
    return 2;
  }
  int n = atoi(argv[1]), per = atoi(argv[2]), each = strcmp(argv[3], "each") == 0, table = atoi(argv[4]);
  int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  int one = 1;
  setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof one);
  setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof one);
  char *buf = calloc((size_t)per, MSG_LEN);
  static char rbuf[1 << 16];
  struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
  int errors = 0;
  uint32_t seq = 1;
  double t0 = clock_ms(CLOCK_MONOTONIC), c0 = clock_ms(CLOCK_PROCESS_CPUTIME_ID);
  for (int i = 0; i < n; i += per) {
    int count = n - i < per ? n - i : per;
    char *p = buf;
    for (int j = 0; j < count; j++, p += MSG_LEN) {
      int k = i + j;
      struct nlmsghdr *h = (struct nlmsghdr *)p;
      memset(p, 0, MSG_LEN);
      h->nlmsg_len = MSG_LEN;
      h->nlmsg_type = RTM_NEWROUTE;
      h->nlmsg_flags = NLM_F_REQUEST | NLM_F_CREATE | NLM_F_EXCL;
      if (each || j == count - 1) h->nlmsg_flags |= NLM_F_ACK;
      h->nlmsg_seq = seq++;
      struct rtmsg *r = NLMSG_DATA(h);
      r->rtm_family = AF_INET;
      r->rtm_dst_len = 24;
      r->rtm_table = (unsigned char)table;
      r->rtm_protocol = RTPROT_BOOT;
      r->rtm_type = RTN_UNICAST;
      char *a = (char *)r + NLMSG_ALIGN(sizeof *r);
      uint32_t dst = htonl((10u << 24) | ((100u + (k >> 8)) << 16) | ((k & 255u) << 8));
      put_attr(a, RTA_DST, dst);
      put_attr(a + RTA_LENGTH(4), RTA_OIF, 1);
    }
    if (sendto(fd, buf, (size_t)(p - buf), 0, (struct sockaddr *)&kernel, sizeof kernel) < 0) {
      perror("sendto");
      return 1;
    }
    /* every ack, and every error (errors come even without NLM_F_ACK), until the last item's answer */
    uint32_t last = seq - 1;
    for (int done = 0; !done;) {
      ssize_t got = recv(fd, rbuf, sizeof rbuf, 0);
      if (got < 0) {
        perror("recv");
        return 1;
      }
      for (struct nlmsghdr *h = (struct nlmsghdr *)rbuf; NLMSG_OK(h, (size_t)got); h = NLMSG_NEXT(h, got)) {
        if (h->nlmsg_type != NLMSG_ERROR) continue;
        struct nlmsgerr *e = NLMSG_DATA(h);
        if (e->error) errors++;
        if (h->nlmsg_seq == last) done = 1;
      }
    }
  }
  double ms = clock_ms(CLOCK_MONOTONIC) - t0, cpu = clock_ms(CLOCK_PROCESS_CPUTIME_ID) - c0;
  printf("{\"routes\":%d,\"per\":%d,\"ack\":\"%s\",\"errors\":%d,\"ms\":%.2f,\"cpu_ms\":%.2f}\n", n, per, each ? "each" : "last", errors,
         ms, cpu);
  return 0;
}
