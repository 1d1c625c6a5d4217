// Rank of a representation: singular values of the centred N × d matrix (ml-matrix's SVD),
// numerical rank (σ_k > τ·σ_max) and effective rank exp(H(p)), p_k = σ_k / Σσ.
import { Matrix, SingularValueDecomposition } from 'ml-matrix';

export interface RankReport {
  singular_values: number[];
  numerical_rank: number;
  effective_rank: number;
  tau: number;
  dims: [number, number];
}

/** Rows of a row-major Float32Array (n × d) minus their column means, as a float64 matrix. */
export function centred(data: ArrayLike<number>, n: number, d: number): Matrix {
  const m = new Matrix(n, d);
  for (let j = 0; j < d; j++) {
    let mean = 0;
    for (let i = 0; i < n; i++) mean += data[i * d + j];
    mean /= n;
    for (let i = 0; i < n; i++) m.set(i, j, data[i * d + j] - mean);
  }
  return m;
}

export function singularValues(m: Matrix): number[] {
  // The SVD of the smaller Gram side is enough for singular values; ml-matrix handles n < d by
  // transposing internally (autoTranspose).
  const svd = new SingularValueDecomposition(m, { computeLeftSingularVectors: false, computeRightSingularVectors: false, autoTranspose: true });
  return Array.from(svd.diagonal).sort((a, b) => b - a);
}

export function numericalRank(sv: number[], tau: number): number {
  if (sv.length === 0 || sv[0] <= 0) return 0;
  return sv.filter((s) => s > tau * sv[0]).length;
}

export function effectiveRank(sv: number[]): number {
  const total = sv.reduce((a, b) => a + b, 0);
  if (total <= 0) return 0;
  let h = 0;
  for (const s of sv) {
    const p = s / total;
    if (p > 0) h -= p * Math.log(p);
  }
  return Math.exp(h);
}

export function rankReport(data: ArrayLike<number>, n: number, d: number, tau = 1e-3): RankReport {
  const sv = singularValues(centred(data, n, d));
  return { singular_values: sv, numerical_rank: numericalRank(sv, tau), effective_rank: effectiveRank(sv), tau, dims: [n, d] };
}
