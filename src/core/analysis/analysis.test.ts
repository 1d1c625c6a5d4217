// Analysis measures on cases whose answer is known by construction.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { Matrix } from 'ml-matrix';
import { useBackend } from '../../test-support.js';
import { FusionModel, type ModelSpec } from '../model.js';
import { Rng } from '../rng.js';
import { presenceMasks } from '../absence.js';
import { fusedAndProbs } from './activations.js';
import { areaUnder } from './curves.js';
import { attributionShares, collisionFraction, polysemanticity } from './polysemanticity.js';
import { linearProbe } from './probe.js';
import { effectiveRank, numericalRank, rankReport, singularValues } from './rank.js';
import { shapleyValues } from './shapley.js';

before(() => useBackend('wasm'));
const close = (a: number, b: number, tol = 1e-9) => assert.ok(Math.abs(a - b) <= tol, `${a} vs ${b}`);

test('singular values against hand-computed cases', () => {
  assert.deepEqual(singularValues(new Matrix([[3, 0], [0, -4]])).map((s) => Math.round(s * 1e9) / 1e9), [4, 3]);
  // [[1,1],[1,1],[0,0]] = 2 · u vᵀ with unit u = (1,1,0)/√2, v = (1,1)/√2: σ = (2, 0)
  const sv = singularValues(new Matrix([[1, 1], [1, 1], [0, 0]]));
  close(sv[0], 2, 1e-12);
  close(sv[1], 0, 1e-12);
  // A wide matrix (n < d) works too: [[3, 4, 0]] has σ = 5.
  close(singularValues(new Matrix([[3, 4, 0]]))[0], 5, 1e-12);
});

test('a centred rank-k matrix has numerical rank k; equal singular values give effective rank = count', () => {
  const r = new Rng(2);
  const n = 200;
  const d = 12;
  for (const k of [1, 3, 7]) {
    const a = r.normals(n * k);
    const b = r.normals(k * d);
    const x = new Float32Array(n * d);
    for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) for (let t = 0; t < k; t++) x[i * d + j] += a[i * k + t] * b[t * d + j];
    // Centring can only lower the rank by one; random factors keep it at k.
    assert.equal(rankReport(x, n, d, 1e-4).numerical_rank, k);
  }
  close(effectiveRank([2, 2, 2, 2]), 4, 1e-12);
  close(effectiveRank([1, 0, 0]), 1, 1e-12);
  assert.equal(numericalRank([10, 0.05, 1e-5], 1e-3), 2);
});

test('Shapley values: additive games give each player its own weight; symmetry; efficiency', () => {
  const w = [0.5, -0.2, 1.5, 0.1];
  const additive = (mask: number) => w.reduce((s, wi, i) => s + (mask & (1 << i) ? wi : 0), 0) + 7;
  shapleyValues(4, additive).forEach((phi, i) => close(phi, w[i], 1e-12));
  // Majority game on 3 players: v(S) = 1 when |S| ≥ 2. Symmetric, sums to 1.
  const majority = (mask: number) => (((mask & 1) + ((mask >> 1) & 1) + ((mask >> 2) & 1)) >= 2 ? 1 : 0);
  shapleyValues(3, majority).forEach((phi) => close(phi, 1 / 3, 1e-12));
  // Glove game: v = 1 only when player 0 is present with player 1 or 2: φ = (2/3, 1/6, 1/6).
  const glove = (mask: number) => (mask & 1 && mask & 6 ? 1 : 0);
  const g = shapleyValues(3, glove);
  close(g[0], 2 / 3, 1e-12);
  close(g[1], 1 / 6, 1e-12);
  close(g[2], 1 / 6, 1e-12);
});

/** Two modalities, identity-like encoders, a head whose first-layer kernel we set. */
async function modelWithHead(headKernel: number[][]): Promise<FusionModel> {
  const spec: ModelSpec = {
    modalities: [
      { name: 'a', inputDim: 2, encoder: { type: 'mlp', hidden: [], outDim: 2 } },
      { name: 'b', inputDim: 2, encoder: { type: 'mlp', hidden: [], outDim: 2 } },
    ],
    numClasses: 2,
    fusion: { type: 'concat', hidden: [headKernel[0].length] },
  };
  const model = new FusionModel(spec, new Rng(1));
  const w = await model.weightValues();
  const set = (name: string, data: number[]) => {
    const e = w.find((x) => x.name === name)!;
    e.data = Float32Array.from(data);
  };
  set('enc/a/dense0/kernel', [1, 0, 0, 1]);
  set('enc/b/dense0/kernel', [1, 0, 0, 1]);
  set('head/dense0/kernel', headKernel.flat());
  set('head/dense0/bias', new Array(headKernel[0].length).fill(0.1));
  model.setWeights(w);
  return model;
}

async function fractionFor(headKernel: number[][]): Promise<ReturnType<typeof polysemanticity>> {
  const model = await modelWithHead(headKernel);
  const n = 64;
  const r = new Rng(3);
  // Positive inputs keep the ReLU encoders (identity kernels) active.
  const xs = { a: tf.tensor2d(Float32Array.from(r.normals(n * 2), (v) => Math.abs(v) + 0.1), [n, 2]), b: tf.tensor2d(Float32Array.from(r.normals(n * 2), (v) => Math.abs(v) + 0.1), [n, 2]) };
  const base = await fusedAndProbs(model, xs, n);
  const removed: Record<string, Float32Array> = {};
  for (const m of ['a', 'b']) removed[m] = (await fusedAndProbs(model, xs, n, { masks: presenceMasks(n, ['a', 'b'], { modalities: [m], rate: 1, seed: 0 }) })).fused;
  tf.dispose([xs.a, xs.b]);
  model.dispose();
  return polysemanticity(attributionShares(base.fused, removed, n, base.width), 0.5);
}

test('a head routing each modality to its own neurons has cross-modal fraction 0; equal mixing has 1', async () => {
  // Rows: concat features (a0, a1, b0, b1); columns: 4 head neurons.
  const disjoint = await fractionFor([
    [1, 0.5, 0, 0],
    [0.5, 1, 0, 0],
    [0, 0, 1, 0.5],
    [0, 0, 0.5, 1],
  ]);
  assert.equal(disjoint.cross_modal_fraction, 0);
  close(disjoint.mean_normalised_entropy, 0, 1e-6);
  assert.equal(disjoint.live_neurons, 4);
  const mixed = await fractionFor([
    [1, 1, 1, 1],
    [1, 1, 1, 1],
    [1, 1, 1, 1],
    [1, 1, 1, 1],
  ]);
  assert.equal(mixed.cross_modal_fraction, 1);
  assert.ok(mixed.mean_normalised_entropy > 0.95);
  // A neuron with no weight at all is dead and left out.
  const withDead = await fractionFor([
    [1, 0, 0, 1],
    [1, 0, 0, 1],
    [0, 0, 1, 1],
    [0, 0, 1, 1],
  ]);
  assert.equal(withDead.dead_neurons, 1);
  assert.equal(withDead.live_neurons, 3);
  close(withDead.cross_modal_fraction, 1 / 3, 1e-12);
});

test('collision fraction counts neurons holding one modality\'s noise and another\'s predictive part', () => {
  const sources = ['a:predictive', 'a:noise', 'b:predictive', 'b:noise'];
  const m = {
    sources,
    live: [0, 1, 2, 3],
    dead: 0,
    shares: [
      [0.5, 0, 0, 0.5], // a predictive + b noise: collision
      [0.5, 0.5, 0, 0], // a predictive + a noise: same modality, no collision
      [0, 0.3, 0.7, 0], // a noise + b predictive: collision
      [0.9, 0.05, 0.05, 0], // one source dominates
    ],
  };
  const c = collisionFraction(m, 0.5); // threshold 0.5 / 4 = 0.125
  assert.equal(c.threshold, 0.125);
  assert.equal(c.fraction, 0.5);
});

test('linear probe: near-zero loss on separable features, chance-level loss on pure noise', async () => {
  const r = new Rng(6);
  const n = 300;
  const y = Int32Array.from({ length: n }, () => r.int(3));
  const sep = Float32Array.from({ length: n * 3 }, (_, i) => (Math.floor(i / 3) < n && i % 3 === y[Math.floor(i / 3)] ? 3 : 0) + 0.1 * r.normal());
  const tensors = tf.memory().numTensors;
  const good = await linearProbe(sep.slice(0, 200 * 3), y.slice(0, 200), sep.slice(200 * 3), y.slice(200), 3, 3);
  assert.equal(tf.memory().numTensors, tensors, 'the probe leaves no tensor behind');
  assert.ok(good.cross_entropy < 0.2 && good.accuracy === 1, JSON.stringify(good));
  const noise = r.normals(n * 3);
  const bad = await linearProbe(noise.slice(0, 200 * 3), y.slice(0, 200), noise.slice(200 * 3), y.slice(200), 3, 3);
  assert.ok(Math.abs(bad.cross_entropy - Math.log(3)) < 0.15, JSON.stringify(bad));
});

test('area under a curve: trapezoid over x scaled to [0, 1]', () => {
  close(areaUnder([0, 0.5, 1], [1, 1, 0]), 0.75, 1e-12);
  close(areaUnder([0, 1, 2, 4], [1, 1, 1, 1]), 1, 1e-12);
});
