#!/usr/bin/env node
// GFLOP/s of single-thread SGEMM for the MLP benchmark's shapes: mmc's addon (the OpenBLAS it
// loaded) beside numpy's (its bundled OpenBLAS), in one run. Usage: node scripts/gemm-gflops.mjs
// Needs the addon built (node scripts/build-native.mjs) and python3 with numpy.
import { spawnSync } from 'node:child_process';

const { loadNative } = await import('../dist/src/native/addon.js');
const { addon, info } = loadNative(1);
// [m, k, n, transA, transB]: forward 784→256 and 400→256, 256→128; the weight gradient (xᵀ·dz); the input gradient (dz·Wᵀ).
const SHAPES = [[128, 784, 256, false, false], [128, 400, 256, false, false], [128, 256, 128, false, false], [784, 128, 256, true, false], [128, 128, 256, false, true]];
const REPS = 300;
const rows = [];
for (const [m, k, n, ta, tb] of SHAPES) {
  const a = Float32Array.from({ length: m * k }, (_, i) => ((i * 7919) % 1000) / 1000);
  const b = Float32Array.from({ length: k * n }, (_, i) => ((i * 104729) % 1000) / 1000);
  const c = new Float32Array(m * n);
  for (let i = 0; i < 20; i++) addon.gemm(ta, tb, m, n, k, a, b, c, 1, 0, 0, 0, false);
  const t0 = performance.now();
  for (let i = 0; i < REPS; i++) addon.gemm(ta, tb, m, n, k, a, b, c, 1, 0, 0, 0, false);
  const ms = (performance.now() - t0) / REPS;
  rows.push({ shape: `${m}×${k}·${k}×${n}${ta ? ' (Aᵀ)' : ''}${tb ? ' (Bᵀ)' : ''}`, mmc_gflops: +((2 * m * n * k) / ms / 1e6).toFixed(1) });
}
const py = `
import json, time, numpy as np
out = []
for m, k, n, ta, tb in ${JSON.stringify(SHAPES).replace(/false/g, 'False').replace(/true/g, 'True')}:
    a = np.ones((k, m), np.float32).T if ta else np.ones((m, k), np.float32)
    b = np.ones((n, k), np.float32).T if tb else np.ones((k, n), np.float32)
    for _ in range(20): a @ b
    t = time.perf_counter()
    for _ in range(${REPS}): a @ b
    ms = (time.perf_counter() - t) / ${REPS} * 1e3
    out.append(round(2 * m * n * k / ms / 1e6, 1))
print(json.dumps(out))`;
const r = spawnSync('python3', ['-c', py], { encoding: 'utf8', env: { ...process.env, OPENBLAS_NUM_THREADS: '1' } });
const numpy = r.status === 0 ? JSON.parse(r.stdout) : [];
rows.forEach((row, i) => (row.numpy_gflops = numpy[i] ?? null));
console.log(JSON.stringify({ blas: info.blas_config, core: info.blas_core, rows }, null, 1));
