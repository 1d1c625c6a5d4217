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
  encoded?: EncodedBatches; // encoder outputs of these inputs (modalities it holds skip their encoder)
}

/**
 * Encoder outputs of a split, kept batch by batch exactly as fusedAndProbs slices it: readouts that
 * differ only in absence (which acts after the encoders) then skip the encoders and see the same
 * bits. The caller disposes them (disposeEncoded).
 */
export interface EncodedBatches {
  batch: number;
  parts: Record<string, tf.Tensor2D>[];
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
  if (o.encoded && o.encoded.batch !== batch) throw new Error(`encoder outputs batched by ${o.encoded.batch}, read by ${batch}`);
  const parts: Float32Array[] = [];
  const probParts: Float32Array[] = [];
  const pooledParts: Float32Array[] = [];
  let width = 0;
  let pooledWidth = 0;
  for (let s = 0; s < n; s += batch) {
    const size = Math.min(batch, n - s);
    const cached = o.encoded?.parts[s / batch];
    const [f, p, q] = tf.tidy(() => {
      const x = rows(xs, s, size);
      const features = Object.fromEntries(model.modalityNames.map((m) => [m, cached?.[m] ?? model.encodeModality(m, x[m])]));
      const out = model.forwardEncoded(features, absenceFor(o.masks ?? null, o.fill ?? null, s, size, o.substitute));
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

/** Each encoder's output over a split, as tensors batched like fusedAndProbs (disposeEncoded frees them). */
export function encodeBatches(model: FusionModel, xs: Inputs, n: number, batch = 2048): EncodedBatches {
  const parts: Record<string, tf.Tensor2D>[] = [];
  for (let s = 0; s < n; s += batch) parts.push(tf.tidy(() => model.encode(rows(xs, s, Math.min(batch, n - s)))));
  return { batch, parts };
}

/** The cache without some modalities (their inputs were replaced, so their encoders must run). */
export const encodedWithout = (e: EncodedBatches, drop: string[]): EncodedBatches => ({ batch: e.batch, parts: e.parts.map((p) => Object.fromEntries(Object.entries(p).filter(([m]) => !drop.includes(m)))) });

/** The cached encoder outputs as arrays (n × outDim per modality), what encoderOutputs returns. */
export async function encodedArrays(e: EncodedBatches): Promise<Record<string, Float32Array>> {
  const names = Object.keys(e.parts[0] ?? {});
  const out: Record<string, Float32Array> = {};
  for (const m of names) out[m] = concatRows(await Promise.all(e.parts.map(async (p) => (await p[m].data()) as Float32Array)));
  return out;
}

export const disposeEncoded = (e: EncodedBatches) => tf.dispose(e.parts.flatMap((p) => Object.values(p)));

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
