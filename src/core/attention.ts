// Masked-attention fusion (model.fusion.type: attention). Each modality's head input (the encoder
// output; with EBR h⁻¹(g)) becomes one token: a linear map to d_model where its width differs, plus a
// learned embedding of the modality. A small transformer encoder runs over the M tokens, its
// self-attention blind to absent modalities (their keys get −∞ before the softmax, in effect: a
// score of −10⁹, whose exp underflows to exactly 0), and the present tokens' mean is what the fusion
// head's MLP gets. A sample with no modality present gets the zero vector. Everything is tfjs ops
// under autodiff, except layer norm, whose gradient is written out (fewer kernels); the projections
// run through the dense op (the fast form on wasm). Gradients: model.test.ts's float64 oracle.
import * as tf from '@tensorflow/tfjs';
import { dense } from './ops/dense.js';
import type { Rng } from './rng.js';

export interface AttentionSpec {
  dModel: number; // token width
  layers: number; // transformer blocks
  heads: number; // attention heads per block; divides dModel
  ffDim: number; // the feed-forward sublayer's hidden width
  norm: 'pre' | 'post'; // layer norm before each sublayer (and once after the last block), or after each residual sum
}

interface Linear {
  kernel: tf.Variable;
  bias: tf.Variable;
}

interface Norm {
  gamma: tf.Variable;
  beta: tf.Variable;
}

interface Block {
  norm1: Norm;
  qkv: Linear; // queries, keys and values side by side: D × 3D, one matmul
  o: Linear;
  norm2: Norm;
  ff: [Linear, Linear];
}

export interface AttentionWeights {
  spec: AttentionSpec;
  proj: (Linear | null)[]; // per modality in model order: to d_model; null where the width is d_model already
  embed: tf.Variable[]; // per modality, d_model
  blocks: Block[];
  final: Norm | null; // pre-norm: the layer norm after the last block
}

/** How the model makes named parameters: its dense layers (kernel + zero bias), and vectors of given values. */
export interface ParamMaker {
  dense(name: string, fanIn: number, fanOut: number, gain: number): Linear;
  vector(name: string, values: Float32Array): tf.Variable;
}

const LN_EPS = 1e-5;
/** The score an absent key gets: exp(−10⁹ − max) is exactly 0 in float32, and a sample with every key absent stays finite. */
const MASKED = -1e9;

/** Why the spec cannot be built, or null. */
export function attentionSpecProblem(s: AttentionSpec): string | null {
  if (s.dModel % s.heads !== 0) return `${s.heads} heads do not divide d_model ${s.dModel}`;
  return null;
}

/**
 * The attention weights for modalities of these widths, named fusion/…: in/<m> (projection),
 * embed/<m>, layer<i>/{norm1,qkv,o,norm2,ff0,ff1}, norm (pre-norm). Drawn in that order.
 */
export function buildAttention(names: string[], widths: number[], spec: AttentionSpec, make: ParamMaker, rng: Rng): AttentionWeights {
  const problem = attentionSpecProblem(spec);
  if (problem) throw new Error(`attention fusion: ${problem}`);
  const D = spec.dModel;
  const norm = (name: string): Norm => ({ gamma: make.vector(`${name}/gamma`, new Float32Array(D).fill(1)), beta: make.vector(`${name}/beta`, new Float32Array(D)) });
  const proj = names.map((m, i) => (widths[i] === D ? null : make.dense(`fusion/in/${m}`, widths[i], D, 1)));
  // An embedding is a linear map of the modality's one-hot indicator: drawn as a linear layer's kernel of fan-in D would be.
  const embed = names.map((m) => make.vector(`fusion/embed/${m}`, rng.normals(D, Math.sqrt(1 / D))));
  const blocks: Block[] = [];
  for (let l = 0; l < spec.layers; l++) {
    const p = `fusion/layer${l}`;
    blocks.push({
      norm1: norm(`${p}/norm1`),
      qkv: make.dense(`${p}/qkv`, D, 3 * D, 1),
      o: make.dense(`${p}/o`, D, D, 1),
      norm2: norm(`${p}/norm2`),
      ff: [make.dense(`${p}/ff0`, D, spec.ffDim, 2), make.dense(`${p}/ff1`, spec.ffDim, D, 1)],
    });
  }
  return { spec, proj, embed, blocks, final: spec.norm === 'pre' ? norm('fusion/norm') : null };
}

const linear = (l: Linear, x: tf.Tensor2D, relu = false) => dense(x, l.kernel as tf.Tensor2D, l.bias as tf.Tensor1D, relu);

type CustomFunc = Parameters<typeof tf.customGrad>[0];

/**
 * Layer norm of each row (biased variance, ε = 1e-5 as PyTorch), with its gradient written out:
 * dx = (dx̂ − mean(dx̂) − x̂·mean(dx̂·x̂)) / σ, dx̂ = dy·γ. Stock autodiff of the forward ops takes
 * about twice the kernels, and on wasm each kernel costs more than its arithmetic here.
 */
function layerNorm(p: Norm, x: tf.Tensor2D): tf.Tensor2D {
  const f = (xi: tf.Tensor2D, gamma: tf.Tensor1D, beta: tf.Tensor1D, save: tf.GradSaveFunc) => {
    const centred = tf.sub(xi, tf.mean(xi, 1, true));
    const rstd = tf.rsqrt(tf.add(tf.mean(tf.square(centred), 1, true), LN_EPS));
    const xhat = tf.mul(centred, rstd);
    save([xhat, rstd, gamma]);
    const gradFunc = (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
      const [xh, r, g] = saved;
      const d = dy as tf.Tensor2D;
      const dxhat = tf.mul(d, g);
      const dx = tf.mul(tf.sub(tf.sub(dxhat, tf.mean(dxhat, 1, true)), tf.mul(xh, tf.mean(tf.mul(dxhat, xh), 1, true))), r);
      return [dx, tf.sum(tf.mul(d, xh), 0), tf.sum(d, 0)];
    };
    return { value: tf.add(tf.mul(xhat, gamma), beta), gradFunc };
  };
  return tf.customGrad(f as unknown as CustomFunc)(x, p.gamma, p.beta) as tf.Tensor2D;
}

/**
 * Multi-head self-attention over the tokens x (n·M × D, sample by sample); `keyKeep`, `keyBias`
 * (n × 1 × 1 × M): 1 and 0 for a present key, 0 and −10⁹ for an absent one.
 */
function selfAttention(b: Block, x: tf.Tensor2D, n: number, heads: number, keyKeep: tf.Tensor4D | null, keyBias: tf.Tensor4D | null): tf.Tensor2D {
  const D = x.shape[1];
  const M = x.shape[0] / n;
  const dh = D / heads;
  // One matmul for all three; then 4-d transposes only (wasm's rank-5 transpose is about 30× slower).
  const [q, k, v] = tf.split(linear(b.qkv, x), 3, 1).map((t) => tf.transpose(tf.reshape(t, [n, M, heads, dh]), [0, 2, 1, 3]) as tf.Tensor4D); // n × H × M × dh
  let scores = tf.mul(tf.matMul(q, k, false, true), 1 / Math.sqrt(dh)) as tf.Tensor4D; // n × H × M(query) × M(key)
  // An absent key's score is replaced, not shifted: s·0 + (−10⁹) is −10⁹ whatever s was.
  if (keyKeep && keyBias) scores = tf.add(tf.mul(scores, keyKeep), keyBias) as tf.Tensor4D;
  const mixed = tf.matMul(tf.softmax(scores), v); // n × H × M × dh
  return linear(b.o, tf.reshape(tf.transpose(mixed, [0, 2, 1, 3]), [n * M, D]) as tf.Tensor2D);
}

function feedForward(b: Block, x: tf.Tensor2D): tf.Tensor2D {
  return linear(b.ff[1], linear(b.ff[0], x, true));
}

/**
 * The pooled output (n × d_model) for the modalities' head inputs `feats` (model order, n × width
 * each) and, per modality, which samples have it (`keep`, n × 1, 1 = present; null = every sample):
 * an absent modality's token is masked out of every attention and out of the mean, and its values
 * are never read (replaced by zeros before the projection, so even NaN there changes nothing).
 */
export function attentionPool(w: AttentionWeights, feats: tf.Tensor2D[], keep: (tf.Tensor2D | null)[]): tf.Tensor2D {
  const n = feats[0].shape[0];
  const M = feats.length;
  const masked = keep.some((k) => k !== null);
  const tokens = feats.map((f, i) => {
    const k = keep[i];
    const clean = k ? (tf.where(tf.greater(k, 0), f, tf.zerosLike(f)) as tf.Tensor2D) : f;
    const p = w.proj[i];
    return tf.add(p ? linear(p, clean) : clean, w.embed[i]) as tf.Tensor2D;
  });
  const D = w.spec.dModel;
  let x = tf.reshape(tf.stack(tokens, 1), [n * M, D]) as tf.Tensor2D; // the residual stream: n·M × D, sample by sample
  const present = masked ? (tf.concat(keep.map((k) => k ?? tf.ones([n, 1])), 1) as tf.Tensor2D) : null; // n × M
  const keyKeep = present ? (tf.reshape(present, [n, 1, 1, M]) as tf.Tensor4D) : null;
  const keyBias = keyKeep ? (tf.mul(tf.sub(1, keyKeep), MASKED) as tf.Tensor4D) : null;
  const H = w.spec.heads;
  for (const b of w.blocks) {
    if (w.spec.norm === 'pre') {
      x = tf.add(x, selfAttention(b, layerNorm(b.norm1, x), n, H, keyKeep, keyBias));
      x = tf.add(x, feedForward(b, layerNorm(b.norm2, x)));
    } else {
      x = layerNorm(b.norm1, tf.add(x, selfAttention(b, x, n, H, keyKeep, keyBias)));
      x = layerNorm(b.norm2, tf.add(x, feedForward(b, x)));
    }
  }
  if (w.final) x = layerNorm(w.final, x);
  const out = tf.reshape(x, [n, M, D]) as tf.Tensor3D;
  if (!present) return tf.mean(out, 1) as tf.Tensor2D;
  // Mean over present tokens; none present: 0 / 1 = the zero vector.
  const sum = tf.sum(tf.mul(out, tf.reshape(present, [n, M, 1])), 1);
  return tf.div(sum, tf.maximum(tf.sum(present, 1, true), 1)) as tf.Tensor2D;
}
