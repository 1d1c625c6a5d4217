import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describe, mean, quantileSorted } from './describe.js';

const close = (a: number, b: number, tol = 1e-12) => assert.ok(Math.abs(a - b) <= tol, `${a} vs ${b}`);

test('describe: hand-computed mean, sample std and median', () => {
  // [2, 4, 4, 4, 5, 5, 7, 9]: mean 5, squared deviations sum to 32, sample var 32/7.
  const d = describe([2, 4, 4, 4, 5, 5, 7, 9]);
  assert.equal(d.n, 8);
  close(d.mean, 5);
  close(d.std, Math.sqrt(32 / 7));
  assert.equal(d.median, 4.5);
  assert.equal(d.min, 2);
  assert.equal(d.max, 9);
  // Odd n, unsorted input: [3, 1, 2] -> mean 2, deviations 1, 1, 0 -> var 2/2 = 1, median 2.
  const e = describe([3, 1, 2]);
  assert.deepEqual([e.mean, e.std, e.median, e.min, e.max], [2, 1, 2, 1, 3]);
});

test('describe: n = 1 has std 0; constant data keeps its value exactly; empty throws', () => {
  assert.deepEqual(describe([0.7]), { n: 1, mean: 0.7, std: 0, min: 0.7, max: 0.7, median: 0.7 });
  assert.equal(mean([0.1, 0.1, 0.1]), 0.1); // a plain sum/3 gives 0.10000000000000002
  assert.equal(describe([0.1, 0.1, 0.1]).std, 0);
  assert.throws(() => describe([]), /empty/);
});

test('quantileSorted is Hyndman–Fan type 7 (R and numpy default)', () => {
  // numpy.quantile([1, 2, 3, 4], 0.25) = 1.75; R quantile(1:4, 0.9) = 3.7.
  close(quantileSorted([1, 2, 3, 4], 0.25), 1.75);
  close(quantileSorted([1, 2, 3, 4], 0.9), 3.7);
  assert.equal(quantileSorted([1, 2, 3, 4], 0), 1);
  assert.equal(quantileSorted([1, 2, 3, 4], 1), 4);
  assert.throws(() => quantileSorted([1], 1.5), /p must lie/);
});
