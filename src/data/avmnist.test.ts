import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { datasetSchema, type AvmnistDatasetConfig } from '../config/schema.js';
import { loadAvmnist } from './avmnist.js';
import { avmnistFixture as fixture } from '../../test/support/datasets.js';

const cfg = (path: string, more: Record<string, unknown> = {}) => datasetSchema.parse({ name: 'avmnist', path, ...more }) as AvmnistDatasetConfig;

test('the MultiBench avmnist layout loads: last val_size training samples validate, values / 255', () => {
  const dir = fixture(12, 5);
  const d = loadAvmnist(cfg(dir, { val_size: 4 }));
  assert.deepEqual([d.splits.train.n, d.splits.val.n, d.splits.test.n], [8, 4, 5]);
  assert.deepEqual(d.modalities.map((m) => m.shape), [[28, 28, 1], [112, 112, 1]]);
  assert.equal(d.splits.train.x.image[0], Math.fround(1 / 255));
  assert.equal(d.splits.val.x.image[0], Math.fround(9 / 255)); // sample 8 of the training file
  assert.equal(d.splits.val.x.audio[0], Math.fround((255 - 8) / 255));
  assert.deepEqual(Array.from(d.splits.val.y), [8, 9, 0, 1]);
  assert.deepEqual(Array.from(d.splits.test.y), [0, 1, 2, 3, 4]);
  const lim = loadAvmnist(cfg(dir, { val_size: 4, train_limit: 3, test_limit: 2 }));
  assert.deepEqual([lim.splits.train.n, lim.splits.val.n, lim.splits.test.n], [3, 4, 2]);
  // flat [N, 784] images and channel-first [N, 1, 112, 112] spectrograms are accepted too
  const flat = fixture(6, 2, { imageShape: (k) => [k, 784], audioShape: (k) => [k, 1, 112, 112] });
  assert.equal(loadAvmnist(cfg(flat, { val_size: 1 })).splits.train.n, 5);
  rmSync(dir, { recursive: true });
});

test('a wrong avmnist folder is refused with the file and the problem', () => {
  const bad = fixture(6, 2, { audioShape: (k) => [k, 100, 112] });
  assert.throws(() => loadAvmnist(cfg(bad, { val_size: 1 })), /audio[/\\]train_data\.npy: expected 112×112 samples .* found shape \[6, 100, 112\]/);
  const dir = fixture(6, 2);
  rmSync(join(dir, 'test_labels.npy'));
  assert.throws(() => loadAvmnist(cfg(dir, { val_size: 1 })), /test_labels\.npy: file not found \(dataset\.path should be the MultiBench avmnist folder/);
  assert.throws(() => loadAvmnist(cfg(fixture(3, 1), { val_size: 3 })), /dataset\.val_size: 3 leaves no training samples/);
});
