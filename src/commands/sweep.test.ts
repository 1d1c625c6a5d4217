import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { SweepRow } from '../run/records/index.js';
import { pointStats } from './sweep.js';

const row = (job: string, values: Record<string, string>, seed: number, status: SweepRow['status'], acc: number | null): SweepRow => ({ job, status, seed, values, run: null, metrics: { test_acc: acc } });

test('pointStats: mean ± std over the finished seeds of each grid point with a finite value, points in order of their first such row', () => {
  const a = { lr: '0.1' };
  const b = { lr: '0.2' };
  const c = { lr: '0.3' };
  const rows = [
    row('j0', a, 0, 'finished', NaN), // no finite value: a's first counted row is j3
    row('j1', b, 0, 'finished', 0.5),
    row('j2', c, 0, 'failed', 0.9), // failed rows do not count …
    row('j3', a, 1, 'finished', 0.6),
    row('j4', b, 1, 'finished', 0.7),
    row('j5', a, 2, 'finished', 0.8),
    row('j6', c, 1, 'finished', null), // … nor do missing values: c has none, so it is left out
  ];
  const s = pointStats(rows, 'test_acc');
  assert.deepEqual(s.map((g) => [g.values, g.n]), [[b, 2], [a, 2]]);
  // b: 0.5, 0.7 → mean 0.6, sample std √0.02; a: 0.6, 0.8 → mean 0.7, sample std √0.02.
  for (const [g, mean] of [[s[0], 0.6], [s[1], 0.7]] as const) {
    assert.ok(Math.abs(g.mean - mean) < 1e-12, `${g.mean}`);
    assert.ok(Math.abs(g.std - Math.sqrt(0.02)) < 1e-12, `${g.std}`);
  }
  assert.deepEqual(Object.keys(s[0]), ['values', 'n', 'mean', 'std']);
  assert.deepEqual(pointStats(rows, 'no_such_metric'), []);
});
