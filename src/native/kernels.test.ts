// The native backend's kernels against tfjs's cpu backend: each op runs under 'cpu' and under
// 'native' on the same seeded random inputs, and the native run is checked to have called the addon
// (or, for the forms it leaves to tfjs, not to have). Elementwise float32 arithmetic (+ − × ÷ √,
// square, neg, relu, step, slice, split) must be bit-identical: the cpu kernels compute in float64
// and round once, which for these operations gives the correctly rounded float32 result, as C's float
// arithmetic does. exp and log: within 1e-6 (libm's expf/logf are within an ulp). GEMM and Sum add in
// another order: within 1e-5 of |value| + the output's RMS (the rounding error of a k-term sum is
// about √k·2⁻²⁴ of the terms' scale, ~1e-6 for k = 129).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../backend.js';
import { Rng } from '../core/rng.js';
import { loadNative, type NativeAddon } from './addon.js';
import { planBinary, planMatMul } from './kernels.js';
import { countAddonCalls, nativeSkipReason, type AddonCalls } from './test-gate.js';

const skip = nativeSkipReason();
let addon: NativeAddon;

before(async () => {
  if (skip) return;
  await selectBackend('cpu'); // registers cpu and turns its tfjs-node banner off
  await selectBackend('native');
  addon = loadNative(1).addon;
});
after(async () => {
  if (!skip) await selectBackend('wasm');
});

interface Out {
  shape: number[];
  dtype: tf.DataType;
  values: ArrayLike<number>;
}

const counting = <T>(fn: () => T) => countAddonCalls(addon, fn);

function read(r: tf.Tensor | tf.Tensor[]): Out[] {
  return (Array.isArray(r) ? r : [r]).map((t) => ({ shape: t.shape, dtype: t.dtype, values: t.dataSync() as unknown as ArrayLike<number> }));
}

/**
 * The op on cpu and on native (inputs built inside `build` from plain arrays, so each backend has its
 * own), with the addon calls of the native run. Shapes and dtypes must agree.
 */
async function onBoth(build: () => tf.Tensor | tf.Tensor[]): Promise<{ cpu: Out[]; native: Out[]; calls: AddonCalls }> {
  await tf.setBackend('cpu');
  let cpu: Out[] = [];
  tf.tidy(() => {
    cpu = read(build());
  });
  await tf.setBackend('native');
  const before = tf.memory().numTensors;
  let native: Out[] = [];
  const { calls } = counting(() =>
    tf.tidy(() => {
      native = read(build());
    }),
  );
  assert.equal(tf.memory().numTensors, before, 'the native run leaves no tensors');
  assert.equal(native.length, cpu.length);
  native.forEach((o, i) => {
    assert.deepEqual(o.shape, cpu[i].shape, `output ${i} shape`);
    assert.equal(o.dtype, cpu[i].dtype, `output ${i} dtype`);
  });
  return { cpu, native, calls };
}

/** Bit-identical, NaN matching NaN (payloads may differ) and −0 distinct from +0. */
function assertExact(got: ArrayLike<number>, want: ArrayLike<number>, what: string): void {
  assert.equal(got.length, want.length, `${what}: length`);
  for (let i = 0; i < want.length; i++) {
    const ok = (Number.isNaN(got[i]) && Number.isNaN(want[i])) || Object.is(got[i], want[i]);
    assert.ok(ok, `${what}: [${i}] native ${got[i]} vs cpu ${want[i]}`);
  }
}

/** |got − want| ≤ rtol·(|want| + RMS(want)); non-finite values must match exactly. */
function assertClose(got: ArrayLike<number>, want: ArrayLike<number>, rtol: number, what: string): void {
  assert.equal(got.length, want.length, `${what}: length`);
  let ss = 0;
  let n = 0;
  for (let i = 0; i < want.length; i++) {
    if (Number.isFinite(want[i])) {
      ss += want[i] * want[i];
      n++;
    }
  }
  const rms = n ? Math.sqrt(ss / n) : 0;
  for (let i = 0; i < want.length; i++) {
    if (!Number.isFinite(want[i]) || !Number.isFinite(got[i])) {
      assert.ok(Object.is(got[i], want[i]) || (Number.isNaN(got[i]) && Number.isNaN(want[i])), `${what}: [${i}] native ${got[i]} vs cpu ${want[i]}`);
      continue;
    }
    assert.ok(Math.abs(got[i] - want[i]) <= rtol * (Math.abs(want[i]) + rms) + 1e-30, `${what}: [${i}] native ${got[i]} vs cpu ${want[i]} (rms ${rms})`);
  }
}

const size = (s: number[]) => s.reduce((a, b) => a * b, 1);
const rng = new Rng(20251202);
const rand = (shape: number[]) => rng.normals(size(shape));

// ---- Plans (pure functions: no addon needed) ----

test('planMatMul: sizes, strides and output shape of the GEMM loop; null where one loop cannot run it', () => {
  assert.deepEqual(planMatMul([3, 5], [5, 2], false, false), { m: 3, n: 2, k: 5, batch: 1, strideA: 0, strideB: 0, outShape: [3, 2] });
  assert.deepEqual(planMatMul([5, 3], [2, 5], true, true), { m: 3, n: 2, k: 5, batch: 1, strideA: 0, strideB: 0, outShape: [3, 2] });
  assert.deepEqual(planMatMul([5, 3], [5, 2], true, false), { m: 3, n: 2, k: 5, batch: 1, strideA: 0, strideB: 0, outShape: [3, 2] });
  assert.deepEqual(planMatMul([4, 3, 5], [4, 5, 2], false, false), { m: 3, n: 2, k: 5, batch: 4, strideA: 15, strideB: 10, outShape: [4, 3, 2] });
  // Broadcast batch: one side's matrix reused (stride 0).
  assert.deepEqual(planMatMul([4, 3, 5], [5, 2], false, false), { m: 3, n: 2, k: 5, batch: 4, strideA: 15, strideB: 0, outShape: [4, 3, 2] });
  assert.deepEqual(planMatMul([3, 5], [4, 5, 2], false, false), { m: 3, n: 2, k: 5, batch: 4, strideA: 0, strideB: 10, outShape: [4, 3, 2] });
  assert.deepEqual(planMatMul([1, 3, 5], [4, 5, 2], false, false), { m: 3, n: 2, k: 5, batch: 4, strideA: 0, strideB: 10, outShape: [4, 3, 2] });
  assert.deepEqual(planMatMul([2, 3, 4, 5], [5, 6], false, false), { m: 4, n: 6, k: 5, batch: 6, strideA: 20, strideB: 0, outShape: [2, 3, 4, 6] });
  assert.deepEqual(planMatMul([2, 3, 4, 5], [1, 1, 5, 6], false, false)?.outShape, [2, 3, 4, 6]);
  // Not one strided loop: both sides broadcast in different dimensions.
  assert.equal(planMatMul([2, 1, 3, 4], [1, 3, 4, 5], false, false), null);
  // Inner sizes differ, incompatible batches, rank < 2: left to the cpu kernel (and its error).
  assert.equal(planMatMul([3, 5], [4, 2], false, false), null);
  assert.equal(planMatMul([3, 5], [4, 2], false, true), null);
  assert.equal(planMatMul([2, 3, 5], [3, 5, 2], false, false), null);
  assert.equal(planMatMul([5], [5, 2], false, false), null);
});

test('planBinary: each broadcast mode of the C kernel, with rows and cols; null for the others', () => {
  const p = (a: number[], b: number[]) => {
    const r = planBinary(a, b);
    return r && [r.mode, r.rows, r.cols, r.outShape];
  };
  assert.deepEqual(p([3, 7], [3, 7]), [0, 1, 21, [3, 7]]);
  assert.deepEqual(p([1, 3], [3]), [0, 1, 3, [1, 3]]);
  assert.deepEqual(p([5, 7], [7]), [1, 5, 7, [5, 7]]);
  assert.deepEqual(p([2, 3, 4], [3, 4]), [1, 2, 12, [2, 3, 4]]);
  assert.deepEqual(p([2, 3, 4], [1, 1, 4]), [1, 6, 4, [2, 3, 4]]);
  assert.deepEqual(p([7], [5, 7]), [2, 5, 7, [5, 7]]);
  assert.deepEqual(p([5, 7], []), [3, 1, 35, [5, 7]]);
  assert.deepEqual(p([5, 7], [1, 1]), [3, 1, 35, [5, 7]]);
  assert.deepEqual(p([], [5, 7]), [4, 1, 35, [5, 7]]);
  assert.deepEqual(p([5, 7], [5, 1]), [5, 5, 7, [5, 7]]);
  assert.deepEqual(p([2, 3, 4], [2, 3, 1]), [5, 6, 4, [2, 3, 4]]);
  assert.deepEqual(p([5, 1], [5, 7]), [6, 5, 7, [5, 7]]);
  assert.equal(p([2, 1, 3], [1, 4, 1]), null); // both sides broadcast
  assert.equal(p([2, 3, 4], [3, 1]), null); // a column of an inner block
  assert.equal(p([1, 3], [4, 1]), null); // an outer product
  assert.equal(p([3, 4], [5, 4]), null); // incompatible
});

// ---- Kernels against cpu ----

test('BatchMatMul: 2-D matmuls of odd sizes with every transpose combination', { skip }, async () => {
  for (const [m, k, n] of [[1, 1, 1], [1, 3, 7], [7, 1, 3], [3, 7, 1], [7, 129, 3], [129, 3, 7], [16, 33, 17]] as [number, number, number][]) {
    for (const ta of [false, true]) {
      for (const tb of [false, true]) {
        const [as, bs] = [ta ? [k, m] : [m, k], tb ? [n, k] : [k, n]];
        const [av, bv] = [rand(as), rand(bs)];
        const r = await onBoth(() => tf.matMul(tf.tensor2d(av, as as [number, number]), tf.tensor2d(bv, bs as [number, number]), ta, tb));
        assert.equal(r.calls.gemm, 1, `${m}×${k}×${n} ${ta} ${tb}: native GEMM`);
        assertClose(r.native[0].values, r.cpu[0].values, 1e-5, `${m}×${k}×${n} transposeA ${ta} transposeB ${tb}`);
      }
    }
  }
});

test('BatchMatMul: batched, broadcast batches (rank 3 × rank 2, [1,…] × [b,…]), and a broadcast it leaves to cpu', { skip }, async () => {
  const cases: [number[], number[], boolean, boolean, boolean][] = [
    [[1, 3, 5], [1, 5, 2], false, false, true],
    [[4, 3, 5], [4, 5, 2], false, false, true],
    [[4, 5, 3], [4, 2, 5], true, true, true],
    [[4, 3, 5], [5, 2], false, false, true],
    [[4, 3, 5], [2, 5], false, true, true],
    [[3, 5], [4, 5, 2], false, false, true],
    [[1, 3, 5], [4, 5, 2], false, false, true],
    [[4, 3, 5], [1, 5, 2], false, false, true],
    [[2, 3, 4, 5], [5, 6], false, false, true],
    [[2, 3, 5, 4], [1, 1, 5, 6], true, false, true],
    [[2, 1, 3, 4], [1, 3, 4, 5], false, false, false], // not planned
  ];
  for (const [as, bs, ta, tb, planned] of cases) {
    const [av, bv] = [rand(as), rand(bs)];
    const r = await onBoth(() => tf.matMul(tf.tensor(av, as), tf.tensor(bv, bs), ta, tb));
    const what = `${JSON.stringify(as)} × ${JSON.stringify(bs)} ${ta} ${tb}`;
    assert.equal(r.calls.gemm, planned ? 1 : 0, `${what}: ${planned ? 'native' : 'cpu fallback'}`);
    assertClose(r.native[0].values, r.cpu[0].values, 1e-5, what);
  }
});

test('_FusedMatMul: bias and ReLU in C; the activations, prelu and bias shapes it leaves to cpu', { skip }, async () => {
  const [m, k, n] = [7, 9, 5];
  const [av, bv, biasv, colv, sqv, a3v] = [rand([m, k]), rand([k, n]), rand([n]), rand([m]), rand([m, 1]), rand([3, m, k])];
  const bsq = rand([k, m]);
  type C = { label: string; native: boolean; run: () => tf.Tensor };
  const a = () => tf.tensor2d(av, [m, k]);
  const b = () => tf.tensor2d(bv, [k, n]);
  const cases: C[] = [
    { label: 'no bias, linear', native: true, run: () => tf.fused.matMul({ a: a(), b: b() }) },
    { label: 'no bias, relu', native: true, run: () => tf.fused.matMul({ a: a(), b: b(), activation: 'relu' }) },
    { label: 'bias, linear', native: true, run: () => tf.fused.matMul({ a: a(), b: b(), bias: tf.tensor1d(biasv) }) },
    { label: 'bias, relu', native: true, run: () => tf.fused.matMul({ a: a(), b: b(), bias: tf.tensor1d(biasv), activation: 'relu' }) },
    { label: 'bias [1, n], relu', native: true, run: () => tf.fused.matMul({ a: a(), b: b(), bias: tf.tensor2d(biasv, [1, n]), activation: 'relu' }) },
    { label: 'transposed, bias, relu', native: true, run: () => tf.fused.matMul({ a: tf.tensor2d(av, [k, m]), b: tf.tensor2d(bv, [n, k]), transposeA: true, transposeB: true, bias: tf.tensor1d(biasv), activation: 'relu' }) },
    { label: 'batched (rank 3 × rank 2), bias, relu', native: true, run: () => tf.fused.matMul({ a: tf.tensor3d(a3v, [3, m, k]), b: b(), bias: tf.tensor1d(biasv), activation: 'relu' }) },
    { label: 'bias a column [m, 1]', native: false, run: () => tf.fused.matMul({ a: a(), b: b(), bias: tf.tensor2d(colv, [m, 1]) }) },
    // m = n: a column bias has n values too, and must not be taken for a row.
    { label: 'square, bias a column [m, 1]', native: false, run: () => tf.fused.matMul({ a: a(), b: tf.tensor2d(bsq, [k, m]), bias: tf.tensor2d(sqv, [m, 1]) }) },
    { label: 'relu6', native: false, run: () => tf.fused.matMul({ a: a(), b: b(), bias: tf.tensor1d(biasv), activation: 'relu6' }) },
    { label: 'elu', native: false, run: () => tf.fused.matMul({ a: a(), b: b(), activation: 'elu' }) },
    { label: 'leakyrelu', native: false, run: () => tf.fused.matMul({ a: a(), b: b(), activation: 'leakyrelu', leakyreluAlpha: 0.2 }) },
    { label: 'prelu', native: false, run: () => tf.fused.matMul({ a: a(), b: b(), activation: 'prelu', preluActivationWeights: tf.tensor1d(biasv) }) },
  ];
  for (const c of cases) {
    const r = await onBoth(c.run);
    assert.equal(r.calls.gemm, c.native ? 1 : 0, `${c.label}: ${c.native ? 'native' : 'cpu fallback'}`);
    assertClose(r.native[0].values, r.cpu[0].values, 1e-5, c.label);
  }
});

// Values with zeros, negatives, ±0, ±Infinity and NaN in both operands.
function awkward(shape: number[]): Float32Array {
  const v = Float32Array.from(rand(shape));
  const special = [0, -0, Infinity, -Infinity, NaN, 1e-40, -3e38];
  for (let i = 0; i < v.length; i += 5) v[i] = special[rng.int(special.length)];
  return v;
}

test('Add, Sub, Multiply, RealDiv: every broadcast mode bit-identical to cpu (row × column in JS); other broadcasts and int32 go to cpu', { skip }, async () => {
  const shapes: [number[], number[], boolean][] = [
    [[3, 7], [3, 7], true],
    [[1, 1], [1, 1], true],
    [[129], [129], true],
    [[5, 7], [7], true],
    [[2, 3, 4], [3, 4], true],
    [[2, 3, 4], [1, 1, 4], true],
    [[7], [5, 7], true],
    [[5, 7], [], true],
    [[5, 7], [1, 1], true],
    [[], [5, 7], true],
    [[5, 7], [5, 1], true],
    [[2, 3, 4], [2, 3, 1], true],
    [[5, 1], [5, 7], true],
    [[2, 1, 3], [1, 4, 1], false],
    [[2, 3, 4], [3, 1], false],
    // A row against a column: JS (js-kernels.ts outerBinary), no addon call, the same bits.
    [[1, 6], [5, 1], false],
    [[6], [5, 1], false],
    [[5, 1], [1, 6], false],
    [[5, 1], [6], false],
  ];
  const ops: [string, (a: tf.Tensor, b: tf.Tensor) => tf.Tensor][] = [
    ['add', tf.add],
    ['sub', tf.sub],
    ['mul', tf.mul],
    ['div', tf.div],
  ];
  for (const [as, bs, planned] of shapes) {
    const [av, bv] = [awkward(as), awkward(bs)];
    for (const [name, op] of ops) {
      const r = await onBoth(() => op(tf.tensor(av, as), tf.tensor(bv, bs)));
      const what = `${name} ${JSON.stringify(as)} ${JSON.stringify(bs)}`;
      assert.equal(r.calls.binary, planned ? 1 : 0, `${what}: ${planned ? 'native' : 'cpu fallback'}`);
      assertExact(r.native[0].values, r.cpu[0].values, what);
    }
  }
  const ints = await onBoth(() => tf.add(tf.tensor2d([1, 2, 3, 4], [2, 2], 'int32'), tf.tensor1d([10, 20], 'int32')));
  assert.equal(ints.calls.binary, 0, 'int32: cpu');
  assertExact(ints.native[0].values, ints.cpu[0].values, 'int32 add');
});

test('Relu, Exp, Neg, Step, Log, Square, Sqrt: as cpu, NaN, ±0 and ±Infinity included; Step with alpha ≠ 0 goes to cpu', { skip }, async () => {
  const shape = [7, 129];
  const xv = awkward(shape);
  for (let i = 0; i < 40; i++) xv[rng.int(xv.length)] = NaN; // NaN is where relu/step are easy to get wrong
  xv[0] = 88.8; // exp overflows float32
  xv[1] = -104; // exp underflows
  const exact: [string, (x: tf.Tensor) => tf.Tensor][] = [
    ['relu', tf.relu],
    ['neg', tf.neg],
    ['step', (x) => tf.step(x)],
    ['square', tf.square],
    ['sqrt', tf.sqrt],
  ];
  for (const [name, op] of exact) {
    const r = await onBoth(() => op(tf.tensor(xv, shape)));
    assert.equal(r.calls.unary, 1, `${name}: native`);
    assertExact(r.native[0].values, r.cpu[0].values, name);
  }
  for (const [name, op] of [['exp', tf.exp], ['log', tf.log]] as const) {
    const r = await onBoth(() => op(tf.tensor(xv, shape)));
    assert.equal(r.calls.unary, 1, `${name}: native`);
    assertClose(r.native[0].values, r.cpu[0].values, 1e-6, name);
  }
  const stepAlpha = await onBoth(() => tf.step(tf.tensor(xv, shape), 0.3));
  assert.equal(stepAlpha.calls.unary, 0, 'step alpha 0.3: cpu');
  assertExact(stepAlpha.native[0].values, stepAlpha.cpu[0].values, 'step alpha 0.3');
  // NaN propagates through relu and step (as the cpu kernels), not turned into 0.
  const nan = await onBoth(() => [tf.relu(tf.tensor1d([NaN, -1, 2])), tf.step(tf.tensor1d([NaN, -1, 2]))]);
  assertExact(nan.native[0].values, [NaN, 0, 2], 'relu NaN');
  assertExact(nan.native[1].values, [NaN, 0, 1], 'step NaN');
  const ints = await onBoth(() => tf.neg(tf.tensor1d([1, -2, 3], 'int32')));
  assert.equal(ints.calls.unary, 0, 'int32: cpu');
  assertExact(ints.native[0].values, ints.cpu[0].values, 'int32 neg');
});

test('Sum over leading axes (keepDims true and false) in C; other reductions in JS, bit-identical to cpu', { skip }, async () => {
  const cases: [number[], number | number[], boolean][] = [
    [[7, 3], 0, true],
    [[129, 7], 0, true],
    [[1, 5], 0, true],
    [[4, 3, 5], [0, 1], true],
    [[4, 3, 5], [1, 0], true],
    [[4, 3, 5], -3, true],
    [[4, 3, 5], 0, true],
    [[2, 3, 4, 5], [0, 1, 2], true],
    [[7, 3], 1, false], // a non-leading axis
    [[4, 3, 5], [0, 2], false], // not a leading run
    [[4, 3, 5], [0, 1, 2], false], // all axes
  ];
  for (const [shape, axis, planned] of cases) {
    const xv = rand(shape);
    for (const keepDims of [false, true]) {
      const r = await onBoth(() => tf.sum(tf.tensor(xv, shape), axis, keepDims));
      const what = `sum ${JSON.stringify(shape)} axis ${JSON.stringify(axis)} keepDims ${keepDims}`;
      assert.equal(r.calls.sumRows, planned ? 1 : 0, `${what}: ${planned ? 'native' : 'JS'}`);
      if (planned) assertClose(r.native[0].values, r.cpu[0].values, 1e-5, what);
      else assertExact(r.native[0].values, r.cpu[0].values, what);
    }
  }
});

test('Mean over any axes (keepDims true and false), NaN and ±Infinity included, is bit-identical to cpu', { skip }, async () => {
  assert.notEqual(tf.getKernel('Mean', 'native')?.kernelFunc, tf.getKernel('Mean', 'cpu')?.kernelFunc, 'native has its own Mean');
  const cases: [number[], number | number[]][] = [[[7, 3], 1], [[7, 3], 0], [[4, 3, 5], 1], [[4, 3, 5], [0, 2]], [[4, 3, 5], [0, 1, 2]], [[2, 3, 4, 5], [1, 3]], [[5], 0], [[3, 0], 1], [[3, 0], 0]];
  for (const [shape, axis] of cases) {
    const xv = awkward(shape);
    for (const keepDims of [false, true]) {
      const r = await onBoth(() => tf.mean(tf.tensor(xv, shape), axis, keepDims));
      assertExact(r.native[0].values, r.cpu[0].values, `mean ${JSON.stringify(shape)} axis ${JSON.stringify(axis)} keepDims ${keepDims}`);
    }
  }
});

test('Transpose of ranks 0–5 under random permutations (sizes 1 and 0 included) is identical to cpu', { skip }, async () => {
  assert.notEqual(tf.getKernel('Transpose', 'native')?.kernelFunc, tf.getKernel('Transpose', 'cpu')?.kernelFunc, 'native has its own Transpose');
  const shapes = [[], [6], [3, 5], [1, 4], [4, 1, 3], [2, 3, 4, 5], [3, 1, 2, 2, 3], [2, 0, 3]];
  for (const shape of shapes) {
    const xv = awkward(shape);
    for (let t = 0; t < 4; t++) {
      const perm = Array.from(rng.permutation(shape.length));
      const r = await onBoth(() => tf.transpose(tf.tensor(xv, shape), perm));
      assertExact(r.native[0].values, r.cpu[0].values, `transpose ${JSON.stringify(shape)} perm ${JSON.stringify(perm)}`);
    }
  }
});

test('Slice of ranks 1–4 (random begins and sizes, size −1, empty) is identical to cpu', { skip }, async () => {
  assert.notEqual(tf.getKernel('Slice', 'native')!.kernelFunc, tf.getKernel('Slice', 'cpu')!.kernelFunc, 'the native Slice kernel runs');
  const shapes = [[1], [129], [1, 1], [7, 3], [3, 7], [4, 3, 5], [1, 7, 1], [2, 3, 4, 5], [3, 1, 7, 2]];
  for (const shape of shapes) {
    const xv = rand(shape);
    for (let trial = 0; trial < 6; trial++) {
      const begin = shape.map((d) => rng.int(d));
      const sz = shape.map((d, i) => (trial === 0 ? -1 : trial === 1 ? 0 : 1 + rng.int(d - begin[i])));
      if (trial === 1) sz.forEach((_, i) => (sz[i] = i === 0 ? 0 : 1)); // an empty slice
      const r = await onBoth(() => tf.slice(tf.tensor(xv, shape), begin, sz));
      assertExact(r.native[0].values, r.cpu[0].values, `slice ${JSON.stringify(shape)} begin ${begin} size ${sz}`);
    }
  }
});

test('SplitV (tf.split with uneven sizes, −1 among them) on each axis is identical to cpu', { skip }, async () => {
  assert.notEqual(tf.getKernel('SplitV', 'native')!.kernelFunc, tf.getKernel('SplitV', 'cpu')!.kernelFunc, 'the native SplitV kernel runs');
  const cases: [number[], number[], number][] = [
    [[8, 3], [2, 5, 1], 0],
    [[3, 8, 4], [2, 5, 1], 1],
    [[2, 3, 8], [1, 6, 1], 2],
    [[2, 3, 8], [2, -1, 1], -1],
    [[5, 9], [3, 3, 3], 1],
    [[1, 7], [7], 1],
  ];
  for (const [shape, sizes, axis] of cases) {
    const xv = rand(shape);
    const r = await onBoth(() => tf.split(tf.tensor(xv, shape), sizes, axis));
    assert.equal(r.native.length, r.cpu.length);
    r.native.forEach((o, i) => assertExact(o.values, r.cpu[i].values, `split ${JSON.stringify(shape)} ${sizes} axis ${axis} piece ${i}`));
  }
});

test('Concat on each axis, with several and with empty inputs, is identical to cpu; int32 goes to cpu', { skip }, async () => {
  assert.notEqual(tf.getKernel('Concat', 'native')!.kernelFunc, tf.getKernel('Concat', 'cpu')!.kernelFunc, 'the native Concat kernel runs');
  const cases: [number[][], number][] = [
    [[[4, 3], [4, 5]], 1],
    [[[4, 3], [2, 3], [1, 3]], 0],
    [[[2, 3, 4], [2, 1, 4], [2, 2, 4]], 1],
    [[[2, 3, 4], [2, 3, 1]], -1],
    [[[1, 7], [1, 0], [1, 2]], 1], // an empty piece
    [[[5]], 0],
  ];
  for (const [shapes, axis] of cases) {
    const values = shapes.map((sh) => rand(sh));
    const r = await onBoth(() => tf.concat(shapes.map((sh, i) => tf.tensor(values[i], sh)), axis));
    assertExact(r.native[0].values, r.cpu[0].values, `concat ${JSON.stringify(shapes)} axis ${axis}`);
    const pieces = shapes.length === 1 ? 0 : shapes.filter((sh) => sh.every((d) => d > 0)).length; // tf.concat of one tensor is a clone, no kernel
    assert.equal(r.calls.copyBlock, pieces, 'one block copy per non-empty piece');
  }
  const ints = await onBoth(() => tf.concat([tf.tensor([1, 2], [1, 2], 'int32'), tf.tensor([3], [1, 1], 'int32')], 1));
  assert.deepEqual(Array.from(ints.native[0].values), [1, 2, 3]);
  assert.equal(ints.calls.copyBlock, 0, 'int32 goes to the cpu kernel');
});

test('ArgMax on the last axis equals cpu, ties (first wins), NaN and ±Infinity included; other axes go to cpu', { skip }, async () => {
  const shape = [9, 5];
  const v = awkward(shape);
  v.set([2, 7, 7, 1, 7], 0); // a tie: index 1
  v.set([NaN, 3, 4, 1, 2], 5); // NaN first never loses to a comparison: index 0, as cpu
  v.set([-Infinity, -Infinity, -Infinity, -Infinity, -Infinity], 10);
  for (const axis of [-1, 1, 0]) {
    const r = await onBoth(() => tf.argMax(tf.tensor(v, shape), axis));
    assert.deepEqual(Array.from(r.native[0].values), Array.from(r.cpu[0].values), `argMax axis ${axis}`);
  }
  const v3 = rand([2, 3, 11]);
  const r = await onBoth(() => tf.argMax(tf.tensor(v3, [2, 3, 11]), 2));
  assert.deepEqual(Array.from(r.native[0].values), Array.from(r.cpu[0].values), 'argMax rank 3');
});

test('Softmax (a JS kernel on native) is bit-identical to cpu: wide and tiny logits, one column, rank 3, NaN and ±Infinity rows', { skip }, async () => {
  const cases: [number[], Float32Array][] = [[[9, 5], awkward([9, 5])], [[40, 10], rand([40, 10]).map((x) => 30 * x)], [[6, 1], rand([6, 1])], [[2, 3, 11], rand([2, 3, 11])], [[1, 1], Float32Array.from([88])]];
  const v = cases[0][1];
  v.set([NaN, 3, 4, 1, 2], 0);
  v.set([-Infinity, -Infinity, -Infinity, -Infinity, -Infinity], 5);
  v.set([Infinity, 1, 2, 3, 4], 10);
  v.set([1e-30, -1e-30, 0, -0, 1e-38], 15);
  assert.notEqual(tf.getKernel('Softmax', 'native')?.kernelFunc, tf.getKernel('Softmax', 'cpu')?.kernelFunc, "native has its own Softmax");
  for (const [shape, x] of cases) {
    const r = await onBoth(() => tf.softmax(tf.tensor(x, shape)));
    assertExact(r.native[0].values, r.cpu[0].values, `softmax ${JSON.stringify(shape)}`);
  }
  // Its gradient (tfjs's, from the output) then matches too.
  const x = rand([7, 4]);
  const dy = rand([7, 4]);
  const g = await onBoth(() => tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.softmax(t), tf.tensor(dy, [7, 4]))))(tf.tensor(x, [7, 4])));
  assertExact(g.native[0].values, g.cpu[0].values, 'softmax gradient');
});

test('MmcReluGrad equals dy · step(y), the stock form, zeros, NaN and ±Infinity included', { skip }, async () => {
  const shape = [9, 17];
  const [dyv, yv] = [awkward(shape), awkward(shape)];
  for (let i = 0; i < 20; i++) yv[rng.int(yv.length)] = 0; // ReLU'(0) = 0
  await tf.setBackend('cpu');
  const want = tf.tidy(() => tf.mul(tf.tensor(dyv, shape), tf.step(tf.tensor(yv, shape))).dataSync());
  await tf.setBackend('native');
  const { result, calls } = counting(() => tf.tidy(() => (tf.engine().runKernel('MmcReluGrad', { dy: tf.tensor(dyv, shape), y: tf.tensor(yv, shape) }) as tf.Tensor).dataSync()));
  assert.equal(calls.reluGrad, 1);
  assertExact(result, want, 'reluGrad');
});

test('the C side refuses arrays too short for the sizes given, wrong types and wrong argument counts', { skip }, () => {
  const f = (n: number) => new Float32Array(n);
  assert.throws(() => addon.gemm(false, false, 2, 2, 2, f(3), f(4), f(4), 1, 4, 4, 4, false), { message: 'gemm: array too short for the given sizes' });
  assert.throws(() => addon.gemm(false, false, 2, 2, 2, f(4), f(4), f(3), 1, 4, 4, 4, false), { message: 'gemm: array too short for the given sizes' });
  // The last of 3 batched problems runs past B's end.
  assert.throws(() => addon.gemm(false, false, 2, 2, 2, f(12), f(8), f(12), 3, 4, 4, 4, false), { message: 'gemm: array too short for the given sizes' });
  assert.throws(() => addon.gemm(false, false, -1, 2, 2, f(4), f(4), f(4), 1, 4, 4, 4, false), { message: 'gemm: negative size' });
  assert.throws(() => addon.binary(0, f(6), f(2), f(6), 2, 3, 1), { message: 'binary: bad sizes or op' }); // a row of 3 needs 3
  assert.throws(() => addon.binary(7, f(6), f(6), f(6), 2, 3, 0), { message: 'binary: bad sizes or op' });
  assert.throws(() => addon.unary(0, f(6), f(5)), { message: 'unary: bad sizes or op' });
  assert.throws(() => addon.sumRows(f(5), 2, 3, f(3)), { message: 'sumRows: array too short' });
  assert.throws(() => addon.copyBlock(f(6), 0, 3, f(6), 0, 3, 3, 3), { message: 'copyBlock: array too short' }); // 3 rows of 3 need 9
  assert.throws(() => addon.copyBlock(f(9), 0, 3, f(8), 1, 3, 3, 2), { message: 'copyBlock: array too short' }); // the last run ends at 9
  assert.throws(() => addon.copyBlock(f(9), -1, 3, f(9), 0, 3, 3, 3), { message: 'copyBlock: negative size' });
  assert.throws(() => addon.biasAct(f(6), f(2), 2, 3, 1), { message: 'biasAct: array too short' });
  assert.throws(() => addon.reluGrad(f(3), f(4), f(3)), { message: 'reluGrad: arrays differ in length' });
  assert.throws(() => addon.adam(f(3), f(3), f(3), f(2), f(3), 0.9, 0.999, 0.1, 0.5, 1e-8, 0), { message: 'adam: arrays differ in length' });
  assert.throws(() => addon.gemm(false, false, 1, 1, 1, new Float64Array(1) as unknown as Float32Array, f(1), f(1), 1, 1, 1, 1, false), { name: 'TypeError', message: 'mmc native: argument 5 must be a Float32Array' });
  assert.throws(() => (addon.unary as unknown as (...a: unknown[]) => void)(0, f(1)), { name: 'TypeError', message: 'mmc native: expected 3 arguments, got 2' });
  // A call that fits runs (the checks are not off by one).
  const c = f(4);
  addon.gemm(false, false, 2, 2, 2, Float32Array.of(1, 2, 3, 4), Float32Array.of(1, 0, 0, 1), c, 1, 4, 4, 4, false);
  assert.deepEqual(Array.from(c), [1, 2, 3, 4]);
});
