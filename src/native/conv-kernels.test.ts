// The native conv and max-pool kernels against tfjs's cpu backend (an independent implementation),
// on seeded random shapes including odd sizes, strides, both paddings and max-pool ties; and the
// gradients of mmc's convRelu + maxPool path on native against cpu autodiff.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { convRelu, convReluPool, maxPool } from '../core/ops/conv.js';
import { CONV_RELU_POOL_GRAD_KERNEL, CONV_RELU_POOL_KERNEL, backendHas } from '../core/ops/kernel-names.js';
import { setFastOps } from '../core/ops/dense.js';
import { Rng } from '../core/rng.js';
import { loadNative, NativeUnavailable } from './addon.js';
import { NATIVE_BACKEND, registerNativeBackend } from './backend.js';

// Without the addon or OpenBLAS the file is skipped, unless CI demands the native path.
let skip: string | false = false;
try {
  registerNativeBackend(loadNative(1).addon);
} catch (e) {
  if (!(e instanceof NativeUnavailable) || process.env.MMC_REQUIRE_NATIVE === '1') throw e;
  skip = `native backend unavailable (${e.message}); set MMC_REQUIRE_NATIVE=1 to make this a failure`;
}

after(() => setFastOps('auto'));

function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string, tol = 1e-4): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  let scale = 0;
  for (let i = 0; i < expected.length; i++) scale = Math.max(scale, Math.abs(expected[i]));
  for (let i = 0; i < expected.length; i++) {
    const d = Math.abs(actual[i] - expected[i]);
    assert.ok(d <= tol * (Math.abs(expected[i]) + scale * 1e-2 + 1e-6), `${what}: element ${i} is ${actual[i]}, cpu says ${expected[i]}`);
  }
}

/** Runs one kernel on the backend with the given input values; returns its output's values and shape. */
async function run(backend: string, kernel: string, inputs: Record<string, { shape: number[]; values: Float32Array }>, attrs: object) {
  await tf.setBackend(backend);
  const ts = Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, tf.tensor(v.values, v.shape, 'float32')]));
  const out = tf.engine().runKernel(kernel, ts, attrs as unknown as tf.NamedAttrMap) as tf.Tensor;
  const r = { shape: out.shape, values: (await out.data()) as Float32Array };
  tf.dispose([out, ...Object.values(ts)]);
  return r;
}

async function sameOnBoth(kernel: string, inputs: Record<string, { shape: number[]; values: Float32Array }>, attrs: object, what: string) {
  const native = await run(NATIVE_BACKEND, kernel, inputs, attrs);
  const cpu = await run('cpu', kernel, inputs, attrs);
  assert.deepEqual(native.shape, cpu.shape, `${what}: shape`);
  assertClose(native.values, cpu.values, what);
}

interface Case {
  n: number;
  h: number;
  w: number;
  c: number;
  k: [number, number];
  co: number;
  stride: number;
  pad: 'same' | 'valid' | [[number, number], [number, number], [number, number], [number, number]];
  dilation?: number;
}

const cases: Case[] = [
  { n: 1, h: 7, w: 5, c: 3, k: [3, 3], co: 2, stride: 1, pad: 'same' },
  { n: 2, h: 7, w: 5, c: 3, k: [4, 4], co: 5, stride: 2, pad: 'same' },
  { n: 3, h: 7, w: 5, c: 3, k: [3, 4], co: 4, stride: 2, pad: 'valid' },
  { n: 1, h: 9, w: 8, c: 1, k: [5, 5], co: 6, stride: 1, pad: 'same' },
  { n: 2, h: 6, w: 7, c: 2, k: [4, 3], co: 3, stride: 1, pad: 'valid' },
  { n: 2, h: 6, w: 6, c: 2, k: [3, 3], co: 3, stride: 3, pad: [[0, 0], [2, 1], [0, 2], [0, 0]] },
  { n: 64, h: 14, w: 14, c: 6, k: [5, 5], co: 16, stride: 1, pad: 'same' }, // several GEMM blocks
  { n: 2, h: 9, w: 7, c: 2, k: [3, 3], co: 3, stride: 1, pad: 'same', dilation: 2 },
];

const values = (rng: Rng, n: number) => rng.normals(n);
const label = (c: Case) => `${c.n}×${c.h}×${c.w}×${c.c} k${c.k.join('×')}→${c.co} s${c.stride} ${JSON.stringify(c.pad)}${c.dilation ? ` d${c.dilation}` : ''}`;

test('Conv2D and FusedConv2D (bias, relu/linear) match the cpu backend', { skip }, async () => {
  const rng = new Rng(11);
  for (const c of cases) {
    const x = { shape: [c.n, c.h, c.w, c.c], values: values(rng, c.n * c.h * c.w * c.c) };
    const filter = { shape: [...c.k, c.c, c.co], values: values(rng, c.k[0] * c.k[1] * c.c * c.co) };
    const bias = { shape: [c.co], values: values(rng, c.co) };
    const attrs = { strides: c.stride, pad: c.pad, dataFormat: 'NHWC', dilations: c.dilation ?? 1, dimRoundingMode: undefined };
    await sameOnBoth('Conv2D', { x, filter }, attrs, `Conv2D ${label(c)}`);
    for (const activation of ['relu', 'linear']) await sameOnBoth('FusedConv2D', { x, filter, bias }, { ...attrs, activation, leakyreluAlpha: 0 }, `FusedConv2D ${activation} ${label(c)}`);
  }
});

test('Conv2DBackpropFilter and Conv2DBackpropInput match the cpu backend', { skip }, async () => {
  const rng = new Rng(12);
  for (const c of cases.filter((c) => !c.dilation)) {
    const xShape = [c.n, c.h, c.w, c.c] as [number, number, number, number];
    const filterShape = [...c.k, c.c, c.co] as [number, number, number, number];
    const info = tf.backend_util.computeConv2DInfo(xShape, filterShape, c.stride, 1, c.pad);
    const x = { shape: xShape, values: values(rng, tf.util.sizeFromShape(xShape)) };
    const dy = { shape: info.outShape, values: values(rng, tf.util.sizeFromShape(info.outShape)) };
    const filter = { shape: filterShape, values: values(rng, tf.util.sizeFromShape(filterShape)) };
    const attrs = { strides: c.stride, pad: c.pad, dataFormat: 'NHWC', dimRoundingMode: undefined };
    await sameOnBoth('Conv2DBackpropFilter', { x, dy }, { ...attrs, filterShape }, `Conv2DBackpropFilter ${label(c)}`);
    await sameOnBoth('Conv2DBackpropInput', { dy, filter }, { ...attrs, inputShape: xShape }, `Conv2DBackpropInput ${label(c)}`);
  }
});

test('MaxPool and MaxPoolGrad match the cpu backend, ties included', { skip }, async () => {
  const rng = new Rng(13);
  const pools: { n: number; h: number; w: number; c: number; f: number | [number, number]; s: number; pad: 'same' | 'valid' }[] = [
    { n: 1, h: 7, w: 5, c: 3, f: 2, s: 2, pad: 'valid' },
    { n: 2, h: 7, w: 5, c: 3, f: 2, s: 2, pad: 'same' },
    { n: 2, h: 7, w: 6, c: 2, f: 3, s: 2, pad: 'same' }, // overlapping windows
    { n: 2, h: 8, w: 8, c: 4, f: [3, 2], s: 1, pad: 'valid' },
    { n: 3, h: 28, w: 28, c: 6, f: 2, s: 2, pad: 'valid' },
  ];
  for (const p of pools) {
    const shape = [p.n, p.h, p.w, p.c];
    const size = tf.util.sizeFromShape(shape);
    // Small integers: most windows hold tied maxima, so the first-maximum rule is exercised.
    const tied = Float32Array.from({ length: size }, () => rng.int(3));
    for (const x of [tied, values(rng, size)]) {
      const attrs = { filterSize: p.f, strides: p.s, pad: p.pad, dimRoundingMode: undefined };
      const what = `${JSON.stringify(p)} ${x === tied ? 'ties' : 'random'}`;
      await sameOnBoth('MaxPool', { x: { shape, values: x } }, attrs, `MaxPool ${what}`);
      const out = await run('cpu', 'MaxPool', { x: { shape, values: x } }, attrs);
      const dy = { shape: out.shape, values: values(rng, out.values.length) };
      await sameOnBoth('MaxPoolGrad', { dy, input: { shape, values: x }, output: out }, attrs, `MaxPoolGrad ${what}`);
    }
  }
});

/** Loss Σ r·maxPool(convRelu(convRelu(x))) and its gradients, on one backend. */
async function pathGrads(backend: string, seed: number) {
  await tf.setBackend(backend);
  const rng = new Rng(seed);
  const x = tf.tensor4d(rng.normals(2 * 8 * 6 * 2), [2, 8, 6, 2]);
  const w1 = tf.variable(tf.tensor4d(rng.normals(3 * 3 * 2 * 3, 0.5), [3, 3, 2, 3]));
  const b1 = tf.variable(tf.tensor1d(rng.normals(3, 0.2)));
  const w2 = tf.variable(tf.tensor4d(rng.normals(5 * 5 * 3 * 4, 0.3), [5, 5, 3, 4]));
  const b2 = tf.variable(tf.tensor1d(rng.normals(4, 0.2)));
  const r = tf.tensor4d(rng.normals(2 * 4 * 3 * 4), [2, 4, 3, 4]);
  const loss = () => tf.sum(tf.mul(maxPool(convRelu(convRelu(x, w1, b1, false), w2, b2), 2), r)) as tf.Scalar;
  const { value, grads } = tf.variableGrads(loss, [w1, b1, w2, b2]);
  const out = { loss: (await value.data())[0], grads: await Promise.all([w1, b1, w2, b2].map(async (v) => (await grads[v.name].data()) as Float32Array)) };
  tf.dispose([value, ...Object.values(grads), x, w1, b1, w2, b2, r]);
  return out;
}

test('convRelu + maxPool gradients on native equal cpu autodiff', { skip }, async () => {
  setFastOps('auto'); // native: fused kernel, custom gradients; cpu: stock ops and autodiff
  const native = await pathGrads(NATIVE_BACKEND, 21);
  const cpu = await pathGrads('cpu', 21);
  assert.ok(Math.abs(native.loss - cpu.loss) <= 1e-4 * Math.abs(cpu.loss) + 1e-5, `loss ${native.loss} vs ${cpu.loss}`);
  ['w1', 'b1', 'w2', 'b2'].forEach((name, i) => assertClose(native.grads[i], cpu.grads[i], `d${name}`, 1e-3));
});

test('a native conv training step leaks no tensors', { skip }, async () => {
  await tf.setBackend(NATIVE_BACKEND);
  const rng = new Rng(5);
  const x = tf.tensor4d(rng.normals(4 * 12 * 12 * 2), [4, 12, 12, 2]);
  const w = tf.variable(tf.tensor4d(rng.normals(3 * 3 * 2 * 4), [3, 3, 2, 4]));
  const b = tf.variable(tf.tensor1d(new Float32Array(4)));
  const step = () => {
    const { value, grads } = tf.variableGrads(() => tf.sum(maxPool(convRelu(x, w, b, true), 2)) as tf.Scalar, [w, b]);
    tf.dispose([value, ...Object.values(grads)]);
  };
  step();
  const start = tf.memory().numTensors;
  for (let i = 0; i < 5; i++) step();
  assert.equal(tf.memory().numTensors, start);
  tf.dispose([x, w, b]);
});

// The fused conv stage, convReluPool (native: MmcConvReluPool + MmcConvReluPoolGrad), against the
// unfused convRelu + maxPool on native and against cpu autodiff.

interface StageCase {
  what: string;
  n: number;
  h: number;
  w: number;
  c: number;
  k: number;
  co: [number, number]; // output channels of the two stages
  pool: number;
  ties?: boolean; // small integers everywhere: tied conv outputs in most windows
}

const stageCases: StageCase[] = [
  { what: 'LeNet-like', n: 3, h: 12, w: 12, c: 1, k: 5, co: [6, 16], pool: 2 },
  { what: 'odd 7×5, pool 2 floors', n: 2, h: 7, w: 5, c: 2, k: 3, co: [3, 4], pool: 2 },
  { what: 'batch 1, pool 3 floors', n: 1, h: 11, w: 10, c: 3, k: 4, co: [5, 2], pool: 3 },
  { what: 'ties', n: 2, h: 10, w: 9, c: 2, k: 3, co: [4, 3], pool: 2, ties: true },
  { what: '9 and 40 channels (direct kernel with 2 vectors; generic im2col path past 32)', n: 2, h: 8, w: 6, c: 2, k: 3, co: [9, 40], pool: 2 },
  { what: 'ties, 17 channels, pool 3', n: 1, h: 9, w: 9, c: 1, k: 5, co: [17, 2], pool: 3, ties: true },
];

/** Σ r·stage2(stage1(x)) on one backend, fused (convReluPool) or not; its value and gradients (x, w1, b1, w2, b2). */
async function stageGrads(backend: string, fused: boolean, sc: StageCase, seed: number) {
  await tf.setBackend(backend);
  const rng = new Rng(seed);
  const gen = (n: number, std: number, ints: number) => (sc.ties ? Float32Array.from({ length: n }, () => rng.int(ints) - (ints >> 1)) : rng.normals(n, std));
  const x = tf.variable(tf.tensor4d(sc.ties ? Float32Array.from({ length: sc.n * sc.h * sc.w * sc.c }, () => rng.int(3)) : rng.normals(sc.n * sc.h * sc.w * sc.c), [sc.n, sc.h, sc.w, sc.c]));
  const w1 = tf.variable(tf.tensor4d(gen(sc.k * sc.k * sc.c * sc.co[0], 0.5, 3), [sc.k, sc.k, sc.c, sc.co[0]]));
  const b1 = tf.variable(tf.tensor1d(gen(sc.co[0], 0.2, 3)));
  const w2 = tf.variable(tf.tensor4d(gen(sc.k * sc.k * sc.co[0] * sc.co[1], 0.3, 3), [sc.k, sc.k, sc.co[0], sc.co[1]]));
  const b2 = tf.variable(tf.tensor1d(gen(sc.co[1], 0.2, 3)));
  const stage = (h: tf.Tensor4D, w: tf.Tensor4D, b: tf.Tensor1D, inputGrad: boolean) => (fused ? convReluPool(h, w, b, sc.pool, inputGrad) : maxPool(convRelu(h, w, b, inputGrad), sc.pool));
  const h1 = Math.floor(sc.h / sc.pool), w1o = Math.floor(sc.w / sc.pool);
  const outShape = [sc.n, Math.floor(h1 / sc.pool), Math.floor(w1o / sc.pool), sc.co[1]];
  const r = tf.tensor(rng.normals(tf.util.sizeFromShape(outShape)), outShape);
  const vars = [x, w1, b1, w2, b2];
  // The first stage takes an input gradient too, so dx is checked (the model's first layer skips it).
  const loss = () => tf.sum(tf.mul(stage(stage(x, w1, b1, true), w2, b2, true), r)) as tf.Scalar;
  const { value, grads } = tf.variableGrads(loss, vars);
  const out = { loss: (await value.data())[0], grads: await Promise.all(vars.map(async (v) => (await grads[v.name].data()) as Float32Array)) };
  tf.dispose([value, ...Object.values(grads), ...vars, r]);
  return out;
}

test('the native backend has the fused conv-stage kernels', { skip }, async () => {
  await tf.setBackend(NATIVE_BACKEND);
  assert.ok(backendHas(CONV_RELU_POOL_KERNEL) && backendHas(CONV_RELU_POOL_GRAD_KERNEL));
});

for (const sc of stageCases) {
  test(`convReluPool (fused) equals convRelu + maxPool on native and cpu autodiff: ${sc.what}`, { skip }, async () => {
    setFastOps('auto');
    const fused = await stageGrads(NATIVE_BACKEND, true, sc, 31);
    const unfused = await stageGrads(NATIVE_BACKEND, false, sc, 31);
    const cpu = await stageGrads('cpu', true, sc, 31); // cpu has no fused kernel: stock ops, autodiff
    for (const [ref, name, tol] of [[unfused, 'native unfused', 1e-5], [cpu, 'cpu', 1e-4]] as const) {
      assert.ok(Math.abs(fused.loss - ref.loss) <= tol * Math.abs(ref.loss) + 1e-5, `${sc.what}: loss ${fused.loss} vs ${name} ${ref.loss}`);
      ['x', 'w1', 'b1', 'w2', 'b2'].forEach((v, i) => assertClose(fused.grads[i], ref.grads[i], `${sc.what}: d${v} vs ${name}`, tol * 10));
    }
  });
}

test('convReluPool on the generic (im2col + OpenBLAS) path equals the unfused path too', { skip }, async () => {
  // MMC_NO_DIRECT_CONV is read by the addon at each call: here it turns the AVX2 kernels off.
  setFastOps('auto');
  process.env.MMC_NO_DIRECT_CONV = '1';
  try {
    for (const sc of stageCases.filter((c) => c.ties || c.what === 'LeNet-like')) {
      const fused = await stageGrads(NATIVE_BACKEND, true, sc, 32);
      const unfused = await stageGrads(NATIVE_BACKEND, false, sc, 32);
      assert.ok(Math.abs(fused.loss - unfused.loss) <= 1e-5 * Math.abs(unfused.loss) + 1e-5, `${sc.what}: loss ${fused.loss} vs ${unfused.loss}`);
      ['x', 'w1', 'b1', 'w2', 'b2'].forEach((v, i) => assertClose(fused.grads[i], unfused.grads[i], `${sc.what} (generic): d${v}`, 1e-4));
    }
  } finally {
    delete process.env.MMC_NO_DIRECT_CONV;
  }
});

test('MmcConvReluPool: pooled values and first-maximum argmax, ties included', { skip }, async () => {
  await tf.setBackend(NATIVE_BACKEND);
  const rng = new Rng(41);
  for (const [n, h, w, c, co, p] of [[2, 7, 5, 2, 3, 2], [1, 9, 8, 1, 6, 3]]) {
    const x = tf.tensor4d(Float32Array.from({ length: n * h * w * c }, () => rng.int(3)), [n, h, w, c]);
    const f = tf.tensor4d(Float32Array.from({ length: 9 * c * co }, () => rng.int(3) - 1), [3, 3, c, co]);
    const b = tf.tensor1d(Float32Array.from({ length: co }, () => rng.int(3) - 1));
    const attrs = { strides: [1, 1], pad: 'same', dataFormat: 'NHWC', dilations: [1, 1], dimRoundingMode: undefined, poolSize: p, poolStrides: p, poolPad: 'valid' };
    const [pooled, idx] = tf.engine().runKernel(CONV_RELU_POOL_KERNEL, { x, filter: f, bias: b }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor[];
    const y = tf.fused.conv2d({ x, filter: f, bias: b, strides: 1, pad: 'same', activation: 'relu' });
    const ref = tf.maxPool(y, p, p, 'valid');
    assert.deepEqual(pooled.shape, ref.shape);
    assert.equal(idx.dtype, 'int32');
    const [pv, iv, yv, rv] = [await pooled.data(), await idx.data(), await y.data(), await ref.data()];
    assert.deepEqual(Array.from(pv), Array.from(rv));
    const [, oh, ow] = ref.shape;
    for (let o = 0; o < pv.length; o++) {
      // The first maximum of the window in row-major order.
      const j = o % co, px = Math.floor(o / co), q = px % ow, r = Math.floor(px / ow) % oh, m = Math.floor(px / (ow * oh));
      let first = -1;
      for (let dr = 0; dr < p && first < 0; dr++)
        for (let dq = 0; dq < p && first < 0; dq++) {
          const at = (((m * h + r * p + dr) * w + q * p + dq) * co) + j;
          if (yv[at] === pv[o]) first = at;
        }
      assert.equal(iv[o], first, `window ${o}`);
    }
    tf.dispose([x, f, b, pooled, idx, y, ref]);
  }
});

test('a fused native conv-stage training step leaks no tensors', { skip }, async () => {
  await tf.setBackend(NATIVE_BACKEND);
  setFastOps('auto');
  const rng = new Rng(6);
  const x = tf.tensor4d(rng.normals(4 * 12 * 12 * 2), [4, 12, 12, 2]);
  const w = tf.variable(tf.tensor4d(rng.normals(3 * 3 * 2 * 4), [3, 3, 2, 4]));
  const b = tf.variable(tf.tensor1d(new Float32Array(4)));
  for (const inputGrad of [false, true]) {
    const step = () => {
      const { value, grads } = tf.variableGrads(() => tf.sum(convReluPool(x, w, b, 2, inputGrad)) as tf.Scalar, [w, b]);
      tf.dispose([value, ...Object.values(grads)]);
    };
    step();
    const start = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) step();
    assert.equal(tf.memory().numTensors, start);
    tf.dispose(tf.tidy(() => convReluPool(x, w, b, 2, inputGrad))); // inference: no tape
    assert.equal(tf.memory().numTensors, start);
  }
  tf.dispose([x, w, b]);
});
