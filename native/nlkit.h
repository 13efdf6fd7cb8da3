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
/* sendbehind.c: sendBehind(fd, buffer, offset, length, pid, done), a send on the libuv threadpool */
void sendbehind_init(napi_env env, napi_value exports);
#endif
