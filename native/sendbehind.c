/*
 * A sender: the sends of one transaction, made from the libuv threadpool in order, so that
 * JavaScript goes on encoding the next sends while the kernel handles these. A netlink send
 * to the kernel does the kernel's work (adding 100 routes) inside sendmsg, in the sender's
 * thread: sent from the Node thread, encoding and the kernel's work run one after the other;
 * sent from here, they overlap.
 *
 *   senderCreate(fd, pid, results, done) -> sender
 *       results: an Int32Array, one slot per send (by its number): 0 until the send
 *       returned, then 1 (sent) or -errno. done(): a job of the pool ended (JS looks at
 *       results and pushes more).
 *   senderPush(sender, buffer, offset, length, worstAnswerBytes) -> 1 if it started a job
 *       (done() will follow), 0 if a running job (or senderSteal) takes it
 *   senderKick(sender) -> 1 if it started a job for what is queued (a job that found no
 *       room ended: the caller read the answers since)
 *   senderSteal(sender) -> 0, or 1 if this (the Node) thread made the next queued send
 *       itself (none was being made, one was queued and there was room for its answers),
 *       plus 2 if it then started a job for the rest (a job that found it sending ended):
 *       one more done() to come. A job that could not be started is left to the next push
 *       or kick.
 *   senderCancel(sender) -> how many pushed sends were dropped unsent (the last ones)
 *   senderRelease(sender): no more pushes; the duplicate descriptor closes once no job runs
 *       (done() still follows for each job started)
 *
 * One job sends what is queued, one send after the other, as long as the receive queue has
 * room for the worst case of the next send's answers (SO_MEMINFO: what is queued now plus
 * one answer per message of the next send must stay within SO_RCVBUF, or nothing may be
 * queued): answers are never lost to an overflow, and the threadpool never reads the
 * socket (the Node thread alone does, in order). A job that finds no room, nothing more
 * queued or a send being made by senderSteal ends; the next push, kick or steal starts
 * another.
 *
 * The memory pushed must stay untouched and alive until its result is set (the caller holds
 * the buffers). The sends go through a duplicate of fd made at create: closing fd meanwhile
 * (close() during a send) cannot make a pool thread send to whatever reuses that number.
 * MSG_DONTWAIT: a pool thread never blocks on a user-space peer's full queue (EAGAIN).
 *
 * One send at a time, by whichever thread took it (`sending`): sends go in push order. The
 * Node thread takes one (senderSteal) when the pool is behind, as when V8's compiler and
 * collector hold the other CPU: the kernel's work then goes on where the Node thread runs.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "nlkit.h"

typedef struct {
  const char *data;
  size_t len;
  uint32_t worst;
  uint32_t index;
} chunk_t;

typedef struct {
  pthread_mutex_t mu;
  int fd;
  uint32_t pid;
  int32_t *results;
  size_t nresults;
  napi_ref results_ref;
  napi_ref done;
  /* queued and not started: q[head .. tail) */
  chunk_t *q;
  size_t head, tail, cap;
  uint32_t next_index;
  /* a pool thread is in its send loop */
  int looping;
  /* a send is being made (by a pool thread or by senderSteal) */
  int sending;
  /* jobs whose completion has not run yet */
  int jobs;
  /* no more pushes (senderRelease); the external is gone (its finalizer ran) */
  int released;
  int finalized;
} sender_t;

typedef struct {
  sender_t *s;
  napi_async_work work;
} job_t;

/* Released and no job left: the descriptor and the references go (on the Node thread). */
static void sender_close(napi_env env, sender_t *s) {
  if (s->fd >= 0) close(s->fd);
  s->fd = -1;
  if (s->results_ref) napi_delete_reference(env, s->results_ref);
  if (s->done) napi_delete_reference(env, s->done);
  s->results_ref = s->done = NULL;
  s->results = NULL;
  s->nresults = 0;
}

/* The memory goes once the external is collected and no job can touch it. */
static void sender_free(sender_t *s) {
  if (s->fd >= 0) close(s->fd);
  pthread_mutex_destroy(&s->mu);
  free(s->q);
  free(s);
}

static void sender_finalize(napi_env env, void *data, void *hint) {
  sender_t *s = data;
  pthread_mutex_lock(&s->mu);
  s->finalized = 1;
  s->tail = s->head;
  int idle = s->jobs == 0;
  pthread_mutex_unlock(&s->mu);
  if (idle) sender_free(s);
}

/* Room for the next send's answers in the receive queue (see the top). */
static int has_room(int fd, uint32_t worst) {
  uint32_t mem[SK_MEMINFO_VARS];
  socklen_t len = sizeof mem;
  if (getsockopt(fd, SOL_SOCKET, SO_MEMINFO, mem, &len) < 0 || len < sizeof(uint32_t) * (SK_MEMINFO_RCVBUF + 1)) return 1;
  uint32_t queued = mem[SK_MEMINFO_RMEM_ALLOC], rcvbuf = mem[SK_MEMINFO_RCVBUF];
  return queued == 0 || (uint64_t)queued + worst <= rcvbuf;
}

/* The next queued send, if one may go now; the caller holds s->mu and makes it (send_one). */
static int take(sender_t *s, chunk_t *c) {
  if (s->sending || s->head >= s->tail || !has_room(s->fd, s->q[s->head].worst)) return 0;
  *c = s->q[s->head++];
  s->sending = 1;
  return 1;
}

/* Makes a taken send without s->mu held, then records its result (s->mu held again). */
static void send_one(sender_t *s, chunk_t c) {
  struct sockaddr_nl sa = {.nl_family = AF_NETLINK, .nl_pid = s->pid};
  pthread_mutex_unlock(&s->mu);
  ssize_t n;
  do n = sendto(s->fd, c.data, c.len, MSG_DONTWAIT, (struct sockaddr *)&sa, sizeof sa);
  while (n < 0 && errno == EINTR);
  int32_t r = n < 0 ? -errno : 1;
  pthread_mutex_lock(&s->mu);
  s->sending = 0;
  if (c.index < s->nresults) __atomic_store_n(&s->results[c.index], r, __ATOMIC_RELEASE);
}

static void execute(napi_env env, void *data) {
  sender_t *s = ((job_t *)data)->s;
  chunk_t c;
  pthread_mutex_lock(&s->mu);
  /* ends when nothing may go now: senderSteal's send ends by starting a job for the rest */
  while (take(s, &c)) send_one(s, c);
  s->looping = 0;
  pthread_mutex_unlock(&s->mu);
}

static void complete(napi_env env, napi_status status, void *data) {
  job_t *j = data;
  sender_t *s = j->s;
  napi_delete_async_work(env, j->work);
  free(j);
  pthread_mutex_lock(&s->mu);
  if (status != napi_ok) s->looping = 0; /* cancelled before it ran */
  s->jobs--;
  int idle = s->jobs == 0, released = s->released, finalized = s->finalized;
  pthread_mutex_unlock(&s->mu);
  if (idle && finalized) {
    sender_free(s);
    return;
  }
  napi_value done = NULL, global;
  if (s->done) napi_get_reference_value(env, s->done, &done);
  if (idle && released) sender_close(env, s);
  if (done == NULL) return;
  napi_get_global(env, &global);
  napi_call_function(env, global, done, 0, NULL, NULL);
  uncaught_if_thrown(env);
}

/* A job for the queue; the caller holds s->mu and has set s->looping. */
static int start_job(napi_env env, sender_t *s) {
  job_t *j = calloc(1, sizeof *j);
  if (!j) return ENOMEM;
  j->s = s;
  napi_value name;
  napi_create_string_utf8(env, "nlkit.sender", NAPI_AUTO_LENGTH, &name);
  if (napi_create_async_work(env, NULL, name, execute, complete, j, &j->work) != napi_ok) {
    free(j);
    return ENOMEM;
  }
  if (napi_queue_async_work(env, j->work) != napi_ok) {
    napi_delete_async_work(env, j->work);
    free(j);
    return ENOMEM;
  }
  s->jobs++;
  return 0;
}

static sender_t *get_sender(napi_env env, napi_value v) {
  sender_t *s = nlkit_unwrap(env, v, NLKIT_SENDER);
  return s && !s->released && !s->finalized ? s : NULL;
}

static napi_value js_sender_create(napi_env env, napi_callback_info info) {
  GET_ARGS(4);
  int fd;
  int64_t pid;
  napi_valuetype t = napi_undefined;
  napi_typedarray_type type;
  size_t n = 0;
  void *results = NULL;
  bool is_ta = false;
  if (argc < 4 || !arg_fd(env, argv[0], &fd) || !arg_int(env, argv[1], &pid) || pid < 0 || pid > 0xffffffffLL ||
      napi_is_typedarray(env, argv[2], &is_ta) != napi_ok || !is_ta ||
      napi_get_typedarray_info(env, argv[2], &type, &n, &results, NULL, NULL) != napi_ok || type != napi_int32_array ||
      napi_typeof(env, argv[3], &t) != napi_ok || t != napi_function)
    return throw_type(env, "senderCreate(fd, pid, results: Int32Array, done)");
  int dup_fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
  if (dup_fd < 0) return throw_errno(env, errno, "fcntl");
  sender_t *s = calloc(1, sizeof *s);
  if (!s) {
    close(dup_fd);
    return throw_errno(env, ENOMEM, "calloc");
  }
  pthread_mutex_init(&s->mu, NULL);
  s->fd = dup_fd;
  s->pid = (uint32_t)pid;
  s->results = results;
  s->nresults = n;
  napi_value ext = NULL;
  if (napi_create_reference(env, argv[2], 1, &s->results_ref) != napi_ok || napi_create_reference(env, argv[3], 1, &s->done) != napi_ok ||
      !(ext = nlkit_handle(env, NLKIT_SENDER, s, sender_finalize))) {
    sender_close(env, s);
    sender_free(s);
    return throw_errno(env, ENOMEM, "napi_create_external");
  }
  return ext;
}

static napi_value js_sender_push(napi_env env, napi_callback_info info) {
  GET_ARGS(5);
  sender_t *s = argc >= 5 ? get_sender(env, argv[0]) : NULL;
  int64_t off, len, worst;
  void *data = NULL;
  size_t blen = 0;
  bool is_ab = false, is_ta = false;
  if (!s || !arg_int(env, argv[2], &off) || !arg_int(env, argv[3], &len) || !arg_int(env, argv[4], &worst) || off < 0 || len <= 0 ||
      worst < 0 || worst > 0xffffffffLL)
    return throw_type(env, "senderPush(sender, buffer, offset, length, worstAnswerBytes)");
  napi_is_arraybuffer(env, argv[1], &is_ab);
  if (is_ab) {
    napi_get_arraybuffer_info(env, argv[1], &data, &blen);
  } else {
    napi_typedarray_type type;
    napi_is_typedarray(env, argv[1], &is_ta);
    if (!is_ta || napi_get_typedarray_info(env, argv[1], &type, &blen, &data, NULL, NULL) != napi_ok || type != napi_uint8_array)
      return throw_type(env, "senderPush: buffer must be an ArrayBuffer or a Uint8Array");
  }
  if ((uint64_t)off + (uint64_t)len > blen) return throw_type(env, "senderPush: offset + length exceeds the buffer");
  pthread_mutex_lock(&s->mu);
  if (s->next_index >= s->nresults) {
    pthread_mutex_unlock(&s->mu);
    return throw_type(env, "senderPush: more sends than results has slots");
  }
  if (s->head == s->tail) s->head = s->tail = 0;
  if (s->tail == s->cap) {
    size_t cap = s->cap ? s->cap * 2 : 16;
    chunk_t *q = realloc(s->q, cap * sizeof *q);
    if (!q) {
      pthread_mutex_unlock(&s->mu);
      return throw_errno(env, ENOMEM, "realloc");
    }
    s->q = q;
    s->cap = cap;
  }
  s->q[s->tail++] = (chunk_t){.data = (const char *)data + off, .len = (size_t)len, .worst = (uint32_t)worst, .index = s->next_index++};
  int started = 0, err = 0;
  if (!s->looping) {
    s->looping = 1;
    err = start_job(env, s);
    if (err) {
      s->looping = 0;
      s->tail--;
      s->next_index--;
    } else started = 1;
  }
  pthread_mutex_unlock(&s->mu);
  if (err) return throw_errno(env, err, "napi_queue_async_work");
  napi_value r;
  napi_create_int32(env, started, &r);
  return r;
}

static napi_value js_sender_kick(napi_env env, napi_callback_info info) {
  GET_ARGS(1);
  sender_t *s = argc >= 1 ? get_sender(env, argv[0]) : NULL;
  if (!s) return throw_type(env, "senderKick(sender)");
  int started = 0, err = 0;
  pthread_mutex_lock(&s->mu);
  if (!s->looping && s->head < s->tail) {
    s->looping = 1;
    err = start_job(env, s);
    if (err) s->looping = 0;
    else started = 1;
  }
  pthread_mutex_unlock(&s->mu);
  if (err) return throw_errno(env, err, "napi_queue_async_work");
  napi_value r;
  napi_create_int32(env, started, &r);
  return r;
}

static napi_value js_sender_steal(napi_env env, napi_callback_info info) {
  GET_ARGS(1);
  sender_t *s = argc >= 1 ? get_sender(env, argv[0]) : NULL;
  if (!s) return throw_type(env, "senderSteal(sender)");
  int sent = 0;
  chunk_t c;
  pthread_mutex_lock(&s->mu);
  if (take(s, &c)) {
    send_one(s, c);
    sent = 1;
    /* the rest go on from the pool: a job that found this send being made has ended */
    if (!s->looping && s->head < s->tail) {
      s->looping = 1;
      if (start_job(env, s)) s->looping = 0;
      else sent |= 2;
    }
  }
  pthread_mutex_unlock(&s->mu);
  napi_value r;
  napi_create_int32(env, sent, &r);
  return r;
}

static napi_value js_sender_cancel(napi_env env, napi_callback_info info) {
  GET_ARGS(1);
  sender_t *s = argc >= 1 ? get_sender(env, argv[0]) : NULL;
  if (!s) return throw_type(env, "senderCancel(sender)");
  pthread_mutex_lock(&s->mu);
  size_t dropped = s->tail - s->head;
  s->tail = s->head;
  pthread_mutex_unlock(&s->mu);
  napi_value r;
  napi_create_double(env, (double)dropped, &r);
  return r;
}

static napi_value js_sender_release(napi_env env, napi_callback_info info) {
  GET_ARGS(1);
  sender_t *s = argc >= 1 ? get_sender(env, argv[0]) : NULL;
  if (!s) return NULL; /* released already */
  pthread_mutex_lock(&s->mu);
  s->released = 1;
  s->tail = s->head;
  int idle = s->jobs == 0;
  pthread_mutex_unlock(&s->mu);
  if (idle) sender_close(env, s);
  return NULL;
}

void sendbehind_init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"senderCreate", 0, js_sender_create, 0, 0, 0, napi_enumerable, 0},
      {"senderPush", 0, js_sender_push, 0, 0, 0, napi_enumerable, 0},
      {"senderKick", 0, js_sender_kick, 0, 0, 0, napi_enumerable, 0},
      {"senderSteal", 0, js_sender_steal, 0, 0, 0, napi_enumerable, 0},
      {"senderCancel", 0, js_sender_cancel, 0, 0, 0, napi_enumerable, 0},
      {"senderRelease", 0, js_sender_release, 0, 0, 0, napi_enumerable, 0},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
}
