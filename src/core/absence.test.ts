import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { tinyEbr, useBackend } from '../test-support.js';
import { chooseSubstitutes, independentPresence, meanFeatures, presenceMasks } from './absence.js';
import { FusionModel } from './model.js';
import { Rng } from './rng.js';

before(() => useBackend('wasm'));

/** Column means of the rows of `t` (n × d) where `present` is 1 (all rows without it), in float64. */
function meanRows(t: tf.Tensor2D, present?: Float32Array): number[] {
  const r = t.arraySync();
  const kept = r.filter((_, i) => !present || present[i] === 1);
  return r[0].map((_, j) => kept.reduce((s, row) => s + row[j], 0) / kept.length);
}

function assertClose(a: ArrayLike<number>, b: number[], what: string) {
  assert.equal(a.length, b.length, what);
  for (let i = 0; i < b.length; i++) assert.ok(Math.abs(a[i] - b[i]) < 1e-6, `${what}[${i}]: ${a[i]} vs ${b[i]}`);
}

test('mean protocol on an EBR model: the fill is the mean of h_m⁻¹(h_m(f_m)), what the head sees, over present samples', async () => {
  const { model, xs, dispose } = await tinyEbr({ modalities: 2, n: 5, seed: 31 });
  const split = { n: 5, x: xs, y: tf.tensor1d([0, 1, 2, 0, 1], 'int32'), yArray: Int32Array.from([0, 1, 2, 0, 1]), present: { b: Float32Array.from([1, 0, 1, 1, 0]) } };
  const start = tf.memory().numTensors;
  const fill = await meanFeatures(model, split, 2); // batches of 2, 2 and 1
  assert.equal(tf.memory().numTensors, start);
  const [seenA, seenB, encB] = tf.tidy(() => {
    const out = model.forward(xs); // nothing absent: out.features are what the fusion head sees
    return [meanRows(out.features.a), meanRows(out.features.b, split.present.b), meanRows(out.encoded.b, split.present.b)];
  });
  assertClose(fill.a, seenA, 'a');
  assertClose(fill.b, seenB, 'b (rows 1 and 4 naturally absent)');
  assert.ok(encB.some((v, j) => Math.abs(v - fill.b[j]) > 1e-3), 'the encoder output’s mean is another vector'); // the test can tell the spaces apart
  split.y.dispose();
  dispose();
});

test('mean protocol without EBR: the fill is the mean encoder output', async () => {
  const model = new FusionModel({ modalities: [{ name: 'a', inputDim: 3, encoder: { type: 'mlp', hidden: [4], outDim: 3 } }], numClasses: 2, fusion: { type: 'concat', hidden: [3] } }, new Rng(32));
  const x = tf.tensor2d(new Rng(33).normals(12), [4, 3]);
  const split = { n: 4, x: { a: x }, y: tf.tensor1d([0, 1, 0, 1], 'int32'), yArray: Int32Array.from([0, 1, 0, 1]) };
  const fill = await meanFeatures(model, split, 3);
  assertClose(fill.a, tf.tidy(() => meanRows(model.encode({ a: x }).a)), 'a');
  tf.dispose([x, split.y]);
  model.dispose();
});

test('chooseSubstitutes: for each modality a condition removes, the first of its ranking that the condition leaves', () => {
  const ranking = { a: ['c', 'b'], b: ['c', 'a'], c: ['a', 'b'] };
  assert.deepEqual(chooseSubstitutes(['a'], ranking), { a: 'c' });
  assert.deepEqual(chooseSubstitutes(['a', 'c'], ranking), { a: 'b', c: 'b' });
  assert.deepEqual(chooseSubstitutes(['a', 'b', 'c'], ranking), { a: null, b: null, c: null });
});

test('independentPresence: each modality lacks its own round(r·n) samples; the subsets differ, so some samples lack both; rate 0 removes nothing', () => {
  const n = 1000;
  const p = independentPresence(n, ['a', 'b', 'c'], { a: 0.3, b: 0.3 }, 5);
  const zeros = (m: Float32Array) => m.reduce((s, v) => s + (v === 0 ? 1 : 0), 0);
  assert.equal(zeros(p.a), 300);
  assert.equal(zeros(p.b), 300);
  assert.equal(zeros(p.c), 0);
  let both = 0;
  for (let i = 0; i < n; i++) if (p.a[i] === 0 && p.b[i] === 0) both++;
  // Independent subsets: about r² · n = 90 lack both (identical subsets would give 300, disjoint 0).
  assert.ok(both > 50 && both < 130, `both missing: ${both}`);
  // Modality i's subset is presenceMasks' with seed + i: the rule train.missing_rate has always used.
  assert.deepEqual(p.b, presenceMasks(n, ['a', 'b', 'c'], { modalities: ['b'], rate: 0.3, seed: 6 }).b);
});
