// Elementwise kernels and reductions of a training step. Plain loops: -O3 vectorises them for the
// build's baseline ISA, so the binary runs on any x86-64 (no -march=native).
#include "common.h"
#include <math.h>
#include <string.h>

// biasAct(c, bias|null, rows, cols, act): c[i,j] = act(c[i,j] + bias[j]) in place; act 0 linear, 1 relu.
static napi_value BiasAct(napi_env env, napi_callback_info info) {
  Args a;
  if (!mmc_args(env, info, 5, &a)) return NULL;
  size_t lc, lb;
  float *c = mmc_f32(&a, 0, &lc);
  const float *b = mmc_f32_opt(&a, 1, &lb);
  int64_t rows = mmc_int(&a, 2), cols = mmc_int(&a, 3), act = mmc_int(&a, 4);
  if (a.failed) return NULL;
  if ((size_t)(rows * cols) > lc || (b && (size_t)cols > lb)) MMC_THROW(env, "biasAct: array too short");
  for (int64_t i = 0; i < rows; i++) {
    float *r = c + i * cols;
    if (b)
      for (int64_t j = 0; j < cols; j++) r[j] += b[j];
    if (act == 1)
      for (int64_t j = 0; j < cols; j++) r[j] = r[j] > 0 ? r[j] : 0;
  }
  return NULL;
}

// reluGrad(dy, y, out): out = dy · step(y) as stock autodiff computes it (ReLU'(0) = 0): a NaN y or a
// NaN/±Inf dy at y ≤ 0 gives NaN, and a negative dy at y ≤ 0 gives −0, as dy · 0 does.
static napi_value ReluGrad(napi_env env, napi_callback_info info) {
  Args a;
  if (!mmc_args(env, info, 3, &a)) return NULL;
  size_t n1, n2, n3;
  const float *dy = mmc_f32(&a, 0, &n1), *y = mmc_f32(&a, 1, &n2);
  float *out = mmc_f32(&a, 2, &n3);
  if (a.failed) return NULL;
  if (n1 != n2 || n1 != n3) MMC_THROW(env, "reluGrad: arrays differ in length");
  for (size_t i = 0; i < n1; i++) out[i] = mmc_relu_grad(dy[i], y[i]);
  return NULL;
}

// sumRows(x, rows, cols, out): out[j] = Σ_i x[i,j] (a reduction over the leading axis), in float32
// summed row by row, as tfjs's cpu Sum over axis 0 does after its transpose.
static napi_value SumRows(napi_env env, napi_callback_info info) {
  Args a;
  if (!mmc_args(env, info, 4, &a)) return NULL;
  size_t lx, lo;
  const float *x = mmc_f32(&a, 0, &lx);
  int64_t rows = mmc_int(&a, 1), cols = mmc_int(&a, 2);
  float *out = mmc_f32(&a, 3, &lo);
  if (a.failed) return NULL;
  if ((size_t)(rows * cols) > lx || (size_t)cols > lo) MMC_THROW(env, "sumRows: array too short");
  for (int64_t j = 0; j < cols; j++) out[j] = 0;
  for (int64_t i = 0; i < rows; i++) {
    const float *r = x + i * cols;
    for (int64_t j = 0; j < cols; j++) out[j] += r[j];
  }
  return NULL;
}

// copyBlock(src, srcOffset, srcStride, dst, dstOffset, dstStride, rows, run): rows runs of `run`
// values from src to dst, each side with its own row stride: a concat's pieces into the output,
// a split's out of its input (one call per piece instead of one typed-array copy per row).
static napi_value CopyBlock(napi_env env, napi_callback_info info) {
  Args a;
  if (!mmc_args(env, info, 8, &a)) return NULL;
  size_t ls, ld;
  const float *src = mmc_f32(&a, 0, &ls);
  int64_t so = mmc_int(&a, 1), ss = mmc_int(&a, 2);
  float *dst = mmc_f32(&a, 3, &ld);
  int64_t d0 = mmc_int(&a, 4), ds = mmc_int(&a, 5), rows = mmc_int(&a, 6), run = mmc_int(&a, 7);
  if (a.failed) return NULL;
  if (so < 0 || ss < 0 || d0 < 0 || ds < 0 || rows < 0 || run < 0) MMC_THROW(env, "copyBlock: negative size");
  if (rows == 0 || run == 0) return NULL;
  if ((size_t)(so + (rows - 1) * ss + run) > ls || (size_t)(d0 + (rows - 1) * ds + run) > ld) MMC_THROW(env, "copyBlock: array too short");
  for (int64_t i = 0; i < rows; i++) memcpy(dst + d0 + i * ds, src + so + i * ss, (size_t)run * sizeof(float));
  return NULL;
}

// adam(p, g, m, v, out, beta1, beta2, stepSize, c2, eps, decay): AdamW in float32 (as numpy's
// reference and the tensor path; the wasm JS kernel rounds differently), moments updated in place,
// new weights to out. __restrict and float arithmetic let the compiler vectorise the loop.
// 1 − β is taken in double and then rounded (as the tensor path and numpy do): 1 − 0.999f in float
// is 0.00099998713, 1.3e-5 below 0.001f, which biased v by as much.
static void adam_loop(const float *__restrict p, const float *__restrict g, float *__restrict m, float *__restrict v, float *__restrict out, size_t n, float beta1,
                      float beta2, float b1c, float b2c, float stepSize, float invC2, float eps, float decay) {
  for (size_t i = 0; i < n; i++) {
    const float gi = g[i];
    const float mi = beta1 * m[i] + b1c * gi;
    const float vi = beta2 * v[i] + b2c * gi * gi;
    m[i] = mi;
    v[i] = vi;
    out[i] = p[i] - (stepSize * mi) / (sqrtf(vi * invC2) + eps) - decay * p[i];
  }
}

static napi_value AdamStep(napi_env env, napi_callback_info info) {
  Args a;
  if (!mmc_args(env, info, 11, &a)) return NULL;
  size_t lp, lg, lm, lv, lo;
  const float *p = mmc_f32(&a, 0, &lp), *g = mmc_f32(&a, 1, &lg);
  float *m = mmc_f32(&a, 2, &lm), *v = mmc_f32(&a, 3, &lv), *out = mmc_f32(&a, 4, &lo);
  double beta1 = mmc_num(&a, 5), beta2 = mmc_num(&a, 6), stepSize = mmc_num(&a, 7), c2 = mmc_num(&a, 8), eps = mmc_num(&a, 9), decay = mmc_num(&a, 10);
  if (a.failed) return NULL;
  if (lg != lp || lm != lp || lv != lp || lo != lp) MMC_THROW(env, "adam: arrays differ in length");
  adam_loop(p, g, m, v, out, lp, (float)beta1, (float)beta2, (float)(1 - beta1), (float)(1 - beta2), (float)stepSize, (float)(1 / c2), (float)eps, (float)decay);
  return NULL;
}

// binary(op, a, b, out, rows, cols, mode): out = a op b over rows×cols, op 0 add, 1 sub, 2 mul,
// 3 div; mode 0 both full, 1 b is a row of cols broadcast down, 2 a is such a row, 3 b is a
// scalar, 4 a is a scalar, 5 b is a column (one value per row), 6 a is such a column. (JS picks
// the mode from the shapes, kernels.ts.)
static napi_value Binary(napi_env env, napi_callback_info info) {
  Args a;
  if (!mmc_args(env, info, 7, &a)) return NULL;
  int64_t op = mmc_int(&a, 0);
  size_t la, lb, lo;
  const float *x = mmc_f32(&a, 1, &la), *y = mmc_f32(&a, 2, &lb);
  float *out = mmc_f32(&a, 3, &lo);
  int64_t rows = mmc_int(&a, 4), cols = mmc_int(&a, 5), mode = mmc_int(&a, 6);
  if (a.failed) return NULL;
  const size_t n = (size_t)(rows * cols);
  const size_t need_a = mode == 2 ? (size_t)cols : mode == 4 ? 1 : mode == 6 ? (size_t)rows : n;
  const size_t need_b = mode == 1 ? (size_t)cols : mode == 3 ? 1 : mode == 5 ? (size_t)rows : n;
  if (lo < n || la < need_a || lb < need_b || op < 0 || op > 3 || mode < 0 || mode > 6) MMC_THROW(env, "binary: bad sizes or op");
  for (int64_t i = 0; i < rows; i++) {
    float *o = out + i * cols;
    const float *p = mode == 2 ? x : (mode == 4 || mode == 6) ? NULL : x + i * cols;
    const float *q = mode == 1 ? y : (mode == 3 || mode == 5) ? NULL : y + i * cols;
    const float sa = mode == 4 ? x[0] : mode == 6 ? x[i] : 0, sb = mode == 3 ? y[0] : mode == 5 ? y[i] : 0;
#define LOOP(EXPR) for (int64_t j = 0; j < cols; j++) { const float u = p ? p[j] : sa, v = q ? q[j] : sb; o[j] = (EXPR); }
    switch (op) {
      case 0: LOOP(u + v) break;
      case 1: LOOP(u - v) break;
      case 2: LOOP(u * v) break;
      case 3: LOOP(u / v) break;
    }
#undef LOOP
  }
  return NULL;
}

// unary(op, x, out): 0 relu, 1 exp, 2 neg, 3 step (x > 0 ? 1 : 0; NaN stays NaN as tfjs's step), 4 log, 5 square, 6 sqrt.
static napi_value Unary(napi_env env, napi_callback_info info) {
  Args a;
  if (!mmc_args(env, info, 3, &a)) return NULL;
  int64_t op = mmc_int(&a, 0);
  size_t lx, lo;
  const float *x = mmc_f32(&a, 1, &lx);
  float *out = mmc_f32(&a, 2, &lo);
  if (a.failed) return NULL;
  if (lo != lx || op < 0 || op > 6) MMC_THROW(env, "unary: bad sizes or op");
  switch (op) {
    case 0: for (size_t i = 0; i < lx; i++) { float r = x[i] > 0 ? x[i] : 0.0f; out[i] = x[i] != x[i] ? x[i] : r; } break;  // flat selects vectorise (common.h)
    case 1: for (size_t i = 0; i < lx; i++) out[i] = expf(x[i]); break;
    case 2: for (size_t i = 0; i < lx; i++) out[i] = -x[i]; break;
    case 3: for (size_t i = 0; i < lx; i++) { float r = x[i] > 0 ? 1.0f : 0.0f; out[i] = x[i] != x[i] ? x[i] : r; } break;
    case 4: for (size_t i = 0; i < lx; i++) out[i] = logf(x[i]); break;
    case 5: for (size_t i = 0; i < lx; i++) out[i] = x[i] * x[i]; break;
    case 6: for (size_t i = 0; i < lx; i++) out[i] = sqrtf(x[i]); break;
  }
  return NULL;
}

void mmc_register_elementwise(napi_env env, napi_value exports) {
  mmc_export(env, exports, "biasAct", BiasAct);
  mmc_export(env, exports, "reluGrad", ReluGrad);
  mmc_export(env, exports, "sumRows", SumRows);
  mmc_export(env, exports, "copyBlock", CopyBlock);
  mmc_export(env, exports, "adam", AdamStep);
  mmc_export(env, exports, "binary", Binary);
  mmc_export(env, exports, "unary", Unary);
}
