import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { modelSpec } from '../commands/data-and-model.js';
import { generateSynthetic } from '../data/synthetic.js';
import { quickConfig, useBackend } from '../test-support.js';
import { Adam } from './adam.js';
import { fit, initialFitState, NonFiniteError, trainStep, type EpochRecord, type FitOptions } from './fit.js';
import { FusionModel } from './model.js';
import { Rng } from './rng.js';
import { disposeSplit, toTensors } from './tensors.js';
import { fixedPresence } from './train-masks.js';

before(() => useBackend('wasm'));

async function runFit(overrides: string[], epochs: number, weightDecay = 0, options: FitOptions = {}) {
  const cfg = quickConfig([`train.epochs=${epochs}`, ...overrides]);
  const data = generateSynthetic(cfg.dataset as Parameters<typeof generateSynthetic>[0]);
  const rng = new Rng(cfg.seed);
  const model = new FusionModel(modelSpec(cfg, data), rng.fork());
  const opt = new Adam(model.params, { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay });
  const names = model.modalityNames;
  const train = toTensors(data.splits.train, names);
  const val = toTensors(data.splits.val, names);
  const records: EpochRecord[] = [];
  const counts: number[] = [];
  try {
    await fit({
      model,
      opt,
      train,
      val,
      config: cfg.train,
      state: initialFitState(rng.fork()),
      binary: false,
      ...options,
      hooks: {
        onEpochEnd: (r) => {
          records.push(r);
          counts.push(tf.memory().numTensors);
        },
      },
    });
    const weights = (await model.weightValues()).map((w) => Array.from(w.data));
    return { records, counts, weights };
  } finally {
    disposeSplit(train);
    disposeSplit(val);
    model.dispose();
    opt.dispose();
  }
}

const timeless = (r: EpochRecord) => ({ ...r, samples_per_s: 0, epoch_s: 0 });

test('numTensors stays flat across training steps and epochs, and a finished fit leaves nothing behind', async () => {
  const start = tf.memory().numTensors;
  const { counts } = await runFit(['train.modality_dropout=0.3'], 4);
  assert.equal(tf.memory().numTensors, start, 'model, optimiser and data all disposed');
  assert.equal(new Set(counts).size, 1, `tensor counts per epoch: ${counts.join(', ')}`);

  // And across single steps.
  const cfg = quickConfig();
  const data = generateSynthetic(cfg.dataset as Parameters<typeof generateSynthetic>[0]);
  const model = new FusionModel(modelSpec(cfg, data), new Rng(0));
  const opt = new Adam(model.params, { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01 });
  const train = toTensors(data.splits.train, model.modalityNames);
  const xs = { image: train.x.image.slice([0, 0], [32, -1]), audio: train.x.audio.slice([0, 0], [32, -1]) };
  const y = train.y.slice([0], [32]);
  const before = tf.memory().numTensors;
  for (let i = 0; i < 20; i++) trainStep({ model, opt, xs, y, lr: 1e-3 }).dispose();
  assert.equal(tf.memory().numTensors, before);
  tf.dispose([xs.image, xs.audio, y]);
  disposeSplit(train);
  model.dispose();
  opt.dispose();
});

test('attention fusion with modality dropout and a missing rate: numTensors flat across epochs, nothing left behind, the loss falls', async () => {
  const start = tf.memory().numTensors;
  const { counts, records } = await runFit(['model.fusion.type=attention', 'train.modality_dropout=0.3', 'train.missing_rate={audio: 0.3}'], 3);
  assert.equal(tf.memory().numTensors, start);
  assert.equal(new Set(counts).size, 1, `tensor counts per epoch: ${counts.join(', ')}`);
  assert.ok(records[2].train_loss < records[0].train_loss, `loss ${records.map((r) => r.train_loss.toFixed(3)).join(' → ')}`);
});

test('a run stopped by a non-finite loss leaves no tensor behind', async () => {
  // lr 3 with weight decay 1 overflows float32 in epoch 4 (as in test/crash.test.ts).
  const start = tf.memory().numTensors;
  await assert.rejects(runFit(['train.optimizer.lr=3'], 4, 1), (e: unknown) => e instanceof NonFiniteError && /epoch 4/.test(e.message));
  assert.equal(tf.memory().numTensors, start);
});

test('training is deterministic for a seed, and the loss falls', async () => {
  const a = await runFit(['train.modality_dropout=0.2', 'train.schedule.type=cosine'], 3);
  const b = await runFit(['train.modality_dropout=0.2', 'train.schedule.type=cosine'], 3);
  assert.deepEqual(a.records.map(timeless), b.records.map(timeless));
  assert.deepEqual(a.weights, b.weights);
  assert.ok(a.records[2].train_loss < a.records[0].train_loss, 'training loss decreases');
  const c = await runFit(['seed=1'], 1);
  assert.notDeepEqual(c.records.map(timeless)[0], a.records.map(timeless)[0]);
});

test('early stopping stops when the validation metric stops improving', async () => {
  // lr so high that validation loss quickly stops improving; patience 1.
  const { records } = await runFit(['train.optimizer.lr=5', 'train.early_stopping.patience=1'], 30);
  assert.ok(records.length < 30, `ran ${records.length} epochs`);
});

test('a conv encoder trains on wasm: the loss falls and numTensors stays flat', async () => {
  const conv = ['dataset.modalities.image.image_shape=[4, 4, 1]', 'model.encoders={image: {type: conv, channels: [4, 6], kernel_size: 3, pool: 2}}', 'train.optimizer.lr=0.01'];
  const start = tf.memory().numTensors;
  const { records, counts } = await runFit(conv, 4);
  assert.equal(new Set(counts).size, 1, `tensor counts per epoch: ${counts.join(', ')}`);
  assert.equal(tf.memory().numTensors, start);
  assert.ok(records[3].train_loss < records[0].train_loss, `loss ${records.map((r) => r.train_loss.toFixed(3)).join(' → ')}`);
  const again = await runFit(conv, 2);
  assert.deepEqual(again.records.map(timeless), records.slice(0, 2).map(timeless), 'deterministic');
});

test('training-time missingness: a fixed share of samples lacks a modality; no tensor growth; deterministic', async () => {
  const start = tf.memory().numTensors;
  const a = await runFit(['train.missing_rate={audio: 0.5}', 'train.modality_dropout=0.2'], 3);
  assert.equal(new Set(a.counts).size, 1, `tensor counts per epoch: ${a.counts.join(', ')}`);
  assert.equal(tf.memory().numTensors, start);
  const b = await runFit(['train.missing_rate={audio: 0.5}', 'train.modality_dropout=0.2'], 3);
  assert.deepEqual(a.weights, b.weights);
  const none = await runFit(['train.modality_dropout=0.2'], 3);
  assert.notDeepEqual(a.weights, none.weights);
  assert.throws(() => quickConfig(['train.missing_rate={video: 0.5}']), /train\.missing_rate\.video: "video" is not a modality/);
});

test('the extra loss gets what each batch’s samples have (train.missing_rate × natural presence), without the drawn dropout', async () => {
  const overrides = ['train.missing_rate={audio: 0.5}', 'train.modality_dropout=0.3'];
  const cfg = quickConfig(overrides);
  const want = fixedPresence({ n: cfg.dataset.name === 'synthetic' ? cfg.dataset.train_size : 0 }, ['image', 'audio'], cfg.train.missing_rate)!;
  let calls = 0;
  const extraLoss: FitOptions['extraLoss'] = (_out, idx, _epoch, observed) => {
    const rows = Array.from(idx.dataSync());
    assert.deepEqual(Array.from(observed!.audio.dataSync()), rows.map((i) => want.audio[i]));
    assert.deepEqual(Array.from(observed!.image.dataSync()), rows.map(() => 1));
    calls += 1;
    return null;
  };
  await runFit(overrides, 1, 0, { extraLoss });
  assert.equal(calls, 8); // 512 samples in batches of 64
});
