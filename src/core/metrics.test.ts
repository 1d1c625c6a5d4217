import assert from 'node:assert/strict';
import { test } from 'node:test';
import { accuracy, averagePrecision, classificationMetrics, crossEntropy, macroF1, probabilitiesFromLogits, rocAuc } from './metrics.js';

const close = (a: number, b: number, tol = 1e-12) => assert.ok(Math.abs(a - b) <= tol, `${a} vs ${b}`);

test('accuracy and macro-F1 against hand-computed values', () => {
  const y = [0, 0, 1, 1, 2, 2];
  const p = [0, 1, 1, 1, 2, 0];
  close(accuracy(p, y), 4 / 6);
  // class 0: tp1 fp1 fn1 → F1 2/4; class 1: tp2 fp1 fn0 → 4/5; class 2: tp1 fp0 fn1 → 2/3
  close(macroF1(p, y, 3), (0.5 + 0.8 + 2 / 3) / 3);
});

test('cross-entropy is the mean negative log-probability of the label', () => {
  const probs = [0.7, 0.2, 0.1, 0.25, 0.5, 0.25];
  close(crossEntropy(probs, [0, 2], 3), -(Math.log(0.7) + Math.log(0.25)) / 2);
});

test('ROC-AUC counts ties as half, as the Mann–Whitney statistic does', () => {
  // Pairs (pos, neg): scores pos {0.8, 0.4}, neg {0.4, 0.1}: 0.8>0.4, 0.8>0.1, 0.4=0.4 (½), 0.4>0.1 → 3.5/4
  close(rocAuc([0.8, 0.4, 0.4, 0.1], [1, 1, 0, 0]), 3.5 / 4);
  close(rocAuc([0.1, 0.2, 0.3], [1, 0, 0]), 0);
  assert.ok(Number.isNaN(rocAuc([0.1, 0.2], [1, 1])));
});

test('average precision against a hand-computed ranking', () => {
  // Descending scores: 0.9(1) 0.8(0) 0.7(1) 0.1(0): AP = ½·1 + ½·(2/3)
  close(averagePrecision([0.9, 0.8, 0.7, 0.1], [1, 0, 1, 0]), 0.5 + 1 / 3);
});

test('binary tasks also report ROC-AUC and PR-AUC', () => {
  const m = classificationMetrics([0.2, 0.8, 0.6, 0.4, 0.9, 0.1], [1, 0, 1], 2, true);
  close(m.accuracy, 2 / 3);
  assert.equal(m.roc_auc, 0.5);
  assert.ok(m.pr_auc !== undefined);
  assert.equal(classificationMetrics([0.2, 0.8], [1], 2, false).roc_auc, undefined);
});

test('probabilitiesFromLogits: softmax per row, stable for large scores; one score per row is a sigmoid', () => {
  const p = probabilitiesFromLogits([0, Math.log(3), 1000, 1000], 2, 2);
  assert.ok(Math.abs(p[0] - 0.25) < 1e-7 && Math.abs(p[1] - 0.75) < 1e-7);
  assert.deepEqual([...p.subarray(2)], [0.5, 0.5]);
  const s = probabilitiesFromLogits([0, Math.log(4)], 2, 1);
  assert.ok(Math.abs(s[0] - 0.5) < 1e-7 && Math.abs(s[3] - 0.8) < 1e-7 && Math.abs(s[2] - 0.2) < 1e-7);
});
