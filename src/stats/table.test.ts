import assert from 'node:assert/strict';
import { test } from 'node:test';
import { groupStats, pairedTests } from './table.js';

const rows = [
  { method: 'base', seed: 0, test_acc: 0.6, loss: 1.0 },
  { method: 'base', seed: 1, test_acc: 0.7, loss: 0.9 },
  { method: 'base', seed: 2, test_acc: 0.8, loss: NaN },
  { method: 'kd', seed: 0, test_acc: 0.7, loss: 0.8 },
  { method: 'kd', seed: 1, test_acc: 0.8, loss: null },
  { method: 'kd', seed: 2, test_acc: 0.9 },
  { method: 'ebr', seed: 1, test_acc: 0.75, loss: 0.7 },
  { method: 'ebr', seed: 3, test_acc: 0.95, loss: 0.6 },
];
const close = (a: number, b: number, tol = 1e-12) => assert.ok(Math.abs(a - b) <= tol, `${a} vs ${b}`);

test('groupStats: per group and metric, in order of first appearance, with skipped counts', () => {
  const s = groupStats(rows, ['method'], ['test_acc', 'loss'], { resamples: 500 });
  assert.deepEqual(
    s.map((e) => [e.group.method, e.metric, e.n, e.skipped]),
    [
      ['base', 'test_acc', 3, 0],
      ['base', 'loss', 2, 1], // NaN
      ['kd', 'test_acc', 3, 0],
      ['kd', 'loss', 1, 2], // null and missing
      ['ebr', 'test_acc', 2, 0],
      ['ebr', 'loss', 2, 0],
    ],
  );
  // base test_acc: [0.6, 0.7, 0.8] -> mean 0.7, sample std 0.1.
  close(s[0].mean, 0.7);
  close(s[0].std, 0.1);
  assert.ok(s[0].ci[0] >= 0.6 && s[0].ci[0] < 0.7 && s[0].ci[1] > 0.7 && s[0].ci[1] <= 0.8);
  // kd loss: one value -> std 0, interval [x, x].
  assert.deepEqual([s[3].mean, s[3].std, s[3].ci], [0.8, 0, [0.8, 0.8]]);
});

test('groupStats: several keys, a group with every value skipped, reproducible', () => {
  const r = [
    { method: 'a', lr: 0.1, acc: 1 },
    { method: 'a', lr: 0.2, acc: 2 },
    { method: 'a', lr: 0.1, acc: 3 },
    { method: 'a', lr: 0.2, acc: Infinity },
    { method: 'b', acc: 'n/a' },
  ];
  const s = groupStats(r, ['method', 'lr'], ['acc'], { resamples: 200 });
  assert.deepEqual(s.map((e) => e.group), [{ method: 'a', lr: 0.1 }, { method: 'a', lr: 0.2 }, { method: 'b', lr: null }]);
  assert.deepEqual([s[0].n, s[0].mean, s[1].n, s[1].skipped], [2, 2, 1, 1]);
  assert.equal(s[2].n, 0);
  assert.equal(s[2].skipped, 1);
  assert.ok(Number.isNaN(s[2].mean) && Number.isNaN(s[2].ci[0]));
  assert.deepEqual(groupStats(r, ['method', 'lr'], ['acc'], { resamples: 200 }), s);
});

test('groupStats with interval: false: the same groups, means and stds, no interval', () => {
  const full = groupStats(rows, ['method'], ['test_acc', 'loss'], { resamples: 500 });
  const bare = groupStats(rows, ['method'], ['test_acc', 'loss'], { interval: false });
  assert.deepEqual(bare.map(({ ci: _, ...rest }) => rest), full.map(({ ci: _, ...rest }) => rest));
  for (const e of bare) assert.ok(Number.isNaN(e.ci[0]) && Number.isNaN(e.ci[1]));
});

test('pairedTests: every pair of methods over the seeds both have', () => {
  const t = pairedTests(rows, { pairBy: 'seed', compare: 'method', metric: 'test_acc' });
  assert.deepEqual(
    t.map((e) => [e.a, e.b, e.pairs]),
    [
      ['base', 'kd', 3],
      ['base', 'ebr', 1], // seed 1 only
      ['kd', 'ebr', 1],
    ],
  );
  // base − kd = −0.1 on all three seeds: V = 0, exact two-sided p = 2/8.
  assert.deepEqual([t[0].n, t[0].statistic, t[0].p, t[0].exact], [3, 0, 2 / 8, true]);
  close(t[0].meanDiff, -0.1);
  assert.equal(t[0].metric, 'test_acc');
});

test('pairedTests: against a baseline, one-sided; skips non-finite pairs; rejects ambiguity', () => {
  const t = pairedTests(rows, { pairBy: 'seed', compare: 'method', metric: 'test_acc', baseline: 'base', alternative: 'greater' });
  assert.deepEqual(t.map((e) => [e.a, e.b]), [['kd', 'base'], ['ebr', 'base']]);
  assert.equal(t[0].p, 1 / 8); // kd > base on all 3 seeds
  // loss: base seed 2 is NaN, kd seed 1 null, kd seed 2 missing -> only seed 0 pairs.
  const l = pairedTests(rows, { pairBy: ['seed'], compare: 'method', metric: 'loss', baseline: 'base' });
  assert.equal(l[0].pairs, 1);
  assert.throws(() => pairedTests(rows, { pairBy: 'seed', compare: 'method', metric: 'x', baseline: 'nope' }), /baseline/);
  const dup = [...rows, { method: 'kd', seed: 0, test_acc: 0.1 }];
  assert.throws(() => pairedTests(dup, { pairBy: 'seed', compare: 'method', metric: 'test_acc' }), /more than one row/);
});
