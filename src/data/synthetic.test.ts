import assert from 'node:assert/strict';
import { test } from 'node:test';
import { syntheticDatasetSchema } from '../config/schema.js';
import { generateSynthetic, projectLatents } from './synthetic.js';

const cfg = (over: Record<string, unknown> = {}, mod: Record<string, unknown> = {}) =>
  syntheticDatasetSchema.parse({
    name: 'synthetic',
    seed: 3,
    num_classes: 3,
    train_size: 3000,
    val_size: 50,
    test_size: 60,
    modalities: [
      { name: 'image', predictive_features: 4, strength: 2, noise_features: 3, noise_scale: 1.5, input_dim: 10, ...mod },
      { name: 'audio', predictive_features: 2, strength: 0.5, noise_features: 0, input_dim: 5 },
    ],
    ...over,
  });

test('the generator is fully determined by its seed', () => {
  const a = generateSynthetic(cfg());
  const b = generateSynthetic(cfg());
  assert.equal(a.hash, b.hash);
  assert.deepEqual(a.splits.test.x.image, b.splits.test.x.image);
  assert.notEqual(generateSynthetic(cfg({ seed: 4 })).hash, a.hash);
});

test('changing one split size leaves the other splits unchanged', () => {
  const a = generateSynthetic(cfg());
  const b = generateSynthetic(cfg({ train_size: 100 }));
  assert.deepEqual(a.splits.test.x.audio, b.splits.test.x.audio);
  assert.deepEqual(a.splits.val.y, b.splits.val.y);
});

test('inputs are the latents through the fixed projection, and shapes are as configured', () => {
  const c = cfg();
  const d = generateSynthetic(c);
  const s = d.splits.train;
  assert.equal(s.x.image.length, 3000 * 10);
  assert.equal(s.latents!.image.predictive.length, 3000 * 4);
  assert.equal(s.latents!.image.noise.length, 3000 * 3);
  const x = projectLatents(c.modalities[0], d.structure.projections.image, s.latents!.image.predictive, s.latents!.image.noise, s.n);
  assert.deepEqual(x, s.x.image);
  assert.deepEqual(d.modalities.map((m) => m.dim), [10, 5]);
  assert.equal(d.task, 'multiclass');
});

test('predictive latents have class means β·μ_y and unit spread; noise is label-independent with scale σ', () => {
  const c = cfg();
  const d = generateSynthetic(c);
  const s = d.splits.train;
  const { predictive, noise } = s.latents!.image;
  const mu = d.structure.means.image;
  for (let cls = 0; cls < 3; cls++) {
    const rows = [...s.y.keys()].filter((i) => s.y[i] === cls);
    for (let j = 0; j < 4; j++) {
      const vals = rows.map((i) => predictive[i * 4 + j]);
      const mean = vals.reduce((a, b) => a + b, 0) / vals.length;
      const sd = Math.sqrt(vals.reduce((a, b) => a + (b - mean) ** 2, 0) / vals.length);
      assert.ok(Math.abs(mean - 2 * mu[cls * 4 + j]) < 0.12, `class ${cls} feature ${j}: mean ${mean} vs ${2 * mu[cls * 4 + j]}`);
      assert.ok(Math.abs(sd - 1) < 0.08, `spread ${sd}`);
    }
    for (let j = 0; j < 3; j++) {
      const vals = rows.map((i) => noise[i * 3 + j]);
      const mean = vals.reduce((a, b) => a + b, 0) / vals.length;
      const sd = Math.sqrt(vals.reduce((a, b) => a + (b - mean) ** 2, 0) / vals.length);
      assert.ok(Math.abs(mean) < 0.15, `noise mean ${mean} in class ${cls}`);
      assert.ok(Math.abs(sd - 1.5) < 0.1, `noise sd ${sd}`);
    }
  }
  // Labels roughly balanced.
  const counts = [0, 0, 0];
  s.y.forEach((v) => counts[v]++);
  counts.forEach((n) => assert.ok(Math.abs(n - 1000) < 120, `class count ${n}`));
});

test('sparsity switches latent features off with probability 1 − s', () => {
  const d = generateSynthetic(cfg({}, { sparsity: 0.25 }));
  const p = d.splits.train.latents!.image.predictive;
  const active = p.reduce((a, v) => a + (v !== 0 ? 1 : 0), 0) / p.length;
  assert.ok(Math.abs(active - 0.25) < 0.02, `active share ${active}`);
});

test('two classes make a binary task', () => {
  assert.equal(generateSynthetic(cfg({ num_classes: 2 })).task, 'binary');
});
