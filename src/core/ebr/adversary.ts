// EBR's adversarial term on g-space (paper §2). With L_md the cross-entropy of ψ predicting which
// modality a g came from (averaged over modalities):
//   ψ descends L_md;  f_i and h_i descend L_sem − λ·L_md;  h_i⁻¹ and the fusion head descend L_sem.
// Two forms:
//   reversal:  L_sem + L_md(ψ(GRL_λ(g)))  — GRL is the identity forward and multiplies the gradient by
//              −λ backward, so one gradient of the sum gives exactly the three rules above;
//   confusion: L_sem + L_md(ψ(stop(g))) + λ·CE(uniform, ψ_frozen(g)) — ψ learns on detached g, the
//              encoders are pushed toward a uniform ψ output (maximising a cross-entropy is unstable).
// Only present samples count: a g computed from an absent modality's placeholder input is no
// sample of that modality (see presentMean).
import * as tf from '@tensorflow/tfjs';
import { stopGradient, type FusionModel } from '../model.js';
import { modalitiesWithSamples, presentMean, type Presence } from './present.js';

export type AdversaryForm = 'reversal' | 'confusion';

/** Identity forward; gradient × (−λ) backward. */
export function gradientReversal(x: tf.Tensor2D, lambda: number): tf.Tensor2D {
  const f = tf.customGrad(((xi: tf.Tensor) => ({ value: tf.clone(xi), gradFunc: (dy: tf.Tensor) => tf.mul(dy, -lambda) })) as unknown as Parameters<typeof tf.customGrad>[0]);
  return f(x) as tf.Tensor2D;
}

/** ψ's log-probabilities over the modalities (n × M) for the rows of g. */
function psiLogProbs(model: FusionModel, g: tf.Tensor2D, frozen = false): tf.Tensor2D {
  return tf.logSoftmax(model.discriminate(g, frozen));
}

/** Per sample, the cross-entropy of ψ's prediction on g against modality `index` (the true label of g_index). */
export function psiCrossEntropy(model: FusionModel, g: tf.Tensor2D, index: number): tf.Tensor1D {
  const logp = psiLogProbs(model, g);
  const labels = tf.oneHot(tf.fill([logp.shape[0]], index, 'int32') as tf.Tensor1D, logp.shape[1]);
  return tf.neg(tf.sum(tf.mul(labels, logp), 1)) as tf.Tensor1D;
}

/** The mean over modalities (those with a present sample) of a per-modality mean over its present samples. */
function overModalities(names: string[], term: (m: string, i: number) => tf.Scalar, present?: Presence): tf.Scalar {
  const terms = names.map(term);
  return tf.div(tf.addN(terms), present ? modalitiesWithSamples(names, present) : names.length) as tf.Scalar;
}

function mdLoss(model: FusionModel, g: Record<string, tf.Tensor2D>, transform: (x: tf.Tensor2D) => tf.Tensor2D, present?: Presence): tf.Scalar {
  return overModalities(model.modalityNames, (m, i) => presentMean(psiCrossEntropy(model, transform(g[m]), i), present?.[m]), present);
}

/** L_md: mean over modalities of ψ's cross-entropy on that modality's g, over its present samples (ψ's own gradient path). */
export function discriminationLoss(model: FusionModel, g: Record<string, tf.Tensor2D>, present?: Presence): tf.Scalar {
  return mdLoss(model, g, (x) => x, present);
}

/** The term added to L_sem in a training step; `present`: which samples have each modality (none: all). */
export function adversarialTerm(model: FusionModel, g: Record<string, tf.Tensor2D>, form: AdversaryForm, lambda: number, present?: Presence): tf.Scalar {
  if (form === 'reversal') return mdLoss(model, g, (x) => gradientReversal(x, lambda), present);
  const names = model.modalityNames;
  const learnPsi = mdLoss(model, g, (x) => stopGradient(x), present);
  // CE against the uniform distribution over modalities, per sample: −mean_j log ψ_j(g).
  const confuse = (m: string) => presentMean(tf.neg(tf.mean(psiLogProbs(model, g[m], true), 1)) as tf.Tensor1D, present?.[m]);
  if (!present) return tf.add(learnPsi, tf.mul(lambda / names.length, tf.addN(names.map(confuse)))) as tf.Scalar;
  return tf.add(learnPsi, tf.mul(lambda, overModalities(names, confuse, present))) as tf.Scalar;
}
