// The training loop: epochs of shuffled mini-batches, Adam, optional modality dropout, validation,
// best tracking and early stopping. Side effects (files, logs) happen in the hooks, not here.
import * as tf from '@tensorflow/tfjs';
import type { TrainConfig } from '../config/schema.js';
import { Adam } from './adam.js';
import { countCorrect, softmaxCrossEntropy } from './losses.js';
import type { ForwardOut, FusionModel } from './model.js';
import { evaluateSplit } from './predict.js';
import { presenceMasks } from './absence.js';
import { Rng, type RngState } from './rng.js';
import { learningRate } from './schedule.js';
import { combinePresence, type TensorSplit } from './tensors.js';

export interface FitState {
  epoch: number; // epochs completed
  step: number; // optimiser steps taken
  rng: RngState; // training stream (shuffles, dropout masks) as of the end of `epoch`
  best: { value: number; epoch: number } | null;
  badEpochs: number; // epochs since the best, for early stopping
  done: boolean;
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

/** Per-sample presence (batch × 1 per modality) for modality dropout; never drops all of a sample's modalities. */
function dropoutMasks(rng: Rng, names: string[], size: number, p: number): Record<string, tf.Tensor2D> {
  const masks = names.map(() => new Float32Array(size).fill(1));
  for (let i = 0; i < size; i++) {
    let kept = 0;
    for (let m = 0; m < names.length; m++) {
      if (rng.bernoulli(p)) masks[m][i] = 0;
      else kept++;
    }
    if (kept === 0) masks[rng.int(names.length)][i] = 1;
  }
  return Object.fromEntries(names.map((n, m) => [n, tf.tensor2d(masks[m], [size, 1])]));
}

/** An extra loss term added to the task loss (knowledge distillation uses it). */
export type ExtraLoss = (out: ForwardOut, batchIndices: tf.Tensor1D, epoch: number) => tf.Scalar | null;

/** One optimiser step; returns [loss·batch, correct] as a tensor kept out of the caller's scope. */
export function trainStep(model: FusionModel, opt: Adam, xs: Record<string, tf.Tensor2D>, y: tf.Tensor1D, lr: number, presence?: Record<string, tf.Tensor2D>, extra?: { loss: ExtraLoss; idx: tf.Tensor1D; epoch: number }, substitute?: Record<string, string>): tf.Tensor1D {
  return tf.tidy(() => {
    let correct: tf.Scalar | null = null;
    const { value, grads } = tf.variableGrads(() => {
      const out = model.forward(xs, presence ? { presence, ...(substitute ? { substitute } : {}) } : {});
      correct = tf.keep(countCorrect(out.logits, y));
      const task = softmaxCrossEntropy(out.logits, y);
      const more = extra ? extra.loss(out, extra.idx, extra.epoch) : null;
      return more ? (tf.add(task, more) as tf.Scalar) : task;
    }, model.trainable);
    opt.apply(grads, lr);
    const c = correct as unknown as tf.Scalar;
    const out = tf.stack([tf.mul(value, y.shape[0]), c]) as tf.Tensor1D;
    c.dispose();
    return out;
  });
}

export interface FitOptions {
  aloneEachEpoch?: boolean; // also measure each modality's semantic loss after every epoch
  extraLoss?: ExtraLoss; // added to the task loss in every step
  substitution?: number; // EBR: probability that a sample's modality is substituted during training
  /** Extra fields for each epoch's record, measured after the epoch (e.g. EBR's discriminator accuracy). */
  epochExtras?: (model: FusionModel, val: TensorSplit, epoch: number) => Promise<Record<string, unknown>>;
}

export async function fit(model: FusionModel, opt: Adam, train: TensorSplit, val: TensorSplit, cfg: TrainConfig, state: FitState, binary: boolean, hooks: FitHooks = {}, fo: FitOptions = {}): Promise<FitState> {
  const names = model.modalityNames;
  const stepsPerEpoch = Math.ceil(train.n / cfg.batch_size);
  const totalSteps = stepsPerEpoch * cfg.epochs;
  const es = cfg.early_stopping;
  const higherIsBetter = es.metric === 'val_acc';
  const rng = new Rng(state.rng);
  let s = { ...state };
  // Training-time missingness: a fixed subset of samples lacks each listed modality (seeded by the
  // modality's position, so it is the same on resume); absent means zero at the encoder output.
  const fixedMissing = Object.entries(cfg.missing_rate).filter(([m, r]) => r > 0 && names.includes(m));
  const synthetic = fixedMissing.length
    ? Object.fromEntries(names.map((m) => [m, presenceMasks(train.n, names, { modalities: fixedMissing.some(([x]) => x === m) ? [m] : [], rate: cfg.missing_rate[m] ?? 0, seed: 7919 + names.indexOf(m) })[m]]))
    : null;
  // Natural missingness (dataset presence arrays) is absent in training too, never read as data.
  const combined = combinePresence(train, synthetic);
  const missingMasks = combined ? Object.fromEntries(names.map((m) => [m, tf.tensor2d(combined[m] ?? new Float32Array(train.n).fill(1), [train.n, 1])])) : null;

  while (!s.done && s.epoch < cfg.epochs) {
    if (hooks.shouldStop?.()) break;
    const t0 = performance.now();
    const perm = rng.permutation(train.n);
    let acc = tf.zeros([2]) as tf.Tensor1D;
    let lr = learningRate(cfg.optimizer.lr, cfg.schedule, s.epoch, s.step, totalSteps);
    for (let b = 0; b < stepsPerEpoch; b++) {
      const start = b * cfg.batch_size;
      const size = Math.min(cfg.batch_size, train.n - start);
      lr = learningRate(cfg.optimizer.lr, cfg.schedule, s.epoch, s.step, totalSteps);
      const idx = tf.tensor1d(perm.subarray(start, start + size), 'int32');
      const xs = Object.fromEntries(names.map((n) => [n, tf.gather(train.x[n], idx)])) as Record<string, tf.Tensor2D>;
      const y = tf.gather(train.y, idx) as tf.Tensor1D;
      let presence = cfg.modality_dropout > 0 && names.length > 1 ? dropoutMasks(rng, names, size, cfg.modality_dropout) : undefined;
      let substitute: Record<string, string> | undefined;
      if (fo.substitution && fo.substitution > 0 && names.length > 1) {
        // EBR training-time substitution: with probability p a sample's modality m is replaced by
        // h_m⁻¹(g_k), k drawn once per batch and modality among the others.
        presence = dropoutMasks(rng, names, size, fo.substitution);
        substitute = Object.fromEntries(names.map((m) => {
          const others = names.filter((x) => x !== m);
          return [m, others[rng.int(others.length)]];
        }));
      }
      let fixed: Record<string, tf.Tensor2D> | undefined;
      if (missingMasks) {
        fixed = Object.fromEntries(names.map((m) => [m, tf.gather(missingMasks[m], idx) as tf.Tensor2D]));
        const combined = presence ? Object.fromEntries(names.map((m) => [m, tf.mul(presence![m], fixed![m]) as tf.Tensor2D])) : fixed;
        if (presence && combined !== fixed) for (const t of Object.values(presence)) t.dispose();
        presence = combined;
      }
      const stats = trainStep(model, opt, xs, y, lr, presence, fo.extraLoss ? { loss: fo.extraLoss, idx, epoch: s.epoch } : undefined, substitute);
      if (fixed && presence !== fixed) for (const t of Object.values(fixed)) t.dispose();
      const next = tf.add(acc, stats) as tf.Tensor1D;
      for (const t of [idx, y, stats, acc, ...Object.values(xs), ...Object.values(presence ?? {})]) t.dispose();
      acc = next;
      s.step += 1;
      hooks.onStep?.(b + 1, stepsPerEpoch);
    }
    const [lossSum, correct] = (await acc.data()) as Float32Array;
    acc.dispose();
    const trainSeconds = (performance.now() - t0) / 1000;
    const v = await evaluateSplit(model, val, binary);
    let aloneCe: Record<string, number> | undefined;
    if (fo.aloneEachEpoch && names.length > 1) {
      aloneCe = {};
      for (const m of names) {
        const masks = presenceMasks(val.n, names, { modalities: names.filter((x) => x !== m), rate: 1, seed: 0 });
        aloneCe[m] = (await evaluateSplit(model, val, binary, { masks })).cross_entropy;
      }
    }
    s.epoch += 1;
    s.rng = rng.state();
    const value = higherIsBetter ? v.accuracy : v.cross_entropy;
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
      train_loss: lossSum / train.n,
      train_acc: correct / train.n,
      val_loss: v.cross_entropy,
      val_acc: v.accuracy,
      val_macro_f1: v.macro_f1,
      samples_per_s: train.n / trainSeconds,
      epoch_s: (performance.now() - t0) / 1000,
      num_tensors: tf.memory().numTensors,
      ...(aloneCe ? { val_alone_ce: aloneCe } : {}),
      ...(fo.epochExtras ? await fo.epochExtras(model, val, s.epoch - 1) : {}),
    };
    await hooks.onEpochEnd?.(rec, { ...s }, improved);
    s = { ...s };
  }
  if (missingMasks) for (const t of Object.values(missingMasks)) t.dispose();
  return s;
}
