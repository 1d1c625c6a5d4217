// EBR's rule for absent modalities in its measures and losses: only present samples count. A g
// computed from an absent modality's input (a placeholder, or data the run treats as missing) is no
// sample of that modality, so L_md, ψ's accuracy, the g-space cosine and the alignment term leave it out.
import * as tf from '@tensorflow/tfjs';

/** Per modality, which samples have it (n × 1, 1 = present); a modality not listed is present in every sample. */
export type Presence = Record<string, tf.Tensor2D>;

/** Mean of a per-sample value (n) over the samples where `present` is 1 (0 when none is); without `present`, the plain mean. */
export function presentMean(v: tf.Tensor1D, present?: tf.Tensor2D): tf.Scalar {
  if (!present) return tf.mean(v);
  const p = tf.reshape(present, [-1]);
  return tf.div(tf.sum(tf.mul(v, p)), tf.maximum(tf.sum(p), 1)) as tf.Scalar;
}

/** Which samples have both modalities (undefined: all of them). */
export function bothPresent(a?: tf.Tensor2D, b?: tf.Tensor2D): tf.Tensor2D | undefined {
  return a && b ? (tf.mul(a, b) as tf.Tensor2D) : (a ?? b);
}

/** How many of the modalities have at least one present sample (at least 1, so a mean over them stays finite). */
export function modalitiesWithSamples(names: string[], present: Presence): tf.Scalar {
  const has = names.map((m) => (present[m] ? tf.cast(tf.greater(tf.sum(present[m]), 0), 'float32') : tf.scalar(1)));
  return tf.maximum(tf.addN(has), 1) as tf.Scalar;
}
