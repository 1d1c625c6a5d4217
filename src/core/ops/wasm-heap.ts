// Direct access to wasm tensors' memory, for kernels written in JS over the wasm heap.
// BackendWasm.makeOutput and typedArrayFromHeap are the methods tfjs's own wasm kernels use.
import type * as tf from '@tensorflow/tfjs';

export interface WasmHeapBackend {
  makeOutput(shape: number[], dtype: 'float32'): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): Float32Array;
}

export function heapBackend(backend: unknown): WasmHeapBackend {
  const b = backend as Partial<WasmHeapBackend>;
  if (typeof b.makeOutput !== 'function' || typeof b.typedArrayFromHeap !== 'function') throw new Error('not the wasm backend');
  return b as WasmHeapBackend;
}
