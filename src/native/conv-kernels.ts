// Convolution and max-pooling kernels of the native backend (native/conv.cc). Shapes and padding
// come from tfjs's own conv_util, so every padding mode, stride and rounding mode means what it
// does on the cpu backend. NCHW, non-float32 tensors, dilated backprops (tfjs has none) and
// activations other than linear/ReLU go to the cpu kernel.
import * as tf from '@tensorflow/tfjs';
import type { NativeAddon } from './addon.js';
import { cpuKernel, f32, output } from './kernels.js';

type Args = { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap };
type Kernel = (args: Args) => tf.TensorInfo | tf.TensorInfo[];
type Shape4 = [number, number, number, number];
type Conv2DInfo = ReturnType<typeof tf.backend_util.computeConv2DInfo>;

interface ConvAttrs {
  strides: number | [number, number];
  pad: 'same' | 'valid' | number | tf.backend_util.ExplicitPadding;
  dataFormat?: 'NHWC' | 'NCHW';
  dilations?: number | [number, number];
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

/** native/conv.cc's geometry array; null where the C kernels do not apply (empty or negative sizes). */
export function convGeometry(info: Conv2DInfo): Int32Array | null {
  const g = [
    info.batchSize,
    info.inHeight,
    info.inWidth,
    info.inChannels,
    info.filterHeight,
    info.filterWidth,
    info.outChannels,
    info.outHeight,
    info.outWidth,
    info.strideHeight,
    info.strideWidth,
    info.padInfo.top,
    info.padInfo.left,
    info.dilationHeight,
    info.dilationWidth,
  ];
  if (info.dataFormat !== 'channelsLast' || g.some((v) => !Number.isInteger(v) || v < 0) || g.slice(0, 9).some((v) => v === 0)) return null;
  return Int32Array.from(g);
}

const isNhwc = (attrs: ConvAttrs) => (attrs.dataFormat ?? 'NHWC') === 'NHWC';
const allF32 = (...ts: (tf.TensorInfo | undefined)[]) => ts.every((t) => !t || t.dtype === 'float32');
const dilated = (d: ConvAttrs['dilations']) => d !== undefined && (Array.isArray(d) ? d.some((v) => v !== 1) : d !== 1);

export function nativeConvKernels(addon: NativeAddon): { kernelName: string; kernelFunc: Kernel }[] {
  const forward = (args: Args, bias: tf.TensorInfo | undefined, act: number): tf.TensorInfo | null => {
    const { x, filter } = args.inputs as { x: tf.TensorInfo; filter: tf.TensorInfo };
    const attrs = args.attrs as unknown as ConvAttrs;
    if (!isNhwc(attrs) || !allF32(x, filter, bias) || x.shape.length !== 4) return null;
    const info = tf.backend_util.computeConv2DInfo(x.shape as Shape4, filter.shape as Shape4, attrs.strides, attrs.dilations ?? 1, attrs.pad, attrs.dimRoundingMode);
    const g = convGeometry(info);
    if (!g || filter.shape[2] !== info.inChannels || (bias && (bias.shape.length !== 1 || bias.shape[0] !== info.outChannels))) return null;
    const out = new Float32Array(tf.util.sizeFromShape(info.outShape));
    addon.conv2d(f32(args.backend, x), f32(args.backend, filter), bias ? f32(args.backend, bias) : null, out, g, act);
    return output(args.backend, info.outShape, out);
  };

  const conv2d: Kernel = (args) => forward(args, undefined, 0) ?? cpuKernel('Conv2D')(args);

  const fusedConv2d: Kernel = (args) => {
    const { bias, preluActivationWeights } = args.inputs as { bias?: tf.TensorInfo; preluActivationWeights?: tf.TensorInfo };
    const activation = (args.attrs as { activation?: string }).activation ?? 'linear';
    const act = activation === 'linear' ? 0 : activation === 'relu' ? 1 : -1;
    const done = act >= 0 && !preluActivationWeights ? forward(args, bias, act) : null;
    return done ?? cpuKernel('FusedConv2D')(args);
  };

  // tfjs's backprop kernels take no dilations (the cpu ones assume 1): neither do these.
  const filterGrad: Kernel = (args) => {
    const { x, dy } = args.inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
    const attrs = args.attrs as unknown as ConvAttrs & { filterShape: Shape4 };
    if (!isNhwc(attrs) || !allF32(x, dy) || x.shape.length !== 4 || dilated(attrs.dilations)) return cpuKernel('Conv2DBackpropFilter')(args);
    const info = tf.backend_util.computeConv2DInfo(x.shape as Shape4, attrs.filterShape, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode);
    const g = convGeometry(info);
    if (!g || !tf.util.arraysEqual(info.outShape, dy.shape)) return cpuKernel('Conv2DBackpropFilter')(args);
    const out = new Float32Array(tf.util.sizeFromShape(attrs.filterShape));
    addon.conv2dFilterGrad(f32(args.backend, x), f32(args.backend, dy), out, g);
    return output(args.backend, attrs.filterShape, out);
  };

  const inputGrad: Kernel = (args) => {
    const { dy, filter } = args.inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
    const attrs = args.attrs as unknown as ConvAttrs & { inputShape: Shape4 };
    if (!isNhwc(attrs) || !allF32(dy, filter) || dilated(attrs.dilations)) return cpuKernel('Conv2DBackpropInput')(args);
    const info = tf.backend_util.computeConv2DInfo(attrs.inputShape, filter.shape as Shape4, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode);
    const g = convGeometry(info);
    if (!g || filter.shape[2] !== info.inChannels || !tf.util.arraysEqual(info.outShape, dy.shape)) return cpuKernel('Conv2DBackpropInput')(args);
    const out = new Float32Array(tf.util.sizeFromShape(attrs.inputShape));
    addon.conv2dInputGrad(f32(args.backend, dy), f32(args.backend, filter), out, g);
    return output(args.backend, attrs.inputShape, out);
  };

  interface PoolAttrs {
    filterSize: number | [number, number];
    strides: number | [number, number];
    pad: 'same' | 'valid' | number | tf.backend_util.ExplicitPadding;
    dimRoundingMode?: 'floor' | 'round' | 'ceil';
  }
  const poolGeometry = (x: tf.TensorInfo, attrs: PoolAttrs): { info: Conv2DInfo; g: Int32Array } | null => {
    if (x.dtype !== 'float32' || x.shape.length !== 4) return null;
    const info = tf.backend_util.computePool2DInfo(x.shape as Shape4, attrs.filterSize, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode);
    const g = convGeometry(info);
    return g ? { info, g } : null;
  };

  const maxPool: Kernel = (args) => {
    const { x } = args.inputs as { x: tf.TensorInfo };
    const p = poolGeometry(x, args.attrs as unknown as PoolAttrs);
    if (!p) return cpuKernel('MaxPool')(args);
    const out = new Float32Array(tf.util.sizeFromShape(p.info.outShape));
    addon.maxPool(f32(args.backend, x), out, p.g);
    return output(args.backend, p.info.outShape, out);
  };

  const maxPoolGrad: Kernel = (args) => {
    const { dy, input } = args.inputs as { dy: tf.TensorInfo; input: tf.TensorInfo };
    const p = dy.dtype === 'float32' ? poolGeometry(input, args.attrs as unknown as PoolAttrs) : null;
    if (!p || !tf.util.arraysEqual(p.info.outShape, dy.shape)) return cpuKernel('MaxPoolGrad')(args);
    const out = new Float32Array(tf.util.sizeFromShape(input.shape));
    addon.maxPoolGrad(f32(args.backend, dy), f32(args.backend, input), out, p.g);
    return output(args.backend, input.shape, out);
  };

  return [
    { kernelName: 'Conv2D', kernelFunc: conv2d },
    { kernelName: 'FusedConv2D', kernelFunc: fusedConv2d },
    { kernelName: 'Conv2DBackpropFilter', kernelFunc: filterGrad },
    { kernelName: 'Conv2DBackpropInput', kernelFunc: inputGrad },
    { kernelName: 'MaxPool', kernelFunc: maxPool },
    { kernelName: 'MaxPoolGrad', kernelFunc: maxPoolGrad },
  ];
}
