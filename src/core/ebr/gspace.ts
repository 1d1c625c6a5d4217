// What g-space looks like after (or during) EBR training: L_md, ψ's accuracy, the mean cosine of g
// between modality pairs, and from the cosines the similarity ranking that substitution follows.
// Present samples only: per modality for L_md and ψ, both of the pair for the cosine.
import * as tf from '@tensorflow/tfjs';
import { rowCosine } from '../losses.js';
import type { FusionModel } from '../model.js';
import type { TensorSplit } from '../tensors.js';
import { psiCrossEntropy } from './adversary.js';

export interface GSpaceReport {
  l_md: number; // mean over modalities of ψ's cross-entropy over each modality's present samples
  disc_acc: number; // ψ's accuracy over present (sample, modality) pairs; chance is 1/M
  g_cosine: Record<string, number>; // "a~b": mean cosine of g_a and g_b over samples with both; a pair never together is left out
}

const pairs = (names: string[]) => names.flatMap((a, i) => names.slice(i + 1).map((b) => [a, b] as const));

/** The g-space report over a split, in batches; the split's natural presence decides what counts. */
export async function gSpaceReport(model: FusionModel, split: TensorSplit, batch = 2048): Promise<GSpaceReport> {
  const names = model.modalityNames;
  const ones = (size: number) => new Float32Array(size).fill(1);
  const ce = names.map(() => ({ sum: 0, n: 0 }));
  const cos = pairs(names).map(() => ({ sum: 0, n: 0 }));
  let correct = 0;
  for (let s = 0; s < split.n; s += batch) {
    const size = Math.min(batch, split.n - s);
    const p = Object.fromEntries(names.map((m) => [m, split.present?.[m]?.subarray(s, s + size) ?? ones(size)]));
    const both = pairs(names).map(([a, b]) => p[a].map((v, i) => v * p[b][i]));
    // Per batch, one read: [CE sum, correct count] per modality, then the cosine sum per pair.
    const sums = tf.tidy(() => {
      const xs = Object.fromEntries(names.map((m) => [m, split.x[m].slice([s, 0], [size, -1])])) as Record<string, tf.Tensor2D>;
      const g = model.forward(xs).g!;
      const dot = (v: tf.Tensor, mask: Float32Array) => tf.sum(tf.mul(v, tf.tensor1d(mask)));
      const out = names.flatMap((m, i) => {
        const hit = tf.cast(tf.equal(tf.argMax(model.discriminate(g[m]), 1), i), 'float32');
        return [dot(psiCrossEntropy(model, g[m], i), p[m]), dot(hit, p[m])];
      });
      pairs(names).forEach(([a, b], k) => out.push(dot(rowCosine(g[a], g[b]), both[k])));
      return tf.stack(out);
    });
    const v = (await sums.data()) as Float32Array;
    sums.dispose();
    names.forEach((m, i) => {
      ce[i].sum += v[2 * i];
      ce[i].n += p[m].reduce((a, x) => a + x, 0);
      correct += v[2 * i + 1];
    });
    cos.forEach((c, k) => {
      c.sum += v[2 * names.length + k];
      c.n += both[k].reduce((a, x) => a + x, 0);
    });
  }
  const measured = ce.filter((c) => c.n > 0);
  return {
    l_md: measured.reduce((a, c) => a + c.sum / c.n, 0) / measured.length,
    disc_acc: correct / measured.reduce((a, c) => a + c.n, 0),
    g_cosine: Object.fromEntries(pairs(names).flatMap(([a, b], k) => (cos[k].n > 0 ? [[`${a}~${b}`, cos[k].sum / cos[k].n]] : []))),
  };
}

/** For each modality, the others ordered from most to least similar in g-space; an unmeasured pair ranks last. */
export function similarityRanking(names: string[], cos: Record<string, number>): Record<string, string[]> {
  const sim = (a: string, b: string) => cos[`${a}~${b}`] ?? cos[`${b}~${a}`] ?? -Infinity;
  return Object.fromEntries(names.map((m) => [m, names.filter((k) => k !== m).sort((a, b) => sim(m, b) - sim(m, a))]));
}
