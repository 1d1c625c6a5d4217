// Dense layer y = act(x·W + b). On wasm the stock autodiff of matMul uses transposed matmuls,
// which wasm runs many times slower than the plain form; here the backward pass transposes
// explicitly (a cheap memory pass) and then runs plain matmuls, and the forward pass uses the
// fused matmul+bias+ReLU kernel. On other backends: stock ops, unless forced for tests.
import * as tf from '@tensorflow/tfjs';

type CustomFunc = Parameters<typeof tf.customGrad>[0];
type Saved = tf.Tensor[];

let fastMode: 'auto' | 'on' | 'off' = 'auto';

/** auto: the fast forms on wasm only; on/off force them (tests and benchmarks compare both). */
export function setFastOps(mode: 'auto' | 'on' | 'off'): void {
  fastMode = mode;
}

export function fastOpsActive(): boolean {
  return fastMode === 'on' || (fastMode === 'auto' && tf.getBackend() === 'wasm');
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
  const dz = relu ? tf.mul(dy, tf.step(y)) : dy; // ReLU'(0) = 0, as stock autodiff
  return {
    dw: tf.matMul(tf.transpose(x), dz),
    db: tf.sum(dz, 0),
    dx: inputGrad ? tf.matMul(dz, tf.transpose(w)) : null,
  };
}

function fastDense(x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D, relu: boolean, inputGrad: boolean): tf.Tensor2D {
  const activation = relu ? 'relu' : 'linear';
  if (inputGrad) {
    const withInput = (xi: tf.Tensor2D, wi: tf.Tensor2D, bi: tf.Tensor1D, save: tf.GradSaveFunc) => {
      const y = tf.fused.matMul({ a: xi, b: wi, bias: bi, activation });
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
    const y = tf.fused.matMul({ a: x, b: wi, bias: bi, activation });
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
