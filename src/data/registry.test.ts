// Sweeps the dataset registry: every entry loads a small instance that keeps the contract the model
// core relies on (src/data/types.ts). A new entry without a sample config here fails the test.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { selectBackend } from '../backend.js';
import { datasetSchema, type Config } from '../config/schema.js';
import { avmnistFixture, folderFixture } from '../../test/support/datasets.js';
import { quickConfig } from '../test-support.js';
import { DATASETS, loadDataset } from './registry.js';
import type { Dataset, SplitName } from './types.js';

type Name = Config['dataset']['name'];
const SAMPLES: Record<Name, () => Record<string, unknown>> = {
  synthetic: () => ({ ...quickConfig().dataset, train_size: 64, val_size: 16, test_size: 16 }),
  'avmnist-mini': () => ({ name: 'avmnist-mini', train_size: 60, val_size: 20, test_size: 30 }),
  avmnist: () => ({ name: 'avmnist', path: avmnistFixture(12, 5), val_size: 4 }),
  folder: () => ({ name: 'folder', path: folderFixture() }),
};

function checkContract(d: Dataset, name: string): void {
  assert.ok(d.modalities.length >= 1, `${name}: no modalities`);
  assert.equal(new Set(d.modalities.map((m) => m.name)).size, d.modalities.length, `${name}: modality names repeat`);
  assert.ok(Number.isInteger(d.numClasses) && d.numClasses >= 2, `${name}: numClasses ${d.numClasses}`);
  if (d.task === 'binary') assert.equal(d.numClasses, 2);
  assert.match(d.hash, /^[0-9a-f]{16,}$/, `${name}: hash`);
  for (const m of d.modalities) assert.equal(m.dim, m.shape.reduce((p, v) => p * v, 1), `${name}/${m.name}: dim is not the product of its shape`);
  for (const s of ['train', 'val', 'test'] as SplitName[]) {
    const sp = d.splits[s];
    assert.ok(sp.n > 0, `${name}/${s}: empty`);
    assert.equal(sp.y.length, sp.n, `${name}/${s}: labels`);
    assert.ok(sp.y.every((c) => c >= 0 && c < d.numClasses), `${name}/${s}: a label outside 0..${d.numClasses - 1}`);
    for (const m of d.modalities) {
      const x = sp.x[m.name];
      assert.equal(x.length, sp.n * m.dim, `${name}/${s}/${m.name}: ${x.length} values for ${sp.n} × ${m.dim}`);
      const present = sp.present?.[m.name];
      if (present) assert.equal(present.length, sp.n, `${name}/${s}/${m.name}: presence length`);
      // Absent rows are zeroed at load, so every value the core sees is finite.
      assert.ok(x.every(Number.isFinite), `${name}/${s}/${m.name}: a non-finite value`);
    }
  }
}

test('every registered dataset loads a small instance that keeps the data contract, the same twice', async () => {
  await selectBackend('cpu'); // avmnist-mini's PCA and log-mel run on the tfjs backend
  assert.deepEqual(Object.keys(DATASETS).sort(), Object.keys(SAMPLES).sort(), 'a registry entry without a sample config here (or the reverse)');
  for (const name of Object.keys(DATASETS) as Name[]) {
    const raw = SAMPLES[name]();
    const cfg = datasetSchema.parse(raw) as Config['dataset'];
    const d = loadDataset(cfg);
    checkContract(d, name);
    assert.equal(loadDataset(datasetSchema.parse(raw) as Config['dataset']).hash, d.hash, `${name}: a second load differs`);
    assert.ok(DATASETS[name].describe.length > 0);
  }
});
