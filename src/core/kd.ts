// Cross-modal knowledge distillation terms (paper §1, Theorem 3): pull the collapsed modality's
// encoder output toward what a teacher computes from the surviving modality.
//   feature: mean over the batch of ||P f_s − f_t||² / d_t   (P a learned linear projector)
//   cosine:  mean over the batch of 1 − cos(P f_s, f_t)
//   logit:   T² · mean KL(softmax(z_t / T) || softmax(Q f_s / T))   (Q a learned linear classifier)
// Without a projector (distill.projector: none), P f_s becomes f_s (equal widths), and Q f_s becomes
// z_s = head(f_s; every other modality absent), the model's own logits with only the student present:
//   logit:   T² · mean KL(softmax(z_t / T) || softmax(z_s / T))   (gradients reach the head too)
import * as tf from '@tensorflow/tfjs';
import { rowCosine } from './losses.js';
import type { ForwardOut, FusionModel } from './model.js';

export type KdLoss = 'feature' | 'cosine' | 'logit';
export type KdProjector = 'linear' | 'none';

/**
 * The batch mean of per-sample terms, or with `weight` ([b, 1], 1 where the teacher's modality was
 * observed in training) their mean over the weighted samples (0 when none is): a teacher's features
 * of a sample whose input the student's run treats as missing are not a target (issue 17's protocol).
 */
function batchMean(perSample: tf.Tensor1D, weight?: tf.Tensor2D): tf.Scalar {
  if (!weight) return tf.mean(perSample) as tf.Scalar;
  const w = tf.reshape(weight, [-1]);
  return tf.div(tf.sum(tf.mul(perSample, w)), tf.maximum(tf.sum(w), 1)) as tf.Scalar;
}

export function featureMse(projected: tf.Tensor2D, target: tf.Tensor2D, weight?: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => batchMean(tf.mean(tf.square(tf.sub(projected, target)), 1) as tf.Tensor1D, weight));
}

export function cosineLoss(a: tf.Tensor2D, b: tf.Tensor2D, eps = 1e-8, weight?: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => batchMean(tf.sub(1, rowCosine(a, b, eps)) as tf.Tensor1D, weight));
}

export function logitKl(studentLogits: tf.Tensor2D, teacherLogits: tf.Tensor2D, temperature: number, weight?: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => {
    const pt = tf.softmax(tf.div(teacherLogits, temperature));
    const logPt = tf.logSoftmax(tf.div(teacherLogits, temperature));
    const logPs = tf.logSoftmax(tf.div(studentLogits, temperature));
    const kl = tf.sum(tf.mul(pt, tf.sub(logPt, logPs)), 1) as tf.Tensor1D;
    return tf.mul(temperature * temperature, batchMean(kl, weight)) as tf.Scalar;
  });
}

/** The name of a teacher→student pair's learned projector (P or Q), an aux layer of the model. */
export const projectorName = (p: { from: string; to: string }) => `kd-${p.to}-${p.from}`;

/**
 * The model's logits with only `student` present: the fusion head on the given encoder outputs with
 * every other modality absent (zero protocol, as in evaluation with those modalities missing).
 */
export function studentAloneLogits(model: FusionModel, encoded: Record<string, tf.Tensor2D>, student: string): tf.Tensor2D {
  const absent = tf.zeros([encoded[student].shape[0], 1]) as tf.Tensor2D;
  const presence = Object.fromEntries(model.modalityNames.filter((m) => m !== student).map((m) => [m, absent]));
  return model.fuse(encoded, { presence }).logits;
}

/**
 * One pair's distillation term on a batch (the header's formulas). `target`: the batch's rows of the
 * teacher's features f_t (feature, cosine) or logits z_t (logit); `observed`: where the teacher's
 * modality was observed (train.missing_rate), the only samples the term averages over. Call inside a tidy.
 */
export function kdTerm(model: FusionModel, out: ForwardOut, pair: { from: string; to: string }, target: tf.Tensor2D, o: { loss: KdLoss; projector: KdProjector; temperature: number }, observed?: tf.Tensor2D): tf.Scalar {
  const fs = out.encoded[pair.to];
  if (o.loss === 'logit') {
    const zs = o.projector === 'none' ? studentAloneLogits(model, out.encoded, pair.to) : model.applyAux(projectorName(pair), fs);
    return logitKl(zs, target, o.temperature, observed);
  }
  const mapped = o.projector === 'none' ? fs : model.applyAux(projectorName(pair), fs);
  return o.loss === 'cosine' ? cosineLoss(mapped, target, 1e-8, observed) : featureMse(mapped, target, observed);
}

export interface LambdaSchedule {
  type: 'constant' | 'warmup' | 'decay';
  epochs: number;
}

/** λ at a (0-based) epoch: constant; warm-up (linear 0 → λ over `epochs`); decay (λ → 0 over the last `epochs`). */
export function lambdaAt(lambda: number, s: LambdaSchedule, epoch: number, totalEpochs: number): number {
  if (s.type === 'warmup') return lambda * Math.min(1, (epoch + 1) / Math.max(1, s.epochs));
  if (s.type === 'decay') {
    const start = totalEpochs - s.epochs;
    return epoch < start ? lambda : lambda * Math.max(0, (totalEpochs - epoch - 1) / Math.max(1, s.epochs));
  }
  return lambda;
}
