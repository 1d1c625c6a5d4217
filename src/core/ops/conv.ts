// 2-D convolution (stride 1, 'same' padding) + bias + ReLU, and max-pooling, NHWC.
//
// With fast ops (wasm) both have hand-written gradients, because wasm's own backward kernels are
// slow or missing: a profile of the conv benchmark spent most of its step in Conv2DBackpropInput
// and MaxPoolGrad. Here:
// - the input gradient is a convolution of dy with the flipped filter (XNNPACK's fast Conv2D);
// - the filter gradient is the Conv2DBackpropFilter kernel (wasm lacks it; mmc registers one);
// - the first layer computes no input gradient (its input is data);
// - max-pooling keeps tf.maxPool: its gradient kernel is replaced on wasm (wasm-kernels.ts).
// On native (src/native/conv-kernels.ts) the forward pass runs the FusedConv2D kernel itself
// (tf.fused.conv2d splits into unfused ops while a gradient is recorded, as dense.ts explains) and
// the input gradient is the Conv2DBackpropInput kernel, which is native there.
// Elsewhere: the stock fused op and its stock gradient.
import * as tf from '@tensorflow/tfjs';
import { fastOpsActive, reluGrad } from './dense.js';
import { CONV_RELU_POOL_GRAD_KERNEL, CONV_RELU_POOL_KERNEL, backendHas } from './kernel-names.js';

type CustomFunc = Parameters<typeof tf.customGrad>[0];

/** 'same' padding for stride 1: [top, bottom] for a k-wide kernel. */
const samePad = (k: number): [number, number] => [Math.floor((k - 1) / 2), k - 1 - Math.floor((k - 1) / 2)];

/** dW via the Conv2DBackpropFilter kernel (on wasm: mmc's, from Transpose and Conv2D; see wasm-kernels.ts). */
export function convFilterGrad(x: tf.Tensor4D, dz: tf.Tensor4D, kh: number, kw: number): tf.Tensor4D {
  const attrs = { strides: [1, 1], pad: 'same', dataFormat: 'NHWC', dimRoundingMode: undefined, dilations: [1, 1], filterShape: [kh, kw, x.shape[3], dz.shape[3]] };
  return tf.engine().runKernel('Conv2DBackpropFilter', { x, dy: dz }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor4D;
}

/** dx = conv2d(dz, W flipped in space with in/out channels swapped), padded to undo 'same'. */
export function convInputGrad(dz: tf.Tensor4D, w: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => {
    const [kh, kw] = w.shape;
    const [pt, pb] = samePad(kh);
    const [pl, pr] = samePad(kw);
    const flipped = tf.transpose(tf.reverse(w, [0, 1]), [0, 1, 3, 2]) as tf.Tensor4D;
    return tf.conv2d(dz, flipped, 1, [[0, 0], [kh - 1 - pt, kh - 1 - pb], [kw - 1 - pl, kw - 1 - pr], [0, 0]]);
  });
}

const SAME_STRIDE1 = { strides: [1, 1], pad: 'same', dataFormat: 'NHWC', dimRoundingMode: undefined };

/** relu(conv2d(x, W) + b) as the one FusedConv2D kernel (native). */
function fusedConvKernel(x: tf.Tensor4D, w: tf.Tensor4D, b: tf.Tensor1D): tf.Tensor4D {
  const attrs = { ...SAME_STRIDE1, dilations: [1, 1], activation: 'relu', leakyreluAlpha: 0 };
  return tf.engine().runKernel('FusedConv2D', { x, filter: w, bias: b }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor4D;
}

/** dx via the Conv2DBackpropInput kernel (native). */
function convInputGradKernel(dz: tf.Tensor4D, w: tf.Tensor4D, inputShape: number[]): tf.Tensor4D {
  const attrs = { ...SAME_STRIDE1, inputShape };
  return tf.engine().runKernel('Conv2DBackpropInput', { dy: dz, filter: w }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor4D;
}

function fastConv(x: tf.Tensor4D, w: tf.Tensor4D, b: tf.Tensor1D, inputGrad: boolean): tf.Tensor4D {
  const native = tf.getBackend() === 'native';
  const forward = (xi: tf.Tensor4D, wi: tf.Tensor4D, bi: tf.Tensor1D) =>
    native ? fusedConvKernel(xi, wi, bi) : tf.fused.conv2d({ x: xi, filter: wi, bias: bi, strides: 1, pad: 'same', activation: 'relu' });
  const dxOf = (dz: tf.Tensor4D, xv: tf.Tensor4D, wv: tf.Tensor4D) => (native ? convInputGradKernel(dz, wv, xv.shape) : convInputGrad(dz, wv));
  const grads = (dy: tf.Tensor4D, y: tf.Tensor4D, xv: tf.Tensor4D, wv: tf.Tensor4D) => {
    const dz = reluGrad(dy, y);
    return { dw: convFilterGrad(xv, dz, wv.shape[0], wv.shape[1]), db: tf.sum(dz, [0, 1, 2]), dx: inputGrad ? dxOf(dz, xv, wv) : null };
  };
  if (inputGrad) {
    const f = (xi: tf.Tensor4D, wi: tf.Tensor4D, bi: tf.Tensor1D, save: tf.GradSaveFunc) => {
      const y = forward(xi, wi, bi);
      save([xi, wi, y]);
      const gradFunc = (dy: tf.Tensor | tf.Tensor[], s: tf.Tensor[]) => {
        const g = grads(dy as tf.Tensor4D, s[2] as tf.Tensor4D, s[0] as tf.Tensor4D, s[1] as tf.Tensor4D);
        return [g.dx!, g.dw, g.db];
      };
      return { value: y, gradFunc };
    };
    return tf.customGrad(f as unknown as CustomFunc)(x, w, b) as tf.Tensor4D;
  }
  const f = (wi: tf.Tensor4D, bi: tf.Tensor1D, save: tf.GradSaveFunc) => {
    const y = forward(x, wi, bi);
    save([wi, y]);
    const gradFunc = (dy: tf.Tensor | tf.Tensor[], s: tf.Tensor[]) => {
      const g = grads(dy as tf.Tensor4D, s[1] as tf.Tensor4D, x, s[0] as tf.Tensor4D);
      return [g.dw, g.db];
    };
    return { value: y, gradFunc };
  };
  return tf.customGrad(f as unknown as CustomFunc)(w, b) as tf.Tensor4D;
}

/** relu(conv2d(x, W, stride 1, 'same') + b). `inputGrad: false` when x is model input. */
export function convRelu(x: tf.Tensor4D, w: tf.Tensor4D, b: tf.Tensor1D, inputGrad = true): tf.Tensor4D {
  if (fastOpsActive()) return fastConv(x, w, b, inputGrad);
  return tf.fused.conv2d({ x, filter: w, bias: b, strides: 1, pad: 'same', activation: 'relu' });
}

/** Max-pool p×p with stride p ('valid'); its gradient is the MaxPoolGrad kernel (mmc's on wasm). */
export function maxPool(x: tf.Tensor4D, p: number): tf.Tensor4D {
  return tf.maxPool(x, p, p, 'valid');
}

/** Attributes of the fused conv-stage kernels (kernel-names.ts CONV_RELU_POOL_KERNEL). */
export interface ConvReluPoolAttrs {
  strides: number | [number, number];
  pad: 'same' | 'valid';
  dataFormat: 'NHWC';
  dilations: number | [number, number];
  dimRoundingMode: undefined;
  poolSize: number;
  poolStrides: number;
  poolPad: 'valid';
}

/**
 * maxPool(convRelu(x, W, b, inputGrad), p): one conv stage. Where the backend has the fused kernels
 * (native) it is one custom-gradient op: the forward kernel keeps each pooled value's argmax, and the
 * backward kernel sends dy through it and the ReLU mask straight into dW, db and dx, never building
 * the conv output's gradient. Elsewhere exactly convRelu then maxPool.
 */
export function convReluPool(x: tf.Tensor4D, w: tf.Tensor4D, b: tf.Tensor1D, p: number, inputGrad = true): tf.Tensor4D {
  const empty = x.shape.some((d) => d === 0) || x.shape[1] < p || x.shape[2] < p; // the kernels take no empty shapes
  if (empty || !(fastOpsActive() && backendHas(CONV_RELU_POOL_KERNEL) && backendHas(CONV_RELU_POOL_GRAD_KERNEL))) return maxPool(convRelu(x, w, b, inputGrad), p);
  const attrs: ConvReluPoolAttrs = { ...SAME_STRIDE1, dataFormat: 'NHWC', dilations: [1, 1], poolSize: p, poolStrides: p, poolPad: 'valid' } as ConvReluPoolAttrs;
  const forward = (xi: tf.Tensor4D, wi: tf.Tensor4D, bi: tf.Tensor1D) =>
    tf.engine().runKernel(CONV_RELU_POOL_KERNEL, { x: xi, filter: wi, bias: bi }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor[];
  const backward = (dy: tf.Tensor, pooled: tf.Tensor, idx: tf.Tensor, xv: tf.Tensor, wv: tf.Tensor) =>
    tf.engine().runKernel(CONV_RELU_POOL_GRAD_KERNEL, { dy, pooled, idx, x: xv, filter: wv }, { ...attrs, inputGrad } as unknown as tf.NamedAttrMap) as tf.Tensor[];
  if (inputGrad) {
    const f = (xi: tf.Tensor4D, wi: tf.Tensor4D, bi: tf.Tensor1D, save: tf.GradSaveFunc) => {
      const [pooled, idx] = forward(xi, wi, bi);
      save([xi, wi, pooled, idx]);
      const gradFunc = (dy: tf.Tensor | tf.Tensor[], s: tf.Tensor[]) => {
        const [dw, db, dx] = backward(dy as tf.Tensor, s[2], s[3], s[0], s[1]);
        return [dx, dw, db];
      };
      return { value: pooled, gradFunc };
    };
    return tf.customGrad(f as unknown as CustomFunc)(x, w, b) as tf.Tensor4D;
  }
  const f = (wi: tf.Tensor4D, bi: tf.Tensor1D, save: tf.GradSaveFunc) => {
    const [pooled, idx] = forward(x, wi, bi);
    save([wi, pooled, idx]);
    const gradFunc = (dy: tf.Tensor | tf.Tensor[], s: tf.Tensor[]) => backward(dy as tf.Tensor, s[1], s[2], x, s[0]);
    return { value: pooled, gradFunc };
  };
  return tf.customGrad(f as unknown as CustomFunc)(w, b) as tf.Tensor4D;
}
