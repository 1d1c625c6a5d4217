// Batched readouts of a model's internals for analysis: fused-representation activations and
// encoder outputs, with modalities absent or inputs replaced.
import * as tf from '@tensorflow/tfjs';
import { absenceFor } from '../absence.js';
import type { FusionModel } from '../model.js';

export interface Readout {
  masks?: Record<string, Float32Array> | null;
  fill?: Record<string, Float32Array> | null;
  substitute?: Record<string, string[]>;
  batch?: number;
  pooled?: boolean; // also read attention fusion's pooled tokens (the fusion MLP's input)
}

type Inputs = Record<string, tf.Tensor2D>;

function rows(xs: Inputs, start: number, size: number): Inputs {
  return Object.fromEntries(Object.entries(xs).map(([k, v]) => [k, v.slice([start, 0], [size, -1])])) as Inputs;
}

/** Batches of rows, one after another, as one array. */
export function concatRows(parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((a, b) => a + b.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Fused activations (n × h) and softmax probabilities (n × C) in one pass; with `o.pooled`, attention fusion's pooled tokens (n × d_model) too. */
export async function fusedAndProbs(model: FusionModel, xs: Inputs, n: number, o: Readout = {}): Promise<{ fused: Float32Array; probs: Float32Array; width: number; pooled?: { values: Float32Array; width: number } }> {
  const batch = o.batch ?? 2048;
  const parts: Float32Array[] = [];
  const probParts: Float32Array[] = [];
  const pooledParts: Float32Array[] = [];
  let width = 0;
  let pooledWidth = 0;
  for (let s = 0; s < n; s += batch) {
    const size = Math.min(batch, n - s);
    const [f, p, q] = tf.tidy(() => {
      const out = model.forward(rows(xs, s, size), absenceFor(o.masks ?? null, o.fill ?? null, s, size, o.substitute));
      return [out.fused, tf.softmax(out.logits), ...(o.pooled && out.pooled ? [out.pooled] : [])];
    });
    width = f.shape[1]!;
    parts.push((await f.data()) as Float32Array);
    probParts.push((await p.data()) as Float32Array);
    if (q) {
      pooledWidth = q.shape[1]!;
      pooledParts.push((await q.data()) as Float32Array);
    }
    tf.dispose([f, p, ...(q ? [q] : [])]);
  }
  return { fused: concatRows(parts), probs: concatRows(probParts), width, ...(pooledParts.length ? { pooled: { values: concatRows(pooledParts), width: pooledWidth } } : {}) };
}

/** Each encoder's output over a split (n × outDim per modality). */
export async function encoderOutputs(model: FusionModel, xs: Inputs, n: number, batch = 2048): Promise<Record<string, Float32Array>> {
  const out: Record<string, Float32Array[]> = Object.fromEntries(model.modalityNames.map((m) => [m, []]));
  for (let s = 0; s < n; s += batch) {
    const size = Math.min(batch, n - s);
    const f = tf.tidy(() => model.encode(rows(xs, s, size)));
    for (const m of model.modalityNames) {
      out[m].push((await f[m].data()) as Float32Array);
      f[m].dispose();
    }
  }
  return Object.fromEntries(Object.entries(out).map(([m, ps]) => [m, concatRows(ps)]));
}
