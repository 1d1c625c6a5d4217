// The JS kernels' plans and loops without the addon (the bit-for-bit comparisons with the cpu
// backend through the native backend are in kernels.test.ts): which shapes a row-against-column
// plan takes, and each loop against a naive float64-then-round reference.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng } from '../core/rng.js';
import { outerBinary, outerPlan, sumRuns, transposeValues } from './js-kernels.js';

test('outerPlan: a row against a column either way round; anything else is not its case', () => {
  assert.deepEqual(outerPlan([1, 6], [5, 1]), { rows: 5, cols: 6, rowFirst: true });
  assert.deepEqual(outerPlan([6], [5, 1]), { rows: 5, cols: 6, rowFirst: true });
  assert.deepEqual(outerPlan([5, 1], [1, 6]), { rows: 5, cols: 6, rowFirst: false });
  for (const [a, b] of [[[5, 6], [5, 1]], [[1, 1], [5, 1]], [[1, 6], [1, 1]], [[2, 1, 6], [5, 1]], [[5, 1], [5, 1]]]) assert.equal(outerPlan(a, b), null, JSON.stringify([a, b]));
});

test('outerBinary, transposeValues, sumRuns: the naive reference, rounded to float32 once per value', () => {
  const r = new Rng(9);
  const row = r.normals(6);
  const col = r.normals(5);
  for (const [op, f] of [['Add', (x: number, y: number) => x + y], ['Sub', (x: number, y: number) => x - y], ['Multiply', (x: number, y: number) => x * y], ['RealDiv', (x: number, y: number) => x / y]] as const) {
    for (const rowFirst of [true, false]) {
      const out = new Float32Array(30);
      outerBinary(op, row, col, rowFirst, out);
      for (let i = 0; i < 5; i++) for (let j = 0; j < 6; j++) assert.equal(out[i * 6 + j], Math.fround(rowFirst ? f(row[j], col[i]) : f(col[i], row[j])), `${op} ${rowFirst} [${i},${j}]`);
    }
  }
  // x of shape [2,3,4] transposed by [2,0,1]: out[k,i,j] = x[i,j,k].
  const x = Float32Array.from({ length: 24 }, (_, i) => i);
  const t = new Float32Array(24);
  transposeValues(x, [2, 3, 4], [2, 0, 1], t);
  for (let k = 0; k < 4; k++) for (let i = 0; i < 2; i++) for (let j = 0; j < 3; j++) assert.equal(t[k * 6 + i * 3 + j], x[i * 12 + j * 4 + k]);
  const s = new Float32Array(2);
  const v = Float32Array.from([0.1, 0.2, 0.3, 1, 2, 3]);
  sumRuns(v, 3, s, 3);
  const third = (i: number) => Math.fround(v[i] / 3);
  assert.deepEqual(Array.from(s), [Math.fround(third(0) + third(1) + third(2)), Math.fround(third(3) + third(4) + third(5))]);
});
