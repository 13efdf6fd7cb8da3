/*
 * Read-ahead: the receive of a dump's next datagrams runs on libuv's thread pool while
 * JavaScript decodes the previous ones.
 *
 * The kernel fills a netlink dump inside recvmsg (netlink_recvmsg runs netlink_dump for
 * the next chunk once the queue has room), so on one thread its work and the decoding
 * take turns. A pool thread inside recvmmsg makes chunk k+1 while the main thread
 * decodes chunk k. The engine (src/core/readahead.ts) keeps at most one read
 * outstanding per socket and reads nothing else meanwhile (its poller is stopped and a
 * read on the main thread first joins the outstanding one), so datagrams are dispatched
 * in the order the kernel queued them. Joining takes the read over: one the pool has not
 * begun, the main thread does itself (a pool thread waiting for a CPU, or a pool busy with
 * other work, never holds a dump up); one that is running it waits for.
 *
 * Safety:
 * - the pool thread reads a dup() of the socket: close() of the caller's fd, and the reuse
 *   of its number by another socket, cannot redirect a read in flight;
 * - a read never blocks: one non-blocking drain (MSG_DONTWAIT), 0 entries when nothing
 *   is queued; the caller falls back to its poller;
 * - the receive memory is C's (malloc), shown to JS as external ArrayBuffers: a block is
 *   freed only when its ArrayBuffers are collected (or detached and collected), the
 *   handle is closed and no read is in flight, so the thread never writes freed memory;
 * - close() while reads are on the pool only marks the handle: the last read's completion
 *   releases the fd and the memory, and calls nothing in JS.
 * Memory is bounded: two blocks per handle, each `max` datagrams of room.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <node_api.h>

#include "nlkit.h"

#define RA_BLOCKS 2
/* the same ceiling as the addon's batches: one recvmmsg reads at most 64 */
#define RA_MAX_DATAGRAMS 64

typedef struct {
  int refs; /* its two ArrayBuffers + the handle */
  uint8_t *data;
  int32_t *meta;
} ra_block;

/* A read's life: queued on the pool, running there, done; or taken by the main thread before it ran. */
enum { RA_QUEUED, RA_RUNNING, RA_DONE, RA_STOLEN };

struct readahead;
typedef struct {
  struct readahead *r;
  napi_async_work work;
  int index;
  int state; /* under r->mu */
  size_t count;
  int taken; /* main thread: join took it; its completion only says it ended */
} ra_read;

typedef struct readahead {
  napi_env env;
  napi_ref callback;
  int fd; /* a dup of the socket, -1 once released */
  int cmsg;
  size_t cap, max, slot;
  ra_block *blocks[RA_BLOCKS];
  /* reads whose completion has not run yet (a taken one may still be queued on the pool) */
  int works;
  /* the read whose datagrams nobody has taken yet, NULL when none */
  ra_read *current;
  int closed, finalized;
  pthread_mutex_t mu;
  pthread_cond_t cv;
} readahead_t;

static void block_unref(ra_block *b) {
  if (b && --b->refs == 0) {
    free(b->data);
    free(b->meta);
    free(b);
  }
}

static void ab_finalize(napi_env env, void *data, void *hint) {
  block_unref(hint);
}

/* The fd and the blocks, once the handle is closed and no read is on the pool. */
static void release(readahead_t *r) {
  if (r->fd >= 0) close(r->fd);
  r->fd = -1;
  for (int i = 0; i < RA_BLOCKS; i++) {
    block_unref(r->blocks[i]);
    r->blocks[i] = NULL;
  }
  if (r->callback) napi_delete_reference(r->env, r->callback);
  r->callback = NULL;
}

static void maybe_free(readahead_t *r) {
  if (r->closed && r->works == 0) {
    release(r);
    if (r->finalized) {
      pthread_mutex_destroy(&r->mu);
      pthread_cond_destroy(&r->cv);
      free(r);
    }
  }
}

static void handle_finalize(napi_env env, void *data, void *hint) {
  readahead_t *r = data;
  r->finalized = 1;
  r->closed = 1;
  maybe_free(r);
}

static readahead_t *get_handle(napi_env env, napi_value v) {
  readahead_t *r = nlkit_unwrap(env, v, NLKIT_READAHEAD);
  return r && !r->closed ? r : NULL;
}

/* pool thread: one non-blocking drain into the block, unless the main thread took the read first */
static void execute(napi_env env, void *data) {
  ra_read *rd = data;
  readahead_t *r = rd->r;
  pthread_mutex_lock(&r->mu);
  if (rd->state == RA_STOLEN) {
    pthread_mutex_unlock(&r->mu);
    return;
  }
  rd->state = RA_RUNNING;
  pthread_mutex_unlock(&r->mu);
  ra_block *b = r->blocks[rd->index];
  int wb;
  size_t n = nlkit_drain(r->fd, b->data, r->cap, b->meta, r->max, r->max, r->cmsg, r->slot, &wb);
  pthread_mutex_lock(&r->mu);
  rd->count = n;
  rd->state = RA_DONE;
  pthread_cond_broadcast(&r->cv);
  pthread_mutex_unlock(&r->mu);
}

/* main thread: the callback gets (index, count), count -1 when join took the read already */
static void complete(napi_env env, napi_status status, void *data) {
  ra_read *rd = data;
  readahead_t *r = rd->r;
  napi_delete_async_work(env, rd->work);
  r->works--;
  if (r->current == rd) r->current = NULL;
  int index = rd->index;
  int64_t n = rd->taken || status != napi_ok ? -1 : (int64_t)rd->count;
  free(rd);
  if (r->closed) return maybe_free(r);
  napi_value cb, recv, argv[2], result;
  if (napi_get_reference_value(env, r->callback, &cb) != napi_ok || !cb) return;
  napi_get_global(env, &recv);
  napi_create_int32(env, index, &argv[0]);
  napi_create_int64(env, n, &argv[1]);
  napi_call_function(env, recv, cb, 2, argv, &result);
  uncaught_if_thrown(env);
}

static napi_value external_ab(napi_env env, ra_block *b, void *p, size_t len) {
  napi_value ab;
  if (napi_create_external_arraybuffer(env, p, len, ab_finalize, b, &ab) != napi_ok) return NULL;
  b->refs++;
  return ab;
}

/*
 * readaheadCreate(fd, max, slotBytes, cmsg, callback(index, count)) -> [handle, buf0, meta0, buf1, meta1]
 * The buffers are ArrayBuffers over the handle's memory; meta holds META_INTS int32s per entry.
 */
static napi_value js_create(napi_env env, napi_callback_info info) {
  GET_ARGS(5);
  int fd;
  int64_t max, slot;
  bool cmsg = false;
  napi_valuetype t;
  if (argc < 5 || !arg_fd(env, argv[0], &fd) || !arg_int(env, argv[1], &max) || !arg_int(env, argv[2], &slot) ||
      napi_get_value_bool(env, argv[3], &cmsg) != napi_ok || napi_typeof(env, argv[4], &t) != napi_ok || t != napi_function)
    return throw_type(env, "readaheadCreate(fd, max, slotBytes, cmsg, callback)");
  if (max < 1 || max > RA_MAX_DATAGRAMS) return throw_type(env, "readaheadCreate: max must be 1..64");
  if (slot < 65536 || slot > 0x1000000 || (slot & 7)) return throw_type(env, "readaheadCreate: slotBytes must be a multiple of 8, 65536..16 MiB");
  readahead_t *r = calloc(1, sizeof *r);
  if (!r) return throw_errno(env, ENOMEM, "malloc");
  r->env = env;
  r->max = (size_t)max;
  r->slot = (size_t)slot;
  r->cmsg = cmsg;
  /* the addon's batch layout: the first datagram gets half or more, each further one a slot */
  r->cap = 2 * r->slot * (r->max > 1 ? r->max - 1 : 1);
  pthread_mutex_init(&r->mu, NULL);
  pthread_cond_init(&r->cv, NULL);
  r->fd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
  if (r->fd < 0) {
    int e = errno;
    r->closed = r->finalized = 1;
    maybe_free(r);
    return throw_errno(env, e, "fcntl(F_DUPFD_CLOEXEC)");
  }
  for (int i = 0; i < RA_BLOCKS; i++) {
    ra_block *b = calloc(1, sizeof *b);
    if (b) {
      b->refs = 1;
      b->data = malloc(r->cap);
      b->meta = calloc(r->max * NLKIT_META_INTS, sizeof(int32_t));
    }
    r->blocks[i] = b;
    if (!b || !b->data || !b->meta) {
      r->closed = r->finalized = 1;
      maybe_free(r);
      return throw_errno(env, ENOMEM, "malloc");
    }
  }
  napi_value out, handle = nlkit_handle(env, NLKIT_READAHEAD, r, handle_finalize);
  napi_create_array_with_length(env, 1 + 2 * RA_BLOCKS, &out);
  if (!handle) {
    r->closed = r->finalized = 1;
    maybe_free(r);
    return throw_errno(env, ENOMEM, "napi_create_external");
  }
  napi_set_element(env, out, 0, handle);
  for (int i = 0; i < RA_BLOCKS; i++) {
    ra_block *b = r->blocks[i];
    napi_value buf = external_ab(env, b, b->data, r->cap);
    napi_value meta = external_ab(env, b, b->meta, r->max * NLKIT_META_INTS * sizeof(int32_t));
    if (!buf || !meta) {
      r->closed = 1;
      maybe_free(r);
      return throw_errno(env, ENOMEM, "napi_create_external_arraybuffer");
    }
    napi_set_element(env, out, 1 + 2 * i, buf);
    napi_set_element(env, out, 2 + 2 * i, meta);
  }
  napi_create_reference(env, argv[4], 1, &r->callback);
  return out;
}

/* readaheadStart(handle, index): one read into that block on the pool; EBUSY while one is untaken */
static napi_value js_start(napi_env env, napi_callback_info info) {
  GET_ARGS(2);
  readahead_t *r = argc >= 1 ? get_handle(env, argv[0]) : NULL;
  int64_t index;
  if (!r) return throw_errno(env, EBADF, "readaheadStart");
  if (argc < 2 || !arg_int(env, argv[1], &index) || index < 0 || index >= RA_BLOCKS)
    return throw_type(env, "readaheadStart(handle, index 0..1)");
  if (r->current) return throw_errno(env, EBUSY, "readaheadStart");
  ra_read *rd = calloc(1, sizeof *rd);
  if (!rd) return throw_errno(env, ENOMEM, "malloc");
  rd->r = r;
  rd->index = (int)index;
  rd->state = RA_QUEUED;
  napi_value name;
  napi_create_string_utf8(env, "nlkit:readahead", NAPI_AUTO_LENGTH, &name);
  if (napi_create_async_work(env, NULL, name, execute, complete, rd, &rd->work) != napi_ok) {
    free(rd);
    return throw_errno(env, ENOMEM, "napi_create_async_work");
  }
  if (napi_queue_async_work(env, rd->work) != napi_ok) {
    napi_delete_async_work(env, rd->work);
    free(rd);
    return throw_errno(env, EAGAIN, "napi_queue_async_work");
  }
  r->works++;
  r->current = rd;
  return NULL;
}

/*
 * readaheadJoin(handle) -> count, or -1 when no read is untaken. The main thread takes the
 * read: one the pool has not begun it does itself (a pool thread the scheduler has not run
 * yet must not hold the dump up); one running it waits for (never long: it does not block).
 * The block is free again when this returns, and the read's completion reports -1.
 */
static napi_value js_join(napi_env env, napi_callback_info info) {
  GET_ARGS(1);
  napi_value out;
  readahead_t *r = argc >= 1 ? get_handle(env, argv[0]) : NULL;
  int64_t n = -1;
  ra_read *rd = r ? r->current : NULL;
  if (rd) {
    r->current = NULL;
    rd->taken = 1;
    pthread_mutex_lock(&r->mu);
    if (rd->state == RA_QUEUED) {
      rd->state = RA_STOLEN;
      pthread_mutex_unlock(&r->mu);
      ra_block *b = r->blocks[rd->index];
      int wb;
      n = (int64_t)nlkit_drain(r->fd, b->data, r->cap, b->meta, r->max, r->max, r->cmsg, r->slot, &wb);
    } else {
      while (rd->state != RA_DONE) pthread_cond_wait(&r->cv, &r->mu);
      n = (int64_t)rd->count;
      pthread_mutex_unlock(&r->mu);
    }
  }
  napi_create_int64(env, n, &out);
  return out;
}

/* readaheadClose(handle): no more callbacks; memory and fd go when the read in flight ends */
static napi_value js_close(napi_env env, napi_callback_info info) {
  GET_ARGS(1);
  readahead_t *r = argc >= 1 ? get_handle(env, argv[0]) : NULL;
  if (r) {
    r->closed = 1;
    maybe_free(r);
  }
  return NULL;
}

void readahead_init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"readaheadCreate", 0, js_create, 0, 0, 0, napi_enumerable, 0},
      {"readaheadStart", 0, js_start, 0, 0, 0, napi_enumerable, 0},
      {"readaheadJoin", 0, js_join, 0, 0, 0, napi_enumerable, 0},
      {"readaheadClose", 0, js_close, 0, 0, 0, napi_enumerable, 0},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
}
