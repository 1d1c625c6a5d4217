// The plan's counts against what the sweeps really hold: for every experiment of both modes, the
// sweep (and tuning sweep) that reproduce would create, its jobs and its distinct teachers.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { sweepArgs } from '../commands/reproduce.js';
import { createSweep } from '../commands/sweep.js';
import { teachersOf } from '../commands/sweep-teachers.js';
import { REPO_ROOT } from '../test-support.js';
import { experimentsFor, type Experiment, type Tune } from './experiments.js';
import { planMarkdown, planRows } from './plan.js';
import { tuneArgs, tuningSweepId } from './tuning.js';

test('planRows: every experiment of both modes counts the jobs and teachers of the sweeps reproduce creates', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mmc-plan-'));
  try {
    for (const mode of ['quick', 'full'] as const) {
      const list = experimentsFor(mode);
      const rows = planRows(list, { mode });
      for (const [i, e] of list.entries()) {
        const make = (a: { sets: string[]; grid: Parameters<typeof createSweep>[0]['grid']; seeds: number; teacherSets?: string[]; teacherGrid?: string[] }) =>
          createSweep({ configPath: join(REPO_ROOT, e.config), sets: a.sets, grid: a.grid, seeds: a.seeds, varyDataSeed: true, analyze: false, runsDir: dir, command: e.command, ...(e.teacher ? { teacherConfig: join(REPO_ROOT, e.teacher.config), teacherSets: a.teacherSets, teacherGrid: a.teacherGrid } : {}) }).spec;
        const main = make({ ...sweepArgs(e, mode), seeds: e.seeds[mode] });
        const tune = e.tune ? make(tuneArgs(e as Experiment & { tune: Tune }, mode)) : null;
        const teachers = e.teacher ? teachersOf(main, main.jobs).length + (tune ? teachersOf(tune, tune.jobs).length : 0) : 0;
        assert.deepEqual(rows[i], { id: e.id, tuning: tune?.jobs.length ?? 0, teachers, runs: main.jobs.length, seconds: null }, `${e.id} (${mode})`);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('planRows: --seeds replaces the sweeps\' seeds, not the tuning seeds; measured seconds add the tuning sweep\'s', () => {
  const e = experimentsFor('full').find((x) => x.id === 'missing-avmnist-mini-kd')!;
  const [r] = planRows([e], { mode: 'full', seeds: 4, progress: { mode: 'full', sweeps: {}, seconds: { [e.id]: 100, [tuningSweepId(e)]: 20.5 } } });
  // 5 rates × 4 seeds runs; 4 seeds × 5 rates teachers plus one per tuning seed (3); 8 configurations × 3 seeds.
  assert.deepEqual(r, { id: e.id, tuning: 24, teachers: 23, runs: 20, seconds: 120.5 });
  const md = planMarkdown([r, { id: 'x', tuning: 0, teachers: 0, runs: 5, seconds: null }], { mode: 'full', folder: 'runs/f' });
  assert.match(md, /\| missing-avmnist-mini-kd \| 24 \| 23 \| 20 \| 67 \| 121 \|/);
  assert.match(md, /\| x \| 0 \| 0 \| 5 \| 5 \| — \|/);
  assert.match(md, /\| \*\*2 experiments\*\* \| 24 \| 23 \| 25 \| \*\*72\*\* \| 121 \(1 of 2\) \|/);
});
