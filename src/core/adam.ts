// Adam with decoupled weight decay (AdamW). Our own, rather than tf.train.adam, so its state
// (step count and moments) is plain data we can checkpoint and restore exactly.
//
// Two update paths with the same arithmetic:
// - tensors (any backend): moments are tf.Variables, the update is ~12 elementwise ops per
//   parameter;
// - wasm, fast ops on: one registered kernel per parameter that reads the gradient and the
//   weights straight from the wasm heap and writes the new weights in a single pass, with the
//   moments kept as Float32Arrays. It writes a new tensor rather than updating in place, because
//   the wasm matmul caches packed weights by tensor id;
// - native, fast ops on: the same kernel name, in C (src/native/kernels.ts, native/elementwise.cc).
import * as tf from '@tensorflow/tfjs';
import { fastOpsActive } from './ops/dense.js';
import { ADAM_KERNEL, backendHas } from './ops/kernel-names.js';

export interface AdamOptions {
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  /** Per parameter (by name), a factor on the step's learning rate (its decay too); unlisted: 1. EBR's ebr.psi_lr. */
  lrScale?: Record<string, number>;
}

export interface AdamState {
  t: number;
  moments: { name: string; m: Float32Array; v: Float32Array; shape: number[] }[];
}

interface WasmHeapBackend {
  makeOutput(shape: number[], dtype: 'float32'): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): Float32Array;
}

/** The attributes of ADAM_KERNEL (moments are updated in place by the kernel). */
export interface AdamStepAttrs {
  m: Float32Array;
  v: Float32Array;
  beta1: number;
  beta2: number;
  stepSize: number; // lr / (1 − β1^t)
  c2: number; // 1 − β2^t
  eps: number;
  decay: number; // lr · weight_decay
}

let registered = false;
function registerWasmKernel(): void {
  if (registered) return;
  registered = true;
  tf.registerKernel({
    kernelName: ADAM_KERNEL,
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend, attrs }) => {
      const b = backend as unknown as WasmHeapBackend;
      const { p, g } = inputs as { p: tf.TensorInfo; g: tf.TensorInfo };
      const a = attrs as unknown as AdamStepAttrs;
      const out = b.makeOutput(p.shape, 'float32');
      const pv = b.typedArrayFromHeap(p);
      const gv = b.typedArrayFromHeap(g);
      const ov = b.typedArrayFromHeap(out); // views taken after the allocation, which may grow the heap
      const { m, v, beta1, beta2, stepSize, c2, eps, decay } = a;
      const b1c = 1 - beta1;
      const b2c = 1 - beta2;
      const invC2 = 1 / c2;
      for (let i = 0; i < pv.length; i++) {
        const gi = gv[i];
        const mi = beta1 * m[i] + b1c * gi;
        const vi = beta2 * v[i] + b2c * gi * gi;
        m[i] = mi;
        v[i] = vi;
        ov[i] = pv[i] - (stepSize * mi) / (Math.sqrt(vi * invC2) + eps) - decay * pv[i];
      }
      return out;
    },
  });
}

export class Adam {
  t = 0;
  private m = new Map<string, tf.Variable>();
  private v = new Map<string, tf.Variable>();
  private mFast = new Map<string, Float32Array>();
  private vFast = new Map<string, Float32Array>();
  private readonly fast: boolean;

  constructor(private readonly params: Map<string, tf.Variable>, private readonly o: AdamOptions) {
    if (fastOpsActive() && tf.getBackend() === 'wasm') registerWasmKernel();
    this.fast = fastOpsActive() && backendHas(ADAM_KERNEL); // wasm (above) and native register one
    for (const [name, p] of params) {
      if (this.fast) {
        this.mFast.set(name, new Float32Array(p.size));
        this.vFast.set(name, new Float32Array(p.size));
      } else {
        this.m.set(name, tf.tidy(() => tf.variable(tf.zerosLike(p), false)));
        this.v.set(name, tf.tidy(() => tf.variable(tf.zerosLike(p), false)));
      }
    }
  }

  /** One update. `grads` is keyed by tf variable name (as tf.variableGrads returns it). */
  apply(grads: tf.NamedTensorMap, baseLr: number): void {
    this.t += 1;
    const { beta1, beta2, eps, weightDecay, lrScale } = this.o;
    const c1 = 1 - beta1 ** this.t;
    const c2 = 1 - beta2 ** this.t;
    // A listed parameter's own rate; the others keep baseLr itself (not baseLr × 1), so no scale changes nothing.
    const rate = (name: string) => (lrScale && name in lrScale ? baseLr * lrScale[name] : baseLr);
    if (this.fast) {
      for (const [name, p] of this.params) {
        const g = grads[p.name];
        if (!g) continue;
        const lr = rate(name);
        const attrs: AdamStepAttrs = { m: this.mFast.get(name)!, v: this.vFast.get(name)!, beta1, beta2, stepSize: lr / c1, c2, eps, decay: lr * weightDecay };
        const next = tf.engine().runKernel(ADAM_KERNEL, { p, g }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor;
        p.assign(next);
        next.dispose();
      }
      return;
    }
    tf.tidy(() => {
      for (const [name, p] of this.params) {
        const g = grads[p.name];
        if (!g) continue;
        const lr = rate(name);
        const m = this.m.get(name)!;
        const v = this.v.get(name)!;
        const m1 = tf.add(tf.mul(m, beta1), tf.mul(g, 1 - beta1));
        const v1 = tf.add(tf.mul(v, beta2), tf.mul(tf.square(g), 1 - beta2));
        m.assign(m1);
        v.assign(v1);
        let step = tf.div(tf.mul(m1, lr / c1), tf.add(tf.sqrt(tf.div(v1, c2)), eps));
        if (weightDecay > 0) step = tf.add(step, tf.mul(p, lr * weightDecay));
        p.assign(tf.sub(p, step));
      }
    });
  }

  async state(): Promise<AdamState> {
    const moments = [];
    for (const [name, p] of this.params) {
      if (this.fast) moments.push({ name, shape: p.shape, m: this.mFast.get(name)!.slice(), v: this.vFast.get(name)!.slice() });
      else moments.push({ name, shape: p.shape, m: (await this.m.get(name)!.data()) as Float32Array, v: (await this.v.get(name)!.data()) as Float32Array });
    }
    return { t: this.t, moments };
  }

  setState(s: AdamState): void {
    this.t = s.t;
    for (const mo of s.moments) {
      if (!this.params.has(mo.name)) throw new Error(`optimiser state names unknown parameter "${mo.name}"`);
      if (this.fast) {
        this.mFast.get(mo.name)!.set(mo.m);
        this.vFast.get(mo.name)!.set(mo.v);
      } else {
        tf.tidy(() => {
          this.m.get(mo.name)!.assign(tf.tensor(mo.m, mo.shape));
          this.v.get(mo.name)!.assign(tf.tensor(mo.v, mo.shape));
        });
      }
    }
  }

  /** A fresh optimiser (step 0, zero moments) with the same options over the parameters `keep` names. */
  subset(keep: (name: string) => boolean): Adam {
    return new Adam(new Map([...this.params].filter(([name]) => keep(name))), this.o);
  }

  dispose(): void {
    for (const x of [...this.m.values(), ...this.v.values()]) x.dispose();
  }
}
