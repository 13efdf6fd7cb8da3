/*
 * Named network namespaces (what `ip netns add/attach/del` do) and tun/tap devices
 * (what `ip tuntap add/del` do, and the queues a VMM keeps open), without a process per
 * call.
 *
 * Every job that unshares or enters a network namespace runs in a short-lived thread of
 * its own: a thread may do so without touching any other, and since it exits afterwards
 * there is nothing to switch back, so neither the Node thread nor a libuv pool thread can
 * ever be left in another namespace. A job is run either blocking (the caller waits for the
 * thread) or from the libuv threadpool (a Promise): one description, two drivers, the
 * same as the request engine's.
 *
 * Failures become JS errors with code, errno and syscall, never an abort.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "nlkit.h"

enum { OP_NETNS_ADD = 1, OP_NETNS_DELETE, OP_NETNS_CHECK, OP_TUN_ADD, OP_TUN_DELETE, OP_TUN_OPEN, OP_END };

/* More queues than this is a mistake, not a VM (the kernel's own limit is 256). */
#define MAX_QUEUES 256
#define JOB_STACK (256 * 1024)

typedef struct {
  int op;
  /* the namespace the job runs in: a path, an fd, or neither (the caller's) */
  char ns_path[PATH_MAX];
  int ns_fd;
  /* OP_NETNS_*: the run directory and the file */
  char s0[PATH_MAX];
  char s1[PATH_MAX];
  int64_t i[4];
  /* outcome */
  int err;
  const char *syscall;
  int flag;
  /* OP_TUN_*: the device's name, given and then as the kernel has it */
  char name[IFNAMSIZ];
  int ifindex;
  int nfds;
  int fds[MAX_QUEUES];
  napi_async_work work;
  napi_deferred deferred;
} job_t;

static int fail(job_t *j, int err, const char *syscall) {
  j->err = err;
  j->syscall = syscall;
  return -1;
}

/* ------------------------------------------------------------- namespaces */

/*
 * ip netns add / attach: the run directory as a shared mount point (bind-mounted on
 * itself first if it is not a mount point yet), an empty file, and the namespace of this
 * thread (freshly unshared) or of process `pid` bind-mounted onto it. The file is removed
 * again if any later step fails.
 */
static void netns_add(job_t *j) {
  const char *dir = j->s0, *path = j->s1;
  pid_t pid = (pid_t)j->i[0];
  if (mkdir(dir, S_IRWXU | S_IRGRP | S_IXGRP | S_IROTH | S_IXOTH) < 0 && errno != EEXIST) {
    fail(j, errno, "mkdir");
    return;
  }
  /* so that the unmount at delete reaches every mount namespace that saw the file */
  int made_mount = 0;
  while (mount("", dir, "none", MS_SHARED | MS_REC, NULL) < 0) {
    if (errno != EINVAL || made_mount) {
      fail(j, errno, "mount(MS_SHARED)");
      return;
    }
    if (mount(dir, dir, "none", MS_BIND | MS_REC, NULL) < 0) {
      fail(j, errno, "mount(MS_BIND)");
      return;
    }
    made_mount = 1;
  }
  int fd = open(path, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0);
  if (fd < 0) {
    fail(j, errno, "open");
    return;
  }
  close(fd);
  char source[64];
  if (pid == 0) {
    if (unshare(CLONE_NEWNET) < 0) {
      fail(j, errno, "unshare");
      unlink(path);
      return;
    }
    snprintf(source, sizeof source, "/proc/self/task/%ld/ns/net", (long)syscall(SYS_gettid));
  } else {
    snprintf(source, sizeof source, "/proc/%ld/ns/net", (long)pid);
  }
  if (mount(source, path, "none", MS_BIND, NULL) < 0) {
    fail(j, errno, "mount");
    unlink(path);
  }
}

/* ip netns del: detach the bind mount (whoever still uses the namespace keeps it), then the file. */
static void netns_delete(job_t *j) {
  umount2(j->s1, MNT_DETACH);
  if (unlink(j->s1) < 0) fail(j, errno, "unlink");
}

/* Whether the file is a network namespace: a missing file or any other file is no. */
static void netns_check(job_t *j) {
  int fd = open(j->s1, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    if (errno != ENOENT) fail(j, errno, "open");
    return;
  }
  int e = check_netns(fd);
  close(fd);
  if (e == 0) j->flag = 1;
  else if (e != EINVAL) fail(j, e, "ioctl(NS_GET_NSTYPE)");
}

/* ------------------------------------------------------------------ tun/tap */

/* A queue of the device j->name (created if missing; '' lets the kernel name it, and j->name then says how). */
static int tun_queue(job_t *j, int flags, int nonblock) {
  int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC | (nonblock ? O_NONBLOCK : 0));
  if (fd < 0) return fail(j, errno, "open(/dev/net/tun)");
  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  memcpy(ifr.ifr_name, j->name, IFNAMSIZ);
  ifr.ifr_flags = (short)flags;
  if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
    int e = errno;
    close(fd);
    return fail(j, e, "ioctl(TUNSETIFF)");
  }
  memcpy(j->name, ifr.ifr_name, IFNAMSIZ - 1);
  j->name[IFNAMSIZ - 1] = 0;
  return fd;
}

/* ip tuntap add: the device, its owner and group, then persistence, so a failure before it leaves nothing. */
static void tun_add(job_t *j) {
  int fd = tun_queue(j, (int)j->i[0], 0);
  if (fd < 0) return;
  if (j->i[1] >= 0 && ioctl(fd, TUNSETOWNER, (unsigned long)j->i[1]) < 0) fail(j, errno, "ioctl(TUNSETOWNER)");
  else if (j->i[2] >= 0 && ioctl(fd, TUNSETGROUP, (unsigned long)j->i[2]) < 0) fail(j, errno, "ioctl(TUNSETGROUP)");
  else if (ioctl(fd, TUNSETPERSIST, 1UL) < 0) fail(j, errno, "ioctl(TUNSETPERSIST)");
  else j->ifindex = (int)if_nametoindex(j->name);
  close(fd);
}

/* ip tuntap del: attach to the device, drop persistence; it goes when this last queue closes. */
static void tun_delete(job_t *j) {
  int fd = tun_queue(j, (int)j->i[0], 0);
  if (fd < 0) return;
  if (ioctl(fd, TUNSETPERSIST, 0UL) < 0) fail(j, errno, "ioctl(TUNSETPERSIST)");
  close(fd);
}

/* Queues for a VMM: every one open, or none. */
static void tun_open(job_t *j) {
  int n = (int)j->i[1];
  for (int q = 0; q < n; q++) {
    int fd = tun_queue(j, (int)j->i[0], (int)j->i[2]);
    if (fd < 0) {
      while (j->nfds > 0) close(j->fds[--j->nfds]);
      return;
    }
    j->fds[j->nfds++] = fd;
  }
  j->ifindex = (int)if_nametoindex(j->name);
}

/* -------------------------------------------------------------- job thread */

static int enter_netns(job_t *j) {
  int fd = j->ns_fd, own = 0;
  if (j->ns_path[0]) {
    /* O_NONBLOCK: a FIFO put where a namespace was expected must not hang open() */
    fd = open(j->ns_path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) return fail(j, errno, "open");
    own = 1;
  }
  if (fd < 0) return 0;
  int e = check_netns(fd);
  int r = e ? fail(j, e, "ioctl(NS_GET_NSTYPE)") : setns(fd, CLONE_NEWNET) < 0 ? fail(j, errno, "setns") : 0;
  if (own) close(fd);
  return r;
}

static void *job_thread(void *arg) {
  job_t *j = arg;
  if (enter_netns(j) < 0) return NULL;
  switch (j->op) {
    case OP_NETNS_ADD: netns_add(j); break;
    case OP_NETNS_DELETE: netns_delete(j); break;
    case OP_NETNS_CHECK: netns_check(j); break;
    case OP_TUN_ADD: tun_add(j); break;
    case OP_TUN_DELETE: tun_delete(j); break;
    case OP_TUN_OPEN: tun_open(j); break;
  }
  return NULL;
}

/*
 * Runs the job in a thread of its own and waits for it; no signal is ever delivered to it.
 * A job that changes no namespace (delete, check, attach, tun ops in the caller's own)
 * runs on the calling thread instead: a thread costs two scheduler wake-ups, which on a
 * loaded machine is most of the job's time.
 */
static void job_run(job_t *j) {
  int switches = j->ns_path[0] || j->ns_fd >= 0 || (j->op == OP_NETNS_ADD && j->i[0] == 0);
  if (!switches) {
    job_thread(j);
    return;
  }
  pthread_attr_t attr;
  sigset_t all, old;
  pthread_t t;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, JOB_STACK);
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  int r = pthread_create(&t, &attr, job_thread, j);
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  pthread_attr_destroy(&attr);
  if (r != 0) fail(j, r, "pthread_create");
  else pthread_join(t, NULL);
}

/* --------------------------------------------------------------- JS side */

static napi_value job_result(napi_env env, job_t *j) {
  napi_value v, x;
  switch (j->op) {
    case OP_NETNS_CHECK:
      napi_get_boolean(env, j->flag, &v);
      return v;
    case OP_TUN_ADD:
    case OP_TUN_DELETE:
    case OP_TUN_OPEN:
      napi_create_array_with_length(env, 2 + (size_t)j->nfds, &v);
      napi_create_string_utf8(env, j->name, NAPI_AUTO_LENGTH, &x);
      napi_set_element(env, v, 0, x);
      napi_create_int32(env, j->ifindex, &x);
      napi_set_element(env, v, 1, x);
      for (int q = 0; q < j->nfds; q++) {
        napi_create_int32(env, j->fds[q], &x);
        napi_set_element(env, v, 2 + (uint32_t)q, x);
      }
      return v;
    default:
      napi_get_undefined(env, &v);
      return v;
  }
}

static void job_execute(napi_env env, void *data) {
  job_run(data);
}

static void job_complete(napi_env env, napi_status status, void *data) {
  job_t *j = data;
  if (status != napi_ok && !j->err) fail(j, ECANCELED, "uv_queue_work");
  if (j->err) {
    /* queues opened before a later failure are already closed by the job */
    napi_reject_deferred(env, j->deferred, make_errno_error(env, j->err, j->syscall));
  } else {
    napi_resolve_deferred(env, j->deferred, job_result(env, j));
  }
  napi_delete_async_work(env, j->work);
  free(j);
}

/* A string argument into a fixed buffer: 1, or 0 when it is not a string or does not fit. */
static int arg_str(napi_env env, napi_value v, char *out, size_t cap) {
  size_t n;
  if (napi_get_value_string_utf8(env, v, out, cap, &n) != napi_ok || n >= cap - 1) return 0;
  return strlen(out) == n; /* no NUL inside */
}

static int absolute(const char *p) {
  return p[0] == '/';
}

/*
 * nsJob(op, async, netns, s0, s1, i0, i1, i2, i3) -> result, or a Promise of it when async.
 *   OP_NETNS_ADD    s0 run directory, s1 file, i0 pid (0: a new namespace)
 *   OP_NETNS_DELETE s1 file;  OP_NETNS_CHECK s1 file -> boolean
 *   OP_TUN_ADD      s0 name ('' lets the kernel choose), i0 TUNSETIFF flags, i1 owner, i2 group (-1: unset)
 *                   -> [name, ifindex]
 *   OP_TUN_DELETE   s0 name, i0 flags -> [name, 0]
 *   OP_TUN_OPEN     s0 name, i0 flags, i1 queues, i2 nonblock -> [name, ifindex, ...fds]
 * netns: a namespace path, an open namespace fd, or null (the caller's namespace).
 */
static napi_value js_ns_job(napi_env env, napi_callback_info info) {
  size_t argc = 9;
  napi_value argv[9];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  int64_t op;
  bool async = false;
  if (argc < 9 || !arg_int(env, argv[0], &op) || op < OP_NETNS_ADD || op >= OP_END ||
      napi_get_value_bool(env, argv[1], &async) != napi_ok)
    return throw_type(env, "nsJob(op, async, netns, s0, s1, i0, i1, i2, i3)");
  job_t *j = calloc(1, sizeof *j);
  if (!j) return throw_errno(env, ENOMEM, "malloc");
  j->op = (int)op;
  j->ns_fd = -1;
  const char *bad = NULL;
  napi_valuetype nst;
  napi_typeof(env, argv[2], &nst);
  if (nst == napi_string) {
    if (!arg_str(env, argv[2], j->ns_path, sizeof j->ns_path) || !absolute(j->ns_path)) bad = "netns must be an absolute path";
  } else if (nst == napi_number) {
    if (!arg_fd(env, argv[2], &j->ns_fd)) bad = "netns fd must be a non-negative integer";
  } else if (nst != napi_null && nst != napi_undefined) {
    bad = "netns must be a path, an fd, or null";
  }
  for (int k = 0; k < 4 && !bad; k++)
    if (!arg_int(env, argv[5 + k], &j->i[k])) bad = "nsJob: integer arguments expected";
  if (!bad) {
    if (op <= OP_NETNS_CHECK) {
      /* never a relative path: a stray call must not act on the working directory */
      if (!arg_str(env, argv[4], j->s1, sizeof j->s1) || !absolute(j->s1)) bad = "nsJob: the namespace file must be an absolute path";
      else if (op == OP_NETNS_ADD && (!arg_str(env, argv[3], j->s0, sizeof j->s0) || !absolute(j->s0)))
        bad = "nsJob: the run directory must be an absolute path";
      else if (op == OP_NETNS_ADD && (j->i[0] < 0 || j->i[0] > 0x7fffffff)) bad = "nsJob: pid must be 0..2^31-1";
    } else {
      if (!arg_str(env, argv[3], j->name, IFNAMSIZ)) bad = "nsJob: the device name must be a string of at most 15 bytes";
      else if (j->i[0] < 0 || j->i[0] > 0xffff) bad = "nsJob: flags must be 0..0xffff";
      else if (op == OP_TUN_ADD && (j->i[1] < -1 || j->i[1] > 0xfffffffeLL || j->i[2] < -1 || j->i[2] > 0xfffffffeLL))
        bad = "nsJob: owner and group must be -1..2^32-2";
      else if (op == OP_TUN_OPEN && (j->i[1] < 1 || j->i[1] > MAX_QUEUES)) bad = "nsJob: queues must be 1..256";
    }
  }
  if (bad) {
    free(j);
    return throw_type(env, bad);
  }
  if (!async) {
    job_run(j);
    napi_value v = j->err ? throw_errno(env, j->err, j->syscall) : job_result(env, j);
    free(j);
    return v;
  }
  napi_value promise, name;
  napi_create_string_utf8(env, "nlkit:nsjob", NAPI_AUTO_LENGTH, &name);
  if (napi_create_promise(env, &j->deferred, &promise) != napi_ok ||
      napi_create_async_work(env, NULL, name, job_execute, job_complete, j, &j->work) != napi_ok) {
    free(j);
    return throw_errno(env, ENOMEM, "napi_create_async_work");
  }
  if (napi_queue_async_work(env, j->work) != napi_ok) {
    napi_delete_async_work(env, j->work);
    free(j);
    return throw_errno(env, EAGAIN, "napi_queue_async_work");
  }
  return promise;
}

void nsjobs_init(napi_env env, napi_value exports) {
  napi_value fn;
  napi_create_function(env, "nsJob", NAPI_AUTO_LENGTH, js_ns_job, NULL, &fn);
  napi_set_named_property(env, exports, "nsJob", fn);
}
