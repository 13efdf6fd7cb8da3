/*
 * Loads a prebuilt addon without Node, for a CPU this machine can only emulate
 * (qemu-user): stand-ins for the N-API calls the addon makes let its module init
 * run and its socket functions reach the kernel. Proves the binary loads, links
 * against the target's C library and makes real system calls; says nothing about
 * Node itself. Usage: napi-probe ADDON.node
 */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <node_api.h>

/* a JS value: a number, a byte buffer or an Int32Array */
struct napi_value__ {
  int kind;
  double num;
  void *data;
  size_t len;
};
enum { NUM, BYTES, INT32S, UNDEF };

static struct napi_value__ *args[16];
static size_t nargs;
static double result;
static int threw;
static const char *names[32];
static napi_callback methods[32];
static size_t nmethods;

/* calls whose effect the probe does not need: named by asm label, as their prototypes differ */
#define STUB(name)                                        \
  napi_status stub_##name(void) __asm__(#name);           \
  napi_status stub_##name(void) { return napi_ok; }
STUB(napi_async_destroy) STUB(napi_async_init) STUB(napi_close_handle_scope) STUB(napi_create_external)
STUB(napi_create_reference) STUB(napi_delete_reference) STUB(napi_fatal_exception) STUB(napi_get_and_clear_last_exception)
STUB(napi_get_global) STUB(napi_get_reference_value) STUB(napi_get_uv_event_loop) STUB(napi_get_value_external)
STUB(napi_is_exception_pending) STUB(napi_make_callback) STUB(napi_open_handle_scope) STUB(napi_set_named_property)
STUB(napi_get_value_string_utf8) STUB(napi_create_array_with_length) STUB(napi_create_error)
STUB(uv_close) STUB(uv_poll_init) STUB(uv_poll_start) STUB(uv_poll_stop) STUB(uv_ref) STUB(uv_unref)
const char *uv_err_name(int e) { return "E?"; }

napi_status napi_create_string_utf8(napi_env env, const char *s, size_t n, napi_value *out) {
  if (threw) fprintf(stderr, "  error text: %s\n", s);
  return napi_ok;
}
napi_status napi_throw(napi_env env, napi_value e) { threw = 1; return napi_ok; }
napi_status napi_throw_type_error(napi_env env, const char *code, const char *msg) {
  threw = 1;
  fprintf(stderr, "  TypeError: %s\n", msg);
  return napi_ok;
}
napi_status napi_get_cb_info(napi_env env, napi_callback_info info, size_t *argc, napi_value *argv, napi_value *self, void **data) {
  size_t n = *argc < nargs ? *argc : nargs;
  for (size_t i = 0; i < n; i++) argv[i] = args[i];
  *argc = nargs;
  return napi_ok;
}
napi_status napi_get_value_double(napi_env env, napi_value v, double *out) {
  if (!v || v->kind != NUM) return napi_number_expected;
  *out = v->num;
  return napi_ok;
}
napi_status napi_get_value_bool(napi_env env, napi_value v, bool *out) { return napi_boolean_expected; }
napi_status napi_typeof(napi_env env, napi_value v, napi_valuetype *t) {
  *t = !v || v->kind == UNDEF ? napi_undefined : v->kind == NUM ? napi_number : napi_object;
  return napi_ok;
}
napi_status napi_get_typedarray_info(napi_env env, napi_value v, napi_typedarray_type *t, size_t *len, void **data,
                                     napi_value *ab, size_t *off) {
  if (!v || (v->kind != BYTES && v->kind != INT32S)) return napi_invalid_arg;
  *t = v->kind == BYTES ? napi_uint8_array : napi_int32_array;
  *len = v->len;
  *data = v->data;
  return napi_ok;
}
napi_status napi_create_double(napi_env env, double d, napi_value *out) { result = d; return napi_ok; }
napi_status napi_create_int32(napi_env env, int32_t d, napi_value *out) { result = d; return napi_ok; }
napi_status napi_create_int64(napi_env env, int64_t d, napi_value *out) { result = (double)d; return napi_ok; }
napi_status napi_set_element(napi_env env, napi_value a, uint32_t i, napi_value v) { return napi_ok; }
napi_status napi_define_properties(napi_env env, napi_value o, size_t n, const napi_property_descriptor *p) {
  for (size_t i = 0; i < n && nmethods < 32; i++) {
    names[nmethods] = p[i].utf8name;
    methods[nmethods++] = p[i].method;
  }
  return napi_ok;
}

static struct napi_value__ *number(double d) {
  struct napi_value__ *v = calloc(1, sizeof *v);
  v->kind = NUM;
  v->num = d;
  return v;
}

static double call(const char *name, size_t n, struct napi_value__ **a) {
  for (size_t i = 0; i < nmethods; i++) {
    if (strcmp(names[i], name)) continue;
    memcpy(args, a, n * sizeof *a);
    nargs = n;
    threw = 0;
    result = -1;
    methods[i]((napi_env)1, (napi_callback_info)1);
    if (threw) {
      fprintf(stderr, "%s threw\n", name);
      exit(1);
    }
    return result;
  }
  fprintf(stderr, "no function %s\n", name);
  exit(1);
}

int main(int argc, char **argv) {
  void *h = dlopen(argv[1], RTLD_NOW | RTLD_GLOBAL);
  if (!h) {
    fprintf(stderr, "dlopen: %s\n", dlerror());
    return 1;
  }
  napi_value (*init)(napi_env, napi_value) = (napi_value(*)(napi_env, napi_value))dlsym(h, "napi_register_module_v1");
  if (!init) {
    fprintf(stderr, "no napi_register_module_v1\n");
    return 1;
  }
  init((napi_env)1, NULL);
  printf("loaded: %zu functions\n", nmethods);
  /* NETLINK_ROUTE: the netlink protocol qemu-user translates */
  double fd = call("socket", 1, (struct napi_value__ *[]){number(0)});
  printf("socket -> fd %g\n", fd);
  call("bind", 3, (struct napi_value__ *[]){number(fd), number(0), number(0)});
  /* RTM_GETLINK dump request */
  static unsigned char req[32] = {32, 0, 0, 0, 18, 0, 1, 3, 1, 0, 0, 0, 0, 0, 0, 0, 17}; /* flags REQUEST|DUMP, AF_PACKET */
  struct napi_value__ sbuf = {BYTES, 0, req, sizeof req};
  printf("send -> %g bytes\n", call("send", 7, (struct napi_value__ *[]){number(fd), &sbuf, number(0), number(32), number(0), number(0), number(0)}));
  static unsigned char buf[1 << 20];
  static int32_t meta[64 * 10];
  struct napi_value__ rbuf = {BYTES, 0, buf, sizeof buf}, rmeta = {INT32S, 0, meta, 64 * 10};
  double n = call("recv", 5, (struct napi_value__ *[]){number(fd), &rbuf, &rmeta, number(1000), number(64)});
  printf("recv -> %g datagrams, first %d bytes of type %d\n", n, meta[1], buf[meta[0] + 4]);
  call("close", 1, (struct napi_value__ *[]){number(fd)});
  printf("closed\n");
  return n >= 1 ? 0 : 1;
}
