// Loss gradients of a small FusionModel (MLP encoders, concat fusion) on the native backend:
// - against float64 central finite differences of an independent float64 implementation of the
//   same network (step 1e-6: truncation error ~1e-12, rounding ~1e-10, far below float32's);
// - against tfjs's cpu backend with stock autodiff, for every parameter, with mmc's fast ops on
//   (the native dense backward pass: transposed GEMMs, MmcReluGrad) and off (stock autodiff over the
//   native kernels).
// Tolerance 1e-4 of |g| + the RMS of that parameter's gradient. The float32 forward and backward
// passes round at each of ~10 chained ops, with sums of at most 16 terms: the error is a few 1e-7 of
// the gradient's scale, so 1e-4 leaves room for ill-conditioned entries while a wrong transpose,
// a wrong broadcast or a lost batch row (errors of order 1) cannot pass.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { softmaxCrossEntropy } from '../core/losses.js';
import { FusionModel, type ModelSpec } from '../core/model.js';
import { setFastOps } from '../core/ops/dense.js';
import { Rng } from '../core/rng.js';
import { loadNative } from './addon.js';
import { countAddonCalls, nativeSkipReason, onNativeForThisFile } from './test-gate.js';

const skip = nativeSkipReason();
onNativeForThisFile(skip);

const INPUTS = { a: 5, b: 3 };
const SPEC: ModelSpec = {
  modalities: Object.entries(INPUTS).map(([name, inputDim]) => ({ name, inputDim, encoder: { type: 'mlp' as const, hidden: [6], outDim: 4 } })),
  numClasses: 3,
  fusion: { type: 'concat', hidden: [5] },
};
const N = 16;

interface Problem {
  weights: { name: string; shape: number[]; data: Float32Array }[];
  xs: Record<string, Float32Array>;
  y: number[];
}

/** Weights (biases drawn too, so no pre-activation sits on ReLU's kink) and a batch, from one seed. */
async function problem(seed: number): Promise<Problem> {
  const rng = new Rng(seed);
  await tf.setBackend('cpu');
  const model = new FusionModel(SPEC, rng.fork());
  const weights = (await model.weightValues()).map((w) => (w.name.endsWith('bias') ? { ...w, data: rng.normals(w.data.length, 0.3) } : w));
  model.dispose();
  const xs = Object.fromEntries(Object.entries(INPUTS).map(([m, d]) => [m, rng.normals(N * d)]));
  const y = Array.from({ length: N }, () => rng.int(SPEC.numClasses));
  return { weights, xs, y };
}

/** Loss and every parameter's gradient (by parameter name) on a backend, with fast ops on or off. */
async function lossAndGrads(p: Problem, backend: 'cpu' | 'native', fast: 'on' | 'off') {
  await tf.setBackend(backend);
  setFastOps(fast);
  const model = new FusionModel(SPEC, new Rng(0));
  model.setWeights(p.weights);
  const xs = Object.fromEntries(Object.entries(INPUTS).map(([m, d]) => [m, tf.tensor2d(p.xs[m], [N, d])])) as Record<string, tf.Tensor2D>;
  const y = tf.tensor1d(p.y, 'int32');
  const { value, grads } = tf.variableGrads(() => softmaxCrossEntropy(model.forward(xs).logits, y), model.trainable);
  const out: Record<string, Float32Array> = {};
  for (const [name, v] of model.params) out[name] = grads[v.name].dataSync() as Float32Array;
  const loss = value.dataSync()[0];
  tf.dispose([value, ...Object.values(grads), ...Object.values(xs), y]);
  model.dispose();
  return { loss, grads: out };
}

// ---- The same network in float64 (enc/<m>/dense0,1 ReLU → concat → head/dense0 ReLU → head/out). ----
type W = Map<string, { shape: number[]; data: Float64Array }>;
function dense(W: W, prefix: string, x: number[], relu: boolean): number[] {
  const k = W.get(`${prefix}/kernel`)!;
  const b = W.get(`${prefix}/bias`)!.data;
  const [n, m] = k.shape;
  const out: number[] = [];
  for (let j = 0; j < m; j++) {
    let s = b[j];
    for (let i = 0; i < n; i++) s += x[i] * k.data[i * m + j];
    out.push(relu ? Math.max(0, s) : s);
  }
  return out;
}
function lossF64(W: W, p: Problem): number {
  let total = 0;
  for (let r = 0; r < N; r++) {
    const feats = Object.entries(INPUTS).flatMap(([m, d]) => dense(W, `enc/${m}/dense1`, dense(W, `enc/${m}/dense0`, Array.from(p.xs[m].subarray(r * d, (r + 1) * d)), true), true));
    const logits = dense(W, 'head/out', dense(W, 'head/dense0', feats, true), false);
    const mx = Math.max(...logits);
    total += mx + Math.log(logits.reduce((s, v) => s + Math.exp(v - mx), 0)) - logits[p.y[r]];
  }
  return total / N;
}

/** |got − want| ≤ rtol·(|want| + RMS(want)) elementwise; returns the worst ratio to the bound. */
function assertClose(got: ArrayLike<number>, want: ArrayLike<number>, rtol: number, what: string): number {
  assert.equal(got.length, want.length, what);
  let ss = 0;
  for (let i = 0; i < want.length; i++) ss += want[i] * want[i];
  const rms = Math.sqrt(ss / Math.max(want.length, 1));
  let worst = 0;
  for (let i = 0; i < want.length; i++) {
    const bound = rtol * (Math.abs(want[i]) + rms) + 1e-12;
    worst = Math.max(worst, Math.abs(got[i] - want[i]) / bound);
    assert.ok(Math.abs(got[i] - want[i]) <= bound, `${what}[${i}]: ${got[i]} vs ${want[i]} (rms ${rms})`);
  }
  return worst;
}

test('native gradients (fast ops on) equal float64 central finite differences, every parameter', { skip }, async (t) => {
  let worst = 0;
  for (const seed of [1, 2]) {
    const p = await problem(seed);
    const { addon } = loadNative(1);
    let got!: Awaited<ReturnType<typeof lossAndGrads>>;
    await tf.setBackend('native');
    setFastOps('on');
    // The run itself is synchronous once the backend is set; count its addon calls.
    const { calls } = countAddonCalls(addon, () => {
      const model = new FusionModel(SPEC, new Rng(0));
      model.setWeights(p.weights);
      const xs = Object.fromEntries(Object.entries(INPUTS).map(([m, d]) => [m, tf.tensor2d(p.xs[m], [N, d])])) as Record<string, tf.Tensor2D>;
      const y = tf.tensor1d(p.y, 'int32');
      const { value, grads } = tf.variableGrads(() => softmaxCrossEntropy(model.forward(xs).logits, y), model.trainable);
      const out: Record<string, Float32Array> = {};
      for (const [name, v] of model.params) out[name] = grads[v.name].dataSync() as Float32Array;
      got = { loss: value.dataSync()[0], grads: out };
      tf.dispose([value, ...Object.values(grads), ...Object.values(xs), y]);
      model.dispose();
    });
    assert.ok(calls.gemm >= 6 && calls.denseGrad >= 6 && calls.biasAct >= 6, `the native kernels ran: ${JSON.stringify(calls)}`);

    const W: W = new Map(p.weights.map((w) => [w.name, { shape: w.shape, data: Float64Array.from(w.data) }]));
    const loss0 = lossF64(W, p);
    assert.ok(Math.abs(got.loss - loss0) < 1e-5 * Math.abs(loss0) + 1e-6, `loss ${got.loss} vs float64 ${loss0}`);
    const h = 1e-6;
    let checked = 0;
    for (const [name, w] of W) {
      const fd = new Float64Array(w.data.length);
      for (let i = 0; i < w.data.length; i++) {
        const x0 = w.data[i];
        w.data[i] = x0 + h;
        const up = lossF64(W, p);
        w.data[i] = x0 - h;
        const down = lossF64(W, p);
        w.data[i] = x0;
        fd[i] = (up - down) / (2 * h);
      }
      worst = Math.max(worst, assertClose(got.grads[name], fd, 1e-4, `seed ${seed} ${name}`));
      checked += fd.length;
    }
    assert.equal(checked, p.weights.reduce((s, w) => s + w.data.length, 0));
  }
  t.diagnostic(`largest error: ${worst.toFixed(4)} of the bound`);
});

test('native autodiff (fast ops on and off) equals cpu stock autodiff for every parameter', { skip }, async (t) => {
  let worst = 0;
  for (const seed of [3, 4]) {
    const p = await problem(seed);
    const cpu = await lossAndGrads(p, 'cpu', 'off');
    for (const fast of ['on', 'off'] as const) {
      const nat = await lossAndGrads(p, 'native', fast);
      assert.ok(Math.abs(nat.loss - cpu.loss) <= 1e-5 * Math.abs(cpu.loss), `seed ${seed} fast ${fast}: loss ${nat.loss} vs cpu ${cpu.loss}`);
      assert.deepEqual(Object.keys(nat.grads), Object.keys(cpu.grads));
      for (const name of Object.keys(cpu.grads)) worst = Math.max(worst, assertClose(nat.grads[name], cpu.grads[name], 1e-4, `seed ${seed} fast ${fast} ${name}`));
    }
  }
  t.diagnostic(`largest difference: ${worst.toFixed(4)} of the bound`);
});
