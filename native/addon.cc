// mmc's native kernels: an N-API addon (no node-addon-api dependency). OpenBLAS is loaded at run
// time (blas.cc), so the addon builds with a C++ compiler and Node's headers alone.
#include "common.h"
#include <stdio.h>
#include <string.h>
#include <malloc.h>

bool mmc_args(napi_env env, napi_callback_info info, size_t expected, Args *a) {
  a->env = env;
  a->argc = MMC_MAX_ARGS;
  a->failed = false;
  if (napi_get_cb_info(env, info, &a->argc, a->argv, NULL, NULL) != napi_ok) {
    napi_throw_error(env, NULL, "mmc native: cannot read arguments");
    return false;
  }
  if (a->argc != expected) {
    char msg[96];
    snprintf(msg, sizeof msg, "mmc native: expected %zu arguments, got %zu", expected, a->argc);
    napi_throw_type_error(env, NULL, msg);
    return false;
  }
  return true;
}

static void *typed(Args *a, size_t i, napi_typedarray_type want, size_t *length, bool optional) {
  if (a->failed) return NULL;
  napi_valuetype vt;
  napi_typeof(a->env, a->argv[i], &vt);
  if (optional && (vt == napi_null || vt == napi_undefined)) {
    if (length) *length = 0;
    return NULL;
  }
  bool is;
  napi_is_typedarray(a->env, a->argv[i], &is);
  napi_typedarray_type type;
  size_t len = 0;
  void *data = NULL;
  if (is) napi_get_typedarray_info(a->env, a->argv[i], &type, &len, &data, NULL, NULL);
  if (!is || type != want) {
    char msg[96];
    snprintf(msg, sizeof msg, "mmc native: argument %zu must be a %s", i, want == napi_float32_array ? "Float32Array" : "Int32Array");
    napi_throw_type_error(a->env, NULL, msg);
    a->failed = true;
    return NULL;
  }
  if (length) *length = len;
  // An empty typed array may have a NULL data pointer; give callers a valid one.
  static float empty[1];
  return data ? data : (void *)empty;
}

float *mmc_f32(Args *a, size_t i, size_t *length) { return (float *)typed(a, i, napi_float32_array, length, false); }
float *mmc_f32_opt(Args *a, size_t i, size_t *length) { return (float *)typed(a, i, napi_float32_array, length, true); }
int32_t *mmc_i32(Args *a, size_t i, size_t *length) { return (int32_t *)typed(a, i, napi_int32_array, length, false); }

int64_t mmc_int(Args *a, size_t i) {
  int64_t v = 0;
  if (!a->failed && napi_get_value_int64(a->env, a->argv[i], &v) != napi_ok) {
    napi_throw_type_error(a->env, NULL, "mmc native: expected an integer argument");
    a->failed = true;
  }
  return v;
}

double mmc_num(Args *a, size_t i) {
  double v = 0;
  if (!a->failed && napi_get_value_double(a->env, a->argv[i], &v) != napi_ok) {
    napi_throw_type_error(a->env, NULL, "mmc native: expected a number argument");
    a->failed = true;
  }
  return v;
}

bool mmc_bool(Args *a, size_t i) {
  bool v = false;
  if (!a->failed && napi_get_value_bool(a->env, a->argv[i], &v) != napi_ok) {
    napi_throw_type_error(a->env, NULL, "mmc native: expected a boolean argument");
    a->failed = true;
  }
  return v;
}

void mmc_export(napi_env env, napi_value exports, const char *name, napi_callback cb) {
  napi_value fn;
  napi_create_function(env, name, NAPI_AUTO_LENGTH, cb, NULL, &fn);
  napi_set_named_property(env, exports, name, fn);
}

static napi_value Init(napi_env env, napi_value exports) {
  // Every kernel output is a new Float32Array (tfjs's cpu tensor store). glibc serves blocks over
  // 128 KiB with fresh mmap'd pages and returns them on free, so each large output paid for page
  // faults and zeroing by the kernel (measured: as long as the Adam update itself). Keeping such
  // blocks in the heap makes their reuse a plain memset.
  mallopt(M_MMAP_THRESHOLD, 256 << 20);
  mallopt(M_TRIM_THRESHOLD, 512 << 20);
  mmc_register_blas(env, exports);
  mmc_register_elementwise(env, exports);
  mmc_register_conv(env, exports);
  mmc_register_dense(env, exports);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
