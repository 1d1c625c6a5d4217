// Holm's adjustment against hand computation.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { holm } from './holm.js';

const close = (got: number[], want: number[]) => got.forEach((g, i) => assert.ok(Math.abs(g - want[i]) < 1e-12 || (Number.isNaN(g) && Number.isNaN(want[i])), `[${i}] ${g} vs ${want[i]}`));

test('holm: by hand — sorted 0.01, 0.02, 0.03, 0.04 of m = 4 become 0.04, 0.06, 0.06, 0.06 (monotone), in the input order', () => {
  close(holm([0.03, 0.01, 0.04, 0.02]), [0.06, 0.04, 0.06, 0.06]);
});

test('holm: by hand, m = 8 — 8·0.001, 7·0.008, 6·0.039, then the running maximum 0.234 holds over 5·0.041 … 1·0.205', () => {
  close(holm([0.001, 0.008, 0.039, 0.041, 0.042, 0.06, 0.074, 0.205]), [0.008, 0.056, 0.234, 0.234, 0.234, 0.234, 0.234, 0.234]);
});

test('holm: capped at 1; one p unchanged; NaN kept and not counted; out-of-range refused', () => {
  close(holm([0.5, 0.6]), [1, 1]);
  close(holm([0.02]), [0.02]);
  close(holm([0.01, NaN, 0.04]), [0.02, NaN, 0.04]);
  assert.deepEqual(holm([]), []);
  assert.throws(() => holm([0.1, 1.5]), /p-values lie in \[0, 1\]/);
});
