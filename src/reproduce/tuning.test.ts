// Equal tuning budgets: the choice on validation from hand-written tuning rows, and the tuning
// sweep's arguments.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseGrid } from '../config/grid.js';
import type { SweepRow } from '../run/records/index.js';
import { experimentsFor, type Experiment, type Tune } from './experiments.js';
import { chooseConfiguration, chosenSets, tuneArgs, tuningMarkdown } from './tuning.js';

const grid = [parseGrid('train.optimizer.lr=0.001,0.003'), parseGrid('train.modality_dropout=0.1,0.3')];
const row = (lr: string, p: string, seed: number, v: number | null, status: SweepRow['status'] = 'finished'): SweepRow => ({ job: `${lr}-${p}-${seed}`, status, seed, run: null, values: { 'train.optimizer.lr': lr, 'train.modality_dropout': p }, metrics: v === null ? {} : { 'missing_zero.image@0.3': v } });

test('chooseConfiguration: the highest mean over finished seeds; failed rows and missing values are left out; every mean kept in grid order', () => {
  const rows = [
    row('0.001', '0.1', 0, 0.7), row('0.001', '0.1', 1, 0.8), // mean 0.75
    row('0.001', '0.3', 0, 0.9), row('0.001', '0.3', 1, 0.6), // mean 0.75: ties with the first, which wins (grid order)
    row('0.003', '0.1', 0, 0.99, 'failed'), row('0.003', '0.1', 1, 0.74), // the failed row does not count: 0.74
    row('0.003', '0.3', 0, null), // no metric: no mean
  ];
  const c = chooseConfiguration(rows, { grid, metric: 'missing_zero.image@0.3', sweep: 'S', seeds: 2 });
  assert.deepEqual(c.chosen, { 'train.optimizer.lr': '0.001', 'train.modality_dropout': '0.1' });
  assert.equal(c.score, 0.75);
  assert.deepEqual(c.configurations.map((x) => [x.mean, x.n]), [[0.75, 2], [0.75, 2], [0.74, 1], [null, 0]]);
  assert.deepEqual(chosenSets(c), ['train.optimizer.lr=0.001', 'train.modality_dropout=0.1']);
  // A strictly better later configuration wins.
  const better = chooseConfiguration([...rows, row('0.003', '0.3', 1, 0.76)], { grid, metric: 'missing_zero.image@0.3', sweep: 'S', seeds: 2 });
  assert.deepEqual(better.chosen, { 'train.optimizer.lr': '0.003', 'train.modality_dropout': '0.3' });
  assert.throws(() => chooseConfiguration([row('0.001', '0.1', 0, null)], { grid, metric: 'missing_zero.image@0.3', sweep: 'S', seeds: 2 }), /tuning sweep S: no configuration has a finished run with missing_zero\.image@0\.3/);
});

test('tuningMarkdown lists each grid with its validation means and marks the choice', () => {
  const c = chooseConfiguration([row('0.001', '0.1', 0, 0.5), row('0.003', '0.3', 0, 0.625)], { grid, metric: 'missing_zero.image@0.3', sweep: 'S', seeds: 1 });
  const md = tuningMarkdown({ mode: 'quick', sweeps: {}, seconds: {}, tuned: { x: c } });
  assert.match(md, /^## x$/m);
  assert.match(md, /4 configurations × 1 seeds, metric `missing_zero\.image@0\.3` on validation; chosen: `train\.optimizer\.lr=0\.003`, `train\.modality_dropout=0\.3` \(62\.5\)\./);
  assert.match(md, /^\| 0\.001 \| 0\.1 \| 50\.0 \| 1 \|$/m);
  assert.match(md, /^\| 0\.003 \| 0\.3 \| 62\.5 ← chosen \| 1 \|$/m);
  assert.match(md, /^\| 0\.001 \| 0\.3 \| — \| 0 \|$/m);
  assert.equal(tuningMarkdown({ mode: 'quick', sweeps: {}, seconds: {} }), '');
});

test("tuneArgs: the experiment's sets, then the tuning point, analysed on validation; the grid is the tuning grid", () => {
  for (const mode of ['quick', 'full'] as const) {
    const tuned = experimentsFor(mode).filter((e): e is Experiment & { tune: Tune } => !!e.tune);
    assert.ok(tuned.length >= 2, `${mode}: at least two tuned methods`);
    for (const e of tuned) {
      const a = tuneArgs(e, mode);
      assert.equal(a.sets.at(-1), 'eval.split=val');
      for (const s of e.tune.sets[mode]) assert.ok(a.sets.includes(s));
      assert.deepEqual(a.grid.map((g) => g.key), Object.keys(e.tune.grid));
      assert.equal(a.seeds, e.tune.seeds[mode]);
    }
  }
});
