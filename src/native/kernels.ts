// tfjs kernels of the native backend: each reads its inputs' Float32Arrays from the cpu backend's
// store, calls the addon (or, js-kernels.ts, does the cpu kernel's arithmetic in a plain loop), and
// returns a new tensor. A case a kernel does not cover (another dtype,
// a broadcast it does not implement, an activation it lacks) goes to tfjs's cpu kernel, so every
// op stays correct and only the hot forms are native.
import * as tf from '@tensorflow/tfjs';
import type { AdamStepAttrs } from '../core/adam.js';
import { ADAM_KERNEL, DENSE_GRAD_KERNEL, RELU_GRAD_KERNEL } from '../core/ops/kernel-names.js';
import type { NativeAddon } from './addon.js';
import { outerBinary, outerPlan, reductionPlan, softmaxRows, sumRuns, transposeValues } from './js-kernels.js';
import type { BufferPool } from './pool.js';

export interface CpuLikeBackend {
  data: { get(dataId: object): { values?: unknown } };
  makeTensorInfo(shape: number[], dtype: tf.DataType, values?: Float32Array): tf.TensorInfo;
}

type Args = { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap };
type Kernel = (args: Args) => tf.TensorInfo | tf.TensorInfo[];

/**
 * A float32 tensor's values as a Float32Array. Usually the stored array itself; but the cpu
 * backend's Cast to float32 from int32 or bool keeps the input's Int32Array/Uint8Array under the
 * new dtype, so those are converted (a copy).
 */
export function f32(backend: unknown, t: tf.TensorInfo): Float32Array {
  const v = (backend as CpuLikeBackend).data.get(t.dataId).values;
  return v instanceof Float32Array ? v : Float32Array.from(v as ArrayLike<number>);
}
export const output = (backend: unknown, shape: number[], values: Float32Array): tf.TensorInfo => (backend as CpuLikeBackend).makeTensorInfo(shape, 'float32', values);
/** An output array from the backend's pool (see pool.ts): the kernel must write every element. */
export const take = (backend: unknown, n: number): Float32Array => (backend as { pool: BufferPool }).pool.take(n);
const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);
const allF32 = (...ts: (tf.TensorInfo | undefined)[]) => ts.every((t) => !t || t.dtype === 'float32');

/** The cpu backend's kernel, for the cases a native kernel leaves to it. */
export function cpuKernel(name: string): Kernel {
  const k = tf.getKernel(name, 'cpu');
  if (!k) throw new Error(`tfjs cpu backend has no ${name} kernel`);
  return k.kernelFunc as unknown as Kernel;
}

interface MatMulPlan {
  m: number;
  n: number;
  k: number;
  batch: number;
  strideA: number;
  strideB: number;
  outShape: number[];
}

/** Sizes of a (batched) matmul that one strided GEMM loop can run; null for other broadcasts. */
export function planMatMul(a: number[], b: number[], transposeA: boolean, transposeB: boolean): MatMulPlan | null {
  if (a.length < 2 || b.length < 2) return null;
  const [ar, br] = [a.length, b.length];
  const m = transposeA ? a[ar - 1] : a[ar - 2];
  const k = transposeA ? a[ar - 2] : a[ar - 1];
  const kb = transposeB ? b[br - 1] : b[br - 2];
  const n = transposeB ? b[br - 2] : b[br - 1];
  if (k !== kb) return null; // the cpu kernel raises tfjs's own error
  const outerA = a.slice(0, -2);
  const outerB = b.slice(0, -2);
  const [batchA, batchB] = [size(outerA), size(outerB)];
  let outer: number[];
  try {
    outer = tf.backend_util.assertAndGetBroadcastShape(outerA, outerB);
  } catch {
    return null;
  }
  const batch = Math.max(batchA, batchB);
  if (size(outer) !== batch || !(batchA === batchB || batchA === 1 || batchB === 1)) return null;
  return { m, n, k, batch, strideA: batchA === 1 ? 0 : m * k, strideB: batchB === 1 ? 0 : k * n, outShape: [...outer, m, n] };
}

interface BinaryPlan {
  rows: number;
  cols: number;
  mode: number; // native/elementwise.cc Binary: 0 same shape, 1 b a row, 2 a a row, 3 b scalar, 4 a scalar, 5 b a column, 6 a a column
  outShape: number[];
}

/** The broadcast forms the C binary kernel runs; null for the others (cpu kernel). */
export function planBinary(a: number[], b: number[]): BinaryPlan | null {
  let out: number[];
  try {
    out = tf.backend_util.assertAndGetBroadcastShape(a, b);
  } catch {
    return null;
  }
  const [na, nb, no] = [size(a), size(b), size(out)];
  const trailing = (small: number[]) => {
    const s = small.slice(small.findIndex((d) => d !== 1));
    return s.length > 0 && s.every((d, i) => d === out[out.length - s.length + i]);
  };
  if (na === no && nb === no) return { rows: 1, cols: no, mode: 0, outShape: out };
  if (nb === 1 && na === no) return { rows: 1, cols: no, mode: 3, outShape: out };
  if (na === 1 && nb === no) return { rows: 1, cols: no, mode: 4, outShape: out };
  if (na === no && nb > 0 && trailing(b)) return { rows: no / nb, cols: nb, mode: 1, outShape: out };
  if (nb === no && na > 0 && trailing(a)) return { rows: no / na, cols: na, mode: 2, outShape: out };
  // [..., r, 1] against [..., r, c]: one value per row of the innermost dimension.
  const column = (small: number[]) => {
    const padded = [...new Array(out.length - small.length).fill(1), ...small];
    return out.length >= 2 && padded[out.length - 1] === 1 && padded.slice(0, -1).every((d, i) => d === out[i]);
  };
  const c = out[out.length - 1];
  if (na === no && nb > 1 && column(b)) return { rows: no / c, cols: c, mode: 5, outShape: out };
  if (nb === no && na > 1 && column(a)) return { rows: no / c, cols: c, mode: 6, outShape: out };
  return null;
}

/** x[begin : begin + size] (any rank), copied in runs of the innermost dimension. */
export function sliceValues(x: Float32Array, shape: number[], begin: number[], sz: number[]): Float32Array {
  const out = new Float32Array(size(sz));
  if (out.length === 0) return out;
  const r = shape.length;
  const strides = tf.util.computeStrides(shape);
  const run = sz[r - 1];
  const idx = new Array(Math.max(r - 1, 0)).fill(0);
  for (let o = 0; o < out.length; o += run) {
    let off = begin[r - 1];
    for (let d = 0; d < r - 1; d++) off += (begin[d] + idx[d]) * strides[d];
    out.set(x.subarray(off, off + run), o);
    for (let d = r - 2; d >= 0; d--) {
      if (++idx[d] < sz[d]) break;
      idx[d] = 0;
    }
  }
  return out;
}

// MMC_NATIVE_JS_KERNELS=off: the cpu kernels instead of js-kernels.ts (the same bits; for measuring
// what they buy, docs/performance.md).
const JS_KERNELS = process.env.MMC_NATIVE_JS_KERNELS !== 'off';

export function nativeKernels(addon: NativeAddon): { kernelName: string; kernelFunc: Kernel }[] {
  const matmul = (args: Args, bias: tf.TensorInfo | undefined, act: number): tf.TensorInfo | null => {
    const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
    const { transposeA, transposeB } = args.attrs as { transposeA: boolean; transposeB: boolean };
    if (!allF32(a, b, bias)) return null;
    const p = planMatMul(a.shape, b.shape, transposeA, transposeB);
    if (!p) return null;
    // Only a row of n (leading 1s allowed): a column [m, 1] has n values too when m = n.
    if (bias && (size(bias.shape) !== p.n || bias.shape[bias.shape.length - 1] !== p.n)) return null;
    const out = take(args.backend, p.batch * p.m * p.n);
    addon.gemm(transposeA, transposeB, p.m, p.n, p.k, f32(args.backend, a), f32(args.backend, b), out, p.batch, p.strideA, p.strideB, p.m * p.n, false);
    if (bias || act) addon.biasAct(out, bias ? f32(args.backend, bias) : null, p.batch * p.m, p.n, act);
    return output(args.backend, p.outShape, out);
  };

  const batchMatMul: Kernel = (args) => matmul(args, undefined, 0) ?? cpuKernel('BatchMatMul')(args);

  const fusedMatMul: Kernel = (args) => {
    const { bias, preluActivationWeights } = args.inputs as { bias?: tf.TensorInfo; preluActivationWeights?: tf.TensorInfo };
    const activation = (args.attrs as { activation?: string }).activation ?? 'linear';
    const act = activation === 'linear' ? 0 : activation === 'relu' ? 1 : -1;
    const done = act >= 0 && !preluActivationWeights ? matmul(args, bias, act) : null;
    return done ?? cpuKernel('_FusedMatMul')(args);
  };

  // Sum over leading axes (e.g. a bias gradient, axis 0): one pass; other reductions: cpu.
  const sum: Kernel = (args) => {
    const { x } = args.inputs as { x: tf.TensorInfo };
    const { axis, keepDims } = args.attrs as { axis: number | number[]; keepDims: boolean };
    const axes = tf.util.parseAxisParam(axis, x.shape).sort((p, q) => p - q);
    const leading = axes.length > 0 && axes.length < x.shape.length && axes.every((ax, i) => ax === i);
    if (x.dtype !== 'float32') return cpuKernel('Sum')(args);
    if (!leading) return JS_KERNELS ? reduce(x, args.backend, axis, keepDims) : cpuKernel('Sum')(args);
    const rows = size(x.shape.slice(0, axes.length));
    const rest = x.shape.slice(axes.length);
    const out = take(args.backend, size(rest));
    addon.sumRows(f32(args.backend, x), rows, out.length, out);
    return output(args.backend, keepDims ? [...axes.map(() => 1), ...rest] : rest, out);
  };

  const adamStep: Kernel = (args) => {
    const { p, g } = args.inputs as { p: tf.TensorInfo; g: tf.TensorInfo };
    const a = args.attrs as unknown as AdamStepAttrs;
    const out = take(args.backend, size(p.shape));
    addon.adam(f32(args.backend, p), f32(args.backend, g), a.m, a.v, out, a.beta1, a.beta2, a.stepSize, a.c2, a.eps, a.decay);
    return output(args.backend, p.shape, out);
  };

  // dy · [y > 0]: the ReLU gradient of mmc's dense and conv layers in one pass (two kernels in tfjs).
  const reluGrad: Kernel = (args) => {
    const { dy, y } = args.inputs as { dy: tf.TensorInfo; y: tf.TensorInfo };
    const out = take(args.backend, size(y.shape));
    addon.reluGrad(f32(args.backend, dy), f32(args.backend, y), out);
    return output(args.backend, y.shape, out);
  };

  const binary = (name: string, op: number): Kernel => (args) => {
    const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
    const p = a.dtype === 'float32' && b.dtype === 'float32' ? planBinary(a.shape, b.shape) : null;
    if (!p) {
      // A row against a column (the mean-fill protocol's fill · (1 − presence)): JS, cpu's bits.
      const o = JS_KERNELS && a.dtype === 'float32' && b.dtype === 'float32' ? outerPlan(a.shape, b.shape) : null;
      if (!o) return cpuKernel(name)(args);
      const out = take(args.backend, o.rows * o.cols);
      const [row, col] = o.rowFirst ? [a, b] : [b, a];
      outerBinary(name as 'Add' | 'Sub' | 'Multiply' | 'RealDiv', f32(args.backend, row), f32(args.backend, col), o.rowFirst, out);
      return output(args.backend, [o.rows, o.cols], out);
    }
    const out = take(args.backend, p.rows * p.cols);
    addon.binary(op, f32(args.backend, a), f32(args.backend, b), out, p.rows, p.cols, p.mode);
    return output(args.backend, p.outShape, out);
  };

  const unary = (name: string, op: number): Kernel => (args) => {
    const { x } = args.inputs as { x: tf.TensorInfo };
    const alpha = (args.attrs as { alpha?: number } | undefined)?.alpha ?? 0; // Step's value at x ≤ 0
    if (x.dtype !== 'float32' || alpha !== 0) return cpuKernel(name)(args);
    const out = take(args.backend, size(x.shape));
    addon.unary(op, f32(args.backend, x), out);
    return output(args.backend, x.shape, out);
  };

  const denseGrad: Kernel = (args) => {
    const { dy, y, x, w } = args.inputs as Record<'dy' | 'y' | 'x' | 'w', tf.TensorInfo>;
    const { relu, inputGrad } = args.attrs as { relu: boolean; inputGrad: boolean };
    const [rows, inDim] = x.shape;
    const outDim = w.shape[1];
    const b = args.backend;
    const dw = take(b, inDim * outDim);
    const db = take(b, outDim);
    const dx = inputGrad ? take(b, rows * inDim) : null;
    addon.denseGrad(f32(b, dy), f32(b, y), f32(b, x), f32(b, w), dw, db, dx, rows, inDim, outDim, relu);
    const outs = [output(b, w.shape, dw), output(b, [outDim], db)];
    return dx ? [...outs, output(b, x.shape, dx)] : outs;
  };

  const slice: Kernel = (args) => {
    const { x } = args.inputs as { x: tf.TensorInfo };
    const { begin, size: sz } = args.attrs as { begin: number | number[]; size: number | number[] };
    if (x.dtype !== 'float32') return cpuKernel('Slice')(args);
    const [b, s] = tf.slice_util.parseSliceParams(x as unknown as tf.Tensor, begin, sz);
    tf.slice_util.assertParamsValid(x as unknown as tf.Tensor, b, s);
    return output(args.backend, s, sliceValues(f32(args.backend, x), x.shape, b, s));
  };

  // The gradient of concat: slices along one axis (the cpu kernel's generic slice took ~47 ms per MLP step).
  const splitV: Kernel = (args) => {
    const { x } = args.inputs as { x: tf.TensorInfo };
    const { numOrSizeSplits, axis } = args.attrs as { numOrSizeSplits: number | number[]; axis: number };
    if (x.dtype !== 'float32') return cpuKernel('SplitV')(args);
    const ax = tf.util.parseAxisParam(axis, x.shape)[0];
    const sizes = tf.backend_util.prepareSplitSize(x as unknown as tf.Tensor, numOrSizeSplits, ax);
    const values = f32(args.backend, x);
    const outer = size(x.shape.slice(0, ax));
    const rowLen = size(x.shape.slice(ax));
    let col = 0;
    return sizes.map((s) => {
      const sz = x.shape.slice();
      sz[ax] = s;
      const inner = size(sz) / Math.max(outer, 1);
      const piece = take(args.backend, size(sz));
      addon.copyBlock(values, col, rowLen, piece, 0, inner, outer, inner);
      col += inner;
      return output(args.backend, sz, piece);
    });
  };

  // Concatenation (the fusion of modality features) as one block copy per piece; the cpu kernel took
  // 0.13 ms of a 3 ms MLP step.
  const concat: Kernel = (args) => {
    const xs = (args.inputs as unknown as tf.TensorInfo[]).filter((t) => size(t.shape) > 0);
    const { axis } = args.attrs as { axis: number };
    if (xs.length === 0 || !allF32(...xs)) return cpuKernel('Concat')(args);
    const ax = tf.util.parseAxisParam(axis, xs[0].shape)[0];
    const outShape = tf.backend_util.computeOutShape(xs.map((t) => t.shape), ax);
    const outer = size(outShape.slice(0, ax));
    const rowLen = size(outShape.slice(ax));
    const out = take(args.backend, outer * rowLen);
    let col = 0;
    for (const t of xs) {
      const inner = size(t.shape) / outer;
      addon.copyBlock(f32(args.backend, t), 0, inner, out, col, rowLen, outer, inner);
      col += inner;
    }
    return output(args.backend, outShape, out);
  };

  // Other sums and every mean: the cpu kernels' arithmetic (js-kernels.ts) without their copies.
  const reduce = (x: tf.TensorInfo, backend: unknown, axis: number | number[], keepDims: boolean, mean = false): tf.TensorInfo => {
    const { perm, outShape, reduceSize } = reductionPlan(x.shape, axis, keepDims);
    let values = f32(backend, x);
    if (perm) {
      const t = new Float32Array(values.length);
      transposeValues(values, x.shape, perm, t);
      values = t;
    }
    const out = take(backend, size(outShape));
    sumRuns(values, reduceSize, out, mean ? reduceSize : undefined);
    return output(backend, outShape, out);
  };

  const mean: Kernel = (args) => {
    const { x } = args.inputs as { x: tf.TensorInfo };
    const { axis, keepDims } = args.attrs as { axis: number | number[]; keepDims: boolean };
    return x.dtype === 'float32' ? reduce(x, args.backend, axis, keepDims, true) : cpuKernel('Mean')(args);
  };

  const transpose: Kernel = (args) => {
    const { x } = args.inputs as { x: tf.TensorInfo };
    const { perm } = args.attrs as { perm: number[] };
    if (x.dtype !== 'float32') return cpuKernel('Transpose')(args);
    const out = take(args.backend, size(x.shape));
    transposeValues(f32(args.backend, x), x.shape, perm, out);
    return output(args.backend, perm.map((p) => x.shape[p]), out);
  };

  const softmax: Kernel = (args) => {
    const { logits } = args.inputs as { logits: tf.TensorInfo };
    const dim = (args.attrs as { dim: number }).dim;
    const r = logits.shape.length;
    if (logits.dtype !== 'float32' || r < 1 || (dim !== -1 && dim !== r - 1)) return cpuKernel('Softmax')(args);
    const cols = logits.shape[r - 1];
    const out = take(args.backend, size(logits.shape));
    softmaxRows(f32(args.backend, logits), cols ? out.length / cols : 0, cols, out);
    return output(args.backend, logits.shape, out);
  };

  // The index of the first largest value along the last axis, as the cpu kernel (a NaN never wins
  // a comparison); other axes go to the cpu kernel.
  const argMax: Kernel = (args) => {
    const { x } = args.inputs as { x: tf.TensorInfo };
    const ax = tf.util.parseAxisParam((args.attrs as { axis: number | number[] }).axis, x.shape);
    if (x.dtype !== 'float32' || ax.length !== 1 || ax[0] !== x.shape.length - 1 || size(x.shape) === 0) return cpuKernel('ArgMax')(args);
    const v = f32(args.backend, x);
    const n = x.shape[x.shape.length - 1];
    const idx = new Int32Array(v.length / n);
    for (let r = 0, off = 0; r < idx.length; r++, off += n) {
      let best = v[off];
      let at = 0;
      for (let j = 1; j < n; j++) if (v[off + j] > best) (best = v[off + j]), (at = j);
      idx[r] = at;
    }
    return (args.backend as { makeTensorInfo(s: number[], d: tf.DataType, v: Int32Array): tf.TensorInfo }).makeTensorInfo(x.shape.slice(0, -1), 'int32', idx);
  };

  return [
    { kernelName: 'Add', kernelFunc: binary('Add', 0) },
    { kernelName: 'Sub', kernelFunc: binary('Sub', 1) },
    { kernelName: 'Multiply', kernelFunc: binary('Multiply', 2) },
    { kernelName: 'RealDiv', kernelFunc: binary('RealDiv', 3) },
    { kernelName: 'Relu', kernelFunc: unary('Relu', 0) },
    { kernelName: 'Exp', kernelFunc: unary('Exp', 1) },
    { kernelName: 'Neg', kernelFunc: unary('Neg', 2) },
    { kernelName: 'Step', kernelFunc: unary('Step', 3) },
    { kernelName: 'Log', kernelFunc: unary('Log', 4) },
    { kernelName: 'Square', kernelFunc: unary('Square', 5) },
    { kernelName: 'Sqrt', kernelFunc: unary('Sqrt', 6) },
    { kernelName: 'Slice', kernelFunc: slice },
    { kernelName: 'SplitV', kernelFunc: splitV },
    { kernelName: 'BatchMatMul', kernelFunc: batchMatMul },
    { kernelName: '_FusedMatMul', kernelFunc: fusedMatMul },
    { kernelName: 'Sum', kernelFunc: sum },
    { kernelName: ADAM_KERNEL, kernelFunc: adamStep },
    { kernelName: RELU_GRAD_KERNEL, kernelFunc: reluGrad },
    { kernelName: DENSE_GRAD_KERNEL, kernelFunc: denseGrad },
    { kernelName: 'Concat', kernelFunc: concat },
    { kernelName: 'ArgMax', kernelFunc: argMax },
    ...(JS_KERNELS
      ? [
          { kernelName: 'Softmax', kernelFunc: softmax },
          { kernelName: 'Transpose', kernelFunc: transpose },
          { kernelName: 'Mean', kernelFunc: mean },
        ]
      : []),
  ];
}
