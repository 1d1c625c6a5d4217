// The training loop: epochs of shuffled mini-batches, Adam, optional modality dropout, validation,
// best tracking and early stopping. Side effects (files, logs) happen in the hooks, not here.
import * as tf from '@tensorflow/tfjs';
import type { TrainConfig } from '../config/schema.js';
import { Adam } from './adam.js';
import { countCorrect, softmaxCrossEntropy } from './losses.js';
import type { ForwardOut, FusionModel } from './model.js';
import { evaluateSplit, type PredictOptions } from './predict.js';
import { presenceMasks } from './absence.js';
import { Rng, type RngState } from './rng.js';
import { learningRate } from './schedule.js';
import type { TensorSplit } from './tensors.js';
import { TrainingMasks } from './train-masks.js';

export interface FitState {
  epoch: number; // epochs completed
  step: number; // optimiser steps taken
  rng: RngState; // training stream (shuffles, dropout masks) as of the end of `epoch`
  best: { value: number; epoch: number } | null;
  badEpochs: number; // epochs since the best, for early stopping
  done: boolean;
  /** A run in stages (two-stage KD): which one, and the epoch and step it began at (its learning-rate schedule counts from there). Set by the caller; fit carries it. */
  stage?: { index: number; epoch: number; step: number };
}

export interface EpochRecord {
  epoch: number;
  step: number;
  lr: number;
  train_loss: number;
  train_acc: number;
  val_loss: number;
  val_acc: number;
  val_macro_f1: number;
  /** Semantic loss per modality: val cross-entropy with only that modality present (analysis.every_epoch). */
  val_alone_ce?: Record<string, number>;
  /** train.early_stopping.metric val_missing_loss: the mean of val_loss and the val cross-entropies with each modality missing (val_missing_ce). */
  val_missing_loss?: number;
  val_missing_ce?: Record<string, number>;
  [extra: string]: unknown;
  samples_per_s: number;
  epoch_s: number;
  num_tensors: number;
}

export interface FitHooks {
  onEpochEnd?(rec: EpochRecord, state: FitState, improved: boolean): Promise<void> | void;
  onStep?(epochStep: number, stepsPerEpoch: number): void;
  shouldStop?(): boolean; // checked between epochs (SIGINT, --stop-after)
}

export function initialFitState(trainStream: Rng): FitState {
  return { epoch: 0, step: 0, rng: trainStream.state(), best: null, badEpochs: 0, done: false };
}

/**
 * An extra loss term added to the task loss (knowledge distillation and EBR use it). `observed`: per
 * modality, which of the batch's samples have it (natural presence × train.missing_rate, batch × 1;
 * without the drawn dropout); undefined when every training sample has every modality.
 */
export type ExtraLoss = (out: ForwardOut, batchIndices: tf.Tensor1D, epoch: number, observed?: Record<string, tf.Tensor2D>) => tf.Scalar | null;

/** One optimiser step's inputs. The tensors stay the caller's (the step disposes none of them). */
export interface StepInput {
  model: FusionModel;
  opt: Adam;
  /** The batch's inputs per modality (batch × input dim). */
  xs: Record<string, tf.Tensor2D>;
  /** The batch's labels (int32). */
  y: tf.Tensor1D;
  lr: number;
  /** Per-sample presence per modality (batch × 1, 1 = present); none: all present. */
  presence?: Record<string, tf.Tensor2D>;
  /** EBR (with presence): per modality m, who may stand in; per sample the first present k gives h_m⁻¹(g_k). */
  substitute?: Record<string, string[]>;
  /** A term added to the task loss, with the batch's row indices, the (0-based) epoch and what the samples have it is called with. */
  extra?: { loss: ExtraLoss; idx: tf.Tensor1D; epoch: number; observed?: Record<string, tf.Tensor2D> };
  /** The variables that get gradients (default: all of the model's); the others stay as they are. */
  trainable?: tf.Variable[];
}

/** One optimiser step; returns [loss·batch, correct] as a tensor kept out of the caller's scope. */
export function trainStep(s: StepInput): tf.Tensor1D {
  return step(s, false).stats;
}

/**
 * One optimiser step that first checks the loss and every gradient (one scalar read per step): a
 * non-finite one skips the update (train.on_nonfinite: skip). `ok` tells whether it was applied.
 */
export function trainStepGuarded(s: StepInput): { stats: tf.Tensor1D; ok: boolean } {
  return step(s, true);
}

function step({ model, opt, xs, y, lr, presence, substitute, extra, trainable }: StepInput, guard: boolean): { stats: tf.Tensor1D; ok: boolean } {
  let ok = true;
  const stats = tf.tidy(() => {
    let correct: tf.Scalar | null = null;
    const { value, grads } = tf.variableGrads(() => {
      const out = model.forward(xs, presence ? { presence, ...(substitute ? { substitute } : {}) } : {});
      correct = tf.keep(countCorrect(out.logits, y));
      const task = softmaxCrossEntropy(out.logits, y);
      const more = extra ? extra.loss(out, extra.idx, extra.epoch, extra.observed) : null;
      return more ? (tf.add(task, more) as tf.Scalar) : task;
    }, trainable ?? model.trainable);
    // NaN and ±Inf survive a sum (Inf − Inf is NaN), so one scalar tells whether all are finite.
    // The loss enters as loss × batch, the form the epoch sums: a finite loss near float32's
    // limit can overflow there, and the epoch's sum would then fail after all.
    if (guard) ok = Number.isFinite(tf.addN([tf.mul(value, y.shape[0]), ...Object.values(grads).map((g) => tf.sum(g))]).dataSync()[0]);
    if (ok) opt.apply(grads, lr);
    const c = correct as unknown as tf.Scalar;
    const out = tf.stack([tf.mul(value, y.shape[0]), c]) as tf.Tensor1D;
    c.dispose();
    return out;
  });
  return { stats, ok };
}

/** A NaN or ±Inf loss, gradient or weight: where it happened (1-based epoch, global step, batch in the epoch). */
export class NonFiniteError extends Error {
  constructor(
    readonly what: string,
    readonly epoch: number,
    readonly step: number | null,
    readonly batch: number | null,
    readonly batches: number,
    readonly wholeEpoch = false,
  ) {
    super(
      wholeEpoch
        ? `every batch of epoch ${epoch} had a non-finite loss or gradient (steps ${step! - batches + 1}–${step}), so all ${batches} were skipped`
        : `non-finite ${what} at epoch ${epoch}${step !== null ? `, step ${step} (batch ${batch} of ${batches})` : ''}`,
    );
    this.name = 'NonFiniteError';
  }
}

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/** What fills a missing modality in val_missing_loss's conditions (eval.protocol): the mean rows, or EBR's stand-in orders; neither: zero. */
export type MissingFill = Pick<PredictOptions, 'fill' | 'substitute'>;

/** The optional parts of a fit. */
export interface FitOptions {
  aloneEachEpoch?: boolean; // also measure each modality's semantic loss after every epoch
  extraLoss?: ExtraLoss; // added to the task loss in every step
  substitution?: number; // EBR: probability that a sample's modality is substituted during training
  substituteMissing?: boolean; // EBR (ebr.substitution: missing): substitute where a training sample really lacks a modality
  /** val_missing_loss: the protocol of its missing conditions, computed with the weights of the epoch just done (none: zero). */
  missingFill?: (model: FusionModel, val: TensorSplit) => Promise<MissingFill>;
  /** Extra fields for each epoch's record, measured after the epoch (e.g. EBR's discriminator accuracy). */
  epochExtras?: (model: FusionModel, val: TensorSplit, epoch: number) => Promise<Record<string, unknown>>;
  /** The dataset's modality order: train.missing_rate's subsets are seeded by position in it, so a model of fewer modalities (a KD teacher) lacks the same samples. Default: the model's. */
  modalityOrder?: string[];
  /** The variables the steps update (default: all of the model's); the others are frozen (no gradient, no optimiser update). */
  trainable?: tf.Variable[];
}

/** What a fit trains, on what, from where. */
export interface FitInput extends FitOptions {
  model: FusionModel;
  opt: Adam;
  train: TensorSplit;
  val: TensorSplit; // evaluated after every epoch (early stopping, best checkpoint)
  config: TrainConfig; // epochs, batches, schedule, early stopping, dropout, missing rates, on_nonfinite
  state: FitState; // where to start: initialFitState(stream), or a checkpoint's state
  binary: boolean; // binary task (validation metrics)
  hooks?: FitHooks;
}

/** Train until config.epochs, early stopping or hooks.shouldStop; returns the state after the last epoch done. */
export async function fit(o: FitInput): Promise<FitState> {
  const { model, opt, train, val, config: cfg, state, binary, hooks = {} } = o;
  const names = model.modalityNames;
  const stepsPerEpoch = Math.ceil(train.n / cfg.batch_size);
  // A later stage's learning-rate schedule starts over: from its first epoch and step to cfg.epochs.
  const origin = state.stage ?? { epoch: 0, step: 0 };
  const totalSteps = stepsPerEpoch * (cfg.epochs - origin.epoch);
  const es = cfg.early_stopping;
  const higherIsBetter = es.metric === 'val_acc';
  // Validation cross-entropy with the `absent` modalities missing from every sample.
  const ceWithout = async (absent: string[], fill: MissingFill = {}) => (await evaluateSplit(model, val, binary, { masks: presenceMasks(val.n, names, { modalities: absent, rate: 1, seed: 0 }), ...fill })).cross_entropy;
  const rng = new Rng(state.rng);
  let s = { ...state };
  // Training-time missingness (train.missing_rate, natural presence), dropout and EBR substitution.
  const trainMasks = new TrainingMasks(train, names, { missingRate: cfg.missing_rate, dropout: cfg.modality_dropout, substitution: o.substitution ?? 0, substituteMissing: o.substituteMissing, order: o.modalityOrder });

  // Errors thrown from the loop dispose the masks first.
  const bail = (e: Error) => {
    trainMasks.dispose();
    return e;
  };
  let yielded = performance.now();
  while (!s.done && s.epoch < cfg.epochs) {
    // Let signal handlers run (SIGINT/SIGTERM are delivered on the event loop, and awaiting the
    // wasm backend's data() alone never reaches it).
    await yieldToEventLoop();
    yielded = performance.now();
    if (hooks.shouldStop?.()) break;
    const t0 = performance.now();
    const perm = rng.permutation(train.n);
    let acc = tf.zeros([2]) as tf.Tensor1D;
    // stop: each step's [loss·batch, correct] is kept (no extra ops) and read only if the epoch's sum
    // is not finite, to name the first bad step. skip: each step is checked before its update.
    const skipMode = cfg.on_nonfinite === 'skip';
    const kept: tf.Tensor1D[] = [];
    let skipped = 0;
    let skippedSamples = 0;
    let lr = learningRate(cfg.optimizer.lr, cfg.schedule, s.epoch - origin.epoch, s.step - origin.step, totalSteps);
    for (let b = 0; b < stepsPerEpoch; b++) {
      const start = b * cfg.batch_size;
      const size = Math.min(cfg.batch_size, train.n - start);
      lr = learningRate(cfg.optimizer.lr, cfg.schedule, s.epoch - origin.epoch, s.step - origin.step, totalSteps);
      const idx = tf.tensor1d(perm.subarray(start, start + size), 'int32');
      const xs = Object.fromEntries(names.map((n) => [n, tf.gather(train.x[n], idx)])) as Record<string, tf.Tensor2D>;
      const y = tf.gather(train.y, idx) as tf.Tensor1D;
      const { presence, substitute, observed } = trainMasks.step(rng, idx, size);
      const extra = o.extraLoss ? { loss: o.extraLoss, idx, epoch: s.epoch, observed } : undefined;
      const input: StepInput = { model, opt, xs, y, lr, presence, substitute, extra, trainable: o.trainable };
      const { stats, ok } = skipMode ? trainStepGuarded(input) : { stats: trainStep(input), ok: true };
      for (const t of new Set([idx, y, ...Object.values(xs), ...Object.values(presence ?? {}), ...Object.values(observed ?? {})])) t.dispose();
      if (ok) {
        const next = tf.add(acc, stats) as tf.Tensor1D;
        acc.dispose();
        acc = next;
      } else {
        skipped += 1;
        skippedSamples += size;
      }
      if (skipMode) stats.dispose();
      else kept.push(stats);
      s.step += 1;
      hooks.onStep?.(b + 1, stepsPerEpoch);
      // …and within long epochs every 100 ms, so that a second signal quits promptly.
      if (performance.now() - yielded > 100) {
        await yieldToEventLoop();
        yielded = performance.now();
      }
    }
    const [lossSum, correct] = (await acc.data()) as Float32Array;
    acc.dispose();
    try {
      if (!Number.isFinite(lossSum)) {
        if (!kept.length) throw bail(new NonFiniteError('training loss sum', s.epoch + 1, null, null, stepsPerEpoch));
        const stacked = tf.stack(kept);
        const per = (await stacked.data()) as Float32Array; // [loss·batch, correct] per step
        stacked.dispose();
        let b = 0;
        while (b < kept.length - 1 && Number.isFinite(per[2 * b])) b++;
        throw bail(new NonFiniteError('loss', s.epoch + 1, s.step - kept.length + b + 1, b + 1, stepsPerEpoch));
      }
    } finally {
      tf.dispose(kept);
    }
    if (skipped === stepsPerEpoch) {
      throw bail(new NonFiniteError('loss or gradient', s.epoch + 1, s.step, null, stepsPerEpoch, true));
    }
    // A gradient that overflowed in the epoch's last step leaves the loss finite but the weights not.
    const weightSum = tf.tidy(() => tf.addN(model.trainable.map((v) => tf.sum(v))));
    const weightsOk = Number.isFinite((await weightSum.data())[0]);
    weightSum.dispose();
    if (!weightsOk) throw bail(new NonFiniteError('gradient (the weights are no longer finite)', s.epoch + 1, s.step, stepsPerEpoch, stepsPerEpoch));
    const trainSeconds = (performance.now() - t0) / 1000;
    const v = await evaluateSplit(model, val, binary);
    let aloneCe: Record<string, number> | undefined;
    if (o.aloneEachEpoch && names.length > 1) {
      aloneCe = {};
      for (const m of names) aloneCe[m] = await ceWithout(names.filter((x) => x !== m));
    }
    // val_missing_loss: all present, and each modality missing while another remains (one modality: val_loss).
    let missingCe: Record<string, number> | undefined;
    if (es.metric === 'val_missing_loss') {
      missingCe = {};
      const fill = names.length > 1 && o.missingFill ? await o.missingFill(model, val) : {};
      for (const m of names.length > 1 ? names : []) missingCe[m] = await ceWithout([m], fill);
    }
    s.epoch += 1;
    s.rng = rng.state();
    const value = missingCe ? [v.cross_entropy, ...Object.values(missingCe)].reduce((a, b) => a + b, 0) / (1 + Object.keys(missingCe).length) : higherIsBetter ? v.accuracy : v.cross_entropy;
    const improved = s.best === null || (higherIsBetter ? value > s.best.value + es.min_delta : value < s.best.value - es.min_delta);
    if (improved) {
      s.best = { value, epoch: s.epoch };
      s.badEpochs = 0;
    } else s.badEpochs += 1;
    if (es.patience > 0 && s.badEpochs >= es.patience) s.done = true;
    if (s.epoch >= cfg.epochs) s.done = true;
    const rec: EpochRecord = {
      epoch: s.epoch,
      step: s.step,
      lr,
      train_loss: lossSum / (train.n - skippedSamples),
      train_acc: correct / (train.n - skippedSamples),
      ...(skipMode ? { skipped_batches: skipped } : {}),
      val_loss: v.cross_entropy,
      val_acc: v.accuracy,
      val_macro_f1: v.macro_f1,
      samples_per_s: train.n / trainSeconds,
      epoch_s: (performance.now() - t0) / 1000,
      num_tensors: tf.memory().numTensors,
      ...(aloneCe ? { val_alone_ce: aloneCe } : {}),
      ...(missingCe ? { val_missing_loss: value, val_missing_ce: missingCe } : {}),
      ...(o.epochExtras ? await o.epochExtras(model, val, s.epoch - 1) : {}),
    };
    await hooks.onEpochEnd?.(rec, { ...s }, improved);
    s = { ...s };
  }
  trainMasks.dispose();
  return s;
}
