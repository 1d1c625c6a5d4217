// Convolution and max-pooling kernels of the native backend (native/conv.cc). Shapes and padding
// come from tfjs's own conv_util, so every padding mode, stride and rounding mode means what it
// does on the cpu backend. NCHW, non-float32 tensors, dilated backprops (tfjs has none) and
// activations other than linear/ReLU go to the cpu kernel.
import * as tf from '@tensorflow/tfjs';
import type { NativeAddon } from './addon.js';
import { CONV_RELU_POOL_GRAD_KERNEL, CONV_RELU_POOL_KERNEL } from '../core/ops/kernel-names.js';
import { cpuKernel, f32, output, type CpuLikeBackend } from './kernels.js';

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

  // The fused conv stage (src/core/ops/conv.ts convReluPool). mmc's own kernels: no cpu fallback,
  // so shapes that do not fit are errors.
  interface StageAttrs extends ConvAttrs {
    poolSize: number | [number, number];
    poolStrides: number | [number, number];
    poolPad: PoolAttrs['pad'];
    inputGrad?: boolean;
  }
  const stageGeometry = (x: tf.TensorInfo, filter: tf.TensorInfo, attrs: StageAttrs, what: string) => {
    if (!isNhwc(attrs) || !allF32(x, filter) || x.shape.length !== 4 || filter.shape.length !== 4) throw new Error(`${what}: needs float32 NHWC x and a 4-D filter`);
    const conv = tf.backend_util.computeConv2DInfo(x.shape as Shape4, filter.shape as Shape4, attrs.strides, attrs.dilations ?? 1, attrs.pad, attrs.dimRoundingMode);
    const pool = tf.backend_util.computePool2DInfo(conv.outShape as Shape4, attrs.poolSize, attrs.poolStrides, 1, attrs.poolPad);
    const g = convGeometry(conv);
    const pg = convGeometry(pool);
    if (!g || !pg || filter.shape[2] !== conv.inChannels) throw new Error(`${what}: unsupported shapes x ${x.shape}, filter ${filter.shape}`);
    return { g, pg, outShape: pool.outShape };
  };
  const i32 = (backend: unknown, t: tf.TensorInfo) => (backend as CpuLikeBackend).data.get(t.dataId).values as Int32Array;

  const convReluPool: Kernel = (args) => {
    const { x, filter, bias } = args.inputs as { x: tf.TensorInfo; filter: tf.TensorInfo; bias: tf.TensorInfo };
    const { g, pg, outShape } = stageGeometry(x, filter, args.attrs as unknown as StageAttrs, CONV_RELU_POOL_KERNEL);
    if (bias.dtype !== 'float32' || bias.shape.length !== 1 || bias.shape[0] !== filter.shape[3]) throw new Error(`${CONV_RELU_POOL_KERNEL}: bias must be float32 [${filter.shape[3]}]`);
    const size = tf.util.sizeFromShape(outShape);
    const pooled = new Float32Array(size);
    const idx = new Int32Array(size);
    addon.convReluPool(f32(args.backend, x), f32(args.backend, filter), f32(args.backend, bias), pooled, idx, g, pg);
    return [output(args.backend, outShape, pooled), (args.backend as CpuLikeBackend).makeTensorInfo(outShape, 'int32', idx as unknown as Float32Array)];
  };

  const convReluPoolGrad: Kernel = (args) => {
    const { dy, pooled, idx, x, filter } = args.inputs as Record<'dy' | 'pooled' | 'idx' | 'x' | 'filter', tf.TensorInfo>;
    const attrs = args.attrs as unknown as StageAttrs;
    const { g, pg, outShape } = stageGeometry(x, filter, attrs, CONV_RELU_POOL_GRAD_KERNEL);
    if (!allF32(dy, pooled) || idx.dtype !== 'int32' || ![dy, pooled, idx].every((t) => tf.util.arraysEqual(t.shape, outShape))) throw new Error(`${CONV_RELU_POOL_GRAD_KERNEL}: dy, pooled and idx must have shape ${outShape}`);
    const dw = new Float32Array(tf.util.sizeFromShape(filter.shape));
    const db = new Float32Array(filter.shape[3]);
    const dx = attrs.inputGrad ? new Float32Array(tf.util.sizeFromShape(x.shape)) : null;
    addon.convReluPoolGrad(f32(args.backend, dy), f32(args.backend, pooled), i32(args.backend, idx), f32(args.backend, x), f32(args.backend, filter), dw, db, dx, g, pg);
    const outs = [output(args.backend, filter.shape, dw), output(args.backend, [filter.shape[3]], db)];
    return dx ? [...outs, output(args.backend, x.shape, dx)] : outs;
  };

  return [
    { kernelName: CONV_RELU_POOL_KERNEL, kernelFunc: convReluPool },
    { kernelName: CONV_RELU_POOL_GRAD_KERNEL, kernelFunc: convReluPoolGrad },
    { kernelName: 'Conv2D', kernelFunc: conv2d },
    { kernelName: 'FusedConv2D', kernelFunc: fusedConv2d },
    { kernelName: 'Conv2DBackpropFilter', kernelFunc: filterGrad },
    { kernelName: 'Conv2DBackpropInput', kernelFunc: inputGrad },
    { kernelName: 'MaxPool', kernelFunc: maxPool },
    { kernelName: 'MaxPoolGrad', kernelFunc: maxPoolGrad },
  ];
}
