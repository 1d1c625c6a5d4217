// Batched inference: class probabilities for a whole split, optionally with modalities absent.
import * as tf from '@tensorflow/tfjs';
import type { FusionModel } from './model.js';
import { combinePresence, type TensorSplit } from './tensors.js';
import { absenceFor } from './absence.js';
import { classificationMetrics, type ClassMetrics } from './metrics.js';

export interface PredictOptions {
  masks?: Record<string, Float32Array> | null; // presence per modality (1 = present)
  fill?: Record<string, Float32Array> | null; // mean-protocol rows; null = zero protocol
  substitute?: Record<string, string[]>; // EBR: per modality, who may stand in (most similar first; per sample the first present)
  batch?: number;
}

export async function predictProbs(model: FusionModel, split: TensorSplit, o: PredictOptions = {}): Promise<Float32Array> {
  const c = model.spec.numClasses;
  const out = new Float32Array(split.n * c);
  const batch = o.batch ?? 2048;
  const masks = combinePresence(split, o.masks); // naturally absent samples stay absent under every protocol
  for (let s = 0; s < split.n; s += batch) {
    const size = Math.min(batch, split.n - s);
    const probs = tf.tidy(() => {
      const xs = Object.fromEntries(model.modalityNames.map((n) => [n, split.x[n].slice([s, 0], [size, -1])])) as Record<string, tf.Tensor2D>;
      return tf.softmax(model.forward(xs, absenceFor(masks, o.fill ?? null, s, size, o.substitute)).logits);
    });
    out.set((await probs.data()) as Float32Array, s * c);
    probs.dispose();
  }
  return out;
}

export async function evaluateSplit(model: FusionModel, split: TensorSplit, binary: boolean, o: PredictOptions = {}): Promise<ClassMetrics> {
  const probs = await predictProbs(model, split, o);
  return classificationMetrics(probs, split.yArray, model.spec.numClasses, binary);
}
