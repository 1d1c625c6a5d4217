import assert from 'node:assert/strict';
import { test } from 'node:test';
import { collapseMeasures, type Forward } from './collapse.js';

// A model that predicts the label when `a` is present and class 0 otherwise; `b` only moves a
// fused neuron of its own. 10 samples, all of class 1 (so a missing rate r costs exactly r).
test('collapseMeasures on a constructed model: a carries everything, b nothing', async () => {
  const n = 10;
  const y = new Int32Array(n).fill(1);
  const forward: Forward = async (masks) => {
    const probs = new Float32Array(n * 2);
    const fused = new Float32Array(n * 2);
    for (let i = 0; i < n; i++) {
      const a = masks?.a[i] ?? 1;
      const b = masks?.b[i] ?? 1;
      const c = a ? y[i] : 0;
      probs[i * 2 + c] = 0.9;
      probs[i * 2 + 1 - c] = 0.1;
      fused[i * 2] = a * (1 + (i % 3));
      fused[i * 2 + 1] = b * (1 + i);
    }
    return { probs, fused: { values: fused, width: 2 } };
  };
  const m = await collapseMeasures(forward, { names: ['a', 'b'], y, numClasses: 2, binary: false, tau: 1e-3, kappa: 0.5, seed: 0, missingRates: [0, 0.5, 1] });
  assert.equal(m.all_present.accuracy, 1);
  assert.equal(m.without.a.accuracy, 0);
  assert.equal(m.without.b.accuracy, 1);
  assert.deepEqual([m.alone.a.accuracy, m.alone.b.accuracy], [1, 0]);
  assert.deepEqual(m.shapley.values, { a: 1, b: 0 });
  assert.equal(m.shapley.none_present, 0);
  assert.deepEqual(m.missing.a.y, [1, 0.5, 0]);
  assert.deepEqual(m.missing.b.y, [1, 1, 1]);
  assert.equal(m.ablation.a.accuracy_drop, 1);
  // Each neuron belongs to one modality: none is cross-modal.
  assert.equal(m.fused!.polysemanticity.cross_modal_fraction, 0);
  assert.equal(m.fused!.rank.numerical_rank, 2);
});
