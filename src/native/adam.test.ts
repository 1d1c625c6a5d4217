// The native AdamW kernel (MmcAdamStep, native/elementwise.cc) against the tensor-op Adam (fast
// ops off) on native and on cpu: same weights and moments after several steps with weight decay,
// per-parameter lrScale and a changing learning rate. Both are float32 arithmetic in a different
// order (the kernel multiplies by 1/c2, the tensor path divides by c2): a few ulps per step, so
// 1e-5 of |value| + the tensor's RMS after 8 steps.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { Adam, type AdamOptions } from '../core/adam.js';
import { setFastOps } from '../core/ops/dense.js';
import { Rng } from '../core/rng.js';
import { loadNative } from './addon.js';
import { countAddonCalls, nativeSkipReason, onNativeForThisFile } from './test-gate.js';

const skip = nativeSkipReason();
onNativeForThisFile(skip);

const SHAPES: Record<string, number[]> = { w: [7, 5], b: [5], psi: [3, 129], one: [1] };
const STEPS = 8;

/** Weights, m and v of every parameter after STEPS updates from one seed; and the kernel calls. */
async function run(backend: 'native' | 'cpu', fast: 'on' | 'off', o: AdamOptions) {
  await tf.setBackend(backend);
  setFastOps(fast);
  const rng = new Rng(17);
  const params = new Map(Object.entries(SHAPES).map(([name, shape]) => [name, tf.variable(tf.tensor(rng.normals(shape.reduce((a, b) => a * b, 1)), shape), true, `adam-native-${backend}-${fast}-${name}`)]));
  const opt = new Adam(params, o);
  let adamCalls = 0;
  for (let t = 0; t < STEPS; t++) {
    // Gradients of mixed scales (and an exactly zero one at step 3) stress the v and eps terms.
    const grads = Object.fromEntries([...params].map(([name, p]) => [p.name, tf.tensor(rng.normals(p.size, t === 3 && name === 'one' ? 0 : 10 ** (t % 3 - 1)), p.shape)]));
    const lr = 0.01 * (1 + t) ** -0.5;
    adamCalls += countAddonCalls(loadNative(1).addon, () => opt.apply(grads, lr)).calls.adam;
    tf.dispose(Object.values(grads));
  }
  const s = await opt.state();
  const out: Record<string, { p: Float32Array; m: Float32Array; v: Float32Array }> = {};
  for (const [name, p] of params) {
    const mo = s.moments.find((x) => x.name === name)!;
    out[name] = { p: (await p.data()) as Float32Array, m: mo.m, v: mo.v };
  }
  assert.equal(s.t, STEPS);
  tf.dispose([...params.values()]);
  opt.dispose();
  return { out, adamCalls };
}

function assertClose(got: Float32Array, want: Float32Array, rtol: number, what: string): void {
  assert.equal(got.length, want.length);
  const rms = Math.sqrt(want.reduce((s, x) => s + x * x, 0) / want.length);
  for (let i = 0; i < want.length; i++) assert.ok(Math.abs(got[i] - want[i]) <= rtol * (Math.abs(want[i]) + rms), `${what}[${i}]: ${got[i]} vs ${want[i]}`);
}

for (const [label, o] of [
  ['no weight decay', { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0 }],
  ['weight decay 0.01 and an lrScale of 0.1 on one parameter', { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01, lrScale: { psi: 0.1 } }],
  ['β 0.5 / 0.9, eps 1e-3, weight decay 0.1, lrScale 3', { beta1: 0.5, beta2: 0.9, eps: 1e-3, weightDecay: 0.1, lrScale: { w: 3, one: 0.5 } }],
] as [string, AdamOptions][]) {
  test(`native Adam kernel = tensor-op Adam on native and on cpu over ${STEPS} steps: ${label}`, { skip }, async () => {
    const fast = await run('native', 'on', o);
    assert.equal(fast.adamCalls, STEPS * Object.keys(SHAPES).length, 'one kernel call per parameter and step');
    const stockNative = await run('native', 'off', o);
    assert.equal(stockNative.adamCalls, 0);
    const stockCpu = await run('cpu', 'off', o);
    for (const name of Object.keys(SHAPES)) {
      for (const k of ['p', 'm', 'v'] as const) {
        assertClose(fast.out[name][k], stockCpu.out[name][k], 1e-5, `${name}.${k} kernel vs cpu`);
        assertClose(stockNative.out[name][k], stockCpu.out[name][k], 1e-5, `${name}.${k} tensor ops native vs cpu`);
      }
    }
    // The weights moved by more than the tolerance, so the comparison is not vacuous.
    const start = new Rng(17).normals(35);
    assert.ok(fast.out.w.p.some((x, i) => Math.abs(x - start[i]) > 1e-3));
  });
}
