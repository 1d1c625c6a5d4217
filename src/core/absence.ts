// Missing modalities at evaluation: which samples lose which modality, and what replaces it.
// Handling is at the fusion head's input (feature level): `zero` feeds zeros to the fusion operator
// (in late fusion the modality leaves the logit average), `mean` feeds the mean over the training
// split of what the head gets from that modality (the encoder output; with EBR h⁻¹(h(f))), and
// `substitute` (EBR) lets, per sample, the most similar present modality stand in (ebr/substitute.ts).
import * as tf from '@tensorflow/tfjs';
import { Rng } from './rng.js';
import type { FusionModel, Absence } from './model.js';
import type { TensorSplit } from './tensors.js';

/** What replaces a missing modality at evaluation: defined once, as PROTOCOLS in config/schema.ts. */
export type { Protocol } from '../config/schema.js';

/**
 * EBR substitution as a condition removes `missing`: for each, the most similar modality (by the run's
 * g-space ranking) that the condition leaves; null when it leaves none (zero protocol then). What it
 * reports; the model decides per sample, so a sample that lacks this one naturally gets the next.
 */
export function chooseSubstitutes(missing: string[], ranking: Record<string, string[]>): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  for (const m of missing) out[m] = (ranking[m] ?? []).find((k) => !missing.includes(k)) ?? null;
  return out;
}

export interface MissingSpec {
  modalities: string[]; // which modalities go missing
  rate: number; // fraction of samples that lose them (the same samples for each listed modality)
  seed: number;
}

/** Presence per modality as 0/1 arrays (1 = present). */
export function presenceMasks(n: number, all: string[], spec: MissingSpec | null): Record<string, Float32Array> {
  const masks: Record<string, Float32Array> = {};
  for (const m of all) masks[m] = new Float32Array(n).fill(1);
  if (!spec || spec.modalities.length === 0 || spec.rate <= 0) return masks;
  const k = Math.round(spec.rate * n);
  const perm = new Rng(spec.seed).permutation(n);
  for (const m of spec.modalities) {
    if (!masks[m]) throw new Error(`unknown modality "${m}"`);
    for (let i = 0; i < k; i++) masks[m][perm[i]] = 0;
  }
  return masks;
}

/**
 * Each modality absent independently: modality m (position i in `order`, default `names`) lacks its
 * own seeded subset of round(r·n) samples (seed + i), so a sample may lack several or all of them.
 * With the dataset's modality order, a model of some of the modalities (a KD teacher) lacks the same
 * samples as the model of all of them. One rule for the training split's train.missing_rate
 * (core/train-masks.ts) and analyze's missing-each curve.
 */
export function independentPresence(n: number, names: string[], rates: Record<string, number>, seed: number, order: string[] = names): Record<string, Float32Array> {
  return Object.fromEntries(
    names.map((m) => {
      const i = order.indexOf(m);
      if (i < 0) throw new Error(`modality "${m}" is not in the order ${order.join(', ')}`);
      return [m, presenceMasks(n, names, { modalities: (rates[m] ?? 0) > 0 ? [m] : [], rate: rates[m] ?? 0, seed: seed + i })[m]];
    }),
  );
}

/** Mean of what the fusion head gets from each modality, over a split's present samples (the `mean` protocol's fill rows). */
export async function meanFeatures(model: FusionModel, split: TensorSplit, batch = 2048): Promise<Record<string, Float32Array>> {
  const names = model.modalityNames;
  const sums = tf.tidy(() => Object.fromEntries(names.map((n) => [n, tf.zeros([model.spec.modalities.find((m) => m.name === n)!.encoder.outDim])]))) as Record<string, tf.Tensor>;
  for (let s = 0; s < split.n; s += batch) {
    const size = Math.min(batch, split.n - s);
    const next = tf.tidy(() => {
      const xs = Object.fromEntries(names.map((n) => [n, split.x[n].slice([s, 0], [size, -1])])) as Record<string, tf.Tensor2D>;
      const f = model.headInputs(xs); // with EBR h⁻¹(h(f)), the space the fill row is used in
      return Object.fromEntries(
        names.map((n) => {
          const p = split.present?.[n];
          const rows = p ? tf.mul(f[n], tf.tensor2d(p.subarray(s, s + size), [size, 1])) : f[n]; // naturally absent samples do not count
          return [n, tf.add(sums[n], tf.sum(rows, 0))];
        }),
      );
    }) as Record<string, tf.Tensor>;
    for (const n of names) sums[n].dispose();
    Object.assign(sums, next);
  }
  const out: Record<string, Float32Array> = {};
  for (const n of names) {
    const d = (await sums[n].data()) as Float32Array;
    const p = split.present?.[n];
    const count = p ? p.reduce((a, v) => a + v, 0) : split.n;
    out[n] = d.map((v) => (count > 0 ? v / count : 0));
    sums[n].dispose();
  }
  return out;
}

/** Build the model's Absence for rows [start, start+size). Caller disposes (run inside tidy). */
export function absenceFor(masks: Record<string, Float32Array> | null, fill: Record<string, Float32Array> | null, start: number, size: number, substitute?: Record<string, string[]>): Absence {
  if (!masks) return {};
  const a: Absence = { presence: {}, ...(substitute ? { substitute } : {}) };
  for (const [m, mask] of Object.entries(masks)) {
    const part = mask.subarray(start, start + size);
    if (part.every((v) => v === 1)) continue; // present everywhere here: leave the features untouched
    a.presence![m] = tf.tensor2d(part, [size, 1]);
    if (fill?.[m]) {
      a.fill ??= {};
      a.fill[m] = tf.tensor2d(fill[m], [1, fill[m].length]);
    }
  }
  return a;
}
