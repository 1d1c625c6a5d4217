// EBR substitution, decided per sample: where modality m is absent, the first modality k of m's
// order (most similar first) that is present in that very sample stands in, as h_m⁻¹(g_k); where none
// is, m stays absent and the protocol's fallback fills it (zeros, or the mean fill row). A stand-in
// must be present itself: an absent k's g comes from a placeholder or from data the run withholds.
import * as tf from '@tensorflow/tfjs';

/**
 * `seen`: what the fusion head gets from each modality's own input; `presence`: each modality's
 * (n × 1, 1 = present; unlisted = present everywhere); `standIn(m, k)`: h_m⁻¹(g_k). Returns `seen`
 * with stand-ins in place, and each substituted modality's presence after it (1 where m or a
 * stand-in is there), so that the fallback fills only the rest.
 */
export function substitute(
  seen: Record<string, tf.Tensor2D>,
  presence: Record<string, tf.Tensor2D>,
  order: Record<string, string[]>,
  standIn: (m: string, k: string) => tf.Tensor2D,
): { seen: Record<string, tf.Tensor2D>; presence: Record<string, tf.Tensor2D> } {
  const out = { seen: { ...seen }, presence: { ...presence } };
  for (const [m, candidates] of Object.entries(order)) {
    const pm = presence[m];
    if (!pm) continue; // present in every sample: nothing to stand in for
    let r = tf.mul(seen[m], pm) as tf.Tensor2D;
    let left = tf.sub(1, pm) as tf.Tensor2D; // samples still without m or a stand-in
    for (const k of candidates.filter((c) => c !== m)) {
      const pk = presence[k];
      r = tf.add(r, tf.mul(standIn(m, k), pk ? tf.mul(left, pk) : left)) as tf.Tensor2D;
      left = (pk ? tf.mul(left, tf.sub(1, pk)) : tf.zerosLike(left)) as tf.Tensor2D;
      if (!pk) break; // k is in every sample: no sample is left for later candidates
    }
    out.seen[m] = r;
    out.presence[m] = tf.sub(1, left) as tf.Tensor2D;
  }
  return out;
}
