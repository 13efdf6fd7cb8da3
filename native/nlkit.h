/* What the addon's source files share: error and argument helpers (nlkit.c). */
#ifndef NLKIT_H
#define NLKIT_H
#include <stdint.h>
#include <node_api.h>

napi_value make_errno_error(napi_env env, int err, const char *syscall);
napi_value throw_errno(napi_env env, int err, const char *syscall);
napi_value throw_type(napi_env env, const char *msg);
int arg_int(napi_env env, napi_value v, int64_t *out);
int arg_fd(napi_env env, napi_value v, int *fd);
/* 0 when fd is a network namespace, else an errno */
int check_netns(int fd);

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
