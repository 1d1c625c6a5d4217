// Names of mmc's own tfjs kernels: the model code runs them when the active backend registers
// them (wasm: src/core/adam.ts; native: src/native/kernels.ts), and otherwise uses stock ops.
import * as tf from '@tensorflow/tfjs';

/** One AdamW update of one parameter: inputs {p, g}, attrs AdamStepAttrs (adam.ts); returns the new p. */
export const ADAM_KERNEL = 'MmcAdamStep';
/** dy · [y > 0], the gradient through a ReLU from its output: inputs {dy, y}. */
export const RELU_GRAD_KERNEL = 'MmcReluGrad';
/** A dense layer's backward pass: inputs {dy, y, x, w}, attrs {relu, inputGrad}; returns [dW, db] or [dW, db, dx]. */
export const DENSE_GRAD_KERNEL = 'MmcDenseGrad';

export const backendHas = (kernel: string): boolean => tf.getKernel(kernel, tf.getBackend()) !== undefined;
