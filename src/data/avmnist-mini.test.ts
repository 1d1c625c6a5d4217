import assert from 'node:assert/strict';
import { test } from 'node:test';
import { selectBackend } from '../backend.js';
import { datasetSchema, type AvmnistMiniDatasetConfig } from '../config/schema.js';
import { loadAvmnistMini } from './avmnist-mini.js';
import type { SplitName } from './types.js';

const cfg = (more: Record<string, unknown> = {}) => datasetSchema.parse({ name: 'avmnist-mini', train_size: 600, val_size: 200, test_size: 300, ...more }) as AvmnistMiniDatasetConfig;

test('avmnist-mini pairs every image with a clip of the same digit, voices never shared across splits', async () => {
  await selectBackend('cpu');
  const d = loadAvmnistMini(cfg());
  assert.deepEqual(d.modalities.map((m) => m.shape), [[28, 28, 1], [32, 32, 1]]);
  const voicesOf: Record<string, Set<number>> = {};
  for (const s of ['train', 'val', 'test'] as SplitName[]) {
    const sp = d.splits[s];
    voicesOf[s] = new Set();
    for (let i = 0; i < sp.n; i++) {
      const c = d.clipIndex[s][i];
      assert.equal(d.clips.digit[c], sp.y[i], `${s} sample ${i}: clip of digit ${d.clips.digit[c]} for image of ${sp.y[i]}`);
      assert.equal(d.voiceSplit[d.clips.voice[c]], s);
      voicesOf[s].add(d.clips.voice[c]);
    }
    // the image rows are MNIST digits: pixels in [0, 1], mostly background
    const img = sp.x.image;
    assert.ok(img.every((v) => v >= 0 && v <= 1));
  }
  for (const [a, b] of [['train', 'val'], ['train', 'test'], ['val', 'test']]) assert.ok([...voicesOf[a]].every((v) => !voicesOf[b].has(v)), `${a} and ${b} share a voice`);
  // test clips are the clips the data files mark as test voices
  for (const c of d.clipIndex.test) assert.equal(d.clips.testVoice[c], 1);
  // audio standardised with the training split's statistics
  const a = d.splits.train.x.audio;
  const mean = a.reduce((p, v) => p + v, 0) / a.length;
  assert.ok(Math.abs(mean) < 1e-4);
  // deterministic for a seed, different for another
  assert.equal(loadAvmnistMini(cfg()).hash, d.hash);
  assert.notEqual(loadAvmnistMini(cfg({ seed: 1 })).hash, d.hash);
});

test('avmnist-mini degradations: PCA removes at least the asked share of image variance; noise lowers the audio SNR', async () => {
  await selectBackend('wasm');
  const clean = loadAvmnistMini(cfg());
  const d = loadAvmnistMini(cfg({ image: { energy_removed: 0.75 }, audio: { snr_db: 0 } }));
  const info = d.info as { image_energy_removed: number; image_components_kept: number };
  assert.ok(info.image_energy_removed <= 0.75 && info.image_energy_removed > 0.6, `removed ${info.image_energy_removed}`);
  assert.ok(info.image_components_kept < 20);
  // variance of the training images about their mean drops to about (1 − removed) of the clean one
  const variance = (x: Float32Array) => {
    const n = x.length / 784;
    let total = 0;
    for (let j = 0; j < 784; j++) {
      let m = 0;
      for (let i = 0; i < n; i++) m += x[i * 784 + j];
      m /= n;
      for (let i = 0; i < n; i++) total += (x[i * 784 + j] - m) ** 2;
    }
    return total / n;
  };
  const ratio = variance(d.splits.train.x.image) / variance(clean.splits.train.x.image);
  assert.ok(Math.abs(ratio - (1 - info.image_energy_removed)) < 1e-3, `kept variance ratio ${ratio}`);
  // same pairing, noisier audio: the noisy rows correlate less than perfectly with the clean ones
  assert.deepEqual(d.clipIndex.train, clean.clipIndex.train);
  const x = clean.splits.train.x.audio.subarray(0, 1024);
  const y = d.splits.train.x.audio.subarray(0, 1024);
  const corr = (p: Float32Array, q: Float32Array) => {
    const mp = p.reduce((s, v) => s + v, 0) / p.length;
    const mq = q.reduce((s, v) => s + v, 0) / q.length;
    let a = 0, b = 0, c = 0;
    for (let i = 0; i < p.length; i++) {
      a += (p[i] - mp) * (q[i] - mq);
      b += (p[i] - mp) ** 2;
      c += (q[i] - mq) ** 2;
    }
    return a / Math.sqrt(b * c);
  };
  const r = corr(x, y);
  assert.ok(r > 0.3 && r < 0.98, `clean–noisy correlation ${r}`);
});
