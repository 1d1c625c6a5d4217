// Dense layer y = act(x·W + b). On wasm the stock autodiff of matMul uses transposed matmuls,
// which wasm runs many times slower than the plain form; here the backward pass transposes
// explicitly (a cheap memory pass) and then runs plain matmuls, and the forward pass uses the
// fused matmul+bias+ReLU kernel. The native backend (BLAS) runs transposed products at full
// speed, so there the backward pass passes transpose flags instead; it also has a one-pass ReLU
// gradient kernel. On other backends: stock ops, unless forced for tests.
import * as tf from '@tensorflow/tfjs';
import { DENSE_GRAD_KERNEL, RELU_GRAD_KERNEL, backendHas } from './kernel-names.js';

type CustomFunc = Parameters<typeof tf.customGrad>[0];
type Saved = tf.Tensor[];

let fastMode: 'auto' | 'on' | 'off' = 'auto';

/** auto: the fast forms on wasm and native; on/off force them (tests and benchmarks compare both). */
export function setFastOps(mode: 'auto' | 'on' | 'off'): void {
  fastMode = mode;
}

export function fastOpsActive(): boolean {
  return fastMode === 'on' || (fastMode === 'auto' && FAST_BACKENDS.has(tf.getBackend()));
}

const FAST_BACKENDS = new Set(['wasm', 'native']);

/** op(a)·op(b): explicit transposes where transposed products are slow (wasm), flags where not. */
export function matMulT(a: tf.Tensor2D, b: tf.Tensor2D, transposeA: boolean, transposeB: boolean): tf.Tensor2D {
  if (tf.getBackend() === 'native') return tf.matMul(a, b, transposeA, transposeB);
  return tf.matMul(transposeA ? tf.transpose(a) : a, transposeB ? tf.transpose(b) : b);
}

/** dy · [y > 0] (ReLU'(0) = 0, as stock autodiff): one kernel where the backend has it. */
export function reluGrad<T extends tf.Tensor>(dy: T, y: T): T {
  if (backendHas(RELU_GRAD_KERNEL)) return tf.engine().runKernel(RELU_GRAD_KERNEL, { dy, y }) as T;
  return tf.mul(dy, tf.step(y));
}

function stockDense(x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D, relu: boolean): tf.Tensor2D {
  const z = tf.add(tf.matMul(x, w), b) as tf.Tensor2D;
  return relu ? (tf.relu(z) as tf.Tensor2D) : z;
}

interface Grads {
  dx: tf.Tensor | null;
  dw: tf.Tensor;
  db: tf.Tensor;
}

function backward(dy: tf.Tensor2D, y: tf.Tensor2D, x: tf.Tensor2D, w: tf.Tensor2D, relu: boolean, inputGrad: boolean): Grads {
  if (backendHas(DENSE_GRAD_KERNEL)) {
    const [dw, db, dx] = tf.engine().runKernel(DENSE_GRAD_KERNEL, { dy, y, x, w }, { relu, inputGrad }) as tf.Tensor[];
    return { dw, db, dx: dx ?? null };
  }
  const dz = relu ? reluGrad(dy, y) : dy;
  return {
    dw: matMulT(x, dz, true, false),
    db: tf.sum(dz, 0),
    dx: inputGrad ? matMulT(dz, w, false, true) : null,
  };
}

/**
 * act(x·W + b) as one kernel. tf.fused.matMul splits itself into matmul, add and activation
 * whenever a gradient is being recorded (always, in training); inside customGrad the gradient is
 * ours, so the native backend runs the fused kernel itself. wasm keeps tf.fused.matMul: XNNPACK's
 * fused kernel adds the bias in another order, and wasm runs stay as they were.
 */
function fusedMatMul(x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D, activation: 'relu' | 'linear'): tf.Tensor2D {
  if (tf.getBackend() !== 'native') return tf.fused.matMul({ a: x, b: w, bias: b, activation }) as tf.Tensor2D;
  return tf.engine().runKernel('_FusedMatMul', { a: x, b: w, bias: b }, { transposeA: false, transposeB: false, activation, leakyreluAlpha: 0 }) as unknown as tf.Tensor2D;
}

function fastDense(x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D, relu: boolean, inputGrad: boolean): tf.Tensor2D {
  const activation = relu ? 'relu' : 'linear';
  if (inputGrad) {
    const withInput = (xi: tf.Tensor2D, wi: tf.Tensor2D, bi: tf.Tensor1D, save: tf.GradSaveFunc) => {
      const y = fusedMatMul(xi, wi, bi, activation);
      save([xi, wi, y]);
      const gradFunc = (dy: tf.Tensor | tf.Tensor[], s: Saved) => {
        const g = backward(dy as tf.Tensor2D, s[2] as tf.Tensor2D, s[0] as tf.Tensor2D, s[1] as tf.Tensor2D, relu, true);
        return [g.dx!, g.dw, g.db];
      };
      return { value: y, gradFunc };
    };
    return tf.customGrad(withInput as unknown as CustomFunc)(x, w, b) as tf.Tensor2D;
  }
  // x is model input: keep it out of the op's inputs so no gradient is computed for it.
  const paramsOnly = (wi: tf.Tensor2D, bi: tf.Tensor1D, save: tf.GradSaveFunc) => {
    const y = fusedMatMul(x, wi, bi, activation);
    save([wi, y]);
    const gradFunc = (dy: tf.Tensor | tf.Tensor[], s: Saved) => {
      const g = backward(dy as tf.Tensor2D, s[1] as tf.Tensor2D, x, s[0] as tf.Tensor2D, relu, false);
      return [g.dw, g.db];
    };
    return { value: y, gradFunc };
  };
  return tf.customGrad(paramsOnly as unknown as CustomFunc)(w, b) as tf.Tensor2D;
}

/** act(x·W + b). `inputGrad: false` when x is model input (no gradient wanted for it). */
export function dense(x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D, relu: boolean, inputGrad = true): tf.Tensor2D {
  return fastOpsActive() ? fastDense(x, w, b, relu, inputGrad) : stockDense(x, w, b, relu);
}
