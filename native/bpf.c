/* bpf(BPF_OBJ_GET): an fd for a pinned eBPF object (a program in /sys/fs/bpf), so tc's bpf
 * filter can attach it by fd as `tc filter ... bpf object-pinned PATH` does. Errors are
 * Node-style errors (code, errno, syscall); never aborts. The fd is O_CLOEXEC (the kernel's). */
#include <errno.h>
#include <string.h>
#include <stdint.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <linux/bpf.h>
#include "nlkit.h"

#define PATH_BYTES 4096

static napi_value js_bpf_obj_get(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 1) return throw_type(env, "bpfObjGet(path) needs a path");
  napi_valuetype t;
  if (napi_typeof(env, argv[0], &t) != napi_ok || t != napi_string) return throw_type(env, "bpfObjGet: path must be a string");
  char path[PATH_BYTES];
  size_t len = 0;
  if (napi_get_value_string_utf8(env, argv[0], path, sizeof path, &len) != napi_ok) return throw_type(env, "bpfObjGet: path must be a string");
  /* a path that filled the buffer may have been cut short: refuse it rather than open another */
  if (len == 0) return throw_errno(env, ENOENT, "bpf(BPF_OBJ_GET)");
  if (len >= sizeof path - 1) return throw_errno(env, ENAMETOOLONG, "bpf(BPF_OBJ_GET)");
  if (strlen(path) != len) return throw_errno(env, EINVAL, "bpf(BPF_OBJ_GET)");
  union bpf_attr attr;
  memset(&attr, 0, sizeof attr);
  attr.pathname = (uint64_t)(uintptr_t)path;
  long fd = syscall(__NR_bpf, BPF_OBJ_GET, &attr, sizeof attr);
  if (fd < 0) return throw_errno(env, errno, "bpf(BPF_OBJ_GET)");
  napi_value r;
  napi_create_int32(env, (int32_t)fd, &r);
  return r;
}

void bpf_init(napi_env env, napi_value exports) {
  napi_value fn;
  napi_create_function(env, "bpfObjGet", NAPI_AUTO_LENGTH, js_bpf_obj_get, NULL, &fn);
  napi_set_named_property(env, exports, "bpfObjGet", fn);
}
