import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { modelSpec } from '../commands/data-and-model.js';
import { generateSynthetic } from '../data/synthetic.js';
import { quickConfig, useBackend } from '../test-support.js';
import { Adam } from './adam.js';
import { presenceMasks } from './absence.js';
import { fit, initialFitState, NonFiniteError, trainStep, type EpochRecord, type FitInput, type FitOptions, type FitState } from './fit.js';
import { evaluateSplit } from './predict.js';
import { FusionModel } from './model.js';
import { Rng } from './rng.js';
import { setFastOps } from './ops/dense.js';
import { disposeSplit, toTensors } from './tensors.js';
import { fixedPresence } from './train-masks.js';

before(() => useBackend('wasm'));

/** `options`: fit's options, or a function of the model and the initial state giving them (frozen variables, a later stage). */
async function runFit(overrides: string[], epochs: number, weightDecay = 0, options: FitOptions | ((model: FusionModel, state: FitState) => Partial<FitInput>) = {}) {
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
  const state = initialFitState(rng.fork());
  try {
    const end = await fit({
      model,
      opt,
      train,
      val,
      config: cfg.train,
      state,
      binary: false,
      ...(typeof options === 'function' ? options(model, state) : options),
      hooks: {
        onEpochEnd: (r) => {
          records.push(r);
          counts.push(tf.memory().numTensors);
        },
      },
    });
    const named = await model.weightValues();
    const weights = named.map((w) => Array.from(w.data));
    return { records, counts, weights, named, moments: (await opt.state()).moments, state: end };
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

test('frozen variables (FitOptions.trainable) keep their bytes and their Adam moments, with fast ops (wasm) and without, dense and conv', async () => {
  const conv = ['dataset.modalities.image.image_shape=[4, 4, 1]', 'model.encoders={image: {type: conv, channels: [4, 6], kernel_size: 3, pool: 2}}', 'train.modality_dropout=0.2'];
  const frozen = (name: string) => name.startsWith('enc/');
  for (const mode of ['auto', 'off'] as const) {
    setFastOps(mode); // the Adam built in runFit follows it too: heap kernel (auto, wasm) or tensor ops
    try {
      let before: { name: string; data: Float32Array }[] = [];
      // Weight decay too: a frozen weight must not decay either.
      const r = await runFit(conv, 2, 0.01, (model) => {
        before = [...model.params].map(([name, v]) => ({ name, data: (v.dataSync() as Float32Array).slice() }));
        return { trainable: [...model.params].filter(([n]) => !frozen(n)).map(([, v]) => v) };
      });
      assert.equal(r.state.epoch, 2);
      assert.ok(before.some((w) => w.name.includes('conv1')), 'a conv layer is among the frozen');
      for (const w of before) {
        const same = Buffer.compare(Buffer.from(w.data.buffer), Buffer.from(r.named.find((x) => x.name === w.name)!.data.buffer)) === 0;
        const m = r.moments.find((x) => x.name === w.name)!;
        const untouched = m.m.every((x) => x === 0) && m.v.every((x) => x === 0);
        assert.equal(same, frozen(w.name), `${mode}: ${w.name} ${frozen(w.name) ? 'changed though frozen' : 'did not train'}`);
        assert.equal(untouched, frozen(w.name), `${mode}: ${w.name} moments`);
      }
    } finally {
      setFastOps('auto');
    }
  }
});

test('a later stage (FitState.stage) starts the learning-rate schedule over', async () => {
  // Epochs 4–5 of a run whose stage 2 began after epoch 3 (step 24) get the lr of a fresh 2-epoch run.
  const schedule = ['train.schedule.type=cosine', 'train.schedule.min_lr=0.001'];
  const fresh = await runFit(schedule, 2);
  const stage = { index: 2, epoch: 3, step: 24 };
  const later = await runFit(schedule, 5, 0, (_model, state) => ({ state: { ...state, epoch: 3, step: 24, stage } }));
  assert.deepEqual(later.state.stage, stage, 'fit carries the stage');
  assert.deepEqual(later.records.map((r) => r.lr), fresh.records.map((r) => r.lr));
  assert.ok(fresh.records[0].lr > fresh.records[1].lr);
});

test('early_stopping.metric val_missing_loss: the mean of val_loss and the val CE with each modality missing (the protocol hook fills them); best follows it', async () => {
  const cfg = quickConfig();
  const data = generateSynthetic(cfg.dataset as Parameters<typeof generateSynthetic>[0]);
  const fillRows = { image: new Float32Array(8).fill(0.5), audio: new Float32Array(8).fill(-0.25) };
  for (const fill of [null, fillRows]) {
    const calls: number[] = [];
    const missingFill = fill ? async () => (calls.push(1), { fill }) : undefined;
    const { records, named, state } = await runFit(['train.early_stopping.metric=val_missing_loss', 'train.optimizer.lr=0.05'], 4, 0, missingFill ? { missingFill } : {});
    if (fill) assert.equal(calls.length, 4, 'the protocol is computed once per epoch');
    for (const r of records) {
      assert.deepEqual(Object.keys(r.val_missing_ce!), ['image', 'audio']);
      const want = (r.val_loss + r.val_missing_ce!.image + r.val_missing_ce!.audio) / 3;
      assert.ok(Math.abs(r.val_missing_loss! - want) < 1e-12);
      assert.ok(r.val_missing_ce!.audio !== r.val_loss && r.val_missing_ce!.image !== r.val_loss);
    }
    const best = records.reduce((a, r) => (r.val_missing_loss! < a.val_missing_loss! ? r : a));
    assert.deepEqual(state.best, { value: best.val_missing_loss, epoch: best.epoch });
    // The last record against its conditions measured apart, with the final weights.
    const model = new FusionModel(modelSpec(cfg, data), new Rng(0));
    model.setWeights(named);
    const val = toTensors(data.splits.val, model.modalityNames);
    for (const m of model.modalityNames) {
      const ce = (await evaluateSplit(model, val, false, { masks: presenceMasks(val.n, model.modalityNames, { modalities: [m], rate: 1, seed: 0 }), fill })).cross_entropy;
      assert.equal(records.at(-1)!.val_missing_ce![m], ce, m);
    }
    disposeSplit(val);
    model.dispose();
  }
  // Without the metric the records carry no such fields.
  const plain = await runFit([], 1);
  assert.equal(plain.records[0].val_missing_loss, undefined);
});
