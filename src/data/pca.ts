// MultiBench's avMNIST image degradation: remove a share of the pixel variance ("energy") by
// projecting every image onto the leading principal components of the training images.
// The covariance product runs on the tfjs backend (a 784² × n product is seconds in plain JS);
// the leading eigenvectors come from subspace iteration with Rayleigh–Ritz (ml-matrix on the
// small L × L problem), so a full 784 × 784 eigendecomposition (~6 s here) is only the fallback.
import * as tf from '@tensorflow/tfjs';
import { EigenvalueDecomposition, Matrix } from 'ml-matrix';
import { Rng } from '../core/rng.js';

export interface Pca {
  mean: Float64Array; // d
  values: Float64Array; // leading eigenvalues, descending
  vectors: Float64Array; // values.length × d, row i = eigenvector i
  total: number; // trace of the covariance: the whole variance
}

/** Covariance (d × d, float64) and mean of the rows of x (n × d). */
export function covariance(x: Float32Array, n: number, d: number): { mean: Float64Array; cov: Float64Array } {
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j] += x[i * d + j];
  for (let j = 0; j < d; j++) mean[j] /= n;
  const c = tf.tidy(() => {
    const xc = tf.sub(tf.tensor2d(x, [n, d]), tf.tensor2d(Float32Array.from(mean), [1, d]));
    return tf.div(tf.matMul(tf.transpose(xc), xc), n); // an explicit transpose: wasm's transposed matmul is ~10× slower
  });
  const cov = Float64Array.from(c.dataSync());
  c.dispose();
  return { mean, cov };
}

/** cov (d × d) · q (d × l), row-major, on the tfjs backend in float32 (iteration tolerates it). */
function symMul(cov: tf.Tensor2D, q: Float64Array, l: number): Float64Array {
  const d = cov.shape[0];
  const out = tf.tidy(() => tf.matMul(cov, tf.tensor2d(Float32Array.from(q), [d, l])));
  const r = Float64Array.from(out.dataSync());
  out.dispose();
  return r;
}

function orthonormalise(q: Float64Array, d: number, l: number): void {
  // Modified Gram–Schmidt on the columns of q (d × l), twice for stability.
  for (let pass = 0; pass < 2; pass++) {
    for (let j = 0; j < l; j++) {
      for (let p = 0; p < j; p++) {
        let dot = 0;
        for (let i = 0; i < d; i++) dot += q[i * l + j] * q[i * l + p];
        for (let i = 0; i < d; i++) q[i * l + j] -= dot * q[i * l + p];
      }
      let norm = 0;
      for (let i = 0; i < d; i++) norm += q[i * l + j] ** 2;
      norm = Math.sqrt(norm) || 1;
      for (let i = 0; i < d; i++) q[i * l + j] /= norm;
    }
  }
}

/** The `count` leading eigenpairs of a symmetric d × d matrix (subspace iteration; full EVD when count is large). */
export function leadingEigen(cov: Float64Array, d: number, count: number, seed = 0): { values: Float64Array; vectors: Float64Array } {
  if (count * 3 >= d) {
    const e = new EigenvalueDecomposition(new Matrix(Array.from({ length: d }, (_, i) => Array.from(cov.subarray(i * d, (i + 1) * d)))), { assumeSymmetric: true });
    const order = e.realEigenvalues.map((v, i) => [v, i]).sort((a, b) => b[0] - a[0]).slice(0, count);
    const V = e.eigenvectorMatrix;
    const vectors = new Float64Array(count * d);
    order.forEach(([, i], r) => {
      for (let k = 0; k < d; k++) vectors[r * d + k] = V.get(k, i);
    });
    return { values: Float64Array.from(order.map(([v]) => v)), vectors };
  }
  const l = Math.min(d, count + 16); // oversampling speeds convergence of the wanted pairs
  const rng = new Rng(seed);
  let q: Float64Array = Float64Array.from(rng.normals(d * l));
  orthonormalise(q, d, l);
  const c = tf.tensor2d(Float32Array.from(cov), [d, d]);
  for (let it = 0; it < 30; it++) {
    q = symMul(c, q, l);
    orthonormalise(q, d, l);
  }
  // Rayleigh–Ritz (in float64): eigenpairs of qᵀ C q, lifted back through q.
  c.dispose();
  const cq = new Float64Array(d * l);
  for (let i = 0; i < d; i++)
    for (let k = 0; k < d; k++) {
      const a = cov[i * d + k];
      for (let j = 0; j < l; j++) cq[i * l + j] += a * q[k * l + j];
    }
  const b = Array.from({ length: l }, (_, i) =>
    Array.from({ length: l }, (_, j) => {
      let s = 0;
      for (let k = 0; k < d; k++) s += q[k * l + i] * cq[k * l + j];
      return s;
    }),
  );
  const e = new EigenvalueDecomposition(new Matrix(b), { assumeSymmetric: true });
  const order = e.realEigenvalues.map((v, i) => [v, i]).sort((a, b2) => b2[0] - a[0]).slice(0, count);
  const W = e.eigenvectorMatrix;
  const vectors = new Float64Array(count * d);
  order.forEach(([, i], r) => {
    for (let k = 0; k < d; k++) {
      let s = 0;
      for (let j = 0; j < l; j++) s += q[k * l + j] * W.get(j, i);
      vectors[r * d + k] = s;
    }
  });
  return { values: Float64Array.from(order.map(([v]) => v)), vectors };
}

/**
 * Components to keep so that at least (1 − share) of the training variance remains, and the
 * images of every array rebuilt from them (in place). Returns how much variance was removed.
 */
export function removeEnergy(train: Float32Array, n: number, d: number, share: number, others: Float32Array[], seed = 0): { kept: number; removed: number } {
  if (share <= 0) return { kept: d, removed: 0 };
  const { mean, cov } = covariance(train, n, d);
  let total = 0;
  for (let i = 0; i < d; i++) total += cov[i * d + i];
  const want = (1 - share) * total;
  let count = Math.min(d, 32);
  for (;;) {
    const { values, vectors } = leadingEigen(cov, d, count, seed);
    let cum = 0;
    let k = 0;
    while (k < count && cum < want) cum += values[k++];
    if (cum >= want || count === d) {
      for (const x of [train, ...others]) project(x, d, mean, vectors.subarray(0, k * d), k);
      return { kept: k, removed: 1 - cum / total };
    }
    count = Math.min(d, count * 2);
  }
}

/** x ← μ + (x − μ) V Vᵀ for the k rows of V, on the tfjs backend. */
function project(x: Float32Array, d: number, mean: Float64Array, v: Float64Array, k: number): void {
  const n = x.length / d;
  const out = tf.tidy(() => {
    const mu = tf.tensor2d(Float32Array.from(mean), [1, d]);
    const V = tf.tensor2d(Float32Array.from(v), [k, d]);
    const xc = tf.sub(tf.tensor2d(x, [n, d]), mu);
    return tf.add(tf.matMul(tf.matMul(xc, V, false, true), V), mu);
  });
  x.set(out.dataSync() as Float32Array);
  out.dispose();
}
