// Adam with decoupled weight decay (AdamW). Our own, rather than tf.train.adam, so its state
// (step count and moments) is plain data we can checkpoint and restore exactly.
import * as tf from '@tensorflow/tfjs';

export interface AdamOptions {
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
}

export interface AdamState {
  t: number;
  moments: { name: string; m: Float32Array; v: Float32Array; shape: number[] }[];
}

export class Adam {
  t = 0;
  private m = new Map<string, tf.Variable>();
  private v = new Map<string, tf.Variable>();

  constructor(private readonly params: Map<string, tf.Variable>, private readonly o: AdamOptions) {
    for (const [name, p] of params) {
      this.m.set(name, tf.tidy(() => tf.variable(tf.zerosLike(p), false)));
      this.v.set(name, tf.tidy(() => tf.variable(tf.zerosLike(p), false)));
    }
  }

  /** One update. `grads` is keyed by tf variable name (as tf.variableGrads returns it). */
  apply(grads: tf.NamedTensorMap, lr: number): void {
    this.t += 1;
    const { beta1, beta2, eps, weightDecay } = this.o;
    const c1 = 1 - beta1 ** this.t;
    const c2 = 1 - beta2 ** this.t;
    tf.tidy(() => {
      for (const [name, p] of this.params) {
        const g = grads[p.name];
        if (!g) continue;
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
    for (const [name, m] of this.m) {
      moments.push({ name, shape: m.shape, m: (await m.data()) as Float32Array, v: (await this.v.get(name)!.data()) as Float32Array });
    }
    return { t: this.t, moments };
  }

  setState(s: AdamState): void {
    this.t = s.t;
    for (const mo of s.moments) {
      const m = this.m.get(mo.name);
      const v = this.v.get(mo.name);
      if (!m || !v) throw new Error(`optimiser state names unknown parameter "${mo.name}"`);
      tf.tidy(() => {
        m.assign(tf.tensor(mo.m, mo.shape));
        v.assign(tf.tensor(mo.v, mo.shape));
      });
    }
  }

  dispose(): void {
    for (const x of [...this.m.values(), ...this.v.values()]) x.dispose();
  }
}
