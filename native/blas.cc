// OpenBLAS, loaded at run time with dlopen: the addon then builds without OpenBLAS's headers, and
// loads (to report why the native backend is unavailable) on machines without the library.
// A reference BLAS is refused: without openblas_get_corename we cannot say which kernels run,
// and a reference sgemm is slower than mmc's wasm path.
#include "common.h"
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

typedef void (*sgemm_fn)(int order, int ta, int tb, int m, int n, int k, float alpha, const float *A, int lda, const float *B, int ldb, float beta, float *C, int ldc);
typedef char *(*str_fn)(void);
typedef void (*set_threads_fn)(int);
typedef int (*get_threads_fn)(void);

static sgemm_fn sgemm = NULL;
static str_fn corename = NULL, config = NULL;
static set_threads_fn set_threads = NULL;
static get_threads_fn get_threads = NULL;

enum { ROW_MAJOR = 101, NO_TRANS = 111, TRANS = 112 };

bool mmc_blas_ready(void) { return sgemm != NULL; }

void mmc_sgemm(bool transA, bool transB, int m, int n, int k, float alpha, const float *A, int lda, const float *B, int ldb, float beta, float *C, int ldc) {
  if (m == 0 || n == 0) return;
  if (k == 0) {  // BLAS may skip scaling C when k = 0; make the result defined.
    for (int i = 0; i < m; i++)
      for (int j = 0; j < n; j++) C[(size_t)i * ldc + j] = beta == 0 ? 0 : beta * C[(size_t)i * ldc + j];
    return;
  }
  sgemm(ROW_MAJOR, transA ? TRANS : NO_TRANS, transB ? TRANS : NO_TRANS, m, n, k, alpha, A, lda, B, ldb, beta, C, ldc);
}

static napi_value str_or_null(napi_env env, const char *s) {
  napi_value v;
  if (s) napi_create_string_utf8(env, s, NAPI_AUTO_LENGTH, &v);
  else napi_get_null(env, &v);
  return v;
}

static napi_value info_object(napi_env env) {
  napi_value o, t;
  napi_create_object(env, &o);
  napi_set_named_property(env, o, "corename", str_or_null(env, corename ? corename() : NULL));
  napi_set_named_property(env, o, "config", str_or_null(env, config ? config() : NULL));
  napi_create_int32(env, get_threads ? get_threads() : 1, &t);
  napi_set_named_property(env, o, "threads", t);
  return o;
}

// blasLoad(path: string, threads: number) → { corename, config, threads }; throws with the reason.
static napi_value BlasLoad(napi_env env, napi_callback_info info) {
  Args a;
  if (!mmc_args(env, info, 2, &a)) return NULL;
  char path[4096];
  size_t len;
  if (napi_get_value_string_utf8(env, a.argv[0], path, sizeof path, &len) != napi_ok) MMC_THROW(env, "blasLoad: path must be a string");
  int threads = (int)mmc_int(&a, 1);
  if (a.failed) return NULL;
  if (!sgemm) {
    void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
      char msg[4400];
      snprintf(msg, sizeof msg, "cannot load %s: %s", path, dlerror());
      MMC_THROW(env, msg);
    }
    sgemm_fn g = (sgemm_fn)dlsym(h, "cblas_sgemm");
    str_fn cn = (str_fn)dlsym(h, "openblas_get_corename");
    if (!g || !cn) {
      dlclose(h);
      char msg[4400];
      snprintf(msg, sizeof msg, "%s is not OpenBLAS (%s missing); a reference BLAS is slower than the wasm backend", path, g ? "openblas_get_corename" : "cblas_sgemm");
      MMC_THROW(env, msg);
    }
    sgemm = g;
    corename = cn;
    config = (str_fn)dlsym(h, "openblas_get_config");
    set_threads = (set_threads_fn)dlsym(h, "openblas_set_num_threads");
    get_threads = (get_threads_fn)dlsym(h, "openblas_get_num_threads");
  }
  if (set_threads && threads > 0) set_threads(threads);
  return info_object(env);
}

// blasThreads(n) → the thread count OpenBLAS now uses.
static napi_value BlasThreads(napi_env env, napi_callback_info info) {
  Args a;
  if (!mmc_args(env, info, 1, &a)) return NULL;
  int threads = (int)mmc_int(&a, 0);
  if (a.failed) return NULL;
  if (!sgemm) MMC_THROW(env, "blasThreads: BLAS not loaded");
  if (set_threads && threads > 0) set_threads(threads);
  napi_value v;
  napi_create_int32(env, get_threads ? get_threads() : 1, &v);
  return v;
}

// cpuFeatures() → { avx2, fma, avx512f, avx512bw, avx512vl, avx512dq }
static napi_value CpuFeatures(napi_env env, napi_callback_info) {
  napi_value o, v;
  napi_create_object(env, &o);
  __builtin_cpu_init();
#define FLAG(name)                                        \
  napi_get_boolean(env, __builtin_cpu_supports(name), &v); \
  napi_set_named_property(env, o, name, v);
  FLAG("avx2") FLAG("fma") FLAG("avx512f") FLAG("avx512bw") FLAG("avx512vl") FLAG("avx512dq")
#undef FLAG
  return o;
}

// gemm(transA, transB, m, n, k, A, B, C, batch, strideA, strideB, strideC, accumulate):
// for each of `batch` problems, C_i (+)= op(A_i)·op(B_i), row-major, dense (lda etc. from shapes).
static napi_value Gemm(napi_env env, napi_callback_info info) {
  Args a;
  if (!mmc_args(env, info, 13, &a)) return NULL;
  bool ta = mmc_bool(&a, 0), tb = mmc_bool(&a, 1);
  int64_t m = mmc_int(&a, 2), n = mmc_int(&a, 3), k = mmc_int(&a, 4);
  size_t la, lb, lc;
  const float *A = mmc_f32(&a, 5, &la), *B = mmc_f32(&a, 6, &lb);
  float *C = mmc_f32(&a, 7, &lc);
  int64_t batch = mmc_int(&a, 8), sa = mmc_int(&a, 9), sb = mmc_int(&a, 10), sc = mmc_int(&a, 11);
  bool acc = mmc_bool(&a, 12);
  if (a.failed) return NULL;
  if (!sgemm) MMC_THROW(env, "gemm: BLAS not loaded");
  if (m < 0 || n < 0 || k < 0 || batch < 0) MMC_THROW(env, "gemm: negative size");
  // Bounds: the last problem must lie inside each array.
  if (batch > 0 && ((size_t)((batch - 1) * sa + m * k) > la || (size_t)((batch - 1) * sb + k * n) > lb || (size_t)((batch - 1) * sc + m * n) > lc))
    MMC_THROW(env, "gemm: array too short for the given sizes");
  int lda = ta ? (int)m : (int)k, ldb = tb ? (int)k : (int)n;
  for (int64_t i = 0; i < batch; i++)
    mmc_sgemm(ta, tb, (int)m, (int)n, (int)k, 1.0f, A + i * sa, lda, B + i * sb, ldb, acc ? 1.0f : 0.0f, C + i * sc, (int)n);
  return NULL;
}

void mmc_register_blas(napi_env env, napi_value exports) {
  mmc_export(env, exports, "blasLoad", BlasLoad);
  mmc_export(env, exports, "blasThreads", BlasThreads);
  mmc_export(env, exports, "cpuFeatures", CpuFeatures);
  mmc_export(env, exports, "gemm", Gemm);
}
