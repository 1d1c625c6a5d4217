// Convolution (NHWC, any stride/padding/dilation) as im2col + GEMM, and max-pooling.
// The patch matrix is built for a block of output pixels at a time (cache-sized, reused across
// calls), so a conv never holds the whole im2col matrix of a batch.
#include "common.h"
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <vector>

// Geometry, as the Int32Array the kernels pass: batch, input h/w/c, kernel h/w, output channels,
// output h/w, strides, top/left padding, dilations. For pooling, co = c.
struct Geom {
  int64_t n, h, w, c, kh, kw, co, oh, ow, sh, sw, pt, pl, dh, dw;
  int64_t K() const { return kh * kw * c; }      // one patch's length (a row of the im2col matrix)
  int64_t M() const { return n * oh * ow; }      // output pixels
  int64_t inSize() const { return n * h * w * c; }
  int64_t outSize() const { return M() * co; }
};

static bool read_geom(Args *a, size_t i, Geom *g) {
  size_t len;
  const int32_t *v = mmc_i32(a, i, &len);
  if (a->failed) return false;
  if (len != 15) {
    napi_throw_error(a->env, NULL, "conv: geometry must have 15 entries");
    return false;
  }
  int64_t *f = &g->n;
  for (int j = 0; j < 15; j++) f[j] = v[j];
  bool ok = g->n >= 0 && g->h > 0 && g->w > 0 && g->c > 0 && g->kh > 0 && g->kw > 0 && g->co > 0 && g->oh >= 0 && g->ow >= 0 && g->sh > 0 && g->sw > 0 && g->pt >= 0 &&
            g->pl >= 0 && g->dh > 0 && g->dw > 0;
  if (!ok) napi_throw_error(a->env, NULL, "conv: invalid geometry");
  return ok;
}

// Scratch buffers, grown as needed and reused (the addon is called from one JS thread).
static float *scratch(std::vector<float> &v, size_t n) {
  if (v.size() < n) v.resize(n);
  return v.data();
}
static std::vector<float> colBuf;

// The patch matrix is built transposed, colT (K × block columns), one column per output pixel: its
// rows are runs of image rows, plain copies for one input channel (patch rows were 5-float copies
// and cost 3× the GEMM of LeNet's first layer). Blocks of ~128K floats: OpenBLAS ran these skinny
// products (6–16 output channels) at 40–55 GFLOP/s per block against 15–20 on the whole batch.
static int64_t block_cols(const Geom &g) {
  int64_t b = (128 * 1024) / g.K() / 64 * 64 + 16;
  b = b < 64 ? 64 : b;
  return b < g.M() ? b : g.M();
}

static inline int64_t ceil_div(int64_t a, int64_t b) { return a >= 0 ? (a + b - 1) / b : -((-a) / b); }

// For the output pixels [r0, r1): per run of one output row (n, oh) over [ow0, ow1) and per patch
// entry q = (kh, kw, c), calls f(q, column of the run's start, ow0, ow1, lo, hi, in, step): the
// pixels [lo, hi) read input in + ow·step, the rest of the run lies outside the image (padding).
template <typename F>
static inline void for_runs(const Geom &g, int64_t r0, int64_t r1, F f) {
  for (int64_t r = r0; r < r1;) {
    const int64_t ow0 = r % g.ow, t = r / g.ow, oh = t % g.oh, n = t / g.oh;
    const int64_t ow1 = ow0 + (r1 - r) < g.ow ? ow0 + (r1 - r) : g.ow;
    for (int64_t kh = 0; kh < g.kh; kh++) {
      const int64_t ih = oh * g.sh - g.pt + kh * g.dh;
      const bool inside = ih >= 0 && ih < g.h;
      for (int64_t kw = 0; kw < g.kw; kw++) {
        const int64_t shift = kw * g.dw - g.pl;  // iw = ow * sw + shift
        int64_t lo = ceil_div(-shift, g.sw), hi = ceil_div(g.w - shift, g.sw);
        lo = lo > ow0 ? lo : ow0;
        hi = hi < ow1 ? hi : ow1;
        if (!inside) lo = hi = ow0;
        if (hi < lo) hi = lo;
        const int64_t base = ((n * g.h + ih) * g.w + shift) * g.c;  // input of (ow = 0, c = 0)
        for (int64_t c = 0; c < g.c; c++) f((kh * g.kw + kw) * g.c + c, r - r0, ow0, ow1, lo, hi, base + c, g.sw * g.c);
      }
    }
    r += ow1 - ow0;
  }
}

// colT (K × cols) of output pixels [r0, r1): zeros where a patch leaves the image.
static void im2colT(const float *x, const Geom &g, int64_t r0, int64_t r1, int64_t cols, float *col) {
  for_runs(g, r0, r1, [&](int64_t q, int64_t at, int64_t ow0, int64_t ow1, int64_t lo, int64_t hi, int64_t in, int64_t step) {
    float *d = col + q * cols + at;  // d[ow - ow0]
    for (int64_t ow = ow0; ow < lo; ow++) d[ow - ow0] = 0;
    if (step == 1) {
      if (hi > lo) memcpy(d + (lo - ow0), x + (in + lo), sizeof(float) * (size_t)(hi - lo));
    } else {
      for (int64_t ow = lo; ow < hi; ow++) d[ow - ow0] = x[in + ow * step];
    }
    for (int64_t ow = hi; ow < ow1; ow++) d[ow - ow0] = 0;
  });
}

// dx += colT's entries at their input pixels (col2im).
static void col2imT_add(const float *col, const Geom &g, int64_t r0, int64_t r1, int64_t cols, float *dx) {
  for_runs(g, r0, r1, [&](int64_t q, int64_t at, int64_t ow0, int64_t, int64_t lo, int64_t hi, int64_t in, int64_t step) {
    const float *s = col + q * cols + at;
    for (int64_t ow = lo; ow < hi; ow++) dx[in + ow * step] += s[ow - ow0];
  });
}

// out = act(conv(x, filter) + bias), act 0 linear, 1 relu (sizes checked by the caller).
static void conv_forward(const float *x, const float *f, const float *b, float *out, const Geom &g, int64_t act) {
  const int64_t K = g.K(), M = g.M(), co = g.co, step = block_cols(g);
  if (M == 0) return;
  float *col = scratch(colBuf, (size_t)(step * K));
  for (int64_t r0 = 0; r0 < M; r0 += step) {
    const int64_t r1 = r0 + step < M ? r0 + step : M, cols = r1 - r0;
    im2colT(x, g, r0, r1, cols, col);
    float *o = out + r0 * co;
    mmc_sgemm(true, false, (int)cols, (int)co, (int)K, 1.0f, col, (int)cols, f, (int)co, 0.0f, o, (int)co);
    // Bias and ReLU while the block is in cache.
    for (int64_t r = 0; r < cols; r++) {
      float *__restrict row = o + r * co;
      if (b)
        for (int64_t j = 0; j < co; j++) row[j] += b[j];
      if (act == 1)
        for (int64_t j = 0; j < co; j++) row[j] = row[j] > 0 ? row[j] : 0.0f;
    }
  }
}

// conv2d(x, filter, bias|null, out, geom, act): out = act(conv(x, filter) + bias); act 0 linear, 1 relu.
// filter is [kh, kw, c, co], a K × co matrix; per block out (cols × co) = colTᵀ · filter.
static napi_value Conv2D(napi_env env, napi_callback_info info) {
  Args a;
  if (!mmc_args(env, info, 6, &a)) return NULL;
  size_t lx, lf, lb, lo;
  const float *x = mmc_f32(&a, 0, &lx), *f = mmc_f32(&a, 1, &lf), *b = mmc_f32_opt(&a, 2, &lb);
  float *out = mmc_f32(&a, 3, &lo);
  Geom g;
  if (a.failed || !read_geom(&a, 4, &g)) return NULL;
  int64_t act = mmc_int(&a, 5);
  if (a.failed) return NULL;
  if (!mmc_blas_ready()) MMC_THROW(env, "conv2d: BLAS not loaded");
  if ((size_t)g.inSize() > lx || (size_t)(g.K() * g.co) > lf || (b && (size_t)g.co > lb) || (size_t)g.outSize() > lo) MMC_THROW(env, "conv2d: array too short");
  conv_forward(x, f, b, out, g, act);
  return NULL;
}

// conv2dFilterGrad(x, dy, dfilter, geom): dfilter (K × co) = Σ_blocks colT · dy.
static napi_value Conv2DFilterGrad(napi_env env, napi_callback_info info) {
  Args a;
  if (!mmc_args(env, info, 4, &a)) return NULL;
  size_t lx, ly, lf;
  const float *x = mmc_f32(&a, 0, &lx), *dy = mmc_f32(&a, 1, &ly);
  float *df = mmc_f32(&a, 2, &lf);
  Geom g;
  if (a.failed || !read_geom(&a, 3, &g)) return NULL;
  if (!mmc_blas_ready()) MMC_THROW(env, "conv2dFilterGrad: BLAS not loaded");
  if ((size_t)g.inSize() > lx || (size_t)g.outSize() > ly || (size_t)(g.K() * g.co) > lf) MMC_THROW(env, "conv2dFilterGrad: array too short");
  const int64_t K = g.K(), M = g.M(), co = g.co, step = block_cols(g);
  memset(df, 0, sizeof(float) * (size_t)(K * co));
  if (M == 0) return NULL;
  float *col = scratch(colBuf, (size_t)(step * K));
  for (int64_t r0 = 0; r0 < M; r0 += step) {
    const int64_t r1 = r0 + step < M ? r0 + step : M, cols = r1 - r0;
    im2colT(x, g, r0, r1, cols, col);
    mmc_sgemm(false, false, (int)K, (int)co, (int)cols, 1.0f, col, (int)cols, dy + r0 * co, (int)co, 1.0f, df, (int)co);
  }
  return NULL;
}

// conv2dInputGrad(dy, filter, dx, geom): per block dcolT (K × cols) = filter · dyᵀ, then col2im.
static napi_value Conv2DInputGrad(napi_env env, napi_callback_info info) {
  Args a;
  if (!mmc_args(env, info, 4, &a)) return NULL;
  size_t ly, lf, lx;
  const float *dy = mmc_f32(&a, 0, &ly), *f = mmc_f32(&a, 1, &lf);
  float *dx = mmc_f32(&a, 2, &lx);
  Geom g;
  if (a.failed || !read_geom(&a, 3, &g)) return NULL;
  if (!mmc_blas_ready()) MMC_THROW(env, "conv2dInputGrad: BLAS not loaded");
  if ((size_t)g.outSize() > ly || (size_t)(g.K() * g.co) > lf || (size_t)g.inSize() > lx) MMC_THROW(env, "conv2dInputGrad: array too short");
  const int64_t K = g.K(), M = g.M(), co = g.co, step = block_cols(g);
  memset(dx, 0, sizeof(float) * (size_t)g.inSize());
  if (M == 0) return NULL;
  float *col = scratch(colBuf, (size_t)(step * K));
  for (int64_t r0 = 0; r0 < M; r0 += step) {
    const int64_t r1 = r0 + step < M ? r0 + step : M, cols = r1 - r0;
    mmc_sgemm(false, true, (int)K, (int)cols, (int)co, 1.0f, f, (int)co, dy + r0 * co, (int)co, 0.0f, col, (int)cols);
    col2imT_add(col, g, r0, r1, cols, dx);
  }
  return NULL;
}

// Calls f(output pixel index, input offset of window row) per window row inside the image, in
// row-major window order (tfjs's order, which decides which of tied maxima wins).
template <typename F>
static inline void for_windows(const Geom &g, F f) {
  for (int64_t n = 0; n < g.n; n++)
    for (int64_t oh = 0; oh < g.oh; oh++)
      for (int64_t ow = 0; ow < g.ow; ow++) {
        const int64_t o = (n * g.oh + oh) * g.ow + ow;
        const int64_t ih0 = oh * g.sh - g.pt, iw0 = ow * g.sw - g.pl;
        int64_t kw0 = 0, kw1 = 0;  // the window's columns inside the image, in steps of dw
        while (kw0 < g.kw && iw0 + kw0 * g.dw < 0) kw0++;
        kw1 = kw0;
        while (kw1 < g.kw && iw0 + kw1 * g.dw < g.w) kw1++;
        f(o, -1, 0, 0, 0);  // start of window o
        for (int64_t kh = 0; kh < g.kh; kh++) {
          const int64_t ih = ih0 + kh * g.dh;
          if (ih < 0 || ih >= g.h) continue;
          f(o, ((n * g.h + ih) * g.w + iw0) * g.c, kw0, kw1, 1);
        }
      }
}

// maxPool(x, out, geom): the maximum of each window (NaN never wins, as in tfjs's cpu kernel;
// a window with no element inside the image gives -Infinity).
static napi_value MaxPool(napi_env env, napi_callback_info info) {
  Args a;
  if (!mmc_args(env, info, 3, &a)) return NULL;
  size_t lx, lo;
  const float *x = mmc_f32(&a, 0, &lx);
  float *out = mmc_f32(&a, 1, &lo);
  Geom g;
  if (a.failed || !read_geom(&a, 2, &g)) return NULL;
  if (g.co != g.c) MMC_THROW(env, "maxPool: channels in and out differ");
  if ((size_t)g.inSize() > lx || (size_t)g.outSize() > lo) MMC_THROW(env, "maxPool: array too short");
  const int64_t c = g.c, step = g.dw * c;
  for_windows(g, [&](int64_t o, int64_t in, int64_t kw0, int64_t kw1, int) {
    float *__restrict m = out + o * c;
    if (in < 0) {
      for (int64_t j = 0; j < c; j++) m[j] = -INFINITY;
      return;
    }
    for (int64_t kw = kw0; kw < kw1; kw++) {
      const float *__restrict v = x + (in + kw * step);
      for (int64_t j = 0; j < c; j++) m[j] = v[j] > m[j] ? v[j] : m[j];
    }
  });
  return NULL;
}

// maxPoolGrad(dy, x, dx, geom): each window's gradient goes to its first maximum (row-major window
// order, strict >), as tfjs's cpu and wasm kernels do; windows overlap-add. A scatter per window
// (measured faster than a vectorised masked pass over the window for 6–16 channels).
static napi_value MaxPoolGrad(napi_env env, napi_callback_info info) {
  Args a;
  if (!mmc_args(env, info, 4, &a)) return NULL;
  size_t ly, lx, ld;
  const float *dy = mmc_f32(&a, 0, &ly), *x = mmc_f32(&a, 1, &lx);
  float *dx = mmc_f32(&a, 2, &ld);
  Geom g;
  if (a.failed || !read_geom(&a, 3, &g)) return NULL;
  if (g.co != g.c) MMC_THROW(env, "maxPoolGrad: channels in and out differ");
  if ((size_t)g.outSize() > ly || (size_t)g.inSize() > lx || (size_t)g.inSize() > ld) MMC_THROW(env, "maxPoolGrad: array too short");
  memset(dx, 0, sizeof(float) * (size_t)g.inSize());
  const int64_t c = g.c, step = g.dw * c;
  static std::vector<float> bestBuf;
  static std::vector<int64_t> whereBuf;
  if ((int64_t)bestBuf.size() < c) bestBuf.resize(c), whereBuf.resize(c);
  float *best = bestBuf.data();
  int64_t *where = whereBuf.data(), cur = -1;
  auto flush = [&]() {  // window `cur`'s gradient to its winners
    if (cur < 0) return;
    for (int64_t j = 0; j < c; j++)
      if (where[j] >= 0) dx[where[j]] += dy[cur * c + j];
  };
  for_windows(g, [&](int64_t o, int64_t in, int64_t kw0, int64_t kw1, int) {
    if (in < 0) {
      flush();
      cur = o;
      for (int64_t j = 0; j < c; j++) best[j] = -INFINITY, where[j] = -1;
      return;
    }
    for (int64_t kw = kw0; kw < kw1; kw++) {
      const int64_t base = in + kw * step;
      for (int64_t j = 0; j < c; j++)
        if (x[base + j] > best[j]) best[j] = x[base + j], where[j] = base + j;
    }
  });
  flush();
  return NULL;
}

// ---- Fused conv stage: relu(conv(x) + b) then max-pool, with the pool's argmax kept ----
// The conv output y never leaves C (a reused scratch buffer). Since pooled[o] = y[idx[o]], the
// backward pass needs only pooled and idx: dz[idx[o]] += dy[o] where pooled[o] > 0 (the ReLU mask at
// the winner), and dz is never built either: each such pixel adds its patch of x to the filter
// gradient and the filter to the input gradient (dense dz would be ≥ 3/4 zeros with 2×2 pools).

#if defined(__x86_64__) && defined(__GNUC__) && defined(__linux__)
#define MMC_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define MMC_CLONES
#endif

static std::vector<float> yBuf;

// Pool geometry pg over the conv output of g: same batch, image and channels.
static bool pool_fits(const Geom &g, const Geom &pg) { return pg.n == g.n && pg.h == g.oh && pg.w == g.ow && pg.c == g.co && pg.co == g.co; }

// Max-pool of y (geometry pg) into out with idx = flat index in y of each window's first maximum
// (row-major window order, strict >; -1 and -Infinity for a window with no number inside the image).
static void max_pool_argmax(const float *y, const Geom &pg, float *out, int32_t *idx) {
  const int64_t c = pg.c, step = pg.dw * c;
  for_windows(pg, [&](int64_t o, int64_t in, int64_t kw0, int64_t kw1, int) {
    float *__restrict m = out + o * c;
    int32_t *__restrict w = idx + o * c;
    if (in < 0) {
      for (int64_t j = 0; j < c; j++) m[j] = -INFINITY, w[j] = -1;
      return;
    }
    for (int64_t kw = kw0; kw < kw1; kw++) {
      const int64_t base = in + kw * step;
      const float *__restrict v = y + base;
      for (int64_t j = 0; j < c; j++) {  // branch-free: the data decide nothing predictable
        const bool gt = v[j] > m[j];
        m[j] = gt ? v[j] : m[j];
        w[j] = gt ? (int32_t)(base + j) : w[j];
      }
    }
  });
}

// Direct conv + bias + ReLU + max-pool for the few-channel stages (AVX2 + FMA, chosen at run time;
// the build stays baseline x86-64): stride 1, no dilation, ≤ 32 output channels, a pool whose windows
// tile the conv output (stride = window, no padding). Per image, the input is copied into a
// zero-padded buffer (small: stays in cache), then each pool row's conv rows are computed into a
// row buffer, output channels padded to 8-lane vectors, several pixels at a time in registers; the
// pool reads them back in row-major window order (strict >, so the first maximum wins). Conv rows
// and columns past the last whole window are never computed. OpenBLAS ran these M = 6–16 GEMMs
// plus im2col at a fraction of this speed.
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define MMC_DIRECT_CONV 1

static bool direct_fits(const Geom &g, const Geom &pg) {
  return g.sh == 1 && g.sw == 1 && g.dh == 1 && g.dw == 1 && g.co <= 32 && pg.kh == pg.sh && pg.kw == pg.sw && pg.pt == 0 && pg.pl == 0 && pg.dh == 1 && pg.dw == 1 &&
         pg.oh * pg.sh <= g.oh && pg.ow * pg.sw <= g.ow;
}

static bool cpu_avx2_fma() {
  static int has = -1;
  if (has < 0) {
    __builtin_cpu_init();
    has = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  }
  return has == 1;
}

// Image n of x, zero-padded: row r is input row r - pt, column s is input column s - pl; Hp × Wp × c
// with Hp = oh + kh - 1, Wp = ow + kw - 1 (stride 1, no dilation).
static void pad_image(const float *x, const Geom &g, int64_t n, float *xp) {
  const int64_t c = g.c, Hp = g.oh + g.kh - 1, Wp = g.ow + g.kw - 1;
  for (int64_t r = 0; r < Hp; r++) {
    float *d = xp + r * Wp * c;
    const int64_t ih = r - g.pt;
    if (ih < 0 || ih >= g.h) {
      memset(d, 0, sizeof(float) * (size_t)(Wp * c));
      continue;
    }
    const int64_t lo = g.pl < Wp ? g.pl : Wp, hi = g.pl + g.w < Wp ? g.pl + g.w : Wp;
    memset(d, 0, sizeof(float) * (size_t)(lo * c));
    if (hi > lo) memcpy(d + lo * c, x + ((n * g.h + ih) * g.w) * c, sizeof(float) * (size_t)((hi - lo) * c));
    if (Wp > hi) memset(d + hi * c, 0, sizeof(float) * (size_t)((Wp - hi) * c));
  }
}

static std::vector<float> xpBuf, fpBuf, rowBuf;

// PB pixels × CV vectors of 8 output channels of one conv row, from ow0: rb[(ow0 + q) · 8CV + 8v].
template <int CV, int PB>
__attribute__((target("avx2,fma"))) static inline void conv_pixels(const float *xrow, const float *fp, const float *bias8, int64_t kh, int64_t kwc, int64_t c, int64_t Wpc,
                                                                  float *rb) {
  __m256 acc[PB][CV];
  for (int v = 0; v < CV; v++) {
    const __m256 b = _mm256_loadu_ps(bias8 + 8 * v);
    for (int q = 0; q < PB; q++) acc[q][v] = b;
  }
  for (int64_t r = 0; r < kh; r++) {
    const float *xr = xrow + r * Wpc, *fr = fp + r * kwc * (8 * CV);
    for (int64_t t = 0; t < kwc; t++) {
      __m256 w[CV];
      for (int v = 0; v < CV; v++) w[v] = _mm256_loadu_ps(fr + t * (8 * CV) + 8 * v);
      for (int q = 0; q < PB; q++) {
        const __m256 xb = _mm256_broadcast_ss(xr + q * c + t);
        for (int v = 0; v < CV; v++) acc[q][v] = _mm256_fmadd_ps(xb, w[v], acc[q][v]);
      }
    }
  }
  const __m256 zero = _mm256_setzero_ps();
  for (int q = 0; q < PB; q++)
    for (int v = 0; v < CV; v++) _mm256_storeu_ps(rb + q * (8 * CV) + 8 * v, _mm256_max_ps(acc[q][v], zero));
}

template <int CV>
__attribute__((target("avx2,fma"))) static void direct_stage(const float *x, const float *f, const float *b, float *out, int32_t *idx, const Geom &g, const Geom &pg) {
  constexpr int L = 8 * CV;  // padded output channels
  constexpr int PB = CV == 1 ? 8 : CV == 2 ? 6 : CV == 3 ? 4 : 3;
  const int64_t c = g.c, co = g.co, K = g.K(), kwc = g.kw * c, p = pg.kh, q = pg.kw;
  const int64_t Hp = g.oh + g.kh - 1, Wp = g.ow + g.kw - 1, usedW = pg.ow * q;
  float *xp = scratch(xpBuf, (size_t)(Hp * Wp * c));
  float *fp = scratch(fpBuf, (size_t)(K * L + L));  // filter K × L, then the bias
  for (int64_t k = 0; k < K; k++)
    for (int64_t j = 0; j < L; j++) fp[k * L + j] = j < co ? f[k * co + j] : 0.0f;
  float *bias8 = fp + K * L;
  for (int64_t j = 0; j < L; j++) bias8[j] = j < co ? b[j] : 0.0f;
  float *rb = scratch(rowBuf, (size_t)(p * usedW * L));
  for (int64_t n = 0; n < g.n; n++) {
    pad_image(x, g, n, xp);
    for (int64_t ph = 0; ph < pg.oh; ph++) {
      for (int64_t dr = 0; dr < p; dr++) {
        const int64_t oh = ph * p + dr;
        float *rrow = rb + dr * usedW * L;
        const float *xrow = xp + oh * Wp * c;
        int64_t ow = 0;
        for (; ow + PB <= usedW; ow += PB) conv_pixels<CV, PB>(xrow + ow * c, fp, bias8, g.kh, kwc, c, Wp * c, rrow + ow * L);
        for (; ow < usedW; ow++) conv_pixels<CV, 1>(xrow + ow * c, fp, bias8, g.kh, kwc, c, Wp * c, rrow + ow * L);
      }
      // Pool row ph: windows in row-major order, strict >.
      for (int64_t pw = 0; pw < pg.ow; pw++) {
        const int64_t o = ((n * pg.oh + ph) * pg.ow + pw) * co;
        alignas(32) float mv[L];
        alignas(32) int32_t iv[L];
        for (int v = 0; v < CV; v++) {
          __m256 best = _mm256_set1_ps(-INFINITY);
          __m256i bi = _mm256_set1_epi32(-1);
          for (int64_t dr = 0; dr < p; dr++)
            for (int64_t dq = 0; dq < q; dq++) {
              const int64_t ow = pw * q + dq, at = ((n * g.oh + ph * p + dr) * g.ow + ow) * co + 8 * v;
              const __m256 val = _mm256_loadu_ps(rb + (dr * usedW + ow) * L + 8 * v);
              const __m256 gt = _mm256_cmp_ps(val, best, _CMP_GT_OQ);
              best = _mm256_blendv_ps(best, val, gt);
              const __m256i at8 = _mm256_add_epi32(_mm256_set1_epi32((int32_t)at), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
              bi = _mm256_castps_si256(_mm256_blendv_ps(_mm256_castsi256_ps(bi), _mm256_castsi256_ps(at8), gt));
            }
          _mm256_store_ps(mv + 8 * v, best);
          _mm256_store_si256((__m256i *)(iv + 8 * v), bi);
        }
        for (int64_t j = 0; j < co; j++) out[o + j] = mv[j], idx[o + j] = iv[j];
      }
    }
  }
}

// The backward pass of direct_stage, per image: dz (the conv output's gradient: dy at each window's
// argmax where it is > 0) is built in a small buffer with output channels padded to 8 lanes and a
// bit mask of nonzero channels per pixel; then dW (K × L) += Σ_pixels patch ⊗ dz[pixel], a block of
// taps held in registers while the pixels stream by, and dx (padded image) += Σ_pixels, per patch
// row, Σ_{nonzero j} dz[pixel][j] · W[row][·][j] — only the ~1/p² channels that won at a pixel.
static std::vector<float> dzBuf, dwBuf, wtrBuf, dxpBuf;
static std::vector<uint32_t> maskBuf;

template <int CV>
__attribute__((target("avx2,fma"))) static void direct_stage_grad(const float *dy, const float *pooled, const int32_t *idx, const float *x, const float *f, float *df, float *db,
                                                                   float *dx, const Geom &g, const Geom &pg) {
  constexpr int L = 8 * CV, T = CV == 1 ? 13 : CV == 2 ? 6 : CV == 3 ? 4 : 3;  // T·CV + CV + 1 ≤ 16 registers
  const int64_t c = g.c, co = g.co, K = g.K(), kwc = g.kw * c, p = pg.kh, q = pg.kw;
  const int64_t Hp = g.oh + g.kh - 1, Wp = g.ow + g.kw - 1, usedH = pg.oh * p, usedW = pg.ow * q, OHW = g.oh * g.ow;
  const int64_t RW = (kwc + 31) / 32 * 32;  // a patch row of dx, padded to whole 4-vector chunks (zero weights)
  float *xp = scratch(xpBuf, (size_t)(Hp * Wp * c));
  float *dz = scratch(dzBuf, (size_t)(OHW * L));
  uint32_t *mask = (maskBuf.size() < (size_t)OHW ? maskBuf.resize(OHW) : (void)0, maskBuf.data());
  const int64_t Kp = (K + T - 1) / T * T;
  float *dw = scratch(dwBuf, (size_t)(Kp * L));
  memset(dw, 0, sizeof(float) * (size_t)(Kp * L));
  memset(db, 0, sizeof(float) * (size_t)co);
  std::vector<int64_t> toff((size_t)Kp, 0);  // tap (kh, kw, c) → offset in the padded image from the pixel
  for (int64_t kh = 0; kh < g.kh; kh++)
    for (int64_t t = 0; t < kwc; t++) toff[kh * kwc + t] = kh * Wp * c + t;
  float *wtr = NULL, *dxp = NULL;
  if (dx) {  // W as [j][kh][RW], zero-padded rows
    wtr = scratch(wtrBuf, (size_t)(co * g.kh * RW));
    for (int64_t j = 0; j < co; j++)
      for (int64_t kh = 0; kh < g.kh; kh++)
        for (int64_t t = 0; t < RW; t++) wtr[(j * g.kh + kh) * RW + t] = t < kwc ? f[(kh * kwc + t) * co + j] : 0.0f;
    dxp = scratch(dxpBuf, (size_t)(Hp * Wp * c + RW));  // slack: the last row's padded vectors
  }
  for (int64_t n = 0; n < g.n; n++) {
    // dz and masks of image n.
    memset(dz, 0, sizeof(float) * (size_t)(OHW * L));
    memset(mask, 0, sizeof(uint32_t) * (size_t)OHW);
    const int64_t P0 = n * pg.oh * pg.ow * co, P1 = P0 + pg.oh * pg.ow * co;
    bool any = false;
    const double inv = 1.0 / (double)co;  // pix = at / co without an integer division per element (they cost ~1 ms here)
    for (int64_t o = P0; o < P1; o += co)
      for (int64_t j = 0; j < co; j++) {
        const float gr = dy[o + j];
        if (!(pooled[o + j] > 0) || gr == 0) continue;
        const int64_t at = idx[o + j] - n * OHW * co - j;  // a multiple of co: the winner is in channel j
        const int64_t pix = (int64_t)((double)at * inv + 0.5);
        if (at < 0 || pix >= OHW || pix * co != at) continue;
        dz[pix * L + j] += gr;
        mask[pix] |= 1u << j;
        db[j] += gr;
        any = true;
      }
    if (!any) {
      if (dx) memset(dx + n * g.h * g.w * c, 0, sizeof(float) * (size_t)(g.h * g.w * c));
      continue;
    }
    pad_image(x, g, n, xp);
    // dW, T taps at a time (K rounded up to whole blocks: the extra taps read offset 0 into rows of
    // dw that are never used; runtime-length blocks made the compiler keep acc on the stack).
    for (int64_t t0 = 0; t0 < Kp; t0 += T) {
      __m256 acc[T][CV];
      int64_t off[T];
      for (int tt = 0; tt < T; tt++) {
        off[tt] = toff[t0 + tt];
        for (int v = 0; v < CV; v++) acc[tt][v] = _mm256_loadu_ps(dw + (t0 + tt) * L + 8 * v);
      }
      for (int64_t oh = 0; oh < usedH; oh++)
        for (int64_t ow = 0; ow < usedW; ow++) {
          const int64_t pix = oh * g.ow + ow;  // no test of mask[pix]: a zero dz adds nothing, a branch mispredicts
          __m256 d[CV];
          for (int v = 0; v < CV; v++) d[v] = _mm256_loadu_ps(dz + pix * L + 8 * v);
          const float *xb = xp + (oh * Wp + ow) * c;
          for (int tt = 0; tt < T; tt++) {
            const __m256 xv = _mm256_broadcast_ss(xb + off[tt]);
            for (int v = 0; v < CV; v++) acc[tt][v] = _mm256_fmadd_ps(xv, d[v], acc[tt][v]);
          }
        }
      for (int tt = 0; tt < T; tt++)
        for (int v = 0; v < CV; v++) _mm256_storeu_ps(dw + (t0 + tt) * L + 8 * v, acc[tt][v]);
    }
    if (!dx) continue;
    // dx of image n, in the padded frame, then its interior.
    memset(dxp, 0, sizeof(float) * (size_t)(Hp * Wp * c + RW));
    for (int64_t oh = 0; oh < usedH; oh++)
      for (int64_t ow = 0; ow < usedW; ow++) {
        const int64_t pix = oh * g.ow + ow;
        const uint32_t m = mask[pix];
        if (!m) continue;
        const float *dzp = dz + pix * L;
        for (int64_t kh = 0; kh < g.kh; kh++) {
          float *drow = dxp + ((oh + kh) * Wp + ow) * c;
          for (int64_t v0 = 0; v0 < RW; v0 += 32) {  // 4 vectors of the row in registers
            __m256 a[4];
            for (int v = 0; v < 4; v++) a[v] = _mm256_loadu_ps(drow + v0 + 8 * v);
            for (uint32_t bits = m; bits; bits &= bits - 1) {
              const int j = __builtin_ctz(bits);
              const __m256 s = _mm256_set1_ps(dzp[j]);
              const float *wr = wtr + (j * g.kh + kh) * RW + v0;
              for (int v = 0; v < 4; v++) a[v] = _mm256_fmadd_ps(s, _mm256_loadu_ps(wr + 8 * v), a[v]);
            }
            for (int v = 0; v < 4; v++) _mm256_storeu_ps(drow + v0 + 8 * v, a[v]);
          }
        }
      }
    for (int64_t ih = 0; ih < g.h; ih++)
      memcpy(dx + ((n * g.h + ih) * g.w) * c, dxp + ((ih + g.pt) * Wp + g.pl) * c, sizeof(float) * (size_t)(g.w * c));
  }
  for (int64_t k = 0; k < K; k++)
    for (int64_t j = 0; j < co; j++) df[k * co + j] = dw[k * L + j];
}

static bool direct_stage_grad_run(const float *dy, const float *pooled, const int32_t *idx, const float *x, const float *f, float *df, float *db, float *dx, const Geom &g,
                                  const Geom &pg) {
  // The padded frame must hold the input (padding never negative on the far side) for dx's copy-back.
  if (!direct_fits(g, pg) || !cpu_avx2_fma() || getenv("MMC_NO_DIRECT_CONV")) return false;
  if (dx && (g.oh + g.kh - 1 < g.pt + g.h || g.ow + g.kw - 1 < g.pl + g.w)) return false;
  switch ((g.co + 7) / 8) {
    case 1: direct_stage_grad<1>(dy, pooled, idx, x, f, df, db, dx, g, pg); return true;
    case 2: direct_stage_grad<2>(dy, pooled, idx, x, f, df, db, dx, g, pg); return true;
    case 3: direct_stage_grad<3>(dy, pooled, idx, x, f, df, db, dx, g, pg); return true;
    case 4: direct_stage_grad<4>(dy, pooled, idx, x, f, df, db, dx, g, pg); return true;
  }
  return false;
}

// Runs the direct stage when it applies on this CPU; false leaves the work to the generic path.
static bool direct_conv_relu_pool(const float *x, const float *f, const float *b, float *out, int32_t *idx, const Geom &g, const Geom &pg) {
  if (!direct_fits(g, pg) || !cpu_avx2_fma() || getenv("MMC_NO_DIRECT_CONV")) return false;
  switch ((g.co + 7) / 8) {
    case 1: direct_stage<1>(x, f, b, out, idx, g, pg); return true;
    case 2: direct_stage<2>(x, f, b, out, idx, g, pg); return true;
    case 3: direct_stage<3>(x, f, b, out, idx, g, pg); return true;
    case 4: direct_stage<4>(x, f, b, out, idx, g, pg); return true;
  }
  return false;
}
#else
static bool direct_conv_relu_pool(const float *, const float *, const float *, float *, int32_t *, const Geom &, const Geom &) { return false; }
static bool direct_stage_grad_run(const float *, const float *, const int32_t *, const float *, const float *, float *, float *, float *, const Geom &, const Geom &) { return false; }
#endif

// convReluPool(x, filter, bias, pooled, idx, geom, poolGeom)
static napi_value ConvReluPool(napi_env env, napi_callback_info info) {
  Args a;
  if (!mmc_args(env, info, 7, &a)) return NULL;
  size_t lx, lf, lb, lo, li;
  const float *x = mmc_f32(&a, 0, &lx), *f = mmc_f32(&a, 1, &lf), *b = mmc_f32(&a, 2, &lb);
  float *out = mmc_f32(&a, 3, &lo);
  int32_t *idx = mmc_i32(&a, 4, &li);
  Geom g, pg;
  if (a.failed || !read_geom(&a, 5, &g) || !read_geom(&a, 6, &pg)) return NULL;
  if (!mmc_blas_ready()) MMC_THROW(env, "convReluPool: BLAS not loaded");
  if (!pool_fits(g, pg)) MMC_THROW(env, "convReluPool: pool geometry does not fit the conv output");
  if (g.outSize() > INT32_MAX) MMC_THROW(env, "convReluPool: conv output too large for int32 indices");
  if ((size_t)g.inSize() > lx || (size_t)(g.K() * g.co) > lf || (size_t)g.co > lb || (size_t)pg.outSize() > lo || (size_t)pg.outSize() > li)
    MMC_THROW(env, "convReluPool: array too short");
  if (direct_conv_relu_pool(x, f, b, out, idx, g, pg)) return NULL;
  float *y = scratch(yBuf, (size_t)g.outSize());
  conv_forward(x, f, b, y, g, 1);
  max_pool_argmax(y, pg, out, idx);
  return NULL;
}

// For each conv-output pixel p = (n, oh, ow) and its patch rows inside the image: f(x offset, patch
// offset, run length) for runs of contiguous (kw, c) entries (whole rows when dw = 1).
template <typename F>
static inline void for_patch(const Geom &g, int64_t n, int64_t oh, int64_t ow, F f) {
  const int64_t ih0 = oh * g.sh - g.pt, iw0 = ow * g.sw - g.pl;
  int64_t kw0 = 0;
  while (kw0 < g.kw && iw0 + kw0 * g.dw < 0) kw0++;
  int64_t kw1 = kw0;
  while (kw1 < g.kw && iw0 + kw1 * g.dw < g.w) kw1++;
  if (kw1 <= kw0) return;
  for (int64_t kh = 0; kh < g.kh; kh++) {
    const int64_t ih = ih0 + kh * g.dh;
    if (ih < 0 || ih >= g.h) continue;
    const int64_t xrow = ((n * g.h + ih) * g.w + iw0) * g.c, prow = kh * g.kw * g.c;
    if (g.dw == 1) {
      f(xrow + kw0 * g.c, prow + kw0 * g.c, (kw1 - kw0) * g.c);
    } else {
      for (int64_t kw = kw0; kw < kw1; kw++) f(xrow + kw * g.dw * g.c, prow + kw * g.c, g.c);
    }
  }
}

static inline __attribute__((always_inline)) void axpy(float *__restrict d, const float *__restrict s, float a, int64_t len) {
  for (int64_t i = 0; i < len; i++) d[i] += a * s[i];
}

static std::vector<float> dwtBuf, wtBuf;

// The scatter of convReluPoolGrad: dwt and wt are co × K; dx (or null) and db are zeroed.
MMC_CLONES static void stage_grad(const float *dy, const float *pooled, const int32_t *idx, const float *x, const float *wt, float *dwt, float *db, float *dx, const Geom &g,
                                  int64_t P) {
  const int64_t K = g.K(), co = g.co;
  const int64_t ysize = g.outSize();
  for (int64_t o = 0; o < P; o++) {
    const float gr = dy[o];
    if (!(pooled[o] > 0) || gr == 0) continue;  // ReLU mask at the winner (also skips empty windows)
    const int64_t at = idx[o];
    if (at < 0 || at >= ysize) continue;
    const int64_t j = at % co, pix = at / co, ow = pix % g.ow, oh = (pix / g.ow) % g.oh, n = pix / (g.ow * g.oh);
    db[j] += gr;
    float *dwj = dwt + j * K;
    if (dx) {
      const float *wj = wt + j * K;
      for_patch(g, n, oh, ow, [&](int64_t xo, int64_t po, int64_t len) {
        axpy(dwj + po, x + xo, gr, len);
        axpy(dx + xo, wj + po, gr, len);
      });
    } else {
      for_patch(g, n, oh, ow, [&](int64_t xo, int64_t po, int64_t len) { axpy(dwj + po, x + xo, gr, len); });
    }
  }
}

// convReluPoolGrad(dy, pooled, idx, x, filter, dfilter, dbias, dx|null, geom, poolGeom): the gradients
// of pooled = maxPool(relu(conv(x, filter) + bias)) for the upstream gradient dy.
static napi_value ConvReluPoolGrad(napi_env env, napi_callback_info info) {
  Args a;
  if (!mmc_args(env, info, 10, &a)) return NULL;
  size_t ly, lp, li, lx, lf, ldf, ldb, ldx = 0;
  const float *dy = mmc_f32(&a, 0, &ly), *pooled = mmc_f32(&a, 1, &lp);
  const int32_t *idx = mmc_i32(&a, 2, &li);
  const float *x = mmc_f32(&a, 3, &lx), *f = mmc_f32(&a, 4, &lf);
  float *df = mmc_f32(&a, 5, &ldf), *db = mmc_f32(&a, 6, &ldb), *dx = mmc_f32_opt(&a, 7, &ldx);
  Geom g, pg;
  if (a.failed || !read_geom(&a, 8, &g) || !read_geom(&a, 9, &pg)) return NULL;
  if (!pool_fits(g, pg)) MMC_THROW(env, "convReluPoolGrad: pool geometry does not fit the conv output");
  const int64_t P = pg.outSize(), K = g.K(), co = g.co;
  if ((size_t)P > ly || (size_t)P > lp || (size_t)P > li || (size_t)g.inSize() > lx || (size_t)(K * co) > lf || (size_t)(K * co) > ldf || (size_t)co > ldb ||
      (dx && (size_t)g.inSize() > ldx))
    MMC_THROW(env, "convReluPoolGrad: array too short");
  if (direct_stage_grad_run(dy, pooled, idx, x, f, df, db, dx, g, pg)) return NULL;
  // Filter gradient and filter both as co × K (one patch-shaped row per output channel).
  float *dwt = scratch(dwtBuf, (size_t)(K * co));
  memset(dwt, 0, sizeof(float) * (size_t)(K * co));
  memset(db, 0, sizeof(float) * (size_t)co);
  float *wt = NULL;
  if (dx) {
    memset(dx, 0, sizeof(float) * (size_t)g.inSize());
    wt = scratch(wtBuf, (size_t)(K * co));
    for (int64_t k = 0; k < K; k++)
      for (int64_t j = 0; j < co; j++) wt[j * K + k] = f[k * co + j];
  }
  stage_grad(dy, pooled, idx, x, wt, dwt, db, dx, g, P);
  for (int64_t k = 0; k < K; k++)
    for (int64_t j = 0; j < co; j++) df[k * co + j] = dwt[j * K + k];
  return NULL;
}

void mmc_register_conv(napi_env env, napi_value exports) {
  mmc_export(env, exports, "conv2d", Conv2D);
  mmc_export(env, exports, "conv2dFilterGrad", Conv2DFilterGrad);
  mmc_export(env, exports, "conv2dInputGrad", Conv2DInputGrad);
  mmc_export(env, exports, "maxPool", MaxPool);
  mmc_export(env, exports, "maxPoolGrad", MaxPoolGrad);
  mmc_export(env, exports, "convReluPool", ConvReluPool);
  mmc_export(env, exports, "convReluPoolGrad", ConvReluPoolGrad);
}
