/*
 * sendBehind: one send() on the libuv threadpool, so that JavaScript can go on (encoding
 * the next chunk of a transaction) while the kernel handles this one. A netlink send to
 * the kernel does the kernel's work (adding 200 routes) inside sendmsg, in the sender's
 * thread: sent from the Node thread, encoding and the kernel's work run one after the
 * other; sent from here, they overlap.
 *
 *   sendBehind(fd, buffer, offset, length, pid, done) -> undefined
 *   done(error): null once sent, else an errno error (code, errno, syscall 'sendto').
 *
 * The buffer is held by a reference until done runs, so it cannot be collected while the
 * pool thread reads it; the caller must not write into [offset, offset + length) until
 * then. The send goes through a duplicate of fd made here, on the Node thread: closing
 * fd meanwhile (close() during a send) cannot make the pool thread send to whatever
 * socket or file reuses that number next; the socket lives until the send is over.
 * MSG_DONTWAIT: a pool thread never blocks on a user-space peer's full queue (EAGAIN),
 * and a kernel peer answers inside sendmsg anyway.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "nlkit.h"

typedef struct {
  int fd;
  const char *data;
  size_t len;
  uint32_t pid;
  int err;
  napi_ref buffer;
  napi_ref done;
  napi_async_work work;
} send_job_t;

static void execute(napi_env env, void *data) {
  send_job_t *j = data;
  struct sockaddr_nl sa = {.nl_family = AF_NETLINK, .nl_pid = j->pid};
  ssize_t n;
  do n = sendto(j->fd, j->data, j->len, MSG_DONTWAIT, (struct sockaddr *)&sa, sizeof sa);
  while (n < 0 && errno == EINTR);
  j->err = n < 0 ? errno : 0;
  close(j->fd);
  j->fd = -1;
}

static void complete(napi_env env, napi_status status, void *data) {
  send_job_t *j = data;
  napi_value done = NULL, global, arg;
  if (j->fd >= 0) close(j->fd); /* cancelled before it ran */
  napi_get_reference_value(env, j->done, &done);
  napi_delete_reference(env, j->done);
  napi_delete_reference(env, j->buffer);
  napi_delete_async_work(env, j->work);
  int err = status == napi_ok ? j->err : ECANCELED;
  /* a datagram is sent whole or not at all: no short count to report */
  free(j);
  if (done == NULL) return;
  if (err) arg = make_errno_error(env, err, "sendto");
  else napi_get_null(env, &arg);
  napi_get_global(env, &global);
  /* an exception thrown by done is Node's uncaught exception, as from any callback */
  napi_call_function(env, global, done, 1, &arg, NULL);
}

static napi_value js_send_behind(napi_env env, napi_callback_info info) {
  size_t argc = 6;
  napi_value argv[6];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  int fd;
  int64_t off, len, pid;
  void *data = NULL;
  size_t blen = 0;
  bool is_ab = false, is_ta = false;
  napi_valuetype t = napi_undefined;
  if (argc < 6 || !arg_fd(env, argv[0], &fd) || !arg_int(env, argv[2], &off) || !arg_int(env, argv[3], &len) ||
      !arg_int(env, argv[4], &pid) || off < 0 || len <= 0 || pid < 0 || pid > 0xffffffffLL ||
      napi_typeof(env, argv[5], &t) != napi_ok || t != napi_function)
    return throw_type(env, "sendBehind(fd, buffer, offset, length, pid, done)");
  napi_is_arraybuffer(env, argv[1], &is_ab);
  if (is_ab) {
    napi_get_arraybuffer_info(env, argv[1], &data, &blen);
  } else {
    napi_typedarray_type type;
    napi_is_typedarray(env, argv[1], &is_ta);
    if (!is_ta || napi_get_typedarray_info(env, argv[1], &type, &blen, &data, NULL, NULL) != napi_ok || type != napi_uint8_array)
      return throw_type(env, "sendBehind: buffer must be an ArrayBuffer or a Uint8Array");
  }
  if ((uint64_t)off + (uint64_t)len > blen) return throw_type(env, "sendBehind: offset + length exceeds the buffer");
  int dup_fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
  if (dup_fd < 0) return throw_errno(env, errno, "fcntl");
  send_job_t *j = calloc(1, sizeof *j);
  if (!j) {
    close(dup_fd);
    return throw_errno(env, ENOMEM, "calloc");
  }
  j->fd = dup_fd;
  j->data = (const char *)data + off;
  j->len = (size_t)len;
  j->pid = (uint32_t)pid;
  napi_value name;
  napi_create_string_utf8(env, "nlkit.sendBehind", NAPI_AUTO_LENGTH, &name);
  if (napi_create_reference(env, argv[1], 1, &j->buffer) != napi_ok || napi_create_reference(env, argv[5], 1, &j->done) != napi_ok ||
      napi_create_async_work(env, NULL, name, execute, complete, j, &j->work) != napi_ok ||
      napi_queue_async_work(env, j->work) != napi_ok) {
    if (j->buffer) napi_delete_reference(env, j->buffer);
    if (j->done) napi_delete_reference(env, j->done);
    if (j->work) napi_delete_async_work(env, j->work);
    close(dup_fd);
    free(j);
    return throw_errno(env, ENOMEM, "napi_queue_async_work");
  }
  return NULL;
}

void sendbehind_init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"sendBehind", 0, js_send_behind, 0, 0, 0, napi_enumerable, 0},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
}
