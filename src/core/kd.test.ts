import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { useBackend } from '../test-support.js';
import { cosineLoss, featureMse, lambdaAt, logitKl } from './kd.js';

before(() => useBackend('wasm'));
const close = (a: number, b: number, tol = 1e-6) => assert.ok(Math.abs(a - b) <= tol, `${a} vs ${b}`);

test('feature MSE: mean squared difference over all entries', () => {
  const v = featureMse(tf.tensor2d([[1, 2], [3, 4]]), tf.tensor2d([[0, 2], [5, 1]]));
  close(v.dataSync()[0], (1 + 0 + 4 + 9) / 4);
});

test('cosine loss: 1 − cos per row, averaged', () => {
  // Row 1 parallel (cos 1), row 2 orthogonal (cos 0), row 3 opposite (cos −1): mean of 0, 1, 2.
  const v = cosineLoss(tf.tensor2d([[1, 0], [0, 2], [1, 1]]), tf.tensor2d([[3, 0], [1, 0], [-2, -2]]));
  close(v.dataSync()[0], 1);
});

test('logit KL with temperature against a hand computation', () => {
  const zs = [[1, 0, -1]];
  const zt = [[0.5, 0.5, 2]];
  const T = 2;
  const soft = (z: number[]) => {
    const e = z.map((x) => Math.exp(x / T));
    const s = e.reduce((a, b) => a + b, 0);
    return e.map((x) => x / s);
  };
  const ps = soft(zs[0]);
  const pt = soft(zt[0]);
  const kl = pt.reduce((a, p, i) => a + p * Math.log(p / ps[i]), 0);
  close(logitKl(tf.tensor2d(zs), tf.tensor2d(zt), T).dataSync()[0], T * T * kl, 1e-5);
  close(logitKl(tf.tensor2d(zt), tf.tensor2d(zt), T).dataSync()[0], 0, 1e-6);
});

test('λ schedules', () => {
  const s = (type: 'constant' | 'warmup' | 'decay') => ({ type, epochs: 4 });
  assert.deepEqual([0, 1, 3, 9].map((e) => lambdaAt(2, s('constant'), e, 10)), [2, 2, 2, 2]);
  assert.deepEqual([0, 1, 3, 9].map((e) => lambdaAt(2, s('warmup'), e, 10)), [0.5, 1, 2, 2]);
  assert.deepEqual([0, 5, 6, 7, 9].map((e) => lambdaAt(2, s('decay'), e, 10)), [2, 2, 1.5, 1, 0]);
});
