/*
 * nlkit native layer: the kernel boundary and nothing more.
 *
 * AF_NETLINK sockets, options, send, batched receive, libuv polling and
 * network-namespace switching. No netlink protocol knowledge lives here: the
 * TypeScript core owns headers, attributes and request routing.
 *
 * Every failure becomes a JS exception (or an error entry in a receive batch)
 * carrying Node's usual `code`, `errno` and `syscall` fields; nothing here may
 * abort the process.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <linux/nsfs.h>
#include <poll.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <node_api.h>
#include <uv.h>

#include "nlkit.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

/*
 * Receive batches describe each datagram with META_INTS int32 slots in a
 * caller-provided Int32Array, so that a whole batch crosses into JS with one
 * call and no per-datagram object.
 */
enum {
  META_OFFSET = 0, /* byte offset of the datagram in the buffer */
  META_LENGTH,     /* bytes stored, or the errno of an error entry */
  META_REAL_LENGTH,/* the datagram's real size (larger when truncated) */
  META_PID,        /* sender port id */
  META_GROUP,      /* multicast group number, 0 for unicast */
  META_NSID,       /* peer namespace id (LISTEN_ALL_NSID), else -1 */
  META_FLAGS,
  META_CRED_PID,   /* SCM_CREDENTIALS (SO_PASSCRED), else -1 */
  META_CRED_UID,
  META_CRED_GID,
  META_INTS
};
enum { MF_TRUNC = 1, MF_ERROR = 2, MF_NSID = 4, MF_CREDS = 8 };

/*
 * One receive call fills a batch with recvmmsg: the first datagram gets at
 * least half the buffer, every further one a slot of SLOT_BYTES or more (the
 * caller's choice). Kernel dump chunks are at most 32 KiB, so a batch never
 * cuts one; a larger datagram is reported as truncated with its real size,
 * never dropped silently, and the caller grows its buffer and slots.
 */
#define SLOT_BYTES (64 * 1024)
#define MMSG_MAX 64
/* nsid + packet info + credentials, each one cmsg at most */
#define CBUF_BYTES (CMSG_SPACE(sizeof(int)) + CMSG_SPACE(sizeof(struct nl_pktinfo)) + CMSG_SPACE(sizeof(struct ucred)))

/* ------------------------------------------------------------------ errors */

napi_value make_errno_error(napi_env env, int err, const char *syscall) {
  const char *code = uv_err_name(-err);
  char msg[256];
  snprintf(msg, sizeof msg, "%s: %s, %s", code, strerror(err), syscall);
  napi_value jmsg, jcode, error, jerrno, jsys;
  napi_create_string_utf8(env, msg, NAPI_AUTO_LENGTH, &jmsg);
  napi_create_string_utf8(env, code, NAPI_AUTO_LENGTH, &jcode);
  napi_create_error(env, jcode, jmsg, &error);
  /* Node reports system errors with a negative errno */
  napi_create_int32(env, -err, &jerrno);
  napi_create_string_utf8(env, syscall, NAPI_AUTO_LENGTH, &jsys);
  napi_set_named_property(env, error, "errno", jerrno);
  napi_set_named_property(env, error, "syscall", jsys);
  return error;
}

napi_value throw_errno(napi_env env, int err, const char *syscall) {
  napi_throw(env, make_errno_error(env, err, syscall));
  return NULL;
}

napi_value throw_type(napi_env env, const char *msg) {
  napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", msg);
  return NULL;
}

/* ------------------------------------------------------- argument helpers */

static const napi_type_tag HANDLE_TAGS[] = {
    [NLKIT_POLLER] = {0x6e6c6b6974706f6cULL, 0x6c65720000000001ULL},
    [NLKIT_READAHEAD] = {0x6e6c6b6974726561ULL, 0x6461686561640002ULL},
    [NLKIT_SENDER] = {0x6e6c6b697473656eULL, 0x6465720000000003ULL},
};

napi_value nlkit_handle(napi_env env, enum nlkit_handle_kind kind, void *p, napi_finalize finalize) {
  napi_value ext;
  if (napi_create_external(env, p, finalize, NULL, &ext) != napi_ok) return NULL;
  /* from here finalize owns p; an untagged handle (tagging cannot fail on a new external,
     short of memory) is one that no function accepts: a typed error, never a wrong struct */
  napi_type_tag_object(env, ext, &HANDLE_TAGS[kind]);
  return ext;
}

void *nlkit_unwrap(napi_env env, napi_value v, enum nlkit_handle_kind kind) {
  napi_valuetype t;
  bool tagged = false;
  void *p = NULL;
  if (napi_typeof(env, v, &t) != napi_ok || t != napi_external) return NULL;
  if (napi_check_object_type_tag(env, v, &HANDLE_TAGS[kind], &tagged) != napi_ok || !tagged) return NULL;
  if (napi_get_value_external(env, v, &p) != napi_ok) return NULL;
  return p;
}

/*
 * An integer-valued number (1.5 is not an fd 1): anything else is a type error.
 * One N-API call per argument: napi_get_value_double itself refuses non-numbers.
 */
int arg_int(napi_env env, napi_value v, int64_t *out) {
  double d;
  if (napi_get_value_double(env, v, &d) != napi_ok || d != d || d < -9007199254740991.0 || d > 9007199254740991.0 ||
      d != (double)(int64_t)d)
    return 0;
  *out = (int64_t)d;
  return 1;
}

static int arg_u32(napi_env env, napi_value v, uint32_t *out) {
  int64_t x;
  if (!arg_int(env, v, &x) || x < 0 || x > 0xffffffffLL) return 0;
  *out = (uint32_t)x;
  return 1;
}

int arg_fd(napi_env env, napi_value v, int *fd) {
  int64_t x;
  if (!arg_int(env, v, &x) || x < 0 || x > 0x7fffffff) return 0;
  *fd = (int)x;
  return 1;
}

/*
 * The hot paths (transact, recv) take ArrayBuffers: napi_get_arraybuffer_info is a type
 * check and two loads, where napi_get_typedarray_info costs ~250 instructions per view
 * (about a sixth of a steady request's user-space work). A detached ArrayBuffer has
 * length 0 and no data, which every caller refuses or bounds-checks, as for views.
 */
static int arg_arraybuffer(napi_env env, napi_value v, void **data, size_t *len) {
  return napi_get_arraybuffer_info(env, v, data, len) == napi_ok;
}

/* A Buffer or any Uint8Array (a Buffer is one), or an ArrayBuffer as a whole. */
static int arg_buffer(napi_env env, napi_value v, void **data, size_t *len) {
  napi_typedarray_type type;
  if (arg_arraybuffer(env, v, data, len)) return 1;
  if (napi_get_typedarray_info(env, v, &type, len, data, NULL, NULL) != napi_ok) return 0;
  return type == napi_uint8_array;
}

/* An Int32Array, or an ArrayBuffer as a whole (read as int32s). */
static int arg_meta(napi_env env, napi_value v, int32_t **data, size_t *slots) {
  napi_typedarray_type type;
  size_t len;
  void *p;
  if (arg_arraybuffer(env, v, &p, &len)) {
    if ((uintptr_t)p & 3) return 0;
    len /= sizeof(int32_t);
  } else {
    if (napi_get_typedarray_info(env, v, &type, &len, &p, NULL, NULL) != napi_ok) return 0;
    if (type != napi_int32_array) return 0;
  }
  *data = p;
  *slots = len / META_INTS;
  return 1;
}

static napi_value num(napi_env env, double x) {
  napi_value v;
  napi_create_double(env, x, &v);
  return v;
}

/* ------------------------------------------------------------ socket, ns */

/*
 * socket(protocol, netns?) -> fd. netns is a path (e.g. /run/netns/NAME) or
 * an open namespace fd. The calling thread joins the namespace only for the
 * socket() call and returns before this function does, so no other thread
 * (libuv's pool, workers) is ever affected.
 */
/*
 * SOL_NETLINK boolean options set at socket creation, by bit: (1 << option number).
 * One call sets them all, so opening a socket is one crossing into C.
 */
static int set_flag_options(int fd, uint32_t want, uint32_t need) {
  for (int opt = 1; opt < 32; opt++) {
    if (!(want & (1u << opt))) continue;
    int one = 1;
    if (setsockopt(fd, SOL_NETLINK, opt, &one, sizeof one) < 0) {
      /* an option this kernel lacks is fine unless the caller insisted on it */
      if ((need & (1u << opt)) || (errno != ENOPROTOOPT && errno != EINVAL)) return errno;
    }
  }
  return 0;
}

static napi_value finish_socket(napi_env env, int fd, uint32_t want, uint32_t need) {
  int e = want ? set_flag_options(fd, want, need) : 0;
  if (e) {
    close(fd);
    return throw_errno(env, e, "setsockopt");
  }
  return num(env, fd);
}

/*
 * 0 when fd is a network namespace, else an errno: EINVAL for another kind of
 * namespace or any other file (ioctl says ENOTTY there).
 */
int check_netns(int fd) {
  int type = ioctl(fd, NS_GET_NSTYPE);
  if (type == CLONE_NEWNET) return 0;
  if (type < 0 && errno != ENOTTY && errno != EINVAL) return errno;
  return EINVAL;
}

static napi_value js_socket(napi_env env, napi_callback_info info) {
  GET_ARGS(4);
  int64_t proto;
  uint32_t want = 0, need = 0;
  if (argc < 1 || !arg_int(env, argv[0], &proto) || proto < 0 || proto > 255)
    return throw_type(env, "protocol must be an integer 0..255");
  if (argc >= 3 && !arg_u32(env, argv[2], &want)) want = 0;
  if (argc >= 4 && !arg_u32(env, argv[3], &need)) need = 0;

  napi_valuetype nst = napi_undefined;
  if (argc >= 2) napi_typeof(env, argv[1], &nst);

  int target = -1, own_target = 0;
  if (nst == napi_string) {
    char path[4096];
    size_t n;
    if (napi_get_value_string_utf8(env, argv[1], path, sizeof path, &n) != napi_ok || n >= sizeof path - 1)
      return throw_type(env, "netns path too long");
    /* O_NONBLOCK: a FIFO put where a namespace was expected must not hang open() */
    target = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (target < 0) return throw_errno(env, errno, "open");
    own_target = 1;
  } else if (nst == napi_number) {
    if (!arg_fd(env, argv[1], &target)) return throw_type(env, "netns fd must be a non-negative integer");
  } else if (nst != napi_undefined && nst != napi_null) {
    return throw_type(env, "netns must be a path, an fd, or null");
  }

  if (target >= 0) {
    int e = check_netns(target);
    if (e) {
      if (own_target) close(target);
      return throw_errno(env, e, "ioctl(NS_GET_NSTYPE)");
    }
  }

  if (target < 0) {
    int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, (int)proto);
    if (fd < 0) return throw_errno(env, errno, "socket");
    return finish_socket(env, fd, want, need);
  }

  int self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
  if (self < 0) {
    int e = errno;
    if (own_target) close(target);
    return throw_errno(env, e, "open");
  }
  if (setns(target, CLONE_NEWNET) < 0) {
    int e = errno;
    close(self);
    if (own_target) close(target);
    return throw_errno(env, e, "setns");
  }
  int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, (int)proto);
  int sock_err = errno;
  int back = setns(self, CLONE_NEWNET);
  int back_err = errno;
  close(self);
  if (own_target) close(target);
  if (back < 0) {
    /* The main thread is stranded in the other namespace: say so loudly. */
    if (fd >= 0) close(fd);
    napi_value e = make_errno_error(env, back_err, "setns");
    napi_value m;
    napi_create_string_utf8(env, "nlkit: could not return the main thread to its network namespace",
                            NAPI_AUTO_LENGTH, &m);
    napi_set_named_property(env, e, "message", m);
    napi_throw(env, e);
    return NULL;
  }
  if (fd < 0) return throw_errno(env, sock_err, "socket");
  return finish_socket(env, fd, want, need);
}

static napi_value js_close(napi_env env, napi_callback_info info) {
  GET_ARGS(1);
  int fd;
  if (argc < 1 || !arg_fd(env, argv[0], &fd)) return throw_type(env, "fd must be a non-negative integer");
  /* never a netlink socket, and closing one would break the process's stdio */
  if (fd <= STDERR_FILENO) return throw_errno(env, EBADF, "close");
  /* close() is not retried on EINTR: on Linux the fd is released anyway */
  if (close(fd) < 0 && errno != EINTR) return throw_errno(env, errno, "close");
  return NULL;
}

/* bind(fd, pid, groups) */
static napi_value js_bind(napi_env env, napi_callback_info info) {
  GET_ARGS(3);
  int fd;
  uint32_t pid, groups;
  if (argc < 3 || !arg_fd(env, argv[0], &fd) || !arg_u32(env, argv[1], &pid) || !arg_u32(env, argv[2], &groups))
    return throw_type(env, "bind(fd, pid, groups) takes integers");
  struct sockaddr_nl sa = {.nl_family = AF_NETLINK, .nl_pid = pid, .nl_groups = groups};
  if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0) return throw_errno(env, errno, "bind");
  return NULL;
}

/* getsockname(fd) -> [pid, groups] */
static napi_value js_getsockname(napi_env env, napi_callback_info info) {
  GET_ARGS(1);
  int fd;
  if (argc < 1 || !arg_fd(env, argv[0], &fd)) return throw_type(env, "fd must be a non-negative integer");
  struct sockaddr_nl sa;
  socklen_t len = sizeof sa;
  memset(&sa, 0, sizeof sa);
  if (getsockname(fd, (struct sockaddr *)&sa, &len) < 0) return throw_errno(env, errno, "getsockname");
  napi_value arr;
  napi_create_array_with_length(env, 2, &arr);
  napi_set_element(env, arr, 0, num(env, sa.nl_pid));
  napi_set_element(env, arr, 1, num(env, sa.nl_groups));
  return arr;
}

/* setsockopt(fd, level, name, int value) */
static napi_value js_setsockopt(napi_env env, napi_callback_info info) {
  GET_ARGS(4);
  int fd;
  int64_t level, name, value;
  if (argc < 4 || !arg_fd(env, argv[0], &fd) || !arg_int(env, argv[1], &level) || !arg_int(env, argv[2], &name) ||
      !arg_int(env, argv[3], &value))
    return throw_type(env, "setsockopt(fd, level, name, value) takes integers");
  if (value < INT32_MIN || value > INT32_MAX) return throw_type(env, "setsockopt: value must fit a C int");
  int v = (int)value;
  if (setsockopt(fd, (int)level, (int)name, &v, sizeof v) < 0) return throw_errno(env, errno, "setsockopt");
  return NULL;
}

/* getsockopt(fd, level, name) -> int */
static napi_value js_getsockopt(napi_env env, napi_callback_info info) {
  GET_ARGS(3);
  int fd;
  int64_t level, name;
  if (argc < 3 || !arg_fd(env, argv[0], &fd) || !arg_int(env, argv[1], &level) || !arg_int(env, argv[2], &name))
    return throw_type(env, "getsockopt(fd, level, name) takes integers");
  int v = 0;
  socklen_t len = sizeof v;
  if (getsockopt(fd, (int)level, (int)name, &v, &len) < 0) return throw_errno(env, errno, "getsockopt");
  return num(env, v);
}

/* ------------------------------------------------------------------- send */

static int64_t now_ms(void);

/*
 * One datagram to a port id and/or group mask, bounded by timeout_ms:
 * 0 never waits (a full peer queue is EAGAIN), < 0 waits as long as it takes,
 * > 0 waits up to that long and then fails with ETIMEDOUT.
 *
 * Only a user-space peer whose receive queue is full makes a send wait: the
 * kernel answers inside sendmsg. poll(POLLOUT) cannot see the peer's queue
 * (it reports our own send buffer), so the bounded wait is the kernel's own:
 * SO_SNDTIMEO, which netlink_unicast honours while the peer is full. It is set
 * only after a non-blocking attempt found the peer full, and put back to
 * "forever" (0) afterwards, so the usual send is one system call.
 * Returns bytes sent, or -1 with errno set.
 */
static ssize_t do_send(int fd, const void *data, size_t len, uint32_t pid, uint32_t groups, int64_t timeout_ms) {
  struct sockaddr_nl sa = {.nl_family = AF_NETLINK, .nl_pid = pid, .nl_groups = groups};
  ssize_t n;
  do n = sendto(fd, data, len, timeout_ms < 0 ? 0 : MSG_DONTWAIT, (struct sockaddr *)&sa, sizeof sa);
  while (n < 0 && errno == EINTR);
  if (n >= 0 || timeout_ms <= 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) return n;

  int64_t deadline = now_ms() + timeout_ms;
  for (;;) {
    int64_t left = deadline - now_ms();
    if (left <= 0) {
      errno = ETIMEDOUT;
      return -1;
    }
    struct timeval tv = {.tv_sec = (time_t)(left / 1000), .tv_usec = (suseconds_t)((left % 1000) * 1000)};
    if (setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv) < 0) return -1;
    n = sendto(fd, data, len, 0, (struct sockaddr *)&sa, sizeof sa);
    int e = errno;
    struct timeval forever = {0, 0};
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &forever, sizeof forever);
    if (n >= 0) return n;
    if (e == EAGAIN || e == EWOULDBLOCK || e == EINTR) continue; /* the deadline decides */
    errno = e;
    return -1;
  }
}

/* A send timeout argument: any integer, or a missing/boolean one for older callers (true: forever, false: 0). */
static int arg_send_timeout(napi_env env, napi_value v, int64_t *out) {
  napi_valuetype t;
  if (napi_typeof(env, v, &t) != napi_ok) return 0;
  if (t == napi_undefined) {
    *out = 0;
    return 1;
  }
  if (t == napi_boolean) {
    bool b = false;
    napi_get_value_bool(env, v, &b);
    *out = b ? -1 : 0;
    return 1;
  }
  return arg_int(env, v, out);
}

/*
 * send(fd, buffer, offset, length, pid, groups, sendTimeoutMs) -> bytes sent.
 * sendTimeoutMs: 0 non-blocking (a full peer queue is EAGAIN), > 0 waits up to
 * that long for the peer's queue (then ETIMEDOUT), < 0 waits forever.
 */
static napi_value js_send(napi_env env, napi_callback_info info) {
  GET_ARGS(7);
  int fd;
  void *data;
  size_t blen;
  uint32_t off, len, pid, groups;
  int64_t timeout = 0;
  if (argc < 6 || !arg_fd(env, argv[0], &fd) || !arg_buffer(env, argv[1], &data, &blen) ||
      !arg_u32(env, argv[2], &off) || !arg_u32(env, argv[3], &len) || !arg_u32(env, argv[4], &pid) ||
      !arg_u32(env, argv[5], &groups) || (argc >= 7 && !arg_send_timeout(env, argv[6], &timeout)))
    return throw_type(env, "send(fd, buffer, offset, length, pid, groups, sendTimeoutMs)");
  if ((size_t)off + len > blen) return throw_type(env, "send: offset + length exceeds the buffer");
  ssize_t n = do_send(fd, (char *)data + off, len, pid, groups, timeout);
  if (n < 0) return throw_errno(env, errno, "sendto");
  return num(env, (double)n);
}

/* --------------------------------------------------------------- receive */

static void error_entry(int32_t *m, int err) {
  m[META_OFFSET] = 0;
  m[META_LENGTH] = err;
  m[META_REAL_LENGTH] = 0;
  m[META_PID] = 0;
  m[META_GROUP] = 0;
  m[META_NSID] = -1;
  m[META_FLAGS] = MF_ERROR;
  m[META_CRED_PID] = m[META_CRED_UID] = m[META_CRED_GID] = -1;
}

/*
 * The next control message, or NULL. Written out rather than CMSG_NXTHDR so the
 * object needs no libc helper (glibc's __cmsg_nxthdr is absent on musl).
 */
static struct cmsghdr *next_cmsg(const struct msghdr *mh, struct cmsghdr *c) {
  char *end = (char *)mh->msg_control + mh->msg_controllen;
  char *next = c ? (char *)c + CMSG_ALIGN(c->cmsg_len) : (char *)mh->msg_control;
  if (!mh->msg_control || next + sizeof(struct cmsghdr) > end) return NULL;
  c = (struct cmsghdr *)next;
  if (c->cmsg_len < sizeof(struct cmsghdr) || (char *)c + c->cmsg_len > end) return NULL;
  return c;
}

/* Describes one received datagram of `real` bytes that got a `space`-byte region at `offset`. */
static void datagram_entry(int32_t *m, size_t offset, size_t space, size_t real, const struct msghdr *mh) {
  const struct sockaddr_nl *sa = mh->msg_name;
  size_t stored = real < space ? real : space;
  int32_t flags = (real > space || (mh->msg_flags & MSG_TRUNC)) ? MF_TRUNC : 0;
  int32_t nsid = -1;
  uint32_t group = 0;
  struct ucred cred = {.pid = -1, .uid = (uid_t)-1, .gid = (gid_t)-1};
  for (struct cmsghdr *c = next_cmsg(mh, NULL); c; c = next_cmsg(mh, c)) {
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS) {
      memcpy(&cred, CMSG_DATA(c), sizeof cred);
      flags |= MF_CREDS;
    } else if (c->cmsg_level != SOL_NETLINK) {
      continue;
    } else if (c->cmsg_type == NETLINK_LISTEN_ALL_NSID) {
      memcpy(&nsid, CMSG_DATA(c), sizeof nsid);
      flags |= MF_NSID;
    } else if (c->cmsg_type == NETLINK_PKTINFO) {
      struct nl_pktinfo pi;
      memcpy(&pi, CMSG_DATA(c), sizeof pi);
      group = pi.group;
    }
  }
  /* without NETLINK_PKTINFO only groups 1..32 are visible, as a mask */
  if (!group && sa->nl_groups) group = (uint32_t)__builtin_ffs((int)sa->nl_groups);
  m[META_OFFSET] = (int32_t)offset;
  m[META_LENGTH] = (int32_t)stored;
  m[META_REAL_LENGTH] = (int32_t)real;
  m[META_PID] = (int32_t)sa->nl_pid;
  m[META_GROUP] = (int32_t)group;
  m[META_NSID] = nsid;
  m[META_FLAGS] = flags;
  m[META_CRED_PID] = cred.pid;
  m[META_CRED_UID] = (int32_t)cred.uid;
  m[META_CRED_GID] = (int32_t)cred.gid;
}

/*
 * One receive system call, without blocking: up to `want` datagrams (recvmmsg
 * when more than one fits, else recvfrom, or recvmsg when ancillary data is on).
 * MSG_TRUNC makes netlink report each datagram's real size. Returns the count,
 * or -errno (EAGAIN when nothing is queued).
 */
static int receive_once(int fd, uint8_t *buf, size_t cap, int32_t *meta, size_t want, int cmsg, size_t slot) {
  size_t k = 1 + (cap / 2) / slot;
  if (k > want) k = want;
  if (k > MMSG_MAX) k = MMSG_MAX;
  size_t first = cap - (k - 1) * slot;
  struct sockaddr_nl sa[MMSG_MAX];
  struct iovec iov[MMSG_MAX];
  struct mmsghdr mm[MMSG_MAX];
  char cbuf[cmsg ? MMSG_MAX : 1][CBUF_BYTES];
  int n;
  for (;;) {
    if (k == 1 && !cmsg) {
      socklen_t salen = sizeof sa[0];
      memset(&sa[0], 0, sizeof sa[0]);
      ssize_t r = recvfrom(fd, buf, cap, MSG_DONTWAIT | MSG_TRUNC, (struct sockaddr *)&sa[0], &salen);
      if (r >= 0) {
        struct msghdr mh = {.msg_name = &sa[0]};
        datagram_entry(meta, 0, cap, (size_t)r, &mh);
        return 1;
      }
      n = -1;
    } else {
      for (size_t i = 0; i < k; i++) {
        iov[i].iov_base = i ? buf + first + (i - 1) * slot : buf;
        iov[i].iov_len = i ? slot : first;
        memset(&sa[i], 0, sizeof sa[i]);
        mm[i].msg_hdr = (struct msghdr){
            .msg_name = &sa[i], .msg_namelen = sizeof sa[i], .msg_iov = &iov[i], .msg_iovlen = 1,
            .msg_control = cmsg ? cbuf[i] : NULL, .msg_controllen = cmsg ? CBUF_BYTES : 0,
        };
        mm[i].msg_len = 0;
      }
      n = recvmmsg(fd, mm, (unsigned)k, MSG_DONTWAIT | MSG_TRUNC, NULL);
      if (n >= 0) {
        for (int i = 0; i < n; i++)
          datagram_entry(meta + (size_t)i * META_INTS, (uint8_t *)iov[i].iov_base - buf, iov[i].iov_len, mm[i].msg_len,
                         &mm[i].msg_hdr);
        return n;
      }
    }
    if (errno != EINTR) return -errno;
  }
}

/*
 * Reads up to `max` queued datagrams into buf, describing each in meta, with
 * one system call when anything is queued (no trailing read that finds the
 * queue empty). ENOBUFS (receive-queue overflow) becomes an error entry and the
 * read goes on, since the socket keeps working; other errors end the batch.
 * Returns the number of entries; *would_block is set when the queue was empty.
 */
static size_t drain(int fd, uint8_t *buf, size_t cap, int32_t *meta, size_t slots, size_t max, int cmsg, size_t slot,
                    int *would_block) {
  size_t count = 0;
  *would_block = 0;
  if (max > slots) max = slots;
  while (count < max) {
    int r = receive_once(fd, buf, cap, meta + count * META_INTS, max - count, cmsg, slot);
    if (r > 0) return count + (size_t)r;
    if (r == -EAGAIN || r == -EWOULDBLOCK) {
      *would_block = 1;
      break;
    }
    error_entry(meta + count * META_INTS, -r);
    count++;
    if (r != -ENOBUFS) break;
  }
  return count;
}

/* drain() for the read-ahead's pool thread (readahead.c): touches no N-API state */
size_t nlkit_drain(int fd, uint8_t *buf, size_t cap, int32_t *meta, size_t slots, size_t max, int cmsg, size_t slot,
                   int *would_block) {
  return drain(fd, buf, cap, meta, slots, max, cmsg, slot, would_block);
}
_Static_assert(NLKIT_META_INTS == META_INTS, "nlkit.h's NLKIT_META_INTS");

static int64_t now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * recv(fd, buffer, meta, timeoutMs, max, cmsg, slotBytes) -> entries.
 * timeoutMs 0 only takes what is queued; > 0 waits that long for the first
 * datagram; < 0 waits forever. 0 entries after a wait means timed out.
 * This is the blocking primitive of the Sync API and the immediate read of
 * the async one. slotBytes (>= 64 KiB) is the room for each datagram after
 * the first.
 */
static napi_value recv_wait(napi_env env, int fd, void *buf, size_t cap, int32_t *meta, size_t slots, int64_t timeout,
                            int64_t max, int cmsg);
static napi_value recv_wait_slot(napi_env env, int fd, void *buf, size_t cap, int32_t *meta, size_t slots, int64_t timeout,
                                 int64_t max, int cmsg, size_t slot, int poll_first);

/* slotBytes: at least SLOT_BYTES, a multiple of 8 so every region stays aligned */
static int arg_slot(napi_env env, napi_value v, size_t *slot) {
  int64_t x;
  if (!arg_int(env, v, &x) || x < SLOT_BYTES || x > 0x40000000 || (x & 7)) return 0;
  *slot = (size_t)x;
  return 1;
}

static napi_value js_recv(napi_env env, napi_callback_info info) {
  GET_ARGS(7);
  size_t slot = SLOT_BYTES;
  int fd;
  void *buf;
  size_t cap, slots;
  int32_t *meta;
  int64_t timeout = 0, max = 0x7fffffff;
  bool cmsg = false;
  if (argc < 3 || !arg_fd(env, argv[0], &fd) || !arg_buffer(env, argv[1], &buf, &cap) ||
      !arg_meta(env, argv[2], &meta, &slots))
    return throw_type(env, "recv(fd, buffer, meta: Int32Array, timeoutMs, max, cmsg)");
  if (argc >= 4 && !arg_int(env, argv[3], &timeout)) return throw_type(env, "recv: timeoutMs must be a number");
  if (argc >= 5 && (!arg_int(env, argv[4], &max) || max < 1)) return throw_type(env, "recv: max must be >= 1");
  if (argc >= 6) napi_get_value_bool(env, argv[5], &cmsg);
  if (argc >= 7 && !arg_slot(env, argv[6], &slot)) return throw_type(env, "recv: slotBytes must be a multiple of 8, >= 65536");
  if (slots == 0 || cap == 0) return throw_type(env, "recv: empty buffer or meta");
  return recv_wait_slot(env, fd, buf, cap, meta, slots, timeout, max, cmsg, slot, 0);
}

/*
 * The hot paths' scalar arguments travel in one small int32 block (an ArrayBuffer the JS
 * side keeps private and rewrites per call) rather than as numbers: each number argument
 * costs a napi_get_value_double and its checks, while the block is one
 * napi_get_arraybuffer_info and plain loads. Slots (see IO_* in src/core/native.ts):
 */
enum { IO_FD, IO_OFFSET, IO_LENGTH, IO_PID, IO_SEND_TIMEOUT, IO_RECV_TIMEOUT, IO_MAX, IO_FLAGS, IO_SLOT, IO_INTS };
/* IO_FLAGS' bits: ancillary data wanted; poll before the first read (recvIo only) */
enum { IO_CMSG = 1, IO_POLL_FIRST = 2 };

/* The block, fetched again on every call and checked like the arguments it replaces. */
static int arg_io(napi_env env, napi_value v, const int32_t **io) {
  void *p;
  size_t len;
  if (!arg_arraybuffer(env, v, &p, &len) || len < IO_INTS * sizeof(int32_t) || ((uintptr_t)p & 3)) return 0;
  const int32_t *a = p;
  if (a[IO_FD] < 0 || a[IO_MAX] < 1) return 0;
  *io = a;
  return 1;
}

/*
 * recvIo(io, rbuf, meta) -> entries: recv() with fd, timeoutMs, max, cmsg and slotBytes
 * taken from the io block.
 */
static napi_value js_recv_io(napi_env env, napi_callback_info info) {
  GET_ARGS(3);
  const int32_t *io;
  void *buf;
  size_t cap, slots;
  int32_t *meta;
  if (argc < 3 || !arg_io(env, argv[0], &io) || !arg_buffer(env, argv[1], &buf, &cap) || !arg_meta(env, argv[2], &meta, &slots))
    return throw_type(env, "recvIo(io, buffer, meta)");
  int32_t slot = io[IO_SLOT];
  if (slot < SLOT_BYTES || slot > 0x40000000 || (slot & 7)) return throw_type(env, "recvIo: slotBytes must be a multiple of 8, >= 65536");
  if (slots == 0 || cap == 0) return throw_type(env, "recvIo: empty buffer or meta");
  return recv_wait_slot(env, io[IO_FD], buf, cap, meta, slots, io[IO_RECV_TIMEOUT], io[IO_MAX], (io[IO_FLAGS] & IO_CMSG) != 0,
                        (size_t)slot, (io[IO_FLAGS] & IO_POLL_FIRST) != 0);
}

/*
 * transact(io, sbuf, rbuf, meta) -> entries: send() of sbuf[offset, offset + length) to
 * pid, then recv(), in one crossing: the kernel answers most requests inside sendmsg, so
 * the reply is read by the same call that sent the request. The io block holds fd,
 * offset, length, pid (u32), sendTimeoutMs (as in send()), recvTimeoutMs (the wait for
 * the first datagram, as in recv()), max and cmsg.
 */
static napi_value js_transact(napi_env env, napi_callback_info info) {
  GET_ARGS(4);
  const int32_t *io;
  void *sdata, *buf;
  size_t slen_total, cap, slots;
  int32_t *meta;
  if (argc < 4 || !arg_io(env, argv[0], &io) || !arg_buffer(env, argv[1], &sdata, &slen_total) ||
      !arg_buffer(env, argv[2], &buf, &cap) || !arg_meta(env, argv[3], &meta, &slots))
    return throw_type(env, "transact(io, sbuf, rbuf, meta)");
  uint32_t off = (uint32_t)io[IO_OFFSET], len = (uint32_t)io[IO_LENGTH];
  if ((size_t)off + len > slen_total) return throw_type(env, "transact: offset + length exceeds the buffer");
  if (slots == 0 || cap == 0) return throw_type(env, "transact: empty buffer or meta");
  if (do_send(io[IO_FD], (char *)sdata + off, len, (uint32_t)io[IO_PID], 0, io[IO_SEND_TIMEOUT]) < 0)
    return throw_errno(env, errno, "sendto");
  return recv_wait(env, io[IO_FD], buf, cap, meta, slots, io[IO_RECV_TIMEOUT], io[IO_MAX], (io[IO_FLAGS] & IO_CMSG) != 0);
}

static napi_value recv_wait_slot(napi_env env, int fd, void *buf, size_t cap, int32_t *meta, size_t slots, int64_t timeout,
                                 int64_t max, int cmsg, size_t slot, int poll_first) {
  int wb;
  size_t n = 0;
  /* poll_first: the caller expects to wait (a blocking event read, whose last read most
     likely emptied the queue), so a read that would find nothing is not tried first; when
     datagrams are queued after all, poll returns at once and costs one call more */
  if (!poll_first || timeout == 0) {
    n = drain(fd, buf, cap, meta, slots, (size_t)max, cmsg, slot, &wb);
    if (n > 0 || timeout == 0) return num(env, (double)n);
  }

  int64_t deadline = timeout > 0 ? now_ms() + timeout : 0;
  for (;;) {
    int wait = -1;
    if (timeout > 0) {
      int64_t left = deadline - now_ms();
      if (left <= 0) return num(env, 0);
      wait = left > 0x7fffffff ? 0x7fffffff : (int)left;
    }
    struct pollfd p = {.fd = fd, .events = POLLIN};
    int r = poll(&p, 1, wait);
    if (r < 0) {
      if (errno == EINTR) continue;
      return throw_errno(env, errno, "poll");
    }
    if (r == 0) return num(env, 0);
    if (p.revents & POLLNVAL) return throw_errno(env, EBADF, "poll");
    n = drain(fd, buf, cap, meta, slots, (size_t)max, cmsg, slot, &wb);
    if (n > 0) return num(env, (double)n);
  }
}

static napi_value recv_wait(napi_env env, int fd, void *buf, size_t cap, int32_t *meta, size_t slots, int64_t timeout,
                            int64_t max, int cmsg) {
  return recv_wait_slot(env, fd, buf, cap, meta, slots, timeout, max, cmsg, SLOT_BYTES, 0);
}

/* ----------------------------------------------------------------- poller */

/*
 * A libuv poll handle that, on each wake-up, reads the queued datagrams into
 * its batch and calls JS once with the entry count.
 *
 * The batch's Buffer and Int32Array are held by reference only: JS code (a
 * decoder) may detach or transfer their ArrayBuffers, so their data pointers
 * are fetched again at every wake-up, and a detached batch is never written.
 * The callback then gets POLLER_DETACHED instead of a count and must hand in a
 * new batch (pollerCreate again); the datagrams stay queued until then.
 */
#define POLLER_DETACHED (-1)
typedef struct {
  uv_poll_t handle;
  napi_env env;
  napi_ref callback;
  napi_ref buffer_ref;
  napi_ref meta_ref;
  napi_async_context async;
  int fd;
  int cmsg;
  size_t slot;
  int active;
  int closed;         /* stopped and uv_close()d: no more callbacks */
  int handle_closed;  /* libuv is done with the handle */
  int finalized;      /* the JS external is gone */
} poller_t;

/* Pollers allocated and not yet freed: what a test checks to tell a leak from malloc's own growth. */
static int64_t pollers_live;

static void poller_free(poller_t *p) {
  pollers_live--;
  free(p);
}

static void poller_free_refs(poller_t *p) {
  if (p->callback) napi_delete_reference(p->env, p->callback);
  if (p->buffer_ref) napi_delete_reference(p->env, p->buffer_ref);
  if (p->meta_ref) napi_delete_reference(p->env, p->meta_ref);
  if (p->async) napi_async_destroy(p->env, p->async);
  p->callback = p->buffer_ref = p->meta_ref = NULL;
  p->async = NULL;
}

/*
 * The struct has two owners, libuv's handle and the JS external; it is freed when
 * both have let go, whichever is last.
 */
static void on_poll_closed(uv_handle_t *h) {
  poller_t *p = h->data;
  p->handle_closed = 1;
  if (p->finalized) poller_free(p);
}

static void poller_shutdown(poller_t *p) {
  if (p->closed) return;
  p->closed = 1;
  p->active = 0;
  uv_poll_stop(&p->handle);
  poller_free_refs(p);
  uv_close((uv_handle_t *)&p->handle, on_poll_closed);
}

/* The batch's current memory, or 0 when either array has been detached (its length is then 0). */
static int poller_batch(poller_t *p, uint8_t **buf, size_t *cap, int32_t **meta, size_t *slots) {
  napi_value vbuf, vmeta;
  if (napi_get_reference_value(p->env, p->buffer_ref, &vbuf) != napi_ok || !vbuf ||
      napi_get_reference_value(p->env, p->meta_ref, &vmeta) != napi_ok || !vmeta)
    return 0;
  void *b;
  if (!arg_buffer(p->env, vbuf, &b, cap) || !arg_meta(p->env, vmeta, meta, slots)) return 0;
  *buf = b;
  return b != NULL && *meta != NULL && *cap > 0 && *slots > 0;
}

/* A callback from C that threw: an uncaughtException, as in any Node callback. */
void uncaught_if_thrown(napi_env env) {
  bool pending = false;
  napi_is_exception_pending(env, &pending);
  if (!pending) return;
  napi_value exc;
  napi_get_and_clear_last_exception(env, &exc);
  napi_fatal_exception(env, exc);
}

static void on_readable(uv_poll_t *h, int status, int events) {
  poller_t *p = h->data;
  if (p->closed) return;
  napi_env env = p->env;
  napi_handle_scope scope;
  napi_open_handle_scope(env, &scope);
  int64_t n = 0;
  int err = 0;
  uint8_t *buf = NULL;
  int32_t *meta = NULL;
  size_t cap = 0, slots = 0;
  int usable = poller_batch(p, &buf, &cap, &meta, &slots);
  if (status == UV_EBADF && p->active) {
    /*
     * libuv reports POLLERR as EBADF and stops the handle. On a netlink socket
     * POLLERR means a pending socket error, ENOBUFS after an overflow: recvmsg
     * returns it (an error entry), and polling resumes.
     */
    int r = uv_poll_start(&p->handle, UV_READABLE, on_readable);
    if (r < 0) err = -r;
    status = 0;
  } else if (status < 0) {
    err = -status;
  }
  if (!usable) {
    /* stopped, or the level-triggered handle would call back at once, forever */
    uv_poll_stop(&p->handle);
    p->active = 0;
    n = POLLER_DETACHED;
  } else if (err) {
    error_entry(meta, err);
    n = 1;
  } else {
    int wb;
    n = (int64_t)drain(p->fd, buf, cap, meta, slots, slots, p->cmsg, p->slot, &wb);
  }
  if (n != 0) {
    napi_value cb, recv, arg, result;
    napi_get_reference_value(env, p->callback, &cb);
    /* make_callback wants an object receiver; it runs microtasks (promise continuations) afterwards */
    napi_get_global(env, &recv);
    napi_create_int64(env, n, &arg);
    napi_make_callback(env, p->async, recv, cb, 1, &arg, &result);
    uncaught_if_thrown(env);
  }
  napi_close_handle_scope(env, scope);
}

static void poller_finalize(napi_env env, void *data, void *hint) {
  poller_t *p = data;
  p->finalized = 1;
  if (!p->closed) poller_shutdown(p);
  else if (p->handle_closed) poller_free(p);
}

static poller_t *get_poller(napi_env env, napi_value v) {
  poller_t *p = nlkit_unwrap(env, v, NLKIT_POLLER);
  return p && !p->closed ? p : NULL;
}

/* pollerCreate(fd, buffer, meta, callback(count), cmsg, slotBytes) -> handle */
static napi_value js_poller_create(napi_env env, napi_callback_info info) {
  GET_ARGS(6);
  bool cmsg = false;
  size_t slot = SLOT_BYTES;
  if (argc >= 5) napi_get_value_bool(env, argv[4], &cmsg);
  if (argc >= 6 && !arg_slot(env, argv[5], &slot)) return throw_type(env, "pollerCreate: slotBytes must be a multiple of 8, >= 65536");
  int fd;
  void *buf;
  size_t cap, slots;
  int32_t *meta;
  napi_valuetype t;
  if (argc < 4 || !arg_fd(env, argv[0], &fd) || !arg_buffer(env, argv[1], &buf, &cap) ||
      !arg_meta(env, argv[2], &meta, &slots) || napi_typeof(env, argv[3], &t) != napi_ok || t != napi_function)
    return throw_type(env, "pollerCreate(fd, buffer, meta: Int32Array, callback)");
  if (!slots || !cap) return throw_type(env, "pollerCreate: empty buffer or meta");
  uv_loop_t *loop;
  if (napi_get_uv_event_loop(env, &loop) != napi_ok) return throw_errno(env, EINVAL, "uv_default_loop");
  poller_t *p = calloc(1, sizeof *p);
  if (!p) return throw_errno(env, ENOMEM, "malloc");
  p->env = env;
  p->fd = fd;
  p->cmsg = cmsg;
  p->slot = slot;
  int r = uv_poll_init(loop, &p->handle, fd);
  if (r < 0) {
    free(p);
    return throw_errno(env, -r, "uv_poll_init");
  }
  p->handle.data = p;
  pollers_live++;
  napi_create_reference(env, argv[3], 1, &p->callback);
  napi_create_reference(env, argv[1], 1, &p->buffer_ref);
  napi_create_reference(env, argv[2], 1, &p->meta_ref);
  napi_value name;
  napi_create_string_utf8(env, "nlkit:poll", NAPI_AUTO_LENGTH, &name);
  napi_async_init(env, NULL, name, &p->async);
  return nlkit_handle(env, NLKIT_POLLER, p, poller_finalize);
}

/* pollerStart(handle) / pollerStop(handle): idempotent */
static napi_value js_poller_start(napi_env env, napi_callback_info info) {
  GET_ARGS(1);
  poller_t *p = argc ? get_poller(env, argv[0]) : NULL;
  if (!p) return throw_errno(env, EBADF, "uv_poll_start");
  if (!p->active) {
    int r = uv_poll_start(&p->handle, UV_READABLE, on_readable);
    if (r < 0) return throw_errno(env, -r, "uv_poll_start");
    p->active = 1;
  }
  return NULL;
}

static napi_value js_poller_stop(napi_env env, napi_callback_info info) {
  GET_ARGS(1);
  poller_t *p = argc ? get_poller(env, argv[0]) : NULL;
  if (p && p->active) {
    uv_poll_stop(&p->handle);
    p->active = 0;
  }
  return NULL;
}

/* pollerRef(handle, ref): whether an active poller keeps the process alive */
static napi_value js_poller_ref(napi_env env, napi_callback_info info) {
  GET_ARGS(2);
  poller_t *p = argc ? get_poller(env, argv[0]) : NULL;
  bool ref = true;
  if (argc >= 2) napi_get_value_bool(env, argv[1], &ref);
  if (p) {
    if (ref) uv_ref((uv_handle_t *)&p->handle);
    else uv_unref((uv_handle_t *)&p->handle);
  }
  return NULL;
}

/* pollerClose(handle): stop and release; must come before the fd is closed */
static napi_value js_poller_close(napi_env env, napi_callback_info info) {
  GET_ARGS(1);
  poller_t *p = argc ? get_poller(env, argv[0]) : NULL;
  if (p) poller_shutdown(p);
  return NULL;
}

/* pollerCount() -> pollers not yet freed (closed ones wait for libuv's close callback and the GC) */
static napi_value js_poller_count(napi_env env, napi_callback_info info) {
  napi_value v;
  napi_create_int64(env, pollers_live, &v);
  return v;
}

/* ------------------------------------------------------------------- init */

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"socket", 0, js_socket, 0, 0, 0, napi_enumerable, 0},
      {"close", 0, js_close, 0, 0, 0, napi_enumerable, 0},
      {"bind", 0, js_bind, 0, 0, 0, napi_enumerable, 0},
      {"getsockname", 0, js_getsockname, 0, 0, 0, napi_enumerable, 0},
      {"setsockopt", 0, js_setsockopt, 0, 0, 0, napi_enumerable, 0},
      {"getsockopt", 0, js_getsockopt, 0, 0, 0, napi_enumerable, 0},
      {"send", 0, js_send, 0, 0, 0, napi_enumerable, 0},
      {"recv", 0, js_recv, 0, 0, 0, napi_enumerable, 0},
      {"recvIo", 0, js_recv_io, 0, 0, 0, napi_enumerable, 0},
      {"transact", 0, js_transact, 0, 0, 0, napi_enumerable, 0},
      {"pollerCreate", 0, js_poller_create, 0, 0, 0, napi_enumerable, 0},
      {"pollerStart", 0, js_poller_start, 0, 0, 0, napi_enumerable, 0},
      {"pollerStop", 0, js_poller_stop, 0, 0, 0, napi_enumerable, 0},
      {"pollerRef", 0, js_poller_ref, 0, 0, 0, napi_enumerable, 0},
      {"pollerClose", 0, js_poller_close, 0, 0, 0, napi_enumerable, 0},
      {"pollerCount", 0, js_poller_count, 0, 0, 0, napi_enumerable, 0},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  nsjobs_init(env, exports);
  bpf_init(env, exports);
  readahead_init(env, exports);
  sendbehind_init(env, exports);
  napi_value meta_ints;
  napi_create_int32(env, META_INTS, &meta_ints);
  napi_set_named_property(env, exports, "META_INTS", meta_ints);
  napi_value io_ints;
  napi_create_int32(env, IO_INTS, &io_ints);
  napi_set_named_property(env, exports, "IO_INTS", io_ints);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
