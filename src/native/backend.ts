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

export const NATIVE_BACKEND = 'native';

class NativeBackend extends MathBackendCPU {
  constructor() {
    super();
    (this as unknown as { firstUse: boolean }).firstUse = false; // no "use tfjs-node" banner: mmc reports its backend itself
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
