// The native backend: tfjs's cpu backend (tensors are Float32Arrays in the JS heap) with the
// kernels of a training step replaced by C ones (kernels.ts → native/*.cc, GEMM through OpenBLAS).
// Every kernel the cpu backend has is registered under 'native' too, so any op mmc's one model
// code uses runs here; only the hot ones are native. A later GPU path can follow the same shape:
// a backend name, a kernel table, a plug-in in src/backend.ts.
import * as tf from '@tensorflow/tfjs';
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import type { NativeAddon } from './addon.js';
import { nativeConvKernels } from './conv-kernels.js';
import { nativeKernels } from './kernels.js';
import { BufferPool } from './pool.js';

export const NATIVE_BACKEND = 'native';

export class NativeBackend extends MathBackendCPU {
  // MMC_NATIVE_POOL=off: no reuse (for measuring what the pool buys; docs/performance.md).
  readonly pool = new BufferPool(process.env.MMC_NATIVE_POOL === 'off' ? 0 : undefined);

  constructor() {
    super();
    (this as unknown as { firstUse: boolean }).firstUse = false; // no "use tfjs-node" banner: mmc reports its backend itself
  }

  // Freed outputs of native kernels go back to the pool.
  override disposeData(dataId: object, force = false): boolean {
    const values = this.data.has(dataId) ? this.data.get(dataId).values : undefined;
    const freed = super.disposeData(dataId, force);
    if (freed && !this.data.has(dataId)) this.pool.give(values);
    return freed;
  }

  // Reads hand out copies of pooled arrays: the caller may keep them after the tensor is gone.
  override readSync(dataId: object): ReturnType<MathBackendCPU['readSync']> {
    const v = super.readSync(dataId);
    return this.pool.owns(v) ? (v as Float32Array).slice() : v;
  }
}

let registered = false;

/** Registers the backend and its kernels once per process (tfjs kernel registries are global). */
export function registerNativeBackend(addon: NativeAddon): void {
  if (registered) return;
  registered = true;
  tf.registerBackend(NATIVE_BACKEND, () => new NativeBackend(), 0);
  for (const k of tf.getKernelsForBackend('cpu')) tf.registerKernel({ ...k, backendName: NATIVE_BACKEND });
  for (const k of [...nativeKernels(addon), ...nativeConvKernels(addon)]) {
    if (tf.getKernel(k.kernelName, NATIVE_BACKEND)) tf.unregisterKernel(k.kernelName, NATIVE_BACKEND);
    tf.registerKernel({ kernelName: k.kernelName, backendName: NATIVE_BACKEND, kernelFunc: k.kernelFunc as unknown as tf.KernelFunc });
  }
}
