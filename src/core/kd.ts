// Cross-modal knowledge distillation terms (paper §1, Theorem 3): pull the collapsed modality's
// encoder output toward what a teacher computes from the surviving modality.
//   feature: mean over the batch of ||P f_s − f_t||² / d_t   (P a learned linear projector)
//   cosine:  mean over the batch of 1 − cos(P f_s, f_t)
//   logit:   T² · mean KL(softmax(z_t / T) || softmax(Q f_s / T))   (Q a learned linear classifier)
import * as tf from '@tensorflow/tfjs';
import { rowCosine } from './losses.js';

export type KdLoss = 'feature' | 'cosine' | 'logit';

export function featureMse(projected: tf.Tensor2D, target: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => tf.mean(tf.square(tf.sub(projected, target))) as tf.Scalar);
}

export function cosineLoss(a: tf.Tensor2D, b: tf.Tensor2D, eps = 1e-8): tf.Scalar {
  return tf.tidy(() => tf.mean(tf.sub(1, rowCosine(a, b, eps))) as tf.Scalar);
}

export function logitKl(studentLogits: tf.Tensor2D, teacherLogits: tf.Tensor2D, temperature: number): tf.Scalar {
  return tf.tidy(() => {
    const pt = tf.softmax(tf.div(teacherLogits, temperature));
    const logPt = tf.logSoftmax(tf.div(teacherLogits, temperature));
    const logPs = tf.logSoftmax(tf.div(studentLogits, temperature));
    const kl = tf.sum(tf.mul(pt, tf.sub(logPt, logPs)), 1);
    return tf.mul(temperature * temperature, tf.mean(kl)) as tf.Scalar;
  });
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
