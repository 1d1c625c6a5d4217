// Kernels of the native backend written in JS with the cpu backend's exact arithmetic, so they give
// the same bits; what they drop is the cpu kernels' generic per-element index arithmetic (an
// indexToLoc and an array per element in Transpose, broadcasting loops in Softmax), which made
// transposes, softmax and reductions most of attention fusion's and analysis's time.
import * as tf from '@tensorflow/tfjs';

/** Row-major strides of a shape. */
const stridesOf = (shape: number[]) => {
  const s = new Array<number>(shape.length);
  for (let d = shape.length - 1, acc = 1; d >= 0; d--) {
    s[d] = acc;
    acc *= shape[d];
  }
  return s;
};

/** x (of `shape`) with its axes permuted: out[i_0..i_r] = x at the input index whose axis perm[d] is i_d. */
export function transposeValues(x: Float32Array, shape: number[], perm: number[], out: Float32Array): void {
  if (out.length === 0) return;
  const r = shape.length;
  if (r === 0) {
    out[0] = x[0];
    return;
  }
  const outShape = perm.map((p) => shape[p]);
  const inStrides = stridesOf(shape);
  const step = perm.map((p) => inStrides[p]); // input stride along each output axis
  const last = outShape[r - 1];
  const lastStep = step[r - 1];
  const idx = new Array<number>(r).fill(0);
  let off = 0;
  let o = 0;
  for (let q = out.length / last; q > 0; q--) {
    for (let k = 0, p = off; k < last; k++, p += lastStep) out[o++] = x[p];
    for (let d = r - 2; d >= 0; d--) {
      off += step[d];
      if (++idx[d] < outShape[d]) break;
      off -= step[d] * outShape[d];
      idx[d] = 0;
    }
  }
}

/**
 * Softmax over the last axis, row by row, as the cpu kernel computes it: the max; x − max and its
 * exp each rounded to float32; their sum accumulated in double, then rounded; each quotient rounded.
 */
export function softmaxRows(x: Float32Array, rows: number, cols: number, out: Float32Array): void {
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    let m = x[o];
    for (let j = 0; j < cols; j++) {
      const v = x[o + j];
      if (Number.isNaN(v) || v > m) m = v;
    }
    let s = 0;
    for (let j = 0; j < cols; j++) {
      const e = Math.fround(Math.exp(Math.fround(x[o + j] - m)));
      out[o + j] = e;
      s += e;
    }
    const sf = Math.fround(s);
    for (let j = 0; j < cols; j++) out[o + j] = out[o + j] / sf;
  }
}

/**
 * A reduction's layout as the cpu kernels make it: the axes permuted so the reduced ones come last
 * (null when they already do), the output shape (keepDims applied) and the size of one reduction.
 */
export function reductionPlan(shape: number[], axis: number | number[], keepDims: boolean): { perm: number[] | null; outShape: number[]; reduceSize: number } {
  const axes = tf.util.parseAxisParam(axis, shape);
  const perm = tf.backend_util.getAxesPermutation(axes, shape.length);
  const permuted = perm ? perm.map((p) => shape[p]) : shape;
  const inner = perm ? tf.backend_util.getInnerMostAxes(axes.length, shape.length) : axes;
  const [outShape, reduceShape] = tf.backend_util.computeOutAndReduceShapes(permuted, inner);
  return { perm, outShape: keepDims ? tf.backend_util.expandShapeToKeepDim(outShape, axes) : outShape, reduceSize: reduceShape.reduce((a, b) => a * b, 1) };
}

/**
 * Sum (or, with `divisor`, the cpu Mean: each value divided and rounded to float32 first) of
 * consecutive runs of `reduceSize` values, accumulated in double in order and rounded once.
 */
export function sumRuns(x: Float32Array, reduceSize: number, out: Float32Array, divisor?: number): void {
  for (let i = 0; i < out.length; i++) {
    const o = i * reduceSize;
    let s = 0;
    if (divisor === undefined) for (let j = 0; j < reduceSize; j++) s += x[o + j];
    else for (let j = 0; j < reduceSize; j++) s += Math.fround(x[o + j] / divisor);
    out[i] = s;
  }
}

/** A row against a column: a is [1, c] (or [c]) and b is [r, 1], or the reverse; null otherwise. */
export function outerPlan(a: number[], b: number[]): { rows: number; cols: number; rowFirst: boolean } | null {
  const row = (s: number[]) => (s.length === 1 ? s[0] : s.length === 2 && s[0] === 1 ? s[1] : -1);
  const col = (s: number[]) => (s.length === 2 && s[1] === 1 ? s[0] : -1);
  if (row(a) > 1 && col(b) > 1) return { rows: col(b), cols: row(a), rowFirst: true };
  if (col(a) > 1 && row(b) > 1) return { rows: col(a), cols: row(b), rowFirst: false };
  return null;
}

/** out[i, j] = op(a, b) of the row's j-th and the column's i-th value, rounded to float32 as the cpu kernel does. */
export function outerBinary(op: 'Add' | 'Sub' | 'Multiply' | 'RealDiv', rowValues: Float32Array, colValues: Float32Array, rowFirst: boolean, out: Float32Array): void {
  const c = rowValues.length;
  const f = { Add: (x: number, y: number) => x + y, Sub: (x: number, y: number) => x - y, Multiply: (x: number, y: number) => x * y, RealDiv: (x: number, y: number) => x / y }[op];
  for (let i = 0; i < colValues.length; i++) {
    const v = colValues[i];
    const o = i * c;
    if (rowFirst) for (let j = 0; j < c; j++) out[o + j] = f(rowValues[j], v);
    else for (let j = 0; j < c; j++) out[o + j] = f(v, rowValues[j]);
  }
}
