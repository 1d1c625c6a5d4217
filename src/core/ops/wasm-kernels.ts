// Kernels the wasm backend lacks, built from kernels it has (called directly, not through the
// engine, so nothing is taped). Registered only for 'wasm'; other backends keep their own.
//
// Conv2DBackpropFilter (stride 1, dilation 1, NHWC): the filter gradient is itself a convolution,
//   dW[a,b,ci,co] = Σ_{n,i,j} xpad[n, i+a, j+b, ci] · dy[n, i, j, co]
// i.e. conv2d(x transposed to [Ci, H, W, N], dy transposed to [Ho, Wo, N, Co]) with the forward
// pass's padding, then transposed from [Ci, kh, kw, Co] to [kh, kw, Ci, Co].
import * as tf from '@tensorflow/tfjs';
import { heapBackend } from './wasm-heap.js';

type KernelFunc = (args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap }) => tf.TensorInfo;
interface DisposingBackend {
  disposeData(dataId: object): void;
}

function kernel(name: string): KernelFunc {
  const k = tf.getKernel(name, 'wasm');
  if (!k) throw new Error(`wasm backend has no ${name} kernel`);
  return k.kernelFunc as unknown as KernelFunc;
}

type Pad = 'valid' | 'same' | number | [[number, number], [number, number], [number, number], [number, number]];

/** Per-side padding of the forward convolution (stride 1): [top, bottom, left, right]. */
export function forwardPadding(pad: Pad, kh: number, kw: number): [number, number, number, number] {
  if (pad === 'valid') return [0, 0, 0, 0];
  if (pad === 'same') {
    const top = Math.floor((kh - 1) / 2);
    const left = Math.floor((kw - 1) / 2);
    return [top, kh - 1 - top, left, kw - 1 - left];
  }
  if (typeof pad === 'number') return [pad, pad, pad, pad];
  return [pad[1][0], pad[1][1], pad[2][0], pad[2][1]];
}

function conv2dBackpropFilter({ inputs, backend, attrs }: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap }): tf.TensorInfo {
  const { x, dy } = inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
  const a = attrs as unknown as { strides: number | [number, number]; pad: Pad; dataFormat: string; dilations?: number | [number, number]; filterShape: [number, number, number, number] };
  const strides = typeof a.strides === 'number' ? [a.strides, a.strides] : a.strides;
  const dil = a.dilations === undefined ? [1, 1] : typeof a.dilations === 'number' ? [a.dilations, a.dilations] : a.dilations;
  if (strides[0] !== 1 || strides[1] !== 1 || dil[0] !== 1 || dil[1] !== 1 || (a.dataFormat && a.dataFormat !== 'NHWC')) {
    throw new Error(`mmc's wasm Conv2DBackpropFilter supports stride 1, dilation 1, NHWC only (got strides ${strides}, dilations ${dil}, ${a.dataFormat})`);
  }
  const [kh, kw] = a.filterShape;
  const [top, bottom, left, right] = forwardPadding(a.pad, kh, kw);
  const b = backend as DisposingBackend;
  const transpose = kernel('Transpose');
  const conv = kernel('Conv2D');
  const xt = transpose({ inputs: { x }, backend, attrs: { perm: [3, 1, 2, 0] } }); // [Ci, H, W, N]
  const dyt = transpose({ inputs: { x: dy }, backend, attrs: { perm: [1, 2, 0, 3] } }); // [Ho, Wo, N, Co]
  const out = conv({
    inputs: { x: xt, filter: dyt },
    backend,
    attrs: { strides: [1, 1], pad: [[0, 0], [top, bottom], [left, right], [0, 0]] as unknown as tf.NamedAttrMap[string], dataFormat: 'NHWC', dilations: [1, 1], dimRoundingMode: null as unknown as string },
  }); // [Ci, kh, kw, Co]
  const dw = transpose({ inputs: { x: out }, backend, attrs: { perm: [1, 2, 0, 3] } });
  b.disposeData(xt.dataId);
  b.disposeData(dyt.dataId);
  b.disposeData(out.dataId);
  return dw;
}

/**
 * MaxPoolGrad for non-overlapping windows (filter = stride, 'valid'), in one JS pass over the wasm
 * heap: each window's dy goes to its first maximum in row-major order, as the stock kernels do.
 * wasm's own kernel took ~7 ms per call in the conv benchmark; other cases still go to it.
 */
function fastMaxPoolGrad(fallback: KernelFunc): KernelFunc {
  return (args) => {
    const { dy, input } = args.inputs as { dy: tf.TensorInfo; input: tf.TensorInfo };
    const a = args.attrs as unknown as { filterSize: number | [number, number]; strides: number | [number, number]; pad: unknown; dimRoundingMode?: string };
    const [fh, fw] = typeof a.filterSize === 'number' ? [a.filterSize, a.filterSize] : a.filterSize;
    const [sh, sw] = typeof a.strides === 'number' ? [a.strides, a.strides] : a.strides;
    if (fh !== sh || fw !== sw || !(a.pad === 'valid' || a.pad === 0) || input.shape.length !== 4) return fallback(args);
    const b = heapBackend(args.backend);
    const [n, h, w, c] = input.shape;
    const ho = Math.floor(h / fh);
    const wo = Math.floor(w / fw);
    const out = b.makeOutput(input.shape, 'float32');
    const x = b.typedArrayFromHeap(input);
    const g = b.typedArrayFromHeap(dy);
    const dx = b.typedArrayFromHeap(out); // after the allocation, which may have grown the heap
    dx.fill(0);
    const best = new Float32Array(c);
    const where = new Int32Array(c);
    for (let bi = 0; bi < n; bi++) {
      for (let oi = 0; oi < ho; oi++) {
        for (let oj = 0; oj < wo; oj++) {
          for (let wr = 0; wr < fh; wr++) {
            for (let wc = 0; wc < fw; wc++) {
              const base = ((bi * h + oi * fh + wr) * w + oj * fw + wc) * c;
              if (wr === 0 && wc === 0) {
                for (let k = 0; k < c; k++) {
                  best[k] = x[base + k];
                  where[k] = base + k;
                }
              } else {
                for (let k = 0; k < c; k++) {
                  if (x[base + k] > best[k]) {
                    best[k] = x[base + k];
                    where[k] = base + k;
                  }
                }
              }
            }
          }
          const gBase = ((bi * ho + oi) * wo + oj) * c;
          for (let k = 0; k < c; k++) dx[where[k]] = g[gBase + k];
        }
      }
    }
    return out;
  };
}

let registered = false;

/** Register what wasm lacks (unless a later tfjs adds it) and the faster MaxPoolGrad, once. */
export function registerWasmKernels(): void {
  if (registered) return;
  registered = true;
  if (!tf.getKernel('Conv2DBackpropFilter', 'wasm')) {
    tf.registerKernel({ kernelName: 'Conv2DBackpropFilter', backendName: 'wasm', kernelFunc: conv2dBackpropFilter as unknown as tf.KernelFunc });
  }
  const stockPoolGrad = tf.getKernel('MaxPoolGrad', 'wasm');
  if (stockPoolGrad) {
    tf.unregisterKernel('MaxPoolGrad', 'wasm');
    tf.registerKernel({ ...stockPoolGrad, kernelName: 'MaxPoolGrad', backendName: 'wasm', kernelFunc: fastMaxPoolGrad(stockPoolGrad.kernelFunc as unknown as KernelFunc) as unknown as tf.KernelFunc });
  }
}
