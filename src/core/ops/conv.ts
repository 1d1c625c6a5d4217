// 2-D convolution (stride 1, 'same' padding) + bias + ReLU, NHWC. With fast ops (wasm) the
// forward pass is the fused kernel and the backward pass calls the filter- and input-gradient
// kernels directly, skipping the input gradient of the first layer (it is data). Elsewhere: the
// stock fused op and its stock gradient.
import * as tf from '@tensorflow/tfjs';
import { fastOpsActive } from './dense.js';

type CustomFunc = Parameters<typeof tf.customGrad>[0];

function backward(dy: tf.Tensor4D, y: tf.Tensor4D, x: tf.Tensor4D, w: tf.Tensor4D, inputGrad: boolean) {
  const dz = tf.mul(dy, tf.step(y)) as tf.Tensor4D;
  const attrs = { strides: [1, 1], pad: 'same', dataFormat: 'NHWC', dimRoundingMode: undefined, dilations: [1, 1] };
  const dw = tf.engine().runKernel('Conv2DBackpropFilter', { x, dy: dz }, { ...attrs, filterShape: w.shape } as unknown as tf.NamedAttrMap) as tf.Tensor4D;
  const db = tf.sum(dz, [0, 1, 2]);
  const dx = inputGrad ? (tf.engine().runKernel('Conv2DBackpropInput', { dy: dz, filter: w }, { ...attrs, inputShape: x.shape } as unknown as tf.NamedAttrMap) as tf.Tensor4D) : null;
  return { dw, db, dx };
}

function fastConv(x: tf.Tensor4D, w: tf.Tensor4D, b: tf.Tensor1D, inputGrad: boolean): tf.Tensor4D {
  const forward = (xi: tf.Tensor4D, wi: tf.Tensor4D, bi: tf.Tensor1D) => tf.fused.conv2d({ x: xi, filter: wi, bias: bi, strides: 1, pad: 'same', activation: 'relu' });
  if (inputGrad) {
    const f = (xi: tf.Tensor4D, wi: tf.Tensor4D, bi: tf.Tensor1D, save: tf.GradSaveFunc) => {
      const y = forward(xi, wi, bi);
      save([xi, wi, y]);
      const gradFunc = (dy: tf.Tensor | tf.Tensor[], s: tf.Tensor[]) => {
        const g = backward(dy as tf.Tensor4D, s[2] as tf.Tensor4D, s[0] as tf.Tensor4D, s[1] as tf.Tensor4D, true);
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
      const g = backward(dy as tf.Tensor4D, s[1] as tf.Tensor4D, x, s[0] as tf.Tensor4D, false);
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
