/* What the addon's source files share: error and argument helpers (nlkit.c). */
#ifndef NLKIT_H
#define NLKIT_H
#include <stdint.h>
#include <node_api.h>

napi_value make_errno_error(napi_env env, int err, const char *syscall);
napi_value throw_errno(napi_env env, int err, const char *syscall);
napi_value throw_type(napi_env env, const char *msg);
/* After calling into JavaScript from C: a pending exception becomes an uncaughtException. */
void uncaught_if_thrown(napi_env env);
int arg_int(napi_env env, napi_value v, int64_t *out);
int arg_fd(napi_env env, napi_value v, int *fd);
/* 0 when fd is a network namespace, else an errno */
int check_netns(int fd);

/* argc/argv of a call taking up to n arguments (missing ones are undefined) */
#define GET_ARGS(n)                                                        \
  size_t argc = n;                                                         \
  napi_value argv[n];                                                      \
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok)     \
    return NULL;

/*
 * Handles: a C struct shown to JS as an external tagged with its kind. Externals carry no
 * type, so without the tag a handle of one kind passed where another is expected (a
 * read-ahead to pollerStart) would be read as the wrong struct.
 */
enum nlkit_handle_kind { NLKIT_POLLER, NLKIT_READAHEAD, NLKIT_SENDER };
/* the handle for p, whose finalize then owns p (runs when JS lets go of it); NULL when it could not be made (p not taken) */
napi_value nlkit_handle(napi_env env, enum nlkit_handle_kind kind, void *p, napi_finalize finalize);
/* the struct behind v when v is a handle of this kind, else NULL */
void *nlkit_unwrap(napi_env env, napi_value v, enum nlkit_handle_kind kind);

/* nsjobs.c: named namespaces and tun/tap devices */
void nsjobs_init(napi_env env, napi_value exports);
/* bpf.c: bpfObjGet(path), an fd for a pinned eBPF object */
void bpf_init(napi_env env, napi_value exports);
/* readahead.c: a dump's receive on libuv's thread pool */
void readahead_init(napi_env env, napi_value exports);
/* nlkit.c's non-blocking batch read (drain), callable from any thread */
size_t nlkit_drain(int fd, uint8_t *buf, size_t cap, int32_t *meta, size_t slots, size_t max, int cmsg, size_t slot,
                   int *would_block);
/* int32 slots per receive-batch entry (META_INTS in nlkit.c) */
#define NLKIT_META_INTS 10
/* sendbehind.c: sendBehind(fd, buffer, offset, length, pid, done), a send on the libuv threadpool */
void sendbehind_init(napi_env env, napi_value exports);
#endif
