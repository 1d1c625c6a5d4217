// A split held on the backend once per run; batches are gathered from it by index.
import * as tf from '@tensorflow/tfjs';
import type { Split } from '../data/types.js';

export interface TensorSplit {
  n: number;
  x: Record<string, tf.Tensor2D>;
  y: tf.Tensor1D; // int32
  yArray: Int32Array;
  /** Natural presence per modality (1 = observed); only for modalities some sample lacks. */
  present?: Record<string, Float32Array>;
}

/** The split's natural presence combined with extra masks (1 only where both say present). */
export function combinePresence(split: Pick<TensorSplit, 'present'>, masks: Record<string, Float32Array> | null | undefined): Record<string, Float32Array> | null {
  const nat = split.present;
  if (!nat) return masks ?? null;
  if (!masks) return nat;
  const out: Record<string, Float32Array> = { ...masks };
  for (const [m, p] of Object.entries(nat)) out[m] = masks[m] ? masks[m].map((v, i) => v * p[i]) : p;
  return out;
}

export function toTensors(split: Split, modalities: string[]): TensorSplit {
  const x: Record<string, tf.Tensor2D> = {};
  for (const m of modalities) {
    const data = split.x[m];
    if (!data) throw new Error(`split has no modality "${m}"`);
    x[m] = tf.tensor2d(data, [split.n, data.length / split.n]);
  }
  const present: Record<string, Float32Array> = {};
  for (const m of modalities) {
    const p = split.present?.[m];
    if (p && p.some((v) => v === 0)) present[m] = Float32Array.from(p);
  }
  return { n: split.n, x, y: tf.tensor1d(split.y, 'int32'), yArray: split.y, ...(Object.keys(present).length ? { present } : {}) };
}

export function disposeSplit(s: TensorSplit): void {
  for (const t of Object.values(s.x)) t.dispose();
  s.y.dispose();
}
