// Names of mmc's own tfjs kernels: the model code runs them when the active backend registers
// them (wasm: src/core/adam.ts; native: src/native/kernels.ts), and otherwise uses stock ops.
import * as tf from '@tensorflow/tfjs';

/** One AdamW update of one parameter: inputs {p, g}, attrs AdamStepAttrs (adam.ts); returns the new p. */
export const ADAM_KERNEL = 'MmcAdamStep';
/** dy · [y > 0], the gradient through a ReLU from its output: inputs {dy, y}. */
export const RELU_GRAD_KERNEL = 'MmcReluGrad';
/** A dense layer's backward pass: inputs {dy, y, x, w}, attrs {relu, inputGrad}; returns [dW, db] or [dW, db, dx]. */
export const DENSE_GRAD_KERNEL = 'MmcDenseGrad';
/**
 * A conv stage's forward pass, maxPool(relu(conv2d(x, filter) + bias)): inputs {x, filter, bias},
 * attrs ConvReluPoolAttrs (conv.ts); returns [pooled, idx], idx (int32) the flat index in the conv
 * output of each pooled value (its window's first maximum in row-major order).
 */
export const CONV_RELU_POOL_KERNEL = 'MmcConvReluPool';
/** Its backward pass: inputs {dy, pooled, idx, x, filter}, attrs ConvReluPoolAttrs & {inputGrad}; returns [dW, db] or [dW, db, dx]. */
export const CONV_RELU_POOL_GRAD_KERNEL = 'MmcConvReluPoolGrad';

export const backendHas = (kernel: string): boolean => tf.getKernel(kernel, tf.getBackend()) !== undefined;
