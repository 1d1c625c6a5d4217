// EBR's adversarial term on g-space (paper §2). With L_md the cross-entropy of ψ predicting which
// modality a g came from (averaged over modalities):
//   ψ descends L_md;  f_i and h_i descend L_sem − λ·L_md;  h_i⁻¹ and the fusion head descend L_sem.
// Two forms:
//   reversal:  L_sem + L_md(ψ(GRL_λ(g)))  — GRL is the identity forward and multiplies the gradient by
//              −λ backward, so one gradient of the sum gives exactly the three rules above;
//   confusion: L_sem + L_md(ψ(stop(g))) + λ·CE(uniform, ψ_frozen(g)) — ψ learns on detached g, the
//              encoders are pushed toward a uniform ψ output (maximising a cross-entropy is unstable).
import * as tf from '@tensorflow/tfjs';
import { rowCosine } from './losses.js';
import { stopGradient, type FusionModel } from './model.js';

export type AdversaryForm = 'reversal' | 'confusion';

/** Identity forward; gradient × (−λ) backward. */
export function gradientReversal(x: tf.Tensor2D, lambda: number): tf.Tensor2D {
  const f = tf.customGrad(((xi: tf.Tensor) => ({ value: tf.clone(xi), gradFunc: (dy: tf.Tensor) => tf.mul(dy, -lambda) })) as unknown as Parameters<typeof tf.customGrad>[0]);
  return f(x) as tf.Tensor2D;
}

function labelsFor(index: number, n: number, m: number): tf.Tensor2D {
  return tf.oneHot(tf.fill([n], index, 'int32') as tf.Tensor1D, m) as tf.Tensor2D;
}

/** L_md: mean over modalities of the cross-entropy of ψ on that modality's g (ψ's own gradient path). */
export function discriminationLoss(model: FusionModel, g: Record<string, tf.Tensor2D>, transform: (x: tf.Tensor2D) => tf.Tensor2D = (x) => x, frozen = false): tf.Scalar {
  const names = model.modalityNames;
  const terms = names.map((m, i) => {
    const logits = model.discriminate(transform(g[m]), frozen);
    return tf.neg(tf.mean(tf.sum(tf.mul(labelsFor(i, logits.shape[0], names.length), tf.logSoftmax(logits)), 1)));
  });
  return tf.div(tf.addN(terms), names.length) as tf.Scalar;
}

/** The term added to L_sem in a training step. */
export function adversarialTerm(model: FusionModel, g: Record<string, tf.Tensor2D>, form: AdversaryForm, lambda: number): tf.Scalar {
  if (form === 'reversal') return discriminationLoss(model, g, (x) => gradientReversal(x, lambda));
  const names = model.modalityNames;
  const learnPsi = discriminationLoss(model, g, (x) => stopGradient(x));
  const confuse = names.map((m) => {
    const logp = tf.logSoftmax(model.discriminate(g[m], true));
    return tf.neg(tf.mean(tf.mean(logp, 1))); // CE against the uniform distribution over modalities
  });
  return tf.add(learnPsi, tf.mul(lambda / names.length, tf.addN(confuse))) as tf.Scalar;
}

/** ψ's accuracy at telling modalities apart, and the mean cosine similarity of g between modality pairs. */
export function gSpaceStats(model: FusionModel, g: Record<string, tf.Tensor2D>): { discAcc: tf.Scalar; cosine: Record<string, tf.Scalar> } {
  const names = model.modalityNames;
  let correct = tf.scalar(0);
  let total = 0;
  names.forEach((m, i) => {
    const pred = tf.argMax(model.discriminate(g[m]), 1);
    correct = tf.add(correct, tf.sum(tf.cast(tf.equal(pred, i), 'float32'))) as tf.Scalar;
    total += g[m].shape[0];
  });
  const cosine: Record<string, tf.Scalar> = {};
  for (let a = 0; a < names.length; a++) {
    for (let b = a + 1; b < names.length; b++) {
      cosine[`${names[a]}~${names[b]}`] = tf.mean(rowCosine(g[names[a]], g[names[b]])) as tf.Scalar;
    }
  }
  return { discAcc: tf.div(correct, total) as tf.Scalar, cosine };
}
