// The fusion model: one encoder per modality (MLP, or LeNet-style conv for image-shaped inputs),
// a fusion operator, a fusion head and a classifier.
// Parameters are plain tf.Variables in a fixed order, initialised from the project's Rng, so the
// same seed gives the same weights on every backend. No file system here.
import * as tf from '@tensorflow/tfjs';
import type { Rng } from './rng.js';
import { initLayer, type InitScheme } from './init.js';
import { dense } from './ops/dense.js';
import { convReluPool } from './ops/conv.js';
import { substitute } from './ebr/substitute.js';
import { attentionPool, buildAttention, type AttentionSpec, type AttentionWeights } from './attention.js';

export type FusionType = 'concat' | 'sum' | 'late' | 'attention';
export type { AttentionSpec } from './attention.js';

export type EncoderSpec =
  | { type: 'mlp'; hidden: number[]; outDim: number }
  // conv stages: conv k×k ('same', stride 1) + ReLU, then max-pool pool×pool; then an MLP.
  | { type: 'conv'; inputShape: [number, number, number]; channels: number[]; kernelSize: number; pool: number; hidden: number[]; outDim: number };

/**
 * Explicit Basis Reallocation (paper §2): per modality h_i (encoder output → shared g-space) and
 * h_i⁻¹ (g-space → encoder width, what the fusion head sees), and one discriminator ψ on g-space.
 */
export interface EbrSpec {
  gDim: number;
  hidden: number; // width of the hidden layer of h_i, h_i⁻¹
  psiHidden: number; // width of ψ's hidden layer
  /** h_i⁻¹'s last layer; absent (specs saved before the choice existed) = 'relu'. */
  hinvOutput?: 'linear' | 'relu';
}

export interface ModelSpec {
  modalities: { name: string; inputDim: number; encoder: EncoderSpec }[];
  numClasses: number;
  /** `attention`: required for type attention (core/attention.ts), ignored otherwise. */
  fusion: { type: FusionType; hidden: number[]; attention?: AttentionSpec };
  ebr?: EbrSpec;
  /** How every layer's initial weights are drawn (core/init.ts, config model.init); absent: torch. */
  init?: InitScheme;
}

/** Spatial size after the conv stages (each pool floors the size). */
export function convOutputShape(e: Extract<EncoderSpec, { type: 'conv' }>): [number, number, number] {
  let [h, w] = e.inputShape;
  for (let i = 0; i < e.channels.length; i++) {
    h = Math.floor(h / e.pool);
    w = Math.floor(w / e.pool);
  }
  return [h, w, e.channels.length ? e.channels[e.channels.length - 1] : e.inputShape[2]];
}

/** How absent modalities are handled: presence masks (n × 1, 1 = present) and optional fill rows. */
export interface Absence {
  presence?: Record<string, tf.Tensor2D>;
  fill?: Record<string, tf.Tensor2D>; // 1 × outDim: the mean protocol's replacement features
  /** EBR: per modality m, the modalities that may stand in for it (most similar first); per sample, the first present one gives h_m⁻¹(g_k). */
  substitute?: Record<string, string[]>;
}

export interface ForwardOut {
  g?: Record<string, tf.Tensor2D>; // EBR: each modality in the shared g-space
  encoded: Record<string, tf.Tensor2D>; // each encoder's output as computed
  features: Record<string, tf.Tensor2D>; // the same after absence handling (what the fusion operator saw)
  fused: tf.Tensor2D; // the fusion head's last hidden layer: the neurons the paper studies
  pooled?: tf.Tensor2D; // attention fusion: the present tokens' mean, the fusion head's MLP input (n × d_model)
  logits: tf.Tensor2D;
}

interface Dense {
  kernel: tf.Variable;
  bias: tf.Variable;
}

interface Encoder {
  spec: EncoderSpec;
  convs: Dense[]; // kernels [k, k, cin, cout]
  mlp: Dense[];
}

let modelCount = 0;

/** Identity forward, zero gradient backward. */
export function stopGradient<T extends tf.Tensor>(x: T): T {
  const f = tf.customGrad(((xi: tf.Tensor) => ({ value: tf.clone(xi), gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy) })) as unknown as Parameters<typeof tf.customGrad>[0]);
  return f(x) as T;
}

export class FusionModel {
  private readonly uid = `model${modelCount++}`;
  readonly params = new Map<string, tf.Variable>();
  private encoders: Record<string, Encoder> = {};
  private heads: Record<string, Dense[]> = {}; // one head 'fused', or one per modality for late fusion
  private classifiers: Record<string, Dense> = {};
  private aux: Record<string, Dense> = {};
  private ebrH: Record<string, Dense[]> = {};
  private ebrHinv: Record<string, Dense[]> = {};
  private ebrPsi: Dense[] = [];
  private attention: AttentionWeights | null = null;

  constructor(readonly spec: ModelSpec, rng: Rng) {
    const { fusion, modalities, numClasses } = spec;
    if (modalities.length === 0) throw new Error('a model needs at least one modality');
    for (const m of modalities) this.encoders[m.name] = this.encoder(m.name, m.inputDim, m.encoder, rng);
    if (spec.ebr) {
      const e = spec.ebr;
      for (const m of modalities) {
        const d = m.encoder.outDim;
        this.ebrH[m.name] = [this.dense(`ebr/h/${m.name}/dense0`, d, e.hidden, rng, 2), this.dense(`ebr/h/${m.name}/dense1`, e.hidden, e.gDim, rng, 1)];
        // A linear output layer is drawn LeCun-normal (gain 1) like the other linear outputs, a ReLU one He-normal.
        this.ebrHinv[m.name] = [this.dense(`ebr/hinv/${m.name}/dense0`, e.gDim, e.hidden, rng, 2), this.dense(`ebr/hinv/${m.name}/dense1`, e.hidden, d, rng, e.hinvOutput === 'linear' ? 1 : 2)];
      }
      this.ebrPsi = [this.dense('ebr/psi/dense0', e.gDim, e.psiHidden, rng, 2), this.dense('ebr/psi/dense1', e.psiHidden, modalities.length, rng, 1)];
    }
    const outDims = modalities.map((m) => m.encoder.outDim);
    if (fusion.type === 'sum' && new Set(outDims).size > 1) throw new Error(`sum fusion needs equal encoder output widths, got ${outDims.join(', ')}`);
    if (fusion.type === 'attention') {
      if (!fusion.attention) throw new Error('attention fusion needs spec.fusion.attention');
      const make = { dense: (name: string, fanIn: number, fanOut: number, gain: number) => this.dense(name, fanIn, fanOut, rng, gain), vector: (name: string, values: Float32Array) => this.vector(name, values) };
      this.attention = buildAttention(this.modalityNames, outDims, fusion.attention, make, rng);
    }
    const headInputs: Record<string, number> =
      fusion.type === 'late'
        ? Object.fromEntries(modalities.map((m) => [m.name, m.encoder.outDim]))
        : { fused: fusion.type === 'concat' ? outDims.reduce((a, b) => a + b, 0) : fusion.type === 'attention' ? fusion.attention!.dModel : outDims[0] };
    for (const [key, inDim] of Object.entries(headInputs)) {
      const prefix = fusion.type === 'late' ? `head/${key}` : 'head';
      this.heads[key] = this.mlp(prefix, [inDim, ...fusion.hidden], rng);
      const last = fusion.hidden.length ? fusion.hidden[fusion.hidden.length - 1] : inDim;
      this.classifiers[key] = this.dense(`${prefix}/out`, last, numClasses, rng, 1);
    }
  }

  private get initScheme(): InitScheme {
    return this.spec.init ?? 'torch';
  }

  private dense(name: string, fanIn: number, fanOut: number, rng: Rng, gain: number): Dense {
    // Weights by model.init (core/init.ts). `gain` 2: the layer feeds a ReLU; 1: a linear output
    // (only init `he` tells them apart: He-normal vs LeCun-normal).
    // tfjs variable names are global to the engine; prefix them so several models can coexist.
    // Inside tidy so the initial-value tensors are freed (variables survive a tidy).
    const init = initLayer(this.initScheme, rng, { fanIn, fanOut, units: fanOut, relu: gain === 2 });
    const kernel = tf.tidy(() => tf.variable(tf.tensor2d(init.kernel, [fanIn, fanOut]), true, `${this.uid}/${name}/kernel`));
    const bias = tf.tidy(() => tf.variable(tf.tensor1d(init.bias), true, `${this.uid}/${name}/bias`));
    this.params.set(`${name}/kernel`, kernel);
    this.params.set(`${name}/bias`, bias);
    return { kernel, bias };
  }

  /** A trainable vector of given initial values (layer-norm gains and offsets, modality embeddings). */
  private vector(name: string, values: Float32Array): tf.Variable {
    const v = tf.tidy(() => tf.variable(tf.tensor1d(values), true, `${this.uid}/${name}`));
    this.params.set(name, v);
    return v;
  }

  private encoder(name: string, inputDim: number, e: EncoderSpec, rng: Rng): Encoder {
    if (e.type === 'mlp') return { spec: e, convs: [], mlp: this.mlp(`enc/${name}`, [inputDim, ...e.hidden, e.outDim], rng) };
    const [h, w, c] = e.inputShape;
    if (h * w * c !== inputDim) throw new Error(`conv encoder of "${name}": input shape ${h}×${w}×${c} does not hold ${inputDim} values`);
    const convs: Dense[] = [];
    let cin = c;
    e.channels.forEach((cout, i) => {
      const k2 = e.kernelSize * e.kernelSize;
      const init = initLayer(this.initScheme, rng, { fanIn: k2 * cin, fanOut: k2 * cout, units: cout, relu: true });
      const kernel = tf.tidy(() => tf.variable(tf.tensor4d(init.kernel, [e.kernelSize, e.kernelSize, cin, cout]), true, `${this.uid}/enc/${name}/conv${i}/kernel`));
      const bias = tf.tidy(() => tf.variable(tf.tensor1d(init.bias), true, `${this.uid}/enc/${name}/conv${i}/bias`));
      this.params.set(`enc/${name}/conv${i}/kernel`, kernel);
      this.params.set(`enc/${name}/conv${i}/bias`, bias);
      convs.push({ kernel, bias });
      cin = cout;
    });
    const [oh, ow, oc] = convOutputShape(e);
    if (oh < 1 || ow < 1) throw new Error(`conv encoder of "${name}": ${e.channels.length} pooling stages shrink ${h}×${w} to nothing`);
    return { spec: e, convs, mlp: this.mlp(`enc/${name}`, [oh * ow * oc, ...e.hidden, e.outDim], rng) };
  }

  private mlp(prefix: string, dims: number[], rng: Rng): Dense[] {
    const layers: Dense[] = [];
    for (let i = 0; i + 1 < dims.length; i++) layers.push(this.dense(`${prefix}/dense${i}`, dims[i], dims[i + 1], rng, 2));
    return layers;
  }

  /**
   * An auxiliary linear map trained with the model but outside its forward pass (e.g. a
   * distillation projector). Its weights live in `params` as aux/<name>/…, so optimiser,
   * checkpoints and resume handle them like the rest.
   */
  addAux(name: string, inDim: number, outDim: number, rng: Rng): void {
    if (this.aux[name]) throw new Error(`aux layer "${name}" exists`);
    this.aux[name] = this.dense(`aux/${name}`, inDim, outDim, rng, 1);
  }

  applyAux(name: string, x: tf.Tensor2D): tf.Tensor2D {
    const l = this.aux[name];
    if (!l) throw new Error(`no aux layer "${name}"`);
    return dense(x, l.kernel as tf.Tensor2D, l.bias as tf.Tensor1D, false);
  }

  get modalityNames(): string[] {
    return this.spec.modalities.map((m) => m.name);
  }

  get trainable(): tf.Variable[] {
    return [...this.params.values()];
  }

  /** ReLU MLP. `fromInput`: x is model input, so its first layer computes no input gradient. */
  private static runMlp(layers: Dense[], x: tf.Tensor2D, fromInput = false): tf.Tensor2D {
    let h = x;
    layers.forEach((l, i) => {
      h = dense(h, l.kernel as tf.Tensor2D, l.bias as tf.Tensor1D, true, !(fromInput && i === 0));
    });
    return h;
  }

  private static runEncoder(e: Encoder, x: tf.Tensor2D): tf.Tensor2D {
    if (e.spec.type === 'mlp') return FusionModel.runMlp(e.mlp, x, true);
    const s = e.spec;
    let h = tf.reshape(x, [x.shape[0], ...s.inputShape]) as tf.Tensor4D;
    e.convs.forEach((c, i) => {
      h = convReluPool(h, c.kernel as tf.Tensor4D, c.bias as tf.Tensor1D, s.pool, i > 0); // convRelu then maxPool, fused on native
    });
    return FusionModel.runMlp(e.mlp, tf.reshape(h, [x.shape[0], -1]) as tf.Tensor2D, e.convs.length === 0);
  }

  private static linear(l: Dense, x: tf.Tensor2D): tf.Tensor2D {
    return dense(x, l.kernel as tf.Tensor2D, l.bias as tf.Tensor1D, false);
  }

  /** Each modality's encoder output (ReLU features, n × outDim). */
  encode(xs: Record<string, tf.Tensor2D>): Record<string, tf.Tensor2D> {
    const out: Record<string, tf.Tensor2D> = {};
    for (const name of this.modalityNames) out[name] = this.encodeModality(name, xs[name]);
    return out;
  }

  /** One modality's encoder output. */
  encodeModality(name: string, x: tf.Tensor2D | undefined): tf.Tensor2D {
    if (!x) throw new Error(`no input for modality "${name}"`);
    return FusionModel.runEncoder(this.encoders[name], x);
  }

  /**
   * Fusion head on given features; absent modalities become zeros or the fill row. Attention fusion
   * masks a modality that is absent without a fill row (the zero protocol) instead of zero-filling it.
   */
  fuse(features: Record<string, tf.Tensor2D>, absence: Absence = {}): ForwardOut {
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
      return { encoded: features, features: feats, fused: tf.concat(hidden, 1), logits: avg };
    }
    if (type === 'attention') {
      const keep = names.map((n) => (absence.presence?.[n] && !absence.fill?.[n] ? absence.presence[n] : null));
      const pooled = attentionPool(this.attention!, names.map((n) => feats[n]), keep);
      const fused = FusionModel.runMlp(this.heads.fused, pooled);
      return { encoded: features, features: feats, fused, pooled, logits: FusionModel.linear(this.classifiers.fused, fused) };
    }
    const z = type === 'concat' ? (names.length === 1 ? feats[names[0]] : tf.concat(names.map((n) => feats[n]), 1)) : (tf.addN(names.map((n) => feats[n])) as tf.Tensor2D);
    const fused = FusionModel.runMlp(this.heads.fused, z);
    return { encoded: features, features: feats, fused, logits: FusionModel.linear(this.classifiers.fused, fused) };
  }

  forward(xs: Record<string, tf.Tensor2D>, absence: Absence = {}): ForwardOut {
    return this.forwardEncoded(this.encode(xs), absence);
  }

  /** The forward pass from encoder outputs `f` (absence acts after the encoders, so analysis reuses them). */
  forwardEncoded(f: Record<string, tf.Tensor2D>, absence: Absence = {}): ForwardOut {
    if (!this.spec.ebr) return this.fuse(f, absence);
    // EBR: the fusion head sees h⁻¹(h(f)); an absent modality may be substituted from another's g, sample by sample.
    const { g, r } = this.reallocate(f);
    if (!absence.substitute || !absence.presence) return { ...this.fuse(r, absence), encoded: f, g };
    const sub = substitute(r, absence.presence, absence.substitute, (m, k) => this.fromG(m, g[k]));
    return { ...this.fuse(sub.seen, { presence: sub.presence, fill: absence.fill }), encoded: f, g };
  }

  /** What the fusion head gets from each modality with every modality present: the encoder output, or with EBR h⁻¹(h(f)). */
  headInputs(xs: Record<string, tf.Tensor2D>): Record<string, tf.Tensor2D> {
    const f = this.encode(xs);
    return this.spec.ebr ? this.reallocate(f).r : f;
  }

  /** EBR: each modality's g = h(f) and r = h⁻¹(g), what the fusion head gets from it. */
  private reallocate(f: Record<string, tf.Tensor2D>): { g: Record<string, tf.Tensor2D>; r: Record<string, tf.Tensor2D> } {
    const g: Record<string, tf.Tensor2D> = {};
    const r: Record<string, tf.Tensor2D> = {};
    for (const m of this.modalityNames) {
      g[m] = this.toG(m, f[m]);
      r[m] = this.fromG(m, g[m]);
    }
    return { g, r };
  }

  /** A two-layer map with a ReLU hidden layer and a linear output. */
  private static reluThenLinear([a, b]: Dense[], x: tf.Tensor2D): tf.Tensor2D {
    return FusionModel.linear(b, dense(x, a.kernel as tf.Tensor2D, a.bias as tf.Tensor1D, true));
  }

  /** g_m = h_m(f_m): ReLU hidden layer, linear output. */
  toG(m: string, f: tf.Tensor2D): tf.Tensor2D {
    return FusionModel.reluThenLinear(this.ebrH[m], f);
  }

  /** h_m⁻¹(g): back to encoder width; ReLU hidden layer, then linear (hinvOutput 'linear') or ReLU like the encoder's own features. */
  fromG(m: string, g: tf.Tensor2D): tf.Tensor2D {
    return this.spec.ebr!.hinvOutput === 'linear' ? FusionModel.reluThenLinear(this.ebrHinv[m], g) : FusionModel.runMlp(this.ebrHinv[m], g);
  }

  /** ψ(g): logits over the modalities (in spec order). `frozen`: ψ's weights get no gradient. */
  discriminate(g: tf.Tensor2D, frozen = false): tf.Tensor2D {
    const w = (v: tf.Variable) => (frozen ? stopGradient(v) : v);
    const [a, b] = this.ebrPsi;
    const h = tf.relu(tf.add(tf.matMul(g, w(a.kernel)), w(a.bias))) as tf.Tensor2D;
    return tf.add(tf.matMul(h, w(b.kernel)), w(b.bias)) as tf.Tensor2D;
  }

  /** Parameter groups, for the adversarial update rules and their test. */
  paramGroup(name: string): 'psi' | 'encoder' | 'h' | 'hinv' | 'head' | 'aux' {
    if (name.startsWith('ebr/psi/')) return 'psi';
    if (name.startsWith('ebr/hinv/')) return 'hinv';
    if (name.startsWith('ebr/h/')) return 'h';
    if (name.startsWith('enc/')) return 'encoder';
    if (name.startsWith('aux/')) return 'aux';
    return 'head';
  }

  /** Named weight values in parameter order (for checkpoints). */
  async weightValues(): Promise<{ name: string; shape: number[]; data: Float32Array }[]> {
    const out = [];
    for (const [name, v] of this.params) out.push({ name, shape: v.shape, data: (await v.data()) as Float32Array });
    return out;
  }

  /** Load weights by name. Aux layers are optional (a distilled run evaluated as a plain model). */
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
