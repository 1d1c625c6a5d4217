// The whole backward pass of a dense layer y = act(x·W + b) in one call: dz = dy·[y > 0] (ReLU) or
// dy, dW = xᵀ·dz, db = Σ_rows dz, dx = dz·Wᵀ. One kernel instead of four tfjs ones, and dz never
// leaves a scratch buffer that stays in cache.
#include "common.h"
#include <vector>

// denseGrad(dy, y, x, w, dw, db, dx|null, rows, in, out, relu)
static napi_value DenseGrad(napi_env env, napi_callback_info info) {
  Args a;
  if (!mmc_args(env, info, 11, &a)) return NULL;
  size_t ldy, ly, lx, lw, ldw, ldb, ldx;
  const float *dy = mmc_f32(&a, 0, &ldy), *y = mmc_f32(&a, 1, &ly), *x = mmc_f32(&a, 2, &lx), *w = mmc_f32(&a, 3, &lw);
  float *dw = mmc_f32(&a, 4, &ldw), *db = mmc_f32(&a, 5, &ldb), *dx = mmc_f32_opt(&a, 6, &ldx);
  int64_t rows = mmc_int(&a, 7), in = mmc_int(&a, 8), out = mmc_int(&a, 9);
  bool relu = mmc_bool(&a, 10);
  if (a.failed) return NULL;
  if (!mmc_blas_ready()) MMC_THROW(env, "denseGrad: BLAS not loaded");
  const size_t ro = (size_t)(rows * out), ri = (size_t)(rows * in), io = (size_t)(in * out);
  if (ldy < ro || ly < ro || lx < ri || lw < io || ldw < io || ldb < (size_t)out || (dx && ldx < ri)) MMC_THROW(env, "denseGrad: array too short for the given sizes");
  static std::vector<float> scratch;
  const float *dz = dy;
  if (relu) {
    if (scratch.size() < ro) scratch.resize(ro);
    float *s = scratch.data();
    for (size_t i = 0; i < ro; i++) s[i] = mmc_relu_grad(dy[i], y[i]);
    dz = s;
  }
  mmc_sgemm(true, false, (int)in, (int)out, (int)rows, 1.0f, x, (int)in, dz, (int)out, 0.0f, dw, (int)out);
  for (int64_t j = 0; j < out; j++) db[j] = 0;
  for (int64_t i = 0; i < rows; i++)
    for (int64_t j = 0; j < out; j++) db[j] += dz[i * out + j];
  if (dx) mmc_sgemm(false, true, (int)rows, (int)in, (int)out, 1.0f, dz, (int)out, w, (int)out, 0.0f, dx, (int)in);
  return NULL;
}

void mmc_register_dense(napi_env env, napi_value exports) { mmc_export(env, exports, "denseGrad", DenseGrad); }
