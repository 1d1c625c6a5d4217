// What a reproduction will run, counted before anything runs (issue 17: "state the number of runs
// and the time"): per experiment its tuning runs, the teachers its distill sweeps train, and its
// own runs; with a folder already run, the seconds its sweeps took (reproduce.json).
import { crossProduct, parseGrid } from '../config/grid.js';
import type { ReproduceProgress } from '../run/records/index.js';
import type { Experiment, Mode } from './experiments.js';
import { tuningSweepId } from './tuning.js';

export interface PlanRow {
  id: string;
  tuning: number; // configurations × tuning seeds
  teachers: number; // one per seed (and teacher.grid value) in the sweep, one per seed in its tuning
  runs: number; // grid points × seeds
  seconds: number | null; // measured in the folder, tuning included; null when not run there
}

const points = (grid: Record<string, { quick: string; full: string }>, mode: Mode, keys?: string[]) =>
  crossProduct(Object.entries(grid).filter(([k]) => !keys || keys.includes(k)).map(([k, v]) => parseGrid(`${k}=${v[mode]}`))).length;

/** The runs of each experiment in `list`; `seeds` replaces the registry's seeds as --seeds does. */
export function planRows(list: Experiment[], o: { mode: Mode; seeds?: number; progress?: ReproduceProgress | null }): PlanRow[] {
  return list.map((e) => {
    const seeds = o.seeds ?? e.seeds[o.mode];
    const tuneSeeds = e.tune ? e.tune.seeds[o.mode] : 0;
    const tuning = e.tune ? points(e.tune.grid, o.mode) * tuneSeeds : 0;
    // teacher.grid keys multiply the sweep's teachers; an empty key list leaves one per seed.
    const teachers = e.teacher ? seeds * points(e.grid, o.mode, e.teacher.grid ?? []) + (e.tune ? tuneSeeds : 0) : 0;
    const measured = [o.progress?.seconds[e.id], e.tune ? o.progress?.seconds[tuningSweepId(e)] : undefined].filter((s): s is number => s !== undefined);
    return { id: e.id, tuning, teachers, runs: points(e.grid, o.mode) * seeds, seconds: measured.length ? measured.reduce((a, b) => a + b, 0) : null };
  });
}

/** The plan as a Markdown table with totals. */
export function planMarkdown(rows: PlanRow[], o: { mode: Mode; folder?: string }): string {
  const sum = (f: (r: PlanRow) => number) => rows.reduce((a, r) => a + f(r), 0);
  const measured = rows.filter((r) => r.seconds !== null);
  const secs = (s: number | null) => (s === null ? '—' : String(Math.round(s)));
  const lines = [
    `# mmc reproduce --${o.mode}: what it runs`,
    '',
    `Runs per experiment: tuning (configurations × tuning seeds, on validation), teachers (distill sweeps: one per seed, and per training rate with teacher.grid), runs (grid points × seeds).${o.folder ? ` Seconds: the time its sweeps took in ${o.folder} (tuning included; — where not run there).` : ''}`,
    '',
    '| experiment | tuning | teachers | runs | all | seconds |',
    '|---|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.id} | ${r.tuning} | ${r.teachers} | ${r.runs} | ${r.tuning + r.teachers + r.runs} | ${secs(r.seconds)} |`),
    `| **${rows.length} experiment${rows.length === 1 ? '' : 's'}** | ${sum((r) => r.tuning)} | ${sum((r) => r.teachers)} | ${sum((r) => r.runs)} | **${sum((r) => r.tuning + r.teachers + r.runs)}** | ${measured.length ? `${Math.round(sum((r) => r.seconds ?? 0))} (${measured.length} of ${rows.length})` : '—'} |`,
    '',
  ];
  return lines.join('\n');
}
