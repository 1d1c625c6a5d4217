// Sweeps the experiment registry (timm-style): every experiment's configs, grids and teachers are
// valid in both modes, and a distillation teacher sees exactly the student's data.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadConfigFile } from '../config/load.js';
import { sweepArgs } from '../commands/reproduce.js';
import { VERB_SETS } from '../commands/verb-sets.js';
import { REPO_ROOT } from '../test-support.js';
import { crossProduct } from '../config/grid.js';
import { EXPERIMENTS, experimentsFor, HEADLINES, MISSINGNESS, protocolRate, type Experiment, type Tune } from './experiments.js';
import { tuneArgs, tuningBudget } from './tuning.js';

test('every experiment parses in both modes, with every grid value', () => {
  for (const mode of ['quick', 'full'] as const) {
    for (const e of experimentsFor(mode)) {
      const { sets, grid, teacherSets } = sweepArgs(e, mode);
      for (const axis of grid) {
        for (const v of axis.values) {
          // With the verb's own overrides (reallocate turns EBR on, whose checks then apply).
          const c = loadConfigFile(join(REPO_ROOT, e.config), { overrides: [...VERB_SETS[e.command], ...sets, `${axis.key}=${v}`] });
          if (e.teacher) {
            const t = loadConfigFile(join(REPO_ROOT, e.teacher.config), { overrides: teacherSets });
            assert.deepEqual(t.dataset, c.dataset, `${e.id} (${mode}): the teacher's dataset differs from the student's`);
          }
        }
      }
    }
  }
});

test('ids are unique, headline experiments exist and name their methods', () => {
  assert.equal(new Set(EXPERIMENTS.map((e) => e.id)).size, EXPERIMENTS.length);
  for (const h of HEADLINES) {
    for (const id of h.experiments) {
      const e = EXPERIMENTS.find((x) => x.id === id);
      assert.ok(e?.method, `${h.id}: ${id} has no method label`);
    }
    assert.ok(h.experiments.some((id) => EXPERIMENTS.find((x) => x.id === id)!.method!({ 'train.modality_dropout': '0' }) === 'vanilla'), `${h.id} has no vanilla baseline`);
  }
});

test("each headline's weak-only model trains exactly the weak modality on the fusion models' data", () => {
  for (const h of HEADLINES) {
    const uni = h.experiments.map((id) => EXPERIMENTS.find((x) => x.id === id)!).filter((e) => e.unimodal);
    assert.equal(uni.length, 1, `${h.id}: one weak-only model`);
    const vanilla = EXPERIMENTS.find((x) => h.experiments.includes(x.id) && x.method?.({ 'train.modality_dropout': '0' }) === 'vanilla')!;
    const u = sweepArgs(uni[0], 'full');
    const c = loadConfigFile(join(REPO_ROOT, uni[0].config), { overrides: [...u.sets, ...u.grid.flatMap((a) => a.values.map((v) => `${a.key}=${v}`))] });
    assert.deepEqual(c.modalities, [h.weak]);
    const v = loadConfigFile(join(REPO_ROOT, vanilla.config), { overrides: sweepArgs(vanilla, 'full').sets });
    assert.deepEqual(c.dataset, v.dataset, `${h.id}: the weak-only model sees other data than vanilla fusion`);
    assert.deepEqual(c.train, v.train);
  }
});

test('tuned experiments: every configuration of the tuning grid parses; the methods of a table get the same budget, seeds and tuning point; the metric is one analyze writes at that point', () => {
  for (const mode of ['quick', 'full'] as const) {
    for (const table of MISSINGNESS) {
      const tuned = experimentsFor(mode).filter((e): e is Experiment & { tune: Tune } => table.experiments.includes(e.id) && !!e.tune);
      if (!tuned.length) continue;
      const budgets = new Set(tuned.map((e) => tuningBudget(e.tune, mode)));
      assert.equal(budgets.size, 1, `${table.id} (${mode}): unequal budgets ${[...budgets].join(', ')}`);
      assert.equal(new Set(tuned.map((e) => `${e.tune.seeds[mode]}|${e.tune.sets[mode].join(' ')}`)).size, 1, `${table.id} (${mode}): tuned at different points`);
      for (const e of tuned) {
        const a = tuneArgs(e, mode);
        // Tuned at one of the table's rates, scored by that rate's accuracy under zero-filling or substitution.
        const rate = ['0.1', '0.3', '0.5', '0.7'].find((r) => a.sets.includes(table.protocol.set(r)));
        assert.ok(rate, `${e.id}: tuned without the table's modalities missing`);
        assert.ok([table.protocol.key('zero', rate!), table.protocol.key('substitute', rate!)].includes(e.tune.metric[mode]), `${e.id}: metric ${e.tune.metric[mode]}`);
        assert.equal(protocolRate(table.protocol, { [table.protocol.set(rate!).split('=')[0]]: table.protocol.set(rate!).split('=')[1] }), Number(rate));
        assert.ok(!Object.keys(e.tune.grid).some((k) => k in e.grid), `${e.id}: tunes a key its sweep varies`);
        for (const values of crossProduct(a.grid)) loadConfigFile(join(REPO_ROOT, e.config), { overrides: [...VERB_SETS[e.command], ...a.sets, ...Object.entries(values).map(([k, v]) => `${k}=${v}`)] });
      }
    }
  }
});
