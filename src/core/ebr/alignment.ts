// EXTENSION beyond the paper (ebr.alignment): pull g_a(x_a) and g_b(x_b) of the same sample
// together, for every modality pair, over the samples that have both.
import * as tf from '@tensorflow/tfjs';
import type { EbrConfig } from '../../config/schema.js';
import { rowCosine } from '../losses.js';
import { bothPresent, presentMean, type Presence } from './present.js';

/** Per modality pair, weight × the mean over samples with both of ‖g_a − g_b‖²/d (mse) or 1 − cos(g_a, g_b) (cosine). */
export function alignmentTerms(g: Record<string, tf.Tensor2D>, names: string[], a: EbrConfig['alignment'], present?: Presence): tf.Scalar[] {
  const terms: tf.Scalar[] = [];
  for (let i = 0; i < names.length; i++) {
    for (let j = i + 1; j < names.length; j++) {
      const [x, y] = [g[names[i]], g[names[j]]];
      const both = bothPresent(present?.[names[i]], present?.[names[j]]);
      const sq = () => tf.square(tf.sub(x, y));
      // mse with every sample present: the mean over all entries, as before (the same float result).
      const t = a.type === 'cosine' ? presentMean(tf.sub(1, rowCosine(x, y)) as tf.Tensor1D, both) : both ? presentMean(tf.mean(sq(), 1) as tf.Tensor1D, both) : (tf.mean(sq()) as tf.Scalar);
      terms.push(tf.mul(a.weight, t) as tf.Scalar);
    }
  }
  return terms;
}
