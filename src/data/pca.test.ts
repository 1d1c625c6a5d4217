import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EigenvalueDecomposition, Matrix } from 'ml-matrix';
import { Rng } from '../core/rng.js';
import { selectBackend } from '../backend.js';
import { covariance, leadingEigen, removeEnergy } from './pca.js';

// Data with a known spectrum: independent coordinates with variances 16, 8, 4, 2, 1, 0.5, …
function spectrumData(n: number, d: number, seed: number): { x: Float32Array; variances: number[] } {
  const r = new Rng(seed);
  const variances = Array.from({ length: d }, (_, j) => 16 / 2 ** j);
  const x = new Float32Array(n * d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) x[i * d + j] = 3 + Math.sqrt(variances[j]) * r.normal();
  return { x, variances };
}

test('covariance matches a float64 computation by hand', async () => {
  await selectBackend('cpu');
  const x = Float32Array.from([1, 2, 3, 5, 5, 4, 7, 11]); // 4 rows × 2
  const { mean, cov } = covariance(x, 4, 2);
  assert.deepEqual(Array.from(mean), [4, 5.5]);
  // centred rows: (-3,-3.5) (-1,-0.5) (1,-1.5) (3,5.5); population covariance
  const c = [(9 + 1 + 1 + 9) / 4, (10.5 + 0.5 - 1.5 + 16.5) / 4, 0, (12.25 + 0.25 + 2.25 + 30.25) / 4];
  c[2] = c[1];
  cov.forEach((v, i) => assert.ok(Math.abs(v - c[i]) < 1e-5, `cov[${i}] ${v} vs ${c[i]}`));
});

test('subspace iteration finds the leading eigenpairs that a full decomposition finds', async () => {
  await selectBackend('cpu');
  const d = 60;
  const r = new Rng(5);
  const a = Matrix.from1DArray(d, d, Array.from(r.normals(d * d)));
  const s = a.mmul(a.transpose());
  const cov = Float64Array.from(s.to1DArray());
  const full = new EigenvalueDecomposition(s, { assumeSymmetric: true }).realEigenvalues.sort((p, q) => q - p);
  const { values, vectors } = leadingEigen(cov, d, 6, 1);
  for (let i = 0; i < 6; i++) {
    assert.ok(Math.abs(values[i] - full[i]) / full[i] < 1e-6, `λ${i} ${values[i]} vs ${full[i]}`);
    // C v = λ v
    const v = vectors.subarray(i * d, (i + 1) * d);
    const cv = s.mmul(Matrix.columnVector(Array.from(v))).to1DArray();
    const err = Math.sqrt(cv.reduce((acc, x, k) => acc + (x - values[i] * v[k]) ** 2, 0)) / values[i];
    assert.ok(err < 1e-4, `eigenvector ${i} residual ${err}`);
  }
});

test('removeEnergy keeps the fewest leading components holding (1 − share) of the variance', async () => {
  await selectBackend('cpu');
  const n = 4000;
  const d = 8;
  const { x, variances } = spectrumData(n, d, 2);
  const other = x.slice(0, 10 * d);
  const total = variances.reduce((a, b) => a + b, 0); // 31.875
  // keep ≥ 70 %: 16 / 31.875 = 50 %, + 8 → 75 %: two components
  const r = removeEnergy(x, n, d, 0.3, [other], 0);
  assert.equal(r.kept, 2);
  assert.ok(Math.abs(r.removed - (1 - 24 / total)) < 0.02, `removed ${r.removed}`);
  // What is left varies only along the two kept coordinates, about the same mean.
  const { cov, mean } = covariance(x, n, d);
  assert.ok(Math.abs(cov[0] - 16) < 1.2 && Math.abs(cov[d + 1] - 8) < 0.6, `kept variances ${cov[0]}, ${cov[d + 1]}`);
  for (let j = 2; j < d; j++) assert.ok(cov[j * d + j] < 0.05, `coordinate ${j} keeps variance ${cov[j * d + j]}`);
  for (let j = 0; j < d; j++) assert.ok(Math.abs(mean[j] - 3) < 0.2);
  // Validation rows are projected with the training basis: their removed coordinates sit at the training mean.
  for (let i = 0; i < 10; i++) for (let j = 2; j < d; j++) assert.ok(Math.abs(other[i * d + j] - 3) < 0.3);
  assert.deepEqual(removeEnergy(x, n, d, 0, [], 0), { kept: d, removed: 0 });
});
