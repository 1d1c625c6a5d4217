import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { useBackend } from '../test-support.js';
import { rowCosine } from './losses.js';

before(() => useBackend('wasm'));

test('rowCosine: cosine of each row pair, by hand', () => {
  // (3,4)·(4,3) = 24 over 5·5; (1,0)·(0,2) = 0; (1,1)·(−2,−2) = −4 over √2·√8 = 4;
  // (2,0)·(1,1) = 2 over 2·√2.
  const a = tf.tensor2d([[3, 4], [1, 0], [1, 1], [2, 0]]);
  const b = tf.tensor2d([[4, 3], [0, 2], [-2, -2], [1, 1]]);
  const c = rowCosine(a, b);
  assert.deepEqual(c.shape, [4]);
  const want = [24 / 25, 0, -1, 1 / Math.SQRT2];
  Array.from(c.dataSync()).forEach((v, i) => assert.ok(Math.abs(v - want[i]) < 1e-6, `row ${i}: ${v} vs ${want[i]}`));
  tf.dispose([a, b, c]);
});

test('rowCosine: a zero row gives 0, not NaN (eps under the square roots)', () => {
  const a = tf.tensor2d([[0, 0, 0]]);
  const b = tf.tensor2d([[1, 2, 3]]);
  const c = rowCosine(a, b);
  assert.equal(c.dataSync()[0], 0);
  const d = rowCosine(b, b, 0);
  assert.ok(Math.abs(d.dataSync()[0] - 1) < 1e-6);
  tf.dispose([a, b, c, d]);
});
