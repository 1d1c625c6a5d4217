// A split held on the backend once per run; batches are gathered from it by index.
import * as tf from '@tensorflow/tfjs';
import type { Split } from '../data/types.js';

export interface TensorSplit {
  n: number;
  x: Record<string, tf.Tensor2D>;
  y: tf.Tensor1D; // int32
  yArray: Int32Array;
}

export function toTensors(split: Split, modalities: string[]): TensorSplit {
  const x: Record<string, tf.Tensor2D> = {};
  for (const m of modalities) {
    const data = split.x[m];
    if (!data) throw new Error(`split has no modality "${m}"`);
    x[m] = tf.tensor2d(data, [split.n, data.length / split.n]);
  }
  return { n: split.n, x, y: tf.tensor1d(split.y, 'int32'), yArray: split.y };
}

export function disposeSplit(s: TensorSplit): void {
  for (const t of Object.values(s.x)) t.dispose();
  s.y.dispose();
}
