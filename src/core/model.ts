// The fusion model: one MLP encoder per modality, a fusion operator, a fusion head and a classifier.
// Parameters are plain tf.Variables in a fixed order, initialised from the project's Rng, so the
// same seed gives the same weights on every backend. No file system here.
import * as tf from '@tensorflow/tfjs';
import type { Rng } from './rng.js';

export type FusionType = 'concat' | 'sum' | 'late';

export interface ModelSpec {
  modalities: { name: string; inputDim: number }[];
  numClasses: number;
  encoder: { hidden: number[]; outDim: number };
  fusion: { type: FusionType; hidden: number[] };
}

/** How absent modalities are handled: presence masks (n × 1, 1 = present) and optional fill rows. */
export interface Absence {
  presence?: Record<string, tf.Tensor2D>;
  fill?: Record<string, tf.Tensor2D>; // 1 × outDim: the mean protocol's replacement features
}

export interface ForwardOut {
  features: Record<string, tf.Tensor2D>; // each encoder's output (after absence handling)
  fused: tf.Tensor2D; // the fusion head's last hidden layer: the neurons the paper studies
  logits: tf.Tensor2D;
}

interface Dense {
  kernel: tf.Variable;
  bias: tf.Variable;
}

let modelCount = 0;

export class FusionModel {
  private readonly uid = `model${modelCount++}`;
  readonly params = new Map<string, tf.Variable>();
  private encoders: Record<string, Dense[]> = {};
  private heads: Record<string, Dense[]> = {}; // one head 'fused', or one per modality for late fusion
  private classifiers: Record<string, Dense> = {};

  constructor(readonly spec: ModelSpec, rng: Rng) {
    const { encoder, fusion, modalities, numClasses } = spec;
    if (modalities.length === 0) throw new Error('a model needs at least one modality');
    for (const m of modalities) {
      this.encoders[m.name] = this.mlp(`enc/${m.name}`, [m.inputDim, ...encoder.hidden, encoder.outDim], rng);
    }
    const headInputs: Record<string, number> =
      fusion.type === 'late'
        ? Object.fromEntries(modalities.map((m) => [m.name, encoder.outDim]))
        : { fused: fusion.type === 'concat' ? encoder.outDim * modalities.length : encoder.outDim };
    for (const [key, inDim] of Object.entries(headInputs)) {
      const prefix = fusion.type === 'late' ? `head/${key}` : 'head';
      this.heads[key] = this.mlp(prefix, [inDim, ...fusion.hidden], rng);
      const last = fusion.hidden.length ? fusion.hidden[fusion.hidden.length - 1] : inDim;
      this.classifiers[key] = this.dense(`${prefix}/out`, last, numClasses, rng, 1);
    }
  }

  private dense(name: string, fanIn: number, fanOut: number, rng: Rng, gain: number): Dense {
    // He-normal for ReLU layers (gain 2), LeCun-normal for the linear classifier (gain 1).
    // tfjs variable names are global to the engine; prefix them so several models can coexist.
    // Inside tidy so the initial-value tensors are freed (variables survive a tidy).
    const init = rng.normals(fanIn * fanOut, Math.sqrt(gain / fanIn));
    const kernel = tf.tidy(() => tf.variable(tf.tensor2d(init, [fanIn, fanOut]), true, `${this.uid}/${name}/kernel`));
    const bias = tf.tidy(() => tf.variable(tf.zeros([fanOut]), true, `${this.uid}/${name}/bias`));
    this.params.set(`${name}/kernel`, kernel);
    this.params.set(`${name}/bias`, bias);
    return { kernel, bias };
  }

  private mlp(prefix: string, dims: number[], rng: Rng): Dense[] {
    const layers: Dense[] = [];
    for (let i = 0; i + 1 < dims.length; i++) layers.push(this.dense(`${prefix}/dense${i}`, dims[i], dims[i + 1], rng, 2));
    return layers;
  }

  get modalityNames(): string[] {
    return this.spec.modalities.map((m) => m.name);
  }

  get trainable(): tf.Variable[] {
    return [...this.params.values()];
  }

  private static runMlp(layers: Dense[], x: tf.Tensor2D): tf.Tensor2D {
    let h = x;
    for (const l of layers) h = tf.relu(tf.add(tf.matMul(h, l.kernel), l.bias)) as tf.Tensor2D;
    return h;
  }

  private static linear(l: Dense, x: tf.Tensor2D): tf.Tensor2D {
    return tf.add(tf.matMul(x, l.kernel), l.bias) as tf.Tensor2D;
  }

  /** Each modality's encoder output (ReLU features, n × outDim). */
  encode(xs: Record<string, tf.Tensor2D>): Record<string, tf.Tensor2D> {
    const out: Record<string, tf.Tensor2D> = {};
    for (const name of this.modalityNames) {
      const x = xs[name];
      if (!x) throw new Error(`no input for modality "${name}"`);
      out[name] = FusionModel.runMlp(this.encoders[name], x);
    }
    return out;
  }

  /** Fusion head on given features; absent modalities become zeros or the fill row. */
  fuse(features: Record<string, tf.Tensor2D>, absence: Absence = {}): Omit<ForwardOut, 'features'> & { features: Record<string, tf.Tensor2D> } {
    const names = this.modalityNames;
    const feats: Record<string, tf.Tensor2D> = {};
    for (const n of names) {
      const p = absence.presence?.[n];
      const f = absence.fill?.[n];
      if (!p) feats[n] = features[n];
      else if (!f) feats[n] = tf.mul(features[n], p);
      else feats[n] = tf.add(tf.mul(features[n], p), tf.mul(f, tf.sub(1, p)));
    }
    const type = this.spec.fusion.type;
    if (type === 'late') {
      const hidden = names.map((n) => FusionModel.runMlp(this.heads[n], feats[n]));
      const logits = names.map((n, i) => FusionModel.linear(this.classifiers[n], hidden[i]));
      // Zero protocol in late fusion: an absent modality leaves the logit average.
      const weights = names.map((n) => (absence.presence?.[n] && !absence.fill?.[n] ? absence.presence[n] : null));
      let avg: tf.Tensor2D;
      if (weights.every((w) => w === null)) avg = tf.div(tf.addN(logits), names.length);
      else {
        const w = weights.map((wi) => wi ?? tf.onesLike(logits[0].slice([0, 0], [-1, 1])));
        const num = tf.addN(logits.map((l, i) => tf.mul(l, w[i])));
        avg = tf.div(num, tf.maximum(tf.addN(w), 1)) as tf.Tensor2D;
      }
      return { features: feats, fused: tf.concat(hidden, 1), logits: avg };
    }
    const z = type === 'concat' ? (names.length === 1 ? feats[names[0]] : tf.concat(names.map((n) => feats[n]), 1)) : (tf.addN(names.map((n) => feats[n])) as tf.Tensor2D);
    const fused = FusionModel.runMlp(this.heads.fused, z);
    return { features: feats, fused, logits: FusionModel.linear(this.classifiers.fused, fused) };
  }

  forward(xs: Record<string, tf.Tensor2D>, absence: Absence = {}): ForwardOut {
    return this.fuse(this.encode(xs), absence);
  }

  /** Named weight values in parameter order (for checkpoints). */
  async weightValues(): Promise<{ name: string; shape: number[]; data: Float32Array }[]> {
    const out = [];
    for (const [name, v] of this.params) out.push({ name, shape: v.shape, data: (await v.data()) as Float32Array });
    return out;
  }

  setWeights(values: { name: string; shape: number[]; data: Float32Array }[]): void {
    const byName = new Map(values.map((v) => [v.name, v]));
    for (const [name, v] of this.params) {
      const w = byName.get(name);
      if (!w) throw new Error(`checkpoint has no weight "${name}"`);
      if (w.shape.join('x') !== v.shape.join('x')) throw new Error(`weight "${name}" has shape ${w.shape.join('×')} in the checkpoint, ${v.shape.join('×')} in the model`);
      tf.tidy(() => v.assign(tf.tensor(w.data, w.shape)));
    }
  }

  dispose(): void {
    for (const v of this.params.values()) v.dispose();
    this.params.clear();
  }
}
