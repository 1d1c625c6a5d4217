// Forward passes of an ONNX model over a dataset split, with modalities absent as the chosen protocol
// says: replaced at the model input (zeros, the training mean row) or flagged in its presence input.
import { concatRows } from '../core/analysis/activations.js';
import type { ForwardResult, Masks } from '../core/analysis/collapse.js';
import { probabilitiesFromLogits } from '../core/metrics.js';
import type { Split } from '../data/types.js';
import type { InputAbsence, InputPlan } from './inputs.js';
import type { OnnxModel } from './onnx-model.js';

/** Mean input row per modality over the training split's present samples (the `mean` protocol). */
export function meanInputs(split: Split, plan: InputPlan[]): Record<string, Float32Array> {
  const out: Record<string, Float32Array> = {};
  for (const p of plan) {
    const x = split.x[p.modality];
    const d = x.length / Math.max(1, split.n);
    const sum = new Float64Array(d);
    let count = 0;
    for (let i = 0; i < split.n; i++) {
      if (split.present?.[p.modality]?.[i] === 0) continue;
      count++;
      for (let j = 0; j < d; j++) sum[j] += x[i * d + j];
    }
    out[p.modality] = Float32Array.from(sum, (s) => (count ? s / count : 0));
  }
  return out;
}

/** Forward passes of `model` on `split` in batches, with the absence masks applied as `absence` says. */
export function onnxForward(model: OnnxModel, split: Split, plan: InputPlan[], o: { absence: InputAbsence; fill: Record<string, Float32Array> | null; logits: string; features?: string; batch: number }): (masks: Masks) => Promise<ForwardResult & { logitWidth: number }> {
  const present = (m: string, masks: Masks, i: number) => (masks?.[m]?.[i] ?? 1) * (split.present?.[m]?.[i] ?? 1);
  return async (masks) => {
    const n = split.n;
    const outputs = [o.logits, ...(o.features ? [o.features] : [])];
    const logits: Float32Array[] = [];
    const feats: Float32Array[] = [];
    let width = 0;
    let fWidth = 0;
    for (let s = 0; s < n; s += o.batch) {
      const size = Math.min(o.batch, n - s);
      const feeds: Record<string, { data: Float32Array; dims: number[] }> = {};
      for (const p of plan) {
        const d = split.x[p.modality].length / n;
        let x = split.x[p.modality].slice(s * d, (s + size) * d);
        if (o.absence.protocol !== 'mask') {
          for (let i = 0; i < size; i++) if (!present(p.modality, masks, s + i)) (o.fill ? x.set(o.fill[p.modality], i * d) : x.fill(0, i * d, (i + 1) * d));
        }
        feeds[p.input] = { data: x, dims: p.dims };
      }
      if (o.absence.protocol === 'mask') {
        const mask = new Float32Array(size * plan.length);
        for (let i = 0; i < size; i++) plan.forEach((p, j) => (mask[i * plan.length + j] = present(p.modality, masks, s + i)));
        feeds[o.absence.input] = { data: mask, dims: [plan.length] };
      }
      const r = await model.run(size, feeds, outputs);
      logits.push(r[o.logits].data);
      width = r[o.logits].width;
      if (o.features) {
        feats.push(r[o.features].data);
        fWidth = r[o.features].width;
      }
    }
    return { probs: probabilitiesFromLogits(concatRows(logits), n, width), ...(o.features ? { fused: { values: concatRows(feats), width: fWidth } } : {}), logitWidth: width };
  };
}

