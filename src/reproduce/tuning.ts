// Equal tuning budgets (issue 17): an experiment with `tune` first runs every configuration of its
// declared grid on a few seeds, analysed on the validation split under the missingness it is tuned
// at; the configuration with the highest mean validation metric is fixed for its own sweep. The
// test split is never looked at before the choice.
import { crossProduct, sameValues, parseGrid, type GridAxis } from '../config/grid.js';
import type { ReproduceProgress, SweepRow, TuningChoice } from '../run/records/index.js';
import type { Experiment, Mode, Tune } from './experiments.js';

export const tuningSweepId = (e: Experiment) => `${e.id}-tune`;

/**
 * The tuning sweep: the experiment's sets, the tuning point's sets, analysis on validation. A
 * distill experiment's teacher gets the same sets (the tuning point's missing rate included), not
 * the tuning grid: one teacher per seed serves every configuration.
 */
export function tuneArgs(e: Experiment & { tune: Tune }, mode: Mode): { sets: string[]; grid: GridAxis[]; seeds: number; teacherSets?: string[] } {
  const sets = [...(e.sets?.both ?? []), ...(e.sets?.[mode] ?? []), ...e.tune.sets[mode], 'eval.split=val'];
  const grid = Object.entries(e.tune.grid).map(([k, v]) => parseGrid(`${k}=${v[mode]}`));
  return { sets, grid, seeds: e.tune.seeds[mode], ...(e.teacher ? { teacherSets: [...sets, ...e.teacher.sets] } : {}) };
}

/** How many configurations a tuning grid holds in this mode (the method's budget). */
export const tuningBudget = (t: Tune, mode: Mode) => crossProduct(Object.entries(t.grid).map(([k, v]) => parseGrid(`${k}=${v[mode]}`))).length;


/**
 * The configuration with the highest mean metric over its finished seeds (grid order breaks ties,
 * so the choice is deterministic); every configuration's mean is kept for the report. Throws when
 * no configuration has a finite value: nothing to choose from.
 */
export function chooseConfiguration(rows: SweepRow[], o: { grid: GridAxis[]; metric: string; sweep: string; seeds: number }): TuningChoice {
  const configurations = crossProduct(o.grid).map((values) => {
    const xs = rows.filter((r) => r.status === 'finished' && sameValues(r.values, values)).map((r) => r.metrics[o.metric]).filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
    return { values, mean: xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null, n: xs.length };
  });
  let best = -1;
  configurations.forEach((c, i) => {
    if (c.mean !== null && (best < 0 || c.mean > configurations[best].mean!)) best = i;
  });
  if (best < 0) throw new Error(`tuning sweep ${o.sweep}: no configuration has a finished run with ${o.metric}`);
  return { sweep: o.sweep, metric: o.metric, seeds: o.seeds, configurations, chosen: configurations[best].values, score: configurations[best].mean! };
}

/** The chosen configuration as --set overrides for the experiment's sweep. */
export const chosenSets = (c: TuningChoice) => Object.entries(c.chosen).map(([k, v]) => `${k}=${v}`);

/** The report's tuning section: each tuned experiment's grid, budget, validation scores and choice. */
export function tuningMarkdown(progress: ReproduceProgress): string {
  const tuned = Object.entries(progress.tuned ?? {});
  if (!tuned.length) return '';
  const pct = (v: number | null) => (v === null ? '—' : (100 * v).toFixed(1));
  const lines = ['# Tuning: the same budget for every method', '', 'Each method ran every configuration of its declared grid (src/reproduce/experiments.ts) on the stated seeds, trained with the modality missing at the tuning rate, and was scored on the **validation** split by the stated metric (accuracy %, mean over seeds); the best configuration was then run on every seed and rate above. The test split played no part in the choice.', ''];
  for (const [id, c] of tuned) {
    lines.push(`## ${id}`, '', `${c.configurations.length} configurations × ${c.seeds} seeds, metric \`${c.metric}\` on validation; chosen: ${Object.entries(c.chosen).map(([k, v]) => `\`${k}=${v}\``).join(', ')} (${pct(c.score)}).`, '');
    const keys = Object.keys(c.configurations[0]?.values ?? {});
    lines.push(`| ${keys.join(' | ')} | validation (%) | n |`, `|${keys.map(() => '---').join('|')}|---|---|`);
    for (const x of c.configurations) lines.push(`| ${keys.map((k) => x.values[k]).join(' | ')} | ${pct(x.mean)}${sameValues(x.values, c.chosen) ? ' ← chosen' : ''} | ${x.n} |`);
    lines.push('');
  }
  return lines.join('\n');
}
