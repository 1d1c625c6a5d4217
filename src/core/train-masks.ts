// Which modalities each training sample has in a step (1 = present, 0 = absent at the encoder output):
//   fixed, for the whole run: train.missing_rate's seeded subsets and the dataset's natural presence;
//   drawn per step from the training stream: modality dropout, or EBR's training-time substitution
//   (ebr.substitution: random drops and substitutes; missing substitutes only the fixed absences).
// A step's presence is the product of the two. The fixed part alone is what the samples have
// (`observed`): EBR's L_md counts those, since a dropped sample's input is real data.
import * as tf from '@tensorflow/tfjs';
import { independentPresence } from './absence.js';
import type { Rng } from './rng.js';
import { combinePresence, type TensorSplit } from './tensors.js';

/**
 * The training split's fixed presence per modality of `names`: each modality with a missing rate
 * r > 0 lacks a subset of round(r·n) samples chosen by a seed from its position in `order` (7919 +
 * index, so it is the same on resume, and the same for a model of a subset of the dataset's
 * modalities when `order` is the dataset's), combined with the natural presence arrays. Null when
 * every sample has every modality.
 */
export function fixedPresence(train: Pick<TensorSplit, 'n' | 'present'>, names: string[], missingRate: Record<string, number>, order: string[] = names): Record<string, Float32Array> | null {
  const n = train.n;
  const listed = Object.entries(missingRate).filter(([m, r]) => r > 0 && names.includes(m));
  const synthetic = listed.length ? independentPresence(n, names, missingRate, 7919, order) : null;
  const combined = combinePresence(train, synthetic);
  return combined ? Object.fromEntries(names.map((m) => [m, combined[m] ?? new Float32Array(n).fill(1)])) : null;
}

/** A step's random absences: presence per modality (`size` samples), and EBR's substitutes. */
export interface DrawnAbsence {
  presence?: Record<string, Float32Array>;
  /** EBR: per modality m, a random order of the others; per sample the first present one stands in (h_m⁻¹(g_k)). */
  substitute?: Record<string, string[]>;
}

/** Per-sample presence: each modality is dropped with probability p; a sample that lost all keeps one at random. */
function dropout(rng: Rng, names: string[], size: number, p: number): Record<string, Float32Array> {
  const masks = names.map(() => new Float32Array(size).fill(1));
  for (let i = 0; i < size; i++) {
    let kept = 0;
    for (let m = 0; m < names.length; m++) {
      if (rng.bernoulli(p)) masks[m][i] = 0;
      else kept++;
    }
    if (kept === 0) masks[rng.int(names.length)][i] = 1;
  }
  return Object.fromEntries(names.map((n, m) => [n, masks[m]]));
}

/** EBR: per modality, a random order of the others (one draw per place among those left, the last included). */
export function drawOrders(rng: Rng, names: string[]): Record<string, string[]> {
  return Object.fromEntries(
    names.map((m) => {
      const left = names.filter((x) => x !== m);
      const order: string[] = [];
      while (left.length) order.push(left.splice(rng.int(left.length), 1)[0]);
      return [m, order];
    }),
  );
}

/**
 * The random absences of one step of `size` samples, drawn from `rng` in this order (resumed runs
 * depend on it): modality dropout with probability `dropout`; then, for EBR substitution with
 * probability `substitution`, a second dropout draw that replaces the first, and the orders of
 * drawOrders. Both need two or more modalities; with neither on nothing is drawn.
 */
export function drawAbsence(rng: Rng, names: string[], size: number, o: { dropout: number; substitution: number }): DrawnAbsence {
  if (names.length < 2) return {};
  let presence = o.dropout > 0 ? dropout(rng, names, size, o.dropout) : undefined;
  let substitute: Record<string, string[]> | undefined;
  if (o.substitution > 0) {
    presence = dropout(rng, names, size, o.substitution);
    substitute = drawOrders(rng, names);
  }
  return { ...(presence ? { presence } : {}), ...(substitute ? { substitute } : {}) };
}

/** A step's absences as the model takes them: presence tensors (batch × 1) that the caller disposes. */
export interface StepAbsence {
  presence?: Record<string, tf.Tensor2D>;
  substitute?: Record<string, string[]>;
  /** The fixed presence alone (what the samples have, without the drawn dropout); may be the same tensors as `presence`. */
  observed?: Record<string, tf.Tensor2D>;
}

/** How a fit treats absences: train.missing_rate, train.modality_dropout, and EBR's ebr.train_substitution (random) or `substituteMissing` (ebr.substitution: missing). */
export interface MaskOptions {
  missingRate: Record<string, number>;
  order?: string[]; // the dataset's modality order (fixedPresence's seeds); default: the model's
  dropout: number;
  substitution: number;
  /** EBR: substitute where a sample really lacks a modality (the fixed presence), never dropping one; 0 dropout and substitution expected. */
  substituteMissing?: boolean;
}

/**
 * The masks of a fit: the fixed presence held on the backend for the run (batches gather their
 * rows), and the per-step draws. dispose() frees the fixed masks.
 */
export class TrainingMasks {
  private readonly fixed: Record<string, tf.Tensor2D> | null;

  constructor(
    train: Pick<TensorSplit, 'n' | 'present'>,
    private readonly names: string[],
    private readonly o: MaskOptions,
  ) {
    if (o.substituteMissing && (o.dropout > 0 || o.substitution > 0)) throw new Error('substituting only the really absent modalities excludes modality dropout and random substitution');
    const fixed = fixedPresence(train, names, o.missingRate, o.order);
    this.fixed = fixed ? Object.fromEntries(names.map((m) => [m, tf.tensor2d(fixed[m], [train.n, 1])])) : null;
  }

  /**
   * The absences of the step over training rows `idx` (`size` of them); draws from `rng` as
   * drawAbsence, and with `substituteMissing` (when something is absent in training at all) then
   * the stand-in orders of drawOrders.
   */
  step(rng: Rng, idx: tf.Tensor1D, size: number): StepAbsence {
    const names = this.names;
    const drawn = drawAbsence(rng, names, size, this.o);
    if (this.o.substituteMissing && this.fixed && names.length > 1) drawn.substitute = drawOrders(rng, names);
    let presence = drawn.presence ? Object.fromEntries(names.map((m) => [m, tf.tensor2d(drawn.presence![m], [size, 1])])) : undefined;
    let observed: Record<string, tf.Tensor2D> | undefined;
    if (this.fixed) {
      observed = Object.fromEntries(names.map((m) => [m, tf.gather(this.fixed![m], idx) as tf.Tensor2D]));
      if (presence) {
        const both = Object.fromEntries(names.map((m) => [m, tf.mul(presence![m], observed![m]) as tf.Tensor2D]));
        tf.dispose(Object.values(presence));
        presence = both;
      } else presence = observed;
    }
    return { ...(presence ? { presence } : {}), ...(drawn.substitute ? { substitute: drawn.substitute } : {}), ...(observed ? { observed } : {}) };
  }

  dispose(): void {
    if (this.fixed) tf.dispose(Object.values(this.fixed));
  }
}
